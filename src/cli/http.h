/* SPDX-License-Identifier: MIT */
/*
 * http: a small blocking HTTP/1.1 client (RFC 9110, RFC 9112) for one request per connection,
 * over TCP or a Unix socket, with a careful parser for the server's answer.
 */
#ifndef VNETGW_CLI_HTTP_H
#define VNETGW_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what an answer may hold; more is malformed. */
#define HTTP_MAX_HEADER_BYTES (64u * 1024)
#define HTTP_MAX_LINE_BYTES   (8u * 1024)
#define HTTP_MAX_BODY_BYTES   (32u * 1024 * 1024)

struct http_endpoint {
	bool is_unix;
	char host[256]; /* without brackets */
	char port[8];
	char sock_path[108];
	char prefix[256]; /* path prefix of the server URL, "" or "/api" */
};

struct http_request {
	const char *method;
	const char *target;   /* origin-form: path and query */
	const char *token;    /* Bearer token, or NULL */
	const char *if_match; /* or NULL */
	const char *body;     /* or NULL */
	size_t body_len;
};

struct http_response {
	int status;
	char *etag;	    /* the ETag header, or NULL */
	char *content_type; /* or NULL */
	int retry_after;    /* Retry-After in seconds, -1 when absent */
	uint8_t *body;	    /* NUL-terminated for convenience; body_len excludes the NUL */
	size_t body_len;
};

/* Parses "http://host[:port][/prefix]". 0 or -EINVAL (https, other schemes, bad port). */
int http_endpoint_parse(struct http_endpoint *ep, const char *url);
void http_endpoint_unix(struct http_endpoint *ep, const char *path);

/*
 * Parses a complete answer from len bytes of data (eof: the server closed the connection, so an
 * answer without a length ends here). 0 with resp filled, -EAGAIN when more bytes are needed,
 * -EBADMSG when malformed or over the bounds above, -ENOMEM.
 */
int http_response_parse(const uint8_t *data, size_t len, bool eof, struct http_response *resp);
void http_response_clear(struct http_response *resp);

/*
 * Sends req and reads the answer. 0, or a negative errno with a line for the user in err
 * (connection refused, timeout, malformed answer).
 */
int http_exchange(const struct http_endpoint *ep, const struct http_request *req,
		  struct http_response *resp, char *err, size_t errlen);

#endif
