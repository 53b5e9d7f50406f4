/* SPDX-License-Identifier: MIT */
/*
 * rib: the Adj-RIB-In of each peer and the Loc-RIB (RFC 4271 3.2, 9.1), IPv4 and IPv6 unicast.
 * A route is one (peer, prefix, path); each peer's Adj-RIB-In maps its prefixes to its routes,
 * and the Loc-RIB entry of a prefix lists every peer's route to it with the best one chosen
 * (bgp_rib_route_cmp). Changes of the best route are reported through ops, once per change.
 */
#ifndef VNETGW_BGP_RIB_H
#define VNETGW_BGP_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/path.h"
#include "lib/addr.h"
#include "lib/lpm.h"

/* What the RIB knows of a peer; embedded in the speaker's peer. */
struct bgp_rib_peer {
	const char *name;
	struct addr addr;
	uint32_t bgp_id;    /* from its OPEN: a tie-break */
	uint32_t weight;    /* configured routing weight: the first criterion */
	struct lpm *adj_in; /* prefix -> struct bgp_route */
};

struct bgp_route {
	struct bgp_rib_peer *peer;
	struct bgp_path *path; /* a reference */
	struct prefix prefix;
	struct bgp_route *next; /* the other routes of the Loc-RIB entry */
};

struct bgp_rib_entry {
	struct prefix prefix;
	struct bgp_route *routes;
	struct bgp_route *best;
};

struct bgp_rib_ops {
	void *ctx;
	/* The best route to p is now best (NULL: none left), or its path changed. */
	void (*best_changed)(void *ctx, const struct prefix *p, const struct bgp_route *best);
};

struct bgp_rib;

struct bgp_rib *bgp_rib_new(struct bgp_pathtab *paths, const struct bgp_rib_ops *ops);
/* Every route must have been flushed (bgp_rib_peer_fini) before. NULL is a no-op. */
void bgp_rib_free(struct bgp_rib *r);

/* 0 or -ENOMEM. fini withdraws all of the peer's routes first. */
int bgp_rib_peer_init(struct bgp_rib_peer *peer);
void bgp_rib_peer_fini(struct bgp_rib *r, struct bgp_rib_peer *peer);

/*
 * peer's route to p is now path (a new reference is taken; an existing route is replaced,
 * RFC 4271 9: an implicit withdrawal). 0 or -ENOMEM (nothing changed).
 */
int bgp_rib_announce(struct bgp_rib *r, struct bgp_rib_peer *peer, const struct prefix *p,
		     struct bgp_path *path);
/* 0, or -ENOENT if peer had no route to p. */
int bgp_rib_withdraw(struct bgp_rib *r, struct bgp_rib_peer *peer, const struct prefix *p);
/* Withdraw every route of peer (its session left Established). */
void bgp_rib_peer_flush(struct bgp_rib *r, struct bgp_rib_peer *peer);
/* Choose again for every prefix of peer (its weight changed). */
void bgp_rib_peer_reselect(struct bgp_rib *r, struct bgp_rib_peer *peer);

bool bgp_rib_peer_has(const struct bgp_rib_peer *peer, const struct prefix *p);
size_t bgp_rib_peer_count(const struct bgp_rib_peer *peer);
/* The best route to exactly p, or NULL. */
const struct bgp_route *bgp_rib_best(const struct bgp_rib *r, const struct prefix *p);
size_t bgp_rib_count(const struct bgp_rib *r);

/*
 * Best path (RFC 4271 9.1.2.2, Azure's routing weight first): <0 when a is preferred to b.
 *   1. higher peer weight;
 *   2. shorter AS_PATH (an AS_SET counts one);
 *   3. lower ORIGIN (IGP < EGP < INCOMPLETE);
 *   4. lower peer BGP Identifier;
 *   5. lower peer address (two sessions from one router).
 * MED is not compared (routes rarely come from two sessions of one neighbor AS here) and every
 * route is external, so 9.1.2.2 (d) and (e) do not apply. Total over distinct peers.
 */
int bgp_rib_route_cmp(const struct bgp_route *a, const struct bgp_route *b);

/* Walks in prefix order; a non-zero return from fn stops and is returned. */
int bgp_rib_walk(const struct bgp_rib *r, int (*fn)(const struct bgp_rib_entry *e, void *arg),
		 void *arg);
int bgp_rib_peer_walk(const struct bgp_rib_peer *peer,
		      int (*fn)(const struct bgp_route *rt, void *arg), void *arg);

#endif
