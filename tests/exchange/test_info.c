/* SPDX-License-Identifier: MIT */
/*
 * After establishment: CREATE_CHILD_SA for additional children with and without PFS,
 * INFORMATIONAL liveness checks from either side, DELETE of a child and of the IKE SA (the
 * data plane loses the children on both sides), INITIAL_CONTACT from a restarted peer, NAT
 * detection with floating to port 4500, and messages for IKE SAs we do not know (RFC 7296
 * 2.21.4: an unprotected INVALID_IKE_SPI for a request, nothing for a response).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "ike/proposal.h"

TestSuite(info, .init = h_setup, .fini = h_teardown);

static struct ike_conn_info info_of(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i;
}

static void ts4(struct ike_pld_ts *t, const char *start, const char *end)
{
	struct addr a, b;

	memset(t, 0, sizeof(*t));
	cr_assert_eq(addr_parse(&a, start, NULL, 0), 0);
	cr_assert_eq(addr_parse(&b, end, NULL, 0), 0);
	t->n_ts = 1;
	t->ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	t->ts[0].end_port = 65535;
	memcpy(t->ts[0].start, a.bytes, 4);
	memcpy(t->ts[0].end, b.bytes, 4);
}

/* The newest child of side 0 and its other end on side 1. */
static void newest_pair(struct h_child **c0, struct h_child **c1)
{
	*c0 = &H.s[0].children[H.s[0].n_children - 1];
	*c1 = h_child_find(1, (*c0)->sa.spi_out);
	cr_assert(*c1, "side 1 has no child for SPI %08x", (*c0)->sa.spi_out);
}

/* CREATE_CHILD_SA from side 0, its request being Message ID msgid. */
static size_t create_child_n(uint32_t msgid)
{
	struct ike_hdr h;
	size_t len;

	cr_assert_eq(ike_engine_conn_create_child(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(h.msgid, msgid);
	len = H.q[0].len;
	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(h.flags & IKE_FLAG_R, IKE_FLAG_R);
	h_deliver();
	cr_assert_eq(H.n, 0);
	return len;
}

static size_t create_child(void)
{
	return create_child_n(2);
}

Test(info, create_child_with_and_without_pfs)
{
	struct h_child *c0, *c1;
	size_t with_pfs, without_pfs;

	h_establish();
	with_pfs = create_child();
	cr_assert(h_log_contains("CREATE_CHILD_SA request sent (PFS)"));
	cr_assert_eq(h_children_live(0), 2);
	cr_assert_eq(h_children_live(1), 2);
	newest_pair(&c0, &c1);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	/* Not the first child's keys again. */
	cr_assert(memcmp(c0->enc_out->data, H.s[0].children[0].enc_out->data, c0->enc_out->len));

	/* The same policy without a DH group: no KE payload (96 bytes of ECP384) is sent. */
	cr_assert_eq(
		ike_suite_parse(&H.s[0].cfg.policy.esp.propose.s[0], IKE_PROTO_ESP, "aes256gcm16"),
		0);
	cr_assert_eq(h_configure(0), 0);
	without_pfs = create_child_n(3);
	cr_assert(h_log_contains("CREATE_CHILD_SA request sent (no PFS)"));
	cr_assert_geq(with_pfs, without_pfs + 96, "%zu vs %zu", with_pfs, without_pfs);
	cr_assert_eq(h_children_live(0), 3);
	newest_pair(&c0, &c1);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
	cr_assert_eq(info_of(0).n_children, 3);
	cr_assert_eq(info_of(1).n_children, 3);
}

Test(info, create_child_matrix_suite_without_pfs)
{
	struct h_child *c0, *c1;

	cr_assert_eq(ike_suite_parse(&H.s[0].cfg.policy.esp.propose.s[0], IKE_PROTO_ESP,
				     "aes128-sha256"),
		     0);
	h_establish();
	create_child();
	newest_pair(&c0, &c1);
	h_assert_child_pair(c0, c1);
	cr_assert_eq(c0->sa.encr, IKE_ENCR_AES_CBC);
	cr_assert_eq(c0->sa.integ, IKE_INTEG_HMAC_SHA2_256_128);
	h_assert_esp_works(c1, c0);
}

/* A responder whose custom policy demands PFS refuses a child without it; the IKE SA stays. */
Test(info, create_child_refused_without_required_pfs)
{
	struct ike_custom_policy custom = {"AES256",	"SHA384",    "ECP384",
					   "GCMAES256", "GCMAES256", "ECP384"};
	const char *why;

	cr_assert_eq(ike_policy_custom(&H.s[1].cfg.policy, &custom, &why), 0, "%s", why);
	cr_assert_eq(
		ike_suite_parse(&H.s[0].cfg.policy.esp.propose.s[0], IKE_PROTO_ESP, "aes256gcm16"),
		0);
	h_establish();
	create_child();
	cr_assert(h_log_contains("CREATE_CHILD_SA refused by peer: NO_PROPOSAL_CHOSEN"));
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

Test(info, liveness_check_from_either_side)
{
	struct ike_hdr h;

	h_establish();
	for (int side = 0; side < 2; side++) {
		cr_assert_eq(ike_engine_conn_check_liveness(H.s[side].e, H.s[side].cfg.name), 0);
		cr_assert_eq(H.n, 1);
		h = h_hdr(0);
		cr_assert_eq(h.exchange, IKE_EXCH_INFORMATIONAL);
		cr_assert_eq(h.flags & IKE_FLAG_R, 0);
		cr_assert_eq(h.flags & IKE_FLAG_I, side == 0 ? IKE_FLAG_I : 0);
		/* Each side numbers its own requests: 2 after INIT and AUTH, 0 for the responder.
		 */
		cr_assert_eq(h.msgid, side == 0 ? 2u : 0u);
		h_deliver();
		cr_assert_eq(H.n, 1);
		h = h_hdr(0);
		cr_assert_eq(h.flags & IKE_FLAG_R, IKE_FLAG_R);
		h_deliver();
		cr_assert_eq(H.n, 0);
		/* Answered: nothing is retransmitted. */
		h_advance_ms(5000);
		cr_assert_eq(H.n, 0);
	}
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
}

Test(info, delete_child_from_the_responder)
{
	struct h_child *first0 = &H.s[0].children[0], *c0, *c1;
	uint32_t first_spi1;

	h_establish();
	first_spi1 = first0->sa.spi_out;
	create_child();
	newest_pair(&c0, &c1);
	cr_assert_eq(ike_engine_conn_delete_child(H.s[1].e, H.s[1].cfg.name, first_spi1), 0);
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0,
		     "a second request is queued");
	cr_assert_eq(H.n, 1, "window 1: one request at a time, the liveness check waits");
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert(first0->removed, "the initiator removed its end on the Delete");
	h_deliver();
	cr_assert(!h_child_find(1, first_spi1), "the responder removed its end on the answer");
	cr_assert_eq(H.n, 1, "the queued liveness check went out once the window was free");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_INFORMATIONAL);
	h_run();
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
	cr_assert(!c0->removed && !c1->removed, "the other child stays");
	cr_assert_eq(info_of(0).n_children, 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

Test(info, delete_unknown_child_is_refused_locally)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_delete_child(H.s[0].e, H.s[0].cfg.name, 0xdeadbeef), -ENOENT);
	cr_assert_eq(H.n, 0);
}

Test(info, delete_ike_sa_removes_children_on_both_sides)
{
	h_establish();
	create_child();
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(h_children_live(0), 0, "the deleting side removes its children at once");
	h_deliver();
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(H.s[1].n_removed, 2);
	cr_assert_eq(H.s[1].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[1].reason, "deleted by the peer"), "%s", H.s[1].reason);
	cr_assert_eq(info_of(1).n_ike_sas, 0);
	h_deliver();
	cr_assert_eq(info_of(0).n_ike_sas, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert_eq(H.n, 0);
}

Test(info, initial_contact_clears_stale_sas)
{
	struct ike_conn_info before, after;

	h_establish();
	before = info_of(1);
	h_restart(0); /* the initiator crashes: the responder still holds the old SA */
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(ike_engine_conn_initiate(H.s[0].e, H.s[0].cfg.name), 0);
	h_deliver();
	h_deliver();
	cr_assert_eq(info_of(1).n_ike_sas, 2, "old and half-open new SA");
	h_run();
	after = info_of(1);
	cr_assert_eq(after.n_ike_sas, 1, "INITIAL_CONTACT removed the stale SA");
	cr_assert_neq(after.spi_i, before.spi_i);
	cr_assert_eq(after.n_children, 1);
	cr_assert_eq(H.s[1].n_removed, 1, "the stale child left the data plane");
	cr_assert(!h_child_find(1, before.child_spi_in[0]));
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	cr_assert(h_log_contains("INITIAL_CONTACT: dropping stale IKE_SA"));
	h_assert_child_pair(&H.s[0].children[H.s[0].n_children - 1],
			    h_child_find(1, after.child_spi_in[0]));
}

Test(info, nat_detected_floats_to_4500)
{
	struct ike_conn_info i0, i1;
	struct h_child *c0, *c1;

	H.nat_offset = 1000; /* side 0 sits behind a NAPT */
	h_start();
	h_deliver();
	h_deliver();
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	cr_assert_eq(H.q[0].ep.local_port, IKE_NATT_PORT, "IKE_AUTH leaves from 4500");
	cr_assert_eq(H.q[0].ep.peer_port, IKE_NATT_PORT);
	h_deliver();
	cr_assert_eq(H.q[0].ep.local_port, IKE_NATT_PORT);
	cr_assert_eq(H.q[0].ep.peer_port, IKE_NATT_PORT + 1000, "answered at the NAT's port");
	h_deliver();
	i0 = info_of(0);
	i1 = info_of(1);
	cr_assert(i0.nat_detected && i1.nat_detected);
	cr_assert(h_log_contains("NAT detected: the peer is behind a NAT"));
	cr_assert(h_log_contains("NAT detected: we are behind a NAT"));
	cr_assert(h_log_contains("floating to port 4500"));
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	cr_assert(strstr(H.s[1].reason, "NAT"), "%s", H.s[1].reason);
	c0 = &H.s[0].children[0];
	c1 = &H.s[1].children[0];
	h_assert_child_pair(c0, c1);
	cr_assert(c0->sa.udp_encap && c1->sa.udp_encap, "ESP in UDP (RFC 3948)");
	cr_assert_eq(c1->sa.ep.peer_port, IKE_NATT_PORT + 1000);
	cr_assert_eq(c0->sa.ep.local_port, IKE_NATT_PORT);
	/* Later exchanges stay on 4500. */
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(H.q[0].ep.peer_port, IKE_NATT_PORT + 1000);
	h_run();
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
}

Test(info, no_nat_no_encapsulation)
{
	h_establish();
	cr_assert(!info_of(0).nat_detected && !info_of(1).nat_detected);
	cr_assert(!H.s[0].children[0].sa.udp_encap);
	cr_assert(!h_log_contains("NAT detected"));
}

Test(info, unknown_spi_request_gets_unprotected_invalid_ike_spi)
{
	struct ike_hdr req, h;

	h_establish();
	h_restart(0); /* side 0 forgot everything */
	H.s[0].cfg.initiate = false;
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	req = h_hdr(0);
	h_deliver();
	cr_assert_eq(H.n, 1, "2.21.4: a request may be answered");
	h = h_hdr(0);
	cr_assert_eq(h.next, IKE_PLD_NOTIFY, "unprotected: no SK payload");
	cr_assert(h_has_notify(0, IKE_N_INVALID_IKE_SPI));
	cr_assert_eq(h.spi_i, req.spi_i);
	cr_assert_eq(h.spi_r, req.spi_r);
	cr_assert_eq(h.msgid, req.msgid);
	cr_assert_eq(h.flags & IKE_FLAG_R, IKE_FLAG_R);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->unknown_spi, 1);
	/* The unprotected answer proves nothing: side 1 does not act on it. */
	h_deliver();
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
	cr_assert_eq(h_children_live(1), 1);
}

Test(info, unknown_spi_response_is_not_answered)
{
	h_establish();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	h_deliver();
	h_restart(0);
	cr_assert_eq(H.n, 1);
	h_deliver(); /* a response for an SA side 0 no longer has */
	cr_assert_eq(H.n, 0);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->unknown_spi, 1);
}

Test(info, garbage_is_dropped_and_counted)
{
	static const uint8_t junk[40] = {1, 2, 3};
	struct ike_endpoint ep = {.local_port = IKE_PORT, .peer_port = IKE_PORT};

	ep.local = H.s[1].cfg.local;
	ep.peer = H.s[1].cfg.peer;
	cr_assert_eq(h_configure(1), 0);
	ike_engine_input(H.s[1].e, &ep, junk, sizeof(junk));
	ike_engine_input(H.s[1].e, &ep, junk, 3);
	cr_assert_eq(H.n, 0);
	cr_assert_eq(ike_engine_stats(H.s[1].e)->malformed, 2);
}

/* A tampered IKE_AUTH fails its ICV: dropped, not answered; the real one still works. */
Test(info, tampered_message_dropped_then_retransmission_succeeds)
{
	h_start();
	h_deliver();
	h_deliver();
	h_duplicate(0);
	H.q[0].data[H.q[0].len - 1] ^= 0x40;
	h_deliver();
	cr_assert_eq(H.n, 1, "only the good copy is left");
	cr_assert_eq(ike_engine_stats(H.s[1].e)->bad_icv, 1);
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

/* 2.3: with a request outstanding, our Delete waits for its answer and takes the next ID. */
Test(info, delete_ike_sa_waits_for_the_outstanding_request)
{
	struct ike_hdr h;

	h_establish();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(H.n, 1, "only the liveness check is in flight");
	cr_assert_eq(h_hdr(0).msgid, 2);
	h_deliver();
	h_deliver(); /* its answer releases the Delete */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_INFORMATIONAL);
	cr_assert_eq(h.msgid, 3);
	h_run();
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(info_of(0).n_ike_sas, 0);
	cr_assert_eq(info_of(1).n_ike_sas, 0);
	cr_assert(strstr(H.s[1].reason, "deleted by the peer"), "%s", H.s[1].reason);
}

Test(info, responder_status_changes_only_once_the_peer_is_authenticated)
{
	unsigned int n_status;

	h_start();
	n_status = H.s[1].n_status;
	h_deliver(); /* IKE_SA_INIT: unauthenticated, anyone may send it from the peer's address */
	cr_assert_eq(H.s[1].status, IKE_CONN_NOT_CONNECTED);
	cr_assert_eq(H.s[1].n_status, n_status, "no status change from an IKE_SA_INIT");
	h_run();
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED);
}

/* 1.3: the responder wants ECP384 for PFS, our KE was Curve25519: one retry with its group. */
Test(info, create_child_invalid_ke_retry)
{
	struct ike_custom_policy custom = {"AES256",	"SHA384",    "ECP384",
					   "GCMAES256", "GCMAES256", "ECP384"};
	struct ike_suite_list *l = &H.s[0].cfg.policy.esp.propose;
	struct h_child *c0, *c1;
	const char *why;

	cr_assert_eq(ike_policy_custom(&H.s[1].cfg.policy, &custom, &why), 0, "%s", why);
	l->n = 2;
	cr_assert_eq(ike_suite_parse(&l->s[0], IKE_PROTO_ESP, "aes256gcm16-x25519"), 0);
	cr_assert_eq(ike_suite_parse(&l->s[1], IKE_PROTO_ESP, "aes256gcm16-ecp384"), 0);
	h_keylog_enable();
	h_establish();
	cr_assert_eq(ike_engine_conn_create_child(H.s[0].e, H.s[0].cfg.name), 0);
	h_deliver();
	cr_assert(h_inner_notify(0, IKE_N_INVALID_KE_PAYLOAD));
	h_deliver();
	cr_assert_eq(H.n, 1, "retried at once");
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_CREATE_CHILD_SA);
	cr_assert_eq(h_hdr(0).msgid, 3);
	cr_assert(h_log_contains("INVALID_KE_PAYLOAD, retried with"));
	h_run();
	cr_assert_eq(h_children_live(0), 2);
	cr_assert_eq(h_children_live(1), 2);
	newest_pair(&c0, &c1);
	h_assert_child_pair(c0, c1);
	h_assert_esp_works(c0, c1);
}

Test(info, create_child_ts_unacceptable)
{
	h_keylog_enable();
	h_establish();
	ts4(&H.s[1].cfg.ts_remote, "10.0.0.0", "10.255.255.255");
	cr_assert_eq(h_configure(1), 0);
	ts4(&H.s[0].cfg.ts_local, "192.168.0.0", "192.168.255.255");
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(ike_engine_conn_create_child(H.s[0].e, H.s[0].cfg.name), 0);
	h_deliver();
	cr_assert(h_inner_notify(0, IKE_N_TS_UNACCEPTABLE));
	h_deliver();
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "the IKE SA and first child stay");
}

/* 2.25: an SA being deleted takes no new children: TEMPORARY_FAILURE. */
Test(info, create_child_on_a_deleting_sa_is_refused)
{
	h_keylog_enable();
	h_establish();
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_delete_ike(H.s[0].e, H.s[0].cfg.name), 0);
	cr_assert_eq(ike_engine_conn_create_child(H.s[1].e, H.s[1].cfg.name), 0);
	cr_assert_eq(H.n, 2);
	h_deliver_at(1);
	cr_assert_eq(H.n, 2);
	cr_assert(h_inner_notify(1, IKE_N_TEMPORARY_FAILURE));
	h_run();
	cr_assert_eq(h_children_live(0), 0);
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(info_of(0).n_ike_sas, 0);
	cr_assert_eq(info_of(1).n_ike_sas, 0);
}

/* INVALID_IKE_SPI answers are bounded (10 a second): we are no traffic reflector. */
Test(info, invalid_ike_spi_answers_are_rate_limited)
{
	unsigned int answers = 0;

	h_establish();
	h_restart(0);
	H.s[0].cfg.initiate = false;
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(ike_engine_conn_check_liveness(H.s[1].e, H.s[1].cfg.name), 0);
	for (int i = 0; i < 20; i++)
		h_duplicate(0);
	while (H.n) {
		if (H.q[0].from == 0)
			answers++;
		if (H.q[0].from == 1)
			h_deliver();
		else
			h_drop(0);
	}
	cr_assert_eq(answers, 10);
	cr_assert_eq(ike_engine_stats(H.s[0].e)->unknown_spi, 21);
}
