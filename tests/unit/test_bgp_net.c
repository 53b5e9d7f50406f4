/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/bgp/net: two speakers in one libevent loop over real TCP on loopback
 * (127.0.0.1 and 127.0.0.2, one high port), with the real clock: the session comes up, a route
 * crosses, a NOTIFICATION written before a close reaches the peer, and a peer that goes away
 * is seen at once. Every wait is on a condition with a deadline.
 */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgp/net.h"
#include "lib/clock.h"
#include "lib/log.h"

struct side {
	struct bgp_speaker *sp;
	struct bgp_net *net;
	struct bgp_speaker_config cfg;
	unsigned int routes;
};

static struct event_base *base;
static struct side S[2];
static uint16_t port;

static void on_route(void *ctx, const struct bgp_route_change *ch)
{
	struct side *s = ctx;

	s->routes += ch->add ? 1 : -1u;
}

static void side_new(struct side *s, const char *addr, uint32_t asn, uint32_t id)
{
	struct bgp_net_config nc = {0};
	struct bgp_speaker_ops ops = {.ctx = s, .route = on_route};

	bgp_speaker_config_default(&s->cfg);
	s->cfg.asn = asn;
	s->cfg.router_id = id;
	s->cfg.port = port;
	s->cfg.allow_reserved_peer_asn = asn != BGP_DEFAULT_ASN;
	cr_assert_eq(addr_parse(&s->cfg.local, addr, NULL, 0), 0);
	nc.local = s->cfg.local;
	cr_assert_eq(bgp_net_new(&s->net, base, &nc), 0);
	bgp_net_ops(s->net, &ops);
	cr_assert_eq(bgp_speaker_new(&s->sp, &s->cfg, &ops), 0);
	bgp_net_attach(s->net, s->sp);
	cr_assert_eq(bgp_net_listen(s->net, &s->cfg.local, port), 0, "port %u", port);
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	base = event_base_new();
	port = (uint16_t)(20000 + getpid() % 20000);
	memset(S, 0, sizeof(S));
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		bgp_speaker_free(S[i].sp);
		if (S[i].net)
			bgp_net_attach(S[i].net, NULL);
	}
	for (int i = 0; i < 2; i++)
		bgp_net_free(S[i].net);
	event_base_free(base);
}

TestSuite(bgp_net, .init = setup, .fini = teardown);

static enum bgp_state state(int i, const char *peer)
{
	struct bgp_peer_status st;

	cr_assert_eq(bgp_speaker_peer_status(S[i].sp, peer, &st), 0);
	return st.state;
}

/* Run the loop until cond() or deadline_ms pass; true if cond() held. */
static bool run_until(bool (*cond)(void), uint64_t deadline_ms)
{
	uint64_t end = clock_now_ns() + deadline_ms * CLOCK_NS_PER_MS;
	struct timeval tv = {0, 20000};

	while (!cond()) {
		if (clock_now_ns() > end)
			return false;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return true;
}

static bool both_up(void)
{
	return state(0, "site") == BGP_STATE_ESTABLISHED && state(1, "gw") == BGP_STATE_ESTABLISHED;
}

/*
 * The UPDATE crossed and was judged: a loopback next hop (127.0.0.1) is refused by the import
 * policy (RFC 4271 6.3), which counts it.
 */
static bool route_at_site(void)
{
	struct bgp_peer_status st;

	return bgp_speaker_peer_status(S[1].sp, "gw", &st) == 0 && st.routes_refused == 1;
}

static bool site_down(void)
{
	return state(1, "gw") != BGP_STATE_ESTABLISHED;
}

static void peer(int i, const char *name, const char *addr, uint32_t asn, bool passive)
{
	struct bgp_peer_config pc;

	bgp_peer_config_default(&pc);
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	cr_assert_eq(addr_parse(&pc.addr, addr, NULL, 0), 0);
	pc.asn = asn;
	pc.passive = passive;
	cr_assert_eq(bgp_speaker_peer_add(S[i].sp, &pc), 0);
	bgp_net_kick(S[i].net);
}

Test(bgp_net, session_over_loopback_tcp)
{
	struct bgp_local_prefix lp = {.vnet = true};
	struct bgp_peer_status st;

	side_new(&S[0], "127.0.0.1", 65515, 1);
	side_new(&S[1], "127.0.0.2", 65001, 2);
	peer(1, "gw", "127.0.0.1", 65515, true);
	peer(0, "site", "127.0.0.2", 65001, false);
	cr_assert(run_until(both_up, 5000), "no session in 5 s");
	cr_assert_eq(bgp_net_conn_count(S[0].net), 1);
	cr_assert_eq(prefix_parse(&lp.prefix, "10.1.0.0/16", 0, NULL, 0), 0);
	cr_assert_eq(bgp_speaker_set_local_prefixes(S[0].sp, &lp, 1), 0);
	bgp_net_kick(S[0].net);
	cr_assert(run_until(route_at_site, 5000), "the route did not cross");
	/* A reset: the gateway's Cease is written before its close, and the site reads it. */
	cr_assert_eq(bgp_speaker_peer_remove(S[0].sp, "site"), 0);
	cr_assert(run_until(site_down, 5000));
	cr_assert_eq(bgp_speaker_peer_status(S[1].sp, "gw", &st), 0);
	cr_assert_str_eq(st.last_error, "received Cease/Peer De-configured");
	cr_assert_eq(S[1].routes, 0);
}

/* A speaker that goes away ends its sessions with a Cease the peer reads. */
Test(bgp_net, speaker_going_away_is_seen)
{
	struct bgp_peer_status st;

	side_new(&S[0], "127.0.0.1", 65515, 1);
	side_new(&S[1], "127.0.0.2", 65001, 2);
	peer(1, "gw", "127.0.0.1", 65515, true);
	peer(0, "site", "127.0.0.2", 65001, false);
	cr_assert(run_until(both_up, 5000));
	bgp_speaker_free(S[0].sp);
	S[0].sp = NULL;
	bgp_net_attach(S[0].net, NULL);
	cr_assert(run_until(site_down, 5000));
	cr_assert_eq(bgp_speaker_peer_status(S[1].sp, "gw", &st), 0);
	cr_assert_str_eq(st.last_error, "received Cease/Peer De-configured");
}
