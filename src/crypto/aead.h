/* SPDX-License-Identifier: MIT */
/*
 * aead: AES-GCM with a 16-byte ICV (RFC 4106 for ESP, RFC 5282 for the IKEv2 SK payload).
 * The key schedule is prepared once in crypto_aead_new; seal/open reuse it and never allocate.
 * The 4-byte salt of RFC 4106 is not part of the key here: the caller builds the 12-byte nonce.
 */
#ifndef VNETGW_CRYPTO_AEAD_H
#define VNETGW_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AEAD_NONCE_LEN 12
#define CRYPTO_AEAD_ICV_LEN 16

struct crypto_aead;

/* keylen 16, 24 or 32 (AES-128/192/256). 0, -EINVAL (key length) or -ENOMEM. */
int crypto_aead_new(struct crypto_aead **out, const uint8_t *key, size_t keylen);
/* Wipes the key schedule; NULL-safe. */
void crypto_aead_free(struct crypto_aead *a);

/*
 * Encrypt len bytes from in to out (in == out allowed), authenticate aad too, and write the
 * 16-byte ICV to icv. 0 or -EIO (library failure).
 */
int crypto_aead_seal(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
		     const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
		     uint8_t icv[CRYPTO_AEAD_ICV_LEN]);
/*
 * Verify and decrypt (in == out allowed). -EBADMSG when the ICV does not match; out is then
 * undefined and must not be used.
 */
int crypto_aead_open(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
		     const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
		     const uint8_t icv[CRYPTO_AEAD_ICV_LEN]);

#endif
