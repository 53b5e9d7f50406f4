/* SPDX-License-Identifier: MIT */
/*
 * sad: the inbound SA table of the process, by SPI (RFC 4301 4.4.2: inbound ESP is looked up by
 * SPI alone). SPIs are allocated here, random and unique across the process, never below 256
 * (RFC 4303 2.1), so that one shared public IP can carry every tenant's ESP. Lookups are an
 * open-addressing hash probe. No locks: a table belongs to one thread at a time (the data-plane
 * worker that owns it applies SA installs and deletes sent to it as messages); lookups must not
 * run concurrently with esp_sad_spi_alloc/add/del, which may move entries.
 */
#ifndef VNETGW_ESP_SAD_H
#define VNETGW_ESP_SAD_H

#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"

struct esp_sad;

/* An empty table, or NULL when out of memory. */
struct esp_sad *esp_sad_new(void);
/* Frees the table and every SA in it; NULL-safe. */
void esp_sad_free(struct esp_sad *sad);

/*
 * Allocate a fresh random SPI (>= 256, not in use or reserved) and reserve it, for an SA whose
 * keys are not known yet (the IKE responder picks its SPI before the exchange completes).
 * 0, -ENOMEM or -EIO (CSPRNG).
 */
int esp_sad_spi_alloc(struct esp_sad *sad, uint32_t *spi);

/*
 * Install an inbound SA under its SPI (reserved by esp_sad_spi_alloc, or free). Takes
 * ownership of sa on success. -EINVAL (outbound SA), -EEXIST (an SA holds the SPI), -ENOMEM.
 */
int esp_sad_add(struct esp_sad *sad, struct esp_sa *sa);

/* The SA installed under spi (borrowed), or NULL if none (also for a mere reservation). */
struct esp_sa *esp_sad_find(const struct esp_sad *sad, uint32_t spi);

/* Remove spi: frees its SA or drops the reservation. 0 or -ENOENT. */
int esp_sad_del(struct esp_sad *sad, uint32_t spi);

/* Remove every SA whose tag names owner (esp_sa_tag; NULL: every SA). How many went. */
size_t esp_sad_del_owned(struct esp_sad *sad, const void *owner);

/* SPIs held (SAs and reservations). */
size_t esp_sad_count(const struct esp_sad *sad);

#endif
