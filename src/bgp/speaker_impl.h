/* SPDX-License-Identifier: MIT */
/*
 * speaker_impl: the speaker's internals, shared by its files (speaker, session, fsm, timers,
 * import, export, policy). Not for the daemon: it uses speaker.h.
 */
#ifndef VNETGW_BGP_SPEAKER_IMPL_H
#define VNETGW_BGP_SPEAKER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/fsm.h"
#include "bgp/msg.h"
#include "bgp/path.h"
#include "bgp/rib.h"
#include "bgp/speaker.h"
#include "bgp/stream.h"
#include "bgp/update.h"
#include "lib/log.h"
#include "lib/lpm.h"

#define BGP_LOG_CAT "BGP"

/* One connection and its FSM (fsm.c). */
struct bgp_session {
	struct bgp_peer *peer;
	enum bgp_state state;
	uint32_t conn; /* the transport's connection, 0: none */
	bool outgoing; /* we opened it (collision resolution, RFC 4271 6.8) */
	bool dead;     /* Idle and to be freed (speaker.c reaps it) */
	struct bgp_stream stream;
	/* Learned from the peer's OPEN and negotiated (RFC 4271 4.2, 5492, 4760, 6793). */
	uint32_t remote_id, remote_as;
	uint16_t hold_s, keepalive_s;
	bool as4, afi4, afi6, refresh;
	/* Timers (timers.c): absolute ops->now() deadlines, 0 when stopped. */
	uint64_t connect_retry_at, hold_at, keepalive_at, idle_hold_at;
	uint64_t established_at;
};

struct bgp_peer {
	struct bgp_speaker *sp;
	struct bgp_peer_config cfg;
	struct bgp_session *s;	  /* the peer's FSM; Idle when it has no connection */
	struct bgp_session *coll; /* a second connection during a collision (6.8) */
	struct bgp_rib_peer rib;
	/* Adj-RIB-Out (export.c): prefix -> the exported path sent; prefixes to look at again. */
	struct lpm *adj_out, *pending;
	unsigned int connect_retry_counter; /* RFC 4271 8: consecutive failures */
	bool max_prefix_stopped;	    /* the last session ended with Cease/max-prefix */
	enum bgp_state reported;	    /* the state last given to ops->peer_state */
	char reason[160];		    /* the last transition's why */
	char last_error[160];
	uint64_t msgs_sent, msgs_rcvd, routes_refused, updates_withdrawn;
	struct bgp_peer *next;
};

struct bgp_speaker {
	struct bgp_speaker_config cfg;
	struct bgp_speaker_ops ops;
	struct bgp_peer *peers;
	struct bgp_pathtab *paths;
	struct bgp_rib *rib;
	struct bgp_local_prefix *local;
	size_t n_local;
	struct lpm *local_set;			    /* prefix -> entry in local, for export */
	struct bgp_path *local_path4, *local_path6; /* what we originate, as sent */
	uint32_t next_conn;
	/* Scratch for one message in or out at a time. */
	struct bgp_msg msg;
	struct bgp_update *upd;
	struct bgp_error err;
	uint8_t out[BGP_MAX_MSG];
};

uint64_t bgp_now(const struct bgp_speaker *sp);
void bgp_peer_log(const struct bgp_peer *p, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- session.c: one connection's I/O ---- */
struct bgp_session *bgp_session_new(struct bgp_peer *peer);
void bgp_session_free(struct bgp_session *s);
/* Open a transport for s (ops->connect): 0 or the negative errno of an immediate failure. */
int bgp_session_connect(struct bgp_session *s);
/* Close the transport (after what was queued): s has no connection afterwards. */
void bgp_session_close(struct bgp_session *s);
/* Build and send; 0 or a negative errno (the transport refused: the connection is lost). */
int bgp_session_send(struct bgp_session *s, const struct buf *msg);
int bgp_session_send_open(struct bgp_session *s);
int bgp_session_send_keepalive(struct bgp_session *s);
int bgp_session_send_notification(struct bgp_session *s, uint8_t code, uint8_t subcode,
				  const uint8_t *data, size_t len);
int bgp_session_send_refresh(struct bgp_session *s, uint16_t afi);
/* Bytes read on s's connection: framed, classified and fed to the FSM as events. */
void bgp_session_input(struct bgp_session *s, const uint8_t *data, size_t len);
/*
 * The checks of an OPEN that need the configuration (RFC 4271 6.2, RFC 6793, issue 12):
 * peer AS, reserved ASNs and ours, hold time. 0 or -EBADMSG with err set.
 */
int bgp_session_check_open(const struct bgp_session *s, const struct bgp_open *o,
			   struct bgp_error *err);
/* Take the negotiated values of a valid OPEN. */
void bgp_session_negotiate(struct bgp_session *s, const struct bgp_open *o);

/* ---- timers.c: every timer of a session, hooks named for what arms them ---- */
void bgp_timers_connect_retry_start(struct bgp_session *s);
void bgp_timers_connect_retry_stop(struct bgp_session *s);
void bgp_timers_open_sent(struct bgp_session *s);
void bgp_timers_open_confirm(struct bgp_session *s);
void bgp_timers_message_received(struct bgp_session *s);
void bgp_timers_message_sent(struct bgp_session *s);
void bgp_timers_keepalive_sent(struct bgp_session *s);
void bgp_timers_idle_hold(struct bgp_session *s, uint64_t wait_ns);
void bgp_timers_stop(struct bgp_session *s);
/* The event of the earliest due timer (that timer stopped), or 0 when none is due. */
enum bgp_event bgp_timers_due(struct bgp_session *s, uint64_t now);
uint64_t bgp_timers_next(const struct bgp_session *s);
/* How long a failed peer waits in Idle before it starts again (0: until reset). */
uint64_t bgp_timers_idle_hold_wait(const struct bgp_peer *p);

/* ---- import.c: an UPDATE into the Adj-RIB-In ---- */
/*
 * Apply u from s's peer: withdrawals, then announcements through the import policy. 0, or
 * -ENOSPC when the peer went past its prefix limit: stop then holds the Cease to send.
 */
int bgp_import_update(struct bgp_session *s, struct bgp_update *u, struct bgp_error *stop);
/* Withdraw what the local prefixes now refuse (they changed). */
void bgp_import_recheck(struct bgp_peer *p);

/* ---- export.c: Adj-RIB-Out ---- */
int bgp_export_peer_init(struct bgp_peer *p);
void bgp_export_peer_fini(struct bgp_peer *p);
/* The session is Established: everything we advertise goes to the peer. */
void bgp_export_established(struct bgp_peer *p);
/* It left Established: forget what was sent. */
void bgp_export_reset(struct bgp_peer *p);
/* A prefix to look at again for every Established peer (its best route or local set changed). */
void bgp_export_mark(struct bgp_speaker *sp, const struct prefix *pfx);
/* RFC 2918 4: send the peer everything of afi again. */
void bgp_export_refresh(struct bgp_peer *p, uint16_t afi);
/* Send what is pending, to every peer. */
void bgp_export_flush(struct bgp_speaker *sp);
/* (Re)build the paths of the local prefixes. 0 or -ENOMEM. */
int bgp_export_local_paths(struct bgp_speaker *sp);

/* ---- policy.c: Azure's route rules ---- */
/* Whether a route learned from p may enter the Adj-RIB-In; why says why not. */
bool bgp_policy_import_ok(const struct bgp_peer *p, const struct prefix *pfx,
			  const struct bgp_attrs *a, const char **why);
/* Whether a Loc-RIB route may be advertised (to any peer but the one it came from). */
bool bgp_policy_export_ok(const struct prefix *pfx, const struct bgp_attrs *a);
/* A next hop a route may use (RFC 4271 6.3, 5.1.3): unicast and not ours. */
bool bgp_policy_nexthop_ok(const struct bgp_speaker *sp, const struct addr *nh);

/* ---- speaker.c ---- */
/* A session reached or left Established, or the peer's visible state may have changed. */
void bgp_speaker_session_up(struct bgp_session *s);
void bgp_speaker_session_down(struct bgp_session *s, const char *why);
struct bgp_session *bgp_peer_sibling(const struct bgp_session *s);
/* Tell ops->peer_state if the peer's visible state (its most advanced FSM) changed. */
void bgp_speaker_report_state(struct bgp_peer *p);

#endif
