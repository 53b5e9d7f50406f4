/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/esp/sad: SPI allocation (random, unique, >= 256), reservations, ownership
 * and errors, and random add/find/delete sequences against a naive array (seed printed;
 * ESP_SEED=n reproduces), which exercises growth and backward-shift deletion.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esp/esp.h"
#include "esp/sad.h"

static struct esp_sa *sa_make(uint32_t spi, enum esp_dir dir)
{
	static const uint8_t key[20] = {1, 2, 3};
	struct secret *k = secret_dup(key, sizeof(key));
	struct esp_sa_params p = {.spi = spi,
				  .dir = dir,
				  .enc = ESP_ENC_NULL,
				  .integ = ESP_INTEG_HMAC_SHA1_96,
				  .integ_key = k};
	struct esp_sa *sa;

	cr_assert_eq(esp_sa_new(&sa, &p), 0);
	secret_free(k);
	return sa;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

Test(sad, spi_alloc_unique_random_and_reserved)
{
	enum { N = 20000 };
	struct esp_sad *sad = esp_sad_new();
	uint32_t *spis = malloc(N * sizeof(*spis)), high = 0;
	size_t i;

	cr_assert_not_null(sad);
	for (i = 0; i < N; i++) {
		cr_assert_eq(esp_sad_spi_alloc(sad, &spis[i]), 0);
		cr_assert_geq(spis[i], 256u, "RFC 4303 2.1: 1-255 are reserved");
		/* A reservation is not an SA. */
		cr_assert_null(esp_sad_find(sad, spis[i]));
		high += spis[i] >= 0x80000000u;
	}
	cr_assert_eq(esp_sad_count(sad), N);
	qsort(spis, N, sizeof(*spis), cmp_u32);
	for (i = 1; i < N; i++)
		cr_assert_neq(spis[i], spis[i - 1], "SPI %#x handed out twice", spis[i]);
	/* Spread over the whole range: about half have the top bit (binomial, 8+ sigma margin). */
	cr_assert(high > N / 2 - 600 && high < N / 2 + 600, "%u of %d with the top bit", high, N);
	/* Installing under a reservation, then deleting, frees the SPI. */
	cr_assert_eq(esp_sad_add(sad, sa_make(spis[7], ESP_DIR_IN)), 0);
	cr_assert_not_null(esp_sad_find(sad, spis[7]));
	cr_assert_eq(esp_sad_count(sad), N);
	cr_assert_eq(esp_sad_del(sad, spis[7]), 0);
	cr_assert_null(esp_sad_find(sad, spis[7]));
	cr_assert_eq(esp_sad_del(sad, spis[8]), 0); /* a bare reservation */
	cr_assert_eq(esp_sad_count(sad), N - 2);
	free(spis);
	esp_sad_free(sad);
}

Test(sad, errors)
{
	struct esp_sad *sad = esp_sad_new();
	struct esp_sa *in = sa_make(0x1000, ESP_DIR_IN), *dup = sa_make(0x1000, ESP_DIR_IN);
	struct esp_sa *out = sa_make(0x2000, ESP_DIR_OUT);

	cr_assert_eq(esp_sad_add(sad, in), 0);
	cr_assert_eq(esp_sad_add(sad, dup), -EEXIST);
	cr_assert_eq(esp_sad_add(sad, out), -EINVAL, "outbound SAs are not looked up by SPI");
	cr_assert_eq(esp_sad_find(sad, 0x1000), in);
	cr_assert_null(esp_sad_find(sad, 0));
	cr_assert_null(esp_sad_find(sad, 0x1001));
	cr_assert_eq(esp_sad_del(sad, 0x1001), -ENOENT);
	cr_assert_eq(esp_sad_del(sad, 0), -ENOENT);
	cr_assert_eq(esp_sad_del(sad, 0x1000), 0);
	cr_assert_eq(esp_sad_del(sad, 0x1000), -ENOENT);
	cr_assert_eq(esp_sad_count(sad), 0);
	esp_sa_free(dup);
	esp_sa_free(out);
	esp_sad_free(sad);
	esp_sad_free(NULL);
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct ref_entry {
	uint32_t spi;
	struct esp_sa *sa; /* NULL: reserved */
};

Test(sad, random_operations_vs_naive)
{
	enum { OPS = 60000, MAX = 3000 };
	const char *s = getenv("ESP_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	struct ref_entry *ref = calloc(MAX, sizeof(*ref));
	struct esp_sad *sad = esp_sad_new();
	size_t n = 0, i, j;
	int op;

	printf("sad random: ESP_SEED=%" PRIu64 "\n", seed);
	fflush(stdout);
	rng_state = seed;
	for (op = 0; op < OPS; op++) {
		uint64_t pick = rng_next() % 100;

		if (pick < 30 && n < MAX) {
			/* Allocate, and mostly install an SA under it. */
			uint32_t spi;

			cr_assert_eq(esp_sad_spi_alloc(sad, &spi), 0);
			for (j = 0; j < n; j++)
				cr_assert_neq(ref[j].spi, spi, "seed %" PRIu64 ": duplicate", seed);
			ref[n].spi = spi;
			ref[n].sa = NULL;
			if (rng_next() % 4) {
				ref[n].sa = sa_make(spi, ESP_DIR_IN);
				cr_assert_eq(esp_sad_add(sad, ref[n].sa), 0);
			}
			n++;
		} else if (pick < 55 && n > 0) {
			i = rng_next() % n;
			cr_assert_eq(esp_sad_del(sad, ref[i].spi), 0, "seed %" PRIu64, seed);
			ref[i] = ref[--n];
		} else if (pick < 60 && n > 0) {
			/* Fill a reservation. */
			i = rng_next() % n;
			if (!ref[i].sa) {
				ref[i].sa = sa_make(ref[i].spi, ESP_DIR_IN);
				cr_assert_eq(esp_sad_add(sad, ref[i].sa), 0);
			}
		} else if (pick < 80 && n > 0) {
			i = rng_next() % n;
			cr_assert_eq(esp_sad_find(sad, ref[i].spi), ref[i].sa,
				     "seed %" PRIu64 " op %d", seed, op);
		} else {
			/* A random SPI: found only if the reference has it. */
			uint32_t spi = (uint32_t)rng_next();
			struct esp_sa *want = NULL;

			for (j = 0; j < n; j++)
				if (ref[j].spi == spi)
					want = ref[j].sa;
			cr_assert_eq(esp_sad_find(sad, spi), want);
		}
		cr_assert_eq(esp_sad_count(sad), n);
	}
	/* Every entry still found after all the shifting. */
	for (i = 0; i < n; i++)
		cr_assert_eq(esp_sad_find(sad, ref[i].spi), ref[i].sa, "seed %" PRIu64, seed);
	esp_sad_free(sad); /* frees the SAs still in it */
	free(ref);
}

/*
 * The data plane tags each inbound SA with its connection (esp_sa_tag) and removes a
 * connection's SAs by that tag: exactly those go, in a table big enough to have wrapped probe
 * runs, whatever the order.
 */
Test(sad, delete_by_owner)
{
	struct esp_sad *sad = esp_sad_new();
	int owners[3];
	uint32_t spis[600];
	size_t n = 0;

	cr_assert_not_null(sad);
	for (uint32_t i = 0; i < 600; i++) {
		uint32_t spi;
		struct esp_sa *sa;

		cr_assert_eq(esp_sad_spi_alloc(sad, &spi), 0);
		sa = sa_make(spi, ESP_DIR_IN);
		esp_sa_tag(sa)->owner = &owners[i % 3];
		cr_assert_eq(esp_sad_add(sad, sa), 0);
		spis[n++] = spi;
	}
	cr_assert_eq(esp_sad_del_owned(sad, &owners[1]), 200);
	cr_assert_eq(esp_sad_count(sad), 400);
	for (size_t i = 0; i < n; i++) {
		struct esp_sa *sa = esp_sad_find(sad, spis[i]);

		if (i % 3 == 1)
			cr_assert_null(sa, "SPI %08x of the removed owner is gone", spis[i]);
		else
			cr_assert(sa && esp_sa_tag(sa)->owner == &owners[i % 3],
				  "SPI %08x of another owner stays", spis[i]);
	}
	cr_assert_eq(esp_sad_del_owned(sad, &owners[1]), 0, "nothing left of it");
	cr_assert_eq(esp_sad_del_owned(sad, NULL), 400, "NULL: every SA");
	cr_assert_eq(esp_sad_count(sad), 0);
	esp_sad_free(sad);
}
