/* SPDX-License-Identifier: MIT */
/*
 * prf: the IKEv2 PRFs HMAC-SHA1 (RFC 7296 3.3.2) and HMAC-SHA-256/384/512 (RFC 4868 2.1.2), full
 * length, over OpenSSL 3's EVP_MAC, and prf+ (RFC 7296 2.13). Key derivations run a few times
 * per IKE SA, so a fresh EVP_MAC_CTX per call is fine here (unlike integ.c's per-packet path).
 */
#include "crypto/prf.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* RFC 7296 2.13: the counter is one octet, so prf+ yields at most 255 blocks. */
#define PRF_PLUS_MAX_BLOCKS 255

static const char *prf_digest(enum crypto_prf_alg alg)
{
	switch (alg) {
	case CRYPTO_PRF_HMAC_SHA1:
		return "SHA1";
	case CRYPTO_PRF_HMAC_SHA2_256:
		return "SHA256";
	case CRYPTO_PRF_HMAC_SHA2_384:
		return "SHA384";
	case CRYPTO_PRF_HMAC_SHA2_512:
		return "SHA512";
	}
	return NULL;
}

size_t crypto_prf_len(enum crypto_prf_alg alg)
{
	switch (alg) {
	case CRYPTO_PRF_HMAC_SHA1:
		return 20;
	case CRYPTO_PRF_HMAC_SHA2_256:
		return 32;
	case CRYPTO_PRF_HMAC_SHA2_384:
		return 48;
	case CRYPTO_PRF_HMAC_SHA2_512:
		return 64;
	}
	return 0;
}

/* An HMAC context, not yet keyed (each prf_run keys it); NULL on failure. */
static EVP_MAC_CTX *prf_ctx_new(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	EVP_MAC_CTX *ctx;

	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	/* The context holds its own reference to the algorithm. */
	EVP_MAC_free(mac);
	return ctx;
}

/* One PRF output: out = prf(key, iov[0] | ... | iov[iovcnt-1] | tail[0..taillen)). */
static int prf_run(EVP_MAC_CTX *ctx, enum crypto_prf_alg alg, const uint8_t *key, size_t keylen,
		   const struct iovec *iov, size_t iovcnt, const uint8_t *head, size_t headlen,
		   const uint8_t *tail, size_t taillen, uint8_t *out)
{
	/* HMAC allows an empty key (RFC 2104 2); EVP_MAC_init reads a NULL key as "keep the old".
	 */
	static const uint8_t empty_key[1];
	OSSL_PARAM params[2];
	size_t outlen = 0, i;

	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)prf_digest(alg), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen ? key : empty_key, keylen, params) != 1)
		return -EIO;
	if (headlen && EVP_MAC_update(ctx, head, headlen) != 1)
		return -EIO;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len && EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len) != 1)
			return -EIO;
	}
	if (taillen && EVP_MAC_update(ctx, tail, taillen) != 1)
		return -EIO;
	if (EVP_MAC_final(ctx, out, &outlen, CRYPTO_PRF_MAX_LEN) != 1 ||
	    outlen != crypto_prf_len(alg))
		return -EIO;
	return 0;
}

int crypto_prf(enum crypto_prf_alg alg, const uint8_t *key, size_t keylen, const struct iovec *iov,
	       size_t iovcnt, uint8_t *out)
{
	EVP_MAC_CTX *ctx;
	int ret;

	if (!prf_digest(alg) || (!key && keylen) || (!iov && iovcnt))
		return -EINVAL;
	ctx = prf_ctx_new();
	if (!ctx)
		return -ENOMEM;
	ret = prf_run(ctx, alg, key, keylen, iov, iovcnt, NULL, 0, NULL, 0, out);
	/* EVP_MAC_CTX_free cleanses the keyed HMAC state. */
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int crypto_prf_plus(enum crypto_prf_alg alg, const uint8_t *key, size_t keylen,
		    const struct iovec *seed, size_t seedcnt, size_t outlen, struct secret **out)
{
	size_t blocklen = crypto_prf_len(alg), done = 0, tlen = 0;
	uint8_t t[CRYPTO_PRF_MAX_LEN], counter;
	struct secret *s = NULL;
	EVP_MAC_CTX *ctx = NULL;
	int ret = -EINVAL;

	*out = NULL;
	if (!blocklen || (!key && keylen) || (!seed && seedcnt))
		goto out;
	if (outlen > PRF_PLUS_MAX_BLOCKS * blocklen)
		goto out;
	ret = -ENOMEM;
	s = secret_new(outlen);
	ctx = prf_ctx_new();
	if (!s || !ctx)
		goto out;
	/* T1 = prf(K, S | 0x01); Tn = prf(K, Tn-1 | S | n). */
	for (counter = 1; done < outlen; counter++) {
		size_t n;

		ret = prf_run(ctx, alg, key, keylen, seed, seedcnt, t, tlen, &counter, 1, t);
		if (ret)
			goto out;
		tlen = blocklen;
		n = outlen - done < blocklen ? outlen - done : blocklen;
		memcpy(s->data + done, t, n);
		done += n;
	}
	*out = s;
	s = NULL;
	ret = 0;
out:
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	secret_free(s);
	return ret;
}
