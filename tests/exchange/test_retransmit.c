/* SPDX-License-Identifier: MIT */
/*
 * Retransmission (RFC 7296 2.1): a lost response is recovered by the initiator's retransmission
 * and answered from the responder's cache without being processed again; a lost request is
 * retransmitted with exponential back-off (2, 4, 8, 16, 32 s after each send) and the SA is
 * dropped 64 s after the last try; duplicates and stale requests are not reprocessed.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"
#include "lib/clock.h"

TestSuite(retransmit, .init = h_setup, .fini = h_teardown);

/* The schedule engine.h documents: first retransmission after 2 s, doubling, 5 tries. */
#define RETRANSMIT_BASE_MS 2000
#define RETRANSMIT_TRIES   5

static struct h_pkt saved;

Test(retransmit, lost_ike_auth_response_is_resent_from_the_cache)
{
	/* DPD off: its liveness checks after 15 s of silence are not what this looks at. */
	H.s[0].cfg.dpd_timeout_s = H.s[1].cfg.dpd_timeout_s = 0;
	h_start();
	h_deliver();
	h_deliver();
	saved = H.q[0]; /* the IKE_AUTH request */
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert_eq(H.s[1].n_children, 1);
	struct h_pkt resp = H.q[0];
	h_drop(0); /* lost */

	h_advance_ms(RETRANSMIT_BASE_MS - 1);
	cr_assert_eq(H.n, 0, "too early");
	h_advance_ms(1);
	cr_assert_eq(H.n, 1, "the request is retransmitted after %u ms", RETRANSMIT_BASE_MS);
	cr_assert_eq(H.q[0].len, saved.len);
	cr_assert(memcmp(H.q[0].data, saved.data, saved.len) == 0,
		  "retransmission must be identical");
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert_eq(H.q[0].len, resp.len);
	cr_assert(memcmp(H.q[0].data, resp.data, resp.len) == 0,
		  "the cached response, byte for byte");
	cr_assert_eq(ike_engine_stats(H.s[1].e)->retransmits_answered, 1);
	cr_assert_eq(H.s[1].n_children, 1, "a retransmission must not be reprocessed");
	h_deliver();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	h_assert_child_pair(&H.s[0].children[0], &H.s[1].children[0]);
	/* Answered: no more retransmissions. */
	h_advance_ms(10 * RETRANSMIT_BASE_MS);
	cr_assert_eq(H.n, 0);
}

Test(retransmit, lost_request_backs_off_then_gives_up)
{
	uint64_t wait = RETRANSMIT_BASE_MS;

	h_start();
	saved = H.q[0];
	h_drop(0);
	for (unsigned int n = 1; n <= RETRANSMIT_TRIES; n++, wait *= 2) {
		unsigned int before = H.sent[0];

		h_advance_ms(wait - 1);
		cr_assert_eq(H.sent[0], before, "retransmission %u too early", n);
		h_advance_ms(1);
		cr_assert_eq(H.sent[0], before + 1, "retransmission %u after %llu ms", n,
			     (unsigned long long)wait);
		cr_assert_eq(H.n, 1);
		cr_assert(memcmp(H.q[0].data, saved.data, saved.len) == 0);
		h_drop(0);
		cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	}
	/* After the last try, one more doubled wait, then the SA is dropped. */
	h_advance_ms(wait - 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	h_advance_ms(1);
	cr_assert_eq(H.n, 0, "no further retransmission");
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[0].reason, "not responding"), "%s", H.s[0].reason);
	cr_assert(h_log_contains("INIT_SENT -> DEAD"));
	cr_assert_eq(ike_engine_next_deadline(H.s[0].e), UINT64_MAX, "no timer left");
}

Test(retransmit, lost_informational_request_drops_the_established_sa)
{
	uint64_t total = 0, wait = RETRANSMIT_BASE_MS;

	/* The generic schedule (DPD off; with DPD the timeout decides, see test_dpd.c). */
	H.s[0].cfg.dpd_timeout_s = 0;
	h_start();
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	for (unsigned int n = 0; n <= RETRANSMIT_TRIES; n++, wait *= 2)
		total += wait;
	for (uint64_t t = 0; t < total - 1; t += 500) {
		h_advance_ms(t + 500 < total - 1 ? 500 : total - 1 - t);
		while (H.n)
			h_drop(0); /* the peer is gone */
	}
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	h_advance_ms(1);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert_eq(h_children_live(0), 0, "the children go with the SA");
	cr_assert_eq(H.sent[0], 2 + 1 + RETRANSMIT_TRIES);
}

Test(retransmit, duplicated_ike_sa_init_gets_the_same_response)
{
	h_start();
	h_duplicate(0);
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 2);
	cr_assert_eq(H.q[0].len, H.q[1].len);
	cr_assert(memcmp(H.q[0].data, H.q[1].data, H.q[0].len) == 0);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->retransmits_answered, 1);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.s[1].n_children, 1);
	{
		struct ike_conn_info i;

		cr_assert_eq(ike_engine_conn_info(H.s[1].e, H.s[1].cfg.name, &i), 0);
		cr_assert_eq(i.n_ike_sas, 1, "one IKE SA on the responder");
	}
}

/* A request older than the previous one is outside the window: dropped, not answered. */
Test(retransmit, stale_request_is_dropped)
{
	h_start();
	h_deliver();
	h_deliver();
	saved = H.q[0]; /* IKE_AUTH request, Message ID 1 */
	h_run();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	h_run(); /* Message ID 2 answered */
	H.q[H.n++] = saved;
	h_deliver();
	cr_assert_eq(H.n, 0);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->bad_msgid, 1);
	cr_assert_eq(H.s[1].n_children, 1);
}

/* A retransmitted request whose response came back still gets the cached response. */
Test(retransmit, reordered_duplicate_of_last_request)
{
	h_start();
	h_run();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	h_duplicate(0);
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 2);
	cr_assert(memcmp(H.q[0].data, H.q[1].data, H.q[0].len) == 0);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->bad_msgid, 1, "the second response is unexpected");
}
