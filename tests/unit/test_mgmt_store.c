/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/mgmt/store and src/mgmt/auth and ids: migrations applied once and kept
 * across reopen, WAL mode, subscriptions and hashed tokens (a deleted subscription's tokens die
 * with it), settings defaults, shared keys kept apart from resource bodies, list order and
 * paging; bearer-token parsing; UUIDs and generated keys. Every STORE_TEST runs twice: on
 * SQLite (suite mgmt_store) and on a real etcd the test starts (suite mgmt_store_etcd).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/auth.h"
#include "mgmt/ids.h"
#include "mgmt/store/store.h"
#include "support/etcd.h"
#include "unit/both_stores.h"

static char dir[] = "/tmp/vnetgw-store-XXXXXX";
static char db[256];
static struct store *st;
static struct etcd_proc etcd;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/vnetgw.db", dir);
	cr_assert_eq(store_open(db, &st), 0);
}

static void setup_etcd(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(etcd_proc_start(&etcd, dir), 0, "%s", etcd.why);
	cr_assert_eq(store_open_url(etcd.url, &st), 0);
	snprintf(db, sizeof(db), "%s", etcd.url);
}

static void teardown(void)
{
	char cmd[300];

	store_close(st);
	st = NULL;
	etcd_proc_stop(&etcd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The same store again, as a restarted daemon opens it. */
static void reopen(void)
{
	store_close(st);
	st = NULL;
	if (etcd.pid > 0)
		cr_assert_eq(store_open_url(etcd.url, &st), 0);
	else
		cr_assert_eq(store_open(db, &st), 0);
}

TestSuite(mgmt_store, .init = setup, .fini = teardown);
TestSuite(mgmt_store_etcd, .init = setup_etcd, .fini = teardown, .timeout = 120);

/* A test of both backends (unit/both_stores.h). */
#define STORE_TEST(name) BOTH_STORES_TEST(mgmt_store, name)

Test(mgmt_store_etcd, layout_once_and_kept)
{
	cr_expect_str_eq(store_backend(st), "etcd");
	cr_expect_eq(store_schema_version(st), 1);
	reopen();
	cr_expect_eq(store_schema_version(st), 1);
}

Test(mgmt_store, migrations_once_and_wal)
{
	char path[300];
	FILE *f;

	cr_expect_eq(store_schema_version(st), 2);
	store_close(st);
	cr_assert_eq(store_open(db, &st), 0);
	cr_expect_eq(store_schema_version(st), 2);
	/* WAL mode leaves its -wal file beside the database while open */
	snprintf(path, sizeof(path), "%s-wal", db);
	f = fopen(path, "r");
	cr_expect_not_null(f, "no WAL file: not in WAL mode");
	if (f)
		fclose(f);
}

STORE_TEST(subscriptions_and_tokens)
{
	char hash[65], sub[64], tid[40];
	json_t *list, *one;

	cr_assert_eq(store_sub_create(st, "AAAA-1", "contoso"), 0);
	cr_expect_neq(store_sub_create(st, "aaaa-1", "again"), 0, "ids are unique, any case");
	cr_assert_eq(auth_token_hash("tok-1", hash), 0);
	cr_assert_eq(store_token_add(st, hash, "AAAA-1", "11111111-2222-4333-8444-555555555555",
				     "ci", 1700000000),
		     0);
	cr_assert_eq(store_token_find(st, hash, sub, sizeof(sub), tid, sizeof(tid)), 0);
	cr_expect_str_eq(sub, "aaaa-1");
	cr_expect_str_eq(tid, "11111111-2222-4333-8444-555555555555");
	cr_assert_eq(store_token_list(st, "aaaa-1", &list), 0);
	cr_assert_eq(json_array_size(list), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "label")),
			 "ci");
	cr_expect_null(json_object_get(json_array_get(list, 0), "hash"), "never the digest");
	json_decref(list);
	cr_assert_eq(store_sub_get(st, "aaaa-1", &one), 0);
	cr_expect_str_eq(json_string_value(json_object_get(one, "displayName")), "contoso");
	json_decref(one);
	cr_assert_eq(store_sub_list(st, &list), 0);
	cr_expect_eq(json_array_size(list), 1);
	json_decref(list);
	cr_assert_eq(store_sub_delete(st, "AAAA-1"), 0);
	cr_expect_eq(store_token_find(st, hash, sub, sizeof(sub), NULL, 0), -ENOENT);
	cr_expect_eq(store_sub_delete(st, "AAAA-1"), -ENOENT);
}

/* A version-1 store (tokens without ids, as issue 15 found them) gains ids and labels. */
Test(mgmt_store, migration_2_gives_old_tokens_ids)
{
	char old[300], cmd[1200], sub[64], tid[40];
	json_t *list;

	snprintf(old, sizeof(old), "%s/v1.db", dir);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 '%s' \"CREATE TABLE subscriptions (id TEXT PRIMARY KEY, display_name "
		 "TEXT NOT NULL, state TEXT NOT NULL, created INTEGER NOT NULL); CREATE TABLE "
		 "tokens (hash TEXT PRIMARY KEY, sub TEXT NOT NULL, created INTEGER NOT NULL); "
		 "INSERT INTO subscriptions VALUES ('s1', 't', 'Enabled', 1); INSERT INTO tokens "
		 "VALUES ('%064d', 's1', 1), ('%064d', 's1', 2); PRAGMA user_version = 1;\"",
		 old, 1, 2);
	cr_assert_eq(system(cmd), 0, "the sqlite3 tool builds a version-1 store");
	store_close(st);
	cr_assert_eq(store_open(old, &st), 0);
	cr_expect_eq(store_schema_version(st), 2);
	cr_assert_eq(store_token_list(st, "s1", &list), 0);
	cr_assert_eq(json_array_size(list), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(list, i), "id"));

		cr_assert_not_null(id);
		cr_expect_eq(strlen(id), 36, "a UUID: %s", id);
	}
	cr_expect_str_neq(json_string_value(json_object_get(json_array_get(list, 0), "id")),
			  json_string_value(json_object_get(json_array_get(list, 1), "id")));
	snprintf(cmd, sizeof(cmd), "%064d", 1);
	cr_expect_eq(store_token_find(st, cmd, sub, sizeof(sub), tid, sizeof(tid)), 0);
	cr_expect_str_eq(tid, json_string_value(json_object_get(json_array_get(list, 0), "id")));
	cr_expect_eq(store_token_delete(st, "s1", tid), 0);
	cr_expect_eq(store_token_find(st, cmd, sub, sizeof(sub), NULL, 0), -ENOENT,
		     "a revoked token is gone");
	cr_expect_eq(store_token_delete(st, "s1", tid), -ENOENT);
	json_decref(list);
}

STORE_TEST(settings_defaults_and_update)
{
	json_t *s = store_settings_get(st);

	cr_assert_not_null(s);
	cr_expect_eq(model_settings_tunnel_limit(s, MODEL_SKU_BASIC), 20);
	cr_expect_eq(model_settings_tunnel_limit(s, MODEL_SKU_HIGH_PERFORMANCE), 10);
	json_object_set_new(json_object_get(s, "tunnelLimits"), "Standard", json_integer(3));
	cr_assert_eq(store_settings_put(st, s), 0);
	json_decref(s);
	reopen();
	s = store_settings_get(st);
	cr_expect_eq(model_settings_tunnel_limit(s, MODEL_SKU_STANDARD), 3);
	json_decref(s);
}

static json_t *res(const char *name)
{
	char id[256];

	snprintf(id, sizeof(id),
		 "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/"
		 "publicIPAddresses/%s",
		 name);
	return json_pack("{s:s, s:s, s:{}}", "id", id, "name", name, "properties");
}

STORE_TEST(lists_in_order_with_pages)
{
	static const char *const names[] = {"delta", "Alpha", "charlie", "bravo", "echo"};
	json_t *page, *refs = json_array();
	bool more;
	size_t i;

	for (i = 0; i < 5; i++) {
		json_t *r = res(names[i]);

		cr_assert_eq(store_put(st, MODEL_PIP, "s1", "rg", r, refs), 0);
		json_decref(r);
	}
	cr_assert_eq(store_list(st, MODEL_PIP, "S1", NULL, NULL, 2, &page, &more), 0);
	cr_expect(more);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(page, 0), "name")),
			 "Alpha");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(page, 1), "name")),
			 "bravo");
	json_decref(page);
	cr_assert_eq(store_list(st, MODEL_PIP, "s1", "RG",
				"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/"
				"publicIPAddresses/charlie",
				2, &page, &more),
		     0);
	cr_expect_not(more);
	cr_expect_eq(json_array_size(page), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(page, 0), "name")),
			 "delta");
	json_decref(page);
	cr_assert_eq(store_list(st, MODEL_VNET, "s1", NULL, NULL, 2, &page, &more), 0);
	cr_expect_eq(json_array_size(page), 0);
	json_decref(page);
	cr_expect_eq(store_count_sub(st, "s1"), 5);
	cr_expect_eq(store_count_type(st, MODEL_PIP), 5);
	json_decref(refs);
}

/* More than a page of etcd's (500) and than the API's largest page (1000), across two resource
 * groups: every one once, in order, with the flags right. */
STORE_TEST(large_lists_page_in_order)
{
	enum { N = 1203 };
	json_t *refs = json_array(), *page, *r;
	char name[32], id[256], after[256] = "", prev[256] = "";
	int seen = 0, pages = 0;
	bool more = true;

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "p%05d", (i * 7919) % N);
		snprintf(id, sizeof(id),
			 "/subscriptions/s1/resourceGroups/%s/providers/Microsoft.Network/"
			 "publicIPAddresses/%s",
			 i % 2 ? "rg-b" : "rg-a", name);
		r = json_pack("{s:s, s:s, s:{}}", "id", id, "name", name, "properties");
		cr_assert_eq(store_put(st, MODEL_PIP, "s1", i % 2 ? "rg-b" : "rg-a", r, refs), 0);
		json_decref(r);
	}
	while (more) {
		cr_assert_eq(store_list(st, MODEL_PIP, "s1", NULL, after[0] ? after : NULL, 1000,
					&page, &more),
			     0);
		pages++;
		for (size_t i = 0; i < json_array_size(page); i++) {
			const char *pid =
				json_string_value(json_object_get(json_array_get(page, i), "id"));

			cr_assert(strcasecmp(pid, prev) > 0, "%s after %s", pid, prev);
			snprintf(prev, sizeof(prev), "%s", pid);
			seen++;
		}
		snprintf(after, sizeof(after), "%s", prev);
		cr_expect_eq(json_array_size(page), more ? 1000 : N - 1000);
		json_decref(page);
	}
	cr_expect_eq(seen, N);
	cr_expect_eq(pages, 2);
	cr_assert_eq(store_list(st, MODEL_PIP, "s1", "rg-b", NULL, 1000, &page, &more), 0);
	cr_expect_eq(json_array_size(page), N / 2);
	cr_expect_not(more);
	json_decref(page);
	cr_expect_eq(store_count_sub(st, "s1"), N);
	cr_expect_eq(store_count_type(st, MODEL_PIP), N);
	json_decref(refs);
}

STORE_TEST(shared_keys_apart_from_bodies)
{
	json_t *r = res("c1"), *refs = json_array(), *back;
	const char *id = json_string_value(json_object_get(r, "id"));
	char *key = NULL, *dump;

	cr_assert_eq(store_put(st, MODEL_PIP, "s1", "rg", r, refs), 0);
	cr_assert_eq(store_shared_key_set(st, id, "psk-in-its-own-table"), 0);
	back = store_get(st, id);
	dump = json_dumps(back, 0);
	cr_expect_null(strstr(dump, "psk-in-its-own-table"));
	free(dump);
	cr_assert_eq(store_shared_key_get(st, id, &key), 0);
	cr_expect_str_eq(key, "psk-in-its-own-table");
	free(key);
	cr_assert_eq(store_delete(st, id), 0);
	cr_expect_eq(store_shared_key_get(st, id, &key), -ENOENT, "the key goes with its resource");
	cr_expect_eq(store_delete(st, id), -ENOENT);
	json_decref(back);
	json_decref(r);
	json_decref(refs);
}

STORE_TEST(transactions_roll_back)
{
	json_t *r = res("p1"), *refs = json_array(), *back;

	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, MODEL_PIP, "s1", "rg", r, refs), 0);
	store_rollback(st);
	back = store_get(st, json_string_value(json_object_get(r, "id")));
	cr_expect_null(back);
	json_decref(r);
	json_decref(refs);
}

struct bearer_row {
	const char *header;
	bool ok;
	bool admin;
};

STORE_TEST(bearer_tokens)
{
	static const struct bearer_row rows[] = {
		/* 0 */ {"Bearer admin-token-0123456789", true, true},
		/* 1 */ {"bearer admin-token-0123456789", true, true},
		/* 2 */ {"Bearer tenant-token-abcdef", true, false},
		/* 3 */ {"Bearer tenant-token-abcdeF", false, false},
		/* 4 */ {"Basic YWRtaW46YWRtaW4=", false, false},
		/* 5 */ {"Bearer ", false, false},
		/* 6 */ {"Bearer", false, false},
		/* 7 */ {NULL, false, false},
		/* 8 */ {"admin-token-0123456789", false, false},
	};
	char admin[65], hash[65];
	size_t i;

	cr_assert_eq(auth_token_hash("admin-token-0123456789", admin), 0);
	cr_assert_eq(store_sub_create(st, "s1", "t"), 0);
	cr_assert_eq(auth_token_hash("tenant-token-abcdef", hash), 0);
	cr_assert_eq(store_token_add(st, hash, "s1", "t-1", "", 0), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct auth_principal p;
		int r = auth_resolve(st, admin, false, rows[i].header, &p);

		cr_expect_eq(r == 0, rows[i].ok, "row %zu", i);
		if (r == 0) {
			cr_expect_eq(p.admin, rows[i].admin, "row %zu", i);
			cr_expect(auth_may_access(&p, "S1"), "row %zu", i);
			cr_expect_eq(auth_may_access(&p, "s2"), rows[i].admin, "row %zu", i);
		}
	}
	{
		struct auth_principal p;

		cr_expect_eq(auth_resolve(st, admin, true, NULL, &p), 0, "the Unix socket");
		cr_expect(p.admin);
	}
	/* SHA-256("abc"), FIPS 180-2 B.1 */
	cr_assert_eq(auth_token_hash("abc", hash), 0);
	cr_expect_str_eq(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(mgmt_store, ids_and_keys)
{
	char u[MGMT_UUID_LEN + 1], v[MGMT_UUID_LEN + 1], k[129], t[MGMT_TOKEN_LEN + 1];
	size_t i, len;

	cr_assert_eq(mgmt_uuid_new(u), 0);
	cr_assert_eq(mgmt_uuid_new(v), 0);
	cr_expect_eq(strlen(u), 36);
	cr_expect_str_neq(u, v);
	cr_expect_eq(u[14], '4', "version 4: %s", u);
	cr_expect(strchr("89ab", u[19]) != NULL, "RFC 4122 variant: %s", u);
	cr_assert_eq(mgmt_token_new(t), 0);
	cr_expect_eq(strlen(t), 64);
	for (len = 1; len <= 128; len += 127) {
		cr_assert_eq(mgmt_key_new(k, len), 0);
		cr_expect_eq(strlen(k), len);
		for (i = 0; i < len; i++)
			cr_expect(isalnum((unsigned char)k[i]));
	}
	cr_expect_eq(mgmt_key_new(k, 0), -EINVAL);
	cr_expect_eq(mgmt_key_new(k, 129), -EINVAL);
}
