/* SPDX-License-Identifier: MIT */
/*
 * timers: every BGP timer of a session (RFC 4271 10 and 8), behind hooks named for the events
 * that arm them: ConnectRetry, Hold (a large value in OpenSent, the negotiated one after the
 * OPENs, restarted by each KEEPALIVE or UPDATE received, off when negotiated to 0), Keepalive
 * (a third of the hold time, restarted by each KEEPALIVE or UPDATE sent, RFC 4271 4.4) and the
 * IdleHold of automatic restart (8.1.1). Time is the speaker's clock (ops->now).
 */
#include "bgp/speaker_impl.h"

#include "lib/clock.h"

static uint64_t s_now(const struct bgp_session *s)
{
	return bgp_now(s->peer->sp);
}

static uint64_t secs(uint64_t n)
{
	return n * CLOCK_NS_PER_SEC;
}

void bgp_timers_connect_retry_start(struct bgp_session *s)
{
	s->connect_retry_at = s_now(s) + secs(s->peer->sp->cfg.connect_retry_s);
}

void bgp_timers_connect_retry_stop(struct bgp_session *s)
{
	s->connect_retry_at = 0;
}

void bgp_timers_open_sent(struct bgp_session *s)
{
	/* RFC 4271 8.2.2 (Connect, event 16/17): "HoldTimer to a large value", 4 minutes. */
	s->connect_retry_at = 0;
	s->hold_at = s_now(s) + secs(BGP_OPENSENT_HOLD_S);
}

void bgp_timers_open_confirm(struct bgp_session *s)
{
	/* 8.2.2 (OpenSent, event 19): hold and keepalive from the negotiated hold time. */
	uint64_t now = s_now(s);

	s->hold_at = s->hold_s ? now + secs(s->hold_s) : 0;
	s->keepalive_at = s->keepalive_s ? now + secs(s->keepalive_s) : 0;
}

void bgp_timers_message_received(struct bgp_session *s)
{
	if (s->hold_s)
		s->hold_at = s_now(s) + secs(s->hold_s);
}

void bgp_timers_message_sent(struct bgp_session *s)
{
	/* 4.4: a KEEPALIVE is due only when nothing else went out for the keepalive time. */
	if (s->keepalive_s && s->state >= BGP_STATE_OPENCONFIRM)
		s->keepalive_at = s_now(s) + secs(s->keepalive_s);
}

void bgp_timers_keepalive_sent(struct bgp_session *s)
{
	bgp_timers_message_sent(s);
}

void bgp_timers_idle_hold(struct bgp_session *s, uint64_t wait_ns)
{
	s->idle_hold_at = wait_ns ? s_now(s) + wait_ns : 0;
}

void bgp_timers_stop(struct bgp_session *s)
{
	s->connect_retry_at = s->hold_at = s->keepalive_at = 0;
}

uint64_t bgp_timers_idle_hold_wait(const struct bgp_peer *p)
{
	const struct bgp_speaker_config *c = &p->sp->cfg;
	uint64_t wait;
	unsigned int n = p->connect_retry_counter;

	if (p->max_prefix_stopped)
		return secs(c->max_prefix_restart_s);
	wait = secs(c->idle_hold_s);
	/* Double with each consecutive failure (8.1.1 DampPeerOscillations, simply). */
	while (n-- > 1 && wait < secs(BGP_IDLE_HOLD_MAX_S))
		wait *= 2;
	return wait < secs(BGP_IDLE_HOLD_MAX_S) ? wait : secs(BGP_IDLE_HOLD_MAX_S);
}

static void earliest(uint64_t *best, enum bgp_event *ev, uint64_t at, enum bgp_event e)
{
	if (at && (!*best || at < *best)) {
		*best = at;
		*ev = e;
	}
}

enum bgp_event bgp_timers_due(struct bgp_session *s, uint64_t now)
{
	uint64_t at = 0;
	enum bgp_event ev = 0;

	earliest(&at, &ev, s->hold_at, BGP_EV_HOLD_TIMER_EXPIRES);
	earliest(&at, &ev, s->keepalive_at, BGP_EV_KEEPALIVE_TIMER_EXPIRES);
	earliest(&at, &ev, s->connect_retry_at, BGP_EV_CONNECT_RETRY_TIMER_EXPIRES);
	earliest(&at, &ev, s->idle_hold_at, BGP_EV_IDLE_HOLD_TIMER_EXPIRES);
	if (!at || at > now)
		return 0;
	switch (ev) {
	case BGP_EV_HOLD_TIMER_EXPIRES:
		s->hold_at = 0;
		break;
	case BGP_EV_KEEPALIVE_TIMER_EXPIRES:
		s->keepalive_at = 0;
		break;
	case BGP_EV_CONNECT_RETRY_TIMER_EXPIRES:
		s->connect_retry_at = 0;
		break;
	default:
		s->idle_hold_at = 0;
		break;
	}
	return ev;
}

uint64_t bgp_timers_next(const struct bgp_session *s)
{
	uint64_t at = 0;
	enum bgp_event ev = 0;

	earliest(&at, &ev, s->hold_at, BGP_EV_HOLD_TIMER_EXPIRES);
	earliest(&at, &ev, s->keepalive_at, BGP_EV_KEEPALIVE_TIMER_EXPIRES);
	earliest(&at, &ev, s->connect_retry_at, BGP_EV_CONNECT_RETRY_TIMER_EXPIRES);
	earliest(&at, &ev, s->idle_hold_at, BGP_EV_IDLE_HOLD_TIMER_EXPIRES);
	return at;
}
