/* SPDX-License-Identifier: MIT */
/*
 * evlog: each connection's recent events (TunnelConnected, TunnelDisconnected with its reason,
 * SetConnectionConfiguration, CHILD_SAs installed and removed, ...), kept for its tenant to read
 * through the API (`vnetgw vpn-connection show-events`). Every event is also a log line
 * (log_event: category, operationName and the connection's resource id).
 *
 * One ring per connection, keyed by the connection's resource id, of a configured size: a
 * connection's events push out only its own older ones, never another connection's, and what
 * was pushed out is counted. The service owns the log (it outlives a gateway re-created when
 * the public IP moves); the control loop writes, the API thread reads: every call takes the
 * log's lock, none blocks on anything else.
 */
#ifndef VNETGW_DAEMON_EVLOG_H
#define VNETGW_DAEMON_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

#define EVLOG_DEFAULT_PER_CONN 64
#define EVLOG_PER_CONN_MAX 4096
#define EVLOG_MESSAGE_MAX 240

struct evlog_event {
	uint64_t seq;	  /* per connection, from 1, never reused */
	int64_t time_ms;  /* wall clock */
	enum log_level level;
	const char *category;  /* a static string: "TunnelDiagnosticLog", ... */
	const char *operation; /* a static string: "TunnelConnected", ... */
	char message[EVLOG_MESSAGE_MAX];
};

struct evlog;

/* per_conn events are kept per connection (1..EVLOG_PER_CONN_MAX). 0, -EINVAL or -ENOMEM. */
int evlog_new(struct evlog **out, unsigned int per_conn);
void evlog_free(struct evlog *ev);

/*
 * Record an event of the connection ref (its resource id) and log it (log_event, with
 * "conn=<name>" in front of the message). category and operation must be static strings.
 * An event that finds no memory for a new connection's ring is logged, not kept (and counted).
 */
void evlog_add(struct evlog *ev, const char *ref, const char *name, enum log_level lvl,
	       const char *category, const char *operation, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* The connection is gone: its events are forgotten. */
void evlog_forget(struct evlog *ev, const char *ref);

/*
 * Copies the connection's events with seq > after, oldest first, at most max of them, into out;
 * returns how many. *dropped (may be NULL) gets how many of its events were pushed out of its
 * ring since it began. 0 when it has none (or is unknown).
 */
size_t evlog_read(struct evlog *ev, const char *ref, uint64_t after, struct evlog_event *out,
		  size_t max, uint64_t *dropped);

/* Events that could not be kept for want of memory (they were logged). */
uint64_t evlog_lost(struct evlog *ev);

#endif
