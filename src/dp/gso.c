/* SPDX-License-Identifier: MIT */
/*
 * gso: TCP segmentation as the kernel's tcp_gso_segment does it (RFC 9293 3.1 header and
 * checksum; RFC 791 3.1 / RFC 8200 3 lengths), and completion of partial checksums (RFC 1071)
 * for packets the VNet's stack left to "hardware". Only buf indexes the bytes.
 */
#include "dp/gso.h"

#include <errno.h>
#include <linux/virtio_net.h>

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

int gso_hdr_get(struct buf *b, struct gso_hdr *h)
{
	int r = 0;

	r |= buf_get_u8(b, &h->flags);
	r |= buf_get_u8(b, &h->type);
	r |= buf_get_h16(b, &h->hdr_len);
	r |= buf_get_h16(b, &h->size);
	r |= buf_get_h16(b, &h->csum_start);
	r |= buf_get_h16(b, &h->csum_offset);
	return r ? -EBADMSG : 0;
}

/* One's complement sum of [from, to) of b (offsets from the head) added to sum, unfolded. */
static uint64_t gso_sum(const struct buf *b, size_t from, size_t to, uint64_t sum)
{
	struct buf v;
	uint64_t w64;
	uint16_t w16;
	uint8_t w8;

	if (buf_slice(b, buf_head_pos(b) + from, buf_head_pos(b) + to, &v) < 0)
		return sum;
	/* 64 bits at a time: the carries are folded once at the end (RFC 1071 2 (C)). */
	while (buf_get_be64(&v, &w64) == 0) {
		sum += w64 >> 32;
		sum += w64 & 0xffffffff;
	}
	while (buf_get_be16(&v, &w16) == 0)
		sum += w16;
	if (buf_get_u8(&v, &w8) == 0)
		sum += (uint64_t)w8 << 8;
	return sum;
}

static uint16_t gso_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int gso_csum_finish(struct buf *b, const struct gso_hdr *h)
{
	size_t n = buf_left(b), at = (size_t)h->csum_start + h->csum_offset;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (h->csum_start >= n || at + 2 > n)
		return -EBADMSG;
	/* The field holds the pseudo-header sum already; the sum from csum_start covers it. */
	return buf_set_be16(b, buf_head_pos(b) + at,
			    (uint16_t)~gso_fold(gso_sum(b, h->csum_start, n, 0))) < 0
		       ? -EBADMSG
		       : 0;
}

/* IP version, IP header length and TCP header length of the super-packet; false if not TCP. */
static bool gso_layout(const struct buf *b, unsigned *version, size_t *ip_len, size_t *hdr_len)
{
	uint8_t v, proto, doff;

	if (buf_peek_u8(b, 0, &v) < 0)
		return false;
	*version = v >> 4;
	if (*version == 4) {
		*ip_len = (v & 0xfu) * 4;
		if (*ip_len < 20 || buf_peek_u8(b, 9, &proto) < 0)
			return false;
	} else if (*version == 6) {
		*ip_len = 40;
		if (buf_peek_u8(b, 6, &proto) < 0)
			return false;
	} else {
		return false;
	}
	if (proto != 6 || buf_peek_u8(b, *ip_len + 12, &doff) < 0 || (doff >> 4) < 5)
		return false;
	*hdr_len = *ip_len + (doff >> 4) * 4u;
	return *hdr_len <= buf_left(b);
}

int gso_count(const struct buf *b, const struct gso_hdr *h)
{
	unsigned version;
	size_t ip_len, hdr_len;
	uint8_t type = h->type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if (type == VIRTIO_NET_HDR_GSO_NONE)
		return 1;
	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    h->size == 0 || !gso_layout(b, &version, &ip_len, &hdr_len) ||
	    version != (type == VIRTIO_NET_HDR_GSO_TCPV4 ? 4u : 6u) || hdr_len == buf_left(b))
		return -EBADMSG;
	return (int)((buf_left(b) - hdr_len + h->size - 1) / h->size);
}

int gso_segment(const struct buf *b, const struct gso_hdr *h, unsigned k, struct buf *out)
{
	size_t ip_len, hdr_len, total, off, len, start = buf_tail_pos(out), tcp_len;
	uint32_t seq;
	uint16_t id = 0;
	uint8_t flags;
	unsigned version;
	struct buf hdr, chunk, seg;
	uint64_t sum;
	int count = gso_count(b, h);

	if (count < 0 || k >= (unsigned)count || !gso_layout(b, &version, &ip_len, &hdr_len))
		return -EBADMSG;
	total = buf_left(b) - hdr_len;
	off = (size_t)k * h->size;
	len = total - off < h->size ? total - off : h->size;
	if (buf_slice(b, buf_head_pos(b), buf_head_pos(b) + hdr_len, &hdr) < 0 ||
	    buf_slice(b, buf_head_pos(b) + hdr_len + off, buf_head_pos(b) + hdr_len + off + len,
		      &chunk) < 0)
		return -EBADMSG;
	if (buf_put_buf(out, &hdr) < 0 || buf_put_buf(out, &chunk) < 0)
		return -ENOSPC;
	buf_slice(out, start, buf_tail_pos(out), &seg); /* for reading the copy back */
	tcp_len = hdr_len - ip_len + len;

	if (version == 4) {
		buf_peek_be16(&seg, 4, &id);
		buf_set_be16(out, start + 2, (uint16_t)(hdr_len + len));
		buf_set_be16(out, start + 4, (uint16_t)(id + k));
		buf_set_be16(out, start + 10, 0);
		buf_slice(out, start, buf_tail_pos(out), &seg);
		buf_set_be16(out, start + 10, (uint16_t)~gso_fold(gso_sum(&seg, 0, ip_len, 0)));
	} else {
		buf_set_be16(out, start + 4, (uint16_t)tcp_len);
	}
	buf_peek_be32(&seg, ip_len + 4, &seq);
	buf_set_be32(out, start + ip_len + 4, seq + (uint32_t)off);
	buf_peek_u8(&seg, ip_len + 13, &flags);
	if (k + 1 < (unsigned)count)
		flags &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	if (k > 0)
		flags &= (uint8_t)~TCP_FLAG_CWR;
	buf_set_u8(out, start + ip_len + 13, flags);

	/* The whole TCP checksum: pseudo-header (addresses, protocol, length), header, data. */
	buf_set_be16(out, start + ip_len + 16, 0);
	buf_slice(out, start, buf_tail_pos(out), &seg);
	sum = version == 4 ? gso_sum(&seg, 12, 20, 0) : gso_sum(&seg, 8, 40, 0);
	sum += 6 + tcp_len;
	sum = gso_sum(&seg, ip_len, ip_len + tcp_len, sum);
	buf_set_be16(out, start + ip_len + 16, (uint16_t)~gso_fold(sum));
	(void)h;
	return 0;
}
