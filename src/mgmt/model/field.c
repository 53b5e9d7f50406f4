/* SPDX-License-Identifier: MIT */
/*
 * field: the validators shared by every resource -- names (ARM's rules as docs/api.md states
 * them), IP addresses and prefixes (RFC 4632 notation, RFC 6890 special-purpose ranges), AS
 * numbers (RFC 6793 4-octet, RFC 7300/5398/6996 reserved values) and typed JSON getters.
 * Addresses are parsed and classified by lib/addr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "mgmt/model/field.h"

const char *field_path(char *buf, size_t n, const char *path, const char *key)
{
	if (path && *path)
		snprintf(buf, n, "%s.%s", path, key);
	else
		snprintf(buf, n, "%s", key);
	return buf;
}

const char *field_path_index(char *buf, size_t n, const char *path, size_t i, const char *key)
{
	if (key)
		snprintf(buf, n, "%s[%zu].%s", path, i, key);
	else
		snprintf(buf, n, "%s[%zu]", path, i);
	return buf;
}

bool field_name_valid(const char *s, size_t max)
{
	size_t i, len;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len > max || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '(' || c == ')'))
			return false;
	}
	return true;
}

int field_check_name(const char *s, const char *target, struct mgmt_error *err)
{
	if (field_name_valid(s, 80))
		return 0;
	return mgmt_fail(
		err, MGMT_E_INVALID_NAME, target,
		"The name '%.80s' is not valid: use 1 to 80 letters, digits, '_', '-', '.', "
		"'(' or ')', not ending with '.'.",
		s ? s : "");
}

int field_check_rg_name(const char *s, struct mgmt_error *err)
{
	if (field_name_valid(s, 90))
		return 0;
	return mgmt_fail(
		err, MGMT_E_INVALID_RG_NAME, "resourceGroupName",
		"The resource group name '%.90s' is not valid: use 1 to 90 letters, digits, "
		"'_', '-', '.', '(' or ')', not ending with '.'.",
		s ? s : "");
}

static void to_prefix(const struct field_prefix *f, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (f->family == AF_INET)
		addr_set_v4(&p->addr, f->addr);
	else
		addr_set_v6(&p->addr, f->addr);
	p->len = f->len;
}

static void from_prefix(const struct prefix *p, struct field_prefix *f)
{
	memset(f, 0, sizeof(*f));
	f->family = p->addr.family;
	memcpy(f->addr, p->addr.bytes, f->family == AF_INET ? 4 : 16);
	f->len = p->len;
}

int field_parse_ip(const char *s, int family, struct field_prefix *p)
{
	struct prefix pp;

	memset(p, 0, sizeof(*p));
	if (!s || addr_parse(&pp.addr, s, NULL, 0) != 0)
		return -EINVAL;
	if (family == AF_INET && pp.addr.family != AF_INET)
		return -EINVAL;
	pp.len = addr_bits(&pp.addr);
	from_prefix(&pp, p);
	return 0;
}

int field_parse_prefix(const char *s, struct field_prefix *p)
{
	struct prefix pp;

	memset(p, 0, sizeof(*p));
	/* Strict: "10.0.0.1/16" names no network, and a tenant who wrote it meant something. */
	if (!s || prefix_parse(&pp, s, PREFIX_PARSE_STRICT, NULL, 0) != 0)
		return -EINVAL;
	from_prefix(&pp, p);
	return 0;
}

bool field_prefix_contains(const struct field_prefix *outer, const struct field_prefix *inner)
{
	struct prefix a, b;

	to_prefix(outer, &a);
	to_prefix(inner, &b);
	return prefix_contains_prefix(&a, &b);
}

bool field_prefix_overlap(const struct field_prefix *a, const struct field_prefix *b)
{
	struct prefix x, y;

	to_prefix(a, &x);
	to_prefix(b, &y);
	return prefix_overlaps(&x, &y);
}

void field_format_ip(const struct field_prefix *p, char *out, size_t n)
{
	struct prefix pp;

	to_prefix(p, &pp);
	addr_print(&pp.addr, out, n);
}

bool field_ipv4_is_public(const struct field_prefix *p)
{
	struct prefix pp;
	enum addr_class c;

	if (p->family != AF_INET)
		return false;
	to_prefix(p, &pp);
	c = addr_classify(&pp.addr);
	/* RFC 6890 via lib/addr; RFC 5737's documentation ranges pass so examples and tests can
	 * use them as "public" peers. */
	return c == ADDR_CLASS_PUBLIC || c == ADDR_CLASS_DOCUMENTATION;
}

int field_check_asn(json_int_t asn, bool gateway_side, const char *target, struct mgmt_error *err)
{
	/* Azure's own (8074, 8075, 12076) and the private ASNs its gateways use (65515 is the
	 * gateway default, so a gateway may keep it; a peer may not). */
	static const json_int_t azure[] = {8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520};
	size_t i;

	if (asn < 1 || asn > 4294967294LL)
		return mgmt_fail(err, MGMT_E_INVALID_ASN, target,
				 "The AS number %lld is out of range: use 1 to 4294967294.",
				 (long long)asn);
	/* RFC 6793 AS_TRANS; RFC 5398 documentation ASNs; RFC 7300 last 16-bit ASN and the
	 * reserved block after it. */
	if (asn == 23456 || (asn >= 64496 && asn <= 64511) || (asn >= 65535 && asn <= 65551))
		return mgmt_fail(
			err, MGMT_E_RESERVED_ASN, target,
			"The AS number %lld is reserved by the IANA (RFC 6793, 5398, 7300) "
			"and cannot be used.",
			(long long)asn);
	for (i = 0; i < sizeof(azure) / sizeof(azure[0]); i++) {
		if (asn != azure[i] || (gateway_side && asn == 65515))
			continue;
		return mgmt_fail(
			err, MGMT_E_RESERVED_ASN, target,
			"The AS number %lld is reserved by the platform and cannot be used.",
			(long long)asn);
	}
	return 0;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int wrong_type(struct mgmt_error *err, const char *target, const char *want, json_t *v)
{
	return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, target,
			 "The value of '%s' must be %s, not %s.", target, want, json_type_name(v));
}

static int missing(struct mgmt_error *err, const char *target)
{
	return mgmt_fail(err, MGMT_E_MISSING_PROPERTY, target, "The property '%s' is required.",
			 target);
}

/* A member, treating JSON null as absent (ARM clients send null for "not set"). */
static json_t *member(json_t *parent, const char *key)
{
	json_t *v = json_is_object(parent) ? json_object_get(parent, key) : NULL;

	return json_is_null(v) ? NULL : v;
}

int field_get_object(json_t *parent, const char *path, const char *key, bool required, json_t **out,
		     struct mgmt_error *err)
{
	char t[160];
	json_t *v = member(parent, key);

	*out = NULL;
	if (!v)
		return required ? missing(err, field_path(t, sizeof(t), path, key)) : 0;
	if (!json_is_object(v))
		return wrong_type(err, field_path(t, sizeof(t), path, key), "an object", v);
	*out = v;
	return 0;
}

int field_get_array(json_t *parent, const char *path, const char *key, bool required,
		    size_t max_items, json_t **out, struct mgmt_error *err)
{
	char t[160];
	json_t *v = member(parent, key);

	*out = NULL;
	if (!v)
		return required ? missing(err, field_path(t, sizeof(t), path, key)) : 0;
	if (!json_is_array(v))
		return wrong_type(err, field_path(t, sizeof(t), path, key), "an array", v);
	if (json_array_size(v) > max_items)
		return mgmt_fail(err, MGMT_E_LIMIT_EXCEEDED, field_path(t, sizeof(t), path, key),
				 "'%s' holds %zu items; at most %zu are allowed.", t,
				 json_array_size(v), max_items);
	*out = v;
	return 0;
}

int field_get_string(json_t *parent, const char *path, const char *key, bool required,
		     size_t max_len, const char **out, struct mgmt_error *err)
{
	char t[160];
	json_t *v = member(parent, key);

	*out = NULL;
	if (!v)
		return required ? missing(err, field_path(t, sizeof(t), path, key)) : 0;
	if (!json_is_string(v))
		return wrong_type(err, field_path(t, sizeof(t), path, key), "a string", v);
	if (json_string_length(v) > max_len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return mgmt_fail(err, MGMT_E_INVALID_VALUE, field_path(t, sizeof(t), path, key),
				 "'%s' must be a string of at most %zu characters without NUL.", t,
				 max_len);
	if (required && json_string_length(v) == 0)
		return missing(err, field_path(t, sizeof(t), path, key));
	*out = json_string_value(v);
	return 0;
}

int field_get_bool(json_t *parent, const char *path, const char *key, bool *out,
		   struct mgmt_error *err)
{
	char t[160];
	json_t *v = member(parent, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(err, field_path(t, sizeof(t), path, key), "a boolean", v);
	*out = json_is_true(v);
	return 0;
}

int field_get_int(json_t *parent, const char *path, const char *key, bool required, json_int_t min,
		  json_int_t max, json_int_t *out, struct mgmt_error *err)
{
	char t[160];
	json_t *v = member(parent, key);

	if (!v)
		return required ? missing(err, field_path(t, sizeof(t), path, key)) : 0;
	if (!json_is_integer(v))
		return wrong_type(err, field_path(t, sizeof(t), path, key), "an integer", v);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return mgmt_fail(err, MGMT_E_INVALID_VALUE, field_path(t, sizeof(t), path, key),
				 "'%s' is %lld; it must be between %lld and %lld.", t,
				 (long long)json_integer_value(v), (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

int field_enum_index(const char *s, const char *const *values)
{
	int i;

	for (i = 0; s && values[i]; i++)
		if (strcasecmp(s, values[i]) == 0)
			return i;
	return -1;
}

int field_get_enum(json_t *parent, const char *path, const char *key, bool required,
		   const char *const *values, const char **out, struct mgmt_error *err)
{
	char t[160], list[200] = "";
	const char *s;
	int r, i;

	r = field_get_string(parent, path, key, required, 64, &s, err);
	if (r || !s)
		return r;
	i = field_enum_index(s, values);
	if (i >= 0) {
		*out = values[i];
		return 0;
	}
	for (i = 0; values[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, values[i], sizeof(list) - strlen(list) - 1);
	}
	return mgmt_fail(err, MGMT_E_INVALID_ENUM, field_path(t, sizeof(t), path, key),
			 "'%.64s' is not a valid value of '%s'; use one of: %s.", s, t, list);
}

int field_get_tags(json_t *parent, json_t **out, struct mgmt_error *err)
{
	json_t *tags, *v;
	const char *k;
	int r;

	*out = NULL;
	r = field_get_object(parent, "", "tags", false, &tags, err);
	if (r)
		return r;
	if (!tags) {
		*out = json_object();
		return *out ? 0 : -ENOMEM;
	}
	if (json_object_size(tags) > 50)
		return mgmt_fail(err, MGMT_E_INVALID_TAGS, "tags",
				 "A resource can have at most 50 tags, not %zu.",
				 json_object_size(tags));
	json_object_foreach(tags, k, v)
	{
		if (!*k || strlen(k) > 512 || strpbrk(k, "<>%&\\?/"))
			return mgmt_fail(
				err, MGMT_E_INVALID_TAGS, "tags",
				"The tag name '%.64s' is not valid: use 1 to 512 characters "
				"without < > %% & \\ ? /.",
				k);
		if (!json_is_string(v) || json_string_length(v) > 256 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return mgmt_fail(err, MGMT_E_INVALID_TAGS, "tags",
					 "The value of tag '%.64s' must be a string of at most 256 "
					 "characters.",
					 k);
	}
	*out = json_deep_copy(tags);
	return *out ? 0 : -ENOMEM;
}
