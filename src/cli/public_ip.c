/* SPDX-License-Identifier: MIT */
/*
 * public_ip: `vnetgw public-ip create|show|list|delete`, as `az network public-ip`
 * (publicIPAddresses; the platform assigns ipAddress from the operator's pool, SPEC §2).
 */
#include "cli/cli.h"

static const struct cli_column pip_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"Location", "location", CLI_COL_VALUE},
	{"AllocationMethod", "properties.publicIPAllocationMethod", CLI_COL_VALUE},
	{"IpAddress", "properties.ipAddress", CLI_COL_VALUE},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view pip_view = {pip_cols};

static const struct cli_flag create_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("public IP address"),
	{"--allocation-method", NULL, CLI_FLAG_STR, 0, "Static Dynamic", 0, 0,
	 "IP address allocation method (default: Dynamic)."},
	CLI_FLAG_LOCATION,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag named_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("public IP address"),
	CLI_FLAG_END,
};

static const struct cli_flag list_flags[] = {
	CLI_FLAG_RG_LIST,
	CLI_FLAG_END,
};

static int pip_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	json_t *props;
	int rc = cli_build_named(ctx, a, req, "PUT", "publicIPAddresses");

	if (rc)
		return rc;
	req->body = cli_envelope_new(a, &props, ctx->err);
	if (!req->body)
		return CLI_EXIT_USAGE;
	json_object_set_new(props, "publicIPAllocationMethod",
			    json_string(cli_arg_str_or(a, "--allocation-method", "Dynamic")));
	return 0;
}

static int pip_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "GET", "publicIPAddresses");
}

static int pip_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "DELETE", "publicIPAddresses");
}

static int pip_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_list(ctx, a, req, "publicIPAddresses");
}

static const struct cli_cmd pip_cmds[] = {
	{"create", "Create (or replace) a public IP address.", create_flags, pip_create, NULL, NULL,
	 &pip_view, "vnetgw public-ip create -g rg1 -n gw1-pip"},
	{"show", "Show a public IP address.", named_flags, pip_show, NULL, NULL, &pip_view,
	 "vnetgw public-ip show -g rg1 -n gw1-pip"},
	{"list", "List public IP addresses.", list_flags, pip_list, NULL, NULL, &pip_view,
	 "vnetgw public-ip list -o table"},
	{"delete", "Delete a public IP address.", named_flags, pip_delete, NULL, NULL, NULL,
	 "vnetgw public-ip delete -g rg1 -n gw1-pip"},
	{0},
};

const struct cli_group cli_group_public_ip = {
	.name = "public-ip",
	.summary = "Manage public IP addresses.",
	.cmds = pip_cmds,
};
