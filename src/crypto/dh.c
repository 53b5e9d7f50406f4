/* SPDX-License-Identifier: MIT */
/*
 * dh: IKEv2 key exchange (RFC 7296 1.2, 3.4). MODP groups 2 (RFC 2409 6.2), 14 (RFC 3526 3) and
 * 24 (RFC 5114 2.3) in constant-time BIGNUM arithmetic; ECP groups 19/20 (RFC 5903) and
 * Curve25519 (RFC 8031) through EVP_PKEY. Peer values are validated before use: RFC 6989 2.1
 * range checks (and the subgroup check for group 24), on-curve points, non-zero X25519 results.
 */
#include "crypto/dh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

struct crypto_dh {
	enum crypto_dh_group group;
	/* MODP: prime, subgroup order (group 24 only), generator, private and public values. */
	BIGNUM *p, *q, *g, *x, *y;
	/* ECP and Curve25519: the key pair. */
	EVP_PKEY *pkey;
};

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_info {
	enum crypto_dh_group group;
	enum dh_kind kind;
	const char *name;
	size_t public_len, shared_len;
	const char *curve; /* OpenSSL group name for ECP */
	int nid;
};

static const struct dh_info dh_infos[] = {
	{CRYPTO_DH_MODP1024, DH_MODP, "MODP_1024", 128, 128, NULL, 0},
	{CRYPTO_DH_MODP2048, DH_MODP, "MODP_2048", 256, 256, NULL, 0},
	{CRYPTO_DH_MODP2048_256, DH_MODP, "MODP_2048_256", 256, 256, NULL, 0},
	/* RFC 5903 7: the KE data is x | y, each as long as the field; the secret is x. */
	{CRYPTO_DH_ECP256, DH_ECP, "ECP_256", 64, 32, "P-256", NID_X9_62_prime256v1},
	{CRYPTO_DH_ECP384, DH_ECP, "ECP_384", 96, 48, "P-384", NID_secp384r1},
	{CRYPTO_DH_CURVE25519, DH_X25519, "CURVE_25519", 32, 32, NULL, 0},
};

static const struct dh_info *dh_info_find(unsigned int group)
{
	for (size_t i = 0; i < sizeof(dh_infos) / sizeof(dh_infos[0]); i++) {
		if ((unsigned int)dh_infos[i].group == group)
			return &dh_infos[i];
	}
	return NULL;
}

bool crypto_dh_supported(uint16_t group)
{
	return dh_info_find(group) != NULL;
}

const char *crypto_dh_name(enum crypto_dh_group group)
{
	const struct dh_info *info = dh_info_find(group);

	return info ? info->name : "unknown";
}

size_t crypto_dh_public_len(enum crypto_dh_group group)
{
	const struct dh_info *info = dh_info_find(group);

	return info ? info->public_len : 0;
}

size_t crypto_dh_shared_len(enum crypto_dh_group group)
{
	const struct dh_info *info = dh_info_find(group);

	return info ? info->shared_len : 0;
}

enum crypto_dh_group crypto_dh_group(const struct crypto_dh *dh)
{
	return dh->group;
}

void crypto_dh_free(struct crypto_dh *dh)
{
	if (!dh)
		return;
	BN_free(dh->p);
	BN_free(dh->q);
	BN_free(dh->g);
	/* BN_clear_free wipes the private exponent; EVP_PKEY_free wipes EC and X25519 keys. */
	BN_clear_free(dh->x);
	BN_free(dh->y);
	EVP_PKEY_free(dh->pkey);
	free(dh);
}

/* ---- MODP -------------------------------------------------------------------------------- */

/* p, g (and q for group 24) of a MODP group. */
static int modp_load_params(struct crypto_dh *dh)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *params = NULL;
	OSSL_PARAM name[2];
	int ret = -ENOMEM;

	switch (dh->group) {
	case CRYPTO_DH_MODP1024:
		/* RFC 2409 6.2, the Second Oakley Group, generator 2. */
		dh->p = BN_get_rfc2409_prime_1024(NULL);
		dh->g = BN_new();
		if (!dh->p || !dh->g || !BN_set_word(dh->g, 2))
			goto out;
		break;
	case CRYPTO_DH_MODP2048:
		/* RFC 3526 3, the 2048-bit MODP Group, generator 2. */
		dh->p = BN_get_rfc3526_prime_2048(NULL);
		dh->g = BN_new();
		if (!dh->p || !dh->g || !BN_set_word(dh->g, 2))
			goto out;
		break;
	case CRYPTO_DH_MODP2048_256:
		/* RFC 5114 2.3 is OpenSSL's named group dh_2048_256; take p, q and g from it. */
		ret = -EIO;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		name[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							   (char *)"dh_2048_256", 0);
		name[1] = OSSL_PARAM_construct_end();
		if (!pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
		    EVP_PKEY_fromdata(pctx, &params, EVP_PKEY_KEY_PARAMETERS, name) != 1)
			goto out;
		if (EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &dh->p) != 1 ||
		    EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_Q, &dh->q) != 1 ||
		    EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &dh->g) != 1)
			goto out;
		break;
	default:
		ret = -ENOTSUP;
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(pctx);
	return ret;
}

/* y = g^x mod p, with the exponent treated as secret. */
static int modp_compute_public(struct crypto_dh *dh)
{
	BN_CTX *ctx = BN_CTX_new();
	int ret = -ENOMEM;

	dh->y = BN_new();
	if (!ctx || !dh->y)
		goto out;
	ret = -EIO;
	if (!BN_mod_exp_mont_consttime(dh->y, dh->g, dh->x, dh->p, ctx, NULL))
		goto out;
	ret = 0;
out:
	BN_CTX_free(ctx);
	return ret;
}

/* The range a private value must lie in: [1, q-1] for group 24, [2, p-2] otherwise. */
static bool modp_private_ok(const struct crypto_dh *dh, const BIGNUM *x)
{
	BIGNUM *limit = BN_dup(dh->q ? dh->q : dh->p);
	bool ok = false;

	if (!limit)
		return false;
	if (dh->q)
		ok = !BN_is_zero(x) && BN_cmp(x, limit) < 0;
	else
		ok = BN_sub_word(limit, 1) && BN_cmp(x, BN_value_one()) > 0 && BN_cmp(x, limit) < 0;
	BN_free(limit);
	return ok;
}

static int modp_new(struct crypto_dh *dh, const uint8_t *priv, size_t privlen)
{
	BIGNUM *range = NULL;
	int ret;

	ret = modp_load_params(dh);
	if (ret)
		return ret;
	ret = -ENOMEM;
	dh->x = BN_secure_new();
	if (!dh->x)
		goto out;
	BN_set_flags(dh->x, BN_FLG_CONSTTIME);
	if (priv) {
		ret = -EINVAL;
		if (privlen == 0 || privlen > crypto_dh_public_len(dh->group) ||
		    !BN_bin2bn(priv, (int)privlen, dh->x) || !modp_private_ok(dh, dh->x))
			goto out;
	} else {
		/*
		 * Uniform in [1, q-1] for the prime-order subgroup of group 24 (RFC 5114 2.3), in
		 * [2, p-2] for the safe-prime groups: full-length exponents, the conservative
		 * choice RFC 3526 8 leaves open.
		 */
		ret = -ENOMEM;
		range = BN_dup(dh->q ? dh->q : dh->p);
		if (!range)
			goto out;
		ret = -EIO;
		if (!BN_sub_word(range, dh->q ? 1 : 3) || !BN_priv_rand_range(dh->x, range) ||
		    !BN_add_word(dh->x, dh->q ? 1 : 2))
			goto out;
	}
	ret = modp_compute_public(dh);
out:
	BN_free(range);
	return ret;
}

/*
 * RFC 6989 2.1: 1 < y < p-1, which excludes the elements of order 1 and 2; for group 24, whose
 * prime is not safe, also y^q = 1 mod p (the element lies in the order-q subgroup).
 */
static bool modp_peer_ok(const struct crypto_dh *dh, const BIGNUM *y, BN_CTX *ctx)
{
	BIGNUM *pm1 = BN_dup(dh->p), *t = NULL;
	bool ok = false;

	if (!pm1 || !BN_sub_word(pm1, 1))
		goto out;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	if (dh->q) {
		t = BN_new();
		if (!t || !BN_mod_exp(t, y, dh->q, dh->p, ctx) || !BN_is_one(t))
			goto out;
	}
	ok = true;
out:
	BN_free(pm1);
	BN_free(t);
	return ok;
}

static int modp_derive(struct crypto_dh *dh, const uint8_t *peer, size_t peerlen,
		       struct secret **shared)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *y = BN_new(), *z = BN_secure_new();
	struct secret *s = NULL;
	int ret = -ENOMEM;

	if (!ctx || !y || !z)
		goto out;
	ret = -EINVAL;
	if (!BN_bin2bn(peer, (int)peerlen, y) || !modp_peer_ok(dh, y, ctx))
		goto out;
	ret = -EIO;
	if (!BN_mod_exp_mont_consttime(z, y, dh->x, dh->p, ctx, NULL))
		goto out;
	/* With a validated peer value this cannot happen; refuse rather than key from it. */
	ret = -EINVAL;
	if (BN_is_one(z) || BN_is_zero(z))
		goto out;
	ret = -ENOMEM;
	s = secret_new(crypto_dh_shared_len(dh->group));
	if (!s)
		goto out;
	/* RFC 7296 2.14: g^ir is as long as the prime, leading zeros kept. */
	ret = -EIO;
	if (BN_bn2binpad(z, s->data, (int)s->len) != (int)s->len)
		goto out;
	*shared = s;
	s = NULL;
	ret = 0;
out:
	secret_free(s);
	BN_clear_free(z);
	BN_free(y);
	BN_CTX_free(ctx);
	return ret;
}

/* ---- ECP --------------------------------------------------------------------------------- */

/* An EC key from its group name and uncompressed point (and private scalar, if any). */
static int ecp_pkey_from(const struct dh_info *info, const uint8_t *point, size_t pointlen,
			 const BIGNUM *priv, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int ret = -ENOMEM;

	if (!bld)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, info->curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, pointlen) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !pctx)
		goto out;
	/* Decoding the point checks that it lies on the curve (and is not the point at infinity).
	 */
	ret = -EINVAL;
	if (EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) !=
		    1)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ret;
}

/* A key pair from a known scalar: the public point is i*G, computed here. */
static int ecp_from_private(struct crypto_dh *dh, const struct dh_info *info, const uint8_t *priv,
			    size_t privlen)
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(info->nid);
	EC_POINT *pub = NULL;
	BIGNUM *d = BN_secure_new();
	BN_CTX *ctx = BN_CTX_new();
	uint8_t point[1 + 2 * 66];
	size_t pointlen;
	int ret = -ENOMEM;

	if (!group || !d || !ctx)
		goto out;
	pub = EC_POINT_new(group);
	if (!pub)
		goto out;
	ret = -EINVAL;
	if (privlen != info->shared_len || !BN_bin2bn(priv, (int)privlen, d) || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
		goto out;
	ret = -EIO;
	if (!EC_POINT_mul(group, pub, d, NULL, NULL, ctx))
		goto out;
	pointlen = EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point,
				      sizeof(point), ctx);
	if (pointlen != 1 + info->public_len)
		goto out;
	ret = ecp_pkey_from(info, point, pointlen, d, &dh->pkey);
out:
	BN_CTX_free(ctx);
	BN_clear_free(d);
	EC_POINT_free(pub);
	EC_GROUP_free(group);
	return ret;
}

static int ecp_public(const struct crypto_dh *dh, const struct dh_info *info, uint8_t *out)
{
	uint8_t point[1 + 2 * 66];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
					    &len) != 1)
		return -EIO;
	/* RFC 5903 7: x | y without the SEC1 0x04 prefix OpenSSL encodes. */
	if (len != 1 + info->public_len || point[0] != POINT_CONVERSION_UNCOMPRESSED)
		return -EIO;
	memcpy(out, point + 1, info->public_len);
	return 0;
}

/* ---- EVP key agreement (ECP, X25519) ------------------------------------------------------ */

static int pkey_derive(struct crypto_dh *dh, const struct dh_info *info, EVP_PKEY *peer,
		       struct secret **shared)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	struct secret *s = secret_new(info->shared_len);
	size_t len = info->shared_len;
	uint8_t acc = 0;
	int ret = -ENOMEM;

	if (!ctx || !s)
		goto out;
	ret = -EIO;
	if (EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	/* set_peer validates the peer key (EVP_PKEY_public_check) before accepting it. */
	ret = -EINVAL;
	if (EVP_PKEY_derive_set_peer(ctx, peer) != 1)
		goto out;
	/* OpenSSL refuses an all-zero X25519 result (RFC 7748 6.1) by failing here. */
	if (EVP_PKEY_derive(ctx, s->data, &len) != 1 || len != info->shared_len)
		goto out;
	/* And so do we, in case a library version does not: a low-order peer point (RFC 8031 2). */
	for (size_t i = 0; i < len; i++)
		acc |= s->data[i];
	if (acc == 0)
		goto out;
	*shared = s;
	s = NULL;
	ret = 0;
out:
	secret_free(s);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

static int pkey_derive_from_peer(struct crypto_dh *dh, const struct dh_info *info,
				 const uint8_t *peer, struct secret **shared)
{
	uint8_t point[1 + 2 * 66];
	EVP_PKEY *pk = NULL;
	int ret;

	if (info->kind == DH_ECP) {
		point[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(point + 1, peer, info->public_len);
		ret = ecp_pkey_from(info, point, 1 + info->public_len, NULL, &pk);
		if (ret)
			return ret;
	} else {
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, info->public_len);
		if (!pk)
			return -EINVAL;
	}
	ret = pkey_derive(dh, info, pk, shared);
	EVP_PKEY_free(pk);
	return ret;
}

/* ---- public API ------------------------------------------------------------------------- */

static int dh_create(struct crypto_dh **out, enum crypto_dh_group group, const uint8_t *priv,
		     size_t privlen)
{
	const struct dh_info *info = dh_info_find(group);
	struct crypto_dh *dh = NULL;
	int ret = -ENOTSUP;

	*out = NULL;
	if (!info)
		goto out;
	ret = -ENOMEM;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		goto out;
	dh->group = group;
	switch (info->kind) {
	case DH_MODP:
		ret = modp_new(dh, priv, privlen);
		break;
	case DH_ECP:
		if (priv) {
			ret = ecp_from_private(dh, info, priv, privlen);
		} else {
			dh->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", info->curve);
			ret = dh->pkey ? 0 : -EIO;
		}
		break;
	case DH_X25519:
		if (priv) {
			/* RFC 7748 5: any 32 bytes are a scalar; clamping happens in the ladder. */
			ret = -EINVAL;
			if (privlen != 32)
				break;
			dh->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, 32);
			ret = dh->pkey ? 0 : -EIO;
		} else {
			dh->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
			ret = dh->pkey ? 0 : -EIO;
		}
		break;
	}
	if (ret)
		goto out;
	*out = dh;
	dh = NULL;
out:
	crypto_dh_free(dh);
	return ret;
}

int crypto_dh_new(struct crypto_dh **out, enum crypto_dh_group group)
{
	return dh_create(out, group, NULL, 0);
}

int crypto_dh_new_from_private(struct crypto_dh **out, enum crypto_dh_group group,
			       const uint8_t *priv, size_t privlen)
{
	if (!priv) {
		*out = NULL;
		return -EINVAL;
	}
	return dh_create(out, group, priv, privlen);
}

int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t outlen)
{
	const struct dh_info *info = dh_info_find(dh->group);
	size_t len;

	if (outlen < info->public_len)
		return -ENOSPC;
	switch (info->kind) {
	case DH_MODP:
		/* RFC 7296 3.4: the KE data is left-padded with zeros to the prime's length. */
		return BN_bn2binpad(dh->y, out, (int)info->public_len) == (int)info->public_len
			       ? 0
			       : -EIO;
	case DH_ECP:
		return ecp_public(dh, info, out);
	case DH_X25519:
		len = info->public_len;
		if (EVP_PKEY_get_raw_public_key(dh->pkey, out, &len) != 1 ||
		    len != info->public_len)
			return -EIO;
		return 0;
	}
	return -EIO;
}

int crypto_dh_derive(struct crypto_dh *dh, const uint8_t *peer, size_t peerlen,
		     struct secret **shared)
{
	const struct dh_info *info = dh_info_find(dh->group);

	*shared = NULL;
	/* RFC 7296 3.4 / RFC 5903 7 / RFC 8031 2: a KE payload of any other length is invalid. */
	if (!peer || peerlen != info->public_len)
		return -EINVAL;
	if (info->kind == DH_MODP)
		return modp_derive(dh, peer, peerlen, shared);
	return pkey_derive_from_peer(dh, info, peer, shared);
}
