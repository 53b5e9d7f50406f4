/* SPDX-License-Identifier: MIT */
/*
 * harness: what the vnetgw CLI tests share — running "$VNETGW_BUILD/vnetgw" with a clean
 * environment and capturing its output and exit code, and a fake API server (loopback TCP or a
 * Unix socket) that records each request and answers from a script.
 */
#ifndef VNETGW_TESTS_CLI_HARNESS_H
#define VNETGW_TESTS_CLI_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct run_result {
	int code;  /* exit code, or 128 + signal */
	char *out; /* stdout, NUL-terminated */
	char *err; /* stderr */
};

/*
 * Runs vnetgw with the words of cmdline (split at spaces; no quoting) plus extra (NULL-terminated,
 * may be NULL), in an environment of only the "K=V" strings of env (NULL-terminated, may be
 * NULL). Fails the test if it cannot run.
 */
void run_cli(struct run_result *r, const char *const *env, const char *cmdline,
	     const char *const *extra);
void run_result_clear(struct run_result *r);

/* One scripted answer: status and body (Content-Length framed), or raw bytes sent as they are. */
struct fake_reply {
	int status;
	const char *headers; /* extra header lines, each ending in \r\n, or NULL */
	const char *body;    /* or NULL */
	const char *raw;     /* if set, sent instead, then the connection is closed */
	size_t raw_len;	     /* of raw; 0 means strlen(raw) */
};

#define FAKE_MAX_REQS 8

struct fake_req {
	char method[16];
	char target[2048];
	char headers[8192]; /* the header lines as received */
	char body[16384];   /* NUL-terminated, "" when none */
};

struct fake_server {
	int lfd;
	char url[64];	     /* http://127.0.0.1:PORT */
	char sock_path[108]; /* for a Unix socket server */
	pthread_t thread;
	const struct fake_reply *replies;
	size_t nreplies;
	struct fake_req reqs[FAKE_MAX_REQS];
	size_t nreqs;
};

void fake_start_tcp(struct fake_server *s, const struct fake_reply *replies, size_t n);
void fake_start_unix(struct fake_server *s, const struct fake_reply *replies, size_t n);
/* Waits for the script to be played (or stops it), then the recorded requests can be read. */
void fake_stop(struct fake_server *s);
/* The value of a recorded request's header (case-insensitive name), copied; NULL if absent. */
char *fake_header(const struct fake_req *r, const char *name);

/* The environment of a tenant talking to s: VNETGW_SERVER, VNETGW_SUBSCRIPTION=sub1, a token. */
struct cli_env {
	char server[96];
	const char *vars[4];
};
void cli_env_for(struct cli_env *e, const struct fake_server *s);

/* Expect got_text to be JSON equal to want_text (what names the check in messages). */
void expect_json_eq(const char *got_text, const char *want_text, const char *what);

#endif
