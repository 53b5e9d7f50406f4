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
/* Called by mgmt_ops_vgw_reset with the gateway's resource id (as stored) once it is known to
 * exist; the service restarts that gateway's tunnels from its loop (nothing in the store moves). */
typedef void (*mgmt_reset_fn)(void *arg, const char *vgw_id);

/*
 * What the operations work on: the store, who is told of a committed change (the hooks run on
 * the thread that called the operation: they must be safe to call from it), and what the running
 * gateway can hold (a VPN gateway or connection past it is refused, GatewayCapacityReached).
 */
struct mgmt {
	struct store *store; /* borrowed */
	mgmt_change_fn changed;
	mgmt_reset_fn reset;
	void *hook_arg;
	unsigned cap_vgws, cap_conns; /* deployment-wide; 0: no limit */
	unsigned cap_prefixes;	      /* a site's prefixes the gateway routes; 0: no limit */
};

void mgmt_result_clear(struct mgmt_result *r);

/* Preconditions from If-Match / If-None-Match (NULL when absent). */
struct mgmt_precond {
	const char *if_match;
	const char *if_none_match;
};

/* All return 0 with res filled, or -EINVAL with err filled (its code gives the status). */
int mgmt_ops_put(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
		 const struct mgmt_precond *pre, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_get(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
		 struct mgmt_error *err);
int mgmt_ops_delete(const struct mgmt *m, const struct model_id *id, const struct mgmt_precond *pre,
		    struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_patch_tags(const struct mgmt *m, const struct model_id *id, const char *body, size_t len,
			const struct mgmt_precond *pre, struct mgmt_result *res,
			struct mgmt_error *err);
/* Lists type t in sub (rg NULL: the whole subscription); for subnets, id names the VNet. */
int mgmt_ops_list(const struct mgmt *m, enum model_type t, const char *sub, const char *rg,
		  const struct model_id *vnet, const char *skiptoken, int top,
		  struct mgmt_result *res, struct mgmt_error *err);

int mgmt_ops_shared_key_get(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
			    struct mgmt_error *err);
int mgmt_ops_shared_key_set(const struct mgmt *m, const struct model_id *id, const char *body,
			    size_t len, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_shared_key_reset(const struct mgmt *m, const struct model_id *id, const char *body,
			      size_t len, struct mgmt_result *res, struct mgmt_error *err);
/*
 * connections/{n}/vpndeviceconfigurationscript: the device's configuration (devcfg.h) as a new
 * string in *script (free it with devcfg_free: it holds the shared key). 404 for a connection
 * that does not exist, 400 for a vendor without a script.
 */
int mgmt_ops_conn_device_script(const struct mgmt *m, const struct model_id *id, const char *body,
				size_t len, char **script, struct mgmt_error *err);
/* virtualNetworkGateways/{n}/reset: 200 with the gateway (404 when it does not exist); the
 * reset hook is told, the tunnels restart after the answer. */
int mgmt_ops_vgw_reset(const struct mgmt *m, const struct model_id *id, struct mgmt_result *res,
		       struct mgmt_error *err);

/* Operator operations. */
int mgmt_ops_sub_create(const struct mgmt *m, const char *body, size_t len, struct mgmt_result *res,
			struct mgmt_error *err);
int mgmt_ops_sub_list(const struct mgmt *m, struct mgmt_result *res, struct mgmt_error *err);
/* POST /admin/subscriptions/{sub}/tokens ({"label":...} optional): 201 {"id","label",
 * "createdAt","token"}; the token is shown here only. */
int mgmt_ops_sub_token(const struct mgmt *m, const char *sub, const char *body, size_t len,
		       struct mgmt_result *res, struct mgmt_error *err);
/* GET .../tokens: {"value":[{"id","label","createdAt"}]} (never a token or its digest). */
int mgmt_ops_token_list(const struct mgmt *m, const char *sub, struct mgmt_result *res,
			struct mgmt_error *err);
/* DELETE .../tokens/{id}: 200; the token fails from its next request on. 404 TokenNotFound. */
int mgmt_ops_token_revoke(const struct mgmt *m, const char *sub, const char *token_id,
			  struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_sub_delete(const struct mgmt *m, const char *sub, struct mgmt_result *res,
			struct mgmt_error *err);
/* 0 when the subscription exists, -ENOENT when not, -EIO. */
int mgmt_ops_sub_exists(const struct mgmt *m, const char *sub);
int mgmt_ops_settings_get(const struct mgmt *m, struct mgmt_result *res, struct mgmt_error *err);
int mgmt_ops_settings_patch(const struct mgmt *m, const char *body, size_t len, struct mgmt_result *res,
			    struct mgmt_error *err);

#endif
