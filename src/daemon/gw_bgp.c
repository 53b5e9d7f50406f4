/* SPDX-License-Identifier: MIT */
#include "daemon/gw_bgp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp/net.h"
#include "dp/dp.h"
#include "lib/hmap.h"
#include "lib/log.h"

/* The best route to a prefix and the connection (peer) it goes through. */
struct gw_bgp_route {
	struct hmap_node node;
	struct prefix prefix;
	char conn[BGP_NAME_MAX];
};

struct gw_bgp {
	struct gw_bgp_config cfg;
	struct gw_bgp_ops ops;
	struct bgp_net *net;
	struct bgp_speaker *sp;
	struct hmap routes; /* struct gw_bgp_route by prefix */
	/* Connections whose set changed since the last flush (names; deduplicated). */
	char (*dirty)[BGP_NAME_MAX];
	size_t n_dirty, cap_dirty;
	struct event *ev_flush;
};

/* The bytes of a prefix that make it itself (family, length, masked address). */
struct gw_bgp_key {
	uint8_t family, len;
	uint8_t bytes[16];
};

static uint64_t route_hash(const struct gw_bgp *b, const struct prefix *p)
{
	struct gw_bgp_key k = {.family = (uint8_t)p->addr.family, .len = (uint8_t)p->len};

	memcpy(k.bytes, p->addr.bytes, sizeof(k.bytes));
	return hmap_hash(&b->routes, &k, sizeof(k));
}

static struct gw_bgp_route *route_find(struct gw_bgp *b, const struct prefix *p, uint64_t h)
{
	for (struct hmap_node *n = hmap_first(&b->routes, h); n; n = hmap_next(n, h)) {
		struct gw_bgp_route *r = hmap_entry(n, struct gw_bgp_route, node);

		if (prefix_equal(&r->prefix, p))
			return r;
	}
	return NULL;
}

static void mark_dirty(struct gw_bgp *b, const char *conn)
{
	for (size_t i = 0; i < b->n_dirty; i++)
		if (strcmp(b->dirty[i], conn) == 0)
			return;
	if (b->n_dirty == b->cap_dirty) {
		size_t cap = b->cap_dirty ? 2 * b->cap_dirty : 8;
		char(*d)[BGP_NAME_MAX] = realloc(b->dirty, cap * sizeof(*d));

		if (!d) {
			/* The next change of this connection's routes carries it. */
			log_err("Route", "no memory to note that %s's routes changed", conn);
			return;
		}
		b->dirty = d;
		b->cap_dirty = cap;
	}
	snprintf(b->dirty[b->n_dirty++], BGP_NAME_MAX, "%s", conn);
	event_active(b->ev_flush, EV_TIMEOUT, 0);
}

/* The speaker's ops.route: the Loc-RIB's best route to a prefix changed. */
static void on_route(void *ctx, const struct bgp_route_change *ch)
{
	struct gw_bgp *b = ctx;
	uint64_t h = route_hash(b, &ch->prefix);
	struct gw_bgp_route *r = route_find(b, &ch->prefix, h);

	if (!ch->add) {
		if (!r)
			return;
		mark_dirty(b, r->conn);
		hmap_remove(&b->routes, &r->node);
		free(r);
		return;
	}
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			log_err("Route", "no memory for the route to a prefix from %s: not installed",
				ch->peer);
			return;
		}
		r->prefix = ch->prefix;
		hmap_insert(&b->routes, &r->node, h);
	} else if (strcmp(r->conn, ch->peer) != 0) {
		mark_dirty(b, r->conn); /* it moved from there */
	}
	snprintf(r->conn, sizeof(r->conn), "%s", ch->peer);
	mark_dirty(b, r->conn);
}

static void on_peer_state(void *ctx, const char *peer, enum bgp_state old, enum bgp_state st,
			  const char *reason)
{
	struct gw_bgp *b = ctx;

	if (b->ops.peer_state)
		b->ops.peer_state(b->ops.ctx, peer, old, st, reason);
}

/* Each changed connection's whole set, once per turn of the loop. */
static void flush(struct gw_bgp *b)
{
	struct prefix *set = NULL;
	size_t cap = 0;

	while (b->n_dirty) {
		char conn[BGP_NAME_MAX];
		size_t n = 0;

		snprintf(conn, sizeof(conn), "%s", b->dirty[--b->n_dirty]);
		for (size_t k = 0; k <= b->routes.mask; k++) {
			for (struct hmap_node *nd = b->routes.bucket[k]; nd; nd = nd->next) {
				struct gw_bgp_route *r = hmap_entry(nd, struct gw_bgp_route, node);

				if (strcmp(r->conn, conn) != 0)
					continue;
				if (n == cap) {
					size_t c2 = cap ? 2 * cap : 64;
					struct prefix *s2 = realloc(set, c2 * sizeof(*s2));

					if (!s2) {
						log_err("Route", "conn=%s: no memory for its routes; "
								 "they stay as they were",
							conn);
						goto next;
					}
					set = s2;
					cap = c2;
				}
				set[n++] = r->prefix;
			}
		}
		if (b->ops.routes)
			b->ops.routes(b->ops.ctx, conn, set, n);
next:;
	}
	free(set);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	flush(arg);
}

static int vnet_socket(void *ctx, int family)
{
	struct gw_bgp *b = ctx;

	return dp_vnet_socket(b->cfg.dp, b->cfg.vnet_id, family, SOCK_STREAM, 0);
}

int gw_bgp_new(struct gw_bgp **out, const struct gw_bgp_config *cfg, const struct gw_bgp_ops *ops)
{
	struct bgp_speaker_config sc;
	struct bgp_speaker_ops so = {0};
	struct bgp_net_config nc = {0};
	char a[ADDR_STR_MAX];
	struct gw_bgp *b;
	int r;

	*out = NULL;
	if (cfg->local.family != AF_INET)
		return -EAFNOSUPPORT; /* the GatewaySubnet is IPv4 (SPEC §2 rule 4) */
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	b->ops = *ops;
	addr_print(&cfg->local, a, sizeof(a));
	r = hmap_init(&b->routes);
	if (r < 0) {
		free(b);
		return r;
	}
	b->ev_flush = event_new(cfg->base, -1, 0, on_flush, b);
	r = b->ev_flush ? 0 : -ENOMEM;
	/* The gateway answers on its BGP address in the VNet (SPEC §6). */
	r = r ?: dp_vnet_addr_add(cfg->dp, cfg->vnet_id, &cfg->local);
	if (r < 0)
		goto fail;
	nc.local = cfg->local;
	nc.socket = vnet_socket;
	nc.ctx = b;
	r = bgp_net_new(&b->net, cfg->base, &nc);
	if (r < 0)
		goto fail;
	bgp_speaker_config_default(&sc);
	sc.asn = cfg->asn ? cfg->asn : BGP_DEFAULT_ASN;
	/* The BGP Identifier: our address, as routers pick theirs (RFC 6286 keeps it unique). */
	sc.router_id = (uint32_t)cfg->local.bytes[0] << 24 | (uint32_t)cfg->local.bytes[1] << 16 |
		       (uint32_t)cfg->local.bytes[2] << 8 | cfg->local.bytes[3];
	sc.local = cfg->local;
	if (cfg->port)
		sc.port = cfg->port;
	so.ctx = b;
	so.route = on_route;
	so.peer_state = on_peer_state;
	bgp_net_ops(b->net, &so);
	r = bgp_speaker_new(&b->sp, &sc, &so);
	if (r < 0)
		goto fail;
	bgp_net_attach(b->net, b->sp);
	r = bgp_net_listen(b->net, &cfg->local, sc.port);
	if (r < 0)
		goto fail;
	log_info("Route", "vnet %u: BGP speaker AS %u on %s port %u", cfg->vnet_id, sc.asn, a,
		 sc.port);
	*out = b;
	return 0;
fail:
	log_err("Route", "vnet %u: cannot start BGP on %s: %s", cfg->vnet_id, a, strerror(-r));
	gw_bgp_free(b);
	return r;
}

void gw_bgp_free(struct gw_bgp *b)
{
	if (!b)
		return;
	/* Cease to every peer (through the transport), and every route withdrawn. */
	bgp_speaker_free(b->sp);
	if (b->net) {
		bgp_net_attach(b->net, NULL);
		bgp_net_free(b->net);
	}
	flush(b);
	for (size_t k = 0; k <= b->routes.mask; k++) {
		struct hmap_node *nd = b->routes.bucket[k];

		while (nd) {
			struct hmap_node *next = nd->next;

			free(hmap_entry(nd, struct gw_bgp_route, node));
			nd = next;
		}
	}
	hmap_fini(&b->routes);
	if (b->ev_flush)
		event_free(b->ev_flush);
	free(b->dirty);
	free(b);
}

int gw_bgp_set_local(struct gw_bgp *b, const struct bgp_local_prefix *list, size_t n)
{
	int r = bgp_speaker_set_local_prefixes(b->sp, list, n);

	bgp_net_kick(b->net);
	return r;
}

int gw_bgp_peer_set(struct gw_bgp *b, const struct bgp_peer_config *pc)
{
	struct bgp_peer_status st;
	int r;

	r = bgp_speaker_peer_status(b->sp, pc->name, &st) == 0 ? bgp_speaker_peer_update(b->sp, pc)
								: bgp_speaker_peer_add(b->sp, pc);
	bgp_net_kick(b->net);
	return r;
}

int gw_bgp_peer_remove(struct gw_bgp *b, const char *conn)
{
	int r = bgp_speaker_peer_remove(b->sp, conn);

	bgp_net_kick(b->net);
	return r;
}

void gw_bgp_tunnel(struct gw_bgp *b, const char *conn, bool down)
{
	struct bgp_peer_status st;

	if (bgp_speaker_peer_status(b->sp, conn, &st) != 0)
		return;
	/* Down: whatever the session is, it cannot carry anything now. Up: try now. */
	if (down ? st.state != BGP_STATE_IDLE : st.state != BGP_STATE_ESTABLISHED) {
		log_info("Route", "conn=%s: tunnel %s: BGP session %s", conn, down ? "down" : "up",
			 down ? "ended" : "started again");
		bgp_speaker_peer_reset(b->sp, conn);
	}
	bgp_net_kick(b->net);
}

const struct bgp_speaker *gw_bgp_speaker(const struct gw_bgp *b)
{
	return b->sp;
}
