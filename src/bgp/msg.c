/* SPDX-License-Identifier: MIT */
/*
 * msg: parse and build the BGP-4 header and the OPEN, KEEPALIVE, NOTIFICATION and ROUTE-REFRESH
 * messages (RFC 4271 4.1-4.5 and 6.1-6.2, RFC 5492 capabilities, RFC 4760 8, RFC 2918, RFC 6793,
 * RFC 7313 5 for the ROUTE-REFRESH length). Every length is compared with what is left before it
 * is used; a refusal fills the NOTIFICATION to send.
 */
#include "bgp/msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bgp/update.h"

/* RFC 4271 4.2: optional parameter type 2 carries capabilities (RFC 5492 4). */
#define BGP_OPT_CAPABILITIES 2
#define BGP_CAP_MP	     1
#define BGP_CAP_REFRESH	     2
#define BGP_CAP_AS4	     65
#define BGP_CAP_REFRESH_OLD  128 /* pre-standard route refresh, still sent by some routers */

const char *bgp_action_name(enum bgp_action a)
{
	switch (a) {
	case BGP_ACT_NONE:
		return "none";
	case BGP_ACT_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_ACT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_ACT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

int bgp_error_set(struct bgp_error *err, uint8_t code, uint8_t subcode, const char *fmt, ...)
{
	va_list ap;

	err->action = BGP_ACT_SESSION_RESET;
	err->code = code;
	err->subcode = subcode;
	err->data_len = 0;
	va_start(ap, fmt);
	vsnprintf(err->why, sizeof(err->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

void bgp_error_data(struct bgp_error *err, const struct buf *data)
{
	struct buf d = *data;
	size_t n = buf_left(&d);

	if (n > sizeof(err->data))
		n = sizeof(err->data);
	buf_get_bytes(&d, err->data, n);
	err->data_len = (uint16_t)n;
}

const char *bgp_error_code_name(uint8_t code)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return "Message Header Error";
	case BGP_ERR_OPEN:
		return "OPEN Message Error";
	case BGP_ERR_UPDATE:
		return "UPDATE Message Error";
	case BGP_ERR_HOLD_TIMER:
		return "Hold Timer Expired";
	case BGP_ERR_FSM:
		return "Finite State Machine Error";
	case BGP_ERR_CEASE:
		return "Cease";
	case BGP_ERR_REFRESH:
		return "ROUTE-REFRESH Message Error";
	}
	return "Unknown Error";
}

const char *bgp_error_subcode_name(uint8_t code, uint8_t subcode)
{
	static const char *const hdr[] = {NULL, "Connection Not Synchronized", "Bad Message Length",
					  "Bad Message Type"};
	static const char *const open[] = {NULL,
					   "Unsupported Version Number",
					   "Bad Peer AS",
					   "Bad BGP Identifier",
					   "Unsupported Optional Parameter",
					   NULL,
					   "Unacceptable Hold Time",
					   "Unsupported Capability"};
	static const char *const upd[] = {NULL,
					  "Malformed Attribute List",
					  "Unrecognized Well-known Attribute",
					  "Missing Well-known Attribute",
					  "Attribute Flags Error",
					  "Attribute Length Error",
					  "Invalid ORIGIN Attribute",
					  NULL,
					  "Invalid NEXT_HOP Attribute",
					  "Optional Attribute Error",
					  "Invalid Network Field",
					  "Malformed AS_PATH"};
	static const char *const fsm[] = {NULL, "Receive Unexpected Message in OpenSent State",
					  "Receive Unexpected Message in OpenConfirm State",
					  "Receive Unexpected Message in Established State"};
	static const char *const cease[] = {NULL,
					    "Maximum Number of Prefixes Reached",
					    "Administrative Shutdown",
					    "Peer De-configured",
					    "Administrative Reset",
					    "Connection Rejected",
					    "Other Configuration Change",
					    "Connection Collision Resolution",
					    "Out of Resources"};
	const char *const *t = NULL;
	size_t n = 0;

#define PICK(a)                                                                                    \
	do {                                                                                       \
		t = (a);                                                                           \
		n = sizeof(a) / sizeof((a)[0]);                                                    \
	} while (0)
	switch (code) {
	case BGP_ERR_HEADER:
		PICK(hdr);
		break;
	case BGP_ERR_OPEN:
		PICK(open);
		break;
	case BGP_ERR_UPDATE:
		PICK(upd);
		break;
	case BGP_ERR_FSM:
		PICK(fsm);
		break;
	case BGP_ERR_CEASE:
		PICK(cease);
		break;
	case BGP_ERR_REFRESH:
		return subcode == BGP_ERR_REFRESH_BAD_LEN ? "Invalid Message Length" : "Unspecific";
	default:
		break;
	}
#undef PICK
	if (subcode == 0)
		return "Unspecific";
	if (t && subcode < n && t[subcode])
		return t[subcode];
	return "Unknown Subcode";
}

const char *bgp_msg_type_name(uint8_t type)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return "OPEN";
	case BGP_MSG_UPDATE:
		return "UPDATE";
	case BGP_MSG_NOTIFICATION:
		return "NOTIFICATION";
	case BGP_MSG_KEEPALIVE:
		return "KEEPALIVE";
	case BGP_MSG_ROUTE_REFRESH:
		return "ROUTE-REFRESH";
	}
	return "UNKNOWN";
}

uint32_t bgp_open_asn(const struct bgp_open *o)
{
	return o->cap_as4 ? o->as4 : o->my_as;
}

/* ---- header (4.1, 6.1) ------------------------------------------------------------------ */

/* The smallest length of each type (6.1): a shorter one is a Bad Message Length. */
static bool hdr_len_ok(uint8_t type, uint16_t len)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return len >= BGP_OPEN_MIN;
	case BGP_MSG_UPDATE:
		return len >= BGP_UPDATE_MIN;
	case BGP_MSG_NOTIFICATION:
		return len >= BGP_NOTIF_MIN;
	case BGP_MSG_KEEPALIVE:
		return len == BGP_KEEPALIVE_LEN;
	case BGP_MSG_ROUTE_REFRESH:
		/* RFC 7313 5: a wrong ROUTE-REFRESH length has its own error, found later. */
		return true;
	}
	return true;
}

static bool type_known(uint8_t type)
{
	return type >= BGP_MSG_OPEN && type <= BGP_MSG_ROUTE_REFRESH;
}

int bgp_msg_parse_header(struct buf *b, struct bgp_hdr *h, struct bgp_error *err)
{
	uint8_t marker[BGP_MARKER_LEN], ones[BGP_MARKER_LEN];
	struct buf f;
	uint16_t len;
	uint8_t type;

	if (buf_left(b) < BGP_HDR_LEN)
		return -EAGAIN;
	memset(ones, 0xff, sizeof(ones));
	buf_get_bytes(b, marker, sizeof(marker));
	/* 6.1: the marker is all ones; anything else means we lost the message boundaries. */
	if (memcmp(marker, ones, sizeof(ones)) != 0)
		return bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_NOT_SYNC,
				     "marker is not all ones");
	f = *b;
	buf_get_be16(b, &len);
	buf_get_u8(b, &type);
	if (len < BGP_HDR_LEN || len > BGP_MAX_MSG ||
	    (type_known(type) && !hdr_len_ok(type, len))) {
		bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LEN,
			      "length %u is not valid for a %s", len, bgp_msg_type_name(type));
		/* 6.1: the Data field is the erroneous Length field. */
		buf_trim(&f, buf_left(&f) - 2);
		bgp_error_data(err, &f);
		return -EBADMSG;
	}
	if (!type_known(type)) {
		bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_TYPE, "unknown message type %u",
			      type);
		err->data[0] = type;
		err->data_len = 1;
		return -EBADMSG;
	}
	h->len = len;
	h->type = type;
	return 0;
}

/* ---- OPEN (4.2, 6.2) ---------------------------------------------------------------------- */

static int open_malformed(struct bgp_error *err, const char *what)
{
	return bgp_error_set(err, BGP_ERR_OPEN, 0, "malformed OPEN: %s", what);
}

static int parse_capability(struct buf *caps, struct bgp_open *o, struct bgp_error *err)
{
	uint8_t code, len, res, safi;
	uint16_t afi;
	struct buf v;

	if (buf_get_u8(caps, &code) || buf_get_u8(caps, &len) || buf_get_sub(caps, len, &v))
		return open_malformed(err, "capability overruns its parameter");
	switch (code) {
	case BGP_CAP_MP:
		/* RFC 4760 8: AFI (2), reserved (1), SAFI (1). */
		if (len != 4)
			return open_malformed(err, "multiprotocol capability length is not 4");
		buf_get_be16(&v, &afi);
		buf_get_u8(&v, &res);
		buf_get_u8(&v, &safi);
		o->cap_mp_any = true;
		if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
			o->cap_mp_ipv4 = true;
		else if (afi == BGP_AFI_IPV6 && safi == BGP_SAFI_UNICAST)
			o->cap_mp_ipv6 = true;
		return 0;
	case BGP_CAP_REFRESH:
	case BGP_CAP_REFRESH_OLD:
		if (len != 0)
			return open_malformed(err, "route refresh capability length is not 0");
		o->cap_refresh = true;
		return 0;
	case BGP_CAP_AS4:
		/* RFC 6793 3: the 4-octet AS number. */
		if (len != 4)
			return open_malformed(err, "4-octet AS capability length is not 4");
		buf_get_be32(&v, &o->as4);
		o->cap_as4 = true;
		return 0;
	default:
		/* RFC 5492 3: a capability not understood is ignored. */
		o->n_unknown_caps++;
		return 0;
	}
}

int bgp_msg_parse_open(struct buf *body, struct bgp_open *o, struct bgp_error *err)
{
	uint8_t optlen;

	memset(o, 0, sizeof(*o));
	if (buf_get_u8(body, &o->version))
		return open_malformed(err, "truncated");
	/* 6.2: the version is checked first; the data is the largest version we support. */
	if (o->version != BGP_VERSION) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION, "version %u, we speak 4",
			      o->version);
		err->data[0] = 0;
		err->data[1] = BGP_VERSION;
		err->data_len = 2;
		return -EBADMSG;
	}
	if (buf_get_be16(body, &o->my_as) || buf_get_be16(body, &o->hold_time) ||
	    buf_get_be32(body, &o->bgp_id) || buf_get_u8(body, &optlen))
		return open_malformed(err, "truncated");
	if (optlen != buf_left(body))
		return open_malformed(err, "optional parameters length does not match the message");
	/* 4.2: the hold time is zero or at least three seconds. */
	if (o->hold_time == 1 || o->hold_time == 2)
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME,
				     "hold time %u s (0 or at least 3)", o->hold_time);
	/* RFC 6286 2.2: any non-zero identifier (uniqueness is checked against ours later). */
	if (o->bgp_id == 0)
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID, "BGP identifier 0");
	while (buf_left(body)) {
		uint8_t type, len;
		struct buf param;

		if (buf_get_u8(body, &type) || buf_get_u8(body, &len) ||
		    buf_get_sub(body, len, &param))
			return open_malformed(err, "optional parameter overruns the message");
		if (type != BGP_OPT_CAPABILITIES) {
			bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM,
				      "optional parameter type %u", type);
			return -EBADMSG;
		}
		while (buf_left(&param)) {
			int r = parse_capability(&param, o, err);

			if (r)
				return r;
		}
	}
	return 0;
}

int bgp_msg_begin(struct buf *w, uint8_t type, size_t *start)
{
	size_t pos = buf_tail_pos(w);

	if (buf_put_fill(w, 0xff, BGP_MARKER_LEN) || buf_put_be16(w, 0) || buf_put_u8(w, type))
		return -ENOSPC;
	*start = pos;
	return 0;
}

int bgp_msg_end(struct buf *w, size_t start)
{
	size_t len = buf_tail_pos(w) - start;

	if (len < BGP_HDR_LEN || len > BGP_MAX_MSG)
		return -ENOSPC;
	return buf_set_be16(w, start + BGP_MARKER_LEN, (uint16_t)len);
}

static int put_cap(struct buf *w, uint8_t code, uint8_t len)
{
	return buf_put_u8(w, code) || buf_put_u8(w, len) ? -ENOSPC : 0;
}

static int put_cap_mp(struct buf *w, uint16_t afi)
{
	if (put_cap(w, BGP_CAP_MP, 4) || buf_put_be16(w, afi) || buf_put_u8(w, 0) ||
	    buf_put_u8(w, BGP_SAFI_UNICAST))
		return -ENOSPC;
	return 0;
}

int bgp_msg_build_open(struct buf *w, const struct bgp_open *o)
{
	size_t start, optpos, parampos;
	int r;

	if (o->version != BGP_VERSION || o->bgp_id == 0 || o->hold_time == 1 || o->hold_time == 2)
		return -EINVAL;
	if ((r = bgp_msg_begin(w, BGP_MSG_OPEN, &start)))
		return r;
	if (buf_put_u8(w, o->version) || buf_put_be16(w, o->my_as) ||
	    buf_put_be16(w, o->hold_time) || buf_put_be32(w, o->bgp_id))
		return -ENOSPC;
	optpos = buf_tail_pos(w);
	if (buf_put_u8(w, 0))
		return -ENOSPC;
	if (o->cap_mp_ipv4 || o->cap_mp_ipv6 || o->cap_refresh || o->cap_as4) {
		parampos = buf_tail_pos(w);
		if (buf_put_u8(w, BGP_OPT_CAPABILITIES) || buf_put_u8(w, 0))
			return -ENOSPC;
		if (o->cap_mp_ipv4 && put_cap_mp(w, BGP_AFI_IPV4))
			return -ENOSPC;
		if (o->cap_mp_ipv6 && put_cap_mp(w, BGP_AFI_IPV6))
			return -ENOSPC;
		if (o->cap_refresh && put_cap(w, BGP_CAP_REFRESH, 0))
			return -ENOSPC;
		if (o->cap_as4 && (put_cap(w, BGP_CAP_AS4, 4) || buf_put_be32(w, o->as4)))
			return -ENOSPC;
		buf_set_u8(w, parampos + 1, (uint8_t)(buf_tail_pos(w) - parampos - 2));
	}
	buf_set_u8(w, optpos, (uint8_t)(buf_tail_pos(w) - optpos - 1));
	return bgp_msg_end(w, start);
}

/* ---- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH ------------------------------------------------ */

int bgp_msg_build_keepalive(struct buf *w)
{
	size_t start;
	int r = bgp_msg_begin(w, BGP_MSG_KEEPALIVE, &start);

	return r ? r : bgp_msg_end(w, start);
}

int bgp_msg_parse_notification(struct buf *body, struct bgp_notification *n, struct bgp_error *err)
{
	if (buf_get_u8(body, &n->code) || buf_get_u8(body, &n->subcode))
		return bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LEN,
				     "NOTIFICATION too short");
	buf_get_sub(body, buf_left(body), &n->data);
	return 0;
}

int bgp_msg_build_notification(struct buf *w, uint8_t code, uint8_t subcode, const void *data,
			       size_t len)
{
	size_t start;
	int r;

	if (len > BGP_NOTIF_DATA_MAX)
		return -EINVAL;
	if ((r = bgp_msg_begin(w, BGP_MSG_NOTIFICATION, &start)))
		return r;
	if (buf_put_u8(w, code) || buf_put_u8(w, subcode) || buf_put_bytes(w, data, len))
		return -ENOSPC;
	return bgp_msg_end(w, start);
}

int bgp_msg_parse_refresh(struct buf *body, struct bgp_refresh *r, struct bgp_error *err)
{
	uint8_t res;

	/* RFC 7313 5: the body is exactly AFI, reserved, SAFI. */
	if (buf_left(body) != 4)
		return bgp_error_set(err, BGP_ERR_REFRESH, BGP_ERR_REFRESH_BAD_LEN,
				     "ROUTE-REFRESH body of %zu bytes", buf_left(body));
	buf_get_be16(body, &r->afi);
	buf_get_u8(body, &res);
	buf_get_u8(body, &r->safi);
	return 0;
}

int bgp_msg_build_refresh(struct buf *w, uint16_t afi, uint8_t safi)
{
	size_t start;
	int r;

	if ((r = bgp_msg_begin(w, BGP_MSG_ROUTE_REFRESH, &start)))
		return r;
	if (buf_put_be16(w, afi) || buf_put_u8(w, 0) || buf_put_u8(w, safi))
		return -ENOSPC;
	return bgp_msg_end(w, start);
}

int bgp_msg_max_prefix_data(struct buf *w, uint16_t afi, uint8_t safi, uint32_t limit)
{
	if (buf_put_be16(w, afi) || buf_put_u8(w, safi) || buf_put_be32(w, limit))
		return -ENOSPC;
	return 0;
}

/* ---- a whole message ------------------------------------------------------------------------ */

int bgp_msg_parse(struct buf *msg, const struct bgp_parse_ctx *ctx, struct bgp_msg *m,
		  struct bgp_error *err)
{
	static const struct bgp_parse_ctx none = {0};
	struct buf all = *msg, body;
	int r;

	err->action = BGP_ACT_NONE;
	r = bgp_msg_parse_header(msg, &m->hdr, err);
	if (r == -EAGAIN)
		return bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LEN, "short message");
	if (r)
		return r;
	/* The header's length must be the message's: the stream cut it so. */
	if (m->hdr.len != buf_left(&all))
		return bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LEN,
				     "length field %u, message of %zu bytes", m->hdr.len,
				     buf_left(&all));
	buf_get_sub(msg, buf_left(msg), &body);
	switch (m->hdr.type) {
	case BGP_MSG_OPEN:
		return bgp_msg_parse_open(&body, &m->open, err);
	case BGP_MSG_UPDATE:
		if (!m->update)
			return -EINVAL;
		return bgp_update_parse(&body, ctx ? ctx : &none, m->update, err);
	case BGP_MSG_NOTIFICATION:
		return bgp_msg_parse_notification(&body, &m->notif, err);
	case BGP_MSG_KEEPALIVE:
		return 0;
	case BGP_MSG_ROUTE_REFRESH:
		r = bgp_msg_parse_refresh(&body, &m->refresh, err);
		if (r)
			bgp_error_data(err, &all); /* RFC 7313 5: the whole message */
		return r;
	}
	return -EINVAL;
}
