/* SPDX-License-Identifier: MIT */
/*
 * ids: random identifiers and secrets of the management plane -- UUIDs (RFC 4122 version 4) for
 * etags, resourceGuids and subscriptions, bearer tokens, and generated shared keys -- all from
 * the CSPRNG.
 */
#ifndef VNETGW_MGMT_IDS_H
#define VNETGW_MGMT_IDS_H

#include <stddef.h>

#define MGMT_UUID_LEN  36
#define MGMT_TOKEN_LEN 64

/* out holds MGMT_UUID_LEN + 1 bytes. 0 or -EIO. */
int mgmt_uuid_new(char *out);
/* A bearer token: MGMT_TOKEN_LEN hex characters (256 bits) and a NUL. 0 or -EIO. */
int mgmt_token_new(char *out);
/* A shared key of len (1-128) characters drawn uniformly from letters and digits; out holds
 * len + 1 bytes. 0, -EINVAL or -EIO. */
int mgmt_key_new(char *out, size_t len);

#endif
