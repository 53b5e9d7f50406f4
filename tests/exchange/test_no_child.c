/* SPDX-License-Identifier: MIT */
/*
 * An IKE SA without CHILD_SA is not Connected (engine.h): the peer deletes the only child ->
 * Connecting, "IKE SA up, no CHILD_SA (deleted by the peer)"; the side that initiates creates a
 * new child on the same IKE SA (RFC 7296 1.3.1) after IKE_CHILD_RETRY_BASE_MS, backing off while
 * it fails; a responder-only side waits until the peer creates one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "harness.h"

TestSuite(no_child, .init = h_setup_without_dpd, .fini = h_teardown);

static void establish(bool side0_initiates)
{
	H.s[0].cfg.initiate = side0_initiates;
	h_start();
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "%s", H.s[1].reason);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
}

/* Side 1 deletes the only child; both sides are left with the IKE SA alone. */
static void peer_deletes_the_only_child(void)
{
	uint32_t spi1 = H.s[1].children[0].sa.spi_in;

	cr_assert_eq(ike_engine_conn_delete_child(H.s[1].e, H.s[1].cfg.name, spi1), 0);
	h_deliver(); /* the Delete at side 0 */
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING, "%s", H.s[0].reason);
	cr_assert_str_eq(H.s[0].reason, "IKE SA up, no CHILD_SA (deleted by the peer)");
	h_deliver(); /* side 0's Delete of its end, at side 1 */
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTING, "%s", H.s[1].reason);
	cr_assert(strstr(H.s[1].reason, "IKE SA up, no CHILD_SA"), "%s", H.s[1].reason);
	cr_assert_eq(H.n, 0);
}

static unsigned int children_created(void)
{
	return h_log_count("CREATE_CHILD_SA request sent");
}

Test(no_child, initiator_creates_a_new_child_after_a_delay)
{
	struct ike_conn_info i0;
	struct h_child *c0, *c1;
	unsigned int created;

	establish(true);
	peer_deletes_the_only_child();
	created = children_created();
	h_advance_ms(IKE_CHILD_RETRY_BASE_MS - 100);
	cr_assert_eq(H.n, 0, "not before the delay");
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	h_advance_ms(200);
	cr_assert_eq(H.n, 1, "a CREATE_CHILD_SA request after %d ms", IKE_CHILD_RETRY_BASE_MS);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(children_created(), created + 1);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "%s", H.s[1].reason);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
	c0 = &H.s[0].children[H.s[0].n_children - 1];
	c1 = h_child_find(1, c0->sa.spi_out);
	cr_assert(c1 && !c0->removed);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	/* on the same IKE SA (1.3.1), not a new one */
	cr_assert_eq(ike_engine_conn_info(H.s[0].e, H.s[0].cfg.name, &i0), 0);
	cr_assert_eq(i0.n_ike_sas, 1);
	cr_assert_eq(i0.n_children, 1);
	/* and nothing more once it is in */
	h_advance_ms(10 * IKE_CHILD_RETRY_MAX_MS);
	cr_assert_eq(children_created(), created + 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

Test(no_child, responder_only_side_waits_for_the_peer)
{
	unsigned int created;

	establish(false); /* neither side initiates on its own (side 0 was told to once) */
	peer_deletes_the_only_child();
	created = children_created();
	h_advance_ms(10 * IKE_CHILD_RETRY_MAX_MS);
	h_run();
	cr_assert_eq(children_created(), created, "no child created by either side");
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
	cr_assert_str_eq(H.s[0].reason, "IKE SA up, no CHILD_SA (deleted by the peer)");
	cr_assert(h_log_contains("waiting for the peer to create one"));
	/* the peer creates one: Connected again on both sides */
	cr_assert_eq(ike_engine_conn_create_child(H.s[1].e, H.s[1].cfg.name), 0);
	h_run();
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "%s", H.s[1].reason);
}

Test(no_child, a_failing_child_backs_off)
{
	uint64_t waited[3];

	establish(true);
	peer_deletes_the_only_child();
	/* side 0's data plane refuses every new child from now on */
	H.s[0].install_result = -ENOSPC;
	for (unsigned int n = 0; n < 3; n++) {
		unsigned int created = children_created();
		uint64_t ms = 0;

		while (children_created() == created && ms < 2 * IKE_CHILD_RETRY_MAX_MS) {
			h_advance_ms(100);
			ms += 100;
		}
		waited[n] = ms;
		cr_assert_eq(children_created(), created + 1, "attempt %u", n + 1);
		h_run();
		cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTING);
		cr_assert(strstr(H.s[0].reason,
				 "IKE SA up, no CHILD_SA (CHILD_SA could not be installed"),
			  "%s", H.s[0].reason);
	}
	cr_log_info("attempts after %llu, %llu and %llu ms", (unsigned long long)waited[0],
		    (unsigned long long)waited[1], (unsigned long long)waited[2]);
	cr_expect_eq(waited[0], IKE_CHILD_RETRY_BASE_MS);
	cr_expect_eq(waited[1], 2 * IKE_CHILD_RETRY_BASE_MS);
	cr_expect_eq(waited[2], 4 * IKE_CHILD_RETRY_BASE_MS);
	/* the data plane accepts again: Connected with the next attempt */
	H.s[0].install_result = 0;
	h_advance_ms(8 * IKE_CHILD_RETRY_BASE_MS);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(h_children_live(0), 1);
}
