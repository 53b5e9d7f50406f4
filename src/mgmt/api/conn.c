/* SPDX-License-Identifier: MIT */
/*
 * conn: the connection's actions -- the shared key's own endpoints (GET and PUT sharedkey, POST
 * sharedkey/reset), the only place a key is ever returned, and vpndeviceconfigurationscript.
 */
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "mgmt/api/internal.h"
#include "mgmt/devcfg.h"

/* The script is text for the device, not JSON: it is answered as text/plain. It holds the shared
 * key (like Azure's), so the buffers are wiped. */
static void device_script(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct evbuffer *buf;
	char *script = NULL;

	if (mgmt_ops_conn_device_script(r->store, &rt->id, r->body, r->body_len, &script, &err)) {
		api_reply_error(r, &err);
		return;
	}
	buf = evbuffer_new();
	if (!buf) {
		devcfg_free(script);
		api_reply_fail(r, MGMT_E_INTERNAL, "", "Out of memory.");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
			  "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Cache-Control", "no-store");
	evbuffer_add(buf, script, strlen(script));
	devcfg_free(script);
	evhttp_send_reply(r->req, 200, "OK", buf);
	evbuffer_free(buf);
	r->status = 200;
}

void api_conn_action(struct api_req *r, const struct api_route *rt)
{
	struct mgmt_error err = {0};
	struct mgmt_result res = {0};
	int rc;

	if (strcasecmp(rt->action, "sharedkey") == 0 && !rt->subaction) {
		if (r->method == EVHTTP_REQ_GET)
			rc = mgmt_ops_shared_key_get(r->store, &rt->id, &res, &err);
		else if (r->method == EVHTTP_REQ_PUT)
			rc = mgmt_ops_shared_key_set(r->store, &rt->id, r->body, r->body_len, &res,
						     &err);
		else
			return api_reply_method_not_allowed(r);
	} else if (strcasecmp(rt->action, "sharedkey") == 0 &&
		   strcasecmp(rt->subaction, "reset") == 0) {
		if (r->method != EVHTTP_REQ_POST)
			return api_reply_method_not_allowed(r);
		rc = mgmt_ops_shared_key_reset(r->store, &rt->id, r->body, r->body_len, &res, &err);
	} else if (strcasecmp(rt->action, "vpndeviceconfigurationscript") == 0 && !rt->subaction) {
		if (r->method != EVHTTP_REQ_POST)
			return api_reply_method_not_allowed(r);
		return device_script(r, rt);
	} else {
		return api_reply_fail(r, MGMT_E_PATH_NOT_FOUND, "", "No endpoint has this path.");
	}
	api_reply_ops(r, rc, &res, &err);
}
