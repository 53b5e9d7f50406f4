/* SPDX-License-Identifier: MIT */
/*
 * nl: a small synchronous rtnetlink client. Requests are built with buf's host-order writers
 * (netlink is a host-order kernel ABI); each request asks for an ACK and the reply is parsed
 * through buf, so no kernel struct is cast over received bytes.
 */
#include "dp/nl.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp/netns.h"
#include "lib/buf.h"
#include "lib/log.h"

#define NL_BUF 4096

struct nl {
	int fd;
	int nsfd; /* -1: the namespace the handle was opened in is the caller's */
	uint32_t seq;
};

struct nl_sock_arg {
	int fd;
};

static int nl_sock_make(void *arg)
{
	struct nl_sock_arg *a = arg;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;

	a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (a->fd < 0)
		return -errno;
	/* Errors carry only the header of our request back. */
	setsockopt(a->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(a->fd);
		return r;
	}
	return 0;
}

int nl_open(struct nl **out, int nsfd)
{
	struct nl_sock_arg a = { .fd = -1 };
	struct nl *nl;
	int r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->nsfd = -1;
	r = nsfd >= 0 ? netns_run_in(nsfd, nl_sock_make, &a) : nl_sock_make(&a);
	if (r < 0) {
		free(nl);
		return r;
	}
	if (nsfd >= 0) {
		nl->nsfd = dup(nsfd);
		if (nl->nsfd < 0) {
			r = -errno;
			close(a.fd);
			free(nl);
			return r;
		}
	}
	nl->fd = a.fd;
	*out = nl;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	close(nl->fd);
	if (nl->nsfd >= 0)
		close(nl->nsfd);
	free(nl);
}

/* Start a request: the header with its length patched by nl_finish. */
static int nl_begin(struct nl *nl, struct buf *b, uint16_t type, uint16_t flags)
{
	int r = 0;

	r |= buf_put_h32(b, 0);
	r |= buf_put_h16(b, type);
	r |= buf_put_h16(b, (uint16_t)(flags | NLM_F_REQUEST | NLM_F_ACK));
	r |= buf_put_h32(b, ++nl->seq);
	r |= buf_put_h32(b, 0);
	return r ? -ENOSPC : 0;
}

static int nl_attr(struct buf *b, uint16_t type, const void *data, uint16_t len)
{
	uint16_t total = (uint16_t)(RTA_LENGTH(len));
	int r = 0;

	r |= buf_put_h16(b, total);
	r |= buf_put_h16(b, type);
	r |= buf_put_bytes(b, data, len);
	r |= buf_put_fill(b, 0, RTA_ALIGN(total) - total);
	return r ? -ENOSPC : 0;
}

static int nl_attr_u32(struct buf *b, uint16_t type, uint32_t v)
{
	return nl_attr(b, type, &v, sizeof(v));
}

/* Patch the length, send, and wait for the ACK of this sequence number. */
static int nl_transact(struct nl *nl, struct buf *req)
{
	uint8_t reply[NL_BUF];
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	uint32_t want = nl->seq;

	/* The request starts at the head of a fresh writer: its length is the tail. */
	if (buf_set_h32(req, buf_head_pos(req), (uint32_t)buf_left(req)) < 0)
		return -ENOSPC;
	if (sendto(nl->fd, buf_data(req), buf_left(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		struct buf in;
		ssize_t n = recv(nl->fd, reply, sizeof(reply), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf_init_read(&in, reply, (size_t)n);
		while (buf_left(&in) >= NLMSG_HDRLEN) {
			uint32_t len, seq, pid;
			uint16_t type, flags;
			struct buf msg;

			if (buf_get_h32(&in, &len) < 0 || len < NLMSG_HDRLEN ||
			    buf_get_h16(&in, &type) < 0 || buf_get_h16(&in, &flags) < 0 ||
			    buf_get_h32(&in, &seq) < 0 || buf_get_h32(&in, &pid) < 0 ||
			    buf_get_sub(&in, len - NLMSG_HDRLEN, &msg) < 0)
				return -EBADMSG;
			buf_skip(&in, NLMSG_ALIGN(len) - len);
			if (seq != want)
				continue;
			if (type == NLMSG_ERROR) {
				uint32_t err;

				if (buf_get_h32(&msg, &err) < 0)
					return -EBADMSG;
				return (int32_t)err;
			}
		}
	}
}

struct nl_ifindex_arg {
	const char *name;
	unsigned idx;
};

static int nl_ifindex_here(void *arg)
{
	struct nl_ifindex_arg *a = arg;

	a->idx = if_nametoindex(a->name);
	return a->idx ? 0 : -ENODEV;
}

int nl_link_index(struct nl *nl, const char *ifname)
{
	struct nl_ifindex_arg a = { .name = ifname };
	int r = nl->nsfd >= 0 ? netns_run_in(nl->nsfd, nl_ifindex_here, &a) : nl_ifindex_here(&a);

	return r < 0 ? r : (int)a.idx;
}

static int nl_ifinfo(struct buf *b, int ifindex, uint32_t flags, uint32_t change)
{
	int r = 0;

	r |= buf_put_u8(b, AF_UNSPEC);
	r |= buf_put_u8(b, 0);
	r |= buf_put_h16(b, 0);
	r |= buf_put_h32(b, (uint32_t)ifindex);
	r |= buf_put_h32(b, flags);
	r |= buf_put_h32(b, change);
	return r ? -ENOSPC : 0;
}

int nl_link_set(struct nl *nl, int ifindex, bool up, uint32_t mtu)
{
	uint8_t mem[256];
	struct buf b;
	int r;

	buf_init_write(&b, mem, sizeof(mem));
	r = nl_begin(nl, &b, RTM_NEWLINK, 0);
	r = r ?: nl_ifinfo(&b, ifindex, up ? IFF_UP : 0, IFF_UP);
	if (!r && mtu)
		r = nl_attr_u32(&b, IFLA_MTU, mtu);
	return r ?: nl_transact(nl, &b);
}

/* RTM_NEWLINK on an existing link changing one 32-bit attribute. */
static int nl_link_attr_u32(struct nl *nl, int ifindex, uint16_t attr, uint32_t v)
{
	uint8_t mem[256];
	struct buf b;
	int r;

	buf_init_write(&b, mem, sizeof(mem));
	r = nl_begin(nl, &b, RTM_NEWLINK, 0);
	r = r ?: nl_ifinfo(&b, ifindex, 0, 0);
	r = r ?: nl_attr_u32(&b, attr, v);
	return r ?: nl_transact(nl, &b);
}

int nl_link_set_txqlen(struct nl *nl, int ifindex, uint32_t qlen)
{
	return nl_link_attr_u32(nl, ifindex, IFLA_TXQLEN, qlen);
}

int nl_link_move(struct nl *nl, int ifindex, int target_nsfd)
{
	return nl_link_attr_u32(nl, ifindex, IFLA_NET_NS_FD, (uint32_t)target_nsfd);
}

static int nl_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -EAFNOSUPPORT;
}

int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, uint8_t plen)
{
	uint8_t mem[256];
	struct buf b;
	int alen = nl_addr_len(family), r;

	if (alen < 0)
		return alen;
	if (plen > alen * 8)
		return -EINVAL;
	buf_init_write(&b, mem, sizeof(mem));
	r = nl_begin(nl, &b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	if (!r) {
		r |= buf_put_u8(&b, (uint8_t)family);
		r |= buf_put_u8(&b, plen);
		r |= buf_put_u8(&b, family == AF_INET6 ? IFA_F_NODAD : 0);
		r |= buf_put_u8(&b, RT_SCOPE_UNIVERSE);
		r |= buf_put_h32(&b, (uint32_t)ifindex);
		r = r ? -ENOSPC : 0;
	}
	r = r ?: nl_attr(&b, IFA_LOCAL, addr, (uint16_t)alen);
	r = r ?: nl_attr(&b, IFA_ADDRESS, addr, (uint16_t)alen);
	return r ?: nl_transact(nl, &b);
}

static int nl_route(struct nl *nl, uint16_t type, uint16_t flags, int family, const void *dst,
		    uint8_t plen, int ifindex)
{
	uint8_t mem[256];
	struct buf b;
	int alen = nl_addr_len(family), r;

	if (alen < 0)
		return alen;
	if (plen > alen * 8)
		return -EINVAL;
	buf_init_write(&b, mem, sizeof(mem));
	r = nl_begin(nl, &b, type, flags);
	if (!r) {
		r |= buf_put_u8(&b, (uint8_t)family);
		r |= buf_put_u8(&b, plen);
		r |= buf_put_u8(&b, 0);
		r |= buf_put_u8(&b, 0);
		r |= buf_put_u8(&b, RT_TABLE_MAIN);
		r |= buf_put_u8(&b, RTPROT_STATIC);
		r |= buf_put_u8(&b, RT_SCOPE_LINK);
		r |= buf_put_u8(&b, RTN_UNICAST);
		r |= buf_put_h32(&b, 0);
		r = r ? -ENOSPC : 0;
	}
	r = r ?: nl_attr(&b, RTA_DST, dst, (uint16_t)alen);
	r = r ?: nl_attr_u32(&b, RTA_OIF, (uint32_t)ifindex);
	return r ?: nl_transact(nl, &b);
}

int nl_route_replace(struct nl *nl, int family, const void *dst, uint8_t plen, int ifindex)
{
	return nl_route(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, family, dst, plen, ifindex);
}

int nl_route_del(struct nl *nl, int family, const void *dst, uint8_t plen, int ifindex)
{
	return nl_route(nl, RTM_DELROUTE, 0, family, dst, plen, ifindex);
}
