/* SPDX-License-Identifier: MIT */
/*
 * admin: the operator's endpoints (docs/api.md): subscriptions and their tokens, and the
 * deployment settings (public IP pool, tunnel limits per SKU). Reached with the admin token or
 * on the local Unix socket; take no api-version.
 */
#include <string.h>

#include "mgmt/api/internal.h"

void api_admin_handle(struct api_req *r)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	enum evhttp_cmd_type m = r->method;
	int rc;

	if (r->nsegs == 2 && strcmp(r->segs[1], "subscriptions") == 0) {
		if (m == EVHTTP_REQ_POST)
			rc = mgmt_ops_sub_create(r->store, r->body, r->body_len, &res, &err);
		else if (m == EVHTTP_REQ_GET)
			rc = mgmt_ops_sub_list(r->store, &res, &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (r->nsegs == 3 && strcmp(r->segs[1], "subscriptions") == 0) {
		if (m != EVHTTP_REQ_DELETE)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_sub_delete(r->store, r->segs[2], &res, &err);
	} else if (r->nsegs == 4 && strcmp(r->segs[1], "subscriptions") == 0 &&
		   strcmp(r->segs[3], "tokens") == 0) {
		if (m != EVHTTP_REQ_POST)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_sub_token(r->store, r->segs[2], &res, &err);
	} else if (r->nsegs == 2 && strcmp(r->segs[1], "settings") == 0) {
		if (m == EVHTTP_REQ_GET)
			rc = mgmt_ops_settings_get(r->store, &res, &err);
		else if (m == EVHTTP_REQ_PATCH)
			rc = mgmt_ops_settings_patch(r->store, r->body, r->body_len, &res, &err);
		else
			return api_reply_method_not_allowed(r);
	} else {
		return api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
	api_reply_ops(r, rc, &res, &err);
}
