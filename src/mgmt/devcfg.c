/* SPDX-License-Identifier: MIT */
/*
 * devcfg: renders the on-premises device's configuration for a connection (SPEC §5). For
 * strongSwan a swanctl.conf: IKEv2 (RFC 7296) with PSK and the public IPs as IDs, the gateway's
 * proposals in strongSwan's syntax through ike_policy_custom/ike_suite_format (the mapping the
 * gateway itself uses, so the two cannot drift), UDP encapsulation (RFC 3948), and lifetimes
 * that make the device rekey before the gateway's SAs expire.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ike/engine.h"
#include "mgmt/devcfg.h"

int devcfg_vendor_find(const char *name, enum devcfg_vendor *out)
{
	static const struct {
		const char *name;
		enum devcfg_vendor v;
	} vendors[] = {
		{"strongSwan", DEVCFG_STRONGSWAN},
		{"BIRD", DEVCFG_BIRD},
		{"FRR", DEVCFG_FRR},
	};

	for (size_t i = 0; name && i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		if (strcasecmp(name, vendors[i].name) == 0) {
			*out = vendors[i].v;
			return 0;
		}
	}
	return -ENOENT;
}

/* A growing text that holds a key: every buffer it leaves behind is wiped first. */
struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

static void text_grow(struct text *t, size_t need)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	p = malloc(cap);
	if (!p) {
		t->oom = true;
		return;
	}
	if (t->p) {
		memcpy(p, t->p, t->len + 1);
		explicit_bzero(t->p, t->cap);
		free(t->p);
	} else {
		p[0] = '\0';
	}
	t->p = p;
	t->cap = cap;
}

static void __attribute__((format(printf, 2, 3))) add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if (t->len + (size_t)n + 1 > t->cap)
		text_grow(t, t->len + (size_t)n + 1);
	if (t->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void devcfg_free(char *script)
{
	if (!script)
		return;
	explicit_bzero(script, strlen(script));
	free(script);
}

/* swanctl section names: ARM names may hold '(' and ')' which strongSwan's parser refuses. */
static void section_name(const char *name, char *out, size_t n)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < n; i++) {
		char c = name[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
				 ? c
				 : '_';
	}
	out[i] = '\0';
}

static void add_list(struct text *t, const char *const *v, size_t n)
{
	size_t i;

	if (!n) {
		/* No prefixes (a BGP-only site): route-based, any-to-any (SPEC §3). */
		add(t, "0.0.0.0/0,::/0");
		return;
	}
	for (i = 0; i < n; i++)
		add(t, "%s%s", i ? "," : "", v[i]);
}

static void add_suites(struct text *t, const struct ike_suite_list *l, uint8_t proto)
{
	char s[128];
	uint8_t i;

	for (i = 0; i < l->n; i++) {
		ike_suite_format(&l->s[i], proto, s, sizeof(s));
		add(t, "%s%s", i ? "," : "", s);
	}
}

/* strongSwan's settings strings: a backslash escapes '"' and '\' inside double quotes. */
static void add_quoted(struct text *t, const char *s)
{
	add(t, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			add(t, "\\%c", *s);
		else
			add(t, "%c", *s);
	}
	add(t, "\"");
}

static void render_strongswan(struct text *t, const struct devcfg_conn *c,
			      const struct ike_policy *pol)
{
	char name[128];
	/* The device rekeys at 90% of the gateway's lifetimes, so its SAs are always replaced
	 * before the gateway's expire (RFC 7296 2.8: either end may rekey). */
	uint32_t ike_life = IKE_DEFAULT_IKE_LIFETIME_S, ike_rekey = ike_life / 10 * 9;
	uint32_t child_rekey = c->child_lifetime_s / 10 * 9;
	uint64_t life_bytes = c->child_lifetime_kb * 1024, rekey_bytes = life_bytes / 10 * 9;
	uint32_t dpd_delay = c->dpd_timeout_s / 3 < 3 ? 3 : c->dpd_timeout_s / 3;

	section_name(c->name, name, sizeof(name));
	add(t, "# swanctl.conf for the on-premises strongSwan device of vnetgw connection '%s'.\n",
	    c->name);
	add(t, "# Gateway %s, device %s. IKEv2 with a pre-shared key; %s policy.\n", c->gateway_ip,
	    c->device_ip, c->custom ? "the connection's custom IPsec" : "the gateway's default");
	add(t, "# THIS FILE CONTAINS THE CONNECTION'S SHARED KEY: keep it mode 0600.\n");
	add(t, "# Install as /etc/swanctl/swanctl.conf (or conf.d/), then: swanctl --load-all\n");
	add(t, "\n");
	add(t, "connections {\n");
	add(t, "\t%s {\n", name);
	add(t, "\t\tversion = 2\n");
	add(t, "\t\tlocal_addrs = %s\n", c->device_ip);
	add(t, "\t\tremote_addrs = %s\n", c->gateway_ip);
	add(t, "\t\tproposals = ");
	add_suites(t, &pol->ike.propose, IKE_PROTO_IKE);
	add(t, "\n");
	add(t, "\t\t# The gateway takes ESP in UDP on port 4500 (RFC 3948) whether or not there is "
	       "NAT.\n");
	add(t, "\t\tencap = yes\n");
	add(t, "\t\tmobike = no\n");
	add(t,
	    "\t\t# The gateway declares a silent peer dead after %u s: probe at a third of it.\n",
	    c->dpd_timeout_s);
	add(t,
	    "\t\t# (dpd_timeout is read by IKEv1 only; IKEv2 detects death by retransmission.)\n");
	add(t, "\t\tdpd_delay = %us\n", dpd_delay);
	add(t, "\t\tdpd_timeout = %us\n", c->dpd_timeout_s);
	add(t, "\t\t# The gateway's IKE SA lives %u s; rekey at 90%%.\n", ike_life);
	add(t, "\t\trekey_time = %us\n", ike_rekey);
	add(t, "\t\tover_time = %us\n", ike_life - ike_rekey);
	add(t, "\t\tlocal {\n");
	add(t, "\t\t\tauth = psk\n");
	add(t, "\t\t\tid = %s\n", c->device_ip);
	add(t, "\t\t}\n");
	add(t, "\t\tremote {\n");
	add(t, "\t\t\tauth = psk\n");
	add(t, "\t\t\tid = %s\n", c->gateway_ip);
	add(t, "\t\t}\n");
	add(t, "\t\tchildren {\n");
	add(t, "\t\t\tnet {\n");
	add(t, "\t\t\t\tmode = tunnel\n");
	if (c->bgp) {
		add(t, "\t\t\t\t# BGP decides what crosses the tunnel (SPEC §6): any-to-any "
		       "selectors.\n");
		add(t, "\t\t\t\tlocal_ts = 0.0.0.0/0\n");
		add(t, "\t\t\t\tremote_ts = 0.0.0.0/0\n");
	} else {
		add(t, "\t\t\t\t# The site's prefixes and the VNet's address space: the route-based "
		       "gateway accepts\n");
		add(t, "\t\t\t\t# these selectors, narrower than its own 0.0.0.0/0 (SPEC §3).\n");
		add(t, "\t\t\t\tlocal_ts = ");
		add_list(t, c->site_ts, c->n_site_ts);
		add(t, "\n");
		add(t, "\t\t\t\tremote_ts = ");
		add_list(t, c->vnet_ts, c->n_vnet_ts);
		add(t, "\n");
	}
	add(t, "\t\t\t\tesp_proposals = ");
	add_suites(t, &pol->esp.propose, IKE_PROTO_ESP);
	add(t, "\n");
	add(t, "\t\t\t\tdpd_action = restart\n");
	add(t, "\t\t\t\tstart_action = start\n");
	add(t, "\t\t\t\t# The gateway's ESP SAs live %u s and %llu KB; rekey at 90%%.\n",
	    c->child_lifetime_s, (unsigned long long)c->child_lifetime_kb);
	add(t, "\t\t\t\trekey_time = %us\n", child_rekey);
	add(t, "\t\t\t\tlife_time = %us\n", c->child_lifetime_s);
	add(t, "\t\t\t\trekey_bytes = %llu\n", (unsigned long long)rekey_bytes);
	add(t, "\t\t\t\tlife_bytes = %llu\n", (unsigned long long)life_bytes);
	add(t, "\t\t\t}\n");
	add(t, "\t\t}\n");
	add(t, "\t}\n");
	add(t, "}\n");
	add(t, "\n");
	add(t, "secrets {\n");
	add(t, "\tike-%s {\n", name);
	add(t, "\t\tid-1 = %s\n", c->device_ip);
	add(t, "\t\tid-2 = %s\n", c->gateway_ip);
	add(t, "\t\tsecret = ");
	add_quoted(t, c->psk);
	add(t, "\n");
	add(t, "\t}\n");
	add(t, "}\n");
	add(t, "\n");
	add(t, "# strongswan.conf: a host whose kernel has no XFRM/ESP needs charon's userspace "
	       "data\n");
	add(t, "# plane, kernel-libipsec, loaded BEFORE kernel-netlink (otherwise IKE succeeds and "
	       "the CHILD_SA\n");
	add(t, "# fails with \"unable to add SAD entry\"). On a device whose kernel has XFRM these "
	       "lines are\n");
	add(t, "# optional: the default plugin list works.\n");
	add(t, "#\n");
	add(t, "# charon {\n");
	add(t, "# \tload_modular = no\n");
	add(t, "# \tload = random nonce openssl aesni aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 "
	       "pubkey revocation constraints kernel-libipsec kernel-netlink socket-default vici "
	       "updown\n");
	add(t, "# }\n");
	add(t, "#\n");
	add(t, "# With any-to-any selectors kernel-libipsec routes everything into ipsec0 (table "
	       "220);\n");
	add(t, "# keep the site's own routes then:\n");
	add(t, "#   ip rule add pref 210 lookup main suppress_prefixlength 0\n");
	if (c->bgp) {
		add(t, "#   ip route add %s/32 dev ipsec0\n", c->bgp->gateway_addr);
		add(t, "# (the gateway's BGP address; what the gateway advertises is routed by the "
		       "site's BGP\n");
		add(t, "# router: this connection's BIRD or FRR script)\n");
	} else {
		add(t, "#   ip route add <each remote_ts prefix> dev ipsec0\n");
	}
}

/*
 * BIRD 2: eBGP multihop to the gateway's BGP address through the tunnel (reached via strongSwan's
 * ipsec0), the routes learned exported to the kernel (through ipsec0, by recursive next hop),
 * and what the site's own static protocols named site_* hold announced.
 */
static void render_bird(struct text *t, const struct devcfg_conn *c)
{
	const struct devcfg_bgp *b = c->bgp;

	add(t, "# bird.conf (BIRD 2) for the BGP router of the on-premises site of vnetgw "
	       "connection '%s'.\n",
	    c->name);
	add(t, "# It peers with the gateway's BGP speaker, AS %u at %s, through the IPsec tunnel\n",
	    b->gateway_asn, b->gateway_addr);
	add(t, "# (this connection's strongSwan script). Start: bird -c bird.conf\n");
	add(t, "\n");
	add(t, "router id %s;\n", b->site_addr);
	add(t, "\n");
	add(t, "protocol device { }\n");
	add(t, "\n");
	add(t, "# The gateway's BGP address is behind the tunnel: strongSwan's ipsec0.\n");
	add(t, "protocol static vnetgw_peer {\n");
	add(t, "\tipv4;\n");
	add(t, "\troute %s/32 via \"ipsec0\";\n", b->gateway_addr);
	add(t, "}\n");
	add(t, "\n");
	add(t, "# What this site announces: the routes of every static protocol named site_*, e.g.\n");
	add(t, "# protocol static site_lan { ipv4; route 192.168.10.0/24 via 192.168.1.10; }\n");
	add(t, "\n");
	add(t, "# Routes learned from the gateway (the VNet, other sites) go into the kernel, "
	       "through ipsec0.\n");
	add(t, "protocol kernel {\n");
	add(t, "\tipv4 { import none; export where proto = \"vnetgw\"; };\n");
	add(t, "}\n");
	add(t, "\n");
	add(t, "protocol bgp vnetgw {\n");
	add(t, "\tlocal %s as %u;\n", b->site_addr, b->site_asn);
	add(t, "\tneighbor %s as %u;\n", b->gateway_addr, b->gateway_asn);
	add(t, "\t# Not on a shared network: the session runs through the tunnel.\n");
	add(t, "\tmultihop 2;\n");
	add(t, "\tipv4 {\n");
	add(t, "\t\timport all;\n");
	add(t, "\t\texport where proto ~ \"site_*\";\n");
	add(t, "\t\tnext hop self;\n");
	add(t, "\t\tigp table master4;\n");
	add(t, "\t};\n");
	add(t, "}\n");
}

/* FRR (zebra, staticd, bgpd; frr.conf): the same in FRR's terms. */
static void render_frr(struct text *t, const struct devcfg_conn *c)
{
	const struct devcfg_bgp *b = c->bgp;

	add(t, "! frr.conf (FRR: zebra, staticd, bgpd) for the BGP router of the on-premises site "
	       "of\n");
	add(t, "! vnetgw connection '%s'. It peers with the gateway's BGP speaker, AS %u at %s,\n",
	    c->name, b->gateway_asn, b->gateway_addr);
	add(t, "! through the IPsec tunnel (this connection's strongSwan script).\n");
	add(t, "!\n");
	add(t, "frr defaults traditional\n");
	add(t, "!\n");
	add(t, "! The gateway's BGP address is behind the tunnel: strongSwan's ipsec0.\n");
	add(t, "ip route %s/32 ipsec0\n", b->gateway_addr);
	add(t, "!\n");
	add(t, "router bgp %u\n", b->site_asn);
	add(t, " bgp router-id %s\n", b->site_addr);
	add(t, " ! The gateway's routes are accepted and ours announced without route-maps.\n");
	add(t, " no bgp ebgp-requires-policy\n");
	add(t, " neighbor %s remote-as %u\n", b->gateway_addr, b->gateway_asn);
	add(t, " ! Not on a shared network: the session runs through the tunnel.\n");
	add(t, " neighbor %s ebgp-multihop 2\n", b->gateway_addr);
	add(t, " neighbor %s update-source %s\n", b->gateway_addr, b->site_addr);
	add(t, " !\n");
	add(t, " address-family ipv4 unicast\n");
	add(t, "  ! What this site announces, e.g.:\n");
	add(t, "  ! network 192.168.10.0/24\n");
	add(t, " exit-address-family\n");
	add(t, "exit\n");
}

int devcfg_render(enum devcfg_vendor v, const struct devcfg_conn *c, char **out, const char **why)
{
	struct ike_policy pol;
	struct text t = {0};

	*out = NULL;
	*why = NULL;
	if (c->custom) {
		if (ike_policy_custom(&pol, c->custom, why) < 0)
			return -EINVAL;
	} else {
		ike_policy_default(&pol);
	}
	if ((v == DEVCFG_BIRD || v == DEVCFG_FRR) && !c->bgp) {
		*why = "the connection does not use BGP (enableBgp); the strongSwan script is the "
		       "whole device";
		return -ENOTSUP;
	}
	switch (v) {
	case DEVCFG_STRONGSWAN:
		render_strongswan(&t, c, &pol);
		break;
	case DEVCFG_BIRD:
		render_bird(&t, c);
		break;
	case DEVCFG_FRR:
		render_frr(&t, c);
		break;
	}
	if (t.oom || !t.p) {
		devcfg_free(t.p);
		return -ENOMEM;
	}
	*out = t.p;
	return 0;
}
