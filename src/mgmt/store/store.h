/* SPDX-License-Identifier: MIT */
/*
 * store: the management plane's source of truth (SPEC §1): one SQLite file in the data directory
 * (sqlite.c, the embedded default), or an etcd v3 cluster that several vnetgwd nodes share
 * (etcd.c; SPEC §8, docs/store.md). Resources are kept as their ARM JSON, with the references
 * between them (rule 12) and the write-only shared keys apart; subscriptions, hashed tokens and
 * deployment settings beside them. Every mutation runs inside store_begin()/store_commit() while
 * the rules read the state through store_view(), so two requests can never both take the last
 * tunnel or the same address: SQLite holds its write lock for the transaction; etcd records
 * what the transaction read and commits its writes in one etcd transaction that compares every
 * read, so a conflicting writer makes the commit fail with -EAGAIN (callers start again).
 */
#ifndef VNETGW_MGMT_STORE_STORE_H
#define VNETGW_MGMT_STORE_STORE_H

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/model/model.h"

struct store;

/* Why a store call failed (store_error, and the returns that say so): */
#define STORE_E_CONFLICT    (-EAGAIN)	    /* commit: another writer changed what was read */
#define STORE_E_UNAVAILABLE (-EHOSTUNREACH) /* the store did not answer within its deadline */

/* Opens (creating) the SQLite database at path, in WAL mode with synchronous=FULL, and applies
 * the schema migrations it lacks. 0, or -EIO with the reason logged. */
int store_open(const char *path, struct store **out);
/*
 * Opens the store url names: "sqlite:PATH" (as store_open), or
 * "etcd://HOST:PORT[,HOST:PORT...][/ROOT]" -- an etcd v3 cluster through its HTTP/JSON gateway,
 * the members tried in turn, keys under ROOT/v1/ (ROOT default /vnetgw; docs/store.md). Opening
 * etcd reaches it once (the layout key): 0, -EINVAL for a malformed url, -EHOSTUNREACH when
 * no member answers within the deadline, -EIO.
 */
int store_open_url(const char *url, struct store **out);
void store_close(struct store *s);
/* "sqlite" or "etcd". */
const char *store_backend(const struct store *s);
/* The schema version after migrations (SQLite), or the key layout's version (etcd). */
int store_schema_version(struct store *s);

/*
 * Transactions. SQLite: BEGIN IMMEDIATE / COMMIT / ROLLBACK. etcd: reads inside are of one
 * revision and recorded, writes are buffered (and seen by the transaction's own reads), and the
 * commit is one etcd Txn comparing every read; nothing is written before it. A failed commit is
 * rolled back and returns -EAGAIN (etcd: a conflicting writer; run the transaction again from
 * its start), -EHOSTUNREACH (unavailable) or -EIO. Both end with store_release.
 */
int store_begin(struct store *s);
/* A read-only transaction: every read of one snapshot, failures sticky (store_error); ends with
 * store_rollback. For readers that read much and must not mistake a failure for absence. */
int store_begin_read(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/*
 * Why the last failing call failed: 0 (it did not: a NULL from store_get is then "absent"),
 * STORE_E_UNAVAILABLE, STORE_E_CONFLICT or -EIO. Inside a transaction the first failure stays
 * until it ends (and fails its commit); outside, each call starts afresh.
 */
int store_error(struct store *s);
/* Outside a transaction: hands the page cache back to the allocator (readers call it after
 * reading shared keys). */
void store_release(struct store *s);

/*
 * The store's libraries' memory (SQLite's and libcurl's) from these functions (a wiping
 * allocator: daemon/main.c), for every store of the process. Call before the first store_open;
 * the table must outlive every store. 0, or -EBUSY when SQLite is already in use.
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

/*
 * Changes committed through OTHER store handles (other nodes), for a store that several
 * processes share (etcd): fn(arg, id) is called, on a thread of the store's own, with the
 * resource's id for each resource or shared key changed, MGMT's settings id ("/admin/settings")
 * for the settings, and "" when changes may have been missed (the watch was compacted past, or
 * reconnected after an outage: read everything again). The watch resumes from the last revision
 * it saw after a disconnect. fn must be thread-safe. -EOPNOTSUPP for SQLite (one process: its
 * commits call their hooks), -EALREADY when running. store_watch_stop (and store_close) end it.
 */
#define STORE_SETTINGS_ID "/admin/settings" /* = MGMT_SETTINGS_ID */
typedef void (*store_changed_fn)(void *arg, const char *id);
int store_watch_start(struct store *s, store_changed_fn fn, void *arg);
void store_watch_stop(struct store *s);
/* The node name this handle signs its commits with (etcd); a watch leaves out the commits signed
 * with its own handle's name. Default: a random name per handle. Handles of one process that
 * call their hooks themselves share one name. */
void store_set_node(struct store *s, const char *node);

/* TESTS ONLY: fn(arg) runs at the start of every store_commit of s, before the store is asked (a test makes a conflicting writer act there). NULL clears it. */
typedef void (*store_commit_hook_fn)(void *arg);
void store_set_commit_hook(struct store *s, store_commit_hook_fn fn, void *arg);

#endif
