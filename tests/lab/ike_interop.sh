#!/usr/bin/env bash
# IKEv2 interop: our engine (build/bench/ikepeer, real UDP 500/4500, no data plane) against
# strongSwan (charon with kernel-libipsec, encap=yes: it always floats to 4500, NOTES.md).
#
#   vgt-N-gw  192.0.2.1 eth0 ---- eth0 192.0.2.2  vgt-N-site
#   ikepeer                                      charon + swanctl
#
# 1. strongSwan initiates (default proposals aes256-sha384-ecp384 / aes256gcm16-ecp384), we
#    respond; then strongSwan deletes the IKE SA and we must see the Delete.
# 2. We initiate with the same proposals; strongSwan responds; we add a second CHILD_SA
#    (CREATE_CHILD_SA, PFS ECP384) and check liveness (empty INFORMATIONAL); dumpcap records it
#    and tshark, given only our debug key log, decrypts IKE_AUTH and CREATE_CHILD_SA and finds
#    every ICV [correct]; our Delete on exit removes strongSwan's IKE SA.
# 3. We initiate with aes128gcm16-prfsha256-x25519 / aes128gcm16 (issue 3's matrix row 4).
# Each time strongSwan must list the IKE SA ESTABLISHED with the expected algorithms and the
# CHILD_SA INSTALLED, and ikepeer must report Connected with the child installed.
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/capture.sh

BUILD=${VNETGW_BUILD:-build}
PEER=$BUILD/bench/ikepeer
PSK="interop-secret-0123456789"
GW=192.0.2.1
SITE=192.0.2.2

[ -x "$PEER" ] || lab_fail "missing $PEER (run make)"
[ -x /usr/lib/ipsec/charon ] || lab_fail "strongSwan is not installed (NOTES.md)"

lab_init
ns_add gw
ns_add site
link gw eth0 site eth0
addr gw eth0 $GW/24
addr site eth0 $SITE/24

PEER_PID=""
PEER_RUN=0
start_peer() {
	PEER_RUN=$((PEER_RUN + 1))
	PEER_OUT=$LAB_DIR/peer$PEER_RUN.out
	say "+ ikepeer $* (output $PEER_OUT)"
	# Not through in_ns (a function would put a subshell between us and the PID).
	ip netns exec "$(ns_name gw)" "$PEER" --local $GW --peer $SITE --psk "$PSK" --seconds 120 "$@" \
		>"$PEER_OUT" 2>"$LAB_DIR/peer$PEER_RUN.log" &
	PEER_PID=$!
	lab_track "$PEER_PID"
	wait_for 5 "ikepeer ready" grep -q READY "$PEER_OUT" || lab_fail "ikepeer did not start"
}
stop_peer() {
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
}

sas() { swan_ctl site --list-sas 2>/dev/null; }
swan_has() { sas | grep -q -- "$1"; }
swan_no_ike() { ! swan_has ESTABLISHED; }

check_established() {
	local ike_algs=$1 esp_algs=$2
	wait_for 15 "strongSwan CHILD_SA INSTALLED" swan_has INSTALLED || {
		sas
		tail -n 30 "$(swan_dir site)/charon.log"
		tail -n 30 "$LAB_DIR/peer$PEER_RUN.log"
		lab_fail "no CHILD_SA installed in strongSwan"
	}
	sas >&2
	expect "strongSwan: IKE_SA ESTABLISHED" swan_has ESTABLISHED
	expect "strongSwan: IKE algorithms $ike_algs" swan_has "$ike_algs"
	expect "strongSwan: ESP $esp_algs" swan_has "$esp_algs"
	expect "strongSwan: UDP-encapsulated (it fakes NAT-D)" swan_has "TUNNEL-in-UDP"
	wait_for 5 "ikepeer Connected" grep -q "^STATUS Connected" "$PEER_OUT" ||
		lab_fail "ikepeer did not report Connected"
	expect "ikepeer: CHILD_SA installed on 4500 with ESP-in-UDP" \
		grep -q "^CHILD installed .* udp=1 ports=4500/4500 esp_params=ok" "$PEER_OUT"
}

# ---- 1: strongSwan initiates, we respond ----------------------------------------------------
swan_config site $SITE $GW "$PSK" aes256-sha384-ecp384 aes256gcm16-ecp384 none
swan_start site || lab_fail "charon did not start"
start_peer
run swan_ctl site --initiate --child net --timeout 15 >/dev/null ||
	say "swanctl --initiate returned an error"
check_established "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384" "AES_GCM_16-256"
run swan_ctl site --terminate --ike s2s --timeout 10 >/dev/null || true
wait_for 5 "ikepeer sees the Delete" grep -q "^STATUS NotConnected deleted by the peer" "$PEER_OUT" ||
	lab_fail "strongSwan's Delete was not processed"
expect "ikepeer: the child was removed" grep -q "^CHILD removed" "$PEER_OUT"
stop_peer

# ---- 2: we initiate, strongSwan responds; a second child, a liveness check; tshark decrypts --
mkdir -p "$LAB_DIR/keys" "$LAB_DIR/ws"
cap_start ike "$(ns_name gw)" eth0 udp
start_peer --initiate --create-child --liveness --keylog "$LAB_DIR/keys"
check_established "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384" "AES_GCM_16-256"
two_children() { [ "$(sas | grep -c 'INSTALLED, TUNNEL')" = 2 ]; }
wait_for 10 "a second CHILD_SA in strongSwan" two_children || {
	sas
	lab_fail "CREATE_CHILD_SA did not give strongSwan a second child"
}
say "ok: strongSwan: two CHILD_SAs INSTALLED after our CREATE_CHILD_SA (PFS ECP_384)"
expect "ikepeer: the second child is installed" \
	test "$(grep -c '^CHILD installed' "$PEER_OUT")" = 2
liveness_answered() { grep -q "liveness check answered" "$LAB_DIR/peer$PEER_RUN.log"; }
wait_for 10 "strongSwan answers our empty INFORMATIONAL" liveness_answered ||
	lab_fail "the liveness check was not answered"
say "ok: strongSwan answered the liveness check"
expect "ikepeer: still connected" sh -c "! grep -q '^STATUS NotConnected' '$PEER_OUT'"
cp "$LAB_DIR/keys/ikev2_decryption_table" "$LAB_DIR/ws/" || {
	ls -la "$LAB_DIR" "$LAB_DIR/keys" >&2
	grep -i "key log" "$LAB_DIR/peer$PEER_RUN.log" >&2
	lab_fail "no ikev2_decryption_table written by --keylog"
}
export WIRESHARK_CONFIG_DIR=$LAB_DIR/ws
# The capture must hold all eight messages (IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and the
# liveness INFORMATIONAL, each a request and its response) before it is stopped: the six
# encrypted ones, decrypted with the key log, each show an ICV tshark checked.
ICV_OK='isakmp.exchangetype >= 35 && isakmp.exchangetype <= 37'
cap_wait ike "the six encrypted messages" 6 "$ICV_OK"
cap_stop ike
decrypted() { [ "$(cap_count ike "$1")" -ge 1 ]; }
expect "tshark decrypts our IKE_AUTH with the key log (IDi inside SK)" \
	decrypted "isakmp.exchangetype == 35 && isakmp.id.type == 1"
expect "tshark decrypts CREATE_CHILD_SA (a KE inside SK)" \
	decrypted "isakmp.exchangetype == 36 && isakmp.key_exchange.dh_group == 20"
icv_ok() {
	[ "$(tshark -r "$(cap_file ike)" -V 2>/dev/null | grep -c 'Integrity Checksum Data: .*\[correct\]')" = 6 ]
}
expect "tshark: the ICVs of all six encrypted messages are [correct]" icv_ok
stop_peer # ikepeer deletes its IKE SA on the way out
wait_for 10 "strongSwan's SA gone after our Delete" swan_no_ike ||
	lab_fail "our Delete did not remove strongSwan's IKE SA"
say "ok: our Delete removed strongSwan's IKE SA"

# ---- 3: matrix row 4, we initiate -------------------------------------------------------------
swan_config site $SITE $GW "$PSK" aes128gcm16-prfsha256-x25519 aes128gcm16 none
swan_ctl site --load-all --noprompt >/dev/null || lab_fail "swanctl --load-all"
start_peer --initiate --ike aes128gcm16-prfsha256-x25519 --esp aes128gcm16
check_established "AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519" "AES_GCM_16-128"
stop_peer

lab_pass "strongSwan and vnetgw's IKE engine agree both ways"
