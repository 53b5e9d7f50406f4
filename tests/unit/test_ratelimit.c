/* SPDX-License-Identifier: MIT */
/*
 * ratelimit: the API's token buckets on the fake clock -- a burst, then the rate, Retry-After
 * rounded up to whole seconds, tokens kept apart, and a small table shared by many tokens
 * without a busy bucket being reset by a newcomer.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "lib/clock.h"
#include "mgmt/api/ratelimit.h"

#define A "aaaaaaaaaaaaaaaa0000000000000000000000000000000000000000000000000000"
#define B "bbbbbbbbbbbbbbbb0000000000000000000000000000000000000000000000000000"

static void setup(void)
{
	clock_fake_install(1000 * CLOCK_NS_PER_SEC);
}

static void teardown(void)
{
	clock_fake_remove();
}

TestSuite(ratelimit, .init = setup, .fini = teardown);

Test(ratelimit, burst_then_rate)
{
	struct ratelimit *rl = ratelimit_new(64);
	unsigned retry = 0, ok = 0;

	cr_assert_not_null(rl);
	for (int i = 0; i < 10; i++)
		ok += ratelimit_take(rl, A, 2, 5, &retry);
	cr_expect_eq(ok, 5, "the burst, then refusals");
	cr_expect_eq(retry, 1, "half a second to the next token: Retry-After 1");
	clock_fake_advance(CLOCK_NS_PER_SEC / 2);
	cr_expect(ratelimit_take(rl, A, 2, 5, &retry), "one token every 500 ms");
	cr_expect_not(ratelimit_take(rl, A, 2, 5, &retry));
	/* Another token has its own bucket. */
	cr_expect(ratelimit_take(rl, B, 2, 5, &retry));
	/* A slow rate says how long. */
	for (int i = 0; i < 3; i++)
		ratelimit_take(rl, B, 1, 1, &retry);
	cr_expect_not(ratelimit_take(rl, B, 1, 1, &retry));
	cr_expect_geq(retry, 1);
	cr_expect_leq(retry, 2);
	ratelimit_free(rl);
}

/* Eight slots for many tokens: a token that keeps its bucket empty is not handed a full one
 * because others come and go. */
Test(ratelimit, small_table_keeps_busy_buckets)
{
	struct ratelimit *rl = ratelimit_new(8);
	unsigned retry;
	char key[70];
	int ok = 0;

	for (int i = 0; i < 3; i++)
		ratelimit_take(rl, A, 1, 3, &retry);
	cr_expect_not(ratelimit_take(rl, A, 1, 3, &retry), "A has used its burst");
	for (int t = 0; t < 6; t++) {
		snprintf(key, sizeof(key), "%016x%048d", 0x100 + t, 0);
		ok += ratelimit_take(rl, key, 1, 3, &retry);
	}
	cr_expect_eq(ok, 6, "newcomers are let in");
	cr_expect_not(ratelimit_take(rl, A, 1, 3, &retry), "A's bucket is still empty");
	ratelimit_free(rl);
}
