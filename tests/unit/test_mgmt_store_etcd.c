/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the etcd store (src/mgmt/store/etcd*.c) against a real etcd the test starts
 * (tests/support/etcd.h): two handles as two nodes -- conflicting transactions (one wins, the
 * other fails with -EAGAIN and, run again, sees the winner's write), phantoms in a collection a
 * rule counted, the management operations trying again on their own; a transaction's own writes
 * in its reads; etcd stopped (and hung) mid-run: an answer within the deadline that says
 * "unavailable", and service again after a restart; the watch delivering the other handle's
 * commits (not its own), resumed across a restart of etcd; a member list with a dead member.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt/ops.h"
#include "mgmt/store/store.h"
#include "support/etcd.h"

static char dir[] = "/tmp/vnetgw-etcd-XXXXXX";
static struct etcd_proc etcd;
static struct store *a, *b; /* two nodes' handles on one etcd */

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(etcd_proc_start(&etcd, dir), 0, "%s", etcd.why);
	cr_assert_eq(store_open_url(etcd.url, &a), 0);
	cr_assert_eq(store_open_url(etcd.url, &b), 0);
}

static void teardown(void)
{
	char cmd[300];

	store_close(a);
	store_close(b);
	etcd_proc_stop(&etcd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(mgmt_store_etcd2, .init = setup, .fini = teardown, .timeout = 120);

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define PIP_ID "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/"

static json_t *pip(const char *name, const char *tag)
{
	char id[256];

	snprintf(id, sizeof(id), PIP_ID "%s", name);
	return json_pack("{s:s, s:s, s:{s:s}, s:{}}", "id", id, "name", name, "tags", "by", tag,
			 "properties");
}

static void put_pip(struct store *s, const char *name, const char *tag)
{
	json_t *r = pip(name, tag), *refs = json_array();

	cr_assert_eq(store_put(s, MODEL_PIP, "s1", "rg", r, refs), 0);
	json_decref(r);
	json_decref(refs);
}

static const char *tag_of(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "tags"), "by"));
}

Test(mgmt_store_etcd2, conflicting_transactions_one_wins_other_retries)
{
	json_t *doc;
	int r;

	put_pip(b, "p1", "start");
	/* a reads p1, b changes it, a writes on what it read: a's commit must fail. */
	cr_assert_eq(store_begin(a), 0);
	doc = store_get(a, PIP_ID "p1");
	cr_assert_str_eq(tag_of(doc), "start");
	json_decref(doc);
	put_pip(b, "p1", "b");
	{
		json_t *r1 = pip("p1", "a"), *refs = json_array();

		cr_assert_eq(store_put(a, MODEL_PIP, "s1", "rg", r1, refs), 0, "buffered");
		json_decref(r1);
		json_decref(refs);
	}
	r = store_commit(a);
	cr_expect_eq(r, -EAGAIN, "a conflicting writer: %d", r);
	cr_expect_eq(store_error(a), STORE_E_CONFLICT);
	doc = store_get(b, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "b", "nothing of a's was written");
	json_decref(doc);
	/* Again from the start: a sees b's write and commits. */
	cr_assert_eq(store_begin(a), 0);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "b");
	json_decref(doc);
	{
		json_t *r1 = pip("p1", "a-after-b"), *refs = json_array();

		cr_assert_eq(store_put(a, MODEL_PIP, "s1", "rg", r1, refs), 0);
		json_decref(r1);
		json_decref(refs);
	}
	cr_expect_eq(store_commit(a), 0);
	doc = store_get(b, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "a-after-b");
	json_decref(doc);
}

Test(mgmt_store_etcd2, a_phantom_in_a_counted_collection_fails_the_commit)
{
	struct model_view v;

	put_pip(b, "p1", "x");
	cr_assert_eq(store_begin(a), 0);
	cr_assert_eq(store_view(a, &v), 0);
	cr_expect_eq(v.count(v.ctx, MODEL_PIP, "s1", NULL), 1);
	/* b adds a resource the count did not see (no key a read changed). */
	put_pip(b, "p2", "b");
	cr_assert_eq(store_shared_key_set(a, PIP_ID "p1", "key-from-a"), 0);
	cr_expect_eq(store_commit(a), -EAGAIN, "b's new resource is in what a counted");
	json_decref(v.settings);
	/* A transaction that read nothing b touched commits. */
	cr_assert_eq(store_begin(a), 0);
	cr_assert_eq(store_shared_key_set(a, PIP_ID "p1", "key-from-a"), 0);
	put_pip(b, "p3", "b");
	cr_expect_eq(store_commit(a), 0);
}

Test(mgmt_store_etcd2, own_writes_seen_inside_and_nothing_before_commit)
{
	json_t *doc, *page;
	bool more;

	put_pip(b, "p1", "x");
	put_pip(b, "p3", "x");
	put_pip(b, "p2", "mine");
	cr_assert_eq(store_begin(b), 0);
	cr_assert_eq(store_delete(b, PIP_ID "p3"), 0);
	{
		json_t *r1 = pip("p2", "in-tx"), *refs = json_array();

		cr_assert_eq(store_put(b, MODEL_PIP, "s1", "rg", r1, refs), 0);
		json_decref(r1);
		json_decref(refs);
	}
	doc = store_get(b, PIP_ID "p2");
	cr_expect_str_eq(tag_of(doc), "in-tx", "its own write");
	json_decref(doc);
	cr_expect_null(store_get(b, PIP_ID "p3"), "its own delete");
	cr_assert_eq(store_list(b, MODEL_PIP, "s1", NULL, NULL, 10, &page, &more), 0);
	cr_expect_eq(json_array_size(page), 2, "p1, p2 (p3 deleted)");
	cr_expect_str_eq(tag_of(json_array_get(page, 1)), "in-tx");
	json_decref(page);
	cr_expect_eq(store_count_sub(b, "s1"), 2);
	doc = store_get(a, PIP_ID "p3");
	cr_expect_not_null(doc, "nothing written before the commit");
	json_decref(doc);
	store_rollback(b);
	doc = store_get(a, PIP_ID "p2");
	cr_expect_str_eq(tag_of(doc), "mine");
	json_decref(doc);
}

Test(mgmt_store_etcd2, a_read_transaction_reads_one_snapshot)
{
	json_t *doc, *page;
	bool more;
	char *key = NULL;

	put_pip(b, "p1", "old");
	cr_assert_eq(store_shared_key_set(b, PIP_ID "p1", "key-old-0123"), 0);
	cr_assert_eq(store_begin_read(a), 0);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "old");
	json_decref(doc);
	put_pip(b, "p1", "new");
	put_pip(b, "p2", "new");
	cr_assert_eq(store_shared_key_set(b, PIP_ID "p1", "key-new-0123"), 0);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "old", "the snapshot, not b's later write");
	json_decref(doc);
	cr_assert_eq(store_list(a, MODEL_PIP, "s1", NULL, NULL, 10, &page, &more), 0);
	cr_expect_eq(json_array_size(page), 1, "p2 came after the snapshot");
	json_decref(page);
	cr_assert_eq(store_shared_key_get(a, PIP_ID "p1", &key), 0);
	cr_expect_str_eq(key, "key-old-0123");
	free(key);
	cr_expect_eq(store_count_sub(a, "s1"), 1);
	{
		json_t *r1 = pip("p3", "a"), *refs = json_array();

		cr_expect_neq(store_put(a, MODEL_PIP, "s1", "rg", r1, refs), 0,
			      "no writes in a read transaction");
		json_decref(r1);
		json_decref(refs);
	}
	store_rollback(a);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "new");
	json_decref(doc);
	/* Lost half way: every read fails, none reads as absent. */
	cr_assert_eq(store_begin_read(a), 0);
	etcd_proc_stop(&etcd);
	cr_expect_null(store_get(a, PIP_ID "p1"));
	cr_expect_eq(store_error(a), STORE_E_UNAVAILABLE);
	cr_expect_neq(store_list(a, MODEL_PIP, "s1", NULL, NULL, 10, &page, &more), 0);
	store_rollback(a);
}

/* ---- unavailability -------------------------------------------------------------------------- */

/* Polls a read until the store answers again (the client holds off for a moment after an
 * outage), within deadline_ms. */
static void wait_store_back(struct store *s, long deadline_ms)
{
	long end = mono_ms() + deadline_ms;
	json_t *set;

	while ((set = store_settings_get(s)) == NULL) {
		cr_assert_lt(mono_ms(), end, "the store did not answer within %ld ms", deadline_ms);
		struct timespec ts = {0, 20 * 1000000};

		nanosleep(&ts, NULL);
	}
	json_decref(set);
}

Test(mgmt_store_etcd2, etcd_stopped_says_unavailable_then_serves_again)
{
	json_t *doc;
	long t0;
	int r;

	put_pip(b, "p1", "before");
	etcd_proc_stop(&etcd);
	t0 = mono_ms();
	doc = store_get(a, PIP_ID "p1");
	cr_expect_null(doc);
	cr_expect_eq(store_error(a), STORE_E_UNAVAILABLE, "not 'absent': %d", store_error(a));
	cr_expect_lt(mono_ms() - t0, 3000, "answered within the deadline");
	/* A transaction: every call fails, so does its commit; nothing half-written. */
	cr_assert_eq(store_begin(a), 0);
	cr_expect_null(store_get(a, PIP_ID "p1"));
	{
		json_t *r1 = pip("p1", "during"), *refs = json_array();

		r = store_put(a, MODEL_PIP, "s1", "rg", r1, refs);
		json_decref(r1);
		json_decref(refs);
	}
	cr_expect_eq(r, STORE_E_UNAVAILABLE);
	cr_expect_eq(store_commit(a), STORE_E_UNAVAILABLE);
	cr_expect_lt(mono_ms() - t0, 6000);
	cr_assert_eq(etcd_proc_restart(&etcd), 0, "%s", etcd.why);
	wait_store_back(a, 10000);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_str_eq(tag_of(doc), "before");
	json_decref(doc);
	put_pip(b, "p1", "after");
}

Test(mgmt_store_etcd2, hung_etcd_answered_within_the_deadline)
{
	json_t *doc;
	long t0, ms;

	put_pip(b, "p1", "x");
	cr_assert_eq(etcd_proc_pause(&etcd), 0);
	t0 = mono_ms();
	doc = store_get(a, PIP_ID "p1");
	ms = mono_ms() - t0;
	cr_expect_null(doc);
	cr_expect_eq(store_error(a), STORE_E_UNAVAILABLE);
	cr_expect_lt(ms, 3000, "the call's deadline is 2 s, took %ld ms", ms);
	cr_expect_geq(ms, 1500, "a hung member is waited for, not failed at once (%ld ms)", ms);
	/* Within the hold-off the next call does not wait again. */
	t0 = mono_ms();
	cr_expect_null(store_get(a, PIP_ID "p1"));
	cr_expect_lt(mono_ms() - t0, 100);
	cr_assert_eq(etcd_proc_resume(&etcd), 0);
	wait_store_back(a, 10000);
	doc = store_get(a, PIP_ID "p1");
	cr_expect_not_null(doc);
	json_decref(doc);
}

Test(mgmt_store_etcd2, a_dead_member_is_passed_over)
{
	struct store *c;
	char url[256];
	json_t *doc;

	put_pip(b, "p1", "x");
	/* Port 1 on loopback refuses at once: the next member serves. */
	snprintf(url, sizeof(url), "etcd://127.0.0.1:1,%s", etcd.member);
	cr_assert_eq(store_open_url(url, &c), 0);
	doc = store_get(c, PIP_ID "p1");
	cr_expect_not_null(doc);
	json_decref(doc);
	store_close(c);
	cr_expect_eq(store_open_url("etcd://", &c), -EINVAL);
	cr_expect_eq(store_open_url("etcd://127.0.0.1:1", &c), STORE_E_UNAVAILABLE);
	cr_expect_eq(store_open_url("mysql://x", &c), -EINVAL);
}

Test(mgmt_store_etcd2, every_printable_key_survives_base64)
{
	char key[128], *back = NULL;
	int i;

	for (i = 0; i < 95; i++)
		key[i] = (char)(' ' + i);
	key[i] = '\0';
	put_pip(b, "c1", "x");
	cr_assert_eq(store_shared_key_set(a, PIP_ID "c1", key), 0);
	cr_assert_eq(store_shared_key_get(b, PIP_ID "c1", &back), 0);
	cr_expect_str_eq(back, key);
	free(back);
	for (size_t n = 1; n <= 4; n++) {
		key[n] = '\0';
		cr_assert_eq(store_shared_key_set(a, PIP_ID "c1", key), 0);
		cr_assert_eq(store_shared_key_get(b, PIP_ID "c1", &back), 0);
		cr_expect_str_eq(back, key, "%zu byte(s)", n);
		free(back);
	}
}

/* ---- the watch ------------------------------------------------------------------------------- */

struct seen {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	json_t *ids; /* every id the hook was called with, in order */
};

static struct seen seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL};

static void on_changed(void *arg, const char *id)
{
	struct seen *sn = arg;

	pthread_mutex_lock(&sn->lock);
	json_array_append_new(sn->ids, json_string(id));
	pthread_cond_broadcast(&sn->cond);
	pthread_mutex_unlock(&sn->lock);
}

static bool has_id(const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(seen.ids, i,
			   v) if (strcasecmp(json_string_value(v), id) == 0) return true;
	return false;
}

/* Waits (a condition, against a deadline) for the hook to have been told id. */
static void wait_seen(const char *id, long deadline_ms)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += deadline_ms / 1000;
	until.tv_nsec += (deadline_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&seen.lock);
	while (!(ok = has_id(id)) && pthread_cond_timedwait(&seen.cond, &seen.lock, &until) == 0)
		;
	ok = has_id(id);
	pthread_mutex_unlock(&seen.lock);
	cr_assert(ok, "the watch did not deliver %s within %ld ms", id, deadline_ms);
}

Test(mgmt_store_etcd2, watch_delivers_the_other_handles_commits)
{
	json_t *settings;

	seen.ids = json_array();
	cr_assert_eq(store_watch_start(a, on_changed, &seen), 0);
	cr_expect_eq(store_watch_start(a, on_changed, &seen), -EALREADY);
	put_pip(a, "mine", "a"); /* a's own: its local hook's business, not the watch's */
	put_pip(b, "p1", "b");
	wait_seen(PIP_ID "p1", 10000);
	cr_assert_eq(store_shared_key_set(b, PIP_ID "p1", "a-new-key-0123"), 0);
	settings = store_settings_get(b);
	json_object_set_new(settings, "minSharedKeyLength", json_integer(12));
	cr_assert_eq(store_settings_put(b, settings), 0);
	json_decref(settings);
	wait_seen(STORE_SETTINGS_ID, 10000);
	cr_assert_eq(store_delete(b, PIP_ID "p1"), 0);
	put_pip(b, "p2", "b");
	wait_seen(PIP_ID "p2", 10000);
	pthread_mutex_lock(&seen.lock);
	cr_expect_not(has_id(PIP_ID "mine"), "a's own commit is left out");
	pthread_mutex_unlock(&seen.lock);
	/* The stream breaks with etcd; once back it resumes from where it was: b's commit made
	 * right after the restart (before the watch is back) is delivered too. */
	etcd_proc_stop(&etcd);
	cr_assert_eq(etcd_proc_restart(&etcd), 0, "%s", etcd.why);
	wait_store_back(b, 10000);
	put_pip(b, "p3", "b");
	wait_seen(PIP_ID "p3", 15000);
	wait_seen("", 15000); /* "reconcile everything": it was away */
	store_watch_stop(a);
	json_decref(seen.ids);
}

Test(mgmt_store_etcd2, watch_is_etcds_only)
{
	struct store *q;
	char path[300];

	snprintf(path, sizeof(path), "sqlite:%s/x.db", dir);
	cr_assert_eq(store_open_url(path, &q), 0);
	cr_expect_str_eq(store_backend(q), "sqlite");
	cr_expect_eq(store_watch_start(q, on_changed, &seen), -EOPNOTSUPP);
	store_close(q);
}

/* ---- the operations try again ---------------------------------------------------------------- */

static struct mgmt ma, mb;
static int hook_calls;

/* On a's first commit: b writes first. */
static void b_patches_first(void *arg)
{
	const char *json = arg;
	struct mgmt_result res = {0};
	struct mgmt_error err = {0};

	if (hook_calls++)
		return;
	cr_assert_eq(mgmt_ops_settings_patch(&mb, json, strlen(json), &res, &err), 0, "%s",
		     err.message);
	mgmt_result_clear(&res);
}

Test(mgmt_store_etcd2, operations_run_again_and_see_the_winners_write)
{
	const char *pa = "{\"minSharedKeyLength\":12}";
	struct mgmt_result res = {0};
	struct mgmt_error err = {0};
	json_t *settings;

	ma = (struct mgmt){.store = a};
	mb = (struct mgmt){.store = b};
	hook_calls = 0;
	store_set_commit_hook(a, b_patches_first,
			      "{\"apiRateLimit\":{\"requestsPerSecond\":7,\"burst\":9}}");
	cr_assert_eq(mgmt_ops_settings_patch(&ma, pa, strlen(pa), &res, &err), 0, "%s",
		     err.message);
	mgmt_result_clear(&res);
	store_set_commit_hook(a, NULL, NULL);
	cr_expect_eq(hook_calls, 2, "one conflict, one more try");
	settings = store_settings_get(b);
	cr_expect_eq(json_integer_value(json_object_get(settings, "minSharedKeyLength")), 12);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(settings, "apiRateLimit"),
							"requestsPerSecond")),
		     7, "b's patch is kept: a's second try read it");
	json_decref(settings);
}

#define VNET_BODY(by)                                                                              \
	"{\"tags\":{\"by\":\"" by "\"},\"properties\":{\"addressSpace\":{\"addressPrefixes\":"     \
	"[\"10.0.0.0/16\"]}}}"

/* On a's first commit: b replaces the resource a is about to replace. */
static void b_replaces_first(void *arg)
{
	struct mgmt_result res = {0};
	struct mgmt_error err = {0};
	struct model_id *id = arg;

	if (hook_calls++)
		return;
	cr_assert_eq(
		mgmt_ops_put(&mb, id, VNET_BODY("b"), strlen(VNET_BODY("b")), NULL, &res, &err), 0,
		"%s", err.message);
	mgmt_result_clear(&res);
}

Test(mgmt_store_etcd2, if_match_judged_again_on_the_new_version)
{
	struct model_id id = {.sub = "s1", .rg = "rg", .type = MODEL_VNET, .name = "v1"};
	struct mgmt_result res = {0};
	struct mgmt_error err = {0};
	struct mgmt_precond pre = {0};
	char etag[128];

	ma = (struct mgmt){.store = a};
	mb = (struct mgmt){.store = b};
	cr_assert_eq(store_sub_create(a, "s1", "t"), 0);
	cr_assert_eq(
		mgmt_ops_put(&ma, &id, VNET_BODY("a0"), strlen(VNET_BODY("a0")), NULL, &res, &err),
		0, "%s", err.message);
	snprintf(etag, sizeof(etag), "%s", json_string_value(json_object_get(res.body, "etag")));
	mgmt_result_clear(&res);
	pre.if_match = etag;
	hook_calls = 0;
	store_set_commit_hook(a, b_replaces_first, &id);
	cr_expect_neq(
		mgmt_ops_put(&ma, &id, VNET_BODY("a"), strlen(VNET_BODY("a")), &pre, &res, &err),
		0);
	store_set_commit_hook(a, NULL, NULL);
	cr_expect_eq(err.code, MGMT_E_PRECONDITION_FAILED, "%s", err.message);
	cr_expect_eq(hook_calls, 1, "the second try stops at If-Match");
	mgmt_result_clear(&res);
}
