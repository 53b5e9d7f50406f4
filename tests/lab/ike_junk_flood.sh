#!/usr/bin/env bash
# Issue 14 item 5: junk at full rate to UDP 500 and 4500 from one source (an address with no
# connection) while a tenant's real strongSwan site rekeys its CHILD_SAs and runs DPD on a short
# timeout. The junk fills its own upcall lane (dp/chan.c), not the site's: no false dead peer,
# rekeys on time.
#
#   wl ── [VNet] ══ gw (vnetgwd 192.0.2.1) ── wan (ikeflood from 198.51.100.99) ── site (charon)
#
# vnetgwd's CHILD_SAs live 12 s (--debug-lifetimes: rekeyed every ~10.8 s), the connection's
# dpdTimeoutSeconds is 9 (a liveness check after 3 s of silence), strongSwan's dpd_delay 3 s.
# For FLOOD_SECONDS (30) two ikeflood processes send 200-byte junk to 500 and to 4500 at full
# rate. Asserted: the connection stays Connected with its time of last change as before; no
# peer was declared dead on either side; at least FLOOD_SECONDS / 12 CHILD rekeys completed
# during the flood (each on time: none reached its hard lifetime); the junk was dropped in the
# strangers' lane and none of the site's IKE was (the status file's ike.upcallDrops). Pings
# through the tunnel during the flood are printed (the junk and the site's ESP share the 4500
# socket's kernel buffer: losses there are the kernel's, reported, not judged).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

FLOOD_BIN=${VNETGW_BUILD:-build}/tools/ikeflood
FLOOD_SECONDS=${FLOOD_SECONDS:-30}
[ -x "$FLOOD_BIN" ] || lab_fail "no $FLOOD_BIN (make)"

lab_init
s2s_topology
s2s_spoof_blackhole 198.51.100.99/32 # nothing answered to the junk's source leaves the lab
s2s_vnetgwd_config_dpd "$LAB_DIR/vnetgwd.json" false 9
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" --debug-lifetimes 600,12,0 || lab_fail "vnetgwd did not start"
s2s_attach_workload
swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384 none
sed -i 's/dpd_delay = 30s/dpd_delay = 3s/' "$(swan_dir site)/swanctl/swanctl.conf"
swan_start site || lab_fail "charon did not start"
swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 || lab_fail "strongSwan could not establish"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
wait_for 20 "Connected" s2s_connected || lab_fail "not Connected: $(s2s_status reason)"
s2s_pings_both_ways
api_status_sync
since0=$(s2s_status lastChange)
rekeys() { grep -cE 'IKE .*CHILD_SA [0-9a-f/]* rekeyed -> [0-9a-f/]* \(by (us|the peer)' "$LAB_DIR/vnetgwd.log"; }
rekeys0=$(rekeys)
up0=$(jq -c '.ike.upcallDrops' "$LAB_DIR/status.json")
say "before the flood: lastChange $since0, CHILD rekeys $rekeys0, upcall drops $up0"

# The flood (both started directly, so that $! is ikeflood), and pings through it.
for port in 500 4500; do
	say "+ ikeflood --dst $S2S_GW_IP --dport $port --seconds $FLOOD_SECONDS --junk 200 --src 198.51.100.99/32 (in wan)"
	ip netns exec "$(ns_name wan)" "$FLOOD_BIN" --dst $S2S_GW_IP --dport $port \
		--seconds "$FLOOD_SECONDS" --junk 200 --src 198.51.100.99/32 >"$LAB_DIR/flood-$port.out" 2>&1 &
	FLOOD_PID[$port]=$!
	lab_track "${FLOOD_PID[$port]}"
done
ip netns exec "$(ns_name wl)" ping -D -i 0.1 -W 2 $S2S_HOST_IP >"$LAB_DIR/ping.out" 2>&1 &
PING_PID=$!
lab_track "$PING_PID"
for port in 500 4500; do
	wait "${FLOOD_PID[$port]}" || { cat "$LAB_DIR/flood-$port.out" >&2; lab_fail "ikeflood to $port failed"; }
	say "$(tail -n 1 "$LAB_DIR/flood-$port.out")"
done
kill -INT "$PING_PID"
wait_for 10 "ping ends" pid_gone "$PING_PID"
wait "$PING_PID" 2>/dev/null

api_status_sync
up1=$(jq -c '.ike.upcallDrops' "$LAB_DIR/status.json")
done_rekeys=$(($(rekeys) - rekeys0))
say "after the flood: $(s2s_status connectionStatus) since $(s2s_status lastChange), CHILD rekeys during it $done_rekeys, upcall drops $up1, IKE refusals $(jq -c '.ike | {malformed, unknownSpi}' "$LAB_DIR/status.json")"
say "pings through the tunnel during the flood: $(grep 'packets transmitted' "$LAB_DIR/ping.out")"
expect "Connected throughout (lastChange $since0)" test "$(s2s_status connectionStatus) $(s2s_status lastChange)" = "Connected $since0"
expect "vnetgwd declared no peer dead" sh -c "! grep -q 'peer is dead' '$LAB_DIR/vnetgwd.log'"
expect "strongSwan declared no peer dead" sh -c "! grep -qi 'giving up after\\|DPD.*dead\\|restarting CHILD_SA' '$(swan_dir site)/charon.log'"
expect "at least $((FLOOD_SECONDS / 12)) CHILD rekeys completed during the flood ($done_rekeys)" \
	test "$done_rekeys" -ge $((FLOOD_SECONDS / 12))
expect "none reached its hard lifetime (every rekey on time)" sh -c "! grep -q 'reached its hard lifetime' '$LAB_DIR/vnetgwd.log'"
expect "the junk was dropped in the strangers' lane ($up0 -> $up1)" \
	test "$(jq -r .strangers <<<"$up1")" -gt "$(jq -r .strangers <<<"$up0")"
expect "none of the site's IKE was dropped (peers' lanes: $(jq -r .peers <<<"$up1"))" test "$(jq -r .peers <<<"$up1")" = 0
expect "traffic still flows" in_ns wl ping -c 3 -i 0.2 -W 2 $S2S_HOST_IP
lab_pass "junk at full rate to 500 and 4500: no false dead peer, $done_rekeys CHILD rekeys on time"
