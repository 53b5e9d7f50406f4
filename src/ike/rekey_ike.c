/* SPDX-License-Identifier: MIT */
/*
 * rekey_ike: rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): new SPIs (in the
 * SA proposal), nonces and a key exchange; SKEYSEED from the old SA's SK_d; the children move to
 * the new SA, whose Message IDs start at 0, and the rekey's initiator deletes the old one.
 * Collisions (2.8.2, 2.25.2): when both sides rekey at once, the new SA created with the lowest
 * of the four nonces is deleted by its creator and the other side's winner deletes the old SA;
 * a rekey of an SA being closed, or while a child exchange of ours is out, gets
 * TEMPORARY_FAILURE; a Delete of an SA we are rekeying is answered as usual.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "crypto/rand.h"
#include "ike/rekey.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "lib/clock.h"
#include "lib/log.h"

#define IKE_REKEY_RETRY_MS 2000

static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_child **tail = &to->children;

	while (*tail)
		tail = &(*tail)->next;
	*tail = from->children;
	for (struct ike_child *c = from->children; c; c = c->next)
		c->sa = to;
	from->children = NULL;
	/* An SA without CHILD_SA hands its pending child creation on (timers.c). */
	if (from->no_child && !to->no_child) {
		to->no_child = true;
		to->child_retry_deadline = from->child_retry_deadline;
		to->child_retry_n = from->child_retry_n;
	}
	from->no_child = false;
	from->child_retry_deadline = 0;
}

/* Every IKE rekey, old -> new SPIs, who and why (IKE category). */
static void log_rekeyed(const struct ike_sa *old, const struct ike_sa *n, const char *who,
			const char *why)
{
	char peer[ADDR_STR_MAX];

	log_info("IKE",
		 IKE_LOG_FMT ": IKE_SA %016" PRIx64 "/%016" PRIx64 " rekeyed -> %016" PRIx64
			     "/%016" PRIx64 " (%s%s%s)",
		 old->conn->cfg.name, ike_sa_peer_str(old, peer, sizeof(peer)), old->spi_i,
		 old->spi_r, n->spi_i, n->spi_r, who, why ? ", " : "", why ? why : "");
}

static int start_group(struct ike_sa *sa, const struct ike_task *t, uint16_t group)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer;
	struct ike_pld_nonce nonce;
	struct ike_out o;
	uint8_t spi[8];
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ECANCELED;
	ike_child_pending_clear(sa);
	r = ike_sa_new_spi(sa->eng, &sa->pend.ike_spi);
	r = r ?: ike_nonce_new(sa->eng, sa->pend.nonce, sizeof(sa->pend.nonce));
	r = r ?: crypto_dh_new(&sa->pend.dh, group);
	if (r)
		goto out;
	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(sa->pend.ike_spi >> (56 - 8 * i));
	buf_init_read(&nonce.data, sa->pend.nonce, sizeof(sa->pend.nonce));
	/* 1.3.2: HDR, SK {SA, Ni, KEi}; the SA proposal carries the new initiator SPI. */
	r = ike_proposal_offer(&cfg->policy.ike.propose, IKE_PROTO_IKE, false, spi, 8, &offer);
	r = r ?: ike_sa_request_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA);
	r = r ?: ike_msg_add_sa(&o.w, &offer);
	r = r ?: ike_msg_add_nonce(&o.w, &nonce);
	r = r ?: ike_msg_add_ke_dh(&o.w, sa->pend.dh);
	r = r ?: ike_sa_send_request(sa, &o, t);
out:
	if (r)
		ike_child_pending_clear(sa);
	return r;
}

int ike_rekey_ike_start(struct ike_sa *sa, const struct ike_task *t)
{
	const struct ike_suite_list *l = &sa->conn->cfg.policy.ike.propose;
	const char *why = t->why ? t->why : "requested";
	char peer[ADDR_STR_MAX];
	int r;

	if (l->n == 0)
		return -EINVAL;
	/*
	 * A child being rekeyed or deleted finishes first, on the SA its exchange runs on: the
	 * task waits in the queue (the Delete that settles it goes ahead of it).
	 */
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->state != IKE_CHILD_ACTIVE)
			return -EAGAIN;
	sa->child_ke_retries = 0;
	/* The group the SA runs with, if we propose it: the peer chose it once already. */
	r = start_group(sa, t, sa->chosen.suite.dh ? sa->chosen.suite.dh : l->s[0].dh);
	if (r == 0)
		sa->rekey_why = why;
	if (r == 0)
		log_info("IKE", IKE_LOG_FMT ": rekeying IKE_SA %016" PRIx64 "/%016" PRIx64 " (%s)",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), sa->spi_i,
			 sa->spi_r, why);
	return r;
}

/* A new SA next to old, sharing its connection and path (no IKE_SA_INIT, no AUTH). */
static struct ike_sa *successor_new(struct ike_sa *old, bool initiator, const struct ike_chosen *ch,
				    const struct buf *peer_nonce)
{
	struct ike_sa *n = ike_sa_new(old->eng, old->conn, initiator, &old->ep);

	if (!n)
		return NULL;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->chosen = *ch;
	n->peer_nonce_len = buf_left(peer_nonce);
	memcpy(n->peer_nonce, buf_data(peer_nonce), n->peer_nonce_len);
	n->last_rx_ns = old->last_rx_ns;
	return n;
}

static uint64_t spi_of(const struct ike_chosen *ch)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | ch->spi[i];
	return v;
}

/* A superseded SA waits for the peer's Delete IKE_REDUNDANT_GRACE_S at most. */
static void retire_later(struct ike_sa *sa)
{
	uint64_t t = clock_now_ns() + (uint64_t)IKE_REDUNDANT_GRACE_S * CLOCK_NS_PER_SEC;

	if (!sa->hard_deadline || sa->hard_deadline > t)
		sa->hard_deadline = t;
}

/* Retry after a refusal, not at once (2.25), before the hard lifetime. */
static void retry_later(struct ike_sa *sa)
{
	sa->lifetime_deadline = clock_now_ns() + (uint64_t)IKE_REKEY_RETRY_MS * CLOCK_NS_PER_MS;
}

void ike_rekey_ike_handle_response(struct ike_sa *sa, const struct ike_task *t,
				   struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify nt;
	struct ike_pld_sa reply;
	struct ike_pld_ke ke;
	struct ike_pld_nonce nonce;
	struct ike_chosen ch;
	struct secret *gir = NULL;
	struct ike_sa *n = NULL, *rival = sa->peer_rekey;
	struct buf ni;
	char peer[ADDR_STR_MAX];
	const char *why;
	uint16_t err = ike_msg_error_notify(m, &nt);

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (rival && rival->state != IKE_SA_STATE_ESTABLISHED)
		rival = NULL;
	if (err == IKE_N_INVALID_KE_PAYLOAD && sa->child_ke_retries++ == 0) {
		struct buf b = nt.data;
		uint16_t group;

		if (buf_get_be16(&b, &group) == 0 && group != crypto_dh_group(sa->pend.dh) &&
		    start_group(sa, t, group) == 0) {
			log_info("IKE",
				 IKE_LOG_FMT ": IKE_SA rekey: INVALID_KE_PAYLOAD, retried "
					     "with %s",
				 cfg->name, peer, crypto_dh_name(group));
			return;
		}
	}
	why = err ? ike_notify_name(err) : "response without SA, KE or nonce";
	if (err || ike_msg_get_sa(m, &reply) || ike_msg_get_ke(m, &ke) ||
	    ike_msg_get_nonce(m, &nonce))
		goto refused;
	why = "response outside what we proposed";
	if (ike_proposal_check_reply(&cfg->policy.ike.propose, IKE_PROTO_IKE, false, &reply, &ch) ||
	    ch.spi_len != 8 || spi_of(&ch) == 0 || !sa->pend.dh ||
	    ch.suite.dh != crypto_dh_group(sa->pend.dh) || ke.group != ch.suite.dh)
		goto refused;
	why = "key exchange failed";
	n = successor_new(sa, true, &ch, &nonce.data);
	if (!n)
		goto refused;
	/* Our SPI of the new SA is the one our request proposed (it is indexed under it). */
	ike_engine_unindex_sa(sa->eng, n);
	n->spi_i = sa->pend.ike_spi;
	n->spi_r = spi_of(&ch);
	ike_engine_index_sa(sa->eng, n);
	memcpy(n->nonce, sa->pend.nonce, sizeof(n->nonce));
	buf_init_read(&ni, n->nonce, sizeof(n->nonce));
	if (crypto_dh_derive(sa->pend.dh, buf_data(&ke.data), buf_left(&ke.data), &gir) ||
	    ike_sa_keys_derive_rekey(n, sa, gir, &ni, &nonce.data)) {
		ike_sa_set_state(n, IKE_SA_STATE_DEAD, "rekey key exchange failed");
		goto refused;
	}
	secret_free(gir);
	ike_child_pending_clear(sa);
	ike_nonce_lo(&ni, &nonce.data, n->nonce_lo, &n->nonce_lo_len);
	ike_sa_set_state(n, IKE_SA_STATE_ESTABLISHED, "rekeyed by us");
	ike_timers_established(n);
	sa->eng->stats.ike_rekeys++;
	if (rival) {
		sa->eng->stats.rekey_collisions++;
		/* 2.8.2: the new SA with the lowest of the four nonces is deleted by its creator.
		 */
		if (ike_nonce_cmp(n->nonce_lo, n->nonce_lo_len, rival->nonce_lo,
				  rival->nonce_lo_len) < 0) {
			log_info("IKE",
				 IKE_LOG_FMT ": IKE_SA rekey collision: ours %016" PRIx64
					     "/%016" PRIx64 " has the lowest nonce and is deleted, "
					     "the peer's stays",
				 cfg->name, peer, n->spi_i, n->spi_r);
			log_rekeyed(sa, rival, "by the peer", "its rekey won the collision");
			move_children(sa, rival);
			ike_sa_set_state(sa, IKE_SA_STATE_REKEYED, "the peer's rekey won");
			retire_later(sa);
			ike_sa_delete(n, "redundant IKE_SA after a rekey collision");
			return;
		}
		log_info("IKE",
			 IKE_LOG_FMT ": IKE_SA rekey collision: the peer's %016" PRIx64
				     "/%016" PRIx64 " has the lowest nonce (the peer deletes it), "
				     "ours stays",
			 cfg->name, peer, rival->spi_i, rival->spi_r);
		move_children(rival, n); /* none normally: they stay on the old one till now */
		ike_sa_set_state(rival, IKE_SA_STATE_REKEYED, "redundant after a rekey collision");
		retire_later(rival);
	}
	log_rekeyed(sa, n, "by us", sa->rekey_why);
	move_children(sa, n);
	/* 2.18: the rekey's initiator deletes the old IKE SA. */
	ike_sa_delete(sa, "rekeyed by us");
	return;

refused:
	secret_free(gir);
	ike_child_pending_clear(sa);
	if (rival) {
		/* Our rekey failed but the peer's, which we answered, stands: its SA takes over. */
		log_rekeyed(sa, rival, "by the peer", "ours refused");
		move_children(sa, rival);
		ike_sa_set_state(sa, IKE_SA_STATE_REKEYED, "rekeyed by the peer");
		retire_later(sa);
		return;
	}
	log_warn("IKE", IKE_LOG_FMT ": IKE_SA rekey failed: %s; retrying in %u ms", cfg->name, peer,
		 why, IKE_REKEY_RETRY_MS);
	retry_later(sa);
}

/* Why we cannot take a rekey of the IKE SA now (2.25.2), or 0. */
static uint16_t busy_for_ike_rekey(const struct ike_sa *sa)
{
	/* A child exchange of ours is out: its answer must land on the SA its children live on. */
	switch (sa->req.kind) {
	case IKE_TASK_CHILD:
	case IKE_TASK_REKEY_CHILD:
	case IKE_TASK_DELETE_CHILD:
		return IKE_N_TEMPORARY_FAILURE;
	default:
		break;
	}
	/* A rekeyed child waits for its Delete: let that go by first. */
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->state != IKE_CHILD_ACTIVE)
			return IKE_N_TEMPORARY_FAILURE;
	return 0;
}

void ike_rekey_ike_handle_request(struct ike_sa *sa, struct ike_msg *m,
				  const struct ike_pld_sa *offer)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_ke ke;
	struct ike_pld_nonce nonce, our_nonce;
	struct ike_pld_sa reply;
	struct ike_chosen ch;
	struct secret *gir = NULL;
	struct ike_sa *n = NULL;
	struct ike_out o;
	struct buf nr;
	uint8_t spi[8];
	char peer[ADDR_STR_MAX];
	uint16_t refuse;
	int r;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	refuse = busy_for_ike_rekey(sa);
	if (refuse) {
		log_info("IKE",
			 IKE_LOG_FMT ": IKE_SA rekey request while a child exchange is "
				     "unfinished: TEMPORARY_FAILURE",
			 cfg->name, peer);
		ike_sa_respond_notify(sa, m, refuse, NULL, 0);
		return;
	}
	if (ike_msg_get_nonce(m, &nonce) || ike_msg_get_ke(m, &ke)) {
		ike_sa_respond_notify(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ike_proposal_select(&cfg->policy.ike, IKE_PROTO_IKE, false, offer, &ch) ||
	    ch.spi_len != 8 || spi_of(&ch) == 0) {
		log_warn("IKE", IKE_LOG_FMT ": IKE_SA rekey: NO_PROPOSAL_CHOSEN", cfg->name, peer);
		ike_sa_respond_notify(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ke.group != ch.suite.dh) {
		uint8_t g[2] = {(uint8_t)(ch.suite.dh >> 8), (uint8_t)ch.suite.dh};

		ike_sa_respond_notify(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if (ike_conn_ike_sas(sa->eng, sa->conn) >= sa->eng->limits.ike_sas_per_conn) {
		ike_conn_refused(sa->conn, &sa->conn->refused.ike_sas,
				 "IKE_SA rekey: the connection holds %u IKE_SAs (its limit): "
				 "NO_ADDITIONAL_SAS",
				 ike_conn_ike_sas(sa->eng, sa->conn));
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	n = successor_new(sa, false, &ch, &nonce.data);
	if (!n) {
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	n->spi_i = spi_of(&ch);
	buf_init_read(&nr, n->nonce, sizeof(n->nonce));
	r = crypto_dh_new(&n->dh, ch.suite.dh);
	r = r ?: crypto_dh_derive(n->dh, buf_data(&ke.data), buf_left(&ke.data), &gir);
	r = r ?: ike_sa_keys_derive_rekey(n, sa, gir, &nonce.data, &nr);
	secret_free(gir);
	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(n->spi_r >> (56 - 8 * i));
	ike_proposal_reply(&ch, spi, 8, &reply);
	buf_init_read(&our_nonce.data, n->nonce, sizeof(n->nonce));
	r = r ?: ike_sa_out_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid);
	r = r ?: ike_msg_add_sa(&o.w, &reply);
	r = r ?: ike_msg_add_nonce(&o.w, &our_nonce);
	r = r ?: ike_msg_add_ke_dh(&o.w, n->dh);
	r = r ?: ike_sa_send_response(sa, &o);
	if (r) {
		ike_sa_set_state(n, IKE_SA_STATE_DEAD, "rekey response could not be built");
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	ike_nonce_lo(&nonce.data, &nr, n->nonce_lo, &n->nonce_lo_len);
	ike_sa_set_state(n, IKE_SA_STATE_ESTABLISHED, "rekeyed by the peer");
	ike_timers_established(n);
	sa->eng->stats.ike_rekeys++;
	if (sa->req.kind == IKE_TASK_REKEY_IKE) {
		/* 2.8.2: ours is out too; which SA survives is decided when its answer comes. */
		log_info("IKE",
			 IKE_LOG_FMT ": IKE_SA rekey collision: the peer's rekey answered "
				     "while ours is out",
			 cfg->name, peer);
		sa->peer_rekey = n;
		return;
	}
	log_rekeyed(sa, n, "by the peer", NULL);
	move_children(sa, n);
	/*
	 * The old SA stays until the peer, the rekey's initiator, deletes it (2.18), but not for
	 * the rest of its lifetime: a peer that rekeys again and again without deleting would
	 * pile them up. It is dropped IKE_REDUNDANT_GRACE_S after the rekey (rekey.c).
	 */
	ike_sa_set_state(sa, IKE_SA_STATE_REKEYED, "rekeyed by the peer");
	retire_later(sa);
}

void ike_rekey_ike_deleted(struct ike_sa *sa)
{
	struct ike_sa *rival = sa->peer_rekey;

	/* 2.25.2: a Delete of the SA we rekey: forget our rekey; the peer's new SA takes over. */
	if (!rival || rival->state != IKE_SA_STATE_ESTABLISHED)
		return;
	log_rekeyed(sa, rival, "by the peer", "ours forgotten on its Delete");
	move_children(sa, rival);
	ike_child_pending_clear(sa);
}
