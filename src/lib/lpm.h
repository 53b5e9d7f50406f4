/* SPDX-License-Identifier: MIT */
/*
 * lpm: a longest-prefix-match table for IPv4 and IPv6 (one per VNet in the data plane), mapping
 * prefixes to caller values. Lookups neither allocate nor lock: one walk down a path-compressed
 * binary trie per family, at most 33 / 129 nodes deep.
 *
 * Values are non-NULL void * the caller owns (a connection, a route): the table never frees or
 * dereferences them, and NULL from a lookup means "no match".
 *
 * Prefixes are used masked: inserting 10.1.0.1/16 stores 10.1.0.0/16, and get/remove of either
 * spelling find it.
 *
 * Concurrency: one writer at a time, and no reader while a write is in progress. The data plane
 * must rebuild or swap tables, or hold a lock around writes; lookups may run concurrently with
 * each other.
 */
#ifndef VNETGW_LIB_LPM_H
#define VNETGW_LIB_LPM_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

struct lpm;

/* An empty table, or NULL without memory. lpm_free(NULL) is a no-op; values are not freed. */
struct lpm *lpm_new(void);
void lpm_free(struct lpm *t);

/*
 * Map p to value (non-NULL). If p was already there its value is replaced and the old one is
 * stored in *old (old may be NULL); otherwise *old is set to NULL. 0, -EINVAL (NULL value, a
 * family other than AF_INET/AF_INET6, len too long) or -ENOMEM (the table is unchanged).
 */
int lpm_insert(struct lpm *t, const struct prefix *p, void *value, void **old);
/* Remove p exactly; its value goes to *old (old may be NULL). 0, -ENOENT or -EINVAL. */
int lpm_remove(struct lpm *t, const struct prefix *p, void **old);
/* The value stored for exactly p, or NULL. */
void *lpm_get(const struct lpm *t, const struct prefix *p);

/* The value of the longest prefix containing a, or NULL. Never allocates. */
void *lpm_lookup(const struct lpm *t, const struct addr *a);
/* The same, and (if match is not NULL and a prefix matched) the matching prefix. */
void *lpm_lookup_prefix(const struct lpm *t, const struct addr *a, struct prefix *match);

/* Number of prefixes stored (both families). */
size_t lpm_count(const struct lpm *t);

/*
 * Call fn for every prefix in prefix_compare order: IPv4 first, by address, shorter first at the
 * same address. A non-zero return from fn stops the walk and is returned. fn must not change
 * the table.
 */
int lpm_walk(const struct lpm *t, int (*fn)(const struct prefix *p, void *value, void *arg),
	     void *arg);

#endif
