/* SPDX-License-Identifier: MIT */
/*
 * API tests, the successful paths of every endpoint of docs/api.md against a real vnetgwd: the
 * operator's endpoints (token and Unix socket), each resource type's PUT/GET/PATCH/DELETE with
 * their statuses, subnets as child resources, lists at both levels with paging, the gateway's
 * actions, the shared key's endpoints, restart with everything still there, and no start
 * without a store.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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

TestSuite(api_basic, .init = setup, .fini = teardown, .timeout = 60);

static int req(const char *method, const char *tn, const char *suffix, const char *body,
	       struct http_resp *r)
{
	char path[512];

	arm_path(path, sizeof(path), sub, tn, suffix);
	cr_assert_eq(http_do(&d, method, path, tok, body, NULL, r), 0, "%s %s", method, path);
	return r->status;
}

Test(api_basic, admin_endpoints)
{
	struct http_resp r;
	char path[256], hdr[300], sub2[64], tok2[128];

	/* with the admin token over TCP, as on the socket */
	cr_assert_eq(http_do(&d, "GET", "/admin/subscriptions", d.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(json_array_size(json_object_get(r.json, "value")), 1);
	cr_expect_str_eq(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r.json, "value"), 0), "displayName")),
		"contoso");
	cr_expect_null(
		json_object_get(json_array_get(json_object_get(r.json, "value"), 0), "token"),
		"tokens are shown once, at creation");
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "POST", "/admin/subscriptions", d.admin_token,
			     "{\"displayName\":\"fabrikam\"}", NULL, &r),
		     0);
	cr_expect_eq(r.status, 201);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "Enabled");
	strcpy(sub2, json_string_value(json_object_get(r.json, "subscriptionId")));
	strcpy(tok2, json_string_value(json_object_get(r.json, "token")));
	http_resp_free(&r);
	/* a second token works alongside the first */
	snprintf(path, sizeof(path), "/admin/subscriptions/%s/tokens", sub2);
	cr_assert_eq(http_unix(&d, "POST", path, NULL, &r), 0);
	cr_expect_eq(r.status, 201);
	{
		char t3[128], p2[512];
		struct http_resp q;

		strcpy(t3, json_string_value(json_object_get(r.json, "token")));
		snprintf(p2, sizeof(p2),
			 "/subscriptions/%s/providers/Microsoft.Network/virtualNetworks"
			 "?api-version=2018-11-01",
			 sub2);
		cr_assert_eq(http_do(&d, "GET", p2, t3, NULL, NULL, &q), 0);
		cr_expect_eq(q.status, 200, "%s", q.body);
		http_resp_free(&q);
		cr_assert_eq(http_do(&d, "GET", p2, tok2, NULL, NULL, &q), 0);
		cr_expect_eq(q.status, 200, "%s", q.body);
		http_resp_free(&q);
	}
	http_resp_free(&r);
	/* settings */
	cr_assert_eq(http_unix(&d, "GET", "/admin/settings", NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(r.json, "tunnelLimits"),
							"HighPerformance")),
		     10);
	http_resp_free(&r);
	cr_assert_eq(
		http_unix(&d, "PATCH", "/admin/settings", "{\"tunnelLimits\":{\"Basic\":5}}", &r),
		0);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(json_integer_value(
			     json_object_get(json_object_get(r.json, "tunnelLimits"), "Basic")),
		     5);
	cr_expect_eq(json_integer_value(
			     json_object_get(json_object_get(r.json, "tunnelLimits"), "Standard")),
		     20, "a PATCH changes only what it names");
	cr_expect_str_eq(
		json_string_value(json_array_get(json_object_get(r.json, "publicIpPool"), 0)),
		"203.0.113.0/28");
	cr_expect_not_null(http_header(&r, "Content-Type", hdr, sizeof(hdr)));
	http_resp_free(&r);
	/* an empty subscription can be deleted; then its token is dead */
	snprintf(path, sizeof(path), "/admin/subscriptions/%s", sub2);
	cr_assert_eq(http_unix(&d, "DELETE", path, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	http_resp_free(&r);
	snprintf(path, sizeof(path),
		 "/subscriptions/%s/providers/Microsoft.Network/virtualNetworks"
		 "?api-version=2018-11-01",
		 sub2);
	cr_assert_eq(http_do(&d, "GET", path, tok2, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 401);
	http_resp_free(&r);
}

Test(api_basic, every_resource_lifecycle)
{
	struct http_resp r;
	char etag[80];

	topo_build(&d, sub, tok, "Standard", "198.51.100.10");
	/* GET each */
	cr_expect_eq(req("GET", "virtualNetworks/v1", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
			 "Microsoft.Network/virtualNetworks");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "properties"),
							   "provisioningState")),
			 "Succeeded");
	http_resp_free(&r);
	cr_expect_eq(req("GET", "publicIPAddresses/p1", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "properties"),
							   "ipAddress")),
			 "203.0.113.1");
	http_resp_free(&r);
	/* SPEC §1: one shared public IP, the pool's first address, for every resource */
	cr_expect_eq(req("GET", "publicIPAddresses/p2", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "properties"),
							   "ipAddress")),
			 "203.0.113.1");
	http_resp_free(&r);
	cr_expect_eq(req("GET", "virtualNetworkGateways/g1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "localNetworkGateways/l1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(conn_put(&d, sub, tok, "c1", "l1", "s3cret-Key", &r), 201, "%s", r.body);
	strcpy(etag, json_string_value(json_object_get(r.json, "etag")));
	cr_expect(strncmp(etag, "W/\"", 3) == 0, "%s", etag);
	http_resp_free(&r);
	/* PUT again: 200, a new etag, the same resourceGuid */
	cr_expect_eq(conn_put(&d, sub, tok, "c1", "l1", "s3cret-Key", &r), 200);
	cr_expect_str_neq(json_string_value(json_object_get(r.json, "etag")), etag);
	http_resp_free(&r);
	/* PATCH tags */
	cr_expect_eq(req("PATCH", "connections/c1", NULL, "{\"tags\":{\"env\":\"prod\"}}", &r),
		     200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "tags"), "env")),
			 "prod");
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "tags"), "env")),
			 "prod");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(r.json, "properties"),
							"dpdTimeoutSeconds")),
		     45);
	http_resp_free(&r);
	/* DELETE in order: 200, then 204 for what is gone */
	cr_expect_eq(req("DELETE", "connections/c1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "connections/c1", NULL, NULL, &r), 204);
	cr_expect_eq(r.len, 0);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", NULL, NULL, &r), 404);
	cr_expect_str_eq(http_error_code(&r), "ResourceNotFound");
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "virtualNetworkGateways/g1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "localNetworkGateways/l1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "publicIPAddresses/p1", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "virtualNetworks/v1", NULL, NULL, &r), 200);
	http_resp_free(&r);
}

Test(api_basic, subnets)
{
	struct http_resp r;

	cr_assert_eq(
		req("PUT", "virtualNetworks/v1", NULL,
		    "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
		    &r),
		201);
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "virtualNetworks/v1/subnets/GatewaySubnet", NULL,
			 "{\"properties\":{\"addressPrefix\":\"10.0.255.0/27\"}}", &r),
		     201, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
			 "Microsoft.Network/virtualNetworks/subnets");
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "virtualNetworks/v1/subnets/work", NULL,
			 "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}", &r),
		     201);
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "virtualNetworks/v1/subnets/work", NULL,
			 "{\"properties\":{\"addressPrefix\":\"10.0.2.0/24\"}}", &r),
		     200);
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "virtualNetworks/v1/subnets/clash", NULL,
			 "{\"properties\":{\"addressPrefix\":\"10.0.2.128/25\"}}", &r),
		     400);
	cr_expect_str_eq(http_error_code(&r), "SubnetsOverlap");
	cr_expect_str_eq(
		json_string_value(json_object_get(json_object_get(r.json, "error"), "target")),
		"properties.addressPrefix", "the target is the subnet's own field");
	http_resp_free(&r);
	cr_expect_eq(req("GET", "virtualNetworks/v1/subnets/work", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "properties"),
							   "addressPrefix")),
			 "10.0.2.0/24");
	http_resp_free(&r);
	cr_expect_eq(req("GET", "virtualNetworks/v1/subnets", NULL, NULL, &r), 200);
	cr_expect_eq(json_array_size(json_object_get(r.json, "value")), 2);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "virtualNetworks/v1", NULL, NULL, &r), 200);
	cr_expect_eq(
		json_array_size(json_object_get(json_object_get(r.json, "properties"), "subnets")),
		2);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "virtualNetworks/v1/subnets/work", NULL, NULL, &r), 200);
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "virtualNetworks/v1/subnets/work", NULL, NULL, &r), 204);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "virtualNetworks/v1/subnets/work", NULL, NULL, &r), 404);
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "virtualNetworks/nov/subnets/x", NULL,
			 "{\"properties\":{\"addressPrefix\":\"10.0.3.0/24\"}}", &r),
		     404);
	cr_expect_str_eq(http_error_code(&r), "ParentResourceNotFound");
	http_resp_free(&r);
}

Test(api_basic, lists_and_paging)
{
	struct http_resp r;
	char tn[64], path[512];
	int i, seen = 0, pages = 0;

	for (i = 0; i < 7; i++) {
		snprintf(tn, sizeof(tn), "publicIPAddresses/pip%d", i);
		cr_assert_eq(req("PUT", tn, NULL, "{}", &r), 201);
		http_resp_free(&r);
	}
	{
		char other[512];

		snprintf(other, sizeof(other),
			 "/subscriptions/%s/resourceGroups/rg2/providers/Microsoft.Network/"
			 "publicIPAddresses/elsewhere?api-version=2018-11-01",
			 sub);
		cr_assert_eq(http_do(&d, "PUT", other, tok, "{}", NULL, &r), 0);
		cr_assert_eq(r.status, 201);
		http_resp_free(&r);
	}
	cr_expect_eq(req("GET", "publicIPAddresses", NULL, NULL, &r), 200);
	cr_expect_eq(json_array_size(json_object_get(r.json, "value")), 7);
	cr_expect_null(json_object_get(r.json, "nextLink"));
	http_resp_free(&r);
	/* subscription level, 3 a page, following nextLink */
	snprintf(path, sizeof(path),
		 "/subscriptions/%s/providers/Microsoft.Network/publicIPAddresses"
		 "?api-version=2018-11-01&$top=3",
		 sub);
	for (;;) {
		const char *next;

		cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		seen += (int)json_array_size(json_object_get(r.json, "value"));
		pages++;
		next = json_string_value(json_object_get(r.json, "nextLink"));
		if (!next) {
			http_resp_free(&r);
			break;
		}
		cr_assert(strncmp(next, "http://", 7) == 0, "%s", next);
		snprintf(path, sizeof(path), "%s", strchr(next + 7, '/'));
		http_resp_free(&r);
		cr_assert_lt(pages, 10);
	}
	cr_expect_eq(seen, 8);
	cr_expect_eq(pages, 3);
}

Test(api_basic, gateway_actions_and_shared_key)
{
	struct http_resp r;

	topo_build(&d, sub, tok, "Standard", "198.51.100.11");
	cr_expect_eq(req("POST", "virtualNetworkGateways/g1", "/reset", NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "g1");
	http_resp_free(&r);
	/* No BGP on g1: said so, not an empty list that reads as "no peers". */
	cr_expect_eq(req("POST", "virtualNetworkGateways/g1", "/getBgpPeerStatus", NULL, &r), 400);
	cr_expect_str_eq(http_error_code(&r), "BgpNotEnabledOnGateway");
	http_resp_free(&r);
	cr_expect_eq(req("POST", "virtualNetworkGateways/g9", "/reset", NULL, &r), 404);
	http_resp_free(&r);
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "first-key", &r), 201);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", "/sharedkey", NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "value")), "first-key");
	http_resp_free(&r);
	cr_expect_eq(req("PUT", "connections/c1", "/sharedkey", "{\"value\":\"second-key\"}", &r),
		     200);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", "/sharedkey", NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "value")), "second-key");
	http_resp_free(&r);
	cr_expect_eq(req("POST", "connections/c1", "/sharedkey/reset", "{\"keyLength\":48}", &r),
		     200);
	cr_expect_eq(json_integer_value(json_object_get(r.json, "keyLength")), 48);
	cr_expect_null(json_object_get(r.json, "value"));
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", "/sharedkey", NULL, &r), 200);
	{
		const char *k = json_string_value(json_object_get(r.json, "value"));
		size_t i;

		cr_assert_not_null(k);
		cr_expect_eq(strlen(k), 48);
		cr_expect_str_neq(k, "second-key");
		for (i = 0; k[i]; i++)
			cr_expect(isalnum((unsigned char)k[i]));
	}
	http_resp_free(&r);
	/* a connection created without a key gets one */
	{
		char body[1024];

		snprintf(body, sizeof(body),
			 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":"
			 "{\"id\":\"" ARM_ID_PREFIX "virtualNetworkGateways/g1\"},"
			 "\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX
			 "localNetworkGateways/l1\"}}}",
			 sub, sub);
		cr_expect_eq(req("DELETE", "connections/c1", NULL, NULL, &r), 200);
		http_resp_free(&r);
		cr_expect_eq(req("PUT", "connections/c2", NULL, body, &r), 201, "%s", r.body);
		http_resp_free(&r);
		cr_expect_eq(req("GET", "connections/c2", "/sharedkey", NULL, &r), 200);
		cr_expect_eq(strlen(json_string_value(json_object_get(r.json, "value"))), 32);
		http_resp_free(&r);
	}
}

/* What the running gateway reports live (docs/api.md) is not stored: leave it out of a comparison
 * of stored state. */
static void strip_live(json_t *res)
{
	static const char *const live[] = {"connectionStatus", "connectionStatusReason",
					   "connectionStatusChangedUtcTime", "tunnelConnectionStatus",
					   "ingressBytesTransferred", "egressBytesTransferred"};
	json_t *props = json_object_get(res, "properties");

	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		json_object_del(props, live[i]);
}

Test(api_basic, restart_keeps_everything)
{
	struct http_resp r;
	json_t *before[3];
	const char *names[3] = {"virtualNetworkGateways/g1", "connections/c1",
				"publicIPAddresses/p2"};
	int i;

	topo_build(&d, sub, tok, "HighPerformance", "198.51.100.12");
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "kept-key", &r), 201);
	http_resp_free(&r);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(req("GET", names[i], NULL, NULL, &r), 200);
		before[i] = json_incref(r.json);
		strip_live(before[i]);
		http_resp_free(&r);
	}
	daemon_stop(&d);
	daemon_start(&d);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(req("GET", names[i], NULL, NULL, &r), 200);
		strip_live(r.json);
		cr_expect(json_equal(before[i], r.json), "%s changed across restart", names[i]);
		http_resp_free(&r);
		json_decref(before[i]);
	}
	cr_expect_eq(req("GET", "connections/c1", "/sharedkey", NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "value")), "kept-key");
	http_resp_free(&r);
	cr_expect_eq(req("DELETE", "virtualNetworkGateways/g1", NULL, NULL, &r), 409,
		     "references are restored too");
	http_resp_free(&r);
}

Test(api_basic, admin_token_reaches_every_subscription)
{
	struct http_resp r;
	char path[512];

	cr_assert_eq(req("PUT", "publicIPAddresses/p1", NULL, "{}", &r), 201);
	http_resp_free(&r);
	arm_path(path, sizeof(path), sub, "publicIPAddresses/p1", NULL);
	cr_assert_eq(http_do(&d, "GET", path, d.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	http_resp_free(&r);
	arm_path(path, sizeof(path), "0badc0de-0000-4000-8000-00000000dead", "publicIPAddresses/p1",
		 NULL);
	cr_assert_eq(http_do(&d, "GET", path, d.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(http_error_code(&r), "SubscriptionNotFound");
	http_resp_free(&r);
	/* the Unix socket is the operator: it reaches tenants' resources too */
	arm_path(path, sizeof(path), sub, "publicIPAddresses/p1", NULL);
	cr_assert_eq(http_unix(&d, "GET", path, NULL, &r), 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	http_resp_free(&r);
}

/* What a GET returns, PUT back unchanged, is accepted and changes nothing but the etag: the way
 * az-style clients edit (ipsec-policy add/clear is GET, edit, PUT). */
Test(api_basic, get_put_round_trip)
{
	static const char *const names[] = {
		"virtualNetworks/v1",	   "virtualNetworks/v1/subnets/GatewaySubnet",
		"publicIPAddresses/p1",	   "virtualNetworkGateways/g1",
		"localNetworkGateways/l1", "connections/c1",
	};
	struct http_resp r, again;
	size_t i;

	topo_build(&d, sub, tok, "Standard", "198.51.100.13");
	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "round-trip-key", &r), 201);
	http_resp_free(&r);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *text;

		cr_assert_eq(req("GET", names[i], NULL, NULL, &r), 200);
		text = json_dumps(r.json, 0);
		cr_expect_eq(req("PUT", names[i], NULL, text, &again), 200, "%s: %s", names[i],
			     again.body);
		json_object_del(r.json, "etag");
		json_object_del(again.json, "etag");
		if (json_is_array(
			    json_object_get(json_object_get(r.json, "properties"), "subnets"))) {
			json_t *s;
			size_t k;

			json_array_foreach(
				json_object_get(json_object_get(r.json, "properties"), "subnets"),
				k, s) json_object_del(s, "etag");
			json_array_foreach(
				json_object_get(json_object_get(again.json, "properties"),
						"subnets"),
				k, s) json_object_del(s, "etag");
		}
		strip_live(r.json);
		strip_live(again.json);
		cr_expect(json_equal(r.json, again.json), "%s changed on a round trip:\n%s\n%s",
			  names[i], r.body, again.body);
		free(text);
		http_resp_free(&r);
		http_resp_free(&again);
	}
	cr_expect_eq(req("GET", "connections/c1", "/sharedkey", NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "value")), "round-trip-key",
			 "a PUT without sharedKey keeps the key");
	http_resp_free(&r);
}

/* vnetgwd runs only with a store: without --data-dir, or with the retired --config, it refuses
 * to start and prints its usage (exit 2), whatever else is given. */
Test(api_basic, only_with_a_store)
{
	static const char *const argv_tails[] = {
		"--config /nonexistent.json",
		"--config /nonexistent.json --data-dir /nonexistent-dir",
		"--status-file /dev/null",
	};
	const char *build = getenv("VNETGW_BUILD");

	for (size_t i = 0; i < sizeof(argv_tails) / sizeof(argv_tails[0]); i++) {
		char cmd[512], out[4096];
		size_t n;
		FILE *p;
		int status;

		snprintf(cmd, sizeof(cmd), "%s/vnetgwd %s 2>&1", build ? build : "build",
			 argv_tails[i]);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = '\0';
		status = pclose(p);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status %d", cmd,
			  status);
		cr_expect(strstr(out, "usage: vnetgwd --data-dir DIR"), "%s: %s", cmd, out);
		cr_expect(!strstr(out, "--config FILE"), "%s: usage still offers --config", cmd);
	}
}

/*
 * The live views without a running gateway (the API tests' vnetgwd has no public IP pool): a
 * BGP gateway's views say the speaker is not running (409 GatewayNotRunning, why), never an
 * empty list; getAdvertisedRoutes wants its peer; a connection's events are its own (an empty
 * log here, 404 for one that does not exist); the probes answer without a token; /metrics is
 * the operator's.
 */
Test(api_basic, live_views_without_a_gateway)
{
	struct http_resp r;
	char path[512], body[2048];

	topo_build(&d, sub, tok, "Standard", "198.51.100.12");
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"RouteBased\","
		 "\"sku\":{\"name\":\"Standard\",\"tier\":\"Standard\"},\"enableBgp\":true,"
		 "\"bgpSettings\":{\"asn\":65515},\"ipConfigurations\":[{\"name\":\"default\","
		 "\"properties\":{\"subnet\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworks/v1/subnets/GatewaySubnet\"},\"publicIPAddress\":{\"id\":\"" ARM_ID_PREFIX
		 "publicIPAddresses/p1\"}}}]}}",
		 sub, sub);
	cr_assert_eq(req("PUT", "virtualNetworkGateways/g1", "", body, &r), 200, "%s", r.body);
	http_resp_free(&r);
	cr_expect_eq(req("POST", "virtualNetworkGateways/g1", "/getBgpPeerStatus", NULL, &r), 409);
	cr_expect_str_eq(http_error_code(&r), "GatewayNotRunning");
	cr_expect(r.body && strstr(r.body, "not running: "), "says why: %s", r.body);
	http_resp_free(&r);
	cr_expect_eq(req("POST", "virtualNetworkGateways/g1", "/getLearnedRoutes", NULL, &r), 409);
	http_resp_free(&r);
	cr_expect_eq(req("POST", "virtualNetworkGateways/g1", "/getAdvertisedRoutes", NULL, &r), 400);
	cr_expect_str_eq(http_error_code(&r), "MissingRequiredProperty");
	http_resp_free(&r);

	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "first-key", &r), 201);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", "/events", NULL, &r), 200);
	cr_expect(json_is_array(json_object_get(r.json, "value")));
	cr_expect_eq(json_integer_value(json_object_get(r.json, "droppedEvents")), 0);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c1", "/events?after=x", NULL, &r), 400);
	http_resp_free(&r);
	cr_expect_eq(req("POST", "connections/c1", "/events", NULL, &r), 405);
	http_resp_free(&r);
	cr_expect_eq(req("GET", "connections/c9", "/events", NULL, &r), 404);
	http_resp_free(&r);

	cr_assert_eq(http_do(&d, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200, "healthz without a token");
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "GET", "/readyz", NULL, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 503, "not ready without a gateway");
	cr_expect(r.body && strstr(r.body, "not running"), "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "GET", "/metrics", tok, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 401, "a tenant's token cannot read the deployment's metrics");
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "GET", "/metrics", NULL, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 401);
	http_resp_free(&r);
	cr_assert_eq(http_do(&d, "GET", "/metrics", d.admin_token, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 503, "no gateway, no figures: %s", r.body);
	http_resp_free(&r);
	(void)path;
}
