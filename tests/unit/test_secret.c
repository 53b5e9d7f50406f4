/* SPDX-License-Identifier: MIT */
/* Unit tests for src/lib/secret: copies, concatenation, NULL-safety. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/secret.h"

Test(secret, dup_copies_bytes)
{
	static const uint8_t key[] = { 1, 2, 3, 4, 5 };
	struct secret *s = secret_dup(key, sizeof(key));

	cr_assert_not_null(s);
	cr_assert_eq(s->len, sizeof(key));
	cr_assert_arr_eq(s->data, key, sizeof(key));
	secret_free(s);
}

Test(secret, new_is_zeroed)
{
	struct secret *s = secret_new(64);
	size_t i;

	cr_assert_not_null(s);
	for (i = 0; i < s->len; i++)
		cr_assert_eq(s->data[i], 0);
	secret_free(s);
}

Test(secret, concat_joins_in_order)
{
	struct secret *a = secret_dup("ab", 2), *b = secret_dup("cde", 3), *c;

	c = secret_concat(a, b);
	cr_assert_not_null(c);
	cr_assert_eq(c->len, 5);
	cr_assert_arr_eq(c->data, "abcde", 5);
	secret_free(a);
	secret_free(b);
	secret_free(c);
}

Test(secret, free_null_and_empty)
{
	secret_free(NULL);
	secret_free(secret_new(0));
	secret_wipe(NULL, 10);
}

Test(secret, wipe_clears_memory)
{
	uint8_t k[16];

	memset(k, 0xa5, sizeof(k));
	secret_wipe(k, sizeof(k));
	for (size_t i = 0; i < sizeof(k); i++)
		cr_assert_eq(k[i], 0);
}
