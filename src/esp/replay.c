/* SPDX-License-Identifier: MIT */
/*
 * replay: ESP anti-replay window (RFC 4303 3.4.3) as a ring bitmap (RFC 6479): bit seq mod
 * ESP_REPLAY_RING_BITS marks seq as seen; moving the top forward clears only the words it passes
 * over. Extended sequence numbers are inferred as in RFC 4303 Appendix A2.2.
 */
#include "esp/replay.h"

#include <string.h>

_Static_assert((ESP_REPLAY_RING_WORDS & (ESP_REPLAY_RING_WORDS - 1)) == 0,
	       "the ring index is a mask");
_Static_assert(ESP_REPLAY_RING_BITS >= ESP_REPLAY_WINDOW + 64,
	       "RFC 6479: the ring needs a spare word beyond the window");

void esp_replay_init(struct esp_replay *r)
{
	memset(r, 0, sizeof(*r));
}

uint64_t esp_replay_infer(const struct esp_replay *r, uint32_t seq_lo, bool esn)
{
	const uint32_t w = ESP_REPLAY_WINDOW;
	uint32_t tl = (uint32_t)r->top;
	uint64_t th = r->top >> 32, seqh;

	if (!esn)
		return seq_lo;
	if (tl >= w - 1) {
		/* Case A: the window [Tl - W + 1, Tl] lies within one 2^32 subspace. */
		seqh = seq_lo >= tl - (w - 1) ? th : th + 1;
	} else {
		/* Case B: the window spans the previous subspace and this one. */
		if (seq_lo >= (uint32_t)(tl - (w - 1))) {
			if (th == 0)
				return 0; /* before the first subspace: nothing was ever sent there
					   */
			seqh = th - 1;
		} else {
			seqh = th;
		}
	}
	if (seqh > UINT32_MAX)
		return 0; /* past 2^64 - 1: the sender must have rekeyed long before */
	return seqh << 32 | seq_lo;
}

static bool replay_seen(const struct esp_replay *r, uint64_t seq)
{
	uint64_t bit = seq & (ESP_REPLAY_RING_BITS - 1);

	return r->ring[bit >> 6] >> (bit & 63) & 1;
}

bool esp_replay_check(const struct esp_replay *r, uint64_t seq)
{
	if (seq == 0)
		return false;
	if (seq > r->top)
		return true;
	if (r->top - seq >= ESP_REPLAY_WINDOW)
		return false;
	return !replay_seen(r, seq);
}

bool esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t bit;

	if (!esp_replay_check(r, seq))
		return false;
	if (seq > r->top) {
		/* RFC 6479 2.2: clear the words between the old top's word and the new one. */
		uint64_t old_word = r->top >> 6, new_word = seq >> 6, n = new_word - old_word, i;

		if (n > ESP_REPLAY_RING_WORDS)
			n = ESP_REPLAY_RING_WORDS;
		for (i = 1; i <= n; i++)
			r->ring[(old_word + i) & (ESP_REPLAY_RING_WORDS - 1)] = 0;
		r->top = seq;
	}
	bit = seq & (ESP_REPLAY_RING_BITS - 1);
	r->ring[bit >> 6] |= (uint64_t)1 << (bit & 63);
	return true;
}
