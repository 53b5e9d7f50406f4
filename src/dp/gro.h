/* SPDX-License-Identifier: MIT */
/*
 * gro: coalescing the TCP segments that one site sends in a burst into one TUN write, as the
 * kernel's GRO does for a NIC (a virtio_net_hdr GSO packet, TUN_VNET_HDR_LEN in front). The
 * VNet's stack then forwards one buffer instead of dozens. Segments are not copied: the write
 * gathers the first packet's (patched) headers and every segment's payload in place.
 */
#ifndef VNETGW_DP_GRO_H
#define VNETGW_DP_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dp/tun.h"
#include "lib/buf.h"

#define GRO_SEGS 64

/* One pending run. Zero-initialised it is empty. */
struct gro {
	unsigned n;	   /* segments held (0: none) */
	int fd;		   /* the TUN they go to */
	const void *owner; /* the connection they came from (compared, never dereferenced) */
	struct buf first;  /* the first packet, whose headers speak for the run */
	size_t hdr_len;	   /* its IPv4 and TCP headers */
	size_t payload;	   /* payload bytes held */
	size_t bytes;	   /* inner packet bytes held (for counters) */
	uint16_t seg;	   /* payload of every segment but the last */
	uint32_t next_seq;
	bool closed; /* a short or PSH segment ended the run */
	bool psh;
	uint8_t vhdr[TUN_VNET_HDR_LEN];
	struct iovec iov[GRO_SEGS + 2];
};

/*
 * Offer packet b (left untouched until gro_write/gro_reset, except the first one's headers)
 * for fd and owner. True if it joined or started the run; false if it cannot: then the
 * caller flushes the run (gro_write) if any, and writes b alone (or offers it again to an
 * empty run).
 */
bool gro_offer(struct gro *g, int fd, const void *owner, struct buf *b);

/*
 * Write the run to its TUN (one GSO packet for several segments) and empty it. 0 or a
 * negative errno; g->n and g->bytes say what it held until gro_reset.
 */
int gro_write(struct gro *g);
void gro_reset(struct gro *g);

#endif
