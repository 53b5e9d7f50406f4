/* SPDX-License-Identifier: MIT */
/*
 * api: the management REST API (docs/api.md) -- ARM paths for the tenants' resources, the
 * operator's /admin endpoints -- over TCP with bearer tokens, and over a Unix socket where the
 * operator needs no token, on its own thread and HTTP server (mgmt/api/http.h).
 */
#ifndef VNETGW_MGMT_API_API_H
#define VNETGW_MGMT_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/ops.h"

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

/* Fills out for the connection with this resource id; out arrives zeroed. Called on the API
 * thread: it must be safe to call from there (the service answers from a snapshot). */
typedef void (*api_conn_status_fn)(void *arg, const char *conn_id, struct api_conn_status *out);

/* One of a connection's recent events (the service's event log), as the API reports it. */
struct api_event {
	uint64_t seq;
	int64_t time_ms;      /* wall clock */
	char level[16];	      /* "Error", "Warning", "Informational", "Verbose" */
	char category[32];    /* Azure's: "TunnelDiagnosticLog", ... */
	char operation[40];   /* "TunnelConnected", ... */
	char message[256];
};

/*
 * The live hooks besides conn_status, all called on the API thread and safe there (none waits
 * for the control loop): a connection's events with seq > after, oldest first, at most max
 * (*dropped: how many its log pushed out); a VPN gateway's BGP view (a new reference to
 * {"peers", "learned", "advertised": {neighbor: [...]}} rows, or NULL with why set: not running,
 * no BGP); the Prometheus text (a new string, NULL without memory); readiness (false with why).
 */
typedef size_t (*api_conn_events_fn)(void *arg, const char *conn_id, uint64_t after,
				     struct api_event *out, size_t max, uint64_t *dropped);
typedef json_t *(*api_bgp_view_fn)(void *arg, const char *vgw_id, char *why, size_t n);
typedef char *(*api_metrics_fn)(void *arg);
typedef bool (*api_ready_fn)(void *arg, char *why, size_t n);

struct http_limits;

struct api_config {
	/* The store, the hooks told of committed changes (called on the API thread) and the
	 * gateway's capacity: the operations' struct mgmt, copied. */
	struct mgmt mgmt;
	const char *admin_hash_hex; /* SHA-256 of the admin token, hex */
	const struct http_limits *limits; /* NULL: http_limits_default(); copied */
	unsigned rate_slots;		  /* tokens the rate limit tracks at once; 0: 4096 */
	/* Live connection status; NULL: every connection is NotConnected (no gateway here). */
	api_conn_status_fn conn_status;
	void *conn_status_arg; /* the argument of every live hook */
	/* Optional (NULL: the endpoint answers that no gateway runs in this process). */
	api_conn_events_fn conn_events;
	api_bgp_view_fn bgp_view;
	api_metrics_fn metrics;
	api_ready_fn ready;
};

/*
 * The API on an event_base and a thread of its own (SPEC §5: never the IKE timers' thread):
 * create, listen, then api_server_start. Everything it does -- HTTP, auth, the store's
 * transactions and their fsyncs -- happens on that thread; the world hears of it through the
 * hooks in cfg->mgmt and asks it nothing but conn_status.
 */
struct api_server *api_server_new(const struct api_config *cfg);
/* Listens on addr:port (port 0 picks one; api_server_port tells which). 0 or -errno. */
int api_server_listen_tcp(struct api_server *srv, const char *addr, uint16_t port);
uint16_t api_server_port(const struct api_server *srv);
/* The admin API without a token, on a Unix socket created mode 0600 at path. 0 or -errno. */
int api_server_listen_unix(struct api_server *srv, const char *path);
/* Starts the API thread. 0 or -errno. */
int api_server_start(struct api_server *srv);
/* The deployment settings changed elsewhere (another node, through the store's watch): the API
 * re-reads its rate limit before its next request. Thread-safe; NULL-safe. */
void api_server_settings_changed(struct api_server *srv);
/* Stops the thread (waiting for the request it is in), stops listening and removes the Unix
 * socket; NULL-safe. */
void api_server_free(struct api_server *srv);

#endif
