/* SPDX-License-Identifier: MIT */
/*
 * args: flag parsing for vnetgw commands, in az's (argparse's) manner: "--flag value",
 * "--flag=value", short aliases ("-g rg"), list flags that take every word up to the next flag,
 * booleans with an optional true/false, and argparse's messages for what goes wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"

static const char *flag_label(const struct cli_flag *f, char *buf, size_t len)
{
	if (f->alias)
		snprintf(buf, len, "%s/%s", f->name, f->alias);
	else
		snprintf(buf, len, "%s", f->name);
	return buf;
}

/* A word that is a flag rather than a value: "-x" or "--xyz" (a lone "-" is a value). */
static bool word_is_flag(const char *w)
{
	return w[0] == '-' && w[1] != '\0';
}

static int add_flags(struct cli_args *a, const struct cli_flag *flags)
{
	for (; flags && flags->name; flags++) {
		if (a->n == CLI_MAX_FLAGS)
			return -ENOSPC;
		a->flag[a->n] = flags;
		memset(&a->val[a->n], 0, sizeof(a->val[a->n]));
		a->n++;
	}
	return 0;
}

static ssize_t find_flag(const struct cli_args *a, const char *word, size_t wlen)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct cli_flag *f = a->flag[i];

		if (strlen(f->name) == wlen && strncmp(f->name, word, wlen) == 0)
			return (ssize_t)i;
		if (f->alias && strlen(f->alias) == wlen && strncmp(f->alias, word, wlen) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static bool choice_ok(const char *choices, const char *v)
{
	const char *p = choices;
	size_t vlen = strlen(v);

	while (*p) {
		size_t len = strcspn(p, " ");

		if (len == vlen && strncmp(p, v, len) == 0)
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static int set_scalar(struct cli_args *a, size_t i, const char *v, FILE *err)
{
	const struct cli_flag *f = a->flag[i];
	struct cli_value *val = &a->val[i];
	char label[64];

	if (f->kind == CLI_FLAG_INT) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end != '\0') {
			fprintf(err, "ERROR: argument %s: invalid integer value: '%s'\n",
				flag_label(f, label, sizeof(label)), v);
			return CLI_EXIT_USAGE;
		}
		if (n < f->min || n > f->max) {
			fprintf(err, "ERROR: argument %s: %lld is out of range (%lld to %lld)\n",
				flag_label(f, label, sizeof(label)), n, f->min, f->max);
			return CLI_EXIT_USAGE;
		}
		val->num = n;
	} else if (f->kind == CLI_FLAG_BOOL) {
		if (strcasecmp(v, "true") == 0) {
			val->on = true;
		} else if (strcasecmp(v, "false") == 0) {
			val->on = false;
		} else {
			fprintf(err,
				"ERROR: argument %s: invalid choice: '%s' (choose from 'true', "
				"'false')\n",
				flag_label(f, label, sizeof(label)), v);
			return CLI_EXIT_USAGE;
		}
		v = val->on ? "true" : "false";
	} else if (f->choices && !choice_ok(f->choices, v)) {
		fprintf(err, "ERROR: argument %s: invalid choice: '%s' (choose from: %s)\n",
			flag_label(f, label, sizeof(label)), v, f->choices);
		return CLI_EXIT_USAGE;
	}
	val->set = true;
	val->str = v;
	return 0;
}

static int list_append(struct cli_value *val, const char *v)
{
	const char **list = realloc(val->list, (val->n + 1) * sizeof(*list));

	if (!list)
		return -ENOMEM;
	list[val->n++] = v;
	val->list = list;
	val->set = true;
	return 0;
}

int cli_args_parse(struct cli_args *a, const struct cli_flag *cmd_flags, int argc,
		   char *const *argv, FILE *err)
{
	int i = 0;

	a->n = 0;
	if (add_flags(a, cmd_flags) || add_flags(a, cli_global_flags)) {
		fprintf(err, "ERROR: internal: too many flags\n");
		return CLI_EXIT_ERROR;
	}
	while (i < argc) {
		const char *w = argv[i++];
		const char *eq = NULL, *inline_val = NULL;
		const struct cli_flag *f;
		struct cli_value *val;
		char label[64];
		size_t wlen;
		ssize_t k;
		int rc;

		if (!word_is_flag(w)) {
			fprintf(err,
				"ERROR: unrecognized argument: '%s' (values follow their flag; see "
				"'vnetgw %s --help')\n",
				w, a->cmd_path ? a->cmd_path : "");
			return CLI_EXIT_USAGE;
		}
		if (w[1] == '-')
			eq = strchr(w, '=');
		wlen = eq ? (size_t)(eq - w) : strlen(w);
		if (eq)
			inline_val = eq + 1;
		k = find_flag(a, w, wlen);
		if (k < 0) {
			fprintf(err,
				"ERROR: unrecognized argument: %.*s (see 'vnetgw %s --help')\n",
				(int)wlen, w, a->cmd_path ? a->cmd_path : "");
			return CLI_EXIT_USAGE;
		}
		f = a->flag[k];
		val = &a->val[k];
		flag_label(f, label, sizeof(label));

		switch (f->kind) {
		case CLI_FLAG_SWITCH:
			if (inline_val) {
				fprintf(err, "ERROR: argument %s: takes no value\n", label);
				return CLI_EXIT_USAGE;
			}
			val->set = val->on = true;
			break;
		case CLI_FLAG_BOOL:
			if (!inline_val && i < argc &&
			    (strcasecmp(argv[i], "true") == 0 || strcasecmp(argv[i], "false") == 0))
				inline_val = argv[i++];
			rc = set_scalar(a, (size_t)k, inline_val ? inline_val : "true", err);
			if (rc)
				return rc;
			break;
		case CLI_FLAG_LIST: {
			size_t before = val->n;

			if (inline_val && list_append(val, inline_val))
				goto nomem;
			while (i < argc && !word_is_flag(argv[i]))
				if (list_append(val, argv[i++]))
					goto nomem;
			if (val->n == before) {
				fprintf(err, "ERROR: argument %s: expected at least one argument\n",
					label);
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case CLI_FLAG_STR:
		case CLI_FLAG_INT:
			if (val->set) {
				fprintf(err, "ERROR: argument %s: given more than once\n", label);
				return CLI_EXIT_USAGE;
			}
			if (!inline_val) {
				if (i >= argc || word_is_flag(argv[i])) {
					fprintf(err, "ERROR: argument %s: expected one argument\n",
						label);
					return CLI_EXIT_USAGE;
				}
				inline_val = argv[i++];
			}
			rc = set_scalar(a, (size_t)k, inline_val, err);
			if (rc)
				return rc;
			break;
		}
	}
	return 0;
nomem:
	fprintf(err, "ERROR: out of memory\n");
	return CLI_EXIT_ERROR;
}

int cli_args_check(const struct cli_args *a, FILE *err)
{
	char missing[512] = "";
	size_t used = 0, i;

	for (i = 0; i < a->n; i++) {
		char label[64];
		int w;

		if (!(a->flag[i]->opts & CLI_REQUIRED) || a->val[i].set)
			continue;
		w = snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "",
			     flag_label(a->flag[i], label, sizeof(label)));
		if (w < 0 || (size_t)w >= sizeof(missing) - used)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		return 0;
	fprintf(err, "ERROR: the following arguments are required: %s (see 'vnetgw %s --help')\n",
		missing, a->cmd_path ? a->cmd_path : "");
	return CLI_EXIT_USAGE;
}

void cli_args_clear(struct cli_args *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->val[i].list);
		a->val[i].list = NULL;
	}
	a->n = 0;
}

static const struct cli_value *lookup(const struct cli_args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->flag[i]->name, name) == 0)
			return &a->val[i];
	/* A command asking for a flag it does not declare is a bug in its table. */
	fprintf(stderr, "vnetgw: internal error: flag %s is not declared by '%s'\n", name,
		a->cmd_path ? a->cmd_path : "?");
	abort();
}

bool cli_arg_set(const struct cli_args *a, const char *name)
{
	return lookup(a, name)->set;
}

const char *cli_arg_str(const struct cli_args *a, const char *name)
{
	const struct cli_value *v = lookup(a, name);

	return v->set ? v->str : NULL;
}

const char *cli_arg_str_or(const struct cli_args *a, const char *name, const char *def)
{
	const char *s = cli_arg_str(a, name);

	return s ? s : def;
}

long long cli_arg_int(const struct cli_args *a, const char *name)
{
	return lookup(a, name)->num;
}

bool cli_arg_bool(const struct cli_args *a, const char *name)
{
	return lookup(a, name)->on;
}

const char *const *cli_arg_list(const struct cli_args *a, const char *name, size_t *n)
{
	const struct cli_value *v = lookup(a, name);

	*n = v->n;
	return v->list;
}
