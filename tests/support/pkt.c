/* SPDX-License-Identifier: MIT */
/* Test support: IPv4/ICMP packets for data-plane tests, built and read through buf. */
#include "support/pkt.h"

#include <errno.h>

uint16_t pkt_csum(const struct buf *b)
{
	struct buf r = *b;
	uint32_t sum = 0;
	uint16_t w;
	uint8_t last;

	while (buf_get_be16(&r, &w) == 0)
		sum += w;
	if (buf_get_u8(&r, &last) == 0)
		sum += (uint32_t)last << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int pkt_icmp4_echo(struct buf *out, const uint8_t src[4], const uint8_t dst[4], uint16_t id,
		   uint16_t seq, size_t plen)
{
	size_t start = buf_tail_pos(out), icmp, i;
	struct buf v;
	int r = 0;

	r |= buf_put_u8(out, 0x45);
	r |= buf_put_u8(out, 0);
	r |= buf_put_be16(out, (uint16_t)(20 + 8 + plen));
	r |= buf_put_be32(out, 0x00004000); /* id 0, DF */
	r |= buf_put_u8(out, 64);
	r |= buf_put_u8(out, 1);
	r |= buf_put_be16(out, 0);
	r |= buf_put_bytes(out, src, 4);
	r |= buf_put_bytes(out, dst, 4);
	icmp = buf_tail_pos(out);
	r |= buf_put_u8(out, 8);
	r |= buf_put_u8(out, 0);
	r |= buf_put_be16(out, 0);
	r |= buf_put_be16(out, id);
	r |= buf_put_be16(out, seq);
	for (i = 0; i < plen; i++)
		r |= buf_put_u8(out, (uint8_t)i);
	if (r)
		return -ENOSPC;
	buf_slice(out, start, icmp, &v);
	buf_set_be16(out, start + 10, pkt_csum(&v));
	buf_slice(out, icmp, buf_tail_pos(out), &v);
	buf_set_be16(out, icmp + 2, pkt_csum(&v));
	return 0;
}

int pkt_ip4_parse(const void *p, size_t n, struct pkt_ip4 *out)
{
	struct buf b, opts;
	uint8_t vihl, ttl, code;
	uint16_t tot, x16;
	uint32_t x32;

	buf_init_read(&b, p, n);
	if (buf_get_u8(&b, &vihl) < 0 || vihl >> 4 != 4 || (vihl & 15) < 5)
		return -EBADMSG;
	if (buf_skip(&b, 1) < 0 || buf_get_be16(&b, &tot) < 0 || tot > n ||
	    buf_get_be32(&b, &x32) < 0 || buf_get_u8(&b, &ttl) < 0 ||
	    buf_get_u8(&b, &out->proto) < 0 || buf_get_be16(&b, &x16) < 0 ||
	    buf_get_bytes(&b, out->src, 4) < 0 || buf_get_bytes(&b, out->dst, 4) < 0 ||
	    buf_get_sub(&b, (size_t)((vihl & 15) - 5) * 4, &opts) < 0)
		return -EBADMSG;
	out->icmp_type = 0xff;
	if (out->proto == 1 && buf_get_u8(&b, &out->icmp_type) == 0) {
		if (buf_get_u8(&b, &code) < 0 || buf_get_be16(&b, &x16) < 0 ||
		    buf_get_be16(&b, &out->icmp_id) < 0 || buf_get_be16(&b, &out->icmp_seq) < 0)
			return -EBADMSG;
	}
	return 0;
}
