/* SPDX-License-Identifier: MIT */
/*
 * integ: truncated HMAC (RFC 2104) for ESP and the IKEv2 SK payload: HMAC-SHA1-96 (RFC 2404),
 * HMAC-SHA-256-128/-384-192/-512-256 (RFC 4868 2.1). The hash states after K^ipad and K^opad
 * are computed once per key and each ICV starts from a copy of them.
 */

/*
 * Not EVP_MAC: on OpenSSL 3.0.x every EVP_MAC_init (even with a NULL key) and EVP_DigestInit_ex
 * re-allocate the provider context (2 and 1 mallocs per packet, measured on 3.0.19). The
 * <openssl/sha.h> states are plain structs restarted by copying, running the same assembly
 * block functions as EVP; they are deprecated in 3.0, hence the define.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/integ.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

union integ_hash {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512; /* also SHA-384 */
};

struct crypto_integ {
	enum crypto_integ_alg alg;
	bool started;
	union integ_hash inner; /* after K ^ ipad */
	union integ_hash outer; /* after K ^ opad */
	union integ_hash work;
};

size_t crypto_integ_key_len(enum crypto_integ_alg alg)
{
	/* RFC 2404 3 and RFC 4868 2.1.1: the key is as long as the hash output. */
	switch (alg) {
	case CRYPTO_INTEG_HMAC_SHA1_96:
		return 20;
	case CRYPTO_INTEG_HMAC_SHA2_256_128:
		return 32;
	case CRYPTO_INTEG_HMAC_SHA2_384_192:
		return 48;
	case CRYPTO_INTEG_HMAC_SHA2_512_256:
		return 64;
	}
	return 0;
}

size_t crypto_integ_icv_len(enum crypto_integ_alg alg)
{
	/* RFC 2404 2 and RFC 4868 2.1.3: truncated to half the output (96 bits for SHA-1). */
	switch (alg) {
	case CRYPTO_INTEG_HMAC_SHA1_96:
		return 12;
	case CRYPTO_INTEG_HMAC_SHA2_256_128:
		return 16;
	case CRYPTO_INTEG_HMAC_SHA2_384_192:
		return 24;
	case CRYPTO_INTEG_HMAC_SHA2_512_256:
		return 32;
	}
	return 0;
}

size_t crypto_integ_ctx_icv_len(const struct crypto_integ *i)
{
	return crypto_integ_icv_len(i->alg);
}

/* The hash's input block, the HMAC key block length B of RFC 2104 2. */
static size_t integ_block_len(enum crypto_integ_alg alg)
{
	if (alg == CRYPTO_INTEG_HMAC_SHA2_384_192 || alg == CRYPTO_INTEG_HMAC_SHA2_512_256)
		return 128;
	return 64;
}

/* Full hash output length L. */
static size_t integ_hash_len(enum crypto_integ_alg alg)
{
	return crypto_integ_key_len(alg);
}

static void integ_hash_init(enum crypto_integ_alg alg, union integ_hash *h)
{
	switch (alg) {
	case CRYPTO_INTEG_HMAC_SHA1_96:
		SHA1_Init(&h->sha1);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_256_128:
		SHA256_Init(&h->sha256);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_384_192:
		SHA384_Init(&h->sha512);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_512_256:
		SHA512_Init(&h->sha512);
		break;
	}
}

static void integ_hash_update(enum crypto_integ_alg alg, union integ_hash *h, const void *p,
			      size_t n)
{
	switch (alg) {
	case CRYPTO_INTEG_HMAC_SHA1_96:
		SHA1_Update(&h->sha1, p, n);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_256_128:
		SHA256_Update(&h->sha256, p, n);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_384_192:
		SHA384_Update(&h->sha512, p, n);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_512_256:
		SHA512_Update(&h->sha512, p, n);
		break;
	}
}

static void integ_hash_final(enum crypto_integ_alg alg, union integ_hash *h, uint8_t *md)
{
	switch (alg) {
	case CRYPTO_INTEG_HMAC_SHA1_96:
		SHA1_Final(md, &h->sha1);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_256_128:
		SHA256_Final(md, &h->sha256);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_384_192:
		SHA384_Final(md, &h->sha512);
		break;
	case CRYPTO_INTEG_HMAC_SHA2_512_256:
		SHA512_Final(md, &h->sha512);
		break;
	}
}

int crypto_integ_new(struct crypto_integ **out, enum crypto_integ_alg alg, const uint8_t *key,
		     size_t keylen)
{
	uint8_t kblock[128], pad[128];
	size_t block, j;
	struct crypto_integ *i;

	*out = NULL;
	if (!crypto_integ_key_len(alg) || (!key && keylen))
		return -EINVAL;
	i = calloc(1, sizeof(*i));
	if (!i)
		return -ENOMEM;
	i->alg = alg;
	block = integ_block_len(alg);

	/* RFC 2104 2: keys longer than B are hashed first; shorter ones are zero-padded to B. */
	memset(kblock, 0, sizeof(kblock));
	if (keylen > block) {
		integ_hash_init(alg, &i->work);
		integ_hash_update(alg, &i->work, key, keylen);
		integ_hash_final(alg, &i->work, kblock);
	} else if (keylen) {
		memcpy(kblock, key, keylen);
	}
	for (j = 0; j < block; j++)
		pad[j] = kblock[j] ^ HMAC_IPAD;
	integ_hash_init(alg, &i->inner);
	integ_hash_update(alg, &i->inner, pad, block);
	for (j = 0; j < block; j++)
		pad[j] = kblock[j] ^ HMAC_OPAD;
	integ_hash_init(alg, &i->outer);
	integ_hash_update(alg, &i->outer, pad, block);

	OPENSSL_cleanse(kblock, sizeof(kblock));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&i->work, sizeof(i->work));
	*out = i;
	return 0;
}

void crypto_integ_free(struct crypto_integ *i)
{
	if (!i)
		return;
	/* The keyed states are as good as the key: wipe them. */
	OPENSSL_cleanse(i, sizeof(*i));
	free(i);
}

int crypto_integ_begin(struct crypto_integ *i)
{
	i->work = i->inner;
	i->started = true;
	return 0;
}

int crypto_integ_update(struct crypto_integ *i, const void *p, size_t n)
{
	if (!i->started)
		return -EINVAL;
	if (n)
		integ_hash_update(i->alg, &i->work, p, n);
	return 0;
}

/* The full HMAC output into md (integ_hash_len bytes); the context is then idle. */
static int integ_finish(struct crypto_integ *i, uint8_t *md)
{
	uint8_t inner[SHA512_DIGEST_LENGTH];

	if (!i->started)
		return -EINVAL;
	i->started = false;
	integ_hash_final(i->alg, &i->work, inner);
	i->work = i->outer;
	integ_hash_update(i->alg, &i->work, inner, integ_hash_len(i->alg));
	integ_hash_final(i->alg, &i->work, md);
	/*
	 * Nothing here needs wiping: the inner digest and the ICV are not keys, and the working
	 * state is wiped with the keyed ones in crypto_integ_free.
	 */
	return 0;
}

int crypto_integ_end(struct crypto_integ *i, uint8_t *icv)
{
	uint8_t md[SHA512_DIGEST_LENGTH];
	int ret;

	ret = integ_finish(i, md);
	if (ret == 0)
		memcpy(icv, md, crypto_integ_icv_len(i->alg));
	return ret;
}

int crypto_integ_verify(struct crypto_integ *i, const uint8_t *icv)
{
	uint8_t md[SHA512_DIGEST_LENGTH];
	int ret;

	ret = integ_finish(i, md);
	/* A timing difference would let a forger find the ICV byte by byte. */
	if (ret == 0 && CRYPTO_memcmp(md, icv, crypto_integ_icv_len(i->alg)) != 0)
		ret = -EBADMSG;
	return ret;
}
