/* SPDX-License-Identifier: MIT */
/*
 * sk: the SK payload (RFC 7296 3.14): IV | encrypted (payloads | padding | pad length) | ICV.
 * CBC ciphers with an HMAC are encrypt-then-MAC with the ICV over the whole message before it,
 * checked before anything is decrypted; AES-GCM-16 follows RFC 5282 (nonce = salt | explicit IV,
 * AAD = the message up to and including the SK generic header, 16-byte ICV).
 */
#include "ike/sk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/rand.h"
#include "ike/alg.h"

struct ike_sk {
	bool aead;
	size_t iv_len;	  /* CBC: the block size; GCM: 8 */
	size_t block_len; /* what the encrypted part is padded to */
	size_t icv_len;
	struct crypto_cipher *cipher;
	struct crypto_integ *integ;
	struct crypto_aead *gcm;
	uint8_t salt[IKE_GCM_SALT_LEN];
	/* RFC 5282 3.1: the explicit IV must never repeat under a key; a counter guarantees it. */
	uint64_t gcm_iv;
};

int ike_sk_new(struct ike_sk **out, uint16_t encr, uint16_t keybits, uint16_t integ,
	       const struct secret *sk_e, const struct secret *sk_a)
{
	size_t elen = ike_alg_encr_key_len(encr, keybits);
	enum crypto_cipher_alg calg;
	enum crypto_integ_alg ialg;
	struct ike_sk *sk;
	int r;

	*out = NULL;
	if (elen == 0)
		return -ENOTSUP;
	if (!sk_e || sk_e->len != elen)
		return -EINVAL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -ENOMEM;
	if (ike_alg_encr_is_aead(encr)) {
		r = -EINVAL;
		if (integ != IKE_INTEG_NONE || sk_a)
			goto out;
		sk->aead = true;
		sk->iv_len = IKE_GCM_IV_LEN;
		sk->block_len = 1; /* a stream mode: only the pad length octet is needed */
		sk->icv_len = CRYPTO_AEAD_ICV_LEN;
		/* RFC 5282 7.1: the salt is the last 4 octets of SK_e. */
		memcpy(sk->salt, sk_e->data + elen - IKE_GCM_SALT_LEN, IKE_GCM_SALT_LEN);
		r = crypto_aead_new(&sk->gcm, sk_e->data, elen - IKE_GCM_SALT_LEN);
		goto out;
	}
	r = ike_alg_cipher(encr, keybits, &calg);
	r = r ?: ike_alg_integ(integ, &ialg);
	if (r)
		goto out;
	r = -EINVAL;
	if (!sk_a || sk_a->len != ike_alg_integ_key_len(integ))
		goto out;
	sk->iv_len = crypto_cipher_block_len(calg);
	sk->block_len = sk->iv_len;
	sk->icv_len = crypto_integ_icv_len(ialg);
	r = crypto_cipher_new(&sk->cipher, calg, sk_e->data, sk_e->len);
	r = r ?: crypto_integ_new(&sk->integ, ialg, sk_a->data, sk_a->len);
out:
	if (r) {
		ike_sk_free(sk);
		return r;
	}
	*out = sk;
	return 0;
}

void ike_sk_free(struct ike_sk *sk)
{
	if (!sk)
		return;
	crypto_cipher_free(sk->cipher);
	crypto_integ_free(sk->integ);
	crypto_aead_free(sk->gcm);
	secret_wipe(sk, sizeof(*sk));
	free(sk);
}

size_t ike_sk_overhead(const struct ike_sk *sk)
{
	return IKE_PLD_HDR_LEN + sk->iv_len + sk->block_len + sk->icv_len;
}

/* ---- sealing (the writer) ------------------------------------------------------------------- */

/* Where absolute position pos of a writer is in memory (pos at or after the head). */
static uint8_t *wpos(struct buf *b, size_t pos)
{
	return buf_data_mut(b) + (pos - buf_head_pos(b));
}

int ike_msg_write_sk_begin(struct ike_msg_writer *w, struct ike_sk *sk)
{
	int r;

	if (w->err)
		return w->err;
	if (w->sk || !sk)
		return w->err = -EINVAL;
	/* The SK generic header's Next Payload receives the first inner payload's type. */
	r = ike_msg_write_pld_begin(w, IKE_PLD_SK, false);
	if (r)
		return r;
	w->pld_open = false;
	w->sk = sk;
	w->sk_pos = w->pld_pos;
	if (!buf_put_reserve(w->out, sk->iv_len))
		return w->err = -ENOSPC;
	w->plain_pos = buf_tail_pos(w->out);
	return 0;
}

static void be64_to(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

int ike_sk_seal(struct ike_msg_writer *w)
{
	struct ike_sk *sk = w->sk;
	struct buf *out = w->out;
	size_t plain_len = buf_tail_pos(out) - w->plain_pos;
	size_t pad = (sk->block_len - (plain_len + 1) % sk->block_len) % sk->block_len;
	size_t ct_len, sk_len, total;
	uint8_t *iv, *ct, *icv;
	int r;

	r = buf_put_fill(out, 0, pad);
	r = r ?: buf_put_u8(out, (uint8_t)pad);
	if (r)
		return r;
	ct_len = plain_len + pad + 1;
	if (!buf_put_reserve(out, sk->icv_len))
		return -ENOSPC;
	sk_len = buf_tail_pos(out) - w->sk_pos;
	total = buf_tail_pos(out) - w->start;
	if (sk_len > UINT16_MAX || total > UINT32_MAX)
		return -ENOSPC;
	/* Lengths first: the ICV (CBC) or the AAD (GCM) covers the header and SK's own header. */
	r = buf_set_be16(out, w->sk_pos + 2, (uint16_t)sk_len);
	r = r ?: buf_set_be32(out, w->start + 24, (uint32_t)total);
	if (r)
		return r;
	iv = wpos(out, w->plain_pos - sk->iv_len);
	ct = wpos(out, w->plain_pos);
	icv = ct + ct_len;
	if (sk->aead) {
		uint8_t nonce[CRYPTO_AEAD_NONCE_LEN];
		const uint8_t *aad = wpos(out, w->start);

		be64_to(iv, sk->gcm_iv++);
		memcpy(nonce, sk->salt, IKE_GCM_SALT_LEN);
		memcpy(nonce + IKE_GCM_SALT_LEN, iv, IKE_GCM_IV_LEN);
		return crypto_aead_seal(sk->gcm, nonce, aad, w->sk_pos + IKE_PLD_HDR_LEN - w->start,
					ct, ct, ct_len, icv);
	}
	/* 3.14: CBC IVs must be unpredictable, hence random. */
	r = crypto_rand(iv, sk->iv_len);
	r = r ?: crypto_cipher_encrypt(sk->cipher, iv, ct, ct, ct_len);
	r = r ?: crypto_integ_begin(sk->integ);
	r = r ?: crypto_integ_update(sk->integ, wpos(out, w->start), total - sk->icv_len);
	return r ?: crypto_integ_end(sk->integ, icv);
}

/* ---- opening -------------------------------------------------------------------------------- */

static int drop(struct ike_parse_err *err, const char *why, size_t off)
{
	memset(err, 0, sizeof(*err));
	err->why = why;
	err->off = off;
	return -EBADMSG;
}

int ike_msg_decrypt(struct ike_msg *m, const struct ike_sk *sk, struct buf *plain,
		    struct ike_parse_err *err)
{
	struct buf body = m->sk_body, iv_view, ct_view, icv_view, covered, pv;
	size_t left = buf_left(&body), ct_len, aad_len = m->sk_off + IKE_PLD_HDR_LEN;
	uint8_t *pt;
	uint8_t pad;
	int r;

	if (!m->has_sk || m->decrypted)
		return drop(err, "no SK payload to decrypt", 0);
	if (left < sk->iv_len + sk->icv_len + 1)
		return drop(err, "SK payload shorter than IV and ICV", m->sk_off);
	ct_len = left - sk->iv_len - sk->icv_len;
	if (ct_len % sk->block_len)
		return drop(err, "SK ciphertext not a multiple of the block size", m->sk_off);
	buf_get_sub(&body, sk->iv_len, &iv_view);
	buf_get_sub(&body, ct_len, &ct_view);
	buf_get_sub(&body, sk->icv_len, &icv_view);
	pt = buf_put_reserve(plain, ct_len);
	if (!pt)
		return drop(err, "no room for the SK plaintext", m->sk_off);

	if (sk->aead) {
		uint8_t nonce[CRYPTO_AEAD_NONCE_LEN];

		memcpy(nonce, sk->salt, IKE_GCM_SALT_LEN);
		memcpy(nonce + IKE_GCM_SALT_LEN, buf_data(&iv_view), IKE_GCM_IV_LEN);
		r = crypto_aead_open(sk->gcm, nonce, buf_data(&m->raw), aad_len, buf_data(&ct_view),
				     pt, ct_len, buf_data(&icv_view));
	} else {
		/* The ICV covers everything before it, and is checked before decrypting. */
		buf_slice(&m->raw, 0, buf_left(&m->raw) - sk->icv_len, &covered);
		r = crypto_integ_begin(sk->integ);
		r = r ?: crypto_integ_update(sk->integ, buf_data(&covered), buf_left(&covered));
		r = r ?: crypto_integ_verify(sk->integ, buf_data(&icv_view));
		r = r
			    ?: crypto_cipher_decrypt(sk->cipher, buf_data(&iv_view),
						     buf_data(&ct_view), pt, ct_len);
	}
	if (r) {
		secret_wipe(pt, ct_len);
		return drop(err, "SK integrity check failed", m->sk_off);
	}

	/* From here the peer is authenticated: errors may be answered with INVALID_SYNTAX. */
	buf_init_read(&pv, pt, ct_len);
	buf_peek_u8(&pv, ct_len - 1, &pad);
	if ((size_t)pad + 1 > ct_len) {
		memset(err, 0, sizeof(*err));
		err->notify = IKE_N_INVALID_SYNTAX;
		err->why = "SK pad length exceeds the plaintext";
		err->off = m->sk_off;
		return -EPROTO;
	}
	buf_trim(&pv, (size_t)pad + 1);
	return ike_msg_parse_inner(m, m->sk_next, &pv, err);
}
