/* SPDX-License-Identifier: MIT */
/*
 * dh: the key exchanges IKEv2 negotiates, by their IANA transform IDs: MODP groups 2 (1024-bit)
 * and 14 (2048-bit) of RFC 3526/2409, group 24 (2048-bit, 256-bit subgroup, RFC 5114), ECP
 * groups 19 and 20 (P-256, P-384, public values x | y per RFC 5903) and 31 (Curve25519, RFC 8031).
 * Peer public values are validated before use (range for MODP, on-curve for ECP, non-zero result
 * for X25519).
 */
#ifndef VNETGW_CRYPTO_DH_H
#define VNETGW_CRYPTO_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/secret.h"

enum crypto_dh_group {
	CRYPTO_DH_MODP1024 = 2,
	CRYPTO_DH_MODP2048 = 14,
	CRYPTO_DH_MODP2048_256 = 24,
	CRYPTO_DH_ECP256 = 19,
	CRYPTO_DH_ECP384 = 20,
	CRYPTO_DH_CURVE25519 = 31,
};

struct crypto_dh;

bool crypto_dh_supported(uint16_t group);
const char *crypto_dh_name(enum crypto_dh_group group);
/* Length of a public value (the KE payload data) and of the shared secret. 0 if unsupported. */
size_t crypto_dh_public_len(enum crypto_dh_group group);
size_t crypto_dh_shared_len(enum crypto_dh_group group);

/* A fresh key pair. 0, -ENOTSUP (unknown group), -ENOMEM or -EIO. */
int crypto_dh_new(struct crypto_dh **out, enum crypto_dh_group group);
/* A key pair from a known private value, for known-answer tests. */
int crypto_dh_new_from_private(struct crypto_dh **out, enum crypto_dh_group group,
			       const uint8_t *priv, size_t privlen);
/* Wipes the private key; NULL-safe. */
void crypto_dh_free(struct crypto_dh *dh);
enum crypto_dh_group crypto_dh_group(const struct crypto_dh *dh);

/* Writes exactly crypto_dh_public_len bytes (MODP left-padded with zeros to the prime length). */
int crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t outlen);
/*
 * The shared secret g^ir (MODP: left-padded to the prime length; ECP: the x coordinate; X25519:
 * the 32-byte result). -EINVAL when peer is the wrong length or not a valid public value.
 */
int crypto_dh_derive(struct crypto_dh *dh, const uint8_t *peer, size_t peerlen,
		     struct secret **shared);

#endif
