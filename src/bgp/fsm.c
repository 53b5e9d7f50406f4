/* SPDX-License-Identifier: MIT */
/*
 * fsm: the BGP FSM of RFC 4271 8.2.2 for one connection, with connection collision detection
 * (6.8, ties between equal identifiers by AS number, RFC 6286 2.3), FSM error subcodes (RFC 6608)
 * and Cease subcodes (RFC 4486). DelayOpen and peer oscillation damping are not implemented;
 * automatic restart after a failure uses the IdleHold timer (8.1.1, timers.c).
 *
 * One deviation, as OpenBGPD: a TCP failure in Connect goes to Active (listening, ConnectRetry
 * running) rather than to Idle, so a peer that is not up yet is retried every ConnectRetry.
 */
#include "bgp/fsm.h"

#include <stdio.h>

#include "bgp/speaker_impl.h"

const char *bgp_state_name(enum bgp_state s)
{
	switch (s) {
	case BGP_STATE_IDLE:
		return "Idle";
	case BGP_STATE_CONNECT:
		return "Connect";
	case BGP_STATE_ACTIVE:
		return "Active";
	case BGP_STATE_OPENSENT:
		return "OpenSent";
	case BGP_STATE_OPENCONFIRM:
		return "OpenConfirm";
	case BGP_STATE_ESTABLISHED:
		return "Established";
	}
	return "?";
}

const char *bgp_event_name(enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_MANUAL_START:
		return "ManualStart";
	case BGP_EV_MANUAL_STOP:
		return "ManualStop";
	case BGP_EV_AUTOMATIC_START:
		return "AutomaticStart";
	case BGP_EV_MANUAL_START_PASSIVE:
		return "ManualStart_with_PassiveTcpEstablishment";
	case BGP_EV_AUTOMATIC_START_PASSIVE:
		return "AutomaticStart_with_PassiveTcpEstablishment";
	case BGP_EV_AUTOMATIC_STOP:
		return "AutomaticStop";
	case BGP_EV_CONNECT_RETRY_TIMER_EXPIRES:
		return "ConnectRetryTimer_Expires";
	case BGP_EV_HOLD_TIMER_EXPIRES:
		return "HoldTimer_Expires";
	case BGP_EV_KEEPALIVE_TIMER_EXPIRES:
		return "KeepaliveTimer_Expires";
	case BGP_EV_IDLE_HOLD_TIMER_EXPIRES:
		return "IdleHoldTimer_Expires";
	case BGP_EV_TCP_CR_ACKED:
		return "Tcp_CR_Acked";
	case BGP_EV_TCP_CONNECTION_CONFIRMED:
		return "TcpConnectionConfirmed";
	case BGP_EV_TCP_CONNECTION_FAILS:
		return "TcpConnectionFails";
	case BGP_EV_BGP_OPEN:
		return "BGPOpen";
	case BGP_EV_BGP_HEADER_ERR:
		return "BGPHeaderErr";
	case BGP_EV_BGP_OPEN_MSG_ERR:
		return "BGPOpenMsgErr";
	case BGP_EV_OPEN_COLLISION_DUMP:
		return "OpenCollisionDump";
	case BGP_EV_NOTIF_MSG_VER_ERR:
		return "NotifMsgVerErr";
	case BGP_EV_NOTIF_MSG:
		return "NotifMsg";
	case BGP_EV_KEEPALIVE_MSG:
		return "KeepAliveMsg";
	case BGP_EV_UPDATE_MSG:
		return "UpdateMsg";
	case BGP_EV_UPDATE_MSG_ERR:
		return "UpdateMsgErr";
	case BGP_EV_ROUTE_REFRESH_MSG:
		return "RouteRefreshMsg";
	case BGP_EV_ROUTE_REFRESH_MSG_ERR:
		return "RouteRefreshMsgErr";
	}
	return "?";
}

/* The one place a state changes (OpenBGPD's change_state). */
static void set_state(struct bgp_session *s, enum bgp_state st, enum bgp_event ev, const char *why)
{
	struct bgp_peer *p = s->peer;
	enum bgp_state old = s->state;

	if (old == st)
		return;
	bgp_peer_log(p, LOG_LVL_INFO, "conn %u: %s -> %s (%s%s%s)", s->conn, bgp_state_name(old),
		     bgp_state_name(st), bgp_event_name(ev), why ? ": " : "", why ? why : "");
	s->state = st;
	snprintf(p->reason, sizeof(p->reason), "%s", why ? why : bgp_event_name(ev));
	if (old == BGP_STATE_ESTABLISHED)
		bgp_speaker_session_down(s, why ? why : bgp_event_name(ev));
	if (st == BGP_STATE_ESTABLISHED)
		bgp_speaker_session_up(s);
	bgp_speaker_report_state(p);
}

/* Whether s's sibling connection lives on, so that s can go away when it fails. */
static bool sibling_alive(const struct bgp_session *s)
{
	const struct bgp_session *t = bgp_peer_sibling(s);

	return t && !t->dead && t->state != BGP_STATE_IDLE;
}

/*
 * To Idle: drop the connection and release the session's resources (8.2.2). A session whose
 * sibling lives on is freed (speaker.c); the peer's last one waits for its automatic restart
 * unless failed is false (ManualStop) or the restart wait is 0.
 */
static void fsm_idle(struct bgp_session *s, enum bgp_event ev, const char *why, bool failed)
{
	struct bgp_peer *p = s->peer;

	bgp_session_close(s);
	bgp_timers_stop(s);
	if (failed)
		p->connect_retry_counter++;
	set_state(s, BGP_STATE_IDLE, ev, why);
	if (sibling_alive(s)) {
		s->dead = true;
		return;
	}
	if (failed)
		bgp_timers_idle_hold(s, bgp_timers_idle_hold_wait(p));
}

static void fsm_notify_idle(struct bgp_session *s, enum bgp_event ev, uint8_t code, uint8_t subcode,
			    const uint8_t *data, size_t len, const char *why, bool failed)
{
	struct bgp_peer *p = s->peer;

	bgp_session_send_notification(s, code, subcode, data, len);
	/* A collision loser is no failure of the peer: its status keeps the last real error. */
	if (!(code == BGP_ERR_CEASE && subcode == BGP_CEASE_COLLISION))
		snprintf(p->last_error, sizeof(p->last_error), "sent %s/%s%s%s",
			 bgp_error_code_name(code), bgp_error_subcode_name(code, subcode),
			 why ? ": " : "", why ? why : "");
	fsm_idle(s, ev, why, failed);
}

static void fsm_notify_err(struct bgp_session *s, enum bgp_event ev, const struct bgp_error *e)
{
	fsm_notify_idle(s, ev, e->code, e->subcode, e->data, e->data_len, e->why, true);
}

/* ManualStop / AutomaticStop past OpenSent: a Cease (RFC 4486), the subcode from arg. */
static void fsm_stop(struct bgp_session *s, enum bgp_event ev, const struct bgp_fsm_arg *arg)
{
	const struct bgp_error *e = arg->err;
	bool failed = ev == BGP_EV_AUTOMATIC_STOP;

	if (e && e->code == BGP_ERR_CEASE && e->subcode == BGP_CEASE_MAX_PREFIX)
		s->peer->max_prefix_stopped = true;
	if (e && e->code)
		fsm_notify_idle(s, ev, e->code, e->subcode, e->data, e->data_len, e->why, failed);
	else
		fsm_notify_idle(s, ev, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL, 0,
				arg->why ? arg->why : "stopped", failed);
	if (ev == BGP_EV_MANUAL_STOP)
		s->peer->connect_retry_counter = 0;
}

static void fsm_fsm_error(struct bgp_session *s, enum bgp_event ev, uint8_t subcode)
{
	char why[96];

	snprintf(why, sizeof(why), "unexpected %s in %s", bgp_event_name(ev),
		 bgp_state_name(s->state));
	fsm_notify_idle(s, ev, BGP_ERR_FSM, subcode, NULL, 0, why, true);
}

static void fsm_lost(struct bgp_session *s, enum bgp_event ev, const struct bgp_fsm_arg *arg)
{
	struct bgp_peer *p = s->peer;

	if (ev == BGP_EV_NOTIF_MSG || ev == BGP_EV_NOTIF_MSG_VER_ERR) {
		const struct bgp_notification *n = arg->notif;

		snprintf(p->last_error, sizeof(p->last_error), "received %s/%s",
			 bgp_error_code_name(n->code), bgp_error_subcode_name(n->code, n->subcode));
		fsm_idle(s, ev, p->last_error, true);
		return;
	}
	snprintf(p->last_error, sizeof(p->last_error), "connection lost");
	fsm_idle(s, ev, "connection lost", true);
}

/* Start (8.2.2 Idle, events 1-5): connect out, or listen only. */
static void fsm_start(struct bgp_session *s, enum bgp_event ev, bool passive)
{
	int r;

	s->peer->max_prefix_stopped = false;
	s->idle_hold_at = 0;
	if (passive) {
		/* Passive: no ConnectRetry, nothing to retry; we wait in Active. */
		set_state(s, BGP_STATE_ACTIVE, ev, "passive");
		return;
	}
	bgp_timers_connect_retry_start(s);
	r = bgp_session_connect(s);
	if (r) {
		bgp_peer_log(s->peer, LOG_LVL_WARN, "connect failed at once: %d", r);
		set_state(s, BGP_STATE_ACTIVE, ev, "connect failed");
		return;
	}
	set_state(s, BGP_STATE_CONNECT, ev, NULL);
}

/* The connection is up: OPEN out, a large hold time until the peer's OPEN (8.2.2 Connect). */
static void fsm_connected(struct bgp_session *s, enum bgp_event ev)
{
	bgp_timers_connect_retry_stop(s);
	if (bgp_session_send_open(s)) {
		fsm_lost(s, BGP_EV_TCP_CONNECTION_FAILS, NULL);
		return;
	}
	bgp_timers_open_sent(s);
	set_state(s, BGP_STATE_OPENSENT, ev, NULL);
}

/*
 * RFC 4271 6.8 on an OPEN received on s: with the other connection in OpenConfirm, the one kept
 * is the one opened by the side with the higher BGP Identifier (equal ones: the higher AS, RFC
 * 6286 2.3), the other is dumped with Cease/Connection Collision Resolution; with the other
 * Established, s is. True when s must go.
 *
 * The other connection in OpenSent is examined too, as 6.8 allows when the peer's identifier is
 * known: it is, from this OPEN of the same peer. Deciding as soon as both connections exist,
 * by a rule both sides apply alike, keeps one side from reaching Established on the connection
 * the other side is about to dump.
 */
static bool fsm_collision(struct bgp_session *s, const struct bgp_open *o)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct bgp_session *t = bgp_peer_sibling(s), *loser;
	uint32_t local = sp->cfg.router_id, remote = o->bgp_id;
	bool keep_ours;

	if (!t || t->dead)
		return false;
	if (t->state == BGP_STATE_ESTABLISHED)
		return true;
	if (t->state != BGP_STATE_OPENCONFIRM && t->state != BGP_STATE_OPENSENT)
		return false;
	keep_ours = local != remote ? local > remote : sp->cfg.asn > bgp_open_asn(o);
	/* Two connections of one direction (the peer reconnected): keep the older one. */
	if (s->outgoing == t->outgoing)
		loser = s == s->peer->coll ? s : t;
	else
		loser = s->outgoing == keep_ours ? t : s;
	bgp_peer_log(s->peer, LOG_LVL_INFO,
		     "connection collision: identifiers %08x (ours) and %08x, keeping conn %u",
		     local, remote, loser == s ? t->conn : s->conn);
	if (loser == t) {
		bgp_fsm_event(t, BGP_EV_OPEN_COLLISION_DUMP, NULL);
		return false;
	}
	return true;
}

static void fsm_open_received(struct bgp_session *s, enum bgp_event ev,
			      const struct bgp_fsm_arg *arg)
{
	if (fsm_collision(s, arg->open)) {
		bgp_fsm_event(s, BGP_EV_OPEN_COLLISION_DUMP, NULL);
		return;
	}
	bgp_session_negotiate(s, arg->open);
	if (bgp_session_send_keepalive(s)) {
		fsm_lost(s, BGP_EV_TCP_CONNECTION_FAILS, NULL);
		return;
	}
	bgp_timers_open_confirm(s);
	set_state(s, BGP_STATE_OPENCONFIRM, ev, NULL);
}

static void fsm_update(struct bgp_session *s, const struct bgp_fsm_arg *arg)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct bgp_fsm_arg stop = {.err = &sp->err};

	bgp_timers_message_received(s);
	if (bgp_import_update(s, arg->update, &sp->err))
		bgp_fsm_event(s, BGP_EV_AUTOMATIC_STOP, &stop);
}

static void fsm_refresh(struct bgp_session *s, const struct bgp_refresh *r)
{
	bool ours = r->safi == BGP_SAFI_UNICAST &&
		    ((r->afi == BGP_AFI_IPV4 && s->afi4) || (r->afi == BGP_AFI_IPV6 && s->afi6));

	bgp_timers_message_received(s);
	/* RFC 2918 4: a refresh for an AFI/SAFI not negotiated is ignored. */
	if (!ours) {
		bgp_peer_log(s->peer, LOG_LVL_INFO, "ROUTE-REFRESH for AFI %u SAFI %u ignored",
			     r->afi, r->safi);
		return;
	}
	bgp_export_refresh(s->peer, r->afi);
}

void bgp_fsm_event(struct bgp_session *s, enum bgp_event ev, const struct bgp_fsm_arg *arg)
{
	static const struct bgp_fsm_arg none;
	bool passive = s->peer->cfg.passive;

	if (!arg)
		arg = &none;
	if (s->dead)
		return;
	switch (s->state) {
	case BGP_STATE_IDLE:
		switch (ev) {
		case BGP_EV_MANUAL_START:
		case BGP_EV_MANUAL_START_PASSIVE:
			s->peer->connect_retry_counter = 0;
			fsm_start(s, ev, passive || ev == BGP_EV_MANUAL_START_PASSIVE);
			return;
		case BGP_EV_AUTOMATIC_START:
		case BGP_EV_AUTOMATIC_START_PASSIVE:
		case BGP_EV_IDLE_HOLD_TIMER_EXPIRES:
			fsm_start(s, ev, passive || ev == BGP_EV_AUTOMATIC_START_PASSIVE);
			return;
		default:
			return; /* 8.2.2: other events are ignored in Idle */
		}
	case BGP_STATE_CONNECT:
		switch (ev) {
		case BGP_EV_MANUAL_STOP:
			s->peer->connect_retry_counter = 0;
			fsm_idle(s, ev, arg->why, false);
			return;
		case BGP_EV_AUTOMATIC_STOP:
			fsm_idle(s, ev, arg->why, true);
			return;
		case BGP_EV_CONNECT_RETRY_TIMER_EXPIRES:
			/* Drop the attempt, try again. */
			bgp_timers_connect_retry_start(s);
			if (bgp_session_connect(s))
				set_state(s, BGP_STATE_ACTIVE, ev, "connect failed");
			return;
		case BGP_EV_TCP_CR_ACKED:
		case BGP_EV_TCP_CONNECTION_CONFIRMED:
			fsm_connected(s, ev);
			return;
		case BGP_EV_TCP_CONNECTION_FAILS:
			bgp_session_close(s);
			bgp_timers_connect_retry_start(s);
			set_state(s, BGP_STATE_ACTIVE, ev, "connect failed");
			return;
		default:
			fsm_idle(s, ev, "unexpected event", true);
			return;
		}
	case BGP_STATE_ACTIVE:
		switch (ev) {
		case BGP_EV_MANUAL_STOP:
			s->peer->connect_retry_counter = 0;
			fsm_idle(s, ev, arg->why, false);
			return;
		case BGP_EV_AUTOMATIC_STOP:
			fsm_idle(s, ev, arg->why, true);
			return;
		case BGP_EV_CONNECT_RETRY_TIMER_EXPIRES:
			if (passive)
				return;
			bgp_timers_connect_retry_start(s);
			if (bgp_session_connect(s) == 0)
				set_state(s, BGP_STATE_CONNECT, ev, NULL);
			return;
		case BGP_EV_TCP_CR_ACKED:
		case BGP_EV_TCP_CONNECTION_CONFIRMED:
			fsm_connected(s, ev);
			return;
		case BGP_EV_TCP_CONNECTION_FAILS:
			bgp_session_close(s);
			if (!passive)
				bgp_timers_connect_retry_start(s);
			return;
		default:
			fsm_idle(s, ev, "unexpected event", true);
			return;
		}
	case BGP_STATE_OPENSENT:
		switch (ev) {
		case BGP_EV_MANUAL_STOP:
		case BGP_EV_AUTOMATIC_STOP:
			fsm_stop(s, ev, arg);
			return;
		case BGP_EV_HOLD_TIMER_EXPIRES:
			fsm_notify_idle(s, ev, BGP_ERR_HOLD_TIMER, 0, NULL, 0, "no OPEN in time",
					true);
			return;
		case BGP_EV_TCP_CONNECTION_FAILS:
			/* 8.2.2: close, restart ConnectRetry and listen (Active). */
			if (sibling_alive(s)) {
				fsm_lost(s, ev, arg);
				return;
			}
			bgp_session_close(s);
			bgp_timers_stop(s);
			if (!passive)
				bgp_timers_connect_retry_start(s);
			snprintf(s->peer->last_error, sizeof(s->peer->last_error),
				 "connection lost");
			set_state(s, BGP_STATE_ACTIVE, ev, "connection lost");
			return;
		case BGP_EV_BGP_OPEN:
			fsm_open_received(s, ev, arg);
			return;
		case BGP_EV_BGP_HEADER_ERR:
		case BGP_EV_BGP_OPEN_MSG_ERR:
			fsm_notify_err(s, ev, arg->err);
			return;
		case BGP_EV_OPEN_COLLISION_DUMP:
			fsm_notify_idle(s, ev, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
					"connection collision", false);
			return;
		case BGP_EV_NOTIF_MSG_VER_ERR:
		case BGP_EV_NOTIF_MSG:
			fsm_lost(s, ev, arg);
			return;
		default:
			fsm_fsm_error(s, ev, BGP_ERR_FSM_IN_OPENSENT);
			return;
		}
	case BGP_STATE_OPENCONFIRM:
		switch (ev) {
		case BGP_EV_MANUAL_STOP:
		case BGP_EV_AUTOMATIC_STOP:
			fsm_stop(s, ev, arg);
			return;
		case BGP_EV_HOLD_TIMER_EXPIRES:
			fsm_notify_idle(s, ev, BGP_ERR_HOLD_TIMER, 0, NULL, 0, "hold timer expired",
					true);
			return;
		case BGP_EV_KEEPALIVE_TIMER_EXPIRES:
			if (bgp_session_send_keepalive(s))
				fsm_lost(s, BGP_EV_TCP_CONNECTION_FAILS, arg);
			return;
		case BGP_EV_TCP_CONNECTION_FAILS:
		case BGP_EV_NOTIF_MSG_VER_ERR:
		case BGP_EV_NOTIF_MSG:
			fsm_lost(s, ev, arg);
			return;
		case BGP_EV_BGP_HEADER_ERR:
		case BGP_EV_BGP_OPEN_MSG_ERR:
			fsm_notify_err(s, ev, arg->err);
			return;
		case BGP_EV_OPEN_COLLISION_DUMP:
			fsm_notify_idle(s, ev, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
					"connection collision", false);
			return;
		case BGP_EV_KEEPALIVE_MSG:
			bgp_timers_message_received(s);
			set_state(s, BGP_STATE_ESTABLISHED, ev, NULL);
			return;
		default:
			fsm_fsm_error(s, ev, BGP_ERR_FSM_IN_OPENCONFIRM);
			return;
		}
	case BGP_STATE_ESTABLISHED:
		switch (ev) {
		case BGP_EV_MANUAL_STOP:
		case BGP_EV_AUTOMATIC_STOP:
			fsm_stop(s, ev, arg);
			return;
		case BGP_EV_HOLD_TIMER_EXPIRES:
			fsm_notify_idle(s, ev, BGP_ERR_HOLD_TIMER, 0, NULL, 0, "hold timer expired",
					true);
			return;
		case BGP_EV_KEEPALIVE_TIMER_EXPIRES:
			if (bgp_session_send_keepalive(s))
				fsm_lost(s, BGP_EV_TCP_CONNECTION_FAILS, arg);
			return;
		case BGP_EV_KEEPALIVE_MSG:
			bgp_timers_message_received(s);
			return;
		case BGP_EV_UPDATE_MSG:
			fsm_update(s, arg);
			return;
		case BGP_EV_ROUTE_REFRESH_MSG:
			fsm_refresh(s, arg->refresh);
			return;
		case BGP_EV_UPDATE_MSG_ERR:
		case BGP_EV_ROUTE_REFRESH_MSG_ERR:
		case BGP_EV_BGP_HEADER_ERR:
		case BGP_EV_BGP_OPEN_MSG_ERR:
			fsm_notify_err(s, ev, arg->err);
			return;
		case BGP_EV_TCP_CONNECTION_FAILS:
		case BGP_EV_NOTIF_MSG_VER_ERR:
		case BGP_EV_NOTIF_MSG:
			fsm_lost(s, ev, arg);
			return;
		case BGP_EV_OPEN_COLLISION_DUMP:
			fsm_notify_idle(s, ev, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0,
					"connection collision", false);
			return;
		default:
			fsm_fsm_error(s, ev, BGP_ERR_FSM_IN_ESTABLISHED);
			return;
		}
	}
}
