#!/usr/bin/env bash
# Issue 3, scenario 3: the proposal matrix. strongSwan initiates with each proposal pair to
# vnetgwd's default policy (SPEC §3: the default, and the alternatives it accepts as responder);
# each pair must establish with exactly those algorithms (as strongSwan reports them) and carry
# pings both ways. Topology: tests/lab/lib/s2s.sh.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

# IKE proposal | ESP proposal | what strongSwan's --list-sas shows for the IKE SA | for the CHILD_SA
MATRIX=(
	"aes256-sha384-ecp384|aes256gcm16-ecp384|AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384|AES_GCM_16-256"
	"aes128-sha256-modp2048|aes128gcm16|AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048|AES_GCM_16-128"
	"aes256-sha256-modp2048|aes256-sha256|AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048|AES_CBC-256/HMAC_SHA2_256_128"
	"aes128gcm16-prfsha256-x25519|aes128gcm16|AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519|AES_GCM_16-128"
)

lab_init
s2s_topology
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan || lab_fail "charon did not start"
s2s_not_connected() { ! s2s_connected; }

for row in "${MATRIX[@]}"; do
	IFS='|' read -r ike esp ike_alg esp_alg <<<"$row"
	say "--- $ike / $esp"
	swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" "$ike" "$esp"
	swan_ctl site --load-all --noprompt >/dev/null || lab_fail "reload strongSwan for $ike"
	swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
		{ tail -20 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "$ike / $esp: not established"; }
	swan_ctl site --list-sas >"$LAB_DIR/sas.out"
	expect "$ike: IKE SA is $ike_alg" grep -q "$ike_alg" "$LAB_DIR/sas.out"
	expect "$esp: CHILD_SA is $esp_alg" grep -q "ESP:$esp_alg" "$LAB_DIR/sas.out"
	wait_for 5 "vnetgwd reports Connected" s2s_connected || lab_fail "$ike: vnetgwd not Connected"
	s2s_swan_routes || lab_fail "no ipsec0 at the site"
	s2s_pings_both_ways
	swan_ctl site --terminate --ike s2s >/dev/null 2>&1
	wait_for 5 "vnetgwd sees the IKE SA deleted" s2s_not_connected ||
		lab_fail "$ike: vnetgwd still Connected after the peer's Delete"
done
lab_pass "all ${#MATRIX[@]} proposal pairs established and carried traffic"
