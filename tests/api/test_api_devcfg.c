/* SPDX-License-Identifier: MIT */
/*
 * API tests, connections/{n}/vpndeviceconfigurationscript (SPEC §5): a text/plain swanctl.conf
 * built from the stored connection, local network gateway, gateway, public IP, VNet, shared key
 * and custom policy; 400 for an unknown vendor (naming the supported ones); 404 for a connection
 * that does not exist and for another tenant's, answered as for nothing at all.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/harness.h"

#define KEY_A "Devcfg-secret-psk-4c1d"
#define NOSUB "0badc0de-0000-4000-8000-00000000dead"

static struct daemon d;
static char sub_a[64], tok_a[128], sub_b[64], tok_b[128], gw_ip[64];

static void setup(void)
{
	struct http_resp r;
	char path[512], body[1024];

	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "tenant-a", sub_a, tok_a);
	tenant_new(&d, "tenant-b", sub_b, tok_b);
	topo_build(&d, sub_a, tok_a, "Standard", "198.51.100.41");
	cr_assert_eq(conn_put(&d, sub_a, tok_a, "c1", "l1", KEY_A, &r), 201, "%s", r.body);
	http_resp_free(&r);
	arm_path(path, sizeof(path), sub_a, "publicIPAddresses/p1", NULL);
	cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &r), 0);
	snprintf(gw_ip, sizeof(gw_ip), "%s",
		 json_string_value(
			 json_object_get(json_object_get(r.json, "properties"), "ipAddress")));
	http_resp_free(&r);
	cr_assert(gw_ip[0]);
	/* A second site with a custom policy (rule 9: its own remote IP). */
	arm_path(path, sizeof(path), sub_a, "localNetworkGateways/l2", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok_a,
			     "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.42\","
			     "\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.16.0.0/20\","
			     "\"172.16.32.0/24\"]}}}",
			     NULL, &r),
		     0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	http_resp_free(&r);
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"key2-0123456789\","
		 "\"dpdTimeoutSeconds\":30,"
		 "\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworkGateways/g1\"},"
		 "\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX "localNetworkGateways/l2\"},"
		 "\"ipsecPolicies\":[{\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":1024000,"
		 "\"ipsecEncryption\":\"AES256\",\"ipsecIntegrity\":\"SHA256\","
		 "\"ikeEncryption\":\"AES128\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":"
		 "\"DHGroup14\",\"pfsGroup\":\"None\"}]}}",
		 sub_a, sub_a);
	arm_path(path, sizeof(path), sub_a, "connections/c2", NULL);
	cr_assert_eq(http_do(&d, "PUT", path, tok_a, body, NULL, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	http_resp_free(&r);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_devcfg, .init = setup, .fini = teardown, .timeout = 60);

static void script(const char *sub, const char *tok, const char *conn, const char *body,
		   struct http_resp *r)
{
	char path[512], tn[128];

	snprintf(tn, sizeof(tn), "connections/%s", conn);
	arm_path(path, sizeof(path), sub, tn, "/vpndeviceconfigurationscript");
	cr_assert_eq(http_do(&d, "POST", path, tok, body, NULL, r), 0);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void expect_line(const char *body, const char *line)
{
	cr_expect(strstr(body, line), "no '%s' in\n%s", line, body);
}

Test(api_devcfg, default_policy_script)
{
	struct http_resp r;
	char ct[128], cc[64], line[128];

	script(sub_a, tok_a, "c1",
	       "{\"vendor\":\"strongSwan\",\"deviceFamily\":\"swanctl\",\"firmwareVersion\":\"5."
	       "9\"}",
	       &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(http_header(&r, "Content-Type", ct, sizeof(ct)));
	cr_expect_eq(strncmp(ct, "text/plain", 10), 0, "Content-Type: %s", ct);
	cr_assert_not_null(http_header(&r, "Cache-Control", cc, sizeof(cc)));
	cr_expect_str_eq(cc, "no-store");
	cr_expect_null(r.json, "the script is not JSON");
	expect_line(r.body, "\tc1 {\n");
	expect_line(r.body, "\t\tlocal_addrs = 198.51.100.41\n");
	snprintf(line, sizeof(line), "\t\tremote_addrs = %s\n", gw_ip);
	expect_line(r.body, line);
	snprintf(line, sizeof(line), "\t\t\tid = %s\n", gw_ip);
	expect_line(r.body, line);
	expect_line(r.body, "\t\t\tid = 198.51.100.41\n");
	expect_line(r.body, "\t\tproposals = aes256-sha384-prfsha384-ecp384\n");
	expect_line(r.body, "\t\t\t\tesp_proposals = aes256gcm16-ecp384\n");
	expect_line(r.body, "\t\t\t\tlocal_ts = 192.168.0.0/24\n");
	expect_line(r.body, "\t\t\t\tremote_ts = 10.0.0.0/16\n");
	expect_line(r.body, "\t\tdpd_timeout = 45s\n");
	expect_line(r.body, "\t\t\t\tlife_time = 27000s\n");
	expect_line(r.body, "\t\t\t\tlife_bytes = 104857600000\n");
	expect_line(r.body, "secret = \"" KEY_A "\"\n");
	cr_expect_eq(count(r.body, KEY_A), 1);
	http_resp_free(&r);
}

Test(api_devcfg, custom_policy_script)
{
	struct http_resp r;

	script(sub_a, tok_a, "c2", "{\"vendor\":\"strongswan\"}", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	expect_line(r.body, "\t\tproposals = aes128-sha256-prfsha256-modp2048\n");
	expect_line(r.body, "\t\t\t\tesp_proposals = aes256-sha256\n");
	expect_line(r.body, "\t\t\t\tlocal_ts = 172.16.0.0/20,172.16.32.0/24\n");
	expect_line(r.body, "\t\t\t\tlife_time = 3600s\n");
	expect_line(r.body, "\t\t\t\tlife_bytes = 1048576000\n");
	expect_line(r.body, "\t\tdpd_timeout = 30s\n");
	expect_line(r.body, "secret = \"key2-0123456789\"\n");
	cr_expect_null(strstr(r.body, KEY_A), "another connection's key");
	http_resp_free(&r);
}

static const struct {
	const char *body, *code, *target;
} bad_rows[] = {
	/* 1 */ {"{\"vendor\":\"Cisco\",\"deviceFamily\":\"ASA\"}", "InvalidEnumValue", "vendor"},
	/* 2 */ {"{\"vendor\":\"\"}", "MissingRequiredProperty", "vendor"},
	/* 3 */ {"{}", "MissingRequiredProperty", "vendor"},
	/* 4 */ {"{\"vendor\":7}", "InvalidRequestFormat", "vendor"},
	/* 5 */ {"vendor=strongSwan", "InvalidRequestContent", NULL},
};

Test(api_devcfg, bad_requests)
{
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		struct http_resp r;
		json_t *e;

		script(sub_a, tok_a, "c1", bad_rows[i].body, &r);
		cr_expect_eq(r.status, 400, "row %zu: %d %s", i + 1, r.status, r.body);
		cr_expect_str_eq(http_error_code(&r), bad_rows[i].code, "row %zu", i + 1);
		e = json_object_get(r.json, "error");
		if (bad_rows[i].target)
			cr_expect_str_eq(json_string_value(json_object_get(e, "target")),
					 bad_rows[i].target, "row %zu", i + 1);
		cr_expect_null(strstr(r.body, KEY_A), "row %zu: the key in an error", i + 1);
		http_resp_free(&r);
	}
}

Test(api_devcfg, unknown_vendor_names_the_supported)
{
	struct http_resp r;
	const char *msg;

	script(sub_a, tok_a, "c1", "{\"vendor\":\"Juniper\"}", &r);
	cr_assert_eq(r.status, 400);
	msg = json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
	cr_assert_not_null(msg);
	cr_expect(strstr(msg, "Juniper") && strstr(msg, "strongSwan"), "%s", msg);
	http_resp_free(&r);
}

Test(api_devcfg, not_found_and_method)
{
	struct http_resp r;
	char path[512];

	script(sub_a, tok_a, "nope", "{\"vendor\":\"strongSwan\"}", &r);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(http_error_code(&r), "ResourceNotFound");
	http_resp_free(&r);
	/* 404 wins over a bad vendor: nothing is said about the vendor of nothing. */
	script(sub_a, tok_a, "nope", "{\"vendor\":\"Cisco\"}", &r);
	cr_expect_eq(r.status, 404);
	http_resp_free(&r);
	arm_path(path, sizeof(path), sub_a, "connections/c1", "/vpndeviceconfigurationscript");
	cr_assert_eq(http_do(&d, "GET", path, tok_a, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 405);
	http_resp_free(&r);
}

/* Tenant B reaching for A's connection: through A's subscription it gets what a subscription
 * that does not exist gets; in its own, what a connection that does not exist gets. */
Test(api_devcfg, tenant_isolation)
{
	struct http_resp r, ref;

	script(sub_a, tok_b, "c1", "{\"vendor\":\"strongSwan\"}", &r);
	script(NOSUB, tok_b, "c1", "{\"vendor\":\"strongSwan\"}", &ref);
	cr_expect_eq(r.status, 404);
	cr_expect_eq(r.status, ref.status);
	cr_expect_str_eq(http_error_code(&r), http_error_code(&ref));
	cr_expect_null(strstr(r.body, KEY_A));
	cr_expect_null(strstr(r.body, "198.51.100.41"));
	http_resp_free(&r);
	http_resp_free(&ref);
	script(sub_b, tok_b, "c1", "{\"vendor\":\"strongSwan\"}", &r);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(http_error_code(&r), "ResourceNotFound");
	cr_expect_null(strstr(r.body, KEY_A));
	http_resp_free(&r);
	/* No token at all. */
	script(sub_a, NULL, "c1", "{\"vendor\":\"strongSwan\"}", &r);
	cr_expect_eq(r.status, 401);
	cr_expect_null(strstr(r.body, KEY_A));
	http_resp_free(&r);
}

Test(api_devcfg, key_not_logged)
{
	struct http_resp r;
	char *log;

	script(sub_a, tok_a, "c1", "{\"vendor\":\"strongSwan\"}", &r);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	log = daemon_log_read(&d);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, KEY_A), "the shared key reached the daemon's log");
	free(log);
}
