/* SPDX-License-Identifier: MIT */
/*
 * path: the table of interned attribute sets, a chained hash over every attribute value.
 * A path is one allocation: the struct, then its ASNs, communities, segments and the bytes of
 * the unknown transitive attributes.
 */
#include "bgp/path.h"

#include <stdlib.h>
#include <string.h>

#define PATHTAB_BUCKETS 4096

struct bgp_pathtab {
	struct bgp_path *b[PATHTAB_BUCKETS];
	size_t count;
};

struct bgp_pathtab *bgp_pathtab_new(void)
{
	return calloc(1, sizeof(struct bgp_pathtab));
}

static void path_free(struct bgp_pathtab *t, struct bgp_path *p);

void bgp_pathtab_free(struct bgp_pathtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < PATHTAB_BUCKETS; i++) {
		while (t->b[i]) {
			struct bgp_path *p = t->b[i];

			t->b[i] = p->hnext;
			/* exported paths are in the table too: do not follow the reference */
			p->exported = NULL;
			free(p);
		}
	}
	free(t);
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	/* FNV-1a over the four bytes of v */
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return h;
}

/* a with everything a->have does not name cleared, so equal routes compare equal. */
static void normalise(struct bgp_attrs *n, const struct bgp_attrs *a)
{
	memset(n, 0, sizeof(*n));
	n->have = a->have;
	n->origin = a->origin;
	n->aspath = a->aspath;
	n->nexthop = a->nexthop;
	if (a->have & BGP_HAVE(BGP_ATTR_MED))
		n->med = a->med;
	if (a->have & BGP_HAVE(BGP_ATTR_LOCAL_PREF))
		n->local_pref = a->local_pref;
	if (a->have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) {
		n->aggr_as = a->aggr_as;
		n->aggr_addr = a->aggr_addr;
	}
	if (a->have & BGP_HAVE(BGP_ATTR_COMMUNITIES)) {
		n->communities = a->communities;
		n->n_communities = a->n_communities;
	}
	n->other = a->other;
	n->other_len = a->other_len;
}

static uint32_t attrs_hash(const struct bgp_attrs *a)
{
	uint32_t h = 2166136261u;
	struct buf o;
	uint8_t byte;

	h = mix(h, a->have);
	h = mix(h, a->origin);
	h = mix(h, a->med);
	h = mix(h, a->local_pref);
	h = mix(h, a->aggr_as);
	h = mix(h, (uint32_t)a->nexthop.family);
	for (size_t i = 0; i < sizeof(a->nexthop.bytes) / 4; i++) {
		struct buf nb;
		uint32_t w;

		buf_init_read(&nb, a->nexthop.bytes + 4 * i, 4);
		buf_get_be32(&nb, &w);
		h = mix(h, w);
	}
	for (unsigned int i = 0; i < a->aspath.n_segs; i++)
		h = mix(h, (uint32_t)a->aspath.segs[i].type << 8 | a->aspath.segs[i].n);
	for (unsigned int i = 0; i < a->aspath.n_as; i++)
		h = mix(h, a->aspath.as[i]);
	for (unsigned int i = 0; i < a->n_communities; i++)
		h = mix(h, a->communities[i]);
	buf_init_read(&o, a->other, a->other_len);
	while (buf_get_u8(&o, &byte) == 0)
		h = mix(h, byte);
	return h;
}

static bool mem_eq(const void *x, const void *y, size_t n)
{
	return n == 0 || memcmp(x, y, n) == 0;
}

static bool attrs_equal(const struct bgp_attrs *x, const struct bgp_attrs *y)
{
	return x->have == y->have && x->origin == y->origin && x->med == y->med &&
	       x->local_pref == y->local_pref && x->aggr_as == y->aggr_as &&
	       addr_equal(&x->nexthop, &y->nexthop) &&
	       (!(x->have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) ||
		addr_equal(&x->aggr_addr, &y->aggr_addr)) &&
	       x->aspath.n_segs == y->aspath.n_segs && x->aspath.n_as == y->aspath.n_as &&
	       mem_eq(x->aspath.segs, y->aspath.segs,
		      x->aspath.n_segs * sizeof(x->aspath.segs[0])) &&
	       mem_eq(x->aspath.as, y->aspath.as, x->aspath.n_as * sizeof(x->aspath.as[0])) &&
	       x->n_communities == y->n_communities &&
	       mem_eq(x->communities, y->communities, x->n_communities * sizeof(uint32_t)) &&
	       x->other_len == y->other_len && mem_eq(x->other, y->other, x->other_len);
}

static struct bgp_path *path_copy(const struct bgp_attrs *a, uint32_t hash)
{
	size_t as_sz = a->aspath.n_as * sizeof(uint32_t);
	size_t comm_sz = a->n_communities * sizeof(uint32_t);
	size_t seg_sz = a->aspath.n_segs * sizeof(struct bgp_as_seg);
	struct bgp_path *p = malloc(sizeof(*p) + as_sz + comm_sz + seg_sz + a->other_len);
	uint8_t *mem;

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->a = *a;
	mem = (uint8_t *)(p + 1);
	if (as_sz)
		memcpy(mem, a->aspath.as, as_sz);
	p->a.aspath.as = (const uint32_t *)mem;
	mem += as_sz;
	if (comm_sz)
		memcpy(mem, a->communities, comm_sz);
	p->a.communities = (const uint32_t *)mem;
	mem += comm_sz;
	if (seg_sz)
		memcpy(mem, a->aspath.segs, seg_sz);
	p->a.aspath.segs = (const struct bgp_as_seg *)mem;
	mem += seg_sz;
	if (a->other_len)
		memcpy(mem, a->other, a->other_len);
	p->a.other = mem;
	p->refs = 1;
	p->hash = hash;
	return p;
}

struct bgp_path *bgp_path_get(struct bgp_pathtab *t, const struct bgp_attrs *in)
{
	struct bgp_attrs a;
	struct bgp_path *p;
	uint32_t h;

	normalise(&a, in);
	h = attrs_hash(&a);
	for (p = t->b[h % PATHTAB_BUCKETS]; p; p = p->hnext)
		if (p->hash == h && attrs_equal(&p->a, &a))
			return bgp_path_ref(p);
	p = path_copy(&a, h);
	if (!p)
		return NULL;
	p->hnext = t->b[h % PATHTAB_BUCKETS];
	t->b[h % PATHTAB_BUCKETS] = p;
	t->count++;
	return p;
}

struct bgp_path *bgp_path_ref(struct bgp_path *p)
{
	if (p)
		p->refs++;
	return p;
}

static void path_free(struct bgp_pathtab *t, struct bgp_path *p)
{
	struct bgp_path **pp = &t->b[p->hash % PATHTAB_BUCKETS];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	t->count--;
	bgp_path_unref(t, p->exported);
	free(p);
}

void bgp_path_unref(struct bgp_pathtab *t, struct bgp_path *p)
{
	if (!p || --p->refs)
		return;
	path_free(t, p);
}

size_t bgp_pathtab_count(const struct bgp_pathtab *t)
{
	return t->count;
}
