/* SPDX-License-Identifier: MIT */
/*
 * ratelimit: per-token request rates for the API (token buckets, a table of a configured size).
 * Used by the API thread only.
 */
#ifndef VNETGW_MGMT_API_RATELIMIT_H
#define VNETGW_MGMT_API_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

/* A table of slots buckets (at least 8). NULL on ENOMEM. */
struct ratelimit *ratelimit_new(unsigned slots);
void ratelimit_free(struct ratelimit *rl);
/*
 * One request of the token whose SHA-256 digest (hex) is digest_hex, at per_s requests per
 * second with burst above it: true when allowed; false with *retry_after_s (>= 1) when not.
 */
bool ratelimit_take(struct ratelimit *rl, const char *digest_hex, unsigned per_s, unsigned burst,
		    unsigned *retry_after_s);

#endif
