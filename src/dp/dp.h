/* SPDX-License-Identifier: MIT */
/*
 * dp: vnetgwd's userspace data plane (SPEC §1, §4). One instance serves one public address:
 * UDP 500 and 4500 and raw ESP on it, a TUN device per VNet inside the VNet's own namespace,
 * per VNet a longest-prefix table of its connections' prefixes, per connection the current
 * outbound SA, a token bucket per direction and counters.
 *
 * The control plane drives it with requests (the functions below). Each request is a message
 * copied into a worker thread's queue (the encapsulating and the decapsulating worker each get
 * what concerns them) and applied between two packet batches; the call returns the answer. No caller ever holds a pointer into the data
 * plane's state, and the worker never touches the caller's: privilege separation can later put
 * the two in different processes without changing this interface. Requests are made from one
 * control thread at a time.
 *
 * In the other direction, IKE datagrams received on 500 or 4500 (after the non-ESP marker) and
 * SA lifetime events wait in an upcall queue; upcall fd becomes readable when it is not empty.
 */
#ifndef VNETGW_DP_DP_H
#define VNETGW_DP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"
#include "lib/addr.h"

struct dp;

struct dp_config {
	struct addr public_addr;      /* the shared public IP (IPv4 or IPv6) */
	uint16_t port_ike, port_natt; /* 0: 500 and 4500 */
	int public_nsfd;	      /* namespace of the public sockets; -1: the caller's */
	uint32_t tunnel_mtu;	      /* of every VNet's TUN; 0: 1400 (SPEC §3) */
	unsigned workers;	      /* data-plane threads: 1, or 2 (the default, 0) */
};

/*
 * Open the public sockets and start the worker. 0, or a negative errno (-EADDRINUSE when
 * another process holds the ports, -EPERM without CAP_NET_RAW/ADMIN).
 */
int dp_new(struct dp **out, const struct dp_config *cfg);
/*
 * Stop the worker, free every SA (keys wiped) and close every TUN (the devices go with them).
 * VNet namespaces are left in place, so that workloads attached to them survive a restart;
 * dp_vnet_remove deletes one. NULL-safe.
 */
void dp_free(struct dp *dp);

/* ---- VNets ---------------------------------------------------------------------------------- */

struct dp_vnet_params {
	uint32_t id;		/* chosen by the control plane, unique in this dp */
	const char *netns;	/* the VNet's namespace: created, or reused if it exists */
	const char *tun;	/* the gateway interface in it (< IFNAMSIZ) */
	struct prefix gateway;	/* the gateway's address in the GatewaySubnet with its length */
	struct prefix gateway6; /* likewise for IPv6; family 0 when the VNet has none */
};

/* -EEXIST (id in use), -EINVAL, or the error of the namespace/TUN/netlink step that failed. */
int dp_vnet_add(struct dp *dp, const struct dp_vnet_params *p);
/* Close the TUN and delete the namespace. -ENOENT, -EBUSY while connections use it. */
int dp_vnet_remove(struct dp *dp, uint32_t id);

/* ---- connections ---------------------------------------------------------------------------- */

#define DP_CONN_PREFIXES_MAX 256

struct dp_conn_params {
	uint32_t id; /* chosen by the control plane, unique in this dp */
	uint32_t vnet_id;
	struct addr peer;	       /* the on-premises device's public address */
	const struct prefix *prefixes; /* the site's address space (routed to it, and the only
					  inner sources accepted from it) */
	size_t n_prefixes;	       /* at most DP_CONN_PREFIXES_MAX */
	uint64_t rate_bps;	       /* each direction (SPEC §2 rule 7); 0: not shaped */
};

/*
 * Add a connection: its prefixes enter the VNet's table and get routes through the TUN.
 * -EEXIST, -ENOENT (no such VNet), -EINVAL (family of peer, too many prefixes).
 */
int dp_conn_add(struct dp *dp, const struct dp_conn_params *p);
/* New prefixes (routes follow), rate (tokens kept) or peer address; p->vnet_id must not change. */
int dp_conn_update(struct dp *dp, const struct dp_conn_params *p);
/* Remove a connection with its routes and every SA it holds. -ENOENT. */
int dp_conn_remove(struct dp *dp, uint32_t id);
/*
 * The routes learned for a connection (BGP's best routes through it), replacing the last set:
 * they enter the VNet's table after the connection's own prefixes (one of those, or another
 * connection's, wins for the same prefix), get routes through the TUN, and are inner sources
 * the site may use. Any number (the control plane bounds them: a BGP peer's prefix limit);
 * duplicates count once. 0, -ENOENT, -EINVAL (a family other than IPv4/IPv6) or -ENOMEM (the
 * old set stays).
 */
int dp_conn_routes(struct dp *dp, uint32_t id, const struct prefix *routes, size_t n);

/*
 * The VNet's namespace, for the control plane's own endpoints in it (BGP): a host address
 * on the gateway interface (it answers there), and a socket made in the namespace
 * (socket(2)'s arguments; SOCK_NONBLOCK | SOCK_CLOEXEC added). A negative errno, -ENOENT for
 * an unknown VNet; the socket is the caller's.
 */
int dp_vnet_addr_add(struct dp *dp, uint32_t vnet_id, const struct addr *a);
int dp_vnet_socket(struct dp *dp, uint32_t vnet_id, int domain, int type, int protocol);

/* ---- SAs ------------------------------------------------------------------------------------ */

enum dp_encap {
	DP_ENCAP_RAW, /* IP protocol 50 */
	DP_ENCAP_UDP, /* ESP in UDP from our NAT-T port (RFC 3948) */
};

struct dp_sa_params {
	uint32_t conn_id;
	struct esp_sa_params esp; /* esp.dir: inbound or outbound; keys are copied */
	/* Outbound only: how to send, and the peer's port for UDP (4500, or its NAT mapping). */
	enum dp_encap encap;
	uint16_t peer_port;
};

/*
 * Reserve a fresh inbound SPI (random, unique in the process, >= 256) for a child SA being
 * negotiated; dp_sa_install with it later, or dp_sa_remove(.., spi, ESP_DIR_IN) to release it.
 */
int dp_spi_alloc(struct dp *dp, uint32_t *spi);

/*
 * Install an SA for a connection. Inbound: ESP with its SPI is accepted from now on (several
 * inbound SAs per connection may live at once, as during a rekey). Outbound: it becomes the
 * connection's current outbound SA, and the previous one is freed (RFC 7296 2.8 make before
 * break: install the new inbound SA, then the new outbound, then remove the old inbound one).
 * -ENOENT (connection), -EEXIST (inbound SPI in use), or esp_sa_new's errors.
 */
int dp_sa_install(struct dp *dp, const struct dp_sa_params *p);
/*
 * Remove connection conn_id's SA with this SPI (or an inbound SPI reservation): traffic on it
 * stops at once. An SA is always found through its connection: outbound SPIs are the peer's
 * choice and visible on the wire, so another tenant's peer may pick the same value, and it must
 * never reach this connection's SA (issue 14). -ENOENT when the connection has no such SA.
 */
int dp_sa_remove(struct dp *dp, uint32_t conn_id, uint32_t spi, enum esp_dir dir);

/* ---- queries -------------------------------------------------------------------------------- */

/* Reasons the data plane itself drops a packet (ESP's own reasons are in enum esp_drop). */
enum dp_drop {
	DP_DROP_NOT_IP,	      /* from a TUN: not an IPv4/IPv6 packet */
	DP_DROP_NO_ROUTE,     /* destination in no connection's prefixes: never leaves the VNet */
	DP_DROP_NO_SA,	      /* the connection has no outbound SA */
	DP_DROP_RATE_OUT,     /* over the connection's rate, towards the site */
	DP_DROP_RATE_IN,      /* over the connection's rate, from the site */
	DP_DROP_ESP,	      /* refused by ESP: see the esp drop counters for why */
	DP_DROP_SOURCE,	      /* decrypted, but its source is not in the connection's prefixes */
	DP_DROP_TUN_WRITE,    /* the VNet's TUN did not take it */
	DP_DROP_SEND,	      /* the public socket did not take it */
	DP_DROP_TOO_BIG,      /* larger than a packet buffer */
	DP_DROP_UPCALL_QUEUE, /* an IKE datagram or event found the upcall queue full */
	DP_DROP__COUNT,
};

const char *dp_drop_name(enum dp_drop d);

struct dp_conn_stats {
	uint64_t packets_in, bytes_in;	 /* decrypted and delivered to the VNet */
	uint64_t packets_out, bytes_out; /* encrypted and sent to the site (inner bytes) */
	uint64_t drops[DP_DROP__COUNT];
	uint64_t esp_drops[ESP_DROP__COUNT]; /* both directions, by ESP's reason */
	/* Packets that waited in the shaper's queue for their tokens (dp/shaper.h), by direction. */
	uint64_t shaped_in, shaped_out;
};
int dp_conn_stats(struct dp *dp, uint32_t id, struct dp_conn_stats *out);

struct dp_vnet_stats {
	uint64_t packets_from_tun, packets_to_tun;
	uint64_t reads_from_tun; /* fewer than packets when the stack handed over TSO packets */
	uint64_t writes_to_tun;	 /* fewer than packets when TCP segments were coalesced */
	uint64_t drops[DP_DROP__COUNT]; /* what belonged to no connection of the VNet */
};
int dp_vnet_stats(struct dp *dp, uint32_t id, struct dp_vnet_stats *out);

/* Everything the public sockets received, and what could not be tied to a connection. */
struct dp_stats {
	uint64_t rx_esp_raw, rx_esp_udp, rx_ike, rx_keepalive;
	uint64_t drops[DP_DROP__COUNT];
	struct esp_counters esp_in, esp_out; /* every SA's packets and ESP drops (e.g. NO_SA) */
	/*
	 * Of drops[DP_DROP_UPCALL_QUEUE], by lane: IKE from connections' peers (each its own
	 * lane), from any other address, and the data plane's events.
	 */
	uint64_t upcall_drops_peers, upcall_drops_strangers, upcall_drops_events;
};
int dp_stats(struct dp *dp, struct dp_stats *out);

/* One SA, for DPD (RFC 7296 2.4: no need to probe a peer whose traffic arrives) and rekeying. */
struct dp_sa_info {
	uint32_t conn_id;
	uint64_t installed_ns;
	uint64_t last_used_ns; /* last packet through it (clock_now_ns), 0 never */
	uint64_t seq;	       /* outbound: last sent; inbound: highest accepted */
	enum esp_life life;
	struct esp_counters ctr;
};
/* Connection conn_id's SA with this SPI; -ENOENT when it has none (as dp_sa_remove). */
int dp_sa_info(struct dp *dp, uint32_t conn_id, uint32_t spi, enum esp_dir dir,
	       struct dp_sa_info *out);

/* ---- IKE and events: the upcall queue ---------------------------------------------------------
 */

/* The largest IKE datagram carried; larger ones are dropped (DP_DROP_TOO_BIG). */
#define DP_IKE_MAX 4000

enum dp_upcall_kind {
	DP_UPCALL_IKE,	   /* an IKE datagram */
	DP_UPCALL_SA_LIFE, /* an SA reached its soft or hard byte/packet lifetime */
	/*
	 * ESP for an inbound SPI the data plane does not know (dropped; RFC 7296 2.21.4: the
	 * peer may have lost our SAs or we its). At most DP_NO_SA_UPCALLS_PER_S per second per
	 * worker, whoever sends it; the rest are only counted (esp drop "no-sa").
	 */
	DP_UPCALL_ESP_NO_SA,
};

#define DP_NO_SA_UPCALLS_PER_S 10

struct dp_upcall {
	enum dp_upcall_kind kind;
	/*
	 * DP_UPCALL_IKE: from where, on which of our ports, the message without any marker.
	 * DP_UPCALL_ESP_NO_SA: from where (natt: ESP in UDP on 4500; else raw ESP, port 0), spi.
	 */
	struct addr peer;
	uint16_t peer_port;
	bool natt; /* received on the NAT-T port (4500), the non-ESP marker stripped */
	size_t len;
	uint8_t data[DP_IKE_MAX];
	/* DP_UPCALL_SA_LIFE (and spi for DP_UPCALL_ESP_NO_SA) */
	uint32_t spi;
	enum esp_dir dir;
	uint32_t conn_id;
	enum esp_life life;
};

/* An eventfd that is readable while upcalls wait; poll it, then drain with dp_upcall_next. */
int dp_upcall_fd(const struct dp *dp);
/* The oldest upcall into *out: 0, or -EAGAIN when none is waiting. */
int dp_upcall_next(struct dp *dp, struct dp_upcall *out);

/*
 * Send an IKE message to peer:peer_port from our IKE port, or from the NAT-T port with the
 * non-ESP marker in front (RFC 3948 2.2) when natt. The ESP traffic on that port is not
 * disturbed. Bytes sent or a negative errno.
 */
int dp_ike_send(struct dp *dp, const struct addr *peer, uint16_t peer_port, bool natt,
		const void *msg, size_t len);

#endif
