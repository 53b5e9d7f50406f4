/* SPDX-License-Identifier: MIT */
/*
 * vnet: `vnetgw vnet create|show|list|delete` and `vnetgw vnet subnet create|show|list|delete`,
 * as `az network vnet` (virtualNetworks and their subnets, SPEC §2).
 */
#include <string.h>

#include "cli/cli.h"

static const struct cli_column vnet_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"Location", "location", CLI_COL_VALUE},
	{"AddressPrefixes", "properties.addressSpace.addressPrefixes", CLI_COL_VALUE},
	{"Subnets", "properties.subnets", CLI_COL_COUNT},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view vnet_view = {vnet_cols};

static const struct cli_column subnet_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"AddressPrefix", "properties.addressPrefix", CLI_COL_VALUE},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view subnet_view = {subnet_cols};

/* ---- vnet ---------------------------------------------------------------------------------- */

static const struct cli_flag vnet_create_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("virtual network"),
	{"--address-prefixes", NULL, CLI_FLAG_LIST, 0, NULL, 0, 0,
	 "Space-separated IP address prefixes of the address space (default: 10.0.0.0/16)."},
	{"--subnet-name", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Name of a subnet to create with it (default with --subnet-prefix: default)."},
	{"--subnet-prefix", "--subnet-prefixes", CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Address prefix of that subnet (default with --subnet-name: 10.0.0.0/24)."},
	CLI_FLAG_LOCATION,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag named_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("virtual network"),
	CLI_FLAG_END,
};

static const struct cli_flag list_flags[] = {
	CLI_FLAG_RG_LIST,
	CLI_FLAG_END,
};

static int vnet_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	static const char *const def_prefix[] = {"10.0.0.0/16"};
	const char *const *prefixes;
	json_t *props, *space;
	size_t n;
	int rc;

	rc = cli_build_named(ctx, a, req, "PUT", "virtualNetworks");
	if (rc)
		return rc;
	req->body = cli_envelope_new(a, &props, ctx->err);
	if (!req->body)
		return CLI_EXIT_USAGE;
	prefixes = cli_arg_list(a, "--address-prefixes", &n);
	if (n == 0) {
		prefixes = def_prefix;
		n = 1;
	}
	space = json_object();
	json_object_set_new(space, "addressPrefixes", cli_json_strings(prefixes, n));
	json_object_set_new(props, "addressSpace", space);
	if (cli_arg_set(a, "--subnet-name") || cli_arg_set(a, "--subnet-prefix")) {
		json_t *subnet = json_object(), *sprops = json_object(), *subnets = json_array();

		json_object_set_new(subnet, "name",
				    json_string(cli_arg_str_or(a, "--subnet-name", "default")));
		json_object_set_new(
			sprops, "addressPrefix",
			json_string(cli_arg_str_or(a, "--subnet-prefix", "10.0.0.0/24")));
		json_object_set_new(subnet, "properties", sprops);
		json_array_append_new(subnets, subnet);
		json_object_set_new(props, "subnets", subnets);
	}
	return 0;
}

static int vnet_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "GET", "virtualNetworks");
}

static int vnet_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "DELETE", "virtualNetworks");
}

static int vnet_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_list(ctx, a, req, "virtualNetworks");
}

/* ---- vnet subnet --------------------------------------------------------------------------- */

static const struct cli_flag subnet_create_flags[] = {
	CLI_FLAG_RG_REQ,
	{"--vnet-name", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name of the virtual network."},
	CLI_FLAG_NAME_REQ("subnet (GatewaySubnet for a VPN gateway)"),
	{"--address-prefix", "--address-prefixes", CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Address prefix of the subnet, within the virtual network's address space."},
	CLI_FLAG_END,
};

static const struct cli_flag subnet_named_flags[] = {
	CLI_FLAG_RG_REQ,
	{"--vnet-name", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name of the virtual network."},
	CLI_FLAG_NAME_REQ("subnet"),
	CLI_FLAG_END,
};

static const struct cli_flag subnet_list_flags[] = {
	CLI_FLAG_RG_REQ,
	{"--vnet-name", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name of the virtual network."},
	CLI_FLAG_END,
};

static int subnet_req(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		      const char *method, bool named)
{
	int rc = cli_req_tenant(ctx, req, method);

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"),
				 "virtualNetworks", cli_arg_str(a, "--vnet-name"), "subnets",
				 named ? cli_arg_str(a, "--name") : NULL);
	return 0;
}

static int subnet_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	json_t *props;
	int rc = subnet_req(ctx, a, req, "PUT", true);

	if (rc)
		return rc;
	props = json_object();
	json_object_set_new(props, "addressPrefix",
			    json_string(cli_arg_str(a, "--address-prefix")));
	req->body = json_object();
	json_object_set_new(req->body, "properties", props);
	return 0;
}

static int subnet_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return subnet_req(ctx, a, req, "GET", true);
}

static int subnet_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	req->answer = CLI_ANSWER_NONE;
	return subnet_req(ctx, a, req, "DELETE", true);
}

static int subnet_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	req->answer = CLI_ANSWER_LIST;
	return subnet_req(ctx, a, req, "GET", false);
}

static const struct cli_cmd subnet_cmds[] = {
	{"create", "Create a subnet in a virtual network.", subnet_create_flags, subnet_create,
	 NULL, NULL, &subnet_view,
	 "vnetgw vnet subnet create -g rg1 --vnet-name vnet1 -n GatewaySubnet "
	 "--address-prefix 10.1.255.0/27"},
	{"show", "Show a subnet.", subnet_named_flags, subnet_show, NULL, NULL, &subnet_view,
	 "vnetgw vnet subnet show -g rg1 --vnet-name vnet1 -n GatewaySubnet"},
	{"list", "List the subnets of a virtual network.", subnet_list_flags, subnet_list, NULL,
	 NULL, &subnet_view, "vnetgw vnet subnet list -g rg1 --vnet-name vnet1 -o table"},
	{"delete", "Delete a subnet.", subnet_named_flags, subnet_delete, NULL, NULL, NULL,
	 "vnetgw vnet subnet delete -g rg1 --vnet-name vnet1 -n apps"},
	{0},
};

static const struct cli_group cli_group_subnet = {
	.name = "subnet",
	.summary = "Manage the subnets of a virtual network.",
	.cmds = subnet_cmds,
};

static const struct cli_group *const vnet_groups[] = {&cli_group_subnet, NULL};

static const struct cli_cmd vnet_cmds[] = {
	{"create", "Create (or replace) a virtual network.", vnet_create_flags, vnet_create, NULL,
	 NULL, &vnet_view,
	 "vnetgw vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16 "
	 "--subnet-name GatewaySubnet --subnet-prefix 10.1.255.0/27"},
	{"show", "Show a virtual network.", named_flags, vnet_show, NULL, NULL, &vnet_view,
	 "vnetgw vnet show -g rg1 -n vnet1"},
	{"list", "List virtual networks.", list_flags, vnet_list, NULL, NULL, &vnet_view,
	 "vnetgw vnet list -g rg1 -o table"},
	{"delete", "Delete a virtual network.", named_flags, vnet_delete, NULL, NULL, NULL,
	 "vnetgw vnet delete -g rg1 -n vnet1"},
	{0},
};

const struct cli_group cli_group_vnet = {
	.name = "vnet",
	.summary = "Manage virtual networks.",
	.groups = vnet_groups,
	.cmds = vnet_cmds,
};
