/* SPDX-License-Identifier: MIT */
/* Unit tests for src/daemon/config: the issue-3 configuration file and its error messages. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

#define VNET "{\"name\":\"vnet1\",\"addressSpace\":[\"10.1.0.0/16\"],\"gatewaySubnet\":\"10.1.255.0/27\"}"
#define CONN_HEAD "{\"name\":\"site1\",\"vnet\":\"vnet1\",\"peer\":\"198.51.100.2\",\"sharedKey\":\"s3cret\","
#define PREFIXES "\"remotePrefixes\":[\"192.168.1.0/24\"]"
#define POLICY                                                                                     \
	"\"ipsecPolicy\":{\"ikeEncryption\":\"AES128\",\"ikeIntegrity\":\"SHA256\","              \
	"\"dhGroup\":\"ECP256\",\"ipsecEncryption\":\"AES128\",\"ipsecIntegrity\":\"SHA256\","   \
	"\"pfsGroup\":\"None\",\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":1048576}"

static struct gw_desired *d;

static void setup(void)
{
	d = calloc(1, sizeof(*d)); /* large: never on the stack */
	cr_assert_not_null(d);
}

static void teardown(void)
{
	gw_desired_clear(d);
	free(d);
}

TestSuite(config, .init = setup, .fini = teardown);

static int parse(const char *doc, char *err)
{
	return gw_config_parse(doc, strlen(doc), d, err, 512);
}

Test(config, full_document)
{
	char err[512] = "";
	const char *doc = "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":["
		CONN_HEAD PREFIXES ",\"initiate\":false,\"sku\":\"HighPerformance\","
		"\"dpdTimeoutSeconds\":30," POLICY "}]}";
	struct prefix gw;
	char s[PREFIX_STR_MAX];

	cr_assert_eq(parse(doc, err), 0, "%s", err);
	cr_assert_eq(d->n_vnets, 1);
	cr_assert_eq(d->n_conns, 1);
	cr_assert_str_eq(d->conns[0].name, "site1");
	cr_assert_eq(d->conns[0].psk->len, 6);
	cr_assert_arr_eq(d->conns[0].psk->data, "s3cret", 6);
	cr_assert(!d->conns[0].initiate);
	cr_assert_eq(d->conns[0].rate_bps, 200000000ull);
	cr_assert_eq(d->conns[0].dpd_timeout_s, 30);
	cr_assert(d->conns[0].custom_policy);
	cr_assert_eq(d->conns[0].child_lifetime_s, 3600);
	cr_assert_eq(d->conns[0].policy.ike.propose.s[0].encr_bits, 128);
	cr_assert_eq(gw_gateway_address(&d->vnets[0].gateway_subnet, &gw), 0);
	cr_assert_str_eq(prefix_print(&gw, s, sizeof(s)), "10.1.255.4/27");
}

Test(config, defaults)
{
	char err[512] = "";
	const char *doc = "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":["
		CONN_HEAD PREFIXES "}]}";

	cr_assert_eq(parse(doc, err), 0, "%s", err);
	cr_assert(d->conns[0].initiate);
	cr_assert_eq(d->conns[0].rate_bps, 100000000ull, "Standard");
	cr_assert_eq(d->conns[0].dpd_timeout_s, 45);
	cr_assert(!d->conns[0].custom_policy);
	cr_assert_eq(d->conns[0].child_lifetime_s, 27000);
	cr_assert_eq(d->conns[0].child_lifetime_kb, 102400000ull);
}

/* Numbered rows: a document and a piece of the message it must produce. */
static const struct {
	const char *doc, *msg;
} bad[] = {
	/* 1 */ { "", "line 1" },
	/* 2 */ { "[]", "must be a JSON object" },
	/* 3 */ { "{\"publicIp\":\"192.0.2.1\",\"vnet\":[]}", "unknown member \"vnet\"" },
	/* 4 */ { "{\"vnets\":[]}", "publicIp: missing" },
	/* 5 */ { "{\"publicIp\":\"192.0.2.300\"}", "config.publicIp" },
	/* 6 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[{\"name\":\"v\",\"addressSpace\":[\"10.1.0.0/16\"],\"gatewaySubnet\":\"10.1.255.0/30\"}]}",
		  "smaller than a /29" },
	/* 7 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[{\"name\":\"v\",\"addressSpace\":[\"10.1.0.0/16\"],\"gatewaySubnet\":\"10.2.255.0/27\"}]}",
		  "not inside the VNet's addressSpace" },
	/* 8 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[{\"name\":\"v\",\"addressSpace\":[\"10.1.0.1/16\"],\"gatewaySubnet\":\"10.1.255.0/27\"}]}",
		  "vnets[0].addressSpace[0]: host bits set" },
	/* 9 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "," VNET "]}", "used twice" },
	/* 10 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[{\"name\":\"a b\",\"addressSpace\":[\"10.1.0.0/16\"],\"gatewaySubnet\":\"10.1.255.0/27\"}]}",
		   "has a character" },
	/* 11 */ { "{\"publicIp\":\"192.0.2.1\",\"connections\":[" CONN_HEAD PREFIXES "}]}",
		   "no VNet named \"vnet1\"" },
	/* 12 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD "\"remotePrefixes\":[]}]}",
		   "non-empty array" },
	/* 13 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"sku\":\"UltraPerformance\"}]}",
		   "not Basic, Standard or HighPerformance" },
	/* 14 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"sku\":\"Basic\"," POLICY "}]}",
		   "not available on the Basic SKU" },
	/* 15 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"dpdTimeoutSeconds\":5}]}",
		   "outside 9..3600" },
	/* 16 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"ipsecPolicy\":{\"ikeEncryption\":\"DES\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"ECP256\",\"ipsecEncryption\":\"AES128\",\"ipsecIntegrity\":\"SHA256\",\"pfsGroup\":\"None\",\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":2048}}]}",
		   "DES has a 56-bit key" },
	/* 17 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"ipsecPolicy\":{\"ikeEncryption\":\"AES128\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"ECP256\",\"ipsecEncryption\":\"AES128\",\"ipsecIntegrity\":\"SHA256\",\"pfsGroup\":\"None\",\"saLifeTimeSeconds\":100,\"saDataSizeKilobytes\":2048}}]}",
		   "saLifeTimeSeconds: 100 is outside 300" },
	/* 18 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"ipsecPolicy\":{\"ikeEncryption\":\"AES128\"}}]}",
		   "ikeIntegrity: missing" },
	/* 19 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES "}," CONN_HEAD PREFIXES "}]}",
		   "used twice" },
	/* 20 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES "},{\"name\":\"site2\",\"vnet\":\"vnet1\",\"peer\":\"198.51.100.2\",\"sharedKey\":\"k\"," PREFIXES "}]}",
		   "one connection per remote IP" },
	/* 21 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[{\"name\":\"s\",\"vnet\":\"vnet1\",\"peer\":\"198.51.100.2\",\"sharedKey\":\"\"," PREFIXES "}]}",
		   "sharedKey: must be 1 to 128" },
	/* 22 */ { "{\"publicIp\":\"192.0.2.1\",\"vnets\":[" VNET "],\"connections\":[" CONN_HEAD PREFIXES ",\"initiate\":\"yes\"}]}",
		   "initiate: must be true or false" },
	/* 23 */ { "{\"publicIp\":\"192.0.2.1\",\"publicIp\":\"192.0.2.2\"}", "duplicate" },
};

Test(config, errors_name_the_field)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";

		cr_assert_eq(parse(bad[i].doc, err), -EINVAL, "row %zu accepted", i + 1);
		cr_assert(strstr(err, bad[i].msg), "row %zu: \"%s\" lacks \"%s\"", i + 1, err,
			  bad[i].msg);
		cr_assert_eq(d->n_conns, 0, "row %zu: nothing half-parsed stays", i + 1);
	}
}

Test(config, load_names_the_file)
{
	char err[512] = "";

	cr_assert_lt(gw_config_load("/nonexistent/vnetgwd.json", d, err, sizeof(err)), 0);
	cr_assert(strstr(err, "/nonexistent/vnetgwd.json"), "%s", err);
}
