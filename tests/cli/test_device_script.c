/* SPDX-License-Identifier: MIT */
/*
 * `vnetgw vpn-connection show-device-config-script` against a fake API server: the request (POST,
 * the vendor and device fields in the body), the daemon's text/plain swanctl.conf printed byte for
 * byte (tabs, quotes, backslashes, the secret), and a refused vendor printed as an ARM error.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define PATH                                                                                       \
	"/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/connections/conn1/"    \
	"vpndeviceconfigurationscript?api-version=2018-11-01"

/* What vnetgwd answers, shortened: text that is not JSON and must not be altered. */
#define SCRIPT                                                                                     \
	"# swanctl.conf for ... 'conn1'.\n"                                                        \
	"connections {\n\tconn1 {\n\t\tversion = 2\n\t}\n}\n"                                      \
	"secrets {\n\tike-conn1 {\n\t\tsecret = \"k\\\"ey\\\\1\"\n\t}\n}\n"

Test(device_script, text_plain_printed_verbatim)
{
	const struct fake_reply replies[] = {
		{200, "Cache-Control: no-store\r\n", SCRIPT, NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vpn-connection show-device-config-script -g rg1 -n conn1 --vendor strongSwan "
		"--device-family swanctl --firmware-version 5.9.8",
		NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(s.nreqs, 1);
	cr_expect_str_eq(s.reqs[0].method, "POST");
	cr_expect_str_eq(s.reqs[0].target, PATH);
	expect_json_eq(s.reqs[0].body, "{\"vendor\":\"strongSwan\",\"deviceFamily\":\"swanctl\","
				"\"firmwareVersion\":\"5.9.8\"}", "request body");
	cr_expect_str_eq(r.out, SCRIPT);
	cr_expect_str_empty(r.err);
	run_result_clear(&r);
}

Test(device_script, vendor_defaults_to_strongswan)
{
	const struct fake_reply replies[] = {{200, NULL, SCRIPT, NULL, 0}};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars, "vpn-connection show-device-config-script -g rg1 -n conn1", NULL);
	fake_stop(&s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	expect_json_eq(s.reqs[0].body, "{\"vendor\":\"strongSwan\"}", "request body");
	cr_expect_str_eq(r.out, SCRIPT);
	run_result_clear(&r);
}

Test(device_script, unknown_vendor_is_an_error)
{
	const struct fake_reply replies[] = {
		{400, NULL,
		 "{\"error\":{\"code\":\"InvalidEnumValue\",\"message\":\"There is no device "
		 "configuration script for vendor 'Cisco'; the supported vendors are: "
		 "strongSwan.\","
		 "\"target\":\"vendor\"}}",
		 NULL, 0},
	};
	struct fake_server s;
	struct run_result r;
	struct cli_env e;

	fake_start_tcp(&s, replies, 1);
	cli_env_for(&e, &s);
	run_cli(&r, e.vars,
		"vpn-connection show-device-config-script -g rg1 -n conn1 --vendor Cisco", NULL);
	fake_stop(&s);
	cr_expect_eq(r.code, 1);
	cr_expect_str_empty(r.out);
	cr_expect(strstr(r.err, "ERROR: (InvalidEnumValue) There is no device configuration script "
				"for vendor 'Cisco'; the supported vendors are: strongSwan.\n"),
		  "%s", r.err);
	expect_json_eq(s.reqs[0].body, "{\"vendor\":\"Cisco\"}", "request body");
	run_result_clear(&r);
}
