/* SPDX-License-Identifier: MIT */
/*
 * gro: TCP segments of one flow (IPv4 without options, ACK or ACK|PSH, consecutive sequence
 * numbers, identical headers but for length, ID, checksum and sequence) are merged the way
 * Linux's tcp_gro_receive merges them; the write is a virtio_net_hdr GSO_TCPV4 packet with a
 * partial checksum (the pseudo-header sum, RFC 9293 3.1), which the kernel segments or
 * checksums again only if something on the way needs it. ESP's ICV has already authenticated
 * every byte (RFC 4303 3.4.4).
 */
#include "dp/gro.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <unistd.h>

#define IPV4_HDR     20
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

/* What a segment is: its header length, payload, sequence and flags; false if not a candidate. */
struct gro_seg {
	size_t hdr_len, payload;
	uint32_t seq;
	uint8_t flags;
};

static bool gro_parse(const struct buf *b, struct gro_seg *s)
{
	uint8_t vihl, proto, doff;
	uint16_t tot, frag;
	size_t n = buf_left(b);

	if (buf_peek_u8(b, 0, &vihl) < 0 || vihl != 0x45 || buf_peek_be16(b, 2, &tot) < 0 ||
	    tot != n || buf_peek_be16(b, 6, &frag) < 0 || (frag & 0x3fff) ||
	    buf_peek_u8(b, 9, &proto) < 0 || proto != 6 ||
	    buf_peek_u8(b, IPV4_HDR + 12, &doff) < 0 ||
	    buf_peek_u8(b, IPV4_HDR + 13, &s->flags) < 0 ||
	    buf_peek_be32(b, IPV4_HDR + 4, &s->seq) < 0)
		return false;
	s->hdr_len = IPV4_HDR + (doff >> 4) * 4u;
	if ((doff >> 4) < 5 || s->hdr_len >= n)
		return false;
	s->payload = n - s->hdr_len;
	/* Only plain data segments; SYN, FIN, RST, URG, ECN signals go through alone. */
	return (s->flags & ~TCP_FLAG_PSH) == TCP_FLAG_ACK;
}

/* Bytes [from, to) of a and b are equal. */
static bool gro_same(const struct buf *a, const struct buf *b, size_t from, size_t to)
{
	struct buf va, vb;

	return buf_slice(a, buf_head_pos(a) + from, buf_head_pos(a) + to, &va) == 0 &&
	       buf_slice(b, buf_head_pos(b) + from, buf_head_pos(b) + to, &vb) == 0 &&
	       buf_equal(&va, &vb);
}

/* Everything but total length, ID, checksums and sequence number matches the first packet. */
static bool gro_same_flow(const struct gro *g, const struct buf *b, const struct gro_seg *s)
{
	const size_t t = IPV4_HDR;

	return s->hdr_len == g->hdr_len && gro_same(&g->first, b, 0, 2) && /* version, TOS */
	       gro_same(&g->first, b, 6, 10) &&				   /* DF, TTL, protocol */
	       gro_same(&g->first, b, 12, 20) &&			   /* addresses */
	       gro_same(&g->first, b, t, t + 4) &&			   /* ports */
	       gro_same(&g->first, b, t + 8, t + 13) &&			   /* ack, offset */
	       gro_same(&g->first, b, t + 14, t + 16) &&		   /* window */
	       gro_same(&g->first, b, t + 20, s->hdr_len);		   /* options */
}

static void gro_add(struct gro *g, struct buf *b, const struct gro_seg *s)
{
	g->iov[1 + g->n] =
		(struct iovec){.iov_base = buf_data_mut(b) + s->hdr_len, .iov_len = s->payload};
	g->n++;
	g->payload += s->payload;
	g->bytes += buf_left(b);
	g->next_seq = s->seq + (uint32_t)s->payload;
	g->psh |= (s->flags & TCP_FLAG_PSH) != 0;
	g->closed = g->psh || s->payload < g->seg;
}

bool gro_offer(struct gro *g, int fd, const void *owner, struct buf *b)
{
	struct gro_seg s;

	if (!buf_data_mut(b) || !gro_parse(b, &s))
		return false;
	if (g->n == 0) {
		if (s.flags & TCP_FLAG_PSH)
			return false; /* a run of one: nothing to gain */
		g->fd = fd;
		g->owner = owner;
		g->first = *b;
		g->hdr_len = s.hdr_len;
		g->seg = (uint16_t)s.payload;
		g->iov[0] = (struct iovec){.iov_base = g->vhdr, .iov_len = sizeof(g->vhdr)};
		gro_add(g, b, &s);
		return true;
	}
	if (g->closed || g->fd != fd || g->owner != owner || g->n >= GRO_SEGS ||
	    s.seq != g->next_seq || s.payload > g->seg ||
	    g->hdr_len + g->payload + s.payload > 65535 || !gro_same_flow(g, b, &s))
		return false;
	gro_add(g, b, &s);
	return true;
}

/* One's complement sum of the 16-bit words [from, to) of b, folded. */
static uint32_t gro_sum(const struct buf *b, size_t from, size_t to, uint32_t sum)
{
	uint16_t w;

	for (; from + 1 < to; from += 2) {
		buf_peek_be16(b, from, &w);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The first packet's headers now describe the whole run; the virtio header says how to cut. */
static void gro_patch(struct gro *g)
{
	struct buf *f = &g->first, w;
	size_t pos = buf_head_pos(f), tcp_len = g->hdr_len - IPV4_HDR + g->payload;
	uint8_t flags;
	uint32_t sum;

	buf_set_be16(f, pos + 2, (uint16_t)(g->hdr_len + g->payload));
	buf_set_be16(f, pos + 10, 0);
	buf_set_be16(f, pos + 10, (uint16_t)~gro_sum(f, 0, IPV4_HDR, 0));
	if (g->psh && buf_peek_u8(f, IPV4_HDR + 13, &flags) == 0)
		buf_set_u8(f, pos + IPV4_HDR + 13, flags | TCP_FLAG_PSH);
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not its complement. */
	sum = gro_sum(f, 12, 20, 6 + (uint32_t)tcp_len);
	buf_set_be16(f, pos + IPV4_HDR + 16, (uint16_t)sum);

	buf_init_write(&w, g->vhdr, sizeof(g->vhdr));
	buf_put_u8(&w, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	buf_put_u8(&w, VIRTIO_NET_HDR_GSO_TCPV4);
	buf_put_h16(&w, (uint16_t)g->hdr_len);
	buf_put_h16(&w, g->seg);
	buf_put_h16(&w, IPV4_HDR);
	buf_put_h16(&w, 16); /* the TCP checksum's offset in its header */
}

int gro_write(struct gro *g)
{
	ssize_t n;

	if (g->n == 0)
		return 0;
	if (g->n == 1)
		memset(g->vhdr, 0, sizeof(g->vhdr)); /* one plain packet */
	else
		gro_patch(g);
	/* The headers: iov[1] started as the first payload; put the whole first packet's head. */
	g->iov[1].iov_base = (uint8_t *)g->iov[1].iov_base - g->hdr_len;
	g->iov[1].iov_len += g->hdr_len;
	n = writev(g->fd, g->iov, (int)g->n + 1);
	return n < 0 ? -errno : 0;
}

void gro_reset(struct gro *g)
{
	g->n = 0;
	g->payload = g->bytes = 0;
	g->closed = g->psh = false;
}
