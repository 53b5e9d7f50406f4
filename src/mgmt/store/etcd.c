/* SPDX-License-Identifier: MIT */
/*
 * etcd: the store on an etcd v3 cluster that several vnetgwd nodes share (SPEC §8), with the
 * same functions and meaning as SQLite's (docs/store.md has the key layout). A resource is one
 * key holding its body and the keys it references; each reference is a key of its own under
 * the referenced resource, so "who references X" is one range; shared keys, subscriptions,
 * tokens (by digest, and by subscription and id) and the settings have keys of their own. Every
 * write goes through a transaction (etcd_tx.c); one made outside store_begin is a transaction
 * of its own, tried again from its start when another writer got in between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "mgmt/ids.h"
#include "mgmt/store/etcd_internal.h"

static const struct store_ops etcd_ops;

/*
 * Runs call, an int expression writing through e's transaction: inside the open one, or in a
 * transaction of its own, committed when call returns 0 and run again from the start when the
 * commit meets a conflicting writer (at most ETCD_AUTO_TRIES times).
 */
#define AUTOCOMMIT(e, call)                                                                        \
	({                                                                                         \
		int r_ = 0;                                                                        \
		if ((e)->tx.open) {                                                                \
			r_ = (call);                                                               \
		} else {                                                                           \
			for (int n_ = 0; n_ < ETCD_AUTO_TRIES; n_++) {                             \
				(e)->base.err = 0;                                                 \
				etx_begin((e), false);                                             \
				r_ = (call);                                                       \
				if (r_)                                                            \
					etx_rollback(e);                                           \
				else                                                               \
					r_ = etx_commit(e);                                        \
				if (r_ != STORE_E_CONFLICT)                                        \
					break;                                                     \
			}                                                                          \
		}                                                                                  \
		r_;                                                                                \
	})

/* ---- keys ------------------------------------------------------------------------------------ */

static void key_of(const char *id, char *out, size_t n)
{
	model_id_key(id ? id : "", out, n);
}

int etcd_key_type(const char *key, char *out)
{
	/* /subscriptions/S/resourcegroups/RG/providers/microsoft.network/TYPE/NAME */
	const char *p = key, *seg[9];
	int n = 0;

	while (*p == '/' && n < 9) {
		seg[n++] = ++p;
		p += strcspn(p, "/");
	}
	if (n != 8 || *p || strncmp(seg[0], "subscriptions/", 14) != 0 ||
	    strncmp(seg[2], "resourcegroups/", 15) != 0 || seg[7] - seg[6] > 63 ||
	    seg[7] == seg[6] + 1)
		return -EINVAL;
	snprintf(out, 64, "%.*s", (int)(seg[7] - seg[6] - 1), seg[6]);
	return 0;
}

static void type_lc(enum model_type t, char *out)
{
	const char *seg = model_type_segment(t);
	size_t i;

	for (i = 0; seg[i] && i < 63; i++)
		out[i] = (char)((seg[i] >= 'A' && seg[i] <= 'Z') ? seg[i] + 32 : seg[i]);
	out[i] = '\0';
}

void etcd_key_res(const struct etcd_store *e, const char *key, char *out)
{
	char type[64];

	if (etcd_key_type(key, type) != 0)
		snprintf(type, sizeof(type), "-"); /* a key nothing is stored under */
	snprintf(out, ETCD_KEY_MAX, "%s/res/%s%s", e->root, type, key);
}

void etcd_key_rev_res(const struct etcd_store *e, const char *type, char *out)
{
	snprintf(out, ETCD_KEY_MAX, "%s/rev/res/%s", e->root, type);
}

static void key_ref(const struct etcd_store *e, const char *dst, const char *src, char *out)
{
	snprintf(out, ETCD_KEY_MAX, "%s/ref%s/@%s", e->root, dst, src);
}

/* References to a VNet's subnets are counted with the VNet: one revision key for both. */
void etcd_key_rev_ref(const struct etcd_store *e, const char *dst, char *out)
{
	const char *sn = strstr(dst, "/subnets/");

	snprintf(out, ETCD_KEY_MAX, "%s/rev/ref%.*s", e->root,
		 (int)(sn ? (size_t)(sn - dst) : strlen(dst)), dst);
}

static void key_psk(const struct etcd_store *e, const char *key, char *out)
{
	snprintf(out, ETCD_KEY_MAX, "%s/psk%s", e->root, key);
}

static void key_sub(const struct etcd_store *e, const char *id, char *out)
{
	char l[MODEL_ID_MAX];

	key_of(id, l, sizeof(l));
	snprintf(out, ETCD_KEY_MAX, "%s/sub/%s", e->root, l);
}

static void key_tok(const struct etcd_store *e, const char *hash, char *out)
{
	snprintf(out, ETCD_KEY_MAX, "%s/tok/%s", e->root, hash);
}

/* The tokens of a subscription (id NULL: the prefix of them all). */
static void key_tokid(const struct etcd_store *e, const char *sub, const char *id, char *out)
{
	char ls[MODEL_ID_MAX], li[MODEL_ID_MAX];

	key_of(sub, ls, sizeof(ls));
	key_of(id ? id : "", li, sizeof(li));
	snprintf(out, ETCD_KEY_MAX, "%s/tokid/%s/%s", e->root, ls, li);
}

static void key_named(const struct etcd_store *e, const char *name, char *out)
{
	snprintf(out, ETCD_KEY_MAX, "%s/%s", e->root, name);
}

json_t *etcd_res_body(const char *val, json_t **refs, json_t **doc)
{
	*doc = val ? json_loads(val, 0, NULL) : NULL;
	if (refs)
		*refs = json_object_get(*doc, "refs");
	return json_incref(json_object_get(*doc, "body"));
}

/* ---- handle ---------------------------------------------------------------------------------- */

static void ec_close(struct store *s)
{
	struct etcd_store *e = etcd_of(s);

	etcd_watch_stop(e);
	etx_rollback(e);
	etcd_http_free(e->http);
	free(e);
}

static int ec_schema_version(struct store *s)
{
	return etcd_of(s)->layout;
}

static void ec_set_node(struct store *s, const char *node)
{
	snprintf(etcd_of(s)->node, ETCD_NODE_MAX, "%s", node ? node : "");
}

static int layout_tx(struct etcd_store *e, const char *key, int *have)
{
	char *v = NULL;
	int r = etx_get(e, key, false, &v);

	if (r == -ENOENT) {
		*have = ETCD_LAYOUT;
		return etx_put(e, key, "1", NULL, false);
	}
	if (r == 0)
		*have = atoi(v);
	free(v);
	return r;
}

/* "HOST:PORT[,HOST:PORT...][/ROOT][?timeout=MS]" */
int store_etcd_open(const char *spec, struct store **out)
{
	struct etcd_store *e = calloc(1, sizeof(*e));
	char members[1024], key[ETCD_KEY_MAX], root[ETCD_ROOT_MAX - 16] = "/vnetgw";
	const char *slash, *q;
	long timeout = 0;
	int r = -EINVAL, have = 0;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->base.ops = &etcd_ops;
	q = strchr(spec, '?');
	if (q && sscanf(q, "?timeout=%ld", &timeout) != 1) {
		log_err("Mgmt", "store: etcd://%s: the only option is ?timeout=MS", spec);
		goto fail;
	}
	slash = strchr(spec, '/');
	if (slash && q && slash > q)
		slash = NULL;
	if ((size_t)((slash ? slash : q ? q : spec + strlen(spec)) - spec) >= sizeof(members))
		goto fail;
	snprintf(members, sizeof(members), "%.*s",
		 (int)((slash ? slash
			: q   ? q
			      : spec + strlen(spec)) -
		       spec),
		 spec);
	if (slash) {
		size_t n = (size_t)((q ? q : slash + strlen(slash)) - slash);

		if (n < 2 || n >= sizeof(root) || slash[n - 1] == '/') {
			log_err("Mgmt", "store: etcd://%s: the root is /NAME[/NAME...]", spec);
			goto fail;
		}
		snprintf(root, sizeof(root), "%.*s", (int)n, slash);
	}
	snprintf(e->root, sizeof(e->root), "%s/v%d", root, ETCD_LAYOUT);
	if (mgmt_uuid_new(e->node) != 0) {
		r = -EIO;
		goto fail;
	}
	r = etcd_http_new(members, timeout, &e->http);
	if (r) {
		log_err("Mgmt", "store: etcd://%s: members are HOST:PORT[,HOST:PORT...]", spec);
		goto fail;
	}
	/* The layout's version: written by the first node, checked by every other. */
	key_named(e, "layout", key);
	r = AUTOCOMMIT(e, layout_tx(e, key, &have));
	if (r) {
		log_err("Mgmt", "store: cannot reach etcd at %s: %s", members,
			r == STORE_E_UNAVAILABLE ? "no member answered" : strerror(-r));
		goto fail;
	}
	if (have != ETCD_LAYOUT) {
		log_err("Mgmt",
			"store: etcd %s holds key layout %d under %s; this vnetgwd speaks %d",
			members, have, root, ETCD_LAYOUT);
		r = -EIO;
		goto fail;
	}
	e->layout = have;
	*out = &e->base;
	return 0;
fail:
	ec_close(&e->base);
	return r;
}

static int ec_begin(struct store *s, bool read_only)
{
	return etx_begin(etcd_of(s), read_only);
}

static int ec_commit(struct store *s)
{
	return etx_commit(etcd_of(s));
}

static void ec_rollback(struct store *s)
{
	etx_rollback(etcd_of(s));
}

static void ec_release(struct store *s)
{
	/* Nothing is cached between transactions: buffers that held a key were wiped. */
}

/* ---- resources ------------------------------------------------------------------------------- */

static json_t *ec_get(struct store *s, const char *id)
{
	struct etcd_store *e = etcd_of(s);
	char key[MODEL_ID_MAX], k[ETCD_KEY_MAX], *val = NULL;
	json_t *doc, *body;

	key_of(id, key, sizeof(key));
	etcd_key_res(e, key, k);
	if (etx_get(e, k, false, &val) != 0)
		return NULL;
	body = etcd_res_body(val, NULL, &doc);
	json_decref(doc);
	free(val);
	if (!body)
		store_fail(s, -EIO);
	return body;
}

static bool has_string(json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
					  strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static int put_tx(struct etcd_store *e, enum model_type t, json_t *res, json_t *refs)
{
	const char *id = json_string_value(json_object_get(res, "id"));
	char key[MODEL_ID_MAX], type[64], want[64], k[ETCD_KEY_MAX], rk[ETCD_KEY_MAX];
	char rv[ETCD_KEY_MAX], *old = NULL, *text = NULL;
	json_t *olddoc = NULL, *oldbody, *oldrefs = NULL, *newrefs = json_array(), *v, *doc = NULL;
	size_t i;
	int r;

	key_of(id, key, sizeof(key));
	type_lc(t, want);
	if (!id || !newrefs || etcd_key_type(key, type) != 0 || strcmp(type, want) != 0) {
		log_err("Mgmt", "store: '%s' is not the id of a %s", id ? id : "(none)",
			model_type_segment(t));
		json_decref(newrefs);
		return -EINVAL;
	}
	etcd_key_res(e, key, k);
	r = etx_get(e, k, false, &old);
	if (r && r != -ENOENT)
		goto out;
	oldbody = etcd_res_body(old, &oldrefs, &olddoc);
	json_decref(oldbody);
	json_array_foreach(refs, i, v)
	{
		char dst[MODEL_ID_MAX];

		key_of(json_string_value(v), dst, sizeof(dst));
		if (dst[0] && !has_string(newrefs, dst))
			json_array_append_new(newrefs, json_string(dst));
	}
	r = 0;
	/* The references that go, and those that come; each bumps its target's revision. */
	json_array_foreach(oldrefs, i, v)
	{
		if (r || has_string(newrefs, json_string_value(v)))
			continue;
		key_ref(e, json_string_value(v), key, rk);
		etcd_key_rev_ref(e, json_string_value(v), rv);
		r = etx_del(e, rk, rv);
	}
	json_array_foreach(newrefs, i, v)
	{
		if (r || has_string(oldrefs, json_string_value(v)))
			continue;
		key_ref(e, json_string_value(v), key, rk);
		etcd_key_rev_ref(e, json_string_value(v), rv);
		r = etx_put(e, rk, id, rv, false);
	}
	if (r)
		goto out;
	doc = json_pack("{s:O, s:O}", "body", res, "refs", newrefs);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!text) {
		r = -ENOMEM;
		goto out;
	}
	etcd_key_rev_res(e, type, rv);
	r = etx_put(e, k, text, rv, false);
out:
	free(old);
	free(text);
	json_decref(doc);
	json_decref(olddoc);
	json_decref(newrefs);
	return r;
}

static int ec_put(struct store *s, enum model_type t, const char *sub, const char *rg, json_t *res,
		  json_t *refs)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, put_tx(e, t, res, refs));
}

static int del_tx(struct etcd_store *e, const char *id)
{
	char key[MODEL_ID_MAX], type[64], k[ETCD_KEY_MAX], rk[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	char *old = NULL;
	json_t *doc = NULL, *body, *refs = NULL, *v;
	size_t i;
	int r;

	key_of(id, key, sizeof(key));
	if (etcd_key_type(key, type) != 0)
		return -ENOENT;
	etcd_key_res(e, key, k);
	r = etx_get(e, k, false, &old);
	if (r)
		return r;
	body = etcd_res_body(old, &refs, &doc);
	json_decref(body);
	json_array_foreach(refs, i, v)
	{
		key_ref(e, json_string_value(v), key, rk);
		etcd_key_rev_ref(e, json_string_value(v), rv);
		if (!r)
			r = etx_del(e, rk, rv);
	}
	etcd_key_rev_res(e, type, rv);
	if (!r)
		r = etx_del(e, k, rv);
	/* A connection's key goes with it. */
	key_psk(e, key, rk);
	if (!r)
		r = etx_del(e, rk, NULL);
	json_decref(doc);
	free(old);
	return r;
}

static int ec_delete(struct store *s, const char *id)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, del_tx(e, id));
}

/* The keys of type t in sub (and rg unless NULL): into prefix. */
static void res_prefix(const struct etcd_store *e, enum model_type t, const char *sub,
		       const char *rg, char *out)
{
	char type[64], ls[MODEL_ID_MAX], lr[MODEL_ID_MAX];

	type_lc(t, type);
	key_of(sub, ls, sizeof(ls));
	key_of(rg, lr, sizeof(lr));
	if (!sub)
		snprintf(out, ETCD_KEY_MAX, "%s/res/%s/", e->root, type);
	else if (rg)
		snprintf(out, ETCD_KEY_MAX, "%s/res/%s/subscriptions/%s/resourcegroups/%s/",
			 e->root, type, ls, lr);
	else
		snprintf(out, ETCD_KEY_MAX, "%s/res/%s/subscriptions/%s/", e->root, type, ls);
}

static int ec_list(struct store *s, enum model_type t, const char *sub, const char *rg,
		   const char *after, int limit, json_t **out, bool *more)
{
	struct etcd_store *e = etcd_of(s);
	char prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], start[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	char type[64];
	struct etcd_kvs l;
	json_t *arr = json_array();
	int r;

	*out = NULL;
	*more = false;
	if (!arr)
		return -ENOMEM;
	res_prefix(e, t, sub, rg, prefix);
	etx_prefix_end(prefix, end, sizeof(end));
	snprintf(start, sizeof(start), "%s", prefix);
	if (after) {
		char la[MODEL_ID_MAX], a[ETCD_KEY_MAX];

		key_of(after, la, sizeof(la));
		type_lc(t, type);
		/* Strictly after: the smallest key past it (keys hold no byte below 0x20). */
		snprintf(a, sizeof(a), "%s/res/%s%s\x01", e->root, type, la);
		if (strcmp(a, start) > 0)
			snprintf(start, sizeof(start), "%s", a);
	}
	if (strcmp(start, end) >= 0) {
		*out = arr;
		return 0;
	}
	type_lc(t, type);
	etcd_key_rev_res(e, type, rv);
	r = etx_range(e, start, end, rv, limit > 0 ? (size_t)limit : 1, false, &l);
	if (r) {
		json_decref(arr);
		return r;
	}
	for (size_t i = 0; i < l.n && (limit > 0 || !i); i++) {
		json_t *doc, *body = etcd_res_body(l.kv[i].val, NULL, &doc);

		json_decref(doc);
		if (!body) {
			r = store_fail(s, -EIO);
			break;
		}
		if (limit <= 0) {
			json_decref(body);
			*more = true;
			break;
		}
		json_array_append_new(arr, body);
	}
	if (limit > 0)
		*more = l.more;
	etcd_kvs_clear(&l);
	if (r) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

static int count_in(struct etcd_store *e, enum model_type t, const char *sub)
{
	char prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], rv[ETCD_KEY_MAX], type[64];

	res_prefix(e, t, sub, NULL, prefix);
	etx_prefix_end(prefix, end, sizeof(end));
	type_lc(t, type);
	etcd_key_rev_res(e, type, rv);
	return etx_count(e, prefix, end, rv);
}

static int ec_count_sub(struct store *s, const char *sub)
{
	int total = 0;

	for (int t = 0; t < MODEL__COUNT; t++) {
		int n = t == MODEL_SUBNET ? 0 : count_in(etcd_of(s), (enum model_type)t, sub);

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

static int ec_count_type(struct store *s, enum model_type t)
{
	return count_in(etcd_of(s), t, NULL);
}

/* ---- shared keys ----------------------------------------------------------------------------- */

static int ec_shared_key_get(struct store *s, const char *id, char **out)
{
	struct etcd_store *e = etcd_of(s);
	char key[MODEL_ID_MAX], k[ETCD_KEY_MAX];

	*out = NULL;
	key_of(id, key, sizeof(key));
	key_psk(e, key, k);
	return etx_get(e, k, true, out);
}

static int ec_shared_key_set(struct store *s, const char *id, const char *value)
{
	struct etcd_store *e = etcd_of(s);
	char key[MODEL_ID_MAX], k[ETCD_KEY_MAX];

	key_of(id, key, sizeof(key));
	key_psk(e, key, k);
	return AUTOCOMMIT(e, etx_put(e, k, value, NULL, true));
}

/* ---- subscriptions and tokens ---------------------------------------------------------------- */

static int sub_create_tx(struct etcd_store *e, const char *id, const char *name)
{
	char k[ETCD_KEY_MAX], rv[ETCD_KEY_MAX], lid[MODEL_ID_MAX], *text;
	json_t *doc;
	int r;

	key_sub(e, id, k);
	r = etx_get(e, k, false, NULL);
	if (r != -ENOENT)
		return r ? r : -EEXIST;
	key_of(id, lid, sizeof(lid));
	doc = json_pack("{s:s, s:s, s:s, s:I}", "subscriptionId", lid, "displayName", name, "state",
			"Enabled", "created", (json_int_t)time(NULL));
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	key_named(e, "rev/sub", rv);
	r = etx_put(e, k, text, rv, false);
	free(text);
	return r;
}

static int ec_sub_create(struct store *s, const char *id, const char *display_name)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, sub_create_tx(e, id, display_name));
}

static json_t *sub_row(json_t *doc)
{
	return json_pack("{s:O, s:O, s:O}", "subscriptionId",
			 json_object_get(doc, "subscriptionId"), "displayName",
			 json_object_get(doc, "displayName"), "state",
			 json_object_get(doc, "state"));
}

static int ec_sub_get(struct store *s, const char *id, json_t **out)
{
	struct etcd_store *e = etcd_of(s);
	char k[ETCD_KEY_MAX], *v = NULL;
	json_t *doc;
	int r;

	*out = NULL;
	key_sub(e, id, k);
	r = etx_get(e, k, false, &v);
	if (r)
		return r;
	doc = json_loads(v, 0, NULL);
	free(v);
	*out = doc ? sub_row(doc) : NULL;
	json_decref(doc);
	return *out ? 0 : store_fail(s, -EIO);
}

/* Oldest first, then by id (SQLite's ORDER BY created, id). */
static int by_created(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t cx = json_integer_value(json_object_get(x, "created"));
	json_int_t cy = json_integer_value(json_object_get(y, "created"));

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "id")) ?: "",
		      json_string_value(json_object_get(y, "id")) ?: "");
}

/* The values of a range as JSON objects, sorted by_created (with "id" from id_field). */
static int range_sorted(struct etcd_store *e, const char *prefix, const char *rev,
			const char *id_field, json_t ***out, size_t *n)
{
	char end[ETCD_KEY_MAX];
	struct etcd_kvs l;
	json_t **docs;
	int r;

	*out = NULL;
	*n = 0;
	etx_prefix_end(prefix, end, sizeof(end));
	r = etx_range(e, prefix, end, rev, 0, false, &l);
	if (r)
		return r;
	docs = calloc(l.n ? l.n : 1, sizeof(*docs));
	if (!docs) {
		etcd_kvs_clear(&l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l.n; i++) {
		docs[i] = json_loads(l.kv[i].val, 0, NULL);
		if (!json_is_object(docs[i])) {
			json_decref(docs[i]);
			docs[i] = json_object();
		}
		if (strcmp(id_field, "id") != 0)
			json_object_set(docs[i], "id", json_object_get(docs[i], id_field));
	}
	*n = l.n;
	etcd_kvs_clear(&l);
	qsort(docs, *n, sizeof(*docs), by_created);
	*out = docs;
	return 0;
}

static void docs_free(json_t **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
}

static int ec_sub_list(struct store *s, json_t **out)
{
	struct etcd_store *e = etcd_of(s);
	char prefix[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	json_t **docs, *arr = json_array();
	size_t n;
	int r;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	key_named(e, "sub/", prefix);
	key_named(e, "rev/sub", rv);
	r = range_sorted(e, prefix, rv, "subscriptionId", &docs, &n);
	if (r) {
		json_decref(arr);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, sub_row(docs[i]));
	docs_free(docs, n);
	*out = arr;
	return 0;
}

static int sub_delete_tx(struct etcd_store *e, const char *id)
{
	char prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], rv[ETCD_KEY_MAX], k[ETCD_KEY_MAX];
	struct etcd_kvs l;
	int r;

	key_tokid(e, id, NULL, prefix);
	etx_prefix_end(prefix, end, sizeof(end));
	key_named(e, "rev/tok", rv);
	r = etx_range(e, prefix, end, rv, 0, false, &l);
	if (r)
		return r;
	/* Its tokens die with it. */
	for (size_t i = 0; i < l.n && !r; i++) {
		json_t *doc = json_loads(l.kv[i].val, 0, NULL);
		const char *hash = json_string_value(json_object_get(doc, "hash"));

		if (hash) {
			key_tok(e, hash, k);
			r = etx_del(e, k, rv);
		}
		if (!r)
			r = etx_del(e, l.kv[i].key, rv);
		json_decref(doc);
	}
	etcd_kvs_clear(&l);
	if (r)
		return r;
	key_sub(e, id, k);
	r = etx_get(e, k, false, NULL);
	if (r)
		return r;
	key_named(e, "rev/sub", rv);
	return etx_del(e, k, rv);
}

static int ec_sub_delete(struct store *s, const char *id)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, sub_delete_tx(e, id));
}

static int token_add_tx(struct etcd_store *e, const char *hash, const char *sub, const char *id,
			const char *label, int64_t created)
{
	char kt[ETCD_KEY_MAX], ki[ETCD_KEY_MAX], rv[ETCD_KEY_MAX], ls[MODEL_ID_MAX];
	char li[MODEL_ID_MAX], *a = NULL, *b = NULL;
	json_t *da, *db;
	int r;

	key_tok(e, hash, kt);
	key_tokid(e, sub, id, ki);
	r = etx_get(e, kt, false, NULL);
	if (r != -ENOENT)
		return r ? r : -EEXIST;
	r = etx_get(e, ki, false, NULL);
	if (r != -ENOENT)
		return r ? r : -EEXIST;
	key_of(sub, ls, sizeof(ls));
	key_of(id, li, sizeof(li));
	da = json_pack("{s:s, s:s, s:s, s:I}", "sub", ls, "id", li, "label", label ? label : "",
		       "created", (json_int_t)created);
	db = json_pack("{s:s, s:s, s:s, s:I}", "hash", hash, "id", li, "label", label ? label : "",
		       "created", (json_int_t)created);
	a = da ? json_dumps(da, JSON_COMPACT) : NULL;
	b = db ? json_dumps(db, JSON_COMPACT) : NULL;
	json_decref(da);
	json_decref(db);
	key_named(e, "rev/tok", rv);
	r = a && b ? etx_put(e, kt, a, rv, false) : -ENOMEM;
	if (!r)
		r = etx_put(e, ki, b, rv, false);
	free(a);
	free(b);
	return r;
}

static int ec_token_add(struct store *s, const char *hash_hex, const char *sub, const char *id,
			const char *label, int64_t created)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, token_add_tx(e, hash_hex, sub, id, label, created));
}

static int ec_token_find(struct store *s, const char *hash_hex, char *sub, size_t n, char *id,
			 size_t idn)
{
	struct etcd_store *e = etcd_of(s);
	char k[ETCD_KEY_MAX], *v = NULL;
	const char *ts, *ti;
	json_t *doc;
	int r;

	key_tok(e, hash_hex, k);
	r = etx_get(e, k, false, &v);
	if (r)
		return r;
	doc = json_loads(v, 0, NULL);
	free(v);
	ts = json_string_value(json_object_get(doc, "sub"));
	ti = json_string_value(json_object_get(doc, "id"));
	if (!ts || !ti) {
		json_decref(doc);
		return store_fail(s, -EIO);
	}
	/* Only a token of a subscription that still exists. */
	key_sub(e, ts, k);
	r = etx_get(e, k, false, NULL);
	if (!r) {
		snprintf(sub, n, "%s", ts);
		if (id)
			snprintf(id, idn, "%s", ti);
	}
	json_decref(doc);
	return r;
}

static int ec_token_list(struct store *s, const char *sub, json_t **out)
{
	struct etcd_store *e = etcd_of(s);
	char prefix[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	json_t **docs, *arr = json_array();
	size_t n;
	int r;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	key_tokid(e, sub, NULL, prefix);
	key_named(e, "rev/tok", rv);
	r = range_sorted(e, prefix, rv, "id", &docs, &n);
	if (r) {
		json_decref(arr);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:O, s:O, s:O}", "id",
						     json_object_get(docs[i], "id"), "label",
						     json_object_get(docs[i], "label"), "created",
						     json_object_get(docs[i], "created")));
	docs_free(docs, n);
	*out = arr;
	return 0;
}

static int token_delete_tx(struct etcd_store *e, const char *sub, const char *id)
{
	char ki[ETCD_KEY_MAX], kt[ETCD_KEY_MAX], rv[ETCD_KEY_MAX], *v = NULL;
	const char *hash;
	json_t *doc;
	int r;

	key_tokid(e, sub, id, ki);
	r = etx_get(e, ki, false, &v);
	if (r)
		return r;
	doc = json_loads(v, 0, NULL);
	free(v);
	hash = json_string_value(json_object_get(doc, "hash"));
	key_named(e, "rev/tok", rv);
	r = etx_del(e, ki, rv);
	if (!r && hash) {
		key_tok(e, hash, kt);
		r = etx_del(e, kt, rv);
	}
	json_decref(doc);
	return r;
}

static int ec_token_delete(struct store *s, const char *sub, const char *id)
{
	struct etcd_store *e = etcd_of(s);

	return AUTOCOMMIT(e, token_delete_tx(e, sub, id));
}

/* ---- settings -------------------------------------------------------------------------------- */

static json_t *ec_settings_get(struct store *s)
{
	struct etcd_store *e = etcd_of(s);
	char k[ETCD_KEY_MAX], *v = NULL;
	json_t *settings, *stored;
	int r;

	key_named(e, "settings", k);
	r = etx_get(e, k, false, &v);
	if (r && r != -ENOENT)
		return NULL;
	settings = model_settings_default();
	stored = v ? json_loads(v, 0, NULL) : NULL;
	free(v);
	/* Defaults first, so a setting added by a later version has its value. */
	if (settings && json_is_object(stored))
		json_object_update(settings, stored);
	json_decref(stored);
	return settings;
}

static int ec_settings_put(struct store *s, json_t *settings)
{
	struct etcd_store *e = etcd_of(s);
	char k[ETCD_KEY_MAX], *text = json_dumps(settings, JSON_COMPACT);
	int r;

	if (!text)
		return -ENOMEM;
	key_named(e, "settings", k);
	r = AUTOCOMMIT(e, etx_put(e, k, text, NULL, false));
	free(text);
	return r;
}

static int ec_watch_start(struct store *s, store_changed_fn fn, void *arg)
{
	return etcd_watch_start(etcd_of(s), fn, arg);
}

static void ec_watch_stop(struct store *s)
{
	etcd_watch_stop(etcd_of(s));
}

int store_etcd_use_allocator(const struct store_alloc *a)
{
	return etcd_curl_init(a);
}

static const struct store_ops etcd_ops = {
	.name = "etcd",
	.close = ec_close,
	.schema_version = ec_schema_version,
	.begin = ec_begin,
	.commit = ec_commit,
	.rollback = ec_rollback,
	.release = ec_release,
	.get = ec_get,
	.put = ec_put,
	.del = ec_delete,
	.list = ec_list,
	.count_sub = ec_count_sub,
	.count_type = ec_count_type,
	.view = etcd_view,
	.shared_key_get = ec_shared_key_get,
	.shared_key_set = ec_shared_key_set,
	.sub_create = ec_sub_create,
	.sub_get = ec_sub_get,
	.sub_list = ec_sub_list,
	.sub_delete = ec_sub_delete,
	.token_add = ec_token_add,
	.token_find = ec_token_find,
	.token_list = ec_token_list,
	.token_delete = ec_token_delete,
	.settings_get = ec_settings_get,
	.settings_put = ec_settings_put,
	.watch_start = ec_watch_start,
	.watch_stop = ec_watch_stop,
	.set_node = ec_set_node,
};
