/* SPDX-License-Identifier: MIT */
/*
 * http_parse: the API's request-head parser, row by row (RFC 9112 3, 5, 6.3; RFC 9110 10.1.1):
 * what is accepted and how it is read, and which status each malformed head gets.
 */
#include <criterion/criterion.h>
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "mgmt/api/http.h"

struct row {
	const char *head;
	int status; /* 0: parsed */
	enum http_method method;
	const char *target;
	bool has_length;
	uint64_t length;
	bool chunked, expect_continue, close;
};

#define OK(h, m, t, ...)                                                                           \
	{                                                                                          \
		.head = h, .method = m, .target = t, __VA_ARGS__                                   \
	}
#define NO(h, st)                                                                                  \
	{                                                                                          \
		.head = h, .status = st                                                            \
	}

static const struct row rows[] = {
	/* 1 */ OK("GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n", HTTP_M_GET, "/a?b=c", .close = false),
	/* 2 */
	OK("PUT /p HTTP/1.1\r\nContent-Length: 12\r\n\r\n", HTTP_M_PUT, "/p", .has_length = true,
	   .length = 12),
	/* 3 */
	OK("POST /p HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n", HTTP_M_POST, "/p",
	   .has_length = true, .length = 3),
	/* 4 */ NO("POST /p HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
	/* 5 */
	OK("POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", HTTP_M_POST, "/p",
	   .chunked = true),
	/* 6 */
	NO("POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
	/* 7 */
	OK("PUT /p HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", HTTP_M_PUT, "/p",
	   .has_length = true, .length = 1, .expect_continue = true),
	/* 8 */
	OK("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n", HTTP_M_GET, "/",
	   .close = true),
	/* 9 */ OK("GET / HTTP/1.0\r\n\r\n", HTTP_M_GET, "/", .close = true),
	/* 10 */ NO("GET / HTTP/2.0\r\n\r\n", 505),
	/* 11 */ NO("GET http://h/ HTTP/1.1\r\n\r\n", 400),
	/* 12 */ NO("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
	/* 13 */ NO("GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n", 400),
	/* 14 */ NO("GET / HTTP/1.1\r\nX: \001\r\n\r\n", 400),
	/* 15 */ NO("GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400),
	/* 16 */ NO("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400),
	/* 17 */ OK("OPTIONS / HTTP/1.1\r\n\r\n", HTTP_M_OTHER, "/", .close = false),
	/* 18 */ OK("\r\nGET /x HTTP/1.1\r\n\r\n", HTTP_M_GET, "/x", .close = false),
	/* 19 */ NO("GET /a b HTTP/1.1\r\n\r\n", 400),
	/* 20 */
	OK("POST /p HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", HTTP_M_POST, "/p",
	   .has_length = true, .length = UINT64_MAX),
	/* 21 */ NO("POST /p HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
	/* 22 */ OK("GET / HTTP/1.1\r\nExpect: something\r\n\r\n", HTTP_M_GET, "/", .close = false),
};

static int parse(const char *text, struct http_head *h, const char **why)
{
	struct buf b;

	buf_init_read(&b, text, strlen(text));
	return http_head_parse(&b, 8192, 64, h, why);
}

Test(http_parse, rows)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct http_head h;
		const char *why = NULL;
		int rc = parse(w->head, &h, &why);

		cr_expect_eq(rc, w->status, "row %zu: %d, want %d (%s)", i + 1, rc, w->status,
			     why ? why : "");
		if (rc) {
			cr_expect(why && why[0], "row %zu: a refusal says why", i + 1);
			continue;
		}
		cr_expect_eq(h.method, w->method, "row %zu", i + 1);
		cr_expect_str_eq(h.target, w->target, "row %zu", i + 1);
		cr_expect_eq(h.has_length, w->has_length, "row %zu", i + 1);
		cr_expect_eq(h.length, w->length, "row %zu", i + 1);
		cr_expect_eq(h.chunked, w->chunked, "row %zu", i + 1);
		cr_expect_eq(h.expect_continue, w->expect_continue, "row %zu", i + 1);
		cr_expect_eq(h.close, w->close, "row %zu", i + 1);
		http_head_clear(&h);
	}
}

/* Row 22's Expect is "other": the server answers 417 for it (httpd.c). */
Test(http_parse, unknown_expectation_is_marked)
{
	struct http_head h;
	const char *why;

	cr_assert_eq(parse("GET / HTTP/1.1\r\nExpect: something\r\n\r\n", &h, &why), 0);
	cr_expect(h.expect_other);
	http_head_clear(&h);
}

/* The limits: a request line over max_line is 414, a field line 431, field 65 of 64 431. */
Test(http_parse, limits)
{
	char big[12000];
	struct http_head h;
	const char *why;
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'a', 8200);
	snprintf(big + n + 8200, sizeof(big) - n - 8200, " HTTP/1.1\r\n\r\n");
	cr_expect_eq(parse(big, &h, &why), 414);
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
	memset(big + n, 'a', 8200);
	snprintf(big + n + 8200, sizeof(big) - n - 8200, "\r\n\r\n");
	cr_expect_eq(parse(big, &h, &why), 431);
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", i);
	snprintf(big + n, sizeof(big) - n, "\r\n");
	cr_expect_eq(parse(big, &h, &why), 431);
}

/* The fields are kept, for the handlers (Authorization among them). */
Test(http_parse, fields_are_kept)
{
	struct http_head h;
	const char *why;

	cr_assert_eq(parse("GET / HTTP/1.1\r\nAuthorization:  Bearer t0k  \r\nIf-Match: *\r\n\r\n",
			   &h, &why),
		     0);
	cr_expect_str_eq(evhttp_find_header(&h.fields, "authorization"), "Bearer t0k");
	cr_expect_str_eq(evhttp_find_header(&h.fields, "If-Match"), "*");
	http_head_clear(&h);
}
