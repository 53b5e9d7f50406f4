/* SPDX-License-Identifier: MIT */
/*
 * chan: the two queues between the control thread (dp.c) and the data-plane workers
 * (worker.c): requests one way (a message and its answer, the caller waits), upcalls the other
 * (IKE datagrams and data-plane events for the control plane).
 *
 * Upcalls wait in lanes served in turn, so that nobody's flood crowds out everybody's IKE
 * (issue 14): a lane per connection for IKE from that connection's peer address, one for IKE
 * from any other address (answered by nobody but the IKE engine's refusals), and one for the
 * data plane's own events (SA lifetimes, ESP without an SA). Each lane holds a bounded number
 * of upcalls and drops what comes beyond, counted per lane; a connection's lane is made with
 * the connection and goes with it, so the memory follows the configuration.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dp/dp_impl.h"
#include "lib/log.h"

void dp_efd_bump(int fd)
{
	uint64_t one = 1;

	/* Only fails when the counter would overflow, and then the fd is readable anyway. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

/* ---- requests -------------------------------------------------------------------------------- */

int dp_chan_init(struct dp_chan *c)
{
	memset(c, 0, sizeof(*c));
	c->req_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->req_efd < 0)
		return -errno;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->done, NULL);
	return 0;
}

void dp_chan_fini(struct dp_chan *c)
{
	if (c->req_efd <= 0)
		return;
	close(c->req_efd);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->done);
}

int dp_chan_call(struct dp_chan *c, struct dp_msg *msg)
{
	msg->done = false;
	msg->next = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->tail)
		c->tail->next = msg;
	else
		c->head = msg;
	c->tail = msg;
	dp_efd_bump(c->req_efd);
	while (!msg->done)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return msg->result;
}

/* ---- upcalls --------------------------------------------------------------------------------- */

static int lane_init(struct dp_upq_lane *l, uint32_t conn_id, unsigned int cap)
{
	*l = (struct dp_upq_lane){.conn_id = conn_id, .cap = cap};
	l->slot = calloc(cap, sizeof(*l->slot));
	return l->slot ? 0 : -ENOMEM;
}

int dp_upq_init(struct dp_upq *q)
{
	int r;

	memset(q, 0, sizeof(*q));
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0)
		return -errno;
	r = lane_init(&q->events, 0, DP_UPQ_SHARED_SLOTS);
	r = r ?: lane_init(&q->strangers, 0, DP_UPQ_SHARED_SLOTS);
	if (r) {
		free(q->events.slot);
		free(q->strangers.slot);
		close(q->efd);
		q->efd = 0;
		return r;
	}
	pthread_mutex_init(&q->lock, NULL);
	return 0;
}

void dp_upq_fini(struct dp_upq *q)
{
	if (q->efd <= 0)
		return;
	close(q->efd);
	free(q->events.slot);
	free(q->strangers.slot);
	for (unsigned int i = 0; i < q->n_peers; i++) {
		free(q->peers[i]->slot);
		free(q->peers[i]);
	}
	free(q->peers);
	pthread_mutex_destroy(&q->lock);
}

/* The index of conn_id's lane in the sorted peers[], or where it would go (*found false). */
static unsigned int peer_index(const struct dp_upq *q, uint32_t conn_id, bool *found)
{
	unsigned int lo = 0, hi = q->n_peers;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (q->peers[mid]->conn_id < conn_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < q->n_peers && q->peers[lo]->conn_id == conn_id;
	return lo;
}

/* Take l out of the ring of lanes that have upcalls waiting. */
static void ring_unlink(struct dp_upq *q, struct dp_upq_lane *l)
{
	for (struct dp_upq_lane **pp = &q->ring; *pp; pp = &(*pp)->ring_next) {
		if (*pp != l)
			continue;
		*pp = l->ring_next;
		if (q->ring_tail == l) {
			q->ring_tail = NULL;
			for (struct dp_upq_lane *t = q->ring; t; t = t->ring_next)
				q->ring_tail = t;
		}
		break;
	}
	l->ring_next = NULL;
	l->in_ring = false;
}

static void ring_append(struct dp_upq *q, struct dp_upq_lane *l)
{
	l->ring_next = NULL;
	if (q->ring_tail)
		q->ring_tail->ring_next = l;
	else
		q->ring = l;
	q->ring_tail = l;
	l->in_ring = true;
}

int dp_upq_lane_add(struct dp_upq *q, uint32_t conn_id)
{
	struct dp_upq_lane *l, **grown;
	unsigned int i;
	bool found;
	int r = 0;

	pthread_mutex_lock(&q->lock);
	i = peer_index(q, conn_id, &found);
	if (found)
		goto out;
	r = -ENOMEM;
	l = malloc(sizeof(*l));
	if (!l || lane_init(l, conn_id, DP_UPQ_PEER_SLOTS) < 0) {
		free(l);
		goto out;
	}
	if (q->n_peers == q->cap_peers) {
		unsigned int cap = q->cap_peers ? q->cap_peers * 2 : 16;

		grown = realloc(q->peers, cap * sizeof(*q->peers));
		if (!grown) {
			free(l->slot);
			free(l);
			goto out;
		}
		q->peers = grown;
		q->cap_peers = cap;
	}
	memmove(&q->peers[i + 1], &q->peers[i], (q->n_peers - i) * sizeof(*q->peers));
	q->peers[i] = l;
	q->n_peers++;
	r = 0;
out:
	pthread_mutex_unlock(&q->lock);
	return r;
}

void dp_upq_lane_del(struct dp_upq *q, uint32_t conn_id)
{
	struct dp_upq_lane *l;
	unsigned int i;
	bool found;

	pthread_mutex_lock(&q->lock);
	i = peer_index(q, conn_id, &found);
	if (found) {
		l = q->peers[i];
		if (l->in_ring)
			ring_unlink(q, l);
		q->waiting -= l->count; /* what still waited for the connection goes with it */
		q->peers_dropped_gone += l->dropped;
		memmove(&q->peers[i], &q->peers[i + 1], (q->n_peers - i - 1) * sizeof(*q->peers));
		q->n_peers--;
		free(l->slot);
		free(l);
	}
	pthread_mutex_unlock(&q->lock);
}

static struct dp_upq_lane *lane_for(struct dp_upq *q, const struct dp_upcall *u, uint32_t peer_id)
{
	bool found;
	unsigned int i;

	if (u->kind != DP_UPCALL_IKE)
		return &q->events;
	if (!peer_id)
		return &q->strangers;
	i = peer_index(q, peer_id, &found);
	return found ? q->peers[i] : &q->strangers;
}

bool dp_upq_put(struct dp_upq *q, uint32_t peer_id, const struct dp_upcall *u, size_t data_len)
{
	struct dp_upq_lane *l;
	struct dp_upcall *slot;

	pthread_mutex_lock(&q->lock);
	l = lane_for(q, u, peer_id);
	if (l->count == l->cap) {
		l->dropped++;
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	slot = &l->slot[(l->head + l->count) % l->cap];
	memcpy(slot, u, offsetof(struct dp_upcall, data));
	memcpy(slot->data, u->data, data_len);
	memcpy(&slot->spi, &u->spi, sizeof(*u) - offsetof(struct dp_upcall, spi));
	l->count++;
	q->waiting++;
	if (!l->in_ring)
		ring_append(q, l);
	dp_efd_bump(q->efd);
	pthread_mutex_unlock(&q->lock);
	return true;
}

int dp_upq_next(struct dp_upq *q, struct dp_upcall *out)
{
	struct dp_upq_lane *l;
	uint64_t v;
	int r = -EAGAIN;

	pthread_mutex_lock(&q->lock);
	l = q->ring;
	if (l) {
		/* One from the lane at the head of the ring, which then goes to its tail. */
		*out = l->slot[l->head];
		l->head = (l->head + 1) % l->cap;
		l->count--;
		q->waiting--;
		ring_unlink(q, l);
		if (l->count)
			ring_append(q, l);
		r = 0;
	}
	/* Under the lock, so the fd is readable exactly while something waits. */
	if (q->waiting == 0 && read(q->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("Gateway", "upcall eventfd: %s", strerror(errno));
	pthread_mutex_unlock(&q->lock);
	return r;
}

void dp_upq_drops(struct dp_upq *q, struct dp_upq_drops *out)
{
	pthread_mutex_lock(&q->lock);
	out->events = q->events.dropped;
	out->strangers = q->strangers.dropped;
	out->peers = q->peers_dropped_gone;
	for (unsigned int i = 0; i < q->n_peers; i++)
		out->peers += q->peers[i]->dropped;
	pthread_mutex_unlock(&q->lock);
}
