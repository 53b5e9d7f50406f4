/* SPDX-License-Identifier: MIT */
#include "lib/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void prom_add(struct prom *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void prom_add(struct prom *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->oom)
		return;
	for (;;) {
		size_t room = m->cap - m->len;

		va_start(ap, fmt);
		n = vsnprintf(m->p ? m->p + m->len : NULL, m->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			m->oom = true;
			return;
		}
		if (m->p && (size_t)n < room) {
			m->len += (size_t)n;
			return;
		}
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->len + (size_t)n + 1)
			cap *= 2;
		char *p = realloc(m->p, cap);
		if (!p) {
			m->oom = true;
			return;
		}
		m->p = p;
		m->cap = cap;
	}
}

/* HELP text escapes \ and newline; label values also ". */
static void prom_escaped(struct prom *m, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			prom_add(m, "\\\\");
		else if (*s == '\n')
			prom_add(m, "\\n");
		else if (quote && *s == '"')
			prom_add(m, "\\\"");
		else
			prom_add(m, "%c", *s);
	}
}

void prom_family(struct prom *m, const char *name, enum prom_type type, const char *help)
{
	prom_add(m, "# HELP %s ", name);
	prom_escaped(m, help, false);
	prom_add(m, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
}

static void prom_labels(struct prom *m, const char *name, const struct prom_label *l, size_t n)
{
	prom_add(m, "%s", name);
	if (!n)
		return;
	prom_add(m, "{");
	for (size_t i = 0; i < n; i++) {
		prom_add(m, "%s%s=\"", i ? "," : "", l[i].name);
		prom_escaped(m, l[i].value ? l[i].value : "", true);
		prom_add(m, "\"");
	}
	prom_add(m, "}");
}

void prom_u64(struct prom *m, const char *name, const struct prom_label *l, size_t n, uint64_t v)
{
	prom_labels(m, name, l, n);
	prom_add(m, " %llu\n", (unsigned long long)v);
}

void prom_f64(struct prom *m, const char *name, const struct prom_label *l, size_t n, double v)
{
	prom_labels(m, name, l, n);
	if (isnan(v))
		prom_add(m, " NaN\n");
	else if (isinf(v))
		prom_add(m, " %s\n", v > 0 ? "+Inf" : "-Inf");
	else
		prom_add(m, " %.17g\n", v);
}

char *prom_done(struct prom *m, size_t *len)
{
	char *p = m->oom ? NULL : m->p;

	if (m->oom)
		free(m->p);
	else if (!p)
		p = calloc(1, 1); /* nothing written: a valid, empty text */
	if (len)
		*len = p ? m->len : 0;
	memset(m, 0, sizeof(*m));
	return p;
}

void prom_free(struct prom *m)
{
	free(m->p);
	memset(m, 0, sizeof(*m));
}
