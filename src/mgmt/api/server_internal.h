/* SPDX-License-Identifier: MIT */
/*
 * server internals: answering one HTTP request with the fields every answer carries (server.c),
 * for reply.c and the server's own refusals; and the router's entry.
 */
#ifndef VNETGW_MGMT_API_SERVER_INTERNAL_H
#define VNETGW_MGMT_API_SERVER_INTERNAL_H

#include <stddef.h>

#include "mgmt/api/http.h"
#include "mgmt/model/errors.h"

struct api_req;

/* The answer, with x-ms-request-id (and the echo of x-ms-client-request-id). */
void api_http_reply(struct http_req *hr, int status, const char *content_type, const char *body,
		    size_t len);
/* An ARM error answer for err; returns its status. */
int api_http_error(struct http_req *hr, const struct mgmt_error *err);

/* router.c: routes r (its path, method, caller) to a handler, which answers. */
void api_route(struct api_req *r);
/* Frees what routing allocated (segments, query). */
void api_req_clear(struct api_req *r);

#endif
