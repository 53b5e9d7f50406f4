/* SPDX-License-Identifier: MIT */
/*
 * sock: binding the public sockets and moving datagrams in batches. Raw ESP (RFC 4303) arrives
 * on an IPPROTO_ESP raw socket; with no XFRM in the kernel, nothing else consumes protocol 50.
 */
#include "dp/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

#define SOCK_BATCH_MAX 64

static const char *sock_kind_name(enum sock_kind k)
{
	switch (k) {
	case SOCK_KIND_IKE:
		return "IKE (UDP)";
	case SOCK_KIND_NATT:
		return "NAT-T (UDP)";
	case SOCK_KIND_ESP:
		return "ESP (raw)";
	default:
		return "?";
	}
}

static socklen_t sock_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static void sock_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static int sock_open_one(struct sock_set *s, enum sock_kind kind, uint16_t port)
{
	struct sockaddr_storage a = s->local;
	int fd, one = 1, r;
	char txt[INET6_ADDRSTRLEN] = "?";

	if (kind == SOCK_KIND_ESP)
		fd = socket(s->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
	else
		fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		goto fail;
	if (s->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	/*
	 * No SO_REUSEADDR: on UDP it would let a second gateway bind the same ports and split the
	 * peers' traffic; UDP has no TIME_WAIT, so a restarted vnetgwd rebinds without it.
	 */
	if (kind != SOCK_KIND_ESP)
		sock_set_port(&a, port);
	if (bind(fd, (struct sockaddr *)&a, sock_len(s->family)) < 0)
		goto fail;
	s->fd[kind] = fd;
	return 0;
fail:
	r = -errno;
	if (fd >= 0)
		close(fd);
	if (s->family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&s->local)->sin_addr, txt, sizeof(txt));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->local)->sin6_addr, txt,
			  sizeof(txt));
	log_err("Gateway", "cannot open the %s socket on %s port %u: %s", sock_kind_name(kind), txt,
		port, strerror(-r));
	return r;
}

int sock_set_open(struct sock_set *s, const struct sockaddr *local, uint16_t port_ike,
		  uint16_t port_natt)
{
	int k, r;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < SOCK_KIND_COUNT; k++)
		s->fd[k] = -1;
	if (local->sa_family != AF_INET && local->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	s->family = local->sa_family;
	memcpy(&s->local, local, sock_len(s->family));
	sock_set_port(&s->local, 0);
	s->port_ike = port_ike ? port_ike : 500;
	s->port_natt = port_natt ? port_natt : 4500;
	r = sock_open_one(s, SOCK_KIND_IKE, s->port_ike);
	r = r ?: sock_open_one(s, SOCK_KIND_NATT, s->port_natt);
	r = r ?: sock_open_one(s, SOCK_KIND_ESP, 0);
	if (r < 0)
		sock_set_close(s);
	return r;
}

void sock_set_close(struct sock_set *s)
{
	int k;

	for (k = 0; k < SOCK_KIND_COUNT; k++) {
		if (s->fd[k] >= 0)
			close(s->fd[k]);
		s->fd[k] = -1;
	}
}

int sock_recv_batch(const struct sock_set *s, enum sock_kind kind, struct sock_msg *msgs, int n)
{
	struct mmsghdr mh[SOCK_BATCH_MAX];
	struct iovec iov[SOCK_BATCH_MAX];
	int i, got;

	if (n > SOCK_BATCH_MAX)
		n = SOCK_BATCH_MAX;
	memset(mh, 0, sizeof(mh[0]) * (size_t)n);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = msgs[i].data;
		iov[i].iov_len = msgs[i].len;
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
		mh[i].msg_hdr.msg_name = &msgs[i].peer;
		mh[i].msg_hdr.msg_namelen = sizeof(msgs[i].peer);
	}
	got = recvmmsg(s->fd[kind], mh, (unsigned)n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (i = 0; i < got; i++) {
		msgs[i].kind = kind;
		/* A datagram larger than the buffer is truncated: report it as unusable. */
		msgs[i].len = mh[i].msg_hdr.msg_flags & MSG_TRUNC ? 0 : mh[i].msg_len;
	}
	return got;
}

ssize_t sock_send(const struct sock_set *s, enum sock_kind kind, const struct sockaddr *peer,
		  const void *data, size_t len)
{
	struct sockaddr_storage to;
	ssize_t n;

	if (peer->sa_family != s->family)
		return -EAFNOSUPPORT;
	memcpy(&to, peer, sock_len(s->family));
	/* The kernel rejects a non-zero port on raw sockets for IPv6. */
	if (kind == SOCK_KIND_ESP)
		sock_set_port(&to, 0);
	n = sendto(s->fd[kind], data, len, 0, (struct sockaddr *)&to, sock_len(s->family));
	return n < 0 ? -errno : n;
}
