/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/esp/replay: numbered table rows in the style of WireGuard's
 * selftest/counter.c (plain 32-bit numbers, then ESN inference across a 2^32 boundary), and a
 * comparison with a naive reference on random sequences (seed printed; ESP_SEED=n reproduces).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esp/replay.h"

#define W  ((uint64_t)ESP_REPLAY_WINDOW)
#define RB ((uint64_t)ESP_REPLAY_RING_BITS)

struct row {
	int n;
	uint64_t seq;
	bool accept;
};

/* Rows are fed to esp_replay_update in order; accept is its expected answer. */
static const struct row plain_rows[] = {
	{1, 0, false},			  /* 0 is never sent (RFC 4303 3.3.3) */
	{2, 1, true},			  /* first packet */
	{3, 1, false},			  /* duplicate */
	{4, 9, true},			  /* gap ahead */
	{5, 8, true},			  /* late, inside the window */
	{6, 7, true},			  /* late */
	{7, 7, false},			  /* duplicate of a late one */
	{8, W, true},			  /* top = W: 1 is still inside (W - 1 behind) */
	{9, W - 1, true},		  /* just behind the top */
	{10, W - 1, false},		  /* ... seen */
	{11, 1, false},			  /* oldest slot of the window, seen */
	{12, 2, true},			  /* in the window, never seen */
	{13, W + 1, true},		  /* top = W + 1: 1 falls out */
	{14, 1, false},			  /* too old (and seen) */
	{15, 3, true},			  /* inside, never seen */
	{16, 3, false},			  /* ... now seen */
	{17, 2, false},			  /* oldest slot, seen at row 12 */
	{18, 4 * W, true},		  /* jump by several windows */
	{19, 4 * W - (W - 1), true},	  /* oldest slot; aliases row 13 in the ring */
	{20, 4 * W - W, false},		  /* one past the oldest slot */
	{21, 4 * W - (W - 1), false},	  /* duplicate at the edge */
	{22, 10, false},		  /* ancient */
	{23, 4 * W - 1, true},		  /* the ring was cleared behind the jump */
	{24, 4 * W + 63, true},		  /* same word as the top... */
	{25, 4 * W + 64, true},		  /* ...and the next word */
	{26, 4 * W + 64 + RB, true},	  /* aliases the slot of row 25 in the ring */
	{27, 4 * W + 63 + RB, true},	  /* aliases row 24's slot: must have been cleared */
	{28, 4 * W + 64, false},	  /* row 25, now far behind */
	{29, 4 * W + 64 + RB, false},	  /* duplicate of the top */
	{30, 4 * W + 65 + RB, true},	  /* next */
	{31, 4 * W + 65 + RB - W, false}, /* just outside */
	{32, 4 * W + 66 + RB - W, true},  /* oldest slot */
	{33, UINT32_MAX, true},		  /* the last 32-bit number */
	{34, UINT32_MAX, false},	  /* ... once */
	{35, UINT32_MAX - W + 1, true},	  /* oldest slot */
	{36, UINT32_MAX - W, false},	  /* outside */
};

Test(replay, plain_table)
{
	struct esp_replay r;
	size_t i;

	esp_replay_init(&r);
	for (i = 0; i < sizeof(plain_rows) / sizeof(plain_rows[0]); i++) {
		const struct row *t = &plain_rows[i];
		bool pre = esp_replay_check(&r, t->seq), got = esp_replay_update(&r, t->seq);

		cr_expect_eq(pre, t->accept, "row %d: check(%" PRIu64 ") = %d", t->n, t->seq, pre);
		cr_expect_eq(got, t->accept, "row %d: update(%" PRIu64 ") = %d", t->n, t->seq, got);
	}
}

struct esn_row {
	int n;
	uint32_t lo;   /* what the packet carries */
	uint64_t full; /* what esp_replay_infer must reconstruct (0: impossible) */
	bool accept;
};

#define HI(h, l) ((uint64_t)(h) << 32 | (uint32_t)(l))

/* Starting from a top of 0xffffff00 (set with a direct update). */
static const struct esn_row esn_rows[] = {
	{1, 0xffffff10, HI(0, 0xffffff10), true},  /* case A, same subspace */
	{2, 0x00000005, HI(1, 5), true},	   /* case A, wraps into subspace 1 */
	{3, 0xffffff20, HI(0, 0xffffff20), true},  /* case B, late packet from subspace 0 */
	{4, 0xffffff10, HI(0, 0xffffff10), false}, /* case B, duplicate of row 1 */
	{5, 0xfffff006, HI(0, 0xfffff006), true},  /* case B, oldest slot: top - W + 1 */
	{6, 0xfffff005, HI(1, 0xfffff005), true},  /* A2.2: older than the window reads as
						      far ahead; only the ICV (which covers
						      the high bits) can reject it */
	{7, 0x00000005, HI(1, 5), false},	   /* duplicate of row 2 */
	{8, 0x00000006, HI(1, 6), true},	   /* next */
	{9, 0x00000000, HI(1, 0), true},	   /* low half 0 is valid past subspace 0 */
	{10, 0x00000000, HI(1, 0), false},	   /* ... once */
};

Test(replay, esn_table)
{
	struct esp_replay r;
	size_t i;

	esp_replay_init(&r);
	cr_assert(esp_replay_update(&r, 0xffffff00));
	for (i = 0; i < sizeof(esn_rows) / sizeof(esn_rows[0]); i++) {
		const struct esn_row *t = &esn_rows[i];
		uint64_t full = esp_replay_infer(&r, t->lo, true);
		bool got;

		cr_expect_eq(full, t->full, "row %d: infer(%#x) = %#" PRIx64 ", want %#" PRIx64,
			     t->n, t->lo, full, t->full);
		if (t->n == 6)
			continue; /* not fed: it would move the top 2^32 ahead */
		got = esp_replay_update(&r, full);
		cr_expect_eq(got, t->accept, "row %d: update(%#" PRIx64 ") = %d", t->n, full, got);
	}
}

Test(replay, esn_edges)
{
	struct esp_replay r;

	/* Case B in subspace 0: a number "before" the first subspace does not exist. */
	esp_replay_init(&r);
	cr_assert(esp_replay_update(&r, 1));
	cr_expect_eq(esp_replay_infer(&r, 0xffffffff, true), 0);
	cr_expect_not(esp_replay_check(&r, esp_replay_infer(&r, 0xffffffff, true)));
	/* Without ESN the low half is the number. */
	cr_expect_eq(esp_replay_infer(&r, 0xffffffff, false), 0xffffffff);
	/* At the end of the 64-bit space, a wrap cannot be inferred. */
	cr_assert(esp_replay_update(&r, HI(0xffffffff, 0xffffff00)));
	cr_expect_eq(esp_replay_infer(&r, 0x10, true), 0);
	cr_expect_eq(esp_replay_infer(&r, 0xffffff01, true), HI(0xffffffff, 0xffffff01));
	cr_expect(esp_replay_update(&r, UINT64_MAX));
	cr_expect_not(esp_replay_update(&r, UINT64_MAX));
}

/* ---- random sequences against a naive reference ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t seed_from_env(const char *test)
{
	const char *s = getenv("ESP_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;

	printf("%s: ESP_SEED=%" PRIu64 "\n", test, seed);
	fflush(stdout);
	return seed;
}

/* The reference: every accepted number in a plain bitmap over [base, base + span). */
struct naive {
	uint64_t base, span, top;
	uint8_t *seen;
};

static bool naive_accept(struct naive *n, uint64_t seq)
{
	uint64_t i = seq - n->base;

	if (seq == 0 || (seq <= n->top && n->top - seq >= W) || (n->seen[i / 8] >> (i % 8) & 1))
		return false;
	n->seen[i / 8] |= (uint8_t)(1 << (i % 8));
	if (seq > n->top)
		n->top = seq;
	return true;
}

static void random_walk(const char *name, uint64_t base, bool esn, int steps)
{
	struct naive ref = {.base = base, .span = 1ull << 26};
	struct esp_replay r;
	uint64_t seed = seed_from_env(name), cur = base + 1;
	int i, accepted = 0;

	rng_state = seed;
	ref.seen = calloc(ref.span / 8, 1);
	cr_assert_not_null(ref.seen);
	ref.top = base ? base - 1 : 0;
	esp_replay_init(&r);
	if (base)
		cr_assert(esp_replay_update(&r, base - 1));
	for (i = 0; i < steps; i++) {
		uint64_t pick = rng_next() % 100, delta = rng_next(), seq, full;
		bool want, got;

		if (pick < 50)
			seq = cur + 1 + delta % 8; /* in order, small gaps */
		else if (pick < 75)
			seq = cur -
			      delta % (W + W / 4); /* late: inside and just outside the window */
		else if (pick < 85)
			seq = cur; /* duplicate of the newest */
		else if (pick < 95)
			seq = cur + delta % (3 * W); /* a burst lost */
		else
			seq = cur - delta % (8 * W); /* far behind */
		if (seq < base || seq - base >= ref.span)
			continue;
		if (seq > cur)
			cur = seq;
		if (esn) {
			/* A2.2 is exact for numbers not older than the window. */
			if (seq <= ref.top && ref.top - seq >= W)
				continue;
			full = esp_replay_infer(&r, (uint32_t)seq, true);
			cr_assert_eq(full, seq,
				     "seed %" PRIu64 " step %d: infer(%#x) = %#" PRIx64
				     ", top %#" PRIx64,
				     seed, i, (uint32_t)seq, full, r.top);
		}
		want = naive_accept(&ref, seq);
		cr_assert_eq(esp_replay_check(&r, seq), want,
			     "seed %" PRIu64 " step %d seq %" PRIu64, seed, i, seq);
		got = esp_replay_update(&r, seq);
		cr_assert_eq(got, want, "seed %" PRIu64 " step %d: update(%" PRIu64 ") = %d", seed,
			     i, seq, got);
		accepted += got;
	}
	/* Sanity: the walk exercised both answers. */
	cr_assert(accepted > steps / 4 && accepted < steps, "accepted %d of %d", accepted, steps);
	free(ref.seen);
}

Test(replay, random_vs_naive_32bit)
{
	random_walk("replay random 32-bit", 0, false, 300000);
}

Test(replay, random_vs_naive_esn_wrap)
{
	/* Starts 2^20 below 2^32 so the walk crosses into the second subspace. */
	random_walk("replay random ESN", (1ull << 32) - (1ull << 20), true, 300000);
}
