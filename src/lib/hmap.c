/* SPDX-License-Identifier: MIT */
/*
 * hmap: intrusive chained hash table with seeded hashing (see hmap.h).
 */
#include "lib/hmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/rand.h>

#define HMAP_MIN_BUCKETS 16

int hmap_init(struct hmap *m)
{
	*m = (struct hmap){0};
	if (RAND_bytes((unsigned char *)&m->seed, sizeof(m->seed)) != 1)
		return -EIO;
	m->bucket = calloc(HMAP_MIN_BUCKETS, sizeof(*m->bucket));
	if (!m->bucket)
		return -ENOMEM;
	m->mask = HMAP_MIN_BUCKETS - 1;
	return 0;
}

void hmap_fini(struct hmap *m)
{
	free(m->bucket);
	*m = (struct hmap){0};
}

/*
 * A seeded 64-bit hash: 8-byte blocks mixed with multiply-xorshift rounds (the finaliser of
 * SplitMix64). Not a cryptographic PRF, but the seed is secret and random per table, which is
 * what keeps chains short against keys chosen from outside.
 */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t hmap_hash(const struct hmap *m, const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = mix(m->seed ^ (uint64_t)len);

	while (len) {
		uint64_t block = 0;
		size_t n = len < 8 ? len : 8;

		for (size_t i = 0; i < n; i++)
			block |= (uint64_t)p[i] << (8 * i);
		h = mix(h ^ block) + 0x9e3779b97f4a7c15ull;
		p += n;
		len -= n;
	}
	return mix(h);
}

static void hmap_grow(struct hmap *m)
{
	size_t n = (m->mask + 1) * 2;
	struct hmap_node **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i <= m->mask; i++) {
		struct hmap_node *node = m->bucket[i], *next;

		for (; node; node = next) {
			next = node->next;
			node->next = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(m->bucket);
	m->bucket = b;
	m->mask = n - 1;
}

void hmap_insert(struct hmap *m, struct hmap_node *n, uint64_t h)
{
	if (m->n + 1 > m->mask + 1)
		hmap_grow(m);
	n->hash = h;
	n->next = m->bucket[h & m->mask];
	m->bucket[h & m->mask] = n;
	m->n++;
}

void hmap_remove(struct hmap *m, struct hmap_node *n)
{
	for (struct hmap_node **pp = &m->bucket[n->hash & m->mask]; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			m->n--;
			return;
		}
	}
}

struct hmap_node *hmap_first(const struct hmap *m, uint64_t h)
{
	struct hmap_node *n = m->bucket ? m->bucket[h & m->mask] : NULL;

	while (n && n->hash != h)
		n = n->next;
	return n;
}

struct hmap_node *hmap_next(const struct hmap_node *n, uint64_t h)
{
	for (n = n->next; n && n->hash != h; n = n->next)
		;
	return (struct hmap_node *)n;
}

size_t hmap_count(const struct hmap *m)
{
	return m->n;
}
