/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/daemon/evlog: a connection's ring keeps its newest events and counts what
 * it pushed out, one connection's flood leaves another's events alone, reading after a seq
 * pages, a forgotten connection has nothing, and the log line carries category, operation and
 * resource id (JSON).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "daemon/evlog.h"

#define A "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/connections/a"
#define B "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Network/connections/b"

static FILE *sink;

static void quiet(void)
{
	sink = tmpfile();
	log_set_output(sink);
	log_set_format(LOG_FORMAT_TEXT);
}

static void restore(void)
{
	log_set_output(stderr);
	log_set_format(LOG_FORMAT_TEXT);
	if (sink)
		fclose(sink);
}

TestSuite(evlog, .init = quiet, .fini = restore);

Test(evlog, a_ring_keeps_the_newest_and_counts_the_rest)
{
	struct evlog_event out[8];
	struct evlog *ev;
	uint64_t dropped;
	size_t n;

	cr_assert_eq(evlog_new(&ev, 4), 0);
	for (int i = 1; i <= 10; i++)
		evlog_add(ev, A, "a", LOG_LVL_INFO, "Tunnel", "ChildSaInstalled", "event %d", i);
	n = evlog_read(ev, A, 0, out, 8, &dropped);
	cr_assert_eq(n, 4);
	cr_assert_eq(dropped, 6);
	for (size_t i = 0; i < n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "event %zu", i + 7);
		cr_assert_str_eq(out[i].message, want);
		cr_assert_eq(out[i].seq, i + 7);
		cr_assert_str_eq(out[i].operation, "ChildSaInstalled");
		cr_assert(out[i].time_ms > 0);
	}
	/* Paging: after seq 8, two; at most one asked, the older of them. */
	cr_assert_eq(evlog_read(ev, A, 8, out, 8, NULL), 2);
	cr_assert_eq(out[0].seq, 9);
	cr_assert_eq(evlog_read(ev, A, 8, out, 1, NULL), 1);
	cr_assert_eq(out[0].seq, 9);
	cr_assert_eq(evlog_read(ev, A, 10, out, 8, NULL), 0);
	evlog_free(ev);
}

Test(evlog, one_connections_flood_leaves_anothers_events)
{
	struct evlog_event out[4];
	struct evlog *ev;
	uint64_t dropped;

	cr_assert_eq(evlog_new(&ev, 4), 0);
	evlog_add(ev, B, "b", LOG_LVL_WARN, "Tunnel", "TunnelDisconnected", "DPD: peer silent");
	for (int i = 0; i < 10000; i++)
		evlog_add(ev, A, "a", LOG_LVL_INFO, "Tunnel", "ChildSaRemoved", "flood %d", i);
	cr_assert_eq(evlog_read(ev, B, 0, out, 4, &dropped), 1);
	cr_assert_eq(dropped, 0);
	cr_assert_str_eq(out[0].message, "DPD: peer silent");
	cr_assert_eq(out[0].level, LOG_LVL_WARN);
	cr_assert_str_eq(out[0].category, "Tunnel");
	evlog_read(ev, A, 0, out, 4, &dropped);
	cr_assert_eq(dropped, 10000 - 4);
	evlog_free(ev);
}

Test(evlog, a_forgotten_connection_has_nothing)
{
	struct evlog_event out[4];
	struct evlog *ev;

	cr_assert_eq(evlog_new(&ev, 8), 0);
	evlog_add(ev, A, "a", LOG_LVL_INFO, "Gateway", "SetConnectionConfiguration", "configured");
	evlog_forget(ev, A);
	cr_assert_eq(evlog_read(ev, A, 0, out, 4, NULL), 0);
	/* Back again: a new ring, its seq from 1. */
	evlog_add(ev, A, "a", LOG_LVL_INFO, "Gateway", "SetConnectionConfiguration", "again");
	cr_assert_eq(evlog_read(ev, A, 0, out, 4, NULL), 1);
	cr_assert_eq(out[0].seq, 1);
	cr_assert_eq(evlog_read(ev, "unknown", 0, out, 4, NULL), 0);
	cr_assert_eq(evlog_lost(ev), 0);
	evlog_free(ev);
}

Test(evlog, sizes_outside_the_bounds_are_refused)
{
	struct evlog *ev;

	cr_assert_eq(evlog_new(&ev, 0), -EINVAL);
	cr_assert_eq(evlog_new(&ev, EVLOG_PER_CONN_MAX + 1), -EINVAL);
	cr_assert_eq(evlog_new(&ev, EVLOG_PER_CONN_MAX), 0);
	evlog_free(ev);
}

Test(evlog, the_event_is_a_json_log_line_with_its_resource)
{
	char line[2048];
	json_error_t err;
	struct evlog *ev;
	json_t *j;

	log_set_format(LOG_FORMAT_JSON);
	cr_assert_eq(evlog_new(&ev, 2), 0);
	evlog_add(ev, A, "a", LOG_LVL_WARN, "Tunnel", "TunnelDisconnected",
		  "disconnected from 198.51.100.7: \"DPD\" timeout");
	fflush(sink);
	rewind(sink);
	cr_assert_not_null(fgets(line, sizeof(line), sink));
	j = json_loads(line, 0, &err);
	cr_assert_not_null(j, "not JSON (%s): %s", err.text, line);
	cr_assert_str_eq(json_string_value(json_object_get(j, "category")), "TunnelDiagnosticLog");
	cr_assert_str_eq(json_string_value(json_object_get(j, "operationName")),
			 "TunnelDisconnected");
	cr_assert_str_eq(json_string_value(json_object_get(j, "resourceId")), A);
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "warn");
	cr_assert_str_eq(json_string_value(json_object_get(j, "message")),
			 "conn=a disconnected from 198.51.100.7: \"DPD\" timeout");
	json_decref(j);
	evlog_free(ev);
}
