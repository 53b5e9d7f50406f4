/* SPDX-License-Identifier: MIT */
/*
 * vnetgw: the command-line client of the API (docs/api.md), mirroring `az network`. Finds the
 * command in the group tables, parses its flags, builds the request, sends it (following list
 * pages, or reading, changing and writing back a resource under If-Match) and prints the answer
 * or the API's error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/http.h"
#include "lib/version.h"

#define CLI_MAX_PAGES 1000

const struct cli_flag cli_global_flags[] = {
	{"--subscription", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "Subscription id (default: $VNETGW_SUBSCRIPTION)."},
	{"--output", "-o", CLI_FLAG_STR, 0, "json table tsv none", 0, 0,
	 "Output format (default: json; tsv: the table's cells, no header)."},
	{"--server", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "API URL (default: $VNETGW_SERVER or " CLI_DEFAULT_SERVER ")."},
	{"--token", NULL, CLI_FLAG_STR, 0, NULL, 0, 0, "Bearer token (default: $VNETGW_TOKEN)."},
	{"--admin-socket", NULL, CLI_FLAG_STR, 0, NULL, 0, 0,
	 "vnetgwd's admin Unix socket, used by admin commands instead of --server and --token "
	 "(default: $VNETGW_ADMIN_SOCKET)."},
	{"--dry-run", NULL, CLI_FLAG_SWITCH, 0, NULL, 0, 0,
	 "Print the request (method, path, query, body) as JSON instead of sending it."},
	{"--help", "-h", CLI_FLAG_SWITCH, 0, NULL, 0, 0, "Show this help and exit."},
	CLI_FLAG_END,
};

static const struct cli_group *const root_groups[] = {
	&cli_group_vnet,
	&cli_group_public_ip,
	&cli_group_vnet_gateway,
	&cli_group_local_gateway,
	&cli_group_vpn_connection,
	&cli_group_admin,
	NULL,
};

const struct cli_group cli_group_root = {
	.name = "vnetgw",
	.summary = "Manage vnetgw site-to-site VPN resources (the commands of az network).",
	.groups = root_groups,
};

/* ---- finding the command ------------------------------------------------------------------ */

static void unknown_name(FILE *err, const char *path, const struct cli_group *g, const char *word)
{
	const char *names[64];
	size_t n = 0, i;
	const char *guess;

	for (i = 0; g->groups && g->groups[i] && n < 64; i++)
		names[n++] = g->groups[i]->name;
	for (i = 0; g->cmds && g->cmds[i].name && n < 64; i++)
		names[n++] = g->cmds[i].name;
	fprintf(err, "ERROR: '%s' is not in the '%s' command group.", word, path);
	guess = cli_suggest(word, names, n);
	if (guess)
		fprintf(err, " Did you mean '%s'?", guess);
	fprintf(err, "\nAvailable:");
	for (i = 0; i < n; i++)
		fprintf(err, "%s %s", i ? "," : "", names[i]);
	fprintf(err, ".\nSee '%s --help'.\n", path);
}

/* ---- sending ------------------------------------------------------------------------------- */

static char *req_target(const struct cli_req *req)
{
	char *text = NULL;
	size_t len, i;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fputs(req->path, f);
	for (i = 0; i < req->nquery; i++) {
		const char *v = req->query[i].value;

		fprintf(f, "%c%s=", i ? '&' : '?', req->query[i].key);
		for (; *v; v++) {
			unsigned char c = (unsigned char)*v;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("-._~", c))
				fputc(c, f);
			else
				fprintf(f, "%%%02X", c);
		}
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* The error an answer carries, as az prints it: "(Code) Message" and the code, message, target. */
static void print_api_error(FILE *err, const struct http_response *resp)
{
	json_t *root = json_loadb((const char *)resp->body, resp->body_len, 0, NULL);
	json_t *e = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *target = json_string_value(json_object_get(e, "target"));
	char c[256], m[1024], t[256];

	if (code) {
		cli_sanitize(c, sizeof(c), code);
		cli_sanitize(m, sizeof(m), msg ? msg : "");
		fprintf(err, "ERROR: (%s) %s\nCode: %s\nMessage: %s\n", c, m, c, m);
		if (target && *target) {
			cli_sanitize(t, sizeof(t), target);
			fprintf(err, "Target: %s\n", t);
		}
	} else {
		char body[256];

		cli_sanitize(body, sizeof(body), resp->body ? (const char *)resp->body : "");
		fprintf(err, "ERROR: the server answered HTTP %d%s%s\n", resp->status,
			*body ? ": " : "", body);
	}
	if (resp->status == 401)
		fprintf(err, "Hint: pass --token or set VNETGW_TOKEN (admin commands: the admin "
			     "token, or --admin-socket).\n");
	json_decref(root);
}

/* Throttled answers are retried after their Retry-After, up to this often and this long. */
#define CLI_RETRY_ATTEMPTS 4
#define CLI_RETRY_MAX_S	   10

struct conn {
	struct http_endpoint ep;
	const char *token;
	FILE *err;
};

/* One exchange; a non-2xx answer is printed and turned into the exit code. */
static int send_one(const struct conn *c, const char *method, const char *target, json_t *body,
		    const char *if_match, struct http_response *resp)
{
	struct http_request hr = {
		.method = method, .target = target, .token = c->token, .if_match = if_match};
	char errbuf[512];
	char *text = NULL;
	int rc;

	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text) {
			fprintf(c->err, "ERROR: out of memory\n");
			return CLI_EXIT_ERROR;
		}
		hr.body = text;
		hr.body_len = strlen(text);
	}
	for (int attempt = 1;; attempt++) {
		rc = http_exchange(&c->ep, &hr, resp, errbuf, sizeof(errbuf));
		/* As az does: a throttled (429) or busy (503) answer that says when to come back
		 * is tried again then, a few times. */
		if (rc || (resp->status != 429 && resp->status != 503) || resp->retry_after < 0 ||
		    resp->retry_after > CLI_RETRY_MAX_S || attempt == CLI_RETRY_ATTEMPTS)
			break;
		fprintf(c->err, "WARNING: the server answered %d; trying again in %d s\n",
			resp->status, resp->retry_after);
		sleep((unsigned)resp->retry_after);
		http_response_clear(resp);
	}
	if (text)
		explicit_bzero(text, strlen(text)); /* it may hold a shared key */
	free(text);
	if (rc) {
		fprintf(c->err, "ERROR: %s\n", errbuf);
		return CLI_EXIT_ERROR;
	}
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	print_api_error(c->err, resp);
	if (resp->status == 404 && !strcmp(method, "GET"))
		return CLI_EXIT_NOT_FOUND;
	return CLI_EXIT_ERROR;
}

static json_t *parse_answer(const struct conn *c, const struct http_response *resp)
{
	json_error_t jerr;
	json_t *root;

	if (resp->body_len == 0)
		return json_object();
	root = json_loadb((const char *)resp->body, resp->body_len, 0, &jerr);
	if (!root) {
		char m[160];

		cli_sanitize(m, sizeof(m), jerr.text);
		fprintf(c->err, "ERROR: the server's answer is not JSON (%s at byte %d)\n", m,
			jerr.position);
	}
	return root;
}

/*
 * The path and query of a nextLink (absolute or not), without the server's prefix: pages are
 * fetched from the same server only, whatever host the link names, so the token goes nowhere
 * else.
 */
static char *next_target(const struct conn *c, const char *link)
{
	const char *p = link;
	size_t plen = strlen(c->ep.prefix);

	if (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8)) {
		p = strstr(p, "://") + 3;
		p += strcspn(p, "/");
	}
	if (*p != '/')
		return NULL;
	if (plen && !strncmp(p, c->ep.prefix, plen) && p[plen] == '/')
		p += plen;
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return NULL;
	return strdup(p);
}

static int fetch_list(const struct conn *c, const char *target, json_t **out)
{
	json_t *all = json_array();
	char *cur = strdup(target);
	int rc = 0, page;

	for (page = 0; cur && page < CLI_MAX_PAGES; page++) {
		struct http_response resp;
		json_t *root, *value;
		const char *link;
		char *next = NULL;

		rc = send_one(c, "GET", cur, NULL, NULL, &resp);
		if (rc) {
			http_response_clear(&resp);
			goto out;
		}
		root = parse_answer(c, &resp);
		http_response_clear(&resp);
		value = json_object_get(root, "value");
		if (!json_is_array(value)) {
			fprintf(c->err, "ERROR: the server's list answer has no \"value\" array\n");
			json_decref(root);
			rc = CLI_EXIT_ERROR;
			goto out;
		}
		json_array_extend(all, value);
		link = json_string_value(json_object_get(root, "nextLink"));
		if (link && *link) {
			next = next_target(c, link);
			if (!next || !strcmp(next, cur)) {
				fprintf(c->err, "ERROR: the server's nextLink is not usable\n");
				free(next);
				json_decref(root);
				rc = CLI_EXIT_ERROR;
				goto out;
			}
		}
		json_decref(root);
		free(cur);
		cur = next;
	}
	if (cur) {
		fprintf(c->err, "ERROR: more than %d pages in a list\n", CLI_MAX_PAGES);
		rc = CLI_EXIT_ERROR;
	}
out:
	free(cur);
	if (rc)
		json_decref(all);
	else
		*out = all;
	return rc;
}

/* GET the resource, let the command change it, PUT it back only if nobody changed it since. */
static int read_modify_write(const struct conn *c, const struct cli_cmd *cmd,
			     const struct cli_args *a, const char *target, json_t **out)
{
	struct http_response resp;
	json_t *res = NULL;
	char *etag = NULL;
	int rc;

	rc = send_one(c, "GET", target, NULL, NULL, &resp);
	if (!rc) {
		res = parse_answer(c, &resp);
		if (res && !json_is_object(res))
			fprintf(c->err, "ERROR: the server's answer is not a resource\n");
		if (!json_is_object(res))
			rc = CLI_EXIT_ERROR;
	}
	if (!rc) {
		const char *e =
			resp.etag ? resp.etag : json_string_value(json_object_get(res, "etag"));

		etag = e ? strdup(e) : NULL;
		rc = cmd->modify(a, res, c->err);
	}
	http_response_clear(&resp);
	if (rc)
		goto out;
	rc = send_one(c, "PUT", target, res, etag, &resp);
	if (!rc) {
		*out = parse_answer(c, &resp);
		if (!*out)
			rc = CLI_EXIT_ERROR;
	}
	http_response_clear(&resp);
out:
	free(etag);
	json_decref(res);
	return rc;
}

static void print_text(FILE *out, const struct http_response *resp)
{
	json_t *s = json_loadb((const char *)resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
	const char *text = (const char *)resp->body;
	size_t len = resp->body_len;

	/* ARM answers a document as a JSON string; a plain-text answer is printed as it is. */
	if (json_is_string(s)) {
		text = json_string_value(s);
		len = json_string_length(s);
	}
	fwrite(text, 1, len, out);
	if (len && text[len - 1] != '\n')
		fputc('\n', out);
	json_decref(s);
}

static int execute(const struct cli_ctx *ctx, const struct cli_cmd *cmd, const struct cli_args *a,
		   const struct cli_req *req)
{
	struct conn c = {.token = ctx->token, .err = ctx->err};
	struct http_response resp = {0};
	json_t *answer = NULL;
	char *target;
	int rc;

	if (req->admin && ctx->admin_socket) {
		http_endpoint_unix(&c.ep, ctx->admin_socket);
		c.token = NULL;
	} else if (http_endpoint_parse(&c.ep, ctx->server)) {
		fprintf(ctx->err,
			"ERROR: argument --server: '%s' is not an http://HOST[:PORT] URL\n",
			ctx->server);
		return CLI_EXIT_USAGE;
	}
	target = req_target(req);
	if (!target) {
		fprintf(ctx->err, "ERROR: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	if (cmd->modify) {
		rc = read_modify_write(&c, cmd, a, target, &answer);
	} else if (req->answer == CLI_ANSWER_LIST) {
		rc = fetch_list(&c, target, &answer);
	} else {
		rc = send_one(&c, req->method, target, req->body, NULL, &resp);
		if (!rc && req->answer == CLI_ANSWER_TEXT)
			print_text(ctx->out, &resp);
		/* An action may answer 202 with no body: nothing to show. */
		if (!rc && req->answer == CLI_ANSWER_OBJECT && resp.body_len > 0) {
			answer = parse_answer(&c, &resp);
			if (!answer)
				rc = CLI_EXIT_ERROR;
		}
		http_response_clear(&resp);
	}
	if (!rc && answer) {
		json_t *shown = cmd->pick ? cmd->pick(answer) : answer;

		if (!shown)
			shown = json_array();
		else
			json_incref(shown);
		cli_print(ctx->out, ctx->output, cmd->view, shown);
		json_decref(shown);
	}
	json_decref(answer);
	free(target);
	return rc;
}

static int print_dry_run(FILE *out, const struct cli_req *req)
{
	json_t *o = json_object(), *q = json_object();
	size_t i;

	json_object_set_new(o, "method", json_string(req->method));
	json_object_set_new(o, "path", json_string(req->path));
	for (i = 0; i < req->nquery; i++)
		json_object_set_new(q, req->query[i].key, json_string(req->query[i].value));
	json_object_set_new(o, "query", q);
	if (req->body)
		json_object_set(o, "body", req->body);
	if (req->admin)
		json_object_set_new(o, "admin", json_true());
	json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(o);
	return 0;
}

static const char *env_or(const char *v, const char *env, const char *def)
{
	const char *e;

	if (v)
		return v;
	e = getenv(env);
	return e && *e ? e : def;
}

static int run_cmd(const char *path, const struct cli_cmd *cmd, int argc, char **argv, FILE *out,
		   FILE *err)
{
	struct cli_ctx ctx = {.out = out, .err = err};
	struct cli_req req = {0};
	struct cli_args a = {.cmd_path = path + strlen("vnetgw ")};
	const char *o;
	int rc;

	rc = cli_args_parse(&a, cmd->flags, argc, argv, err);
	if (rc)
		goto out;
	if (cli_arg_bool(&a, "--help")) {
		cli_help_cmd(out, path, cmd);
		goto out;
	}
	rc = cli_args_check(&a, err);
	if (rc)
		goto out;
	ctx.subscription = env_or(cli_arg_str(&a, "--subscription"), "VNETGW_SUBSCRIPTION", NULL);
	ctx.server = env_or(cli_arg_str(&a, "--server"), "VNETGW_SERVER", CLI_DEFAULT_SERVER);
	ctx.token = env_or(cli_arg_str(&a, "--token"), "VNETGW_TOKEN", NULL);
	ctx.admin_socket = env_or(cli_arg_str(&a, "--admin-socket"), "VNETGW_ADMIN_SOCKET", NULL);
	o = cli_arg_str_or(&a, "--output", "json");
	ctx.output = !strcmp(o, "table")  ? CLI_OUTPUT_TABLE
		     : !strcmp(o, "tsv")  ? CLI_OUTPUT_TSV
		     : !strcmp(o, "none") ? CLI_OUTPUT_NONE
					  : CLI_OUTPUT_JSON;
	ctx.dry_run = cli_arg_bool(&a, "--dry-run");

	req.answer = CLI_ANSWER_OBJECT;
	rc = cmd->build(&ctx, &a, &req);
	if (rc)
		goto out;
	if (!req.path) {
		fprintf(err, "ERROR: out of memory\n");
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (ctx.dry_run)
		rc = print_dry_run(out, &req);
	else
		rc = execute(&ctx, cmd, &a, &req);
out:
	cli_req_clear(&req);
	cli_args_clear(&a);
	return rc;
}

static int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	const struct cli_group *g = &cli_group_root;
	const struct cli_cmd *cmd = NULL;
	char path[256] = "vnetgw";
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		fprintf(out, "vnetgw %s (api-version %s)\n", VNETGW_VERSION, CLI_API_VERSION);
		return 0;
	}
	while (i < argc && argv[i][0] != '-' && !cmd) {
		const struct cli_group *sub = NULL;
		size_t k;

		for (k = 0; g->groups && g->groups[k]; k++)
			if (!strcmp(g->groups[k]->name, argv[i]))
				sub = g->groups[k];
		for (k = 0; !sub && g->cmds && g->cmds[k].name; k++)
			if (!strcmp(g->cmds[k].name, argv[i]))
				cmd = &g->cmds[k];
		if (!sub && !cmd) {
			unknown_name(err, path, g, argv[i]);
			return CLI_EXIT_USAGE;
		}
		if (strlen(path) + 1 + strlen(argv[i]) + 1 > sizeof(path))
			return CLI_EXIT_USAGE; /* cannot happen: names come from the tables */
		strcat(path, " ");
		strcat(path, argv[i]);
		if (sub)
			g = sub;
		i++;
	}
	if (cmd)
		return run_cmd(path, cmd, argc - i, argv + i, out, err);
	if (i < argc && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
		cli_help_group(out, path, g);
		return 0;
	}
	if (i < argc)
		fprintf(err, "ERROR: unrecognized argument: %s\n", argv[i]);
	else
		fprintf(err, "ERROR: '%s' needs a command.\n", path);
	cli_help_group(err, path, g);
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int rc = cli_main(argc, argv, stdout, stderr);

	if (fflush(stdout) != 0 && rc == 0)
		rc = CLI_EXIT_ERROR;
	return rc;
}
