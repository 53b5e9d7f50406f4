/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/crypto: error paths (bad key lengths, unsupported groups and algorithms,
 * forged ICVs, lengths that are not whole blocks, bad private values) and the promise of the
 * headers that seal/open, CBC and HMAC do not allocate once their context is set up. The latter
 * counts every OpenSSL allocation through CRYPTO_set_mem_functions, installed before main; a
 * control test shows the counter does see allocations (crypto_prf makes some).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/integ.h"
#include "crypto/prf.h"
#include "crypto/rand.h"

/* ---- counting OpenSSL's allocations ------------------------------------------------------ */

static bool mem_hook_installed;
static unsigned long mem_allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
	mem_allocs++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	mem_allocs++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	free(p);
}

/* OpenSSL accepts new functions only before its first allocation: install them before main. */
__attribute__((constructor)) static void mem_hook_install(void)
{
	mem_hook_installed = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
}

Test(crypto_alloc, hook_is_live)
{
	static const uint8_t key[] = {1, 2, 3};
	const struct iovec iov = {.iov_base = (void *)key, .iov_len = sizeof(key)};
	uint8_t out[CRYPTO_PRF_MAX_LEN];
	unsigned long before;

	cr_assert(mem_hook_installed, "CRYPTO_set_mem_functions was refused");
	before = mem_allocs;
	cr_assert_eq(crypto_prf(CRYPTO_PRF_HMAC_SHA2_256, key, sizeof(key), &iov, 1, out), 0);
	cr_assert_gt(mem_allocs, before, "the counter missed crypto_prf's EVP_MAC_CTX");
}

Test(crypto_alloc, aead_seal_open_do_not_allocate)
{
	static const uint8_t key[32] = {7};
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN] = {0}, aad[8] = {1}, buf[1400], icv[16];
	struct crypto_aead *a;
	unsigned long before, during;

	cr_assert(mem_hook_installed);
	for (size_t keylen = 16; keylen <= 32; keylen += 8) {
		cr_assert_eq(crypto_aead_new(&a, key, keylen), 0);
		memset(buf, 0x5a, sizeof(buf));
		before = mem_allocs;
		for (int i = 0; i < 200; i++) {
			nonce[11] = (uint8_t)i;
			if (crypto_aead_seal(a, nonce, aad, sizeof(aad), buf, buf, sizeof(buf),
					     icv) ||
			    crypto_aead_open(a, nonce, aad, sizeof(aad), buf, buf, sizeof(buf),
					     icv))
				break;
			/* A forgery goes through the failure path, which must not allocate either.
			 */
			icv[0] ^= 1;
			if (crypto_aead_open(a, nonce, aad, sizeof(aad), buf, buf, sizeof(buf),
					     icv) != -EBADMSG)
				break;
		}
		during = mem_allocs - before;
		cr_assert_eq(during, 0, "AES-%zu-GCM: %lu allocations in 600 calls", 8 * keylen,
			     during);
		crypto_aead_free(a);
	}
}

Test(crypto_alloc, cipher_does_not_allocate)
{
	static const uint8_t key[32] = {9};
	static const struct {
		enum crypto_cipher_alg alg;
		size_t keylen;
	} c[] = {{CRYPTO_CIPHER_AES_CBC, 16},
		 {CRYPTO_CIPHER_AES_CBC, 24},
		 {CRYPTO_CIPHER_AES_CBC, 32},
		 {CRYPTO_CIPHER_3DES_CBC, 24}};
	uint8_t iv[16] = {3}, buf[1024];
	unsigned long before, during;

	cr_assert(mem_hook_installed);
	for (size_t n = 0; n < sizeof(c) / sizeof(c[0]); n++) {
		struct crypto_cipher *ci;

		cr_assert_eq(crypto_cipher_new(&ci, c[n].alg, key, c[n].keylen), 0);
		before = mem_allocs;
		for (int i = 0; i < 200; i++) {
			if (crypto_cipher_encrypt(ci, iv, buf, buf, sizeof(buf)) ||
			    crypto_cipher_decrypt(ci, iv, buf, buf, sizeof(buf)))
				break;
		}
		during = mem_allocs - before;
		cr_assert_eq(during, 0, "cipher %zu: %lu allocations in 400 calls", n, during);
		crypto_cipher_free(ci);
	}
}

Test(crypto_alloc, integ_does_not_allocate)
{
	static const enum crypto_integ_alg algs[] = {
		CRYPTO_INTEG_HMAC_SHA1_96,
		CRYPTO_INTEG_HMAC_SHA2_256_128,
		CRYPTO_INTEG_HMAC_SHA2_384_192,
		CRYPTO_INTEG_HMAC_SHA2_512_256,
	};
	static const uint8_t key[64] = {4};
	uint8_t data[1400] = {0}, icv[CRYPTO_INTEG_MAX_ICV_LEN];
	unsigned long before, during;

	cr_assert(mem_hook_installed);
	for (size_t n = 0; n < sizeof(algs) / sizeof(algs[0]); n++) {
		struct crypto_integ *in;

		cr_assert_eq(crypto_integ_new(&in, algs[n], key, crypto_integ_key_len(algs[n])), 0);
		before = mem_allocs;
		for (int i = 0; i < 200; i++) {
			if (crypto_integ_begin(in) || crypto_integ_update(in, data, 8) ||
			    crypto_integ_update(in, data, sizeof(data)) ||
			    crypto_integ_end(in, icv))
				break;
			if (crypto_integ_begin(in) || crypto_integ_update(in, data, 8) ||
			    crypto_integ_update(in, data, sizeof(data)) ||
			    crypto_integ_verify(in, icv))
				break;
		}
		during = mem_allocs - before;
		cr_assert_eq(during, 0, "integ %zu: %lu allocations in 400 ICVs", n, during);
		crypto_integ_free(in);
	}
}

/* ---- aead --------------------------------------------------------------------------------- */

Test(crypto_aead, bad_key_lengths)
{
	static const uint8_t key[64] = {0};
	static const size_t bad[] = {0, 1, 8, 15, 17, 20, 23, 25, 31, 33, 36, 48, 64};
	struct crypto_aead *a;

	for (size_t n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		a = (struct crypto_aead *)key;
		cr_assert_eq(crypto_aead_new(&a, key, bad[n]), -EINVAL, "key length %zu", bad[n]);
		cr_assert_null(a);
	}
	crypto_aead_free(NULL);
}

Test(crypto_aead, tampered_icv)
{
	static const uint8_t key[16] = {1};
	uint8_t nonce[12] = {2}, pt[40] = {3}, ct[40], out[40], icv[16];
	struct crypto_aead *a;

	cr_assert_eq(crypto_aead_new(&a, key, sizeof(key)), 0);
	cr_assert_eq(crypto_aead_seal(a, nonce, NULL, 0, pt, ct, sizeof(pt), icv), 0);
	cr_assert_eq(crypto_aead_open(a, nonce, NULL, 0, ct, out, sizeof(ct), icv), 0);
	cr_assert_arr_eq(out, pt, sizeof(pt));
	icv[15] ^= 0x01;
	cr_assert_eq(crypto_aead_open(a, nonce, NULL, 0, ct, out, sizeof(ct), icv), -EBADMSG);
	icv[15] ^= 0x01;
	/* Truncated ciphertext: the ICV no longer matches. */
	cr_assert_eq(crypto_aead_open(a, nonce, NULL, 0, ct, out, sizeof(ct) - 1, icv), -EBADMSG);
	/* A key that differs: refused too. */
	crypto_aead_free(a);
	cr_assert_eq(crypto_aead_new(&a, (const uint8_t[16]){2}, 16), 0);
	cr_assert_eq(crypto_aead_open(a, nonce, NULL, 0, ct, out, sizeof(ct), icv), -EBADMSG);
	crypto_aead_free(a);
}

Test(crypto_aead, empty_payload_authenticates_aad)
{
	static const uint8_t key[16] = {5};
	uint8_t nonce[12] = {6}, aad[20] = {7}, icv[16];
	struct crypto_aead *a;

	cr_assert_eq(crypto_aead_new(&a, key, sizeof(key)), 0);
	cr_assert_eq(crypto_aead_seal(a, nonce, aad, sizeof(aad), NULL, NULL, 0, icv), 0);
	cr_assert_eq(crypto_aead_open(a, nonce, aad, sizeof(aad), NULL, NULL, 0, icv), 0);
	aad[19] ^= 0x80;
	cr_assert_eq(crypto_aead_open(a, nonce, aad, sizeof(aad), NULL, NULL, 0, icv), -EBADMSG);
	crypto_aead_free(a);
}

/* ---- cipher ------------------------------------------------------------------------------- */

Test(crypto_cipher, bad_key_lengths)
{
	static const uint8_t key[64] = {0};
	static const size_t aes_bad[] = {0, 8, 15, 17, 20, 23, 25, 31, 33, 64};
	static const size_t des_bad[] = {0, 7, 8, 16, 21, 23, 25, 32};
	struct crypto_cipher *c;

	for (size_t n = 0; n < sizeof(aes_bad) / sizeof(aes_bad[0]); n++) {
		c = (struct crypto_cipher *)key;
		cr_assert_eq(crypto_cipher_new(&c, CRYPTO_CIPHER_AES_CBC, key, aes_bad[n]), -EINVAL,
			     "AES key length %zu", aes_bad[n]);
		cr_assert_null(c);
	}
	for (size_t n = 0; n < sizeof(des_bad) / sizeof(des_bad[0]); n++) {
		cr_assert_eq(crypto_cipher_new(&c, CRYPTO_CIPHER_3DES_CBC, key, des_bad[n]),
			     -EINVAL, "3DES key length %zu", des_bad[n]);
		cr_assert_null(c);
	}
	cr_assert_eq(crypto_cipher_new(&c, (enum crypto_cipher_alg)99, key, 16), -EINVAL);
	cr_assert_eq(crypto_cipher_block_len(CRYPTO_CIPHER_AES_CBC), 16);
	cr_assert_eq(crypto_cipher_block_len(CRYPTO_CIPHER_3DES_CBC), 8);
	crypto_cipher_free(NULL);
}

Test(crypto_cipher, length_not_a_whole_block)
{
	static const uint8_t key[32] = {1};
	uint8_t iv[16] = {0}, buf[64], copy[64];
	struct crypto_cipher *aes, *des;

	cr_assert_eq(crypto_cipher_new(&aes, CRYPTO_CIPHER_AES_CBC, key, 16), 0);
	cr_assert_eq(crypto_cipher_new(&des, CRYPTO_CIPHER_3DES_CBC, key, 24), 0);
	memset(buf, 0x33, sizeof(buf));
	memcpy(copy, buf, sizeof(buf));
	for (size_t len = 1; len < sizeof(buf); len++) {
		int want_aes = len % 16 ? -EINVAL : 0, want_des = len % 8 ? -EINVAL : 0;

		cr_assert_eq(crypto_cipher_encrypt(aes, iv, copy, buf, len), want_aes, "AES %zu",
			     len);
		cr_assert_eq(crypto_cipher_decrypt(aes, iv, copy, buf, len), want_aes);
		cr_assert_eq(crypto_cipher_encrypt(des, iv, copy, buf, len), want_des, "3DES %zu",
			     len);
		cr_assert_eq(crypto_cipher_decrypt(des, iv, copy, buf, len), want_des);
	}
	/* Refused calls leave the output untouched; an empty payload is a no-op. */
	memcpy(buf, copy, sizeof(buf));
	cr_assert_eq(crypto_cipher_encrypt(aes, iv, copy, buf, 15), -EINVAL);
	cr_assert_arr_eq(buf, copy, sizeof(buf));
	cr_assert_eq(crypto_cipher_encrypt(aes, iv, copy, buf, 0), 0);
	crypto_cipher_free(aes);
	crypto_cipher_free(des);
}

/* ---- integ -------------------------------------------------------------------------------- */

Test(crypto_integ, misuse_and_bad_alg)
{
	static const uint8_t key[20] = {1};
	uint8_t icv[CRYPTO_INTEG_MAX_ICV_LEN];
	struct crypto_integ *in;

	in = (struct crypto_integ *)key;
	cr_assert_eq(crypto_integ_new(&in, (enum crypto_integ_alg)42, key, sizeof(key)), -EINVAL);
	cr_assert_null(in);
	cr_assert_eq(crypto_integ_key_len((enum crypto_integ_alg)42), 0);
	cr_assert_eq(crypto_integ_icv_len((enum crypto_integ_alg)42), 0);
	cr_assert_eq(crypto_integ_new(&in, CRYPTO_INTEG_HMAC_SHA1_96, NULL, 5), -EINVAL);

	cr_assert_eq(crypto_integ_new(&in, CRYPTO_INTEG_HMAC_SHA1_96, key, sizeof(key)), 0);
	/* Without begin there is nothing to update or finish. */
	cr_assert_eq(crypto_integ_update(in, key, 1), -EINVAL);
	cr_assert_eq(crypto_integ_end(in, icv), -EINVAL);
	cr_assert_eq(crypto_integ_verify(in, icv), -EINVAL);
	/* end closes the computation: a second end needs a new begin. */
	cr_assert_eq(crypto_integ_begin(in), 0);
	cr_assert_eq(crypto_integ_end(in, icv), 0);
	cr_assert_eq(crypto_integ_end(in, icv), -EINVAL);
	crypto_integ_free(in);
	crypto_integ_free(NULL);
}

Test(crypto_integ, tampered_icv)
{
	static const uint8_t key[32] = {2}, msg[] = "ESP header and payload";
	uint8_t icv[CRYPTO_INTEG_MAX_ICV_LEN];
	struct crypto_integ *in;

	cr_assert_eq(crypto_integ_new(&in, CRYPTO_INTEG_HMAC_SHA2_256_128, key, sizeof(key)), 0);
	cr_assert_eq(crypto_integ_begin(in), 0);
	cr_assert_eq(crypto_integ_update(in, msg, sizeof(msg)), 0);
	cr_assert_eq(crypto_integ_end(in, icv), 0);
	for (size_t byte = 0; byte < 16; byte++) {
		icv[byte] ^= 0x10;
		cr_assert_eq(crypto_integ_begin(in), 0);
		cr_assert_eq(crypto_integ_update(in, msg, sizeof(msg)), 0);
		cr_assert_eq(crypto_integ_verify(in, icv), -EBADMSG, "byte %zu", byte);
		icv[byte] ^= 0x10;
	}
	/* Bytes past the 128-bit ICV are not part of it. */
	icv[16] ^= 0xff;
	cr_assert_eq(crypto_integ_begin(in), 0);
	cr_assert_eq(crypto_integ_update(in, msg, sizeof(msg)), 0);
	cr_assert_eq(crypto_integ_verify(in, icv), 0);
	crypto_integ_free(in);
}

/* ---- prf ---------------------------------------------------------------------------------- */

Test(crypto_prf, bad_arguments)
{
	static const uint8_t key[4] = {1};
	const struct iovec iov = {.iov_base = (void *)key, .iov_len = sizeof(key)};
	uint8_t out[CRYPTO_PRF_MAX_LEN];
	struct secret *s;

	cr_assert_eq(crypto_prf((enum crypto_prf_alg)7, key, sizeof(key), &iov, 1, out), -EINVAL);
	cr_assert_eq(crypto_prf_len((enum crypto_prf_alg)7), 0);
	cr_assert_eq(crypto_prf_plus((enum crypto_prf_alg)7, key, sizeof(key), &iov, 1, 32, &s),
		     -EINVAL);
	cr_assert_null(s);
	cr_assert_eq(crypto_prf(CRYPTO_PRF_HMAC_SHA1, NULL, 3, &iov, 1, out), -EINVAL);
	cr_assert_eq(crypto_prf(CRYPTO_PRF_HMAC_SHA1, key, sizeof(key), NULL, 1, out), -EINVAL);
	/* An empty key and empty data are valid HMAC inputs (RFC 2104 2). */
	cr_assert_eq(crypto_prf(CRYPTO_PRF_HMAC_SHA1, NULL, 0, NULL, 0, out), 0);
}

/* ---- dh ----------------------------------------------------------------------------------- */

Test(crypto_dh, unsupported_groups)
{
	static const unsigned int bad[] = {0, 1, 5, 15, 16, 21, 25, 26, 27, 28, 29, 30, 32, 65535};
	static const uint8_t priv[32] = {1};
	struct crypto_dh *dh;

	for (size_t n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		cr_assert_not(crypto_dh_supported((uint16_t)bad[n]));
		dh = (struct crypto_dh *)priv;
		cr_assert_eq(crypto_dh_new(&dh, (enum crypto_dh_group)bad[n]), -ENOTSUP, "%u",
			     bad[n]);
		cr_assert_null(dh);
		cr_assert_eq(crypto_dh_new_from_private(&dh, (enum crypto_dh_group)bad[n], priv,
							sizeof(priv)),
			     -ENOTSUP);
		cr_assert_null(dh);
		cr_assert_eq(crypto_dh_public_len((enum crypto_dh_group)bad[n]), 0);
		cr_assert_eq(crypto_dh_shared_len((enum crypto_dh_group)bad[n]), 0);
	}
	crypto_dh_free(NULL);
}

Test(crypto_dh, bad_private_values)
{
	uint8_t zero[64] = {0}, ones[64], one[32] = {0};
	struct crypto_dh *dh;

	memset(ones, 0xff, sizeof(ones));
	one[31] = 1;
	/* ECP: the scalar is exactly as long as the order and in [1, n-1]. */
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP256, zero, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP256, ones, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP256, one, 31), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP384, one, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP256, one, 32), 0);
	crypto_dh_free(dh);
	/* X25519: 32 bytes, any value. */
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_CURVE25519, one, 31), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_CURVE25519, one, 33), -EINVAL);
	/* MODP: 0 and 1 are not exponents; group 24's must lie below q (256 bits). */
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048, zero, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048, one, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048, one, 0), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048_256, zero, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048_256, ones, 32), -EINVAL);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_MODP2048_256, one, 32), 0);
	crypto_dh_free(dh);
	cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_ECP256, NULL, 32), -EINVAL);
	cr_assert_null(dh);
}

Test(crypto_dh, public_needs_room)
{
	uint8_t out[256];
	struct crypto_dh *dh;

	cr_assert_eq(crypto_dh_new(&dh, CRYPTO_DH_ECP256), 0);
	cr_assert_eq(crypto_dh_public(dh, out, 63), -ENOSPC);
	cr_assert_eq(crypto_dh_public(dh, out, 64), 0);
	crypto_dh_free(dh);
	cr_assert_eq(crypto_dh_new(&dh, CRYPTO_DH_MODP1024), 0);
	cr_assert_eq(crypto_dh_public(dh, out, 127), -ENOSPC);
	cr_assert_eq(crypto_dh_public(dh, out, sizeof(out)), 0);
	crypto_dh_free(dh);
}

/* ---- rand --------------------------------------------------------------------------------- */

Test(crypto_rand, fills_and_differs)
{
	uint8_t a[64] = {0}, b[64] = {0}, zero[64] = {0};
	uint32_t v;

	cr_assert_eq(crypto_rand(a, sizeof(a)), 0);
	cr_assert_eq(crypto_rand(b, sizeof(b)), 0);
	/* Each fails with probability 2^-512. */
	cr_assert(memcmp(a, zero, sizeof(a)) != 0);
	cr_assert(memcmp(a, b, sizeof(a)) != 0);
	cr_assert_eq(crypto_rand(a, 0), 0);
	cr_assert_eq(crypto_rand_uniform(0, &v), -EINVAL);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(crypto_rand_uniform(1, &v), 0);
		cr_assert_eq(v, 0);
		cr_assert_eq(crypto_rand_uniform(7, &v), 0);
		cr_assert_lt(v, 7);
		cr_assert_eq(crypto_rand_uniform(UINT32_MAX, &v), 0);
		cr_assert_lt(v, UINT32_MAX);
	}
}

/*
 * With bound = 3 * 2^30, a plain r % bound maps two 32-bit values onto each result below 2^30
 * and one onto each above, so half the draws would fall below 2^30 instead of a third. 3000
 * draws: a third is 1000 with a standard deviation of 26; a half would be 1500. The bounds
 * below are 6 deviations wide, so an unbiased generator fails this about once in 10^8 runs.
 */
Test(crypto_rand, uniform_has_no_modulo_bias)
{
	const uint32_t bound = 3u << 30;
	unsigned int low = 0;
	uint32_t v;

	for (int i = 0; i < 3000; i++) {
		cr_assert_eq(crypto_rand_uniform(bound, &v), 0);
		cr_assert_lt(v, bound);
		low += v < (1u << 30);
	}
	cr_assert(low > 845 && low < 1155, "%u of 3000 draws below 2^30, expected about 1000", low);
}
