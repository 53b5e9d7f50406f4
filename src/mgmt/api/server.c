/* SPDX-License-Identifier: MIT */
/*
 * server: the HTTP side of the management API. Reads each request whole (bounded), finds the
 * caller (bearer token, or the operator's Unix socket), routes ARM paths (docs/api.md) to the
 * resource, list and action handlers, answers errors in ARM's {"error":{code,message,target}}
 * shape and writes one access-log line per request -- method, path, status, never a body or a
 * token. A tenant asking for another subscription gets exactly what a missing one gets.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "mgmt/api/api.h"
#include "mgmt/api/internal.h"
#include "mgmt/model/field.h"

/* evhttp's own cap, far above ours: a larger body is refused by evhttp before it is buffered. */
#define API_HARD_MAX_BODY (8 * 1024 * 1024)

struct api_listener {
	struct api_server *srv;
	struct evhttp *http;
	bool local; /* the Unix socket: the operator, without a token */
};

struct api_server {
	struct event_base *base;
	struct api_config cfg;
	char admin_hash[AUTH_HASH_HEX_LEN + 1];
	struct api_listener tcp, unix_sock;
	uint16_t port;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

const struct api_config *api_server_config(const struct api_server *srv)
{
	return &srv->cfg;
}

const char *api_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	default:
		return "OTHER";
	}
}

const char *api_query(struct api_req *r, const char *key)
{
	return evhttp_find_header(&r->query, key);
}

const char *api_header(struct api_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

static const char *reason(int status)
{
	switch (status) {
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
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Payload Too Large";
	case 501:
		return "Not Implemented";
	default:
		return "Internal Server Error";
	}
}

void api_reply_json(struct api_req *r, int status, json_t *json)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;

	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  "application/json; charset=utf-8");
	if (buf && text)
		evbuffer_add(buf, text, strlen(text));
	free(text);
	evhttp_send_reply(r->req, status, reason(status), buf);
	evbuffer_free(buf);
	r->status = status;
}

void api_reply_empty(struct api_req *r, int status)
{
	evhttp_send_reply(r->req, status, reason(status), NULL);
	r->status = status;
}

void api_reply_error(struct api_req *r, const struct mgmt_error *err)
{
	int status = mgmt_err_status(err->code);
	json_t *body;

	body = json_pack("{s:{s:s, s:s}}", "error", "code", mgmt_err_name(err->code), "message",
			 err->message);
	/* ARM names a target only where a field (or header, or parameter) is at fault. */
	if (err->target[0])
		json_object_set_new(json_object_get(body, "error"), "target",
				    json_string(err->target));
	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "WWW-Authenticate",
				  "Bearer");
	r->error_code = mgmt_err_name(err->code);
	api_reply_json(r, status, body);
	json_decref(body);
}

void api_reply_fail(struct api_req *r, enum mgmt_err_code code, const char *target, const char *fmt,
		    ...)
{
	struct mgmt_error err = {.code = code};
	va_list ap;

	snprintf(err.target, sizeof(err.target), "%s", target ? target : "");
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	api_reply_error(r, &err);
}

void api_reply_ops(struct api_req *r, int rc, struct mgmt_result *res, const struct mgmt_error *err)
{
	if (rc) {
		if (err->code == MGMT_OK) {
			struct mgmt_error e = {.code = MGMT_E_INTERNAL};

			snprintf(e.message, sizeof(e.message), "The request failed (%s).",
				 strerror(-rc));
			api_reply_error(r, &e);
		} else {
			api_reply_error(r, err);
		}
	} else if (res->status == 204 || !res->body) {
		api_reply_empty(r, res->status ? res->status : 204);
	} else {
		api_reply_json(r, res->status, res->body);
	}
	mgmt_result_clear(res);
}

void api_reply_method_not_allowed(struct api_req *r)
{
	api_reply_fail(r, MGMT_E_METHOD_NOT_ALLOWED, "",
		       "The method %s is not allowed on this path.", api_method_name(r->method));
}

static void split_path(struct api_req *r, const char *path)
{
	const char *p = path;

	while (*p == '/')
		p++;
	while (*p && r->nsegs < API_MAX_SEGS) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p), out_len = 0;
		char *raw = strndup(p, len), *dec;

		dec = raw ? evhttp_uridecode(raw, 0, &out_len) : NULL;
		free(raw);
		/* A segment that decodes to a NUL or a slash is not a name we could have issued. */
		if (dec && (strlen(dec) != out_len || strchr(dec, '/'))) {
			free(dec);
			dec = strdup("\x01");
		}
		r->segs[r->nsegs++] = dec ? dec : strdup("");
		if (!slash)
			return;
		p = slash + 1;
		if (!*p)
			return; /* a trailing slash adds nothing */
	}
	if (*p)
		r->nsegs = API_MAX_SEGS + 1; /* too deep: no route matches */
}

static bool seg_is(struct api_req *r, int i, const char *s)
{
	return i < r->nsegs && r->segs[i] && strcasecmp(r->segs[i], s) == 0;
}

static bool sub_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return false;
	return true;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

/* Parses a tenant path into rt; on failure answers and returns false. */
static bool route_tenant(struct api_req *r, struct api_route *rt)
{
	struct mgmt_error err = {0};
	int n = r->nsegs;

	memset(rt, 0, sizeof(*rt));
	copy(rt->id.sub, sizeof(rt->id.sub), r->segs[1]);
	/* /subscriptions/{s}/providers/Microsoft.Network/{type} */
	if (n == 5 && seg_is(r, 2, "providers") && seg_is(r, 3, MODEL_PROVIDER)) {
		if (model_type_from_segment(r->segs[4], &rt->type) != 0)
			goto no_path;
		rt->kind = API_ROUTE_LIST_SUB;
		return true;
	}
	if (n < 7 || !seg_is(r, 2, "resourceGroups") || !seg_is(r, 4, "providers") ||
	    !seg_is(r, 5, MODEL_PROVIDER) || model_type_from_segment(r->segs[6], &rt->type) != 0)
		goto no_path;
	if (field_check_rg_name(r->segs[3], &err) != 0) {
		api_reply_error(r, &err);
		return false;
	}
	copy(rt->id.rg, sizeof(rt->id.rg), r->segs[3]);
	rt->id.type = rt->type;
	if (n == 7) {
		rt->kind = API_ROUTE_LIST_RG;
		return true;
	}
	if (field_check_name(r->segs[7], "name", &err) != 0) {
		api_reply_error(r, &err);
		return false;
	}
	copy(rt->id.name, sizeof(rt->id.name), r->segs[7]);
	if (n == 8) {
		rt->kind = API_ROUTE_RESOURCE;
		return true;
	}
	if (rt->type == MODEL_VNET && seg_is(r, 8, "subnets")) {
		if (n == 9) {
			rt->kind = API_ROUTE_LIST_SUBNETS;
			rt->type = MODEL_SUBNET;
			return true;
		}
		if (n != 10)
			goto no_path;
		if (field_check_name(r->segs[9], "name", &err) != 0) {
			api_reply_error(r, &err);
			return false;
		}
		rt->kind = API_ROUTE_RESOURCE;
		rt->type = rt->id.type = MODEL_SUBNET;
		copy(rt->id.child, sizeof(rt->id.child), r->segs[9]);
		return true;
	}
	if (n == 9 || n == 10) {
		rt->kind = API_ROUTE_ACTION;
		rt->action = r->segs[8];
		rt->subaction = n == 10 ? r->segs[9] : NULL;
		return true;
	}
no_path:
	api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	return false;
}

static void handle_tenant(struct api_req *r)
{
	const char *v;
	struct api_route rt;

	/* Before anything else about the path: a subscription this caller cannot reach is
	 * answered exactly as one that does not exist. */
	if (!sub_id_valid(r->segs[1]) || !auth_may_access(&r->who, r->segs[1]) ||
	    mgmt_ops_sub_exists(r->store, r->segs[1]) != 0) {
		api_reply_fail(r, MGMT_E_SUBSCRIPTION_NOT_FOUND, "",
			       "The subscription '%.64s' could not be found.", r->segs[1]);
		return;
	}
	v = api_query(r, "api-version");
	if (!v) {
		api_reply_fail(r, MGMT_E_MISSING_API_VERSION, "api-version",
			       "The api-version query parameter is required; use api-version="
			       "%s.",
			       MODEL_API_VERSION);
		return;
	}
	if (strcmp(v, MODEL_API_VERSION) != 0) {
		api_reply_fail(r, MGMT_E_INVALID_API_VERSION, "api-version",
			       "The api-version '%.40s' is not supported; use %s.", v,
			       MODEL_API_VERSION);
		return;
	}
	if (!route_tenant(r, &rt))
		return;
	switch (rt.kind) {
	case API_ROUTE_RESOURCE:
		api_resource_handle(r, &rt);
		break;
	case API_ROUTE_LIST_RG:
	case API_ROUTE_LIST_SUB:
	case API_ROUTE_LIST_SUBNETS:
		api_list_handle(r, &rt);
		break;
	case API_ROUTE_ACTION:
		if (rt.type == MODEL_VGW)
			api_vgw_action(r, &rt);
		else if (rt.type == MODEL_CONN)
			api_conn_action(r, &rt);
		else
			api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
		break;
	}
}

static void log_request(struct api_req *r, const char *path, const struct timespec *t0)
{
	struct timespec t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
	/* The path and the outcome; bodies and tokens never reach the log. */
	if (r->status >= 500)
		log_err("Mgmt", "%s %.300s -> %d %s (%ld ms)", api_method_name(r->method), path,
			r->status, r->error_code ? r->error_code : "", ms);
	else
		log_info("Mgmt", "%s %.300s -> %d%s%s (%ld ms)%s", api_method_name(r->method), path,
			 r->status, r->error_code ? " " : "", r->error_code ? r->error_code : "",
			 ms, r->who.admin ? " [admin]" : "");
}

static void api_handle(struct evhttp_request *req, void *arg)
{
	struct api_listener *l = arg;
	struct api_server *srv = l->srv;
	struct api_req r = {.srv = srv, .store = srv->cfg.store, .req = req};
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct timespec t0;
	size_t len = evbuffer_get_length(in);
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	TAILQ_INIT(&r.query);
	r.method = evhttp_request_get_command(req);
	if (!path)
		path = "/";
	if (query && evhttp_parse_query_str(query, &r.query) != 0) {
		api_reply_fail(&r, MGMT_E_INVALID_REQUEST_FORMAT, "", "The query is malformed.");
		goto out;
	}
	if (len > srv->cfg.max_body) {
		api_reply_fail(&r, MGMT_E_TOO_LARGE, "",
			       "The request body has %zu bytes; at most %zu are accepted.", len,
			       srv->cfg.max_body);
		goto out;
	}
	r.body = malloc(len + 1);
	if (!r.body) {
		api_reply_fail(&r, MGMT_E_INTERNAL, "", "Out of memory.");
		goto out;
	}
	evbuffer_remove(in, r.body, len);
	r.body[len] = '\0';
	r.body_len = len;
	if (auth_resolve(r.store, srv->admin_hash, l->local, api_header(&r, "Authorization"),
			 &r.who) != 0) {
		api_reply_fail(&r, MGMT_E_AUTHENTICATION_FAILED, "",
			       "A valid bearer token is required (Authorization: Bearer <token>).");
		goto out;
	}
	split_path(&r, path);
	if (r.nsegs >= 1 && r.nsegs <= API_MAX_SEGS && seg_is(&r, 0, "admin")) {
		if (!r.who.admin)
			api_reply_fail(&r, MGMT_E_AUTHENTICATION_FAILED, "",
				       "The operator's admin token is required here.");
		else
			api_admin_handle(&r);
	} else if (r.nsegs >= 2 && r.nsegs <= API_MAX_SEGS && seg_is(&r, 0, "subscriptions")) {
		handle_tenant(&r);
	} else {
		api_reply_fail(&r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
out:
	log_request(&r, path, &t0);
	if (r.body) {
		/* Bodies may hold shared keys. */
		explicit_bzero(r.body, r.body_len);
		free(r.body);
	}
	for (i = 0; i < r.nsegs && i < API_MAX_SEGS; i++)
		free(r.segs[i]);
	evhttp_clear_headers(&r.query);
}

static int listener_init(struct api_server *srv, struct api_listener *l, bool local)
{
	l->srv = srv;
	l->local = local;
	l->http = evhttp_new(srv->base);
	if (!l->http)
		return -ENOMEM;
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST |
						    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
						    EVHTTP_REQ_HEAD);
	evhttp_set_max_body_size(l->http, API_HARD_MAX_BODY);
	evhttp_set_max_headers_size(l->http, 64 * 1024);
	evhttp_set_timeout(l->http, 30);
	evhttp_set_gencb(l->http, api_handle, l);
	return 0;
}

struct api_server *api_server_new(struct event_base *base, const struct api_config *cfg)
{
	struct api_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->base = base;
	srv->cfg = *cfg;
	if (!srv->cfg.max_body)
		srv->cfg.max_body = API_MAX_BODY;
	snprintf(srv->admin_hash, sizeof(srv->admin_hash), "%s",
		 cfg->admin_hash_hex ? cfg->admin_hash_hex : "");
	srv->cfg.admin_hash_hex = srv->admin_hash;
	return srv;
}

int api_server_listen_tcp(struct api_server *srv, const char *addr, uint16_t port)
{
	struct evhttp_bound_socket *h;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int r;

	if (!srv->tcp.http && (r = listener_init(srv, &srv->tcp, false)) != 0)
		return r;
	h = evhttp_bind_socket_with_handle(srv->tcp.http, addr, port);
	if (!h)
		return -EADDRNOTAVAIL;
	if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			srv->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			srv->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

uint16_t api_server_port(const struct api_server *srv)
{
	return srv->port;
}

int api_server_listen_unix(struct api_server *srv, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if (!srv->unix_sock.http && (r = listener_init(srv, &srv->unix_sock, true)) != 0)
		return r;
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
	if (evhttp_accept_socket(srv->unix_sock.http, fd) != 0) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	snprintf(srv->unix_path, sizeof(srv->unix_path), "%s", path);
	return 0;
}

void api_server_free(struct api_server *srv)
{
	if (!srv)
		return;
	if (srv->tcp.http)
		evhttp_free(srv->tcp.http);
	if (srv->unix_sock.http)
		evhttp_free(srv->unix_sock.http);
	if (srv->unix_path[0])
		unlink(srv->unix_path);
	free(srv);
}
