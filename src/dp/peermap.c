/* SPDX-License-Identifier: MIT */
/*
 * peermap: public address -> connection, open addressing (see peermap.h).
 */
#include "dp/peermap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "crypto/rand.h"

#define PEERMAP_MIN_CAP 16

/* A keyed 64-bit mix of the address (not cryptographic: the seed keeps slots unpredictable). */
static size_t peermap_hash(const struct peermap *m, const struct addr *a, size_t cap)
{
	uint64_t h = m->seed ^ (uint64_t)a->family;
	size_t n = a->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++) {
		h ^= a->bytes[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return (size_t)h & (cap - 1);
}

int peermap_init(struct peermap *m)
{
	*m = (struct peermap){0};
	if (crypto_rand(&m->seed, sizeof(m->seed)))
		return -EIO;
	m->slot = calloc(PEERMAP_MIN_CAP, sizeof(*m->slot));
	if (!m->slot)
		return -ENOMEM;
	m->cap = PEERMAP_MIN_CAP;
	return 0;
}

void peermap_fini(struct peermap *m)
{
	free(m->slot);
	*m = (struct peermap){0};
}

static struct peermap_slot *peermap_probe(const struct peermap *m, const struct addr *peer)
{
	size_t i = peermap_hash(m, peer, m->cap);

	while (m->slot[i].id && !addr_equal(&m->slot[i].peer, peer))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static int peermap_grow(struct peermap *m)
{
	struct peermap old = *m;

	m->slot = calloc(old.cap * 2, sizeof(*m->slot));
	if (!m->slot) {
		m->slot = old.slot;
		return -ENOMEM;
	}
	m->cap = old.cap * 2;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].id)
			*peermap_probe(m, &old.slot[i].peer) = old.slot[i];
	free(old.slot);
	return 0;
}

int peermap_set(struct peermap *m, const struct addr *peer, uint32_t id)
{
	struct peermap_slot *s;

	if ((m->n + 1) * 2 > m->cap && peermap_grow(m) < 0)
		return -ENOMEM;
	s = peermap_probe(m, peer);
	if (!s->id)
		m->n++;
	s->peer = *peer;
	s->id = id;
	return 0;
}

void peermap_del(struct peermap *m, const struct addr *peer, uint32_t id)
{
	struct peermap_slot *s = peermap_probe(m, peer);
	size_t hole, i;

	if (!s->id || s->id != id)
		return;
	/* Backward shift: close the gap so that later probes still find what is behind it. */
	hole = (size_t)(s - m->slot);
	i = hole;
	for (;;) {
		size_t home;

		i = (i + 1) & (m->cap - 1);
		if (!m->slot[i].id)
			break;
		home = peermap_hash(m, &m->slot[i].peer, m->cap);
		if (((i - home) & (m->cap - 1)) >= ((i - hole) & (m->cap - 1))) {
			m->slot[hole] = m->slot[i];
			hole = i;
		}
	}
	m->slot[hole] = (struct peermap_slot){0};
	m->n--;
}

uint32_t peermap_get(const struct peermap *m, const struct addr *peer)
{
	return m->cap ? peermap_probe(m, peer)->id : 0;
}
