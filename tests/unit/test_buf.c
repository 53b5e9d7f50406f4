/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/lib/buf: every bound at its exact value and one past, for reads, peeks,
 * writes, pushes, set_* and slices; read-only bufs refusing every write; zero-length operations;
 * and that a failed call moves nothing and writes nothing. Tables have numbered rows.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "lib/buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t src[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

/* Snapshot of a buf's position, to check that a failed call changed nothing. */
struct pos {
	size_t head, tail, cap;
};

static struct pos pos_of(const struct buf *b)
{
	return (struct pos){b->head, b->tail, b->cap};
}

static void assert_unmoved(const struct buf *b, struct pos p, const char *what, size_t row)
{
	cr_assert_eq(b->head, p.head, "%s row %zu: head moved", what, row);
	cr_assert_eq(b->tail, p.tail, "%s row %zu: tail moved", what, row);
	cr_assert_eq(b->cap, p.cap, "%s row %zu: cap changed", what, row);
}

/* ---- initialisation and accessors ---------------------------------------------------------- */

Test(buf, init_read)
{
	struct buf b;

	buf_init_read(&b, src, sizeof(src));
	cr_assert_eq(buf_left(&b), 16);
	cr_assert_eq(buf_data(&b), src);
	cr_assert_null(buf_data_mut(&b));
	cr_assert_eq(buf_tailroom(&b), 0);
	cr_assert_eq(buf_headroom(&b), 0);
	cr_assert_eq(buf_head_pos(&b), 0);
	cr_assert_eq(buf_tail_pos(&b), 16);
	cr_assert(b.readonly);
}

Test(buf, init_write)
{
	uint8_t mem[8];
	struct buf b;

	buf_init_write(&b, mem, sizeof(mem));
	cr_assert_eq(buf_left(&b), 0);
	cr_assert_eq(buf_tailroom(&b), 8);
	cr_assert_eq(buf_headroom(&b), 0);
	cr_assert_eq(buf_data_mut(&b), mem);
	cr_assert_eq(buf_data(&b), mem);
	cr_assert_not(b.readonly);
}

Test(buf, init_room_bounds)
{
	static const struct {
		size_t cap, head, len;
		int ret;
	} rows[] = {
		/* 1 */ {16, 0, 0, 0},
		/* 2 */ {16, 0, 16, 0}, /* exactly full */
		/* 3 */ {16, 0, 17, -EINVAL},
		/* 4 */ {16, 16, 0, 0},	      /* all headroom */
		/* 5 */ {16, 17, 0, -EINVAL}, /* head past cap */
		/* 6 */ {16, 8, 8, 0},
		/* 7 */ {16, 8, 9, -EINVAL},
		/* 8 */ {16, 15, 1, 0},
		/* 9 */ {16, 1, SIZE_MAX, -EINVAL}, /* head + len would wrap */
		/* 10 */ {16, SIZE_MAX, 2, -EINVAL},
		/* 11 */ {0, 0, 0, 0},
		/* 12 */ {0, 0, 1, -EINVAL},
		/* 13 */ {0, 1, 0, -EINVAL},
	};
	uint8_t mem[16];
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct buf b = {.mem = NULL, .cap = 99, .head = 98, .tail = 97, .readonly = true};
		int r = buf_init_room(&b, mem, rows[i].cap, rows[i].head, rows[i].len);

		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		if (r) {
			cr_assert_eq(b.cap, 99, "row %zu: written on failure", i + 1);
			cr_assert_eq(b.head, 98, "row %zu", i + 1);
			continue;
		}
		cr_assert_eq(b.mem, mem, "row %zu", i + 1);
		cr_assert_not(b.readonly, "row %zu", i + 1);
		cr_assert_eq(buf_headroom(&b), rows[i].head, "row %zu", i + 1);
		cr_assert_eq(buf_left(&b), rows[i].len, "row %zu", i + 1);
		cr_assert_eq(buf_tailroom(&b), rows[i].cap - rows[i].head - rows[i].len, "row %zu",
			     i + 1);
		cr_assert_eq(buf_head_pos(&b), rows[i].head, "row %zu", i + 1);
		cr_assert_eq(buf_tail_pos(&b), rows[i].head + rows[i].len, "row %zu", i + 1);
	}
}

/* ---- reading --------------------------------------------------------------------------------- */

enum rd_op { RD_U8, RD_BE16, RD_BE32, RD_BE64, RD_BYTES3, RD_SKIP3, RD_SUB3, RD_BYTES0 };

static const char *const rd_names[] = {"get_u8",     "get_be16", "get_be32", "get_be64",
				       "get_bytes3", "skip3",	 "get_sub3", "get_bytes0"};
static const size_t rd_size[] = {1, 2, 4, 8, 3, 3, 3, 0};

/* Runs op on b; for a success returns the value read (bytes as big-endian for bytes/sub). */
static int rd_run(enum rd_op op, struct buf *b, uint64_t *v)
{
	uint8_t u8, bytes[3] = {0};
	uint16_t u16;
	uint32_t u32;
	struct buf sub;
	int r;

	*v = 0;
	switch (op) {
	case RD_U8:
		r = buf_get_u8(b, &u8);
		*v = u8;
		return r;
	case RD_BE16:
		r = buf_get_be16(b, &u16);
		*v = u16;
		return r;
	case RD_BE32:
		r = buf_get_be32(b, &u32);
		*v = u32;
		return r;
	case RD_BE64:
		return buf_get_be64(b, v);
	case RD_BYTES3:
		r = buf_get_bytes(b, bytes, 3);
		*v = (uint64_t)bytes[0] << 16 | (uint64_t)bytes[1] << 8 | bytes[2];
		return r;
	case RD_SKIP3:
		return buf_skip(b, 3);
	case RD_SUB3:
		memset(&sub, 0, sizeof(sub));
		r = buf_get_sub(b, 3, &sub);
		if (r == 0) {
			cr_assert(sub.readonly);
			cr_assert_eq(buf_left(&sub), 3);
			cr_assert_eq(buf_headroom(&sub), 0);
			cr_assert_eq(buf_tailroom(&sub), 0);
			cr_assert_eq(buf_get_bytes(&sub, bytes, 3), 0);
			*v = (uint64_t)bytes[0] << 16 | (uint64_t)bytes[1] << 8 | bytes[2];
		}
		return r;
	case RD_BYTES0:
		return buf_get_bytes(b, NULL, 0);
	}
	return -1;
}

/* Every read at left = size - 1 (fails), size (exact) and size + 1, at a non-zero head. */
Test(buf, reads_at_bounds)
{
	/* Expected values when reading from src + 2. */
	static const uint64_t want[] = {0x03,	  0x0304, 0x03040506, 0x030405060708090aull,
					0x030405, 0,	  0x030405,   0};
	size_t op, row = 0;

	for (op = 0; op < N(rd_names); op++) {
		size_t size = rd_size[op], left;

		for (left = size ? size - 1 : 0; left <= size + 1; left++) {
			struct buf b;
			struct pos before;
			uint64_t v;
			int r;

			row++;
			/* A view whose head is 2 into a bigger buf, tail at 2 + left. */
			buf_init_read(&b, src, 2 + left);
			cr_assert_eq(buf_skip(&b, 2), 0);
			before = pos_of(&b);
			r = rd_run((enum rd_op)op, &b, &v);
			if (left < size) {
				cr_assert_eq(r, -EBADMSG, "%s left %zu: %d", rd_names[op], left, r);
				assert_unmoved(&b, before, rd_names[op], row);
			} else {
				cr_assert_eq(r, 0, "%s left %zu: %d", rd_names[op], left, r);
				cr_assert_eq(v, want[op], "%s left %zu: %llx", rd_names[op], left,
					     (unsigned long long)v);
				cr_assert_eq(buf_left(&b), left - size, "%s left %zu", rd_names[op],
					     left);
				cr_assert_eq(buf_head_pos(&b), 2 + size, "%s", rd_names[op]);
			}
		}
	}
}

Test(buf, reads_huge_n)
{
	struct buf b, sub;
	uint8_t out[4];

	buf_init_read(&b, src, 4);
	cr_assert_eq(buf_get_bytes(&b, out, SIZE_MAX), -EBADMSG);
	cr_assert_eq(buf_skip(&b, SIZE_MAX), -EBADMSG);
	cr_assert_eq(buf_get_sub(&b, SIZE_MAX, &sub), -EBADMSG);
	cr_assert_null(buf_peek(&b, SIZE_MAX));
	cr_assert_eq(buf_trim(&b, SIZE_MAX), -EBADMSG);
	cr_assert_eq(buf_left(&b), 4);
}

Test(buf, reads_from_empty)
{
	struct buf b;
	uint64_t v64 = 7;
	uint32_t v32 = 7;
	uint16_t v16 = 7;
	uint8_t v8 = 7;

	buf_init_read(&b, src, 0);
	cr_assert_eq(buf_get_u8(&b, &v8), -EBADMSG);
	cr_assert_eq(buf_get_be16(&b, &v16), -EBADMSG);
	cr_assert_eq(buf_get_be32(&b, &v32), -EBADMSG);
	cr_assert_eq(buf_get_be64(&b, &v64), -EBADMSG);
	/* Outputs are untouched on failure. */
	cr_assert_eq(v8 + v16 + v32 + v64, 28);
	cr_assert_eq(buf_get_bytes(&b, NULL, 0), 0);
	cr_assert_eq(buf_skip(&b, 0), 0);
	cr_assert_not_null(buf_peek(&b, 0));
	cr_assert_eq(buf_trim(&b, 0), 0);
}

Test(buf, sub_views)
{
	struct buf b, sub, subsub;
	uint8_t v;

	buf_init_read(&b, src, sizeof(src));
	cr_assert_eq(buf_skip(&b, 4), 0);
	cr_assert_eq(buf_get_sub(&b, 6, &sub), 0);
	cr_assert_eq(buf_left(&b), 6);
	cr_assert_eq(buf_data(&b), src + 10);
	/* The sub-view starts at its own position 0 and ends where it was cut. */
	cr_assert_eq(buf_data(&sub), src + 4);
	cr_assert_eq(buf_head_pos(&sub), 0);
	cr_assert_eq(buf_tail_pos(&sub), 6);
	cr_assert_eq(buf_get_sub(&sub, 7, &subsub), -EBADMSG);
	cr_assert_eq(buf_get_sub(&sub, 6, &subsub), 0);
	cr_assert_eq(buf_left(&sub), 0);
	cr_assert_eq(buf_get_u8(&subsub, &v), 0);
	cr_assert_eq(v, 0x05);
	/* A zero-length sub-view is a valid, empty view. */
	cr_assert_eq(buf_get_sub(&sub, 0, &subsub), 0);
	cr_assert_eq(buf_left(&subsub), 0);
	cr_assert_eq(buf_get_u8(&subsub, &v), -EBADMSG);
}

Test(buf, sub_of_writer_is_readonly)
{
	uint8_t mem[8] = {0};
	struct buf b, sub;

	buf_init_write(&b, mem, sizeof(mem));
	cr_assert_eq(buf_put_be32(&b, 0x11223344), 0);
	cr_assert_eq(buf_get_sub(&b, 2, &sub), 0);
	cr_assert(sub.readonly);
	cr_assert_eq(buf_put_u8(&sub, 1), -EPERM);
	cr_assert_eq(buf_set_u8(&sub, 0, 1), -EPERM);
	cr_assert_eq(mem[0], 0x11);
}

/* ---- peeking --------------------------------------------------------------------------------- */

Test(buf, peeks_at_offsets)
{
	static const struct {
		int width; /* 1, 2, 4 */
		size_t left, off;
		int ret;
		uint32_t v; /* reading from src + 1 */
	} rows[] = {
		/* 1 */ {1, 4, 0, 0, 0x02},
		/* 2 */ {1, 4, 3, 0, 0x05},	/* last byte */
		/* 3 */ {1, 4, 4, -EBADMSG, 0}, /* off == left */
		/* 4 */ {1, 4, 5, -EBADMSG, 0}, /* off > left */
		/* 5 */ {1, 0, 0, -EBADMSG, 0},
		/* 6 */ {1, 4, SIZE_MAX, -EBADMSG, 0},
		/* 7 */ {2, 4, 0, 0, 0x0203},
		/* 8 */ {2, 4, 2, 0, 0x0405},	/* exactly the last two */
		/* 9 */ {2, 4, 3, -EBADMSG, 0}, /* one past */
		/* 10 */ {2, 4, 4, -EBADMSG, 0},
		/* 11 */ {2, 4, 5, -EBADMSG, 0}, /* off > left */
		/* 12 */ {2, 1, 0, -EBADMSG, 0},
		/* 13 */ {2, 4, SIZE_MAX, -EBADMSG, 0},
		/* 14 */ {2, 4, SIZE_MAX - 1, -EBADMSG, 0}, /* off + 2 would wrap */
		/* 15 */ {4, 4, 0, 0, 0x02030405},
		/* 16 */ {4, 4, 1, -EBADMSG, 0},
		/* 17 */ {4, 3, 0, -EBADMSG, 0},
		/* 18 */ {4, 6, 2, 0, 0x04050607},
		/* 19 */ {4, 6, 3, -EBADMSG, 0},
		/* 20 */ {4, 6, 7, -EBADMSG, 0},	    /* off > left */
		/* 21 */ {4, 6, SIZE_MAX - 3, -EBADMSG, 0}, /* off + 4 would wrap */
		/* 22 */ {4, 0, 0, -EBADMSG, 0},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct buf b;
		struct pos before;
		uint32_t v32 = 0xeeeeeeee;
		uint16_t v16 = 0xeeee;
		uint8_t v8 = 0xee;
		uint32_t v;
		int r;

		buf_init_read(&b, src, 1 + rows[i].left);
		cr_assert_eq(buf_skip(&b, 1), 0);
		before = pos_of(&b);
		if (rows[i].width == 1) {
			r = buf_peek_u8(&b, rows[i].off, &v8);
			v = r ? (v8 == 0xee ? 0 : 1) : v8;
		} else if (rows[i].width == 2) {
			r = buf_peek_be16(&b, rows[i].off, &v16);
			v = r ? (v16 == 0xeeee ? 0 : 1) : v16;
		} else {
			r = buf_peek_be32(&b, rows[i].off, &v32);
			v = r ? (v32 == 0xeeeeeeee ? 0 : 1) : v32;
		}
		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		cr_assert_eq(v, rows[i].v, "row %zu: value %x (1 = output written on failure)",
			     i + 1, v);
		assert_unmoved(&b, before, "peek", i + 1);
	}
}

Test(buf, peek_pointer)
{
	static const struct {
		size_t left, n;
		bool ok;
	} rows[] = {
		/* 1 */ {4, 0, true}, /* 2 */ {4, 4, true},  /* 3 */ {4, 5, false},
		/* 4 */ {0, 0, true}, /* 5 */ {0, 1, false},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct buf b;

		buf_init_read(&b, src, 3 + rows[i].left);
		cr_assert_eq(buf_skip(&b, 3), 0);
		if (rows[i].ok)
			cr_assert_eq(buf_peek(&b, rows[i].n), src + 3, "row %zu", i + 1);
		else
			cr_assert_null(buf_peek(&b, rows[i].n), "row %zu", i + 1);
		cr_assert_eq(buf_left(&b), rows[i].left, "row %zu", i + 1);
	}
}

/* ---- trimming -------------------------------------------------------------------------------- */

Test(buf, trim)
{
	static const struct {
		size_t left, n;
		int ret;
	} rows[] = {
		/* 1 */ {8, 0, 0},	  /* 2 */ {8, 3, 0}, /* 3 */ {8, 8, 0},
		/* 4 */ {8, 9, -EBADMSG}, /* 5 */ {0, 0, 0}, /* 6 */ {0, 1, -EBADMSG},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct buf b;
		struct pos before;
		int r;

		buf_init_read(&b, src, 2 + rows[i].left);
		cr_assert_eq(buf_skip(&b, 2), 0);
		before = pos_of(&b);
		r = buf_trim(&b, rows[i].n);
		cr_assert_eq(r, rows[i].ret, "row %zu", i + 1);
		if (r) {
			assert_unmoved(&b, before, "trim", i + 1);
			continue;
		}
		cr_assert_eq(buf_left(&b), rows[i].left - rows[i].n, "row %zu", i + 1);
		cr_assert_eq(buf_head_pos(&b), 2, "row %zu: head moved", i + 1);
		cr_assert_eq(buf_tail_pos(&b), 2 + rows[i].left - rows[i].n, "row %zu", i + 1);
	}
}

/* ---- appending ------------------------------------------------------------------------------- */

enum wr_op { WR_U8, WR_BE16, WR_BE32, WR_BE64, WR_BYTES3, WR_FILL3, WR_BUF3, WR_RESERVE3 };

static const char *const wr_names[] = {"put_u8",     "put_be16",  "put_be32", "put_be64",
				       "put_bytes3", "put_fill3", "put_buf3", "put_reserve3"};
static const size_t wr_size[] = {1, 2, 4, 8, 3, 3, 3, 3};
static const uint8_t wr_bytes[][8] = {
	{0xa1},
	{0xa1, 0xb2},
	{0xa1, 0xb2, 0xc3, 0xd4},
	{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18},
	{0x0a, 0x0b, 0x0c},
	{0x5e, 0x5e, 0x5e},
	{0x02, 0x03, 0x04},
	{0x77, 0x77, 0x77}, /* written by the test through the reserved pointer */
};

static int wr_run(enum wr_op op, struct buf *b)
{
	struct buf from;
	uint8_t *p;

	switch (op) {
	case WR_U8:
		return buf_put_u8(b, 0xa1);
	case WR_BE16:
		return buf_put_be16(b, 0xa1b2);
	case WR_BE32:
		return buf_put_be32(b, 0xa1b2c3d4);
	case WR_BE64:
		return buf_put_be64(b, 0xa1b2c3d4e5f60718ull);
	case WR_BYTES3:
		return buf_put_bytes(b, wr_bytes[WR_BYTES3], 3);
	case WR_FILL3:
		return buf_put_fill(b, 0x5e, 3);
	case WR_BUF3:
		/* src[1..4) as the unread part of a view, which must not be consumed. */
		buf_init_read(&from, src, 4);
		cr_assert_eq(buf_skip(&from, 1), 0);
		{
			int r = buf_put_buf(b, &from);

			cr_assert_eq(buf_left(&from), 3);
			return r;
		}
	case WR_RESERVE3:
		p = buf_put_reserve(b, 3);
		if (!p)
			return b->readonly ? -EPERM : -ENOSPC;
		memset(p, 0x77, 3);
		return 0;
	}
	return -1;
}

/* Every append with tailroom size - 1 (fails, writes nothing), size and size + 1. */
Test(buf, appends_at_bounds)
{
	size_t op, row = 0;

	for (op = 0; op < N(wr_names); op++) {
		size_t size = wr_size[op], room;

		for (room = size - 1; room <= size + 1; room++) {
			uint8_t mem[32];
			struct buf b;
			struct pos before;
			int r;

			row++;
			memset(mem, 0xcc, sizeof(mem));
			/* 2 bytes of headroom, 1 byte of data, then room bytes. */
			cr_assert_eq(buf_init_room(&b, mem, 3 + room, 2, 1), 0);
			before = pos_of(&b);
			r = wr_run((enum wr_op)op, &b);
			if (room < size) {
				cr_assert_eq(r, -ENOSPC, "%s room %zu: %d", wr_names[op], room, r);
				assert_unmoved(&b, before, wr_names[op], row);
				for (size_t i = 0; i < sizeof(mem); i++)
					cr_assert_eq(mem[i], 0xcc, "%s room %zu: byte %zu written",
						     wr_names[op], room, i);
				continue;
			}
			cr_assert_eq(r, 0, "%s room %zu: %d", wr_names[op], room, r);
			cr_assert_eq(buf_tail_pos(&b), 3 + size, "%s", wr_names[op]);
			cr_assert_eq(buf_tailroom(&b), room - size, "%s", wr_names[op]);
			cr_assert_eq(buf_left(&b), 1 + size, "%s", wr_names[op]);
			cr_assert_arr_eq(mem + 3, wr_bytes[op], size, "%s room %zu", wr_names[op],
					 room);
			cr_assert_eq(mem[3 + size], 0xcc, "%s: wrote past its bytes", wr_names[op]);
		}
	}
}

Test(buf, zero_length_writes)
{
	uint8_t mem[4];
	struct buf b, empty;

	buf_init_write(&b, mem, 0);
	cr_assert_eq(buf_put_bytes(&b, NULL, 0), 0);
	cr_assert_eq(buf_put_fill(&b, 0, 0), 0);
	cr_assert_not_null(buf_put_reserve(&b, 0));
	buf_init_read(&empty, src, 0);
	cr_assert_eq(buf_put_buf(&b, &empty), 0);
	cr_assert_eq(buf_push_bytes(&b, NULL, 0), 0);
	cr_assert_not_null(buf_push_reserve(&b, 0));
	cr_assert_eq(buf_put_u8(&b, 1), -ENOSPC);
	cr_assert_eq(buf_left(&b), 0);
	cr_assert_eq(buf_put_bytes(&b, src, SIZE_MAX), -ENOSPC);
	cr_assert_null(buf_put_reserve(&b, SIZE_MAX));
}

Test(buf, write_then_read_back)
{
	uint8_t mem[32];
	struct buf b;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	buf_init_write(&b, mem, sizeof(mem));
	cr_assert_eq(buf_put_u8(&b, 0x01), 0);
	cr_assert_eq(buf_put_be16(&b, 0x0203), 0);
	cr_assert_eq(buf_put_be32(&b, 0x04050607), 0);
	cr_assert_eq(buf_put_be64(&b, 0x08090a0b0c0d0e0full), 0);
	cr_assert_eq(buf_left(&b), 15);
	cr_assert(buf_equal_mem(&b, src, 15));
	cr_assert_eq(buf_get_u8(&b, &v8), 0);
	cr_assert_eq(buf_get_be16(&b, &v16), 0);
	cr_assert_eq(buf_get_be32(&b, &v32), 0);
	cr_assert_eq(buf_get_be64(&b, &v64), 0);
	cr_assert_eq(v8, 0x01);
	cr_assert_eq(v16, 0x0203);
	cr_assert_eq(v32, 0x04050607);
	cr_assert_eq(v64, 0x08090a0b0c0d0e0full);
	cr_assert_eq(buf_left(&b), 0);
	/* Reading does not give back tailroom: the writer is still at 15. */
	cr_assert_eq(buf_tailroom(&b), 17);
}

/* ---- prepending ------------------------------------------------------------------------------ */

Test(buf, push_into_headroom)
{
	static const struct {
		int op; /* 0 push_be32, 1 push_bytes(3), 2 push_reserve(2) */
		size_t headroom;
		int ret;
	} rows[] = {
		/* 1 */ {0, 3, -ENOSPC},  /* 2 */ {0, 4, 0},
		/* 3 */ {0, 5, 0},
		/* 4 */ {1, 2, -ENOSPC},  /* 5 */ {1, 3, 0},
		/* 6 */ {1, 4, 0},
		/* 7 */ {2, 1, -ENOSPC},  /* 8 */ {2, 2, 0},
		/* 9 */ {2, 3, 0},
		/* 10 */ {0, 0, -ENOSPC}, /* 11 */ {1, 0, -ENOSPC},
		/* 12 */ {2, 0, -ENOSPC},
	};
	static const uint8_t pushed[3][4] = {
		{0xde, 0xad, 0xbe, 0xef}, {0x0a, 0x0b, 0x0c}, {0x99, 0x99}};
	static const size_t size[3] = {4, 3, 2};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		uint8_t mem[16];
		struct buf b;
		struct pos before;
		uint8_t *p;
		int op = rows[i].op, r;

		memset(mem, 0xcc, sizeof(mem));
		cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), rows[i].headroom, 2), 0);
		before = pos_of(&b);
		if (op == 0) {
			r = buf_push_be32(&b, 0xdeadbeef);
		} else if (op == 1) {
			r = buf_push_bytes(&b, pushed[1], 3);
		} else {
			p = buf_push_reserve(&b, 2);
			r = p ? 0 : -ENOSPC;
			if (p) {
				cr_assert_eq(p, mem + rows[i].headroom - 2, "row %zu", i + 1);
				memset(p, 0x99, 2);
			}
		}
		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		if (r) {
			assert_unmoved(&b, before, "push", i + 1);
			for (size_t j = 0; j < sizeof(mem); j++)
				cr_assert_eq(mem[j], 0xcc, "row %zu: byte %zu written", i + 1, j);
			continue;
		}
		cr_assert_eq(buf_headroom(&b), rows[i].headroom - size[op], "row %zu", i + 1);
		cr_assert_eq(buf_left(&b), 2 + size[op], "row %zu", i + 1);
		cr_assert_eq(buf_data(&b), mem + rows[i].headroom - size[op], "row %zu", i + 1);
		cr_assert_arr_eq(buf_data(&b), pushed[op], size[op], "row %zu", i + 1);
		cr_assert_eq(buf_tail_pos(&b), rows[i].headroom + 2, "row %zu: tail moved", i + 1);
	}
}

/* ---- patching -------------------------------------------------------------------------------- */

Test(buf, set_in_written_range)
{
	static const struct {
		int width; /* 1, 2, 4 */
		size_t pos;
		int ret;
	} rows[] = {
		/* tail is at 8 (head at 2) */
		/* 1 */ {1, 0, 0},	 /* before the head is allowed: [0, tail) */
		/* 2 */ {1, 7, 0},	 /* last written byte */
		/* 3 */ {1, 8, -ERANGE}, /* pos == tail */
		/* 4 */ {1, 9, -ERANGE}, /* pos > tail */
		/* 5 */ {2, 6, 0},
		/* 6 */ {2, 7, -ERANGE}, /* one byte would go past the tail */
		/* 7 */ {2, 8, -ERANGE},
		/* 8 */ {2, SIZE_MAX, -ERANGE},
		/* 9 */ {4, 4, 0},
		/* 10 */ {4, 5, -ERANGE},
		/* 11 */ {4, 0, 0},
		/* 12 */ {4, SIZE_MAX - 1, -ERANGE}, /* pos + 4 would wrap */
		/* 13 */ {1, SIZE_MAX, -ERANGE},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		uint8_t mem[16], want[16];
		struct buf b;
		struct pos before;
		int r;

		memset(mem, 0xcc, sizeof(mem));
		cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), 2, 6), 0);
		memcpy(want, mem, sizeof(mem));
		before = pos_of(&b);
		if (rows[i].width == 1)
			r = buf_set_u8(&b, rows[i].pos, 0xa1);
		else if (rows[i].width == 2)
			r = buf_set_be16(&b, rows[i].pos, 0xa1b2);
		else
			r = buf_set_be32(&b, rows[i].pos, 0xa1b2c3d4);
		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		assert_unmoved(&b, before, "set", i + 1);
		if (r == 0) {
			static const uint8_t v[4] = {0xa1, 0xb2, 0xc3, 0xd4};

			memcpy(want + rows[i].pos, v, (size_t)rows[i].width);
		}
		cr_assert_arr_eq(mem, want, sizeof(mem), "row %zu: memory", i + 1);
	}
}

Test(buf, set_patches_length_field)
{
	uint8_t mem[16];
	struct buf b;
	size_t at;

	buf_init_write(&b, mem, sizeof(mem));
	at = buf_tail_pos(&b);
	cr_assert_eq(buf_put_be16(&b, 0), 0);
	cr_assert_eq(buf_put_bytes(&b, "abcde", 5), 0);
	cr_assert_eq(buf_set_be16(&b, at, (uint16_t)(buf_tail_pos(&b) - at)), 0);
	cr_assert(buf_equal_mem(&b,
				"\x00\x07"
				"abcde",
				7));
}

/* ---- read-only bufs refuse every write ---------------------------------------------------------
 */

Test(buf, readonly_refuses_writes)
{
	uint8_t mem[16];
	struct buf b, other;

	memcpy(mem, src, sizeof(mem));
	buf_init_read(&b, mem, sizeof(mem));
	cr_assert_eq(buf_skip(&b, 4), 0); /* headroom exists in memory but is not usable */
	cr_assert_eq(buf_trim(&b, 4), 0); /* and so does tailroom */
	buf_init_read(&other, src, 2);

	cr_assert_eq(buf_put_u8(&b, 1), -EPERM);
	cr_assert_eq(buf_put_be16(&b, 1), -EPERM);
	cr_assert_eq(buf_put_be32(&b, 1), -EPERM);
	cr_assert_eq(buf_put_be64(&b, 1), -EPERM);
	cr_assert_eq(buf_put_bytes(&b, src, 1), -EPERM);
	cr_assert_eq(buf_put_bytes(&b, NULL, 0), -EPERM);
	cr_assert_eq(buf_put_fill(&b, 0, 1), -EPERM);
	cr_assert_eq(buf_put_fill(&b, 0, 0), -EPERM);
	cr_assert_eq(buf_put_buf(&b, &other), -EPERM);
	cr_assert_null(buf_put_reserve(&b, 1));
	cr_assert_null(buf_put_reserve(&b, 0));
	cr_assert_eq(buf_push_be32(&b, 1), -EPERM);
	cr_assert_eq(buf_push_bytes(&b, src, 1), -EPERM);
	cr_assert_eq(buf_push_bytes(&b, NULL, 0), -EPERM);
	cr_assert_null(buf_push_reserve(&b, 1));
	cr_assert_null(buf_push_reserve(&b, 0));
	cr_assert_eq(buf_set_u8(&b, 4, 1), -EPERM);
	cr_assert_eq(buf_set_be16(&b, 4, 1), -EPERM);
	cr_assert_eq(buf_set_be32(&b, 4, 1), -EPERM);
	cr_assert_eq(buf_set_u8(&b, 100, 1), -EPERM); /* EPERM before ERANGE */
	cr_assert_null(buf_data_mut(&b));
	cr_assert_eq(buf_headroom(&b), 0);
	cr_assert_eq(buf_tailroom(&b), 0);
	cr_assert_arr_eq(mem, src, sizeof(mem));
	cr_assert_eq(buf_head_pos(&b), 4);
	cr_assert_eq(buf_tail_pos(&b), 12);
}

/* ---- slices and equality --------------------------------------------------------------------- */

Test(buf, slices)
{
	static const struct {
		size_t from, to;
		int ret;
	} rows[] = {
		/* tail at 10 */
		/* 1 */ {0, 10, 0}, /* the whole written range, before the head too */
		/* 2 */ {3, 7, 0},
		/* 3 */ {5, 5, 0},	  /* empty */
		/* 4 */ {10, 10, 0},	  /* empty at the tail */
		/* 5 */ {0, 11, -ERANGE}, /* one past the tail */
		/* 6 */ {7, 3, -ERANGE},  /* backwards */
		/* 7 */ {11, 11, -ERANGE},
		/* 8 */ {0, SIZE_MAX, -ERANGE},
		/* 9 */ {SIZE_MAX, 2, -ERANGE},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		uint8_t mem[16];
		struct buf b, v = {.cap = 77};
		int r;

		memcpy(mem, src, sizeof(mem));
		cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), 4, 6), 0);
		r = buf_slice(&b, rows[i].from, rows[i].to, &v);
		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		if (r) {
			cr_assert_eq(v.cap, 77, "row %zu: view written on failure", i + 1);
			continue;
		}
		cr_assert(v.readonly, "row %zu", i + 1);
		cr_assert_eq(buf_left(&v), rows[i].to - rows[i].from, "row %zu", i + 1);
		cr_assert(buf_equal_mem(&v, src + rows[i].from, rows[i].to - rows[i].from),
			  "row %zu", i + 1);
		cr_assert_eq(buf_head_pos(&b), 4, "row %zu: parent moved", i + 1);
	}
}

Test(buf, equality)
{
	static const struct {
		size_t a_off, a_len, b_off, b_len;
		bool eq;
	} rows[] = {
		/* 1 */ {0, 4, 0, 4, true},
		/* 2 */ {0, 0, 5, 0, true},  /* two empties */
		/* 3 */ {0, 4, 0, 3, false}, /* lengths differ */
		/* 4 */ {0, 3, 0, 4, false},
		/* 5 */ {0, 4, 1, 4, false}, /* same length, other bytes */
		/* 6 */ {0, 0, 0, 1, false},
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		struct buf a, b;

		buf_init_read(&a, src + rows[i].a_off, rows[i].a_len);
		buf_init_read(&b, src + rows[i].b_off, rows[i].b_len);
		cr_assert_eq(buf_equal(&a, &b), rows[i].eq, "row %zu", i + 1);
		cr_assert_eq(buf_equal(&b, &a), rows[i].eq, "row %zu", i + 1);
		cr_assert_eq(buf_equal_mem(&a, src + rows[i].b_off, rows[i].b_len), rows[i].eq,
			     "row %zu", i + 1);
	}
	/* Only the unread part counts. */
	{
		struct buf a, b;

		buf_init_read(&a, src, 4);
		buf_init_read(&b, src + 1, 3);
		cr_assert_not(buf_equal(&a, &b));
		cr_assert_eq(buf_skip(&a, 1), 0);
		cr_assert(buf_equal(&a, &b));
		cr_assert(buf_equal_mem(&a, "\x02\x03\x04", 3));
		cr_assert_not(buf_equal_mem(&a, "\x02\x03\x05", 3));
	}
}

/* A NULL view or writer of no bytes is usable and every pointer it yields is defined. */
Test(buf, null_memory_is_an_empty_buf)
{
	struct buf r, w, sub;
	uint8_t byte = 0, mem[4];

	buf_init_read(&r, NULL, 0);
	cr_assert_eq(buf_left(&r), 0);
	cr_assert_not_null(buf_data(&r));
	cr_assert_not_null(buf_peek(&r, 0));
	cr_assert_eq(buf_get_u8(&r, &byte), -EBADMSG);
	cr_assert_eq(buf_get_sub(&r, 0, &sub), 0);
	buf_init_read(&r, NULL, 7);
	cr_assert_eq(buf_left(&r), 0, "a NULL view never claims bytes");

	buf_init_write(&w, NULL, 16);
	cr_assert_eq(buf_tailroom(&w), 0);
	cr_assert_eq(buf_put_u8(&w, 1), -ENOSPC);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(buf_put_buf(&w, &r), 0);
	cr_assert_eq(buf_left(&w), 0);
	cr_assert_eq(buf_init_room(&w, NULL, 0, 0, 0), -EINVAL);
}
