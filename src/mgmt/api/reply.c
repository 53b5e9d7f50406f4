/* SPDX-License-Identifier: MIT */
/*
 * reply: every answer of the API -- JSON in ARM's {"error":{code,message,target}} shape for
 * errors, the resource (or nothing) otherwise -- with the x-ms-request-id of the request
 * (server.c gives each request one, refused or not) and the client's x-ms-client-request-id
 * echoed when it is a plausible one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/api/internal.h"
#include "mgmt/api/server_internal.h"

void api_add_header(struct api_req *r, const char *name, const char *value)
{
	http_req_add_header(r->hr, name, value);
}

void api_reply_text(struct api_req *r, int status, const char *content_type, const char *text,
		    size_t len)
{
	api_http_reply(r->hr, status, content_type, text, len);
	r->status = status;
}

void api_reply_json(struct api_req *r, int status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;

	api_reply_text(r, status, "application/json; charset=utf-8", text ? text : "",
		       text ? strlen(text) : 0);
	if (text) {
		/* A shared key's GET and PUT answer it. */
		explicit_bzero(text, strlen(text));
		free(text);
	}
}

void api_reply_empty(struct api_req *r, int status)
{
	api_http_reply(r->hr, status, NULL, NULL, 0);
	r->status = status;
}

void api_reply_error(struct api_req *r, const struct mgmt_error *err)
{
	r->error_code = mgmt_err_name(err->code);
	r->status = api_http_error(r->hr, err);
}

void api_reply_fail(struct api_req *r, enum mgmt_err_code code, const char *target, const char *fmt,
		    ...)
{
	struct mgmt_error err = {.code = code};
	va_list ap;

	snprintf(err.target, sizeof(err.target), "%s", target ? target : "");
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	api_reply_error(r, &err);
}

void api_reply_ops(struct api_req *r, int rc, struct mgmt_result *res, const struct mgmt_error *err)
{
	if (rc) {
		if (err->code == MGMT_OK) {
			struct mgmt_error e = {.code = MGMT_E_INTERNAL};

			snprintf(e.message, sizeof(e.message), "The request failed (%s).",
				 strerror(-rc));
			api_reply_error(r, &e);
		} else {
			api_reply_error(r, err);
		}
	} else if (res->status == 204 || !res->body) {
		api_reply_empty(r, res->status ? res->status : 204);
	} else {
		api_reply_json(r, res->status, res->body);
	}
	mgmt_result_clear(res);
}

void api_reply_method_not_allowed(struct api_req *r)
{
	api_reply_fail(r, MGMT_E_METHOD_NOT_ALLOWED, "",
		       "The method %s is not allowed on this path.", http_req_method_name(r->hr));
}
