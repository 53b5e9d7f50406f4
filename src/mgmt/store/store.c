/* SPDX-License-Identifier: MIT */
/*
 * store: the one entry to the management plane's store -- picks the backend from the url at
 * open (sqlite.c, etcd.c) and hands each call to it, keeping what every backend shares: whether
 * a transaction is open and why the last call failed (store_error).
 */
#include <errno.h>
#include <string.h>

#include "lib/log.h"
#include "mgmt/store/backend.h"

int store_fail(struct store *s, int r)
{
	if (r < 0 && r != -ENOENT && !(s->in_tx && s->err))
		s->err = r;
	return r;
}

/* Outside a transaction each call is judged alone. */
static struct store *enter(struct store *s)
{
	if (!s->in_tx)
		s->err = 0;
	return s;
}

/* An int-returning call: a failure (but absence) is recorded. */
static int track(struct store *s, int r)
{
	return r < 0 && r != -ENOENT && r != -EEXIST ? store_fail(s, r) : r;
}

int store_open(const char *path, struct store **out)
{
	return store_sqlite_open(path, out);
}

int store_open_url(const char *url, struct store **out)
{
	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0 && url[7])
		return store_sqlite_open(url + 7, out);
	if (strncmp(url, "etcd://", 7) == 0)
		return store_etcd_open(url + 7, out);
	log_err("Mgmt", "store: '%s' is not sqlite:PATH nor etcd://HOST:PORT[,HOST:PORT...]", url);
	return -EINVAL;
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

int store_schema_version(struct store *s)
{
	return s->ops->schema_version(s);
}

int store_use_allocator(const struct store_alloc *a)
{
	int r = store_sqlite_use_allocator(a);

	return r ? r : store_etcd_use_allocator(a);
}

static int begin(struct store *s, bool read_only)
{
	int r;

	if (s->in_tx) {
		log_err("Mgmt", "store: a transaction is already open");
		return -EBUSY;
	}
	s->err = 0;
	r = s->ops->begin(s, read_only);
	if (r == 0)
		s->in_tx = true;
	return track(s, r);
}

int store_begin(struct store *s)
{
	return begin(s, false);
}

int store_begin_read(struct store *s)
{
	return begin(s, true);
}

int store_commit(struct store *s)
{
	int r;

	if (s->commit_hook)
		s->commit_hook(s->commit_hook_arg);
	r = s->ops->commit(s);
	s->in_tx = false;
	if (r)
		s->err = r;
	return r;
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
	s->in_tx = false;
}

void store_release(struct store *s)
{
	s->ops->release(s);
}

int store_error(struct store *s)
{
	return s->err;
}

json_t *store_get(struct store *s, const char *id)
{
	return enter(s)->ops->get(s, id);
}

int store_put(struct store *s, enum model_type t, const char *sub, const char *rg, json_t *res,
	      json_t *refs)
{
	return track(s, enter(s)->ops->put(s, t, sub, rg, res, refs));
}

int store_delete(struct store *s, const char *id)
{
	return track(s, enter(s)->ops->del(s, id));
}

int store_list(struct store *s, enum model_type t, const char *sub, const char *rg,
	       const char *after, int limit, json_t **out, bool *more)
{
	return track(s, enter(s)->ops->list(s, t, sub, rg, after, limit, out, more));
}

int store_count_sub(struct store *s, const char *sub)
{
	return track(s, enter(s)->ops->count_sub(s, sub));
}

int store_count_type(struct store *s, enum model_type t)
{
	return track(s, enter(s)->ops->count_type(s, t));
}

int store_view(struct store *s, struct model_view *v)
{
	return track(s, enter(s)->ops->view(s, v));
}

int store_shared_key_get(struct store *s, const char *id, char **out)
{
	return track(s, enter(s)->ops->shared_key_get(s, id, out));
}

int store_shared_key_set(struct store *s, const char *id, const char *key)
{
	return track(s, enter(s)->ops->shared_key_set(s, id, key));
}

int store_sub_create(struct store *s, const char *id, const char *display_name)
{
	return track(s, enter(s)->ops->sub_create(s, id, display_name));
}

int store_sub_get(struct store *s, const char *id, json_t **out)
{
	return track(s, enter(s)->ops->sub_get(s, id, out));
}

int store_sub_list(struct store *s, json_t **out)
{
	return track(s, enter(s)->ops->sub_list(s, out));
}

int store_sub_delete(struct store *s, const char *id)
{
	return track(s, enter(s)->ops->sub_delete(s, id));
}

int store_token_add(struct store *s, const char *hash_hex, const char *sub, const char *id,
		    const char *label, int64_t created)
{
	return track(s, enter(s)->ops->token_add(s, hash_hex, sub, id, label, created));
}

int store_token_find(struct store *s, const char *hash_hex, char *sub, size_t n, char *id,
		     size_t idn)
{
	return track(s, enter(s)->ops->token_find(s, hash_hex, sub, n, id, idn));
}

int store_token_list(struct store *s, const char *sub, json_t **out)
{
	return track(s, enter(s)->ops->token_list(s, sub, out));
}

int store_token_delete(struct store *s, const char *sub, const char *id)
{
	return track(s, enter(s)->ops->token_delete(s, sub, id));
}

json_t *store_settings_get(struct store *s)
{
	return enter(s)->ops->settings_get(s);
}

int store_settings_put(struct store *s, json_t *settings)
{
	return track(s, enter(s)->ops->settings_put(s, settings));
}

int store_watch_start(struct store *s, store_changed_fn fn, void *arg)
{
	return s->ops->watch_start ? s->ops->watch_start(s, fn, arg) : -EOPNOTSUPP;
}

void store_watch_stop(struct store *s)
{
	if (s->ops->watch_stop)
		s->ops->watch_stop(s);
}

void store_set_node(struct store *s, const char *node)
{
	if (s->ops->set_node)
		s->ops->set_node(s, node);
}

void store_set_commit_hook(struct store *s, store_commit_hook_fn fn, void *arg)
{
	s->commit_hook = fn;
	s->commit_hook_arg = arg;
}
