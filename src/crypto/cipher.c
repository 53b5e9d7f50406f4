/* SPDX-License-Identifier: MIT */
/*
 * cipher: AES-CBC (RFC 3602) and 3DES-CBC (RFC 2451) without padding, over OpenSSL 3 EVP. The
 * encrypt and decrypt key schedules differ for AES, so each direction has its own context keyed
 * once; a call only re-initialises the IV, which allocates nothing. One user at a time.
 */
#include "crypto/cipher.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <openssl/evp.h>

struct crypto_cipher {
	enum crypto_cipher_alg alg;
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

static const EVP_CIPHER *cipher_evp(enum crypto_cipher_alg alg, size_t keylen)
{
	switch (alg) {
	case CRYPTO_CIPHER_AES_CBC:
		if (keylen == 16)
			return EVP_aes_128_cbc();
		if (keylen == 24)
			return EVP_aes_192_cbc();
		if (keylen == 32)
			return EVP_aes_256_cbc();
		return NULL;
	case CRYPTO_CIPHER_3DES_CBC:
		/* RFC 2451 2.2: three independent 64-bit keys, 24 bytes. */
		return keylen == 24 ? EVP_des_ede3_cbc() : NULL;
	}
	return NULL;
}

size_t crypto_cipher_block_len(enum crypto_cipher_alg alg)
{
	switch (alg) {
	case CRYPTO_CIPHER_AES_CBC:
		return 16;
	case CRYPTO_CIPHER_3DES_CBC:
		return 8;
	}
	return 0;
}

size_t crypto_cipher_ctx_block_len(const struct crypto_cipher *c)
{
	return crypto_cipher_block_len(c->alg);
}

int crypto_cipher_new(struct crypto_cipher **out, enum crypto_cipher_alg alg, const uint8_t *key,
		      size_t keylen)
{
	const EVP_CIPHER *evp = cipher_evp(alg, keylen);
	struct crypto_cipher *c = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!evp || !key)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->alg = alg;
	c->enc = EVP_CIPHER_CTX_new();
	c->dec = EVP_CIPHER_CTX_new();
	if (!c->enc || !c->dec)
		goto out;
	ret = -EIO;
	if (EVP_EncryptInit_ex(c->enc, evp, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(c->dec, evp, NULL, key, NULL) != 1)
		goto out;
	/* ESP (RFC 4303 2.4) and IKEv2 (RFC 7296 3.14) pad to the block size themselves. */
	if (EVP_CIPHER_CTX_set_padding(c->enc, 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c->dec, 0) != 1)
		goto out;
	*out = c;
	c = NULL;
	ret = 0;
out:
	crypto_cipher_free(c);
	return ret;
}

void crypto_cipher_free(struct crypto_cipher *c)
{
	if (!c)
		return;
	/* EVP_CIPHER_CTX_free cleanses the key schedules before freeing them. */
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	free(c);
}

static int cipher_run(EVP_CIPHER_CTX *ctx, size_t block, const uint8_t *iv, const uint8_t *in,
		      uint8_t *out, size_t len)
{
	uint8_t last[16];
	int n, fin;

	if (len % block || len > INT_MAX)
		return -EINVAL;
	/* Key NULL: the schedule installed in crypto_cipher_new stays, only the IV is reset. */
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) != 1)
		return -EIO;
	if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		return -EIO;
	if (len && (size_t)n != len)
		return -EIO;
	/* Without padding, Final only checks that no partial block is left; it writes nothing. */
	if (EVP_CipherFinal_ex(ctx, last, &fin) != 1 || fin != 0)
		return -EIO;
	return 0;
}

int crypto_cipher_encrypt(struct crypto_cipher *c, const uint8_t *iv, const uint8_t *in,
			  uint8_t *out, size_t len)
{
	return cipher_run(c->enc, crypto_cipher_block_len(c->alg), iv, in, out, len);
}

int crypto_cipher_decrypt(struct crypto_cipher *c, const uint8_t *iv, const uint8_t *in,
			  uint8_t *out, size_t len)
{
	return cipher_run(c->dec, crypto_cipher_block_len(c->alg), iv, in, out, len);
}
