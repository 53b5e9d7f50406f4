/* SPDX-License-Identifier: MIT */
/*
 * BGP benchmark (make bench-bgp): a site speaker originates 4000 prefixes to a gateway speaker
 * over a socket pair in this process, as the daemon's speaker would learn them from a router;
 * prints the time and memory to learn them (UPDATE parse, import policy, Adj-RIB-In, Loc-RIB,
 * best path, the route reports a FIB install would take, and export of them to a second site),
 * the time to withdraw them, and the parse rate of full UPDATEs alone. As root, also the time
 * to install the 4000 in a real data plane as the daemon does (dp_conn_routes: a VNet's
 * namespace and TUN, kernel routes through it, the worker's tables) and to remove them.
 * Figures only: nothing here passes or fails on time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "dp/dp.h"
#include "dp/netns.h"
#include "bgp/speaker.h"
#include "bgp/update.h"
#include "lib/clock.h"
#include "lib/log.h"

#define N_PREFIXES 4000
#define ROUNDS	   5

/* Speakers 0 (gateway), 1 (site A, the originator), 2 (site B, gets the routes in transit). */
struct side {
	struct bgp_speaker *sp;
	struct bgp_speaker_config cfg;
	int fd[3];	  /* towards speaker k */
	uint32_t conn[3]; /* our conn id towards k */
	size_t fib;	  /* routes installed (add - withdraw) */
};

static struct side S[3];
static int pending_accept = -1, pending_from = -1;

static int side_of(void *ctx)
{
	return (int)(intptr_t)ctx;
}

static int find_peer(int i, uint32_t conn)
{
	for (int k = 0; k < 3; k++)
		if (S[i].conn[k] == conn && S[i].fd[k] >= 0)
			return k;
	return -1;
}

static int op_connect(void *ctx, uint32_t conn, const struct addr *l, const struct addr *r,
		      uint16_t port)
{
	int i = side_of(ctx), fds[2];

	for (int j = 0; j < 3; j++) {
		if (j == i || !addr_equal(&S[j].cfg.local, r))
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds))
			return -errno;
		for (int k = 0; k < 2; k++) {
			int sz = 4 << 20;

			setsockopt(fds[k], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		}
		S[i].fd[j] = fds[0];
		S[i].conn[j] = conn;
		S[j].fd[i] = fds[1];
		pending_accept = j;
		pending_from = i;
		return 0;
	}
	return -EHOSTUNREACH;
}

static int op_send(void *ctx, uint32_t conn, const uint8_t *data, size_t len)
{
	int i = side_of(ctx), k = find_peer(i, conn);

	if (k < 0 && pending_accept == i)
		k = pending_from; /* the OPEN written during accept */
	if (k < 0)
		return -ENOTCONN;
	if (send(S[i].fd[k], data, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "bench: socket pair full\n");
		exit(1);
	}
	return 0;
}

static void op_close(void *ctx, uint32_t conn)
{
}

static void op_route(void *ctx, const struct bgp_route_change *ch)
{
	struct side *s = &S[side_of(ctx)];

	if (ch->add)
		s->fib++;
	else
		s->fib--;
}

static void pump(void)
{
	static uint8_t data[1 << 16];
	bool moved = true;

	while (moved) {
		moved = false;
		if (pending_accept >= 0) {
			int j = pending_accept, i = pending_from;
			uint32_t conn;

			if (bgp_speaker_accept(S[j].sp, &S[j].cfg.local, &S[i].cfg.local, &conn) ==
			    0)
				S[j].conn[i] = conn;
			pending_accept = -1;
			bgp_speaker_connected(S[i].sp, S[i].conn[j]);
			moved = true;
		}
		for (int i = 0; i < 3; i++)
			for (int k = 0; k < 3; k++) {
				ssize_t n;

				if (S[i].fd[k] < 0)
					continue;
				while ((n = read(S[i].fd[k], data, sizeof(data))) > 0) {
					bgp_speaker_input(S[i].sp, S[i].conn[k], data, (size_t)n);
					moved = true;
				}
			}
	}
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void side_new(int i, const char *addr, uint32_t asn, uint32_t id)
{
	struct bgp_speaker_ops ops = {.ctx = (void *)(intptr_t)i,
				      .connect = op_connect,
				      .send = op_send,
				      .close = op_close,
				      .route = op_route};

	bgp_speaker_config_default(&S[i].cfg);
	S[i].cfg.asn = asn;
	S[i].cfg.router_id = id;
	S[i].cfg.allow_reserved_peer_asn = asn != BGP_DEFAULT_ASN;
	addr_parse(&S[i].cfg.local, addr, NULL, 0);
	for (int k = 0; k < 3; k++)
		S[i].fd[k] = -1;
	if (bgp_speaker_new(&S[i].sp, &S[i].cfg, &ops))
		exit(1);
}

static void peer(int i, const char *name, const char *addr, uint32_t asn, bool passive)
{
	struct bgp_peer_config pc;

	bgp_peer_config_default(&pc);
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	addr_parse(&pc.addr, addr, NULL, 0);
	pc.asn = asn;
	pc.passive = passive;
	if (bgp_speaker_peer_add(S[i].sp, &pc))
		exit(1);
}

static double ms_since(uint64_t t0)
{
	return (double)(clock_now_ns() - t0) / 1e6;
}

/* UPDATE parsing alone: full messages of /24s. */
static void bench_parse(void)
{
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, 2};
	uint32_t as[] = {65001, 65100};
	struct bgp_attrs a = {.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
				      BGP_HAVE(BGP_ATTR_NEXT_HOP),
			      .aspath = {&seg, as, 1, 2}};
	static struct prefix list[1100];
	struct bgp_update *u = calloc(1, sizeof(*u));
	struct bgp_parse_ctx ctx = {.as4 = true, .ebgp = true, .peer_as = 65001};
	struct bgp_update_out out = {
		.afi = BGP_AFI_IPV4, .as4 = true, .attrs = &a, .nlri = list, .n_nlri = 1100};
	uint8_t mem[BGP_MAX_MSG];
	struct bgp_error err;
	struct buf w;
	size_t wd, nl, iters = 20000;
	uint64_t t0;

	addr_parse(&a.nexthop, "192.0.2.1", NULL, 0);
	for (int i = 0; i < 1100; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0/24", i / 256, i % 256);
		prefix_parse(&list[i], s, 0, NULL, 0);
	}
	buf_init_write(&w, mem, sizeof(mem));
	bgp_update_build(&w, &out, &wd, &nl);
	t0 = clock_now_ns();
	for (size_t i = 0; i < iters; i++) {
		struct buf b = w;
		struct bgp_msg m = {.update = u};

		if (bgp_msg_parse(&b, &ctx, &m, &err))
			exit(1);
	}
	printf("parse: %zu UPDATEs of %zu prefixes (%zu bytes) in %.1f ms: %.0f prefixes/s\n",
	       iters, nl, buf_left(&w), ms_since(t0), (double)(iters * nl) / (ms_since(t0) / 1e3));
	free(u);
}

/*
 * The data plane's part: a VNet (namespace vgt-bgpbench-<pid>, TUN) with one connection, the
 * 4000 prefixes installed as its learned set and removed, ROUNDS times.
 */
static int bench_install(const struct bgp_local_prefix *lp)
{
	char ns[64], pub[64];
	struct prefix *set = calloc(N_PREFIXES, sizeof(*set));
	struct dp_config dc = {.public_nsfd = -1};
	struct dp_vnet_params vp = {.id = 1, .tun = "vnetgw0"};
	struct dp_conn_params cp = {.id = 1, .vnet_id = 1};
	struct dp *dp = NULL;
	int r, nsfd = -1;

	if (geteuid() != 0) {
		printf("install: not root, no data plane (run as root for the install figures)\n");
		free(set);
		return 0;
	}
	snprintf(ns, sizeof(ns), "vgt-bgpbench-%d", (int)getpid());
	snprintf(pub, sizeof(pub), "vgt-bgpbench-%d-pub", (int)getpid());
	for (int i = 0; i < N_PREFIXES; i++)
		set[i] = lp[i].prefix;
	r = netns_create(pub);
	nsfd = r == 0 ? netns_open(pub) : r;
	if (nsfd < 0) {
		r = nsfd;
		goto out;
	}
	addr_parse(&dc.public_addr, "127.0.0.1", NULL, 0);
	dc.public_nsfd = nsfd;
	vp.netns = ns;
	prefix_parse(&vp.gateway, "10.1.255.4/27", 0, NULL, 0);
	addr_parse(&cp.peer, "127.0.0.2", NULL, 0);
	r = dp_new(&dp, &dc);
	r = r ?: dp_vnet_add(dp, &vp);
	r = r ?: dp_conn_add(dp, &cp);
	for (int k = 0; k < ROUNDS && r == 0; k++) {
		uint64_t t0 = clock_now_ns();
		double in, out;

		r = dp_conn_routes(dp, 1, set, N_PREFIXES);
		in = ms_since(t0);
		t0 = clock_now_ns();
		r = r ?: dp_conn_routes(dp, 1, NULL, 0);
		out = ms_since(t0);
		if (r == 0)
			printf("install round %d: %d learned routes into the data plane and the VNet's "
			       "kernel table %.1f ms (%.0f routes/s), removed %.1f ms\n",
			       k + 1, N_PREFIXES, in, N_PREFIXES / (in / 1e3), out);
	}
out:
	if (r < 0)
		fprintf(stderr, "install: %s\n", strerror(-r));
	if (dp) {
		dp_conn_remove(dp, 1);
		dp_vnet_remove(dp, 1); /* deletes the VNet's namespace */
		dp_free(dp);
	}
	if (nsfd >= 0)
		close(nsfd);
	netns_delete(pub);
	netns_delete(ns);
	free(set);
	return r < 0 ? 1 : 0;
}

int main(void)
{
	struct bgp_local_prefix *lp = calloc(N_PREFIXES, sizeof(*lp));
	long rss0, rss1;

	log_set_level(LOG_LVL_ERR);
	for (int i = 0; i < N_PREFIXES; i++) {
		char s[32];

		snprintf(s, sizeof(s), "172.%d.%d.0/24", 16 + i / 256, i % 256);
		prefix_parse(&lp[i].prefix, s, 0, NULL, 0);
	}
	side_new(0, "10.0.0.1", 65515, 1);
	side_new(1, "10.0.0.2", 65001, 2);
	side_new(2, "10.0.0.3", 65002, 3);
	peer(1, "gw", "10.0.0.1", 65515, true);
	peer(2, "gw", "10.0.0.1", 65515, true);
	peer(0, "a", "10.0.0.2", 65001, false);
	pump();
	peer(0, "b", "10.0.0.3", 65002, false);
	pump();
	printf("bgp bench: %d prefixes from site A to the gateway (and on to site B), %d rounds\n",
	       N_PREFIXES, ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0;
		double learn, withdraw;

		rss0 = rss_kb();
		t0 = clock_now_ns();
		bgp_speaker_set_local_prefixes(S[1].sp, lp, N_PREFIXES);
		pump();
		learn = ms_since(t0);
		rss1 = rss_kb();
		if (S[0].fib != N_PREFIXES || S[2].fib != N_PREFIXES) {
			fprintf(stderr, "bench: gateway has %zu routes, site B %zu\n", S[0].fib,
				S[2].fib);
			return 1;
		}
		t0 = clock_now_ns();
		bgp_speaker_set_local_prefixes(S[1].sp, NULL, 0);
		pump();
		withdraw = ms_since(t0);
		/* RSS covers all three: the gateway's RIBs, A's Adj-RIB-Out and B's RIBs */
		printf("round %d: learn %.1f ms (%.0f routes/s), process RSS +%ld kB (%.0f bytes "
		       "per prefix, three speakers), withdraw %.1f ms (%.0f routes/s)\n",
		       r + 1, learn, N_PREFIXES / (learn / 1e3), rss1 - rss0,
		       (double)(rss1 - rss0) * 1024 / N_PREFIXES, withdraw,
		       N_PREFIXES / (withdraw / 1e3));
	}
	bench_parse();
	for (int i = 0; i < 3; i++)
		bgp_speaker_free(S[i].sp);
	rss0 = bench_install(lp);
	free(lp);
	return (int)rss0;
}
