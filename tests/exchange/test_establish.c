/* SPDX-License-Identifier: MIT */
/*
 * Establishment, message by message: IKE_SA_INIT and IKE_AUTH between our initiator and our
 * responder for each proposal of issue 3's matrix, with INVALID_KE_PAYLOAD and COOKIE detours,
 * checking that both sides installed the two ends of one CHILD_SA (same keys crosswise) and
 * that ESP really passes with them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "harness.h"
#include "ike/proposal.h"

TestSuite(establish, .init = h_setup, .fini = h_teardown);

static void set_proposal(int side, const char *ike, const char *esp)
{
	struct ike_policy *p = &H.s[side].cfg.policy;

	p->ike.propose.n = 1;
	cr_assert_eq(ike_suite_parse(&p->ike.propose.s[0], IKE_PROTO_IKE, ike), 0, "%s", ike);
	p->esp.propose.n = 1;
	cr_assert_eq(ike_suite_parse(&p->esp.propose.s[0], IKE_PROTO_ESP, esp), 0, "%s", esp);
}

/* The four messages of IKE_SA_INIT + IKE_AUTH, each checked as it passes. */
static void establish_stepwise(void)
{
	struct ike_hdr h;

	h_start();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(h.flags, IKE_FLAG_I);
	cr_assert_eq(h.msgid, 0);
	cr_assert_eq(h.spi_r, 0);
	cr_assert_neq(h.spi_i, 0);
	cr_assert_eq(H.q[0].ep.local_port, IKE_PORT);
	cr_assert_eq(H.q[0].ep.peer_port, IKE_PORT);
	cr_assert(h_has_notify(0, IKE_N_NAT_DETECTION_SOURCE_IP));
	cr_assert(h_has_notify(0, IKE_N_NAT_DETECTION_DESTINATION_IP));

	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(H.q[0].from, 1);
	cr_assert_eq(h.exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(h.flags, IKE_FLAG_R);
	cr_assert_neq(h.spi_r, 0);

	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(H.q[0].from, 0);
	cr_assert_eq(h.exchange, IKE_EXCH_AUTH);
	cr_assert_eq(h.msgid, 1);
	cr_assert_eq(h.next, IKE_PLD_SK, "IKE_AUTH must be encrypted");
	cr_assert_eq(H.q[0].ep.peer_port, IKE_PORT, "no NAT: no floating");

	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_AUTH);
	cr_assert_eq(h.flags, IKE_FLAG_R);
	cr_assert_eq(h.msgid, 1);

	h_deliver();
	cr_assert_eq(H.n, 0);
}

static void assert_connected(void)
{
	struct ike_conn_info i0, i1;

	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "side 0: %s", H.s[0].reason);
	cr_assert_eq(H.s[1].status, IKE_CONN_CONNECTED, "side 1: %s", H.s[1].reason);
	cr_assert_eq(ike_engine_conn_info(H.s[0].e, H.s[0].cfg.name, &i0), 0);
	cr_assert_eq(ike_engine_conn_info(H.s[1].e, H.s[1].cfg.name, &i1), 0);
	cr_assert(i0.established && i1.established);
	cr_assert(i0.initiator && !i1.initiator);
	cr_assert_eq(i0.spi_i, i1.spi_i);
	cr_assert_eq(i0.spi_r, i1.spi_r);
	cr_assert_eq(i0.n_children, 1);
	cr_assert_eq(i1.n_children, 1);
	cr_assert_eq(h_children_live(0), 1);
	cr_assert_eq(h_children_live(1), 1);
}

struct matrix_row {
	const char *ike, *esp;
};

static const struct matrix_row matrix[] = {
	/* 1 */ {"aes256-sha384-ecp384", "aes256gcm16-ecp384"}, /* SPEC §3 default */
	/* 2 */ {"aes128-sha256-modp2048", "aes128gcm16"},
	/* 3 */ {"aes256-sha256-modp2048", "aes256-sha256"},
	/* 4 */ {"aes128gcm16-prfsha256-x25519", "aes128gcm16"},
};

static void run_matrix_row(const struct matrix_row *row)
{
	struct ike_suite ike, esp;
	struct h_child *c0, *c1;
	char fmt[128], line[192];

	set_proposal(0, row->ike, row->esp);
	establish_stepwise();
	assert_connected();
	c0 = &H.s[0].children[0];
	c1 = &H.s[1].children[0];
	h_assert_child_pair(c0, c1);
	cr_assert_eq(ike_suite_parse(&esp, IKE_PROTO_ESP, row->esp), 0);
	cr_assert_eq(c0->sa.encr, esp.encr);
	cr_assert_eq(c0->sa.encr_bits, esp.encr_bits);
	cr_assert_eq(c0->sa.integ, esp.integ);
	cr_assert(!c0->sa.udp_encap);
	cr_assert_eq(c0->sa.lifetime_s, IKE_DEFAULT_CHILD_LIFETIME_S);
	cr_assert_eq(c0->sa.lifetime_bytes, IKE_DEFAULT_CHILD_LIFETIME_KB * 1024);
	h_assert_esp_works(c0, c1);
	h_assert_esp_works(c1, c0);
	/* The responder chose exactly the initiator's suite, and says so. */
	cr_assert_eq(ike_suite_parse(&ike, IKE_PROTO_IKE, row->ike), 0);
	ike_suite_format(&ike, IKE_PROTO_IKE, fmt, sizeof(fmt));
	snprintf(line, sizeof(line), "IKE_SA_INIT answered, %s", fmt);
	cr_assert(h_log_contains(line), "log lacks '%s'", line);
	cr_assert(h_log_contains("AUTH_SENT -> ESTABLISHED"));
	cr_assert(h_log_contains("INIT_DONE -> ESTABLISHED"));
}

Test(establish, matrix_1_default)
{
	run_matrix_row(&matrix[0]);
}

Test(establish, matrix_2_aes128_modp2048_gcm)
{
	run_matrix_row(&matrix[1]);
}

Test(establish, matrix_3_aes256_sha256_cbc_esp)
{
	run_matrix_row(&matrix[2]);
}

Test(establish, matrix_4_gcm_ike_x25519)
{
	run_matrix_row(&matrix[3]);
}

Test(establish, default_configs_both_sides)
{
	establish_stepwise();
	assert_connected();
	h_assert_child_pair(&H.s[0].children[0], &H.s[1].children[0]);
	cr_assert_eq(H.s[0].children[0].sa.encr, IKE_ENCR_AES_GCM_16);
	cr_assert_eq(H.s[0].children[0].sa.encr_bits, 256);
}

/* The responder accepts only ECP384; the initiator's first offer is Curve25519. */
Test(establish, invalid_ke_payload_retry_with_the_right_group)
{
	struct ike_policy *p0 = &H.s[0].cfg.policy;
	struct ike_custom_policy custom = {"AES256",	"SHA384",    "ECP384",
					   "GCMAES256", "GCMAES256", "ECP384"};
	const char *why;
	struct ike_hdr h;

	cr_assert_eq(ike_policy_custom(&H.s[1].cfg.policy, &custom, &why), 0, "%s", why);
	p0->ike.propose.n = 2;
	cr_assert_eq(ike_suite_parse(&p0->ike.propose.s[0], IKE_PROTO_IKE, "aes256-sha384-x25519"),
		     0);
	cr_assert_eq(ike_suite_parse(&p0->ike.propose.s[1], IKE_PROTO_IKE, "aes256-sha384-ecp384"),
		     0);
	h_start();
	h_deliver();
	/* A stateless refusal naming ECP384 (20). */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.flags, IKE_FLAG_R);
	cr_assert_eq(h.spi_r, 0);
	cr_assert(h_has_notify(0, IKE_N_INVALID_KE_PAYLOAD));
	h_deliver();
	/* The retry: same SPIi, Message ID 0, a KE of group 20 this time. */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.exchange, IKE_EXCH_SA_INIT);
	cr_assert_eq(h.msgid, 0);
	cr_assert(h_log_contains("INVALID_KE_PAYLOAD, responder wants"));
	h_run();
	assert_connected();
	h_assert_child_pair(&H.s[0].children[0], &H.s[1].children[0]);
	cr_assert(h_log_contains("IKE_SA_INIT done, aes256-sha384"));
}

Test(establish, cookie_round_trip)
{
	struct ike_hdr h;

	ike_engine_set_cookie_threshold(H.s[1].e, 0);
	h_start();
	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.spi_r, 0, "a COOKIE answer keeps no state");
	cr_assert(h_has_notify(0, IKE_N_COOKIE));
	cr_assert_eq(ike_engine_stats(H.s[1].e)->cookies_sent, 1);
	h_deliver();
	/* The retry carries the cookie as its first payload. */
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.next, IKE_PLD_NOTIFY);
	cr_assert(h_has_notify(0, IKE_N_COOKIE));
	h_run();
	assert_connected();
	cr_assert_eq(ike_engine_stats(H.s[1].e)->cookies_sent, 1);
	h_assert_child_pair(&H.s[0].children[0], &H.s[1].children[0]);
}

/* A COOKIE that is not ours is asked for again, never accepted. */
Test(establish, cookie_forged_is_refused)
{
	ike_engine_set_cookie_threshold(H.s[1].e, 0);
	h_start();
	h_deliver();
	cr_assert(h_has_notify(0, IKE_N_COOKIE));
	/* Flip a byte of the cookie value (the last byte of the message). */
	H.q[0].data[H.q[0].len - 1] ^= 1;
	h_deliver();
	h_deliver();
	cr_assert_eq(H.n, 1);
	cr_assert(h_has_notify(0, IKE_N_COOKIE), "a wrong cookie must be asked for again");
	cr_assert_eq(ike_engine_stats(H.s[1].e)->cookies_sent, 2);
	cr_assert_eq(h_children_live(1), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 8192);

	cr_assert(f, "%s missing", path);
	cr_assert(buf);
	cr_assert_gt(fread(buf, 1, 8191, f), 0);
	fclose(f);
	return buf;
}

static char *hex_of(const struct secret *s)
{
	char *out = calloc(1, 2 * s->len + 1);

	cr_assert(out);
	for (size_t i = 0; i < s->len; i++)
		sprintf(out + 2 * i, "%02x", s->data[i]);
	return out;
}

/* The debug key log: Wireshark's two tables, with the SPIs and keys of what was negotiated. */
Test(establish, debug_key_log_for_wireshark)
{
	char dir[] = "/tmp/vgt-keylog-XXXXXX", path[64], expect[160];
	struct ike_conn_info i;
	struct h_child *c0;
	char *ike, *esp, *key;

	cr_assert(mkdtemp(dir));
	ike_engine_set_keylog(H.s[0].e, dir);
	establish_stepwise();
	cr_assert_eq(ike_engine_conn_info(H.s[0].e, H.s[0].cfg.name, &i), 0);
	snprintf(path, sizeof(path), "%s/ikev2_decryption_table", dir);
	ike = slurp(path);
	snprintf(expect, sizeof(expect), "%016llx,%016llx,", (unsigned long long)i.spi_i,
		 (unsigned long long)i.spi_r);
	cr_assert(strncmp(ike, expect, strlen(expect)) == 0, "%s", ike);
	cr_assert(strstr(ike, ",\"AES-CBC-256 [RFC3602]\","), "%s", ike);
	cr_assert(strstr(ike, ",\"HMAC_SHA2_384_192 [RFC4868]\"\n"), "%s", ike);
	cr_assert_eq(strchr(ike, '\n')[1], 0, "one line");

	snprintf(path, sizeof(path), "%s/esp_sa", dir);
	esp = slurp(path);
	c0 = &H.s[0].children[0];
	snprintf(expect, sizeof(expect),
		 "\"IPv4\",\"198.51.100.1\",\"203.0.113.2\",\"0x%08x\",\"AES-GCM [RFC4106]\",\"0x",
		 c0->sa.spi_out);
	cr_assert(strstr(esp, expect), "%s", esp);
	key = hex_of(c0->enc_out);
	cr_assert(strstr(esp, key), "the outbound key (with its salt) is logged");
	cr_assert(strstr(esp, "\",\"NULL\",\"0x\""), "GCM is logged with NULL authentication: %s",
		  esp);
	free(key);
	snprintf(expect, sizeof(expect), "\"IPv4\",\"203.0.113.2\",\"198.51.100.1\",\"0x%08x\"",
		 c0->sa.spi_in);
	cr_assert(strstr(esp, expect), "%s", esp);
	key = hex_of(c0->enc_in);
	cr_assert(strstr(esp, key));
	free(key);
	free(ike);
	free(esp);
	snprintf(path, sizeof(path), "%s/ikev2_decryption_table", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/esp_sa", dir);
	unlink(path);
	rmdir(dir);
}

/* Off by default: nothing is written anywhere. */
Test(establish, no_key_log_by_default)
{
	establish_stepwise();
	cr_assert(!h_log_contains("debug key log on"));
}
