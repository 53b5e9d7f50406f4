/* SPDX-License-Identifier: MIT */
/*
 * log: leveled diagnostic lines in the categories Azure users know (Gateway, Tunnel, Route, IKE)
 * plus our own (ESP, Crypto, Mgmt, ...). One line per event, in one of three formats:
 *   text     2026-11-27T06:31:06.123Z WARN  Tunnel  conn=site1 peer=198.51.100.7: message
 *   journal  <4>Tunnel: conn=site1 peer=198.51.100.7: message   (stderr is journald's: it adds
 *            the time; <N> is the syslog priority it files the line under)
 *   json     {"time":"2026-11-27T06:31:06.123Z","level":"warn","category":"TunnelDiagnosticLog",
 *            "operationName":"TunnelDisconnected","resourceId":"/subscriptions/...",
 *            "message":"..."} -- Azure's diagnostic log categories (Gateway, Tunnel, Route,
 *            IKE DiagnosticLog) and operation names; resourceId and operationName when the
 *            line is an event about a resource (log_event)
 * The data plane logs through log_rl, which allows a burst and then counts what it suppresses.
 */
#ifndef VNETGW_LIB_LOG_H
#define VNETGW_LIB_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Lines below min_level are dropped; out is where lines go (stderr by default). */
void log_set_level(enum log_level min_level);
enum log_level log_get_level(void);
void log_set_output(FILE *out);
/* Parses "err", "warn", "info", "debug"; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level lvl);

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JOURNAL,
	LOG_FORMAT_JSON,
};
void log_set_format(enum log_format f);
/*
 * "text" (journal when $JOURNAL_STREAM says stderr is journald's), "json"; -EINVAL otherwise.
 * The auto-detection reads stderr's device and inode, so call it once stderr is final.
 */
int log_format_parse(const char *s, enum log_format *out);

/* Azure's diagnostic log category for ours ("Tunnel": "TunnelDiagnosticLog"; others as they are). */
const char *log_category_azure(const char *category);

bool log_enabled(enum log_level lvl);
void log_msg(enum log_level lvl, const char *category, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * An event about a resource: operation (Azure's operationName, e.g. "TunnelConnected") and
 * the resource's id (NULL when none) travel as fields in JSON, in front of the message in text.
 */
void log_event(enum log_level lvl, const char *category, const char *operation,
	       const char *resource_id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_err(cat, ...) log_msg(LOG_LVL_ERR, cat, __VA_ARGS__)
#define log_warn(cat, ...) log_msg(LOG_LVL_WARN, cat, __VA_ARGS__)
#define log_info(cat, ...) log_msg(LOG_LVL_INFO, cat, __VA_ARGS__)
#define log_debug(cat, ...)                                                                        \
	do {                                                                                       \
		if (log_enabled(LOG_LVL_DEBUG))                                                    \
			log_msg(LOG_LVL_DEBUG, cat, __VA_ARGS__);                                  \
	} while (0)

/*
 * A rate limit: at most burst lines per interval_ns; further lines in the interval are counted,
 * and the first line after it says how many were suppressed. Zero-initialise with
 * LOG_RATELIMIT_INIT; not thread-safe (one per data-plane thread or per object).
 */
struct log_ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint64_t window_start_ns;
	uint32_t in_window;
	uint64_t suppressed;
};

#define LOG_RATELIMIT_INIT(interval, n) { .interval_ns = (interval), .burst = (n) }

/* True if a line may be logged now (and accounts for it); false if it must be suppressed. */
bool log_ratelimit_allow(struct log_ratelimit *rl);
void log_rl(struct log_ratelimit *rl, enum log_level lvl, const char *category, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));

#endif
