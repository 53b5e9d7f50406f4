/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/dp/shaper with a fake clock: admitted volume against the exact rate over
 * simulated time, and the queue in front of the bucket (order, fullness, release times).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp/shaper.h"

#define MBIT 1000000ull
#define NS   1000000000ull

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
	{100 * MBIT, 200 * MBIT},  /* 1: Basic/Standard, overloaded twice */
	{100 * MBIT, 1000 * MBIT}, /* 2: overloaded tenfold */
	{200 * MBIT, 400 * MBIT},  /* 3: HighPerformance */
	{200 * MBIT, 100 * MBIT},  /* 4: under the rate: everything passes */
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
	cr_assert_eq(s.burst, 200 * MBIT / 8 / 20, "default depth: 50 ms at the rate");
	shaper_set_rate(&s, 100 * MBIT, 0, 0);
	cr_assert_eq(s.burst, 100 * MBIT / 8 / 20);
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

/* ---- the queue in front of the bucket ------------------------------------------------------ */

/* A packet of len bytes whose first four bytes number it (to check the order). */
static void pkt_make(uint8_t *mem, uint32_t len, uint32_t id, struct buf *b)
{
	struct buf w;

	buf_init_write(&w, mem, len);
	cr_assert_eq(buf_put_be32(&w, id), 0);
	cr_assert_eq(buf_put_fill(&w, 0xab, len - 4), 0);
	buf_init_read(b, mem, len);
}

static uint32_t pkt_id(struct buf *b)
{
	uint32_t id = 0;

	cr_assert_eq(buf_peek_be32(b, 0, &id), 0);
	return id;
}

/*
 * A sender offering bursts of burst_pkts packets of pkt bytes every gap_ns (a TSO read), the
 * data plane waking every tick_ns to release, for secs seconds. Checks order on the way; returns
 * bytes out, and counts the drops.
 */
struct sim {
	uint64_t out_bytes, out_pkts, drops, queued, max_delay_ns;
	uint64_t sent_at[1 << 16];
};

static void simulate(struct shaper *s, struct shaper_queue *q, uint32_t pkt, unsigned burst_pkts,
		     uint64_t gap_ns, uint64_t tick_ns, uint64_t secs, struct sim *r)
{
	static uint8_t mem[4096];
	uint32_t next_id = 0, expect_id = 0;
	uint64_t t, next_burst = 0, next_tick = 0, step = gap_ns < tick_ns ? gap_ns : tick_ns;
	struct buf b, out;

	for (t = 0; t <= secs * NS; t += step) {
		while (t >= next_tick && shaper_release(s, q, t, &out)) {
			uint32_t id = pkt_id(&out);

			cr_assert(id >= expect_id, "order: packet %u released after %u", id,
				  expect_id);
			expect_id = id + 1;
			if (t - r->sent_at[id & 0xffff] > r->max_delay_ns)
				r->max_delay_ns = t - r->sent_at[id & 0xffff];
			cr_assert_eq(buf_left(&out), pkt);
			cr_assert_geq(buf_headroom(&out), q->headroom);
			cr_assert_geq(buf_tailroom(&out), q->tailroom);
			r->out_bytes += pkt;
			r->out_pkts++;
		}
		if (t >= next_tick)
			next_tick += tick_ns;
		if (t < next_burst)
			continue;
		next_burst += gap_ns;
		for (unsigned k = 0; k < burst_pkts; k++) {
			pkt_make(mem, pkt, next_id, &b);
			r->sent_at[next_id & 0xffff] = t;
			switch (shaper_offer(s, q, &b, t)) {
			case SHAPER_PASS:
				cr_assert(next_id >= expect_id, "passed ahead of a waiting packet");
				expect_id = next_id + 1;
				r->out_bytes += pkt;
				r->out_pkts++;
				break;
			case SHAPER_QUEUED:
				r->queued++;
				break;
			case SHAPER_DROP:
				r->drops++;
				break;
			}
			next_id++;
		}
	}
}

/* Rows: rate, packet size, burst of packets per gap, gap, wake-up tick. */
static const struct {
	uint64_t rate_bps;
	uint32_t pkt;
	unsigned burst;
	uint64_t gap_ns, tick_ns;
	bool overload; /* offered more than the rate: the output must be the rate */
} qrows[] = {
	/* 1: Basic, 45-segment TSO bursts offered at twice the rate, woken every ms */
	{100 * MBIT, 1390, 45, 45 * 1390 * 8 * NS / (200 * MBIT), 1000000, true},
	/* 2: HighPerformance, the same at 1.5x, woken every 100 us */
	{200 * MBIT, 1390, 45, 45 * 1390 * 8 * NS / (300 * MBIT), 100000, true},
	/* 3: HighPerformance, small packets (64 bytes) in bursts of 8 at 4x */
	{200 * MBIT, 64, 8, 8 * 64 * 8 * NS / (800 * MBIT), 1000000, true},
	/* 4: Basic offered 90 Mbit/s in bursts of 20: all of it passes, nothing dropped */
	{100 * MBIT, 1390, 20, 20 * 1390 * 8 * NS / (90 * MBIT), 1000000, false},
};

Test(shaper, queue_holds_the_rate_in_order)
{
	for (size_t i = 0; i < sizeof(qrows) / sizeof(qrows[0]); i++) {
		static struct sim r;
		struct shaper s;
		struct shaper_queue q;
		uint64_t want, offered;

		memset(&r, 0, sizeof(r));
		shaper_init(&s, qrows[i].rate_bps, 0, 0);
		cr_assert_eq(
			shaper_queue_init(&q, SHAPER_QUEUE_SLOTS, SHAPER_QUEUE_SLOT_SIZE, 64, 33),
			0);
		simulate(&s, &q, qrows[i].pkt, qrows[i].burst, qrows[i].gap_ns, qrows[i].tick_ns,
			 10, &r);
		offered = (10 * NS / qrows[i].gap_ns + 1) * qrows[i].burst * qrows[i].pkt;
		want = qrows[i].overload ? qrows[i].rate_bps / 8 * 10 : offered;
		printf("row %zu: %.3f Mbit/s out of %.3f offered (rate %llu), %llu queued, %llu "
		       "dropped, longest wait %.2f ms\n",
		       i + 1, r.out_bytes * 8 / 10e6, offered * 8 / 10e6,
		       (unsigned long long)qrows[i].rate_bps / MBIT, (unsigned long long)r.queued,
		       (unsigned long long)r.drops, r.max_delay_ns / 1e6);
		/* The rate, within the bucket's depth above and one wake-up's worth of tokens
		 * below. */
		cr_assert_leq(r.out_bytes, want + s.burst,
			      "row %zu: %llu bytes out, rate allows %llu", i + 1,
			      (unsigned long long)r.out_bytes, (unsigned long long)want);
		cr_assert_geq(r.out_bytes * 1000, want * 995, "row %zu: %llu bytes out, want ~%llu",
			      i + 1, (unsigned long long)r.out_bytes, (unsigned long long)want);
		cr_assert_eq(r.out_pkts + r.drops + q.count, offered / qrows[i].pkt,
			     "row %zu: every packet passed, dropped or still waits", i + 1);
		cr_assert_eq(s.dropped_pkts, r.drops);
		cr_assert_eq(s.queued_pkts, r.queued);
		if (!qrows[i].overload)
			cr_assert_eq(r.drops, 0, "row %zu: under the rate nothing is dropped",
				     i + 1);
		else
			cr_assert_gt(r.queued, 0, "row %zu: bursts over the rate wait", i + 1);
		shaper_queue_free(&q);
	}
}

Test(shaper, queue_fifo_full_and_release_times)
{
	static uint8_t mem[2048];
	struct shaper s;
	struct shaper_queue q;
	struct buf b, out;

	shaper_init(&s, 8 * MBIT, 64 * 1024, 0); /* 1 byte per microsecond */
	cr_assert_eq(shaper_queue_init(&q, 4, 1100, 64, 36), 0);
	cr_assert_eq(shaper_queue_mtu(&q), 1000);
	/* Empty the bucket: 64 KiB in one go. */
	pkt_make(mem, 1000, 99, &b);
	for (int i = 0; i < 65; i++)
		cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_PASS);
	cr_assert_eq(shaper_next_ns(&s, &q, 0), UINT64_MAX, "nothing waits");
	/* 536 bytes left: a 1000-byte packet waits, and so does every one behind it. */
	for (uint32_t id = 0; id < 4; id++) {
		pkt_make(mem, 1000, id, &b);
		cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_QUEUED, "packet %u waits", id);
	}
	pkt_make(mem, 100, 4, &b);
	cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_DROP, "the queue is full");
	cr_assert_eq(s.dropped_pkts, 1);
	cr_assert_eq(shaper_next_ns(&s, &q, 0), 464 * 1000, "464 bytes missing: 464 us");
	cr_assert(!shaper_release(&s, &q, 463 * 1000, &out));
	cr_assert(shaper_release(&s, &q, 464 * 1000, &out));
	cr_assert_eq(pkt_id(&out), 0);
	cr_assert_eq(buf_headroom(&out), 64);
	cr_assert_geq(buf_tailroom(&out), 36);
	/* A small packet that the bucket could take still waits behind the others. */
	cr_assert_eq(shaper_offer(&s, &q, &b, 10 * 1000 * 1000), SHAPER_QUEUED);
	for (uint32_t id = 1; id < 5; id++) {
		cr_assert(shaper_release(&s, &q, 10 * 1000 * 1000, &out));
		cr_assert_eq(pkt_id(&out), id, "in order");
	}
	cr_assert_eq(q.count, 0);
	/* Larger than a slot: never queued. */
	pkt_make(mem, 1001, 5, &b);
	shaper_init(&s, 8 * MBIT, 1000, 0);
	cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_DROP);
	shaper_queue_free(&q);
	shaper_queue_free(&q);
	cr_assert_eq(shaper_queue_init(&q, 4, 100, 64, 36), -EINVAL);
}

Test(shaper, queue_sizes)
{
	cr_assert_eq(shaper_queue_slots(0), 0, "unshaped: no queue");
	cr_assert_eq(shaper_queue_slots(1 * MBIT), SHAPER_QUEUE_SLOTS, "at least the minimum");
	cr_assert_eq(shaper_queue_slots(100 * MBIT), 535, "60 ms of 1400-byte packets");
	cr_assert_eq(shaper_queue_slots(200 * MBIT), 1071);
	cr_assert_eq(shaper_queue_slots(100000 * MBIT), 65536, "bounded");
}

Test(shaper, queue_without_slots_is_a_policer)
{
	static uint8_t mem[1500];
	struct shaper s;
	struct shaper_queue q = {0};
	struct buf b;

	shaper_init(&s, 8 * MBIT, 10000, 0);
	pkt_make(mem, 1000, 1, &b);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_PASS);
	cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_DROP);
	cr_assert_eq(shaper_offer(&s, &q, &b, 1000 * 1000), SHAPER_PASS, "1000 bytes in 1 ms");
	/* Unshaped: everything passes, nothing is queued. */
	shaper_init(&s, 0, 0, 0);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(shaper_offer(&s, &q, &b, 0), SHAPER_PASS);
}
