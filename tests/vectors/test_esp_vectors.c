/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests for src/esp with the AES-GCM-ESP test cases of draft-mcgrew-gcm-test-01
 * section 4 (RFC 4106 packets, with and without extended sequence numbers): every packet
 * authenticates and decrypts to its plaintext, and our encapsulation of the plaintext, with the
 * vector's sequence number and IV injected, reproduces the packet byte for byte.
 *
 * What the vectors are, honestly:
 * - Their plaintext includes the ESP trailer (padding, pad length, next header). We split it
 *   off, check that the vector's padding is exactly the minimal 1, 2, 3... padding to a 4-byte
 *   boundary that our encap generates (true of every case here; a case that differed would fail
 *   the check below, not be skipped), and let our encap rebuild the trailer.
 * - Every case carries next header 1 (ICMP, a transport-mode payload), even where the payload
 *   is a whole IPv4 packet that tunnel mode would label 4. So the encap comparison goes through
 *   esp_encap_test, which takes the next header from the vector, and the real inbound path
 *   (esp_decap) authenticates and decrypts the packet and then refuses it with
 *   ESP_DROP_BAD_NEXT_HEADER, which is asserted.
 * - In cases 6, 7 and 9 the trailer overwrites the last bytes of the IPv4 packet (its total
 *   length is larger than the payload); irrelevant here, since the inner header is not checked
 *   before the next header refuses the packet.
 * - Case 4 has SPI 0, which RFC 4303 2.1 forbids on the wire: we check that no SA can have it.
 * - Case 15 is AES-GMAC-ESP (RFC 4543, ENCR_NULL_AUTH_AES_GMAC), an algorithm vnetgw does not
 *   offer (SPEC 3); it is not listed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "esp/esp.h"
#include "esp/esp_testing.h"
#include "esp/sad.h"
#include "support/hex.h"

struct esp_kat {
	int tc; /* position in draft-mcgrew-gcm-test-01 section 4 */
	const char *key, *spi, *seq, *nonce, *plaintext, *packet;
};

static const struct esp_kat kats[] = {
	{1, "4c80cdefbb5d10da906ac73c3613a634", "00004321", "8765432100000000",
	 "2e443b684956ed7e3b244cfe",
	 "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000"
	 "00000000045f736970045f7564700373 69700963796265726369747902646b00"
	 "0021000101020201",
	 "00004321000000004956ed7e3b244cfe fecf537e729d5b07dc30df528dd22b76"
	 "8d1b98736696a6fd348509fa13ceac34 cfa2436f14a3f3cf65925bf1f4a13c5d"
	 "15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72"
	 "2fd04796562dfdb4"},
	{2, "feffe9928665731c6d6a8f9467308308", "0000a5f8", "0000000a", "cafebabefacedbaddecaf888",
	 "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100"
	 "00010000000000000373697009637962 65726369747902646b00000100010001",
	 "0000a5f80000000afacedbaddecaf888 deb22cd9b07c72c16e3a65beeb8df304"
	 "a5a5897d33ae530f1ba76d5d114d2a5c 3de81827c10e9a4f51330d0eec416642"
	 "cfbb85a5b47e48a4ec3b9ba95d918bd1 83b70d3aa8bc6ee4c309e9d85a41ad4a"},
	{3, "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "4a2cbfe3",
	 "00000002", "112233440102030405060708",
	 "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000"
	 "7002400020bf0000020405b401010402 01020201",
	 "4a2cbfe3000000020102030405060708 ff425c9b724599df7a3bcd510194e00d"
	 "6a78107f1b0b1cbf06efae9d65a5d763 748a637985771d347f0545659f14e99d"
	 "ef842d8eb335f4eecfdbf831824b4c49 15956c96"},
	{4, "00000000000000000000000000000000", "00000000", "00000001", "000000000000000000000000",
	 "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364"
	 "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	 "00000000000000010000000000000000 4688daf2f973a392732909c331d56d60"
	 "f694abaa414b5e7ff5fdcdfff5e9a284 456476492719ffb64de7d9dca1e1d894"
	 "bc3bd57873ed4d181d19d4d5c8c18af3 f821d496eeb096e98ad2b69e4799c71d"},
	{5, "3de09874b388e6491988d0c3607eae1f", "42f67e3f", "1010101010101010",
	 "57690e434e280000a2fca1a3",
	 "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364"
	 "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	 "42f67e3f101010104e280000a2fca1a3 fba2caa4853cf9f0f22cb10d86dd83b0"
	 "fec75691cf1a04b00d1138ec9c357917 65acbd8701ad79845bf9fe3fba487bc9"
	 "1755e6662b4c8d0d1f5e22739530320a e0d731cc978ecafaeae88f00e80d6e48"},
	{6, "3de09874b388e6491988d0c3607eae1f", "42f67e3f", "1010101010101010",
	 "57690e434e280000a2fca1a3", "4500001c42a200008001441f406793b6 e00000020a00f5ff01020201",
	 "42f67e3f101010104e280000a2fca1a3 fba2ca845e5df9f0f22c3e6e86dd831e"
	 "1fc65792cd1af9130e1379ed369f071f 35e034be95f112e4e7d05d35"},
	{7, "feffe9928665731c6d6a8f9467308308 feffe9928665731c", "0000a5f8", "0000000a",
	 "cafebabefacedbaddecaf888",
	 "45000028a4ad4000400678800a01038f 0a010612802306b8cb712602dd6bb03e 501016d075680001",
	 "0000a5f80000000afacedbaddecaf888 a5b1f8066029aea40e598b8122de0242"
	 "0938b3ab33f828e687b8858b5bfbdbd0 315b27452144cc7795457b9652037f53"
	 "18027b5b4cd7a636"},
	{8, "abbccddef00112233445566778899aab", "00000100", "0000000000000001",
	 "decaf888cafedebaceface74",
	 "4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5"
	 "00004e20001e8c18d75b81dc91baa047 6b91b924b280389d92c963bac046ec95"
	 "9b6266c04722b14923010101",
	 "0000010000000001cafedebaceface74 18a6fd42f72cbf4ab2a2ea901f73d814"
	 "e3e7f243d95412e1c349c1d2fbec168f 9190feebaf2cb01984e65863965d7472"
	 "b79da345e0e780191f0d2f0e0f496c22 6f2127b27db35724e7845d68651f57e6"
	 "5f354f75ff17015769623436"},
	{9, "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "17405e67",
	 "156f3126dd0db99b", "73616c74616e640169766563",
	 "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602 50101f646d540001",
	 "17405e67dd0db99b616e640169766563 f2d69ecdbd5a0d5b8d5ef38bad4da58d"
	 "1f278fde98ef67549d524a3018d9a57f f4d3a31ce673119e451626c2415771e3"
	 "b7eebca614c89b35"},
	{10, "3de09874b388e6491988d0c3607eae1f", "42f67e3f", "1010101010101010",
	 "57690e434e280000a2fca1a3",
	 "45000049333e00007f119182c3fb1d10 c2b1d326c02831ce0035cb458003025b"
	 "000001e0001e8c18d65759d52284a035 2c71475c8880391c764d6e5ee0496b32"
	 "5ae270c03899493915010101",
	 "42f67e3f101010104e280000a2fca1a3 fba2cad12fc1f9f00d3cebf305410db8"
	 "3d7784b607323d220f24b0a97d541828 00cadb0f68d99ef0e0c0c89ae9bea888"
	 "4e52d65bc1afd0740f742444747b5b39 ab533163aad4550ee5160975cdb608c5"
	 "769189609763b8e18caa81e2"},
	{11, "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "17405e67",
	 "156f3126dd0db99b", "73616c74616e640169766563",
	 "636973636f0172756c65730174686501 6e6574776501646566696e6501746865"
	 "746563686e6f6c6f6769657301746861 7477696c6c01646566696e65746f6d6f"
	 "72726f7701020201",
	 "17405e67dd0db99b616e640169766563 d4b7ed86a1777f2ea13d6973d324c69e"
	 "7b43f826fb56831226508bebd2dceb18 d0a6df10e5487df074113e14c641024e"
	 "3e6773d91a62ee429b043a10e3efe6b0 12a49363412364f8c0cac587f249e56b"
	 "11e24f30e44ccc76"},
	{12, "7d773d00c144c525ac619d18c84a3f47", "335467ae", "ffffffff", "d966426743457e9182443bc6",
	 "01020201", "335467aeffffffff43457e9182443bc6 437f866bcb3f699fe9b0822bac961c45 04bef270"},
	{13, "abbccddef00112233445566778899aab", "00000100", "0000000000000001",
	 "decaf888cafedebaceface74", "746f016265016f72016e6f7401746f01 62650001",
	 "0000010000000001cafedebaceface74 29c9fc69a197d038ccdd14e2ddfcaa05"
	 "43332164412503524303ed3c6c5f2838 43af8c3e"},
	{14, "6c6567616c697a656d6172696a75616e 61616e64646f69746265666f72656961", "796b6963",
	 "ffffffffffffffff", "7475726e333021696765746d",
	 "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
	 "65666768696a6b6c6d6e6f7071727374 01020201",
	 "796b6963ffffffff333021696765746d f97ab2aa356d8edce17644ac8c78e25d"
	 "d24dedbb29ebf1b64a274b39b49c3a86 4cd3d78ca4ae68a32b42458fb57dbe82"
	 "1dcc63b9d0937ba2945f669368661a32 9fb4c053"},
	{16, "3de09874b388e6491988d0c3607eae1f", "3f7ef642", "1010101010101010",
	 "57690e434e280000a2fca1a3",
	 "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
	 "65666768696a6b6c6d6e6f7071727374 01020201",
	 "3f7ef642101010104e280000a2fca1a3 fba2caa8c6c5f9f0f22ca54a061210ad"
	 "3f6e5791cf1aca210d117cec9c357917 65acbd8701ad79845bf9fe3fba487bc9"
	 "6321930684eecadb56912546e7a95c97 40d7cb05"},
	{17, "4c80cdefbb5d10da906ac73c3613a634", "00004321", "8765432100000007",
	 "22433c644855ec7d3a234bfd",
	 "0800c6cd020007006162636465666768 696a6b6c6d6e6f707172737401020201",
	 "00004321000000074855ec7d3a234bfd 74752e8aeb5d873cd7c0f4acc36c4bff"
	 "84b7d7b98f0ca8b6acda6894bc619069 ef9cbc28fe1b56a7c4e0d58c86cd2bc0"},
};
#define NKATS (sizeof(kats) / sizeof(kats[0]))

/* A vector decoded: the SA parameters and the byte strings. */
struct kat {
	const struct esp_kat *k;
	uint32_t spi;
	uint64_t seq;
	bool esn;
	struct secret *key; /* AES key ‖ salt (RFC 4106 8.1) */
	uint8_t *iv, *pt, *pkt;
	size_t pt_len, pkt_len;
};

static uint64_t be_bytes(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void kat_load(struct kat *t, const struct esp_kat *k)
{
	size_t key_len, nonce_len, spi_len, seq_len;
	uint8_t *key = hex_decode(k->key, &key_len), *nonce = hex_decode(k->nonce, &nonce_len),
		*spi = hex_decode(k->spi, &spi_len), *seq = hex_decode(k->seq, &seq_len);

	memset(t, 0, sizeof(*t));
	t->k = k;
	t->spi = (uint32_t)be_bytes(spi, 4);
	/* "seq: the ESP Sequence Number field, if 4 octets, or the ESN, if 8" (draft section 4) */
	t->esn = seq_len == 8;
	t->seq = be_bytes(seq, seq_len);
	cr_assert_eq(spi_len, 4);
	cr_assert_eq(nonce_len, 12);
	t->key = secret_new(key_len + 4);
	memcpy(t->key->data, key, key_len);
	memcpy(t->key->data + key_len, nonce, 4); /* nonce = salt ‖ IV (RFC 4106 4) */
	t->iv = malloc(8);
	memcpy(t->iv, nonce + 4, 8);
	t->pt = hex_decode(k->plaintext, &t->pt_len);
	t->pkt = hex_decode(k->packet, &t->pkt_len);
	free(key);
	free(nonce);
	free(spi);
	free(seq);
}

static void kat_free(struct kat *t)
{
	secret_free(t->key);
	free(t->iv);
	free(t->pt);
	free(t->pkt);
}

static int kat_sa(const struct kat *t, enum esp_dir dir, struct esp_sa **sa)
{
	struct esp_sa_params p = {.spi = t->spi,
				  .dir = dir,
				  .enc = ESP_ENC_AES_GCM_16,
				  .integ = ESP_INTEG_NONE,
				  .enc_key = t->key,
				  .esn = t->esn};

	return esp_sa_new(sa, &p);
}

Test(esp_vectors, packets_decrypt_to_their_plaintext)
{
	size_t i;

	for (i = 0; i < NKATS; i++) {
		uint8_t mem[256];
		struct kat t;
		struct esp_sa *sa;
		struct buf b;

		kat_load(&t, &kats[i]);
		if (t.spi < 256) {
			cr_assert_eq(kat_sa(&t, ESP_DIR_IN, &sa), -EINVAL, "case %d: SPI %u",
				     t.k->tc, t.spi);
			kat_free(&t);
			continue;
		}
		cr_assert_eq(kat_sa(&t, ESP_DIR_IN, &sa), 0, "case %d", t.k->tc);
		memcpy(mem, t.pkt, t.pkt_len);
		cr_assert_eq(buf_init_room(&b, mem, t.pkt_len, 0, t.pkt_len), 0);
		cr_assert_eq(esp_open_test(sa, &b, t.seq), 0, "case %d: ICV", t.k->tc);
		cr_assert(buf_equal_mem(&b, t.pt, t.pt_len), "case %d: plaintext differs", t.k->tc);
		/* The wrong high half of an ESN (or a wrong number) fails authentication. */
		memcpy(mem, t.pkt, t.pkt_len);
		buf_init_room(&b, mem, t.pkt_len, 0, t.pkt_len);
		cr_assert_eq(esp_open_test(sa, &b, t.seq ^ (t.esn ? 1ull << 32 : 1)), -EBADMSG,
			     "case %d", t.k->tc);
		esp_sa_free(sa);
		kat_free(&t);
	}
}

Test(esp_vectors, decap_authenticates_then_refuses_transport_next_header)
{
	size_t i;
	int checked = 0;

	for (i = 0; i < NKATS; i++) {
		uint8_t mem[256];
		struct esp_counters g = {0};
		struct esp_result res;
		struct esp_sad *sad;
		struct esp_sa *sa;
		struct kat t;
		struct buf b;

		kat_load(&t, &kats[i]);
		if (t.spi < 256) { /* case 4; see packets_decrypt_to_their_plaintext */
			kat_free(&t);
			continue;
		}
		sad = esp_sad_new();
		cr_assert_eq(kat_sa(&t, ESP_DIR_IN, &sa), 0);
		cr_assert_eq(esp_sad_add(sad, sa), 0);
		/* The receiver has seen the packet before this one, so ESN inference (RFC 4303
		 * A2.2) must recover the vector's high half from the low half on the wire. */
		if (t.seq > 1)
			esp_sa_test_mark_received(sa, t.seq - 1);
		memcpy(mem, t.pkt, t.pkt_len);
		buf_init_room(&b, mem, t.pkt_len, 0, t.pkt_len);
		cr_assert_eq(esp_decap(sad, &b, &g, &res), -EPROTO, "case %d", t.k->tc);
		cr_assert_eq(res.drop, ESP_DROP_BAD_NEXT_HEADER, "case %d: %s", t.k->tc,
			     esp_drop_name(res.drop));
		cr_assert_eq(res.seq, t.seq, "case %d: inferred %#" PRIx64, t.k->tc, res.seq);
		cr_assert_eq(esp_sa_counters(sa)->drops[ESP_DROP_BAD_NEXT_HEADER], 1);
		cr_assert_eq(g.drops[ESP_DROP_BAD_NEXT_HEADER], 1);
		esp_sad_free(sad);
		kat_free(&t);
		checked++;
	}
	cr_assert_eq(checked, (int)NKATS - 1);
}

Test(esp_vectors, encap_reproduces_packets)
{
	size_t i;

	for (i = 0; i < NKATS; i++) {
		uint8_t mem[512];
		struct esp_result res;
		struct esp_sa *sa;
		struct kat t;
		struct buf b;
		size_t pad_len, payload_len, minimal, j;
		uint8_t nh;

		kat_load(&t, &kats[i]);
		if (t.spi < 256) {
			cr_assert_eq(kat_sa(&t, ESP_DIR_OUT, &sa), -EINVAL);
			kat_free(&t);
			continue;
		}
		/* Split the vector's plaintext into payload and trailer (RFC 4303 2). */
		nh = t.pt[t.pt_len - 1];
		pad_len = t.pt[t.pt_len - 2];
		cr_assert(pad_len + 2 <= t.pt_len);
		payload_len = t.pt_len - 2 - pad_len;
		for (j = 0; j < pad_len; j++)
			cr_assert_eq(t.pt[payload_len + j], j + 1, "case %d: padding", t.k->tc);
		minimal = (4 - (payload_len + 2) % 4) % 4;
		cr_assert_eq(pad_len, minimal,
			     "case %d pads %zu bytes where minimal padding is %zu: our encap "
			     "cannot reproduce it",
			     t.k->tc, pad_len, minimal);
		cr_assert_eq(nh, 1, "case %d: all published cases carry next header 1", t.k->tc);

		cr_assert_eq(kat_sa(&t, ESP_DIR_OUT, &sa), 0);
		esp_sa_test_set_seq(sa, t.seq - 1);
		cr_assert_eq(buf_init_room(&b, mem, sizeof(mem), 64, payload_len), 0);
		memcpy(mem + 64, t.pt, payload_len);
		cr_assert_eq(esp_encap_test(sa, &b, nh, t.iv, &res), 0, "case %d: %s", t.k->tc,
			     esp_drop_name(res.drop));
		cr_assert_eq(res.seq, t.seq);
		cr_assert(buf_equal_mem(&b, t.pkt, t.pkt_len), "case %d: packet differs", t.k->tc);
		esp_sa_free(sa);
		kat_free(&t);
	}
}
