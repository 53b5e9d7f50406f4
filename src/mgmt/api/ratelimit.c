/* SPDX-License-Identifier: MIT */
/*
 * ratelimit: a token bucket per bearer token (SPEC §5 "rate limits"), keyed by the token's
 * SHA-256 digest, in a table whose size the server is configured with. A slot whose bucket has
 * refilled is as good as a new one, so slots are reused without losing anything; when every
 * slot near a key is busy the stalest one is taken over (its owner gets a fresh bucket, which
 * errs on the side of letting requests in).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "mgmt/api/ratelimit.h"

#define PROBE 8

struct bucket {
	uint64_t key; /* 0: free */
	double tokens;
	uint64_t last_ns;
};

struct ratelimit {
	unsigned n;
	struct bucket b[];
};

struct ratelimit *ratelimit_new(unsigned slots)
{
	struct ratelimit *rl;

	if (slots < PROBE)
		slots = PROBE;
	rl = calloc(1, sizeof(*rl) + (size_t)slots * sizeof(rl->b[0]));
	if (rl)
		rl->n = slots;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

/* The first 16 hex digits of the digest; never 0 (0 marks a free slot). */
static uint64_t key_of(const char *hex)
{
	uint64_t k = 0;

	for (int i = 0; i < 16 && hex[i]; i++) {
		char c = hex[i];
		unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
						    : 0;

		k = k << 4 | v;
	}
	return k ? k : 1;
}

static double refilled(const struct bucket *b, uint64_t now, unsigned per_s, unsigned burst)
{
	double t = b->tokens + (double)(now - b->last_ns) / 1e9 * per_s;

	return t > burst ? burst : t;
}

bool ratelimit_take(struct ratelimit *rl, const char *digest_hex, unsigned per_s, unsigned burst,
		    unsigned *retry_after_s)
{
	uint64_t key = key_of(digest_hex), now = clock_now_ns();
	struct bucket *b = NULL, *stalest = NULL;
	double t;

	for (unsigned i = 0; i < PROBE && !b; i++)
		if (rl->b[(key + i) % rl->n].key == key)
			b = &rl->b[(key + i) % rl->n];
	if (!b) {
		/* A free slot, or one whose bucket is full again (nothing of it is lost); else the
		 * one used longest ago. */
		for (unsigned i = 0; i < PROBE && !b; i++) {
			struct bucket *s = &rl->b[(key + i) % rl->n];

			if (s->key == 0 || refilled(s, now, per_s, burst) >= burst)
				b = s;
			else if (!stalest || s->last_ns < stalest->last_ns)
				stalest = s;
		}
		if (!b)
			b = stalest;
		b->key = key;
		b->tokens = burst;
		b->last_ns = now;
	}
	t = refilled(b, now, per_s, burst);
	b->last_ns = now;
	if (t >= 1.0) {
		b->tokens = t - 1.0;
		return true;
	}
	b->tokens = t;
	/* When the next whole token is there, rounded up to a second (Retry-After's unit). */
	*retry_after_s = (unsigned)((1.0 - t) / per_s) + 1;
	return false;
}
