/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/ike/proposal: strongSwan syntax, SPEC §3's default and custom policies,
 * selection (RFC 7296 2.7, 3.3.6) over offers that went through the payload codec, and the
 * initiator's check of a reply. Numbered rows.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ike/proposal.h"

/* 1. Parsing and printing. */
static const struct {
	uint8_t proto;
	const char *in, *out; /* out NULL: refused */
} syntax_rows[] = {
	/* 1 */ { IKE_PROTO_IKE, "aes256-sha384-ecp384", "aes256-sha384-prfsha384-ecp384" },
	/* 2 */ { IKE_PROTO_IKE, "aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048" },
	/* 3 */ { IKE_PROTO_IKE, "aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-curve25519" },
	/* 4 */ { IKE_PROTO_IKE, "aes256-sha256-prfsha384-ecp256", "aes256-sha256-prfsha384-ecp256" },
	/* 5 */ { IKE_PROTO_ESP, "aes256gcm16-ecp384", "aes256gcm16-ecp384" },
	/* 6 */ { IKE_PROTO_ESP, "aes256-sha256", "aes256-sha256" },
	/* 7 */ { IKE_PROTO_ESP, "aes128gcm16-esn", "aes128gcm16-esn" },
	/* 8 */ { IKE_PROTO_ESP, "null-sha256", "null-sha256" },
	/* 9 */ { IKE_PROTO_ESP, "3des-sha1-noesn", "3des-sha1" },
	/* 10 */ { IKE_PROTO_IKE, "", NULL },
	/* 11 */ { IKE_PROTO_IKE, "aes256-ecp384", NULL },	  /* no integrity for CBC */
	/* 12 */ { IKE_PROTO_IKE, "aes256-sha384", NULL },	  /* IKE needs a DH group */
	/* 13 */ { IKE_PROTO_IKE, "aes128gcm16-x25519", NULL },	  /* AEAD IKE needs its PRF */
	/* 14 */ { IKE_PROTO_ESP, "aes256gcm16-sha256", NULL },	  /* AEAD with integrity */
	/* 15 */ { IKE_PROTO_IKE, "aes256-sha384-ecp384-", NULL }, /* trailing dash */
	/* 16 */ { IKE_PROTO_IKE, "aes256--sha384-ecp384", NULL },
	/* 17 */ { IKE_PROTO_IKE, "aes256-sha384-ecp999", NULL },
	/* 18 */ { IKE_PROTO_ESP, "aes256gcm16-prfsha256", NULL }, /* PRF is IKE's */
	/* 19 */ { IKE_PROTO_IKE, "aes256-sha384-ecp384-esn", NULL },
	/* 20 */ { IKE_PROTO_IKE, "aes256-aes128-sha384-ecp384", NULL }, /* two ciphers */
	/* 21 */ { IKE_PROTO_IKE, "null-sha256-ecp256", NULL },	 /* IKE is never unencrypted */
};

Test(proposal, syntax_rows)
{
	for (size_t i = 0; i < sizeof(syntax_rows) / sizeof(syntax_rows[0]); i++) {
		struct ike_suite s;
		char out[128];
		int r = ike_suite_parse(&s, syntax_rows[i].proto, syntax_rows[i].in);

		if (!syntax_rows[i].out) {
			cr_assert_eq(r, -EINVAL, "row %zu: '%s' accepted", i + 1, syntax_rows[i].in);
			continue;
		}
		cr_assert_eq(r, 0, "row %zu: '%s' refused", i + 1, syntax_rows[i].in);
		ike_suite_format(&s, syntax_rows[i].proto, out, sizeof(out));
		cr_assert_str_eq(out, syntax_rows[i].out, "row %zu", i + 1);
	}
}

/* Build an offer from strongSwan-syntax proposals, through the codec and back. */
static void offer_of(struct ike_pld_sa *parsed, uint8_t proto, bool no_dh, const char *const *p,
		     size_t n)
{
	static const uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_suite_list l = { 0 };
	struct ike_pld_sa sa;
	uint8_t mem[2048];
	struct buf w, r;

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(ike_suite_parse(&l.s[l.n++], proto, p[i]), 0, "%s", p[i]);
	cr_assert_eq(ike_proposal_offer(&l, proto, no_dh, proto == IKE_PROTO_ESP ? spi : NULL,
					proto == IKE_PROTO_ESP ? 4 : 0, &sa),
		     0);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_sa(&w, &sa), 0);
	buf_init_read(&r, buf_data(&w), buf_left(&w));
	cr_assert_eq(ike_pld_parse_sa(&r, parsed), 0);
}

static void assert_chosen(const struct ike_chosen *c, uint8_t proto, const char *want)
{
	char got[128];

	ike_suite_format(&c->suite, proto, got, sizeof(got));
	cr_assert_str_eq(got, want);
}

/* 2. Issue 3's proposal matrix: each accepted by the default policy as responder. */
static const struct {
	uint8_t proto;
	bool no_dh;
	const char *offer, *chosen;
} matrix[] = {
	/* 1 */ { IKE_PROTO_IKE, false, "aes256-sha384-ecp384", "aes256-sha384-prfsha384-ecp384" },
	/* 2 */ { IKE_PROTO_IKE, false, "aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048" },
	/* 3 */ { IKE_PROTO_IKE, false, "aes256-sha256-modp2048", "aes256-sha256-prfsha256-modp2048" },
	/* 4 */ { IKE_PROTO_IKE, false, "aes128gcm16-prfsha256-x25519",
		  "aes128gcm16-prfsha256-curve25519" },
	/* 5 */ { IKE_PROTO_ESP, true, "aes256gcm16-ecp384", "aes256gcm16" }, /* IKE_AUTH: no DH */
	/* 6 */ { IKE_PROTO_ESP, false, "aes256gcm16-ecp384", "aes256gcm16-ecp384" }, /* rekey */
	/* 7 */ { IKE_PROTO_ESP, false, "aes128gcm16", "aes128gcm16" },
	/* 8 */ { IKE_PROTO_ESP, false, "aes256-sha256", "aes256-sha256" },
	/* 9 */ { IKE_PROTO_ESP, false, "aes256gcm16-esn", "aes256gcm16-esn" },
};

Test(proposal, default_policy_accepts_the_matrix)
{
	struct ike_policy pol;

	ike_policy_default(&pol);
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		const struct ike_proto_policy *pp =
			matrix[i].proto == IKE_PROTO_IKE ? &pol.ike : &pol.esp;
		struct ike_pld_sa offer;
		struct ike_chosen c;

		offer_of(&offer, matrix[i].proto, false, &matrix[i].offer, 1);
		cr_assert_eq(ike_proposal_select(pp, matrix[i].proto, matrix[i].no_dh, &offer, &c),
			     0, "row %zu: %s refused", i + 1, matrix[i].offer);
		assert_chosen(&c, matrix[i].proto, matrix[i].chosen);
		cr_assert_eq(c.num, 1);
		if (matrix[i].proto == IKE_PROTO_ESP)
			cr_assert_eq(c.spi_len, 4, "row %zu: the peer's SPI is kept", i + 1);
	}
}

/* 3. Refusals by the default policy. */
static const struct {
	uint8_t proto;
	const char *offer;
} refused[] = {
	/* 1 */ { IKE_PROTO_IKE, "aes256-sha1-modp1024" },
	/* 2 */ { IKE_PROTO_IKE, "3des-sha256-ecp256" },
	/* 3 */ { IKE_PROTO_IKE, "aes256-sha256-modp2048s256" },
	/* 4 */ { IKE_PROTO_ESP, "3des-sha1" },
	/* 5 */ { IKE_PROTO_ESP, "null-sha256" },
	/* 6 */ { IKE_PROTO_ESP, "aes256gcm16-modp1024" },
	/* 7 */ { IKE_PROTO_ESP, "aes256-sha384" }, /* the data plane has no HMAC-SHA-384 */
	/* 8 */ { IKE_PROTO_ESP, "aes128-sha512" },
};

Test(proposal, default_policy_refuses)
{
	struct ike_policy pol;

	ike_policy_default(&pol);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct ike_pld_sa offer;
		struct ike_chosen c;

		offer_of(&offer, refused[i].proto, false, &refused[i].offer, 1);
		cr_assert_eq(ike_proposal_select(refused[i].proto == IKE_PROTO_IKE ? &pol.ike
										    : &pol.esp,
						 refused[i].proto, false, &offer, &c),
			     -ENOENT, "row %zu: %s accepted", i + 1, refused[i].offer);
	}
}

Test(proposal, peer_order_of_proposals_our_order_within_one)
{
	static const char *const two[] = { "aes128-sha256-ecp256", "aes256-sha384-ecp384" };
	struct ike_policy pol;
	struct ike_pld_sa offer;
	struct ike_chosen c;

	ike_policy_default(&pol);
	offer_of(&offer, IKE_PROTO_IKE, false, two, 2);
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &c), 0);
	cr_assert_eq(c.num, 1, "the peer's first acceptable proposal wins");
	assert_chosen(&c, IKE_PROTO_IKE, "aes128-sha256-prfsha256-ecp256");

	/* One proposal carrying several transforms of each type: our preference decides. */
	offer.n_props = 1;
	struct ike_proposal *p = &offer.props[0];
	p->xforms[p->n_xforms++] = (struct ike_xform){ IKE_XFORM_ENCR, 0, IKE_ENCR_AES_CBC, 256 };
	p->xforms[p->n_xforms++] = (struct ike_xform){ IKE_XFORM_DH, 0, 20, 0 };
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &c), 0);
	assert_chosen(&c, IKE_PROTO_IKE, "aes256-sha256-prfsha256-ecp384");
}

Test(proposal, unknown_type_rejects_proposal_bad_attribute_ignores_transform)
{
	static const char *const two[] = { "aes256-sha384-ecp384", "aes128-sha256-ecp256" };
	struct ike_policy pol;
	struct ike_pld_sa offer;
	struct ike_chosen c;

	ike_policy_default(&pol);
	offer_of(&offer, IKE_PROTO_IKE, false, two, 2);
	offer.props[0].xforms[offer.props[0].n_xforms++] = (struct ike_xform){ 99, 0, 1, 0 };
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &c), 0);
	cr_assert_eq(c.num, 2, "3.3.6: a proposal with an unknown transform type is rejected");

	offer_of(&offer, IKE_PROTO_IKE, false, two, 1);
	offer.props[0].xforms[0].flags |= IKE_XFORM_F_BAD_ATTR; /* the only cipher */
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &c), -ENOENT);
}

Test(proposal, pfs_rules)
{
	static const char *const nopfs = "aes256gcm16", *const pfs = "aes256gcm16-ecp384";
	const struct ike_custom_policy with_pfs = { "AES256", "SHA384", "ECP384",
						    "GCMAES256", "GCMAES256", "ECP384" };
	const struct ike_custom_policy without = { "AES256", "SHA384", "ECP384",
						   "GCMAES256", "GCMAES256", "None" };
	struct ike_policy pol;
	struct ike_pld_sa offer;
	struct ike_chosen c;
	const char *why;

	cr_assert_eq(ike_policy_custom(&pol, &with_pfs, &why), 0);
	offer_of(&offer, IKE_PROTO_ESP, false, &nopfs, 1);
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, false, &offer, &c), -ENOENT,
		     "a custom policy with PFS refuses a rekey without it");
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, true, &offer, &c), 0,
		     "but IKE_AUTH's child never has DH (RFC 7296 1.2)");
	offer_of(&offer, IKE_PROTO_ESP, false, &pfs, 1);
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, false, &offer, &c), 0);

	cr_assert_eq(ike_policy_custom(&pol, &without, &why), 0);
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, false, &offer, &c), -ENOENT,
		     "a custom policy without PFS refuses a peer that insists on it");
	/* A peer offering "ECP384 or NONE" is fine without PFS. */
	offer.props[0].xforms[offer.props[0].n_xforms++] =
		(struct ike_xform){ IKE_XFORM_DH, 0, 0, 0 };
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, false, &offer, &c), 0);
	cr_assert_eq(c.suite.dh, 0);
}

/* 4. Custom policies in Azure's names. */
static const struct {
	struct ike_custom_policy c;
	const char *ike, *esp; /* NULL: refused, and why contains esp */
} custom_rows[] = {
	/* 1 */ { { "AES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" },
		  "aes256-sha384-prfsha384-ecp384", "aes256gcm16-ecp384" },
	/* 2 */ { { "GCMAES128", "SHA256", "DHGroup2048", "AES128", "SHA256", "PFSMM" },
		  "aes128gcm16-prfsha256-modp2048", "aes128-sha256-modp2048" },
	/* 3 */ { { "DES3", "SHA1", "DHGroup2", "None", "SHA256", "None" },
		  "3des-sha1-prfsha1-modp1024", "null-sha256" },
	/* 4 */ { { "AES192", "SHA256", "DHGroup24", "GCMAES192", "GCMAES192", "PFS24" },
		  "aes192-sha256-prfsha256-modp2048s256", "aes192gcm16-modp2048s256" },
	/* 5 */ { { "DES", "SHA256", "ECP256", "AES256", "SHA256", "None" }, NULL, "DES" },
	/* 6 */ { { "AES256", "MD5", "ECP256", "AES256", "SHA256", "None" }, NULL, "MD5" },
	/* 7 */ { { "AES256", "SHA256", "DHGroup1", "AES256", "SHA256", "None" }, NULL, "768" },
	/* 8 */ { { "AES256", "SHA256", "ECP256", "AES256", "SHA256", "PFS1" }, NULL, "PFS1" },
	/* 9 */ { { "AES256", "SHA256", "ECP256", "GCMAES256", "GCMAES128", "None" }, NULL,
		  "same GCMAES" },
	/* 10 */ { { "AES256", "SHA256", "ECP256", "AES256", "GCMAES256", "None" }, NULL,
		   "GCMAES ipsecIntegrity" },
	/* 11 */ { { "AES512", "SHA256", "ECP256", "AES256", "SHA256", "None" }, NULL,
		   "ikeEncryption" },
	/* 12 */ { { "AES256", "SHA256", "ECP256", "AES256", NULL, "None" }, NULL,
		   "ipsecIntegrity" },
};

Test(proposal, custom_rows)
{
	for (size_t i = 0; i < sizeof(custom_rows) / sizeof(custom_rows[0]); i++) {
		struct ike_policy pol;
		const char *why = NULL;
		char out[128];
		int r = ike_policy_custom(&pol, &custom_rows[i].c, &why);

		if (!custom_rows[i].ike) {
			cr_assert_eq(r, -EINVAL, "row %zu accepted", i + 1);
			cr_assert_not_null(why);
			cr_assert(strstr(why, custom_rows[i].esp), "row %zu: why '%s'", i + 1, why);
			continue;
		}
		cr_assert_eq(r, 0, "row %zu: %s", i + 1, why);
		cr_assert_eq(pol.ike.propose.n, 1);
		ike_suite_format(&pol.ike.propose.s[0], IKE_PROTO_IKE, out, sizeof(out));
		cr_assert_str_eq(out, custom_rows[i].ike, "row %zu", i + 1);
		ike_suite_format(&pol.esp.propose.s[0], IKE_PROTO_ESP, out, sizeof(out));
		cr_assert_str_eq(out, custom_rows[i].esp, "row %zu", i + 1);
	}
}

Test(proposal, custom_policy_accepts_only_itself)
{
	const struct ike_custom_policy c = { "AES128", "SHA256", "ECP256",
					     "AES128", "SHA256", "None" };
	static const char *const dflt = "aes256-sha384-ecp384", *const own = "aes128-sha256-ecp256";
	struct ike_policy pol;
	struct ike_pld_sa offer;
	struct ike_chosen ch;
	const char *why;

	cr_assert_eq(ike_policy_custom(&pol, &c, &why), 0);
	offer_of(&offer, IKE_PROTO_IKE, false, &dflt, 1);
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &ch), -ENOENT);
	offer_of(&offer, IKE_PROTO_IKE, false, &own, 1);
	cr_assert_eq(ike_proposal_select(&pol.ike, IKE_PROTO_IKE, false, &offer, &ch), 0);
}

/* 5. The initiator's check of the responder's choice. */
Test(proposal, check_reply)
{
	struct ike_policy pol;
	struct ike_pld_sa offer, reply;
	struct ike_chosen c, back;
	static const uint8_t spi[4] = { 9, 9, 9, 9 };

	ike_policy_default(&pol);
	cr_assert_eq(ike_proposal_offer(&pol.esp.propose, IKE_PROTO_ESP, false, spi, 4, &offer), 0);
	cr_assert_eq(ike_proposal_select(&pol.esp, IKE_PROTO_ESP, false, &offer, &c), 0);
	ike_proposal_reply(&c, spi, 4, &reply);
	cr_assert_eq(reply.props[0].n_xforms, 3, "ENCR, DH and exactly one ESN");
	cr_assert_eq(ike_proposal_check_reply(&pol.esp.propose, IKE_PROTO_ESP, false, &reply, &back),
		     0);
	cr_assert_eq(back.suite.dh, 20);

	struct ike_pld_sa bad = reply;
	bad.props[0].xforms[bad.props[0].n_xforms++] = (struct ike_xform){ IKE_XFORM_DH, 0, 19, 0 };
	cr_assert_eq(ike_proposal_check_reply(&pol.esp.propose, IKE_PROTO_ESP, false, &bad, &back),
		     -EPROTO, "two DH transforms in a reply");
	bad = reply;
	bad.props[0].num = 2;
	cr_assert_eq(ike_proposal_check_reply(&pol.esp.propose, IKE_PROTO_ESP, false, &bad, &back),
		     -EPROTO, "a proposal number we never sent");
	bad = reply;
	bad.props[0].xforms[0].keylen = 128;
	cr_assert_eq(ike_proposal_check_reply(&pol.esp.propose, IKE_PROTO_ESP, false, &bad, &back),
		     -EPROTO, "a cipher we did not propose");
	bad = reply;
	bad.n_props = 2;
	cr_assert_eq(ike_proposal_check_reply(&pol.esp.propose, IKE_PROTO_ESP, false, &bad, &back),
		     -EPROTO);
}

Test(proposal, sa_format_for_logs)
{
	static const char *const two[] = { "aes256-sha384-ecp384", "aes128gcm16-prfsha256-x25519" };
	struct ike_pld_sa offer;
	char out[256];

	offer_of(&offer, IKE_PROTO_IKE, false, two, 2);
	ike_pld_sa_format(&offer, out, sizeof(out));
	cr_assert(strstr(out, "aes256-prfsha384-sha384-ecp384"), "%s", out);
	cr_assert(strstr(out, "aes128gcm16-prfsha256-curve25519"), "%s", out);
	ike_pld_sa_format(&offer, out, 12);
	cr_assert_eq(strlen(out), 11, "truncated, terminated");
}
