/* SPDX-License-Identifier: MIT */
/*
 * store: the management plane's source of truth (SPEC §1), one SQLite file in the data directory.
 * Resources are kept as their ARM JSON, with the references between them (rule 12) and the
 * write-only shared keys apart; subscriptions, hashed tokens and deployment settings beside
 * them. Every mutation runs inside store_begin()/store_commit(), an immediate transaction that
 * holds the write lock while the rules read the state through store_view(), so two requests can
 * never both take the last tunnel or the same address.
 */
#ifndef VNETGW_MGMT_STORE_STORE_H
#define VNETGW_MGMT_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/model/model.h"

struct store;

/* Opens (creating) the database at path, in WAL mode with synchronous=FULL, and applies the
 * schema migrations it lacks. 0, or -EIO with the reason logged. */
int store_open(const char *path, struct store **out);
void store_close(struct store *s);
/* The schema version after migrations. */
int store_schema_version(struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. A failed commit is rolled back and returns -EIO. Both
 * end with store_release. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* Outside a transaction: hands the page cache back to the allocator (readers call it after
 * reading shared keys). */
void store_release(struct store *s);

/*
 * SQLite's memory from these functions (a wiping allocator: daemon/main.c), for every store of
 * the process. Call before the first store_open; the table must outlive every store. 0, or
 * -EBUSY when SQLite is already in use.
 */
struct store_alloc {
	void *(*malloc_fn)(size_t n);
	void (*free_fn)(void *p);
	void *(*realloc_fn)(void *p, size_t n);
	size_t (*size_fn)(void *p);
};
int store_use_allocator(const struct store_alloc *a);

/* Resources, by id (any case). store_get returns a new reference or NULL. */
json_t *store_get(struct store *s, const char *id);
/* Inserts or replaces the resource (its id is json "id"), and its outgoing references. */
int store_put(struct store *s, enum model_type t, const char *sub, const char *rg, json_t *res,
	      json_t *refs);
/* Deletes the resource, its references and its shared key; -ENOENT if absent. */
int store_delete(struct store *s, const char *id);
/* A page of resources of type t in sub (and rg unless NULL), ordered by id, after the id
 * `after` (exclusive; NULL from the start), at most limit; *more tells whether others follow. */
int store_list(struct store *s, enum model_type t, const char *sub, const char *rg,
	       const char *after, int limit, json_t **out, bool *more);
/* Resources in the subscription (any type). */
int store_count_sub(struct store *s, const char *sub);
/* Resources in the deployment, per type (for the start-up log line). */
int store_count_type(struct store *s, enum model_type t);

/* Fills v with the rules' read access to this store; settings are loaded into v->settings
 * (owned by the caller: json_decref(v->settings) when done). */
int store_view(struct store *s, struct model_view *v);

/* A connection's shared key. get: 0 and *out (malloc'd, wipe and free it) or -ENOENT. */
int store_shared_key_get(struct store *s, const char *id, char **out);
int store_shared_key_set(struct store *s, const char *id, const char *key);

/* Subscriptions and their tokens (SHA-256, hex). */
int store_sub_create(struct store *s, const char *id, const char *display_name);
/* 0 and *out (a new {"subscriptionId","displayName","state"}) or -ENOENT. */
int store_sub_get(struct store *s, const char *id, json_t **out);
int store_sub_list(struct store *s, json_t **out);
int store_sub_delete(struct store *s, const char *id);
/* A token of sub by its digest, with its id (a UUID), label and creation time (Unix s). */
int store_token_add(struct store *s, const char *hash_hex, const char *sub, const char *id,
		    const char *label, int64_t created);
/* 0 and sub (at least 64 bytes) and the token's id (NULL: not wanted) filled, or -ENOENT. */
int store_token_find(struct store *s, const char *hash_hex, char *sub, size_t n, char *id,
		     size_t idn);
/* The tokens of sub, oldest first, without their digests: [{"id","label","created"}]. */
int store_token_list(struct store *s, const char *sub, json_t **out);
/* Revokes a token of sub by its id. 0, -ENOENT or -EIO. */
int store_token_delete(struct store *s, const char *sub, const char *id);

/* Deployment settings: a new object (defaults where never set). */
json_t *store_settings_get(struct store *s);
int store_settings_put(struct store *s, json_t *settings);

#endif
