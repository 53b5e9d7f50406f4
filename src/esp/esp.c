/* SPDX-License-Identifier: MIT */
/*
 * esp: tunnel-mode ESP packet transforms, in place (RFC 4303 3.3 outbound, 3.4 inbound).
 * AES-GCM per RFC 4106 (nonce = salt ‖ IV, AAD = SPI ‖ [ESN high] ‖ sequence), CBC + HMAC per
 * RFC 4303 3.3.2.1 (ICV over SPI..trailer, plus the ESN high bits appended), NULL + HMAC, the
 * raw-IPv4 and UDP (RFC 3948) framings. Inbound order: SPI -> replay pre-check -> ICV ->
 * decrypt -> padding -> next header -> inner length -> window update.
 */
#include "esp/esp.h"

#include <errno.h>
#include <string.h>

#include "esp/esp_testing.h"
#include "esp/sa_impl.h"
#include "esp/sad.h"

#include "crypto/rand.h"

#define ESP_HDR_LEN	8u /* SPI, sequence number */
#define ESP_NH_IPV4	4  /* IP-in-IP, RFC 4303 2.6 / IANA protocol numbers */
#define ESP_NH_IPV6	41
#define ESP_NH_DUMMY	59 /* "no next header": a dummy packet, RFC 4303 2.6 */
#define IPPROTO_ESP_NUM 50

/* RFC 4303 2.4: the default padding is 1, 2, 3, ... (we pad at most 15 bytes). */
static const uint8_t esp_pad_bytes[15] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void result_init(struct esp_result *res, struct esp_sa *sa)
{
	res->sa = sa;
	res->drop = ESP_DROP_NONE;
	res->seq = 0;
	res->life_event = ESP_LIFE_OK;
}

static int esp_drop(struct esp_sa *sa, struct esp_counters *global, struct esp_result *res,
		    enum esp_drop why, int err)
{
	if (sa)
		sa->ctr.drops[why]++;
	if (global)
		global->drops[why]++;
	res->drop = why;
	return err;
}

static void esp_delivered(struct esp_sa *sa, struct esp_counters *global, struct esp_result *res,
			  size_t inner_len)
{
	res->life_event = esp_sa_account(sa, inner_len);
	if (global) {
		global->packets++;
		global->bytes += inner_len;
	}
}

/* RFC 4106 5: AAD is SPI ‖ sequence (8 bytes), or SPI ‖ ESN high ‖ ESN low (12 bytes). */
static size_t esp_gcm_aad(const struct esp_sa *sa, uint64_t seq, uint8_t aad[12])
{
	struct buf w;

	buf_init_write(&w, aad, 12);
	buf_put_be32(&w, sa->spi);
	if (sa->esn)
		buf_put_be32(&w, (uint32_t)(seq >> 32));
	buf_put_be32(&w, (uint32_t)seq);
	return buf_tail_pos(&w);
}

/*
 * Start the HMAC over n bytes at p (SPI through trailer) and, with ESN, the high 32 bits of the
 * sequence number appended (RFC 4303 2.2.1, 3.3.2.1: authenticated but not transmitted). The
 * caller finishes with crypto_integ_end or crypto_integ_verify.
 */
static int esp_mac_feed(struct esp_sa *sa, const uint8_t *p, size_t n, uint64_t seq)
{
	int r = crypto_integ_begin(sa->hmac);

	if (r == 0)
		r = crypto_integ_update(sa->hmac, p, n);
	if (r == 0 && sa->esn) {
		uint8_t hi[4];
		struct buf w;

		buf_init_write(&w, hi, sizeof(hi));
		buf_put_be32(&w, (uint32_t)(seq >> 32));
		r = crypto_integ_update(sa->hmac, hi, sizeof(hi));
	}
	return r;
}

/* The IV for the next outbound packet into iv (sa->iv_len bytes). */
static int esp_next_iv(struct esp_sa *sa, uint64_t seq, uint8_t iv[16])
{
	struct buf w;
	int r;

	if (sa->aead) {
		/* RFC 4106 3.1: an IV never repeats under a key; nor does the sequence number. */
		buf_init_write(&w, iv, 8);
		return buf_put_be64(&w, seq);
	}
	if (sa->cipher) {
		/* RFC 3602 2.1: CBC IVs must be unpredictable: CSPRNG output, in batches. */
		if (sa->iv_pool_pos + sa->iv_len > ESP_IV_POOL_LEN) {
			r = crypto_rand(sa->iv_pool, ESP_IV_POOL_LEN);
			if (r < 0)
				return r;
			sa->iv_pool_pos = 0;
		}
		/* Each pool position is handed out once: the position only moves forward. */
		memcpy(iv, sa->iv_pool + sa->iv_pool_pos, sa->iv_len);
		sa->iv_pool_pos += sa->iv_len;
	}
	return 0;
}

static int esp_encap_nh(struct esp_sa *sa, struct buf *b, uint8_t nh, const uint8_t *iv_in,
			struct esp_counters *global, struct esp_result *res)
{
	size_t inner_len = buf_left(b), pad, pt_len;
	uint8_t iv[16], nonce[CRYPTO_AEAD_NONCE_LEN], aad[12], trailer[sizeof(esp_pad_bytes) + 2];
	uint8_t *pt, *icv;
	uint64_t seq;
	int r;

	if (esp_sa_expired(sa))
		return esp_drop(sa, global, res, ESP_DROP_LIFETIME, -ERANGE);
	seq = sa->seq + 1;
	/*
	 * RFC 4303 3.3.3: the counter must not cycle; the IKE layer rekeys well before (soft
	 * lifetime). Without ESN that is at 2^32 - 1, with ESN at 2^64 - 1.
	 */
	if (seq == 0 || (!sa->esn && seq > UINT32_MAX))
		return esp_drop(sa, global, res, ESP_DROP_SEQ_EXHAUSTED, -ERANGE);
	/* RFC 4303 2.4: pad so that pad length and next header end on the alignment. */
	pad = (sa->align - (inner_len + 2) % sa->align) % sa->align;
	if (buf_headroom(b) < ESP_HDR_LEN + sa->iv_len || buf_tailroom(b) < pad + 2 + sa->icv_len)
		return esp_drop(sa, global, res, ESP_DROP_NO_ROOM, -ENOSPC);
	if (iv_in)
		memcpy(iv, iv_in, sa->iv_len);
	else if (esp_next_iv(sa, seq, iv) < 0)
		return esp_drop(sa, global, res, ESP_DROP_CRYPTO, -EIO);
	/* Consumed before sealing: a sequence number (a GCM nonce) is never used twice. */
	sa->seq = seq;
	res->seq = seq;

	pt = buf_data_mut(b);
	/* Padding, pad length, next header (RFC 4303 2), appended in one piece. */
	memcpy(trailer, esp_pad_bytes, pad);
	trailer[pad] = (uint8_t)pad;
	trailer[pad + 1] = nh;
	buf_put_bytes(b, trailer, pad + 2);
	pt_len = buf_left(b);
	icv = buf_put_reserve(b, sa->icv_len);
	buf_push_bytes(b, iv, sa->iv_len);
	buf_push_be32(b, (uint32_t)seq); /* only the low half travels (RFC 4303 2.2.1) */
	buf_push_be32(b, sa->spi);

	if (sa->aead) {
		memcpy(nonce, sa->nonce, 4);
		memcpy(nonce + 4, iv, 8);
		r = crypto_aead_seal(sa->aead, nonce, aad, esp_gcm_aad(sa, seq, aad), pt, pt,
				     pt_len, icv);
	} else {
		r = sa->cipher ? crypto_cipher_encrypt(sa->cipher, iv, pt, pt, pt_len) : 0;
		if (r == 0)
			r = esp_mac_feed(sa, buf_data(b), ESP_HDR_LEN + sa->iv_len + pt_len, seq);
		if (r == 0)
			r = crypto_integ_end(sa->hmac, icv);
	}
	if (r < 0)
		return esp_drop(sa, global, res, ESP_DROP_CRYPTO, -EIO);
	esp_delivered(sa, global, res, inner_len);
	return 0;
}

static bool esp_sa_usable(struct esp_sa *sa, struct buf *b, enum esp_dir dir)
{
	return sa->dir == dir && buf_data_mut(b) != NULL;
}

int esp_encap(struct esp_sa *sa, struct buf *b, struct esp_counters *global, struct esp_result *res)
{
	uint8_t v = 0;
	size_t n = buf_left(b);

	result_init(res, sa);
	if (!esp_sa_usable(sa, b, ESP_DIR_OUT))
		return esp_drop(sa, global, res, ESP_DROP_INVALID, -EINVAL);
	buf_peek_u8(b, 0, &v);
	/* Tunnel mode: the next header names the inner IP version (RFC 4303 2.6). */
	if (v >> 4 == 4 && n >= 20)
		return esp_encap_nh(sa, b, ESP_NH_IPV4, NULL, global, res);
	if (v >> 4 == 6 && n >= 40)
		return esp_encap_nh(sa, b, ESP_NH_IPV6, NULL, global, res);
	return esp_drop(sa, global, res, ESP_DROP_BAD_INNER, -EINVAL);
}

int esp_encap_test(struct esp_sa *sa, struct buf *b, uint8_t next_header, const uint8_t *iv,
		   struct esp_result *res)
{
	result_init(res, sa);
	if (!esp_sa_usable(sa, b, ESP_DIR_OUT))
		return esp_drop(sa, NULL, res, ESP_DROP_INVALID, -EINVAL);
	return esp_encap_nh(sa, b, next_header, iv, NULL, res);
}

/*
 * Authenticate and decrypt the ESP packet in b (from the SPI) whose full sequence number is
 * seq; b is left holding plaintext and trailer. -EBADMSG: too short or ICV mismatch; -EIO.
 */
static int esp_open(struct esp_sa *sa, struct buf *b, uint64_t seq)
{
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], aad[12];
	const uint8_t *hdr = buf_data(b), *iv, *icv;
	size_t ct_len;
	struct buf icv_view;
	uint8_t *ct;
	int r;

	if (buf_left(b) < ESP_HDR_LEN + sa->iv_len + sa->icv_len)
		return -EBADMSG;
	buf_slice(b, buf_tail_pos(b) - sa->icv_len, buf_tail_pos(b), &icv_view);
	icv = buf_data(&icv_view);
	buf_trim(b, sa->icv_len);
	buf_skip(b, ESP_HDR_LEN);
	iv = buf_data(b);
	if (sa->aead) {
		memcpy(nonce, sa->nonce, 4);
		buf_get_bytes(b, nonce + 4, 8);
	} else {
		buf_skip(b, sa->iv_len);
	}
	ct = buf_data_mut(b);
	ct_len = buf_left(b);
	if (sa->aead) {
		r = crypto_aead_open(sa->aead, nonce, aad, esp_gcm_aad(sa, seq, aad), ct, ct,
				     ct_len, icv);
		return r == -EBADMSG ? r : (r < 0 ? -EIO : 0);
	}
	/* RFC 4303 3.4.4.1: integrity first, and only then decryption. */
	r = esp_mac_feed(sa, hdr, ESP_HDR_LEN + sa->iv_len + ct_len, seq);
	if (r == 0)
		r = crypto_integ_verify(sa->hmac, icv);
	if (r < 0)
		return r == -EBADMSG ? r : -EIO;
	if (sa->cipher && crypto_cipher_decrypt(sa->cipher, iv, ct, ct, ct_len) < 0)
		return -EIO;
	return 0;
}

int esp_open_test(struct esp_sa *sa, struct buf *b, uint64_t seq)
{
	if (!buf_data_mut(b))
		return -EINVAL;
	return esp_open(sa, b, seq);
}

/* RFC 4303 2.4: padding bytes are 1, 2, 3, ... and the receiver checks them. */
static bool esp_padding_ok(struct buf *b, uint8_t *next_header)
{
	size_t n = buf_left(b), i;
	uint8_t pad_len, v;

	if (n < 2)
		return false;
	buf_peek_u8(b, n - 1, next_header);
	buf_peek_u8(b, n - 2, &pad_len);
	if (pad_len > n - 2)
		return false;
	for (i = 0; i < pad_len; i++) {
		buf_peek_u8(b, n - 2 - pad_len + i, &v);
		if (v != i + 1)
			return false;
	}
	buf_trim(b, (size_t)pad_len + 2);
	return true;
}

/*
 * The inner packet's own length, which may be shorter than what is left (TFC padding, RFC 4303
 * 2.7), never longer; b is trimmed to it. False if the header does not hold together.
 */
static bool esp_inner_ok(struct buf *b, unsigned version)
{
	size_t n = buf_left(b);
	uint16_t len;
	uint8_t vihl;

	if (version == 4) {
		if (n < 20 || buf_peek_u8(b, 0, &vihl) < 0 || buf_peek_be16(b, 2, &len) < 0)
			return false;
		if ((vihl & 0xf) < 5 || len < (vihl & 0xf) * 4u || len > n)
			return false;
	} else {
		if (n < 40 || buf_peek_be16(b, 4, &len) < 0 || len > n - 40)
			return false;
		len = (uint16_t)(len + 40);
	}
	buf_trim(b, n - len);
	return true;
}

static int esp_decap_sa(struct esp_sa *sa, struct buf *b, struct esp_counters *global,
			struct esp_result *res)
{
	size_t n = buf_left(b), ct_len;
	uint8_t nh, v;
	uint32_t seq_lo;
	uint64_t seq;
	int r;

	if (!esp_sa_usable(sa, b, ESP_DIR_IN))
		return esp_drop(sa, global, res, ESP_DROP_INVALID, -EINVAL);
	if (esp_sa_expired(sa))
		return esp_drop(sa, global, res, ESP_DROP_LIFETIME, -ERANGE);
	/* The smallest packet: header, IV, an empty payload with its 2-byte trailer, ICV. */
	if (n < ESP_HDR_LEN + sa->iv_len + 2 + sa->icv_len)
		return esp_drop(sa, global, res, ESP_DROP_TRUNCATED, -EBADMSG);
	ct_len = n - ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	if (sa->cipher && ct_len % sa->align)
		return esp_drop(sa, global, res, ESP_DROP_BAD_LENGTH, -EBADMSG);
	buf_peek_be32(b, 4, &seq_lo);
	seq = esp_replay_infer(&sa->replay, seq_lo, sa->esn);
	res->seq = seq;
	/* RFC 4303 3.4.3: duplicates are dropped before spending work on the ICV. */
	if (!esp_replay_check(&sa->replay, seq))
		return esp_drop(sa, global, res, ESP_DROP_REPLAY, -EPROTO);
	r = esp_open(sa, b, seq);
	if (r == -EBADMSG)
		return esp_drop(sa, global, res, ESP_DROP_ICV, -EBADMSG);
	if (r < 0)
		return esp_drop(sa, global, res, ESP_DROP_CRYPTO, -EIO);
	if (!esp_padding_ok(b, &nh))
		return esp_drop(sa, global, res, ESP_DROP_BAD_PADDING, -EBADMSG);
	if (nh == ESP_NH_DUMMY) {
		/* Authentic, so its number is used up; then discarded (RFC 4303 2.6). */
		esp_replay_update(&sa->replay, seq);
		return esp_drop(sa, global, res, ESP_DROP_DUMMY, -EPROTO);
	}
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)
		return esp_drop(sa, global, res, ESP_DROP_BAD_NEXT_HEADER, -EPROTO);
	if (buf_peek_u8(b, 0, &v) < 0)
		return esp_drop(sa, global, res, ESP_DROP_BAD_INNER, -EBADMSG);
	/* Tunnel mode: the next header must name the inner packet's version. */
	if ((v >> 4) != (nh == ESP_NH_IPV4 ? 4u : 6u))
		return esp_drop(sa, global, res, ESP_DROP_BAD_NEXT_HEADER, -EPROTO);
	if (!esp_inner_ok(b, v >> 4))
		return esp_drop(sa, global, res, ESP_DROP_BAD_INNER, -EBADMSG);
	/* RFC 4303 3.4.3: the window moves only for authenticated packets. */
	if (!esp_replay_update(&sa->replay, seq))
		return esp_drop(sa, global, res, ESP_DROP_REPLAY, -EPROTO);
	esp_delivered(sa, global, res, buf_left(b));
	return 0;
}

int esp_decap(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
	      struct esp_result *res)
{
	struct esp_sa *sa;
	uint32_t spi;

	result_init(res, NULL);
	if (buf_peek_be32(b, 0, &spi) < 0)
		return esp_drop(NULL, global, res, ESP_DROP_TRUNCATED, -EBADMSG);
	sa = esp_sad_find(sad, spi);
	if (!sa)
		return esp_drop(NULL, global, res, ESP_DROP_NO_SA, -ENOENT);
	res->sa = sa;
	return esp_decap_sa(sa, b, global, res);
}

int esp_decap_raw(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
		  struct esp_result *res)
{
	uint8_t vihl = 0, proto = 0;
	uint16_t tot_len = 0, frag = 0;
	size_t n = buf_left(b), ihl;

	result_init(res, NULL);
	/*
	 * Linux raw sockets hand over the datagram with its IPv4 header as received (already
	 * reassembled and checksummed by the kernel): insist that it is one whole ESP datagram.
	 */
	if (buf_peek_u8(b, 0, &vihl) < 0 || vihl >> 4 != 4)
		return esp_drop(NULL, global, res, ESP_DROP_BAD_OUTER, -EBADMSG);
	ihl = (vihl & 0xfu) * 4;
	if (ihl < 20 || ihl > n || buf_peek_be16(b, 2, &tot_len) < 0 ||
	    buf_peek_be16(b, 6, &frag) < 0 || buf_peek_u8(b, 9, &proto) < 0)
		return esp_drop(NULL, global, res, ESP_DROP_BAD_OUTER, -EBADMSG);
	/* More-fragments flag or a fragment offset: not a whole datagram. */
	if (tot_len < ihl || tot_len > n || proto != IPPROTO_ESP_NUM || (frag & 0x3fff))
		return esp_drop(NULL, global, res, ESP_DROP_BAD_OUTER, -EBADMSG);
	buf_trim(b, n - tot_len);
	buf_skip(b, ihl);
	return esp_decap(sad, b, global, res);
}

enum esp_udp_kind esp_udp_classify(const struct buf *payload)
{
	uint32_t marker;
	uint8_t first;

	/* RFC 3948 2.3: a NAT-keepalive is one octet of 0xff. */
	if (buf_left(payload) == 1 && buf_peek_u8(payload, 0, &first) == 0 && first == 0xff)
		return ESP_UDP_KEEPALIVE;
	if (buf_peek_be32(payload, 0, &marker) < 0)
		return ESP_UDP_RUNT;
	/* RFC 3948 2.2: a zero where the SPI would be is the non-ESP marker (IKE follows). */
	return marker == 0 ? ESP_UDP_IKE : ESP_UDP_ESP;
}

int esp_decap_udp(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
		  struct esp_result *res)
{
	result_init(res, NULL);
	if (esp_udp_classify(b) != ESP_UDP_ESP)
		return esp_drop(NULL, global, res, ESP_DROP_NOT_ESP, -EPROTO);
	return esp_decap(sad, b, global, res);
}
