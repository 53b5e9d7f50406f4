/* SPDX-License-Identifier: MIT */
/*
 * request: building API requests without I/O — ARM paths with percent-encoded segments (RFC 3986
 * 3.3), references resolved to full resource ids in the caller's resource group as az does,
 * the api-version query, and the {location, tags, properties} envelope of a PUT body.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* RFC 3986 2.3 unreserved characters, plus the parentheses ARM names may hold. */
static bool seg_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '(' || c == ')';
}

static char *pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s), i, o = 0;
	char *out = malloc(3 * len + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (seg_char_ok(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

int cli_path_append(char **path, const char *segment)
{
	char *enc = pct_encode(segment);
	size_t old = *path ? strlen(*path) : 0;
	char *p;

	if (!enc)
		return -ENOMEM;
	p = realloc(*path, old + 1 + strlen(enc) + 1);
	if (!p) {
		free(enc);
		return -ENOMEM;
	}
	p[old] = '/';
	strcpy(p + old + 1, enc);
	free(enc);
	*path = p;
	return 0;
}

char *cli_arm_path(const char *sub, const char *rg, const char *type, const char *name,
		   const char *child_type, const char *child)
{
	const char *seg[10];
	char *path = NULL;
	size_t n = 0, i;

	seg[n++] = "subscriptions";
	seg[n++] = sub;
	if (rg) {
		seg[n++] = "resourceGroups";
		seg[n++] = rg;
	}
	seg[n++] = "providers";
	seg[n++] = "Microsoft.Network";
	seg[n++] = type;
	if (name)
		seg[n++] = name;
	if (name && child_type) {
		seg[n++] = child_type;
		if (child)
			seg[n++] = child;
	}
	for (i = 0; i < n; i++) {
		if (cli_path_append(&path, seg[i])) {
			free(path);
			return NULL;
		}
	}
	return path;
}

char *cli_resource_id(const char *sub, const char *rg, const char *type, const char *name_or_id)
{
	char *id = NULL;

	if (name_or_id[0] == '/')
		return strdup(name_or_id);
	/* A name holding '/' makes an id of the wrong shape, which the API refuses. */
	if (asprintf(&id, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/%s/%s",
		     sub, rg, type, name_or_id) < 0)
		return NULL;
	return id;
}

bool cli_id_resource_group(const char *id, char *out, size_t outlen)
{
	static const char key[] = "/resourcegroups/";
	const char *p;
	size_t len;

	if (outlen == 0)
		return false;
	for (p = id; *p; p++)
		if (strncasecmp(p, key, sizeof(key) - 1) == 0)
			break;
	if (!*p)
		return false;
	p += sizeof(key) - 1;
	len = strcspn(p, "/");
	if (len == 0 || len >= outlen)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

int cli_req_add_query(struct cli_req *req, const char *key, const char *value)
{
	char *v;

	if (req->nquery == CLI_MAX_QUERY)
		return -ENOSPC;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	req->query[req->nquery].key = key;
	req->query[req->nquery].value = v;
	req->nquery++;
	return 0;
}

int cli_req_tenant(const struct cli_ctx *ctx, struct cli_req *req, const char *method)
{
	if (!ctx->subscription || !*ctx->subscription) {
		fprintf(ctx->err, "ERROR: no subscription: pass --subscription ID or set "
				  "VNETGW_SUBSCRIPTION\n");
		return CLI_EXIT_USAGE;
	}
	req->method = method;
	req->admin = false;
	if (cli_req_add_query(req, "api-version", CLI_API_VERSION)) {
		fprintf(ctx->err, "ERROR: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	return 0;
}

void cli_req_admin(struct cli_req *req, const char *method, const char *path)
{
	req->method = method;
	req->admin = true;
	free(req->path);
	req->path = strdup(path);
}

void cli_req_clear(struct cli_req *req)
{
	size_t i;

	free(req->path);
	for (i = 0; i < req->nquery; i++)
		free(req->query[i].value);
	json_decref(req->body);
	memset(req, 0, sizeof(*req));
}

json_t *cli_json_strings(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

json_t *cli_json_child(json_t *parent, const char *key)
{
	json_t *c = json_object_get(parent, key);

	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(parent, key, c);
	}
	return c;
}

json_t *cli_tags_new(const struct cli_args *a, FILE *err)
{
	size_t n, i;
	const char *const *tags = cli_arg_list(a, "--tags", &n);
	json_t *obj = json_object();

	for (i = 0; obj && i < n; i++) {
		const char *eq = strchr(tags[i], '=');
		char *key;

		if (!*tags[i])
			continue; /* --tags "": an empty set, as az clears them */
		key = eq ? strndup(tags[i], (size_t)(eq - tags[i])) : strdup(tags[i]);

		if (!key || !*key) {
			fprintf(err, "ERROR: argument --tags: '%s' is not key=value\n", tags[i]);
			free(key);
			json_decref(obj);
			return NULL;
		}
		json_object_set_new(obj, key, json_string(eq ? eq + 1 : ""));
		free(key);
	}
	return obj;
}

json_t *cli_envelope_new(const struct cli_args *a, json_t **props, FILE *err)
{
	json_t *res = json_object();

	*props = json_object();
	json_object_set_new(res, "location",
			    json_string(cli_arg_str_or(a, "--location", CLI_DEFAULT_LOCATION)));
	if (cli_arg_set(a, "--tags")) {
		json_t *tags = cli_tags_new(a, err);

		if (!tags) {
			json_decref(res);
			json_decref(*props);
			*props = NULL;
			return NULL;
		}
		json_object_set_new(res, "tags", tags);
	}
	json_object_set_new(res, "properties", *props);
	return res;
}

int cli_build_named(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		    const char *method, const char *type)
{
	int rc = cli_req_tenant(ctx, req, method);

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"), type,
				 cli_arg_str(a, "--name"), NULL, NULL);
	if (!strcmp(method, "DELETE"))
		req->answer = CLI_ANSWER_NONE;
	return 0;
}

int cli_build_list(const struct cli_ctx *ctx, const struct cli_args *a, struct cli_req *req,
		   const char *type)
{
	int rc = cli_req_tenant(ctx, req, "GET");

	if (rc)
		return rc;
	req->path = cli_arm_path(ctx->subscription, cli_arg_str(a, "--resource-group"), type, NULL,
				 NULL, NULL);
	req->answer = CLI_ANSWER_LIST;
	return 0;
}

int cli_update_tags(const struct cli_args *a, json_t *res, FILE *err)
{
	json_t *tags;

	if (!cli_arg_set(a, "--tags"))
		return 0;
	tags = cli_tags_new(a, err);
	if (!tags)
		return CLI_EXIT_USAGE;
	json_object_set_new(res, "tags", tags);
	return 0;
}
