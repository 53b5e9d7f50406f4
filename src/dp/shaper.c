/* SPDX-License-Identifier: MIT */
/*
 * shaper: token buckets in integer arithmetic, and the FIFO of fixed slots in front of each.
 * Tokens are kept in nanobytes so that a refill of rate_bps/8 bytes per second over any number
 * of nanoseconds loses nothing to rounding: over 10 s the admitted volume is exactly
 * rate * 10 s + depth, which the SKU accuracy (SPEC §2 rule 7, ±5%) relies on.
 */
#include "dp/shaper.h"

#include <errno.h>
#include <stdlib.h>

#define NS_PER_S	 1000000000ull
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
		burst = rate_bps / 8 / 20; /* 50 ms at the rate */
		if (burst < SHAPER_MIN_BURST)
			burst = SHAPER_MIN_BURST;
	}
	s->burst = burst;
	if (s->tokens_nb > shaper_depth_nb(s))
		s->tokens_nb = shaper_depth_nb(s);
}

void shaper_init(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns)
{
	*s = (struct shaper){.last_ns = now_ns};
	shaper_set_rate(s, rate_bps, burst, now_ns);
	s->tokens_nb = shaper_depth_nb(s);
}

/* Take len bytes' tokens if the bucket holds them, counting the packet as passed. */
static bool shaper_take(struct shaper *s, uint32_t len, uint64_t now_ns)
{
	uint64_t need = (uint64_t)len * NS_PER_S;

	if (s->rate_bps == 0)
		goto pass;
	shaper_refill(s, now_ns);
	if (s->tokens_nb < need)
		return false;
	s->tokens_nb -= need;
pass:
	s->passed_bytes += len;
	s->passed_pkts++;
	return true;
}

static void shaper_count_drop(struct shaper *s, uint32_t len)
{
	s->dropped_bytes += len;
	s->dropped_pkts++;
}

bool shaper_admit(struct shaper *s, uint32_t len, uint64_t now_ns)
{
	if (shaper_take(s, len, now_ns))
		return true;
	shaper_count_drop(s, len);
	return false;
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

/* ---- the queue ------------------------------------------------------------------------------ */

int shaper_queue_init(struct shaper_queue *q, uint32_t slots, uint32_t slot_size, uint32_t headroom,
		      uint32_t tailroom)
{
	*q = (struct shaper_queue){0};
	if (slots == 0 || (uint64_t)headroom + tailroom >= slot_size)
		return -EINVAL;
	q->mem = malloc((size_t)slots * slot_size);
	q->len = calloc(slots, sizeof(*q->len));
	if (!q->mem || !q->len) {
		shaper_queue_free(q);
		return -ENOMEM;
	}
	q->slots = slots;
	q->slot_size = slot_size;
	q->headroom = headroom;
	q->tailroom = tailroom;
	return 0;
}

void shaper_queue_free(struct shaper_queue *q)
{
	if (!q)
		return;
	free(q->mem);
	free(q->len);
	*q = (struct shaper_queue){0};
}

uint32_t shaper_queue_mtu(const struct shaper_queue *q)
{
	return q->slots ? q->slot_size - q->headroom - q->tailroom : 0;
}

uint32_t shaper_queue_slots(uint64_t rate_bps)
{
	uint64_t n = rate_bps / 8 * SHAPER_QUEUE_MS / 1000 / 1400;

	if (rate_bps == 0)
		return 0;
	return n < SHAPER_QUEUE_SLOTS ? SHAPER_QUEUE_SLOTS : n > 65536 ? 65536 : (uint32_t)n;
}

static uint8_t *shaper_queue_slot(const struct shaper_queue *q, uint32_t i)
{
	return q->mem + (size_t)i * q->slot_size;
}

static int shaper_queue_push(struct shaper_queue *q, const struct buf *b)
{
	uint32_t i;
	struct buf w;

	if (q->count == q->slots || buf_left(b) > shaper_queue_mtu(q))
		return -ENOSPC;
	i = (q->head + q->count) % q->slots;
	buf_init_write(&w, shaper_queue_slot(q, i) + q->headroom, q->slot_size - q->headroom);
	if (buf_put_buf(&w, b) < 0)
		return -ENOSPC;
	q->len[i] = (uint32_t)buf_left(b);
	q->count++;
	return 0;
}

enum shaper_verdict shaper_offer(struct shaper *s, struct shaper_queue *q, const struct buf *b,
				 uint64_t now_ns)
{
	uint32_t len = buf_left(b) > UINT32_MAX ? UINT32_MAX : (uint32_t)buf_left(b);

	/* Behind a waiting packet even a packet the bucket could take waits: order is kept. */
	if (q->count == 0 && shaper_take(s, len, now_ns))
		return SHAPER_PASS;
	/* A packet larger than the bucket's depth would wait for ever: it goes no further. */
	if (len <= s->burst && shaper_queue_push(q, b) == 0) {
		s->queued_pkts++;
		return SHAPER_QUEUED;
	}
	shaper_count_drop(s, len);
	return SHAPER_DROP;
}

bool shaper_release(struct shaper *s, struct shaper_queue *q, uint64_t now_ns, struct buf *b)
{
	uint32_t i = q->head;

	if (q->count == 0 || !shaper_take(s, q->len[i], now_ns))
		return false;
	buf_init_room(b, shaper_queue_slot(q, i), q->slot_size, q->headroom, q->len[i]);
	q->head = (q->head + 1) % q->slots;
	q->count--;
	return true;
}

uint64_t shaper_next_ns(struct shaper *s, const struct shaper_queue *q, uint64_t now_ns)
{
	if (q->count == 0)
		return UINT64_MAX;
	return shaper_wait_ns(s, q->len[q->head], now_ns);
}
