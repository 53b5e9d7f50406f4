/* SPDX-License-Identifier: MIT */
/*
 * net: a transport for the speaker over real TCP sockets and a libevent loop. It fills the
 * speaker's connect/send/close ops, accepts on listening sockets it is given (the daemon makes
 * them inside the VNet's network namespace), opens outgoing connections through a socket hook
 * (same reason), bound to the speaker's local address, and runs the speaker's timers on an
 * event timer. The process must ignore SIGPIPE (vnetgwd does): a peer that resets a connection
 * is seen as an error on it, not a signal.
 */
#ifndef VNETGW_BGP_NET_H
#define VNETGW_BGP_NET_H

#include <event2/event.h>
#include <stdint.h>

#include "bgp/speaker.h"
#include "lib/addr.h"

struct bgp_net_config {
	/* Outgoing connections are bound to local (port 0: any). */
	struct addr local;
	/*
	 * A new TCP socket of family (AF_INET/AF_INET6), e.g. made in the VNet's namespace:
	 * an fd or a negative errno. NULL: socket(2) in the caller's namespace.
	 */
	int (*socket)(void *ctx, int family);
	void *ctx;
};

struct bgp_net;

/* 0, -ENOMEM. The speaker is attached later (it needs the ops first). */
int bgp_net_new(struct bgp_net **out, struct event_base *base, const struct bgp_net_config *cfg);
/*
 * Closes every connection and listener. To end sessions with a Cease, free the speaker first
 * (its NOTIFICATIONs go out through this transport), then detach it. NULL is a no-op.
 */
void bgp_net_free(struct bgp_net *n);
/*
 * Turn the caller's ops (route, peer_state, now and their ctx, or NULL) into the speaker's:
 * connect, send and close become the transport's, the caller's callbacks are forwarded.
 */
void bgp_net_ops(struct bgp_net *n, struct bgp_speaker_ops *ops);
/* The speaker to feed; NULL detaches it (after bgp_speaker_free, before bgp_net_free). */
void bgp_net_attach(struct bgp_net *n, struct bgp_speaker *sp);
/* Accept on fd, a bound listening TCP socket (ownership taken). 0 or a negative errno. */
int bgp_net_listen_fd(struct bgp_net *n, int fd);
/* Make (with the socket hook), bind and listen on a:port (179, or a high port in tests). */
int bgp_net_listen(struct bgp_net *n, const struct addr *a, uint16_t port);
/* After calling the speaker directly (adding a peer...): re-arm the timer for its deadline. */
void bgp_net_kick(struct bgp_net *n);
/* Connections open now (for tests). */
unsigned int bgp_net_conn_count(const struct bgp_net *n);

#endif
