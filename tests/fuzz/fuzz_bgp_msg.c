/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the BGP message codec and speaker, through the entry points the daemon
 * uses. The first byte selects the mode and the session context:
 *   bit 7 clear (codec): the rest is a byte stream cut into messages by bgp_stream (as a
 *     session does) and each message parsed by bgp_msg_parse: OPEN, UPDATE with every path
 *     attribute, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH. Bit 0: 4-octet AS session; bit 1:
 *     eBGP; bit 2: check the leftmost AS against 65001. An UPDATE taken as is (no RFC 7606
 *     action) with IPv4 NLRI is rebuilt with bgp_update_build, parsed again and compared; a
 *     builder refusing what its parser took (other than for room), a mismatch, or a session
 *     reset without a NOTIFICATION code aborts.
 *   bit 7 set (speaker): a speaker with one passive peer (AS 65009) accepts a connection, gets
 *     a valid OPEN and KEEPALIVE (Established), then the rest of the input through
 *     bgp_speaker_input, then its timers an hour later; then it is freed (LeakSanitizer sees
 *     anything left). Routes go through import, the RIB and export.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "bgp/speaker.h"
#include "bgp/stream.h"
#include "bgp/update.h"
#include "lib/log.h"

static struct bgp_update *fuzz_u, *fuzz_back;
static struct bgp_error fuzz_err;

/* memcmp that takes empty (possibly NULL) arrays. */
static bool differ(const void *x, const void *y, size_t n)
{
	return n && memcmp(x, y, n) != 0;
}

static void check_update_round_trip(const struct bgp_parse_ctx *ctx)
{
	static struct prefix list[BGP_MAX_MSG];
	static uint8_t mem[BGP_MAX_MSG];
	struct bgp_update *u = fuzz_u, *b = fuzz_back;
	struct bgp_update_out out = {.afi = BGP_AFI_IPV4, .as4 = ctx->as4};
	struct bgp_attrs a = u->attrs;
	struct bgp_msg m = {.update = b};
	struct bgp_error err;
	struct buf nl = u->nlri, w, r;
	size_t n = 0, wd, done;
	struct prefix p;
	int rc;

	if (u->action != BGP_ACT_NONE || !buf_left(&u->nlri) || u->mp_reach || u->mp_unreach ||
	    buf_left(&u->withdrawn))
		return;
	while (n < BGP_MAX_MSG && bgp_nlri_get(&nl, BGP_AFI_IPV4, &list[n]) == 0)
		n++;
	a.nexthop = u->nexthop4;
	out.attrs = &a;
	out.nlri = list;
	out.n_nlri = n;
	buf_init_write(&w, mem, sizeof(mem));
	rc = bgp_update_build(&w, &out, &wd, &done);
	if (rc == -ENOSPC)
		return; /* re-encoded attributes may not fit (2-octet ASNs become 4-octet) */
	if (rc)
		abort();
	r = w;
	if (bgp_msg_parse(&r, ctx, &m, &err) || b->action != BGP_ACT_NONE)
		abort();
	if (b->attrs.origin != u->attrs.origin || b->attrs.have != u->attrs.have ||
	    !addr_equal(&b->nexthop4, &u->nexthop4) ||
	    ((u->attrs.have & BGP_HAVE(BGP_ATTR_MED)) && b->attrs.med != u->attrs.med) ||
	    b->attrs.n_communities != u->attrs.n_communities ||
	    differ(b->attrs.communities, u->attrs.communities,
		   u->attrs.n_communities * sizeof(uint32_t)) ||
	    b->attrs.other_len != u->attrs.other_len ||
	    differ(b->attrs.other, u->attrs.other, u->attrs.other_len))
		abort();
	/*
	 * RFC 6793 4.2.3: a 2-octet AGGREGATOR that is not AS_TRANS makes the receiver ignore
	 * AS4_PATH, so a path with 4-octet ASNs does not survive that encoding: not compared.
	 */
	/* Nor confederation segments, which AS4_PATH does not carry (RFC 6793 3), internally. */
	if (!ctx->as4 && !ctx->ebgp)
		return;
	if (ctx->as4 || !(u->attrs.have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) ||
	    u->attrs.aggr_as == BGP_AS_TRANS || u->attrs.aggr_as > UINT16_MAX) {
		const struct bgp_aspath *x = &u->attrs.aspath, *y = &b->attrs.aspath;

		if (x->n_as != y->n_as || bgp_aspath_count(x) != bgp_aspath_count(y) ||
		    differ(x->as, y->as, x->n_as * sizeof(uint32_t)))
			abort();
		if ((u->attrs.have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) &&
		    b->attrs.aggr_as != u->attrs.aggr_as)
			abort();
	}
	nl = b->nlri;
	for (size_t i = 0; i < done; i++)
		if (bgp_nlri_get(&nl, BGP_AFI_IPV4, &p) || !prefix_equal(&p, &list[i]))
			abort();
	if (bgp_nlri_get(&nl, BGP_AFI_IPV4, &p) != -ENOENT)
		abort();
}

static void fuzz_codec(uint8_t mode, const uint8_t *data, size_t size)
{
	static struct bgp_stream st;
	struct bgp_parse_ctx ctx = {
		.as4 = mode & 1, .ebgp = mode & 2, .peer_as = (mode & 4) ? 65001 : 0};
	struct bgp_msg m;

	bgp_stream_init(&st);
	while (size) {
		size_t used;
		struct buf msg;
		int r;

		bgp_stream_push(&st, data, size, &used);
		data += used;
		size -= used;
		while ((r = bgp_stream_next(&st, &msg, &fuzz_err)) == 1) {
			memset(&m, 0, sizeof(m));
			m.update = fuzz_u;
			r = bgp_msg_parse(&msg, &ctx, &m, &fuzz_err);
			if (r && (fuzz_err.action != BGP_ACT_SESSION_RESET || fuzz_err.code == 0 ||
				  fuzz_err.code > BGP_ERR_REFRESH))
				abort();
			if (r == 0 && m.hdr.type == BGP_MSG_UPDATE)
				check_update_round_trip(&ctx);
		}
		if (r < 0)
			return; /* header error: the session would end here */
		if (used == 0)
			abort();
	}
}

/* ---- speaker mode ---------------------------------------------------------------------------- */

static uint64_t fuzz_now = 1000000000000ull;
static int fuzz_closed;

static uint64_t op_now(void *ctx)
{
	return fuzz_now;
}

static int op_connect(void *ctx, uint32_t conn, const struct addr *l, const struct addr *r,
		      uint16_t port)
{
	return -ECONNREFUSED;
}

static int op_send(void *ctx, uint32_t conn, const uint8_t *data, size_t len)
{
	struct buf b;
	struct bgp_hdr h;
	struct bgp_error err;

	/* What the speaker sends is always a whole valid header. */
	buf_init_read(&b, data, len);
	if (bgp_msg_parse_header(&b, &h, &err) || h.len != len)
		abort();
	return 0;
}

static void op_close(void *ctx, uint32_t conn)
{
	fuzz_closed++;
}

static void fuzz_speaker(const uint8_t *data, size_t size)
{
	/* OPEN from AS 65009, hold 90, id 10.0.0.9, MP v4+v6, refresh, 4-octet AS; KEEPALIVE */
	static const uint8_t hello[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x00, 0x33, 0x01, 0x04, 0xfd, 0xf1, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x09,
		0x16, 0x02, 0x14, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x01, 0x04, 0x00, 0x02, 0x00,
		0x01, 0x02, 0x00, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xf1, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x04};
	struct bgp_speaker_ops ops = {
		.connect = op_connect, .send = op_send, .close = op_close, .now = op_now};
	struct bgp_speaker_config cfg;
	struct bgp_peer_config pc;
	struct bgp_local_prefix lp = {.vnet = true};
	struct bgp_speaker *sp;
	struct addr remote;
	uint32_t conn;

	bgp_speaker_config_default(&cfg);
	cfg.router_id = 1;
	addr_parse(&cfg.local, "10.0.0.1", NULL, 0);
	addr_parse(&cfg.local6, "fd00::1", NULL, 0);
	if (bgp_speaker_new(&sp, &cfg, &ops))
		abort();
	prefix_parse(&lp.prefix, "10.1.0.0/16", 0, NULL, 0);
	bgp_speaker_set_local_prefixes(sp, &lp, 1);
	bgp_peer_config_default(&pc);
	strcpy(pc.name, "fuzz");
	addr_parse(&pc.addr, "10.0.0.9", NULL, 0);
	addr_parse(&remote, "10.0.0.9", NULL, 0);
	pc.asn = 65009;
	pc.passive = true;
	pc.max_prefixes = 100;
	if (bgp_speaker_peer_add(sp, &pc) || bgp_speaker_accept(sp, &cfg.local, &remote, &conn))
		abort();
	bgp_speaker_input(sp, conn, hello, sizeof(hello));
	bgp_speaker_input(sp, conn, data, size);
	fuzz_now += 3600 * 1000000000ull;
	bgp_speaker_run_timers(sp);
	bgp_speaker_free(sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_u) {
		fuzz_u = calloc(1, sizeof(*fuzz_u));
		fuzz_back = calloc(1, sizeof(*fuzz_back));
		log_set_level(LOG_LVL_ERR);
	}
	if (size < 1)
		return 0;
	if (data[0] & 0x80)
		fuzz_speaker(data + 1, size - 1);
	else
		fuzz_codec(data[0], data + 1, size - 1);
	return 0;
}
