/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the rules of SPEC §2 that read stored state (src/mgmt/ops over src/mgmt/store on
 * a temporary database): rule 4 (one gateway per VNet, GatewaySubnet), 5 and 11 across resources,
 * 6 (public IPs), 8 (deployment-wide tunnel limits, active-active counting two), 9 (one local
 * gateway and one connection per remote IP, without revealing the other tenant), 10 (public
 * peers), 12 (no deletion of referenced resources), references across subscriptions, the public
 * IP pool, preconditions, and that a refused write leaves nothing behind.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgmt/ops.h"
#include "mgmt/store/store.h"
#include "unit/both_stores.h"

#define SUB_A "aaaaaaaa-0000-4000-8000-000000000001"
#define SUB_B "bbbbbbbb-0000-4000-8000-000000000002"

static char dir[] = "/tmp/vnetgw-rules-XXXXXX";
static char db[320]; /* the store's url */
static struct store *st;
static struct mgmt m; /* the operations on st */
static struct mgmt_error last;

static void set_limits(const char *json);

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	test_store_open(dir, false, db, sizeof(db), &st);
	m = (struct mgmt){.store = st};
	set_limits("{\"publicIpPool\":[\"203.0.113.0/28\"]}");
}

static void setup_etcd(void)
{
	cr_assert_not_null(mkdtemp(dir));
	test_store_open(dir, true, db, sizeof(db), &st);
	m = (struct mgmt){.store = st};
	set_limits("{\"publicIpPool\":[\"203.0.113.0/28\"]}");
}

static void teardown(void)
{
	char path[300];

	store_close(st);
	st = NULL;
	test_store_stop();
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_expect_eq(system(path), 0);
}

TestSuite(mgmt_rules, .init = setup, .fini = teardown);
TestSuite(mgmt_rules_etcd, .init = setup_etcd, .fini = teardown, .timeout = 120);

static struct model_id mkid(const char *sub, const char *seg, const char *name)
{
	struct model_id id = {0};

	snprintf(id.sub, sizeof(id.sub), "%s", sub);
	snprintf(id.rg, sizeof(id.rg), "rg");
	if (strcmp(seg, "subnets") == 0) {
		id.type = MODEL_SUBNET;
		snprintf(id.name, sizeof(id.name), "v1");
		snprintf(id.child, sizeof(id.child), "%s", name);
	} else {
		cr_assert_eq(model_type_from_segment(seg, &id.type), 0);
		snprintf(id.name, sizeof(id.name), "%s", name);
	}
	return id;
}

/* PUT; returns the error code (MGMT_OK on success) and keeps the error in `last`. */
static enum mgmt_err_code put(const char *sub, const char *seg, const char *name, const char *fmt,
			      ...) __attribute__((format(printf, 4, 5)));
static enum mgmt_err_code put(const char *sub, const char *seg, const char *name, const char *fmt,
			      ...)
{
	struct model_id id = mkid(sub, seg, name);
	struct mgmt_result res;
	char body[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	memset(&last, 0, sizeof(last));
	r = mgmt_ops_put(&m, &id, body, strlen(body), NULL, &res, &last);
	mgmt_result_clear(&res);
	return r ? last.code : MGMT_OK;
}

static enum mgmt_err_code del(const char *sub, const char *seg, const char *name)
{
	struct model_id id = mkid(sub, seg, name);
	struct mgmt_result res;
	int r;

	memset(&last, 0, sizeof(last));
	r = mgmt_ops_delete(&m, &id, NULL, &res, &last);
	mgmt_result_clear(&res);
	return r ? last.code : MGMT_OK;
}

static json_t *get(const char *sub, const char *seg, const char *name)
{
	struct model_id id = mkid(sub, seg, name);
	struct mgmt_result res;
	json_t *b;

	if (mgmt_ops_get(&m, &id, &res, &last) != 0)
		return NULL;
	b = json_incref(res.body);
	mgmt_result_clear(&res);
	return b;
}

static void set_limits(const char *json)
{
	struct mgmt_result res;

	cr_assert_eq(mgmt_ops_settings_patch(&m, json, strlen(json), &res, &last), 0, "%s",
		     last.message);
	mgmt_result_clear(&res);
}

#define B "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/"
#define VNET_BODY(gws)                                                                             \
	"{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"                      \
	"16\"]},\"subnets\":[{\"name\":\"%s\",\"properties\":{\"addressPrefix\":\"" gws            \
	"\"}},{\"name\":\"work\",\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}]}}"
#define IPC                                                                                        \
	"{\"properties\":{\"subnet\":{\"id\":\"" B                                                 \
	"virtualNetworks/%s/subnets/%s\"},\"publicIPAddress\":{\"id\":\"" B                        \
	"publicIPAddresses/%s\"}}}"

static enum mgmt_err_code put_vnet(const char *sub, const char *name, const char *gws_name)
{
	return put(sub, "virtualNetworks", name, VNET_BODY("10.0.255.0/27"), gws_name);
}

static enum mgmt_err_code put_gw(const char *sub, const char *name, const char *vnet,
				 const char *sku, const char *pip, const char *extra)
{
	return put(sub, "virtualNetworkGateways", name,
		   "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"%s\"},"
		   "\"ipConfigurations\":[" IPC "]%s}}",
		   sku, sub, vnet, "GatewaySubnet", sub, pip, extra);
}

static enum mgmt_err_code put_gw_aa(const char *sub, const char *name, const char *p1,
				    const char *p2)
{
	return put(
		sub, "virtualNetworkGateways", name,
		"{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"HighPerformance\"},"
		"\"activeActive\":true,\"ipConfigurations\":[" IPC "," IPC "]}}",
		sub, "v1", "GatewaySubnet", sub, p1, sub, "v1", "GatewaySubnet", sub, p2);
}

static enum mgmt_err_code put_lgw(const char *sub, const char *name, const char *ip,
				  const char *extra)
{
	return put(sub, "localNetworkGateways", name,
		   "{\"properties\":{\"gatewayIpAddress\":\"%s\",\"localNetworkAddressSpace\":"
		   "{\"addressPrefixes\":[\"192.168.0.0/24\"]}%s}}",
		   ip, extra);
}

static enum mgmt_err_code put_conn(const char *sub, const char *name, const char *gw_sub,
				   const char *gw, const char *lgw, const char *extra)
{
	return put(sub, "connections", name,
		   "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"key-0123456789\","
		   "\"virtualNetworkGateway1\":{\"id\":\"" B "virtualNetworkGateways/%s\"},"
		   "\"localNetworkGateway2\":{\"id\":\"" B "localNetworkGateways/%s\"}%s}}",
		   gw_sub, gw, sub, lgw, extra);
}

/* A tenant with v1 (GatewaySubnet 10.0.255.0/27), public IPs p1 and p2, gateway g1 of sku. */
static void tenant(const char *sub, const char *sku)
{
	cr_assert_eq(put_vnet(sub, "v1", "GatewaySubnet"), MGMT_OK, "%s", last.message);
	cr_assert_eq(put(sub, "publicIPAddresses", "p1", "{}"), MGMT_OK, "%s", last.message);
	cr_assert_eq(put(sub, "publicIPAddresses", "p2", "{}"), MGMT_OK, "%s", last.message);
	cr_assert_eq(put_gw(sub, "g1", "v1", sku, "p1", ""), MGMT_OK, "%s", last.message);
}

BOTH_STORES_TEST(mgmt_rules, rule4_one_gateway_per_vnet)
{
	tenant(SUB_A, "Standard");
	cr_expect_eq(put_gw(SUB_A, "g2", "v1", "Standard", "p2", ""), MGMT_E_VNET_GATEWAY_LIMIT);
	cr_expect_str_eq(last.target, "properties.ipConfigurations[0].properties.subnet.id");
	/* replacing the gateway itself is not a second one */
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "HighPerformance", "p1", ""), MGMT_OK, "%s",
		     last.message);
	cr_expect_null(get(SUB_A, "virtualNetworkGateways", "g2"));
}

BOTH_STORES_TEST(mgmt_rules, rule4_gateway_subnet)
{
	cr_assert_eq(put_vnet(SUB_A, "v1", "gatewaysubnet"), MGMT_OK);
	cr_assert_eq(put(SUB_A, "publicIPAddresses", "p1", "{}"), MGMT_OK);
	/* ids are case-insensitive, so this finds 'gatewaysubnet', which is not named exactly */
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Standard", "p1", ""),
		     MGMT_E_GATEWAY_SUBNET_REQUIRED);
	cr_expect_eq(put(SUB_A, "virtualNetworkGateways", "g1",
			 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			 "\"ipConfigurations\":[" IPC "]}}",
			 SUB_A, "v1", "nosuch", SUB_A, "p1"),
		     MGMT_E_LINKED_NOT_FOUND);
	cr_expect_eq(put(SUB_A, "virtualNetworkGateways", "g1",
			 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			 "\"ipConfigurations\":[" IPC "]}}",
			 SUB_A, "v1", "work", SUB_A, "p1"),
		     MGMT_E_GATEWAY_SUBNET_REQUIRED);
	cr_expect_eq(put(SUB_A, "virtualNetworkGateways", "g1",
			 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			 "\"ipConfigurations\":[" IPC "]}}",
			 SUB_A, "v1", "gatewaysubnet", SUB_A, "p1"),
		     MGMT_E_GATEWAY_SUBNET_REQUIRED, "the name must be exact, case included");
	/* v4 has no GatewaySubnet at all: a reference to one says so (rule 4). */
	cr_assert_eq(put(SUB_A, "virtualNetworks", "v4", VNET_BODY("10.0.4.0/24"), "apps"),
		     MGMT_OK);
	cr_expect_eq(put(SUB_A, "virtualNetworkGateways", "g1",
			 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			 "\"ipConfigurations\":[" IPC "]}}",
			 SUB_A, "v4", "GatewaySubnet", SUB_A, "p1"),
		     MGMT_E_GATEWAY_SUBNET_REQUIRED);
	cr_expect(strstr(last.message, "no subnet named 'GatewaySubnet'"), "%s", last.message);
	/* ... but one into another subscription still reveals nothing. */
	cr_expect_eq(put(SUB_A, "virtualNetworkGateways", "g1",
			 "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"Basic\"},"
			 "\"ipConfigurations\":[" IPC "]}}",
			 SUB_B, "v4", "GatewaySubnet", SUB_A, "p1"),
		     MGMT_E_LINKED_NOT_FOUND);
	cr_assert_eq(
		put(SUB_A, "virtualNetworks", "v2", VNET_BODY("10.0.255.0/30"), "GatewaySubnet"),
		MGMT_OK);
	cr_expect_eq(put_gw(SUB_A, "g1", "v2", "Standard", "p1", ""),
		     MGMT_E_GATEWAY_SUBNET_TOO_SMALL);
	cr_assert_eq(
		put(SUB_A, "virtualNetworks", "v3", VNET_BODY("10.0.255.0/29"), "GatewaySubnet"),
		MGMT_OK);
	cr_expect_eq(put_gw(SUB_A, "g1", "v3", "Standard", "p1", ""), MGMT_OK, "%s", last.message);
}

BOTH_STORES_TEST(mgmt_rules, gateway_bgp_address_from_gateway_subnet)
{
	json_t *gw;

	tenant(SUB_A, "Standard");
	gw = get(SUB_A, "virtualNetworkGateways", "g1");
	cr_assert_not_null(gw);
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(gw, "properties"), "bgpSettings"),
				 "bgpPeeringAddress")),
			 "10.0.255.30");
	cr_expect_eq(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(gw, "properties"), "bgpSettings"), "asn")),
		65515);
	json_decref(gw);
}

BOTH_STORES_TEST(mgmt_rules, rule5_bgp_on_connections)
{
	tenant(SUB_A, "Standard");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ",\"enableBgp\":true"),
		     MGMT_E_BGP_NOT_ON_GATEWAY);
	cr_assert_eq(put_gw(SUB_A, "g1", "v1", "Standard", "p1", ",\"enableBgp\":true"), MGMT_OK,
		     "%s", last.message);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ",\"enableBgp\":true"),
		     MGMT_E_BGP_SETTINGS_MISSING);
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1",
			     ",\"bgpSettings\":{\"asn\":65050,\"bgpPeeringAddress\":\"10.9.0.1\"}"),
		     MGMT_OK, "%s", last.message);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ",\"enableBgp\":true"), MGMT_OK, "%s",
		     last.message);
	/* and the gateway can no longer drop to Basic, nor lose BGP, nor the lgw its settings */
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Basic", "p1", ""), MGMT_E_BGP_ON_BASIC);
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Standard", "p1", ""), MGMT_E_BGP_NOT_ON_GATEWAY);
	cr_expect_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_E_BGP_SETTINGS_MISSING);
}

BOTH_STORES_TEST(mgmt_rules, rule5_bgp_connection_on_basic)
{
	tenant(SUB_A, "Basic");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1",
			     ",\"bgpSettings\":{\"asn\":65050,\"bgpPeeringAddress\":\"10.9.0.1\"}"),
		     MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ",\"enableBgp\":true"),
		     MGMT_E_BGP_ON_BASIC);
}

BOTH_STORES_TEST(mgmt_rules, rule6_public_ip_used_once)
{
	tenant(SUB_A, "Standard");
	cr_assert_eq(
		put(SUB_A, "virtualNetworks", "v2", VNET_BODY("10.0.255.0/27"), "GatewaySubnet"),
		MGMT_OK);
	cr_expect_eq(put_gw(SUB_A, "g2", "v2", "Standard", "p1", ""), MGMT_E_PUBLIC_IP_IN_USE);
	cr_expect_eq(put_gw(SUB_A, "g2", "v2", "Standard", "p2", ""), MGMT_OK, "%s", last.message);
}

BOTH_STORES_TEST(mgmt_rules, rule8_tunnel_limit_across_subscriptions)
{
	set_limits("{\"tunnelLimits\":{\"Standard\":2}}");
	tenant(SUB_A, "Standard");
	tenant(SUB_B, "Standard");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_assert_eq(put_lgw(SUB_A, "l2", "198.51.100.2", ""), MGMT_OK);
	cr_assert_eq(put_lgw(SUB_B, "l1", "198.51.100.3", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ""), MGMT_OK, "%s", last.message);
	cr_expect_eq(put_conn(SUB_A, "c2", SUB_A, "g1", "l2", ""), MGMT_OK, "%s", last.message);
	cr_expect_eq(put_conn(SUB_B, "c1", SUB_B, "g1", "l1", ""), MGMT_E_TUNNEL_LIMIT);
	cr_expect_null(strstr(last.message, SUB_A));
	/* a replacement of an existing connection does not count itself twice */
	cr_expect_eq(put_conn(SUB_A, "c2", SUB_A, "g1", "l2", ",\"routingWeight\":5"), MGMT_OK,
		     "%s", last.message);
	cr_assert_eq(del(SUB_A, "connections", "c2"), MGMT_OK);
	cr_expect_eq(put_conn(SUB_B, "c1", SUB_B, "g1", "l1", ""), MGMT_OK, "%s", last.message);
}

BOTH_STORES_TEST(mgmt_rules, rule8_active_active_counts_two)
{
	set_limits("{\"tunnelLimits\":{\"HighPerformance\":3}}");
	cr_assert_eq(put_vnet(SUB_A, "v1", "GatewaySubnet"), MGMT_OK);
	cr_assert_eq(put(SUB_A, "publicIPAddresses", "p1", "{}"), MGMT_OK);
	cr_assert_eq(put(SUB_A, "publicIPAddresses", "p2", "{}"), MGMT_OK);
	cr_assert_eq(put_gw_aa(SUB_A, "g1", "p1", "p2"), MGMT_OK, "%s", last.message);
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_assert_eq(put_lgw(SUB_A, "l2", "198.51.100.2", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ""), MGMT_OK, "%s", last.message);
	cr_expect_eq(put_conn(SUB_A, "c2", SUB_A, "g1", "l2", ""), MGMT_E_TUNNEL_LIMIT);
	cr_assert_eq(put_gw(SUB_A, "g1", "v1", "HighPerformance", "p1", ""), MGMT_OK, "%s",
		     last.message); /* back to one instance: one tunnel per connection */
	cr_expect_eq(put_conn(SUB_A, "c2", SUB_A, "g1", "l2", ""), MGMT_OK, "%s", last.message);
	/* two connections, active-active again would need 4 > 3 */
	cr_expect_eq(put_gw_aa(SUB_A, "g1", "p1", "p2"), MGMT_E_TUNNEL_LIMIT);
}

BOTH_STORES_TEST(mgmt_rules, rule9_local_gateway_ip_unique_without_revealing)
{
	char msg_same[sizeof(last.message)], msg_other[sizeof(last.message)];

	cr_assert_eq(put_lgw(SUB_A, "secret-site", "198.51.100.7", ""), MGMT_OK);
	cr_expect_eq(put_lgw(SUB_B, "l1", "198.51.100.7", ""), MGMT_E_LOCAL_GATEWAY_IP_IN_USE);
	snprintf(msg_other, sizeof(msg_other), "%s", last.message);
	cr_expect_null(strstr(last.message, "secret-site"));
	cr_expect_null(strstr(last.message, SUB_A));
	cr_expect_eq(put_lgw(SUB_A, "l2", "198.51.100.7", ""), MGMT_E_LOCAL_GATEWAY_IP_IN_USE);
	snprintf(msg_same, sizeof(msg_same), "%s", last.message);
	cr_expect_str_eq(msg_same, msg_other, "the answer must not tell whose address it is");
	/* replacing itself with the same address is fine */
	cr_expect_eq(put_lgw(SUB_A, "secret-site", "198.51.100.7", ",\"tags\":{}"), MGMT_OK);
}

BOTH_STORES_TEST(mgmt_rules, rule9_one_connection_per_remote_ip)
{
	tenant(SUB_A, "Standard");
	cr_assert_eq(
		put(SUB_A, "virtualNetworks", "v2", VNET_BODY("10.0.255.0/27"), "GatewaySubnet"),
		MGMT_OK);
	cr_assert_eq(put_gw(SUB_A, "g2", "v2", "Standard", "p2", ""), MGMT_OK);
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c2", SUB_A, "g2", "l1", ""), MGMT_E_REMOTE_IP_IN_USE);
}

BOTH_STORES_TEST(mgmt_rules, rule10_public_peer)
{
	cr_expect_eq(put_lgw(SUB_A, "l1", "10.1.2.3", ""), MGMT_E_GATEWAY_IP_NOT_PUBLIC);
	cr_expect_eq(put_lgw(SUB_A, "l1", "100.64.0.9", ""), MGMT_E_GATEWAY_IP_NOT_PUBLIC);
	set_limits("{\"allowPrivateGatewayIps\":true}");
	cr_expect_eq(put_lgw(SUB_A, "l1", "10.1.2.3", ""), MGMT_OK, "%s", last.message);
}

BOTH_STORES_TEST(mgmt_rules, rule11_policy_not_on_basic)
{
	static const char pol[] =
		",\"ipsecPolicies\":[{\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":102400,"
		"\"ipsecEncryption\":\"AES256\",\"ipsecIntegrity\":\"SHA256\",\"ikeEncryption\":"
		"\"AES256\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"ECP256\",\"pfsGroup\":"
		"\"None\"}]";

	tenant(SUB_A, "Basic");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", pol), MGMT_E_IPSEC_POLICY_ON_BASIC);
	cr_assert_eq(put_gw(SUB_A, "g1", "v1", "Standard", "p1", ""), MGMT_OK);
	cr_expect_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", pol), MGMT_OK, "%s", last.message);
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Basic", "p1", ""), MGMT_E_IPSEC_POLICY_ON_BASIC);
}

BOTH_STORES_TEST(mgmt_rules, rule12_referenced_resources_stay)
{
	tenant(SUB_A, "Standard");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_assert_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ""), MGMT_OK);
	cr_expect_eq(del(SUB_A, "virtualNetworkGateways", "g1"), MGMT_E_IN_USE_BY_CONNECTION);
	cr_expect(strstr(last.message, "c1") != NULL, "%s", last.message);
	cr_expect_eq(del(SUB_A, "localNetworkGateways", "l1"), MGMT_E_IN_USE_BY_CONNECTION);
	cr_expect_eq(del(SUB_A, "virtualNetworks", "v1"), MGMT_E_IN_USE_BY_GATEWAY);
	cr_expect_eq(del(SUB_A, "publicIPAddresses", "p1"), MGMT_E_IN_USE_BY_GATEWAY);
	cr_expect_eq(del(SUB_A, "subnets", "GatewaySubnet"), MGMT_E_IN_USE_BY_GATEWAY);
	cr_expect_eq(
		put(SUB_A, "virtualNetworks", "v1",
		    "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}"),
		MGMT_E_IN_USE_BY_GATEWAY);
	cr_expect_eq(put(SUB_A, "subnets", "GatewaySubnet",
			 "{\"properties\":{\"addressPrefix\":\"10.0.255.0/28\"}}"),
		     MGMT_E_IN_USE_BY_GATEWAY);
	/* the unused subnet and public IP can go */
	cr_expect_eq(del(SUB_A, "subnets", "work"), MGMT_OK, "%s", last.message);
	cr_expect_eq(del(SUB_A, "publicIPAddresses", "p2"), MGMT_OK);
	/* and in order, everything */
	cr_expect_eq(del(SUB_A, "connections", "c1"), MGMT_OK);
	cr_expect_eq(del(SUB_A, "virtualNetworkGateways", "g1"), MGMT_OK, "%s", last.message);
	cr_expect_eq(del(SUB_A, "localNetworkGateways", "l1"), MGMT_OK);
	cr_expect_eq(del(SUB_A, "publicIPAddresses", "p1"), MGMT_OK);
	cr_expect_eq(del(SUB_A, "virtualNetworks", "v1"), MGMT_OK);
	cr_expect_eq(store_count_sub(st, SUB_A), 0);
}

BOTH_STORES_TEST(mgmt_rules, references_do_not_cross_subscriptions)
{
	char a[sizeof(last.message)];

	tenant(SUB_A, "Standard");
	cr_assert_eq(put_lgw(SUB_B, "l1", "198.51.100.1", ""), MGMT_OK);
	/* B names A's real gateway, then one that exists nowhere: the same answer */
	cr_expect_eq(put_conn(SUB_B, "c1", SUB_A, "g1", "l1", ""), MGMT_E_LINKED_NOT_FOUND);
	snprintf(a, sizeof(a), "%s", last.message);
	cr_expect_eq(put_conn(SUB_B, "c1", SUB_A, "g1", "l1", ""), MGMT_E_LINKED_NOT_FOUND);
	cr_expect_eq(put_conn(SUB_B, "c1", SUB_B, "g1", "l1", ""), MGMT_E_LINKED_NOT_FOUND);
	cr_expect_null(get(SUB_B, "connections", "c1"));
	(void)a;
}

static const char *pip_ip(const char *sub, const char *name, char *buf, size_t n)
{
	json_t *p = get(sub, "publicIPAddresses", name);
	const char *ip =
		json_string_value(json_object_get(json_object_get(p, "properties"), "ipAddress"));

	snprintf(buf, n, "%s", ip ? ip : "(none)");
	json_decref(p);
	return buf;
}

/* SPEC §1: one shared public IP, the pool's first address, reported by every resource. */
BOTH_STORES_TEST(mgmt_rules, public_ip_pool)
{
	char ip[64];

	set_limits("{\"publicIpPool\":[\"203.0.113.8/31\",\"198.51.100.0/24\"]}");
	cr_expect_eq(put(SUB_A, "publicIPAddresses", "p1", "{}"), MGMT_OK);
	cr_expect_eq(put(SUB_B, "publicIPAddresses", "p1", "{}"), MGMT_OK);
	/* no per-resource allocation: a third (more than a /31 holds) is the same address */
	cr_expect_eq(put(SUB_A, "publicIPAddresses", "p3", "{}"), MGMT_OK);
	cr_expect_str_eq(pip_ip(SUB_A, "p1", ip, sizeof(ip)), "203.0.113.8");
	cr_expect_str_eq(pip_ip(SUB_B, "p1", ip, sizeof(ip)), "203.0.113.8");
	cr_expect_str_eq(pip_ip(SUB_A, "p3", ip, sizeof(ip)), "203.0.113.8");
	/* the operator moves the gateway: every resource follows; a /28's first host is .1 */
	set_limits("{\"publicIpPool\":[\"198.51.100.16/28\"]}");
	cr_expect_str_eq(pip_ip(SUB_A, "p1", ip, sizeof(ip)), "198.51.100.17");
	cr_expect_str_eq(pip_ip(SUB_B, "p1", ip, sizeof(ip)), "198.51.100.17");
	set_limits("{\"publicIpPool\":[\"192.0.2.77/32\"]}");
	cr_expect_str_eq(pip_ip(SUB_A, "p3", ip, sizeof(ip)), "192.0.2.77");
	/* an empty pool: nothing to report, and a new one is refused */
	set_limits("{\"publicIpPool\":[]}");
	cr_expect_str_eq(pip_ip(SUB_A, "p1", ip, sizeof(ip)), "(none)");
	cr_expect_eq(put(SUB_A, "publicIPAddresses", "p4", "{}"), MGMT_E_POOL_EXHAUSTED);
	cr_expect_str_eq(last.target, "properties.ipAddress");
}

BOTH_STORES_TEST(mgmt_rules, refused_write_leaves_nothing)
{
	json_t *before, *after;

	tenant(SUB_A, "Standard");
	before = get(SUB_A, "virtualNetworkGateways", "g1");
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Basic", "p1", ",\"enableBgp\":true"),
		     MGMT_E_BGP_ON_BASIC);
	cr_expect_eq(put_gw(SUB_A, "g1", "v1", "Standard", "p9", ""), MGMT_E_LINKED_NOT_FOUND);
	after = get(SUB_A, "virtualNetworkGateways", "g1");
	cr_expect(json_equal(before, after));
	json_decref(before);
	json_decref(after);
}

BOTH_STORES_TEST(mgmt_rules, preconditions)
{
	struct model_id id = mkid(SUB_A, "publicIPAddresses", "p1");
	struct mgmt_precond pre = {0};
	struct mgmt_result res;
	char etag[64];

	cr_assert_eq(mgmt_ops_put(&m, &id, "{}", 2, NULL, &res, &last), 0);
	cr_expect_eq(res.status, 201);
	snprintf(etag, sizeof(etag), "%s", json_string_value(json_object_get(res.body, "etag")));
	mgmt_result_clear(&res);
	pre.if_match = "W/\"00000000-0000-4000-8000-000000000000\"";
	cr_expect_neq(mgmt_ops_put(&m, &id, "{}", 2, &pre, &res, &last), 0);
	cr_expect_eq(last.code, MGMT_E_PRECONDITION_FAILED);
	pre.if_match = etag;
	cr_expect_eq(mgmt_ops_put(&m, &id, "{}", 2, &pre, &res, &last), 0);
	cr_expect_eq(res.status, 200);
	cr_expect_str_neq(json_string_value(json_object_get(res.body, "etag")), etag);
	mgmt_result_clear(&res);
	pre.if_match = etag; /* now stale */
	cr_expect_neq(mgmt_ops_delete(&m, &id, &pre, &res, &last), 0);
	cr_expect_eq(last.code, MGMT_E_PRECONDITION_FAILED);
	pre.if_match = NULL;
	pre.if_none_match = "*";
	cr_expect_neq(mgmt_ops_put(&m, &id, "{}", 2, &pre, &res, &last), 0);
	cr_expect_eq(last.code, MGMT_E_PRECONDITION_FAILED);
}

BOTH_STORES_TEST(mgmt_rules, store_survives_reopen)
{
	json_t *a, *b;
	char *key = NULL;

	tenant(SUB_A, "Standard");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_assert_eq(put_conn(SUB_A, "c1", SUB_A, "g1", "l1", ""), MGMT_OK);
	a = get(SUB_A, "connections", "c1");
	store_close(st);
	cr_assert_eq(store_open_url(db, &st), 0);
	m.store = st;
	cr_expect_eq(store_schema_version(st), test_store_version());
	b = get(SUB_A, "connections", "c1");
	cr_expect(json_equal(a, b));
	cr_assert_eq(store_shared_key_get(st, json_string_value(json_object_get(b, "id")), &key),
		     0);
	cr_expect_str_eq(key, "key-0123456789");
	free(key);
	/* references survive too */
	cr_expect_eq(del(SUB_A, "virtualNetworkGateways", "g1"), MGMT_E_IN_USE_BY_CONNECTION);
	json_decref(a);
	json_decref(b);
}

/*
 * Rule 8 under real concurrency: two store handles on the same file (as two processes would
 * have), two threads putting a connection for the last tunnel at once. BEGIN IMMEDIATE makes the
 * rule's count and the write one step; exactly one may win each round.
 */
struct racer {
	struct store *s;
	const char *sub;
	int round;
	int rc;
	enum mgmt_err_code code;
	pthread_barrier_t *barrier;
};

static void *race_put(void *arg)
{
	struct racer *r = arg;
	struct model_id id = mkid(r->sub, "connections", "race");
	struct mgmt_error err = {0};
	struct mgmt_result res;
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"key-0123456789\","
		 "\"virtualNetworkGateway1\":{\"id\":\"" B "virtualNetworkGateways/g1\"},"
		 "\"localNetworkGateway2\":{\"id\":\"" B "localNetworkGateways/l1\"}}}",
		 r->sub, r->sub);
	struct mgmt rm = {.store = r->s};

	pthread_barrier_wait(r->barrier);
	r->rc = mgmt_ops_put(&rm, &id, body, strlen(body), NULL, &res, &err);
	r->code = err.code;
	mgmt_result_clear(&res);
	return NULL;
}

BOTH_STORES_TEST(mgmt_rules, rule8_race_between_two_store_handles)
{
	struct store *other;
	pthread_barrier_t barrier;
	int round;

	set_limits("{\"tunnelLimits\":{\"Standard\":1}}");
	tenant(SUB_A, "Standard");
	tenant(SUB_B, "Standard");
	cr_assert_eq(put_lgw(SUB_A, "l1", "198.51.100.1", ""), MGMT_OK);
	cr_assert_eq(put_lgw(SUB_B, "l1", "198.51.100.2", ""), MGMT_OK);
	cr_assert_eq(store_open_url(db, &other), 0);
	for (round = 0; round < 25; round++) {
		struct racer r[2] = {
			{.s = st, .sub = SUB_A, .round = round, .barrier = &barrier},
			{.s = other, .sub = SUB_B, .round = round, .barrier = &barrier},
		};
		pthread_t t[2];
		int i, winner;

		pthread_barrier_init(&barrier, NULL, 2);
		for (i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, race_put, &r[i]);
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&barrier);
		cr_assert_eq((r[0].rc == 0) + (r[1].rc == 0), 1, "round %d: %s / %s", round,
			     mgmt_err_name(r[0].code), mgmt_err_name(r[1].code));
		winner = r[0].rc == 0 ? 0 : 1;
		cr_expect_eq(r[!winner].code, MGMT_E_TUNNEL_LIMIT, "round %d: %s", round,
			     mgmt_err_name(r[!winner].code));
		cr_assert_eq(del(r[winner].sub, "connections", "race"), MGMT_OK);
	}
	store_close(other);
}
