/* SPDX-License-Identifier: MIT */
/*
 * gw_bgp: the BGP speaker (src/bgp) of one VNet gateway, run where Azure runs it (SPEC §6,
 * issue 12): in the VNet's namespace, on the gateway's BGP peering address (a host address on
 * the VNet's gateway interface, from the GatewaySubnet), with a listener on it and outgoing
 * sessions bound to it. Its peers are the VNet's BGP connections, reached through their
 * tunnels (the gateway routes each peer's address to its connection).
 *
 * The speaker reports best-route changes one prefix at a time; they are gathered and handed
 * to the gateway once per turn of the loop, as each connection's whole set of learned routes
 * (what dp_conn_routes takes), so that an UPDATE of 4000 prefixes is one table rebuild.
 */
#ifndef VNETGW_DAEMON_GW_BGP_H
#define VNETGW_DAEMON_GW_BGP_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/speaker.h"
#include "lib/addr.h"

struct dp;

struct gw_bgp_config {
	struct event_base *base;
	struct dp *dp;	  /* borrowed: the VNet's namespace for sockets and its address */
	uint32_t vnet_id; /* in dp */
	uint32_t asn;	  /* the gateway's (bgpSettings.asn; 65515 by default) */
	struct addr local; /* the gateway's BGP peering address */
	uint16_t port;	   /* 179; tests may pick another */
};

struct gw_bgp_ops {
	void *ctx;
	/* The connection's learned routes are now these n (sorted or not; the callee copies). */
	void (*routes)(void *ctx, const char *conn, const struct prefix *routes, size_t n);
	/* The session with the connection's peer changed state (why: reason). */
	void (*peer_state)(void *ctx, const char *conn, enum bgp_state old, enum bgp_state st,
			   const char *reason);
};

struct gw_bgp;

/*
 * Puts the address on the VNet's gateway interface, listens on it and starts the speaker.
 * 0 or a negative errno (logged).
 */
int gw_bgp_new(struct gw_bgp **out, const struct gw_bgp_config *cfg, const struct gw_bgp_ops *ops);
/*
 * Ends every session (Cease), reports every connection's routes gone (ops->routes with none),
 * closes the sockets. NULL is a no-op.
 */
void gw_bgp_free(struct gw_bgp *b);

/* What we originate: the VNet's address space (vnet) and the static sites' prefixes. */
int gw_bgp_set_local(struct gw_bgp *b, const struct bgp_local_prefix *list, size_t n);
/* A BGP connection's peer, added or changed (bgp_speaker_peer_add/update). */
int gw_bgp_peer_set(struct gw_bgp *b, const struct bgp_peer_config *pc);
/* Gone: Cease, routes withdrawn. -ENOENT if unknown. */
int gw_bgp_peer_remove(struct gw_bgp *b, const char *conn);
/*
 * The connection's tunnel went down (down) or came up: a session over a dead tunnel ends at
 * once, routes withdrawn, rather than when its hold timer runs out; one that is not up tries
 * again now rather than at its ConnectRetry time.
 */
void gw_bgp_tunnel(struct gw_bgp *b, const char *conn, bool down);

/* The speaker, for status (peers, learned and advertised routes); the gateway's to read. */
const struct bgp_speaker *gw_bgp_speaker(const struct gw_bgp *b);

#endif
