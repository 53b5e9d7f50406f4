/* SPDX-License-Identifier: MIT */
/*
 * sad: inbound SAs by SPI in a linear-probing hash table with backward-shift deletion (no
 * tombstones, so probe lengths stay short however many SAs come and go), kept at most half
 * full. SPIs come from the CSPRNG: an attacker can neither predict nor choose them (RFC 4303
 * 2.1), so a simple multiplicative hash spreads them evenly.
 */
#include "esp/sad.h"

#include <errno.h>
#include <stdlib.h>

#include "crypto/rand.h"

#define SAD_MIN_SLOTS 64u
#define SAD_SPI_MIN   256u /* RFC 4303 2.1: 1-255 reserved by IANA, 0 local */

struct sad_slot {
	uint32_t spi;	   /* 0: empty */
	struct esp_sa *sa; /* NULL: reserved */
};

struct esp_sad {
	struct sad_slot *slots;
	size_t mask; /* slots - 1, slots a power of two */
	size_t used;
};

static size_t sad_home(const struct esp_sad *sad, uint32_t spi)
{
	/* Fibonacci hashing: the high bits of the product are the well-mixed ones. */
	uint64_t h = (uint64_t)spi * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & sad->mask;
}

/* The slot holding spi, or the empty slot where it would go. */
static struct sad_slot *sad_probe(const struct esp_sad *sad, uint32_t spi)
{
	size_t i = sad_home(sad, spi);

	while (sad->slots[i].spi != 0 && sad->slots[i].spi != spi)
		i = (i + 1) & sad->mask;
	return &sad->slots[i];
}

struct esp_sad *esp_sad_new(void)
{
	struct esp_sad *sad = calloc(1, sizeof(*sad));

	if (!sad)
		return NULL;
	sad->slots = calloc(SAD_MIN_SLOTS, sizeof(*sad->slots));
	if (!sad->slots) {
		free(sad);
		return NULL;
	}
	sad->mask = SAD_MIN_SLOTS - 1;
	return sad;
}

void esp_sad_free(struct esp_sad *sad)
{
	size_t i;

	if (!sad)
		return;
	for (i = 0; i <= sad->mask; i++)
		esp_sa_free(sad->slots[i].sa);
	free(sad->slots);
	free(sad);
}

/* Make room for one more entry, keeping the load at most 1/2. */
static int sad_reserve_one(struct esp_sad *sad)
{
	struct sad_slot *old = sad->slots;
	size_t old_n = sad->mask + 1, n = old_n, i;

	if ((sad->used + 1) * 2 <= old_n)
		return 0;
	n = old_n * 2;
	sad->slots = calloc(n, sizeof(*sad->slots));
	if (!sad->slots) {
		sad->slots = old;
		return -ENOMEM;
	}
	sad->mask = n - 1;
	for (i = 0; i < old_n; i++)
		if (old[i].spi)
			*sad_probe(sad, old[i].spi) = old[i];
	free(old);
	return 0;
}

static int sad_insert(struct esp_sad *sad, uint32_t spi, struct esp_sa *sa)
{
	struct sad_slot *s;
	int r = sad_reserve_one(sad);

	if (r < 0)
		return r;
	s = sad_probe(sad, spi);
	s->spi = spi;
	s->sa = sa;
	sad->used++;
	return 0;
}

int esp_sad_spi_alloc(struct esp_sad *sad, uint32_t *spi)
{
	uint32_t x;
	int r;

	*spi = 0;
	do {
		/* Uniform over [256, 2^32 - 1]. */
		r = crypto_rand_uniform(UINT32_MAX - SAD_SPI_MIN + 1, &x);
		if (r < 0)
			return r;
		x += SAD_SPI_MIN;
	} while (sad_probe(sad, x)->spi != 0);
	r = sad_insert(sad, x, NULL);
	if (r == 0)
		*spi = x;
	return r;
}

int esp_sad_add(struct esp_sad *sad, struct esp_sa *sa)
{
	uint32_t spi = esp_sa_spi(sa);
	struct sad_slot *s;

	if (esp_sa_dir(sa) != ESP_DIR_IN || spi < SAD_SPI_MIN)
		return -EINVAL;
	s = sad_probe(sad, spi);
	if (s->spi == spi) {
		if (s->sa)
			return -EEXIST;
		s->sa = sa;
		return 0;
	}
	return sad_insert(sad, spi, sa);
}

struct esp_sa *esp_sad_find(const struct esp_sad *sad, uint32_t spi)
{
	const struct sad_slot *s;

	if (spi == 0)
		return NULL;
	s = sad_probe(sad, spi);
	return s->spi == spi ? s->sa : NULL;
}

int esp_sad_del(struct esp_sad *sad, uint32_t spi)
{
	size_t i, j, home;
	struct sad_slot *s;

	if (spi == 0)
		return -ENOENT;
	s = sad_probe(sad, spi);
	if (s->spi != spi)
		return -ENOENT;
	esp_sa_free(s->sa);
	i = (size_t)(s - sad->slots);
	sad->slots[i] = (struct sad_slot){0};
	sad->used--;
	/*
	 * Backward-shift deletion: move later members of the probe run into the hole when their
	 * home slot lies cyclically at or before it, so every lookup still finds its key before
	 * reaching an empty slot.
	 */
	for (j = (i + 1) & sad->mask; sad->slots[j].spi != 0; j = (j + 1) & sad->mask) {
		home = sad_home(sad, sad->slots[j].spi);
		if (((j - home) & sad->mask) >= ((j - i) & sad->mask)) {
			sad->slots[i] = sad->slots[j];
			sad->slots[j] = (struct sad_slot){0};
			i = j;
		}
	}
	return 0;
}

size_t esp_sad_del_owned(struct esp_sad *sad, const void *owner)
{
	size_t i, n = 0, k;
	uint32_t *spis;

	for (i = 0; i <= sad->mask; i++)
		n += sad->slots[i].sa && (!owner || esp_sa_tag(sad->slots[i].sa)->owner == owner);
	if (n == 0)
		return 0;
	/*
	 * Collected first: a deletion's backward shift may move an entry from after the scan's
	 * position to before it (a probe run that wraps around the table's end).
	 */
	spis = malloc(n * sizeof(*spis));
	if (!spis) {
		/* Without memory, one at a time: each full scan finds the next. */
		for (k = 0; k < n; k++)
			for (i = 0; i <= sad->mask; i++)
				if (sad->slots[i].sa &&
				    (!owner || esp_sa_tag(sad->slots[i].sa)->owner == owner)) {
					esp_sad_del(sad, sad->slots[i].spi);
					break;
				}
		return n;
	}
	for (i = 0, k = 0; i <= sad->mask; i++)
		if (sad->slots[i].sa && (!owner || esp_sa_tag(sad->slots[i].sa)->owner == owner))
			spis[k++] = sad->slots[i].spi;
	for (k = 0; k < n; k++)
		esp_sad_del(sad, spis[k]);
	free(spis);
	return n;
}

size_t esp_sad_count(const struct esp_sad *sad)
{
	return sad->used;
}
