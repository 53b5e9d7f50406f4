/* SPDX-License-Identifier: MIT */
/*
 * service: the store driving the running gateway (SPEC §1), on the control loop, with the API on
 * a thread of its own (SPEC §5). The two meet in three places, each behind this file's lock:
 *   - a committed change or a gateway reset (service_changed, service_reset: called on the API
 *     thread) is noted and the loop woken through an eventfd; the loop applies them after the
 *     answers have gone out, a burst of changes as one pass over the store (passes at least
 *     RECONCILE_GAP_MS apart, so a storm of commits costs the loop a few passes a second),
 *     which it reads through a store connection of its own (SQLite WAL: readers wait for no
 *     writer, so no reconcile waits for an API transaction's fsync, nor the API for a
 *     reconcile);
 *   - connection status (service_conn_status, API thread) is read from a snapshot of plain data
 *     the loop publishes after each pass and every STATUS_PUBLISH_MS. A snapshot, rather than
 *     the API asking the loop and waiting: a GET never waits for IKE or a reconcile, and the
 *     loop never waits for a reader (the lock is held for a pointer swap or one entry's copy);
 *     counters are at most that old, as the status file's are a second old.
 * The gateway lives on the deployment's shared public IP and follows it when the operator moves
 * it; a resource the reconciler cannot run reports why as its connections' status reason.
 */
#include "daemon/service.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon/gateway.h"
#include "daemon/reconcile.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "mgmt/ops.h"

#define SERVICE_RETRY_S	   5
#define SERVICE_RESETS_MAX 16 /* gateways whose reset waits for the loop */
#define STATUS_PUBLISH_MS  250
/* Passes start at least this far apart: a storm of committed changes is a few passes a second
 * on the control loop, not one per commit. */
#define RECONCILE_GAP_MS   100

/* A resource the last pass left out, and why. */
struct skip {
	char ref[GW_REF_MAX];
	char why[RECONCILE_WHY_MAX];
};

/* What the API thread reads: plain data, published whole. */
struct snap_conn {
	char id[GW_REF_MAX];
	struct api_conn_status st;
};

struct snapshot {
	bool gw_running;
	char why[160];
	int64_t why_since;
	unsigned int n;
	struct snap_conn conns[];
};

struct service {
	struct event_base *base;
	struct store *store; /* the loop's own connection */
	struct service_options opt;
	char netns_prefix[RECONCILE_PREFIX_MAX + 1];
	struct event *ev_wake, *ev_run, *ev_retry, *ev_publish;
	uint64_t last_run_ns; /* when the last pass of changes ran */
	int wake_fd;
	struct gw *gw;
	struct evlog *events; /* connections' events, kept across gateway re-creations */
	struct addr gw_ip;	    /* where gw runs */
	struct gw_desired *desired; /* the last state built (for peers and ids; no keys) */
	struct skip *skips;	    /* what the last pass left out */
	unsigned int n_skips, cap_skips;
	/* Why no gateway runs, and since when (reported as every connection's status). */
	char why[160];
	int64_t why_since;
	unsigned long passes;

	uint64_t views_ns, views_gen; /* when the BGP views and metrics were last built */

	pthread_mutex_t lock; /* guards what follows, shared with the API thread */
	bool pending;	      /* a change waits for the loop */
	char resets[SERVICE_RESETS_MAX][GW_REF_MAX]; /* gateway resource ids to reset */
	unsigned int n_resets;
	struct snapshot *snap;
	/* Built on the loop, never changed once published (readers take a reference or copy). */
	json_t *bgp_views; /* {"<VPN gateway id>": gw_bgp_view's object} */
	char *metrics;	   /* gw_metrics' text */
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

/* ---- status for the API ------------------------------------------------------------------------ */

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

static void conn_entry(const struct service *svc, const struct gw_conn *c,
		       struct api_conn_status *out)
{
	struct api_tunnel_status *t;
	struct gw_conn_status st;
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX];

	snprintf(out->status, sizeof(out->status), "NotConnected");
	if (gw_conn_status(svc->gw, c->name, &st) != 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "the gateway could not start this connection (see the daemon's Gateway "
			 "log)");
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

static void service_publish_views(struct service *svc);

/* Builds the API's view of every connection and swaps it in. */
static void service_publish(struct service *svc)
{
	unsigned int n_conns = svc->gw && svc->desired ? svc->desired->n_conns : 0;
	unsigned int n = n_conns + svc->n_skips, k = 0;
	struct snapshot *s = calloc(1, sizeof(*s) + (size_t)n * sizeof(s->conns[0])), *old;

	if (!s)
		return; /* the API keeps the previous one */
	s->gw_running = svc->gw != NULL;
	snprintf(s->why, sizeof(s->why), "%s", svc->why);
	s->why_since = svc->why_since;
	for (unsigned int i = 0; i < n_conns; i++, k++) {
		snprintf(s->conns[k].id, sizeof(s->conns[k].id), "%s", svc->desired->conns[i].ref);
		conn_entry(svc, &svc->desired->conns[i], &s->conns[k].st);
	}
	for (unsigned int i = 0; i < svc->n_skips; i++, k++) {
		struct api_conn_status *st = &s->conns[k].st;

		snprintf(s->conns[k].id, sizeof(s->conns[k].id), "%s", svc->skips[i].ref);
		snprintf(st->status, sizeof(st->status), "NotConnected");
		snprintf(st->reason, sizeof(st->reason), "the gateway cannot run this connection: %.*s",
			 (int)(sizeof(st->reason) - 42), svc->skips[i].why);
	}
	s->n = k;
	pthread_mutex_lock(&svc->lock);
	old = svc->snap;
	svc->snap = s;
	pthread_mutex_unlock(&svc->lock);
	free(old);
	service_publish_views(svc);
}

/*
 * The BGP views and the metrics, rebuilt when BGP changed and at least every second (the
 * metrics' average bandwidth is over that second; peers' counters and durations move).
 */
static void service_publish_views(struct service *svc)
{
	uint64_t now = clock_now_ns(), gen = svc->gw ? gw_bgp_generation(svc->gw) : 0;
	json_t *views = NULL, *old_views;
	char *metrics = NULL, *old_metrics;

	if (svc->views_ns && gen == svc->views_gen && now - svc->views_ns < CLOCK_NS_PER_SEC)
		return;
	svc->views_ns = now;
	svc->views_gen = gen;
	if (svc->gw) {
		views = json_object();
		for (unsigned int i = 0; views && svc->desired && i < svc->desired->n_vnets; i++) {
			const struct gw_vnet *v = &svc->desired->vnets[i];
			json_t *view = v->bgp ? gw_bgp_view(svc->gw, v->name) : NULL;

			if (view)
				json_object_set_new(views, v->gw_ref, view);
		}
		metrics = gw_metrics(svc->gw);
	}
	pthread_mutex_lock(&svc->lock);
	old_views = svc->bgp_views;
	old_metrics = svc->metrics;
	svc->bgp_views = views;
	svc->metrics = metrics;
	pthread_mutex_unlock(&svc->lock);
	json_decref(old_views);
	free(old_metrics);
}

static void service_on_publish(evutil_socket_t fd, short what, void *arg)
{
	service_publish(arg);
}

json_t *service_bgp_view(void *arg, const char *vgw_id, char *why, size_t n)
{
	struct service *svc = arg;
	json_t *view = NULL, *v;
	const char *key;

	pthread_mutex_lock(&svc->lock);
	if (!svc->snap || !svc->snap->gw_running) {
		snprintf(why, n, "%s", svc->snap ? svc->snap->why : "the gateway is starting");
	} else {
		json_object_foreach(svc->bgp_views, key, v)
		{
			if (strcasecmp(key, vgw_id) == 0) {
				view = json_incref(v);
				break;
			}
		}
		if (!view)
			snprintf(why, n, "%s",
				 svc->pending ? "the gateway has not taken this gateway's changes yet"
					      : "the gateway has not started this gateway's BGP "
						"speaker (see the daemon's Route log if it stays so)");
	}
	pthread_mutex_unlock(&svc->lock);
	return view;
}

char *service_metrics(void *arg)
{
	struct service *svc = arg;
	char *text;

	pthread_mutex_lock(&svc->lock);
	text = svc->metrics ? strdup(svc->metrics) : NULL;
	pthread_mutex_unlock(&svc->lock);
	return text;
}

bool service_ready(void *arg, char *why, size_t n)
{
	struct service *svc = arg;
	bool ok;

	pthread_mutex_lock(&svc->lock);
	ok = svc->snap && svc->snap->gw_running;
	if (!ok)
		snprintf(why, n, "the gateway is not running: %s",
			 svc->snap ? svc->snap->why : "it is starting");
	pthread_mutex_unlock(&svc->lock);
	return ok;
}

/* Azure's diagnostic levels. */
static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERR:
		return "Error";
	case LOG_LVL_WARN:
		return "Warning";
	case LOG_LVL_INFO:
		return "Informational";
	default:
		return "Verbose";
	}
}

size_t service_conn_events_api(void *arg, const char *conn_id, uint64_t after,
			       struct api_event *out, size_t max, uint64_t *dropped)
{
	struct service *svc = arg;
	struct evlog_event *ev = calloc(max ? max : 1, sizeof(*ev));
	size_t n;

	if (!ev)
		return 0;
	/* evlog has a lock of its own: any thread may read. */
	n = evlog_read(svc->events, conn_id, after, ev, max, dropped);
	for (size_t i = 0; i < n; i++) {
		out[i].seq = ev[i].seq;
		out[i].time_ms = ev[i].time_ms;
		snprintf(out[i].level, sizeof(out[i].level), "%s", level_name(ev[i].level));
		snprintf(out[i].category, sizeof(out[i].category), "%s",
			 log_category_azure(ev[i].category));
		snprintf(out[i].operation, sizeof(out[i].operation), "%s", ev[i].operation);
		snprintf(out[i].message, sizeof(out[i].message), "%s", ev[i].message);
	}
	free(ev);
	return n;
}

void service_conn_status(void *arg, const char *conn_id, struct api_conn_status *out)
{
	struct service *svc = arg;
	const struct snapshot *s;

	snprintf(out->status, sizeof(out->status), "NotConnected");
	pthread_mutex_lock(&svc->lock);
	s = svc->snap;
	if (!s) {
		snprintf(out->reason, sizeof(out->reason), "the gateway is starting");
	} else if (!s->gw_running) {
		snprintf(out->reason, sizeof(out->reason), "%s", s->why);
		out->changed = s->why_since;
	} else {
		unsigned int i;

		for (i = 0; i < s->n; i++)
			if (strcasecmp(s->conns[i].id, conn_id) == 0)
				break;
		if (i < s->n)
			*out = s->conns[i].st;
		else
			snprintf(out->reason, sizeof(out->reason), "%s",
				 svc->pending ? "the gateway has not taken this connection yet"
					      : "the gateway has not taken this connection yet (see "
						"the daemon's log if it stays so)");
	}
	pthread_mutex_unlock(&svc->lock);
}

/* ---- the control loop ---------------------------------------------------------------------------- */

static void on_skipped(void *arg, const char *ref, const char *why)
{
	struct service *svc = arg;

	if (svc->n_skips == svc->cap_skips) {
		unsigned int cap = svc->cap_skips ? svc->cap_skips * 2 : 8;
		struct skip *p = realloc(svc->skips, cap * sizeof(*p));

		if (!p)
			return;
		svc->skips = p;
		svc->cap_skips = cap;
	}
	snprintf(svc->skips[svc->n_skips].ref, GW_REF_MAX, "%s", ref);
	snprintf(svc->skips[svc->n_skips].why, RECONCILE_WHY_MAX, "%s", why);
	svc->n_skips++;
}

/* The service keeps the desired state for names and peers; the keys are the gateway's. */
static void desired_drop_keys(struct gw_desired *d)
{
	for (unsigned int i = 0; i < d->n_conns; i++) {
		secret_free(d->conns[i].psk);
		d->conns[i].psk = NULL;
	}
}

static void service_reconcile(struct service *svc)
{
	struct gw_desired *d = calloc(1, sizeof(*d));

	if (d) {
		d->max_vnets = svc->opt.max_vnets;
		d->max_conns = svc->opt.max_conns;
	}
	struct reconcile_report rep = {.skipped = on_skipped, .arg = svc};
	uint64_t t0 = clock_now_ns();
	int r;

	if (!d)
		return;
	svc->n_skips = 0;
	r = reconcile_build(svc->store, svc->netns_prefix, d, &rep);
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
	desired_drop_keys(d);
	if (svc->desired) {
		gw_desired_clear(svc->desired);
		free(svc->desired);
	}
	svc->desired = d;
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

/* What the API thread asked for: changes first (a reset acts on what they say), then resets. */
static void service_on_run(evutil_socket_t fd, short what, void *arg)
{
	struct service *svc = arg;
	char resets[SERVICE_RESETS_MAX][GW_REF_MAX];
	unsigned int n_resets;
	bool pending;

	svc->last_run_ns = clock_now_ns();
	pthread_mutex_lock(&svc->lock);
	pending = svc->pending;
	svc->pending = false;
	n_resets = svc->n_resets;
	memcpy(resets, svc->resets, sizeof(resets[0]) * n_resets);
	svc->n_resets = 0;
	pthread_mutex_unlock(&svc->lock);
	if (pending)
		service_reconcile(svc);
	for (unsigned int i = 0; i < n_resets; i++)
		service_reset_gateway(svc, resets[i]);
	service_publish(svc);
}

/* The API thread has news: a run now, or once RECONCILE_GAP_MS has passed since the last. */
static void service_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct service *svc = arg;
	uint64_t v, now = clock_now_ns(), next = svc->last_run_ns + RECONCILE_GAP_MS * CLOCK_NS_PER_MS;
	struct timeval tv = {0, 0};

	if (read(fd, &v, sizeof(v)) < 0)
		v = 0;
	if (evtimer_pending(svc->ev_run, NULL))
		return; /* a run is already due: it takes this too */
	if (svc->last_run_ns && next > now)
		tv.tv_usec = (suseconds_t)((next - now) / 1000);
	evtimer_add(svc->ev_run, &tv);
}

static void service_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct service *svc = arg;

	service_reconcile(svc);
	service_publish(svc);
}

static void service_wake(struct service *svc)
{
	uint64_t one = 1;

	/* An eventfd adds up: many wakes before the loop reads it are one wake-up. */
	if (write(svc->wake_fd, &one, sizeof(one)) != sizeof(one))
		log_err("Gateway", "cannot wake the control loop: %s", strerror(errno));
}

void service_changed(void *arg, const char *id)
{
	struct service *svc = arg;

	log_debug("Gateway", "changed: %s", id);
	pthread_mutex_lock(&svc->lock);
	svc->pending = true;
	pthread_mutex_unlock(&svc->lock);
	service_wake(svc);
}

void service_reset(void *arg, const char *vgw_id)
{
	struct service *svc = arg;
	unsigned int i;
	bool queued = false, dropped = false;

	if (!vgw_id)
		return;
	pthread_mutex_lock(&svc->lock);
	for (i = 0; i < svc->n_resets; i++)
		if (strcasecmp(svc->resets[i], vgw_id) == 0)
			break; /* already queued: one reset */
	if (i == svc->n_resets) {
		if (i == SERVICE_RESETS_MAX) {
			dropped = true;
		} else {
			snprintf(svc->resets[svc->n_resets++], GW_REF_MAX, "%s", vgw_id);
			queued = true;
		}
	}
	pthread_mutex_unlock(&svc->lock);
	if (dropped)
		log_warn("Gateway", "reset of %s dropped: %u resets already wait for the loop",
			 vgw_id, i);
	if (queued) {
		log_info("Gateway", "reset of %s requested", vgw_id);
		service_wake(svc);
	}
}

int service_new(struct service **out, struct event_base *base, struct store *s,
		const struct service_options *o)
{
	struct service *svc = calloc(1, sizeof(*svc));
	struct timeval every = {0, STATUS_PUBLISH_MS * 1000};
	int r;

	if (!svc)
		return -ENOMEM;
	svc->base = base;
	svc->store = s;
	svc->opt = *o;
	svc->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&svc->lock, NULL);
	snprintf(svc->netns_prefix, sizeof(svc->netns_prefix), "%s",
		 o->netns_prefix ? o->netns_prefix : "vnet-");
	if (svc->wake_fd >= 0)
		svc->ev_wake =
			event_new(base, svc->wake_fd, EV_READ | EV_PERSIST, service_on_wake, svc);
	svc->ev_run = evtimer_new(base, service_on_run, svc);
	svc->ev_retry = evtimer_new(base, service_on_retry, svc);
	svc->ev_publish = event_new(base, -1, EV_PERSIST, service_on_publish, svc);
	r = evlog_new(&svc->events, o->conn_events ? o->conn_events : EVLOG_DEFAULT_PER_CONN);
	if (r < 0 || !svc->ev_wake || !svc->ev_run || !svc->ev_retry || !svc->ev_publish ||
	    event_add(svc->ev_wake, NULL) || event_add(svc->ev_publish, &every)) {
		service_free(svc);
		return r < 0 ? r : -ENOMEM;
	}
	/* Start-up: the store is the truth, a restart restores every tunnel. */
	service_reconcile(svc);
	service_publish(svc);
	*out = svc;
	return 0;
}

void service_free(struct service *svc)
{
	if (!svc)
		return;
	if (svc->ev_wake)
		event_free(svc->ev_wake);
	if (svc->ev_run)
		event_free(svc->ev_run);
	if (svc->ev_retry)
		event_free(svc->ev_retry);
	if (svc->ev_publish)
		event_free(svc->ev_publish);
	if (svc->wake_fd >= 0)
		close(svc->wake_fd);
	service_stop_gateway(svc);
	evlog_free(svc->events);
	if (svc->desired) {
		gw_desired_clear(svc->desired);
		free(svc->desired);
	}
	free(svc->skips);
	free(svc->snap);
	json_decref(svc->bgp_views);
	free(svc->metrics);
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}

size_t service_conn_events(void *arg, const char *conn_id, uint64_t after,
			   struct evlog_event *out, size_t max, uint64_t *dropped)
{
	struct service *svc = arg;

	/* evlog has a lock of its own: any thread may read. */
	return evlog_read(svc->events, conn_id, after, out, max, dropped);
}
