/* SPDX-License-Identifier: MIT */
/*
 * settings: the operator's deployment-wide settings (docs/api.md "Settings") -- the shared public
 * IP pool, the IPsec tunnel limits per SKU (SPEC §2 rule 8), the per-subscription quotas Azure
 * Stack Hub's network quota has (MaxVirtualNetworkGatewaysPerSubscription,
 * MaxVirtualNetworkGatewayConnectionsPerSubscription), the shortest shared key accepted and the
 * API's request rate per token (SPEC §5 "As a service"). Defaults, validation of a PATCH, and
 * typed reads for the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

/*
 * Azure Stack Hub's default network quota allows 1 gateway and 2 connections per subscription;
 * ours leave room for a tenant with a few sites while no single tenant can take a whole SKU's
 * tunnels (rule 8: 20 Standard) or the gateway's tables by default.
 */
#define DEFAULT_QUOTA_VGWS  5
#define DEFAULT_QUOTA_CONNS 10
#define QUOTA_MAX	    100000
/* RFC 7296 2.15 AUTH from a pre-shared key can be attacked offline from one captured exchange:
 * eight characters is the floor the operator may raise (never lower than 1). */
#define DEFAULT_MIN_KEY_LEN 8
#define DEFAULT_RATE_PER_S  20
#define DEFAULT_RATE_BURST  100
#define RATE_MAX	    100000

json_t *model_settings_default(void)
{
	return json_pack("{s:[], s:{s:i, s:i, s:i}, s:b, s:{s:i, s:i}, s:i, s:{s:i, s:i}}",
			 "publicIpPool", "tunnelLimits", "Basic",
			 (int)model_sku_default_tunnels(MODEL_SKU_BASIC), "Standard",
			 (int)model_sku_default_tunnels(MODEL_SKU_STANDARD), "HighPerformance",
			 (int)model_sku_default_tunnels(MODEL_SKU_HIGH_PERFORMANCE),
			 "allowPrivateGatewayIps", 0, "quotas", MODEL_QUOTA_VGWS,
			 DEFAULT_QUOTA_VGWS, MODEL_QUOTA_CONNS, DEFAULT_QUOTA_CONNS,
			 "minSharedKeyLength", DEFAULT_MIN_KEY_LEN, "apiRateLimit",
			 "requestsPerSecond", DEFAULT_RATE_PER_S, "burst", DEFAULT_RATE_BURST);
}

static bool name_in(const char *k, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(*names, k) == 0)
			return true;
	return false;
}

/* Merges the integers of patch[key] (each of names, within [min, max]) into settings[key]. */
static int patch_ints(json_t *settings, json_t *patch, const char *key, const char *const *names,
		      json_int_t min, json_int_t max, struct mgmt_error *err)
{
	json_t *in = NULL, *merged, *v;
	const char *k;
	int r;

	r = field_get_object(patch, "", key, false, &in, err);
	if (r || !in)
		return r;
	json_object_foreach(in, k, v)
	{
		char t[96];

		snprintf(t, sizeof(t), "%s.%.60s", key, k);
		if (!name_in(k, names))
			return mgmt_fail(err, MGMT_E_INVALID_VALUE, t,
					 "'%.60s' is not a setting of %s.", k, key);
		if (!json_is_integer(v) || json_integer_value(v) < min ||
		    json_integer_value(v) > max)
			return mgmt_fail(err, MGMT_E_INVALID_VALUE, t,
					 "'%s' must be an integer from %lld to %lld.", t,
					 (long long)min, (long long)max);
	}
	merged = json_object_get(settings, key);
	if (!json_is_object(merged)) {
		merged = json_object();
		json_object_set_new(settings, key, merged);
	}
	json_object_foreach(in, k, v)
		json_object_set_new(merged, k, json_integer(json_integer_value(v)));
	return 0;
}

static int patch_pool(json_t *patch, json_t **pool, struct mgmt_error *err)
{
	json_t *v;
	size_t i;
	int r;

	r = field_get_array(patch, "", "publicIpPool", false, 64, pool, err);
	if (r)
		return r;
	json_array_foreach(*pool, i, v)
	{
		struct field_prefix p;
		char t[64];

		field_path_index(t, sizeof(t), "publicIpPool", i, NULL);
		if (!json_is_string(v) || field_parse_prefix(json_string_value(v), &p) != 0 ||
		    p.family != AF_INET)
			return mgmt_fail(err, MGMT_E_INVALID_PREFIX, t,
					 "'%s' must be an IPv4 prefix such as 203.0.113.0/28 (host "
					 "bits zero).",
					 t);
		if (p.len < 16)
			return mgmt_fail(err, MGMT_E_INVALID_PREFIX, t,
					 "'%s' is larger than /16; name the addresses you own.", t);
	}
	return 0;
}

int model_settings_patch(json_t *settings, json_t *patch, struct mgmt_error *err)
{
	static const char *const quotas[] = {MODEL_QUOTA_VGWS, MODEL_QUOTA_CONNS, NULL};
	static const char *const rates[] = {"requestsPerSecond", "burst", NULL};
	json_t *pool = NULL, *limits, *v, *new_limits, *work;
	const char *k;
	bool allow = json_is_true(json_object_get(settings, "allowPrivateGatewayIps"));
	json_int_t min_key = model_settings_min_key_length(settings);
	int r;

	if (!json_is_object(patch))
		return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, "",
				 "The request body must be a JSON object.");
	r = patch_pool(patch, &pool, err);
	if (!r)
		r = field_get_object(patch, "", "tunnelLimits", false, &limits, err);
	if (!r)
		r = field_get_bool(patch, "", "allowPrivateGatewayIps", &allow, err);
	if (!r)
		r = field_get_int(patch, "", "minSharedKeyLength", false, 1, 128, &min_key, err);
	if (r)
		return r;
	/* Everything below edits a copy: a refusal half-way leaves settings as they were. */
	work = json_deep_copy(settings);
	if (!work)
		return -ENOMEM;
	new_limits = json_object_get(work, "tunnelLimits");
	json_object_foreach(limits, k, v)
	{
		enum model_sku s;
		char t[64];

		snprintf(t, sizeof(t), "tunnelLimits.%.40s", k);
		if (model_sku_from_name(k, &s) != 0) {
			r = mgmt_fail(err, MGMT_E_GATEWAY_SKU, t,
				      "'%.40s' is not a gateway SKU (Basic, Standard, "
				      "HighPerformance).",
				      k);
			goto out;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 100000) {
			r = mgmt_fail(err, MGMT_E_INVALID_VALUE, t,
				      "'%s' must be an integer from 0 to 100000.", t);
			goto out;
		}
		json_object_set_new(new_limits, model_sku_name(s),
				    json_integer(json_integer_value(v)));
	}
	r = patch_ints(work, patch, "quotas", quotas, 0, QUOTA_MAX, err);
	if (!r)
		r = patch_ints(work, patch, "apiRateLimit", rates, 1, RATE_MAX, err);
	if (r)
		goto out;
	if (pool)
		json_object_set(work, "publicIpPool", pool);
	json_object_set_new(work, "allowPrivateGatewayIps", json_boolean(allow));
	json_object_set_new(work, "minSharedKeyLength", json_integer(min_key));
	json_object_update(settings, work);
out:
	json_decref(work);
	return r;
}

unsigned model_settings_tunnel_limit(json_t *settings, enum model_sku s)
{
	json_t *v = json_object_get(json_object_get(settings, "tunnelLimits"), model_sku_name(s));

	return json_is_integer(v) ? (unsigned)json_integer_value(v) : model_sku_default_tunnels(s);
}

static unsigned int_in(json_t *obj, const char *key, unsigned dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? (unsigned)json_integer_value(v)
								: dflt;
}

unsigned model_settings_quota(json_t *settings, enum model_type t)
{
	json_t *q = json_object_get(settings, "quotas");

	if (t == MODEL_VGW)
		return int_in(q, MODEL_QUOTA_VGWS, DEFAULT_QUOTA_VGWS);
	return int_in(q, MODEL_QUOTA_CONNS, DEFAULT_QUOTA_CONNS);
}

unsigned model_settings_min_key_length(json_t *settings)
{
	unsigned n = int_in(settings, "minSharedKeyLength", DEFAULT_MIN_KEY_LEN);

	return n >= 1 && n <= 128 ? n : DEFAULT_MIN_KEY_LEN;
}

void model_settings_rate(json_t *settings, unsigned *per_s, unsigned *burst)
{
	json_t *r = json_object_get(settings, "apiRateLimit");

	*per_s = int_in(r, "requestsPerSecond", DEFAULT_RATE_PER_S);
	*burst = int_in(r, "burst", DEFAULT_RATE_BURST);
	if (!*per_s)
		*per_s = DEFAULT_RATE_PER_S;
	if (!*burst)
		*burst = DEFAULT_RATE_BURST;
}
