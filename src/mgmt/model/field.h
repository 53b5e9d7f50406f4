/* SPDX-License-Identifier: MIT */
/*
 * field: validators for the classes of fields every resource shares -- names, addresses and
 * prefixes, AS numbers, enumerations, numbers in a range, tags -- and typed getters that refuse
 * a JSON value of the wrong type. Each failure fills a struct mgmt_error with its stable code and
 * the JSON path (target) at fault.
 */
#ifndef VNETGW_MGMT_MODEL_FIELD_H
#define VNETGW_MGMT_MODEL_FIELD_H

#include <jansson.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/model/errors.h"

/* An IPv4 or IPv6 prefix (addr holds 4 or 16 bytes, host bits zero). */
struct field_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned len;
};

/* Name rules of docs/api.md: 1-80 (resource) / 1-90 (resource group) chars of [A-Za-z0-9_-.()],
 * not ending in '.'. */
bool field_name_valid(const char *s, size_t max);
int field_check_name(const char *s, const char *target, struct mgmt_error *err);
int field_check_rg_name(const char *s, struct mgmt_error *err);

/* Parses a literal IPv4 (family AF_INET) or IPv4/IPv6 (family 0) address into p (len = full). */
int field_parse_ip(const char *s, int family, struct field_prefix *p);
/* Parses "addr/len" with host bits zero. */
int field_parse_prefix(const char *s, struct field_prefix *p);
bool field_prefix_contains(const struct field_prefix *outer, const struct field_prefix *inner);
bool field_prefix_overlap(const struct field_prefix *a, const struct field_prefix *b);
/* Formats an address (len ignored) into out. */
void field_format_ip(const struct field_prefix *p, char *out, size_t n);
/* RFC 6890: true when an IPv4 address is globally reachable. The documentation ranges
 * (RFC 5737) count as public so examples and tests can use them. */
bool field_ipv4_is_public(const struct field_prefix *p);

/* An AS number: 1..4294967294, and not one the platform reserves. */
int field_check_asn(json_int_t asn, bool gateway_side, const char *target, struct mgmt_error *err);

/* Typed getters: 0 and *out set (NULL / untouched when absent and not required) or -EINVAL.
 * path is the JSON path of parent ("" for the root); the target is path.key. */
int field_get_object(json_t *parent, const char *path, const char *key, bool required, json_t **out,
		     struct mgmt_error *err);
int field_get_array(json_t *parent, const char *path, const char *key, bool required,
		    size_t max_items, json_t **out, struct mgmt_error *err);
int field_get_string(json_t *parent, const char *path, const char *key, bool required,
		     size_t max_len, const char **out, struct mgmt_error *err);
int field_get_bool(json_t *parent, const char *path, const char *key, bool *out,
		   struct mgmt_error *err);
int field_get_int(json_t *parent, const char *path, const char *key, bool required, json_int_t min,
		  json_int_t max, json_int_t *out, struct mgmt_error *err);
/* An enumeration, matched without regard to case; *out is the canonical spelling. */
int field_get_enum(json_t *parent, const char *path, const char *key, bool required,
		   const char *const *values, const char **out, struct mgmt_error *err);
/* Index of s in values (case-insensitive), or -1. */
int field_enum_index(const char *s, const char *const *values);

/* Validates and copies tags ({} when absent): at most 50, names 1-512 without <>%&\?/, values
 * strings of at most 256. */
int field_get_tags(json_t *parent, json_t **out, struct mgmt_error *err);

/* Joins path and key into buf ("a.b" or "b"); returns buf. */
const char *field_path(char *buf, size_t n, const char *path, const char *key);
/* Appends "[i]" (and ".key" when key) to path into buf; returns buf. */
const char *field_path_index(char *buf, size_t n, const char *path, size_t i, const char *key);

#endif
