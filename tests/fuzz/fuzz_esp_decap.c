/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the inbound ESP path: the entry points the data plane calls on what the
 * network delivers (esp_decap_raw for the IPv4 raw socket, esp_udp_classify + esp_decap_udp
 * for port 4500, esp_decap for bare ESP). The first input byte selects the framing (bits 0-1:
 * bare, raw, UDP, UDP) and the SA installed under SPI 0x0000c0de (bit 2: AES-GCM-128 with ESN,
 * or AES-256-CBC + HMAC-SHA-256-128 without); the rest is the packet, copied into a heap buffer
 * of exactly its size so the sanitizers see any access beyond it. With bit 3 set, the rest is
 * a next header and a payload that our encap seals first (fuzz_self_seal), to reach the checks
 * behind the ICV. The SA is fresh for every input, so inputs replay deterministically.
 *
 * The seed corpus (tests/fuzz/corpus/fuzz_esp_decap/) holds valid packets made by our encap
 * with the same keys, and truncated, bit-flipped and non-ESP ones. It is regenerated with:
 *   cc -Isrc -Itests -DESP_FUZZ_GEN_CORPUS tests/fuzz/fuzz_esp_decap.c build/libvnetgw.a \
 *      -lcrypto -o /tmp/gen && /tmp/gen tests/fuzz/corpus/fuzz_esp_decap
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp/esp.h"
#include "esp/esp_testing.h"
#include "esp/sad.h"

#define FUZZ_SPI 0x0000c0deu

static const uint8_t gcm_key[20] = {0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda, 0x90, 0x6a,
				    0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34, 0x2e, 0x44, 0x3b, 0x68};
static const uint8_t cbc_key[32] = {1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12, 13, 14, 15, 16,
				    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t hmac_key[32] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				     0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
				     0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
				     0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};

static struct esp_sa *fuzz_sa(bool cbc, enum esp_dir dir)
{
	struct secret *ek =
		cbc ? secret_dup(cbc_key, sizeof(cbc_key)) : secret_dup(gcm_key, sizeof(gcm_key));
	struct secret *ik = cbc ? secret_dup(hmac_key, sizeof(hmac_key)) : NULL;
	struct esp_sa_params p = {.spi = FUZZ_SPI,
				  .dir = dir,
				  .enc = cbc ? ESP_ENC_AES_CBC : ESP_ENC_AES_GCM_16,
				  .integ = cbc ? ESP_INTEG_HMAC_SHA2_256_128 : ESP_INTEG_NONE,
				  .enc_key = ek,
				  .integ_key = ik,
				  .esn = !cbc};
	struct esp_sa *sa = NULL;

	if (esp_sa_new(&sa, &p) < 0)
		abort();
	secret_free(ek);
	secret_free(ik);
	return sa;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Self-sealed mode (bit 3 of the first byte): the second byte is a next header and the rest a
 * payload, which our own encap seals (so the fuzzer reaches the checks behind the ICV: padding,
 * next header, inner packet length) before the same decap entry point opens it. Returns the
 * buffer's capacity; b holds the packet (with an outer IPv4 header for the raw framing).
 */
static size_t fuzz_self_seal(bool cbc, bool raw, const uint8_t *data, size_t n, uint8_t **mem,
			     struct buf *b)
{
	struct esp_sa *out = fuzz_sa(cbc, ESP_DIR_OUT);
	size_t len = n > 1 ? n - 1 : 0, cap = 20 + ESP_HEADROOM_MAX + len + ESP_TAILROOM_MAX;
	uint8_t hdr[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 50};
	struct esp_result res;

	*mem = malloc(cap);
	if (!*mem)
		abort();
	if (len)
		memcpy(*mem + 20 + ESP_HEADROOM_MAX, data + 1, len);
	buf_init_room(b, *mem, cap, 20 + ESP_HEADROOM_MAX, len);
	if (esp_encap_test(out, b, n ? data[0] : 0, NULL, &res) < 0)
		abort();
	if (raw) {
		hdr[2] = (uint8_t)((buf_left(b) + 20) >> 8);
		hdr[3] = (uint8_t)(buf_left(b) + 20);
		if (buf_push_bytes(b, hdr, sizeof(hdr)) < 0)
			abort();
	}
	esp_sa_free(out);
	return cap;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_counters global = {0};
	struct esp_result res;
	struct esp_sad *sad;
	uint8_t *mem, first;
	bool self_sealed;
	struct buf b;
	size_t n, cap;
	int r;

	if (size < 1)
		return 0;
	first = data[0];
	self_sealed = first & 8;
	n = size - 1;
	sad = esp_sad_new();
	if (!sad)
		abort();
	if (self_sealed) {
		cap = fuzz_self_seal(first & 4, (first & 3) == 1, data + 1, n, &mem, &b);
	} else {
		cap = n;
		mem = malloc(n ? n : 1);
		if (!mem)
			abort();
		if (n)
			memcpy(mem, data + 1, n);
		buf_init_room(&b, mem, n, 0, n);
	}
	if (esp_sad_add(sad, fuzz_sa(first & 4, ESP_DIR_IN)) < 0)
		abort();
	switch (first & 3) {
	case 0:
		r = esp_decap(sad, &b, &global, &res);
		break;
	case 1:
		r = esp_decap_raw(sad, &b, &global, &res);
		break;
	default:
		(void)esp_udp_classify(&b);
		r = esp_decap_udp(sad, &b, &global, &res);
		break;
	}
	/* What the caller relies on: a verdict that agrees with itself, counted exactly once. */
	if ((r == 0) != (res.drop == ESP_DROP_NONE))
		abort();
	if (r == 0 && (global.packets != 1 || buf_tail_pos(&b) > cap || buf_left(&b) < 20))
		abort();
	if (r != 0 && (global.drops[res.drop] != 1 || global.packets != 0))
		abort();
	if (self_sealed) {
		/* Our own packet always authenticates, and what comes out is what went in (up to
		 * the inner packet's own length: the rest is TFC padding, RFC 4303 2.7). */
		if (res.drop == ESP_DROP_ICV || res.drop == ESP_DROP_NO_SA ||
		    res.drop == ESP_DROP_TRUNCATED || res.drop == ESP_DROP_BAD_PADDING)
			abort();
		if (r == 0 &&
		    (buf_left(&b) > n - 1 || memcmp(buf_data(&b), data + 2, buf_left(&b))))
			abort();
	}
	esp_sad_free(sad);
	free(mem);
	return 0;
}

#ifdef ESP_FUZZ_GEN_CORPUS
/* The corpus generator (see the top of the file); not part of the fuzz target. */
static void put(const char *dir, const char *name, uint8_t first, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(first, f) == EOF || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* An ESP packet from our encap: inner IP version v, len bytes, next header nh (0: derived). */
static size_t make(bool cbc, int v, size_t len, uint8_t nh, uint8_t *out)
{
	uint8_t mem[2048] = {0}, iv[16] = {0x42};
	struct esp_sa *sa = fuzz_sa(cbc, ESP_DIR_OUT);
	struct esp_result res;
	struct buf b;
	size_t i;

	for (i = 0; i < len; i++)
		mem[64 + i] = (uint8_t)(i * 13);
	mem[64] = v == 4 ? 0x45 : 0x60;
	if (v == 4) {
		mem[66] = (uint8_t)(len >> 8);
		mem[67] = (uint8_t)len;
	} else {
		mem[68] = (uint8_t)((len - 40) >> 8);
		mem[69] = (uint8_t)(len - 40);
	}
	buf_init_room(&b, mem, sizeof(mem), 64, len);
	if ((nh ? esp_encap_test(sa, &b, nh, cbc ? iv : NULL, &res)
		: esp_encap(sa, &b, NULL, &res)) < 0)
		abort();
	memcpy(out, buf_data(&b), buf_left(&b));
	esp_sa_free(sa);
	return buf_left(&b);
}

int main(int argc, char **argv)
{
	static const char *const fr[] = {"bare", "raw", "udp"};
	uint8_t pkt[2048], raw[2100];
	char name[128];
	int cbc, f;

	if (argc != 2)
		return 2;
	for (cbc = 0; cbc <= 1; cbc++) {
		const char *alg = cbc ? "cbc" : "gcm";
		uint8_t sel = (uint8_t)(cbc ? 4 : 0);
		size_t n4 = make(cbc, 4, 84, 0, pkt), cut;

		for (f = 0; f < 3; f++) {
			const uint8_t *p = pkt;
			size_t n = n4;

			if (f == 1) {
				memset(raw, 0, 20);
				raw[0] = 0x45;
				raw[2] = (uint8_t)((n + 20) >> 8);
				raw[3] = (uint8_t)(n + 20);
				raw[8] = 64;
				raw[9] = 50;
				memcpy(raw + 20, pkt, n);
				p = raw;
				n += 20;
			}
			snprintf(name, sizeof(name), "%s-%s-v4-valid", alg, fr[f]);
			put(argv[1], name, (uint8_t)(sel | f), p, n);
			for (cut = 1; cut < n; cut += n / 5 + 1) {
				snprintf(name, sizeof(name), "%s-%s-v4-cut%zu", alg, fr[f], cut);
				put(argv[1], name, (uint8_t)(sel | f), p, cut);
			}
		}
		n4 = make(cbc, 6, 200, 0, pkt);
		snprintf(name, sizeof(name), "%s-bare-v6-valid", alg);
		put(argv[1], name, sel, pkt, n4);
		pkt[n4 / 2] ^= 0x10;
		snprintf(name, sizeof(name), "%s-bare-v6-flipped", alg);
		put(argv[1], name, sel, pkt, n4);
		n4 = make(cbc, 4, 40, 59, pkt);
		snprintf(name, sizeof(name), "%s-bare-dummy", alg);
		put(argv[1], name, sel, pkt, n4);
		n4 = make(cbc, 4, 40, 17, pkt);
		snprintf(name, sizeof(name), "%s-bare-nh17", alg);
		put(argv[1], name, sel, pkt, n4);
		n4 = make(cbc, 6, 60, 4, pkt);
		snprintf(name, sizeof(name), "%s-bare-nh4-v6", alg);
		put(argv[1], name, sel, pkt, n4);
	}
	for (cbc = 0; cbc <= 1; cbc++) {
		/* Self-sealed: next header, then an inner packet (valid IPv4, IPv6, and junk). */
		uint8_t sel = (uint8_t)(8 | (cbc ? 4 : 0)), v4[61] = {4, 0x45, 0, 0, 60},
			v6[61] = {41, 0x60, 0, 0, 0, 0, 20}, junk[9] = {17, 1, 2, 3, 4, 5, 6, 7, 8};

		for (f = 0; f < 3; f++) {
			snprintf(name, sizeof(name), "self-%s-%s-v4", cbc ? "cbc" : "gcm", fr[f]);
			put(argv[1], name, (uint8_t)(sel | f), v4, sizeof(v4));
		}
		snprintf(name, sizeof(name), "self-%s-v6", cbc ? "cbc" : "gcm");
		put(argv[1], name, sel, v6, sizeof(v6));
		snprintf(name, sizeof(name), "self-%s-junk", cbc ? "cbc" : "gcm");
		put(argv[1], name, sel, junk, sizeof(junk));
		snprintf(name, sizeof(name), "self-%s-dummy", cbc ? "cbc" : "gcm");
		v4[0] = 59;
		put(argv[1], name, sel, v4, sizeof(v4));
	}
	put(argv[1], "udp-keepalive", 2, (const uint8_t *)"\xff", 1);
	put(argv[1], "udp-ike", 2, (const uint8_t *)"\0\0\0\0\x11\x22\x33\x44", 8);
	put(argv[1], "udp-runt", 2, (const uint8_t *)"\x12\x34", 2);
	put(argv[1], "empty", 0, NULL, 0);
	return 0;
}
#endif
