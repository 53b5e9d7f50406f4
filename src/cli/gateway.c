/* SPDX-License-Identifier: MIT */
/*
 * gateway: `vnetgw vnet-gateway create|show|list|delete|reset|list-learned-routes|
 * list-bgp-peer-status|list-advertised-routes`, as `az network vnet-gateway`
 * (virtualNetworkGateways, SPEC §2 and §5). The gateway's IP configurations name the VNet's
 * GatewaySubnet and one public IP each (two make it active-active, as az does).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_column gw_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"Location", "location", CLI_COL_VALUE},
	{"GatewayType", "properties.gatewayType", CLI_COL_VALUE},
	{"VpnType", "properties.vpnType", CLI_COL_VALUE},
	{"Sku", "properties.sku.name", CLI_COL_VALUE},
	{"ActiveActive", "properties.activeActive", CLI_COL_VALUE},
	{"EnableBgp", "properties.enableBgp", CLI_COL_VALUE},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view gw_view = {gw_cols};

static const struct cli_column route_cols[] = {
	{"Network", "network", CLI_COL_VALUE},
	{"NextHop", "nextHop", CLI_COL_VALUE},
	{"Origin", "origin", CLI_COL_VALUE},
	{"SourcePeer", "sourcePeer", CLI_COL_VALUE},
	{"AsPath", "asPath", CLI_COL_VALUE},
	{"Weight", "weight", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view route_view = {route_cols};

static const struct cli_column peer_cols[] = {
	{"Neighbor", "neighbor", CLI_COL_VALUE},
	{"Asn", "asn", CLI_COL_VALUE},
	{"State", "state", CLI_COL_VALUE},
	{"ConnectedDuration", "connectedDuration", CLI_COL_VALUE},
	{"RoutesReceived", "routesReceived", CLI_COL_VALUE},
	{"MessagesSent", "messagesSent", CLI_COL_VALUE},
	{"MessagesReceived", "messagesReceived", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view peer_view = {peer_cols};

#define FLAG_ASN                                                                                   \
	{                                                                                          \
		"--asn", NULL, CLI_FLAG_INT, 0, NULL, 1, 4294967295LL,                             \
			"The gateway's BGP autonomous system number (enables BGP)."                \
	}
#define FLAG_BGP_ADDR                                                                              \
	{                                                                                          \
		"--bgp-peering-address", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,                        \
			"The gateway's BGP peering address (enables BGP)."                         \
	}
#define FLAG_PEER_WEIGHT                                                                           \
	{                                                                                          \
		"--peer-weight", NULL, CLI_FLAG_INT, 0, NULL, 0, 100,                              \
			"Weight added to routes learned over BGP."                                 \
	}

static const struct cli_flag create_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("VPN gateway"),
	{"--vnet", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name or id of the virtual network (with a GatewaySubnet) the gateway serves."},
	{"--public-ip-addresses", NULL, CLI_FLAG_LIST, CLI_REQUIRED, NULL, 0, 0,
	 "Names or ids of one public IP address, or two for an active-active gateway."},
	{"--gateway-type", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Gateway type (default: Vpn; the only one offered)."},
	{"--vpn-type", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "VPN routing type (default: RouteBased; the only one offered)."},
	{"--sku", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Basic, Standard or HighPerformance (default: Basic)."},
	FLAG_ASN,
	FLAG_BGP_ADDR,
	FLAG_PEER_WEIGHT,
	CLI_FLAG_LOCATION,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag update_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("VPN gateway"),
	{"--sku", NULL, CLI_FLAG_STR, 0, NULL, 0, 0, "Basic, Standard or HighPerformance."},
	{"--enable-bgp", NULL, CLI_FLAG_BOOL, 0, NULL, 0, 0, "Run BGP (not on Basic)."},
	FLAG_ASN,
	FLAG_BGP_ADDR,
	FLAG_PEER_WEIGHT,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag named_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("VPN gateway"),
	CLI_FLAG_END,
};

static const struct cli_flag list_flags[] = {
	CLI_FLAG_RG_LIST,
	CLI_FLAG_END,
};

static const struct cli_flag peer_status_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("VPN gateway"),
	{"--peer", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "The BGP peer's address (default: every peer)."},
	CLI_FLAG_END,
};

static const struct cli_flag advertised_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("VPN gateway"),
	{"--peer", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0, "The BGP peer's address."},
	CLI_FLAG_END,
};

static json_t *ip_config(const char *name, const char *subnet_id, const char *pip_id)
{
	json_t *cfg = json_object(), *props = json_object(), *sub = json_object(),
	       *pip = json_object();

	json_object_set_new(sub, "id", json_string(subnet_id));
	json_object_set_new(pip, "id", json_string(pip_id));
	json_object_set_new(props, "privateIPAllocationMethod", json_string("Dynamic"));
	json_object_set_new(props, "subnet", sub);
	json_object_set_new(props, "publicIPAddress", pip);
	json_object_set_new(cfg, "name", json_string(name));
	json_object_set_new(cfg, "properties", props);
	return cfg;
}

/* The GatewaySubnet's id from --vnet: a name, a VNet id, or a subnet id given outright. */
static char *gateway_subnet_id(const char *sub, const char *rg, const char *vnet)
{
	char *vid = cli_resource_id(sub, rg, "virtualNetworks", vnet), *id = NULL;

	if (!vid)
		return NULL;
	if (strstr(vid, "/subnets/"))
		return vid;
	if (asprintf(&id, "%s/subnets/GatewaySubnet", vid) < 0)
		id = NULL;
	free(vid);
	return id;
}

static int gw_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	const char *rg = cli_arg_str(a, "--resource-group");
	const char *const *pips;
	json_t *props, *cfgs, *sku;
	char *subnet_id = NULL;
	size_t npip, i;
	bool bgp;
	int rc;

	pips = cli_arg_list(a, "--public-ip-addresses", &npip);
	if (npip > 2) {
		fprintf(ctx->err, "ERROR: argument --public-ip-addresses: at most two (two make an "
				  "active-active gateway)\n");
		return CLI_EXIT_USAGE;
	}
	rc = cli_build_named(ctx, a, req, "PUT", "virtualNetworkGateways");
	if (rc)
		return rc;
	req->body = cli_envelope_new(a, &props, ctx->err);
	if (!req->body)
		return CLI_EXIT_USAGE;
	subnet_id = gateway_subnet_id(ctx->subscription, rg, cli_arg_str(a, "--vnet"));
	if (!subnet_id)
		return CLI_EXIT_ERROR;
	cfgs = json_array();
	for (i = 0; i < npip; i++) {
		char *pip_id = cli_resource_id(ctx->subscription, rg, "publicIPAddresses", pips[i]);
		char name[48];

		if (!pip_id) {
			free(subnet_id);
			json_decref(cfgs);
			return CLI_EXIT_ERROR;
		}
		snprintf(name, sizeof(name), "vnetGatewayConfig%zu", i);
		json_array_append_new(cfgs, ip_config(name, subnet_id, pip_id));
		free(pip_id);
	}
	free(subnet_id);
	json_object_set_new(props, "ipConfigurations", cfgs);
	json_object_set_new(props, "gatewayType",
			    json_string(cli_arg_str_or(a, "--gateway-type", "Vpn")));
	json_object_set_new(props, "vpnType",
			    json_string(cli_arg_str_or(a, "--vpn-type", "RouteBased")));
	sku = json_object();
	json_object_set_new(sku, "name", json_string(cli_arg_str_or(a, "--sku", "Basic")));
	json_object_set_new(sku, "tier", json_string(cli_arg_str_or(a, "--sku", "Basic")));
	json_object_set_new(props, "sku", sku);
	/* As az: BGP settings turn BGP on. */
	bgp = cli_arg_set(a, "--asn") || cli_arg_set(a, "--bgp-peering-address") ||
	      cli_arg_set(a, "--peer-weight");
	json_object_set_new(props, "enableBgp", json_boolean(bgp));
	json_object_set_new(props, "activeActive", json_boolean(npip == 2));
	if (bgp) {
		json_t *s = json_object();

		if (cli_arg_set(a, "--asn"))
			json_object_set_new(s, "asn", json_integer(cli_arg_int(a, "--asn")));
		if (cli_arg_set(a, "--bgp-peering-address"))
			json_object_set_new(s, "bgpPeeringAddress",
					    json_string(cli_arg_str(a, "--bgp-peering-address")));
		if (cli_arg_set(a, "--peer-weight"))
			json_object_set_new(s, "peerWeight",
					    json_integer(cli_arg_int(a, "--peer-weight")));
		json_object_set_new(props, "bgpSettings", s);
	}
	return 0;
}

static int gw_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "GET", "virtualNetworkGateways");
}

/* update: the flags given, written into the gateway read back (BGP settings turn BGP on). */
static int gw_modify(const struct cli_args *a, json_t *res, FILE *err)
{
	json_t *props = cli_json_child(res, "properties"), *bgp;

	if (cli_update_tags(a, res, err))
		return CLI_EXIT_USAGE;
	if (cli_arg_set(a, "--sku")) {
		json_t *sku = cli_json_child(props, "sku");

		json_object_set_new(sku, "name", json_string(cli_arg_str(a, "--sku")));
		json_object_set_new(sku, "tier", json_string(cli_arg_str(a, "--sku")));
	}
	if (cli_arg_set(a, "--asn") || cli_arg_set(a, "--bgp-peering-address") ||
	    cli_arg_set(a, "--peer-weight")) {
		bgp = cli_json_child(props, "bgpSettings");
		if (cli_arg_set(a, "--asn"))
			json_object_set_new(bgp, "asn", json_integer(cli_arg_int(a, "--asn")));
		if (cli_arg_set(a, "--bgp-peering-address"))
			json_object_set_new(bgp, "bgpPeeringAddress",
					    json_string(cli_arg_str(a, "--bgp-peering-address")));
		if (cli_arg_set(a, "--peer-weight"))
			json_object_set_new(bgp, "peerWeight",
					    json_integer(cli_arg_int(a, "--peer-weight")));
		json_object_set_new(props, "enableBgp", json_true());
	}
	if (cli_arg_set(a, "--enable-bgp"))
		json_object_set_new(props, "enableBgp",
				    json_boolean(cli_arg_bool(a, "--enable-bgp")));
	return 0;
}

static int gw_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "DELETE", "virtualNetworkGateways");
}

static int gw_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_list(ctx, a, req, "virtualNetworkGateways");
}

/* POST {gateway}/{action}[?peer=…]. */
static int gw_action(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		     const char *action, const char *peer)
{
	int rc = cli_req_tenant(ctx, req, "POST");

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"),
				 "virtualNetworkGateways", cli_arg_str(a, "--name"), action, NULL);
	if (peer && cli_req_add_query(req, "peer", peer))
		return CLI_EXIT_ERROR;
	return 0;
}

static int gw_reset(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return gw_action(ctx, a, req, "reset", NULL);
}

static int gw_learned(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return gw_action(ctx, a, req, "getLearnedRoutes", NULL);
}

static int gw_peers(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return gw_action(ctx, a, req, "getBgpPeerStatus", cli_arg_str(a, "--peer"));
}

static int gw_advertised(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return gw_action(ctx, a, req, "getAdvertisedRoutes", cli_arg_str(a, "--peer"));
}

static json_t *pick_value(json_t *answer)
{
	return json_object_get(answer, "value");
}

static const struct cli_cmd gw_cmds[] = {
	{"create", "Create (or replace) a VPN gateway.", create_flags, gw_create, NULL, NULL,
	 &gw_view,
	 "vnetgw vnet-gateway create -g rg1 -n gw1 --vnet vnet1 --public-ip-addresses gw1-pip "
	 "--sku Standard --asn 65010"},
	{"update", "Change a VPN gateway (read, change, write back under If-Match).", update_flags,
	 gw_show, gw_modify, NULL, &gw_view,
	 "vnetgw vnet-gateway update -g rg1 -n gw1 --sku Standard --asn 65010"},
	{"show", "Show a VPN gateway.", named_flags, gw_show, NULL, NULL, &gw_view,
	 "vnetgw vnet-gateway show -g rg1 -n gw1"},
	{"list", "List VPN gateways.", list_flags, gw_list, NULL, NULL, &gw_view,
	 "vnetgw vnet-gateway list -g rg1 -o table"},
	{"delete", "Delete a VPN gateway.", named_flags, gw_delete, NULL, NULL, NULL,
	 "vnetgw vnet-gateway delete -g rg1 -n gw1"},
	{"reset", "Reset a VPN gateway (its tunnels are re-established).", named_flags, gw_reset,
	 NULL, NULL, &gw_view, "vnetgw vnet-gateway reset -g rg1 -n gw1"},
	{"list-learned-routes", "List the routes the gateway learned over BGP.", named_flags,
	 gw_learned, NULL, pick_value, &route_view,
	 "vnetgw vnet-gateway list-learned-routes -g rg1 -n gw1 -o table"},
	{"list-bgp-peer-status", "Show the state of the gateway's BGP peers.", peer_status_flags,
	 gw_peers, NULL, pick_value, &peer_view,
	 "vnetgw vnet-gateway list-bgp-peer-status -g rg1 -n gw1 -o table"},
	{"list-advertised-routes", "List the routes the gateway advertises to a BGP peer.",
	 advertised_flags, gw_advertised, NULL, pick_value, &route_view,
	 "vnetgw vnet-gateway list-advertised-routes -g rg1 -n gw1 --peer 10.2.255.30"},
	{0},
};

const struct cli_group cli_group_vnet_gateway = {
	.name = "vnet-gateway",
	.summary = "Manage VPN gateways.",
	.cmds = gw_cmds,
};
