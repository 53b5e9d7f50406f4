/* SPDX-License-Identifier: MIT */
/*
 * exchange: the one place that dispatches IKE messages on an SA, and the queue of our requests.
 * Internal to src/ike.
 *
 * Our requests are tasks (strongSwan's task queue is the model): anything that wants a request
 * sent -- a timer, the operator, the handler of another exchange -- queues a task with
 * ike_task_queue() and returns; exchange.c starts the first task it can whenever the SA's
 * window is free (RFC 7296 2.3: one request of ours outstanding at a time) and hands the
 * response to the task's handler. Handlers never start another exchange themselves: they queue
 * what should happen next. The peer's requests are dispatched from one table by exchange type.
 * Every entry into an SA from outside (a datagram, a timer, an API call) is bracketed by
 * ike_exchange_enter()/ike_exchange_leave(), and queued work starts at the leave, never in the
 * middle of a handler.
 */
#ifndef VNETGW_IKE_EXCHANGE_H
#define VNETGW_IKE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

struct ike_conn;
struct ike_endpoint;
struct ike_engine;
struct ike_msg;
struct ike_pld_sa;
struct ike_sa;

/* What one request of ours does. */
enum ike_task_kind {
	IKE_TASK_NONE,
	IKE_TASK_INIT,	       /* IKE_SA_INIT (1.2): the SA's first request, sent as it is made */
	IKE_TASK_AUTH,	       /* IKE_AUTH with the first CHILD_SA (1.2) */
	IKE_TASK_CHILD,	       /* CREATE_CHILD_SA for another child (1.3.1) */
	IKE_TASK_REKEY_CHILD,  /* arg: the inbound SPI of the child rekeyed (1.3.3) */
	IKE_TASK_REKEY_IKE,    /* CREATE_CHILD_SA for a new IKE SA (1.3.2) */
	IKE_TASK_LIVENESS,     /* an empty INFORMATIONAL (1.4) */
	IKE_TASK_INVALID_SPI,  /* arg: an ESP SPI we have no SA for (2.21.4) */
	IKE_TASK_DELETE_CHILD, /* arg: the inbound SPI of the child deleted (1.4.1) */
	IKE_TASK_DELETE_IKE,   /* Delete of the IKE SA */
	IKE_TASK_NOTIFY_ERROR, /* arg: an error notify about the IKE SA, which then ends (2.21.2) */
	IKE_TASK__COUNT,
};
const char *ike_task_name(enum ike_task_kind k);

struct ike_task {
	enum ike_task_kind kind;
	uint32_t arg;
	const char *why; /* static text for the log, or NULL */
};

/*
 * Tasks waiting for the window, per SA. Each kind with the same argument is queued once; the
 * queue is short because every task is about a bounded thing (the SA, or one of its bounded
 * children), so a full queue is a bug or an attack, refused and logged.
 */
#define IKE_TASKS_MAX 8

/*
 * Queue a request of ours on sa. 0 (queued, or already queued), -ENOTCONN (the SA is being
 * deleted: nothing more is sent on it), -ENOSPC (queue full). DELETE_IKE and NOTIFY_ERROR are
 * not queued this way: ike_sa_delete / ike_sa_notify_error.
 */
int ike_task_queue(struct ike_sa *sa, enum ike_task_kind kind, uint32_t arg, const char *why);
/* Whether a task of that kind (and arg, unless any_arg) is queued or outstanding. */
bool ike_task_pending(const struct ike_sa *sa, enum ike_task_kind kind, uint32_t arg, bool any_arg);

/*
 * The IKE SA goes (why): its children are removed from the data plane now (nothing is sent on
 * an SA being deleted), every queued task is dropped and a Delete goes out once the window is
 * free; the SA is gone when the Delete is answered (or unanswered, after the retransmissions).
 */
void ike_sa_delete(struct ike_sa *sa, const char *why);
/* As ike_sa_delete, with an INFORMATIONAL carrying the error notify instead (2.21.2). */
void ike_sa_notify_error(struct ike_sa *sa, uint16_t notify, const char *why);

/* Bracket every entry into sa from outside the engine's dispatch (nesting allowed). */
void ike_exchange_enter(struct ike_sa *sa);
void ike_exchange_leave(struct ike_sa *sa);

/*
 * One received message on an existing SA (header parsed, not decrypted): the window checks
 * (2.1-2.3), decryption, then the response's task or the request's exchange handler.
 */
void ike_exchange_input(struct ike_sa *sa, const struct ike_endpoint *ep, struct ike_msg *m);
/* The IKE_SA_INIT response to our request (plaintext, 1.2). */
void ike_exchange_init_response(struct ike_sa *sa, const struct ike_endpoint *ep,
				struct ike_msg *m);

/* ---- the exchanges' entry points, called only from exchange.c ------------------------------- */

/*
 * start: build and send the request for t. 0 when sent; -EAGAIN when it cannot go yet (it stays
 * queued and is tried again after the next event); -ECANCELED when there is nothing left to do
 * (dropped quietly); another negative errno when it failed (exchange.c says what then).
 */
int ike_init_start(struct ike_sa *sa);
/* A peer's IKE_SA_INIT request: no SA exists yet, so engine.c hands it over itself. */
void ike_init_respond(struct ike_engine *e, struct ike_conn *conn, const struct ike_endpoint *ep,
		      struct ike_msg *m);
void ike_init_handle_response(struct ike_sa *sa, const struct ike_endpoint *ep, struct ike_msg *m);

int ike_auth_start(struct ike_sa *sa, const struct ike_task *t);
void ike_auth_handle_request(struct ike_sa *sa, struct ike_msg *m);
void ike_auth_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m);

int ike_child_start(struct ike_sa *sa, const struct ike_task *t);
int ike_child_rekey_start(struct ike_sa *sa, const struct ike_task *t);
void ike_child_handle_request(struct ike_sa *sa, struct ike_msg *m);
void ike_child_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m);

int ike_rekey_ike_start(struct ike_sa *sa, const struct ike_task *t);
void ike_rekey_ike_handle_request(struct ike_sa *sa, struct ike_msg *m,
				  const struct ike_pld_sa *offer);
void ike_rekey_ike_handle_response(struct ike_sa *sa, const struct ike_task *t,
				   struct ike_msg *m);

int ike_info_start_liveness(struct ike_sa *sa, const struct ike_task *t);
int ike_info_start_invalid_spi(struct ike_sa *sa, const struct ike_task *t);
int ike_info_start_delete_child(struct ike_sa *sa, const struct ike_task *t);
int ike_info_start_delete_ike(struct ike_sa *sa, const struct ike_task *t);
int ike_info_start_error(struct ike_sa *sa, const struct ike_task *t);
void ike_info_handle_request(struct ike_sa *sa, struct ike_msg *m);
void ike_info_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m);

#endif
