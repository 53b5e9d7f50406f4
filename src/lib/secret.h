/* SPDX-License-Identifier: MIT */
/*
 * secret: key material. Allocated locked in memory where the system allows it, and wiped with
 * OPENSSL_cleanse before it is freed, so no key outlives its owner in freed heap.
 */
#ifndef VNETGW_LIB_SECRET_H
#define VNETGW_LIB_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret {
	size_t len;
	uint8_t data[];
};

/* A zeroed secret of len bytes, or NULL when out of memory. */
struct secret *secret_new(size_t len);
/* A secret holding a copy of the len bytes at p, or NULL. */
struct secret *secret_dup(const void *p, size_t len);
/* A secret holding a ‖ b (the IKE key derivations concatenate), or NULL. */
struct secret *secret_concat(const struct secret *a, const struct secret *b);
/* Wipe and free; NULL-safe. */
void secret_free(struct secret *s);
/* Wipe n bytes of ordinary memory that held key material. */
void secret_wipe(void *p, size_t n);

#endif
