#!/usr/bin/env bash
# Tunnel benchmark (issue 3 item 7). Prints figures; never passes or fails on them.
#
#   hostA ── gwA ═══ wan ═══ gwB ── hostB        10.1.0.0/24 | 192.0.2.0/24 | 198.51.100.0/24 | 10.2.0.0/24
#
# Columns, each measured in this run on the same topology:
#   plain       gwA and gwB just route (no tunnel): the ceiling
#   strongswan  charon (kernel-libipsec) on gwA and gwB, aes256-sha384-ecp384 / aes256gcm16
#   vnetgwd     vnetgwd on both ends (each with its store, the tunnel made through the CLI),
#               same proposals, unshaped (--no-rate-limit)
#   dp-udp      vnetgwd's data plane (src/dp) on both ends without IKE: the TEST-ONLY
#   dp-raw      build/bench/dp with hand-made AES-256-GCM keys; ESP in UDP 4500 / raw ESP.
#               Each gateway's LAN moves into the VNet namespace the data plane creates.
# For each: iperf3 TCP hostA -> hostB, 1 and 4 streams, BENCH_SECONDS (10) each; and for the
# tunnels the IKE setup latency (IKE_SA + CHILD_SA), median of BENCH_SETUPS (20).
set -u
cd "$(dirname "$0")/../../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
LAB_QUIET=${LAB_QUIET:-1}
SECS=${BENCH_SECONDS:-10}
SETUPS=${BENCH_SETUPS:-20}
SWAN=${BENCH_SWAN:-1} # 0: skip the strongSwan column (quick data-plane runs)

lab_init
for r in ha ga wan gb hb; do ns_add $r; done
link ha eth0 ga lan; link ga wan0 wan a0; link wan b0 gb wan0; link gb lan hb eth0
addr ha eth0 10.1.0.10/24; route ha default via 10.1.0.1
addr ga lan 10.1.0.1/24; addr ga wan0 192.0.2.2/24; route ga default via 192.0.2.1; forwarding ga
addr wan a0 192.0.2.1/24; addr wan b0 198.51.100.1/24; forwarding wan
addr gb wan0 198.51.100.2/24; route gb default via 198.51.100.1; addr gb lan 10.2.0.1/24; forwarding gb
addr hb eth0 10.2.0.10/24; route hb default via 10.2.0.1
# Without a tunnel the WAN must not carry the private prefixes: the plain column routes them.
route wan 10.1.0.0/24 via 192.0.2.2
route wan 10.2.0.0/24 via 198.51.100.2

in_ns hb iperf3 -s -D -I "$LAB_DIR/iperf3.pid" >/dev/null
wait_for 5 "iperf3 server" test -s "$LAB_DIR/iperf3.pid"
lab_track "$(cat "$LAB_DIR/iperf3.pid")"

# iperf3 Gbit/s for N streams, hostA -> hostB.
tput() {
	in_ns ha iperf3 -c 10.2.0.10 -t "$SECS" -P "$1" -J 2>/dev/null |
		jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000'
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A R

say "plain routed path"
wait_for 5 "plain path" in_ns ha ping -c1 -W1 10.2.0.10 || lab_fail "no plain path"
R[plain,1]=$(tput 1); R[plain,4]=$(tput 4); R[plain,setup]="-"

in_ns wan ip route del 10.1.0.0/24; in_ns wan ip route del 10.2.0.0/24
if [ "$SWAN" = 1 ]; then
	say "strongSwan <-> strongSwan"
	swan_config ga 192.0.2.2 198.51.100.2 bench-psk aes256-sha384-ecp384 aes256gcm16-ecp384
	swan_config gb 198.51.100.2 192.0.2.2 bench-psk aes256-sha384-ecp384 aes256gcm16-ecp384
	swan_start ga || lab_fail "charon on gwA"
	swan_start gb || lab_fail "charon on gwB"
	swan_ike_down() { ! swan_ctl "$1" --list-sas 2>/dev/null | grep -q ESTABLISHED; }
	for i in $(seq "$SETUPS"); do
		swan_ctl ga --initiate --child net >/dev/null 2>&1 || lab_fail "strongSwan initiate $i"
		[ "$i" = "$SETUPS" ] || swan_ctl ga --terminate --ike s2s >/dev/null 2>&1
		[ "$i" = "$SETUPS" ] || wait_for 5 "IKE SA on gwA gone" swan_ike_down ga || lab_fail "terminate $i"
	done
	# Setup time from charon's own log (ms timestamps): IKE_SA_INIT sent -> CHILD_SA established.
	R[strongswan,setup]=$(awk '/initiating IKE_SA s2s\[/ { split($1, t, /[:.]/); s[++n] = ((t[1]*60+t[2])*60+t[3])*1000+t[4] }
		/CHILD_SA net\{[0-9]+\} established/ { split($1, t, /[:.]/); e[++m] = ((t[1]*60+t[2])*60+t[3])*1000+t[4] }
		END { for (i = 1; i <= m; i++) print (e[i] - s[i]) * 1000 }' "$(swan_dir ga)/charon.log" | median)
	wait_for 10 "ipsec0 on gwA" in_ns ga ip link show ipsec0 || lab_fail "no ipsec0 on gwA"
	wait_for 10 "ipsec0 on gwB" in_ns gb ip link show ipsec0 || lab_fail "no ipsec0 on gwB"
	swan_route ga 10.2.0.0/24; swan_route gb 10.1.0.0/24
	wait_for 10 "tunnel path" in_ns ha ping -c1 -W1 10.2.0.10 || lab_fail "no path through strongSwan"
	R[strongswan,1]=$(tput 1); R[strongswan,4]=$(tput 4)
	# charon leaves: the data plane takes over the IKE ports and the gateways' LANs.
	for r in ga gb; do kill "$(cat "$(swan_dir "$r")/pid")" 2>/dev/null; done
	swan_gone() { ! kill -0 "$(cat "$(swan_dir ga)/pid")" 2>/dev/null && ! kill -0 "$(cat "$(swan_dir gb)/pid")" 2>/dev/null; }
	wait_for 10 "charon to exit" swan_gone || lab_fail "charon did not exit"
else
	R[strongswan,1]="skip"; R[strongswan,4]="skip"; R[strongswan,setup]="skip"
fi

# vnetgwd's data plane on both ends, keys by hand (build/bench/dp is TEST-ONLY).
DPGW="${VNETGW_BUILD:-build}/bench/dp"
KEY_AB=$(openssl rand -hex 36); KEY_BA=$(openssl rand -hex 36)
DP_PIDS=()
LAB_NS+=("$(ns_name va)" "$(ns_name vb)")
# dp_start ROLE PUBLIC PEER VNET GW REMOTE SPI_OUT KEY_OUT SPI_IN KEY_IN ENCAP
dp_start() {
	say "+ $DPGW in $1: $2 -> $3, VNet $(ns_name "$4") ($6 via $7/$9, ${11})"
	"$DPGW" --public "$2" --public-netns "$(ns_name "$1")" --peer "$3" --netns "$(ns_name "$4")" \
		--tun vgw0 --gw "$5" --remote "$6" --spi-out "$7" --key-out "$8" --spi-in "$9" \
		--key-in "${10}" --encap "${11}" >>"$LAB_DIR/dp-$1.log" 2>&1 &
	DP_PIDS+=($!)
	lab_track $!
	wait_for 10 "the data plane's TUN in $4" in_ns "$4" ip link show vgw0 || lab_fail "dp on $1"
}
dp_stop() {
	local pid
	for pid in "${DP_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${DP_PIDS[@]}"; do
		wait_for 5 "dp $pid to exit" sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid"
	done
	DP_PIDS=()
}
for enc in udp raw; do
	say "vnetgw data plane <-> vnetgw data plane (ESP $enc)"
	dp_start ga 192.0.2.2 198.51.100.2 va 10.1.255.4/29 10.2.0.0/24 0x1001 "$KEY_AB" 0x2001 "$KEY_BA" $enc
	dp_start gb 198.51.100.2 192.0.2.2 vb 10.2.255.4/29 10.1.0.0/24 0x2001 "$KEY_BA" 0x1001 "$KEY_AB" $enc
	if [ "$enc" = udp ]; then
		# The workloads attach to the VNets by their veths, as tenants' do.
		for side in a b; do
			run in_ns "g$side" ip link set lan netns "$(ns_name "v$side")"
		done
		run in_ns va ip addr add 10.1.0.1/24 dev lan; in_ns va ip link set lan up
		run in_ns vb ip addr add 10.2.0.1/24 dev lan; in_ns vb ip link set lan up
	fi
	wait_for 10 "path through the data plane" in_ns ha ping -c1 -W1 10.2.0.10 || lab_fail "no path through dp ($enc)"
	R[dp-$enc,1]=$(tput 1); R[dp-$enc,4]=$(tput 4); R[dp-$enc,setup]="-"
	dp_stop
	say "dp counters: $(grep -h 'dp: in' "$LAB_DIR"/dp-g?.log | tail -n 2 | tr '\n' ' ')"
	: >"$LAB_DIR/dp-ga.log"; : >"$LAB_DIR/dp-gb.log"
done

# vnetgwd <-> vnetgwd: the daemon on both ends, each with its store (its own data directory),
# the tunnel made through the CLI (tests/lab/lib/s2s.sh's import), IKEv2 with the default
# proposal (SPEC §3); each host's LAN moves from the data plane's VNet above to the VNet
# namespace vnetgwd makes. Run with --no-rate-limit: this measures the data plane, not the SKU
# shaper (issue 6 measures that).
. tests/lab/lib/s2s.sh
# vnetgwd_doc FILE PUBLIC PEER VNET SPACE GWSUBNET REMOTE INITIATE: the import's document
vnetgwd_doc() {
	cat >"$1" <<CONF
{ "publicIp": "$2",
  "vnets": [ { "name": "$4", "addressSpace": ["$5"], "gatewaySubnet": "$6" } ],
  "connections": [ { "name": "peer", "vnet": "$4", "peer": "$3", "sharedKey": "bench-psk",
                     "remotePrefixes": ["$7"], "sku": "HighPerformance", "initiate": $8 } ] }
CONF
}
# vnetgwd_start ROLE DOC VNET CIDR: vnetgwd in ROLE (api_use ROLE), DOC imported, the LAN moved
# from the data plane's namespace VNET into vnetgwd's and addressed CIDR.
vnetgwd_start() {
	local ns
	api_use "$1" "$1"
	s2s_vnetgwd_start "$2" --no-rate-limit >/dev/null || { cat "$(api_log)" >&2; lab_fail "vnetgwd on $1"; }
	ns=$(s2s_vnet_role "$3")
	run in_ns "$3" ip link set lan netns "$(ns_name "$ns")"
	addr "$ns" lan "$4"
	in_ns "$ns" ip link set lan up
}
vnetgwd_connected() { [ "$(jq -r '.connections[0].connectionStatus' "$(api_status_file)" 2>/dev/null)" = Connected ]; }
vnetgwd_idle() { [ "$(jq -r '.connections | length' "$(api_status_file)" 2>/dev/null)" = 0 ]; }
say "vnetgwd <-> vnetgwd"
vnetgwd_doc "$LAB_DIR/vga.json" 192.0.2.2 198.51.100.2 va 10.1.0.0/16 10.1.255.0/29 10.2.0.0/24 true
vnetgwd_doc "$LAB_DIR/vgb.json" 198.51.100.2 192.0.2.2 vb 10.2.0.0/16 10.2.255.0/29 10.1.0.0/24 false
vnetgwd_start gb "$LAB_DIR/vgb.json" vb 10.2.0.1/24
vnetgwd_start ga "$LAB_DIR/vga.json" va 10.1.0.1/24
wait_for 10 "vnetgwd tunnel up" vnetgwd_connected || { cat "$(api_log)" >&2; lab_fail "vnetgwd tunnel"; }
wait_for 10 "path through vnetgwd" in_ns ha ping -c1 -W1 10.2.0.10 || lab_fail "no path through vnetgwd"
R[vnetgwd,1]=$(tput 1); R[vnetgwd,4]=$(tput 4)
# Setups: the connection deleted through the CLI (a Delete to the peer) and created again
# (initiated), SETUPS times.
for i in $(seq 2 "$SETUPS"); do
	api_cli_ok vpn-connection delete -g "$S2S_RG" -n peer
	wait_for 5 "connection removed on gwA" vnetgwd_idle || lab_fail "vnetgwd remove $i"
	api_connection "$S2S_RG" peer va-gw peer bench-psk --connection-mode Default
	wait_for 5 "vnetgwd tunnel up again" vnetgwd_connected || lab_fail "vnetgwd setup $i"
done
# From vnetgwd's own log (ms timestamps): IKE_SA_INIT sent -> IKE_AUTH done with the CHILD_SA.
R[vnetgwd,setup]=$(awk '/NEW -> INIT_SENT/ { split($1, t, /[T:.Z]/); s[++n] = ((t[2]*60+t[3])*60+t[4])*1000+t[5] }
	/AUTH_SENT -> ESTABLISHED/ { split($1, t, /[T:.Z]/); e[++m] = ((t[2]*60+t[3])*60+t[4])*1000+t[5] }
	END { for (i = 1; i <= m; i++) print (e[i] - s[i]) * 1000 }' "$(api_log)" | median)
say "vnetgwd setups measured: $(grep -c 'AUTH_SENT -> ESTABLISHED' "$(api_log)")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-12s %14s %14s %18s\n' "path" "TCP 1 stream" "TCP 4 streams" "IKE setup (med)"
for p in plain strongswan vnetgwd dp-udp dp-raw; do
	s=${R[$p,setup]}
	[ "$s" != "-" ] && [ "$s" != "n/a" ] && [ "$s" != "skip" ] && s="$(awk -v u="$s" 'BEGIN{printf "%.1f ms", u/1000}')"
	printf '%-12s %9s Gb/s %9s Gb/s %18s\n' "$p" "${R[$p,1]}" "${R[$p,4]}" "$s"
done
printf '\nratios: strongswan/plain %s (1) %s (4); vnetgwd/strongswan %s (1) %s (4)\n' \
	"$(ratio "${R[strongswan,1]}" "${R[plain,1]}")" "$(ratio "${R[strongswan,4]}" "${R[plain,4]}")" \
	"$(ratio "${R[vnetgwd,1]}" "${R[strongswan,1]}")" "$(ratio "${R[vnetgwd,4]}" "${R[strongswan,4]}")"
printf '        dp-udp/strongswan %s (1) %s (4); dp-raw/strongswan %s (1) %s (4)\n' \
	"$(ratio "${R[dp-udp,1]}" "${R[strongswan,1]}")" "$(ratio "${R[dp-udp,4]}" "${R[strongswan,4]}")" \
	"$(ratio "${R[dp-raw,1]}" "${R[strongswan,1]}")" "$(ratio "${R[dp-raw,4]}" "${R[strongswan,4]}")"
printf 'machine: %s cores; iperf3 %s s per cell; %s IKE setups\n' "$(nproc)" "$SECS" "$SETUPS"
