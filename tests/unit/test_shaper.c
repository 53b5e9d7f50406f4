/* SPDX-License-Identifier: MIT */
/* Unit tests for src/dp/shaper: admitted volume against the exact rate over simulated time. */
#include <criterion/criterion.h>

#include "dp/shaper.h"

#define MBIT 1000000ull
#define NS 1000000000ull

/* Offer pkt-byte packets every gap_ns for secs seconds; return bytes admitted. */
static uint64_t offer(struct shaper *s, uint32_t pkt, uint64_t gap_ns, uint64_t secs)
{
	uint64_t t, before = s->passed_bytes;

	for (t = gap_ns; t <= secs * NS; t += gap_ns)
		shaper_admit(s, pkt, t);
	return s->passed_bytes - before;
}

/* Rows: SKU rates at twice, ten times and half the offered load. */
static const struct {
	uint64_t rate_bps;
	uint64_t offered_bps;
} rows[] = {
	{ 100 * MBIT, 200 * MBIT }, /* 1: Basic/Standard, overloaded twice */
	{ 100 * MBIT, 1000 * MBIT },/* 2: overloaded tenfold */
	{ 200 * MBIT, 400 * MBIT }, /* 3: HighPerformance */
	{ 200 * MBIT, 100 * MBIT }, /* 4: under the rate: everything passes */
};

Test(shaper, ten_seconds_at_rate_within_one_percent)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct shaper s;
		uint32_t pkt = 1400;
		uint64_t gap = pkt * 8ull * NS / rows[i].offered_bps, got, want;

		shaper_init(&s, rows[i].rate_bps, 0, 0);
		got = offer(&s, pkt, gap, 10);
		want = rows[i].offered_bps < rows[i].rate_bps ? (10 * NS / gap) * pkt
							      : rows[i].rate_bps / 8 * 10 + s.burst;
		cr_assert(got <= want, "row %zu: %llu bytes admitted, more than %llu", i + 1,
			  (unsigned long long)got, (unsigned long long)want);
		cr_assert(got * 100 >= want * 99, "row %zu: %llu bytes admitted, want ~%llu", i + 1,
			  (unsigned long long)got, (unsigned long long)want);
		cr_assert_eq(s.passed_bytes + s.dropped_bytes, (10 * NS / gap) * pkt);
	}
}

Test(shaper, burst_then_rate)
{
	struct shaper s;

	shaper_init(&s, 8 * MBIT, 10000, 0); /* 1 byte per microsecond, 10000-byte depth */
	for (int i = 0; i < 10; i++)
		cr_assert(shaper_admit(&s, 1000, 0), "the full bucket passes a burst");
	cr_assert(!shaper_admit(&s, 1, 0), "then it is empty");
	cr_assert_eq(s.dropped_pkts, 1);
	cr_assert_eq(shaper_wait_ns(&s, 500, 0), 500 * 1000, "500 bytes take 500 us");
	cr_assert(!shaper_admit(&s, 500, 499 * 1000));
	cr_assert(shaper_admit(&s, 500, 500 * 1000));
	/* A long idle period refills to the depth, not beyond. */
	cr_assert_eq(shaper_wait_ns(&s, 10000, 3600 * NS), 0);
	cr_assert(!shaper_admit(&s, 10001, 3600 * NS));
}

Test(shaper, unlimited_and_resize)
{
	struct shaper s;

	shaper_init(&s, 0, 0, 0);
	for (int i = 0; i < 1000; i++)
		cr_assert(shaper_admit(&s, 65535, 0));
	cr_assert_eq(shaper_wait_ns(&s, 65535, 0), 0);

	shaper_init(&s, 200 * MBIT, 0, 0);
	cr_assert_eq(s.burst, 200 * MBIT / 8 / 100, "default depth: 10 ms at the rate");
	shaper_set_rate(&s, 100 * MBIT, 0, 0);
	cr_assert_eq(s.burst, 100 * MBIT / 8 / 100);
	cr_assert_leq(s.tokens_nb, s.burst * NS, "tokens capped to the new depth");
	shaper_set_rate(&s, 1 * MBIT, 0, 0);
	cr_assert_eq(s.burst, 64 * 1024, "the depth never goes below 64 KiB");
}

Test(shaper, fast_rates_do_not_overflow)
{
	struct shaper s;

	/* 100 Gbit/s over an hour idle: rate * elapsed is far past 2^64 nanobytes. */
	shaper_init(&s, 100000 * MBIT, 0, 0);
	cr_assert(shaper_admit(&s, (uint32_t)s.burst, 0));
	cr_assert_eq(shaper_wait_ns(&s, (uint32_t)s.burst, 3600 * NS), 0, "refilled, not wrapped");
	cr_assert(shaper_admit(&s, (uint32_t)s.burst, 3600 * NS));
}

Test(shaper, time_going_backwards_is_ignored)
{
	struct shaper s;

	shaper_init(&s, 8 * MBIT, 1000, 5 * NS);
	cr_assert(shaper_admit(&s, 1000, 5 * NS));
	cr_assert(!shaper_admit(&s, 1, 4 * NS));
	cr_assert(shaper_admit(&s, 1, 5 * NS + 1000));
}
