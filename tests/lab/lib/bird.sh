# shellcheck shell=bash
# BIRD 2 (Debian's bird2) as a site's router in a lab namespace: its configuration, log, control
# socket and pid file in the lab directory, started by the lab and tracked for cleanup.
#
# bird_start ROLE CONF     start bird in ROLE's namespace with CONF (waits for its socket)
# birdc_ ROLE ARGS...      birdc against it
# bird_has ROLE PREFIX     BIRD's table has a route to PREFIX (birdc show route)
# bird_pid ROLE            its PID

bird_dir() { printf '%s/bird-%s' "$LAB_DIR" "$1"; }
bird_pid() { cat "$(bird_dir "$1")/bird.pid"; }
birdc_() {
	local role=$1
	shift
	birdc -s "$(bird_dir "$role")/bird.ctl" "$@"
}
bird_has() { birdc_ "$1" show route "$2" | grep -q "^$2 "; }

bird_start() {
	local role=$1 conf=$2 d
	d=$(bird_dir "$role")
	mkdir -p "$d"
	command -v bird >/dev/null || { say "no bird (scripts/install-deps installs bird2)"; return 1; }
	say "+ bird -f -c $conf -s $d/bird.ctl (in $role)"
	ip netns exec "$(ns_name "$role")" bird -f -c "$conf" -s "$d/bird.ctl" -P "$d/bird.pid" \
		>"$d/bird.out" 2>&1 &
	lab_track $!
	wait_for 5 "bird's pid file in $role" test -s "$d/bird.pid" || {
		cat "$d/bird.out" >&2
		return 1
	}
	lab_track "$(bird_pid "$role")"
	wait_for 5 "bird's control socket in $role" birdc_ "$role" show status
}
