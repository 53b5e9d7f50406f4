/* SPDX-License-Identifier: MIT */
/*
 * worker: a data-plane thread. By default there are two per dp, split by direction: the TX
 * worker reads the VNets' TUNs (TSO: up to 64 KiB per read, cut by dp/gso), routes by longest
 * prefix, shapes, encrypts (RFC 4303 3.3) and sends (sendmmsg, UDP GSO runs); the RX worker
 * reads the public sockets (recvmmsg, UDP GRO), decrypts (RFC 4303 3.4, RFC 3948 framing),
 * checks the inner source, shapes and writes TCP runs to the TUN as one GSO packet (dp/gro).
 * Each owns its direction's SAs, buckets and counters, so the packet path takes no lock and
 * allocates nothing; control messages are applied between batches. Packets over a connection's
 * rate wait in its shaper queue (dp/shaper.h); the worker releases them as tokens come, waking
 * for the earliest when nothing else does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dp/dp_impl.h"
#include "dp/gro.h"
#include "dp/gso.h"
#include "dp/inner.h"
#include "dp/shaper.h"
#include "dp/tun.h"
#include "esp/sad.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/lpm.h"

#define DP_BATCH     64
#define DP_PKT_CAP   4096
#define DP_HEADROOM  64	  /* ESP header and IV (ESP_HEADROOM_MAX), rounded up */
#define DP_EVENTS    16
/* UDP GSO/GRO (RFC 3948 ESP-in-UDP): datagrams per UDP_SEGMENT send, bytes per GRO receive. */
#define DP_GSO_SEGS  64
#define DP_GSO_BYTES 65000
#define DP_GRO_BATCH 8
#define DP_GRO_CAP   65536
#define DP_TSO_CAP   (TUN_VNET_HDR_LEN + 65536 + 1)

enum dp_poll_kind {
	DP_POLL_CTL,
	DP_POLL_SOCK,
	DP_POLL_TUN,
};

/* What an epoll event points at. */
struct dp_pollref {
	enum dp_poll_kind kind;
	enum sock_kind sock;
	struct dp_vnet *vnet;
};

struct dp_vnet {
	uint32_t id;
	int fd;
	struct lpm *routes; /* prefix -> struct dp_conn */
	unsigned n_conns;
	struct dp_pollref ref;
	struct dp_vnet_stats st;
	struct dp_vnet *next;
};

struct dp_out_sa {
	struct esp_sa *sa; /* NULL: none, packets are dropped (DP_DROP_NO_SA) */
	enum dp_encap encap;
	uint16_t peer_port;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint64_t installed_ns, last_ns;
};

struct dp_conn {
	uint32_t id;
	struct dp_vnet *vnet;
	struct addr peer;
	struct prefix *prefixes;
	size_t n_prefixes;
	struct prefix *learned; /* DP_MSG_CONN_ROUTES: BGP's best routes through it */
	size_t n_learned;
	struct lpm *allowed; /* both sets: which inner sources the site may use */
	struct shaper rate_in, rate_out;
	struct shaper_queue wait_in, wait_out; /* slots only in the worker of that direction */
	struct dp_out_sa out;
	struct dp_conn_stats st;
	struct hmap_node peer_node; /* in the worker's peers, by peer address */
	struct dp_conn *next;
};

struct dp_pkt {
	uint8_t mem[DP_PKT_CAP];
};

/*
 * Encrypted packets waiting for one sendmmsg on one public socket. On the UDP socket, runs of
 * datagrams of one size to one peer leave as one UDP_SEGMENT (GSO) message: the kernel then
 * carries each run as one buffer down to the wire, or to the peer when it is local.
 */
struct dp_txq {
	int fd;
	bool gso;
	unsigned n;
	struct iovec iov[DP_BATCH];
	struct dp_conn *conn[DP_BATCH];
	uint32_t inner_len[DP_BATCH];
	/* Messages built at flush time: one per packet, or per run with GSO. */
	struct mmsghdr mh[DP_BATCH];
	unsigned first[DP_BATCH], count[DP_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[DP_BATCH];
};

struct dp_worker {
	struct dp_chan *chan;
	struct dp_upq *upq;
	unsigned dirs; /* enum dp_worker_dirs */
	struct sock_set socks;
	int epfd;
	pthread_t thread;
	bool started, running;
	uint64_t now;
	bool backlog; /* some shaper queue may hold packets: dp_shape_service looks */

	struct dp_pollref ctl_ref, sock_ref[SOCK_KIND_COUNT];
	struct dp_vnet *vnets;
	struct dp_conn *conns;
	struct hmap peers; /* connections by their peer's address (IKE upcall lanes) */
	struct esp_sad *sad; /* inbound SAs by SPI, each tagged with its connection (esp_sa_tag) */
	struct dp_stats st;

	struct dp_pkt *pkts; /* DP_BATCH, reused by every batch */
	uint8_t *tso_mem;    /* one TUN read: a virtio header and up to 64 KiB (TSO) */
	struct sock_msg msgs[DP_BATCH];
	/* Decrypted TCP segments waiting to go to a TUN as one write. */
	struct gro gro_tun;
	/* UDP GRO on the NAT-T socket: coalesced receives, split here by their segment size. */
	bool gro;
	uint8_t *gro_mem;     /* DP_GRO_BATCH x DP_GRO_CAP */
	struct dp_txq txq[2]; /* by enum dp_encap */
	struct dp_upcall up;  /* scratch for building one upcall */
	struct log_ratelimit rl;
	uint64_t no_sa_window; /* DP_UPCALL_ESP_NO_SA: the current second and its count */
	unsigned no_sa_n;
};

/* ---- connections by their peer's address (SPEC §1: one connection per remote IP) --------- */

static uint64_t dp_peer_hash(const struct dp_worker *w, const struct addr *a)
{
	uint8_t key[17];

	memcpy(key, a->bytes, 16);
	key[16] = (uint8_t)a->family;
	return hmap_hash(&w->peers, key, sizeof(key));
}

static void dp_peer_add(struct dp_worker *w, struct dp_conn *c)
{
	hmap_insert(&w->peers, &c->peer_node, dp_peer_hash(w, &c->peer));
}

static void dp_peer_del(struct dp_worker *w, struct dp_conn *c)
{
	hmap_remove(&w->peers, &c->peer_node);
}

/* The id of the connection whose peer is a, 0 when none. */
static uint32_t dp_peer_conn(const struct dp_worker *w, const struct addr *a)
{
	uint64_t h = dp_peer_hash(w, a);

	for (struct hmap_node *n = hmap_first(&w->peers, h); n; n = hmap_next(n, h)) {
		struct dp_conn *c = hmap_entry(n, struct dp_conn, peer_node);

		if (addr_equal(&c->peer, a))
			return c->id;
	}
	return 0;
}

/* ---- upcalls -------------------------------------------------------------------------------- */

static void dp_upcall_ike(struct dp_worker *w, struct buf *msg, const struct sockaddr_storage *from,
			  bool natt)
{
	struct dp_upcall *u = &w->up;
	size_t len = buf_left(msg);

	if (len > DP_IKE_MAX) {
		w->st.drops[DP_DROP_TOO_BIG]++;
		return;
	}
	u->kind = DP_UPCALL_IKE;
	if (addr_from_sockaddr(&u->peer, &u->peer_port, (const struct sockaddr *)from,
			       sizeof(*from)) < 0)
		return;
	u->natt = natt;
	u->len = len;
	buf_get_bytes(msg, u->data, len);
	w->st.rx_ike++;
	/* In the lane of the connection whose peer sent it, if any: fair to every peer. */
	if (!dp_upq_put(w->upq, dp_peer_conn(w, &u->peer), u, len))
		w->st.drops[DP_DROP_UPCALL_QUEUE]++;
}

static void dp_upcall_life(struct dp_worker *w, const struct esp_result *res, uint32_t conn_id)
{
	struct dp_upcall *u = &w->up;

	u->kind = DP_UPCALL_SA_LIFE;
	u->len = 0;
	u->spi = esp_sa_spi(res->sa);
	u->dir = esp_sa_dir(res->sa);
	u->conn_id = conn_id;
	u->life = res->life_event;
	if (!dp_upq_put(w->upq, 0, u, 0))
		w->st.drops[DP_DROP_UPCALL_QUEUE]++;
}

/*
 * ESP for an SPI we do not know: the control plane may answer with INVALID_SPI or start the
 * connection (RFC 7296 2.21.4). Bounded per second of the batch clock, so a flood costs two
 * comparisons a packet and no lock.
 */
static void dp_upcall_no_sa(struct dp_worker *w, const struct buf *b,
			    const struct sockaddr_storage *from, bool natt)
{
	struct dp_upcall *u = &w->up;
	uint32_t spi;

	if (w->now - w->no_sa_window >= CLOCK_NS_PER_SEC) {
		w->no_sa_window = w->now;
		w->no_sa_n = 0;
	}
	if (w->no_sa_n >= DP_NO_SA_UPCALLS_PER_S || buf_peek_be32(b, 0, &spi) < 0)
		return;
	w->no_sa_n++;
	u->kind = DP_UPCALL_ESP_NO_SA;
	if (addr_from_sockaddr(&u->peer, &u->peer_port, (const struct sockaddr *)from,
			       sizeof(*from)) < 0)
		return;
	u->natt = natt;
	u->len = 0;
	u->spi = spi;
	u->dir = ESP_DIR_IN;
	u->conn_id = 0;
	if (!dp_upq_put(w->upq, 0, u, 0))
		w->st.drops[DP_DROP_UPCALL_QUEUE]++;
}

/* ---- inbound: public sockets -> ESP -> TUN ----------------------------------------------------
 */

/* Write what the TUN run holds (if anything) and count it for its connection. */
static void dp_gro_flush(struct dp_worker *w)
{
	struct gro *g = &w->gro_tun;
	struct dp_conn *c = (struct dp_conn *)g->owner;

	if (g->n == 0)
		return;
	if (gro_write(g) < 0) {
		c->st.drops[DP_DROP_TUN_WRITE] += g->n;
	} else {
		c->st.packets_in += g->n;
		c->st.bytes_in += g->bytes;
		c->vnet->st.packets_to_tun += g->n;
		c->vnet->st.writes_to_tun++;
	}
	gro_reset(g);
}

/* Towards the VNet: joined to the pending TCP run when it can be, else on its own. */
static void dp_tun_out(struct dp_worker *w, struct dp_conn *c, struct buf *b)
{
	static const uint8_t plain[TUN_VNET_HDR_LEN]; /* no GSO, no checksum offload */
	struct iovec iov[2] = {
		{.iov_base = (void *)plain, .iov_len = sizeof(plain)},
		{.iov_base = buf_data_mut(b), .iov_len = buf_left(b)},
	};

	if (gro_offer(&w->gro_tun, c->vnet->fd, c, b))
		goto check;
	dp_gro_flush(w);
	if (gro_offer(&w->gro_tun, c->vnet->fd, c, b))
		goto check;
	if (writev(c->vnet->fd, iov, 2) < 0) {
		c->st.drops[DP_DROP_TUN_WRITE]++;
		return;
	}
	c->st.packets_in++;
	c->st.bytes_in += iov[1].iov_len;
	c->vnet->st.packets_to_tun++;
	c->vnet->st.writes_to_tun++;
	return;
check:
	/* A short or PUSH segment ends a run: nothing more will join it. */
	if (w->gro_tun.closed)
		dp_gro_flush(w);
}

static void dp_deliver(struct dp_worker *w, struct buf *b, int r, const struct esp_result *res)
{
	struct esp_sa_tag *tag = res->sa ? esp_sa_tag(res->sa) : NULL;
	struct dp_conn *c = tag ? tag->owner : NULL;
	struct addr src, dst;

	if (res->life_event != ESP_LIFE_OK)
		dp_upcall_life(w, res, c ? c->id : 0);
	if (r < 0) {
		if (c) {
			c->st.drops[DP_DROP_ESP]++;
			c->st.esp_drops[res->drop]++;
		}
		return; /* counted in w->st.esp_in by reason */
	}
	if (!c) {
		w->st.drops[DP_DROP_ESP]++;
		return;
	}
	tag->last_ns = w->now;
	/* SPEC §4: the inner source must be one of the site's prefixes. */
	if (inner_addrs(b, &src, &dst) < 0 || !lpm_lookup(c->allowed, &src)) {
		c->st.drops[DP_DROP_SOURCE]++;
		return;
	}
	inner_clamp_mss(b, INNER_MSS_V4, INNER_MSS_V6);
	switch (shaper_offer(&c->rate_in, &c->wait_in, b, w->now)) {
	case SHAPER_PASS:
		dp_tun_out(w, c, b);
		break;
	case SHAPER_QUEUED:
		w->backlog = true;
		break;
	case SHAPER_DROP:
		break; /* counted by the bucket: DP_DROP_RATE_IN */
	}
}

static void dp_rx_buf(struct dp_worker *w, enum sock_kind kind, struct buf *b,
		      const struct sockaddr_storage *peer)
{
	struct esp_result res = {0};
	int r;

	switch (kind) {
	case SOCK_KIND_IKE:
		dp_upcall_ike(w, b, peer, false);
		return;
	case SOCK_KIND_NATT:
		switch (esp_udp_classify(b)) {
		case ESP_UDP_IKE:
			buf_skip(b, 4); /* RFC 3948 2.2: IKE gets the message without the marker */
			dp_upcall_ike(w, b, peer, true);
			return;
		case ESP_UDP_KEEPALIVE:
			w->st.rx_keepalive++;
			return;
		default:
			w->st.rx_esp_udp++;
			r = esp_decap_udp(w->sad, b, &w->st.esp_in, &res);
			break;
		}
		break;
	case SOCK_KIND_ESP:
	default:
		w->st.rx_esp_raw++;
		/* IPv4 raw sockets deliver the outer header too; IPv6 ones do not. */
		if (w->socks.family == AF_INET)
			r = esp_decap_raw(w->sad, b, &w->st.esp_in, &res);
		else
			r = esp_decap(w->sad, b, &w->st.esp_in, &res);
		break;
	}
	/* esp_decap left b at the SPI when it found no SA. */
	if (r == -ENOENT && res.drop == ESP_DROP_NO_SA)
		dp_upcall_no_sa(w, b, peer, kind == SOCK_KIND_NATT);
	dp_deliver(w, b, r, &res);
}

static void dp_rx_sock(struct dp_worker *w, enum sock_kind kind)
{
	struct buf b;
	int i, n;

	for (i = 0; i < DP_BATCH; i++)
		w->msgs[i] = (struct sock_msg){.data = w->pkts[i].mem, .len = DP_PKT_CAP};
	n = sock_recv_batch(&w->socks, kind, w->msgs, DP_BATCH);
	if (n < 0) {
		log_rl(&w->rl, LOG_LVL_WARN, "Gateway", "receive on public socket: %s",
		       strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		if (w->msgs[i].len == 0 ||
		    buf_init_room(&b, w->msgs[i].data, DP_PKT_CAP, 0, w->msgs[i].len) < 0) {
			w->st.drops[DP_DROP_TOO_BIG]++; /* truncated by the kernel */
			continue;
		}
		dp_rx_buf(w, kind, &b, &w->msgs[i].peer);
	}
	dp_gro_flush(w); /* the buffers are reused by the next batch */
}

/* The segment size of a GRO receive (UDP_GRO control message), or 0 for one datagram. */
static uint16_t dp_gro_size(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int v;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return (uint16_t)v;
		}
	return 0;
}

/* The NAT-T socket with UDP_GRO: each receive may hold a run of equal-sized datagrams. */
static void dp_rx_gro(struct dp_worker *w)
{
	struct mmsghdr mh[DP_GRO_BATCH];
	struct iovec iov[DP_GRO_BATCH];
	struct sockaddr_storage peer[DP_GRO_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[DP_GRO_BATCH];
	size_t off, len, seg, gso;
	uint8_t *mem;
	struct buf b;
	int i, n;

	memset(mh, 0, sizeof(mh));
	for (i = 0; i < DP_GRO_BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = w->gro_mem + (size_t)i * DP_GRO_CAP,
					.iov_len = DP_GRO_CAP};
		mh[i].msg_hdr = (struct msghdr){.msg_name = &peer[i],
						.msg_namelen = sizeof(peer[i]),
						.msg_iov = &iov[i],
						.msg_iovlen = 1,
						.msg_control = ctl[i].buf,
						.msg_controllen = sizeof(ctl[i].buf)};
	}
	n = recvmmsg(w->socks.fd[SOCK_KIND_NATT], mh, DP_GRO_BATCH, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		mem = iov[i].iov_base;
		len = mh[i].msg_len;
		if (mh[i].msg_hdr.msg_flags & MSG_TRUNC) {
			w->st.drops[DP_DROP_TOO_BIG]++;
			continue;
		}
		gso = dp_gro_size(&mh[i].msg_hdr);
		if (gso == 0)
			gso = len;
		for (off = 0; off < len; off += seg) {
			seg = len - off < gso ? len - off : gso;
			/* Each datagram is a buffer of its own, bounded to its bytes. */
			if (buf_init_room(&b, mem + off, seg, 0, seg) == 0)
				dp_rx_buf(w, SOCK_KIND_NATT, &b, &peer[i]);
		}
	}
	dp_gro_flush(w); /* the buffers are reused by the next batch */
}

/* ---- outbound: TUN -> route -> ESP -> public sockets ------------------------------------------
 */

/* Group the queue into messages: one per datagram, or per GSO run. Returns the count. */
static unsigned dp_txq_build(struct dp_txq *q)
{
	unsigned g = 0, k = 0, j;
	size_t seg, total;
	struct cmsghdr *cm;

	while (k < q->n) {
		seg = total = q->iov[k].iov_len;
		j = k + 1;
		/* A run: one peer, one size; only its last datagram may be shorter. */
		while (q->gso && j < q->n && j - k < DP_GSO_SEGS && q->conn[j] == q->conn[k] &&
		       q->iov[j].iov_len <= seg && total + q->iov[j].iov_len <= DP_GSO_BYTES) {
			total += q->iov[j].iov_len;
			if (q->iov[j++].iov_len < seg)
				break;
		}
		q->mh[g].msg_hdr = (struct msghdr){
			.msg_name = &q->conn[k]->out.to,
			.msg_namelen = q->conn[k]->out.tolen,
			.msg_iov = &q->iov[k],
			.msg_iovlen = j - k,
		};
		if (j - k > 1) {
			uint16_t size = (uint16_t)seg;

			q->mh[g].msg_hdr.msg_control = q->ctl[g].buf;
			q->mh[g].msg_hdr.msg_controllen = sizeof(q->ctl[g].buf);
			cm = CMSG_FIRSTHDR(&q->mh[g].msg_hdr);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(size));
			memcpy(CMSG_DATA(cm), &size, sizeof(size));
		}
		q->first[g] = k;
		q->count[g] = j - k;
		g++;
		k = j;
	}
	return g;
}

static void dp_txq_account(struct dp_txq *q, unsigned g, bool sent)
{
	unsigned k;

	for (k = q->first[g]; k < q->first[g] + q->count[g]; k++) {
		if (!sent) {
			q->conn[k]->st.drops[DP_DROP_SEND]++;
			continue;
		}
		q->conn[k]->st.packets_out++;
		q->conn[k]->st.bytes_out += q->inner_len[k];
	}
}

static void dp_txq_flush(struct dp_worker *w, struct dp_txq *q)
{
	unsigned done = 0, n, g, from;
	bool waited = false;
	int r;

	n = dp_txq_build(q);
	while (done < n) {
		r = sendmmsg(q->fd, q->mh + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS) && !waited) {
			/* A full socket buffer: wait for it briefly rather than drop a burst. */
			struct pollfd p = {.fd = q->fd, .events = POLLOUT};
			poll(&p, 1, 1);
			waited = true;
			continue;
		}
		if (r < 0 && q->count[done] > 1 && (errno == EIO || errno == EINVAL)) {
			/* The route cannot do UDP GSO: send one by one from now on. */
			log_warn("Gateway", "UDP GSO refused (%s): sending datagrams singly",
				 strerror(errno));
			q->gso = false;
			from = q->first[done];
			q->n -= from;
			memmove(q->iov, q->iov + from, q->n * sizeof(q->iov[0]));
			memmove(q->conn, q->conn + from, q->n * sizeof(q->conn[0]));
			memmove(q->inner_len, q->inner_len + from, q->n * sizeof(q->inner_len[0]));
			dp_txq_flush(w, q);
			return;
		}
		if (r <= 0) {
			/* Refused (unreachable peer, full buffer): drop this message alone. */
			dp_txq_account(q, done, false);
			done++;
			continue;
		}
		for (g = done; g < done + (unsigned)r; g++)
			dp_txq_account(q, g, true);
		done += (unsigned)r;
	}
	q->n = 0;
}

/* Encrypt an inner packet of c (headroom and tailroom around it) and queue it for sending. */
static void dp_tx_send(struct dp_worker *w, struct dp_conn *c, struct buf *b)
{
	struct esp_result res = {0};
	uint32_t len = (uint32_t)buf_left(b);
	struct dp_txq *q;

	if (!c->out.sa) { /* removed while the packet waited in the shaper's queue */
		c->st.drops[DP_DROP_NO_SA]++;
		return;
	}
	if (esp_encap(c->out.sa, b, &w->st.esp_out, &res) < 0) {
		c->st.drops[DP_DROP_ESP]++;
		c->st.esp_drops[res.drop]++;
		if (res.life_event != ESP_LIFE_OK)
			dp_upcall_life(w, &res, c->id);
		return;
	}
	if (res.life_event != ESP_LIFE_OK)
		dp_upcall_life(w, &res, c->id);
	c->out.last_ns = w->now;
	q = &w->txq[c->out.encap];
	q->iov[q->n] = (struct iovec){.iov_base = buf_data_mut(b), .iov_len = buf_left(b)};
	q->conn[q->n] = c;
	q->inner_len[q->n] = (uint32_t)len;
	q->n++;
}

static void dp_tx_one(struct dp_worker *w, struct dp_vnet *v, uint8_t *mem, size_t len)
{
	struct addr src, dst;
	struct dp_conn *c;
	struct buf b;

	v->st.packets_from_tun++;
	if (buf_init_room(&b, mem, DP_PKT_CAP, DP_HEADROOM, len) < 0 ||
	    inner_addrs(&b, &src, &dst) < 0) {
		v->st.drops[DP_DROP_NOT_IP]++;
		return;
	}
	/* SPEC §4: longest prefix in this VNet's table only; no match never leaves the VNet. */
	c = lpm_lookup(v->routes, &dst);
	if (!c) {
		v->st.drops[DP_DROP_NO_ROUTE]++;
		return;
	}
	if (!c->out.sa) {
		c->st.drops[DP_DROP_NO_SA]++;
		return;
	}
	inner_clamp_mss(&b, INNER_MSS_V4, INNER_MSS_V6);
	switch (shaper_offer(&c->rate_out, &c->wait_out, &b, w->now)) {
	case SHAPER_PASS:
		dp_tx_send(w, c, &b);
		break;
	case SHAPER_QUEUED:
		w->backlog = true;
		break;
	case SHAPER_DROP:
		break; /* counted by the bucket: DP_DROP_RATE_OUT */
	}
}

static void dp_tx_flush(struct dp_worker *w)
{
	dp_txq_flush(w, &w->txq[DP_ENCAP_RAW]);
	dp_txq_flush(w, &w->txq[DP_ENCAP_UDP]);
}

/*
 * One TUN read: a plain packet (its partial checksum completed) or a TCP super-packet cut into
 * segments, each into a packet buffer of its own (*slot counts them; a full set is sent first).
 */
static void dp_tx_read(struct dp_worker *w, struct dp_vnet *v, size_t n, unsigned *slot)
{
	struct gso_hdr h;
	struct buf b, out;
	int count, k;

	buf_init_room(&b, w->tso_mem, n, 0, n);
	if (gso_hdr_get(&b, &h) < 0 || (count = gso_count(&b, &h)) < 0) {
		v->st.drops[DP_DROP_NOT_IP]++;
		return;
	}
	if (count == 1 && gso_csum_finish(&b, &h) < 0) {
		v->st.drops[DP_DROP_NOT_IP]++;
		return;
	}
	for (k = 0; k < count; k++) {
		if (*slot == DP_BATCH) {
			dp_tx_flush(w); /* the buffers are about to be reused */
			*slot = 0;
		}
		/* Room behind the packet for the ESP trailer. */
		buf_init_write(&out, w->pkts[*slot].mem + DP_HEADROOM,
			       DP_PKT_CAP - DP_HEADROOM - ESP_TAILROOM_MAX);
		if (count == 1 ? buf_put_buf(&out, &b) : gso_segment(&b, &h, (unsigned)k, &out)) {
			v->st.drops[DP_DROP_TOO_BIG]++;
			continue;
		}
		dp_tx_one(w, v, w->pkts[*slot].mem, buf_left(&out));
		(*slot)++;
	}
}

static void dp_rx_tun(struct dp_worker *w, struct dp_vnet *v)
{
	unsigned slot = 0;
	ssize_t n;
	int i;

	for (i = 0; i < DP_BATCH; i++) {
		n = tun_read(v->fd, w->tso_mem, DP_TSO_CAP);
		if (n <= 0)
			break;
		if ((size_t)n >= DP_TSO_CAP) {
			v->st.drops[DP_DROP_TOO_BIG]++;
			continue;
		}
		v->st.reads_from_tun++;
		dp_tx_read(w, v, (size_t)n, &slot);
	}
	/* The buffers are reused by the next batch: everything queued leaves now. */
	dp_tx_flush(w);
}

/* ---- shaping: the packets waiting for their tokens ------------------------------------------- */

/*
 * Release what the shaper queues may let go now, in order per connection, and send it. Returns
 * the epoll timeout (ms, rounded up) until the earliest packet still waiting may go, or -1
 * when none waits. Everything released is sent or written before returning: the queues' slots
 * are then free to take new packets.
 */
static int dp_shape_service(struct dp_worker *w)
{
	uint64_t next = UINT64_MAX, t;
	struct dp_conn *c;
	struct buf b;

	if (!w->backlog)
		return -1;
	w->now = clock_now_ns();
	for (c = w->conns; c; c = c->next) {
		while (shaper_release(&c->rate_out, &c->wait_out, w->now, &b)) {
			if (w->txq[DP_ENCAP_RAW].n == DP_BATCH ||
			    w->txq[DP_ENCAP_UDP].n == DP_BATCH)
				dp_tx_flush(w);
			dp_tx_send(w, c, &b);
		}
		while (shaper_release(&c->rate_in, &c->wait_in, w->now, &b))
			dp_tun_out(w, c, &b);
		t = shaper_next_ns(&c->rate_out, &c->wait_out, w->now);
		next = t < next ? t : next;
		t = shaper_next_ns(&c->rate_in, &c->wait_in, w->now);
		next = t < next ? t : next;
	}
	dp_tx_flush(w);
	dp_gro_flush(w);
	if (next == UINT64_MAX) {
		w->backlog = false;
		return -1;
	}
	/* Tokens accrue while we sleep (the bucket holds 50 ms): a coarse wake loses none. */
	return next >= 1000ull * 1000000 ? 1000 : (int)((next + 999999) / 1000000);
}

/* ---- control messages ------------------------------------------------------------------------ */

static struct dp_vnet *dp_vnet_find(struct dp_worker *w, uint32_t id)
{
	struct dp_vnet *v;

	for (v = w->vnets; v && v->id != id; v = v->next)
		;
	return v;
}

static struct dp_conn *dp_conn_find(struct dp_worker *w, uint32_t id)
{
	struct dp_conn *c;

	for (c = w->conns; c && c->id != id; c = c->next)
		;
	return c;
}

/*
 * A table of prefixes -> connections for VNet v, or for connection only (allowed sources).
 * Built whole and swapped, so a failure leaves the old table working. The connections' own
 * prefixes first; a learned route goes in only where no connection has the prefix already
 * (a site's configured prefix beats a route some BGP peer announces for it).
 */
static int dp_table_build(struct dp_worker *w, struct dp_vnet *v, struct dp_conn *only,
			  struct lpm **out)
{
	struct lpm *t = lpm_new();
	struct dp_conn *c;
	size_t i;
	int r = 0;

	if (!t)
		return -ENOMEM;
	for (c = w->conns; c && r == 0; c = c->next) {
		if ((only && c != only) || (!only && c->vnet != v))
			continue;
		for (i = 0; i < c->n_prefixes && r == 0; i++)
			r = lpm_insert(t, &c->prefixes[i], c, NULL);
	}
	for (c = w->conns; c && r == 0; c = c->next) {
		if ((only && c != only) || (!only && c->vnet != v))
			continue;
		for (i = 0; i < c->n_learned && r == 0; i++)
			if (!lpm_get(t, &c->learned[i]))
				r = lpm_insert(t, &c->learned[i], c, NULL);
	}
	if (r < 0) {
		lpm_free(t);
		return r;
	}
	*out = t;
	return 0;
}

static int dp_vnet_rebuild(struct dp_worker *w, struct dp_vnet *v)
{
	struct lpm *t;
	int r = dp_table_build(w, v, NULL, &t);

	if (r == 0) {
		lpm_free(v->routes);
		v->routes = t;
	}
	return r;
}

static void dp_out_set_peer(struct dp_worker *w, struct dp_conn *c)
{
	/* Raw ESP has no port; an IPv6 raw socket even refuses one. */
	uint16_t port = c->out.encap == DP_ENCAP_UDP ? c->out.peer_port : 0;

	(void)w;
	c->out.tolen = addr_to_sockaddr(&c->peer, port, &c->out.to);
}

static int dp_msg_vnet_add(struct dp_worker *w, struct dp_msg *m)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct dp_vnet *v;

	if (dp_vnet_find(w, m->id))
		return -EEXIST;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->routes = lpm_new();
	if (!v->routes) {
		free(v);
		return -ENOMEM;
	}
	v->id = m->id;
	v->fd = m->tun_fd;
	v->ref = (struct dp_pollref){.kind = DP_POLL_TUN, .vnet = v};
	ev.data.ptr = &v->ref;
	/* Only the encapsulating worker reads the TUN; the other one only writes to it. */
	if ((w->dirs & DP_WORKER_TX) && epoll_ctl(w->epfd, EPOLL_CTL_ADD, v->fd, &ev) < 0) {
		int r = -errno;
		lpm_free(v->routes);
		free(v);
		return r;
	}
	v->next = w->vnets;
	w->vnets = v;
	return 0;
}

static void dp_vnet_unlink(struct dp_worker *w, struct dp_vnet *v)
{
	struct dp_vnet **p;

	for (p = &w->vnets; *p != v; p = &(*p)->next)
		;
	*p = v->next;
	if (w->dirs & DP_WORKER_TX)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, v->fd, NULL);
	lpm_free(v->routes);
}

static int dp_msg_vnet_del(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_vnet *v = dp_vnet_find(w, m->id);

	if (!v)
		return -ENOENT;
	if (v->n_conns)
		return -EBUSY;
	dp_vnet_unlink(w, v);
	free(v);
	return 0;
}

static int dp_conn_set_prefixes(struct dp_worker *w, struct dp_conn *c, const struct dp_msg *m)
{
	struct prefix *p = calloc(m->n_prefixes ? m->n_prefixes : 1, sizeof(*p));
	struct prefix *old_p = c->prefixes;
	size_t i, old_n = c->n_prefixes;
	struct lpm *allowed = NULL;
	int r;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < m->n_prefixes; i++) {
		p[i] = m->prefixes[i];
		prefix_mask(&p[i]);
	}
	c->prefixes = p;
	c->n_prefixes = m->n_prefixes;
	r = dp_table_build(w, NULL, c, &allowed);
	if (r == 0)
		r = dp_vnet_rebuild(w, c->vnet);
	if (r < 0) {
		c->prefixes = old_p;
		c->n_prefixes = old_n;
		free(p);
		if (allowed)
			lpm_free(allowed);
		return r;
	}
	free(old_p);
	lpm_free(c->allowed);
	c->allowed = allowed;
	return 0;
}

/*
 * The shaper queue of each direction this worker serves, allocated once the connection is
 * shaped. Without memory the queue stays empty: packets over the rate are then dropped, as by
 * a policer, and nothing else changes.
 */
static void dp_conn_alloc_queues(struct dp_worker *w, struct dp_conn *c)
{
	uint32_t out = shaper_queue_slots(c->rate_out.rate_bps);
	uint32_t in = shaper_queue_slots(c->rate_in.rate_bps);

	/* A new rate (an SKU resize) gets a queue of its size once the old one has drained. */
	if (c->wait_out.slots != out && c->wait_out.count == 0)
		shaper_queue_free(&c->wait_out);
	if (c->wait_in.slots != in && c->wait_in.count == 0)
		shaper_queue_free(&c->wait_in);
	if ((w->dirs & DP_WORKER_TX) && out && !c->wait_out.slots &&
	    shaper_queue_init(&c->wait_out, out, SHAPER_QUEUE_SLOT_SIZE, DP_HEADROOM,
			      ESP_TAILROOM_MAX) < 0)
		log_warn("Gateway", "connection %u: no memory for its outbound shaper queue",
			 c->id);
	if ((w->dirs & DP_WORKER_RX) && in && !c->wait_in.slots &&
	    shaper_queue_init(&c->wait_in, in, SHAPER_QUEUE_SLOT_SIZE, 0, 0) < 0)
		log_warn("Gateway", "connection %u: no memory for its inbound shaper queue", c->id);
}

static int dp_msg_conn_add(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_vnet *v = dp_vnet_find(w, m->vnet_id);
	struct dp_conn *c;
	int r;

	if (!v)
		return -ENOENT;
	if (dp_conn_find(w, m->id))
		return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->id = m->id;
	c->vnet = v;
	c->peer = m->peer;
	shaper_init(&c->rate_in, m->rate_bps, 0, w->now);
	shaper_init(&c->rate_out, m->rate_bps, 0, w->now);
	dp_conn_alloc_queues(w, c);
	c->next = w->conns;
	w->conns = c;
	r = dp_conn_set_prefixes(w, c, m);
	if (r < 0)
		w->conns = c->next;
	else
		dp_peer_add(w, c);
	if (r < 0) {
		shaper_queue_free(&c->wait_in);
		shaper_queue_free(&c->wait_out);
		free(c);
		return r;
	}
	v->n_conns++;
	return 0;
}

static int dp_msg_conn_update(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c = dp_conn_find(w, m->id);
	int r;

	if (!c)
		return -ENOENT;
	if (c->vnet->id != m->vnet_id)
		return -EINVAL;
	r = dp_conn_set_prefixes(w, c, m);
	if (r < 0)
		return r;
	shaper_set_rate(&c->rate_in, m->rate_bps, 0, w->now);
	shaper_set_rate(&c->rate_out, m->rate_bps, 0, w->now);
	dp_conn_alloc_queues(w, c);
	dp_peer_del(w, c);
	c->peer = m->peer;
	dp_peer_add(w, c);
	if (c->out.sa)
		dp_out_set_peer(w, c);
	return 0;
}

static int dp_msg_conn_routes(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c = dp_conn_find(w, m->id);
	struct prefix *old_p, *p;
	struct lpm *allowed = NULL;
	size_t old_n;
	int r;

	if (!c)
		return -ENOENT;
	p = malloc((m->n_routes ? m->n_routes : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p, m->routes, m->n_routes * sizeof(*p));
	old_p = c->learned;
	old_n = c->n_learned;
	c->learned = p;
	c->n_learned = m->n_routes;
	r = dp_table_build(w, NULL, c, &allowed);
	if (r == 0)
		r = dp_vnet_rebuild(w, c->vnet);
	if (r < 0) {
		c->learned = old_p;
		c->n_learned = old_n;
		free(p);
		lpm_free(allowed);
		return r;
	}
	free(old_p);
	lpm_free(c->allowed);
	c->allowed = allowed;
	return 0;
}

static void dp_conn_destroy(struct dp_worker *w, struct dp_conn *c)
{
	struct dp_conn **p;

	for (p = &w->conns; *p != c; p = &(*p)->next)
		;
	*p = c->next;
	dp_peer_del(w, c);
	esp_sad_del_owned(w->sad, c);
	esp_sa_free(c->out.sa);
	lpm_free(c->allowed);
	free(c->prefixes);
	free(c->learned);
	shaper_queue_free(&c->wait_in);
	shaper_queue_free(&c->wait_out);
	c->vnet->n_conns--;
	free(c);
}

static int dp_msg_conn_del(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c = dp_conn_find(w, m->id);
	struct dp_vnet *v;

	if (!c)
		return -ENOENT;
	v = c->vnet;
	dp_conn_destroy(w, c);
	/* A failed rebuild keeps the old table, whose entries may name c: never allowed. */
	if (dp_vnet_rebuild(w, v) < 0) {
		lpm_free(v->routes);
		v->routes = lpm_new();
		log_err("Route", "vnet %u: out of memory rebuilding its table: routes cleared",
			v->id);
		return v->routes ? 0 : -ENOMEM;
	}
	return 0;
}

static int dp_msg_sa_add(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c = dp_conn_find(w, m->id);
	struct esp_sa *sa = m->sa;
	int r;

	m->sa = NULL; /* ours now, whatever happens */
	if (!c) {
		esp_sa_free(sa);
		return -ENOENT;
	}
	if (esp_sa_dir(sa) == ESP_DIR_OUT) {
		esp_sa_free(c->out.sa);
		c->out = (struct dp_out_sa){.sa = sa,
					    .encap = m->encap,
					    .peer_port = m->peer_port,
					    .installed_ns = w->now};
		dp_out_set_peer(w, c);
		return 0;
	}
	*esp_sa_tag(sa) = (struct esp_sa_tag){.owner = c, .installed_ns = w->now};
	r = esp_sad_add(w->sad, sa);
	if (r < 0)
		esp_sa_free(sa);
	return r;
}

/* The connection's current outbound SA if it has this SPI (the peer chose it: never by SPI alone). */
static struct dp_conn *dp_out_of(struct dp_worker *w, uint32_t conn_id, uint32_t spi)
{
	struct dp_conn *c = dp_conn_find(w, conn_id);

	return c && c->out.sa && esp_sa_spi(c->out.sa) == spi ? c : NULL;
}

/* The inbound SA with this SPI if it is the connection's. */
static struct esp_sa *dp_in_of(struct dp_worker *w, uint32_t conn_id, uint32_t spi)
{
	struct esp_sa *sa = esp_sad_find(w->sad, spi);
	struct dp_conn *c = sa ? esp_sa_tag(sa)->owner : NULL;

	return c && c->id == conn_id ? sa : NULL;
}

static int dp_msg_sa_del(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c;

	if (m->dir == ESP_DIR_OUT) {
		c = dp_out_of(w, m->id, m->spi);
		if (!c)
			return -ENOENT;
		esp_sa_free(c->out.sa);
		c->out.sa = NULL;
		return 0;
	}
	if (esp_sad_find(w->sad, m->spi) && !dp_in_of(w, m->id, m->spi))
		return -ENOENT; /* another connection's */
	/* Also releases a mere reservation from dp_spi_alloc. */
	return esp_sad_del(w->sad, m->spi);
}

static void dp_sa_fill(struct dp_sa_info *out, const struct esp_sa *sa, uint32_t conn_id,
		       uint64_t installed, uint64_t last)
{
	out->conn_id = conn_id;
	out->installed_ns = installed;
	out->last_used_ns = last;
	out->seq = esp_sa_seq(sa);
	out->life = esp_sa_life(sa);
	out->ctr = *esp_sa_counters(sa);
}

static int dp_msg_sa_info(struct dp_worker *w, struct dp_msg *m)
{
	struct esp_sa *sa;
	struct dp_conn *c;

	if (m->dir == ESP_DIR_OUT) {
		c = dp_out_of(w, m->id, m->spi);
		if (!c)
			return -ENOENT;
		dp_sa_fill(&m->out.sa, c->out.sa, c->id, c->out.installed_ns, c->out.last_ns);
		return 0;
	}
	sa = dp_in_of(w, m->id, m->spi);
	if (!sa)
		return -ENOENT;
	dp_sa_fill(&m->out.sa, sa, m->id, esp_sa_tag(sa)->installed_ns, esp_sa_tag(sa)->last_ns);
	return 0;
}

static int dp_worker_apply(struct dp_worker *w, struct dp_msg *m)
{
	struct dp_conn *c;
	struct dp_vnet *v;

	switch (m->kind) {
	case DP_MSG_STOP:
		w->running = false;
		return 0;
	case DP_MSG_VNET_ADD:
		return dp_msg_vnet_add(w, m);
	case DP_MSG_VNET_DEL:
		return dp_msg_vnet_del(w, m);
	case DP_MSG_CONN_ADD:
		return dp_msg_conn_add(w, m);
	case DP_MSG_CONN_UPDATE:
		return dp_msg_conn_update(w, m);
	case DP_MSG_CONN_DEL:
		return dp_msg_conn_del(w, m);
	case DP_MSG_CONN_ROUTES:
		return dp_msg_conn_routes(w, m);
	case DP_MSG_SPI_ALLOC:
		return esp_sad_spi_alloc(w->sad, &m->spi);
	case DP_MSG_SA_ADD:
		return dp_msg_sa_add(w, m);
	case DP_MSG_SA_DEL:
		return dp_msg_sa_del(w, m);
	case DP_MSG_CONN_STATS:
		c = dp_conn_find(w, m->id);
		if (!c)
			return -ENOENT;
		m->out.conn = c->st;
		m->out.conn.drops[DP_DROP_RATE_IN] = c->rate_in.dropped_pkts;
		m->out.conn.drops[DP_DROP_RATE_OUT] = c->rate_out.dropped_pkts;
		m->out.conn.shaped_in = c->rate_in.queued_pkts;
		m->out.conn.shaped_out = c->rate_out.queued_pkts;
		return 0;
	case DP_MSG_VNET_STATS:
		v = dp_vnet_find(w, m->id);
		if (!v)
			return -ENOENT;
		m->out.vnet = v->st;
		return 0;
	case DP_MSG_STATS:
		m->out.all = w->st;
		return 0;
	case DP_MSG_SA_INFO:
		return dp_msg_sa_info(w, m);
	}
	return -EINVAL;
}

/* Apply every queued message, then wake their senders. */
static void dp_worker_drain(struct dp_worker *w)
{
	struct dp_chan *c = w->chan;
	struct dp_msg *m, *next, *list;
	uint64_t v;

	if (read(c->req_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_rl(&w->rl, LOG_LVL_WARN, "Gateway", "control eventfd: %s", strerror(errno));
	pthread_mutex_lock(&c->lock);
	list = c->head;
	c->head = c->tail = NULL;
	pthread_mutex_unlock(&c->lock);
	for (m = list; m; m = m->next)
		m->result = dp_worker_apply(w, m);
	pthread_mutex_lock(&c->lock);
	for (m = list; m; m = next) {
		next = m->next; /* the sender may free m as soon as done is set */
		m->done = true;
	}
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
}

static void *dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct epoll_event ev[DP_EVENTS];
	struct dp_pollref *ref;
	bool ctl;
	int i, n;

	while (w->running) {
		n = epoll_wait(w->epfd, ev, DP_EVENTS, dp_shape_service(w));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("Gateway", "data plane: epoll_wait: %s", strerror(errno));
			break;
		}
		w->now = clock_now_ns();
		ctl = false;
		for (i = 0; i < n; i++) {
			ref = ev[i].data.ptr;
			if (ref->kind == DP_POLL_CTL)
				ctl = true;
			else if (ref->kind == DP_POLL_SOCK && ref->sock == SOCK_KIND_NATT && w->gro)
				dp_rx_gro(w);
			else if (ref->kind == DP_POLL_SOCK)
				dp_rx_sock(w, ref->sock);
			else
				dp_rx_tun(w, ref->vnet);
		}
		/* Last: a message may free a VNet that a later event of this round points to. */
		if (ctl)
			dp_worker_drain(w);
	}
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static int dp_worker_poll_add(struct dp_worker *w, int fd, struct dp_pollref *ref)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ref};

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void dp_worker_free(struct dp_worker *w)
{
	struct dp_vnet *v;

	if (!w)
		return;
	while (w->conns)
		dp_conn_destroy(w, w->conns);
	while ((v = w->vnets)) {
		dp_vnet_unlink(w, v);
		free(v);
	}
	esp_sad_free(w->sad);
	hmap_fini(&w->peers);
	free(w->pkts);
	free(w->gro_mem);
	free(w->tso_mem);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}

int dp_worker_start(struct dp_worker **out, struct dp_chan *chan, struct dp_upq *upq,
		    const struct sock_set *socks, unsigned dirs)
{
	struct dp_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int r, k;

	if (!w)
		return -ENOMEM;
	w->epfd = -1;
	w->chan = chan;
	w->upq = upq;
	w->dirs = dirs;
	w->socks = *socks;
	w->running = true;
	w->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 5);
	w->sad = esp_sad_new();
	w->pkts = calloc(DP_BATCH, sizeof(*w->pkts));
	w->tso_mem = malloc(DP_TSO_CAP);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!w->sad || !w->pkts || !w->tso_mem || w->epfd < 0) {
		r = w->epfd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	r = hmap_init(&w->peers);
	if (r < 0)
		goto fail;
	w->txq[DP_ENCAP_RAW].fd = socks->fd[SOCK_KIND_ESP];
	w->txq[DP_ENCAP_UDP].fd = socks->fd[SOCK_KIND_NATT];
	w->txq[DP_ENCAP_UDP].gso = true;
	/* Coalesced receives need buffers of a whole GRO run; without them, one by one. */
	w->gro_mem = dirs & DP_WORKER_RX ? malloc((size_t)DP_GRO_BATCH * DP_GRO_CAP) : NULL;
	if (w->gro_mem) {
		int one = 1;
		w->gro = setsockopt(socks->fd[SOCK_KIND_NATT], SOL_UDP, UDP_GRO, &one,
				    sizeof(one)) == 0;
	}
	w->ctl_ref.kind = DP_POLL_CTL;
	r = dp_worker_poll_add(w, chan->req_efd, &w->ctl_ref);
	for (k = 0; k < SOCK_KIND_COUNT && r == 0 && (dirs & DP_WORKER_RX); k++) {
		w->sock_ref[k] = (struct dp_pollref){.kind = DP_POLL_SOCK, .sock = k};
		r = dp_worker_poll_add(w, socks->fd[k], &w->sock_ref[k]);
	}
	if (r < 0)
		goto fail;
	/* Signals are the control thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, dp_worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	w->started = true;
	*out = w;
	return 0;
fail:
	dp_worker_free(w);
	return r;
}

void dp_worker_stop(struct dp_worker *w)
{
	struct dp_msg stop = {.kind = DP_MSG_STOP};

	if (!w)
		return;
	if (w->started) {
		dp_chan_call(w->chan, &stop);
		pthread_join(w->thread, NULL);
	}
	dp_worker_free(w);
}
