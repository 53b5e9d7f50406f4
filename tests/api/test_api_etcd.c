/* SPDX-License-Identifier: MIT */
/*
 * API tests, the etcd store (whatever VNETGW_TEST_STORE says): two vnetgwd nodes on one etcd
 * the test starts -- one store (a tenant, a token, a resource, an etag and a revocation seen
 * from both), the last tunnel and one local gateway address raced for across the nodes (their
 * commits conflict: one wins, the other runs again and is refused by the rule); etcd stopped and
 * hung under a running node: 503 StoreUnavailable with Retry-After and a message, within the
 * deadline, nothing half-written, and service again once etcd is back; a list past the API's
 * largest page, written through both nodes while the rate limit set on one holds on both.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/harness.h"

#define ROUNDS 10

static struct daemon d, d2; /* two nodes; d runs the etcd */
static char sub[2][64], tok[2][128];
static pthread_barrier_t barrier;

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	memset(&d2, 0, sizeof(d2));
	d.etcd = true;
	daemon_start(&d);
	daemon_start_node(&d2, &d);
	tenant_new(&d, "node-a", sub[0], tok[0]);
	tenant_new(&d2, "node-b", sub[1], tok[1]);
}

static void teardown(void)
{
	daemon_cleanup(&d2);
	daemon_cleanup(&d);
}

TestSuite(api_etcd, .init = setup, .fini = teardown, .timeout = 180);

static int req(struct daemon *n, const char *method, int who, const char *tn, const char *body,
	       const char *headers, struct http_resp *r)
{
	char path[512];

	arm_path(path, sizeof(path), sub[who], tn, NULL);
	cr_assert_eq(http_do(n, method, path, tok[who], body, headers, r), 0);
	return r->status;
}

#define VNET_BODY(tag)                                                                             \
	"{\"location\":\"local\",\"tags\":{\"t\":\"" tag "\"},\"properties\":{\"addressSpace\":"   \
	"{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}"

Test(api_etcd, two_nodes_one_store)
{
	struct http_resp r;
	char etag[128], hdr[200], tid[64];

	cr_assert_eq(req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("a"), NULL, &r), 201, "%s",
		     r.body);
	snprintf(etag, sizeof(etag), "%s", json_string_value(json_object_get(r.json, "etag")));
	http_resp_free(&r);
	/* Node b answers with what node a wrote, for a tenant a created and b never saw. */
	cr_assert_eq(req(&d2, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r), 200, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "etag")), etag);
	http_resp_free(&r);
	/* b changes it; a's If-Match on the old etag is refused. */
	cr_assert_eq(req(&d2, "PUT", 0, "virtualNetworks/v1", VNET_BODY("b"), NULL, &r), 200);
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "If-Match: %s\r\n", etag);
	cr_expect_eq(req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("a2"), hdr, &r), 412, "%s",
		     r.body);
	http_resp_free(&r);
	/* A token revoked on b fails on a from its next request on. */
	{
		char path[200], body[64];

		snprintf(body, sizeof(body), "{\"label\":\"x\"}");
		snprintf(path, sizeof(path), "/admin/subscriptions/%s/tokens", sub[0]);
		cr_assert_eq(http_unix(&d, "POST", path, body, &r), 0);
		cr_assert_eq(r.status, 201, "%s", r.body);
		snprintf(tid, sizeof(tid), "%s", json_string_value(json_object_get(r.json, "id")));
		snprintf(tok[0], sizeof(tok[0]), "%s",
			 json_string_value(json_object_get(r.json, "token")));
		http_resp_free(&r);
		cr_assert_eq(req(&d, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r), 200);
		http_resp_free(&r);
		snprintf(path, sizeof(path), "/admin/subscriptions/%s/tokens/%s", sub[0], tid);
		cr_assert_eq(http_unix(&d2, "DELETE", path, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		http_resp_free(&r);
		cr_expect_eq(req(&d, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r), 401);
		http_resp_free(&r);
	}
}

struct racer {
	int who;
	int round;
	int status;
	char code[64];
};

/* Racer 0 through node a, racer 1 through node b, for the same last tunnel. */
static void *race_conn(void *arg)
{
	struct racer *rc = arg;
	char body[1024], path[512], tn[64];
	struct http_resp r;
	const char *s = sub[rc->who];

	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"key-0123456789\","
		 "\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworkGateways/g1\"},"
		 "\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX "localNetworkGateways/l1\"}}}",
		 s, s);
	snprintf(tn, sizeof(tn), "connections/r%d", rc->round);
	arm_path(path, sizeof(path), s, tn, NULL);
	pthread_barrier_wait(&barrier);
	if (http_do(rc->who ? &d2 : &d, "PUT", path, tok[rc->who], body, NULL, &r) == 0) {
		rc->status = r.status;
		snprintf(rc->code, sizeof(rc->code), "%s", http_error_code(&r));
		http_resp_free(&r);
	}
	return NULL;
}

static void *race_lgw(void *arg)
{
	struct racer *rc = arg;
	char body[512], path[512], tn[64];
	struct http_resp r;

	snprintf(body, sizeof(body),
		 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.%d\","
		 "\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.16.0.0/16\"]}}}",
		 100 + rc->round);
	snprintf(tn, sizeof(tn), "localNetworkGateways/race%d", rc->round);
	arm_path(path, sizeof(path), sub[rc->who], tn, NULL);
	pthread_barrier_wait(&barrier);
	if (http_do(rc->who ? &d2 : &d, "PUT", path, tok[rc->who], body, NULL, &r) == 0) {
		rc->status = r.status;
		snprintf(rc->code, sizeof(rc->code), "%s", http_error_code(&r));
		http_resp_free(&r);
	}
	return NULL;
}

static int run_round(void *(*fn)(void *), int round, struct racer rc[2])
{
	pthread_t t[2];

	pthread_barrier_init(&barrier, NULL, 2);
	for (int i = 0; i < 2; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].who = i;
		rc[i].round = round;
		pthread_create(&t[i], NULL, fn, &rc[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	return (rc[0].status == 201) + (rc[1].status == 201);
}

Test(api_etcd, last_tunnel_across_nodes_goes_to_exactly_one)
{
	struct racer rc[2];
	int wins[2] = {0, 0};

	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	topo_build(&d, sub[0], tok[0], "Standard", "198.51.100.41");
	topo_build(&d2, sub[1], tok[1], "Standard", "198.51.100.42");
	settings_patch(&d2, "{\"tunnelLimits\":{\"Standard\":1}}");
	for (int round = 0; round < ROUNDS; round++) {
		struct http_resp r;
		char tn[64];
		int w;

		cr_assert_eq(run_round(race_conn, round, rc), 1, "round %d: %d/%d %s/%s", round,
			     rc[0].status, rc[1].status, rc[0].code, rc[1].code);
		w = rc[0].status == 201 ? 0 : 1;
		wins[w]++;
		cr_expect_eq(rc[!w].status, 409, "round %d", round);
		cr_expect_str_eq(rc[!w].code, "TunnelLimitReached", "round %d", round);
		snprintf(tn, sizeof(tn), "connections/r%d", round);
		cr_assert_eq(req(w ? &d2 : &d, "DELETE", w, tn, NULL, NULL, &r), 200);
		http_resp_free(&r);
	}
	{
		char *la = daemon_log_read(&d), *lb = daemon_log_read(&d2), *p;
		int again = 0;

		for (p = la; (p = strstr(p, "runs again")); p++)
			again++;
		for (p = lb; (p = strstr(p, "runs again")); p++)
			again++;
		printf("api_etcd: tunnel wins node-a=%d node-b=%d over %d rounds, %d request(s) "
		       "run again after a conflicting commit\n",
		       wins[0], wins[1], ROUNDS, again);
		free(la);
		free(lb);
	}
}

Test(api_etcd, same_local_gateway_address_across_nodes_goes_to_exactly_one)
{
	struct racer rc[2];

	for (int round = 0; round < ROUNDS; round++) {
		cr_assert_eq(run_round(race_lgw, round, rc), 1, "round %d: %d/%d %s/%s", round,
			     rc[0].status, rc[1].status, rc[0].code, rc[1].code);
		cr_expect_str_eq(rc[rc[0].status == 201 ? 1 : 0].code, "LocalGatewayIpAddressInUse",
				 "round %d", round);
	}
}

/* 503 StoreUnavailable, with Retry-After and a message that says so. */
static void expect_unavailable(struct http_resp *r, const char *what)
{
	char ra[16];

	cr_expect_eq(r->status, 503, "%s: %d %s", what, r->status, r->body);
	cr_expect_str_eq(http_error_code(r), "StoreUnavailable", "%s", what);
	cr_expect_not_null(strstr(r->body, "store is unavailable"), "%s: %s", what, r->body);
	cr_expect_not_null(http_header(r, "Retry-After", ra, sizeof(ra)), "%s", what);
}

/* Polls a PUT until the store takes it again (deadline_ms). */
static void wait_put_ok(struct daemon *n, const char *tn, long deadline_ms)
{
	long end = now_ms() + deadline_ms;
	struct http_resp r;

	for (;;) {
		int st = req(n, "PUT", 0, tn, VNET_BODY("back"), NULL, &r);

		http_resp_free(&r);
		if (st == 200 || st == 201)
			return;
		cr_assert_eq(st, 503, "while etcd comes back: %d", st);
		cr_assert_lt(now_ms(), end, "no write taken within %ld ms of etcd's restart",
			     deadline_ms);
		struct timespec ts = {0, 50 * 1000000};

		nanosleep(&ts, NULL);
	}
}

Test(api_etcd, etcd_stopped_503_then_back)
{
	struct http_resp r;
	long t0, ms;

	cr_assert_eq(req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("before"), NULL, &r), 201);
	http_resp_free(&r);
	etcd_proc_stop(&d.etcd_proc);
	t0 = now_ms();
	req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("during"), NULL, &r);
	ms = now_ms() - t0;
	expect_unavailable(&r, "PUT");
	cr_expect_lt(ms, 3000, "answered in %ld ms", ms);
	http_resp_free(&r);
	req(&d2, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r);
	expect_unavailable(&r, "GET on the other node");
	http_resp_free(&r);
	cr_assert_eq(http_unix(&d, "GET", "/admin/settings", NULL, &r), 0);
	expect_unavailable(&r, "admin GET");
	http_resp_free(&r);
	/* The daemon is still there and answers what needs no store. */
	cr_assert_eq(http_do(&d, "GET", "/", NULL, NULL, NULL, &r), 0);
	cr_expect_neq(r.status, 503);
	http_resp_free(&r);
	cr_assert_eq(etcd_proc_restart(&d.etcd_proc), 0, "%s", d.etcd_proc.why);
	t0 = now_ms();
	cr_assert_eq(req(&d2, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r) == 200 ||
			     r.status == 503,
		     1);
	http_resp_free(&r);
	wait_put_ok(&d, "virtualNetworks/v2", 15000);
	printf("api_etcd: writes taken again %ld ms after etcd was healthy\n", now_ms() - t0);
	cr_assert_eq(req(&d2, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "tags"), "t")),
			 "before", "nothing of the refused PUT was written");
	http_resp_free(&r);
}

Test(api_etcd, hung_etcd_503_within_the_deadline)
{
	struct http_resp r;
	long t0, ms;

	cr_assert_eq(req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("before"), NULL, &r), 201);
	http_resp_free(&r);
	cr_assert_eq(etcd_proc_pause(&d.etcd_proc), 0);
	t0 = now_ms();
	req(&d, "PUT", 0, "virtualNetworks/v1", VNET_BODY("during"), NULL, &r);
	ms = now_ms() - t0;
	expect_unavailable(&r, "PUT to a hung etcd");
	cr_expect_lt(ms, 4500, "the store's 2 s deadline bounds the answer: %ld ms", ms);
	http_resp_free(&r);
	printf("api_etcd: PUT against a hung etcd answered 503 in %ld ms\n", ms);
	cr_assert_eq(etcd_proc_resume(&d.etcd_proc), 0);
	wait_put_ok(&d, "virtualNetworks/v2", 15000);
	cr_assert_eq(req(&d, "GET", 0, "virtualNetworks/v1", NULL, NULL, &r), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "tags"), "t")),
			 "before");
	http_resp_free(&r);
}

Test(api_etcd, list_past_the_largest_page)
{
	enum { N = 1050 };
	struct http_resp r;
	char tn[64], path[512];
	int seen = 0, pages = 0;

	/* Set on one node: the other's API follows through the watch. */
	settings_patch(&d, "{\"apiRateLimit\":{\"requestsPerSecond\":100000,\"burst\":100000}}");
	for (int i = 0; i < N; i++) {
		snprintf(tn, sizeof(tn), "virtualNetworks/vnet%04d", i);
		cr_assert_eq(req(i % 2 ? &d2 : &d, "PUT", 0, tn, VNET_BODY("many"), NULL, &r), 201,
			     "%s", r.body);
		http_resp_free(&r);
	}
	snprintf(path, sizeof(path),
		 "/subscriptions/%s/providers/Microsoft.Network/virtualNetworks"
		 "?api-version=2018-11-01&$top=1000",
		 sub[0]);
	for (;;) {
		const char *next;

		cr_assert_eq(http_do(&d2, "GET", path, tok[0], NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		seen += (int)json_array_size(json_object_get(r.json, "value"));
		pages++;
		next = json_string_value(json_object_get(r.json, "nextLink"));
		if (!next) {
			http_resp_free(&r);
			break;
		}
		snprintf(path, sizeof(path), "%s", strchr(next + 7, '/'));
		http_resp_free(&r);
		cr_assert_lt(pages, 5);
	}
	cr_expect_eq(seen, N);
	cr_expect_eq(pages, 2);
}
