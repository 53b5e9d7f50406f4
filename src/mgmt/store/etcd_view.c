/* SPDX-License-Identifier: MIT */
/*
 * etcd_view: the rules' read access (struct model_view) to an etcd store, inside the
 * mutation's transaction. The questions SQLite answers with a query over its tables are a range
 * over a collection here (every local network gateway, every connection, ...), read at the
 * transaction's revision and guarded by the collection's revision key, so another writer's
 * change anywhere in a collection a rule looked at fails the commit. Answers are counts, or ids
 * the caller is entitled to, as model.h requires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/store/etcd_internal.h"

static void key_of(const char *id, char *out, size_t n)
{
	model_id_key(id ? id : "", out, n);
}

static json_t *prop(json_t *doc, const char *key)
{
	return json_object_get(json_object_get(doc, "properties"), key);
}

/* Every resource of a type in the deployment: an object from key (the id lower-cased) to body,
 * a new reference, or NULL. */
static json_t *scan(struct etcd_store *e, const char *type)
{
	char prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	struct etcd_kvs l;
	json_t *all = json_object();

	snprintf(prefix, sizeof(prefix), "%s/res/%s/", e->root, type);
	etx_prefix_end(prefix, end, sizeof(end));
	etcd_key_rev_res(e, type, rv);
	if (!all || etx_range(e, prefix, end, rv, 0, false, &l) != 0) {
		json_decref(all);
		return NULL;
	}
	for (size_t i = 0; i < l.n; i++) {
		char key[MODEL_ID_MAX];
		json_t *doc, *body = etcd_res_body(l.kv[i].val, NULL, &doc);

		json_decref(doc);
		if (!body) {
			store_fail(&e->base, -EIO);
			json_decref(all);
			all = NULL;
			break;
		}
		key_of(json_string_value(json_object_get(body, "id")), key, sizeof(key));
		json_object_set_new(all, key, body);
	}
	etcd_kvs_clear(&l);
	return all;
}

static json_t *view_get(void *ctx, const char *id)
{
	return store_get(ctx, id);
}

/* One referrer: its key (for the order) and its id as stored. */
struct referrer {
	char *key;
	const char *id;
};

static int referrer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct referrer *)a)->key, ((const struct referrer *)b)->key);
}

static json_t *view_referrers(void *ctx, const char *id)
{
	struct etcd_store *e = etcd_of(ctx);
	char key[MODEL_ID_MAX], prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	struct referrer *refs = NULL;
	struct etcd_kvs l;
	json_t *arr = json_array();
	size_t n = 0, plen;

	key_of(id, key, sizeof(key));
	/* The resource's own references and its children's (a VNet's subnets). */
	snprintf(prefix, sizeof(prefix), "%s/ref%s/", e->root, key);
	plen = strlen(prefix);
	etx_prefix_end(prefix, end, sizeof(end));
	etcd_key_rev_ref(e, key, rv);
	if (!arr || etx_range(e, prefix, end, rv, 0, false, &l) != 0) {
		json_decref(arr);
		return NULL;
	}
	refs = calloc(l.n ? l.n : 1, sizeof(*refs));
	if (!refs) {
		etcd_kvs_clear(&l);
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *rest = l.kv[i].key + plen - 1, *src = strstr(rest, "/@");

		if (!src || (rest != src && strncmp(rest, "/subnets/", 9) != 0))
			continue;
		src += 2;
		if (strcmp(src, key) == 0)
			continue;
		refs[n].key = (char *)src;
		refs[n].id = l.kv[i].val;
		n++;
	}
	qsort(refs, n, sizeof(*refs), referrer_cmp);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(refs[i].key, refs[i - 1].key) != 0)
			json_array_append_new(arr, json_string(refs[i].id));
	free(refs);
	etcd_kvs_clear(&l);
	return arr;
}

static int view_count_lgw_ip(void *ctx, const char *ip, const char *except_id)
{
	json_t *lgws = scan(etcd_of(ctx), "localnetworkgateways"), *v;
	char except[MODEL_ID_MAX];
	const char *key;
	int n = 0;

	if (!lgws)
		return -EIO;
	key_of(except_id, except, sizeof(except));
	json_object_foreach(lgws, key, v)
	{
		const char *gip = json_string_value(prop(v, "gatewayIpAddress"));

		if (gip && strcmp(gip, ip) == 0 && strcmp(key, except) != 0)
			n++;
	}
	json_decref(lgws);
	return n;
}

/* The body a reference property {"id": ...} of doc names, from bodies (borrowed) or NULL. */
static json_t *joined(json_t *bodies, json_t *doc, const char *field)
{
	char key[MODEL_ID_MAX];

	key_of(json_string_value(json_object_get(prop(doc, field), "id")), key, sizeof(key));
	return json_object_get(bodies, key);
}

static int view_count_conn_ip(void *ctx, const char *ip, const char *except_id)
{
	struct etcd_store *e = etcd_of(ctx);
	json_t *conns = scan(e, "connections"),
	       *lgws = conns ? scan(e, "localnetworkgateways") : NULL;
	json_t *v;
	char except[MODEL_ID_MAX];
	const char *key;
	int n = 0;

	if (!lgws) {
		json_decref(conns);
		return -EIO;
	}
	key_of(except_id, except, sizeof(except));
	json_object_foreach(conns, key, v)
	{
		const char *gip = json_string_value(
			prop(joined(lgws, v, "localNetworkGateway2"), "gatewayIpAddress"));

		if (gip && strcmp(gip, ip) == 0 && strcmp(key, except) != 0)
			n++;
	}
	json_decref(conns);
	json_decref(lgws);
	return n;
}

static int view_tunnels_used(void *ctx, const char *sku, const char *except_gw,
			     const char *except_conn)
{
	struct etcd_store *e = etcd_of(ctx);
	json_t *conns = scan(e, "connections"),
	       *vgws = conns ? scan(e, "virtualnetworkgateways") : NULL;
	json_t *v;
	char gw[MODEL_ID_MAX], conn[MODEL_ID_MAX];
	const char *key;
	int n = 0;

	if (!vgws) {
		json_decref(conns);
		return -EIO;
	}
	key_of(except_gw, gw, sizeof(gw));
	key_of(except_conn, conn, sizeof(conn));
	json_object_foreach(conns, key, v)
	{
		json_t *g = joined(vgws, v, "virtualNetworkGateway1");
		const char *name = json_string_value(json_object_get(prop(g, "sku"), "name"));
		char gkey[MODEL_ID_MAX];

		key_of(json_string_value(json_object_get(g, "id")), gkey, sizeof(gkey));
		if (!name || strcmp(name, sku) != 0 || strcmp(gkey, gw) == 0 ||
		    strcmp(key, conn) == 0)
			continue;
		n += json_is_true(prop(g, "activeActive")) ? 2 : 1;
	}
	json_decref(conns);
	json_decref(vgws);
	return n;
}

static json_t *view_public_ips_used(void *ctx)
{
	json_t *pips = scan(etcd_of(ctx), "publicipaddresses"), *arr, *v;
	const char *key;

	if (!pips)
		return NULL;
	arr = json_array();
	json_object_foreach(pips, key, v)
	{
		json_t *ip = prop(v, "ipAddress");

		if (json_is_string(ip))
			json_array_append(arr, ip);
	}
	json_decref(pips);
	return arr;
}

static int view_count(void *ctx, enum model_type t, const char *sub, const char *except_id)
{
	struct etcd_store *e = etcd_of(ctx);
	char type[64], prefix[ETCD_KEY_MAX], end[ETCD_KEY_MAX], rv[ETCD_KEY_MAX];
	char except[MODEL_ID_MAX], ek[ETCD_KEY_MAX], ls[MODEL_ID_MAX];
	const char *seg = model_type_segment(t);
	struct etcd_kvs l;
	size_t i;
	int n = 0;

	for (i = 0; seg[i] && i < sizeof(type) - 1; i++)
		type[i] = (char)(seg[i] >= 'A' && seg[i] <= 'Z' ? seg[i] + 32 : seg[i]);
	type[i] = '\0';
	key_of(sub, ls, sizeof(ls));
	if (sub)
		snprintf(prefix, sizeof(prefix), "%s/res/%s/subscriptions/%s/", e->root, type, ls);
	else
		snprintf(prefix, sizeof(prefix), "%s/res/%s/", e->root, type);
	etx_prefix_end(prefix, end, sizeof(end));
	etcd_key_rev_res(e, type, rv);
	key_of(except_id, except, sizeof(except));
	etcd_key_res(e, except, ek);
	if (etx_range(e, prefix, end, rv, 0, true, &l) != 0)
		return -EIO;
	for (i = 0; i < l.n; i++)
		if (strcmp(l.kv[i].key, ek) != 0)
			n++;
	etcd_kvs_clear(&l);
	return n;
}

int etcd_view(struct store *s, struct model_view *v)
{
	v->ctx = s;
	v->get = view_get;
	v->referrers = view_referrers;
	v->count_lgw_ip = view_count_lgw_ip;
	v->count_conn_ip = view_count_conn_ip;
	v->tunnels_used = view_tunnels_used;
	v->public_ips_used = view_public_ips_used;
	v->count = view_count;
	v->settings = store_settings_get(s);
	return v->settings ? 0 : -EIO;
}
