/* SPDX-License-Identifier: MIT */
/*
 * esp_sa: one direction of an ESP SA. Checks the algorithm combination and key lengths
 * (RFC 4106 8.1: GCM keying material is the key followed by a 4-byte salt; RFC 2404/4868 HMAC
 * key lengths), prepares the crypto contexts once, and keeps the lifetime state (RFC 4301
 * 4.4.2.1: soft limit -> rekey, hard limit -> no more packets) and the counters.
 */
#include "esp/sa_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "esp/esp_testing.h"

static const char *const drop_names[ESP_DROP__COUNT] = {
	[ESP_DROP_NONE] = "none",
	[ESP_DROP_TRUNCATED] = "truncated",
	[ESP_DROP_BAD_LENGTH] = "bad-length",
	[ESP_DROP_BAD_OUTER] = "bad-outer-header",
	[ESP_DROP_NOT_ESP] = "not-esp",
	[ESP_DROP_NO_SA] = "no-sa",
	[ESP_DROP_REPLAY] = "replay",
	[ESP_DROP_ICV] = "icv",
	[ESP_DROP_BAD_PADDING] = "bad-padding",
	[ESP_DROP_BAD_NEXT_HEADER] = "bad-next-header",
	[ESP_DROP_DUMMY] = "dummy",
	[ESP_DROP_BAD_INNER] = "bad-inner-packet",
	[ESP_DROP_LIFETIME] = "lifetime-expired",
	[ESP_DROP_SEQ_EXHAUSTED] = "seq-exhausted",
	[ESP_DROP_NO_ROOM] = "no-room",
	[ESP_DROP_CRYPTO] = "crypto-failure",
	[ESP_DROP_INVALID] = "invalid-call",
};

const char *esp_drop_name(enum esp_drop d)
{
	if ((unsigned)d >= ESP_DROP__COUNT || !drop_names[d])
		return "unknown";
	return drop_names[d];
}

static size_t key_len(const struct secret *s)
{
	return s ? s->len : 0;
}

/* The integrity algorithm in crypto's terms, its key length checked. */
static int sa_prepare_integ(struct esp_sa *sa, const struct esp_sa_params *p)
{
	enum crypto_integ_alg alg;

	switch (p->integ) {
	case ESP_INTEG_NONE:
		return key_len(p->integ_key) == 0 ? 0 : -EINVAL;
	case ESP_INTEG_HMAC_SHA1_96:
		alg = CRYPTO_INTEG_HMAC_SHA1_96;
		break;
	case ESP_INTEG_HMAC_SHA2_256_128:
		alg = CRYPTO_INTEG_HMAC_SHA2_256_128;
		break;
	default:
		return -EINVAL;
	}
	if (key_len(p->integ_key) != crypto_integ_key_len(alg))
		return -EINVAL;
	sa->icv_len = (uint8_t)crypto_integ_icv_len(alg);
	return crypto_integ_new(&sa->hmac, alg, p->integ_key->data, p->integ_key->len);
}

static int sa_prepare_enc(struct esp_sa *sa, const struct esp_sa_params *p)
{
	size_t klen = key_len(p->enc_key);
	int r;

	switch (p->enc) {
	case ESP_ENC_NULL:
		/* RFC 4303 3.2: NULL encryption needs integrity. */
		if (klen != 0 || p->integ == ESP_INTEG_NONE)
			return -EINVAL;
		sa->iv_len = 0;
		sa->align = 4;
		return 0;
	case ESP_ENC_AES_GCM_16:
		/* GCM authenticates itself; a separate integrity algorithm is not negotiated. */
		if (p->integ != ESP_INTEG_NONE || (klen != 20 && klen != 28 && klen != 36))
			return -EINVAL;
		r = crypto_aead_new(&sa->aead, p->enc_key->data, klen - 4);
		if (r < 0)
			return r;
		memcpy(sa->nonce, p->enc_key->data + klen - 4, 4);
		sa->iv_len = 8; /* RFC 4106 3.1 */
		sa->align = 4;	/* RFC 4106 3.2: GCM needs no block padding, ESP wants 4 */
		sa->icv_len = CRYPTO_AEAD_ICV_LEN;
		return 0;
	case ESP_ENC_AES_CBC:
		if (p->integ == ESP_INTEG_NONE || (klen != 16 && klen != 24 && klen != 32))
			return -EINVAL;
		sa->iv_len = sa->align = 16;
		return crypto_cipher_new(&sa->cipher, CRYPTO_CIPHER_AES_CBC, p->enc_key->data,
					 klen);
	case ESP_ENC_3DES_CBC:
		if (p->integ == ESP_INTEG_NONE || klen != 24)
			return -EINVAL;
		sa->iv_len = sa->align = 8;
		return crypto_cipher_new(&sa->cipher, CRYPTO_CIPHER_3DES_CBC, p->enc_key->data,
					 klen);
	}
	return -EINVAL;
}

int esp_sa_new(struct esp_sa **out, const struct esp_sa_params *p)
{
	struct esp_sa *sa;
	int r;

	*out = NULL;
	/* RFC 4303 2.1: SPIs 1-255 are reserved by IANA and 0 never appears on the wire. */
	if (p->spi < 256 || (p->dir != ESP_DIR_IN && p->dir != ESP_DIR_OUT))
		return -EINVAL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sa->spi = p->spi;
	sa->dir = p->dir;
	sa->enc = p->enc;
	sa->integ = p->integ;
	sa->esn = p->esn;
	sa->life = p->life;
	esp_replay_init(&sa->replay);
	r = sa_prepare_enc(sa, p);
	if (r == 0)
		r = sa_prepare_integ(sa, p);
	if (r == 0 && sa->cipher && sa->dir == ESP_DIR_OUT) {
		sa->iv_pool = malloc(ESP_IV_POOL_LEN);
		r = sa->iv_pool ? crypto_rand(sa->iv_pool, ESP_IV_POOL_LEN) : -ENOMEM;
	}
	if (r < 0) {
		esp_sa_free(sa);
		return r;
	}
	*out = sa;
	return 0;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	crypto_aead_free(sa->aead);
	crypto_cipher_free(sa->cipher);
	crypto_integ_free(sa->hmac);
	if (sa->iv_pool) {
		secret_wipe(sa->iv_pool, ESP_IV_POOL_LEN);
		free(sa->iv_pool);
	}
	secret_wipe(sa, sizeof(*sa));
	free(sa);
}

struct esp_sa_tag *esp_sa_tag(struct esp_sa *sa)
{
	return &sa->tag;
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

enum esp_dir esp_sa_dir(const struct esp_sa *sa)
{
	return sa->dir;
}

const struct esp_counters *esp_sa_counters(const struct esp_sa *sa)
{
	return &sa->ctr;
}

uint64_t esp_sa_seq(const struct esp_sa *sa)
{
	return sa->dir == ESP_DIR_OUT ? sa->seq : sa->replay.top;
}

enum esp_life esp_sa_life(const struct esp_sa *sa)
{
	return sa->life_state;
}

size_t esp_sa_headroom(const struct esp_sa *sa)
{
	return 8 + (size_t)sa->iv_len;
}

size_t esp_sa_tailroom(const struct esp_sa *sa)
{
	return (size_t)sa->align - 1 + 2 + sa->icv_len;
}

static bool reached(uint64_t limit, uint64_t value)
{
	return limit && value >= limit;
}

enum esp_life esp_sa_account(struct esp_sa *sa, size_t inner_len)
{
	enum esp_life now = ESP_LIFE_OK;

	sa->ctr.packets++;
	sa->ctr.bytes += inner_len;
	if (reached(sa->life.hard_packets, sa->ctr.packets) ||
	    reached(sa->life.hard_bytes, sa->ctr.bytes))
		now = ESP_LIFE_HARD;
	else if (reached(sa->life.soft_packets, sa->ctr.packets) ||
		 reached(sa->life.soft_bytes, sa->ctr.bytes))
		now = ESP_LIFE_SOFT;
	if (now <= sa->life_state)
		return ESP_LIFE_OK;
	sa->life_state = now;
	return now;
}

bool esp_sa_expired(const struct esp_sa *sa)
{
	return sa->life_state == ESP_LIFE_HARD;
}

void esp_sa_test_set_seq(struct esp_sa *sa, uint64_t seq)
{
	sa->seq = seq;
}

void esp_sa_test_mark_received(struct esp_sa *sa, uint64_t seq)
{
	esp_replay_update(&sa->replay, seq);
}
