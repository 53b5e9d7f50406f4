/* SPDX-License-Identifier: MIT */
/*
 * backend: what a store backend implements (sqlite.c, etcd.c) and what every store shares. The
 * public functions of store.h check their arguments' context here (store.c) and call the
 * backend's row of this table; a backend embeds struct store first in its own struct.
 */
#ifndef VNETGW_MGMT_STORE_BACKEND_H
#define VNETGW_MGMT_STORE_BACKEND_H

#include "mgmt/store/store.h"

struct store_ops {
	const char *name; /* "sqlite", "etcd" */
	void (*close)(struct store *s);
	int (*schema_version)(struct store *s);
	int (*begin)(struct store *s, bool read_only);
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	void (*release)(struct store *s);
	json_t *(*get)(struct store *s, const char *id);
	int (*put)(struct store *s, enum model_type t, const char *sub, const char *rg, json_t *res,
		   json_t *refs);
	int (*del)(struct store *s, const char *id);
	int (*list)(struct store *s, enum model_type t, const char *sub, const char *rg,
		    const char *after, int limit, json_t **out, bool *more);
	int (*count_sub)(struct store *s, const char *sub);
	int (*count_type)(struct store *s, enum model_type t);
	int (*view)(struct store *s, struct model_view *v);
	int (*shared_key_get)(struct store *s, const char *id, char **out);
	int (*shared_key_set)(struct store *s, const char *id, const char *key);
	int (*sub_create)(struct store *s, const char *id, const char *display_name);
	int (*sub_get)(struct store *s, const char *id, json_t **out);
	int (*sub_list)(struct store *s, json_t **out);
	int (*sub_delete)(struct store *s, const char *id);
	int (*token_add)(struct store *s, const char *hash_hex, const char *sub, const char *id,
			 const char *label, int64_t created);
	int (*token_find)(struct store *s, const char *hash_hex, char *sub, size_t n, char *id,
			  size_t idn);
	int (*token_list)(struct store *s, const char *sub, json_t **out);
	int (*token_delete)(struct store *s, const char *sub, const char *id);
	json_t *(*settings_get)(struct store *s);
	int (*settings_put)(struct store *s, json_t *settings);
	/* NULL where the backend has nothing to watch (SQLite: one process, whose commits call
	 * the hook themselves). */
	int (*watch_start)(struct store *s, store_changed_fn fn, void *arg);
	void (*watch_stop)(struct store *s);
	void (*set_node)(struct store *s, const char *node);
};

struct store {
	const struct store_ops *ops;
	bool in_tx;
	int err; /* store_error(): sticky inside a transaction, per call outside one */
	store_commit_hook_fn commit_hook;
	void *commit_hook_arg;
};

/* What a backend calls when an operation fails: records why (store_error) and returns r. */
int store_fail(struct store *s, int r);

int store_sqlite_open(const char *path, struct store **out);
int store_etcd_open(const char *spec, struct store **out);
/* The allocators of the backends' libraries (SQLite, libcurl). */
int store_sqlite_use_allocator(const struct store_alloc *a);
int store_etcd_use_allocator(const struct store_alloc *a);

#endif
