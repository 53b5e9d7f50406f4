/* SPDX-License-Identifier: MIT */
/*
 * integ: truncated HMAC integrity for ESP and the IKEv2 SK payload: HMAC-SHA1-96 (RFC 2404),
 * HMAC-SHA-256-128, -384-192 and -512-256 (RFC 4868). The keyed state is prepared once; each
 * computation restarts from it without allocating. Verification compares in constant time.
 */
#ifndef VNETGW_CRYPTO_INTEG_H
#define VNETGW_CRYPTO_INTEG_H

#include <stddef.h>
#include <stdint.h>

enum crypto_integ_alg {
	CRYPTO_INTEG_HMAC_SHA1_96,
	CRYPTO_INTEG_HMAC_SHA2_256_128,
	CRYPTO_INTEG_HMAC_SHA2_384_192,
	CRYPTO_INTEG_HMAC_SHA2_512_256,
};

#define CRYPTO_INTEG_MAX_ICV_LEN 32

struct crypto_integ;

/* The key length the algorithm uses in IKE/ESP (20, 32, 48, 64) and its ICV length. */
size_t crypto_integ_key_len(enum crypto_integ_alg alg);
size_t crypto_integ_icv_len(enum crypto_integ_alg alg);

/* Any keylen is accepted (HMAC); IKE and ESP pass crypto_integ_key_len(alg). */
int crypto_integ_new(struct crypto_integ **out, enum crypto_integ_alg alg, const uint8_t *key,
		     size_t keylen);
void crypto_integ_free(struct crypto_integ *i);
size_t crypto_integ_ctx_icv_len(const struct crypto_integ *i);

/* Incremental use: begin, any number of updates, then end (writes the ICV) or verify. */
int crypto_integ_begin(struct crypto_integ *i);
int crypto_integ_update(struct crypto_integ *i, const void *p, size_t n);
int crypto_integ_end(struct crypto_integ *i, uint8_t *icv);
/* -EBADMSG when icv (crypto_integ_icv_len bytes) does not match, compared in constant time. */
int crypto_integ_verify(struct crypto_integ *i, const uint8_t *icv);

#endif
