/* SPDX-License-Identifier: MIT */
/*
 * bench reconcile: the time of one reconcile pass's reads (reconcile_build: settings, every
 * subscription's gateways and connections, each connection's local gateway and shared key, in
 * one read transaction) on the SQLite store and on a real single-member etcd on loopback, for
 * deployments of 10, 100 and 250 connections. What the control loop spends reading the store
 * after each change; figures only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/desired.h"
#include "daemon/reconcile.h"
#include "mgmt/ops.h"
#include "mgmt/store/store.h"
#include "support/etcd.h"

#define SUB "aaaaaaaa-0000-4000-8000-000000000001"
#define B   "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/"

static struct mgmt m;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int put(const char *seg, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int put(const char *seg, const char *name, const char *fmt, ...)
{
	struct model_id id = {0};
	struct mgmt_result res;
	struct mgmt_error err = {0};
	char body[2048];
	va_list ap;
	int r;

	snprintf(id.sub, sizeof(id.sub), "%s", SUB);
	snprintf(id.rg, sizeof(id.rg), "rg");
	snprintf(id.name, sizeof(id.name), "%s", name);
	if (model_type_from_segment(seg, &id.type) != 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	r = mgmt_ops_put(&m, &id, body, strlen(body), NULL, &res, &err);
	if (r)
		fprintf(stderr, "bench reconcile: %s %s: %s\n", seg, name, err.message);
	mgmt_result_clear(&res);
	return r;
}

static int settings(const char *json)
{
	struct mgmt_result res;
	struct mgmt_error err = {0};
	int r = mgmt_ops_settings_patch(&m, json, strlen(json), &res, &err);

	if (r)
		fprintf(stderr, "bench reconcile: settings: %s\n", err.message);
	mgmt_result_clear(&res);
	return r;
}

/* Grows the deployment to n connections (from have). */
static int grow(int have, int n)
{
	char name[32];

	for (int i = have; i < n; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		if (put("localNetworkGateways", name,
			"{\"properties\":{\"gatewayIpAddress\":\"198.51.%d.%d\","
			"\"localNetworkAddressSpace\":{\"addressPrefixes\":[\"172.%d.%d.0/24\"]}}}",
			100 + i / 250, 1 + i % 250, 16 + i / 250, i % 250))
			return -1;
		snprintf(name, sizeof(name), "c%d", i);
		if (put("connections", name,
			"{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":"
			"\"bench-key-0123456789\",\"virtualNetworkGateway1\":{\"id\":\"" B
			"virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B
			"localNetworkGateways/l%d\"}}}",
			SUB, SUB, i))
			return -1;
	}
	return 0;
}

static int run(const char *label, const char *url)
{
	static const int sizes[] = {10, 100, 250};
	struct gw_desired *d = calloc(1, sizeof(*d));
	struct store *s = NULL;
	int have = 0, r = -1;

	if (!d || store_open_url(url, &s) != 0)
		goto out;
	m = (struct mgmt){.store = s};
	if (store_sub_create(s, SUB, "bench") != 0 ||
	    settings("{\"publicIpPool\":[\"192.0.2.0/28\"],\"tunnelLimits\":{\"Standard\":1000},"
		     "\"quotas\":{\"maxVirtualNetworkGatewayConnectionsPerSubscription\":1000}}") ||
	    put("virtualNetworks", "v1",
		"{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.1.0.0/16\"]},"
		"\"subnets\":[{\"name\":\"GatewaySubnet\",\"properties\":{\"addressPrefix\":"
		"\"10.1.255.0/27\"}}]}}") ||
	    put("publicIPAddresses", "p1", "{}") ||
	    put("virtualNetworkGateways", "g1",
		"{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"RouteBased\",\"sku\":"
		"{\"name\":\"Standard\",\"tier\":\"Standard\"},\"ipConfigurations\":[{\"name\":"
		"\"default\",\"properties\":{\"subnet\":{\"id\":\"" B
		"virtualNetworks/v1/subnets/GatewaySubnet\"},\"publicIPAddress\":{\"id\":\"" B
		"publicIPAddresses/p1\"}}}]}}",
		SUB, SUB))
		goto out;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double best = 1e9, t0;

		if (grow(have, sizes[k]))
			goto out;
		have = sizes[k];
		for (int i = 0; i < 5; i++) {
			t0 = now_ms();
			if (reconcile_build(s, "vnet-", d, NULL) != 0)
				goto out;
			t0 = now_ms() - t0;
			if (t0 < best)
				best = t0;
			gw_desired_clear(d);
		}
		printf("bench reconcile: %-6s %3d connections: a pass reads the store in %.1f ms "
		       "(best of 5)\n",
		       label, have, best);
	}
	r = 0;
out:
	if (r)
		fprintf(stderr, "bench reconcile: %s failed\n", label);
	store_close(s);
	free(d);
	return r;
}

int main(void)
{
	char dir[] = "/tmp/vnetgw-bench-reconcile-XXXXXX", url[320], cmd[400];
	struct etcd_proc e;
	int r;

	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof(url), "sqlite:%s/vnetgw.db", dir);
	r = run("sqlite", url);
	if (etcd_proc_start(&e, dir) != 0) {
		fprintf(stderr, "bench reconcile: %s\n", e.why);
		r = -1;
	} else {
		r |= run("etcd", e.url);
		etcd_proc_stop(&e);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		r = -1;
	return r ? 1 : 0;
}
