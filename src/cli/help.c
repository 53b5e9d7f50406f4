/* SPDX-License-Identifier: MIT */
/*
 * help: the --help text of every group and command (laid out like az's: the command, its
 * arguments with one line each, the global arguments, an example) and "did you mean" for a
 * mistyped name.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_help_group(FILE *out, const char *path, const struct cli_group *g)
{
	size_t i, w = 0;

	fprintf(out, "Group\n    %s : %s\n", path, g->summary);
	for (i = 0; g->groups && g->groups[i]; i++)
		if (strlen(g->groups[i]->name) > w)
			w = strlen(g->groups[i]->name);
	for (i = 0; g->cmds && g->cmds[i].name; i++)
		if (strlen(g->cmds[i].name) > w)
			w = strlen(g->cmds[i].name);
	if (g->groups && g->groups[0]) {
		fprintf(out, "\nSubgroups:\n");
		for (i = 0; g->groups[i]; i++)
			fprintf(out, "    %-*s : %s\n", (int)w, g->groups[i]->name,
				g->groups[i]->summary);
	}
	if (g->cmds && g->cmds[0].name) {
		fprintf(out, "\nCommands:\n");
		for (i = 0; g->cmds[i].name; i++)
			fprintf(out, "    %-*s : %s\n", (int)w, g->cmds[i].name,
				g->cmds[i].summary);
	}
	fprintf(out, "\nFor more specific help, use '%s <name> --help'.\n", path);
}

static void flag_usage(const struct cli_flag *f, char *buf, size_t len)
{
	const char *meta = "";

	switch (f->kind) {
	case CLI_FLAG_STR:
		meta = " VALUE";
		break;
	case CLI_FLAG_LIST:
		meta = " VALUE [VALUE ...]";
		break;
	case CLI_FLAG_INT:
		meta = " N";
		break;
	case CLI_FLAG_BOOL:
		meta = " [true|false]";
		break;
	case CLI_FLAG_SWITCH:
		break;
	}
	snprintf(buf, len, "%s%s%s%s", f->name, f->alias ? " " : "", f->alias ? f->alias : "",
		 meta);
}

static void print_flags(FILE *out, const char *title, const struct cli_flag *flags)
{
	size_t w = 0, i;
	char buf[128];

	for (i = 0; flags[i].name; i++) {
		flag_usage(&flags[i], buf, sizeof(buf));
		if (strlen(buf) > w)
			w = strlen(buf);
	}
	if (i == 0)
		return;
	fprintf(out, "\n%s\n", title);
	for (i = 0; flags[i].name; i++) {
		const struct cli_flag *f = &flags[i];

		flag_usage(f, buf, sizeof(buf));
		fprintf(out, "    %-*s : %s%s", (int)w, buf,
			f->opts & CLI_REQUIRED ? "[Required] " : "", f->help);
		if (f->choices)
			fprintf(out, " Allowed values: %s.", f->choices);
		fputc('\n', out);
	}
}

void cli_help_cmd(FILE *out, const char *path, const struct cli_cmd *c)
{
	fprintf(out, "Command\n    %s : %s\n", path, c->summary);
	print_flags(out, "Arguments", c->flags);
	print_flags(out, "Global Arguments", cli_global_flags);
	if (c->example)
		fprintf(out, "\nExamples\n    %s\n", c->example);
}

/* Levenshtein distance, capped: names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *cli_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, i; /* more than two edits away is no suggestion */

	for (i = 0; i < n; i++) {
		size_t d = distance(word, names[i]);

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}
