/* SPDX-License-Identifier: MIT */
/*
 * Issue 14: a tenant controls its own device, so its peer may do anything RFC 7296 does not
 * forbid, and things it does. Side 0 is the gateway; side 1 plays the attacking site, with its
 * own limits raised (or forged messages, h_forge) to do what our engine would not:
 *   1. CHILD_SAs beyond the connection's share: NO_ADDITIONAL_SAS, the gateway holds its limit;
 *   2. CREATE_CHILD_SA requests faster than the bucket: TEMPORARY_FAILURE until it refills;
 *   3. IKE rekeys without deleting the old SAs: at most ike_sas_per_conn, the superseded ones
 *      retired after IKE_REDUNDANT_GRACE_S instead of their lifetime;
 *   4. a lifetime event is found through its connection only (outbound SPIs are the peer's);
 *   5. a spoofed IKE_SA_INIT with a proposal nobody accepts changes nothing of a Connected
 *      connection (status, its reason, its SAs), and is counted;
 *   6. a Delete of more than 16 children is answered with all of ours (it was cut at 16);
 *      an INFORMATIONAL from a responder that has not authenticated yet is ignored.
 * Each asserts the victim (the established SA, its children, the status) untouched.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/dh.h"
#include "harness.h"
#include "ike/msg.h"
#include "ike/proposal.h"
#include "ike/sa.h"
#include "lib/clock.h"

TestSuite(attack, .init = h_setup_without_dpd, .fini = h_teardown);

static struct ike_conn_info info_of(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i;
}

/* Side 1, the attacker, may ask for anything (its engine would otherwise hold itself back). */
static void attacker_unlimited(void)
{
	struct ike_engine_limits l = {.children_per_conn = 1000,
				      .ike_sas_per_conn = 1000,
				      .peer_creates_burst = 1000,
				      .peer_creates_per_min = 1000};

	ike_engine_set_limits(H.s[1].e, &l);
}

/* The first child pair, for checking that ESP still works at the end. */
static void first_pair(struct h_child **c0, struct h_child **c1)
{
	*c0 = &H.s[0].children[0];
	*c1 = h_child_find(1, (*c0)->sa.spi_out);
	cr_assert(*c1);
}

Test(attack, children_beyond_the_connections_share_are_refused)
{
	const struct ike_engine_limits *l = ike_engine_limits(H.s[0].e);
	struct h_child *c0, *c1;

	attacker_unlimited();
	h_establish();
	first_pair(&c0, &c1);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(ike_engine_conn_create_child(H.s[1].e, H.s[1].cfg.name), 0);
		h_run();
	}
	cr_assert_eq(h_children_live(0), l->children_per_conn,
		     "the gateway holds %u CHILD_SAs, its limit", l->children_per_conn);
	cr_assert_eq(info_of(0).refused.children, 8 - (l->children_per_conn - 1));
	cr_assert(h_log_contains("NO_ADDITIONAL_SAS"));
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	h_assert_esp_works(c0, c1);
}

Test(attack, create_child_requests_are_rate_limited)
{
	struct ike_engine_limits gw = {.children_per_conn = 100};
	const struct ike_engine_limits *l = ike_engine_limits(H.s[0].e);
	unsigned int burst;

	ike_engine_set_limits(H.s[0].e, &gw);
	burst = l->peer_creates_burst;
	attacker_unlimited();
	h_establish();
	for (unsigned int i = 0; i < burst + 5; i++) {
		cr_assert_eq(ike_engine_conn_create_child(H.s[1].e, H.s[1].cfg.name), 0);
		h_run();
	}
	cr_assert_eq(info_of(0).refused.rate, 5, "beyond the burst of %u: refused", burst);
	cr_assert_eq(h_children_live(0), 1 + burst);
	cr_assert(h_log_contains("TEMPORARY_FAILURE"));
	/* The bucket refills: peer_creates_per_min a minute. */
	h_advance_ms(60 * 1000 / l->peer_creates_per_min + 1);
	cr_assert_eq(ike_engine_conn_create_child(H.s[1].e, H.s[1].cfg.name), 0);
	h_run();
	cr_assert_eq(h_children_live(0), 2 + burst, "one more after one token's time");
	cr_assert_eq(info_of(0).refused.rate, 5);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
}

/* Drop every Delete of an IKE SA that side 1 has queued: it never deletes what it rekeyed. */
static void drop_attacker_deletes(void)
{
	for (unsigned int i = 0; i < H.n;) {
		struct ike_hdr h = h_hdr(i);

		if (H.q[i].from == 1 && h.exchange == IKE_EXCH_INFORMATIONAL &&
		    !(h.flags & IKE_FLAG_R))
			h_drop(i);
		else
			i++;
	}
}

Test(attack, ike_rekeys_without_deletes_are_bounded_and_retired)
{
	const struct ike_engine_limits *l = ike_engine_limits(H.s[0].e);
	struct h_child *c0, *c1;

	attacker_unlimited();
	h_establish();
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(ike_engine_conn_rekey_ike(H.s[1].e, H.s[1].cfg.name), 0);
		/* request, response; then side 1's Delete of its old SA: dropped */
		while (H.n) {
			drop_attacker_deletes();
			if (H.n)
				h_deliver();
		}
		cr_assert_leq(info_of(0).n_ike_sas, l->ike_sas_per_conn,
			      "rekey %d: the gateway holds at most %u IKE SAs", i,
			      l->ike_sas_per_conn);
	}
	cr_assert_geq(info_of(0).refused.ike_sas, 1, "rekeys past the limit were refused");
	cr_assert(h_log_contains("NO_ADDITIONAL_SAS"));
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	/* The superseded SAs wait for the peer's Delete IKE_REDUNDANT_GRACE_S, not their life. */
	h_advance_ms((IKE_REDUNDANT_GRACE_S + 1) * 1000);
	drop_attacker_deletes();
	cr_assert_eq(info_of(0).n_ike_sas, 1, "only the current IKE SA is left");
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(h_children_live(0), 1, "the child moved along and is still there");
	c0 = &H.s[0].children[0];
	c1 = h_child_find(1, c0->sa.spi_out);
	cr_assert(c1 && !c0->removed);
	h_assert_esp_works(c0, c1);
}

Test(attack, a_lifetime_event_is_found_through_its_connection)
{
	struct ike_conn_config other = H.s[0].cfg;
	struct h_child *c0, *c1;

	h_establish();
	first_pair(&c0, &c1);
	/* Another connection of the gateway (another tenant's site, not up). */
	snprintf(other.name, sizeof(other.name), "other-tenant");
	cr_assert_eq(addr_parse(&other.peer, "192.0.2.77", NULL, 0), 0);
	other.psk = H.s[0].psk;
	other.initiate = false;
	cr_assert_eq(ike_engine_conn_set(H.s[0].e, &other), 0);
	/* Its data plane says this SPI's soft lifetime passed: not ours to rekey through it. */
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, "other-tenant", c0->sa.spi_out, ESP_DIR_OUT,
					ESP_LIFE_SOFT),
		     -ENOENT);
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, "other-tenant", c0->sa.spi_in, ESP_DIR_IN,
					ESP_LIFE_HARD),
		     -ENOENT);
	cr_assert_eq(H.n, 0, "nothing was rekeyed or deleted");
	cr_assert(!c0->removed);
	/* Through its own connection it is: a rekey goes out. */
	cr_assert_eq(ike_engine_sa_life(H.s[0].e, H.s[0].cfg.name, c0->sa.spi_out, ESP_DIR_OUT,
					ESP_LIFE_SOFT),
		     0);
	cr_assert_eq(H.n, 1);
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_CREATE_CHILD_SA);
}

/* An IKE_SA_INIT from side 1's address to side 0 with an IKE proposal side 0 does not accept. */
static void spoof_init(void)
{
	struct ike_hdr h = {.spi_i = 0x5a5a5a5a5a5a5a5bull,
			    .version = IKE_VERSION,
			    .exchange = IKE_EXCH_SA_INIT,
			    .flags = IKE_FLAG_I};
	struct ike_suite_list weak = {.n = 1};
	struct ike_endpoint ep = {.local_port = IKE_PORT, .peer_port = IKE_PORT};
	struct ike_pld_sa offer;
	struct ike_pld_nonce nonce;
	struct ike_msg_writer w;
	struct crypto_dh *dh;
	static uint8_t mem[2048], n[32] = {1, 2, 3};
	struct buf b;

	cr_assert_eq(ike_suite_parse(&weak.s[0], IKE_PROTO_IKE, "3des-sha1-modp1024"), 0);
	cr_assert_eq(crypto_dh_new(&dh, CRYPTO_DH_MODP1024), 0);
	ep.local = H.s[0].cfg.local;
	ep.peer = H.s[0].cfg.peer; /* the site's address, as the spoofer writes it */
	buf_init_write(&b, mem, sizeof(mem));
	ike_msg_write_begin(&w, &b, &h);
	cr_assert_eq(ike_proposal_offer(&weak, IKE_PROTO_IKE, false, NULL, 0, &offer), 0);
	ike_msg_add_sa(&w, &offer);
	ike_msg_add_ke_dh(&w, dh);
	buf_init_read(&nonce.data, n, sizeof(n));
	ike_msg_add_nonce(&w, &nonce);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	ike_engine_input(H.s[0].e, &ep, buf_data(&b), buf_left(&b));
	crypto_dh_free(dh);
}

Test(attack, a_spoofed_ike_sa_init_changes_nothing)
{
	struct h_child *c0, *c1;
	struct ike_conn_info before, after;
	unsigned int n_status;
	char reason[sizeof(H.s[0].reason)];

	h_establish();
	first_pair(&c0, &c1);
	before = info_of(0);
	n_status = H.s[0].n_status;
	snprintf(reason, sizeof(reason), "%s", H.s[0].reason);
	spoof_init();
	cr_assert_eq(H.n, 1, "answered (statelessly) to the address it came from");
	cr_assert(h_has_notify(0, IKE_N_NO_PROPOSAL_CHOSEN));
	h_drop(0); /* the real site would receive it and ignore it */
	after = info_of(0);
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED);
	cr_assert_eq(H.s[0].n_status, n_status, "no status change reported");
	cr_assert_str_eq(H.s[0].reason, reason);
	cr_assert_eq(after.spi_i, before.spi_i);
	cr_assert_eq(after.n_children, before.n_children);
	cr_assert_eq(after.refused.unauthenticated, before.refused.unauthenticated + 1);
	cr_assert(!c0->removed);
	h_assert_esp_works(c0, c1);
}

struct delete_of {
	uint32_t spis[32];
	uint16_t n;
	bool ike;
};

static void add_delete(struct ike_msg_writer *w, void *arg)
{
	struct delete_of *d = arg;

	if (d->ike)
		cr_assert_eq(ike_msg_add_delete(w, IKE_PROTO_IKE, NULL, 0), 0);
	else
		cr_assert_eq(ike_msg_add_delete(w, IKE_PROTO_ESP, d->spis, d->n), 0);
}

Test(attack, a_delete_of_many_children_is_answered_with_all_of_ours)
{
	struct ike_engine_limits many = {.children_per_conn = 30, .peer_creates_burst = 100};
	struct ike_conn_info info;
	struct delete_of d = {0};
	struct ike_msg m;
	struct ike_pld_delete del;
	const struct ike_pld *p;
	struct buf body;

	ike_engine_set_limits(H.s[0].e, &many);
	ike_engine_set_limits(H.s[1].e, &many);
	h_keylog_enable();
	h_establish();
	for (int i = 0; i < 19; i++) {
		cr_assert_eq(ike_engine_conn_create_child(H.s[0].e, H.s[0].cfg.name), 0);
		h_run();
	}
	cr_assert_eq(h_children_live(0), 20);
	/* Side 1 deletes all 20 in one Delete (its inbound SPIs: side 0's outbound ones). */
	for (unsigned int i = 0; i < H.s[0].n_children; i++)
		if (!H.s[0].children[i].removed)
			d.spis[d.n++] = H.s[0].children[i].sa.spi_out;
	info = info_of(0);
	/* Side 1 (the responder) has sent no request yet: Message ID 0. */
	h_forge(1, &(struct ike_hdr){.spi_i = info.spi_i, .spi_r = info.spi_r,
				     .version = IKE_VERSION,
				     .exchange = IKE_EXCH_INFORMATIONAL, .msgid = 0},
		add_delete, &d);
	h_deliver();
	cr_assert_eq(h_children_live(0), 0, "the gateway removed all 20");
	cr_assert_eq(H.n, 1, "and answered");
	h_decrypt(0, &m);
	p = ike_msg_find(&m, IKE_PLD_DELETE, NULL);
	cr_assert(p, "the answer carries a Delete");
	body = p->body;
	cr_assert_eq(ike_pld_parse_delete(&body, &del), 0);
	cr_assert_eq(del.n_spi, 20, "every child the peer deleted, ours listed (was cut at 16)");
}

Test(attack, informational_from_an_unauthenticated_responder_is_ignored)
{
	struct delete_of d = {.ike = true};
	struct ike_hdr h;

	h_keylog_enable();
	h_start();
	h_deliver(); /* IKE_SA_INIT request */
	h_deliver(); /* its response: side 0 sends IKE_AUTH and waits (AUTH_SENT) */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_AUTH);
	/* Before its IKE_AUTH response, "the responder" asks side 0 to delete the IKE SA. */
	h_forge(1, &(struct ike_hdr){.spi_i = h.spi_i, .spi_r = h.spi_r, .version = IKE_VERSION,
				     .exchange = IKE_EXCH_INFORMATIONAL, .msgid = 0},
		add_delete, &d);
	h_deliver_at(1);
	cr_assert_eq(H.n, 1, "not answered: the responder is not authenticated yet");
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "the IKE SA was not deleted");
	cr_assert_eq(info_of(0).n_ike_sas, 1);
}
