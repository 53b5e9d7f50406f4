/* SPDX-License-Identifier: MIT */
/*
 * model: the management plane's resources (SPEC §2) as jansson objects in ARM's shape, with the
 * typed rules that validate them. Parsing a request body needs nothing but the body (and is what
 * the fuzzer drives); the rules that span resources -- references, one gateway per VNet, tunnel
 * limits, one connection per remote IP, deletion of referenced resources -- read the stored state
 * through a struct model_view that the store implements inside the mutation's transaction. No SQL
 * and no HTTP here.
 */
#ifndef VNETGW_MGMT_MODEL_MODEL_H
#define VNETGW_MGMT_MODEL_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgmt/model/errors.h"

#define MODEL_API_VERSION      "2018-11-01"
#define MODEL_PROVIDER	       "Microsoft.Network"
#define MODEL_DEFAULT_LOCATION "local"
#define MODEL_GATEWAY_ASN      65515
#define MODEL_DEFAULT_DPD      45
#define MODEL_ID_MAX	       512

enum model_type {
	MODEL_VNET,
	MODEL_SUBNET,
	MODEL_PIP,
	MODEL_VGW,
	MODEL_LGW,
	MODEL_CONN,
	MODEL__COUNT,
};

enum model_sku {
	MODEL_SKU_BASIC,
	MODEL_SKU_STANDARD,
	MODEL_SKU_HIGH_PERFORMANCE,
	MODEL_SKU__COUNT,
};

/* The path segment ("virtualNetworks"), ARM type ("Microsoft.Network/virtualNetworks"), and the
 * words a message uses ("virtual network"). */
const char *model_type_segment(enum model_type t);
const char *model_type_arm(enum model_type t);
const char *model_type_label(enum model_type t);
/* Top-level types from a path segment, case-insensitively; -ENOENT otherwise. */
int model_type_from_segment(const char *seg, enum model_type *out);

const char *model_sku_name(enum model_sku s);
int model_sku_from_name(const char *name, enum model_sku *out);
/* SPEC §2 rule 7: the rate each connection of a gateway of this SKU is shaped to, each way. */
unsigned model_sku_rate_mbps(enum model_sku s);
/* SPEC §2 rule 8: the default deployment-wide tunnel limit of the SKU. */
unsigned model_sku_default_tunnels(enum model_sku s);

/* A parsed resource id. For a subnet, name is the VNet's and child the subnet's. */
struct model_id {
	char sub[64];
	char rg[96];
	enum model_type type;
	char name[96];
	char child[96];
};

/* Formats the canonical id (case as given) into out; -ENOSPC when it does not fit. */
int model_id_format(const struct model_id *id, char *out, size_t n);
/* Parses an ARM id of one of our types (segments matched case-insensitively); -EINVAL. */
int model_id_parse(const char *s, struct model_id *out);
/* The store's key for an id: the id lower-cased (ARM ids are case-insensitive). */
void model_id_key(const char *id, char *out, size_t n);

/*
 * Read access to the stored state during a mutation. Every call sees the deployment (all
 * subscriptions) but returns only counts, or ids and bodies the caller is entitled to: the rules
 * that span tenants (rule 8, rule 9) learn "how many", never "whose".
 */
struct model_view {
	void *ctx;
	/* The stored resource with this id (any case) as a new reference, or NULL. */
	json_t *(*get)(void *ctx, const char *id);
	/* Keys of the resources that reference id or one of its children; a new array or NULL on
	 * failure. */
	json_t *(*referrers)(void *ctx, const char *id);
	/* Local network gateways with this gatewayIpAddress, other than except_id. <0 on failure.
	 */
	int (*count_lgw_ip)(void *ctx, const char *ip, const char *except_id);
	/* Connections whose local gateway has this gatewayIpAddress, other than except_id. */
	int (*count_conn_ip)(void *ctx, const char *ip, const char *except_id);
	/* Tunnels used by connections of gateways of this SKU (an active-active gateway's count
	 * two), leaving out the connection except_conn and all connections of except_gw. */
	int (*tunnels_used)(void *ctx, const char *sku, const char *except_gw,
			    const char *except_conn);
	/* Every ipAddress assigned to a public IP resource; a new array or NULL. */
	json_t *(*public_ips_used)(void *ctx);
	/* Resources of type t in subscription sub (NULL: the whole deployment), other than
	 * except_id. <0 on failure. For the quotas and the gateway's capacity. */
	int (*count)(void *ctx, enum model_type t, const char *sub, const char *except_id);
	/* The deployment settings (see model_settings_*), borrowed. */
	json_t *settings;
	/* What the running gateway can hold, deployment-wide (its tables); 0: no limit. A
	 * mutation past it is refused (GatewayCapacityReached) rather than accepted and not run. */
	unsigned cap_vgws, cap_conns;
	unsigned cap_prefixes; /* a local network gateway's addressPrefixes */
};

/* A request body after parsing: the resource in ARM shape (name, location, tags, properties),
 * and for a connection the sharedKey it carried (write-only: never part of res). */
struct model_parsed {
	json_t *res;
	char *shared_key;
};

void model_parsed_clear(struct model_parsed *p);

/*
 * The entry the API calls for every PUT body (and the fuzzer drives): JSON text to a validated
 * resource of type t named name. Checks every rule that needs only the body; the message of an
 * InvalidRequestContent error gives line, column and byte position.
 */
int model_parse_request(enum model_type t, const char *name, const char *body, size_t len,
			struct model_parsed *out, struct mgmt_error *err);
/* The same from a parsed JSON value (borrowed). */
int model_parse(enum model_type t, const char *name, json_t *in, struct model_parsed *out,
		struct mgmt_error *err);

struct model_ctx {
	const struct model_view *view;
	const char *sub; /* the caller's subscription */
	const char *id;	 /* canonical id of the resource being written or deleted */
};

/*
 * The rules that read stored state, for res about to replace old (NULL when new). May fill
 * platform-assigned properties (a public IP's ipAddress, a gateway's bgpSettings).
 */
int model_check_put(enum model_type t, const struct model_ctx *ctx, json_t *res, json_t *old,
		    struct mgmt_error *err);
/* A new resource of type t (MODEL_VGW, MODEL_CONN) within the subscription's quota and the
 * gateway's capacity (view->cap_*); target names the field an error points at. */
int model_check_quota(const struct model_ctx *ctx, enum model_type t, const char *target,
		      struct mgmt_error *err);
/* Rule 12 and its kin: may the resource be deleted? */
int model_check_delete(enum model_type t, const struct model_ctx *ctx, json_t *old,
		       struct mgmt_error *err);

/* Completes the envelope: id, name, type, etag W/"etag_uuid", provisioningState, resourceGuid
 * (kept from old, else guid), and for a VNet each subnet's id and etag. */
int model_finalize(enum model_type t, json_t *res, const char *id, json_t *old,
		   const char *etag_uuid, const char *guid);
/* Keys of the resources res references (rule 12), as a new array. */
json_t *model_refs(enum model_type t, json_t *res);
/* The subnet object of a VNet by name (borrowed) and its index, or NULL. */
json_t *model_vnet_subnet(json_t *vnet, const char *name, size_t *index);

/* A connection's shared key: 1-128 printable ASCII characters. */
int model_check_shared_key(const char *key, const char *target, struct mgmt_error *err);
/* And at least the operator's minSharedKeyLength (SharedKeyTooShort, saying why). */
int model_check_shared_key_length(json_t *settings, size_t len, const char *target,
				  struct mgmt_error *err);

/* The per-subscription quotas' names (Azure Stack Hub's network quota). */
#define MODEL_QUOTA_VGWS  "maxVirtualNetworkGatewaysPerSubscription"
#define MODEL_QUOTA_CONNS "maxVirtualNetworkGatewayConnectionsPerSubscription"

/* Deployment settings (settings.c): {"publicIpPool":[prefix...], "tunnelLimits":{sku:n},
 * "allowPrivateGatewayIps":bool, "quotas":{MODEL_QUOTA_VGWS:n, MODEL_QUOTA_CONNS:n},
 * "minSharedKeyLength":n, "apiRateLimit":{"requestsPerSecond":n, "burst":n}}. */
json_t *model_settings_default(void);
/* Applies a PATCH body (a subset) to settings in place after validating it; on a refusal
 * settings are unchanged. */
int model_settings_patch(json_t *settings, json_t *patch, struct mgmt_error *err);
unsigned model_settings_tunnel_limit(json_t *settings, enum model_sku s);
/* The quota of a subscription for MODEL_VGW or MODEL_CONN. */
unsigned model_settings_quota(json_t *settings, enum model_type t);
unsigned model_settings_min_key_length(json_t *settings);
/* The API's rate per token: requests per second and the burst allowed above it. */
void model_settings_rate(json_t *settings, unsigned *per_s, unsigned *burst);
/*
 * The deployment's shared public IP (SPEC §1): the first host address of the pool's first
 * prefix (its only address for a /31's first or a /32). 0, or -ENOENT when the pool is empty.
 */
int model_settings_public_ip(json_t *settings, char *out, size_t n);
/* A public IP resource as read: its ipAddress is the current shared address (none without). */
void model_pip_report(json_t *res, json_t *settings);

/* Per-type parts, used by model.c. */
/*
 * A stored connection's ipsecPolicies[i] in the IKE engine's terms (names borrowed from pol)
 * and its two lifetimes; fields absent from pol are NULL / 0 (the engine refuses those).
 */
struct ike_custom_policy;
void model_ipsec_policy_custom(json_t *pol, struct ike_custom_policy *out, json_int_t *life_s,
			       json_int_t *life_kb);

int model_vnet_parse(json_t *in, json_t *props, struct mgmt_error *err);
int model_vnet_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err);
int model_subnet_parse(json_t *in, json_t *props, struct mgmt_error *err);
int model_pip_parse(json_t *in, json_t *props, struct mgmt_error *err);
int model_pip_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err);
int model_vgw_parse(json_t *in, json_t *props, struct mgmt_error *err);
int model_vgw_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err);
int model_lgw_parse(json_t *in, json_t *props, struct mgmt_error *err);
int model_lgw_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err);
int model_conn_parse(json_t *in, json_t *props, char **shared_key, struct mgmt_error *err);
int model_conn_check(const struct model_ctx *ctx, json_t *res, json_t *old, struct mgmt_error *err);
int model_ipsec_policies_parse(json_t *props_in, json_t *props, struct mgmt_error *err);
/* Parses a required reference {"id": ...} to a resource of type t at path.key (syntax only). */
int model_parse_ref(json_t *in, const char *path, const char *key, enum model_type t, json_t **out,
		    struct mgmt_error *err);
/* Resolves a reference {"id": ...} at target to a stored resource of type t in the caller's
 * subscription (a new reference); the id is canonicalised in place. */
int model_resolve_ref(const struct model_ctx *ctx, json_t *ref_obj, enum model_type t,
		      const char *target, json_t **out, struct mgmt_error *err);

#endif
