/* SPDX-License-Identifier: MIT */
/*
 * replay: the inbound anti-replay window of an ESP SA (RFC 4303 3.4.3), kept as a ring of 64-bit
 * words in the style of RFC 6479 so that advancing never shifts the whole window, and the
 * reconstruction of the high 32 bits of extended sequence numbers (RFC 4303 Appendix A2.2).
 *
 * Sequence numbers here are always the full 64-bit values (without ESN they stay below 2^32).
 * 0 is never valid: the first packet of an SA carries 1 (RFC 4303 3.3.3).
 */
#ifndef VNETGW_ESP_REPLAY_H
#define VNETGW_ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

/* Packets accepted behind the highest one seen: seq is fresh iff seq > top - ESP_REPLAY_WINDOW. */
#define ESP_REPLAY_WINDOW 4096u
/*
 * RFC 6479 2: the ring holds one word more than the window needs, so that the word the top
 * moves into can be cleared without losing bits still inside the window. A power of two keeps
 * the index a mask: 128 words (1 KiB) for a 4096-packet window.
 */
#define ESP_REPLAY_RING_WORDS 128u
#define ESP_REPLAY_RING_BITS  (ESP_REPLAY_RING_WORDS * 64u)

struct esp_replay {
	uint64_t top; /* highest sequence number accepted so far; 0 before the first */
	uint64_t ring[ESP_REPLAY_RING_WORDS];
};

void esp_replay_init(struct esp_replay *r);

/*
 * The full sequence number of a packet carrying seq_lo, given what the window has seen. Without
 * ESN that is seq_lo. With ESN, RFC 4303 A2.2: the high half is chosen so the number falls in
 * the window or ahead of it. Returns 0 (never valid) when the only candidate lies before the
 * start of the sequence space or beyond 2^64 - 1.
 */
uint64_t esp_replay_infer(const struct esp_replay *r, uint32_t seq_lo, bool esn);

/* True if seq is neither 0, nor older than the window, nor already seen. Changes nothing. */
bool esp_replay_check(const struct esp_replay *r, uint64_t seq);

/*
 * Check again and record seq (called once the packet has been authenticated, RFC 4303 3.4.3).
 * False, and nothing recorded, if the check fails.
 */
bool esp_replay_update(struct esp_replay *r, uint64_t seq);

#endif
