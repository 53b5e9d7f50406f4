/* SPDX-License-Identifier: MIT */
/*
 * API tests, concurrency: two clients of two tenants racing, over HTTP and at the same instant,
 * for the deployment's last IPsec tunnel (SPEC §2 rule 8) and for the same local gateway address
 * (rule 9). Exactly one wins each round; the loser gets 409 with the rule's code.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/harness.h"

#define ROUNDS 12

static struct daemon d;
static char sub[2][64], tok[2][128];
static pthread_barrier_t barrier;

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.113.0/28\"]}");
	tenant_new(&d, "racer-a", sub[0], tok[0]);
	tenant_new(&d, "racer-b", sub[1], tok[1]);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_race, .init = setup, .fini = teardown, .timeout = 120);

struct racer {
	int who;
	int round;
	int status;
	char code[64];
	const char *what;
};

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
	if (http_do(&d, "PUT", path, tok[rc->who], body, NULL, &r) == 0) {
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
	if (http_do(&d, "PUT", path, tok[rc->who], body, NULL, &r) == 0) {
		rc->status = r.status;
		snprintf(rc->code, sizeof(rc->code), "%s", http_error_code(&r));
		http_resp_free(&r);
	}
	return NULL;
}

static int run_round(void *(*fn)(void *), int round, struct racer rc[2])
{
	pthread_t t[2];
	int i;

	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].who = i;
		rc[i].round = round;
		pthread_create(&t[i], NULL, fn, &rc[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	return (rc[0].status == 201) + (rc[1].status == 201);
}

Test(api_race, last_tunnel_goes_to_exactly_one)
{
	struct racer rc[2];
	int round, wins[2] = {0, 0};

	topo_build(&d, sub[0], tok[0], "Standard", "198.51.100.41");
	topo_build(&d, sub[1], tok[1], "Standard", "198.51.100.42");
	settings_patch(&d, "{\"tunnelLimits\":{\"Standard\":1}}");
	for (round = 0; round < ROUNDS; round++) {
		struct http_resp r;
		char path[512], tn[64];
		int w;

		cr_assert_eq(run_round(race_conn, round, rc), 1, "round %d: %d/%d %s/%s", round,
			     rc[0].status, rc[1].status, rc[0].code, rc[1].code);
		w = rc[0].status == 201 ? 0 : 1;
		wins[w]++;
		cr_expect_eq(rc[!w].status, 409, "round %d", round);
		cr_expect_str_eq(rc[!w].code, "TunnelLimitReached", "round %d", round);
		/* free the tunnel for the next round */
		snprintf(tn, sizeof(tn), "connections/r%d", round);
		arm_path(path, sizeof(path), sub[w], tn, NULL);
		cr_assert_eq(http_do(&d, "DELETE", path, tok[w], NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		http_resp_free(&r);
	}
	printf("api_race: tunnel wins a=%d b=%d over %d rounds\n", wins[0], wins[1], ROUNDS);
}

Test(api_race, same_local_gateway_address_goes_to_exactly_one)
{
	struct racer rc[2];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		cr_assert_eq(run_round(race_lgw, round, rc), 1, "round %d: %d/%d", round,
			     rc[0].status, rc[1].status);
		cr_expect_str_eq(rc[rc[0].status == 201 ? 1 : 0].code, "LocalGatewayIpAddressInUse",
				 "round %d", round);
	}
}
