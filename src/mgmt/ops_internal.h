/* SPDX-License-Identifier: MIT */
/*
 * ops internals: what the tenant operations (ops.c) and the operator's (ops_admin.c) share.
 */
#ifndef VNETGW_MGMT_OPS_INTERNAL_H
#define VNETGW_MGMT_OPS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgmt/model/errors.h"

struct store;
struct mgmt_result;

/* Tries of a mutation whose commit meets conflicting writers (etcd), the first included. */
#define MGMT_TX_TRIES 8

/* Fills err with InternalServerError ("nothing was changed") and returns -EINVAL. */
int mgmt_ops_internal(struct mgmt_error *err);
/*
 * A store call failed: err says why from store_error(s) -- StoreUnavailable (503) when the
 * store did not answer, else InternalServerError -- and -EINVAL is returned; but -EAGAIN (err
 * filled for the last try) when a commit met a conflicting writer: the caller runs again.
 */
int mgmt_ops_store_err(struct store *s, struct mgmt_error *err);
/* After one try of a mutation: true when it returned -EAGAIN and may run again (res cleared).
 * Past MGMT_TX_TRIES, *r becomes -EINVAL with err saying ConcurrentUpdateConflict. */
bool mgmt_ops_again(int *r, int *tries, struct mgmt_result *res, struct mgmt_error *err);
/* A request body that must be a JSON object (InvalidRequestContent / InvalidRequestFormat). */
int mgmt_ops_parse_json(const char *body, size_t len, json_t **out, struct mgmt_error *err);

#endif
