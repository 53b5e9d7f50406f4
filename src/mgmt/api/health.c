/* SPDX-License-Identifier: MIT */
/*
 * health: what an operator's tooling asks the API (issue 20) -- /healthz (the API thread
 * answers), /readyz (the gateway runs: 200, or 503 with why), both without a token, and
 * /metrics, the Prometheus text of the gateway's tunnels, engine and BGP, for the operator's
 * admin token (Prometheus: authorization credentials) or on the admin socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mgmt/api/internal.h"

bool api_is_probe(const char *target)
{
	size_t n = strcspn(target, "?");

	return (n == 8 && strncmp(target, "/healthz", 8) == 0) ||
	       (n == 7 && strncmp(target, "/readyz", 7) == 0);
}

void api_ops_handle(struct api_req *r)
{
	char why[256] = "";

	if (r->method != HTTP_M_GET && r->method != HTTP_M_HEAD)
		return api_reply_method_not_allowed(r);
	if (strcasecmp(r->segs[0], "healthz") == 0) {
		api_add_header(r, "Cache-Control", "no-store");
		return api_reply_text(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
	}
	if (strcasecmp(r->segs[0], "readyz") == 0) {
		char text[300];
		bool ok = api_server_ready(r->srv, why, sizeof(why));
		int n = snprintf(text, sizeof(text), "%s\n", ok ? "ready" : why);

		api_add_header(r, "Cache-Control", "no-store");
		return api_reply_text(r, ok ? 200 : 503, "text/plain; charset=utf-8", text,
				      n > 0 && (size_t)n < sizeof(text) ? (size_t)n
									: strlen(text));
	}
	/* /metrics: the whole deployment's figures are the operator's. */
	if (!r->who.admin)
		return api_reply_fail(r, MGMT_E_AUTHENTICATION_FAILED, "",
				      "The operator's admin token is required here.");
	char *text = api_server_metrics(r->srv);

	if (!text)
		return api_reply_fail(r, MGMT_E_SERVICE_UNAVAILABLE, "",
				      "No metrics: no gateway runs in this process yet.");
	api_add_header(r, "Cache-Control", "no-store");
	api_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}
