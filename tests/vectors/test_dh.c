/* SPDX-License-Identifier: MIT */
/*
 * Known-answer and validation tests for src/crypto/dh: RFC 5903 section 8 (ECP-256, ECP-384:
 * i, g^i, r, g^r, g^ir), RFC 7748 section 5.2 (the two single X25519 vectors) and 6.1 (Alice and
 * Bob), RFC 8031 Appendix A, RFC 5114 Appendix A.3 (group 24), and for groups 2 and 14 g^x
 * checked against the primes as printed in RFC 2409 6.2 and RFC 3526 3. Fresh parties agree;
 * invalid peer values (RFC 6989: 0, 1, p-1, p, off-subgroup, off-curve, low order, wrong
 * length) are refused with -EINVAL.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/dh.h"
#include "support/hex.h"

/* One party of a published exchange, and the peer it talks to. */
struct dh_kat {
	const char *name;
	enum crypto_dh_group group;
	const char *priv, *pub, *peer_pub, *shared;
};

static const struct dh_kat dh_kats[] = {
	/* RFC 5903 8.1, 256-bit random ECP group: initiator, then responder. */
	{"RFC 5903 8.1 i", CRYPTO_DH_ECP256,
	 "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	 "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	 "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	 "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	 "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	 "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
	{"RFC 5903 8.1 r", CRYPTO_DH_ECP256,
	 "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	 "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	 "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	 "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	 "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	 "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
	/* RFC 5903 8.2, 384-bit random ECP group. */
	{"RFC 5903 8.2 i", CRYPTO_DH_ECP384,
	 "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	 "E35B538041E649EE3FAEF896783AB194",
	 "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	 "DE3AC808ACB4BDB4C88732AEE95F41AA"
	 "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	 "EB9FCFF3C2C947DAE69B4C634573A81C",
	 "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	 "0D1AC43A0336DEF96FDA41D0774A3571"
	 "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	 "F83FA40142209DFF5EAAD96DB9E6386C",
	 "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	 "D603135569B9E9D09CF5D4A270F59746"},
	{"RFC 5903 8.2 r", CRYPTO_DH_ECP384,
	 "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	 "E0308312916B8ED2960E4BD55A7448FC",
	 "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	 "0D1AC43A0336DEF96FDA41D0774A3571"
	 "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	 "F83FA40142209DFF5EAAD96DB9E6386C",
	 "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	 "DE3AC808ACB4BDB4C88732AEE95F41AA"
	 "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	 "EB9FCFF3C2C947DAE69B4C634573A81C",
	 "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	 "D603135569B9E9D09CF5D4A270F59746"},
	/* RFC 7748 6.1: Alice and Bob. */
	{"RFC 7748 6.1 Alice", CRYPTO_DH_CURVE25519,
	 "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	 "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	 "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	 "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	{"RFC 7748 6.1 Bob", CRYPTO_DH_CURVE25519,
	 "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	 "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	 "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	 "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	/* RFC 8031 Appendix A: the IKEv2 example. */
	{"RFC 8031 A i", CRYPTO_DH_CURVE25519,
	 "751fb4308655b476b6789b7325f9ea8cddd16a58533ff6d9e60009464a5f9d94",
	 "48d5ddd40612 57ba166fa3f9bbdb74f1a4e81c089384fa77f790709f0dfbc766",
	 "0be7c1f5aad87d7e4486626732 98a443478b8597 45179eaf564c79c0ef6eee25",
	 "c74950607a12327f3204d94b6825bfb068b7f8319a9e3708ed3d43ce8130c950"},
	{"RFC 8031 A r", CRYPTO_DH_CURVE25519,
	 "0a5464525329 0d60ddadd0e030bacd9e5501efdc220755a1e978f1b839a05688",
	 "0be7c1f5aad87d7e4486626732 98a443478b8597 45179eaf564c79c0ef6eee25",
	 "48d5ddd40612 57ba166fa3f9bbdb74f1a4e81c089384fa77f790709f0dfbc766",
	 "c74950607a12327f3204d94b6825bfb068b7f8319a9e3708ed3d43ce8130c950"},
	/* RFC 5114 A.3: 2048-bit MODP group with 256-bit prime order subgroup (group 24). */
	{"RFC 5114 A.3 xA", CRYPTO_DH_MODP2048_256,
	 "0881382CDB87660C6DC13E614938D5B9C8B2F248581CC5E31B35454397FCE50E",
	 "2E9380C8323AF97545BC4941DEB0EC3742C62FE0ECE824A6ABDBE66C59BEE024"
	 "2911BFB967235CEBA35AE13E4EC752BE630B92DC4BDE2847A9C62CB815274542"
	 "1FB7EB60A63C0FE9159FCCE726CE7CD8523D74506 67EF840E4919121EB5F01C8"
	 "C9B0D3D648A93BFB75689E8244AC134AF544711CE79A02DCC34226684780DDDC"
	 "B498594106C37F5BC79856487AF5AB022A2E5E42F09897C1A85A11EA0212AF04"
	 "D9B4CEBC937C3C1A3E15A8A0342E337615C84E7FE3B8B9B87FB1E73A15AF12A3"
	 "0D746E06DFC34F290D797CE51AA13AA785BF6658AFF5E4B093003CBEAF665B3C"
	 "2E113A3A4E905269341DC0711426685F4EF37E868A8126FF3F2279B57CA67E29",
	 "575F0351BD2B1B817448BDF87A6C362C1E289D3903A30B9832C5741FA250363E"
	 "7ACBC7F77F3DACBC1F131ADD8E03367EFF8FBBB3E1C5784424809B25AFE4D226"
	 "2A1A6FD2FAB64105CA30A674E07F7809852088632FC049233791AD4EDD083A97"
	 "8B883EE618BC5E0DD047415F2D95E683CF14826B5FBE10D3CE41C6C120C78AB2"
	 "0008C698BF7F0BCAB9D7F407BED0F43AFB2970F57F8D12043963E66DDD320D59"
	 "9AD9936C8F44137C08B180EC5E985CEBE186F3D549677E80607331EE17AF3380"
	 "A725B0782317D7DD43F59D7AF9568A9BB63A84D365F92244ED120988219302F4"
	 "2924C7CA90B89D24F71B0AB697823D7DEB1AFF5B0E8E4A45D49F7F53757E1913",
	 "86C70BF8D0BB81BB01078A17219CB7D27203DB2A19C877F1D1F19FD7D77EF225"
	 "46A68F005AD52DC84553B78FC60330BE51EA7C0672CAC1515E4B35C047B9A551"
	 "B88F39DC26DA14A09EF74774D47C762DD177F9ED5BC2F11E52C879BD95098504"
	 "CD9EECD8A8F9B3EFBD1F008AC5853097D9D1837F2B18F77CD7BE01AF80A7C7B5"
	 "EA3CA54CC02D0C116FEE3F95BB87399385875D7E86747E676E728938ACBFF709"
	 "8E05BE4DCFB24052B83AEFFB14783F029ADBDE7F53FAE92084224090E007CEE9"
	 "4D4BF2BACE9FFD4B57D2AF7C724D0CAA19BF0501F6F17B4AA10F425E3EA76080"
	 "B4B9D6B3CEFEA115B2CEB8789BB8A3B0EA87FEBE63B6C8F846EC6DB0C26C5D7C"},
	{"RFC 5114 A.3 xB", CRYPTO_DH_MODP2048_256,
	 "7D62A7E3EF36DE617B13D1AFB82C780D83A23BD4EE6705645121F371F546A53D",
	 "575F0351BD2B1B817448BDF87A6C362C1E289D3903A30B9832C5741FA250363E"
	 "7ACBC7F77F3DACBC1F131ADD8E03367EFF8FBBB3E1C5784424809B25AFE4D226"
	 "2A1A6FD2FAB64105CA30A674E07F7809852088632FC049233791AD4EDD083A97"
	 "8B883EE618BC5E0DD047415F2D95E683CF14826B5FBE10D3CE41C6C120C78AB2"
	 "0008C698BF7F0BCAB9D7F407BED0F43AFB2970F57F8D12043963E66DDD320D59"
	 "9AD9936C8F44137C08B180EC5E985CEBE186F3D549677E80607331EE17AF3380"
	 "A725B0782317D7DD43F59D7AF9568A9BB63A84D365F92244ED120988219302F4"
	 "2924C7CA90B89D24F71B0AB697823D7DEB1AFF5B0E8E4A45D49F7F53757E1913",
	 "2E9380C8323AF97545BC4941DEB0EC3742C62FE0ECE824A6ABDBE66C59BEE024"
	 "2911BFB967235CEBA35AE13E4EC752BE630B92DC4BDE2847A9C62CB815274542"
	 "1FB7EB60A63C0FE9159FCCE726CE7CD8523D74506 67EF840E4919121EB5F01C8"
	 "C9B0D3D648A93BFB75689E8244AC134AF544711CE79A02DCC34226684780DDDC"
	 "B498594106C37F5BC79856487AF5AB022A2E5E42F09897C1A85A11EA0212AF04"
	 "D9B4CEBC937C3C1A3E15A8A0342E337615C84E7FE3B8B9B87FB1E73A15AF12A3"
	 "0D746E06DFC34F290D797CE51AA13AA785BF6658AFF5E4B093003CBEAF665B3C"
	 "2E113A3A4E905269341DC0711426685F4EF37E868A8126FF3F2279B57CA67E29",
	 "86C70BF8D0BB81BB01078A17219CB7D27203DB2A19C877F1D1F19FD7D77EF225"
	 "46A68F005AD52DC84553B78FC60330BE51EA7C0672CAC1515E4B35C047B9A551"
	 "B88F39DC26DA14A09EF74774D47C762DD177F9ED5BC2F11E52C879BD95098504"
	 "CD9EECD8A8F9B3EFBD1F008AC5853097D9D1837F2B18F77CD7BE01AF80A7C7B5"
	 "EA3CA54CC02D0C116FEE3F95BB87399385875D7E86747E676E728938ACBFF709"
	 "8E05BE4DCFB24052B83AEFFB14783F029ADBDE7F53FAE92084224090E007CEE9"
	 "4D4BF2BACE9FFD4B57D2AF7C724D0CAA19BF0501F6F17B4AA10F425E3EA76080"
	 "B4B9D6B3CEFEA115B2CEB8789BB8A3B0EA87FEBE63B6C8F846EC6DB0C26C5D7C"},
};

#define NKATS (sizeof(dh_kats) / sizeof(dh_kats[0]))

static uint8_t *dec(const char *hex, size_t *len)
{
	return hex_decode(hex, len);
}

Test(dh, published_exchanges)
{
	for (size_t n = 0; n < NKATS; n++) {
		const struct dh_kat *k = &dh_kats[n];
		size_t privlen, publen, peerlen, sharedlen;
		uint8_t *priv = dec(k->priv, &privlen), *pub = dec(k->pub, &publen);
		uint8_t *peer = dec(k->peer_pub, &peerlen), *want = dec(k->shared, &sharedlen);
		uint8_t out[512];
		struct crypto_dh *dh = NULL;
		struct secret *s = NULL;

		cr_assert_eq(publen, crypto_dh_public_len(k->group), "%s: vector length", k->name);
		cr_assert_eq(sharedlen, crypto_dh_shared_len(k->group), "%s", k->name);
		cr_assert_eq(crypto_dh_new_from_private(&dh, k->group, priv, privlen), 0, "%s: new",
			     k->name);
		cr_assert_eq(crypto_dh_group(dh), k->group);
		memset(out, 0xee, sizeof(out));
		cr_assert_eq(crypto_dh_public(dh, out, sizeof(out)), 0);
		cr_assert_arr_eq(out, pub, publen, "%s: public value", k->name);
		cr_assert_eq(crypto_dh_derive(dh, peer, peerlen, &s), 0, "%s: derive", k->name);
		cr_assert_not_null(s);
		cr_assert_eq(s->len, sharedlen);
		cr_assert_arr_eq(s->data, want, sharedlen, "%s: shared secret", k->name);
		secret_free(s);
		crypto_dh_free(dh);
		free(priv);
		free(pub);
		free(peer);
		free(want);
	}
}

/* RFC 7748 5.2: X25519(k, u) for the two single-iteration vectors. */
Test(dh, x25519_function_vectors)
{
	static const char *const v[][3] = {
		{"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		 "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		 "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
		/* u has its top bit set, which RFC 7748 5 says to ignore. */
		{"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		 "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		 "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	};

	for (size_t n = 0; n < 2; n++) {
		size_t klen, ulen, wlen;
		uint8_t *k = dec(v[n][0], &klen), *u = dec(v[n][1], &ulen),
			*w = dec(v[n][2], &wlen);
		struct crypto_dh *dh;
		struct secret *s;

		cr_assert_eq(crypto_dh_new_from_private(&dh, CRYPTO_DH_CURVE25519, k, klen), 0);
		cr_assert_eq(crypto_dh_derive(dh, u, ulen, &s), 0, "vector %zu", n + 1);
		cr_assert_arr_eq(s->data, w, wlen, "RFC 7748 5.2 vector %zu", n + 1);
		secret_free(s);
		crypto_dh_free(dh);
		free(k);
		free(u);
		free(w);
	}
}

/* ---- groups 2 and 14: g^x against the primes printed in the RFCs ----------------------- */

/* RFC 2409 6.2 */
static const char modp1024_p[] = "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
				 "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
				 "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
				 "E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
				 "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381"
				 "FFFFFFFF FFFFFFFF";
/* RFC 3526 3 */
static const char modp2048_p[] = "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
				 "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
				 "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
				 "E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
				 "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
				 "C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
				 "83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
				 "670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
				 "E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9"
				 "DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
				 "15728E5A 8AACAA68 FFFFFFFF FFFFFFFF";

/* The prime of a MODP group as bytes: from the RFC text, or for group 24 from OpenSSL's
 * dh_2048_256 (which the RFC 5114 A.3 exchange above shows to be the right group). */
static uint8_t *modp_prime(enum crypto_dh_group group, size_t *len)
{
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *params = NULL;
	BIGNUM *p = NULL;
	OSSL_PARAM name[2];
	uint8_t *out;

	if (group == CRYPTO_DH_MODP1024)
		return dec(modp1024_p, len);
	if (group == CRYPTO_DH_MODP2048)
		return dec(modp2048_p, len);
	cr_assert_eq(group, CRYPTO_DH_MODP2048_256);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	name[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						   (char *)"dh_2048_256", 0);
	name[1] = OSSL_PARAM_construct_end();
	cr_assert_eq(EVP_PKEY_fromdata_init(pctx), 1);
	cr_assert_eq(EVP_PKEY_fromdata(pctx, &params, EVP_PKEY_KEY_PARAMETERS, name), 1);
	cr_assert_eq(EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p), 1);
	*len = (size_t)BN_num_bytes(p);
	out = malloc(*len);
	cr_assert_not_null(out);
	BN_bn2bin(p, out);
	BN_free(p);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(pctx);
	return out;
}

Test(dh, modp_public_is_2_to_the_x_mod_rfc_prime)
{
	static const enum crypto_dh_group groups[] = {CRYPTO_DH_MODP1024, CRYPTO_DH_MODP2048};
	/* A private value long enough that 2^x wraps around the prime many times. */
	static const uint8_t x[] = {0x5a, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
				    0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc,
				    0xfe, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69,
				    0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1};

	for (size_t n = 0; n < 2; n++) {
		size_t plen;
		uint8_t *pbytes = modp_prime(groups[n], &plen), pub[256], want[256];
		BIGNUM *p = BN_bin2bn(pbytes, (int)plen, NULL), *bx = BN_bin2bn(x, sizeof(x), NULL);
		BIGNUM *two = BN_new(), *y = BN_new();
		BN_CTX *ctx = BN_CTX_new();
		struct crypto_dh *dh;

		cr_assert_eq(plen, crypto_dh_public_len(groups[n]));
		cr_assert(BN_set_word(two, 2));
		cr_assert(BN_mod_exp(y, two, bx, p, ctx));
		cr_assert_eq(BN_bn2binpad(y, want, (int)plen), (int)plen);
		cr_assert_eq(crypto_dh_new_from_private(&dh, groups[n], x, sizeof(x)), 0);
		cr_assert_eq(crypto_dh_public(dh, pub, sizeof(pub)), 0);
		cr_assert_arr_eq(pub, want, plen, "group %d: g^x", (int)groups[n]);
		crypto_dh_free(dh);
		BN_CTX_free(ctx);
		BN_free(p);
		BN_free(bx);
		BN_free(two);
		BN_free(y);
		free(pbytes);
	}
}

/* ---- fresh key pairs ---------------------------------------------------------------------- */

static const enum crypto_dh_group all_groups[] = {
	CRYPTO_DH_MODP1024, CRYPTO_DH_MODP2048, CRYPTO_DH_MODP2048_256,
	CRYPTO_DH_ECP256,   CRYPTO_DH_ECP384,	CRYPTO_DH_CURVE25519,
};
#define NGROUPS (sizeof(all_groups) / sizeof(all_groups[0]))

Test(dh, lengths_and_names)
{
	static const size_t lens[][2] = {{128, 128}, {256, 256}, {256, 256},
					 {64, 32},   {96, 48},	 {32, 32}};

	for (size_t n = 0; n < NGROUPS; n++) {
		cr_assert(crypto_dh_supported(all_groups[n]));
		cr_assert_eq(crypto_dh_public_len(all_groups[n]), lens[n][0]);
		cr_assert_eq(crypto_dh_shared_len(all_groups[n]), lens[n][1]);
		cr_assert_str_neq(crypto_dh_name(all_groups[n]), "unknown");
	}
	cr_assert_str_eq(crypto_dh_name(CRYPTO_DH_MODP2048), "MODP_2048");
	cr_assert_str_eq(crypto_dh_name(CRYPTO_DH_CURVE25519), "CURVE_25519");
	/* Groups 1, 5 and 21 exist in IANA's registry but not here. */
	cr_assert_not(crypto_dh_supported(1));
	cr_assert_not(crypto_dh_supported(5));
	cr_assert_not(crypto_dh_supported(21));
	cr_assert_not(crypto_dh_supported(0));
	cr_assert_eq(crypto_dh_public_len((enum crypto_dh_group)5), 0);
}

Test(dh, fresh_parties_agree)
{
	for (size_t n = 0; n < NGROUPS; n++) {
		enum crypto_dh_group g = all_groups[n];
		size_t len = crypto_dh_public_len(g);
		uint8_t pa[256], pb[256];
		struct crypto_dh *a, *b;
		struct secret *sa, *sb;

		cr_assert_eq(crypto_dh_new(&a, g), 0, "group %d", (int)g);
		cr_assert_eq(crypto_dh_new(&b, g), 0);
		cr_assert_eq(crypto_dh_public(a, pa, sizeof(pa)), 0);
		cr_assert_eq(crypto_dh_public(b, pb, sizeof(pb)), 0);
		cr_assert(memcmp(pa, pb, len) != 0, "group %d: two fresh keys are equal", (int)g);
		cr_assert_eq(crypto_dh_derive(a, pb, len, &sa), 0, "group %d", (int)g);
		cr_assert_eq(crypto_dh_derive(b, pa, len, &sb), 0);
		cr_assert_eq(sa->len, crypto_dh_shared_len(g));
		cr_assert_eq(sb->len, sa->len);
		cr_assert_arr_eq(sa->data, sb->data, sa->len, "group %d: secrets differ", (int)g);
		/* A second derivation from the same key pair gives the same secret. */
		secret_free(sb);
		cr_assert_eq(crypto_dh_derive(b, pa, len, &sb), 0);
		cr_assert_arr_eq(sa->data, sb->data, sa->len);
		secret_free(sa);
		secret_free(sb);
		crypto_dh_free(a);
		crypto_dh_free(b);
	}
}

/* ---- invalid peer values ------------------------------------------------------------------ */

static void expect_refused(struct crypto_dh *dh, const uint8_t *peer, size_t len, const char *what)
{
	struct secret *s = (struct secret *)peer; /* must be reset to NULL */

	cr_assert_eq(crypto_dh_derive(dh, peer, len, &s), -EINVAL, "group %d: %s accepted",
		     (int)crypto_dh_group(dh), what);
	cr_assert_null(s);
}

/* A big-endian integer of len bytes: p + delta (delta in -1..1), or a small value. */
static void modp_value(uint8_t *out, const uint8_t *p, size_t len, int delta)
{
	BIGNUM *v = BN_bin2bn(p, (int)len, NULL);

	cr_assert_not_null(v);
	if (delta < 0)
		cr_assert(BN_sub_word(v, (BN_ULONG)-delta));
	else
		cr_assert(BN_add_word(v, (BN_ULONG)delta));
	cr_assert_eq(BN_bn2binpad(v, out, (int)len), (int)len);
	BN_free(v);
}

Test(dh, modp_peer_validation)
{
	static const enum crypto_dh_group groups[] = {CRYPTO_DH_MODP1024, CRYPTO_DH_MODP2048,
						      CRYPTO_DH_MODP2048_256};

	for (size_t n = 0; n < 3; n++) {
		size_t plen;
		uint8_t *p = modp_prime(groups[n], &plen), v[257], good[256];
		struct crypto_dh *dh, *other;
		struct secret *s;

		cr_assert_eq(crypto_dh_new(&dh, groups[n]), 0);
		cr_assert_eq(crypto_dh_new(&other, groups[n]), 0);
		cr_assert_eq(crypto_dh_public(other, good, sizeof(good)), 0);

		memset(v, 0, plen);
		expect_refused(dh, v, plen, "0");
		v[plen - 1] = 1;
		expect_refused(dh, v, plen, "1");
		modp_value(v, p, plen, -1);
		expect_refused(dh, v, plen, "p-1");
		modp_value(v, p, plen, 0);
		expect_refused(dh, v, plen, "p");
		modp_value(v, p, plen, 1);
		expect_refused(dh, v, plen, "p+1");
		memset(v, 0xff, plen);
		expect_refused(dh, v, plen, "2^n-1");
		/* Right value, wrong length: one byte short, or a leading zero too many. */
		expect_refused(dh, good + 1, plen - 1, "short value");
		v[0] = 0;
		memcpy(v + 1, good, plen);
		expect_refused(dh, v, plen + 1, "long value");
		expect_refused(dh, good, 0, "empty value");
		if (groups[n] == CRYPTO_DH_MODP2048_256) {
			/* RFC 6989 2.2: in range but outside the order-q subgroup (2^q != 1). */
			memset(v, 0, plen);
			v[plen - 1] = 2;
			expect_refused(dh, v, plen, "2, not in the subgroup");
		} else {
			/* 2 is the generator of the safe-prime groups: accepted. */
			memset(v, 0, plen);
			v[plen - 1] = 2;
			cr_assert_eq(crypto_dh_derive(dh, v, plen, &s), 0);
			secret_free(s);
		}
		/* And after all the refusals the genuine value still works. */
		cr_assert_eq(crypto_dh_derive(dh, good, plen, &s), 0);
		secret_free(s);
		crypto_dh_free(dh);
		crypto_dh_free(other);
		free(p);
	}
}

Test(dh, ecp_peer_validation)
{
	static const enum crypto_dh_group groups[] = {CRYPTO_DH_ECP256, CRYPTO_DH_ECP384};

	for (size_t n = 0; n < 2; n++) {
		size_t len = crypto_dh_public_len(groups[n]);
		uint8_t good[96], v[97];
		struct crypto_dh *dh, *other;
		struct secret *s;

		cr_assert_eq(crypto_dh_new(&dh, groups[n]), 0);
		cr_assert_eq(crypto_dh_new(&other, groups[n]), 0);
		cr_assert_eq(crypto_dh_public(other, good, sizeof(good)), 0);

		/* Off the curve: every single-bit change of y. */
		for (size_t bit = 0; bit < 8 * len / 2; bit += 5) {
			memcpy(v, good, len);
			v[len / 2 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_refused(dh, v, len, "point off the curve (y)");
		}
		memcpy(v, good, len);
		v[0] ^= 0x40;
		expect_refused(dh, v, len, "point off the curve (x)");
		memset(v, 0, len);
		expect_refused(dh, v, len, "(0, 0)");
		memset(v, 0xff, len);
		expect_refused(dh, v, len, "coordinates beyond the field");
		/* RFC 5903 7 has no prefix: a SEC1 04 | x | y is the wrong length. */
		v[0] = 0x04;
		memcpy(v + 1, good, len);
		expect_refused(dh, v, len + 1, "SEC1 encoding with 0x04");
		expect_refused(dh, good, len - 1, "short value");
		expect_refused(dh, good, len / 2, "x alone");

		cr_assert_eq(crypto_dh_derive(dh, good, len, &s), 0);
		secret_free(s);
		crypto_dh_free(dh);
		crypto_dh_free(other);
	}
}

Test(dh, x25519_peer_validation)
{
	/* Low-order u-coordinates: 0, 1 and p-1 = 2^255-20, little-endian (RFC 7748 6.1). */
	static const char *const low_order[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t good[32];
	struct crypto_dh *dh, *other;
	struct secret *s;

	cr_assert_eq(crypto_dh_new(&dh, CRYPTO_DH_CURVE25519), 0);
	cr_assert_eq(crypto_dh_new(&other, CRYPTO_DH_CURVE25519), 0);
	cr_assert_eq(crypto_dh_public(other, good, sizeof(good)), 0);
	for (size_t n = 0; n < 3; n++) {
		size_t len;
		uint8_t *u = dec(low_order[n], &len);

		expect_refused(dh, u, len, low_order[n]);
		free(u);
	}
	expect_refused(dh, good, 31, "short value");
	cr_assert_eq(crypto_dh_derive(dh, good, 32, &s), 0);
	secret_free(s);
	crypto_dh_free(dh);
	crypto_dh_free(other);
}
