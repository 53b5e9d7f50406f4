/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/ike/keys. A known answer: the NIST CAVS IKEv2 KDF sample (SP 800-135,
 * [SHA-1], COUNT = 0: SKEYSEED, DKM, DKM(Child SA), DKM(Child SA D-H), SKEYSEED(Rekey)), as
 * reproduced in libreswan's IKEv2 KDF CAVS test program. Then every derivation recomputed here
 * straight from the RFC 7296 formulas (2.14, 2.15, 2.17, 2.18) with crypto_prf/prf+ over
 * concatenated buffers and key lengths from the RFCs, on random inputs: the seed is printed and
 * VNETGW_SEED replays it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/dh.h"
#include "crypto/prf.h"
#include "ike/keys.h"
#include "ike/msg.h"
#include "ike/pld.h"
#include "ike/sk.h"
#include "support/hex.h"

static struct secret *secret_hex(const char *hex)
{
	size_t len;
	uint8_t *p = hex_decode(hex, &len);
	struct secret *s = secret_dup(p, len);

	free(p);
	return s;
}

static void expect_secret(const struct secret *s, const uint8_t *want, size_t len, const char *what)
{
	cr_assert_not_null(s, "%s missing", what);
	char *got = hex_encode(s->data, s->len), *exp = hex_encode(want, len);
	cr_expect_eq(s->len, len, "%s: length %zu, expected %zu", what, s->len, len);
	cr_expect(s->len == len && memcmp(s->data, want, len) == 0, "%s: %s, expected %s", what,
		  got, exp);
	free(got);
	free(exp);
}

/* ---- NIST CAVS IKEv2 KDF, [SHA-1], Ni/Nr 64 bits, g^ir 256 bits, DKM 1056 bits ------------ */

static const char cavs_gir[] = "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52";
static const char cavs_gir_new[] =
	"863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330";
static const char cavs_ni[] = "32b50d5f4a3763f3";
static const char cavs_nr[] = "9206a04b26564cb1";
#define CAVS_SPI_I 0x34c9e7c188868785ull
#define CAVS_SPI_R 0x3ff77d760d2b2199ull
static const char cavs_skeyseed[] = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7";
static const char cavs_dkm[] =
	"a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b7660"
	"6f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed"
	"41efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4";
static const char cavs_dkm_child[] =
	"8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e0"
	"92d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20"
	"754a2d883ba0c2cf285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4";
static const char cavs_dkm_child_dh[] =
	"bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab14"
	"c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8b"
	"bb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c";
static const char cavs_skeyseed_rekey[] = "63e81194946ebd05df7df5ebf5d8750056bf1f1d";

Test(ike_keys, cavs_ikev2_kdf_sha1)
{
	struct secret *gir = secret_hex(cavs_gir), *gir_new = secret_hex(cavs_gir_new);
	size_t nilen, nrlen, len;
	uint8_t *ni_p = hex_decode(cavs_ni, &nilen), *nr_p = hex_decode(cavs_nr, &nrlen);
	struct buf ni, nr;
	struct secret *skeyseed;
	uint8_t *want;

	buf_init_read(&ni, ni_p, nilen);
	buf_init_read(&nr, nr_p, nrlen);

	cr_assert_eq(ike_keys_skeyseed(CRYPTO_PRF_HMAC_SHA1, &ni, &nr, gir, &skeyseed), 0);
	want = hex_decode(cavs_skeyseed, &len);
	expect_secret(skeyseed, want, len, "SKEYSEED");
	free(want);
	secret_free(skeyseed);

	/*
	 * PRF-HMAC-SHA1 (SK_d, SK_pi, SK_pr 20 bytes), HMAC-SHA1-96 (SK_a 20) and AES-CBC-128
	 * (SK_e 16): 3 * 20 + 2 * 20 + 2 * 16 = 132 bytes, the sample's DKM length.
	 */
	struct ike_suite suite = {.encr = IKE_ENCR_AES_CBC,
				  .encr_keybits = 128,
				  .prf = IKE_PRF_HMAC_SHA1,
				  .integ = IKE_INTEG_HMAC_SHA1_96};
	struct ike_keys k;
	cr_assert_eq(ike_keys_derive(&suite, gir, &ni, &nr, CAVS_SPI_I, CAVS_SPI_R, &k), 0);
	want = hex_decode(cavs_dkm, &len);
	cr_assert_eq(len, 132);
	expect_secret(k.sk_d, want, 20, "SK_d");
	expect_secret(k.sk_ai, want + 20, 20, "SK_ai");
	expect_secret(k.sk_ar, want + 40, 20, "SK_ar");
	expect_secret(k.sk_ei, want + 60, 16, "SK_ei");
	expect_secret(k.sk_er, want + 76, 16, "SK_er");
	expect_secret(k.sk_pi, want + 92, 20, "SK_pi");
	expect_secret(k.sk_pr, want + 112, 20, "SK_pr");
	free(want);

	/*
	 * Child SA: AES-CBC-256 and HMAC-SHA2-256-128 take 2 * (32 + 32) = 128 bytes, a prefix
	 * of the sample's 132 (prf+ output is the same whatever length is asked for).
	 */
	struct ike_child_keys c;
	cr_assert_eq(ike_keys_derive_child(&k, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
					   NULL, &ni, &nr, &c),
		     0);
	want = hex_decode(cavs_dkm_child, &len);
	expect_secret(c.ei, want, 32, "child SK_ei");
	expect_secret(c.ai, want + 32, 32, "child SK_ai");
	expect_secret(c.er, want + 64, 32, "child SK_er");
	expect_secret(c.ar, want + 96, 32, "child SK_ar");
	free(want);
	ike_child_keys_clear(&c);

	cr_assert_eq(ike_keys_derive_child(&k, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
					   gir_new, &ni, &nr, &c),
		     0);
	want = hex_decode(cavs_dkm_child_dh, &len);
	expect_secret(c.ei, want, 32, "PFS child SK_ei");
	expect_secret(c.ai, want + 32, 32, "PFS child SK_ai");
	expect_secret(c.er, want + 64, 32, "PFS child SK_er");
	expect_secret(c.ar, want + 96, 32, "PFS child SK_ar");
	free(want);
	ike_child_keys_clear(&c);

	cr_assert_eq(
		ike_keys_skeyseed_rekey(CRYPTO_PRF_HMAC_SHA1, k.sk_d, gir_new, &ni, &nr, &skeyseed),
		0);
	want = hex_decode(cavs_skeyseed_rekey, &len);
	expect_secret(skeyseed, want, len, "SKEYSEED(Rekey)");
	free(want);

	/* The rekeyed SA's keys are prf+(SKEYSEED(Rekey), Ni | Nr | SPIi | SPIr). */
	struct ike_keys k2;
	struct secret *km;
	uint8_t seed[16 + 16];
	struct iovec iov = {.iov_base = seed, .iov_len = nilen + nrlen + 16};
	memcpy(seed, ni_p, nilen);
	memcpy(seed + nilen, nr_p, nrlen);
	memcpy(seed + nilen + nrlen,
	       "\x34\xc9\xe7\xc1\x88\x86\x87\x85\x3f\xf7\x7d\x76\x0d\x2b\x21\x99", 16);
	cr_assert_eq(crypto_prf_plus(CRYPTO_PRF_HMAC_SHA1, skeyseed->data, skeyseed->len, &iov, 1,
				     132, &km),
		     0);
	cr_assert_eq(
		ike_keys_derive_rekey(&suite, &k, gir_new, &ni, &nr, CAVS_SPI_I, CAVS_SPI_R, &k2),
		0);
	expect_secret(k2.sk_d, km->data, 20, "rekeyed SK_d");
	expect_secret(k2.sk_pr, km->data + 112, 20, "rekeyed SK_pr");
	secret_free(km);
	secret_free(skeyseed);
	ike_keys_clear(&k2);
	ike_keys_clear(&k);
	ike_keys_clear(&k); /* idempotent */
	secret_free(gir);
	secret_free(gir_new);
	free(ni_p);
	free(nr_p);
}

/* ---- independent recomputation on random inputs --------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: reproducible from the printed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_seed(const char *test)
{
	const char *env = getenv("VNETGW_SEED");

	rng_state = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
	if (!rng_state)
		rng_state = 1;
	fprintf(stderr, "%s: VNETGW_SEED=%llu\n", test, (unsigned long long)rng_state);
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

/* Key lengths written down from the RFCs, independent of alg.c. */
struct suite_case {
	struct ike_suite s;
	enum crypto_prf_alg prf;
	size_t prf_len, integ_len, encr_len;
};

static const struct suite_case suites[] = {
	/* RFC 4868 2.1.1: HMAC-SHA2 keys as long as the hash; RFC 3602: AES by its size. */
	{{IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, 20},
	 CRYPTO_PRF_HMAC_SHA2_384,
	 48,
	 48,
	 32},
	{{IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 19},
	 CRYPTO_PRF_HMAC_SHA2_256,
	 32,
	 32,
	 16},
	{{IKE_ENCR_AES_CBC, 192, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256, 14},
	 CRYPTO_PRF_HMAC_SHA2_512,
	 64,
	 64,
	 24},
	/* RFC 2451: 3DES takes 24 bytes; RFC 2404: HMAC-SHA1-96 a 20-byte key. */
	{{IKE_ENCR_3DES, 0, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, 2},
	 CRYPTO_PRF_HMAC_SHA1,
	 20,
	 20,
	 24},
	/* RFC 5282 7.1: GCM keys carry a 4-byte salt; no integrity keys. */
	{{IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_NONE, 20},
	 CRYPTO_PRF_HMAC_SHA2_384,
	 48,
	 0,
	 36},
	{{IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 31},
	 CRYPTO_PRF_HMAC_SHA2_256,
	 32,
	 0,
	 20},
};

struct inputs {
	uint8_t ni[256], nr[256], gir[512];
	size_t nilen, nrlen, girlen;
	uint64_t spi_i, spi_r;
	struct buf bni, bnr;
	struct secret *sgir;
};

static void inputs_random(struct inputs *in)
{
	in->nilen = 16 + rng() % 241;
	in->nrlen = 16 + rng() % 241;
	in->girlen = 32 + rng() % 481;
	rng_fill(in->ni, in->nilen);
	rng_fill(in->nr, in->nrlen);
	rng_fill(in->gir, in->girlen);
	in->spi_i = rng();
	in->spi_r = rng();
	buf_init_read(&in->bni, in->ni, in->nilen);
	buf_init_read(&in->bnr, in->nr, in->nrlen);
	in->sgir = secret_dup(in->gir, in->girlen);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* memcpy that accepts (NULL, 0) for the absent pieces. */
static void put(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

/* prf+(key, S) over S in one piece, S = a | b | c | d. */
static struct secret *ref_prf_plus(enum crypto_prf_alg prf, const uint8_t *key, size_t keylen,
				   const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
				   const uint8_t *c, size_t clen, const uint8_t *d, size_t dlen,
				   size_t outlen)
{
	uint8_t *s = malloc(alen + blen + clen + dlen + 1);
	struct iovec iov = {.iov_base = s, .iov_len = alen + blen + clen + dlen};
	struct secret *out = NULL;

	put(s, a, alen);
	put(s + alen, b, blen);
	put(s + alen + blen, c, clen);
	put(s + alen + blen + clen, d, dlen);
	cr_assert_eq(crypto_prf_plus(prf, key, keylen, &iov, 1, outlen, &out), 0);
	free(s);
	return out;
}

static void ref_prf(enum crypto_prf_alg prf, const uint8_t *key, size_t keylen, const uint8_t *a,
		    size_t alen, const uint8_t *b, size_t blen, const uint8_t *c, size_t clen,
		    uint8_t *out)
{
	uint8_t *s = malloc(alen + blen + clen + 1);
	struct iovec iov = {.iov_base = s, .iov_len = alen + blen + clen};

	put(s, a, alen);
	put(s + alen, b, blen);
	put(s + alen + blen, c, clen);
	cr_assert_eq(crypto_prf(prf, key, keylen, &iov, 1, out), 0);
	free(s);
}

/* The seven keys of 2.14 from SKEYSEED, compared with what keys.c made. */
static void check_ike_keys(const struct suite_case *sc, const uint8_t *skeyseed,
			   const struct inputs *in, const struct ike_keys *k)
{
	size_t p = sc->prf_len, a = sc->integ_len, e = sc->encr_len;
	uint8_t spis[16];
	struct secret *km;

	put_be64(spis, in->spi_i);
	put_be64(spis + 8, in->spi_r);
	km = ref_prf_plus(sc->prf, skeyseed, p, in->ni, in->nilen, in->nr, in->nrlen, spis, 16,
			  NULL, 0, 3 * p + 2 * a + 2 * e);
	cr_assert_eq(k->prf, sc->prf);
	expect_secret(k->sk_d, km->data, p, "SK_d");
	if (a) {
		expect_secret(k->sk_ai, km->data + p, a, "SK_ai");
		expect_secret(k->sk_ar, km->data + p + a, a, "SK_ar");
	} else {
		cr_assert_null(k->sk_ai);
		cr_assert_null(k->sk_ar);
	}
	expect_secret(k->sk_ei, km->data + p + 2 * a, e, "SK_ei");
	expect_secret(k->sk_er, km->data + p + 2 * a + e, e, "SK_er");
	expect_secret(k->sk_pi, km->data + p + 2 * a + 2 * e, p, "SK_pi");
	expect_secret(k->sk_pr, km->data + 2 * p + 2 * a + 2 * e, p, "SK_pr");
	secret_free(km);
}

Test(ike_keys, ike_sa_keys_match_rfc_formula)
{
	rng_seed("ike_sa_keys_match_rfc_formula");
	for (int round = 0; round < 8; round++) {
		for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
			const struct suite_case *sc = &suites[i];
			struct inputs in;
			uint8_t skeyseed[CRYPTO_PRF_MAX_LEN], key[512];
			struct ike_keys k;

			inputs_random(&in);
			/* SKEYSEED = prf(Ni | Nr, g^ir) */
			memcpy(key, in.ni, in.nilen);
			memcpy(key + in.nilen, in.nr, in.nrlen);
			ref_prf(sc->prf, key, in.nilen + in.nrlen, in.gir, in.girlen, NULL, 0, NULL,
				0, skeyseed);
			cr_assert_eq(ike_keys_derive(&sc->s, in.sgir, &in.bni, &in.bnr, in.spi_i,
						     in.spi_r, &k),
				     0, "suite %zu", i);
			check_ike_keys(sc, skeyseed, &in, &k);
			ike_keys_clear(&k);
			secret_free(in.sgir);
		}
	}
}

Test(ike_keys, rekey_uses_old_prf_and_sk_d)
{
	rng_seed("rekey_uses_old_prf_and_sk_d");
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		/* Old SA with one suite, new SA with another (2.18 allows the PRF to change). */
		const struct suite_case *old_sc = &suites[i];
		const struct suite_case *new_sc = &suites[(i + 1) % 6];
		struct inputs first, re;
		struct ike_keys old, k;
		uint8_t skeyseed[CRYPTO_PRF_MAX_LEN];

		inputs_random(&first);
		inputs_random(&re);
		cr_assert_eq(ike_keys_derive(&old_sc->s, first.sgir, &first.bni, &first.bnr,
					     first.spi_i, first.spi_r, &old),
			     0);
		/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), the old SA's PRF */
		ref_prf(old_sc->prf, old.sk_d->data, old.sk_d->len, re.gir, re.girlen, re.ni,
			re.nilen, re.nr, re.nrlen, skeyseed);
		cr_assert_eq(ike_keys_derive_rekey(&new_sc->s, &old, re.sgir, &re.bni, &re.bnr,
						   re.spi_i, re.spi_r, &k),
			     0);
		/* SKEYSEED is old-PRF long; the keys come from the new PRF's prf+. */
		struct suite_case mixed = *new_sc;
		uint8_t seed_key[CRYPTO_PRF_MAX_LEN];
		size_t spl = old_sc->prf_len;
		memcpy(seed_key, skeyseed, spl);
		{
			size_t p = mixed.prf_len, a = mixed.integ_len, e = mixed.encr_len;
			uint8_t spis[16];
			struct secret *km;

			put_be64(spis, re.spi_i);
			put_be64(spis + 8, re.spi_r);
			km = ref_prf_plus(mixed.prf, seed_key, spl, re.ni, re.nilen, re.nr,
					  re.nrlen, spis, 16, NULL, 0, 3 * p + 2 * a + 2 * e);
			expect_secret(k.sk_d, km->data, p, "rekeyed SK_d");
			expect_secret(k.sk_ei, km->data + p + 2 * a, e, "rekeyed SK_ei");
			expect_secret(k.sk_pr, km->data + 2 * p + 2 * a + 2 * e, p,
				      "rekeyed SK_pr");
			secret_free(km);
		}
		ike_keys_clear(&old);
		ike_keys_clear(&k);
		secret_free(first.sgir);
		secret_free(re.sgir);
	}
}

struct child_case {
	uint16_t encr, keybits, integ;
	size_t encr_len, integ_len;
};

static const struct child_case child_cases[] = {
	{IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 36, 0},
	{IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 20, 0},
	{IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 32},
	{IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 16, 20},
	{IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA2_256_128, 24, 32},
	{IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_256_128, 0, 32},
};

Test(ike_keys, child_keys_match_rfc_formula)
{
	rng_seed("child_keys_match_rfc_formula");
	for (size_t i = 0; i < sizeof(child_cases) / sizeof(child_cases[0]); i++) {
		for (int pfs = 0; pfs < 2; pfs++) {
			const struct child_case *cc = &child_cases[i];
			const struct suite_case *sc = &suites[i % 6];
			struct inputs ike_in, in;
			struct ike_keys k;
			struct ike_child_keys c;
			struct secret *km;
			size_t e = cc->encr_len, a = cc->integ_len;

			inputs_random(&ike_in);
			inputs_random(&in);
			cr_assert_eq(ike_keys_derive(&sc->s, ike_in.sgir, &ike_in.bni, &ike_in.bnr,
						     ike_in.spi_i, ike_in.spi_r, &k),
				     0);
			cr_assert_eq(ike_keys_derive_child(&k, cc->encr, cc->keybits, cc->integ,
							   pfs ? in.sgir : NULL, &in.bni, &in.bnr,
							   &c),
				     0, "case %zu", i);
			/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
			km = ref_prf_plus(sc->prf, k.sk_d->data, k.sk_d->len, in.gir,
					  pfs ? in.girlen : 0, in.ni, in.nilen, in.nr, in.nrlen,
					  NULL, 0, 2 * (e + a));
			if (e) {
				expect_secret(c.ei, km->data, e, "child ei");
				expect_secret(c.er, km->data + e + a, e, "child er");
			} else {
				cr_assert_null(c.ei);
				cr_assert_null(c.er);
			}
			if (a) {
				expect_secret(c.ai, km->data + e, a, "child ai");
				expect_secret(c.ar, km->data + 2 * e + a, a, "child ar");
			} else {
				cr_assert_null(c.ai);
				cr_assert_null(c.ar);
			}
			secret_free(km);
			ike_child_keys_clear(&c);
			ike_keys_clear(&k);
			secret_free(ike_in.sgir);
			secret_free(in.sgir);
		}
	}
}

Test(ike_keys, psk_auth_matches_rfc_formula)
{
	static const char pad[] = "Key Pad for IKEv2";

	rng_seed("psk_auth_matches_rfc_formula");
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const struct suite_case *sc = &suites[i];
		struct inputs in;
		struct ike_keys k;
		uint8_t msg[600], idb[40], psk_raw[64], out[CRYPTO_PRF_MAX_LEN];
		uint8_t padkey[CRYPTO_PRF_MAX_LEN], maced[CRYPTO_PRF_MAX_LEN],
			want[CRYPTO_PRF_MAX_LEN];
		size_t msglen = 200 + rng() % 400, outlen;
		struct buf bmsg, bid;
		struct secret *psk;

		inputs_random(&in);
		rng_fill(msg, msglen);
		rng_fill(psk_raw, sizeof(psk_raw));
		/* An IDi body: ID_IPV4_ADDR, reserved, 198.51.100.7 */
		memcpy(idb, "\x01\x00\x00\x00\xc6\x33\x64\x07", 8);
		buf_init_read(&bmsg, msg, msglen);
		buf_init_read(&bid, idb, 8);
		psk = secret_dup(psk_raw, 1 + rng() % sizeof(psk_raw));
		cr_assert_eq(
			ike_keys_derive(&sc->s, in.sgir, &in.bni, &in.bnr, in.spi_i, in.spi_r, &k),
			0);

		for (int initiator = 1; initiator >= 0; initiator--) {
			const struct secret *skp = initiator ? k.sk_pi : k.sk_pr;
			const uint8_t *nonce = initiator ? in.nr : in.ni;
			size_t noncelen = initiator ? in.nrlen : in.nilen;
			struct buf bnonce;

			buf_init_read(&bnonce, nonce, noncelen);
			/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
			ref_prf(sc->prf, psk->data, psk->len, (const uint8_t *)pad, 17, NULL, 0,
				NULL, 0, padkey);
			/* MACedIDFor<side> = prf(SK_p<side>, RestOf<side>IDPayload) */
			ref_prf(sc->prf, skp->data, skp->len, idb, 8, NULL, 0, NULL, 0, maced);
			ref_prf(sc->prf, padkey, sc->prf_len, msg, msglen, nonce, noncelen, maced,
				sc->prf_len, want);
			cr_assert_eq(ike_keys_psk_auth(&k, initiator, psk, &bmsg, &bnonce, &bid,
						       out, &outlen),
				     0);
			cr_assert_eq(outlen, sc->prf_len);
			cr_assert_arr_eq(out, want, outlen, "suite %zu initiator %d", i, initiator);
		}
		/* Initiator and responder AUTH differ (SK_pi vs SK_pr, and the nonce). */
		uint8_t other[CRYPTO_PRF_MAX_LEN];
		size_t otherlen;
		ike_keys_psk_auth(&k, true, psk, &bmsg, &in.bnr, &bid, other, &otherlen);
		cr_assert_neq(memcmp(other, out, outlen), 0);
		secret_free(psk);
		ike_keys_clear(&k);
		secret_free(in.sgir);
	}
}

Test(ike_keys, refuses_what_it_cannot_derive)
{
	struct secret *gir = secret_dup("0123456789abcdef0123456789abcdef", 32);
	uint8_t nonce[32] = {1};
	struct buf n;
	struct ike_keys k;
	struct ike_child_keys c;

	buf_init_read(&n, nonce, sizeof(nonce));
	struct ike_suite xcbc = {IKE_ENCR_AES_CBC, 128, IKE_PRF_AES128_XCBC, IKE_INTEG_HMAC_SHA1_96,
				 19};
	cr_assert_eq(ike_keys_derive(&xcbc, gir, &n, &n, 1, 2, &k), -ENOTSUP);
	cr_assert_null(k.sk_d);
	struct ike_suite gcm_integ = {IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256,
				      IKE_INTEG_HMAC_SHA1_96, 19};
	cr_assert_eq(ike_keys_derive(&gcm_integ, gir, &n, &n, 1, 2, &k), -EINVAL);
	struct ike_suite no_integ = {IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE,
				     19};
	cr_assert_eq(ike_keys_derive(&no_integ, gir, &n, &n, 1, 2, &k), -ENOTSUP);
	struct ike_suite bad_keylen = {IKE_ENCR_AES_CBC, 100, IKE_PRF_HMAC_SHA2_256,
				       IKE_INTEG_HMAC_SHA1_96, 19};
	cr_assert_eq(ike_keys_derive(&bad_keylen, gir, &n, &n, 1, 2, &k), -ENOTSUP);

	struct ike_suite ok = {IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96,
			       19};
	cr_assert_eq(ike_keys_derive(&ok, gir, &n, &n, 1, 2, &k), 0);
	cr_assert_eq(ike_keys_derive_child(&k, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA1_96,
					   NULL, &n, &n, &c),
		     -EINVAL);
	cr_assert_eq(ike_keys_derive_child(&k, IKE_ENCR_NULL, 0, IKE_INTEG_NONE, NULL, &n, &n, &c),
		     -EINVAL);
	cr_assert_eq(ike_keys_derive_child(&k, IKE_ENCR_AES_CTR, 128, IKE_INTEG_HMAC_SHA1_96, NULL,
					   &n, &n, &c),
		     -ENOTSUP);
	cr_assert_null(c.ei);
	ike_keys_clear(&k);
	secret_free(gir);
}

/* ---- both ends, end to end ------------------------------------------------------------------- */

/*
 * Initiator and responder with real key exchanges: each derives g^ir from the other's public
 * value, both get the same seven keys, a message the initiator seals with SK_ei/SK_ai opens at
 * the responder with the same keys, and each side's PSK AUTH is what the other expects.
 */
Test(ike_keys, initiator_and_responder_agree)
{
	static const struct {
		enum crypto_dh_group group;
		struct ike_suite suite;
	} cases[] = {
		{CRYPTO_DH_ECP384,
		 {IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, 20}},
		{CRYPTO_DH_CURVE25519,
		 {IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 31}},
		{CRYPTO_DH_MODP2048,
		 {IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 14}},
	};

	rng_seed("initiator_and_responder_agree");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct crypto_dh *dhi, *dhr;
		uint8_t pubi[512], pubr[512], ni_raw[32], nr_raw[32], msg[1024], plain_mem[1024];
		size_t publen = crypto_dh_public_len(cases[c].group);
		struct secret *giri, *girr, *psk = secret_dup("correct horse battery staple", 28);
		struct ike_keys ki, kr;
		struct buf ni, nr, out, plain, dgram;
		uint64_t spi_i = rng() | 1, spi_r = rng() | 1;

		rng_fill(ni_raw, sizeof(ni_raw));
		rng_fill(nr_raw, sizeof(nr_raw));
		buf_init_read(&ni, ni_raw, sizeof(ni_raw));
		buf_init_read(&nr, nr_raw, sizeof(nr_raw));
		cr_assert_eq(crypto_dh_new(&dhi, cases[c].group), 0);
		cr_assert_eq(crypto_dh_new(&dhr, cases[c].group), 0);
		cr_assert_eq(crypto_dh_public(dhi, pubi, publen), 0);
		cr_assert_eq(crypto_dh_public(dhr, pubr, publen), 0);
		cr_assert_eq(crypto_dh_derive(dhi, pubr, publen, &giri), 0);
		cr_assert_eq(crypto_dh_derive(dhr, pubi, publen, &girr), 0);
		cr_assert_eq(ike_keys_derive(&cases[c].suite, giri, &ni, &nr, spi_i, spi_r, &ki),
			     0);
		cr_assert_eq(ike_keys_derive(&cases[c].suite, girr, &ni, &nr, spi_i, spi_r, &kr),
			     0);
		expect_secret(kr.sk_d, ki.sk_d->data, ki.sk_d->len, "SK_d agrees");
		expect_secret(kr.sk_pr, ki.sk_pr->data, ki.sk_pr->len, "SK_pr agrees");

		/* The initiator seals with SK_ei/SK_ai, the responder opens with the same. */
		struct ike_sk *seal, *open;
		struct ike_hdr h = {.spi_i = spi_i,
				    .spi_r = spi_r,
				    .exchange = IKE_EXCH_AUTH,
				    .flags = IKE_FLAG_I,
				    .msgid = 1};
		struct ike_pld_id id = {.type = IKE_ID_IPV4_ADDR};
		struct ike_msg_writer w;
		struct ike_msg *m = malloc(sizeof(*m));
		struct ike_parse_err err;

		buf_init_read(&id.data, "\xc6\x33\x64\x07", 4);
		cr_assert_eq(ike_sk_new(&seal, cases[c].suite.encr, cases[c].suite.encr_keybits,
					cases[c].suite.integ, ki.sk_ei, ki.sk_ai),
			     0);
		cr_assert_eq(ike_sk_new(&open, cases[c].suite.encr, cases[c].suite.encr_keybits,
					cases[c].suite.integ, kr.sk_ei, kr.sk_ai),
			     0);
		buf_init_write(&out, msg, sizeof(msg));
		ike_msg_write_begin(&w, &out, &h);
		ike_msg_write_sk_begin(&w, seal);
		ike_msg_add_id(&w, IKE_PLD_IDI, &id);
		cr_assert_eq(ike_msg_write_end(&w), 0);
		buf_init_read(&dgram, msg, buf_left(&out));
		cr_assert_eq(ike_msg_parse(m, &dgram, &err), 0);
		buf_init_write(&plain, plain_mem, sizeof(plain_mem));
		cr_assert_eq(ike_msg_decrypt(m, open, &plain, &err), 0, "case %zu: %s", c, err.why);
		const struct ike_pld *idi = ike_msg_find(m, IKE_PLD_IDI, NULL);
		cr_assert_not_null(idi);

		/* AUTH: the responder recomputes the initiator's from the same octets. */
		uint8_t auth_i[CRYPTO_PRF_MAX_LEN], auth_r[CRYPTO_PRF_MAX_LEN];
		size_t li, lr;
		struct buf first_msg;
		buf_init_read(&first_msg, pubi, publen); /* stands in for RealMessage1 */
		cr_assert_eq(
			ike_keys_psk_auth(&ki, true, psk, &first_msg, &nr, &idi->body, auth_i, &li),
			0);
		cr_assert_eq(
			ike_keys_psk_auth(&kr, true, psk, &first_msg, &nr, &idi->body, auth_r, &lr),
			0);
		cr_assert_eq(li, lr);
		cr_assert_arr_eq(auth_i, auth_r, li);
		/* A different PSK gives a different AUTH. */
		struct secret *wrong = secret_dup("correct horse battery stapl3", 28);
		cr_assert_eq(ike_keys_psk_auth(&kr, true, wrong, &first_msg, &nr, &idi->body,
					       auth_r, &lr),
			     0);
		cr_assert_neq(memcmp(auth_i, auth_r, li), 0);

		secret_free(wrong);
		free(m);
		ike_sk_free(seal);
		ike_sk_free(open);
		ike_keys_clear(&ki);
		ike_keys_clear(&kr);
		secret_free(giri);
		secret_free(girr);
		secret_free(psk);
		crypto_dh_free(dhi);
		crypto_dh_free(dhr);
	}
}
