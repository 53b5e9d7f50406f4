/* SPDX-License-Identifier: MIT */
/*
 * Session tests of the routes (src/bgp/import.c, rib.c, export.c, policy.c) over the harness of
 * test_bgp_harness.h: the prefix limit (4000 accepted, the 4001st ends that session with
 * Cease/Maximum Number of Prefixes Reached while the other peer carries on), best path by
 * weight, AS-path length and BGP identifier, withdrawal when a session ends, transit between
 * two sites, Azure's refusals (default route, VNet overlap, our AS, bad next hop), route
 * refresh both ways, IPv6, a 2-octet peer (RFC 6793 AS4_PATH on export), and the status API.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "test_bgp_harness.h"

TestSuite(bgp_routes, .init = bh_setup, .fini = bh_teardown);

static int GW, S1, S2;

static void peer(int i, const char *name, const char *addr, uint32_t asn, bool passive)
{
	struct bgp_peer_config pc = bh_peer_config(name, addr, asn);

	pc.passive = passive;
	bh_peer_add(i, &pc);
}

/* The gateway (10.0.0.1, AS 65515) and two sites (10.0.0.2 AS 65001, 10.0.0.3 AS 65002). */
static void three(void)
{
	GW = bh_speaker("10.0.0.1", 65515, 1);
	S1 = bh_speaker("10.0.0.2", 65001, 2);
	S2 = bh_speaker("10.0.0.3", 65002, 3);
	peer(S1, "gw", "10.0.0.1", 65515, true);
	peer(S2, "gw", "10.0.0.1", 65515, true);
	peer(GW, "site1", "10.0.0.2", 65001, false);
	peer(GW, "site2", "10.0.0.3", 65002, false);
	bh_run();
	cr_assert_eq(bh_state(GW, "site1"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_state(GW, "site2"), BGP_STATE_ESTABLISHED);
}

static void many_prefixes(int i, size_t n, const char *other)
{
	struct bgp_local_prefix *lp = calloc(n + 1, sizeof(*lp));

	for (size_t k = 0; k < n; k++) {
		char s[32];

		snprintf(s, sizeof(s), "172.%zu.%zu.0/24", 16 + k / 256, k % 256);
		lp[k].prefix = bh_prefix(s);
	}
	if (other)
		lp[n++].prefix = bh_prefix(other);
	cr_assert_eq(bgp_speaker_set_local_prefixes(BH.s[i].sp, lp, n), 0);
	free(lp);
	bh_run();
}

Test(bgp_routes, max_prefixes_ends_only_that_session)
{
	static const char *const s2[] = {"192.168.2.0/24"};
	struct bgp_peer_status st;
	size_t k;

	three();
	bh_local(S2, s2, 1, 0);
	/* 4000 prefixes: the limit, accepted */
	many_prefixes(S1, 4000, NULL);
	st = bh_status(GW, "site1");
	cr_assert_eq(st.state, BGP_STATE_ESTABLISHED);
	cr_assert_eq(st.routes_received, 4000);
	cr_assert_eq(bh_fib_count(GW), 4001);
	cr_assert_eq(bh_fib_count(S2), 4000, "transit of site1's routes");
	/* one more */
	many_prefixes(S1, 4000, "192.168.1.0/24");
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX), 1);
	for (k = 0; k < BH.s[GW].n_sent; k++)
		if (BH.s[GW].sent[k].type == BGP_MSG_NOTIFICATION)
			break;
	/* RFC 4486 4: AFI 1, SAFI 1, upper bound 4000 */
	cr_assert_eq(BH.s[GW].sent[k].data_len, 7);
	cr_assert_eq(memcmp(BH.s[GW].sent[k].data, "\x00\x01\x01\x00\x00\x0f\xa0", 7), 0);
	st = bh_status(GW, "site1");
	cr_assert_eq(st.state, BGP_STATE_IDLE);
	cr_assert_eq(st.routes_received, 0);
	cr_assert_str_eq(st.last_error, "sent Cease/Maximum Number of Prefixes Reached: more "
					"than 4000 prefixes received");
	cr_assert_str_eq(bh_status(S1, "gw").last_error,
			 "received Cease/Maximum Number of Prefixes Reached");
	cr_assert(bh_log_has("maximum number of prefixes (4000) reached"));
	/* site1's routes are gone everywhere; site2 is untouched */
	cr_assert_eq(bh_fib_count(GW), 1);
	cr_assert_not_null(bh_fib(GW, "192.168.2.0/24"));
	cr_assert_eq(bh_fib_count(S2), 0);
	cr_assert_eq(bh_state(GW, "site2"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX), 1);
	/* it stays down for max_prefix_restart_s (300 s), keepalives with site2 go on */
	bh_advance(295000);
	cr_assert_eq(bh_state(GW, "site1"), BGP_STATE_IDLE);
	cr_assert_eq(bh_state(GW, "site2"), BGP_STATE_ESTABLISHED);
	cr_assert_not_null(bh_fib(GW, "192.168.2.0/24"));
	/* then it starts again (and is stopped again: site1 still sends 4001) */
	bh_advance(6000);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX), 2);
}

Test(bgp_routes, lowering_the_limit_stops_the_peer)
{
	static const char *const s1[] = {"192.168.1.0/24", "192.168.11.0/24"};
	struct bgp_peer_config pc;

	three();
	bh_local(S1, s1, 2, 0);
	cr_assert_eq(bh_status(GW, "site1").routes_received, 2);
	pc = bh_peer_config("site1", "10.0.0.2", 65001);
	pc.max_prefixes = 1;
	cr_assert_eq(bgp_speaker_peer_update(BH.s[GW].sp, &pc), 0);
	bh_run();
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX), 1);
	cr_assert_eq(bh_fib_count(GW), 0);
}

static int A, B;

/* Two scripted peers a (10.0.0.9, AS 65009, id 9) and b (10.0.0.8, AS 65008, id 8). */
static void two_raw(void)
{
	GW = bh_speaker("10.0.0.1", 65515, 1);
	peer(GW, "a", "10.0.0.9", 65009, true);
	peer(GW, "b", "10.0.0.8", 65008, true);
	A = bh_raw_establish(GW, "a", "10.0.0.9", 65009, 9);
	B = bh_raw_establish(GW, "b", "10.0.0.8", 65008, 8);
}

Test(bgp_routes, best_path_weight_then_length_then_id)
{
	static const char *const p[] = {"10.50.0.0/16"};
	static const uint32_t a2[] = {65009, 65100}, a1[] = {65009}, b1[] = {65008};
	struct bgp_peer_config pc;
	const struct bh_route *r;

	two_raw();
	bh_raw_announce(A, p, 1, a2, 2, "10.0.0.9");
	bh_raw_announce(B, p, 1, b1, 1, "10.0.0.8");
	/* 2. the shorter AS path */
	r = bh_fib(GW, "10.50.0.0/16");
	cr_assert(r && strcmp(r->peer, "b") == 0);
	cr_assert(addr_equal(&r->nexthop, &BH.s[GW].cfg.local) == false);
	cr_assert_eq(r->nexthop.bytes[3], 8);
	/* 1. weight first: a with weight 100 wins despite its longer path */
	pc = bh_peer_config("a", "10.0.0.9", 65009);
	pc.passive = true;
	pc.weight = 100;
	cr_assert_eq(bgp_speaker_peer_update(BH.s[GW].sp, &pc), 0);
	r = bh_fib(GW, "10.50.0.0/16");
	cr_assert(r && strcmp(r->peer, "a") == 0);
	cr_assert_eq(bh_state(GW, "a"), BGP_STATE_ESTABLISHED, "a weight change keeps the session");
	/* 4. equal weight and length: the lower BGP Identifier (b, 8) */
	pc.weight = 0;
	cr_assert_eq(bgp_speaker_peer_update(BH.s[GW].sp, &pc), 0);
	bh_raw_announce(A, p, 1, a1, 1, "10.0.0.9");
	r = bh_fib(GW, "10.50.0.0/16");
	cr_assert(r && strcmp(r->peer, "b") == 0);
	/* b's session ends: a's route takes over at once */
	bh_raw_send_hex(B, "ffffffffffffffffffffffffffffffff 0015 03 0602");
	r = bh_fib(GW, "10.50.0.0/16");
	cr_assert(r && strcmp(r->peer, "a") == 0, "the other peer's route after the loss");
	/* a withdraws: nothing left */
	bh_raw_withdraw(A, "10.50.0.0/16");
	cr_assert_null(bh_fib(GW, "10.50.0.0/16"));
	/* a, b (shorter), a (weight), b (id), a (b lost); one withdrawal */
	cr_assert_eq(BH.s[GW].route_adds, 5);
	cr_assert_eq(BH.s[GW].route_dels, 1);
}

static int collect_routes(const struct bgp_route_info *ri, void *arg)
{
	char *out = arg, pb[PREFIX_STR_MAX], nb[ADDR_STR_MAX];
	size_t len = strlen(out);

	snprintf(out + len, 4096 - len, "%s via %s [%s] %s%s%s;",
		 prefix_print(&ri->network, pb, sizeof(pb)),
		 ri->next_hop.family ? addr_print(&ri->next_hop, nb, sizeof(nb)) : "-", ri->as_path,
		 ri->origin == BGP_ROUTE_NETWORK ? "Network" : "EBgp", ri->best ? " best" : "",
		 ri->weight ? " w" : "");
	return 0;
}

Test(bgp_routes, transit_between_two_sites)
{
	static const char *const gw[] = {"10.1.0.0/16"}, *const s1[] = {"192.168.1.0/24"},
				 *const s2[] = {"192.168.2.0/24"};
	char rows[4096] = "";
	const struct bh_route *r;

	three();
	bh_local(GW, gw, 1, 1);
	bh_local(S1, s1, 1, 0);
	bh_local(S2, s2, 1, 0);
	/* site2 learns site1's prefix through the gateway, and the VNet */
	r = bh_fib(S2, "192.168.1.0/24");
	cr_assert(r && addr_equal(&r->nexthop, &BH.s[GW].cfg.local));
	cr_assert_not_null(bh_fib(S2, "10.1.0.0/16"));
	cr_assert_not_null(bh_fib(S1, "192.168.2.0/24"));
	cr_assert_eq(bh_fib_count(S1), 2);
	cr_assert_eq(bh_fib_count(GW), 2);
	/* as the site sees them: our AS prepended, next hop the gateway */
	bgp_speaker_learned_routes(BH.s[S2].sp, collect_routes, rows);
	cr_assert_str_eq(rows, "192.168.2.0/24 via - [] Network best w;"
			       "10.1.0.0/16 via 10.0.0.1 [65515] EBgp best;"
			       "192.168.1.0/24 via 10.0.0.1 [65515 65001] EBgp best;");
	/* never back to where it came from */
	rows[0] = '\0';
	cr_assert_eq(bgp_speaker_advertised_routes(BH.s[GW].sp, "site1", collect_routes, rows), 0);
	cr_assert_str_eq(rows, "10.1.0.0/16 via 10.0.0.1 [65515] Network best;"
			       "192.168.2.0/24 via 10.0.0.1 [65515 65002] EBgp best;");
	rows[0] = '\0';
	bgp_speaker_learned_routes(BH.s[GW].sp, collect_routes, rows);
	cr_assert_str_eq(rows, "10.1.0.0/16 via - [] Network best w;"
			       "192.168.1.0/24 via 10.0.0.2 [65001] EBgp best;"
			       "192.168.2.0/24 via 10.0.0.3 [65002] EBgp best;");
	cr_assert_eq(bgp_speaker_advertised_routes(BH.s[GW].sp, "nobody", collect_routes, rows),
		     -ENOENT);
	/* site1 withdraws its prefix: gone at the gateway and at site2 */
	bh_local(S1, NULL, 0, 0);
	cr_assert_null(bh_fib(GW, "192.168.1.0/24"));
	cr_assert_null(bh_fib(S2, "192.168.1.0/24"));
	/* back, then the gateway loses site1's session: withdrawn at once, site2 too */
	bh_local(S1, s1, 1, 0);
	cr_assert_not_null(bh_fib(S2, "192.168.1.0/24"));
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "site1"), 0);
	bh_run();
	cr_assert_null(bh_fib(GW, "192.168.1.0/24"));
	cr_assert_null(bh_fib(S2, "192.168.1.0/24"));
	cr_assert_not_null(bh_fib(S2, "10.1.0.0/16"));
}

/* RFC 1997: NO_EXPORT and NO_ADVERTISE routes are kept, not passed on. */
Test(bgp_routes, well_known_communities_not_passed_on)
{
	GW = bh_speaker("10.0.0.1", 65515, 1);
	S2 = bh_speaker("10.0.0.3", 65002, 3);
	peer(S2, "gw", "10.0.0.1", 65515, true);
	peer(GW, "site2", "10.0.0.3", 65002, false);
	peer(GW, "a", "10.0.0.9", 65009, true);
	bh_run();
	A = bh_raw_establish(GW, "a", "10.0.0.9", 65009, 9);
	/* 10.7.0.0/16 with COMMUNITIES NO_EXPORT; 10.8.0.0/16 without */
	bh_raw_send_hex(A, "ffffffffffffffffffffffffffffffff 0035 02 0000 001b 40010100 "
			   "400206020100 00fdf1 4003040a000009 c00804ffffff01 100a07");
	bh_raw_send_hex(A, "ffffffffffffffffffffffffffffffff 002e 02 0000 0014 40010100 "
			   "400206020100 00fdf1 4003040a000009 100a08");
	cr_assert_not_null(bh_fib(GW, "10.7.0.0/16"));
	cr_assert_not_null(bh_fib(GW, "10.8.0.0/16"));
	cr_assert_null(bh_fib(S2, "10.7.0.0/16"));
	cr_assert_not_null(bh_fib(S2, "10.8.0.0/16"));
}

Test(bgp_routes, azure_refusals)
{
	static const char *const gw[] = {"10.1.0.0/16", "172.31.0.0/16"};
	static const char *const bad[] = {"0.0.0.0/0", "10.1.5.0/24", "10.0.0.0/8"};
	static const char *const ok[] = {"172.16.0.0/12", "172.31.5.0/24"};
	static const char *const loop[] = {"192.168.77.0/24"};
	static const uint32_t as[] = {65009}, as_loop[] = {65009, 65515, 65100};
	uint8_t type;
	bool refresh = false;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	peer(GW, "a", "10.0.0.9", 65009, true);
	bh_local(GW, gw, 2, 1); /* the VNet, and a static site's prefix */
	A = bh_raw_establish(GW, "a", "10.0.0.9", 65009, 9);
	bh_raw_drain(A, BGP_MSG_UPDATE);
	/* the default route and prefixes overlapping the VNet are refused */
	bh_raw_announce(A, bad, 3, as, 1, "10.0.0.9");
	cr_assert_eq(bh_fib_count(GW), 0);
	cr_assert_eq(bh_status(GW, "a").routes_refused, 3);
	/* a static site's prefix is no VNet: overlapping it is allowed */
	bh_raw_announce(A, ok, 2, as, 1, "10.0.0.9");
	cr_assert_eq(bh_fib_count(GW), 2);
	/* a path with our AS (RFC 4271 9.1.2) */
	bh_raw_announce(A, loop, 1, as_loop, 3, "10.0.0.9");
	cr_assert_null(bh_fib(GW, "192.168.77.0/24"));
	/* next hops: ours, 0.0.0.0, multicast */
	bh_raw_announce(A, loop, 1, as, 1, "10.0.0.1");
	bh_raw_announce(A, loop, 1, as, 1, "0.0.0.0");
	bh_raw_announce(A, loop, 1, as, 1, "224.0.0.5");
	cr_assert_null(bh_fib(GW, "192.168.77.0/24"));
	cr_assert_eq(bh_status(GW, "a").routes_refused, 7);
	/* a refused announcement replaces an accepted one: the old route goes */
	bh_raw_announce(A, loop, 1, as, 1, "10.0.0.9");
	cr_assert_not_null(bh_fib(GW, "192.168.77.0/24"));
	bh_raw_announce(A, loop, 1, as_loop, 3, "10.0.0.9");
	cr_assert_null(bh_fib(GW, "192.168.77.0/24"));
	/* The VNet grows over 172.16.0.0/12: that route is withdrawn, a refresh is asked */
	{
		static const char *const gw2[] = {"10.1.0.0/16", "172.16.0.0/16"};

		bh_local(GW, gw2, 2, 2);
	}
	cr_assert_null(bh_fib(GW, "172.16.0.0/12"));
	cr_assert_not_null(bh_fib(GW, "172.31.5.0/24"));
	while (bh_raw_next(A, &type, NULL, NULL))
		refresh |= type == BGP_MSG_ROUTE_REFRESH;
	cr_assert(refresh, "no ROUTE-REFRESH after the VNet changed");
	cr_assert_eq(bh_state(GW, "a"), BGP_STATE_ESTABLISHED);
}

/* A default route among the local prefixes is never advertised. */
Test(bgp_routes, no_default_route_advertised)
{
	static const char *const gw[] = {"0.0.0.0/0", "10.1.0.0/16"};
	char rows[4096] = "";

	GW = bh_speaker("10.0.0.1", 65515, 1);
	peer(GW, "a", "10.0.0.9", 65009, true);
	bh_local(GW, gw, 2, 0);
	A = bh_raw_establish(GW, "a", "10.0.0.9", 65009, 9);
	bh_raw_drain(A, BGP_MSG_UPDATE);
	bgp_speaker_advertised_routes(BH.s[GW].sp, "a", collect_routes, rows);
	cr_assert_str_eq(rows, "10.1.0.0/16 via 10.0.0.1 [65515] Network best;");
}

/* RFC 2918: a refresh makes the gateway send its routes again; other AFIs are ignored. */
Test(bgp_routes, route_refresh_resends)
{
	static const char *const gw[] = {"10.1.0.0/16", "10.2.0.0/16"};

	GW = bh_speaker("10.0.0.1", 65515, 1);
	peer(GW, "a", "10.0.0.9", 65009, true);
	bh_local(GW, gw, 2, 1);
	A = bh_raw_establish(GW, "a", "10.0.0.9", 65009, 9);
	cr_assert_eq(bh_raw_drain(A, BGP_MSG_UPDATE), 1, "both prefixes in one UPDATE");
	bh_raw_send_hex(A, "ffffffffffffffffffffffffffffffff 0017 05 0001 00 01");
	cr_assert_eq(bh_raw_drain(A, BGP_MSG_UPDATE), 1);
	/* IPv6: negotiated, nothing to send; L2VPN: not negotiated, ignored */
	bh_raw_send_hex(A, "ffffffffffffffffffffffffffffffff 0017 05 0002 00 01");
	bh_raw_send_hex(A, "ffffffffffffffffffffffffffffffff 0017 05 0019 00 46");
	cr_assert_eq(bh_raw_drain(A, BGP_MSG_UPDATE), 0);
	cr_assert_eq(bh_state(GW, "a"), BGP_STATE_ESTABLISHED);
	cr_assert(bh_log_has("ROUTE-REFRESH for AFI 1: 2 prefixes sent again"));
}

Test(bgp_routes, ipv6_unicast)
{
	static const char *const gw[] = {"fd00:1::/48"}, *const s1[] = {"fd00:2::/48"};
	const struct bh_route *r;

	BH.local6 = "fd00::1";
	GW = bh_speaker("10.0.0.1", 65515, 1);
	BH.local6 = "fd00::2";
	S1 = bh_speaker("10.0.0.2", 65001, 2);
	BH.local6 = NULL;
	peer(S1, "gw", "10.0.0.1", 65515, true);
	peer(GW, "site1", "10.0.0.2", 65001, false);
	bh_run();
	bh_local(GW, gw, 1, 1);
	bh_local(S1, s1, 1, 0);
	r = bh_fib(S1, "fd00:1::/48");
	cr_assert(r && addr_equal(&r->nexthop, &BH.s[GW].cfg.local6));
	r = bh_fib(GW, "fd00:2::/48");
	cr_assert(r && addr_equal(&r->nexthop, &BH.s[S1].cfg.local6));
	/* MP_UNREACH_NLRI */
	bh_local(S1, NULL, 0, 0);
	cr_assert_null(bh_fib(GW, "fd00:2::/48"));
	/* a VNet-overlapping IPv6 prefix is refused too */
	{
		static const char *const s1b[] = {"fd00:1:0:5::/64"};

		bh_local(S1, s1b, 1, 0);
		cr_assert_null(bh_fib(GW, "fd00:1:0:5::/64"));
	}
}

/*
 * A 2-octet peer (no 4-octet capability, RFC 6793 4.2.2): a transit route through a 4-octet AS
 * reaches it as AS_PATH [65515 23456] + AS4_PATH [65515 4200000001].
 */
Test(bgp_routes, two_octet_peer_gets_as4_path)
{
	static const char *const p[] = {"192.168.9.0/24"};
	static const uint32_t as[] = {4200000001u};
	struct bgp_open o = {.version = 4,
			     .my_as = 65008,
			     .hold_time = 90,
			     .bgp_id = 8,
			     .cap_mp_ipv4 = true,
			     .cap_refresh = true};
	struct bgp_parse_ctx old = {.as4 = false, .ebgp = true};
	struct bgp_update *u = calloc(1, sizeof(*u));
	struct bgp_msg m = {.update = u};
	struct bgp_error err;
	uint8_t type, msg[BGP_MAX_MSG];
	size_t len;
	char path[64];
	bool seen = false;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	peer(GW, "a", "10.0.0.9", 4200000001u, true);
	peer(GW, "b", "10.0.0.8", 65008, true);
	A = bh_raw_establish(GW, "a", "10.0.0.9", 4200000001u, 9);
	B = bh_raw_establish_open(GW, "b", "10.0.0.8", &o);
	bh_raw_announce(A, p, 1, as, 1, "10.0.0.9");
	while (bh_raw_next(B, &type, msg, &len)) {
		struct buf b;

		if (type != BGP_MSG_UPDATE)
			continue;
		buf_init_read(&b, msg, len);
		cr_assert_eq(bgp_msg_parse(&b, &old, &m, &err), 0, "%s", err.why);
		cr_assert_eq(u->action, BGP_ACT_NONE, "%s", u->why);
		bgp_aspath_print(&u->attrs.aspath, path, sizeof(path));
		cr_assert_str_eq(path, "65515 4200000001");
		seen = true;
	}
	cr_assert(seen);
	/* and the 2-octet peer's own 2-octet AS_PATH is understood */
	bh_raw_send_hex(B, "ffffffffffffffffffffffffffffffff 002c 02 0000 0012 40010100 "
			   "40020402 01fdf0 4003040a000008 100a08");
	cr_assert_not_null(bh_fib(GW, "10.8.0.0/16"));
	free(u);
}

Test(bgp_routes, peer_status_rows)
{
	struct bgp_peer_status rows[4];
	static const char *const s1[] = {"192.168.1.0/24"};

	three();
	bh_local(S1, s1, 1, 0);
	bh_advance(5000);
	cr_assert_eq(bgp_speaker_peers(BH.s[GW].sp, rows, 4), 2);
	cr_assert_str_eq(rows[0].name, "site1");
	cr_assert_eq(rows[0].state, BGP_STATE_ESTABLISHED);
	cr_assert_eq(rows[0].routes_received, 1);
	cr_assert_eq(rows[0].connected_duration_s, 5);
	cr_assert(addr_equal(&rows[0].local_address, &BH.s[GW].cfg.local));
	cr_assert(addr_equal(&rows[0].neighbor, &BH.s[S1].cfg.local));
	cr_assert_eq(rows[0].asn, 65001);
	cr_assert_gt(rows[0].messages_received, 2);
	cr_assert_gt(rows[1].messages_sent, 2, "site2 got site1's route");
	cr_assert_eq(bgp_speaker_peer_status(BH.s[GW].sp, "nobody", rows), -ENOENT);
}
