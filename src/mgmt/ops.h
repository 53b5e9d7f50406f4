/* SPDX-License-Identifier: MIT */
/*
 * ops: the management operations -- put, get, delete, tags, lists, shared keys, gateway reset --
 * each one transaction of the store in which the model's rules read the state and the write
 * follows, or nothing is written. Free of HTTP: the API maps requests onto these and the
 * results (a status and a JSON body, or a struct mgmt_error) back.
 */
#ifndef VNETGW_MGMT_OPS_H
#define VNETGW_MGMT_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgmt/model/errors.h"
#include "mgmt/model/model.h"

struct store;

struct mgmt_result {
	int status;		 /* 200, 201, 202, 204 */
	json_t *body;		 /* owned; NULL for 204 */
	char next[MODEL_ID_MAX]; /* lists: the $skiptoken of the next page, "" when none */
};

/* Called after each committed mutation with the resource's id (for the reconciler), and with
 * MGMT_SETTINGS_ID after the deployment settings changed. */
#define MGMT_SETTINGS_ID "/admin/settings"
typedef void (*mgmt_change_fn)(void *arg, const char *id);
void mgmt_ops_set_change_hook(mgmt_change_fn fn, void *arg);
/* Called by mgmt_ops_vgw_reset with the gateway's resource id (as stored) once it is known to
 * exist; the service restarts that gateway's tunnels from its loop (nothing in the store moves). */
typedef void (*mgmt_reset_fn)(void *arg, const char *vgw_id);
void mgmt_ops_set_reset_hook(mgmt_reset_fn fn, void *arg);

void mgmt_result_clear(struct mgmt_result *r);

/* Preconditions from If-Match / If-None-Match (NULL when absent). */
struct mgmt_precond {
	const char *if_match;
	const char *if_none_match;
};

/* All return 0 with res filled, or -EINVAL with err filled (its code gives the status). */
int mgmt_ops_put(struct store *s, const struct model_id *id, const char *body, size_t len,
		 const struct mgmt_precond *pre, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_get(struct store *s, const struct model_id *id, struct mgmt_result *res,
		 struct mgmt_error *err);
int mgmt_ops_delete(struct store *s, const struct model_id *id, const struct mgmt_precond *pre,
		    struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_patch_tags(struct store *s, const struct model_id *id, const char *body, size_t len,
			const struct mgmt_precond *pre, struct mgmt_result *res,
			struct mgmt_error *err);
/* Lists type t in sub (rg NULL: the whole subscription); for subnets, id names the VNet. */
int mgmt_ops_list(struct store *s, enum model_type t, const char *sub, const char *rg,
		  const struct model_id *vnet, const char *skiptoken, int top,
		  struct mgmt_result *res, struct mgmt_error *err);

int mgmt_ops_shared_key_get(struct store *s, const struct model_id *id, struct mgmt_result *res,
			    struct mgmt_error *err);
int mgmt_ops_shared_key_set(struct store *s, const struct model_id *id, const char *body,
			    size_t len, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_shared_key_reset(struct store *s, const struct model_id *id, const char *body,
			      size_t len, struct mgmt_result *res, struct mgmt_error *err);
/*
 * connections/{n}/vpndeviceconfigurationscript: the device's configuration (devcfg.h) as a new
 * string in *script (free it with devcfg_free: it holds the shared key). 404 for a connection
 * that does not exist, 400 for a vendor without a script.
 */
int mgmt_ops_conn_device_script(struct store *s, const struct model_id *id, const char *body,
				size_t len, char **script, struct mgmt_error *err);
/* virtualNetworkGateways/{n}/reset: 200 with the gateway (404 when it does not exist); the
 * reset hook is told, the tunnels restart after the answer. */
int mgmt_ops_vgw_reset(struct store *s, const struct model_id *id, struct mgmt_result *res,
		       struct mgmt_error *err);
/* getBgpPeerStatus, getLearnedRoutes, getAdvertisedRoutes: {"value":[]} until the BGP speaker
 * reports (issue 6); 404 for a gateway that does not exist. */
int mgmt_ops_vgw_routes(struct store *s, const struct model_id *id, struct mgmt_result *res,
			struct mgmt_error *err);

/* Operator operations. */
int mgmt_ops_sub_create(struct store *s, const char *body, size_t len, struct mgmt_result *res,
			struct mgmt_error *err);
int mgmt_ops_sub_list(struct store *s, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_sub_token(struct store *s, const char *sub, struct mgmt_result *res,
		       struct mgmt_error *err);
int mgmt_ops_sub_delete(struct store *s, const char *sub, struct mgmt_result *res,
			struct mgmt_error *err);
/* 0 when the subscription exists, -ENOENT when not, -EIO. */
int mgmt_ops_sub_exists(struct store *s, const char *sub);
int mgmt_ops_settings_get(struct store *s, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_settings_patch(struct store *s, const char *body, size_t len, struct mgmt_result *res,
			    struct mgmt_error *err);

#endif
