/* SPDX-License-Identifier: MIT */
/*
 * api: the management REST API (docs/api.md) on libevent's evhttp -- ARM paths for the tenants'
 * resources, the operator's /admin endpoints -- over TCP with bearer tokens, and over a Unix
 * socket where the operator needs no token.
 */
#ifndef VNETGW_MGMT_API_API_H
#define VNETGW_MGMT_API_API_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct store;
struct api_server;

#define API_MAX_BODY (1024 * 1024)

/*
 * A connection's live state as the running gateway sees it (SPEC §5), reported read-only on GET
 * and list of connections. Plain data: the API never looks into the gateway.
 */
#define API_TUNNELS_MAX 2 /* one per gateway instance (active-active has two) */

struct api_tunnel_status {
	char tunnel[96]; /* "<gateway public IP>-<peer IP>" */
	char status[16];
	uint64_t ingress_bytes, egress_bytes;
	int64_t established; /* wall-clock seconds it last became Connected, 0 never */
};

struct api_conn_status {
	char status[16]; /* "Connecting", "Connected" or "NotConnected" */
	char reason[160];
	int64_t changed; /* wall-clock seconds of the last change, 0 unknown */
	uint64_t ingress_bytes, egress_bytes;
	unsigned int n_tunnels;
	struct api_tunnel_status tunnels[API_TUNNELS_MAX];
};

/* Fills out for the connection with this resource id; out arrives zeroed. */
typedef void (*api_conn_status_fn)(void *arg, const char *conn_id, struct api_conn_status *out);

struct api_config {
	struct store *store;	    /* borrowed; outlives the server */
	const char *admin_hash_hex; /* SHA-256 of the admin token, hex */
	size_t max_body;	    /* 0: API_MAX_BODY */
	/* Live connection status; NULL: every connection is NotConnected (no gateway here). */
	api_conn_status_fn conn_status;
	void *conn_status_arg;
};

struct api_server *api_server_new(struct event_base *base, const struct api_config *cfg);
/* Listens on addr:port (port 0 picks one; api_server_port tells which). 0 or -errno. */
int api_server_listen_tcp(struct api_server *srv, const char *addr, uint16_t port);
uint16_t api_server_port(const struct api_server *srv);
/* The admin API without a token, on a Unix socket created mode 0600 at path. 0 or -errno. */
int api_server_listen_unix(struct api_server *srv, const char *path);
/* Stops listening (and removes the Unix socket); NULL-safe. */
void api_server_free(struct api_server *srv);

#endif
