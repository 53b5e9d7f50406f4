/* SPDX-License-Identifier: MIT */
/*
 * prf: the IKEv2 pseudo-random functions (HMAC-SHA1/256/384/512, full length, RFC 7296 3.3.2 and
 * RFC 4868) and prf+ (RFC 7296 2.13), over data given as a list of pieces so that key derivations
 * (Ni | Nr | SPIi | SPIr ...) need no concatenation buffer.
 */
#ifndef VNETGW_CRYPTO_PRF_H
#define VNETGW_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/secret.h"

enum crypto_prf_alg {
	CRYPTO_PRF_HMAC_SHA1,
	CRYPTO_PRF_HMAC_SHA2_256,
	CRYPTO_PRF_HMAC_SHA2_384,
	CRYPTO_PRF_HMAC_SHA2_512,
};

#define CRYPTO_PRF_MAX_LEN 64

/* Output length (20, 32, 48, 64), which is also the preferred key length. */
size_t crypto_prf_len(enum crypto_prf_alg alg);

/* out receives crypto_prf_len(alg) bytes: prf(key, iov[0] | iov[1] | ...). */
int crypto_prf(enum crypto_prf_alg alg, const uint8_t *key, size_t keylen, const struct iovec *iov,
	       size_t iovcnt, uint8_t *out);

/*
 * prf+(key, S) = T1 | T2 | ..., Tn = prf(key, Tn-1 | S | n), truncated to outlen bytes, into a
 * new secret. -EINVAL when outlen needs more than 255 blocks (RFC 7296 2.13).
 */
int crypto_prf_plus(enum crypto_prf_alg alg, const uint8_t *key, size_t keylen,
		    const struct iovec *seed, size_t seedcnt, size_t outlen, struct secret **out);

#endif
