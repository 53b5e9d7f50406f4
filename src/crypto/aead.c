/* SPDX-License-Identifier: MIT */
/*
 * aead: AES-GCM with a 16-byte ICV over OpenSSL 3 EVP, for ESP (RFC 4106) and the IKEv2 SK payload
 * (RFC 5282). The key is installed once in an encrypt and a decrypt context; each seal/open only
 * re-initialises the nonce, which (measured on 3.0.19, see tests/unit/test_crypto.c) allocates
 * nothing. Contexts are not shared between threads: one user at a time.
 */
#include "crypto/aead.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

struct crypto_aead {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

static const EVP_CIPHER *aead_cipher(size_t keylen)
{
	switch (keylen) {
	case 16:
		return EVP_aes_128_gcm();
	case 24:
		return EVP_aes_192_gcm();
	case 32:
		return EVP_aes_256_gcm();
	default:
		return NULL;
	}
}

int crypto_aead_new(struct crypto_aead **out, const uint8_t *key, size_t keylen)
{
	const EVP_CIPHER *cipher = aead_cipher(keylen);
	struct crypto_aead *a = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!cipher || !key)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		goto out;
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (!a->enc || !a->dec)
		goto out;
	/* The default IV length of OpenSSL's GCM is 12, the RFC 4106 nonce length: no ctrl needed.
	 */
	ret = -EIO;
	if (EVP_EncryptInit_ex(a->enc, cipher, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(a->dec, cipher, NULL, key, NULL) != 1)
		goto out;
	if (EVP_CIPHER_CTX_get_iv_length(a->enc) != CRYPTO_AEAD_NONCE_LEN)
		goto out;
	*out = a;
	a = NULL;
	ret = 0;
out:
	crypto_aead_free(a);
	return ret;
}

void crypto_aead_free(struct crypto_aead *a)
{
	if (!a)
		return;
	/* EVP_CIPHER_CTX_free cleanses the provider's key schedule before freeing it. */
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	free(a);
}

int crypto_aead_seal(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
		     const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
		     uint8_t icv[CRYPTO_AEAD_ICV_LEN])
{
	EVP_CIPHER_CTX *ctx = a->enc;
	uint8_t fin[16];
	int n;

	if (len > INT_MAX || aadlen > INT_MAX)
		return -EINVAL;
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	if (aadlen && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -EIO;
	if (len && EVP_EncryptUpdate(ctx, out, &n, in, (int)len) != 1)
		return -EIO;
	/* GCM is a stream mode: Update wrote all len bytes and Final writes none. */
	if (EVP_EncryptFinal_ex(ctx, fin, &n) != 1 || n != 0)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_AEAD_ICV_LEN, icv) != 1)
		return -EIO;
	return 0;
}

int crypto_aead_open(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
		     const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
		     const uint8_t icv[CRYPTO_AEAD_ICV_LEN])
{
	EVP_CIPHER_CTX *ctx = a->dec;
	uint8_t fin[16];
	int n;

	if (len > INT_MAX || aadlen > INT_MAX)
		return -EINVAL;
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	if (aadlen && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -EIO;
	if (len && EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1)
		return -EIO;
	/* The ctrl copies the tag (it takes a non-const pointer but does not write through it). */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_AEAD_ICV_LEN, (void *)icv) != 1)
		return -EIO;
	/* RFC 4106 3: the ICV is checked by the library, in constant time (CRYPTO_memcmp). */
	if (EVP_DecryptFinal_ex(ctx, fin, &n) != 1) {
		/* Forged input: leave no unauthenticated plaintext behind for a careless caller. */
		if (len)
			memset(out, 0, len);
		return -EBADMSG;
	}
	return 0;
}
