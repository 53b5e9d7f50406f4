#!/usr/bin/env bash
# Issue 4: five minutes of repeated rekeys under traffic, without loss. CHILD_SAs live 20 s and
# IKE SAs 45 s; three labs run at once, each its own topology (tests/lab/lib/s2s.sh) under its
# own LAB_ID:
#   swan  - strongSwan starts every rekey (vnetgwd's lifetimes are longer: 90 s / 40 s)
#   gw    - vnetgwd starts every rekey (strongSwan's are longer: 90 s / 40 s)
#   both  - the same lifetimes and no jitter on either side (strongSwan rand_time=0, vnetgwd
#           --debug-lifetimes 45,20,0): both rekey at 18 s and 40 s, so they collide
#
#   wl ── [VNet ns] ── gw (vnetgwd) ── wan ── site (charon) ── host
#
# Each lab sends 100 pings a second with sequence numbers (ping -i 0.01) and runs a TCP iperf3
# (-b 20M, so three labs fit on two cores; site -> VNet) for REKEY_SOAK_SECONDS (300), then
# asserts: not one ping lost, iperf3 completed, rekeys happened (counted in both logs, printed),
# and at the end one IKE SA and one CHILD_SA pair on each side with the same SPIs.
cd "$(dirname "$0")/../.."
SOAK=${REKEY_SOAK_SECONDS:-300}
PARENT=${LAB_ID:-$$}
RESULTS=$(mktemp -d "/tmp/vgt-$PARENT.rekey.XXXXXX")

# ---- one lab ---------------------------------------------------------------------------------

# vnetgwd's status vs swanctl --list-sas: one IKE SA and one child pair each, the same SPIs.
same_sas() {
	local sas ike_sw child_in child_out ours_ike ours_child
	sas=$(swan_ctl site --list-sas 2>/dev/null) || return 1
	[ "$(grep -c ' ESTABLISHED, IKEv2' <<<"$sas")" = 1 ] || return 1
	[ "$(grep -c ' INSTALLED, ' <<<"$sas")" = 1 ] || return 1
	[ "$(s2s_status ikeSas)" = 1 ] || return 1
	[ "$(s2s_status 'childSaSpis | length')" = 1 ] || return 1
	# strongSwan: "s2s: #3, ESTABLISHED, IKEv2, 1a.._i 2b.._r*" and "in  c1..," "out c2..,"
	ike_sw=$(grep ' ESTABLISHED, IKEv2' <<<"$sas" | sed -E 's/.*IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r.*/\1_i \2_r/')
	child_in=$(sed -nE 's/^ +in +([0-9a-f]{8}).*/\1/p' <<<"$sas")
	child_out=$(sed -nE 's/^ +out +([0-9a-f]{8}).*/\1/p' <<<"$sas")
	ours_ike=$(s2s_status ikeSpis)
	ours_child=$(s2s_status 'childSaSpis[0]')
	[ "$ike_sw" = "$ours_ike" ] || return 1
	# Their inbound SPI is our outbound one and the other way round.
	[ "$ours_child" = "${child_out}_i ${child_in}_o" ] || return 1
	FINAL="IKE $ours_ike, CHILD $ours_child (strongSwan in $child_in out $child_out)"
}

# The sequence numbers ping got no reply for (with the time of the reply before each).
lost_seqs() {
	awk -v n="$1" -F'[ =]' '/icmp_seq=/ { for (i = 1; i <= NF; i++) if ($i == "icmp_seq") got[$(i + 1)] = $1 }
		END { for (s = 1; s <= n; s++) if (!(s in got)) { printf "%d%s ", s, (s - 1 in got) ? "(after " got[s - 1] ")" : ""; if (++k == 20) break } }' "$2"
}

# Where packets were dropped: vnetgwd's counters, UDP receive errors and interface drops.
drop_report() {
	local r
	say "vnetgwd drops: $(s2s_status drops | jq -c .)"
	for r in gw site; do
		say "$r UDP: $(in_ns "$r" awk '/^Udp:/ { if (h) print; h = 1 }' /proc/net/snmp)"
	done
	for r in gw wan site host wl "$S2S_VNET"; do
		in_ns "$r" ip -s -j link 2>/dev/null | jq -r --arg r "$r" '.[] | select(.stats64.rx.dropped + .stats64.tx.dropped + .stats64.rx.errors + .stats64.tx.errors > 0) |
			"  \($r) \(.ifname): rx dropped \(.stats64.rx.dropped) errors \(.stats64.rx.errors), tx dropped \(.stats64.tx.dropped) errors \(.stats64.tx.errors)"' |
			while read -r line; do say "$line"; done
	done
}

lab() {
	local v=$1 gw_life swan_ike swan_child initiate=false n sent recv mbps
	. tests/lab/lib/netns.sh
	. tests/lab/lib/swan.sh
	. tests/lab/lib/s2s.sh
	LAB_QUIET=1
	lab_init
	case $v in
	swan) gw_life=90,40 swan_ike="40s 5s 4s" swan_child="18s 20s 2s" ;;
	gw) gw_life=45,20 swan_ike="81s 9s 0s" swan_child="36s 40s 0s" initiate=true ;;
	both) gw_life=45,20,0 swan_ike="40s 5s 0s" swan_child="18s 20s 0s" ;;
	# A baseline for diagnosis (REKEY_SOAK_VARIANTS=none): no rekey during the run.
	none) gw_life=3000,2000 swan_ike="2700s 300s 0s" swan_child="1800s 2000s 0s" ;;
	esac
	s2s_topology >/dev/null
	# shellcheck disable=SC2086 # word splitting of the lifetimes is meant
	{ swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384 &&
		swan_set_lifetimes site $swan_ike $swan_child && swan_start site; } ||
		lab_fail "charon did not start"
	say "strongSwan lifetimes: IKE rekey/over/rand $swan_ike, CHILD rekey/life/rand $swan_child"
	s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" $initiate
	# vnetgwd as it runs for users: shaped to the connection's SKU (HighPerformance, 200
	# Mbit/s each way, far above this lab's traffic), at the default priority.
	s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" --debug-lifetimes "$gw_life" ||
		lab_fail "vnetgwd did not start"
	say "vnetgwd --debug-lifetimes $gw_life (IKE_S,CHILD_S[,JITTER_PCT])"
	s2s_attach_workload >/dev/null
	if [ $initiate = false ]; then
		swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
			lab_fail "strongSwan could not establish: $(tail -3 "$LAB_DIR/initiate.out")"
	fi
	wait_for 10 "vnetgwd reports Connected" s2s_connected || lab_fail "not Connected: $(s2s_status reason)"
	wait_for 10 "strongSwan has the CHILD_SA" swan_established site || lab_fail "no CHILD_SA at the site"
	s2s_swan_routes >/dev/null || lab_fail "no ipsec0 at the site"
	expect "a first ping gets through" in_ns wl ping -c 1 -W 2 $S2S_HOST_IP >/dev/null

	n=$((SOAK * 100))
	in_ns host iperf3 -s -D -I "$LAB_DIR/iperf.pid" >/dev/null
	wait_for 5 "iperf3 server" test -s "$LAB_DIR/iperf.pid" || lab_fail "iperf3 server"
	lab_track "$(cat "$LAB_DIR/iperf.pid")"
	say "traffic for ${SOAK}s: $n pings at 100/s and iperf3 TCP at 20 Mbit/s"
	in_ns wl ping -D -c "$n" -i 0.01 -W 5 $S2S_HOST_IP >"$LAB_DIR/ping.out" 2>&1 &
	local ping_pid=$!
	lab_track $ping_pid
	# The bulk flows from the site to the VNet (-R): the site's charon reads ESP from a socket
	# of the default 208 KiB that a burst overflows when its thread waits for a CPU on a busy
	# host (RcvbufErrors below), so it gets the ACKs and the pings, vnetgwd (4 MiB sockets)
	# the data; paced by the socket (--fq-rate) rather than in 1 ms bursts.
	in_ns wl iperf3 -c $S2S_HOST_IP -R -t "$SOAK" -b 20M --fq-rate 20M -J >"$LAB_DIR/iperf.json" 2>&1 &
	local iperf_pid=$!
	lab_track $iperf_pid
	wait $ping_pid
	wait $iperf_pid

	sent=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$LAB_DIR/ping.out")
	recv=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$LAB_DIR/ping.out")
	say "pings: sent $sent, received $recv, lost $((sent - recv))"
	[ "$recv" = "$sent" ] || say "lost icmp_seq: $(lost_seqs "$n" "$LAB_DIR/ping.out")"
	mbps=$(jq -e '.end.sum_received.bits_per_second / 1e6 | floor' "$LAB_DIR/iperf.json" 2>/dev/null)
	say "iperf3: ${mbps:-none} Mbit/s over ${SOAK}s"
	drop_report

	# Rekeys, from both logs (vnetgwd's IKE category lines; charon's IKE/CHD lines).
	local ours_child theirs_child ours_ike theirs_ike coll sw_child sw_ike sw_coll cl
	cl="$(swan_dir site)/charon.log"
	ours_child=$(grep -c 'IKE .*CHILD_SA [0-9a-f/.]* rekeyed -> [0-9a-f/]* (by us' "$LAB_DIR/vnetgwd.log")
	theirs_child=$(grep -c 'IKE .*CHILD_SA [0-9a-f/]* rekeyed -> [0-9a-f/]* (by the peer' "$LAB_DIR/vnetgwd.log")
	ours_ike=$(grep -c 'IKE .*IKE_SA [0-9a-f/]* rekeyed -> [0-9a-f/]* (by us' "$LAB_DIR/vnetgwd.log")
	theirs_ike=$(grep -c 'IKE .*IKE_SA [0-9a-f/]* rekeyed -> [0-9a-f/]* (by the peer' "$LAB_DIR/vnetgwd.log")
	coll=$(grep -c 'IKE .*rekey collision' "$LAB_DIR/vnetgwd.log")
	# charon: each CHILD_SA net{N} logs "established" (a rekey responder twice: inbound, then
	# outbound once the old one is deleted); the first one is no rekey.
	sw_child=$(($(grep -oE 'CHILD_SA net\{[0-9]+\} established' "$cl" | sort -u | wc -l) - 1))
	sw_ike=$(grep -cE 'IKE_SA s2s\[[0-9]+\] rekeyed between' "$cl")
	sw_coll=$(grep -ci 'collision' "$cl")
	say "vnetgwd: CHILD rekeys completed as initiator $ours_child, as responder $theirs_child; IKE rekeys as initiator $ours_ike, as responder $theirs_ike; collisions $coll"
	say "strongSwan: CHILD rekeys $sw_child, IKE rekeys $sw_ike, log lines on collisions $sw_coll"
	echo "$v: pings sent $sent received $recv; iperf3 ${mbps:-none} Mbit/s; vnetgwd child rekeys $ours_child+$theirs_child ike $ours_ike+$theirs_ike collisions $coll; strongSwan child rekeys $sw_child ike $sw_ike" >"$RESULTS/$v"

	[ "${sent:-0}" = "$n" ] || lab_fail "ping did not send $n: $(tail -2 "$LAB_DIR/ping.out")"
	[ "$recv" = "$sent" ] || lab_fail "lost $((sent - recv)) pings"
	[ -n "$mbps" ] || lab_fail "iperf3 did not complete: $(head -c 300 "$LAB_DIR/iperf.json")"
	local want=$((SOAK / 20))
	case $v in
	swan)
		[ "$theirs_child" -ge "$want" ] || lab_fail "strongSwan started $theirs_child CHILD rekeys, expected >= $want"
		[ "$ours_child" = 0 ] || lab_fail "vnetgwd started $ours_child CHILD rekeys, expected none"
		[ "$theirs_ike" -ge $((SOAK / 45)) ] || lab_fail "strongSwan started $theirs_ike IKE rekeys" ;;
	gw)
		[ "$ours_child" -ge "$want" ] || lab_fail "vnetgwd started $ours_child CHILD rekeys, expected >= $want"
		[ "$theirs_child" = 0 ] || lab_fail "strongSwan started $theirs_child CHILD rekeys, expected none"
		[ "$ours_ike" -ge $((SOAK / 45)) ] || lab_fail "vnetgwd started $ours_ike IKE rekeys" ;;
	both)
		[ $((ours_child + theirs_child)) -ge "$want" ] || lab_fail "only $((ours_child + theirs_child)) CHILD rekeys"
		[ $((ours_ike + theirs_ike)) -ge $((SOAK / 45)) ] || lab_fail "only $((ours_ike + theirs_ike)) IKE rekeys" ;;
	esac
	[ "$sw_child" -ge "$want" ] || lab_fail "strongSwan logged $sw_child CHILD rekeys, expected >= $want"
	[ "$sw_ike" -ge $((SOAK / 45)) ] || lab_fail "strongSwan logged $sw_ike IKE rekeys"
	FINAL=""
	wait_for 15 "one IKE SA and one CHILD pair on each side, same SPIs" same_sas ||
		{ swan_ctl site --list-sas >&2; jq . "$LAB_DIR/status.json" >&2; lab_fail "SAs differ at the end"; }
	say "ok: at the end $FINAL"
	expect "vnetgwd still Connected" s2s_connected
	echo "$v: PASS, final $FINAL" >>"$RESULTS/$v"
	lab_pass "$v: $n pings, none lost, across repeated rekeys"
}

# ---- three at once ---------------------------------------------------------------------------

PIDS=()
stop() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'stop; exit 130' INT TERM
for v in ${REKEY_SOAK_VARIANTS:-swan gw both}; do
	(LAB_ID="$PARENT-$v" lab "$v") &
	PIDS+=($!)
done
rc=0
for p in "${PIDS[@]}"; do
	wait "$p" || rc=1
done
echo "[lab $PARENT] rekey soak, ${SOAK}s each, three labs at once:"
cat "$RESULTS"/* 2>/dev/null | sed "s/^/[lab $PARENT]   /"
rm -rf "$RESULTS"
if [ $rc = 0 ]; then
	echo "[lab $PARENT] PASS: zero pings lost in all three labs, SAs agree at the end"
else
	echo "[lab $PARENT] FAIL: see the labs' lines above"
fi
exit $rc
