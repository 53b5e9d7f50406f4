/* SPDX-License-Identifier: MIT */
/*
 * alg: what a negotiated transform ID means to the crypto layer: which algorithm, and how many
 * key bytes it takes from prf+ (RFC 7296 2.14 and 3.3.2, RFC 4868 2.1.1, RFC 5282 7.1 and
 * RFC 4106 8.1 for the GCM salt). Shared by the SK payload (msg.c) and key derivation (keys.c).
 */
#ifndef VNETGW_IKE_ALG_H
#define VNETGW_IKE_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/prf.h"

/* The 4-byte salt that ends a GCM key (RFC 4106 8.1, RFC 5282 7.1). */
#define IKE_GCM_SALT_LEN 4
/* RFC 5282 3.1: the explicit IV of AES-GCM in the SK payload (and ESP). */
#define IKE_GCM_IV_LEN 8

/* 0 and *out set, or -ENOTSUP for IDs vnetgw does not implement. */
int ike_alg_prf(uint16_t prf_id, enum crypto_prf_alg *out);
int ike_alg_integ(uint16_t integ_id, enum crypto_integ_alg *out);
/* AES-CBC and 3DES-CBC; -ENOTSUP for the rest, -EINVAL for a key length AES does not have. */
int ike_alg_cipher(uint16_t encr_id, uint16_t keybits, enum crypto_cipher_alg *out);

/* True for the combined-mode ciphers (no separate integrity transform). */
bool ike_alg_encr_is_aead(uint16_t encr_id);

/*
 * Key bytes taken from prf+ for an encryption transform (the Key Length attribute in bits for
 * AES, fixed for 3DES, plus the salt for GCM) and for an integrity transform (0 for NONE).
 * 0 for unsupported IDs or key lengths.
 */
size_t ike_alg_encr_key_len(uint16_t encr_id, uint16_t keybits);
size_t ike_alg_integ_key_len(uint16_t integ_id);
/* Output length of the PRF, which 2.14 makes the length of SK_d, SK_pi and SK_pr. 0 if unknown. */
size_t ike_alg_prf_len(uint16_t prf_id);

#endif
