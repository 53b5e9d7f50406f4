/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/dp/inner: inner addresses, and the TCP MSS clamp with its incremental
 * checksum (RFC 1624), checked against a full recomputation (RFC 1071) over numbered rows and
 * random option layouts (seed printed; VNETGW_SEED=N repeats a run).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp/inner.h"
#include "support/pkt.h"

/* A TCP segment with flags and options opts (nopt bytes, padded with EOL), in an IP packet. */
struct syn {
	int version;
	uint8_t flags;
	uint16_t frag; /* IPv4 flags and fragment offset */
	const uint8_t *opts;
	size_t nopt;
	size_t payload;
};

static const uint8_t src4[4] = {10, 1, 0, 10}, dst4[4] = {10, 2, 0, 10};
static const uint8_t src6[16] = {0xfd, 0, 0, 1, [15] = 1}, dst6[16] = {0xfd, 0, 0, 2, [15] = 2};

/* The TCP checksum of the segment at tcp (len bytes) between the packet's addresses. */
static uint16_t tcp_csum(const struct buf *pkt, size_t tcp, size_t len, int version)
{
	uint8_t mem[2048];
	struct buf w, seg;

	buf_init_write(&w, mem, sizeof(mem));
	if (version == 4) {
		buf_put_bytes(&w, src4, 4);
		buf_put_bytes(&w, dst4, 4);
		buf_put_be16(&w, 6);
		buf_put_be16(&w, (uint16_t)len);
	} else {
		buf_put_bytes(&w, src6, 16);
		buf_put_bytes(&w, dst6, 16);
		buf_put_be32(&w, (uint32_t)len);
		buf_put_be32(&w, 6);
	}
	cr_assert_eq(buf_slice(pkt, buf_head_pos(pkt) + tcp, buf_head_pos(pkt) + tcp + len, &seg),
		     0);
	buf_put_buf(&w, &seg);
	return pkt_csum(&w);
}

/* Build s into b; returns the TCP header's offset. The checksum is right. */
static size_t build(struct buf *b, uint8_t *mem, size_t cap, const struct syn *s)
{
	size_t optlen = (s->nopt + 3) & ~3u, tcp = s->version == 4 ? 20 : 40;
	size_t tcplen = 20 + optlen + s->payload, i;

	buf_init_write(b, mem, cap);
	if (s->version == 4) {
		buf_put_u8(b, 0x45);
		buf_put_u8(b, 0);
		buf_put_be16(b, (uint16_t)(20 + tcplen));
		buf_put_be16(b, 1);
		buf_put_be16(b, s->frag);
		buf_put_u8(b, 64);
		buf_put_u8(b, 6);
		buf_put_be16(b, 0); /* the IP checksum is not what the clamp touches */
		buf_put_bytes(b, src4, 4);
		buf_put_bytes(b, dst4, 4);
	} else {
		buf_put_be32(b, 0x60000000);
		buf_put_be16(b, (uint16_t)tcplen);
		buf_put_u8(b, 6);
		buf_put_u8(b, 64);
		buf_put_bytes(b, src6, 16);
		buf_put_bytes(b, dst6, 16);
	}
	buf_put_be16(b, 40000);
	buf_put_be16(b, 5001);
	buf_put_be32(b, 0x01020304);
	buf_put_be32(b, 0);
	buf_put_u8(b, (uint8_t)((20 + optlen) / 4) << 4);
	buf_put_u8(b, s->flags);
	buf_put_be16(b, 65535);
	buf_put_be16(b, 0);
	buf_put_be16(b, 0);
	buf_put_bytes(b, s->opts, s->nopt);
	buf_put_fill(b, 0, optlen - s->nopt);
	for (i = 0; i < s->payload; i++)
		buf_put_u8(b, (uint8_t)(i * 7));
	buf_set_be16(b, tcp + 16, tcp_csum(b, tcp, tcplen, s->version));
	cr_assert_eq(tcp_csum(b, tcp, tcplen, s->version), 0, "built with a right checksum");
	return tcp;
}

/* The MSS in the options, 0 if none. */
static uint16_t mss_of(const struct buf *b, size_t tcp)
{
	uint8_t doff, kind, len;
	uint16_t mss;
	size_t o;

	buf_peek_u8(b, tcp + 12, &doff);
	for (o = tcp + 20; o < tcp + (doff >> 4) * 4u;) {
		buf_peek_u8(b, o, &kind);
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		buf_peek_u8(b, o + 1, &len);
		if (kind == 2) {
			buf_peek_be16(b, o + 2, &mss);
			return mss;
		}
		if (len < 2)
			break;
		o += len;
	}
	return 0;
}

struct row {
	const char *what;
	struct syn syn;
	bool changed;
	uint16_t mss_after;
};

#define MSS(v) 2, 4, (uint8_t)((v) >> 8), (uint8_t)(v)

static const uint8_t o_mss1460[] = {MSS(1460)};
static const uint8_t o_nop_mss[] = {1, MSS(1460)};
static const uint8_t o_ts_mss[] = {1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 4, 2, MSS(8960), 3, 3, 7};
static const uint8_t o_mss1300[] = {MSS(1300)};
static const uint8_t o_mss1350[] = {MSS(1350)};
static const uint8_t o_mss1440[] = {MSS(1440)};
static const uint8_t o_bad_len[] = {8, 0, MSS(1460)};	      /* length 0: malformed, stop */
static const uint8_t o_overrun[] = {8, 40, MSS(1460)};	      /* runs past the header */
static const uint8_t o_eol_first[] = {0, 0, 0, 0, MSS(1460)}; /* after EOL: not options */
static const uint8_t o_mss_cut[] = {1, 1, 1, 2};	      /* MSS kind in the last byte */

static const struct row rows[] = {
	/* 1 */ {"v4 SYN, MSS 1460", {4, 0x02, 0, o_mss1460, sizeof(o_mss1460), 0}, true, 1350},
	/* 2 */ {"v4 SYN-ACK", {4, 0x12, 0, o_mss1460, sizeof(o_mss1460), 0}, true, 1350},
	/* 3 */ {"MSS at an odd offset", {4, 0x02, 0, o_nop_mss, sizeof(o_nop_mss), 0}, true, 1350},
	/* 4 */
	{"after timestamps, jumbo", {4, 0x02, 0, o_ts_mss, sizeof(o_ts_mss), 0}, true, 1350},
	/* 5 */ {"already small", {4, 0x02, 0, o_mss1300, sizeof(o_mss1300), 0}, false, 1300},
	/* 6 */ {"exactly the limit", {4, 0x02, 0, o_mss1350, sizeof(o_mss1350), 0}, false, 1350},
	/* 7 */ {"not a SYN", {4, 0x10, 0, o_mss1460, sizeof(o_mss1460), 0}, false, 1460},
	/* 8 */
	{"a later fragment", {4, 0x02, 0x0010, o_mss1460, sizeof(o_mss1460), 0}, false, 1460},
	/* 9 */
	{"first fragment (MF)", {4, 0x02, 0x2000, o_mss1460, sizeof(o_mss1460), 0}, true, 1350},
	/* 10 */ {"v6 SYN, MSS 1440", {6, 0x02, 0, o_mss1440, sizeof(o_mss1440), 0}, true, 1330},
	/* 11 */ {"option length 0", {4, 0x02, 0, o_bad_len, sizeof(o_bad_len), 0}, false, 0},
	/* 12 */
	{"option past the header", {4, 0x02, 0, o_overrun, sizeof(o_overrun), 0}, false, 0},
	/* 13 */ {"MSS after EOL", {4, 0x02, 0, o_eol_first, sizeof(o_eol_first), 0}, false, 0},
	/* 14 */ {"MSS kind cut off", {4, 0x02, 0, o_mss_cut, sizeof(o_mss_cut), 0}, false, 0},
	/* 15 */ {"SYN with data", {4, 0x02, 0, o_nop_mss, sizeof(o_nop_mss), 33}, true, 1350},
};

Test(inner, mss_clamp_rows)
{
	uint8_t mem[512];
	struct buf b;
	size_t i, tcp;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t tcplen;

		tcp = build(&b, mem, sizeof(mem), &r->syn);
		tcplen = buf_left(&b) - tcp;
		cr_assert_eq(inner_clamp_mss(&b, INNER_MSS_V4, INNER_MSS_V6), r->changed,
			     "row %zu (%s)", i + 1, r->what);
		if (r->mss_after)
			cr_assert_eq(mss_of(&b, tcp), r->mss_after, "row %zu (%s)", i + 1, r->what);
		cr_assert_eq(tcp_csum(&b, tcp, tcplen, r->syn.version), 0,
			     "row %zu (%s): checksum still right", i + 1, r->what);
	}
}

Test(inner, truncated_packets_are_left_alone)
{
	uint8_t mem[512];
	struct buf b, cut;
	size_t n, len;

	build(&b, mem, sizeof(mem), &rows[3].syn);
	len = buf_left(&b);
	for (n = 0; n < len; n++) {
		buf_init_room(&cut, mem, sizeof(mem), 0, n);
		/* Whatever a cut packet holds, the clamp never reads or writes past it. */
		inner_clamp_mss(&cut, INNER_MSS_V4, INNER_MSS_V6);
		cr_assert_eq(buf_left(&cut), n);
	}
}

Test(inner, random_option_layouts_keep_the_checksum)
{
	const char *env = getenv("VNETGW_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	uint8_t opts[40], mem[512];
	struct buf b;
	int iter;

	printf("test_inner: seed %u (VNETGW_SEED=%u repeats)\n", seed, seed);
	srand(seed);
	for (iter = 0; iter < 2000; iter++) {
		/* NOPs and timestamp-like options around an MSS option at a random place. */
		size_t n = 0, before = (size_t)rand() % 12, i, tcp, tcplen;
		uint16_t mss = (uint16_t)(rand() % 65536);
		struct syn s = {rand() % 2 ? 4 : 6, 0x02, 0, opts, 0, (size_t)rand() % 64};

		for (i = 0; i < before; i++)
			opts[n++] = 1;
		if (rand() % 2) {
			opts[n++] = 4; /* SACK permitted */
			opts[n++] = 2;
		}
		opts[n++] = 2;
		opts[n++] = 4;
		opts[n++] = (uint8_t)(mss >> 8);
		opts[n++] = (uint8_t)mss;
		s.nopt = n;
		tcp = build(&b, mem, sizeof(mem), &s);
		tcplen = buf_left(&b) - tcp;
		uint16_t limit = s.version == 4 ? INNER_MSS_V4 : INNER_MSS_V6;
		cr_assert_eq(inner_clamp_mss(&b, INNER_MSS_V4, INNER_MSS_V6), mss > limit,
			     "seed %u iteration %d", seed, iter);
		cr_assert_eq(mss_of(&b, tcp), mss > limit ? limit : mss, "seed %u iteration %d",
			     seed, iter);
		cr_assert_eq(tcp_csum(&b, tcp, tcplen, s.version), 0, "seed %u iteration %d", seed,
			     iter);
	}
}

Test(inner, csum_update_matches_rfc1624_examples)
{
	/* RFC 1624 3: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000. */
	cr_assert_eq(inner_csum_update(0xdd2f, 0x5555, 0x3285), 0x0000);
	/* Unchanged data, unchanged checksum. */
	cr_assert_eq(inner_csum_update(0x1234, 0xabcd, 0xabcd), 0x1234);
}

Test(inner, addresses)
{
	static const uint8_t v4[20] = {0x45, 0, 0,  20, 0, 0,  0,  0, 64, 1,
				       0,    0, 10, 1,	0, 10, 10, 2, 0,  10};
	uint8_t v6[40] = {0x60, 0, 0, 0, 0, 0, 59, 64};
	struct addr s, d, want;
	struct buf b;

	buf_init_read(&b, v4, sizeof(v4));
	cr_assert_eq(inner_addrs(&b, &s, &d), 0);
	addr_parse(&want, "10.1.0.10", NULL, 0);
	cr_assert(addr_equal(&s, &want));
	addr_parse(&want, "10.2.0.10", NULL, 0);
	cr_assert(addr_equal(&d, &want));
	buf_init_read(&b, v4, 19);
	cr_assert_eq(inner_addrs(&b, &s, &d), -EBADMSG, "cut IPv4 header");

	memcpy(v6 + 8, src6, 16);
	memcpy(v6 + 24, dst6, 16);
	buf_init_read(&b, v6, sizeof(v6));
	cr_assert_eq(inner_addrs(&b, &s, &d), 0);
	cr_assert_eq(s.family, AF_INET6);
	cr_assert_arr_eq(d.bytes, dst6, 16);
	buf_init_read(&b, v6, 39);
	cr_assert_eq(inner_addrs(&b, &s, &d), -EBADMSG, "cut IPv6 header");
	buf_init_read(&b, "\x20", 1);
	cr_assert_eq(inner_addrs(&b, &s, &d), -EBADMSG, "version 2");
	buf_init_read(&b, "", 0);
	cr_assert_eq(inner_addrs(&b, &s, &d), -EBADMSG, "empty");
}
