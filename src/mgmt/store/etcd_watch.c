/* SPDX-License-Identifier: MIT */
/*
 * etcd_watch: what other nodes commit, from etcd's watch stream (POST /v3/watch: one
 * create_request, then one JSON message per line for as long as the stream lasts) on the store's
 * root, on a thread of its own with its own libcurl handles. Events of one revision (one commit)
 * come together; a revision whose origin key carries this handle's node name is ours and left
 * out. Each resource, shared key or settings change calls the hook once per commit. After a
 * disconnect the stream is opened again from the revision after the last one seen (etcd replays
 * what happened meanwhile), the hook told "" (reconcile everything) once it is back; when
 * etcd has compacted past that revision, from the compaction, also with "".
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mgmt/store/etcd_internal.h"

#define WATCH_RETRY_MIN_MS 100
#define WATCH_RETRY_MAX_MS 2000
#define WATCH_LINE_MAX	   (64 << 20) /* a message of more is a broken stream */

struct etcd_watch {
	pthread_t thread;
	CURLM *multi;
	atomic_bool stop;
	store_changed_fn fn;
	void *arg;
	char root[ETCD_ROOT_MAX];
	char node[ETCD_NODE_MAX];
	struct etcd_http *http; /* the start revision */
	char *members;
	int64_t next_rev; /* the first revision not yet seen */
	bool created, resync;
	char *line;
	size_t len, cap;
};

/* The id a key of the store stands for (into id), or false: not the hook's business. */
static bool key_id(const struct etcd_watch *w, const char *key, const char *val, char *id, size_t n)
{
	size_t rl = strlen(w->root);
	const char *rest;

	if (strncmp(key, w->root, rl) != 0)
		return false;
	rest = key + rl;
	if (strcmp(rest, "/settings") == 0) {
		snprintf(id, n, "%s", STORE_SETTINGS_ID);
		return true;
	}
	if (strncmp(rest, "/psk/", 5) == 0) {
		snprintf(id, n, "%s", rest + 4);
		return true;
	}
	if (strncmp(rest, "/res/", 5) == 0) {
		const char *k = strchr(rest + 5, '/');
		json_t *doc = NULL, *body;

		if (!k)
			return false;
		/* The id as stored (a PUT carries the body); the key for a DELETE. */
		body = val && *val ? etcd_res_body(val, NULL, &doc) : NULL;
		snprintf(id, n, "%s", json_string_value(json_object_get(body, "id")) ?: k);
		json_decref(body);
		json_decref(doc);
		return true;
	}
	return false;
}

static void notify(struct etcd_watch *w, const char *id)
{
	log_debug("Mgmt", "store: watch: %s changed", id[0] ? id : "(everything)");
	w->fn(w->arg, id);
}

/* The events of one revision, [from, to) of the array. */
static void revision(struct etcd_watch *w, json_t *events, size_t from, size_t to)
{
	char origin[ETCD_KEY_MAX], **ids = calloc(to - from, sizeof(char *));
	size_t n = 0;

	snprintf(origin, sizeof(origin), "%s/origin", w->root);
	for (size_t i = from; i < to; i++) {
		json_t *kv = json_object_get(json_array_get(events, i), "kv");
		size_t kl, vl;
		char *key = etcd_unb64(json_string_value(json_object_get(kv, "key")) ?: "", &kl);
		char *val = etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &vl);
		bool mine = key && val && strcmp(key, origin) == 0 && strcmp(val, w->node) == 0;

		free(key);
		etcd_str_wipe_free(val);
		if (mine)
			goto out;
	}
	for (size_t i = from; i < to && ids; i++) {
		json_t *kv = json_object_get(json_array_get(events, i), "kv");
		size_t kl, vl;
		char *key = etcd_unb64(json_string_value(json_object_get(kv, "key")) ?: "", &kl);
		char *val = etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", &vl);
		char id[MODEL_ID_MAX];
		bool seen = false;

		if (key && key_id(w, key, val, id, sizeof(id))) {
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcasecmp(ids[k], id) == 0;
			if (!seen && (ids[n] = strdup(id)))
				n++;
		}
		free(key);
		etcd_str_wipe_free(val);
	}
	for (size_t k = 0; k < n; k++)
		notify(w, ids[k]);
out:
	for (size_t k = 0; k < n; k++)
		free(ids[k]);
	free(ids);
}

static void message(struct etcd_watch *w, const char *text, size_t len)
{
	json_t *m = json_loadb(text, len, 0, NULL), *res = json_object_get(m, "result");
	json_t *events = json_object_get(res, "events");
	int64_t hrev = etcd_json_int(json_object_get(res, "header"), "revision");
	size_t i, from = 0, n = json_array_size(events);

	if (!res) {
		log_warn("Mgmt", "store: watch: etcd says %.200s", text);
		goto out;
	}
	if (json_is_true(json_object_get(res, "created")) && !w->created) {
		w->created = true;
		if (w->resync) {
			log_info("Mgmt", "store: watch: back, from revision %lld",
				 (long long)w->next_rev);
			w->resync = false;
			notify(w, "");
		}
	}
	if (json_is_true(json_object_get(res, "canceled"))) {
		int64_t compact = etcd_json_int(res, "compact_revision");

		if (compact > 0) {
			log_warn("Mgmt",
				 "store: watch: revision %lld is compacted; again from %lld",
				 (long long)w->next_rev, (long long)compact);
			w->next_rev = compact;
			w->resync = true;
		}
		goto out;
	}
	for (i = 1; i <= n; i++) {
		int64_t a = etcd_json_int(json_object_get(json_array_get(events, from), "kv"),
					  "mod_revision");

		if (i < n && etcd_json_int(json_object_get(json_array_get(events, i), "kv"),
					   "mod_revision") == a)
			continue;
		revision(w, events, from, i);
		if (a >= w->next_rev)
			w->next_rev = a + 1;
		from = i;
	}
	/* A progress notification says everything up to its revision was sent. */
	if (!n && hrev >= w->next_rev && w->created)
		w->next_rev = hrev + 1;
out:
	json_decref(m);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct etcd_watch *w = arg;
	size_t n = size * nmemb;
	char *nl;

	if (atomic_load(&w->stop))
		return 0;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 16384;
		char *nb;

		while (cap < w->len + n + 1)
			cap *= 2;
		if (cap > WATCH_LINE_MAX || !(nb = malloc(cap)))
			return 0;
		if (w->line) {
			memcpy(nb, w->line, w->len);
			explicit_bzero(w->line, w->cap);
			free(w->line);
		}
		w->line = nb;
		w->cap = cap;
	}
	memcpy(w->line + w->len, p, n);
	w->len += n;
	w->line[w->len] = '\0';
	/* One message a line. */
	while ((nl = memchr(w->line, '\n', w->len)) != NULL) {
		size_t l = (size_t)(nl - w->line) + 1;

		message(w, w->line, l - 1);
		explicit_bzero(w->line, l);
		memmove(w->line, w->line + l, w->len - l);
		w->len -= l;
	}
	return n;
}

/* The store's revision now: the watch starts after it. */
static int current_rev(struct etcd_watch *w, int64_t *rev)
{
	json_t *req = json_pack("{s:o, s:i}", "key", etcd_json_b64(w->root), "limit", 1), *resp;
	int r = req ? etcd_http_call(w->http, "kv/range", req, &resp) : -ENOMEM;

	json_decref(req);
	if (r)
		return r;
	*rev = etcd_json_int(json_object_get(resp, "header"), "revision");
	json_decref(resp);
	return 0;
}

/* One stream, until it breaks or we stop. */
static void stream(struct etcd_watch *w, const char *member)
{
	char url[512], end[ETCD_KEY_MAX], prefix[ETCD_KEY_MAX];
	json_t *req;
	char *text;
	CURL *c;
	int running = 1;

	snprintf(prefix, sizeof(prefix), "%s/", w->root);
	etx_prefix_end(prefix, end, sizeof(end));
	req = json_pack("{s:{s:o, s:o, s:I, s:b}}", "create_request", "key", etcd_json_b64(prefix),
			"range_end", etcd_json_b64(end), "start_revision", (json_int_t)w->next_rev,
			"progress_notify", 1);
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	c = text ? curl_easy_init() : NULL;
	if (!c) {
		free(text);
		return;
	}
	snprintf(url, sizeof(url), "http://%s/v3/watch", member);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ETCD_HTTP_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	/* A member that vanishes without a word (a cut cable) is found by keepalive. */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 1L);
	w->created = false;
	w->len = 0;
	curl_multi_add_handle(w->multi, c);
	while (running && !atomic_load(&w->stop)) {
		if (curl_multi_perform(w->multi, &running) != CURLM_OK)
			break;
		if (running && curl_multi_poll(w->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	curl_multi_remove_handle(w->multi, c);
	curl_easy_cleanup(c);
	free(text);
	if (w->line)
		explicit_bzero(w->line, w->cap);
	w->len = 0;
}

static void *watch_thread(void *arg)
{
	struct etcd_watch *w = arg;
	char *save = NULL, *members[16];
	unsigned n = 0, k = 0;
	long backoff = WATCH_RETRY_MIN_MS;

	for (char *t = strtok_r(w->members, ",", &save); t && n < 16;
	     t = strtok_r(NULL, ",", &save))
		members[n++] = t;
	while (!atomic_load(&w->stop) && n) {
		if (!w->next_rev) {
			int64_t rev = 0;

			if (current_rev(w, &rev) == 0)
				w->next_rev = rev + 1;
		}
		if (w->next_rev) {
			stream(w, members[k]);
			if (w->created)
				backoff = WATCH_RETRY_MIN_MS;
		}
		if (atomic_load(&w->stop))
			break;
		if (!w->resync)
			log_warn("Mgmt",
				 "store: watch: the stream from etcd %s broke; again from "
				 "revision %lld",
				 members[k], (long long)w->next_rev);
		w->resync = true;
		k = (k + 1) % n;
		/* Woken at once by etcd_watch_stop. */
		curl_multi_poll(w->multi, NULL, 0, (int)backoff, NULL);
		backoff = backoff * 2 > WATCH_RETRY_MAX_MS ? WATCH_RETRY_MAX_MS : backoff * 2;
	}
	return NULL;
}

int etcd_watch_start(struct etcd_store *e, store_changed_fn fn, void *arg)
{
	struct etcd_watch *w;
	int64_t rev = 0;
	int r;

	if (e->watch)
		return -EALREADY;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	snprintf(w->root, sizeof(w->root), "%s", e->root);
	snprintf(w->node, sizeof(w->node), "%s", e->node);
	w->members = strdup(etcd_http_members(e->http));
	w->multi = curl_multi_init();
	r = w->members && w->multi
		    ? etcd_http_new(w->members, etcd_http_timeout_ms(e->http), &w->http)
		    : -ENOMEM;
	if (r)
		goto fail;
	/* Changes from now on: those before are in what the caller reads at start. */
	if (current_rev(w, &rev) == 0)
		w->next_rev = rev + 1;
	r = -pthread_create(&w->thread, NULL, watch_thread, w);
	if (r)
		goto fail;
	pthread_setname_np(w->thread, "vnetgwd-watch");
	e->watch = w;
	return 0;
fail:
	etcd_http_free(w->http);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	free(w->members);
	free(w);
	return r;
}

void etcd_watch_stop(struct etcd_store *e)
{
	struct etcd_watch *w = e->watch;

	if (!w)
		return;
	atomic_store(&w->stop, true);
	curl_multi_wakeup(w->multi);
	pthread_join(w->thread, NULL);
	curl_multi_cleanup(w->multi);
	etcd_http_free(w->http);
	free(w->members);
	if (w->line)
		explicit_bzero(w->line, w->cap);
	free(w->line);
	free(w);
	e->watch = NULL;
}
