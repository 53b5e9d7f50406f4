/* SPDX-License-Identifier: MIT */
/*
 * ipsec_policy: a connection's custom IPsec/IKE policy (SPEC §2 rule 11, SPEC §3's list of
 * values, which is Azure Stack's): at most one, all eight fields, lifetimes of at least 300 s and
 * 1024 KB, GCM encryption paired with the same GCM integrity (RFC 4106: GCM is an AEAD, its
 * integrity is the cipher's own). DES, MD5 and group 1 are refused as broken (RFC 8221, RFC 8247).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike/proposal.h"
#include "mgmt/model/field.h"
#include "mgmt/model/model.h"

struct policy_field {
	const char *key;
	const char *const *values; /* NULL for the two lifetimes */
	const char *const *weak;
	const char *why; /* why the weak values are refused */
};

static const char *const ike_enc[] = {"AES256",	   "AES192",	"AES128", "DES3",
				      "GCMAES256", "GCMAES128", NULL};
static const char *const ike_integ[] = {"SHA384", "SHA256", "SHA1", NULL};
static const char *const dh_groups[] = {"ECP384",      "ECP256",   "DHGroup24", "DHGroup14",
					"DHGroup2048", "DHGroup2", NULL};
static const char *const ipsec_enc[] = {"GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192",
					"AES128",    "DES3",	  "None",      NULL};
static const char *const ipsec_integ[] = {"GCMAES256", "GCMAES192", "GCMAES128", "SHA256", NULL};
static const char *const pfs_groups[] = {"PFS24", "ECP384", "ECP256", "PFS2048",
					 "PFS2",  "PFSMM",  "None",   NULL};
static const char *const weak_des[] = {"DES", NULL};
static const char *const weak_md5[] = {"MD5", NULL};
static const char *const weak_dh1[] = {"DHGroup1", NULL};
static const char *const weak_pfs1[] = {"PFS1", NULL};

static const char des_why[] = "single DES has a 56-bit key, found by exhaustive search in hours "
			      "(RFC 8221 says MUST NOT)";
static const char md5_why[] = "MD5 is broken by collision attacks (RFC 8221 and RFC 8247 say "
			      "MUST NOT)";
static const char dh1_why[] = "the 768-bit MODP group 1 is within reach of a discrete-log "
			      "computation (RFC 8247 says MUST NOT)";

static const struct policy_field fields[] = {
	{"saLifeTimeSeconds", NULL, NULL, NULL},
	{"saDataSizeKilobytes", NULL, NULL, NULL},
	{"ipsecEncryption", ipsec_enc, weak_des, des_why},
	{"ipsecIntegrity", ipsec_integ, weak_md5, md5_why},
	{"ikeEncryption", ike_enc, weak_des, des_why},
	{"ikeIntegrity", ike_integ, weak_md5, md5_why},
	{"dhGroup", dh_groups, weak_dh1, dh1_why},
	{"pfsGroup", pfs_groups, weak_pfs1, dh1_why},
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static int list_values(const char *const *values, char *out, size_t n)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; values[i]; i++) {
		strncat(out, i ? ", " : "", n - strlen(out) - 1);
		strncat(out, values[i], n - strlen(out) - 1);
	}
	return 0;
}

static int parse_policy(json_t *p, const char *path, json_t *out, struct mgmt_error *err)
{
	char t[160], list[200];
	json_int_t secs = 0, kb = 0;
	const char *enc, *integ;
	size_t i;
	int r;

	if (!json_is_object(p))
		return mgmt_fail(err, MGMT_E_INVALID_REQUEST_FORMAT, path,
				 "'%s' must be an object.", path);
	for (i = 0; i < N_FIELDS; i++) {
		json_t *v = json_object_get(p, fields[i].key);

		if (!v || json_is_null(v))
			return mgmt_fail(
				err, MGMT_E_IPSEC_POLICY_INCOMPLETE,
				field_path(t, sizeof(t), path, fields[i].key),
				"A custom IPsec policy needs all eight fields "
				"(saLifeTimeSeconds, saDataSizeKilobytes, ipsecEncryption, "
				"ipsecIntegrity, ikeEncryption, ikeIntegrity, dhGroup, "
				"pfsGroup); '%s' is missing.",
				fields[i].key);
	}
	r = field_get_int(p, path, "saLifeTimeSeconds", true, 0, 172799, &secs, err);
	if (!r)
		r = field_get_int(p, path, "saDataSizeKilobytes", true, 0, 2147483647LL, &kb, err);
	if (r)
		return r;
	if (secs < 300)
		return mgmt_fail(err, MGMT_E_IPSEC_POLICY_LIFETIME,
				 field_path(t, sizeof(t), path, "saLifeTimeSeconds"),
				 "saLifeTimeSeconds is %lld; an SA must live at least 300 seconds.",
				 (long long)secs);
	if (kb < 1024)
		return mgmt_fail(err, MGMT_E_IPSEC_POLICY_LIFETIME,
				 field_path(t, sizeof(t), path, "saDataSizeKilobytes"),
				 "saDataSizeKilobytes is %lld; an SA must carry at least 1024 KB.",
				 (long long)kb);
	json_object_set_new(out, "saLifeTimeSeconds", json_integer(secs));
	json_object_set_new(out, "saDataSizeKilobytes", json_integer(kb));
	for (i = 2; i < N_FIELDS; i++) {
		const char *s;
		int k;

		field_path(t, sizeof(t), path, fields[i].key);
		r = field_get_string(p, path, fields[i].key, true, 64, &s, err);
		if (r)
			return r;
		if (field_enum_index(s, fields[i].weak) >= 0)
			return mgmt_fail(err, MGMT_E_IPSEC_POLICY_WEAK, t,
					 "%s '%s' is refused: %s.", fields[i].key, s,
					 fields[i].why);
		k = field_enum_index(s, fields[i].values);
		if (k < 0) {
			list_values(fields[i].values, list, sizeof(list));
			return mgmt_fail(err, MGMT_E_IPSEC_POLICY_VALUE, t,
					 "'%.64s' is not a valid %s; use one of: %s.", s,
					 fields[i].key, list);
		}
		json_object_set_new(out, fields[i].key, json_string(fields[i].values[k]));
	}
	enc = json_string_value(json_object_get(out, "ipsecEncryption"));
	integ = json_string_value(json_object_get(out, "ipsecIntegrity"));
	if ((strncmp(enc, "GCM", 3) == 0 || strncmp(integ, "GCM", 3) == 0) && strcmp(enc, integ))
		return mgmt_fail(
			err, MGMT_E_IPSEC_POLICY_GCM,
			field_path(t, sizeof(t), path, "ipsecIntegrity"),
			"With GCM, ipsecEncryption and ipsecIntegrity must be the same "
			"GCMAES value (GCM authenticates with its own key), not %s and %s.",
			enc, integ);
	return 0;
}

int model_ipsec_policies_parse(json_t *props_in, json_t *props, struct mgmt_error *err)
{
	json_t *arr, *out = json_array(), *p;
	size_t i;
	int r;

	json_object_set_new(props, "ipsecPolicies", out);
	r = field_get_array(props_in, "properties", "ipsecPolicies", false, 1024, &arr, err);
	if (r)
		return r;
	if (json_array_size(arr) > 1)
		return mgmt_fail(err, MGMT_E_IPSEC_POLICY_COUNT, "properties.ipsecPolicies",
				 "A connection can have at most one custom IPsec policy, not %zu.",
				 json_array_size(arr));
	json_array_foreach(arr, i, p)
	{
		char path[64];
		json_t *o = json_object();

		json_array_append_new(out, o);
		field_path_index(path, sizeof(path), "properties.ipsecPolicies", i, NULL);
		r = parse_policy(p, path, o, err);
		if (r)
			return r;
	}
	return 0;
}

void model_ipsec_policy_custom(json_t *pol, struct ike_custom_policy *out, json_int_t *life_s,
			       json_int_t *life_kb)
{
#define POL_STR(k) json_string_value(json_object_get(pol, k))
	*out = (struct ike_custom_policy){
		.ike_encryption = POL_STR("ikeEncryption"),
		.ike_integrity = POL_STR("ikeIntegrity"),
		.dh_group = POL_STR("dhGroup"),
		.ipsec_encryption = POL_STR("ipsecEncryption"),
		.ipsec_integrity = POL_STR("ipsecIntegrity"),
		.pfs_group = POL_STR("pfsGroup"),
	};
#undef POL_STR
	*life_s = json_integer_value(json_object_get(pol, "saLifeTimeSeconds"));
	*life_kb = json_integer_value(json_object_get(pol, "saDataSizeKilobytes"));
}
