#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers run through wait_for/expect
# Issue 12 (speaker part): our BGP speaker (src/bgp, run by tests/tools/bgpspeak) peers with a
# real router, BIRD 2 from Debian, over a veth between two namespaces. BIRD is started by the
# lab with its own configuration, log and control socket in the lab directory.
#
#   [gw ns] bgpspeak 10.77.0.1 AS 65515  ──veth──  [site ns] bird 10.77.0.2 AS 65010
#           originates 10.1.0.0/16 (VNet)          static 192.168.50.0/24, 192.168.51.0/24
#                                                  (and 0.0.0.0/0, 10.1.7.0/24: refused by us)
#
# Asserted: the session reaches Established; BIRD's two routes are learned (next hop BIRD), its
# default route and its VNet-overlapping route are refused; our VNet prefix is in BIRD's table
# (birdc show route); BIRD withdrawing one route is seen in our table within a second; BIRD
# frozen (SIGSTOP: no FIN, no keepalive) ends the session within the hold time (9 s) with
# Hold Timer Expired and the routes go. Times are printed.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh

SPEAK=${VNETGW_BUILD:-build}/tools/bgpspeak
BIRD=$(command -v bird || true)
BIRDC=$(command -v birdc || true)
HOLD=9

[ -x "$SPEAK" ] || lab_fail "no $SPEAK (make)"
[ -n "$BIRD" ] && [ -n "$BIRDC" ] || lab_fail "no bird/birdc (scripts/install-deps installs bird2)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
status() { cat "$LAB_DIR/speak.status" 2>/dev/null; }
peer_is() { status | grep -q "^peer bird $1 "; }
has_route() { status | grep -q "^route $1 "; }
no_route() { ! has_route "$1"; }
birdc_() { "$BIRDC" -s "$LAB_DIR/bird.ctl" "$@"; }
bird_has() { birdc_ show route "$1" | grep -q "^$1 "; }

lab_init
ns_add gw
ns_add site
link gw veth-gw site veth-site
addr gw veth-gw 10.77.0.1/24
addr site veth-site 10.77.0.2/24

cat >"$LAB_DIR/bird.conf" <<EOF
log "$LAB_DIR/bird.log" all;
router id 10.77.0.2;
protocol device { }
protocol static st50 { ipv4; route 192.168.50.0/24 blackhole; }
protocol static st51 { ipv4; route 192.168.51.0/24 blackhole; }
protocol static bad { ipv4; route 0.0.0.0/0 blackhole; route 10.1.7.0/24 blackhole; }
protocol bgp vnetgw {
	local 10.77.0.2 as 65010;
	neighbor 10.77.0.1 as 65515;
	hold time $HOLD;
	connect retry time 2;
	ipv4 { import all; export where proto ~ "st*" || proto = "bad"; };
}
EOF

say "+ bgpspeak --local 10.77.0.1 --asn 65515 --peer bird,10.77.0.2,65010 --vnet 10.1.0.0/16 (in gw)"
# (ip netns exec, not the in_ns function: $! must be the program itself, for cleanup)
ip netns exec "$(ns_name gw)" "$SPEAK" --local 10.77.0.1 --asn 65515 --id 10.77.0.1 --port 179 \
	--status "$LAB_DIR/speak.status" --peer bird,10.77.0.2,65010 --vnet 10.1.0.0/16 \
	>"$LAB_DIR/speak.log" 2>&1 &
SPEAK_PID=$!
lab_track "$SPEAK_PID"

say "+ bird -f -c bird.conf -s bird.ctl (in site)"
ip netns exec "$(ns_name site)" "$BIRD" -f -c "$LAB_DIR/bird.conf" -s "$LAB_DIR/bird.ctl" -P "$LAB_DIR/bird.pid" \
	>"$LAB_DIR/bird.out" 2>&1 &
lab_track $!
wait_for 5 "bird's pid file" test -s "$LAB_DIR/bird.pid" || lab_fail "bird did not start: $(cat "$LAB_DIR/bird.out")"
BIRD_PID=$(cat "$LAB_DIR/bird.pid")
lab_track "$BIRD_PID"

t0=$(now_ms)
wait_for 20 "session Established" peer_is Established || {
	status >&2
	tail -n 20 "$LAB_DIR/speak.log" "$LAB_DIR/bird.log" >&2
	lab_fail "no session"
}
say "session Established after $(($(now_ms) - t0)) ms"
expect_soon "BIRD's 192.168.50.0/24 learned" has_route 192.168.50.0/24
expect_soon "BIRD's 192.168.51.0/24 learned" has_route 192.168.51.0/24
expect "next hop is BIRD" sh -c "grep -q '^route 192.168.50.0/24 10.77.0.2 bird 65010' '$LAB_DIR/speak.status'"
expect "BIRD's default route refused" no_route 0.0.0.0/0
expect "BIRD's VNet-overlapping route refused" no_route 10.1.7.0/24
expect_soon "refusals counted" sh -c "grep -q 'refused=2' '$LAB_DIR/speak.status'"
expect_soon "our VNet prefix in BIRD's table" bird_has 10.1.0.0/16
say "BIRD: $(birdc_ show route 10.1.0.0/16 all | grep -E 'BGP.as_path|via' | tr -s ' ' | tr '\n' ';')"

# A withdrawal from BIRD reaches our table within a second.
t1=$(now_ms)
run birdc_ disable st51 >/dev/null
wait_for 1 "192.168.51.0/24 withdrawn" no_route 192.168.51.0/24 || lab_fail "withdrawal not seen within 1 s"
say "withdrawal seen after $(($(now_ms) - t1)) ms"
expect "the other route stays" has_route 192.168.50.0/24

# BIRD frozen: nothing more comes; our hold timer (negotiated ${HOLD} s) ends the session.
t2=$(now_ms)
run kill -STOP "$BIRD_PID"
wait_for $((HOLD + 2)) "session down" sh -c "! grep -q '^peer bird Established ' '$LAB_DIR/speak.status'" ||
	lab_fail "session still up $((HOLD + 2)) s after BIRD froze"
down=$(($(now_ms) - t2))
say "session down ${down} ms after BIRD froze (hold time ${HOLD} s)"
expect "ended by Hold Timer Expired" sh -c "grep -q 'error=sent Hold Timer Expired' '$LAB_DIR/speak.status'"
expect "within the hold time (+1 s)" test "$down" -le $(((HOLD + 1) * 1000))
expect "BIRD's routes withdrawn" no_route 192.168.50.0/24
run kill -CONT "$BIRD_PID"
lab_pass "bgpspeak and BIRD 2: Established, routes both ways, withdrawal within 1 s, hold-timer expiry"
