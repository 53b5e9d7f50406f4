/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/ike/msg and src/ike/sk: whole messages shaped like strongSwan's, built and
 * parsed back; the header against hand-encoded bytes; every truncation and every generic length
 * field too short and too long refused as pre-authentication garbage; unknown critical and
 * non-critical payloads (RFC 7296 2.5); the SK payload with each algorithm, checked against an
 * independent decryption written here from RFC 7296 3.14 and RFC 5282, and its failure paths.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "ike/msg.h"
#include "ike/sk.h"
#include "support/hex.h"

#define SPI_I 0x0102030405060708ull
#define SPI_R 0x1112131415161718ull

static uint8_t pattern[512];

static void pattern_init(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 7);
}

static struct buf view(const void *p, size_t n)
{
	struct buf b;

	buf_init_read(&b, p, n);
	return b;
}

/* The IKE proposal strongSwan sends for "aes256-sha384-ecp384" plus an AEAD proposal. */
static void strongswan_sa(struct ike_pld_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->n_props = 2;
	sa->props[0] = (struct ike_proposal){
		.num = 1,
		.proto = IKE_PROTO_IKE,
		.n_xforms = 4,
		.xforms = {{IKE_XFORM_ENCR, 0, IKE_ENCR_AES_CBC, 256},
			   {IKE_XFORM_INTEG, 0, IKE_INTEG_HMAC_SHA2_384_192, 0},
			   {IKE_XFORM_PRF, 0, IKE_PRF_HMAC_SHA2_384, 0},
			   {IKE_XFORM_DH, 0, 20, 0}},
	};
	sa->props[1] = (struct ike_proposal){
		.num = 2,
		.proto = IKE_PROTO_IKE,
		.n_xforms = 5,
		.xforms = {{IKE_XFORM_ENCR, 0, IKE_ENCR_AES_GCM_16, 256},
			   {IKE_XFORM_ENCR, 0, IKE_ENCR_AES_GCM_16, 128},
			   {IKE_XFORM_PRF, 0, IKE_PRF_HMAC_SHA2_256, 0},
			   {IKE_XFORM_DH, 0, 19, 0},
			   {IKE_XFORM_DH, 0, 31, 0}},
	};
}

static void add_notify(struct ike_msg_writer *w, uint16_t type, const void *data, size_t len)
{
	struct ike_pld_notify n = {.type = type, .data = view(data, len)};

	ike_msg_add_notify(w, &n);
}

/*
 * HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
 * N(IKEV2_FRAGMENTATION_SUPPORTED), N(SIGNATURE_HASH_ALGORITHMS), V: an IKE_SA_INIT request as
 * strongSwan 5.9 sends it.
 */
static size_t build_sa_init(uint8_t *mem, size_t cap)
{
	static const uint8_t sig_hash[] = {0, 2, 0, 3, 0, 4, 0, 5};
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct ike_hdr h = {.spi_i = SPI_I, .exchange = IKE_EXCH_SA_INIT, .flags = IKE_FLAG_I};
	struct ike_pld_ke ke = {.group = 20, .data = view(pattern, 96)};
	struct ike_pld_nonce ni = {.data = view(pattern + 100, 32)};
	struct ike_msg_writer w;
	struct buf out;

	pattern_init();
	strongswan_sa(sa);
	buf_init_write(&out, mem, cap);
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_add_sa(&w, sa);
	ike_msg_add_ke(&w, &ke);
	ike_msg_add_nonce(&w, &ni);
	add_notify(&w, IKE_N_NAT_DETECTION_SOURCE_IP, pattern + 200, 20);
	add_notify(&w, IKE_N_NAT_DETECTION_DESTINATION_IP, pattern + 220, 20);
	add_notify(&w, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, pattern, 0);
	add_notify(&w, IKE_N_SIGNATURE_HASH_ALGORITHMS, sig_hash, sizeof(sig_hash));
	ike_msg_add_opaque(&w, IKE_PLD_VENDOR, pattern + 300, 16);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	free(sa);
	return buf_left(&out);
}

static const uint8_t sa_init_types[] = {IKE_PLD_SA,	IKE_PLD_KE,	IKE_PLD_NONCE,
					IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, IKE_PLD_NOTIFY,
					IKE_PLD_NOTIFY, IKE_PLD_VENDOR};

/* Parse from an exact-size heap copy so ASan sees any read past the datagram. */
static int parse_copy(const uint8_t *p, size_t len, struct ike_msg *m, struct ike_parse_err *err,
		      uint8_t **copy)
{
	struct buf b;

	*copy = malloc(len ? len : 1);
	memcpy(*copy, p, len);
	buf_init_read(&b, *copy, len);
	return ike_msg_parse(m, &b, err);
}

static int parse_once(const uint8_t *p, size_t len, struct ike_parse_err *err)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t *copy;
	int r = parse_copy(p, len, m, err, &copy);

	free(copy);
	free(m);
	return r;
}

Test(ike_msg, sa_init_round_trip)
{
	uint8_t mem[2048], *copy;
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;
	struct ike_pld_notify n;
	size_t len = build_sa_init(mem, sizeof(mem));

	cr_assert_eq(parse_copy(mem, len, m, &err, &copy), 0, "%s", err.why);
	cr_assert_eq(m->hdr.spi_i, SPI_I);
	cr_assert_eq(m->hdr.spi_r, 0);
	cr_assert_eq(m->hdr.next, IKE_PLD_SA);
	cr_assert_eq(m->hdr.version, 0x20);
	cr_assert_eq(m->hdr.exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(m->hdr.flags, IKE_FLAG_I);
	cr_assert_eq(m->hdr.msgid, 0);
	cr_assert_eq(m->hdr.length, len);
	cr_assert_not(m->has_sk);
	cr_assert_eq(m->n_plds, sizeof(sa_init_types));
	for (size_t i = 0; i < sizeof(sa_init_types); i++) {
		cr_assert_eq(m->plds[i].type, sa_init_types[i], "payload %zu", i);
		cr_assert_not(m->plds[i].inner);
	}
	cr_assert_eq(m->plds[0].off, IKE_HDR_LEN);

	const struct ike_pld *p = ike_msg_find(m, IKE_PLD_KE, NULL);
	struct ike_pld_ke ke;
	struct buf body = p->body;
	cr_assert_eq(ike_pld_parse_ke(&body, &ke), 0);
	cr_assert_eq(ke.group, 20);
	cr_assert(buf_equal_mem(&ke.data, pattern, 96));

	struct ike_pld_sa *sa = calloc(1, sizeof(*sa)), *want = calloc(1, sizeof(*want));
	body = ike_msg_find(m, IKE_PLD_SA, NULL)->body;
	cr_assert_eq(ike_pld_parse_sa(&body, sa), 0);
	strongswan_sa(want);
	cr_assert_eq(sa->n_props, 2);
	cr_assert_eq(sa->props[1].n_xforms, 5);
	cr_assert_eq(sa->props[1].xforms[1].keylen, 128);
	cr_assert_eq(
		memcmp(sa->props[1].xforms, want->props[1].xforms, 5 * sizeof(struct ike_xform)),
		0);

	cr_assert(ike_msg_find_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP, &n));
	cr_assert(buf_equal_mem(&n.data, pattern + 220, 20));
	cr_assert(ike_msg_find_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, &n));
	cr_assert_eq(buf_left(&n.data), 0);
	cr_assert_not(ike_msg_find_notify(m, IKE_N_COOKIE, &n));
	p = ike_msg_find(m, IKE_PLD_NOTIFY, NULL);
	cr_assert_eq(p, &m->plds[3]);
	p = ike_msg_find(m, IKE_PLD_NOTIFY, p);
	cr_assert_eq(p, &m->plds[4]);
	cr_assert_null(ike_msg_find(m, IKE_PLD_IDI, NULL));
	free(sa);
	free(want);
	free(copy);
	free(m);
}

Test(ike_msg, header_is_rfc_layout)
{
	uint8_t mem[128];
	struct ike_hdr h = {.spi_i = SPI_I,
			    .spi_r = SPI_R,
			    .exchange = IKE_EXCH_INFORMATIONAL,
			    .flags = IKE_FLAG_R | IKE_FLAG_V,
			    .msgid = 0x0a0b0c0d};
	struct ike_msg_writer w;
	struct buf out;
	size_t len;
	uint8_t *want = hex_decode("0102030405060708 1112131415161718" /* SPIs */
				   "2a 20 25 20 0a0b0c0d 00000024"     /* D, 2.0, INFO, R */
				   "00 00 0008 01 00 0000",	       /* D(IKE) */
				   &len);

	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_add_delete(&w, IKE_PROTO_IKE, NULL, 0);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	cr_assert_eq(buf_left(&out), len);
	/* The V flag is never sent (3.1: we speak nothing above 2.0). */
	cr_assert_arr_eq(mem, want, len);
	free(want);

	/* Empty message: Next Payload 0, length 28. */
	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	cr_assert_eq(buf_left(&out), IKE_HDR_LEN);
	cr_assert_eq(mem[16], 0);
	cr_assert_eq(mem[27], IKE_HDR_LEN);
	struct ike_parse_err err;
	cr_assert_eq(parse_once(mem, IKE_HDR_LEN, &err), 0);
}

Test(ike_msg, header_rules)
{
	uint8_t mem[2048], *copy;
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;
	size_t len = build_sa_init(mem, sizeof(mem));

	/* Major version 3: refused with INVALID_MAJOR_VERSION, header filled to answer it. */
	mem[17] = 0x30;
	cr_assert_eq(parse_copy(mem, len, m, &err, &copy), -EPROTO);
	free(copy);
	cr_assert_eq(err.notify, IKE_N_INVALID_MAJOR_VERSION);
	cr_assert_eq(m->hdr.spi_i, SPI_I);
	cr_assert_eq(m->hdr.exchange, IKE_EXCH_SA_INIT);
	/* A higher minor version is accepted (2.5: ignored). */
	mem[17] = 0x21;
	cr_assert_eq(parse_once(mem, len, &err), 0);
	/* IKEv1 is not ours to answer. */
	mem[17] = 0x10;
	cr_assert_eq(parse_once(mem, len, &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);
	mem[17] = 0x20;

	/* Zero initiator SPI. */
	memset(mem, 0, 8);
	cr_assert_eq(parse_once(mem, len, &err), -EBADMSG);
	mem[7] = 1;

	/* Length field one off either way, and the datagram longer than the message. */
	mem[27] = (uint8_t)(mem[27] + 1);
	cr_assert_eq(parse_once(mem, len, &err), -EBADMSG);
	mem[27] = (uint8_t)(mem[27] - 2);
	cr_assert_eq(parse_once(mem, len, &err), -EBADMSG);
	mem[27] = (uint8_t)(mem[27] + 1);
	cr_assert_eq(parse_once(mem, len, &err), 0);
	cr_assert_eq(parse_once(mem, len + 1, &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);
	free(m);
}

static void set_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

Test(ike_msg, every_truncation_is_garbage)
{
	uint8_t mem[2048];
	struct ike_parse_err err;
	size_t len = build_sa_init(mem, sizeof(mem));

	for (size_t n = 0; n < len; n++) {
		uint8_t copy[2048];

		/* As received: the length field no longer matches. */
		cr_expect_eq(parse_once(mem, n, &err), -EBADMSG, "cut to %zu", n);
		cr_expect_eq(err.notify, 0);
		if (n < IKE_HDR_LEN)
			continue;
		/* With the header length patched, so the payload chain is what breaks. */
		memcpy(copy, mem, n);
		set_be32(copy + 24, (uint32_t)n);
		cr_expect_eq(parse_once(copy, n, &err), -EBADMSG,
			     "cut to %zu with its length patched", n);
		cr_expect_eq(err.notify, 0, "cut to %zu answered", n);
	}
}

Test(ike_msg, every_generic_length_wrong_is_garbage)
{
	uint8_t mem[2048];
	struct ike_parse_err err;
	size_t len = build_sa_init(mem, sizeof(mem));
	size_t off = IKE_HDR_LEN;
	int row = 0;

	while (off < len) {
		uint16_t plen = (uint16_t)(mem[off + 2] << 8 | mem[off + 3]);
		const uint16_t bad[] = {0, 3, (uint16_t)(plen - 1), (uint16_t)(plen + 1), 0xffff};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* A Vendor ID or notify whose length shrinks is still framed... */
			mem[off + 2] = (uint8_t)(bad[i] >> 8);
			mem[off + 3] = (uint8_t)bad[i];
			row++;
			/* ...but then the chain ends off the payload boundary: still refused. */
			cr_expect_eq(parse_once(mem, len, &err), -EBADMSG,
				     "row %d: payload at %zu length %u (is %u) accepted", row, off,
				     bad[i], plen);
		}
		mem[off + 2] = (uint8_t)(plen >> 8);
		mem[off + 3] = (uint8_t)plen;
		off += plen;
	}
	cr_assert_eq(parse_once(mem, len, &err), 0);
	cr_assert_eq(row, 8 * 5);
}

/* HDR, N(COOKIE), <type 200, flags>, Nonce: the unknown payload in the middle. */
static size_t build_with_unknown(uint8_t *mem, size_t cap, bool critical)
{
	struct ike_hdr h = {.spi_i = SPI_I, .exchange = IKE_EXCH_SA_INIT, .flags = IKE_FLAG_I};
	struct ike_pld_nonce ni = {.data = view(pattern, 32)};
	struct ike_msg_writer w;
	struct buf out;

	pattern_init();
	buf_init_write(&out, mem, cap);
	ike_msg_write_begin(&w, &out, &h);
	add_notify(&w, IKE_N_COOKIE, pattern, 16);
	ike_msg_write_pld_begin(&w, 200, critical);
	buf_put_bytes(&out, "whatever is in it", 17);
	ike_msg_write_pld_end(&w);
	ike_msg_add_nonce(&w, &ni);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	return buf_left(&out);
}

Test(ike_msg, unknown_payloads)
{
	uint8_t mem[512], *copy;
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;
	size_t len = build_with_unknown(mem, sizeof(mem), false);

	/* Not critical: skipped; what follows it is still found. */
	cr_assert_eq(parse_copy(mem, len, m, &err, &copy), 0);
	free(copy);
	cr_assert_eq(m->n_plds, 2);
	cr_assert_eq(m->plds[0].type, IKE_PLD_NOTIFY);
	cr_assert_eq(m->plds[1].type, IKE_PLD_NONCE);
	cr_assert_not_null(ike_msg_find(m, IKE_PLD_NONCE, NULL));

	/* Critical: UNSUPPORTED_CRITICAL_PAYLOAD with the type as data (2.5, 3.10.1). */
	len = build_with_unknown(mem, sizeof(mem), true);
	cr_assert_eq(parse_once(mem, len, &err), -EPROTO);
	cr_assert_eq(err.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	cr_assert_eq(err.data_len, 1);
	cr_assert_eq(err.data[0], 200);

	/* ... but not if the message is garbage after it: then nothing is answered. */
	set_be32(mem + 24, (uint32_t)(len - 1));
	cr_assert_eq(parse_once(mem, len - 1, &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);

	/* The critical bit on a known payload is fine. */
	len = build_with_unknown(mem, sizeof(mem), false);
	mem[IKE_HDR_LEN + 1] = IKE_PLD_CRITICAL;
	cr_assert_eq(parse_once(mem, len, &err), 0);
	free(m);
}

static size_t build_n_notifies(uint8_t *mem, size_t cap, int n)
{
	struct ike_hdr h = {.spi_i = SPI_I, .exchange = IKE_EXCH_SA_INIT, .flags = IKE_FLAG_I};
	struct ike_msg_writer w;
	struct buf out;

	buf_init_write(&out, mem, cap);
	ike_msg_write_begin(&w, &out, &h);
	for (int i = 0; i < n; i++)
		add_notify(&w, IKE_N_COOKIE, pattern, 0);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	return buf_left(&out);
}

Test(ike_msg, payload_count_bound)
{
	uint8_t mem[1024];
	struct ike_parse_err err;
	size_t len;

	len = build_n_notifies(mem, sizeof(mem), IKE_MSG_MAX_PLDS);
	cr_assert_eq(parse_once(mem, len, &err), 0);
	len = build_n_notifies(mem, sizeof(mem), IKE_MSG_MAX_PLDS + 1);
	cr_assert_eq(parse_once(mem, len, &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);
}

Test(ike_msg, writer_errors_are_sticky)
{
	uint8_t mem[40];
	struct ike_hdr h = {.spi_i = SPI_I, .exchange = IKE_EXCH_SA_INIT, .flags = IKE_FLAG_I};
	struct ike_pld_nonce ni = {.data = view(pattern, 32)};
	struct ike_msg_writer w;
	struct buf out;

	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	cr_assert_eq(ike_msg_add_nonce(&w, &ni), -ENOSPC);
	add_notify(&w, IKE_N_COOKIE, pattern, 0);
	cr_assert_eq(ike_msg_write_end(&w), -ENOSPC);

	/* A payload left open, and wrong ID/TS payload types. */
	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_write_pld_begin(&w, IKE_PLD_VENDOR, false);
	cr_assert_eq(ike_msg_write_end(&w), -EINVAL);
	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	cr_assert_eq(ike_msg_add_id(&w, IKE_PLD_AUTH, NULL), -EINVAL);
}

/* ---- the SK payload ------------------------------------------------------------------------- */

struct sk_case {
	const char *name;
	uint16_t encr, keybits, integ;
};

static const struct sk_case sk_cases[] = {
	{"AES-CBC-128 HMAC-SHA1-96", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96},
	{"AES-CBC-256 HMAC-SHA2-256-128", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128},
	{"AES-CBC-256 HMAC-SHA2-384-192", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192},
	{"AES-CBC-192 HMAC-SHA2-512-256", IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_512_256},
	{"3DES-CBC HMAC-SHA1-96", IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96},
	{"AES-GCM-16-128", IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE},
	{"AES-GCM-16-256", IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE},
};

static size_t encr_key_len(const struct sk_case *c)
{
	if (c->encr == IKE_ENCR_3DES)
		return 24;
	return c->keybits / 8u + (c->encr == IKE_ENCR_AES_GCM_16 ? 4 : 0);
}

static size_t integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return 20;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

struct sk_keys {
	struct secret *e, *a;
	struct ike_sk *sk;
};

static void sk_keys_new(struct sk_keys *k, const struct sk_case *c, uint8_t seed)
{
	uint8_t raw[128];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(seed + i * 29);
	k->e = secret_dup(raw, encr_key_len(c));
	k->a = c->integ ? secret_dup(raw + 64, integ_key_len(c->integ)) : NULL;
	cr_assert_eq(ike_sk_new(&k->sk, c->encr, c->keybits, c->integ, k->e, k->a), 0, "%s",
		     c->name);
}

static void sk_keys_free(struct sk_keys *k)
{
	ike_sk_free(k->sk);
	secret_free(k->e);
	secret_free(k->a);
}

static const char idi_fqdn[] = "site1.vnet.example";

/* HDR, SK {IDi, AUTH, SA, TSi, TSr, N(INITIAL_CONTACT), N(ESP_TFC_PADDING_NOT_SUPPORTED)} */
static size_t build_auth(uint8_t *mem, size_t cap, struct ike_sk *sk, size_t idlen)
{
	struct ike_hdr h = {.spi_i = SPI_I,
			    .spi_r = SPI_R,
			    .exchange = IKE_EXCH_AUTH,
			    .flags = IKE_FLAG_I,
			    .msgid = 1};
	struct ike_pld_id id = {.type = IKE_ID_FQDN, .data = view(idi_fqdn, idlen)};
	struct ike_pld_auth auth = {.method = IKE_AUTH_SHARED_KEY_MIC, .data = view(pattern, 48)};
	struct ike_pld_sa sa = {.n_props = 1};
	struct ike_pld_ts ts = {.n_ts = 2};
	struct ike_msg_writer w;
	struct buf out;

	sa.props[0] = (struct ike_proposal){
		.num = 1,
		.proto = IKE_PROTO_ESP,
		.spi_len = 4,
		.spi = {0xc0, 1, 2, 3},
		.n_xforms = 3,
		.xforms = {{IKE_XFORM_ENCR, 0, IKE_ENCR_AES_GCM_16, 256},
			   {IKE_XFORM_DH, 0, 20, 0},
			   {IKE_XFORM_ESN, 0, IKE_ESN_NO, 0}},
	};
	ts.ts[0] = (struct ike_ts){
		.type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end = {255, 255, 255, 255}};
	ts.ts[1] = (struct ike_ts){.type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535};
	memset(ts.ts[1].end, 0xff, 16);

	buf_init_write(&out, mem, cap);
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_write_sk_begin(&w, sk);
	ike_msg_add_id(&w, IKE_PLD_IDI, &id);
	ike_msg_add_auth(&w, &auth);
	ike_msg_add_sa(&w, &sa);
	ike_msg_add_ts(&w, IKE_PLD_TSI, &ts);
	ike_msg_add_ts(&w, IKE_PLD_TSR, &ts);
	add_notify(&w, IKE_N_INITIAL_CONTACT, pattern, 0);
	add_notify(&w, IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, pattern, 0);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	return buf_left(&out);
}

static const uint8_t auth_types[] = {IKE_PLD_IDI, IKE_PLD_AUTH,	  IKE_PLD_SA,	 IKE_PLD_TSI,
				     IKE_PLD_TSR, IKE_PLD_NOTIFY, IKE_PLD_NOTIFY};

Test(ike_msg, sk_round_trip_each_algorithm)
{
	pattern_init();
	for (size_t c = 0; c < sizeof(sk_cases) / sizeof(sk_cases[0]); c++) {
		/* Every ID length 1..18 moves the padding through each value. */
		for (size_t idlen = 1; idlen <= sizeof(idi_fqdn) - 1; idlen++) {
			struct ike_msg *m = malloc(sizeof(*m));
			uint8_t mem[2048], plain_mem[2048], *copy;
			struct ike_parse_err err;
			struct sk_keys k;
			struct buf plain;
			size_t len;

			sk_keys_new(&k, &sk_cases[c], 1);
			len = build_auth(mem, sizeof(mem), k.sk, idlen);
			cr_assert_eq(parse_copy(mem, len, m, &err, &copy), 0, "%s", err.why);
			cr_assert(m->has_sk);
			cr_assert_eq(m->sk_next, IKE_PLD_IDI);
			cr_assert_eq(m->n_plds, 1);
			/* Nothing is visible before decryption. */
			cr_assert_null(ike_msg_find(m, IKE_PLD_IDI, NULL));
			buf_init_write(&plain, plain_mem, sizeof(plain_mem));
			cr_assert_eq(ike_msg_decrypt(m, k.sk, &plain, &err), 0, "%s: %s",
				     sk_cases[c].name, err.why);
			cr_assert_eq(m->n_plds, 1 + sizeof(auth_types));
			for (size_t i = 0; i < sizeof(auth_types); i++) {
				cr_assert_eq(m->plds[1 + i].type, auth_types[i]);
				cr_assert(m->plds[1 + i].inner);
			}
			const struct ike_pld *p = ike_msg_find(m, IKE_PLD_IDI, NULL);
			struct ike_pld_id id;
			struct buf b = p->body;
			cr_assert_eq(ike_pld_parse_id(&b, &id), 0);
			cr_assert(buf_equal_mem(&id.data, idi_fqdn, idlen));
			struct ike_pld_notify n;
			cr_assert(ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT, &n));
			/* Decrypting twice is refused. */
			cr_assert_eq(ike_msg_decrypt(m, k.sk, &plain, &err), -EBADMSG);
			free(copy);
			free(m);
			sk_keys_free(&k);
		}
	}
}

/*
 * The SK payload decoded here straight from RFC 7296 3.14 and RFC 5282, with the crypto layer
 * directly: the writer's output must be what the RFCs say, not merely what sk.c reads back.
 */
static void independent_open(const struct sk_case *c, const struct sk_keys *k, const uint8_t *msg,
			     size_t len, uint8_t *pt, size_t *pt_len)
{
	size_t sk_off = IKE_HDR_LEN; /* SK is the first payload in build_auth */
	size_t sk_len = (size_t)(msg[sk_off + 2] << 8 | msg[sk_off + 3]);
	bool gcm = c->encr == IKE_ENCR_AES_GCM_16;
	size_t iv_len = gcm ? 8 : c->encr == IKE_ENCR_3DES ? 8 : 16;
	size_t icv_len = gcm				      ? 16
			 : c->integ == IKE_INTEG_HMAC_SHA1_96 ? 12
							      : integ_key_len(c->integ) / 2;
	const uint8_t *iv = msg + sk_off + 4, *ct = iv + iv_len;
	size_t ct_len = sk_len - 4 - iv_len - icv_len;

	cr_assert_eq(sk_off + sk_len, len, "SK ends the message");
	cr_assert_eq(msg[16], IKE_PLD_SK);
	if (gcm) {
		struct crypto_aead *a;
		uint8_t nonce[12];

		cr_assert_eq(crypto_aead_new(&a, k->e->data, k->e->len - 4), 0);
		memcpy(nonce, k->e->data + k->e->len - 4, 4); /* salt: SK_e's last 4 bytes */
		memcpy(nonce + 4, iv, 8);
		/* AAD: the IKE header through the SK generic header (RFC 5282 5.1). */
		cr_assert_eq(
			crypto_aead_open(a, nonce, msg, sk_off + 4, ct, pt, ct_len, msg + len - 16),
			0, "%s", c->name);
		crypto_aead_free(a);
	} else {
		enum crypto_integ_alg ialg =
			c->integ == IKE_INTEG_HMAC_SHA1_96	  ? CRYPTO_INTEG_HMAC_SHA1_96
			: c->integ == IKE_INTEG_HMAC_SHA2_256_128 ? CRYPTO_INTEG_HMAC_SHA2_256_128
			: c->integ == IKE_INTEG_HMAC_SHA2_384_192 ? CRYPTO_INTEG_HMAC_SHA2_384_192
								  : CRYPTO_INTEG_HMAC_SHA2_512_256;
		struct crypto_integ *in;
		struct crypto_cipher *ci;

		/* The ICV covers the whole message before it (3.14). */
		cr_assert_eq(crypto_integ_new(&in, ialg, k->a->data, k->a->len), 0);
		cr_assert_eq(crypto_integ_icv_len(ialg), icv_len);
		crypto_integ_begin(in);
		crypto_integ_update(in, msg, len - icv_len);
		cr_assert_eq(crypto_integ_verify(in, msg + len - icv_len), 0, "%s", c->name);
		crypto_integ_free(in);
		cr_assert_eq(ct_len % iv_len, 0);
		cr_assert_eq(crypto_cipher_new(&ci,
					       c->encr == IKE_ENCR_3DES ? CRYPTO_CIPHER_3DES_CBC
									: CRYPTO_CIPHER_AES_CBC,
					       k->e->data, k->e->len),
			     0);
		cr_assert_eq(crypto_cipher_decrypt(ci, iv, ct, pt, ct_len), 0);
		crypto_cipher_free(ci);
	}
	*pt_len = ct_len;
}

Test(ike_msg, sk_matches_independent_decryption)
{
	pattern_init();
	for (size_t c = 0; c < sizeof(sk_cases) / sizeof(sk_cases[0]); c++) {
		uint8_t mem[2048], pt[2048];
		struct sk_keys k;
		size_t len, pt_len;

		sk_keys_new(&k, &sk_cases[c], 7);
		len = build_auth(mem, sizeof(mem), k.sk, 5);
		independent_open(&sk_cases[c], &k, mem, len, pt, &pt_len);
		/* Plaintext: IDi first (type from SK's Next Payload), then pad, then pad length. */
		uint8_t pad = pt[pt_len - 1];
		cr_assert_lt(pad, pt_len);
		cr_assert_eq(mem[IKE_HDR_LEN], IKE_PLD_IDI);
		cr_assert_eq(pt[0], IKE_PLD_AUTH, "IDi's Next Payload");
		cr_assert_eq((pt[2] << 8 | pt[3]), 4 + 4 + 5, "IDi's length");
		cr_assert_eq(pt[4], IKE_ID_FQDN);
		cr_assert_arr_eq(pt + 8, idi_fqdn, 5);
		if (sk_cases[c].encr == IKE_ENCR_AES_GCM_16)
			cr_assert_eq(pad, 0, "GCM needs no padding");
		else
			cr_assert_eq(pt_len % (sk_cases[c].encr == IKE_ENCR_3DES ? 8 : 16), 0);
		sk_keys_free(&k);
	}
}

Test(ike_msg, sk_any_flipped_bit_fails_cleanly)
{
	pattern_init();
	for (size_t c = 0; c < sizeof(sk_cases) / sizeof(sk_cases[0]); c++) {
		uint8_t mem[2048];
		struct sk_keys k;
		size_t len;

		sk_keys_new(&k, &sk_cases[c], 3);
		len = build_auth(mem, sizeof(mem), k.sk, 9);
		for (size_t off = 0; off < len; off++) {
			struct ike_msg *m = malloc(sizeof(*m));
			uint8_t plain_mem[2048], *copy;
			struct ike_parse_err err;
			struct buf plain;
			int r;

			mem[off] ^= 0x01;
			r = parse_copy(mem, len, m, &err, &copy);
			if (r == 0) {
				buf_init_write(&plain, plain_mem, sizeof(plain_mem));
				r = ike_msg_decrypt(m, k.sk, &plain, &err);
			}
			/* Every byte is covered by the ICV (CBC) or the AAD/tag (GCM), and a failed
			 * check is dropped without an answer. */
			cr_expect_eq(err.notify, 0, "%s: flip at %zu answered", sk_cases[c].name,
				     off);
			cr_expect_eq(r, -EBADMSG, "%s: flip at %zu accepted", sk_cases[c].name,
				     off);
			mem[off] ^= 0x01;
			free(copy);
			free(m);
		}
		sk_keys_free(&k);
	}
}

Test(ike_msg, sk_wrong_key_and_wrong_algorithm)
{
	uint8_t mem[2048], plain_mem[2048], *copy;
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;
	struct sk_keys k, other;
	struct buf plain;
	size_t len;

	pattern_init();
	sk_keys_new(&k, &sk_cases[1], 1);
	sk_keys_new(&other, &sk_cases[1], 2);
	len = build_auth(mem, sizeof(mem), k.sk, 4);
	cr_assert_eq(parse_copy(mem, len, m, &err, &copy), 0);
	buf_init_write(&plain, plain_mem, sizeof(plain_mem));
	cr_assert_eq(ike_msg_decrypt(m, other.sk, &plain, &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);
	/* A plaintext buffer too small. */
	buf_init_write(&plain, plain_mem, 16);
	cr_assert_eq(ike_msg_decrypt(m, k.sk, &plain, &err), -EBADMSG);
	/* GCM keys on a CBC message: framing or tag fails, never a crash. */
	sk_keys_free(&other);
	sk_keys_new(&other, &sk_cases[6], 1);
	buf_init_write(&plain, plain_mem, sizeof(plain_mem));
	cr_assert_eq(ike_msg_decrypt(m, other.sk, &plain, &err), -EBADMSG);
	free(copy);
	free(m);
	sk_keys_free(&k);
	sk_keys_free(&other);

	/* Key lengths and algorithms ike_sk_new refuses. */
	struct ike_sk *sk;
	struct secret *e16 = secret_dup(pattern, 16), *a32 = secret_dup(pattern, 32);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, e16, a32),
		     -EINVAL);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, e16, a32),
		     -EINVAL);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_CBC, 128, IKE_INTEG_AES_XCBC_96, e16, a32),
		     -ENOTSUP);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_CTR, 128, IKE_INTEG_HMAC_SHA2_256_128, e16, a32),
		     -ENOTSUP);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_GCM_16, 96, IKE_INTEG_NONE, e16, NULL), -ENOTSUP);
	/* GCM-128 takes 20 bytes: the key and its salt. */
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, e16, NULL), -EINVAL);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA1_96, e16, a32),
		     -EINVAL);
	cr_assert_eq(ike_sk_new(&sk, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, e16, a32),
		     0);
	ike_sk_free(sk);
	ike_sk_free(NULL);
	secret_free(e16);
	secret_free(a32);
}

/* Write an SK message whose inner chain is whatever fill() writes. */
static size_t build_sk_with(uint8_t *mem, size_t cap, struct ike_sk *sk,
			    void (*fill)(struct ike_msg_writer *w))
{
	struct ike_hdr h = {.spi_i = SPI_I,
			    .spi_r = SPI_R,
			    .exchange = IKE_EXCH_INFORMATIONAL,
			    .flags = IKE_FLAG_I | IKE_FLAG_R,
			    .msgid = 7};
	struct ike_msg_writer w;
	struct buf out;

	buf_init_write(&out, mem, cap);
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_write_sk_begin(&w, sk);
	fill(&w);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	return buf_left(&out);
}

static void fill_bad_nonce(struct ike_msg_writer *w)
{
	ike_msg_add_opaque(w, IKE_PLD_NONCE, pattern, 3);
}

static void fill_critical_unknown(struct ike_msg_writer *w)
{
	ike_msg_add_delete(w, IKE_PROTO_IKE, NULL, 0);
	ike_msg_write_pld_begin(w, 77, true);
	ike_msg_write_pld_end(w);
}

static void fill_noncritical_unknown(struct ike_msg_writer *w)
{
	ike_msg_write_pld_begin(w, 77, false);
	ike_msg_write_pld_end(w);
	ike_msg_add_delete(w, IKE_PROTO_IKE, NULL, 0);
}

static void fill_nested_sk(struct ike_msg_writer *w)
{
	ike_msg_add_opaque(w, IKE_PLD_SK, pattern, 40);
}

static void fill_nothing(struct ike_msg_writer *w)
{
}

static int decrypt_built(uint8_t *mem, size_t len, struct ike_sk *sk, struct ike_parse_err *err,
			 struct ike_msg *m)
{
	uint8_t plain_mem[2048], *copy;
	struct buf plain;
	int r = parse_copy(mem, len, m, err, &copy);

	cr_assert_eq(r, 0, "%s", err->why);
	buf_init_write(&plain, plain_mem, sizeof(plain_mem));
	r = ike_msg_decrypt(m, sk, &plain, err);
	free(copy);
	return r;
}

Test(ike_msg, sk_inner_errors_are_answerable)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t mem[2048];
	struct ike_parse_err err;
	struct sk_keys k;
	size_t len;

	pattern_init();
	sk_keys_new(&k, &sk_cases[6], 9);

	/* Malformed inside an authenticated SK: INVALID_SYNTAX may be answered (3.10.1). */
	len = build_sk_with(mem, sizeof(mem), k.sk, fill_bad_nonce);
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), -EPROTO);
	cr_assert_eq(err.notify, IKE_N_INVALID_SYNTAX);

	len = build_sk_with(mem, sizeof(mem), k.sk, fill_critical_unknown);
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), -EPROTO);
	cr_assert_eq(err.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	cr_assert_eq(err.data[0], 77);

	len = build_sk_with(mem, sizeof(mem), k.sk, fill_noncritical_unknown);
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), 0);
	cr_assert_not_null(ike_msg_find(m, IKE_PLD_DELETE, NULL));

	len = build_sk_with(mem, sizeof(mem), k.sk, fill_nested_sk);
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), -EPROTO);
	cr_assert_eq(err.notify, IKE_N_INVALID_SYNTAX);

	/* An empty INFORMATIONAL (a liveness check): SK with nothing inside. */
	len = build_sk_with(mem, sizeof(mem), k.sk, fill_nothing);
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), 0);
	cr_assert_eq(m->n_plds, 1);
	cr_assert_eq(m->sk_next, IKE_PLD_NONE);
	sk_keys_free(&k);
	free(m);
}

Test(ike_msg, critical_outside_sk_waits_for_the_icv)
{
	struct ike_hdr h = {.spi_i = SPI_I,
			    .spi_r = SPI_R,
			    .exchange = IKE_EXCH_INFORMATIONAL,
			    .flags = IKE_FLAG_I,
			    .msgid = 3};
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t mem[512];
	struct ike_msg_writer w;
	struct ike_parse_err err;
	struct sk_keys k, other;
	struct buf out;
	size_t len;

	pattern_init();
	sk_keys_new(&k, &sk_cases[2], 4);
	sk_keys_new(&other, &sk_cases[2], 5);
	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_write_pld_begin(&w, 99, true);
	ike_msg_write_pld_end(&w);
	ike_msg_write_sk_begin(&w, k.sk);
	ike_msg_add_delete(&w, IKE_PROTO_IKE, NULL, 0);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	len = buf_left(&out);

	/* Unauthenticated: not reported by the parse, and dropped if the ICV is wrong. */
	cr_assert_eq(decrypt_built(mem, len, other.sk, &err, m), -EBADMSG);
	cr_assert_eq(err.notify, 0);
	/* Authenticated: now it is answerable. */
	cr_assert_eq(decrypt_built(mem, len, k.sk, &err, m), -EPROTO);
	cr_assert_eq(err.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	cr_assert_eq(err.data[0], 99);
	sk_keys_free(&k);
	sk_keys_free(&other);
	free(m);
}

Test(ike_msg, sk_pad_length_past_plaintext)
{
	/* Re-seal a GCM message with its pad length byte set too high (authentic but wrong). */
	const struct sk_case *c = &sk_cases[5];
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t mem[2048], pt[2048], nonce[12];
	struct ike_parse_err err;
	struct crypto_aead *a;
	struct sk_keys k;
	size_t len, pt_len;

	pattern_init();
	sk_keys_new(&k, c, 5);
	len = build_sk_with(mem, sizeof(mem), k.sk, fill_noncritical_unknown);
	independent_open(c, &k, mem, len, pt, &pt_len);
	for (int pad = 0; pad < 256; pad += 17) {
		pt[pt_len - 1] = (uint8_t)pad;
		cr_assert_eq(crypto_aead_new(&a, k.e->data, k.e->len - 4), 0);
		memcpy(nonce, k.e->data + k.e->len - 4, 4);
		memcpy(nonce + 4, mem + IKE_HDR_LEN + 4, 8);
		cr_assert_eq(crypto_aead_seal(a, nonce, mem, IKE_HDR_LEN + 4, pt,
					      mem + IKE_HDR_LEN + 12, pt_len, mem + len - 16),
			     0);
		crypto_aead_free(a);
		int r = decrypt_built(mem, len, k.sk, &err, m);
		if ((size_t)pad + 1 > pt_len) {
			cr_assert_eq(r, -EPROTO, "pad %d", pad);
			cr_assert_eq(err.notify, IKE_N_INVALID_SYNTAX);
		} else {
			/* Any padding the sender chose is accepted; the chain may not fit. */
			cr_assert(r == 0 || (r == -EPROTO && err.notify == IKE_N_INVALID_SYNTAX));
		}
	}
	sk_keys_free(&k);
	free(m);
}

Test(ike_msg, sk_must_be_last)
{
	uint8_t mem[512];
	struct ike_hdr h = {.spi_i = SPI_I, .spi_r = SPI_R, .exchange = IKE_EXCH_INFORMATIONAL};
	struct ike_msg_writer w;
	struct ike_parse_err err;
	struct buf out;

	pattern_init();
	buf_init_write(&out, mem, sizeof(mem));
	ike_msg_write_begin(&w, &out, &h);
	ike_msg_add_opaque(&w, IKE_PLD_SK, pattern, 40);
	ike_msg_add_opaque(&w, IKE_PLD_VENDOR, pattern, 4);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	cr_assert_eq(parse_once(mem, buf_left(&out), &err), -EBADMSG);
	cr_assert_eq(err.notify, 0);
}

Test(ike_msg, gcm_ivs_never_repeat)
{
	uint8_t mem[2][2048];
	struct sk_keys k;

	pattern_init();
	sk_keys_new(&k, &sk_cases[6], 1);
	build_auth(mem[0], sizeof(mem[0]), k.sk, 4);
	build_auth(mem[1], sizeof(mem[1]), k.sk, 4);
	cr_assert_neq(memcmp(mem[0] + IKE_HDR_LEN + 4, mem[1] + IKE_HDR_LEN + 4, 8), 0);
	sk_keys_free(&k);
}

Test(ike_msg, exchange_names)
{
	cr_assert_str_eq(ike_exchange_name(IKE_EXCH_SA_INIT), "IKE_SA_INIT");
	cr_assert_str_eq(ike_exchange_name(IKE_EXCH_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	cr_assert_str_eq(ike_exchange_name(99), "?");
}

/* ---- random mutations ----------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/*
 * Random byte changes, truncations and insertions of valid messages (the header length kept
 * consistent half the time, so the payload chain is reached): every outcome must honour the
 * error contract of msg.h, and ASan (make asan) sees every read. VNETGW_SEED replays a run.
 */
Test(ike_msg, random_mutations_honour_the_error_contract)
{
	const char *env = getenv("VNETGW_SEED");
	uint8_t base[2][2048];
	size_t base_len[2];
	struct sk_keys k;

	rng_state = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	if (!rng_state)
		rng_state = 1;
	fprintf(stderr, "random_mutations_honour_the_error_contract: VNETGW_SEED=%llu\n",
		(unsigned long long)rng_state);
	pattern_init();
	sk_keys_new(&k, &sk_cases[6], 11);
	base_len[0] = build_sa_init(base[0], sizeof(base[0]));
	base_len[1] = build_auth(base[1], sizeof(base[1]), k.sk, 10);

	for (int iter = 0; iter < 20000; iter++) {
		int which = (int)(rng() % 2);
		size_t len = base_len[which];
		uint8_t *msg = malloc(len + 16);
		struct ike_msg *m = malloc(sizeof(*m));
		uint8_t plain_mem[2048];
		struct ike_parse_err err;
		struct buf b, plain;
		int edits = 1 + (int)(rng() % 4), r;

		memcpy(msg, base[which], len);
		for (int e = 0; e < edits; e++) {
			size_t at = rng() % len;

			switch (rng() % 3) {
			case 0:
				msg[at] = (uint8_t)rng();
				break;
			case 1:
				len = at;
				break;
			default:
				if (len < base_len[which] + 16) {
					memmove(msg + at + 1, msg + at, len - at);
					msg[at] = (uint8_t)rng();
					len++;
				}
			}
			if (len < 1)
				len = 1;
		}
		if (len >= IKE_HDR_LEN && rng() % 2)
			set_be32(msg + 24, (uint32_t)len);
		msg = realloc(msg, len); /* exact size: ASan catches reads past the end */
		buf_init_read(&b, msg, len);
		r = ike_msg_parse(m, &b, &err);
		cr_assert(r == 0 || (r == -EBADMSG && !err.notify) || (r == -EPROTO && err.notify),
			  "iteration %d: r %d notify %u", iter, r, err.notify);
		if (r == 0 && m->has_sk) {
			buf_init_write(&plain, plain_mem, sizeof(plain_mem));
			r = ike_msg_decrypt(m, k.sk, &plain, &err);
			cr_assert(r == 0 || (r == -EBADMSG && !err.notify) ||
					  (r == -EPROTO && err.notify),
				  "iteration %d: decrypt r %d notify %u", iter, r, err.notify);
		}
		free(msg);
		free(m);
	}
	sk_keys_free(&k);
}
