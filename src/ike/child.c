/* SPDX-License-Identifier: MIT */
/*
 * child: CREATE_CHILD_SA for an additional CHILD_SA (RFC 7296 1.3.1) and for rekeying one
 * (1.3.3, 2.8: REKEY_SA names the child, the new one gets fresh SPIs, nonces and, with PFS, a
 * fresh key exchange: 2.17's KEYMAT from g^ir (new) | Ni | Nr). The responder of a rekey keeps
 * sending on the old child until the initiator deletes it; the initiator's side of that and the
 * collisions of 2.8.1 and 2.25.1 are decided in rekey.c. Requests for a new IKE SA (1.3.2) go
 * to rekey_ike.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "ike/rekey.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "ike/ts.h"
#include "lib/log.h"

void ike_child_pending_clear(struct ike_sa *sa)
{
	if (sa->pend.spi_in)
		ike_engine_release_spi(sa->eng, &sa->pend);
	crypto_dh_free(sa->pend.dh);
	secret_wipe(sa->pend.nonce, sizeof(sa->pend.nonce));
	memset(&sa->pend, 0, sizeof(sa->pend));
}

int ike_child_pending_prepare(struct ike_sa *sa, uint16_t group)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	int r;

	ike_child_pending_clear(sa);
	r = ike_child_new_spi(sa->eng, &sa->pend.spi_in);
	if (r == 0) /* held until the child is installed or given up (pending_clear) */
		ike_engine_reserve_spi(sa->eng, &sa->pend);
	r = r ?: ike_nonce_new(sa->eng, sa->pend.nonce, sizeof(sa->pend.nonce));
	if (r == 0 && group)
		r = crypto_dh_new(&sa->pend.dh, group);
	sa->pend.tsi = cfg->ts_local;
	sa->pend.tsr = cfg->ts_remote;
	return r;
}

/*
 * CREATE_CHILD_SA for task t with a KE of group (0: none); the offer is the policy's either
 * way. rekey: the child it replaces (1.3.3: N(REKEY_SA) first, naming the SPI we receive on),
 * or NULL.
 */
static int child_start_group(struct ike_sa *sa, const struct ike_task *t, uint16_t group,
			     struct ike_child *rekey)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer;
	struct ike_pld_nonce nonce;
	struct ike_pld_notify rn;
	struct ike_pld_ts tsi, tsr;
	struct ike_out o;
	uint8_t spi[4];
	char peer[ADDR_STR_MAX];
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ECANCELED;
	r = ike_child_pending_prepare(sa, group);
	if (r)
		return r;
	if (rekey) {
		/* 2.8: the new child SHOULD NOT have other selectors than the old one. */
		sa->pend.tsi = rekey->ts_local;
		sa->pend.tsr = rekey->ts_remote;
		ike_notify_init(&rn, IKE_N_REKEY_SA, NULL, 0);
		rn.proto = IKE_PROTO_ESP;
		rn.spi_len = 4;
		ike_spi_to_bytes(rekey->spi_in, rn.spi);
	}
	tsi = sa->pend.tsi;
	tsr = sa->pend.tsr;
	ike_spi_to_bytes(sa->pend.spi_in, spi);
	buf_init_read(&nonce.data, sa->pend.nonce, sizeof(sa->pend.nonce));
	r = ike_proposal_offer(&cfg->policy.esp.propose, IKE_PROTO_ESP, false, spi, 4, &offer);
	r = r ?: ike_sa_request_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA);
	if (rekey)
		r = r ?: ike_msg_add_notify(&o.w, &rn);
	r = r ?: ike_msg_add_sa(&o.w, &offer);
	r = r ?: ike_msg_add_nonce(&o.w, &nonce);
	if (sa->pend.dh)
		r = r ?: ike_msg_add_ke_dh(&o.w, sa->pend.dh);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSI, &tsi);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSR, &tsr);
	r = r ?: ike_sa_send_request(sa, &o, t);
	if (r) {
		ike_child_pending_clear(sa);
		return r;
	}
	if (rekey)
		ike_child_set_state(sa, rekey, IKE_CHILD_REKEYING, t->why ? t->why : "rekey");
	log_info("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA request sent (%s%s)", cfg->name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), rekey ? "rekey, " : "",
		 sa->pend.dh ? "PFS" : "no PFS");
	return 0;
}

static uint16_t pfs_group(const struct ike_sa *sa)
{
	const struct ike_suite_list *l = &sa->conn->cfg.policy.esp.propose;

	return l->n ? l->s[0].dh : 0;
}

int ike_child_start(struct ike_sa *sa, const struct ike_task *t)
{
	unsigned int live, all;
	char peer[ADDR_STR_MAX];

	ike_conn_children(sa->eng, sa->conn, &live, &all);
	if (live >= sa->eng->limits.children_per_conn) {
		log_warn("IKE", IKE_LOG_FMT ": no CREATE_CHILD_SA: the connection has %u CHILD_SAs, "
				"its limit",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), live);
		return -ECANCELED;
	}
	sa->child_ke_retries = 0;
	return child_start_group(sa, t, pfs_group(sa), NULL);
}

int ike_child_rekey_start(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_child *c = ike_sa_child_by_spi_in(sa, t->arg);
	const char *why = t->why ? t->why : "requested";
	char peer[ADDR_STR_MAX];
	int r;

	/* Gone, or no longer the one that carries traffic (deleted, replaced meanwhile). */
	if (!c || c->state != IKE_CHILD_ACTIVE)
		return -ECANCELED;
	sa->child_ke_retries = 0;
	r = child_start_group(sa, t, pfs_group(sa), c);
	if (r == 0)
		sa->rekey_why = why;
	if (r == 0)
		log_info("IKE", IKE_LOG_FMT ": rekeying CHILD_SA %08x/%08x (%s)",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in,
			 c->spi_out, why);
	return r;
}

/*
 * 1.3: INVALID_KE_PAYLOAD names the group the responder wants; retry once with it if offered
 * (the same task, sent again at once: the window is free, the response just came).
 */
static bool retry_with_group(struct ike_sa *sa, const struct ike_task *t,
			     const struct ike_pld_notify *n)
{
	const struct ike_suite_list *l = &sa->conn->cfg.policy.esp.propose;
	struct ike_child *rekey = NULL;
	struct buf b = n->data;
	uint16_t group;
	bool offered = false;

	if (sa->child_ke_retries++ || buf_get_be16(&b, &group))
		return false;
	for (uint8_t i = 0; i < l->n; i++)
		offered |= l->s[i].dh == group && group != 0;
	if (!offered || (sa->pend.dh && crypto_dh_group(sa->pend.dh) == group))
		return false;
	if (t->kind == IKE_TASK_REKEY_CHILD) {
		rekey = ike_sa_child_by_spi_in(sa, t->arg);
		if (!rekey || rekey->state != IKE_CHILD_REKEYING)
			return false;
	}
	return child_start_group(sa, t, group, rekey) == 0;
}

void ike_child_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify n;
	struct ike_pld_sa reply;
	struct ike_pld_ts tsi, tsr;
	struct ike_pld_nonce nonce;
	struct ike_pld_ke ke;
	struct ike_chosen ch;
	struct secret *gir = NULL;
	struct ike_child *c = NULL;
	struct buf ni;
	char peer[ADDR_STR_MAX];
	const char *why = NULL;
	uint16_t err = ike_msg_error_notify(m, &n);
	uint32_t rekey_spi = t->kind == IKE_TASK_REKEY_CHILD ? t->arg : 0;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (err == IKE_N_INVALID_KE_PAYLOAD && retry_with_group(sa, t, &n)) {
		log_info("IKE",
			 IKE_LOG_FMT ": CREATE_CHILD_SA: INVALID_KE_PAYLOAD, retried with %s",
			 cfg->name, peer, crypto_dh_name(crypto_dh_group(sa->pend.dh)));
		return;
	}
	if (err) {
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA%s refused by peer: %s", cfg->name,
			 peer, rekey_spi ? " (rekey)" : "", ike_notify_name(err));
		ike_child_pending_clear(sa);
		if (rekey_spi) {
			ike_rekey_child_refused(sa, rekey_spi, err);
		} else if (sa->no_child) {
			char refused[96];

			snprintf(refused, sizeof(refused),
				 "CREATE_CHILD_SA refused by the peer: %s", ike_notify_name(err));
			ike_timers_sa_no_child(sa, refused);
		}
		return;
	}
	why = "response without SA, nonce or selectors";
	if (ike_msg_get_sa(m, &reply) || ike_msg_get_nonce(m, &nonce) ||
	    ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) || ike_msg_get_ts(m, IKE_PLD_TSR, &tsr))
		goto fail;
	why = "response outside what we proposed";
	if (ike_proposal_check_reply(&cfg->policy.esp.propose, IKE_PROTO_ESP, false, &reply, &ch) ||
	    ch.spi_len != 4 || !ike_ts_within(&tsi, &sa->pend.tsi) ||
	    !ike_ts_within(&tsr, &sa->pend.tsr))
		goto fail;
	if (ch.suite.dh) {
		why = "PFS key exchange failed";
		if (!sa->pend.dh || ch.suite.dh != crypto_dh_group(sa->pend.dh) ||
		    ike_msg_get_ke(m, &ke) || ke.group != ch.suite.dh ||
		    crypto_dh_derive(sa->pend.dh, buf_data(&ke.data), buf_left(&ke.data), &gir))
			goto fail;
	}
	why = "the peer's SPI is another CHILD_SA's of this connection";
	if (ike_conn_spi_out_used(sa->eng, sa->conn, ike_spi_from_bytes(ch.spi))) {
		sa->conn->refused.spi_clash++;
		goto fail;
	}
	why = "out of memory";
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->spi_in = sa->pend.spi_in;
	c->spi_out = ike_spi_from_bytes(ch.spi);
	c->suite = ch.suite;
	c->ts_local = tsi;
	c->ts_remote = tsr;
	c->we_created = true;
	c->replaces_spi_in = rekey_spi;
	buf_init_read(&ni, sa->pend.nonce, sizeof(sa->pend.nonce));
	ike_nonce_lo(&ni, &nonce.data, c->nonce_lo, &c->nonce_lo_len);
	why = "CHILD_SA could not be installed";
	/* A rekey's outbound SA waits for rekey.c's verdict on collisions (2.8.1). */
	if (ike_sa_child_derive_install(sa, c, true, !rekey_spi, gir, &ni, &nonce.data)) {
		ike_child_free(c);
		c = NULL;
		goto fail;
	}
	why = NULL;
fail:
	if (why)
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA failed: %s", cfg->name, peer, why);
	secret_free(gir);
	ike_child_pending_clear(sa);
	if (rekey_spi && c)
		ike_rekey_child_done(sa, c);
	else if (rekey_spi)
		ike_rekey_child_refused(sa, rekey_spi, 0);
	else if (why && sa->no_child)
		ike_timers_sa_no_child(sa, why);
}

/* Answer m with a notify about the ESP SA spi (CHILD_SA_NOT_FOUND copies REKEY_SA's, 2.25). */
static void respond_spi_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			       const struct ike_pld_notify *about)
{
	struct ike_pld_notify n;
	struct ike_out o;

	ike_notify_init(&n, type, NULL, 0);
	n.proto = about->proto;
	n.spi_len = about->spi_len;
	memcpy(n.spi, about->spi, sizeof(n.spi));
	if (ike_sa_out_begin(sa, &o, m->hdr.exchange, true, m->hdr.msgid) == 0 &&
	    ike_msg_add_notify(&o.w, &n) == 0)
		ike_sa_send_response(sa, &o);
}

/*
 * A rekey request for the child the peer sends to as SPI: which child, or the answer that
 * refuses it (2.25.1). 0 with *old set, or the notify type to answer with.
 */
static uint16_t rekey_target(struct ike_sa *sa, const struct ike_pld_notify *rn,
			     struct ike_child **old)
{
	char peer[ADDR_STR_MAX];
	uint32_t spi;

	*old = NULL;
	if (rn->proto != IKE_PROTO_ESP || rn->spi_len != 4)
		return IKE_N_INVALID_SYNTAX;
	spi = ike_spi_from_bytes(rn->spi);
	*old = ike_sa_child_by_spi_out(sa, spi);
	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (!*old) {
		log_info("IKE",
			 IKE_LOG_FMT ": rekey of unknown CHILD_SA ./%08x: CHILD_SA_NOT_FOUND",
			 sa->conn->cfg.name, peer, spi);
		return IKE_N_CHILD_SA_NOT_FOUND;
	}
	/*
	 * 2.25.1: a child we are closing (or one already replaced, whose Delete is due) is a
	 * temporary condition; so is our own rekey of the IKE SA (2.25.2), after which the peer
	 * retries on the new IKE SA. A child we are rekeying ourselves is answered as usual and
	 * the collision resolved when our response comes (2.8.1).
	 */
	if ((*old)->state != IKE_CHILD_ACTIVE && (*old)->state != IKE_CHILD_REKEYING) {
		log_info("IKE",
			 IKE_LOG_FMT ": rekey of CHILD_SA %08x/%08x in state %s: "
				     "TEMPORARY_FAILURE",
			 sa->conn->cfg.name, peer, (*old)->spi_in, (*old)->spi_out,
			 ike_child_state_name((*old)->state));
		return IKE_N_TEMPORARY_FAILURE;
	}
	if (sa->req.kind == IKE_TASK_REKEY_IKE) {
		log_info("IKE",
			 IKE_LOG_FMT ": rekey of CHILD_SA %08x/%08x while we rekey the "
				     "IKE_SA: TEMPORARY_FAILURE",
			 sa->conn->cfg.name, peer, (*old)->spi_in, (*old)->spi_out);
		return IKE_N_TEMPORARY_FAILURE;
	}
	return 0;
}

void ike_child_handle_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer, reply;
	struct ike_pld_ts tsi, tsr, ni_ts, nr_ts;
	struct ike_pld_nonce nonce, our_nonce;
	struct ike_pld_ke ke;
	struct ike_pld_notify rn;
	struct ike_chosen ch;
	struct crypto_dh *dh = NULL;
	struct secret *gir = NULL;
	struct ike_child *c = NULL, *old = NULL;
	struct ike_out o;
	uint8_t nr[IKE_NONCE_LEN], spi[4];
	struct buf nrb;
	char peer[ADDR_STR_MAX], theirs[512];
	bool rekey;
	uint16_t refuse;
	int r;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	/* Each request is a key exchange for us: at a bounded rate per connection (engine.h). */
	if (!ike_conn_peer_create_allow(sa->conn, sa->eng)) {
		ike_conn_refused(sa->conn, &sa->conn->refused.rate,
				 "CREATE_CHILD_SA past %u a minute: TEMPORARY_FAILURE",
				 sa->eng->limits.peer_creates_per_min);
		ike_sa_respond_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (ike_msg_get_sa(m, &offer)) {
		ike_sa_respond_notify(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (offer.n_props && offer.props[0].proto == IKE_PROTO_IKE) {
		ike_rekey_ike_handle_request(sa, m, &offer);
		return;
	}
	rekey = ike_msg_find_notify(m, IKE_N_REKEY_SA, &rn);
	if (rekey) {
		refuse = rekey_target(sa, &rn, &old);
		if (refuse == IKE_N_CHILD_SA_NOT_FOUND) {
			respond_spi_notify(sa, m, refuse, &rn);
			return;
		}
		if (refuse) {
			ike_sa_respond_notify(sa, m, refuse, NULL, 0);
			return;
		}
	} else if (sa->req.kind == IKE_TASK_REKEY_IKE) {
		/* 2.25.2: new children belong on the IKE SA our rekey is about to make. */
		ike_sa_respond_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	{
		unsigned int live, all, max = sa->eng->limits.children_per_conn;

		/* A new child within the connection's share; a rekey may overlap its old one. */
		ike_conn_children(sa->eng, sa->conn, &live, &all);
		if (rekey ? all >= 2 * max : live >= max) {
			ike_conn_refused(sa->conn, &sa->conn->refused.children,
					 "CREATE_CHILD_SA%s: the connection holds %u CHILD_SAs (%u "
					 "carrying traffic, limit %u): NO_ADDITIONAL_SAS",
					 rekey ? " (rekey)" : "", all, live, max);
			ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
			return;
		}
	}
	if (ike_msg_get_nonce(m, &nonce) || ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) ||
	    ike_msg_get_ts(m, IKE_PLD_TSR, &tsr)) {
		ike_sa_respond_notify(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ike_proposal_select(&cfg->policy.esp, IKE_PROTO_ESP, false, &offer, &ch) ||
	    ch.spi_len != 4) {
		ike_pld_sa_format(&offer, theirs, sizeof(theirs));
		log_warn("IKE",
			 IKE_LOG_FMT ": CREATE_CHILD_SA: NO_PROPOSAL_CHOSEN, peer offered %s",
			 cfg->name, peer, theirs);
		ike_sa_respond_notify(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ike_conn_spi_out_used(sa->eng, sa->conn, ike_spi_from_bytes(ch.spi))) {
		ike_conn_refused(sa->conn, &sa->conn->refused.spi_clash,
				 "CREATE_CHILD_SA: SPI %08x is another CHILD_SA's of this "
				 "connection: NO_ADDITIONAL_SAS",
				 ike_spi_from_bytes(ch.spi));
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	if (ch.suite.dh && (ike_msg_get_ke(m, &ke) || ke.group != ch.suite.dh)) {
		uint8_t g[2] = {(uint8_t)(ch.suite.dh >> 8), (uint8_t)ch.suite.dh};

		ike_sa_respond_notify(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if (ike_ts_narrow(&tsi, &cfg->ts_remote, &ni_ts) ||
	    ike_ts_narrow(&tsr, &cfg->ts_local, &nr_ts)) {
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA: TS_UNACCEPTABLE", cfg->name, peer);
		ike_sa_respond_notify(sa, m, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	r = ike_nonce_new(sa->eng, nr, sizeof(nr));
	if (r == 0 && ch.suite.dh) {
		r = crypto_dh_new(&dh, ch.suite.dh);
		r = r ?: crypto_dh_derive(dh, buf_data(&ke.data), buf_left(&ke.data), &gir);
	}
	c = r ? NULL : calloc(1, sizeof(*c));
	if (!c || ike_child_new_spi(sa->eng, &c->spi_in)) {
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		goto out;
	}
	c->spi_out = ike_spi_from_bytes(ch.spi);
	c->suite = ch.suite;
	c->ts_local = nr_ts;
	c->ts_remote = ni_ts;
	c->replaces_spi_in = old ? old->spi_in : 0;
	buf_init_read(&nrb, nr, sizeof(nr));
	ike_nonce_lo(&nonce.data, &nrb, c->nonce_lo, &c->nonce_lo_len);
	ike_spi_to_bytes(c->spi_in, spi);
	ike_proposal_reply(&ch, spi, 4, &reply);
	buf_init_read(&our_nonce.data, nr, sizeof(nr));
	r = ike_sa_out_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid);
	r = r ?: ike_msg_add_sa(&o.w, &reply);
	r = r ?: ike_msg_add_nonce(&o.w, &our_nonce);
	if (dh)
		r = r ?: ike_msg_add_ke_dh(&o.w, dh);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSI, &ni_ts);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSR, &nr_ts);
	/* The new inbound SA is in place before the response can reach the peer (2.8). */
	r = r ?: ike_sa_child_derive_install(sa, c, false, !old, gir, &nonce.data, &nrb);
	if (r) {
		ike_child_free(c);
		c = NULL;
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		goto out;
	}
	if (ike_sa_send_response(sa, &o)) {
		ike_sa_child_remove(sa, c, "response could not be sent");
		c = NULL;
		goto out;
	}
	if (old) {
		log_info("IKE",
			 IKE_LOG_FMT ": CHILD_SA %08x/%08x rekeyed -> %08x/%08x (by the peer)%s",
			 cfg->name, peer, old->spi_in, old->spi_out, c->spi_in, c->spi_out,
			 old->state == IKE_CHILD_REKEYING ? " (collides with ours, 2.8.1)" : "");
		sa->eng->stats.child_rekeys++;
		/* In a collision old stays REKEYING: rekey.c decides when our response comes. */
		if (old->state == IKE_CHILD_ACTIVE)
			ike_child_set_state(sa, old, IKE_CHILD_REKEYED, "rekeyed by the peer");
	}
	c = NULL;
out:
	ike_child_free(c);
	crypto_dh_free(dh);
	secret_free(gir);
	secret_wipe(nr, sizeof(nr));
}
