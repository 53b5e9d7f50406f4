/* SPDX-License-Identifier: MIT */
/*
 * lgw: local network gateways, the tenant's on-premises devices. SPEC §2 rule 9 (one local
 * gateway per IP in the whole deployment, answered without naming whose) and rule 10 (the device
 * has a public address, not behind NAT), and their BGP settings (SPEC §6: reserved ASNs refused).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

#define LGW_MAX_PREFIXES 200

int model_lgw_parse(json_t *in, json_t *props, struct mgmt_error *err)
{
	json_t *space, *prefixes = NULL, *bgps, *out, *v;
	struct field_prefix ip;
	const char *s, *peer = NULL;
	json_int_t asn = 0, weight = 0;
	size_t i;
	int r;

	r = field_get_string(in, "properties", "gatewayIpAddress", true, 64, &s, err);
	if (r)
		return r;
	if (field_parse_ip(s, AF_INET, &ip) != 0)
		return mgmt_fail(err, MGMT_E_INVALID_IP, "properties.gatewayIpAddress",
				 "'%.64s' is not an IPv4 address.", s);
	json_object_set_new(props, "gatewayIpAddress", json_string(s));
	r = field_get_object(in, "properties", "localNetworkAddressSpace", false, &space, err);
	if (!r)
		r = field_get_array(space, "properties.localNetworkAddressSpace", "addressPrefixes",
				    false, LGW_MAX_PREFIXES, &prefixes, err);
	if (!r)
		r = field_get_object(in, "properties", "bgpSettings", false, &bgps, err);
	if (r)
		return r;
	out = json_array();
	json_object_set_new(props, "localNetworkAddressSpace",
			    json_pack("{s:o}", "addressPrefixes", out));
	json_array_foreach(prefixes, i, v)
	{
		struct field_prefix p;
		char t[160];

		field_path_index(t, sizeof(t),
				 "properties.localNetworkAddressSpace.addressPrefixes", i, NULL);
		if (!json_is_string(v) || field_parse_prefix(json_string_value(v), &p) != 0)
			return mgmt_fail(err, MGMT_E_INVALID_PREFIX, t,
					 "'%.60s' is not a valid address prefix: write a.b.c.d/n "
					 "or x::/n with the host bits zero.",
					 json_is_string(v) ? json_string_value(v)
							   : "(not a string)");
		json_array_append_new(out, json_string(json_string_value(v)));
	}
	if (!bgps) {
		/* Without BGP, the static prefixes are all the gateway routes to this site. */
		if (json_array_size(out) == 0)
			return mgmt_fail(
				err, MGMT_E_MISSING_PROPERTY,
				"properties.localNetworkAddressSpace.addressPrefixes",
				"A local network gateway without bgpSettings needs at least "
				"one address prefix.");
		return 0;
	}
	r = field_get_int(bgps, "properties.bgpSettings", "asn", true, 0, 0xffffffffLL, &asn, err);
	if (!r)
		r = field_check_asn(asn, false, "properties.bgpSettings.asn", err);
	if (!r)
		r = field_get_string(bgps, "properties.bgpSettings", "bgpPeeringAddress", true, 64,
				     &peer, err);
	if (!r)
		r = field_get_int(bgps, "properties.bgpSettings", "peerWeight", false, 0, 100,
				  &weight, err);
	if (r)
		return r;
	if (field_parse_ip(peer, 0, &ip) != 0)
		return mgmt_fail(err, MGMT_E_INVALID_IP, "properties.bgpSettings.bgpPeeringAddress",
				 "'%.64s' is not an IP address.", peer);
	json_object_set_new(props, "bgpSettings",
			    json_pack("{s:I, s:s, s:I}", "asn", asn, "bgpPeeringAddress", peer,
				      "peerWeight", weight));
	return 0;
}

int model_lgw_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	json_t *props = json_object_get(res, "properties"), *refs, *v;
	const char *ip = json_string_value(json_object_get(props, "gatewayIpAddress"));
	struct field_prefix p;
	size_t i;
	int n, r = 0;

	field_parse_ip(ip, AF_INET, &p);
	/* The gateway routes at most so many prefixes to a site: more would run half-routed. */
	n = (int)json_array_size(
		json_object_get(json_object_get(props, "localNetworkAddressSpace"), "addressPrefixes"));
	if (ctx->view->cap_prefixes && (unsigned)n > ctx->view->cap_prefixes)
		return mgmt_fail(err, MGMT_E_CAPACITY,
				 "properties.localNetworkAddressSpace.addressPrefixes",
				 "The gateway routes at most %u prefixes to a site; this one has %d.",
				 ctx->view->cap_prefixes, n);
	/* Rule 10 (the operator may allow private peers for a lab behind no NAT). */
	if (!field_ipv4_is_public(&p) &&
	    !json_is_true(json_object_get(ctx->view->settings, "allowPrivateGatewayIps")))
		return mgmt_fail(err, MGMT_E_GATEWAY_IP_NOT_PUBLIC, "properties.gatewayIpAddress",
				 "%s is not a public address: the on-premises VPN device must have "
				 "a public IPv4 address and must not be behind NAT.",
				 ip);
	/* Rule 9, deployment-wide; the message is the same whoever holds the address. */
	n = ctx->view->count_lgw_ip(ctx->view->ctx, ip, ctx->id);
	if (n < 0)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	if (n > 0)
		return mgmt_fail(err, MGMT_E_LOCAL_GATEWAY_IP_IN_USE, "properties.gatewayIpAddress",
				 "A local network gateway with the address %s already exists in "
				 "this deployment; each on-premises address can have only one.",
				 ip);
	if (!old || json_object_get(props, "bgpSettings"))
		return 0;
	/* Removing bgpSettings under a BGP connection would leave it without a peer. */
	refs = ctx->view->referrers(ctx->view->ctx, ctx->id);
	if (!refs)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	json_array_foreach(refs, i, v)
	{
		json_t *conn = ctx->view->get(ctx->view->ctx, json_string_value(v));

		if (json_is_true(json_object_get(json_object_get(conn, "properties"), "enableBgp")))
			r = mgmt_fail(err, MGMT_E_BGP_SETTINGS_MISSING, "properties.bgpSettings",
				      "The connection '%s' uses BGP with this local network "
				      "gateway: keep its bgpSettings.",
				      json_string_value(json_object_get(conn, "name")));
		json_decref(conn);
		if (r)
			break;
	}
	json_decref(refs);
	return r;
}
