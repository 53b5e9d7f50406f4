/* SPDX-License-Identifier: MIT */
/*
 * service: the store driving the running gateway in one process (SPEC §1), on the control loop.
 * At start-up, after every committed mutation and when the deployment's public IP changes, the
 * reconciler's desired state (daemon/reconcile.h) is applied to the gateway, which is started on
 * the shared public IP once the operator has set one and re-created when it moves. The API runs
 * on its own thread: it tells the service of changes and reads connection status as plain data,
 * both without waiting for the loop (service.c says how).
 */
#ifndef VNETGW_DAEMON_SERVICE_H
#define VNETGW_DAEMON_SERVICE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "ike/engine.h"
#include "daemon/evlog.h"
#include "mgmt/api/api.h"

struct store;

struct service_options {
	const char *netns_prefix;     /* VNet namespaces are <prefix><key>; NULL: "vnet-" */
	const char *keylog_dir;	      /* debug: Wireshark key files (NULL: off) */
	const char *status_path;      /* the gateway's JSON status file (NULL: none) */
	bool unshaped;		      /* benchmarks only: no SKU rates */
	uint16_t port_ike, port_natt; /* 0: 500 and 4500 */
	/* TESTS ONLY (--debug-lifetimes): as gw_options says; 0 lifetimes: off. */
	uint32_t debug_ike_lifetime_s, debug_child_lifetime_s;
	int debug_jitter_pct;
	struct ike_engine_limits ike_limits; /* --ike-limits (0 members: the defaults) */
	unsigned int conn_events; /* events kept per connection (0: EVLOG_DEFAULT_PER_CONN) */
	unsigned int max_vnets, max_conns; /* the gateway's limits (0: GW_*_DEFAULT) */
};

struct service;

/* Reconciles once at once (the start-up pass) and keeps the gateway in step from then on.
 * s (the control loop's own store connection) and base are borrowed and outlive the service.
 * 0 or -ENOMEM; a gateway that cannot start is not an error here: it is retried, and the
 * connections report why. */
int service_new(struct service **out, struct event_base *base, struct store *s,
		const struct service_options *o);
/* Stops the gateway (VNet namespaces stay, as gw_free says); NULL-safe. Nothing may call the
 * three functions below any more (stop the API thread first). */
void service_free(struct service *svc);

/* The three the API thread calls (thread-safe; none waits for the control loop): */
/* mgmt_change_fn: a committed change; the reconciliation runs on the loop, bursts coalesced. */
void service_changed(void *arg, const char *id);
/* mgmt_reset_fn: the gateway vgw_id's connections restart their tunnels, on the loop. */
void service_reset(void *arg, const char *vgw_id);
/* api_conn_status_fn: a connection's live status by its resource id, from the snapshot the
 * loop publishes (after each pass and every 250 ms). */
void service_conn_status(void *arg, const char *conn_id, struct api_conn_status *out);
/*
 * A connection's recent events by its resource id (evlog_read: seq > after, oldest first, at
 * most max); thread-safe. *dropped: how many were pushed out of its ring.
 */
size_t service_conn_events(void *arg, const char *conn_id, uint64_t after,
			   struct evlog_event *out, size_t max, uint64_t *dropped);
/* The same in the API's terms (api_conn_events_fn). */
size_t service_conn_events_api(void *arg, const char *conn_id, uint64_t after,
			       struct api_event *out, size_t max, uint64_t *dropped);
/*
 * api_bgp_view_fn, api_metrics_fn, api_ready_fn: from what the loop publishes with the status
 * snapshot (BGP views and metrics rebuilt when BGP changed and every second).
 */
json_t *service_bgp_view(void *arg, const char *vgw_id, char *why, size_t n);
char *service_metrics(void *arg);
bool service_ready(void *arg, char *why, size_t n);

#endif
