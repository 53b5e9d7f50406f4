/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/bgp/msg and stream: known-answer bytes written by hand from the
 * RFC 4271 4.1-4.5 diagrams (RFC 5492 4 capabilities, RFC 4760 3/4/8, RFC 2918 3, RFC 4486 4),
 * so that builder and parser cannot share a mistake; numbered rows of malformed headers and
 * OPENs with the NOTIFICATION each must get; stream framing. UPDATE attributes and their
 * RFC 7606 verdicts are test_bgp_update.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "bgp/stream.h"
#include "bgp/update.h"
#include "support/hex.h"

#define MARKER "ffffffffffffffffffffffffffffffff"

static struct bgp_update *U;
static struct bgp_error E;
/* The bytes of the last message parsed: its views (NLRI, NOTIFICATION data) point into them. */
static uint8_t *last_msg;

static void setup(void)
{
	U = calloc(1, sizeof(*U));
}

static void teardown(void)
{
	free(U);
	free(last_msg);
	last_msg = NULL;
}

TestSuite(bgp_msg, .init = setup, .fini = teardown);

/* Parse a whole message given as hex, from an exact-size heap copy (ASan sees overreads). */
static int parse_hex(const char *hex, const struct bgp_parse_ctx *ctx, struct bgp_msg *m)
{
	size_t len;
	uint8_t *p = hex_decode(hex, &len);
	struct buf b;
	int r;

	memset(m, 0, sizeof(*m));
	m->update = U;
	memset(&E, 0, sizeof(E));
	buf_init_read(&b, p, len);
	r = bgp_msg_parse(&b, ctx, m, &E);
	free(last_msg);
	last_msg = p;
	return r;
}

static void assert_bytes(const struct buf *w, const char *hex)
{
	size_t len;
	uint8_t *p = hex_decode(hex, &len);
	char *got = hex_encode(buf_data(w), buf_left(w));

	cr_assert(buf_equal_mem(w, p, len), "built %s\nwanted %s", got, hex);
	free(got);
	free(p);
}

/* ---- known answers ------------------------------------------------------------------------ */

/* RFC 4271 4.4: a KEEPALIVE is the header alone, length 19. */
Test(bgp_msg, keepalive_known_answer)
{
	uint8_t mem[64];
	struct buf w;
	struct bgp_msg m;

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_msg_build_keepalive(&w), 0);
	assert_bytes(&w, MARKER "0013 04");
	cr_assert_eq(parse_hex(MARKER "0013 04", NULL, &m), 0);
	cr_assert_eq(m.hdr.type, BGP_MSG_KEEPALIVE);
}

/*
 * RFC 4271 4.2 + RFC 5492 4: version 4, AS 65515, hold 90, id 10.0.0.1, one Capabilities
 * parameter (type 2) with MP IPv4/unicast and IPv6/unicast (RFC 4760 8: 1, len 4, AFI, 0,
 * SAFI), route refresh (RFC 2918: 2, len 0) and 4-octet AS (RFC 6793: 65, len 4).
 * 19 + 10 + 2 + 20 = 51 bytes.
 */
static const char open_ka[] = MARKER "0033 01"
				     "04 ffeb 005a 0a000001 16"
				     "02 14 01040001 0001 01040002 0001 0200 4104 0000ffeb";

Test(bgp_msg, open_known_answer)
{
	struct bgp_open o = {.version = 4,
			     .my_as = 65515,
			     .hold_time = 90,
			     .bgp_id = 0x0a000001,
			     .cap_mp_ipv4 = true,
			     .cap_mp_ipv6 = true,
			     .cap_refresh = true,
			     .cap_as4 = true,
			     .as4 = 65515};
	uint8_t mem[128];
	struct buf w;
	struct bgp_msg m;

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_msg_build_open(&w, &o), 0);
	assert_bytes(&w, open_ka);
	cr_assert_eq(parse_hex(open_ka, NULL, &m), 0, "%s", E.why);
	cr_assert_eq(m.open.version, 4);
	cr_assert_eq(m.open.my_as, 65515);
	cr_assert_eq(m.open.hold_time, 90);
	cr_assert_eq(m.open.bgp_id, 0x0a000001);
	cr_assert(m.open.cap_mp_ipv4 && m.open.cap_mp_ipv6 && m.open.cap_refresh &&
		  m.open.cap_as4 && m.open.cap_mp_any);
	cr_assert_eq(bgp_open_asn(&m.open), 65515);
}

/* RFC 6793 4.1: a 4-octet AS goes in the capability, AS_TRANS (23456 = 0x5ba0) in My AS. */
Test(bgp_msg, open_as4_uses_as_trans)
{
	static const char hex[] = MARKER "0025 01"
					 "04 5ba0 00b4 c0000201 08"
					 "02 06 4104 fa56ea01";
	struct bgp_msg m;

	cr_assert_eq(parse_hex(hex, NULL, &m), 0, "%s", E.why);
	cr_assert_eq(m.open.my_as, BGP_AS_TRANS);
	cr_assert_eq(bgp_open_asn(&m.open), 4200000001u);
	cr_assert(!m.open.cap_mp_any);
}

/* RFC 4486 4: Cease/Maximum Number of Prefixes Reached, data AFI 1, SAFI 1, limit 4000. */
Test(bgp_msg, notification_known_answer)
{
	static const char hex[] = MARKER "001c 03 06 01 0001 01 00000fa0";
	uint8_t mem[64], data[16];
	struct buf w, d;
	struct bgp_msg m;

	buf_init_write(&d, data, sizeof(data));
	cr_assert_eq(bgp_msg_max_prefix_data(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST, 4000), 0);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_msg_build_notification(&w, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX,
						buf_data(&d), buf_left(&d)),
		     0);
	assert_bytes(&w, hex);
	cr_assert_eq(parse_hex(hex, NULL, &m), 0);
	cr_assert_eq(m.notif.code, 6);
	cr_assert_eq(m.notif.subcode, 1);
	cr_assert(buf_equal_mem(&m.notif.data, data, 7));
	cr_assert_str_eq(bgp_error_subcode_name(6, 1), "Maximum Number of Prefixes Reached");
	cr_assert_str_eq(bgp_error_subcode_name(6, 7), "Connection Collision Resolution");
	cr_assert_str_eq(bgp_error_subcode_name(5, 3),
			 "Receive Unexpected Message in Established State");
}

/* RFC 2918 3: AFI (2), reserved (1), SAFI (1); 23 bytes. */
Test(bgp_msg, route_refresh_known_answer)
{
	static const char hex[] = MARKER "0017 05 0002 00 01";
	uint8_t mem[64];
	struct buf w;
	struct bgp_msg m;

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_msg_build_refresh(&w, BGP_AFI_IPV6, BGP_SAFI_UNICAST), 0);
	assert_bytes(&w, hex);
	cr_assert_eq(parse_hex(hex, NULL, &m), 0);
	cr_assert_eq(m.refresh.afi, 2);
	cr_assert_eq(m.refresh.safi, 1);
}

/*
 * RFC 4271 4.3: withdrawn length 0, attribute length 20: ORIGIN IGP (40 01 01 00), AS_PATH
 * one AS_SEQUENCE of 65515 in 4 octets (40 02 06 02 01 0000ffeb), NEXT_HOP 10.0.0.1
 * (40 03 04 0a000001); NLRI 10.1.0.0/16 (10 0a01). 19 + 4 + 20 + 3 = 46.
 */
static const char update_ka[] = MARKER "002e 02"
				       "0000 0014 40010100 40020602 010000ffeb 4003040a000001"
				       "100a01";

static struct prefix P(const char *s) {
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, NULL, 0), 0, "%s", s);
	return p;
}

static struct addr
A(const char *s) {
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, NULL, 0), 0, "%s", s);
	return a;
}

Test(bgp_msg, update_known_answer)
{
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, 1};
	uint32_t as = 65515;
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
			BGP_HAVE(BGP_ATTR_NEXT_HOP),
		.origin = BGP_ORIGIN_IGP,
		.aspath = {&seg, &as, 1, 1},
		.nexthop = A("10.0.0.1"),
	};
	struct prefix nlri = P("10.1.0.0/16");
	struct bgp_update_out out = {
		.afi = BGP_AFI_IPV4, .as4 = true, .attrs = &a, .nlri = &nlri, .n_nlri = 1};
	struct bgp_parse_ctx ctx = {.as4 = true, .ebgp = true, .peer_as = 65515};
	uint8_t mem[BGP_MAX_MSG];
	size_t wd, nl;
	struct buf w, b;
	struct bgp_msg m;
	struct prefix got;

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_update_build(&w, &out, &wd, &nl), 0);
	cr_assert_eq(nl, 1);
	assert_bytes(&w, update_ka);
	cr_assert_eq(parse_hex(update_ka, &ctx, &m), 0, "%s", E.why);
	cr_assert_eq(U->action, BGP_ACT_NONE, "%s", U->why);
	b = U->nlri;
	cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV4, &got), 0);
	cr_assert(prefix_equal(&got, &nlri));
	cr_assert(addr_equal(&U->nexthop4, &a.nexthop));
	cr_assert_eq(U->attrs.aspath.n_as, 1);
	cr_assert_eq(U->attrs.aspath.as[0], 65515);
}

/* ---- header and message-level errors (RFC 4271 6.1, RFC 7313 5) ---------------------------- */

struct err_row {
	const char *hex;
	uint8_t code, subcode;
	const char *data; /* expected NOTIFICATION data, NULL: not checked */
};

static void run_err_rows(const struct err_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bgp_msg m;
		int r = parse_hex(rows[i].hex, NULL, &m);

		cr_assert_eq(r, -EBADMSG, "row %zu: parsed (r=%d)", i + 1, r);
		cr_assert_eq(E.action, BGP_ACT_SESSION_RESET, "row %zu", i + 1);
		cr_assert(E.code == rows[i].code && E.subcode == rows[i].subcode,
			  "row %zu: got %u/%u (%s), wanted %u/%u", i + 1, E.code, E.subcode, E.why,
			  rows[i].code, rows[i].subcode);
		if (rows[i].data) {
			size_t len;
			uint8_t *d = hex_decode(rows[i].data, &len);

			cr_assert(E.data_len == len && memcmp(E.data, d, len) == 0,
				  "row %zu: data of %u bytes", i + 1, E.data_len);
			free(d);
		}
	}
}

Test(bgp_msg, header_errors)
{
	static const struct err_row rows[] = {
		/* 1 */ {"ffffffffffffffffffffffffffffff00 0013 04", 1, 1, NULL},
		/* 2 */ {MARKER "0012 04", 1, 2, "0012"},
		/* 3 */ {MARKER "1001 04", 1, 2, "1001"},
		/* 4 */ {MARKER "0013 06", 1, 3, "06"},
		/* 5 */ {MARKER "0014 04 00", 1, 2, "0014"},
		/* 6 */ {MARKER "001c 01 04ffeb005a0a00000100", 1, 2, "001c"},
		/* 7 */ {MARKER "0016 02 000000", 1, 2, "0016"},
		/* 8 */ {MARKER "0014 03 06", 1, 2, "0014"},
		/* 9: RFC 7313 5: data is the whole message */
		/* 9 */ {MARKER "0016 05 000100", 7, 1, MARKER "0016 05 000100"},
		/* 10 */ {MARKER "0018 05 0001000100", 7, 1, NULL},
		/* 11: the length field says 24, 23 bytes came */
		/* 11 */ {MARKER "0018 02 0000 0000", 1, 2, NULL},
		/* 12: shorter than a header */
		/* 12 */ {MARKER "00", 1, 2, NULL},
	};

	run_err_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- OPEN rows (RFC 4271 6.2, RFC 5492) ---------------------------------------------------- */

Test(bgp_msg, open_errors)
{
	static const struct err_row rows[] = {
		/* 1: version 3: Unsupported Version Number, data our version (2 octets) */
		/* 1 */ {MARKER "001d 01 03 fde9 005a 0a000002 00", 2, 1, "0004"},
		/* 2: hold time 1 */
		/* 2 */ {MARKER "001d 01 04 fde9 0001 0a000002 00", 2, 6, NULL},
		/* 3: hold time 2 */
		/* 3 */ {MARKER "001d 01 04 fde9 0002 0a000002 00", 2, 6, NULL},
		/* 4: BGP identifier 0 */
		/* 4 */ {MARKER "001d 01 04 fde9 005a 00000000 00", 2, 3, NULL},
		/* 5: optional parameters length 4, none there */
		/* 5 */ {MARKER "001d 01 04 fde9 005a 0a000002 04", 2, 0, NULL},
		/* 6: parameter type 1 (deprecated authentication) */
		/* 6 */ {MARKER "0020 01 04 fde9 005a 0a000002 03 01 01 00", 2, 4, NULL},
		/* 7: a capability longer than its parameter */
		/* 7 */ {MARKER "0021 01 04 fde9 005a 0a000002 04 02 02 41 04", 2, 0, NULL},
		/* 8: MP capability of 3 octets */
		/* 8 */ {MARKER "0024 01 04 fde9 005a 0a000002 07 02 05 01 03 000100", 2, 0, NULL},
		/* 9: 4-octet AS capability of 2 octets */
		/* 9 */ {MARKER "0023 01 04 fde9 005a 0a000002 06 02 04 41 02 fde9", 2, 0, NULL},
		/* 10: parameter length past the optional parameters */
		/* 10 */ {MARKER "001f 01 04 fde9 005a 0a000002 02 02 05", 2, 0, NULL},
		/* 11: route refresh capability with a value */
		/* 11 */ {MARKER "0022 01 04 fde9 005a 0a000002 05 02 03 02 01 00", 2, 0, NULL},
	};

	run_err_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

Test(bgp_msg, open_accepts)
{
	struct bgp_msg m;

	/* 1: no optional parameters, hold 0 (no keepalives), a 2-octet speaker */
	cr_assert_eq(parse_hex(MARKER "001d 01 04 fde9 0000 0a000002 00", NULL, &m), 0, "%s",
		     E.why);
	cr_assert(!m.open.cap_as4 && !m.open.cap_mp_any && m.open.hold_time == 0);
	/* 2: hold 3 (the minimum), an unknown capability (73, FQDN) ignored, old refresh (128) */
	cr_assert_eq(parse_hex(MARKER "0026 01 04 fde9 0003 0a000002 09"
				      "02 07 49 03 016100 8000",
			       NULL, &m),
		     0, "%s", E.why);
	cr_assert_eq(m.open.n_unknown_caps, 1);
	cr_assert(m.open.cap_refresh);
	/* 3: capabilities in two parameters, MP for an AFI we do not carry (25 = L2VPN) */
	cr_assert_eq(parse_hex(MARKER "0029 01 04 fde9 005a 0a000002 0c"
				      "02 06 01 04 0019 0041 02 02 0200",
			       NULL, &m),
		     0, "%s", E.why);
	cr_assert(m.open.cap_mp_any && !m.open.cap_mp_ipv4 && !m.open.cap_mp_ipv6);
	cr_assert(m.open.cap_refresh);
}

/* ---- stream framing (RFC 4271 4.1) ------------------------------------------------------- */

Test(bgp_msg, stream_cuts_byte_by_byte)
{
	size_t l1, l2;
	uint8_t *m1 = hex_decode(open_ka, &l1), *m2 = hex_decode(update_ka, &l2);
	uint8_t all[256];
	struct bgp_stream *st = calloc(1, sizeof(*st));
	int got = 0;

	memcpy(all, m1, l1);
	memcpy(all + l1, m2, l2);
	bgp_stream_init(st);
	for (size_t i = 0; i < l1 + l2; i++) {
		size_t used;
		struct buf msg;
		int r;

		bgp_stream_push(st, all + i, 1, &used);
		cr_assert_eq(used, 1);
		while ((r = bgp_stream_next(st, &msg, &E)) == 1) {
			cr_assert_eq(buf_left(&msg), got == 0 ? l1 : l2);
			cr_assert(buf_equal_mem(&msg, got == 0 ? m1 : m2, buf_left(&msg)));
			got++;
		}
		cr_assert_eq(r, 0);
	}
	cr_assert_eq(got, 2);
	cr_assert_eq(bgp_stream_pending(st), 0);
	free(m1);
	free(m2);
	free(st);
}

Test(bgp_msg, stream_header_errors_at_once)
{
	struct {
		const char *hex;
		uint8_t subcode;
	} rows[] = {
		/* 1: bad marker, known after 19 octets */
		{"ffffffffffffffffffffffffffff0fff 0013 04", 1},
		/* 2: length 4097: refused before any body arrives */
		{MARKER "1001 02", 2},
		/* 3: length 18 */
		{MARKER "0012 04", 2},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bgp_stream *st = calloc(1, sizeof(*st));
		size_t len, used;
		uint8_t *p = hex_decode(rows[i].hex, &len);
		struct buf msg;

		bgp_stream_init(st);
		bgp_stream_push(st, p, len, &used);
		cr_assert_eq(bgp_stream_next(st, &msg, &E), -EBADMSG, "row %zu", i + 1);
		cr_assert(E.code == 1 && E.subcode == rows[i].subcode, "row %zu: %u/%u", i + 1,
			  E.code, E.subcode);
		/* broken for good */
		cr_assert_eq(bgp_stream_next(st, &msg, &E), -EBADMSG);
		free(p);
		free(st);
	}
}
