/* SPDX-License-Identifier: MIT */
/*
 * conn: connections between a VPN gateway and a local network gateway. IPsec only, route-based
 * (SPEC §2 rule 2), BGP only where the gateway has it (rule 5), one connection per remote IP in
 * the deployment (rule 9) and the deployment-wide tunnel limit of the gateway's SKU (rule 8),
 * both answered without revealing another tenant. The sharedKey is write-only: it leaves the
 * body here and is kept apart by the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

/* Who starts the IKE SA (the property of later ARM versions): Default, both sides may. */
static const char *const conn_modes[] = {"Default", "InitiatorOnly", "ResponderOnly", NULL};

int model_conn_parse(json_t *in, json_t *props, char **shared_key, struct mgmt_error *err)
{
	json_t *gw = NULL, *lgw = NULL;
	const char *type, *key, *mode = NULL;
	bool bgp = false, policy_ts = false;
	json_int_t weight = 0, dpd = MODEL_DEFAULT_DPD;
	int r;

	r = field_get_string(in, "properties", "connectionType", true, 64, &type, err);
	if (r)
		return r;
	if (strcasecmp(type, "IPsec") != 0)
		return mgmt_fail(err, MGMT_E_CONNECTION_TYPE, "properties.connectionType",
				 "The connection type '%.64s' is not supported: only IPsec "
				 "(site-to-site) connections are offered.",
				 type);
	r = model_parse_ref(in, "properties", "virtualNetworkGateway1", MODEL_VGW, &gw, err);
	if (r)
		return r;
	json_object_set_new(props, "connectionType", json_string("IPsec"));
	json_object_set_new(props, "virtualNetworkGateway1", gw);
	r = model_parse_ref(in, "properties", "localNetworkGateway2", MODEL_LGW, &lgw, err);
	if (r)
		return r;
	json_object_set_new(props, "localNetworkGateway2", lgw);
	r = field_get_string(in, "properties", "sharedKey", false, 1024, &key, err);
	if (!r && key)
		r = model_check_shared_key(key, "properties.sharedKey", err);
	if (!r)
		r = field_get_bool(in, "properties", "enableBgp", &bgp, err);
	if (!r)
		r = field_get_bool(in, "properties", "usePolicyBasedTrafficSelectors", &policy_ts,
				   err);
	if (!r)
		r = field_get_int(in, "properties", "routingWeight", false, 0, 32000, &weight, err);
	/* SPEC §3: dead peer detection timeout, 9-3600 s, 45 by default. */
	if (!r)
		r = field_get_int(in, "properties", "dpdTimeoutSeconds", false, 9, 3600, &dpd, err);
	if (!r)
		r = field_get_enum(in, "properties", "connectionMode", false, conn_modes, &mode,
				   err);
	if (r)
		return r;
	if (policy_ts)
		return mgmt_fail(err, MGMT_E_POLICY_BASED_TS,
				 "properties.usePolicyBasedTrafficSelectors",
				 "Policy-based traffic selectors are not supported: gateways are "
				 "route-based.");
	r = model_ipsec_policies_parse(in, props, err);
	if (r)
		return r;
	json_object_set_new(props, "enableBgp", json_boolean(bgp));
	json_object_set_new(props, "usePolicyBasedTrafficSelectors", json_false());
	json_object_set_new(props, "routingWeight", json_integer(weight));
	json_object_set_new(props, "dpdTimeoutSeconds", json_integer(dpd));
	json_object_set_new(props, "connectionMode", json_string(mode ? mode : "Default"));
	/* Read-only: the running gateway reports these (issue 6); stored as "nothing yet". */
	json_object_set_new(props, "connectionStatus", json_string("Unknown"));
	json_object_set_new(props, "tunnelConnectionStatus", json_array());
	json_object_set_new(props, "ingressBytesTransferred", json_integer(0));
	json_object_set_new(props, "egressBytesTransferred", json_integer(0));
	if (key) {
		*shared_key = strdup(key);
		if (!*shared_key)
			return -ENOMEM;
	}
	return 0;
}

int model_conn_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	json_t *props = json_object_get(res, "properties"), *gw = NULL, *lgw = NULL, *gp, *lp;
	const char *sku_name, *ip;
	enum model_sku sku;
	bool aa;
	unsigned limit, need;
	int n, r;

	r = model_resolve_ref(ctx, json_object_get(props, "virtualNetworkGateway1"), MODEL_VGW,
			      "properties.virtualNetworkGateway1.id", &gw, err);
	if (!r)
		r = model_resolve_ref(ctx, json_object_get(props, "localNetworkGateway2"),
				      MODEL_LGW, "properties.localNetworkGateway2.id", &lgw, err);
	if (r)
		goto out;
	gp = json_object_get(gw, "properties");
	lp = json_object_get(lgw, "properties");
	sku_name = json_string_value(json_object_get(json_object_get(gp, "sku"), "name"));
	if (model_sku_from_name(sku_name, &sku) != 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The stored gateway has no SKU.");
		goto out;
	}
	aa = json_is_true(json_object_get(gp, "activeActive"));
	if (json_is_true(json_object_get(props, "enableBgp"))) {
		if (sku == MODEL_SKU_BASIC)
			r = mgmt_fail(err, MGMT_E_BGP_ON_BASIC, "properties.enableBgp",
				      "BGP is not supported on connections of a Basic gateway.");
		else if (!json_is_true(json_object_get(gp, "enableBgp")))
			r = mgmt_fail(err, MGMT_E_BGP_NOT_ON_GATEWAY, "properties.enableBgp",
				      "The gateway '%s' does not have BGP enabled.",
				      json_string_value(json_object_get(gw, "name")));
		else if (!json_object_get(lp, "bgpSettings"))
			r = mgmt_fail(err, MGMT_E_BGP_SETTINGS_MISSING, "properties.enableBgp",
				      "The local network gateway '%s' has no bgpSettings (ASN and "
				      "peering address).",
				      json_string_value(json_object_get(lgw, "name")));
		if (r)
			goto out;
	}
	if (!old) {
		r = model_check_quota(ctx, MODEL_CONN, "", err);
		if (r)
			goto out;
	}
	if (json_array_size(json_object_get(props, "ipsecPolicies")) && sku == MODEL_SKU_BASIC) {
		r = mgmt_fail(err, MGMT_E_IPSEC_POLICY_ON_BASIC, "properties.ipsecPolicies",
			      "Custom IPsec policies are not supported on the Basic SKU.");
		goto out;
	}
	/* Rule 9: all gateways share one public IP, so IKE tells connections apart by the peer's
	 * address. The message is the same whoever holds the address. */
	ip = json_string_value(json_object_get(lp, "gatewayIpAddress"));
	n = ctx->view->count_conn_ip(ctx->view->ctx, ip, ctx->id);
	if (n < 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		goto out;
	}
	if (n > 0) {
		r = mgmt_fail(err, MGMT_E_REMOTE_IP_IN_USE, "properties.localNetworkGateway2.id",
			      "A connection to %s already exists in this deployment; only one "
			      "connection per remote IP address is possible.",
			      ip);
		goto out;
	}
	/* Rule 8: counted across all subscriptions; active-active takes a tunnel per instance. */
	n = ctx->view->tunnels_used(ctx->view->ctx, sku_name, NULL, ctx->id);
	if (n < 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		goto out;
	}
	limit = model_settings_tunnel_limit(ctx->view->settings, sku);
	need = aa ? 2 : 1;
	if ((unsigned)n + need > limit)
		r = mgmt_fail(err, MGMT_E_TUNNEL_LIMIT, "properties.virtualNetworkGateway1.id",
			      "The deployment's limit of %u IPsec tunnels for %s gateways is "
			      "reached; this connection needs %u more.",
			      limit, sku_name, need);
out:
	json_decref(gw);
	json_decref(lgw);
	return r;
}
