/* SPDX-License-Identifier: MIT */
/*
 * reconcile: the store's resources (SPEC §2) read into the gateway's desired state
 * (daemon/desired.h) -- one VNet per virtual network that has a VPN gateway, one connection per
 * IPsec connection -- under short stable names derived from the resource ids, so that names are
 * unique across subscriptions and fit the kernel's and the engine's limits. Each entry keeps the
 * resource id it stands for (ref), which is how status finds its way back to the API.
 */
#ifndef VNETGW_DAEMON_RECONCILE_H
#define VNETGW_DAEMON_RECONCILE_H

#include <stddef.h>

#include "daemon/desired.h"

struct store;

/* VNet namespaces are <netns-prefix><key>, at most this long (SPEC §1: shortened with a hash). */
#define RECONCILE_NETNS_MAX 32
/* Long enough for the hash and a few readable characters of the VNet's name. */
#define RECONCILE_PREFIX_MAX   (RECONCILE_NETNS_MAX - 12)
#define RECONCILE_CONN_KEY_MAX 40

/*
 * The key of the resource with ARM id `id` (any case): the lower-cased name, characters other
 * than [a-z0-9] as '-', cut to leave room for '-' and 8 hex digits of a hash of the lower-cased
 * id; at most max characters (max >= 9). Stable: the same id always gives the same key.
 */
void reconcile_key(const char *id, size_t max, char *out, size_t n);
/* The key a VNet gets under this namespace prefix, and a connection's key. */
void reconcile_vnet_key(const char *vnet_id, const char *netns_prefix, char *out, size_t n);
void reconcile_conn_key(const char *conn_id, char *out, size_t n);

#define RECONCILE_WHY_MAX 160

/* Told of each resource left out of the desired state, with why (a phrase). */
struct reconcile_report {
	void (*skipped)(void *arg, const char *ref, const char *why);
	void *arg;
};

/*
 * Reads every subscription's gateways and connections from s into d (zeroed first; shared keys
 * owned by d: gw_desired_clear). d->public_ip is the deployment's shared public IP, family 0
 * while the operator has set no pool. A resource that cannot be run (a dangling reference, a
 * policy the engine refuses, a key collision, more than the tables hold) is logged, told to
 * rep (NULL: nobody) and left out, and the rest is built. All of it is read in one read-only
 * transaction (one snapshot). 0, or -EIO or the store's error (STORE_E_UNAVAILABLE) when the
 * store cannot be read, even in part (d is then empty).
 */
int reconcile_build(struct store *s, const char *netns_prefix, struct gw_desired *d,
		    const struct reconcile_report *rep);

#endif
