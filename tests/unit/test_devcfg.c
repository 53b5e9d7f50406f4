/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/mgmt/devcfg: the strongSwan swanctl.conf of a connection with SPEC §3's
 * default policy and with a custom one (golden texts), the shared key's one appearance and its
 * quoting, section names strongSwan accepts, unknown vendors, unmappable policies.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/devcfg.h"

static const char *const site[] = {"192.168.1.0/24", "192.168.2.0/24"};
static const char *const vnet[] = {"10.1.0.0/16"};

static struct devcfg_conn default_conn(void)
{
	return (struct devcfg_conn){
		.name = "site1-conn",
		.device_ip = "198.51.100.2",
		.gateway_ip = "203.0.113.1",
		.site_ts = site,
		.n_site_ts = 2,
		.vnet_ts = vnet,
		.n_vnet_ts = 1,
		.psk = "Choose-A-Long-Key-1",
		.child_lifetime_s = 27000,
		.child_lifetime_kb = 102400000ull,
		.dpd_timeout_s = 45,
	};
}

/* Azure's names, each mapped by ike_policy_custom: GCM for IKE (no integrity; SHA384 names the
 * PRF), CBC+SHA-256 for ESP, PFSMM = the IKE group. */
static const struct ike_custom_policy custom = {
	.ike_encryption = "GCMAES256",
	.ike_integrity = "SHA384",
	.dh_group = "ECP256",
	.ipsec_encryption = "AES128",
	.ipsec_integrity = "SHA256",
	.pfs_group = "PFSMM",
};

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *render(const struct devcfg_conn *c)
{
	const char *why = "unset";
	char *out = NULL;

	cr_assert_eq(devcfg_render(DEVCFG_STRONGSWAN, c, &out, &why), 0, "refused: %s", why);
	cr_assert_not_null(out);
	return out;
}

static void assert_text(const char *got, const char *want)
{
	size_t i = 0, line = 1;

	while (got[i] && got[i] == want[i]) {
		line += got[i] == '\n';
		i++;
	}
	cr_assert(got[i] == want[i], "differs at line %zu:\n got: %.80s\nwant: %.80s", line,
		  got + i, want + i);
}

/* SPEC §3's default: IKE aes256-sha384-ecp384 28 800 s, ESP aes256gcm16-ecp384 27 000 s and
 * 102 400 000 KB, DPD 45 s. */
static const char golden_default[] =
	"# swanctl.conf for the on-premises strongSwan device of vnetgw connection 'site1-conn'.\n"
	"# Gateway 203.0.113.1, device 198.51.100.2. IKEv2 with a pre-shared key; the gateway's "
	"default policy.\n"
	"# THIS FILE CONTAINS THE CONNECTION'S SHARED KEY: keep it mode 0600.\n"
	"# Install as /etc/swanctl/swanctl.conf (or conf.d/), then: swanctl --load-all\n"
	"\n"
	"connections {\n"
	"\tsite1-conn {\n"
	"\t\tversion = 2\n"
	"\t\tlocal_addrs = 198.51.100.2\n"
	"\t\tremote_addrs = 203.0.113.1\n"
	"\t\tproposals = aes256-sha384-prfsha384-ecp384\n"
	"\t\t# The gateway takes ESP in UDP on port 4500 (RFC 3948) whether or not there is NAT.\n"
	"\t\tencap = yes\n"
	"\t\tmobike = no\n"
	"\t\t# The gateway declares a silent peer dead after 45 s: probe at a third of it.\n"
	"\t\t# (dpd_timeout is read by IKEv1 only; IKEv2 detects death by retransmission.)\n"
	"\t\tdpd_delay = 15s\n"
	"\t\tdpd_timeout = 45s\n"
	"\t\t# The gateway's IKE SA lives 28800 s; rekey at 90%.\n"
	"\t\trekey_time = 25920s\n"
	"\t\tover_time = 2880s\n"
	"\t\tlocal {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.51.100.2\n"
	"\t\t}\n"
	"\t\tremote {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 203.0.113.1\n"
	"\t\t}\n"
	"\t\tchildren {\n"
	"\t\t\tnet {\n"
	"\t\t\t\tmode = tunnel\n"
	"\t\t\t\t# The site's prefixes and the VNet's address space: the route-based gateway "
	"accepts\n"
	"\t\t\t\t# these selectors, narrower than its own 0.0.0.0/0 (SPEC §3).\n"
	"\t\t\t\tlocal_ts = 192.168.1.0/24,192.168.2.0/24\n"
	"\t\t\t\tremote_ts = 10.1.0.0/16\n"
	"\t\t\t\tesp_proposals = aes256gcm16-ecp384\n"
	"\t\t\t\tdpd_action = restart\n"
	"\t\t\t\tstart_action = start\n"
	"\t\t\t\t# The gateway's ESP SAs live 27000 s and 102400000 KB; rekey at 90%.\n"
	"\t\t\t\trekey_time = 24300s\n"
	"\t\t\t\tlife_time = 27000s\n"
	"\t\t\t\trekey_bytes = 94371840000\n"
	"\t\t\t\tlife_bytes = 104857600000\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"}\n"
	"\n"
	"secrets {\n"
	"\tike-site1-conn {\n"
	"\t\tid-1 = 198.51.100.2\n"
	"\t\tid-2 = 203.0.113.1\n"
	"\t\tsecret = \"Choose-A-Long-Key-1\"\n"
	"\t}\n"
	"}\n"
	"\n"
	"# strongswan.conf: a host whose kernel has no XFRM/ESP needs charon's userspace data\n"
	"# plane, kernel-libipsec, loaded BEFORE kernel-netlink (otherwise IKE succeeds and the "
	"CHILD_SA\n"
	"# fails with \"unable to add SAD entry\"). On a device whose kernel has XFRM these lines "
	"are\n"
	"# optional: the default plugin list works.\n"
	"#\n"
	"# charon {\n"
	"# \tload_modular = no\n"
	"# \tload = random nonce openssl aesni aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey "
	"revocation constraints kernel-libipsec kernel-netlink socket-default vici updown\n"
	"# }\n"
	"#\n"
	"# With any-to-any selectors kernel-libipsec routes everything into ipsec0 (table 220);\n"
	"# keep the site's own routes then:\n"
	"#   ip rule add pref 210 lookup main suppress_prefixlength 0\n"
	"#   ip route add <each remote_ts prefix> dev ipsec0\n";

Test(devcfg, golden_default)
{
	struct devcfg_conn c = default_conn();
	char *out = render(&c);

	assert_text(out, golden_default);
	devcfg_free(out);
}

/* A custom policy (3600 s, 2048 KB), one site prefix, the shortest DPD timeout (9 s). */
static const char golden_custom[] =
	"# swanctl.conf for the on-premises strongSwan device of vnetgw connection 'site1-conn'.\n"
	"# Gateway 203.0.113.1, device 198.51.100.2. IKEv2 with a pre-shared key; the connection's "
	"custom IPsec policy.\n"
	"# THIS FILE CONTAINS THE CONNECTION'S SHARED KEY: keep it mode 0600.\n"
	"# Install as /etc/swanctl/swanctl.conf (or conf.d/), then: swanctl --load-all\n"
	"\n"
	"connections {\n"
	"\tsite1-conn {\n"
	"\t\tversion = 2\n"
	"\t\tlocal_addrs = 198.51.100.2\n"
	"\t\tremote_addrs = 203.0.113.1\n"
	"\t\tproposals = aes256gcm16-prfsha384-ecp256\n"
	"\t\t# The gateway takes ESP in UDP on port 4500 (RFC 3948) whether or not there is NAT.\n"
	"\t\tencap = yes\n"
	"\t\tmobike = no\n"
	"\t\t# The gateway declares a silent peer dead after 9 s: probe at a third of it.\n"
	"\t\t# (dpd_timeout is read by IKEv1 only; IKEv2 detects death by retransmission.)\n"
	"\t\tdpd_delay = 3s\n"
	"\t\tdpd_timeout = 9s\n"
	"\t\t# The gateway's IKE SA lives 28800 s; rekey at 90%.\n"
	"\t\trekey_time = 25920s\n"
	"\t\tover_time = 2880s\n"
	"\t\tlocal {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.51.100.2\n"
	"\t\t}\n"
	"\t\tremote {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 203.0.113.1\n"
	"\t\t}\n"
	"\t\tchildren {\n"
	"\t\t\tnet {\n"
	"\t\t\t\tmode = tunnel\n"
	"\t\t\t\t# The site's prefixes and the VNet's address space: the route-based gateway "
	"accepts\n"
	"\t\t\t\t# these selectors, narrower than its own 0.0.0.0/0 (SPEC §3).\n"
	"\t\t\t\tlocal_ts = 192.168.1.0/24\n"
	"\t\t\t\tremote_ts = 10.1.0.0/16\n"
	"\t\t\t\tesp_proposals = aes128-sha256-ecp256\n"
	"\t\t\t\tdpd_action = restart\n"
	"\t\t\t\tstart_action = start\n"
	"\t\t\t\t# The gateway's ESP SAs live 3600 s and 2048 KB; rekey at 90%.\n"
	"\t\t\t\trekey_time = 3240s\n"
	"\t\t\t\tlife_time = 3600s\n"
	"\t\t\t\trekey_bytes = 1887435\n"
	"\t\t\t\tlife_bytes = 2097152\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"}\n"
	"\n"
	"secrets {\n"
	"\tike-site1-conn {\n"
	"\t\tid-1 = 198.51.100.2\n"
	"\t\tid-2 = 203.0.113.1\n"
	"\t\tsecret = \"Choose-A-Long-Key-1\"\n"
	"\t}\n"
	"}\n"
	"\n"
	"# strongswan.conf: a host whose kernel has no XFRM/ESP needs charon's userspace data\n"
	"# plane, kernel-libipsec, loaded BEFORE kernel-netlink (otherwise IKE succeeds and the "
	"CHILD_SA\n"
	"# fails with \"unable to add SAD entry\"). On a device whose kernel has XFRM these lines "
	"are\n"
	"# optional: the default plugin list works.\n"
	"#\n"
	"# charon {\n"
	"# \tload_modular = no\n"
	"# \tload = random nonce openssl aesni aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey "
	"revocation constraints kernel-libipsec kernel-netlink socket-default vici updown\n"
	"# }\n"
	"#\n"
	"# With any-to-any selectors kernel-libipsec routes everything into ipsec0 (table 220);\n"
	"# keep the site's own routes then:\n"
	"#   ip rule add pref 210 lookup main suppress_prefixlength 0\n"
	"#   ip route add <each remote_ts prefix> dev ipsec0\n";

Test(devcfg, golden_custom)
{
	struct devcfg_conn c = default_conn();
	char *out;

	c.custom = &custom;
	c.child_lifetime_s = 3600;
	c.child_lifetime_kb = 2048;
	c.dpd_timeout_s = 9;
	c.n_site_ts = 1;
	out = render(&c);
	assert_text(out, golden_custom);
	devcfg_free(out);
}

Test(devcfg, key_appears_once)
{
	struct devcfg_conn c = default_conn();
	char *out = render(&c);

	cr_assert_eq(count(out, c.psk), 1, "the key appears %zu times", count(out, c.psk));
	cr_assert_eq(count(out, "secret = \"Choose-A-Long-Key-1\"\n"), 1);
	devcfg_free(out);
}

/* Numbered rows: what the script must say for a given input. */
static const struct {
	const char *name, *psk, *want;
} rows[] = {
	/* 1 */ {"site(1)", "k", "\tsite_1_ {\n"}, /* strongSwan refuses '(' in names */
	/* 2 */ {"site(1)", "k", "\tike-site_1_ {\n"},
	/* 3 */ {"a.b_c-d", "k", "\ta.b_c-d {\n"},
	/* 4 */ {"s", "a\"b\\c", "secret = \"a\\\"b\\\\c\"\n"}, /* '"' and '\' escaped */
	/* 5 */ {"s", "a b$c", "secret = \"a b$c\"\n"},
	/* 6 */ {"site(1)", "k", "connection 'site(1)'"}, /* the comment keeps the ARM name */
};

Test(devcfg, rows)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct devcfg_conn c = default_conn();
		char *out;

		c.name = rows[i].name;
		c.psk = rows[i].psk;
		out = render(&c);
		cr_assert(strstr(out, rows[i].want), "row %zu: no '%s' in\n%s", i + 1, rows[i].want,
			  out);
		devcfg_free(out);
	}
}

Test(devcfg, no_site_prefixes_is_any_to_any)
{
	struct devcfg_conn c = default_conn();
	char *out;

	c.n_site_ts = 0;
	out = render(&c);
	cr_assert(strstr(out, "\t\t\t\tlocal_ts = 0.0.0.0/0,::/0\n"));
	cr_assert(strstr(out, "\t\t\t\tremote_ts = 10.1.0.0/16\n"));
	devcfg_free(out);
}

Test(devcfg, vendors)
{
	enum devcfg_vendor v = (enum devcfg_vendor)99;

	cr_assert_eq(devcfg_vendor_find("strongSwan", &v), 0);
	cr_assert_eq(v, DEVCFG_STRONGSWAN);
	cr_assert_eq(devcfg_vendor_find("STRONGSWAN", &v), 0);
	cr_assert_eq(devcfg_vendor_find("Cisco", &v), -ENOENT);
	cr_assert_eq(devcfg_vendor_find("", &v), -ENOENT);
	cr_assert_eq(devcfg_vendor_find("strongSwan ", &v), -ENOENT);
	cr_assert_eq(devcfg_vendor_find(NULL, &v), -ENOENT);
}

Test(devcfg, unmappable_policy_refused)
{
	struct ike_custom_policy bad = custom;
	struct devcfg_conn c = default_conn();
	const char *why = NULL;
	char *out = (char *)"untouched";

	bad.dh_group = "DHGroup1";
	c.custom = &bad;
	cr_assert_eq(devcfg_render(DEVCFG_STRONGSWAN, &c, &out, &why), -EINVAL);
	cr_assert_null(out);
	cr_assert_not_null(why);
	cr_assert(strstr(why, "DHGroup1"), "why: %s", why);
}

/* ---- BGP connections (SPEC §6) ------------------------------------------------------------- */

static const struct devcfg_bgp bgp = {
	.site_asn = 65010,
	.site_addr = "192.168.1.1",
	.gateway_asn = 65515,
	.gateway_addr = "10.1.255.30",
};

static char *render_as(enum devcfg_vendor v, const struct devcfg_conn *c)
{
	const char *why = "unset";
	char *out = NULL;

	cr_assert_eq(devcfg_render(v, c, &out, &why), 0, "refused: %s", why);
	cr_assert_not_null(out);
	return out;
}

Test(devcfg, bgp_strongswan_is_any_to_any_and_routes_the_gateways_bgp_address)
{
	struct devcfg_conn c = default_conn();
	char *out;

	c.bgp = &bgp;
	out = render_as(DEVCFG_STRONGSWAN, &c);
	cr_assert(strstr(out, "\t\t\t\tlocal_ts = 0.0.0.0/0\n"), "%s", out);
	cr_assert(strstr(out, "\t\t\t\tremote_ts = 0.0.0.0/0\n"));
	cr_assert(strstr(out, "#   ip route add 10.1.255.30/32 dev ipsec0\n"));
	cr_assert_eq(count(out, "192.168.2.0/24"), 0, "no static selectors");
	devcfg_free(out);
}

Test(devcfg, bgp_bird_peers_through_the_tunnel)
{
	static const char *const want[] = {
		"router id 192.168.1.1;\n",
		"\troute 10.1.255.30/32 via \"ipsec0\";\n",
		"\tlocal 192.168.1.1 as 65010;\n",
		"\tneighbor 10.1.255.30 as 65515;\n",
		"\tmultihop 2;\n",
		"\t\texport where proto ~ \"site_*\";\n",
		"\t\tigp table master4;\n",
		"\tipv4 { import none; export where proto = \"vnetgw\"; };\n",
	};
	struct devcfg_conn c = default_conn();
	char *out;

	c.bgp = &bgp;
	out = render_as(DEVCFG_BIRD, &c);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(out, want[i]), "no '%s' in\n%s", want[i], out);
	cr_assert_eq(count(out, c.psk), 0, "a router's script holds no IPsec key");
	devcfg_free(out);
}

Test(devcfg, bgp_frr_peers_through_the_tunnel)
{
	static const char *const want[] = {
		"ip route 10.1.255.30/32 ipsec0\n",
		"router bgp 65010\n",
		" bgp router-id 192.168.1.1\n",
		" no bgp ebgp-requires-policy\n",
		" neighbor 10.1.255.30 remote-as 65515\n",
		" neighbor 10.1.255.30 ebgp-multihop 2\n",
		" neighbor 10.1.255.30 update-source 192.168.1.1\n",
		" address-family ipv4 unicast\n",
	};
	struct devcfg_conn c = default_conn();
	char *out;

	c.bgp = &bgp;
	out = render_as(DEVCFG_FRR, &c);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(out, want[i]), "no '%s' in\n%s", want[i], out);
	cr_assert_eq(count(out, c.psk), 0);
	devcfg_free(out);
}

Test(devcfg, router_scripts_are_for_bgp_connections_only)
{
	struct devcfg_conn c = default_conn();
	enum devcfg_vendor v;
	const char *why = NULL;
	char *out = (char *)"untouched";

	cr_assert_eq(devcfg_vendor_find("bird", &v), 0);
	cr_assert_eq(v, DEVCFG_BIRD);
	cr_assert_eq(devcfg_vendor_find("FRR", &v), 0);
	cr_assert_eq(v, DEVCFG_FRR);
	cr_assert_eq(devcfg_render(DEVCFG_BIRD, &c, &out, &why), -ENOTSUP);
	cr_assert_null(out);
	cr_assert(why && strstr(why, "BGP"), "says why: %s", why ? why : "(null)");
	cr_assert_eq(devcfg_render(DEVCFG_FRR, &c, &out, &why), -ENOTSUP);
}
