/* SPDX-License-Identifier: MIT */
/*
 * secret: wiped-on-free key storage. mlock keeps keys out of swap where the limit allows; a
 * failure to lock is not an error (the key is still wiped).
 */
#include "lib/secret.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct secret *secret_new(size_t len)
{
	struct secret *s;

	if (len > SIZE_MAX - sizeof(*s))
		return NULL;
	s = calloc(1, sizeof(*s) + len);
	if (!s)
		return NULL;
	s->len = len;
	(void)mlock(s, sizeof(*s) + len);
	return s;
}

struct secret *secret_dup(const void *p, size_t len)
{
	struct secret *s = secret_new(len);

	if (s && len)
		memcpy(s->data, p, len);
	return s;
}

struct secret *secret_concat(const struct secret *a, const struct secret *b)
{
	struct secret *s;

	if (a->len > SIZE_MAX - sizeof(*s) - b->len)
		return NULL;
	s = secret_new(a->len + b->len);
	if (!s)
		return NULL;
	if (a->len)
		memcpy(s->data, a->data, a->len);
	if (b->len)
		memcpy(s->data + a->len, b->data, b->len);
	return s;
}

void secret_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

void secret_free(struct secret *s)
{
	size_t total;

	if (!s)
		return;
	total = sizeof(*s) + s->len;
	OPENSSL_cleanse(s, total);
	(void)munlock(s, total);
	free(s);
}
