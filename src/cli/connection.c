/* SPDX-License-Identifier: MIT */
/*
 * connection: `vnetgw vpn-connection create|show|list|delete|show-device-config-script`,
 * `vpn-connection shared-key show|update|reset` and `vpn-connection ipsec-policy add|list|clear`,
 * as `az network vpn-connection` (connections, SPEC §2 rules 9-11 and §5). The shared key has
 * its own endpoints because no GET of the connection returns it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_column conn_cols[] = {
	{"Name", "name", CLI_COL_VALUE},
	{"ResourceGroup", "id", CLI_COL_RG},
	{"Location", "location", CLI_COL_VALUE},
	{"ConnectionType", "properties.connectionType", CLI_COL_VALUE},
	{"ConnectionMode", "properties.connectionMode", CLI_COL_VALUE},
	{"ConnectionStatus", "properties.connectionStatus", CLI_COL_VALUE},
	{"StatusChanged", "properties.connectionStatusChangedUtcTime", CLI_COL_VALUE},
	{"LocalGateway", "properties.localNetworkGateway2.id", CLI_COL_IDNAME},
	{"EnableBgp", "properties.enableBgp", CLI_COL_VALUE},
	{"RoutingWeight", "properties.routingWeight", CLI_COL_VALUE},
	{"IngressBytes", "properties.ingressBytesTransferred", CLI_COL_VALUE},
	{"EgressBytes", "properties.egressBytesTransferred", CLI_COL_VALUE},
	{"ProvisioningState", "properties.provisioningState", CLI_COL_VALUE},
	{"StatusReason", "properties.connectionStatusReason", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view conn_view = {conn_cols};

static const struct cli_column policy_cols[] = {
	{"IkeEncryption", "ikeEncryption", CLI_COL_VALUE},
	{"IkeIntegrity", "ikeIntegrity", CLI_COL_VALUE},
	{"DhGroup", "dhGroup", CLI_COL_VALUE},
	{"IpsecEncryption", "ipsecEncryption", CLI_COL_VALUE},
	{"IpsecIntegrity", "ipsecIntegrity", CLI_COL_VALUE},
	{"PfsGroup", "pfsGroup", CLI_COL_VALUE},
	{"SaLifeTimeSeconds", "saLifeTimeSeconds", CLI_COL_VALUE},
	{"SaDataSizeKilobytes", "saDataSizeKilobytes", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view policy_view = {policy_cols};

static const struct cli_column key_cols[] = {
	{"Value", "value", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view key_view = {key_cols};

static const struct cli_column keylen_cols[] = {
	{"KeyLength", "keyLength", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view keylen_view = {keylen_cols};

/* ---- vpn-connection ------------------------------------------------------------------------ */

/* What both create and update may set on a connection. */
#define CONN_FLAGS_SETTABLE                                                                        \
	{"--enable-bgp", NULL, CLI_FLAG_BOOL, 0, NULL, 0, 0,                                       \
	 "Run BGP over this connection (not on Basic gateways)."},                                 \
	{"--routing-weight", NULL, CLI_FLAG_INT, 0, NULL, 0, 32000, "The routing weight."},        \
	{"--connection-mode", NULL, CLI_FLAG_STR, 0, "Default InitiatorOnly ResponderOnly", 0, 0,  \
	 "Who starts the tunnel: Default (the gateway, and it answers too), InitiatorOnly, "       \
	 "ResponderOnly (it waits for the site)."},                                                \
	{"--dpd-timeout", NULL, CLI_FLAG_INT, 0, NULL, 9, 3600,                                    \
	 "Dead peer detection timeout in seconds: the tunnel is declared down after this long "    \
	 "without a sign of the peer (default 45)."}

static const struct cli_flag create_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("connection"),
	{"--vnet-gateway1", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name or id of the VPN gateway."},
	{"--local-gateway2", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "Name or id of the local network gateway (the on-premises site)."},
	{"--shared-key", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "The IPsec pre-shared key (never shown again; see 'shared-key show')."},
	CONN_FLAGS_SETTABLE,
	CLI_FLAG_LOCATION,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag update_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("connection"),
	CONN_FLAGS_SETTABLE,
	CLI_FLAG_TAGS,
	CLI_FLAG_END,
};

static const struct cli_flag named_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("connection"),
	CLI_FLAG_END,
};

static const struct cli_flag list_flags[] = {
	CLI_FLAG_RG_LIST,
	CLI_FLAG_END,
};

static const struct cli_flag script_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("connection"),
	{"--vendor", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "The on-premises device's vendor: strongSwan (the default), or for a BGP connection the site "
	 "router's BIRD or FRR."},
	{"--device-family", NULL, CLI_FLAG_STR, 0, NULL, 0, 0, "The device family."},
	{"--firmware-version", NULL, CLI_FLAG_STR, 0, NULL, 0, 0, "The firmware version."},
	CLI_FLAG_END,
};

static json_t *id_ref(char *id)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(id));
	free(id);
	return o;
}

static int conn_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	const char *rg = cli_arg_str(a, "--resource-group");
	char *gw, *lgw;
	json_t *props;
	int rc;

	rc = cli_build_named(ctx, a, req, "PUT", "connections");
	if (rc)
		return rc;
	req->body = cli_envelope_new(a, &props, ctx->err);
	if (!req->body)
		return CLI_EXIT_USAGE;
	gw = cli_resource_id(ctx->subscription, rg, "virtualNetworkGateways",
			     cli_arg_str(a, "--vnet-gateway1"));
	lgw = cli_resource_id(ctx->subscription, rg, "localNetworkGateways",
			      cli_arg_str(a, "--local-gateway2"));
	if (!gw || !lgw) {
		free(gw);
		free(lgw);
		return CLI_EXIT_ERROR;
	}
	json_object_set_new(props, "connectionType", json_string("IPsec"));
	json_object_set_new(props, "virtualNetworkGateway1", id_ref(gw));
	json_object_set_new(props, "localNetworkGateway2", id_ref(lgw));
	if (cli_arg_set(a, "--shared-key"))
		json_object_set_new(props, "sharedKey",
				    json_string(cli_arg_str(a, "--shared-key")));
	json_object_set_new(props, "enableBgp", json_boolean(cli_arg_bool(a, "--enable-bgp")));
	json_object_set_new(props, "routingWeight",
			    json_integer(cli_arg_set(a, "--routing-weight")
						 ? cli_arg_int(a, "--routing-weight")
						 : 10));
	if (cli_arg_set(a, "--connection-mode"))
		json_object_set_new(props, "connectionMode",
				    json_string(cli_arg_str(a, "--connection-mode")));
	if (cli_arg_set(a, "--dpd-timeout"))
		json_object_set_new(props, "dpdTimeoutSeconds",
				    json_integer(cli_arg_int(a, "--dpd-timeout")));
	return 0;
}

static int conn_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "GET", "connections");
}

/* update: the flags given, written into the connection read back (its key is kept by the API). */
static int conn_modify(const struct cli_args *a, json_t *res, FILE *err)
{
	json_t *props = cli_json_child(res, "properties");

	if (cli_update_tags(a, res, err))
		return CLI_EXIT_USAGE;
	if (cli_arg_set(a, "--enable-bgp"))
		json_object_set_new(props, "enableBgp",
				    json_boolean(cli_arg_bool(a, "--enable-bgp")));
	if (cli_arg_set(a, "--routing-weight"))
		json_object_set_new(props, "routingWeight",
				    json_integer(cli_arg_int(a, "--routing-weight")));
	if (cli_arg_set(a, "--connection-mode"))
		json_object_set_new(props, "connectionMode",
				    json_string(cli_arg_str(a, "--connection-mode")));
	if (cli_arg_set(a, "--dpd-timeout"))
		json_object_set_new(props, "dpdTimeoutSeconds",
				    json_integer(cli_arg_int(a, "--dpd-timeout")));
	return 0;
}

static int conn_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_named(ctx, a, req, "DELETE", "connections");
}

static int conn_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return cli_build_list(ctx, a, req, "connections");
}

static int conn_script(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = cli_req_tenant(ctx, req, "POST");

	if (rc)
		return rc;
	req->path =
		cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"), "connections",
			     cli_arg_str(a, "--name"), "vpndeviceconfigurationscript", NULL);
	req->answer = CLI_ANSWER_TEXT;
	req->body = json_object();
	json_object_set_new(req->body, "vendor",
			    json_string(cli_arg_str_or(a, "--vendor", "strongSwan")));
	if (cli_arg_set(a, "--device-family"))
		json_object_set_new(req->body, "deviceFamily",
				    json_string(cli_arg_str(a, "--device-family")));
	if (cli_arg_set(a, "--firmware-version"))
		json_object_set_new(req->body, "firmwareVersion",
				    json_string(cli_arg_str(a, "--firmware-version")));
	return 0;
}

/* ---- vpn-connection show-events ------------------------------------------------------------ */

static const struct cli_column event_cols[] = {
	{"Sequence", "sequence", CLI_COL_VALUE},
	{"Time", "time", CLI_COL_VALUE},
	{"Level", "level", CLI_COL_VALUE},
	{"Category", "category", CLI_COL_VALUE},
	{"OperationName", "operationName", CLI_COL_VALUE},
	{"Message", "message", CLI_COL_VALUE},
	{NULL},
};
static const struct cli_view event_view = {event_cols};

static const struct cli_flag events_flags[] = {
	CLI_FLAG_RG_REQ,
	CLI_FLAG_NAME_REQ("connection"),
	{"--after", NULL, CLI_FLAG_INT, 0, NULL, 0, 9007199254740991LL,
	 "Only the events after this sequence number (the last one a previous call showed)."},
	CLI_FLAG_END,
};

static int conn_events(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = cli_req_tenant(ctx, req, "GET");
	char after[32];

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"),
				 "connections", cli_arg_str(a, "--name"), "events", NULL);
	if (cli_arg_set(a, "--after")) {
		snprintf(after, sizeof(after), "%lld", cli_arg_int(a, "--after"));
		if (cli_req_add_query(req, "after", after))
			return CLI_EXIT_ERROR;
	}
	return 0;
}

static json_t *pick_events(json_t *answer)
{
	return json_object_get(answer, "value");
}

/* ---- vpn-connection shared-key ------------------------------------------------------------- */

#define FLAG_CONN_NAME                                                                             \
	{                                                                                          \
		"--connection-name", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,                 \
			"Name of the connection."                                                  \
	}

static const struct cli_flag key_show_flags[] = {
	CLI_FLAG_RG_REQ,
	FLAG_CONN_NAME,
	CLI_FLAG_END,
};

static const struct cli_flag key_update_flags[] = {
	CLI_FLAG_RG_REQ,
	FLAG_CONN_NAME,
	{"--value", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0, "The new pre-shared key."},
	CLI_FLAG_END,
};

static const struct cli_flag key_reset_flags[] = {
	CLI_FLAG_RG_REQ,
	FLAG_CONN_NAME,
	{"--key-length", NULL, CLI_FLAG_INT, CLI_REQUIRED, NULL, 1, 128,
	 "Length of the new random key (1-128)."},
	CLI_FLAG_END,
};

/* {connection}/sharedkey[/reset] */
static int key_req(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		   const char *method, bool reset)
{
	int rc = cli_req_tenant(ctx, req, method);

	if (rc)
		return rc;
	req->path =
		cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"), "connections",
			     cli_arg_str(a, "--connection-name"), "sharedkey", NULL);
	if (reset && req->path && cli_path_append(&req->path, "reset"))
		return CLI_EXIT_ERROR;
	return 0;
}

static int key_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	return key_req(ctx, a, req, "GET", false);
}

static int key_update(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = key_req(ctx, a, req, "PUT", false);

	if (rc)
		return rc;
	req->body = json_object();
	json_object_set_new(req->body, "value", json_string(cli_arg_str(a, "--value")));
	return 0;
}

static int key_reset(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = key_req(ctx, a, req, "POST", true);

	if (rc)
		return rc;
	req->body = json_object();
	json_object_set_new(req->body, "keyLength", json_integer(cli_arg_int(a, "--key-length")));
	return 0;
}

static const struct cli_cmd key_cmds[] = {
	{"show", "Show a connection's pre-shared key.", key_show_flags, key_show, NULL, NULL,
	 &key_view, "vnetgw vpn-connection shared-key show -g rg1 --connection-name conn1"},
	{"update", "Set a connection's pre-shared key.", key_update_flags, key_update, NULL, NULL,
	 &key_view,
	 "vnetgw vpn-connection shared-key update -g rg1 --connection-name conn1 --value s3cret"},
	{"reset", "Replace a connection's pre-shared key with a random one.", key_reset_flags,
	 key_reset, NULL, NULL, &keylen_view,
	 "vnetgw vpn-connection shared-key reset -g rg1 --connection-name conn1 --key-length 64"},
	{0},
};

static const struct cli_group key_group = {
	.name = "shared-key",
	.summary = "Manage a connection's pre-shared key.",
	.cmds = key_cmds,
};

/* ---- vpn-connection ipsec-policy ----------------------------------------------------------- */

static const struct cli_flag policy_add_flags[] = {
	CLI_FLAG_RG_REQ,
	FLAG_CONN_NAME,
	{"--ike-encryption", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "IKE encryption: AES256, AES192, AES128, DES3, GCMAES256, GCMAES128."},
	{"--ike-integrity", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "IKE integrity: SHA384, SHA256, SHA1."},
	{"--dh-group", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "DH group: ECP384, ECP256, DHGroup24, DHGroup14, DHGroup2048, DHGroup2."},
	{"--ipsec-encryption", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "IPsec encryption: GCMAES256, GCMAES192, GCMAES128, AES256, AES192, AES128, DES3, "
	 "None."},
	{"--ipsec-integrity", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "IPsec integrity: GCMAES256, GCMAES192, GCMAES128, SHA256 (GCM must match the "
	 "encryption)."},
	{"--pfs-group", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "PFS group: PFS24, ECP384, ECP256, PFS2048, PFS2, PFSMM, None."},
	{"--sa-lifetime", NULL, CLI_FLAG_INT, CLI_REQUIRED, NULL, 0, 2147483647LL,
	 "IPsec SA lifetime in seconds (at least 300)."},
	{"--sa-max-size", NULL, CLI_FLAG_INT, CLI_REQUIRED, NULL, 0, 2147483647LL,
	 "IPsec SA lifetime in kilobytes (at least 1024)."},
	CLI_FLAG_END,
};

static const struct cli_flag policy_flags[] = {
	CLI_FLAG_RG_REQ,
	FLAG_CONN_NAME,
	CLI_FLAG_END,
};

static int policy_get(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = cli_req_tenant(ctx, req, "GET");

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"),
				 "connections", cli_arg_str(a, "--connection-name"), NULL, NULL);
	return 0;
}

static json_t *policies_of(json_t *res)
{
	json_t *props = json_object_get(res, "properties"), *list;

	if (!json_is_object(props)) {
		props = json_object();
		json_object_set_new(res, "properties", props);
	}
	list = json_object_get(props, "ipsecPolicies");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(props, "ipsecPolicies", list);
	}
	return list;
}

static int policy_add(const struct cli_args *a, json_t *res, FILE *err)
{
	json_t *p = json_object();

	json_object_set_new(p, "saLifeTimeSeconds", json_integer(cli_arg_int(a, "--sa-lifetime")));
	json_object_set_new(p, "saDataSizeKilobytes",
			    json_integer(cli_arg_int(a, "--sa-max-size")));
	json_object_set_new(p, "ipsecEncryption",
			    json_string(cli_arg_str(a, "--ipsec-encryption")));
	json_object_set_new(p, "ipsecIntegrity", json_string(cli_arg_str(a, "--ipsec-integrity")));
	json_object_set_new(p, "ikeEncryption", json_string(cli_arg_str(a, "--ike-encryption")));
	json_object_set_new(p, "ikeIntegrity", json_string(cli_arg_str(a, "--ike-integrity")));
	json_object_set_new(p, "dhGroup", json_string(cli_arg_str(a, "--dh-group")));
	json_object_set_new(p, "pfsGroup", json_string(cli_arg_str(a, "--pfs-group")));
	json_array_append_new(policies_of(res), p);
	return 0;
}

static int policy_clear(const struct cli_args *a, json_t *res, FILE *err)
{
	json_array_clear(policies_of(res));
	return 0;
}

static json_t *pick_policies(json_t *answer)
{
	return cli_json_path(answer, "properties.ipsecPolicies");
}

static const struct cli_cmd policy_cmds[] = {
	{"add", "Add the custom IPsec/IKE policy of a connection (at most one).", policy_add_flags,
	 policy_get, policy_add, NULL, &conn_view,
	 "vnetgw vpn-connection ipsec-policy add -g rg1 --connection-name conn1 "
	 "--ike-encryption AES256 --ike-integrity SHA384 --dh-group ECP384 "
	 "--ipsec-encryption GCMAES256 --ipsec-integrity GCMAES256 --pfs-group ECP384 "
	 "--sa-lifetime 27000 --sa-max-size 102400000"},
	{"list", "List a connection's IPsec/IKE policies.", policy_flags, policy_get, NULL,
	 pick_policies, &policy_view,
	 "vnetgw vpn-connection ipsec-policy list -g rg1 --connection-name conn1 -o table"},
	{"clear", "Remove a connection's custom IPsec/IKE policies (back to the defaults).",
	 policy_flags, policy_get, policy_clear, NULL, &conn_view,
	 "vnetgw vpn-connection ipsec-policy clear -g rg1 --connection-name conn1"},
	{0},
};

static const struct cli_group policy_group = {
	.name = "ipsec-policy",
	.summary = "Manage a connection's custom IPsec/IKE policy.",
	.cmds = policy_cmds,
};

static const struct cli_group *const conn_groups[] = {&key_group, &policy_group, NULL};

static const struct cli_cmd conn_cmds[] = {
	{"create", "Create (or replace) a site-to-site IPsec connection.", create_flags,
	 conn_create, NULL, NULL, &conn_view,
	 "vnetgw vpn-connection create -g rg1 -n conn1 --vnet-gateway1 gw1 --local-gateway2 site1 "
	 "--shared-key s3cret"},
	{"update", "Change a connection (read, change, write back under If-Match).", update_flags,
	 conn_show, conn_modify, NULL, &conn_view,
	 "vnetgw vpn-connection update -g rg1 -n conn1 --routing-weight 20"},
	{"show", "Show a connection (its status and counters too).", named_flags, conn_show, NULL,
	 NULL, &conn_view, "vnetgw vpn-connection show -g rg1 -n conn1"},
	{"list", "List connections.", list_flags, conn_list, NULL, NULL, &conn_view,
	 "vnetgw vpn-connection list -g rg1 -o table"},
	{"delete", "Delete a connection.", named_flags, conn_delete, NULL, NULL, NULL,
	 "vnetgw vpn-connection delete -g rg1 -n conn1"},
	{"show-events",
	 "Show the connection's recent events: tunnel and BGP sessions up and down with why, "
	 "configuration applied, SAs installed and removed.",
	 events_flags, conn_events, NULL, pick_events, &event_view,
	 "vnetgw vpn-connection show-events -g rg1 -n conn1 -o table"},
	{"show-device-config-script",
	 "Print a configuration for the on-premises device (strongSwan swanctl.conf).",
	 script_flags, conn_script, NULL, NULL, NULL,
	 "vnetgw vpn-connection show-device-config-script -g rg1 -n conn1 > swanctl.conf"},
	{0},
};

const struct cli_group cli_group_vpn_connection = {
	.name = "vpn-connection",
	.summary = "Manage site-to-site VPN connections.",
	.cmds = conn_cmds,
	.groups = conn_groups,
};
