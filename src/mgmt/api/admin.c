/* SPDX-License-Identifier: MIT */
/*
 * admin: the operator's endpoints (docs/api.md): subscriptions and their tokens (created,
 * listed without the secret, revoked), and the deployment settings (public IP pool, tunnel
 * limits, quotas, shortest shared key, API rate). Reached with the admin token or
 * on the local Unix socket; take no api-version.
 */
#include <string.h>

#include "mgmt/api/internal.h"

void api_admin_handle(struct api_req *r)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	enum http_method m = r->method;
	int rc;

	if (r->nsegs == 2 && strcmp(r->segs[1], "subscriptions") == 0) {
		if (m == HTTP_M_POST)
			rc = mgmt_ops_sub_create(r->mgmt, r->body, r->body_len, &res, &err);
		else if (m == HTTP_M_GET)
			rc = mgmt_ops_sub_list(r->mgmt, &res, &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (r->nsegs == 3 && strcmp(r->segs[1], "subscriptions") == 0) {
		if (m != HTTP_M_DELETE)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_sub_delete(r->mgmt, r->segs[2], &res, &err);
	} else if (r->nsegs == 4 && strcmp(r->segs[1], "subscriptions") == 0 &&
		   strcmp(r->segs[3], "tokens") == 0) {
		if (m == HTTP_M_POST)
			rc = mgmt_ops_sub_token(r->mgmt, r->segs[2], r->body, r->body_len, &res,
						&err);
		else if (m == HTTP_M_GET)
			rc = mgmt_ops_token_list(r->mgmt, r->segs[2], &res, &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (r->nsegs == 5 && strcmp(r->segs[1], "subscriptions") == 0 &&
		   strcmp(r->segs[3], "tokens") == 0) {
		if (m != HTTP_M_DELETE)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_token_revoke(r->mgmt, r->segs[2], r->segs[4], &res, &err);
	} else if (r->nsegs == 2 && strcmp(r->segs[1], "settings") == 0) {
		if (m == HTTP_M_GET)
			rc = mgmt_ops_settings_get(r->mgmt, &res, &err);
		else if (m == HTTP_M_PATCH)
			rc = mgmt_ops_settings_patch(r->mgmt, r->body, r->body_len, &res, &err);
		else
			return api_reply_method_not_allowed(r);
	} else {
		return api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
	api_reply_ops(r, rc, &res, &err);
}
