/* SPDX-License-Identifier: MIT */
/*
 * Dead peer detection and re-initiation (RFC 7296 2.4, engine.h): the liveness check goes out
 * after a third of the DPD timeout of silence and not before, ESP received on a child (as the
 * data plane reports it) or any authenticated message defers it, the peer is declared dead at
 * the timeout and not a millisecond earlier, without a Delete; a connection that initiates then
 * retries on a jittered exponential back-off that starts again after a success, and one that
 * only responds waits. Side 1 (the peer) runs without DPD unless a test says otherwise, so
 * that only side 0's checks are on the wire.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"
#include "lib/clock.h"

#define T_MS 45000u /* IKE_DEFAULT_DPD_TIMEOUT_S */
#define D_MS 15000u /* T / IKE_DPD_INTERVAL_DIV */

static void setup(void)
{
	h_setup();
	H.s[1].cfg.dpd_timeout_s = 0;
}

TestSuite(dpd, .init = setup, .fini = h_teardown);

static struct ike_conn_info info0(void)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[0].e, H.s[0].cfg.name, &i), 0);
	return i;
}

static const struct ike_engine_stats *stats0(void)
{
	return ike_engine_stats(H.s[0].e);
}

/* The queued datagram idx is side 0's INFORMATIONAL request. */
static void assert_info_request(unsigned int idx)
{
	struct ike_hdr h = h_hdr(idx);

	cr_assert_eq(H.q[idx].from, 0);
	cr_assert_eq(h.exchange, IKE_EXCH_INFORMATIONAL);
	cr_assert_eq(h.flags & IKE_FLAG_R, 0, "a request");
}

/*
 * Advance ms in steps of at most 250 ms, dropping whatever is sent (the peer is gone); the
 * elapsed times (from start_ms) of side 0's sends go to at[] (up to *n of them).
 */
static void silence(uint64_t ms, uint64_t start_ms, uint64_t *at, unsigned int *n, unsigned int max)
{
	for (uint64_t t = 0; t < ms;) {
		uint64_t step = ms - t < 250 ? ms - t : 250;

		h_advance_ms(step);
		t += step;
		while (H.n) {
			if (H.q[0].from == 0 && at && *n < max)
				at[(*n)++] = start_ms + t;
			h_drop(0);
		}
	}
}

Test(dpd, liveness_check_after_the_interval_and_not_before)
{
	h_establish();
	h_advance_ms(D_MS - 1);
	cr_assert_eq(H.n, 0, "no check before %u ms of silence", D_MS);
	h_advance_ms(1);
	cr_assert_eq(H.n, 1, "the check at %u ms", D_MS);
	assert_info_request(0);
	cr_assert_eq(stats0()->dpd_checks, 1);
	h_run(); /* answered */
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	/* The answer was the last thing received: the next check one interval later. */
	h_advance_ms(D_MS - 1);
	cr_assert_eq(H.n, 0);
	h_advance_ms(1);
	cr_assert_eq(H.n, 1);
	assert_info_request(0);
	cr_assert_eq(stats0()->dpd_checks, 2);
}

Test(dpd, peer_declared_dead_at_the_timeout_and_not_before)
{
	uint64_t at[16];
	unsigned int n = 0, sent;
	/* The check at D, then retransmitted 2, 4, 8 s after each send; 29 + 16 = 45 is death. */
	static const uint64_t want[] = {15000, 17000, 21000, 29000};

	h_establish();
	silence(T_MS - 1, 0, at, &n, 16);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "alive until %u ms", T_MS);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]), "%u sends", n);
	for (unsigned int i = 0; i < n; i++)
		cr_assert_eq(at[i], want[i], "send %u at %llu ms, want %llu", i,
			     (unsigned long long)at[i], (unsigned long long)want[i]);
	sent = H.sent[0];
	h_advance_ms(1);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[0].reason, "liveness checks (DPD)"), "%s", H.s[0].reason);
	cr_assert_eq(h_children_live(0), 0, "the dead peer's children left the data plane");
	cr_assert_eq(info0().n_ike_sas, 0);
	cr_assert_eq(H.sent[0], sent, "no Delete to a dead peer");
	cr_assert_eq(stats0()->dpd_dead, 1);
	cr_assert_eq(info0().retry_at, 0, "a connection that only responds waits");
	/* And keeps waiting: nothing is sent, no timer is left. */
	h_advance_ms(600000);
	cr_assert_eq(H.sent[0], sent);
	cr_assert_eq(ike_engine_next_deadline(H.s[0].e), UINT64_MAX);
}

/* The shortest timeout (9 s): the check after 3 s, death at 9 s. */
Test(dpd, shortest_timeout)
{
	uint64_t at[8];
	unsigned int n = 0;

	H.s[0].cfg.dpd_timeout_s = 9;
	h_establish();
	silence(9000 - 1, 0, at, &n, 8);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(n, 2);
	cr_assert_eq(at[0], 3000);
	cr_assert_eq(at[1], 5000);
	h_advance_ms(1);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED, "dead at 9 s");
}

Test(dpd, esp_received_defers_the_check)
{
	h_establish();
	h_advance_ms(10000);
	h_esp_received(0); /* the data plane accepted ESP on the child at 10 s */
	h_advance_ms(D_MS - 10000);
	cr_assert_eq(H.n, 0, "ESP 5 s ago: no check");
	cr_assert_gt(H.s[0].n_last_rx_asked, 0, "DPD asked the data plane");
	h_advance_ms(10000 - 1);
	cr_assert_eq(H.n, 0);
	h_advance_ms(1);
	cr_assert_eq(H.n, 1, "the check 15 s after the ESP packet");
	assert_info_request(0);
}

/* Sending is no sign of life (2.4): outbound traffic alone does not defer the check. */
Test(dpd, esp_only_sent_does_not_defer_the_check)
{
	h_establish();
	/* Only the peer's side records traffic: what side 0 sent does not count for side 0. */
	h_advance_ms(10000);
	h_esp_received(1);
	h_advance_ms(D_MS - 10000);
	cr_assert_eq(H.n, 1);
	assert_info_request(0);
}

Test(dpd, esp_after_the_check_keeps_the_peer_alive)
{
	uint64_t at[16];
	unsigned int n = 0;

	h_establish();
	silence(20000, 0, at, &n, 16); /* check at 15 s, unanswered */
	cr_assert_geq(n, 2);
	h_esp_received(0); /* ESP at 20 s: alive */
	silence(T_MS - 20000, 20000, at, &n, 16);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "ESP after the check: not dead at 45 s");
	/* Silent since 20 s; the check restarted at 45 s gets the rest of the budget, 30 s. */
	silence(30000 - 1, T_MS, NULL, NULL, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	h_advance_ms(1);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
}

/* The peer's own requests are signs of life too. */
Test(dpd, peer_request_defers_the_check)
{
	h_establish();
	h_advance_ms(10000);
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	h_run();
	h_advance_ms(D_MS - 1);
	cr_assert_eq(H.n, 0, "nothing before 15 s after the peer's request");
	h_advance_ms(1);
	cr_assert_eq(H.n, 1);
}

/* Jumping far past the timeout (a suspended host) probes first instead of declaring death. */
Test(dpd, clock_jump_probes_before_declaring_death)
{
	h_establish();
	h_advance_ms(10 * T_MS);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.n, 1);
	assert_info_request(0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "answered: alive");
}

/* ---- re-initiation ----------------------------------------------------------------------------
 */

/* Side 0 initiates; its proposal changed so that side 1 refuses every new IKE_SA_INIT. */
static void establish_then_break_proposal(void)
{
	H.s[0].cfg.initiate = true;
	h_establish();
	cr_assert_eq(ike_suite_parse(&H.s[0].cfg.policy.ike.propose.s[0], IKE_PROTO_IKE,
				     "aes256-sha1-modp2048"),
		     0);
	cr_assert_eq(h_configure(0), 0); /* the live SA keeps its suite */
	cr_assert_eq(H.n, 0);
}

static void die(void)
{
	silence(T_MS, 0, NULL, NULL, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING, "re-initiating");
	cr_assert(strstr(H.s[0].reason, "(DPD)"), "the reason of the failure: %s", H.s[0].reason);
}

/* The wait before attempt k (0-based) must be in [3/4, 1] of min(1 s * 2^k, 30 s). */
static uint64_t assert_wait(unsigned int k)
{
	struct ike_conn_info i = info0();
	uint64_t now = clock_now_ns(), full = 1000ull << (k < 5 ? k : 5), wait;

	if (full > 30000)
		full = 30000;
	cr_assert_gt(i.retry_at, now, "attempt %u scheduled", k);
	wait = (i.retry_at - now) / CLOCK_NS_PER_MS;
	cr_assert(wait >= full * 3 / 4 && wait <= full, "attempt %u after %llu ms, want %llu..%llu",
		  k, (unsigned long long)wait, (unsigned long long)(full * 3 / 4),
		  (unsigned long long)full);
	cr_assert_eq(i.n_retries, k + 1);
	return wait;
}

Test(dpd, dead_peer_initiated_again_with_backoff_reset_on_success)
{
	establish_then_break_proposal();
	die();
	for (unsigned int k = 0; k < 8; k++) {
		uint64_t wait = assert_wait(k);

		h_advance_ms(wait - 1);
		cr_assert_eq(H.n, 0, "attempt %u too early", k);
		h_advance_ms(1);
		cr_assert_eq(H.n, 1, "attempt %u on time", k);
		cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_SA_INIT);
		cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
		if (k == 0)
			cr_assert(strstr(H.s[0].reason, "(DPD)"),
				  "Connecting keeps the failure's reason: %s", H.s[0].reason);
		h_run(); /* refused: NO_PROPOSAL_CHOSEN */
		cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
		cr_assert(strstr(H.s[0].reason, "NO_PROPOSAL_CHOSEN"), "%s", H.s[0].reason);
	}
	cr_assert_eq(stats0()->retries, 8);
	/* The site is fixed: the next attempt succeeds and the back-off starts over. */
	ike_policy_default(&H.s[0].cfg.policy);
	H.s[0].cfg.psk = H.s[0].psk;
	cr_assert_eq(ike_engine_conn_set(H.s[0].e, &H.s[0].cfg), 0); /* initiates at once */
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(info0().n_retries, 0);
	cr_assert_eq(info0().retry_at, 0);
	die();
	assert_wait(0);
}

/* After "peer not responding" (IKE_SA_INIT never answered) the next attempt follows quickly. */
Test(dpd, unanswered_init_is_retried)
{
	uint64_t wait;

	H.s[0].cfg.initiate = true;
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(H.n, 1);
	/* 2 + 4 + 8 + 16 + 32 + 64 s of retransmissions, all lost. */
	silence(126000, 0, NULL, NULL, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	cr_assert(strstr(H.s[0].reason, "not responding"), "%s", H.s[0].reason);
	wait = assert_wait(0);
	h_advance_ms(wait);
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(h_configure(1), 0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

/* An operator's Delete is not fought: no re-initiation until asked. */
Test(dpd, own_delete_is_not_reinitiated)
{
	H.s[0].cfg.initiate = true;
	h_establish();
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[0].e, H.s[0].cfg.name), 0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert_eq(info0().retry_at, 0);
	h_advance_ms(600000);
	cr_assert_eq(H.n, 0);
}

/* The peer deleting the IKE SA: a connection that initiates sets it up again. */
Test(dpd, peer_delete_is_reinitiated)
{
	uint64_t wait;

	H.s[0].cfg.initiate = true;
	h_establish();
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[1].e, H.s[1].cfg.name), 0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	cr_assert(strstr(H.s[0].reason, "deleted by the peer"), "%s", H.s[0].reason);
	wait = assert_wait(0);
	h_advance_ms(wait);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
}
