/* SPDX-License-Identifier: MIT */
/*
 * API tests, the refusals: each error of docs/api.md over HTTP with its status, its stable
 * error.code and (where a field is at fault) its target -- api-version, authentication, paths,
 * methods, malformed and oversized bodies, preconditions, names, SPEC §2 rules as the API
 * returns them, deletion of referenced resources, shared-key endpoints.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/harness.h"

static struct daemon d;
static char sub[64], tok[128];

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "contoso", sub, tok);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_errors, .init = setup, .fini = teardown, .timeout = 60);

/* One row: a request and what it must answer. */
struct row {
	const char *method;
	const char *path; /* {sub} is the subscription */
	const char *body;
	const char *headers;
	int auth; /* 0 none, 1 tenant, 2 admin, 3 bogus */
	int status;
	const char *code;
	const char *target; /* NULL: not checked */
};

#define P "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/"
#define V "?api-version=2018-11-01"

static const struct row rows[] = {
	/* 0 */ {"GET", P "virtualNetworks/v1", NULL, NULL, 1, 400, "MissingApiVersionParameter",
		 "api-version"},
	/* 1 */
	{"GET", P "virtualNetworks/v1?api-version=2019-02-01", NULL, NULL, 1, 400,
	 "InvalidApiVersionParameter", "api-version"},
	/* 2 */ {"GET", P "virtualNetworks/v1" V, NULL, NULL, 0, 401, "AuthenticationFailed", NULL},
	/* 3 */ {"GET", P "virtualNetworks/v1" V, NULL, NULL, 3, 401, "AuthenticationFailed", NULL},
	/* 4 */ {"GET", "/admin/subscriptions", NULL, NULL, 1, 401, "AuthenticationFailed", NULL},
	/* 5 */ {"GET", "/nothing/here", NULL, NULL, 1, 404, "PathNotFound", NULL},
	/* 6 */ {"GET", P "virtualMachines/x" V, NULL, NULL, 1, 404, "PathNotFound", NULL},
	/* 7 */ {"GET", P "virtualNetworks/v1" V, NULL, NULL, 1, 404, "ResourceNotFound", NULL},
	/* 8 */ {"POST", P "virtualNetworks/v1" V, "{}", NULL, 1, 405, "MethodNotAllowed", NULL},
	/* 9 */
	{"PUT", P "virtualNetworks/v1" V, "{\"properties\": {\"addressSpace\": ", NULL, 1, 400,
	 "InvalidRequestContent", NULL},
	/* 10 */
	{"PUT", P "virtualNetworks/bad%20name" V, "{}", NULL, 1, 400, "InvalidResourceName",
	 "name"},
	/* 11 */
	{"PUT",
	 "/subscriptions/{sub}/resourceGroups/rg./providers/Microsoft.Network/"
	 "virtualNetworks/v1" V,
	 "{}", NULL, 1, 400, "InvalidResourceGroupName", NULL},
	/* 12 */
	{"PUT", P "virtualNetworks/v1" V,
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.1/16\"]}}}", NULL, 1,
	 400, "InvalidAddressPrefix", "properties.addressSpace.addressPrefixes[0]"},
	/* 13 */
	{"PUT", P "virtualNetworkGateways/g1" V,
	 "{\"properties\":{\"gatewayType\":\"ExpressRoute\"}}", NULL, 1, 400,
	 "GatewayTypeNotSupported", "properties.gatewayType"},
	/* 14 */
	{"PUT", P "virtualNetworkGateways/g1" V,
	 "{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"PolicyBased\"}}", NULL, 1, 400,
	 "VpnTypeNotSupported", "properties.vpnType"},
	/* 15 */
	{"PUT", P "virtualNetworkGateways/g1" V,
	 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"UltraPerformance\"}}}", NULL,
	 1, 400, "GatewaySkuNotSupported", "properties.sku.name"},
	/* 16 */
	{"PUT", P "localNetworkGateways/l1" V,
	 "{\"properties\":{\"gatewayIpAddress\":\"192.168.1.1\",\"localNetworkAddressSpace\":"
	 "{\"addressPrefixes\":[\"10.5.0.0/16\"]}}}",
	 NULL, 1, 400, "GatewayIpAddressNotPublic", "properties.gatewayIpAddress"},
	/* 17 */
	{"PUT", P "localNetworkGateways/l1" V,
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.9\",\"bgpSettings\":{\"asn\":"
	 "65515,\"bgpPeeringAddress\":\"10.9.9.9\"}}}",
	 NULL, 1, 400, "ReservedAsn", "properties.bgpSettings.asn"},
	/* 18 */
	{"PUT", P "connections/c1" V, "{\"properties\":{\"connectionType\":\"Vnet2Vnet\"}}", NULL,
	 1, 400, "ConnectionTypeNotSupported", "properties.connectionType"},
	/* 19 */
	{"PATCH", P "virtualNetworks/v1" V, "{\"tags\":{\"a\":\"b\"}}", NULL, 1, 404,
	 "ResourceNotFound", NULL},
	/* 20 */
	{"PUT", P "publicIPAddresses/p1" V, "{}", "If-Match: W/\"nope\"\r\n", 1, 412,
	 "PreconditionFailed", "If-Match"},
	/* 21 */
	{"GET", P "connections/c9/sharedkey" V, NULL, NULL, 1, 404, "ResourceNotFound", NULL},
	/* 22 */ {"GET", P "virtualNetworks/v1" V, NULL, NULL, 2, 404, "ResourceNotFound", NULL},
	/* 23 */
	{"PATCH", "/admin/settings", "{\"publicIpPool\":[\"203.0.113.1/28\"]}", NULL, 2, 400,
	 "InvalidAddressPrefix", "publicIpPool[0]"},
	/* 24 */
	{"PATCH", "/admin/settings", "{\"tunnelLimits\":{\"UltraPerformance\":3}}", NULL, 2, 400,
	 "GatewaySkuNotSupported", "tunnelLimits.UltraPerformance"},
	/* 25 */
	{"DELETE", "/admin/subscriptions/00000000-0000-4000-8000-000000000000", NULL, NULL, 2, 404,
	 "SubscriptionNotFound", NULL},
	/* 26 */
	{"POST", "/admin/subscriptions", "{}", NULL, 2, 400, "MissingRequiredProperty",
	 "displayName"},
	/* 27 */
	{"GET", P "virtualNetworks" V "&$top=0", NULL, NULL, 1, 400, "InvalidPropertyValue",
	 "$top"},
	/* 28 */
	{"PUT", P "virtualNetworks/v1" V, "{\"name\":\"v2\"}", NULL, 1, 400, "ResourceNameMismatch",
	 "name"},
	/* 29 */
	{"POST", P "connections/c1/vpndeviceconfigurationscript" V, "{}", NULL, 1, 404,
	 "ResourceNotFound", NULL},
};

static void subst(char *out, size_t n, const char *tmpl, const char *s)
{
	const char *p = strstr(tmpl, "{sub}");

	if (p)
		snprintf(out, n, "%.*s%s%s", (int)(p - tmpl), tmpl, s, p + 5);
	else
		snprintf(out, n, "%s", tmpl);
}

Test(api_errors, table)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct http_resp r;
		char path[512];
		const char *token = rows[i].auth == 1	? tok
				    : rows[i].auth == 2 ? d.admin_token
				    : rows[i].auth == 3 ? "0123456789abcdef0123456789abcdef"
							: NULL;

		subst(path, sizeof(path), rows[i].path, sub);
		cr_assert_eq(
			http_do(&d, rows[i].method, path, token, rows[i].body, rows[i].headers, &r),
			0, "row %zu", i);
		cr_expect_eq(r.status, rows[i].status, "row %zu: %s %s -> %d %s", i, rows[i].method,
			     path, r.status, r.body);
		cr_expect_str_eq(http_error_code(&r), rows[i].code, "row %zu: %s", i, r.body);
		cr_expect_not_null(json_string_value(json_object_get(
					   json_object_get(r.json, "error"), "message")),
				   "row %zu", i);
		if (rows[i].target)
			cr_expect_str_eq(json_string_value(json_object_get(
						 json_object_get(r.json, "error"), "target")),
					 rows[i].target, "row %zu: %s", i, r.body);
		http_resp_free(&r);
	}
}

Test(api_errors, malformed_json_says_where)
{
	struct http_resp r;
	char path[512];
	const char *msg;

	arm_path(path, sizeof(path), sub, "virtualNetworks/v1", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{\n  \"properties\": {,}\n}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	msg = json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
	cr_assert_not_null(msg);
	cr_expect(strstr(msg, "line 2") && strstr(msg, "position"), "%s", msg);
	http_resp_free(&r);
}

Test(api_errors, body_too_large)
{
	struct http_resp r;
	char path[512];
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n + 1);

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	arm_path(path, sizeof(path), sub, "virtualNetworks/v1", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok, big, NULL, &r), 0);
	cr_expect_eq(r.status, 413);
	cr_expect_str_eq(http_error_code(&r), "RequestEntityTooLarge");
	http_resp_free(&r);
	/* just under the limit is parsed (and refused for what it says, not its size) */
	big[1024 * 1024 - 1] = '}';
	big[1024 * 1024] = '\0';
	cr_assert_eq(http_do(&d, "PUT", path, tok, big, NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	cr_expect_str_eq(http_error_code(&r), "MissingRequiredProperty");
	http_resp_free(&r);
	free(big);
}

Test(api_errors, preconditions_over_http)
{
	struct http_resp r;
	char path[512], hdr[160], etag[80];

	arm_path(path, sizeof(path), sub, "publicIPAddresses/p1", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{}", "If-None-Match: *\r\n", &r), 0);
	cr_expect_eq(r.status, 201, "If-None-Match: * creates what does not exist");
	strcpy(etag, json_string_value(json_object_get(r.json, "etag")));
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{}", "If-None-Match: *\r\n", &r), 0);
	cr_expect_eq(r.status, 412);
	cr_expect_str_eq(http_error_code(&r), "PreconditionFailed");
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "If-Match: %s\r\n", etag);
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{}", hdr, &r), 0);
	cr_expect_eq(r.status, 200);
	http_resp_free(&r);
	/* the etag moved on: the old one no longer matches, for PUT, PATCH or DELETE */
	cr_assert_eq(http_do(&d, "PATCH", path, tok, "{\"tags\":{}}", hdr, &r), 0);
	cr_expect_eq(r.status, 412);
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "DELETE", path, tok, NULL, hdr, &r), 0);
	cr_expect_eq(r.status, 412);
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200, "a refused DELETE deletes nothing");
	http_resp_free(&r);
}

Test(api_errors, referenced_resources_conflict)
{
	struct http_resp r;
	char path[512];
	static const char *const tn[] = {"virtualNetworks/v1", "publicIPAddresses/p1",
					 "virtualNetworkGateways/g1", "localNetworkGateways/l1"};
	static const char *const code[] = {"InUseByVirtualNetworkGateway",
					   "InUseByVirtualNetworkGateway", "InUseByConnection",
					   "InUseByConnection"};
	size_t i;

	topo_build(&d, sub, tok, "Standard", "198.51.100.20");
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "key-0123456789", &r), 201);
	http_resp_free(&r);
	for (i = 0; i < 4; i++) {
		arm_path(path, sizeof(path), sub, tn[i], NULL);
		cr_assert_eq(http_do(&d, "DELETE", path, tok, NULL, NULL, &r), 0);
		cr_expect_eq(r.status, 409, "%s", tn[i]);
		cr_expect_str_eq(http_error_code(&r), code[i], "%s: %s", tn[i], r.body);
		http_resp_free(&r);
	}
	arm_path(path, sizeof(path), sub, "virtualNetworks/v1/subnets/GatewaySubnet", NULL);
	cr_assert_eq(http_do(&d, "DELETE", path, tok, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 409);
	http_resp_free(&r);
	/* the subscription is not empty */
	snprintf(path, sizeof(path), "/admin/subscriptions/%s", sub);
	cr_assert_eq(http_unix(&d, "DELETE", path, NULL, &r), 0);
	cr_expect_eq(r.status, 409);
	cr_expect_str_eq(http_error_code(&r), "SubscriptionNotEmpty");
	http_resp_free(&r);
	/* rule 9 and rule 8 over HTTP */
	cr_expect_eq(conn_put(&d, sub, tok, "c2", "l1", "key-0123456789", &r), 409);
	cr_expect_str_eq(http_error_code(&r), "RemoteIpAddressInUse");
	http_resp_free(&r);
}

Test(api_errors, shared_key_refusals)
{
	struct http_resp r;
	char path[512];

	topo_build(&d, sub, tok, "Standard", "198.51.100.21");
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "key-0123456789", &r), 201);
	http_resp_free(&r);
	arm_path(path, sizeof(path), sub, "connections/c1", "/sharedkey/reset");
	cr_assert_eq(http_do(&d, "POST", path, tok, "{\"keyLength\":129}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	cr_expect_str_eq(http_error_code(&r), "InvalidPropertyValue");
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "POST", path, tok, "{\"keyLength\":0}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	http_resp_free(&r);
	arm_path(path, sizeof(path), sub, "connections/c1", "/sharedkey");
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{\"value\":\"\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "PUT", path, tok, "{\"value\":\"bad\\u0001key\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	cr_expect_str_eq(http_error_code(&r), "InvalidSharedKey");
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "DELETE", path, tok, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 405);
	http_resp_free(&r);
	/* the key is unchanged after every refusal */
	cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "value")), "key-0123456789");
	http_resp_free(&r);
	/* the device script is served (issue 6; tests/api/test_api_devcfg.c covers it) */
	arm_path(path, sizeof(path), sub, "connections/c1", "/vpndeviceconfigurationscript");
	cr_assert_eq(http_do(&d, "POST", path, tok, "{\"vendor\":\"strongSwan\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "secret = \"key-0123456789\""), "%s", r.body);
	http_resp_free(&r);
}

Test(api_errors, admin_socket_is_private)
{
	char path[200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/admin.sock", d.data);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/admin.token", d.data);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	if (d.etcd)
		return; /* the store is etcd's: no database file here */
	snprintf(path, sizeof(path), "%s/vnetgw.db", d.data);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0077, 0);
}

Test(api_errors, admin_token_file)
{
	struct daemon d2 = {0};
	struct http_resp r;
	char tokfile[128], path[200];
	FILE *f;

	snprintf(d2.dir, sizeof(d2.dir), "/tmp/vnetgw-api-XXXXXX");
	cr_assert_not_null(mkdtemp(d2.dir));
	snprintf(d2.data, sizeof(d2.data), "%s/data", d2.dir);
	snprintf(d2.log, sizeof(d2.log), "%s/daemon.log", d2.dir);
	snprintf(tokfile, sizeof(tokfile), "%s/operator.token", d2.dir);
	f = fopen(tokfile, "w");
	cr_assert_not_null(f);
	fputs("operator-chosen-token-0123456789\n", f);
	fclose(f);
	d2.admin_token_file = tokfile;
	daemon_start(&d2);
	cr_expect_str_eq(d2.admin_token, "operator-chosen-token-0123456789");
	cr_assert_eq(http_do(&d2, "GET", "/admin/settings", d2.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	http_resp_free(&r);
	/* the other daemon's token is no token here */
	cr_assert_eq(http_do(&d2, "GET", "/admin/settings", d.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 401);
	cr_expect_null(json_object_get(json_object_get(r.json, "error"), "target"),
		       "no field is at fault");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "%s/admin.token", d2.data);
	cr_expect_neq(access(path, F_OK), 0, "no token file is generated when one is given");
	daemon_stop(&d2);
	daemon_cleanup(&d2);
}
