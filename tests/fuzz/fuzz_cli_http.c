/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the CLI's HTTP/1.1 answer parser (src/cli/http.c), which reads whatever the server
 * it was pointed at sends. Byte 0's low bit says whether the connection has closed (eof); the
 * rest is the answer. A parsed answer must have a sane status and a terminated body; failures
 * must be one of the documented errors.
 */
#include <errno.h>
#include <stdint.h>

#include "cli/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct http_response r;
	int rc;

	if (n < 1)
		return 0;
	rc = http_response_parse(d + 1, n - 1, d[0] & 1, &r);
	if (rc == 0) {
		if (r.status < 100 || r.status > 599 || r.body[r.body_len] != 0)
			__builtin_trap();
		http_response_clear(&r);
	} else if (rc != -EAGAIN && rc != -EBADMSG && rc != -ENOMEM) {
		__builtin_trap();
	}
	return 0;
}
