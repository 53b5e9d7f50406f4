/* SPDX-License-Identifier: MIT */
/*
 * cli: the vnetgw command-line client's shared types. A command is a row in a group's table: its
 * flags, a pure builder from parsed flags to one API request (method, path, query, body), an
 * optional read-modify-write step and the view (table columns) its answer is printed with.
 * docs/api.md is the contract the requests follow.
 */
#ifndef VNETGW_CLI_CLI_H
#define VNETGW_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_API_VERSION	     "2018-11-01"
#define CLI_DEFAULT_SERVER   "http://127.0.0.1:8480"
#define CLI_DEFAULT_LOCATION "local"

/* Exit codes, as az uses them: 1 an error answer or transport failure, 2 a usage error, 3 a
 * GET of something that does not exist. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOT_FOUND = 3,
};

enum cli_flag_kind {
	CLI_FLAG_STR,	 /* --name VALUE */
	CLI_FLAG_LIST,	 /* --address-prefixes A B C (repeatable; values up to the next flag) */
	CLI_FLAG_INT,	 /* --asn 65010 (decimal, range-checked against min/max) */
	CLI_FLAG_BOOL,	 /* --enable-bgp [true|false] */
	CLI_FLAG_SWITCH, /* --help: no value */
};

#define CLI_REQUIRED 0x1u

struct cli_flag {
	const char *name;  /* "--resource-group" */
	const char *alias; /* "-g", or NULL */
	enum cli_flag_kind kind;
	unsigned int opts;   /* CLI_REQUIRED */
	const char *choices; /* space-separated allowed values of a STR flag, or NULL */
	long long min, max;  /* bounds of an INT flag */
	const char *help;    /* one line */
};

#define CLI_FLAG_END                                                                               \
	{                                                                                          \
		NULL, NULL, CLI_FLAG_STR, 0, NULL, 0, 0, NULL                                      \
	}

struct cli_value {
	bool set;
	const char *str;   /* STR, INT (as given), BOOL ("true"/"false") */
	const char **list; /* LIST: owned array of borrowed argv strings */
	size_t n;	   /* LIST: number of values */
	long long num;	   /* INT */
	bool on;	   /* BOOL, SWITCH */
};

#define CLI_MAX_FLAGS 48

/* Parsed flags: each flag of the command's table and of the global table, and its value. */
struct cli_args {
	const struct cli_flag *flag[CLI_MAX_FLAGS];
	struct cli_value val[CLI_MAX_FLAGS];
	size_t n;
	const char *cmd_path; /* "vnet create", for messages */
};

/* Where a command's answer is shown and how. */
enum cli_col_kind {
	CLI_COL_VALUE,	/* the scalar at path; an array of scalars joined with ", " */
	CLI_COL_RG,	/* the resource group, from the "id" at path */
	CLI_COL_COUNT,	/* the length of the array at path */
	CLI_COL_IDNAME, /* the last segment of the resource id at path */
	CLI_COL_KV,	/* an object at path as "k=v, k=v" */
};

struct cli_column {
	const char *header;
	const char *path; /* dotted: "properties.sku.name" */
	enum cli_col_kind kind;
};

struct cli_view {
	const struct cli_column *cols; /* terminated by { NULL } */
};

/* What the answer holds. */
enum cli_answer {
	CLI_ANSWER_OBJECT, /* a resource (or other object); printed as is */
	CLI_ANSWER_LIST, /* {"value":[…],"nextLink":…}: pages are followed, the array printed */
	CLI_ANSWER_NONE, /* delete, reset: nothing printed on success */
	CLI_ANSWER_TEXT, /* a document (device configuration): printed raw */
};

/* One API request, built from the flags alone (no I/O). */
#define CLI_MAX_QUERY 4
struct cli_req {
	const char *method;
	char *path; /* owned, percent-encoded */
	struct {
		const char *key;
		char *value; /* owned */
	} query[CLI_MAX_QUERY];
	size_t nquery;
	json_t *body; /* owned, or NULL */
	bool admin;   /* an operator endpoint: the admin socket if given, no api-version */
	enum cli_answer answer;
};

/* Global settings: flags and the environment. */
enum cli_output {
	CLI_OUTPUT_JSON,
	CLI_OUTPUT_TABLE,
	CLI_OUTPUT_TSV,	 /* the table's cells, tab-separated, no header */
	CLI_OUTPUT_NONE, /* nothing (the exit code says it all) */
};

struct cli_ctx {
	const char *subscription;
	const char *server;
	const char *token;
	const char *admin_socket;
	enum cli_output output;
	bool dry_run;
	FILE *out;
	FILE *err;
};

struct cli_cmd {
	const char *name;
	const char *summary;
	const struct cli_flag *flags; /* terminated by CLI_FLAG_END */
	/* Fills req from the flags. 0, or CLI_EXIT_USAGE after printing why. */
	int (*build)(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req);
	/*
	 * Read-modify-write: the built request is a GET; modify changes the resource it answers
	 * in place and the CLI PUTs it back with If-Match on its etag. NULL for one request.
	 */
	int (*modify)(const struct cli_args *a, json_t *resource, FILE *err);
	/* The part of the answer to print (borrowed from it); NULL prints the whole answer. */
	json_t *(*pick)(json_t *answer);
	const struct cli_view *view;
	const char *example;
};

struct cli_group {
	const char *name;
	const char *summary;
	const struct cli_group *const *groups; /* NULL-terminated, or NULL */
	const struct cli_cmd *cmds;	       /* terminated by { NULL }, or NULL */
};

/* The command groups, one file each. */
extern const struct cli_group cli_group_root;
extern const struct cli_group cli_group_vnet;
extern const struct cli_group cli_group_public_ip;
extern const struct cli_group cli_group_vnet_gateway;
extern const struct cli_group cli_group_local_gateway;
extern const struct cli_group cli_group_vpn_connection;
extern const struct cli_group cli_group_admin;

/* The flags every command takes (--subscription, --output, --server, --token, ...). */
extern const struct cli_flag cli_global_flags[];

/* Flags most commands share, spelled as az spells them. */
#define CLI_FLAG_RG_REQ                                                                            \
	{                                                                                          \
		"--resource-group", "-g", CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0,                  \
			"Name of the resource group."                                              \
	}
#define CLI_FLAG_RG_LIST                                                                           \
	{                                                                                          \
		"--resource-group", "-g", CLI_FLAG_STR, 0, NULL, 0, 0,                             \
			"Name of the resource group; without it, the whole subscription is "       \
			"listed."                                                                  \
	}
#define CLI_FLAG_NAME_REQ(what)                                                                    \
	{                                                                                          \
		"--name", "-n", CLI_FLAG_STR, CLI_REQUIRED, NULL, 0, 0, "Name of the " what "."    \
	}
#define CLI_FLAG_LOCATION                                                                          \
	{                                                                                          \
		"--location", "-l", CLI_FLAG_STR, 0, NULL, 0, 0,                                   \
			"Location (default: " CLI_DEFAULT_LOCATION ")."                            \
	}
#define CLI_FLAG_TAGS                                                                              \
	{                                                                                          \
		"--tags", NULL, CLI_FLAG_LIST, 0, NULL, 0, 0,                                      \
			"Space-separated tags: key[=value]. \"\" clears existing tags."            \
	}

/* ---- args.c: flag parsing ------------------------------------------------------------------ */

/*
 * Parses argv (the words after the command) against the command's flags and the global flags.
 * Required flags are not checked here (--help must work without them): cli_args_check does.
 * 0, or CLI_EXIT_USAGE after printing the reason to err.
 */
int cli_args_parse(struct cli_args *a, const struct cli_flag *cmd_flags, int argc,
		   char *const *argv, FILE *err);
int cli_args_check(const struct cli_args *a, FILE *err);
void cli_args_clear(struct cli_args *a);

bool cli_arg_set(const struct cli_args *a, const char *name);
/* The value of a STR/INT/BOOL flag as given, or NULL when absent. */
const char *cli_arg_str(const struct cli_args *a, const char *name);
const char *cli_arg_str_or(const struct cli_args *a, const char *name, const char *def);
long long cli_arg_int(const struct cli_args *a, const char *name);
bool cli_arg_bool(const struct cli_args *a, const char *name);
/* The values of a LIST flag (n = 0 when absent). */
const char *const *cli_arg_list(const struct cli_args *a, const char *name, size_t *n);

/* ---- request.c: paths, ids and bodies ------------------------------------------------------- */

/* Appends one percent-encoded path segment ("/seg") to *path (reallocated). 0 or -ENOMEM. */
int cli_path_append(char **path, const char *segment);
/*
 * The ARM path of a resource: /subscriptions/{sub}/resourceGroups/{rg}/providers/
 * Microsoft.Network/{type}/{name}[/{child_type}/{child}]. rg NULL: the subscription-wide list
 * path of type. name NULL: the list path. Returns a new string, or NULL on allocation failure.
 */
char *cli_arm_path(const char *sub, const char *rg, const char *type, const char *name,
		   const char *child_type, const char *child);
/*
 * A reference flag's value as a full resource id: a value starting with '/' is taken as an id
 * already (az accepts both), a name is resolved in the same subscription and resource group.
 */
char *cli_resource_id(const char *sub, const char *rg, const char *type, const char *name_or_id);
/* The resource group named by an ARM id, copied into out; false if there is none. */
bool cli_id_resource_group(const char *id, char *out, size_t outlen);

/*
 * The common parts of a tenant request: the subscription (from the flag or environment; a usage
 * error if neither), the api-version query. 0 or CLI_EXIT_USAGE.
 */
int cli_req_tenant(const struct cli_ctx *ctx, struct cli_req *req, const char *method);
void cli_req_admin(struct cli_req *req, const char *method, const char *path);
int cli_req_add_query(struct cli_req *req, const char *key, const char *value);
void cli_req_clear(struct cli_req *req);
/*
 * The usual builders: method on the resource named by -g and -n of type; the list of type in -g
 * (or the subscription). 0 or an exit code after printing why.
 */
int cli_build_named(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		    const char *method, const char *type);
int cli_build_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		   const char *type);

/* A resource envelope {"location", "tags"?, "properties":{}}: location from -l, tags from --tags
 * ("k=v" words; "k" alone is an empty value). Returns the new object (its properties borrowed
 * through *props), or NULL after printing why. */
json_t *cli_envelope_new(const struct cli_args *a, json_t **props, FILE *err);
/* --tags as an object, or NULL after printing why. */
json_t *cli_tags_new(const struct cli_args *a, FILE *err);
/* parent[key] as an object, created (or replacing a non-object) when absent; borrowed. */
json_t *cli_json_child(json_t *parent, const char *key);
/* For updates: --tags, when given, replaces the resource's tags. 0 or CLI_EXIT_USAGE. */
int cli_update_tags(const struct cli_args *a, json_t *res, FILE *err);
/* A JSON array of the LIST flag's strings. */
json_t *cli_json_strings(const char *const *v, size_t n);

/* ---- output.c: json and table ---------------------------------------------------------------- */

/* The value at a dotted path ("properties.sku.name"), borrowed; NULL when absent. */
json_t *cli_json_path(json_t *root, const char *path);
/* Prints an answer (an object, or an array of them) as JSON or as a table with view's columns. */
int cli_print(FILE *out, enum cli_output fmt, const struct cli_view *view, json_t *answer);
/* Writes the table of rows (objects) to out, or with tsv only their cells, tab-separated. */
void cli_print_table(FILE *out, const struct cli_column *cols, json_t *rows, bool tsv);
/* Copies s into out making it safe for a terminal: control bytes become '?'. */
void cli_sanitize(char *out, size_t outlen, const char *s);

/* ---- help.c: usage text -------------------------------------------------------------------- */

void cli_help_group(FILE *out, const char *path, const struct cli_group *g);
void cli_help_cmd(FILE *out, const char *path, const struct cli_cmd *c);
/* The closest of the names to word (for "did you mean"), or NULL when none is close. */
const char *cli_suggest(const char *word, const char *const *names, size_t n);

#endif
