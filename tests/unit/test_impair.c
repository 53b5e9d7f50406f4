/*
 * Unit tests for the lab impairment tool's decisions (tests/tools/impair/impair_core): parameter
 * parsing, exact pass-through without impairment, loss/duplication/reordering counts against a
 * reference replay of the same PRNG draws and within statistical bands, determinism per seed,
 * delay ordering with and without jitter, hold expiry, and the bounded queue. Randomised tests
 * print their seed; IMPAIR_SEED=<n> reproduces a run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The tool is not part of libvnetgw; its core is compiled into this suite directly. */
#include "tools/impair/impair_core.c"

#define MS    1000000ull
#define FRAME 64
#define N(a)  (sizeof(a) / sizeof((a)[0]))

static uint64_t test_seed(const char *test)
{
	const char *env = getenv("IMPAIR_SEED");
	uint64_t seed =
		env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

	fprintf(stderr, "impair %s: seed %" PRIu64 " (IMPAIR_SEED=%" PRIu64 " to reproduce)\n",
		test, seed, seed);
	return seed;
}

static struct impair_params params(const char *spec)
{
	struct impair_params p = {.hold_ns = 20 * MS};
	char err[160];

	cr_assert_eq(impair_params_parse(&p, spec, err, sizeof(err)), 0, "%s: %s", spec, err);
	return p;
}

/* Frame i: its number in the first 4 bytes, then a pattern derived from it. */
static void frame_make(uint8_t *f, uint32_t id)
{
	memcpy(f, &id, sizeof(id));
	for (unsigned i = sizeof(id); i < FRAME; i++)
		f[i] = (uint8_t)(id * 31 + i);
}

static void submit_id(struct impair_dir *d, uint32_t id, uint64_t now)
{
	uint8_t f[FRAME];

	frame_make(f, id);
	impair_dir_submit(d, f, sizeof(f), now);
}

/* Pop everything due at now into ids (checking each frame's bytes); returns how many. */
static unsigned pop_ids(struct impair_dir *d, uint64_t now, uint32_t *ids, unsigned max)
{
	const void *frame;
	size_t len;
	unsigned n = 0;

	while (impair_dir_pop(d, now, &frame, &len) == 0) {
		uint8_t want[FRAME];
		uint32_t id;

		cr_assert_eq(len, FRAME);
		memcpy(&id, frame, sizeof(id));
		frame_make(want, id);
		cr_assert_arr_eq(frame, want, FRAME, "frame %u corrupted", id);
		cr_assert_lt(n, max, "more frames out than expected");
		ids[n++] = id;
	}
	return n;
}

/* ---- parameters ------------------------------------------------------------------------- */

static const struct {
	const char *spec;
	int rc;
	uint32_t loss, dup, reorder;
	uint64_t delay, jitter, hold;
} parse_rows[] = {
	/* 1 */ {"loss=5", 0, 50000, 0, 0, 0, 0, 20 * MS},
	/* 2 */ {"loss=0.0001,dup=100,reorder=12.5", 0, 1, 1000000, 125000, 0, 0, 20 * MS},
	/* 3 */ {"delay=50,jitter=0.5,hold=100", 0, 0, 0, 0, 50 * MS, 500000, 100 * MS},
	/* 4 */ {"loss=100.1", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 5 */ {"loss=-1", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 6 */ {"loss=5x", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 7 */ {"loss=", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 8 */ {"loss", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 9 */ {"speed=5", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 10 */ {"delay=3600001", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 11 */ {"dup=nan", -EINVAL, 0, 0, 0, 0, 0, 0},
	/* 12 */ {"", 0, 0, 0, 0, 0, 0, 20 * MS},
};

Test(impair, params_parse_table)
{
	for (unsigned i = 0; i < N(parse_rows); i++) {
		struct impair_params p = {.hold_ns = 20 * MS}, before;
		char err[160] = "";
		int rc;

		before = p;
		rc = impair_params_parse(&p, parse_rows[i].spec, err, sizeof(err));
		cr_assert_eq(rc, parse_rows[i].rc, "row %u '%s': rc %d", i + 1, parse_rows[i].spec,
			     rc);
		if (rc) {
			cr_assert_neq(err[0], '\0', "row %u: no reason given", i + 1);
			cr_assert_eq(memcmp(&p, &before, sizeof(p)), 0, "row %u: changed on error",
				     i + 1);
			continue;
		}
		cr_assert_eq(p.loss_ppm, parse_rows[i].loss, "row %u", i + 1);
		cr_assert_eq(p.dup_ppm, parse_rows[i].dup, "row %u", i + 1);
		cr_assert_eq(p.reorder_ppm, parse_rows[i].reorder, "row %u", i + 1);
		cr_assert_eq(p.delay_ns, parse_rows[i].delay, "row %u", i + 1);
		cr_assert_eq(p.jitter_ns, parse_rows[i].jitter, "row %u", i + 1);
		cr_assert_eq(p.hold_ns, parse_rows[i].hold, "row %u", i + 1);
	}
}

Test(impair, counters_line_is_key_value)
{
	struct impair_counters c = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	char line[512];

	impair_counters_format(&c, "ab", line, sizeof(line));
	cr_assert_str_eq(line, "dir=ab received=1 forwarded=2 lost=3 duplicated=4 reordered=5 "
			       "delayed=6 queue_full=7 oversize=8 send_errors=9 rx_drops=10");
}

/* ---- pass-through ----------------------------------------------------------------------- */

Test(impair, zero_impairment_passes_everything_in_order)
{
	struct impair_params p = params("");
	struct impair_dir *d = impair_dir_new(&p, 1, 64, FRAME);
	uint32_t ids[64];
	uint32_t next = 0, out = 0;
	uint64_t t = 1000;

	cr_assert_not_null(d);
	/* Bursts of 1..40 frames at one instant, then drained: nothing waits, nothing moves. */
	for (unsigned burst = 0; burst < 2000; burst++, t += 7) {
		unsigned n = 1 + burst % 40, got;

		for (unsigned i = 0; i < n; i++)
			submit_id(d, next++, t);
		cr_assert_eq(impair_dir_next_ns(d), t);
		got = pop_ids(d, t, ids, N(ids));
		cr_assert_eq(got, n);
		for (unsigned i = 0; i < got; i++)
			cr_assert_eq(ids[i], out++, "burst %u: out of order", burst);
		cr_assert_eq(impair_dir_next_ns(d), IMPAIR_NEVER);
	}
	struct impair_counters *c = impair_dir_counters(d);
	cr_assert_eq(c->received, next);
	cr_assert_eq(c->forwarded, next);
	cr_assert_eq(c->lost + c->duplicated + c->reordered + c->delayed + c->queue_full, 0);
	impair_dir_free(d);
}

/* ---- rates: exact against a replay of the draws, and within bands ------------------------ */

#define RATE_FRAMES 100000u

/*
 * A naive model of the decisions from the same PRNG stream: three draws per frame (loss, dup,
 * hold), a hold only when nothing is held, released (and counted) by the next surviving frame.
 */
static void reference(const struct impair_params *p, uint64_t seed, unsigned n,
		      struct impair_counters *want)
{
	struct impair_rng r;
	bool held = false;

	impair_rng_seed(&r, seed);
	memset(want, 0, sizeof(*want));
	for (unsigned i = 0; i < n; i++) {
		bool lose = impair_rng_below(&r, IMPAIR_PPM_MAX) < p->loss_ppm;
		bool dup = impair_rng_below(&r, IMPAIR_PPM_MAX) < p->dup_ppm;
		bool hold = impair_rng_below(&r, IMPAIR_PPM_MAX) < p->reorder_ppm;

		want->received++;
		if (lose) {
			want->lost++;
			continue;
		}
		want->forwarded += dup ? 2 : 1;
		want->duplicated += dup;
		if (hold && !held) {
			held = true;
		} else if (held) {
			want->reordered++;
			held = false;
		}
	}
}

/* |x - n p| within 6 standard deviations of a binomial(n, p). */
static void assert_binomial(uint64_t x, uint64_t n, double p, const char *what)
{
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));

	cr_assert(fabs((double)x - mean) <= 6 * sd + 1,
		  "%s: %" PRIu64 " of %" PRIu64 ", expected %.1f +- %.1f", what, x, n, mean,
		  6 * sd);
}

Test(impair, rates_match_reference_and_bands, .timeout = 60)
{
	static const char *const specs[] = {
		"loss=5", "dup=3", "reorder=10", "loss=2,dup=1,reorder=25", "loss=100", "dup=100"};
	uint64_t seed = test_seed("rates_match_reference_and_bands");

	for (unsigned s = 0; s < N(specs); s++) {
		struct impair_params p = params(specs[s]);
		struct impair_dir *d = impair_dir_new(&p, seed + s, 16, FRAME);
		struct impair_counters want, *c;
		uint32_t ids[16];
		double pl = p.loss_ppm / 1e6, pd = p.dup_ppm / 1e6, pr = p.reorder_ppm / 1e6;

		cr_assert_not_null(d);
		/* One frame per microsecond, drained as it goes: holds are always followed in time.
		 */
		for (uint32_t i = 0; i < RATE_FRAMES; i++) {
			submit_id(d, i, 1000 + i * 1000ull);
			pop_ids(d, 1000 + i * 1000ull, ids, N(ids));
		}
		pop_ids(d, IMPAIR_NEVER - 1, ids, N(ids));
		c = impair_dir_counters(d);
		reference(&p, seed + s, RATE_FRAMES, &want);
		cr_assert_eq(c->received, want.received, "%s", specs[s]);
		cr_assert_eq(c->lost, want.lost, "%s: lost", specs[s]);
		cr_assert_eq(c->duplicated, want.duplicated, "%s: duplicated", specs[s]);
		cr_assert_eq(c->reordered, want.reordered, "%s: reordered", specs[s]);
		cr_assert_eq(c->forwarded, want.forwarded, "%s: forwarded", specs[s]);
		cr_assert_eq(c->queue_full, 0, "%s", specs[s]);
		cr_assert_eq(impair_dir_queued(d), 0, "%s: left in the queue", specs[s]);
		assert_binomial(c->lost, RATE_FRAMES, pl, specs[s]);
		assert_binomial(c->duplicated, c->received - c->lost, pd, specs[s]);
		/*
		 * A surviving frame starts a hold with probability pr only when none is pending,
		 * and every pending hold ends at the next survivor: holds ~ survivors * pr/(1+pr).
		 */
		assert_binomial(c->reordered, c->received - c->lost, pr / (1 + pr), specs[s]);
		impair_dir_free(d);
	}
}

/* ---- determinism ------------------------------------------------------------------------- */

struct trace {
	uint32_t id[4096];
	uint64_t at[4096];
	unsigned n;
};

/* A mixed workload with irregular arrival times; records what leaves and when. */
static void run_trace(uint64_t seed, struct trace *tr, struct impair_counters *out)
{
	struct impair_params p = params("loss=7,dup=4,reorder=15,delay=3,jitter=2,hold=1");
	struct impair_dir *d = impair_dir_new(&p, seed, 32, FRAME);
	struct impair_rng arrivals;
	uint64_t t = 1000000;
	uint32_t ids[64];

	cr_assert_not_null(d);
	impair_rng_seed(&arrivals, 12345); /* the input, identical for every run */
	tr->n = 0;
	for (uint32_t i = 0; i < 2000; i++) {
		uint64_t next = t + impair_rng_below(&arrivals, 2 * MS);

		/* Release what falls due before the next arrival, at its due time. */
		while (impair_dir_next_ns(d) <= next) {
			uint64_t due = impair_dir_next_ns(d);
			unsigned got = pop_ids(d, due, ids, N(ids));

			for (unsigned k = 0; k < got && tr->n < N(tr->id); k++) {
				tr->id[tr->n] = ids[k];
				tr->at[tr->n++] = due;
			}
		}
		t = next;
		submit_id(d, i, t);
	}
	*out = *impair_dir_counters(d);
	impair_dir_free(d);
}

Test(impair, same_seed_same_decisions)
{
	static struct trace a, b;
	struct impair_counters ca, cb;
	uint64_t seed = test_seed("same_seed_same_decisions");

	run_trace(seed, &a, &ca);
	run_trace(seed, &b, &cb);
	cr_assert_gt(a.n, 1000);
	cr_assert_eq(a.n, b.n);
	cr_assert_arr_eq(a.id, b.id, a.n * sizeof(a.id[0]));
	cr_assert_arr_eq(a.at, b.at, a.n * sizeof(a.at[0]));
	cr_assert_eq(memcmp(&ca, &cb, sizeof(ca)), 0);
	cr_assert_gt(ca.lost * ca.duplicated * ca.reordered * ca.delayed, 0,
		     "a workload that draws");

	run_trace(seed ^ 0x5555, &b, &cb);
	cr_assert(a.n != b.n || memcmp(a.id, b.id, a.n * sizeof(a.id[0])) ||
			  memcmp(a.at, b.at, a.n * sizeof(a.at[0])),
		  "another seed, the very same run");
}

/* ---- reordering -------------------------------------------------------------------------- */

Test(impair, reorder_swaps_with_the_next_frame)
{
	struct impair_params p = params("reorder=100,hold=5");
	struct impair_dir *d = impair_dir_new(&p, 9, 8, FRAME);
	uint32_t ids[8];
	static const uint32_t want[] = {1, 0, 3, 2, 5, 4};

	cr_assert_not_null(d);
	/* Every frame wants a hold; only one is held at a time, the next one releases it. */
	for (uint32_t i = 0; i < 6; i++) {
		unsigned got;

		submit_id(d, i, 100 + i);
		got = pop_ids(d, 100 + i, ids, N(ids));
		if (i % 2 == 0) {
			cr_assert_eq(got, 0, "frame %u should be held", i);
			continue;
		}
		cr_assert_eq(got, 2);
		cr_assert_eq(ids[0], want[i - 1]);
		cr_assert_eq(ids[1], want[i]);
	}
	cr_assert_eq(impair_dir_counters(d)->reordered, 3);
	impair_dir_free(d);
}

Test(impair, held_frame_released_after_hold_time)
{
	struct impair_params p = params("reorder=100,hold=5");
	struct impair_dir *d = impair_dir_new(&p, 9, 8, FRAME);
	uint32_t ids[8];

	cr_assert_not_null(d);
	submit_id(d, 0, 1000);
	cr_assert_eq(impair_dir_next_ns(d), 1000 + 5 * MS, "the hold's deadline is due next");
	cr_assert_eq(pop_ids(d, 1000 + 5 * MS - 1, ids, N(ids)), 0);
	cr_assert_eq(pop_ids(d, 1000 + 5 * MS, ids, N(ids)), 1);
	cr_assert_eq(ids[0], 0);
	cr_assert_eq(impair_dir_counters(d)->reordered, 0, "expired, not reordered");
	cr_assert_eq(impair_dir_next_ns(d), IMPAIR_NEVER);

	/* A follower arriving after the deadline does not count as passing it either. */
	submit_id(d, 1, 2 * MS);
	submit_id(d, 2, 2 * MS + 5 * MS);
	cr_assert_eq(pop_ids(d, 2 * MS + 5 * MS, ids, N(ids)), 1);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(impair_dir_counters(d)->reordered, 0);
	impair_dir_free(d);
}

Test(impair, lost_frame_does_not_release_a_hold)
{
	struct impair_params p = params("reorder=100,hold=5");
	struct impair_dir *d = impair_dir_new(&p, 9, 8, FRAME);
	uint32_t ids[8];

	cr_assert_not_null(d);
	submit_id(d, 0, 100);
	p.loss_ppm = IMPAIR_PPM_MAX; /* the next one is lost */
	d->p = p;
	submit_id(d, 1, 101);
	cr_assert_eq(pop_ids(d, 101, ids, N(ids)), 0, "the held frame still waits");
	p.loss_ppm = 0;
	d->p = p;
	submit_id(d, 2, 102);
	cr_assert_eq(pop_ids(d, 102, ids, N(ids)), 2);
	cr_assert_eq(ids[0], 2);
	cr_assert_eq(ids[1], 0);
	impair_dir_free(d);
}

Test(impair, duplicate_of_a_held_frame_follows_it)
{
	struct impair_params p = params("reorder=100,dup=100,hold=5");
	struct impair_dir *d = impair_dir_new(&p, 9, 8, FRAME);
	uint32_t ids[8];

	cr_assert_not_null(d);
	submit_id(d, 0, 100);
	submit_id(d, 1, 101);
	cr_assert_eq(pop_ids(d, 101, ids, N(ids)), 4);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(ids[1], 1);
	cr_assert_eq(ids[2], 0);
	cr_assert_eq(ids[3], 0);
	impair_dir_free(d);
}

/* ---- delay and jitter -------------------------------------------------------------------- */

Test(impair, delay_without_jitter_keeps_order_and_exact_times)
{
	struct impair_params p = params("delay=50");
	struct impair_dir *d = impair_dir_new(&p, 5, 256, FRAME);
	uint32_t ids[256], out = 0;

	cr_assert_not_null(d);
	for (uint32_t i = 0; i < 200; i++)
		submit_id(d, i, i * 100000ull); /* every 0.1 ms: 200 in flight */
	cr_assert_eq(impair_dir_counters(d)->delayed, 200);
	for (uint32_t i = 0; i < 200; i++) {
		uint64_t due = i * 100000ull + 50 * MS;

		cr_assert_eq(impair_dir_next_ns(d), due);
		cr_assert_eq(pop_ids(d, due - 1, ids, N(ids)), 0, "frame %u early", i);
		cr_assert_eq(pop_ids(d, due, ids, N(ids)), 1);
		cr_assert_eq(ids[0], out++);
	}
	impair_dir_free(d);
}

Test(impair, jitter_stays_in_bounds_and_may_reorder)
{
	struct impair_params p = params("delay=10,jitter=4");
	struct impair_dir *d = impair_dir_new(&p, test_seed("jitter"), 2048, FRAME);
	uint64_t sent[2000], last_due = 0, lo = UINT64_MAX, hi = 0;
	unsigned out = 0, inversions = 0;
	uint32_t ids[64], top = 0;

	cr_assert_not_null(d);
	for (uint32_t i = 0; i < 2000; i++) {
		sent[i] = 1000 + i * 200000ull; /* every 0.2 ms, far closer than 2 x jitter */
		submit_id(d, i, sent[i]);
	}
	while (impair_dir_next_ns(d) != IMPAIR_NEVER) {
		uint64_t due = impair_dir_next_ns(d);
		unsigned got = pop_ids(d, due, ids, N(ids));

		cr_assert_geq(due, last_due, "release times go forward");
		last_due = due;
		for (unsigned k = 0; k < got; k++, out++) {
			uint64_t lag = due - sent[ids[k]];

			lo = lag < lo ? lag : lo;
			hi = lag > hi ? lag : hi;
			if (out && ids[k] < top)
				inversions++;
			top = ids[k] > top ? ids[k] : top;
		}
	}
	cr_assert_eq(out, 2000);
	cr_assert_geq(lo, 6 * MS, "delay - jitter is the least");
	cr_assert_leq(hi, 14 * MS, "delay + jitter is the most");
	cr_assert_lt(lo, 6 * MS + MS / 2, "the low end is reached (%" PRIu64 ")", lo);
	cr_assert_gt(hi, 14 * MS - MS / 2, "the high end is reached (%" PRIu64 ")", hi);
	/* Documented: jitter reorders (as netem's does without a rate); these are not "reordered".
	 */
	cr_assert_gt(inversions, 0);
	cr_assert_eq(impair_dir_counters(d)->reordered, 0);
	impair_dir_free(d);
}

Test(impair, jitter_larger_than_delay_never_releases_before_arrival)
{
	struct impair_params p = params("delay=1,jitter=5");
	struct impair_dir *d = impair_dir_new(&p, 77, 8, FRAME);
	uint32_t ids[8];
	unsigned zero = 0;

	cr_assert_not_null(d);
	for (uint32_t i = 0; i < 1000; i++) {
		uint64_t t = 1000 * MS + i * 20 * MS, due;

		submit_id(d, i, t);
		due = impair_dir_next_ns(d);
		cr_assert_geq(due, t);
		cr_assert_leq(due, t + 6 * MS);
		zero += due == t;
		cr_assert_eq(pop_ids(d, due, ids, N(ids)), 1);
	}
	/* delay - jitter < 0 floors at "now": 4 of the 10 ms range below zero, ~40%. */
	cr_assert(zero > 250 && zero < 550, "%u of 1000 released at once", zero);
	impair_dir_free(d);
}

/* ---- bounded memory ---------------------------------------------------------------------- */

Test(impair, full_queue_drops_and_counts)
{
	struct impair_params p = params("delay=10");
	struct impair_dir *d = impair_dir_new(&p, 3, 8, FRAME);
	uint32_t ids[16];

	cr_assert_not_null(d);
	for (uint32_t i = 0; i < 20; i++)
		submit_id(d, i, 1000);
	cr_assert_eq(impair_dir_queued(d), 8);
	cr_assert_eq(impair_dir_counters(d)->queue_full, 12);
	cr_assert_eq(pop_ids(d, 1000 + 10 * MS, ids, N(ids)), 8);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(ids[i], i, "the first eight, in order");
	/* The slots are back: the pool serves again. */
	for (uint32_t i = 20; i < 28; i++)
		submit_id(d, i, 2000);
	cr_assert_eq(impair_dir_counters(d)->queue_full, 12);
	cr_assert_eq(pop_ids(d, 2000 + 10 * MS, ids, N(ids)), 8);
	cr_assert_eq(ids[7], 27);
	impair_dir_free(d);
}

Test(impair, duplicate_without_room_is_a_queue_full_drop)
{
	struct impair_params p = params("dup=100,delay=1");
	struct impair_dir *d = impair_dir_new(&p, 3, 3, FRAME);

	cr_assert_not_null(d);
	submit_id(d, 0, 0); /* frame + copy */
	submit_id(d, 1, 0); /* frame; its copy finds no room */
	cr_assert_eq(impair_dir_counters(d)->duplicated, 1);
	cr_assert_eq(impair_dir_counters(d)->queue_full, 1);
	cr_assert_eq(impair_dir_queued(d), 3);
	impair_dir_free(d);
}

Test(impair, oversize_frame_dropped_and_counted)
{
	struct impair_params p = params("");
	struct impair_dir *d = impair_dir_new(&p, 3, 4, FRAME);
	uint8_t big[FRAME + 1] = {0};

	cr_assert_not_null(d);
	impair_dir_submit(d, big, sizeof(big), 0);
	cr_assert_eq(impair_dir_counters(d)->oversize, 1);
	cr_assert_eq(impair_dir_queued(d), 0);
	cr_assert_eq(impair_dir_next_ns(d), IMPAIR_NEVER);
	impair_dir_free(d);
}
