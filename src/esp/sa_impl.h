/* SPDX-License-Identifier: MIT */
/*
 * The layout of struct esp_sa, shared by sa.c (life cycle, lifetimes, counters) and esp.c (the
 * packet transforms). Private to src/esp.
 */
#ifndef VNETGW_ESP_SA_IMPL_H
#define VNETGW_ESP_SA_IMPL_H

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "esp/esp.h"
#include "esp/replay.h"

/*
 * CBC IVs are drawn from the CSPRNG in batches of this many bytes (a multiple of 8 and 16): one
 * RAND_bytes call costs microseconds in OpenSSL 3 (fork check, lock, DRBG update), so a batch
 * of 256 AES IVs keeps it to a few nanoseconds a packet.
 */
#define ESP_IV_POOL_LEN 4096

struct esp_sa {
	uint32_t spi;
	enum esp_dir dir;
	enum esp_enc enc;
	enum esp_integ integ;
	bool esn;

	/* Derived sizes. */
	uint8_t iv_len;	 /* 8 (GCM, 3DES), 16 (AES-CBC), 0 (NULL) */
	uint8_t align;	 /* the trailer ends on a multiple of this: cipher block, at least 4 */
	uint8_t icv_len; /* 16 (GCM), 12 (SHA1-96), 16 (SHA-256-128) */

	struct crypto_aead *aead;
	struct crypto_cipher *cipher;
	struct crypto_integ *hmac;
	/* RFC 4106 4: the nonce is salt ‖ IV; the salt part is filled in once. Wiped on free. */
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN];

	/* Outbound: the last sequence number used (the next packet gets seq + 1). */
	uint64_t seq;
	/* Outbound CBC: unpredictable IVs (RFC 3602 2.1) taken from a CSPRNG batch. */
	size_t iv_pool_pos;
	uint8_t *iv_pool; /* ESP_IV_POOL_LEN bytes, outbound CBC SAs only */

	/* Inbound. */
	struct esp_replay replay;

	struct esp_lifetime life;
	enum esp_life life_state;
	struct esp_counters ctr;
	struct esp_sa_tag tag;
};

/* Account one packet of inner_len bytes (in either direction); returns the life event. */
enum esp_life esp_sa_account(struct esp_sa *sa, size_t inner_len);
/* True if the hard limit is reached: no further packet may use the SA. */
bool esp_sa_expired(const struct esp_sa *sa);

#endif
