/* SPDX-License-Identifier: MIT */
/*
 * buf: the bounded reader/writer. The only code in vnetgw that indexes raw bytes.
 *
 * A buf is a window [head, tail) over caller-owned memory of size cap. Readers consume from the
 * head (buf_get_*), writers append at the tail (buf_put_*) or prepend before the head into
 * headroom (buf_push_*), like an sk_buff. Every operation checks its bounds and fails without
 * moving anything: reads with -EBADMSG (the input is too short: malformed), writes with -ENOSPC.
 * Nothing here allocates.
 */
#ifndef VNETGW_LIB_BUF_H
#define VNETGW_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *mem;  /* start of the memory; not owned */
	size_t cap;    /* bytes of memory */
	size_t head;   /* first unread byte */
	size_t tail;   /* one past the last written byte */
	bool readonly; /* set by buf_init_read: every write fails with -EPERM */
};

/* A read-only view of len bytes at data (NULL: an empty view, whatever len says). */
void buf_init_read(struct buf *b, const void *data, size_t len);
/* An empty writer over cap bytes at mem (NULL: a writer with no room). */
void buf_init_write(struct buf *b, void *mem, size_t cap);
/*
 * A writer over cap bytes at mem holding len bytes of data at offset head (so head bytes of
 * headroom in front and cap - head - len of tailroom behind). -EINVAL if they do not fit.
 */
int buf_init_room(struct buf *b, void *mem, size_t cap, size_t head, size_t len);

/* Unread bytes (tail - head). */
size_t buf_left(const struct buf *b);
/* Bytes that can still be appended / prepended. */
size_t buf_tailroom(const struct buf *b);
size_t buf_headroom(const struct buf *b);
/* Offset of the head / tail from the start of memory (positions for buf_set_*, buf_slice). */
size_t buf_head_pos(const struct buf *b);
size_t buf_tail_pos(const struct buf *b);

/*
 * Pointers for code that must hand contiguous bytes to a library (OpenSSL, send(2)):
 * buf_data is the head (buf_left bytes follow), buf_data_mut the same for writing (NULL on a
 * read-only buf). buf_peek returns the next n unread bytes without consuming them, or NULL if
 * fewer are left. buf_put_reserve appends n bytes (uninitialised) and returns where they are,
 * or NULL without appending if they do not fit.
 */
const uint8_t *buf_data(const struct buf *b);
uint8_t *buf_data_mut(struct buf *b);
const uint8_t *buf_peek(const struct buf *b, size_t n);
uint8_t *buf_put_reserve(struct buf *b, size_t n);

/* Reading (big-endian, network order). 0, or -EBADMSG with nothing consumed. */
int buf_get_u8(struct buf *b, uint8_t *v);
int buf_get_be16(struct buf *b, uint16_t *v);
int buf_get_be32(struct buf *b, uint32_t *v);
int buf_get_be64(struct buf *b, uint64_t *v);
int buf_get_bytes(struct buf *b, void *out, size_t n);
int buf_skip(struct buf *b, size_t n);
/* Carve the next n bytes off as a read-only view of its own; the parent moves past them. */
int buf_get_sub(struct buf *b, size_t n, struct buf *sub);

/*
 * Host byte order, for kernel ABIs (netlink attributes and headers), never for wire formats.
 * Same contracts as the big-endian forms.
 */
int buf_get_h16(struct buf *b, uint16_t *v);
int buf_get_h32(struct buf *b, uint32_t *v);
int buf_put_h16(struct buf *b, uint16_t v);
int buf_put_h32(struct buf *b, uint32_t v);

/* Peeking at offset off from the head without consuming. 0 or -EBADMSG. */
int buf_peek_u8(const struct buf *b, size_t off, uint8_t *v);
int buf_peek_be16(const struct buf *b, size_t off, uint16_t *v);
int buf_peek_be32(const struct buf *b, size_t off, uint32_t *v);

/* Drop n bytes from the end of the unread data (a trailer such as an ICV). 0 or -EBADMSG. */
int buf_trim(struct buf *b, size_t n);

/* Appending at the tail. 0, -ENOSPC (nothing written) or -EPERM (read-only). */
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_be16(struct buf *b, uint16_t v);
int buf_put_be32(struct buf *b, uint32_t v);
int buf_put_be64(struct buf *b, uint64_t v);
int buf_put_bytes(struct buf *b, const void *p, size_t n);
int buf_put_fill(struct buf *b, uint8_t byte, size_t n);
/* Append the unread bytes of src (src is not consumed). */
int buf_put_buf(struct buf *b, const struct buf *src);

/* Prepending before the head, into headroom. 0, -ENOSPC or -EPERM. */
int buf_push_be32(struct buf *b, uint32_t v);
int buf_push_bytes(struct buf *b, const void *p, size_t n);
/* Prepend n bytes (uninitialised) and return where they are, or NULL. */
uint8_t *buf_push_reserve(struct buf *b, size_t n);

/*
 * Overwrite already-written bytes at absolute position pos (from buf_tail_pos() taken before
 * writing them), e.g. a length field patched once the payload is known. The bytes must lie in
 * [0, tail). 0, -ERANGE or -EPERM.
 */
int buf_set_u8(struct buf *b, size_t pos, uint8_t v);
int buf_set_be16(struct buf *b, size_t pos, uint16_t v);
int buf_set_be32(struct buf *b, size_t pos, uint32_t v);
/* Host byte order, for kernel ABIs only. */
int buf_set_h32(struct buf *b, size_t pos, uint32_t v);

/* A read-only view of the bytes [from, to) of b's memory, which must lie in [0, tail). */
int buf_slice(const struct buf *b, size_t from, size_t to, struct buf *view);

/* Bytewise equality of the unread data of two bufs / of a buf and memory. */
bool buf_equal(const struct buf *a, const struct buf *b);
bool buf_equal_mem(const struct buf *a, const void *p, size_t n);

#endif
