/* SPDX-License-Identifier: MIT */
/*
 * router: ARM paths (docs/api.md) to the resource, list and action handlers, and /admin to the
 * operator's. A tenant asking for another subscription gets exactly what a missing one gets,
 * decided before anything else about the path is looked at. Path segments are percent-decoded
 * one by one; one that decodes to a NUL or a slash is no name we could have issued.
 */
#include <errno.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mgmt/api/internal.h"
#include "mgmt/api/server_internal.h"
#include "mgmt/model/field.h"
#include "mgmt/ops_internal.h"

const char *api_method_name(enum http_method m)
{
	switch (m) {
	case HTTP_M_GET:
		return "GET";
	case HTTP_M_PUT:
		return "PUT";
	case HTTP_M_POST:
		return "POST";
	case HTTP_M_DELETE:
		return "DELETE";
	case HTTP_M_PATCH:
		return "PATCH";
	case HTTP_M_HEAD:
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
	return http_req_header(r->hr, name);
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
	model_id_format(&rt->id, r->resource, sizeof(r->resource));
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
		model_id_format(&rt->id, r->resource, sizeof(r->resource));
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
	int rc = 0;

	/* Before anything else about the path: a subscription this caller cannot reach is
	 * answered exactly as one that does not exist. */
	if (sub_id_valid(r->segs[1]) && auth_may_access(&r->who, r->segs[1]))
		rc = mgmt_ops_sub_exists(r->mgmt, r->segs[1]);
	if (rc && rc != -ENOENT) {
		struct mgmt_error err = {0};

		mgmt_ops_store_err(r->mgmt->store, &err);
		api_reply_error(r, &err);
		return;
	}
	if (!sub_id_valid(r->segs[1]) || !auth_may_access(&r->who, r->segs[1]) || rc) {
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

void api_route(struct api_req *r)
{
	split_path(r, r->path);
	if (r->nsegs == 1 && (seg_is(r, 0, "metrics") || seg_is(r, 0, "healthz") ||
			      seg_is(r, 0, "readyz"))) {
		api_ops_handle(r);
	} else if (r->nsegs >= 1 && r->nsegs <= API_MAX_SEGS && seg_is(r, 0, "admin")) {
		if (!r->who.admin)
			api_reply_fail(r, MGMT_E_AUTHENTICATION_FAILED, "",
				       "The operator's admin token is required here.");
		else
			api_admin_handle(r);
	} else if (r->nsegs >= 2 && r->nsegs <= API_MAX_SEGS && seg_is(r, 0, "subscriptions")) {
		handle_tenant(r);
	} else {
		api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
}

void api_req_clear(struct api_req *r)
{
	for (int i = 0; i < r->nsegs && i < API_MAX_SEGS; i++)
		free(r->segs[i]);
	r->nsegs = 0;
	evhttp_clear_headers(&r->query);
}
