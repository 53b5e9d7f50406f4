/* SPDX-License-Identifier: MIT */
/*
 * devcfg: the configuration of the on-premises device for one connection (SPEC §5,
 * connections/{n}/vpndeviceconfigurationscript): a ready strongSwan swanctl.conf with the
 * proposals the gateway proposes and accepts (SPEC §3), its selectors, lifetimes, DPD and PSK;
 * for a BGP connection (SPEC §6) also the site router's configuration that peers with the
 * gateway's speaker through the tunnel, for BIRD 2 (bird.conf) or FRR (frr.conf).
 */
#ifndef VNETGW_MGMT_DEVCFG_H
#define VNETGW_MGMT_DEVCFG_H

#include <stddef.h>
#include <stdint.h>

#include "ike/proposal.h"

/* The vendors a script exists for, as a sentence's list ("strongSwan"). */
#define DEVCFG_VENDORS "strongSwan, BIRD (BGP connections), FRR (BGP connections)"

enum devcfg_vendor {
	DEVCFG_STRONGSWAN,
	DEVCFG_BIRD,
	DEVCFG_FRR,
};

/* A BGP connection's two speakers (SPEC §6), all borrowed. */
struct devcfg_bgp {
	uint32_t site_asn;	  /* the local network gateway's bgpSettings.asn */
	const char *site_addr;	  /* its bgpSettings.bgpPeeringAddress */
	uint32_t gateway_asn;	  /* the VPN gateway's bgpSettings.asn */
	const char *gateway_addr; /* its bgpSettings.bgpPeeringAddress (the first instance's) */
};

/* The vendor named (case-insensitively), or -ENOENT. */
int devcfg_vendor_find(const char *name, enum devcfg_vendor *out);

/* Everything the script says, all borrowed. Seen from the device: local is the site. */
struct devcfg_conn {
	const char *name;	    /* the connection's name */
	const char *device_ip;	    /* the local network gateway's gatewayIpAddress */
	const char *gateway_ip;	    /* the VPN gateway's public IP */
	const char *const *site_ts; /* the local network gateway's prefixes */
	size_t n_site_ts;
	const char *const *vnet_ts; /* the VNet's address space */
	size_t n_vnet_ts;
	const char *psk;
	const struct ike_custom_policy *custom; /* NULL: SPEC §3's default */
	uint32_t child_lifetime_s;		/* ESP lifetime; the default's is 27 000 s */
	uint64_t child_lifetime_kb;
	uint32_t dpd_timeout_s;
	const struct devcfg_bgp *bgp; /* NULL: a static site */
};

/*
 * The script as a new NUL-terminated string in *out (free it with devcfg_free: it holds the
 * PSK). 0; -EINVAL with *why set when the custom policy cannot be mapped; -ENOTSUP with *why
 * set for a router's script (BIRD, FRR) of a connection without BGP; -ENOMEM.
 */
int devcfg_render(enum devcfg_vendor v, const struct devcfg_conn *c, char **out, const char **why);
/* Wipes and frees a script; NULL-safe. */
void devcfg_free(char *script);

#endif
