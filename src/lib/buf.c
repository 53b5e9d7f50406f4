/* SPDX-License-Identifier: MIT */
/*
 * buf: bounded reading and writing of byte strings. Every other module reaches packet bytes
 * through these functions, so every bound is checked here, once: lengths are compared before
 * they are subtracted, and a failed call changes nothing.
 */
#include "lib/buf.h"

#include <errno.h>
#include <string.h>

/*
 * A NULL view of no bytes is common (an empty payload); pointing it here instead keeps every
 * pointer computation defined (NULL + 0 is undefined in C, and clang's UBSan says so).
 */
static uint8_t buf_nothing[1];

void buf_init_read(struct buf *b, const void *data, size_t len)
{
	if (!data)
		len = 0;
	/* The cast is safe: readonly makes every write path fail before touching mem. */
	b->mem = data ? (uint8_t *)(uintptr_t)data : buf_nothing;
	b->cap = len;
	b->head = 0;
	b->tail = len;
	b->readonly = true;
}

void buf_init_write(struct buf *b, void *mem, size_t cap)
{
	b->mem = mem ? mem : buf_nothing;
	b->cap = mem ? cap : 0;
	b->head = 0;
	b->tail = 0;
	b->readonly = false;
}

int buf_init_room(struct buf *b, void *mem, size_t cap, size_t head, size_t len)
{
	if (!mem || head > cap || len > cap - head)
		return -EINVAL;
	b->mem = mem;
	b->cap = cap;
	b->head = head;
	b->tail = head + len;
	b->readonly = false;
	return 0;
}

size_t buf_left(const struct buf *b)
{
	return b->tail - b->head;
}

size_t buf_tailroom(const struct buf *b)
{
	return b->readonly ? 0 : b->cap - b->tail;
}

size_t buf_headroom(const struct buf *b)
{
	return b->readonly ? 0 : b->head;
}

size_t buf_head_pos(const struct buf *b)
{
	return b->head;
}

size_t buf_tail_pos(const struct buf *b)
{
	return b->tail;
}

const uint8_t *buf_data(const struct buf *b)
{
	return b->mem + b->head;
}

uint8_t *buf_data_mut(struct buf *b)
{
	return b->readonly ? NULL : b->mem + b->head;
}

const uint8_t *buf_peek(const struct buf *b, size_t n)
{
	return n > buf_left(b) ? NULL : b->mem + b->head;
}

uint8_t *buf_put_reserve(struct buf *b, size_t n)
{
	uint8_t *p;

	if (b->readonly || n > b->cap - b->tail)
		return NULL;
	p = b->mem + b->tail;
	b->tail += n;
	return p;
}

int buf_get_bytes(struct buf *b, void *out, size_t n)
{
	if (n > buf_left(b))
		return -EBADMSG;
	if (n)
		memcpy(out, b->mem + b->head, n);
	b->head += n;
	return 0;
}

int buf_get_u8(struct buf *b, uint8_t *v)
{
	if (buf_left(b) < 1)
		return -EBADMSG;
	*v = b->mem[b->head++];
	return 0;
}

int buf_get_be16(struct buf *b, uint16_t *v)
{
	int r = buf_peek_be16(b, 0, v);

	if (r == 0)
		b->head += 2;
	return r;
}

int buf_get_be32(struct buf *b, uint32_t *v)
{
	int r = buf_peek_be32(b, 0, v);

	if (r == 0)
		b->head += 4;
	return r;
}

int buf_get_be64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (buf_left(b) < 8)
		return -EBADMSG;
	buf_peek_be32(b, 0, &hi);
	buf_peek_be32(b, 4, &lo);
	*v = (uint64_t)hi << 32 | lo;
	b->head += 8;
	return 0;
}

int buf_skip(struct buf *b, size_t n)
{
	if (n > buf_left(b))
		return -EBADMSG;
	b->head += n;
	return 0;
}

int buf_get_sub(struct buf *b, size_t n, struct buf *sub)
{
	if (n > buf_left(b))
		return -EBADMSG;
	buf_init_read(sub, b->mem + b->head, n);
	b->head += n;
	return 0;
}

int buf_peek_u8(const struct buf *b, size_t off, uint8_t *v)
{
	if (off >= buf_left(b))
		return -EBADMSG;
	*v = b->mem[b->head + off];
	return 0;
}

int buf_peek_be16(const struct buf *b, size_t off, uint16_t *v)
{
	const uint8_t *p;

	if (off > buf_left(b) || buf_left(b) - off < 2)
		return -EBADMSG;
	p = b->mem + b->head + off;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int buf_peek_be32(const struct buf *b, size_t off, uint32_t *v)
{
	const uint8_t *p;

	if (off > buf_left(b) || buf_left(b) - off < 4)
		return -EBADMSG;
	p = b->mem + b->head + off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int buf_trim(struct buf *b, size_t n)
{
	if (n > buf_left(b))
		return -EBADMSG;
	b->tail -= n;
	return 0;
}

int buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	uint8_t *d;

	if (b->readonly)
		return -EPERM;
	d = buf_put_reserve(b, n);
	if (!d)
		return -ENOSPC;
	if (n)
		memcpy(d, p, n);
	return 0;
}

int buf_put_fill(struct buf *b, uint8_t byte, size_t n)
{
	uint8_t *d;

	if (b->readonly)
		return -EPERM;
	d = buf_put_reserve(b, n);
	if (!d)
		return -ENOSPC;
	if (n)
		memset(d, byte, n);
	return 0;
}

int buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put_bytes(b, &v, 1);
}

int buf_put_be16(struct buf *b, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return buf_put_bytes(b, p, sizeof(p));
}

int buf_put_be32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_put_bytes(b, p, sizeof(p));
}

int buf_put_be64(struct buf *b, uint64_t v)
{
	uint8_t p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	return buf_put_bytes(b, p, sizeof(p));
}

int buf_put_buf(struct buf *b, const struct buf *src)
{
	return buf_put_bytes(b, buf_data(src), buf_left(src));
}

uint8_t *buf_push_reserve(struct buf *b, size_t n)
{
	if (b->readonly || n > b->head)
		return NULL;
	b->head -= n;
	return b->mem + b->head;
}

int buf_push_bytes(struct buf *b, const void *p, size_t n)
{
	uint8_t *d;

	if (b->readonly)
		return -EPERM;
	d = buf_push_reserve(b, n);
	if (!d)
		return -ENOSPC;
	if (n)
		memcpy(d, p, n);
	return 0;
}

int buf_push_be32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_push_bytes(b, p, sizeof(p));
}

int buf_get_h16(struct buf *b, uint16_t *v)
{
	return buf_get_bytes(b, v, sizeof(*v));
}

int buf_get_h32(struct buf *b, uint32_t *v)
{
	return buf_get_bytes(b, v, sizeof(*v));
}

int buf_put_h16(struct buf *b, uint16_t v)
{
	return buf_put_bytes(b, &v, sizeof(v));
}

int buf_put_h32(struct buf *b, uint32_t v)
{
	return buf_put_bytes(b, &v, sizeof(v));
}

static int buf_set_bytes(struct buf *b, size_t pos, const uint8_t *p, size_t n)
{
	if (b->readonly)
		return -EPERM;
	if (pos > b->tail || b->tail - pos < n)
		return -ERANGE;
	memcpy(b->mem + pos, p, n);
	return 0;
}

int buf_set_u8(struct buf *b, size_t pos, uint8_t v)
{
	return buf_set_bytes(b, pos, &v, 1);
}

int buf_set_be16(struct buf *b, size_t pos, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return buf_set_bytes(b, pos, p, sizeof(p));
}

int buf_set_be32(struct buf *b, size_t pos, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_set_bytes(b, pos, p, sizeof(p));
}

int buf_set_h32(struct buf *b, size_t pos, uint32_t v)
{
	uint8_t p[4];

	memcpy(p, &v, sizeof(p));
	return buf_set_bytes(b, pos, p, sizeof(p));
}

int buf_slice(const struct buf *b, size_t from, size_t to, struct buf *view)
{
	if (from > to || to > b->tail)
		return -ERANGE;
	buf_init_read(view, b->mem + from, to - from);
	return 0;
}

bool buf_equal_mem(const struct buf *a, const void *p, size_t n)
{
	return buf_left(a) == n && (n == 0 || memcmp(buf_data(a), p, n) == 0);
}

bool buf_equal(const struct buf *a, const struct buf *b)
{
	return buf_equal_mem(a, buf_data(b), buf_left(b));
}
