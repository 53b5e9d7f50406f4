/* SPDX-License-Identifier: MIT */
/*
 * Restarts (RFC 7296 2.4, 2.21.4): INITIAL_CONTACT in our first IKE_AUTH and never while
 * another IKE SA with the peer lives (two sides starting at once keep both SAs), a peer's
 * INITIAL_CONTACT dropping our stale SAs without a Delete, ESP for an unknown SPI answered with
 * INVALID_SPI inside the IKE SA (at most once a second) or, without an SA, starting the
 * connection at once, and a restarted gateway bringing a peer that still holds the old SA back
 * at once.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"
#include "lib/clock.h"

TestSuite(restart, .init = h_setup, .fini = h_teardown);

static struct ike_conn_info info_of(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i;
}

/* Where ESP from side 1 arrives at side 0 (raw ESP: the IKE ports do not matter). */
static struct ike_endpoint esp_from_peer(const char *peer)
{
	struct ike_endpoint ep = {.local = H.s[0].cfg.local, .local_port = 500, .peer_port = 500};

	cr_assert_eq(addr_parse(&ep.peer, peer, NULL, 0), 0);
	return ep;
}

Test(restart, first_ike_auth_carries_initial_contact)
{
	h_keylog_enable();
	h_start();
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	cr_assert(h_inner_notify(0, IKE_N_INITIAL_CONTACT), "2.4: first contact since start");
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

/* Both sides start at once: each already holds the other's half-open SA, so neither says
 * INITIAL_CONTACT and neither new SA deletes the other. */
Test(restart, simultaneous_start_sends_no_initial_contact)
{
	h_keylog_enable();
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(h_configure(1), 0);
	cr_assert_eq(ike_engine_conn_initiate(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_initiate(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(H.n, 2);
	h_deliver(); /* side 0's IKE_SA_INIT to side 1, answered */
	h_deliver(); /* side 1's IKE_SA_INIT to side 0, answered */
	h_deliver(); /* side 0 gets its answer: IKE_AUTH */
	h_deliver(); /* side 1 gets its answer: IKE_AUTH */
	cr_assert_eq(H.n, 2);
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(h_hdr(i).exchange, IKE_EXCH_AUTH);
		cr_assert(!h_inner_notify(i, IKE_N_INITIAL_CONTACT),
			  "IKE_AUTH from side %d: another SA with the peer exists", H.q[i].from);
	}
	h_run();
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(H.s[s].status, IKE_CONN_CONNECTED);
		cr_assert_eq(info_of(s).n_ike_sas, 2, "side %d kept both SAs", s);
		cr_assert_eq(h_children_live(s), 2);
	}
}

/* The peer restarted and set up a new SA with INITIAL_CONTACT: ours go at once, silently. */
Test(restart, peer_initial_contact_drops_stale_sas_without_delete)
{
	struct ike_conn_info before, after;
	unsigned int sent;

	h_establish();
	before = info_of(0);
	h_restart(1);
	H.s[1].cfg.initiate = true;
	cr_assert_eq(h_configure(1), 0); /* initiates: IKE_SA_INIT */
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	cr_assert_eq(info_of(0).n_ike_sas, 2, "stale and new");
	sent = H.sent[0];
	h_deliver(); /* IKE_AUTH with INITIAL_CONTACT */
	cr_assert_eq(H.sent[0], sent + 1, "only the IKE_AUTH response, no Delete");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	after = info_of(0);
	cr_assert_eq(after.n_ike_sas, 1);
	cr_assert_neq(after.spi_i, before.spi_i);
	cr_assert_eq(H.s[0].n_removed, 1, "the stale child left the data plane");
	cr_assert(h_child_find(0, before.child_spi_in[0]) == NULL);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(h_children_live(0), 1);
	h_assert_child_pair(&H.s[0].children[H.s[0].n_children - 1],
			    h_child_find(1, info_of(1).child_spi_in[0]));
}

Test(restart, unknown_esp_spi_gets_invalid_spi_at_a_bounded_rate)
{
	struct ike_endpoint ep;

	h_keylog_enable();
	h_establish();
	ep = esp_from_peer("203.0.113.2");
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 1);
	cr_assert_eq(H.q[0].from, 0);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_INFORMATIONAL);
	cr_assert_eq(h_hdr(0).flags & IKE_FLAG_R, 0);
	cr_assert(h_inner_notify(0, IKE_N_INVALID_SPI));
	for (int i = 0; i < 100; i++)
		ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 1, "a flood of ESP: one notify");
	h_run(); /* the peer answers; nothing changes */
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	clock_fake_advance(999 * CLOCK_NS_PER_MS);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 0, "still within the second");
	clock_fake_advance(1 * CLOCK_NS_PER_MS);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 1, "one per second");
	cr_assert_eq(ike_engine_stats(H.s[0].e)->invalid_spi_sent, 2);
	h_run();
	/* ESP from an address that is no peer of ours is never answered. */
	ep = esp_from_peer("192.0.2.99");
	clock_fake_advance(5 * CLOCK_NS_PER_SEC);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 0);
}

/* No IKE SA, and the peer sends ESP: it is up, so an initiating connection starts now. */
Test(restart, unknown_esp_spi_without_sa_starts_the_connection_now)
{
	struct ike_endpoint ep = esp_from_peer("203.0.113.2");
	uint64_t now;

	H.s[0].cfg.initiate = true;
	H.s[1].cfg.dpd_timeout_s = 0;
	h_establish();
	for (int i = 0; i < 180; i++) { /* the peer goes quiet: DPD */
		h_advance_ms(250);
		while (H.n)
			h_drop(0);
	}
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	now = clock_now_ns();
	cr_assert_gt(info_of(0).retry_at, now, "waiting for the back-off");
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 1, "started at once");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(info_of(0).retry_at, 0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(info_of(1).n_ike_sas, 1, "INITIAL_CONTACT cleared the peer's old SA");
}

Test(restart, unknown_esp_spi_without_sa_waits_when_only_responding)
{
	struct ike_endpoint ep = esp_from_peer("203.0.113.2");

	cr_assert_eq(h_configure(0), 0);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.n, 0);
}

/*
 * The gateway restarts while the peer has a request out: the retransmission gets the
 * unprotected INVALID_IKE_SPI (2.21.4, ignored by the peer as it must), and the gateway's own
 * new IKE_SA with INITIAL_CONTACT replaces the peer's stale one at once.
 */
Test(restart, restarted_gateway_brings_the_peer_back_at_once)
{
	H.s[0].cfg.initiate = true;
	h_establish();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(H.n, 1);
	h_restart(0);
	cr_assert_eq(h_configure(0), 0); /* initiates */
	cr_assert_eq(H.n, 2);
	h_deliver(); /* the peer's liveness check: no such IKE SA here */
	cr_assert_eq(ike_engine_stats(H.s[0].e)->unknown_spi, 1);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	cr_assert_eq(info_of(1).n_ike_sas, 1, "the peer's stale SA is gone");
	cr_assert_eq(h_children_live(1), 1);
	h_assert_child_pair(&H.s[0].children[H.s[0].n_children - 1],
			    h_child_find(1, info_of(1).child_spi_in[0]));
	h_assert_esp_works(&H.s[0].children[H.s[0].n_children - 1],
			   h_child_find(1, info_of(1).child_spi_in[0]));
}

/* Our IKE_SA_INIT waits for a long retransmission: ESP from the peer says it is up, so now. */
Test(restart, unknown_esp_spi_resends_a_waiting_ike_sa_init)
{
	struct ike_endpoint ep = esp_from_peer("203.0.113.2");
	unsigned int sent;

	H.s[0].cfg.initiate = true;
	cr_assert_eq(h_configure(0), 0);
	clock_fake_advance(999 * CLOCK_NS_PER_MS);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.sent[0], 1, "a request sent less than a second ago is not repeated");
	/* Lost at 0, 2, 6, 14 s; the next retransmission would be at 30 s. */
	for (int i = 0; i < 60; i++) {
		h_advance_ms(250);
		while (H.n)
			h_drop(0);
	}
	sent = H.sent[0];
	cr_assert_eq(h_configure(1), 0);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.sent[0], sent + 1, "sent again at once");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_SA_INIT);
	ike_engine_esp_unknown_spi(H.s[0].e, &ep, 0x12345678);
	cr_assert_eq(H.sent[0], sent + 1, "not again before a second");
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
}

/*
 * The responder restarted between IKE_SA_INIT and IKE_AUTH: the initiator's IKE_AUTH (and its
 * retransmissions) get the unprotected INVALID_IKE_SPI with the exchange and Message ID copied,
 * which the initiator must not act on (2.21.4); it gives up on the usual schedule and, as it
 * initiates, is back on its first retry.
 */
Test(restart, ike_auth_to_a_restarted_responder)
{
	struct ike_hdr h;

	H.s[1].cfg.initiate = true;
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(h_configure(1), 0); /* side 1 initiates */
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	h_restart(0);
	cr_assert_eq(h_configure(0), 0);
	h_deliver(); /* IKE_AUTH to an SA side 0 no longer has */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_AUTH);
	cr_assert_eq(h.msgid, 1);
	cr_assert_eq(h.flags & IKE_FLAG_R, IKE_FLAG_R);
	cr_assert(h_has_notify(0, IKE_N_INVALID_IKE_SPI));
	h_deliver(); /* the initiator ignores it */
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTING);
	/* Retransmissions at 2, 6, 14, 30, 62 s, each answered the same way; given up at 126 s. */
	for (int i = 0; i < 126 * 4; i++) {
		h_advance_ms(250);
		h_run();
	}
	cr_assert(strstr(H.s[1].reason, "not responding"), "%s", H.s[1].reason);
	cr_assert_geq(ike_engine_stats(H.s[0].e)->unknown_spi, 6);
	h_advance_ms(1000); /* the first retry */
	h_run();
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "%s", H.s[1].reason);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
}
