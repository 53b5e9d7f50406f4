/*
 * impair_core: per-direction impairment decisions (loss, duplication, reordering, delay with
 * jitter) for the lab's WAN tool, which stands in for netem on kernels without it. Everything
 * is a function of the seed, the frames and the clock values given, so a seed reproduces a run.
 * Jitter reorders: frames leave in release-time order, as with netem's jitter without a rate.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/impair/impair_core.h"

#define HELD_MAX 2 /* a held frame and its duplicate */

struct impair_slot {
	uint64_t release_ns;
	uint64_t seq; /* ties in release time leave in arrival order */
	size_t len;
	uint8_t *data;
};

struct impair_dir {
	struct impair_params p;
	struct impair_rng rng;
	struct impair_counters c;
	unsigned nslots;
	size_t frame_max;
	uint64_t seq;
	struct impair_slot *slots;
	uint8_t *arena;
	unsigned *free_stack; /* free slot indices */
	unsigned nfree;
	unsigned *heap; /* slot indices, min-heap on (release_ns, seq) */
	unsigned nheap;
	unsigned held[HELD_MAX];
	unsigned nheld;
	uint64_t held_deadline;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void impair_rng_seed(struct impair_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t impair_rng_next(struct impair_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t impair_rng_below(struct impair_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)impair_rng_next(r) * n) >> 64);
}

/* "12.5" percent -> ppm; up to four decimals, 0..100. */
static int parse_percent(const char *s, uint32_t *ppm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 100.0))
		return -EINVAL;
	*ppm = (uint32_t)(v * 10000.0 + 0.5);
	return 0;
}

/* "50" or "0.5" milliseconds -> ns; up to an hour. */
static int parse_ms(const char *s, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 3600e3))
		return -EINVAL;
	*ns = (uint64_t)(v * 1e6 + 0.5);
	return 0;
}

int impair_params_parse(struct impair_params *p, const char *spec, char *err, size_t errlen)
{
	struct impair_params n = *p;
	char *copy = strdup(spec), *save = NULL, *tok;
	int rc = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *key = tok, *val;

		if (!eq) {
			snprintf(err, errlen, "'%s': expected key=value", tok);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		val = eq + 1;
		if (!strcmp(key, "loss"))
			rc = parse_percent(val, &n.loss_ppm);
		else if (!strcmp(key, "dup"))
			rc = parse_percent(val, &n.dup_ppm);
		else if (!strcmp(key, "reorder"))
			rc = parse_percent(val, &n.reorder_ppm);
		else if (!strcmp(key, "delay"))
			rc = parse_ms(val, &n.delay_ns);
		else if (!strcmp(key, "jitter"))
			rc = parse_ms(val, &n.jitter_ns);
		else if (!strcmp(key, "hold"))
			rc = parse_ms(val, &n.hold_ns);
		else {
			snprintf(err, errlen,
				 "unknown key '%s' (loss, dup, reorder: percent; delay, jitter, "
				 "hold: ms)",
				 key);
			rc = -EINVAL;
			goto out;
		}
		if (rc) {
			snprintf(err, errlen, "%s=%s: expected %s", key, val,
				 !strcmp(key, "loss") || !strcmp(key, "dup") ||
						 !strcmp(key, "reorder")
					 ? "a percentage 0..100"
					 : "milliseconds 0..3600000");
			goto out;
		}
	}
	*p = n;
out:
	free(copy);
	return rc;
}

bool impair_params_is_zero(const struct impair_params *p)
{
	return !p->loss_ppm && !p->dup_ppm && !p->reorder_ppm && !p->delay_ns && !p->jitter_ns;
}

void impair_dir_free(struct impair_dir *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d->arena);
	free(d->free_stack);
	free(d->heap);
	free(d);
}

struct impair_dir *impair_dir_new(const struct impair_params *p, uint64_t seed, unsigned nslots,
				  size_t frame_max)
{
	struct impair_dir *d = calloc(1, sizeof(*d));

	if (!d || !nslots || !frame_max)
		goto fail;
	d->p = *p;
	d->nslots = nslots;
	d->frame_max = frame_max;
	impair_rng_seed(&d->rng, seed);
	d->slots = calloc(nslots, sizeof(*d->slots));
	d->arena = calloc(nslots, frame_max);
	d->free_stack = calloc(nslots, sizeof(*d->free_stack));
	d->heap = calloc(nslots, sizeof(*d->heap));
	if (!d->slots || !d->arena || !d->free_stack || !d->heap)
		goto fail;
	for (unsigned i = 0; i < nslots; i++) {
		d->slots[i].data = d->arena + (size_t)i * frame_max;
		d->free_stack[i] = nslots - 1 - i;
	}
	d->nfree = nslots;
	d->held_deadline = IMPAIR_NEVER;
	return d;
fail:
	impair_dir_free(d);
	return NULL;
}

struct impair_counters *impair_dir_counters(struct impair_dir *d)
{
	return &d->c;
}

const struct impair_params *impair_dir_params(const struct impair_dir *d)
{
	return &d->p;
}

unsigned impair_dir_queued(const struct impair_dir *d)
{
	return d->nslots - d->nfree;
}

static bool slot_before(const struct impair_dir *d, unsigned a, unsigned b)
{
	const struct impair_slot *x = &d->slots[a], *y = &d->slots[b];

	return x->release_ns < y->release_ns || (x->release_ns == y->release_ns && x->seq < y->seq);
}

static void heap_push(struct impair_dir *d, unsigned slot)
{
	unsigned i = d->nheap++, t;

	d->heap[i] = slot;
	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (!slot_before(d, d->heap[i], d->heap[parent]))
			break;
		t = d->heap[parent];
		d->heap[parent] = d->heap[i];
		d->heap[i] = t;
		i = parent;
	}
}

static unsigned heap_pop(struct impair_dir *d)
{
	unsigned top = d->heap[0], i = 0;

	d->heap[0] = d->heap[--d->nheap];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < d->nheap && slot_before(d, d->heap[l], d->heap[m]))
			m = l;
		if (r < d->nheap && slot_before(d, d->heap[r], d->heap[m]))
			m = r;
		if (m == i)
			break;
		t = d->heap[m];
		d->heap[m] = d->heap[i];
		d->heap[i] = t;
		i = m;
	}
	return top;
}

/* A slot holding a copy of the frame, or -ENOSPC (counted) when the pool is exhausted. */
static int slot_take(struct impair_dir *d, const void *frame, size_t len, uint64_t release_ns)
{
	struct impair_slot *s;
	unsigned i;

	if (!d->nfree) {
		d->c.queue_full++;
		return -ENOSPC;
	}
	i = d->free_stack[--d->nfree];
	s = &d->slots[i];
	memcpy(s->data, frame, len);
	s->len = len;
	s->release_ns = release_ns;
	s->seq = d->seq++;
	return (int)i;
}

static uint64_t release_time(struct impair_dir *d, uint64_t now_ns)
{
	uint64_t t = now_ns + d->p.delay_ns;

	if (d->p.jitter_ns) {
		uint64_t j = impair_rng_below(&d->rng, 2 * d->p.jitter_ns + 1);

		/* delay + j - jitter, floored at now: a frame cannot leave before it arrived */
		t = t + j >= now_ns + d->p.jitter_ns ? t + j - d->p.jitter_ns : now_ns;
	}
	return t;
}

/* Move what is held into the queue: behind release_ns (a follower) or at its own time (expiry). */
static void held_release(struct impair_dir *d, uint64_t behind_ns, bool expired)
{
	for (unsigned i = 0; i < d->nheld; i++) {
		struct impair_slot *s = &d->slots[d->held[i]];

		if (expired) {
			s->release_ns += d->p.hold_ns;
		} else {
			s->release_ns = behind_ns;
			s->seq = d->seq++; /* after the follower, which took its seq already */
		}
		heap_push(d, d->held[i]);
	}
	if (d->nheld && !expired)
		d->c.reordered++;
	d->nheld = 0;
	d->held_deadline = IMPAIR_NEVER;
}

static void held_expire(struct impair_dir *d, uint64_t now_ns)
{
	if (d->nheld && now_ns >= d->held_deadline)
		held_release(d, 0, true);
}

void impair_dir_submit(struct impair_dir *d, const void *frame, size_t len, uint64_t now_ns)
{
	/* Three draws per frame whatever the outcome, so one decision never shifts the others. */
	bool lose = impair_rng_below(&d->rng, IMPAIR_PPM_MAX) < d->p.loss_ppm;
	bool dup = impair_rng_below(&d->rng, IMPAIR_PPM_MAX) < d->p.dup_ppm;
	bool hold = impair_rng_below(&d->rng, IMPAIR_PPM_MAX) < d->p.reorder_ppm;
	uint64_t rel;
	int first, copy = -1;

	d->c.received++;
	held_expire(d, now_ns);
	if (len > d->frame_max) {
		d->c.oversize++;
		return;
	}
	if (lose) {
		d->c.lost++;
		return;
	}
	rel = release_time(d, now_ns);
	first = slot_take(d, frame, len, rel);
	if (first < 0)
		return;
	if (dup) {
		copy = slot_take(d, frame, len, rel);
		if (copy >= 0)
			d->c.duplicated++;
	}
	if (rel > now_ns)
		d->c.delayed++;
	if (hold && !d->nheld) {
		/* Held until the next frame passes it, or hold_ns if none comes. */
		d->held[d->nheld++] = (unsigned)first;
		if (copy >= 0)
			d->held[d->nheld++] = (unsigned)copy;
		d->held_deadline = now_ns + d->p.hold_ns;
		return;
	}
	heap_push(d, (unsigned)first);
	if (copy >= 0)
		heap_push(d, (unsigned)copy);
	if (d->nheld)
		held_release(d, rel, false);
}

uint64_t impair_dir_next_ns(const struct impair_dir *d)
{
	uint64_t next = d->nheap ? d->slots[d->heap[0]].release_ns : IMPAIR_NEVER;

	return d->held_deadline < next ? d->held_deadline : next;
}

int impair_dir_pop(struct impair_dir *d, uint64_t now_ns, const void **frame, size_t *len)
{
	unsigned i;

	held_expire(d, now_ns);
	if (!d->nheap || d->slots[d->heap[0]].release_ns > now_ns)
		return -ENOENT;
	i = heap_pop(d);
	/* The slot goes back to the pool now; its bytes stay untouched until the next take. */
	d->free_stack[d->nfree++] = i;
	*frame = d->slots[i].data;
	*len = d->slots[i].len;
	d->c.forwarded++;
	return 0;
}

int impair_counters_format(const struct impair_counters *c, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len,
			"dir=%s received=%" PRIu64 " forwarded=%" PRIu64 " lost=%" PRIu64
			" duplicated=%" PRIu64 " reordered=%" PRIu64 " delayed=%" PRIu64
			" queue_full=%" PRIu64 " oversize=%" PRIu64 " send_errors=%" PRIu64
			" rx_drops=%" PRIu64,
			name, c->received, c->forwarded, c->lost, c->duplicated, c->reordered,
			c->delayed, c->queue_full, c->oversize, c->send_errors, c->rx_drops);
}
