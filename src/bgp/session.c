/* SPDX-License-Identifier: MIT */
/*
 * session: one connection's I/O. Bytes read are cut into messages (stream.h), parsed
 * (msg.h/update.h) and turned into the FSM events of RFC 4271 8.1 (BGPOpen, BGPHeaderErr,
 * BGPOpenMsgErr, NotifMsg, KeepAliveMsg, UpdateMsg, UpdateMsgErr, ...); the checks of an OPEN
 * that need the configuration (6.2, RFC 6793 4.2.1, issue 12's ASN rules) and the negotiation of
 * hold time and capabilities live here too. Messages we send are built here.
 */
#include "bgp/speaker_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct bgp_session *bgp_session_new(struct bgp_peer *peer)
{
	struct bgp_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->peer = peer;
	s->state = BGP_STATE_IDLE;
	bgp_stream_init(&s->stream);
	return s;
}

void bgp_session_free(struct bgp_session *s)
{
	if (!s)
		return;
	bgp_session_close(s);
	free(s);
}

static uint32_t conn_id_new(struct bgp_speaker *sp)
{
	if (++sp->next_conn == 0)
		sp->next_conn = 1;
	return sp->next_conn;
}

int bgp_session_connect(struct bgp_session *s)
{
	struct bgp_speaker *sp = s->peer->sp;
	int r;

	bgp_session_close(s);
	s->conn = conn_id_new(sp);
	s->outgoing = true;
	r = sp->ops.connect(sp->ops.ctx, s->conn, &sp->cfg.local, &s->peer->cfg.addr, sp->cfg.port);
	if (r) {
		s->conn = 0;
		return r < 0 ? r : -EIO;
	}
	return 0;
}

void bgp_session_close(struct bgp_session *s)
{
	struct bgp_speaker *sp = s->peer->sp;

	if (s->conn)
		sp->ops.close(sp->ops.ctx, s->conn);
	s->conn = 0;
	bgp_stream_init(&s->stream);
}

int bgp_session_send(struct bgp_session *s, const struct buf *msg)
{
	struct bgp_speaker *sp = s->peer->sp;
	int r;

	if (!s->conn)
		return -ENOTCONN;
	r = sp->ops.send(sp->ops.ctx, s->conn, buf_data(msg), buf_left(msg));
	if (r == 0)
		s->peer->msgs_sent++;
	return r;
}

static int send_built(struct bgp_session *s, int built, struct buf *w)
{
	if (built) {
		bgp_peer_log(s->peer, LOG_LVL_ERR, "cannot build a message: %d", built);
		return built;
	}
	return bgp_session_send(s, w);
}

int bgp_session_send_open(struct bgp_session *s)
{
	struct bgp_speaker *sp = s->peer->sp;
	const struct bgp_peer_config *pc = &s->peer->cfg;
	struct bgp_open o = {
		.version = BGP_VERSION,
		/* RFC 6793 4.1: AS_TRANS in the 2-octet field when our AS does not fit. */
		.my_as = sp->cfg.asn > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)sp->cfg.asn,
		.hold_time = pc->hold_time_s ? pc->hold_time_s : sp->cfg.hold_time_s,
		.bgp_id = sp->cfg.router_id,
		.cap_mp_ipv4 = true,
		.cap_mp_ipv6 = true,
		.cap_refresh = true,
		.cap_as4 = true,
		.as4 = sp->cfg.asn,
	};
	struct buf w;

	buf_init_write(&w, sp->out, sizeof(sp->out));
	return send_built(s, bgp_msg_build_open(&w, &o), &w);
}

int bgp_session_send_keepalive(struct bgp_session *s)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct buf w;
	int r;

	buf_init_write(&w, sp->out, sizeof(sp->out));
	r = send_built(s, bgp_msg_build_keepalive(&w), &w);
	if (r == 0)
		bgp_timers_keepalive_sent(s);
	return r;
}

int bgp_session_send_notification(struct bgp_session *s, uint8_t code, uint8_t subcode,
				  const uint8_t *data, size_t len)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct buf w;

	bgp_peer_log(s->peer, LOG_LVL_WARN, "sending NOTIFICATION %s/%s", bgp_error_code_name(code),
		     bgp_error_subcode_name(code, subcode));
	buf_init_write(&w, sp->out, sizeof(sp->out));
	return send_built(s, bgp_msg_build_notification(&w, code, subcode, data, len), &w);
}

int bgp_session_send_refresh(struct bgp_session *s, uint16_t afi)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct buf w;

	buf_init_write(&w, sp->out, sizeof(sp->out));
	return send_built(s, bgp_msg_build_refresh(&w, afi, BGP_SAFI_UNICAST), &w);
}

/* ---- OPEN checks and negotiation -------------------------------------------------------- */

int bgp_session_check_open(const struct bgp_session *s, const struct bgp_open *o,
			   struct bgp_error *err)
{
	const struct bgp_speaker *sp = s->peer->sp;
	uint32_t asn = bgp_open_asn(o);

	/* RFC 7607 2: AS 0 is never a peer's AS. */
	if (asn == 0)
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS, "peer AS 0");
	/* RFC 6793 4.2.1: the 2-octet field is the AS itself or, when it does not fit, AS_TRANS. */
	if (o->cap_as4 && o->my_as != (asn > UINT16_MAX ? BGP_AS_TRANS : asn))
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS,
				     "My AS %u does not match the 4-octet AS %u", o->my_as, asn);
	if (asn != s->peer->cfg.asn)
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS,
				     "peer AS %u, configured %u", asn, s->peer->cfg.asn);
	/* Issue 12: an on-premises AS equal to the gateway's, or a reserved one, is refused. */
	if (asn == sp->cfg.asn)
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS,
				     "peer AS %u is our own", asn);
	if (!sp->cfg.allow_reserved_peer_asn && bgp_asn_reserved(asn))
		return bgp_error_set(err, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS,
				     "peer AS %u is reserved", asn);
	return 0;
}

void bgp_session_negotiate(struct bgp_session *s, const struct bgp_open *o)
{
	const struct bgp_speaker *sp = s->peer->sp;
	uint16_t ours = s->peer->cfg.hold_time_s ? s->peer->cfg.hold_time_s : sp->cfg.hold_time_s;

	s->remote_id = o->bgp_id;
	s->remote_as = bgp_open_asn(o);
	/* 4.2: the smaller of the two hold times; 0 means no hold timer and no keepalives. */
	s->hold_s = o->hold_time < ours ? o->hold_time : ours;
	s->keepalive_s = s->hold_s / 3;
	s->as4 = o->cap_as4;
	/* RFC 4760 8: without any multiprotocol capability, IPv4 unicast only. */
	s->afi4 = o->cap_mp_any ? o->cap_mp_ipv4 : true;
	s->afi6 = o->cap_mp_ipv6;
	s->refresh = o->cap_refresh;
}

/* ---- input ------------------------------------------------------------------------------- */

static void session_message(struct bgp_session *s, struct buf *msg)
{
	struct bgp_speaker *sp = s->peer->sp;
	struct bgp_msg *m = &sp->msg;
	struct bgp_error *err = &sp->err;
	struct bgp_fsm_arg arg = {0};
	struct bgp_parse_ctx ctx = {.as4 = s->as4, .ebgp = true, .peer_as = s->remote_as};
	struct buf peek = *msg;
	struct bgp_hdr h;
	int r;

	if (bgp_msg_parse_header(&peek, &h, err)) {
		arg.err = err;
		bgp_fsm_event(s, BGP_EV_BGP_HEADER_ERR, &arg);
		return;
	}
	/* Outside Established an UPDATE or ROUTE-REFRESH is an FSM error whatever it holds. */
	if (s->state != BGP_STATE_ESTABLISHED &&
	    (h.type == BGP_MSG_UPDATE || h.type == BGP_MSG_ROUTE_REFRESH)) {
		bgp_fsm_event(
			s, h.type == BGP_MSG_UPDATE ? BGP_EV_UPDATE_MSG : BGP_EV_ROUTE_REFRESH_MSG,
			&arg);
		return;
	}
	m->update = sp->upd;
	r = bgp_msg_parse(msg, &ctx, m, err);
	if (r && err->code == BGP_ERR_HEADER) {
		arg.err = err;
		bgp_fsm_event(s, BGP_EV_BGP_HEADER_ERR, &arg);
		return;
	}
	switch (h.type) {
	case BGP_MSG_OPEN:
		if (r == 0)
			r = bgp_session_check_open(s, &m->open, err);
		arg.err = r ? err : NULL;
		arg.open = &m->open;
		bgp_fsm_event(s, r ? BGP_EV_BGP_OPEN_MSG_ERR : BGP_EV_BGP_OPEN, &arg);
		return;
	case BGP_MSG_UPDATE:
		arg.err = r ? err : NULL;
		arg.update = m->update;
		bgp_fsm_event(s, r ? BGP_EV_UPDATE_MSG_ERR : BGP_EV_UPDATE_MSG, &arg);
		return;
	case BGP_MSG_NOTIFICATION:
		arg.notif = &m->notif;
		/* 8.1: a NOTIFICATION of an unsupported version is an event of its own. */
		bgp_fsm_event(s,
			      m->notif.code == BGP_ERR_OPEN &&
					      m->notif.subcode == BGP_ERR_OPEN_VERSION
				      ? BGP_EV_NOTIF_MSG_VER_ERR
				      : BGP_EV_NOTIF_MSG,
			      &arg);
		return;
	case BGP_MSG_KEEPALIVE:
		bgp_fsm_event(s, BGP_EV_KEEPALIVE_MSG, &arg);
		return;
	case BGP_MSG_ROUTE_REFRESH:
		arg.err = r ? err : NULL;
		arg.refresh = &m->refresh;
		bgp_fsm_event(s, r ? BGP_EV_ROUTE_REFRESH_MSG_ERR : BGP_EV_ROUTE_REFRESH_MSG, &arg);
		return;
	}
}

void bgp_session_input(struct bgp_session *s, const uint8_t *data, size_t len)
{
	struct bgp_speaker *sp = s->peer->sp;

	while (len && s->conn && !s->dead) {
		size_t used;

		bgp_stream_push(&s->stream, data, len, &used);
		data += used;
		len -= used;
		while (s->conn && !s->dead) {
			struct buf msg;
			int r = bgp_stream_next(&s->stream, &msg, &sp->err);

			if (r == 0)
				break;
			if (r < 0) {
				struct bgp_fsm_arg arg = {.err = &sp->err};

				bgp_fsm_event(s, BGP_EV_BGP_HEADER_ERR, &arg);
				return;
			}
			s->peer->msgs_rcvd++;
			session_message(s, &msg);
		}
		if (used == 0)
			break; /* cannot happen: a drained stream always has room */
	}
}
