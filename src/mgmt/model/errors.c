/* SPDX-License-Identifier: MIT */
/*
 * errors: names and HTTP statuses of the management API's error codes (the table and what each
 * code means live in errors.h), and the one helper validators fill an error with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/model/errors.h"

#define MGMT_ERROR_NAME(c, s, h) [c] = s,
static const char *const err_names[] = {MGMT_ERROR_TABLE(MGMT_ERROR_NAME)};
#undef MGMT_ERROR_NAME

#define MGMT_ERROR_STATUS(c, s, h) [c] = h,
static const int err_status[] = {MGMT_ERROR_TABLE(MGMT_ERROR_STATUS)};
#undef MGMT_ERROR_STATUS

const char *mgmt_err_name(enum mgmt_err_code code)
{
	if ((unsigned)code >= MGMT_ERR__COUNT)
		return "InternalServerError";
	return err_names[code];
}

int mgmt_err_status(enum mgmt_err_code code)
{
	if ((unsigned)code >= MGMT_ERR__COUNT)
		return 500;
	return err_status[code];
}

int mgmt_fail(struct mgmt_error *err, enum mgmt_err_code code, const char *target, const char *fmt,
	      ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->code = code;
	snprintf(err->target, sizeof(err->target), "%s", target ? target : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void mgmt_error_clear(struct mgmt_error *err)
{
	if (!err)
		return;
	err->code = MGMT_OK;
	err->message[0] = '\0';
	err->target[0] = '\0';
}
