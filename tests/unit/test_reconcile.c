/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/reconcile: resources written through the management operations into a
 * real temporary store, read back as the gateway's desired state -- tenants with overlapping
 * address spaces kept apart under distinct keys, SKU rates, the default and a custom policy,
 * connectionMode, what a prefix change or a key change means for the tunnel (gw_conn_same_tunnel),
 * deletions, the shared public IP, and the keys' shape and stability.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/reconcile.h"
#include "ike/engine.h"
#include "mgmt/ops.h"
#include "mgmt/store/store.h"
#include "unit/both_stores.h"

#define SUB_A  "aaaaaaaa-0000-4000-8000-000000000001"
#define SUB_B  "bbbbbbbb-0000-4000-8000-000000000002"
#define B      "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/"
#define PREFIX "vgt-1234567-"

static char dir[] = "/tmp/vnetgw-reconcile-XXXXXX";
static struct store *st;
static struct mgmt m; /* the operations on st */
static struct mgmt_error last;
static struct gw_desired *d1, *d2;

static void settings(const char *json)
{
	struct mgmt_result res;

	cr_assert_eq(mgmt_ops_settings_patch(&m, json, strlen(json), &res, &last), 0, "%s",
		     last.message);
	mgmt_result_clear(&res);
}

static void setup_on(bool etcd)
{
	char db[320];

	cr_assert_not_null(mkdtemp(dir));
	test_store_open(dir, etcd, db, sizeof(db), &st);
	m = (struct mgmt){.store = st};
	cr_assert_eq(store_sub_create(st, SUB_A, "a"), 0);
	cr_assert_eq(store_sub_create(st, SUB_B, "b"), 0);
	/* Short keys ("key-a") keep the rows readable; the minimum is test_api_abuse's. */
	settings("{\"publicIpPool\":[\"192.0.2.0/28\"],\"minSharedKeyLength\":1}");
	d1 = calloc(1, sizeof(*d1));
	d2 = calloc(1, sizeof(*d2));
	cr_assert(d1 && d2);
}

static void setup(void)
{
	setup_on(false);
}

static void setup_etcd(void)
{
	setup_on(true);
}

static void teardown(void)
{
	char cmd[300];

	gw_desired_clear(d1);
	gw_desired_clear(d2);
	free(d1);
	free(d2);
	store_close(st);
	test_store_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(reconcile, .init = setup, .fini = teardown);
TestSuite(reconcile_etcd, .init = setup_etcd, .fini = teardown, .timeout = 120);

static void put(const char *sub, const char *seg, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(const char *sub, const char *seg, const char *name, const char *fmt, ...)
{
	struct model_id id = {0};
	struct mgmt_result res;
	char body[4096];
	va_list ap;

	snprintf(id.sub, sizeof(id.sub), "%s", sub);
	snprintf(id.rg, sizeof(id.rg), "rg");
	snprintf(id.name, sizeof(id.name), "%s", name);
	cr_assert_eq(model_type_from_segment(seg, &id.type), 0);
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	cr_assert_eq(mgmt_ops_put(&m, &id, body, strlen(body), NULL, &res, &last), 0, "%s %s: %s",
		     seg, name, last.message);
	mgmt_result_clear(&res);
}

static void del(const char *sub, const char *seg, const char *name)
{
	struct model_id id = {0};
	struct mgmt_result res;

	snprintf(id.sub, sizeof(id.sub), "%s", sub);
	snprintf(id.rg, sizeof(id.rg), "rg");
	snprintf(id.name, sizeof(id.name), "%s", name);
	cr_assert_eq(model_type_from_segment(seg, &id.type), 0);
	cr_assert_eq(mgmt_ops_delete(&m, &id, NULL, &res, &last), 0, "%s", last.message);
	mgmt_result_clear(&res);
}

static void put_lgw(const char *sub, const char *name, const char *ip, const char *prefixes)
{
	put(sub, "localNetworkGateways", name,
	    "{\"properties\":{\"gatewayIpAddress\":\"%s\",\"localNetworkAddressSpace\":"
	    "{\"addressPrefixes\":[%s]}}}",
	    ip, prefixes);
}

static void put_conn(const char *sub, const char *name, const char *lgw, const char *key,
		     const char *extra)
{
	put(sub, "connections", name,
	    "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"%s\","
	    "\"virtualNetworkGateway1\":{\"id\":\"" B "virtualNetworkGateways/g1\"},"
	    "\"localNetworkGateway2\":{\"id\":\"" B "localNetworkGateways/%s\"}%s}}",
	    key, sub, sub, lgw, extra);
}

/* A tenant: v1 10.1.0.0/16 (GatewaySubnet 10.1.255.0/27), p1, gateway g1 of sku, local
 * gateway l1 at ip for 192.168.1.0/24 and a connection c1 to it with key. */
static void tenant(const char *sub, const char *sku, const char *ip, const char *key)
{
	put(sub, "virtualNetworks", "v1",
	    "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.1.0.0/16\"]},"
	    "\"subnets\":[{\"name\":\"GatewaySubnet\",\"properties\":{\"addressPrefix\":"
	    "\"10.1.255.0/27\"}},{\"name\":\"work\",\"properties\":{\"addressPrefix\":"
	    "\"10.1.0.0/24\"}}]}}");
	put(sub, "publicIPAddresses", "p1", "{}");
	put(sub, "virtualNetworkGateways", "g1",
	    "{\"properties\":{\"gatewayType\":\"Vpn\",\"sku\":{\"name\":\"%s\"},"
	    "\"ipConfigurations\":[{\"properties\":{\"subnet\":{\"id\":\"" B
	    "virtualNetworks/v1/subnets/GatewaySubnet\"},\"publicIPAddress\":{\"id\":\"" B
	    "publicIPAddresses/p1\"}}}]}}",
	    sku, sub, sub);
	put_lgw(sub, "l1", ip, "\"192.168.1.0/24\"");
	put_conn(sub, "c1", "l1", key, "");
}

static void build(struct gw_desired *d)
{
	gw_desired_clear(d);
	cr_assert_eq(reconcile_build(st, PREFIX, d, NULL), 0);
}

static void id_of(char *out, size_t n, const char *sub, const char *type_name)
{
	snprintf(out, n, B "%s", sub, type_name);
}

static const struct gw_conn *conn_by_ref(const struct gw_desired *d, const char *sub,
					 const char *name)
{
	char id[512], type_name[128];

	snprintf(type_name, sizeof(type_name), "connections/%s", name);
	id_of(id, sizeof(id), sub, type_name);
	for (unsigned int i = 0; i < d->n_conns; i++)
		if (strcmp(d->conns[i].ref, id) == 0)
			return &d->conns[i];
	return NULL;
}

static const struct gw_vnet *vnet_by_ref(const struct gw_desired *d, const char *sub)
{
	char id[512];

	id_of(id, sizeof(id), sub, "virtualNetworks/v1");
	for (unsigned int i = 0; i < d->n_vnets; i++)
		if (strcmp(d->vnets[i].ref, id) == 0)
			return &d->vnets[i];
	return NULL;
}

static const char *pfx(const struct prefix *p, char *buf, size_t n)
{
	return prefix_print(p, buf, n);
}

static bool psk_is(const struct gw_conn *c, const char *key)
{
	return c->psk && c->psk->len == strlen(key) && memcmp(c->psk->data, key, c->psk->len) == 0;
}

BOTH_STORES_TEST(reconcile, overlapping_tenants)
{
	const struct gw_vnet *va, *vb;
	const struct gw_conn *ca, *cb;
	struct ike_policy def;
	char a[64], ip[64];

	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	tenant(SUB_B, "HighPerformance", "198.51.100.20", "key-b");
	build(d1);
	cr_assert_eq(d1->n_vnets, 2);
	cr_assert_eq(d1->n_conns, 2);
	cr_expect_str_eq(addr_print(&d1->public_ip, ip, sizeof(ip)), "192.0.2.1");
	va = vnet_by_ref(d1, SUB_A);
	vb = vnet_by_ref(d1, SUB_B);
	cr_assert(va && vb);
	/* both tenants' v1, on the same 10.1.0.0/16: two VNets, two names */
	cr_expect_str_neq(va->name, vb->name);
	cr_expect_leq(strlen(PREFIX) + strlen(va->name), RECONCILE_NETNS_MAX, "%s", va->name);
	cr_expect_str_eq(pfx(&va->address_space[0], a, sizeof(a)), "10.1.0.0/16");
	cr_expect_str_eq(pfx(&vb->address_space[0], a, sizeof(a)), "10.1.0.0/16");
	cr_expect_str_eq(pfx(&va->gateway_subnet, a, sizeof(a)), "10.1.255.0/27");
	ca = conn_by_ref(d1, SUB_A, "c1");
	cb = conn_by_ref(d1, SUB_B, "c1");
	cr_assert(ca && cb);
	cr_expect_str_neq(ca->name, cb->name);
	cr_expect_str_eq(ca->vnet, va->name);
	cr_expect_str_eq(cb->vnet, vb->name);
	cr_expect_str_eq(addr_print(&ca->peer, a, sizeof(a)), "198.51.100.10");
	cr_expect_str_eq(addr_print(&cb->peer, a, sizeof(a)), "198.51.100.20");
	cr_expect(psk_is(ca, "key-a"));
	cr_expect(psk_is(cb, "key-b"));
	cr_assert_eq(ca->n_remote, 1);
	cr_expect_str_eq(pfx(&ca->remote[0], a, sizeof(a)), "192.168.1.0/24");
	/* SPEC §2 rule 7: the SKU's rate on each connection */
	cr_expect_eq(ca->rate_bps, 100000000ull);
	cr_expect_eq(cb->rate_bps, 200000000ull);
	/* SPEC §3 defaults */
	cr_expect_not(ca->custom_policy);
	ike_policy_default(&def);
	cr_expect_eq(ca->policy.ike.propose.n, def.ike.propose.n);
	cr_expect_eq(ca->policy.esp.propose.s[0].encr, def.esp.propose.s[0].encr);
	cr_expect_eq(ca->child_lifetime_s, IKE_DEFAULT_CHILD_LIFETIME_S);
	cr_expect_eq(ca->dpd_timeout_s, 45);
	cr_expect(ca->initiate);
	cr_expect_not(ca->no_respond);
}

BOTH_STORES_TEST(reconcile, custom_policy_and_mode)
{
	const struct gw_conn *c;
	struct gw_conn want = {0};
	struct ike_custom_policy p = {"AES128", "SHA256", "DHGroup14", "AES128", "SHA256", "None"};
	const char *why;

	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	put_lgw(SUB_A, "l2", "198.51.100.11", "\"192.168.2.0/24\"");
	put_lgw(SUB_A, "l3", "198.51.100.12", "\"192.168.3.0/24\"");
	put_conn(SUB_A, "c2", "l2", "key-2",
		 ",\"dpdTimeoutSeconds\":30,\"connectionMode\":\"responderonly\","
		 "\"ipsecPolicies\":[{\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":2048,"
		 "\"ipsecEncryption\":\"AES128\",\"ipsecIntegrity\":\"SHA256\",\"ikeEncryption\":"
		 "\"AES128\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"DHGroup14\",\"pfsGroup\":"
		 "\"None\"}]");
	put_conn(SUB_A, "c3", "l3", "key-3", ",\"connectionMode\":\"InitiatorOnly\"");
	build(d1);
	cr_assert_eq(d1->n_conns, 3);
	c = conn_by_ref(d1, SUB_A, "c2");
	cr_assert_not_null(c);
	cr_expect(c->custom_policy);
	cr_expect_eq(c->child_lifetime_s, 3600);
	cr_expect_eq(c->child_lifetime_kb, 2048);
	cr_expect_eq(c->dpd_timeout_s, 30);
	cr_expect_not(c->initiate, "ResponderOnly waits for the peer");
	cr_expect_not(c->no_respond);
	/* the engine's translation of an API policy (ike_policy_custom) */
	cr_assert_eq(ike_policy_custom(&want.policy, &p, &why), 0);
	cr_expect_eq(c->policy.ike.propose.n, 1);
	cr_expect_eq(c->policy.ike.propose.s[0].encr, want.policy.ike.propose.s[0].encr);
	cr_expect_eq(c->policy.ike.propose.s[0].encr_bits, 128);
	cr_expect_eq(c->policy.ike.propose.s[0].dh, want.policy.ike.propose.s[0].dh);
	cr_expect_eq(c->policy.esp.propose.s[0].dh, 0, "PFS None");
	c = conn_by_ref(d1, SUB_A, "c3");
	cr_assert_not_null(c);
	cr_expect(c->initiate);
	cr_expect(c->no_respond, "InitiatorOnly answers no IKE_SA_INIT");
	c = conn_by_ref(d1, SUB_A, "c1");
	cr_expect(c->initiate && !c->no_respond, "Default initiates and responds");
}

BOTH_STORES_TEST(reconcile, prefix_change_keeps_the_tunnel_key_change_restarts_it)
{
	const struct gw_conn *a1, *a2, *b1, *b2;
	struct model_id id = {0};
	struct mgmt_result res;
	char buf[64];
	const char *body = "{\"value\":\"new-key\"}";

	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	put_lgw(SUB_A, "l2", "198.51.100.11", "\"192.168.2.0/24\"");
	put_conn(SUB_A, "c2", "l2", "key-2", "");
	build(d1);
	/* stable: the same store gives the same names and the same tunnels */
	build(d2);
	cr_assert_eq(d2->n_conns, 2);
	for (unsigned int i = 0; i < 2; i++) {
		cr_expect_str_eq(d1->conns[i].name, d2->conns[i].name);
		cr_expect(gw_conn_same_tunnel(&d1->conns[i], &d2->conns[i]), "%s",
			  d1->conns[i].name);
	}
	put_lgw(SUB_A, "l1", "198.51.100.10", "\"192.168.1.0/24\",\"172.16.0.0/12\"");
	build(d2);
	a1 = conn_by_ref(d1, SUB_A, "c1");
	a2 = conn_by_ref(d2, SUB_A, "c1");
	b1 = conn_by_ref(d1, SUB_A, "c2");
	b2 = conn_by_ref(d2, SUB_A, "c2");
	cr_assert(a1 && a2 && b1 && b2);
	cr_assert_eq(a2->n_remote, 2);
	cr_expect_str_eq(pfx(&a2->remote[1], buf, sizeof(buf)), "172.16.0.0/12");
	cr_expect(gw_conn_same_tunnel(a1, a2), "new prefixes: routes change, not the tunnel");
	cr_expect_not(gw_conn_same_dp(a1, a2), "... the data plane's prefixes do");
	cr_expect(gw_conn_same_dp(b1, b2));
	cr_expect(gw_conn_same_tunnel(b1, b2));
	cr_expect_eq(b2->n_remote, 1);
	/* a new shared key: that tunnel restarts, the other does not */
	snprintf(id.sub, sizeof(id.sub), SUB_A);
	snprintf(id.rg, sizeof(id.rg), "rg");
	snprintf(id.name, sizeof(id.name), "c1");
	id.type = MODEL_CONN;
	cr_assert_eq(mgmt_ops_shared_key_set(&m, &id, body, strlen(body), &res, &last), 0);
	mgmt_result_clear(&res);
	build(d1);
	a1 = conn_by_ref(d1, SUB_A, "c1");
	b1 = conn_by_ref(d1, SUB_A, "c2");
	cr_expect(psk_is(a1, "new-key"));
	cr_expect_not(gw_conn_same_tunnel(a1, a2));
	cr_expect(gw_conn_same_tunnel(b1, b2));
	/* a new policy restarts it too */
	put_conn(SUB_A, "c2", "l2", "key-2", ",\"dpdTimeoutSeconds\":20");
	build(d2);
	cr_expect_not(gw_conn_same_tunnel(b1, conn_by_ref(d2, SUB_A, "c2")));
}

BOTH_STORES_TEST(reconcile, deletion)
{
	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	tenant(SUB_B, "Basic", "198.51.100.20", "key-b");
	build(d1);
	cr_assert_eq(d1->n_conns, 2);
	del(SUB_A, "connections", "c1");
	build(d1);
	cr_expect_eq(d1->n_conns, 1);
	cr_expect_null(conn_by_ref(d1, SUB_A, "c1"));
	cr_expect_not_null(conn_by_ref(d1, SUB_B, "c1"));
	cr_expect_eq(d1->n_vnets, 2, "the gateway stays without connections");
	del(SUB_A, "virtualNetworkGateways", "g1");
	build(d1);
	cr_expect_eq(d1->n_vnets, 1);
	cr_expect_null(vnet_by_ref(d1, SUB_A));
	cr_expect_not_null(vnet_by_ref(d1, SUB_B));
}

BOTH_STORES_TEST(reconcile, no_public_ip_yet)
{
	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	settings("{\"publicIpPool\":[]}");
	build(d1);
	cr_expect_eq(d1->public_ip.family, 0);
	cr_expect_eq(d1->n_conns, 1, "the resources are still read");
	settings("{\"publicIpPool\":[\"203.0.113.64/32\"]}");
	build(d1);
	cr_expect_eq(d1->public_ip.family, AF_INET);
}

/* Keys: readable, hashed, bounded, case-insensitive like ARM ids. */
BOTH_STORES_TEST(reconcile, keys)
{
	static const struct {
		const char *type_name;
		size_t max;
		const char *want_start; /* the readable part */
		size_t want_len;
	} rows[] = {
		/* 0 */ {"virtualNetworks/v1", 20, "v1-", 11},
		/* 1 */ {"virtualNetworks/My.Net_(1)", 20, "my-net--1--", 19},
		/* 2 */
		{"virtualNetworks/a-very-long-virtual-network-name", 20, "a-very-long-", 20},
		/* 3 */ {"virtualNetworks/v1", 9, "", 8},
		/* 4 */ {"connections/site-one", 40, "site-one-", 17},
	};
	char k[GW_NAME_MAX], k2[GW_NAME_MAX], id[512], up[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		id_of(id, sizeof(id), SUB_A, rows[i].type_name);
		reconcile_key(id, rows[i].max, k, sizeof(k));
		cr_expect_eq(strlen(k), rows[i].want_len, "row %zu: %s", i, k);
		cr_expect_eq(strncmp(k, rows[i].want_start, strlen(rows[i].want_start)), 0,
			     "row %zu: %s", i, k);
		for (size_t j = 0; id[j]; j++)
			up[j] = (char)(id[j] >= 'a' && id[j] <= 'z' ? id[j] - 32 : id[j]);
		up[strlen(id)] = '\0';
		reconcile_key(up, rows[i].max, k2, sizeof(k2));
		cr_expect_str_eq(k, k2, "row %zu: ids are case-insensitive", i);
	}
	/* the same name in two subscriptions: two keys */
	snprintf(id, sizeof(id), B "virtualNetworks/v1", SUB_A);
	reconcile_vnet_key(id, PREFIX, k, sizeof(k));
	snprintf(id, sizeof(id), B "virtualNetworks/v1", SUB_B);
	reconcile_vnet_key(id, PREFIX, k2, sizeof(k2));
	cr_expect_str_neq(k, k2);
	/* namespace names fit whatever prefix is allowed */
	reconcile_vnet_key(id, "abcdefghijklmnopqrst", k, sizeof(k));
	cr_expect_leq(20 + strlen(k), RECONCILE_NETNS_MAX, "%s", k);
	reconcile_vnet_key(id, "vnet-", k, sizeof(k));
	cr_expect_eq(strncmp(k, "v1-", 3), 0, "%s", k);
	cr_expect_leq(5 + strlen(k), RECONCILE_NETNS_MAX);
}

/* virtualNetworkGateways/{n}/reset: the reset hook gets the gateway's id, the change hook
 * nothing (the store does not move), and that id finds the gateway's connections alone. */
static char reset_seen[4][512];
static unsigned int n_reset_seen, n_changes_seen;

static void on_reset(void *arg, const char *vgw_id)
{
	cr_assert_eq(arg, &n_reset_seen);
	cr_assert_lt(n_reset_seen, 4);
	snprintf(reset_seen[n_reset_seen++], sizeof(reset_seen[0]), "%s", vgw_id);
}

static void on_change(void *arg, const char *id)
{
	n_changes_seen++;
}

static int reset(const char *sub, const char *name)
{
	struct model_id id = {0};
	struct mgmt_result res = {0};
	int r;

	snprintf(id.sub, sizeof(id.sub), "%s", sub);
	snprintf(id.rg, sizeof(id.rg), "rg");
	snprintf(id.name, sizeof(id.name), "%s", name);
	id.type = MODEL_VGW;
	r = mgmt_ops_vgw_reset(&m, &id, &res, &last);
	if (r == 0)
		cr_expect_str_eq(json_string_value(json_object_get(res.body, "name")), name);
	mgmt_result_clear(&res);
	return r;
}

BOTH_STORES_TEST(reconcile, reset_hook_names_the_gateway_and_its_connections)
{
	char ga[512], gb[512];
	const struct gw_conn *ca, *cb;

	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	tenant(SUB_B, "Standard", "198.51.100.20", "key-b");
	build(d1);
	id_of(ga, sizeof(ga), SUB_A, "virtualNetworkGateways/g1");
	id_of(gb, sizeof(gb), SUB_B, "virtualNetworkGateways/g1");
	m.reset = on_reset;
	m.changed = on_change;
	m.hook_arg = &n_reset_seen;
	n_reset_seen = n_changes_seen = 0;
	cr_expect_eq(reset(SUB_A, "g1"), 0);
	cr_expect_neq(reset(SUB_A, "g9"), 0, "a gateway that does not exist");
	cr_expect_eq(last.code, MGMT_E_RESOURCE_NOT_FOUND);
	m.reset = NULL;
	m.changed = NULL;
	cr_assert_eq(n_reset_seen, 1, "resets seen: %u", n_reset_seen);
	cr_expect_str_eq(reset_seen[0], ga);
	cr_expect_eq(n_changes_seen, 0);
	/* the service maps the id to connections through gw_ref */
	ca = conn_by_ref(d1, SUB_A, "c1");
	cb = conn_by_ref(d1, SUB_B, "c1");
	cr_assert(ca && cb);
	cr_expect_str_eq(ca->gw_ref, ga);
	cr_expect_str_eq(cb->gw_ref, gb);
	cr_expect(strcasecmp(ca->gw_ref, reset_seen[0]) == 0);
	cr_expect(strcasecmp(cb->gw_ref, reset_seen[0]) != 0);
}

/* Issue 15: what the reconciler leaves out is said, with why, to whoever asks (the service shows
 * it as the connection's status reason). A store from before the API's capacity check can hold
 * more connections than the gateway's table; the first GW_CONNS_DEFAULT run, the rest are reported. */
struct skips {
	unsigned int n;
	char last_ref[512], last_why[RECONCILE_WHY_MAX];
};

static void on_skipped(void *arg, const char *ref, const char *why)
{
	struct skips *k = arg;

	k->n++;
	snprintf(k->last_ref, sizeof(k->last_ref), "%s", ref);
	snprintf(k->last_why, sizeof(k->last_why), "%s", why);
}

BOTH_STORES_TEST(reconcile, left_out_resources_are_reported_with_why)
{
	struct skips k = {0};
	struct reconcile_report rep = {.skipped = on_skipped, .arg = &k};
	char name[32], ip[32];

	settings("{\"tunnelLimits\":{\"Standard\":1000},\"quotas\":{"
		 "\"maxVirtualNetworkGatewayConnectionsPerSubscription\":1000}}");
	tenant(SUB_A, "Standard", "198.51.100.10", "key-a");
	for (int i = 2; i <= GW_CONNS_DEFAULT + 2; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		snprintf(ip, sizeof(ip), "5.%d.%d.1", i / 250, i % 250);
		put_lgw(SUB_A, name, ip, "\"192.168.1.0/24\"");
		snprintf(ip, sizeof(ip), "c%d", i);
		put_conn(SUB_A, ip, name, "key-n", "");
	}
	cr_assert_eq(reconcile_build(st, PREFIX, d1, &rep), 0);
	cr_expect_eq(d1->n_conns, GW_CONNS_DEFAULT);
	cr_expect_eq(k.n, 2, "the two past the table: %u", k.n);
	cr_expect(strstr(k.last_why, "at most 256 connections"), "%s", k.last_why);
	cr_expect(strstr(k.last_ref, "/connections/c"), "%s", k.last_ref);
	/* Without a reporter the same pass still works (and logs). */
	gw_desired_clear(d2);
	cr_assert_eq(reconcile_build(st, PREFIX, d2, NULL), 0);
	cr_expect_eq(d2->n_conns, GW_CONNS_DEFAULT);
}
