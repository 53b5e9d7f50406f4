/* SPDX-License-Identifier: MIT */
/*
 * Usage errors: each row is a command line, the exit code (2 for usage errors, as az) and what
 * stderr must say. Nothing may reach stdout and no request may be sent (there is no server:
 * --server points at a closed port, which would fail with exit 1, not 2).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

struct row {
	const char *cmd;
	int code;
	const char *want; /* a substring of stderr */
};

static const char *const env[] = {"VNETGW_SUBSCRIPTION=sub1", "VNETGW_SERVER=http://127.0.0.1:9",
				  NULL};

static void check_rows(const char *const *environ, const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct run_result r;

		run_cli(&r, environ, rows[i].cmd, NULL);
		cr_expect_eq(r.code, rows[i].code, "row %zu (%s): exit %d, want %d; stderr: %s", i,
			     rows[i].cmd, r.code, rows[i].code, r.err);
		cr_expect(strstr(r.err, rows[i].want) != NULL,
			  "row %zu (%s): stderr lacks '%s':\n%s", i, rows[i].cmd, rows[i].want,
			  r.err);
		cr_expect_str_empty(r.out, "row %zu (%s): stdout: %s", i, rows[i].cmd, r.out);
		run_result_clear(&r);
	}
}

Test(usage, commands_and_groups)
{
	static const struct row rows[] = {
		/* 0 */ {"", 2, "ERROR: 'vnetgw' needs a command."},
		/* 1: the help of the group follows, on stderr */
		{"", 2, "    vpn-connection : Manage site-to-site VPN connections."},
		{"vnett", 2,
		 "ERROR: 'vnett' is not in the 'vnetgw' command group. Did you mean 'vnet'?"},
		{"frobnicate", 2,
		 "Available: vnet, public-ip, vnet-gateway, local-gateway, vpn-connection, admin."},
		{"vnet creat -g rg1 -n v", 2, "Did you mean 'create'?"},
		/* 5 */ {"vnet creat", 2, "Available: subnet, create, show, list, delete."},
		{"vnet", 2, "ERROR: 'vnetgw vnet' needs a command."},
		{"vpn-connection shared-key", 2, "    update : Set a connection's pre-shared key."},
		{"vpn-connection ipsec-policy remove", 2,
		 "'remove' is not in the 'vnetgw vpn-connection ipsec-policy' command group."},
		{"vnet --bogus", 2, "ERROR: unrecognized argument: --bogus"},
		/* 10 */ {"admin subscriptions list", 2, "Did you mean 'subscription'?"},
	};
	check_rows(env, rows, sizeof(rows) / sizeof(rows[0]));
}

Test(usage, flags)
{
	static const struct row rows[] = {
		/* 0: argparse's wording, which az users know */
		{"vnet create", 2,
		 "ERROR: the following arguments are required: --resource-group/-g, --name/-n "
		 "(see 'vnetgw vnet create --help')"},
		{"vnet create -g rg1", 2, "the following arguments are required: --name/-n "},
		{"vnet create -g rg1 -n v --foo", 2,
		 "ERROR: unrecognized argument: --foo (see 'vnetgw vnet create --help')"},
		{"vnet create -g rg1 -n v --foo=bar", 2, "ERROR: unrecognized argument: --foo "},
		{"vnet create -g rg1 -n v stray", 2, "ERROR: unrecognized argument: 'stray'"},
		/* 5 */
		{"vnet create -g rg1 -n", 2, "ERROR: argument --name/-n: expected one argument"},
		{"vnet create -g rg1 -n -l x", 2, "argument --name/-n: expected one argument"},
		{"vnet create -g rg1 -n v -n w", 2, "argument --name/-n: given more than once"},
		{"vnet show -g rg1 -n v -o yaml", 2,
		 "ERROR: argument --output/-o: invalid choice: 'yaml' (choose from: json table tsv "
		 "none)"},
		{"public-ip create -g rg1 -n p --allocation-method Sticky", 2,
		 "argument --allocation-method: invalid choice: 'Sticky' (choose from: Static "
		 "Dynamic)"},
		/* 10 */
		{"local-gateway create -g r -n s --gateway-ip-address 192.0.2.1 --asn abc", 2,
		 "ERROR: argument --asn: invalid integer value: 'abc'"},
		{"local-gateway create -g r -n s --gateway-ip-address 192.0.2.1 --asn 12x", 2,
		 "argument --asn: invalid integer value: '12x'"},
		{"local-gateway create -g r -n s --gateway-ip-address 192.0.2.1 --asn 0", 2,
		 "argument --asn: 0 is out of range (1 to 4294967295)"},
		{"vpn-connection shared-key reset -g r --connection-name c --key-length 129", 2,
		 "argument --key-length: 129 is out of range (1 to 128)"},
		{"vpn-connection create -g r -n c --vnet-gateway1 g --local-gateway2 l "
		 "--enable-bgp=maybe",
		 2, "argument --enable-bgp: invalid choice: 'maybe' (choose from 'true', 'false')"},
		/* 15 */
		{"vnet create -g r -n v --address-prefixes", 2,
		 "argument --address-prefixes: expected at least one argument"},
		{"vnet create -g r -n v --address-prefixes --tags a", 2,
		 "argument --address-prefixes: expected at least one argument"},
		{"vnet show -g rg1 -n v --dry-run=yes", 2, "argument --dry-run: takes no value"},
		{"vnet create -g r -n v --tags =x", 2,
		 "ERROR: argument --tags: '=x' is not key=value"},
		{"vnet-gateway create -g r -n g --vnet v --public-ip-addresses a b c", 2,
		 "argument --public-ip-addresses: at most two"},
		/* 20 */
		{"vpn-connection ipsec-policy add -g r --connection-name c --ike-encryption "
		 "AES256",
		 2,
		 "required: --ike-integrity, --dh-group, --ipsec-encryption, "
		 "--ipsec-integrity, --pfs-group, --sa-lifetime, --sa-max-size "},
		{"admin settings update", 2, "ERROR: nothing to update"},
		{"admin settings update --tunnel-limits Basic", 2,
		 "argument --tunnel-limits: 'Basic' is not SKU=N"},
		{"admin settings update --tunnel-limits Basic=-1", 2, "'Basic=-1' is not SKU=N"},
		{"vnet show -g rg1 -n v --server https://127.0.0.1:8480", 2,
		 "ERROR: argument --server: 'https://127.0.0.1:8480' is not an http://HOST[:PORT] "
		 "URL"},
		/* 25 */
		{"vnet show -g rg1 -n v --server http://127.0.0.1:99999", 2,
		 "is not an http://HOST[:PORT] URL"},
		{"vpn-connection create -g r -n c --vnet-gateway1 g --local-gateway2 l "
		 "--dpd-timeout 8",
		 2, "argument --dpd-timeout: 8 is out of range (9 to 3600)"},
		{"vpn-connection update -g r -n c --dpd-timeout 3601", 2,
		 "argument --dpd-timeout: 3601 is out of range (9 to 3600)"},
	};
	check_rows(env, rows, sizeof(rows) / sizeof(rows[0]));
}

Test(usage, subscription_required)
{
	static const char *const no_sub[] = {"VNETGW_SERVER=http://127.0.0.1:9", NULL};
	static const struct row rows[] = {
		{"vnet show -g rg1 -n v", 2,
		 "ERROR: no subscription: pass --subscription ID or set VNETGW_SUBSCRIPTION"},
		{"vpn-connection list --dry-run", 2, "ERROR: no subscription"},
	};
	check_rows(no_sub, rows, sizeof(rows) / sizeof(rows[0]));
}

/* Admin commands need no subscription. */
Test(usage, admin_needs_no_subscription)
{
	static const char *const no_sub[] = {NULL};
	struct run_result r;

	run_cli(&r, no_sub, "admin subscription list --dry-run", NULL);
	cr_expect_eq(r.code, 0, "%s", r.err);
	run_result_clear(&r);
}

Test(usage, version)
{
	struct run_result r;

	run_cli(&r, NULL, "--version", NULL);
	cr_expect_eq(r.code, 0);
	cr_expect(strncmp(r.out, "vnetgw ", 7) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "api-version 2018-11-01") != NULL, "%s", r.out);
	run_result_clear(&r);
}
