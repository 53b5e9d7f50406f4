/* SPDX-License-Identifier: MIT */
/*
 * ids: UUIDs (RFC 4122 4.4: version 4, random), tokens and generated shared keys, from OpenSSL's
 * DRBG. Keys are drawn without modulo bias (rejection sampling), so every character of the
 * alphabet is equally likely.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/rand.h"
#include "mgmt/ids.h"

static int rand_bytes(void *p, size_t n)
{
	return crypto_rand(p, n);
}

int mgmt_uuid_new(char *out)
{
	uint8_t b[16];

	if (rand_bytes(b, sizeof(b)))
		return -EIO;
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, MGMT_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}

int mgmt_token_new(char *out)
{
	uint8_t b[MGMT_TOKEN_LEN / 2];
	size_t i;

	if (rand_bytes(b, sizeof(b)))
		return -EIO;
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

int mgmt_key_new(char *out, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const unsigned n = sizeof(alphabet) - 1, limit = 256 - 256 % n;
	uint8_t b[64];
	size_t i = 0, j = sizeof(b);

	if (len < 1 || len > 128)
		return -EINVAL;
	while (i < len) {
		if (j == sizeof(b)) {
			if (rand_bytes(b, sizeof(b)))
				return -EIO;
			j = 0;
		}
		/* Bytes at or above the largest multiple of n would favour the first letters. */
		if (b[j] < limit)
			out[i++] = alphabet[b[j] % n];
		j++;
	}
	out[len] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}
