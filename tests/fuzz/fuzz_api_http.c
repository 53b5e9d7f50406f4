/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the management API's request-head parser (src/mgmt/api/http_parse.c), which
 * reads whatever a client on the network sends. As the server does (httpd.c read_head), the head
 * is the bytes up to the first CRLF CRLF and goes to http_head_parse with the default limits. A
 * parsed head must be sane (an origin-form target, HTTP/1.0 or 1.1, one framing at most); a
 * refusal must be one of the four documented statuses.
 */
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "mgmt/api/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const uint8_t *end = memmem(d, n, "\r\n\r\n", 4);
	struct http_limits lim;
	struct http_head h;
	const char *why = NULL;
	struct buf b;
	int rc;

	http_limits_default(&lim);
	if (!end || (size_t)(end - d) + 4 > lim.max_head)
		return 0; /* the server waits for more, or refuses the size before parsing */
	buf_init_read(&b, d, (size_t)(end - d) + 4);
	rc = http_head_parse(&b, lim.max_line, lim.max_fields, &h, &why);
	if (rc == 0) {
		if (!h.target || h.target[0] != '/' || (h.minor != 0 && h.minor != 1) ||
		    !h.method_name[0] || (h.coded && h.has_length) ||
		    strlen(h.target) > lim.max_line)
			__builtin_trap();
		http_head_clear(&h);
	} else if ((rc != HTTP_HEAD_BAD && rc != HTTP_HEAD_URI_TOO_LONG &&
		    rc != HTTP_HEAD_FIELDS_TOO_LARGE && rc != HTTP_HEAD_VERSION) ||
		   !why || !why[0]) {
		__builtin_trap();
	}
	return 0;
}
