/* SPDX-License-Identifier: MIT */
/*
 * speaker: the public face of the BGP speaker (speaker.h). It keeps the peers, hands each
 * transport call to the right connection's FSM (a new connection to the peer's FSM when it has
 * none, else to a second FSM for collision resolution, RFC 4271 6.8), reaps the connections
 * that lost, reports state and route changes, and answers the status questions of the API.
 * Every entry point ends in speaker_settle(): reap, report, and send the UPDATEs pending.
 */
#include "bgp/speaker_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

void bgp_speaker_config_default(struct bgp_speaker_config *c)
{
	memset(c, 0, sizeof(*c));
	c->asn = BGP_DEFAULT_ASN;
	c->port = 179;
	c->hold_time_s = BGP_DEFAULT_HOLD_S;
	c->connect_retry_s = BGP_DEFAULT_CONNECT_RETRY_S;
	c->idle_hold_s = BGP_DEFAULT_IDLE_HOLD_S;
	c->max_prefix_restart_s = BGP_DEFAULT_MAX_PREFIX_RESTART_S;
}

void bgp_peer_config_default(struct bgp_peer_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_prefixes = BGP_DEFAULT_MAX_PREFIXES;
}

uint64_t bgp_now(const struct bgp_speaker *sp)
{
	return sp->ops.now ? sp->ops.now(sp->ops.ctx) : clock_now_ns();
}

void bgp_peer_log(const struct bgp_peer *p, enum log_level lvl, const char *fmt, ...)
{
	char addr[ADDR_STR_MAX], msg[512];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(lvl, BGP_LOG_CAT, "peer=%s %s AS%" PRIu32 ": %s", p->cfg.name,
		addr_print(&p->cfg.addr, addr, sizeof(addr)), p->cfg.asn, msg);
}

struct bgp_session *bgp_peer_sibling(const struct bgp_session *s)
{
	const struct bgp_peer *p = s->peer;

	return s == p->s ? p->coll : p->s;
}

/* ---- reporting ------------------------------------------------------------------------------ */

static void on_best_changed(void *ctx, const struct prefix *pfx, const struct bgp_route *best)
{
	struct bgp_speaker *sp = ctx;
	struct bgp_route_change ch = {.add = best != NULL, .prefix = *pfx};

	if (best) {
		ch.nexthop = best->path->a.nexthop;
		ch.peer = best->peer->name;
		ch.weight = best->peer->weight;
	}
	if (sp->ops.route)
		sp->ops.route(sp->ops.ctx, &ch);
	bgp_export_mark(sp, pfx);
}

static enum bgp_state peer_state(const struct bgp_peer *p)
{
	enum bgp_state st = p->s->state;

	if (p->coll && !p->coll->dead && p->coll->state > st)
		st = p->coll->state;
	return st;
}

void bgp_speaker_report_state(struct bgp_peer *p)
{
	struct bgp_speaker *sp = p->sp;
	enum bgp_state st = peer_state(p), old = p->reported;

	if (st == old)
		return;
	p->reported = st;
	if (sp->ops.peer_state)
		sp->ops.peer_state(sp->ops.ctx, p->cfg.name, old, st, p->reason);
}

void bgp_speaker_session_up(struct bgp_session *s)
{
	struct bgp_peer *p = s->peer;

	p->rib.bgp_id = s->remote_id;
	p->max_prefix_stopped = false;
	p->last_error[0] = '\0';
	s->established_at = bgp_now(p->sp);
	bgp_export_established(p);
}

void bgp_speaker_session_down(struct bgp_session *s, const char *why)
{
	struct bgp_peer *p = s->peer;
	uint64_t up = bgp_now(p->sp) - s->established_at;

	/* 8.1.1: a session that held for a hold time is no oscillation: restart soon. */
	if (up >= (uint64_t)(s->hold_s ? s->hold_s : BGP_DEFAULT_HOLD_S) * CLOCK_NS_PER_SEC)
		p->connect_retry_counter = 0;
	bgp_peer_log(p, LOG_LVL_INFO,
		     "session down after %" PRIu64 " s (%s): withdrawing %zu "
		     "routes",
		     (uint64_t)(up / CLOCK_NS_PER_SEC), why, bgp_rib_peer_count(&p->rib));
	s->established_at = 0;
	bgp_rib_peer_flush(p->sp->rib, &p->rib);
	bgp_export_reset(p);
}

/* Free lost connections, promote a surviving second one, report state changes, send. */
static void speaker_settle(struct bgp_speaker *sp)
{
	for (struct bgp_peer *p = sp->peers; p; p = p->next) {
		if (p->coll && p->coll->dead) {
			bgp_session_free(p->coll);
			p->coll = NULL;
		}
		if (p->s->dead && p->coll) {
			bgp_session_free(p->s);
			p->s = p->coll;
			p->coll = NULL;
		}
		p->s->dead = false; /* the peer's last FSM stays, Idle */
		bgp_speaker_report_state(p);
	}
	bgp_export_flush(sp);
}

/* ---- speaker and peers ------------------------------------------------------------------ */

int bgp_speaker_new(struct bgp_speaker **out, const struct bgp_speaker_config *cfg,
		    const struct bgp_speaker_ops *ops)
{
	struct bgp_rib_ops rops;
	struct bgp_speaker *sp;

	*out = NULL;
	if (!cfg->router_id || !cfg->asn || cfg->asn == BGP_AS_TRANS ||
	    (cfg->local.family != AF_INET && cfg->local.family != AF_INET6) ||
	    cfg->hold_time_s == 1 || cfg->hold_time_s == 2 || !ops->connect || !ops->send ||
	    !ops->close)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->cfg = *cfg;
	sp->ops = *ops;
	if (!sp->cfg.port)
		sp->cfg.port = 179;
	if (sp->cfg.local6.family != AF_INET6 && sp->cfg.local.family == AF_INET6)
		sp->cfg.local6 = sp->cfg.local;
	rops.ctx = sp;
	rops.best_changed = on_best_changed;
	sp->paths = bgp_pathtab_new();
	sp->rib = sp->paths ? bgp_rib_new(sp->paths, &rops) : NULL;
	sp->local_set = lpm_new();
	sp->upd = calloc(1, sizeof(*sp->upd));
	if (!sp->rib || !sp->local_set || !sp->upd || bgp_export_local_paths(sp)) {
		bgp_speaker_free(sp);
		return -ENOMEM;
	}
	*out = sp;
	return 0;
}

static void peer_free(struct bgp_peer *p)
{
	bgp_rib_peer_fini(p->sp->rib, &p->rib);
	bgp_export_peer_fini(p);
	bgp_session_free(p->s);
	bgp_session_free(p->coll);
	free(p);
}

static void peer_stop(struct bgp_peer *p, uint8_t cease, const char *why)
{
	struct bgp_error *e = &p->sp->err;
	struct bgp_fsm_arg arg = {.err = e, .why = why};

	bgp_error_set(e, BGP_ERR_CEASE, cease, "%s", why);
	if (p->coll)
		bgp_fsm_event(p->coll, BGP_EV_MANUAL_STOP, &arg);
	bgp_fsm_event(p->s, BGP_EV_MANUAL_STOP, &arg);
}

void bgp_speaker_free(struct bgp_speaker *sp)
{
	if (!sp)
		return;
	while (sp->peers) {
		struct bgp_peer *p = sp->peers;

		peer_stop(p, BGP_CEASE_PEER_DECONFIG, "speaker going away");
		sp->peers = p->next;
		peer_free(p);
	}
	bgp_path_unref(sp->paths, sp->local_path4);
	bgp_path_unref(sp->paths, sp->local_path6);
	bgp_rib_free(sp->rib);
	bgp_pathtab_free(sp->paths);
	lpm_free(sp->local_set);
	free(sp->local);
	free(sp->upd);
	free(sp);
}

static struct bgp_peer *peer_find(const struct bgp_speaker *sp, const char *name)
{
	for (struct bgp_peer *p = sp->peers; p; p = p->next)
		if (strcmp(p->cfg.name, name) == 0)
			return p;
	return NULL;
}

static struct bgp_peer *peer_find_addr(const struct bgp_speaker *sp, const struct addr *a)
{
	struct addr x = *a;

	addr_unmap(&x); /* an IPv4 peer on a dual-stack socket */
	for (struct bgp_peer *p = sp->peers; p; p = p->next)
		if (addr_equal(&p->cfg.addr, &x))
			return p;
	return NULL;
}

static int peer_config_check(const struct bgp_speaker *sp, const struct bgp_peer_config *pc)
{
	if (!pc->name[0] || memchr(pc->name, '\0', sizeof(pc->name)) == NULL)
		return -EINVAL;
	if (pc->addr.family != sp->cfg.local.family || addr_is_unspecified(&pc->addr))
		return -EINVAL;
	if (!pc->asn || pc->asn == sp->cfg.asn || pc->hold_time_s == 1 || pc->hold_time_s == 2)
		return -EINVAL;
	if (!sp->cfg.allow_reserved_peer_asn && bgp_asn_reserved(pc->asn))
		return -EINVAL;
	return 0;
}

static void peer_start(struct bgp_peer *p)
{
	bgp_fsm_event(p->s, p->cfg.passive ? BGP_EV_MANUAL_START_PASSIVE : BGP_EV_MANUAL_START,
		      NULL);
}

int bgp_speaker_peer_add(struct bgp_speaker *sp, const struct bgp_peer_config *pc)
{
	struct bgp_peer *p, **tail;
	int r = peer_config_check(sp, pc);

	if (r)
		return r;
	if (peer_find(sp, pc->name) || peer_find_addr(sp, &pc->addr))
		return -EEXIST;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sp = sp;
	p->cfg = *pc;
	if (!p->cfg.max_prefixes)
		p->cfg.max_prefixes = BGP_DEFAULT_MAX_PREFIXES;
	p->rib.name = p->cfg.name;
	p->rib.addr = p->cfg.addr;
	p->rib.weight = p->cfg.weight;
	p->s = bgp_session_new(p);
	if (!p->s || bgp_rib_peer_init(&p->rib) || bgp_export_peer_init(p)) {
		peer_free(p);
		return -ENOMEM;
	}
	for (tail = &sp->peers; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	bgp_peer_log(p, LOG_LVL_INFO, "added (weight %u, max %u prefixes%s)", p->cfg.weight,
		     p->cfg.max_prefixes, p->cfg.passive ? ", passive" : "");
	peer_start(p);
	speaker_settle(sp);
	return 0;
}

int bgp_speaker_peer_update(struct bgp_speaker *sp, const struct bgp_peer_config *pc)
{
	struct bgp_peer *p = peer_find(sp, pc->name), *o;
	int r = peer_config_check(sp, pc);

	if (!p)
		return -ENOENT;
	if (r)
		return r;
	o = peer_find_addr(sp, &pc->addr);
	if (o && o != p)
		return -EEXIST;
	if (!addr_equal(&p->cfg.addr, &pc->addr) || p->cfg.asn != pc->asn ||
	    p->cfg.passive != pc->passive || p->cfg.hold_time_s != pc->hold_time_s) {
		peer_stop(p, BGP_CEASE_CONFIG_CHANGE, "configuration changed");
		speaker_settle(sp);
		p->cfg = *pc;
		p->rib.addr = pc->addr;
		p->rib.weight = pc->weight;
		if (!p->cfg.max_prefixes)
			p->cfg.max_prefixes = BGP_DEFAULT_MAX_PREFIXES;
		peer_start(p);
		speaker_settle(sp);
		return 0;
	}
	p->cfg.max_prefixes = pc->max_prefixes ? pc->max_prefixes : BGP_DEFAULT_MAX_PREFIXES;
	if (p->cfg.weight != pc->weight) {
		p->cfg.weight = p->rib.weight = pc->weight;
		bgp_rib_peer_reselect(sp->rib, &p->rib);
	}
	if (bgp_rib_peer_count(&p->rib) > p->cfg.max_prefixes) {
		struct bgp_error *e = &sp->err;
		struct bgp_fsm_arg arg = {.err = e};
		struct buf w;

		bgp_error_set(e, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX, "limit lowered to %u",
			      p->cfg.max_prefixes);
		buf_init_write(&w, e->data, sizeof(e->data));
		bgp_msg_max_prefix_data(&w, BGP_AFI_IPV4, BGP_SAFI_UNICAST, p->cfg.max_prefixes);
		e->data_len = (uint16_t)buf_left(&w);
		/* Routes are held only while a session is Established. */
		if (p->s->state == BGP_STATE_ESTABLISHED)
			bgp_fsm_event(p->s, BGP_EV_AUTOMATIC_STOP, &arg);
		else if (p->coll)
			bgp_fsm_event(p->coll, BGP_EV_AUTOMATIC_STOP, &arg);
	}
	speaker_settle(sp);
	return 0;
}

int bgp_speaker_peer_remove(struct bgp_speaker *sp, const char *name)
{
	struct bgp_peer *p = peer_find(sp, name), **pp;

	if (!p)
		return -ENOENT;
	peer_stop(p, BGP_CEASE_PEER_DECONFIG, "peer removed");
	for (pp = &sp->peers; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	if (sp->ops.peer_state && p->reported != BGP_STATE_IDLE)
		sp->ops.peer_state(sp->ops.ctx, p->cfg.name, p->reported, BGP_STATE_IDLE,
				   "peer removed");
	bgp_peer_log(p, LOG_LVL_INFO, "removed");
	peer_free(p);
	speaker_settle(sp);
	return 0;
}

int bgp_speaker_peer_reset(struct bgp_speaker *sp, const char *name)
{
	struct bgp_peer *p = peer_find(sp, name);

	if (!p)
		return -ENOENT;
	peer_stop(p, BGP_CEASE_ADMIN_RESET, "reset");
	speaker_settle(sp);
	p->max_prefix_stopped = false;
	peer_start(p);
	speaker_settle(sp);
	return 0;
}

static bool vnet_set_equal(const struct bgp_local_prefix *a, size_t na,
			   const struct bgp_local_prefix *b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		if (!a[i].vnet)
			continue;
		for (j = 0; j < nb; j++)
			if (b[j].vnet && prefix_equal(&a[i].prefix, &b[j].prefix))
				break;
		if (j == nb)
			return false;
	}
	return true;
}

int bgp_speaker_set_local_prefixes(struct bgp_speaker *sp, const struct bgp_local_prefix *list,
				   size_t n)
{
	struct bgp_local_prefix *nl = calloc(n ? n : 1, sizeof(*nl)), *old = sp->local;
	struct lpm *set = lpm_new();
	size_t n_old = sp->n_local;
	bool vnet_changed;

	if (!nl || !set) {
		free(nl);
		lpm_free(set);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		nl[i] = list[i];
		prefix_mask(&nl[i].prefix);
		if (lpm_insert(set, &nl[i].prefix, &nl[i], NULL)) {
			free(nl);
			lpm_free(set);
			return -ENOMEM;
		}
	}
	vnet_changed = !vnet_set_equal(old, n_old, nl, n) || !vnet_set_equal(nl, n, old, n_old);
	lpm_free(sp->local_set);
	sp->local_set = set;
	sp->local = nl;
	sp->n_local = n;
	for (size_t i = 0; i < n_old; i++)
		bgp_export_mark(sp, &old[i].prefix);
	for (size_t i = 0; i < n; i++)
		bgp_export_mark(sp, &nl[i].prefix);
	free(old);
	for (struct bgp_peer *p = sp->peers; p; p = p->next) {
		struct bgp_session *s = p->s;

		bgp_import_recheck(p);
		/* Routes refused under the old VNet prefixes may be good now: ask again. */
		if (vnet_changed && s->state == BGP_STATE_ESTABLISHED && s->refresh) {
			if (s->afi4)
				bgp_session_send_refresh(s, BGP_AFI_IPV4);
			if (s->afi6)
				bgp_session_send_refresh(s, BGP_AFI_IPV6);
		}
	}
	speaker_settle(sp);
	return 0;
}

/* ---- the transport's calls -------------------------------------------------------------- */

static struct bgp_session *session_find(const struct bgp_speaker *sp, uint32_t conn)
{
	if (!conn)
		return NULL;
	for (struct bgp_peer *p = sp->peers; p; p = p->next) {
		if (p->s->conn == conn)
			return p->s;
		if (p->coll && p->coll->conn == conn)
			return p->coll;
	}
	return NULL;
}

int bgp_speaker_accept(struct bgp_speaker *sp, const struct addr *local, const struct addr *remote,
		       uint32_t *conn)
{
	struct bgp_peer *p = peer_find_addr(sp, remote);
	struct bgp_session *s;
	char ab[ADDR_STR_MAX];

	if (!p) {
		log_info(BGP_LOG_CAT, "connection from %s refused: no such peer",
			 addr_print(remote, ab, sizeof(ab)));
		return -ENOENT;
	}
	/* 8.2.2: Idle refuses connections; a third one while two are open is refused too. */
	if (p->s->state == BGP_STATE_IDLE || p->coll) {
		bgp_peer_log(p, LOG_LVL_INFO, "incoming connection refused (%s)",
			     p->coll ? "two connections already" : "Idle");
		return -ECONNREFUSED;
	}
	if (p->s->state == BGP_STATE_ACTIVE && !p->s->conn) {
		s = p->s;
	} else {
		/* A second FSM, listening, for the collision (8: one per connection). */
		s = p->coll = bgp_session_new(p);
		if (!s)
			return -ENOMEM;
		s->state = BGP_STATE_ACTIVE;
	}
	if (++sp->next_conn == 0)
		sp->next_conn = 1;
	s->conn = *conn = sp->next_conn;
	s->outgoing = false;
	bgp_stream_init(&s->stream);
	bgp_fsm_event(s, BGP_EV_TCP_CONNECTION_CONFIRMED, NULL);
	speaker_settle(sp);
	return 0;
}

void bgp_speaker_connected(struct bgp_speaker *sp, uint32_t conn)
{
	struct bgp_session *s = session_find(sp, conn);

	if (!s)
		return;
	bgp_fsm_event(s, BGP_EV_TCP_CR_ACKED, NULL);
	speaker_settle(sp);
}

void bgp_speaker_closed(struct bgp_speaker *sp, uint32_t conn)
{
	struct bgp_session *s = session_find(sp, conn);

	if (!s)
		return;
	/* The transport has let it go already: nothing to close. */
	s->conn = 0;
	bgp_fsm_event(s, BGP_EV_TCP_CONNECTION_FAILS, NULL);
	speaker_settle(sp);
}

void bgp_speaker_input(struct bgp_speaker *sp, uint32_t conn, const uint8_t *data, size_t len)
{
	struct bgp_session *s = session_find(sp, conn);

	if (!s)
		return;
	bgp_session_input(s, data, len);
	speaker_settle(sp);
}

static void run_session_timers(struct bgp_session *s, uint64_t now)
{
	/* Bounded: each event stops its timer; a handler may arm others, not in the past. */
	for (int i = 0; i < 8 && s && !s->dead; i++) {
		enum bgp_event ev = bgp_timers_due(s, now);

		if (!ev)
			return;
		bgp_fsm_event(s, ev, NULL);
	}
}

void bgp_speaker_run_timers(struct bgp_speaker *sp)
{
	uint64_t now = bgp_now(sp);

	for (struct bgp_peer *p = sp->peers; p; p = p->next) {
		run_session_timers(p->s, now);
		run_session_timers(p->coll, now);
	}
	speaker_settle(sp);
}

uint64_t bgp_speaker_next_deadline(const struct bgp_speaker *sp)
{
	uint64_t best = 0;

	for (const struct bgp_peer *p = sp->peers; p; p = p->next) {
		const struct bgp_session *ss[2] = {p->s, p->coll};

		for (int i = 0; i < 2; i++) {
			uint64_t t = ss[i] ? bgp_timers_next(ss[i]) : 0;

			if (t && (!best || t < best))
				best = t;
		}
	}
	return best;
}

/* ---- status ------------------------------------------------------------------------------- */

static void peer_status(const struct bgp_peer *p, struct bgp_peer_status *st)
{
	const struct bgp_session *up = p->s->state == BGP_STATE_ESTABLISHED ? p->s
				       : p->coll && p->coll->state == BGP_STATE_ESTABLISHED
					       ? p->coll
					       : NULL;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", p->cfg.name);
	st->local_address = p->sp->cfg.local;
	st->neighbor = p->cfg.addr;
	st->asn = p->cfg.asn;
	st->state = peer_state(p);
	if (up) {
		st->connected_duration_s = (bgp_now(p->sp) - up->established_at) / CLOCK_NS_PER_SEC;
		st->remote_id = up->remote_id;
		st->hold_time_s = up->hold_s;
	}
	st->routes_received = (uint32_t)bgp_rib_peer_count(&p->rib);
	st->messages_sent = p->msgs_sent;
	st->messages_received = p->msgs_rcvd;
	st->routes_refused = p->routes_refused;
	st->updates_withdrawn = p->updates_withdrawn;
	snprintf(st->last_error, sizeof(st->last_error), "%s", p->last_error);
}

int bgp_speaker_peer_status(const struct bgp_speaker *sp, const char *name,
			    struct bgp_peer_status *st)
{
	const struct bgp_peer *p = peer_find(sp, name);

	if (!p)
		return -ENOENT;
	peer_status(p, st);
	return 0;
}

size_t bgp_speaker_peers(const struct bgp_speaker *sp, struct bgp_peer_status *out, size_t max)
{
	size_t n = 0;

	for (const struct bgp_peer *p = sp->peers; p; p = p->next, n++)
		if (n < max)
			peer_status(p, &out[n]);
	return n;
}

struct route_walk {
	const struct bgp_speaker *sp;
	bgp_route_fn fn;
	void *arg;
	const struct bgp_rib_entry *e;
	const struct bgp_peer *peer;
};

static void route_info(struct bgp_route_info *ri, const struct prefix *pfx,
		       const struct bgp_path *path)
{
	memset(ri, 0, sizeof(*ri));
	ri->network = *pfx;
	ri->next_hop = path->a.nexthop;
	bgp_aspath_print(&path->a.aspath, ri->as_path, sizeof(ri->as_path));
}

static int learned_entry(const struct bgp_rib_entry *e, void *arg)
{
	struct route_walk *w = arg;

	for (const struct bgp_route *rt = e->routes; rt; rt = rt->next) {
		struct bgp_route_info ri;
		int r;

		route_info(&ri, &e->prefix, rt->path);
		ri.source_peer = rt->peer->addr;
		snprintf(ri.peer_name, sizeof(ri.peer_name), "%s", rt->peer->name);
		ri.origin = BGP_ROUTE_EBGP;
		ri.weight = rt->peer->weight;
		ri.best = rt == e->best;
		if ((r = w->fn(&ri, w->arg)))
			return r;
	}
	return 0;
}

int bgp_speaker_learned_routes(const struct bgp_speaker *sp, bgp_route_fn fn, void *arg)
{
	struct route_walk w = {.sp = sp, .fn = fn, .arg = arg};
	int r;

	for (size_t i = 0; i < sp->n_local; i++) {
		struct bgp_route_info ri;

		memset(&ri, 0, sizeof(ri));
		ri.network = sp->local[i].prefix;
		ri.source_peer = sp->cfg.local;
		ri.origin = BGP_ROUTE_NETWORK;
		ri.weight = 32768; /* Azure shows its own routes with weight 32768 */
		ri.best = true;
		if ((r = fn(&ri, arg)))
			return r;
	}
	return bgp_rib_walk(sp->rib, learned_entry, &w);
}

static int advertised_one(const struct prefix *pfx, void *value, void *arg)
{
	struct route_walk *w = arg;
	struct bgp_route_info ri;

	route_info(&ri, pfx, value);
	ri.source_peer = w->sp->cfg.local;
	snprintf(ri.peer_name, sizeof(ri.peer_name), "%s", w->peer->cfg.name);
	ri.origin = lpm_get(w->sp->local_set, pfx) ? BGP_ROUTE_NETWORK : BGP_ROUTE_EBGP;
	ri.best = true;
	return w->fn(&ri, w->arg);
}

int bgp_speaker_advertised_routes(const struct bgp_speaker *sp, const char *peer, bgp_route_fn fn,
				  void *arg)
{
	const struct bgp_peer *p = peer_find(sp, peer);
	struct route_walk w = {.sp = sp, .fn = fn, .arg = arg, .peer = p};

	if (!p)
		return -ENOENT;
	return p->adj_out ? lpm_walk(p->adj_out, advertised_one, &w) : 0;
}
