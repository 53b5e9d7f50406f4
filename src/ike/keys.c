/* SPDX-License-Identifier: MIT */
/*
 * keys: the IKEv2 key schedule. SKEYSEED and the IKE SA keys (RFC 7296 2.14), the rekeyed IKE
 * SA (2.18), child SA KEYMAT (2.17) and the shared-key AUTH payload (2.15), all over the crypto
 * layer's prf and prf+ with the inputs passed as iovecs. Lengths come from the negotiated
 * transforms via alg.c; every intermediate key is held in a secret and wiped.
 */
#include "ike/keys.h"

#include <errno.h>
#include <string.h>

#include "ike/alg.h"
#include "ike/pld.h"

static struct iovec iov_of(const struct buf *b)
{
	/* iovec has no const; the crypto layer only reads. */
	return (struct iovec){.iov_base = (void *)(uintptr_t)buf_data(b), .iov_len = buf_left(b)};
}

static struct iovec iov_secret(const struct secret *s)
{
	return (struct iovec){.iov_base = (void *)(uintptr_t)s->data, .iov_len = s->len};
}

void ike_keys_clear(struct ike_keys *k)
{
	struct secret **all[] = {&k->sk_d,  &k->sk_ai, &k->sk_ar, &k->sk_ei,
				 &k->sk_er, &k->sk_pi, &k->sk_pr};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		secret_free(*all[i]);
		*all[i] = NULL;
	}
}

void ike_child_keys_clear(struct ike_child_keys *k)
{
	struct secret **all[] = {&k->ei, &k->ai, &k->er, &k->ar};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		secret_free(*all[i]);
		*all[i] = NULL;
	}
}

int ike_keys_skeyseed(enum crypto_prf_alg prf, const struct buf *ni, const struct buf *nr,
		      const struct secret *gir, struct secret **out)
{
	/* The key is Ni | Nr: public values, so an ordinary buffer holds them. */
	uint8_t key[2 * IKE_NONCE_MAX];
	size_t nilen = buf_left(ni), nrlen = buf_left(nr);
	struct iovec data = iov_secret(gir);
	struct secret *s;
	int r;

	*out = NULL;
	if (nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX)
		return -EINVAL;
	memcpy(key, buf_data(ni), nilen);
	memcpy(key + nilen, buf_data(nr), nrlen);
	s = secret_new(crypto_prf_len(prf));
	if (!s)
		return -ENOMEM;
	r = crypto_prf(prf, key, nilen + nrlen, &data, 1, s->data);
	if (r) {
		secret_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int ike_keys_skeyseed_rekey(enum crypto_prf_alg old_prf, const struct secret *old_sk_d,
			    const struct secret *gir, const struct buf *ni, const struct buf *nr,
			    struct secret **out)
{
	struct iovec data[] = {iov_secret(gir), iov_of(ni), iov_of(nr)};
	struct secret *s = secret_new(crypto_prf_len(old_prf));
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	r = crypto_prf(old_prf, old_sk_d->data, old_sk_d->len, data, 3, s->data);
	if (r) {
		secret_free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* The next len bytes of km as a key of their own (NULL for len 0). */
static int take(struct secret **dst, const struct secret *km, size_t *off, size_t len)
{
	*dst = NULL;
	if (len == 0)
		return 0;
	if (len > km->len - *off)
		return -EINVAL;
	*dst = secret_dup(km->data + *off, len);
	if (!*dst)
		return -ENOMEM;
	*off += len;
	return 0;
}

static void be64_to(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

int ike_keys_from_skeyseed(const struct ike_suite *s, const struct secret *skeyseed,
			   const struct buf *ni, const struct buf *nr, uint64_t spi_i,
			   uint64_t spi_r, struct ike_keys *out)
{
	bool aead = ike_alg_encr_is_aead(s->encr);
	size_t prf_len, integ_len, encr_len, off = 0;
	enum crypto_prf_alg prf;
	uint8_t spis[16];
	struct iovec seed[3];
	struct secret *km = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = ike_alg_prf(s->prf, &prf);
	if (r)
		return r;
	if (aead && s->integ != IKE_INTEG_NONE)
		return -EINVAL;
	/* 2.14: SK_d, SK_pi and SK_pr are as long as the PRF's preferred key (its output). */
	prf_len = crypto_prf_len(prf);
	integ_len = aead ? 0 : ike_alg_integ_key_len(s->integ);
	encr_len = ike_alg_encr_key_len(s->encr, s->encr_keybits);
	if ((!aead && integ_len == 0) || encr_len == 0)
		return -ENOTSUP;

	be64_to(spis, spi_i);
	be64_to(spis + 8, spi_r);
	seed[0] = iov_of(ni);
	seed[1] = iov_of(nr);
	seed[2] = (struct iovec){.iov_base = spis, .iov_len = sizeof(spis)};
	r = crypto_prf_plus(prf, skeyseed->data, skeyseed->len, seed, 3,
			    3 * prf_len + 2 * integ_len + 2 * encr_len, &km);
	if (r)
		return r;
	out->prf = prf;
	r = take(&out->sk_d, km, &off, prf_len);
	r = r ?: take(&out->sk_ai, km, &off, integ_len);
	r = r ?: take(&out->sk_ar, km, &off, integ_len);
	r = r ?: take(&out->sk_ei, km, &off, encr_len);
	r = r ?: take(&out->sk_er, km, &off, encr_len);
	r = r ?: take(&out->sk_pi, km, &off, prf_len);
	r = r ?: take(&out->sk_pr, km, &off, prf_len);
	secret_free(km);
	if (r)
		ike_keys_clear(out);
	return r;
}

int ike_keys_derive(const struct ike_suite *s, const struct secret *gir, const struct buf *ni,
		    const struct buf *nr, uint64_t spi_i, uint64_t spi_r, struct ike_keys *out)
{
	enum crypto_prf_alg prf;
	struct secret *skeyseed = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = ike_alg_prf(s->prf, &prf);
	r = r ?: ike_keys_skeyseed(prf, ni, nr, gir, &skeyseed);
	r = r ?: ike_keys_from_skeyseed(s, skeyseed, ni, nr, spi_i, spi_r, out);
	secret_free(skeyseed);
	return r;
}

int ike_keys_derive_rekey(const struct ike_suite *s, const struct ike_keys *old,
			  const struct secret *gir, const struct buf *ni, const struct buf *nr,
			  uint64_t spi_i, uint64_t spi_r, struct ike_keys *out)
{
	struct secret *skeyseed = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	/* 2.18: the rekeying exchange belongs to the old SA, so its PRF makes SKEYSEED. */
	r = ike_keys_skeyseed_rekey(old->prf, old->sk_d, gir, ni, nr, &skeyseed);
	r = r ?: ike_keys_from_skeyseed(s, skeyseed, ni, nr, spi_i, spi_r, out);
	secret_free(skeyseed);
	return r;
}

int ike_keys_derive_child(const struct ike_keys *ike, uint16_t encr, uint16_t encr_keybits,
			  uint16_t integ, const struct secret *gir, const struct buf *ni,
			  const struct buf *nr, struct ike_child_keys *out)
{
	bool aead = ike_alg_encr_is_aead(encr);
	size_t encr_len = 0, integ_len = 0, off = 0, n = 0;
	struct iovec seed[3];
	struct secret *km = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (aead && integ != IKE_INTEG_NONE)
		return -EINVAL;
	if (encr != IKE_ENCR_NULL) {
		encr_len = ike_alg_encr_key_len(encr, encr_keybits);
		if (encr_len == 0)
			return -ENOTSUP;
	}
	if (integ != IKE_INTEG_NONE) {
		integ_len = ike_alg_integ_key_len(integ);
		if (integ_len == 0)
			return -ENOTSUP;
	}
	if (encr_len + integ_len == 0)
		return -EINVAL;
	if (gir)
		seed[n++] = iov_secret(gir);
	seed[n++] = iov_of(ni);
	seed[n++] = iov_of(nr);
	r = crypto_prf_plus(ike->prf, ike->sk_d->data, ike->sk_d->len, seed, n,
			    2 * (encr_len + integ_len), &km);
	if (r)
		return r;
	/* 2.17: all i->r keys first; within an SA the encryption key, then integrity. */
	r = take(&out->ei, km, &off, encr_len);
	r = r ?: take(&out->ai, km, &off, integ_len);
	r = r ?: take(&out->er, km, &off, encr_len);
	r = r ?: take(&out->ar, km, &off, integ_len);
	secret_free(km);
	if (r)
		ike_child_keys_clear(out);
	return r;
}

/* 2.15: the pad string, 17 ASCII characters without a terminating NUL. */
static const char key_pad[] = "Key Pad for IKEv2";

int ike_keys_psk_auth(const struct ike_keys *k, bool initiator, const struct secret *psk,
		      const struct buf *message, const struct buf *nonce, const struct buf *id_body,
		      uint8_t out[CRYPTO_PRF_MAX_LEN], size_t *outlen)
{
	const struct secret *sk_p = initiator ? k->sk_pi : k->sk_pr;
	size_t len = crypto_prf_len(k->prf);
	uint8_t padkey[CRYPTO_PRF_MAX_LEN], maced_id[CRYPTO_PRF_MAX_LEN];
	struct iovec pad = {.iov_base = (void *)(uintptr_t)key_pad, .iov_len = sizeof(key_pad) - 1};
	struct iovec id = iov_of(id_body);
	struct iovec octets[3];
	int r;

	*outlen = 0;
	if (!sk_p || !psk)
		return -EINVAL;
	r = crypto_prf(k->prf, psk->data, psk->len, &pad, 1, padkey);
	r = r ?: crypto_prf(k->prf, sk_p->data, sk_p->len, &id, 1, maced_id);
	if (r)
		goto out;
	/* <SignedOctets> = RealMessage | NonceData of the peer | MACedIDFor<sender> */
	octets[0] = iov_of(message);
	octets[1] = iov_of(nonce);
	octets[2] = (struct iovec){.iov_base = maced_id, .iov_len = len};
	r = crypto_prf(k->prf, padkey, len, octets, 3, out);
	if (r == 0)
		*outlen = len;
out:
	secret_wipe(padkey, sizeof(padkey));
	secret_wipe(maced_id, sizeof(maced_id));
	return r;
}
