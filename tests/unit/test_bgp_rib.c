/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/bgp/rib and path: the decision process in numbered rows (each tie-break of
 * bgp_rib_route_cmp on its own), path interning, and a randomized run of announcements and
 * withdrawals from several peers checked after every step against a naive reference (a linear
 * scan for the best route) and against the change reports a FIB would apply. The random test
 * prints its seed; BGP_RIB_SEED=<n> reproduces a run.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/path.h"
#include "bgp/rib.h"

static struct prefix P(const char *s) {
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, NULL, 0), 0, "%s", s);
	return p;
}

static struct addr
A(const char *s) {
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, NULL, 0), 0, "%s", s);
	return a;
}

/* A path of n ASNs (one AS_SEQUENCE) from first, origin o. */
static struct bgp_path *
path(struct bgp_pathtab *t, unsigned int n, uint32_t first, uint8_t o)
{
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, (uint8_t)n};
	uint32_t as[16];
	struct bgp_attrs a = {.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH),
			      .origin = o,
			      .aspath = {&seg, as, n ? 1 : 0, (uint16_t)n},
			      .nexthop = A("192.0.2.1")};

	for (unsigned int i = 0; i < n; i++)
		as[i] = first + i;
	return bgp_path_get(t, &a);
}

Test(bgp_rib, decision_rows)
{
	struct bgp_pathtab *t = bgp_pathtab_new();
	struct bgp_rib_peer pa = {.name = "a", .addr = A("10.0.0.1")},
			    pb = {.name = "b", .addr = A("10.0.0.2")};
	static const struct {
		uint32_t wa, wb;   /* weights */
		unsigned la, lb;   /* AS path lengths */
		uint8_t oa, ob;	   /* origins */
		uint32_t ida, idb; /* BGP identifiers */
		int want;	   /* <0: a preferred */
	} rows[] = {
		/* 1 */ {100, 0, 5, 1, 0, 0, 9, 1, -1}, /* weight beats a longer path */
		/* 2 */ {0, 100, 1, 5, 0, 0, 1, 9, 1},
		/* 3 */ {0, 0, 1, 2, 2, 0, 9, 1, -1}, /* shorter path beats origin and id */
		/* 4 */ {0, 0, 3, 2, 0, 0, 1, 9, 1},
		/* 5 */ {0, 0, 2, 2, 0, 2, 9, 1, -1}, /* IGP beats INCOMPLETE */
		/* 6 */ {0, 0, 2, 2, 1, 0, 1, 9, 1},
		/* 7 */ {0, 0, 2, 2, 0, 0, 1, 9, -1}, /* lower BGP identifier */
		/* 8 */ {0, 0, 2, 2, 0, 0, 9, 1, 1},
		/* 9 */ {0, 0, 2, 2, 0, 0, 5, 5, -1}, /* then the lower address (10.0.0.1) */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bgp_route ra = {.peer = &pa}, rb = {.peer = &pb};
		int c;

		pa.weight = rows[i].wa;
		pb.weight = rows[i].wb;
		pa.bgp_id = rows[i].ida;
		pb.bgp_id = rows[i].idb;
		ra.path = path(t, rows[i].la, 65001, rows[i].oa);
		rb.path = path(t, rows[i].lb, 65101, rows[i].ob);
		c = bgp_rib_route_cmp(&ra, &rb);
		cr_assert((c < 0) == (rows[i].want < 0) && c != 0, "row %zu: %d", i + 1, c);
		cr_assert_eq(bgp_rib_route_cmp(&rb, &ra) < 0, rows[i].want > 0, "row %zu reversed",
			     i + 1);
		bgp_path_unref(t, ra.path);
		bgp_path_unref(t, rb.path);
	}
	cr_assert_eq(bgp_pathtab_count(t), 0);
	bgp_pathtab_free(t);
}

Test(bgp_rib, paths_are_interned)
{
	struct bgp_pathtab *t = bgp_pathtab_new();
	struct bgp_path *x = path(t, 3, 65001, 0), *y = path(t, 3, 65001, 0),
			*z = path(t, 3, 65001, 1);

	cr_assert_eq(x, y);
	cr_assert_neq(x, z);
	cr_assert_eq(bgp_pathtab_count(t), 2);
	cr_assert_eq(x->refs, 2);
	bgp_path_unref(t, x);
	bgp_path_unref(t, y);
	bgp_path_unref(t, z);
	cr_assert_eq(bgp_pathtab_count(t), 0);
	bgp_pathtab_free(t);
}

/* ---- randomized against a naive reference ------------------------------------------------ */

#define NPEERS 4
#define NPFX   24
#define NPATHS 6

static struct {
	bool has[NPEERS][NPFX];
	int path[NPEERS][NPFX];
	const struct bgp_route *fib[NPFX]; /* from the change reports */
	struct prefix pfx[NPFX];
	int reports;
} ref;

static void on_best(void *ctx, const struct prefix *p, const struct bgp_route *best)
{
	for (int i = 0; i < NPFX; i++)
		if (prefix_equal(p, &ref.pfx[i]))
			ref.fib[i] = best;
	ref.reports++;
}

Test(bgp_rib, random_against_reference)
{
	struct bgp_pathtab *t = bgp_pathtab_new();
	struct bgp_rib_ops ops = {.best_changed = on_best};
	struct bgp_rib *r = bgp_rib_new(t, &ops);
	struct bgp_rib_peer peers[NPEERS];
	struct bgp_path *paths[NPATHS];
	const char *env = getenv("BGP_RIB_SEED");
	unsigned int seed = env ? (unsigned int)strtoul(env, NULL, 10) : (unsigned int)time(NULL);
	char name[NPEERS][16];

	printf("bgp_rib random_against_reference: seed %u (BGP_RIB_SEED=%u)\n", seed, seed);
	srandom(seed);
	memset(&ref, 0, sizeof(ref));
	for (int i = 0; i < NPFX; i++) {
		char s[32];

		snprintf(s, sizeof(s), i % 3 ? "10.%d.0.0/16" : "2001:db8:%d::/48", i);
		ref.pfx[i] = P(s);
	}
	for (int i = 0; i < NPATHS; i++)
		paths[i] =
			path(t, 1 + (unsigned)i % 3, 65000 + 100 * (unsigned)i, (uint8_t)(i % 2));
	for (int i = 0; i < NPEERS; i++) {
		char a[32];

		snprintf(name[i], sizeof(name[i]), "p%d", i);
		snprintf(a, sizeof(a), "10.255.0.%d", 10 - i);
		memset(&peers[i], 0, sizeof(peers[i]));
		peers[i].name = name[i];
		peers[i].addr = A(a);
		peers[i].bgp_id = (uint32_t)(random() % 3); /* ties on purpose */
		peers[i].weight = (uint32_t)(random() % 2) * 100;
		cr_assert_eq(bgp_rib_peer_init(&peers[i]), 0);
	}
	for (int step = 0; step < 20000; step++) {
		int pe = (int)(random() % NPEERS), px = (int)(random() % NPFX);
		long op = random() % 100;

		if (op < 55) {
			int pa = (int)(random() % NPATHS);

			cr_assert_eq(bgp_rib_announce(r, &peers[pe], &ref.pfx[px], paths[pa]), 0);
			ref.has[pe][px] = true;
			ref.path[pe][px] = pa;
		} else if (op < 95) {
			int rc = bgp_rib_withdraw(r, &peers[pe], &ref.pfx[px]);

			cr_assert_eq(rc == 0, ref.has[pe][px], "seed %u step %d", seed, step);
			ref.has[pe][px] = false;
		} else if (op < 98) {
			peers[pe].weight = (uint32_t)(random() % 2) * 100;
			bgp_rib_peer_reselect(r, &peers[pe]);
		} else {
			bgp_rib_peer_flush(r, &peers[pe]);
			for (int i = 0; i < NPFX; i++)
				ref.has[pe][i] = false;
		}
		/* the reference: a scan with the comparison, and the FIB the reports built */
		for (int i = 0; i < NPFX; i++) {
			const struct bgp_route *best = bgp_rib_best(r, &ref.pfx[i]);
			int want = -1;

			for (int k = 0; k < NPEERS; k++) {
				struct bgp_route x = {.peer = &peers[k]}, y = {0};

				if (!ref.has[k][i])
					continue;
				x.path = paths[ref.path[k][i]];
				if (want >= 0) {
					y.peer = &peers[want];
					y.path = paths[ref.path[want][i]];
				}
				if (want < 0 || bgp_rib_route_cmp(&x, &y) < 0)
					want = k;
			}
			if (want < 0) {
				cr_assert_null(best, "seed %u step %d prefix %d", seed, step, i);
				cr_assert_null(ref.fib[i], "seed %u step %d: FIB kept a route",
					       seed, step);
				continue;
			}
			cr_assert(best && best->peer == &peers[want] &&
					  best->path == paths[ref.path[want][i]],
				  "seed %u step %d prefix %d", seed, step, i);
			cr_assert_eq(ref.fib[i], best, "seed %u step %d: FIB out of date", seed,
				     step);
		}
		cr_assert_eq(bgp_rib_peer_count(&peers[pe]), (size_t)({
				     int n = 0;
				     for (int i = 0; i < NPFX; i++)
					     n += ref.has[pe][i];
				     n;
			     }));
	}
	for (int i = 0; i < NPEERS; i++)
		bgp_rib_peer_fini(r, &peers[i]);
	cr_assert_eq(bgp_rib_count(r), 0);
	for (int i = 0; i < NPATHS; i++)
		bgp_path_unref(t, paths[i]);
	cr_assert_eq(bgp_pathtab_count(t), 0, "a path leaked");
	bgp_rib_free(r);
	bgp_pathtab_free(t);
}
