/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/mgmt/model/field: each field class (names, IPs, prefixes, public-address
 * check, AS numbers, tags, enums, ids) against numbered rows of accepted and refused values,
 * with the error code each refusal must carry.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

struct name_row {
	const char *s;
	bool ok;
};

Test(mgmt_fields, resource_names)
{
	static const struct name_row rows[] = {
		/* 0 */ {"vnet1", true},
		/* 1 */ {"a", true},
		/* 2 */ {"my-gw_01.(x)", true},
		/* 3 */ {"", false},
		/* 4 */ {"ends.", false},
		/* 5 */ {"has space", false},
		/* 6 */ {"slash/no", false},
		/* 7 */ {"caf\xc3\xa9", false},
		/* 8 */ {"x'; DROP TABLE resources; --", false},
		/* 9 */
		{"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		 true},
		/* 10 */
		{"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
		 "1",
		 false},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgmt_error err = {0};
		int r = field_check_name(rows[i].s, "name", &err);

		cr_expect_eq(r == 0, rows[i].ok, "row %zu ('%s')", i, rows[i].s);
		if (!rows[i].ok)
			cr_expect_eq(err.code, MGMT_E_INVALID_NAME, "row %zu", i);
	}
	cr_expect(field_name_valid("rg-90-chars-ok", 90));
	cr_expect_neq(field_check_rg_name("bad/rg", NULL), 0);
}

struct prefix_row {
	const char *s;
	bool ok;
	int family;
	unsigned len;
};

Test(mgmt_fields, prefixes)
{
	static const struct prefix_row rows[] = {
		/* 0 */ {"10.0.0.0/16", true, AF_INET, 16},
		/* 1 */ {"0.0.0.0/0", true, AF_INET, 0},
		/* 2 */ {"10.0.0.1/32", true, AF_INET, 32},
		/* 3 */ {"10.0.0.1/16", false, 0, 0}, /* host bits set */
		/* 4 */ {"10.0.0.0/33", false, 0, 0},
		/* 5 */ {"10.0.0.0", false, 0, 0},
		/* 6 */ {"10.0.0.0/", false, 0, 0},
		/* 7 */ {"10.0.0.0/-1", false, 0, 0},
		/* 8 */ {"10.0.0.0/08", false, 0, 0},
		/* 9 */ {"10.0.0.0/8x", false, 0, 0},
		/* 10 */ {"fd00::/8", true, AF_INET6, 8},
		/* 11 */ {"fd00::1/64", false, 0, 0},
		/* 12 */ {"2001:db8::/129", false, 0, 0},
		/* 13 */ {"256.0.0.0/8", false, 0, 0},
		/* 14 */ {"010.0.0.0/8", false, 0, 0},
		/* 15 */ {"", false, 0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct field_prefix p;
		int r = field_parse_prefix(rows[i].s, &p);

		cr_expect_eq(r == 0, rows[i].ok, "row %zu ('%s')", i, rows[i].s);
		if (rows[i].ok) {
			cr_expect_eq(p.family, rows[i].family, "row %zu", i);
			cr_expect_eq(p.len, rows[i].len, "row %zu", i);
		}
	}
}

Test(mgmt_fields, prefix_contains_and_overlap)
{
	struct field_prefix a, b, c, d;

	cr_assert_eq(field_parse_prefix("10.0.0.0/16", &a), 0);
	cr_assert_eq(field_parse_prefix("10.0.255.0/27", &b), 0);
	cr_assert_eq(field_parse_prefix("10.1.0.0/16", &c), 0);
	cr_assert_eq(field_parse_prefix("fd00::/8", &d), 0);
	cr_expect(field_prefix_contains(&a, &b));
	cr_expect_not(field_prefix_contains(&b, &a));
	cr_expect(field_prefix_overlap(&b, &a));
	cr_expect_not(field_prefix_overlap(&a, &c));
	cr_expect_not(field_prefix_overlap(&a, &d));
}

struct public_row {
	const char *ip;
	bool public;
};

Test(mgmt_fields, ipv4_public)
{
	static const struct public_row rows[] = {
		/* 0 */ {"8.8.8.8", true},
		/* 1 */ {"198.51.100.7", true}, /* RFC 5737: allowed for examples */
		/* 2 */ {"10.1.2.3", false},
		/* 3 */ {"172.16.0.1", false},
		/* 4 */ {"172.31.255.255", false},
		/* 5 */ {"172.32.0.1", true},
		/* 6 */ {"192.168.1.1", false},
		/* 7 */ {"127.0.0.1", false},
		/* 8 */ {"100.64.0.1", false}, /* RFC 6598 CGNAT: behind NAT */
		/* 9 */ {"169.254.1.1", false},
		/* 10 */ {"224.0.0.5", false},
		/* 11 */ {"255.255.255.255", false},
		/* 12 */ {"0.1.2.3", false},
		/* 13 */ {"198.18.0.1", false},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct field_prefix p;

		cr_assert_eq(field_parse_ip(rows[i].ip, AF_INET, &p), 0, "row %zu", i);
		cr_expect_eq(field_ipv4_is_public(&p), rows[i].public, "row %zu (%s)", i,
			     rows[i].ip);
	}
	{
		struct field_prefix p;

		cr_expect_neq(field_parse_ip("2001:db8::1", AF_INET, &p), 0);
		cr_expect_eq(field_parse_ip("2001:db8::1", 0, &p), 0);
		cr_expect_neq(field_parse_ip("1.2.3", AF_INET, &p), 0);
	}
}

struct asn_row {
	long long asn;
	bool gateway;
	enum mgmt_err_code code;
};

Test(mgmt_fields, asn)
{
	static const struct asn_row rows[] = {
		/* 0 */ {65010, false, MGMT_OK},
		/* 1 */ {4200000000LL, false, MGMT_OK},
		/* 2 */ {0, false, MGMT_E_INVALID_ASN},
		/* 3 */ {4294967295LL, false, MGMT_E_INVALID_ASN},
		/* 4 */ {23456, false, MGMT_E_RESERVED_ASN}, /* AS_TRANS */
		/* 5 */ {64496, false, MGMT_E_RESERVED_ASN}, /* documentation */
		/* 6 */ {64511, false, MGMT_E_RESERVED_ASN},
		/* 7 */ {65535, false, MGMT_E_RESERVED_ASN},
		/* 8 */ {65551, false, MGMT_E_RESERVED_ASN},
		/* 9 */ {65515, false, MGMT_E_RESERVED_ASN}, /* the gateway's, not a peer's */
		/* 10 */ {65515, true, MGMT_OK},
		/* 11 */ {8075, true, MGMT_E_RESERVED_ASN},
		/* 12 */ {65520, true, MGMT_E_RESERVED_ASN},
		/* 13 */ {65552, false, MGMT_OK},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgmt_error err = {0};
		int r = field_check_asn(rows[i].asn, rows[i].gateway, "asn", &err);

		cr_expect_eq(r == 0, rows[i].code == MGMT_OK, "row %zu (%lld)", i, rows[i].asn);
		if (rows[i].code != MGMT_OK)
			cr_expect_eq(err.code, rows[i].code, "row %zu: got %s", i,
				     mgmt_err_name(err.code));
	}
}

Test(mgmt_fields, tags)
{
	static const char *const bad[] = {
		"{\"tags\":{\"a<b\":\"x\"}}",
		"{\"tags\":{\"k\":1}}",
		"{\"tags\":{\"\":\"x\"}}",
		"{\"tags\":[]}",
	};
	struct mgmt_error err = {0};
	json_t *in, *out;
	size_t i;

	in = json_loads("{\"tags\":{\"env\":\"prod\"}}", 0, NULL);
	cr_assert_eq(field_get_tags(in, &out, &err), 0);
	cr_expect_str_eq(json_string_value(json_object_get(out, "env")), "prod");
	json_decref(out);
	json_decref(in);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = json_loads(bad[i], 0, NULL);
		cr_assert_not_null(in);
		cr_expect_neq(field_get_tags(in, &out, &err), 0, "row %zu", i);
		cr_expect(err.code == MGMT_E_INVALID_TAGS ||
				  err.code == MGMT_E_INVALID_REQUEST_FORMAT,
			  "row %zu: %s", i, mgmt_err_name(err.code));
		json_decref(in);
	}
	/* 51 tags */
	in = json_pack("{s:{}}", "tags");
	for (i = 0; i < 51; i++) {
		char k[8];

		snprintf(k, sizeof(k), "t%zu", i);
		json_object_set_new(json_object_get(in, "tags"), k, json_string("v"));
	}
	cr_expect_neq(field_get_tags(in, &out, &err), 0);
	cr_expect_eq(err.code, MGMT_E_INVALID_TAGS);
	json_decref(in);
}

Test(mgmt_fields, enums_case_insensitive)
{
	static const char *const vals[] = {"Static", "Dynamic", NULL};
	struct mgmt_error err = {0};
	const char *out = NULL;
	json_t *in = json_loads("{\"m\":\"static\",\"n\":\"Sometimes\"}", 0, NULL);

	cr_assert_eq(field_get_enum(in, "p", "m", true, vals, &out, &err), 0);
	cr_expect_str_eq(out, "Static");
	cr_expect_neq(field_get_enum(in, "p", "n", true, vals, &out, &err), 0);
	cr_expect_eq(err.code, MGMT_E_INVALID_ENUM);
	cr_expect_str_eq(err.target, "p.n");
	json_decref(in);
}

Test(mgmt_fields, ids_parse_and_format)
{
	struct model_id id;
	char s[MODEL_ID_MAX];

	cr_assert_eq(model_id_parse("/subscriptions/S1/resourceGroups/rg/providers/"
				    "Microsoft.Network/virtualNetworks/v1/subnets/GatewaySubnet",
				    &id),
		     0);
	cr_expect_eq(id.type, MODEL_SUBNET);
	cr_expect_str_eq(id.name, "v1");
	cr_expect_str_eq(id.child, "GatewaySubnet");
	cr_assert_eq(model_id_parse("/SUBSCRIPTIONS/S1/resourcegroups/rg/PROVIDERS/"
				    "microsoft.network/CONNECTIONS/c1",
				    &id),
		     0);
	cr_expect_eq(id.type, MODEL_CONN);
	cr_assert_eq(model_id_format(&id, s, sizeof(s)), 0);
	cr_expect_str_eq(s, "/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Network/"
			    "connections/c1");
	cr_expect_neq(model_id_parse("/subscriptions/S1/resourceGroups/rg/providers/"
				     "Microsoft.Compute/virtualMachines/x",
				     &id),
		      0);
	cr_expect_neq(model_id_parse("/subscriptions/S1/resourceGroups/rg/providers/"
				     "Microsoft.Network/connections/c1/extra",
				     &id),
		      0);
	cr_expect_neq(model_id_parse("subscriptions/S1", &id), 0);
	cr_expect_neq(model_id_parse("/subscriptions//resourceGroups/rg/providers/"
				     "Microsoft.Network/connections/c1",
				     &id),
		      0);
}

Test(mgmt_fields, sku_rates_and_limits)
{
	/* SPEC §2 rules 7 and 8: per-connection rate and default deployment tunnel limits. */
	static const struct {
		const char *name;
		unsigned mbps, tunnels;
	} rows[] = {
		/* 0 */ {"Basic", 100, 20},
		/* 1 */ {"Standard", 100, 20},
		/* 2 */ {"HighPerformance", 200, 10},
	};
	enum model_sku s;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cr_assert_eq(model_sku_from_name(rows[i].name, &s), 0, "row %zu", i);
		cr_expect_eq(model_sku_rate_mbps(s), rows[i].mbps, "row %zu", i);
		cr_expect_eq(model_sku_default_tunnels(s), rows[i].tunnels, "row %zu", i);
		cr_expect_str_eq(model_sku_name(s), rows[i].name, "row %zu", i);
	}
	cr_expect_neq(model_sku_from_name("UltraPerformance", &s), 0);
	cr_expect_neq(model_sku_from_name("VpnGw1", &s), 0);
}
