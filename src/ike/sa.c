/* SPDX-License-Identifier: MIT */
/*
 * sa: the IKE SA's life (states, children, teardown) and sending on it: our requests kept for
 * retransmission, responses cached for the peer's (RFC 7296 2.1). What comes in is dispatched
 * by exchange.c.
 */
#include "ike/sa.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "ike/rekey.h"
#include "ike/sk.h"
#include "ike/timers.h"
#include "ike/ts.h"
#include "lib/clock.h"
#include "lib/log.h"

const char *ike_sa_state_name(enum ike_sa_state s)
{
	switch (s) {
	case IKE_SA_STATE_NEW:
		return "NEW";
	case IKE_SA_STATE_INIT_SENT:
		return "INIT_SENT";
	case IKE_SA_STATE_INIT_DONE:
		return "INIT_DONE";
	case IKE_SA_STATE_AUTH_SENT:
		return "AUTH_SENT";
	case IKE_SA_STATE_ESTABLISHED:
		return "ESTABLISHED";
	case IKE_SA_STATE_REKEYED:
		return "REKEYED";
	case IKE_SA_STATE_DELETING:
		return "DELETING";
	case IKE_SA_STATE_DEAD:
		return "DEAD";
	}
	return "?";
}

const char *ike_child_state_name(enum ike_child_state s)
{
	switch (s) {
	case IKE_CHILD_ACTIVE:
		return "ACTIVE";
	case IKE_CHILD_REKEYING:
		return "REKEYING";
	case IKE_CHILD_REKEYED:
		return "REKEYED";
	case IKE_CHILD_REDUNDANT:
		return "REDUNDANT";
	case IKE_CHILD_DELETING:
		return "DELETING";
	}
	return "?";
}

int ike_nonce_new(struct ike_engine *e, uint8_t *out, size_t len)
{
	if (e->nonce_fn)
		return e->nonce_fn(e->nonce_ctx, out, len);
	return crypto_rand(out, len);
}

const char *ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	return addr_print(&sa->conn->cfg.peer, buf, len);
}

void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state st, const char *why)
{
	char peer[ADDR_STR_MAX];

	if (sa->state == st)
		return;
	log_info("IKE", IKE_LOG_FMT " spi=%016" PRIx64 "/%016" PRIx64 ": %s -> %s (%s)",
		 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), sa->spi_i, sa->spi_r,
		 ike_sa_state_name(sa->state), ike_sa_state_name(st), why);
	/* The half-open count (RFC 7296 2.6) follows the responder's INIT_DONE state. */
	if (!sa->initiator && sa->state == IKE_SA_STATE_INIT_DONE)
		sa->eng->half_open--;
	if (!sa->initiator && st == IKE_SA_STATE_INIT_DONE)
		sa->eng->half_open++;
	sa->state = st;
	if (st == IKE_SA_STATE_ESTABLISHED)
		sa->peer_verified = true;
	if (st == IKE_SA_STATE_DEAD) {
		/* Freed by the engine once the current event is done (engine.c reap). */
		sa->dead_next = sa->eng->dead;
		sa->eng->dead = sa;
		sa->req.kind = IKE_TASK_NONE;
		sa->n_tasks = 0;
		sa->req.deadline = 0;
		sa->half_open_deadline = 0;
		sa->lifetime_deadline = 0;
		sa->hard_deadline = 0;
	}
}

struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			  const struct ike_endpoint *ep)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->eng = e;
	sa->conn = conn;
	sa->initiator = initiator;
	sa->ep = *ep;
	if (ike_nonce_new(e, sa->nonce, sizeof(sa->nonce)) ||
	    ike_sa_new_spi(e, initiator ? &sa->spi_i : &sa->spi_r)) {
		free(sa);
		return NULL;
	}
	ike_engine_index_sa(e, sa);
	return sa;
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_child *c, *n;

	if (!sa)
		return;
	for (c = sa->children; c; c = n) {
		n = c->next;
		ike_engine_unindex_child(sa->eng, c);
		ike_child_free(c);
	}
	ike_child_pending_clear(sa);
	crypto_dh_free(sa->dh);
	ike_sa_keys_free(sa);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->req.pkt);
	free(sa->resp_pkt);
	secret_wipe(sa->nonce, sizeof(sa->nonce));
	free(sa);
}

uint64_t ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

void ike_sa_nonces(const struct ike_sa *sa, struct buf *ni, struct buf *nr)
{
	struct buf ours, theirs;

	buf_init_read(&ours, sa->nonce, sizeof(sa->nonce));
	buf_init_read(&theirs, sa->peer_nonce, sa->peer_nonce_len);
	*ni = sa->initiator ? ours : theirs;
	*nr = sa->initiator ? theirs : ours;
}

int ike_sa_new_spi(struct ike_engine *e, uint64_t *out)
{
	for (int tries = 0; tries < 16; tries++) {
		struct ike_sa *sa;
		uint64_t spi;

		if (crypto_rand(&spi, sizeof(spi)))
			return -EIO;
		if (spi == 0)
			continue;
		sa = ike_sa_by_our_spi(e, spi);
		if (!sa) {
			*out = spi;
			return 0;
		}
	}
	return -EAGAIN;
}

int ike_child_new_spi(struct ike_engine *e, uint32_t *out)
{
	if (e->spi_fn)
		return e->spi_fn(e->spi_ctx, out);
	for (int tries = 0; tries < 64; tries++) {
		bool used = false;
		uint32_t spi;

		if (crypto_rand(&spi, sizeof(spi)))
			return -EIO;
		/* RFC 4303 2.1: 1-255 are reserved by IANA, 0 is local. */
		if (spi < 256)
			continue;
		used = ike_engine_spi_in_used(e, spi);
		if (!used) {
			*out = spi;
			return 0;
		}
	}
	return -EAGAIN;
}

void ike_conn_set_status(struct ike_conn *c, struct ike_engine *e, enum ike_conn_status st,
			 const char *reason)
{
	if (c->status == st && strcmp(c->reason, reason) == 0)
		return;
	/* A re-initiation shows the failure it follows (timers.c), not "IKE_SA_INIT sent". */
	if (c->retrying && c->status == IKE_CONN_CONNECTING && st == IKE_CONN_CONNECTING)
		return;
	log_info("Tunnel", "conn=%s: %s -> %s (%s)", c->cfg.name, ike_conn_status_name(c->status),
		 ike_conn_status_name(st), reason);
	c->status = st;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (st == IKE_CONN_CONNECTED)
		ike_timers_conn_connected(c);
	if (e->ops.status)
		e->ops.status(e->ops.ctx, c->cfg.name, st, reason);
}

void ike_sa_fail(struct ike_sa *sa, const char *reason)
{
	if (sa->state == IKE_SA_STATE_DEAD)
		return;
	ike_sa_children_remove(sa, reason);
	ike_sa_set_state(sa, IKE_SA_STATE_DEAD, reason);
	/*
	 * A half-open SA of the peer's that never got a message through (anyone may have sent its
	 * IKE_SA_INIT from the peer's address) changes nothing of the connection: not its status,
	 * not its re-initiation back-off (issue 14).
	 */
	if (!sa->initiator && !sa->peer_verified)
		return;
	/* Another SA of the connection (a newer one after INITIAL_CONTACT) keeps its status. */
	for (struct ike_sa *o = sa->conn->sas; o; o = o->conn_next)
		if (o != sa && o->state != IKE_SA_STATE_DEAD)
			return;
	/* The last one: NotConnected, or Connecting again after a back-off (timers.c). */
	ike_timers_conn_failed(sa->conn, sa->eng, reason);
}

/* ---- children -------------------------------------------------------------------------------- */

struct ike_child *ike_sa_child_by_spi_in(struct ike_sa *sa, uint32_t spi_in)
{
	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->spi_in == spi_in)
			return c;
	return NULL;
}

struct ike_child *ike_sa_child_by_spi_out(struct ike_sa *sa, uint32_t spi_out)
{
	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->spi_out == spi_out)
			return c;
	return NULL;
}

static void child_sa_info(const struct ike_sa *sa, const struct ike_child *c,
			  struct ike_child_sa *info)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;

	*info = (struct ike_child_sa){
		.conn = cfg->name,
		.spi_in = c->spi_in,
		.spi_out = c->spi_out,
		.encr = c->suite.encr,
		.encr_bits = c->suite.encr_bits,
		.integ = c->suite.integ,
		.esn = c->suite.esn == IKE_ESN_YES,
		.ep = sa->ep,
		.udp_encap = sa->nat_local || sa->nat_remote || sa->ep.peer_port == IKE_NATT_PORT,
		.lifetime_s = cfg->child_lifetime_s,
		.lifetime_bytes = cfg->child_lifetime_kb * 1024,
		.ts_local = &c->ts_local,
		.ts_remote = &c->ts_remote,
	};
}

void ike_child_set_state(struct ike_sa *sa, struct ike_child *c, enum ike_child_state st,
			 const char *why)
{
	char peer[ADDR_STR_MAX];

	if (c->state == st)
		return;
	log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x: %s -> %s (%s)", sa->conn->cfg.name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out,
		 ike_child_state_name(c->state), ike_child_state_name(st), why);
	c->state = st;
}

void ike_child_free(struct ike_child *c)
{
	if (!c)
		return;
	secret_free(c->held_enc_out);
	secret_free(c->held_integ_out);
	free(c);
}

static int hold(struct secret **dst, const struct secret *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = secret_dup(src->data, src->len);
	return *dst ? 0 : -ENOMEM;
}

int ike_sa_child_install(struct ike_sa *sa, struct ike_child *c, bool outbound,
			 const struct secret *enc_in, const struct secret *integ_in,
			 const struct secret *enc_out, const struct secret *integ_out)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_child_sa info;
	char peer[ADDR_STR_MAX], suite[96], tsl[256], tsr[256];
	int r = 0;

	child_sa_info(sa, c, &info);
	info.enc_in = enc_in;
	info.integ_in = integ_in;
	info.enc_out = enc_out;
	info.integ_out = integ_out;
	info.outbound = outbound;
	ike_suite_format(&c->suite, IKE_PROTO_ESP, suite, sizeof(suite));
	ike_ts_format(&c->ts_local, tsl, sizeof(tsl));
	ike_ts_format(&c->ts_remote, tsr, sizeof(tsr));
	if (!outbound) {
		r = hold(&c->held_enc_out, enc_out);
		r = r ?: hold(&c->held_integ_out, integ_out);
	}
	if (r == 0 && sa->eng->ops.child_install)
		r = sa->eng->ops.child_install(sa->eng->ops.ctx, &info);
	if (r) {
		log_warn("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x %s not installed: %s", cfg->name,
			 ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out, suite,
			 strerror(-r));
		secret_free(c->held_enc_out);
		secret_free(c->held_integ_out);
		c->held_enc_out = c->held_integ_out = NULL;
		return r;
	}
	c->installed = true;
	c->out_active = outbound;
	c->out_held = !outbound;
	c->next = sa->children;
	c->sa = sa;
	sa->children = c;
	ike_engine_index_child(sa->eng, c);
	ike_rekey_child_arm(sa, c);
	log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x %s installed%s, %s === %s%s", cfg->name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out, suite,
		 outbound ? "" : " (inbound; outbound when the old SA is deleted)", tsl, tsr,
		 info.udp_encap ? ", UDP-encapsulated" : "");
	return 0;
}

static void child_drop_held(struct ike_child *c)
{
	secret_free(c->held_enc_out);
	secret_free(c->held_integ_out);
	c->held_enc_out = c->held_integ_out = NULL;
	c->out_held = false;
}

void ike_sa_child_activate(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_child_sa info;
	char peer[ADDR_STR_MAX];
	int r = 0;

	if (!c->out_held)
		return;
	child_sa_info(sa, c, &info);
	info.enc_out = c->held_enc_out;
	info.integ_out = c->held_integ_out;
	info.outbound = true;
	if (sa->eng->ops.child_outbound)
		r = sa->eng->ops.child_outbound(sa->eng->ops.ctx, &info);
	child_drop_held(c);
	c->out_active = r == 0;
	log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x: outbound SA %s", sa->conn->cfg.name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out,
		 r ? "could not be installed" : "now current");
}

static bool sa_has_installed_child(const struct ike_sa *sa)
{
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->installed)
			return true;
	return false;
}

/* last_check: an SA that stays established and loses its last child says so (timers.c); not
 * when every child goes with the IKE SA itself. */
static void child_remove(struct ike_sa *sa, struct ike_child *c, const char *why, bool last_check)
{
	char peer[ADDR_STR_MAX];

	/* 2.8: the child that replaced c sends from now on, before c's SAs go (make before break).
	 */
	for (struct ike_child *n = sa->children; n; n = n->next)
		if (n != c && n->out_held && n->replaces_spi_in == c->spi_in &&
		    n->state != IKE_CHILD_REDUNDANT)
			ike_sa_child_activate(sa, n);
	for (struct ike_child **pp = &sa->children; *pp; pp = &(*pp)->next) {
		if (*pp != c)
			continue;
		*pp = c->next;
		if (c->installed && sa->eng->ops.child_remove)
			sa->eng->ops.child_remove(sa->eng->ops.ctx, sa->conn->cfg.name, c->spi_in,
						  c->spi_out);
		log_info("IKE", IKE_LOG_FMT ": CHILD_SA %08x/%08x removed (%s)", sa->conn->cfg.name,
			 ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in, c->spi_out, why);
		ike_engine_unindex_child(sa->eng, c);
		ike_child_free(c);
		if (last_check && sa->state == IKE_SA_STATE_ESTABLISHED &&
		    !sa_has_installed_child(sa))
			ike_timers_sa_no_child(sa, why);
		return;
	}
}

void ike_sa_child_remove(struct ike_sa *sa, struct ike_child *c, const char *why)
{
	child_remove(sa, c, why, true);
}

void ike_sa_children_remove(struct ike_sa *sa, const char *why)
{
	while (sa->children)
		child_remove(sa, sa->children, why, false);
}

/* ---- sending --------------------------------------------------------------------------------- */

int ike_sa_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange, bool response,
		     uint32_t msgid)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.version = IKE_VERSION,
		.exchange = exchange,
		.flags = (uint8_t)((sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0)),
		.msgid = msgid,
	};

	buf_init_write(&o->b, o->mem, sizeof(o->mem));
	ike_msg_write_begin(&o->w, &o->b, &h);
	if (exchange == IKE_EXCH_SA_INIT)
		return 0;
	if (!sa->sk_out)
		return -EINVAL;
	return ike_msg_write_sk_begin(&o->w, sa->sk_out);
}

void ike_sa_send_raw(struct ike_sa *sa, const uint8_t *p, size_t len)
{
	if (sa->eng->ops.send)
		sa->eng->ops.send(sa->eng->ops.ctx, &sa->ep, p, len);
}

int ike_sa_request_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange)
{
	if (sa->req.kind != IKE_TASK_NONE)
		return -EBUSY;
	return ike_sa_out_begin(sa, o, exchange, false, sa->req_msgid_next);
}

static int keep_copy(uint8_t **dst, size_t *dlen, const struct buf *b)
{
	uint8_t *p = malloc(buf_left(b));

	if (!p)
		return -ENOMEM;
	memcpy(p, buf_data(b), buf_left(b));
	free(*dst);
	*dst = p;
	*dlen = buf_left(b);
	return 0;
}

int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, const struct ike_task *t)
{
	int r = ike_msg_write_end(&o->w);

	r = r ?: keep_copy(&sa->req.pkt, &sa->req.len, &o->b);
	if (r)
		return r;
	sa->req.kind = t->kind;
	sa->req.arg = t->arg;
	sa->req.why = t->why;
	sa->req.msgid = sa->req_msgid_next;
	ike_sa_send_raw(sa, sa->req.pkt, sa->req.len);
	ike_timers_request_sent(sa);
	return 0;
}

int ike_sa_send_response(struct ike_sa *sa, struct ike_out *o)
{
	int r = ike_msg_write_end(&o->w);

	r = r ?: keep_copy(&sa->resp_pkt, &sa->resp_len, &o->b);
	if (r)
		return r;
	sa->resp_valid = true;
	sa->resp_msgid_next++;
	ike_sa_send_raw(sa, sa->resp_pkt, sa->resp_len);
	return 0;
}

void ike_sa_respond_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			   const void *data, size_t len)
{
	struct ike_pld_notify n;
	struct ike_out o;

	ike_notify_init(&n, type, data, len);
	if (ike_sa_out_begin(sa, &o, m->hdr.exchange, true, m->hdr.msgid) == 0 &&
	    ike_msg_add_notify(&o.w, &n) == 0)
		ike_sa_send_response(sa, &o);
}

/* ---- payload helpers ----------------------------------------------------------------------- */

#define GET_PLD(m, type, parse, out)                                                               \
	do {                                                                                       \
		const struct ike_pld *p_ = ike_msg_find(m, type, NULL);                            \
		struct buf b_;                                                                     \
		if (!p_)                                                                           \
			return -ENOENT;                                                            \
		b_ = p_->body;                                                                     \
		return parse(&b_, out);                                                            \
	} while (0)

int ike_msg_get_sa(const struct ike_msg *m, struct ike_pld_sa *out)
{
	GET_PLD(m, IKE_PLD_SA, ike_pld_parse_sa, out);
}

int ike_msg_get_ke(const struct ike_msg *m, struct ike_pld_ke *out)
{
	GET_PLD(m, IKE_PLD_KE, ike_pld_parse_ke, out);
}

int ike_msg_get_nonce(const struct ike_msg *m, struct ike_pld_nonce *out)
{
	GET_PLD(m, IKE_PLD_NONCE, ike_pld_parse_nonce, out);
}

int ike_msg_get_id(const struct ike_msg *m, uint8_t type, struct ike_pld_id *out)
{
	GET_PLD(m, type, ike_pld_parse_id, out);
}

int ike_msg_get_auth(const struct ike_msg *m, struct ike_pld_auth *out)
{
	GET_PLD(m, IKE_PLD_AUTH, ike_pld_parse_auth, out);
}

int ike_msg_get_ts(const struct ike_msg *m, uint8_t type, struct ike_pld_ts *out)
{
	GET_PLD(m, type, ike_pld_parse_ts, out);
}

void ike_spi_to_bytes(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

uint32_t ike_spi_from_bytes(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int ike_msg_add_ke_dh(struct ike_msg_writer *w, const struct crypto_dh *dh)
{
	uint8_t pub[512];
	enum crypto_dh_group g = crypto_dh_group(dh);
	size_t len = crypto_dh_public_len(g);
	struct ike_pld_ke ke = {.group = (uint16_t)g};
	int r;

	if (len == 0 || len > sizeof(pub))
		return -EINVAL;
	r = crypto_dh_public(dh, pub, len);
	if (r)
		return r;
	buf_init_read(&ke.data, pub, len);
	return ike_msg_add_ke(w, &ke);
}

void ike_notify_init(struct ike_pld_notify *n, uint16_t type, const void *data, size_t len)
{
	memset(n, 0, sizeof(*n));
	n->type = type;
	buf_init_read(&n->data, data ? data : "", data ? len : 0);
}

uint16_t ike_msg_error_notify(const struct ike_msg *m, struct ike_pld_notify *out)
{
	for (const struct ike_pld *p = ike_msg_find(m, IKE_PLD_NOTIFY, NULL); p;
	     p = ike_msg_find(m, IKE_PLD_NOTIFY, p)) {
		struct buf b = p->body;

		if (ike_pld_parse_notify(&b, out) == 0 && out->type <= IKE_N_ERROR_MAX)
			return out->type;
	}
	return 0;
}
