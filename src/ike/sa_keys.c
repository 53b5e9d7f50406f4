/* SPDX-License-Identifier: MIT */
/*
 * sa_keys: an IKE SA's key material, from keys.c's derivations (RFC 7296 2.14, 2.15, 2.17) to
 * the SK payload contexts, the PSK AUTH value and the child keys handed to the data plane, and
 * the optional debug key log in Wireshark's ikev2_decryption_table / esp_sa formats (never on by
 * default). Keys stay in struct secret and are never logged.
 */

#include "ike/keys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/alg.h"
#include "ike/sa.h"
#include "ike/timers.h"
#include "ike/sk.h"
#include "lib/log.h"

void ike_sa_keys_free(struct ike_sa *sa)
{
	if (sa->keys) {
		ike_keys_clear(sa->keys);
		free(sa->keys);
		sa->keys = NULL;
	}
	ike_sk_free(sa->sk_in);
	ike_sk_free(sa->sk_out);
	sa->sk_in = sa->sk_out = NULL;
}

static void hex(FILE *f, const struct secret *s)
{
	for (size_t i = 0; s && i < s->len; i++)
		fprintf(f, "%02x", s->data[i]);
}

static FILE *keylog_open(const struct ike_engine *e, const char *name)
{
	char path[512];
	FILE *f;

	if (!e->keylog_dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", e->keylog_dir, name);
	f = fopen(path, "a");
	if (!f)
		log_warn("IKE", "debug key log: cannot open %s: %s", path, strerror(errno));
	return f;
}

/* Wireshark's names (its IKEv2 and ESP preference tables). */
static const char *ws_ike_encr(uint16_t encr, uint16_t bits)
{
	switch (encr) {
	case IKE_ENCR_3DES:
		return "3DES [RFC2451]";
	case IKE_ENCR_AES_CBC:
		return bits == 128   ? "AES-CBC-128 [RFC3602]"
		       : bits == 192 ? "AES-CBC-192 [RFC3602]"
				     : "AES-CBC-256 [RFC3602]";
	case IKE_ENCR_AES_GCM_16:
		return bits == 128   ? "AES-GCM-128 with 16 octet ICV [RFC5282]"
		       : bits == 192 ? "AES-GCM-192 with 16 octet ICV [RFC5282]"
				     : "AES-GCM-256 with 16 octet ICV [RFC5282]";
	}
	return NULL;
}

static const char *ws_integ(uint16_t integ, bool esp)
{
	switch (integ) {
	case IKE_INTEG_NONE:
		/* Wireshark refuses any other authentication for AES-GCM: it checks the tag itself. */
		return esp ? "NULL" : "NONE [RFC4306]";
	case IKE_INTEG_HMAC_SHA1_96:
		return esp ? "HMAC-SHA-1-96 [RFC2404]" : "HMAC_SHA1_96 [RFC2404]";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return esp ? "HMAC-SHA-256-128 [RFC4868]" : "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return esp ? "HMAC-SHA-384-192 [RFC4868]" : "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return esp ? "HMAC-SHA-512-256 [RFC4868]" : "HMAC_SHA2_512_256 [RFC4868]";
	}
	return NULL;
}

static const char *ws_esp_encr(uint16_t encr)
{
	switch (encr) {
	case IKE_ENCR_NULL:
		return "NULL";
	case IKE_ENCR_3DES:
		return "TripleDes-CBC [RFC2451]";
	case IKE_ENCR_AES_CBC:
		return "AES-CBC [RFC3602]";
	case IKE_ENCR_AES_GCM_16:
		return "AES-GCM [RFC4106]";
	}
	return NULL;
}

static void keylog_ike(const struct ike_sa *sa)
{
	const struct ike_suite *s = &sa->chosen.suite;
	const char *enc = ws_ike_encr(s->encr, s->encr_bits), *integ = ws_integ(s->integ, false);
	FILE *f;

	if (!enc || !integ || !(f = keylog_open(sa->eng, "ikev2_decryption_table")))
		return;
	fprintf(f, "%016" PRIx64 ",%016" PRIx64 ",", sa->spi_i, sa->spi_r);
	hex(f, sa->keys->sk_ei);
	fputc(',', f);
	hex(f, sa->keys->sk_er);
	fprintf(f, ",\"%s\",", enc);
	hex(f, sa->keys->sk_ai);
	fputc(',', f);
	hex(f, sa->keys->sk_ar);
	fprintf(f, ",\"%s\"\n", integ);
	fclose(f);
}

static void keylog_esp_line(FILE *f, const struct ike_sa *sa, bool outbound, uint32_t spi,
			    const struct ike_child *c, const struct secret *ek,
			    const struct secret *ik)
{
	const struct addr *src = outbound ? &sa->ep.local : &sa->ep.peer;
	const struct addr *dst = outbound ? &sa->ep.peer : &sa->ep.local;
	char s[ADDR_STR_MAX], d[ADDR_STR_MAX];

	fprintf(f, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x",
		src->family == AF_INET ? "IPv4" : "IPv6", addr_print(src, s, sizeof(s)),
		addr_print(dst, d, sizeof(d)), spi, ws_esp_encr(c->suite.encr));
	hex(f, ek);
	fprintf(f, "\",\"%s\",\"0x", ws_integ(c->suite.integ, true));
	hex(f, ik);
	fprintf(f, "\"\n");
}

static void keylog_esp(const struct ike_sa *sa, const struct ike_child *c,
		       const struct ike_child_keys *k, bool we_initiated)
{
	FILE *f;

	if (!ws_esp_encr(c->suite.encr) || !ws_integ(c->suite.integ, true) ||
	    !(f = keylog_open(sa->eng, "esp_sa")))
		return;
	keylog_esp_line(f, sa, true, c->spi_out, c, we_initiated ? k->ei : k->er,
			we_initiated ? k->ai : k->ar);
	keylog_esp_line(f, sa, false, c->spi_in, c, we_initiated ? k->er : k->ei,
			we_initiated ? k->ar : k->ai);
	fclose(f);
}

/* The SK payload contexts from sa's new keys (2.14: SK_ei/SK_ai protect what the initiator
 * sends), and the key log. */
static int sk_install(struct ike_sa *sa)
{
	const struct ike_suite *s = &sa->chosen.suite;
	const struct ike_keys *k = sa->keys;
	int r;

	r = ike_sk_new(sa->initiator ? &sa->sk_out : &sa->sk_in, s->encr, s->encr_bits, s->integ,
		       k->sk_ei, k->sk_ai);
	r = r
		    ?: ike_sk_new(sa->initiator ? &sa->sk_in : &sa->sk_out, s->encr, s->encr_bits,
				  s->integ, k->sk_er, k->sk_ar);
	if (r == 0)
		keylog_ike(sa);
	return r;
}

int ike_sa_keys_derive(struct ike_sa *sa, const struct secret *gir)
{
	const struct ike_suite *s = &sa->chosen.suite;
	struct ike_keys_suite ks = {
		.encr = s->encr,
		.encr_keybits = s->encr_bits,
		.prf = s->prf,
		.integ = s->integ,
		.dh = s->dh,
	};
	struct buf ni, nr;
	struct ike_keys *k;
	int r;

	ike_sa_keys_free(sa);
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	sa->keys = k;
	ike_sa_nonces(sa, &ni, &nr);
	r = ike_keys_derive(&ks, gir, &ni, &nr, sa->spi_i, sa->spi_r, k);
	if (r)
		return r;
	return sk_install(sa);
}

int ike_sa_keys_derive_rekey(struct ike_sa *sa, const struct ike_sa *old, const struct secret *gir,
			     const struct buf *ni, const struct buf *nr)
{
	const struct ike_suite *s = &sa->chosen.suite;
	struct ike_keys_suite ks = {
		.encr = s->encr,
		.encr_keybits = s->encr_bits,
		.prf = s->prf,
		.integ = s->integ,
		.dh = s->dh,
	};
	struct ike_keys *k;
	int r;

	if (!old->keys)
		return -EINVAL;
	ike_sa_keys_free(sa);
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	sa->keys = k;
	/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF. */
	r = ike_keys_derive_rekey(&ks, old->keys, gir, ni, nr, sa->spi_i, sa->spi_r, k);
	if (r)
		return r;
	return sk_install(sa);
}

int ike_sa_psk_auth(struct ike_sa *sa, bool initiator_side, const struct buf *id_body, uint8_t *out,
		    size_t *outlen)
{
	struct buf msg, ni, nr;

	if (!sa->keys || !sa->init_req || !sa->init_resp)
		return -EINVAL;
	/* 2.15: the sender's IKE_SA_INIT message and the other side's nonce. */
	if (initiator_side)
		buf_init_read(&msg, sa->init_req, sa->init_req_len);
	else
		buf_init_read(&msg, sa->init_resp, sa->init_resp_len);
	ike_sa_nonces(sa, &ni, &nr);
	return ike_keys_psk_auth(sa->keys, initiator_side, sa->conn->psk, &msg,
				 initiator_side ? &nr : &ni, id_body, out, outlen);
}

int ike_sa_child_derive_install(struct ike_sa *sa, struct ike_child *c, bool we_initiated,
				bool outbound, const struct secret *gir, const struct buf *ni,
				const struct buf *nr)
{
	struct ike_child_keys k;
	int r;

	r = ike_keys_derive_child(sa->keys, c->suite.encr, c->suite.encr_bits, c->suite.integ, gir,
				  ni, nr, &k);
	if (r)
		return r;
	/* 2.17: the first half protects what the initiator of this exchange sends. */
	if (we_initiated)
		r = ike_sa_child_install(sa, c, outbound, k.er, k.ar, k.ei, k.ai);
	else
		r = ike_sa_child_install(sa, c, outbound, k.ei, k.ai, k.er, k.ar);
	if (r == 0) {
		keylog_esp(sa, c, &k, we_initiated);
		ike_timers_sa_child_installed(sa);
	}
	ike_child_keys_clear(&k);
	return r;
}
