/* SPDX-License-Identifier: MIT */
/*
 * API test harness: starts "$VNETGW_BUILD/vnetgwd" on a temporary data directory and a free
 * loopback port, talks HTTP/1.1 to it (TCP with a token, or the admin Unix socket), and cleans up
 * the processes it started (by PID) and the directory. With VNETGW_TEST_STORE=etcd in the
 * environment (or d->etcd set), the daemon's store is a real etcd the harness starts first in
 * the same directory (tests/support/etcd.h), kept across daemon restarts, stopped at cleanup.
 */
#ifndef VNETGW_TESTS_API_HARNESS_H
#define VNETGW_TESTS_API_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "support/etcd.h"

struct daemon {
	pid_t pid;
	char dir[64];  /* mkdtemp'd; holds data/ and daemon.log */
	char data[80]; /* the --data-dir */
	char log[128];
	uint16_t port;
	char admin_token[128];
	const char *admin_token_file; /* passed as --admin-token-file when set */
	const char *const *args;      /* more vnetgwd flags (NULL-terminated), or NULL */
	unsigned nofile;	      /* RLIMIT_NOFILE (soft and hard) for vnetgwd; 0: inherited */
	bool etcd;		      /* the store on etcd (set by daemon_start from the env too) */
	struct etcd_proc etcd_proc;   /* the etcd it runs on, when etcd */
	const char *store_url;	      /* --store as given (another node's etcd); NULL: ours */
};

struct http_resp {
	int status;
	char *headers;
	char *body;
	size_t len;
	json_t *json; /* the body parsed, or NULL */
	int interim;  /* http_read_answer: a 1xx it skipped before this answer (0: none) */
};

/* Creates the directory (daemon_start does, if not done before). */
void daemon_dir(struct daemon *d);
/* Starts the daemon (first call creates the directory); asserts it answers within 10 s. */
void daemon_start(struct daemon *d);
/* SIGTERM and wait; asserts a clean exit (status 0). */
void daemon_stop(struct daemon *d);
/* SIGKILL the daemon's PID and reap it. */
void daemon_kill9(struct daemon *d);
/* Starts a daemon that shares other's etcd (another node of the same deployment). */
void daemon_start_node(struct daemon *d, const struct daemon *other);
/* Whether the tests run on etcd (VNETGW_TEST_STORE=etcd). */
bool store_is_etcd(void);
/* Stops it if running and removes the directory. */
void daemon_cleanup(struct daemon *d);
/* The daemon's log so far (malloc'd). */
char *daemon_log_read(const struct daemon *d);

/* One request over TCP. token NULL: no Authorization. headers: extra lines ("K: v\r\n"). */
int http_do(const struct daemon *d, const char *method, const char *path, const char *token,
	    const char *body, const char *headers, struct http_resp *out);
/* One request on the admin Unix socket (no token). */
int http_unix(const struct daemon *d, const char *method, const char *path, const char *body,
	      struct http_resp *out);
void http_resp_free(struct http_resp *r);
/* The value of a response header, or NULL (borrowed until free). */
const char *http_header(struct http_resp *r, const char *name, char *buf, size_t n);
/* The error.code of an ARM error body, or "". */
const char *http_error_code(const struct http_resp *r);

/*
 * Raw connections, for what a well-behaved client does not do. http_connect: a TCP connection
 * to the daemon from the loopback address src (NULL: 127.0.0.1), or -errno. http_send: all of
 * text. http_read_answer: one answer (head and Content-Length body) within timeout_ms, parsed
 * into out; -ETIMEDOUT, or -ECONNRESET/-EPIPE when the server closed without one. *ms (if not
 * NULL) tells how long it took.
 */
int http_connect(const struct daemon *d, const char *src);
int http_send(int fd, const char *text, size_t len);
int http_read_answer(int fd, int timeout_ms, struct http_resp *out, long *ms);
/* The server closed fd (EOF or reset) within timeout_ms: true; false if it is still open. */
bool http_closed_within(int fd, int timeout_ms);
/* Monotonic milliseconds. */
long now_ms(void);

/* A new subscription through the admin socket: its id and token. */
void tenant_new(struct daemon *d, const char *name, char *sub, char *token);
/* PATCH /admin/settings with json. */
void settings_patch(struct daemon *d, const char *json);

/* ARM path helpers:
 * "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/T/N?api-version=…" */
void arm_path(char *out, size_t n, const char *sub, const char *type_and_name, const char *suffix);
#define ARM_ID_PREFIX "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/"

/* Builds a tenant's topology over HTTP: v1 (+GatewaySubnet 10.0.255.0/27), p1, p2, gateway g1
 * (sku), local gateway l1 at lgw_ip. Asserts every step. */
void topo_build(struct daemon *d, const char *sub, const char *token, const char *sku,
		const char *lgw_ip);
/* PUT a connection c (gateway g1, local gateway lgw) and return the status. */
int conn_put(struct daemon *d, const char *sub, const char *token, const char *name,
	     const char *lgw, const char *shared_key, struct http_resp *out);

#endif
