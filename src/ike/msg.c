/* SPDX-License-Identifier: MIT */
/*
 * msg: framing of IKEv2 messages. The header (RFC 7296 3.1), the generic payload header and the
 * payload chain (3.2, with 2.5's rules for unknown and critical payloads), and the writer that
 * chains Next Payload fields and patches lengths. The SK payload's cryptography (3.14, RFC 5282)
 * is in sk.c.
 */
#include "ike/msg.h"

#include "ike/sk.h"

#include <errno.h>
#include <string.h>

static int fail(struct ike_parse_err *err, int r, uint16_t notify, const char *why, size_t off)
{
	err->notify = notify;
	err->data_len = 0;
	err->why = why;
	err->off = off;
	return r;
}

int ike_msg_parse_hdr(const struct buf *dgram, struct ike_hdr *h, struct ike_parse_err *err)
{
	struct buf b = *dgram;

	memset(err, 0, sizeof(*err));
	if (buf_get_be64(&b, &h->spi_i) || buf_get_be64(&b, &h->spi_r) ||
	    buf_get_u8(&b, &h->next) || buf_get_u8(&b, &h->version) ||
	    buf_get_u8(&b, &h->exchange) || buf_get_u8(&b, &h->flags) ||
	    buf_get_be32(&b, &h->msgid) || buf_get_be32(&b, &h->length))
		return fail(err, -EBADMSG, 0, "shorter than an IKE header", 0);
	/*
	 * 2.5: a higher major version is answered with INVALID_MAJOR_VERSION (the header layout is
	 * the same in every version, so the SPIs and message ID to answer with are valid). Lower
	 * ones (IKEv1) are not ours to answer.
	 */
	if (h->version >> 4 > IKE_MAJOR_VERSION)
		return fail(err, -EPROTO, IKE_N_INVALID_MAJOR_VERSION, "major version above 2", 17);
	if (h->version >> 4 < IKE_MAJOR_VERSION)
		return fail(err, -EBADMSG, 0, "major version below 2", 17);
	if (h->length != buf_left(dgram))
		return fail(err, -EBADMSG, 0, "length field differs from the datagram", 24);
	/* 3.1: the initiator's SPI is never zero. */
	if (h->spi_i == 0)
		return fail(err, -EBADMSG, 0, "zero initiator SPI", 0);
	return 0;
}

/*
 * Walk a payload chain starting with type first over b, appending to m. inner: b is decrypted
 * SK contents. base: offset of b's first byte in its buffer, for err->off and pld->off.
 */
static int parse_chain(struct ike_msg *m, uint8_t first, struct buf *b, bool inner, size_t base,
		       struct ike_parse_err *err)
{
	/*
	 * Malformed outer payloads are unauthenticated garbage: dropped. Malformed inner ones
	 * passed the ICV, and 3.10.1 lets them be answered with INVALID_SYNTAX.
	 */
	int bad_r = inner ? -EPROTO : -EBADMSG;
	uint16_t bad = inner ? IKE_N_INVALID_SYNTAX : 0;
	size_t total = buf_left(b);
	uint8_t type = first;

	while (type != IKE_PLD_NONE) {
		size_t off = base + total - buf_left(b);
		uint8_t next, flags;
		uint16_t len;
		struct buf body;

		if (buf_get_u8(b, &next) || buf_get_u8(b, &flags) || buf_get_be16(b, &len))
			return fail(err, bad_r, bad, "truncated payload header", off);
		if (len < IKE_PLD_HDR_LEN || buf_get_sub(b, len - IKE_PLD_HDR_LEN, &body))
			return fail(err, bad_r, bad, "payload length out of range", off);
		if (!ike_pld_type_known(type)) {
			/* 2.5: skip unknown payloads; remember the first one marked critical. */
			if ((flags & IKE_PLD_CRITICAL) && !m->crit_unknown) {
				m->crit_unknown = true;
				m->crit_type = type;
			}
			type = next;
			continue;
		}
		if (m->n_plds == IKE_MSG_MAX_PLDS)
			return fail(err, bad_r, bad, "too many payloads", off);
		if (type == IKE_PLD_SK) {
			/* 3.14: SK is last, and never nested; its Next Payload starts the inner
			 * chain. */
			if (inner)
				return fail(err, bad_r, bad, "SK payload inside SK", off);
			if (buf_left(b))
				return fail(err, bad_r, bad, "bytes after the SK payload", off);
			m->has_sk = true;
			m->sk_next = next;
			m->sk_off = off;
			m->sk_body = body;
		} else if (ike_pld_check(type, &body)) {
			return fail(err, bad_r, bad, "malformed payload body", off);
		}
		m->plds[m->n_plds++] = (struct ike_pld){
			.type = type,
			.critical = flags & IKE_PLD_CRITICAL,
			.inner = inner,
			.off = off,
			.body = body,
		};
		if (type == IKE_PLD_SK)
			break;
		type = next;
	}
	if (buf_left(b))
		return fail(err, bad_r, bad, "bytes after the last payload",
			    base + total - buf_left(b));
	/*
	 * Nothing about a message with an SK payload is answered before its ICV is checked: an
	 * unknown critical payload outside SK is reported by ike_msg_parse_inner, once it is.
	 */
	if (m->has_sk && !inner)
		return 0;
	if (m->crit_unknown) {
		fail(err, -EPROTO, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
		     "unsupported critical payload", 0);
		/* 3.10.1: the notification data is the one-octet payload type. */
		err->data[0] = m->crit_type;
		err->data_len = 1;
		return -EPROTO;
	}
	return 0;
}

int ike_msg_parse(struct ike_msg *m, const struct buf *dgram, struct ike_parse_err *err)
{
	struct buf b = *dgram;
	int r;

	memset(m, 0, sizeof(*m));
	r = ike_msg_parse_hdr(dgram, &m->hdr, err);
	if (r)
		return r;
	/* A view of its own, so that positions in raw are offsets in the message (sk.c). */
	buf_get_sub(&b, buf_left(&b), &m->raw);
	b = m->raw;
	buf_skip(&b, IKE_HDR_LEN);
	return parse_chain(m, m->hdr.next, &b, false, IKE_HDR_LEN, err);
}

int ike_msg_parse_inner(struct ike_msg *m, uint8_t first, const struct buf *plain,
			struct ike_parse_err *err)
{
	struct buf b = *plain;

	memset(err, 0, sizeof(*err));
	m->decrypted = true;
	return parse_chain(m, first, &b, true, 0, err);
}

static bool pld_visible(const struct ike_msg *m, const struct ike_pld *p)
{
	return p->inner == m->has_sk && p->type != IKE_PLD_SK;
}

const struct ike_pld *ike_msg_find(const struct ike_msg *m, uint8_t type,
				   const struct ike_pld *prev)
{
	size_t i = prev ? (size_t)(prev - m->plds) + 1 : 0;

	for (; i < m->n_plds; i++)
		if (m->plds[i].type == type && pld_visible(m, &m->plds[i]))
			return &m->plds[i];
	return NULL;
}

bool ike_msg_find_notify(const struct ike_msg *m, uint16_t type, struct ike_pld_notify *out)
{
	const struct ike_pld *p = NULL;

	while ((p = ike_msg_find(m, IKE_PLD_NOTIFY, p))) {
		struct buf b = p->body;

		/* Validated when the chain was parsed; checked again rather than trusted. */
		if (ike_pld_parse_notify(&b, out) == 0 && out->type == type)
			return true;
	}
	return false;
}

/* ---- writing -------------------------------------------------------------------------------- */

static int werr(struct ike_msg_writer *w, int r)
{
	if (r && !w->err)
		w->err = r;
	return w->err;
}

void ike_msg_write_begin(struct ike_msg_writer *w, struct buf *out, const struct ike_hdr *hdr)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->start = buf_tail_pos(out);
	w->np_pos = w->start + 16;
	r = buf_put_be64(out, hdr->spi_i);
	r = r ?: buf_put_be64(out, hdr->spi_r);
	r = r ?: buf_put_u8(out, IKE_PLD_NONE); /* patched by the first payload */
	r = r ?: buf_put_u8(out, IKE_VERSION);
	r = r ?: buf_put_u8(out, hdr->exchange);
	r = r ?: buf_put_u8(out, hdr->flags & (IKE_FLAG_I | IKE_FLAG_R));
	r = r ?: buf_put_be32(out, hdr->msgid);
	r = r ?: buf_put_be32(out, 0); /* patched by ike_msg_write_end */
	werr(w, r);
}

int ike_msg_write_pld_begin(struct ike_msg_writer *w, uint8_t type, bool critical)
{
	size_t pos = buf_tail_pos(w->out);
	int r;

	if (w->err)
		return w->err;
	if (w->pld_open)
		return werr(w, -EINVAL);
	r = buf_set_u8(w->out, w->np_pos, type);
	r = r ?: buf_put_u8(w->out, IKE_PLD_NONE);
	r = r ?: buf_put_u8(w->out, critical ? IKE_PLD_CRITICAL : 0);
	r = r ?: buf_put_be16(w->out, 0);
	if (r)
		return werr(w, r);
	w->np_pos = pos;
	w->pld_pos = pos;
	w->pld_open = true;
	return 0;
}

int ike_msg_write_pld_end(struct ike_msg_writer *w)
{
	size_t len;

	if (w->err)
		return w->err;
	if (!w->pld_open)
		return werr(w, -EINVAL);
	w->pld_open = false;
	len = buf_tail_pos(w->out) - w->pld_pos;
	if (len > UINT16_MAX)
		return werr(w, -ENOSPC);
	return werr(w, buf_set_be16(w->out, w->pld_pos + 2, (uint16_t)len));
}

int ike_msg_write_end(struct ike_msg_writer *w)
{
	size_t len;

	if (w->err)
		return w->err;
	if (w->pld_open)
		return werr(w, -EINVAL);
	if (w->sk)
		return werr(w, ike_sk_seal(w));
	len = buf_tail_pos(w->out) - w->start;
	if (len > UINT32_MAX)
		return werr(w, -ENOSPC);
	return werr(w, buf_set_be32(w->out, w->start + 24, (uint32_t)len));
}

int ike_msg_add_sa(struct ike_msg_writer *w, const struct ike_pld_sa *sa)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_SA, false) == 0)
		werr(w, ike_pld_build_sa(w->out, sa));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_ke(struct ike_msg_writer *w, const struct ike_pld_ke *ke)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_KE, false) == 0)
		werr(w, ike_pld_build_ke(w->out, ke));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_nonce(struct ike_msg_writer *w, const struct ike_pld_nonce *n)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_NONCE, false) == 0)
		werr(w, ike_pld_build_nonce(w->out, n));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_id(struct ike_msg_writer *w, uint8_t type, const struct ike_pld_id *id)
{
	if (type != IKE_PLD_IDI && type != IKE_PLD_IDR)
		return werr(w, -EINVAL);
	if (ike_msg_write_pld_begin(w, type, false) == 0)
		werr(w, ike_pld_build_id(w->out, id));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_auth(struct ike_msg_writer *w, const struct ike_pld_auth *auth)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_AUTH, false) == 0)
		werr(w, ike_pld_build_auth(w->out, auth));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_ts(struct ike_msg_writer *w, uint8_t type, const struct ike_pld_ts *ts)
{
	if (type != IKE_PLD_TSI && type != IKE_PLD_TSR)
		return werr(w, -EINVAL);
	if (ike_msg_write_pld_begin(w, type, false) == 0)
		werr(w, ike_pld_build_ts(w->out, ts));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_notify(struct ike_msg_writer *w, const struct ike_pld_notify *n)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_NOTIFY, false) == 0)
		werr(w, ike_pld_build_notify(w->out, n));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_delete(struct ike_msg_writer *w, uint8_t proto, const uint32_t *spis,
		       uint16_t n_spi)
{
	if (ike_msg_write_pld_begin(w, IKE_PLD_DELETE, false) == 0)
		werr(w, ike_pld_build_delete(w->out, proto, spis, n_spi));
	return ike_msg_write_pld_end(w);
}

int ike_msg_add_opaque(struct ike_msg_writer *w, uint8_t type, const void *data, size_t len)
{
	if (ike_msg_write_pld_begin(w, type, false) == 0)
		werr(w, buf_put_bytes(w->out, data, len));
	return ike_msg_write_pld_end(w);
}

const char *ike_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKE_EXCH_SA_INIT:
		return "IKE_SA_INIT";
	case IKE_EXCH_AUTH:
		return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA:
		return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL:
		return "INFORMATIONAL";
	default:
		return "?";
	}
}
