/* SPDX-License-Identifier: MIT */
/*
 * service: one process, the API and the gateway (SPEC §1). Changes are never applied inside the
 * request that made them: the change hook only activates an event, so a burst of mutations
 * becomes one pass over the store, run from the loop after the answers have gone out. The
 * gateway lives on the deployment's shared public IP and follows it when the operator moves it.
 * A gateway's reset is queued the same way and restarts the tunnels of its connections alone.
 */
#include "daemon/service.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/gateway.h"
#include "daemon/reconcile.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "mgmt/ops.h"

#define SERVICE_RETRY_S	   5
#define SERVICE_RESETS_MAX 16 /* gateways whose reset waits for the loop */

struct service {
	struct event_base *base;
	struct store *store;
	struct service_options opt;
	char netns_prefix[RECONCILE_PREFIX_MAX + 1];
	struct event *ev_kick, *ev_retry, *ev_reset;
	char resets[SERVICE_RESETS_MAX][GW_REF_MAX]; /* gateway resource ids to reset */
	unsigned int n_resets;
	struct gw *gw;
	struct evlog *events; /* connections' events, kept across gateway re-creations */
	struct addr gw_ip;	    /* where gw runs */
	struct gw_desired *desired; /* the last state built (for peers and ids) */
	/* Why no gateway runs, and since when (reported as every connection's status). */
	char why[160];
	int64_t why_since;
	unsigned long passes;
};

static void service_no_gateway(struct service *svc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The status file without a gateway: readers see why instead of a stale file. */
static void service_write_idle_status(struct service *svc)
{
	char tmp[4200];
	json_t *root;

	if (!svc->opt.status_path)
		return;
	root = json_pack("{s:n, s:s, s:{}, s:[], s:I}", "publicIp", "gatewayNotRunning", svc->why,
			 "vnets", "connections", "writtenAtMs", (json_int_t)clock_wall_ms());
	snprintf(tmp, sizeof(tmp), "%s.tmp", svc->opt.status_path);
	if (root && json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) == 0)
		rename(tmp, svc->opt.status_path);
	json_decref(root);
}

static void service_no_gateway(struct service *svc, const char *fmt, ...)
{
	char why[sizeof(svc->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strcmp(why, svc->why) != 0) {
		log_warn("Gateway", "not running: %s", why);
		snprintf(svc->why, sizeof(svc->why), "%s", why);
		svc->why_since = clock_wall_s();
	}
	service_write_idle_status(svc);
}

static void service_stop_gateway(struct service *svc)
{
	char a[ADDR_STR_MAX];

	if (!svc->gw)
		return;
	log_info("Gateway", "stopping the gateway on %s", addr_print(&svc->gw_ip, a, sizeof(a)));
	gw_free(svc->gw);
	svc->gw = NULL;
}

static int service_start_gateway(struct service *svc, const struct addr *ip)
{
	struct gw_options go = {
		.public_ip = *ip,
		.port_ike = svc->opt.port_ike,
		.port_natt = svc->opt.port_natt,
		.netns_prefix = svc->netns_prefix,
		.keylog_dir = svc->opt.keylog_dir,
		.status_path = svc->opt.status_path,
		.unshaped = svc->opt.unshaped,
		.debug_ike_lifetime_s = svc->opt.debug_ike_lifetime_s,
		.debug_child_lifetime_s = svc->opt.debug_child_lifetime_s,
		.debug_jitter_pct = svc->opt.debug_jitter_pct,
		.ike_limits = svc->opt.ike_limits,
		.events = svc->events,
	};
	char a[ADDR_STR_MAX];
	int r;

	addr_print(ip, a, sizeof(a));
	r = gw_new(&svc->gw, svc->base, &go);
	if (r < 0) {
		svc->gw = NULL;
		service_no_gateway(svc, "the gateway cannot open UDP 500/4500 and ESP on %s: %s", a,
				   strerror(-r));
		return r;
	}
	svc->gw_ip = *ip;
	svc->why[0] = '\0';
	log_info("Gateway", "gateway up on the shared public IP %s", a);
	return 0;
}

static void service_reconcile(struct service *svc)
{
	struct gw_desired *d = calloc(1, sizeof(*d));
	uint64_t t0 = clock_now_ns();
	int r;

	if (!d)
		return;
	r = reconcile_build(svc->store, svc->netns_prefix, d);
	if (r < 0) {
		log_err("Gateway", "cannot read the store (%s); the gateway keeps its state",
			strerror(-r));
		free(d);
		return;
	}
	svc->passes++;
	if (!d->public_ip.family) {
		service_stop_gateway(svc);
		service_no_gateway(svc, "the deployment has no public IP configured (the operator "
					"sets publicIpPool)");
	} else {
		if (svc->gw && !addr_equal(&svc->gw_ip, &d->public_ip)) {
			/* SPEC §1: every gateway answers on the one shared IP; it moved. */
			log_info("Gateway",
				 "the shared public IP changed: re-creating the gateway");
			service_stop_gateway(svc);
		}
		if (!svc->gw && service_start_gateway(svc, &d->public_ip) < 0)
			event_add(svc->ev_retry, &(struct timeval){SERVICE_RETRY_S, 0});
		if (svc->gw) {
			r = gw_apply(svc->gw, d);
			log_info("Gateway",
				 "reconciled (pass %lu): %u VNet(s), %u connection(s)%s in %.1f ms",
				 svc->passes, d->n_vnets, d->n_conns,
				 r < 0 ? ", with errors (see above)," : "",
				 (double)(clock_now_ns() - t0) / 1e6);
		}
	}
	if (svc->desired) {
		gw_desired_clear(svc->desired);
		free(svc->desired);
	}
	svc->desired = d;
}

static void service_on_kick(evutil_socket_t fd, short what, void *arg)
{
	service_reconcile(arg);
}

void service_changed(void *arg, const char *id)
{
	struct service *svc = arg;

	log_debug("Gateway", "changed: %s", id);
	/* Activating an active event is a no-op: a burst becomes one pass. */
	event_active(svc->ev_kick, EV_TIMEOUT, 0);
}

/* SPEC §5 reset: every connection of the gateway (reconcile's gw_ref) restarts its tunnel. */
static void service_reset_gateway(struct service *svc, const char *vgw_id)
{
	unsigned int n = 0;

	if (!svc->gw || !svc->desired) {
		log_info("Gateway", "reset of %s: no gateway is running (%s)", vgw_id, svc->why);
		return;
	}
	for (unsigned int i = 0; i < svc->desired->n_conns; i++) {
		const struct gw_conn *c = &svc->desired->conns[i];

		if (strcasecmp(c->gw_ref, vgw_id) != 0)
			continue;
		if (gw_conn_reset(svc->gw, c->name) == 0)
			n++;
	}
	log_info("Gateway", "reset of %s: %u connection(s) restarted", vgw_id, n);
}

static void service_on_reset(evutil_socket_t fd, short what, void *arg)
{
	struct service *svc = arg;

	/* A change made before the reset is applied first: the reset acts on what it says. */
	if (event_pending(svc->ev_kick, EV_TIMEOUT, NULL)) {
		event_del(svc->ev_kick);
		service_reconcile(svc);
	}
	for (unsigned int i = 0; i < svc->n_resets; i++)
		service_reset_gateway(svc, svc->resets[i]);
	svc->n_resets = 0;
}

void service_reset(void *arg, const char *vgw_id)
{
	struct service *svc = arg;
	unsigned int i;

	if (!vgw_id)
		return;
	for (i = 0; i < svc->n_resets; i++)
		if (strcasecmp(svc->resets[i], vgw_id) == 0)
			return; /* already queued: one reset */
	if (i == SERVICE_RESETS_MAX) {
		log_warn("Gateway", "reset of %s dropped: %u resets already wait for the loop",
			 vgw_id, i);
		return;
	}
	snprintf(svc->resets[svc->n_resets++], GW_REF_MAX, "%s", vgw_id);
	log_info("Gateway", "reset of %s requested", vgw_id);
	event_active(svc->ev_reset, EV_TIMEOUT, 0);
}

int service_new(struct service **out, struct event_base *base, struct store *s,
		const struct service_options *o)
{
	struct service *svc = calloc(1, sizeof(*svc));
	int r;

	if (!svc)
		return -ENOMEM;
	svc->base = base;
	svc->store = s;
	svc->opt = *o;
	snprintf(svc->netns_prefix, sizeof(svc->netns_prefix), "%s",
		 o->netns_prefix ? o->netns_prefix : "vnet-");
	svc->ev_kick = event_new(base, -1, 0, service_on_kick, svc);
	svc->ev_retry = evtimer_new(base, service_on_kick, svc);
	svc->ev_reset = event_new(base, -1, 0, service_on_reset, svc);
	r = evlog_new(&svc->events, o->conn_events ? o->conn_events : EVLOG_DEFAULT_PER_CONN);
	if (r < 0 || !svc->ev_kick || !svc->ev_retry || !svc->ev_reset) {
		service_free(svc);
		return r < 0 ? r : -ENOMEM;
	}
	/* Start-up: the store is the truth, a restart restores every tunnel. */
	service_reconcile(svc);
	mgmt_ops_set_reset_hook(service_reset, svc);
	*out = svc;
	return 0;
}

void service_free(struct service *svc)
{
	if (!svc)
		return;
	mgmt_ops_set_reset_hook(NULL, NULL);
	if (svc->ev_kick)
		event_free(svc->ev_kick);
	if (svc->ev_retry)
		event_free(svc->ev_retry);
	if (svc->ev_reset)
		event_free(svc->ev_reset);
	service_stop_gateway(svc);
	evlog_free(svc->events);
	if (svc->desired) {
		gw_desired_clear(svc->desired);
		free(svc->desired);
	}
	free(svc);
}

static const char *status_name(enum ike_conn_status s)
{
	switch (s) {
	case IKE_CONN_CONNECTED:
		return "Connected";
	case IKE_CONN_CONNECTING:
		return "Connecting";
	default:
		return "NotConnected";
	}
}

static const struct gw_conn *desired_conn(const struct service *svc, const char *key)
{
	if (!svc->desired)
		return NULL;
	for (unsigned int i = 0; i < svc->desired->n_conns; i++)
		if (strcmp(svc->desired->conns[i].name, key) == 0)
			return &svc->desired->conns[i];
	return NULL;
}

void service_conn_status(void *arg, const char *conn_id, struct api_conn_status *out)
{
	struct service *svc = arg;
	const struct gw_conn *c;
	struct api_tunnel_status *t;
	struct gw_conn_status st;
	char key[GW_NAME_MAX], a[ADDR_STR_MAX], b[ADDR_STR_MAX];

	snprintf(out->status, sizeof(out->status), "NotConnected");
	if (!svc->gw) {
		snprintf(out->reason, sizeof(out->reason), "%s", svc->why);
		out->changed = svc->why_since;
		return;
	}
	reconcile_conn_key(conn_id ? conn_id : "", key, sizeof(key));
	c = desired_conn(svc, key);
	if (!c || gw_conn_status(svc->gw, key, &st) != 0) {
		snprintf(out->reason, sizeof(out->reason), "%s",
			 event_pending(svc->ev_kick, EV_TIMEOUT, NULL) || !c
				 ? "the gateway has not taken this connection yet (see the "
				   "daemon's log if it stays so)"
				 : "not running in the gateway");
		return;
	}
	snprintf(out->status, sizeof(out->status), "%s", status_name(st.status));
	snprintf(out->reason, sizeof(out->reason), "%s", st.reason);
	out->changed = st.since;
	out->ingress_bytes = st.bytes_in;
	out->egress_bytes = st.bytes_out;
	/* One tunnel per connection until active-active (SPEC §7) brings a second instance. */
	out->n_tunnels = 1;
	t = &out->tunnels[0];
	snprintf(t->tunnel, sizeof(t->tunnel), "%s-%s", addr_print(&svc->gw_ip, a, sizeof(a)),
		 addr_print(&c->peer, b, sizeof(b)));
	snprintf(t->status, sizeof(t->status), "%s", out->status);
	t->ingress_bytes = st.bytes_in;
	t->egress_bytes = st.bytes_out;
	t->established = st.established;
}

size_t service_conn_events(void *arg, const char *conn_id, uint64_t after,
			   struct evlog_event *out, size_t max, uint64_t *dropped)
{
	struct service *svc = arg;

	return evlog_read(svc->events, conn_id, after, out, max, dropped);
}
