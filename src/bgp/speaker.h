/* SPDX-License-Identifier: MIT */
/*
 * speaker: the embedded BGP-4 speaker of one VNet gateway (SPEC 6), as a library. It owns its
 * peers, their sessions (one RFC 4271 FSM per connection, fsm.h), the Adj-RIBs-In, the Loc-RIB
 * and what was advertised to each peer (rib.h, export.c). It owns no socket and no clock: bytes
 * come in through bgp_speaker_input() and go out through the ops table, time is ops->now (or
 * clock_now_ns()), and the caller sleeps until bgp_speaker_next_deadline(). net.h is a transport
 * over real sockets; the tests use socket pairs.
 *
 * eBGP only: a peer with our own ASN is refused, as Azure refuses an on-premises ASN equal to the
 * gateway's. Routes follow Azure's rules: the caller's local prefixes (the VNet's address space,
 * static sites' prefixes) and the routes learned from other peers are advertised; a default
 * route, a prefix overlapping the VNet and a path with our ASN are refused on input.
 *
 * Threading: none. One thread calls everything; ops callbacks must not call back into the
 * speaker (queue the work instead).
 */
#ifndef VNETGW_BGP_SPEAKER_H
#define VNETGW_BGP_SPEAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define BGP_DEFAULT_ASN		    65515 /* Azure's VPN gateway ASN */
#define BGP_DEFAULT_HOLD_S	    90	  /* RFC 4271 10 suggests 90 s */
#define BGP_MIN_HOLD_S		    3	  /* RFC 4271 4.2: zero or at least 3 */
#define BGP_OPENSENT_HOLD_S	    240	  /* RFC 4271 8: "a large value", 4 minutes suggested */
#define BGP_DEFAULT_CONNECT_RETRY_S 30
#define BGP_DEFAULT_MAX_PREFIXES    4000 /* SPEC 6 */
/*
 * Automatic restart (RFC 4271 8.1.1 IdleHoldTimer): after a session fails, the peer waits
 * idle_hold_s in Idle, doubling with each consecutive failure up to BGP_IDLE_HOLD_MAX_S, back to
 * the base once a session has been Established for a hold time. After Cease/max-prefix it waits
 * max_prefix_restart_s instead (0: stays Idle until bgp_speaker_peer_reset()).
 */
#define BGP_DEFAULT_IDLE_HOLD_S		 5
#define BGP_IDLE_HOLD_MAX_S		 120
#define BGP_DEFAULT_MAX_PREFIX_RESTART_S 300

enum bgp_state {
	BGP_STATE_IDLE,
	BGP_STATE_CONNECT,
	BGP_STATE_ACTIVE,
	BGP_STATE_OPENSENT,
	BGP_STATE_OPENCONFIRM,
	BGP_STATE_ESTABLISHED,
};
/* "Idle", "Connect", ... as RFC 4271 8.2.2 and Azure's getBgpPeerStatus spell them. */
const char *bgp_state_name(enum bgp_state s);

struct bgp_speaker_config {
	uint32_t asn;	    /* default BGP_DEFAULT_ASN */
	uint32_t router_id; /* BGP Identifier, host order, non-zero (RFC 6286) */
	/*
	 * Our BGP address: sessions are bound to it, and it is the NEXT_HOP of IPv4 routes we
	 * advertise. local6 is the next hop of IPv6 routes (unset: local if it is IPv6; without
	 * an IPv6 next hop no IPv6 route is advertised, as with local4 for IPv4 routes).
	 */
	struct addr local;
	struct addr local6;
	uint16_t port; /* the peers' BGP port (default 179; tests use high ports) */
	uint16_t hold_time_s;
	uint16_t connect_retry_s;
	uint32_t idle_hold_s;
	uint32_t max_prefix_restart_s;
	/*
	 * SPEC 6 / issue 12: reserved ASNs are refused for peers (bgp_asn_reserved). A speaker
	 * that plays the on-premises side in tests peers with 65515 and turns this off.
	 */
	bool allow_reserved_peer_asn;
};
void bgp_speaker_config_default(struct bgp_speaker_config *c);

#define BGP_NAME_MAX 64

struct bgp_peer_config {
	char name[BGP_NAME_MAX]; /* unique in the speaker (e.g. the connection's name) */
	struct addr addr;	 /* the neighbor's BGP address */
	uint32_t asn;
	uint32_t weight;       /* routing weight: higher is preferred (first of the tie-breaks) */
	uint32_t max_prefixes; /* accepted prefixes, both families (0: BGP_DEFAULT_MAX_PREFIXES) */
	bool passive;	       /* never connect: wait for the peer (RFC 4271 8.1.1) */
	uint16_t hold_time_s;  /* 0: the speaker's */
};
void bgp_peer_config_default(struct bgp_peer_config *c);

/* A change of the best route to a prefix, for the data plane and the kernel table. */
struct bgp_route_change {
	bool add; /* a best route now (new or changed); false: no route left (withdraw) */
	struct prefix prefix;
	struct addr nexthop;
	const char *peer; /* the best route's peer (name), NULL on withdraw */
	uint32_t weight;
};

struct bgp_speaker_ops {
	void *ctx;
	/*
	 * Open a TCP connection from local to remote:port for connection conn. 0 when under way:
	 * the transport later calls bgp_speaker_connected() or bgp_speaker_closed(). A negative
	 * errno means it failed at once.
	 */
	int (*connect)(void *ctx, uint32_t conn, const struct addr *local,
		       const struct addr *remote, uint16_t port);
	/* Queue bytes on conn; the transport keeps them all (TCP). 0 or a negative errno. */
	int (*send)(void *ctx, uint32_t conn, const uint8_t *data, size_t len);
	/* Close conn once what was sent on it is written (a NOTIFICATION goes out first). */
	void (*close)(void *ctx, uint32_t conn);
	/* Optional: the Loc-RIB's best route for a prefix changed. */
	void (*route)(void *ctx, const struct bgp_route_change *ch);
	/* Optional: a peer's state changed (its most advanced session), and why. */
	void (*peer_state)(void *ctx, const char *peer, enum bgp_state old, enum bgp_state st,
			   const char *reason);
	/* Optional: monotonic nanoseconds (default clock_now_ns()). */
	uint64_t (*now)(void *ctx);
};

struct bgp_speaker;

/* 0, -EINVAL (router id 0, ASN 0 or AS_TRANS, no local address, hold 1-2 s) or -ENOMEM. */
int bgp_speaker_new(struct bgp_speaker **out, const struct bgp_speaker_config *cfg,
		    const struct bgp_speaker_ops *ops);
/* Ends every session (Cease/Peer De-configured), withdraws every route; NULL is a no-op. */
void bgp_speaker_free(struct bgp_speaker *sp);

/*
 * Peers. add starts the peer (ManualStart, passive or not): 0, -EEXIST (name or address taken),
 * -EINVAL (ASN 0, ours, or reserved, see bgp_asn_reserved; an address of another family than
 * ours; a hold time of 1-2 s), -ENOMEM. update applies weight and max_prefixes at once (best
 * paths are chosen again; a peer already past a lower limit is stopped), and restarts the
 * session (Cease/Other Configuration Change) when the address, ASN, passive flag or hold time
 * change. remove ends the session with Cease/Peer De-configured and withdraws its routes. reset
 * ends it with Cease/Administrative Reset and starts it again. -ENOENT for an unknown name.
 */
int bgp_speaker_peer_add(struct bgp_speaker *sp, const struct bgp_peer_config *pc);
int bgp_speaker_peer_update(struct bgp_speaker *sp, const struct bgp_peer_config *pc);
int bgp_speaker_peer_remove(struct bgp_speaker *sp, const char *name);
int bgp_speaker_peer_reset(struct bgp_speaker *sp, const char *name);

/*
 * The prefixes we originate (copied). vnet ones are the VNet's address space: routes learned
 * that overlap them are refused (and those already learned are withdrawn; peers that can are
 * asked for a route refresh when the set changes, so routes refused before are offered again).
 */
struct bgp_local_prefix {
	struct prefix prefix;
	bool vnet;
};
int bgp_speaker_set_local_prefixes(struct bgp_speaker *sp, const struct bgp_local_prefix *list,
				   size_t n);

/*
 * The transport's calls. accept: a connection came in from remote to local; 0 with *conn its id,
 * -ENOENT (no peer has that address) or -ECONNREFUSED (the peer is Idle, or already has two
 * connections): the transport closes it. connected: an outgoing connect finished. closed: a
 * connect failed or a connection ended (RFC 4271 event 18). input: bytes read from conn.
 */
int bgp_speaker_accept(struct bgp_speaker *sp, const struct addr *local, const struct addr *remote,
		       uint32_t *conn);
void bgp_speaker_connected(struct bgp_speaker *sp, uint32_t conn);
void bgp_speaker_closed(struct bgp_speaker *sp, uint32_t conn);
void bgp_speaker_input(struct bgp_speaker *sp, uint32_t conn, const uint8_t *data, size_t len);

/* Run the timers that are due; the earliest deadline (ops->now() time), 0 when none. */
void bgp_speaker_run_timers(struct bgp_speaker *sp);
uint64_t bgp_speaker_next_deadline(const struct bgp_speaker *sp);

/* Azure's getBgpPeerStatus. */
struct bgp_peer_status {
	char name[BGP_NAME_MAX];
	struct addr local_address, neighbor;
	uint32_t asn;
	enum bgp_state state;
	uint64_t connected_duration_s;		   /* since Established, 0 otherwise */
	uint32_t routes_received;		   /* prefixes accepted into the Adj-RIB-In now */
	uint64_t messages_sent, messages_received; /* since the peer was added */
	uint32_t remote_id;			   /* its BGP Identifier, 0 before an OPEN */
	uint16_t hold_time_s;			   /* negotiated, while Established */
	uint64_t routes_refused;		   /* refused by the import policy, ever */
	uint64_t updates_withdrawn;		   /* UPDATEs treated as withdraw (RFC 7606) */
	char last_error[160];			   /* why the last session ended, "" if none */
};
int bgp_speaker_peer_status(const struct bgp_speaker *sp, const char *name,
			    struct bgp_peer_status *st);
/* Every peer, in the order they were added: returns how many there are (fills up to max). */
size_t bgp_speaker_peers(const struct bgp_speaker *sp, struct bgp_peer_status *out, size_t max);

/* Azure's getLearnedRoutes / getAdvertisedRoutes rows. */
enum bgp_route_origin {
	BGP_ROUTE_NETWORK, /* a local prefix */
	BGP_ROUTE_EBGP,	   /* learned from a peer */
};
struct bgp_route_info {
	struct prefix network;
	struct addr next_hop;
	struct addr source_peer; /* the peer's address; ours for local prefixes */
	char peer_name[BGP_NAME_MAX];
	enum bgp_route_origin origin;
	char as_path[256];
	uint32_t weight;
	bool best; /* the Loc-RIB's choice for network */
};
typedef int (*bgp_route_fn)(const struct bgp_route_info *r, void *arg);
/*
 * learned: local prefixes, then every route of every Adj-RIB-In (best or not), by prefix.
 * advertised: what peer was last sent, as sent (next hop, AS path with ours prepended); -ENOENT
 * for an unknown peer. A non-zero return from fn stops the walk and is returned.
 */
int bgp_speaker_learned_routes(const struct bgp_speaker *sp, bgp_route_fn fn, void *arg);
int bgp_speaker_advertised_routes(const struct bgp_speaker *sp, const char *peer, bgp_route_fn fn,
				  void *arg);

/*
 * The ASNs a peer may not use (issue 12, from Azure's documentation): 0 (RFC 7607), 8074, 8075,
 * 12076, 23456 (AS_TRANS), 64496-64511 (documentation), 65515, 65517-65520, 65535-65551,
 * 4294967295.
 */
bool bgp_asn_reserved(uint32_t asn);

#endif
