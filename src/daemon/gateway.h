/* SPDX-License-Identifier: MIT */
/*
 * gateway: the running gateway — the data plane (src/dp) and the IKEv2 engine (src/ike) joined
 * on the daemon's libevent loop and driven toward a desired state (daemon/desired.h): IKE
 * datagrams from the data plane's upcall queue into the engine, the engine's messages out
 * through the data plane's sockets, negotiated CHILD_SAs installed make-before-break, timers
 * armed at the engine's next deadline, connection status kept and written to a status file.
 */
#ifndef VNETGW_DAEMON_GATEWAY_H
#define VNETGW_DAEMON_GATEWAY_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

#include "daemon/desired.h"
#include "ike/engine.h"

struct evlog;

struct gw_options {
	struct addr public_ip;
	uint16_t port_ike, port_natt; /* 0: 500 and 4500 */
	/* VNet namespaces are prefix + the VNet's key ("vnet-" by default; tests use vgt-...). */
	const char *netns_prefix;
	const char *keylog_dir;	 /* debug: Wireshark key files (NULL: off) */
	const char *status_path; /* JSON status, rewritten on changes and every second (NULL) */
	unsigned int workers;	 /* data-plane threads (0: the data plane's default) */
	bool unshaped;		 /* benchmarks only: no SKU rate on any connection */
	uint16_t bgp_port;	 /* the peers' BGP port and ours (0: 179) */
	/*
	 * TESTS ONLY (--debug-lifetimes): when non-zero, every connection's IKE and CHILD_SA
	 * lifetimes in seconds, whatever its configuration says; debug_jitter_pct >= 0 replaces
	 * the rekey jitter too (0: rekey at exactly 90 %).
	 */
	uint32_t debug_ike_lifetime_s, debug_child_lifetime_s;
	int debug_jitter_pct;
	struct ike_engine_limits ike_limits; /* what one peer may make us hold (engine.h) */
	struct evlog *events; /* connections' events for their tenants (borrowed; NULL: logged only) */
};

struct gw;

/* Open the data plane's sockets and start the engine on base. 0 or a negative errno. */
int gw_new(struct gw **out, struct event_base *base, const struct gw_options *o);
/*
 * Delete every SA in the data plane (peers are not told: a restart re-establishes), close.
 * VNet namespaces stay (workloads keep their veths), as dp_free says.
 */
void gw_free(struct gw *g);

/*
 * Converge toward d: VNets and connections added, changed or removed in the data plane and the
 * engine; connections configured to initiate are started. A removed connection's SAs are
 * deleted with a Delete to the peer and its routes withdrawn; new site prefixes or rate change
 * only its routes and shaper; a new key, policy, peer, lifetime, DPD timeout or mode restarts
 * its tunnel (Delete, then a new IKE SA); a VNet whose GatewaySubnet changed is re-created.
 * d's keys are copied. Returns 0, or the first error (logged with the resource it concerns;
 * the rest is still applied).
 */
int gw_apply(struct gw *g, const struct gw_desired *d);

/*
 * Reset (SPEC §5, virtualNetworkGateways/{n}/reset): the connection's SAs are deleted with a
 * Delete to the peer and its tunnel starts again from IKE_SA_INIT -- at once when it initiates,
 * otherwise when the peer comes back (its DPD or retry). Configuration and routes are kept.
 * 0, or -ENOENT when name is not running.
 */
int gw_conn_reset(struct gw *g, const char *name);

/* A connection's state for status output. -ENOENT when unknown. */
struct gw_conn_status {
	enum ike_conn_status status;
	char reason[128];
	int64_t since;	     /* wall-clock seconds of the last change */
	int64_t established; /* wall-clock seconds it last became Connected, 0 never */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};
int gw_conn_status(struct gw *g, const char *name, struct gw_conn_status *out);

/*
 * The VNet's BGP as Azure's getBgpPeerStatus, getLearnedRoutes and getAdvertisedRoutes answer
 * it, from the live speaker: a new object {"peers": [...], "learned": [...], "advertised":
 * {"<neighbor address>": [...]}} (rows in Azure's member names), or NULL when the VNet runs no
 * BGP speaker (or is unknown, or without memory).
 */
json_t *gw_bgp_view(struct gw *g, const char *vnet_name);
/* Moves whenever any VNet's BGP peers or routes change (for rebuilding gw_bgp_view's). */
uint64_t gw_bgp_generation(const struct gw *g);

/*
 * Prometheus text (issue 20): tunnels' bytes, packets, drops by reason and average bandwidth,
 * IKE and CHILD SAs, the engine's flood figures, BGP peers and routes, labelled subscription,
 * resource_group, gateway, connection and remote_ip. Average bandwidth covers the time since the
 * previous call. A new string (free it), or NULL without memory.
 */
char *gw_metrics(struct gw *g);

/* The VNet namespace name gw uses for a VNet (for tests and operators attaching workloads). */
void gw_vnet_netns_name(const char *prefix, const char *vnet, char *out, size_t len);

#endif
