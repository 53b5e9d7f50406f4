/* SPDX-License-Identifier: MIT */
/*
 * etcd internals: the etcd store's handle and its key-value layer (etcd_tx.c), which the store's
 * operations (etcd.c), the rules' view (etcd_view.c) and the watch (etcd_watch.c) share. The key
 * layout is docs/store.md's; every key is under the handle's root ("/vnetgw/v1").
 */
#ifndef VNETGW_MGMT_STORE_ETCD_INTERNAL_H
#define VNETGW_MGMT_STORE_ETCD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/store/backend.h"
#include "mgmt/store/etcd_http.h"

#define ETCD_LAYOUT	1
#define ETCD_KEY_MAX	1600 /* root + two ids (a reference) */
#define ETCD_ROOT_MAX	128
#define ETCD_NODE_MAX	64
#define ETCD_RANGE_PAGE 500 /* keys per range request when reading a whole collection */
#define ETCD_AUTO_TRIES 8   /* a mutation outside a transaction, again after a conflict */

/* One key and value of a range. */
struct etcd_kv {
	char *key;
	char *val; /* NULL for keys_only */
};

struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	bool more; /* a limit cut the range */
};

/* A key the transaction read: its mod_revision (0: absent) and value (cached). */
struct etcd_read {
	char *key;
	char *val; /* NULL: absent */
	int64_t mod;
	bool secret;
};

/* A write the transaction holds until commit: val NULL deletes. One per key. */
struct etcd_write {
	char *key;
	char *val;
	bool secret;
};

struct etcd_tx {
	bool open, read_only;
	int64_t rev; /* the revision every read of the transaction is of (0: none yet) */
	struct etcd_read *reads;
	size_t n_reads, cap_reads;
	struct etcd_write *writes;
	size_t n_writes, cap_writes;
	bool secret; /* a shared key passed through: a new HTTP client after */
	/* read-only: every key under the root, sorted, loaded by the first read */
	struct etcd_kvs snap;
	bool snapped;
};

struct etcd_watch;

struct etcd_store {
	struct store base;
	struct etcd_http *http;
	char root[ETCD_ROOT_MAX]; /* ".../v1", no trailing slash */
	char node[ETCD_NODE_MAX];
	int layout;
	struct etcd_tx tx;
	struct etcd_watch *watch;
};

static inline struct etcd_store *etcd_of(struct store *s)
{
	return (struct etcd_store *)s;
}

void etcd_kvs_clear(struct etcd_kvs *l);

int etx_begin(struct etcd_store *e, bool read_only);
/* 0; -EAGAIN when a key the transaction read (or a collection it ranged over) changed since;
 * STORE_E_UNAVAILABLE; -EIO. Ends the transaction either way. */
int etx_commit(struct etcd_store *e);
void etx_rollback(struct etcd_store *e);

/*
 * A key's value (a new string in *val; NULL val: only whether it exists): 0, -ENOENT, or <0.
 * Inside a transaction: what it wrote itself, else the key at the transaction's revision,
 * recorded for the commit's compare. secret: the value is a shared key (wiped, and the HTTP
 * client renewed after).
 */
int etx_get(struct etcd_store *e, const char *key, bool secret, char **val);
/*
 * Keys in [start, end) in order, at most limit (0: all, read page by page at one revision),
 * with their values unless keys_only. Inside a transaction: at its revision, with its own
 * writes laid over, and the collection's revision key rev_key recorded for the commit -- every
 * write to a key of the range bumps rev_key (etx_put/etx_del say which), so a key added,
 * changed or removed there by another writer fails the commit.
 */
int etx_range(struct etcd_store *e, const char *start, const char *end, const char *rev_key,
	      size_t limit, bool keys_only, struct etcd_kvs *out);
/* How many keys [start, end) holds (as etx_range, without the values). */
int etx_count(struct etcd_store *e, const char *start, const char *end, const char *rev_key);
/* Buffered writes of the open transaction (-EINVAL outside one); rev_key (NULL: none) is the
 * collection's revision key, bumped by the same commit. */
int etx_put(struct etcd_store *e, const char *key, const char *val, const char *rev_key,
	    bool secret);
int etx_del(struct etcd_store *e, const char *key, const char *rev_key);
/* The end of the range of keys that start with prefix. */
void etx_prefix_end(const char *prefix, char *out, size_t n);

/* The watch (etcd_watch.c). */
int etcd_watch_start(struct etcd_store *e, store_changed_fn fn, void *arg);
void etcd_watch_stop(struct etcd_store *e);

/* The rules' view (etcd_view.c). */
int etcd_view(struct store *s, struct model_view *v);

/* Keys (etcd.c): into out (ETCD_KEY_MAX), from a store key (an id lower-cased). */
void etcd_key_res(const struct etcd_store *e, const char *key, char *out);
/* The type segment (lower case) of a top-level resource's key, into out (64): 0 or -EINVAL. */
int etcd_key_type(const char *key, char *out);
void etcd_key_rev_res(const struct etcd_store *e, const char *type_lc, char *out);
/* The revision key of the references to dst (a VNet's and its subnets' share one). */
void etcd_key_rev_ref(const struct etcd_store *e, const char *dst, char *out);
/* A resource's body from its stored value (a new reference) and its references (borrowed from
 * *doc, which the caller decrefs). */
json_t *etcd_res_body(const char *val, json_t **refs, json_t **doc);

#endif
