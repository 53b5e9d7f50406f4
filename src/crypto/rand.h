/* SPDX-License-Identifier: MIT */
/* rand: the CSPRNG (OpenSSL's DRBG) for nonces, SPIs, IVs, keys and cookies' secrets. */
#ifndef VNETGW_CRYPTO_RAND_H
#define VNETGW_CRYPTO_RAND_H

#include <stddef.h>
#include <stdint.h>

/* 0 or -EIO; on failure out must not be used. */
int crypto_rand(void *out, size_t n);
/* A uniformly random value below bound (bound > 0), without modulo bias. */
int crypto_rand_uniform(uint32_t bound, uint32_t *out);

#endif
