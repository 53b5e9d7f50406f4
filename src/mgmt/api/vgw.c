/* SPDX-License-Identifier: MIT */
/*
 * vgw: the virtual network gateway's actions (SPEC §5): reset, and the BGP views
 * getBgpPeerStatus[?peer=], getLearnedRoutes and getAdvertisedRoutes?peer= (POST as ARM has
 * them; GET too), answered from the running speaker's view (the service publishes it; the API
 * never looks into the gateway). A gateway without BGP is told so, never an empty list.
 */
#include <string.h>
#include <strings.h>

#include "mgmt/api/internal.h"

/* The rows of arr whose member key is value (all when value is NULL): a new array. */
static json_t *rows_where(json_t *arr, const char *key, const char *value)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));

		if (!value || (s && strcasecmp(s, value) == 0))
			json_array_append(out, v);
	}
	return out;
}

static void bgp_view(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	const char *peer = api_query(r, "peer"), *gw;
	char why[256] = "";
	json_t *view, *value;
	int rc;

	rc = mgmt_ops_get(r->mgmt, &rt->id, &res, &err);
	if (rc)
		return api_reply_ops(r, rc, &res, &err);
	gw = json_string_value(json_object_get(res.body, "name"));
	if (!json_is_true(json_object_get(json_object_get(res.body, "properties"), "enableBgp"))) {
		api_reply_fail(r, MGMT_E_BGP_NOT_ON_GATEWAY, "properties.enableBgp",
			       "The gateway '%s' does not have BGP enabled: it has no BGP peers or "
			       "routes.",
			       gw ? gw : "");
		json_decref(res.body);
		return;
	}
	json_decref(res.body);
	if (strcasecmp(rt->action, "getAdvertisedRoutes") == 0 && (!peer || !*peer))
		return api_reply_fail(r, MGMT_E_MISSING_PROPERTY, "peer",
				      "getAdvertisedRoutes needs the peer query parameter: the BGP "
				      "peer's address (getBgpPeerStatus lists them).");
	view = api_server_bgp_view(r->srv, r->resource, why, sizeof(why));
	if (!view)
		return api_reply_fail(r, MGMT_E_GATEWAY_NOT_RUNNING, "",
				      "The gateway's BGP speaker is not running: %s.", why);
	if (strcasecmp(rt->action, "getBgpPeerStatus") == 0) {
		value = rows_where(json_object_get(view, "peers"), "neighbor",
				   peer && *peer ? peer : NULL);
	} else if (strcasecmp(rt->action, "getLearnedRoutes") == 0) {
		value = json_incref(json_object_get(view, "learned"));
	} else {
		json_t *adv = json_object_get(json_object_get(view, "advertised"), peer);

		if (!adv) {
			json_decref(view);
			return api_reply_fail(r, MGMT_E_INVALID_VALUE, "peer",
					      "'%.64s' is not a BGP peer of this gateway "
					      "(getBgpPeerStatus lists them).",
					      peer);
		}
		value = json_incref(adv);
	}
	json_decref(view);
	json_t *body = json_pack("{s:o}", "value", value ? value : json_array());

	api_reply_json(r, 200, body);
	json_decref(body);
}

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
		bgp_view(r, rt);
		return;
	} else {
		api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
		return;
	}
	api_reply_ops(r, rc, &res, &err);
}
