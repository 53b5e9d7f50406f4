/* SPDX-License-Identifier: MIT */
/*
 * sqlite: the store's embedded backend (one node), the only file that speaks SQL. WAL mode with
 * synchronous=FULL: a COMMIT returns only once the WAL is fsync'd, so a write the API has
 * acknowledged survives kill -9 and power loss alike. Numbered migrations bring an older file up
 * to date at start (PRAGMA user_version is the number applied). Rule queries that span tenants
 * count rows and never return another subscription's ids. Shared keys pass through SQLite's
 * memory: with store_use_allocator the freed memory is wiped, secure_delete zeroes what a
 * change leaves in the file, and the page cache is released after every transaction, so no
 * key outlives the request that wrote or read it in this process's memory.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "mgmt/store/backend.h"

struct sq_store {
	struct store base;
	sqlite3 *db;
	int version;
	char *path;
	bool wrote_secret; /* this transaction wrote a shared key: recycle the connection after */
};

static const struct store_ops sqlite_ops;
static void sql_close(struct store *s);
static void sql_release(struct store *s);
static void sql_rollback(struct store *s);
static json_t *sql_settings_get(struct store *s);

static struct sq_store *SQ(struct store *s)
{
	return (struct sq_store *)s;
}

/* Migration N (1-based) is migrations[N-1]; never edit one that has shipped, append. */
static const char *const migrations[] = {
	/* 1: resources, references, shared keys, subscriptions, tokens, settings. */
	"CREATE TABLE resources ("
	"  key TEXT PRIMARY KEY," /* the id lower-cased */
	"  sub TEXT NOT NULL,"	  /* lower-cased */
	"  rg TEXT NOT NULL,"	  /* lower-cased */
	"  type TEXT NOT NULL,"	  /* path segment: virtualNetworks, ... */
	"  body TEXT NOT NULL"	  /* the resource's ARM JSON, without secrets */
	") WITHOUT ROWID;"
	"CREATE INDEX resources_sub_type ON resources(sub, type, key);"
	"CREATE INDEX resources_type ON resources(type);"
	"CREATE TABLE refs (src TEXT NOT NULL, dst TEXT NOT NULL, PRIMARY KEY (src, dst))"
	"  WITHOUT ROWID;"
	"CREATE INDEX refs_dst ON refs(dst);"
	"CREATE TABLE shared_keys (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE subscriptions (id TEXT PRIMARY KEY, display_name TEXT NOT NULL,"
	"  state TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE tokens (hash TEXT PRIMARY KEY, sub TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT NOT NULL);",
	/* 2: tokens get an id (what the operator lists and revokes them by) and a label. Tokens
	 * of version 1 get a random id. */
	"ALTER TABLE tokens ADD COLUMN id TEXT;"
	"ALTER TABLE tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';"
	"UPDATE tokens SET id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
	"  substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
	"  substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));"
	"CREATE UNIQUE INDEX tokens_id ON tokens(id);"
	"CREATE INDEX tokens_sub ON tokens(sub);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static void store_log_err(struct store *s, const char *what)
{
	log_err("Mgmt", "store: %s: %s", what, SQ(s)->db ? sqlite3_errmsg(SQ(s)->db) : "no database");
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(SQ(s)->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	log_err("Mgmt", "store: %s", msg ? msg : sqlite3_errmsg(SQ(s)->db));
	sqlite3_free(msg);
	return -EIO;
}

static sqlite3_stmt *prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(SQ(s)->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_log_err(s, "prepare");
		return NULL;
	}
	return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void key_of(const char *id, char *out, size_t n)
{
	model_id_key(id ? id : "", out, n);
}

static int migrate(struct store *s)
{
	sqlite3_stmt *st = prep(s, "PRAGMA user_version");
	int v = 0, r = 0;

	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v > N_MIGRATIONS) {
		log_err("Mgmt", "store: schema version %d is newer than this vnetgwd (%d)", v,
			N_MIGRATIONS);
		return -EIO;
	}
	while (v < N_MIGRATIONS) {
		char sql[64];

		/* Each migration and its version bump commit together, or not at all. */
		if (exec(s, "BEGIN IMMEDIATE") != 0)
			return -EIO;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		r = exec(s, migrations[v]);
		if (!r)
			r = exec(s, sql);
		if (!r)
			r = exec(s, "COMMIT");
		if (r) {
			exec(s, "ROLLBACK");
			return r;
		}
		v++;
	}
	SQ(s)->version = v;
	return 0;
}

/* The connection and its settings. */
static int connect_db(struct store *s)
{
	if (sqlite3_open_v2(SQ(s)->path, &SQ(s)->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		store_log_err(s, SQ(s)->path);
		return -EIO;
	}
	sqlite3_busy_timeout(SQ(s)->db, 5000);
	if (exec(s, "PRAGMA journal_mode = WAL") || exec(s, "PRAGMA synchronous = FULL") ||
	    exec(s, "PRAGMA foreign_keys = ON") || exec(s, "PRAGMA secure_delete = ON"))
		return -EIO;
	return 0;
}

/*
 * SQLite assembles every new record in a scratch buffer it keeps for the connection's life
 * (BtShared.pTmpSpace), so the last shared key written would stay there in clear; a new
 * connection after such a transaction hands all of the old one's memory back to the allocator
 * (the daemon's wipes it).
 */
static void recycle(struct store *s)
{
	SQ(s)->wrote_secret = false;
	sqlite3_close(SQ(s)->db);
	SQ(s)->db = NULL;
	if (connect_db(s) != 0)
		log_err("Mgmt", "store: cannot reopen %s after writing a key", SQ(s)->path);
}

int store_sqlite_open(const char *path, struct store **out)
{
	struct sq_store *q = calloc(1, sizeof(*q));
	struct store *s;
	int r = -EIO;

	*out = NULL;
	if (!q)
		return -ENOMEM;
	s = &q->base;
	s->ops = &sqlite_ops;
	SQ(s)->path = strdup(path);
	if (!SQ(s)->path || connect_db(s) != 0)
		goto out;
	r = migrate(s);
out:
	if (r) {
		sql_close(s);
		return r;
	}
	*out = s;
	return 0;
}

static void sql_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(SQ(s)->db);
	free(SQ(s)->path);
	free(s);
}

static int sql_schema_version(struct store *s)
{
	return SQ(s)->version;
}

static int sql_begin(struct store *s, bool read_only)
{
	/* A reader takes a snapshot (WAL: no writer waits for it), a writer the write lock. */
	return exec(s, read_only ? "BEGIN" : "BEGIN IMMEDIATE");
}

static int sql_commit(struct store *s)
{
	if (exec(s, "COMMIT") == 0) {
		sql_release(s);
		return 0;
	}
	sql_rollback(s);
	return -EIO;
}

static void sql_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(SQ(s)->db))
		exec(s, "ROLLBACK");
	sql_release(s);
}

static void sql_release(struct store *s)
{
	if (!SQ(s)->db || !sqlite3_get_autocommit(SQ(s)->db))
		return;
	/* Pages (shared keys among them) go back to the allocator, which wipes them. */
	if (SQ(s)->wrote_secret)
		recycle(s);
	else
		sqlite3_db_release_memory(SQ(s)->db);
}

/* --- memory --------------------------------------------------------------------------------- */

static const struct store_alloc *alloc_fns;

static void *sq_malloc(int n)
{
	return n > 0 ? alloc_fns->malloc_fn((size_t)n) : NULL;
}

static void sq_free(void *p)
{
	alloc_fns->free_fn(p);
}

static void *sq_realloc(void *p, int n)
{
	return n > 0 ? alloc_fns->realloc_fn(p, (size_t)n) : NULL;
}

static int sq_size(void *p)
{
	return p ? (int)alloc_fns->size_fn(p) : 0;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *arg)
{
	return SQLITE_OK;
}

static void sq_shutdown(void *arg)
{
}

int store_sqlite_use_allocator(const struct store_alloc *a)
{
	static const sqlite3_mem_methods methods = {
		sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL,
	};

	/* SQLite takes its allocator once, before its first use in the process. */
	alloc_fns = a;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK)
		return -EBUSY;
	/* Memory SQLite recycles itself is never freed, so never wiped: no lookaside slots (the
	 * small values, a bound key among them) and no bulk page-cache allocation (pages are
	 * then allocated, and freed, one by one). */
	if (sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) != SQLITE_OK)
		return -EBUSY;
	return 0;
}

static json_t *column_json(sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);

	return text ? json_loads(text, 0, NULL) : NULL;
}

static json_t *sql_get(struct store *s, const char *id)
{
	sqlite3_stmt *st = prep(s, "SELECT body FROM resources WHERE key = ?1");
	char key[MODEL_ID_MAX];
	json_t *res = NULL;

	if (!st)
		return NULL;
	key_of(id, key, sizeof(key));
	bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		res = column_json(st, 0);
	sqlite3_finalize(st);
	return res;
}

static int step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		store_log_err(s, "step");
		return -EIO;
	}
	return 0;
}

static int sql_put(struct store *s, enum model_type t, const char *sub, const char *rg, json_t *res,
	      json_t *refs)
{
	sqlite3_stmt *st = NULL;
	char key[MODEL_ID_MAX], lsub[MODEL_ID_MAX], lrg[MODEL_ID_MAX];
	char *body = NULL;
	json_t *v;
	size_t i;
	int r = -EIO;

	key_of(json_string_value(json_object_get(res, "id")), key, sizeof(key));
	key_of(sub, lsub, sizeof(lsub));
	key_of(rg, lrg, sizeof(lrg));
	body = json_dumps(res, JSON_COMPACT);
	if (!body)
		return -ENOMEM;
	st = prep(s, "INSERT OR REPLACE INTO resources (key, sub, rg, type, body) "
		     "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		goto out;
	bind_text(st, 1, key);
	bind_text(st, 2, lsub);
	bind_text(st, 3, lrg);
	bind_text(st, 4, model_type_segment(t));
	bind_text(st, 5, body);
	if (step_done(s, st))
		goto out;
	sqlite3_finalize(st);
	st = prep(s, "DELETE FROM refs WHERE src = ?1");
	if (!st)
		goto out;
	bind_text(st, 1, key);
	if (step_done(s, st))
		goto out;
	sqlite3_finalize(st);
	st = prep(s, "INSERT OR IGNORE INTO refs (src, dst) VALUES (?1, ?2)");
	if (!st)
		goto out;
	json_array_foreach(refs, i, v)
	{
		sqlite3_reset(st);
		bind_text(st, 1, key);
		bind_text(st, 2, json_string_value(v));
		if (step_done(s, st))
			goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	free(body);
	return r;
}

static int sql_delete(struct store *s, const char *id)
{
	static const char *const sql[] = {
		"DELETE FROM refs WHERE src = ?1",
		"DELETE FROM shared_keys WHERE key = ?1",
		"DELETE FROM resources WHERE key = ?1",
	};
	char key[MODEL_ID_MAX];
	size_t i;

	key_of(id, key, sizeof(key));
	SQ(s)->wrote_secret = true; /* a connection's key goes too (rebalancing may copy cells) */
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = prep(s, sql[i]);

		if (!st)
			return -EIO;
		bind_text(st, 1, key);
		if (step_done(s, st)) {
			sqlite3_finalize(st);
			return -EIO;
		}
		sqlite3_finalize(st);
	}
	return sqlite3_changes(SQ(s)->db) ? 0 : -ENOENT;
}

static int sql_list(struct store *s, enum model_type t, const char *sub, const char *rg,
	       const char *after, int limit, json_t **out, bool *more)
{
	sqlite3_stmt *st;
	char lsub[MODEL_ID_MAX], lrg[MODEL_ID_MAX], lafter[MODEL_ID_MAX];
	json_t *arr = json_array();
	int n = 0, rc;

	*out = NULL;
	*more = false;
	st = prep(s, "SELECT body FROM resources WHERE sub = ?1 AND type = ?2 "
		     "AND (?3 IS NULL OR rg = ?3) AND (?4 IS NULL OR key > ?4) "
		     "ORDER BY key LIMIT ?5");
	if (!st || !arr) {
		sqlite3_finalize(st);
		json_decref(arr);
		return -EIO;
	}
	key_of(sub, lsub, sizeof(lsub));
	bind_text(st, 1, lsub);
	bind_text(st, 2, model_type_segment(t));
	if (rg) {
		key_of(rg, lrg, sizeof(lrg));
		bind_text(st, 3, lrg);
	} else {
		bind_text(st, 3, NULL);
	}
	if (after) {
		key_of(after, lafter, sizeof(lafter));
		bind_text(st, 4, lafter);
	} else {
		bind_text(st, 4, NULL);
	}
	sqlite3_bind_int(st, 5, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			*more = true;
			break;
		}
		json_array_append_new(arr, column_json(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(arr);
		return -EIO;
	}
	*out = arr;
	return 0;
}

static int count_query(struct store *s, const char *sql, const char *a, const char *b,
		       const char *c)
{
	sqlite3_stmt *st = prep(s, sql);
	int n = -EIO;

	if (!st)
		return -EIO;
	bind_text(st, 1, a);
	bind_text(st, 2, b);
	if (c || sqlite3_bind_parameter_count(st) >= 3)
		bind_text(st, 3, c);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		store_log_err(s, "count");
	sqlite3_finalize(st);
	return n;
}

static int sql_count_sub(struct store *s, const char *sub)
{
	char lsub[MODEL_ID_MAX];

	key_of(sub, lsub, sizeof(lsub));
	return count_query(s, "SELECT count(*) FROM resources WHERE sub = ?1 AND ?2 IS NULL", lsub,
			   NULL, NULL);
}

static int sql_count_type(struct store *s, enum model_type t)
{
	return count_query(s, "SELECT count(*) FROM resources WHERE type = ?1 AND ?2 IS NULL",
			   model_type_segment(t), NULL, NULL);
}

/* --- the rules' view ------------------------------------------------------------------------ */

static json_t *view_get(void *ctx, const char *id)
{
	return sql_get(ctx, id);
}

static json_t *view_referrers(void *ctx, const char *id)
{
	struct store *s = ctx;
	sqlite3_stmt *st;
	char key[MODEL_ID_MAX];
	json_t *arr = json_array();
	int rc;

	/* The resource itself or one of its children (a VNet's subnets). */
	st = prep(s, "SELECT DISTINCT json_extract(r.body, '$.id') FROM refs "
		     "JOIN resources r ON r.key = refs.src "
		     "WHERE (refs.dst = ?1 OR substr(refs.dst, 1, length(?1) + 9) = ?1 || "
		     "'/subnets/') AND refs.src <> ?1 ORDER BY refs.src");
	if (!st || !arr) {
		sqlite3_finalize(st);
		json_decref(arr);
		return NULL;
	}
	key_of(id, key, sizeof(key));
	bind_text(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static int view_count_lgw_ip(void *ctx, const char *ip, const char *except_id)
{
	char key[MODEL_ID_MAX];

	key_of(except_id, key, sizeof(key));
	return count_query(ctx,
			   "SELECT count(*) FROM resources WHERE type = 'localNetworkGateways' "
			   "AND json_extract(body, '$.properties.gatewayIpAddress') = ?1 "
			   "AND key <> ?2",
			   ip, key, NULL);
}

static int view_count_conn_ip(void *ctx, const char *ip, const char *except_id)
{
	char key[MODEL_ID_MAX];

	key_of(except_id, key, sizeof(key));
	return count_query(
		ctx,
		"SELECT count(*) FROM resources c JOIN resources l ON l.key = "
		"lower(json_extract(c.body, '$.properties.localNetworkGateway2.id')) "
		"WHERE c.type = 'connections' AND "
		"json_extract(l.body, '$.properties.gatewayIpAddress') = ?1 AND c.key <> ?2",
		ip, key, NULL);
}

static int view_tunnels_used(void *ctx, const char *sku, const char *except_gw,
			     const char *except_conn)
{
	char gw[MODEL_ID_MAX], conn[MODEL_ID_MAX];

	key_of(except_gw, gw, sizeof(gw));
	key_of(except_conn, conn, sizeof(conn));
	return count_query(
		ctx,
		"SELECT COALESCE(SUM(CASE WHEN json_extract(g.body, '$.properties.activeActive') "
		"THEN 2 ELSE 1 END), 0) FROM resources c JOIN resources g ON g.key = "
		"lower(json_extract(c.body, '$.properties.virtualNetworkGateway1.id')) "
		"WHERE c.type = 'connections' AND "
		"json_extract(g.body, '$.properties.sku.name') = ?1 AND g.key <> ?2 AND "
		"c.key <> ?3",
		sku, gw, conn);
}

static json_t *view_public_ips_used(void *ctx)
{
	struct store *s = ctx;
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int rc;

	st = prep(s, "SELECT json_extract(body, '$.properties.ipAddress') FROM resources "
		     "WHERE type = 'publicIPAddresses' AND "
		     "json_extract(body, '$.properties.ipAddress') IS NOT NULL");
	if (!st || !arr) {
		sqlite3_finalize(st);
		json_decref(arr);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static int view_count(void *ctx, enum model_type t, const char *sub, const char *except_id)
{
	char lsub[MODEL_ID_MAX], key[MODEL_ID_MAX];

	key_of(except_id, key, sizeof(key));
	if (sub)
		key_of(sub, lsub, sizeof(lsub));
	return count_query(ctx,
			   "SELECT count(*) FROM resources WHERE type = ?1 AND key <> ?2 AND "
			   "(?3 IS NULL OR sub = ?3)",
			   model_type_segment(t), key, sub ? lsub : NULL);
}

static int sql_view(struct store *s, struct model_view *v)
{
	v->ctx = s;
	v->get = view_get;
	v->referrers = view_referrers;
	v->count_lgw_ip = view_count_lgw_ip;
	v->count_conn_ip = view_count_conn_ip;
	v->tunnels_used = view_tunnels_used;
	v->public_ips_used = view_public_ips_used;
	v->count = view_count;
	v->settings = sql_settings_get(s);
	return v->settings ? 0 : -EIO;
}

/* --- shared keys ----------------------------------------------------------------------------- */

static int sql_shared_key_get(struct store *s, const char *id, char **out)
{
	sqlite3_stmt *st = prep(s, "SELECT value FROM shared_keys WHERE key = ?1");
	char key[MODEL_ID_MAX];
	int r = -ENOENT;

	*out = NULL;
	if (!st)
		return -EIO;
	key_of(id, key, sizeof(key));
	bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		r = *out ? 0 : -ENOMEM;
	}
	sqlite3_finalize(st);
	sql_release(s);
	return r;
}

static int sql_shared_key_set(struct store *s, const char *id, const char *value)
{
	sqlite3_stmt *st =
		prep(s, "INSERT OR REPLACE INTO shared_keys (key, value) VALUES (?1, ?2)");
	char key[MODEL_ID_MAX];
	int r;

	if (!st)
		return -EIO;
	key_of(id, key, sizeof(key));
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	r = step_done(s, st);
	sqlite3_finalize(st);
	SQ(s)->wrote_secret = true;
	return r;
}

/* --- subscriptions and tokens ------------------------------------------------------------------
 */

static int sql_sub_create(struct store *s, const char *id, const char *display_name)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO subscriptions (id, display_name, state, created) "
				   "VALUES (lower(?1), ?2, 'Enabled', ?3)");
	int r;

	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	bind_text(st, 2, display_name);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	r = step_done(s, st);
	sqlite3_finalize(st);
	return r;
}

static json_t *sub_row(sqlite3_stmt *st)
{
	return json_pack("{s:s, s:s, s:s}", "subscriptionId", sqlite3_column_text(st, 0),
			 "displayName", sqlite3_column_text(st, 1), "state",
			 sqlite3_column_text(st, 2));
}

static int sql_sub_get(struct store *s, const char *id, json_t **out)
{
	sqlite3_stmt *st = prep(s, "SELECT id, display_name, state FROM subscriptions "
				   "WHERE id = lower(?1)");
	int r = -ENOENT;

	*out = NULL;
	if (!st)
		return -EIO;
	bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sub_row(st);
		r = *out ? 0 : -ENOMEM;
	}
	sqlite3_finalize(st);
	return r;
}

static int sql_sub_list(struct store *s, json_t **out)
{
	sqlite3_stmt *st = prep(s, "SELECT id, display_name, state FROM subscriptions "
				   "ORDER BY created, id");
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!st || !arr) {
		sqlite3_finalize(st);
		json_decref(arr);
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, sub_row(st));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return -EIO;
	}
	*out = arr;
	return 0;
}

static int sql_sub_delete(struct store *s, const char *id)
{
	static const char *const sql[] = {
		"DELETE FROM tokens WHERE sub = lower(?1)",
		"DELETE FROM subscriptions WHERE id = lower(?1)",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = prep(s, sql[i]);

		if (!st)
			return -EIO;
		bind_text(st, 1, id);
		if (step_done(s, st)) {
			sqlite3_finalize(st);
			return -EIO;
		}
		sqlite3_finalize(st);
	}
	return sqlite3_changes(SQ(s)->db) ? 0 : -ENOENT;
}

static int sql_token_add(struct store *s, const char *hash_hex, const char *sub, const char *id,
		    const char *label, int64_t created)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO tokens (hash, sub, created, id, label) "
				   "VALUES (?1, lower(?2), ?3, lower(?4), ?5)");
	int r;

	if (!st)
		return -EIO;
	bind_text(st, 1, hash_hex);
	bind_text(st, 2, sub);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)created);
	bind_text(st, 4, id);
	bind_text(st, 5, label ? label : "");
	r = step_done(s, st);
	sqlite3_finalize(st);
	return r;
}

static int sql_token_find(struct store *s, const char *hash_hex, char *sub, size_t n, char *id,
		     size_t idn)
{
	sqlite3_stmt *st = prep(s, "SELECT t.sub, t.id FROM tokens t JOIN subscriptions s "
				   "ON s.id = t.sub WHERE t.hash = ?1");
	int r = -ENOENT;

	if (!st)
		return -EIO;
	bind_text(st, 1, hash_hex);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sub, n, "%s", (const char *)sqlite3_column_text(st, 0));
		if (id)
			snprintf(id, idn, "%s", (const char *)sqlite3_column_text(st, 1));
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

static int sql_token_list(struct store *s, const char *sub, json_t **out)
{
	sqlite3_stmt *st = prep(s, "SELECT id, label, created FROM tokens WHERE sub = lower(?1) "
				   "ORDER BY created, id");
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!st || !arr) {
		sqlite3_finalize(st);
		json_decref(arr);
		return -EIO;
	}
	bind_text(st, 1, sub);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "id",
						     sqlite3_column_text(st, 0), "label",
						     sqlite3_column_text(st, 1), "created",
						     (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return -EIO;
	}
	*out = arr;
	return 0;
}

static int sql_token_delete(struct store *s, const char *sub, const char *id)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM tokens WHERE sub = lower(?1) AND id = lower(?2)");
	int r;

	if (!st)
		return -EIO;
	bind_text(st, 1, sub);
	bind_text(st, 2, id);
	r = step_done(s, st);
	sqlite3_finalize(st);
	if (r)
		return r;
	return sqlite3_changes(SQ(s)->db) ? 0 : -ENOENT;
}

/* --- settings ----------------------------------------------------------------------------------
 */

static json_t *sql_settings_get(struct store *s)
{
	sqlite3_stmt *st = prep(s, "SELECT v FROM settings WHERE k = 'deployment'");
	json_t *settings = model_settings_default(), *stored = NULL;

	if (!st || !settings) {
		sqlite3_finalize(st);
		json_decref(settings);
		return NULL;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		stored = column_json(st, 0);
	sqlite3_finalize(st);
	/* Defaults first, so a setting added by a later version has its value. */
	if (json_is_object(stored))
		json_object_update(settings, stored);
	json_decref(stored);
	return settings;
}

static int sql_settings_put(struct store *s, json_t *settings)
{
	sqlite3_stmt *st =
		prep(s, "INSERT OR REPLACE INTO settings (k, v) VALUES ('deployment', ?1)");
	char *text = json_dumps(settings, JSON_COMPACT);
	int r = -EIO;

	if (st && text) {
		bind_text(st, 1, text);
		r = step_done(s, st);
	}
	sqlite3_finalize(st);
	free(text);
	return r;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sql_close,
	.schema_version = sql_schema_version,
	.begin = sql_begin,
	.commit = sql_commit,
	.rollback = sql_rollback,
	.release = sql_release,
	.get = sql_get,
	.put = sql_put,
	.del = sql_delete,
	.list = sql_list,
	.count_sub = sql_count_sub,
	.count_type = sql_count_type,
	.view = sql_view,
	.shared_key_get = sql_shared_key_get,
	.shared_key_set = sql_shared_key_set,
	.sub_create = sql_sub_create,
	.sub_get = sql_sub_get,
	.sub_list = sql_sub_list,
	.sub_delete = sql_sub_delete,
	.token_add = sql_token_add,
	.token_find = sql_token_find,
	.token_list = sql_token_list,
	.token_delete = sql_token_delete,
	.settings_get = sql_settings_get,
	.settings_put = sql_settings_put,
};
