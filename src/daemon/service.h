/* SPDX-License-Identifier: MIT */
/*
 * service: the store driving the running gateway in one process (SPEC §1). At start-up, after
 * every committed mutation and when the deployment's public IP changes, the reconciler's desired
 * state (daemon/reconcile.h) is applied to the gateway, which is started on the shared public IP
 * once the operator has set one and re-created when it moves. Connection status goes back to the
 * API by resource id, as plain data.
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
};

struct service;

/* Reconciles once at once (the start-up pass) and keeps the gateway in step from then on.
 * s and base are borrowed and outlive the service. 0 or -ENOMEM; a gateway that cannot start
 * is not an error here: it is retried, and the connections report why. */
int service_new(struct service **out, struct event_base *base, struct store *s,
		const struct service_options *o);
/* Stops the gateway (VNet namespaces stay, as gw_free says); NULL-safe. */
void service_free(struct service *svc);

/* mgmt_change_fn: a committed change; the reconciliation runs from the loop, bursts coalesced. */
void service_changed(void *arg, const char *id);
/* mgmt_reset_fn: the gateway vgw_id's connections restart their tunnels, from the loop.
 * service_new registers it with mgmt_ops_set_reset_hook and service_free unregisters it. */
void service_reset(void *arg, const char *vgw_id);
/* api_conn_status_fn: a connection's live status by its resource id. */
void service_conn_status(void *arg, const char *conn_id, struct api_conn_status *out);
/*
 * A connection's recent events by its resource id (evlog_read: seq > after, oldest first, at
 * most max); thread-safe. *dropped: how many were pushed out of its ring.
 */
size_t service_conn_events(void *arg, const char *conn_id, uint64_t after,
			   struct evlog_event *out, size_t max, uint64_t *dropped);

#endif
