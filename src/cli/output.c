/* SPDX-License-Identifier: MIT */
/*
 * output: an answer printed as indented JSON (az's default) or as a table with a column set per
 * resource type (az's "-o table": a header, a dashed rule, one row per resource). Strings from
 * the server reach the terminal only after control bytes are replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define CELL_MAX 512

json_t *cli_json_path(json_t *root, const char *path)
{
	const char *p = path;

	while (root && *p) {
		size_t len = strcspn(p, ".");
		char key[128];

		if (!json_is_object(root) || len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		root = json_object_get(root, key);
		p += len;
		if (*p == '.')
			p++;
	}
	return root;
}

void cli_sanitize(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (; *s && o + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* A scalar as az's table shows it: strings bare, booleans True/False, null empty. */
static void scalar_text(json_t *v, char *out, size_t outlen)
{
	char tmp[CELL_MAX];

	tmp[0] = '\0';
	if (json_is_string(v))
		snprintf(tmp, sizeof(tmp), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(tmp, sizeof(tmp), "%g", json_real_value(v));
	else if (json_is_true(v))
		snprintf(tmp, sizeof(tmp), "True");
	else if (json_is_false(v))
		snprintf(tmp, sizeof(tmp), "False");
	cli_sanitize(out, outlen, tmp);
}

static void str_append(char *out, size_t outlen, const char *s)
{
	size_t used = strlen(out), n = strlen(s);

	if (used + 1 >= outlen)
		return;
	if (n > outlen - used - 1)
		n = outlen - used - 1;
	memcpy(out + used, s, n);
	out[used + n] = '\0';
}

static void cell_append(char *out, size_t outlen, const char *sep, const char *s)
{
	if (*out)
		str_append(out, outlen, sep);
	str_append(out, outlen, s);
}

static void cell_text(json_t *row, const struct cli_column *col, char *out, size_t outlen)
{
	json_t *v = cli_json_path(row, col->path);
	char part[CELL_MAX];
	const char *key;
	json_t *item;
	size_t i;

	out[0] = '\0';
	switch (col->kind) {
	case CLI_COL_VALUE:
		if (json_is_array(v)) {
			json_array_foreach(v, i, item)
			{
				scalar_text(item, part, sizeof(part));
				cell_append(out, outlen, ", ", part);
			}
		} else {
			scalar_text(v, out, outlen);
		}
		break;
	case CLI_COL_RG:
		if (json_is_string(v) &&
		    cli_id_resource_group(json_string_value(v), part, sizeof(part)))
			cli_sanitize(out, outlen, part);
		break;
	case CLI_COL_COUNT:
		snprintf(out, outlen, "%zu", json_is_array(v) ? json_array_size(v) : (size_t)0);
		break;
	case CLI_COL_IDNAME:
		if (json_is_string(v)) {
			const char *s = json_string_value(v), *slash = strrchr(s, '/');

			cli_sanitize(out, outlen, slash ? slash + 1 : s);
		}
		break;
	case CLI_COL_KV:
		if (json_is_object(v)) {
			json_object_foreach(v, key, item)
			{
				char k[128], val[128], kv[260];

				cli_sanitize(k, sizeof(k), key);
				scalar_text(item, val, sizeof(val));
				snprintf(kv, sizeof(kv), "%s=%s", k, val);
				cell_append(out, outlen, ", ", kv);
			}
		}
		break;
	}
}

/* Display width: code points, so that UTF-8 names keep the columns straight. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

void cli_print_table(FILE *out, const struct cli_column *cols, json_t *rows, bool tsv)
{
	size_t ncols = 0, nrows = json_array_size(rows), c, r;
	size_t *width;
	char **cells;

	while (cols[ncols].header)
		ncols++;
	width = calloc(ncols, sizeof(*width));
	cells = calloc(ncols * (nrows ? nrows : 1), sizeof(*cells));
	if (!width || !cells)
		goto out;
	for (c = 0; c < ncols; c++)
		width[c] = text_width(cols[c].header);
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			char *cell = malloc(CELL_MAX);

			if (!cell)
				goto out;
			cell_text(json_array_get(rows, r), &cols[c], cell, CELL_MAX);
			cells[r * ncols + c] = cell;
			if (text_width(cell) > width[c])
				width[c] = text_width(cell);
		}
	}
	/* tsv: the cells alone, a tab between them, for scripts (az's -o tsv). */
	for (r = 0; tsv && r < nrows; r++) {
		for (c = 0; c < ncols; c++)
			fprintf(out, "%s%s", c ? "\t" : "", cells[r * ncols + c]);
		fputc('\n', out);
	}
	if (tsv)
		goto out;
	/* Columns two spaces apart, no trailing blanks, like az's tabulate output. */
	for (c = 0; c < ncols; c++) {
		fputs(cols[c].header, out);
		if (c + 1 < ncols)
			pad(out, width[c] - text_width(cols[c].header) + 2);
	}
	fputc('\n', out);
	for (c = 0; c < ncols; c++) {
		size_t i;

		for (i = 0; i < width[c]; i++)
			fputc('-', out);
		if (c + 1 < ncols)
			pad(out, 2);
	}
	fputc('\n', out);
	for (r = 0; r < nrows; r++) {
		size_t last = ncols;

		/* Trailing empty cells print nothing at all. */
		while (last > 0 && !*cells[r * ncols + last - 1])
			last--;
		for (c = 0; c < last; c++) {
			const char *cell = cells[r * ncols + c];

			fputs(cell, out);
			if (c + 1 < last)
				pad(out, width[c] - text_width(cell) + 2);
		}
		fputc('\n', out);
	}
out:
	if (cells)
		for (r = 0; r < ncols * nrows; r++)
			free(cells[r]);
	free(cells);
	free(width);
}

/* Answers without a view of their own: every scalar member a column. */
static void print_generic(FILE *out, json_t *rows, bool tsv)
{
	struct cli_column cols[32];
	json_t *first = json_array_get(rows, 0), *v;
	const char *key;
	size_t n = 0;

	json_object_foreach(first, key, v)
	{
		if (n + 1 == sizeof(cols) / sizeof(cols[0]))
			break;
		if (json_is_object(v) || json_is_array(v))
			continue;
		cols[n].header = key;
		cols[n].path = key;
		cols[n].kind = CLI_COL_VALUE;
		n++;
	}
	cols[n].header = NULL;
	if (n > 0)
		cli_print_table(out, cols, rows, tsv);
}

int cli_print(FILE *out, enum cli_output fmt, const struct cli_view *view, json_t *answer)
{
	json_t *rows;

	if (fmt == CLI_OUTPUT_NONE)
		return 0;
	if (fmt == CLI_OUTPUT_JSON) {
		if (json_dumpf(answer, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY))
			return -1;
		fputc('\n', out);
		return 0;
	}
	if (json_is_array(answer)) {
		rows = json_incref(answer);
	} else if (json_is_object(answer)) {
		rows = json_array();
		json_array_append(rows, answer);
	} else {
		char text[CELL_MAX];

		scalar_text(answer, text, sizeof(text));
		fprintf(out, "%s\n", text);
		return 0;
	}
	if (view)
		cli_print_table(out, view->cols, rows, fmt == CLI_OUTPUT_TSV);
	else
		print_generic(out, rows, fmt == CLI_OUTPUT_TSV);
	json_decref(rows);
	return 0;
}
