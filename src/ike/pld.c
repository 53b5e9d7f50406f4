/* SPDX-License-Identifier: MIT */
/*
 * pld: parse and build the bodies of the IKEv2 payloads, RFC 7296 3.3 (SA, proposals,
 * transforms, attributes) to 3.13 (traffic selectors). Each parser carves bounded sub-views with
 * buf_get_sub, checks counts against the bytes left before looping, and accepts a body only when
 * it is consumed exactly; each builder refuses what its parser would refuse.
 */
#include "ike/pld.h"

#include <errno.h>
#include <string.h>

/* ---- SA: proposals and transforms (3.3) ---------------------------------------------------- */

/* 3.3.1/3.3.2: the "last substructure" values meaning "more follow". */
#define IKE_MORE_PROPOSALS 2
#define IKE_MORE_XFORMS	   3
#define IKE_PROP_HDR_LEN   8
#define IKE_XFORM_HDR_LEN  8

static int parse_xform(struct buf *b, struct ike_xform *x, bool *last)
{
	uint8_t more, rsv;
	uint16_t len;
	struct buf t;
	bool have_keylen = false;

	if (buf_get_u8(b, &more) || buf_get_u8(b, &rsv) || buf_get_be16(b, &len))
		return -EBADMSG;
	if ((more != 0 && more != IKE_MORE_XFORMS) || len < IKE_XFORM_HDR_LEN)
		return -EBADMSG;
	if (buf_get_sub(b, len - 4, &t))
		return -EBADMSG;
	if (buf_get_u8(&t, &x->type) || buf_get_u8(&t, &rsv) || buf_get_be16(&t, &x->id))
		return -EBADMSG;
	x->flags = 0;
	x->keylen = 0;
	while (buf_left(&t)) {
		uint16_t at, val;

		if (buf_get_be16(&t, &at) || buf_get_be16(&t, &val))
			return -EBADMSG;
		if (!(at & IKE_ATTR_TV)) {
			/* TLV: val is the value's length. IKEv2 defines no TLV attribute. */
			if (buf_skip(&t, val))
				return -EBADMSG;
			x->flags |= IKE_XFORM_F_BAD_ATTR;
			continue;
		}
		/* 3.3.6: an attribute we do not understand makes the transform unselectable. */
		if ((at & ~IKE_ATTR_TV) != IKE_ATTR_KEY_LENGTH || have_keylen || val == 0) {
			x->flags |= IKE_XFORM_F_BAD_ATTR;
			continue;
		}
		x->keylen = val;
		have_keylen = true;
	}
	*last = more == 0;
	return 0;
}

static bool proposal_spi_len_ok(uint8_t proto, uint8_t spi_len)
{
	switch (proto) {
	case IKE_PROTO_IKE:
		/* 3.3.1: empty in IKE_SA_INIT, the new SA's 8-byte SPI when rekeying the IKE SA. */
		return spi_len == 0 || spi_len == 8;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		return spi_len == 4;
	default:
		return false;
	}
}

static int parse_proposal(struct buf *b, struct ike_proposal *p, bool *last)
{
	uint8_t more, rsv;
	uint16_t len;
	struct buf pb;
	bool xlast = false;

	if (buf_get_u8(b, &more) || buf_get_u8(b, &rsv) || buf_get_be16(b, &len))
		return -EBADMSG;
	if ((more != 0 && more != IKE_MORE_PROPOSALS) || len < IKE_PROP_HDR_LEN)
		return -EBADMSG;
	if (buf_get_sub(b, len - 4, &pb))
		return -EBADMSG;
	if (buf_get_u8(&pb, &p->num) || buf_get_u8(&pb, &p->proto) ||
	    buf_get_u8(&pb, &p->spi_len) || buf_get_u8(&pb, &p->n_xforms))
		return -EBADMSG;
	if (!proposal_spi_len_ok(p->proto, p->spi_len) || p->num == 0)
		return -EBADMSG;
	if (buf_get_bytes(&pb, p->spi, p->spi_len))
		return -EBADMSG;
	if (p->n_xforms == 0 || p->n_xforms > IKE_PROP_MAX_XFORMS)
		return -EBADMSG;
	if ((size_t)p->n_xforms * IKE_XFORM_HDR_LEN > buf_left(&pb))
		return -EBADMSG;
	for (unsigned int i = 0; i < p->n_xforms; i++) {
		if (parse_xform(&pb, &p->xforms[i], &xlast))
			return -EBADMSG;
		/* The "last" marks must agree with the count. */
		if (xlast != (i + 1 == p->n_xforms))
			return -EBADMSG;
	}
	if (buf_left(&pb))
		return -EBADMSG;
	*last = more == 0;
	return 0;
}

/*
 * 3.3.1: proposals in a request are numbered 1, 2, ...; a reply carries the one chosen with its
 * number, so a single proposal may have any number but 0.
 */
static bool proposal_numbers_ok(const struct ike_pld_sa *sa)
{
	if (sa->n_props == 1)
		return sa->props[0].num != 0;
	for (unsigned int i = 0; i < sa->n_props; i++)
		if (sa->props[i].num != i + 1)
			return false;
	return true;
}

int ike_pld_parse_sa(struct buf *b, struct ike_pld_sa *out)
{
	bool last = false;

	out->n_props = 0;
	while (buf_left(b)) {
		if (out->n_props == IKE_PROP_MAX)
			return -EBADMSG;
		if (parse_proposal(b, &out->props[out->n_props], &last))
			return -EBADMSG;
		out->n_props++;
		if (last != (buf_left(b) == 0))
			return -EBADMSG;
	}
	if (out->n_props == 0 || !proposal_numbers_ok(out))
		return -EBADMSG;
	return 0;
}

static int build_xform(struct buf *out, const struct ike_xform *x, bool last)
{
	uint16_t len = IKE_XFORM_HDR_LEN + (x->keylen ? 4 : 0);
	int r;

	r = buf_put_u8(out, last ? 0 : IKE_MORE_XFORMS);
	r = r ?: buf_put_u8(out, 0);
	r = r ?: buf_put_be16(out, len);
	r = r ?: buf_put_u8(out, x->type);
	r = r ?: buf_put_u8(out, 0);
	r = r ?: buf_put_be16(out, x->id);
	if (x->keylen) {
		r = r ?: buf_put_be16(out, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
		r = r ?: buf_put_be16(out, x->keylen);
	}
	return r;
}

static int build_proposal(struct buf *out, const struct ike_proposal *p, bool last)
{
	size_t start = buf_tail_pos(out);
	int r;

	if (!proposal_spi_len_ok(p->proto, p->spi_len) || p->num == 0 || p->n_xforms == 0 ||
	    p->n_xforms > IKE_PROP_MAX_XFORMS)
		return -EINVAL;
	r = buf_put_u8(out, last ? 0 : IKE_MORE_PROPOSALS);
	r = r ?: buf_put_u8(out, 0);
	r = r ?: buf_put_be16(out, 0); /* patched below */
	r = r ?: buf_put_u8(out, p->num);
	r = r ?: buf_put_u8(out, p->proto);
	r = r ?: buf_put_u8(out, p->spi_len);
	r = r ?: buf_put_u8(out, p->n_xforms);
	r = r ?: buf_put_bytes(out, p->spi, p->spi_len);
	for (unsigned int i = 0; !r && i < p->n_xforms; i++)
		r = build_xform(out, &p->xforms[i], i + 1 == p->n_xforms);
	if (r)
		return r;
	if (buf_tail_pos(out) - start > UINT16_MAX)
		return -EINVAL;
	return buf_set_be16(out, start + 2, (uint16_t)(buf_tail_pos(out) - start));
}

int ike_pld_build_sa(struct buf *out, const struct ike_pld_sa *in)
{
	int r = 0;

	if (in->n_props == 0 || in->n_props > IKE_PROP_MAX || !proposal_numbers_ok(in))
		return -EINVAL;
	for (unsigned int i = 0; !r && i < in->n_props; i++)
		r = build_proposal(out, &in->props[i], i + 1 == in->n_props);
	return r;
}

/* ---- KE (3.4), Nonce (3.9), ID (3.5), AUTH (3.8) ------------------------------------------- */

int ike_pld_parse_ke(struct buf *b, struct ike_pld_ke *out)
{
	uint16_t rsv;

	if (buf_get_be16(b, &out->group) || buf_get_be16(b, &rsv) || buf_left(b) == 0)
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_ke(struct buf *out, const struct ike_pld_ke *in)
{
	int r;

	if (buf_left(&in->data) == 0)
		return -EINVAL;
	r = buf_put_be16(out, in->group);
	r = r ?: buf_put_be16(out, 0);
	return r ?: buf_put_buf(out, &in->data);
}

static bool nonce_len_ok(size_t n)
{
	return n >= IKE_NONCE_MIN && n <= IKE_NONCE_MAX;
}

int ike_pld_parse_nonce(struct buf *b, struct ike_pld_nonce *out)
{
	if (!nonce_len_ok(buf_left(b)))
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_nonce(struct buf *out, const struct ike_pld_nonce *in)
{
	if (!nonce_len_ok(buf_left(&in->data)))
		return -EINVAL;
	return buf_put_buf(out, &in->data);
}

static bool id_len_ok(uint8_t type, size_t len)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR:
		return len == 4;
	case IKE_ID_IPV6_ADDR:
		return len == 16;
	default:
		return len > 0;
	}
}

int ike_pld_parse_id(struct buf *b, struct ike_pld_id *out)
{
	uint8_t rsv[3];

	if (buf_get_u8(b, &out->type) || buf_get_bytes(b, rsv, sizeof(rsv)))
		return -EBADMSG;
	if (!id_len_ok(out->type, buf_left(b)))
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_id(struct buf *out, const struct ike_pld_id *in)
{
	int r;

	if (!id_len_ok(in->type, buf_left(&in->data)))
		return -EINVAL;
	r = buf_put_u8(out, in->type);
	r = r ?: buf_put_fill(out, 0, 3);
	return r ?: buf_put_buf(out, &in->data);
}

int ike_pld_parse_auth(struct buf *b, struct ike_pld_auth *out)
{
	uint8_t rsv[3];

	if (buf_get_u8(b, &out->method) || buf_get_bytes(b, rsv, sizeof(rsv)) || buf_left(b) == 0)
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_auth(struct buf *out, const struct ike_pld_auth *in)
{
	int r;

	if (buf_left(&in->data) == 0)
		return -EINVAL;
	r = buf_put_u8(out, in->method);
	r = r ?: buf_put_fill(out, 0, 3);
	return r ?: buf_put_buf(out, &in->data);
}

/* ---- Traffic selectors (3.13) --------------------------------------------------------------- */

#define IKE_TS_HDR_LEN 8 /* type, protocol, length, ports: the least a selector can be */

static size_t ts_addr_len(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		return 4;
	case IKE_TS_IPV6_ADDR_RANGE:
		return 16;
	default:
		return 0;
	}
}

static int parse_one_ts(struct buf *b, struct ike_ts *ts)
{
	uint16_t len;
	size_t alen;
	struct buf t;

	memset(ts, 0, sizeof(*ts));
	if (buf_get_u8(b, &ts->type) || buf_get_u8(b, &ts->ip_proto) || buf_get_be16(b, &len))
		return -EBADMSG;
	if (len < IKE_TS_HDR_LEN || buf_get_sub(b, len - 4, &t))
		return -EBADMSG;
	if (buf_get_be16(&t, &ts->start_port) || buf_get_be16(&t, &ts->end_port))
		return -EBADMSG;
	alen = ts_addr_len(ts->type);
	if (alen == 0)
		return 0; /* a type we do not know (3.13.1): kept by type only, policy ignores it */
	if (buf_left(&t) != 2 * alen)
		return -EBADMSG;
	buf_get_bytes(&t, ts->start, alen);
	buf_get_bytes(&t, ts->end, alen);
	return 0;
}

int ike_pld_parse_ts(struct buf *b, struct ike_pld_ts *out)
{
	uint8_t rsv[3];

	if (buf_get_u8(b, &out->n_ts) || buf_get_bytes(b, rsv, sizeof(rsv)))
		return -EBADMSG;
	if (out->n_ts == 0 || out->n_ts > IKE_TS_MAX)
		return -EBADMSG;
	if ((size_t)out->n_ts * IKE_TS_HDR_LEN > buf_left(b))
		return -EBADMSG;
	for (unsigned int i = 0; i < out->n_ts; i++)
		if (parse_one_ts(b, &out->ts[i]))
			return -EBADMSG;
	return buf_left(b) ? -EBADMSG : 0;
}

int ike_pld_build_ts(struct buf *out, const struct ike_pld_ts *in)
{
	int r;

	if (in->n_ts == 0 || in->n_ts > IKE_TS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < in->n_ts; i++)
		if (ts_addr_len(in->ts[i].type) == 0)
			return -EINVAL;
	r = buf_put_u8(out, in->n_ts);
	r = r ?: buf_put_fill(out, 0, 3);
	for (unsigned int i = 0; !r && i < in->n_ts; i++) {
		const struct ike_ts *ts = &in->ts[i];
		size_t alen = ts_addr_len(ts->type);

		r = buf_put_u8(out, ts->type);
		r = r ?: buf_put_u8(out, ts->ip_proto);
		r = r ?: buf_put_be16(out, (uint16_t)(IKE_TS_HDR_LEN + 2 * alen));
		r = r ?: buf_put_be16(out, ts->start_port);
		r = r ?: buf_put_be16(out, ts->end_port);
		r = r ?: buf_put_bytes(out, ts->start, alen);
		r = r ?: buf_put_bytes(out, ts->end, alen);
	}
	return r;
}

/* ---- Notify (3.10), Delete (3.11), opaque payloads ------------------------------------------ */

static bool notify_spi_len_ok(uint8_t spi_len)
{
	/* 3.10: zero for the IKE SA, 4 for ESP/AH; 8 is tolerated from older peers. */
	return spi_len == 0 || spi_len == 4 || spi_len == 8;
}

int ike_pld_parse_notify(struct buf *b, struct ike_pld_notify *out)
{
	if (buf_get_u8(b, &out->proto) || buf_get_u8(b, &out->spi_len) ||
	    buf_get_be16(b, &out->type))
		return -EBADMSG;
	if (!notify_spi_len_ok(out->spi_len) || buf_get_bytes(b, out->spi, out->spi_len))
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_notify(struct buf *out, const struct ike_pld_notify *in)
{
	int r;

	if (!notify_spi_len_ok(in->spi_len))
		return -EINVAL;
	r = buf_put_u8(out, in->proto);
	r = r ?: buf_put_u8(out, in->spi_len);
	r = r ?: buf_put_be16(out, in->type);
	r = r ?: buf_put_bytes(out, in->spi, in->spi_len);
	return r ?: buf_put_buf(out, &in->data);
}

int ike_pld_parse_delete(struct buf *b, struct ike_pld_delete *out)
{
	if (buf_get_u8(b, &out->proto) || buf_get_u8(b, &out->spi_len) ||
	    buf_get_be16(b, &out->n_spi))
		return -EBADMSG;
	switch (out->proto) {
	case IKE_PROTO_IKE:
		/* 3.11: the IKE SA is named by the header's SPIs; none are listed. */
		if (out->spi_len != 0 || out->n_spi != 0)
			return -EBADMSG;
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (out->spi_len != 4)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	if ((size_t)out->n_spi * out->spi_len != buf_left(b))
		return -EBADMSG;
	return buf_get_sub(b, buf_left(b), &out->spis);
}

uint32_t ike_pld_delete_spi(const struct ike_pld_delete *d, uint16_t i)
{
	uint32_t spi = 0;

	if (d->spi_len == 4)
		buf_peek_be32(&d->spis, (size_t)i * 4, &spi);
	return spi;
}

int ike_pld_build_delete(struct buf *out, uint8_t proto, const uint32_t *spis, uint16_t n_spi)
{
	uint8_t spi_len = proto == IKE_PROTO_IKE ? 0 : 4;
	int r;

	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_ESP && proto != IKE_PROTO_AH)
		return -EINVAL;
	if ((proto == IKE_PROTO_IKE && n_spi) || (n_spi && !spis))
		return -EINVAL;
	r = buf_put_u8(out, proto);
	r = r ?: buf_put_u8(out, spi_len);
	r = r ?: buf_put_be16(out, n_spi);
	for (unsigned int i = 0; !r && i < n_spi; i++)
		r = buf_put_be32(out, spis[i]);
	return r;
}

int ike_pld_parse_opaque(struct buf *b, struct ike_pld_opaque *out)
{
	return buf_get_sub(b, buf_left(b), &out->data);
}

int ike_pld_build_opaque(struct buf *out, const struct ike_pld_opaque *in)
{
	return buf_put_buf(out, &in->data);
}

/* ---- dispatch by type ----------------------------------------------------------------------- */

bool ike_pld_type_known(uint8_t type)
{
	switch (type) {
	case IKE_PLD_SA:
	case IKE_PLD_KE:
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
	case IKE_PLD_AUTH:
	case IKE_PLD_NONCE:
	case IKE_PLD_NOTIFY:
	case IKE_PLD_DELETE:
	case IKE_PLD_VENDOR:
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
	case IKE_PLD_SK:
	case IKE_PLD_CP:
	case IKE_PLD_EAP:
		return true;
	default:
		return false;
	}
}

int ike_pld_check(uint8_t type, const struct buf *body)
{
	struct buf b = *body;

	switch (type) {
	case IKE_PLD_SA: {
		struct ike_pld_sa sa;

		return ike_pld_parse_sa(&b, &sa);
	}
	case IKE_PLD_KE: {
		struct ike_pld_ke ke;

		return ike_pld_parse_ke(&b, &ke);
	}
	case IKE_PLD_IDI:
	case IKE_PLD_IDR: {
		struct ike_pld_id id;

		return ike_pld_parse_id(&b, &id);
	}
	case IKE_PLD_AUTH: {
		struct ike_pld_auth auth;

		return ike_pld_parse_auth(&b, &auth);
	}
	case IKE_PLD_NONCE: {
		struct ike_pld_nonce n;

		return ike_pld_parse_nonce(&b, &n);
	}
	case IKE_PLD_NOTIFY: {
		struct ike_pld_notify n;

		return ike_pld_parse_notify(&b, &n);
	}
	case IKE_PLD_DELETE: {
		struct ike_pld_delete d;

		return ike_pld_parse_delete(&b, &d);
	}
	case IKE_PLD_TSI:
	case IKE_PLD_TSR: {
		struct ike_pld_ts ts;

		return ike_pld_parse_ts(&b, &ts);
	}
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
	case IKE_PLD_VENDOR:
	case IKE_PLD_CP:
	case IKE_PLD_EAP:
	case IKE_PLD_SK: /* its framing is msg.c's business */
		return 0;
	default:
		return -EBADMSG;
	}
}

/* ---- names for log lines -------------------------------------------------------------------- */

const char *ike_pld_type_name(uint8_t type)
{
	switch (type) {
	case IKE_PLD_NONE:
		return "NONE";
	case IKE_PLD_SA:
		return "SA";
	case IKE_PLD_KE:
		return "KE";
	case IKE_PLD_IDI:
		return "IDi";
	case IKE_PLD_IDR:
		return "IDr";
	case IKE_PLD_CERT:
		return "CERT";
	case IKE_PLD_CERTREQ:
		return "CERTREQ";
	case IKE_PLD_AUTH:
		return "AUTH";
	case IKE_PLD_NONCE:
		return "Ni/Nr";
	case IKE_PLD_NOTIFY:
		return "N";
	case IKE_PLD_DELETE:
		return "D";
	case IKE_PLD_VENDOR:
		return "V";
	case IKE_PLD_TSI:
		return "TSi";
	case IKE_PLD_TSR:
		return "TSr";
	case IKE_PLD_SK:
		return "SK";
	case IKE_PLD_CP:
		return "CP";
	case IKE_PLD_EAP:
		return "EAP";
	default:
		return "?";
	}
}

struct ike_name {
	uint16_t value;
	const char *name;
};

static const struct ike_name notify_names[] = {
	{IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD"},
	{IKE_N_INVALID_IKE_SPI, "INVALID_IKE_SPI"},
	{IKE_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION"},
	{IKE_N_INVALID_SYNTAX, "INVALID_SYNTAX"},
	{IKE_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID"},
	{IKE_N_INVALID_SPI, "INVALID_SPI"},
	{IKE_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN"},
	{IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD"},
	{IKE_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED"},
	{IKE_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED"},
	{IKE_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS"},
	{IKE_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE"},
	{IKE_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED"},
	{IKE_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE"},
	{IKE_N_INVALID_SELECTORS, "INVALID_SELECTORS"},
	{IKE_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE"},
	{IKE_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND"},
	{IKE_N_INITIAL_CONTACT, "INITIAL_CONTACT"},
	{IKE_N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE"},
	{IKE_N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE"},
	{IKE_N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED"},
	{IKE_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP"},
	{IKE_N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP"},
	{IKE_N_COOKIE, "COOKIE"},
	{IKE_N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE"},
	{IKE_N_HTTP_CERT_LOOKUP_SUPPORTED, "HTTP_CERT_LOOKUP_SUPPORTED"},
	{IKE_N_REKEY_SA, "REKEY_SA"},
	{IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, "ESP_TFC_PADDING_NOT_SUPPORTED"},
	{IKE_N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO"},
	{IKE_N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED"},
	{IKE_N_MULTIPLE_AUTH_SUPPORTED, "MULTIPLE_AUTH_SUPPORTED"},
	{IKE_N_REDIRECT_SUPPORTED, "REDIRECT_SUPPORTED"},
	{IKE_N_EAP_ONLY_AUTHENTICATION, "EAP_ONLY_AUTHENTICATION"},
	{IKE_N_CHILDLESS_IKEV2_SUPPORTED, "CHILDLESS_IKEV2_SUPPORTED"},
	{IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED"},
	{IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED"},
	{IKE_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS"},
};

static const char *name_find(const struct ike_name *t, size_t n, uint16_t value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "?";
}

#define NAME_FIND(table, v) name_find(table, sizeof(table) / sizeof(table[0]), v)

bool ike_notify_is_error(uint16_t type)
{
	return type != 0 && type <= IKE_N_ERROR_MAX;
}

const char *ike_notify_name(uint16_t type)
{
	return NAME_FIND(notify_names, type);
}

const char *ike_xform_type_name(uint8_t type)
{
	switch (type) {
	case IKE_XFORM_ENCR:
		return "ENCR";
	case IKE_XFORM_PRF:
		return "PRF";
	case IKE_XFORM_INTEG:
		return "INTEG";
	case IKE_XFORM_DH:
		return "DH";
	case IKE_XFORM_ESN:
		return "ESN";
	default:
		return "?";
	}
}

static const struct ike_name encr_names[] = {
	{IKE_ENCR_3DES, "3DES"},
	{IKE_ENCR_NULL, "NULL"},
	{IKE_ENCR_AES_CBC, "AES_CBC"},
	{IKE_ENCR_AES_CTR, "AES_CTR"},
	{IKE_ENCR_AES_GCM_8, "AES_GCM_8"},
	{IKE_ENCR_AES_GCM_12, "AES_GCM_12"},
	{IKE_ENCR_AES_GCM_16, "AES_GCM_16"},
	{IKE_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305"},
};

static const struct ike_name prf_names[] = {
	{IKE_PRF_HMAC_MD5, "HMAC_MD5"},		  {IKE_PRF_HMAC_SHA1, "HMAC_SHA1"},
	{IKE_PRF_AES128_XCBC, "AES128_XCBC"},	  {IKE_PRF_HMAC_SHA2_256, "HMAC_SHA2_256"},
	{IKE_PRF_HMAC_SHA2_384, "HMAC_SHA2_384"}, {IKE_PRF_HMAC_SHA2_512, "HMAC_SHA2_512"},
	{IKE_PRF_AES128_CMAC, "AES128_CMAC"},
};

static const struct ike_name integ_names[] = {
	{IKE_INTEG_NONE, "NONE"},
	{IKE_INTEG_HMAC_MD5_96, "HMAC_MD5_96"},
	{IKE_INTEG_HMAC_SHA1_96, "HMAC_SHA1_96"},
	{IKE_INTEG_AES_XCBC_96, "AES_XCBC_96"},
	{IKE_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128"},
	{IKE_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192"},
	{IKE_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256"},
};

/* IANA "Transform Type 4 - Key Exchange Method Transform IDs". */
static const struct ike_name dh_names[] = {
	{1, "MODP768"},	      {2, "MODP1024"},	    {5, "MODP1536"},  {14, "MODP2048"},
	{15, "MODP3072"},     {16, "MODP4096"},	    {17, "MODP6144"}, {18, "MODP8192"},
	{19, "ECP256"},	      {20, "ECP384"},	    {21, "ECP521"},   {22, "MODP1024S160"},
	{23, "MODP2048S224"}, {24, "MODP2048S256"}, {25, "ECP192"},   {26, "ECP224"},
	{27, "ECP224BP"},     {28, "ECP256BP"},	    {29, "ECP384BP"}, {30, "ECP512BP"},
	{31, "CURVE25519"},   {32, "CURVE448"},
};

static const struct ike_name esn_names[] = {
	{IKE_ESN_NO, "NO_ESN"},
	{IKE_ESN_YES, "ESN"},
};

const char *ike_xform_id_name(uint8_t type, uint16_t id)
{
	switch (type) {
	case IKE_XFORM_ENCR:
		return NAME_FIND(encr_names, id);
	case IKE_XFORM_PRF:
		return NAME_FIND(prf_names, id);
	case IKE_XFORM_INTEG:
		return NAME_FIND(integ_names, id);
	case IKE_XFORM_DH:
		return NAME_FIND(dh_names, id);
	case IKE_XFORM_ESN:
		return NAME_FIND(esn_names, id);
	default:
		return "?";
	}
}

const char *ike_proto_name(uint8_t proto)
{
	switch (proto) {
	case IKE_PROTO_NONE:
		return "NONE";
	case IKE_PROTO_IKE:
		return "IKE";
	case IKE_PROTO_AH:
		return "AH";
	case IKE_PROTO_ESP:
		return "ESP";
	default:
		return "?";
	}
}
