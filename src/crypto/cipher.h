/* SPDX-License-Identifier: MIT */
/*
 * cipher: block ciphers in CBC mode without padding (ESP and IKEv2 pad themselves): AES-CBC
 * (RFC 3602) with 128/192/256-bit keys and 3DES-CBC (RFC 2451). Key schedule prepared once.
 */
#ifndef VNETGW_CRYPTO_CIPHER_H
#define VNETGW_CRYPTO_CIPHER_H

#include <stddef.h>
#include <stdint.h>

enum crypto_cipher_alg {
	CRYPTO_CIPHER_AES_CBC,  /* key 16, 24 or 32; block and IV 16 */
	CRYPTO_CIPHER_3DES_CBC, /* key 24; block and IV 8 */
};

struct crypto_cipher;

int crypto_cipher_new(struct crypto_cipher **out, enum crypto_cipher_alg alg, const uint8_t *key,
		      size_t keylen);
void crypto_cipher_free(struct crypto_cipher *c);
/* Block size, which is also the IV length. */
size_t crypto_cipher_block_len(enum crypto_cipher_alg alg);
size_t crypto_cipher_ctx_block_len(const struct crypto_cipher *c);

/* len must be a multiple of the block size (-EINVAL otherwise). in == out allowed. */
int crypto_cipher_encrypt(struct crypto_cipher *c, const uint8_t *iv, const uint8_t *in,
			  uint8_t *out, size_t len);
int crypto_cipher_decrypt(struct crypto_cipher *c, const uint8_t *iv, const uint8_t *in,
			  uint8_t *out, size_t len);

#endif
