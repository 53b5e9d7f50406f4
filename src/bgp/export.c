/* SPDX-License-Identifier: MIT */
/*
 * export: the Adj-RIB-Out of each peer (RFC 4271 3.2, 9.2) and the UPDATEs that keep it. What a
 * peer is sent for a prefix: our local prefix if it is one, else the Loc-RIB's best route when
 * it came from another peer and the export policy allows it (transit), as we pass it on to an
 * external peer (9.1.3, 5.1): our AS prepended, NEXT_HOP ourselves, no MED (5.1.4) and no
 * LOCAL_PREF (5.1.5), the rest kept (unknown transitive attributes with Partial set).
 *
 * Changes mark prefixes pending; bgp_export_flush compares each with what was sent and packs
 * the differences, grouped by path, into as few UPDATEs as fit. There is no
 * MinRouteAdvertisementInterval (9.2.1.1): a change goes out at once.
 */
#include "bgp/speaker_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PENDING ((void *)(uintptr_t)1)

int bgp_export_peer_init(struct bgp_peer *p)
{
	p->adj_out = lpm_new();
	p->pending = lpm_new();
	return p->adj_out && p->pending ? 0 : -ENOMEM;
}

static int unref_value(const struct prefix *pfx, void *value, void *arg)
{
	bgp_path_unref(arg, value);
	return 0;
}

void bgp_export_peer_fini(struct bgp_peer *p)
{
	if (p->adj_out)
		lpm_walk(p->adj_out, unref_value, p->sp->paths);
	lpm_free(p->adj_out);
	lpm_free(p->pending);
	p->adj_out = p->pending = NULL;
}

void bgp_export_reset(struct bgp_peer *p)
{
	bgp_export_peer_fini(p);
	if (bgp_export_peer_init(p))
		bgp_peer_log(p, LOG_LVL_ERR, "out of memory for the Adj-RIB-Out");
}

static const struct bgp_session *established(const struct bgp_peer *p)
{
	if (p->s && !p->s->dead && p->s->state == BGP_STATE_ESTABLISHED)
		return p->s;
	if (p->coll && !p->coll->dead && p->coll->state == BGP_STATE_ESTABLISHED)
		return p->coll;
	return NULL;
}

static void mark_peer(struct bgp_peer *p, const struct prefix *pfx)
{
	if (p->pending && lpm_insert(p->pending, pfx, PENDING, NULL))
		bgp_peer_log(p, LOG_LVL_ERR, "out of memory marking a prefix to export");
}

void bgp_export_mark(struct bgp_speaker *sp, const struct prefix *pfx)
{
	for (struct bgp_peer *p = sp->peers; p; p = p->next)
		if (established(p))
			mark_peer(p, pfx);
}

static int mark_entry(const struct bgp_rib_entry *e, void *arg)
{
	mark_peer(arg, &e->prefix);
	return 0;
}

void bgp_export_established(struct bgp_peer *p)
{
	struct bgp_speaker *sp = p->sp;

	for (size_t i = 0; i < sp->n_local; i++)
		mark_peer(p, &sp->local[i].prefix);
	bgp_rib_walk(sp->rib, mark_entry, p);
}

/* ---- the paths we send ------------------------------------------------------------------ */

static const struct addr *our_nexthop(const struct bgp_speaker *sp, int family)
{
	const struct addr *a = family == AF_INET6 ? &sp->cfg.local6 : &sp->cfg.local;

	return a->family == family ? a : NULL;
}

/* a with our AS prepended (RFC 4271 5.1.2: to the leftmost AS_SEQUENCE, or a new one). */
static struct bgp_path *path_with_us(struct bgp_speaker *sp, const struct bgp_attrs *a,
				     const struct addr *nh)
{
	struct bgp_as_seg segs[BGP_ASPATH_MAX_SEGS + 1];
	uint32_t as[BGP_ASPATH_MAX_AS + 1];
	struct bgp_attrs x = *a;
	const struct bgp_aspath *in = &a->aspath;

	if (in->n_segs >= BGP_ASPATH_MAX_SEGS || in->n_as >= BGP_ASPATH_MAX_AS)
		return NULL;
	as[0] = sp->cfg.asn;
	memcpy(as + 1, in->as, in->n_as * sizeof(as[0]));
	if (in->n_segs && in->segs[0].type == BGP_ASSEG_SEQUENCE && in->segs[0].n < 255) {
		memcpy(segs, in->segs, in->n_segs * sizeof(segs[0]));
		segs[0].n++;
		x.aspath.n_segs = in->n_segs;
	} else {
		segs[0].type = BGP_ASSEG_SEQUENCE;
		segs[0].n = 1;
		memcpy(segs + 1, in->segs, in->n_segs * sizeof(segs[0]));
		x.aspath.n_segs = (uint16_t)(in->n_segs + 1);
	}
	x.aspath.segs = segs;
	x.aspath.as = as;
	x.aspath.n_as = (uint16_t)(in->n_as + 1);
	x.nexthop = *nh;
	x.have &= ~(BGP_HAVE(BGP_ATTR_MED) | BGP_HAVE(BGP_ATTR_LOCAL_PREF));
	return bgp_path_get(sp->paths, &x);
}

/* What we send on for a learned path, cached on it. */
static struct bgp_path *exported(struct bgp_speaker *sp, struct bgp_path *src)
{
	const struct addr *nh = our_nexthop(sp, src->a.nexthop.family);

	if (!nh)
		return NULL;
	if (!src->exported) {
		src->exported = path_with_us(sp, &src->a, nh);
		if (src->exported == src) { /* cannot happen: src has no AS of ours */
			bgp_path_unref(sp->paths, src->exported);
			src->exported = NULL;
		}
	}
	return src->exported;
}

int bgp_export_local_paths(struct bgp_speaker *sp)
{
	struct bgp_as_seg seg = {.type = BGP_ASSEG_SEQUENCE, .n = 1};
	uint32_t asn = sp->cfg.asn;
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
			BGP_HAVE(BGP_ATTR_NEXT_HOP),
		.origin = BGP_ORIGIN_IGP,
		.aspath = {.segs = &seg, .as = &asn, .n_segs = 1, .n_as = 1},
	};
	const struct addr *nh4 = our_nexthop(sp, AF_INET), *nh6 = our_nexthop(sp, AF_INET6);

	bgp_path_unref(sp->paths, sp->local_path4);
	bgp_path_unref(sp->paths, sp->local_path6);
	sp->local_path4 = sp->local_path6 = NULL;
	if (nh4) {
		a.nexthop = *nh4;
		if (!(sp->local_path4 = bgp_path_get(sp->paths, &a)))
			return -ENOMEM;
	}
	if (nh6) {
		a.nexthop = *nh6;
		if (!(sp->local_path6 = bgp_path_get(sp->paths, &a)))
			return -ENOMEM;
	}
	return 0;
}

static bool afi_on(const struct bgp_session *s, int family)
{
	return family == AF_INET ? s->afi4 : s->afi6;
}

/* What p should have been sent for pfx (no reference), NULL: nothing. */
static struct bgp_path *desired(struct bgp_peer *p, const struct bgp_session *s,
				const struct prefix *pfx)
{
	struct bgp_speaker *sp = p->sp;
	const struct bgp_route *best;

	if (!afi_on(s, pfx->addr.family))
		return NULL;
	if (lpm_get(sp->local_set, pfx))
		return pfx->len ? (pfx->addr.family == AF_INET ? sp->local_path4 : sp->local_path6)
				: NULL;
	best = bgp_rib_best(sp->rib, pfx);
	/* Never back to the peer it came from. */
	if (!best || best->peer == &p->rib || !bgp_policy_export_ok(pfx, &best->path->a))
		return NULL;
	return exported(sp, best->path);
}

struct collect {
	struct prefix *list;
	size_t n, cap;
	int family; /* 0: all */
};

static int collect_prefix(const struct prefix *pfx, void *value, void *arg)
{
	struct collect *c = arg;

	if (c->family && pfx->addr.family != c->family)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct prefix *np = realloc(c->list, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->list = np;
		c->cap = cap;
	}
	c->list[c->n++] = *pfx;
	return 0;
}

void bgp_export_refresh(struct bgp_peer *p, uint16_t afi)
{
	struct collect c = {.family = afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET};

	/* Forget what was sent for afi: the next flush sends it all again. */
	lpm_walk(p->adj_out, collect_prefix, &c);
	for (size_t i = 0; i < c.n; i++) {
		void *old = NULL;

		lpm_remove(p->adj_out, &c.list[i], &old);
		bgp_path_unref(p->sp->paths, old);
		mark_peer(p, &c.list[i]);
	}
	bgp_peer_log(p, LOG_LVL_INFO, "ROUTE-REFRESH for AFI %u: %zu prefixes sent again", afi,
		     c.n);
	free(c.list);
}

/* ---- sending ------------------------------------------------------------------------------ */

struct change {
	struct prefix pfx;
	struct bgp_path *path; /* NULL: withdraw */
};

static int change_cmp(const void *x, const void *y)
{
	const struct change *a = x, *b = y;

	if (a->pfx.addr.family != b->pfx.addr.family)
		return a->pfx.addr.family < b->pfx.addr.family ? -1 : 1;
	if (a->path != b->path)
		return (uintptr_t)a->path < (uintptr_t)b->path ? -1 : 1;
	return prefix_compare(&a->pfx, &b->pfx);
}

/* Send prefixes [0, n) of one family, all withdrawals (path NULL) or all with path. */
static int send_run(struct bgp_session *s, const struct prefix *list, size_t n,
		    const struct bgp_path *path)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct bgp_update_out u = {
		.afi = list[0].addr.family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
		.as4 = s->as4,
		.attrs = path ? &path->a : NULL,
	};

	while (n) {
		size_t wd, nl;
		struct buf w;
		int r;

		if (path) {
			u.nlri = list;
			u.n_nlri = n;
		} else {
			u.withdrawn = list;
			u.n_withdrawn = n;
		}
		buf_init_write(&w, sp->out, sizeof(sp->out));
		r = bgp_update_build(&w, &u, &wd, &nl);
		if (r) {
			char pb[PREFIX_STR_MAX];

			/* A path too long for one message: this prefix cannot be sent. */
			bgp_peer_log(s->peer, LOG_LVL_WARN, "cannot build an UPDATE for %s: %d",
				     prefix_print(&list[0], pb, sizeof(pb)), r);
			list++;
			n--;
			continue;
		}
		if ((r = bgp_session_send(s, &w)))
			return r;
		bgp_timers_message_sent(s);
		list += wd + nl;
		n -= wd + nl;
	}
	return 0;
}

static void flush_peer(struct bgp_peer *p, struct bgp_session *s)
{
	struct bgp_speaker *sp = p->sp;
	struct collect c = {0};
	struct change *ch;
	struct prefix *run;
	size_t n = 0;

	lpm_walk(p->pending, collect_prefix, &c);
	lpm_free(p->pending);
	p->pending = lpm_new();
	ch = calloc(c.n ? c.n : 1, sizeof(*ch));
	run = calloc(c.n ? c.n : 1, sizeof(*run));
	if (!ch || !run || !p->pending) {
		bgp_peer_log(p, LOG_LVL_ERR, "out of memory exporting %zu prefixes", c.n);
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct bgp_path *want = desired(p, s, &c.list[i]);
		struct bgp_path *cur = lpm_get(p->adj_out, &c.list[i]);
		void *old = NULL;

		if (want == cur)
			continue;
		if (want) {
			if (lpm_insert(p->adj_out, &c.list[i], bgp_path_ref(want), &old)) {
				bgp_path_unref(sp->paths, want);
				continue;
			}
		} else {
			lpm_remove(p->adj_out, &c.list[i], &old);
		}
		bgp_path_unref(sp->paths, old);
		ch[n].pfx = c.list[i];
		ch[n].path = want;
		n++;
	}
	qsort(ch, n, sizeof(*ch), change_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i, k = 0;

		while (j < n && ch[j].path == ch[i].path &&
		       ch[j].pfx.addr.family == ch[i].pfx.addr.family)
			run[k++] = ch[j++].pfx;
		if (send_run(s, run, k, ch[i].path))
			break; /* the connection is gone; the FSM hears it from the transport */
		i = j;
	}
out:
	free(ch);
	free(run);
	free(c.list);
}

void bgp_export_flush(struct bgp_speaker *sp)
{
	for (struct bgp_peer *p = sp->peers; p; p = p->next) {
		struct bgp_session *s = (struct bgp_session *)established(p);

		if (s && p->pending && lpm_count(p->pending))
			flush_peer(p, s);
	}
}
