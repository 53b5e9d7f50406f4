/* SPDX-License-Identifier: MIT */
/*
 * peermap: which connection a public address belongs to (SPEC §1: one connection per remote IP
 * in the whole deployment), for a data-plane worker to tell a configured peer's IKE from
 * anyone else's without a scan. Open addressing with linear probing and backward-shift
 * deletion, a random seed per map (peer addresses are tenants' choices: none can pick
 * addresses that pile up on one slot of another's map), grown while the message that adds a
 * connection is applied, never on the packet path. One owner thread, no lock.
 */
#ifndef VNETGW_DP_PEERMAP_H
#define VNETGW_DP_PEERMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct peermap_slot {
	struct addr peer;
	uint32_t id; /* 0: free */
};

struct peermap {
	struct peermap_slot *slot;
	size_t cap; /* a power of two, at most half full */
	size_t n;
	uint64_t seed;
};

/* An empty map. 0, -ENOMEM or -EIO (no seed). */
int peermap_init(struct peermap *m);
void peermap_fini(struct peermap *m);
/* Map peer to id (non-zero), replacing what peer had. 0 or -ENOMEM. */
int peermap_set(struct peermap *m, const struct addr *peer, uint32_t id);
/* Forget peer if it maps to id. */
void peermap_del(struct peermap *m, const struct addr *peer, uint32_t id);
/* The id of peer, 0 when none. */
uint32_t peermap_get(const struct peermap *m, const struct addr *peer);

#endif
