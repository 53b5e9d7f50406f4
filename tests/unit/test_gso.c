/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/dp/gso: TCP super-packets (IPv4 and IPv6) cut into segments whose
 * headers and checksums are checked independently (full RFC 1071 sums through support/pkt),
 * partial checksums completed, and malformed virtio headers refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "dp/gso.h"
#include "support/pkt.h"

static const uint8_t a4[8] = {10, 1, 0, 10, 10, 2, 0, 10};
static const uint8_t a6[32] = {0xfd, 0, 0, 1, [15] = 1, [16] = 0xfd, 0, 0, 2, [31] = 2};

/* A TCP super-packet: headers (with 12 option bytes) and payload bytes i*3 for i < payload. */
static void super(struct buf *b, uint8_t *mem, size_t cap, int version, size_t payload,
		  uint8_t flags)
{
	size_t i, tcp_len = 32 + payload;

	buf_init_write(b, mem, cap);
	if (version == 4) {
		buf_put_u8(b, 0x45);
		buf_put_u8(b, 0);
		buf_put_be16(b, (uint16_t)(20 + tcp_len));
		buf_put_be16(b, 0x1000);
		buf_put_be16(b, 0x4000);
		buf_put_u8(b, 64);
		buf_put_u8(b, 6);
		buf_put_be16(b, 0);
		buf_put_bytes(b, a4, 8);
	} else {
		buf_put_be32(b, 0x60000000);
		buf_put_be16(b, (uint16_t)tcp_len);
		buf_put_u8(b, 6);
		buf_put_u8(b, 64);
		buf_put_bytes(b, a6, 32);
	}
	buf_put_be16(b, 40000);
	buf_put_be16(b, 5001);
	buf_put_be32(b, 0xfffff000); /* the sequence number wraps inside the run */
	buf_put_be32(b, 77);
	buf_put_u8(b, 8 << 4);
	buf_put_u8(b, flags);
	buf_put_be16(b, 1000);
	buf_put_be16(b, 0x1234); /* what the stack leaves there does not matter */
	buf_put_be16(b, 0);
	buf_put_bytes(b, (uint8_t[]){1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8}, 12);
	for (i = 0; i < payload; i++)
		buf_put_u8(b, (uint8_t)(i * 3));
}

/* Full TCP checksum over the segment in s (IP header length ip): 0 when right. */
static uint16_t tcp_check(const struct buf *s, size_t ip, int version)
{
	uint8_t mem[2048];
	struct buf w, tcp;
	size_t len = buf_left(s) - ip;

	buf_init_write(&w, mem, sizeof(mem));
	if (version == 4) {
		buf_put_bytes(&w, a4, 8);
		buf_put_be16(&w, 6);
		buf_put_be16(&w, (uint16_t)len);
	} else {
		buf_put_bytes(&w, a6, 32);
		buf_put_be32(&w, (uint32_t)len);
		buf_put_be32(&w, 6);
	}
	buf_slice(s, buf_head_pos(s) + ip, buf_tail_pos(s), &tcp);
	buf_put_buf(&w, &tcp);
	return pkt_csum(&w);
}

static void cut(int version)
{
	static uint8_t mem[70000], segmem[2048];
	const size_t payload = 10000, mss = 1348, ip = version == 4 ? 20 : 40;
	struct gso_hdr h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			    .type = version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
						 : VIRTIO_NET_HDR_GSO_TCPV6,
			    .hdr_len = (uint16_t)(ip + 32),
			    .size = mss,
			    .csum_start = (uint16_t)ip,
			    .csum_offset = 16};
	struct buf b, s, hdr;
	size_t done = 0;
	int k, count;

	super(&b, mem, sizeof(mem), version, payload, 0x18 | 0x01 | 0x80); /* PSH FIN CWR */
	count = gso_count(&b, &h);
	cr_assert_eq(count, (int)((payload + mss - 1) / mss));
	for (k = 0; k < count; k++) {
		size_t len = payload - done < mss ? payload - done : mss, i;
		uint32_t seq;
		uint16_t v16;
		uint8_t flags, v8;

		buf_init_write(&s, segmem, sizeof(segmem));
		cr_assert_eq(gso_segment(&b, &h, (unsigned)k, &s), 0, "segment %d", k);
		cr_assert_eq(buf_left(&s), ip + 32 + len);
		if (version == 4) {
			buf_peek_be16(&s, 2, &v16);
			cr_assert_eq(v16, 20 + 32 + len, "IPv4 total length");
			buf_peek_be16(&s, 4, &v16);
			cr_assert_eq(v16, 0x1000 + k, "IPv4 ID counts up");
			buf_slice(&s, 0, 20, &hdr);
			cr_assert_eq(pkt_csum(&hdr), 0, "IPv4 header checksum");
		} else {
			buf_peek_be16(&s, 4, &v16);
			cr_assert_eq(v16, 32 + len, "IPv6 payload length");
		}
		buf_peek_be32(&s, ip + 4, &seq);
		cr_assert_eq(seq, (uint32_t)(0xfffff000u + done), "sequence of segment %d", k);
		buf_peek_u8(&s, ip + 13, &flags);
		cr_assert_eq(flags & 0x09, k == count - 1 ? 0x09 : 0, "FIN/PSH only on the last");
		cr_assert_eq(flags & 0x80, k == 0 ? 0x80 : 0, "CWR only on the first");
		cr_assert_eq(flags & 0x10, 0x10, "ACK on every segment");
		cr_assert_eq(tcp_check(&s, ip, version), 0, "TCP checksum of segment %d", k);
		for (i = 0; i < len; i += 97) {
			buf_peek_u8(&s, ip + 32 + i, &v8);
			cr_assert_eq(v8, (uint8_t)((done + i) * 3), "payload byte %zu", done + i);
		}
		done += len;
	}
	cr_assert_eq(done, payload);
	cr_assert_eq(gso_segment(&b, &h, (unsigned)count, &s), -EBADMSG, "no segment past the end");
}

Test(gso, tcp4_super_packet_is_cut_right)
{
	cut(4);
}

Test(gso, tcp6_super_packet_is_cut_right)
{
	cut(6);
}

Test(gso, partial_checksum_is_completed)
{
	static uint8_t mem[4096];
	struct gso_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16};
	struct buf b;
	uint32_t sum = 0x0a01 + 0x000a + 0x0a02 + 0x000a + 6 + 32 + 777;

	super(&b, mem, sizeof(mem), 4, 777, 0x18);
	/* As the stack leaves it: the pseudo-header sum in the checksum field. */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	buf_set_be16(&b, 36, (uint16_t)sum);
	cr_assert_eq(gso_count(&b, &h), 1);
	cr_assert_eq(gso_csum_finish(&b, &h), 0);
	cr_assert_eq(tcp_check(&b, 20, 4), 0, "a complete, right checksum");

	h.csum_start = 4000;
	cr_assert_eq(gso_csum_finish(&b, &h), -EBADMSG, "a checksum start outside the packet");
	h.flags = 0;
	cr_assert_eq(gso_csum_finish(&b, &h), 0, "nothing to do without NEEDS_CSUM");
}

Test(gso, malformed_headers_are_refused)
{
	static uint8_t mem[4096];
	struct gso_hdr h = {.type = VIRTIO_NET_HDR_GSO_UDP, .size = 1000};
	struct buf b, cut;

	super(&b, mem, sizeof(mem), 4, 3000, 0x10);
	cr_assert_eq(gso_count(&b, &h), -EBADMSG, "UDP fragmentation offload is not TCP");
	h.type = VIRTIO_NET_HDR_GSO_TCPV6;
	cr_assert_eq(gso_count(&b, &h), -EBADMSG, "TCPV6 on an IPv4 packet");
	h.type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.size = 0;
	cr_assert_eq(gso_count(&b, &h), -EBADMSG, "segment size 0");
	h.size = 1000;
	cr_assert_eq(gso_count(&b, &h), 3);
	h.type |= VIRTIO_NET_HDR_GSO_ECN;
	cr_assert_eq(gso_count(&b, &h), 3, "the ECN bit is allowed");
	buf_init_room(&cut, mem, sizeof(mem), 0, 40);
	cr_assert_eq(gso_count(&cut, &h), -EBADMSG, "headers cut short");
	buf_init_read(&cut, "\x01\x01\x34", 3);
	cr_assert_eq(gso_hdr_get(&cut, &(struct gso_hdr){0}), -EBADMSG, "virtio header cut short");
}
