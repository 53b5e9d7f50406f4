/* SPDX-License-Identifier: MIT */
/*
 * alg: transform IDs (RFC 7296 3.3.2) mapped to the crypto layer's algorithms and to the key
 * lengths of 2.14: HMAC keys as long as the hash output (RFC 4868 2.1.1, RFC 2404), AES keys by
 * the Key Length attribute, GCM keys with their 4-byte salt (RFC 5282 7.1, RFC 4106 8.1).
 */
#include "ike/alg.h"

#include <errno.h>

#include "ike/pld.h"

int ike_alg_prf(uint16_t prf_id, enum crypto_prf_alg *out)
{
	switch (prf_id) {
	case IKE_PRF_HMAC_SHA1:
		*out = CRYPTO_PRF_HMAC_SHA1;
		return 0;
	case IKE_PRF_HMAC_SHA2_256:
		*out = CRYPTO_PRF_HMAC_SHA2_256;
		return 0;
	case IKE_PRF_HMAC_SHA2_384:
		*out = CRYPTO_PRF_HMAC_SHA2_384;
		return 0;
	case IKE_PRF_HMAC_SHA2_512:
		*out = CRYPTO_PRF_HMAC_SHA2_512;
		return 0;
	default:
		return -ENOTSUP;
	}
}

size_t ike_alg_prf_len(uint16_t prf_id)
{
	switch (prf_id) {
	case IKE_PRF_HMAC_SHA1:
		return 20;
	case IKE_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_PRF_HMAC_SHA2_384:
		return 48;
	case IKE_PRF_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}

int ike_alg_integ(uint16_t integ_id, enum crypto_integ_alg *out)
{
	switch (integ_id) {
	case IKE_INTEG_HMAC_SHA1_96:
		*out = CRYPTO_INTEG_HMAC_SHA1_96;
		return 0;
	case IKE_INTEG_HMAC_SHA2_256_128:
		*out = CRYPTO_INTEG_HMAC_SHA2_256_128;
		return 0;
	case IKE_INTEG_HMAC_SHA2_384_192:
		*out = CRYPTO_INTEG_HMAC_SHA2_384_192;
		return 0;
	case IKE_INTEG_HMAC_SHA2_512_256:
		*out = CRYPTO_INTEG_HMAC_SHA2_512_256;
		return 0;
	default:
		return -ENOTSUP;
	}
}

size_t ike_alg_integ_key_len(uint16_t integ_id)
{
	switch (integ_id) {
	case IKE_INTEG_HMAC_SHA1_96:
		return 20;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

static bool aes_keybits_ok(uint16_t keybits)
{
	return keybits == 128 || keybits == 192 || keybits == 256;
}

int ike_alg_cipher(uint16_t encr_id, uint16_t keybits, enum crypto_cipher_alg *out)
{
	switch (encr_id) {
	case IKE_ENCR_AES_CBC:
		if (!aes_keybits_ok(keybits))
			return -EINVAL;
		*out = CRYPTO_CIPHER_AES_CBC;
		return 0;
	case IKE_ENCR_3DES:
		/* RFC 2451: fixed length, sent without a Key Length attribute. */
		if (keybits != 0 && keybits != 192)
			return -EINVAL;
		*out = CRYPTO_CIPHER_3DES_CBC;
		return 0;
	default:
		return -ENOTSUP;
	}
}

bool ike_alg_encr_is_aead(uint16_t encr_id)
{
	return encr_id == IKE_ENCR_AES_GCM_8 || encr_id == IKE_ENCR_AES_GCM_12 ||
	       encr_id == IKE_ENCR_AES_GCM_16 || encr_id == IKE_ENCR_CHACHA20_POLY1305;
}

size_t ike_alg_encr_key_len(uint16_t encr_id, uint16_t keybits)
{
	switch (encr_id) {
	case IKE_ENCR_AES_CBC:
		return aes_keybits_ok(keybits) ? keybits / 8u : 0;
	case IKE_ENCR_3DES:
		return keybits == 0 || keybits == 192 ? 24 : 0;
	case IKE_ENCR_AES_GCM_16:
		/* Only the 16-byte ICV variant: the crypto layer's GCM tag is 16 bytes. */
		return aes_keybits_ok(keybits) ? keybits / 8u + IKE_GCM_SALT_LEN : 0;
	default:
		return 0;
	}
}
