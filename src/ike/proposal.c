/* SPDX-License-Identifier: MIT */
/*
 * proposal: SPEC §3's proposals, Azure's custom-policy names, strongSwan's proposal syntax, and
 * the selection rules of RFC 7296 2.7 and 3.3.6 (one transform per type from one proposal; a
 * proposal with an unknown transform type is rejected whole; a transform with an unknown
 * attribute is ignored; IKE_AUTH carries no DH, 1.2).
 */
#include "ike/proposal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/alg.h"

/* strongSwan keywords, one table for parsing and printing. */
struct kw {
	const char *name;
	uint8_t type;
	uint16_t id, bits;
};

static const struct kw kws[] = {
	{ "aes128", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128 },
	{ "aes192", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 192 },
	{ "aes256", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256 },
	{ "aes128gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256 },
	{ "3des", IKE_XFORM_ENCR, IKE_ENCR_3DES, 0 },
	{ "null", IKE_XFORM_ENCR, IKE_ENCR_NULL, 0 },
	{ "sha1", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA1_96, 0 },
	{ "sha256", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha1", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA1, 0 },
	{ "prfsha256", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0 },
	{ "modp1024", IKE_XFORM_DH, 2, 0 },
	{ "modp2048", IKE_XFORM_DH, 14, 0 },
	{ "modp2048s256", IKE_XFORM_DH, 24, 0 },
	{ "ecp256", IKE_XFORM_DH, 19, 0 },
	{ "ecp384", IKE_XFORM_DH, 20, 0 },
	{ "curve25519", IKE_XFORM_DH, 31, 0 },
	{ "x25519", IKE_XFORM_DH, 31, 0 }, /* an alias; curve25519 is printed */
	{ "noesn", IKE_XFORM_ESN, IKE_ESN_NO, 0 },
	{ "esn", IKE_XFORM_ESN, IKE_ESN_YES, 0 },
};

#define N_KWS (sizeof(kws) / sizeof(kws[0]))

static const struct kw *kw_find_name(const char *s, size_t n)
{
	for (size_t i = 0; i < N_KWS; i++)
		if (strlen(kws[i].name) == n && memcmp(kws[i].name, s, n) == 0)
			return &kws[i];
	return NULL;
}

static const struct kw *kw_find(uint8_t type, uint16_t id, uint16_t bits)
{
	for (size_t i = 0; i < N_KWS; i++)
		if (kws[i].type == type && kws[i].id == id && kws[i].bits == bits)
			return &kws[i];
	return NULL;
}

/* The PRF strongSwan derives from an integrity keyword when none is named. */
static uint16_t prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return IKE_PRF_HMAC_SHA1;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return IKE_PRF_HMAC_SHA2_256;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	default:
		return 0;
	}
}

int ike_suite_parse(struct ike_suite *s, uint8_t proto, const char *text)
{
	const char *p = text;
	bool have_esn = false;

	memset(s, 0, sizeof(*s));
	while (*p) {
		size_t n = strcspn(p, "-");
		const struct kw *k = kw_find_name(p, n);

		if (!k)
			return -EINVAL;
		switch (k->type) {
		case IKE_XFORM_ENCR:
			if (s->encr)
				return -EINVAL;
			s->encr = k->id;
			s->encr_bits = k->bits;
			break;
		case IKE_XFORM_INTEG:
			if (s->integ)
				return -EINVAL;
			s->integ = k->id;
			break;
		case IKE_XFORM_PRF:
			if (s->prf || proto != IKE_PROTO_IKE)
				return -EINVAL;
			s->prf = k->id;
			break;
		case IKE_XFORM_DH:
			if (s->dh)
				return -EINVAL;
			s->dh = k->id;
			break;
		case IKE_XFORM_ESN:
			if (have_esn || proto != IKE_PROTO_ESP)
				return -EINVAL;
			have_esn = true;
			s->esn = (uint8_t)k->id;
			break;
		}
		p += n;
		if (*p == '-' && *++p == 0)
			return -EINVAL;
	}
	if (!s->encr)
		return -EINVAL;
	if (ike_alg_encr_is_aead(s->encr) ? s->integ != 0 : s->integ == 0)
		return -EINVAL;
	if (proto == IKE_PROTO_IKE) {
		if (s->encr == IKE_ENCR_NULL || !s->dh)
			return -EINVAL;
		if (!s->prf)
			s->prf = prf_for_integ(s->integ);
		if (!s->prf)
			return -EINVAL; /* AEAD for IKE needs its PRF named */
	} else if (proto != IKE_PROTO_ESP) {
		return -EINVAL;
	}
	return 0;
}

/* Append "-name" ("name" when first) for a transform; unknown ones by type and number. */
static void fmt_xform(char *out, size_t len, size_t *pos, bool first, uint8_t type, uint16_t id,
		      uint16_t bits)
{
	const struct kw *k = kw_find(type, id, bits);
	const char *sep = first ? "" : "-";
	int n;

	if (*pos >= len)
		return;
	if (k)
		n = snprintf(out + *pos, len - *pos, "%s%s", sep, k->name);
	else if (bits)
		n = snprintf(out + *pos, len - *pos, "%s%s#%u/%u", sep,
			     ike_xform_type_name(type), id, bits);
	else
		n = snprintf(out + *pos, len - *pos, "%s%s#%u", sep, ike_xform_type_name(type),
			     id);
	if (n > 0)
		*pos += (size_t)n;
}

void ike_suite_format(const struct ike_suite *s, uint8_t proto, char *out, size_t len)
{
	size_t pos = 0;

	if (!len)
		return;
	out[0] = 0;
	fmt_xform(out, len, &pos, true, IKE_XFORM_ENCR, s->encr, s->encr_bits);
	if (s->integ)
		fmt_xform(out, len, &pos, false, IKE_XFORM_INTEG, s->integ, 0);
	if (proto == IKE_PROTO_IKE)
		fmt_xform(out, len, &pos, false, IKE_XFORM_PRF, s->prf, 0);
	if (s->dh)
		fmt_xform(out, len, &pos, false, IKE_XFORM_DH, s->dh, 0);
	if (proto == IKE_PROTO_ESP && s->esn == IKE_ESN_YES)
		fmt_xform(out, len, &pos, false, IKE_XFORM_ESN, IKE_ESN_YES, 0);
}

void ike_pld_sa_format(const struct ike_pld_sa *sa, char *out, size_t len)
{
	size_t pos = 0;

	if (!len)
		return;
	out[0] = 0;
	for (uint8_t i = 0; i < sa->n_props && pos < len; i++) {
		const struct ike_proposal *p = &sa->props[i];
		int n = snprintf(out + pos, len - pos, "%s%s:", i ? ", " : "",
				 ike_proto_name(p->proto));

		if (n < 0)
			return;
		pos += (size_t)n;
		for (uint8_t t = 0; t < p->n_xforms && pos < len; t++)
			fmt_xform(out, len, &pos, t == 0, p->xforms[t].type, p->xforms[t].id,
				  p->xforms[t].keylen);
	}
}

/* ---- policies ------------------------------------------------------------------------------ */

static void set_add(struct ike_xform_set *set, uint16_t id, uint16_t bits)
{
	if (set->n < IKE_XFORM_SET_MAX) {
		set->v[set->n].id = id;
		set->v[set->n].bits = bits;
		set->n++;
	}
}

static void list_add(struct ike_suite_list *l, const struct ike_suite *s)
{
	if (l->n < IKE_POLICY_MAX_SUITES)
		l->s[l->n++] = *s;
}

void ike_policy_default(struct ike_policy *p)
{
	static const struct ike_suite ike_default = {
		.encr = IKE_ENCR_AES_CBC,
		.encr_bits = 256,
		.integ = IKE_INTEG_HMAC_SHA2_384_192,
		.prf = IKE_PRF_HMAC_SHA2_384,
		.dh = 20,
	};
	static const struct ike_suite esp_default = {
		.encr = IKE_ENCR_AES_GCM_16,
		.encr_bits = 256,
		.dh = 20,
		.esn = IKE_ESN_NO,
	};
	struct ike_proto_policy *ike = &p->ike, *esp = &p->esp;

	memset(p, 0, sizeof(*p));
	list_add(&ike->propose, &ike_default);
	set_add(&ike->encr, IKE_ENCR_AES_CBC, 256);
	set_add(&ike->encr, IKE_ENCR_AES_GCM_16, 256);
	set_add(&ike->encr, IKE_ENCR_AES_CBC, 128);
	set_add(&ike->encr, IKE_ENCR_AES_GCM_16, 128);
	set_add(&ike->encr, IKE_ENCR_AES_CBC, 192);
	set_add(&ike->integ, IKE_INTEG_HMAC_SHA2_384_192, 0);
	set_add(&ike->integ, IKE_INTEG_HMAC_SHA2_256_128, 0);
	set_add(&ike->integ, IKE_INTEG_HMAC_SHA2_512_256, 0);
	set_add(&ike->prf, IKE_PRF_HMAC_SHA2_384, 0);
	set_add(&ike->prf, IKE_PRF_HMAC_SHA2_256, 0);
	set_add(&ike->prf, IKE_PRF_HMAC_SHA2_512, 0);
	set_add(&ike->dh, 20, 0);
	set_add(&ike->dh, 19, 0);
	set_add(&ike->dh, 31, 0);
	set_add(&ike->dh, 14, 0);

	list_add(&esp->propose, &esp_default);
	set_add(&esp->encr, IKE_ENCR_AES_GCM_16, 256);
	set_add(&esp->encr, IKE_ENCR_AES_GCM_16, 128);
	set_add(&esp->encr, IKE_ENCR_AES_CBC, 256);
	set_add(&esp->encr, IKE_ENCR_AES_CBC, 128);
	set_add(&esp->encr, IKE_ENCR_AES_GCM_16, 192);
	set_add(&esp->encr, IKE_ENCR_AES_CBC, 192);
	/* Only what src/esp implements: accepting more would agree to SAs it cannot install. */
	set_add(&esp->integ, IKE_INTEG_HMAC_SHA2_256_128, 0);
	set_add(&esp->dh, 20, 0);
	set_add(&esp->dh, 19, 0);
	set_add(&esp->dh, 31, 0);
	set_add(&esp->dh, 14, 0);
	esp->pfs_optional = true;
}

struct name_map {
	const char *name;
	uint16_t a, b; /* meaning depends on the table */
	const char *refused; /* non-NULL: a known name refused for this reason */
};

static const struct name_map *map_find(const struct name_map *m, const char *name)
{
	for (; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* IKE encryption: a = ENCR id, b = key bits. */
static const struct name_map ike_encr_names[] = {
	{ "AES256", IKE_ENCR_AES_CBC, 256, NULL },
	{ "AES192", IKE_ENCR_AES_CBC, 192, NULL },
	{ "AES128", IKE_ENCR_AES_CBC, 128, NULL },
	{ "DES3", IKE_ENCR_3DES, 0, NULL },
	{ "GCMAES256", IKE_ENCR_AES_GCM_16, 256, NULL },
	{ "GCMAES128", IKE_ENCR_AES_GCM_16, 128, NULL },
	{ "DES", 0, 0, "DES has a 56-bit key and is broken; use AES256 or GCMAES256" },
	{ NULL, 0, 0, NULL },
};

/* IKE integrity: a = INTEG id, b = PRF id. */
static const struct name_map ike_integ_names[] = {
	{ "SHA384", IKE_INTEG_HMAC_SHA2_384_192, IKE_PRF_HMAC_SHA2_384, NULL },
	{ "SHA256", IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256, NULL },
	{ "SHA1", IKE_INTEG_HMAC_SHA1_96, IKE_PRF_HMAC_SHA1, NULL },
	{ "MD5", 0, 0, "MD5 is broken (practical collisions); use SHA256 or SHA384" },
	{ NULL, 0, 0, NULL },
};

/* DH group: a = group. */
static const struct name_map dh_names[] = {
	{ "ECP384", 20, 0, NULL },
	{ "ECP256", 19, 0, NULL },
	{ "DHGroup24", 24, 0, NULL },
	{ "DHGroup14", 14, 0, NULL },
	{ "DHGroup2048", 14, 0, NULL },
	{ "DHGroup2", 2, 0, NULL },
	{ "DHGroup1", 0, 0, "DHGroup1 (768-bit MODP) is broken; use ECP384 or DHGroup14" },
	{ NULL, 0, 0, NULL },
};

/* IPsec encryption: a = ENCR id, b = key bits. */
static const struct name_map esp_encr_names[] = {
	{ "GCMAES256", IKE_ENCR_AES_GCM_16, 256, NULL },
	{ "GCMAES192", IKE_ENCR_AES_GCM_16, 192, NULL },
	{ "GCMAES128", IKE_ENCR_AES_GCM_16, 128, NULL },
	{ "AES256", IKE_ENCR_AES_CBC, 256, NULL },
	{ "AES192", IKE_ENCR_AES_CBC, 192, NULL },
	{ "AES128", IKE_ENCR_AES_CBC, 128, NULL },
	{ "DES3", IKE_ENCR_3DES, 0, NULL },
	{ "None", IKE_ENCR_NULL, 0, NULL },
	{ "DES", 0, 0, "DES has a 56-bit key and is broken; use GCMAES256 or AES256" },
	{ NULL, 0, 0, NULL },
};

/* IPsec integrity: a = INTEG id (0 for GCM), b = the GCM key bits it must match. */
static const struct name_map esp_integ_names[] = {
	{ "GCMAES256", 0, 256, NULL },
	{ "GCMAES192", 0, 192, NULL },
	{ "GCMAES128", 0, 128, NULL },
	{ "SHA256", IKE_INTEG_HMAC_SHA2_256_128, 0, NULL },
	{ "MD5", 0, 0, "MD5 is broken (practical collisions); use SHA256 or a GCMAES value" },
	{ NULL, 0, 0, NULL },
};

/* PFS: a = group; b = 1 for "the IKE group". */
static const struct name_map pfs_names[] = {
	{ "PFS24", 24, 0, NULL },
	{ "ECP384", 20, 0, NULL },
	{ "ECP256", 19, 0, NULL },
	{ "PFS2048", 14, 0, NULL },
	{ "PFS2", 2, 0, NULL },
	{ "PFSMM", 0, 1, NULL },
	{ "None", 0, 0, NULL },
	{ "PFS1", 0, 0, "PFS1 (768-bit MODP) is broken; use ECP384, PFS2048 or PFS24" },
	{ NULL, 0, 0, NULL },
};

static const struct name_map *custom_lookup(const struct name_map *table, const char *value,
					    const char *unknown, const char **why)
{
	const struct name_map *m = value ? map_find(table, value) : NULL;

	if (!m) {
		*why = unknown;
		return NULL;
	}
	if (m->refused) {
		*why = m->refused;
		return NULL;
	}
	return m;
}

static void proto_policy_exactly(struct ike_proto_policy *pp, const struct ike_suite *s)
{
	memset(pp, 0, sizeof(*pp));
	list_add(&pp->propose, s);
	set_add(&pp->encr, s->encr, s->encr_bits);
	if (s->integ)
		set_add(&pp->integ, s->integ, 0);
	if (s->prf)
		set_add(&pp->prf, s->prf, 0);
	if (s->dh)
		set_add(&pp->dh, s->dh, 0);
	pp->pfs_optional = false;
}

int ike_policy_custom(struct ike_policy *p, const struct ike_custom_policy *c, const char **why)
{
	const struct name_map *ie, *ii, *dh, *ee, *ei, *pfs;
	struct ike_suite ike = { 0 }, esp = { .esn = IKE_ESN_NO };

	ie = custom_lookup(ike_encr_names, c->ike_encryption,
			   "ikeEncryption must be one of AES256, AES192, AES128, DES3, GCMAES256, "
			   "GCMAES128",
			   why);
	ii = ie ? custom_lookup(ike_integ_names, c->ike_integrity,
				"ikeIntegrity must be one of SHA384, SHA256, SHA1", why)
		: NULL;
	dh = ii ? custom_lookup(dh_names, c->dh_group,
				"dhGroup must be one of ECP384, ECP256, DHGroup24, DHGroup14, "
				"DHGroup2048, DHGroup2",
				why)
		: NULL;
	ee = dh ? custom_lookup(esp_encr_names, c->ipsec_encryption,
				"ipsecEncryption must be one of GCMAES256, GCMAES192, GCMAES128, "
				"AES256, AES192, AES128, DES3, None",
				why)
		: NULL;
	ei = ee ? custom_lookup(esp_integ_names, c->ipsec_integrity,
				"ipsecIntegrity must be one of GCMAES256, GCMAES192, GCMAES128, "
				"SHA256",
				why)
		: NULL;
	pfs = ei ? custom_lookup(pfs_names, c->pfs_group,
				 "pfsGroup must be one of PFS24, ECP384, ECP256, PFS2048, PFS2, "
				 "PFSMM, None",
				 why)
		 : NULL;
	if (!pfs)
		return -EINVAL;

	ike.encr = ie->a;
	ike.encr_bits = ie->b;
	/* With GCM for IKE there is no integrity transform: the hash names the PRF. */
	ike.integ = ike_alg_encr_is_aead(ike.encr) ? 0 : ii->a;
	ike.prf = ii->b;
	ike.dh = dh->a;

	esp.encr = ee->a;
	esp.encr_bits = ee->b;
	if (esp.encr == IKE_ENCR_AES_GCM_16) {
		/* SPEC §2 rule 11: GCM encryption needs the same GCM value as integrity. */
		if (ei->a != 0 || ei->b != esp.encr_bits) {
			*why = "with GCM IPsec encryption, ipsecIntegrity must be the same GCMAES "
			       "value";
			return -EINVAL;
		}
	} else {
		if (ei->a == 0) {
			*why = "a GCMAES ipsecIntegrity needs the same GCMAES ipsecEncryption";
			return -EINVAL;
		}
		esp.integ = ei->a;
	}
	esp.dh = pfs->b ? ike.dh : pfs->a;

	memset(p, 0, sizeof(*p));
	proto_policy_exactly(&p->ike, &ike);
	proto_policy_exactly(&p->esp, &esp);
	*why = NULL;
	return 0;
}

/* ---- selection ----------------------------------------------------------------------------- */

static bool xform_known_type(uint8_t type)
{
	return type >= IKE_XFORM_ENCR && type <= IKE_XFORM_ESN;
}

/* The proposal offers transform (type, id, bits) usable for selection. */
static bool prop_has(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t bits)
{
	for (uint8_t i = 0; i < p->n_xforms; i++) {
		const struct ike_xform *x = &p->xforms[i];

		if (x->type == type && x->id == id && !(x->flags & IKE_XFORM_F_BAD_ATTR) &&
		    (type != IKE_XFORM_ENCR || x->keylen == bits))
			return true;
	}
	return false;
}

static bool prop_has_type(const struct ike_proposal *p, uint8_t type)
{
	for (uint8_t i = 0; i < p->n_xforms; i++)
		if (p->xforms[i].type == type)
			return true;
	return false;
}

/* Our most preferred member of set that the proposal offers; -1 if none. */
static int pick(const struct ike_proposal *p, uint8_t type, const struct ike_xform_set *set)
{
	for (uint8_t i = 0; i < set->n; i++)
		if (prop_has(p, type, set->v[i].id, set->v[i].bits))
			return i;
	return -1;
}

/* No transform of the type, or only NONE (id 0): "absent" in RFC 7296 3.3.2 terms. */
static bool prop_type_absent(const struct ike_proposal *p, uint8_t type)
{
	return !prop_has_type(p, type) || prop_has(p, type, 0, 0);
}

static int select_from(const struct ike_proto_policy *pol, uint8_t proto, bool no_dh,
		       const struct ike_proposal *p, struct ike_suite *s)
{
	for (uint8_t e = 0; e < pol->encr.n; e++) {
		int i;

		if (!prop_has(p, IKE_XFORM_ENCR, pol->encr.v[e].id, pol->encr.v[e].bits))
			continue;
		memset(s, 0, sizeof(*s));
		s->encr = pol->encr.v[e].id;
		s->encr_bits = pol->encr.v[e].bits;
		if (ike_alg_encr_is_aead(s->encr)) {
			if (!prop_type_absent(p, IKE_XFORM_INTEG))
				continue;
		} else {
			i = pick(p, IKE_XFORM_INTEG, &pol->integ);
			if (i < 0)
				continue;
			s->integ = pol->integ.v[i].id;
		}
		if (proto == IKE_PROTO_IKE) {
			i = pick(p, IKE_XFORM_PRF, &pol->prf);
			if (i < 0)
				continue;
			s->prf = pol->prf.v[i].id;
		}
		if (!no_dh) {
			i = pick(p, IKE_XFORM_DH, &pol->dh);
			if (i >= 0)
				s->dh = pol->dh.v[i].id;
			else if (proto == IKE_PROTO_IKE ||
				 !((pol->pfs_optional || pol->dh.n == 0) &&
				   prop_type_absent(p, IKE_XFORM_DH)))
				continue;
		}
		if (proto == IKE_PROTO_ESP) {
			/* ESN: the peer's first offer; both are ours to do. None offered = no. */
			s->esn = IKE_ESN_NO;
			for (uint8_t x = 0; x < p->n_xforms; x++)
				if (p->xforms[x].type == IKE_XFORM_ESN &&
				    p->xforms[x].id <= IKE_ESN_YES) {
					s->esn = (uint8_t)p->xforms[x].id;
					break;
				}
		}
		return 0;
	}
	return -ENOENT;
}

int ike_proposal_select(const struct ike_proto_policy *pol, uint8_t proto, bool no_dh,
			const struct ike_pld_sa *offer, struct ike_chosen *out)
{
	for (uint8_t i = 0; i < offer->n_props; i++) {
		const struct ike_proposal *p = &offer->props[i];
		bool unknown = false;

		if (p->proto != proto)
			continue;
		for (uint8_t x = 0; x < p->n_xforms; x++)
			unknown |= !xform_known_type(p->xforms[x].type);
		if (unknown)
			continue; /* RFC 7296 3.3.6: reject the proposal whole */
		if (select_from(pol, proto, no_dh, p, &out->suite) == 0) {
			out->num = p->num;
			out->proto = proto;
			out->spi_len = p->spi_len;
			memcpy(out->spi, p->spi, sizeof(out->spi));
			return 0;
		}
	}
	return -ENOENT;
}

static bool suite_equal(const struct ike_suite *a, const struct ike_suite *b, uint8_t proto,
			bool no_dh)
{
	return a->encr == b->encr && a->encr_bits == b->encr_bits && a->integ == b->integ &&
	       (proto != IKE_PROTO_IKE || a->prf == b->prf) && (no_dh || a->dh == b->dh);
}

int ike_proposal_check_reply(const struct ike_suite_list *proposed, uint8_t proto, bool no_dh,
			     const struct ike_pld_sa *reply, struct ike_chosen *out)
{
	const struct ike_proposal *p;
	uint8_t counts[IKE_XFORM_ESN + 1] = { 0 };
	struct ike_suite got = { .esn = IKE_ESN_NO };

	if (reply->n_props != 1)
		return -EPROTO;
	p = &reply->props[0];
	if (p->proto != proto || p->num == 0 || p->num > proposed->n)
		return -EPROTO;
	for (uint8_t x = 0; x < p->n_xforms; x++) {
		const struct ike_xform *t = &p->xforms[x];

		if (!xform_known_type(t->type) || ++counts[t->type] > 1 ||
		    (t->flags & IKE_XFORM_F_BAD_ATTR))
			return -EPROTO; /* 3.3.6: one transform of each type in a reply */
		switch (t->type) {
		case IKE_XFORM_ENCR:
			got.encr = t->id;
			got.encr_bits = t->keylen;
			break;
		case IKE_XFORM_INTEG:
			got.integ = t->id;
			break;
		case IKE_XFORM_PRF:
			got.prf = t->id;
			break;
		case IKE_XFORM_DH:
			got.dh = t->id;
			break;
		case IKE_XFORM_ESN:
			if (proto != IKE_PROTO_ESP || t->id > IKE_ESN_YES)
				return -EPROTO;
			got.esn = (uint8_t)t->id;
			break;
		}
	}
	if (!suite_equal(&got, &proposed->s[p->num - 1], proto, no_dh))
		return -EPROTO;
	out->num = p->num;
	out->proto = proto;
	out->spi_len = p->spi_len;
	memcpy(out->spi, p->spi, sizeof(out->spi));
	out->suite = got;
	if (no_dh)
		out->suite.dh = 0;
	return 0;
}

/* ---- building ------------------------------------------------------------------------------ */

static void add_xform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t bits)
{
	if (p->n_xforms < IKE_PROP_MAX_XFORMS)
		p->xforms[p->n_xforms++] = (struct ike_xform){ .type = type, .id = id, .keylen = bits };
}

static void suite_to_prop(const struct ike_suite *s, uint8_t proto, bool no_dh, bool reply,
			  struct ike_proposal *p)
{
	add_xform(p, IKE_XFORM_ENCR, s->encr, s->encr_bits);
	if (proto == IKE_PROTO_IKE)
		add_xform(p, IKE_XFORM_PRF, s->prf, 0);
	if (s->integ)
		add_xform(p, IKE_XFORM_INTEG, s->integ, 0);
	if (!no_dh && s->dh)
		add_xform(p, IKE_XFORM_DH, s->dh, 0);
	if (proto == IKE_PROTO_ESP) {
		add_xform(p, IKE_XFORM_ESN, s->esn, 0);
		if (!reply)
			add_xform(p, IKE_XFORM_ESN, s->esn == IKE_ESN_YES ? IKE_ESN_NO : IKE_ESN_YES,
				  0);
	}
}

int ike_proposal_offer(const struct ike_suite_list *suites, uint8_t proto, bool no_dh,
		       const uint8_t *spi, uint8_t spi_len, struct ike_pld_sa *out)
{
	if (suites->n == 0 || suites->n > IKE_PROP_MAX || spi_len > 8 || (spi_len && !spi))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (uint8_t i = 0; i < suites->n; i++) {
		struct ike_proposal *p = &out->props[i];

		p->num = (uint8_t)(i + 1);
		p->proto = proto;
		p->spi_len = spi_len;
		if (spi_len)
			memcpy(p->spi, spi, spi_len);
		suite_to_prop(&suites->s[i], proto, no_dh, false, p);
	}
	out->n_props = suites->n;
	return 0;
}

void ike_proposal_reply(const struct ike_chosen *c, const uint8_t *spi, uint8_t spi_len,
			struct ike_pld_sa *out)
{
	struct ike_proposal *p = &out->props[0];

	memset(out, 0, sizeof(*out));
	out->n_props = 1;
	p->num = c->num;
	p->proto = c->proto;
	p->spi_len = spi_len > 8 ? 8 : spi_len;
	if (p->spi_len)
		memcpy(p->spi, spi, p->spi_len);
	suite_to_prop(&c->suite, c->proto, c->suite.dh == 0, true, p);
}
