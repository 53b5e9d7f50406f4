/* SPDX-License-Identifier: MIT */
/*
 * engine: connections, the IKE SAs of all of them, and the demultiplexing of incoming IKE
 * messages (RFC 7296 2.2: by the SPI we chose; a new IKE_SA_INIT by the peer's IP, SPEC §1).
 * Messages outside any IKE SA are dropped and counted (pre-authentication garbage is never
 * answered), except a request from a configured peer with unknown SPIs, which gets the
 * unprotected INVALID_IKE_SPI of 2.21.4 so a restarted peer learns its SA is gone.
 */
#include "ike/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "ike/rekey.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "ike/ts.h"
#include "lib/clock.h"
#include "lib/log.h"

void ike_conn_config_default(struct ike_conn_config *c)
{
	memset(c, 0, sizeof(*c));
	ike_policy_default(&c->policy);
	ike_ts_any(&c->ts_local, true, true);
	ike_ts_any(&c->ts_remote, true, true);
	c->ike_lifetime_s = IKE_DEFAULT_IKE_LIFETIME_S;
	c->child_lifetime_s = IKE_DEFAULT_CHILD_LIFETIME_S;
	c->child_lifetime_kb = IKE_DEFAULT_CHILD_LIFETIME_KB;
	c->dpd_timeout_s = IKE_DEFAULT_DPD_TIMEOUT_S;
	c->initiate = true;
	c->rekey_margin_pct = IKE_DEFAULT_REKEY_MARGIN_PCT;
	c->rekey_jitter_pct = IKE_DEFAULT_REKEY_JITTER_PCT;
}

const char *ike_conn_status_name(enum ike_conn_status s)
{
	switch (s) {
	case IKE_CONN_NOT_CONNECTED:
		return "NotConnected";
	case IKE_CONN_CONNECTING:
		return "Connecting";
	case IKE_CONN_CONNECTED:
		return "Connected";
	}
	return "?";
}

int ike_child_sa_esp_params(const struct ike_child_sa *c, enum esp_dir dir,
			    struct esp_sa_params *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->encr) {
	case IKE_ENCR_NULL:
		out->enc = ESP_ENC_NULL;
		break;
	case IKE_ENCR_AES_GCM_16:
		out->enc = ESP_ENC_AES_GCM_16;
		break;
	case IKE_ENCR_AES_CBC:
		out->enc = ESP_ENC_AES_CBC;
		break;
	case IKE_ENCR_3DES:
		out->enc = ESP_ENC_3DES_CBC;
		break;
	default:
		return -ENOTSUP;
	}
	switch (c->integ) {
	case IKE_INTEG_NONE:
		out->integ = ESP_INTEG_NONE;
		break;
	case IKE_INTEG_HMAC_SHA1_96:
		out->integ = ESP_INTEG_HMAC_SHA1_96;
		break;
	case IKE_INTEG_HMAC_SHA2_256_128:
		out->integ = ESP_INTEG_HMAC_SHA2_256_128;
		break;
	default:
		return -ENOTSUP;
	}
	out->dir = dir;
	out->spi = dir == ESP_DIR_IN ? c->spi_in : c->spi_out;
	out->enc_key = dir == ESP_DIR_IN ? c->enc_in : c->enc_out;
	out->integ_key = dir == ESP_DIR_IN ? c->integ_in : c->integ_out;
	out->esn = c->esn;
	out->life.hard_bytes = c->lifetime_bytes;
	out->life.soft_bytes = c->lifetime_bytes - c->lifetime_bytes / 10;
	if (!c->esn) {
		out->life.soft_packets = IKE_CHILD_SOFT_PACKETS;
		out->life.hard_packets = IKE_CHILD_HARD_PACKETS;
	}
	return 0;
}

static const struct ike_engine_limits default_limits = {
	.children_per_conn = IKE_CHILDREN_PER_CONN,
	.ike_sas_per_conn = IKE_SAS_PER_CONN,
	.peer_creates_burst = IKE_PEER_CREATES_BURST,
	.peer_creates_per_min = IKE_PEER_CREATES_PER_MIN,
};

struct ike_engine *ike_engine_new(const struct ike_engine_ops *ops)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ops = *ops;
	e->limits = default_limits;
	e->cookie_threshold = 10;
	e->half_open_per_source = IKE_HALF_OPEN_PER_SOURCE;
	e->half_open_max = IKE_HALF_OPEN_MAX;
	e->rl_drop = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * CLOCK_NS_PER_SEC, 5);
	e->rl_invalid_spi = (struct log_ratelimit)LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 10);
	if (ike_cookie_init(&e->cookies, clock_now_ns()) || hmap_init(&e->conns_by_name) ||
	    hmap_init(&e->conns_by_peer) || hmap_init(&e->sas_by_spi) ||
	    hmap_init(&e->children_by_spi) || hmap_init(&e->spis_reserved)) {
		hmap_fini(&e->conns_by_name);
		hmap_fini(&e->conns_by_peer);
		hmap_fini(&e->sas_by_spi);
		hmap_fini(&e->children_by_spi);
		hmap_fini(&e->spis_reserved);
		free(e);
		return NULL;
	}
	return e;
}

/* ---- indexes --------------------------------------------------------------------------------- */

static uint64_t name_hash(const struct ike_engine *e, const char *name)
{
	return hmap_hash(&e->conns_by_name, name, strlen(name));
}

static uint64_t peer_hash(const struct ike_engine *e, const struct addr *a)
{
	uint8_t key[17];

	memcpy(key, a->bytes, 16);
	key[16] = (uint8_t)a->family;
	return hmap_hash(&e->conns_by_peer, key, sizeof(key));
}

static uint64_t spi64_hash(const struct hmap *m, uint64_t spi)
{
	return hmap_hash(m, &spi, sizeof(spi));
}

static uint64_t spi32_hash(const struct hmap *m, uint32_t spi)
{
	return hmap_hash(m, &spi, sizeof(spi));
}

struct ike_conn *ike_conn_find(const struct ike_engine *e, const char *name)
{
	uint64_t h = name_hash(e, name);

	for (struct hmap_node *n = hmap_first(&e->conns_by_name, h); n; n = hmap_next(n, h)) {
		struct ike_conn *c = hmap_entry(n, struct ike_conn, by_name);

		if (strcmp(c->cfg.name, name) == 0)
			return c;
	}
	return NULL;
}

struct ike_conn *ike_conn_find_peer(const struct ike_engine *e, const struct addr *peer)
{
	uint64_t h = peer_hash(e, peer);

	for (struct hmap_node *n = hmap_first(&e->conns_by_peer, h); n; n = hmap_next(n, h)) {
		struct ike_conn *c = hmap_entry(n, struct ike_conn, by_peer);

		if (addr_equal(&c->cfg.peer, peer))
			return c;
	}
	return NULL;
}

struct ike_sa *ike_sa_by_our_spi(const struct ike_engine *e, uint64_t spi)
{
	uint64_t h = spi64_hash(&e->sas_by_spi, spi);

	for (struct hmap_node *n = hmap_first(&e->sas_by_spi, h); n; n = hmap_next(n, h)) {
		struct ike_sa *sa = hmap_entry(n, struct ike_sa, by_spi);

		if (ike_sa_our_spi(sa) == spi)
			return sa;
	}
	return NULL;
}

void ike_engine_index_sa(struct ike_engine *e, struct ike_sa *sa)
{
	hmap_insert(&e->sas_by_spi, &sa->by_spi, spi64_hash(&e->sas_by_spi, ike_sa_our_spi(sa)));
	sa->next = e->sas;
	e->sas = sa;
	sa->conn_next = sa->conn->sas;
	sa->conn->sas = sa;
}

void ike_engine_unindex_sa(struct ike_engine *e, struct ike_sa *sa)
{
	hmap_remove(&e->sas_by_spi, &sa->by_spi);
	for (struct ike_sa **pp = &e->sas; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	for (struct ike_sa **pp = &sa->conn->sas; *pp; pp = &(*pp)->conn_next)
		if (*pp == sa) {
			*pp = sa->conn_next;
			break;
		}
}

void ike_engine_index_child(struct ike_engine *e, struct ike_child *c)
{
	hmap_insert(&e->children_by_spi, &c->by_spi_in, spi32_hash(&e->children_by_spi, c->spi_in));
}

void ike_engine_unindex_child(struct ike_engine *e, struct ike_child *c)
{
	hmap_remove(&e->children_by_spi, &c->by_spi_in);
}

void ike_engine_reserve_spi(struct ike_engine *e, struct ike_child_pending *p)
{
	hmap_insert(&e->spis_reserved, &p->reserved, spi32_hash(&e->spis_reserved, p->spi_in));
}

void ike_engine_release_spi(struct ike_engine *e, struct ike_child_pending *p)
{
	hmap_remove(&e->spis_reserved, &p->reserved);
}

bool ike_engine_spi_in_used(const struct ike_engine *e, uint32_t spi)
{
	uint64_t h = spi32_hash(&e->children_by_spi, spi);

	for (struct hmap_node *n = hmap_first(&e->children_by_spi, h); n; n = hmap_next(n, h))
		if (hmap_entry(n, struct ike_child, by_spi_in)->spi_in == spi)
			return true;
	h = spi32_hash(&e->spis_reserved, spi);
	for (struct hmap_node *n = hmap_first(&e->spis_reserved, h); n; n = hmap_next(n, h))
		if (hmap_entry(n, struct ike_child_pending, reserved)->spi_in == spi)
			return true;
	return false;
}

static void conn_free(struct ike_conn *c)
{
	if (!c)
		return;
	secret_free(c->psk);
	free(c);
}

/*
 * Free the SAs that reached DEAD (ike_sa_set_state puts them on e->dead); called after every
 * event, so no handler sees a freed SA.
 */
static void reap(struct ike_engine *e)
{
	while (e->dead) {
		struct ike_sa *sa = e->dead;

		e->dead = sa->dead_next;
		ike_sa_children_remove(sa, "IKE_SA gone");
		ike_engine_unindex_sa(e, sa);
		ike_rekey_forget(e, sa);
		ike_sa_free(sa);
	}
}

void ike_engine_free(struct ike_engine *e)
{
	if (!e)
		return;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		ike_sa_set_state(sa, IKE_SA_STATE_DEAD, "engine stopped");
	reap(e);
	while (e->conns) {
		struct ike_conn *c = e->conns;

		e->conns = c->next;
		conn_free(c);
	}
	hmap_fini(&e->conns_by_name);
	hmap_fini(&e->conns_by_peer);
	hmap_fini(&e->sas_by_spi);
	hmap_fini(&e->children_by_spi);
	hmap_fini(&e->spis_reserved);
	free(e->keylog_dir);
	ike_cookie_wipe(&e->cookies);
	free(e);
}

/* The connection's live IKE SA (the established one first). */
static struct ike_sa *conn_sa(const struct ike_engine *e, const struct ike_conn *c)
{
	struct ike_sa *best = NULL;

	(void)e;
	for (struct ike_sa *sa = c->sas; sa; sa = sa->conn_next) {
		if (sa->state == IKE_SA_STATE_DEAD)
			continue;
		if (sa->state == IKE_SA_STATE_ESTABLISHED)
			return sa;
		if (!best)
			best = sa;
	}
	return best;
}

int ike_engine_conn_set(struct ike_engine *e, const struct ike_conn_config *cfg)
{
	struct ike_conn *c, *other;
	struct secret *psk;

	if (!cfg->name[0] || !cfg->psk || !cfg->local.family || !cfg->peer.family)
		return -EINVAL;
	other = ike_conn_find_peer(e, &cfg->peer);
	if (other && strcmp(other->cfg.name, cfg->name) != 0)
		return -EEXIST; /* SPEC §2.9: one connection per remote IP */
	psk = secret_dup(cfg->psk->data, cfg->psk->len);
	if (!psk)
		return -ENOMEM;
	c = ike_conn_find(e, cfg->name);
	if (c) {
		secret_free(c->psk);
		hmap_remove(&e->conns_by_peer, &c->by_peer);
	} else {
		c = calloc(1, sizeof(*c));
		if (!c) {
			secret_free(psk);
			return -ENOMEM;
		}
		c->next = e->conns;
		e->conns = c;
		hmap_insert(&e->conns_by_name, &c->by_name, name_hash(e, cfg->name));
		snprintf(c->reason, sizeof(c->reason), "not started");
		c->rl_refused = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * CLOCK_NS_PER_SEC, 5);
	}
	hmap_insert(&e->conns_by_peer, &c->by_peer, peer_hash(e, &cfg->peer));
	c->cfg = *cfg;
	c->psk = psk;
	c->cfg.psk = psk;
	log_info("Tunnel", "conn=%s: configured (%s)", c->cfg.name,
		 cfg->initiate ? "initiating" : "waiting for the peer");
	if (!cfg->initiate)
		ike_timers_conn_cancel(c); /* now it only waits for the peer */
	if (cfg->initiate && !conn_sa(e, c))
		return ike_engine_conn_initiate(e, cfg->name);
	return 0;
}

int ike_engine_conn_remove(struct ike_engine *e, const char *name)
{
	struct ike_conn *c = ike_conn_find(e, name);

	if (!c)
		return -ENOENT;
	c->retry_hold = true; /* going away: no re-initiation */
	for (struct ike_sa *sa = c->sas; sa; sa = sa->conn_next) {
		static const struct ike_task del = {.kind = IKE_TASK_DELETE_IKE};

		/* Sent once if the window is free, not awaited: the connection is gone. */
		if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->req.kind == IKE_TASK_NONE)
			ike_info_start_delete_ike(sa, &del);
		ike_sa_fail(sa, "connection removed");
	}
	reap(e);
	for (struct ike_conn **pp = &e->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	hmap_remove(&e->conns_by_name, &c->by_name);
	hmap_remove(&e->conns_by_peer, &c->by_peer);
	conn_free(c);
	return 0;
}

static int conn_start(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_endpoint ep;
	struct ike_sa *sa;
	int r;

	ike_timers_conn_cancel(c);
	if (conn_sa(e, c))
		return 0;
	ep = (struct ike_endpoint){
		.local = c->cfg.local,
		.peer = c->cfg.peer,
		.local_port = IKE_PORT,
		.peer_port = IKE_PORT,
	};
	sa = ike_sa_new(e, c, true, &ep);
	if (!sa)
		return -ENOMEM;
	r = ike_init_start(sa);
	if (r)
		ike_sa_fail(sa, "IKE_SA_INIT could not be built");
	reap(e);
	return r;
}

int ike_engine_conn_initiate(struct ike_engine *e, const char *name)
{
	struct ike_conn *c = ike_conn_find(e, name);

	if (!c)
		return -ENOENT;
	c->retry_hold = false;
	return conn_start(e, c);
}

/* A scheduled re-initiation (timers.c back-off) or an early one (unknown ESP SPI, 2.21.4). */
static void conn_retry(struct ike_engine *e, struct ike_conn *c, const char *why)
{
	log_info("Tunnel", "conn=%s: initiating again (%s, attempt %u)", c->cfg.name, why,
		 c->retry_n);
	e->stats.retries++;
	c->retrying = true;
	conn_start(e, c);
	c->retrying = false;
}
static struct ike_sa *established(struct ike_engine *e, const char *name, int *err)
{
	struct ike_conn *c = ike_conn_find(e, name);
	struct ike_sa *sa = c ? conn_sa(e, c) : NULL;

	*err = !c ? -ENOENT : -ENOTCONN;
	return sa && sa->state == IKE_SA_STATE_ESTABLISHED ? sa : NULL;
}

/* Queue a request of ours on the connection's established IKE SA (exchange.h). */
static int conn_queue(struct ike_engine *e, const char *name, enum ike_task_kind kind,
		      uint32_t arg)
{
	int r;
	struct ike_sa *sa = established(e, name, &r);

	if (!sa)
		return r;
	r = ike_task_queue(sa, kind, arg, "requested");
	reap(e);
	return r;
}

int ike_engine_conn_create_child(struct ike_engine *e, const char *name)
{
	return conn_queue(e, name, IKE_TASK_CHILD, 0);
}

int ike_engine_conn_check_liveness(struct ike_engine *e, const char *name)
{
	return conn_queue(e, name, IKE_TASK_LIVENESS, 0);
}

int ike_engine_conn_delete_child(struct ike_engine *e, const char *name, uint32_t spi_in)
{
	int r;
	struct ike_sa *sa = established(e, name, &r);
	struct ike_child *c = sa ? ike_sa_child_by_spi_in(sa, spi_in) : NULL;

	if (!sa)
		return r;
	if (!c)
		return -ENOENT;
	ike_child_delete(sa, c, "requested");
	reap(e);
	return 0;
}

int ike_engine_conn_delete_ike(struct ike_engine *e, const char *name)
{
	int r;
	struct ike_sa *sa = established(e, name, &r);

	if (!sa)
		return r;
	sa->conn->retry_hold = true; /* an operator's Delete: do not fight it */
	ike_sa_delete(sa, "deleted by us (requested)");
	reap(e);
	return 0;
}

int ike_engine_conn_rekey_child(struct ike_engine *e, const char *name, uint32_t spi_in)
{
	int r;
	struct ike_sa *sa = established(e, name, &r);
	struct ike_child *c = sa ? ike_sa_child_by_spi_in(sa, spi_in) : NULL;

	if (!sa)
		return r;
	if (!c)
		return -ENOENT;
	if (c->state != IKE_CHILD_ACTIVE)
		return -EALREADY;
	return conn_queue(e, name, IKE_TASK_REKEY_CHILD, spi_in);
}

int ike_engine_conn_rekey_ike(struct ike_engine *e, const char *name)
{
	return conn_queue(e, name, IKE_TASK_REKEY_IKE, 0);
}

int ike_engine_sa_life(struct ike_engine *e, const char *conn, uint32_t spi, enum esp_dir dir,
		       enum esp_life life)
{
	struct ike_conn *cn = ike_conn_find(e, conn);
	char peer[ADDR_STR_MAX];

	if (!cn)
		return -ENOENT;
	for (struct ike_sa *sa = cn->sas; sa; sa = sa->conn_next) {
		struct ike_child *c;

		if (sa->state == IKE_SA_STATE_DEAD)
			continue;
		c = dir == ESP_DIR_IN ? ike_sa_child_by_spi_in(sa, spi)
				      : ike_sa_child_by_spi_out(sa, spi);
		if (!c)
			continue;
		log_info("IKE",
			 IKE_LOG_FMT ": CHILD_SA %08x/%08x: %s %s byte/packet lifetime reached",
			 sa->conn->cfg.name, ike_sa_peer_str(sa, peer, sizeof(peer)), c->spi_in,
			 c->spi_out, dir == ESP_DIR_IN ? "inbound" : "outbound",
			 life == ESP_LIFE_HARD ? "hard" : "soft");
		/* The time deadlines are the one mechanism: bring the right one forward. */
		if (life == ESP_LIFE_HARD)
			c->hard_ns = clock_now_ns();
		else if (life == ESP_LIFE_SOFT && c->state == IKE_CHILD_ACTIVE) {
			c->soft_ns = clock_now_ns();
			c->soft_why = "soft byte/packet lifetime";
		}
		ike_exchange_enter(sa);
		ike_rekey_run(sa, clock_now_ns());
		ike_exchange_leave(sa);
		reap(e);
		return 0;
	}
	return -ENOENT;
}

/* ---- input ----------------------------------------------------------------------------------- */

/* 2.21.4: an unprotected INVALID_IKE_SPI, SPIs and Message ID copied, to where it came from. */
static void send_invalid_spi(struct ike_engine *e, const struct ike_endpoint *ep,
			     const struct ike_hdr *req)
{
	struct ike_hdr h = {
		.spi_i = req->spi_i,
		.spi_r = req->spi_r,
		.version = IKE_VERSION,
		.exchange = req->exchange,
		.flags = (uint8_t)(IKE_FLAG_R | (req->flags & IKE_FLAG_I ? 0 : IKE_FLAG_I)),
		.msgid = req->msgid,
	};
	struct ike_pld_notify n;
	uint8_t mem[128];
	struct ike_msg_writer w;
	struct buf b;

	ike_notify_init(&n, IKE_N_INVALID_IKE_SPI, NULL, 0);
	buf_init_write(&b, mem, sizeof(mem));
	ike_msg_write_begin(&w, &b, &h);
	if (ike_msg_add_notify(&w, &n) || ike_msg_write_end(&w))
		return;
	if (e->ops.send)
		e->ops.send(e->ops.ctx, ep, buf_data(&b), buf_left(&b));
}

static struct ike_sa *sa_find(struct ike_engine *e, const struct ike_hdr *h)
{
	/* The I flag says who sent it: the original initiator's messages carry our SPI as SPIr. */
	bool from_initiator = h->flags & IKE_FLAG_I;
	struct ike_sa *sa = ike_sa_by_our_spi(e, from_initiator ? h->spi_r : h->spi_i);

	if (!sa || sa->state == IKE_SA_STATE_DEAD || sa->initiator == from_initiator)
		return NULL;
	if (sa->initiator && (sa->spi_r == h->spi_r || sa->state == IKE_SA_STATE_INIT_SENT))
		return sa;
	if (!sa->initiator && sa->spi_i == h->spi_i)
		return sa;
	return NULL;
}

static void input(struct ike_engine *e, const struct ike_endpoint *ep, const uint8_t *data,
		  size_t len)
{
	struct ike_parse_err err = {0};
	struct ike_msg m;
	struct buf dgram;
	struct ike_conn *conn;
	struct ike_sa *sa;
	char peer[ADDR_STR_MAX];
	bool response;

	addr_print(&ep->peer, peer, sizeof(peer));
	buf_init_read(&dgram, data, len);
	if (ike_msg_parse(&m, &dgram, &err)) {
		e->stats.malformed++;
		log_debug("IKE", "peer=%s: malformed message dropped: %s", peer, err.why);
		return;
	}
	response = m.hdr.flags & IKE_FLAG_R;
	if (m.hdr.exchange == IKE_EXCH_SA_INIT && !response && m.hdr.spi_r == 0) {
		conn = ike_conn_find_peer(e, &ep->peer);
		/* Only a connection's peer has SAs with us: its own, a handful (the limits). */
		for (sa = conn ? conn->sas : NULL; sa; sa = sa->conn_next) {
			if (sa->initiator || sa->spi_i != m.hdr.spi_i ||
			    sa->state == IKE_SA_STATE_DEAD)
				continue;
			/* 2.1: a retransmitted IKE_SA_INIT gets the same response. */
			if (sa->state == IKE_SA_STATE_INIT_DONE && m.hdr.msgid == 0 &&
			    sa->resp_valid) {
				e->stats.retransmits_answered++;
				ike_sa_send_raw(sa, sa->resp_pkt, sa->resp_len);
			}
			return;
		}
		if (!conn) {
			/* SPEC §1: one connection per remote IP; anyone else is not answered. */
			e->stats.unknown_peer++;
			log_rl(&e->rl_drop, LOG_LVL_INFO, "IKE",
			       "peer=%s: IKE_SA_INIT from an address with no connection, dropped",
			       peer);
			return;
		}
		if (conn->cfg.no_respond) {
			/* connectionMode InitiatorOnly: only our own IKE_SA_INIT starts it. */
			e->stats.unknown_peer++;
			log_rl(&e->rl_drop, LOG_LVL_INFO, "IKE",
			       "peer=%s: IKE_SA_INIT for initiator-only conn=%s, dropped", peer,
			       conn->cfg.name);
			return;
		}
		if (m.hdr.msgid != 0) {
			e->stats.malformed++;
			return;
		}
		ike_init_respond(e, conn, ep, &m);
		return;
	}
	sa = sa_find(e, &m.hdr);
	if (!sa) {
		e->stats.unknown_spi++;
		log_debug("IKE", "peer=%s: %s %s for an unknown IKE_SA, dropped", peer,
			  ike_exchange_name(m.hdr.exchange), response ? "response" : "request");
		/* Only to a configured peer, and at a bounded rate: no reflection off us. */
		if (!response && ike_conn_find_peer(e, &ep->peer) &&
		    log_ratelimit_allow(&e->rl_invalid_spi))
			send_invalid_spi(e, ep, &m.hdr);
		return;
	}
	if (!addr_equal(&sa->ep.peer, &ep->peer)) {
		/* No MOBIKE: a message from another address is not for this SA. */
		e->stats.unknown_spi++;
		return;
	}
	if (m.hdr.exchange == IKE_EXCH_SA_INIT) {
		if (response && sa->state == IKE_SA_STATE_INIT_SENT &&
		    sa->req.kind == IKE_TASK_INIT && m.hdr.msgid == 0)
			ike_exchange_init_response(sa, ep, &m);
		return;
	}
	if (sa->state == IKE_SA_STATE_INIT_SENT || sa->state == IKE_SA_STATE_NEW)
		return;
	ike_exchange_input(sa, ep, &m);
}

void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *ep, const uint8_t *data,
		      size_t len)
{
	input(e, ep, data, len);
	reap(e);
}

void ike_engine_esp_unknown_spi(struct ike_engine *e, const struct ike_endpoint *ep, uint32_t spi)
{
	struct ike_conn *c = ike_conn_find_peer(e, &ep->peer);
	struct ike_sa *sa;
	char peer[ADDR_STR_MAX];

	if (!c)
		return; /* not a peer of ours: never answered (no reflection) */
	addr_print(&ep->peer, peer, sizeof(peer));
	sa = conn_sa(e, c);
	if (sa && sa->state == IKE_SA_STATE_ESTABLISHED) {
		uint64_t now = clock_now_ns();

		/*
		 * 2.21.4: a peer sending on an SA we lost is told, inside the IKE SA; a stream of
		 * ESP on a lost SA gets one notify per second per IKE SA, not one each.
		 */
		if (!sa->invalid_spi_ns || now - sa->invalid_spi_ns >= CLOCK_NS_PER_SEC) {
			sa->invalid_spi_ns = now;
			ike_task_queue(sa, IKE_TASK_INVALID_SPI, spi, NULL);
		}
	} else if (sa && sa->state == IKE_SA_STATE_INIT_SENT && sa->req.kind == IKE_TASK_INIT &&
		   ike_timers_request_age(sa, clock_now_ns()) >= CLOCK_NS_PER_SEC) {
		/* The peer is up while our IKE_SA_INIT waits for its next retransmission: now. */
		log_info("Tunnel",
			 "conn=%s: ESP for unknown SPI %08x from %s: IKE_SA_INIT again now",
			 c->cfg.name, spi, peer);
		ike_sa_send_raw(sa, sa->req.pkt, sa->req.len);
		ike_timers_request_resent(sa);
	} else if (!sa && c->cfg.initiate && !c->retry_hold) {
		/* The peer still has SAs with us, so it is up: no reason to wait for the back-off.
		 */
		log_info("Tunnel", "conn=%s: ESP for unknown SPI %08x from %s: starting now",
			 c->cfg.name, spi, peer);
		conn_retry(e, c, "ESP from the peer for an SA we do not have");
	} else {
		log_debug("IKE", "conn=%s: ESP for unknown SPI %08x from %s: IKE_SA being set up",
			  c->cfg.name, spi, peer);
	}
	reap(e);
}

uint64_t ike_engine_next_deadline(const struct ike_engine *e)
{
	uint64_t t = UINT64_MAX;

	for (const struct ike_conn *c = e->conns; c; c = c->next) {
		uint64_t d = ike_timers_conn_next(c);

		if (d && d < t)
			t = d;
	}
	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		uint64_t d = ike_timers_next(sa);

		if (d && d < t)
			t = d;
	}
	return t;
}

void ike_engine_run_timers(struct ike_engine *e)
{
	uint64_t now = clock_now_ns();

	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		uint64_t d = ike_timers_next(sa);

		if (d && d <= now) {
			ike_exchange_enter(sa);
			ike_timers_run(sa, now);
			ike_exchange_leave(sa);
		}
	}
	reap(e);
	for (struct ike_conn *c = e->conns; c; c = c->next)
		if (ike_timers_conn_due(c, now))
			conn_retry(e, c, "back-off elapsed");
}

void ike_engine_set_limits(struct ike_engine *e, const struct ike_engine_limits *l)
{
	e->limits.children_per_conn = l->children_per_conn ?: default_limits.children_per_conn;
	e->limits.ike_sas_per_conn = l->ike_sas_per_conn ?: default_limits.ike_sas_per_conn;
	e->limits.peer_creates_burst = l->peer_creates_burst ?: default_limits.peer_creates_burst;
	e->limits.peer_creates_per_min =
		l->peer_creates_per_min ?: default_limits.peer_creates_per_min;
}

const struct ike_engine_limits *ike_engine_limits(const struct ike_engine *e)
{
	return &e->limits;
}

/* ---- what one connection may hold -------------------------------------------------------- */

unsigned int ike_conn_ike_sas(const struct ike_engine *e, const struct ike_conn *c)
{
	unsigned int n = 0;

	(void)e;
	for (const struct ike_sa *sa = c->sas; sa; sa = sa->conn_next)
		n += sa->state == IKE_SA_STATE_ESTABLISHED || sa->state == IKE_SA_STATE_REKEYED ||
		     sa->state == IKE_SA_STATE_DELETING;
	return n;
}

void ike_conn_children(const struct ike_engine *e, const struct ike_conn *c, unsigned int *live,
		       unsigned int *all)
{
	(void)e;
	*live = *all = 0;
	for (const struct ike_sa *sa = c->sas; sa; sa = sa->conn_next) {
		for (const struct ike_child *ch = sa->children; ch; ch = ch->next) {
			(*all)++;
			*live += ch->state == IKE_CHILD_ACTIVE || ch->state == IKE_CHILD_REKEYING;
		}
	}
}

bool ike_conn_peer_create_allow(struct ike_conn *c, const struct ike_engine *e)
{
	const uint64_t full = (uint64_t)e->limits.peer_creates_burst * 1000;
	uint64_t now = clock_now_ns(), per_token_ns;

	/* Refill: peer_creates_per_min tokens a minute, up to the burst. */
	per_token_ns = 60 * CLOCK_NS_PER_SEC / e->limits.peer_creates_per_min;
	if (!c->create_refill_ns) {
		c->create_tokens_milli = full;
	} else if (now > c->create_refill_ns) {
		uint64_t add = (now - c->create_refill_ns) * 1000 / per_token_ns;

		c->create_tokens_milli =
			c->create_tokens_milli + add > full ? full : c->create_tokens_milli + add;
	}
	c->create_refill_ns = now;
	if (c->create_tokens_milli < 1000)
		return false;
	c->create_tokens_milli -= 1000;
	return true;
}

void ike_conn_refused(struct ike_conn *c, uint64_t *counter, const char *fmt, ...)
{
	char why[192], peer[ADDR_STR_MAX];
	va_list ap;

	(*counter)++;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_rl(&c->rl_refused, LOG_LVL_WARN, "IKE", "conn=%s peer=%s: refused: %s", c->cfg.name,
	       addr_print(&c->cfg.peer, peer, sizeof(peer)), why);
}

bool ike_conn_spi_out_used(const struct ike_engine *e, const struct ike_conn *c, uint32_t spi_out)
{
	(void)e;
	for (struct ike_sa *sa = c->sas; sa; sa = sa->conn_next)
		if (sa->state != IKE_SA_STATE_DEAD && ike_sa_child_by_spi_out(sa, spi_out))
			return true;
	return false;
}

void ike_engine_set_cookie_threshold(struct ike_engine *e, unsigned int n)
{
	e->cookie_threshold = n;
}

void ike_engine_set_half_open_limits(struct ike_engine *e, unsigned int per_source,
				     unsigned int max)
{
	e->half_open_per_source = per_source;
	e->half_open_max = max;
}

unsigned int ike_engine_half_open(const struct ike_engine *e)
{
	return e->half_open;
}

bool ike_engine_cookies_required(const struct ike_engine *e)
{
	return ike_engine_half_open(e) >= e->cookie_threshold ||
	       (e->cookies_until && clock_now_ns() < e->cookies_until);
}

void ike_engine_set_keylog(struct ike_engine *e, const char *dir)
{
	free(e->keylog_dir);
	e->keylog_dir = dir ? strdup(dir) : NULL;
	if (dir)
		log_warn("IKE", "debug key log on: IKE and ESP keys are written to %s", dir);
}

const struct ike_engine_stats *ike_engine_stats(const struct ike_engine *e)
{
	return &e->stats;
}

void ike_engine_set_spi_source(struct ike_engine *e, int (*fn)(void *ctx, uint32_t *spi),
			       void *ctx)
{
	e->spi_fn = fn;
	e->spi_ctx = ctx;
}

void ike_engine_set_nonce_source(struct ike_engine *e,
				 int (*fn)(void *ctx, uint8_t *out, size_t len), void *ctx)
{
	e->nonce_fn = fn;
	e->nonce_ctx = ctx;
}

int ike_engine_conn_info(const struct ike_engine *e, const char *name, struct ike_conn_info *out)
{
	const struct ike_conn *c = ike_conn_find(e, name);
	const struct ike_sa *sa;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -ENOENT;
	out->status = c->status;
	snprintf(out->reason, sizeof(out->reason), "%s", c->reason);
	out->refused = c->refused;
	out->retry_at = c->retry_deadline;
	out->n_retries = c->retry_n;
	for (const struct ike_sa *s = c->sas; s; s = s->conn_next)
		out->n_ike_sas += s->state != IKE_SA_STATE_DEAD;
	sa = conn_sa(e, c);
	if (!sa)
		return 0;
	out->established = sa->state == IKE_SA_STATE_ESTABLISHED;
	out->requests_pending = sa->n_tasks + (sa->req.kind != IKE_TASK_NONE);
	out->spi_i = sa->spi_i;
	out->spi_r = sa->spi_r;
	out->initiator = sa->initiator;
	out->nat_detected = sa->nat_local || sa->nat_remote;
	out->ep = sa->ep;
	for (const struct ike_child *ch = sa->children; ch; ch = ch->next) {
		if (out->n_children < sizeof(out->child_spi_in) / sizeof(out->child_spi_in[0])) {
			out->child_spi_in[out->n_children] = ch->spi_in;
			out->child_spi_out[out->n_children] = ch->spi_out;
		}
		out->n_children++;
	}
	return 0;
}
