/* SPDX-License-Identifier: MIT */
/*
 * msg: the BGP-4 message codec (RFC 4271 section 4): the 19-byte header, OPEN with capabilities
 * (RFC 5492; multiprotocol RFC 4760, route refresh RFC 2918, 4-octet AS RFC 6793), KEEPALIVE,
 * NOTIFICATION (codes of RFC 4271 4.5, FSM errors RFC 6608, Cease subcodes RFC 4486) and
 * ROUTE-REFRESH (RFC 2918, length rule of RFC 7313 5). UPDATE bodies are update.h's.
 *
 * bgp_msg_parse() is the one entry point for a whole message as the speaker receives it (and
 * as the fuzzer feeds it). Protocol errors are data: a parser that refuses a message fills a
 * struct bgp_error with the NOTIFICATION to send, and the FSM sends it.
 */
#ifndef VNETGW_BGP_MSG_H
#define VNETGW_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define BGP_PORT	  179
#define BGP_VERSION	  4
#define BGP_MARKER_LEN	  16
#define BGP_HDR_LEN	  19
#define BGP_MAX_MSG	  4096
#define BGP_OPEN_MIN	  29 /* 4.2: header + 10 */
#define BGP_UPDATE_MIN	  23 /* 4.3: header + two length fields */
#define BGP_NOTIF_MIN	  21 /* 4.5: header + code + subcode */
#define BGP_KEEPALIVE_LEN 19 /* 4.4: the header alone */
#define BGP_REFRESH_LEN	  23 /* RFC 2918 3: header + AFI, reserved, SAFI */

/* RFC 6793 9: the 2-octet stand-in for a 4-octet AS number. */
#define BGP_AS_TRANS 23456

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* Address families (RFC 4760 3, IANA "Address Family Numbers") and the one SAFI we carry. */
#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_SAFI_UNICAST 1

/* NOTIFICATION error codes (RFC 4271 4.5, RFC 7313 for ROUTE-REFRESH). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_REFRESH = 7,
};

/* Message Header Error subcodes (6.1). */
#define BGP_ERR_HDR_NOT_SYNC 1
#define BGP_ERR_HDR_BAD_LEN  2
#define BGP_ERR_HDR_BAD_TYPE 3
/* OPEN Message Error subcodes (6.2; 7 is RFC 5492's Unsupported Capability). */
#define BGP_ERR_OPEN_VERSION	1
#define BGP_ERR_OPEN_PEER_AS	2
#define BGP_ERR_OPEN_BGP_ID	3
#define BGP_ERR_OPEN_OPT_PARAM	4
#define BGP_ERR_OPEN_HOLD_TIME	6
#define BGP_ERR_OPEN_CAPABILITY 7
/* UPDATE Message Error subcodes (6.3). */
#define BGP_ERR_UPD_ATTR_LIST  1
#define BGP_ERR_UPD_UNKNOWN_WK 2
#define BGP_ERR_UPD_MISSING_WK 3
#define BGP_ERR_UPD_FLAGS      4
#define BGP_ERR_UPD_LENGTH     5
#define BGP_ERR_UPD_ORIGIN     6
#define BGP_ERR_UPD_NEXTHOP    8
#define BGP_ERR_UPD_OPTIONAL   9
#define BGP_ERR_UPD_NETWORK    10
#define BGP_ERR_UPD_AS_PATH    11
/* Finite State Machine Error subcodes (RFC 6608 3). */
#define BGP_ERR_FSM_IN_OPENSENT	   1
#define BGP_ERR_FSM_IN_OPENCONFIRM 2
#define BGP_ERR_FSM_IN_ESTABLISHED 3
/* Cease subcodes (RFC 4486 3). */
#define BGP_CEASE_MAX_PREFIX	   1
#define BGP_CEASE_ADMIN_SHUTDOWN   2
#define BGP_CEASE_PEER_DECONFIG	   3
#define BGP_CEASE_ADMIN_RESET	   4
#define BGP_CEASE_CONN_REJECTED	   5
#define BGP_CEASE_CONFIG_CHANGE	   6
#define BGP_CEASE_COLLISION	   7
#define BGP_CEASE_OUT_OF_RESOURCES 8
/* ROUTE-REFRESH Message Error subcode (RFC 7313 5). */
#define BGP_ERR_REFRESH_BAD_LEN 1

/* What a NOTIFICATION may carry after code and subcode. */
#define BGP_NOTIF_DATA_MAX (BGP_MAX_MSG - BGP_NOTIF_MIN)

/*
 * How an error in a received message is handled, weakest first (RFC 7606 2, 3(f): when several
 * errors are found the strongest action wins).
 */
enum bgp_action {
	BGP_ACT_NONE = 0,
	BGP_ACT_ATTR_DISCARD,	   /* the attribute is dropped, the UPDATE goes on (7606 2) */
	BGP_ACT_TREAT_AS_WITHDRAW, /* every NLRI of the UPDATE is withdrawn (7606 2) */
	BGP_ACT_SESSION_RESET,	   /* a NOTIFICATION is sent and the session ends */
};
const char *bgp_action_name(enum bgp_action a);

/*
 * A protocol error found in a received message: the action, and for BGP_ACT_SESSION_RESET the
 * NOTIFICATION to send (code, subcode and data as RFC 4271 6 says). why is for the log.
 */
struct bgp_error {
	enum bgp_action action;
	uint8_t code, subcode;
	uint16_t data_len;
	uint8_t data[BGP_NOTIF_DATA_MAX];
	char why[128];
};

/* Set err to a session reset with code/subcode, no data, and a reason. Returns -EBADMSG. */
int bgp_error_set(struct bgp_error *err, uint8_t code, uint8_t subcode, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Copy the unread bytes of data (cut at BGP_NOTIF_DATA_MAX) as the NOTIFICATION's data. */
void bgp_error_data(struct bgp_error *err, const struct buf *data);
/* "Cease/Maximum Number of Prefixes Reached" and the like, for logs and status. */
const char *bgp_error_code_name(uint8_t code);
const char *bgp_error_subcode_name(uint8_t code, uint8_t subcode);

struct bgp_hdr {
	uint16_t len; /* the whole message, header included */
	uint8_t type;
};

/*
 * OPEN (4.2) and the capabilities we understand (RFC 5492 4). my_as is the 2-octet field;
 * bgp_open_asn() is the peer's AS number (the 4-octet capability's when present, RFC 6793 3).
 */
struct bgp_open {
	uint8_t version;
	uint16_t my_as;
	uint16_t hold_time;
	uint32_t bgp_id;	       /* host order */
	bool cap_mp_ipv4, cap_mp_ipv6; /* RFC 4760 8: multiprotocol IPv4 / IPv6 unicast */
	bool cap_mp_any;	       /* some multiprotocol capability, perhaps for another AFI */
	bool cap_refresh;	       /* RFC 2918 (code 2, or the pre-standard 128) */
	bool cap_as4;		       /* RFC 6793 */
	uint32_t as4;
	unsigned int n_unknown_caps; /* capabilities ignored (RFC 5492 3: not an error) */
};
uint32_t bgp_open_asn(const struct bgp_open *o);

/* NOTIFICATION as received: data views the message. */
struct bgp_notification {
	uint8_t code, subcode;
	struct buf data;
};

struct bgp_refresh {
	uint16_t afi;
	uint8_t safi;
};

/*
 * What the receiver of an UPDATE knows about the session (RFC 6793, RFC 4760): parse rules that
 * depend on negotiation.
 */
struct bgp_parse_ctx {
	bool as4;	  /* both sides sent the 4-octet AS capability: AS_PATH is 4-octet */
	bool ebgp;	  /* external peer: LOCAL_PREF is discarded (RFC 7606 7.5) */
	uint32_t peer_as; /* eBGP: the leftmost AS of AS_PATH must be this (0: not checked) */
};

struct bgp_update;

/*
 * One whole message as received. update points at caller-provided storage (it is large, see
 * update.h) and is filled for an UPDATE; the other members for their type.
 */
struct bgp_msg {
	struct bgp_hdr hdr;
	struct bgp_open open;
	struct bgp_notification notif;
	struct bgp_refresh refresh;
	struct bgp_update *update;
};

/*
 * The header (4.1): marker all ones (else Connection Not Synchronized), length 19..4096 and at
 * least the type's minimum (else Bad Message Length, data the length field), a known type (else
 * Bad Message Type, data the type). Consumes the 19 bytes. 0, or -EBADMSG with err set; -EAGAIN
 * when fewer than 19 bytes are there (no error: wait for more).
 */
int bgp_msg_parse_header(struct buf *b, struct bgp_hdr *h, struct bgp_error *err);

/*
 * A whole message (exactly one: msg holds its bytes, header included). The header is checked as
 * above, then the body by type. UPDATE errors that RFC 7606 handles without a reset come back as
 * 0 with m->update->action set (update.h); -EBADMSG means err holds the NOTIFICATION. ctx is for
 * UPDATE only (NULL: 2-octet, eBGP, no first-AS check).
 */
int bgp_msg_parse(struct buf *msg, const struct bgp_parse_ctx *ctx, struct bgp_msg *m,
		  struct bgp_error *err);

/* Bodies (after the header), for the table-driven tests and bgp_msg_parse. Same returns. */
int bgp_msg_parse_open(struct buf *body, struct bgp_open *o, struct bgp_error *err);
int bgp_msg_parse_notification(struct buf *body, struct bgp_notification *n, struct bgp_error *err);
int bgp_msg_parse_refresh(struct buf *body, struct bgp_refresh *r, struct bgp_error *err);

/*
 * Builders append one whole message to w (header included): 0, -ENOSPC (w unchanged in
 * length... the caller discards w on error) or -EINVAL for what the parser would refuse.
 * The open builder writes the capabilities its flags name, in one Capabilities parameter.
 */
int bgp_msg_build_open(struct buf *w, const struct bgp_open *o);
int bgp_msg_build_keepalive(struct buf *w);
int bgp_msg_build_notification(struct buf *w, uint8_t code, uint8_t subcode, const void *data,
			       size_t len);
int bgp_msg_build_refresh(struct buf *w, uint16_t afi, uint8_t safi);

/* Start a message of type at the tail of w (marker, length to patch, type); end patches it. */
int bgp_msg_begin(struct buf *w, uint8_t type, size_t *start);
int bgp_msg_end(struct buf *w, size_t start);

/* Cease/max-prefix data (RFC 4486 4): AFI, SAFI and the configured upper bound. */
int bgp_msg_max_prefix_data(struct buf *w, uint16_t afi, uint8_t safi, uint32_t limit);

const char *bgp_msg_type_name(uint8_t type);

#endif
