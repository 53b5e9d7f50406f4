/* SPDX-License-Identifier: MIT */
/* desired: helpers over the gateway's desired state (SPEC §2 rates, GatewaySubnet addressing). */
#include "daemon/desired.h"

#include <errno.h>
#include <string.h>

uint64_t gw_sku_rate_bps(const char *sku)
{
	/* SPEC §2 rule 7: applied to each connection, in each direction. */
	if (strcmp(sku, "Basic") == 0 || strcmp(sku, "Standard") == 0)
		return 100000000ull;
	if (strcmp(sku, "HighPerformance") == 0)
		return 200000000ull;
	return 0;
}

int gw_gateway_address(const struct prefix *gateway_subnet, struct prefix *out)
{
	unsigned int bits = gateway_subnet->addr.family == AF_INET ? 32 : 128;
	size_t last = gateway_subnet->addr.family == AF_INET ? 3 : 15;

	/* A /29 is the smallest GatewaySubnet (rule 4): .0-.3 are reserved, .4 is ours. */
	if (gateway_subnet->len > bits - 3)
		return -EINVAL;
	*out = *gateway_subnet;
	prefix_mask(out);
	out->addr.bytes[last] |= 4;
	return 0;
}

const struct gw_vnet *gw_desired_vnet(const struct gw_desired *d, const char *name)
{
	for (unsigned int i = 0; i < d->n_vnets; i++)
		if (strcmp(d->vnets[i].name, name) == 0)
			return &d->vnets[i];
	return NULL;
}

void gw_desired_clear(struct gw_desired *d)
{
	for (unsigned int i = 0; i < d->n_conns; i++) {
		secret_free(d->conns[i].psk);
		d->conns[i].psk = NULL;
	}
	d->n_conns = 0;
	d->n_vnets = 0;
}
