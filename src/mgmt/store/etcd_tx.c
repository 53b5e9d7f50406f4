/* SPDX-License-Identifier: MIT */
/*
 * etcd_tx: the etcd store's key-value layer and its transactions (docs/store.md "Transactions").
 * A transaction reads at one revision (the first read's) and records each key it read with its
 * mod_revision (0: absent), and for each range the collection's revision key; it buffers its
 * writes, which its own later reads see. The commit is one etcd Txn: compare every recorded
 * mod_revision, and if all are unchanged apply every write, bump the revision keys of the
 * collections written and sign the commit with the node's name; else nothing is written and
 * the commit returns -EAGAIN. The first failure of a transaction sticks (store_error): its
 * commit fails without asking etcd, so a read that failed can never pass for "absent". A
 * read-only transaction (a reconcile pass, which reads nearly everything) loads every key under
 * the root once, page by page at one revision, and answers each read from that snapshot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mgmt/store/etcd_internal.h"

void etcd_kvs_clear(struct etcd_kvs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->kv[i].key);
		etcd_str_wipe_free(l->kv[i].val);
	}
	free(l->kv);
	memset(l, 0, sizeof(*l));
}

static void tx_clear(struct etcd_store *e)
{
	struct etcd_tx *tx = &e->tx;

	for (size_t i = 0; i < tx->n_reads; i++) {
		free(tx->reads[i].key);
		etcd_str_wipe_free(tx->reads[i].val);
	}
	for (size_t i = 0; i < tx->n_writes; i++) {
		free(tx->writes[i].key);
		etcd_str_wipe_free(tx->writes[i].val);
	}
	free(tx->reads);
	free(tx->writes);
	etcd_kvs_clear(&tx->snap);
	if (tx->secret)
		etcd_http_recycle(e->http);
	memset(tx, 0, sizeof(*tx));
}

void etx_prefix_end(const char *prefix, char *out, size_t n)
{
	size_t len = strlen(prefix);

	snprintf(out, n, "%s", prefix);
	/* The keys here are printable ASCII: the last byte plus one ends the prefix's range. */
	if (len && len < n)
		out[len - 1]++;
}

/* ---- calls ----------------------------------------------------------------------------------- */

static int fail(struct etcd_store *e, int r)
{
	return store_fail(&e->base, r);
}

/* A range request; rev 0: the latest. */
static int range_call(struct etcd_store *e, const char *start, const char *end, size_t limit,
		      int64_t rev, bool keys_only, bool count_only, json_t **resp)
{
	json_t *req = json_object();
	int r;

	if (!req)
		return -ENOMEM;
	json_object_set_new(req, "key", etcd_json_b64(start));
	if (end)
		json_object_set_new(req, "range_end", etcd_json_b64(end));
	if (limit)
		json_object_set_new(req, "limit", json_integer((json_int_t)limit));
	if (rev)
		json_object_set_new(req, "revision", json_integer(rev));
	if (keys_only)
		json_object_set_new(req, "keys_only", json_true());
	if (count_only)
		json_object_set_new(req, "count_only", json_true());
	r = etcd_http_call(e->http, "kv/range", req, resp);
	json_decref(req);
	return r;
}

/* The revision an answer is of. */
static int64_t header_rev(json_t *resp)
{
	return etcd_json_int(json_object_get(resp, "header"), "revision");
}

/* A kv's field, decoded: a new string or NULL ("" for an empty value). */
static char *kv_field(json_t *kv, const char *field)
{
	const char *b = json_string_value(json_object_get(kv, field));
	size_t n;

	return etcd_unb64(b ? b : "", &n);
}

/* ---- transactions ---------------------------------------------------------------------------- */

int etx_begin(struct etcd_store *e, bool read_only)
{
	if (e->tx.open)
		return -EBUSY;
	tx_clear(e);
	e->tx.open = true;
	e->tx.read_only = read_only;
	return 0;
}

void etx_rollback(struct etcd_store *e)
{
	tx_clear(e);
}

static struct etcd_write *find_write(struct etcd_store *e, const char *key)
{
	for (size_t i = 0; i < e->tx.n_writes; i++)
		if (strcmp(e->tx.writes[i].key, key) == 0)
			return &e->tx.writes[i];
	return NULL;
}

static struct etcd_read *find_read(struct etcd_store *e, const char *key)
{
	for (size_t i = 0; i < e->tx.n_reads; i++)
		if (strcmp(e->tx.reads[i].key, key) == 0)
			return &e->tx.reads[i];
	return NULL;
}

static int copy_out(const char *v, char **val)
{
	if (!v)
		return -ENOENT;
	if (val && !(*val = strdup(v)))
		return -ENOMEM;
	return 0;
}

static int snap_get(struct etcd_store *e, const char *key, char **val);

int etx_get(struct etcd_store *e, const char *key, bool secret, char **val)
{
	struct etcd_tx *tx = &e->tx;
	struct etcd_write *w;
	struct etcd_read *rd;
	json_t *resp = NULL, *kv;
	char *v = NULL;
	int64_t mod = 0;
	int r;

	if (val)
		*val = NULL;
	if (tx->open) {
		if (e->base.err)
			return e->base.err;
		if (tx->read_only)
			return snap_get(e, key, val);
		w = find_write(e, key);
		if (w)
			return fail(e, copy_out(w->val, val));
		rd = find_read(e, key);
		if (rd)
			return fail(e, copy_out(rd->val, val));
	}
	r = range_call(e, key, NULL, 1, tx->open ? tx->rev : 0, false, false, &resp);
	if (r)
		goto out;
	kv = json_array_get(json_object_get(resp, "kvs"), 0);
	if (kv) {
		v = kv_field(kv, "value");
		mod = etcd_json_int(kv, "mod_revision");
		if (!v) {
			r = -EIO;
			goto out;
		}
	}
	if (tx->open) {
		if (!tx->rev)
			tx->rev = header_rev(resp);
		if (tx->n_reads == tx->cap_reads) {
			size_t cap = tx->cap_reads ? 2 * tx->cap_reads : 8;
			struct etcd_read *nr = realloc(tx->reads, cap * sizeof(*nr));

			if (!nr) {
				r = -ENOMEM;
				goto out;
			}
			tx->reads = nr;
			tx->cap_reads = cap;
		}
		rd = &tx->reads[tx->n_reads];
		rd->key = strdup(key);
		if (!rd->key) {
			r = -ENOMEM;
			goto out;
		}
		rd->val = v;
		rd->mod = mod;
		rd->secret = secret;
		tx->n_reads++;
		tx->secret |= secret;
		v = NULL;
		r = copy_out(rd->val, val);
	} else {
		r = copy_out(v, val);
	}
out:
	etcd_str_wipe_free(v);
	json_decref(resp);
	if (secret && !tx->open)
		etcd_http_recycle(e->http);
	return fail(e, r);
}

static int kvs_add(struct etcd_kvs *l, size_t *cap, char *key, char *val)
{
	if (l->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		struct etcd_kv *n = realloc(l->kv, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->kv = n;
		*cap = nc;
	}
	l->kv[l->n].key = key;
	l->kv[l->n].val = val;
	l->n++;
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key, ((const struct etcd_kv *)b)->key);
}

/* The transaction's own writes in [start, end) laid over what etcd gave (up to `upto` when
 * etcd has more: keys past it come in a later page). */
static int overlay(struct etcd_store *e, const char *start, const char *end, const char *upto,
		   bool keys_only, struct etcd_kvs *l, size_t *cap)
{
	for (size_t i = 0; i < e->tx.n_writes; i++) {
		const struct etcd_write *w = &e->tx.writes[i];
		size_t k;

		if (strcmp(w->key, start) < 0 || strcmp(w->key, end) >= 0 ||
		    (upto && strcmp(w->key, upto) > 0))
			continue;
		for (k = 0; k < l->n && strcmp(l->kv[k].key, w->key) != 0; k++)
			;
		if (k < l->n) {
			etcd_str_wipe_free(l->kv[k].val);
			l->kv[k].val = NULL;
			if (!w->val) {
				free(l->kv[k].key);
				l->kv[k] = l->kv[--l->n];
				continue;
			}
			if (!keys_only && !(l->kv[k].val = strdup(w->val)))
				return -ENOMEM;
		} else if (w->val) {
			char *key = strdup(w->key), *val = keys_only ? NULL : strdup(w->val);

			if (!key || (!keys_only && !val) || kvs_add(l, cap, key, val) != 0) {
				free(key);
				etcd_str_wipe_free(val);
				return -ENOMEM;
			}
		}
	}
	if (l->n > 1)
		qsort(l->kv, l->n, sizeof(l->kv[0]), kv_cmp);
	return 0;
}

static size_t deletes_in(struct etcd_store *e, const char *start, const char *end)
{
	size_t n = 0;

	for (size_t i = 0; i < e->tx.n_writes; i++)
		if (!e->tx.writes[i].val && strcmp(e->tx.writes[i].key, start) >= 0 &&
		    strcmp(e->tx.writes[i].key, end) < 0)
			n++;
	return n;
}

/* Pages of [start, end) at *rev (0: the latest, then set) into out until want keys (0: all);
 * *more: etcd has more past them. */
static int fetch(struct etcd_store *e, const char *start, const char *end, int64_t *rev,
		 size_t want, bool keys_only, struct etcd_kvs *out, size_t *cap, bool *more)
{
	char from[ETCD_KEY_MAX];
	int r = 0;

	*more = true;
	snprintf(from, sizeof(from), "%s", start);
	while (*more && (!want || out->n < want)) {
		size_t page =
			want && want - out->n < ETCD_RANGE_PAGE ? want - out->n : ETCD_RANGE_PAGE;
		json_t *resp = NULL, *kv;
		size_t i, got;

		r = range_call(e, from, end, page, *rev, keys_only, false, &resp);
		if (r)
			break;
		if (!*rev)
			*rev = header_rev(resp);
		*more = json_is_true(json_object_get(resp, "more"));
		got = json_array_size(json_object_get(resp, "kvs"));
		json_array_foreach(json_object_get(resp, "kvs"), i, kv)
		{
			char *key = kv_field(kv, "key"),
			     *val = keys_only ? NULL : kv_field(kv, "value");

			if (!key || (!keys_only && !val) || kvs_add(out, cap, key, val) != 0) {
				free(key);
				etcd_str_wipe_free(val);
				r = -ENOMEM;
				break;
			}
		}
		json_decref(resp);
		if (r)
			break;
		if (!got)
			*more = false;
		if (*more)
			/* The next page starts just past the last key (keys hold no byte below
			 * 0x20). */
			snprintf(from, sizeof(from), "%s\x01", out->kv[out->n - 1].key);
	}
	return r;
}

/* A read-only transaction's snapshot: every key under the root, loaded by its first read. */
static int snap_load(struct etcd_store *e)
{
	struct etcd_tx *tx = &e->tx;
	char prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX];
	size_t cap = 0;
	bool more;
	int r;

	if (tx->snapped)
		return 0;
	snprintf(prefix, sizeof(prefix), "%s/", e->root);
	etx_prefix_end(prefix, end, sizeof(end));
	r = fetch(e, prefix, end, &tx->rev, 0, false, &tx->snap, &cap, &more);
	if (r)
		return fail(e, r);
	/* It holds the shared keys: wiped with it, and a new HTTP client after. */
	tx->secret = true;
	tx->snapped = true;
	return 0;
}

/* The first key of the snapshot at or past key. */
static size_t snap_lower(const struct etcd_kvs *l, const char *key)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->kv[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int snap_get(struct etcd_store *e, const char *key, char **val)
{
	struct etcd_kvs *l = &e->tx.snap;
	size_t i;
	int r = snap_load(e);

	if (r)
		return r;
	i = snap_lower(l, key);
	return fail(
		e, copy_out(i < l->n && strcmp(l->kv[i].key, key) == 0 ? l->kv[i].val : NULL, val));
}

static int snap_range(struct etcd_store *e, const char *start, const char *end, size_t limit,
		      bool keys_only, struct etcd_kvs *out)
{
	struct etcd_kvs *l = &e->tx.snap;
	size_t i, cap = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = snap_load(e);
	if (r)
		return r;
	for (i = snap_lower(l, start); i < l->n && strcmp(l->kv[i].key, end) < 0; i++) {
		char *key, *val = NULL;

		if (limit && out->n == limit) {
			out->more = true;
			break;
		}
		key = strdup(l->kv[i].key);
		if (!keys_only)
			val = strdup(l->kv[i].val);
		if (!key || (!keys_only && !val) || kvs_add(out, &cap, key, val) != 0) {
			free(key);
			etcd_str_wipe_free(val);
			etcd_kvs_clear(out);
			return fail(e, -ENOMEM);
		}
	}
	return 0;
}

int etx_range(struct etcd_store *e, const char *start, const char *end, const char *rev_key,
	      size_t limit, bool keys_only, struct etcd_kvs *out)
{
	struct etcd_tx *tx = &e->tx;
	size_t cap = 0, want = 0;
	int64_t rev = tx->open ? tx->rev : 0;
	bool more = true;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (tx->open && tx->read_only)
		return e->base.err ? e->base.err : snap_range(e, start, end, limit, keys_only, out);
	if (tx->open) {
		if (e->base.err)
			return e->base.err;
		/* The collection's revision first: a later write anywhere in it fails the commit.
		 */
		if (rev_key) {
			r = etx_get(e, rev_key, false, NULL);
			if (r && r != -ENOENT)
				return r;
			rev = tx->rev;
		}
		/* Enough that the transaction's own deletes still leave limit + 1. */
		if (limit)
			want = limit + 1 + deletes_in(e, start, end);
	} else if (limit) {
		want = limit + 1;
	}
	r = fetch(e, start, end, &rev, want, keys_only, out, &cap, &more);
	if (tx->open && !tx->rev)
		tx->rev = rev;
	if (!r && tx->open)
		r = overlay(e, start, end, more && out->n ? out->kv[out->n - 1].key : NULL,
			    keys_only, out, &cap);
	if (!r && limit && out->n > limit) {
		while (out->n > limit) {
			out->n--;
			free(out->kv[out->n].key);
			etcd_str_wipe_free(out->kv[out->n].val);
		}
		more = true;
	}
	out->more = !r && more;
	if (r)
		etcd_kvs_clear(out);
	return fail(e, r);
}

int etx_count(struct etcd_store *e, const char *start, const char *end, const char *rev_key)
{
	struct etcd_tx *tx = &e->tx;
	json_t *resp = NULL;
	int64_t n;
	int r;

	if (tx->open && tx->read_only) {
		struct etcd_kvs l;

		if (e->base.err)
			return e->base.err;
		r = snap_range(e, start, end, 0, true, &l);
		n = (int64_t)l.n;
		etcd_kvs_clear(&l);
		return r ? r : (int)n;
	}
	if (tx->open) {
		bool mine = false;

		for (size_t i = 0; i < tx->n_writes && !mine; i++)
			mine = strcmp(tx->writes[i].key, start) >= 0 &&
			       strcmp(tx->writes[i].key, end) < 0;
		if (mine) {
			struct etcd_kvs l;

			r = etx_range(e, start, end, rev_key, 0, true, &l);
			n = (int64_t)l.n;
			etcd_kvs_clear(&l);
			return r ? r : (int)n;
		}
		if (e->base.err)
			return e->base.err;
		if (rev_key) {
			r = etx_get(e, rev_key, false, NULL);
			if (r && r != -ENOENT)
				return r;
		}
	}
	r = range_call(e, start, end, 0, tx->open ? tx->rev : 0, true, true, &resp);
	if (r)
		return fail(e, r);
	if (tx->open && !tx->rev)
		tx->rev = header_rev(resp);
	n = etcd_json_int(resp, "count");
	json_decref(resp);
	return n > INT32_MAX ? fail(e, -EOVERFLOW) : (int)n;
}

static int write_buf(struct etcd_store *e, const char *key, const char *val, bool secret)
{
	struct etcd_tx *tx = &e->tx;
	struct etcd_write *w;
	char *v = NULL;

	if (!tx->open || tx->read_only) {
		log_err("Mgmt", "store: a write outside a write transaction");
		return fail(e, -EINVAL);
	}
	if (e->base.err)
		return e->base.err;
	if (val && !(v = strdup(val)))
		return fail(e, -ENOMEM);
	tx->secret |= secret;
	w = find_write(e, key);
	if (w) {
		etcd_str_wipe_free(w->val);
		w->val = v;
		w->secret |= secret;
		return 0;
	}
	if (tx->n_writes == tx->cap_writes) {
		size_t cap = tx->cap_writes ? 2 * tx->cap_writes : 8;
		struct etcd_write *nw = realloc(tx->writes, cap * sizeof(*nw));

		if (!nw) {
			etcd_str_wipe_free(v);
			return fail(e, -ENOMEM);
		}
		tx->writes = nw;
		tx->cap_writes = cap;
	}
	w = &tx->writes[tx->n_writes];
	w->key = strdup(key);
	if (!w->key) {
		etcd_str_wipe_free(v);
		return fail(e, -ENOMEM);
	}
	w->val = v;
	w->secret = secret;
	tx->n_writes++;
	return 0;
}

int etx_put(struct etcd_store *e, const char *key, const char *val, const char *rev_key,
	    bool secret)
{
	int r = write_buf(e, key, val ? val : "", secret);

	return r || !rev_key ? r : write_buf(e, rev_key, "", false);
}

int etx_del(struct etcd_store *e, const char *key, const char *rev_key)
{
	int r = write_buf(e, key, NULL, false);

	return r || !rev_key ? r : write_buf(e, rev_key, "", false);
}

static json_t *op_put(const char *key, const char *val)
{
	return json_pack("{s:{s:o, s:o}}", "request_put", "key", etcd_json_b64(key), "value",
			 etcd_json_b64(val));
}

int etx_commit(struct etcd_store *e)
{
	struct etcd_tx *tx = &e->tx;
	json_t *req = NULL, *cmp, *ops, *resp = NULL;
	char origin[ETCD_KEY_MAX];
	int r = 0;

	if (!tx->open)
		return fail(e, -EINVAL);
	if (e->base.err) {
		r = e->base.err;
		goto out;
	}
	/* A reader's snapshot was consistent: there is nothing to check. */
	if (!tx->n_writes)
		goto out;
	cmp = json_array();
	ops = json_array();
	req = json_pack("{s:o, s:o, s:[]}", "compare", cmp, "success", ops, "failure");
	if (!req) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < tx->n_reads; i++)
		json_array_append_new(cmp, json_pack("{s:o, s:s, s:s, s:I}", "key",
						     etcd_json_b64(tx->reads[i].key), "target",
						     "MOD", "result", "EQUAL", "mod_revision",
						     (json_int_t)tx->reads[i].mod));
	for (size_t i = 0; i < tx->n_writes; i++) {
		const struct etcd_write *w = &tx->writes[i];

		if (w->val)
			json_array_append_new(ops, op_put(w->key, w->val));
		else
			json_array_append_new(ops, json_pack("{s:{s:o}}", "request_delete_range",
							     "key", etcd_json_b64(w->key)));
	}
	/* Signed: a node's watch knows its own commits. */
	snprintf(origin, sizeof(origin), "%s/origin", e->root);
	json_array_append_new(ops, op_put(origin, e->node));
	r = etcd_http_call(e->http, "kv/txn", req, &resp);
	if (r == 0 && !json_is_true(json_object_get(resp, "succeeded")))
		r = STORE_E_CONFLICT;
	if (r == STORE_E_CONFLICT)
		log_debug("Mgmt",
			  "store: commit at revision %lld met a conflicting writer "
			  "(%zu reads compared)",
			  (long long)tx->rev, tx->n_reads);
out:
	json_decref(req);
	json_decref(resp);
	tx_clear(e);
	return r ? fail(e, r) : 0;
}
