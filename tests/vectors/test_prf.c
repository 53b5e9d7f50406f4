/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests for src/crypto/prf: the RFC 4868 section 2.7.1 PRF test cases (PRF-1 to
 * PRF-6, full output) for HMAC-SHA-256/384/512 and RFC 2202 section 3 for HMAC-SHA1, through
 * crypto_prf with the data in one piece and split; prf+ (RFC 7296 2.13) checked against its
 * definition, T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), at lengths around block
 * boundaries up to the 255-block limit, past which it returns -EINVAL.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/prf.h"
#include "support/hex.h"

struct prf_kat {
	const char *name;
	enum crypto_prf_alg alg;
	const char *key, *data, *out; /* hex */
};

/* RFC 4868 2.7.1 data: "Hi There", "what do ya want for nothing?", 0xdd x 50, 0xcd x 50, ... */
#define KEY_0B20 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define KEY_AA20 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_0119 "0102030405060708090a0b0c0d0e0f10111213141516171819"
#define KEY_AA131                                                                                  \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_AA80                                                                                   \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DATA_HI	  "4869205468657265"
#define DATA_JEFE "7768617420646f2079612077616e7420666f72206e6f7468696e673f"
#define DATA_DD50                                                                                  \
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddd"
#define DATA_CD50                                                                                  \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcd"
/* "Test Using Larger Than Block-Size Key - Hash Key First" */
#define DATA_LARGE_KEY                                                                             \
	"54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368" \
	"20"                                                                                       \
	"4b6579204669727374"
/* "This is a test using a larger than block-size key and a larger than block-size data. The key
 * needs to be hashed before being used by the HMAC algorithm." */
#define DATA_LARGE_BOTH                                                                            \
	"5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a" \
	"65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865" \
	"206b6579206e6565647320746f20626520686173686564206265666f7265206265696e672075736564206279" \
	"2074686520484d414320616c676f726974686d2e"
/* "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data" */
#define DATA_LARGE_2202                                                                            \
	"54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e64204c61" \
	"72676572205468616e204f6e6520426c6f636b2d53697a652044617461"

static const struct prf_kat prf_kats[] = {
	{"RFC 2202 #1", CRYPTO_PRF_HMAC_SHA1, KEY_0B20, DATA_HI,
	 "b617318655057264e28bc0b6fb378c8ef146be00"},
	{"RFC 2202 #2", CRYPTO_PRF_HMAC_SHA1, "4a656665", DATA_JEFE,
	 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{"RFC 2202 #3", CRYPTO_PRF_HMAC_SHA1, KEY_AA20, DATA_DD50,
	 "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
	{"RFC 2202 #4", CRYPTO_PRF_HMAC_SHA1, KEY_0119, DATA_CD50,
	 "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
	{"RFC 2202 #6", CRYPTO_PRF_HMAC_SHA1, KEY_AA80, DATA_LARGE_KEY,
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	{"RFC 2202 #7", CRYPTO_PRF_HMAC_SHA1, KEY_AA80, DATA_LARGE_2202,
	 "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},

	{"RFC 4868 PRF-1 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, KEY_0B20, DATA_HI,
	 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	{"RFC 4868 PRF-2 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, "4a656665", DATA_JEFE,
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{"RFC 4868 PRF-3 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, KEY_AA20, DATA_DD50,
	 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	{"RFC 4868 PRF-4 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, KEY_0119, DATA_CD50,
	 "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	{"RFC 4868 PRF-5 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, KEY_AA131, DATA_LARGE_KEY,
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{"RFC 4868 PRF-6 SHA-256", CRYPTO_PRF_HMAC_SHA2_256, KEY_AA131, DATA_LARGE_BOTH,
	 "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},

	{"RFC 4868 PRF-1 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, KEY_0B20, DATA_HI,
	 "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	 "faea9ea9076ede7f4af152e8b2fa9cb6"},
	{"RFC 4868 PRF-2 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, "4a656665", DATA_JEFE,
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	 "8e2240ca5e69e2c78b3239ecfab21649"},
	{"RFC 4868 PRF-3 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, KEY_AA20, DATA_DD50,
	 "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	 "2a5ab39dc13814b94e3ab6e101a34f27"},
	{"RFC 4868 PRF-4 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, KEY_0119, DATA_CD50,
	 "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	 "6801dd23c4a7d679ccf8a386c674cffb"},
	{"RFC 4868 PRF-5 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, KEY_AA131, DATA_LARGE_KEY,
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	 "0c2ef6ab4030fe8296248df163f44952"},
	{"RFC 4868 PRF-6 SHA-384", CRYPTO_PRF_HMAC_SHA2_384, KEY_AA131, DATA_LARGE_BOTH,
	 "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	 "a678cc31e799176d3860e6110c46523e"},

	{"RFC 4868 PRF-1 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, KEY_0B20, DATA_HI,
	 "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	 "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	{"RFC 4868 PRF-2 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, "4a656665", DATA_JEFE,
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{"RFC 4868 PRF-3 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, KEY_AA20, DATA_DD50,
	 "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	 "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
	{"RFC 4868 PRF-4 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, KEY_0119, DATA_CD50,
	 "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	 "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
	{"RFC 4868 PRF-5 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, KEY_AA131, DATA_LARGE_KEY,
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	 "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
	{"RFC 4868 PRF-6 SHA-512", CRYPTO_PRF_HMAC_SHA2_512, KEY_AA131, DATA_LARGE_BOTH,
	 "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	 "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
};

#define NKATS (sizeof(prf_kats) / sizeof(prf_kats[0]))

static const enum crypto_prf_alg prf_algs[] = {
	CRYPTO_PRF_HMAC_SHA1,
	CRYPTO_PRF_HMAC_SHA2_256,
	CRYPTO_PRF_HMAC_SHA2_384,
	CRYPTO_PRF_HMAC_SHA2_512,
};

Test(prf, lengths)
{
	cr_assert_eq(crypto_prf_len(CRYPTO_PRF_HMAC_SHA1), 20);
	cr_assert_eq(crypto_prf_len(CRYPTO_PRF_HMAC_SHA2_256), 32);
	cr_assert_eq(crypto_prf_len(CRYPTO_PRF_HMAC_SHA2_384), 48);
	cr_assert_eq(crypto_prf_len(CRYPTO_PRF_HMAC_SHA2_512), 64);
}

Test(prf, published_vectors)
{
	for (size_t n = 0; n < NKATS; n++) {
		const struct prf_kat *k = &prf_kats[n];
		size_t keylen, datalen, outlen;
		uint8_t *key = hex_decode(k->key, &keylen), *data = hex_decode(k->data, &datalen);
		uint8_t *want = hex_decode(k->out, &outlen), out[CRYPTO_PRF_MAX_LEN];
		struct iovec iov[3];

		cr_assert_eq(outlen, crypto_prf_len(k->alg), "%s: vector length", k->name);
		/* In one piece. */
		iov[0] = (struct iovec){.iov_base = data, .iov_len = datalen};
		memset(out, 0xee, sizeof(out));
		cr_assert_eq(crypto_prf(k->alg, key, keylen, iov, 1, out), 0, "%s", k->name);
		cr_assert_arr_eq(out, want, outlen, "%s: one piece", k->name);
		/* In three pieces, the middle one empty. */
		iov[0].iov_len = datalen / 3;
		iov[1] = (struct iovec){.iov_base = data + datalen / 3, .iov_len = 0};
		iov[2] = (struct iovec){.iov_base = data + datalen / 3,
					.iov_len = datalen - datalen / 3};
		memset(out, 0xee, sizeof(out));
		cr_assert_eq(crypto_prf(k->alg, key, keylen, iov, 3, out), 0);
		cr_assert_arr_eq(out, want, outlen, "%s: three pieces", k->name);
		free(key);
		free(data);
		free(want);
	}
}

/* prf+ from its definition, block by block through crypto_prf. */
static uint8_t *prf_plus_by_hand(enum crypto_prf_alg alg, const uint8_t *key, size_t keylen,
				 const uint8_t *seed, size_t seedlen, size_t outlen)
{
	size_t blen = crypto_prf_len(alg), nblocks = (outlen + blen - 1) / blen;
	uint8_t *stream = malloc(nblocks * blen + 1), t[CRYPTO_PRF_MAX_LEN];

	cr_assert_not_null(stream);
	for (size_t n = 1; n <= nblocks; n++) {
		uint8_t counter = (uint8_t)n;
		struct iovec iov[3] = {
			{.iov_base = t, .iov_len = n == 1 ? 0 : blen},
			{.iov_base = (void *)seed, .iov_len = seedlen},
			{.iov_base = &counter, .iov_len = 1},
		};

		cr_assert_eq(crypto_prf(alg, key, keylen, iov, 3, t), 0);
		memcpy(stream + (n - 1) * blen, t, blen);
	}
	return stream;
}

Test(prf, prf_plus_matches_definition)
{
	static const uint8_t key[] = "IKE SA key: SKEYSEED stands here";
	/* Ni | Nr | SPIi | SPIr, given to prf+ in four pieces as ike/keys.c will. */
	static const uint8_t ni[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
	static const uint8_t nr[] = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78,
				     0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f, 0x00, 0xff};
	static const uint8_t spii[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	static const uint8_t spir[] = {0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
	uint8_t seed[sizeof(ni) + sizeof(nr) + sizeof(spii) + sizeof(spir)];
	const struct iovec pieces[4] = {
		{.iov_base = (void *)ni, .iov_len = sizeof(ni)},
		{.iov_base = (void *)nr, .iov_len = sizeof(nr)},
		{.iov_base = (void *)spii, .iov_len = sizeof(spii)},
		{.iov_base = (void *)spir, .iov_len = sizeof(spir)},
	};

	memcpy(seed, ni, sizeof(ni));
	memcpy(seed + sizeof(ni), nr, sizeof(nr));
	memcpy(seed + sizeof(ni) + sizeof(nr), spii, sizeof(spii));
	memcpy(seed + sizeof(ni) + sizeof(nr) + sizeof(spii), spir, sizeof(spir));

	for (size_t a = 0; a < sizeof(prf_algs) / sizeof(prf_algs[0]); a++) {
		enum crypto_prf_alg alg = prf_algs[a];
		size_t b = crypto_prf_len(alg);
		const size_t lens[] = {1,	    b - 1,	 b,	    b + 1,
				       2 * b,	    2 * b + 1,	 3 * b + 5, 7 * b + 3,
				       254 * b + 1, 255 * b - 1, 255 * b};
		uint8_t *want =
			prf_plus_by_hand(alg, key, sizeof(key) - 1, seed, sizeof(seed), 255 * b);

		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct secret *s = NULL;

			cr_assert_eq(
				crypto_prf_plus(alg, key, sizeof(key) - 1, pieces, 4, lens[l], &s),
				0);
			cr_assert_not_null(s);
			cr_assert_eq(s->len, lens[l]);
			cr_assert_arr_eq(s->data, want, lens[l], "alg %d, %zu bytes", (int)alg,
					 lens[l]);
			secret_free(s);
		}
		free(want);
	}
}

/* The first block is prf(K, S | 0x01): no previous block, counter starting at one. */
Test(prf, prf_plus_first_block)
{
	static const uint8_t key[] = {0x0b, 0x0b, 0x0b, 0x0b};
	static const uint8_t s_and_one[] = {'S', 'e', 'e', 'd', 0x01};
	const struct iovec seed = {.iov_base = (void *)s_and_one, .iov_len = 4};
	const struct iovec whole = {.iov_base = (void *)s_and_one, .iov_len = 5};
	uint8_t t1[CRYPTO_PRF_MAX_LEN];
	struct secret *s;

	cr_assert_eq(crypto_prf(CRYPTO_PRF_HMAC_SHA2_256, key, sizeof(key), &whole, 1, t1), 0);
	cr_assert_eq(crypto_prf_plus(CRYPTO_PRF_HMAC_SHA2_256, key, sizeof(key), &seed, 1, 32, &s),
		     0);
	cr_assert_arr_eq(s->data, t1, 32);
	secret_free(s);
}

Test(prf, prf_plus_limit)
{
	static const uint8_t key[] = {1, 2, 3};
	const struct iovec seed = {.iov_base = (void *)key, .iov_len = sizeof(key)};

	for (size_t a = 0; a < sizeof(prf_algs) / sizeof(prf_algs[0]); a++) {
		size_t b = crypto_prf_len(prf_algs[a]);
		struct secret *s = (struct secret *)&seed; /* must be reset to NULL */

		cr_assert_eq(
			crypto_prf_plus(prf_algs[a], key, sizeof(key), &seed, 1, 255 * b + 1, &s),
			-EINVAL, "alg %d: 255 blocks + 1 byte", (int)prf_algs[a]);
		cr_assert_null(s);
		cr_assert_eq(crypto_prf_plus(prf_algs[a], key, sizeof(key), &seed, 1, 256 * b, &s),
			     -EINVAL);
		cr_assert_null(s);
	}
}
