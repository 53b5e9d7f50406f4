/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/lib/addr: parsing (every error message), RFC 5952 printing, prefixes in
 * strict and lenient modes, masking, containment, ordering, sockaddr conversion, classes.
 * Tables have numbered rows; a failure names its row.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/addr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct addr A(const char *s) {
	char err[ADDR_ERR_MAX];
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, err, sizeof(err)), 0, "%s: %s", s, err);
	return a;
}

static struct prefix
P(const char *s) {
	char err[ADDR_ERR_MAX];
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, err, sizeof(err)), 0, "%s: %s", s, err);
	return p;
}

/* Valid addresses and how they print (RFC 5952 for IPv6). */
Test(addr, parse_and_print)
{
	static const struct {
		const char *in;
		int family;
		const char *out;
	} rows[] = {
		/* 1 */ {"0.0.0.0", AF_INET, "0.0.0.0"},
		/* 2 */ {"255.255.255.255", AF_INET, "255.255.255.255"},
		/* 3 */ {"192.0.2.1", AF_INET, "192.0.2.1"},
		/* 4 */ {"10.0.0.0", AF_INET, "10.0.0.0"},
		/* 5 */ {"1.2.3.4", AF_INET, "1.2.3.4"},
		/* 6 */ {"::", AF_INET6, "::"},
		/* 7 */ {"::1", AF_INET6, "::1"},
		/* 8 */ {"1::", AF_INET6, "1::"},
		/* 9 */ {"0:0:0:0:0:0:0:0", AF_INET6, "::"},
		/* 10 */ {"2001:DB8::1", AF_INET6, "2001:db8::1"},     /* 4.3 lowercase */
		/* 11 */ {"2001:0db8::0001", AF_INET6, "2001:db8::1"}, /* 4.1 no leading 0 */
		/* 12 */ {"2001:db8:0:0:1:0:0:1", AF_INET6, "2001:db8::1:0:0:1"}, /* 4.2.3 tie */
		/* 13 */ {"2001:0:0:1:0:0:0:1", AF_INET6, "2001:0:0:1::1"}, /* 4.2.3 longest */
		/* 14 */ {"2001:db8:0:1:1:1:1:1", AF_INET6, "2001:db8:0:1:1:1:1:1"}, /* 4.2.2 */
		/* 15 */ {"2001:db8::1:1:1:1:1", AF_INET6, "2001:db8:0:1:1:1:1:1"},  /* 4.2.2 */
		/* 16 */ {"2001:db8:0:0:0:0:2:1", AF_INET6, "2001:db8::2:1"},	     /* 4.2.1 */
										     /* 17 */
		{"2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA", AF_INET6,
		 "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
		/* 18 */ {"::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1"}, /* 5 mapped */
		/* 19 */ {"::ffff:c000:201", AF_INET6, "::ffff:192.0.2.1"},
		/* 20 */ {"::192.0.2.1", AF_INET6, "::c000:201"}, /* compat: deprecated, hex */
		/* 21 */ {"1:2:3:4:5:6:1.2.3.4", AF_INET6, "1:2:3:4:5:6:102:304"},
		/* 22 */ {"1::1.2.3.4", AF_INET6, "1::102:304"},
		/* 23 */ {"fe80::", AF_INET6, "fe80::"},
		/* 24 */ {"1:0:0:0:0:0:0:0", AF_INET6, "1::"},
		/* 25 */ {"0:0:0:0:0:0:0:1", AF_INET6, "::1"},
		/* 26 */ {"1:0:1:0:1:0:1:0", AF_INET6, "1:0:1:0:1:0:1:0"},
		/* 27 */ {"1:2:3:4:5:6:7::", AF_INET6, "1:2:3:4:5:6:7:0"}, /* one group: no :: */
		/* 28 */ {"::2:3:4:5:6:7:8", AF_INET6, "0:2:3:4:5:6:7:8"},
		/* 29 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6,
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		/* 30 */ {"0:0:1:0:0:0:1:0", AF_INET6, "0:0:1::1:0"},
		/* 31 */ {"1:0:0:2:0:0:0:0", AF_INET6, "1:0:0:2::"},
		/* 32 */ {"::ffff:0.0.0.0", AF_INET6, "::ffff:0.0.0.0"},
		/* 33 */ {"0::0", AF_INET6, "::"},
		/* 34 */ {"1:2:3:4:5::1.2.3.4", AF_INET6, "1:2:3:4:5:0:102:304"},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		char err[ADDR_ERR_MAX] = "", out[ADDR_STR_MAX];
		struct addr a, b;
		uint8_t ref[16];
		int r;

		r = addr_parse(&a, rows[i].in, err, sizeof(err));
		cr_assert_eq(r, 0, "row %zu: %s: %s", i + 1, rows[i].in, err);
		cr_assert_eq(a.family, rows[i].family, "row %zu", i + 1);
		/* Cross-check the bytes against the C library. */
		cr_assert_eq(inet_pton(a.family, rows[i].in, ref), 1, "row %zu", i + 1);
		cr_assert_arr_eq(a.bytes, ref, addr_bits(&a) / 8, "row %zu", i + 1);
		if (a.family == AF_INET)
			for (size_t j = 4; j < 16; j++)
				cr_assert_eq(a.bytes[j], 0, "row %zu: byte %zu", i + 1, j);
		cr_assert_str_eq(addr_print(&a, out, sizeof(out)), rows[i].out, "row %zu", i + 1);
		cr_assert_eq(addr_parse(&b, out, NULL, 0), 0, "row %zu", i + 1);
		cr_assert(addr_equal(&a, &b), "row %zu", i + 1);
	}
}

/* Every way an address can be wrong, and the message that says so. */
Test(addr, parse_errors)
{
	static const struct {
		const char *in;
		const char *msg;
	} rows[] = {
		/* 1 */ {"", "empty address"},
		/* 2 */ {"foo", "not an IPv4 or IPv6 address: 'foo'"},
		/* 3 */ {"1.2.3", "IPv4 address has 3 octets, needs 4: '1.2.3'"},
		/* 4 */ {"1", "IPv4 address has 1 octet, needs 4: '1'"},
		/* 5 */ {"1.2.3.4.5", "IPv4 address has more than 4 octets: '1.2.3.4.5'"},
		/* 6 */ {"1.2.3.256", "IPv4 octet 256 is more than 255: '1.2.3.256'"},
		/* 7 */ {"1.2.3.1000", "IPv4 octet 1000 is more than 255"},
		/* 8 */ {"1.2.3.04", "leading zero in IPv4 octet '04' (octal is ambiguous)"},
		/* 9 */ {"010.0.0.1", "leading zero in IPv4 octet '010'"},
		/* 10 */ {"1.2.3.00", "leading zero in IPv4 octet '00'"},
		/* 11 */ {"1.2.3.", "IPv4 address ends with '.': '1.2.3.'"},
		/* 12 */ {"1..3.4", "empty IPv4 octet: '1..3.4'"},
		/* 13 */ {".1.2.3", "not an IPv4 or IPv6 address"},
		/* 14 */ {"1.2.3.4x", "trailing garbage after IPv4 address: '1.2.3.4x'"},
		/* 15 */ {"1.2.3.4 ", "whitespace around address"},
		/* 16 */ {" 1.2.3.4", "whitespace around address"},
		/* 17 */ {"1.2. 3.4", "whitespace in IPv4 address"},
		/* 18 */ {"1.2.3.4/24", "unexpected '/' in IPv4 address"},
		/* 19 */ {"1.2.3.-4", "unexpected character '-' in IPv4 address"},
		/* 20 */ {"1.2.3.4\x01", "trailing garbage after IPv4 address: '1.2.3.4?'"},
		/* 21 */ {"1.2.3.0x4", "trailing garbage"},
		/* 22 */ {"167772161", "IPv4 octet 167772161 is more than 255"},
		/* 23 */ {":", "IPv6 address starts with a single ':'"},
		/* 24 */ {":1::", "IPv6 address starts with a single ':'"},
		/* 25 */ {"1::2:", "IPv6 address ends with a single ':'"},
		/* 26 */ {":::", "three or more ':' in a row"},
		/* 27 */ {"1:::2", "three or more ':' in a row"},
		/* 28 */ {"1::2::3", "more than one '::'"},
		/* 29 */ {"1:2:3:4:5:6:7", "IPv6 address has 7 groups, needs 8 or a '::'"},
		/* 30 */ {"1:2:3:4:5:6:7:8:9", "IPv6 address has more than 8 groups"},
		/* 31 */ {"1:2:3:4:5:6:7:8::", "'::' stands for no group"},
		/* 32 */ {"::1:2:3:4:5:6:7:8", "'::' stands for no group"},
		/* 33 */ {"1:2:3:4::5:6:7:8", "'::' stands for no group"},
		/* 34 */ {"12345::", "IPv6 group '12345' has more than 4 hex digits"},
		/* 35 */ {"1:g::", "unexpected character 'g' in IPv6 address"},
		/* 36 */ {"fe80::1%eth0", "zone index not allowed in IPv6 address"},
		/* 37 */ {"[::1]", "unexpected character '[' in IPv6 address"},
		/* 38 */ {"::1.2.3", "IPv4 address has 3 octets"},
		/* 39 */ {"::1.2.3.4:5", "trailing garbage after IPv4 address"},
		/* 40 */ {"1:2:3:4:5:6:7:1.2.3.4", "too many groups before its IPv4 part"},
		/* 41 */ {"1:2:3:4:5:6::1.2.3.4", "too many groups before its IPv4 part"},
		/* 42 */ {"1:2:3:4:5:1.2.3.4", "IPv6 address has 7 groups, needs 8"},
		/* 43 */ {"::01.2.3.4", "leading zero in IPv4 octet '01'"},
		/* 44 */ {"::1/128", "unexpected '/' in IPv6 address"},
		/* 45 */ {"1 ::", "whitespace in IPv6 address"},
		/* 46 */ {"::\xff", "unexpected character 0xff in IPv6 address: '::?'"},
		/* 47 */ {"::-1", "unexpected character '-'"},
		/* 48 */ {"1.2.3.4::", "trailing garbage after IPv4 address"},
		/* 49 */ {"fe80", "not an IPv4 or IPv6 address"},
		/* 50 */ {"1:2", "IPv6 address has 2 groups"},
		/* 51 */ {"::ffff:1.2.3.4.5", "more than 4 octets"},
		/* 52 */ {"1,2,3,4", "unexpected character ',' in IPv4 address: '1,2,3,4'"},
		/* 53 */ {"1.2-3.4", "unexpected character '-' in IPv4 address"},
		/* 54 */ {"::1.2.3.", "IPv4 address ends with '.'"},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		char err[ADDR_ERR_MAX] = "";
		struct addr a;
		uint8_t ref[16];

		memset(&a, 0x5a, sizeof(a));
		cr_assert_eq(addr_parse(&a, rows[i].in, err, sizeof(err)), -EINVAL, "row %zu: %s",
			     i + 1, rows[i].in);
		cr_assert_not_null(strstr(err, rows[i].msg), "row %zu: \"%s\" lacks \"%s\"", i + 1,
				   err, rows[i].msg);
		cr_assert_eq(a.family, 0x5a5a5a5a, "row %zu: output written on failure", i + 1);
		/* The C library agrees these are not addresses. */
		cr_assert_neq(inet_pton(AF_INET, rows[i].in, ref), 1, "row %zu", i + 1);
		cr_assert_neq(inet_pton(AF_INET6, rows[i].in, ref), 1, "row %zu", i + 1);
	}
}

Test(addr, parse_error_buffers)
{
	char small[8], big[ADDR_ERR_MAX], input[300];
	struct addr a;

	cr_assert_eq(addr_parse(&a, NULL, big, sizeof(big)), -EINVAL);
	cr_assert_str_eq(big, "empty address");
	cr_assert_eq(addr_parse(&a, "nope", NULL, 0), -EINVAL);
	cr_assert_eq(addr_parse(&a, "nope", big, 0), -EINVAL);
	cr_assert_eq(addr_parse(&a, "nope", small, sizeof(small)), -EINVAL);
	cr_assert_str_eq(small, "not an ");
	/* A long input is quoted in part; the message still fits ADDR_ERR_MAX. */
	memset(input, 'z', sizeof(input) - 1);
	input[sizeof(input) - 1] = '\0';
	cr_assert_eq(addr_parse(&a, input, big, sizeof(big)), -EINVAL);
	cr_assert_lt(strlen(big), sizeof(big) - 1, "%s", big);
	cr_assert_not_null(strstr(big, "zzz...'"), "%s", big);
	memset(input, '1', sizeof(input) - 1);
	cr_assert_eq(addr_parse(&a, input, big, sizeof(big)), -EINVAL);
	cr_assert_lt(strlen(big), sizeof(big) - 1, "%s", big);
	cr_assert_not_null(strstr(big, "is more than 255"), "%s", big);
	input[0] = ':';
	input[1] = ':';
	cr_assert_eq(addr_parse(&a, input, big, sizeof(big)), -EINVAL);
	cr_assert_lt(strlen(big), sizeof(big) - 1, "%s", big);
	cr_assert_not_null(strstr(big, "more than 4 hex digits"), "%s", big);
}

Test(addr, print_small_buffer_and_bad_family)
{
	struct addr a = A("2001:db8::1");
	char out[6];

	cr_assert_str_eq(addr_print(&a, out, sizeof(out)), "2001:");
	cr_assert_eq(addr_print(&a, out, 0), out);
	a.family = AF_UNIX;
	cr_assert_str_eq(addr_print(&a, out, sizeof(out)), "?");
	cr_assert_eq(addr_bits(&a), 0);
}

/* Prefixes: lengths, strictness, bare addresses. */
Test(addr, prefix_parse_table)
{
	enum { S = PREFIX_PARSE_STRICT, B = PREFIX_PARSE_BARE };
	static const struct {
		const char *in;
		unsigned int flags;
		const char *out; /* printed prefix, or NULL for an error */
		const char *msg; /* part of the error message */
	} rows[] = {
		/* 1 */ {"0.0.0.0/0", S, "0.0.0.0/0", NULL},
		/* 2 */ {"::/0", S, "::/0", NULL},
		/* 3 */ {"10.0.0.0/8", S, "10.0.0.0/8", NULL},
		/* 4 */ {"192.0.2.1/32", S, "192.0.2.1/32", NULL},
		/* 5 */ {"2001:db8::1/128", S, "2001:db8::1/128", NULL},
		/* 6 */ {"2001:db8::/32", S, "2001:db8::/32", NULL},
		/* 7 */ {"::ffff:10.0.0.0/104", S, "::ffff:10.0.0.0/104", NULL},
		/* 8 */ {"10.1.0.1/16", 0, "10.1.0.1/16", NULL},
		/* 9 */
		{"10.1.0.1/16", S, NULL,
		 "host bits set: 10.1.0.1/16 (did you mean "
		 "10.1.0.0/16?)"},
		/* 10 */
		{"2001:db8::1/64", S, NULL,
		 "host bits set: 2001:db8::1/64 (did you mean "
		 "2001:db8::/64?)"},
		/* 11 */ {"1.2.3.4/0", S, NULL, "did you mean 0.0.0.0/0?"},
		/* 12 */ {"10.0.0.0/33", 0, NULL, "prefix length 33 is more than 32 for IPv4"},
		/* 13 */ {"::/129", 0, NULL, "prefix length 129 is more than 128 for IPv6"},
		/* 14 */
		{"10.0.0.0/99999999999", 0, NULL,
		 "prefix length 99999999999 is more "
		 "than 32"},
		/* 15 */ {"10.0.0.0/08", 0, NULL, "leading zero in prefix length"},
		/* 16 */ {"10.0.0.0/00", 0, NULL, "leading zero in prefix length"},
		/* 17 */ {"10.0.0.0/", 0, NULL, "missing prefix length after '/'"},
		/* 18 */
		{"10.0.0.0", 0, NULL,
		 "missing prefix length: '10.0.0.0' (write it as "
		 "address/length, e.g. '10.0.0.0/32')"},
		/* 19 */ {"10.0.0.0", B, "10.0.0.0/32", NULL},
		/* 20 */ {"::1", B | S, "::1/128", NULL},
		/* 21 */ {"/8", 0, NULL, "no address before '/'"},
		/* 22 */ {"", 0, NULL, "empty prefix"},
		/* 23 */ {"10.0.0.0/8x", 0, NULL, "prefix length is not a decimal number"},
		/* 24 */ {"10.0.0.0/-1", 0, NULL, "prefix length is not a decimal number"},
		/* 25 */ {"10.0.0.0/+8", 0, NULL, "prefix length is not a decimal number"},
		/* 26 */ {"10.0.0.0/8/8", 0, NULL, "prefix length is not a decimal number"},
		/* 27 */ {"10.0.0.0/ 8", 0, NULL, "prefix length is not a decimal number"},
		/* 28 */ {" 10.0.0.0/8", 0, NULL, "whitespace around prefix"},
		/* 29 */ {"10.0.0.0/8\n", 0, NULL, "whitespace around prefix"},
		/* 30 */ {"10.0.0/8", 0, NULL, "IPv4 address has 3 octets, needs 4: '10.0.0/8'"},
		/* 31 */ {"010.0.0.0/8", 0, NULL, "leading zero in IPv4 octet '010'"},
		/* 32 */ {"foo/8", 0, NULL, "not an IPv4 or IPv6 address: 'foo/8'"},
		/* 33 */ {"10.0.0.0 /8", 0, NULL, "whitespace around address"},
		/* 34 */ {"fe80::/10%eth0", 0, NULL, "prefix length is not a decimal number"},
		/* 35 */ {"10.0.0.0/0", 0, "10.0.0.0/0", NULL},
		/* 36 */ {"255.255.255.255/31", S, NULL, "did you mean 255.255.255.254/31?"},
		/* 37 */ {"::1/127", S, NULL, "did you mean ::/127?"},
		/* 38 */ {"1.2.3.4/32", 0, "1.2.3.4/32", NULL},
		/* 39 */ {"::/128", S, "::/128", NULL},
		/* 40 */ {"10.0.0.0/1.5", 0, NULL, "prefix length is not a decimal number"},
		/* 41 */ {"10.0.0.0/033", 0, NULL, "prefix length 033 is more than 32"},
		/* 42 */ {"128.0.0.0/1", S, "128.0.0.0/1", NULL},
		/* 43 */ {"192.0.2.128/25", S, "192.0.2.128/25", NULL},
		/* 44 */ {"192.0.2.129/25", S, NULL, "did you mean 192.0.2.128/25?"},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		char err[ADDR_ERR_MAX] = "", out[PREFIX_STR_MAX];
		struct prefix p, q;
		int r;

		memset(&p, 0x5a, sizeof(p));
		r = prefix_parse(&p, rows[i].in, rows[i].flags, err, sizeof(err));
		if (rows[i].out) {
			cr_assert_eq(r, 0, "row %zu: %s: %s", i + 1, rows[i].in, err);
			cr_assert_str_eq(prefix_print(&p, out, sizeof(out)), rows[i].out, "row %zu",
					 i + 1);
			cr_assert_eq(prefix_parse(&q, out, rows[i].flags & ~(unsigned)B, NULL, 0),
				     0, "row %zu", i + 1);
			cr_assert(prefix_equal(&p, &q), "row %zu", i + 1);
			if (rows[i].flags & S)
				cr_assert_not(prefix_has_host_bits(&p), "row %zu", i + 1);
		} else {
			cr_assert_eq(r, -EINVAL, "row %zu: %s", i + 1, rows[i].in);
			cr_assert_not_null(strstr(err, rows[i].msg), "row %zu: \"%s\" lacks \"%s\"",
					   i + 1, err, rows[i].msg);
			cr_assert_eq(p.len, 0x5a5a5a5a, "row %zu: output written", i + 1);
		}
	}
}

Test(addr, prefix_parse_null)
{
	char err[ADDR_ERR_MAX];
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, NULL, 0, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "empty prefix");
}

Test(addr, mask_and_host_bits)
{
	static const struct {
		const char *in;
		const char *masked;
		bool host_bits;
	} rows[] = {
		/* 1 */ {"10.1.2.3/8", "10.0.0.0/8", true},
		/* 2 */ {"10.1.2.3/0", "0.0.0.0/0", true},
		/* 3 */ {"10.1.2.3/32", "10.1.2.3/32", false},
		/* 4 */ {"10.1.2.3/31", "10.1.2.2/31", true},
		/* 5 */ {"10.1.2.2/31", "10.1.2.2/31", false},
		/* 6 */ {"255.255.255.255/1", "128.0.0.0/1", true},
		/* 7 */ {"255.255.255.255/9", "255.128.0.0/9", true},
		/* 8 */ {"255.255.255.255/23", "255.255.254.0/23", true},
		/* 9 */ {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", "::/0", true},
		/* 10 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65", "ffff:ffff:ffff:ffff:8000::/65",
		 true},
		/* 11 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", true},
		/* 12 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", false},
		/* 13 */ {"2001:db8::/32", "2001:db8::/32", false},
		/* 14 */ {"2001:db8:1::/47", "2001:db8::/47", true},
		/* 15 */ {"0.0.0.0/0", "0.0.0.0/0", false},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct prefix p = P(rows[i].in);
		char out[PREFIX_STR_MAX];

		cr_assert_eq(prefix_has_host_bits(&p), rows[i].host_bits, "row %zu", i + 1);
		prefix_mask(&p);
		cr_assert_str_eq(prefix_print(&p, out, sizeof(out)), rows[i].masked, "row %zu",
				 i + 1);
		cr_assert_not(prefix_has_host_bits(&p), "row %zu", i + 1);
	}
}

Test(addr, mask_keeps_v4_tail_zero_and_ignores_long_len)
{
	struct addr a = A("1.2.3.4"), b = a;

	addr_mask(&a, 32);
	addr_mask(&a, 200);
	cr_assert(addr_equal(&a, &b));
	addr_mask(&a, 12);
	cr_assert(addr_equal(&a, &(struct addr){.bytes = {1, 0}, .family = AF_INET}));
}

Test(addr, bits)
{
	struct addr a = A("128.0.0.1"), b = A("8000::1");
	unsigned int i;

	for (i = 0; i < 32; i++)
		cr_assert_eq(addr_bit(&a, i), i == 0 || i == 31, "bit %u", i);
	for (i = 0; i < 128; i++)
		cr_assert_eq(addr_bit(&b, i), i == 0 || i == 127, "bit %u", i);
	cr_assert_eq(addr_bits(&a), 32);
	cr_assert_eq(addr_bits(&b), 128);
}

Test(addr, containment_and_overlap)
{
	static const struct {
		const char *a, *b;
		bool a_contains_b, b_contains_a, overlap;
	} rows[] = {
		/* 1 */ {"10.0.0.0/8", "10.1.0.0/16", true, false, true},
		/* 2 */ {"10.0.0.0/8", "10.0.0.0/8", true, true, true},
		/* 3 */ {"10.0.0.0/8", "11.0.0.0/8", false, false, false},
		/* 4 */ {"0.0.0.0/0", "255.255.255.255/32", true, false, true},
		/* 5 */ {"0.0.0.0/0", "::/0", false, false, false}, /* families never mix */
		/* 6 */ {"::/0", "2001:db8::/32", true, false, true},
		/* 7 */ {"10.0.0.0/9", "10.128.0.0/9", false, false, false},
		/* 8 */ {"10.1.2.3/8", "10.200.0.0/16", true, false, true}, /* host bits ignored */
		/* 9 */ {"::ffff:0:0/96", "0.0.0.0/0", false, false, false},
		/* 10 */ {"2001:db8::/127", "2001:db8::1/128", true, false, true},
		/* 11 */ {"2001:db8::/128", "2001:db8::1/128", false, false, false},
		/* 12 */ {"192.0.2.0/25", "192.0.2.128/25", false, false, false},
		/* 13 */ {"192.0.2.0/24", "192.0.2.255/32", true, false, true},
		/* 14 */ {"192.0.2.0/24", "192.0.3.0/32", false, false, false},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct prefix a = P(rows[i].a), b = P(rows[i].b);

		cr_assert_eq(prefix_contains_prefix(&a, &b), rows[i].a_contains_b, "row %zu",
			     i + 1);
		cr_assert_eq(prefix_contains_prefix(&b, &a), rows[i].b_contains_a, "row %zu",
			     i + 1);
		cr_assert_eq(prefix_overlaps(&a, &b), rows[i].overlap, "row %zu", i + 1);
		cr_assert_eq(prefix_overlaps(&b, &a), rows[i].overlap, "row %zu", i + 1);
		/* A /32 or /128 contains exactly its address. */
		if (b.len == addr_bits(&b.addr))
			cr_assert_eq(prefix_contains_addr(&a, &b.addr), rows[i].a_contains_b,
				     "row %zu", i + 1);
	}
}

Test(addr, contains_addr_edges)
{
	static const struct {
		const char *p, *a;
		bool in;
	} rows[] = {
		/* 1 */ {"192.0.2.0/24", "192.0.2.0", true},
		/* 2 */ {"192.0.2.0/24", "192.0.2.255", true},
		/* 3 */ {"192.0.2.0/24", "192.0.1.255", false},
		/* 4 */ {"192.0.2.0/24", "192.0.3.0", false},
		/* 5 */ {"0.0.0.0/0", "0.0.0.0", true},
		/* 6 */ {"0.0.0.0/0", "::", false},
		/* 7 */ {"::/0", "::ffff:1.2.3.4", true},
		/* 8 */ {"::/0", "1.2.3.4", false},
		/* 9 */ {"::ffff:0:0/96", "1.2.3.4", false},
		/* 10 */ {"::ffff:0:0/96", "::ffff:1.2.3.4", true},
		/* 11 */ {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
		/* 12 */ {"2001:db8::/32", "2001:db9::", false},
		/* 13 */ {"1.2.3.4/32", "1.2.3.4", true},
		/* 14 */ {"1.2.3.4/32", "1.2.3.5", false},
		/* 15 */ {"::1/128", "::1", true},
		/* 16 */ {"::1/128", "::", false},
		/* 17 */ {"128.0.0.0/1", "127.255.255.255", false},
		/* 18 */ {"128.0.0.0/1", "128.0.0.0", true},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct prefix p = P(rows[i].p);
		struct addr a = A(rows[i].a);

		cr_assert_eq(prefix_contains_addr(&p, &a), rows[i].in, "row %zu", i + 1);
	}
}

Test(addr, bad_lengths_contain_nothing)
{
	struct prefix p = P("10.0.0.0/8"), q = P("10.0.0.0/8");
	struct addr a = A("10.0.0.1");

	p.len = 33;
	cr_assert_not(prefix_contains_addr(&p, &a));
	cr_assert_not(prefix_contains_prefix(&q, &p));
	cr_assert_not(prefix_overlaps(&p, &(struct prefix){.addr = a, .len = 40}));
}

Test(addr, ordering)
{
	/* Sorted: IPv4 before IPv6, by address, then shorter first. */
	static const char *const sorted[] = {
		"0.0.0.0/0",	 "0.0.0.0/8",	  "0.0.0.0/32",	  "10.0.0.0/8",
		"10.0.0.0/16",	 "10.0.0.1/32",	  "10.128.0.0/9", "255.255.255.255/32",
		"::/0",		 "::/128",	  "::1/128",	  "::ffff:0.0.0.0/96",
		"2001:db8::/32", "2001:db8::/64", "ff00::/8",
	};
	size_t i, j;

	for (i = 0; i < N(sorted); i++) {
		for (j = 0; j < N(sorted); j++) {
			struct prefix a = P(sorted[i]), b = P(sorted[j]);
			int c = prefix_compare(&a, &b);

			cr_assert_eq(c < 0, i < j, "%s vs %s: %d", sorted[i], sorted[j], c);
			cr_assert_eq(c == 0, i == j, "%s vs %s: %d", sorted[i], sorted[j], c);
			cr_assert_eq(prefix_equal(&a, &b), i == j);
			c = addr_compare(&a.addr, &b.addr);
			cr_assert_eq(c == 0, addr_equal(&a.addr, &b.addr));
			if (c < 0)
				cr_assert_leq(i, j, "%s vs %s", sorted[i], sorted[j]);
		}
	}
}

Test(addr, v4_mapped)
{
	struct addr a = A("::ffff:192.0.2.1"), b = A("::fffe:192.0.2.1"), c = A("192.0.2.1");
	struct addr b0 = b;

	cr_assert(addr_is_v4_mapped(&a));
	cr_assert_not(addr_is_v4_mapped(&b));
	cr_assert_not(addr_is_v4_mapped(&c));
	cr_assert_not(addr_equal(&a, &c)); /* a mapped address is IPv6 until unmapped */
	addr_unmap(&a);
	cr_assert(addr_equal(&a, &c));
	addr_unmap(&b);
	cr_assert(addr_equal(&b, &b0));
	addr_unmap(&c);
	cr_assert(addr_equal(&c, &a));
}

Test(addr, sockaddr_round_trip)
{
	static const char *const rows[] = {
		/* 1 */ "192.0.2.1",	   /* 2 */ "0.0.0.0", /* 3 */ "2001:db8::1",
		/* 4 */ "::ffff:10.0.0.1", /* 5 */ "::",
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct sockaddr_storage ss;
		struct addr a = A(rows[i]), b;
		uint16_t port = 0;
		socklen_t len;

		len = addr_to_sockaddr(&a, 4500, &ss);
		cr_assert_eq(len,
			     a.family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6),
			     "row %zu", i + 1);
		cr_assert_eq(ss.ss_family, a.family, "row %zu", i + 1);
		if (a.family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			cr_assert_eq(sin->sin_port, htons(4500), "row %zu", i + 1);
			cr_assert_arr_eq(&sin->sin_addr, a.bytes, 4, "row %zu", i + 1);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			cr_assert_eq(sin6->sin6_port, htons(4500), "row %zu", i + 1);
			cr_assert_arr_eq(&sin6->sin6_addr, a.bytes, 16, "row %zu", i + 1);
		}
		memset(&b, 0x77, sizeof(b));
		cr_assert_eq(addr_from_sockaddr(&b, &port, (struct sockaddr *)&ss, len), 0,
			     "row %zu", i + 1);
		cr_assert(addr_equal(&a, &b), "row %zu", i + 1);
		cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "row %zu: stray bytes", i + 1);
		cr_assert_eq(port, 4500, "row %zu", i + 1);
		cr_assert_eq(addr_from_sockaddr(&b, NULL, (struct sockaddr *)&ss, len), 0);
		cr_assert_eq(addr_from_sockaddr(&b, &port, (struct sockaddr *)&ss, len - 1),
			     -EINVAL, "row %zu", i + 1);
	}
}

Test(addr, sockaddr_errors)
{
	struct sockaddr_storage ss = {.ss_family = AF_UNIX};
	struct addr a = A("1.2.3.4");

	cr_assert_eq(addr_from_sockaddr(&a, NULL, (struct sockaddr *)&ss, sizeof(ss)),
		     -EAFNOSUPPORT);
	cr_assert_eq(addr_from_sockaddr(&a, NULL, (struct sockaddr *)&ss, 1), -EINVAL);
	a.family = AF_UNIX;
	cr_assert_eq(addr_to_sockaddr(&a, 1, &ss), 0);
}

Test(addr, classify)
{
	static const struct {
		const char *a;
		enum addr_class c;
	} rows[] = {
		/* 1 */ {"0.0.0.0", ADDR_CLASS_UNSPECIFIED},
		/* 2 */ {"0.0.0.1", ADDR_CLASS_RESERVED},
		/* 3 */ {"0.255.255.255", ADDR_CLASS_RESERVED},
		/* 4 */ {"1.0.0.0", ADDR_CLASS_PUBLIC},
		/* 5 */ {"8.8.8.8", ADDR_CLASS_PUBLIC},
		/* 6 */ {"9.255.255.255", ADDR_CLASS_PUBLIC},
		/* 7 */ {"10.0.0.0", ADDR_CLASS_PRIVATE},
		/* 8 */ {"10.255.255.255", ADDR_CLASS_PRIVATE},
		/* 9 */ {"11.0.0.0", ADDR_CLASS_PUBLIC},
		/* 10 */ {"100.63.255.255", ADDR_CLASS_PUBLIC},
		/* 11 */ {"100.64.0.0", ADDR_CLASS_SHARED},
		/* 12 */ {"100.127.255.255", ADDR_CLASS_SHARED},
		/* 13 */ {"100.128.0.0", ADDR_CLASS_PUBLIC},
		/* 14 */ {"127.0.0.1", ADDR_CLASS_LOOPBACK},
		/* 15 */ {"127.255.255.255", ADDR_CLASS_LOOPBACK},
		/* 16 */ {"169.254.1.1", ADDR_CLASS_LINK_LOCAL},
		/* 17 */ {"169.255.0.0", ADDR_CLASS_PUBLIC},
		/* 18 */ {"172.15.255.255", ADDR_CLASS_PUBLIC},
		/* 19 */ {"172.16.0.0", ADDR_CLASS_PRIVATE},
		/* 20 */ {"172.31.255.255", ADDR_CLASS_PRIVATE},
		/* 21 */ {"172.32.0.0", ADDR_CLASS_PUBLIC},
		/* 22 */ {"192.0.0.8", ADDR_CLASS_RESERVED},
		/* 23 */ {"192.0.2.7", ADDR_CLASS_DOCUMENTATION},
		/* 24 */ {"192.0.3.0", ADDR_CLASS_PUBLIC},
		/* 25 */ {"192.88.99.1", ADDR_CLASS_RESERVED},
		/* 26 */ {"192.167.255.255", ADDR_CLASS_PUBLIC},
		/* 27 */ {"192.168.1.1", ADDR_CLASS_PRIVATE},
		/* 28 */ {"192.169.0.0", ADDR_CLASS_PUBLIC},
		/* 29 */ {"198.17.255.255", ADDR_CLASS_PUBLIC},
		/* 30 */ {"198.18.0.0", ADDR_CLASS_RESERVED},
		/* 31 */ {"198.19.255.255", ADDR_CLASS_RESERVED},
		/* 32 */ {"198.20.0.0", ADDR_CLASS_PUBLIC},
		/* 33 */ {"198.51.100.7", ADDR_CLASS_DOCUMENTATION},
		/* 34 */ {"203.0.113.255", ADDR_CLASS_DOCUMENTATION},
		/* 35 */ {"223.255.255.255", ADDR_CLASS_PUBLIC},
		/* 36 */ {"224.0.0.1", ADDR_CLASS_MULTICAST},
		/* 37 */ {"239.255.255.255", ADDR_CLASS_MULTICAST},
		/* 38 */ {"240.0.0.0", ADDR_CLASS_RESERVED},
		/* 39 */ {"255.255.255.254", ADDR_CLASS_RESERVED},
		/* 40 */ {"255.255.255.255", ADDR_CLASS_BROADCAST},
		/* 41 */ {"::", ADDR_CLASS_UNSPECIFIED},
		/* 42 */ {"::1", ADDR_CLASS_LOOPBACK},
		/* 43 */ {"::2", ADDR_CLASS_RESERVED},
		/* 44 */ {"::ffff:8.8.8.8", ADDR_CLASS_RESERVED},
		/* 45 */ {"64:ff9b::8.8.8.8", ADDR_CLASS_RESERVED},
		/* 46 */ {"100::1", ADDR_CLASS_RESERVED},
		/* 47 */ {"1fff:ffff::", ADDR_CLASS_RESERVED},
		/* 48 */ {"2000::", ADDR_CLASS_PUBLIC},
		/* 49 */ {"2001::1", ADDR_CLASS_RESERVED},
		/* 50 */ {"2001:1ff::", ADDR_CLASS_RESERVED},
		/* 51 */ {"2001:200::", ADDR_CLASS_PUBLIC},
		/* 52 */ {"2001:db8::1", ADDR_CLASS_DOCUMENTATION},
		/* 53 */ {"2001:db9::1", ADDR_CLASS_PUBLIC},
		/* 54 */ {"2002::1", ADDR_CLASS_RESERVED},
		/* 55 */ {"2a00:1450::1", ADDR_CLASS_PUBLIC},
		/* 56 */ {"3ffe:ffff::", ADDR_CLASS_PUBLIC},
		/* 57 */ {"3fff::1", ADDR_CLASS_DOCUMENTATION},
		/* 58 */ {"3fff:fff::", ADDR_CLASS_DOCUMENTATION},
		/* 59 */ {"4000::", ADDR_CLASS_RESERVED},
		/* 60 */ {"5f00::1", ADDR_CLASS_RESERVED},
		/* 61 */ {"fc00::1", ADDR_CLASS_PRIVATE},
		/* 62 */ {"fdff:ffff::", ADDR_CLASS_PRIVATE},
		/* 63 */ {"fe80::1", ADDR_CLASS_LINK_LOCAL},
		/* 64 */ {"febf:ffff::", ADDR_CLASS_LINK_LOCAL},
		/* 65 */ {"fec0::1", ADDR_CLASS_RESERVED},
		/* 66 */ {"ff02::1", ADDR_CLASS_MULTICAST},
		/* 67 */ {"3fff:1000::", ADDR_CLASS_PUBLIC},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct addr a = A(rows[i].a);
		enum addr_class c = addr_classify(&a);

		cr_assert_eq(c, rows[i].c, "row %zu: %s is %s, want %s", i + 1, rows[i].a,
			     addr_class_name(c), addr_class_name(rows[i].c));
		cr_assert_eq(addr_is_public_unicast(&a), c == ADDR_CLASS_PUBLIC, "row %zu", i + 1);
		cr_assert_eq(addr_is_unspecified(&a), c == ADDR_CLASS_UNSPECIFIED, "row %zu",
			     i + 1);
		cr_assert_eq(addr_is_loopback(&a), c == ADDR_CLASS_LOOPBACK, "row %zu", i + 1);
		cr_assert_eq(addr_is_multicast(&a), c == ADDR_CLASS_MULTICAST, "row %zu", i + 1);
		cr_assert_eq(addr_is_link_local(&a), c == ADDR_CLASS_LINK_LOCAL, "row %zu", i + 1);
		cr_assert_eq(addr_is_private(&a), c == ADDR_CLASS_PRIVATE, "row %zu", i + 1);
	}
}

Test(addr, class_names)
{
	static const char *const names[] = {
		"public",	 "unspecified", "loopback", "multicast",
		"broadcast",	 "link-local",	"private",  "shared (carrier-grade NAT)",
		"documentation", "reserved",
	};
	struct addr a = {.family = AF_UNIX};
	size_t i;

	for (i = 0; i < N(names); i++)
		cr_assert_str_eq(addr_class_name((enum addr_class)i), names[i]);
	cr_assert_str_eq(addr_class_name((enum addr_class)99), "?");
	cr_assert_eq(addr_classify(&a), ADDR_CLASS_RESERVED);
}

Test(addr, prefix_from_addr)
{
	struct addr a = A("2001:db8::7");
	struct prefix p;
	char out[PREFIX_STR_MAX];

	prefix_from_addr(&p, &a);
	cr_assert_str_eq(prefix_print(&p, out, sizeof(out)), "2001:db8::7/128");
	a = A("192.0.2.7");
	prefix_from_addr(&p, &a);
	cr_assert_str_eq(prefix_print(&p, out, sizeof(out)), "192.0.2.7/32");
	cr_assert_eq(prefix_print(&p, out, 0), out);
}
