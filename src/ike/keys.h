/* SPDX-License-Identifier: MIT */
/*
 * keys: IKEv2 key derivation (RFC 7296 2.13-2.18): SKEYSEED and the seven IKE SA keys, the
 * rekeyed IKE SA's SKEYSEED, child SA keying material with and without PFS, and the
 * pre-shared-key AUTH value. Every key is a struct secret, wiped when freed. Nonces, DH
 * values and messages come in as buf views (read, never consumed).
 */
#ifndef VNETGW_IKE_KEYS_H
#define VNETGW_IKE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/prf.h"
#include "lib/buf.h"
#include "lib/secret.h"

/* The negotiated IKE SA transforms (IDs from pld.h). */
struct ike_suite {
	uint16_t encr;
	uint16_t encr_keybits; /* Key Length attribute; 0 for 3DES */
	uint16_t prf;
	uint16_t integ; /* IKE_INTEG_NONE with an AEAD cipher */
	uint16_t dh;
};

/* 2.14. sk_ai and sk_ar are NULL with an AEAD cipher (no integrity keys are taken). */
struct ike_keys {
	enum crypto_prf_alg prf;
	struct secret *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
};

/* Child SA keys in the order 2.17 takes them: i->r encryption, integrity, then r->i. */
struct ike_child_keys {
	struct secret *ei, *ai, *er, *ar; /* a key of length 0 (NULL cipher, AEAD) is NULL */
};

/* Free and NULL every key; NULL-safe, idempotent. */
void ike_keys_clear(struct ike_keys *k);
void ike_child_keys_clear(struct ike_child_keys *k);

/*
 * 2.14: SKEYSEED = prf(Ni | Nr, g^ir). vnetgw's PRFs are all HMACs, which take keys of any
 * length, so the nonces are the key as they are (the fixed-key-length rule does not arise).
 */
int ike_keys_skeyseed(enum crypto_prf_alg prf, const struct buf *ni, const struct buf *nr,
		      const struct secret *gir, struct secret **out);
/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old IKE SA's PRF. */
int ike_keys_skeyseed_rekey(enum crypto_prf_alg old_prf, const struct secret *old_sk_d,
			    const struct secret *gir, const struct buf *ni, const struct buf *nr,
			    struct secret **out);
/*
 * 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi |
 * SPIr), lengths from the suite. 0, -ENOTSUP (a transform vnetgw lacks), -ENOMEM, -EIO; on
 * failure out holds no keys.
 */
int ike_keys_from_skeyseed(const struct ike_suite *s, const struct secret *skeyseed,
			   const struct buf *ni, const struct buf *nr, uint64_t spi_i,
			   uint64_t spi_r, struct ike_keys *out);

/* The two above in one: a new IKE SA from IKE_SA_INIT. */
int ike_keys_derive(const struct ike_suite *s, const struct secret *gir, const struct buf *ni,
		    const struct buf *nr, uint64_t spi_i, uint64_t spi_r, struct ike_keys *out);
/*
 * A rekeyed IKE SA (2.18): SKEYSEED from the old SA's PRF and SK_d, then the new suite's keys
 * with the nonces and SPIs of the CREATE_CHILD_SA exchange.
 */
int ike_keys_derive_rekey(const struct ike_suite *s, const struct ike_keys *old,
			  const struct secret *gir, const struct buf *ni, const struct buf *nr,
			  uint64_t spi_i, uint64_t spi_r, struct ike_keys *out);

/*
 * 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), gir NULL without PFS; split as encryption
 * then integrity key, initiator-to-responder first (the initiator of this exchange). ESP
 * transforms: encr AES-CBC, 3DES, AES-GCM-16 (key + 4-byte salt) or NULL; integ an HMAC or NONE.
 */
int ike_keys_derive_child(const struct ike_keys *ike, uint16_t encr, uint16_t encr_keybits,
			  uint16_t integ, const struct secret *gir, const struct buf *ni,
			  const struct buf *nr, struct ike_child_keys *out);

/*
 * 2.15: the AUTH value for shared-key authentication sent by one side,
 *   prf(prf(PSK, "Key Pad for IKEv2"), <message> | <other's nonce> | prf(SK_p, <ID body>))
 * where for the initiator message is its IKE_SA_INIT request, the nonce Nr and SK_p = SK_pi,
 * and for the responder its IKE_SA_INIT response, Ni and SK_pr. id_body is the sender's IDi or
 * IDr payload body (RestOfInitIDPayload: ID type, reserved, data). out receives *outlen =
 * crypto_prf_len bytes (at most CRYPTO_PRF_MAX_LEN).
 */
int ike_keys_psk_auth(const struct ike_keys *k, bool initiator, const struct secret *psk,
		      const struct buf *message, const struct buf *nonce, const struct buf *id_body,
		      uint8_t out[CRYPTO_PRF_MAX_LEN], size_t *outlen);

#endif
