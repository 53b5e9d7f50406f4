/* SPDX-License-Identifier: MIT */
/*
 * hmap: an intrusive chained hash table (the caller embeds a struct hmap_node in its object and
 * owns the object), as the Linux kernel's hlist or OpenBGPD's trees are used: lookups walk only
 * the chain of one bucket, comparing the stored hash first. Keys are hashed with a random
 * seed per table (hmap_hash), so that nobody who picks keys -- a tenant choosing its device's
 * address, a peer choosing SPIs -- can pile them into one chain of someone else's table.
 * The table grows at a load of one; a growth that finds no memory leaves the chains longer,
 * never an insertion undone. Not thread-safe: one owner.
 *
 *   struct item { struct hmap_node node; uint32_t key; ... };
 *   uint64_t h = hmap_hash(&m, &key, sizeof(key));
 *   for (struct hmap_node *n = hmap_first(&m, h); n; n = hmap_next(n, h)) {
 *           struct item *it = hmap_entry(n, struct item, node);
 *           if (it->key == key) ...
 *   }
 */
#ifndef VNETGW_LIB_HMAP_H
#define VNETGW_LIB_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node *next;
	uint64_t hash;
};

struct hmap {
	struct hmap_node **bucket;
	size_t mask; /* buckets - 1, a power of two */
	size_t n;
	uint64_t seed;
};

#define hmap_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* An empty table with a fresh random seed. 0, -ENOMEM or -EIO (no randomness). */
int hmap_init(struct hmap *m);
/* Frees the buckets; the nodes are the caller's. */
void hmap_fini(struct hmap *m);
/* The seeded hash of len bytes of key. */
uint64_t hmap_hash(const struct hmap *m, const void *key, size_t len);
/* Add node n with hash h (n must not be in a table). */
void hmap_insert(struct hmap *m, struct hmap_node *n, uint64_t h);
/* Remove node n, which must be in m. */
void hmap_remove(struct hmap *m, struct hmap_node *n);
/* The first / next node whose hash is h (candidates: the caller compares its keys). */
struct hmap_node *hmap_first(const struct hmap *m, uint64_t h);
struct hmap_node *hmap_next(const struct hmap_node *n, uint64_t h);
size_t hmap_count(const struct hmap *m);

#endif
