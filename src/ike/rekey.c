/* SPDX-License-Identifier: MIT */
/*
 * rekey: when SAs are rekeyed and what happens once a rekey is done (RFC 7296 2.8, 2.8.1,
 * 2.25). Soft lifetimes start a rekey, hard ones delete; a completed child rekey makes the new
 * child's outbound SA current and deletes the old child, or, when it collided with the peer's
 * rekey of the same child, the SA created with the lowest of the four nonces is deleted by the
 * side that created it. The exchanges themselves are in child.c and rekey_ike.c.
 *
 * Soft lifetime: margin_pct (10 %) before the end, earlier by a random 0..jitter_pct (5 %) of
 * the lifetime, i.e. between 85 % and 90 %; the hard lifetime is the configured one. strongSwan
 * does the same with rekey_time (soft), rand_time (jitter subtracted from it) and life_time
 * (hard, by default 110 % of rekey_time): its rekeys fall between 82 % and 91 % of life_time.
 * The jitter makes the two sides rarely rekey at once; the fixed margin leaves time for
 * retransmissions and a TEMPORARY_FAILURE retry before the hard limit.
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

/* 2.25: after TEMPORARY_FAILURE wait (not immediately) before trying again. */
#define REKEY_RETRY_MS	 1000
#define REKEY_RETRY_RAND 1000
/* The SA is not established (being rekeyed itself): look again soon. */
#define REKEY_BUSY_MS 200

int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	/* 2.8.1: octet by octet; reaching the end of one nonce makes it the lower one. */
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

void ike_nonce_lo(const struct buf *ni, const struct buf *nr, uint8_t *out, size_t *len)
{
	const struct buf *lo =
		ike_nonce_cmp(buf_data(ni), buf_left(ni), buf_data(nr), buf_left(nr)) <= 0 ? ni
											   : nr;

	*len = buf_left(lo) < IKE_NONCE_MAX ? buf_left(lo) : IKE_NONCE_MAX;
	memcpy(out, buf_data(lo), *len);
}

static uint64_t rand_below(uint64_t n)
{
	uint64_t v = 0;

	if (n == 0 || crypto_rand(&v, sizeof(v)))
		return 0;
	return v % n;
}

/* Nanoseconds from now to the soft lifetime of an SA living lifetime_s. */
static uint64_t soft_after(const struct ike_conn_config *cfg, uint32_t lifetime_s)
{
	uint64_t life_ms = (uint64_t)lifetime_s * 1000;
	/* Whole seconds, so that a peer with the same numbers (strongSwan's rekey_time) agrees. */
	uint64_t soft_ms = (uint64_t)lifetime_s * (100 - cfg->rekey_margin_pct % 100) / 100 * 1000;
	uint64_t jitter_ms = rand_below(life_ms * cfg->rekey_jitter_pct / 100);

	soft_ms = soft_ms > jitter_ms ? soft_ms - jitter_ms : 0;
	return soft_ms * CLOCK_NS_PER_MS;
}

void ike_rekey_child_arm(struct ike_sa *sa, struct ike_child *c)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	uint64_t now = clock_now_ns();

	c->soft_ns = c->hard_ns = 0;
	if (!cfg->child_lifetime_s)
		return;
	c->soft_ns = now + soft_after(cfg, cfg->child_lifetime_s);
	c->hard_ns = now + (uint64_t)cfg->child_lifetime_s * CLOCK_NS_PER_SEC;
}

void ike_rekey_ike_arm(struct ike_sa *sa)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	uint64_t now = clock_now_ns();

	sa->lifetime_deadline = sa->hard_deadline = 0;
	if (!cfg->ike_lifetime_s)
		return;
	sa->lifetime_deadline = now + soft_after(cfg, cfg->ike_lifetime_s);
	sa->hard_deadline = now + (uint64_t)cfg->ike_lifetime_s * CLOCK_NS_PER_SEC;
}

uint64_t ike_rekey_next(const struct ike_sa *sa)
{
	uint64_t t = 0;

	if (sa->state != IKE_SA_STATE_ESTABLISHED && sa->state != IKE_SA_STATE_REKEYED)
		return 0;
	if (sa->state == IKE_SA_STATE_ESTABLISHED)
		t = ike_time_earliest(t, sa->lifetime_deadline);
	t = ike_time_earliest(t, sa->hard_deadline);
	for (const struct ike_child *c = sa->children; c; c = c->next) {
		if (c->state == IKE_CHILD_ACTIVE)
			t = ike_time_earliest(t, c->soft_ns);
		t = ike_time_earliest(t, c->hard_ns);
	}
	return t;
}

static void child_hard(struct ike_sa *sa, struct ike_child *c)
{
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	c->hard_ns = 0;
	log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x (%s) reached its hard lifetime, deleting",
		 sa->conn->cfg.name, peer, c->spi_in, c->spi_out, ike_child_state_name(c->state));
	if (c->state == IKE_CHILD_DELETING || sa->state != IKE_SA_STATE_ESTABLISHED) {
		/* RFC 4301 4.4.2.1: no traffic past the hard limit, whether or not the peer hears. */
		ike_sa_child_remove(sa, c, "hard lifetime");
		return;
	}
	ike_child_delete(sa, c, "hard lifetime");
}

static void child_soft(struct ike_sa *sa, struct ike_child *c, uint64_t now)
{
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED) {
		c->soft_ns = now + (uint64_t)REKEY_BUSY_MS * CLOCK_NS_PER_MS;
		return;
	}
	/* Queued: it goes as soon as the window is free (2.3). */
	r = ike_task_queue(sa, IKE_TASK_REKEY_CHILD, c->spi_in,
			   c->soft_why	    ? c->soft_why
			   : c->rekey_tries ? "lifetime, retry"
					    : "lifetime");
	c->soft_ns = 0;
	c->rekey_tries++;
	if (r) {
		char peer[ADDR_STR_MAX];

		log_warn("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x: rekey not started: %s",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in,
			 c->spi_out, strerror(-r));
	}
}

static void ike_lifetime(struct ike_sa *sa, uint64_t now)
{
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (sa->hard_deadline && now >= sa->hard_deadline && sa->state == IKE_SA_STATE_REKEYED &&
	    !sa->children) {
		/* Replaced and empty: the peer was to delete it; a Delete would find nothing. */
		log_info("IKE",
			 IKE_LOG_FMT ": rekeyed IKE_SA %016" PRIx64 "/%016" PRIx64
				     " not deleted by the peer, dropped",
			 sa->conn->cfg.name, peer, sa->spi_i, sa->spi_r);
		ike_sa_fail(sa, "rekeyed IKE_SA not deleted by the peer");
		return;
	}
	if (sa->hard_deadline && now >= sa->hard_deadline) {
		sa->hard_deadline = 0;
		sa->lifetime_deadline = 0;
		log_warn("IKE",
			 IKE_LOG_FMT ": IKE_SA %016" PRIx64 "/%016" PRIx64
				     " reached its hard lifetime, deleting",
			 sa->conn->cfg.name, peer, sa->spi_i, sa->spi_r);
		ike_sa_delete(sa, "IKE_SA lifetime expired");
		return;
	}
	if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->lifetime_deadline &&
	    now >= sa->lifetime_deadline) {
		int r = ike_task_queue(sa, IKE_TASK_REKEY_IKE, 0,
				       sa->rekey_tries ? "lifetime, retry" : "lifetime");

		sa->lifetime_deadline = 0;
		sa->rekey_tries++;
		if (r)
			log_warn("IKE", IKE_LOG_FMT ": IKE_SA rekey not started: %s",
				 sa->conn->cfg.name, peer, strerror(-r));
	}
}

void ike_rekey_run(struct ike_sa *sa, uint64_t now)
{
	bool again = true;

	if (sa->state != IKE_SA_STATE_ESTABLISHED && sa->state != IKE_SA_STATE_REKEYED)
		return;
	ike_lifetime(sa, now);
	/* Acting on a child may remove it (or another): start over after each action. */
	while (again && sa->state != IKE_SA_STATE_DEAD) {
		again = false;
		for (struct ike_child *c = sa->children; c; c = c->next) {
			if (c->hard_ns && now >= c->hard_ns) {
				child_hard(sa, c);
				again = true;
				break;
			}
			if (c->state == IKE_CHILD_ACTIVE && c->soft_ns && now >= c->soft_ns) {
				child_soft(sa, c, now);
				again = true;
				break;
			}
		}
	}
}

/*
 * The peer's new child from a rekey of the same old child that we answered (2.8.1): still held,
 * or already sending if the peer deleted the old child before our response came.
 */
static struct ike_child *rival_of(struct ike_sa *sa, const struct ike_child *n)
{
	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c != n && !c->we_created && c->replaces_spi_in == n->replaces_spi_in &&
		    c->state == IKE_CHILD_ACTIVE)
			return c;
	return NULL;
}

static void drop_held(struct ike_child *c)
{
	secret_free(c->held_enc_out);
	secret_free(c->held_integ_out);
	c->held_enc_out = c->held_integ_out = NULL;
	c->out_held = false;
}

void ike_rekey_child_done(struct ike_sa *sa, struct ike_child *n)
{
	struct ike_child *old = ike_sa_child_by_spi_in(sa, n->replaces_spi_in);
	struct ike_child *rival = rival_of(sa, n);
	char peer[ADDR_STR_MAX];
	const char *name = sa->conn->cfg.name;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	sa->eng->stats.child_rekeys++;
	if (old)
		ike_child_set_state(sa, old, IKE_CHILD_REKEYED, "rekeyed by us");
	if (!rival) {
		log_info("IKE",
			 IKE_LOG_FMT ": CHILD_SA %08x/%08x rekeyed -> %08x/%08x (by us, %s), %s",
			 name, peer, n->replaces_spi_in, old ? old->spi_out : 0, n->spi_in,
			 n->spi_out, sa->rekey_why ? sa->rekey_why : "?",
			 old ? "deleting the old one" : "the old one is gone already");
		ike_sa_child_activate(sa, n);
		if (old)
			ike_child_delete(sa, old, "rekeyed");
		return;
	}
	sa->eng->stats.rekey_collisions++;
	/* 2.8.1: the SA created with the lowest of the four nonces is closed by its creator. */
	if (ike_nonce_cmp(n->nonce_lo, n->nonce_lo_len, rival->nonce_lo, rival->nonce_lo_len) < 0) {
		log_info("IKE",
			 IKE_LOG_FMT
			 ": CHILD_SA rekey collision on %08x/..: ours %08x/%08x has the "
			 "lowest nonce and is deleted, the peer's %08x/%08x stays",
			 name, peer, n->replaces_spi_in, n->spi_in, n->spi_out, rival->spi_in,
			 rival->spi_out);
		ike_child_set_state(sa, n, IKE_CHILD_REDUNDANT, "lost a rekey collision");
		drop_held(n);
		/* The old child is the winner's to delete; rival sends once it is gone. */
		ike_child_delete(sa, n, "redundant after a rekey collision");
		return;
	}
	log_info("IKE",
		 IKE_LOG_FMT ": CHILD_SA rekey collision on %08x/..: the peer's %08x/%08x has the "
			     "lowest nonce (the peer deletes it), ours %08x/%08x stays",
		 name, peer, n->replaces_spi_in, rival->spi_in, rival->spi_out, n->spi_in,
		 n->spi_out);
	ike_child_set_state(sa, rival, IKE_CHILD_REDUNDANT, "lost a rekey collision");
	if (!rival->hard_ns ||
	    rival->hard_ns > clock_now_ns() + (uint64_t)IKE_REDUNDANT_GRACE_S * CLOCK_NS_PER_SEC)
		rival->hard_ns =
			clock_now_ns() + (uint64_t)IKE_REDUNDANT_GRACE_S * CLOCK_NS_PER_SEC;
	drop_held(rival);
	ike_sa_child_activate(sa, n);
	if (old)
		ike_child_delete(sa, old, "rekeyed");
}

void ike_rekey_child_refused(struct ike_sa *sa, uint32_t old_spi, uint16_t err)
{
	struct ike_child *old = ike_sa_child_by_spi_in(sa, old_spi);
	uint64_t now = clock_now_ns();
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (!old)
		return; /* deleted while we tried: nothing left to rekey */
	if (err == IKE_N_CHILD_SA_NOT_FOUND) {
		bool others = false;

		/* 2.25: drop it silently, and create a new child if none is left. */
		ike_sa_child_remove(sa, old, "peer knows it no more (CHILD_SA_NOT_FOUND)");
		for (struct ike_child *c = sa->children; c; c = c->next)
			others |= c->state == IKE_CHILD_ACTIVE || c->state == IKE_CHILD_REKEYING;
		if (!others &&
		    ike_task_queue(sa, IKE_TASK_CHILD, 0, "the peer lost our only CHILD_SA"))
			log_warn("IKE",
				 IKE_LOG_FMT ": no CHILD_SA left and none could be requested",
				 sa->conn->cfg.name, peer);
		return;
	}
	if (old->state != IKE_CHILD_REKEYING)
		return; /* e.g. the peer's rekey of it won meanwhile */
	for (struct ike_child *c = sa->children; c; c = c->next) {
		if (c->we_created || c->replaces_spi_in != old->spi_in ||
		    c->state != IKE_CHILD_ACTIVE)
			continue;
		/* We answered the peer's rekey of it: that one stands, the peer deletes old. */
		ike_child_set_state(sa, old, IKE_CHILD_REKEYED, "the peer's rekey stands");
		log_info("IKE",
			 IKE_LOG_FMT ": CHILD_SA %08x/%08x: our rekey refused (%s), the peer's "
				     "-> %08x/%08x stands",
			 sa->conn->cfg.name, peer, old->spi_in, old->spi_out,
			 err ? ike_notify_name(err) : "failed", c->spi_in, c->spi_out);
		return;
	}
	ike_child_set_state(sa, old, IKE_CHILD_ACTIVE, "our rekey failed");
	/* 2.25: not at once; the peer finishes what made it refuse (TEMPORARY_FAILURE). */
	old->soft_ns = now + (REKEY_RETRY_MS + rand_below(REKEY_RETRY_RAND)) * CLOCK_NS_PER_MS;
	log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x: rekey %s, retrying in about %u ms",
		 sa->conn->cfg.name, peer, old->spi_in, old->spi_out,
		 err ? ike_notify_name(err) : "failed", REKEY_RETRY_MS);
}

void ike_rekey_forget(struct ike_engine *e, const struct ike_sa *gone)
{
	/* Only an SA of the same connection can have rekeyed into it. */
	(void)e;
	for (struct ike_sa *sa = gone->conn->sas; sa; sa = sa->conn_next)
		if (sa->peer_rekey == gone)
			sa->peer_rekey = NULL;
}
