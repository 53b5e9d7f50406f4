/* SPDX-License-Identifier: MIT */
/*
 * child: CREATE_CHILD_SA for an additional CHILD_SA (RFC 7296 1.3.1), with a fresh key
 * exchange when the policy asks for PFS (2.17: KEYMAT from g^ir (new) | Ni | Nr). Rekeying of
 * children and of the IKE SA (1.3.2, 1.3.3) is issue 4: such requests are refused for now with
 * NO_ADDITIONAL_SAS, which 1.3 allows, and the hooks are ike_child_handle_request's REKEY_SA
 * branch and timers.c's lifetime hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "lib/log.h"

static void spi_bytes(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

static uint32_t spi_value(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void ike_child_pending_clear(struct ike_sa *sa)
{
	crypto_dh_free(sa->pend.dh);
	secret_wipe(sa->pend.nonce, sizeof(sa->pend.nonce));
	memset(&sa->pend, 0, sizeof(sa->pend));
}

int ike_child_pending_prepare(struct ike_sa *sa, bool with_dh)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	uint16_t group = cfg->policy.esp.propose.n ? cfg->policy.esp.propose.s[0].dh : 0;
	int r;

	ike_child_pending_clear(sa);
	r = ike_child_new_spi(sa->eng, &sa->pend.spi_in);
	r = r ?: crypto_rand(sa->pend.nonce, sizeof(sa->pend.nonce));
	if (r == 0 && with_dh && group)
		r = crypto_dh_new(&sa->pend.dh, group);
	sa->pend.tsi = cfg->ts_local;
	sa->pend.tsr = cfg->ts_remote;
	return r;
}

static int add_ke(struct ike_msg_writer *w, const struct crypto_dh *dh)
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

int ike_child_start(struct ike_sa *sa)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer;
	struct ike_pld_nonce nonce;
	struct ike_out o;
	uint8_t spi[4];
	char peer[ADDR_STR_MAX];
	int r;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return -ENOTCONN;
	if (sa->req.kind != IKE_REQ_NONE)
		return -EBUSY;
	r = ike_child_pending_prepare(sa, true);
	if (r)
		return r;
	spi_bytes(sa->pend.spi_in, spi);
	buf_init_read(&nonce.data, sa->pend.nonce, sizeof(sa->pend.nonce));
	r = ike_proposal_offer(&cfg->policy.esp.propose, IKE_PROTO_ESP, false, spi, 4, &offer);
	r = r ?: ike_sa_request_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA);
	r = r ?: ike_msg_add_sa(&o.w, &offer);
	r = r ?: ike_msg_add_nonce(&o.w, &nonce);
	if (sa->pend.dh)
		r = r ?: add_ke(&o.w, sa->pend.dh);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSI, &sa->pend.tsi);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSR, &sa->pend.tsr);
	r = r ?: ike_sa_send_request(sa, &o, IKE_REQ_CHILD);
	if (r) {
		ike_child_pending_clear(sa);
		return r;
	}
	log_info("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA request sent (%s)", cfg->name,
		 ike_sa_peer_str(sa, peer, sizeof(peer)), sa->pend.dh ? "PFS" : "no PFS");
	return 0;
}

void ike_child_handle_response(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_notify n;
	struct ike_pld_sa reply;
	struct ike_pld_ts tsi, tsr;
	struct ike_pld_nonce nonce;
	struct ike_pld_ke ke;
	struct ike_chosen ch;
	struct secret *gir = NULL;
	struct ike_child *c = NULL;
	struct buf ni;
	char peer[ADDR_STR_MAX];
	const char *why = NULL;
	uint16_t err = ike_msg_error_notify(m, &n);

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (err) {
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA refused by peer: %s", cfg->name,
			 peer, ike_notify_name(err));
		goto out;
	}
	why = "response without SA, nonce or selectors";
	if (ike_msg_get_sa(m, &reply) || ike_msg_get_nonce(m, &nonce) ||
	    ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) || ike_msg_get_ts(m, IKE_PLD_TSR, &tsr))
		goto fail;
	why = "response outside what we proposed";
	if (ike_proposal_check_reply(&cfg->policy.esp.propose, IKE_PROTO_ESP, false, &reply, &ch) ||
	    ch.spi_len != 4 || !ike_ts_within(&tsi, &sa->pend.tsi) ||
	    !ike_ts_within(&tsr, &sa->pend.tsr))
		goto fail;
	if (ch.suite.dh) {
		why = "PFS key exchange failed";
		if (!sa->pend.dh || ch.suite.dh != crypto_dh_group(sa->pend.dh) ||
		    ike_msg_get_ke(m, &ke) || ke.group != ch.suite.dh ||
		    crypto_dh_derive(sa->pend.dh, buf_data(&ke.data), buf_left(&ke.data), &gir))
			goto fail;
	}
	why = "out of memory";
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->spi_in = sa->pend.spi_in;
	c->spi_out = spi_value(ch.spi);
	c->suite = ch.suite;
	c->ts_local = tsi;
	c->ts_remote = tsr;
	buf_init_read(&ni, sa->pend.nonce, sizeof(sa->pend.nonce));
	why = "CHILD_SA could not be installed";
	if (ike_sa_child_derive_install(sa, c, true, gir, &ni, &nonce.data)) {
		free(c);
		goto fail;
	}
	why = NULL;
fail:
	if (why)
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA failed: %s", cfg->name, peer, why);
out:
	secret_free(gir);
	ike_child_pending_clear(sa);
}

/* Refuse with one notify (1.3: errors keep the IKE SA). */
static void refuse(struct ike_sa *sa, const struct ike_msg *m, uint16_t type, const void *data,
		   size_t len)
{
	struct ike_pld_notify n = {.type = type};
	struct ike_out o;

	buf_init_read(&n.data, data, len);
	if (ike_sa_out_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid) == 0 &&
	    ike_msg_add_notify(&o.w, &n) == 0)
		ike_sa_send_response(sa, &o);
}

void ike_child_handle_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_conn_config *cfg = &sa->conn->cfg;
	struct ike_pld_sa offer, reply;
	struct ike_pld_ts tsi, tsr, ni_ts, nr_ts;
	struct ike_pld_nonce nonce, our_nonce;
	struct ike_pld_ke ke;
	struct ike_pld_notify n;
	struct ike_chosen ch;
	struct crypto_dh *dh = NULL;
	struct secret *gir = NULL;
	struct ike_child *c = NULL;
	struct ike_out o;
	uint8_t nr[IKE_NONCE_LEN], spi[4];
	struct buf nrb;
	char peer[ADDR_STR_MAX], theirs[512];
	int r;

	ike_sa_peer_str(sa, peer, sizeof(peer));
	if (ike_msg_find_notify(m, IKE_N_REKEY_SA, &n) || ike_msg_get_sa(m, &offer) ||
	    (offer.n_props && offer.props[0].proto == IKE_PROTO_IKE)) {
		/* Issue 4 hook: rekeying. Until then, 1.3's NO_ADDITIONAL_SAS. */
		log_info("IKE",
			 IKE_LOG_FMT ": CREATE_CHILD_SA rekey request refused (not yet "
				     "supported)",
			 cfg->name, peer);
		refuse(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	if (ike_msg_get_nonce(m, &nonce) || ike_msg_get_ts(m, IKE_PLD_TSI, &tsi) ||
	    ike_msg_get_ts(m, IKE_PLD_TSR, &tsr)) {
		refuse(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ike_proposal_select(&cfg->policy.esp, IKE_PROTO_ESP, false, &offer, &ch) ||
	    ch.spi_len != 4) {
		ike_pld_sa_format(&offer, theirs, sizeof(theirs));
		log_warn("IKE",
			 IKE_LOG_FMT ": CREATE_CHILD_SA: NO_PROPOSAL_CHOSEN, peer offered %s",
			 cfg->name, peer, theirs);
		refuse(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ch.suite.dh && (ike_msg_get_ke(m, &ke) || ke.group != ch.suite.dh)) {
		uint8_t g[2] = {(uint8_t)(ch.suite.dh >> 8), (uint8_t)ch.suite.dh};

		refuse(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if (ike_ts_narrow(&tsi, &cfg->ts_remote, &ni_ts) ||
	    ike_ts_narrow(&tsr, &cfg->ts_local, &nr_ts)) {
		log_warn("IKE", IKE_LOG_FMT ": CREATE_CHILD_SA: TS_UNACCEPTABLE", cfg->name, peer);
		refuse(sa, m, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	r = crypto_rand(nr, sizeof(nr));
	if (r == 0 && ch.suite.dh) {
		r = crypto_dh_new(&dh, ch.suite.dh);
		r = r ?: crypto_dh_derive(dh, buf_data(&ke.data), buf_left(&ke.data), &gir);
	}
	c = r ? NULL : calloc(1, sizeof(*c));
	if (!c || ike_child_new_spi(sa->eng, &c->spi_in)) {
		refuse(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		goto out;
	}
	c->spi_out = spi_value(ch.spi);
	c->suite = ch.suite;
	c->ts_local = nr_ts;
	c->ts_remote = ni_ts;
	spi_bytes(c->spi_in, spi);
	ike_proposal_reply(&ch, spi, 4, &reply);
	buf_init_read(&our_nonce.data, nr, sizeof(nr));
	r = ike_sa_out_begin(sa, &o, IKE_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid);
	r = r ?: ike_msg_add_sa(&o.w, &reply);
	r = r ?: ike_msg_add_nonce(&o.w, &our_nonce);
	if (dh)
		r = r ?: add_ke(&o.w, dh);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSI, &ni_ts);
	r = r ?: ike_msg_add_ts(&o.w, IKE_PLD_TSR, &nr_ts);
	r = r ?: ike_sa_send_response(sa, &o);
	if (r)
		goto out;
	buf_init_read(&nrb, nr, sizeof(nr));
	if (ike_sa_child_derive_install(sa, c, false, gir, &nonce.data, &nrb) == 0)
		c = NULL;
out:
	free(c);
	crypto_dh_free(dh);
	secret_free(gir);
	secret_wipe(nr, sizeof(nr));
}
