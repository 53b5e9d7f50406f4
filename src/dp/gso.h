/* SPDX-License-Identifier: MIT */
/*
 * gso: what a VNet's TUN hands over with offloads on (TUN_F_CSUM, TSO): a virtio_net_hdr,
 * then a packet whose checksum is left partial, or one TCP super-packet of many segments.
 * Reading 64 KiB per read instead of one segment is what makes the TUN cheap; this file turns
 * those into ordinary packets, each with its checksums complete, ready for ESP.
 */
#ifndef VNETGW_DP_GSO_H
#define VNETGW_DP_GSO_H

#include <stdint.h>

#include "lib/buf.h"

/* struct virtio_net_hdr, read through buf (host byte order, a kernel ABI). */
struct gso_hdr {
	uint8_t flags, type;
	uint16_t hdr_len, size, csum_start, csum_offset;
};

/* Take the virtio header off the front of b. 0 or -EBADMSG. */
int gso_hdr_get(struct buf *b, struct gso_hdr *h);

/*
 * How many packets the packet in b becomes: 1 without GSO, else its segments. -EBADMSG for a
 * GSO type other than TCP (v4/v6), or headers that do not hold together.
 */
int gso_count(const struct buf *b, const struct gso_hdr *h);

/* Without GSO: complete a partial checksum in place (VIRTIO_NET_HDR_F_NEEDS_CSUM). 0/-EBADMSG. */
int gso_csum_finish(struct buf *b, const struct gso_hdr *h);

/*
 * Segment k (< gso_count) of the TCP super-packet in b, appended to out: headers copied and
 * fixed (length, IPv4 ID and checksum, sequence number, FIN/PSH only on the last, CWR only on
 * the first) and the TCP checksum computed whole. 0, -EBADMSG or -ENOSPC.
 */
int gso_segment(const struct buf *b, const struct gso_hdr *h, unsigned k, struct buf *out);

#endif
