/* SPDX-License-Identifier: MIT */
/*
 * bgpspeak: the speaker of src/bgp on real sockets (bgp/net.h), for labs against real routers.
 * It listens on --local:--port, peers with each --peer, originates each --prefix (the first
 * --vnet ones as the VNet's address space) and keeps a status file that a lab polls, rewritten
 * (write + rename) whenever a peer's state or the routes change and every second:
 *
 *   writtenAtMs 1765170000123
 *   peer NAME STATE routes=N sent=N received=N refused=N error=TEXT
 *   route PREFIX NEXTHOP PEER ASPATH
 *
 * Usage: bgpspeak --local ADDR --asn N --id A.B.C.D --status FILE [--port N] [--hold S]
 *                 [--peer NAME,ADDR,ASN[,passive]]... [--vnet PREFIX]... [--prefix PREFIX]...
 * SIGTERM/SIGINT end the sessions with a Cease and exit 0.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/net.h"
#include "bgp/speaker.h"
#include "lib/clock.h"
#include "lib/log.h"

#define MAX_PEERS  8
#define MAX_LOCALS 64

struct tool {
	struct event_base *base;
	struct bgp_speaker *sp;
	struct bgp_net *net;
	const char *status;
	struct event *tick, *sigterm, *sigint;
	bool dirty;
};

static void usage(void)
{
	fprintf(stderr, "usage: bgpspeak --local ADDR --asn N --id A.B.C.D --status FILE [--port N]"
			" [--hold S] [--peer NAME,ADDR,ASN[,passive]]... [--vnet PREFIX]..."
			" [--prefix PREFIX]...\n");
	exit(2);
}

static int write_route(const struct bgp_route_info *r, void *arg)
{
	char pb[PREFIX_STR_MAX], nb[ADDR_STR_MAX];

	if (r->origin != BGP_ROUTE_EBGP)
		return 0;
	fprintf(arg, "route %s %s %s %s%s\n", prefix_print(&r->network, pb, sizeof(pb)),
		addr_print(&r->next_hop, nb, sizeof(nb)), r->peer_name, r->as_path,
		r->best ? "" : " (not best)");
	return 0;
}

static void status_write(struct tool *t)
{
	struct bgp_peer_status st[MAX_PEERS];
	size_t n = bgp_speaker_peers(t->sp, st, MAX_PEERS);
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", t->status);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "writtenAtMs %" PRId64 "\n", clock_wall_ms());
	for (size_t i = 0; i < n && i < MAX_PEERS; i++)
		fprintf(f,
			"peer %s %s routes=%u sent=%" PRIu64 " received=%" PRIu64
			" refused=%" PRIu64 " error=%s\n",
			st[i].name, bgp_state_name(st[i].state), st[i].routes_received,
			st[i].messages_sent, st[i].messages_received, st[i].routes_refused,
			st[i].last_error[0] ? st[i].last_error : "-");
	bgp_speaker_learned_routes(t->sp, write_route, f);
	fclose(f);
	rename(tmp, t->status);
	t->dirty = false;
}

static void on_route(void *ctx, const struct bgp_route_change *ch)
{
	struct tool *t = ctx;
	char pb[PREFIX_STR_MAX], nb[ADDR_STR_MAX];

	log_info("Route", "%s %s via %s (%s)", ch->add ? "add" : "withdraw",
		 prefix_print(&ch->prefix, pb, sizeof(pb)),
		 ch->add ? addr_print(&ch->nexthop, nb, sizeof(nb)) : "-",
		 ch->peer ? ch->peer : "-");
	t->dirty = true;
	event_active(t->tick, EV_TIMEOUT, 0);
}

static void on_state(void *ctx, const char *peer, enum bgp_state old, enum bgp_state st,
		     const char *reason)
{
	struct tool *t = ctx;

	log_info("Route", "peer %s: %s -> %s (%s)", peer, bgp_state_name(old), bgp_state_name(st),
		 reason);
	t->dirty = true;
	event_active(t->tick, EV_TIMEOUT, 0);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	status_write(arg);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static int parse_peer(const char *s, struct bgp_peer_config *pc)
{
	char buf[256], *name, *addr, *asn, *flag, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	name = strtok_r(buf, ",", &save);
	addr = strtok_r(NULL, ",", &save);
	asn = strtok_r(NULL, ",", &save);
	flag = strtok_r(NULL, ",", &save);
	if (!name || !addr || !asn)
		return -EINVAL;
	bgp_peer_config_default(pc);
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	if (addr_parse(&pc->addr, addr, NULL, 0))
		return -EINVAL;
	pc->asn = (uint32_t)strtoul(asn, NULL, 10);
	pc->passive = flag && strcmp(flag, "passive") == 0;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"local", 1, 0, 'l'},  {"asn", 1, 0, 'a'},
					     {"id", 1, 0, 'i'},	    {"status", 1, 0, 's'},
					     {"port", 1, 0, 'p'},   {"hold", 1, 0, 'h'},
					     {"peer", 1, 0, 'P'},   {"vnet", 1, 0, 'v'},
					     {"prefix", 1, 0, 'x'}, {0, 0, 0, 0}};
	struct bgp_speaker_config cfg;
	struct bgp_peer_config peers[MAX_PEERS];
	struct bgp_local_prefix locals[MAX_LOCALS];
	size_t n_peers = 0, n_locals = 0;
	struct bgp_net_config nc = {0};
	struct tool t = {0};
	struct bgp_speaker_ops ops = {.ctx = &t, .route = on_route, .peer_state = on_state};
	struct timeval sec = {1, 0};
	struct addr id;
	int c;

	bgp_speaker_config_default(&cfg);
	cfg.allow_reserved_peer_asn = false;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (addr_parse(&cfg.local, optarg, NULL, 0))
				usage();
			break;
		case 'a':
			cfg.asn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			if (addr_parse(&id, optarg, NULL, 0) || id.family != AF_INET)
				usage();
			cfg.router_id = (uint32_t)id.bytes[0] << 24 | (uint32_t)id.bytes[1] << 16 |
					(uint32_t)id.bytes[2] << 8 | id.bytes[3];
			break;
		case 's':
			t.status = optarg;
			break;
		case 'p':
			cfg.port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			cfg.hold_time_s = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			if (n_peers == MAX_PEERS || parse_peer(optarg, &peers[n_peers++]))
				usage();
			break;
		case 'v':
		case 'x':
			if (n_locals == MAX_LOCALS ||
			    prefix_parse(&locals[n_locals].prefix, optarg, 0, NULL, 0))
				usage();
			locals[n_locals++].vnet = c == 'v';
			break;
		default:
			usage();
		}
	}
	if (!t.status || !cfg.router_id || !cfg.local.family)
		usage();
	signal(SIGPIPE, SIG_IGN);
	t.base = event_base_new();
	nc.local = cfg.local;
	if (!t.base || bgp_net_new(&t.net, t.base, &nc))
		return 1;
	t.tick = event_new(t.base, -1, EV_PERSIST, tick_cb, &t);
	bgp_net_ops(t.net, &ops);
	if ((c = bgp_speaker_new(&t.sp, &cfg, &ops))) {
		fprintf(stderr, "bgpspeak: bad configuration (%d)\n", c);
		return 2;
	}
	bgp_net_attach(t.net, t.sp);
	if (bgp_net_listen(t.net, &cfg.local, cfg.port)) {
		fprintf(stderr, "bgpspeak: cannot listen\n");
		return 1;
	}
	if (bgp_speaker_set_local_prefixes(t.sp, locals, n_locals))
		return 1;
	for (size_t i = 0; i < n_peers; i++) {
		if ((c = bgp_speaker_peer_add(t.sp, &peers[i]))) {
			fprintf(stderr, "bgpspeak: peer %s refused (%d)\n", peers[i].name, c);
			return 2;
		}
	}
	bgp_net_kick(t.net);
	t.sigterm = evsignal_new(t.base, SIGTERM, stop_cb, t.base);
	t.sigint = evsignal_new(t.base, SIGINT, stop_cb, t.base);
	event_add(t.tick, &sec);
	event_add(t.sigterm, NULL);
	event_add(t.sigint, NULL);
	status_write(&t);
	event_base_dispatch(t.base);
	bgp_speaker_free(t.sp);
	bgp_net_attach(t.net, NULL);
	/* Let the Ceases go out: until every connection is closed, at most a second. */
	for (int i = 0; i < 100 && bgp_net_conn_count(t.net); i++) {
		event_base_loopexit(t.base, &(struct timeval){0, 10000});
		event_base_dispatch(t.base);
	}
	bgp_net_free(t.net);
	event_free(t.tick);
	event_free(t.sigterm);
	event_free(t.sigint);
	event_base_free(t.base);
	return 0;
}
