/* SPDX-License-Identifier: MIT */
/* desired: helpers over the gateway's desired state (SPEC §2 rates, GatewaySubnet addressing). */
#include "daemon/desired.h"

#include <errno.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <string.h>

static bool same_psk(const struct secret *a, const struct secret *b)
{
	if (!a || !b)
		return a == b;
	return a->len == b->len && CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}

bool gw_conn_same_dp(const struct gw_conn *a, const struct gw_conn *b)
{
	if (!addr_equal(&a->peer, &b->peer) || a->rate_bps != b->rate_bps ||
	    a->n_remote != b->n_remote || a->bgp != b->bgp ||
	    (a->bgp && !addr_equal(&a->bgp_peer, &b->bgp_peer)))
		return false;
	for (unsigned int i = 0; i < a->n_remote && i < GW_PREFIXES_MAX; i++)
		if (!prefix_equal(&a->remote[i], &b->remote[i]))
			return false;
	return true;
}

/* Field by field: struct copies may carry padding bytes of no meaning. */
static bool same_suites(const struct ike_suite_list *a, const struct ike_suite_list *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n && i < IKE_POLICY_MAX_SUITES; i++) {
		const struct ike_suite *x = &a->s[i], *y = &b->s[i];

		if (x->encr != y->encr || x->encr_bits != y->encr_bits || x->integ != y->integ ||
		    x->prf != y->prf || x->dh != y->dh || x->esn != y->esn)
			return false;
	}
	return true;
}

static bool same_set(const struct ike_xform_set *a, const struct ike_xform_set *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n && i < IKE_XFORM_SET_MAX; i++)
		if (a->v[i].id != b->v[i].id || a->v[i].bits != b->v[i].bits)
			return false;
	return true;
}

static bool same_proto(const struct ike_proto_policy *a, const struct ike_proto_policy *b)
{
	return same_suites(&a->propose, &b->propose) && same_set(&a->encr, &b->encr) &&
	       same_set(&a->integ, &b->integ) && same_set(&a->prf, &b->prf) &&
	       same_set(&a->dh, &b->dh) && a->pfs_optional == b->pfs_optional;
}

bool gw_conn_same_tunnel(const struct gw_conn *a, const struct gw_conn *b)
{
	return addr_equal(&a->peer, &b->peer) && same_psk(a->psk, b->psk) &&
	       same_proto(&a->policy.ike, &b->policy.ike) &&
	       same_proto(&a->policy.esp, &b->policy.esp) && a->custom_policy == b->custom_policy &&
	       a->child_lifetime_s == b->child_lifetime_s &&
	       a->child_lifetime_kb == b->child_lifetime_kb &&
	       a->dpd_timeout_s == b->dpd_timeout_s && a->initiate == b->initiate &&
	       a->no_respond == b->no_respond && strcmp(a->vnet, b->vnet) == 0;
}

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

/* Room for one more of size sz in *arr (n used, *cap allocated). */
static int grow(void **arr, unsigned int n, unsigned int *cap, size_t sz)
{
	unsigned int c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (size_t)c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

int gw_desired_add_vnet(struct gw_desired *d, const struct gw_vnet *v)
{
	int r = grow((void **)&d->vnets, d->n_vnets, &d->cap_vnets, sizeof(*v));

	if (r == 0)
		d->vnets[d->n_vnets++] = *v;
	return r;
}

int gw_desired_add_conn(struct gw_desired *d, struct gw_conn *c)
{
	int r = grow((void **)&d->conns, d->n_conns, &d->cap_conns, sizeof(*c));

	if (r == 0) {
		d->conns[d->n_conns++] = *c;
		c->psk = NULL; /* it moved */
	}
	return r;
}

void gw_desired_clear(struct gw_desired *d)
{
	for (unsigned int i = 0; i < d->n_conns; i++) {
		secret_free(d->conns[i].psk);
		d->conns[i].psk = NULL;
	}
	free(d->conns);
	free(d->vnets);
	d->conns = NULL;
	d->vnets = NULL;
	d->n_conns = d->cap_conns = 0;
	d->n_vnets = d->cap_vnets = 0;
}
