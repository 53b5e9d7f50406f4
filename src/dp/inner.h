/* SPDX-License-Identifier: MIT */
/*
 * inner: what the data plane reads and changes in the tenant packets it carries (the inner
 * packets of the tunnel): their addresses for routing and source checks, and the TCP MSS of
 * SYNs, clamped so that segments fit the tunnel MTU (SPEC §3: MTU 1400, MSS 1350).
 */
#ifndef VNETGW_DP_INNER_H
#define VNETGW_DP_INNER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/buf.h"

/* SPEC §3 (Azure Stack's advice): tunnel MTU 1400, TCP MSS 1350 for IPv4. */
#define INNER_TUNNEL_MTU 1400
#define INNER_MSS_V4	 1350
/* The same 50-byte margin under the MTU for IPv6's 20-byte longer header. */
#define INNER_MSS_V6 1330

/*
 * Source and destination of the IPv4/IPv6 packet at b's head (nothing consumed). 0, or
 * -EBADMSG when it is not an IP packet whose header fits in what b holds.
 */
int inner_addrs(const struct buf *b, struct addr *src, struct addr *dst);

/*
 * If the packet at b's head is a TCP SYN (IPv4, or IPv6 with TCP as the first next header)
 * whose MSS option exceeds mss4 / mss6, lower it and patch the TCP checksum incrementally
 * (RFC 1624 3). True if the packet was changed. Malformed options are left alone.
 */
bool inner_clamp_mss(struct buf *b, uint16_t mss4, uint16_t mss6);

/* RFC 1624 eqn. 3: the checksum after a 16-bit word changes from old to new. */
uint16_t inner_csum_update(uint16_t csum, uint16_t old, uint16_t new_);

#endif
