/* SPDX-License-Identifier: MIT */
/*
 * auth: the IKE_AUTH exchange (RFC 7296 1.2) with pre-shared keys (2.15) and IDs of type
 * ID_IPV4_ADDR/ID_IPV6_ADDR, the public addresses (SPEC §3), and the first CHILD_SA riding on it
 * (1.2, 2.9). A bad AUTH is answered with AUTHENTICATION_FAILED and no IKE SA (2.21.2); a child
 * that cannot be agreed is refused with NO_PROPOSAL_CHOSEN or TS_UNACCEPTABLE while the IKE SA
 * itself is still set up (2.21.3), and the initiator then deletes it: a site-to-site connection
 * without a tunnel is of no use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/sa.h"
#include "ike/timers.h"
#include "ike/ts.h"
#include "lib/log.h"

/* Our ID payload and its body (RestOfInitIDPayload, what 2.15 MACs). */
struct id_out {
	uint8_t mem[32];
	struct ike_pld_id id;
	struct buf body;
};

static int id_make(const struct addr *a, struct id_out *o)
{
	struct buf w;
	int r;

	o->id.type = a->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	buf_init_read(&o->id.data, a->bytes, a->family == AF_INET ? 4 : 16);
	buf_init_write(&w, o->mem, sizeof(o->mem));
	r = ike_pld_build_id(&w, &o->id);
	if (r)
		return r;
	buf_init_read(&o->body, o->mem, buf_left(&w));
	return 0;
}

/* SPEC §3: the peer's ID is its public address, the one the connection is configured with. */
static bool id_matches(const struct ike_pld_id *id, const struct addr *a)
{
	uint8_t type = a->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;

	return id->type == type &&
	       buf_equal_mem(&id->data, a->bytes, a->family == AF_INET ? 4 : 16);
}

/* Check the peer's ID and AUTH payloads; why says what failed. */
static bool peer_authenticated(struct ike_sa *sa, const struct ike_msg *m, uint8_t id_type,
			       const char **why)
{
	const struct ike_pld *idp = ike_msg_find(m, id_type, NULL);
	struct ike_pld_id id;
	struct ike_pld_auth auth;
	uint8_t expect[CRYPTO_PRF_MAX_LEN];
	size_t len = 0;
	bool ok;

	*why = "no ID or AUTH payload";
	if (!idp || ike_msg_get_id(m, id_type, &id) || ike_msg_get_auth(m, &auth))
		return false;
	*why = "peer ID is not its configured address";
	if (!id_matches(&id, &sa->conn->cfg.peer))
		return false;
	*why = "peer uses an authentication method other than PSK";
	if (auth.method != IKE_AUTH_SHARED_KEY_MIC)
		return false;
	*why = "AUTH value does not match (wrong pre-shared key?)";
	if (ike_sa_psk_auth(sa, !sa->initiator, &idp->body, expect, &len))
		return false;
	ok = buf_left(&auth.data) == len && CRYPTO_memcmp(buf_data(&auth.data), expect, len) == 0;
	secret_wipe(expect, sizeof(expect));
	return ok;
}

static int add_our_id_auth(struct ike_sa *sa, struct ike_msg_writer *w)
{
	struct id_out id;
	struct ike_pld_auth auth = {.method = IKE_AUTH_SHARED_KEY_MIC};
	uint8_t val[CRYPTO_PRF_MAX_LEN];
	size_t len;
	int r;

	r = id_make(&sa->conn->cfg.local, &id);
	r = r ?: ike_sa_psk_auth(sa, sa->initiator, &id.body, val, &len);
	if (r)
		return r;
	buf_init_read(&auth.data, val, len);
	r = ike_msg_add_id(w, sa->initiator ? IKE_PLD_IDI : IKE_PLD_IDR, &id.id);
	r = r ?: ike_msg_add_auth(w, &auth);
	secret_wipe(val, sizeof(val));
	return r;
}

/* ---- initiator ----------------------------------------------------------------------------- */

/*
 * RFC 7296 2.4: INITIAL_CONTACT says "I hold no other IKE SA with you" and makes the peer drop
 * every older one at once. True for the first IKE_AUTH with a peer since the process started
 * (a restart: the peer may still hold SAs from before) and after DPD or a failure took the last
 * one; never while another SA of ours with the peer lives, in any state, so that two sides
 * initiating at the same time cannot delete each other's new SA (strongSwan's rule too).
 */
bool ike_auth_first_contact(const struct ike_sa *sa)
{
	for (const struct ike_sa *o = sa->conn->sas; o; o = o->conn_next)
		if (o != sa && o->state != IKE_SA_STATE_DEAD)
			return false;
	return true;
}

int ike_auth_start(struct ike_sa *sa, const struct ike_task *t)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify ic;
	struct ike_pld_sa offer;
	struct ike_out o;
	uint8_t spi[4];
	int r;

	ike_notify_init(&ic, IKE_N_INITIAL_CONTACT, NULL, 0);
	r = ike_child_pending_prepare(sa, 0);
	if (r)
		return r;
	ike_spi_to_bytes(sa->pend.spi_in, spi);
	r = ike_proposal_offer(&cfg->policy.esp.propose, IKE_PROTO_ESP, true, spi, 4, &offer);
	r = r ?: ike_sa_request_begin(sa, &o, IKE_EXCH_AUTH);
	r = r ?: add_our_id_auth(sa, &o.w);
	if (ike_auth_first_contact(sa))
		r = r ?: ike_msg_add_notify(&o.w, &ic);
	r = r ?: ike_msg_add_sa(&o.w, &offer);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSI, &sa->pend.tsi);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSR, &sa->pend.tsr);
	r = r ?: ike_sa_send_request(sa, &o, t);
	if (r == 0)
		ike_sa_set_state(sa, IKE_SA_STATE_AUTH_SENT, "IKE_AUTH request sent");
	return r;
}

static void connected(struct ike_sa *sa)
{
	ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_CONNECTED,
			    sa->nat_remote || sa->nat_local ? "established (NAT detected)"
							    : "established");
}

void ike_auth_handle_response(struct ike_sa *sa, const struct ike_task *t, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify n;
	struct ike_pld_sa reply;
	struct ike_pld_ts tsi, tsr;
	struct ike_child *c;
	struct buf ni, nr;
	char peer[ADDR_STR_MAX], why[160];
	const char *bad;
	uint16_t err = ike_msg_error_notify(m, &n);

	(void)t;
	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (err == IKE_N_AUTHENTICATION_FAILED || !ike_msg_find(m, IKE_PLD_IDR, NULL)) {
		snprintf(why, sizeof(why), "authentication failed: peer answered %s",
			 err ? ike_notify_name(err) : "without ID");
		log_warn("IKE", IKE_LOG_FMT ": %s", cfg->name, peer, why);
		ike_sa_fail(sa, why);
		return;
	}
	if (!peer_authenticated(sa, m, IKE_PLD_IDR, &bad)) {
		snprintf(why, sizeof(why), "authentication failed: %s", bad);
		log_warn("IKE", IKE_LOG_FMT ": %s", cfg->name, peer, why);
		/* 2.21.2: an initiator tells the responder in a separate INFORMATIONAL. */
		ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_NOT_CONNECTED, why);
		ike_sa_notify_error(sa, IKE_N_AUTHENTICATION_FAILED, why);
		return;
	}
	ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED, "IKE_AUTH done, peer authenticated");
	ike_timers_established(sa);
	if (err) {
		snprintf(why, sizeof(why), "CHILD_SA refused by peer: %s", ike_notify_name(err));
		goto no_child;
	}
	if (ike_msg_get_sa(m, &reply) || ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) ||
	    ike_msg_get_ts(m, IKE_PLD_TSR, &tsr)) {
		snprintf(why, sizeof(why), "CHILD_SA: response without SA or selectors");
		goto no_child;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, sizeof(why), "out of memory");
		goto no_child;
	}
	{
		struct ike_chosen ch;

		if (ike_proposal_check_reply(&cfg->policy.esp.propose, IKE_PROTO_ESP, true, &reply,
					     &ch) ||
		    ch.spi_len != 4 || !ike_ts_within(&tsi, &sa->pend.tsi) ||
		    !ike_ts_within(&tsr, &sa->pend.tsr)) {
			free(c);
			snprintf(why, sizeof(why), "CHILD_SA: response outside what we proposed");
			goto no_child;
		}
		c->suite = ch.suite;
		c->spi_out = ike_spi_from_bytes(ch.spi);
	}
	c->spi_in = sa->pend.spi_in;
	c->ts_local = tsi;
	c->ts_remote = tsr;
	ike_child_pending_clear(sa);
	ike_sa_nonces(sa, &ni, &nr);
	if (ike_sa_child_derive_install(sa, c, true, true, NULL, &ni, &nr)) {
		free(c);
		snprintf(why, sizeof(why), "CHILD_SA could not be installed");
		goto no_child;
	}
	connected(sa);
	return;

no_child:
	ike_child_pending_clear(sa);
	log_warn("IKE", IKE_LOG_FMT ": %s; deleting the IKE_SA", cfg->name, peer, why);
	ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_NOT_CONNECTED, why);
	ike_sa_delete(sa, why);
}

/* ---- responder ----------------------------------------------------------------------------- */

/*
 * The first child: our half of the response (SA, TSi, TSr, or the notify that refuses it) and
 * the child to install once the response is out. NULL child: refused, *why says why.
 */
static int respond_child(struct ike_sa *sa, const struct ike_msg *m, struct ike_msg_writer *w,
			 struct ike_child **out, char *why, size_t whylen)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer, reply;
	struct ike_pld_ts tsi, tsr, ni_ts, nr_ts;
	struct ike_pld_notify n;
	struct ike_chosen ch;
	struct ike_child *c;
	uint8_t spi[4];
	char peer[ADDR_STR_MAX], theirs[512], ours[512];
	int r;

	*out = NULL;
	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (ike_msg_get_sa(m, &offer) || ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) ||
	    ike_msg_get_ts(m, IKE_PLD_TSR, &tsr)) {
		snprintf(why, whylen, "no CHILD_SA requested");
		return 0; /* RFC 6023-style childless: nothing to add */
	}
	if (ike_proposal_select(&cfg->policy.esp, IKE_PROTO_ESP, true, &offer, &ch) ||
	    ch.spi_len != 4) {
		struct ike_pld_sa acc;

		ike_pld_sa_format(&offer, theirs, sizeof(theirs));
		ike_proposal_offer(&cfg->policy.esp.propose, IKE_PROTO_ESP, true, NULL, 0, &acc);
		ike_pld_sa_format(&acc, ours, sizeof(ours));
		log_warn("IKE",
			 IKE_LOG_FMT ": NO_PROPOSAL_CHOSEN for ESP: peer offered %s; we "
				     "propose %s and accept the policy's alternatives",
			 cfg->name, peer, theirs, ours);
		snprintf(why, whylen, "no proposal chosen (ESP)");
		ike_notify_init(&n, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return ike_msg_add_notify(w, &n);
	}
	/* TSi are the initiator's (the peer's) addresses: our remote side. */
	if (ike_ts_narrow(&tsi, &cfg->ts_remote, &ni_ts) ||
	    ike_ts_narrow(&tsr, &cfg->ts_local, &nr_ts)) {
		ike_ts_format(&tsi, theirs, sizeof(theirs));
		ike_ts_format(&tsr, ours, sizeof(ours));
		log_warn("IKE", IKE_LOG_FMT ": TS_UNACCEPTABLE: peer proposed %s === %s", cfg->name,
			 peer, theirs, ours);
		snprintf(why, whylen, "traffic selectors unacceptable");
		ike_notify_init(&n, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return ike_msg_add_notify(w, &n);
	}
	if (ike_conn_spi_out_used(sa->eng, sa->conn, ike_spi_from_bytes(ch.spi))) {
		ike_conn_refused(sa->conn, &sa->conn->refused.spi_clash,
				 "IKE_AUTH: SPI %08x is another CHILD_SA's of this connection",
				 ike_spi_from_bytes(ch.spi));
		snprintf(why, whylen, "the peer's SPI is another CHILD_SA's of this connection");
		ike_notify_init(&n, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return ike_msg_add_notify(w, &n);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = ike_child_new_spi(sa->eng, &c->spi_in);
	if (r) {
		free(c);
		return r;
	}
	c->spi_out = ike_spi_from_bytes(ch.spi);
	c->suite = ch.suite;
	c->ts_local = nr_ts;
	c->ts_remote = ni_ts;
	ike_spi_to_bytes(c->spi_in, spi);
	ike_proposal_reply(&ch, spi, 4, &reply);
	r = ike_msg_add_sa(w, &reply);
	r = r ?: ike_msg_add_ts(w, IKE_PLD_TSI, &ni_ts);
	r = r ?: ike_msg_add_ts(w, IKE_PLD_TSR, &nr_ts);
	if (r) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void ike_auth_handle_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify n;
	struct ike_child *c = NULL;
	struct ike_out o;
	struct buf ni, nr;
	char peer[ADDR_STR_MAX], why[160] = "";
	const char *bad;
	int r;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (!peer_authenticated(sa, m, IKE_PLD_IDI, &bad)) {
		struct ike_pld_notify af;

		ike_notify_init(&af, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		snprintf(why, sizeof(why), "authentication failed: %s", bad);
		log_warn("IKE", IKE_LOG_FMT ": %s", cfg->name, peer, why);
		/* 2.21.2: the response carries AUTHENTICATION_FAILED and no IKE SA remains. */
		if (ike_sa_out_begin(sa, &o, IKE_EXCH_AUTH, true, m->hdr.msgid) == 0 &&
		    ike_msg_add_notify(&o.w, &af) == 0)
			ike_sa_send_response(sa, &o);
		ike_sa_fail(sa, why);
		return;
	}
	if (ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT, &n))
		ike_info_initial_contact(sa);
	if (ike_conn_ike_sas(sa->eng, sa->conn) >= sa->eng->limits.ike_sas_per_conn) {
		/* Authenticated, but one IKE SA too many for the connection: none is made. */
		ike_conn_refused(sa->conn, &sa->conn->refused.ike_sas,
				 "IKE_AUTH: the connection holds %u IKE_SAs (its limit): "
				 "NO_ADDITIONAL_SAS",
				 ike_conn_ike_sas(sa->eng, sa->conn));
		ike_sa_respond_notify(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		ike_sa_fail(sa, "one IKE_SA too many for the connection");
		return;
	}
	r = ike_sa_out_begin(sa, &o, IKE_EXCH_AUTH, true, m->hdr.msgid);
	r = r ?: add_our_id_auth(sa, &o.w);
	r = r ?: respond_child(sa, m, &o.w, &c, why, sizeof(why));
	r = r ?: ike_sa_send_response(sa, &o);
	if (r) {
		free(c);
		ike_sa_fail(sa, "IKE_AUTH response could not be built");
		return;
	}
	sa->half_open_deadline = 0;
	ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED, "IKE_AUTH done, peer authenticated");
	ike_timers_established(sa);
	if (!c) {
		ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_NOT_CONNECTED, why);
		return;
	}
	ike_sa_nonces(sa, &ni, &nr);
	if (ike_sa_child_derive_install(sa, c, false, true, NULL, &ni, &nr)) {
		free(c);
		ike_conn_set_status(sa->conn, sa->eng, IKE_CONN_NOT_CONNECTED,
				    "CHILD_SA could not be installed");
		return;
	}
	connected(sa);
}
