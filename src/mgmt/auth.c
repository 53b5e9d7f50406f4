/* SPDX-License-Identifier: MIT */
/*
 * auth: bearer tokens (RFC 6750 2.1 header form) checked against SHA-256 digests: the admin's
 * kept in memory, the tenants' in the store. Digests are compared in constant time. A token that
 * matches nothing gets the same answer whatever it resembles.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mgmt/auth.h"
#include "mgmt/store/store.h"

int auth_token_hash(const char *token, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL) || len != 32)
		return -EIO;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int auth_resolve(struct store *s, const char *admin_hash_hex, bool local, const char *authorization,
		 struct auth_principal *p)
{
	char hash[AUTH_HASH_HEX_LEN + 1];
	const char *token;
	int r;

	memset(p, 0, sizeof(*p));
	if (local) {
		p->admin = p->local = true;
		return 0;
	}
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return -EACCES;
	token = authorization + 7;
	while (*token == ' ')
		token++;
	if (!*token || strlen(token) > 512 || auth_token_hash(token, hash) != 0)
		return -EACCES;
	memcpy(p->hash, hash, sizeof(p->hash));
	if (admin_hash_hex && strlen(admin_hash_hex) == AUTH_HASH_HEX_LEN &&
	    CRYPTO_memcmp(hash, admin_hash_hex, AUTH_HASH_HEX_LEN) == 0) {
		p->admin = true;
		return 0;
	}
	/* The store looks the digest up by equality: its timing tells nothing of a token. A
	 * revoked token is no longer there, from the next request on. */
	r = store_token_find(s, hash, p->sub, sizeof(p->sub), p->token_id, sizeof(p->token_id));
	if (r == 0)
		return 0;
	memset(p, 0, sizeof(*p));
	/* A store that cannot answer is not a refusal of the token. */
	return r == -ENOENT ? -EACCES : r;
}

bool auth_may_access(const struct auth_principal *p, const char *sub)
{
	return p->admin || strcasecmp(p->sub, sub) == 0;
}
