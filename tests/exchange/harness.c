/* SPDX-License-Identifier: MIT */
/* Exchange test harness: two engines, a fake network and clock (see harness.h). */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "esp/esp.h"
#include "esp/sad.h"
#include "ike/sk.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "support/pkt.h"

struct harness H;
static FILE *log_file;
static char keylog_dir[64];

static const char *side_addr[2] = {"198.51.100.1", "203.0.113.2"};

static void on_send(void *ctx, const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	int from = (int)(intptr_t)ctx;
	struct h_pkt *p;

	cr_assert_lt(H.n, H_MAX_PKTS, "fake network overflow");
	cr_assert_leq(len, H_PKT_MAX);
	p = &H.q[H.n++];
	p->from = from;
	p->ep = *ep;
	memcpy(p->data, data, len);
	p->len = len;
	H.sent[from]++;
}

static struct secret *dup_key(const struct secret *s)
{
	return s ? secret_dup(s->data, s->len) : NULL;
}

static void op_log(int i, enum h_op_kind kind, uint32_t spi_in, uint32_t spi_out)
{
	struct h_side *s = &H.s[i];

	if (s->n_ops < H_MAX_OPS)
		s->ops[s->n_ops++] =
			(struct h_op){.kind = kind, .spi_in = spi_in, .spi_out = spi_out};
}

static void mbb_violation(int i, const char *what, uint32_t spi)
{
	struct h_side *s = &H.s[i];

	if (s->mbb_violations++ == 0)
		snprintf(s->mbb_why, sizeof(s->mbb_why), "side %d %s %08x", i, what, spi);
}

/* Side i sends on spi_out from now on: the other side must already receive on it. */
static void set_outbound(int i, uint32_t spi_in, uint32_t spi_out)
{
	op_log(i, H_OP_INSTALL_OUT, spi_in, spi_out);
	/* Switching from one SA to another (the first child of IKE_AUTH replaces nothing). */
	if (H.s[i].out_spi && !h_child_find(1 - i, spi_out))
		mbb_violation(i, "sends before the peer has its inbound SA:", spi_out);
	H.s[i].out_spi = spi_out;
}

static int on_install(void *ctx, const struct ike_child_sa *c)
{
	struct h_side *s = &H.s[(intptr_t)ctx];
	int i = (int)(intptr_t)ctx;
	struct h_child *hc;

	if (s->install_result)
		return s->install_result;
	cr_assert_lt(s->n_children, H_MAX_CHILDREN);
	hc = &s->children[s->n_children++];
	memset(hc, 0, sizeof(*hc));
	hc->sa = *c;
	hc->ts_local = *c->ts_local;
	hc->ts_remote = *c->ts_remote;
	hc->enc_in = dup_key(c->enc_in);
	hc->integ_in = dup_key(c->integ_in);
	hc->enc_out = dup_key(c->enc_out);
	hc->integ_out = dup_key(c->integ_out);
	hc->sa.enc_in = hc->enc_in;
	hc->sa.integ_in = hc->integ_in;
	hc->sa.enc_out = hc->enc_out;
	hc->sa.integ_out = hc->integ_out;
	hc->sa.ts_local = &hc->ts_local;
	hc->sa.ts_remote = &hc->ts_remote;
	hc->sa.conn = NULL;
	op_log(i, H_OP_INSTALL_IN, c->spi_in, c->spi_out);
	if (c->outbound)
		set_outbound(i, c->spi_in, c->spi_out);
	return 0;
}

static int on_outbound(void *ctx, const struct ike_child_sa *c)
{
	int i = (int)(intptr_t)ctx;
	struct h_child *hc = h_child_find(i, c->spi_in);

	cr_assert(hc, "child_outbound for a child never installed: %08x", c->spi_in);
	cr_assert_eq(hc->sa.spi_out, c->spi_out);
	/* The keys must be the ones negotiated, held since child_install. */
	cr_assert((!hc->enc_out && !c->enc_out) ||
		  (hc->enc_out && c->enc_out && hc->enc_out->len == c->enc_out->len &&
		   memcmp(hc->enc_out->data, c->enc_out->data, c->enc_out->len) == 0));
	set_outbound(i, c->spi_in, c->spi_out);
	return 0;
}

static void on_remove(void *ctx, const char *conn, uint32_t spi_in, uint32_t spi_out)
{
	struct h_side *s = &H.s[(intptr_t)ctx];
	struct h_child *c = h_child_find((int)(intptr_t)ctx, spi_in);

	int i = (int)(intptr_t)ctx;

	cr_assert(c, "child_remove for an SPI never installed: %08x", spi_in);
	cr_assert_eq(c->sa.spi_out, spi_out);
	c->removed = true;
	s->n_removed++;
	op_log(i, H_OP_REMOVE, spi_in, spi_out);
	/* (A child deleted for good has no successor to move to; a replaced one has.) */
	if (H.s[1 - i].out_spi == spi_in && h_children_live(1 - i) > 1)
		mbb_violation(i, "removed its inbound SA while the peer sends on it:", spi_in);
	if (s->out_spi == spi_out) {
		/* Fine when the child is deleted for good; not while another could carry on. */
		s->out_spi = 0;
		if (h_children_live(i) > 0)
			mbb_violation(
				i, "removed its current outbound SA, another child live:", spi_out);
	}
}

static void on_status(void *ctx, const char *conn, enum ike_conn_status st, const char *reason)
{
	struct h_side *s = &H.s[(intptr_t)ctx];

	s->status = st;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->n_status++;
}

static uint64_t on_last_rx(void *ctx, const char *conn, uint32_t spi_in)
{
	int i = (int)(intptr_t)ctx;
	struct h_child *c = h_child_find(i, spi_in);

	H.s[i].n_last_rx_asked++;
	return c ? c->last_rx_ns : 0;
}

void h_esp_received(int i)
{
	for (unsigned int k = 0; k < H.s[i].n_children; k++)
		if (!H.s[i].children[k].removed)
			H.s[i].children[k].last_rx_ns = clock_now_ns();
}


static int nonce_source(void *ctx, uint8_t *out, size_t len)
{
	struct h_side *s = ctx;
	int r = crypto_rand(out, len);

	if (r == 0 && len && s->nonces_drawn < s->n_nonce_first)
		out[0] = s->nonce_first[s->nonces_drawn];
	s->nonces_drawn++;
	return r;
}

void h_nonces(int i, const uint8_t *first, unsigned int n)
{
	cr_assert_leq(n, H_MAX_NONCES);
	memcpy(H.s[i].nonce_first, first, n);
	H.s[i].n_nonce_first = n;
	H.s[i].nonces_drawn = 0;
}

int h_op_index(int i, enum h_op_kind kind, uint32_t spi_in)
{
	for (unsigned int k = 0; k < H.s[i].n_ops; k++)
		if (H.s[i].ops[k].kind == kind && H.s[i].ops[k].spi_in == spi_in)
			return (int)k;
	return -1;
}

static void side_engine_new(int i)
{
	struct ike_engine_ops ops = {
		.ctx = (void *)(intptr_t)i,
		.send = on_send,
		.child_install = on_install,
		.child_outbound = on_outbound,
		.child_remove = on_remove,
		.status = on_status,
		.child_last_rx = on_last_rx,
	};

	H.s[i].e = ike_engine_new(&ops);
	cr_assert(H.s[i].e);
	ike_engine_set_nonce_source(H.s[i].e, nonce_source, &H.s[i]);
}

void h_restart(int i)
{
	ike_engine_free(H.s[i].e);
	side_engine_new(i);
	H.s[i].status = IKE_CONN_NOT_CONNECTED;
}

void h_setup(void)
{
	memset(&H, 0, sizeof(H));
	clock_fake_install(1000 * CLOCK_NS_PER_SEC);
	log_file = tmpfile();
	cr_assert(log_file);
	log_set_output(log_file);
	log_set_level(LOG_LVL_DEBUG);
	for (int i = 0; i < 2; i++) {
		struct h_side *s = &H.s[i];

		side_engine_new(i);
		s->psk = secret_dup("correct horse battery staple", 28);
		ike_conn_config_default(&s->cfg);
		snprintf(s->cfg.name, sizeof(s->cfg.name), "%s", i == 0 ? "gw-conn" : "site-conn");
		cr_assert_eq(addr_parse(&s->cfg.local, side_addr[i], NULL, 0), 0);
		cr_assert_eq(addr_parse(&s->cfg.peer, side_addr[1 - i], NULL, 0), 0);
		s->cfg.psk = s->psk;
		s->cfg.initiate = false;
	}
}

void h_setup_without_dpd(void)
{
	h_setup();
	H.s[0].cfg.dpd_timeout_s = H.s[1].cfg.dpd_timeout_s = 0;
}

void h_teardown(void)
{
	for (int i = 0; i < 2; i++) {
		struct h_side *s = &H.s[i];

		ike_engine_free(s->e);
		secret_free(s->psk);
		for (unsigned int k = 0; k < s->n_children; k++) {
			secret_free(s->children[k].enc_in);
			secret_free(s->children[k].integ_in);
			secret_free(s->children[k].enc_out);
			secret_free(s->children[k].integ_out);
		}
	}
	if (keylog_dir[0]) {
		char path[128];

		snprintf(path, sizeof(path), "%s/ikev2_decryption_table", keylog_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/esp_sa", keylog_dir);
		unlink(path);
		rmdir(keylog_dir);
		keylog_dir[0] = 0;
	}
	log_set_output(stderr);
	/* H_LOG_DUMP=1 shows what both engines logged, for debugging a failing case. */
	if (log_file && getenv("H_LOG_DUMP")) {
		char line[512];

		rewind(log_file);
		while (fgets(line, sizeof(line), log_file))
			fputs(line, stderr);
	}
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	clock_fake_remove();
}

int h_configure(int i)
{
	H.s[i].cfg.psk = H.s[i].psk;
	return ike_engine_conn_set(H.s[i].e, &H.s[i].cfg);
}

void h_start(void)
{
	cr_assert_eq(h_configure(1), 0);
	cr_assert_eq(h_configure(0), 0);
	cr_assert_eq(ike_engine_conn_initiate(H.s[0].e, H.s[0].cfg.name), 0);
}

void h_establish(void)
{
	h_start();
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "%s", H.s[1].reason);
}

void h_drop(unsigned int idx)
{
	cr_assert_lt(idx, H.n);
	memmove(&H.q[idx], &H.q[idx + 1], (H.n - idx - 1) * sizeof(H.q[0]));
	H.n--;
}

void h_duplicate(unsigned int idx)
{
	cr_assert_lt(idx, H.n);
	cr_assert_lt(H.n, H_MAX_PKTS);
	H.q[H.n++] = H.q[idx];
}

void h_deliver_at(unsigned int idx)
{
	static struct h_pkt p; /* big: not on the stack */
	struct ike_endpoint ep;

	cr_assert_lt(idx, H.n);
	p = H.q[idx];
	h_drop(idx);
	/* The receiver sees the sender's addresses swapped; a NAT rewrites side 0's source port. */
	ep.local = p.ep.peer;
	ep.peer = p.ep.local;
	ep.local_port = p.ep.peer_port;
	ep.peer_port = p.ep.local_port;
	if (H.nat_offset) {
		if (p.from == 0)
			ep.peer_port = (uint16_t)(ep.peer_port + H.nat_offset);
		else
			ep.local_port = (uint16_t)(ep.local_port - H.nat_offset);
	}
	ike_engine_input(H.s[1 - p.from].e, &ep, p.data, p.len);
}

bool h_deliver(void)
{
	if (H.n == 0)
		return false;
	h_deliver_at(0);
	return true;
}

unsigned int h_run(void)
{
	unsigned int n = 0;

	while (h_deliver())
		cr_assert_lt(++n, 100, "message loop");
	return n;
}

void h_advance_ms(uint64_t ms)
{
	clock_fake_advance(ms * CLOCK_NS_PER_MS);
	for (int i = 0; i < 2; i++)
		ike_engine_run_timers(H.s[i].e);
}

struct ike_hdr h_hdr(unsigned int idx)
{
	struct ike_parse_err err;
	struct ike_hdr h;
	struct buf b;

	cr_assert_lt(idx, H.n);
	buf_init_read(&b, H.q[idx].data, H.q[idx].len);
	cr_assert_eq(ike_msg_parse_hdr(&b, &h, &err), 0);
	return h;
}

bool h_has_notify(unsigned int idx, uint16_t type)
{
	struct ike_parse_err err;
	struct ike_pld_notify n;
	struct ike_msg m;
	struct buf b;

	cr_assert_lt(idx, H.n);
	buf_init_read(&b, H.q[idx].data, H.q[idx].len);
	cr_assert_eq(ike_msg_parse(&m, &b, &err), 0);
	return ike_msg_find_notify(&m, type, &n);
}

struct h_child *h_child_find(int i, uint32_t spi_in)
{
	for (unsigned int k = 0; k < H.s[i].n_children; k++)
		if (H.s[i].children[k].sa.spi_in == spi_in && !H.s[i].children[k].removed)
			return &H.s[i].children[k];
	return NULL;
}

unsigned int h_children_live(int i)
{
	return H.s[i].n_children - H.s[i].n_removed;
}

static void assert_same_key(const struct secret *a, const struct secret *b, const char *what)
{
	if (!a || !b) {
		cr_assert(!a && !b, "%s: one side has a key, the other none", what);
		return;
	}
	cr_assert_eq(a->len, b->len, "%s: lengths %zu and %zu", what, a->len, b->len);
	cr_assert(memcmp(a->data, b->data, a->len) == 0, "%s differs", what);
}

void h_assert_child_pair(const struct h_child *c0, const struct h_child *c1)
{
	cr_assert(c0 && c1);
	cr_assert_eq(c0->sa.spi_out, c1->sa.spi_in);
	cr_assert_eq(c0->sa.spi_in, c1->sa.spi_out);
	cr_assert_eq(c0->sa.encr, c1->sa.encr);
	cr_assert_eq(c0->sa.encr_bits, c1->sa.encr_bits);
	cr_assert_eq(c0->sa.integ, c1->sa.integ);
	cr_assert_eq(c0->sa.esn, c1->sa.esn);
	cr_assert_eq(c0->sa.udp_encap, c1->sa.udp_encap);
	assert_same_key(c0->enc_out, c1->enc_in, "encryption key 0->1");
	assert_same_key(c0->integ_out, c1->integ_in, "integrity key 0->1");
	assert_same_key(c0->enc_in, c1->enc_out, "encryption key 1->0");
	assert_same_key(c0->integ_in, c1->integ_out, "integrity key 1->0");
	/* The two directions must not share keys. */
	cr_assert(c0->enc_out && c0->enc_in &&
		  memcmp(c0->enc_out->data, c0->enc_in->data, c0->enc_in->len) != 0);
}

void h_assert_esp_works(const struct h_child *c0, const struct h_child *c1)
{
	static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 1, 0, 1};
	struct esp_sa_params po, pi;
	struct esp_sa *out = NULL, *in = NULL;
	struct esp_sad *sad = esp_sad_new();
	struct esp_result res;
	struct pkt_ip4 ip;
	uint8_t mem[2048];
	struct buf b;

	cr_assert(sad);
	cr_assert_eq(ike_child_sa_esp_params(&c0->sa, ESP_DIR_OUT, &po), 0);
	cr_assert_eq(ike_child_sa_esp_params(&c1->sa, ESP_DIR_IN, &pi), 0);
	cr_assert_eq(esp_sa_new(&out, &po), 0);
	cr_assert_eq(esp_sa_new(&in, &pi), 0);
	cr_assert_eq(esp_sad_add(sad, in), 0);
	cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), 64, 0), 0);
	cr_assert_eq(pkt_icmp4_echo(&b, src, dst, 7, 1, 56), 0);
	cr_assert_eq(esp_encap(out, &b, NULL, &res), 0, "encap: %s", esp_drop_name(res.drop));
	cr_assert_eq(esp_decap(sad, &b, NULL, &res), 0, "decap: %s", esp_drop_name(res.drop));
	cr_assert_eq(pkt_ip4_parse(buf_data(&b), buf_left(&b), &ip), 0);
	cr_assert_eq(ip.icmp_seq, 1);
	esp_sa_free(out);
	esp_sad_free(sad);
}

unsigned int h_log_count(const char *needle)
{
	unsigned int n = 0;
	char line[1024];

	fflush(log_file);
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file))
		n += strstr(line, needle) != NULL;
	fseek(log_file, 0, SEEK_END);
	return n;
}

bool h_log_contains(const char *needle)
{
	char *buf;
	long len;
	bool found;

	fflush(log_file);
	len = ftell(log_file);
	buf = calloc(1, (size_t)len + 1);
	cr_assert(buf);
	rewind(log_file);
	cr_assert_eq(fread(buf, 1, (size_t)len, log_file), (size_t)len);
	fseek(log_file, 0, SEEK_END);
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

void h_keylog_enable(void)
{
	snprintf(keylog_dir, sizeof(keylog_dir), "/tmp/vgt-h-XXXXXX");
	cr_assert(mkdtemp(keylog_dir));
	ike_engine_set_keylog(H.s[0].e, keylog_dir);
}

/* A hex field of a key log line into a secret (NULL for an empty field). */
static struct secret *hex_field(const char *p, size_t n)
{
	struct secret *s;

	if (n == 0)
		return NULL;
	s = secret_new(n / 2);
	cr_assert(s);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		cr_assert_eq(sscanf(p + 2 * i, "%2x", &v), 1);
		s->data[i] = (uint8_t)v;
	}
	return s;
}

static const struct {
	const char *name;
	uint16_t encr, bits, integ;
} ws_algs[] = {
	{"\"AES-CBC-256 [RFC3602]\"", IKE_ENCR_AES_CBC, 256, 0},
	{"\"AES-CBC-128 [RFC3602]\"", IKE_ENCR_AES_CBC, 128, 0},
	{"\"AES-GCM-256 with 16 octet ICV [RFC5282]\"", IKE_ENCR_AES_GCM_16, 256, 0},
	{"\"AES-GCM-128 with 16 octet ICV [RFC5282]\"", IKE_ENCR_AES_GCM_16, 128, 0},
	{"\"HMAC_SHA2_384_192 [RFC4868]\"", 0, 0, IKE_INTEG_HMAC_SHA2_384_192},
	{"\"HMAC_SHA2_256_128 [RFC4868]\"", 0, 0, IKE_INTEG_HMAC_SHA2_256_128},
	{"\"NONE [RFC4306]\"", 0, 0, IKE_INTEG_NONE},
};

/* The SK keys of the IKE SA with these SPIs, the sending direction from_i's, from the key log. */
static struct ike_sk *sk_from_keylog(uint64_t spi_i, uint64_t spi_r, bool from_i)
{
	char path[128], line[1024], prefix[40];
	struct ike_sk *sk = NULL;
	bool found = false;
	FILE *f;

	cr_assert(keylog_dir[0], "h_keylog_enable first");
	snprintf(path, sizeof(path), "%s/ikev2_decryption_table", keylog_dir);
	snprintf(prefix, sizeof(prefix), "%016llx,%016llx,", (unsigned long long)spi_i,
		 (unsigned long long)spi_r);
	f = fopen(path, "r");
	cr_assert(f, "no key log");
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	cr_assert(found, "no keys logged for SPIs %s", prefix);
	{
		/* SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ" */
		char *fld[8], *save = NULL, *p = line;
		uint16_t encr = 0, bits = 0, integ = 0;
		struct secret *ke, *ka;
		int nf = 0;

		line[strcspn(line, "\n")] = 0;
		for (char *t = p; nf < 8; t = NULL) {
			char *x = strtok_r(t, ",", &save);

			if (!x)
				break;
			fld[nf++] = x;
		}
		/* strtok_r skips empty fields: AEAD lines have no SK_a* (6 fields). */
		cr_assert(nf == 8 || nf == 6, "key log line has %d fields", nf);
		for (size_t i = 0; i < sizeof(ws_algs) / sizeof(ws_algs[0]); i++) {
			if (strcmp(fld[4], ws_algs[i].name) == 0) {
				encr = ws_algs[i].encr;
				bits = ws_algs[i].bits;
			}
			if (strcmp(fld[nf - 1], ws_algs[i].name) == 0)
				integ = ws_algs[i].integ;
		}
		cr_assert(encr, "unknown cipher %s", fld[4]);
		ke = hex_field(fld[from_i ? 2 : 3], strlen(fld[from_i ? 2 : 3]));
		ka = nf == 8 ? hex_field(fld[from_i ? 5 : 6], strlen(fld[from_i ? 5 : 6])) : NULL;
		cr_assert_eq(ike_sk_new(&sk, encr, bits, integ, ke, ka), 0);
		secret_free(ke);
		secret_free(ka);
	}
	return sk;
}

void h_decrypt(unsigned int idx, struct ike_msg *m)
{
	static uint8_t plain_mem[H_PKT_MAX];
	struct ike_hdr h = h_hdr(idx);
	struct ike_parse_err err;
	struct ike_sk *sk = sk_from_keylog(h.spi_i, h.spi_r, h.flags & IKE_FLAG_I);
	struct buf b, plain;

	buf_init_read(&b, H.q[idx].data, H.q[idx].len);
	cr_assert_eq(ike_msg_parse(m, &b, &err), 0);
	buf_init_write(&plain, plain_mem, sizeof(plain_mem));
	cr_assert_eq(ike_msg_decrypt(m, sk, &plain, &err), 0, "the key log does not open it");
	ike_sk_free(sk);
}

bool h_inner_notify(unsigned int idx, uint16_t type)
{
	struct ike_pld_notify n;
	struct ike_msg m;

	h_decrypt(idx, &m);
	return ike_msg_find_notify(&m, type, &n);
}

void h_forge(int from, const struct ike_hdr *h, void (*add)(struct ike_msg_writer *w, void *arg),
	     void *arg)
{
	struct ike_sk *sk = sk_from_keylog(h->spi_i, h->spi_r, h->flags & IKE_FLAG_I);
	struct ike_msg_writer w;
	struct h_pkt *p;
	struct buf b;

	cr_assert_lt(H.n, H_MAX_PKTS);
	p = &H.q[H.n];
	buf_init_write(&b, p->data, sizeof(p->data));
	ike_msg_write_begin(&w, &b, h);
	cr_assert_eq(ike_msg_write_sk_begin(&w, sk), 0);
	add(&w, arg);
	cr_assert_eq(ike_msg_write_end(&w), 0);
	ike_sk_free(sk);
	p->from = from;
	p->len = buf_left(&b);
	memmove(p->data, buf_data(&b), p->len);
	p->ep = (struct ike_endpoint){.local = H.s[from].cfg.local,
				      .peer = H.s[from].cfg.peer,
				      .local_port = IKE_PORT,
				      .peer_port = IKE_PORT};
	H.n++;
}
