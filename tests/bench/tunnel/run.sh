#!/usr/bin/env bash
# Tunnel benchmark (issue 3 item 7). Prints figures; never passes or fails on them.
#
#   hostA ── gwA ═══ wan ═══ gwB ── hostB        10.1.0.0/24 | 192.0.2.0/24 | 198.51.100.0/24 | 10.2.0.0/24
#
# Columns, each measured in this run on the same topology:
#   plain       gwA and gwB just route (no tunnel): the ceiling
#   strongswan  charon (kernel-libipsec) on gwA and gwB, aes256-sha384-ecp384 / aes256gcm16
#   vnetgwd     vnetgwd on both ends, same proposals (when the daemon can run a tunnel)
# For each: iperf3 TCP hostA -> hostB, 1 and 4 streams, BENCH_SECONDS (10) each; and for the
# tunnels the IKE setup latency (IKE_SA + CHILD_SA), median of BENCH_SETUPS (20).
set -u
cd "$(dirname "$0")/../../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
LAB_QUIET=${LAB_QUIET:-1}
SECS=${BENCH_SECONDS:-10}
SETUPS=${BENCH_SETUPS:-20}

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

say "strongSwan <-> strongSwan"
in_ns wan ip route del 10.1.0.0/24; in_ns wan ip route del 10.2.0.0/24
swan_config ga 192.0.2.2 198.51.100.2 bench-psk aes256-sha384-ecp384 aes256gcm16-ecp384
swan_config gb 198.51.100.2 192.0.2.2 bench-psk aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start ga || lab_fail "charon on gwA"
swan_start gb || lab_fail "charon on gwB"
swan_ike_down() { ! swan_ctl "$1" --list-sas 2>/dev/null | grep -q ESTABLISHED; }
setups=()
for i in $(seq "$SETUPS"); do
	t0=$(date +%s%N)
	swan_ctl ga --initiate --child net >/dev/null 2>&1 || lab_fail "strongSwan initiate $i"
	setups+=($((($(date +%s%N) - t0) / 1000)))
	[ "$i" = "$SETUPS" ] || swan_ctl ga --terminate --ike s2s >/dev/null 2>&1
	[ "$i" = "$SETUPS" ] || wait_for 5 "IKE SA on gwA gone" swan_ike_down ga || lab_fail "terminate $i"
done
R[strongswan,setup]=$(printf '%s\n' "${setups[@]}" | median)
wait_for 10 "ipsec0 on gwA" in_ns ga ip link show ipsec0 || lab_fail "no ipsec0 on gwA"
wait_for 10 "ipsec0 on gwB" in_ns gb ip link show ipsec0 || lab_fail "no ipsec0 on gwB"
swan_route ga 10.2.0.0/24; swan_route gb 10.1.0.0/24
wait_for 10 "tunnel path" in_ns ha ping -c1 -W1 10.2.0.10 || lab_fail "no path through strongSwan"
R[strongswan,1]=$(tput 1); R[strongswan,4]=$(tput 4)

# vnetgwd <-> vnetgwd: not measurable until vnetgwd negotiates tunnels (issue 3); the column
# stays n/a rather than showing anything that was not measured.
R[vnetgwd,1]="n/a"; R[vnetgwd,4]="n/a"; R[vnetgwd,setup]="n/a"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-12s %14s %14s %18s\n' "path" "TCP 1 stream" "TCP 4 streams" "IKE setup (med)"
for p in plain strongswan vnetgwd; do
	s=${R[$p,setup]}
	[ "$s" != "-" ] && [ "$s" != "n/a" ] && s="$(awk -v u="$s" 'BEGIN{printf "%.1f ms", u/1000}')"
	printf '%-12s %9s Gb/s %9s Gb/s %18s\n' "$p" "${R[$p,1]}" "${R[$p,4]}" "$s"
done
printf '\nratios: strongswan/plain %s (1) %s (4); vnetgwd/strongswan %s (1) %s (4)\n' \
	"$(ratio "${R[strongswan,1]}" "${R[plain,1]}")" "$(ratio "${R[strongswan,4]}" "${R[plain,4]}")" \
	"$(ratio "${R[vnetgwd,1]}" "${R[strongswan,1]}")" "$(ratio "${R[vnetgwd,4]}" "${R[strongswan,4]}")"
printf 'machine: %s cores; iperf3 %s s per cell; %s IKE setups\n' "$(nproc)" "$SECS" "$SETUPS"
