/* SPDX-License-Identifier: MIT */
/*
 * rand: OpenSSL's DRBG (RAND_bytes) for nonces, SPIs, IVs and keys, and uniform integers below a
 * bound by rejection sampling, so that no value is more likely than another (no modulo bias).
 */
#include "crypto/rand.h"

#include <errno.h>
#include <limits.h>

#include <openssl/rand.h>

int crypto_rand(void *out, size_t n)
{
	uint8_t *p = out;

	/* RAND_bytes takes an int: large requests go in chunks. */
	while (n) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, chunk) != 1)
			return -EIO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

int crypto_rand_uniform(uint32_t bound, uint32_t *out)
{
	/*
	 * Values below 2^32 mod bound would map onto some residues one time too often; rejecting
	 * them leaves a range that is a whole multiple of bound. min < bound, so at most half of
	 * the draws are rejected and the loop ends quickly.
	 */
	uint32_t min, r;
	int ret;

	if (bound == 0)
		return -EINVAL;
	min = (uint32_t)(-bound) % bound;
	do {
		ret = crypto_rand(&r, sizeof(r));
		if (ret)
			return ret;
	} while (r < min);
	*out = r % bound;
	return 0;
}
