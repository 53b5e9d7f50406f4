/* SPDX-License-Identifier: MIT */
/*
 * ops_admin: the operator's operations (docs/api.md "Operator endpoints") -- subscriptions, their
 * bearer tokens (several per subscription, each with an id and a label, listed without the
 * secret and revoked by id; a revoked token fails from its very next request, as auth looks
 * every token up in the store) and the deployment settings. One transaction each, run again
 * from its start when its commit meets a conflicting writer (etcd), as the tenants' are.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mgmt/auth.h"
#include "mgmt/ids.h"
#include "mgmt/model/field.h"
#include "mgmt/ops.h"
#include "mgmt/ops_internal.h"
#include "mgmt/store/store.h"

#define TOKEN_LABEL_MAX 64

int mgmt_ops_sub_exists(const struct mgmt *m, const char *sub)
{
	json_t *doc = NULL;
	int r = store_sub_get(m->store, sub, &doc);

	json_decref(doc);
	return r;
}

/* ARM's times: ISO 8601 in UTC. */
static json_t *utc_time(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

/* A new token of sub, inside the caller's transaction: its description with the token. */
static int token_issue(struct store *s, const char *sub, const char *label, json_t **out,
		       struct mgmt_error *err)
{
	char id[MGMT_UUID_LEN + 1], token[MGMT_TOKEN_LEN + 1], hash[AUTH_HASH_HEX_LEN + 1];
	int64_t now = (int64_t)time(NULL);
	int r = 0;

	*out = NULL;
	if (mgmt_uuid_new(id) || mgmt_token_new(token) || auth_token_hash(token, hash) != 0)
		r = mgmt_ops_internal(err);
	else if (store_token_add(s, hash, sub, id, label, now) != 0)
		r = mgmt_ops_store_err(s, err);
	else
		*out = json_pack("{s:s, s:s, s:o, s:s}", "id", id, "label", label, "createdAt",
				 utc_time(now), "token", token);
	explicit_bzero(token, sizeof(token));
	if (!r && !*out)
		r = mgmt_ops_internal(err);
	return r;
}

/* Ends the caller's transaction: commits when r is 0 and no store call failed in it, else rolls
 * back; returns r, or the store's failure (-EAGAIN: run again; 503: unavailable). */
static int tx_finish(struct store *s, int r, struct mgmt_error *err)
{
	if (r || store_error(s)) {
		int se = store_error(s);

		store_rollback(s);
		return se ? mgmt_ops_store_err(s, err) : r;
	}
	if (store_commit(s) != 0)
		return mgmt_ops_store_err(s, err);
	return 0;
}

/* Does sub exist? 0, or the refusal (SubscriptionNotFound, or the store's failure) in err. */
static int sub_check(const struct mgmt *m, const char *sub, struct mgmt_error *err);

/* The optional {"label": "..."} of a token request (an empty body is no label). */
static int token_label(const char *body, size_t len, json_t **in, const char **label,
		       struct mgmt_error *err)
{
	*in = NULL;
	*label = "";
	if (!body || len == 0)
		return 0;
	if (mgmt_ops_parse_json(body, len, in, err))
		return -EINVAL;
	if (field_get_string(*in, "", "label", false, TOKEN_LABEL_MAX, label, err))
		return -EINVAL;
	if (!*label)
		*label = "";
	return 0;
}

static int sub_create_once(const struct mgmt *m, const char *body, size_t len,
			   struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	char id[MGMT_UUID_LEN + 1];
	const char *name, *label = NULL;
	json_t *in, *tok = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (!r)
		r = field_get_string(in, "", "displayName", true, 128, &name, err);
	if (!r)
		r = field_get_string(in, "", "tokenLabel", false, TOKEN_LABEL_MAX, &label, err);
	if (r)
		goto out;
	if (mgmt_uuid_new(id)) {
		r = mgmt_ops_internal(err);
		goto out;
	}
	if (store_begin(s) != 0) {
		r = mgmt_ops_store_err(s, err);
		goto out;
	}
	if (store_sub_create(s, id, name))
		r = mgmt_ops_store_err(s, err);
	else
		r = token_issue(s, id, label ? label : "", &tok, err);
	r = tx_finish(s, r, err);
	if (r)
		goto out;
	res->status = 201;
	res->body = json_pack("{s:s, s:s, s:s, s:O, s:O}", "subscriptionId", id, "displayName",
			      name, "state", "Enabled", "token", json_object_get(tok, "token"),
			      "tokenId", json_object_get(tok, "id"));
out:
	json_decref(tok);
	json_decref(in);
	return r;
}

int mgmt_ops_sub_create(const struct mgmt *m, const char *body, size_t len, struct mgmt_result *res,
			struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = sub_create_once(m, body, len, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

int mgmt_ops_sub_list(const struct mgmt *m, struct mgmt_result *res, struct mgmt_error *err)
{
	json_t *arr;

	memset(res, 0, sizeof(*res));
	if (store_sub_list(m->store, &arr) != 0)
		return mgmt_ops_store_err(m->store, err);
	res->status = 200;
	res->body = json_pack("{s:o}", "value", arr);
	return 0;
}

static int sub_not_found(const char *sub, struct mgmt_error *err)
{
	return mgmt_fail(err, MGMT_E_SUBSCRIPTION_NOT_FOUND, "",
			 "The subscription '%.64s' could not be found.", sub);
}

static int sub_check(const struct mgmt *m, const char *sub, struct mgmt_error *err)
{
	int r = mgmt_ops_sub_exists(m, sub);

	if (r == -ENOENT)
		return sub_not_found(sub, err);
	return r ? mgmt_ops_store_err(m->store, err) : 0;
}

static int sub_token_once(const struct mgmt *m, const char *sub, const char *body, size_t len,
			  struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	const char *label;
	json_t *in, *tok = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = token_label(body, len, &in, &label, err);
	if (r)
		goto out;
	if (store_begin(s) != 0) {
		r = mgmt_ops_store_err(s, err);
		goto out;
	}
	r = sub_check(m, sub, err);
	if (!r)
		r = token_issue(s, sub, label, &tok, err);
	r = tx_finish(s, r, err);
	if (r)
		goto out;
	res->status = 201;
	res->body = json_incref(tok);
out:
	json_decref(tok);
	json_decref(in);
	return r;
}

int mgmt_ops_sub_token(const struct mgmt *m, const char *sub, const char *body, size_t len,
		       struct mgmt_result *res, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = sub_token_once(m, sub, body, len, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

int mgmt_ops_token_list(const struct mgmt *m, const char *sub, struct mgmt_result *res,
			struct mgmt_error *err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	r = sub_check(m, sub, err);
	if (r)
		return r;
	if (store_token_list(m->store, sub, &arr) != 0)
		return mgmt_ops_store_err(m->store, err);
	json_array_foreach(arr, i, v)
	{
		json_object_set_new(v, "createdAt",
				    utc_time(json_integer_value(json_object_get(v, "created"))));
		json_object_del(v, "created");
	}
	res->status = 200;
	res->body = json_pack("{s:o}", "value", arr);
	return 0;
}

static int token_revoke_once(const struct mgmt *m, const char *sub, const char *token_id,
			     struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	int r, rc;

	memset(res, 0, sizeof(*res));
	if (store_begin(s) != 0)
		return mgmt_ops_store_err(s, err);
	r = sub_check(m, sub, err);
	if (!r) {
		rc = store_token_delete(s, sub, token_id);
		if (rc == -ENOENT)
			r = mgmt_fail(err, MGMT_E_TOKEN_NOT_FOUND, "",
				      "The subscription has no token with the id '%.64s'.",
				      token_id);
		else if (rc)
			r = mgmt_ops_store_err(s, err);
	}
	r = tx_finish(s, r, err);
	if (!r)
		res->status = 200;
	return r;
}

int mgmt_ops_token_revoke(const struct mgmt *m, const char *sub, const char *token_id,
			  struct mgmt_result *res, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = token_revoke_once(m, sub, token_id, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

static int sub_delete_once(const struct mgmt *m, const char *sub, struct mgmt_result *res,
			   struct mgmt_error *err)
{
	struct store *s = m->store;
	int r, n;

	memset(res, 0, sizeof(*res));
	if (store_begin(s) != 0)
		return mgmt_ops_store_err(s, err);
	n = store_count_sub(s, sub);
	r = sub_check(m, sub, err);
	if (!r && n < 0)
		r = mgmt_ops_store_err(s, err);
	else if (!r && n > 0)
		r = mgmt_fail(err, MGMT_E_SUBSCRIPTION_NOT_EMPTY, "",
			      "The subscription still holds %d resource(s); delete them first.", n);
	else if (!r && store_sub_delete(s, sub) != 0)
		r = mgmt_ops_store_err(s, err);
	r = tx_finish(s, r, err);
	if (!r)
		res->status = 200;
	return r;
}

int mgmt_ops_sub_delete(const struct mgmt *m, const char *sub, struct mgmt_result *res,
			struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = sub_delete_once(m, sub, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}

int mgmt_ops_settings_get(const struct mgmt *m, struct mgmt_result *res, struct mgmt_error *err)
{
	memset(res, 0, sizeof(*res));
	res->body = store_settings_get(m->store);
	if (!res->body)
		return mgmt_ops_store_err(m->store, err);
	res->status = 200;
	return 0;
}

static int settings_patch_once(const struct mgmt *m, const char *body, size_t len,
			       struct mgmt_result *res, struct mgmt_error *err)
{
	struct store *s = m->store;
	json_t *in, *settings = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = mgmt_ops_parse_json(body, len, &in, err);
	if (r)
		return r;
	if (store_begin(s) != 0) {
		json_decref(in);
		return mgmt_ops_store_err(s, err);
	}
	settings = store_settings_get(s);
	if (!settings)
		r = mgmt_ops_store_err(s, err);
	if (!r)
		r = model_settings_patch(settings, in, err);
	if (!r && store_settings_put(s, settings) != 0)
		r = mgmt_ops_store_err(s, err);
	r = tx_finish(s, r, err);
	if (!r) {
		res->status = 200;
		res->body = json_incref(settings);
		/* The shared public IP may have moved: the gateway follows (reconciler); the API
		 * re-reads its rate limit. */
		if (m->changed)
			m->changed(m->hook_arg, MGMT_SETTINGS_ID);
	}
	json_decref(settings);
	json_decref(in);
	return r;
}

int mgmt_ops_settings_patch(const struct mgmt *m, const char *body, size_t len,
			    struct mgmt_result *res, struct mgmt_error *err)
{
	int r, tries = 0;

	do
		r = settings_patch_once(m, body, len, res, err);
	while (mgmt_ops_again(&r, &tries, res, err));
	return r;
}
