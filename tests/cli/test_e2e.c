/* SPDX-License-Identifier: MIT */
/*
 * End to end against a fake API server in the test (loopback TCP or a Unix socket): what goes on
 * the wire (request line, Authorization, If-Match, body), what the CLI prints for ARM answers and
 * ARM errors, and its exit code. The read-modify-write commands, list pages and the admin socket
 * are exercised here because they take more than one exchange.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define B  "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network"
#define QV "?api-version=2018-11-01"

#define VNET1                                                                                      \
	"{\"id\":\"" B "/virtualNetworks/vnet1\",\"name\":\"vnet1\",\"type\":"                     \
	"\"Microsoft.Network/virtualNetworks\",\"location\":\"local\",\"etag\":\"W/\\\"e1\\\"\","  \
	"\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.1.0.0/16\"]},"                \
	"\"provisioningState\":\"Succeeded\"}}"

static void expect_header(const struct fake_req *rq, const char *name, const char *want)
{
	char *v = fake_header(rq, name);

	if (!want)
		cr_expect_null(v, "header %s should be absent, is '%s'", name, v);
	else
		cr_expect(v && strcmp(v, want) == 0, "header %s: '%s', want '%s'", name,
			  v ? v : "(absent)", want);
	free(v);
}

Test(e2e, show_sends_token_and_prints_the_resource)
{
	const struct fake_reply replies[] = {{200, NULL, VNET1, NULL, 0}};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vnet show -g rg1 -n vnet1", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].method, "GET");
	cr_expect_str_eq(s.reqs[0].target, B "/virtualNetworks/vnet1" QV);
	expect_header(&s.reqs[0], "Authorization", "Bearer tok-123");
	expect_header(&s.reqs[0], "Accept", "application/json");
	expect_header(&s.reqs[0], "If-Match", NULL);
	cr_expect_str_empty(s.reqs[0].body);
	expect_json_eq(r.out, VNET1, "stdout");
	/* az's JSON output is indented */
	cr_expect(strstr(r.out, "\n  \"name\": \"vnet1\",\n") != NULL, "%s", r.out);
	cr_expect_str_empty(r.err);
	run_result_clear(&r);
}

Test(e2e, create_puts_the_built_body)
{
	const struct fake_reply replies[] = {{201, NULL, VNET1, NULL, 0}};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16 --token t2",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].method, "PUT");
	cr_expect_str_eq(s.reqs[0].target, B "/virtualNetworks/vnet1" QV);
	/* --token wins over VNETGW_TOKEN */
	expect_header(&s.reqs[0], "Authorization", "Bearer t2");
	expect_header(&s.reqs[0], "Content-Type", "application/json");
	expect_json_eq(s.reqs[0].body,
		       "{\"location\":\"local\",\"properties\":{\"addressSpace\":"
		       "{\"addressPrefixes\":[\"10.1.0.0/16\"]}}}",
		       "request body");
	expect_json_eq(r.out, VNET1, "stdout");
	run_result_clear(&r);
}

Test(e2e, arm_error_is_printed_with_code_message_target)
{
	const struct fake_reply replies[] = {
		{400, NULL,
		 "{\"error\":{\"code\":\"InvalidGatewaySku\",\"message\":\"The SKU "
		 "'UltraPerformance' is not offered: use Basic, Standard or HighPerformance.\","
		 "\"target\":\"properties.sku.name\"}}",
		 NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vnet-gateway create -g rg1 -n gw1 --vnet vnet1 --public-ip-addresses pip1 --sku "
		"UltraPerformance",
		NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 1);
	cr_expect_str_empty(r.out);
	cr_expect_str_eq(
		r.err, "ERROR: (InvalidGatewaySku) The SKU 'UltraPerformance' is not offered: use "
		       "Basic, Standard or HighPerformance.\n"
		       "Code: InvalidGatewaySku\n"
		       "Message: The SKU 'UltraPerformance' is not offered: use Basic, Standard or "
		       "HighPerformance.\n"
		       "Target: properties.sku.name\n");
	run_result_clear(&r);
}

struct status_row {
	const char *cmd;
	int status;
	const char *body;
	int code;
	const char *want_err; /* substring */
};

/* Exit codes and messages per kind of answer. */
Test(e2e, answers_and_exit_codes)
{
	static const struct status_row rows[] = {
		/* 0: az exits 3 when what was shown does not exist */
		{"vnet show -g rg1 -n nope", 404,
		 "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"The virtual network "
		 "'nope' was not found.\"}}",
		 3, "ERROR: (ResourceNotFound) The virtual network 'nope' was not found.\n"},
		/* 1: rule 12 */
		{"vnet delete -g rg1 -n vnet1", 409,
		 "{\"error\":{\"code\":\"InUseByVirtualNetworkGateway\",\"message\":\"gw1 uses "
		 "it.\"}}",
		 1, "Code: InUseByVirtualNetworkGateway\n"},
		/* 2: no target: no Target line (checked below) */
		{"vnet show -g rg1 -n v", 401, "{\"error\":{\"code\":\"AuthenticationFailed\"}}", 1,
		 "ERROR: (AuthenticationFailed) \n"},
		{"vnet show -g rg1 -n v", 401, "{\"error\":{\"code\":\"AuthenticationFailed\"}}", 1,
		 "Hint: pass --token or set VNETGW_TOKEN"},
		/* 4: an answer that is not ARM's */
		{"vnet show -g rg1 -n v", 502, "upstream down", 1,
		 "ERROR: the server answered HTTP 502: upstream down\n"},
		/* 5: control bytes from the server do not reach the terminal */
		{"vnet show -g rg1 -n v", 400,
		 "{\"error\":{\"code\":\"Bad\\u001b[2J\",\"message\":\"m\\r\\nx\"}}", 1,
		 "ERROR: (Bad?[2J) m??x\n"},
		/* 6: delete of something that did not exist: 204, success, nothing printed */
		{"vnet delete -g rg1 -n gone", 204, NULL, 0, ""},
		/* 7: a 2xx answer that is not JSON */
		{"vnet show -g rg1 -n v", 200, "<html>", 1,
		 "ERROR: the server's answer is not JSON"},
		/* 8: reset answers 202 with no body: nothing to print */
		{"vnet-gateway reset -g rg1 -n gw1", 202, NULL, 0, ""},
		/* 9: an empty target is no target */
		{"vnet delete -g rg1 -n v", 409,
		 "{\"error\":{\"code\":\"InUse\",\"message\":\"m\",\"target\":\"\"}}", 1,
		 "Message: m\n"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct fake_reply replies[] = {{rows[i].status, NULL, rows[i].body, NULL, 0}};
		struct fake_server s;
		struct run_result r;
		struct cli_env e;

		fake_start_tcp(&s, replies, 1);
		cli_env_for(&e, &s);
		run_cli(&r, e.vars, rows[i].cmd, NULL);
		fake_stop(&s);
		cr_expect_eq(r.code, rows[i].code, "row %zu: exit %d, want %d: %s", i, r.code,
			     rows[i].code, r.err);
		cr_expect(strstr(r.err, rows[i].want_err) != NULL,
			  "row %zu: stderr lacks '%s':\n%s", i, rows[i].want_err, r.err);
		if (rows[i].code != 0)
			cr_expect_str_empty(r.out, "row %zu: %s", i, r.out);
		else
			cr_expect_str_empty(r.err, "row %zu: %s", i, r.err);
		if (i == 2 || i == 9)
			cr_expect_null(strstr(r.err, "Target:"), "%s", r.err);
		if (i == 6 || i == 8)
			cr_expect_str_empty(r.out, "row %zu: %s", i, r.out);
		run_result_clear(&r);
	}
}

/* Server URLs: IPv4, bracketed IPv6, a name; nothing listens on port 9 (discard). */
Test(e2e, connection_refused)
{
	static const struct {
		const char *server, *want;
	} rows[] = {
		{"VNETGW_SERVER=http://127.0.0.1:9", "cannot connect to 127.0.0.1 port 9: "},
		{"VNETGW_SERVER=http://[::1]:9", "cannot connect to ::1 port 9: "},
		{"VNETGW_SERVER=http://localhost:9/", "cannot connect to localhost port 9: "},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *env[] = {"VNETGW_SUBSCRIPTION=sub1", rows[i].server, NULL};
		struct run_result r;

		run_cli(&r, env, "vnet list", NULL);
		cr_expect_eq(r.code, 1, "%s: exit %d", rows[i].server, r.code);
		cr_expect(strstr(r.err, rows[i].want) != NULL, "%s: %s", rows[i].server, r.err);
		cr_expect(strncmp(r.err, "ERROR: ", 7) == 0, "%s", r.err);
		run_result_clear(&r);
	}
}

/* Pages are followed through nextLink, fetched from our server only whatever host it names. */
Test(e2e, list_follows_next_link)
{
	const struct fake_reply replies[] = {
		{200, NULL,
		 "{\"value\":[{\"name\":\"a\"}],\"nextLink\":\"http://elsewhere.example:1" B
		 "/virtualNetworks" QV "&$skiptoken=2\"}",
		 NULL, 0},
		{200, NULL, "{\"value\":[{\"name\":\"b\"},{\"name\":\"c\"}]}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vnet list -g rg1", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 2);
	cr_expect_str_eq(s.reqs[0].target, B "/virtualNetworks" QV);
	cr_expect_str_eq(s.reqs[1].target, B "/virtualNetworks" QV "&$skiptoken=2");
	expect_header(&s.reqs[1], "Authorization", "Bearer tok-123");
	expect_json_eq(r.out, "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]", "stdout");
	run_result_clear(&r);
}

Test(e2e, list_refuses_a_looping_next_link)
{
	const struct fake_reply replies[] = {
		{200, NULL, "{\"value\":[],\"nextLink\":\"" B "/virtualNetworks" QV "\"}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vnet list -g rg1", NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "nextLink is not usable") != NULL, "%s", r.err);
	run_result_clear(&r);
}

#define CONN1_PROPS                                                                                \
	"\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B                     \
	"/virtualNetworkGateways/gw1\"},\"localNetworkGateway2\":{\"id\":\"" B                     \
	"/localNetworkGateways/site1\"},\"connectionStatus\":\"Connected\""
#define CONN1_HEAD                                                                                 \
	"\"id\":\"" B "/connections/conn1\",\"name\":\"conn1\",\"location\":\"local\","            \
	"\"etag\":\"W/\\\"e7\\\"\""

/* add = GET, append to properties.ipsecPolicies, PUT with If-Match. */
Test(e2e, ipsec_policy_add_reads_appends_and_writes_under_if_match)
{
	const struct fake_reply replies[] = {
		{200, "ETag: W/\"e7\"\r\n",
		 "{" CONN1_HEAD ",\"properties\":{" CONN1_PROPS ",\"ipsecPolicies\":[]}}", NULL, 0},
		{200, NULL, "{" CONN1_HEAD ",\"properties\":{\"provisioningState\":\"Succeeded\"}}",
		 NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vpn-connection ipsec-policy add -g rg1 --connection-name conn1 --ike-encryption "
		"AES256 --ike-integrity SHA384 --dh-group ECP384 --ipsec-encryption GCMAES256 "
		"--ipsec-integrity GCMAES256 --pfs-group ECP384 --sa-lifetime 27000 --sa-max-size "
		"102400000",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 2);
	cr_expect_str_eq(s.reqs[0].method, "GET");
	cr_expect_str_eq(s.reqs[0].target, B "/connections/conn1" QV);
	cr_expect_str_eq(s.reqs[1].method, "PUT");
	cr_expect_str_eq(s.reqs[1].target, B "/connections/conn1" QV);
	expect_header(&s.reqs[1], "If-Match", "W/\"e7\"");
	expect_json_eq(s.reqs[1].body,
		       "{" CONN1_HEAD ",\"properties\":{" CONN1_PROPS ",\"ipsecPolicies\":[{"
		       "\"saLifeTimeSeconds\":27000,\"saDataSizeKilobytes\":102400000,"
		       "\"ipsecEncryption\":\"GCMAES256\",\"ipsecIntegrity\":\"GCMAES256\","
		       "\"ikeEncryption\":\"AES256\",\"ikeIntegrity\":\"SHA384\","
		       "\"dhGroup\":\"ECP384\",\"pfsGroup\":\"ECP384\"}]}}",
		       "PUT body");
	/* the answer printed is the PUT's */
	cr_expect(strstr(r.out, "\"provisioningState\": \"Succeeded\"") != NULL, "%s", r.out);
	run_result_clear(&r);
}

/* Without an ETag header the body's etag is used; a lost race is reported as the API says. */
Test(e2e, ipsec_policy_clear_and_precondition_failed)
{
	const struct fake_reply replies[] = {
		{200, NULL,
		 "{" CONN1_HEAD ",\"properties\":{\"ipsecPolicies\":[{\"dhGroup\":\"ECP256\"}]}}",
		 NULL, 0},
		{412, NULL,
		 "{\"error\":{\"code\":\"PreconditionFailed\",\"message\":\"The resource changed "
		 "since it was read.\"}}",
		 NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vpn-connection ipsec-policy clear -g rg1 --connection-name conn1",
		NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 1);
	cr_assert_eq(s.nreqs, 2);
	expect_header(&s.reqs[1], "If-Match", "W/\"e7\"");
	expect_json_eq(s.reqs[1].body, "{" CONN1_HEAD ",\"properties\":{\"ipsecPolicies\":[]}}",
		       "PUT body");
	cr_expect(strstr(r.err, "ERROR: (PreconditionFailed) The resource changed since it was "
				"read.\n") != NULL,
		  "%s", r.err);
	cr_expect_str_empty(r.out);
	run_result_clear(&r);
}

Test(e2e, ipsec_policy_list_prints_the_policies)
{
	const struct fake_reply replies[] = {
		{200, NULL,
		 "{" CONN1_HEAD ",\"properties\":{\"ipsecPolicies\":[{\"dhGroup\":\"ECP256\"}]}}",
		 NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vpn-connection ipsec-policy list -g rg1 --connection-name conn1",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_eq(s.nreqs, 1);
	expect_json_eq(r.out, "[{\"dhGroup\":\"ECP256\"}]", "stdout");
	run_result_clear(&r);
}

Test(e2e, local_gateway_update_changes_only_what_is_given)
{
	const struct fake_reply replies[] = {
		{200, "ETag: W/\"l1\"\r\n",
		 "{\"name\":\"site1\",\"tags\":{\"a\":\"b\"},\"properties\":{\"gatewayIpAddress\":"
		 "\"198.51.100.7\",\"localNetworkAddressSpace\":{\"addressPrefixes\":"
		 "[\"192.168.0.0/24\"]}}}",
		 NULL, 0},
		{200, NULL, "{\"name\":\"site1\"}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"local-gateway update -g rg1 -n site1 --local-address-prefixes 192.168.0.0/23 "
		"10.9.0.0/16 --asn 65050",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 2);
	cr_expect_str_eq(s.reqs[1].method, "PUT");
	cr_expect_str_eq(s.reqs[1].target, B "/localNetworkGateways/site1" QV);
	expect_header(&s.reqs[1], "If-Match", "W/\"l1\"");
	expect_json_eq(s.reqs[1].body,
		       "{\"name\":\"site1\",\"tags\":{\"a\":\"b\"},\"properties\":{"
		       "\"gatewayIpAddress\":\"198.51.100.7\",\"localNetworkAddressSpace\":{"
		       "\"addressPrefixes\":[\"192.168.0.0/23\",\"10.9.0.0/16\"]},"
		       "\"bgpSettings\":{\"asn\":65050}}}",
		       "PUT body");
	run_result_clear(&r);
}

/* A failed GET stops a read-modify-write: no PUT is sent. */
Test(e2e, update_of_a_missing_resource_sends_no_put)
{
	const struct fake_reply replies[] = {
		{404, NULL, "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"no\"}}", NULL,
		 0},
		{200, NULL, "{}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "local-gateway update -g rg1 -n site1 --asn 65050", NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 3);
	cr_expect_eq(s.nreqs, 1);
	run_result_clear(&r);
}

/* Admin commands go to the admin socket without a token; the new token is shown once. */
Test(e2e, admin_over_unix_socket)
{
	const struct fake_reply replies[] = {
		{201, NULL,
		 "{\"subscriptionId\":\"6f1c\",\"displayName\":\"contoso\",\"state\":\"Enabled\","
		 "\"token\":\"tok-new\",\"tokenId\":\"0b9e\"}",
		 NULL, 0},
	};
	char sock_env[160];
	const char *env[] = {sock_env, "VNETGW_TOKEN=tenant-token",
			     "VNETGW_SERVER=http://127.0.0.1:9", NULL};
	struct fake_server s;
	struct run_result r;

	fake_start_unix(&s, replies, 1);
	snprintf(sock_env, sizeof(sock_env), "VNETGW_ADMIN_SOCKET=%s", s.sock_path);
	run_cli(&r, env, "admin subscription create --display-name contoso -o table", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].method, "POST");
	cr_expect_str_eq(s.reqs[0].target, "/admin/subscriptions");
	expect_header(&s.reqs[0], "Authorization", NULL);
	expect_json_eq(s.reqs[0].body, "{\"displayName\":\"contoso\"}", "request body");
	cr_expect_str_eq(r.out, "SubscriptionId  DisplayName  State    TokenId  Token\n"
				"--------------  -----------  -------  -------  -------\n"
				"6f1c            contoso      Enabled  0b9e     tok-new\n");
	run_result_clear(&r);
}

/* Without a socket, admin commands use --server and the (admin) token. */
Test(e2e, admin_over_tcp_with_token)
{
	const struct fake_reply replies[] = {
		{200, NULL,
		 "{\"publicIpPool\":[\"203.0.113.0/28\"],\"tunnelLimits\":{\"Basic\":30}}", NULL,
		 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "admin settings update --tunnel-limits Basic=30", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].method, "PATCH");
	cr_expect_str_eq(s.reqs[0].target, "/admin/settings");
	expect_header(&s.reqs[0], "Authorization", "Bearer tok-123");
	expect_json_eq(s.reqs[0].body, "{\"tunnelLimits\":{\"Basic\":30}}", "request body");
	run_result_clear(&r);
}

/* A server URL with a path prefix puts it in front of every path. */
Test(e2e, server_path_prefix)
{
	const struct fake_reply replies[] = {{200, NULL, "{\"value\":[]}", NULL, 0}};
	struct fake_server s;
	struct run_result r;
	char server[128];

	fake_start_tcp(&s, replies, 1);
	snprintf(server, sizeof(server), "--server=%s/api/", s.url);
	run_cli(&r, NULL, "vnet list --subscription sub1",
		(const char *const[]){server, "--token", "x", NULL});
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].target,
			 "/api/subscriptions/sub1/providers/Microsoft.Network/virtualNetworks" QV);
	cr_expect_str_eq(r.out, "[]\n");
	run_result_clear(&r);
}

Test(e2e, device_config_script_is_printed_as_text)
{
	const struct fake_reply replies[] = {
		{200, NULL, "\"connections {\\n  conn1 {\\n  }\\n}\\n\"", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vpn-connection show-device-config-script -g rg1 -n conn1", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(s.reqs[0].target, B "/connections/conn1/vpndeviceconfigurationscript" QV);
	cr_expect_str_eq(r.out, "connections {\n  conn1 {\n  }\n}\n");
	run_result_clear(&r);
}

Test(e2e, shared_key_show_table)
{
	const struct fake_reply replies[] = {{200, NULL, "{\"value\":\"abc123\"}", NULL, 0}};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vpn-connection shared-key show -g rg1 --connection-name conn1 -o table", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(s.reqs[0].target, B "/connections/conn1/sharedkey" QV);
	cr_expect_str_eq(r.out, "Value\n------\nabc123\n");
	run_result_clear(&r);
}

/* vnet-gateway update: the SKU and BGP settings given, BGP turned on, the rest as read. */
Test(e2e, vnet_gateway_update)
{
	const struct fake_reply replies[] = {
		{200, "ETag: W/\"g1\"\r\n",
		 "{\"name\":\"gw1\",\"properties\":{\"sku\":{\"name\":\"Basic\",\"tier\":\"Basic\"}"
		 ","
		 "\"enableBgp\":false,\"gatewayType\":\"Vpn\"}}",
		 NULL, 0},
		{200, NULL, "{\"name\":\"gw1\"}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vnet-gateway update -g rg1 -n gw1 --sku Standard --asn 65010 "
		"--bgp-peering-address "
		"10.1.255.30 --tags env=prod",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 2);
	cr_expect_str_eq(s.reqs[1].method, "PUT");
	cr_expect_str_eq(s.reqs[1].target, B "/virtualNetworkGateways/gw1" QV);
	expect_header(&s.reqs[1], "If-Match", "W/\"g1\"");
	expect_json_eq(
		s.reqs[1].body,
		"{\"name\":\"gw1\",\"tags\":{\"env\":\"prod\"},\"properties\":{\"sku\":{"
		"\"name\":\"Standard\",\"tier\":\"Standard\"},\"enableBgp\":true,"
		"\"gatewayType\":\"Vpn\",\"bgpSettings\":{\"asn\":65010,\"bgpPeeringAddress\":"
		"\"10.1.255.30\"}}}",
		"PUT body");
	run_result_clear(&r);
}

/* vpn-connection update: only routing weight, BGP and DPD change; an explicit false is sent. */
Test(e2e, vpn_connection_update)
{
	const struct fake_reply replies[] = {
		{200, NULL, "{" CONN1_HEAD ",\"properties\":{" CONN1_PROPS ",\"enableBgp\":true}}",
		 NULL, 0},
		{200, NULL, "{\"name\":\"conn1\"}", NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 2);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vpn-connection update -g rg1 -n conn1 --routing-weight 20 --enable-bgp false "
		"--dpd-timeout 120",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 2);
	expect_header(&s.reqs[1], "If-Match", "W/\"e7\"");
	expect_json_eq(s.reqs[1].body,
		       "{" CONN1_HEAD ",\"properties\":{" CONN1_PROPS
		       ",\"enableBgp\":false,\"routingWeight\":20,\"dpdTimeoutSeconds\":120}}",
		       "PUT body");
	run_result_clear(&r);
}

/* As az does: a 429 with Retry-After is tried again after it, and the retry's answer counts. */
Test(e2e, throttled_answer_is_retried_after_retry_after)
{
	const struct fake_reply replies[] = {
		{429, "Retry-After: 0\r\n",
		 "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}", NULL, 0},
		{200, NULL, "{\"publicIpPool\":[]}", NULL, 0},
	};
	char sock_env[160];
	const char *env[] = {sock_env, NULL};
	struct fake_server s;
	struct run_result r;

	fake_start_unix(&s, replies, 2);
	snprintf(sock_env, sizeof(sock_env), "VNETGW_ADMIN_SOCKET=%s", s.sock_path);
	run_cli(&r, env, "admin settings show -o json", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect_eq(s.nreqs, 2, "the throttled request was sent again");
	cr_expect(strstr(r.err, "trying again in 0 s"), "%s", r.err);
	cr_expect(strstr(r.out, "publicIpPool"), "%s", r.out);
	run_result_clear(&r);
}

/* A 429 without Retry-After is an error at once (nothing says when to come back). */
Test(e2e, throttled_answer_without_retry_after_is_an_error)
{
	const struct fake_reply replies[] = {
		{429, NULL, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}",
		 NULL, 0},
	};
	char sock_env[160];
	const char *env[] = {sock_env, NULL};
	struct fake_server s;
	struct run_result r;

	fake_start_unix(&s, replies, 1);
	snprintf(sock_env, sizeof(sock_env), "VNETGW_ADMIN_SOCKET=%s", s.sock_path);
	run_cli(&r, env, "admin settings show", NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 1);
	cr_expect_eq(s.nreqs, 1);
	cr_expect(strstr(r.err, "TooManyRequests"), "%s", r.err);
	run_result_clear(&r);
}
