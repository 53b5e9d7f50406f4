/* SPDX-License-Identifier: MIT */
/*
 * rib: Adj-RIB-In and Loc-RIB with the decision process (RFC 4271 9.1.2: one best route per
 * prefix, chosen again whenever a route to it comes or goes). Prefix lookups use the LPM trie
 * (lib/lpm) as an exact-match map.
 */
#include "bgp/rib.h"

#include <errno.h>
#include <stdlib.h>

struct bgp_rib {
	struct bgp_pathtab *paths;
	struct bgp_rib_ops ops;
	struct lpm *loc; /* prefix -> struct bgp_rib_entry */
};

struct bgp_rib *bgp_rib_new(struct bgp_pathtab *paths, const struct bgp_rib_ops *ops)
{
	struct bgp_rib *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->paths = paths;
	if (ops)
		r->ops = *ops;
	r->loc = lpm_new();
	if (!r->loc) {
		free(r);
		return NULL;
	}
	return r;
}

static int free_entry(const struct prefix *p, void *value, void *arg)
{
	struct bgp_rib_entry *e = value;
	struct bgp_rib *r = arg;

	while (e->routes) {
		struct bgp_route *rt = e->routes;

		e->routes = rt->next;
		bgp_path_unref(r->paths, rt->path);
		free(rt);
	}
	free(e);
	return 0;
}

void bgp_rib_free(struct bgp_rib *r)
{
	if (!r)
		return;
	lpm_walk(r->loc, free_entry, r);
	lpm_free(r->loc);
	free(r);
}

int bgp_rib_peer_init(struct bgp_rib_peer *peer)
{
	peer->adj_in = lpm_new();
	return peer->adj_in ? 0 : -ENOMEM;
}

void bgp_rib_peer_fini(struct bgp_rib *r, struct bgp_rib_peer *peer)
{
	if (!peer->adj_in)
		return;
	bgp_rib_peer_flush(r, peer);
	lpm_free(peer->adj_in);
	peer->adj_in = NULL;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

int bgp_rib_route_cmp(const struct bgp_route *a, const struct bgp_route *b)
{
	int c;

	if (a->peer->weight != b->peer->weight)
		return a->peer->weight > b->peer->weight ? -1 : 1;
	if ((c = cmp_u32(bgp_aspath_count(&a->path->a.aspath),
			 bgp_aspath_count(&b->path->a.aspath))))
		return c;
	if ((c = cmp_u32(a->path->a.origin, b->path->a.origin)))
		return c;
	if ((c = cmp_u32(a->peer->bgp_id, b->peer->bgp_id)))
		return c;
	return addr_compare(&a->peer->addr, &b->peer->addr);
}

static struct bgp_route *select_best(const struct bgp_rib_entry *e)
{
	struct bgp_route *best = NULL;

	for (struct bgp_route *rt = e->routes; rt; rt = rt->next)
		if (!best || bgp_rib_route_cmp(rt, best) < 0)
			best = rt;
	return best;
}

/* Choose again for e; report if the best route or its path changed (changed: path replaced). */
static void reselect(struct bgp_rib *r, struct bgp_rib_entry *e, bool path_changed_of,
		     const struct bgp_route *touched)
{
	struct bgp_route *old = e->best, *best = select_best(e);

	e->best = best;
	if (old == best && !(path_changed_of && best == touched))
		return;
	if (r->ops.best_changed)
		r->ops.best_changed(r->ops.ctx, &e->prefix, best);
}

int bgp_rib_announce(struct bgp_rib *r, struct bgp_rib_peer *peer, const struct prefix *pfx,
		     struct bgp_path *path)
{
	struct prefix p = *pfx;
	struct bgp_route *rt;
	struct bgp_rib_entry *e;
	bool created = false;

	prefix_mask(&p);
	rt = lpm_get(peer->adj_in, &p);
	if (rt) {
		struct bgp_path *old = rt->path;

		if (old == path)
			return 0;
		rt->path = bgp_path_ref(path);
		bgp_path_unref(r->paths, old);
		e = lpm_get(r->loc, &p);
		reselect(r, e, true, rt);
		return 0;
	}
	e = lpm_get(r->loc, &p);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || lpm_insert(r->loc, &p, e, NULL)) {
			free(e);
			return -ENOMEM;
		}
		e->prefix = p;
		created = true;
	}
	rt = calloc(1, sizeof(*rt));
	if (!rt || lpm_insert(peer->adj_in, &p, rt, NULL)) {
		free(rt);
		if (created) {
			lpm_remove(r->loc, &p, NULL);
			free(e);
		}
		return -ENOMEM;
	}
	rt->peer = peer;
	rt->prefix = p;
	rt->path = bgp_path_ref(path);
	rt->next = e->routes;
	e->routes = rt;
	reselect(r, e, false, rt);
	return 0;
}

int bgp_rib_withdraw(struct bgp_rib *r, struct bgp_rib_peer *peer, const struct prefix *pfx)
{
	struct prefix p = *pfx;
	struct bgp_route *rt, **pp;
	struct bgp_rib_entry *e;

	prefix_mask(&p);
	if (lpm_remove(peer->adj_in, &p, (void **)&rt))
		return -ENOENT;
	e = lpm_get(r->loc, &p);
	for (pp = &e->routes; *pp != rt; pp = &(*pp)->next)
		;
	*pp = rt->next;
	if (e->best == rt)
		e->best = NULL;
	bgp_path_unref(r->paths, rt->path);
	free(rt);
	if (!e->routes) {
		lpm_remove(r->loc, &p, NULL);
		if (r->ops.best_changed)
			r->ops.best_changed(r->ops.ctx, &p, NULL);
		free(e);
		return 0;
	}
	reselect(r, e, false, NULL);
	return 0;
}

/* Collect the peer's prefixes first: the walk must not see the table change. */
struct prefix_list {
	struct prefix *p;
	size_t n, cap;
};

static int collect(const struct prefix *p, void *value, void *arg)
{
	struct prefix_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct prefix *np = realloc(l->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		l->p = np;
		l->cap = cap;
	}
	l->p[l->n++] = *p;
	return 0;
}

void bgp_rib_peer_flush(struct bgp_rib *r, struct bgp_rib_peer *peer)
{
	/* Repeat: if memory ran short while collecting, the next round takes the rest. */
	while (lpm_count(peer->adj_in)) {
		struct prefix_list l = {0};

		lpm_walk(peer->adj_in, collect, &l);
		for (size_t i = 0; i < l.n; i++)
			bgp_rib_withdraw(r, peer, &l.p[i]);
		free(l.p);
		if (l.n == 0)
			break; /* no memory at all: give up rather than spin */
	}
}

void bgp_rib_peer_reselect(struct bgp_rib *r, struct bgp_rib_peer *peer)
{
	struct prefix_list l = {0};

	lpm_walk(peer->adj_in, collect, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct bgp_rib_entry *e = lpm_get(r->loc, &l.p[i]);

		if (e)
			reselect(r, e, false, NULL);
	}
	free(l.p);
}

bool bgp_rib_peer_has(const struct bgp_rib_peer *peer, const struct prefix *p)
{
	return lpm_get(peer->adj_in, p) != NULL;
}

size_t bgp_rib_peer_count(const struct bgp_rib_peer *peer)
{
	return peer->adj_in ? lpm_count(peer->adj_in) : 0;
}

const struct bgp_route *bgp_rib_best(const struct bgp_rib *r, const struct prefix *p)
{
	const struct bgp_rib_entry *e = lpm_get(r->loc, p);

	return e ? e->best : NULL;
}

size_t bgp_rib_count(const struct bgp_rib *r)
{
	return lpm_count(r->loc);
}

struct walk_ctx {
	int (*entry_fn)(const struct bgp_rib_entry *e, void *arg);
	int (*route_fn)(const struct bgp_route *rt, void *arg);
	void *arg;
};

static int walk_entry(const struct prefix *p, void *value, void *arg)
{
	struct walk_ctx *w = arg;

	return w->entry_fn(value, w->arg);
}

static int walk_route(const struct prefix *p, void *value, void *arg)
{
	struct walk_ctx *w = arg;

	return w->route_fn(value, w->arg);
}

int bgp_rib_walk(const struct bgp_rib *r, int (*fn)(const struct bgp_rib_entry *e, void *arg),
		 void *arg)
{
	struct walk_ctx w = {.entry_fn = fn, .arg = arg};

	return lpm_walk(r->loc, walk_entry, &w);
}

int bgp_rib_peer_walk(const struct bgp_rib_peer *peer,
		      int (*fn)(const struct bgp_route *rt, void *arg), void *arg)
{
	struct walk_ctx w = {.route_fn = fn, .arg = arg};

	return peer->adj_in ? lpm_walk(peer->adj_in, walk_route, &w) : 0;
}
