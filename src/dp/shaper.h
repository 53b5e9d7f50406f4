/* SPDX-License-Identifier: MIT */
/*
 * shaper: the token bucket that holds each connection to its SKU's rate in each direction
 * (SPEC §2 rule 7: Basic and Standard 100 Mbit/s, HighPerformance 200 Mbit/s, per connection),
 * and the short queue in front of it where packets over the rate wait for their tokens.
 *
 * What the rate counts: the tenant's packets as they leave or enter the VNet — inner IP
 * packets, IP header included, before ESP encapsulation and after decapsulation. These are the
 * bytes of the connection's ingressBytesTransferred/egressBytesTransferred counters and of the
 * workload's interface counters; ESP, UDP and outer IP overhead on the wire are not charged to
 * the tenant. A TCP transfer (iperf3) reports its payload (goodput): at the tunnel's clamped MSS
 * of 1350 with TCP timestamps, 1338 payload bytes per 1390-byte packet, i.e. 96.3% of the rate
 * (96 Mbit/s through a 100 Mbit/s connection), within the ±5% the SKU promises.
 *
 * Why a queue and not a plain policer: TCP through a policer loses a burst of segments each time
 * its window outgrows the bucket, halves its rate and leaves the bucket idle while it recovers;
 * measured through strongSwan it delivered 93.6 Mbit/s of 100 (and 185.6 of 200). A queue of a
 * few milliseconds absorbs the bursts (a TSO read is up to 45 segments at once) and keeps the
 * bucket busy while TCP backs off, so the connection runs at its rate; only what overflows the
 * queue is dropped.
 *
 * Tokens are bytes; time is nanoseconds from the caller (clock_now_ns), so tests step it. A
 * bucket and its queue belong to one data-plane thread: no locking. The queue's slots are
 * allocated once (shaper_queue_init, when a connection is added); a packet is copied into a
 * slot, nothing is allocated per packet.
 */
#ifndef VNETGW_DP_SHAPER_H
#define VNETGW_DP_SHAPER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

struct shaper {
	uint64_t rate_bps;  /* bits per second; 0 = unlimited */
	uint64_t burst;	    /* bucket depth in bytes */
	uint64_t tokens_nb; /* current tokens in nanobytes (bytes * 1e9), for exact refill */
	uint64_t last_ns;   /* time of the last refill */
	uint64_t passed_bytes, passed_pkts;
	uint64_t dropped_bytes, dropped_pkts;
	uint64_t queued_pkts; /* packets that waited in the queue before passing (or not) */
};

/*
 * A full bucket at rate_bps with burst bytes of depth (0: a default of 50 ms at the rate, at
 * least 64 KiB). The depth is what a data-plane thread may catch up after the scheduler kept it
 * off the CPU (measured: tens of ms on a loaded 2-core machine) without losing tokens; over
 * 10 s it lets through at most 0.5% more than the rate.
 */
void shaper_init(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns);
/* Change the rate (an SKU resize) keeping the tokens earned so far, capped to the new depth. */
void shaper_set_rate(struct shaper *s, uint64_t rate_bps, uint64_t burst, uint64_t now_ns);

/* Police: take len bytes if the bucket holds them (true), or count a drop (false). */
bool shaper_admit(struct shaper *s, uint32_t len, uint64_t now_ns);
/* Nanoseconds until len bytes would be admitted (0: now), without taking anything. */
uint64_t shaper_wait_ns(struct shaper *s, uint32_t len, uint64_t now_ns);

/* ---- the queue in front of the bucket -------------------------------------------------------- */

/*
 * slots slots of slot_size bytes; each holds one packet with headroom bytes free in front and at
 * least tailroom behind (ESP's header and trailer, when the data plane encrypts in place).
 * Zero-initialised it is a queue without slots: every packet that would wait is dropped.
 */
struct shaper_queue {
	uint8_t *mem;  /* slots * slot_size */
	uint32_t *len; /* per slot: the packet's length */
	uint32_t slots, slot_size, headroom, tailroom;
	uint32_t head, count;
};

/*
 * The data plane's queues: slots of 2 KiB, as many as 60 ms of 1400-byte packets at the rate
 * (shaper_queue_slots: 536 at 100 Mbit/s, 1 MiB; 1072 at 200 Mbit/s), at least 128. That is
 * what a worker receives at once after the scheduler kept it off the CPU for tens of ms on a
 * loaded machine (a shorter queue then overflowed and TCP backed off: 189 of 200 Mbit/s).
 */
#define SHAPER_QUEUE_SLOTS     128u
#define SHAPER_QUEUE_SLOT_SIZE 2048u
#define SHAPER_QUEUE_MS	       60u

/* The number of slots for a queue in front of a bucket at rate_bps (0: unshaped, none). */
uint32_t shaper_queue_slots(uint64_t rate_bps);

/* Allocate the slots. 0, -EINVAL (head- and tailroom leave no room) or -ENOMEM. */
int shaper_queue_init(struct shaper_queue *q, uint32_t slots, uint32_t slot_size, uint32_t headroom,
		      uint32_t tailroom);
/* Free the slots (waiting packets are discarded); q is then an empty queue. NULL-safe. */
void shaper_queue_free(struct shaper_queue *q);
/* The largest packet a slot holds. */
uint32_t shaper_queue_mtu(const struct shaper_queue *q);

enum shaper_verdict {
	SHAPER_PASS,   /* send it now: its tokens are taken */
	SHAPER_QUEUED, /* copied into the queue: shaper_release hands it out when its turn comes */
	SHAPER_DROP,   /* over the rate and the queue is full (or it is larger than a slot) */
};

/*
 * Offer packet b of a connection to its bucket and queue. A packet never passes ahead of one
 * already waiting (order is kept). b itself is not kept: a queued packet is copied.
 */
enum shaper_verdict shaper_offer(struct shaper *s, struct shaper_queue *q, const struct buf *b,
				 uint64_t now_ns);

/*
 * The queue's head packet into *b (a view into its slot, with the slot's head- and tailroom)
 * when the bucket now holds its tokens (taken): true. False when nothing waits or the head
 * must wait longer (shaper_next_ns says how long). The view stays valid until the next
 * shaper_offer that queues: the caller is done with every released packet before it offers
 * new ones.
 */
bool shaper_release(struct shaper *s, struct shaper_queue *q, uint64_t now_ns, struct buf *b);

/* Nanoseconds until the queue's head may be released (0: now), or UINT64_MAX when empty. */
uint64_t shaper_next_ns(struct shaper *s, const struct shaper_queue *q, uint64_t now_ns);

#endif
