/* SPDX-License-Identifier: MIT */
/*
 * devcfg: the configuration of the on-premises device for one connection (SPEC §5,
 * connections/{n}/vpndeviceconfigurationscript): a ready strongSwan swanctl.conf with the
 * proposals the gateway proposes and accepts (SPEC §3), its selectors, lifetimes, DPD and PSK.
 */
#ifndef VNETGW_MGMT_DEVCFG_H
#define VNETGW_MGMT_DEVCFG_H

#include <stddef.h>
#include <stdint.h>

#include "ike/proposal.h"

/* The vendors a script exists for, as a sentence's list ("strongSwan"). */
#define DEVCFG_VENDORS "strongSwan"

enum devcfg_vendor {
	DEVCFG_STRONGSWAN,
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
};

/*
 * The script as a new NUL-terminated string in *out (free it with devcfg_free: it holds the
 * PSK). 0; -EINVAL with *why set when the custom policy cannot be mapped; -ENOMEM.
 */
int devcfg_render(enum devcfg_vendor v, const struct devcfg_conn *c, char **out, const char **why);
/* Wipes and frees a script; NULL-safe. */
void devcfg_free(char *script);

#endif
