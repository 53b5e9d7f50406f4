#!/usr/bin/env bash
# Issue 3, scenario 7: an independent check of the wire format and the key derivation. tshark on
# the WAN dissects the exchange as IKEv2 with no malformed packet; given vnetgwd's debug key log
# (--keylog-dir, off by default) it decrypts IKE_AUTH and ESP and marks every ESP ICV good.
# Wireshark 4.0 checks ICVs of HMAC-authenticated ESP but not of AES-GCM, so the CHILD_SA here
# is aes256-sha256 (CBC + HMAC-SHA-256-128). (Our AES-GCM keys are checked by strongSwan itself
# in every other scenario: it decrypts what we send.)
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh
. tests/lab/lib/capture.sh

lab_init
s2s_topology
mkdir -p "$LAB_DIR/ws"
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" --keylog-dir "$LAB_DIR/ws" || lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan aes256-sha384-ecp384 aes256-sha256 || lab_fail "charon did not start"

cap_start wan "$(ns_name wan)" s0 "udp port 500 or udp port 4500 or esp"

swan_ctl site --initiate --child net >/dev/null 2>&1 || lab_fail "not established"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
expect "pings through the tunnel" in_ns wl ping -c 4 -i 0.2 -W 2 $S2S_HOST_IP
expect "pings back" in_ns host ping -c 4 -i 0.2 -W 2 $S2S_WL_IP
# count FILTER [extra tshark args]: frames matching a display filter
count() {
	local f=$1
	shift
	cap_count wan "$f" "$@"
}
keys=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE)
export WIRESHARK_CONFIG_DIR="$LAB_DIR/ws"
# 4 pings each way: 16 ESP packets, each an ICMP message inside. The capture is stopped only
# once it holds them all.
cap_wait wan "the 16 ESP packets of the pings, decrypted" 16 'esp && icmp' "${keys[@]}"
cap_stop wan

expect "IKE_SA_INIT dissected as IKEv2 (request and response)" test "$(count 'isakmp.exchangetype == 34 && isakmp.version == 0x20')" -ge 2
expect "IKE_AUTH captured" test "$(count 'isakmp.exchangetype == 35')" -ge 2
expect "no malformed packet without keys" test "$(WIRESHARK_CONFIG_DIR=/nonexistent count '_ws.malformed')" = 0
expect "the key log has IKE and ESP entries" test -s "$LAB_DIR/ws/ikev2_decryption_table" -a -s "$LAB_DIR/ws/esp_sa"
expect "IKE_AUTH decrypted: both identities visible" test "$(count 'isakmp.exchangetype == 35 && isakmp.id.data.ipv4_addr' "${keys[@]}")" -ge 2
expect "IKE_AUTH decrypted: AUTH payloads visible" test "$(count 'isakmp.auth.method == 2' "${keys[@]}")" -ge 2
expect "ESP decrypted to the pings inside" test "$(count 'esp && icmp' "${keys[@]}")" -ge 16
good=$(count 'esp.icv_good == 1' "${keys[@]}")
bad=$(count 'esp.icv_bad == 1' "${keys[@]}")
all=$(count 'esp' "${keys[@]}")
expect "every ESP ICV is correct ($good good, $bad bad, of $all)" test "$good" -ge 16 -a "$bad" = 0 -a "$good" = "$all"
expect "no malformed packet with keys" test "$(count '_ws.malformed' "${keys[@]}")" = 0
lab_pass "tshark agrees with vnetgwd's wire format and keys"
