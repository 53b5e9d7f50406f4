/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/bgp/update and aspath: numbered rows of UPDATE attributes, each with the
 * RFC 7606 verdict (or the NOTIFICATION) it must get, written by hand from RFC 4271 4.3 / 5,
 * RFC 4760 3-4 and RFC 6793; the AS4_PATH merge of RFC 6793 4.2.3; build -> parse round trips of
 * every attribute (the 2-octet AS_PATH + AS4_PATH encoding included, and IPv6 through
 * MP_REACH_NLRI); packing of thousands of prefixes into 4096-octet messages.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
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

TestSuite(bgp_update, .init = setup, .fini = teardown);

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

/* ---- UPDATE rows (RFC 4271 6.3 as revised by RFC 7606) ------------------------------------ */

#define ORIGIN	"40010100"
#define ASPATH	"40020a02020000fde90000fdea" /* 4-octet [65001 65002] */
#define NEXTHOP "400304c0000201"	     /* 192.0.2.1 */
#define BASE	ORIGIN ASPATH NEXTHOP
#define NLRI	"100a01" /* 10.1.0.0/16 */

/* 2001:db8::1 next hop, NLRI 2001:db8:1::/48. */
#define MPREACH6 "900e001c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001"

struct upd_row {
	const char *withdrawn, *attrs, *nlri;
	bool as4;		/* session is 4-octet */
	enum bgp_action action; /* BGP_ACT_SESSION_RESET: code/subcode below */
	uint8_t code, subcode;
};

static int parse_update_row(const struct upd_row *row, size_t i)
{
	char hex[8192];
	size_t wl = strlen(row->withdrawn), al = strlen(row->attrs);
	struct bgp_parse_ctx ctx = {.as4 = row->as4, .ebgp = true, .peer_as = 65001};
	struct bgp_msg m;
	size_t wlen, alen, nlen;
	uint8_t *w = hex_decode(wl ? row->withdrawn : "", &wlen);
	uint8_t *a = hex_decode(al ? row->attrs : "", &alen);
	uint8_t *n = hex_decode(row->nlri, &nlen);
	int r;

	free(w);
	free(a);
	free(n);
	snprintf(hex, sizeof(hex), MARKER "%04zx 02 %04zx %s %04zx %s %s",
		 19 + 4 + wlen + alen + nlen, wlen, row->withdrawn, alen, row->attrs, row->nlri);
	r = parse_hex(hex, &ctx, &m);
	(void)i;
	return r;
}

static void run_update_rows(const struct upd_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = parse_update_row(&rows[i], i);

		if (rows[i].action == BGP_ACT_SESSION_RESET) {
			cr_assert_eq(r, -EBADMSG, "row %zu: accepted (%s)", i + 1, U->why);
			cr_assert(E.code == rows[i].code && E.subcode == rows[i].subcode,
				  "row %zu: got %u/%u (%s), wanted %u/%u", i + 1, E.code, E.subcode,
				  E.why, rows[i].code, rows[i].subcode);
			continue;
		}
		cr_assert_eq(r, 0, "row %zu: reset %u/%u (%s)", i + 1, E.code, E.subcode, E.why);
		cr_assert_eq(U->action, rows[i].action, "row %zu: %s (%s), wanted %s", i + 1,
			     bgp_action_name(U->action), U->why, bgp_action_name(rows[i].action));
	}
}

Test(bgp_update, update_verdicts)
{
	static const struct upd_row rows[] = {
		/* 1: valid */
		{"", BASE, NLRI, true, BGP_ACT_NONE, 0, 0},
		/* 2-4: ORIGIN value 3, length 2, optional flag (7606 7.1) */
		{"", "40010103" ASPATH NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", "4001020000" ASPATH NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", "c0010100" ASPATH NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 5-7: a mandatory attribute missing (7606 3(d)) */
		{"", ASPATH NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", ORIGIN NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", ORIGIN ASPATH, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 8-12: AS_PATH segment type 5, empty segment, overrun, one octet left, AS 0 */
		{"", ORIGIN "40020605010000fde9" NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0,
		 0},
		{"", ORIGIN "40020802010000fde90200" NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW,
		 0, 0},
		{"", ORIGIN "40020a02030000fde90000fdea" NEXTHOP, NLRI, true,
		 BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", ORIGIN "40020702010000fde902" NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW,
		 0, 0},
		{"", ORIGIN "40020a02020000fde900000000" NEXTHOP, NLRI, true,
		 BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 13: the leftmost AS is not the peer's (65001) */
		{"", ORIGIN "40020602010000fdea" NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0,
		 0},
		/* 14: the path starts with an AS_SET */
		{"", ORIGIN "40020601010000fde9" NEXTHOP, NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0,
		 0},
		/* 15: a confederation segment from an external peer */
		{"", ORIGIN "40020c02010000fde903010000fdea" NEXTHOP, NLRI, true,
		 BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 16: NEXT_HOP of 5 octets */
		{"", ORIGIN ASPATH "400305c000020100", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 17-18: MED of 3 octets; MED flagged well-known */
		{"", BASE "800403000001", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", BASE "40040400000001", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 19: LOCAL_PREF from an external peer: discarded (7606 7.5) */
		{"", BASE "40050400000064", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 20-21: ATOMIC_AGGREGATE of 1 octet (discard); flagged optional (withdraw) */
		{"", BASE "40060100", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		{"", BASE "c00600", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 22-23: AGGREGATOR of 6 octets on a 4-octet session; AGGREGATOR AS 0 */
		{"", BASE "c00706fde9c0000201", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		{"", BASE "c0070800000000c0000201", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 24-25: COMMUNITIES of 5 and of 0 octets (7606 7.8) */
		{"", BASE "c008050000000100", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		{"", BASE "c00800", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 26: ORIGIN twice: the second is dropped (7606 3(g)) */
		{"", BASE "40010102", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 27: MP_REACH_NLRI twice: Malformed Attribute List */
		{"", BASE MPREACH6 MPREACH6, "", true, BGP_ACT_SESSION_RESET, 3, 1},
		/* 28: an unrecognized well-known attribute (type 99) */
		{"", BASE "40630100", NLRI, true, BGP_ACT_SESSION_RESET, 3, 2},
		/* 29-30: unknown optional transitive (kept) and non-transitive (dropped) */
		{"", BASE "c06302abcd", NLRI, true, BGP_ACT_NONE, 0, 0},
		{"", BASE "806401ff", NLRI, true, BGP_ACT_NONE, 0, 0},
		/* 31: an attribute length past the attributes (7606 4) */
		{"", BASE "c00810", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 32: two octets left where an attribute header should be (7606 4) */
		{"", BASE "c008", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 33: an NLRI prefix of length 33 (7606 5.3: reset, Invalid Network Field) */
		{"", BASE, "210a010203ff", true, BGP_ACT_SESSION_RESET, 3, 10},
		/* 34: an NLRI prefix cut short */
		{"", BASE, "180a01", true, BGP_ACT_SESSION_RESET, 3, 10},
		/* 35: a withdrawn prefix of length 40 */
		{"280a01020304", "", "", true, BGP_ACT_SESSION_RESET, 3, 10},
		/* 36: MP_REACH_NLRI IPv6, no NEXT_HOP needed (RFC 4760 3) */
		{"", ORIGIN ASPATH MPREACH6, "", true, BGP_ACT_NONE, 0, 0},
		/* 37: MP_REACH_NLRI IPv6 with a 4-octet next hop (7606 7.11: reset) */
		{"", ORIGIN ASPATH "900e0010 0002 01 04 c0000201 00 30 20010db80001", "", true,
		 BGP_ACT_SESSION_RESET, 3, 9},
		/* 38: MP_REACH_NLRI with a /129 */
		{"",
		 ORIGIN ASPATH
		 "900e001e 0002 01 10 20010db8000000000000000000000001 00 81 20010db80001ffff",
		 "", true, BGP_ACT_SESSION_RESET, 3, 9},
		/* 39: MP_REACH_NLRI of 3 octets */
		{"", ORIGIN ASPATH "900e0003 000201", "", true, BGP_ACT_SESSION_RESET, 3, 9},
		/* 40: MP_REACH_NLRI for L2VPN/EVPN (25/70): ignored */
		{"", ORIGIN ASPATH "900e000b 0019 46 04 c0000201 00 0102", "", true, BGP_ACT_NONE,
		 0, 0},
		/* 41-42: MP_UNREACH_NLRI IPv6, valid and with a bad prefix */
		{"", "900f000a 0002 01 30 20010db80001", "", true, BGP_ACT_NONE, 0, 0},
		{"", "900f000a 0002 01 90 20010db80001", "", true, BGP_ACT_SESSION_RESET, 3, 9},
		/* 43: MP_REACH_NLRI flagged well-known: its NLRI is withdrawn */
		{"",
		 ORIGIN ASPATH "500e001c 0002 01 10 20010db8000000000000000000000001 00 30 "
			       "20010db80001",
		 "", true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 44-45: ORIGINATOR_ID and CLUSTER_LIST from an external peer: discarded */
		{"", BASE "800904c0000201", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		{"", BASE "800a04c0000201", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 46: AS4_PATH from a 4-octet speaker: discarded (RFC 6793 4.2.2) */
		{"", BASE "c0110602010000fde9", NLRI, true, BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 47: discard then withdraw: the stronger wins (7606 3(f)) */
		{"", BASE "40060100 c00800", NLRI, true, BGP_ACT_TREAT_AS_WITHDRAW, 0, 0},
		/* 48: withdraw then reset: the reset wins */
		{"", "40010103" ASPATH NEXTHOP "40630100", NLRI, true, BGP_ACT_SESSION_RESET, 3, 2},
		/* 49: extended length where one octet would do: accepted */
		{"", "5001000100" ASPATH NEXTHOP, NLRI, true, BGP_ACT_NONE, 0, 0},
		/* 50: End-of-RIB (empty UPDATE) */
		{"", "", "", true, BGP_ACT_NONE, 0, 0},
		/* 51: withdrawals only, no attributes needed */
		{"100a01", "", "", true, BGP_ACT_NONE, 0, 0},
		/* 52: 2-octet session: AS_PATH [65001] and a 2-octet AGGREGATOR */
		{"", ORIGIN "40020402 01fde9" NEXTHOP "c00706fde9c0000201", NLRI, false,
		 BGP_ACT_NONE, 0, 0},
		/* 53: 2-octet session: AGGREGATOR of 8 octets */
		{"", ORIGIN "40020402 01fde9" NEXTHOP "c0070800000000c0000201", NLRI, false,
		 BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 54: 2-octet session: an AS4_PATH with a confederation segment */
		{"", ORIGIN "40020402 01fde9" NEXTHOP "c0110603010000fde9", NLRI, false,
		 BGP_ACT_ATTR_DISCARD, 0, 0},
		/* 55: total attribute length past the message */
		/* (built by hand below) */
	};

	run_update_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

Test(bgp_update, update_lengths_past_message)
{
	struct bgp_parse_ctx ctx = {.as4 = true, .ebgp = true};
	struct bgp_msg m;

	/* 1: withdrawn routes length 4, 2 octets follow: Malformed Attribute List */
	cr_assert_eq(parse_hex(MARKER "0017 02 0004 0000", &ctx, &m), -EBADMSG);
	cr_assert(E.code == 3 && E.subcode == 1);
	/* 2: total attribute length 8, 4 octets follow */
	cr_assert_eq(parse_hex(MARKER "001b 02 0000 0008 40010100", &ctx, &m), -EBADMSG);
	cr_assert(E.code == 3 && E.subcode == 1);
}

Test(bgp_update, update_attribute_details)
{
	static const struct upd_row kept = {"",
					    BASE "c06302abcd"
						 "806401ff"
						 "c0080cffffff0100010002fde90064",
					    NLRI,
					    true,
					    BGP_ACT_NONE,
					    0,
					    0};
	static const struct upd_row uw = {"", BASE "40630100", NLRI, true, BGP_ACT_SESSION_RESET, 0,
					  0};
	static const struct upd_row masked = {"", BASE, "170a0101", true, BGP_ACT_NONE, 0, 0};
	struct prefix p;
	struct buf b;
	size_t len;
	uint8_t *want;

	/* Unknown transitive kept with Partial set (0xe0); non-transitive dropped; communities */
	cr_assert_eq(parse_update_row(&kept, 0), 0);
	want = hex_decode("e06302abcd", &len);
	cr_assert(U->attrs.other_len == len && memcmp(U->attrs.other, want, len) == 0);
	free(want);
	cr_assert_eq(U->n_ignored, 1);
	cr_assert_eq(U->attrs.n_communities, 3);
	cr_assert_eq(U->attrs.communities[0], BGP_COMM_NO_EXPORT);
	cr_assert_eq(U->attrs.communities[2], (65001u << 16) | 100);
	/* 6.3: the data of Unrecognized Well-known Attribute is the attribute */
	cr_assert_eq(parse_update_row(&uw, 0), -EBADMSG);
	want = hex_decode("40630100", &len);
	cr_assert(E.data_len == len && memcmp(E.data, want, len) == 0);
	free(want);
	/* 4.3: bits past the prefix length are ignored: 10.1.1.0/23 is 10.1.0.0/23 */
	cr_assert_eq(parse_update_row(&masked, 0), 0);
	b = U->nlri;
	cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV4, &p), 0);
	cr_assert(prefix_equal(&p, &(struct prefix){A("10.1.0.0"), 23}));
}

/* RFC 6793 4.2.3: AS_PATH [65001 AS_TRANS AS_TRANS] + AS4_PATH [4200000001 4200000002]. */
Test(bgp_update, update_as4_merge)
{
	static const struct upd_row merge = {"",
					     ORIGIN "40020802 03fde95ba05ba0" NEXTHOP
						    "c0110a0202fa56ea01fa56ea02",
					     NLRI,
					     false,
					     BGP_ACT_NONE,
					     0,
					     0};
	static const struct upd_row longer = {"",
					      ORIGIN "40020602 02fde95ba0" NEXTHOP
						     "c0110e0203fa56ea01fa56ea02fa56ea03",
					      NLRI,
					      false,
					      BGP_ACT_ATTR_DISCARD,
					      0,
					      0};
	static const struct upd_row aggr = {"",
					    ORIGIN "40020602 02fde95ba0" NEXTHOP
						   "c007065ba0c0000201 c01208 fa56ea01c0000202",
					    NLRI,
					    false,
					    BGP_ACT_NONE,
					    0,
					    0};
	static const struct upd_row aggr_old = {
		"",
		ORIGIN "40020602 02fde95ba0" NEXTHOP
		       "c00706fde9c0000201 c01208 fa56ea01c0000202 c0110602 01fa56ea01",
		NLRI,
		false,
		BGP_ACT_ATTR_DISCARD,
		0,
		0};
	const struct bgp_aspath *a = &U->attrs.aspath;

	cr_assert_eq(parse_update_row(&merge, 0), 0);
	cr_assert_eq(U->action, BGP_ACT_NONE, "%s", U->why);
	cr_assert_eq(a->n_as, 3);
	cr_assert(a->as[0] == 65001 && a->as[1] == 4200000001u && a->as[2] == 4200000002u);
	cr_assert_eq(bgp_aspath_count(a), 3);
	/* AS4_PATH longer than AS_PATH: ignored, the 2-octet path stays */
	cr_assert_eq(parse_update_row(&longer, 0), 0);
	cr_assert_eq(U->action, BGP_ACT_ATTR_DISCARD);
	cr_assert(a->n_as == 2 && a->as[1] == BGP_AS_TRANS);
	/* AGGREGATOR with AS_TRANS takes AS4_AGGREGATOR's AS */
	cr_assert_eq(parse_update_row(&aggr, 0), 0);
	cr_assert_eq(U->action, BGP_ACT_NONE, "%s", U->why);
	cr_assert_eq(U->attrs.aggr_as, 4200000001u);
	/* a 2-octet AGGREGATOR that is not AS_TRANS: AS4_* are stale and ignored */
	cr_assert_eq(parse_update_row(&aggr_old, 0), 0);
	cr_assert_eq(U->attrs.aggr_as, 65001);
	cr_assert(a->n_as == 2 && a->as[1] == BGP_AS_TRANS);
}

/* ---- build and parse back -------------------------------------------------------------- */

static void build_parse(const struct bgp_update_out *out, bool as4)
{
	static uint8_t mem[BGP_MAX_MSG]; /* U's views point into it after we return */
	struct buf w;
	size_t wd, nl;
	struct bgp_parse_ctx ctx = {.as4 = as4, .ebgp = true};
	struct bgp_msg m = {.update = U};

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_update_build(&w, out, &wd, &nl), 0);
	cr_assert(wd == out->n_withdrawn && nl == out->n_nlri);
	cr_assert_eq(bgp_msg_parse(&w, &ctx, &m, &E), 0, "%s", E.why);
}

Test(bgp_update, update_round_trip_all_attributes)
{
	struct bgp_as_seg segs[] = {{BGP_ASSEG_SEQUENCE, 2}, {BGP_ASSEG_SET, 2}};
	uint32_t as[] = {65001, 4200000001u, 65010, 65011};
	uint32_t comm[] = {(65001u << 16) | 1, BGP_COMM_NO_EXPORT};
	uint8_t other[] = {0xe0, 0x63, 0x01, 0x7f};
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
			BGP_HAVE(BGP_ATTR_NEXT_HOP) | BGP_HAVE(BGP_ATTR_MED) |
			BGP_HAVE(BGP_ATTR_ATOMIC_AGGREGATE) | BGP_HAVE(BGP_ATTR_AGGREGATOR) |
			BGP_HAVE(BGP_ATTR_COMMUNITIES),
		.origin = BGP_ORIGIN_EGP,
		.aspath = {segs, as, 2, 4},
		.nexthop = A("192.0.2.9"),
		.med = 77,
		.aggr_as = 4200000009u,
		.aggr_addr = A("192.0.2.10"),
		.communities = comm,
		.n_communities = 2,
		.other = other,
		.other_len = sizeof(other),
	};
	struct prefix nlri[] = {P("10.1.0.0/16"), P("10.2.3.0/24"), P("0.0.0.0/0"),
				P("192.0.2.1/32")};
	struct prefix wd[] = {P("10.9.0.0/16")};
	struct bgp_update_out out = {.afi = BGP_AFI_IPV4,
				     .attrs = &a,
				     .nlri = nlri,
				     .n_nlri = 4,
				     .withdrawn = wd,
				     .n_withdrawn = 1};
	char path[128];

	for (int as4 = 0; as4 < 2; as4++) {
		struct buf b;
		struct prefix p;

		out.as4 = as4;
		build_parse(&out, as4);
		cr_assert_eq(U->action, BGP_ACT_NONE, "as4=%d: %s", as4, U->why);
		cr_assert_eq(U->attrs.origin, BGP_ORIGIN_EGP);
		bgp_aspath_print(&U->attrs.aspath, path, sizeof(path));
		/* For a 2-octet peer AS_TRANS + AS4_PATH (RFC 6793 4.2.2) comes back whole. */
		cr_assert_str_eq(path, "65001 4200000001 {65010,65011}", "as4=%d", as4);
		cr_assert(addr_equal(&U->nexthop4, &a.nexthop));
		cr_assert_eq(U->attrs.med, 77);
		cr_assert(U->attrs.have & BGP_HAVE(BGP_ATTR_ATOMIC_AGGREGATE));
		cr_assert_eq(U->attrs.aggr_as, 4200000009u, "as4=%d", as4);
		cr_assert(addr_equal(&U->attrs.aggr_addr, &a.aggr_addr));
		cr_assert_eq(U->attrs.n_communities, 2);
		cr_assert_eq(U->attrs.communities[1], BGP_COMM_NO_EXPORT);
		cr_assert(U->attrs.other_len == sizeof(other) &&
			  memcmp(U->attrs.other, other, sizeof(other)) == 0);
		b = U->nlri;
		for (int i = 0; i < 4; i++) {
			cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV4, &p), 0);
			cr_assert(prefix_equal(&p, &nlri[i]));
		}
		cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV4, &p), -ENOENT);
		b = U->withdrawn;
		cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV4, &p), 0);
		cr_assert(prefix_equal(&p, &wd[0]));
	}
}

Test(bgp_update, update_round_trip_ipv6)
{
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, 1};
	uint32_t as = 65001;
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH),
		.aspath = {&seg, &as, 1, 1},
		.nexthop = A("2001:db8::1"),
	};
	struct prefix nlri[] = {P("2001:db8:1::/48"), P("2001:db8:2::/64"), P("::/0")};
	struct prefix wd[] = {P("2001:db8:9::/48")};
	struct bgp_update_out out = {.afi = BGP_AFI_IPV6,
				     .as4 = true,
				     .attrs = &a,
				     .nlri = nlri,
				     .n_nlri = 3,
				     .withdrawn = wd,
				     .n_withdrawn = 1};
	struct buf b;
	struct prefix p;

	build_parse(&out, true);
	cr_assert_eq(U->action, BGP_ACT_NONE, "%s", U->why);
	cr_assert(U->mp_reach_known && U->mp_reach_afi == BGP_AFI_IPV6);
	cr_assert(addr_equal(&U->mp_nexthop, &a.nexthop));
	cr_assert_eq(buf_left(&U->nlri), 0);
	b = U->mp_reach_nlri;
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV6, &p), 0);
		cr_assert(prefix_equal(&p, &nlri[i]));
	}
	cr_assert(U->mp_unreach_known);
	b = U->mp_unreach_nlri;
	cr_assert_eq(bgp_nlri_get(&b, BGP_AFI_IPV6, &p), 0);
	cr_assert(prefix_equal(&p, &wd[0]));
	/* A next hop of the wrong family is refused by the builder. */
	a.nexthop = A("192.0.2.1");
	{
		uint8_t mem[BGP_MAX_MSG];
		struct buf w;
		size_t x, y;

		buf_init_write(&w, mem, sizeof(mem));
		cr_assert_eq(bgp_update_build(&w, &out, &x, &y), -EINVAL);
	}
}

/* Many prefixes pack into several messages of at most 4096 octets, each prefix once. */
Test(bgp_update, update_packing)
{
	enum { N = 3000 };
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, 1};
	uint32_t as = 65001;
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
			BGP_HAVE(BGP_ATTR_NEXT_HOP),
		.aspath = {&seg, &as, 1, 1},
		.nexthop = A("192.0.2.1"),
	};
	struct prefix *list = calloc(N, sizeof(*list));
	size_t done = 0, msgs = 0;

	for (int i = 0; i < N; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0/24", i / 256, i % 256);
		list[i] = P(s);
	}
	for (int withdraw = 0; withdraw < 2; withdraw++) {
		done = msgs = 0;
		while (done < N) {
			struct bgp_update_out out = {.afi = BGP_AFI_IPV4, .as4 = true, .attrs = &a};
			uint8_t mem[BGP_MAX_MSG];
			struct buf w, b;
			struct prefix p;
			size_t wd, nl, k = 0;
			struct bgp_msg m = {.update = U};

			if (withdraw) {
				out.withdrawn = list + done;
				out.n_withdrawn = N - done;
			} else {
				out.nlri = list + done;
				out.n_nlri = N - done;
			}
			buf_init_write(&w, mem, sizeof(mem));
			cr_assert_eq(bgp_update_build(&w, &out, &wd, &nl), 0);
			cr_assert_leq(buf_left(&w), BGP_MAX_MSG);
			cr_assert_eq(bgp_msg_parse(&w, NULL, &m, &E), 0, "%s", E.why);
			b = withdraw ? U->withdrawn : U->nlri;
			while (bgp_nlri_get(&b, BGP_AFI_IPV4, &p) == 0) {
				cr_assert(prefix_equal(&p, &list[done + k]));
				k++;
			}
			cr_assert_eq(k, wd + nl);
			cr_assert_gt(k, 900, "only %zu prefixes in a message", k);
			done += k;
			msgs++;
		}
		cr_assert_eq(msgs, 3);
	}
	free(list);
}

Test(bgp_update, aspath_helpers)
{
	struct bgp_as_seg segs[] = {
		{BGP_ASSEG_SEQUENCE, 2}, {BGP_ASSEG_SET, 3}, {BGP_ASSEG_CONFED_SEQUENCE, 1}};
	uint32_t as[] = {1, 2, 3, 4, 5, 6};
	struct bgp_aspath a = {segs, as, 3, 6};
	char buf[64];

	/* RFC 4271 9.1.2.2 (a): a set counts one; RFC 5065 5.3: confederations none */
	cr_assert_eq(bgp_aspath_count(&a), 3);
	cr_assert(bgp_aspath_contains(&a, 5));
	cr_assert(!bgp_aspath_contains(&a, 7));
	cr_assert_eq(bgp_aspath_first(&a), 1);
	cr_assert_str_eq(bgp_aspath_print(&a, buf, sizeof(buf)), "1 2 {3,4,5} 6");
}
