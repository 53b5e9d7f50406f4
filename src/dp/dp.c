/* SPDX-License-Identifier: MIT */
/*
 * dp: the control side of the data plane, run in the caller's thread. It makes what needs
 * privileges and may take milliseconds (namespaces, TUN devices, addresses and routes over
 * netlink, SA contexts) and hands the result to the worker as a message; it never touches the
 * worker's state (the queues between them are chan.c's). Also IKE datagrams sent with the
 * non-ESP marker on the shared NAT-T port (RFC 3948 2.2).
 */
#include "dp/dp.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp/dp_impl.h"
#include "dp/inner.h"
#include "dp/netns.h"
#include "dp/nl.h"
#include "dp/tun.h"
#include "lib/log.h"

#define DP_TUN_TXQLEN 4096

/* What the control side remembers of a VNet: enough to route through its TUN. */
struct dp_cvnet {
	uint32_t id;
	char netns[NETNS_NAME_MAX + 1];
	int nsfd;
	int tun_fd; /* the workers use it; it is ours to close */
	struct nl *nl;
	int ifindex;
	struct dp_cvnet *next;
};

/* ... and of a connection: the routes it put into its VNet. */
struct dp_cconn {
	uint32_t id, vnet_id;
	struct prefix *prefixes;
	size_t n_prefixes;
	struct prefix *learned; /* dp_conn_routes: masked, sorted, unique */
	size_t n_learned;
	struct dp_cconn *next;
};

#define DP_WORKERS_MAX 2

struct dp {
	struct dp_config cfg;
	struct sock_set socks;
	/* Worker 0 encapsulates (and decapsulates too when it is alone), worker 1 decapsulates. */
	unsigned n_workers;
	struct dp_chan chan[DP_WORKERS_MAX];
	struct dp_worker *worker[DP_WORKERS_MAX];
	struct dp_upq upq;
	struct dp_cvnet *vnets;
	struct dp_cconn *conns;
};

const char *dp_drop_name(enum dp_drop d)
{
	static const char *const names[DP_DROP__COUNT] = {
		[DP_DROP_NOT_IP] = "not-ip",
		[DP_DROP_NO_ROUTE] = "no-route",
		[DP_DROP_NO_SA] = "no-sa",
		[DP_DROP_RATE_OUT] = "rate-out",
		[DP_DROP_RATE_IN] = "rate-in",
		[DP_DROP_ESP] = "esp",
		[DP_DROP_SOURCE] = "source-not-allowed",
		[DP_DROP_TUN_WRITE] = "tun-write",
		[DP_DROP_SEND] = "send",
		[DP_DROP_TOO_BIG] = "too-big",
		[DP_DROP_UPCALL_QUEUE] = "upcall-queue-full",
	};

	return (unsigned)d < DP_DROP__COUNT ? names[d] : "?";
}

/* ---- upcalls (chan.c holds the queues) ------------------------------------------------------- */

int dp_upcall_fd(const struct dp *dp)
{
	return dp->upq.efd;
}

int dp_upcall_next(struct dp *dp, struct dp_upcall *out)
{
	return dp_upq_next(&dp->upq, out);
}

/* The worker that holds the SAs of direction dir. */
static struct dp_chan *dp_chan_for(struct dp *dp, enum esp_dir dir)
{
	return &dp->chan[dp->n_workers == 1 || dir == ESP_DIR_OUT ? 0 : 1];
}

/*
 * Send m to every worker, each a copy (answers are written into it). If one fails, undo (if
 * not NULL) goes to those that had accepted. The first error, or 0.
 */
static int dp_call_all(struct dp *dp, const struct dp_msg *m, const struct dp_msg *undo)
{
	struct dp_msg *c = malloc(sizeof(*c));
	unsigned i, k;
	int r = 0;

	if (!c)
		return -ENOMEM;
	for (i = 0; i < dp->n_workers && r == 0; i++) {
		*c = *m;
		r = dp_chan_call(&dp->chan[i], c);
	}
	for (k = 0; r < 0 && undo && k + 1 < i; k++) {
		*c = *undo;
		dp_chan_call(&dp->chan[k], c);
	}
	free(c);
	return r;
}

/* The stats structures are uint64_t counters only: add src into dst one by one. */
static void dp_add_counters(void *dst, const void *src, size_t bytes)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	size_t i;

	for (i = 0; i < bytes / sizeof(uint64_t); i++)
		d[i] += s[i];
}
_Static_assert(sizeof(struct dp_conn_stats) % sizeof(uint64_t) == 0, "counters only");
_Static_assert(sizeof(struct dp_vnet_stats) % sizeof(uint64_t) == 0, "counters only");
_Static_assert(sizeof(struct dp_stats) % sizeof(uint64_t) == 0, "counters only");

/* ---- life cycle ------------------------------------------------------------------------------ */

struct dp_sock_arg {
	struct sock_set *socks;
	const struct dp_config *cfg;
};

static int dp_sock_open_here(void *arg)
{
	struct dp_sock_arg *a = arg;
	struct sockaddr_storage ss;

	addr_to_sockaddr(&a->cfg->public_addr, 0, &ss);
	return sock_set_open(a->socks, (struct sockaddr *)&ss, a->cfg->port_ike, a->cfg->port_natt);
}

/* Deep socket buffers absorb bursts between two worker wakeups (root may exceed rmem_max). */
static void dp_sock_tune(const struct sock_set *s)
{
	int size = 4 << 20, k;

	for (k = 0; k < SOCK_KIND_COUNT; k++) {
		if (k == SOCK_KIND_IKE)
			continue;
		if (setsockopt(s->fd[k], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(s->fd[k], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		if (setsockopt(s->fd[k], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(s->fd[k], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
}

static void dp_stop(struct dp *dp)
{
	unsigned i;

	for (i = 0; i < DP_WORKERS_MAX; i++) {
		dp_worker_stop(dp->worker[i]);
		dp->worker[i] = NULL;
	}
	sock_set_close(&dp->socks);
	for (i = 0; i < DP_WORKERS_MAX; i++)
		dp_chan_fini(&dp->chan[i]);
	dp_upq_fini(&dp->upq);
}

int dp_new(struct dp **out, const struct dp_config *cfg)
{
	struct dp *dp = calloc(1, sizeof(*dp));
	struct dp_sock_arg a;
	char txt[ADDR_STR_MAX];
	unsigned i;
	int r, k;

	if (!dp)
		return -ENOMEM;
	dp->cfg = *cfg;
	if (!dp->cfg.tunnel_mtu)
		dp->cfg.tunnel_mtu = INNER_TUNNEL_MTU;
	dp->n_workers = cfg->workers == 1 ? 1 : 2;
	for (k = 0; k < SOCK_KIND_COUNT; k++)
		dp->socks.fd[k] = -1;
	r = dp_upq_init(&dp->upq);
	for (i = 0; i < dp->n_workers && r == 0; i++)
		r = dp_chan_init(&dp->chan[i]);
	if (r < 0)
		goto fail;
	a = (struct dp_sock_arg){.socks = &dp->socks, .cfg = &dp->cfg};
	r = cfg->public_nsfd >= 0 ? netns_run_in(cfg->public_nsfd, dp_sock_open_here, &a)
				  : dp_sock_open_here(&a);
	if (r < 0)
		goto fail;
	dp_sock_tune(&dp->socks);
	if (dp->n_workers == 1)
		r = dp_worker_start(&dp->worker[0], &dp->chan[0], &dp->upq, &dp->socks,
				    DP_WORKER_TX | DP_WORKER_RX);
	else
		r = dp_worker_start(&dp->worker[0], &dp->chan[0], &dp->upq, &dp->socks,
				    DP_WORKER_TX)
			    ?: dp_worker_start(&dp->worker[1], &dp->chan[1], &dp->upq, &dp->socks,
					       DP_WORKER_RX);
	if (r < 0)
		goto fail;
	log_info("Gateway", "data plane on %s (IKE %u, NAT-T %u, raw ESP), %u worker thread%s",
		 addr_print(&cfg->public_addr, txt, sizeof(txt)), dp->socks.port_ike,
		 dp->socks.port_natt, dp->n_workers, dp->n_workers > 1 ? "s" : "");
	*out = dp;
	return 0;
fail:
	log_err("Gateway", "data plane: start failed: %s", strerror(-r));
	dp_stop(dp);
	free(dp);
	return r;
}

static void dp_cvnet_free(struct dp_cvnet *v)
{
	nl_close(v->nl);
	if (v->nsfd >= 0)
		close(v->nsfd);
	if (v->tun_fd >= 0)
		close(v->tun_fd);
	free(v);
}

void dp_free(struct dp *dp)
{
	struct dp_cvnet *v;
	struct dp_cconn *c;

	if (!dp)
		return;
	/* Workers first: they use the TUN fds closed below. */
	dp_stop(dp);
	while ((c = dp->conns)) {
		dp->conns = c->next;
		free(c->prefixes);
		free(c);
	}
	while ((v = dp->vnets)) {
		dp->vnets = v->next;
		dp_cvnet_free(v);
	}
	free(dp);
}

/* ---- VNets ----------------------------------------------------------------------------------- */

static struct dp_cvnet *dp_cvnet_find(struct dp *dp, uint32_t id)
{
	struct dp_cvnet *v;

	for (v = dp->vnets; v && v->id != id; v = v->next)
		;
	return v;
}

static int dp_write_sysctl(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

/* In the VNet's namespace: it routes between workloads' veths and the TUN. */
static int dp_forwarding_here(void *arg)
{
	(void)arg;
	int r = dp_write_sysctl("/proc/sys/net/ipv4/ip_forward");

	/* IPv6 may be disabled on the host; IPv4 forwarding is what matters then. */
	dp_write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding");
	return r;
}

static int dp_vnet_addr(struct dp_cvnet *v, const struct prefix *p)
{
	int r;

	if (p->addr.family == 0)
		return 0;
	r = nl_addr_add(v->nl, v->ifindex, p->addr.family, p->addr.bytes, (uint8_t)p->len);
	return r == -EEXIST ? 0 : r;
}

int dp_vnet_add(struct dp *dp, const struct dp_vnet_params *p)
{
	struct dp_msg *m = NULL;
	struct dp_cvnet *v;
	bool created = false;
	int r;

	if (!p->netns || !p->tun || strlen(p->netns) > NETNS_NAME_MAX ||
	    strlen(p->tun) >= IFNAMSIZ || p->gateway.addr.family != AF_INET)
		return -EINVAL;
	if (dp_cvnet_find(dp, p->id))
		return -EEXIST;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->id = p->id;
	v->nsfd = -1;
	v->tun_fd = -1;
	snprintf(v->netns, sizeof(v->netns), "%s", p->netns);
	r = netns_create(p->netns);
	if (r == -EEXIST)
		log_info("Gateway", "vnet %u: reusing namespace %s", p->id, p->netns);
	else if (r < 0)
		goto fail;
	else
		created = true;
	v->nsfd = netns_open(p->netns);
	if (v->nsfd < 0) {
		r = v->nsfd;
		goto fail;
	}
	v->tun_fd = tun_open_queue_vnet(v->nsfd, p->tun);
	if (v->tun_fd < 0) {
		r = v->tun_fd;
		goto fail;
	}
	r = nl_open(&v->nl, v->nsfd);
	if (r < 0)
		goto fail;
	v->ifindex = nl_link_index(v->nl, p->tun);
	r = v->ifindex < 0 ? v->ifindex : nl_link_set(v->nl, v->ifindex, true, dp->cfg.tunnel_mtu);
	/*
	 * The queue between the VNet's stack and the worker absorbs the worker's scheduling
	 * delays; 500 packets (the default) is 5 ms at 1 Gbit/s, less than a busy host's delay.
	 */
	r = r ?: nl_link_set_txqlen(v->nl, v->ifindex, DP_TUN_TXQLEN);
	r = r ?: dp_vnet_addr(v, &p->gateway);
	r = r ?: dp_vnet_addr(v, &p->gateway6);
	r = r ?: netns_run_in(v->nsfd, dp_forwarding_here, NULL);
	if (r < 0)
		goto fail;

	m = calloc(2, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto fail;
	}
	m[0] = (struct dp_msg){.kind = DP_MSG_VNET_ADD, .id = p->id, .tun_fd = v->tun_fd};
	m[1] = (struct dp_msg){.kind = DP_MSG_VNET_DEL, .id = p->id};
	r = dp_call_all(dp, &m[0], &m[1]);
	if (r < 0)
		goto fail;
	free(m);
	v->next = dp->vnets;
	dp->vnets = v;
	log_info("Gateway", "vnet %u: namespace %s, interface %s", p->id, p->netns, p->tun);
	return 0;
fail:
	log_err("Gateway", "vnet %u: cannot set up %s in namespace %s: %s", p->id, p->tun, p->netns,
		strerror(-r));
	free(m);
	dp_cvnet_free(v);
	if (created)
		netns_delete(p->netns);
	return r;
}

int dp_vnet_remove(struct dp *dp, uint32_t id)
{
	struct dp_cvnet *v = dp_cvnet_find(dp, id), **pp;
	struct dp_msg *m;
	int r;

	if (!v)
		return -ENOENT;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*m = (struct dp_msg){.kind = DP_MSG_VNET_DEL, .id = id};
	/* -EBUSY comes from the first worker, before anything changed. */
	r = dp_call_all(dp, m, NULL);
	free(m);
	if (r < 0)
		return r;
	for (pp = &dp->vnets; *pp != v; pp = &(*pp)->next)
		;
	*pp = v->next;
	r = netns_delete(v->netns);
	if (r < 0)
		log_warn("Gateway", "vnet %u: namespace %s: %s", id, v->netns, strerror(-r));
	log_info("Gateway", "vnet %u removed", id);
	dp_cvnet_free(v);
	return 0;
}

/* ---- connections ----------------------------------------------------------------------------- */

static struct dp_cconn *dp_cconn_find(struct dp *dp, uint32_t id)
{
	struct dp_cconn *c;

	for (c = dp->conns; c && c->id != id; c = c->next)
		;
	return c;
}

static int dp_prefix_cmp(const void *a, const void *b)
{
	return prefix_compare(a, b);
}

/* p in a sorted list (dp_cconn.learned). */
static bool dp_prefix_learned(const struct prefix *sorted, size_t n, const struct prefix *p)
{
	return n && bsearch(p, sorted, n, sizeof(*sorted), dp_prefix_cmp);
}

/* True if another connection of the VNet still routes p (the route must stay). */
static bool dp_prefix_in_use(struct dp *dp, const struct dp_cconn *except, uint32_t vnet_id,
			     const struct prefix *p)
{
	struct dp_cconn *c;
	size_t i;

	for (c = dp->conns; c; c = c->next) {
		if (c == except || c->vnet_id != vnet_id)
			continue;
		for (i = 0; i < c->n_prefixes; i++)
			if (prefix_equal(&c->prefixes[i], p))
				return true;
		if (dp_prefix_learned(c->learned, c->n_learned, p))
			return true;
	}
	return false;
}

static bool dp_prefix_listed(const struct prefix *list, size_t n, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_equal(&list[i], p))
			return true;
	return false;
}

static int dp_route(struct dp_cvnet *v, const struct prefix *p, bool add)
{
	char txt[PREFIX_STR_MAX];
	int r;

	if (add)
		r = nl_route_replace(v->nl, p->addr.family, p->addr.bytes, (uint8_t)p->len,
				     v->ifindex);
	else
		r = nl_route_del(v->nl, p->addr.family, p->addr.bytes, (uint8_t)p->len, v->ifindex);
	if (r == -ESRCH && !add)
		r = 0;
	if (r < 0)
		log_err("Route", "vnet %u: %s route %s: %s", v->id, add ? "add" : "delete",
			prefix_print(p, txt, sizeof(txt)), strerror(-r));
	return r;
}

/* A message for p with masked prefixes, or NULL (-EINVAL / -ENOMEM in *err). */
static struct dp_msg *dp_conn_msg(struct dp *dp, enum dp_msg_kind kind,
				  const struct dp_conn_params *p, int *err)
{
	struct dp_msg *m;
	size_t i;

	*err = -EINVAL;
	if (p->n_prefixes > DP_CONN_PREFIXES_MAX || (p->n_prefixes && !p->prefixes) ||
	    p->peer.family != dp->cfg.public_addr.family)
		return NULL;
	for (i = 0; i < p->n_prefixes; i++)
		if (p->prefixes[i].addr.family != AF_INET && p->prefixes[i].addr.family != AF_INET6)
			return NULL;
	*err = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->kind = kind;
	m->id = p->id;
	m->vnet_id = p->vnet_id;
	m->peer = p->peer;
	m->rate_bps = p->rate_bps;
	m->n_prefixes = p->n_prefixes;
	for (i = 0; i < p->n_prefixes; i++) {
		m->prefixes[i] = p->prefixes[i];
		prefix_mask(&m->prefixes[i]);
	}
	return m;
}

static int dp_cconn_set(struct dp_cconn *c, const struct dp_msg *m)
{
	struct prefix *p = calloc(m->n_prefixes ? m->n_prefixes : 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	memcpy(p, m->prefixes, m->n_prefixes * sizeof(*p));
	free(c->prefixes);
	c->prefixes = p;
	c->n_prefixes = m->n_prefixes;
	return 0;
}

int dp_conn_add(struct dp *dp, const struct dp_conn_params *p)
{
	struct dp_cvnet *v = dp_cvnet_find(dp, p->vnet_id);
	struct dp_cconn *c = NULL;
	struct dp_msg *m;
	size_t i, routed = 0;
	int r;

	if (!v)
		return -ENOENT;
	if (dp_cconn_find(dp, p->id))
		return -EEXIST;
	m = dp_conn_msg(dp, DP_MSG_CONN_ADD, p, &r);
	if (!m)
		return r;
	c = calloc(1, sizeof(*c));
	r = c ? dp_cconn_set(c, m) : -ENOMEM;
	if (r < 0)
		goto out;
	c->id = p->id;
	c->vnet_id = p->vnet_id;
	/* The lane its peer's IKE waits in (chan.c), before the workers can use it. */
	r = dp_upq_lane_add(&dp->upq, p->id);
	if (r < 0)
		goto out;
	/* Routes first: the worker's table then never names a site the VNet cannot reach. */
	for (routed = 0; routed < m->n_prefixes && r == 0; routed++)
		r = dp_route(v, &m->prefixes[routed], true);
	if (r == 0) {
		struct dp_msg undo = {.kind = DP_MSG_CONN_DEL, .id = p->id};
		r = dp_call_all(dp, m, &undo);
	}
	if (r == 0) {
		c->next = dp->conns;
		dp->conns = c;
		c = NULL;
		log_info("Tunnel", "conn %u: added to vnet %u with %zu prefixes", p->id, p->vnet_id,
			 m->n_prefixes);
	} else {
		for (i = 0; i < routed; i++)
			if (!dp_prefix_in_use(dp, NULL, p->vnet_id, &m->prefixes[i]))
				dp_route(v, &m->prefixes[i], false);
		dp_upq_lane_del(&dp->upq, p->id);
	}
out:
	if (c)
		free(c->prefixes);
	free(c);
	free(m);
	return r;
}

int dp_conn_update(struct dp *dp, const struct dp_conn_params *p)
{
	struct dp_cconn *c = dp_cconn_find(dp, p->id);
	struct dp_cvnet *v;
	struct dp_msg *m;
	size_t i;
	int r;

	if (!c)
		return -ENOENT;
	if (c->vnet_id != p->vnet_id)
		return -EINVAL;
	v = dp_cvnet_find(dp, c->vnet_id);
	m = dp_conn_msg(dp, DP_MSG_CONN_UPDATE, p, &r);
	if (!m)
		return r;
	r = 0;
	for (i = 0; i < m->n_prefixes && r == 0; i++)
		r = dp_route(v, &m->prefixes[i], true);
	r = r ?: dp_call_all(dp, m, NULL);
	if (r == 0) {
		/* Withdraw what the connection no longer has, unless a sibling still routes it. */
		for (i = 0; i < c->n_prefixes; i++)
			if (!dp_prefix_listed(m->prefixes, m->n_prefixes, &c->prefixes[i]) &&
			    !dp_prefix_learned(c->learned, c->n_learned, &c->prefixes[i]) &&
			    !dp_prefix_in_use(dp, c, c->vnet_id, &c->prefixes[i]))
				dp_route(v, &c->prefixes[i], false);
		r = dp_cconn_set(c, m);
	}
	free(m);
	return r;
}

int dp_conn_remove(struct dp *dp, uint32_t id)
{
	struct dp_cconn *c = dp_cconn_find(dp, id), **pp;
	struct dp_msg m = {.kind = DP_MSG_CONN_DEL, .id = id};
	struct dp_cvnet *v;
	size_t i;
	int r;

	if (!c)
		return -ENOENT;
	r = dp_call_all(dp, &m, NULL);
	if (r < 0)
		return r;
	for (pp = &dp->conns; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	v = dp_cvnet_find(dp, c->vnet_id);
	for (i = 0; v && i < c->n_prefixes; i++)
		if (!dp_prefix_in_use(dp, c, c->vnet_id, &c->prefixes[i]))
			dp_route(v, &c->prefixes[i], false);
	for (i = 0; v && i < c->n_learned; i++)
		if (!dp_prefix_listed(c->prefixes, c->n_prefixes, &c->learned[i]) &&
		    !dp_prefix_in_use(dp, c, c->vnet_id, &c->learned[i]))
			dp_route(v, &c->learned[i], false);
	dp_upq_lane_del(&dp->upq, id);
	log_info("Tunnel", "conn %u: removed", id);
	free(c->prefixes);
	free(c->learned);
	free(c);
	return 0;
}

/* A route of c that nothing routes any more once c's set is keep (sorted): take it out. */
static void dp_route_unused(struct dp *dp, struct dp_cvnet *v, const struct dp_cconn *c,
			    const struct prefix *keep, size_t n_keep, const struct prefix *p)
{
	if (!dp_prefix_learned(keep, n_keep, p) &&
	    !dp_prefix_listed(c->prefixes, c->n_prefixes, p) &&
	    !dp_prefix_in_use(dp, c, c->vnet_id, p))
		dp_route(v, p, false);
}

int dp_conn_routes(struct dp *dp, uint32_t id, const struct prefix *routes, size_t n)
{
	struct dp_cconn *c = dp_cconn_find(dp, id);
	struct dp_msg *m = NULL;
	struct prefix *nr = NULL;
	struct dp_cvnet *v;
	size_t i, k = 0, added = 0;
	int r = 0;

	if (!c)
		return -ENOENT;
	v = dp_cvnet_find(dp, c->vnet_id);
	for (i = 0; i < n; i++)
		if (routes[i].addr.family != AF_INET && routes[i].addr.family != AF_INET6)
			return -EINVAL;
	nr = malloc((n ? n : 1) * sizeof(*nr));
	m = calloc(1, sizeof(*m));
	if (!nr || !m || !v) {
		r = v ? -ENOMEM : -ENOENT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		nr[i] = routes[i];
		prefix_mask(&nr[i]);
	}
	qsort(nr, n, sizeof(*nr), dp_prefix_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || !prefix_equal(&nr[k - 1], &nr[i]))
			nr[k++] = nr[i];
	/* Kernel routes first, as dp_conn_add: the table never names what the VNet cannot reach. */
	for (added = 0; added < k && r == 0; added++)
		if (!dp_prefix_learned(c->learned, c->n_learned, &nr[added]))
			r = dp_route(v, &nr[added], true);
	if (r == 0) {
		*m = (struct dp_msg){
			.kind = DP_MSG_CONN_ROUTES, .id = id, .routes = nr, .n_routes = k};
		r = dp_call_all(dp, m, NULL);
	}
	if (r < 0) {
		/* The old set stays: take out only what this call added. */
		for (i = 0; i < added; i++)
			if (!dp_prefix_learned(c->learned, c->n_learned, &nr[i]))
				dp_route_unused(dp, v, c, c->learned, c->n_learned, &nr[i]);
		goto out;
	}
	for (i = 0; i < c->n_learned; i++)
		dp_route_unused(dp, v, c, nr, k, &c->learned[i]);
	free(c->learned);
	c->learned = nr;
	c->n_learned = k;
	nr = NULL;
out:
	free(nr);
	free(m);
	return r;
}

int dp_vnet_addr_add(struct dp *dp, uint32_t vnet_id, const struct addr *a)
{
	struct dp_cvnet *v = dp_cvnet_find(dp, vnet_id);
	struct prefix p;

	if (!v)
		return -ENOENT;
	prefix_from_addr(&p, a);
	return dp_vnet_addr(v, &p);
}

struct dp_socket_args {
	int domain, type, protocol;
};

static int dp_socket_here(void *arg)
{
	const struct dp_socket_args *a = arg;
	int fd = socket(a->domain, a->type | SOCK_NONBLOCK | SOCK_CLOEXEC, a->protocol);

	return fd < 0 ? -errno : fd;
}

int dp_vnet_socket(struct dp *dp, uint32_t vnet_id, int domain, int type, int protocol)
{
	struct dp_cvnet *v = dp_cvnet_find(dp, vnet_id);
	struct dp_socket_args a = {domain, type, protocol};

	if (!v)
		return -ENOENT;
	return netns_run_in(v->nsfd, dp_socket_here, &a);
}

/* ---- SAs ------------------------------------------------------------------------------------- */

int dp_spi_alloc(struct dp *dp, uint32_t *spi)
{
	struct dp_msg m = {.kind = DP_MSG_SPI_ALLOC};
	int r = dp_chan_call(dp_chan_for(dp, ESP_DIR_IN), &m);

	if (r == 0)
		*spi = m.spi;
	return r;
}

int dp_sa_install(struct dp *dp, const struct dp_sa_params *p)
{
	struct dp_msg m = {.kind = DP_MSG_SA_ADD, .id = p->conn_id};
	int r;

	if (p->esp.dir == ESP_DIR_OUT && p->encap != DP_ENCAP_RAW && p->encap != DP_ENCAP_UDP)
		return -EINVAL;
	/* The cipher contexts are prepared here, off the data-plane thread. */
	r = esp_sa_new(&m.sa, &p->esp);
	if (r < 0)
		return r;
	m.encap = p->encap;
	m.peer_port = p->peer_port ? p->peer_port : 4500;
	r = dp_chan_call(dp_chan_for(dp, p->esp.dir), &m);
	if (r < 0)
		log_warn("Tunnel", "conn %u: %s SA 0x%08x not installed: %s", p->conn_id,
			 p->esp.dir == ESP_DIR_IN ? "inbound" : "outbound", p->esp.spi,
			 strerror(-r));
	return r;
}

int dp_sa_remove(struct dp *dp, uint32_t conn_id, uint32_t spi, enum esp_dir dir)
{
	struct dp_msg m = {.kind = DP_MSG_SA_DEL, .id = conn_id, .spi = spi, .dir = dir};

	return dp_chan_call(dp_chan_for(dp, dir), &m);
}

/* ---- queries --------------------------------------------------------------------------------- */

/* Ask every worker (each counts its own direction) and add the answers up into out. */
static int dp_query_all(struct dp *dp, enum dp_msg_kind kind, uint32_t id, void *out, size_t len)
{
	struct dp_msg m;
	unsigned i;
	int r;

	memset(out, 0, len);
	for (i = 0; i < dp->n_workers; i++) {
		m = (struct dp_msg){.kind = kind, .id = id};
		r = dp_chan_call(&dp->chan[i], &m);
		if (r < 0)
			return r;
		dp_add_counters(out, &m.out, len);
	}
	return 0;
}

int dp_conn_stats(struct dp *dp, uint32_t id, struct dp_conn_stats *out)
{
	return dp_query_all(dp, DP_MSG_CONN_STATS, id, out, sizeof(*out));
}

int dp_vnet_stats(struct dp *dp, uint32_t id, struct dp_vnet_stats *out)
{
	return dp_query_all(dp, DP_MSG_VNET_STATS, id, out, sizeof(*out));
}

int dp_stats(struct dp *dp, struct dp_stats *out)
{
	struct dp_upq_drops d;
	int r = dp_query_all(dp, DP_MSG_STATS, 0, out, sizeof(*out));

	if (r < 0)
		return r;
	dp_upq_drops(&dp->upq, &d);
	out->upcall_drops_peers = d.peers;
	out->upcall_drops_strangers = d.strangers;
	out->upcall_drops_events = d.events;
	return 0;
}

int dp_sa_info(struct dp *dp, uint32_t conn_id, uint32_t spi, enum esp_dir dir,
	       struct dp_sa_info *out)
{
	struct dp_msg m = {.kind = DP_MSG_SA_INFO, .id = conn_id, .spi = spi, .dir = dir};
	int r = dp_chan_call(dp_chan_for(dp, dir), &m);

	if (r == 0)
		*out = m.out.sa;
	return r;
}

/* ---- IKE out --------------------------------------------------------------------------------- */

int dp_ike_send(struct dp *dp, const struct addr *peer, uint16_t peer_port, bool natt,
		const void *msg, size_t len)
{
	static const uint8_t marker[4]; /* RFC 3948 2.2: four zero octets where an SPI would be */
	struct sockaddr_storage to;
	struct iovec iov[2] = {
		{.iov_base = (void *)marker, .iov_len = natt ? sizeof(marker) : 0},
		{.iov_base = (void *)msg, .iov_len = len},
	};
	struct msghdr mh = {.msg_name = &to, .msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	if (peer->family != dp->cfg.public_addr.family)
		return -EAFNOSUPPORT;
	mh.msg_namelen = addr_to_sockaddr(peer, peer_port, &to);
	/* sendmsg on a socket the worker reads from is safe: the kernel serialises them. */
	n = sendmsg(dp->socks.fd[natt ? SOCK_KIND_NATT : SOCK_KIND_IKE], &mh, 0);
	if (n < 0)
		return -errno;
	return (int)(n - (ssize_t)iov[0].iov_len);
}
