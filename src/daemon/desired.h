/* SPDX-License-Identifier: MIT */
/*
 * desired: what the gateway should be running — VNets and site-to-site connections in the terms
 * the data plane and the IKE engine need. The store's reconciler (daemon/reconcile.h) produces
 * it from the resources; it is the gateway's one way of being told what to do.
 */
#ifndef VNETGW_DAEMON_DESIRED_H
#define VNETGW_DAEMON_DESIRED_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/proposal.h"
#include "lib/addr.h"
#include "lib/secret.h"

#define GW_NAME_MAX 64
#define GW_PREFIXES_MAX 64 /* a site's or VNet's prefixes (the API refuses more) */
/* What one gateway process runs unless the operator says otherwise (--max-gateways,
 * --max-connections): the API refuses more (GatewayCapacityReached). */
#define GW_VNETS_DEFAULT 64
#define GW_CONNS_DEFAULT 256
#define GW_LIMIT_MAX	 1000000 /* what --max-gateways/--max-connections accept */
#define GW_REF_MAX 512 /* a store resource id (MODEL_ID_MAX) */

struct gw_vnet {
	char name[GW_NAME_MAX];
	char ref[GW_REF_MAX]; /* the id of the resource it stands for */
	char gw_ref[GW_REF_MAX]; /* its VPN gateway's resource id */
	struct prefix address_space[GW_PREFIXES_MAX];
	unsigned int n_address_space;
	struct prefix gateway_subnet; /* the VNet's GatewaySubnet (SPEC §2 rule 4) */
	/* SPEC §6: its gateway's BGP speaker (enableBgp), AS and peering address. */
	bool bgp;
	uint32_t bgp_asn;
	struct addr bgp_addr;
};

struct gw_conn {
	char name[GW_NAME_MAX];
	char ref[GW_REF_MAX]; /* the id of the resource it stands for */
	char gw_ref[GW_REF_MAX]; /* its VPN gateway's resource id (for reset) */
	char vnet[GW_NAME_MAX];
	struct addr peer;	/* the on-premises device (local network gateway's IP) */
	struct secret *psk;	/* owned */
	struct prefix remote[GW_PREFIXES_MAX]; /* the site's prefixes */
	unsigned int n_remote;
	struct ike_policy policy; /* SPEC §3 default, or the connection's custom policy */
	bool custom_policy;
	uint32_t child_lifetime_s;
	uint64_t child_lifetime_kb;
	uint32_t dpd_timeout_s;
	bool initiate;	  /* vnetgwd starts the IKE SA; otherwise it waits for the peer */
	bool no_respond;  /* connectionMode InitiatorOnly: the peer's IKE_SA_INIT is dropped */
	uint64_t rate_bps; /* per direction, from the SKU (SPEC §2 rule 7) */
	/*
	 * SPEC §6: BGP with the site (the connection's enableBgp): the local network gateway's
	 * bgpSettings (ASN, peering address: routed through this tunnel) and the connection's
	 * routingWeight (higher wins between routes to one prefix).
	 */
	bool bgp;
	uint32_t bgp_asn;
	struct addr bgp_peer;
	uint32_t routing_weight;
};

struct gw_desired {
	struct addr public_ip;
	struct gw_vnet *vnets; /* n_vnets of them (owned, grown as needed) */
	unsigned int n_vnets, cap_vnets;
	struct gw_conn *conns;
	unsigned int n_conns, cap_conns;
	/* The gateway's limits, set by whoever builds it (0: the defaults above). */
	unsigned int max_vnets, max_conns;
};

/* Appends a copy of v / c (c's psk moves with it). 0 or -ENOMEM (nothing changed). */
int gw_desired_add_vnet(struct gw_desired *d, const struct gw_vnet *v);
int gw_desired_add_conn(struct gw_desired *d, struct gw_conn *c);

/* The rate of a SKU name (SPEC §2 rule 7), 0 when unknown. */
uint64_t gw_sku_rate_bps(const char *sku);
/* The gateway's own address in a GatewaySubnet: the fifth (.4), as Azure's instances use. */
int gw_gateway_address(const struct prefix *gateway_subnet, struct prefix *out);
const struct gw_vnet *gw_desired_vnet(const struct gw_desired *d, const char *name);
/*
 * True when a and b negotiate the same tunnel: peer, key, policy, lifetimes, DPD and mode.
 * What may differ without a restart: the site's prefixes and the rate (SPEC §3).
 */
bool gw_conn_same_tunnel(const struct gw_conn *a, const struct gw_conn *b);
/*
 * True when a and b give the data plane the same peer, site prefixes (in order), BGP peer
 * address (routed to the site as well) and rate.
 */
bool gw_conn_same_dp(const struct gw_conn *a, const struct gw_conn *b);
/* Wipe the shared keys and free the arrays (limits kept); the structure itself is the caller's. */
void gw_desired_clear(struct gw_desired *d);

#endif
