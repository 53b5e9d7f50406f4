/* SPDX-License-Identifier: MIT */
/*
 * timers: every IKE timer behind hooks named for the events that arm them (WireGuard's
 * timers.c): retransmission, half-open timeout, dead peer detection, re-initiation back-off and
 * the back-off of a new CHILD_SA on an IKE SA without one. Internal to src/ike.
 */
#ifndef VNETGW_IKE_TIMERS_H
#define VNETGW_IKE_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

struct ike_conn;
struct ike_engine;
struct ike_sa;

#define IKE_RETRANSMIT_BASE_MS 2000
#define IKE_RETRANSMIT_TRIES   5 /* retransmissions after the first send */
#define IKE_HALF_OPEN_S	       30

void ike_timers_request_sent(struct ike_sa *sa);
void ike_timers_response_received(struct ike_sa *sa);
/* Our outstanding request was sent again out of schedule (a sign of the peer's life). */
void ike_timers_request_resent(struct ike_sa *sa);
/* How long ago our outstanding request was last sent (0 when none). */
uint64_t ike_timers_request_age(const struct ike_sa *sa, uint64_t now);
void ike_timers_half_open(struct ike_sa *sa);
void ike_timers_established(struct ike_sa *sa);
/* Any message that passed its ICV: the peer is alive; DPD starts counting silence again. */
void ike_timers_authenticated_received(struct ike_sa *sa);
uint64_t ike_timers_next(const struct ike_sa *sa);
/* The earlier of two deadlines, 0 meaning none. */
uint64_t ike_time_earliest(uint64_t a, uint64_t b);
void ike_timers_run(struct ike_sa *sa, uint64_t now);
/*
 * The connection's last IKE SA is gone (why): a connection that initiates (and is not held by
 * an operator's Delete) schedules its next attempt with back-off and shows Connecting (why);
 * others stay NotConnected (why).
 */
void ike_timers_conn_failed(struct ike_conn *c, struct ike_engine *e, const char *why);
/*
 * An established SA just lost its last installed CHILD_SA, or a new child it needs failed
 * (why): the connection is Connecting, "IKE SA up, no CHILD_SA (why)", since Connected means
 * an IKE SA with at least one CHILD_SA. A connection that initiates creates a child
 * after IKE_CHILD_RETRY_BASE_MS, doubling up to IKE_CHILD_RETRY_MAX_MS while it keeps failing;
 * a responder-only one waits for the peer.
 */
void ike_timers_sa_no_child(struct ike_sa *sa, const char *why);
/* A CHILD_SA of sa was installed: Connected again if sa was without one, back-off reset. */
void ike_timers_sa_child_installed(struct ike_sa *sa);
/* Connected: the back-off starts from the beginning next time. */
void ike_timers_conn_connected(struct ike_conn *c);
/* Forget a pending re-initiation (one starts now, or the connection goes away). */
void ike_timers_conn_cancel(struct ike_conn *c);
uint64_t ike_timers_conn_next(const struct ike_conn *c);
/* True when the connection's re-initiation is due at now (the deadline is cleared). */
bool ike_timers_conn_due(struct ike_conn *c, uint64_t now);

#endif
