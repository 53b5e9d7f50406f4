/* SPDX-License-Identifier: MIT */
/*
 * ops: one store transaction per management operation. A PUT parses and validates the body
 * (model_parse_request), then under BEGIN IMMEDIATE checks the preconditions and the rules that
 * read stored state, completes the envelope and writes resource, references and shared key
 * together; any refusal rolls everything back. Subnets live inside their VNet's document, so a
 * subnet operation is a VNet rewrite validated as a whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ike/engine.h"
#include "lib/log.h"
#include "mgmt/auth.h"
#include "mgmt/devcfg.h"
#include "mgmt/ids.h"
#include "mgmt/model/field.h"
#include "mgmt/ops.h"
#include "mgmt/ops_internal.h"
#include "mgmt/store/store.h"

#define LIST_DEFAULT	  100
#define LIST_MAX	  1000
#define GENERATED_KEY_LEN 32

static void changed(const struct mgmt *m, const char *id)
{
	if (m->changed)
		m->changed(m->hook_arg, id);
}

void mgmt_result_clear(struct mgmt_result *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

int mgmt_ops_internal(struct mgmt_error *err)
{
	return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store failed; nothing was changed.");
}

int mgmt_ops_store_err(struct store *s, struct mgmt_error *err)
{
	switch (store_error(s)) {
	case STORE_E_UNAVAILABLE:
		return mgmt_fail(err, MGMT_E_STORE_UNAVAILABLE, "",
				 "The store is unavailable: %s did not answer in time. Nothing was "
				 "changed; try again later.",
				 strcmp(store_backend(s), "etcd") == 0 ? "etcd" : "the database");
	case STORE_E_CONFLICT:
		mgmt_fail(err, MGMT_E_STORE_CONFLICT, "",
			  "Other requests kept changing what this request depends on (%d tries); "
			  "nothing was changed. Try again.",
			  MGMT_TX_TRIES);
		return -EAGAIN;
	default:
		return mgmt_ops_internal(err);
	}
}

bool mgmt_ops_again(int *r, int *tries, struct mgmt_result *res, struct mgmt_error *err)
{
	if (*r != -EAGAIN)
		return false;
	log_info("Mgmt", "store: another writer committed first; the request runs again (try %d "
			 "of %d)",
		 *tries + 2 > MGMT_TX_TRIES ? MGMT_TX_TRIES : *tries + 2, MGMT_TX_TRIES);
	if (++*tries < MGMT_TX_TRIES) {
		if (res)
			mgmt_result_clear(res);
		mgmt_error_clear(err);
		return true;
	}
	/* err says ConcurrentUpdateConflict (mgmt_ops_store_err). */
	*r = -EINVAL;
	return false;
}

int mgmt_ops_parse_json(const char *body, size_t len, json_t **out, struct mgmt_error *err)
{
	json_error_t jerr;

	*out = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out && json_is_object(*out))
		return 0;
	if (*out) {
		json_decref(*out);
		*out = NULL;
		return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, "",
				 "The request body must be a JSON object.");
	}
	return mgmt_fail(err, MGMT_E_INVALID_REQUEST_CONTENT, "",
			 "The request body is not valid JSON: %s (line %d, column %d, position "
			 "%d).",
			 jerr.text, jerr.line, jerr.column, jerr.position);
}

/* ARM etags are W/"uuid"; a client that drops the weak marker still names the same version. */
static bool etag_matches(const char *header, const char *etag)
{
	size_t hl, el;

	if (!header || !etag)
		return false;
	if (strcmp(header, "*") == 0 || strcmp(header, etag) == 0)
		return true;
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	if (strncmp(header, "W/", 2) == 0)
		header += 2;
	hl = strlen(header);
	el = strlen(etag);
	if (hl == el && strcmp(header, etag) == 0)
		return true;
	/* "uuid" against uuid */
	return el == hl + 2 && etag[0] == '"' && strncmp(etag + 1, header, hl) == 0;
}

static int check_precond(const struct mgmt_precond *pre, json_t *old, struct mgmt_error *err)
{
	const char *etag = json_string_value(json_object_get(old, "etag"));

	if (!pre)
		return 0;
	if (pre->if_match && (!old || !etag_matches(pre->if_match, etag)))
		return mgmt_fail(err, MGMT_E_PRECONDITION_FAILED, "If-Match",
				 old ? "The resource has changed: its etag is no longer the one in "
				       "If-Match."
				     : "The resource does not exist, so If-Match cannot match.");
	if (pre->if_none_match && old &&
	    (strcmp(pre->if_none_match, "*") == 0 || etag_matches(pre->if_none_match, etag)))
		return mgmt_fail(err, MGMT_E_PRECONDITION_FAILED, "If-None-Match",
				 "The resource exists and If-None-Match forbids replacing it.");
	return 0;
}

static int not_found(const struct model_id *id, struct mgmt_error *err)
{
	if (id->type == MODEL_SUBNET)
		return mgmt_fail(err, MGMT_E_RESOURCE_NOT_FOUND, "",
				 "The subnet '%s' of virtual network '%s' was not found in "
				 "resource group '%s'.",
				 id->child, id->name, id->rg);
	return mgmt_fail(err, MGMT_E_RESOURCE_NOT_FOUND, "",
			 "The %s '%s' was not found in resource group '%s'.",
			 model_type_label(id->type), id->name, id->rg);
}

static void vnet_id_of(const struct model_id *sid, struct model_id *vid)
{
	*vid = *sid;
	vid->type = MODEL_VNET;
	vid->child[0] = '\0';
}

/* A transaction with the rules' view; ends with tx_end. */
struct tx {
	struct store *s;
	struct model_view view;
	bool open;
};

static int tx_begin(struct tx *tx, const struct mgmt *m, struct mgmt_error *err)
{
	struct store *s = m->store;

	memset(tx, 0, sizeof(*tx));
	tx->s = s;
	if (store_begin(s) != 0)
		return mgmt_ops_store_err(s, err);
	tx->open = true;
	if (store_view(s, &tx->view) != 0) {
		int r = mgmt_ops_store_err(s, err);

		store_rollback(s);
		tx->open = false;
		return r;
	}
	tx->view.cap_vgws = m->cap_vgws;
	tx->view.cap_conns = m->cap_conns;
	tx->view.cap_prefixes = m->cap_prefixes;
	return 0;
}

/*
 * Commits when r is 0, else rolls back; returns r. A store call that failed inside the
 * transaction wins over r (the rules may have read its failure as absence) and rolls back: 503
 * when the store did not answer. A commit that met a conflicting writer returns -EAGAIN: the
 * operation runs again from its start (mgmt_ops_again).
 */
static int tx_end(struct tx *tx, int r, struct mgmt_error *err)
{
	json_decref(tx->view.settings);
	tx->view.settings = NULL;
	if (!tx->open)
		return r;
	tx->open = false;
	if (r || store_error(tx->s)) {
		int se = store_error(tx->s);

		store_rollback(tx->s);
		return se ? mgmt_ops_store_err(tx->s, err) : r;
	}
	if (store_commit(tx->s) != 0)
		return mgmt_ops_store_err(tx->s, err);
	return 0;
}

static int new_uuids(char *etag, char *guid, struct mgmt_error *err)
{
	if (mgmt_uuid_new(etag) || mgmt_uuid_new(guid))
		return mgmt_ops_internal(err);
	return 0;
}

/* Writes the VNet doc `in` (ARM shape, possibly a stored one edited) as the new version of old. */
static int vnet_rewrite(struct tx *tx, const struct model_id *vid, json_t *in, json_t *old,
			json_t **out, struct mgmt_error *err)
{
	struct model_parsed p;
	struct model_ctx ctx;
	char id[MODEL_ID_MAX], etag[MGMT_UUID_LEN + 1], guid[MGMT_UUID_LEN + 1];
	json_t *refs = NULL;
	int r;

	*out = NULL;
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(old, "id")));
	r = model_parse(MODEL_VNET, json_string_value(json_object_get(old, "name")), in, &p, err);
	if (r)
		return r;
	ctx = (struct model_ctx){.view = &tx->view, .sub = vid->sub, .id = id};
	r = model_check_put(MODEL_VNET, &ctx, p.res, old, err);
	if (!r)
		r = new_uuids(etag, guid, err);
	if (r)
		goto out;
	model_finalize(MODEL_VNET, p.res, id, old, etag, guid);
	refs = model_refs(MODEL_VNET, p.res);
	if (!refs || store_put(tx->s, MODEL_VNET, vid->sub, vid->rg, p.res, refs) != 0) {
		r = mgmt_ops_internal(err);
		goto out;
	}
	*out = json_incref(p.res);
out:
	json_decref(refs);
	model_parsed_clear(&p);
	return r;
}

static int put_subnet(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
		      const struct mgmt_precond *pre, struct mgmt_result *res,
		      struct mgmt_error *err)
{
	struct store *s = m->store;
	struct model_parsed p;
	struct model_id vid;
	struct tx tx;
	char vid_s[MODEL_ID_MAX];
	json_t *old = NULL, *in = NULL, *vnet = NULL, *old_sn, *subnets;
	size_t idx = 0;
	int r;

	r = model_parse_request(MODEL_SUBNET, id->child, body, len, &p, err);
	if (r)
		return r;
	vnet_id_of(id, &vid);
	model_id_format(&vid, vid_s, sizeof(vid_s));
	r = tx_begin(&tx, m, err);
	if (r)
		goto out;
	old = store_get(s, vid_s);
	if (!old) {
		r = mgmt_fail(err, MGMT_E_PARENT_NOT_FOUND, "",
			      "The virtual network '%s' was not found in resource group '%s'.",
			      vid.name, vid.rg);
		goto end;
	}
	old_sn = model_vnet_subnet(old, id->child, &idx);
	r = check_precond(pre, old_sn, err);
	if (r)
		goto end;
	in = json_deep_copy(old);
	subnets = json_object_get(json_object_get(in, "properties"), "subnets");
	if (old_sn) {
		json_object_set(p.res, "name", json_object_get(old_sn, "name"));
		json_array_set(subnets, idx, p.res);
	} else {
		idx = json_array_size(subnets);
		json_array_append(subnets, p.res);
	}
	r = vnet_rewrite(&tx, &vid, in, old, &vnet, err);
	if (r) {
		/* The VNet's rules speak of properties.subnets[i].x; this subnet's own fault is
		 * its x. */
		char prefix[64];
		size_t pl;

		pl = (size_t)snprintf(prefix, sizeof(prefix), "properties.subnets[%zu].", idx);
		if (strncmp(err->target, prefix, pl) == 0)
			memmove(err->target, err->target + pl, strlen(err->target + pl) + 1);
		goto end;
	}
	res->status = old_sn ? 200 : 201;
	res->body = json_incref(json_array_get(
		json_object_get(json_object_get(vnet, "properties"), "subnets"), idx));
end:
	r = tx_end(&tx, r, err);
	if (!r)
		changed(m, vid_s);
	else
		mgmt_result_clear(res);
out:
	json_decref(old);
	json_decref(in);
	json_decref(vnet);
	model_parsed_clear(&p);
	return r;
}

static int put_once(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
		    const struct mgmt_precond *pre, struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	struct model_parsed p;
	struct model_ctx ctx;
	struct tx tx;
	char id_s[MODEL_ID_MAX], etag[MGMT_UUID_LEN + 1], guid[MGMT_UUID_LEN + 1];
	char key[129];
	json_t *old = NULL, *refs = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if (id->type == MODEL_SUBNET)
		return put_subnet(m, id, body, len, pre, res, err);
	r = model_parse_request(id->type, id->name, body, len, &p, err);
	if (r)
		return r;
	model_id_format(id, id_s, sizeof(id_s));
	r = tx_begin(&tx, m, err);
	if (r)
		goto out;
	old = store_get(s, id_s);
	if (old) {
		/* A replacement keeps the spelling the resource was created with. */
		snprintf(id_s, sizeof(id_s), "%s", json_string_value(json_object_get(old, "id")));
		json_object_set(p.res, "name", json_object_get(old, "name"));
	}
	r = check_precond(pre, old, err);
	if (r)
		goto end;
	ctx = (struct model_ctx){.view = &tx.view, .sub = id->sub, .id = id_s};
	r = model_check_put(id->type, &ctx, p.res, old, err);
	if (!r && p.shared_key)
		r = model_check_shared_key_length(tx.view.settings, strlen(p.shared_key),
						  "properties.sharedKey", err);
	if (!r)
		r = new_uuids(etag, guid, err);
	if (r)
		goto end;
	model_finalize(id->type, p.res, id_s, old, etag, guid);
	refs = model_refs(id->type, p.res);
	if (!refs || store_put(s, id->type, id->sub, id->rg, p.res, refs) != 0) {
		r = mgmt_ops_internal(err);
		goto end;
	}
	if (id->type == MODEL_CONN && (p.shared_key || !old)) {
		/* A new connection without a key gets a random one; read it at .../sharedkey. */
		unsigned n = model_settings_min_key_length(tx.view.settings);

		if (!p.shared_key &&
		    mgmt_key_new(key, n > GENERATED_KEY_LEN ? n : GENERATED_KEY_LEN) != 0) {
			r = mgmt_ops_internal(err);
			goto end;
		}
		if (store_shared_key_set(s, id_s, p.shared_key ? p.shared_key : key) != 0)
			r = mgmt_ops_internal(err);
		explicit_bzero(key, sizeof(key));
	}
	if (!r) {
		res->status = old ? 200 : 201;
		res->body = json_incref(p.res);
	}
end:
	r = tx_end(&tx, r, err);
	if (!r)
		changed(m, id_s);
	else
		mgmt_result_clear(res);
out:
	json_decref(old);
	json_decref(refs);
	model_parsed_clear(&p);
	return r;
}

int mgmt_ops_put(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
		 const struct mgmt_precond *pre, struct mgmt_result *res, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = put_once(m, id, body, len, pre, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

/* What the platform reports rather than stores: a public IP's address is the deployment's
 * current shared one (model_pip_report). */
static void report(struct store *s, enum model_type t, json_t *doc)
{
	json_t *settings;

	if (t != MODEL_PIP || !doc)
		return;
	settings = store_settings_get(s);
	model_pip_report(doc, settings);
	json_decref(settings);
}

int mgmt_ops_get(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
		 struct mgmt_error *err)
{
	struct store *s = m->store;
	struct model_id vid;
	char id_s[MODEL_ID_MAX];
	json_t *doc;

	memset(res, 0, sizeof(*res));
	if (id->type == MODEL_SUBNET)
		vnet_id_of(id, &vid);
	else
		vid = *id;
	model_id_format(&vid, id_s, sizeof(id_s));
	doc = store_get(s, id_s);
	if (!doc && store_error(s))
		return mgmt_ops_store_err(s, err);
	if (doc && id->type == MODEL_SUBNET) {
		json_t *sn = model_vnet_subnet(doc, id->child, NULL);

		json_incref(sn);
		json_decref(doc);
		doc = sn;
	}
	if (!doc)
		return not_found(id, err);
	report(s, id->type, doc);
	res->status = 200;
	res->body = doc;
	return 0;
}

static int delete_subnet(const struct mgmt *m, const struct model_id *id, const struct mgmt_precond *pre,
			 struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	struct model_id vid;
	struct model_ctx ctx;
	struct tx tx;
	char vid_s[MODEL_ID_MAX], sid_s[MODEL_ID_MAX];
	json_t *old = NULL, *in = NULL, *vnet = NULL, *sn;
	size_t idx;
	int r;

	vnet_id_of(id, &vid);
	model_id_format(&vid, vid_s, sizeof(vid_s));
	model_id_format(id, sid_s, sizeof(sid_s));
	r = tx_begin(&tx, m, err);
	if (r)
		return r;
	old = store_get(s, vid_s);
	sn = old ? model_vnet_subnet(old, id->child, &idx) : NULL;
	r = check_precond(pre, sn, err);
	if (r || !sn) {
		res->status = 204;
		goto end;
	}
	ctx = (struct model_ctx){.view = &tx.view, .sub = id->sub, .id = sid_s};
	r = model_check_delete(MODEL_SUBNET, &ctx, sn, err);
	if (r)
		goto end;
	in = json_deep_copy(old);
	json_array_remove(json_object_get(json_object_get(in, "properties"), "subnets"), idx);
	r = vnet_rewrite(&tx, &vid, in, old, &vnet, err);
	res->status = 200;
end:
	r = tx_end(&tx, r, err);
	if (!r && res->status == 200)
		changed(m, vid_s);
	json_decref(old);
	json_decref(in);
	json_decref(vnet);
	return r;
}

static int delete_once(const struct mgmt *m, const struct model_id *id,
		       const struct mgmt_precond *pre, struct mgmt_result *res,
		       struct mgmt_error *err)
{
	struct store *s = m->store;
	struct model_ctx ctx;
	struct tx tx;
	char id_s[MODEL_ID_MAX];
	json_t *old;
	int r;

	memset(res, 0, sizeof(*res));
	if (id->type == MODEL_SUBNET)
		return delete_subnet(m, id, pre, res, err);
	model_id_format(id, id_s, sizeof(id_s));
	r = tx_begin(&tx, m, err);
	if (r)
		return r;
	old = store_get(s, id_s);
	r = check_precond(pre, old, err);
	if (r)
		goto end;
	if (!old) {
		res->status = 204;
		goto end;
	}
	ctx = (struct model_ctx){.view = &tx.view, .sub = id->sub, .id = id_s};
	r = model_check_delete(id->type, &ctx, old, err);
	if (r)
		goto end;
	if (store_delete(s, id_s) != 0)
		r = mgmt_ops_internal(err);
	res->status = 200;
end:
	r = tx_end(&tx, r, err);
	if (!r && res->status == 200)
		changed(m, id_s);
	json_decref(old);
	return r;
}

int mgmt_ops_delete(const struct mgmt *m, const struct model_id *id, const struct mgmt_precond *pre,
		    struct mgmt_result *res, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = delete_once(m, id, pre, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

static int patch_tags_once(const struct mgmt *m, const struct model_id *id, const char *body,
			   size_t len, const struct mgmt_precond *pre, struct mgmt_result *res,
			   struct mgmt_error *err)
{
	struct store *s = m->store;
	struct tx tx;
	char id_s[MODEL_ID_MAX], etag[MGMT_UUID_LEN + 1], guid[MGMT_UUID_LEN + 1], et[64];
	json_t *in = NULL, *tags = NULL, *old = NULL, *refs = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if (id->type == MODEL_SUBNET)
		return mgmt_fail(err, MGMT_E_METHOD_NOT_ALLOWED, "",
				 "Subnets have no tags: PATCH is not supported on them.");
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (!r)
		r = field_get_tags(in, &tags, err);
	if (!r && !json_object_get(in, "tags"))
		r = mgmt_fail(err, MGMT_E_MISSING_PROPERTY, "tags",
			      "PATCH changes tags only: the body needs a 'tags' object.");
	if (r)
		goto out;
	model_id_format(id, id_s, sizeof(id_s));
	r = tx_begin(&tx, m, err);
	if (r)
		goto out;
	old = store_get(s, id_s);
	if (!old) {
		r = not_found(id, err);
		goto end;
	}
	r = check_precond(pre, old, err);
	if (!r)
		r = new_uuids(etag, guid, err);
	if (r)
		goto end;
	json_object_set(old, "tags", tags);
	snprintf(et, sizeof(et), "W/\"%s\"", etag);
	json_object_set_new(old, "etag", json_string(et));
	refs = model_refs(id->type, old);
	if (!refs || store_put(s, id->type, id->sub, id->rg, old, refs) != 0)
		r = mgmt_ops_internal(err);
	res->status = 200;
	res->body = json_incref(old);
end:
	r = tx_end(&tx, r, err);
	if (r)
		mgmt_result_clear(res);
out:
	json_decref(in);
	json_decref(tags);
	json_decref(old);
	json_decref(refs);
	return r;
}

int mgmt_ops_patch_tags(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
			const struct mgmt_precond *pre, struct mgmt_result *res,
			struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = patch_tags_once(m, id, body, len, pre, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

int mgmt_ops_list(const struct mgmt *m, enum model_type t, const char *sub, const char *rg,
		  const struct model_id *vnet, const char *skiptoken, int top,
		  struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	json_t *arr = NULL;
	bool more = false;

	memset(res, 0, sizeof(*res));
	if (top <= 0)
		top = LIST_DEFAULT;
	if (top > LIST_MAX)
		top = LIST_MAX;
	if (t == MODEL_SUBNET) {
		char vid_s[MODEL_ID_MAX];
		json_t *doc;

		model_id_format(vnet, vid_s, sizeof(vid_s));
		doc = store_get(s, vid_s);
		if (!doc)
			return store_error(s) ? mgmt_ops_store_err(s, err) : not_found(vnet, err);
		arr = json_incref(json_object_get(json_object_get(doc, "properties"), "subnets"));
		json_decref(doc);
	} else if (store_list(s, t, sub, rg, skiptoken, top, &arr, &more) != 0) {
		return mgmt_ops_store_err(s, err);
	} else if (t == MODEL_PIP) {
		/* The settings once for the page, not once a public IP (a store round trip each on
		 * etcd). */
		json_t *settings = store_settings_get(s), *v;
		size_t i;

		json_array_foreach(arr, i, v) model_pip_report(v, settings);
		json_decref(settings);
	}
	if (more && json_array_size(arr))
		snprintf(res->next, sizeof(res->next), "%s",
			 json_string_value(json_object_get(
				 json_array_get(arr, json_array_size(arr) - 1), "id")));
	res->status = 200;
	res->body = json_pack("{s:o}", "value", arr ? arr : json_array());
	return 0;
}

static int conn_exists(struct store *s, const struct model_id *id, char *id_s, size_t n,
		       struct mgmt_error *err)
{
	json_t *doc;

	model_id_format(id, id_s, n);
	doc = store_get(s, id_s);
	if (!doc)
		return store_error(s) ? mgmt_ops_store_err(s, err) : not_found(id, err);
	json_decref(doc);
	return 0;
}

int mgmt_ops_shared_key_get(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
			    struct mgmt_error *err)
{
	struct store *s = m->store;
	char id_s[MODEL_ID_MAX], *key = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = conn_exists(s, id, id_s, sizeof(id_s), err);
	if (r)
		return r;
	if (store_shared_key_get(s, id_s, &key) != 0)
		return mgmt_ops_store_err(s, err);
	res->status = 200;
	res->body = json_pack("{s:s}", "value", key);
	explicit_bzero(key, strlen(key));
	free(key);
	return 0;
}

/* A new key for the connection id, at least minSharedKeyLength long (target: the field). */
static int shared_key_write_once(const struct mgmt *m, const struct model_id *id, const char *key,
				 const char *target, struct mgmt_error *err)
{
	struct store *s = m->store;
	struct tx tx;
	char id_s[MODEL_ID_MAX];
	json_t *doc;
	int r;

	model_id_format(id, id_s, sizeof(id_s));
	r = tx_begin(&tx, m, err);
	if (r)
		return r;
	doc = store_get(s, id_s);
	if (!doc)
		r = not_found(id, err);
	else if (model_check_shared_key_length(tx.view.settings, strlen(key), target, err))
		r = -EINVAL;
	else if (store_shared_key_set(s, id_s, key) != 0)
		r = mgmt_ops_internal(err);
	json_decref(doc);
	r = tx_end(&tx, r, err);
	if (!r)
		changed(m, id_s);
	return r;
}

static int shared_key_write(const struct mgmt *m, const struct model_id *id, const char *key,
			    const char *target, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = shared_key_write_once(m, id, key, target, err);
	while (mgmt_ops_again(&r, &tries, NULL, err));
	return r;
}

int mgmt_ops_shared_key_set(const struct mgmt *m, const struct model_id *id, const char *body,
			    size_t len, struct mgmt_result *res, struct mgmt_error *err)
{
	const char *key = NULL;
	json_t *in;
	int r;

	memset(res, 0, sizeof(*res));
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (r)
		return r;
	r = field_get_string(in, "", "value", true, 1024, &key, err);
	if (!r)
		r = model_check_shared_key(key, "value", err);
	if (!r)
		r = shared_key_write(m, id, key, "value", err);
	if (!r) {
		res->status = 200;
		res->body = json_pack("{s:s}", "value", key);
	}
	json_decref(in);
	return r;
}

int mgmt_ops_shared_key_reset(const struct mgmt *m, const struct model_id *id, const char *body,
			      size_t len, struct mgmt_result *res, struct mgmt_error *err)
{
	char key[129];
	json_int_t n = 0;
	json_t *in;
	int r;

	memset(res, 0, sizeof(*res));
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (!r)
		r = field_get_int(in, "", "keyLength", true, 1, 128, &n, err);
	json_decref(in);
	if (r)
		return r;
	if (mgmt_key_new(key, (size_t)n) != 0)
		return mgmt_ops_internal(err);
	r = shared_key_write(m, id, key, "keyLength", err);
	explicit_bzero(key, sizeof(key));
	if (r)
		return r;
	res->status = 200;
	res->body = json_pack("{s:I}", "keyLength", n);
	return 0;
}

/* properties.key of a resource (borrowed), or NULL. */
static json_t *prop(json_t *doc, const char *key)
{
	return json_object_get(json_object_get(doc, "properties"), key);
}

/* The stored resource a reference {"id": ...} names, or NULL. */
static json_t *ref_get(struct store *s, json_t *ref)
{
	const char *id = json_string_value(json_object_get(ref, "id"));

	return id ? store_get(s, id) : NULL;
}

/* The strings of a JSON array, borrowed from it; *n of them (at most max). */
static size_t string_array(json_t *arr, const char **v, size_t max)
{
	size_t i, n = 0;
	json_t *x;

	json_array_foreach(arr, i, x)
	{
		if (json_is_string(x) && n < max)
			v[n++] = json_string_value(x);
	}
	return n;
}

#define DEVCFG_MAX_TS 64

int mgmt_ops_conn_device_script(const struct mgmt *m, const struct model_id *id, const char *body,
				size_t len, char **script, struct mgmt_error *err)
{
	struct store *s = m->store;
	const char *vendor = NULL, *why, *site[DEVCFG_MAX_TS], *space[DEVCFG_MAX_TS];
	json_t *in = NULL, *conn = NULL, *lgw = NULL, *vgw = NULL, *pip = NULL, *vnet = NULL;
	json_t *cp, *cfg, *pol;
	struct ike_custom_policy custom;
	json_int_t life_s, life_kb;
	struct devcfg_conn c = {0};
	struct devcfg_bgp bgp = {0};
	char gw_bgp_addr[64];
	struct model_id vid;
	enum devcfg_vendor v;
	char id_s[MODEL_ID_MAX], vid_s[MODEL_ID_MAX], *key = NULL;
	int r;

	*script = NULL;
	/* 404 first: nothing is said about a request for a connection that does not exist. */
	model_id_format(id, id_s, sizeof(id_s));
	conn = store_get(s, id_s);
	if (!conn) {
		r = store_error(s) ? mgmt_ops_store_err(s, err) : not_found(id, err);
		goto out;
	}
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (!r)
		r = field_get_string(in, "", "vendor", true, 64, &vendor, err);
	if (r)
		goto out;
	if (devcfg_vendor_find(vendor, &v) != 0) {
		r = mgmt_fail(err, MGMT_E_INVALID_ENUM, "vendor",
			      "There is no device configuration script for vendor '%.64s'; the "
			      "supported vendors are: " DEVCFG_VENDORS ".",
			      vendor);
		goto out;
	}
	/* The references were resolved in the caller's subscription when the connection was
	 * written, and deleting a referenced resource is refused (SPEC §2 rule 12). */
	cp = json_object_get(conn, "properties");
	lgw = ref_get(s, prop(conn, "localNetworkGateway2"));
	vgw = ref_get(s, prop(conn, "virtualNetworkGateway1"));
	/* The first ipConfiguration: an active-active gateway's second instance is not scripted. */
	cfg = json_object_get(json_array_get(prop(vgw, "ipConfigurations"), 0), "properties");
	pip = ref_get(s, json_object_get(cfg, "publicIPAddress"));
	report(s, MODEL_PIP, pip);
	if (model_id_parse(json_string_value(json_object_get(json_object_get(cfg, "subnet"), "id")),
			   &vid) == 0) {
		vnet_id_of(&vid, &vid);
		model_id_format(&vid, vid_s, sizeof(vid_s));
		vnet = store_get(s, vid_s);
	}
	if (!lgw || !vgw || !pip || !vnet || store_shared_key_get(s, id_s, &key) != 0) {
		r = mgmt_ops_store_err(s, err);
		goto out;
	}
	c.name = json_string_value(json_object_get(conn, "name"));
	c.device_ip = json_string_value(prop(lgw, "gatewayIpAddress"));
	c.gateway_ip = json_string_value(prop(pip, "ipAddress"));
	c.n_site_ts = string_array(
		json_object_get(prop(lgw, "localNetworkAddressSpace"), "addressPrefixes"), site,
		DEVCFG_MAX_TS);
	c.site_ts = site;
	c.n_vnet_ts = string_array(json_object_get(prop(vnet, "addressSpace"), "addressPrefixes"),
				   space, DEVCFG_MAX_TS);
	c.vnet_ts = space;
	c.psk = key;
	c.dpd_timeout_s = (uint32_t)json_integer_value(json_object_get(cp, "dpdTimeoutSeconds"));
	c.child_lifetime_s = IKE_DEFAULT_CHILD_LIFETIME_S;
	c.child_lifetime_kb = IKE_DEFAULT_CHILD_LIFETIME_KB;
	pol = json_array_get(json_object_get(cp, "ipsecPolicies"), 0);
	if (pol) {
		model_ipsec_policy_custom(pol, &custom, &life_s, &life_kb);
		c.custom = &custom;
		c.child_lifetime_s = (uint32_t)life_s;
		c.child_lifetime_kb = (uint64_t)life_kb;
	}
	if (!c.gateway_ip) {
		/* The script names the gateway's address: there is none while the pool is empty. */
		r = mgmt_fail(err, MGMT_E_POOL_EXHAUSTED, "",
			      "This deployment has no public IP address yet, so there is no gateway "
			      "address for the device to reach; ask the operator to set the public "
			      "IP pool.");
		goto out;
	}
	if (!c.name || !c.device_ip) {
		r = mgmt_ops_internal(err);
		goto out;
	}
	if (json_is_true(prop(conn, "enableBgp"))) {
		json_t *gb = prop(vgw, "bgpSettings"), *sb = prop(lgw, "bgpSettings");
		const char *ga = json_string_value(json_object_get(gb, "bgpPeeringAddress"));

		/* The first instance's address ("a,b" for active-active). */
		snprintf(gw_bgp_addr, sizeof(gw_bgp_addr), "%s", ga ? ga : "");
		gw_bgp_addr[strcspn(gw_bgp_addr, ",")] = '\0';
		bgp.site_asn = (uint32_t)json_integer_value(json_object_get(sb, "asn"));
		bgp.site_addr = json_string_value(json_object_get(sb, "bgpPeeringAddress"));
		bgp.gateway_asn = (uint32_t)json_integer_value(json_object_get(gb, "asn"));
		bgp.gateway_addr = gw_bgp_addr;
		if (!bgp.site_addr || !gw_bgp_addr[0] || !bgp.site_asn || !bgp.gateway_asn) {
			r = mgmt_ops_internal(err);
			goto out;
		}
		c.bgp = &bgp;
	}
	r = devcfg_render(v, &c, script, &why);
	if (r == -ENOTSUP)
		r = mgmt_fail(err, MGMT_E_INVALID_ENUM, "vendor", "There is no %s script: %s.",
			      vendor, why);
	else if (r == -EINVAL)
		r = mgmt_fail(err, MGMT_E_IPSEC_POLICY_VALUE, "properties.ipsecPolicies[0]",
			      "The connection's IPsec policy has no strongSwan equivalent: %s.",
			      why);
	else if (r)
		r = mgmt_ops_internal(err);
out:
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	json_decref(in);
	json_decref(conn);
	json_decref(lgw);
	json_decref(vgw);
	json_decref(pip);
	json_decref(vnet);
	return r;
}

int mgmt_ops_vgw_reset(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
		       struct mgmt_error *err)
{
	int r = mgmt_ops_get(m, id, res, err);

	if (r)
		return r;
	/* Nothing in the store changes: the service restarts the gateway's tunnels. */
	if (m->reset)
		m->reset(m->hook_arg, json_string_value(json_object_get(res->body, "id")));
	return 0;
}
