/* SPDX-License-Identifier: MIT */
/*
 * localgw: `vnetgw local-gateway create|update|show|list|delete`, as `az network local-gateway`
 * (localNetworkGateways: the on-premises device's address, its prefixes and BGP settings).
 * update reads the resource, changes what the flags name and writes it back under If-Match.
 */
#include "cli/cli.h"

static const struct cli_column lgw_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"Location", "location", CLI_COL_VALUE},
	{"GatewayIpAddress", "properties.gatewayIpAddress", CLI_COL_VALUE},
	{"AddressPrefixes", "properties.localNetworkAddressSpace.addressPrefixes", CLI_COL_VALUE},
	{"Asn", "properties.bgpSettings.asn", CLI_COL_VALUE},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view lgw_view = {lgw_cols};

#define FLAG_PREFIXES                                                                              \
	{                                                                                          \
		"--local-address-prefixes", NULL, CLI_FLAG_LIST, 0, NULL, 0, 0,                    \
			"Space-separated address prefixes of the on-premises network."             \
	}
#define FLAG_ASN                                                                                   \
	{                                                                                          \
		"--asn", NULL, CLI_FLAG_INT, 0, NULL, 1, 4294967295LL,                             \
			"The on-premises BGP speaker's autonomous system number."                  \
	}
#define FLAG_BGP_ADDR                                                                              \
	{                                                                                          \
		"--bgp-peering-address", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,                        \
			"The on-premises BGP speaker's peering address."                           \
	}
#define FLAG_PEER_WEIGHT                                                                           \
	{                                                                                          \
		"--peer-weight", NULL, CLI_FLAG_INT, 0, NULL, 0, 100,                              \
			"Weight added to routes learned from this peer."                           \
	}

static const struct cli_flag create_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("local network gateway"),
	{"--gateway-ip-address", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Public IP address of the on-premises VPN device."},
	FLAG_PREFIXES,
	FLAG_ASN,
	FLAG_BGP_ADDR,
	FLAG_PEER_WEIGHT,
	CLI_FLAG_LOCATION,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag update_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("local network gateway"),
	{"--gateway-ip-address", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Public IP address of the on-premises VPN device."},
	FLAG_PREFIXES,
	FLAG_ASN,
	FLAG_BGP_ADDR,
	FLAG_PEER_WEIGHT,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag named_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("local network gateway"),
	CLI_FLAG_END,
};

static const struct cli_flag list_flags[] = {
	CLI_FLAG_RG_LIST,
	CLI_FLAG_END,
};

/* The flags given, written into properties (shared by create and update). */
static void lgw_apply(const struct cli_args *a, json_t *props)
{
	const char *const *prefixes;
	size_t n;

	if (cli_arg_set(a, "--gateway-ip-address"))
		json_object_set_new(props, "gatewayIpAddress",
				    json_string(cli_arg_str(a, "--gateway-ip-address")));
	prefixes = cli_arg_list(a, "--local-address-prefixes", &n);
	if (n > 0)
		json_object_set_new(cli_json_child(props, "localNetworkAddressSpace"),
				    "addressPrefixes", cli_json_strings(prefixes, n));
	if (cli_arg_set(a, "--asn"))
		json_object_set_new(cli_json_child(props, "bgpSettings"), "asn",
				    json_integer(cli_arg_int(a, "--asn")));
	if (cli_arg_set(a, "--bgp-peering-address"))
		json_object_set_new(cli_json_child(props, "bgpSettings"), "bgpPeeringAddress",
				    json_string(cli_arg_str(a, "--bgp-peering-address")));
	if (cli_arg_set(a, "--peer-weight"))
		json_object_set_new(cli_json_child(props, "bgpSettings"), "peerWeight",
				    json_integer(cli_arg_int(a, "--peer-weight")));
}

static int lgw_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	json_t *props;
	int rc = cli_build_named(ctx, a, req, "PUT", "localNetworkGateways");

	if (rc)
		return rc;
	req->body = cli_envelope_new(a, &props, ctx->err);
	if (!req->body)
		return CLI_EXIT_USAGE;
	/* az always sends the address space, empty when there are no prefixes (BGP-only). */
	json_object_set_new(cli_json_child(props, "localNetworkAddressSpace"), "addressPrefixes",
			    json_array());
	lgw_apply(a, props);
	return 0;
}

static int lgw_modify(const struct cli_args *a, json_t *res, FILE *err)
{
	if (cli_update_tags(a, res, err))
		return CLI_EXIT_USAGE;
	lgw_apply(a, cli_json_child(res, "properties"));
	return 0;
}

static int lgw_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "GET", "localNetworkGateways");
}

static int lgw_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "DELETE", "localNetworkGateways");
}

static int lgw_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_list(ctx, a, req, "localNetworkGateways");
}

static const struct cli_cmd lgw_cmds[] = {
	{"create", "Create (or replace) a local network gateway (an on-premises site).",
	 create_flags, lgw_create, NULL, NULL, &lgw_view,
	 "vnetgw local-gateway create -g rg1 -n site1 --gateway-ip-address 198.51.100.7 "
	 "--local-address-prefixes 192.168.0.0/24"},
	{"update", "Change a local network gateway (read, change, write back under If-Match).",
	 update_flags, lgw_show, lgw_modify, NULL, &lgw_view,
	 "vnetgw local-gateway update -g rg1 -n site1 --local-address-prefixes 192.168.0.0/23"},
	{"show", "Show a local network gateway.", named_flags, lgw_show, NULL, NULL, &lgw_view,
	 "vnetgw local-gateway show -g rg1 -n site1"},
	{"list", "List local network gateways.", list_flags, lgw_list, NULL, NULL, &lgw_view,
	 "vnetgw local-gateway list -g rg1 -o table"},
	{"delete", "Delete a local network gateway.", named_flags, lgw_delete, NULL, NULL, NULL,
	 "vnetgw local-gateway delete -g rg1 -n site1"},
	{0},
};

const struct cli_group cli_group_local_gateway = {
	.name = "local-gateway",
	.summary = "Manage local network gateways (on-premises VPN devices).",
	.cmds = lgw_cmds,
};
