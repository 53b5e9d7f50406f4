/* SPDX-License-Identifier: MIT */
/*
 * shaper: token buckets in integer arithmetic. Tokens are kept in nanobytes so that a refill of
 * rate_bps/8 bytes per second over any number of nanoseconds loses nothing to rounding: over 10 s
 * the admitted volume is exactly rate * 10 s + depth, which the SKU accuracy (±5%) relies on.
 */
#include "dp/shaper.h"

#define NS_PER_S 1000000000ull
#define SHAPER_MIN_BURST (64u * 1024u)

static uint64_t shaper_depth_nb(const struct shaper *s)
{
	return s->burst * NS_PER_S;
}

static void shaper_refill(struct shaper *s, uint64_t now_ns)
{
	uint64_t depth = shaper_depth_nb(s);
	unsigned __int128 add;

	if (now_ns <= s->last_ns)
		return;
	/* bytes/s * ns = nanobytes: rate_bps / 8 * elapsed, in 128 bits so no rate overflows. */
	add = (unsigned __int128)s->rate_bps * (now_ns - s->last_ns) / 8;
	s->last_ns = now_ns;
	s->tokens_nb = add >= depth - s->tokens_nb ? depth : s->tokens_nb + (uint64_t)add;
}

void shaper_set_rate(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns)
{
	shaper_refill(s, now_ns);
	s->rate_bps = rate_bps;
	if (!burst) {
		burst = rate_bps / 8 / 100; /* 10 ms at the rate */
		if (burst < SHAPER_MIN_BURST)
			burst = SHAPER_MIN_BURST;
	}
	s->burst = burst;
	if (s->tokens_nb > shaper_depth_nb(s))
		s->tokens_nb = shaper_depth_nb(s);
}

void shaper_init(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns)
{
	*s = (struct shaper){ .last_ns = now_ns };
	shaper_set_rate(s, rate_bps, burst, now_ns);
	s->tokens_nb = shaper_depth_nb(s);
}

bool shaper_admit(struct shaper *s, uint32_t len, uint64_t now_ns)
{
	uint64_t need = (uint64_t)len * NS_PER_S;

	if (s->rate_bps == 0)
		goto pass;
	shaper_refill(s, now_ns);
	if (s->tokens_nb < need) {
		s->dropped_bytes += len;
		s->dropped_pkts++;
		return false;
	}
	s->tokens_nb -= need;
pass:
	s->passed_bytes += len;
	s->passed_pkts++;
	return true;
}

uint64_t shaper_wait_ns(struct shaper *s, uint32_t len, uint64_t now_ns)
{
	uint64_t need = (uint64_t)len * NS_PER_S;

	if (s->rate_bps == 0)
		return 0;
	shaper_refill(s, now_ns);
	if (s->tokens_nb >= need)
		return 0;
	/* nanobytes missing / (bytes per ns) = missing * 8 / rate_bps, rounded up. */
	return ((need - s->tokens_nb) * 8 + s->rate_bps - 1) / s->rate_bps;
}
