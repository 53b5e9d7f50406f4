/* SPDX-License-Identifier: MIT */
/*
 * api internals: one request as the handlers see it (method, decoded path segments, query, body,
 * caller), the parsed route of a tenant path, and the reply helpers every handler answers with.
 */
#ifndef VNETGW_MGMT_API_INTERNAL_H
#define VNETGW_MGMT_API_INTERNAL_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>

#include "mgmt/api/api.h"
#include "mgmt/api/http.h"
#include "mgmt/auth.h"
#include "mgmt/model/model.h"
#include "mgmt/ops.h"

#define API_MAX_SEGS 14

/* One request as the handlers see it (built once its body is in). */
struct api_req {
	struct api_server *srv;
	const struct mgmt *mgmt;
	struct http_req *hr;
	enum http_method method;
	const char *path; /* the raw path, before '?' */
	char *segs[API_MAX_SEGS];
	int nsegs;
	struct evkeyvalq query;
	const char *body; /* "" when none */
	size_t body_len;
	struct auth_principal who;
	int status; /* what was answered, for the access and audit logs */
	const char *error_code;
	/* The resource (or operator object) the request is about, for the audit log. */
	char resource[MODEL_ID_MAX];
};

enum api_route_kind {
	API_ROUTE_RESOURCE,	/* {base}/{type}/{name}, {base}/virtualNetworks/{v}/subnets/{n} */
	API_ROUTE_LIST_RG,	/* {base}/{type} */
	API_ROUTE_LIST_SUB,	/* /subscriptions/{s}/providers/Microsoft.Network/{type} */
	API_ROUTE_LIST_SUBNETS, /* {base}/virtualNetworks/{v}/subnets */
	API_ROUTE_ACTION,	/* {base}/{type}/{name}/{action}[/{sub-action}] */
};

struct api_route {
	enum api_route_kind kind;
	enum model_type type;
	struct model_id id; /* sub, rg, type, name (child) as the path gives them */
	const char *action; /* ACTION: "reset", "sharedkey", ... */
	const char *subaction;
};

const char *api_method_name(enum http_method m);
const char *api_query(struct api_req *r, const char *key);
const char *api_header(struct api_req *r, const char *name);

/* A field of the answer (before a reply). */
void api_add_header(struct api_req *r, const char *name, const char *value);
/* Replies; each sets r->status and carries x-ms-request-id. json is borrowed. */
void api_reply_json(struct api_req *r, int status, json_t *json);
void api_reply_text(struct api_req *r, int status, const char *content_type, const char *text,
		    size_t len);
void api_reply_empty(struct api_req *r, int status);
void api_reply_error(struct api_req *r, const struct mgmt_error *err);
void api_reply_fail(struct api_req *r, enum mgmt_err_code code, const char *target, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
/* Answers an ops result: the body (or none for 204), or the error. */
void api_reply_ops(struct api_req *r, int rc, struct mgmt_result *res,
		   const struct mgmt_error *err);
void api_reply_method_not_allowed(struct api_req *r);

/* The live status of a connection (the service's snapshot; NotConnected when none). */
void api_server_conn_status(const struct api_server *srv, const char *conn_id,
			    struct api_conn_status *out);
/* The other live hooks (api.h), or their "no gateway here" answers. */
size_t api_server_conn_events(const struct api_server *srv, const char *conn_id, uint64_t after,
			      struct api_event *out, size_t max, uint64_t *dropped);
json_t *api_server_bgp_view(const struct api_server *srv, const char *vgw_id, char *why, size_t n);
char *api_server_metrics(const struct api_server *srv);
bool api_server_ready(const struct api_server *srv, char *why, size_t n);
/* "/healthz" or "/readyz" (a query allowed): answered without a token. */
bool api_is_probe(const char *target);
/* GET /metrics (admin), /healthz, /readyz. */
void api_ops_handle(struct api_req *r);

/* A connection's body (or a list's "value") with its live status filled in (api_conn_status). */
void api_conn_report(struct api_req *r, json_t *conn);
void api_conn_report_list(struct api_req *r, json_t *list);

/* Handlers. */
void api_admin_handle(struct api_req *r);
void api_resource_handle(struct api_req *r, const struct api_route *rt);
void api_list_handle(struct api_req *r, const struct api_route *rt);
void api_vgw_action(struct api_req *r, const struct api_route *rt);
void api_conn_action(struct api_req *r, const struct api_route *rt);

#endif
