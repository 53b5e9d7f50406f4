/* SPDX-License-Identifier: MIT */
/*
 * IKE SA rekeying (RFC 7296 1.3.2, 2.18): CREATE_CHILD_SA with an IKE proposal carrying the new
 * SPI, nonces and KE; both sides derive the new SA's keys from the old SK_d (they can talk on it
 * afterwards); the children move over untouched (no data-plane operation); the rekey's
 * initiator deletes the old SA; the new SA's Message IDs start at 0 in both directions. By
 * either side, by its soft lifetime, with a lost response, and again on the new SA.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "ike/proposal.h"

TestSuite(rekey_ike, .init = h_setup_without_dpd, .fini = h_teardown);

static struct ike_conn_info info_of(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i;
}

/* One IKE SA each with the same SPIs, one child pair, and the child still carries ESP. */
static void assert_one_ike_one_pair(void)
{
	struct ike_conn_info i0 = info_of(0), i1 = info_of(1);
	struct h_child *c0 = NULL, *c1;

	cr_assert_eq(i0.n_ike_sas, 1, "side 0 holds %u IKE SAs", i0.n_ike_sas);
	cr_assert_eq(i1.n_ike_sas, 1, "side 1 holds %u IKE SAs", i1.n_ike_sas);
	cr_assert(i0.established && i1.established);
	cr_assert_eq(i0.spi_i, i1.spi_i);
	cr_assert_eq(i0.spi_r, i1.spi_r);
	cr_assert_eq(i0.n_children, 1);
	cr_assert_eq(i1.n_children, 1);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
	c0 = h_child_find(0, i0.child_spi_in[0]);
	c1 = h_child_find(1, i1.child_spi_in[0]);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	for (int s = 0; s < 2; s++)
		cr_assert_eq(H.s[s].mbb_violations, 0, "%s", H.s[s].mbb_why);
}

/* A liveness check from side s on the current SA: its request has Message ID msgid. */
static void liveness_from(int s, uint32_t msgid)
{
	struct ike_hdr h;

	cr_assert_eq(ike_engine_conn_check_liveness(H.s[s].e, H.s[s].cfg.name), 0);
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.msgid, msgid, "side %d request Message ID %u, expected %u", s, h.msgid,
		     msgid);
	h_deliver();
	cr_assert_eq(H.n, 1, "answered on the new SA (its keys agree)");
	h_deliver();
	cr_assert_eq(H.n, 0);
}

/* Side r rekeys the IKE SA, message by message. */
static void rekey_ike_by(int r)
{
	int p = 1 - r;
	struct ike_conn_info before = info_of(r), after;
	unsigned int ops0 = H.s[0].n_ops, ops1 = H.s[1].n_ops;
	struct ike_hdr h;
	char line[160];

	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[r].e, H.s[r].cfg.name), 0);
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(h.spi_i, before.spi_i, "sent on the old SA");
	h_deliver();
	/* The responder has the new SA and its children, the old one waits for the Delete. */
	cr_assert_eq(info_of(p).n_ike_sas, 2);
	cr_assert_eq(info_of(p).n_children, 1);
	cr_assert_neq(info_of(p).spi_i, before.spi_i);
	h_deliver();
	/* The initiator: new SA, and the Delete of the old one (on the old one). */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_INFORMATIONAL);
	cr_assert_eq(h.spi_i, before.spi_i);
	cr_assert_eq(h.spi_r, before.spi_r);
	h_deliver();
	cr_assert_eq(info_of(p).n_ike_sas, 1);
	h_deliver();
	cr_assert_eq(H.n, 0);
	after = info_of(r);
	cr_assert_neq(after.spi_i, before.spi_i);
	cr_assert_neq(after.spi_r, before.spi_r);
	cr_assert(after.initiator, "2.2: the rekey's initiator is the new SA's original initiator");
	cr_assert(!info_of(p).initiator);
	/* The children moved without the data plane hearing of it. */
	cr_assert_eq(H.s[0].n_ops, ops0);
	cr_assert_eq(H.s[1].n_ops, ops1);
	cr_assert_eq(after.child_spi_in[0], before.child_spi_in[0]);
	snprintf(line, sizeof(line),
		 "IKE_SA %016" PRIx64 "/%016" PRIx64 " rekeyed -> %016" PRIx64 "/%016" PRIx64
		 " (by us, requested)",
		 before.spi_i, before.spi_r, after.spi_i, after.spi_r);
	cr_assert(h_log_contains(line), "no line '%s'", line);
	assert_one_ike_one_pair();
	/* 2.18: the new SA's Message IDs start at 0 both ways; its keys work both ways. */
	liveness_from(0, 0);
	liveness_from(1, 0);
	liveness_from(0, 1);
}

Test(rekey_ike, by_the_original_initiator)
{
	h_establish();
	rekey_ike_by(0);
	cr_assert(h_log_contains("rekeying IKE_SA"));
	cr_assert_eq(ike_engine_stats(H.s[0].e)->ike_rekeys, 1);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->ike_rekeys, 1);
}

Test(rekey_ike, by_the_responder_then_children_rekey_on_the_new_sa)
{
	struct ike_conn_info i;

	h_establish();
	rekey_ike_by(1);
	rekey_ike_by(1);
	rekey_ike_by(0);
	/* A child rekey on the third IKE SA. */
	i = info_of(0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[0].e, H.s[0].cfg.name, i.child_spi_in[0]), 0);
	cr_assert_eq(h_hdr(0).spi_i, i.spi_i);
	h_run();
	assert_one_ike_one_pair();
	cr_assert_neq(info_of(0).child_spi_in[0], i.child_spi_in[0]);
}

Test(rekey_ike, soft_lifetime_then_again)
{
	uint64_t t = 0;
	struct ike_conn_info first;

	H.s[0].cfg.ike_lifetime_s = 1000;
	H.s[1].cfg.ike_lifetime_s = 3000;
	H.s[0].cfg.child_lifetime_s = H.s[1].cfg.child_lifetime_s = 100000;
	h_establish();
	first = info_of(0);
	while (H.n == 0 && t < 1000 * 1000) {
		h_advance_ms(100);
		t += 100;
	}
	cr_log_info("IKE rekey after %llu ms", (unsigned long long)t);
	cr_assert(t >= 850 * 1000 && t <= 900 * 1000, "%llu ms", (unsigned long long)t);
	cr_assert_eq(H.q[0].from, 0);
	h_run();
	assert_one_ike_one_pair();
	cr_assert_neq(info_of(0).spi_i, first.spi_i);
	/* The new SA's lifetime runs from its creation. */
	t = 0;
	while (H.n == 0 && t < 1000 * 1000) {
		h_advance_ms(100);
		t += 100;
	}
	cr_assert(t >= 850 * 1000 && t <= 900 * 1000, "%llu ms", (unsigned long long)t);
	h_run();
	assert_one_ike_one_pair();
	cr_assert_eq(ike_engine_stats(H.s[1].e)->ike_rekeys, 2);
}

Test(rekey_ike, lost_response_answered_from_the_cache)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	h_deliver();
	h_drop(0);
	h_advance_ms(2000);
	cr_assert_eq(H.n, 1);
	h_deliver();
	cr_assert_eq(ike_engine_stats(H.s[1].e)->retransmits_answered, 1);
	cr_assert_eq(info_of(1).n_ike_sas, 2, "no third SA from the retransmission");
	h_run();
	assert_one_ike_one_pair();
}

/* The peer never rekeys and ours is always refused: at the hard lifetime the IKE SA goes. */
Test(rekey_ike, hard_lifetime_deletes)
{
	uint64_t t = 0;

	H.s[0].cfg.ike_lifetime_s = 100;
	H.s[0].cfg.child_lifetime_s = H.s[1].cfg.child_lifetime_s = 100000;
	h_establish();
	/* Side 1 only accepts AES-128 from now on: the rekey gets NO_PROPOSAL_CHOSEN. */
	cr_assert_eq(ike_suite_parse(&H.s[1].cfg.policy.ike.propose.s[0], IKE_PROTO_IKE,
				     "aes128-sha256-ecp256"),
		     0);
	H.s[1].cfg.policy.ike.encr.n = 1;
	H.s[1].cfg.policy.ike.encr.v[0].id = IKE_ENCR_AES_CBC;
	H.s[1].cfg.policy.ike.encr.v[0].bits = 128;
	cr_assert_eq(h_configure(1), 0);
	while (info_of(0).n_ike_sas > 0 && t < 101 * 1000) {
		h_advance_ms(100);
		t += 100;
		h_run();
	}
	cr_assert(h_log_contains("IKE_SA rekey failed: NO_PROPOSAL_CHOSEN"));
	cr_assert(h_log_contains("reached its hard lifetime"));
	cr_assert_eq(info_of(0).n_ike_sas, 0);
	cr_assert_eq(info_of(1).n_ike_sas, 0, "deleted on both sides");
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
}
