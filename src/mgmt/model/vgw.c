/* SPDX-License-Identifier: MIT */
/*
 * vgw: virtual network gateways and SPEC §2 rules 1-6 and 8 as they bear on a gateway: Vpn and
 * RouteBased only, the three SKUs, one gateway per VNet on its GatewaySubnet (/29 or larger), no
 * BGP on Basic, active-active on HighPerformance only with two public IPs, and, when a gateway
 * is replaced, its connections still within the deployment's tunnel limit for its SKU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

static const char *const alloc_methods[] = {"Dynamic", "Static", NULL};

static int parse_sku(json_t *in, json_t *props, enum model_sku *sku, struct mgmt_error *err)
{
	const char *name, *tier;
	json_t *o;
	int r;

	r = field_get_object(in, "properties", "sku", true, &o, err);
	if (!r)
		r = field_get_string(o, "properties.sku", "name", true, 64, &name, err);
	if (!r)
		r = field_get_string(o, "properties.sku", "tier", false, 64, &tier, err);
	if (r)
		return r;
	if (strcasecmp(name, "UltraPerformance") == 0)
		return mgmt_fail(err, MGMT_E_GATEWAY_SKU, "properties.sku.name",
				 "The UltraPerformance SKU is for ExpressRoute only and is not "
				 "offered; use Basic, Standard or HighPerformance.");
	if (model_sku_from_name(name, sku) != 0)
		return mgmt_fail(err, MGMT_E_GATEWAY_SKU, "properties.sku.name",
				 "The gateway SKU '%.64s' is not offered; use Basic, Standard or "
				 "HighPerformance.",
				 name);
	if (tier && strcasecmp(tier, name) != 0)
		return mgmt_fail(err, MGMT_E_GATEWAY_SKU, "properties.sku.tier",
				 "The SKU tier '%.64s' differs from the SKU name '%s'.", tier,
				 model_sku_name(*sku));
	json_object_set_new(props, "sku",
			    json_pack("{s:s, s:s}", "name", model_sku_name(*sku), "tier",
				      model_sku_name(*sku)));
	return 0;
}

int model_parse_ref(json_t *in, const char *path, const char *key, enum model_type t, json_t **out,
		    struct mgmt_error *err)
{
	char target[160], idt[160];
	struct model_id id;
	const char *s;
	json_t *o;
	int r;

	r = field_get_object(in, path, key, true, &o, err);
	if (r)
		return r;
	field_path(target, sizeof(target), path, key);
	r = field_get_string(o, target, "id", true, MODEL_ID_MAX, &s, err);
	if (r)
		return r;
	if (model_id_parse(s, &id) != 0 || id.type != t)
		return mgmt_fail(err, MGMT_E_INVALID_REFERENCE,
				 field_path(idt, sizeof(idt), target, "id"),
				 "'%s' must be the id of a %s.", idt, model_type_label(t));
	*out = json_pack("{s:s}", "id", s);
	return 0;
}

static int parse_ip_configurations(json_t *in, json_t *props, bool active_active,
				   struct mgmt_error *err)
{
	json_t *arr, *c, *out = json_array();
	size_t i, want = active_active ? 2 : 1;
	int r;

	json_object_set_new(props, "ipConfigurations", out);
	r = field_get_array(in, "properties", "ipConfigurations", true, 2, &arr, err);
	if (r)
		return r;
	if (json_array_size(arr) != want)
		return mgmt_fail(err, MGMT_E_IP_CONFIGURATIONS, "properties.ipConfigurations",
				 "A%s gateway needs exactly %zu ipConfigurations (one per public "
				 "IP), not %zu.",
				 active_active ? "n active-active" : "", want,
				 json_array_size(arr));
	json_array_foreach(arr, i, c)
	{
		char path[64], t[160], dflt[32];
		const char *name, *method = NULL;
		json_t *cp, *subnet, *pip, *o;

		field_path_index(path, sizeof(path), "properties.ipConfigurations", i, NULL);
		if (!json_is_object(c))
			return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, path,
					 "'%s' must be an object.", path);
		r = field_get_string(c, path, "name", false, 80, &name, err);
		if (r)
			return r;
		snprintf(dflt, sizeof(dflt), "ipconfig%zu", i + 1);
		if (!name)
			name = dflt;
		r = field_check_name(name, field_path(t, sizeof(t), path, "name"), err);
		if (r)
			return r;
		field_path(t, sizeof(t), path, "properties");
		r = field_get_object(c, path, "properties", true, &cp, err);
		if (!r)
			r = field_get_enum(cp, t, "privateIPAllocationMethod", false, alloc_methods,
					   &method, err);
		if (!r)
			r = model_parse_ref(cp, t, "subnet", MODEL_SUBNET, &subnet, err);
		if (r)
			return r;
		r = model_parse_ref(cp, t, "publicIPAddress", MODEL_PIP, &pip, err);
		if (r) {
			json_decref(subnet);
			return r;
		}
		o = json_pack("{s:s, s:o, s:o}", "privateIPAllocationMethod",
			      method ? method : "Dynamic", "subnet", subnet, "publicIPAddress",
			      pip);
		json_array_append_new(out, json_pack("{s:s, s:o}", "name", name, "properties", o));
	}
	if (want == 2) {
		const char *a = json_string_value(json_object_get(
			json_object_get(json_object_get(json_array_get(out, 0), "properties"),
					"publicIPAddress"),
			"id"));
		const char *b = json_string_value(json_object_get(
			json_object_get(json_object_get(json_array_get(out, 1), "properties"),
					"publicIPAddress"),
			"id"));

		if (strcasecmp(a, b) == 0)
			return mgmt_fail(
				err, MGMT_E_IP_CONFIGURATIONS,
				"properties.ipConfigurations[1].properties.publicIPAddress",
				"An active-active gateway needs two different public IP "
				"addresses.");
	}
	return 0;
}

int model_vgw_parse(json_t *in, json_t *props, struct mgmt_error *err)
{
	const char *gw_type, *vpn_type = NULL;
	bool bgp = false, aa = false;
	json_int_t asn = MODEL_GATEWAY_ASN, weight = 0;
	enum model_sku sku;
	json_t *bgps;
	int r;

	r = field_get_string(in, "properties", "gatewayType", true, 64, &gw_type, err);
	if (r)
		return r;
	/* Rule 1: ExpressRoute is not offered, and so no ExpressRoute-VPN coexistence. */
	if (strcasecmp(gw_type, "Vpn") != 0)
		return mgmt_fail(err, MGMT_E_GATEWAY_TYPE, "properties.gatewayType",
				 "The gateway type '%.64s' is not supported: only Vpn gateways are "
				 "offered (no ExpressRoute).",
				 gw_type);
	r = field_get_string(in, "properties", "vpnType", false, 64, &vpn_type, err);
	if (r)
		return r;
	/* Rule 2: policy-based gateways are not supported. */
	if (vpn_type && strcasecmp(vpn_type, "RouteBased") != 0)
		return mgmt_fail(err, MGMT_E_VPN_TYPE, "properties.vpnType",
				 "The VPN type '%.64s' is not supported: only RouteBased gateways "
				 "are offered.",
				 vpn_type);
	r = parse_sku(in, props, &sku, err);
	if (!r)
		r = field_get_bool(in, "properties", "enableBgp", &bgp, err);
	if (!r)
		r = field_get_bool(in, "properties", "activeActive", &aa, err);
	if (r)
		return r;
	/* Rule 5. */
	if (bgp && sku == MODEL_SKU_BASIC)
		return mgmt_fail(err, MGMT_E_BGP_ON_BASIC, "properties.enableBgp",
				 "BGP is not supported on the Basic SKU; use Standard or "
				 "HighPerformance.");
	/* Rule 6. */
	if (aa && sku != MODEL_SKU_HIGH_PERFORMANCE)
		return mgmt_fail(err, MGMT_E_ACTIVE_ACTIVE_SKU, "properties.activeActive",
				 "Active-active gateways need the HighPerformance SKU, not %s.",
				 model_sku_name(sku));
	r = field_get_object(in, "properties", "bgpSettings", false, &bgps, err);
	if (!r)
		r = field_get_int(bgps, "properties.bgpSettings", "asn", false, 0, 0xffffffffLL,
				  &asn, err);
	if (!r && bgps && json_object_get(bgps, "asn"))
		r = field_check_asn(asn, true, "properties.bgpSettings.asn", err);
	if (!r)
		r = field_get_int(bgps, "properties.bgpSettings", "peerWeight", false, 0, 100,
				  &weight, err);
	if (r)
		return r;
	json_object_set_new(props, "gatewayType", json_string("Vpn"));
	json_object_set_new(props, "vpnType", json_string("RouteBased"));
	json_object_set_new(props, "enableBgp", json_boolean(bgp));
	json_object_set_new(props, "activeActive", json_boolean(aa));
	json_object_set_new(props, "bgpSettings",
			    json_pack("{s:I, s:s, s:I}", "asn", asn, "bgpPeeringAddress", "",
				      "peerWeight", weight));
	return parse_ip_configurations(in, props, aa, err);
}

/* The gateway's BGP address(es): the last usable addresses of its GatewaySubnet, one per
 * instance (SPEC §6: "from the GatewaySubnet"). */
static void bgp_addresses(const struct field_prefix *gws, bool aa, char *out, size_t n)
{
	uint32_t base = (uint32_t)gws->addr[0] << 24 | (uint32_t)gws->addr[1] << 16 |
			(uint32_t)gws->addr[2] << 8 | gws->addr[3];
	uint32_t last = base + ((uint32_t)1 << (32 - gws->len)) - 1;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct in_addr x;

	x.s_addr = htonl(last - 1);
	inet_ntop(AF_INET, &x, a, sizeof(a));
	x.s_addr = htonl(last - 2);
	inet_ntop(AF_INET, &x, b, sizeof(b));
	if (aa)
		snprintf(out, n, "%s,%s", a, b);
	else
		snprintf(out, n, "%s", a);
}

static bool is_type(const char *key, enum model_type t)
{
	struct model_id id;

	return model_id_parse(key, &id) == 0 && id.type == t;
}

/*
 * A reference to "<existing VNet>/subnets/GatewaySubnet" that does not exist: the VNet lacks its
 * GatewaySubnet (rule 4), which is what the tenant must be told, not that a link is broken.
 */
static bool gateway_subnet_missing(const struct model_ctx *ctx, json_t *subnet_ref)
{
	const char *s = json_string_value(json_object_get(subnet_ref, "id"));
	char key[MODEL_ID_MAX];
	struct model_id id;
	json_t *vnet;

	if (!s || model_id_parse(s, &id) != 0 || id.type != MODEL_SUBNET ||
	    strcmp(id.child, "GatewaySubnet") != 0 || strcasecmp(id.sub, ctx->sub) != 0)
		return false;
	id.type = MODEL_VNET;
	model_id_format(&id, key, sizeof(key));
	vnet = ctx->view->get(ctx->view->ctx, key);
	json_decref(vnet);
	return vnet != NULL;
}

/* Rules 4 and 6: the subnet is the VNet's GatewaySubnet, and the VNet has no other gateway. */
static int check_subnet(const struct model_ctx *ctx, json_t *subnet_ref, const char *target,
			struct field_prefix *gws, char *vnet_key, size_t n, struct mgmt_error *err)
{
	json_t *vnet = NULL, *refs = NULL, *sn, *v;
	struct model_id sid;
	size_t i;
	int r;

	r = model_resolve_ref(ctx, subnet_ref, MODEL_SUBNET, target, &vnet, err);
	if (r && err->code == MGMT_E_LINKED_NOT_FOUND && gateway_subnet_missing(ctx, subnet_ref))
		return mgmt_fail(err, MGMT_E_GATEWAY_SUBNET_REQUIRED, target,
				 "The virtual network has no subnet named 'GatewaySubnet': add one of "
				 "/29 or larger before creating a gateway.");
	if (r)
		return r;
	model_id_parse(json_string_value(json_object_get(subnet_ref, "id")), &sid);
	sn = model_vnet_subnet(vnet, sid.child, NULL);
	/* "exactly": Azure matches the name GatewaySubnet with its case. */
	if (strcmp(json_string_value(json_object_get(sn, "name")), "GatewaySubnet") != 0) {
		r = mgmt_fail(err, MGMT_E_GATEWAY_SUBNET_REQUIRED, target,
			      "A gateway must use the virtual network's subnet named exactly "
			      "'GatewaySubnet', not '%s'.",
			      json_string_value(json_object_get(sn, "name")));
		goto out;
	}
	if (field_parse_prefix(json_string_value(json_object_get(json_object_get(sn, "properties"),
								 "addressPrefix")),
			       gws) != 0 ||
	    gws->family != AF_INET || gws->len > 29) {
		r = mgmt_fail(err, MGMT_E_GATEWAY_SUBNET_TOO_SMALL, target,
			      "The GatewaySubnet must be an IPv4 prefix of /29 or larger.");
		goto out;
	}
	model_id_key(json_string_value(json_object_get(vnet, "id")), vnet_key, n);
	refs = ctx->view->referrers(ctx->view->ctx, vnet_key);
	if (!refs) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		goto out;
	}
	json_array_foreach(refs, i, v)
	{
		if (strcasecmp(json_string_value(v), ctx->id) != 0 &&
		    is_type(json_string_value(v), MODEL_VGW)) {
			r = mgmt_fail(err, MGMT_E_VNET_GATEWAY_LIMIT, target,
				      "The virtual network '%s' already has a VPN gateway; a "
				      "virtual network can have one.",
				      json_string_value(json_object_get(vnet, "name")));
			goto out;
		}
	}
out:
	json_decref(refs);
	json_decref(vnet);
	return r;
}

static int check_pip(const struct model_ctx *ctx, json_t *pip_ref, const char *target,
		     struct mgmt_error *err)
{
	json_t *pip = NULL, *refs = NULL, *v;
	size_t i;
	int r;

	r = model_resolve_ref(ctx, pip_ref, MODEL_PIP, target, &pip, err);
	if (r)
		return r;
	refs = ctx->view->referrers(ctx->view->ctx,
				    json_string_value(json_object_get(pip_ref, "id")));
	if (!refs) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		goto out;
	}
	json_array_foreach(refs, i, v)
	{
		if (strcasecmp(json_string_value(v), ctx->id) != 0) {
			r = mgmt_fail(err, MGMT_E_PUBLIC_IP_IN_USE, target,
				      "The public IP address '%s' is already used by another "
				      "gateway.",
				      json_string_value(json_object_get(pip, "name")));
			goto out;
		}
	}
out:
	json_decref(refs);
	json_decref(pip);
	return r;
}

/* A replaced gateway keeps its connections valid: rules 5, 8 and 11 re-checked. */
static int check_connections(const struct model_ctx *ctx, json_t *props, struct mgmt_error *err)
{
	const char *sku_name =
		json_string_value(json_object_get(json_object_get(props, "sku"), "name"));
	bool bgp = json_is_true(json_object_get(props, "enableBgp"));
	bool aa = json_is_true(json_object_get(props, "activeActive"));
	json_t *refs, *v;
	enum model_sku sku;
	int used, conns = 0, r = 0;
	size_t i;

	model_sku_from_name(sku_name, &sku);
	refs = ctx->view->referrers(ctx->view->ctx, ctx->id);
	if (!refs)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	json_array_foreach(refs, i, v)
	{
		json_t *conn, *cp;

		if (!is_type(json_string_value(v), MODEL_CONN))
			continue;
		conns++;
		conn = ctx->view->get(ctx->view->ctx, json_string_value(v));
		cp = json_object_get(conn, "properties");
		if (json_is_true(json_object_get(cp, "enableBgp")) && sku == MODEL_SKU_BASIC)
			r = mgmt_fail(err, MGMT_E_BGP_ON_BASIC, "properties.sku.name",
				      "The connection '%s' uses BGP, which the Basic SKU does not "
				      "support.",
				      json_string_value(json_object_get(conn, "name")));
		else if (json_is_true(json_object_get(cp, "enableBgp")) && !bgp)
			r = mgmt_fail(err, MGMT_E_BGP_NOT_ON_GATEWAY, "properties.enableBgp",
				      "The connection '%s' uses BGP: the gateway must keep BGP "
				      "enabled.",
				      json_string_value(json_object_get(conn, "name")));
		else if (json_array_size(json_object_get(cp, "ipsecPolicies")) &&
			 sku == MODEL_SKU_BASIC)
			r = mgmt_fail(err, MGMT_E_IPSEC_POLICY_ON_BASIC, "properties.sku.name",
				      "The connection '%s' has a custom IPsec policy, which the "
				      "Basic SKU does not support.",
				      json_string_value(json_object_get(conn, "name")));
		json_decref(conn);
		if (r)
			goto out;
	}
	if (!conns)
		goto out;
	used = ctx->view->tunnels_used(ctx->view->ctx, sku_name, ctx->id, NULL);
	if (used < 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		goto out;
	}
	/* Rule 8: an active-active connection has a tunnel per instance. */
	if ((unsigned)used + (unsigned)conns * (aa ? 2u : 1u) >
	    model_settings_tunnel_limit(ctx->view->settings, sku))
		r = mgmt_fail(err, MGMT_E_TUNNEL_LIMIT, "properties.sku.name",
			      "This change needs %d IPsec tunnels of the %s SKU, beyond what the "
			      "deployment's limit of %u leaves free.",
			      conns * (aa ? 2 : 1), sku_name,
			      model_settings_tunnel_limit(ctx->view->settings, sku));
out:
	json_decref(refs);
	return r;
}

int model_vgw_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	json_t *props = json_object_get(res, "properties"), *c;
	bool aa = json_is_true(json_object_get(props, "activeActive"));
	char vnet0[MODEL_ID_MAX] = "", addr[64];
	struct field_prefix gws;
	size_t i;
	int r;

	json_array_foreach(json_object_get(props, "ipConfigurations"), i, c)
	{
		json_t *cp = json_object_get(c, "properties");
		char t[160], vnet[MODEL_ID_MAX];

		snprintf(t, sizeof(t), "properties.ipConfigurations[%zu].properties.subnet.id", i);
		r = check_subnet(ctx, json_object_get(cp, "subnet"), t, &gws, vnet, sizeof(vnet),
				 err);
		if (r)
			return r;
		if (i == 0)
			snprintf(vnet0, sizeof(vnet0), "%s", vnet);
		else if (strcmp(vnet0, vnet) != 0)
			return mgmt_fail(err, MGMT_E_GATEWAY_SUBNET_REQUIRED, t,
					 "Both instances of a gateway use the same GatewaySubnet.");
		snprintf(t, sizeof(t),
			 "properties.ipConfigurations[%zu].properties.publicIPAddress.id", i);
		r = check_pip(ctx, json_object_get(cp, "publicIPAddress"), t, err);
		if (r)
			return r;
	}
	bgp_addresses(&gws, aa, addr, sizeof(addr));
	json_object_set_new(json_object_get(props, "bgpSettings"), "bgpPeeringAddress",
			    json_string(addr));
	if (!old)
		return model_check_quota(ctx, MODEL_VGW, "", err);
	return check_connections(ctx, props, err);
}
