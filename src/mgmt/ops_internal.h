/* SPDX-License-Identifier: MIT */
/*
 * ops internals: what the tenant operations (ops.c) and the operator's (ops_admin.c) share.
 */
#ifndef VNETGW_MGMT_OPS_INTERNAL_H
#define VNETGW_MGMT_OPS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "mgmt/model/errors.h"

/* Fills err with InternalServerError ("nothing was changed") and returns -EINVAL. */
int mgmt_ops_internal(struct mgmt_error *err);
/* A request body that must be a JSON object (InvalidRequestContent / InvalidRequestFormat). */
int mgmt_ops_parse_json(const char *body, size_t len, json_t **out, struct mgmt_error *err);

#endif
