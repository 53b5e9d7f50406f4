/* SPDX-License-Identifier: MIT */
/*
 * API tests, tenant isolation (SPEC §2, §5): tenant B cannot read, list, modify, delete or learn
 * of tenant A's resources -- every such request is answered exactly as for a subscription that
 * does not exist -- references across subscriptions look like references to nothing, the
 * deployment-wide rules refuse without naming the other tenant, and shared keys appear in no GET,
 * no list and no line of the daemon's log.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/harness.h"

#define KEY_A  "A-very-secret-psk-9f3e1c"
#define KEY_A2 "A-second-secret-psk-77ab"
#define NOSUB  "0badc0de-0000-4000-8000-00000000dead"

static struct daemon d;
static char sub_a[64], tok_a[128], sub_b[64], tok_b[128];

static void setup(void)
{
	struct http_resp r;

	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "tenant-a", sub_a, tok_a);
	tenant_new(&d, "tenant-b", sub_b, tok_b);
	topo_build(&d, sub_a, tok_a, "Standard", "198.51.100.31");
	cr_assert_eq(conn_put(&d, sub_a, tok_a, "c1", "l1", KEY_A, &r), 201, "%s", r.body);
	http_resp_free(&r);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_tenants, .init = setup, .fini = teardown, .timeout = 60);

/* The body with every occurrence of `from` replaced by `to` (for comparing answers). */
static char *replace(const char *body, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = body; (p = strstr(p, from)); p += fl)
		n++;
	out = malloc(strlen(body) + n * (tl > fl ? tl - fl : 0) + 1);
	for (o = out, p = body;;) {
		const char *q = strstr(p, from);

		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, tl);
		o += tl;
		p = q + fl;
	}
	return out;
}

static void path_for(char *out, size_t n, const char *sub, const char *tail)
{
	snprintf(out, n, "/subscriptions/%s/%s%sapi-version=2018-11-01", sub, tail,
		 strchr(tail, '?') ? "&" : "?");
}

Test(api_tenants, b_cannot_reach_a)
{
	static const struct {
		const char *method, *tail, *body;
	} probes[] = {
		{"GET", "resourceGroups/rg/providers/Microsoft.Network/connections/c1", NULL},
		{"GET", "resourceGroups/rg/providers/Microsoft.Network/connections", NULL},
		{"GET", "providers/Microsoft.Network/connections", NULL},
		{"GET", "resourceGroups/rg/providers/Microsoft.Network/connections/c1/sharedkey",
		 NULL},
		{"PUT", "resourceGroups/rg/providers/Microsoft.Network/connections/c1/sharedkey",
		 "{\"value\":\"stolen\"}"},
		{"POST",
		 "resourceGroups/rg/providers/Microsoft.Network/connections/c1/sharedkey/reset",
		 "{\"keyLength\":10}"},
		{"PUT", "resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p1", "{}"},
		{"PATCH", "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1",
		 "{\"tags\":{\"owned\":\"b\"}}"},
		{"DELETE", "resourceGroups/rg/providers/Microsoft.Network/connections/c1", NULL},
		{"DELETE",
		 "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/"
		 "GatewaySubnet",
		 NULL},
		{"POST",
		 "resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/g1/reset",
		 NULL},
		{"GET", "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets",
		 NULL},
		/* with more in the query, still nothing learned */
		{"GET", "resourceGroups/rg/providers/Microsoft.Network/connections/c1?x=1", NULL},
	};
	struct http_resp before, after;
	char path[512];
	size_t i;

	path_for(path, sizeof(path), sub_a,
		 "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1");
	cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &before), 0);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct http_resp ra, rn;
		char pn[512], *a_norm;

		path_for(path, sizeof(path), sub_a, probes[i].tail);
		path_for(pn, sizeof(pn), NOSUB, probes[i].tail);
		cr_assert_eq(http_do(&d, probes[i].method, path, tok_b, probes[i].body, NULL, &ra),
			     0);
		cr_assert_eq(http_do(&d, probes[i].method, pn, tok_b, probes[i].body, NULL, &rn),
			     0);
		cr_expect_eq(ra.status, 404, "probe %zu: %d %s", i, ra.status, ra.body);
		cr_expect_str_eq(http_error_code(&ra), "SubscriptionNotFound", "probe %zu", i);
		/* byte for byte what a subscription that does not exist answers */
		a_norm = replace(ra.body, sub_a, NOSUB);
		cr_expect_str_eq(a_norm, rn.body, "probe %zu", i);
		cr_expect_null(strstr(ra.body, KEY_A), "probe %zu", i);
		free(a_norm);
		http_resp_free(&ra);
		http_resp_free(&rn);
	}
	/* nothing of A changed, and A's key is A's */
	path_for(path, sizeof(path), sub_a,
		 "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1");
	cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &after), 0);
	cr_expect(json_equal(before.json, after.json));
	http_resp_free(&before);
	http_resp_free(&after);
	path_for(path, sizeof(path), sub_a,
		 "resourceGroups/rg/providers/Microsoft.Network/connections/c1/sharedkey");
	cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &after), 0);
	cr_expect_str_eq(json_string_value(json_object_get(after.json, "value")), KEY_A);
	http_resp_free(&after);
	/* B's token is no admin token either */
	cr_assert_eq(http_do(&d, "GET", "/admin/subscriptions", tok_b, NULL, NULL, &after), 0);
	cr_expect_eq(after.status, 401);
	http_resp_free(&after);
}

Test(api_tenants, b_lists_see_only_b)
{
	static const char *const types[] = {"virtualNetworks", "publicIPAddresses",
					    "virtualNetworkGateways", "localNetworkGateways",
					    "connections"};
	struct http_resp r;
	char path[512], tail[128];
	size_t i;

	topo_build(&d, sub_b, tok_b, "Basic", "198.51.100.32");
	for (i = 0; i < 5; i++) {
		snprintf(tail, sizeof(tail), "providers/Microsoft.Network/%s", types[i]);
		path_for(path, sizeof(path), sub_b, tail);
		cr_assert_eq(http_do(&d, "GET", path, tok_b, NULL, NULL, &r), 0);
		cr_expect_eq(r.status, 200);
		cr_expect_null(strstr(r.body, sub_a), "%s lists A's resources", types[i]);
		cr_expect_eq(json_array_size(json_object_get(r.json, "value")),
			     i == 4   ? 0
			     : i == 1 ? 2
				      : 1,
			     "%s: %s", types[i], r.body);
		http_resp_free(&r);
	}
}

Test(api_tenants, references_and_deployment_rules_reveal_nothing)
{
	struct http_resp r1, r2;
	char path[512], body[1024], *n1;

	topo_build(&d, sub_b, tok_b, "Standard", "198.51.100.33");
	/* B's connection naming A's gateway answers as one naming a gateway nowhere */
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":"
		 "\"" ARM_ID_PREFIX "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":"
		 "\"" ARM_ID_PREFIX "localNetworkGateways/l1\"}}}",
		 sub_a, sub_b);
	arm_path(path, sizeof(path), sub_b, "connections/cx", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok_b, body, NULL, &r1), 0);
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":"
		 "\"" ARM_ID_PREFIX "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":"
		 "\"" ARM_ID_PREFIX "localNetworkGateways/l1\"}}}",
		 NOSUB, sub_b);
	cr_assert_eq(http_do(&d, "PUT", path, tok_b, body, NULL, &r2), 0);
	cr_expect_eq(r1.status, 400);
	cr_expect_str_eq(http_error_code(&r1), "LinkedResourceNotFound");
	n1 = replace(r1.body, sub_a, NOSUB);
	cr_expect_str_eq(n1, r2.body);
	free(n1);
	http_resp_free(&r1);
	http_resp_free(&r2);
	/* rule 9: A's local gateway address, and A's site name, stay A's */
	arm_path(path, sizeof(path), sub_a, "localNetworkGateways/a-hq-private-site", NULL);
	cr_assert_eq(
		http_do(&d, "PUT", path, tok_a,
			"{\"properties\":{\"gatewayIpAddress\":\"198.51.100.77\","
			"\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.20.0.0/16\"]}}}",
			NULL, &r1),
		0);
	cr_assert_eq(r1.status, 201);
	http_resp_free(&r1);
	arm_path(path, sizeof(path), sub_b, "localNetworkGateways/l2", NULL);
	cr_assert_eq(
		http_do(&d, "PUT", path, tok_b,
			"{\"properties\":{\"gatewayIpAddress\":\"198.51.100.77\","
			"\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.20.0.0/16\"]}}}",
			NULL, &r1),
		0);
	cr_expect_eq(r1.status, 409);
	cr_expect_str_eq(http_error_code(&r1), "LocalGatewayIpAddressInUse");
	cr_expect_null(strstr(r1.body, "a-hq-private-site"));
	cr_expect_null(strstr(r1.body, sub_a));
	cr_expect_null(strstr(r1.body, "tenant-a"));
	http_resp_free(&r1);
	/* rule 8: A holds the last Standard tunnel; B is refused without learning whose */
	settings_patch(&d, "{\"tunnelLimits\":{\"Standard\":1}}");
	cr_expect_eq(conn_put(&d, sub_b, tok_b, "c1", "l1", "b-key-0123456789", &r1), 409);
	cr_expect_str_eq(http_error_code(&r1), "TunnelLimitReached");
	cr_expect_null(strstr(r1.body, sub_a));
	cr_expect_null(strstr(r1.body, "c1'"));
	http_resp_free(&r1);
}

/* Every GET and list A can make, and the log: the keys are nowhere. */
Test(api_tenants, shared_keys_never_leak)
{
	static const char *const tails[] = {
		"resourceGroups/rg/providers/Microsoft.Network/connections/c1",
		"resourceGroups/rg/providers/Microsoft.Network/connections/c2",
		"resourceGroups/rg/providers/Microsoft.Network/connections",
		"providers/Microsoft.Network/connections",
		"resourceGroups/rg/providers/Microsoft.Network/connections?$top=1",
		"resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/g1",
		"resourceGroups/rg/providers/Microsoft.Network/localNetworkGateways/l1",
	};
	struct http_resp r;
	char path[512], body[1024], *log;
	size_t i;

	/* a second connection whose key arrives through the sharedkey PUT */
	arm_path(path, sizeof(path), sub_a, "localNetworkGateways/l2", NULL);
	cr_assert_eq(
		http_do(&d, "PUT", path, tok_a,
			"{\"properties\":{\"gatewayIpAddress\":\"198.51.100.34\","
			"\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.21.0.0/16\"]}}}",
			NULL, &r),
		0);
	http_resp_free(&r);
	cr_assert_eq(conn_put(&d, sub_a, tok_a, "c2", "l2", "temporary-key", &r), 201);
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"value\":\"%s\"}", KEY_A2);
	arm_path(path, sizeof(path), sub_a, "connections/c2", "/sharedkey");
	cr_assert_eq(http_do(&d, "PUT", path, tok_a, body, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		path_for(path, sizeof(path), sub_a, tails[i]);
		cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &r), 0);
		cr_expect_eq(r.status, 200, "%s: %s", tails[i], r.body);
		cr_expect_null(strstr(r.body, KEY_A), "%s", tails[i]);
		cr_expect_null(strstr(r.body, KEY_A2), "%s", tails[i]);
		cr_expect_null(strstr(r.body, "temporary-key"), "%s", tails[i]);
		cr_expect_null(strstr(r.body, "sharedKey"), "%s", tails[i]);
		http_resp_free(&r);
	}
	/* a PATCH answer is a GET too */
	arm_path(path, sizeof(path), sub_a, "connections/c1", NULL);
	cr_assert_eq(http_do(&d, "PATCH", path, tok_a, "{\"tags\":{\"t\":\"1\"}}", NULL, &r), 0);
	cr_expect_null(strstr(r.body, KEY_A));
	http_resp_free(&r);
	/* and so is a PUT's */
	cr_assert_eq(conn_put(&d, sub_a, tok_a, "c1", "l1", KEY_A, &r), 200);
	cr_expect_null(strstr(r.body, KEY_A));
	http_resp_free(&r);
	log = daemon_log_read(&d);
	cr_expect_gt(strlen(log), 100, "the log is there");
	cr_expect_null(strstr(log, KEY_A), "a shared key reached the log");
	cr_expect_null(strstr(log, KEY_A2), "a shared key reached the log");
	cr_expect_null(strstr(log, "temporary-key"));
	cr_expect_null(strstr(log, tok_a), "a token reached the log");
	cr_expect_null(strstr(log, d.admin_token), "the admin token reached the log");
	free(log);
}
