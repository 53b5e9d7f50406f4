/* SPDX-License-Identifier: MIT */
/*
 * etcd_http: the etcd v3 HTTP/JSON gateway (the grpc-gateway in front of etcd's KV service)
 * through libcurl -- one POST per call, the cluster's members tried in turn within one
 * deadline -- and the base64 its keys and values travel in. Not thread-safe: one client per
 * thread (each store handle has its own; the watch has its own).
 */
#ifndef VNETGW_MGMT_STORE_ETCD_HTTP_H
#define VNETGW_MGMT_STORE_ETCD_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/store/store.h"

#define ETCD_HTTP_TIMEOUT_MS 2000 /* a call's deadline, all members included */
#define ETCD_HTTP_CONNECT_MS 500
/* After every member failed, calls fail at once for this long (the API answers 503 at once
 * rather than each request waiting out the deadline again). */
#define ETCD_HTTP_HOLDOFF_MS 200

struct etcd_http;

/* members: "HOST:PORT[,HOST:PORT...]" (copied); timeout_ms 0: ETCD_HTTP_TIMEOUT_MS. 0, -EINVAL
 * (no member), -ENOMEM. */
int etcd_http_new(const char *members, long timeout_ms, struct etcd_http **out);
void etcd_http_free(struct etcd_http *c);
/* The members as given, for messages. */
const char *etcd_http_members(const struct etcd_http *c);
long etcd_http_timeout_ms(const struct etcd_http *c);

/*
 * POSTs req (JSON) to /v3/<path> ("kv/range", "kv/txn") and parses the answer: 0 and *resp (a
 * new reference); STORE_E_UNAVAILABLE when no member answered within the deadline (or each
 * said it cannot serve: no leader, timed out); -EAGAIN when the revision asked for has been
 * compacted; -EIO when etcd refused the request (logged with etcd's message). The request's
 * text and the answer's bytes are wiped after use.
 */
int etcd_http_call(struct etcd_http *c, const char *path, json_t *req, json_t **resp);
/* Drops the connection and every buffer curl kept (wiped by the store's allocator): after a
 * call that carried a shared key. */
void etcd_http_recycle(struct etcd_http *c);

/* Base64 (RFC 4648 4, with padding) of n bytes: a new string, or NULL. */
char *etcd_b64(const char *p, size_t n);
/* Decodes b64 into a new NUL-terminated buffer (*n bytes without the NUL). NULL on malformed
 * input or no memory. */
char *etcd_unb64(const char *b64, size_t *n);
/* A base64 JSON string of text (a new reference), or NULL. */
json_t *etcd_json_b64(const char *text);
/* An int64 field that the gateway writes as a string ("123") or a number; 0 when absent. */
int64_t etcd_json_int(json_t *obj, const char *field);
/* Wipes and frees a NUL-terminated string (NULL-safe). */
void etcd_str_wipe_free(char *s);

/* The global libcurl state, once per process (with the store's allocator, if it was given). */
int etcd_curl_init(const struct store_alloc *a);

#endif
