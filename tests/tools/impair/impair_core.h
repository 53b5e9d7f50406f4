/*
 * impair_core: the decisions of the WAN impairment tool, free of sockets and clocks so they can be
 * unit-tested. One struct impair_dir per direction: a seeded PRNG, the parameters, a preallocated
 * pool of frame slots and a time-ordered release queue. Frames go in with impair_dir_submit(),
 * come out with impair_dir_pop() once their release time has come.
 */
#ifndef VNETGW_TESTS_IMPAIR_CORE_H
#define VNETGW_TESTS_IMPAIR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPAIR_PPM_MAX 1000000u
#define IMPAIR_NEVER   UINT64_MAX

/* xoshiro256** seeded through splitmix64: small, fast, and the same everywhere. */
struct impair_rng {
	uint64_t s[4];
};

void impair_rng_seed(struct impair_rng *r, uint64_t seed);
uint64_t impair_rng_next(struct impair_rng *r);
/* Uniform in [0, n), n > 0 (multiply-shift: no division, bias below 2^-32 for our n). */
uint64_t impair_rng_below(struct impair_rng *r, uint64_t n);

/* Probabilities in parts per million; times in nanoseconds. */
struct impair_params {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint64_t delay_ns;
	uint64_t jitter_ns; /* release = now + delay + uniform[-jitter, +jitter], floored at now */
	uint64_t
		hold_ns; /* a frame held for reordering is released after this if nothing follows */
};

/*
 * Parse "loss=5,dup=0.5,reorder=10,delay=50,jitter=5,hold=20" (percent; milliseconds) into *p,
 * on top of what *p holds. Returns 0, or -EINVAL with a reason in err (errlen bytes).
 */
int impair_params_parse(struct impair_params *p, const char *spec, char *err, size_t errlen);
bool impair_params_is_zero(const struct impair_params *p);

struct impair_counters {
	uint64_t received;    /* frames submitted */
	uint64_t forwarded;   /* frames (and copies) popped for sending */
	uint64_t lost;	      /* dropped by the loss draw */
	uint64_t duplicated;  /* extra copies queued */
	uint64_t reordered;   /* held frames released behind the frame that followed them */
	uint64_t delayed;     /* frames queued with a release time in the future */
	uint64_t queue_full;  /* frames or copies dropped: no free slot */
	uint64_t oversize;    /* frames longer than a slot, dropped */
	uint64_t send_errors; /* counted by the caller: popped but not sent */
	uint64_t rx_drops;    /* counted by the caller: dropped by the kernel before it read them */
};

struct impair_dir;

/* nslots frames of up to frame_max bytes, allocated once. NULL on allocation failure. */
struct impair_dir *impair_dir_new(const struct impair_params *p, uint64_t seed, unsigned nslots,
				  size_t frame_max);
void impair_dir_free(struct impair_dir *d);
struct impair_counters *impair_dir_counters(struct impair_dir *d);
const struct impair_params *impair_dir_params(const struct impair_dir *d);

/* A frame arrived at now_ns: draw its fate and queue it (and a copy) or drop it. */
void impair_dir_submit(struct impair_dir *d, const void *frame, size_t len, uint64_t now_ns);
/* The earliest time something is due (a release or a hold expiring), or IMPAIR_NEVER. */
uint64_t impair_dir_next_ns(const struct impair_dir *d);
/*
 * The next frame due at now_ns: 0 and *frame, *len pointing into the pool (valid until the next
 * submit or pop on d), or -ENOENT when nothing is due.
 */
int impair_dir_pop(struct impair_dir *d, uint64_t now_ns, const void **frame, size_t *len);
/* Frames queued or held. */
unsigned impair_dir_queued(const struct impair_dir *d);

/* "dir=NAME received=N forwarded=N ..." into buf; returns what snprintf returns. */
int impair_counters_format(const struct impair_counters *c, const char *name, char *buf,
			   size_t len);

#endif
