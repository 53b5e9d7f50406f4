/* SPDX-License-Identifier: MIT */
/*
 * model: resource types, ARM ids and the envelope ({id, name, type, location, tags, etag,
 * properties}) shared by every resource, the request-body entry point, rule 12 (no deletion of a
 * referenced resource). The per-type rules are in vnet.c, pip.c, vgw.c, lgw.c, conn.c and
 * ipsec_policy.c; the deployment settings in settings.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

static const struct {
	const char *segment, *arm, *label;
} types[MODEL__COUNT] = {
	[MODEL_VNET] = {"virtualNetworks", "Microsoft.Network/virtualNetworks", "virtual network"},
	[MODEL_SUBNET] = {"subnets", "Microsoft.Network/virtualNetworks/subnets", "subnet"},
	[MODEL_PIP] = {"publicIPAddresses", "Microsoft.Network/publicIPAddresses",
		       "public IP address"},
	[MODEL_VGW] = {"virtualNetworkGateways", "Microsoft.Network/virtualNetworkGateways",
		       "virtual network gateway"},
	[MODEL_LGW] = {"localNetworkGateways", "Microsoft.Network/localNetworkGateways",
		       "local network gateway"},
	[MODEL_CONN] = {"connections", "Microsoft.Network/connections", "connection"},
};

const char *model_type_segment(enum model_type t)
{
	return types[t].segment;
}

const char *model_type_arm(enum model_type t)
{
	return types[t].arm;
}

const char *model_type_label(enum model_type t)
{
	return types[t].label;
}

int model_type_from_segment(const char *seg, enum model_type *out)
{
	int t;

	for (t = 0; t < MODEL__COUNT; t++) {
		if (t != MODEL_SUBNET && strcasecmp(seg, types[t].segment) == 0) {
			*out = (enum model_type)t;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const sku_names[] = {"Basic", "Standard", "HighPerformance", NULL};

const char *model_sku_name(enum model_sku s)
{
	return (unsigned)s < MODEL_SKU__COUNT ? sku_names[s] : "?";
}

int model_sku_from_name(const char *name, enum model_sku *out)
{
	int i = field_enum_index(name, sku_names);

	if (i < 0)
		return -EINVAL;
	*out = (enum model_sku)i;
	return 0;
}

unsigned model_sku_rate_mbps(enum model_sku s)
{
	return s == MODEL_SKU_HIGH_PERFORMANCE ? 200 : 100;
}

unsigned model_sku_default_tunnels(enum model_sku s)
{
	return s == MODEL_SKU_HIGH_PERFORMANCE ? 10 : 20;
}

int model_id_format(const struct model_id *id, char *out, size_t n)
{
	int r;

	if (id->type == MODEL_SUBNET)
		r = snprintf(out, n,
			     "/subscriptions/%s/resourceGroups/%s/providers/" MODEL_PROVIDER
			     "/virtualNetworks/%s/subnets/%s",
			     id->sub, id->rg, id->name, id->child);
	else
		r = snprintf(out, n,
			     "/subscriptions/%s/resourceGroups/%s/providers/" MODEL_PROVIDER
			     "/%s/%s",
			     id->sub, id->rg, types[id->type].segment, id->name);
	return r < 0 || (size_t)r >= n ? -ENOSPC : 0;
}

static int copy_seg(char *dst, size_t n, const char *src, size_t len)
{
	if (len == 0 || len >= n)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int model_id_parse(const char *s, struct model_id *out)
{
	const char *seg[10];
	size_t len[10], n = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!s || *s != '/' || strlen(s) >= MODEL_ID_MAX)
		return -EINVAL;
	p = s + 1;
	while (n < 10) {
		const char *slash = strchr(p, '/');

		seg[n] = p;
		len[n] = slash ? (size_t)(slash - p) : strlen(p);
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (strchr(p, '/') || (n != 8 && n != 10))
		return -EINVAL;
	if (len[0] != 13 || strncasecmp(seg[0], "subscriptions", 13) != 0 || len[2] != 14 ||
	    strncasecmp(seg[2], "resourceGroups", 14) != 0 || len[4] != 9 ||
	    strncasecmp(seg[4], "providers", 9) != 0 || len[5] != strlen(MODEL_PROVIDER) ||
	    strncasecmp(seg[5], MODEL_PROVIDER, len[5]) != 0)
		return -EINVAL;
	if (copy_seg(out->sub, sizeof(out->sub), seg[1], len[1]) ||
	    copy_seg(out->rg, sizeof(out->rg), seg[3], len[3]) ||
	    copy_seg(out->name, sizeof(out->name), seg[7], len[7]))
		return -EINVAL;
	if (n == 10) {
		if (len[6] != 15 || strncasecmp(seg[6], "virtualNetworks", 15) != 0 ||
		    len[8] != 7 || strncasecmp(seg[8], "subnets", 7) != 0 ||
		    copy_seg(out->child, sizeof(out->child), seg[9], len[9]))
			return -EINVAL;
		out->type = MODEL_SUBNET;
	} else {
		char t[40];

		if (copy_seg(t, sizeof(t), seg[6], len[6]) ||
		    model_type_from_segment(t, &out->type) != 0)
			return -EINVAL;
	}
	if (!field_name_valid(out->rg, 90) || !field_name_valid(out->name, 80) ||
	    (n == 10 && !field_name_valid(out->child, 80)))
		return -EINVAL;
	return 0;
}

void model_id_key(const char *id, char *out, size_t n)
{
	size_t i;

	for (i = 0; n && i + 1 < n && id[i]; i++)
		out[i] = (char)tolower((unsigned char)id[i]);
	if (n)
		out[i] = '\0';
}

void model_parsed_clear(struct model_parsed *p)
{
	json_decref(p->res);
	p->res = NULL;
	if (p->shared_key) {
		explicit_bzero(p->shared_key, strlen(p->shared_key));
		free(p->shared_key);
		p->shared_key = NULL;
	}
}

int model_parse_request(enum model_type t, const char *name, const char *body, size_t len,
			struct model_parsed *out, struct mgmt_error *err)
{
	json_error_t jerr;
	json_t *in;
	int r;

	memset(out, 0, sizeof(*out));
	in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!in)
		return mgmt_fail(err, MGMT_E_INVALID_REQUEST_CONTENT, "",
				 "The request body is not valid JSON: %s (line %d, column %d, "
				 "position %d).",
				 jerr.text, jerr.line, jerr.column, jerr.position);
	r = model_parse(t, name, in, out, err);
	json_decref(in);
	return r;
}

static int parse_location(json_t *in, json_t *res, struct mgmt_error *err)
{
	const char *loc;
	size_t i;
	int r;

	r = field_get_string(in, "", "location", false, 80, &loc, err);
	if (r)
		return r;
	if (!loc)
		loc = MODEL_DEFAULT_LOCATION;
	for (i = 0; loc[i]; i++)
		if (!isalnum((unsigned char)loc[i]) && loc[i] != ' ')
			break;
	if (!*loc || loc[i])
		return mgmt_fail(err, MGMT_E_INVALID_LOCATION, "location",
				 "The location '%.80s' is not valid: use letters and digits.", loc);
	/* ARM normalises "West US" to "westus". */
	{
		char norm[81];
		size_t j = 0;

		for (i = 0; loc[i]; i++)
			if (loc[i] != ' ')
				norm[j++] = (char)tolower((unsigned char)loc[i]);
		norm[j] = '\0';
		json_object_set_new(res, "location", json_string(norm));
	}
	return 0;
}

int model_parse(enum model_type t, const char *name, json_t *in, struct model_parsed *out,
		struct mgmt_error *err)
{
	json_t *res = NULL, *props, *tags = NULL, *in_props;
	const char *body_name;
	int r;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(in))
		return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, "",
				 "The request body must be a JSON object.");
	r = field_check_name(name, "name", err);
	if (r)
		return r;
	r = field_get_string(in, "", "name", false, 80, &body_name, err);
	if (r)
		return r;
	if (body_name && strcasecmp(body_name, name) != 0)
		return mgmt_fail(err, MGMT_E_NAME_MISMATCH, "name",
				 "The name in the body ('%.80s') differs from the one in the path "
				 "('%s').",
				 body_name, name);
	r = field_get_object(in, "", "properties", false, &in_props, err);
	if (r)
		return r;
	res = json_object();
	props = json_object();
	if (!res || !props) {
		json_decref(props);
		r = -ENOMEM;
		goto out;
	}
	json_object_set_new(res, "name", json_string(name));
	/* res owns props from here, so every exit below frees it with res. */
	json_object_set_new(res, "properties", props);
	if (t != MODEL_SUBNET) {
		r = parse_location(in, res, err);
		if (r)
			goto out;
		r = field_get_tags(in, &tags, err);
		if (r)
			goto out;
		json_object_set_new(res, "tags", tags);
	}
	/* A missing properties object is checked as an empty one: each type says what it needs. */
	if (!in_props)
		in_props = json_object();
	else
		json_incref(in_props);
	switch (t) {
	case MODEL_VNET:
		r = model_vnet_parse(in_props, props, err);
		break;
	case MODEL_SUBNET:
		r = model_subnet_parse(in_props, props, err);
		break;
	case MODEL_PIP:
		r = model_pip_parse(in_props, props, err);
		break;
	case MODEL_VGW:
		r = model_vgw_parse(in_props, props, err);
		break;
	case MODEL_LGW:
		r = model_lgw_parse(in_props, props, err);
		break;
	case MODEL_CONN:
		r = model_conn_parse(in_props, props, &out->shared_key, err);
		break;
	default:
		r = -EINVAL;
	}
	json_decref(in_props);
out:
	if (r) {
		json_decref(res);
		model_parsed_clear(out);
		return r;
	}
	out->res = res;
	return 0;
}

int model_check_put(enum model_type t, const struct model_ctx *ctx, json_t *res, json_t *old,
		    struct mgmt_error *err)
{
	switch (t) {
	case MODEL_VNET:
		return model_vnet_check(ctx, res, old, err);
	case MODEL_PIP:
		return model_pip_check(ctx, res, old, err);
	case MODEL_VGW:
		return model_vgw_check(ctx, res, old, err);
	case MODEL_LGW:
		return model_lgw_check(ctx, res, old, err);
	case MODEL_CONN:
		return model_conn_check(ctx, res, old, err);
	default:
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "No rules for this type.");
	}
}

int model_check_delete(enum model_type t, const struct model_ctx *ctx, json_t *old,
		       struct mgmt_error *err)
{
	json_t *refs = ctx->view->referrers(ctx->view->ctx, ctx->id);
	struct model_id rid, self;
	const char *first;
	int r = 0;

	if (!refs)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	if (json_array_size(refs) == 0)
		goto out;
	/* SPEC §2 rule 12. Referrers are always in the caller's subscription (references across
	 * subscriptions are refused), so naming the first one reveals nothing. */
	first = json_string_value(json_array_get(refs, 0));
	if (!first || model_id_parse(first, &rid) != 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "A stored reference is malformed.");
		goto out;
	}
	if (model_id_parse(ctx->id, &self) != 0) {
		r = mgmt_fail(err, MGMT_E_INTERNAL, "", "The resource id is malformed.");
		goto out;
	}
	r = mgmt_fail(
		err,
		rid.type == MODEL_CONN ? MGMT_E_IN_USE_BY_CONNECTION : MGMT_E_IN_USE_BY_GATEWAY, "",
		"The %s '%s' cannot be deleted: %zu resource(s) reference it, such as the %s "
		"'%s'. Delete those first.",
		model_type_label(t), t == MODEL_SUBNET ? self.child : self.name,
		json_array_size(refs), model_type_label(rid.type), rid.name);
out:
	json_decref(refs);
	(void)old;
	return r;
}

/* Rebuilds obj with ARM's key order (id, name, type, location, tags, etag, properties, rest). */
static void order_keys(json_t *obj)
{
	static const char *const order[] = {"id",   "name", "type",	  "location",
					    "tags", "etag", "properties", NULL};
	json_t *copy = json_copy(obj), *v;
	const char *k;
	size_t i;

	if (!copy)
		return;
	json_object_clear(obj);
	for (i = 0; order[i]; i++) {
		v = json_object_get(copy, order[i]);
		if (v)
			json_object_set(obj, order[i], v);
	}
	json_object_foreach(copy, k, v) if (!json_object_get(obj, k)) json_object_set(obj, k, v);
	json_decref(copy);
}

int model_finalize(enum model_type t, json_t *res, const char *id, json_t *old,
		   const char *etag_uuid, const char *guid)
{
	json_t *props = json_object_get(res, "properties"), *old_guid = NULL;
	char etag[64];

	snprintf(etag, sizeof(etag), "W/\"%s\"", etag_uuid);
	json_object_set_new(res, "id", json_string(id));
	json_object_set_new(res, "type", json_string(model_type_arm(t)));
	json_object_set_new(res, "etag", json_string(etag));
	json_object_set_new(props, "provisioningState", json_string("Succeeded"));
	if (old)
		old_guid = json_object_get(json_object_get(old, "properties"), "resourceGuid");
	if (t != MODEL_SUBNET)
		json_object_set_new(props, "resourceGuid",
				    old_guid ? json_incref(old_guid) : json_string(guid));
	if (t == MODEL_VNET) {
		json_t *subnets = json_object_get(props, "subnets"), *s;
		size_t i;

		json_array_foreach(subnets, i, s)
		{
			char sid[MODEL_ID_MAX];

			snprintf(sid, sizeof(sid), "%s/subnets/%s", id,
				 json_string_value(json_object_get(s, "name")));
			json_object_set_new(s, "id", json_string(sid));
			json_object_set_new(s, "etag", json_string(etag));
			json_object_set_new(s, "type", json_string(model_type_arm(MODEL_SUBNET)));
			json_object_set_new(json_object_get(s, "properties"), "provisioningState",
					    json_string("Succeeded"));
			order_keys(s);
		}
	}
	if (t == MODEL_VGW) {
		json_t *cfgs = json_object_get(props, "ipConfigurations"), *c;
		size_t i;

		json_array_foreach(cfgs, i, c)
		{
			char cid[MODEL_ID_MAX];

			snprintf(cid, sizeof(cid), "%s/ipConfigurations/%s", id,
				 json_string_value(json_object_get(c, "name")));
			json_object_set_new(c, "id", json_string(cid));
			order_keys(c);
		}
	}
	order_keys(res);
	return 0;
}

static void add_ref(json_t *refs, json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	char key[MODEL_ID_MAX];

	if (!id)
		return;
	model_id_key(id, key, sizeof(key));
	json_array_append_new(refs, json_string(key));
}

json_t *model_refs(enum model_type t, json_t *res)
{
	json_t *refs = json_array(), *props = json_object_get(res, "properties"), *c;
	size_t i;

	if (!refs)
		return NULL;
	if (t == MODEL_VGW) {
		json_array_foreach(json_object_get(props, "ipConfigurations"), i, c)
		{
			json_t *cp = json_object_get(c, "properties");

			add_ref(refs, json_object_get(cp, "subnet"));
			add_ref(refs, json_object_get(cp, "publicIPAddress"));
		}
	} else if (t == MODEL_CONN) {
		add_ref(refs, json_object_get(props, "virtualNetworkGateway1"));
		add_ref(refs, json_object_get(props, "localNetworkGateway2"));
	}
	return refs;
}

int model_resolve_ref(const struct model_ctx *ctx, json_t *ref_obj, enum model_type t,
		      const char *target, json_t **out, struct mgmt_error *err)
{
	const char *s = json_string_value(json_object_get(ref_obj, "id"));
	struct model_id id;
	char canon[MODEL_ID_MAX], lookup[MODEL_ID_MAX];
	json_t *res;

	*out = NULL;
	if (!s || model_id_parse(s, &id) != 0 || id.type != t)
		return mgmt_fail(err, MGMT_E_INVALID_REFERENCE, target,
				 "'%s' must be the id of a %s.", target, model_type_label(t));
	/* A reference into another subscription is answered as one to nothing: whether it exists
	 * there is not the caller's business. */
	if (strcasecmp(id.sub, ctx->sub) != 0)
		return mgmt_fail(
			err, MGMT_E_LINKED_NOT_FOUND, target,
			"The %s '%s' referenced by '%s' was not found in this subscription.",
			model_type_label(t), t == MODEL_SUBNET ? id.child : id.name, target);
	if (t == MODEL_SUBNET) {
		struct model_id vid = id;

		vid.type = MODEL_VNET;
		model_id_format(&vid, lookup, sizeof(lookup));
	} else {
		model_id_format(&id, lookup, sizeof(lookup));
	}
	res = ctx->view->get(ctx->view->ctx, lookup);
	if (res && t == MODEL_SUBNET && !model_vnet_subnet(res, id.child, NULL)) {
		json_decref(res);
		res = NULL;
	}
	if (!res)
		return mgmt_fail(
			err, MGMT_E_LINKED_NOT_FOUND, target,
			"The %s '%s' referenced by '%s' was not found in this subscription.",
			model_type_label(t), t == MODEL_SUBNET ? id.child : id.name, target);
	/* Store the reference in the referenced resource's own spelling. */
	if (t == MODEL_SUBNET) {
		json_t *sub = model_vnet_subnet(res, id.child, NULL);

		snprintf(canon, sizeof(canon), "%s/subnets/%s",
			 json_string_value(json_object_get(res, "id")),
			 json_string_value(json_object_get(sub, "name")));
	} else {
		snprintf(canon, sizeof(canon), "%s", json_string_value(json_object_get(res, "id")));
	}
	json_object_set_new(ref_obj, "id", json_string(canon));
	*out = res;
	return 0;
}

json_t *model_vnet_subnet(json_t *vnet, const char *name, size_t *index)
{
	json_t *subnets = json_object_get(json_object_get(vnet, "properties"), "subnets"), *s;
	size_t i;

	json_array_foreach(subnets, i, s)
	{
		const char *n = json_string_value(json_object_get(s, "name"));

		if (n && strcasecmp(n, name) == 0) {
			if (index)
				*index = i;
			return s;
		}
	}
	return NULL;
}

int model_check_shared_key(const char *key, const char *target, struct mgmt_error *err)
{
	size_t i, len = key ? strlen(key) : 0;

	if (len < 1 || len > 128)
		return mgmt_fail(err, MGMT_E_INVALID_SHARED_KEY, target,
				 "The shared key must be 1 to 128 characters long.");
	for (i = 0; i < len; i++)
		if (key[i] < 0x20 || key[i] > 0x7e)
			return mgmt_fail(err, MGMT_E_INVALID_SHARED_KEY, target,
					 "The shared key may hold only printable ASCII "
					 "characters.");
	return 0;
}

int model_check_shared_key_length(json_t *settings, size_t len, const char *target,
				  struct mgmt_error *err)
{
	unsigned min = model_settings_min_key_length(settings);

	/* RFC 7296 2.15: the AUTH payload of one captured IKE_AUTH lets anyone test guesses of
	 * the pre-shared key offline, as fast as they can compute a PRF. */
	if (len < min)
		return mgmt_fail(err, MGMT_E_SHARED_KEY_TOO_SHORT, target,
				 "The shared key has %zu character(s); this deployment requires at "
				 "least %u (minSharedKeyLength, set by the operator), because a "
				 "short pre-shared key can be guessed offline from a single captured "
				 "IKE exchange.",
				 len, min);
	return 0;
}

int model_check_quota(const struct model_ctx *ctx, enum model_type t, const char *target,
		      struct mgmt_error *err)
{
	unsigned quota = model_settings_quota(ctx->view->settings, t);
	unsigned cap = t == MODEL_VGW ? ctx->view->cap_vgws : ctx->view->cap_conns;
	int mine, all = 0;

	mine = ctx->view->count(ctx->view->ctx, t, ctx->sub, ctx->id);
	if (mine >= 0 && cap)
		all = ctx->view->count(ctx->view->ctx, t, NULL, ctx->id);
	if (mine < 0 || all < 0)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	if ((unsigned)mine >= quota)
		return mgmt_fail(err, t == MODEL_VGW ? MGMT_E_VGW_QUOTA : MGMT_E_CONN_QUOTA, target,
				 "The subscription has %d %s(s), as many as its quota allows "
				 "(%s = %u, set by the operator); delete one or ask the operator "
				 "for more.",
				 mine, model_type_label(t),
				 t == MODEL_VGW ? MODEL_QUOTA_VGWS : MODEL_QUOTA_CONNS, quota);
	/* The gateway's tables: refused now rather than accepted and never run. */
	if (cap && (unsigned)all >= cap)
		return mgmt_fail(err, MGMT_E_CAPACITY, target,
				 "This deployment's gateway runs at most %u %ss and holds as many; "
				 "the operator must add capacity before another can be created.",
				 cap, model_type_label(t));
	return 0;
}
