/* SPDX-License-Identifier: MIT */
/*
 * net: TCP for the speaker with libevent bufferevents. A connection is identified to the
 * speaker by its conn id; bytes read go to bgp_speaker_input, EOF and errors to
 * bgp_speaker_closed, and a close asked by the speaker waits until the output (a NOTIFICATION,
 * RFC 4271 6) is written. No call into the speaker happens from inside one of its ops.
 */
#include "bgp/net.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"

struct net_conn {
	struct bgp_net *net;
	uint32_t id;
	struct bufferevent *bev;
	bool closing; /* the speaker closed it: free once the output is written */
	struct net_conn *next;
};

struct net_listener {
	struct evconnlistener *l;
	struct net_listener *next;
};

struct bgp_net {
	struct event_base *base;
	struct bgp_net_config cfg;
	struct bgp_speaker *sp;
	struct net_conn *conns;
	struct net_listener *listeners;
	struct event *timer;
	struct net_conn *accepting; /* the connection being accepted: the speaker writes to it */
	unsigned int count;
	struct bgp_speaker_ops user; /* the caller's route/peer_state/now and their ctx */
};

static void net_timer_cb(evutil_socket_t fd, short what, void *arg);

int bgp_net_new(struct bgp_net **out, struct event_base *base, const struct bgp_net_config *cfg)
{
	struct bgp_net *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->base = base;
	n->cfg = *cfg;
	n->timer = evtimer_new(base, net_timer_cb, n);
	if (!n->timer) {
		free(n);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

static void conn_free(struct bgp_net *n, struct net_conn *c)
{
	struct net_conn **pp;

	for (pp = &n->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	if (c->bev)
		bufferevent_free(c->bev);
	n->count--;
	free(c);
}

void bgp_net_free(struct bgp_net *n)
{
	if (!n)
		return;
	while (n->conns)
		conn_free(n, n->conns);
	while (n->listeners) {
		struct net_listener *l = n->listeners;

		n->listeners = l->next;
		evconnlistener_free(l->l);
		free(l);
	}
	event_free(n->timer);
	free(n);
}

void bgp_net_attach(struct bgp_net *n, struct bgp_speaker *sp)
{
	n->sp = sp;
	if (!sp)
		evtimer_del(n->timer);
	bgp_net_kick(n);
}

void bgp_net_kick(struct bgp_net *n)
{
	uint64_t at, now = n->user.now ? n->user.now(n->user.ctx) : clock_now_ns();
	struct timeval tv;

	if (!n->sp)
		return;
	at = bgp_speaker_next_deadline(n->sp);
	if (!at) {
		evtimer_del(n->timer);
		return;
	}
	at = at > now ? at - now : 0;
	/* A little late rather than early: a timer must be due when it fires. */
	at += CLOCK_NS_PER_MS;
	tv.tv_sec = (time_t)(at / CLOCK_NS_PER_SEC);
	tv.tv_usec = (suseconds_t)(at % CLOCK_NS_PER_SEC / 1000);
	evtimer_add(n->timer, &tv);
}

static void net_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bgp_net *n = arg;

	if (!n->sp)
		return;
	bgp_speaker_run_timers(n->sp);
	bgp_net_kick(n);
}

static struct net_conn *conn_find(struct bgp_net *n, uint32_t id)
{
	for (struct net_conn *c = n->conns; c; c = c->next)
		if (c->id == id)
			return c;
	if (n->accepting && n->accepting->id == 0) {
		n->accepting->id = id;
		return n->accepting;
	}
	return NULL;
}

/* ---- events on a connection ------------------------------------------------------------ */

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct net_conn *c = arg;
	struct bgp_net *n = c->net;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t data[16384];
	int len;

	if (!n->sp) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!c->closing && (len = evbuffer_remove(in, data, sizeof(data))) > 0) {
		uint32_t id = c->id;

		bgp_speaker_input(n->sp, id, data, (size_t)len);
		/* The speaker may have closed it (and we freed it): look it up again. */
		for (c = n->conns; c && c->id != id; c = c->next)
			;
		if (!c)
			break;
	}
	bgp_net_kick(n);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct net_conn *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c->net, c);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct net_conn *c = arg;
	struct bgp_net *n = c->net;
	uint32_t id = c->id;
	bool closing = c->closing;

	if (!n->sp) {
		if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
			conn_free(n, c);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		bgp_speaker_connected(n->sp, id);
		bgp_net_kick(n);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	conn_free(n, c);
	if (!closing)
		bgp_speaker_closed(n->sp, id);
	bgp_net_kick(n);
}

static struct net_conn *conn_new(struct bgp_net *n, int fd, uint32_t id)
{
	struct net_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->net = n;
	c->id = id;
	c->bev = bufferevent_socket_new(n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = n->conns;
	n->conns = c;
	n->count++;
	return c;
}

/* ---- the speaker's ops ------------------------------------------------------------------- */

static int op_connect(void *ctx, uint32_t id, const struct addr *local, const struct addr *remote,
		      uint16_t port)
{
	struct bgp_net *n = ctx;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct net_conn *c;
	int fd;

	fd = n->cfg.socket ? n->cfg.socket(n->cfg.ctx, remote->family)
			   : socket(remote->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return n->cfg.socket ? fd : -errno;
	evutil_make_socket_nonblocking(fd);
	/* Sessions come from our BGP address (the peer checks it). */
	if (n->cfg.local.family == remote->family) {
		sl = addr_to_sockaddr(&n->cfg.local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	c = conn_new(n, fd, id);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	sl = addr_to_sockaddr(remote, port, &ss);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sl) < 0) {
		conn_free(n, c);
		return -ECONNREFUSED;
	}
	return 0;
}

static int op_send(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
	struct net_conn *c = conn_find(ctx, id);

	if (!c || c->closing)
		return -ENOTCONN;
	return bufferevent_write(c->bev, data, len) == 0 ? 0 : -ENOMEM;
}

static void op_close(void *ctx, uint32_t id)
{
	struct bgp_net *n = ctx;
	struct net_conn *c = conn_find(n, id);

	if (!c)
		return;
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (n->accepting == c)
		return; /* freed by the accept path */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(n, c);
}

static void op_route(void *ctx, const struct bgp_route_change *ch)
{
	struct bgp_net *n = ctx;

	n->user.route(n->user.ctx, ch);
}

static void op_peer_state(void *ctx, const char *peer, enum bgp_state old, enum bgp_state st,
			  const char *reason)
{
	struct bgp_net *n = ctx;

	n->user.peer_state(n->user.ctx, peer, old, st, reason);
}

static uint64_t op_now(void *ctx)
{
	struct bgp_net *n = ctx;

	return n->user.now(n->user.ctx);
}

void bgp_net_ops(struct bgp_net *n, struct bgp_speaker_ops *ops)
{
	n->user = *ops;
	ops->ctx = n;
	ops->connect = op_connect;
	ops->send = op_send;
	ops->close = op_close;
	ops->route = n->user.route ? op_route : NULL;
	ops->peer_state = n->user.peer_state ? op_peer_state : NULL;
	ops->now = n->user.now ? op_now : NULL;
}

/* ---- listening ------------------------------------------------------------------------------ */

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct bgp_net *n = arg;
	struct sockaddr_storage ls;
	socklen_t lsl = sizeof(ls);
	struct addr local, remote;
	struct net_conn *c;
	uint32_t id;
	int r;

	if (!n->sp || addr_from_sockaddr(&remote, NULL, sa, (socklen_t)salen) ||
	    getsockname(fd, (struct sockaddr *)&ls, &lsl) ||
	    addr_from_sockaddr(&local, NULL, (struct sockaddr *)&ls, lsl)) {
		close(fd);
		return;
	}
	addr_unmap(&remote);
	addr_unmap(&local);
	c = conn_new(n, fd, 0);
	if (!c) {
		close(fd);
		return;
	}
	n->accepting = c;
	r = bgp_speaker_accept(n->sp, &local, &remote, &id);
	n->accepting = NULL;
	if (r) {
		conn_free(n, c);
		return;
	}
	c->id = id;
	if (c->closing && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(n, c);
	bgp_net_kick(n);
}

int bgp_net_listen_fd(struct bgp_net *n, int fd)
{
	struct net_listener *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	evutil_make_socket_nonblocking(fd);
	l->l = evconnlistener_new(n->base, accept_cb, n,
				  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (!l->l) {
		free(l);
		return -EINVAL;
	}
	l->next = n->listeners;
	n->listeners = l;
	return 0;
}

int bgp_net_listen(struct bgp_net *n, const struct addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(a, port, &ss);
	int one = 1, fd, r;

	fd = n->cfg.socket ? n->cfg.socket(n->cfg.ctx, a->family)
			   : socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return n->cfg.socket ? fd : -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		log_warn("BGP", "cannot listen on port %u: %s", port, strerror(-r));
		return r;
	}
	r = bgp_net_listen_fd(n, fd);
	if (r)
		close(fd);
	return r;
}

unsigned int bgp_net_conn_count(const struct bgp_net *n)
{
	return n->count;
}
