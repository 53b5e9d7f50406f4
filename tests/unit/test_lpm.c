/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/lib/lpm: table-driven lookups over a fixed route set, insert/replace/remove
 * edge cases (branch points, /0, /32, /128, both families), and a randomized run against a naive
 * linear reference. The random test prints its seed; LPM_SEED=<n> reproduces a run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/lpm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define V(i) ((void *)(uintptr_t)(i))

static struct addr A(const char *s) {
	char err[ADDR_ERR_MAX];
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, err, sizeof(err)), 0, "%s: %s", s, err);
	return a;
}

static struct prefix
P(const char *s) {
	char err[ADDR_ERR_MAX];
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, err, sizeof(err)), 0, "%s: %s", s, err);
	return p;
}

static void
insert_new(struct lpm *t, const char *s, uintptr_t v)
{
	struct prefix p = P(s);
	void *old = V(0xdead);

	cr_assert_eq(lpm_insert(t, &p, V(v), &old), 0, "%s", s);
	cr_assert_null(old, "%s was already there", s);
}

/* Longest-match lookups over a route set with nesting, siblings and both defaults. */
Test(lpm, lookup_table)
{
	static const struct {
		const char *prefix;
		uintptr_t v;
	} routes[] = {
		{"0.0.0.0/0", 1},	   {"10.0.0.0/8", 2},
		{"10.1.0.0/16", 3},	   {"10.1.2.0/24", 4},
		{"10.1.2.3/32", 5},	   {"10.128.0.0/9", 6},
		{"192.0.2.0/25", 7},	   {"192.0.2.128/25", 8},
		{"255.255.255.255/32", 9}, {"::/0", 11},
		{"2001:db8::/32", 12},	   {"2001:db8:1::/48", 13},
		{"2001:db8:1::1/128", 14}, {"::ffff:0:0/96", 15},
		{"fe80::/10", 16},	   {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 17},
	};
	static const struct {
		const char *addr;
		const char *match; /* expected prefix, NULL for none */
		uintptr_t v;
	} rows[] = {
		/* 1 */ {"10.1.2.3", "10.1.2.3/32", 5},
		/* 2 */ {"10.1.2.4", "10.1.2.0/24", 4},
		/* 3 */ {"10.1.3.0", "10.1.0.0/16", 3},
		/* 4 */ {"10.2.0.0", "10.0.0.0/8", 2},
		/* 5 */ {"10.127.255.255", "10.0.0.0/8", 2},
		/* 6 */ {"10.128.0.0", "10.128.0.0/9", 6},
		/* 7 */ {"10.255.255.255", "10.128.0.0/9", 6},
		/* 8 */ {"11.0.0.0", "0.0.0.0/0", 1},
		/* 9 */ {"9.255.255.255", "0.0.0.0/0", 1},
		/* 10 */ {"0.0.0.0", "0.0.0.0/0", 1},
		/* 11 */ {"192.0.2.127", "192.0.2.0/25", 7},
		/* 12 */ {"192.0.2.128", "192.0.2.128/25", 8},
		/* 13 */ {"192.0.1.255", "0.0.0.0/0", 1},
		/* 14 */ {"255.255.255.255", "255.255.255.255/32", 9},
		/* 15 */ {"255.255.255.254", "0.0.0.0/0", 1},
		/* 16 */ {"2001:db8:1::1", "2001:db8:1::1/128", 14},
		/* 17 */ {"2001:db8:1::2", "2001:db8:1::/48", 13},
		/* 18 */ {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", "2001:db8:1::/48", 13},
		/* 19 */ {"2001:db8:2::", "2001:db8::/32", 12},
		/* 20 */ {"2001:db9::", "::/0", 11},
		/* 21 */ {"::", "::/0", 11},
		/* 22 */ {"::ffff:10.1.2.3", "::ffff:0.0.0.0/96", 15}, /* mapped stays IPv6 */
		/* 23 */ {"fe80::1", "fe80::/10", 16},
		/* 24 */ {"febf:ffff::", "fe80::/10", 16},
		/* 25 */ {"fec0::", "::/0", 11},
		/* 26 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 17},
		/* 27 */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 17},
		/* 28 */ {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd", "::/0", 11},
	};
	struct lpm *t = lpm_new();
	size_t i;

	cr_assert_not_null(t);
	for (i = 0; i < N(routes); i++)
		insert_new(t, routes[i].prefix, routes[i].v);
	cr_assert_eq(lpm_count(t), N(routes));
	for (i = 0; i < N(rows); i++) {
		struct addr a = A(rows[i].addr);
		struct prefix m, want;
		char got[PREFIX_STR_MAX];

		memset(&m, 0, sizeof(m));
		cr_assert_eq(lpm_lookup_prefix(t, &a, &m), V(rows[i].v), "row %zu", i + 1);
		cr_assert_eq(lpm_lookup(t, &a), V(rows[i].v), "row %zu", i + 1);
		want = P(rows[i].match);
		cr_assert(prefix_equal(&m, &want), "row %zu: matched %s", i + 1,
			  prefix_print(&m, got, sizeof(got)));
	}
	lpm_free(t);
}

Test(lpm, empty_and_single_family)
{
	struct lpm *t = lpm_new();
	struct addr a4 = A("10.0.0.1"), a6 = A("2001:db8::1");
	struct prefix m = P("1.1.1.1/32"), before = m;

	cr_assert_null(lpm_lookup(t, &a4));
	cr_assert_null(lpm_lookup_prefix(t, &a6, &m));
	cr_assert(prefix_equal(&m, &before), "match written without a match");
	cr_assert_eq(lpm_count(t), 0);
	insert_new(t, "10.0.0.0/8", 1);
	/* IPv4 routes never answer IPv6 lookups, even for IPv4-mapped addresses. */
	cr_assert_null(lpm_lookup(t, &a6));
	a6 = A("::ffff:10.0.0.1");
	cr_assert_null(lpm_lookup(t, &a6));
	cr_assert_eq(lpm_lookup(t, &a4), V(1));
	a4.family = AF_UNIX;
	cr_assert_null(lpm_lookup(t, &a4));
	lpm_free(t);
	lpm_free(NULL);
}

Test(lpm, replace_reports_old_value)
{
	struct lpm *t = lpm_new();
	struct prefix p = P("10.1.0.0/16"), host = P("10.1.2.3/16");
	void *old = NULL;

	insert_new(t, "10.1.0.0/16", 1);
	cr_assert_eq(lpm_insert(t, &p, V(2), &old), 0);
	cr_assert_eq(old, V(1));
	cr_assert_eq(lpm_count(t), 1);
	/* The same prefix written with host bits is the same entry. */
	cr_assert_eq(lpm_insert(t, &host, V(3), &old), 0);
	cr_assert_eq(old, V(2));
	cr_assert_eq(lpm_get(t, &p), V(3));
	cr_assert_eq(lpm_get(t, &host), V(3));
	cr_assert_eq(lpm_insert(t, &p, V(4), NULL), 0);
	cr_assert_eq(lpm_get(t, &p), V(4));
	cr_assert_eq(lpm_count(t), 1);
	lpm_free(t);
}

Test(lpm, invalid_arguments)
{
	struct lpm *t = lpm_new();
	struct prefix p = P("10.0.0.0/8"), q = P("::/0");
	void *old = V(7);

	cr_assert_eq(lpm_insert(t, &p, NULL, &old), -EINVAL);
	cr_assert_eq(old, V(7));
	p.len = 33;
	cr_assert_eq(lpm_insert(t, &p, V(1), NULL), -EINVAL);
	cr_assert_eq(lpm_remove(t, &p, NULL), -EINVAL);
	cr_assert_null(lpm_get(t, &p));
	q.len = 129;
	cr_assert_eq(lpm_insert(t, &q, V(1), NULL), -EINVAL);
	q.len = 0;
	q.addr.family = AF_UNIX;
	cr_assert_eq(lpm_insert(t, &q, V(1), NULL), -EINVAL);
	cr_assert_eq(lpm_count(t), 0);
	lpm_free(t);
}

/* Branch points are not entries: get/remove miss them, insert turns them into entries. */
Test(lpm, branch_points)
{
	struct lpm *t = lpm_new();
	struct prefix branch = P("10.0.0.0/15"), a = P("10.0.0.0/16"), b = P("10.1.0.0/16");
	struct addr x = A("10.1.5.5"), y = A("10.0.5.5");
	void *old = V(9);

	insert_new(t, "10.0.0.0/16", 1);
	insert_new(t, "10.1.0.0/16", 2);
	cr_assert_null(lpm_get(t, &branch));
	cr_assert_eq(lpm_remove(t, &branch, &old), -ENOENT);
	cr_assert_eq(old, V(9));
	cr_assert_eq(lpm_count(t), 2);
	insert_new(t, "10.0.0.0/15", 3);
	cr_assert_eq(lpm_count(t), 3);
	cr_assert_eq(lpm_get(t, &branch), V(3));
	cr_assert_eq(lpm_remove(t, &a, &old), 0);
	cr_assert_eq(old, V(1));
	cr_assert_eq(lpm_lookup(t, &y), V(3));
	cr_assert_eq(lpm_lookup(t, &x), V(2));
	cr_assert_eq(lpm_remove(t, &branch, NULL), 0);
	cr_assert_null(lpm_lookup(t, &y));
	cr_assert_eq(lpm_lookup(t, &x), V(2));
	cr_assert_eq(lpm_remove(t, &b, NULL), 0);
	cr_assert_eq(lpm_remove(t, &b, NULL), -ENOENT);
	cr_assert_eq(lpm_count(t), 0);
	cr_assert_null(lpm_lookup(t, &x));
	lpm_free(t);
}

/* Removal order permutations over a small nested set: every order leaves a working table. */
Test(lpm, remove_orders)
{
	static const char *const set[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "10.1.0.1/32",
	};
	static const int orders[][5] = {
		{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {1, 0, 4, 2, 3},
		{2, 4, 0, 3, 1}, {3, 1, 4, 0, 2}, {1, 3, 2, 0, 4},
	};
	size_t o, i, j;

	for (o = 0; o < N(orders); o++) {
		struct lpm *t = lpm_new();
		bool present[N(set)];

		for (i = 0; i < N(set); i++) {
			insert_new(t, set[i], i + 1);
			present[i] = true;
		}
		for (i = 0; i < N(set); i++) {
			struct prefix p = P(set[orders[o][i]]);

			cr_assert_eq(lpm_remove(t, &p, NULL), 0, "order %zu step %zu", o + 1, i);
			present[orders[o][i]] = false;
			cr_assert_eq(lpm_count(t), N(set) - i - 1);
			for (j = 0; j < N(set); j++) {
				struct prefix q = P(set[j]);

				cr_assert_eq(lpm_get(t, &q), present[j] ? V(j + 1) : NULL,
					     "order %zu step %zu: %s", o + 1, i, set[j]);
			}
		}
		lpm_free(t);
	}
}

struct walk_log {
	char seen[16][PREFIX_STR_MAX];
	size_t n, stop_at;
};

static int walk_record(const struct prefix *p, void *value, void *arg)
{
	struct walk_log *w = arg;

	prefix_print(p, w->seen[w->n], sizeof(w->seen[0]));
	w->n++;
	return w->n == w->stop_at ? 42 : 0;
}

Test(lpm, walk_in_prefix_order)
{
	static const char *const in[] = {
		"2001:db8::/32", "10.1.0.0/16",	 "::/0",	"10.0.0.0/8", "0.0.0.0/0",
		"10.0.0.0/16",	 "192.0.2.0/24", "10.1.2.3/32", "::1/128",    "2001:db8::/64",
	};
	static const char *const sorted[] = {
		"0.0.0.0/0",	"10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16",   "10.1.2.3/32",
		"192.0.2.0/24", "::/0",	      "::1/128",     "2001:db8::/32", "2001:db8::/64",
	};
	struct lpm *t = lpm_new();
	struct walk_log w = {.stop_at = 0};
	size_t i;

	for (i = 0; i < N(in); i++)
		insert_new(t, in[i], i + 1);
	cr_assert_eq(lpm_walk(t, walk_record, &w), 0);
	cr_assert_eq(w.n, N(sorted));
	for (i = 0; i < N(sorted); i++)
		cr_assert_str_eq(w.seen[i], sorted[i], "position %zu", i);
	/* A non-zero return stops the walk, in either family. */
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	cr_assert_eq(lpm_walk(t, walk_record, &w), 42);
	cr_assert_eq(w.n, 3);
	memset(&w, 0, sizeof(w));
	w.stop_at = 8;
	cr_assert_eq(lpm_walk(t, walk_record, &w), 42);
	cr_assert_eq(w.n, 8);
	lpm_free(t);
}

/* ---- randomized, against a linear reference ------------------------------------------------ */

struct ref_entry {
	struct prefix p; /* masked */
	void *v;
};

struct ref {
	struct ref_entry *e;
	size_t n, cap;
};

static struct ref_entry *ref_find(struct ref *r, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (prefix_equal(&r->e[i].p, p))
			return &r->e[i];
	return NULL;
}

static const struct ref_entry *ref_lookup(const struct ref *r, const struct addr *a)
{
	const struct ref_entry *best = NULL;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (prefix_contains_addr(&r->e[i].p, a) && (!best || r->e[i].p.len > best->p.len))
			best = &r->e[i];
	return best;
}

static int ref_cmp(const void *a, const void *b)
{
	return prefix_compare(&((const struct ref_entry *)a)->p, &((const struct ref_entry *)b)->p);
}

static uint64_t rng_state;

/* splitmix64: small, and the same sequence everywhere for a given seed. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rng_below(unsigned int n)
{
	return (unsigned int)(rng() % n);
}

/* A handful of base addresses per family so random prefixes nest and collide often. */
static struct addr bases[2][6];

static void random_addr(struct addr *a, int fam)
{
	unsigned int bits = fam ? 128 : 32, keep, i;

	*a = bases[fam][rng_below(6)];
	/* Keep a random number of leading bits of the base, randomize the rest. */
	keep = rng_below(bits + 1);
	for (i = keep; i < bits; i++) {
		if (rng() & 1)
			a->bytes[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	}
}

static void random_prefix(struct prefix *p, int fam)
{
	unsigned int bits = fam ? 128 : 32;

	random_addr(&p->addr, fam);
	/* Favour the ends (/0, /1, full length) and the middle alike. */
	switch (rng_below(8)) {
	case 0:
		p->len = rng_below(3);
		break;
	case 1:
		p->len = bits - rng_below(3);
		break;
	default:
		p->len = rng_below(bits + 1);
	}
}

/* First and last address of p, and the ones just outside it. */
static void boundary_addrs(const struct prefix *p, struct addr out[4])
{
	unsigned int bits = addr_bits(&p->addr), i;
	int j;

	out[0] = p->addr;
	addr_mask(&out[0], p->len);
	out[1] = out[0];
	for (i = p->len; i < bits; i++)
		out[1].bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	/* out[2] = first - 1, out[3] = last + 1 (wrapping at the ends of the space). */
	out[2] = out[0];
	for (j = (int)bits / 8 - 1; j >= 0 && out[2].bytes[j]-- == 0; j--)
		;
	out[3] = out[1];
	for (j = (int)bits / 8 - 1; j >= 0 && ++out[3].bytes[j] == 0; j--)
		;
}

static void check_lookup(const struct lpm *t, const struct ref *r, const struct addr *a,
			 uint64_t seed, unsigned long op)
{
	const struct ref_entry *want = ref_lookup(r, a);
	struct prefix m;
	char as[ADDR_STR_MAX], ms[PREFIX_STR_MAX];
	void *got = lpm_lookup_prefix(t, a, &m);

	addr_print(a, as, sizeof(as));
	cr_assert_eq(got, want ? want->v : NULL, "seed %" PRIu64 " op %lu: lookup %s", seed, op,
		     as);
	if (want)
		cr_assert(prefix_equal(&m, &want->p), "seed %" PRIu64 " op %lu: %s matched %s",
			  seed, op, as, prefix_print(&m, ms, sizeof(ms)));
}

struct walk_check {
	const struct ref *sorted;
	size_t i;
	bool ok;
};

static int walk_compare(const struct prefix *p, void *value, void *arg)
{
	struct walk_check *w = arg;

	if (w->i >= w->sorted->n || !prefix_equal(p, &w->sorted->e[w->i].p) ||
	    value != w->sorted->e[w->i].v)
		w->ok = false;
	w->i++;
	return 0;
}

static void check_walk(const struct lpm *t, const struct ref *r, uint64_t seed, unsigned long op)
{
	struct ref sorted = {.n = r->n};
	struct walk_check w = {.sorted = &sorted, .ok = true};

	sorted.e = malloc((r->n ? r->n : 1) * sizeof(*sorted.e));
	cr_assert_not_null(sorted.e);
	memcpy(sorted.e, r->e, r->n * sizeof(*sorted.e));
	qsort(sorted.e, sorted.n, sizeof(*sorted.e), ref_cmp);
	lpm_walk(t, walk_compare, &w);
	cr_assert(w.ok && w.i == r->n, "seed %" PRIu64 " op %lu: walk differs (%zu of %zu)", seed,
		  op, w.i, r->n);
	free(sorted.e);
}

#define RANDOM_OPS 30000

Test(lpm, random_against_reference, .timeout = 120)
{
	struct ref r = {0};
	struct lpm *t = lpm_new();
	const char *env = getenv("LPM_SEED");
	uint64_t seed;
	uintptr_t next_value = 1;
	unsigned long op;
	int fam, i;

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	fprintf(stderr,
		"lpm random_against_reference: seed %" PRIu64 " (LPM_SEED=%" PRIu64
		" to reproduce)\n",
		seed, seed);
	rng_state = seed;
	r.cap = 1024;
	r.e = malloc(r.cap * sizeof(*r.e));
	cr_assert_not_null(r.e);
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < 6; i++) {
			uint8_t b[16];
			int j;

			for (j = 0; j < 16; j++)
				b[j] = (uint8_t)rng();
			if (fam)
				addr_set_v6(&bases[fam][i], b);
			else
				addr_set_v4(&bases[fam][i], b);
		}
	}

	for (op = 0; op < RANDOM_OPS; op++) {
		unsigned int kind = rng_below(100);
		struct prefix p;
		void *old = V(0xdead);

		fam = (int)rng_below(2);
		/* Grow for the first half, then lean towards removal to empty paths out. */
		if (kind < (op < RANDOM_OPS / 2 ? 40u : 20u)) {
			struct ref_entry *e;
			void *v = V(next_value++);

			random_prefix(&p, fam);
			cr_assert_eq(lpm_insert(t, &p, v, &old), 0, "seed %" PRIu64 " op %lu", seed,
				     op);
			prefix_mask(&p);
			e = ref_find(&r, &p);
			cr_assert_eq(old, e ? e->v : NULL, "seed %" PRIu64 " op %lu: old value",
				     seed, op);
			if (e) {
				e->v = v;
			} else {
				if (r.n == r.cap) {
					r.cap *= 2;
					r.e = realloc(r.e, r.cap * sizeof(*r.e));
					cr_assert_not_null(r.e);
				}
				r.e[r.n++] = (struct ref_entry){.p = p, .v = v};
			}
		} else if (kind < 55) {
			/* Remove: an existing prefix most of the time, else a random one. */
			struct ref_entry *e;
			int ret;

			if (r.n && rng_below(4)) {
				p = r.e[rng_below((unsigned int)r.n)].p;
				/* Spell it with host bits sometimes: removal masks too. */
				if (rng_below(2) && p.len < addr_bits(&p.addr))
					p.addr.bytes[addr_bits(&p.addr) / 8 - 1] ^= 1;
			} else {
				random_prefix(&p, fam);
			}
			ret = lpm_remove(t, &p, &old);
			prefix_mask(&p);
			e = ref_find(&r, &p);
			cr_assert_eq(ret, e ? 0 : -ENOENT, "seed %" PRIu64 " op %lu: remove", seed,
				     op);
			if (e) {
				cr_assert_eq(old, e->v, "seed %" PRIu64 " op %lu", seed, op);
				*e = r.e[--r.n];
			}
		} else if (kind < 65) {
			struct ref_entry *e;
			struct prefix m;

			if (r.n && rng_below(2))
				p = r.e[rng_below((unsigned int)r.n)].p;
			else
				random_prefix(&p, fam);
			m = p;
			prefix_mask(&m);
			e = ref_find(&r, &m);
			cr_assert_eq(lpm_get(t, &p), e ? e->v : NULL,
				     "seed %" PRIu64 " op %lu: get", seed, op);
		} else if (kind < 80 && r.n) {
			struct addr b[4];

			boundary_addrs(&r.e[rng_below((unsigned int)r.n)].p, b);
			for (i = 0; i < 4; i++)
				check_lookup(t, &r, &b[i], seed, op);
		} else {
			struct addr a;

			random_addr(&a, fam);
			check_lookup(t, &r, &a, seed, op);
		}
		cr_assert_eq(lpm_count(t), r.n, "seed %" PRIu64 " op %lu: count", seed, op);
		if (op % 1000 == 0)
			check_walk(t, &r, seed, op);
	}
	check_walk(t, &r, seed, op);

	/* Empty it completely: every path must collapse back to nothing. */
	while (r.n) {
		struct prefix p = r.e[r.n - 1].p;

		cr_assert_eq(lpm_remove(t, &p, NULL), 0, "seed %" PRIu64 ": final removal", seed);
		r.n--;
		if (r.n % 64 == 0) {
			struct addr a;

			random_addr(&a, (int)rng_below(2));
			check_lookup(t, &r, &a, seed, op);
		}
	}
	cr_assert_eq(lpm_count(t), 0);
	fprintf(stderr, "lpm random_against_reference: %d operations, seed %" PRIu64 " ok\n",
		RANDOM_OPS, seed);
	lpm_free(t);
	free(r.e);
}
