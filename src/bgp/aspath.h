/* SPDX-License-Identifier: MIT */
/*
 * aspath: AS paths (RFC 4271 4.3 AS_PATH, RFC 6793 AS4_PATH) as 4-octet ASNs in segments, with
 * their parser, writer, the RFC 6793 4.2.3 merge and the helpers the RIB and policy use.
 */
#ifndef VNETGW_BGP_ASPATH_H
#define VNETGW_BGP_ASPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* AS_PATH segment types (4.3; confederation ones RFC 5065). */
#define BGP_ASSEG_SET		  1
#define BGP_ASSEG_SEQUENCE	  2
#define BGP_ASSEG_CONFED_SEQUENCE 3
#define BGP_ASSEG_CONFED_SET	  4

/*
 * Bounds that a 4096-byte message can never exceed: a segment is at least 4 bytes (2 of header,
 * one 2-octet AS; an empty segment is malformed, RFC 7606 7.2).
 */
#define BGP_ASPATH_MAX_SEGS 1024
#define BGP_ASPATH_MAX_AS   2048

struct bgp_as_seg {
	uint8_t type;
	uint8_t n; /* ASNs of this segment, 1..255, in order in bgp_aspath.as */
};

/* An AS path, 4-octet ASNs. Borrowed arrays (the update's storage, or a RIB path's). */
struct bgp_aspath {
	const struct bgp_as_seg *segs;
	const uint32_t *as;
	uint16_t n_segs, n_as;
};

/* 4.3/RFC 4271 9.1.2.2 (a): AS_SET counts 1, confederation segments 0, each other AS 1. */
unsigned int bgp_aspath_count(const struct bgp_aspath *a);
/* Whether asn appears anywhere in the path (RFC 4271 9.1.2: loop detection). */
bool bgp_aspath_contains(const struct bgp_aspath *a, uint32_t asn);
/* The leftmost AS of an AS_SEQUENCE first segment, 0 if the path starts otherwise. */
uint32_t bgp_aspath_first(const struct bgp_aspath *a);
/* "65001 65002 {65003,65004}" into buf (always NUL-terminated); returns buf. */
const char *bgp_aspath_print(const struct bgp_aspath *a, char *buf, size_t len);

/*
 * Segments of 2- or 4-octet (four) ASNs from v into segs/as (capacity BGP_ASPATH_MAX_*), out
 * viewing them. -EBADMSG with why for what RFC 7606 7.2 calls malformed: an unknown segment
 * type, an empty segment, one overrunning the attribute, a lone octet left; and AS 0 (RFC 7607).
 */
int bgp_aspath_parse(struct buf *v, bool four, struct bgp_as_seg *segs, uint32_t *as,
		     struct bgp_aspath *out, const char **why);
bool bgp_aspath_has_confed(const struct bgp_aspath *a);
/*
 * RFC 6793 4.2.3: path (a 2-octet AS_PATH in seg_mem/as_mem) becomes its leading part not
 * covered by as4 (AS4_PATH), followed by as4. 0, -EINVAL (AS4_PATH is the longer: ignore it)
 * or -E2BIG (no room); path is unchanged on error only for -EINVAL.
 */
int bgp_aspath_merge4(struct bgp_aspath *path, struct bgp_as_seg *seg_mem, uint32_t *as_mem,
		      const struct bgp_aspath *as4);
/* Whether an ASN does not fit 2 octets (a 2-octet peer then needs AS4_PATH). */
bool bgp_aspath_needs_as4(const struct bgp_aspath *a);
/*
 * The segments as written (4-octet, or 2-octet with AS_TRANS for larger ASNs; without the
 * confederation segments for AS4_PATH), and their length. 0 or -ENOSPC.
 */
size_t bgp_aspath_wire_len(const struct bgp_aspath *a, bool four, bool no_confed);
int bgp_aspath_put(struct buf *w, const struct bgp_aspath *a, bool four, bool no_confed);

#endif
