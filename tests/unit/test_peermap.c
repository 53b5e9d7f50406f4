/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/dp/peermap: public address -> connection, against a naive array over
 * random set/del/get sequences (IPv4 and IPv6, growth and backward-shift deletion; the seed is
 * printed, PEERMAP_SEED=n reproduces it).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp/peermap.h"

#define POOL 300

static struct addr addr_of(unsigned int i)
{
	struct addr a = {0};

	if (i % 2) {
		a.family = AF_INET;
		a.bytes[0] = 198;
		a.bytes[1] = 51;
		a.bytes[2] = (uint8_t)(i >> 8);
		a.bytes[3] = (uint8_t)i;
	} else {
		a.family = AF_INET6;
		a.bytes[0] = 0x20;
		a.bytes[1] = 0x01;
		a.bytes[14] = (uint8_t)(i >> 8);
		a.bytes[15] = (uint8_t)i;
	}
	return a;
}

Test(peermap, basics)
{
	struct peermap m;
	struct addr a = addr_of(1), b = addr_of(2), a6 = addr_of(1);

	cr_assert_eq(peermap_init(&m), 0);
	cr_assert_eq(peermap_get(&m, &a), 0, "empty");
	cr_assert_eq(peermap_set(&m, &a, 7), 0);
	cr_assert_eq(peermap_get(&m, &a), 7);
	cr_assert_eq(peermap_get(&m, &b), 0);
	a6.family = AF_INET6; /* same bytes, other family: another address */
	cr_assert_eq(peermap_get(&m, &a6), 0);
	peermap_del(&m, &a, 8);
	cr_assert_eq(peermap_get(&m, &a), 7, "only the id that maps it removes it");
	peermap_del(&m, &a, 7);
	cr_assert_eq(peermap_get(&m, &a), 0);
	peermap_fini(&m);
}

Test(peermap, random_operations_vs_naive)
{
	static uint32_t naive[POOL];
	const char *env = getenv("PEERMAP_SEED");
	unsigned int seed = env ? (unsigned int)strtoul(env, NULL, 10) : (unsigned int)time(NULL);
	struct peermap m;

	printf("peermap: seed %u\n", seed);
	srand(seed);
	memset(naive, 0, sizeof(naive));
	cr_assert_eq(peermap_init(&m), 0);
	for (int step = 0; step < 40000; step++) {
		unsigned int i = (unsigned int)rand() % POOL;
		struct addr a = addr_of(i);

		switch (rand() % 3) {
		case 0: {
			uint32_t id = 1 + (uint32_t)rand() % 1000;

			cr_assert_eq(peermap_set(&m, &a, id), 0);
			naive[i] = id;
			break;
		}
		case 1:
			peermap_del(&m, &a, naive[i]);
			naive[i] = 0;
			break;
		default:
			cr_assert_eq(peermap_get(&m, &a), naive[i], "step %d, address %u (seed %u)",
				     step, i, seed);
		}
	}
	for (unsigned int i = 0; i < POOL; i++) {
		struct addr a = addr_of(i);

		cr_assert_eq(peermap_get(&m, &a), naive[i], "address %u at the end (seed %u)", i,
			     seed);
	}
	peermap_fini(&m);
}
