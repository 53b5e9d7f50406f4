/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests for src/crypto/integ (truncated HMAC): RFC 2202 section 3 test cases 1-7
 * for HMAC-SHA1 (truncated to 96 bits for HMAC-SHA1-96, RFC 2404), RFC 4231 section 4 test cases
 * 1-7 for HMAC-SHA-256/384/512 (truncated to 128/192/256 bits; case 5 is published to 128 bits
 * only), and the RFC 4868 section 2.7.2 authenticator vectors, whose keys are as long as the
 * hash output. Verification accepts the published ICV and refuses every one-bit change.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/integ.h"
#include "support/hex.h"

/* A byte string as the RFCs describe them: hex, ASCII text, or one byte repeated. */
enum vb_kind { VB_HEX, VB_TXT, VB_REP };
struct vb {
	enum vb_kind kind;
	const char *s;
	uint8_t byte;
	size_t n;
};
/* clang-format off */
#define HEX(x) { .kind = VB_HEX, .s = (x) }
#define TXT(x) { .kind = VB_TXT, .s = (x) }
#define REP(b, count) { .kind = VB_REP, .byte = (b), .n = (count) }
/* clang-format on */

static uint8_t *vb_bytes(const struct vb *v, size_t *len)
{
	uint8_t *p;

	switch (v->kind) {
	case VB_HEX:
		return hex_decode(v->s, len);
	case VB_TXT:
		*len = strlen(v->s);
		p = malloc(*len + 1);
		cr_assert_not_null(p);
		memcpy(p, v->s, *len);
		return p;
	case VB_REP:
		*len = v->n;
		p = malloc(v->n + 1);
		cr_assert_not_null(p);
		memset(p, v->byte, v->n);
		return p;
	}
	return NULL;
}

struct hmac_kat {
	const char *name;
	enum crypto_integ_alg alg;
	struct vb key, data;
	const char *mac; /* published value, hex: full HMAC or already truncated */
};

#define TC7_DATA                                                                                   \
	"This is a test using a larger than block-size key and a larger than block-size data. "    \
	"The "                                                                                     \
	"key needs to be hashed before being used by the HMAC algorithm."

static const struct hmac_kat hmac_kats[] = {
	/* RFC 2202 section 3: HMAC-SHA-1 */
	{"RFC 2202 #1", CRYPTO_INTEG_HMAC_SHA1_96, REP(0x0b, 20), TXT("Hi There"),
	 "b617318655057264e28bc0b6fb378c8ef146be00"},
	{"RFC 2202 #2", CRYPTO_INTEG_HMAC_SHA1_96, TXT("Jefe"), TXT("what do ya want for nothing?"),
	 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{"RFC 2202 #3", CRYPTO_INTEG_HMAC_SHA1_96, REP(0xaa, 20), REP(0xdd, 50),
	 "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
	{"RFC 2202 #4", CRYPTO_INTEG_HMAC_SHA1_96,
	 HEX("0102030405060708090a0b0c0d0e0f10111213141516171819"), REP(0xcd, 50),
	 "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
	{"RFC 2202 #5", CRYPTO_INTEG_HMAC_SHA1_96, REP(0x0c, 20), TXT("Test With Truncation"),
	 "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
	{"RFC 2202 #6", CRYPTO_INTEG_HMAC_SHA1_96, REP(0xaa, 80),
	 TXT("Test Using Larger Than Block-Size Key - Hash Key First"),
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	{"RFC 2202 #7", CRYPTO_INTEG_HMAC_SHA1_96, REP(0xaa, 80),
	 TXT("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
	 "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},

	/* RFC 4231 section 4: HMAC-SHA-256 */
	{"RFC 4231 #1 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0x0b, 20), TXT("Hi There"),
	 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	{"RFC 4231 #2 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, TXT("Jefe"),
	 TXT("what do ya want for nothing?"),
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{"RFC 4231 #3 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0xaa, 20), REP(0xdd, 50),
	 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	{"RFC 4231 #4 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128,
	 HEX("0102030405060708090a0b0c0d0e0f10111213141516171819"), REP(0xcd, 50),
	 "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	{"RFC 4231 #5 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0x0c, 20),
	 TXT("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"},
	{"RFC 4231 #6 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0xaa, 131),
	 TXT("Test Using Larger Than Block-Size Key - Hash Key First"),
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{"RFC 4231 #7 SHA-256", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0xaa, 131), TXT(TC7_DATA),
	 "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},

	/* RFC 4231 section 4: HMAC-SHA-384 */
	{"RFC 4231 #1 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0x0b, 20), TXT("Hi There"),
	 "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	 "faea9ea9076ede7f4af152e8b2fa9cb6"},
	{"RFC 4231 #2 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, TXT("Jefe"),
	 TXT("what do ya want for nothing?"),
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	 "8e2240ca5e69e2c78b3239ecfab21649"},
	{"RFC 4231 #3 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0xaa, 20), REP(0xdd, 50),
	 "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	 "2a5ab39dc13814b94e3ab6e101a34f27"},
	{"RFC 4231 #4 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192,
	 HEX("0102030405060708090a0b0c0d0e0f10111213141516171819"), REP(0xcd, 50),
	 "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	 "6801dd23c4a7d679ccf8a386c674cffb"},
	{"RFC 4231 #5 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0x0c, 20),
	 TXT("Test With Truncation"), "3abf34c3503b2a23a46efc619baef897"},
	{"RFC 4231 #6 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0xaa, 131),
	 TXT("Test Using Larger Than Block-Size Key - Hash Key First"),
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	 "0c2ef6ab4030fe8296248df163f44952"},
	{"RFC 4231 #7 SHA-384", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0xaa, 131), TXT(TC7_DATA),
	 "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	 "a678cc31e799176d3860e6110c46523e"},

	/* RFC 4231 section 4: HMAC-SHA-512 */
	{"RFC 4231 #1 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0x0b, 20), TXT("Hi There"),
	 "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	 "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	{"RFC 4231 #2 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, TXT("Jefe"),
	 TXT("what do ya want for nothing?"),
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{"RFC 4231 #3 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0xaa, 20), REP(0xdd, 50),
	 "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	 "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
	{"RFC 4231 #4 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256,
	 HEX("0102030405060708090a0b0c0d0e0f10111213141516171819"), REP(0xcd, 50),
	 "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	 "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
	{"RFC 4231 #5 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0x0c, 20),
	 TXT("Test With Truncation"), "415fad6271580a531d4179bc891d87a6"},
	{"RFC 4231 #6 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0xaa, 131),
	 TXT("Test Using Larger Than Block-Size Key - Hash Key First"),
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	 "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
	{"RFC 4231 #7 SHA-512", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0xaa, 131), TXT(TC7_DATA),
	 "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	 "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},

	/* RFC 4868 section 2.7.2: authenticator test cases, keys of the output length */
	{"RFC 4868 AUTH256-1", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0x0b, 32), TXT("Hi There"),
	 "198a607eb44bfbc69903a0f1cf2bbdc5"},
	{"RFC 4868 AUTH256-2", CRYPTO_INTEG_HMAC_SHA2_256_128,
	 TXT("JefeJefeJefeJefeJefeJefeJefeJefe"), TXT("what do ya want for nothing?"),
	 "167f928588c5cc2eef8e3093caa0e87c"},
	{"RFC 4868 AUTH256-3", CRYPTO_INTEG_HMAC_SHA2_256_128, REP(0xaa, 32), REP(0xdd, 50),
	 "cdcb1220d1ecccea91e53aba3092f962"},
	{"RFC 4868 AUTH384-1", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0x0b, 48), TXT("Hi There"),
	 "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"},
	{"RFC 4868 AUTH384-2", CRYPTO_INTEG_HMAC_SHA2_384_192,
	 TXT("JefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefe"),
	 TXT("what do ya want for nothing?"), "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d"},
	{"RFC 4868 AUTH384-3", CRYPTO_INTEG_HMAC_SHA2_384_192, REP(0xaa, 48), REP(0xdd, 50),
	 "809f439be00274321d4a538652164b53554a508184a0c316"},
	{"RFC 4868 AUTH512-1", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0x0b, 64), TXT("Hi There"),
	 "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"},
	{"RFC 4868 AUTH512-2", CRYPTO_INTEG_HMAC_SHA2_512_256,
	 TXT("JefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefe"),
	 TXT("what do ya want for nothing?"),
	 "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454"},
	{"RFC 4868 AUTH512-3", CRYPTO_INTEG_HMAC_SHA2_512_256, REP(0xaa, 64), REP(0xdd, 50),
	 "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8"},
};

#define NKATS (sizeof(hmac_kats) / sizeof(hmac_kats[0]))

struct hmac_case {
	uint8_t *key, *data, *mac;
	size_t keylen, datalen, maclen, icvlen, cmplen;
	struct crypto_integ *i;
};

static void hmac_case_load(struct hmac_case *c, const struct hmac_kat *k)
{
	c->key = vb_bytes(&k->key, &c->keylen);
	c->data = vb_bytes(&k->data, &c->datalen);
	c->mac = hex_decode(k->mac, &c->maclen);
	c->icvlen = crypto_integ_icv_len(k->alg);
	/* RFC 4231 case 5 publishes 128 bits only: compare what is published. */
	c->cmplen = c->maclen < c->icvlen ? c->maclen : c->icvlen;
	cr_assert_eq(crypto_integ_new(&c->i, k->alg, c->key, c->keylen), 0, "%s: new", k->name);
	cr_assert_eq(crypto_integ_ctx_icv_len(c->i), c->icvlen);
}

static void hmac_case_free(struct hmac_case *c)
{
	crypto_integ_free(c->i);
	free(c->key);
	free(c->data);
	free(c->mac);
}

Test(hmac, icv_lengths)
{
	/* RFC 2404 2 and RFC 4868 2.1.3: the ICV is the leftmost half (96 bits for SHA-1). */
	cr_assert_eq(crypto_integ_icv_len(CRYPTO_INTEG_HMAC_SHA1_96), 12);
	cr_assert_eq(crypto_integ_icv_len(CRYPTO_INTEG_HMAC_SHA2_256_128), 16);
	cr_assert_eq(crypto_integ_icv_len(CRYPTO_INTEG_HMAC_SHA2_384_192), 24);
	cr_assert_eq(crypto_integ_icv_len(CRYPTO_INTEG_HMAC_SHA2_512_256), 32);
	cr_assert_eq(crypto_integ_key_len(CRYPTO_INTEG_HMAC_SHA1_96), 20);
	cr_assert_eq(crypto_integ_key_len(CRYPTO_INTEG_HMAC_SHA2_256_128), 32);
	cr_assert_eq(crypto_integ_key_len(CRYPTO_INTEG_HMAC_SHA2_384_192), 48);
	cr_assert_eq(crypto_integ_key_len(CRYPTO_INTEG_HMAC_SHA2_512_256), 64);
}

Test(hmac, published_vectors)
{
	for (size_t n = 0; n < NKATS; n++) {
		struct hmac_case c;
		uint8_t icv[CRYPTO_INTEG_MAX_ICV_LEN];

		hmac_case_load(&c, &hmac_kats[n]);
		/* Three rounds on one context: each restarts from the keyed state. */
		for (int round = 0; round < 3; round++) {
			memset(icv, 0xee, sizeof(icv));
			cr_assert_eq(crypto_integ_begin(c.i), 0);
			cr_assert_eq(crypto_integ_update(c.i, c.data, c.datalen), 0);
			cr_assert_eq(crypto_integ_end(c.i, icv), 0);
			cr_assert_arr_eq(icv, c.mac, c.cmplen, "%s: ICV (round %d)",
					 hmac_kats[n].name, round);
		}
		hmac_case_free(&c);
	}
}

/* The same ICV however the data is split across updates (ESP: header, then payload). */
Test(hmac, split_updates)
{
	for (size_t n = 0; n < NKATS; n++) {
		struct hmac_case c;
		uint8_t icv[CRYPTO_INTEG_MAX_ICV_LEN];

		hmac_case_load(&c, &hmac_kats[n]);
		for (size_t cut = 0; cut <= c.datalen; cut++) {
			cr_assert_eq(crypto_integ_begin(c.i), 0);
			cr_assert_eq(crypto_integ_update(c.i, c.data, cut), 0);
			cr_assert_eq(crypto_integ_update(c.i, c.data + cut, c.datalen - cut), 0);
			cr_assert_eq(crypto_integ_end(c.i, icv), 0);
			cr_assert_arr_eq(icv, c.mac, c.cmplen, "%s: split at %zu",
					 hmac_kats[n].name, cut);
		}
		hmac_case_free(&c);
	}
}

Test(hmac, verify_accepts_published_and_refuses_changes)
{
	for (size_t n = 0; n < NKATS; n++) {
		struct hmac_case c;
		uint8_t icv[CRYPTO_INTEG_MAX_ICV_LEN];

		hmac_case_load(&c, &hmac_kats[n]);
		if (c.cmplen < c.icvlen) {
			/* Not the whole ICV is published (RFC 4231 #5): nothing to verify against.
			 */
			hmac_case_free(&c);
			continue;
		}
		memcpy(icv, c.mac, c.icvlen);
		cr_assert_eq(crypto_integ_begin(c.i), 0);
		cr_assert_eq(crypto_integ_update(c.i, c.data, c.datalen), 0);
		cr_assert_eq(crypto_integ_verify(c.i, icv), 0, "%s: verify", hmac_kats[n].name);
		for (size_t bit = 0; bit < 8 * c.icvlen; bit++) {
			icv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(crypto_integ_begin(c.i), 0);
			cr_assert_eq(crypto_integ_update(c.i, c.data, c.datalen), 0);
			cr_assert_eq(crypto_integ_verify(c.i, icv), -EBADMSG, "%s: bit %zu",
				     hmac_kats[n].name, bit);
			icv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		/* Data changed, ICV genuine. */
		c.data[0] ^= 1;
		cr_assert_eq(crypto_integ_begin(c.i), 0);
		cr_assert_eq(crypto_integ_update(c.i, c.data, c.datalen), 0);
		cr_assert_eq(crypto_integ_verify(c.i, icv), -EBADMSG, "%s: data",
			     hmac_kats[n].name);
		hmac_case_free(&c);
	}
}
