/* SPDX-License-Identifier: MIT */
/* Test support: building and inspecting small IPv4/IPv6 ICMP packets through buf. */
#ifndef VNETGW_TESTS_PKT_H
#define VNETGW_TESTS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* An ICMP echo request src -> dst (addresses in network order) with id/seq and plen payload. */
int pkt_icmp4_echo(struct buf *out, const uint8_t src[4], const uint8_t dst[4], uint16_t id,
		   uint16_t seq, size_t plen);
/* Internet checksum (RFC 1071) of the unread bytes of b. */
uint16_t pkt_csum(const struct buf *b);

struct pkt_ip4 {
	uint8_t proto;
	uint8_t src[4], dst[4];
	uint8_t icmp_type; /* when proto is ICMP */
	uint16_t icmp_id, icmp_seq;
};
/* Parse an IPv4 packet (and its ICMP echo header if any). 0 or -EBADMSG. */
int pkt_ip4_parse(const void *p, size_t n, struct pkt_ip4 *out);

#endif
