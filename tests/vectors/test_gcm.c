/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests for src/crypto/aead (AES-GCM, 16-byte ICV): the test cases with 96-bit IVs
 * of McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005 (also in
 * draft-mcgrew-gcm-test-01): cases 1-4 (AES-128), 7-10 (AES-192), 13-16 (AES-256). Plus forged
 * ICV, AAD and ciphertext (all -EBADMSG), in-place operation and context reuse.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "support/hex.h"

struct gcm_kat {
	int tc; /* test case number in the GCM specification */
	const char *key, *iv, *pt, *aad, *ct, *tag;
};

static const struct gcm_kat gcm_kats[] = {
	{1, "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
	 "58e2fccefa7e3061367f1d57a4e7455a"},
	{2, "00000000000000000000000000000000", "000000000000000000000000",
	 "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
	 "ab6e47d42cec13bdf53a67b21257bddf"},
	{3, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "",
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	 "4d5c2af327cd64a62cf35abd2ba6fab4"},
	{4, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	 "5bc94fbc3221a5db94fae95ae7121a47"},
	{7, "000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "",
	 "", "cd33b28ac773f74ba00ed1f312572435"},
	{8, "000000000000000000000000000000000000000000000000", "000000000000000000000000",
	 "00000000000000000000000000000000", "", "98e7247c07f0fe411c267e4384b0f600",
	 "2ff58d80033927ab8ef4d4587514f0fb"},
	{9, "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "",
	 "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	 "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256",
	 "9924a7c8587336bfb118024db8674a14"},
	{10, "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	 "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
	 "2519498e80f1478f37ba55bd6d27618c"},
	{13, "0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
	{14, "0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "00000000000000000000000000000000", "",
	 "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
	{15, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	 "b094dac5d93471bdec1a502270e3cc6c"},
	{16, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	 "76fc6ece0f4e1768cddf8853bb2d551b"},
};

#define NKATS (sizeof(gcm_kats) / sizeof(gcm_kats[0]))

/* One vector, decoded. */
struct gcm_case {
	uint8_t *key, *iv, *pt, *aad, *ct, *tag;
	size_t keylen, ivlen, ptlen, aadlen, ctlen, taglen;
	struct crypto_aead *a;
};

static void gcm_case_load(struct gcm_case *c, const struct gcm_kat *k)
{
	c->key = hex_decode(k->key, &c->keylen);
	c->iv = hex_decode(k->iv, &c->ivlen);
	c->pt = hex_decode(k->pt, &c->ptlen);
	c->aad = hex_decode(k->aad, &c->aadlen);
	c->ct = hex_decode(k->ct, &c->ctlen);
	c->tag = hex_decode(k->tag, &c->taglen);
	cr_assert_eq(c->ivlen, CRYPTO_AEAD_NONCE_LEN, "case %d: vector IV length", k->tc);
	cr_assert_eq(c->taglen, CRYPTO_AEAD_ICV_LEN, "case %d: vector tag length", k->tc);
	cr_assert_eq(c->ptlen, c->ctlen, "case %d: vector lengths", k->tc);
	cr_assert_eq(crypto_aead_new(&c->a, c->key, c->keylen), 0, "case %d: new", k->tc);
}

static void gcm_case_free(struct gcm_case *c)
{
	crypto_aead_free(c->a);
	free(c->key);
	free(c->iv);
	free(c->pt);
	free(c->aad);
	free(c->ct);
	free(c->tag);
}

Test(gcm, spec_vectors_seal)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct gcm_case c;
		uint8_t out[64], icv[CRYPTO_AEAD_ICV_LEN];

		gcm_case_load(&c, &gcm_kats[i]);
		/* Twice on the same context: the second call must start from the same key state. */
		for (int round = 0; round < 2; round++) {
			memset(out, 0xee, sizeof(out));
			cr_assert_eq(crypto_aead_seal(c.a, c.iv, c.aad, c.aadlen, c.pt, out,
						      c.ptlen, icv),
				     0);
			cr_assert_arr_eq(out, c.ct, c.ctlen, "case %d: ciphertext", gcm_kats[i].tc);
			cr_assert_arr_eq(icv, c.tag, CRYPTO_AEAD_ICV_LEN, "case %d: tag",
					 gcm_kats[i].tc);
		}
		gcm_case_free(&c);
	}
}

Test(gcm, spec_vectors_open)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct gcm_case c;
		uint8_t out[64];

		gcm_case_load(&c, &gcm_kats[i]);
		for (int round = 0; round < 2; round++) {
			memset(out, 0xee, sizeof(out));
			cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, c.ct, out,
						      c.ctlen, c.tag),
				     0, "case %d: open", gcm_kats[i].tc);
			cr_assert_arr_eq(out, c.pt, c.ptlen, "case %d: plaintext", gcm_kats[i].tc);
		}
		gcm_case_free(&c);
	}
}

Test(gcm, in_place)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct gcm_case c;
		uint8_t buf[64], icv[CRYPTO_AEAD_ICV_LEN];

		gcm_case_load(&c, &gcm_kats[i]);
		memcpy(buf, c.pt, c.ptlen);
		cr_assert_eq(crypto_aead_seal(c.a, c.iv, c.aad, c.aadlen, buf, buf, c.ptlen, icv),
			     0);
		cr_assert_arr_eq(buf, c.ct, c.ctlen, "case %d: in-place ciphertext",
				 gcm_kats[i].tc);
		cr_assert_arr_eq(icv, c.tag, CRYPTO_AEAD_ICV_LEN);
		cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, buf, buf, c.ctlen, icv),
			     0);
		cr_assert_arr_eq(buf, c.pt, c.ptlen, "case %d: in-place plaintext", gcm_kats[i].tc);
		gcm_case_free(&c);
	}
}

/* Every single-bit change to the ICV, the AAD, the ciphertext or the nonce is refused. */
Test(gcm, forgeries_refused)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct gcm_case c;
		uint8_t out[64], icv[CRYPTO_AEAD_ICV_LEN], aad[32], ct[64], iv[12];
		size_t bit;

		gcm_case_load(&c, &gcm_kats[i]);
		for (bit = 0; bit < 8 * CRYPTO_AEAD_ICV_LEN; bit++) {
			memcpy(icv, c.tag, sizeof(icv));
			icv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, c.ct, out,
						      c.ctlen, icv),
				     -EBADMSG, "case %d: tag bit %zu", gcm_kats[i].tc, bit);
		}
		for (bit = 0; bit < 8 * c.aadlen; bit++) {
			memcpy(aad, c.aad, c.aadlen);
			aad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(crypto_aead_open(c.a, c.iv, aad, c.aadlen, c.ct, out, c.ctlen,
						      c.tag),
				     -EBADMSG, "case %d: aad bit %zu", gcm_kats[i].tc, bit);
		}
		/* AAD added where there was none, or one byte dropped. */
		aad[0] = 0;
		cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aadlen ? c.aad : aad,
					      c.aadlen ? c.aadlen - 1 : 1, c.ct, out, c.ctlen,
					      c.tag),
			     -EBADMSG, "case %d: aad length", gcm_kats[i].tc);
		for (bit = 0; bit < 8 * c.ctlen; bit += 7) {
			memcpy(ct, c.ct, c.ctlen);
			ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, ct, out, c.ctlen,
						      c.tag),
				     -EBADMSG, "case %d: ciphertext bit %zu", gcm_kats[i].tc, bit);
		}
		memcpy(iv, c.iv, sizeof(iv));
		iv[11] ^= 1;
		cr_assert_eq(crypto_aead_open(c.a, iv, c.aad, c.aadlen, c.ct, out, c.ctlen, c.tag),
			     -EBADMSG, "case %d: nonce", gcm_kats[i].tc);
		/* A refusal leaves the context usable for the genuine packet. */
		cr_assert_eq(
			crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, c.ct, out, c.ctlen, c.tag), 0);
		cr_assert_arr_eq(out, c.pt, c.ptlen);
		gcm_case_free(&c);
	}
}

/* After a refused packet, no unauthenticated plaintext is left in the output buffer. */
Test(gcm, forgery_output_wiped)
{
	struct gcm_case c;
	uint8_t out[64], icv[CRYPTO_AEAD_ICV_LEN];
	static const uint8_t zero[64];

	gcm_case_load(&c, &gcm_kats[3]); /* test case 4 */
	memcpy(icv, c.tag, sizeof(icv));
	icv[0] ^= 0x80;
	memset(out, 0xee, sizeof(out));
	cr_assert_eq(crypto_aead_open(c.a, c.iv, c.aad, c.aadlen, c.ct, out, c.ctlen, icv),
		     -EBADMSG);
	cr_assert_arr_eq(out, zero, c.ctlen);
	gcm_case_free(&c);
}
