/* SPDX-License-Identifier: MIT */
/*
 * addr: parsing, printing, comparing and classifying IPv4/IPv6 addresses and prefixes.
 * Text forms: RFC 791 dotted quad (decimal only, no leading zeros: "010" is octal to inet_aton),
 * RFC 4291 2.2 for IPv6 input, RFC 5952 4-5 for IPv6 output. Classes follow the IANA
 * special-purpose address registries (RFC 6890, RFC 8190).
 */
#include "lib/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How much of a bad input an error message quotes. */
#define ADDR_QUOTE_MAX 60

/* ---- error messages ------------------------------------------------------------------------ */

/*
 * A printable, bounded copy of n bytes of s for an error message (the input may be anything):
 * at most dstlen - 4 (and ADDR_QUOTE_MAX) characters, then "..." if it was longer.
 */
static void addr_quote(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t max = dstlen - 4 < ADDR_QUOTE_MAX ? dstlen - 4 : ADDR_QUOTE_MAX, i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < n) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

static int addr_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int addr_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* "'x'" for a printable character, "0xNN" otherwise. */
static const char *addr_char_name(char c, char buf[8])
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", u);
	return buf;
}

/* The message for a character no address may contain at this point. */
static int addr_fail_char(char *err, size_t errlen, const char *q, char c, const char *what)
{
	char cn[8];

	if (c == '/')
		return addr_fail(err, errlen,
				 "unexpected '/' in %s: '%s' (a prefix where an address "
				 "is expected?)",
				 what, q);
	if (c == '%')
		return addr_fail(err, errlen, "zone index not allowed in %s: '%s'", what, q);
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return addr_fail(err, errlen, "whitespace in %s: '%s'", what, q);
	return addr_fail(err, errlen, "unexpected character %s in %s: '%s'", addr_char_name(c, cn),
			 what, q);
}

static bool addr_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int addr_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- parsing --------------------------------------------------------------------------------- */

/* Dotted quad in s[0..n); q is the quoted whole input for messages. */
static int addr_parse_v4(uint8_t out[4], const char *s, size_t n, const char *q, char *err,
			 size_t errlen)
{
	size_t p = 0;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		size_t start = p;
		unsigned int v = 0;

		while (p < n && addr_is_digit(s[p])) {
			if (p - start < 4)
				v = v * 10 + (unsigned int)(s[p] - '0');
			p++;
		}
		if (p == start) {
			/* Callers never pass an empty string, so p == n means a trailing '.'. */
			if (p == n)
				return addr_fail(err, errlen, "IPv4 address ends with '.': '%s'",
						 q);
			if (s[p] == '.')
				return addr_fail(err, errlen, "empty IPv4 octet: '%s'", q);
			return addr_fail_char(err, errlen, q, s[p], "IPv4 address");
		}
		if (p - start > 3 || v > 255) {
			char num[16];

			addr_quote(num, sizeof(num), s + start, p - start);
			return addr_fail(err, errlen, "IPv4 octet %s is more than 255: '%s'", num,
					 q);
		}
		if (p - start > 1 && s[start] == '0') {
			char num[8];

			addr_quote(num, sizeof(num), s + start, p - start);
			/* inet_aton reads "010" as octal 8; we refuse rather than guess. */
			return addr_fail(err, errlen,
					 "leading zero in IPv4 octet '%s' (octal is "
					 "ambiguous): '%s'",
					 num, q);
		}
		out[i] = (uint8_t)v;
		if (i < 3) {
			if (p == n)
				return addr_fail(err, errlen,
						 "IPv4 address has %u octet%s, needs 4: '%s'",
						 i + 1, i ? "s" : "", q);
			if (s[p] != '.')
				return addr_fail_char(err, errlen, q, s[p], "IPv4 address");
			p++;
		}
	}
	if (p < n) {
		if (s[p] == '.')
			return addr_fail(err, errlen, "IPv4 address has more than 4 octets: '%s'",
					 q);
		if (s[p] == '/' || s[p] == '%' || s[p] == ' ')
			return addr_fail_char(err, errlen, q, s[p], "IPv4 address");
		return addr_fail(err, errlen, "trailing garbage after IPv4 address: '%s'", q);
	}
	return 0;
}

/* RFC 4291 2.2: x:x:x:x:x:x:x:x, "::" for one or more zero groups, a dotted quad at the end. */
static int addr_parse_v6(uint8_t out[16], const char *s, size_t n, const char *q, char *err,
			 size_t errlen)
{
	uint16_t groups[8];
	unsigned int ngroups = 0, i;
	int dc = -1; /* index in groups where "::" stands */
	size_t p = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dc = 0;
		p = 2;
	} else if (n >= 1 && s[0] == ':') {
		return addr_fail(err, errlen, "IPv6 address starts with a single ':': '%s'", q);
	}
	while (p < n) {
		size_t start = p;
		unsigned int v = 0;

		while (p < n && addr_hex_value(s[p]) >= 0) {
			if (p - start < 4)
				v = v << 4 | (unsigned int)addr_hex_value(s[p]);
			p++;
		}
		if (p < n && s[p] == '.') {
			uint8_t v4[4];
			int r;

			/* The dotted quad must be the last 32 bits (RFC 4291 2.2 form 3). */
			if (ngroups > 6 || (dc >= 0 && ngroups > 5))
				return addr_fail(err, errlen,
						 "IPv6 address has too many groups before "
						 "its IPv4 part: '%s'",
						 q);
			r = addr_parse_v4(v4, s + start, n - start, q, err, errlen);
			if (r)
				return r;
			groups[ngroups++] = (uint16_t)(v4[0] << 8 | v4[1]);
			groups[ngroups++] = (uint16_t)(v4[2] << 8 | v4[3]);
			p = n;
			break;
		}
		if (p == start) {
			if (s[p] == ':')
				return addr_fail(err, errlen,
						 "three or more ':' in a row in IPv6 address: "
						 "'%s'",
						 q);
			return addr_fail_char(err, errlen, q, s[p], "IPv6 address");
		}
		if (p - start > 4) {
			char num[16];

			addr_quote(num, sizeof(num), s + start, p - start);
			return addr_fail(err, errlen,
					 "IPv6 group '%s' has more than 4 hex digits: '%s'", num,
					 q);
		}
		if (ngroups == 8)
			return addr_fail(err, errlen, "IPv6 address has more than 8 groups: '%s'",
					 q);
		groups[ngroups++] = (uint16_t)v;
		if (p == n)
			break;
		if (s[p] != ':')
			return addr_fail_char(err, errlen, q, s[p], "IPv6 address");
		p++;
		if (p < n && s[p] == ':') {
			if (dc >= 0)
				return addr_fail(err, errlen,
						 "more than one '::' in IPv6 address: '%s'", q);
			dc = (int)ngroups;
			p++;
		} else if (p == n) {
			return addr_fail(err, errlen, "IPv6 address ends with a single ':': '%s'",
					 q);
		}
	}
	if (dc < 0 && ngroups != 8)
		return addr_fail(err, errlen,
				 "IPv6 address has %u group%s, needs 8 or a '::': '%s'", ngroups,
				 ngroups == 1 ? "" : "s", q);
	if (dc >= 0 && ngroups == 8)
		return addr_fail(err, errlen,
				 "'::' stands for no group in an IPv6 address that "
				 "already has 8: '%s'",
				 q);

	memset(out, 0, 16);
	for (i = 0; i < ngroups; i++) {
		/* Groups after "::" go to the end of the address. */
		unsigned int at = (dc >= 0 && i >= (unsigned int)dc) ? 8 - ngroups + i : i;

		out[2 * at] = (uint8_t)(groups[i] >> 8);
		out[2 * at + 1] = (uint8_t)groups[i];
	}
	return 0;
}

static bool addr_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* s[0..n) as an address of either family; q quotes the whole input. */
static int addr_parse_n(struct addr *a, const char *s, size_t n, const char *q, char *err,
			size_t errlen)
{
	uint8_t b[16];
	size_t i;
	int r;

	if (n == 0)
		return addr_fail(err, errlen, "empty address");
	if (addr_is_space(s[0]) || addr_is_space(s[n - 1]))
		return addr_fail(err, errlen, "whitespace around address: '%s'", q);
	for (i = 0; i < n && s[i] != ':'; i++)
		;
	if (i < n) {
		r = addr_parse_v6(b, s, n, q, err, errlen);
		if (r == 0)
			addr_set_v6(a, b);
		return r;
	}
	if (!addr_is_digit(s[0]))
		return addr_fail(err, errlen, "not an IPv4 or IPv6 address: '%s'", q);
	r = addr_parse_v4(b, s, n, q, err, errlen);
	if (r == 0)
		addr_set_v4(a, b);
	return r;
}

int addr_parse(struct addr *a, const char *s, char *err, size_t errlen)
{
	char q[ADDR_QUOTE_MAX + 4];
	size_t n;

	if (!s)
		return addr_fail(err, errlen, "empty address");
	n = strlen(s);
	addr_quote(q, sizeof(q), s, n);
	return addr_parse_n(a, s, n, q, err, errlen);
}

int prefix_parse(struct prefix *p, const char *s, unsigned int flags, char *err, size_t errlen)
{
	char q[ADDR_QUOTE_MAX + 4];
	struct prefix r;
	const char *slash, *l;
	unsigned int max, len = 0;
	size_t n, i, nl;
	int ret;

	if (!s || !*s)
		return addr_fail(err, errlen, "empty prefix");
	n = strlen(s);
	addr_quote(q, sizeof(q), s, n);
	if (addr_is_space(s[0]) || addr_is_space(s[n - 1]))
		return addr_fail(err, errlen, "whitespace around prefix: '%s'", q);
	slash = memchr(s, '/', n);
	if (slash == s)
		return addr_fail(err, errlen, "no address before '/': '%s'", q);
	ret = addr_parse_n(&r.addr, s, slash ? (size_t)(slash - s) : n, q, err, errlen);
	if (ret)
		return ret;
	max = addr_bits(&r.addr);
	if (!slash) {
		if (!(flags & PREFIX_PARSE_BARE))
			return addr_fail(err, errlen,
					 "missing prefix length: '%s' (write it as "
					 "address/length, e.g. '%s/%u')",
					 q, q, max);
		r.len = max;
		goto done;
	}
	l = slash + 1;
	nl = n - (size_t)(l - s);
	if (nl == 0)
		return addr_fail(err, errlen, "missing prefix length after '/': '%s'", q);
	for (i = 0; i < nl; i++) {
		if (!addr_is_digit(l[i]))
			return addr_fail(err, errlen, "prefix length is not a decimal number: '%s'",
					 q);
		if (len <= max)
			len = len * 10 + (unsigned int)(l[i] - '0');
	}
	if (len > max) {
		char num[16];

		addr_quote(num, sizeof(num), l, nl);
		return addr_fail(err, errlen, "prefix length %s is more than %u for IPv%c: '%s'",
				 num, max, max == 32 ? '4' : '6', q);
	}
	if (nl > 1 && l[0] == '0')
		return addr_fail(err, errlen, "leading zero in prefix length: '%s'", q);
	r.len = len;
done:
	if ((flags & PREFIX_PARSE_STRICT) && prefix_has_host_bits(&r)) {
		char want[PREFIX_STR_MAX];
		struct prefix m = r;

		prefix_mask(&m);
		prefix_print(&m, want, sizeof(want));
		return addr_fail(err, errlen, "host bits set: %s (did you mean %s?)", q, want);
	}
	*p = r;
	return 0;
}

/* ---- printing -------------------------------------------------------------------------------- */

const char *addr_print(const struct addr *a, char *buf, size_t len)
{
	const uint8_t *b = a->bytes;
	char s[ADDR_STR_MAX];
	size_t o = 0;
	int best = -1, best_len = 0, run = 0, i;

	if (a->family == AF_INET) {
		snprintf(s, sizeof(s), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	} else if (a->family == AF_INET6 && addr_is_v4_mapped(a)) {
		/* RFC 5952 5: IPv4-mapped addresses keep the dotted quad. */
		snprintf(s, sizeof(s), "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
	} else if (a->family == AF_INET6) {
		/* RFC 5952 4.2: "::" replaces the longest run of 2+ zero groups, the first on a
		 * tie. */
		for (i = 0; i < 8; i++) {
			if (b[2 * i] == 0 && b[2 * i + 1] == 0) {
				run++;
				if (run > best_len) {
					best_len = run;
					best = i - run + 1;
				}
			} else {
				run = 0;
			}
		}
		if (best_len < 2)
			best = -1;
		for (i = 0; i < 8; i++) {
			if (i == best) {
				o += (size_t)snprintf(s + o, sizeof(s) - o, "::");
				i += best_len - 1;
				continue;
			}
			/* RFC 5952 4.1, 4.3: no leading zeros, lowercase. */
			o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%x",
					      (i == 0 || i == best + best_len) ? "" : ":",
					      (unsigned int)(b[2 * i] << 8 | b[2 * i + 1]));
		}
	} else {
		snprintf(s, sizeof(s), "?");
	}
	if (len)
		snprintf(buf, len, "%s", s);
	return buf;
}

const char *prefix_print(const struct prefix *p, char *buf, size_t len)
{
	char s[ADDR_STR_MAX];

	addr_print(&p->addr, s, sizeof(s));
	if (len)
		snprintf(buf, len, "%s/%u", s, p->len);
	return buf;
}

/* ---- values, bits, comparisons ----------------------------------------------------------------
 */

void addr_set_v4(struct addr *a, const uint8_t bytes[4])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->bytes, bytes, 4);
}

void addr_set_v6(struct addr *a, const uint8_t bytes[16])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->bytes, bytes, 16);
}

unsigned int addr_bits(const struct addr *a)
{
	return a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : 0;
}

static int addr_family_rank(int family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : 2;
}

int addr_compare(const struct addr *a, const struct addr *b)
{
	int fa = addr_family_rank(a->family), fb = addr_family_rank(b->family);

	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a->bytes, b->bytes, addr_bits(a) / 8);
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return addr_compare(a, b) == 0;
}

int prefix_compare(const struct prefix *a, const struct prefix *b)
{
	int r = addr_compare(&a->addr, &b->addr);

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return prefix_compare(a, b) == 0;
}

bool addr_bit(const struct addr *a, unsigned int i)
{
	return (a->bytes[i / 8] >> (7 - i % 8)) & 1;
}

void addr_mask(struct addr *a, unsigned int len)
{
	unsigned int bits = addr_bits(a), i;

	if (len >= bits)
		return;
	if (len % 8)
		a->bytes[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	for (i = (len + 7) / 8; i < 16; i++)
		a->bytes[i] = 0;
}

void prefix_mask(struct prefix *p)
{
	addr_mask(&p->addr, p->len);
}

bool prefix_has_host_bits(const struct prefix *p)
{
	struct addr m = p->addr;

	addr_mask(&m, p->len);
	return !addr_equal(&m, &p->addr);
}

void prefix_from_addr(struct prefix *p, const struct addr *a)
{
	p->addr = *a;
	p->len = addr_bits(a);
}

/* Whether the first len bits of x and y agree. */
static bool addr_bits_equal(const uint8_t *x, const uint8_t *y, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	return rest == 0 || ((x[full] ^ y[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool prefix_contains_addr(const struct prefix *p, const struct addr *a)
{
	return p->addr.family == a->family && p->len <= addr_bits(a) &&
	       addr_bits_equal(p->addr.bytes, a->bytes, p->len);
}

bool prefix_contains_prefix(const struct prefix *outer, const struct prefix *inner)
{
	return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
	       inner->len <= addr_bits(&inner->addr) &&
	       addr_bits_equal(outer->addr.bytes, inner->addr.bytes, outer->len);
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len;

	return a->addr.family == b->addr.family && len <= addr_bits(&a->addr) &&
	       addr_bits_equal(a->addr.bytes, b->addr.bytes, len);
}

bool addr_is_v4_mapped(const struct addr *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return a->family == AF_INET6 && memcmp(a->bytes, pfx, sizeof(pfx)) == 0;
}

void addr_unmap(struct addr *a)
{
	uint8_t v4[4];

	if (!addr_is_v4_mapped(a))
		return;
	memcpy(v4, a->bytes + 12, 4);
	addr_set_v4(a, v4);
}

/* ---- sockaddr -------------------------------------------------------------------------------- */

socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		return sizeof(*sin6);
	}
	return 0;
}

int addr_from_sockaddr(struct addr *a, uint16_t *port, const struct sockaddr *sa, socklen_t salen)
{
	if (salen < (socklen_t)sizeof(sa->sa_family))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		if (salen < (socklen_t)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		addr_set_v4(a, (const uint8_t *)&sin.sin_addr);
		if (port)
			*port = ntohs(sin.sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		if (salen < (socklen_t)sizeof(sin6))
			return -EINVAL;
		memcpy(&sin6, sa, sizeof(sin6));
		addr_set_v6(a, (const uint8_t *)&sin6.sin6_addr);
		if (port)
			*port = ntohs(sin6.sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* ---- classification -------------------------------------------------------------------------- */

struct addr_range {
	uint8_t bytes[16];
	unsigned int len;
	enum addr_class cls;
};

/* IANA IPv4 Special-Purpose Address Registry; first match wins, so /32s come first. */
static const struct addr_range addr_ranges_v4[] = {
	{{0, 0, 0, 0}, 32, ADDR_CLASS_UNSPECIFIED},
	{{255, 255, 255, 255}, 32, ADDR_CLASS_BROADCAST},
	{{0}, 8, ADDR_CLASS_RESERVED}, /* "this network", RFC 791 */
	{{10}, 8, ADDR_CLASS_PRIVATE},
	{{100, 64}, 10, ADDR_CLASS_SHARED},
	{{127}, 8, ADDR_CLASS_LOOPBACK},
	{{169, 254}, 16, ADDR_CLASS_LINK_LOCAL},
	{{172, 16}, 12, ADDR_CLASS_PRIVATE},
	{{192, 0, 0}, 24, ADDR_CLASS_RESERVED}, /* IETF protocol assignments, RFC 6890 */
	{{192, 0, 2}, 24, ADDR_CLASS_DOCUMENTATION},
	{{192, 88, 99}, 24, ADDR_CLASS_RESERVED}, /* 6to4 relay anycast, deprecated, RFC 7526 */
	{{192, 168}, 16, ADDR_CLASS_PRIVATE},
	{{198, 18}, 15, ADDR_CLASS_RESERVED}, /* benchmarking, RFC 2544 */
	{{198, 51, 100}, 24, ADDR_CLASS_DOCUMENTATION},
	{{203, 0, 113}, 24, ADDR_CLASS_DOCUMENTATION},
	{{224}, 4, ADDR_CLASS_MULTICAST},
	{{240}, 4, ADDR_CLASS_RESERVED}, /* RFC 1112 */
};

/* IANA IPv6 Special-Purpose Address Registry; anything outside 2000::/3 is reserved too. */
static const struct addr_range addr_ranges_v6[] = {
	{{0}, 128, ADDR_CLASS_UNSPECIFIED},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, ADDR_CLASS_LOOPBACK},
	{{0xff}, 8, ADDR_CLASS_MULTICAST},
	{{0xfe, 0x80}, 10, ADDR_CLASS_LINK_LOCAL},
	{{0xfc}, 7, ADDR_CLASS_PRIVATE}, /* unique local, RFC 4193 */
	{{0x20, 0x01, 0x0d, 0xb8}, 32, ADDR_CLASS_DOCUMENTATION},
	{{0x3f, 0xff}, 20, ADDR_CLASS_DOCUMENTATION}, /* RFC 9637 */
	{{0x20, 0x01}, 23, ADDR_CLASS_RESERVED},      /* IETF protocol assignments */
	{{0x20, 0x02}, 16, ADDR_CLASS_RESERVED},      /* 6to4, RFC 3056 */
	{{0x5f, 0x00}, 16, ADDR_CLASS_RESERVED},      /* SRv6 SIDs, RFC 9602 */
};

static enum addr_class addr_range_find(const struct addr_range *r, size_t n, const struct addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addr_bits_equal(r[i].bytes, a->bytes, r[i].len))
			return r[i].cls;
	return ADDR_CLASS_PUBLIC;
}

enum addr_class addr_classify(const struct addr *a)
{
	enum addr_class c;

	if (a->family == AF_INET)
		return addr_range_find(addr_ranges_v4,
				       sizeof(addr_ranges_v4) / sizeof(addr_ranges_v4[0]), a);
	if (a->family != AF_INET6)
		return ADDR_CLASS_RESERVED;
	c = addr_range_find(addr_ranges_v6, sizeof(addr_ranges_v6) / sizeof(addr_ranges_v6[0]), a);
	/* Global unicast is allocated from 2000::/3 only (RFC 4291 2.4): the rest is reserved,
	 * which also covers ::ffff:0:0/96, 64:ff9b::/96 and 100::/64. */
	if (c == ADDR_CLASS_PUBLIC && (a->bytes[0] & 0xe0) != 0x20)
		return ADDR_CLASS_RESERVED;
	return c;
}

const char *addr_class_name(enum addr_class c)
{
	switch (c) {
	case ADDR_CLASS_PUBLIC:
		return "public";
	case ADDR_CLASS_UNSPECIFIED:
		return "unspecified";
	case ADDR_CLASS_LOOPBACK:
		return "loopback";
	case ADDR_CLASS_MULTICAST:
		return "multicast";
	case ADDR_CLASS_BROADCAST:
		return "broadcast";
	case ADDR_CLASS_LINK_LOCAL:
		return "link-local";
	case ADDR_CLASS_PRIVATE:
		return "private";
	case ADDR_CLASS_SHARED:
		return "shared (carrier-grade NAT)";
	case ADDR_CLASS_DOCUMENTATION:
		return "documentation";
	case ADDR_CLASS_RESERVED:
		return "reserved";
	}
	return "?";
}

bool addr_is_public_unicast(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_PUBLIC;
}

bool addr_is_unspecified(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_UNSPECIFIED;
}

bool addr_is_loopback(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_LOOPBACK;
}

bool addr_is_multicast(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_MULTICAST;
}

bool addr_is_link_local(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_LINK_LOCAL;
}

bool addr_is_private(const struct addr *a)
{
	return addr_classify(a) == ADDR_CLASS_PRIVATE;
}
