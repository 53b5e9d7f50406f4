/* SPDX-License-Identifier: MIT */
/*
 * prom: the Prometheus text exposition format (version 0.0.4) written into a growing buffer:
 * a metric family's # HELP and # TYPE lines, then its samples with escaped label values.
 * Families must be written whole, one after the other (the format wants them contiguous).
 * Out of memory is sticky: the text is dropped and prom_done says so.
 */
#ifndef VNETGW_LIB_PROM_H
#define VNETGW_LIB_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom {
	char *p;
	size_t len, cap;
	bool oom;
};

struct prom_label {
	const char *name; /* [a-zA-Z_][a-zA-Z0-9_]* (the caller's constant) */
	const char *value; /* any text: escaped */
};

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
};

void prom_family(struct prom *m, const char *name, enum prom_type type, const char *help);
void prom_u64(struct prom *m, const char *name, const struct prom_label *l, size_t n, uint64_t v);
void prom_f64(struct prom *m, const char *name, const struct prom_label *l, size_t n, double v);
/* The text (NUL-terminated, the caller's to free) or NULL without memory; m is reset. */
char *prom_done(struct prom *m, size_t *len);
void prom_free(struct prom *m);

#endif
