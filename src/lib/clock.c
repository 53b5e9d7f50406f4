/* SPDX-License-Identifier: MIT */
/*
 * clock: CLOCK_MONOTONIC, or a fake that tests advance by hand. The fake is process-global and
 * meant for single-threaded tests.
 */
#include "lib/clock.h"

#include <stdbool.h>
#include <time.h>

/* 2026-01-01T00:00:00Z: what the wall clock reads at fake time 0. */
#define CLOCK_FAKE_EPOCH 1767225600ll

static bool fake_on;
static uint64_t fake_ns;

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	if (fake_on)
		return fake_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall_s(void)
{
	if (fake_on)
		return CLOCK_FAKE_EPOCH + (int64_t)(fake_ns / CLOCK_NS_PER_SEC);
	return (int64_t)time(NULL);
}

int64_t clock_wall_ms(void)
{
	struct timespec ts;

	if (fake_on)
		return CLOCK_FAKE_EPOCH * 1000 + (int64_t)(fake_ns / CLOCK_NS_PER_MS);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_fake_install(uint64_t start_ns)
{
	fake_on = true;
	fake_ns = start_ns;
}

void clock_fake_advance(uint64_t delta_ns)
{
	fake_ns += delta_ns;
}

void clock_fake_remove(void)
{
	fake_on = false;
}
