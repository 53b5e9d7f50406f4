/* SPDX-License-Identifier: MIT */
/*
 * server: the management API on a thread of its own (SPEC §5: the API never shares a thread
 * with the IKE and BGP timers). The HTTP server (http.h) hands it each request's head before any
 * body: the caller is found there (bearer token, or the operator's Unix socket) and held to its
 * token's rate, so a stranger's or an over-eager tenant's body is never read. Every request gets
 * an x-ms-request-id, echoed in its answer and written in the access log line (method, path,
 * status; never a body or a token); every mutation that reaches a handler, and every read of a
 * secret, also gets an Audit line naming who did what to which resource, and how it ended.
 * Refusals before a request is handled (401, 429, the HTTP server's limits: nothing was done)
 * are logged at a bounded rate instead: an attacker cannot fill the log.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "mgmt/api/api.h"
#include "mgmt/api/http.h"
#include "mgmt/api/internal.h"
#include "mgmt/api/ratelimit.h"
#include "mgmt/api/server_internal.h"
#include "mgmt/ids.h"
#include "mgmt/ops_internal.h"
#include "mgmt/store/store.h"

#define RATE_SLOTS_DEFAULT 4096
#define REFUSED_LOG_EVERY  (10 * CLOCK_NS_PER_SEC)
#define REFUSED_LOG_BURST  10

struct api_server {
	struct event_base *base;
	struct httpd *httpd;
	struct http_limits lim;
	/* The operations' view: the caller's store, our own hooks in front of the caller's. */
	struct mgmt mgmt;
	mgmt_change_fn outer_changed;
	mgmt_reset_fn outer_reset;
	void *outer_arg;
	char admin_hash[AUTH_HASH_HEX_LEN + 1];
	struct ratelimit *rl;
	unsigned rate_per_s, rate_burst;
	atomic_uint settings_gen; /* bumped by api_server_settings_changed (any thread) */
	unsigned settings_seen;	  /* the generation rate_per_s/burst were read at */
	api_conn_status_fn conn_status;
	void *conn_status_arg;
	api_conn_events_fn conn_events;
	api_bgp_view_fn bgp_view;
	api_metrics_fn metrics;
	api_ready_fn ready;
	uint16_t port;
	pthread_t thread;
	bool running;
	int stop_fd;
	struct event *ev_stop;
	struct log_ratelimit rl_refused;
};

/* What a request carries from its head to its end. */
struct api_ctx {
	char id[MGMT_UUID_LEN + 1];
	struct auth_principal who;
	uint64_t t0;
};

/* ---- answers --------------------------------------------------------------------------------- */

static struct api_ctx *ctx_of(struct http_req *hr)
{
	struct api_ctx *ctx = http_req_user(hr);

	if (ctx)
		return ctx;
	/* A refusal before the head was parsed: the answer still has an id. */
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	if (mgmt_uuid_new(ctx->id) != 0)
		snprintf(ctx->id, sizeof(ctx->id), "00000000-0000-0000-0000-000000000000");
	ctx->t0 = clock_now_ns();
	http_req_set_user(hr, ctx);
	return ctx;
}

/* A client's own request id, echoed only when it looks like one (no header injection). */
static bool client_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

void api_http_reply(struct http_req *hr, int status, const char *content_type, const char *body,
		    size_t len)
{
	struct api_ctx *ctx = ctx_of(hr);
	const char *cid = http_req_header(hr, "x-ms-client-request-id");

	if (content_type)
		http_req_add_header(hr, "Content-Type", content_type);
	if (ctx)
		http_req_add_header(hr, "x-ms-request-id", ctx->id);
	if (client_id_ok(cid))
		http_req_add_header(hr, "x-ms-client-request-id", cid);
	http_req_reply(hr, status, body, len);
}

int api_http_error(struct http_req *hr, const struct mgmt_error *err)
{
	int status = mgmt_err_status(err->code);
	json_t *body;
	char *text;

	body = json_pack("{s:{s:s, s:s}}", "error", "code", mgmt_err_name(err->code), "message",
			 err->message);
	/* ARM names a target only where a field (or header, or parameter) is at fault. */
	if (body && err->target[0])
		json_object_set_new(json_object_get(body, "error"), "target",
				    json_string(err->target));
	if (status == 401)
		http_req_add_header(hr, "WWW-Authenticate", "Bearer");
	/* The store's outage or its writers' race pass: a client may try again (az does). */
	if (err->code == MGMT_E_STORE_UNAVAILABLE)
		http_req_add_header(hr, "Retry-After", "2");
	else if (err->code == MGMT_E_STORE_CONFLICT)
		http_req_add_header(hr, "Retry-After", "1");
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	api_http_reply(hr, status, "application/json; charset=utf-8", text ? text : "",
		       text ? strlen(text) : 0);
	free(text);
	json_decref(body);
	return status;
}

static int http_fail(struct http_req *hr, enum mgmt_err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int http_fail(struct http_req *hr, enum mgmt_err_code code, const char *fmt, ...)
{
	struct mgmt_error err = {.code = code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	return api_http_error(hr, &err);
}

/* ---- logs ------------------------------------------------------------------------------------ */

static void who_string(const struct auth_principal *p, char *out, size_t n)
{
	if (p->local)
		snprintf(out, n, "admin(socket)");
	else if (p->admin)
		snprintf(out, n, "admin(token)");
	else if (p->sub[0])
		snprintf(out, n, "subscription:%s token:%s", p->sub, p->token_id);
	else
		snprintf(out, n, "anonymous");
}

/* The path without its query, for the logs (a query may hold anything). */
static void path_of(const char *target, char *out, size_t n)
{
	size_t len = target ? strcspn(target, "?") : 1;

	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), target ? target : "-");
}

/* What the audit log records: every mutation, and every read of a secret. */
static bool audited(enum http_method m, const char *path)
{
	return (m != HTTP_M_GET && m != HTTP_M_HEAD) || strcasestr(path, "/sharedkey");
}

static void log_audit(struct http_req *hr, const struct api_ctx *ctx, const char *resource,
		      int status, const char *code)
{
	char who[160], path[600];

	path_of(http_req_target(hr), path, sizeof(path));
	who_string(&ctx->who, who, sizeof(who));
	log_info("Audit",
		 "request=%s who=%s from=%s method=%s path=%.400s resource=%.400s "
		 "status=%d code=%s",
		 ctx->id, who, http_req_peer(hr), http_req_method_name(hr), path,
		 resource && resource[0] ? resource : path, status, code && code[0] ? code : "-");
}

/* A request refused before it was handled: a line, at a bounded rate. */
static void log_refused(struct api_server *srv, struct http_req *hr, const struct api_ctx *ctx,
			int status, const char *code)
{
	char path[300];

	path_of(http_req_target(hr), path, sizeof(path));
	log_rl(&srv->rl_refused, LOG_LVL_INFO, "Mgmt", "%s %s from %s -> %d %s request=%s",
	       http_req_method_name(hr), path, http_req_peer(hr), status, code,
	       ctx ? ctx->id : "-");
}

static void log_request(struct api_req *r, const struct api_ctx *ctx)
{
	char path[300];
	long ms = (long)((clock_now_ns() - ctx->t0) / CLOCK_NS_PER_MS);

	path_of(r->path, path, sizeof(path));
	/* The path and the outcome; bodies and tokens never reach the log. */
	if (r->status >= 500)
		log_err("Mgmt", "%s %s -> %d %s (%ld ms) request=%s", http_req_method_name(r->hr),
			path, r->status, r->error_code ? r->error_code : "", ms, ctx->id);
	else
		log_info("Mgmt", "%s %s -> %d%s%s (%ld ms)%s request=%s",
			 http_req_method_name(r->hr), path, r->status, r->error_code ? " " : "",
			 r->error_code ? r->error_code : "", ms, r->who.admin ? " [admin]" : "",
			 ctx->id);
}

/* ---- the HTTP server's callbacks ---------------------------------------------------------------
 */

static void rate_refresh(struct api_server *srv);

/* The head, before any body: who is calling, and may it call now? */
static int on_head(void *arg, struct http_req *hr)
{
	struct api_server *srv = arg;
	struct api_ctx *ctx = ctx_of(hr);
	unsigned retry = 0;
	char ra[16];
	int rc;

	if (!ctx) {
		http_fail(hr, MGMT_E_INTERNAL, "Out of memory.");
		return 1;
	}
	/* Liveness and readiness probes carry no token (and learn nothing but up or not). */
	if (api_is_probe(http_req_target(hr))) {
		memset(&ctx->who, 0, sizeof(ctx->who));
		return 0;
	}
	/* Another node changed the settings (the store's watch said so): our rate follows. */
	if (atomic_load(&srv->settings_gen) != srv->settings_seen) {
		srv->settings_seen = atomic_load(&srv->settings_gen);
		rate_refresh(srv);
	}
	rc = auth_resolve(srv->mgmt.store, srv->admin_hash, http_req_local(hr),
			  http_req_header(hr, "Authorization"), &ctx->who);
	if (rc && rc != -EACCES) {
		struct mgmt_error err = {0};

		/* The token could not be looked up: nothing is said about it. */
		mgmt_ops_store_err(srv->mgmt.store, &err);
		api_http_error(hr, &err);
		log_refused(srv, hr, ctx, mgmt_err_status(err.code), mgmt_err_name(err.code));
		return 1;
	}
	if (rc) {
		http_fail(hr, MGMT_E_AUTHENTICATION_FAILED,
			  "A valid bearer token is required (Authorization: Bearer <token>).");
		log_refused(srv, hr, ctx, 401, "AuthenticationFailed");
		return 1;
	}
	if (ctx->who.local ||
	    ratelimit_take(srv->rl, ctx->who.hash, srv->rate_per_s, srv->rate_burst, &retry))
		return 0;
	snprintf(ra, sizeof(ra), "%u", retry);
	http_req_add_header(hr, "Retry-After", ra);
	http_fail(hr, MGMT_E_TOO_MANY_REQUESTS,
		  "This token has sent more than %u requests a second (bursts of %u), the rate "
		  "the operator allows; try again in %u s.",
		  srv->rate_per_s, srv->rate_burst, retry);
	/* Not an Audit line: nothing was done, and a flood must not fill the log. */
	log_refused(srv, hr, ctx, 429, "TooManyRequests");
	return 1;
}

static void on_request(void *arg, struct http_req *hr)
{
	struct api_server *srv = arg;
	struct api_ctx *ctx = ctx_of(hr);
	struct api_req r = {.srv = srv, .mgmt = &srv->mgmt, .hr = hr};
	const char *target = http_req_target(hr), *q;
	char *path = NULL;

	TAILQ_INIT(&r.query);
	if (!ctx) {
		http_fail(hr, MGMT_E_INTERNAL, "Out of memory.");
		return;
	}
	r.who = ctx->who;
	r.method = http_req_method(hr);
	r.body = http_req_body(hr, &r.body_len);
	q = strchr(target, '?');
	path = strndup(target, q ? (size_t)(q - target) : strlen(target));
	if (!path) {
		api_reply_fail(&r, MGMT_E_INTERNAL, "", "Out of memory.");
		goto out;
	}
	r.path = path;
	if (q && evhttp_parse_query_str(q + 1, &r.query) != 0) {
		api_reply_fail(&r, MGMT_E_INVALID_REQUEST_FORMAT, "", "The query is malformed.");
		goto out;
	}
	api_route(&r);
out:
	if (!r.path)
		r.path = "-";
	log_request(&r, ctx);
	if (audited(r.method, r.path))
		log_audit(hr, ctx, r.resource, r.status, r.error_code);
	api_req_clear(&r);
	free(path);
}

static void on_refuse(void *arg, struct http_req *hr, enum http_refusal why, const char *what)
{
	struct api_server *srv = arg;
	struct api_ctx *ctx = ctx_of(hr);
	enum mgmt_err_code code = MGMT_E_BAD_REQUEST;
	int status;

	switch (why) {
	case HTTP_REFUSE_BAD:
		status = http_fail(hr, code, "The request is not valid HTTP/1.1: %s.", what);
		break;
	case HTTP_REFUSE_TIMEOUT:
		code = MGMT_E_REQUEST_TIMEOUT;
		status = http_fail(hr, code,
				   "The request took too long: %s (the head within %u s, the "
				   "whole request within %u s).",
				   what, srv->lim.head_timeout_ms / 1000,
				   srv->lim.request_timeout_ms / 1000);
		break;
	case HTTP_REFUSE_LENGTH:
		code = MGMT_E_LENGTH_REQUIRED;
		status = http_fail(hr, code, "The request was refused: %s.", what);
		break;
	case HTTP_REFUSE_TOO_LARGE:
		code = MGMT_E_TOO_LARGE;
		status = http_fail(hr, code,
				   "The request body is larger than the %zu bytes the API accepts; "
				   "it was not read.",
				   srv->lim.max_body);
		break;
	case HTTP_REFUSE_URI_TOO_LONG:
		code = MGMT_E_URI_TOO_LONG;
		status = http_fail(hr, code, "The request line is longer than %zu bytes.",
				   srv->lim.max_line);
		break;
	case HTTP_REFUSE_EXPECTATION:
		code = MGMT_E_EXPECTATION_FAILED;
		status = http_fail(hr, code, "The request was refused: %s.", what);
		break;
	case HTTP_REFUSE_FIELDS:
		code = MGMT_E_HEADERS_TOO_LARGE;
		status = http_fail(hr, code,
				   "The request's header fields are over the API's limits (%s: "
				   "at most %u fields, %zu bytes a line, %zu in all).",
				   what, srv->lim.max_fields, srv->lim.max_line, srv->lim.max_head);
		break;
	case HTTP_REFUSE_BUSY:
		code = MGMT_E_SERVER_BUSY;
		http_req_add_header(hr, "Retry-After", "1");
		status = http_fail(hr, code, "The API is busy (%s); try again in a second.", what);
		break;
	case HTTP_REFUSE_VERSION:
	default:
		code = MGMT_E_HTTP_VERSION;
		status = http_fail(hr, code, "The request was refused: %s.", what);
		break;
	}
	log_refused(srv, hr, ctx, status, mgmt_err_name(code));
}

static void on_end(void *arg, struct http_req *hr)
{
	struct api_ctx *ctx = http_req_user(hr);

	if (ctx) {
		explicit_bzero(ctx, sizeof(*ctx));
		free(ctx);
		http_req_set_user(hr, NULL);
	}
}

/* ---- the server --------------------------------------------------------------------------------
 */

static void rate_refresh(struct api_server *srv)
{
	json_t *settings = store_settings_get(srv->mgmt.store);

	model_settings_rate(settings, &srv->rate_per_s, &srv->rate_burst);
	json_decref(settings);
}

/* The operations' hooks, on the API thread: our rate limit follows the settings, the rest of the
 * process hears of every change. */
static void on_changed(void *arg, const char *id)
{
	struct api_server *srv = arg;

	if (strcmp(id, MGMT_SETTINGS_ID) == 0)
		rate_refresh(srv);
	if (srv->outer_changed)
		srv->outer_changed(srv->outer_arg, id);
}

static void on_reset(void *arg, const char *vgw_id)
{
	struct api_server *srv = arg;

	if (srv->outer_reset)
		srv->outer_reset(srv->outer_arg, vgw_id);
}

void api_server_settings_changed(struct api_server *srv)
{
	if (srv)
		atomic_fetch_add(&srv->settings_gen, 1);
}

void api_server_conn_status(const struct api_server *srv, const char *conn_id,
			    struct api_conn_status *out)
{
	if (srv->conn_status) {
		srv->conn_status(srv->conn_status_arg, conn_id ? conn_id : "", out);
		return;
	}
	snprintf(out->status, sizeof(out->status), "NotConnected");
	snprintf(out->reason, sizeof(out->reason), "no gateway runs in this process");
}

#define NO_GATEWAY "no gateway runs in this process"

size_t api_server_conn_events(const struct api_server *srv, const char *conn_id, uint64_t after,
			      struct api_event *out, size_t max, uint64_t *dropped)
{
	*dropped = 0;
	return srv->conn_events ? srv->conn_events(srv->conn_status_arg, conn_id, after, out, max,
						   dropped)
				: 0;
}

json_t *api_server_bgp_view(const struct api_server *srv, const char *vgw_id, char *why, size_t n)
{
	if (srv->bgp_view)
		return srv->bgp_view(srv->conn_status_arg, vgw_id, why, n);
	snprintf(why, n, NO_GATEWAY);
	return NULL;
}

char *api_server_metrics(const struct api_server *srv)
{
	return srv->metrics ? srv->metrics(srv->conn_status_arg) : NULL;
}

bool api_server_ready(const struct api_server *srv, char *why, size_t n)
{
	if (srv->ready)
		return srv->ready(srv->conn_status_arg, why, n);
	snprintf(why, n, NO_GATEWAY);
	return false;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct api_server *srv = arg;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		v = 0;
	event_base_loopbreak(srv->base);
}

struct api_server *api_server_new(const struct api_config *cfg)
{
	struct api_server *srv = calloc(1, sizeof(*srv));
	struct httpd_handlers hd = {
		.on_head = on_head,
		.on_request = on_request,
		.on_refuse = on_refuse,
		.on_end = on_end,
		.arg = srv,
	};

	if (!srv)
		return NULL;
	srv->stop_fd = -1;
	if (cfg->limits)
		srv->lim = *cfg->limits;
	else
		http_limits_default(&srv->lim);
	srv->mgmt = cfg->mgmt;
	srv->outer_changed = cfg->mgmt.changed;
	srv->outer_reset = cfg->mgmt.reset;
	srv->outer_arg = cfg->mgmt.hook_arg;
	srv->mgmt.changed = on_changed;
	srv->mgmt.reset = on_reset;
	srv->mgmt.hook_arg = srv;
	srv->conn_status = cfg->conn_status;
	srv->conn_status_arg = cfg->conn_status_arg;
	srv->conn_events = cfg->conn_events;
	srv->bgp_view = cfg->bgp_view;
	srv->metrics = cfg->metrics;
	srv->ready = cfg->ready;
	snprintf(srv->admin_hash, sizeof(srv->admin_hash), "%s",
		 cfg->admin_hash_hex ? cfg->admin_hash_hex : "");
	srv->rl_refused =
		(struct log_ratelimit)LOG_RATELIMIT_INIT(REFUSED_LOG_EVERY, REFUSED_LOG_BURST);
	srv->base = event_base_new();
	/* Two priorities: the admin socket's before the TCP listener's (http.h). */
	if (srv->base && event_base_priority_init(srv->base, 2) != 0)
		goto fail;
	srv->rl = ratelimit_new(cfg->rate_slots ? cfg->rate_slots : RATE_SLOTS_DEFAULT);
	srv->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!srv->base || !srv->rl || srv->stop_fd < 0)
		goto fail;
	srv->ev_stop = event_new(srv->base, srv->stop_fd, EV_READ | EV_PERSIST, on_stop, srv);
	srv->httpd = httpd_new(srv->base, &srv->lim, &hd);
	if (!srv->ev_stop || !srv->httpd || event_add(srv->ev_stop, NULL) != 0)
		goto fail;
	rate_refresh(srv);
	return srv;
fail:
	api_server_free(srv);
	return NULL;
}

int api_server_listen_tcp(struct api_server *srv, const char *addr, uint16_t port)
{
	return httpd_listen_tcp(srv->httpd, addr, port, &srv->port);
}

uint16_t api_server_port(const struct api_server *srv)
{
	return srv->port;
}

int api_server_listen_unix(struct api_server *srv, const char *path)
{
	return httpd_listen_unix(srv->httpd, path);
}

static void *api_thread(void *arg)
{
	struct api_server *srv = arg;

	event_base_dispatch(srv->base);
	return NULL;
}

int api_server_start(struct api_server *srv)
{
	sigset_t all, old;
	int r;

	/* Signals are the control loop's business: the API thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&srv->thread, NULL, api_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	pthread_setname_np(srv->thread, "vnetgwd-api");
	srv->running = true;
	return 0;
}

void api_server_free(struct api_server *srv)
{
	if (!srv)
		return;
	if (srv->running) {
		uint64_t one = 1;

		if (write(srv->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_err("Mgmt", "cannot stop the API thread: %s", strerror(errno));
		pthread_join(srv->thread, NULL);
		srv->running = false;
	}
	httpd_free(srv->httpd);
	if (srv->ev_stop)
		event_free(srv->ev_stop);
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	ratelimit_free(srv->rl);
	if (srv->base)
		event_base_free(srv->base);
	explicit_bzero(srv->admin_hash, sizeof(srv->admin_hash));
	free(srv);
}
