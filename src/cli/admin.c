/* SPDX-License-Identifier: MIT */
/*
 * admin: the operator's commands — `vnetgw admin subscription create|list|delete`,
 * `admin token create|list|revoke` and `admin settings show|update` (docs/api.md "Operator
 * endpoints", SPEC §5 Auth and "As a service"). They go to the admin Unix socket when one is
 * named, else to --server with the admin token.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_column sub_cols[] = {
	{"SubscriptionId", "subscriptionId", CLI_COL_VALUE},
	{"DisplayName", "displayName", CLI_COL_VALUE},
	{"State", "state", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view sub_view = {sub_cols};

/* Shown once, at creation: the tenant's token. */
static const struct cli_column sub_new_cols[] = {
	{"SubscriptionId", "subscriptionId", CLI_COL_VALUE},
	{"DisplayName", "displayName", CLI_COL_VALUE},
	{"State", "state", CLI_COL_VALUE},
	{"TokenId", "tokenId", CLI_COL_VALUE},
	{"Token", "token", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view sub_new_view = {sub_new_cols};

/* Shown once, at creation: the token itself. */
static const struct cli_column token_cols[] = {
	{"Id", "id", CLI_COL_VALUE},
	{"Label", "label", CLI_COL_VALUE},
	{"CreatedAt", "createdAt", CLI_COL_VALUE},
	{"Token", "token", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view token_view = {token_cols};

/* Listed: never the token, only what names it. */
static const struct cli_column token_list_cols[] = {
	{"Id", "id", CLI_COL_VALUE},
	{"Label", "label", CLI_COL_VALUE},
	{"CreatedAt", "createdAt", CLI_COL_VALUE},
	{NULL, NULL, 0},
};
static const struct cli_view token_list_view = {token_list_cols};

static const struct cli_column settings_cols[] = {
	{"PublicIpPool", "publicIpPool", CLI_COL_VALUE},
	{"TunnelLimits", "tunnelLimits", CLI_COL_KV},
	{"AllowPrivateGatewayIps", "allowPrivateGatewayIps", CLI_COL_VALUE},
	{"Quotas", "quotas", CLI_COL_KV},
	{"MinSharedKeyLength", "minSharedKeyLength", CLI_COL_VALUE},
	{"ApiRateLimit", "apiRateLimit", CLI_COL_KV},
	{NULL, NULL, 0},
};
static const struct cli_view settings_view = {settings_cols};

/* ---- admin subscription -------------------------------------------------------------------- */

static const struct cli_flag sub_create_flags[] = {
	{"--display-name", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "The tenant's display name."},
	{"--token-label", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "A label for its first token (shown by 'admin token list')."},
	CLI_FLAG_END,
};

static const struct cli_flag no_flags[] = {
	CLI_FLAG_END,
};

static const struct cli_flag sub_id_flags[] = {
	{"--subscription-id", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "The subscription's id."},
	CLI_FLAG_END,
};

static const struct cli_flag token_create_flags[] = {
	{"--subscription-id", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "The subscription's id."},
	{"--label", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "What the token is for (up to 64 characters), shown by 'admin token list'."},
	CLI_FLAG_END,
};

static const struct cli_flag token_revoke_flags[] = {
	{"--subscription-id", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "The subscription's id."},
	{"--token-id", NULL, CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,
	 "The token's id (from 'admin token list'; not the token itself)."},
	CLI_FLAG_END,
};

/* /admin/subscriptions[/{id}[/tokens]] */
static int sub_req(const struct cli_args *a, struct cli_req *req, const char *method, bool id,
		   bool tokens)
{
	cli_req_admin(req, method, "/admin/subscriptions");
	if (!req->path)
		return CLI_EXIT_ERROR;
	if (id && cli_path_append(&req->path, cli_arg_str(a, "--subscription-id")))
		return CLI_EXIT_ERROR;
	if (tokens && cli_path_append(&req->path, "tokens"))
		return CLI_EXIT_ERROR;
	return 0;
}

static int sub_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = sub_req(a, req, "POST", false, false);

	if (rc)
		return rc;
	req->body = json_object();
	json_object_set_new(req->body, "displayName",
			    json_string(cli_arg_str(a, "--display-name")));
	if (cli_arg_set(a, "--token-label"))
		json_object_set_new(req->body, "tokenLabel",
				    json_string(cli_arg_str(a, "--token-label")));
	return 0;
}

static int sub_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	req->answer = CLI_ANSWER_LIST;
	return sub_req(a, req, "GET", false, false);
}

static int sub_delete(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	req->answer = CLI_ANSWER_NONE;
	return sub_req(a, req, "DELETE", true, false);
}

static int token_create(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = sub_req(a, req, "POST", true, true);

	if (rc)
		return rc;
	if (cli_arg_set(a, "--label")) {
		req->body = json_object();
		json_object_set_new(req->body, "label", json_string(cli_arg_str(a, "--label")));
	}
	return 0;
}

static int token_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	req->answer = CLI_ANSWER_LIST;
	return sub_req(a, req, "GET", true, true);
}

static int token_revoke(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	int rc = sub_req(a, req, "DELETE", true, true);

	if (rc)
		return rc;
	req->answer = CLI_ANSWER_NONE;
	return cli_path_append(&req->path, cli_arg_str(a, "--token-id")) ? CLI_EXIT_ERROR : 0;
}

static const struct cli_cmd sub_cmds[] = {
	{"create", "Create a subscription (a tenant) and its first token.", sub_create_flags,
	 sub_create, NULL, NULL, &sub_new_view,
	 "vnetgw admin subscription create --display-name contoso --admin-socket "
	 "/var/lib/vnetgw/admin.sock"},
	{"list", "List subscriptions.", no_flags, sub_list, NULL, NULL, &sub_view,
	 "vnetgw admin subscription list -o table"},
	{"delete", "Delete an empty subscription.", sub_id_flags, sub_delete, NULL, NULL, NULL,
	 "vnetgw admin subscription delete --subscription-id 6f1c…"},
	{0},
};

static const struct cli_group sub_group = {
	.name = "subscription",
	.summary = "Manage subscriptions (tenants).",
	.cmds = sub_cmds,
};

static const struct cli_cmd token_cmds[] = {
	{"create", "Issue another token for a subscription (the old ones stay valid).",
	 token_create_flags, token_create, NULL, NULL, &token_view,
	 "vnetgw admin token create --subscription-id 6f1c… --label ci-pipeline"},
	{"list", "List a subscription's tokens: id, label and creation time (never the token).",
	 sub_id_flags, token_list, NULL, NULL, &token_list_view,
	 "vnetgw admin token list --subscription-id 6f1c… -o table"},
	{"revoke", "Revoke a token: it is refused from its next request on.", token_revoke_flags,
	 token_revoke, NULL, NULL, NULL,
	 "vnetgw admin token revoke --subscription-id 6f1c… --token-id 0b9e…"},
	{0},
};

static const struct cli_group token_group = {
	.name = "token",
	.summary = "Manage subscriptions' bearer tokens.",
	.cmds = token_cmds,
};

/* ---- admin settings ------------------------------------------------------------------------ */

static const struct cli_flag settings_update_flags[] = {
	{"--public-ip-pool", NULL, CLI_FLAG_LIST, 0, NULL, 0, 0,
	 "The gateway's shared public addresses, space-separated prefixes (a /32 is one address;"
	 " replaces the pool): every gateway answers on the first host address of the first. \"\""
	 " empties it."},
	{"--tunnel-limits", NULL, CLI_FLAG_LIST, 0, NULL, 0, 0,
	 "Space-separated SKU=N: IPsec tunnels allowed per SKU across the deployment."},
	{"--allow-private-gateway-ips", NULL, CLI_FLAG_BOOL, 0, NULL, 0, 0,
	 "Accept private gatewayIpAddress values on local network gateways (labs only)."},
	{"--max-gateways-per-subscription", NULL, CLI_FLAG_INT, 0, NULL, 0, 100000,
	 "Quota: VPN gateways one subscription may have (MaxVirtualNetworkGatewaysPerSubscription)."},
	{"--max-connections-per-subscription", NULL, CLI_FLAG_INT, 0, NULL, 0, 100000,
	 "Quota: connections one subscription may have "
	 "(MaxVirtualNetworkGatewayConnectionsPerSubscription)."},
	{"--min-shared-key-length", NULL, CLI_FLAG_INT, 0, NULL, 1, 128,
	 "The shortest shared key accepted (default 8): short keys can be guessed offline."},
	{"--api-rate-limit", NULL, CLI_FLAG_INT, 0, NULL, 1, 100000,
	 "Requests per second each token may send (more are answered 429 with Retry-After)."},
	{"--api-rate-burst", NULL, CLI_FLAG_INT, 0, NULL, 1, 100000,
	 "Requests a token may send at once above that rate."},
	CLI_FLAG_END,
};

/* The integer flags of settings update: flag, object ("" top level), key. */
static const struct {
	const char *flag, *object, *key;
} settings_ints[] = {
	{"--max-gateways-per-subscription", "quotas", "maxVirtualNetworkGatewaysPerSubscription"},
	{"--max-connections-per-subscription", "quotas",
	 "maxVirtualNetworkGatewayConnectionsPerSubscription"},
	{"--min-shared-key-length", "", "minSharedKeyLength"},
	{"--api-rate-limit", "apiRateLimit", "requestsPerSecond"},
	{"--api-rate-burst", "apiRateLimit", "burst"},
};

static int settings_show(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	cli_req_admin(req, "GET", "/admin/settings");
	return 0;
}

static int parse_limit(const char *word, char **sku, long long *n)
{
	const char *eq = strchr(word, '=');
	char *end;

	if (!eq || eq == word || !eq[1])
		return -EINVAL;
	errno = 0;
	*n = strtoll(eq + 1, &end, 10);
	if (errno || *end || *n < 0 || *n > 1000000)
		return -EINVAL;
	*sku = strndup(word, (size_t)(eq - word));
	return *sku ? 0 : -ENOMEM;
}

static int settings_update(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req)
{
	const char *const *pool, *const *limits;
	size_t npool, nlim, i;

	bool any_int = false;

	pool = cli_arg_list(a, "--public-ip-pool", &npool);
	limits = cli_arg_list(a, "--tunnel-limits", &nlim);
	for (i = 0; i < sizeof(settings_ints) / sizeof(settings_ints[0]); i++)
		any_int |= cli_arg_set(a, settings_ints[i].flag);
	if (npool == 0 && nlim == 0 && !cli_arg_set(a, "--allow-private-gateway-ips") && !any_int) {
		fprintf(ctx->err,
			"ERROR: nothing to update: pass --public-ip-pool, --tunnel-limits, "
			"--allow-private-gateway-ips, a quota, --min-shared-key-length or "
			"--api-rate-limit (see 'vnetgw admin settings update --help')\n");
		return CLI_EXIT_USAGE;
	}
	cli_req_admin(req, "PATCH", "/admin/settings");
	req->body = json_object();
	for (i = 0; i < sizeof(settings_ints) / sizeof(settings_ints[0]); i++) {
		json_t *o = req->body;

		if (!cli_arg_set(a, settings_ints[i].flag))
			continue;
		if (settings_ints[i].object[0])
			o = cli_json_child(req->body, settings_ints[i].object);
		json_object_set_new(o, settings_ints[i].key,
				    json_integer(cli_arg_int(a, settings_ints[i].flag)));
	}
	/* As with --tags, one empty value clears the pool (no shared public IP: no gateway runs). */
	if (npool == 1 && !pool[0][0])
		json_object_set_new(req->body, "publicIpPool", json_array());
	else if (npool)
		json_object_set_new(req->body, "publicIpPool", cli_json_strings(pool, npool));
	if (cli_arg_set(a, "--allow-private-gateway-ips"))
		json_object_set_new(req->body, "allowPrivateGatewayIps",
				    json_boolean(cli_arg_bool(a, "--allow-private-gateway-ips")));
	if (nlim) {
		json_t *lim = json_object();

		json_object_set_new(req->body, "tunnelLimits", lim);
		for (i = 0; i < nlim; i++) {
			char *sku = NULL;
			long long n;

			if (parse_limit(limits[i], &sku, &n)) {
				fprintf(ctx->err,
					"ERROR: argument --tunnel-limits: '%s' is not "
					"SKU=N (for example Basic=20)\n",
					limits[i]);
				return CLI_EXIT_USAGE;
			}
			json_object_set_new(lim, sku, json_integer(n));
			free(sku);
		}
	}
	return 0;
}

static const struct cli_cmd settings_cmds[] = {
	{"show", "Show the deployment-wide settings.", no_flags, settings_show, NULL, NULL,
	 &settings_view, "vnetgw admin settings show"},
	{"update", "Change the deployment-wide settings (only the ones given).",
	 settings_update_flags, settings_update, NULL, NULL, &settings_view,
	 "vnetgw admin settings update --public-ip-pool 203.0.113.0/28 --tunnel-limits "
	 "HighPerformance=12 --max-connections-per-subscription 4"},
	{0},
};

static const struct cli_group settings_group = {
	.name = "settings",
	.summary = "Manage deployment-wide settings (public IP pool, tunnel limits, quotas, shared "
		   "keys, API rate).",
	.cmds = settings_cmds,
};

static const struct cli_group *const admin_groups[] = {
	&sub_group,
	&token_group,
	&settings_group,
	NULL,
};

const struct cli_group cli_group_admin = {
	.name = "admin",
	.summary = "Operator commands (admin token or the admin Unix socket).",
	.groups = admin_groups,
};
