/* SPDX-License-Identifier: MIT */
/*
 * init: the IKE_SA_INIT exchange (RFC 7296 1.2) on both sides: proposals, key exchange and
 * nonces, then the SK_* keys. The responder keeps no state for a request it refuses: COOKIE
 * (2.6) when half-open SAs pile up, INVALID_KE_PAYLOAD (1.2, 1.3) naming the group it wants,
 * NO_PROPOSAL_CHOSEN (2.7). NAT detection (2.23): the NAT_DETECTION_*_IP hashes, and floating to
 * port 4500 when a NAT is seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/prf.h"
#include "crypto/rand.h"
#include "ike/cookie.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "lib/clock.h"
#include "lib/log.h"

#define INIT_MAX_ATTEMPTS 5
#define NAT_HASH_LEN	  20

/* 2.23: SHA-1(SPIi | SPIr | IP address | port). */
static int nat_hash(uint64_t spi_i, uint64_t spi_r, const struct addr *a, uint16_t port,
		    uint8_t out[NAT_HASH_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = a->family == AF_INET ? 4 : 16, n = 0;
	unsigned int olen = 0;

	for (int i = 7; i >= 0; i--)
		in[n++] = (uint8_t)(spi_i >> (8 * i));
	for (int i = 7; i >= 0; i--)
		in[n++] = (uint8_t)(spi_r >> (8 * i));
	memcpy(in + n, a->bytes, alen);
	n += alen;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	return EVP_Digest(in, n, out, &olen, EVP_sha1(), NULL) == 1 && olen == NAT_HASH_LEN ? 0
											    : -EIO;
}

static int add_notify_data(struct ike_msg_writer *w, uint16_t type, const void *data, size_t len)
{
	struct ike_pld_notify n;

	ike_notify_init(&n, type, data, len);
	return ike_msg_add_notify(w, &n);
}

static int add_nat_d(struct ike_msg_writer *w, const struct ike_sa *sa, uint64_t spi_r)
{
	uint8_t h[NAT_HASH_LEN];
	int r;

	r = nat_hash(sa->spi_i, spi_r, &sa->ep.local, sa->ep.local_port, h);
	r = r ?: add_notify_data(w, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	r = r ?: nat_hash(sa->spi_i, spi_r, &sa->ep.peer, sa->ep.peer_port, h);
	r = r ?: add_notify_data(w, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	return r;
}

/*
 * The peer's NAT_DETECTION hashes against the addresses we see: a source mismatch means the
 * peer is behind a NAT, a destination mismatch that we are. False when it sent none (no NAT-T).
 */
static bool nat_check(struct ike_sa *sa, const struct ike_msg *m, const struct ike_endpoint *ep,
		      uint64_t spi_r)
{
	uint8_t src[NAT_HASH_LEN], dst[NAT_HASH_LEN];
	bool seen_src = false, src_ok = false, seen_dst = false, dst_ok = false;
	char peer[ADDR_STR_MAX];

	if (nat_hash(sa->spi_i, spi_r, &ep->peer, ep->peer_port, src) ||
	    nat_hash(sa->spi_i, spi_r, &ep->local, ep->local_port, dst))
		return false;
	for (const struct ike_pld *p = ike_msg_find(m, IKE_PLD_NOTIFY, NULL); p;
	     p = ike_msg_find(m, IKE_PLD_NOTIFY, p)) {
		struct ike_pld_notify n;
		struct buf b = p->body;

		if (ike_pld_parse_notify(&b, &n))
			continue;
		/* 2.23: several source hashes may come (multihomed peer); one match is enough. */
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			seen_src = true;
			src_ok |= buf_equal_mem(&n.data, src, sizeof(src));
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			seen_dst = true;
			dst_ok |= buf_equal_mem(&n.data, dst, sizeof(dst));
		}
	}
	if (!seen_src || !seen_dst)
		return false;
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok;
	if (sa->nat_remote || sa->nat_local)
		/* SPEC §2.10: the peer should not be behind NAT; log it and carry on (NAT-T). */
		log_warn("IKE", IKE_LOG_FMT ": NAT detected:%s%s", sa->conn->cfg.name,
			 ike_sa_peer_str(sa, peer, sizeof(peer)),
			 sa->nat_remote ? " the peer is behind a NAT" : "",
			 sa->nat_local ? " we are behind a NAT" : "");
	return true;
}

static int add_nonce(struct ike_msg_writer *w, const uint8_t *nonce)
{
	struct ike_pld_nonce n;

	buf_init_read(&n.data, nonce, IKE_NONCE_LEN);
	return ike_msg_add_nonce(w, &n);
}

static int keep(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len);

	if (!c)
		return -ENOMEM;
	memcpy(c, p, len);
	free(*dst);
	*dst = c;
	*dlen = len;
	return 0;
}

/* ---- initiator ----------------------------------------------------------------------------- */

static int send_request(struct ike_sa *sa)
{
	static const struct ike_task init = {.kind = IKE_TASK_INIT};
	const struct ike_proto_policy *pol = &sa->conn->cfg.policy.ike;
	struct ike_pld_sa offer;
	struct ike_out o;
	int r;

	sa->req.kind = IKE_TASK_NONE;
	r = ike_proposal_offer(&pol->propose, IKE_PROTO_IKE, false, NULL, 0, &offer);
	r = r ?: ike_sa_request_begin(sa, &o, IKE_EXCH_SA_INIT);
	if (r)
		return r;
	/* 2.6: the cookie goes first, everything else unchanged. */
	if (sa->cookie_len)
		r = add_notify_data(&o.w, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	r = r ?: ike_msg_add_sa(&o.w, &offer);
	r = r ?: ike_msg_add_ke_dh(&o.w, sa->dh);
	r = r ?: add_nonce(&o.w, sa->nonce);
	r = r ?: add_nat_d(&o.w, sa, 0);
	r = r ?: ike_sa_send_request(sa, &o, &init);
	r = r ?: keep(&sa->init_req, &sa->init_req_len, sa->req.pkt, sa->req.len);
	sa->init_attempts++;
	return r;
}

int ike_init_start(struct ike_sa *sa)
{
	const struct ike_suite_list *l = &sa->conn->cfg.policy.ike.propose;
	char peer[ADDR_STR_MAX], offer[256];
	struct ike_pld_sa sa_pld;
	int r;

	if (l->n == 0)
		return -EINVAL;
	r = crypto_dh_new(&sa->dh, l->s[0].dh);
	if (r)
		return r;
	ike_proposal_offer(l, IKE_PROTO_IKE, false, NULL, 0, &sa_pld);
	ike_pld_sa_format(&sa_pld, offer, sizeof(offer));
	log_info("IKE", IKE_LOG_FMT ": initiating IKE_SA, proposing %s", sa->conn->cfg.name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), offer);
	r = send_request(sa);
	if (r)
		return r;
	ike_sa_set_state(sa, IKE_SA_STATE_INIT_SENT, "IKE_SA_INIT request sent");
	ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_CONNECTING, "IKE_SA_INIT sent");
	return 0;
}

static bool group_proposed(const struct ike_suite_list *l, uint16_t group)
{
	for (uint8_t i = 0; i < l->n; i++)
		if (l->s[i].dh == group)
			return true;
	return false;
}

/* A refusal we can act on: COOKIE or INVALID_KE_PAYLOAD (1.2, 2.6). True if resent. */
static bool retry_init(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_pld_notify n;
	char peer[ADDR_STR_MAX];

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (sa->init_attempts >= INIT_MAX_ATTEMPTS)
		return false;
	if (ike_msg_find_notify(m, IKE_N_COOKIE, &n)) {
		size_t len = buf_left(&n.data);

		if (len == 0 || len > sizeof(sa->cookie))
			return false;
		memcpy(sa->cookie, buf_data(&n.data), len);
		sa->cookie_len = len;
		log_info("IKE", IKE_LOG_FMT ": responder asks for a COOKIE, retrying with it",
			 sa->conn->cfg.name, peer);
		return send_request(sa) == 0;
	}
	if (ike_msg_find_notify(m, IKE_N_INVALID_KE_PAYLOAD, &n)) {
		struct buf b = n.data;
		uint16_t group;

		if (buf_get_be16(&b, &group) ||
		    !group_proposed(&sa->conn->cfg.policy.ike.propose, group) ||
		    group == crypto_dh_group(sa->dh)) {
			log_warn("IKE",
				 IKE_LOG_FMT ": INVALID_KE_PAYLOAD asks for a group we did not "
					     "propose",
				 sa->conn->cfg.name, peer);
			return false;
		}
		log_info("IKE", IKE_LOG_FMT ": INVALID_KE_PAYLOAD, responder wants %s; retrying",
			 sa->conn->cfg.name, peer, crypto_dh_name(group));
		crypto_dh_free(sa->dh);
		sa->dh = NULL;
		return crypto_dh_new(&sa->dh, group) == 0 && send_request(sa) == 0;
	}
	return false;
}

void ike_init_handle_response(struct ike_sa *sa, const struct ike_endpoint *ep, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa reply;
	struct ike_pld_ke ke;
	struct ike_pld_nonce nonce;
	struct ike_pld_notify n;
	struct secret *gir = NULL;
	char peer[ADDR_STR_MAX], why[160], suite[96];
	uint16_t err;
	int r;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (retry_init(sa, m))
		return;
	err = ike_msg_error_notify(m, &n);
	if (err) {
		snprintf(why, sizeof(why), "IKE_SA_INIT refused: %s", ike_notify_name(err));
		log_warn("IKE", IKE_LOG_FMT ": %s", cfg->name, peer, why);
		ike_sa_fail(sa, why);
		return;
	}
	if (m->hdr.spi_r == 0 || ike_msg_get_sa(m, &reply) || ike_msg_get_ke(m, &ke) ||
	    ike_msg_get_nonce(m, &nonce)) {
		ike_sa_fail(sa, "IKE_SA_INIT response without SPI, SA, KE or nonce");
		return;
	}
	if (ike_proposal_check_reply(&cfg->policy.ike.propose, IKE_PROTO_IKE, false, &reply,
				     &sa->chosen) ||
	    sa->chosen.suite.dh != crypto_dh_group(sa->dh) || ke.group != sa->chosen.suite.dh) {
		ike_sa_fail(sa, "IKE_SA_INIT response chose something we did not propose");
		return;
	}
	sa->spi_r = m->hdr.spi_r;
	sa->peer_nonce_len = buf_left(&nonce.data);
	memcpy(sa->peer_nonce, buf_data(&nonce.data), sa->peer_nonce_len);
	r = crypto_dh_derive(sa->dh, buf_data(&ke.data), buf_left(&ke.data), &gir);
	r = r ?: ike_sa_keys_derive(sa, gir);
	r = r ?: keep(&sa->init_resp, &sa->init_resp_len, buf_data(&m->raw), buf_left(&m->raw));
	secret_free(gir);
	if (r) {
		ike_sa_fail(sa, "IKE_SA_INIT: key exchange failed");
		return;
	}
	sa->req_msgid_next = 1;
	ike_suite_format(&sa->chosen.suite, IKE_PROTO_IKE, suite, sizeof(suite));
	log_info("IKE", IKE_LOG_FMT ": IKE_SA_INIT done, %s", cfg->name, peer, suite);
	/* 2.23: with a NAT on the path, everything from IKE_AUTH on goes over port 4500. */
	if (nat_check(sa, m, ep, sa->spi_r) && (sa->nat_local || sa->nat_remote) &&
	    sa->ep.peer_port != IKE_NATT_PORT) {
		sa->ep.local_port = IKE_NATT_PORT;
		sa->ep.peer_port = IKE_NATT_PORT;
		log_info("IKE", IKE_LOG_FMT ": floating to port %u", cfg->name, peer,
			 IKE_NATT_PORT);
	}
	/* Queued: it goes out as this message's dispatch ends (the window is free). */
	if (ike_task_queue(sa, IKE_TASK_AUTH, 0, NULL))
		ike_sa_fail(sa, "IKE_AUTH request could not be queued");
}

/* ---- responder ----------------------------------------------------------------------------- */

static void send_stateless(struct ike_engine *e, const struct ike_endpoint *ep,
			   const struct ike_hdr *req, uint16_t type, const void *data, size_t len)
{
	struct ike_hdr h = {
		.spi_i = req->spi_i,
		.version = IKE_VERSION,
		.exchange = IKE_EXCH_SA_INIT,
		.flags = IKE_FLAG_R,
		.msgid = 0,
	};
	uint8_t mem[256];
	struct ike_msg_writer w;
	struct buf b;

	buf_init_write(&b, mem, sizeof(mem));
	ike_msg_write_begin(&w, &b, &h);
	if (add_notify_data(&w, type, data, len) || ike_msg_write_end(&w))
		return;
	if (e->ops.send)
		e->ops.send(e->ops.ctx, ep, buf_data(&b), buf_left(&b));
}

/*
 * Whether a request may create a half-open SA (RFC 7296 2.6; the bounds are engine.h's). When
 * not, it was answered with a COOKIE or dropped, and counted; either way nothing was kept.
 * Cookies are demanded from everyone while half-open SAs are at the threshold (and for the
 * calm-down after), and from one address while its own half-open SAs are at the per-source
 * limit. A valid cookie proves the sender receives at its address, so its request may replace
 * that address's oldest half-open SA made without one (a spoofer's, most likely).
 */
static bool admit(struct ike_engine *e, const struct ike_conn *conn, const struct ike_endpoint *ep,
		  const struct ike_msg *m, const struct buf *ni, bool *verified)
{
	uint64_t now = clock_now_ns(), rotations = e->cookies.rotations;
	unsigned int total = 0, from_src = 0;
	struct ike_sa *victim = NULL;
	struct ike_pld_notify n;
	char peer[ADDR_STR_MAX];
	bool need, valid = false;

	addr_print(&ep->peer, peer, sizeof(peer));
	total = e->half_open;
	/* From this address: the connection's own SAs (one connection per remote IP, SPEC §1). */
	for (struct ike_sa *sa = conn->sas; sa; sa = sa->conn_next) {
		if (sa->initiator || sa->state != IKE_SA_STATE_INIT_DONE ||
		    !addr_equal(&sa->ep.peer, &ep->peer))
			continue;
		from_src++;
		/* The oldest expires first. */
		if (!sa->cookie_verified &&
		    (!victim || sa->half_open_deadline < victim->half_open_deadline))
			victim = sa;
	}
	if (ike_cookie_rotate(&e->cookies, now))
		log_warn("IKE", "cannot draw a new cookie secret; keeping the current one");
	e->stats.cookie_rotations += e->cookies.rotations - rotations;
	if (total >= e->cookie_threshold)
		e->cookies_until = now + (uint64_t)IKE_COOKIE_CALMDOWN_S * CLOCK_NS_PER_SEC;
	need = total >= e->cookie_threshold || (e->cookies_until && now < e->cookies_until);
	if (ike_msg_find_notify(m, IKE_N_COOKIE, &n)) {
		valid = ike_cookie_check(&e->cookies, &n.data, ni, &ep->peer, m->hdr.spi_i);
		e->stats.cookie_invalid += !valid;
	}
	if (!valid && from_src >= e->half_open_per_source) {
		e->stats.source_limited++;
		need = true;
	}
	if (need && !valid) {
		uint8_t cookie[IKE_COOKIE_LEN];

		if (ike_cookie_make(&e->cookies, ni, &ep->peer, m->hdr.spi_i, cookie))
			return false;
		e->stats.cookies_sent++;
		log_rl(&e->rl_drop, LOG_LVL_INFO, "IKE",
		       IKE_LOG_FMT ": IKE_SA_INIT without a valid COOKIE (%u half-open, %u from "
				   "this address), asking for one",
		       conn->cfg.name, peer, total, from_src);
		send_stateless(e, ep, &m->hdr, IKE_N_COOKIE, cookie, sizeof(cookie));
		return false;
	}
	if (from_src >= e->half_open_per_source) {
		if (!victim) {
			e->stats.source_blocked++;
			log_rl(&e->rl_drop, LOG_LVL_WARN, "IKE",
			       IKE_LOG_FMT ": %u half-open IKE_SAs from this address, all with "
					   "cookies: IKE_SA_INIT dropped",
			       conn->cfg.name, peer, from_src);
			return false;
		}
		e->stats.source_evicted++;
		ike_sa_fail(victim, "half-open IKE_SA replaced by a cookie-verified IKE_SA_INIT");
		total--;
	}
	if (total >= e->half_open_max) {
		e->stats.half_open_cap++;
		log_rl(&e->rl_drop, LOG_LVL_WARN, "IKE",
		       IKE_LOG_FMT ": %u half-open IKE_SAs, the most kept: IKE_SA_INIT dropped",
		       conn->cfg.name, peer, total);
		return false;
	}
	*verified = valid;
	return true;
}

void ike_init_respond(struct ike_engine *e, struct ike_conn *conn, const struct ike_endpoint *ep,
		      struct ike_msg *m)
{
	const struct ike_proto_policy *pol = &conn->cfg.policy.ike;
	struct ike_pld_sa offer, reply;
	struct ike_pld_ke ke;
	struct ike_pld_nonce nonce;
	struct ike_chosen chosen;
	struct ike_pld_notify n;
	struct ike_sa *sa;
	struct secret *gir = NULL;
	struct ike_out o;
	char peer[ADDR_STR_MAX], theirs[512], ours[512];
	bool verified = false;
	int r;

	addr_print(&ep->peer, peer, sizeof(peer));
	if (ike_msg_get_sa(m, &offer) || ike_msg_get_ke(m, &ke) || ike_msg_get_nonce(m, &nonce)) {
		e->stats.malformed++;
		log_debug("IKE", IKE_LOG_FMT ": IKE_SA_INIT without SA, KE or nonce dropped",
			  conn->cfg.name, peer);
		return;
	}
	if (buf_left(&m->raw) > IKE_MSG_BUF) {
		/* What a half-open SA keeps of the request is bounded (engine.h). */
		e->stats.malformed++;
		return;
	}
	if (!admit(e, conn, ep, m, &nonce.data, &verified))
		return;
	if (ike_proposal_select(pol, IKE_PROTO_IKE, false, &offer, &chosen)) {
		struct ike_pld_sa acc;

		ike_pld_sa_format(&offer, theirs, sizeof(theirs));
		ike_proposal_offer(&pol->propose, IKE_PROTO_IKE, false, NULL, 0, &acc);
		ike_pld_sa_format(&acc, ours, sizeof(ours));
		/*
		 * Unauthenticated: anyone can send this from the peer's address, so it is logged
		 * and counted, and never changes the connection's state or status (issue 14).
		 */
		ike_conn_refused(conn, &conn->refused.unauthenticated,
				 "NO_PROPOSAL_CHOSEN for IKE: peer offered %s; we propose %s and "
				 "accept the policy's alternatives",
				 theirs, ours);
		send_stateless(e, ep, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ke.group != chosen.suite.dh) {
		uint8_t g[2] = {(uint8_t)(chosen.suite.dh >> 8), (uint8_t)chosen.suite.dh};

		log_info("IKE", IKE_LOG_FMT ": KE of group %u, asking for %s (INVALID_KE_PAYLOAD)",
			 conn->cfg.name, peer, ke.group, crypto_dh_name(chosen.suite.dh));
		send_stateless(e, ep, &m->hdr, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	sa = ike_sa_new(e, conn, false, ep);
	if (!sa)
		return;
	sa->spi_i = m->hdr.spi_i;
	sa->cookie_verified = verified;
	sa->chosen = chosen;
	sa->peer_nonce_len = buf_left(&nonce.data);
	memcpy(sa->peer_nonce, buf_data(&nonce.data), sa->peer_nonce_len);
	nat_check(sa, m, ep, 0);
	r = crypto_dh_new(&sa->dh, chosen.suite.dh);
	r = r ?: crypto_dh_derive(sa->dh, buf_data(&ke.data), buf_left(&ke.data), &gir);
	r = r ?: ike_sa_keys_derive(sa, gir);
	r = r ?: keep(&sa->init_req, &sa->init_req_len, buf_data(&m->raw), buf_left(&m->raw));
	secret_free(gir);
	if (r) {
		log_warn("IKE", IKE_LOG_FMT ": IKE_SA_INIT: key exchange failed: %s",
			 conn->cfg.name, peer, strerror(-r));
		ike_sa_set_state(sa, IKE_SA_STATE_DEAD, "key exchange failed");
		return;
	}
	ike_proposal_reply(&chosen, NULL, 0, &reply);
	r = ike_sa_out_begin(sa, &o, IKE_EXCH_SA_INIT, true, 0);
	r = r ?: ike_msg_add_sa(&o.w, &reply);
	r = r ?: ike_msg_add_ke_dh(&o.w, sa->dh);
	r = r ?: add_nonce(&o.w, sa->nonce);
	if (sa->nat_local || sa->nat_remote ||
	    ike_msg_find_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP, &n))
		r = r ?: add_nat_d(&o.w, sa, sa->spi_r);
	r = r ?: ike_sa_send_response(sa, &o);
	r = r ?: keep(&sa->init_resp, &sa->init_resp_len, sa->resp_pkt, sa->resp_len);
	if (r) {
		ike_sa_set_state(sa, IKE_SA_STATE_DEAD, "IKE_SA_INIT response could not be built");
		return;
	}
	ike_suite_format(&chosen.suite, IKE_PROTO_IKE, ours, sizeof(ours));
	log_info("IKE", IKE_LOG_FMT ": IKE_SA_INIT answered, %s", conn->cfg.name, peer, ours);
	/* Not authenticated yet: the connection's status waits for IKE_AUTH (issue 14). */
	ike_sa_set_state(sa, IKE_SA_STATE_INIT_DONE, "IKE_SA_INIT answered");
	ike_timers_half_open(sa);
}
