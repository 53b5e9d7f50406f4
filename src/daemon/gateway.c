/* SPDX-License-Identifier: MIT */
/*
 * gateway: glue between the data plane and the IKEv2 engine on the control loop. Neither module
 * knows the other: the engine's ops land here and become data-plane requests (RFC 7296 2.8
 * make-before-break order: inbound SA, then outbound), and the data plane's upcalls (IKE
 * datagrams, lifetime events) become engine input. Status is kept per connection and written
 * as JSON for people and tests until the API reports it (issue 6).
 */
#include "daemon/gateway.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp/dp.h"
#include "daemon/evlog.h"
#include "daemon/gw_bgp.h"
#include "dp/netns.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/prom.h"

#define GW_TUN_NAME "vnetgw0"

struct gw_vnet_state {
	struct hmap_node node; /* in gw.vnet_map, by name */
	struct gw_vnet_state *prev, *next;
	char name[GW_NAME_MAX];
	char ref[GW_REF_MAX];
	char netns[NETNS_NAME_MAX + 1];
	struct prefix gateway_subnet;
	uint32_t dp_id;
	/* SPEC §6: its BGP speaker (NULL without), on bgp_addr as AS bgp_asn. */
	struct gw_bgp *bgp;
	uint32_t bgp_asn;
	struct addr bgp_addr;
	struct bgp_local_prefix *bgp_local; /* what it was last told to originate */
	size_t n_bgp_local;
};

struct gw_conn_state {
	struct hmap_node node, dp_node; /* in gw.conn_map by name, gw.conn_dp_map by dp_id */
	struct gw_conn_state *prev, *next;
	uint64_t mark; /* gw_apply: still wanted */
	char name[GW_NAME_MAX];
	char vnet[GW_NAME_MAX];
	uint32_t dp_id;
	struct gw_conn applied; /* what it runs (its psk owned): a change restarts the tunnel */
	struct gw_conn_status st;
	/* BGP: the peer as the speaker has it (bgp_peer_set), the routes learned through it. */
	bool bgp_peer_set;
	struct bgp_peer_config bgp_peer;
	size_t n_learned;
	/* gw_metrics: the byte counters at its previous call, for the average bandwidth */
	uint64_t m_bytes, m_ns;
};

struct gw {
	struct event_base *base;
	struct dp *dp;
	struct ike_engine *ike;
	struct event *ev_upcall, *ev_timer, *ev_status;
	struct gw_options opt;
	char netns_prefix[32];
	char status_path[4096];
	/* What runs, in lists (for walks) and tables (for lookups): sized by what d asks. */
	struct gw_vnet_state *vnets;
	struct gw_conn_state *conns;
	struct hmap vnet_map, conn_map, conn_dp_map;
	unsigned int n_vnets, n_conns;
	uint64_t mark;
	uint32_t next_id;
	bool status_dirty;
	struct evlog *events; /* borrowed (gw_options) */
	uint64_t bgp_gen;     /* gw_bgp_generation */
};

/* An event of a connection its tenant reads (evlog.h), logged with its resource id. */
#define gw_event(g, cs, lvl, cat, op, ...)                                                         \
	evlog_add((g)->events, (cs)->applied.ref, (cs)->name, lvl, cat, op, __VA_ARGS__)

void gw_vnet_netns_name(const char *prefix, const char *vnet, char *out, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a, to shorten long names without collisions */
	const char *p;

	if (strlen(prefix) + strlen(vnet) < NETNS_NAME_MAX) {
		snprintf(out, len, "%s%s", prefix, vnet);
		return;
	}
	for (p = vnet; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(out, len, "%s%.32s-%08x", prefix, vnet, h);
}

/* ---- the tables of what runs --------------------------------------------------------------- */

static uint64_t gw_name_hash(const struct hmap *m, const char *name)
{
	return hmap_hash(m, name, strlen(name));
}

static struct gw_conn_state *gw_conn_find(struct gw *g, const char *name)
{
	uint64_t h = gw_name_hash(&g->conn_map, name);

	for (struct hmap_node *n = hmap_first(&g->conn_map, h); n; n = hmap_next(n, h)) {
		struct gw_conn_state *cs = hmap_entry(n, struct gw_conn_state, node);

		if (strcmp(cs->name, name) == 0)
			return cs;
	}
	return NULL;
}

static struct gw_conn_state *gw_conn_by_dp_id(struct gw *g, uint32_t dp_id)
{
	uint64_t h = hmap_hash(&g->conn_dp_map, &dp_id, sizeof(dp_id));

	for (struct hmap_node *n = hmap_first(&g->conn_dp_map, h); n; n = hmap_next(n, h)) {
		struct gw_conn_state *cs = hmap_entry(n, struct gw_conn_state, dp_node);

		if (cs->dp_id == dp_id)
			return cs;
	}
	return NULL;
}

static struct gw_vnet_state *gw_vnet_find(struct gw *g, const char *name)
{
	uint64_t h = gw_name_hash(&g->vnet_map, name);

	for (struct hmap_node *n = hmap_first(&g->vnet_map, h); n; n = hmap_next(n, h)) {
		struct gw_vnet_state *vs = hmap_entry(n, struct gw_vnet_state, node);

		if (strcmp(vs->name, name) == 0)
			return vs;
	}
	return NULL;
}

/* cs (named, with its dp_id) into the list and both tables. */
static void gw_conn_link(struct gw *g, struct gw_conn_state *cs)
{
	hmap_insert(&g->conn_map, &cs->node, gw_name_hash(&g->conn_map, cs->name));
	hmap_insert(&g->conn_dp_map, &cs->dp_node,
		    hmap_hash(&g->conn_dp_map, &cs->dp_id, sizeof(cs->dp_id)));
	cs->prev = NULL;
	cs->next = g->conns;
	if (g->conns)
		g->conns->prev = cs;
	g->conns = cs;
	g->n_conns++;
}

/* Out of the list and tables, its key wiped, freed. */
static void gw_conn_unlink_free(struct gw *g, struct gw_conn_state *cs)
{
	hmap_remove(&g->conn_map, &cs->node);
	hmap_remove(&g->conn_dp_map, &cs->dp_node);
	if (cs->prev)
		cs->prev->next = cs->next;
	else
		g->conns = cs->next;
	if (cs->next)
		cs->next->prev = cs->prev;
	g->n_conns--;
	secret_free(cs->applied.psk);
	free(cs);
}

static void gw_vnet_link(struct gw *g, struct gw_vnet_state *vs)
{
	hmap_insert(&g->vnet_map, &vs->node, gw_name_hash(&g->vnet_map, vs->name));
	vs->prev = NULL;
	vs->next = g->vnets;
	if (g->vnets)
		g->vnets->prev = vs;
	g->vnets = vs;
	g->n_vnets++;
}

static void gw_vnet_unlink_free(struct gw *g, struct gw_vnet_state *vs)
{
	hmap_remove(&g->vnet_map, &vs->node);
	if (vs->prev)
		vs->prev->next = vs->next;
	else
		g->vnets = vs->next;
	if (vs->next)
		vs->next->prev = vs->prev;
	g->n_vnets--;
	free(vs->bgp_local);
	free(vs);
}

/* ---- engine ops -------------------------------------------------------------------------- */

static void gw_op_send(void *ctx, const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct gw *g = ctx;
	int r = dp_ike_send(g->dp, &ep->peer, ep->peer_port, ep->local_port != g->opt.port_ike,
			    data, len);

	if (r < 0) {
		char a[ADDR_STR_MAX];

		log_warn("IKE", "cannot send %zu bytes to %s port %u: %s", len,
			 addr_print(&ep->peer, a, sizeof(a)), ep->peer_port, strerror(-r));
	}
}

static int gw_op_child_install(void *ctx, const struct ike_child_sa *c)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, c->conn);
	struct dp_sa_params in = { 0 }, out = { 0 };
	int r;

	if (!cs)
		return -ENOENT;
	in.conn_id = out.conn_id = cs->dp_id;
	r = ike_child_sa_esp_params(c, ESP_DIR_IN, &in.esp);
	r = r ?: ike_child_sa_esp_params(c, ESP_DIR_OUT, &out.esp);
	if (r < 0)
		goto fail;
	out.encap = c->udp_encap ? DP_ENCAP_UDP : DP_ENCAP_RAW;
	out.peer_port = c->ep.peer_port;
	/* RFC 7296 2.8: accept on the new inbound SA before sending on the new outbound one. */
	r = dp_sa_install(g->dp, &in);
	if (r < 0)
		goto fail;
	/* A rekey responder's outbound SA waits for child_outbound (the old one's Delete). */
	r = c->outbound ? dp_sa_install(g->dp, &out) : 0;
	if (r < 0) {
		dp_sa_remove(g->dp, cs->dp_id, c->spi_in, ESP_DIR_IN);
		goto fail;
	}
	gw_event(g, cs, LOG_LVL_INFO, "Tunnel", "ChildSaInstalled",
		 "CHILD_SA installed: in 0x%08x out 0x%08x%s, %s", c->spi_in, c->spi_out,
		 c->outbound ? "" : " (outbound later)",
		 c->udp_encap ? "ESP in UDP (RFC 3948)" : "raw ESP");
	return 0;
fail:
	gw_event(g, cs, LOG_LVL_ERR, "Tunnel", "ChildSaInstallFailed",
		 "cannot install CHILD_SA in 0x%08x out 0x%08x: %s", c->spi_in, c->spi_out,
		 strerror(-r));
	return r;
}

static int gw_op_child_outbound(void *ctx, const struct ike_child_sa *c)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, c->conn);
	struct dp_sa_params out = { 0 };
	int r;

	if (!cs)
		return -ENOENT;
	out.conn_id = cs->dp_id;
	out.encap = c->udp_encap ? DP_ENCAP_UDP : DP_ENCAP_RAW;
	out.peer_port = c->ep.peer_port;
	r = ike_child_sa_esp_params(c, ESP_DIR_OUT, &out.esp);
	r = r ?: dp_sa_install(g->dp, &out);
	if (r < 0)
		gw_event(g, cs, LOG_LVL_ERR, "Tunnel", "ChildSaInstallFailed",
			 "cannot install outbound SA 0x%08x: %s", c->spi_out, strerror(-r));
	else
		gw_event(g, cs, LOG_LVL_INFO, "Tunnel", "ChildSaOutbound",
			 "outbound SA now 0x%08x", c->spi_out);
	return r;
}

static void gw_op_child_remove(void *ctx, const char *conn, uint32_t spi_in, uint32_t spi_out)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, conn);

	if (!cs)
		return;
	/*
	 * Through the connection: spi_out is the peer's choice, and another tenant's peer may use
	 * the same value for its own (issue 14). Either may be gone already (a rekey replaced the
	 * outbound SA): that is fine.
	 */
	dp_sa_remove(g->dp, cs->dp_id, spi_in, ESP_DIR_IN);
	dp_sa_remove(g->dp, cs->dp_id, spi_out, ESP_DIR_OUT);
	gw_event(g, cs, LOG_LVL_INFO, "Tunnel", "ChildSaRemoved",
		 "CHILD_SA removed: in 0x%08x out 0x%08x", spi_in, spi_out);
}

/* ---- BGP (SPEC §6): one speaker per VNet whose gateway has it ---------------------------- */

/*
 * A change outside the engine (BGP): the status file is written on the loop's next turn, as
 * gw_settle writes it after the engine's (not a second later by the tick).
 */
static void gw_status_soon(struct gw *g)
{
	g->bgp_gen++;
	g->status_dirty = true;
	if (g->status_path[0] && g->ev_status)
		event_active(g->ev_status, EV_TIMEOUT, 0);
}

/* The connection's tunnel went up or down: its BGP session follows at once (gw_bgp_tunnel). */
static void gw_conn_bgp_tunnel(struct gw *g, struct gw_conn_state *cs, bool down)
{
	struct gw_vnet_state *vs = gw_vnet_find(g, cs->vnet);

	if (vs && vs->bgp && cs->bgp_peer_set)
		gw_bgp_tunnel(vs->bgp, cs->name, down);
}

/* gw_bgp_ops.routes: a connection's learned routes into the data plane and the VNet's kernel. */
static void gw_bgp_on_routes(void *ctx, const char *conn, const struct prefix *routes, size_t n)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, conn);
	int r;

	if (!cs)
		return; /* removed: its routes went with it (dp_conn_remove) */
	r = dp_conn_routes(g->dp, cs->dp_id, routes, n);
	if (r < 0) {
		gw_event(g, cs, LOG_LVL_ERR, "Route", "BgpRouteUpdate",
			 "cannot install %zu route(s) learned through BGP: %s; %zu stay", n,
			 strerror(-r), cs->n_learned);
		return;
	}
	gw_event(g, cs, LOG_LVL_INFO, "Route", "BgpRouteUpdate",
		 "%zu route(s) learned through BGP installed (%zu before)", n, cs->n_learned);
	cs->n_learned = n;
	gw_status_soon(g);
}

static void gw_bgp_on_peer_state(void *ctx, const char *conn, enum bgp_state old,
				 enum bgp_state st, const char *reason)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, conn);
	char a[ADDR_STR_MAX];

	if (!cs)
		return;
	addr_print(&cs->bgp_peer.addr, a, sizeof(a));
	if (st == BGP_STATE_ESTABLISHED)
		gw_event(g, cs, LOG_LVL_INFO, "Route", "BgpConnectedEvent",
			 "BGP session with %s (AS %u) established", a, cs->bgp_peer.asn);
	else if (old == BGP_STATE_ESTABLISHED)
		gw_event(g, cs, LOG_LVL_WARN, "Route", "BgpDisconnectedEvent",
			 "BGP session with %s (AS %u) ended: %s", a, cs->bgp_peer.asn,
			 reason && *reason ? reason : "closed");
	else if (st == BGP_STATE_IDLE && (old == BGP_STATE_OPENSENT || old == BGP_STATE_OPENCONFIRM))
		/* The peer answered and the session failed (an OPEN refused, ...): say why. */
		gw_event(g, cs, LOG_LVL_WARN, "Route", "BgpDisconnectedEvent",
			 "BGP session with %s (AS %u) failed: %s", a, cs->bgp_peer.asn,
			 reason && *reason ? reason : "closed");
	gw_status_soon(g);
}

static bool gw_bgp_local_equal(const struct bgp_local_prefix *a, size_t na,
			       const struct bgp_local_prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].vnet != b[i].vnet || !prefix_equal(&a[i].prefix, &b[i].prefix))
			return false;
	return true;
}

/*
 * What the VNet's speaker originates (Azure: the VNet's address space and the prefixes of the
 * local network gateways of its connections), told only when it changed.
 */
static int gw_bgp_sync_local(struct gw_vnet_state *vs, const struct gw_vnet *v,
			     const struct gw_desired *d)
{
	struct bgp_local_prefix *l;
	size_t n = v->n_address_space;
	int r;

	for (unsigned int i = 0; i < d->n_conns; i++)
		if (strcmp(d->conns[i].vnet, v->name) == 0)
			n += d->conns[i].n_remote;
	l = calloc(n ? n : 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	n = 0;
	for (unsigned int i = 0; i < v->n_address_space; i++)
		l[n++] = (struct bgp_local_prefix){.prefix = v->address_space[i], .vnet = true};
	for (unsigned int i = 0; i < d->n_conns; i++)
		for (unsigned int k = 0; strcmp(d->conns[i].vnet, v->name) == 0 &&
					 k < d->conns[i].n_remote;
		     k++)
			l[n++] = (struct bgp_local_prefix){.prefix = d->conns[i].remote[k]};
	if (gw_bgp_local_equal(l, n, vs->bgp_local, vs->n_bgp_local)) {
		free(l);
		return 0;
	}
	r = gw_bgp_set_local(vs->bgp, l, n);
	if (r < 0) {
		free(l);
		return r;
	}
	free(vs->bgp_local);
	vs->bgp_local = l;
	vs->n_bgp_local = n;
	return 0;
}

static void gw_bgp_stop(struct gw_vnet_state *vs)
{
	gw_bgp_free(vs->bgp); /* Cease to its peers; their routes reported gone */
	vs->bgp = NULL;
	free(vs->bgp_local);
	vs->bgp_local = NULL;
	vs->n_bgp_local = 0;
}

/* The VNet's BGP connections as peers of its speaker: added, changed, removed. */
static void gw_bgp_sync_peers(struct gw *g, struct gw_vnet_state *vs)
{
	for (struct gw_conn_state *cs = g->conns; cs; cs = cs->next) {
		bool want = cs->applied.bgp;
		struct bgp_peer_config pc;
		int r;

		if (strcmp(cs->vnet, vs->name) != 0)
			continue;
		if (!want) {
			if (cs->bgp_peer_set)
				gw_bgp_peer_remove(vs->bgp, cs->name);
			cs->bgp_peer_set = false;
			continue;
		}
		bgp_peer_config_default(&pc);
		snprintf(pc.name, sizeof(pc.name), "%s", cs->name);
		pc.addr = cs->applied.bgp_peer;
		pc.asn = cs->applied.bgp_asn;
		pc.weight = cs->applied.routing_weight;
		if (cs->bgp_peer_set && addr_equal(&pc.addr, &cs->bgp_peer.addr) &&
		    pc.asn == cs->bgp_peer.asn && pc.weight == cs->bgp_peer.weight)
			continue;
		r = gw_bgp_peer_set(vs->bgp, &pc);
		if (r < 0) {
			char a[ADDR_STR_MAX];

			gw_event(g, cs, LOG_LVL_ERR, "Route", "SetBgpPeer",
				 "BGP peer %s AS %u cannot be configured: %s",
				 addr_print(&pc.addr, a, sizeof(a)), pc.asn, strerror(-r));
			continue;
		}
		cs->bgp_peer = pc;
		cs->bgp_peer_set = true;
		if (cs->st.status == IKE_CONN_CONNECTED)
			gw_bgp_tunnel(vs->bgp, cs->name, false);
	}
}

/* Each VNet's speaker as d says: started, moved (new AS or address), stopped, kept in step. */
static int gw_bgp_sync(struct gw *g, const struct gw_desired *d)
{
	struct gw_bgp_ops ops = {
		.ctx = g, .routes = gw_bgp_on_routes, .peer_state = gw_bgp_on_peer_state};
	int first = 0, r;

	g->bgp_gen++; /* speakers and peers may change below */

	for (struct gw_vnet_state *vs = g->vnets; vs; vs = vs->next) {
		const struct gw_vnet *v = gw_desired_vnet(d, vs->name);
		bool want = v && v->bgp;

		if (vs->bgp && (!want || vs->bgp_asn != v->bgp_asn ||
				!addr_equal(&vs->bgp_addr, &v->bgp_addr))) {
			log_event(LOG_LVL_INFO, "Route", "SetGatewayConfiguration", vs->ref,
				  "vnet=%s BGP speaker stopped", vs->name);
			gw_bgp_stop(vs);
			for (struct gw_conn_state *cs = g->conns; cs; cs = cs->next)
				if (strcmp(cs->vnet, vs->name) == 0)
					cs->bgp_peer_set = false;
		}
		if (!want)
			continue;
		if (!vs->bgp) {
			struct gw_bgp_config bc = {
				.base = g->base,
				.dp = g->dp,
				.vnet_id = vs->dp_id,
				.asn = v->bgp_asn,
				.local = v->bgp_addr,
				.port = g->opt.bgp_port,
			};
			char a[ADDR_STR_MAX];

			r = gw_bgp_new(&vs->bgp, &bc, &ops);
			if (r < 0) {
				if (!first)
					first = r;
				continue;
			}
			vs->bgp_asn = v->bgp_asn;
			vs->bgp_addr = v->bgp_addr;
			log_event(LOG_LVL_INFO, "Route", "SetGatewayConfiguration", vs->ref,
				  "vnet=%s BGP speaker AS %u on %s", vs->name, v->bgp_asn,
				  addr_print(&v->bgp_addr, a, sizeof(a)));
		}
		r = gw_bgp_sync_local(vs, v, d);
		if (r < 0) {
			log_err("Route", "vnet=%s: cannot set what BGP advertises: %s", vs->name,
				strerror(-r));
			if (!first)
				first = r;
		}
		gw_bgp_sync_peers(g, vs);
	}
	return first;
}

static void gw_op_status(void *ctx, const char *conn, enum ike_conn_status st, const char *reason)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, conn);
	char a[ADDR_STR_MAX];

	/* The engine has logged the transition (without the resource id). */
	if (!cs)
		return;
	if (st == IKE_CONN_CONNECTED && cs->st.status != IKE_CONN_CONNECTED)
		gw_event(g, cs, LOG_LVL_INFO, "Tunnel", "TunnelConnected", "connected to %s (%s)",
			 addr_print(&cs->applied.peer, a, sizeof(a)), reason ? reason : "");
	else if (st != IKE_CONN_CONNECTED && cs->st.status == IKE_CONN_CONNECTED)
		gw_event(g, cs, LOG_LVL_WARN, "Tunnel", "TunnelDisconnected",
			 "disconnected from %s: %s", addr_print(&cs->applied.peer, a, sizeof(a)),
			 reason ? reason : "");
	else if (st != cs->st.status || strcmp(cs->st.reason, reason ? reason : "") != 0)
		gw_event(g, cs, st == IKE_CONN_CONNECTING ? LOG_LVL_INFO : LOG_LVL_WARN, "Tunnel",
			 st == IKE_CONN_CONNECTING ? "TunnelConnecting" : "TunnelNotConnected",
			 "%s: %s", ike_conn_status_name(st), reason ? reason : "");
	if ((st == IKE_CONN_CONNECTED) != (cs->st.status == IKE_CONN_CONNECTED))
		gw_conn_bgp_tunnel(g, cs, st != IKE_CONN_CONNECTED);
	cs->st.status = st;
	snprintf(cs->st.reason, sizeof(cs->st.reason), "%s", reason ? reason : "");
	cs->st.since = clock_wall_s();
	if (st == IKE_CONN_CONNECTED)
		cs->st.established = cs->st.since;
	g->status_dirty = true;
}

/*
 * DPD asks when it is about to act: when did ESP last arrive on this child? The data plane
 * stamps each inbound SA as it accepts a packet (no lock, no message per packet); reading the
 * stamp is one request to the receiving worker.
 */
static uint64_t gw_op_child_last_rx(void *ctx, const char *conn, uint32_t spi_in)
{
	struct gw *g = ctx;
	struct gw_conn_state *cs = gw_conn_find(g, conn);
	struct dp_sa_info info;

	if (!cs || dp_sa_info(g->dp, cs->dp_id, spi_in, ESP_DIR_IN, &info) < 0)
		return 0;
	return info.last_used_ns;
}

/* ---- loop -------------------------------------------------------------------------------- */

static void gw_write_status(struct gw *g);

static void gw_arm_timer(struct gw *g)
{
	uint64_t deadline = ike_engine_next_deadline(g->ike), now = clock_now_ns(), d;
	struct timeval tv;

	if (deadline == UINT64_MAX) {
		evtimer_del(g->ev_timer);
		return;
	}
	d = deadline > now ? deadline - now : 0;
	tv.tv_sec = (time_t)(d / CLOCK_NS_PER_SEC);
	tv.tv_usec = (suseconds_t)(d % CLOCK_NS_PER_SEC / 1000);
	evtimer_add(g->ev_timer, &tv);
}

/* After anything that moves the engine: timers may have changed, status may have. */
static void gw_settle(struct gw *g)
{
	gw_arm_timer(g);
	if (g->status_dirty)
		gw_write_status(g);
}

static void gw_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gw *g = arg;

	ike_engine_run_timers(g->ike);
	gw_settle(g);
}

static void gw_on_upcall(evutil_socket_t fd, short what, void *arg)
{
	struct gw *g = arg;
	struct dp_upcall *u = malloc(sizeof(*u)); /* 4 KiB: not for the stack of a callback */
	unsigned int n = 0;

	if (!u)
		return;
	/* A bounded batch per wakeup, so a flood cannot starve the rest of the loop. */
	while (n++ < 64 && dp_upcall_next(g->dp, u) == 0) {
		if (u->kind == DP_UPCALL_IKE) {
			struct ike_endpoint ep = {
				.local = g->opt.public_ip,
				.peer = u->peer,
				.local_port = u->natt ? g->opt.port_natt : g->opt.port_ike,
				.peer_port = u->peer_port,
			};

			ike_engine_input(g->ike, &ep, u->data, u->len);
		} else if (u->kind == DP_UPCALL_ESP_NO_SA) {
			struct ike_endpoint ep = {
				.local = g->opt.public_ip,
				.peer = u->peer,
				.local_port = u->natt ? g->opt.port_natt : g->opt.port_ike,
				.peer_port = u->natt ? u->peer_port : IKE_PORT,
			};

			/* RFC 7296 2.21.4: INVALID_SPI, or start the connection (engine.h). */
			ike_engine_esp_unknown_spi(g->ike, &ep, u->spi);
		} else if (u->kind == DP_UPCALL_SA_LIFE) {
			const struct gw_conn_state *cs = gw_conn_by_dp_id(g, u->conn_id);

			/*
			 * Soft: rekey; hard: delete (RFC 4301 4.4.2.1). The engine logs it. Found
			 * through the connection that owns the SA, never by SPI alone.
			 */
			if (!cs || ike_engine_sa_life(g->ike, cs->name, u->spi, u->dir, u->life) < 0)
				log_info("Tunnel", "SA 0x%08x (%s) reached its %s lifetime; no "
						   "child has it any more",
					 u->spi, u->dir == ESP_DIR_IN ? "in" : "out",
					 u->life == ESP_LIFE_HARD ? "hard" : "soft");
		}
	}
	free(u);
	gw_settle(g);
}

/* {"reason": count} for the non-zero ones; names from esp_drop_name / dp_drop_name. */
static json_t *gw_json_drop_counts(const uint64_t *esp, const uint64_t *dp)
{
	json_t *o = json_object();

	for (int d = 0; esp && d < ESP_DROP__COUNT; d++)
		if (esp[d])
			json_object_set_new(o, esp_drop_name((enum esp_drop)d),
					    json_integer((json_int_t)esp[d]));
	for (int d = 0; dp && d < DP_DROP__COUNT; d++)
		if (dp[d])
			json_object_set_new(o, dp_drop_name((enum dp_drop)d),
					    json_integer((json_int_t)dp[d]));
	return o;
}

/*
 * The IKE engine's refusals (RFC 7296 2.6 flood handling included) and the data plane's drops
 * outside any connection, for tests and operators.
 */
static json_t *gw_status_ike(struct gw *g)
{
	const struct ike_engine_stats *s = ike_engine_stats(g->ike);
	struct dp_stats ds;
	json_t *o;

	o = json_pack("{s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I}",
		      "halfOpen", (int)ike_engine_half_open(g->ike), "cookiesRequired",
		      ike_engine_cookies_required(g->ike), "malformed", (json_int_t)s->malformed,
		      "unknownPeer", (json_int_t)s->unknown_peer, "unknownSpi",
		      (json_int_t)s->unknown_spi, "badIcv", (json_int_t)s->bad_icv, "badMsgid",
		      (json_int_t)s->bad_msgid, "retransmitsAnswered",
		      (json_int_t)s->retransmits_answered, "cookiesSent",
		      (json_int_t)s->cookies_sent, "cookieInvalid", (json_int_t)s->cookie_invalid,
		      "sourceLimited", (json_int_t)s->source_limited, "sourceBlocked",
		      (json_int_t)s->source_blocked, "sourceEvicted", (json_int_t)s->source_evicted,
		      "halfOpenCap", (json_int_t)s->half_open_cap, "halfOpenExpired",
		      (json_int_t)s->half_open_expired, "cookieRotations",
		      (json_int_t)s->cookie_rotations);
	if (o && dp_stats(g->dp, &ds) == 0) {
		json_object_set_new(o, "dpRxIke", json_integer((json_int_t)ds.rx_ike));
		json_object_set_new(o, "dpDrops", gw_json_drop_counts(ds.esp_in.drops, ds.drops));
		/* Upcall lanes (dp/chan.c): a flood fills its own lane, not the peers'. */
		json_object_set_new(o, "upcallDrops",
				    json_pack("{s:I, s:I, s:I}", "peers",
					      (json_int_t)ds.upcall_drops_peers, "strangers",
					      (json_int_t)ds.upcall_drops_strangers, "events",
					      (json_int_t)ds.upcall_drops_events));
	}
	return o;
}

static void gw_on_status_tick(evutil_socket_t fd, short what, void *arg)
{
	gw_write_status(arg);
}

static void gw_refresh_counters(struct gw *g, struct gw_conn_state *cs)
{
	struct dp_conn_stats s;

	if (dp_conn_stats(g->dp, cs->dp_id, &s) == 0) {
		cs->st.bytes_in = s.bytes_in;
		cs->st.bytes_out = s.bytes_out;
		cs->st.packets_in = s.packets_in;
		cs->st.packets_out = s.packets_out;
	}
}

/* A connection's drops by reason (data plane's and ESP's, e.g. ESP's "replay": duplicates and
 * packets older than the window, RFC 4303 3.4.3) and the packets its shaper queued (SPEC §4). */
static void gw_status_conn_counters(struct gw *g, const struct gw_conn_state *cs, json_t *c)
{
	struct dp_conn_stats s;

	if (dp_conn_stats(g->dp, cs->dp_id, &s) < 0)
		return;
	json_object_set_new(c, "drops", gw_json_drop_counts(s.esp_drops, s.drops));
	json_object_set_new(c, "shapedPackets",
			    json_pack("{s:I, s:I}", "in", (json_int_t)s.shaped_in, "out",
				      (json_int_t)s.shaped_out));
}

/*
 * What belonged to no connection: per VNet, added to root's "vnets" (no route: never left the
 * VNet), on the public address (ESP with no SA), and the IKE engine's refusals (gw_status_ike).
 */
static void gw_status_counters(struct gw *g, json_t *root)
{
	json_t *vnets = json_object_get(root, "vnets"), *v;
	struct dp_vnet_stats vs;
	struct dp_stats ds;

	for (const struct gw_vnet_state *st = g->vnets; st; st = st->next) {
		v = json_object_get(vnets, st->ref[0] ? st->ref : st->name);
		if (!v || dp_vnet_stats(g->dp, st->dp_id, &vs) < 0)
			continue;
		json_object_set_new(v, "packetsFromTun",
				    json_integer((json_int_t)vs.packets_from_tun));
		json_object_set_new(v, "packetsToTun", json_integer((json_int_t)vs.packets_to_tun));
		json_object_set_new(v, "drops", gw_json_drop_counts(NULL, vs.drops));
	}
	/* Monotonic: the difference between two files is the interval their counters cover. */
	json_object_set_new(root, "clockNs", json_integer((json_int_t)clock_now_ns()));
	if (dp_stats(g->dp, &ds) == 0)
		json_object_set_new(root, "dataPlane",
				    json_pack("{s:I, s:I, s:I, s:o}", "rxEspRaw",
					      (json_int_t)ds.rx_esp_raw, "rxEspUdp",
					      (json_int_t)ds.rx_esp_udp, "espNoSa",
					      (json_int_t)ds.esp_in.drops[ESP_DROP_NO_SA], "drops",
					      gw_json_drop_counts(NULL, ds.drops)));
	json_object_set_new(root, "ike", gw_status_ike(g));
}

/* The VNet's BGP speaker and its peers (null without BGP), for tests and operators. */
static json_t *gw_status_bgp(const struct gw_vnet_state *vs)
{
	const struct bgp_speaker *sp = vs->bgp ? gw_bgp_speaker(vs->bgp) : NULL;
	struct bgp_peer_status *st;
	char a[ADDR_STR_MAX];
	json_t *o, *peers;
	size_t n;

	if (!sp)
		return json_null();
	o = json_pack("{s:I, s:s}", "asn", (json_int_t)vs->bgp_asn, "address",
		      addr_print(&vs->bgp_addr, a, sizeof(a)));
	peers = json_array();
	n = bgp_speaker_peers(sp, NULL, 0);
	st = calloc(n ? n : 1, sizeof(*st));
	n = st ? bgp_speaker_peers(sp, st, n) : 0;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			peers, json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:s}", "name",
					 st[i].name, "neighbor",
					 addr_print(&st[i].neighbor, a, sizeof(a)), "asn",
					 (json_int_t)st[i].asn, "state", bgp_state_name(st[i].state),
					 "routesReceived", (json_int_t)st[i].routes_received,
					 "routesRefused", (json_int_t)st[i].routes_refused,
					 "messagesSent", (json_int_t)st[i].messages_sent,
					 "messagesReceived", (json_int_t)st[i].messages_received,
					 "lastError", st[i].last_error));
	free(st);
	json_object_set_new(o, "peers", peers);
	return o;
}

static void gw_write_status(struct gw *g)
{
	json_t *root, *arr, *vnets;
	char tmp[4200], ip[ADDR_STR_MAX];
	int64_t written_ms = clock_wall_ms();

	g->status_dirty = false;
	if (!g->status_path[0])
		return;
	root = json_object();
	/*
	 * Taken before anything is read: everything below is at least this new, so a reader that
	 * waits for a file stamped after its own action sees that action's effect (tests/lab).
	 */
	json_object_set_new(root, "writtenAtMs", json_integer((json_int_t)written_ms));
	vnets = json_object();
	for (struct gw_vnet_state *vs = g->vnets; vs; vs = vs->next) {
		/* Keyed by the resource id (the VNet's name without one): workloads attach here. */
		json_object_set_new(vnets, vs->ref[0] ? vs->ref : vs->name,
					    json_pack("{s:s, s:s, s:o}", "name", vs->name, "netns",
						      vs->netns, "bgp", gw_status_bgp(vs)));
	}
	json_object_set_new(root, "publicIp",
			    json_string(addr_print(&g->opt.public_ip, ip, sizeof(ip))));
	json_object_set_new(root, "vnets", vnets);
	arr = json_array();
	for (struct gw_conn_state *cs = g->conns; cs; cs = cs->next) {
		struct ike_conn_info info;
		json_t *c, *spis, *pairs;

		gw_refresh_counters(g, cs);
		c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "name", cs->name,
			      "vnet", cs->vnet, "connectionStatus",
			      cs->st.status == IKE_CONN_CONNECTED	 ? "Connected"
			      : cs->st.status == IKE_CONN_CONNECTING ? "Connecting"
								     : "NotConnected",
			      "reason", cs->st.reason, "lastChange", (json_int_t)cs->st.since,
			      "ingressBytesTransferred", (json_int_t)cs->st.bytes_in,
			      "egressBytesTransferred", (json_int_t)cs->st.bytes_out,
			      "ingressPackets", (json_int_t)cs->st.packets_in, "egressPackets",
			      (json_int_t)cs->st.packets_out);
		spis = json_array();
		pairs = json_array();
		if (ike_engine_conn_info(g->ike, cs->name, &info) == 0) {
			char ispi[40];

			json_object_set_new(c, "ikeSaEstablished", json_boolean(info.established));
			/* Stale SAs would show here (restart and DPD labs expect exactly 1). */
			json_object_set_new(c, "ikeSaCount", json_integer(info.n_ike_sas));
			json_object_set_new(c, "natDetected", json_boolean(info.nat_detected));
			/* What the engine refused this connection's peer (engine.h's limits). */
			json_object_set_new(
				c, "ikeRefusals",
				json_pack("{s:I, s:I, s:I, s:I, s:I}", "children",
					  (json_int_t)info.refused.children, "ikeSas",
					  (json_int_t)info.refused.ike_sas, "rate",
					  (json_int_t)info.refused.rate, "unauthenticated",
					  (json_int_t)info.refused.unauthenticated, "spiClash",
					  (json_int_t)info.refused.spi_clash));
			/* For comparing with the peer (swanctl --list-sas prints SPIs alike). */
			json_object_set_new(c, "ikeSas", json_integer(info.n_ike_sas));
			snprintf(ispi, sizeof(ispi), "%016llx_i %016llx_r",
				 (unsigned long long)info.spi_i, (unsigned long long)info.spi_r);
			if (info.spi_i)
				json_object_set_new(c, "ikeSpis", json_string(ispi));
			for (unsigned int k = 0; k < info.n_children && k < 8; k++) {
				char spi[16], pair[24];

				snprintf(spi, sizeof(spi), "0x%08x", info.child_spi_in[k]);
				json_array_append_new(spis, json_string(spi));
				snprintf(pair, sizeof(pair), "%08x_i %08x_o", info.child_spi_in[k],
					 info.child_spi_out[k]);
				json_array_append_new(pairs, json_string(pair));
			}
		}
		json_object_set_new(c, "childSaInboundSpis", spis);
		json_object_set_new(c, "id", json_string(cs->applied.ref));
		json_object_set_new(c, "lastEstablished", json_integer(cs->st.established));
		json_object_set_new(c, "bgpRoutesLearned", json_integer((json_int_t)cs->n_learned));
		json_object_set_new(c, "childSaSpis", pairs);
		gw_status_conn_counters(g, cs, c);
		json_array_append_new(arr, c);
	}
	json_object_set_new(root, "connections", arr);
	gw_status_counters(g, root);
	snprintf(tmp, sizeof(tmp), "%s.tmp", g->status_path);
	/* Written whole, then renamed: a reader never sees half a file. */
	if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) == 0)
		rename(tmp, g->status_path);
	json_decref(root);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

int gw_new(struct gw **out, struct event_base *base, const struct gw_options *o)
{
	struct ike_engine_ops ops = {
		.send = gw_op_send,
		.child_install = gw_op_child_install,
		.child_outbound = gw_op_child_outbound,
		.child_remove = gw_op_child_remove,
		.status = gw_op_status,
		.child_last_rx = gw_op_child_last_rx,
	};
	struct dp_config dc = { 0 };
	struct timeval second = { 1, 0 };
	struct gw *g;
	int r;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->base = base;
	g->opt = *o;
	g->opt.port_ike = o->port_ike ? o->port_ike : IKE_PORT;
	g->opt.port_natt = o->port_natt ? o->port_natt : IKE_NATT_PORT;
	snprintf(g->netns_prefix, sizeof(g->netns_prefix), "%s",
		 o->netns_prefix ? o->netns_prefix : "vnet-");
	g->opt.netns_prefix = g->netns_prefix;
	if (o->status_path)
		snprintf(g->status_path, sizeof(g->status_path), "%s", o->status_path);
	g->next_id = 1;
	r = hmap_init(&g->conn_map);
	r = r ?: hmap_init(&g->conn_dp_map);
	r = r ?: hmap_init(&g->vnet_map);
	if (r < 0)
		goto fail;
	g->events = o->events;

	dc.public_addr = o->public_ip;
	dc.port_ike = g->opt.port_ike;
	dc.port_natt = g->opt.port_natt;
	dc.public_nsfd = -1;
	dc.workers = o->workers;
	r = dp_new(&g->dp, &dc);
	if (r < 0) {
		log_err("Gateway", "cannot start the data plane: %s", strerror(-r));
		goto fail;
	}
	ops.ctx = g;
	g->ike = ike_engine_new(&ops);
	r = -ENOMEM;
	if (!g->ike)
		goto fail;
	ike_engine_set_limits(g->ike, &o->ike_limits);
	if (o->unshaped)
		log_warn("Gateway", "--no-rate-limit: connections are not held to their SKU rates");
	if (o->debug_ike_lifetime_s)
		log_warn("Gateway",
			 "--debug-lifetimes (TESTS ONLY): every IKE SA lives %u s, every CHILD_SA "
			 "%u s, rekey jitter %d %%",
			 o->debug_ike_lifetime_s, o->debug_child_lifetime_s,
			 o->debug_jitter_pct >= 0 ? o->debug_jitter_pct
						  : IKE_DEFAULT_REKEY_JITTER_PCT);
	if (o->keylog_dir) {
		log_warn("Gateway", "debug key log on: every key goes to %s", o->keylog_dir);
		ike_engine_set_keylog(g->ike, o->keylog_dir);
	}
	g->ev_upcall = event_new(base, dp_upcall_fd(g->dp), EV_READ | EV_PERSIST, gw_on_upcall, g);
	g->ev_timer = evtimer_new(base, gw_on_timer, g);
	g->ev_status = event_new(base, -1, EV_PERSIST, gw_on_status_tick, g);
	if (!g->ev_upcall || !g->ev_timer || !g->ev_status || event_add(g->ev_upcall, NULL) ||
	    (g->status_path[0] && event_add(g->ev_status, &second)))
		goto fail;
	*out = g;
	return 0;
fail:
	gw_free(g);
	return r;
}

void gw_free(struct gw *g)
{
	if (!g)
		return;
	if (g->ev_upcall)
		event_free(g->ev_upcall);
	if (g->ev_timer)
		event_free(g->ev_timer);
	if (g->ev_status)
		event_free(g->ev_status);
	for (struct gw_vnet_state *vs = g->vnets; vs; vs = vs->next)
		gw_bgp_stop(vs); /* Cease to the peers while the tunnels are up */
	ike_engine_free(g->ike); /* removes every child from the data plane */
	dp_free(g->dp);
	while (g->conns)
		gw_conn_unlink_free(g, g->conns);
	while (g->vnets)
		gw_vnet_unlink_free(g, g->vnets);
	hmap_fini(&g->conn_map);
	hmap_fini(&g->conn_dp_map);
	hmap_fini(&g->vnet_map);
	free(g);
}

/* ---- desired state ----------------------------------------------------------------------- */

static int gw_vnet_apply(struct gw *g, const struct gw_vnet *v)
{
	struct gw_vnet_state *vs = gw_vnet_find(g, v->name);
	struct dp_vnet_params p = { 0 };
	char ns[NETNS_NAME_MAX + 1];
	int r;

	if (vs)
		return 0; /* a changed GatewaySubnet was removed first (gw_apply) */
	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	gw_vnet_netns_name(g->netns_prefix, v->name, ns, sizeof(ns));
	p.id = g->next_id++;
	p.netns = ns;
	p.tun = GW_TUN_NAME;
	r = gw_gateway_address(&v->gateway_subnet, &p.gateway);
	r = r ?: dp_vnet_add(g->dp, &p);
	if (r < 0) {
		log_err("Gateway", "vnet=%s cannot be set up in namespace %s: %s", v->name, ns,
			strerror(-r));
		free(vs);
		return r;
	}
	vs->dp_id = p.id;
	snprintf(vs->name, sizeof(vs->name), "%s", v->name);
	gw_vnet_link(g, vs);
	snprintf(vs->ref, sizeof(vs->ref), "%s", v->ref);
	snprintf(vs->netns, sizeof(vs->netns), "%s", ns);
	vs->gateway_subnet = v->gateway_subnet;
	log_event(LOG_LVL_INFO, "Gateway", "SetGatewayConfiguration", v->ref,
		  "vnet=%s up in namespace %s", v->name, ns);
	return 0;
}

/* Remember what runs, with a copy of its key: the next apply compares against it. */
static int gw_conn_remember(struct gw_conn_state *cs, const struct gw_conn *c)
{
	struct secret *psk = c->psk ? secret_dup(c->psk->data, c->psk->len) : NULL;

	if (c->psk && !psk)
		return -ENOMEM;
	secret_free(cs->applied.psk);
	cs->applied = *c;
	cs->applied.psk = psk;
	return 0;
}

static int gw_conn_ike_set(struct gw *g, const struct gw_conn *c)
{
	struct ike_conn_config icc;
	int r;

	ike_conn_config_default(&icc);
	snprintf(icc.name, sizeof(icc.name), "%s", c->name);
	icc.local = g->opt.public_ip;
	icc.peer = c->peer;
	icc.psk = c->psk;
	icc.policy = c->policy;
	icc.child_lifetime_s = c->child_lifetime_s;
	icc.child_lifetime_kb = c->child_lifetime_kb;
	icc.dpd_timeout_s = c->dpd_timeout_s;
	icc.initiate = c->initiate;
	icc.no_respond = c->no_respond;
	if (g->opt.debug_ike_lifetime_s) {
		/* Lab tests only: short lifetimes to watch many rekeys (--debug-lifetimes). */
		icc.ike_lifetime_s = g->opt.debug_ike_lifetime_s;
		icc.child_lifetime_s = g->opt.debug_child_lifetime_s;
		if (g->opt.debug_jitter_pct >= 0)
			icc.rekey_jitter_pct = (uint8_t)g->opt.debug_jitter_pct;
	}
	r = ike_engine_conn_set(g->ike, &icc);
	if (r < 0)
		log_err("IKE", "conn=%s cannot be configured: %s", c->name, strerror(-r));
	return r;
}

/*
 * What the data plane routes to the site and accepts from it: the site's prefixes, and with
 * BGP its peer's address (issue 12: the session runs through the tunnel) unless they hold it.
 */
static size_t gw_conn_dp_prefixes(const struct gw_conn *c, struct prefix *out)
{
	size_t n = 0;
	bool covered = false;

	for (unsigned int i = 0; i < c->n_remote; i++) {
		out[n++] = c->remote[i];
		covered = covered || prefix_contains_addr(&c->remote[i], &c->bgp_peer);
	}
	if (c->bgp && !covered)
		prefix_from_addr(&out[n++], &c->bgp_peer);
	return n;
}

static int gw_conn_apply(struct gw *g, const struct gw_conn *c)
{
	struct gw_conn_state *cs = gw_conn_find(g, c->name);
	struct gw_vnet_state *vs = gw_vnet_find(g, c->vnet);
	struct prefix pfx[GW_PREFIXES_MAX + 1];
	struct dp_conn_params dcp = { 0 };
	bool fresh = !cs, restart, same_dp;
	int r;

	if (!vs)
		return -ENOENT;
	if (fresh) {
		/* Linked (findable by the engine's callbacks) once the data plane has it. */
		cs = calloc(1, sizeof(*cs));
		if (!cs)
			return -ENOMEM;
		cs->dp_id = g->next_id++;
	}
	/* Prefixes and rate change in the data plane alone (routes follow, SAs stay); a new
	 * peer, key, policy, lifetime, DPD or mode restarts the tunnel (SPEC §3). */
	restart = !fresh && !gw_conn_same_tunnel(&cs->applied, c);
	same_dp = !fresh && gw_conn_same_dp(&cs->applied, c);
	if (!fresh && !restart && same_dp)
		return 0; /* the reconciler applies everything each time: most of it is as it was */
	dcp.id = cs->dp_id;
	dcp.vnet_id = vs->dp_id;
	dcp.peer = c->peer;
	dcp.prefixes = pfx;
	dcp.n_prefixes = gw_conn_dp_prefixes(c, pfx);
	dcp.rate_bps = g->opt.unshaped ? 0 : c->rate_bps;
	r = fresh ? dp_conn_add(g->dp, &dcp) : same_dp ? 0 : dp_conn_update(g->dp, &dcp);
	if (r < 0) {
		log_err("Gateway", "conn=%s cannot be set up in the data plane: %s", c->name,
			strerror(-r));
		if (fresh)
			free(cs);
		return r;
	}
	if (!fresh && !same_dp)
		gw_event(g, cs, LOG_LVL_INFO, "Route", "StaticRouteUpdate",
			 "%u site prefix(es) at %llu bit/s, its SAs kept", c->n_remote,
			 (unsigned long long)dcp.rate_bps);
	if (fresh) {
		snprintf(cs->applied.ref, sizeof(cs->applied.ref), "%s", c->ref);
		snprintf(cs->name, sizeof(cs->name), "%s", c->name);
		snprintf(cs->vnet, sizeof(cs->vnet), "%s", c->vnet);
		cs->st.status = IKE_CONN_NOT_CONNECTED;
		snprintf(cs->st.reason, sizeof(cs->st.reason), "configured");
		cs->st.since = clock_wall_s();
		cs->mark = g->mark;
		gw_conn_link(g, cs);
	}
	if (restart) {
		/* RFC 7296 1.4.1: the peer is told the old SAs are gone before new ones start. */
		gw_event(g, cs, LOG_LVL_INFO, "Gateway", "SetConnectionConfiguration",
			 "key, policy, peer, lifetime, DPD or mode changed: restarting its tunnel");
		ike_engine_conn_remove(g->ike, c->name);
	}
	r = fresh || restart ? gw_conn_ike_set(g, c) : 0;
	r = r ?: gw_conn_remember(cs, c);
	if (r < 0) {
		if (fresh || restart) {
			ike_engine_conn_remove(g->ike, c->name);
			dp_conn_remove(g->dp, cs->dp_id);
			evlog_forget(g->events, cs->applied.ref); /* the log line above says why */
			gw_conn_unlink_free(g, cs);
		}
		return r;
	}
	if (fresh) {
		char a[ADDR_STR_MAX];

		gw_event(g, cs, LOG_LVL_INFO, "Gateway", "SetConnectionConfiguration",
			 "configured: peer %s, %u site prefix(es), %s policy, %s, %llu bit/s",
			 addr_print(&c->peer, a, sizeof(a)), c->n_remote,
			 c->custom_policy ? "custom" : "default",
			 c->initiate ? "initiates" : c->no_respond ? "initiator only" : "responds",
			 (unsigned long long)dcp.rate_bps);
	}
	g->status_dirty = true;
	if ((fresh || restart) && c->initiate)
		ike_engine_conn_initiate(g->ike, c->name);
	return 0;
}

static void gw_conn_drop(struct gw *g, struct gw_conn_state *cs)
{
	struct gw_vnet_state *vs = gw_vnet_find(g, cs->vnet);

	if (vs && vs->bgp && cs->bgp_peer_set)
		gw_bgp_peer_remove(vs->bgp, cs->name); /* Cease while the tunnel still carries it */
	cs->bgp_peer_set = false;
	ike_engine_conn_remove(g->ike, cs->name); /* Deletes to the peer, children removed */
	dp_conn_remove(g->dp, cs->dp_id);	  /* and its routes withdrawn */
	log_event(LOG_LVL_INFO, "Gateway", "RemoveConnection", cs->applied.ref, "conn=%s removed",
		  cs->name);
	evlog_forget(g->events, cs->applied.ref);
	gw_conn_unlink_free(g, cs);
	g->status_dirty = true;
}

/* A running VNet that d no longer has, or has with another GatewaySubnet (re-created). */
static bool gw_vnet_stale(const struct gw_desired *d, const struct gw_vnet_state *vs)
{
	const struct gw_vnet *v = gw_desired_vnet(d, vs->name);

	return !v || !prefix_equal(&v->gateway_subnet, &vs->gateway_subnet);
}

int gw_apply(struct gw *g, const struct gw_desired *d)
{
	int first = 0, r;

	/* Connections that are gone first (they hold VNets), then VNets that are gone: what d
	 * still has is marked, in one lookup each. */
	g->mark++;
	for (unsigned int k = 0; k < d->n_conns; k++) {
		struct gw_conn_state *cs = gw_conn_find(g, d->conns[k].name);

		if (cs && strcmp(cs->vnet, d->conns[k].vnet) == 0)
			cs->mark = g->mark;
	}
	for (struct gw_conn_state *cs = g->conns, *next; cs; cs = next) {
		struct gw_vnet_state *vs = gw_vnet_find(g, cs->vnet);

		next = cs->next;
		if (cs->mark != g->mark || !vs || gw_vnet_stale(d, vs))
			gw_conn_drop(g, cs);
	}
	for (struct gw_vnet_state *vs = g->vnets, *next; vs; vs = next) {
		next = vs->next;
		if (!gw_vnet_stale(d, vs))
			continue;
		gw_bgp_stop(vs);
		r = dp_vnet_remove(g->dp, vs->dp_id);
		if (r == 0) {
			log_event(LOG_LVL_INFO, "Gateway", "RemoveGatewayConfiguration", vs->ref,
				  "vnet=%s removed (namespace %s)", vs->name, vs->netns);
			gw_vnet_unlink_free(g, vs);
			g->status_dirty = true;
		} else if (!first) {
			first = r;
		}
	}
	for (unsigned int i = 0; i < d->n_vnets; i++) {
		r = gw_vnet_apply(g, &d->vnets[i]);
		if (r < 0 && !first)
			first = r;
	}
	for (unsigned int i = 0; i < d->n_conns; i++) {
		r = gw_conn_apply(g, &d->conns[i]);
		if (r < 0 && !first)
			first = r;
	}
	r = gw_bgp_sync(g, d);
	if (r < 0 && !first)
		first = r;
	gw_settle(g);
	return first;
}

int gw_conn_reset(struct gw *g, const char *name)
{
	struct gw_conn_state *cs = gw_conn_find(g, name);
	int r;

	if (!cs)
		return -ENOENT;
	/* RFC 7296 1.4.1: the peer is told the SAs are gone; then a fresh IKE SA, as a restart. */
	ike_engine_conn_remove(g->ike, cs->name);
	r = gw_conn_ike_set(g, &cs->applied);
	if (r == 0 && cs->applied.initiate)
		r = ike_engine_conn_initiate(g->ike, cs->name);
	gw_event(g, cs, r < 0 ? LOG_LVL_ERR : LOG_LVL_INFO, "Gateway", "ResetConnection",
		 "reset: tunnel deleted%s",
		 r < 0 ? ", cannot be started again (see above)"
		 : cs->applied.initiate ? ", initiating a new one"
					: ", waiting for the peer to start a new one");
	g->status_dirty = true;
	gw_settle(g);
	return r;
}

int gw_conn_status(struct gw *g, const char *name, struct gw_conn_status *out)
{
	struct gw_conn_state *cs = gw_conn_find(g, name);

	if (!cs)
		return -ENOENT;
	gw_refresh_counters(g, cs);
	*out = cs->st;
	return 0;
}

/* ---- BGP views (getBgpPeerStatus, getLearnedRoutes, getAdvertisedRoutes) ------------------- */

/* Azure's BgpPeerState: Unknown, Stopped, Idle, Connecting, Connected. */
static const char *gw_bgp_azure_state(enum bgp_state s)
{
	switch (s) {
	case BGP_STATE_IDLE:
		return "Idle";
	case BGP_STATE_ESTABLISHED:
		return "Connected";
	default:
		return "Connecting";
	}
}

struct gw_route_rows {
	json_t *rows;
	const char *local;
	bool advertised;
};

static int gw_bgp_route_row(const struct bgp_route_info *ri, void *arg)
{
	struct gw_route_rows *w = arg;
	char net[PREFIX_STR_MAX], nh[ADDR_STR_MAX], src[ADDR_STR_MAX];
	bool local = ri->origin == BGP_ROUTE_NETWORK;
	json_t *row;

	prefix_print(&ri->network, net, sizeof(net));
	if (ri->next_hop.family)
		addr_print(&ri->next_hop, nh, sizeof(nh));
	else
		nh[0] = '\0';
	addr_print(&ri->source_peer, src, sizeof(src));
	/* As Azure: the gateway's own prefixes have origin Network and no next hop; routes
	 * learned from a peer EBgp; what we advertise Igp, with our AS in front. */
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "localAddress", w->local, "network",
			net, "nextHop", nh, "sourcePeer", w->advertised ? "" : src, "origin",
			w->advertised ? "Igp" : local ? "Network" : "EBgp", "asPath", ri->as_path,
			"weight", (json_int_t)ri->weight);
	if (!row || json_array_append_new(w->rows, row) < 0)
		return -ENOMEM;
	return 0;
}

json_t *gw_bgp_view(struct gw *g, const char *vnet_name)
{
	struct gw_vnet_state *vs = gw_vnet_find(g, vnet_name);
	const struct bgp_speaker *sp = vs && vs->bgp ? gw_bgp_speaker(vs->bgp) : NULL;
	struct gw_route_rows w = {0};
	struct bgp_peer_status *st = NULL;
	char local[ADDR_STR_MAX];
	json_t *view, *peers, *adv;
	size_t n;
	int r = 0;

	if (!sp)
		return NULL;
	addr_print(&vs->bgp_addr, local, sizeof(local));
	view = json_object();
	peers = json_array();
	adv = json_object();
	w.rows = json_array();
	w.local = local;
	n = bgp_speaker_peers(sp, NULL, 0);
	st = calloc(n ? n : 1, sizeof(*st));
	if (!view || !peers || !adv || !w.rows || !st)
		goto fail;
	n = bgp_speaker_peers(sp, st, n);
	for (size_t i = 0; i < n; i++) {
		char nb[ADDR_STR_MAX], dur[32];
		uint64_t d = st[i].connected_duration_s;

		addr_print(&st[i].neighbor, nb, sizeof(nb));
		/* A .NET TimeSpan, as Azure prints connectedDuration. */
		snprintf(dur, sizeof(dur), "%02llu:%02llu:%02llu", (unsigned long long)(d / 3600),
			 (unsigned long long)(d / 60 % 60), (unsigned long long)(d % 60));
		if (json_array_append_new(
			    peers,
			    json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
				      "localAddress", local, "neighbor", nb, "asn",
				      (json_int_t)st[i].asn, "state",
				      gw_bgp_azure_state(st[i].state), "connectedDuration", dur,
				      "routesReceived", (json_int_t)st[i].routes_received,
				      "messagesSent", (json_int_t)st[i].messages_sent,
				      "messagesReceived", (json_int_t)st[i].messages_received,
				      "bgpState", bgp_state_name(st[i].state), "lastError",
				      st[i].last_error)) < 0)
			goto fail;
	}
	r = bgp_speaker_learned_routes(sp, gw_bgp_route_row, &w);
	if (r < 0)
		goto fail;
	json_object_set_new(view, "learned", w.rows);
	for (size_t i = 0; i < n; i++) {
		char nb[ADDR_STR_MAX];

		w.rows = json_array();
		w.advertised = true;
		if (!w.rows || bgp_speaker_advertised_routes(sp, st[i].name, gw_bgp_route_row, &w) < 0)
			goto fail;
		json_object_set_new(adv, addr_print(&st[i].neighbor, nb, sizeof(nb)), w.rows);
	}
	w.rows = NULL;
	json_object_set_new(view, "peers", peers);
	json_object_set_new(view, "advertised", adv);
	free(st);
	return view;
fail:
	free(st);
	json_decref(w.rows);
	json_decref(peers);
	json_decref(adv);
	json_decref(view);
	return NULL;
}

/* ---- metrics (Prometheus text, issue 20) ------------------------------------------------- */

/* The part of a resource id after "/<key>/" up to the next '/', or "". */
static void gw_id_part(const char *id, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	const char *p;

	out[0] = '\0';
	for (p = id; p && *p; p = strchr(p + 1, '/')) {
		if (p[0] == '/' && strncasecmp(p + 1, key, kl) == 0 && p[1 + kl] == '/') {
			const char *v = p + 2 + kl;

			snprintf(out, n, "%.*s", (int)strcspn(v, "/"), v);
			return;
		}
	}
}

/* One connection's figures, read once for every family. */
struct gw_metric_conn {
	char sub[64], rg[96], gw[96], conn[96], remote[ADDR_STR_MAX];
	struct gw_conn_state *cs;
	struct dp_conn_stats st;
	struct ike_conn_info info;
	bool have_st, have_info;
	double bw; /* bytes/s, both directions, since the previous call */
};

#define GW_CONN_LABELS(m)                                                                          \
	{                                                                                          \
		{"subscription", (m)->sub}, {"resource_group", (m)->rg}, {"gateway", (m)->gw},     \
			{"connection", (m)->conn}, {"remote_ip", (m)->remote},                     \
	}

static void gw_metrics_conns(struct prom *p, struct gw_metric_conn *mc, size_t n)
{
	static const struct {
		const char *name, *help;
		enum prom_type type;
		size_t off; /* in struct dp_conn_stats */
	} ctr[] = {
		{"vnetgw_tunnel_ingress_bytes_total",
		 "Inner bytes decrypted from the site and delivered to the VNet (Azure: Tunnel "
		 "Ingress Bytes).",
		 PROM_COUNTER, offsetof(struct dp_conn_stats, bytes_in)},
		{"vnetgw_tunnel_egress_bytes_total",
		 "Inner bytes from the VNet encrypted and sent to the site (Azure: Tunnel Egress "
		 "Bytes).",
		 PROM_COUNTER, offsetof(struct dp_conn_stats, bytes_out)},
		{"vnetgw_tunnel_ingress_packets_total",
		 "Packets from the site delivered to the VNet (Azure: Tunnel Ingress Packets).",
		 PROM_COUNTER, offsetof(struct dp_conn_stats, packets_in)},
		{"vnetgw_tunnel_egress_packets_total",
		 "Packets from the VNet sent to the site (Azure: Tunnel Egress Packets).", PROM_COUNTER,
		 offsetof(struct dp_conn_stats, packets_out)},
		{"vnetgw_tunnel_shaped_in_packets_total",
		 "Packets from the site that waited for the SKU rate.", PROM_COUNTER,
		 offsetof(struct dp_conn_stats, shaped_in)},
		{"vnetgw_tunnel_shaped_out_packets_total",
		 "Packets to the site that waited for the SKU rate.", PROM_COUNTER,
		 offsetof(struct dp_conn_stats, shaped_out)},
	};

	prom_family(p, "vnetgw_tunnel_connected", PROM_GAUGE,
		    "1 when the connection's tunnel is Connected, else 0.");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l[] = GW_CONN_LABELS(&mc[i]);

		prom_u64(p, "vnetgw_tunnel_connected", l, 5,
			 mc[i].cs->st.status == IKE_CONN_CONNECTED);
	}
	for (size_t k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		prom_family(p, ctr[k].name, ctr[k].type, ctr[k].help);
		for (size_t i = 0; i < n; i++) {
			struct prom_label l[] = GW_CONN_LABELS(&mc[i]);

			if (mc[i].have_st)
				prom_u64(p, ctr[k].name, l, 5,
					 *(const uint64_t *)((const char *)&mc[i].st + ctr[k].off));
		}
	}
	prom_family(p, "vnetgw_tunnel_drops_total", PROM_COUNTER,
		    "Packets of the connection dropped, by reason (Azure: Tunnel Ingress/Egress "
		    "Packet Drop Count).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l[6] = GW_CONN_LABELS(&mc[i]);

		for (int d = 0; mc[i].have_st && d < DP_DROP__COUNT; d++) {
			if (!mc[i].st.drops[d] || d == DP_DROP_ESP)
				continue; /* ESP's own reasons follow */
			l[5] = (struct prom_label){"reason", dp_drop_name((enum dp_drop)d)};
			prom_u64(p, "vnetgw_tunnel_drops_total", l, 6, mc[i].st.drops[d]);
		}
		for (int d = 0; mc[i].have_st && d < ESP_DROP__COUNT; d++) {
			if (!mc[i].st.esp_drops[d])
				continue;
			l[5] = (struct prom_label){"reason", esp_drop_name((enum esp_drop)d)};
			prom_u64(p, "vnetgw_tunnel_drops_total", l, 6, mc[i].st.esp_drops[d]);
		}
	}
	prom_family(p, "vnetgw_tunnel_average_bandwidth_bytes", PROM_GAUGE,
		    "Bytes per second through the tunnel, both directions, over the last interval "
		    "(Azure: Tunnel Bandwidth).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l[] = GW_CONN_LABELS(&mc[i]);

		prom_f64(p, "vnetgw_tunnel_average_bandwidth_bytes", l, 5, mc[i].bw);
	}
	prom_family(p, "vnetgw_tunnel_ike_sas", PROM_GAUGE,
		    "IKE SAs of the connection (Azure: Tunnel MMSA Count).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l[] = GW_CONN_LABELS(&mc[i]);

		prom_u64(p, "vnetgw_tunnel_ike_sas", l, 5, mc[i].have_info ? mc[i].info.n_ike_sas : 0);
	}
	prom_family(p, "vnetgw_tunnel_child_sas", PROM_GAUGE,
		    "CHILD_SAs of the connection (Azure: Tunnel QMSA Count).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l[] = GW_CONN_LABELS(&mc[i]);

		prom_u64(p, "vnetgw_tunnel_child_sas", l, 5,
			 mc[i].have_info ? mc[i].info.n_children : 0);
	}
}

static int gw_metric_by_gateway(const void *a, const void *b)
{
	const struct gw_metric_conn *x = a, *y = b;

	return strcmp(x->cs->applied.gw_ref, y->cs->applied.gw_ref);
}

/* Per gateway: the sum of its tunnels' bandwidth (Azure: Gateway S2S Bandwidth). mc is sorted
 * by gateway here (one pass, whatever the number of connections). */
static void gw_metrics_gateways(struct prom *p, struct gw_metric_conn *mc, size_t n)
{
	qsort(mc, n, sizeof(*mc), gw_metric_by_gateway);
	prom_family(p, "vnetgw_gateway_average_bandwidth_bytes", PROM_GAUGE,
		    "Bytes per second through all the gateway's tunnels over the last interval "
		    "(Azure: Gateway S2S Bandwidth).");
	for (size_t i = 0; i < n;) {
		struct prom_label l[] = {
			{"subscription", mc[i].sub},
			{"resource_group", mc[i].rg},
			{"gateway", mc[i].gw},
		};
		double sum = 0;
		size_t k = i;

		for (; k < n && gw_metric_by_gateway(&mc[i], &mc[k]) == 0; k++)
			sum += mc[k].bw;
		prom_f64(p, "vnetgw_gateway_average_bandwidth_bytes", l, 3, sum);
		i = k;
	}
}

static void gw_metrics_ike(struct gw *g, struct prom *p)
{
	const struct ike_engine_stats *s = ike_engine_stats(g->ike);
	static const struct {
		const char *name, *help;
		size_t off;
	} ctr[] = {
		{"vnetgw_ike_malformed_total", "IKE messages that did not parse.",
		 offsetof(struct ike_engine_stats, malformed)},
		{"vnetgw_ike_unknown_peer_total", "IKE_SA_INIT requests from an address with no "
						  "connection.",
		 offsetof(struct ike_engine_stats, unknown_peer)},
		{"vnetgw_ike_bad_icv_total", "IKE messages whose integrity check failed.",
		 offsetof(struct ike_engine_stats, bad_icv)},
		{"vnetgw_ike_cookies_sent_total", "COOKIE answers to IKE_SA_INIT (RFC 7296 2.6).",
		 offsetof(struct ike_engine_stats, cookies_sent)},
		{"vnetgw_ike_half_open_expired_total", "Half-open IKE SAs removed by their timeout.",
		 offsetof(struct ike_engine_stats, half_open_expired)},
		{"vnetgw_ike_dpd_dead_total", "Peers declared dead by DPD.",
		 offsetof(struct ike_engine_stats, dpd_dead)},
	};

	for (size_t k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		prom_family(p, ctr[k].name, PROM_COUNTER, ctr[k].help);
		prom_u64(p, ctr[k].name, NULL, 0,
			 *(const uint64_t *)((const char *)s + ctr[k].off));
	}
	prom_family(p, "vnetgw_ike_half_open", PROM_GAUGE,
		    "Half-open IKE SAs now (responder, IKE_AUTH not yet done).");
	prom_u64(p, "vnetgw_ike_half_open", NULL, 0, ike_engine_half_open(g->ike));
	prom_family(p, "vnetgw_ike_cookies_required", PROM_GAUGE,
		    "1 while IKE_SA_INIT requests must carry a COOKIE.");
	prom_u64(p, "vnetgw_ike_cookies_required", NULL, 0, ike_engine_cookies_required(g->ike));
}

struct gw_count {
	uint64_t n;
};

static int gw_count_route(const struct bgp_route_info *ri, void *arg)
{
	(void)ri;
	((struct gw_count *)arg)->n++;
	return 0;
}

static void gw_metrics_bgp(struct gw *g, struct prom *p)
{
	static const char *const fam[][2] = {
		{"vnetgw_bgp_peer_up", "1 when the BGP session with the peer is Established "
				       "(Azure: BGP Peer Status)."},
		{"vnetgw_bgp_routes_learned", "Prefixes accepted from the peer now (Azure: BGP "
					      "Routes Learned)."},
		{"vnetgw_bgp_routes_advertised", "Prefixes last advertised to the peer (Azure: BGP "
						 "Routes Advertised)."},
	};

	for (size_t f = 0; f < 3; f++) {
		prom_family(p, fam[f][0], PROM_GAUGE, fam[f][1]);
		for (struct gw_conn_state *cs = g->conns; cs; cs = cs->next) {
			struct gw_vnet_state *vs = gw_vnet_find(g, cs->vnet);
			struct bgp_peer_status st;
			char sub[64], rg[96], gwn[96], conn[96], peer[ADDR_STR_MAX];
			uint64_t v;

			if (!vs || !vs->bgp || !cs->bgp_peer_set ||
			    bgp_speaker_peer_status(gw_bgp_speaker(vs->bgp), cs->name, &st) != 0)
				continue;
			gw_id_part(cs->applied.ref, "subscriptions", sub, sizeof(sub));
			gw_id_part(cs->applied.ref, "resourceGroups", rg, sizeof(rg));
			gw_id_part(cs->applied.gw_ref, "virtualNetworkGateways", gwn, sizeof(gwn));
			gw_id_part(cs->applied.ref, "connections", conn, sizeof(conn));
			addr_print(&st.neighbor, peer, sizeof(peer));
			struct prom_label l[] = {
				{"subscription", sub}, {"resource_group", rg}, {"gateway", gwn},
				{"connection", conn}, {"peer", peer},
			};
			if (f == 0) {
				v = st.state == BGP_STATE_ESTABLISHED;
			} else if (f == 1) {
				v = st.routes_received;
			} else {
				struct gw_count c = {0};

				bgp_speaker_advertised_routes(gw_bgp_speaker(vs->bgp), cs->name,
							      gw_count_route, &c);
				v = c.n;
			}
			prom_u64(p, fam[f][0], l, 5, v);
		}
	}
}

char *gw_metrics(struct gw *g)
{
	struct gw_metric_conn *mc = calloc(g->n_conns ? g->n_conns : 1, sizeof(*mc));
	uint64_t now = clock_now_ns();
	struct prom p = {0};
	size_t n = 0;

	if (!mc)
		return NULL;
	for (struct gw_conn_state *cs = g->conns; cs && n < g->n_conns; cs = cs->next) {
		struct gw_metric_conn *m = &mc[n];
		uint64_t bytes;

		m->cs = cs;
		gw_id_part(cs->applied.ref, "subscriptions", m->sub, sizeof(m->sub));
		gw_id_part(cs->applied.ref, "resourceGroups", m->rg, sizeof(m->rg));
		gw_id_part(cs->applied.gw_ref, "virtualNetworkGateways", m->gw, sizeof(m->gw));
		gw_id_part(cs->applied.ref, "connections", m->conn, sizeof(m->conn));
		addr_print(&cs->applied.peer, m->remote, sizeof(m->remote));
		m->have_st = dp_conn_stats(g->dp, cs->dp_id, &m->st) == 0;
		m->have_info = ike_engine_conn_info(g->ike, cs->name, &m->info) == 0;
		bytes = m->st.bytes_in + m->st.bytes_out;
		if (m->have_st && cs->m_ns && now > cs->m_ns && bytes >= cs->m_bytes)
			m->bw = (double)(bytes - cs->m_bytes) * 1e9 / (double)(now - cs->m_ns);
		if (m->have_st) {
			cs->m_bytes = bytes;
			cs->m_ns = now;
		}
		n++;
	}
	gw_metrics_conns(&p, mc, n);
	gw_metrics_gateways(&p, mc, n);
	gw_metrics_ike(g, &p);
	gw_metrics_bgp(g, &p);
	free(mc);
	return prom_done(&p, NULL);
}

uint64_t gw_bgp_generation(const struct gw *g)
{
	return g->bgp_gen;
}
