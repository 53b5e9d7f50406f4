/* SPDX-License-Identifier: MIT */
/*
 * proposal: what a connection proposes and accepts (SPEC §3), and the choice between a peer's
 * proposals (RFC 7296 2.7, 3.3.6). A suite is one transform of each type; a policy lists the
 * suites we propose as initiator (our preference order) and those we accept as responder.
 * Suites are written and read in strongSwan's proposal syntax ("aes256-sha384-ecp384",
 * "aes256gcm16-ecp384"), so logs and configuration read like the peer's own.
 */
#ifndef VNETGW_IKE_PROPOSAL_H
#define VNETGW_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/pld.h"

/* One combination of transforms. 0 means absent (integ for AEAD, dh for no PFS, prf for ESP). */
struct ike_suite {
	uint16_t encr;
	uint16_t encr_bits; /* Key Length attribute; 0 for 3DES and NULL */
	uint16_t integ;
	uint16_t prf;
	uint16_t dh;
	uint8_t esn; /* ESP only: IKE_ESN_NO or IKE_ESN_YES */
};

#define IKE_POLICY_MAX_SUITES 16
#define IKE_XFORM_SET_MAX 8

struct ike_suite_list {
	uint8_t n;
	struct ike_suite s[IKE_POLICY_MAX_SUITES];
};

/* Acceptable transforms of one type, in our order of preference. bits: Key Length (ENCR). */
struct ike_xform_set {
	uint8_t n;
	struct {
		uint16_t id, bits;
	} v[IKE_XFORM_SET_MAX];
};

/*
 * One protocol's policy. As initiator we offer propose, in order. As responder we accept any
 * combination of the sets: an encryption transform; an integrity one unless the cipher is AEAD;
 * a PRF (IKE); a DH group (always for IKE; for ESP, or none when pfs_optional, and exactly none
 * when the dh set is empty). ESP's ESN is free: vnetgw does both.
 */
struct ike_proto_policy {
	struct ike_suite_list propose;
	struct ike_xform_set encr, integ, prf, dh;
	bool pfs_optional;
};

struct ike_policy {
	struct ike_proto_policy ike, esp;
};

/*
 * SPEC §3's default: propose IKE aes256-sha384-ecp384 and ESP aes256gcm16-ecp384 (PFS ECP384);
 * accept those and, as responder, the common stronger sets: AES-CBC and AES-GCM-16 of 128/256
 * bits, SHA-256/384/512 (ESP: SHA-256, what the data plane implements), ECP256/384, MODP2048,
 * Curve25519, ESP with or without PFS, with or without ESN.
 */
void ike_policy_default(struct ike_policy *p);

/*
 * A custom IPsec/IKE policy in Azure's names (SPEC §3): propose and accept exactly it. ESP uses
 * PFS only when pfs is not "None" ("PFSMM" = the IKE DH group). -EINVAL with *why set when a
 * name is unknown or refused (DES, MD5, DHGroup1/PFS1 are broken and never accepted).
 */
struct ike_custom_policy {
	const char *ike_encryption, *ike_integrity, *dh_group;
	const char *ipsec_encryption, *ipsec_integrity, *pfs_group;
};
int ike_policy_custom(struct ike_policy *p, const struct ike_custom_policy *c, const char **why);

/*
 * Parse one suite in strongSwan syntax: dash-separated keywords (aes128 aes192 aes256 3des null
 * aes128gcm16 aes256gcm16 ..., sha1 sha256 sha384 sha512, prfsha1 prfsha256 ..., modp1024
 * modp2048 modp2048s256 ecp256 ecp384 curve25519/x25519, esn noesn). For IKE the PRF defaults to
 * the integrity algorithm's hash when not named; ESN defaults to no. -EINVAL on an unknown or
 * missing piece.
 */
int ike_suite_parse(struct ike_suite *s, uint8_t proto, const char *text);
/* Write a suite in that syntax into out (always terminated). */
void ike_suite_format(const struct ike_suite *s, uint8_t proto, char *out, size_t len);
/* All proposals of an SA payload, "aes256-sha384-ecp384, aes128-..." (for log lines). */
void ike_pld_sa_format(const struct ike_pld_sa *sa, char *out, size_t len);

/* What a selection chose: the peer's proposal number and SPI, and one suite. */
struct ike_chosen {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_len;
	uint8_t spi[8];
	struct ike_suite suite;
};

/*
 * Responder: choose from the peer's offer (in its order) the first proposal of protocol proto
 * from which our policy can take one transform of each type (by our preference). no_dh: the peer's DH transforms are
 * ignored and the chosen suite has none (the first CHILD_SA of IKE_AUTH, RFC 7296 1.2). Proposals
 * with a transform type we do not know, or of another protocol, are skipped (3.3.6).
 * 0, or -ENOENT when nothing matches (answer NO_PROPOSAL_CHOSEN).
 */
int ike_proposal_select(const struct ike_proto_policy *pol, uint8_t proto, bool no_dh,
			const struct ike_pld_sa *offer, struct ike_chosen *out);

/*
 * Initiator: check the responder's answer: exactly one proposal, one transform of each type,
 * whose number and transforms are one of the suites we proposed. 0 or -EPROTO.
 */
int ike_proposal_check_reply(const struct ike_suite_list *proposed, uint8_t proto, bool no_dh,
			     const struct ike_pld_sa *reply, struct ike_chosen *out);

/*
 * Build an SA payload: our proposals (one per suite, numbered from 1) carrying our spi (spi_len
 * 0, 4 or 8); ESP proposals offer the suite's ESN first and the other second. no_dh drops DH
 * transforms (IKE_AUTH). Or the single chosen proposal of a reply, carrying our own spi.
 */
int ike_proposal_offer(const struct ike_suite_list *suites, uint8_t proto, bool no_dh,
		       const uint8_t *spi, uint8_t spi_len, struct ike_pld_sa *out);
void ike_proposal_reply(const struct ike_chosen *c, const uint8_t *spi, uint8_t spi_len,
			struct ike_pld_sa *out);

#endif
