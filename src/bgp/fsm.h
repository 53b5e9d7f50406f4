/* SPDX-License-Identifier: MIT */
/*
 * fsm: the BGP finite state machine of RFC 4271 section 8, one per connection (8: a peer has one,
 * and a second while a connection collision, 6.8, is being resolved). Events carry the RFC's
 * names and numbers (8.1); bgp_fsm_event() is the one place they are handled, and every state
 * change goes through one function that logs "old -> new (event: why)".
 */
#ifndef VNETGW_BGP_FSM_H
#define VNETGW_BGP_FSM_H

#include "bgp/msg.h"
#include "bgp/speaker.h"
#include "bgp/update.h"

/* RFC 4271 8.1 events, numbered as there. DelayOpen (12, 20) and damping (6, 7) are not used. */
enum bgp_event {
	BGP_EV_MANUAL_START = 1,
	BGP_EV_MANUAL_STOP = 2,
	BGP_EV_AUTOMATIC_START = 3,
	BGP_EV_MANUAL_START_PASSIVE = 4,
	BGP_EV_AUTOMATIC_START_PASSIVE = 5,
	BGP_EV_AUTOMATIC_STOP = 8,
	BGP_EV_CONNECT_RETRY_TIMER_EXPIRES = 9,
	BGP_EV_HOLD_TIMER_EXPIRES = 10,
	BGP_EV_KEEPALIVE_TIMER_EXPIRES = 11,
	BGP_EV_IDLE_HOLD_TIMER_EXPIRES = 13,
	BGP_EV_TCP_CR_ACKED = 16,
	BGP_EV_TCP_CONNECTION_CONFIRMED = 17,
	BGP_EV_TCP_CONNECTION_FAILS = 18,
	BGP_EV_BGP_OPEN = 19,
	BGP_EV_BGP_HEADER_ERR = 21,
	BGP_EV_BGP_OPEN_MSG_ERR = 22,
	BGP_EV_OPEN_COLLISION_DUMP = 23,
	BGP_EV_NOTIF_MSG_VER_ERR = 24,
	BGP_EV_NOTIF_MSG = 25,
	BGP_EV_KEEPALIVE_MSG = 26,
	BGP_EV_UPDATE_MSG = 27,
	BGP_EV_UPDATE_MSG_ERR = 28,
	/* Not in RFC 4271: a ROUTE-REFRESH (RFC 2918), and a malformed one (RFC 7313 5). */
	BGP_EV_ROUTE_REFRESH_MSG = 101,
	BGP_EV_ROUTE_REFRESH_MSG_ERR = 102,
};
const char *bgp_event_name(enum bgp_event ev);

struct bgp_session;

/*
 * What an event carries. err: the NOTIFICATION to send (the *_ERR events, MANUAL_STOP and
 * AUTOMATIC_STOP: code 0 means "close without one"); open, notif, update, refresh: the message
 * that caused the event. why: for the log and the peer's status.
 */
struct bgp_fsm_arg {
	const struct bgp_error *err;
	const struct bgp_open *open;
	const struct bgp_notification *notif;
	struct bgp_update *update;
	const struct bgp_refresh *refresh;
	const char *why;
};

void bgp_fsm_event(struct bgp_session *s, enum bgp_event ev, const struct bgp_fsm_arg *arg);

#endif
