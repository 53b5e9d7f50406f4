/*
 * Unit tests for the impairment tool's ESP accounting (tests/tools/impair/impair_esp): which
 * frames are ESP (raw protocol 50, or UDP port 4500 without the non-ESP marker, RFC 3948 2.2;
 * whole IPv4 packets only), repeats of an (SPI, seq) and packets that come after a higher seq of
 * their SPI. Numbered rows, each with the counters expected after it.
 */
#include <criterion/criterion.h>
#include <linux/virtio_net.h>
#include <string.h>

/* The tool is not part of libvnetgw; compiled into this suite directly. */
#include "tools/impair/impair_esp.c"

enum kind { UDP4500, UDP500, RAW50, MARKER, FRAG, IPV6, SHORT };

static const struct row {
	enum kind kind;
	uint32_t spi, seq;
	bool is_esp;
	uint64_t esp, dup, late;
} rows[] = {
	/* 0 */ {UDP4500, 0x100, 1, true, 1, 0, 0},
	/* 1 */ {UDP4500, 0x100, 1, true, 2, 1, 0}, /* the same packet again */
	/* 2 */ {UDP4500, 0x100, 3, true, 3, 1, 0},
	/* 3 */ {UDP4500, 0x100, 2, true, 4, 1, 1}, /* after 3: reordered */
	/* 4 */ {UDP4500, 0x200, 1, true, 5, 1, 1}, /* another SPI, its own sequence */
	/* 5 */ {RAW50, 0x100, 3, true, 6, 2, 1},   /* raw ESP, the same (SPI, seq) as row 2 */
	/* 6 */ {UDP4500, 0x100, 2, true, 7, 3, 1}, /* a repeat of a reordered one: a repeat */
	/* 7 */ {MARKER, 0, 0, false, 7, 3, 1},	    /* IKE on port 4500 */
	/* 8 */ {UDP500, 0x100, 9, false, 7, 3, 1}, /* not the NAT-T port */
	/* 9 */ {FRAG, 0x100, 9, false, 7, 3, 1},   /* a later fragment */
	/* 10 */ {IPV6, 0x100, 9, false, 7, 3, 1},
	/* 11 */ {SHORT, 0x100, 9, false, 7, 3, 1},
	/* 12 */ {UDP4500, 0x100, 4, true, 8, 3, 1},
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* virtio_net_hdr | Ethernet | IPv4 | (UDP) | SPI | seq | 16 bytes; returns the length. */
static size_t frame(const struct row *r, uint8_t *f)
{
	size_t off = sizeof(struct virtio_net_hdr), ip = off + 14, l4 = ip + 20, esp = l4;
	size_t len;

	memset(f, 0, 256);
	f[off + 12] = r->kind == IPV6 ? 0x86 : 0x08;
	f[off + 13] = r->kind == IPV6 ? 0xdd : 0x00;
	f[ip] = 0x45;
	f[ip + 9] = r->kind == RAW50 ? 50 : 17;
	if (r->kind == FRAG)
		f[ip + 7] = 0xb9;
	if (r->kind != RAW50) {
		uint16_t port = r->kind == UDP500 ? 500 : 4500;

		f[l4] = f[l4 + 2] = (uint8_t)(port >> 8);
		f[l4 + 1] = f[l4 + 3] = (uint8_t)port;
		esp = l4 + 8;
	}
	if (r->kind != MARKER) {
		put32(f + esp, r->spi);
		put32(f + esp + 4, r->seq);
	}
	len = esp + 8 + 16;
	return r->kind == SHORT ? ip + 10 : len;
}

Test(impair_esp, rows)
{
	struct impair_esp t;
	uint8_t f[256];

	cr_assert_eq(impair_esp_init(&t, 1024), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t len = frame(r, f);

		cr_assert_eq(impair_esp_note(&t, f, len), r->is_esp, "row %zu", i);
		cr_assert_eq(t.esp, r->esp, "row %zu: esp %lu", i, (unsigned long)t.esp);
		cr_assert_eq(t.esp_dup, r->dup, "row %zu: dup %lu", i, (unsigned long)t.esp_dup);
		cr_assert_eq(t.esp_late, r->late, "row %zu: late %lu", i,
			     (unsigned long)t.esp_late);
	}
	impair_esp_free(&t);
}

/* A full table stops tracking and says so, never loops or claims a repeat. */
Test(impair_esp, full_table_counts_untracked)
{
	struct row r = {UDP4500, 0x300, 0, true, 0, 0, 0};
	struct impair_esp t;
	uint8_t f[256];

	cr_assert_eq(impair_esp_init(&t, 16), 0);
	for (uint32_t s = 1; s <= 40; s++) {
		r.seq = s;
		cr_assert(impair_esp_note(&t, f, frame(&r, f)));
	}
	cr_assert_eq(t.esp, 40);
	cr_assert_eq(t.esp_dup, 0);
	cr_assert_eq(t.untracked, 40 - 12, "3/4 of 16 slots tracked");
	impair_esp_free(&t);
}
