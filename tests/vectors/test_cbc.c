/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests for src/crypto/cipher: AES-128-CBC from RFC 3602 section 4 (cases 1-4),
 * AES-192-CBC and AES-256-CBC from NIST SP 800-38A F.2.3/F.2.5 (decrypt: F.2.4/F.2.6), and
 * 3DES-CBC from the NIST CAVP TDES Multi-block Message Test (TCBCMMT3, keying option 1), the
 * two examples strongSwan's test_vectors plugin carries. Encrypt, decrypt, in place, reuse.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher.h"
#include "support/hex.h"

struct cbc_kat {
	const char *name;
	enum crypto_cipher_alg alg;
	const char *key, *iv, *pt, *ct;
};

/* "Single block msg" and "This is a 48-byte message (exactly 3 AES blocks)", as hex. */
static const struct cbc_kat cbc_kats[] = {
	{"RFC 3602 case 1", CRYPTO_CIPHER_AES_CBC, "06a9214036b8a15b512e03d534120006",
	 "3dafba429d9eb430b422da802c9fac41", "53696e676c6520626c6f636b206d7367",
	 "e353779c1079aeb82708942dbe77181a"},
	{"RFC 3602 case 2", CRYPTO_CIPHER_AES_CBC, "c286696d887c9aa0611bbb3e2025a45a",
	 "562e17996d093d28ddb3ba695a2e6f58",
	 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
	{"RFC 3602 case 3", CRYPTO_CIPHER_AES_CBC, "6c3ea0477630ce21a2ce334aa746c2cd",
	 "c782dc4c098c66cbd9cd27d825682c81",
	 "5468697320697320612034382d62797465206d657373616765202865786163746c7920332041455320"
	 "626c6f636b7329",
	 "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
	 "021c19216bad525c8579695d83ba2684"},
	{"RFC 3602 case 4", CRYPTO_CIPHER_AES_CBC, "56e47a38c5598974bc46903dba290349",
	 "8ce82eefbea0da3c44699ed7db51b7d9",
	 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	 "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
	 "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55"},
	{"SP 800-38A F.2.3", CRYPTO_CIPHER_AES_CBC,
	 "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "000102030405060708090a0b0c0d0e0f",
	 "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	 "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	 "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	 "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
	{"SP 800-38A F.2.5", CRYPTO_CIPHER_AES_CBC,
	 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	 "000102030405060708090a0b0c0d0e0f",
	 "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	 "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	 "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	 "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
	{"TCBCMMT3 example 1", CRYPTO_CIPHER_3DES_CBC,
	 "627f460e08104a1043cd265d5840eaf1313edf97df2a8a8c", "8e29f75ea77e5475", "326a494cd33fe756",
	 "b22b8d66de970692"},
	{"TCBCMMT3 example 2", CRYPTO_CIPHER_3DES_CBC,
	 "37ae5ebf46dff2dc0754b94f31cbb3855e7fd36dc870bfae", "3d1de3cc132e3b65",
	 "84401f78fe6c10876d8ea23094ea5309", "7b1f7c7e3b1c948ebd04a75ffba7d2f5"},
};

#define NKATS (sizeof(cbc_kats) / sizeof(cbc_kats[0]))

struct cbc_case {
	uint8_t *key, *iv, *pt, *ct;
	size_t keylen, ivlen, ptlen, ctlen;
	struct crypto_cipher *c;
};

static void cbc_case_load(struct cbc_case *c, const struct cbc_kat *k)
{
	c->key = hex_decode(k->key, &c->keylen);
	c->iv = hex_decode(k->iv, &c->ivlen);
	c->pt = hex_decode(k->pt, &c->ptlen);
	c->ct = hex_decode(k->ct, &c->ctlen);
	cr_assert_eq(c->ptlen, c->ctlen, "%s: vector lengths", k->name);
	cr_assert_eq(c->ivlen, crypto_cipher_block_len(k->alg), "%s: IV length", k->name);
	cr_assert_eq(crypto_cipher_new(&c->c, k->alg, c->key, c->keylen), 0, "%s: new", k->name);
	cr_assert_eq(crypto_cipher_ctx_block_len(c->c), c->ivlen);
}

static void cbc_case_free(struct cbc_case *c)
{
	crypto_cipher_free(c->c);
	free(c->key);
	free(c->iv);
	free(c->pt);
	free(c->ct);
}

Test(cbc, encrypt)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct cbc_case c;
		uint8_t out[64];

		cbc_case_load(&c, &cbc_kats[i]);
		for (int round = 0; round < 2; round++) {
			memset(out, 0xee, sizeof(out));
			cr_assert_eq(crypto_cipher_encrypt(c.c, c.iv, c.pt, out, c.ptlen), 0);
			cr_assert_arr_eq(out, c.ct, c.ctlen, "%s: ciphertext (round %d)",
					 cbc_kats[i].name, round);
		}
		cbc_case_free(&c);
	}
}

Test(cbc, decrypt)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct cbc_case c;
		uint8_t out[64];

		cbc_case_load(&c, &cbc_kats[i]);
		for (int round = 0; round < 2; round++) {
			memset(out, 0xee, sizeof(out));
			cr_assert_eq(crypto_cipher_decrypt(c.c, c.iv, c.ct, out, c.ctlen), 0);
			cr_assert_arr_eq(out, c.pt, c.ptlen, "%s: plaintext (round %d)",
					 cbc_kats[i].name, round);
		}
		cbc_case_free(&c);
	}
}

Test(cbc, in_place_and_interleaved)
{
	for (size_t i = 0; i < NKATS; i++) {
		struct cbc_case c;
		uint8_t buf[64];

		cbc_case_load(&c, &cbc_kats[i]);
		memcpy(buf, c.pt, c.ptlen);
		cr_assert_eq(crypto_cipher_encrypt(c.c, c.iv, buf, buf, c.ptlen), 0);
		cr_assert_arr_eq(buf, c.ct, c.ctlen, "%s: in-place encrypt", cbc_kats[i].name);
		cr_assert_eq(crypto_cipher_decrypt(c.c, c.iv, buf, buf, c.ctlen), 0);
		cr_assert_arr_eq(buf, c.pt, c.ptlen, "%s: in-place decrypt", cbc_kats[i].name);
		cbc_case_free(&c);
	}
}

/* The IV is taken per call: flipping one of its bits changes the ciphertext, and on decryption
 * exactly the same bit of the first plaintext block. */
Test(cbc, iv_per_call)
{
	struct cbc_case c;
	uint8_t out[64], iv[16];

	cbc_case_load(&c, &cbc_kats[3]); /* RFC 3602 case 4, four blocks */
	memcpy(iv, c.iv, 16);
	iv[0] ^= 1;
	cr_assert_eq(crypto_cipher_encrypt(c.c, iv, c.pt, out, c.ptlen), 0);
	cr_assert(memcmp(out, c.ct, 16) != 0);
	cr_assert_eq(crypto_cipher_decrypt(c.c, iv, c.ct, out, c.ctlen), 0);
	cr_assert_eq(out[0], c.pt[0] ^ 1);
	cr_assert_arr_eq(out + 1, c.pt + 1, c.ptlen - 1);
	cbc_case_free(&c);
}
