/* SPDX-License-Identifier: MIT */
/*
 * inner: reading tenant packets' addresses and clamping the TCP MSS option (RFC 9293 3.7.1,
 * 3.2 option layout) of SYNs in both directions, so that hosts on both sides send segments
 * that fit the tunnel without fragmentation; the checksum is updated incrementally (RFC 1624).
 */
#include "dp/inner.h"

#include <errno.h>

#define IPPROTO_TCP_NUM 6
#define TCP_OPT_END	0
#define TCP_OPT_NOP	1
#define TCP_OPT_MSS	2
#define TCP_FLAG_SYN	0x02

static int inner_copy_addr(const struct buf *b, size_t off, size_t n, struct addr *a)
{
	uint8_t bytes[16];
	struct buf v = *b;

	if (buf_skip(&v, off) < 0 || buf_get_bytes(&v, bytes, n) < 0)
		return -EBADMSG;
	if (n == 4)
		addr_set_v4(a, bytes);
	else
		addr_set_v6(a, bytes);
	return 0;
}

int inner_addrs(const struct buf *b, struct addr *src, struct addr *dst)
{
	uint8_t v;

	if (buf_peek_u8(b, 0, &v) < 0)
		return -EBADMSG;
	if (v >> 4 == 4) {
		if ((v & 0xf) < 5 || buf_left(b) < (v & 0xfu) * 4)
			return -EBADMSG;
		if (inner_copy_addr(b, 12, 4, src) < 0 || inner_copy_addr(b, 16, 4, dst) < 0)
			return -EBADMSG;
		return 0;
	}
	if (v >> 4 == 6) {
		if (inner_copy_addr(b, 8, 16, src) < 0 || inner_copy_addr(b, 24, 16, dst) < 0)
			return -EBADMSG;
		return 0;
	}
	return -EBADMSG;
}

uint16_t inner_csum_update(uint16_t csum, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m'), in one's complement arithmetic. */
	uint32_t sum = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Offset of the TCP header in the packet at b's head and the MSS limit that applies, or 0. */
static size_t inner_tcp_offset(const struct buf *b, uint16_t mss4, uint16_t mss6, uint16_t *limit)
{
	uint8_t v, proto;
	uint16_t frag;

	if (buf_peek_u8(b, 0, &v) < 0)
		return 0;
	if (v >> 4 == 4) {
		/* Only the first fragment carries the TCP header. */
		if (buf_peek_u8(b, 9, &proto) < 0 || proto != IPPROTO_TCP_NUM ||
		    buf_peek_be16(b, 6, &frag) < 0 || (frag & 0x1fff) != 0 || (v & 0xf) < 5)
			return 0;
		*limit = mss4;
		return (v & 0xfu) * 4;
	}
	if (v >> 4 == 6) {
		/* Extension headers in front of TCP are rare on SYNs; those packets pass as they
		 * are. */
		if (buf_peek_u8(b, 6, &proto) < 0 || proto != IPPROTO_TCP_NUM)
			return 0;
		*limit = mss6;
		return 40;
	}
	return 0;
}

bool inner_clamp_mss(struct buf *b, uint16_t mss4, uint16_t mss6)
{
	size_t tcp, opt, end;
	uint16_t limit = 0, mss, csum;
	uint8_t flags, doff, kind, len;

	tcp = inner_tcp_offset(b, mss4, mss6, &limit);
	if (tcp == 0 || buf_peek_u8(b, tcp + 13, &flags) < 0 || !(flags & TCP_FLAG_SYN) ||
	    buf_peek_u8(b, tcp + 12, &doff) < 0)
		return false;
	end = tcp + (doff >> 4) * 4u;
	if ((doff >> 4) < 5 || end > buf_left(b))
		return false;
	for (opt = tcp + 20; opt < end;) {
		if (buf_peek_u8(b, opt, &kind) < 0 || kind == TCP_OPT_END)
			return false;
		if (kind == TCP_OPT_NOP) {
			opt++;
			continue;
		}
		if (opt + 1 >= end || buf_peek_u8(b, opt + 1, &len) < 0 || len < 2 ||
		    len > end - opt)
			return false;
		if (kind == TCP_OPT_MSS && len == 4) {
			if (buf_peek_be16(b, opt + 2, &mss) < 0 || mss <= limit ||
			    buf_peek_be16(b, tcp + 16, &csum) < 0)
				return false;
			buf_set_be16(b, buf_head_pos(b) + opt + 2, limit);
			/*
			 * The checksum sums 16-bit words from the TCP header's start: an MSS
			 * value at an odd offset (after a lone NOP) straddles two words, which
			 * in one's complement is the same as its bytes swapped.
			 */
			if ((opt + 2 - tcp) & 1) {
				mss = (uint16_t)(mss << 8 | mss >> 8);
				limit = (uint16_t)(limit << 8 | limit >> 8);
			}
			buf_set_be16(b, buf_head_pos(b) + tcp + 16,
				     inner_csum_update(csum, mss, limit));
			return true;
		}
		opt += len;
	}
	return false;
}
