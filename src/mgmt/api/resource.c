/* SPDX-License-Identifier: MIT */
/*
 * resource: PUT, GET, DELETE and PATCH (tags) of every resource type, and their lists at
 * resource-group and subscription level with ARM's paging ({"value":[...],"nextLink":...},
 * continued with $skiptoken). The per-type rules are the model's; this file maps HTTP onto ops.
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/api/internal.h"

static void precond(struct api_req *r, struct mgmt_precond *pre)
{
	pre->if_match = api_header(r, "If-Match");
	pre->if_none_match = api_header(r, "If-None-Match");
}

void api_resource_handle(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	struct mgmt_precond pre;
	int rc;

	precond(r, &pre);
	switch (r->method) {
	case HTTP_M_GET:
		rc = mgmt_ops_get(r->mgmt, &rt->id, &res, &err);
		break;
	case HTTP_M_PUT:
		rc = mgmt_ops_put(r->mgmt, &rt->id, r->body, r->body_len, &pre, &res, &err);
		break;
	case HTTP_M_DELETE:
		rc = mgmt_ops_delete(r->mgmt, &rt->id, &pre, &res, &err);
		break;
	case HTTP_M_PATCH:
		rc = mgmt_ops_patch_tags(r->mgmt, &rt->id, r->body, r->body_len, &pre, &res, &err);
		break;
	default:
		api_reply_method_not_allowed(r);
		return;
	}
	if (!rc && rt->id.type == MODEL_CONN && res.body)
		api_conn_report(r, res.body);
	api_reply_ops(r, rc, &res, &err);
}

/* nextLink: the same list from the next page on, absolute as ARM clients expect. */
static char *next_link(struct api_req *r, const char *token, int top)
{
	const char *host = api_header(r, "Host");
	char *enc = evhttp_encode_uri(token), *out = NULL;
	char topq[32] = "";

	if (!enc)
		return NULL;
	if (top > 0)
		snprintf(topq, sizeof(topq), "&$top=%d", top);
	if (asprintf(&out, "%s%s%s?api-version=%s%s&$skiptoken=%s", host ? "http://" : "",
		     host ? host : "", r->path, MODEL_API_VERSION, topq, enc) < 0)
		out = NULL;
	free(enc);
	return out;
}

void api_list_handle(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	const char *top_s = api_query(r, "$top"), *skip = api_query(r, "$skiptoken");
	int top = 0, rc;

	if (r->method != HTTP_M_GET) {
		api_reply_method_not_allowed(r);
		return;
	}
	if (top_s) {
		char *end;
		long v = strtol(top_s, &end, 10);

		if (*end || v < 1 || v > 1000) {
			api_reply_fail(r, MGMT_E_INVALID_VALUE, "$top",
				       "$top must be an integer from 1 to 1000.");
			return;
		}
		top = (int)v;
	}
	rc = mgmt_ops_list(r->mgmt, rt->type, rt->id.sub,
			   rt->kind == API_ROUTE_LIST_RG ? rt->id.rg : NULL, &rt->id, skip, top,
			   &res, &err);
	if (!rc && rt->type == MODEL_CONN)
		api_conn_report_list(r, json_object_get(res.body, "value"));
	if (!rc && res.next[0]) {
		char *link = next_link(r, res.next, top);

		if (link)
			json_object_set_new(res.body, "nextLink", json_string(link));
		free(link);
	}
	api_reply_ops(r, rc, &res, &err);
}
