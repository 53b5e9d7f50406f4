/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the address and prefix parsers (addresses and prefixes arrive from the
 * API, the config and IKE traffic selectors). Beyond not crashing, it checks properties and
 * aborts when one fails, so the fuzzer reports it:
 *   - parse -> print -> parse gives the same value, for addresses and prefixes in every mode;
 *   - addresses are accepted exactly when the C library's inet_pton accepts them, and print as
 *     its inet_ntop does (RFC 5952) outside the ::/96 forms it prints with a dotted quad;
 *   - errors are -EINVAL with a non-empty, printable, bounded message;
 *   - strict and lenient prefix parsing agree, and masking/containment are consistent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_prefix: %s:%d: check failed: %s\n", __FILE__,        \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_error(int r, const char *err)
{
	size_t n = strnlen(err, ADDR_ERR_MAX), i;

	CHECK(r == -EINVAL);
	CHECK(n > 0 && n < ADDR_ERR_MAX);
	for (i = 0; i < n; i++)
		CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

/* out is addr_print(a): it must match the C library's RFC 5952 output. */
static void check_print(const struct addr *a, const char *out)
{
	static const uint8_t zero[12];
	char ref[INET6_ADDRSTRLEN];

	/* glibc prints ::a.b.c.d for the deprecated IPv4-compatible range; RFC 5952 does not. */
	if (a->family == AF_INET6 && memcmp(a->bytes, zero, sizeof(zero)) == 0)
		return;
	CHECK(inet_ntop(a->family, a->bytes, ref, sizeof(ref)) != NULL);
	CHECK(strcmp(out, ref) == 0);
}

static void check_addr(const char *s)
{
	char err[ADDR_ERR_MAX], out[ADDR_STR_MAX];
	uint8_t bin[16];
	struct addr a, b;
	bool libc4 = inet_pton(AF_INET, s, bin) == 1, libc6 = false;
	int r;

	if (!libc4)
		libc6 = inet_pton(AF_INET6, s, bin) == 1;
	memset(err, 0, sizeof(err));
	r = addr_parse(&a, s, err, sizeof(err));
	if (r) {
		check_error(r, err);
		CHECK(!libc4 && !libc6);
		return;
	}
	CHECK(libc4 ? a.family == AF_INET : (libc6 && a.family == AF_INET6));
	CHECK(memcmp(a.bytes, bin, addr_bits(&a) / 8) == 0);
	if (a.family == AF_INET) {
		static const uint8_t zero[12];

		CHECK(memcmp(a.bytes + 4, zero, sizeof(zero)) == 0);
	}
	addr_print(&a, out, sizeof(out));
	CHECK(addr_parse(&b, out, NULL, 0) == 0);
	CHECK(addr_equal(&a, &b));
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	check_print(&a, out);
	CHECK(addr_compare(&a, &b) == 0);
	/* A bare address parses as its host prefix. */
	{
		struct prefix p;

		CHECK(prefix_parse(&p, s, PREFIX_PARSE_BARE | PREFIX_PARSE_STRICT, NULL, 0) == 0);
		CHECK(addr_equal(&p.addr, &a) && p.len == addr_bits(&a));
	}
}

static void check_prefix(const char *s, unsigned int flags)
{
	char err[ADDR_ERR_MAX], out[PREFIX_STR_MAX];
	struct prefix p, q, m;
	int r;

	memset(err, 0, sizeof(err));
	r = prefix_parse(&p, s, flags, err, sizeof(err));
	if (r) {
		check_error(r, err);
		/* Lenient parsing accepts a superset of strict parsing. */
		if (!(flags & PREFIX_PARSE_STRICT))
			CHECK(prefix_parse(&q, s, flags | PREFIX_PARSE_STRICT, NULL, 0) != 0);
		return;
	}
	CHECK(p.len <= addr_bits(&p.addr));
	CHECK(addr_bits(&p.addr) != 0);
	check_print(&p.addr, addr_print(&p.addr, out, sizeof(out)));
	prefix_print(&p, out, sizeof(out));
	CHECK(strlen(out) < PREFIX_STR_MAX - 1);
	CHECK(prefix_parse(&q, out, flags & ~PREFIX_PARSE_BARE, NULL, 0) == 0);
	CHECK(prefix_equal(&p, &q));
	CHECK(memcmp(&p, &q, sizeof(p)) == 0);

	m = p;
	prefix_mask(&m);
	CHECK(!prefix_has_host_bits(&m));
	CHECK((flags & PREFIX_PARSE_STRICT) ? prefix_equal(&m, &p)
					    : prefix_has_host_bits(&p) == !prefix_equal(&m, &p));
	/* Strict parsing agrees with lenient parsing on prefixes without host bits. */
	r = prefix_parse(&q, s, flags ^ PREFIX_PARSE_STRICT, NULL, 0);
	if (flags & PREFIX_PARSE_STRICT)
		CHECK(r == 0 && prefix_equal(&p, &q));
	else
		CHECK((r == 0) == !prefix_has_host_bits(&p) && (r || prefix_equal(&p, &q)));

	CHECK(prefix_contains_addr(&p, &p.addr));
	CHECK(prefix_contains_addr(&m, &p.addr));
	CHECK(prefix_contains_prefix(&m, &p) && prefix_contains_prefix(&p, &m));
	CHECK(prefix_overlaps(&m, &p));
	CHECK(prefix_compare(&m, &p) <= 0);
	if (p.len > 0) {
		struct prefix wider = m;

		wider.len--;
		CHECK(prefix_contains_prefix(&wider, &m) && !prefix_contains_prefix(&m, &wider));
	}
	(void)addr_classify(&p.addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy with a NUL, so ASan sees any read past the string. */
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_addr(s);
	check_prefix(s, 0);
	check_prefix(s, PREFIX_PARSE_STRICT);
	check_prefix(s, PREFIX_PARSE_BARE);
	check_prefix(s, PREFIX_PARSE_BARE | PREFIX_PARSE_STRICT);
	free(s);
	return 0;
}
