/* SPDX-License-Identifier: MIT */
/*
 * exchange: dispatch of the messages of an IKE SA and the queue of our requests (RFC 7296
 * 2.1-2.3). Our requests carry Message IDs 0, 1, 2 ... one at a time and are kept for
 * retransmission; a peer request with the Message ID expected next is processed, one with the
 * previous ID gets the cached response again without being processed (2.1), anything else is
 * dropped. Responses go to the task that sent the request; requests to their exchange's handler.
 */
#include "ike/exchange.h"

#include <errno.h>
#include <string.h>

#include "ike/rekey.h"
#include "ike/sa.h"
#include "ike/sk.h"
#include "ike/timers.h"
#include "lib/log.h"

/* What to do when a task cannot be started (not -EAGAIN / -ECANCELED). */
enum task_fail {
	TASK_FAIL_LOG,	   /* log it; the task is dropped */
	TASK_FAIL_SA,	   /* the SA cannot go on without it */
	TASK_FAIL_NOCHILD, /* the SA is left without the child it needed (timers.c retries) */
};

struct task_def {
	const char *name;
	int (*start)(struct ike_sa *sa, const struct ike_task *t);
	void (*response)(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m);
	enum task_fail on_fail;
	bool on_deleting; /* its response is still handled once the SA is being deleted */
};

static const struct task_def defs[IKE_TASK__COUNT] = {
	[IKE_TASK_NONE] = {"none", NULL, NULL, TASK_FAIL_LOG, false},
	/* Started as the SA is made (engine.c); its response comes in the clear. */
	[IKE_TASK_INIT] = {"IKE_SA_INIT", NULL, NULL, TASK_FAIL_SA, false},
	[IKE_TASK_AUTH] = {"IKE_AUTH", ike_auth_start, ike_auth_handle_response, TASK_FAIL_SA,
			   false},
	[IKE_TASK_CHILD] = {"CREATE_CHILD_SA", ike_child_start, ike_child_handle_response,
			    TASK_FAIL_NOCHILD, false},
	[IKE_TASK_REKEY_CHILD] = {"CREATE_CHILD_SA (rekey)", ike_child_rekey_start,
				  ike_child_handle_response, TASK_FAIL_LOG, false},
	[IKE_TASK_REKEY_IKE] = {"CREATE_CHILD_SA (IKE rekey)", ike_rekey_ike_start,
				ike_rekey_ike_handle_response, TASK_FAIL_LOG, false},
	[IKE_TASK_LIVENESS] = {"INFORMATIONAL (liveness)", ike_info_start_liveness,
			       ike_info_handle_response, TASK_FAIL_LOG, false},
	[IKE_TASK_INVALID_SPI] = {"INFORMATIONAL (INVALID_SPI)", ike_info_start_invalid_spi,
				  ike_info_handle_response, TASK_FAIL_LOG, false},
	[IKE_TASK_DELETE_CHILD] = {"INFORMATIONAL (Delete CHILD_SA)", ike_info_start_delete_child,
				   ike_info_handle_response, TASK_FAIL_LOG, false},
	[IKE_TASK_DELETE_IKE] = {"INFORMATIONAL (Delete IKE_SA)", ike_info_start_delete_ike,
				 ike_info_handle_response, TASK_FAIL_SA, true},
	[IKE_TASK_NOTIFY_ERROR] = {"INFORMATIONAL (error)", ike_info_start_error,
				   ike_info_handle_response, TASK_FAIL_SA, true},
};

const char *ike_task_name(enum ike_task_kind k)
{
	return k < IKE_TASK__COUNT ? defs[k].name : "?";
}

static void sa_log_task(struct ike_sa *sa, enum log_level lvl, const struct ike_task *t,
			const char *what)
{
	char peer[ADDR_STR_MAX];

	log_msg(lvl, "IKE", IKE_LOG_FMT ": %s %s%s%s", sa->conn->cfg.name,
		ike_sa_peer_str(sa, peer, sizeof(peer)), defs[t->kind].name, what,
		t->why ? " - " : "", t->why ? t->why : "");
}

/* ---- the queue --------------------------------------------------------------------------- */

static void kick(struct ike_sa *sa);

/* Outside any dispatch: what was queued starts now. */
static void run_now(struct ike_sa *sa)
{
	if (!sa->dispatching)
		kick(sa);
}

bool ike_task_pending(const struct ike_sa *sa, enum ike_task_kind kind, uint32_t arg, bool any_arg)
{
	if (sa->req.kind == kind && (any_arg || sa->req.arg == arg))
		return true;
	for (unsigned int i = 0; i < sa->n_tasks; i++)
		if (sa->tasks[i].kind == kind && (any_arg || sa->tasks[i].arg == arg))
			return true;
	return false;
}

static void task_remove_at(struct ike_sa *sa, unsigned int i)
{
	memmove(&sa->tasks[i], &sa->tasks[i + 1], (sa->n_tasks - i - 1) * sizeof(sa->tasks[0]));
	sa->n_tasks--;
}

int ike_task_queue(struct ike_sa *sa, enum ike_task_kind kind, uint32_t arg, const char *why)
{
	struct ike_task t = {.kind = kind, .arg = arg, .why = why};

	if (sa->state == IKE_SA_STATE_DELETING || sa->state == IKE_SA_STATE_DEAD)
		return -ENOTCONN;
	/* A queued task of the same kind and argument is the same request. */
	for (unsigned int i = 0; i < sa->n_tasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].arg == arg)
			return 0;
	if (sa->n_tasks == IKE_TASKS_MAX) {
		sa_log_task(sa, LOG_LVL_WARN, &t, " not queued: the SA's request queue is full");
		return -ENOSPC;
	}
	sa->tasks[sa->n_tasks++] = t;
	run_now(sa);
	return 0;
}

/* Everything queued goes; t alone is queued, ahead of anything (the SA ends with it). */
static void queue_final(struct ike_sa *sa, const struct ike_task *t)
{
	sa->n_tasks = 0;
	sa->tasks[sa->n_tasks++] = *t;
}

void ike_sa_delete(struct ike_sa *sa, const char *why)
{
	struct ike_task t = {.kind = IKE_TASK_DELETE_IKE, .why = why};

	if (sa->state == IKE_SA_STATE_DELETING || sa->state == IKE_SA_STATE_DEAD)
		return;
	/* Nothing is sent on an SA being deleted: the children go now. */
	ike_sa_children_remove(sa, why ? why : "IKE_SA deleted by us");
	ike_sa_set_state(sa, IKE_SA_STATE_DELETING, why ? why : "deleting the IKE_SA");
	queue_final(sa, &t);
	run_now(sa);
}

void ike_sa_notify_error(struct ike_sa *sa, uint16_t notify, const char *why)
{
	struct ike_task t = {.kind = IKE_TASK_NOTIFY_ERROR, .arg = notify, .why = why};

	if (sa->state == IKE_SA_STATE_DELETING || sa->state == IKE_SA_STATE_DEAD)
		return;
	ike_sa_children_remove(sa, why ? why : ike_notify_name(notify));
	ike_sa_set_state(sa, IKE_SA_STATE_DELETING, "error notify to send");
	queue_final(sa, &t);
	run_now(sa);
}

/* A task that could not be started (r: its error). */
static void task_failed(struct ike_sa *sa, const struct ike_task *t, int r)
{
	char why[128];

	snprintf(why, sizeof(why), "%s request could not be sent (%s)", defs[t->kind].name,
		 strerror(-r));
	switch (defs[t->kind].on_fail) {
	case TASK_FAIL_LOG:
		sa_log_task(sa, LOG_LVL_WARN, t, ": not sent");
		break;
	case TASK_FAIL_NOCHILD:
		sa_log_task(sa, LOG_LVL_WARN, t, ": not sent");
		if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->no_child)
			ike_timers_sa_no_child(sa, why);
		break;
	case TASK_FAIL_SA:
		ike_sa_fail(sa, why);
		break;
	}
}

/* Start queued tasks while the window is free: the first one that can go, in order. */
static void kick(struct ike_sa *sa)
{
	unsigned int i = 0;

	/* A start that queues or deletes does not start anything itself: the loop goes on. */
	sa->dispatching++;
	while (sa->req.kind == IKE_TASK_NONE && i < sa->n_tasks &&
	       sa->state != IKE_SA_STATE_DEAD) {
		struct ike_task t = sa->tasks[i];
		int r = defs[t.kind].start ? defs[t.kind].start(sa, &t) : -ECANCELED;

		if (r == -EAGAIN) {
			i++; /* not yet: the ones behind it may go */
			continue;
		}
		/* The start may have queued or dropped tasks: find t again. */
		for (i = 0; i < sa->n_tasks; i++)
			if (sa->tasks[i].kind == t.kind && sa->tasks[i].arg == t.arg)
				break;
		if (i < sa->n_tasks)
			task_remove_at(sa, i);
		i = 0;
		if (r != 0 && r != -ECANCELED)
			task_failed(sa, &t, r);
	}
	sa->dispatching--;
}

void ike_exchange_enter(struct ike_sa *sa)
{
	sa->dispatching++;
}

void ike_exchange_leave(struct ike_sa *sa)
{
	if (--sa->dispatching == 0)
		kick(sa);
}

/* ---- input ------------------------------------------------------------------------------- */

/* RFC 7296 2.23: after NAT is detected, answer where the last authenticated message came from. */
static void follow_peer(struct ike_sa *sa, const struct ike_endpoint *ep)
{
	char peer[ADDR_STR_MAX];

	if (sa->ep.peer_port == ep->peer_port && sa->ep.local_port == ep->local_port)
		return;
	log_info("IKE", IKE_LOG_FMT ": peer moved to port %u (ours %u)", sa->conn->cfg.name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), ep->peer_port, ep->local_port);
	sa->ep.peer_port = ep->peer_port;
	sa->ep.local_port = ep->local_port;
}

/* The response m to our outstanding request: to its task's handler. */
static void response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_task t = {.kind = sa->req.kind, .arg = sa->req.arg, .why = sa->req.why};

	sa->req.kind = IKE_TASK_NONE;
	sa->req_msgid_next++;
	ike_timers_response_received(sa);
	if (sa->state == IKE_SA_STATE_DELETING && !defs[t.kind].on_deleting) {
		/* Being deleted: the answer no longer matters, the Delete goes next. */
		ike_child_pending_clear(sa);
		return;
	}
	if (defs[t.kind].response)
		defs[t.kind].response(sa, &t, m);
}

/* A request of the peer: by exchange type, in the states that take it. */
static void request(struct ike_sa *sa, struct ike_msg *m)
{
	char peer[ADDR_STR_MAX];

	switch (m->hdr.exchange) {
	case IKE_EXCH_AUTH:
		if (sa->state == IKE_SA_STATE_INIT_DONE && !sa->initiator)
			ike_auth_handle_request(sa, m);
		return;
	case IKE_EXCH_CREATE_CHILD_SA:
		if (sa->state == IKE_SA_STATE_ESTABLISHED)
			ike_child_handle_request(sa, m);
		else /* 2.25: being deleted or replaced: no new SAs on this one */
			ike_sa_respond_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	case IKE_EXCH_INFORMATIONAL:
		/*
		 * Only once the peer is authenticated: on a responder's SA that means after its
		 * IKE_AUTH request (INIT_DONE is before it), on an initiator's after the IKE_AUTH
		 * response (AUTH_SENT is before it).
		 */
		if (sa->state != IKE_SA_STATE_INIT_DONE && sa->state != IKE_SA_STATE_AUTH_SENT)
			ike_info_handle_request(sa, m);
		return;
	default:
		log_debug("IKE", IKE_LOG_FMT ": %s request in state %s ignored", sa->conn->cfg.name,
			  ike_sa_peer_str(sa, peer, sizeof(peer)), ike_exchange_name(m->hdr.exchange),
			  ike_sa_state_name(sa->state));
	}
}

void ike_exchange_input(struct ike_sa *sa, const struct ike_endpoint *ep, struct ike_msg *m)
{
	uint8_t plain_mem[IKE_MSG_BUF];
	struct ike_parse_err err = {0};
	struct buf plain;
	bool is_response = m->hdr.flags & IKE_FLAG_R;
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (is_response) {
		if (sa->req.kind == IKE_TASK_NONE || m->hdr.msgid != sa->req.msgid) {
			sa->eng->stats.bad_msgid++;
			log_debug("IKE", IKE_LOG_FMT ": response %u unexpected, dropped",
				  sa->conn->cfg.name, peer, m->hdr.msgid);
			return;
		}
	} else if (m->hdr.msgid + 1 == sa->resp_msgid_next && sa->resp_valid) {
		/* 2.1: a retransmitted request: the same response again, nothing reprocessed. */
		sa->eng->stats.retransmits_answered++;
		log_info("IKE", IKE_LOG_FMT ": %s request %u retransmitted, response resent",
			 sa->conn->cfg.name, peer, ike_exchange_name(m->hdr.exchange),
			 m->hdr.msgid);
		ike_sa_send_raw(sa, sa->resp_pkt, sa->resp_len);
		return;
	} else if (m->hdr.msgid != sa->resp_msgid_next) {
		sa->eng->stats.bad_msgid++;
		log_debug("IKE", IKE_LOG_FMT ": request %u outside the window (%u), dropped",
			  sa->conn->cfg.name, peer, m->hdr.msgid, sa->resp_msgid_next);
		return;
	}
	if (!sa->sk_in || !m->has_sk) {
		sa->eng->stats.malformed++;
		return;
	}
	buf_init_write(&plain, plain_mem, sizeof(plain_mem));
	if (ike_msg_decrypt(m, sa->sk_in, &plain, &err)) {
		if (err.notify == 0) {
			sa->eng->stats.bad_icv++;
			log_debug("IKE", IKE_LOG_FMT ": %s dropped: %s", sa->conn->cfg.name, peer,
				  ike_exchange_name(m->hdr.exchange), err.why);
			return;
		}
		/* 3.10.1: malformed inside a good ICV: a request may be answered. */
		if (!is_response)
			ike_sa_respond_notify(sa, m, err.notify, err.data, err.data_len);
		return;
	}
	sa->peer_verified = true;
	follow_peer(sa, ep);
	ike_timers_authenticated_received(sa);
	ike_exchange_enter(sa);
	if (is_response)
		response(sa, m);
	else
		request(sa, m);
	ike_exchange_leave(sa);
}

void ike_exchange_init_response(struct ike_sa *sa, const struct ike_endpoint *ep,
				struct ike_msg *m)
{
	ike_exchange_enter(sa);
	sa->req.kind = IKE_TASK_NONE;
	ike_timers_response_received(sa);
	ike_init_handle_response(sa, ep, m);
	ike_exchange_leave(sa);
}
