/* SPDX-License-Identifier: MIT */
/* Unit tests for src/lib/prom: families, labels escaped, values, an empty text. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prom.h"

Test(prom, a_family_with_escaped_labels)
{
	struct prom m = {0};
	struct prom_label l[] = {{"connection", "a\"b\\c\nd"}, {"remote_ip", "198.51.100.2"}};
	size_t len;
	char *t;

	prom_family(&m, "vnetgw_x_total", PROM_COUNTER, "Bytes\\in\nout.");
	prom_u64(&m, "vnetgw_x_total", l, 2, 18446744073709551615ull);
	prom_family(&m, "vnetgw_y", PROM_GAUGE, "A gauge.");
	prom_f64(&m, "vnetgw_y", NULL, 0, 0.5);
	prom_f64(&m, "vnetgw_y", l, 1, NAN);
	t = prom_done(&m, &len);
	cr_assert_not_null(t);
	cr_assert_eq(strlen(t), len);
	cr_assert_str_eq(t, "# HELP vnetgw_x_total Bytes\\\\in\\nout.\n"
			    "# TYPE vnetgw_x_total counter\n"
			    "vnetgw_x_total{connection=\"a\\\"b\\\\c\\nd\",remote_ip=\"198.51.100.2\"} "
			    "18446744073709551615\n"
			    "# HELP vnetgw_y A gauge.\n"
			    "# TYPE vnetgw_y gauge\n"
			    "vnetgw_y 0.5\n"
			    "vnetgw_y{connection=\"a\\\"b\\\\c\\nd\"} NaN\n");
	free(t);
}

Test(prom, nothing_written_is_an_empty_text)
{
	struct prom m = {0};
	size_t len = 7;
	char *t = prom_done(&m, &len);

	cr_assert_not_null(t);
	cr_assert_str_eq(t, "");
	cr_assert_eq(len, 0);
	free(t);
}

Test(prom, large_texts_grow)
{
	struct prom m = {0};
	struct prom_label l[] = {{"i", "0123456789012345678901234567890123456789"}};
	char *t;

	prom_family(&m, "vnetgw_z", PROM_GAUGE, "Many.");
	for (int i = 0; i < 10000; i++)
		prom_u64(&m, "vnetgw_z", l, 1, (uint64_t)i);
	t = prom_done(&m, NULL);
	cr_assert_not_null(t);
	cr_assert(strstr(t, " 9999\n"));
	free(t);
}
