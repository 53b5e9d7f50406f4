/* SPDX-License-Identifier: MIT */
/*
 * Session tests of the RFC 4271 FSM (src/bgp/fsm.c, session.c, timers.c): speakers on socket
 * pairs with a fake clock (test_bgp_harness.h), stepping every transition of 8.2.2 that the
 * speaker takes, collision detection (6.8) both ways, the hold and keepalive timers, and
 * malformed or unexpected messages from a scripted peer answered with the NOTIFICATION the RFCs
 * name (RFC 4271 6, RFC 6608, RFC 7313). Every wait is on a state with a deadline on the fake
 * clock.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "support/hex.h"
#include "test_bgp_harness.h"

#define MARKER "ffffffffffffffffffffffffffffffff"

TestSuite(bgp_fsm, .init = bh_setup, .fini = bh_teardown);

static int GW, SITE;

/* The gateway (AS 65515, id 1) and a site (AS 65001, id 2) that waits for the gateway. */
static void two(bool site_passive, uint32_t gw_id, uint32_t site_id)
{
	struct bgp_peer_config pc;

	GW = bh_speaker("10.0.0.1", 65515, gw_id);
	SITE = bh_speaker("10.0.0.2", 65001, site_id);
	pc = bh_peer_config("gw", "10.0.0.1", 65515);
	pc.passive = site_passive;
	bh_peer_add(SITE, &pc);
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	bh_peer_add(GW, &pc);
}

Test(bgp_fsm, establish_steps_every_state)
{
	struct bgp_peer_status st;

	two(true, 1, 2);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_state(SITE, "gw"), BGP_STATE_ESTABLISHED);
	/* Active side: Idle, Connect (TCP), OpenSent, OpenConfirm, Established. */
	cr_assert_str_eq(BH.s[GW].transitions,
			 "site:Idle>Connect;site:Connect>OpenSent;site:OpenSent>OpenConfirm;"
			 "site:OpenConfirm>Established;");
	/* Passive side: Idle, Active (listening), OpenSent, ... */
	cr_assert_str_eq(BH.s[SITE].transitions,
			 "gw:Idle>Active;gw:Active>OpenSent;gw:OpenSent>OpenConfirm;"
			 "gw:OpenConfirm>Established;");
	st = bh_status(GW, "site");
	cr_assert_eq(st.remote_id, 2);
	cr_assert_eq(st.hold_time_s, 90);
	cr_assert_eq(st.asn, 65001);
	/* OPEN, KEEPALIVE; nothing to advertise yet */
	cr_assert_eq(st.messages_sent, 2);
	cr_assert_eq(st.messages_received, 2);
	cr_assert(bh_log_has("OpenSent -> OpenConfirm (BGPOpen)"));
	cr_assert(bh_log_has("OpenConfirm -> Established (KeepAliveMsg)"));
	bh_advance(10000);
	st = bh_status(GW, "site");
	cr_assert_eq(st.connected_duration_s, 10);
}

/* Connect -> Active on a failed connect; Active -> Connect when ConnectRetry expires. */
Test(bgp_fsm, connect_retry_after_failure)
{
	struct bgp_peer_config pc;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	SITE = bh_speaker("10.0.0.2", 65001, 2);
	pc = bh_peer_config("gw", "10.0.0.1", 65515);
	pc.passive = true;
	bh_peer_add(SITE, &pc);
	BH.s[SITE].unreachable = true;
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	bh_peer_add(GW, &pc);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ACTIVE);
	cr_assert_str_eq(BH.s[GW].transitions, "site:Idle>Connect;site:Connect>Active;");
	/* ConnectRetry (30 s): another attempt, fails again */
	bh_advance(29900);
	cr_assert_eq(BH.s[GW].connects, 1);
	bh_advance(200);
	cr_assert_eq(BH.s[GW].connects, 2);
	BH.s[SITE].unreachable = false;
	cr_assert(bh_wait_state(GW, "site", BGP_STATE_ESTABLISHED, 31000));
	cr_assert(strstr(BH.s[GW].transitions, "site:Active>Connect;site:Connect>Active;"));
	cr_assert(strstr(BH.s[GW].transitions, "site:Connect>OpenSent;"));
}

/* Connect: an attempt that never completes is dropped and retried at ConnectRetry. */
Test(bgp_fsm, connect_retry_in_connect)
{
	struct bgp_peer_config pc = bh_peer_config("site", "10.0.0.2", 65001);

	GW = bh_speaker("10.0.0.1", 65515, 1);
	BH.s[GW].hang = true;
	bh_peer_add(GW, &pc);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_CONNECT);
	bh_advance(30100);
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_CONNECT);
	cr_assert_eq(BH.s[GW].connects, 2);
}

Test(bgp_fsm, keepalives_keep_the_session)
{
	struct bgp_peer_config pc;
	size_t ka0, ka1;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	SITE = bh_speaker("10.0.0.2", 65001, 2);
	pc = bh_peer_config("gw", "10.0.0.1", 65515);
	pc.passive = true;
	pc.hold_time_s = 9;
	bh_peer_add(SITE, &pc);
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	bh_peer_add(GW, &pc);
	bh_run();
	/* 4.2: the smaller hold time, keepalive a third of it */
	cr_assert_eq(bh_status(GW, "site").hold_time_s, 9);
	ka0 = bh_sent_type(GW, BGP_MSG_KEEPALIVE);
	ka1 = bh_sent_type(SITE, BGP_MSG_KEEPALIVE);
	bh_advance(60000);
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_state(SITE, "gw"), BGP_STATE_ESTABLISHED);
	/* one every 3 s: 20 in a minute on each side */
	cr_assert_geq(bh_sent_type(GW, BGP_MSG_KEEPALIVE) - ka0, 19);
	cr_assert_leq(bh_sent_type(GW, BGP_MSG_KEEPALIVE) - ka0, 21);
	cr_assert_geq(bh_sent_type(SITE, BGP_MSG_KEEPALIVE) - ka1, 19);
}

Test(bgp_fsm, hold_time_zero_means_no_keepalives)
{
	struct bgp_peer_config pc;
	size_t ka;

	BH.hold = 0; /* the gateway offers no hold time: none is negotiated */
	GW = bh_speaker("10.0.0.1", 65515, 1);
	BH.hold = -1;
	SITE = bh_speaker("10.0.0.2", 65001, 2);
	pc = bh_peer_config("gw", "10.0.0.1", 65515);
	pc.passive = true;
	bh_peer_add(SITE, &pc);
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	bh_peer_add(GW, &pc);
	bh_run();
	cr_assert_eq(bh_status(SITE, "gw").hold_time_s, 0);
	ka = bh_sent_type(SITE, BGP_MSG_KEEPALIVE);
	bh_advance(600000);
	cr_assert_eq(bh_state(SITE, "gw"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_sent_type(SITE, BGP_MSG_KEEPALIVE), ka);
}

/* A dead tunnel: nothing arrives; after the hold time, Hold Timer Expired and Idle. */
Test(bgp_fsm, hold_timer_expires)
{
	struct bgp_peer_config pc;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	SITE = bh_speaker("10.0.0.2", 65001, 2);
	pc = bh_peer_config("gw", "10.0.0.1", 65515);
	pc.passive = true;
	bh_peer_add(SITE, &pc);
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	pc.hold_time_s = 9;
	bh_peer_add(GW, &pc);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	bh_freeze(0);
	bh_advance(8900);
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	bh_advance(200);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_HOLD_TIMER, 0), 1);
	cr_assert_eq(bh_sent_notif(SITE, BGP_ERR_HOLD_TIMER, 0), 1);
	cr_assert_neq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	cr_assert(strstr(BH.s[GW].transitions, "site:Established>Idle;"));
	cr_assert_str_eq(bh_status(GW, "site").last_error, "sent Hold Timer Expired/Unspecific: "
							   "hold timer expired");
	/* Automatic restart: Idle, then after the idle hold time a new session comes up. */
	cr_assert(bh_wait_state(GW, "site", BGP_STATE_ESTABLISHED, 20000));
}

/* RFC 4271 8.2.2 OpenSent: a large hold time (4 min) for a peer that never sends OPEN. */
Test(bgp_fsm, opensent_and_openconfirm_hold)
{
	struct bgp_peer_config pc;
	uint8_t type, mem[BGP_MAX_MSG];
	struct buf w;
	int k;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k = bh_raw_connect(GW, "10.0.0.9");
	cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_OPENSENT);
	bh_advance(239000);
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_OPENSENT);
	bh_advance(1100);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_HOLD_TIMER, 0), 1);
	cr_assert(bh_raw_closed(k));
	cr_assert(strstr(BH.s[GW].transitions, "raw:OpenSent>Active;") == NULL);
	/* Passive: back to Active after the idle hold, listening again. */
	cr_assert(bh_wait_state(GW, "raw", BGP_STATE_ACTIVE, 10000));

	/* OpenConfirm: OPEN sent, no KEEPALIVE: keepalives go out, then the hold time ends it. */
	k = bh_raw_connect(GW, "10.0.0.9");
	cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	buf_init_write(&w, mem, sizeof(mem));
	bh_open_msg(&w, 65009, 9, 0x0a000009);
	bh_raw_send(k, buf_data(&w), buf_left(&w));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_OPENCONFIRM);
	cr_assert_eq(bh_raw_drain(k, BGP_MSG_KEEPALIVE), 1);
	bh_advance(3100);
	cr_assert_eq(bh_raw_drain(k, BGP_MSG_KEEPALIVE), 1, "KeepaliveTimer in OpenConfirm");
	bh_advance(6000);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_HOLD_TIMER, 0), 2);
	cr_assert(strstr(BH.s[GW].transitions, "raw:OpenConfirm>Idle;"));
}

/*
 * 6.8 both ways: both sides connect at once; the connection kept is the one opened by the side
 * with the higher BGP Identifier, the other gets Cease/Connection Collision Resolution.
 */
static void collide(uint32_t gw_id, uint32_t site_id, int want_initiator)
{
	int up = -1;

	two(false, gw_id, site_id);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED, "%s", BH.s[GW].transitions);
	cr_assert_eq(bh_state(SITE, "gw"), BGP_STATE_ESTABLISHED, "%s", BH.s[SITE].transitions);
	cr_assert_eq(BH.n_links, 2, "both sides connected");
	cr_assert_eq(bh_links_up(), 1);
	for (int k = 0; k < BH.n_links; k++)
		if (BH.l[k].e[0].fd >= 0 && BH.l[k].e[1].fd >= 0)
			up = k;
	cr_assert_eq(BH.l[up].e[0].sp, want_initiator, "kept the connection of speaker %d",
		     BH.l[up].e[0].sp);
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_COLLISION) +
			     bh_sent_notif(SITE, BGP_ERR_CEASE, BGP_CEASE_COLLISION),
		     2, "each side dumped the other's loser");
	cr_assert(bh_log_has("connection collision"));
	/* No failure recorded, the session stays. */
	cr_assert_str_eq(bh_status(GW, "site").last_error, "");
	bh_advance(200000);
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_links_up(), 1);
}

Test(bgp_fsm, collision_higher_remote_id_wins)
{
	collide(1, 2, 1); /* the site's id is higher: its connection stays */
}

Test(bgp_fsm, collision_higher_local_id_wins)
{
	collide(3, 2, 0); /* the gateway's id is higher: its connection stays */
}

/* Equal identifiers (RFC 6286 2.3): the side with the larger AS keeps its connection. */
Test(bgp_fsm, collision_equal_ids_by_asn)
{
	collide(7, 7, 0); /* 65515 > 65001 */
}

/* A second connection while Established: the new one is dumped (6.8). */
Test(bgp_fsm, collision_with_established)
{
	struct bgp_peer_config pc;
	uint8_t type, mem[BGP_MAX_MSG];
	struct buf w;
	int k1, k2;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k1 = bh_raw_establish(GW, "raw", "10.0.0.9", 65009, 9);
	k2 = bh_raw_connect(GW, "10.0.0.9");
	cr_assert_geq(k2, 0);
	cr_assert(bh_raw_next(k2, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	buf_init_write(&w, mem, sizeof(mem));
	bh_open_msg(&w, 65009, 90, 9);
	bh_raw_send(k2, buf_data(&w), buf_left(&w));
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_COLLISION), 1);
	cr_assert(bh_raw_closed(k2));
	cr_assert(!bh_raw_closed(k1));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_ESTABLISHED);
}

Test(bgp_fsm, refused_connections)
{
	struct bgp_peer_config pc;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	/* an address with no peer */
	cr_assert_eq(bh_raw_connect(GW, "10.0.0.77"), -1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	/* Active: the peer's FSM takes the first, a second FSM the next (collision) */
	cr_assert_geq(bh_raw_connect(GW, "10.0.0.9"), 0);
	cr_assert_geq(bh_raw_connect(GW, "10.0.0.9"), 0);
	cr_assert_eq(bh_raw_connect(GW, "10.0.0.9"), -1, "a third connection");
}

/* ---- malformed and unexpected messages -------------------------------------------------- */

struct bad_row {
	const char *what;
	bool after_open; /* send a valid OPEN first (gw in OpenConfirm) */
	bool established;
	const char *hex; /* NULL: an OPEN built from asn/hold/id */
	uint32_t asn;
	uint16_t hold;
	uint32_t id;
	uint8_t code, subcode;
	const char *data; /* the NOTIFICATION's data, NULL: not checked */
};

static void run_bad(const struct bad_row *r, size_t row)
{
	struct bgp_peer_config pc;
	uint8_t type, msg[BGP_MAX_MSG], mem[BGP_MAX_MSG];
	size_t len = 0;
	struct buf w;
	int k;
	bool got = false;

	bh_setup();
	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	if (r->established) {
		k = bh_raw_establish(GW, "raw", "10.0.0.9", 65009, 9);
		bh_raw_drain(k, BGP_MSG_UPDATE);
	} else {
		k = bh_raw_connect(GW, "10.0.0.9");
		cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_OPEN);
		if (r->after_open) {
			buf_init_write(&w, mem, sizeof(mem));
			bh_open_msg(&w, 65009, 90, 9);
			bh_raw_send(k, buf_data(&w), buf_left(&w));
			cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_KEEPALIVE);
		}
	}
	if (r->hex) {
		bh_raw_send_hex(k, r->hex);
	} else {
		buf_init_write(&w, mem, sizeof(mem));
		bh_open_msg(&w, r->asn, r->hold, r->id);
		bh_raw_send(k, buf_data(&w), buf_left(&w));
	}
	while (bh_raw_next(k, &type, msg, &len))
		if (type == BGP_MSG_NOTIFICATION) {
			got = true;
			break;
		}
	cr_assert(got, "row %zu (%s): no NOTIFICATION", row, r->what);
	cr_assert(len >= 21 && msg[19] == r->code && msg[20] == r->subcode,
		  "row %zu (%s): got %u/%u, wanted %u/%u", row, r->what, msg[19], msg[20], r->code,
		  r->subcode);
	if (r->data) {
		size_t dl;
		uint8_t *d = hex_decode(r->data, &dl);

		cr_assert(len - 21 == dl && memcmp(msg + 21, d, dl) == 0, "row %zu (%s): data", row,
			  r->what);
		free(d);
	}
	cr_assert(bh_raw_closed(k), "row %zu (%s): connection not closed", row, r->what);
	cr_assert_neq(bh_state(GW, "raw"), BGP_STATE_ESTABLISHED);
	bh_teardown();
}

#define UPD_OK "0000 0014 40010100 400206020100 00fdf1 4003040a000009"

Test(bgp_fsm, malformed_messages_answered)
{
	static const struct bad_row rows[] = {
		/* 1-3: header errors (6.1) */
		{"bad marker", false, false, "fffffffffffffffffffffffffffffffe 0013 04", 0, 0, 0, 1,
		 1, NULL},
		{"length 18", false, false, MARKER "0012 04", 0, 0, 0, 1, 2, "0012"},
		{"type 9", false, false, MARKER "0013 09", 0, 0, 0, 1, 3, "09"},
		/* 4-9: OPEN errors (6.2; RFC 6793; issue 12) */
		{"version 3", false, false, MARKER "001d 01 03 fdf1 005a 0a000009 00", 0, 0, 0, 2,
		 1, "0004"},
		{"bad peer AS", false, false, NULL, 65010, 90, 9, 2, 2, NULL},
		{"AS 0", false, false, MARKER "001d 01 04 0000 005a 0a000009 00", 0, 0, 0, 2, 2,
		 NULL},
		{"hold time 2", false, false, MARKER "001d 01 04 fdf1 0002 0a000009 00", 0, 0, 0, 2,
		 6, NULL},
		{"BGP id 0", false, false, MARKER "001d 01 04 fdf1 005a 00000000 00", 0, 0, 0, 2, 3,
		 NULL},
		{"4-octet AS differs from My AS", false, false,
		 MARKER "0025 01 04 fdf1 005a 0a000009 08 02 06 4104 0000fdf2", 0, 0, 0, 2, 2,
		 NULL},
		/* 10-12: unexpected messages (RFC 6608) */
		{"UPDATE in OpenSent", false, false, MARKER "0017 02 00000000", 0, 0, 0, 5, 1,
		 NULL},
		{"KEEPALIVE in OpenSent", false, false, MARKER "0013 04", 0, 0, 0, 5, 1, NULL},
		{"UPDATE in OpenConfirm", true, false, MARKER "0017 02 00000000", 0, 0, 0, 5, 2,
		 NULL},
		/* 13: a second OPEN in Established */
		{"OPEN in Established", false, true, NULL, 65009, 90, 9, 5, 3, NULL},
		/* 14-16: UPDATE errors that reset (RFC 7606 keeps these) */
		{"NLRI /33", false, true, MARKER "0031 02" UPD_OK "210a000001ff", 0, 0, 0, 3, 10,
		 NULL},
		{"unrecognized well-known", false, true,
		 MARKER "0032 02 0000 0018 40010100 400206020100 00fdf1 4003040a000009 40630100 "
			"100a02",
		 0, 0, 0, 3, 2, "40630100"},
		{"attribute length past the message", false, true,
		 MARKER "001b 02 0000 0008 "
			"40010100",
		 0, 0, 0, 3, 1, NULL},
		/* 17: ROUTE-REFRESH of the wrong length (RFC 7313 5) */
		{"ROUTE-REFRESH length 22", false, true, MARKER "0016 05 000100", 0, 0, 0, 7, 1,
		 NULL},
		/* 18: a header error in Established */
		{"length 4097 in Established", false, true, MARKER "1001 02", 0, 0, 0, 1, 2,
		 "1001"},
	};

	/* the suite's setup made a harness; each row makes its own */
	bh_teardown();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_bad(&rows[i], i + 1);
	bh_setup();
}

/* RFC 7606: a malformed attribute that is not worth a reset withdraws the routes it carried. */
Test(bgp_fsm, treat_as_withdraw_keeps_the_session)
{
	struct bgp_peer_config pc;
	static const char *const pfx[] = {"10.2.0.0/16", "10.3.0.0/16"};
	static const uint32_t as[] = {65009};
	int k;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k = bh_raw_establish(GW, "raw", "10.0.0.9", 65009, 9);
	bh_raw_announce(k, pfx, 2, as, 1, "10.0.0.9");
	cr_assert_eq(bh_fib_count(GW), 2);
	/* 10.2.0.0/16 again with ORIGIN 7 (7606 7.1): withdrawn; 10.3.0.0/16 stays */
	bh_raw_send_hex(k, MARKER "002e 02 0000 0014 40010107 400206020100 00fdf1 4003040a000009"
				  "100a02");
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_ESTABLISHED);
	cr_assert_null(bh_fib(GW, "10.2.0.0/16"));
	cr_assert_not_null(bh_fib(GW, "10.3.0.0/16"));
	cr_assert_eq(bh_sent_type(GW, BGP_MSG_NOTIFICATION), 0);
	cr_assert_eq(bh_status(GW, "raw").updates_withdrawn, 1);
	cr_assert(bh_log_has("treated as withdraw"));
	/* a missing NEXT_HOP: 10.3.0.0/16 withdrawn too */
	bh_raw_send_hex(k, MARKER "0027 02 0000 000d 40010100 400206020100 00fdf1 100a03");
	cr_assert_null(bh_fib(GW, "10.3.0.0/16"));
	/* LOCAL_PREF from an external peer: discarded, the route is taken */
	bh_raw_send_hex(k, MARKER "0035 02 0000 001b 40010100 400206020100 00fdf1 4003040a000009 "
				  "40050400000064 100a04");
	cr_assert_not_null(bh_fib(GW, "10.4.0.0/16"));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_ESTABLISHED);
}

/* A NOTIFICATION from the peer: Idle, and the status says what it was. */
Test(bgp_fsm, notification_received)
{
	struct bgp_peer_config pc;
	int k;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k = bh_raw_establish(GW, "raw", "10.0.0.9", 65009, 9);
	bh_raw_send_hex(k, MARKER "0015 03 0602");
	cr_assert_neq(bh_state(GW, "raw"), BGP_STATE_ESTABLISHED);
	cr_assert_str_eq(bh_status(GW, "raw").last_error, "received Cease/Administrative Shutdown");
	cr_assert(strstr(BH.s[GW].transitions, "raw:Established>Idle;"));
	cr_assert(bh_raw_closed(k));
}

/* The connection drops: Idle, routes gone, and an active peer reconnects by itself. */
Test(bgp_fsm, connection_loss_and_automatic_restart)
{
	two(true, 1, 2);
	{
		struct bgp_local_prefix lp = {bh_prefix("192.168.1.0/24"), false};

		cr_assert_eq(bgp_speaker_set_local_prefixes(BH.s[SITE].sp, &lp, 1), 0);
	}
	bh_run();
	cr_assert_not_null(bh_fib(GW, "192.168.1.0/24"));
	close(BH.l[0].e[0].fd);
	BH.l[0].e[0].fd = -1;
	bgp_speaker_closed(BH.s[GW].sp, BH.l[0].e[0].conn);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_IDLE);
	cr_assert_null(bh_fib(GW, "192.168.1.0/24"));
	/* 8.2.2 Established, event 18: Idle on both sides, then the idle hold time */
	cr_assert_eq(bh_state(SITE, "gw"), BGP_STATE_IDLE, "%s", BH.s[SITE].transitions);
	cr_assert(bh_wait_state(GW, "site", BGP_STATE_ESTABLISHED, 6000));
	cr_assert_not_null(bh_fib(GW, "192.168.1.0/24"));
}

/* Messages cut into 7-byte pieces are put back together. */
Test(bgp_fsm, reassembly_of_small_reads)
{
	struct bgp_local_prefix lp[40];

	BH.chunk = 7;
	two(true, 1, 2);
	for (int i = 0; i < 40; i++) {
		char s[32];

		snprintf(s, sizeof(s), "192.168.%d.0/24", i);
		lp[i].prefix = bh_prefix(s);
		lp[i].vnet = false;
	}
	cr_assert_eq(bgp_speaker_set_local_prefixes(BH.s[SITE].sp, lp, 40), 0);
	bh_run();
	cr_assert_eq(bh_state(GW, "site"), BGP_STATE_ESTABLISHED);
	cr_assert_eq(bh_fib_count(GW), 40);
}

/* Peers: removal sends Peer De-configured, reset Administrative Reset then starts again. */
Test(bgp_fsm, peer_remove_and_reset)
{
	two(true, 1, 2);
	bh_run();
	cr_assert_eq(bgp_speaker_peer_reset(BH.s[GW].sp, "site"), 0);
	bh_run();
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET), 1);
	/* The site waits its idle hold (5 s) after the Cease; we retry at ConnectRetry. */
	cr_assert(bh_wait_state(GW, "site", BGP_STATE_ESTABLISHED, 40000));
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "site"), 0);
	bh_run();
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIG), 1);
	cr_assert_str_eq(bh_status(SITE, "gw").last_error, "received Cease/Peer De-configured");
	/* a short session: the idle hold doubled (10 s) */
	cr_assert(bh_wait_state(SITE, "gw", BGP_STATE_ACTIVE, 11000));
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "site"), -ENOENT);
}

/* Issue 12: reserved ASNs and our own are refused for a peer. */
Test(bgp_fsm, peer_asn_rules)
{
	static const uint32_t bad[] = {0,     8074,  8075,  12076, 23456, 64496,      64511,
				       65515, 65517, 65520, 65535, 65551, 4294967295u};
	static const uint32_t good[] = {1,     8073,  64495, 64512,	 65001,
					65516, 65534, 65552, 4200000001u};

	GW = bh_speaker("10.0.0.1", 65515, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bgp_peer_config pc = bh_peer_config("p", "10.0.0.9", bad[i]);

		cr_assert(bgp_asn_reserved(bad[i]) || bad[i] == 65515);
		cr_assert_eq(bgp_speaker_peer_add(BH.s[GW].sp, &pc), -EINVAL, "AS %u", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char name[16];
		struct bgp_peer_config pc;

		snprintf(name, sizeof(name), "p%zu", i);
		pc = bh_peer_config(name, "10.0.0.9", good[i]);
		pc.addr.bytes[3] = (uint8_t)(10 + i);
		pc.passive = true;
		cr_assert(!bgp_asn_reserved(good[i]), "AS %u", good[i]);
		cr_assert_eq(bgp_speaker_peer_add(BH.s[GW].sp, &pc), 0, "AS %u", good[i]);
	}
}

/* A 4-octet peer AS through the capability (RFC 6793), AS_TRANS in My AS. */
Test(bgp_fsm, four_octet_peer_as)
{
	struct bgp_peer_config pc;
	int k;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 4200000001u);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k = bh_raw_establish(GW, "raw", "10.0.0.9", 4200000001u, 9);
	(void)k;
	cr_assert_eq(bh_status(GW, "raw").asn, 4200000001u);
}

/* Two connections from the peer (it reconnected): the newer is dumped, whichever OPEN is first. */
Test(bgp_fsm, collision_same_direction_keeps_the_older)
{
	struct bgp_peer_config pc;
	uint8_t type, mem[BGP_MAX_MSG];
	struct buf w;
	int k1, k2;

	GW = bh_speaker("10.0.0.1", 65515, 1);
	pc = bh_peer_config("raw", "10.0.0.9", 65009);
	pc.passive = true;
	bh_peer_add(GW, &pc);
	k1 = bh_raw_connect(GW, "10.0.0.9");
	k2 = bh_raw_connect(GW, "10.0.0.9");
	cr_assert(bh_raw_next(k1, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	cr_assert(bh_raw_next(k2, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	buf_init_write(&w, mem, sizeof(mem));
	bh_open_msg(&w, 65009, 90, 9);
	/* the newer connection's OPEN first, then the older's */
	bh_raw_send(k2, buf_data(&w), buf_left(&w));
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_COLLISION), 1);
	cr_assert(bh_raw_closed(k2));
	bh_raw_send(k1, buf_data(&w), buf_left(&w));
	cr_assert(!bh_raw_closed(k1));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_OPENCONFIRM);
}

/*
 * The remaining arcs of RFC 4271 8.2.2 the speaker takes, one row each, seen in the log line
 * "old -> new (event" that every transition writes.
 */
static void raw_peer(void)
{
	struct bgp_peer_config pc = bh_peer_config("raw", "10.0.0.9", 65009);

	pc.passive = true;
	bh_peer_add(GW, &pc);
}

static int raw_opensent(void)
{
	uint8_t type;
	int k = bh_raw_connect(GW, "10.0.0.9");

	cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	return k;
}

static int raw_openconfirm(void)
{
	uint8_t mem[BGP_MAX_MSG];
	struct buf w;
	int k = raw_opensent();

	buf_init_write(&w, mem, sizeof(mem));
	bh_open_msg(&w, 65009, 90, 9);
	bh_raw_send(k, buf_data(&w), buf_left(&w));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_OPENCONFIRM);
	return k;
}

static void raw_close(int k)
{
	close(BH.l[k].e[0].fd);
	BH.l[k].e[0].fd = -1;
	bh_run();
}

Test(bgp_fsm, remaining_transitions)
{
	struct bgp_peer_config pc;
	int k;

	/* 1: Connect, ManualStop (peer removed): Idle, no NOTIFICATION (no OPEN sent) */
	GW = bh_speaker("10.0.0.1", 65515, 1);
	BH.s[GW].hang = true;
	pc = bh_peer_config("site", "10.0.0.2", 65001);
	bh_peer_add(GW, &pc);
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "site"), 0);
	cr_assert(bh_log_has("Connect -> Idle (ManualStop"));
	/* 2: Active, ManualStop */
	raw_peer();
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "raw"), 0);
	cr_assert(bh_log_has("Active -> Idle (ManualStop"));
	cr_assert_eq(bh_sent_type(GW, BGP_MSG_NOTIFICATION), 0);
	/* 3: OpenSent, TcpConnectionFails: Active, listening again (8.2.2) */
	raw_peer();
	k = raw_opensent();
	raw_close(k);
	cr_assert(bh_log_has("OpenSent -> Active (TcpConnectionFails"));
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_ACTIVE);
	/* 4: OpenSent, NotifMsgVerErr: Idle */
	k = raw_opensent();
	bh_raw_send_hex(k, MARKER "0017 03 0201 0004");
	cr_assert(bh_log_has("OpenSent -> Idle (NotifMsgVerErr"));
	cr_assert(bh_wait_state(GW, "raw", BGP_STATE_ACTIVE, 11000));
	/* 5: OpenSent, ManualStop: Cease/Peer De-configured */
	k = raw_opensent();
	cr_assert_eq(bgp_speaker_peer_remove(BH.s[GW].sp, "raw"), 0);
	cr_assert(bh_log_has("OpenSent -> Idle (ManualStop"));
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIG), 1);
	cr_assert(bh_raw_closed(k));
	/* 6: OpenConfirm, NotifMsg: Idle */
	raw_peer();
	k = raw_openconfirm();
	bh_raw_send_hex(k, MARKER "0015 03 0604");
	cr_assert(bh_log_has("OpenConfirm -> Idle (NotifMsg"));
	cr_assert(bh_wait_state(GW, "raw", BGP_STATE_ACTIVE, 11000));
	/* 7: OpenConfirm, TcpConnectionFails: Idle */
	k = raw_openconfirm();
	raw_close(k);
	cr_assert(bh_log_has("OpenConfirm -> Idle (TcpConnectionFails"));
	cr_assert(bh_wait_state(GW, "raw", BGP_STATE_ACTIVE, 21000));
	/* 8: OpenConfirm, ManualStop: Cease */
	k = raw_openconfirm();
	cr_assert_eq(bgp_speaker_peer_reset(BH.s[GW].sp, "raw"), 0);
	cr_assert(bh_log_has("OpenConfirm -> Idle (ManualStop"));
	cr_assert_eq(bh_sent_notif(GW, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET), 1);
	/* reset starts it again: passive, so Active */
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_ACTIVE);
	/* 9: Established, TcpConnectionFails: Idle */
	k = bh_raw_establish(GW, "raw", "10.0.0.9", 65009, 9);
	raw_close(k);
	cr_assert(bh_log_has("Established -> Idle (TcpConnectionFails"));
	/* 10: Idle refuses a connection (8.2.2) */
	cr_assert_eq(bh_state(GW, "raw"), BGP_STATE_IDLE);
	cr_assert_eq(bh_raw_connect(GW, "10.0.0.9"), -1);
	/* 11: Idle, IdleHoldTimer_Expires: the automatic start */
	cr_assert(bh_wait_state(GW, "raw", BGP_STATE_ACTIVE, 41000));
	cr_assert(bh_log_has("Idle -> Active (IdleHoldTimer_Expires"));
}
