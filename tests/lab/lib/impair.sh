# shellcheck shell=bash
# Lab helpers for the WAN impairment tool (build/tools/impair): a topology with the tool bridging
# two veths in a middle namespace, start/stop with its counters, and the counters' parsing.
#
#   h1 (eth0 10.77.0.1) --veth-- [a0  imp: impair a0<->b0  b0] --veth-- (eth0 10.77.0.2) h2
#
# Every frame on the two links is the test's own: IPv6 is off on all three namespaces, the hosts
# know each other's MAC statically (no ARP), imp's interfaces have no address.
# Needs tests/lab/lib/netns.sh sourced first.

IMPAIR_BIN=${IMPAIR_BIN:-${VNETGW_BUILD:-build}/tools/impair}
IMPAIR_H1=10.77.0.1
IMPAIR_H2=10.77.0.2
IMPAIR_PID=""
IMPAIR_LOG=""
IMPAIR_RUNS=0

ipv6_off() { in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }
mac_of() { in_ns "$1" cat "/sys/class/net/$2/address"; }

impair_topology() {
	local r
	[ -x "$IMPAIR_BIN" ] || lab_fail "no $IMPAIR_BIN (make)"
	for r in h1 imp h2; do
		ns_add "$r"
		ipv6_off "$r"
	done
	link h1 eth0 imp a0
	link imp b0 h2 eth0
	addr h1 eth0 $IMPAIR_H1/24
	addr h2 eth0 $IMPAIR_H2/24
	run in_ns h1 ip neigh replace $IMPAIR_H2 lladdr "$(mac_of h2 eth0)" dev eth0 nud permanent
	run in_ns h2 ip neigh replace $IMPAIR_H1 lladdr "$(mac_of h1 eth0)" dev eth0 nud permanent
}

# impair_start ARGS...: run the tool in imp between a0 (h1's side) and b0 (h2's side).
impair_start() {
	IMPAIR_RUNS=$((IMPAIR_RUNS + 1))
	IMPAIR_LOG="$LAB_DIR/impair.$IMPAIR_RUNS.log"
	[ "$LAB_QUIET" = 1 ] || say "+ impair -a a0 -b b0 $*"
	ip netns exec "$(ns_name imp)" "$IMPAIR_BIN" -a a0 -b b0 "$@" >"$IMPAIR_LOG" 2>&1 &
	IMPAIR_PID=$!
	lab_track "$IMPAIR_PID"
	wait_for 5 "impair ready" grep -q '^impair: ready' "$IMPAIR_LOG" ||
		{ cat "$IMPAIR_LOG" >&2; lab_fail "impair did not start"; }
	say "$(grep '^impair: ready' "$IMPAIR_LOG")"
}

# Stop it with SIGTERM (it prints its final counters), bounded to 5 s.
impair_stop() {
	[ -n "$IMPAIR_PID" ] || return 0
	kill -TERM "$IMPAIR_PID" 2>/dev/null
	wait_for 5 "impair exits" pid_gone "$IMPAIR_PID" || lab_fail "impair ignored SIGTERM"
	wait "$IMPAIR_PID" || lab_fail "impair exited with $?"
	IMPAIR_PID=""
	grep '^impair: final' "$IMPAIR_LOG" >&2
}

# impair_count DIR KEY: a counter from the last run's final line for direction ab or ba.
impair_count() {
	sed -n "s/^impair: final dir=$1 .*\\b$2=\\([0-9]*\\).*/\\1/p" "$IMPAIR_LOG"
}
