/* SPDX-License-Identifier: MIT */
/*
 * API tests, golden outputs: the JSON of each resource type (and of a subnet, a list, an error,
 * the settings) compared with tests/api/golden/<name>.json after normalising what changes from
 * run to run -- the subscription id, etags, resourceGuids and the live status's time and
 * reason. VNETGW_GOLDEN_UPDATE=1 rewrites the files (review the diff before committing them).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/harness.h"

static struct daemon d;
static char sub[64], tok[128];

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "golden", sub, tok);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_golden, .init = setup, .fini = teardown, .timeout = 60);

static void normalise_string(json_t *parent, const char *key, json_t *v)
{
	const char *s = json_string_value(v), *p;
	char buf[1024];

	if (strcmp(key, "etag") == 0) {
		json_object_set_new(parent, key, json_string("W/\"{etag}\""));
		return;
	}
	if (strcmp(key, "resourceGuid") == 0) {
		json_object_set_new(parent, key, json_string("{guid}"));
		return;
	}
	/* Live status: when and why depend on the machine (a gateway may not bind here). */
	if (strcmp(key, "connectionStatusChangedUtcTime") == 0 ||
	    strcmp(key, "connectionStatusReason") == 0) {
		json_object_set_new(parent, key, json_string("{live}"));
		return;
	}
	p = strstr(s, sub);
	if (p) {
		snprintf(buf, sizeof(buf), "%.*s{sub}%s", (int)(p - s), s, p + strlen(sub));
		json_object_set_new(parent, key, json_string(buf));
	}
}

/* Replaces run-dependent values in place. */
static void normalise(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) normalise(v);
		return;
	}
	json_object_foreach(j, k, v)
	{
		if (json_is_string(v))
			normalise_string(j, k, v);
		else
			normalise(v);
	}
}

static void check_golden(const char *name, json_t *got)
{
	char path[256];
	json_t *want;
	json_error_t e;

	normalise(got);
	snprintf(path, sizeof(path), "tests/api/golden/%s.json", name);
	if (getenv("VNETGW_GOLDEN_UPDATE")) {
		cr_assert_eq(json_dump_file(got, path, JSON_INDENT(2)), 0, "cannot write %s", path);
		return;
	}
	want = json_load_file(path, 0, &e);
	cr_assert_not_null(want, "%s: %s (run from the repository root)", path, e.text);
	if (!json_equal(want, got)) {
		char *g = json_dumps(got, JSON_INDENT(2)), *w = json_dumps(want, JSON_INDENT(2));

		cr_expect_fail("%s differs.\n--- want\n%s\n--- got\n%s", name, w, g);
		free(g);
		free(w);
	}
	json_decref(want);
}

static void golden_get(const char *name, const char *tn, const char *suffix)
{
	struct http_resp r;
	char path[512];

	arm_path(path, sizeof(path), sub, tn, suffix);
	cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s: %s", tn, r.body);
	check_golden(name, r.json);
	http_resp_free(&r);
}

Test(api_golden, resources)
{
	struct http_resp r;
	char path[512], body[1024];

	topo_build(&d, sub, tok, "HighPerformance", "198.51.100.60");
	arm_path(path, sizeof(path), sub, "localNetworkGateways/bgp-site", NULL);
	cr_assert_eq(
		http_do(&d, "PUT", path, tok,
			"{\"location\":\"West US\",\"tags\":{\"site\":\"hq\"},\"properties\":"
			"{\"gatewayIpAddress\":\"198.51.100.61\",\"bgpSettings\":{\"asn\":65050,"
			"\"bgpPeeringAddress\":\"192.168.255.1\",\"peerWeight\":10}}}",
			NULL, &r),
		0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "golden-key", &r), 201);
	http_resp_free(&r);
	snprintf(
		body, sizeof(body),
		"{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"key2-0123456789\","
		"\"routingWeight\":3,\"dpdTimeoutSeconds\":30,"
		"\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		"virtualNetworkGateways/g1\"},"
		"\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX
		"localNetworkGateways/bgp-site\"},"
		"\"ipsecPolicies\":[{\"saLifeTimeSeconds\":27000,\"saDataSizeKilobytes\":102400000,"
		"\"ipsecEncryption\":\"gcmaes256\",\"ipsecIntegrity\":\"GCMAES256\","
		"\"ikeEncryption\":"
		"\"AES256\",\"ikeIntegrity\":\"SHA384\",\"dhGroup\":\"ECP384\",\"pfsGroup\":"
		"\"ECP384\"}]}}",
		sub, sub);
	arm_path(path, sizeof(path), sub, "connections/c2", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok, body, NULL, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	http_resp_free(&r);
	golden_get("virtualNetwork", "virtualNetworks/v1", NULL);
	golden_get("subnet", "virtualNetworks/v1/subnets/GatewaySubnet", NULL);
	golden_get("publicIPAddress", "publicIPAddresses/p1", NULL);
	golden_get("virtualNetworkGateway", "virtualNetworkGateways/g1", NULL);
	golden_get("localNetworkGateway", "localNetworkGateways/l1", NULL);
	golden_get("localNetworkGateway-bgp", "localNetworkGateways/bgp-site", NULL);
	golden_get("connection", "connections/c1", NULL);
	golden_get("connection-policy", "connections/c2", NULL);
	golden_get("list-localNetworkGateways", "localNetworkGateways", NULL);
}

Test(api_golden, error_and_settings)
{
	struct http_resp r;
	char path[512];

	arm_path(path, sizeof(path), sub, "virtualNetworkGateways/g1", NULL);
	cr_assert_eq(
		http_do(&d, "PUT", path, tok,
			"{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			"\"activeActive\":true}}",
			NULL, &r),
		0);
	cr_assert_eq(r.status, 400);
	check_golden("error-active-active", r.json);
	http_resp_free(&r);
	cr_assert_eq(http_unix(&d, "GET", "/admin/settings", NULL, &r), 0);
	check_golden("settings", r.json);
	http_resp_free(&r);
}
