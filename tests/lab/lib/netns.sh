# shellcheck shell=bash
# Lab helpers in the style of WireGuard's netns.sh: every command that changes the topology is
# printed before it runs; every namespace is named vgt-<run>-<role> and deleted on exit (also on
# failure); readiness is polled, never slept for.
#
# Use:  . tests/lab/lib/netns.sh; lab_init; ns_add wan; ...; lab_pass / lab_fail "why"

set -u

LAB_ID=${LAB_ID:-$$}
LAB_DIR=""
LAB_PIDS=()
LAB_NS=()
LAB_QUIET=${LAB_QUIET:-0}

say() { printf '[lab %s] %s\n' "$LAB_ID" "$*" >&2; }
# Print and run.
run() {
	[ "$LAB_QUIET" = 1 ] || printf '[lab %s] + %s\n' "$LAB_ID" "$*" >&2
	"$@"
}

ns_name() { printf 'vgt-%s-%s' "$LAB_ID" "$1"; }
# Run a command in role $1's namespace.
in_ns() {
	local ns
	ns=$(ns_name "$1")
	shift
	ip netns exec "$ns" "$@"
}

lab_cleanup() {
	local pid ns
	for pid in "${LAB_PIDS[@]+"${LAB_PIDS[@]}"}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]+"${LAB_PIDS[@]}"}"; do
		# Give each started process a moment, then make sure.
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	for ns in "${LAB_NS[@]+"${LAB_NS[@]}"}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$LAB_DIR" ] && [ "${LAB_KEEP:-0}" != 1 ] && rm -rf "$LAB_DIR"
}

lab_init() {
	LAB_DIR=$(mktemp -d "/tmp/vgt-$LAB_ID.XXXXXX")
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Remember a PID we started, so cleanup ends exactly it.
lab_track() { LAB_PIDS+=("$1"); }

ns_add() {
	local ns
	ns=$(ns_name "$1")
	run ip netns add "$ns"
	LAB_NS+=("$ns")
	in_ns "$1" ip link set lo up
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 2>/dev/null || true
}

# veth between two roles: link ROLE_A IFNAME_A ROLE_B IFNAME_B
link() {
	run ip link add name "$2" netns "$(ns_name "$1")" type veth peer name "$4" netns "$(ns_name "$3")"
	in_ns "$1" ip link set dev "$2" up
	in_ns "$3" ip link set dev "$4" up
}

addr() { run in_ns "$1" ip addr add "$3" dev "$2"; }
route() { local r=$1; shift; run in_ns "$r" ip route add "$@"; }
forwarding() { in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1; }

# Poll a command until it succeeds: wait_for SECONDS DESCRIPTION CMD...
wait_for() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -gt "$deadline" ]; then
			say "timed out after ${secs}s waiting for: $what"
			return 1
		fi
		sleep 0.05
	done
}

# pid_gone PID: the process has exited (a zombie its parent has not reaped yet counts as exited).
pid_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }

lab_fail() { say "FAIL: $*"; exit 1; }
lab_pass() { say "PASS: $*"; exit 0; }
expect() {
	local what=$1
	shift
	if "$@"; then say "ok: $what"; else lab_fail "$what"; fi
}
# Like expect, for what becomes true a little later (a peer's log is flushed, a status file is
# rewritten): polled for up to 5 s.
expect_soon() {
	local what=$1
	shift
	if wait_for 5 "$what" "$@"; then say "ok: $what"; else lab_fail "$what"; fi
}
