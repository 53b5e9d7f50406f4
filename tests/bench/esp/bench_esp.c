/* SPDX-License-Identifier: MIT */
/*
 * ESP throughput on one core, one thread: esp_encap and esp_decap for inner packets of 64, 512
 * and 1400 bytes with AES-GCM-128, AES-GCM-256 and AES-256-CBC + HMAC-SHA-256-128, next to
 * raw OpenSSL EVP doing the same cryptographic work on the same bytes with prepared contexts
 * (GCM: nonce + AAD + encrypt + tag; CBC: encrypt + HMAC via EVP_MAC), and the ratios.
 *
 * Packets are processed in batches of BATCH; preparing a batch (restoring the inner packets) is
 * not timed, and decap works on the packets the timed encap just made. The four measurements
 * of a cell interleave batch by batch; a cell runs ~2 s (0.5 s each).
 * Prints figures only, never pass/fail. Usage: build/bench/esp [seconds-per-cell]
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp/esp.h"
#include "esp/sad.h"

#define BATCH 128
#define SLOT  2048
#define HEAD  64

struct alg {
	const char *name;
	enum esp_enc enc;
	size_t enc_len; /* with GCM's salt */
	enum esp_integ integ;
};

static const struct alg algs[] = {
	{"AES-GCM-128", ESP_ENC_AES_GCM_16, 20, ESP_INTEG_NONE},
	{"AES-GCM-256", ESP_ENC_AES_GCM_16, 36, ESP_INTEG_NONE},
	{"AES-CBC-256+SHA256", ESP_ENC_AES_CBC, 32, ESP_INTEG_HMAC_SHA2_256_128},
};
static const size_t sizes[] = {64, 512, 1400};

static uint8_t key_bytes[64];
static uint8_t slots[BATCH][SLOT];
static struct buf bufs[BATCH];
static double cell_seconds = 2.0; /* all four measurements: ~0.5 s each */

/*
 * CPU time of this thread: time the scheduler gives to other processes on a shared machine is
 * not counted (their cache and frequency effects still are).
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench esp: %s failed\n", what);
	exit(1);
}

static struct esp_sa *sa_make(const struct alg *a, enum esp_dir dir, uint32_t spi)
{
	struct secret *ek = secret_dup(key_bytes, a->enc_len);
	struct secret *ik = a->integ ? secret_dup(key_bytes + 32, 32) : NULL;
	struct esp_sa_params p = {.spi = spi,
				  .dir = dir,
				  .enc = a->enc,
				  .integ = a->integ,
				  .enc_key = ek,
				  .integ_key = ik};
	struct esp_sa *sa;

	if (esp_sa_new(&sa, &p) < 0)
		die("esp_sa_new");
	secret_free(ek);
	secret_free(ik);
	return sa;
}

/* Fill the batch with inner IPv4 packets of len bytes. */
static void batch_inner(size_t len)
{
	size_t i;

	for (i = 0; i < BATCH; i++) {
		memset(slots[i] + HEAD, (int)i, len);
		slots[i][HEAD] = 0x45;
		slots[i][HEAD + 2] = (uint8_t)(len >> 8);
		slots[i][HEAD + 3] = (uint8_t)len;
		buf_init_room(&bufs[i], slots[i], SLOT, HEAD, len);
	}
}

/* ---- raw EVP ------------------------------------------------------------------------------- */

struct raw {
	EVP_CIPHER_CTX *enc, *dec;
	EVP_MAC_CTX *mac;
	bool gcm;
	size_t pt_len;
};

static void raw_open(struct raw *r, const struct alg *a, size_t len)
{
	const EVP_CIPHER *c = a->enc == ESP_ENC_AES_GCM_16
				      ? (a->enc_len == 20 ? EVP_aes_128_gcm() : EVP_aes_256_gcm())
				      : EVP_aes_256_cbc();

	memset(r, 0, sizeof(*r));
	r->gcm = a->enc == ESP_ENC_AES_GCM_16;
	/* The same bytes our encap encrypts: inner packet, minimal padding, 2-byte trailer. */
	r->pt_len = r->gcm ? (len + 2 + 3) / 4 * 4 : (len + 2 + 15) / 16 * 16;
	r->enc = EVP_CIPHER_CTX_new();
	r->dec = EVP_CIPHER_CTX_new();
	if (!r->enc || !r->dec || EVP_EncryptInit_ex(r->enc, c, NULL, key_bytes, NULL) != 1 ||
	    EVP_DecryptInit_ex(r->dec, c, NULL, key_bytes, NULL) != 1)
		die("EVP init");
	EVP_CIPHER_CTX_set_padding(r->enc, 0);
	EVP_CIPHER_CTX_set_padding(r->dec, 0);
	if (!r->gcm) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
									(char *)"SHA256", 0),
				       OSSL_PARAM_construct_end()};

		r->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		if (!r->mac || EVP_MAC_init(r->mac, key_bytes + 32, 32, params) != 1)
			die("EVP_MAC init");
	}
}

static void raw_close(struct raw *r)
{
	EVP_CIPHER_CTX_free(r->enc);
	EVP_CIPHER_CTX_free(r->dec);
	EVP_MAC_CTX_free(r->mac);
}

/* Packet layout in a slot: 8 header bytes, IV (8 or 16), pt_len bytes, ICV (16). */
static void raw_seal_one(struct raw *r, uint8_t *p, uint64_t seq)
{
	static const uint8_t nonce_salt[4] = {1, 2, 3, 4};
	uint8_t nonce[12], *iv = p + 8, *pt = p + 8 + (r->gcm ? 8 : 16), *icv = pt + r->pt_len;
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen;
	int n;

	memcpy(iv, &seq, 8);
	if (r->gcm) {
		memcpy(nonce, nonce_salt, 4);
		memcpy(nonce + 4, iv, 8);
		if (EVP_EncryptInit_ex(r->enc, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_EncryptUpdate(r->enc, NULL, &n, p, 8) != 1 ||
		    EVP_EncryptUpdate(r->enc, pt, &n, pt, (int)r->pt_len) != 1 ||
		    EVP_EncryptFinal_ex(r->enc, pt + r->pt_len, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(r->enc, EVP_CTRL_GCM_GET_TAG, 16, icv) != 1)
			die("raw GCM seal");
		return;
	}
	memcpy(iv + 8, &seq, 8);
	if (EVP_EncryptInit_ex(r->enc, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(r->enc, pt, &n, pt, (int)r->pt_len) != 1 ||
	    EVP_EncryptFinal_ex(r->enc, pt + r->pt_len, &n) != 1 ||
	    EVP_MAC_init(r->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(r->mac, p, 8 + 16 + r->pt_len) != 1 ||
	    EVP_MAC_final(r->mac, md, &mdlen, sizeof(md)) != 1)
		die("raw CBC+HMAC seal");
	memcpy(icv, md, 16);
}

static void raw_open_one(struct raw *r, uint8_t *p)
{
	static const uint8_t nonce_salt[4] = {1, 2, 3, 4};
	uint8_t nonce[12], *iv = p + 8, *ct = p + 8 + (r->gcm ? 8 : 16), *icv = ct + r->pt_len;
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen;
	int n;

	if (r->gcm) {
		memcpy(nonce, nonce_salt, 4);
		memcpy(nonce + 4, iv, 8);
		if (EVP_DecryptInit_ex(r->dec, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_DecryptUpdate(r->dec, NULL, &n, p, 8) != 1 ||
		    EVP_DecryptUpdate(r->dec, ct, &n, ct, (int)r->pt_len) != 1 ||
		    EVP_CIPHER_CTX_ctrl(r->dec, EVP_CTRL_GCM_SET_TAG, 16, icv) != 1 ||
		    EVP_DecryptFinal_ex(r->dec, ct + r->pt_len, &n) != 1)
			die("raw GCM open");
		return;
	}
	if (EVP_MAC_init(r->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(r->mac, p, 8 + 16 + r->pt_len) != 1 ||
	    EVP_MAC_final(r->mac, md, &mdlen, sizeof(md)) != 1 || CRYPTO_memcmp(md, icv, 16) != 0)
		die("raw CBC+HMAC verify");
	if (EVP_DecryptInit_ex(r->dec, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(r->dec, ct, &n, ct, (int)r->pt_len) != 1 ||
	    EVP_DecryptFinal_ex(r->dec, ct + r->pt_len, &n) != 1)
		die("raw CBC open");
}

struct cell {
	double encap, decap, seal, open; /* packets per second */
};

/*
 * One cell. The four measurements are interleaved batch by batch, so that a neighbour's load
 * (the machine is shared) hits ours and the raw baseline alike and the ratios stay meaningful.
 */
static void bench_cell(const struct alg *a, size_t len, struct cell *c)
{
	struct esp_sa *out = sa_make(a, ESP_DIR_OUT, 0x1000);
	struct esp_sad *sad = esp_sad_new();
	double t_enc = 0, t_dec = 0, t_seal = 0, t_open = 0, t;
	struct esp_result res;
	struct raw r;
	long packets = 0;
	uint64_t seq = 0;
	size_t i;

	if (!sad || esp_sad_add(sad, sa_make(a, ESP_DIR_IN, 0x1000)) < 0)
		die("esp_sad_add");
	raw_open(&r, a, len);
	while (t_enc + t_dec + t_seal + t_open < cell_seconds) {
		batch_inner(len);
		t = now();
		for (i = 0; i < BATCH; i++)
			if (esp_encap(out, &bufs[i], NULL, &res) < 0)
				die("esp_encap");
		t_enc += now() - t;
		t = now();
		for (i = 0; i < BATCH; i++)
			if (esp_decap(sad, &bufs[i], NULL, &res) < 0)
				die("esp_decap");
		t_dec += now() - t;

		batch_inner(len);
		t = now();
		for (i = 0; i < BATCH; i++) {
			/* Header as ESP has it: SPI and sequence (the GCM AAD). */
			memcpy(slots[i], &seq, 8);
			raw_seal_one(&r, slots[i], ++seq);
		}
		t_seal += now() - t;
		t = now();
		for (i = 0; i < BATCH; i++)
			raw_open_one(&r, slots[i]);
		t_open += now() - t;
		packets += BATCH;
	}
	raw_close(&r);
	esp_sa_free(out);
	esp_sad_free(sad);
	c->encap = (double)packets / t_enc;
	c->decap = (double)packets / t_dec;
	c->seal = (double)packets / t_seal;
	c->open = (double)packets / t_open;
}

static double gbps(double pps, size_t len)
{
	return pps * (double)len * 8 / 1e9;
}

int main(int argc, char **argv)
{
	size_t a, s;

	if (argc > 1)
		cell_seconds = atof(argv[1]);
	for (s = 0; s < sizeof(key_bytes); s++)
		key_bytes[s] = (uint8_t)(s * 29 + 1);
	printf("ESP throughput, one core, one thread (its CPU time); inner bytes; %.2f s per cell, "
	       "batches of %d\n",
	       cell_seconds, BATCH);
	printf("%-19s %5s | %17s %17s %6s | %17s %17s %6s\n", "", "", "encap", "raw EVP seal", "",
	       "decap", "raw EVP open", "");
	printf("%-19s %5s | %8s %8s %8s %8s %6s | %8s %8s %8s %8s %6s\n", "algorithm", "bytes",
	       "Gbit/s", "Mpps", "Gbit/s", "Mpps", "ratio", "Gbit/s", "Mpps", "Gbit/s", "Mpps",
	       "ratio");
	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t len = sizes[s];
			struct cell c;
			double enc, dec, raw_seal, raw_open_pps;

			bench_cell(&algs[a], len, &c);
			enc = c.encap;
			dec = c.decap;
			raw_seal = c.seal;
			raw_open_pps = c.open;
			printf("%-19s %5zu | %8.2f %8.3f %8.2f %8.3f %5.0f%% | %8.2f %8.3f %8.2f "
			       "%8.3f "
			       "%5.0f%%\n",
			       algs[a].name, len, gbps(enc, len), enc / 1e6, gbps(raw_seal, len),
			       raw_seal / 1e6, 100 * enc / raw_seal, gbps(dec, len), dec / 1e6,
			       gbps(raw_open_pps, len), raw_open_pps / 1e6,
			       100 * dec / raw_open_pps);
			fflush(stdout);
		}
	}
	printf("ratio = ours / raw EVP. Raw CBC+HMAC re-initialises an EVP_MAC per packet, while "
	       "src/crypto\nrestarts precomputed SHA-256 states, so ours can exceed 100%% "
	       "there.\n");
	return 0;
}
