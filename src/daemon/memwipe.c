/* SPDX-License-Identifier: MIT */
/*
 * memwipe: malloc and free, with free (and a moving realloc) first wiping the whole usable
 * block (malloc_usable_size), for jansson (json_set_alloc_funcs), libevent
 * (event_set_mem_functions) and SQLite (store_use_allocator). A realloc that fits in place keeps
 * the block, one that moves copies and wipes the old one, so growing buffers leave no copies.
 */
#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/memwipe.h"
#include "mgmt/store/store.h"

static void *wipe_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

static void wipe_free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return wipe_malloc(n);
	if (!n) {
		wipe_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	wipe_free(p);
	return q;
}

static size_t wipe_size(void *p)
{
	return malloc_usable_size(p);
}

int memwipe_install(void)
{
	static const struct store_alloc sq = {
		.malloc_fn = wipe_malloc,
		.free_fn = wipe_free,
		.realloc_fn = wipe_realloc,
		.size_fn = wipe_size,
	};

	event_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free);
	json_set_alloc_funcs(wipe_malloc, wipe_free);
	return store_use_allocator(&sq);
}
