#!/usr/bin/env bash
# Issue 3, scenarios 4 and 5: refusals against strongSwan, each asserted on both sides.
#  A. strongSwan initiates with the wrong shared key: vnetgwd answers AUTHENTICATION_FAILED and
#     logs why; strongSwan fails; no CHILD_SA anywhere.
#  B. vnetgwd initiates (the connection updated to connectionMode Default through the CLI),
#     strongSwan has the wrong key: strongSwan refuses, vnetgwd logs it.
#  C. no common proposal: vnetgwd answers NO_PROPOSAL_CHOSEN and logs both sides' offers.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

no_child_anywhere() {
	[ "$(s2s_status 'childSaInboundSpis | length')" = 0 ] && ! swan_established site
}
vnetgwd_logged() { grep -q -- "$1" "$LAB_DIR/vnetgwd.log"; }
swan_logged() { grep -q -- "$1" "$(swan_dir site)/charon.log"; }

lab_init
s2s_topology
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
S2S_PSK=not-the-right-key s2s_swan || lab_fail "charon did not start"

say "--- A: strongSwan initiates with the wrong shared key"
! swan_ctl site --initiate --child net >/dev/null 2>&1 || lab_fail "A: strongSwan established with the wrong key"
wait_for 5 "vnetgwd logs the failed AUTH" vnetgwd_logged "wrong pre-shared key" || lab_fail "A: vnetgwd did not log why"
expect_soon "A: strongSwan was told AUTHENTICATION_FAILED" swan_logged "received AUTHENTICATION_FAILED"
expect "A: vnetgwd is not Connected" test "$(s2s_status connectionStatus)" != Connected
expect_soon "A: no CHILD_SA on either side" no_child_anywhere

say "--- B: vnetgwd initiates; strongSwan holds the wrong key"
api_cli_ok vpn-connection update -g "$S2S_RG" -n site1 --connection-mode Default
wait_for 10 "vnetgwd logs strongSwan's refusal" vnetgwd_logged "authentication failed: peer answered AUTHENTICATION_FAILED" ||
	{ tail -20 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "B: vnetgwd did not log the peer's refusal"; }
expect_soon "B: strongSwan refused vnetgwd's AUTH" swan_logged 'generating IKE_AUTH response .*N(AUTH_FAILED)'
expect_soon "B: no CHILD_SA on either side" no_child_anywhere

say "--- C: no common proposal"
api_cli_ok vpn-connection update -g "$S2S_RG" -n site1 --connection-mode ResponderOnly
swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" 3des-sha1-modp1024 aes128gcm16
swan_ctl site --load-all --noprompt >/dev/null || lab_fail "C: reload strongSwan"
! swan_ctl site --initiate --child net >/dev/null 2>&1 || lab_fail "C: established without a common proposal"
wait_for 5 "vnetgwd logs NO_PROPOSAL_CHOSEN" vnetgwd_logged "NO_PROPOSAL_CHOSEN for IKE" || lab_fail "C: not logged"
expect "C: the log names the peer's offer" vnetgwd_logged "peer offered IKE:3des"
expect "C: the log names what vnetgwd accepts" grep -q "NO_PROPOSAL_CHOSEN for IKE.*aes256" "$LAB_DIR/vnetgwd.log"
expect_soon "C: strongSwan was told NO_PROPOSAL_CHOSEN" swan_logged "received NO_PROPOSAL_CHOSEN"
expect_soon "C: no CHILD_SA on either side" no_child_anywhere
lab_pass "wrong keys and foreign proposals refused on both sides, with reasons"
