/* SPDX-License-Identifier: MIT */
/*
 * shaper: the token bucket that holds each connection to its SKU's rate in each direction
 * (SPEC §2 rule 7: Basic and Standard 100 Mbit/s, HighPerformance 200 Mbit/s, per connection).
 * Tokens are bytes; time is nanoseconds from the caller (clock_now_ns), so tests step it.
 * A bucket belongs to one data-plane thread: no locking.
 */
#ifndef VNETGW_DP_SHAPER_H
#define VNETGW_DP_SHAPER_H

#include <stdbool.h>
#include <stdint.h>

struct shaper {
	uint64_t rate_bps;   /* bits per second; 0 = unlimited */
	uint64_t burst;      /* bucket depth in bytes */
	uint64_t tokens_nb;  /* current tokens in nanobytes (bytes * 1e9), for exact refill */
	uint64_t last_ns;    /* time of the last refill */
	uint64_t passed_bytes, passed_pkts;
	uint64_t dropped_bytes, dropped_pkts;
};

/*
 * A full bucket at rate_bps with burst bytes of depth (0: a default of 10 ms at the rate, at
 * least 64 KiB, so TCP does not see a policer narrower than its window growth).
 */
void shaper_init(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns);
/* Change the rate (an SKU resize) keeping the tokens earned so far, capped to the new depth. */
void shaper_set_rate(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns);

/* Police: take len bytes if the bucket holds them (true), or count a drop (false). */
bool shaper_admit(struct shaper *s, uint32_t len, uint64_t now_ns);
/* Nanoseconds until len bytes would be admitted (0: now), without taking anything. */
uint64_t shaper_wait_ns(struct shaper *s, uint32_t len, uint64_t now_ns);

#endif
