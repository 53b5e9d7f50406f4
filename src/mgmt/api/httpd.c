/* SPDX-License-Identifier: MIT */
/*
 * httpd: connections of the management API's HTTP server (http.h says what it defends against).
 * Each connection is a bufferevent and one timer, in one of five states:
 *   HEAD    waiting for a request's head (also an idle keep-alive connection); on the pool's
 *           `waiting` list, oldest first: the one closed when a new connection finds the pool
 *           full; the timer is the head deadline
 *   BODY    reading a Content-Length body it holds budget for; the timer is the request deadline
 *   HANDLE  in the caller's on_request (synchronous)
 *   WRITE   the answer is queued; the timer is the write deadline
 *   LINGER  the answer is out and our side shut down: what the client still sends is read and
 *           dropped (bounded in time and bytes), then the connection is closed
 * Input is bounded by read watermarks: a head never holds more than max_head bytes, a body is
 * moved into its own buffer as it arrives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "mgmt/api/http.h"

#define BODY_WATERMARK	 (64 * 1024)
#define BACKOFF_FIRST_MS 10
#define BACKOFF_MAX_MS	 1000
#define LISTEN_BACKLOG	 1024
#define LOG_EVERY_NS	 (10 * CLOCK_NS_PER_SEC)
#define LOG_BURST	 5
#define ACCEPT_BATCH	 64 /* accepts per wake-up: a flood of connects waits its turn */

enum conn_state {
	CONN_HEAD,
	CONN_BODY,
	CONN_HANDLE,
	CONN_WRITE,
	CONN_LINGER,
};

struct http_conn;

struct http_req {
	struct http_conn *c;
	bool parsed; /* head holds a parsed head */
	struct http_head head;
	char *body;
	size_t body_len, want; /* received, expected */
	size_t budget;	       /* body bytes reserved against the server's budget */
	struct evkeyvalq out;
	int status;
	void *user;
};

struct pool {
	struct httpd *h;
	struct event *ev_listen;
	int listen_fd;
	int priority; /* of its events: the admin socket's are served first */
	bool local;
	unsigned max_conns, max_per_source, n_conns;
	TAILQ_HEAD(, http_conn) conns;
	TAILQ_HEAD(, http_conn) waiting;
	struct event *ev_backoff;
	unsigned backoff_ms;
	const char *name;
	struct log_ratelimit rl_accept, rl_evict, rl_refuse;
	uint64_t accepted, evicted, refused_source, refused_full, accept_errors;
};

struct http_conn {
	struct pool *pool;
	struct bufferevent *bev;
	struct event *timer;
	enum conn_state state;
	bool waiting; /* on pool->waiting */
	TAILQ_ENTRY(http_conn) all_link, wait_link;
	struct sockaddr_storage peer;
	char peer_s[INET6_ADDRSTRLEN];
	uint64_t req_start_ns; /* the current request began (accept, or the previous answer) */
	bool got_bytes;	       /* the current request has sent something */
	bool close_after;      /* no further request on this connection */
	bool linger;	       /* ... and the client may still be sending: read it before closing */
	unsigned n_requests;
	size_t lingered;
	struct http_req req;
};

struct httpd {
	struct event_base *base;
	struct http_limits lim;
	struct httpd_handlers hd;
	struct pool tcp, local;
	size_t body_held;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

void http_limits_default(struct http_limits *l)
{
	*l = (struct http_limits){
		.max_line = 8 * 1024,
		.max_head = 16 * 1024,
		.max_fields = 64,
		.max_body = 1024 * 1024,
		.body_budget = 32 * 1024 * 1024,
		.max_conns = 1024,
		.max_per_source = 64,
		.max_local_conns = 64,
		.head_timeout_ms = 10 * 1000,
		.request_timeout_ms = 30 * 1000,
		.write_timeout_ms = 30 * 1000,
		.linger_ms = 2000,
		.linger_bytes = 1024 * 1024,
		.max_requests = 100,
	};
}

static void conn_read(struct bufferevent *bev, void *arg);
static void conn_close(struct http_conn *c);

/* ---- requests -------------------------------------------------------------------------------- */

enum http_method http_req_method(const struct http_req *r)
{
	return r->parsed ? r->head.method : HTTP_M_OTHER;
}

const char *http_req_method_name(const struct http_req *r)
{
	return r->parsed ? r->head.method_name : "-";
}

const char *http_req_target(const struct http_req *r)
{
	return r->parsed ? r->head.target : NULL;
}

const char *http_req_header(const struct http_req *r, const char *name)
{
	return r->parsed ? evhttp_find_header(&r->head.fields, name) : NULL;
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	*len = r->body ? r->body_len : 0;
	return r->body ? r->body : "";
}

bool http_req_local(const struct http_req *r)
{
	return r->c->pool->local;
}

const char *http_req_peer(const struct http_req *r)
{
	return r->c->peer_s;
}

void http_req_set_user(struct http_req *r, void *user)
{
	r->user = user;
}

void *http_req_user(const struct http_req *r)
{
	return r->user;
}

int http_req_status(const struct http_req *r)
{
	return r->status;
}

void http_req_add_header(struct http_req *r, const char *name, const char *value)
{
	evhttp_add_header(&r->out, name, value);
}

static void budget_release(struct http_req *r)
{
	struct httpd *h = r->c->pool->h;

	h->body_held -= r->budget;
	r->budget = 0;
}

/* Forgets the request: the next one starts from nothing. Bodies are wiped: they hold keys. */
static void req_clear(struct http_req *r)
{
	struct http_conn *c = r->c;
	struct httpd *h = c->pool->h;

	if (r->user && h->hd.on_end)
		h->hd.on_end(h->hd.arg, r);
	budget_release(r);
	if (r->parsed)
		http_head_clear(&r->head);
	if (r->body) {
		explicit_bzero(r->body, r->want + 1);
		free(r->body);
	}
	evhttp_clear_headers(&r->out);
	memset(r, 0, sizeof(*r));
	TAILQ_INIT(&r->out);
	TAILQ_INIT(&r->head.fields);
	r->c = c;
}

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 417:
		return "Expectation Failed";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

static void timer_arm(struct http_conn *c, uint64_t deadline_ns)
{
	uint64_t now = clock_now_ns(), d = deadline_ns > now ? deadline_ns - now : 0;
	struct timeval tv = {(time_t)(d / CLOCK_NS_PER_SEC),
			     (suseconds_t)(d % CLOCK_NS_PER_SEC / 1000)};

	evtimer_add(c->timer, &tv);
}

static uint64_t ms_ns(unsigned ms)
{
	return (uint64_t)ms * CLOCK_NS_PER_MS;
}

static void waiting_del(struct http_conn *c)
{
	if (c->waiting) {
		TAILQ_REMOVE(&c->pool->waiting, c, wait_link);
		c->waiting = false;
	}
}

/* A new request may start: the head deadline runs from now. */
static void conn_await_head(struct http_conn *c)
{
	struct httpd *h = c->pool->h;

	c->state = CONN_HEAD;
	c->req_start_ns = clock_now_ns();
	c->got_bytes = false;
	waiting_del(c);
	TAILQ_INSERT_TAIL(&c->pool->waiting, c, wait_link);
	c->waiting = true;
	bufferevent_setwatermark(c->bev, EV_READ, 0, h->lim.max_head);
	bufferevent_enable(c->bev, EV_READ);
	timer_arm(c, c->req_start_ns + ms_ns(h->lim.head_timeout_ms));
}

void http_req_reply(struct http_req *r, int status, const char *body, size_t len)
{
	struct http_conn *c = r->c;
	struct httpd *h = c->pool->h;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evkeyval *kv;

	if (r->status)
		return; /* answered already */
	r->status = status;
	/* A body still on its way, or one we did not read, leaves the framing unknown. */
	if (c->state != CONN_HANDLE || c->n_requests >= h->lim.max_requests ||
	    (r->parsed && r->head.close) || !r->parsed)
		c->close_after = true;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status, reason(status));
	TAILQ_FOREACH(kv, &r->out, next)
	evbuffer_add_printf(out, "%s: %s\r\n", kv->key, kv->value);
	if (status != 204)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
	if (c->close_after)
		evbuffer_add_printf(out, "Connection: close\r\n");
	evbuffer_add(out, "\r\n", 2);
	if (len && status != 204 && http_req_method(r) != HTTP_M_HEAD)
		evbuffer_add(out, body, len);
	waiting_del(c);
	c->state = CONN_WRITE;
	timer_arm(c, clock_now_ns() + ms_ns(h->lim.write_timeout_ms));
}

/* The server answers r itself (the caller words it); the connection ends after. */
static void refuse(struct http_conn *c, enum http_refusal why, const char *what)
{
	struct httpd *h = c->pool->h;

	c->close_after = c->linger = true;
	budget_release(&c->req);
	waiting_del(c);
	c->state = CONN_HANDLE;
	h->hd.on_refuse(h->hd.arg, &c->req, why, what);
	if (!c->req.status)
		http_req_reply(&c->req, 500, NULL, 0);
}

static void dispatch(struct http_conn *c)
{
	struct httpd *h = c->pool->h;

	c->state = CONN_HANDLE;
	c->n_requests++;
	bufferevent_disable(c->bev, EV_READ);
	h->hd.on_request(h->hd.arg, &c->req);
	if (!c->req.status)
		http_req_reply(&c->req, 500, NULL, 0);
}

/* Moves what has arrived of the body into its buffer; dispatches when it is whole. */
static void read_body(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct http_req *r = &c->req;
	size_t n = evbuffer_get_length(in);

	if (n > r->want - r->body_len)
		n = r->want - r->body_len;
	if (n && evbuffer_remove(in, r->body + r->body_len, n) != (int)n) {
		refuse(c, HTTP_REFUSE_BAD, "the body could not be read");
		return;
	}
	r->body_len += n;
	if (r->body_len == r->want) {
		r->body[r->body_len] = '\0';
		dispatch(c);
	}
}

/* The head is parsed: the caller decides, then the body's size is judged before it is read. */
static void head_done(struct http_conn *c)
{
	struct httpd *h = c->pool->h;
	struct http_req *r = &c->req;
	struct http_head *hd = &r->head;
	bool has_body = hd->coded || (hd->has_length && hd->length > 0);

	waiting_del(c);
	c->state = CONN_HANDLE;
	if (has_body)
		c->close_after = true; /* until it is read, in full */
	if (hd->expect_other) {
		refuse(c, HTTP_REFUSE_EXPECTATION, "only Expect: 100-continue is understood");
		return;
	}
	if (h->hd.on_head(h->hd.arg, r) != 0) {
		if (!r->status)
			http_req_reply(r, 500, NULL, 0);
		c->linger = has_body;
		return; /* answered before one byte of body was read */
	}
	if (hd->coded) {
		refuse(c, HTTP_REFUSE_LENGTH,
		       "a request body must come with Content-Length (no Transfer-Encoding)");
		return;
	}
	if (!has_body) {
		c->close_after = false;
		dispatch(c);
		return;
	}
	if (hd->length > h->lim.max_body) {
		refuse(c, HTTP_REFUSE_TOO_LARGE, NULL);
		return;
	}
	if (h->body_held + hd->length > h->lim.body_budget) {
		refuse(c, HTTP_REFUSE_BUSY,
		       "the API is receiving as many request bodies as it can");
		return;
	}
	r->want = (size_t)hd->length;
	r->body = malloc(r->want + 1);
	if (!r->body) {
		refuse(c, HTTP_REFUSE_BUSY, "out of memory");
		return;
	}
	r->budget = r->want;
	h->body_held += r->budget;
	c->close_after = false;
	c->state = CONN_BODY;
	/* RFC 9110 10.1.1: the client waits for this before it sends the body. */
	if (hd->expect_continue && hd->minor >= 1)
		evbuffer_add_printf(bufferevent_get_output(c->bev),
				    "HTTP/1.1 100 Continue\r\n\r\n");
	bufferevent_setwatermark(c->bev, EV_READ, 0, BODY_WATERMARK);
	bufferevent_enable(c->bev, EV_READ);
	timer_arm(c, c->req_start_ns + ms_ns(h->lim.request_timeout_ms));
	read_body(c);
}

static enum http_refusal head_refusal(int status)
{
	switch (status) {
	case HTTP_HEAD_URI_TOO_LONG:
		return HTTP_REFUSE_URI_TOO_LONG;
	case HTTP_HEAD_FIELDS_TOO_LARGE:
		return HTTP_REFUSE_FIELDS;
	case HTTP_HEAD_VERSION:
		return HTTP_REFUSE_VERSION;
	default:
		return HTTP_REFUSE_BAD;
	}
}

/* A head in the input? Parses it, or judges what is there so far against the limits. */
static void read_head(struct http_conn *c)
{
	struct httpd *h = c->pool->h;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), head_len;
	struct evbuffer_ptr end, eol;
	const char *why;
	struct buf b;
	uint8_t *data;
	int rc;

	if (!len)
		return;
	c->got_bytes = true;
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0) {
		eol = evbuffer_search(in, "\r\n", 2, NULL);
		if (eol.pos < 0 && len > h->lim.max_line + 2)
			refuse(c, HTTP_REFUSE_URI_TOO_LONG, "the request line is too long");
		else if (len >= h->lim.max_head)
			refuse(c, HTTP_REFUSE_FIELDS, "the request head is too large");
		return; /* more to come, within the watermark */
	}
	head_len = (size_t)end.pos + 4;
	if (head_len > h->lim.max_head) {
		refuse(c, HTTP_REFUSE_FIELDS, "the request head is too large");
		return;
	}
	data = evbuffer_pullup(in, (ev_ssize_t)head_len);
	if (!data) {
		refuse(c, HTTP_REFUSE_BAD, "the request head could not be read");
		return;
	}
	buf_init_read(&b, data, head_len);
	rc = http_head_parse(&b, h->lim.max_line, h->lim.max_fields, &c->req.head, &why);
	evbuffer_drain(in, head_len);
	if (rc) {
		refuse(c, head_refusal(rc), why);
		return;
	}
	c->req.parsed = true;
	head_done(c);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	switch (c->state) {
	case CONN_HEAD:
		read_head(c);
		break;
	case CONN_BODY:
		read_body(c);
		break;
	case CONN_LINGER:
		c->lingered += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (c->lingered > c->pool->h->lim.linger_bytes)
			conn_close(c);
		break;
	case CONN_HANDLE:
	case CONN_WRITE:
		break; /* pipelined: read once the answer is out (the watermark bounds it) */
	}
}

/* The answer has left: the next request, or the lingering close. */
static void conn_written(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	struct httpd *h = c->pool->h;

	if (c->state != CONN_WRITE || evbuffer_get_length(bufferevent_get_output(bev)))
		return;
	req_clear(&c->req);
	if (c->close_after && !c->linger) {
		conn_close(c); /* all of the request was read: nothing to reset */
		return;
	}
	if (c->close_after) {
		/* RFC 9112 9.6: half-close, then read what is still coming, so that the client
		 * reads our answer instead of a reset. */
		shutdown(bufferevent_getfd(bev), SHUT_WR);
		c->state = CONN_LINGER;
		c->lingered = 0;
		bufferevent_setwatermark(bev, EV_READ, 0, BODY_WATERMARK);
		bufferevent_enable(bev, EV_READ);
		timer_arm(c, clock_now_ns() + ms_ns(h->lim.linger_ms));
		conn_read(bev, c);
		return;
	}
	conn_await_head(c);
	read_head(c); /* a pipelined request may be waiting */
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	/* A client that half-closes after its request still gets the answer. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    (c->state == CONN_WRITE || c->state == CONN_HANDLE)) {
		c->close_after = true;
		return;
	}
	conn_close(c);
}

static void conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	switch (c->state) {
	case CONN_HEAD:
		if (!c->got_bytes) {
			conn_close(c); /* idle: nothing to answer */
			return;
		}
		refuse(c, HTTP_REFUSE_TIMEOUT, "the request head did not arrive in time");
		break;
	case CONN_BODY:
		refuse(c, HTTP_REFUSE_TIMEOUT, "the request body did not arrive in time");
		break;
	default:
		conn_close(c);
	}
}

static void conn_close(struct http_conn *c)
{
	struct pool *p = c->pool;

	req_clear(&c->req);
	waiting_del(c);
	TAILQ_REMOVE(&p->conns, c, all_link);
	p->n_conns--;
	event_free(c->timer);
	bufferevent_free(c->bev);
	free(c);
}

/* ---- listeners ------------------------------------------------------------------------------- */

static bool same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return false;
}

static unsigned source_count(const struct pool *p, const struct sockaddr_storage *ss)
{
	const struct http_conn *c;
	unsigned n = 0;

	/* Connections on their way out (answered, lingering) do not hold a client back. */
	TAILQ_FOREACH(c, &p->conns, all_link)
	if (c->state != CONN_LINGER && same_source(&c->peer, ss))
		n++;
	return n;
}

static void peer_string(const struct sockaddr_storage *ss, bool local, char *out, size_t n)
{
	const void *a = NULL;

	if (local) {
		snprintf(out, n, "local");
		return;
	}
	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!a || !inet_ntop(ss->ss_family, a, out, (socklen_t)n))
		snprintf(out, n, "?");
}

static void on_accept(struct pool *p, int fd, const struct sockaddr_storage *from)
{
	struct httpd *h = p->h;
	struct sockaddr_storage ss = *from;
	struct http_conn *c;
	int one = 1;

	if (!p->local && source_count(p, &ss) >= p->max_per_source) {
		char a[INET6_ADDRSTRLEN];

		p->refused_source++;
		peer_string(&ss, false, a, sizeof(a));
		log_rl(&p->rl_refuse, LOG_LVL_WARN, "Mgmt",
		       "%s: %s already has %u connections, the most one address may have; "
		       "closing its new one",
		       p->name, a, p->max_per_source);
		close(fd);
		return;
	}
	if (p->n_conns >= p->max_conns) {
		struct http_conn *old = TAILQ_FIRST(&p->waiting);

		if (!old) {
			p->refused_full++;
			log_rl(&p->rl_refuse, LOG_LVL_WARN, "Mgmt",
			       "%s: %u connections, all of them busy with a request: closing a "
			       "new one",
			       p->name, p->n_conns);
			close(fd);
			return;
		}
		/* The one that has waited longest for its head makes room. */
		p->evicted++;
		log_rl(&p->rl_evict, LOG_LVL_WARN, "Mgmt",
		       "%s: %u connections, the most it takes: closed the one from %s that waited "
		       "%llu ms for a request (%llu so far)",
		       p->name, p->n_conns, old->peer_s,
		       (unsigned long long)((clock_now_ns() - old->req_start_ns) / CLOCK_NS_PER_MS),
		       (unsigned long long)p->evicted);
		conn_close(old);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->pool = p;
	c->req.c = c;
	TAILQ_INIT(&c->req.out);
	TAILQ_INIT(&c->req.head.fields);
	c->peer = ss;
	peer_string(&ss, p->local, c->peer_s, sizeof(c->peer_s));
	c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(h->base, conn_timeout, c);
	if (!c->bev || !c->timer) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->timer)
			event_free(c->timer);
		free(c);
		return;
	}
	if (!p->local)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->priority >= 0) {
		bufferevent_priority_set(c->bev, p->priority);
		event_priority_set(c->timer, p->priority);
	}
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	TAILQ_INSERT_TAIL(&p->conns, c, all_link);
	p->n_conns++;
	p->accepted++;
	conn_await_head(c);
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct pool *p = arg;

	event_add(p->ev_listen, NULL);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...): pause this listener, doubling the pause while
 * it keeps failing, instead of the busy loop an always-readable listener would be. */
static void accept_failed(struct pool *p, int err)
{
	struct timeval tv;

	p->accept_errors++;
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
	log_rl(&p->rl_accept, LOG_LVL_ERR, "Mgmt",
	       "%s: accept() failed: %s (%llu failures so far); accepting again in %u ms", p->name,
	       strerror(err), (unsigned long long)p->accept_errors, p->backoff_ms);
	event_del(p->ev_listen);
	tv.tv_sec = p->backoff_ms / 1000;
	tv.tv_usec = (suseconds_t)(p->backoff_ms % 1000) * 1000;
	evtimer_add(p->ev_backoff, &tv);
}

/* The listener is readable: up to ACCEPT_BATCH connections, then the loop's other work. */
static void on_listen(evutil_socket_t lfd, short what, void *arg)
{
	struct pool *p = arg;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss = {0};
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			p->backoff_ms = 0;
			on_accept(p, fd, &ss);
			continue;
		}
		switch (errno) {
		case EAGAIN:
		case EINTR:
			return;
		/* accept(2): network errors of the pending connection, to retry as EAGAIN. */
		case ECONNABORTED:
		case EPROTO:
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
			continue;
		default:
			accept_failed(p, errno);
			return;
		}
	}
}

static int pool_init(struct httpd *h, struct pool *p, bool local)
{
	p->h = h;
	p->local = local;
	p->name = local ? "admin socket" : "API";
	p->max_conns = local ? h->lim.max_local_conns : h->lim.max_conns;
	p->max_per_source = h->lim.max_per_source;
	TAILQ_INIT(&p->conns);
	TAILQ_INIT(&p->waiting);
	p->rl_accept = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOG_EVERY_NS, LOG_BURST);
	p->rl_evict = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOG_EVERY_NS, LOG_BURST);
	p->rl_refuse = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOG_EVERY_NS, LOG_BURST);
	p->listen_fd = -1;
	/* With two priorities on the base, the admin socket's events come before the TCP ones: a
	 * flood of TCP work is never in front of the operator. */
	p->priority = event_base_get_npriorities(h->base) >= 2 ? (local ? 0 : 1) : -1;
	p->ev_backoff = evtimer_new(h->base, on_backoff, p);
	if (p->ev_backoff && p->priority >= 0)
		event_priority_set(p->ev_backoff, p->priority);
	return p->ev_backoff ? 0 : -ENOMEM;
}

/* Takes fd (listening) into the pool. */
static int pool_listen(struct pool *p, int fd)
{
	if (p->ev_listen) {
		close(fd);
		return -EBUSY;
	}
	p->ev_listen = event_new(p->h->base, fd, EV_READ | EV_PERSIST, on_listen, p);
	if (!p->ev_listen || (p->priority >= 0 && event_priority_set(p->ev_listen, p->priority)) ||
	    event_add(p->ev_listen, NULL)) {
		if (p->ev_listen)
			event_free(p->ev_listen);
		p->ev_listen = NULL;
		close(fd);
		return -ENOMEM;
	}
	p->listen_fd = fd;
	return 0;
}

static void pool_free(struct pool *p)
{
	while (!TAILQ_EMPTY(&p->conns))
		conn_close(TAILQ_FIRST(&p->conns));
	if (p->ev_listen)
		event_free(p->ev_listen);
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->ev_backoff)
		event_free(p->ev_backoff);
}

struct httpd *httpd_new(struct event_base *base, const struct http_limits *lim,
			const struct httpd_handlers *hd)
{
	struct httpd *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->base = base;
	h->lim = *lim;
	h->hd = *hd;
	if (pool_init(h, &h->tcp, false) || pool_init(h, &h->local, true)) {
		httpd_free(h);
		return NULL;
	}
	return h;
}

int httpd_listen_tcp(struct httpd *h, const char *addr, uint16_t port, uint16_t *bound)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_PASSIVE},
			*ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port_s[8];
	int fd, one = 1, r;

	snprintf(port_s, sizeof(port_s), "%u", port);
	if (getaddrinfo(addr, port_s, &hints, &ai) != 0 || !ai)
		return -EADDRNOTAVAIL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		freeaddrinfo(ai);
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		r = -errno;
		close(fd);
		freeaddrinfo(ai);
		return r;
	}
	freeaddrinfo(ai);
	if (bound && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			*bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return pool_listen(&h->tcp, fd);
}

int httpd_listen_unix(struct httpd *h, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* Created 0600 from the start: no window in which another user could connect. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(fd, 64) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = pool_listen(&h->local, fd);
	if (r) {
		unlink(path);
		return r;
	}
	snprintf(h->unix_path, sizeof(h->unix_path), "%s", path);
	return 0;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	pool_free(&h->tcp);
	pool_free(&h->local);
	if (h->unix_path[0])
		unlink(h->unix_path);
	free(h);
}

void httpd_get_stats(const struct httpd *h, struct httpd_stats *out)
{
	*out = (struct httpd_stats){
		.accepted = h->tcp.accepted + h->local.accepted,
		.evicted = h->tcp.evicted + h->local.evicted,
		.refused_source = h->tcp.refused_source,
		.refused_full = h->tcp.refused_full + h->local.refused_full,
		.accept_errors = h->tcp.accept_errors + h->local.accept_errors,
		.conns = h->tcp.n_conns,
		.local_conns = h->local.n_conns,
		.body_held = h->body_held,
	};
}
