/* SPDX-License-Identifier: MIT */
/*
 * conn: the connection's actions -- the shared key's own endpoints (GET and PUT sharedkey, POST
 * sharedkey/reset), the only place a key is ever returned, and vpndeviceconfigurationscript.
 */
#include <string.h>
#include <strings.h>

#include "mgmt/api/internal.h"

void api_conn_action(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	int rc;

	if (strcasecmp(rt->action, "sharedkey") == 0 && !rt->subaction) {
		if (r->method == EVHTTP_REQ_GET)
			rc = mgmt_ops_shared_key_get(r->store, &rt->id, &res, &err);
		else if (r->method == EVHTTP_REQ_PUT)
			rc = mgmt_ops_shared_key_set(r->store, &rt->id, r->body, r->body_len, &res,
						     &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (strcasecmp(rt->action, "sharedkey") == 0 &&
		   strcasecmp(rt->subaction, "reset") == 0) {
		if (r->method != EVHTTP_REQ_POST)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_shared_key_reset(r->store, &rt->id, r->body, r->body_len, &res, &err);
	} else if (strcasecmp(rt->action, "vpndeviceconfigurationscript") == 0 && !rt->subaction) {
		if (r->method != EVHTTP_REQ_POST)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_get(r->store, &rt->id, &res, &err);
		if (!rc) {
			mgmt_result_clear(&res);
			return api_reply_fail(r, MGMT_E_NOT_IMPLEMENTED, "",
					      "Device configuration scripts arrive with issue 6.");
		}
	} else {
		return api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
	api_reply_ops(r, rc, &res, &err);
}
