/* SPDX-License-Identifier: MIT */
/*
 * The messages between dp.c (the control side, in the caller's thread) and worker.c (the
 * data-plane thread), and the channel that carries them. Private to src/dp.
 */
#ifndef VNETGW_DP_DP_IMPL_H
#define VNETGW_DP_DP_IMPL_H

#include <pthread.h>

#include "dp/dp.h"
#include "dp/sock.h"

enum dp_msg_kind {
	DP_MSG_STOP,
	DP_MSG_VNET_ADD,
	DP_MSG_VNET_DEL,
	DP_MSG_CONN_ADD,
	DP_MSG_CONN_UPDATE,
	DP_MSG_CONN_DEL,
	DP_MSG_CONN_ROUTES,
	DP_MSG_SPI_ALLOC,
	DP_MSG_SA_ADD,
	DP_MSG_SA_DEL,
	DP_MSG_CONN_STATS,
	DP_MSG_VNET_STATS,
	DP_MSG_STATS,
	DP_MSG_SA_INFO,
};

/*
 * One request and its answer. The sender fills the request part, queues the message and waits
 * until the worker sets done; the worker reads only the message, never the sender's state.
 */
struct dp_msg {
	enum dp_msg_kind kind;
	uint32_t id; /* the VNet or connection */

	/* VNET_ADD: the VNet's TUN queue (the control side keeps it and closes it). */
	int tun_fd;
	/* CONN_ADD, CONN_UPDATE */
	uint32_t vnet_id;
	struct addr peer;
	struct prefix prefixes[DP_CONN_PREFIXES_MAX];
	size_t n_prefixes;
	uint64_t rate_bps;
	/* CONN_ROUTES: the learned routes, masked, sorted and unique (the sender's, read-only). */
	const struct prefix *routes;
	size_t n_routes;
	/* SA_ADD: the SA moves to the worker with the message (it frees it on failure). */
	struct esp_sa *sa;
	enum dp_encap encap;
	uint16_t peer_port;
	/* SA_DEL, SA_INFO, SPI_ALLOC answer */
	uint32_t spi;
	enum esp_dir dir;

	/* The answer. */
	int result;
	union {
		struct dp_conn_stats conn;
		struct dp_vnet_stats vnet;
		struct dp_stats all;
		struct dp_sa_info sa;
	} out;

	bool done;
	struct dp_msg *next;
};

/* Requests from the control thread to one worker. */
struct dp_chan {
	pthread_mutex_t lock;
	pthread_cond_t done; /* signalled when the worker finished messages */
	struct dp_msg *head, *tail;
	int req_efd; /* wakes the worker: requests wait */
};

/*
 * Upcalls from the workers to the control thread, in lanes served in turn (chan.c): one per
 * connection for IKE from its peer's address, one for IKE from anywhere else, one for the data
 * plane's events. A lane holds at most its slots; what comes beyond is dropped and counted.
 */
#define DP_UPQ_PEER_SLOTS   4  /* IKE from one peer waiting: a few exchanges' worth */
#define DP_UPQ_SHARED_SLOTS 64 /* IKE from strangers, and the events */

struct dp_upq_lane {
	uint32_t conn_id; /* 0 for the shared lanes */
	struct dp_upcall *slot;
	unsigned int cap, head, count;
	uint64_t dropped;
	bool in_ring;
	struct dp_upq_lane *ring_next;
};

struct dp_upq {
	pthread_mutex_t lock;
	int efd; /* wakes the control plane: upcalls wait */
	struct dp_upq_lane events, strangers;
	struct dp_upq_lane **peers; /* sorted by conn_id */
	unsigned int n_peers, cap_peers;
	struct dp_upq_lane *ring, *ring_tail; /* lanes with upcalls, in turn */
	unsigned int waiting;
	uint64_t peers_dropped_gone; /* drops of lanes whose connection is gone */
};

/* What each kind of lane dropped since the start. */
struct dp_upq_drops {
	uint64_t events, strangers, peers;
};

/* What a worker does: encapsulate (TUN -> sockets), decapsulate (sockets -> TUN), or both. */
enum dp_worker_dirs {
	DP_WORKER_TX = 1u << 0,
	DP_WORKER_RX = 1u << 1,
};

struct dp_worker;

/*
 * Start a worker thread for dirs. A TX worker reads the VNets' TUNs and sends on the public
 * sockets; an RX worker reads the public sockets and writes the TUNs (fds are the control
 * side's: workers never close them). 0 or a negative errno.
 */
int dp_worker_start(struct dp_worker **out, struct dp_chan *chan, struct dp_upq *upq,
		    const struct sock_set *socks, unsigned dirs);
/* Stop and join the thread, then free all its state (SAs, tables). */
void dp_worker_stop(struct dp_worker *w);

/* ---- chan.c ---- */

void dp_efd_bump(int fd);
int dp_chan_init(struct dp_chan *c);
void dp_chan_fini(struct dp_chan *c);
/* Queue msg and wait for the worker's answer (msg->result). */
int dp_chan_call(struct dp_chan *c, struct dp_msg *msg);

int dp_upq_init(struct dp_upq *q);
void dp_upq_fini(struct dp_upq *q);
/* The lane of a connection's peer, made with the connection (control side). 0 or -ENOMEM. */
int dp_upq_lane_add(struct dp_upq *q, uint32_t conn_id);
/* ... and gone with it, with whatever still waited in it. */
void dp_upq_lane_del(struct dp_upq *q, uint32_t conn_id);
/*
 * Worker side: queue u (an IKE datagram from the peer of connection peer_id, 0 when it is no
 * connection's peer; or an event) in its lane. True if the lane had room (the caller counts
 * the drop otherwise).
 */
bool dp_upq_put(struct dp_upq *q, uint32_t peer_id, const struct dp_upcall *u, size_t data_len);
/* Control side: the next upcall, lanes in turn. 0, or -EAGAIN when none waits. */
int dp_upq_next(struct dp_upq *q, struct dp_upcall *out);
void dp_upq_drops(struct dp_upq *q, struct dp_upq_drops *out);

#endif
