/* SPDX-License-Identifier: MIT */
/*
 * config: vnetgwd's declarative configuration file (issue 3, until the store drives the gateway):
 * a JSON document with the public IP, the VNets and the connections, mapped onto the gateway's
 * desired state. Every value is checked here with the same rules the API applies (SPEC §2, §3),
 * and an error names the field: "connections[1].remotePrefixes[0]: host bits set: ...".
 */
#include "daemon/config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CFG_CHILD_LIFETIME_MIN_S 300
#define CFG_CHILD_LIFETIME_MIN_KB 1024
#define CFG_DPD_MIN_S 9
#define CFG_DPD_MAX_S 3600

struct cfg_ctx {
	char *err;
	size_t errlen;
};

static int cfg_fail(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Refuse members we do not know, so a misspelt key is an error and not silently ignored. */
static int cfg_known_keys(struct cfg_ctx *c, json_t *obj, const char *where,
			  const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		const char *const *p;

		for (p = keys; *p && strcmp(*p, k) != 0; p++)
			;
		if (!*p)
			return cfg_fail(c, "%s: unknown member \"%s\"", where, k);
	}
	return 0;
}

static int cfg_string(struct cfg_ctx *c, json_t *obj, const char *where, const char *key,
		      bool required, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? cfg_fail(c, "%s.%s: missing", where, key) : 0;
	if (!json_is_string(v))
		return cfg_fail(c, "%s.%s: must be a string", where, key);
	*out = json_string_value(v);
	return 0;
}

static int cfg_name(struct cfg_ctx *c, json_t *obj, const char *where, const char *key,
		    char *out)
{
	const char *s;
	int r = cfg_string(c, obj, where, key, true, &s);

	if (r < 0)
		return r;
	if (!*s || strlen(s) >= GW_NAME_MAX)
		return cfg_fail(c, "%s.%s: must be 1 to %d characters", where, key, GW_NAME_MAX - 1);
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return cfg_fail(c, "%s.%s: \"%s\" has a character other than letters, "
					   "digits, '-', '_' and '.'",
					where, key, s);
	snprintf(out, GW_NAME_MAX, "%s", s);
	return 0;
}

static int cfg_uint(struct cfg_ctx *c, json_t *obj, const char *where, const char *key,
		    uint64_t min, uint64_t max, uint64_t dflt, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return cfg_fail(c, "%s.%s: must be a whole number", where, key);
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return cfg_fail(c, "%s.%s: %lld is outside %llu..%llu", where, key, (long long)n,
				(unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

static int cfg_prefixes(struct cfg_ctx *c, json_t *obj, const char *where, const char *key,
			struct prefix *out, unsigned int *n)
{
	json_t *arr = json_object_get(obj, key), *v;
	char e[ADDR_ERR_MAX];
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return cfg_fail(c, "%s.%s: must be a non-empty array of prefixes", where, key);
	if (json_array_size(arr) > GW_PREFIXES_MAX)
		return cfg_fail(c, "%s.%s: more than %d prefixes", where, key, GW_PREFIXES_MAX);
	*n = 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return cfg_fail(c, "%s.%s[%zu]: must be a string", where, key, i);
		if (prefix_parse(&out[i], json_string_value(v), PREFIX_PARSE_STRICT, e,
				 sizeof(e)) < 0)
			return cfg_fail(c, "%s.%s[%zu]: %s", where, key, i, e);
		(*n)++;
	}
	return 0;
}

static int cfg_vnet(struct cfg_ctx *c, json_t *obj, const char *where, struct gw_vnet *v)
{
	static const char *const keys[] = { "name", "addressSpace", "gatewaySubnet", NULL };
	const char *s;
	char e[ADDR_ERR_MAX];
	bool inside = false;
	int r;

	if (!json_is_object(obj))
		return cfg_fail(c, "%s: must be an object", where);
	r = cfg_known_keys(c, obj, where, keys);
	r = r ?: cfg_name(c, obj, where, "name", v->name);
	r = r ?: cfg_prefixes(c, obj, where, "addressSpace", v->address_space,
			      &v->n_address_space);
	r = r ?: cfg_string(c, obj, where, "gatewaySubnet", true, &s);
	if (r < 0)
		return r;
	if (prefix_parse(&v->gateway_subnet, s, PREFIX_PARSE_STRICT, e, sizeof(e)) < 0)
		return cfg_fail(c, "%s.gatewaySubnet: %s", where, e);
	/* SPEC §2 rule 4: a GatewaySubnet of /29 or larger, inside the address space. */
	if (v->gateway_subnet.addr.family == AF_INET ? v->gateway_subnet.len > 29
						     : v->gateway_subnet.len > 125)
		return cfg_fail(c, "%s.gatewaySubnet: %s is smaller than a /29 (the gateway needs "
				   "at least 8 addresses)",
				where, s);
	for (unsigned int i = 0; i < v->n_address_space; i++)
		inside |= prefix_contains_prefix(&v->address_space[i], &v->gateway_subnet);
	if (!inside)
		return cfg_fail(c, "%s.gatewaySubnet: %s is not inside the VNet's addressSpace",
				where, s);
	return 0;
}

static int cfg_policy(struct cfg_ctx *c, json_t *obj, const char *where, struct gw_conn *g)
{
	static const char *const keys[] = { "ikeEncryption",  "ikeIntegrity",
					    "dhGroup",	      "ipsecEncryption",
					    "ipsecIntegrity", "pfsGroup",
					    "saLifeTimeSeconds", "saDataSizeKilobytes",
					    NULL };
	struct ike_custom_policy p;
	const char *why;
	uint64_t life_s, life_kb;
	int r;

	if (!json_is_object(obj))
		return cfg_fail(c, "%s: must be an object", where);
	/* SPEC §2 rule 11: all eight fields are required. */
	r = cfg_known_keys(c, obj, where, keys);
	r = r ?: cfg_string(c, obj, where, "ikeEncryption", true, &p.ike_encryption);
	r = r ?: cfg_string(c, obj, where, "ikeIntegrity", true, &p.ike_integrity);
	r = r ?: cfg_string(c, obj, where, "dhGroup", true, &p.dh_group);
	r = r ?: cfg_string(c, obj, where, "ipsecEncryption", true, &p.ipsec_encryption);
	r = r ?: cfg_string(c, obj, where, "ipsecIntegrity", true, &p.ipsec_integrity);
	r = r ?: cfg_string(c, obj, where, "pfsGroup", true, &p.pfs_group);
	if (r < 0)
		return r;
	if (!json_object_get(obj, "saLifeTimeSeconds") ||
	    !json_object_get(obj, "saDataSizeKilobytes"))
		return cfg_fail(c, "%s: saLifeTimeSeconds and saDataSizeKilobytes are required",
				where);
	r = cfg_uint(c, obj, where, "saLifeTimeSeconds", CFG_CHILD_LIFETIME_MIN_S, UINT32_MAX, 0,
		     &life_s);
	r = r ?: cfg_uint(c, obj, where, "saDataSizeKilobytes", CFG_CHILD_LIFETIME_MIN_KB,
			  UINT64_MAX / 1024, 0, &life_kb);
	if (r < 0)
		return r;
	if (ike_policy_custom(&g->policy, &p, &why) < 0)
		return cfg_fail(c, "%s: %s", where, why);
	g->custom_policy = true;
	g->child_lifetime_s = (uint32_t)life_s;
	g->child_lifetime_kb = life_kb;
	return 0;
}

static int cfg_conn(struct cfg_ctx *c, json_t *obj, const char *where, const struct gw_desired *d,
		    struct gw_conn *g)
{
	static const char *const keys[] = { "name",	     "vnet",		 "peer",
					    "sharedKey",     "remotePrefixes",	 "initiate",
					    "sku",	     "dpdTimeoutSeconds", "ipsecPolicy",
					    NULL };
	const char *peer, *key, *sku = "Standard";
	char e[ADDR_ERR_MAX];
	uint64_t dpd;
	json_t *v;
	size_t klen;
	int r;

	if (!json_is_object(obj))
		return cfg_fail(c, "%s: must be an object", where);
	r = cfg_known_keys(c, obj, where, keys);
	r = r ?: cfg_name(c, obj, where, "name", g->name);
	r = r ?: cfg_name(c, obj, where, "vnet", g->vnet);
	r = r ?: cfg_string(c, obj, where, "peer", true, &peer);
	r = r ?: cfg_string(c, obj, where, "sharedKey", true, &key);
	r = r ?: cfg_prefixes(c, obj, where, "remotePrefixes", g->remote, &g->n_remote);
	r = r ?: cfg_string(c, obj, where, "sku", false, &sku);
	r = r ?: cfg_uint(c, obj, where, "dpdTimeoutSeconds", CFG_DPD_MIN_S, CFG_DPD_MAX_S,
			  IKE_DEFAULT_DPD_TIMEOUT_S, &dpd);
	if (r < 0)
		return r;
	if (!sku)
		sku = "Standard";
	if (!gw_desired_vnet(d, g->vnet))
		return cfg_fail(c, "%s.vnet: no VNet named \"%s\"", where, g->vnet);
	if (addr_parse(&g->peer, peer, e, sizeof(e)) < 0)
		return cfg_fail(c, "%s.peer: %s", where, e);
	klen = strlen(key);
	if (klen == 0 || klen > 128)
		return cfg_fail(c, "%s.sharedKey: must be 1 to 128 characters", where);
	g->rate_bps = gw_sku_rate_bps(sku);
	if (!g->rate_bps)
		return cfg_fail(c, "%s.sku: \"%s\" is not Basic, Standard or HighPerformance",
				where, sku);
	g->dpd_timeout_s = (uint32_t)dpd;
	v = json_object_get(obj, "initiate");
	if (v && !json_is_boolean(v))
		return cfg_fail(c, "%s.initiate: must be true or false", where);
	g->initiate = v ? json_is_true(v) : true;
	ike_policy_default(&g->policy);
	g->child_lifetime_s = IKE_DEFAULT_CHILD_LIFETIME_S;
	g->child_lifetime_kb = IKE_DEFAULT_CHILD_LIFETIME_KB;
	v = json_object_get(obj, "ipsecPolicy");
	if (v) {
		char pw[96];

		/* SPEC §2 rule 11: not on Basic. */
		if (strcmp(sku, "Basic") == 0)
			return cfg_fail(c, "%s.ipsecPolicy: custom IPsec/IKE policies are not "
					   "available on the Basic SKU",
					where);
		snprintf(pw, sizeof(pw), "%s.ipsecPolicy", where);
		r = cfg_policy(c, v, pw, g);
		if (r < 0)
			return r;
	}
	g->psk = secret_dup(key, klen);
	return g->psk ? 0 : -ENOMEM;
}

static int cfg_parse_root(struct cfg_ctx *c, json_t *root, struct gw_desired *d)
{
	static const char *const keys[] = { "publicIp", "vnets", "connections", NULL };
	json_t *arr, *v;
	const char *ip;
	char e[ADDR_ERR_MAX], where[48];
	size_t i;
	int r;

	if (!json_is_object(root))
		return cfg_fail(c, "the document must be a JSON object");
	r = cfg_known_keys(c, root, "config", keys);
	r = r ?: cfg_string(c, root, "config", "publicIp", true, &ip);
	if (r < 0)
		return r;
	if (addr_parse(&d->public_ip, ip, e, sizeof(e)) < 0)
		return cfg_fail(c, "config.publicIp: %s", e);

	arr = json_object_get(root, "vnets");
	if (arr && !json_is_array(arr))
		return cfg_fail(c, "config.vnets: must be an array");
	if (json_array_size(arr) > GW_VNETS_MAX)
		return cfg_fail(c, "config.vnets: more than %d", GW_VNETS_MAX);
	json_array_foreach(arr, i, v) {
		snprintf(where, sizeof(where), "vnets[%zu]", i);
		r = cfg_vnet(c, v, where, &d->vnets[i]);
		if (r < 0)
			return r;
		if (gw_desired_vnet(d, d->vnets[i].name))
			return cfg_fail(c, "%s.name: \"%s\" is used twice", where,
					d->vnets[i].name);
		d->n_vnets++;
	}

	arr = json_object_get(root, "connections");
	if (arr && !json_is_array(arr))
		return cfg_fail(c, "config.connections: must be an array");
	if (json_array_size(arr) > GW_CONNS_MAX)
		return cfg_fail(c, "config.connections: more than %d", GW_CONNS_MAX);
	json_array_foreach(arr, i, v) {
		struct gw_conn *g = &d->conns[i];

		snprintf(where, sizeof(where), "connections[%zu]", i);
		memset(g, 0, sizeof(*g));
		r = cfg_conn(c, v, where, d, g);
		if (r < 0) {
			secret_free(g->psk);
			g->psk = NULL;
			return r;
		}
		d->n_conns++;
		for (size_t j = 0; j < i; j++) {
			/* SPEC §2 rule 9: one connection per remote IP. */
			if (strcmp(d->conns[j].name, g->name) == 0)
				return cfg_fail(c, "%s.name: \"%s\" is used twice", where, g->name);
			if (addr_equal(&d->conns[j].peer, &g->peer))
				return cfg_fail(c, "%s.peer: connections[%zu] already connects to "
						   "this address (one connection per remote IP)",
						where, j);
		}
	}
	return 0;
}

int gw_config_parse(const char *text, size_t len, struct gw_desired *out, char *err,
		    size_t errlen)
{
	struct cfg_ctx c = { .err = err, .errlen = errlen };
	json_error_t je;
	json_t *root;
	int r;

	memset(out, 0, sizeof(*out));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return cfg_fail(&c, "line %d, column %d: %s", je.line, je.column, je.text);
	r = cfg_parse_root(&c, root, out);
	json_decref(root);
	if (r < 0)
		gw_desired_clear(out);
	return r;
}

int gw_config_load(const char *path, struct gw_desired *out, char *err, size_t errlen)
{
	char buf[1 << 16];
	size_t n;
	FILE *f = fopen(path, "r");
	int r;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? "cannot be read" : "larger than 64 KiB");
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	r = gw_config_parse(buf, n, out, err, errlen);
	if (r < 0) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
	}
	secret_wipe(buf, n); /* it held shared keys */
	return r;
}
