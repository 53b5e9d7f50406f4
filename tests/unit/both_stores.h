/* SPDX-License-Identifier: MIT */
/*
 * Store tests on both backends: BOTH_STORES_TEST(suite, name) defines the test in `suite` (the
 * SQLite store) and in `suite_etcd` (a real etcd, tests/support/etcd.h), whose .init opens the
 * store with test_store_open(dir, true, ...). One etcd per test process (Criterion forks each
 * test), started in the test's directory and stopped by test_store_stop.
 */
#ifndef VNETGW_TESTS_UNIT_BOTH_STORES_H
#define VNETGW_TESTS_UNIT_BOTH_STORES_H

#include <stdbool.h>
#include <stddef.h>

#include "mgmt/store/store.h"

#define BOTH_STORES_TEST(suite, name)                                                              \
	static void t_##name(void);                                                                \
	Test(suite, name)                                                                          \
	{                                                                                          \
		t_##name();                                                                        \
	}                                                                                          \
	Test(suite##_etcd, name)                                                                   \
	{                                                                                          \
		t_##name();                                                                        \
	}                                                                                          \
	static void t_##name(void)

/* Opens a new store in dir: SQLite (dir/vnetgw.db) or an etcd started there. url (n bytes)
 * gets what store_open_url opens it again with. Asserts. */
void test_store_open(const char *dir, bool etcd, char *url, size_t n, struct store **out);
/* Whether this test process runs on etcd. */
bool test_store_etcd(void);
/* The layout or schema version a new store of this backend has. */
int test_store_version(void);
/* Stops the etcd it started, if any. */
void test_store_stop(void);

#endif
