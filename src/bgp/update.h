/* SPDX-License-Identifier: MIT */
/*
 * update: the UPDATE message (RFC 4271 4.3, 5, 6.3) with the path attributes ORIGIN, AS_PATH,
 * NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES (RFC 1997),
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) for IPv4 and IPv6 unicast, AS4_PATH and
 * AS4_AGGREGATOR (RFC 6793), and unknown optional attributes (transitive ones kept with the
 * Partial bit, non-transitive ones dropped). Errors follow RFC 7606: the parser says whether an
 * UPDATE is taken as is, with attributes discarded, treated as a withdrawal, or ends the session.
 */
#ifndef VNETGW_BGP_UPDATE_H
#define VNETGW_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/aspath.h"
#include "bgp/msg.h"
#include "lib/addr.h"
#include "lib/buf.h"

/* Attribute type codes (RFC 4271 5, 1997, 4456, 4760, 6793). */
#define BGP_ATTR_ORIGIN		  1
#define BGP_ATTR_AS_PATH	  2
#define BGP_ATTR_NEXT_HOP	  3
#define BGP_ATTR_MED		  4
#define BGP_ATTR_LOCAL_PREF	  5
#define BGP_ATTR_ATOMIC_AGGREGATE 6
#define BGP_ATTR_AGGREGATOR	  7
#define BGP_ATTR_COMMUNITIES	  8
#define BGP_ATTR_ORIGINATOR_ID	  9
#define BGP_ATTR_CLUSTER_LIST	  10
#define BGP_ATTR_MP_REACH	  14
#define BGP_ATTR_MP_UNREACH	  15
#define BGP_ATTR_AS4_PATH	  17
#define BGP_ATTR_AS4_AGGREGATOR	  18

/* Attribute flags (4.3). */
#define BGP_AF_OPTIONAL	  0x80
#define BGP_AF_TRANSITIVE 0x40
#define BGP_AF_PARTIAL	  0x20
#define BGP_AF_EXTLEN	  0x10

/* ORIGIN values (5.1.1). */
#define BGP_ORIGIN_IGP	      0
#define BGP_ORIGIN_EGP	      1
#define BGP_ORIGIN_INCOMPLETE 2

/* RFC 1997 well-known communities. */
#define BGP_COMM_NO_EXPORT    0xffffff01u
#define BGP_COMM_NO_ADVERTISE 0xffffff02u

/* A community is 4 octets: no more than this fit in a message. */
#define BGP_COMM_MAX 1024

/* bgp_attrs.have: bit 1 << type for each attribute present and valid. */
#define BGP_HAVE(type) (1u << (type))

/*
 * Path attributes as one route carries them. nexthop is NEXT_HOP for IPv4 NLRI and the
 * MP_REACH_NLRI next hop for IPv6. other holds the unknown optional transitive attributes, as
 * they will be passed on (flags with Partial set, type, length, value), other_len bytes.
 */
struct bgp_attrs {
	uint32_t have;
	uint8_t origin;
	struct bgp_aspath aspath;
	struct addr nexthop;
	uint32_t med, local_pref;
	uint32_t aggr_as;
	struct addr aggr_addr;
	const uint32_t *communities;
	uint16_t n_communities;
	const uint8_t *other;
	uint16_t other_len;
};

/*
 * A parsed UPDATE. The NLRI fields stay views into the message (validated: bgp_nlri_get walks
 * them without error); the attribute arrays live in the storage below, so the struct is large
 * (about 30 KiB): allocate it once per speaker, never on a small stack, and never copy it.
 */
struct bgp_update {
	struct buf withdrawn; /* IPv4 withdrawn routes (4.3) */
	struct buf nlri;      /* IPv4 NLRI (4.3) */
	/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 3, 4): *_known when AFI/SAFI is one of ours. */
	bool mp_reach, mp_unreach, mp_reach_known, mp_unreach_known;
	uint16_t mp_reach_afi, mp_unreach_afi;
	uint8_t mp_reach_safi, mp_unreach_safi;
	struct buf mp_reach_nlri, mp_unreach_nlri;
	struct addr nexthop4;		       /* NEXT_HOP */
	struct addr mp_nexthop, mp_nexthop_ll; /* MP_REACH next hop (IPv6: global, link-local) */
	struct bgp_attrs attrs;		       /* attrs.nexthop: unset; see bgp_update_attrs_for */

	/*
	 * RFC 7606: BGP_ACT_NONE, ATTR_DISCARD (n_discarded attributes were dropped) or
	 * TREAT_AS_WITHDRAW (every NLRI of the message, withdrawn routes, NLRI and both MP
	 * attributes, is to be withdrawn). why says the strongest error found first.
	 */
	enum bgp_action action;
	unsigned int n_discarded;
	unsigned int n_ignored; /* unknown optional non-transitive attributes, dropped (4.3) */
	char why[128];

	/* Storage for attrs' arrays. */
	struct bgp_as_seg seg_mem[BGP_ASPATH_MAX_SEGS];
	uint32_t as_mem[BGP_ASPATH_MAX_AS];
	struct bgp_as_seg seg4_mem[BGP_ASPATH_MAX_SEGS];
	uint32_t as4_mem[BGP_ASPATH_MAX_AS];
	uint32_t comm_mem[BGP_COMM_MAX];
	uint8_t other_mem[BGP_MAX_MSG];
};

/*
 * Parse an UPDATE body (after the header). 0 with u->action saying how RFC 7606 handles what was
 * found, or -EBADMSG when the session must be reset: err then holds the NOTIFICATION (Malformed
 * Attribute List for inconsistent lengths, Invalid Network Field for a bad NLRI field,
 * Unrecognized Well-known Attribute, Optional Attribute Error for a bad MP_REACH/MP_UNREACH).
 */
int bgp_update_parse(struct buf *body, const struct bgp_parse_ctx *ctx, struct bgp_update *u,
		     struct bgp_error *err);

/*
 * The next prefix of an NLRI field of family afi (RFC 4271 4.3, RFC 4760 5): 0 with *p (host
 * bits cleared), -ENOENT at the end, -EBADMSG for a length past 32/128 or a truncated prefix.
 */
int bgp_nlri_get(struct buf *b, uint16_t afi, struct prefix *p);
/* Bytes a prefix takes in an NLRI field. */
size_t bgp_nlri_size(const struct prefix *p);
int bgp_nlri_put(struct buf *w, const struct prefix *p);

/*
 * An UPDATE to send. afi selects the encoding: IPv4 NLRI and withdrawals in the message fields,
 * IPv6 in MP_REACH_NLRI / MP_UNREACH_NLRI. attrs is needed when nlri is not empty; its nexthop
 * must be of the family. The AS path goes out as it is (the caller prepends): 4-octet when as4,
 * otherwise 2-octet with AS_TRANS and an AS4_PATH (and AS4_AGGREGATOR) for larger ASNs (RFC 6793
 * 4.2.2). MED and LOCAL_PREF go out when attrs->have says so.
 */
struct bgp_update_out {
	uint16_t afi;
	bool as4;
	const struct bgp_attrs *attrs;
	const struct prefix *nlri;
	size_t n_nlri;
	const struct prefix *withdrawn;
	size_t n_withdrawn;
};

/*
 * Append one UPDATE with the first withdrawals and then the first NLRI of u that fit in
 * BGP_MAX_MSG; *n_wd and *n_nlri say how many went in (the caller sends the rest in further
 * messages). 0, -ENOSPC if not even one fits where one was asked, -EINVAL for a next hop of the
 * wrong family or an NLRI without attrs.
 */
int bgp_update_build(struct buf *w, const struct bgp_update_out *u, size_t *n_wd, size_t *n_nlri);

#endif
