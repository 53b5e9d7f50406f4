/* SPDX-License-Identifier: MIT */
/*
 * pip: public IP addresses. The tenant chooses the allocation method; the platform reports the
 * deployment's shared public IP (SPEC §1: all gateways of all tenants answer on one address),
 * the first address of the operator's pool, and follows it when the operator changes the pool.
 * IPv4 only: the gateway's IKE identities are IPv4 addresses (SPEC §3).
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

int model_settings_public_ip(json_t *settings, char *out, size_t n)
{
	json_t *v = json_array_get(json_object_get(settings, "publicIpPool"), 0);
	struct field_prefix p;
	uint32_t x;

	if (!v || field_parse_prefix(json_string_value(v), &p) != 0 || p.family != AF_INET)
		return -ENOENT;
	/* In a /30 or larger the first address is the network's; a /31 (RFC 3021) or a /32 is
	 * all hosts. */
	x = ((uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 | (uint32_t)p.addr[2] << 8 |
	     p.addr[3]) +
	    (p.len < 31 ? 1 : 0);
	p.addr[0] = (uint8_t)(x >> 24);
	p.addr[1] = (uint8_t)(x >> 16);
	p.addr[2] = (uint8_t)(x >> 8);
	p.addr[3] = (uint8_t)x;
	p.len = 32;
	field_format_ip(&p, out, n);
	return 0;
}

void model_pip_report(json_t *res, json_t *settings)
{
	json_t *props = json_object_get(res, "properties");
	char ip[64];

	if (!props)
		return;
	if (model_settings_public_ip(settings, ip, sizeof(ip)) == 0)
		json_object_set_new(props, "ipAddress", json_string(ip));
	else
		json_object_del(props, "ipAddress");
}

int model_pip_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err)
{
	char ip[64];

	(void)old;
	/* SPEC §1: one shared public IP that every gateway answers on; IKE tells the tenants'
	 * connections apart by the peer's address (rule 9). */
	if (model_settings_public_ip(ctx->view->settings, ip, sizeof(ip)) != 0)
		return mgmt_fail(err, MGMT_E_POOL_EXHAUSTED, "properties.ipAddress",
				 "This deployment has no public IP address yet; ask the operator "
				 "to set the public IP pool.");
	json_object_set_new(json_object_get(res, "properties"), "ipAddress", json_string(ip));
	return 0;
}
