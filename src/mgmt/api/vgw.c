/* SPDX-License-Identifier: MIT */
/*
 * vgw: the virtual network gateway's actions (SPEC §5): reset, and the BGP views
 * getBgpPeerStatus, getLearnedRoutes and getAdvertisedRoutes (POST, as ARM has them).
 */
#include <string.h>
#include <strings.h>

#include "mgmt/api/internal.h"

void api_vgw_action(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	struct model_id id = rt->id;
	int rc;

	if (rt->subaction) {
		api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
		return;
	}
	if (strcasecmp(rt->action, "reset") == 0) {
		if (r->method != HTTP_M_POST) {
			api_reply_method_not_allowed(r);
			return;
		}
		rc = mgmt_ops_vgw_reset(r->mgmt, &id, &res, &err);
	} else if (strcasecmp(rt->action, "getBgpPeerStatus") == 0 ||
		   strcasecmp(rt->action, "getLearnedRoutes") == 0 ||
		   strcasecmp(rt->action, "getAdvertisedRoutes") == 0) {
		if (r->method != HTTP_M_POST && r->method != HTTP_M_GET) {
			api_reply_method_not_allowed(r);
			return;
		}
		rc = mgmt_ops_vgw_routes(r->mgmt, &id, &res, &err);
	} else {
		api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
		return;
	}
	api_reply_ops(r, rc, &res, &err);
}
