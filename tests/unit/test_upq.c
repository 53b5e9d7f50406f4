/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the upcall lanes of src/dp/chan.c (issue 14): a flood into one lane fills only
 * that lane; the control side takes the lanes in turn, so a peer's IKE waiting behind a flood
 * is among the next few taken; a lane goes with its connection, and drops are counted per kind.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "dp/dp_impl.h"

static struct dp_upcall u;

static void put_ike(struct dp_upq *q, uint32_t peer_id, uint8_t mark, bool want)
{
	u.kind = DP_UPCALL_IKE;
	u.len = 1;
	u.data[0] = mark;
	cr_assert_eq(dp_upq_put(q, peer_id, &u, 1), want, "put mark %u into lane %u", mark,
		     peer_id);
}

Test(upq, a_flood_fills_its_own_lane_and_the_lanes_are_served_in_turn)
{
	struct dp_upq q;
	struct dp_upq_drops d;
	struct dp_upcall out;
	int strangers = 0, peer1 = 0, peer2 = 0, order_of_peer2 = -1;

	cr_assert_eq(dp_upq_init(&q), 0);
	cr_assert_eq(dp_upq_lane_add(&q, 1), 0);
	cr_assert_eq(dp_upq_lane_add(&q, 2), 0);
	/* A flood from strangers: its lane takes DP_UPQ_SHARED_SLOTS, then drops. */
	for (int i = 0; i < 1000; i++)
		put_ike(&q, 0, 0xee, i < DP_UPQ_SHARED_SLOTS);
	/* Connection 1's peer floods too: its lane takes DP_UPQ_PEER_SLOTS. */
	for (int i = 0; i < 50; i++)
		put_ike(&q, 1, 0x01, i < DP_UPQ_PEER_SLOTS);
	/* Connection 2's peer sends one message (a DPD answer, a rekey): it has room. */
	put_ike(&q, 2, 0x02, true);
	/* An unknown connection id (gone meanwhile) waits with the strangers (full now). */
	put_ike(&q, 99, 0x99, false);
	dp_upq_drops(&q, &d);
	cr_assert_eq(d.strangers, 1000 - DP_UPQ_SHARED_SLOTS + 1);
	cr_assert_eq(d.peers, 50 - DP_UPQ_PEER_SLOTS);
	for (int n = 0; dp_upq_next(&q, &out) == 0; n++) {
		switch (out.data[0]) {
		case 0xee:
			strangers++;
			break;
		case 0x01:
			peer1++;
			break;
		case 0x02:
			peer2++;
			order_of_peer2 = n;
			break;
		default:
			cr_assert_fail("mark %u", out.data[0]);
		}
	}
	cr_assert_eq(strangers, DP_UPQ_SHARED_SLOTS);
	cr_assert_eq(peer1, DP_UPQ_PEER_SLOTS);
	cr_assert_eq(peer2, 1);
	cr_assert_lt(order_of_peer2, 3, "served in turn: connection 2's is among the first three");
	/* Lane 2 gone with its connection: what it holds goes, new ones wait with strangers. */
	put_ike(&q, 2, 0x02, true);
	dp_upq_lane_del(&q, 2);
	cr_assert_eq(dp_upq_next(&q, &out), -EAGAIN, "a deleted lane's upcalls went with it");
	put_ike(&q, 2, 0x02, true);
	cr_assert_eq(dp_upq_next(&q, &out), 0);
	/* Events have a lane of their own. */
	u.kind = DP_UPCALL_SA_LIFE;
	for (int i = 0; i < DP_UPQ_SHARED_SLOTS; i++)
		cr_assert(dp_upq_put(&q, 0, &u, 0));
	cr_assert(!dp_upq_put(&q, 0, &u, 0));
	dp_upq_drops(&q, &d);
	cr_assert_eq(d.events, 1);
	dp_upq_fini(&q);
}
