/* SPDX-License-Identifier: MIT */
/*
 * stream: cuts a TCP byte stream into BGP messages by the 19-byte header (RFC 4271 4.1): the
 * marker must be all ones and the length 19..4096, or the stream is out of sync and the session
 * must end with a Message Header Error. One per connection; nothing allocated.
 */
#ifndef VNETGW_BGP_STREAM_H
#define VNETGW_BGP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "bgp/msg.h"
#include "lib/buf.h"

/* Two whole messages: a full one can always be completed after a partial one. */
#define BGP_STREAM_CAP (2 * BGP_MAX_MSG)

struct bgp_stream {
	uint8_t mem[BGP_STREAM_CAP];
	struct buf b; /* unread bytes of mem */
	bool broken;  /* a header error was found: nothing more is cut */
};

void bgp_stream_init(struct bgp_stream *s);

/*
 * Take up to len bytes of data (as many as there is room for); *used says how many. The caller
 * cuts messages with bgp_stream_next until it returns 0, then pushes the rest.
 */
void bgp_stream_push(struct bgp_stream *s, const uint8_t *data, size_t len, size_t *used);

/*
 * The next whole message: 1 with msg viewing its bytes (header included; valid until the next
 * push), 0 when none is complete yet, -EBADMSG for a header error (err set; the stream is then
 * broken and returns -EBADMSG again).
 */
int bgp_stream_next(struct bgp_stream *s, struct buf *msg, struct bgp_error *err);

/* Bytes held that are not yet a whole message. */
size_t bgp_stream_pending(const struct bgp_stream *s);

#endif
