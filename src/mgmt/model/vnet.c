/* SPDX-License-Identifier: MIT */
/*
 * vnet: virtual networks and their subnets. An address space of IPv4/IPv6 prefixes that do not
 * overlap; subnets with unique names, inside the space, not overlapping each other. A subnet a
 * gateway uses (the GatewaySubnet, SPEC §2 rule 4) cannot be removed or resized under it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

#define VNET_MAX_PREFIXES 64
#define VNET_MAX_SUBNETS  256

/* Parses an array of prefixes at path into out (canonical strings) and pfx. */
static int parse_prefix_list(json_t *arr, const char *path, json_t *out, struct field_prefix *pfx,
			     struct mgmt_error *err)
{
	json_t *v;
	size_t i, j;

	json_array_foreach(arr, i, v)
	{
		char t[160];

		field_path_index(t, sizeof(t), path, i, NULL);
		if (!json_is_string(v) || field_parse_prefix(json_string_value(v), &pfx[i]) != 0)
			return mgmt_fail(err, MGMT_E_INVALID_PREFIX, t,
					 "'%.60s' is not a valid address prefix: write a.b.c.d/n "
					 "or x::/n with the host bits zero.",
					 json_is_string(v) ? json_string_value(v)
							   : "(not a string)");
		for (j = 0; j < i; j++)
			if (field_prefix_overlap(&pfx[i], &pfx[j]))
				return mgmt_fail(err, MGMT_E_ADDRESS_SPACE_OVERLAP, t,
						 "The prefix %s overlaps %s in the same address "
						 "space.",
						 json_string_value(v),
						 json_string_value(json_array_get(arr, j)));
		json_array_append_new(out, json_string(json_string_value(v)));
	}
	return 0;
}

int model_subnet_parse(json_t *in, json_t *props, struct mgmt_error *err)
{
	struct field_prefix p;
	const char *s;
	int r;

	r = field_get_string(in, "properties", "addressPrefix", true, 64, &s, err);
	if (r)
		return r;
	if (field_parse_prefix(s, &p) != 0)
		return mgmt_fail(err, MGMT_E_INVALID_PREFIX, "properties.addressPrefix",
				 "'%.60s' is not a valid address prefix: write a.b.c.d/n or x::/n "
				 "with the host bits zero.",
				 s);
	json_object_set_new(props, "addressPrefix", json_string(s));
	return 0;
}

int model_vnet_parse(json_t *in, json_t *props, struct mgmt_error *err)
{
	struct field_prefix space[VNET_MAX_PREFIXES], nets[VNET_MAX_SUBNETS];
	json_t *as, *prefixes, *subnets, *out_prefixes, *out_subnets, *sn;
	size_t i, j, k;
	int r;

	r = field_get_object(in, "properties", "addressSpace", true, &as, err);
	if (!r)
		r = field_get_array(as, "properties.addressSpace", "addressPrefixes", true,
				    VNET_MAX_PREFIXES, &prefixes, err);
	if (r)
		return r;
	if (json_array_size(prefixes) == 0)
		return mgmt_fail(err, MGMT_E_MISSING_PROPERTY,
				 "properties.addressSpace.addressPrefixes",
				 "A virtual network needs at least one address prefix.");
	out_prefixes = json_array();
	json_object_set_new(props, "addressSpace",
			    json_pack("{s:o}", "addressPrefixes", out_prefixes));
	r = parse_prefix_list(prefixes, "properties.addressSpace.addressPrefixes", out_prefixes,
			      space, err);
	if (r)
		return r;
	r = field_get_array(in, "properties", "subnets", false, VNET_MAX_SUBNETS, &subnets, err);
	if (r)
		return r;
	out_subnets = json_array();
	json_object_set_new(props, "subnets", out_subnets);
	json_array_foreach(subnets, i, sn)
	{
		char path[64], t[160];
		const char *name;
		json_t *sprops, *o;

		field_path_index(path, sizeof(path), "properties.subnets", i, NULL);
		if (!json_is_object(sn))
			return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, path,
					 "'%s' must be an object.", path);
		r = field_get_string(sn, path, "name", true, 80, &name, err);
		if (r)
			return r;
		r = field_check_name(name, field_path(t, sizeof(t), path, "name"), err);
		if (r)
			return r;
		for (j = 0; j < i; j++)
			if (strcasecmp(name, json_string_value(json_object_get(
						     json_array_get(out_subnets, j), "name"))) == 0)
				return mgmt_fail(err, MGMT_E_DUPLICATE_SUBNET, t,
						 "Two subnets are named '%s'.", name);
		r = field_get_object(sn, path, "properties", true, &sprops, err);
		if (r)
			return r;
		o = json_object();
		json_array_append_new(out_subnets,
				      json_pack("{s:s, s:o}", "name", name, "properties", o));
		{
			const char *s;

			field_path(t, sizeof(t), path, "properties");
			r = field_get_string(sprops, t, "addressPrefix", true, 64, &s, err);
			if (r)
				return r;
			field_path(t, sizeof(t), path, "properties.addressPrefix");
			if (field_parse_prefix(s, &nets[i]) != 0)
				return mgmt_fail(err, MGMT_E_INVALID_PREFIX, t,
						 "'%.60s' is not a valid address prefix: write "
						 "a.b.c.d/n or x::/n with the host bits zero.",
						 s);
			json_object_set_new(o, "addressPrefix", json_string(s));
		}
		for (k = 0; k < json_array_size(prefixes); k++)
			if (field_prefix_contains(&space[k], &nets[i]))
				break;
		if (k == json_array_size(prefixes))
			return mgmt_fail(err, MGMT_E_SUBNET_NOT_IN_SPACE, t,
					 "The subnet '%s' (%s) is not inside the virtual network's "
					 "address space.",
					 name,
					 json_string_value(json_object_get(o, "addressPrefix")));
		for (j = 0; j < i; j++)
			if (field_prefix_overlap(&nets[i], &nets[j]))
				return mgmt_fail(err, MGMT_E_SUBNETS_OVERLAP, t,
						 "The subnet '%s' overlaps the subnet '%s'.", name,
						 json_string_value(json_object_get(
							 json_array_get(out_subnets, j), "name")));
	}
	return 0;
}

int model_vnet_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	json_t *sn;
	size_t i;
	int r = 0;

	if (!old)
		return 0;
	/* A subnet in use (rule 4's GatewaySubnet, rule 12) keeps its place and its prefix. */
	json_array_foreach(json_object_get(json_object_get(old, "properties"), "subnets"), i, sn)
	{
		const char *name = json_string_value(json_object_get(sn, "name"));
		const char *prefix = json_string_value(
			json_object_get(json_object_get(sn, "properties"), "addressPrefix"));
		json_t *now = model_vnet_subnet(res, name, NULL), *refs;
		const char *now_prefix = NULL;
		char sid[MODEL_ID_MAX];

		if (now)
			now_prefix = json_string_value(json_object_get(
				json_object_get(now, "properties"), "addressPrefix"));
		if (now && now_prefix && prefix && strcmp(now_prefix, prefix) == 0)
			continue;
		snprintf(sid, sizeof(sid), "%s/subnets/%s", ctx->id, name);
		refs = ctx->view->referrers(ctx->view->ctx, sid);
		if (!refs)
			return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
		if (json_array_size(refs))
			r = mgmt_fail(err, MGMT_E_IN_USE_BY_GATEWAY, "properties.subnets",
				      "The subnet '%s' is used by a virtual network gateway: it "
				      "cannot be %s while the gateway exists.",
				      name, now ? "resized" : "removed");
		json_decref(refs);
		if (r)
			return r;
	}
	return 0;
}
