/* SPDX-License-Identifier: MIT */
/*
 * policy: Azure's route rules for the VPN gateway's BGP (issue 12, SPEC 6). A route learned
 * from a peer is refused when it is a default route, overlaps the VNet's address space, carries
 * our own ASN (RFC 4271 9.1.2: a loop) or has an unusable next hop (6.3); what is left may be
 * advertised to the other peers (transit) unless RFC 1997's NO_EXPORT or NO_ADVERTISE says not.
 * The ASNs a peer may not use are here too.
 */
#include "bgp/speaker_impl.h"

bool bgp_asn_reserved(uint32_t asn)
{
	static const struct {
		uint32_t lo, hi;
	} reserved[] = {
		{0, 0},			    /* RFC 7607 */
		{8074, 8075},		    /* Microsoft */
		{12076, 12076},		    /* Microsoft */
		{23456, 23456},		    /* AS_TRANS, RFC 6793 */
		{64496, 64511},		    /* documentation, RFC 5398 */
		{65515, 65515},		    /* Azure: the gateway's default */
		{65517, 65520},		    /* Azure */
		{65535, 65551},		    /* RFC 7300, RFC 5398 */
		{4294967295u, 4294967295u}, /* RFC 7300 */
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (asn >= reserved[i].lo && asn <= reserved[i].hi)
			return true;
	return false;
}

bool bgp_policy_nexthop_ok(const struct bgp_speaker *sp, const struct addr *nh)
{
	if ((nh->family != AF_INET && nh->family != AF_INET6) || addr_is_unspecified(nh) ||
	    addr_is_multicast(nh) || addr_is_loopback(nh) ||
	    addr_classify(nh) == ADDR_CLASS_BROADCAST)
		return false;
	/* 6.3: a next hop that is our own address is semantically wrong. */
	return !addr_equal(nh, &sp->cfg.local) && !addr_equal(nh, &sp->cfg.local6);
}

bool bgp_policy_import_ok(const struct bgp_peer *p, const struct prefix *pfx,
			  const struct bgp_attrs *a, const char **why)
{
	const struct bgp_speaker *sp = p->sp;

	if (pfx->len == 0) {
		*why = "default route";
		return false;
	}
	for (size_t i = 0; i < sp->n_local; i++) {
		if (sp->local[i].vnet && prefix_overlaps(&sp->local[i].prefix, pfx)) {
			*why = "overlaps the VNet address space";
			return false;
		}
	}
	if (bgp_aspath_contains(&a->aspath, sp->cfg.asn)) {
		*why = "our AS in the path";
		return false;
	}
	if (!bgp_policy_nexthop_ok(sp, &a->nexthop)) {
		*why = "unusable next hop";
		return false;
	}
	return true;
}

bool bgp_policy_export_ok(const struct prefix *pfx, const struct bgp_attrs *a)
{
	if (pfx->len == 0)
		return false; /* never a default route */
	for (unsigned int i = 0; i < a->n_communities; i++)
		if (a->communities[i] == BGP_COMM_NO_EXPORT ||
		    a->communities[i] == BGP_COMM_NO_ADVERTISE)
			return false;
	return true;
}
