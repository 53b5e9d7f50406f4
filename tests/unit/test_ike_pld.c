/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/ike/pld: each payload body parsed from bytes written by hand from the
 * RFC 7296 section 3 diagrams (so encoder and decoder cannot share a mistake), built and parsed
 * back, and refused in numbered rows of malformed variants: every length and count field too
 * short and too long, bad markers and numbering, and every truncation.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/pld.h"
#include "support/hex.h"

/* A parser over the bytes of hex; the decoded bytes are returned for the caller to free. */
typedef int (*parse_fn)(struct buf *b, void *out);

static uint8_t *view_hex(const char *hex, struct buf *b, size_t *len)
{
	uint8_t *p = hex_decode(hex, len);

	buf_init_read(b, p, *len);
	return p;
}

/* An exact-size heap copy so ASan catches any read past the end. */
static int parse_copy(parse_fn fn, const uint8_t *p, size_t len, void *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct buf b;
	int r;

	memcpy(copy, p, len);
	buf_init_read(&b, copy, len);
	r = fn(&b, out);
	free(copy);
	return r;
}

/* Wrappers with one signature, so the table calls no function through a cast pointer. */
#define WRAP(name, type)                                                                           \
	static int w_##name(struct buf *b, void *out)                                              \
	{                                                                                          \
		return ike_pld_parse_##name(b, (type *)out);                                       \
	}
WRAP(sa, struct ike_pld_sa)
WRAP(ke, struct ike_pld_ke)
WRAP(nonce, struct ike_pld_nonce)
WRAP(id, struct ike_pld_id)
WRAP(auth, struct ike_pld_auth)
WRAP(ts, struct ike_pld_ts)
WRAP(notify, struct ike_pld_notify)
WRAP(delete, struct ike_pld_delete)
WRAP(opaque, struct ike_pld_opaque)
#define P(fn) w_##fn

/* ---- SA ------------------------------------------------------------------------------------- */

/*
 * One IKE proposal: AES-CBC-256, PRF-HMAC-SHA2-384, HMAC-SHA2-384-192, ECP384 (the Azure
 * default). Offsets: proposal header 0-7, transforms at 8 (12 bytes, with the Key Length
 * attribute), 20, 28, 36 (8 bytes each).
 */
static const char sa_one[] = "0000002c 01010004"
			     "0300000c 0100000c 800e0100"
			     "03000008 02000006"
			     "03000008 0300000d"
			     "00000008 04000014";

Test(ike_pld, sa_parses_hand_encoded_proposal)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct buf b;
	size_t len;
	uint8_t *p = view_hex(sa_one, &b, &len);

	cr_assert_eq(ike_pld_parse_sa(&b, sa), 0);
	cr_assert_eq(buf_left(&b), 0);
	cr_assert_eq(sa->n_props, 1);
	cr_assert_eq(sa->props[0].num, 1);
	cr_assert_eq(sa->props[0].proto, IKE_PROTO_IKE);
	cr_assert_eq(sa->props[0].spi_len, 0);
	cr_assert_eq(sa->props[0].n_xforms, 4);
	cr_assert_eq(sa->props[0].xforms[0].type, IKE_XFORM_ENCR);
	cr_assert_eq(sa->props[0].xforms[0].id, IKE_ENCR_AES_CBC);
	cr_assert_eq(sa->props[0].xforms[0].keylen, 256);
	cr_assert_eq(sa->props[0].xforms[0].flags, 0);
	cr_assert_eq(sa->props[0].xforms[1].type, IKE_XFORM_PRF);
	cr_assert_eq(sa->props[0].xforms[1].id, IKE_PRF_HMAC_SHA2_384);
	cr_assert_eq(sa->props[0].xforms[1].keylen, 0);
	cr_assert_eq(sa->props[0].xforms[2].type, IKE_XFORM_INTEG);
	cr_assert_eq(sa->props[0].xforms[2].id, IKE_INTEG_HMAC_SHA2_384_192);
	cr_assert_eq(sa->props[0].xforms[3].type, IKE_XFORM_DH);
	cr_assert_eq(sa->props[0].xforms[3].id, 20);

	/* Built from the parsed struct, the bytes are the hand-encoded ones. */
	uint8_t out[256];
	struct buf w;

	buf_init_write(&w, out, sizeof(out));
	cr_assert_eq(ike_pld_build_sa(&w, sa), 0);
	cr_assert_eq(buf_left(&w), len);
	cr_assert_arr_eq(out, p, len);
	free(p);
	free(sa);
}

/* Single-byte patches of sa_one, each of which must be refused. */
struct patch_row {
	int row;
	size_t off;
	uint8_t val;
	const char *what;
};

static const struct patch_row sa_patches[] = {
	{1, 3, 0x07, "proposal length below its header"},
	{2, 3, 0x2b, "proposal length one short (last transform cut)"},
	{3, 3, 0x2d, "proposal length one past the payload"},
	{4, 2, 0x01, "proposal length far past the payload"},
	{5, 0, 0x02, "proposal says more follow, none do"},
	{6, 0, 0x01, "proposal last-substructure value undefined"},
	{7, 4, 0x00, "proposal number zero"},
	{8, 5, 0x00, "protocol ID zero"},
	{9, 5, 0x09, "protocol ID unknown"},
	{10, 6, 0x04, "SPI size 4 for IKE"},
	{11, 6, 0x08, "SPI size 8 without the bytes"},
	{12, 7, 0x05, "transform count one too many"},
	{13, 7, 0x03, "transform count one too few"},
	{14, 7, 0x00, "transform count zero"},
	{15, 7, 0xff, "transform count past what is left"},
	{16, 11, 0x07, "transform length below its header"},
	{17, 11, 0x0e, "transform length past the next one"},
	{18, 10, 0x01, "transform length past the proposal"},
	{19, 11, 0x0a, "transform length cuts an attribute"},
	{20, 8, 0x00, "first transform says it is the last"},
	{21, 36, 0x03, "last transform says more follow"},
	{22, 8, 0x02, "transform last-substructure value undefined"},
	{23, 39, 0x09, "last transform length past the proposal"},
	{24, 16, 0x00, "attribute TLV whose length runs past the transform"},
};

Test(ike_pld, sa_refuses_every_patched_field)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	size_t len;
	struct buf b;
	uint8_t *p = view_hex(sa_one, &b, &len);

	cr_assert_eq(parse_copy(w_sa, p, len, sa), 0);
	for (size_t i = 0; i < sizeof(sa_patches) / sizeof(sa_patches[0]); i++) {
		const struct patch_row *row = &sa_patches[i];
		uint8_t saved = p[row->off];

		cr_assert_neq(saved, row->val, "row %d patches nothing", row->row);
		p[row->off] = row->val;
		cr_expect_eq(parse_copy(w_sa, p, len, sa), -EBADMSG, "row %d (%s) accepted",
			     row->row, row->what);
		p[row->off] = saved;
	}
	free(p);
	free(sa);
}

Test(ike_pld, sa_refuses_every_truncation)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	size_t len;
	struct buf b;
	uint8_t *p = view_hex(sa_one, &b, &len);

	for (size_t n = 0; n < len; n++)
		cr_expect_eq(parse_copy(w_sa, p, n, sa), -EBADMSG, "accepted %zu of %zu bytes", n,
			     len);
	free(p);
	free(sa);
}

Test(ike_pld, sa_unknown_attribute_flags_transform)
{
	/* An ENCR transform with Key Length and an unknown TV attribute (type 15). */
	static const char hex[] = "00000018 01010001"
				  "00000010 0100000c 800e0080 800f0001";
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	size_t len;
	struct buf b;
	uint8_t *p = view_hex(hex, &b, &len);

	cr_assert_eq(ike_pld_parse_sa(&b, sa), 0);
	cr_assert_eq(sa->props[0].xforms[0].keylen, 128);
	cr_assert_eq(sa->props[0].xforms[0].flags, IKE_XFORM_F_BAD_ATTR);
	/* The same with a duplicate Key Length. */
	p[21] = 0x0e;
	cr_assert_eq(parse_copy(w_sa, p, len, sa), 0);
	cr_assert_eq(sa->props[0].xforms[0].flags, IKE_XFORM_F_BAD_ATTR);
	free(p);
	free(sa);
}

static void fill_proposal(struct ike_proposal *p, uint8_t num, uint8_t proto, uint8_t spi_len,
			  uint8_t n_xforms)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = proto;
	p->spi_len = spi_len;
	for (uint8_t i = 0; i < spi_len; i++)
		p->spi[i] = (uint8_t)(0xa0 + i);
	p->n_xforms = n_xforms;
	for (uint8_t i = 0; i < n_xforms; i++) {
		p->xforms[i].type = (uint8_t)(1 + i % 5);
		p->xforms[i].id = (uint16_t)(1000 + i);
		p->xforms[i].keylen = i % 3 == 0 ? (uint16_t)(128 + i) : 0;
	}
}

Test(ike_pld, sa_round_trip_many_proposals)
{
	struct ike_pld_sa *in = calloc(1, sizeof(*in)), *back = calloc(1, sizeof(*back));
	uint8_t out[16384];
	struct buf w, r;

	in->n_props = IKE_PROP_MAX;
	for (uint8_t i = 0; i < in->n_props; i++) {
		static const uint8_t protos[] = {IKE_PROTO_IKE, IKE_PROTO_IKE, IKE_PROTO_ESP,
						 IKE_PROTO_AH};
		static const uint8_t spis[] = {0, 8, 4, 4};

		fill_proposal(&in->props[i], (uint8_t)(i + 1), protos[i % 4], spis[i % 4],
			      (uint8_t)(i == 3 ? IKE_PROP_MAX_XFORMS : 1 + i));
	}
	buf_init_write(&w, out, sizeof(out));
	cr_assert_eq(ike_pld_build_sa(&w, in), 0);
	buf_init_read(&r, out, buf_left(&w));
	cr_assert_eq(ike_pld_parse_sa(&r, back), 0);
	cr_assert_eq(back->n_props, in->n_props);
	for (int i = 0; i < in->n_props; i++) {
		const struct ike_proposal *a = &in->props[i], *b = &back->props[i];

		cr_assert_eq(a->num, b->num);
		cr_assert_eq(a->proto, b->proto);
		cr_assert_eq(a->spi_len, b->spi_len);
		cr_assert_arr_eq(a->spi, b->spi, a->spi_len);
		cr_assert_eq(a->n_xforms, b->n_xforms);
		for (int j = 0; j < a->n_xforms; j++) {
			cr_assert_eq(a->xforms[j].type, b->xforms[j].type);
			cr_assert_eq(a->xforms[j].id, b->xforms[j].id);
			cr_assert_eq(a->xforms[j].keylen, b->xforms[j].keylen, "prop %d xf %d", i,
				     j);
			cr_assert_eq(b->xforms[j].flags, 0);
		}
	}
	free(in);
	free(back);
}

Test(ike_pld, sa_numbering_rules)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa)), *back = calloc(1, sizeof(*back));
	uint8_t out[1024];
	struct buf w, r;

	/* A reply carries the chosen proposal with its number. */
	sa->n_props = 1;
	fill_proposal(&sa->props[0], 3, IKE_PROTO_ESP, 4, 3);
	buf_init_write(&w, out, sizeof(out));
	cr_assert_eq(ike_pld_build_sa(&w, sa), 0);
	buf_init_read(&r, out, buf_left(&w));
	cr_assert_eq(ike_pld_parse_sa(&r, back), 0);
	cr_assert_eq(back->props[0].num, 3);

	/* Several proposals are numbered 1, 2, ...: the builder refuses 1, 3. */
	sa->n_props = 2;
	fill_proposal(&sa->props[0], 1, IKE_PROTO_ESP, 4, 3);
	fill_proposal(&sa->props[1], 3, IKE_PROTO_ESP, 4, 3);
	buf_init_write(&w, out, sizeof(out));
	cr_assert_eq(ike_pld_build_sa(&w, sa), -EINVAL);
	/* ... and so does the parser (the wire bytes of 1, 2 with the second renumbered). */
	sa->props[1].num = 2;
	buf_init_write(&w, out, sizeof(out));
	cr_assert_eq(ike_pld_build_sa(&w, sa), 0);
	size_t second = buf_left(&w) / 2;
	cr_assert_eq(out[second + 4], 2);
	out[second + 4] = 3;
	buf_init_read(&r, out, buf_left(&w));
	cr_assert_eq(ike_pld_parse_sa(&r, back), -EBADMSG);

	/* Too many proposals or transforms for the local bounds. */
	sa->n_props = IKE_PROP_MAX + 1;
	cr_assert_eq(ike_pld_build_sa(&w, sa), -EINVAL);
	sa->n_props = 0;
	cr_assert_eq(ike_pld_build_sa(&w, sa), -EINVAL);
	free(sa);
	free(back);
}

Test(ike_pld, sa_refuses_proposals_past_the_bound)
{
	/* IKE_PROP_MAX + 1 minimal proposals, numbered 1..17, written by hand. */
	uint8_t raw[(IKE_PROP_MAX + 1) * 16];
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	size_t n = 0;

	for (int i = 0; i < IKE_PROP_MAX + 1; i++) {
		const uint8_t prop[16] = {i == IKE_PROP_MAX ? 0 : 2,
					  0,
					  0,
					  16,
					  (uint8_t)(i + 1),
					  1,
					  0,
					  1,
					  0,
					  0,
					  0,
					  8,
					  4,
					  0,
					  0,
					  19};
		memcpy(raw + n, prop, sizeof(prop));
		n += sizeof(prop);
	}
	cr_assert_eq(parse_copy(w_sa, raw, n, sa), -EBADMSG);
	/* One fewer, with the last marker moved, is fine. */
	raw[n - 32] = 0;
	cr_assert_eq(parse_copy(w_sa, raw, n - 16, sa), 0);
	cr_assert_eq(sa->n_props, IKE_PROP_MAX);
	free(sa);
}

/* ---- the simple payloads -------------------------------------------------------------------- */

struct body_row {
	int row;
	int (*parse)(struct buf *, void *);
	const char *hex;
	int expect;
	const char *what;
};

/* Everything here is a body as it follows the generic header. */
static const struct body_row body_rows[] = {
	/* KE: group, reserved, data */
	{1, P(ke), "0013 0000 01020304", 0, "KE ECP256 with data"},
	{2, P(ke), "0013 0000", -EBADMSG, "KE without data"},
	{3, P(ke), "0013 00", -EBADMSG, "KE cut in the reserved field"},
	{4, P(ke), "", -EBADMSG, "KE empty"},
	/* Nonce: 16..256 bytes */
	{5, P(nonce), "000102030405060708090a0b0c0d0e0f", 0, "nonce of 16"},
	{6, P(nonce), "000102030405060708090a0b0c0d0e", -EBADMSG, "nonce of 15"},
	{7, P(nonce), "", -EBADMSG, "nonce empty"},
	/* ID: type, 3 reserved, data */
	{8, P(id), "01000000 c0000201", 0, "ID_IPV4_ADDR"},
	{9, P(id), "01000000 c00002", -EBADMSG, "ID_IPV4_ADDR of 3"},
	{10, P(id), "01000000 c0000201 00", -EBADMSG, "ID_IPV4_ADDR of 5"},
	{11, P(id), "05000000 20010db8000000000000000000000001", 0, "ID_IPV6_ADDR"},
	{12, P(id), "05000000 20010db8", -EBADMSG, "ID_IPV6_ADDR of 4"},
	{13, P(id), "02000000 766e6574677721", 0, "ID_FQDN"},
	{14, P(id), "02000000", -EBADMSG, "ID_FQDN empty"},
	{15, P(id), "03000000 6140622e63", 0, "ID_RFC822_ADDR"},
	{16, P(id), "0b000000 00ff", 0, "ID_KEY_ID"},
	{17, P(id), "010000", -EBADMSG, "ID cut in the reserved field"},
	/* AUTH: method, 3 reserved, data */
	{18, P(auth), "02000000 0102", 0, "AUTH PSK"},
	{19, P(auth), "02000000", -EBADMSG, "AUTH without data"},
	/* Notify: protocol, SPI size, type, SPI, data */
	{20, P(notify), "0000 4004 0102030405060708", 0, "N(NAT_D) no SPI"},
	{21, P(notify), "0304 4009 aabbccdd", 0, "N(REKEY_SA) ESP SPI"},
	{22, P(notify), "0304 4009 aabbcc", -EBADMSG, "N SPI size 4, 3 bytes"},
	{23, P(notify), "0303 4009 aabbcc", -EBADMSG, "N SPI size 3"},
	{24, P(notify), "0000 40", -EBADMSG, "N cut in its type"},
	{25, P(notify), "0000 0001 ff", 0, "N(UNSUPPORTED_CRITICAL_PAYLOAD)"},
	/* Delete: protocol, SPI size, count, SPIs */
	{26, P(delete), "01 00 0000", 0, "D(IKE)"},
	{27, P(delete), "01 08 0000", -EBADMSG, "D(IKE) SPI size 8"},
	{28, P(delete), "01 00 0001", -EBADMSG, "D(IKE) count 1"},
	{29, P(delete), "03 04 0002 11111111 22222222", 0, "D(ESP) two SPIs"},
	{30, P(delete), "03 04 0003 11111111 22222222", -EBADMSG, "count too big"},
	{31, P(delete), "03 04 0001 11111111 22222222", -EBADMSG, "count too small"},
	{32, P(delete), "03 04 ffff 11111111", -EBADMSG, "count overflow"},
	{33, P(delete), "03 08 0001 1111111122222222", -EBADMSG, "ESP SPI size 8"},
	{34, P(delete), "07 04 0001 11111111", -EBADMSG, "unknown protocol"},
	{35, P(delete), "03 04 00", -EBADMSG, "D cut in its count"},
	/* TS: count, 3 reserved, selectors (type, proto, length, ports, addresses) */
	{36, P(ts), "01000000 07000010 0000ffff 00000000 ffffffff", 0,
	 "TS 0.0.0.0-255.255.255.255"},
	{37, P(ts), "00000000", -EBADMSG, "TS count zero"},
	{38, P(ts), "02000000 07000010 0000ffff 00000000 ffffffff", -EBADMSG,
	 "TS count 2, one selector"},
	{39, P(ts), "ff000000 07000010 0000ffff 00000000 ffffffff", -EBADMSG, "TS count overflow"},
	{40, P(ts), "01000000 0700000f 0000ffff 00000000 ffffff", -EBADMSG,
	 "TS IPv4 selector length 15"},
	{41, P(ts), "01000000 07000011 0000ffff 00000000 ffffffff 00", -EBADMSG,
	 "TS IPv4 selector length 17"},
	{42, P(ts), "01000000 07000014 0000ffff 00000000 ffffffff", -EBADMSG,
	 "TS selector length past the payload"},
	{43, P(ts), "01000000 07000003 0000ffff 00000000 ffffffff", -EBADMSG,
	 "TS selector length below its header"},
	{44, P(ts), "01000000 07000010 0000ffff 00000000 ffffffff 00", -EBADMSG,
	 "TS trailing byte"},
	{45, P(ts),
	 "01000000 08110028 01f401f4 00000000000000000000000000000000"
	 " ffffffffffffffffffffffffffffffff",
	 0, "TS IPv6 UDP 500"},
	{46, P(ts), "01000000 08000010 0000ffff 00000000 ffffffff", -EBADMSG,
	 "TS IPv6 with IPv4 length"},
	{47, P(ts), "01000000 0a00000c 0000ffff 01020304", 0,
	 "TS of an unknown type, skipped by its length"},
	/* Vendor ID and other opaque payloads take anything. */
	{48, P(opaque), "", 0, "opaque empty"},
	{49, P(opaque), "882fe56d6fd20dbc2251613b2ebe5beb", 0, "strongSwan VID"},
};

Test(ike_pld, body_table)
{
	for (size_t i = 0; i < sizeof(body_rows) / sizeof(body_rows[0]); i++) {
		const struct body_row *row = &body_rows[i];
		union {
			struct ike_pld_ke ke;
			struct ike_pld_nonce nonce;
			struct ike_pld_id id;
			struct ike_pld_auth auth;
			struct ike_pld_ts ts;
			struct ike_pld_notify n;
			struct ike_pld_delete d;
			struct ike_pld_opaque o;
		} out;
		size_t len;
		uint8_t *p = hex_decode(row->hex, &len);

		cr_expect_eq(parse_copy(row->parse, p, len, &out), row->expect, "row %d (%s)",
			     row->row, row->what);
		/* Valid rows are refused once truncated, unless a prefix is itself valid. */
		if (row->expect == 0 && row->parse != P(opaque) && row->parse != P(notify) &&
		    row->parse != P(nonce) && row->parse != P(ke) && row->parse != P(auth) &&
		    !(row->parse == P(id) && p[0] != IKE_ID_IPV4_ADDR && p[0] != IKE_ID_IPV6_ADDR))
			for (size_t n = 0; n < len; n++)
				cr_expect_eq(parse_copy(row->parse, p, n, &out), -EBADMSG,
					     "row %d truncated to %zu accepted", row->row, n);
		free(p);
	}
}

Test(ike_pld, fields_of_hand_encoded_bodies)
{
	struct ike_pld_notify n;
	struct ike_pld_delete d;
	struct ike_pld_ts ts;
	struct ike_pld_id id;
	struct buf b;
	size_t len;
	uint8_t *p;

	p = view_hex("0304 4009 aabbccdd 0102", &b, &len);
	cr_assert_eq(ike_pld_parse_notify(&b, &n), 0);
	cr_assert_eq(n.proto, IKE_PROTO_ESP);
	cr_assert_eq(n.type, IKE_N_REKEY_SA);
	cr_assert_eq(n.spi_len, 4);
	cr_assert_arr_eq(n.spi, ((uint8_t[]){0xaa, 0xbb, 0xcc, 0xdd}), 4);
	cr_assert(buf_equal_mem(&n.data, "\x01\x02", 2));
	free(p);

	p = view_hex("03 04 0002 11111111 22222222", &b, &len);
	cr_assert_eq(ike_pld_parse_delete(&b, &d), 0);
	cr_assert_eq(d.n_spi, 2);
	cr_assert_eq(ike_pld_delete_spi(&d, 0), 0x11111111);
	cr_assert_eq(ike_pld_delete_spi(&d, 1), 0x22222222);
	free(p);

	p = view_hex("02000000 07060010 00501f90 0a000001 0a0000ff"
		     "         08110028 01f401f4 20010db8000000000000000000000000"
		     "                           20010db8ffffffffffffffffffffffff",
		     &b, &len);
	p[0] = 2;
	cr_assert_eq(ike_pld_parse_ts(&b, &ts), 0);
	cr_assert_eq(ts.n_ts, 2);
	cr_assert_eq(ts.ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	cr_assert_eq(ts.ts[0].ip_proto, 6);
	cr_assert_eq(ts.ts[0].start_port, 80);
	cr_assert_eq(ts.ts[0].end_port, 8080);
	cr_assert_arr_eq(ts.ts[0].start, ((uint8_t[]){10, 0, 0, 1}), 4);
	cr_assert_arr_eq(ts.ts[0].end, ((uint8_t[]){10, 0, 0, 255}), 4);
	cr_assert_eq(ts.ts[1].type, IKE_TS_IPV6_ADDR_RANGE);
	cr_assert_eq(ts.ts[1].ip_proto, 17);
	cr_assert_eq(ts.ts[1].start_port, 500);
	cr_assert_eq(ts.ts[1].start[0], 0x20);
	cr_assert_eq(ts.ts[1].end[15], 0xff);
	free(p);

	p = view_hex("01000000 c0000201", &b, &len);
	cr_assert_eq(ike_pld_parse_id(&b, &id), 0);
	cr_assert_eq(id.type, IKE_ID_IPV4_ADDR);
	cr_assert(buf_equal_mem(&id.data, "\xc0\x00\x02\x01", 4));
	free(p);
}

/* Build, compare with the hand-encoded bytes, parse back. */
static void expect_bytes(struct buf *w, const char *hex)
{
	size_t len;
	uint8_t *p = hex_decode(hex, &len);
	char *got = hex_encode(buf_data(w), buf_left(w));

	cr_assert(buf_equal_mem(w, p, len), "built %s, expected %s", got, hex);
	free(got);
	free(p);
}

Test(ike_pld, builders_write_rfc_layout)
{
	uint8_t mem[512], data[32];
	struct buf w;

	memset(data, 0x5a, sizeof(data));

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_ke ke = {.group = 31};
	buf_init_read(&ke.data, data, 4);
	cr_assert_eq(ike_pld_build_ke(&w, &ke), 0);
	expect_bytes(&w, "001f0000 5a5a5a5a");

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_id id = {.type = IKE_ID_IPV4_ADDR};
	buf_init_read(&id.data, "\xc6\x33\x64\x07", 4);
	cr_assert_eq(ike_pld_build_id(&w, &id), 0);
	expect_bytes(&w, "01000000 c6336407");
	buf_init_read(&id.data, data, 5);
	cr_assert_eq(ike_pld_build_id(&w, &id), -EINVAL);

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_auth auth = {.method = IKE_AUTH_SHARED_KEY_MIC};
	buf_init_read(&auth.data, data, 3);
	cr_assert_eq(ike_pld_build_auth(&w, &auth), 0);
	expect_bytes(&w, "02000000 5a5a5a");

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_notify n = {
		.proto = IKE_PROTO_ESP, .spi_len = 4, .type = IKE_N_REKEY_SA, .spi = {1, 2, 3, 4}};
	buf_init_read(&n.data, data, 0);
	cr_assert_eq(ike_pld_build_notify(&w, &n), 0);
	expect_bytes(&w, "0304 4009 01020304");

	buf_init_write(&w, mem, sizeof(mem));
	static const uint32_t spis[] = {0xc1c2c3c4, 0x01020304};
	cr_assert_eq(ike_pld_build_delete(&w, IKE_PROTO_ESP, spis, 2), 0);
	expect_bytes(&w, "03 04 0002 c1c2c3c4 01020304");
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_delete(&w, IKE_PROTO_IKE, NULL, 0), 0);
	expect_bytes(&w, "01 00 0000");
	cr_assert_eq(ike_pld_build_delete(&w, IKE_PROTO_IKE, spis, 1), -EINVAL);

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_ts ts = {.n_ts = 1};
	ts.ts[0] = (struct ike_ts){
		.type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end = {255, 255, 255, 255}};
	cr_assert_eq(ike_pld_build_ts(&w, &ts), 0);
	expect_bytes(&w, "01000000 07000010 0000ffff 00000000 ffffffff");

	buf_init_write(&w, mem, sizeof(mem));
	struct ike_pld_nonce nonce;
	buf_init_read(&nonce.data, data, 15);
	cr_assert_eq(ike_pld_build_nonce(&w, &nonce), -EINVAL);
	buf_init_read(&nonce.data, data, 16);
	cr_assert_eq(ike_pld_build_nonce(&w, &nonce), 0);
	cr_assert_eq(buf_left(&w), 16);

	/* A full writer: -ENOSPC, never a partial overrun. */
	buf_init_write(&w, mem, 3);
	cr_assert_eq(ike_pld_build_ts(&w, &ts), -ENOSPC);
}

Test(ike_pld, round_trip_each_simple_payload)
{
	uint8_t mem[2048], data[256];
	struct buf w, r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);

	struct ike_pld_ke ke = {.group = 20}, ke2;
	buf_init_read(&ke.data, data, 96);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_ke(&w, &ke), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_ke(&r, &ke2), 0);
	cr_assert_eq(ke2.group, 20);
	cr_assert(buf_equal(&ke2.data, &ke.data));

	for (size_t len = IKE_NONCE_MIN; len <= IKE_NONCE_MAX; len += 40) {
		struct ike_pld_nonce a, b;

		buf_init_read(&a.data, data, len);
		buf_init_write(&w, mem, sizeof(mem));
		cr_assert_eq(ike_pld_build_nonce(&w, &a), 0);
		r = w;
		cr_assert_eq(ike_pld_parse_nonce(&r, &b), 0);
		cr_assert(buf_equal(&a.data, &b.data));
	}

	static const uint8_t id_types[] = {IKE_ID_IPV4_ADDR, IKE_ID_IPV6_ADDR, IKE_ID_FQDN,
					   IKE_ID_RFC822_ADDR, IKE_ID_KEY_ID};
	static const size_t id_lens[] = {4, 16, 20, 11, 32};
	for (size_t i = 0; i < 5; i++) {
		struct ike_pld_id a = {.type = id_types[i]}, b;

		buf_init_read(&a.data, data, id_lens[i]);
		buf_init_write(&w, mem, sizeof(mem));
		cr_assert_eq(ike_pld_build_id(&w, &a), 0);
		r = w;
		cr_assert_eq(ike_pld_parse_id(&r, &b), 0);
		cr_assert_eq(b.type, a.type);
		cr_assert(buf_equal(&a.data, &b.data));
	}

	struct ike_pld_auth auth = {.method = IKE_AUTH_SHARED_KEY_MIC}, auth2;
	buf_init_read(&auth.data, data, 48);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_auth(&w, &auth), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_auth(&r, &auth2), 0);
	cr_assert_eq(auth2.method, IKE_AUTH_SHARED_KEY_MIC);
	cr_assert(buf_equal(&auth.data, &auth2.data));

	struct ike_pld_ts ts = {.n_ts = IKE_TS_MAX}, ts2;
	for (int i = 0; i < IKE_TS_MAX; i++) {
		struct ike_ts *t = &ts.ts[i];
		size_t alen = i % 2 ? 16 : 4;

		memset(t, 0, sizeof(*t));
		t->type = i % 2 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
		t->ip_proto = (uint8_t)i;
		t->start_port = (uint16_t)(i * 100);
		t->end_port = (uint16_t)(i * 100 + 99);
		memcpy(t->start, data + i, alen);
		memcpy(t->end, data + 100 + i, alen);
	}
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_ts(&w, &ts), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_ts(&r, &ts2), 0);
	cr_assert_eq(ts2.n_ts, IKE_TS_MAX);
	cr_assert_eq(memcmp(ts.ts, ts2.ts, sizeof(ts.ts)), 0);
	ts.n_ts = IKE_TS_MAX + 1;
	cr_assert_eq(ike_pld_build_ts(&w, &ts), -EINVAL);

	struct ike_pld_notify n = {.proto = IKE_PROTO_IKE,
				   .spi_len = 8,
				   .type = IKE_N_NAT_DETECTION_SOURCE_IP},
			      n2;
	memcpy(n.spi, data, 8);
	buf_init_read(&n.data, data + 8, 20);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_notify(&w, &n), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_notify(&r, &n2), 0);
	cr_assert_eq(n2.proto, n.proto);
	cr_assert_eq(n2.type, n.type);
	cr_assert_eq(n2.spi_len, 8);
	cr_assert_arr_eq(n2.spi, n.spi, 8);
	cr_assert(buf_equal(&n.data, &n2.data));

	uint32_t spis[100];
	struct ike_pld_delete d;
	for (int i = 0; i < 100; i++)
		spis[i] = 0x10000000u + (uint32_t)i;
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_delete(&w, IKE_PROTO_ESP, spis, 100), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_delete(&r, &d), 0);
	cr_assert_eq(d.n_spi, 100);
	for (uint16_t i = 0; i < 100; i++)
		cr_assert_eq(ike_pld_delete_spi(&d, i), spis[i]);

	struct ike_pld_opaque o, o2;
	buf_init_read(&o.data, data, 77);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(ike_pld_build_opaque(&w, &o), 0);
	r = w;
	cr_assert_eq(ike_pld_parse_opaque(&r, &o2), 0);
	cr_assert(buf_equal(&o.data, &o2.data));
}

Test(ike_pld, check_dispatches_by_type)
{
	struct buf b;
	size_t len;
	uint8_t *p = view_hex("01000000 c0000201", &b, &len);

	cr_assert_eq(ike_pld_check(IKE_PLD_IDI, &b), 0);
	cr_assert_eq(buf_left(&b), len, "check must not consume its argument");
	cr_assert_eq(ike_pld_check(IKE_PLD_IDR, &b), 0);
	cr_assert_eq(ike_pld_check(IKE_PLD_SA, &b), -EBADMSG);
	cr_assert_eq(ike_pld_check(IKE_PLD_TSI, &b), -EBADMSG);
	cr_assert_eq(ike_pld_check(IKE_PLD_VENDOR, &b), 0);
	cr_assert_eq(ike_pld_check(IKE_PLD_CERTREQ, &b), 0);
	cr_assert_eq(ike_pld_check(IKE_PLD_CP, &b), 0);
	cr_assert_eq(ike_pld_check(99, &b), -EBADMSG);
	cr_assert(ike_pld_type_known(IKE_PLD_SK));
	cr_assert_not(ike_pld_type_known(49));
	cr_assert_not(ike_pld_type_known(0));
	free(p);
}

Test(ike_pld, names)
{
	cr_assert_str_eq(ike_pld_type_name(IKE_PLD_SA), "SA");
	cr_assert_str_eq(ike_pld_type_name(200), "?");
	cr_assert_str_eq(ike_notify_name(IKE_N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	cr_assert_str_eq(ike_notify_name(16388), "NAT_DETECTION_SOURCE_IP");
	cr_assert_str_eq(ike_notify_name(16430), "IKEV2_FRAGMENTATION_SUPPORTED");
	cr_assert_str_eq(ike_notify_name(9999), "?");
	cr_assert(ike_notify_is_error(IKE_N_INVALID_KE_PAYLOAD));
	cr_assert(ike_notify_is_error(16383));
	cr_assert_not(ike_notify_is_error(IKE_N_INITIAL_CONTACT));
	cr_assert_not(ike_notify_is_error(0));
	cr_assert_str_eq(ike_xform_type_name(IKE_XFORM_DH), "DH");
	cr_assert_str_eq(ike_xform_id_name(IKE_XFORM_ENCR, 20), "AES_GCM_16");
	cr_assert_str_eq(ike_xform_id_name(IKE_XFORM_DH, 31), "CURVE25519");
	cr_assert_str_eq(ike_xform_id_name(IKE_XFORM_INTEG, 12), "HMAC_SHA2_256_128");
	cr_assert_str_eq(ike_xform_id_name(IKE_XFORM_PRF, 6), "HMAC_SHA2_384");
	cr_assert_str_eq(ike_xform_id_name(9, 1), "?");
	cr_assert_str_eq(ike_proto_name(IKE_PROTO_ESP), "ESP");
}
