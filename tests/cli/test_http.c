/* SPDX-License-Identifier: MIT */
/*
 * The HTTP answer parser against a server that sends raw bytes: the framings RFC 9112 allows
 * (Content-Length, chunked with extensions and trailers, to the end of the connection, interim
 * 1xx answers, bare LF line ends) must give the same output; malformed or oversized answers must
 * end in "malformed HTTP answer" and exit 1, never a crash. A randomized round mutates a valid
 * answer (seed printed; VNETGW_TEST_SEED replays one).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BODY "{\"name\":\"vnet1\"}"
#define WANT "{\n  \"name\": \"vnet1\"\n}\n"

static void raw_case(const char *raw, size_t raw_len, struct run_result *r)
{
	const struct fake_reply replies[] = {{0, NULL, NULL, raw, raw_len}};
	char server[96];
	const char *env[] = {server, "VNETGW_SUBSCRIPTION=sub1", "VNETGW_TOKEN=t", NULL};
	struct fake_server s;

	fake_start_tcp(&s, replies, 1);
	snprintf(server, sizeof(server), "VNETGW_SERVER=%s", s.url);
	run_cli(r, env, "vnet show -g rg1 -n vnet1", NULL);
	fake_stop(&s);
}

Test(http, framings_give_the_same_answer)
{
	static const char *const ok[] = {
		/* 0 */ "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" BODY,
		/* 1: chunked, with an extension, a trailer, and hex in both cases */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"a;x=1\r\n{\"name\":\"v\r\n6\r\nnet1\"}\r\n0\r\nX-Trailer: 1\r\n\r\n",
		/* 2: to the end of the connection */
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" BODY,
		/* 3: interim answers first */
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" BODY,
		/* 4: bare LF line ends (RFC 9112 2.2 lets a recipient accept them) */
		"HTTP/1.1 200 OK\nContent-Length: 16\n\n" BODY,
		/* 5: no reason phrase, odd header case and whitespace, a repeated equal length */
		"HTTP/1.1 200\r\ncOnTeNt-LeNgTh:  16 \t\r\nContent-Length: 16\r\n\r\n" BODY,
		/* 6: bytes after the body are ignored */
		"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" BODY "garbage",
		/* 7: "chunked" last among codings wins over Content-Length (RFC 9112 6.3) */
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: identity, "
		"chunked\r\n\r\n"
		"10\r\n" BODY "\r\n0\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct run_result r;

		raw_case(ok[i], 0, &r);
		cr_expect_eq(r.code, 0, "case %zu: exit %d: %s", i, r.code, r.err);
		cr_expect_str_eq(r.out, WANT, "case %zu: %s", i, r.out);
		run_result_clear(&r);
	}
}

Test(http, malformed_answers_are_refused)
{
	static const char *const bad[] = {
		/* 0 */ "garbage\r\n\r\n",
		"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n",
		/* 5: truncated body */
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" BODY,
		/* truncated head */
		"HTTP/1.1 200 OK\r\nContent-Le",
		"",
		/* differing lengths */
		"HTTP/1.1 200 OK\r\nContent-Length: 16\r\nContent-Length: 17\r\n\r\n" BODY "x",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		/* 10 */ "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		/* over the body bound (32 MiB) */
		"HTTP/1.1 200 OK\r\nContent-Length: 33554433\r\n\r\n",
		/* a field without a colon; obs-fold; a space in a name; a control byte in a value
		 */
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
		/* 15 */ "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\x01z\r\nContent-Length: 0\r\n\r\n",
		/* a bare CR inside a line */
		"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
		/* chunked: bad size, overflowing size, missing CRLF after data, truncated */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
		/* 20 */ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" BODY,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3000000\r\n",
		/* endless interim answers */
		"HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 "
		"a\r\n\r\n"
		"HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 "
		"a\r\n\r\n"
		"HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
		"0\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run_result r;

		raw_case(bad[i], 0, &r);
		cr_expect_eq(r.code, 1, "case %zu: exit %d: %s", i, r.code, r.err);
		cr_expect(strstr(r.err, "ERROR: malformed HTTP answer from the server") != NULL,
			  "case %zu: %s", i, r.err);
		cr_expect_str_empty(r.out, "case %zu: %s", i, r.out);
		run_result_clear(&r);
	}
}

/* A NUL inside the header section. */
Test(http, nul_in_header_is_refused)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";
	struct run_result r;

	raw_case(raw, sizeof(raw) - 1, &r);
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect(strstr(r.err, "malformed HTTP answer") != NULL, "%s", r.err);
	run_result_clear(&r);
}

/* A header line longer than the bound (8 KiB), and a header section over 64 KiB. */
Test(http, oversized_headers_are_refused)
{
	size_t i, cap = 80 * 1024;
	char *raw = malloc(cap);
	struct run_result r;

	cr_assert_not_null(raw);
	strcpy(raw, "HTTP/1.1 200 OK\r\nX-Long: ");
	for (i = strlen(raw); i < 9000; i++)
		raw[i] = 'a';
	strcpy(raw + i, "\r\nContent-Length: 0\r\n\r\n");
	raw_case(raw, 0, &r);
	cr_expect_eq(r.code, 1, "long line: %s", r.err);
	run_result_clear(&r);

	strcpy(raw, "HTTP/1.1 200 OK\r\n");
	while (strlen(raw) < 70 * 1024)
		strcat(raw, "X-Many: "
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	strcat(raw, "Content-Length: 0\r\n\r\n");
	raw_case(raw, 0, &r);
	cr_expect_eq(r.code, 1, "many fields: %s", r.err);
	cr_expect(strstr(r.err, "malformed HTTP answer") != NULL, "%s", r.err);
	run_result_clear(&r);
	free(raw);
}

/* Mutations of a valid answer: whatever arrives, the CLI exits 0, 1 or 3 and never crashes. */
Test(http, random_mutations_never_crash)
{
	static const char base[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: W/\"x\"\r\n\r\n"
		"8\r\n{\"name\":\r\n8\r\n\"vnet1\"}\r\n0\r\n\r\n";
	const char *env_seed = getenv("VNETGW_TEST_SEED");
	unsigned int seed = env_seed ? (unsigned int)strtoul(env_seed, NULL, 0)
				     : (unsigned int)time(NULL) ^ (unsigned int)getpid();
	int round, rounds = 60;

	/* Criterion shows stderr of failing tests: the seed replays this run. */
	fprintf(stderr, "http.random_mutations_never_crash: VNETGW_TEST_SEED=%u\n", seed);
	srand(seed);
	for (round = 0; round < rounds; round++) {
		char buf[256];
		size_t len = sizeof(base) - 1, k, edits = 1 + (size_t)rand() % 4;
		struct run_result r;

		memcpy(buf, base, len);
		for (k = 0; k < edits; k++) {
			size_t at = (size_t)rand() % len;

			switch (rand() % 4) {
			case 0: /* flip a byte */
				buf[at] = (char)(rand() % 256);
				break;
			case 1: /* truncate */
				len = at;
				break;
			case 2: /* a digit somewhere (lengths, sizes) */
				buf[at] = (char)('0' + rand() % 10);
				break;
			default: /* a framing byte */
				buf[at] = "\r\n: ;0f"[rand() % 7];
				break;
			}
			if (len == 0)
				break;
		}
		raw_case(buf, len ? len : 1, &r);
		cr_expect(r.code == 0 || r.code == 1 || r.code == 3,
			  "seed %u round %d: exit %d\n%s", seed, round, r.code, r.err);
		run_result_clear(&r);
	}
}

/* A 3 MB answer in 16-byte chunks arrives whole. */
Test(http, large_answer_in_small_chunks)
{
	const size_t pad = 3u * 1024 * 1024;
	size_t body_len = pad + 32, cap = body_len * 2 + 1024, o = 0, i;
	char *body = malloc(body_len + 1), *raw = malloc(cap);
	struct run_result r;

	cr_assert(body && raw);
	o = (size_t)sprintf(body, "{\"name\":\"vnet1\",\"pad\":\"");
	memset(body + o, 'x', pad);
	o += pad;
	o += (size_t)sprintf(body + o, "\"}");
	body_len = o;
	o = (size_t)sprintf(raw, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < body_len; i += 16) {
		size_t n = body_len - i < 16 ? body_len - i : 16;

		o += (size_t)sprintf(raw + o, "%zx\r\n", n);
		memcpy(raw + o, body + i, n);
		o += n;
		o += (size_t)sprintf(raw + o, "\r\n");
	}
	o += (size_t)sprintf(raw + o, "0\r\n\r\n");
	raw_case(raw, o, &r);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\"name\": \"vnet1\"") != NULL);
	cr_expect_gt(strlen(r.out), pad);
	cr_expect(strstr(r.out, "xxxxxxxx\"\n}\n") != NULL, "the tail is missing");
	run_result_clear(&r);
	free(body);
	free(raw);
}
