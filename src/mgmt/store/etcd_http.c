/* SPDX-License-Identifier: MIT */
/*
 * etcd_http: calls of etcd's v3 HTTP/JSON gateway (etcd's api/v3 "grpc-gateway": a JSON body
 * per gRPC request, bytes fields in base64, int64 fields as strings) over libcurl. A call has
 * one deadline for all the members: each member in turn gets its share of what is left, and a
 * member that cannot serve (refused, timed out, "no leader", gRPC Unavailable) passes the call
 * to the next. When none answers, the client holds off for ETCD_HTTP_HOLDOFF_MS so a burst of
 * requests learns "unavailable" without waiting each. Request texts and answers, which may
 * hold a shared key in base64, are wiped once used.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "mgmt/store/etcd_http.h"

#define MEMBERS_MAX 16

struct etcd_http {
	char *spec;
	char *members[MEMBERS_MAX];
	unsigned n, cur;
	CURL *curl;
	struct curl_slist *hdrs;
	long timeout_ms;
	uint64_t holdoff_until_ns;
	bool down; /* the last call found no member: said once, and when it is back */
	char *buf;
	size_t len, cap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- libcurl's global state and memory ------------------------------------------------------- */

static const struct store_alloc *curl_alloc;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void *cm_malloc(size_t n)
{
	return curl_alloc->malloc_fn(n);
}

static void cm_free(void *p)
{
	if (p)
		curl_alloc->free_fn(p);
}

static void *cm_realloc(void *p, size_t n)
{
	return curl_alloc->realloc_fn(p, n);
}

static char *cm_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = curl_alloc->malloc_fn(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static void *cm_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = curl_alloc->malloc_fn(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void curl_init_once(void)
{
	if (curl_alloc)
		curl_init_rc = curl_global_init_mem(CURL_GLOBAL_DEFAULT, cm_malloc, cm_free,
						    cm_realloc, cm_strdup, cm_calloc);
	else
		curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int etcd_curl_init(const struct store_alloc *a)
{
	if (a && !curl_alloc)
		curl_alloc = a;
	pthread_once(&curl_once, curl_init_once);
	return curl_init_rc == CURLE_OK ? 0 : -EIO;
}

/* ---- base64 and JSON ------------------------------------------------------------------------ */

char *etcd_b64(const char *p, size_t n)
{
	char *out;

	if (n > (size_t)INT32_MAX / 2)
		return NULL;
	out = malloc(4 * ((n + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p, (int)n);
	return out;
}

char *etcd_unb64(const char *b64, size_t *n)
{
	size_t len = strlen(b64), pad = 0;
	char *out;
	int got;

	*n = 0;
	if (len % 4 || len > (size_t)INT32_MAX)
		return NULL;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	got = len ? EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)b64, (int)len) : 0;
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (len && b64[len - 1] == '=')
		pad++;
	if (len > 1 && b64[len - 2] == '=')
		pad++;
	*n = (size_t)got - pad;
	out[*n] = '\0';
	return out;
}

json_t *etcd_json_b64(const char *text)
{
	char *b = etcd_b64(text, strlen(text));
	json_t *v = b ? json_string(b) : NULL;

	etcd_str_wipe_free(b);
	return v;
}

int64_t etcd_json_int(json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

void etcd_str_wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* ---- the client ------------------------------------------------------------------------------ */

/* The answer's bytes, grown without leaving copies behind. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct etcd_http *c = arg;
	size_t n = size * nmemb;

	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *nb;

		while (cap < c->len + n + 1)
			cap *= 2;
		nb = malloc(cap);
		if (!nb)
			return 0;
		if (c->buf) {
			memcpy(nb, c->buf, c->len);
			explicit_bzero(c->buf, c->cap);
			free(c->buf);
		}
		c->buf = nb;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

static void buf_wipe(struct etcd_http *c)
{
	if (c->buf)
		explicit_bzero(c->buf, c->cap);
	c->len = 0;
}

static int curl_setup(struct etcd_http *c)
{
	c->curl = curl_easy_init();
	if (!c->curl)
		return -ENOMEM;
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
	/* Never a proxy from the environment: the members are named as they are. */
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	return 0;
}

int etcd_http_new(const char *members, long timeout_ms, struct etcd_http **out)
{
	struct etcd_http *c = calloc(1, sizeof(*c));
	char *save = NULL, *tok, *copy = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (!c || etcd_curl_init(NULL) != 0)
		goto fail;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : ETCD_HTTP_TIMEOUT_MS;
	c->spec = strdup(members);
	copy = strdup(members);
	if (!c->spec || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->n == MEMBERS_MAX || !*tok || strchr(tok, '/') || !strchr(tok, ':')) {
			log_err("Mgmt", "store: etcd member '%s' is not HOST:PORT (at most %d)",
				tok, MEMBERS_MAX);
			r = -EINVAL;
			goto fail;
		}
		c->members[c->n] = strdup(tok);
		if (!c->members[c->n++])
			goto fail;
	}
	if (!c->n) {
		r = -EINVAL;
		goto fail;
	}
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip for a large transaction. */
	c->hdrs = c->hdrs ? curl_slist_append(c->hdrs, "Expect:") : NULL;
	if (!c->hdrs || curl_setup(c) != 0)
		goto fail;
	free(copy);
	*out = c;
	return 0;
fail:
	free(copy);
	etcd_http_free(c);
	return r;
}

void etcd_http_free(struct etcd_http *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdrs);
	for (unsigned i = 0; i < c->n; i++)
		free(c->members[i]);
	free(c->spec);
	buf_wipe(c);
	free(c->buf);
	free(c);
}

const char *etcd_http_members(const struct etcd_http *c)
{
	return c->spec;
}

long etcd_http_timeout_ms(const struct etcd_http *c)
{
	return c->timeout_ms;
}

void etcd_http_recycle(struct etcd_http *c)
{
	buf_wipe(c);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	if (curl_setup(c) != 0)
		log_err("Mgmt", "store: cannot make a new etcd client after a shared key");
}

/* What a member answered: 0 (*resp set), 1 (cannot serve: try the next), or <0. */
static int judge(struct etcd_http *c, const char *m, long status, json_t **resp)
{
	json_t *j = json_loadb(c->buf ? c->buf : "", c->len, 0, NULL);
	const char *msg;
	int64_t code;

	if (status == 200 && json_is_object(j)) {
		*resp = j;
		return 0;
	}
	/* gRPC codes: 4 DeadlineExceeded, 14 Unavailable (no leader, stopping), 11 OutOfRange
	 * (the revision was compacted). */
	code = etcd_json_int(j, "code");
	msg = json_string_value(json_object_get(j, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(j, "error"));
	if (code == 11 || (msg && strstr(msg, "compacted"))) {
		json_decref(j);
		return -EAGAIN;
	}
	if (code == 4 || code == 14 || status == 503 || status == 504 || status == 0) {
		log_debug("Mgmt", "store: etcd member %s cannot serve: HTTP %ld %s", m, status,
			  msg ? msg : "");
		json_decref(j);
		return 1;
	}
	log_err("Mgmt", "store: etcd %s refused the request: HTTP %ld code %lld: %s", m, status,
		(long long)code, msg ? msg : "(no message)");
	json_decref(j);
	return -EIO;
}

int etcd_http_call(struct etcd_http *c, const char *path, json_t *req, json_t **resp)
{
	uint64_t now = mono_ns(), deadline = now + (uint64_t)c->timeout_ms * 1000000ull;
	char url[512], why[CURL_ERROR_SIZE] = "";
	char *text = NULL;
	int r = STORE_E_UNAVAILABLE;

	*resp = NULL;
	if (!c->curl)
		return -ENOMEM;
	if (now < c->holdoff_until_ns)
		return STORE_E_UNAVAILABLE;
	text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n; i++) {
		unsigned k = (c->cur + i) % c->n;
		uint64_t left;
		long ms, status = 0;
		CURLcode rc;

		now = mono_ns();
		if (now >= deadline)
			break;
		/* Each member left gets its share of the time left. */
		left = (deadline - now) / (c->n - i);
		ms = (long)(left / 1000000ull);
		if (ms < 1)
			ms = 1;
		snprintf(url, sizeof(url), "http://%s/v3/%s", c->members[k], path);
		buf_wipe(c);
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, ms);
		curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
				 ms < ETCD_HTTP_CONNECT_MS ? ms : (long)ETCD_HTTP_CONNECT_MS);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, why);
		why[0] = '\0';
		rc = curl_easy_perform(c->curl);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
		if (rc != CURLE_OK) {
			log_debug("Mgmt", "store: etcd member %s: %s", c->members[k],
				  why[0] ? why : curl_easy_strerror(rc));
			continue;
		}
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
		r = judge(c, c->members[k], status, resp);
		if (r == 1) {
			r = STORE_E_UNAVAILABLE;
			continue;
		}
		c->cur = k;
		break;
	}
	buf_wipe(c);
	explicit_bzero(text, strlen(text));
	free(text);
	if (r == STORE_E_UNAVAILABLE) {
		c->holdoff_until_ns = mono_ns() + ETCD_HTTP_HOLDOFF_MS * 1000000ull;
		if (!c->down)
			log_warn("Mgmt",
				 "store: etcd (%s) is unavailable: no member answered within %ld "
				 "ms%s%s",
				 c->spec, c->timeout_ms, why[0] ? ": " : "", why);
		c->down = true;
	} else if (c->down) {
		log_info("Mgmt", "store: etcd (%s) answers again", c->spec);
		c->down = false;
	}
	return r;
}
