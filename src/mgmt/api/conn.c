/* SPDX-License-Identifier: MIT */
/*
 * conn: the connection's actions -- the shared key's own endpoints (GET and PUT sharedkey, POST
 * sharedkey/reset), the only place a key is ever returned, vpndeviceconfigurationscript, and
 * events (the connection's recent diagnostic events) --
 * and the live status every connection body carries (SPEC §2 read-only properties, §5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mgmt/api/internal.h"
#include "mgmt/devcfg.h"

/* ARM's times: ISO 8601 in UTC. */
static json_t *utc_time(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

void api_conn_report(struct api_req *r, json_t *conn)
{
	json_t *props = json_object_get(conn, "properties"), *tunnels;
	struct api_conn_status st;

	if (!props)
		return;
	memset(&st, 0, sizeof(st));
	api_server_conn_status(r->srv, json_string_value(json_object_get(conn, "id")), &st);
	if (!st.status[0])
		snprintf(st.status, sizeof(st.status), "NotConnected");
	tunnels = json_array();
	for (unsigned int i = 0; i < st.n_tunnels && i < API_TUNNELS_MAX; i++) {
		const struct api_tunnel_status *t = &st.tunnels[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "tunnel", t->tunnel,
				      "connectionStatus", t->status, "ingressBytesTransferred",
				      (json_int_t)t->ingress_bytes, "egressBytesTransferred",
				      (json_int_t)t->egress_bytes);

		if (o && t->established)
			json_object_set_new(o, "lastConnectionEstablishedUtcTime",
					    utc_time(t->established));
		json_array_append_new(tunnels, o);
	}
	json_object_set_new(props, "connectionStatus", json_string(st.status));
	json_object_set_new(props, "connectionStatusReason", json_string(st.reason));
	if (st.changed)
		json_object_set_new(props, "connectionStatusChangedUtcTime", utc_time(st.changed));
	else
		json_object_del(props, "connectionStatusChangedUtcTime");
	json_object_set_new(props, "tunnelConnectionStatus", tunnels);
	json_object_set_new(props, "ingressBytesTransferred",
			    json_integer((json_int_t)st.ingress_bytes));
	json_object_set_new(props, "egressBytesTransferred",
			    json_integer((json_int_t)st.egress_bytes));
}

void api_conn_report_list(struct api_req *r, json_t *list)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) api_conn_report(r, v);
}

/* The script is text for the device, not JSON: it is answered as text/plain. It holds the shared
 * key (like Azure's), so the buffers are wiped. */
static void device_script(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	char *script = NULL;

	if (mgmt_ops_conn_device_script(r->mgmt, &rt->id, r->body, r->body_len, &script, &err)) {
		api_reply_error(r, &err);
		return;
	}
	api_add_header(r, "Cache-Control", "no-store");
	api_reply_text(r, 200, "text/plain; charset=utf-8", script, strlen(script));
	devcfg_free(script);
}

#define EVENTS_MAX 1000 /* per answer; the rest with ?after= */

/*
 * connections/{n}/events[?after=SEQ]: the connection's recent events (issue 20), oldest first,
 * from its ring in the service: {"value": [...], "droppedEvents": N, "nextAfter": SEQ}.
 */
static void events(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	const char *a = api_query(r, "after");
	struct api_event *ev;
	uint64_t after = 0, dropped = 0, last;
	json_t *value, *body;
	char *end = NULL;
	size_t n;
	int rc;

	/* 404 for a connection that is not there (or not the caller's). */
	rc = mgmt_ops_get(r->mgmt, &rt->id, &res, &err);
	if (rc)
		return api_reply_ops(r, rc, &res, &err);
	json_decref(res.body);
	if (a) {
		after = strtoull(a, &end, 10);
		if (!*a || *a == '-' || *end)
			return api_reply_fail(r, MGMT_E_INVALID_VALUE, "after",
					      "after must be an event's sequence number, not "
					      "'%.32s'.",
					      a);
	}
	ev = calloc(EVENTS_MAX, sizeof(*ev));
	if (!ev)
		return api_reply_fail(r, MGMT_E_INTERNAL, "", "Out of memory.");
	n = api_server_conn_events(r->srv, r->resource, after, ev, EVENTS_MAX, &dropped);
	value = json_array();
	last = after;
	for (size_t i = 0; i < n; i++) {
		char t[96];
		time_t s = (time_t)(ev[i].time_ms / 1000);
		struct tm tm;

		gmtime_r(&s, &tm);
		snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(ev[i].time_ms % 1000));
		json_array_append_new(value,
				      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "sequence",
						(json_int_t)ev[i].seq, "time", t, "level",
						ev[i].level, "category", ev[i].category,
						"operationName", ev[i].operation, "message",
						ev[i].message));
		last = ev[i].seq;
	}
	free(ev);
	body = json_pack("{s:o, s:I, s:I}", "value", value, "droppedEvents", (json_int_t)dropped,
			 "nextAfter", (json_int_t)last);
	api_add_header(r, "Cache-Control", "no-store");
	api_reply_json(r, 200, body);
	json_decref(body);
}

void api_conn_action(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	int rc;

	if (strcasecmp(rt->action, "sharedkey") == 0 && !rt->subaction) {
		if (r->method == HTTP_M_GET)
			rc = mgmt_ops_shared_key_get(r->mgmt, &rt->id, &res, &err);
		else if (r->method == HTTP_M_PUT)
			rc = mgmt_ops_shared_key_set(r->mgmt, &rt->id, r->body, r->body_len, &res,
						     &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (strcasecmp(rt->action, "sharedkey") == 0 &&
		   strcasecmp(rt->subaction, "reset") == 0) {
		if (r->method != HTTP_M_POST)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_shared_key_reset(r->mgmt, &rt->id, r->body, r->body_len, &res, &err);
	} else if (strcasecmp(rt->action, "events") == 0 && !rt->subaction) {
		if (r->method != HTTP_M_GET)
			return api_reply_method_not_allowed(r);
		return events(r, rt);
	} else if (strcasecmp(rt->action, "vpndeviceconfigurationscript") == 0 && !rt->subaction) {
		if (r->method != HTTP_M_POST)
			return api_reply_method_not_allowed(r);
		return device_script(r, rt);
	} else {
		return api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
	api_reply_ops(r, rc, &res, &err);
}
