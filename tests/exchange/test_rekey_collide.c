/* SPDX-License-Identifier: MIT */
/*
 * Rekey collisions (RFC 7296 2.8.1, 2.8.2, 2.25): both sides rekey the same child, or the IKE
 * SA, at once; the nonces are forced so that the lowest of the four is in one exchange or the
 * other (through the initiator's or the responder's nonce), and the side that created that SA
 * deletes it while the winner's initiator deletes the old one. Also: a rekey crossing a Delete
 * of the same child or IKE SA (TEMPORARY_FAILURE, CHILD_SA_NOT_FOUND), an IKE rekey crossing a
 * child rekey (TEMPORARY_FAILURE both ways, then both done later), responses arriving before
 * the peer's crossing request, and a lost message inside a collision. Every case ends with one
 * IKE SA and one child pair (or none, when deleted) on each side, no make-before-break fault.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

TestSuite(rekey_collide, .init = h_setup_without_dpd, .fini = h_teardown);

static struct ike_conn_info info_of(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i;
}

static struct h_child *only_child(int side)
{
	struct h_child *found = NULL;

	cr_assert_eq(h_children_live(side), 1, "side %d has %u children", side,
		     h_children_live(side));
	for (unsigned int k = 0; k < H.s[side].n_children; k++)
		if (!H.s[side].children[k].removed)
			found = &H.s[side].children[k];
	return found;
}

static void assert_no_mbb_fault(void)
{
	for (int s = 0; s < 2; s++)
		cr_assert_eq(H.s[s].mbb_violations, 0, "%s", H.s[s].mbb_why);
}

static void assert_one_ike_one_pair(void)
{
	struct ike_conn_info i0 = info_of(0), i1 = info_of(1);
	struct h_child *c0 = only_child(0), *c1 = only_child(1);

	cr_assert_eq(i0.n_ike_sas, 1, "side 0 holds %u IKE SAs", i0.n_ike_sas);
	cr_assert_eq(i1.n_ike_sas, 1, "side 1 holds %u IKE SAs", i1.n_ike_sas);
	cr_assert_eq(i0.spi_i, i1.spi_i);
	cr_assert_eq(i0.spi_r, i1.spi_r);
	cr_assert_eq(i0.n_children, 1);
	cr_assert_eq(i1.n_children, 1);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	cr_assert_eq(H.s[0].out_spi, c0->sa.spi_out);
	cr_assert_eq(H.s[1].out_spi, c1->sa.spi_out);
	assert_no_mbb_fault();
	/* Nothing left to do: no request outstanding, nothing retransmitted later. */
	h_advance_ms(70 * 1000);
	cr_assert_eq(H.n, 0);
}

/* Both sides start rekeying their only child: [req from 0, req from 1] in flight. */
static void both_rekey_child(uint32_t *in0, uint32_t *in1)
{
	*in0 = only_child(0)->sa.spi_in;
	*in1 = only_child(1)->sa.spi_in;
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[0].e, H.s[0].cfg.name, *in0), 0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[1].e, H.s[1].cfg.name, *in1), 0);
	cr_assert_eq(H.n, 2);
}

/*
 * The crossing case: each side answers the other's request before its own response comes;
 * nonces n0/n1 (first bytes of each side's next two draws) decide; loser_creator's child goes.
 */
static void child_collision(int loser_creator, const uint8_t *n0, const uint8_t *n1)
{
	int winner = 1 - loser_creator;
	uint32_t in0, in1;
	struct h_child *c;

	h_establish();
	h_nonces(0, n0, 2);
	h_nonces(1, n1, 2);
	both_rekey_child(&in0, &in1);
	h_deliver(); /* 0's request at 1: answered as usual (2.8.1) */
	h_deliver(); /* 1's request at 0: answered as usual */
	cr_assert_eq(h_children_live(0), 2);
	cr_assert_eq(h_children_live(1), 2);
	h_run();
	assert_one_ike_one_pair();
	cr_assert_eq(ike_engine_stats(H.s[0].e)->rekey_collisions, 1);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->rekey_collisions, 1);
	cr_assert(h_log_contains("CHILD_SA rekey collision"));
	/* The survivor is the child the winner's exchange created: installed there by the
	 * initiator (its response) and by the other side as responder. */
	c = only_child(winner);
	cr_assert_eq(h_op_index(winner, H_OP_INSTALL_OUT, c->sa.spi_in) >= 0, true);
	cr_assert(!h_child_find(0, in0) && !h_child_find(1, in1), "the old child is gone");
	/* Three children ever installed on each side: the first, ours and theirs. */
	cr_assert_eq(H.s[0].n_children, 3);
	cr_assert_eq(H.s[1].n_children, 3);
	cr_log_info("survivor on side %d: %08x/%08x", winner, c->sa.spi_in, c->sa.spi_out);
}

/* Whether side 0's child c0 came from side 0's own exchange (else side 0 answered it and
 * logged "rekeyed -> SPIs (by the peer)"). */
static bool created_by_side0(const struct h_child *c0)
{
	char line[96];

	snprintf(line, sizeof(line), "rekeyed -> %08x/%08x (by the peer)", c0->sa.spi_in,
		 c0->sa.spi_out);
	return !h_log_contains(line);
}

Test(rekey_collide, child_lowest_nonce_in_side0_initiator_nonce)
{
	static const uint8_t n0[] = {0x01, 0x90}, n1[] = {0x80, 0x90};

	child_collision(0, n0, n1);
	cr_assert(!created_by_side0(only_child(0)), "side 0's child had the lowest nonce");
}

Test(rekey_collide, child_lowest_nonce_in_side1_initiator_nonce)
{
	static const uint8_t n0[] = {0x80, 0x90}, n1[] = {0x01, 0x90};

	child_collision(1, n0, n1);
	cr_assert(created_by_side0(only_child(0)), "side 1's child had the lowest nonce");
}

/* The lowest nonce is side 1's, but as responder in side 0's exchange: side 0's child goes. */
Test(rekey_collide, child_lowest_nonce_is_a_responder_nonce)
{
	static const uint8_t n0[] = {0x80, 0x90}, n1[] = {0x90, 0x01};

	child_collision(0, n0, n1);
	cr_assert(!created_by_side0(only_child(0)));
}

/* Responses delivered in the other order first, and a lost response inside the collision. */
Test(rekey_collide, child_collision_other_order_and_lost_response)
{
	static const uint8_t n0[] = {0x10, 0x90}, n1[] = {0x80, 0x90};
	uint32_t in0, in1;

	h_establish();
	h_nonces(0, n0, 2);
	h_nonces(1, n1, 2);
	both_rekey_child(&in0, &in1);
	h_deliver_at(1); /* 1's request at 0 first */
	h_deliver();	 /* 0's request at 1 */
	cr_assert_eq(H.n, 2);
	h_drop(0);	    /* 0's response to 1 is lost */
	h_deliver();	    /* 1's response to 0: side 0's child lost: Delete of it */
	h_advance_ms(2000); /* side 1 retransmits, gets the cached response */
	h_run();
	assert_one_ike_one_pair();
	cr_assert(!created_by_side0(only_child(0)));
	cr_assert_geq(ike_engine_stats(H.s[0].e)->retransmits_answered, 1);
}

/*
 * Side 0's response arrives before side 1's crossing request: side 0 saw no collision,
 * switched and deletes the old child; 1's request then finds the old child being closed
 * (2.25.1: TEMPORARY_FAILURE) and side 1 keeps side 0's child.
 */
Test(rekey_collide, child_response_before_crossing_request)
{
	uint32_t in0, in1;

	h_establish();
	both_rekey_child(&in0, &in1);
	h_deliver(); /* 0's request at 1 (collision there) */
	cr_assert_eq(H.n, 2);
	h_deliver_at(1); /* 1's response to 0: side 0 done, sends Delete(old) */
	cr_assert_eq(H.n, 2);
	h_deliver(); /* 1's request at 0: old child being deleted */
	cr_assert(h_log_contains("TEMPORARY_FAILURE"));
	h_run();
	assert_one_ike_one_pair();
	cr_assert(created_by_side0(only_child(0)));
	cr_assert(h_log_contains("refused by peer: TEMPORARY_FAILURE"));
	cr_assert_eq(ike_engine_stats(H.s[1].e)->rekey_collisions, 0);
}

/* As above, but the refusal reaches side 1 before side 0's Delete of the old child. */
Test(rekey_collide, child_refusal_before_the_delete)
{
	uint32_t in0, in1;

	h_establish();
	both_rekey_child(&in0, &in1);
	h_deliver();	 /* 0's request at 1 (collision there) */
	h_deliver_at(1); /* 1's response to 0: side 0 done, Delete(old) queued */
	h_deliver();	 /* 1's request at 0: TEMPORARY_FAILURE queued after the Delete */
	cr_assert_eq(H.n, 2);
	h_deliver_at(1); /* the refusal first */
	cr_assert(h_log_contains("our rekey refused (TEMPORARY_FAILURE), the peer's"));
	h_advance_ms(3000); /* no retry of a child the peer has rekeyed */
	for (unsigned int k = 0; k < H.n; k++)
		cr_assert_eq(h_hdr(k).exchange, IKE_EXCH_INFORMATIONAL, "only the Delete (again)");
	h_run();
	assert_one_ike_one_pair();
	cr_assert(created_by_side0(only_child(0)));
}

/*
 * The winner's Delete of the old child overtakes the loser's response: the loser already
 * sends on the winner's child when its own arrives, and still deletes its own (2.8.1).
 */
Test(rekey_collide, child_delete_overtakes_the_losers_response)
{
	static const uint8_t n0[] = {0x01, 0x90}, n1[] = {0x80, 0x90};
	uint32_t in0, in1;

	h_establish();
	h_nonces(0, n0, 2);
	h_nonces(1, n1, 2);
	both_rekey_child(&in0, &in1);
	h_deliver();	 /* 0's request at 1 */
	h_deliver();	 /* 1's request at 0 */
	h_deliver_at(1); /* 0's response to 1: side 1 wins, Delete(old) queued */
	cr_assert_eq(H.n, 2);
	h_deliver_at(1); /* the Delete reaches side 0 before side 0's own response */
	cr_assert(!h_child_find(0, in0));
	h_run();
	assert_one_ike_one_pair();
	cr_assert(!created_by_side0(only_child(0)), "side 0's child had the lowest nonce");
	cr_assert_eq(ike_engine_stats(H.s[0].e)->rekey_collisions, 1);
}

/* 2.25.1: a rekey crossing a Delete of the same child: both end without it, no orphan. */
Test(rekey_collide, child_rekey_crosses_delete)
{
	uint32_t in0 = 0, in1;

	h_establish();
	in0 = only_child(0)->sa.spi_in;
	in1 = only_child(1)->sa.spi_in;
	cr_assert_eq(ike_engine_conn_delete_child(H.s[0].e, H.s[0].cfg.name, in0), 0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[1].e, H.s[1].cfg.name, in1), 0);
	h_deliver(); /* the Delete at 1: answered as usual though it rekeys the child */
	h_deliver(); /* the rekey at 0: the child is being deleted */
	h_run();
	cr_assert(h_log_contains("in state DELETING: TEMPORARY_FAILURE"));
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(info_of(0).n_children, 0);
	cr_assert_eq(info_of(1).n_children, 0);
	cr_assert_eq(info_of(0).n_ike_sas, 1);
	assert_no_mbb_fault();
	h_advance_ms(70 * 1000);
	cr_assert_eq(H.n, 0);
}

/* The Delete completes first: the rekey then names a child that is gone (CHILD_SA_NOT_FOUND). */
Test(rekey_collide, child_rekey_after_delete_not_found)
{
	uint32_t in0, in1;
	struct h_pkt rk;

	h_keylog_enable();
	h_establish();
	in0 = only_child(0)->sa.spi_in;
	in1 = only_child(1)->sa.spi_in;
	cr_assert_eq(ike_engine_conn_delete_child(H.s[0].e, H.s[0].cfg.name, in0), 0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[1].e, H.s[1].cfg.name, in1), 0);
	rk = H.q[1];
	h_drop(1); /* the rekey request is held back */
	h_run();   /* the Delete exchange completes */
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
	H.q[H.n++] = rk;
	h_deliver();
	cr_assert(h_inner_notify(0, IKE_N_CHILD_SA_NOT_FOUND), "2.25: CHILD_SA_NOT_FOUND");
	h_run();
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
	assert_no_mbb_fault();
}

/* Both sides rekey the IKE SA at once: [req from 0, req from 1]. */
static void ike_collision(int loser_creator)
{
	struct ike_conn_info before = info_of(0), after;
	struct h_child *c0 = only_child(0);
	uint32_t child = c0->sa.spi_in;

	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(H.n, 2);
	h_deliver();
	h_deliver();
	cr_assert_eq(info_of(0).n_ike_sas, 2);
	h_run();
	assert_one_ike_one_pair();
	after = info_of(0);
	cr_assert_neq(after.spi_i, before.spi_i);
	cr_assert_eq(after.initiator, loser_creator == 1,
		     "the survivor is the SA the other side's rekey made");
	cr_assert_eq(only_child(0)->sa.spi_in, child, "the child moved untouched");
	cr_assert_eq(ike_engine_stats(H.s[0].e)->rekey_collisions, 1);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->rekey_collisions, 1);
	cr_assert(h_log_contains("IKE_SA rekey collision"));
	/* The surviving SA works both ways from Message ID 0. */
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(h_hdr(0).msgid, 0);
	h_run();
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[0].e, H.s[0].cfg.name, child), 0);
	cr_assert_eq(h_hdr(0).msgid, 0);
	h_run();
	assert_one_ike_one_pair();
}

Test(rekey_collide, ike_lowest_nonce_side0)
{
	static const uint8_t n0[] = {0x01, 0x90, 0x90}, n1[] = {0x80, 0x90, 0x90};

	h_establish();
	h_nonces(0, n0, 3);
	h_nonces(1, n1, 3);
	ike_collision(0);
}

Test(rekey_collide, ike_lowest_nonce_side1)
{
	static const uint8_t n0[] = {0x80, 0x90, 0x90}, n1[] = {0x01, 0x90, 0x90};

	h_establish();
	h_nonces(0, n0, 3);
	h_nonces(1, n1, 3);
	ike_collision(1);
}

Test(rekey_collide, ike_lowest_nonce_is_a_responder_nonce)
{
	static const uint8_t n0[] = {0x80, 0x01, 0x90}, n1[] = {0x90, 0x90, 0x90};

	h_establish();
	h_nonces(0, n0, 3);
	h_nonces(1, n1, 3);
	ike_collision(1); /* side 0's 0x01 answered side 1's rekey: side 1's SA goes */
}

/*
 * The loser never deletes its redundant IKE SA (strongSwan, when our Delete of the old SA
 * overtakes our answer to its rekey, drops its own silently): we drop it after a grace time.
 */
Test(rekey_collide, ike_redundant_sa_never_deleted_by_the_peer)
{
	static const uint8_t n0[] = {0x80, 0x90, 0x90}, n1[] = {0x01, 0x90, 0x90};
	unsigned int k, t;
	uint64_t spi;

	h_establish();
	h_nonces(0, n0, 3);
	h_nonces(1, n1, 3);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
	h_deliver();
	h_deliver();
	h_deliver(); /* side 0 wins: Delete of the old SA */
	h_deliver(); /* side 1 loses: Delete of its redundant SA... */
	for (k = 0; k < H.n; k++)
		if (H.q[k].from == 1 && h_hdr(k).exchange == IKE_EXCH_INFORMATIONAL)
			break;
	cr_assert_lt(k, H.n);
	spi = h_hdr(k).spi_i;
	/* ...and every retransmission of it are lost: side 0 never hears of it. */
	for (t = 0; t < IKE_REDUNDANT_GRACE_S * 10 + 1; t++) {
		for (k = 0; k < H.n;)
			if (h_hdr(k).spi_i == spi)
				h_drop(k);
			else
				k++;
		h_run();
		if (t == IKE_REDUNDANT_GRACE_S * 10 - 1)
			cr_assert_eq(info_of(0).n_ike_sas, 2,
				     "the redundant SA waits for the peer");
		h_advance_ms(100);
	}
	cr_assert_eq(info_of(0).n_ike_sas, 1, "dropped after the grace time");
	cr_assert(h_log_contains("not deleted by the peer, dropped"));
	cr_assert_eq(h_children_live(0), 1);
}

/* Side 0's IKE rekey completes before side 1's crossing request: TEMPORARY_FAILURE there. */
Test(rekey_collide, ike_response_before_crossing_request)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
	h_deliver();	 /* 0's at 1 (collision there) */
	h_deliver_at(1); /* 1's response at 0: done, Delete of the old SA */
	h_run();
	assert_one_ike_one_pair();
	cr_assert(info_of(0).initiator, "side 0's rekey made the survivor");
	cr_assert(h_log_contains("(by the peer, ours refused)") ||
		  h_log_contains("(by the peer, ours forgotten on its Delete)"));
}

/* 2.25.2: an IKE rekey and a child rekey cross: each refused, both done later in turn. */
Test(rekey_collide, ike_rekey_crosses_child_rekey)
{
	uint32_t child = 0;
	struct ike_conn_info before;
	uint64_t t = 0;

	h_establish();
	before = info_of(0);
	child = only_child(1)->sa.spi_in;
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[1].e, H.s[1].cfg.name, child), 0);
	h_run();
	cr_assert(h_log_contains("IKE_SA rekey request while a child exchange is unfinished: "
				 "TEMPORARY_FAILURE"));
	cr_assert(h_log_contains("while we rekey the IKE_SA: TEMPORARY_FAILURE"));
	cr_assert(h_log_contains("IKE_SA rekey failed: TEMPORARY_FAILURE"));
	cr_assert(h_log_contains("(rekey) refused by peer: TEMPORARY_FAILURE"));
	while (t < 10000 && (info_of(0).spi_i == before.spi_i || h_child_find(1, child))) {
		h_advance_ms(100);
		t += 100;
		h_run();
	}
	cr_log_info("both done after %llu ms", (unsigned long long)t);
	cr_assert_geq(t, 1000, "2.25: not retried at once");
	cr_assert_neq(info_of(0).spi_i, before.spi_i, "IKE SA rekeyed on retry");
	cr_assert(!h_child_find(1, child), "child rekeyed on retry");
	assert_one_ike_one_pair();
}

/* 2.25.2: the peer deletes the IKE SA while we rekey it: answered, no SA left anywhere. */
Test(rekey_collide, ike_rekey_crosses_delete)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
	h_run();
	h_advance_ms(70 * 1000);
	h_run();
	cr_assert_eq(info_of(0).n_ike_sas, 0);
	cr_assert_eq(info_of(1).n_ike_sas, 0);
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
}

/* Our IKE rekey was answered by the peer after it answered ours... and its Delete comes first. */
Test(rekey_collide, ike_collision_delete_before_refusal)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
	h_deliver_at(1); /* 1's request at 0: collision at side 0 */
	h_deliver_at(1); /* 0's response to 1: side 1 done, Delete(old) queued */
	cr_assert_eq(H.n, 2);
	h_deliver_at(1); /* the Delete of the old SA at 0, before 1's answer to 0's rekey */
	h_run();
	assert_one_ike_one_pair();
	cr_assert(!info_of(0).initiator, "side 1's rekey made the survivor");
}
