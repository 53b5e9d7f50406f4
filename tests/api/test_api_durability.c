/* SPDX-License-Identifier: MIT */
/*
 * API tests, durability: a stream of writes (public IPs, subnets rewriting their VNet,
 * connections with their keys) is cut by kill -9 of the daemon's PID at a random moment; after a
 * restart on the same data directory every acknowledged write is there, exactly as acknowledged,
 * and the one in flight is either wholly there or wholly absent. Seed: VNETGW_TEST_SEED.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/harness.h"

#define MAX_WRITES 4000

static struct daemon d;
static char sub[64], tok[128];

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	daemon_start(&d);
	settings_patch(&d, "{\"publicIpPool\":[\"203.0.112.0/22\"],"
			   "\"tunnelLimits\":{\"Standard\":10000}}");
	tenant_new(&d, "durable", sub, tok);
}

static void teardown(void)
{
	daemon_cleanup(&d);
}

TestSuite(api_durability, .init = setup, .fini = teardown, .timeout = 180);

/* What the writer got acknowledged: per write, its kind, index and the etag answered. */
struct ack {
	int kind; /* 0 public IP, 1 subnet, 2 connection */
	int n;
	char etag[64];
};

static struct ack acks[MAX_WRITES];
static atomic_int n_acks;
static atomic_int attempted;
static atomic_bool stop, done;

static void *writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < MAX_WRITES && !atomic_load(&stop); i++) {
		char path[512], tn[96], body[1024];
		struct http_resp r;
		int kind = i % 3, n = i / 3;

		if (kind == 0) {
			snprintf(tn, sizeof(tn), "publicIPAddresses/pw%d", n);
			snprintf(body, sizeof(body), "{\"tags\":{\"seq\":\"%d\"}}", i);
		} else if (kind == 1) {
			snprintf(tn, sizeof(tn), "virtualNetworks/v1/subnets/s%d", n);
			snprintf(body, sizeof(body),
				 "{\"properties\":{\"addressPrefix\":\"10.0.%d.0/28\"}}", n % 255);
		} else {
			snprintf(tn, sizeof(tn), "localNetworkGateways/lw%d", n);
			snprintf(body, sizeof(body),
				 "{\"properties\":{\"gatewayIpAddress\":\"8.%d.%d.1\","
				 "\"localNetworkAddressSpace\":{\"addressPrefixes\":"
				 "[\"172.16.0.0/16\"]}}}",
				 n / 256, n % 256);
			arm_path(path, sizeof(path), sub, tn, NULL);
			if (http_do(&d, "PUT", path, tok, body, NULL, &r) != 0 || r.status != 201) {
				if (r.status)
					fprintf(stderr, "writer: %s -> %d %s\n", tn, r.status,
						r.body);
				http_resp_free(&r);
				break;
			}
			http_resp_free(&r);
			snprintf(tn, sizeof(tn), "connections/c%d", n);
			snprintf(body, sizeof(body),
				 "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":"
				 "\"key-%d\",\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
				 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":"
				 "\"" ARM_ID_PREFIX "localNetworkGateways/lw%d\"}}}",
				 n, sub, sub, n);
		}
		arm_path(path, sizeof(path), sub, tn, NULL);
		atomic_store(&attempted, i + 1);
		if (http_do(&d, "PUT", path, tok, body, NULL, &r) != 0)
			break; /* the daemon is gone */
		if (r.status != 201)
			fprintf(stderr, "writer: %s -> %d %s\n", tn, r.status, r.body);
		if (r.status == 201) {
			int k = atomic_load(&n_acks);

			acks[k].kind = kind;
			acks[k].n = n;
			snprintf(acks[k].etag, sizeof(acks[k].etag), "%s",
				 json_string_value(json_object_get(r.json, "etag")));
			atomic_store(&n_acks, k + 1);
		}
		http_resp_free(&r);
	}
	atomic_store(&done, true);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void check_after_restart(void)
{
	struct http_resp r;
	char path[512], tn[96];
	int i, n = atomic_load(&n_acks);

	for (i = 0; i < n; i++) {
		if (acks[i].kind == 0)
			snprintf(tn, sizeof(tn), "publicIPAddresses/pw%d", acks[i].n);
		else if (acks[i].kind == 1)
			snprintf(tn, sizeof(tn), "virtualNetworks/v1/subnets/s%d", acks[i].n);
		else
			snprintf(tn, sizeof(tn), "connections/c%d", acks[i].n);
		arm_path(path, sizeof(path), sub, tn, NULL);
		cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
		cr_expect_eq(r.status, 200, "acknowledged write %d (%s) lost", i, tn);
		/* A subnet's etag is its VNet's, which later subnet writes move on. */
		if (acks[i].kind != 1 && r.status == 200)
			cr_expect_str_eq(json_string_value(json_object_get(r.json, "etag")),
					 acks[i].etag, "%s is not as acknowledged", tn);
		http_resp_free(&r);
		if (acks[i].kind == 2) {
			arm_path(path, sizeof(path), sub, tn, "/sharedkey");
			cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
			cr_expect_eq(r.status, 200);
			{
				char want[32];

				snprintf(want, sizeof(want), "key-%d", acks[i].n);
				cr_expect_str_eq(
					json_string_value(json_object_get(r.json, "value")), want,
					"%s lost its key", tn);
			}
			http_resp_free(&r);
		}
	}
	/* Nothing half-written: every listed resource is whole, and at most the one write in
	 * flight beyond the acknowledged ones exists. */
	{
		static const char *const types[] = {"publicIPAddresses", "connections"};
		int total = -2, t; /* p1 and p2 of the topology */

		for (t = 0; t < 2; t++) {
			arm_path(path, sizeof(path), sub, types[t], "?$top=1000");
			/* arm_path appended api-version after the suffix's '?': rebuild plainly */
			snprintf(
				path, sizeof(path),
				"/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/%s"
				"?api-version=2018-11-01&$top=1000",
				sub, types[t]);
			cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
			cr_assert_eq(r.status, 200);
			{
				json_t *v;
				size_t k;

				json_array_foreach(json_object_get(r.json, "value"), k, v)
				{
					cr_expect_str_eq(json_string_value(json_object_get(
								 json_object_get(v, "properties"),
								 "provisioningState")),
							 "Succeeded");
					cr_expect_not_null(json_object_get(v, "etag"));
				}
				total += (int)json_array_size(json_object_get(r.json, "value"));
			}
			http_resp_free(&r);
		}
		arm_path(path, sizeof(path), sub, "virtualNetworks/v1/subnets", NULL);
		cr_assert_eq(http_do(&d, "GET", path, tok, NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "the VNet document is whole");
		total += (int)json_array_size(json_object_get(r.json, "value")) - 1; /* - Gateway */
		http_resp_free(&r);
		cr_expect(total == n || total == n + 1, "%d resources after %d acknowledged writes",
			  total, n);
	}
}

Test(api_durability, kill9_during_writes)
{
	const char *seed_env = getenv("VNETGW_TEST_SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 0) : (unsigned)time(NULL);
	pthread_t t;
	int round;

	printf("api_durability: seed %u (VNETGW_TEST_SEED to repeat)\n", seed);
	srand(seed);
	topo_build(&d, sub, tok, "Standard", "198.51.100.50");
	for (round = 0; round < 2; round++) {
		atomic_store(&n_acks, 0);
		atomic_store(&attempted, 0);
		atomic_store(&stop, false);
		atomic_store(&done, false);
		pthread_create(&t, NULL, writer, NULL);
		/* let some writes through, then pull the plug mid-stream */
		while (atomic_load(&n_acks) < 20 + round * 10 && !atomic_load(&done))
			sleep_ms(5);
		cr_assert_not(atomic_load(&done), "the writer stopped before the kill");
		sleep_ms(rand() % 200);
		daemon_kill9(&d);
		atomic_store(&stop, true);
		pthread_join(t, NULL);
		printf("api_durability: round %d: killed after %d acknowledged of %d attempted\n",
		       round, atomic_load(&n_acks), atomic_load(&attempted));
		daemon_start(&d);
		check_after_restart();
		if (round == 0) {
			/* start the next round from an empty slate of names */
			daemon_stop(&d);
			daemon_cleanup(&d);
			memset(&d, 0, sizeof(d));
			daemon_start(&d);
			settings_patch(&d, "{\"publicIpPool\":[\"203.0.112.0/22\"],"
					   "\"tunnelLimits\":{\"Standard\":10000}}");
			tenant_new(&d, "durable", sub, tok);
			topo_build(&d, sub, tok, "Standard", "198.51.100.50");
		}
	}
}
