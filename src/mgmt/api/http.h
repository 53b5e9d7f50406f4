/* SPDX-License-Identifier: MIT */
/*
 * http: the management API's HTTP/1.1 server (RFC 9112), built for hostile clients. libevent
 * 2.1's evhttp (what Debian 12 ships) reads a body before its callback can see a header (it has
 * no evhttp_set_newreqcb; evhttp_request_set_header_cb is for requests it sends), answers its
 * own limits in HTML, times out only idle reads and caps no connections; so the API reads
 * requests itself, on bufferevents:
 *   - the head (request line and fields) is bounded in bytes, lines and fields, and must arrive
 *     within head_timeout of the request's start; the whole request within request_timeout;
 *   - the caller's on_head sees the head before one byte of body is read: it authenticates and
 *     rate-limits there, and may answer at once; the body's size (Content-Length, required) is
 *     checked against max_body and against a budget of body bytes held by all connections
 *     together before it is read (Expect: 100-continue is honoured only then);
 *   - connections are capped per listener, in total and per source address; when the total is
 *     reached the connection that has waited longest for its head is closed for the new one,
 *     so slow or idle clients cannot keep others out, and the Unix socket has a pool of its own;
 *   - a failing accept() (EMFILE) pauses that listener with an exponential back-off and is
 *     logged at a bounded rate; a wake-up accepts at most ACCEPT_BATCH connections; on a base
 *     with two priorities (event_base_priority_init) the admin socket's events come first;
 *   - an answer that ends the connection is followed by a bounded lingering close, so a client
 *     still sending reads the answer rather than a reset.
 * Everything runs on one event_base (the API thread's). Bodies are wiped when freed.
 */
#ifndef VNETGW_MGMT_API_HTTP_H
#define VNETGW_MGMT_API_HTTP_H

#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct event_base;

enum http_method {
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_PUT,
	HTTP_M_POST,
	HTTP_M_DELETE,
	HTTP_M_PATCH,
	HTTP_M_OTHER, /* a valid token we do not serve (OPTIONS, ...): the router says 405 */
};

/* A parsed request head. */
struct http_head {
	enum http_method method;
	char method_name[16];
	char *target; /* the request-target (origin-form "/path?query"), owned */
	int minor;    /* HTTP/1.minor */
	struct evkeyvalq fields;
	bool has_length;
	uint64_t length; /* Content-Length; UINT64_MAX when it does not fit */
	bool chunked;	 /* Transfer-Encoding ending in chunked */
	bool coded;	 /* any Transfer-Encoding */
	bool expect_continue, expect_other;
	bool close; /* the connection ends after this request */
};

/* Why a head is refused: the HTTP status to answer. */
enum http_head_error {
	HTTP_HEAD_BAD = 400,		  /* not HTTP/1.x */
	HTTP_HEAD_URI_TOO_LONG = 414,	  /* the request line is over max_line */
	HTTP_HEAD_FIELDS_TOO_LARGE = 431, /* a field line over max_line, or too many fields */
	HTTP_HEAD_VERSION = 505,	  /* HTTP/2 and the like */
};

/*
 * Parses a whole head -- request line, fields and the empty line, CRLF-terminated -- from b
 * (the bytes up to and including the first CRLF CRLF). 0 with h filled (http_head_clear it), or
 * an enum http_head_error with *why set to a phrase for the error message.
 */
int http_head_parse(struct buf *b, size_t max_line, unsigned max_fields, struct http_head *h,
		    const char **why);
void http_head_clear(struct http_head *h);

struct http_limits {
	size_t max_line;	     /* the request line, and each field line */
	size_t max_head;	     /* the whole head */
	unsigned max_fields;	     /* field lines */
	size_t max_body;	     /* Content-Length accepted */
	size_t body_budget;	     /* body bytes all connections may hold at once */
	unsigned max_conns;	     /* per listener (TCP; the Unix socket has max_local_conns) */
	unsigned max_per_source;     /* TCP connections from one address */
	unsigned max_local_conns;    /* the admin Unix socket */
	unsigned head_timeout_ms;    /* from the request's start to the end of its head */
	unsigned request_timeout_ms; /* from the request's start to the end of its body */
	unsigned write_timeout_ms;   /* for an answer to be taken by the client */
	unsigned linger_ms;	     /* reading what a client still sends after the last answer */
	size_t linger_bytes;	     /* ... at most this much */
	unsigned max_requests;	     /* per connection (keep-alive) */
};

/* The defaults docs/api.md lists. */
void http_limits_default(struct http_limits *l);

struct http_req;

/* Why the server answers a request itself (the caller's on_refuse words it). */
enum http_refusal {
	HTTP_REFUSE_BAD,	  /* 400: malformed head, both Content-Length and coding, ... */
	HTTP_REFUSE_TIMEOUT,	  /* 408 */
	HTTP_REFUSE_LENGTH,	  /* 411: a body without Content-Length */
	HTTP_REFUSE_TOO_LARGE,	  /* 413 */
	HTTP_REFUSE_URI_TOO_LONG, /* 414 */
	HTTP_REFUSE_EXPECTATION,  /* 417 */
	HTTP_REFUSE_FIELDS,	  /* 431 */
	HTTP_REFUSE_BUSY,	  /* 503: the body budget is taken (answer with Retry-After) */
	HTTP_REFUSE_VERSION,	  /* 505 */
};

struct httpd_handlers {
	/* The head has arrived, no byte of body is read: 0 to go on (the body is read, then
	 * on_request), or non-zero after answering (http_req_reply): the body is never read. */
	int (*on_head)(void *arg, struct http_req *r);
	/* The whole request: answer it (http_req_reply) before returning. */
	void (*on_request)(void *arg, struct http_req *r);
	/* The server refuses r itself: answer it (http_req_reply). what says why in a phrase. The
	 * head may be missing (a timeout or a malformed head): http_req_method is HTTP_M_OTHER and
	 * http_req_target NULL then. */
	void (*on_refuse)(void *arg, struct http_req *r, enum http_refusal why, const char *what);
	/* r is done (answered, or its connection closed): free what on_head hung on it. */
	void (*on_end)(void *arg, struct http_req *r);
	void *arg;
};

struct httpd;

/* A server on base (borrowed) with these limits (copied) and handlers. NULL on ENOMEM. */
struct httpd *httpd_new(struct event_base *base, const struct http_limits *lim,
			const struct httpd_handlers *h);
/* Listens on addr:port (numeric; port 0 picks one, *bound tells which). 0 or -errno. */
int httpd_listen_tcp(struct httpd *h, const char *addr, uint16_t port, uint16_t *bound);
/* Listens on a Unix socket created mode 0600 at path: its requests are http_req_local. */
int httpd_listen_unix(struct httpd *h, const char *path);
/* Closes every connection and listener (and removes the Unix socket); NULL-safe. */
void httpd_free(struct httpd *h);

struct httpd_stats {
	uint64_t accepted, evicted, refused_source, refused_full, accept_errors;
	unsigned conns, local_conns;
	size_t body_held;
};
void httpd_get_stats(const struct httpd *h, struct httpd_stats *out);

/* The request, for handlers. */
enum http_method http_req_method(const struct http_req *r);
const char *http_req_method_name(const struct http_req *r);
/* The request-target as sent ("/path?query"), or NULL before a head was parsed. */
const char *http_req_target(const struct http_req *r);
const char *http_req_header(const struct http_req *r, const char *name);
/* The body (NUL-terminated; "" when none) and its length. */
const char *http_req_body(const struct http_req *r, size_t *len);
bool http_req_local(const struct http_req *r);
/* The client's address ("192.0.2.7", "local" on the Unix socket). */
const char *http_req_peer(const struct http_req *r);
void http_req_set_user(struct http_req *r, void *user);
void *http_req_user(const struct http_req *r);
/* A field of the answer (before http_req_reply). */
void http_req_add_header(struct http_req *r, const char *name, const char *value);
/* The answer: status, the fields added, Content-Length and body (none for HEAD). Once. */
void http_req_reply(struct http_req *r, int status, const char *body, size_t len);
/* The status answered, 0 before. */
int http_req_status(const struct http_req *r);

#endif
