/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/dp/gro: which segments join a run (numbered refusal rows), and what one
 * write of a run looks like (virtio header, patched IPv4/TCP headers, payloads in order), read
 * back through a pipe standing in for the TUN.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dp/gro.h"
#include "support/pkt.h"

#define SEG 1000

struct seg_spec {
	uint32_t seq;
	uint8_t flags;
	size_t payload;
	uint16_t sport;
	uint8_t ttl;
	int version;
};

static uint8_t mem[80][2048];

/* A TCP/IPv4 segment with 12 bytes of timestamp option into mem[slot]. */
static struct buf seg(unsigned slot, struct seg_spec s)
{
	static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	struct buf b;
	size_t i, tot = 20 + 32 + s.payload;

	buf_init_write(&b, mem[slot], sizeof(mem[slot]));
	if (s.version == 6) {
		buf_put_be32(&b, 0x60000000);
		buf_put_fill(&b, 0, 36);
		return b;
	}
	buf_put_u8(&b, 0x45);
	buf_put_u8(&b, 0);
	buf_put_be16(&b, (uint16_t)tot);
	buf_put_be16(&b, (uint16_t)slot); /* IP ID differs per segment, as on the wire */
	buf_put_be16(&b, 0x4000);
	buf_put_u8(&b, s.ttl ? s.ttl : 64);
	buf_put_u8(&b, 6);
	buf_put_be16(&b, 0xbeef); /* stale checksums: the run's are recomputed */
	buf_put_bytes(&b, (uint8_t[]){10, 2, 0, 10, 10, 1, 0, 10}, 8);
	buf_put_be16(&b, s.sport ? s.sport : 5001);
	buf_put_be16(&b, 40000);
	buf_put_be32(&b, s.seq);
	buf_put_be32(&b, 0x11223344);
	buf_put_u8(&b, 8 << 4);
	buf_put_u8(&b, s.flags ? s.flags : 0x10);
	buf_put_be16(&b, 512);
	buf_put_be16(&b, 0xdead);
	buf_put_be16(&b, 0);
	buf_put_bytes(&b, opts, sizeof(opts));
	for (i = 0; i < s.payload; i++)
		buf_put_u8(&b, (uint8_t)(s.seq + i));
	return b;
}

static int pipe_fd[2];

static void setup(void)
{
	cr_assert_eq(pipe(pipe_fd), 0);
	fcntl(pipe_fd[1], F_SETPIPE_SZ, 1 << 20);
}

static void teardown(void)
{
	close(pipe_fd[0]);
	close(pipe_fd[1]);
}

TestSuite(gro, .init = setup, .fini = teardown);

Test(gro, a_run_is_one_gso_write)
{
	static uint8_t out[1 << 17];
	struct gro g = {0};
	struct buf b[5], hdr, r;
	uint16_t v16;
	uint8_t v8;
	ssize_t n;
	unsigned i;

	for (i = 0; i < 5; i++) {
		b[i] = seg(i, (struct seg_spec){.seq = 1000 + i * SEG,
						.payload = i == 4 ? 300 : SEG,
						.flags = i == 4 ? 0x18 : 0x10});
		cr_assert(gro_offer(&g, pipe_fd[1], &g, &b[i]), "segment %u joins", i);
	}
	cr_assert(g.closed, "the short PUSH segment ends the run");
	cr_assert_eq(g.n, 5);
	cr_assert_eq(g.bytes, 4 * (52 + SEG) + 52 + 300);
	cr_assert_eq(gro_write(&g), 0);
	n = read(pipe_fd[0], out, sizeof(out));
	cr_assert_eq(n, TUN_VNET_HDR_LEN + 52 + 4 * SEG + 300);

	buf_init_read(&r, out, (size_t)n);
	/* virtio_net_hdr: NEEDS_CSUM, GSO_TCPV4, headers 52, segments of 1000, csum at 20+16. */
	buf_get_u8(&r, &v8);
	cr_assert_eq(v8, 1);
	buf_get_u8(&r, &v8);
	cr_assert_eq(v8, 1);
	buf_get_h16(&r, &v16);
	cr_assert_eq(v16, 52);
	buf_get_h16(&r, &v16);
	cr_assert_eq(v16, SEG);
	buf_get_h16(&r, &v16);
	cr_assert_eq(v16, 20);
	buf_get_h16(&r, &v16);
	cr_assert_eq(v16, 16);

	buf_peek_be16(&r, 2, &v16);
	cr_assert_eq(v16, 52 + 4 * SEG + 300, "IPv4 total length of the whole run");
	buf_slice(&r, buf_head_pos(&r), buf_head_pos(&r) + 20, &hdr);
	cr_assert_eq(pkt_csum(&hdr), 0, "IPv4 header checksum recomputed");
	buf_peek_u8(&r, 33, &v8);
	cr_assert_eq(v8, 0x18, "PSH of the last segment carried");
	/* CHECKSUM_PARTIAL: the pseudo-header sum (addresses, protocol 6, TCP length). */
	uint32_t sum = 0x0a02 + 0x000a + 0x0a01 + 0x000a + 6 + 32 + 4 * SEG + 300;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	buf_peek_be16(&r, 36, &v16);
	cr_assert_eq(v16, sum);
	uint32_t seq;
	buf_peek_be32(&r, 24, &seq);
	cr_assert_eq(seq, 1000, "the first segment's sequence number");
	buf_skip(&r, 52);
	for (i = 0; i < 5; i++) {
		uint8_t want[SEG], got[SEG];
		size_t len = i == 4 ? 300 : SEG, k;

		for (k = 0; k < len; k++)
			want[k] = (uint8_t)(1000 + i * SEG + k);
		cr_assert_eq(buf_get_bytes(&r, got, len), 0);
		cr_assert_arr_eq(got, want, len, "payload of segment %u in order", i);
	}
	cr_assert_eq(buf_left(&r), 0);
}

Test(gro, a_single_segment_is_written_plain)
{
	static uint8_t out[4096];
	struct gro g = {0};
	struct buf b = seg(0, (struct seg_spec){.seq = 7, .payload = 100});

	cr_assert(gro_offer(&g, pipe_fd[1], &g, &b));
	cr_assert_eq(gro_write(&g), 0);
	cr_assert_eq(read(pipe_fd[0], out, sizeof(out)), TUN_VNET_HDR_LEN + 152);
	for (int i = 0; i < TUN_VNET_HDR_LEN; i++)
		cr_assert_eq(out[i], 0, "no GSO, no checksum offload");
	cr_assert_eq(out[TUN_VNET_HDR_LEN + 10], 0xbe, "the packet untouched");
}

struct refusal {
	const char *what;
	struct seg_spec next;
	bool fd_other, owner_other;
};

/* Each row: a run of one 1000-byte segment at seq 1, then this segment is offered. */
static const struct refusal refusals[] = {
	/* 1 */ {.what = "a gap in sequence numbers", .next = {.seq = 1 + SEG + 1, .payload = SEG}},
	/* 2 */ {.what = "a retransmission", .next = {.seq = 1, .payload = SEG}},
	/* 3 */
	{.what = "another flow (port)", .next = {.seq = 1 + SEG, .payload = SEG, .sport = 5002}},
	/* 4 */ {.what = "another TTL", .next = {.seq = 1 + SEG, .payload = SEG, .ttl = 3}},
	/* 5 */ {.what = "a larger segment", .next = {.seq = 1 + SEG, .payload = SEG + 1}},
	/* 6 */ {.what = "FIN", .next = {.seq = 1 + SEG, .payload = SEG, .flags = 0x11}},
	/* 7 */ {.what = "a pure ACK", .next = {.seq = 1 + SEG, .payload = 0}},
	/* 8 */ {.what = "IPv6", .next = {.seq = 1 + SEG, .payload = SEG, .version = 6}},
	/* 9 */ {.what = "another TUN", .next = {.seq = 1 + SEG, .payload = SEG}, .fd_other = true},
	/* 10 */
	{.what = "another connection",
	 .next = {.seq = 1 + SEG, .payload = SEG},
	 .owner_other = true},
};

Test(gro, refusals)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		struct gro g = {0};
		struct buf a = seg(0, (struct seg_spec){.seq = 1, .payload = SEG});
		struct buf b = seg(1, r->next);
		int other = 0;

		cr_assert(gro_offer(&g, pipe_fd[1], &g, &a));
		cr_assert_not(gro_offer(&g, r->fd_other ? pipe_fd[0] : pipe_fd[1],
					r->owner_other ? (void *)&other : (void *)&g, &b),
			      "row %zu (%s) must not join", i + 1, r->what);
		cr_assert_eq(g.n, 1);
	}
}

Test(gro, runs_end)
{
	struct gro g = {0};
	struct buf b;
	unsigned i;

	/* A PSH segment does not start a run; a short one closes it. */
	b = seg(0, (struct seg_spec){.seq = 1, .payload = SEG, .flags = 0x18});
	cr_assert_not(gro_offer(&g, pipe_fd[1], &g, &b));
	b = seg(0, (struct seg_spec){.seq = 1, .payload = SEG});
	cr_assert(gro_offer(&g, pipe_fd[1], &g, &b));
	b = seg(1, (struct seg_spec){.seq = 1 + SEG, .payload = 10});
	cr_assert(gro_offer(&g, pipe_fd[1], &g, &b));
	b = seg(2, (struct seg_spec){.seq = 1 + SEG + 10, .payload = 10});
	cr_assert_not(gro_offer(&g, pipe_fd[1], &g, &b), "closed by the short segment");
	gro_reset(&g);

	/* At most GRO_SEGS segments, and never more than 64 KiB. */
	for (i = 0; i < GRO_SEGS + 1; i++) {
		b = seg(i, (struct seg_spec){.seq = 1 + i * 100, .payload = 100});
		cr_assert_eq(gro_offer(&g, pipe_fd[1], &g, &b), i < GRO_SEGS, "segment %u", i);
	}
	gro_reset(&g);
	for (i = 0; i < 70; i++) {
		b = seg(i, (struct seg_spec){.seq = 1 + i * 1400, .payload = 1400});
		if (!gro_offer(&g, pipe_fd[1], &g, &b))
			break;
	}
	cr_assert_eq(i, (65535 - 52) / 1400, "stopped at the 64 KiB limit");
}
