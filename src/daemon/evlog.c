/* SPDX-License-Identifier: MIT */
#include "daemon/evlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"

struct evlog_ring {
	struct hmap_node node;
	char *ref;
	uint64_t next_seq; /* the seq of the next event */
	uint64_t dropped;  /* pushed out by newer ones */
	size_t head;	   /* where the next event goes */
	size_t n;
	struct evlog_event ev[]; /* per_conn of them */
};

struct evlog {
	pthread_mutex_t lock;
	struct hmap rings; /* by ref */
	unsigned int per_conn;
	uint64_t lost;
};

int evlog_new(struct evlog **out, unsigned int per_conn)
{
	struct evlog *ev;
	int r;

	*out = NULL;
	if (per_conn < 1 || per_conn > EVLOG_PER_CONN_MAX)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	r = hmap_init(&ev->rings);
	if (r < 0) {
		free(ev);
		return r;
	}
	pthread_mutex_init(&ev->lock, NULL);
	ev->per_conn = per_conn;
	*out = ev;
	return 0;
}

static void ring_free(struct evlog_ring *rg)
{
	free(rg->ref);
	free(rg);
}

void evlog_free(struct evlog *ev)
{
	if (!ev)
		return;
	for (size_t b = 0; b <= ev->rings.mask; b++) {
		struct hmap_node *n = ev->rings.bucket[b];

		while (n) {
			struct hmap_node *next = n->next;

			ring_free(hmap_entry(n, struct evlog_ring, node));
			n = next;
		}
	}
	hmap_fini(&ev->rings);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* Under the lock. */
static struct evlog_ring *ring_find(struct evlog *ev, const char *ref, uint64_t h)
{
	for (struct hmap_node *n = hmap_first(&ev->rings, h); n; n = hmap_next(n, h)) {
		struct evlog_ring *rg = hmap_entry(n, struct evlog_ring, node);

		if (strcmp(rg->ref, ref) == 0)
			return rg;
	}
	return NULL;
}

void evlog_add(struct evlog *ev, const char *ref, const char *name, enum log_level lvl,
	       const char *category, const char *operation, const char *fmt, ...)
{
	struct evlog_event e = {
		.time_ms = clock_wall_ms(),
		.level = lvl,
		.category = category,
		.operation = operation,
	};
	struct evlog_ring *rg;
	va_list ap;
	uint64_t h;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	log_event(lvl, category, operation, ref, "conn=%s %s", name, e.message);
	if (!ev || !ref || !*ref)
		return;
	h = hmap_hash(&ev->rings, ref, strlen(ref));
	pthread_mutex_lock(&ev->lock);
	rg = ring_find(ev, ref, h);
	if (!rg) {
		rg = calloc(1, sizeof(*rg) + ev->per_conn * sizeof(rg->ev[0]));
		if (rg)
			rg->ref = strdup(ref);
		if (!rg || !rg->ref) {
			if (rg)
				free(rg);
			ev->lost++;
			pthread_mutex_unlock(&ev->lock);
			return;
		}
		rg->next_seq = 1;
		hmap_insert(&ev->rings, &rg->node, h);
	}
	e.seq = rg->next_seq++;
	rg->ev[rg->head] = e;
	rg->head = (rg->head + 1) % ev->per_conn;
	if (rg->n < ev->per_conn)
		rg->n++;
	else
		rg->dropped++;
	pthread_mutex_unlock(&ev->lock);
}

void evlog_forget(struct evlog *ev, const char *ref)
{
	struct evlog_ring *rg;
	uint64_t h;

	if (!ev || !ref)
		return;
	h = hmap_hash(&ev->rings, ref, strlen(ref));
	pthread_mutex_lock(&ev->lock);
	rg = ring_find(ev, ref, h);
	if (rg)
		hmap_remove(&ev->rings, &rg->node);
	pthread_mutex_unlock(&ev->lock);
	if (rg)
		ring_free(rg);
}

size_t evlog_read(struct evlog *ev, const char *ref, uint64_t after, struct evlog_event *out,
		  size_t max, uint64_t *dropped)
{
	struct evlog_ring *rg;
	size_t got = 0;
	uint64_t h;

	if (dropped)
		*dropped = 0;
	if (!ev || !ref)
		return 0;
	h = hmap_hash(&ev->rings, ref, strlen(ref));
	pthread_mutex_lock(&ev->lock);
	rg = ring_find(ev, ref, h);
	if (rg) {
		/* The oldest kept event is n places behind head. */
		size_t start = (rg->head + ev->per_conn - rg->n) % ev->per_conn;

		for (size_t i = 0; i < rg->n && got < max; i++) {
			const struct evlog_event *e = &rg->ev[(start + i) % ev->per_conn];

			if (e->seq > after)
				out[got++] = *e;
		}
		if (dropped)
			*dropped = rg->dropped;
	}
	pthread_mutex_unlock(&ev->lock);
	return got;
}

uint64_t evlog_lost(struct evlog *ev)
{
	uint64_t n;

	pthread_mutex_lock(&ev->lock);
	n = ev->lost;
	pthread_mutex_unlock(&ev->lock);
	return n;
}
