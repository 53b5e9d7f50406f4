/* SPDX-License-Identifier: MIT */
/*
 * stream: message framing over TCP (RFC 4271 4.1, 6.1). The header is checked as soon as its 19
 * bytes are in, so a bad marker or length ends the session without waiting for a body that may
 * never come.
 */
#include "bgp/stream.h"

#include <errno.h>
#include <string.h>

void bgp_stream_init(struct bgp_stream *s)
{
	buf_init_write(&s->b, s->mem, sizeof(s->mem));
	s->broken = false;
}

/* Move the unread bytes to the start of mem so the tail has room again. */
static void stream_compact(struct bgp_stream *s)
{
	size_t left = buf_left(&s->b);

	if (buf_head_pos(&s->b) == 0)
		return;
	memmove(s->mem, buf_data(&s->b), left);
	buf_init_room(&s->b, s->mem, sizeof(s->mem), 0, left);
}

void bgp_stream_push(struct bgp_stream *s, const uint8_t *data, size_t len, size_t *used)
{
	size_t n;

	stream_compact(s);
	n = buf_tailroom(&s->b);
	if (n > len)
		n = len;
	buf_put_bytes(&s->b, data, n);
	*used = n;
}

int bgp_stream_next(struct bgp_stream *s, struct buf *msg, struct bgp_error *err)
{
	struct buf peek = s->b;
	struct bgp_hdr h;
	int r;

	if (s->broken)
		return bgp_error_set(err, BGP_ERR_HEADER, BGP_ERR_HDR_NOT_SYNC, "stream broken");
	r = bgp_msg_parse_header(&peek, &h, err);
	if (r == -EAGAIN)
		return 0;
	if (r) {
		s->broken = true;
		return r;
	}
	if (buf_left(&s->b) < h.len)
		return 0;
	buf_slice(&s->b, buf_head_pos(&s->b), buf_head_pos(&s->b) + h.len, msg);
	buf_skip(&s->b, h.len);
	return 1;
}

size_t bgp_stream_pending(const struct bgp_stream *s)
{
	return buf_left(&s->b);
}
