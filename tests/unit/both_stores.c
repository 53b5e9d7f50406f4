/* SPDX-License-Identifier: MIT */
/*
 * both_stores: the store a test of both backends runs on (both_stores.h).
 */
#include "unit/both_stores.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "support/etcd.h"

static struct etcd_proc etcd;

void test_store_open(const char *dir, bool on_etcd, char *url, size_t n, struct store **out)
{
	if (on_etcd) {
		cr_assert_eq(etcd_proc_start(&etcd, dir), 0, "%s", etcd.why);
		snprintf(url, n, "%s", etcd.url);
	} else {
		snprintf(url, n, "sqlite:%s/vnetgw.db", dir);
	}
	cr_assert_eq(store_open_url(url, out), 0, "%s", url);
}

bool test_store_etcd(void)
{
	return etcd.pid > 0;
}

int test_store_version(void)
{
	return test_store_etcd() ? 1 : 2;
}

void test_store_stop(void)
{
	etcd_proc_stop(&etcd);
}
