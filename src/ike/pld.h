/* SPDX-License-Identifier: MIT */
/*
 * pld: the IKEv2 payloads (RFC 7296 section 3), one parse/build pair each. Parsers take the
 * payload body (the bytes after the 4-byte generic header) as a buf view, consume it entirely
 * and fill a struct whose byte strings are sub-views of that body (no copies: the packet must
 * outlive the struct). Builders append a body to a writer; msg.c writes the generic headers.
 * Every parser returns 0 or -EBADMSG (malformed); none allocates.
 */
#ifndef VNETGW_IKE_PLD_H
#define VNETGW_IKE_PLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* Payload types (RFC 7296 3.2, IANA "IKEv2 Payload Types"). */
enum ike_pld_type {
	IKE_PLD_NONE = 0,
	IKE_PLD_SA = 33,
	IKE_PLD_KE = 34,
	IKE_PLD_IDI = 35,
	IKE_PLD_IDR = 36,
	IKE_PLD_CERT = 37,
	IKE_PLD_CERTREQ = 38,
	IKE_PLD_AUTH = 39,
	IKE_PLD_NONCE = 40,
	IKE_PLD_NOTIFY = 41,
	IKE_PLD_DELETE = 42,
	IKE_PLD_VENDOR = 43,
	IKE_PLD_TSI = 44,
	IKE_PLD_TSR = 45,
	IKE_PLD_SK = 46,
	IKE_PLD_CP = 47,
	IKE_PLD_EAP = 48,
};

/* Protocol IDs of proposals, notifies and deletes (RFC 7296 3.3.1). */
enum ike_proto {
	IKE_PROTO_NONE = 0,
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH = 2,
	IKE_PROTO_ESP = 3,
};

/* Transform types and IDs (RFC 7296 3.3.2, IANA; the ones vnetgw negotiates or names). */
enum ike_xform_type {
	IKE_XFORM_ENCR = 1,
	IKE_XFORM_PRF = 2,
	IKE_XFORM_INTEG = 3,
	IKE_XFORM_DH = 4,
	IKE_XFORM_ESN = 5,
};

enum ike_encr_id {
	IKE_ENCR_3DES = 3,
	IKE_ENCR_NULL = 11,
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_CTR = 13,
	IKE_ENCR_AES_GCM_8 = 18,
	IKE_ENCR_AES_GCM_12 = 19,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_ENCR_CHACHA20_POLY1305 = 28,
};

enum ike_prf_id {
	IKE_PRF_HMAC_MD5 = 1,
	IKE_PRF_HMAC_SHA1 = 2,
	IKE_PRF_AES128_XCBC = 4,
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
	IKE_PRF_AES128_CMAC = 8,
};

enum ike_integ_id {
	IKE_INTEG_NONE = 0,
	IKE_INTEG_HMAC_MD5_96 = 1,
	IKE_INTEG_HMAC_SHA1_96 = 2,
	IKE_INTEG_AES_XCBC_96 = 5,
	IKE_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};

enum ike_esn_id {
	IKE_ESN_NO = 0,
	IKE_ESN_YES = 1,
};

/* RFC 7296 3.3.5: the only attribute IKEv2 defines, always in TV format. */
#define IKE_ATTR_KEY_LENGTH 14
#define IKE_ATTR_TV	    0x8000

/* Local bounds on what one SA payload may carry; more is refused as malformed. */
#define IKE_PROP_MAX	    16
#define IKE_PROP_MAX_XFORMS 64

/* Transform flags: the peer sent something this transform cannot be selected with (3.3.6). */
#define IKE_XFORM_F_BAD_ATTR 0x01 /* unknown attribute, TLV key length or a duplicate */

struct ike_xform {
	uint8_t type;	 /* enum ike_xform_type, or an unknown type kept for 3.3.6 */
	uint8_t flags;	 /* IKE_XFORM_F_* */
	uint16_t id;	 /* transform ID */
	uint16_t keylen; /* Key Length attribute in bits; 0 when absent */
};

struct ike_proposal {
	uint8_t num;	 /* Proposal Num: 1, 2, ... in a request; the chosen one in a reply */
	uint8_t proto;	 /* enum ike_proto */
	uint8_t spi_len; /* 0 (IKE_SA_INIT), 8 (IKE rekey) or 4 (ESP, AH) */
	uint8_t spi[8];
	uint8_t n_xforms;
	struct ike_xform xforms[IKE_PROP_MAX_XFORMS];
};

struct ike_pld_sa {
	uint8_t n_props;
	struct ike_proposal props[IKE_PROP_MAX];
};

struct ike_pld_ke {
	uint16_t group; /* DH transform ID */
	struct buf data;
};

/* RFC 7296 3.9: 16 to 256 bytes. */
#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256

struct ike_pld_nonce {
	struct buf data;
};

enum ike_id_type {
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_DER_ASN1_GN = 10,
	IKE_ID_KEY_ID = 11,
};

/* IDi and IDr (3.5). Other ID types are kept as type + data for policy to refuse. */
struct ike_pld_id {
	uint8_t type;
	struct buf data;
};

enum ike_auth_method {
	IKE_AUTH_RSA_SIG = 1,
	IKE_AUTH_SHARED_KEY_MIC = 2,
	IKE_AUTH_DSS_SIG = 3,
	IKE_AUTH_DIGITAL_SIGNATURE = 14,
};

struct ike_pld_auth {
	uint8_t method;
	struct buf data;
};

enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE = 7,
	IKE_TS_IPV6_ADDR_RANGE = 8,
};

#define IKE_TS_MAX 16

/* One selector; addresses in network order, 4 or 16 bytes used by type. */
struct ike_ts {
	uint8_t type;
	uint8_t ip_proto; /* 0: any */
	uint16_t start_port, end_port;
	uint8_t start[16], end[16];
};

struct ike_pld_ts {
	uint8_t n_ts;
	struct ike_ts ts[IKE_TS_MAX];
};

/* Notify message types (RFC 7296 3.10.1, IANA): errors below 16384, status types above. */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_ERROR_MAX = 16383,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,
	IKE_N_MULTIPLE_AUTH_SUPPORTED = 16404,
	IKE_N_REDIRECT_SUPPORTED = 16406,
	IKE_N_EAP_ONLY_AUTHENTICATION = 16417,
	IKE_N_CHILDLESS_IKEV2_SUPPORTED = 16418,
	IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED = 16420,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

struct ike_pld_notify {
	uint8_t proto;	 /* enum ike_proto; 0 when the notify is not about an SA */
	uint8_t spi_len; /* 0, 4 or 8 */
	uint16_t type;	 /* enum ike_notify_type */
	uint8_t spi[8];
	struct buf data;
};

/* Delete (3.11): an IKE SA (no SPIs) or child SAs by their 4-byte SPIs. */
struct ike_pld_delete {
	uint8_t proto;
	uint8_t spi_len;
	uint16_t n_spi;
	struct buf spis; /* n_spi * spi_len bytes */
};

/* Vendor ID, CERT, CERTREQ, CP, EAP: tolerated and kept as opaque bytes. */
struct ike_pld_opaque {
	struct buf data;
};

/* Parsers: b is the payload body, consumed entirely. 0 or -EBADMSG. */
int ike_pld_parse_sa(struct buf *b, struct ike_pld_sa *out);
int ike_pld_parse_ke(struct buf *b, struct ike_pld_ke *out);
int ike_pld_parse_nonce(struct buf *b, struct ike_pld_nonce *out);
int ike_pld_parse_id(struct buf *b, struct ike_pld_id *out);
int ike_pld_parse_auth(struct buf *b, struct ike_pld_auth *out);
int ike_pld_parse_ts(struct buf *b, struct ike_pld_ts *out);
int ike_pld_parse_notify(struct buf *b, struct ike_pld_notify *out);
int ike_pld_parse_delete(struct buf *b, struct ike_pld_delete *out);
int ike_pld_parse_opaque(struct buf *b, struct ike_pld_opaque *out);

/* The i-th SPI of a delete payload (4-byte SPIs only), i < n_spi. */
uint32_t ike_pld_delete_spi(const struct ike_pld_delete *d, uint16_t i);

/*
 * Builders append the body to out. 0, -ENOSPC, or -EINVAL when the struct itself breaks a rule
 * the parser enforces (so everything built parses back).
 */
int ike_pld_build_sa(struct buf *out, const struct ike_pld_sa *in);
int ike_pld_build_ke(struct buf *out, const struct ike_pld_ke *in);
int ike_pld_build_nonce(struct buf *out, const struct ike_pld_nonce *in);
int ike_pld_build_id(struct buf *out, const struct ike_pld_id *in);
int ike_pld_build_auth(struct buf *out, const struct ike_pld_auth *in);
int ike_pld_build_ts(struct buf *out, const struct ike_pld_ts *in);
int ike_pld_build_notify(struct buf *out, const struct ike_pld_notify *in);
/* spis: n_spi values of spi_len 4 (host order), or NULL when n_spi is 0. */
int ike_pld_build_delete(struct buf *out, uint8_t proto, const uint32_t *spis, uint16_t n_spi);
int ike_pld_build_opaque(struct buf *out, const struct ike_pld_opaque *in);

/* True for the payload types this codec parses (everything else is "unknown" to 2.5). */
bool ike_pld_type_known(uint8_t type);
/* Validate a body of a known type by parsing it into scratch space. 0 or -EBADMSG. */
int ike_pld_check(uint8_t type, const struct buf *body);

/* 3.10.1: types below 16384 report errors (and end an exchange); the rest are status. */
bool ike_notify_is_error(uint16_t type);

/* Names for log lines; "?" for unknown values. */
const char *ike_pld_type_name(uint8_t type);
const char *ike_notify_name(uint16_t type);
const char *ike_xform_type_name(uint8_t type);
const char *ike_xform_id_name(uint8_t type, uint16_t id);
const char *ike_proto_name(uint8_t proto);

#endif
