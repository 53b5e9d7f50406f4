/* SPDX-License-Identifier: MIT */
/*
 * path: interned, reference-counted sets of path attributes (OpenBGPD's rde_aspath). Every
 * route learned in one UPDATE shares one path, equal paths are one object, so the RIB compares
 * them by pointer and the exporter packs the prefixes of one path into the fewest UPDATEs.
 */
#ifndef VNETGW_BGP_PATH_H
#define VNETGW_BGP_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/update.h"

struct bgp_path {
	struct bgp_attrs a; /* its arrays live in the same allocation */
	uint32_t refs;
	uint32_t hash;
	struct bgp_path *hnext;
	/* What we send on for it (export.c), a reference held by this path; NULL until asked. */
	struct bgp_path *exported;
};

struct bgp_pathtab;

struct bgp_pathtab *bgp_pathtab_new(void);
/* Frees the table; paths still referenced are freed too (the speaker is going away). */
void bgp_pathtab_free(struct bgp_pathtab *t);
/*
 * The path equal to a (copied on first use), with a reference for the caller, or NULL without
 * memory. Attributes whose bit is not in a->have are ignored.
 */
struct bgp_path *bgp_path_get(struct bgp_pathtab *t, const struct bgp_attrs *a);
struct bgp_path *bgp_path_ref(struct bgp_path *p);
/* Drop a reference (NULL is a no-op); the last one frees the path. */
void bgp_path_unref(struct bgp_pathtab *t, struct bgp_path *p);
size_t bgp_pathtab_count(const struct bgp_pathtab *t);

#endif
