/* SPDX-License-Identifier: MIT */
/*
 * Failures answered as RFC 7296 says: a wrong PSK (AUTHENTICATION_FAILED, 2.21.2) on either
 * side, no common proposal for IKE (an unprotected NO_PROPOSAL_CHOSEN) or for ESP (the IKE SA
 * is built, the child refused, the initiator deletes the IKE SA), selectors outside what the
 * responder allows (TS_UNACCEPTABLE) and narrowed ones, and an IKE_SA_INIT from an unknown
 * address (dropped and counted, never answered).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "ike/proposal.h"

TestSuite(failures, .init = h_setup, .fini = h_teardown);

static unsigned int live_ike_sas(int side)
{
	struct ike_conn_info i;

	cr_assert_eq(ike_engine_conn_info(H.s[side].e, H.s[side].cfg.name, &i), 0);
	return i.n_ike_sas;
}

static void ts4(struct ike_pld_ts *t, const char *start, const char *end)
{
	struct addr a, b;

	memset(t, 0, sizeof(*t));
	cr_assert_eq(addr_parse(&a, start, NULL, 0), 0);
	cr_assert_eq(addr_parse(&b, end, NULL, 0), 0);
	t->n_ts = 1;
	t->ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	t->ts[0].end_port = 65535;
	memcpy(t->ts[0].start, a.bytes, 4);
	memcpy(t->ts[0].end, b.bytes, 4);
}

Test(failures, wrong_psk_authentication_failed_on_both_sides)
{
	secret_free(H.s[1].psk);
	H.s[1].psk = secret_dup("another secret", 14);
	h_start();
	h_deliver(); /* IKE_SA_INIT request */
	h_deliver(); /* response */
	cr_assert_eq(h_hdr(0).exchange, IKE_EXCH_AUTH);
	h_deliver(); /* IKE_AUTH request: the responder refuses */
	cr_assert_eq(H.n, 1, "AUTHENTICATION_FAILED must be answered");
	cr_assert_eq(h_hdr(0).flags & IKE_FLAG_R, IKE_FLAG_R);
	cr_assert_eq(H.s[1].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[1].reason, "authentication failed"), "%s", H.s[1].reason);
	cr_assert_eq(live_ike_sas(1), 0, "2.21.2: no IKE SA remains on the responder");
	h_deliver();
	cr_assert_eq(H.n, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[0].reason, "AUTHENTICATION_FAILED"), "%s", H.s[0].reason);
	cr_assert_eq(live_ike_sas(0), 0);
	cr_assert_eq(H.s[0].n_children, 0, "no CHILD_SA may be installed");
	cr_assert_eq(H.s[1].n_children, 0, "no CHILD_SA may be installed");
	cr_assert(h_log_contains("AUTH value does not match"));
	/* Nothing is retransmitted afterwards. */
	h_advance_ms(300000);
	cr_assert_eq(H.n, 0);
}

/* The responder authenticates with an ID that is not the address the initiator expects. */
Test(failures, initiator_refuses_responder_and_tells_it)
{
	cr_assert_eq(addr_parse(&H.s[1].cfg.local, "203.0.113.9", NULL, 0), 0);
	h_start();
	h_run();
	cr_assert(h_log_contains("peer ID is not its configured address"));
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert_eq(H.s[1].status, IKE_CONN_NOT_CONNECTED, "the INFORMATIONAL must reach it");
	cr_assert(strstr(H.s[1].reason, "AUTHENTICATION_FAILED"), "%s", H.s[1].reason);
	cr_assert_eq(H.s[0].n_children, 0);
	/* The responder had installed its child; the error notify removed it again. */
	cr_assert_eq(h_children_live(1), 0);
	cr_assert_eq(live_ike_sas(0), 0);
	cr_assert_eq(live_ike_sas(1), 0);
}

Test(failures, no_proposal_chosen_for_ike)
{
	struct ike_policy *p = &H.s[0].cfg.policy;
	struct ike_hdr h;

	cr_assert_eq(ike_suite_parse(&p->ike.propose.s[0], IKE_PROTO_IKE, "aes256-sha1-modp2048"),
		     0);
	h_start();
	h_deliver();
	cr_assert_eq(H.n, 1);
	h = h_hdr(0);
	cr_assert_eq(h.flags, IKE_FLAG_R);
	cr_assert_eq(h.spi_r, 0, "refused without state");
	cr_assert(h_has_notify(0, IKE_N_NO_PROPOSAL_CHOSEN));
	h_deliver();
	cr_assert_eq(H.n, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[0].reason, "NO_PROPOSAL_CHOSEN"), "%s", H.s[0].reason);
	cr_assert_eq(live_ike_sas(0), 0);
	cr_assert_eq(live_ike_sas(1), 0);
	/* Both offers in the log: the initiator's and what the responder proposes. */
	cr_assert(h_log_contains(
		"NO_PROPOSAL_CHOSEN for IKE: peer offered IKE:aes256-prfsha1-sha1-modp2048"));
	cr_assert(h_log_contains("we propose IKE:aes256-prfsha384-sha384-ecp384"));
	cr_assert(h_log_contains("proposing IKE:aes256-prfsha1-sha1-modp2048"));
}

Test(failures, no_proposal_chosen_for_esp)
{
	struct ike_policy *p = &H.s[0].cfg.policy;

	cr_assert_eq(ike_suite_parse(&p->esp.propose.s[0], IKE_PROTO_ESP, "aes256-sha1"), 0);
	h_start();
	h_run();
	cr_assert(h_log_contains("NO_PROPOSAL_CHOSEN for ESP: peer offered ESP:aes256-sha1"));
	cr_assert(h_log_contains("we propose ESP:aes256gcm16"));
	cr_assert_eq(H.s[0].n_children, 0);
	cr_assert_eq(H.s[1].n_children, 0);
	cr_assert_eq(H.s[0].status, IKE_CONN_NOT_CONNECTED);
	cr_assert(strstr(H.s[0].reason, "NO_PROPOSAL_CHOSEN"), "%s", H.s[0].reason);
	/* The initiator deleted the useless IKE SA, and the responder followed. */
	cr_assert(h_log_contains("ESTABLISHED -> DELETING"));
	cr_assert_eq(live_ike_sas(0), 0);
	cr_assert_eq(live_ike_sas(1), 0);
	cr_assert_eq(H.s[1].status, IKE_CONN_NOT_CONNECTED);
}

Test(failures, ts_unacceptable)
{
	ts4(&H.s[1].cfg.ts_remote, "10.0.0.0", "10.255.255.255");
	ts4(&H.s[0].cfg.ts_local, "192.168.0.0", "192.168.255.255");
	h_start();
	h_run();
	cr_assert(h_log_contains("TS_UNACCEPTABLE"));
	cr_assert_eq(H.s[0].n_children, 0);
	cr_assert_eq(H.s[1].n_children, 0);
	cr_assert(strstr(H.s[0].reason, "TS_UNACCEPTABLE"), "%s", H.s[0].reason);
	cr_assert_eq(live_ike_sas(0), 0);
	cr_assert_eq(live_ike_sas(1), 0);
}

/* SPEC §3: narrower selectors within what the connection allows are accepted as they are. */
Test(failures, ts_narrowed_to_the_intersection)
{
	struct h_child *c0, *c1;
	struct ike_pld_ts want;

	ts4(&H.s[1].cfg.ts_remote, "10.0.0.0", "10.255.255.255");
	ts4(&H.s[0].cfg.ts_local, "10.1.0.0", "10.1.255.255");
	h_start();
	h_run();
	cr_assert_eq(H.s[0].status, IKE_CONN_CONNECTED, "%s", H.s[0].reason);
	c0 = &H.s[0].children[0];
	c1 = &H.s[1].children[0];
	h_assert_child_pair(c0, c1);
	ts4(&want, "10.1.0.0", "10.1.255.255");
	cr_assert_eq(c1->ts_remote.n_ts, 1);
	cr_assert(memcmp(&c1->ts_remote.ts[0], &want.ts[0], sizeof(want.ts[0])) == 0);
	cr_assert(memcmp(&c0->ts_local.ts[0], &want.ts[0], sizeof(want.ts[0])) == 0);
}

Test(failures, init_from_unknown_address_dropped_and_counted)
{
	cr_assert_eq(addr_parse(&H.s[1].cfg.peer, "192.0.2.77", NULL, 0), 0);
	h_start();
	h_deliver();
	cr_assert_eq(H.n, 0, "never answered");
	cr_assert_eq(ike_engine_stats(H.s[1].e)->unknown_peer, 1);
	cr_assert_eq(live_ike_sas(1), 0);
}

Test(failures, one_connection_per_remote_ip)
{
	struct ike_conn_config c = H.s[1].cfg;

	cr_assert_eq(h_configure(1), 0);
	snprintf(c.name, sizeof(c.name), "other");
	cr_assert_eq(ike_engine_conn_set(H.s[1].e, &c), -EEXIST);
}
