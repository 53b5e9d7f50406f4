/* SPDX-License-Identifier: MIT */
/*
 * CHILD_SA rekeying (RFC 7296 1.3.3, 2.8), stepping message by message: by the original
 * initiator and by the responder; the data plane sees the new inbound SA on both sides before
 * either sends on it, the responder switches its outbound SA only when the old child's Delete
 * arrives, and the old SAs go last. Triggers: the soft time lifetime (90 % minus up to 5 %
 * jitter), the data plane's soft byte/packet event, and the hard lifetime, which deletes. A lost
 * response is recovered by retransmission without a second child. Without ESN the data plane is
 * told to ask for a rekey long before the 32-bit sequence number wraps; with ESN it rolls on.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "esp/esp.h"
#include "esp/esp_testing.h"
#include "esp/sad.h"
#include "harness.h"
#include "ike/proposal.h"
#include "support/pkt.h"

TestSuite(rekey_child, .init = h_setup_without_dpd, .fini = h_teardown);

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

/* One IKE SA and one child pair on each side, the same SPIs, working ESP, nothing lost. */
static void assert_one_pair(void)
{
	struct h_child *c0 = only_child(0), *c1 = only_child(1);
	struct ike_conn_info i0, i1;

	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	cr_assert_eq(H.s[0].out_spi, c0->sa.spi_out, "side 0 sends on %08x, its child is %08x",
		     H.s[0].out_spi, c0->sa.spi_out);
	cr_assert_eq(H.s[1].out_spi, c1->sa.spi_out, "side 1 sends on %08x, its child is %08x",
		     H.s[1].out_spi, c1->sa.spi_out);
	cr_assert_eq(ike_engine_conn_info(H.s[0].e, H.s[0].cfg.name, &i0), 0);
	cr_assert_eq(ike_engine_conn_info(H.s[1].e, H.s[1].cfg.name, &i1), 0);
	cr_assert_eq(i0.n_ike_sas, 1);
	cr_assert_eq(i1.n_ike_sas, 1);
	cr_assert_eq(i0.spi_i, i1.spi_i);
	cr_assert_eq(i0.spi_r, i1.spi_r);
	cr_assert_eq(i0.n_children, 1);
	cr_assert_eq(i1.n_children, 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	for (int s = 0; s < 2; s++)
		cr_assert_eq(H.s[s].mbb_violations, 0, "%s", H.s[s].mbb_why);
}

/* On side s: new's inbound, then its outbound, then the old child's removal. */
static void assert_make_before_break(int s, uint32_t old_in, uint32_t new_in)
{
	int in = h_op_index(s, H_OP_INSTALL_IN, new_in);
	int out = h_op_index(s, H_OP_INSTALL_OUT, new_in);
	int rm = h_op_index(s, H_OP_REMOVE, old_in);

	cr_assert(in >= 0 && out >= 0 && rm >= 0, "side %d: ops %d %d %d", s, in, out, rm);
	cr_assert(in <= out && out < rm, "side %d: install in %d, out %d, remove old %d", s, in,
		  out, rm);
}

/*
 * Side r rekeys its (only) child by hand, message by message, checking every step. Returns
 * the new child's inbound SPI on side r.
 */
static uint32_t rekey_by(int r)
{
	int p = 1 - r;
	struct h_child *old_r = only_child(r), *old_p = only_child(p);
	uint32_t old_r_in = old_r->sa.spi_in, old_p_in = old_p->sa.spi_in;
	struct h_child *new_r, *new_p;
	struct ike_hdr h;

	cr_assert_eq(ike_engine_conn_rekey_child(H.s[r].e, H.s[r].cfg.name, old_r_in), 0);
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[r].e, H.s[r].cfg.name, old_r_in), -EALREADY,
		     "a child being rekeyed is not rekeyed twice");
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(h.flags & IKE_FLAG_R, 0);
	h_deliver();
	/* The responder: new inbound SA installed, still sending on the old one. */
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_children_live(p), 2);
	cr_assert_eq(H.s[p].out_spi, old_p->sa.spi_out, "responder switched outbound too early");
	h_deliver();
	/* The initiator: the new pair in both directions, then the Delete of the old child. */
	cr_assert_eq(h_children_live(r), 2);
	new_r = &H.s[r].children[H.s[r].n_children - 1];
	new_p = h_child_find(p, new_r->sa.spi_out);
	cr_assert(new_p, "the responder has no child with SPI %08x", new_r->sa.spi_out);
	h_assert_child_pair(new_r, new_p);
	cr_assert_neq(new_r->sa.spi_in, old_r_in);
	cr_assert_neq(new_p->sa.spi_in, old_p_in);
	cr_assert(memcmp(new_r->enc_out->data, old_r->enc_out->data, new_r->enc_out->len) != 0,
		  "fresh keys");
	cr_assert_eq(H.s[r].out_spi, new_r->sa.spi_out, "initiator sends on the new SA at once");
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_INFORMATIONAL);
	h_deliver();
	/* The responder got the Delete: outbound switched first, then the old child went. */
	cr_assert_eq(H.s[p].out_spi, new_p->sa.spi_out);
	cr_assert(!h_child_find(p, old_p_in));
	cr_assert(h_child_find(r, old_r_in), "the initiator keeps the old inbound SA until "
					     "the Delete is answered");
	h_deliver();
	cr_assert(!h_child_find(r, old_r_in));
	cr_assert_eq(H.n, 0);
	assert_make_before_break(r, old_r_in, new_r->sa.spi_in);
	assert_make_before_break(p, old_p_in, new_p->sa.spi_in);
	assert_one_pair();
	return new_r->sa.spi_in;
}

Test(rekey_child, by_the_original_initiator)
{
	char line[128];
	uint32_t old_in, old_out;

	h_keylog_enable();
	h_establish();
	old_in = only_child(0)->sa.spi_in;
	old_out = only_child(0)->sa.spi_out;
	cr_assert_eq(ike_engine_conn_rekey_child(H.s[0].e, H.s[0].cfg.name, old_in), 0);
	cr_assert(h_inner_notify(0, IKE_N_REKEY_SA), "1.3.3: the request carries REKEY_SA");
	h_run();
	assert_one_pair();
	cr_assert_neq(only_child(0)->sa.spi_in, old_in);
	/* Logged in the IKE category with old and new SPIs and why. */
	snprintf(line, sizeof(line), "rekeying CHILD_SA %08x/", old_in);
	cr_assert(h_log_contains(line));
	cr_assert(h_log_contains("(requested)"));
	snprintf(line, sizeof(line), "CHILD_SA %08x/%08x rekeyed -> %08x/%08x (by us, requested)",
		 old_in, old_out, only_child(0)->sa.spi_in, only_child(0)->sa.spi_out);
	cr_assert(h_log_contains(line), "no line '%s'", line);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->child_rekeys, 1);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->child_rekeys, 1);
}

Test(rekey_child, step_by_step_from_either_side_and_again)
{
	h_establish();
	rekey_by(0);
	rekey_by(1);
	rekey_by(1);
	rekey_by(0);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->child_rekeys, 4);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->child_rekeys, 4);
}

Test(rekey_child, without_pfs_keys_still_fresh)
{
	cr_assert_eq(
		ike_suite_parse(&H.s[0].cfg.policy.esp.propose.s[0], IKE_PROTO_ESP, "aes256gcm16"),
		0);
	h_establish();
	rekey_by(0);
	cr_assert(h_log_contains("(rekey, no PFS)"));
}

/* Advance in steps of step_ms until a request is in flight; the time it took, in ms. */
static uint64_t wait_for_request(uint64_t limit_ms, uint64_t step_ms)
{
	uint64_t t = 0;

	while (H.n == 0 && t < limit_ms) {
		h_advance_ms(step_ms);
		t += step_ms;
	}
	cr_assert_eq(H.n, 1, "nothing sent within %llu ms", (unsigned long long)limit_ms);
	return t;
}

/* 2.8: soft lifetime at 90 % minus up to 5 % jitter, by the side with the shorter lifetime. */
Test(rekey_child, soft_lifetime_with_jitter_then_again)
{
	uint64_t t;

	H.s[0].cfg.child_lifetime_s = 1000;
	H.s[1].cfg.child_lifetime_s = 2000;
	h_establish();
	t = wait_for_request(1000 * 1000, 100);
	cr_log_info("first rekey after %llu ms", (unsigned long long)t);
	cr_assert_geq(t, 850 * 1000, "%llu ms", (unsigned long long)t);
	cr_assert_leq(t, 900 * 1000, "%llu ms", (unsigned long long)t);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(H.q[0].from, 0, "the side with the shorter lifetime");
	h_run();
	assert_one_pair();
	cr_assert(h_log_contains("(by us, lifetime)"));
	/* The new child has a lifetime of its own, counted from its creation. */
	t = wait_for_request(1000 * 1000, 100);
	cr_assert(t >= 850 * 1000 && t <= 900 * 1000, "%llu ms", (unsigned long long)t);
	h_run();
	assert_one_pair();
	cr_assert_eq(ike_engine_stats(H.s[1].e)->child_rekeys, 2);
}

/* Jitter 0: exactly at 90 %, which is what a peer with the same numbers does too. */
Test(rekey_child, soft_lifetime_without_jitter_is_exact)
{
	H.s[0].cfg.child_lifetime_s = 20;
	H.s[0].cfg.rekey_jitter_pct = 0;
	H.s[1].cfg.child_lifetime_s = 40;
	h_establish();
	h_advance_ms(18000 - 1);
	cr_assert_eq(H.n, 0);
	h_advance_ms(1);
	cr_assert_eq(H.n, 1, "rekey at 18 s of a 20 s lifetime");
	h_run();
	assert_one_pair();
}

/* The data plane's soft byte/packet event rekeys at once; its hard event deletes. */
Test(rekey_child, data_plane_limits)
{
	struct h_child *c0;
	uint32_t old;

	h_establish();
	c0 = only_child(0);
	old = c0->sa.spi_in;
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, H.s[0].cfg.name, 0x1234, ESP_DIR_OUT, ESP_LIFE_SOFT), -ENOENT);
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, H.s[0].cfg.name, c0->sa.spi_out, ESP_DIR_OUT, ESP_LIFE_SOFT), 0);
	cr_assert_eq(H.n, 1, "soft limit: rekey request sent");
	cr_assert(h_log_contains("(soft byte/packet lifetime)"));
	/* The inbound SA's event for the same child does not start a second rekey. */
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, H.s[0].cfg.name, old, ESP_DIR_IN, ESP_LIFE_SOFT), 0);
	cr_assert_eq(H.n, 1);
	h_run();
	assert_one_pair();
	cr_assert(!h_child_find(0, old));

	c0 = only_child(0);
	cr_assert_eq(ike_engine_sa_life(H.s[1].e, H.s[1].cfg.name, c0->sa.spi_out, ESP_DIR_IN, ESP_LIFE_HARD), 0);
	cr_assert_eq(H.n, 1, "hard limit: Delete sent");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_INFORMATIONAL);
	h_run();
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
	cr_assert(h_log_contains("hard byte/packet lifetime reached"));
}

/* Rekeys keep being refused: at the hard lifetime the child is deleted (RFC 4301 4.4.2.1). */
Test(rekey_child, hard_lifetime_deletes)
{
	struct ike_custom_policy custom = {"AES256",	"SHA384",    "ECP384",
					   "GCMAES256", "GCMAES256", "ECP384"};
	const char *why;
	uint64_t t = 0;

	/* Side 1 demands PFS, side 0 offers none: every rekey gets NO_PROPOSAL_CHOSEN. */
	cr_assert_eq(ike_policy_custom(&H.s[1].cfg.policy, &custom, &why), 0, "%s", why);
	H.s[0].cfg.policy.esp.propose.s[0].dh = 0;
	H.s[0].cfg.child_lifetime_s = 100;
	H.s[1].cfg.child_lifetime_s = 1000;
	h_establish();
	while (h_children_live(0) > 0 && t < 101 * 1000) {
		h_advance_ms(100);
		t += 100;
		h_run();
	}
	cr_log_info("child gone after %llu ms", (unsigned long long)t);
	cr_assert_geq(t, 100 * 1000);
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0, "the peer was told");
	cr_assert(h_log_contains("refused by peer: NO_PROPOSAL_CHOSEN"));
	cr_assert(h_log_contains("retrying in about"));
	cr_assert(h_log_contains("reached its hard lifetime, deleting"));
}

/* 2.1: the response to the rekey is lost; the retransmission is answered from the cache. */
Test(rekey_child, lost_response_recovered_without_a_second_child)
{
	struct h_pkt req;
	unsigned int installed;

	h_establish();
	cr_assert_eq(
		ike_engine_conn_rekey_child(H.s[0].e, H.s[0].cfg.name, only_child(0)->sa.spi_in),
		0);
	req = H.q[0];
	h_deliver();
	installed = H.s[1].n_children;
	h_drop(0); /* the response */
	h_advance_ms(2000);
	cr_assert_eq(H.n, 1, "retransmitted");
	cr_assert(memcmp(H.q[0].data, req.data, req.len) == 0);
	h_deliver();
	cr_assert_eq(H.s[1].n_children, installed, "not processed twice");
	cr_assert_eq(ike_engine_stats(H.s[1].e)->retransmits_answered, 1);
	h_run();
	assert_one_pair();
}

/* The request is lost twice; the rekey completes on the third try. */
Test(rekey_child, lost_requests_retransmitted)
{
	h_establish();
	cr_assert_eq(
		ike_engine_conn_rekey_child(H.s[1].e, H.s[1].cfg.name, only_child(1)->sa.spi_in),
		0);
	h_drop(0);
	h_advance_ms(2000);
	h_drop(0);
	h_advance_ms(4000);
	cr_assert_eq(H.n, 1);
	h_run();
	assert_one_pair();
}

/* Without ESN: a rekey is asked for 2^29 packets before the counter would wrap. */
Test(rekey_child, sequence_number_limits)
{
	struct esp_sa_params p;
	struct h_child *c0, *c1;

	h_establish();
	c0 = only_child(0);
	c1 = only_child(1);
	cr_assert(!c0->sa.esn);
	cr_assert_eq(ike_child_sa_esp_params(&c0->sa, ESP_DIR_OUT, &p), 0);
	cr_assert_eq(p.life.soft_packets, (1ull << 32) - 1 - (1ull << 29));
	cr_assert_eq(p.life.hard_packets, UINT32_MAX);
	cr_assert_lt(p.life.soft_packets, p.life.hard_packets);
	cr_assert_eq(ike_child_sa_esp_params(&c1->sa, ESP_DIR_IN, &p), 0);
	cr_assert_eq(p.life.soft_packets, IKE_CHILD_SOFT_PACKETS);
	/* With ESN the counter is 64 bits: no packet limit. */
	c0->sa.esn = c1->sa.esn = true;
	cr_assert_eq(ike_child_sa_esp_params(&c0->sa, ESP_DIR_OUT, &p), 0);
	cr_assert_eq(p.life.soft_packets, 0);
	cr_assert_eq(p.life.hard_packets, 0);
}

/* With ESN negotiated, SAs built as the data plane builds them carry traffic past 2^32. */
Test(rekey_child, esn_rolls_past_2_32)
{
	static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 1, 0, 1};
	struct esp_sa_params po, pi;
	struct esp_sa *out = NULL, *in = NULL;
	struct esp_sad *sad = esp_sad_new();
	struct h_child *c0, *c1;
	uint8_t mem[2048];
	struct buf b;

	cr_assert_eq(ike_suite_parse(&H.s[0].cfg.policy.esp.propose.s[0], IKE_PROTO_ESP,
				     "aes256gcm16-ecp384-esn"),
		     0);
	h_establish();
	c0 = only_child(0);
	c1 = only_child(1);
	cr_assert(c0->sa.esn && c1->sa.esn, "ESN negotiated");
	rekey_by(0);
	c0 = only_child(0);
	c1 = only_child(1);
	cr_assert(c0->sa.esn, "and kept on rekey");
	cr_assert_eq(ike_child_sa_esp_params(&c0->sa, ESP_DIR_OUT, &po), 0);
	cr_assert_eq(ike_child_sa_esp_params(&c1->sa, ESP_DIR_IN, &pi), 0);
	cr_assert_eq(esp_sa_new(&out, &po), 0);
	cr_assert_eq(esp_sa_new(&in, &pi), 0);
	cr_assert_eq(esp_sad_add(sad, in), 0);
	esp_sa_test_set_seq(out, UINT32_MAX - 2);
	esp_sa_test_mark_received(in, UINT32_MAX - 2);
	for (int i = 0; i < 5; i++) {
		struct esp_result res;

		cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), 64, 0), 0);
		cr_assert_eq(pkt_icmp4_echo(&b, src, dst, 7, (uint16_t)i, 56), 0);
		cr_assert_eq(esp_encap(out, &b, NULL, &res), 0, "encap %d: %s", i,
			     esp_drop_name(res.drop));
		cr_assert_eq(res.life_event, ESP_LIFE_OK);
		cr_assert_eq(esp_decap(sad, &b, NULL, &res), 0, "decap %d: %s", i,
			     esp_drop_name(res.drop));
		cr_assert_eq(res.seq, (uint64_t)UINT32_MAX - 1 + (uint64_t)i);
	}
	cr_assert_gt(esp_sa_seq(out), (uint64_t)UINT32_MAX);
	esp_sa_free(out);
	esp_sad_free(sad);
}
