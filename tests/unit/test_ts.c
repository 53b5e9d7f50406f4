/* SPDX-License-Identifier: MIT */
/* Unit tests for src/ike/ts: narrowing (RFC 7296 2.9), the initiator's check, formatting. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ike/ts.h"

static struct ike_ts v4(const char *a, const char *b, uint8_t proto, uint16_t p0, uint16_t p1)
{
	struct ike_ts t = { .type = IKE_TS_IPV4_ADDR_RANGE, .ip_proto = proto,
			    .start_port = p0, .end_port = p1 };

	inet_pton(AF_INET, a, t.start);
	inet_pton(AF_INET, b, t.end);
	return t;
}

static void fmt(const struct ike_pld_ts *ts, char *out)
{
	ike_ts_format(ts, out, 256);
}

Test(ts, any_formats_as_default_routes)
{
	struct ike_pld_ts any;
	char out[256];

	ike_ts_any(&any, true, true);
	fmt(&any, out);
	cr_assert_str_eq(out, "0.0.0.0/0, ::/0");
	ike_ts_any(&any, true, false);
	fmt(&any, out);
	cr_assert_str_eq(out, "0.0.0.0/0");
}

/* Rows: one proposed selector narrowed by any-to-any v4 (route-based): kept exactly. */
Test(ts, route_based_accepts_narrower_selectors_as_proposed)
{
	struct ike_pld_ts allowed, proposed = { 0 }, out;
	char s[256];

	ike_ts_any(&allowed, true, true);
	proposed.ts[proposed.n_ts++] = v4("10.2.0.0", "10.2.255.255", 0, 0, 65535);
	proposed.ts[proposed.n_ts++] = v4("192.168.1.5", "192.168.1.9", 6, 443, 443);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), 0);
	fmt(&out, s);
	cr_assert_str_eq(s, "10.2.0.0/16, 192.168.1.5-192.168.1.9[6/443-443]");
}

Test(ts, narrowing_intersects_ranges_ports_protocols)
{
	struct ike_pld_ts allowed = { 0 }, proposed = { 0 }, out;
	char s[256];

	allowed.ts[allowed.n_ts++] = v4("10.0.0.0", "10.0.255.255", 0, 1000, 2000);
	proposed.ts[proposed.n_ts++] = v4("10.0.128.0", "10.1.0.0", 17, 0, 65535);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), 0);
	fmt(&out, s);
	cr_assert_str_eq(s, "10.0.128.0/17[17/1000-2000]");

	proposed.ts[0] = v4("10.1.0.0", "10.1.0.255", 0, 0, 65535);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), -ENOENT, "disjoint addresses");
	proposed.ts[0] = v4("10.0.0.0", "10.0.0.255", 0, 3000, 4000);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), -ENOENT, "disjoint ports");
	allowed.ts[0].ip_proto = 6;
	proposed.ts[0] = v4("10.0.0.0", "10.0.0.255", 17, 0, 65535);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), -ENOENT, "other protocol");
}

Test(ts, families_must_match)
{
	struct ike_pld_ts allowed, proposed, out;

	ike_ts_any(&allowed, true, false);
	ike_ts_any(&proposed, false, true);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), -ENOENT);
	ike_ts_any(&proposed, true, true);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), 0);
	cr_assert_eq(out.n_ts, 1, "the v6 selector is narrowed away");
}

Test(ts, duplicates_removed)
{
	struct ike_pld_ts allowed, proposed = { 0 }, out;

	ike_ts_any(&allowed, true, false);
	proposed.ts[proposed.n_ts++] = v4("10.0.0.1", "10.0.0.1", 0, 0, 65535);
	proposed.ts[proposed.n_ts++] = v4("10.0.0.1", "10.0.0.1", 0, 0, 65535);
	cr_assert_eq(ike_ts_narrow(&proposed, &allowed, &out), 0);
	cr_assert_eq(out.n_ts, 1);
}

Test(ts, initiator_checks_reply_within_proposal)
{
	struct ike_pld_ts proposed = { 0 }, reply = { 0 };

	proposed.ts[proposed.n_ts++] = v4("10.0.0.0", "10.0.255.255", 0, 0, 65535);
	reply.ts[reply.n_ts++] = v4("10.0.1.0", "10.0.1.255", 0, 0, 65535);
	cr_assert(ike_ts_within(&reply, &proposed));
	reply.ts[reply.n_ts++] = v4("10.0.255.0", "10.1.0.255", 0, 0, 65535);
	cr_assert(!ike_ts_within(&reply, &proposed), "one selector sticks out");
	reply.n_ts = 0;
	cr_assert(!ike_ts_within(&reply, &proposed), "an empty reply is no agreement");
}

Test(ts, format_prefixes_and_ranges)
{
	struct ike_pld_ts t = { 0 };
	char s[256];

	t.ts[t.n_ts++] = v4("10.1.2.3", "10.1.2.3", 0, 0, 65535);
	t.ts[t.n_ts++] = v4("10.1.2.0", "10.1.2.127", 0, 0, 65535);
	t.ts[t.n_ts++] = v4("10.1.2.1", "10.1.2.127", 0, 0, 65535);
	t.ts[t.n_ts++] = v4("10.1.2.0", "10.1.3.254", 0, 0, 65535);
	fmt(&t, s);
	cr_assert_str_eq(s, "10.1.2.3/32, 10.1.2.0/25, 10.1.2.1-10.1.2.127, 10.1.2.0-10.1.3.254");
}
