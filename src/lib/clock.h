/* SPDX-License-Identifier: MIT */
/*
 * clock: the one source of time. Production reads CLOCK_MONOTONIC (and the wall clock for
 * timestamps shown to people); tests install a fake and advance it, so every timer-driven path
 * (retransmission, rekey, DPD, rate limits) can be stepped deterministically.
 */
#ifndef VNETGW_LIB_CLOCK_H
#define VNETGW_LIB_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_SEC 1000000000ull
#define CLOCK_NS_PER_MS 1000000ull

/* Monotonic nanoseconds (fake time when a fake clock is installed). */
uint64_t clock_now_ns(void);
/* Wall-clock seconds since the epoch (fake time + a fixed epoch under a fake clock). */
int64_t clock_wall_s(void);
/* Wall-clock milliseconds since the epoch (stamps that outside readers compare with `date`). */
int64_t clock_wall_ms(void);

/* Install a fake clock starting at start_ns; clock_fake_advance moves it forward. */
void clock_fake_install(uint64_t start_ns);
void clock_fake_advance(uint64_t delta_ns);
/* Back to the system clock. */
void clock_fake_remove(void);

#endif
