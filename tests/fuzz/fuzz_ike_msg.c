/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the IKEv2 message codec, through the entry points the daemon calls.
 * The first byte selects the mode:
 *   even: the rest is a whole datagram for ike_msg_parse; an SK payload is then opened with
 *         fixed AES-GCM-16-256 and AES-CBC-256/HMAC-SHA2-256-128 keys (the seed corpus holds
 *         messages sealed with them, so the inner chain is reached too);
 *   odd:  the next byte is the first inner payload type and the rest a decrypted SK plaintext
 *         for ike_msg_parse_inner.
 * Every payload accepted is then parsed by its pld.c parser, rebuilt, parsed again and
 * compared (reserved bytes aside): a mismatch, or a builder refusing what its parser accepted,
 * aborts; so does an answer (err.notify) to pre-authentication garbage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/msg.h"
#include "ike/pld.h"
#include "ike/sk.h"

/* The seed corpus's SK messages were sealed with these same key bytes. */
#define FUZZ_KEY_BYTE(i) ((uint8_t)(0x40 + (i)))

static struct ike_sk *fuzz_gcm, *fuzz_cbc;

static void fuzz_keys_init(void)
{
	uint8_t raw[64];
	struct secret *e, *a;

	if (fuzz_gcm)
		return;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = FUZZ_KEY_BYTE(i);
	e = secret_dup(raw, 36);
	if (ike_sk_new(&fuzz_gcm, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, e, NULL))
		abort();
	secret_free(e);
	e = secret_dup(raw, 32);
	a = secret_dup(raw + 32, 32);
	if (ike_sk_new(&fuzz_cbc, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, e, a))
		abort();
	secret_free(e);
	secret_free(a);
}

static void check_sa(const struct buf *body)
{
	static struct ike_pld_sa sa, back;
	static uint8_t mem[65536];
	struct buf b = *body, w;

	if (ike_pld_parse_sa(&b, &sa))
		abort(); /* msg.c validated it */
	for (int i = 0; i < sa.n_props; i++)
		for (int j = 0; j < sa.props[i].n_xforms; j++)
			if (sa.props[i].xforms[j].flags)
				return; /* unknown attributes are not rebuilt */
	buf_init_write(&w, mem, sizeof(mem));
	if (ike_pld_build_sa(&w, &sa))
		abort();
	b = w;
	if (ike_pld_parse_sa(&b, &back) || back.n_props != sa.n_props)
		abort();
	for (int i = 0; i < sa.n_props; i++) {
		const struct ike_proposal *p = &sa.props[i], *q = &back.props[i];

		if (p->num != q->num || p->proto != q->proto || p->spi_len != q->spi_len ||
		    p->n_xforms != q->n_xforms || memcmp(p->spi, q->spi, p->spi_len) ||
		    memcmp(p->xforms, q->xforms, p->n_xforms * sizeof(p->xforms[0])))
			abort();
	}
}

static void check_ts(const struct buf *body)
{
	struct ike_pld_ts ts, back;
	static uint8_t mem[2048];
	struct buf b = *body, w;

	if (ike_pld_parse_ts(&b, &ts))
		abort();
	buf_init_write(&w, mem, sizeof(mem));
	if (ike_pld_build_ts(&w, &ts))
		return; /* a selector of an unknown type is kept by type only */
	b = w;
	if (ike_pld_parse_ts(&b, &back) || memcmp(ts.ts, back.ts, ts.n_ts * sizeof(ts.ts[0])))
		abort();
}

static void check_notify(const struct buf *body)
{
	static uint8_t mem[65536];
	struct ike_pld_notify n;
	struct buf b = *body, w;

	if (ike_pld_parse_notify(&b, &n))
		abort();
	(void)ike_notify_name(n.type);
	buf_init_write(&w, mem, sizeof(mem));
	if (ike_pld_build_notify(&w, &n) || !buf_equal(&w, body))
		abort();
}

static void check_delete(const struct buf *body)
{
	static uint32_t spis[65536 / 4];
	static uint8_t mem[65536];
	struct ike_pld_delete d;
	struct buf b = *body, w;

	if (ike_pld_parse_delete(&b, &d))
		abort();
	for (uint16_t i = 0; i < d.n_spi; i++)
		spis[i] = ike_pld_delete_spi(&d, i);
	buf_init_write(&w, mem, sizeof(mem));
	if (ike_pld_build_delete(&w, d.proto, spis, d.n_spi) || !buf_equal(&w, body))
		abort();
}

/* Build a parsed body again and parse that: the same fields must come back. */
static void check_simple(const struct ike_pld *p)
{
	static uint8_t mem[65536];
	struct buf b = p->body, w, r;

	buf_init_write(&w, mem, sizeof(mem));
	switch (p->type) {
	case IKE_PLD_KE: {
		struct ike_pld_ke v, u;

		if (ike_pld_parse_ke(&b, &v) || ike_pld_build_ke(&w, &v))
			abort();
		r = w;
		if (ike_pld_parse_ke(&r, &u) || u.group != v.group || !buf_equal(&u.data, &v.data))
			abort();
		break;
	}
	case IKE_PLD_IDI:
	case IKE_PLD_IDR: {
		struct ike_pld_id v, u;

		if (ike_pld_parse_id(&b, &v) || ike_pld_build_id(&w, &v))
			abort();
		r = w;
		if (ike_pld_parse_id(&r, &u) || u.type != v.type || !buf_equal(&u.data, &v.data))
			abort();
		break;
	}
	case IKE_PLD_AUTH: {
		struct ike_pld_auth v, u;

		if (ike_pld_parse_auth(&b, &v) || ike_pld_build_auth(&w, &v))
			abort();
		r = w;
		if (ike_pld_parse_auth(&r, &u) || u.method != v.method ||
		    !buf_equal(&u.data, &v.data))
			abort();
		break;
	}
	case IKE_PLD_NONCE: {
		struct ike_pld_nonce v;

		if (ike_pld_parse_nonce(&b, &v) || ike_pld_build_nonce(&w, &v) ||
		    !buf_equal(&w, &p->body))
			abort();
		break;
	}
	default: {
		struct ike_pld_opaque v;

		if (ike_pld_parse_opaque(&b, &v) || ike_pld_build_opaque(&w, &v) ||
		    !buf_equal(&w, &p->body))
			abort();
		break;
	}
	}
}

static void check_payloads(const struct ike_msg *m)
{
	for (unsigned int i = 0; i < m->n_plds; i++) {
		const struct ike_pld *p = &m->plds[i];

		(void)ike_pld_type_name(p->type);
		switch (p->type) {
		case IKE_PLD_SK:
			break;
		case IKE_PLD_SA:
			check_sa(&p->body);
			break;
		case IKE_PLD_TSI:
		case IKE_PLD_TSR:
			check_ts(&p->body);
			break;
		case IKE_PLD_NOTIFY:
			check_notify(&p->body);
			break;
		case IKE_PLD_DELETE:
			check_delete(&p->body);
			break;
		default:
			check_simple(p);
			break;
		}
	}
}

/* The error contract of msg.h: garbage is never answered, refusals always are. */
static void check_err(int r, const struct ike_parse_err *err)
{
	if (r == 0 || (r == -EBADMSG && err->notify == 0) || (r == -EPROTO && err->notify != 0))
		return;
	abort();
}

static void fuzz_whole(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	static uint8_t plain_mem[65536];
	struct ike_parse_err err;
	struct buf dgram, plain;
	struct ike_sk *keys[2];
	int r;

	buf_init_read(&dgram, data, size);
	r = ike_msg_parse(&m, &dgram, &err);
	check_err(r, &err);
	if (r)
		return;
	check_payloads(&m);
	if (!m.has_sk)
		return;
	fuzz_keys_init();
	keys[0] = fuzz_gcm;
	keys[1] = fuzz_cbc;
	for (int k = 0; k < 2; k++) {
		struct ike_msg copy = m;

		buf_init_write(&plain, plain_mem, sizeof(plain_mem));
		r = ike_msg_decrypt(&copy, keys[k], &plain, &err);
		check_err(r, &err);
		if (r == 0)
			check_payloads(&copy);
	}
}

static void fuzz_inner(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	struct ike_parse_err err;
	struct buf plain;
	int r;

	if (size < 1)
		return;
	memset(&m, 0, sizeof(m));
	m.has_sk = true; /* as ike_msg_decrypt leaves it */
	buf_init_read(&plain, data + 1, size - 1);
	r = ike_msg_parse_inner(&m, data[0], &plain, &err);
	check_err(r, &err);
	if (r == 0)
		check_payloads(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_inner(data + 1, size - 1);
	else
		fuzz_whole(data + 1, size - 1);
	return 0;
}
