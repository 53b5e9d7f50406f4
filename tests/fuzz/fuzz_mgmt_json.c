/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the management API's request bodies: model_parse_request, the entry every
 * PUT goes through, and the settings PATCH validator. The first byte picks the resource type (or
 * settings); the rest is the body. Refusals must carry a code, a message and never crash.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgmt_error err = {0};
	struct model_parsed p;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0] % (MODEL__COUNT + 1);
	if (sel == MODEL__COUNT) {
		json_t *in = json_loadb((const char *)data + 1, size - 1, 0, NULL);
		json_t *settings = model_settings_default();

		if (in && model_settings_patch(settings, in, &err) != 0 &&
		    (err.code == MGMT_OK || !err.message[0]))
			abort();
		json_decref(in);
		json_decref(settings);
		return 0;
	}
	if (model_parse_request((enum model_type)sel, "fuzz", (const char *)data + 1, size - 1, &p,
				&err) == 0) {
		json_t *props = json_object_get(p.res, "properties");
		char *dump;

		if (!p.res || !json_is_object(props))
			abort();
		/* A connection's key never stays in the resource. */
		if (json_object_get(props, "sharedKey") || json_object_get(p.res, "sharedKey"))
			abort();
		/* What the API stores must dump and load back the same. */
		dump = json_dumps(p.res, 0);
		if (!dump)
			abort();
		{
			json_t *back = json_loads(dump, 0, NULL);

			if (!json_equal(back, p.res))
				abort();
			json_decref(back);
		}
		free(dump);
		model_parsed_clear(&p);
	} else if (err.code == MGMT_OK || !err.message[0] || p.res) {
		abort();
	}
	return 0;
}
