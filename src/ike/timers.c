/* SPDX-License-Identifier: MIT */
/*
 * timers: every IKE SA timer, behind hooks named for the events that arm them (WireGuard's
 * timers.c). Retransmission of our requests with exponential back-off and giving up after the
 * last try (RFC 7296 2.1, 2.4), the half-open SA timeout, and the lifetimes of the IKE SA and its
 * children, whose rekey and expiry policy is rekey.c's. Time is clock_now_ns(), so tests drive all
 * of it with a fake clock.
 */
#include <inttypes.h>
#include <stdint.h>

#include "ike/sa.h"
#include "lib/clock.h"
#include "lib/log.h"

/* Wait after the n-th transmission (0 = the first): BASE * 2^n. */
static uint64_t retransmit_wait(unsigned int n)
{
	return (uint64_t)IKE_RETRANSMIT_BASE_MS * CLOCK_NS_PER_MS << n;
}

void ike_timers_request_sent(struct ike_sa *sa)
{
	sa->req.tries = 0;
	sa->req.deadline = clock_now_ns() + retransmit_wait(0);
}

void ike_timers_response_received(struct ike_sa *sa)
{
	sa->req.deadline = 0;
}

void ike_timers_half_open(struct ike_sa *sa)
{
	sa->half_open_deadline = clock_now_ns() + (uint64_t)IKE_HALF_OPEN_S * CLOCK_NS_PER_SEC;
}

void ike_timers_established(struct ike_sa *sa)
{
	sa->half_open_deadline = 0;
	ike_rekey_ike_arm(sa);
}

void ike_timers_authenticated_received(struct ike_sa *sa)
{
	sa->last_rx_ns = clock_now_ns();
}

static uint64_t earliest(uint64_t a, uint64_t b)
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
	if (sa->req.kind != IKE_REQ_NONE)
		t = earliest(t, sa->req.deadline);
	t = earliest(t, sa->half_open_deadline);
	return earliest(t, ike_rekey_next(sa));
}

void ike_timers_run(struct ike_sa *sa, uint64_t now)
{
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (sa->req.kind != IKE_REQ_NONE && sa->req.deadline && now >= sa->req.deadline) {
		if (sa->req.tries >= IKE_RETRANSMIT_TRIES) {
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
		ike_sa_fail(sa, "half-open IKE_SA timed out");
		return;
	}
	ike_rekey_run(sa, now);
}
