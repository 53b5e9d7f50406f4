/* SPDX-License-Identifier: MIT */
/*
 * timers: every IKE SA timer, behind hooks named for the events that arm them (WireGuard's
 * timers.c). Retransmission of our requests with exponential back-off and giving up after the
 * last try (RFC 7296 2.1, 2.4), the half-open SA timeout, the lifetimes of the IKE SA and its
 * children (whose rekey and expiry policy is rekey.c's), dead peer detection (2.4: liveness
 * checks after silence, engine.h says how the interval and timeout relate), the back-off of a
 * connection's re-initiation after failures, and of a new CHILD_SA on an IKE SA left without one
 * (1.3.1). Time is clock_now_ns(), so tests drive all of it
 * with a fake clock.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/rand.h"
#include "ike/rekey.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "lib/clock.h"
#include "lib/log.h"

#define DPD_REASON "peer not responding to liveness checks (DPD)"

/* Wait after the n-th transmission (0 = the first): BASE * 2^n (n capped for long DPD budgets). */
static uint64_t retransmit_wait(unsigned int n)
{
	if (n > 10)
		n = 10;
	return (uint64_t)IKE_RETRANSMIT_BASE_MS * CLOCK_NS_PER_MS << n;
}

void ike_timers_request_sent(struct ike_sa *sa)
{
	sa->req.tries = 0;
	sa->req.deadline = clock_now_ns() + retransmit_wait(0);
}

uint64_t ike_timers_request_age(const struct ike_sa *sa, uint64_t now)
{
	uint64_t sent;

	if (sa->req.kind == IKE_TASK_NONE || !sa->req.deadline)
		return 0;
	sent = sa->req.deadline - retransmit_wait(sa->req.tries);
	return now > sent ? now - sent : 0;
}

void ike_timers_request_resent(struct ike_sa *sa)
{
	/* Counts as this try's send: its wait starts again, the number of tries stays. */
	sa->req.deadline = clock_now_ns() + retransmit_wait(sa->req.tries);
}

void ike_timers_response_received(struct ike_sa *sa)
{
	sa->req.deadline = 0;
}

void ike_timers_half_open(struct ike_sa *sa)
{
	sa->half_open_deadline = clock_now_ns() + (uint64_t)IKE_HALF_OPEN_S * CLOCK_NS_PER_SEC;
}

/* ---- dead peer detection (RFC 7296 2.4) ---------------------------------------------- */

static uint64_t dpd_timeout_ns(const struct ike_sa *sa)
{
	return (uint64_t)sa->conn->cfg.dpd_timeout_s * CLOCK_NS_PER_SEC;
}

static uint64_t dpd_interval_ns(const struct ike_sa *sa)
{
	return dpd_timeout_ns(sa) / IKE_DPD_INTERVAL_DIV;
}

/* Silence starts now: look again after one interval. */
static void dpd_rearm(struct ike_sa *sa, uint64_t now)
{
	sa->dpd_check_ns = 0;
	sa->dpd_dead_ns = 0;
	sa->dpd_deadline = sa->state == IKE_SA_STATE_ESTABLISHED && sa->conn->cfg.dpd_timeout_s
				   ? now + dpd_interval_ns(sa)
				   : 0;
}

void ike_timers_established(struct ike_sa *sa)
{
	uint64_t now = clock_now_ns();

	sa->half_open_deadline = 0;
	sa->last_rx_ns = now;
	dpd_rearm(sa, now);
	ike_rekey_ike_arm(sa);
}

void ike_timers_authenticated_received(struct ike_sa *sa)
{
	sa->last_rx_ns = clock_now_ns();
	dpd_rearm(sa, sa->last_rx_ns);
}

/* The newest of the last IKE message and the last ESP packet on any child (data plane). */
static uint64_t dpd_last_rx(struct ike_sa *sa)
{
	const struct ike_engine_ops *ops = &sa->eng->ops;

	if (ops->child_last_rx) {
		for (const struct ike_child *c = sa->children; c; c = c->next) {
			uint64_t t = ops->child_last_rx(ops->ctx, sa->conn->cfg.name, c->spi_in);

			if (t > sa->last_rx_ns)
				sa->last_rx_ns = t;
		}
	}
	return sa->last_rx_ns;
}

static void dpd_run(struct ike_sa *sa, uint64_t now)
{
	uint64_t last = dpd_last_rx(sa), d = dpd_interval_ns(sa), t = dpd_timeout_ns(sa);
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (sa->dpd_check_ns && last > sa->dpd_check_ns) {
		/* ESP arrived after the check went out: alive; a new silence is measured. */
		sa->dpd_check_ns = 0;
		sa->dpd_dead_ns = 0;
	}
	if (now < last + d) {
		sa->dpd_deadline = last + d;
		return;
	}
	if (sa->dpd_dead_ns && now >= sa->dpd_dead_ns) {
		sa->eng->stats.dpd_dead++;
		log_warn("IKE",
			 IKE_LOG_FMT ": nothing received for %" PRIu64 " s, liveness check "
				     "unanswered: peer is dead",
			 sa->conn->cfg.name, peer, (uint64_t)((now - last) / CLOCK_NS_PER_SEC));
		/* 2.4: no Delete to a dead peer; the SAs simply go. */
		ike_sa_fail(sa, DPD_REASON);
		return;
	}
	if (!sa->dpd_dead_ns) {
		/*
		 * Silent for an interval: check. A request of ours already out (window 1, 2.3)
		 * is the check. The deadline counts from the last packet, but a clock that jumped
		 * past it still gives the check the rest of the budget.
		 */
		sa->dpd_check_ns = now;
		sa->dpd_dead_ns = last + t > now + (t - d) ? last + t : now + (t - d);
		if (sa->req.kind == IKE_TASK_NONE) {
			sa->eng->stats.dpd_checks++;
			log_info("IKE",
				 IKE_LOG_FMT ": nothing received for %" PRIu64 " s, liveness check",
				 sa->conn->cfg.name, peer,
				 (uint64_t)((now - last) / CLOCK_NS_PER_SEC));
			if (ike_task_queue(sa, IKE_TASK_LIVENESS, 0, "DPD"))
				log_warn("IKE", IKE_LOG_FMT ": liveness check could not be queued",
					 sa->conn->cfg.name, peer);
		}
	}
	sa->dpd_deadline = sa->dpd_dead_ns;
}

/* ---- re-initiation back-off ---------------------------------------------------------- */

static uint64_t retry_wait_ns(unsigned int n)
{
	uint64_t ms = IKE_RETRY_MAX_MS;
	uint32_t r = 0;

	if (n < 16 && ((uint64_t)IKE_RETRY_BASE_MS << n) < ms)
		ms = (uint64_t)IKE_RETRY_BASE_MS << n;
	/* Jitter: a factor in [3/4, 1], so that many connections do not retry in step. */
	if (crypto_rand_uniform(1001, &r))
		r = 1000;
	ms = ms * 3 / 4 + ms / 4 * r / 1000;
	return ms * CLOCK_NS_PER_MS;
}

void ike_timers_conn_failed(struct ike_conn *c, struct ike_engine *e, const char *why)
{
	uint64_t wait;
	char reason[128];

	if (!c->cfg.initiate || c->retry_hold) {
		ike_conn_set_status(c, e, IKE_CONN_NOT_CONNECTED, why);
		return;
	}
	wait = retry_wait_ns(c->retry_n);
	c->retry_deadline = clock_now_ns() + wait;
	log_info("Tunnel", "conn=%s: %s; initiating again in %" PRIu64 " ms (attempt %u)",
		 c->cfg.name, why, (uint64_t)(wait / CLOCK_NS_PER_MS), c->retry_n + 1);
	c->retry_n++;
	/* The status keeps the reason of the failure while we retry. */
	snprintf(reason, sizeof(reason), "%s", why);
	ike_conn_set_status(c, e, IKE_CONN_CONNECTING, reason);
}

void ike_timers_conn_connected(struct ike_conn *c)
{
	c->retry_n = 0;
	c->retry_deadline = 0;
}

void ike_timers_conn_cancel(struct ike_conn *c)
{
	c->retry_deadline = 0;
}

/* ---- an established IKE SA without CHILD_SA ----------------------------------------------- */

static uint64_t child_retry_wait_ms(unsigned int n)
{
	if (n < 16 && ((uint64_t)IKE_CHILD_RETRY_BASE_MS << n) < IKE_CHILD_RETRY_MAX_MS)
		return (uint64_t)IKE_CHILD_RETRY_BASE_MS << n;
	return IKE_CHILD_RETRY_MAX_MS;
}

void ike_timers_sa_no_child(struct ike_sa *sa, const char *why)
{
	struct ike_conn *c = sa->conn;
	char reason[sizeof(c->reason)];
	uint64_t wait;

	sa->no_child = true;
	snprintf(reason, sizeof(reason), "IKE SA up, no CHILD_SA (%s)", why);
	if (c->cfg.initiate && !c->retry_hold) {
		/* RFC 7296 1.3.1: a new child on the existing IKE SA, not a new IKE SA. */
		wait = child_retry_wait_ms(sa->child_retry_n);
		sa->child_retry_deadline = clock_now_ns() + wait * CLOCK_NS_PER_MS;
		log_info("Tunnel",
			 "conn=%s: %s; creating a CHILD_SA in %" PRIu64 " ms (attempt %u)",
			 c->cfg.name, reason, wait, sa->child_retry_n + 1);
		sa->child_retry_n++;
	} else {
		log_info("Tunnel", "conn=%s: %s; waiting for the peer to create one", c->cfg.name,
			 reason);
	}
	ike_conn_set_status(c, sa->eng, IKE_CONN_CONNECTING, reason);
}

void ike_timers_sa_child_installed(struct ike_sa *sa)
{
	sa->child_retry_n = 0;
	sa->child_retry_deadline = 0;
	if (!sa->no_child || sa->state != IKE_SA_STATE_ESTABLISHED)
		return;
	sa->no_child = false;
	ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_CONNECTED,
			    "established (CHILD_SA created)");
}

static void child_retry_run(struct ike_sa *sa, uint64_t now)
{
	sa->child_retry_deadline = 0;
	if (!sa->no_child)
		return;
	/* 2.3: window 1; queued, the child's request waits for an outstanding one. */
	if (ike_task_queue(sa, IKE_TASK_CHILD, 0, "no CHILD_SA"))
		ike_timers_sa_no_child(sa, "CREATE_CHILD_SA request could not be queued");
	(void)now;
}

uint64_t ike_timers_conn_next(const struct ike_conn *c)
{
	return c->retry_deadline;
}

bool ike_timers_conn_due(struct ike_conn *c, uint64_t now)
{
	if (!c->retry_deadline || now < c->retry_deadline)
		return false;
	c->retry_deadline = 0;
	return true;
}

uint64_t ike_time_earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

uint64_t ike_timers_next(const struct ike_sa *sa)
{
	uint64_t t = 0;

	if (sa->state == IKE_SA_STATE_DEAD)
		return 0;
	if (sa->req.kind != IKE_TASK_NONE)
		t = ike_time_earliest(t, sa->req.deadline);
	t = ike_time_earliest(t, sa->half_open_deadline);
	if (sa->state == IKE_SA_STATE_ESTABLISHED) {
		t = ike_time_earliest(t, sa->dpd_deadline);
		t = ike_time_earliest(t, sa->child_retry_deadline);
	}
	return ike_time_earliest(t, ike_rekey_next(sa));
}

void ike_timers_run(struct ike_sa *sa, uint64_t now)
{
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->dpd_deadline && now >= sa->dpd_deadline) {
		dpd_run(sa, now);
		if (sa->state == IKE_SA_STATE_DEAD)
			return;
	}
	if (sa->req.kind != IKE_TASK_NONE && sa->req.deadline && now >= sa->req.deadline) {
		/* A liveness check is bounded by the DPD deadline, not by a number of tries. */
		if (sa->req.tries >= IKE_RETRANSMIT_TRIES &&
		    !(sa->req.kind == IKE_TASK_LIVENESS && sa->dpd_dead_ns)) {
			log_warn("IKE",
				 IKE_LOG_FMT ": no response after %u retransmissions, giving "
					     "up",
				 sa->conn->cfg.name, peer, sa->req.tries);
			ike_sa_fail(sa, "peer not responding");
			return;
		}
		sa->req.tries++;
		sa->req.deadline = now + retransmit_wait(sa->req.tries);
		log_info("IKE", IKE_LOG_FMT ": retransmitting request %u (try %u of %u)",
			 sa->conn->cfg.name, peer, sa->req.msgid, sa->req.tries,
			 IKE_RETRANSMIT_TRIES);
		ike_sa_send_raw(sa, sa->req.pkt, sa->req.len);
	}
	if (sa->half_open_deadline && now >= sa->half_open_deadline) {
		sa->half_open_deadline = 0;
		sa->eng->stats.half_open_expired++;
		ike_sa_fail(sa, "half-open IKE_SA timed out");
		return;
	}
	ike_rekey_run(sa, now);
	if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->child_retry_deadline &&
	    now >= sa->child_retry_deadline)
		child_retry_run(sa, now);
}
