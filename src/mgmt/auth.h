/* SPDX-License-Identifier: MIT */
/*
 * auth: who is calling. The operator holds the admin token (or reaches the local Unix socket);
 * each tenant holds bearer tokens of one subscription. Tokens are stored and compared as their
 * SHA-256 digests, so the store never holds one that could be replayed.
 */
#ifndef VNETGW_MGMT_AUTH_H
#define VNETGW_MGMT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct store;

#define AUTH_HASH_HEX_LEN 64

struct auth_principal {
	bool admin;
	bool local;	   /* the admin Unix socket (no token) */
	char sub[64];	   /* a tenant's subscription (lower-case); "" for the admin */
	char token_id[40]; /* the tenant token's id (store_token_list); "" for the admin */
	/* The token's digest: what the rate limit counts by; "" on the Unix socket. */
	char hash[AUTH_HASH_HEX_LEN + 1];
};

/* SHA-256 of the token, as 64 hex characters and a NUL. 0 or -EIO. */
int auth_token_hash(const char *token, char *out);
/*
 * Resolves an Authorization header ("Bearer <token>", NULL when absent). local is true for a
 * request on the admin Unix socket, which needs no token. 0 and *p filled, or -EACCES.
 */
int auth_resolve(struct store *s, const char *admin_hash_hex, bool local, const char *authorization,
		 struct auth_principal *p);
/* May p reach the subscription sub? (The admin reaches all.) */
bool auth_may_access(const struct auth_principal *p, const char *sub);

#endif
