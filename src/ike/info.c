/* SPDX-License-Identifier: MIT */
/*
 * info: the INFORMATIONAL exchange (RFC 7296 1.4): an empty request is a liveness check and is
 * answered empty; Delete payloads remove child SAs (answered with the Delete of our inbound
 * halves, 1.4.1) or the whole IKE SA (answered empty); an error notify about the IKE SA ends it.
 * INITIAL_CONTACT (2.4) is handled here too: it makes every older SA with the peer stale; and
 * the INVALID_SPI notify of 2.21.4 that tells a peer its ESP found no SA here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ike/rekey.h"
#include "ike/sa.h"
#include "lib/clock.h"
#include "lib/log.h"

int ike_info_start_liveness(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_out o;
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ECANCELED;
	r = ike_sa_request_begin(sa, &o, IKE_EXCH_INFORMATIONAL);
	return r ?: ike_sa_send_request(sa, &o, t);
}

int ike_info_start_invalid_spi(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_pld_notify n;
	struct ike_out o;
	uint8_t data[4];
	char peer[ADDR_STR_MAX];
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ECANCELED;
	/*
	 * 3.10.1: the notification data is the SPI of the packet; the SPI field stays empty, so
	 * the protocol is 0 (3.10).
	 */
	ike_spi_to_bytes(t->arg, data);
	ike_notify_init(&n, IKE_N_INVALID_SPI, data, sizeof(data));
	r = ike_sa_request_begin(sa, &o, IKE_EXCH_INFORMATIONAL);
	r = r ?: ike_msg_add_notify(&o.w, &n);
	r = r ?: ike_sa_send_request(sa, &o, t);
	if (r)
		return r;
	sa->eng->stats.invalid_spi_sent++;
	log_info("IKE", IKE_LOG_FMT ": ESP for unknown SPI %08x: INVALID_SPI sent",
		 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), t->arg);
	return 0;
}

void ike_child_delete(struct ike_sa *sa, struct ike_child *c, const char *why)
{
	char peer[ADDR_STR_MAX];

	if (c->state == IKE_CHILD_DELETING)
		return;
	ike_child_set_state(sa, c, IKE_CHILD_DELETING, why);
	if (sa->state == IKE_SA_STATE_ESTABLISHED &&
	    ike_task_queue(sa, IKE_TASK_DELETE_CHILD, c->spi_in, why) == 0)
		return;
	/* RFC 4301 4.4.2.1: it goes, whether or not the peer can hear of it. */
	log_warn("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x: no Delete can be sent (%s), removed",
		 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out,
		 why);
	ike_sa_child_remove(sa, c, why);
}

int ike_info_start_delete_child(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_child *c = ike_sa_child_by_spi_in(sa, t->arg);
	uint32_t spi_in = t->arg;
	struct ike_out o;
	int r;

	if (!c)
		return -ECANCELED; /* gone meanwhile, e.g. the peer's Delete crossed ours */
	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ECANCELED; /* the IKE SA's own end takes its children */
	/* 1.4.1: a Delete names the SPIs its sender expects on inbound packets. */
	r = ike_sa_request_begin(sa, &o, IKE_EXCH_INFORMATIONAL);
	r = r ?: ike_msg_add_delete(&o.w, IKE_PROTO_ESP, &spi_in, 1);
	r = r ?: ike_sa_send_request(sa, &o, t);
	if (r) {
		ike_sa_child_remove(sa, c, "Delete could not be sent");
		return -ECANCELED;
	}
	return 0;
}

int ike_info_start_delete_ike(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_out o;
	int r;

	r = ike_sa_request_begin(sa, &o, IKE_EXCH_INFORMATIONAL);
	r = r ?: ike_msg_add_delete(&o.w, IKE_PROTO_IKE, NULL, 0);
	return r ?: ike_sa_send_request(sa, &o, t);
}

int ike_info_start_error(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_pld_notify n;
	struct ike_out o;
	int r;

	ike_notify_init(&n, (uint16_t)t->arg, NULL, 0);
	r = ike_sa_request_begin(sa, &o, IKE_EXCH_INFORMATIONAL);
	r = r ?: ike_msg_add_notify(&o.w, &n);
	return r ?: ike_sa_send_request(sa, &o, t);
}

void ike_info_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m)
{
	struct ike_child *c;
	char peer[ADDR_STR_MAX], why[128];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	switch (t->kind) {
	case IKE_TASK_LIVENESS:
	case IKE_TASK_INVALID_SPI:
		log_debug("IKE", IKE_LOG_FMT ": liveness check answered", sa->conn->cfg.name, peer);
		break;
	case IKE_TASK_DELETE_CHILD:
		c = ike_sa_child_by_spi_in(sa, t->arg);
		if (c)
			ike_sa_child_remove(sa, c, "deleted by us");
		break;
	case IKE_TASK_DELETE_IKE:
	case IKE_TASK_NOTIFY_ERROR:
		/* Keep the reason already reported (why we deleted it) for the status. */
		if (sa->conn->status == IKE_CONN_NOT_CONNECTED)
			snprintf(why, sizeof(why), "%s", sa->conn->reason);
		else
			snprintf(why, sizeof(why), "deleted by us");
		ike_sa_fail(sa, why);
		break;
	default:
		break;
	}
	(void)m;
}

void ike_info_initial_contact(struct ike_sa *sa)
{
	char peer[ADDR_STR_MAX];

	for (struct ike_sa *o = sa->conn->sas; o; o = o->conn_next) {
		if (o == sa || o->state == IKE_SA_STATE_DEAD)
			continue;
		log_info("IKE",
			 IKE_LOG_FMT ": INITIAL_CONTACT: dropping stale IKE_SA %016llx/%016llx",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)),
			 (unsigned long long)o->spi_i, (unsigned long long)o->spi_r);
		ike_sa_children_remove(o, "INITIAL_CONTACT from the peer");
		ike_sa_set_state(o, IKE_SA_STATE_DEAD, "INITIAL_CONTACT from the peer");
	}
}

void ike_info_handle_request(struct ike_sa *sa, struct ike_msg *m)
{
	/* Our halves of the children the peer deletes: at most every child the SA has. */
	uint32_t *ours = NULL;
	uint16_t n_ours = 0, n_children = 0;
	bool delete_ike = false;
	struct ike_pld_notify n;
	struct ike_out o;
	char peer[ADDR_STR_MAX];
	uint16_t err;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	for (const struct ike_child *c = sa->children; c; c = c->next)
		n_children++;
	if (n_children && !(ours = calloc(n_children, sizeof(*ours)))) {
		/* Answered as malformed inside a good ICV would be: the peer retries. */
		ike_sa_respond_notify(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	for (const struct ike_pld *p = ike_msg_find(m, IKE_PLD_DELETE, NULL); p;
	     p = ike_msg_find(m, IKE_PLD_DELETE, p)) {
		struct ike_pld_delete d;
		struct buf b = p->body;

		if (ike_pld_parse_delete(&b, &d))
			continue;
		if (d.proto == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d.proto != IKE_PROTO_ESP || d.spi_len != 4)
			continue;
		for (uint16_t i = 0; i < d.n_spi; i++) {
			struct ike_child *c =
				ike_sa_child_by_spi_out(sa, ike_pld_delete_spi(&d, i));

			if (!c)
				continue; /* 1.4.1: already gone, e.g. a simultaneous delete */
			if (n_ours < n_children) /* each child is found once: always */
				ours[n_ours++] = c->spi_in;
			ike_sa_child_remove(sa, c, "deleted by the peer");
		}
	}
	err = ike_msg_error_notify(m, &n);
	if (ike_sa_out_begin(sa, &o, IKE_EXCH_INFORMATIONAL, true, m->hdr.msgid) == 0 &&
	    (delete_ike || n_ours == 0 ||
	     ike_msg_add_delete(&o.w, IKE_PROTO_ESP, ours, n_ours) == 0))
		ike_sa_send_response(sa, &o);
	free(ours);
	if (delete_ike) {
		ike_rekey_ike_deleted(sa);
		ike_sa_fail(sa, "deleted by the peer");
	} else if (err == IKE_N_AUTHENTICATION_FAILED || err == IKE_N_INVALID_SYNTAX) {
		/* 2.21.2/2.21.4: an error about the IKE SA itself ends it. */
		char why[96];

		snprintf(why, sizeof(why), "peer notified %s", ike_notify_name(err));
		ike_sa_fail(sa, why);
	} else if (!ike_msg_find(m, IKE_PLD_DELETE, NULL) && !err) {
		log_debug("IKE", IKE_LOG_FMT ": liveness check answered", sa->conn->cfg.name, peer);
	}
}
