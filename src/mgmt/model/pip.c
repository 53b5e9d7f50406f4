/* SPDX-License-Identifier: MIT */
/*
 * pip: public IP addresses. The tenant chooses the allocation method; the platform assigns the
 * address from the operator's pool (deployment settings) at creation and keeps it for the
 * resource's life. IPv4 only: the gateway's IKE identities are IPv4 addresses (SPEC §3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

static const char *const alloc_methods[] = {"Static", "Dynamic", NULL};
static const char *const ip_versions[] = {"IPv4", NULL};

int model_pip_parse(json_t *in, json_t *props, struct mgmt_error *err)
{
	const char *method = NULL, *version = NULL;
	json_int_t idle = 4;
	int r;

	r = field_get_enum(in, "properties", "publicIPAllocationMethod", false, alloc_methods,
			   &method, err);
	if (!r)
		r = field_get_enum(in, "properties", "publicIPAddressVersion", false, ip_versions,
				   &version, err);
	if (!r)
		r = field_get_int(in, "properties", "idleTimeoutInMinutes", false, 4, 30, &idle,
				  err);
	if (r)
		return r;
	json_object_set_new(props, "publicIPAllocationMethod",
			    json_string(method ? method : "Dynamic"));
	json_object_set_new(props, "publicIPAddressVersion", json_string("IPv4"));
	json_object_set_new(props, "idleTimeoutInMinutes", json_integer(idle));
	return 0;
}

static bool ip_used(json_t *used, const char *ip)
{
	json_t *v;
	size_t i;

	json_array_foreach(used, i, v) if (strcmp(json_string_value(v), ip) == 0) return true;
	return false;
}

/* The lowest free host address of the pool, in the pool's order. */
static int pool_pick(json_t *pool, json_t *used, char *out, size_t n)
{
	json_t *v;
	size_t i;

	json_array_foreach(pool, i, v)
	{
		struct field_prefix p;
		uint32_t base, count, k;

		if (field_parse_prefix(json_string_value(v), &p) != 0 || p.family != AF_INET)
			continue;
		base = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 |
		       (uint32_t)p.addr[2] << 8 | p.addr[3];
		count = p.len == 0 ? 0 : (uint32_t)1 << (32 - p.len);
		/* In a /30 or larger the first and last addresses are the network's and its
		 * broadcast; a /31 (RFC 3021) or /32 is all hosts. */
		for (k = p.len < 31 ? 1 : 0; k < (p.len < 31 ? count - 1 : count); k++) {
			struct field_prefix a = {.family = AF_INET, .len = 32};
			uint32_t x = base + k;

			a.addr[0] = (uint8_t)(x >> 24);
			a.addr[1] = (uint8_t)(x >> 16);
			a.addr[2] = (uint8_t)(x >> 8);
			a.addr[3] = (uint8_t)x;
			field_format_ip(&a, out, n);
			if (!ip_used(used, out))
				return 0;
		}
	}
	return -ENOSPC;
}

int model_pip_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	json_t *props = json_object_get(res, "properties"), *old_ip = NULL, *used;
	char ip[64];
	int r;

	if (old)
		old_ip = json_object_get(json_object_get(old, "properties"), "ipAddress");
	if (old_ip) {
		json_object_set(props, "ipAddress", old_ip);
		return 0;
	}
	used = ctx->view->public_ips_used(ctx->view->ctx);
	if (!used)
		return mgmt_fail(err, MGMT_E_INTERNAL, "", "The store could not be read.");
	r = pool_pick(json_object_get(ctx->view->settings, "publicIpPool"), used, ip, sizeof(ip));
	json_decref(used);
	if (r)
		return mgmt_fail(
			err, MGMT_E_POOL_EXHAUSTED, "properties.ipAddress",
			"No public IP address is free in this deployment; ask the operator "
			"to add addresses to the pool.");
	json_object_set_new(props, "ipAddress", json_string(ip));
	return 0;
}
