/* SPDX-License-Identifier: MIT */
/*
 * API tests, live connection status (SPEC §2 read-only properties, §5): every GET and list of a
 * connection carries connectionStatus, its reason and time, tunnelConnectionStatus[] and the
 * byte counters. Here no gateway can run (the pool's address is not this machine's, or there is
 * no pool), so the status is NotConnected with the reason why. Also connectionMode: validated,
 * canonical, "Default" when absent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/harness.h"

static struct daemon d;
static char sub[64], tok[128];

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	/* TEST-NET-3: never an address of this machine, so the gateway cannot bind it. */
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "status", sub, tok);
	topo_build(&d, sub, tok, "Standard", "198.51.100.70");
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_status, .init = setup, .fini = teardown, .timeout = 60);

static json_t *props(struct http_resp *r)
{
	return json_object_get(r->json, "properties");
}

static const char *pstr(struct http_resp *r, const char *key)
{
	const char *s = json_string_value(json_object_get(props(r), key));

	return s ? s : "";
}

static int get_conn(const char *name, struct http_resp *r)
{
	char path[512], tn[128];

	snprintf(tn, sizeof(tn), "connections/%s", name);
	arm_path(path, sizeof(path), sub, tn, NULL);
	cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, r), 0);
	return r->status;
}

Test(api_status, not_connected_with_the_reason)
{
	struct http_resp r;
	char path[512];
	const char *t;
	struct tm tm;
	json_t *v;

	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "status-key", &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(get_conn("c1", &r), 200);
	cr_expect_str_eq(pstr(&r, "connectionStatus"), "NotConnected");
	cr_expect(strstr(pstr(&r, "connectionStatusReason"), "203.0.113.1"), "%s",
		  pstr(&r, "connectionStatusReason"));
	t = pstr(&r, "connectionStatusChangedUtcTime");
	memset(&tm, 0, sizeof(tm));
	cr_expect(strlen(t) == 20 && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm), "time '%s'", t);
	cr_expect(json_is_array(json_object_get(props(&r), "tunnelConnectionStatus")));
	cr_expect_eq(json_integer_value(json_object_get(props(&r), "ingressBytesTransferred")), 0);
	cr_expect(json_is_integer(json_object_get(props(&r), "egressBytesTransferred")));
	cr_expect_str_eq(pstr(&r, "connectionMode"), "Default");
	http_resp_free(&r);
	/* the list carries the same */
	arm_path(path, sizeof(path), sub, "connections", NULL);
	cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
	v = json_array_get(json_object_get(r.json, "value"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(v, "properties"),
							   "connectionStatus")),
			 "NotConnected");
	cr_expect(json_string_length(json_object_get(json_object_get(v, "properties"),
						     "connectionStatusReason")) > 0);
	http_resp_free(&r);
}

Test(api_status, no_public_ip)
{
	struct http_resp r;
	bool seen = false;

	cr_assert_eq(conn_put(&d, sub, tok, "c1", "l1", "status-key", &r), 201, "%s", r.body);
	http_resp_free(&r);
	settings_patch(&d, "{\"publicIpPool\":[]}");
	/* the reconciler runs from the loop after the answer: poll briefly */
	for (int i = 0; i < 100 && !seen; i++) {
		cr_assert_eq(get_conn("c1", &r), 200);
		seen = strstr(pstr(&r, "connectionStatusReason"), "no public IP") != NULL;
		if (!seen)
			usleep(20000);
		else
			cr_expect_str_eq(pstr(&r, "connectionStatus"), "NotConnected");
		http_resp_free(&r);
	}
	cr_expect(seen, "the reason names the missing public IP");
}

Test(api_status, connection_mode)
{
	struct http_resp r;
	char body[1024], path[512];

	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"connectionMode\":\"Sometimes\","
		 "\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX
		 "localNetworkGateways/l1\"}}}",
		 sub, sub);
	arm_path(path, sizeof(path), sub, "connections/c1", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok, body, NULL, &r), 0);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "properties.connectionMode"), "%s", r.body);
	http_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"connectionMode\":"
		 "\"responderonly\",\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX
		 "localNetworkGateways/l1\"}}}",
		 sub, sub);
	cr_assert_eq(http_do(&d, "PUT", path, tok, body, NULL, &r), 0);
	cr_expect_eq(r.status, 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(get_conn("c1", &r), 200);
	cr_expect_str_eq(pstr(&r, "connectionMode"), "ResponderOnly");
	http_resp_free(&r);
}
