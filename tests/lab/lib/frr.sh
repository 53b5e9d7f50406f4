# shellcheck shell=bash
# FRR 8.4 (Debian's frr) as a site's router in a lab namespace: zebra and bgpd started by the lab
# in ROLE's namespace (as user frr, as Debian runs them), nothing from /etc/frr: their configuration, logs, pid files, zserv socket
# and vty sockets in the lab directory (frr_dir ROLE), tracked for cleanup; vtysh talks to exactly
# those sockets (--vty_socket) with a vtysh.conf of its own (--config_dir).
#
# frr_start ROLE BGPD_CONF   zebra then bgpd in ROLE's namespace (waits for both vty sockets)
# vtysh_ ROLE ARGS...        vtysh against them, e.g. vtysh_ site -c 'show bgp summary'
# frr_bgp ROLE CMDS...       each CMD inside `configure terminal` / `router bgp` (frr_conf_as)
# frr_has ROLE PREFIX        bgpd's table has a path to PREFIX (show bgp ipv4 unicast PREFIX)
# frr_neighbor ROLE ADDR F   field F of `show bgp neighbors ADDR json` (e.g. bgpState)

FRR_BIN=${FRR_BIN:-/usr/lib/frr}

frr_dir() { printf '%s/frr-%s' "$LAB_DIR" "$1"; }
frr_pid() { cat "$(frr_dir "$1")/$2.pid"; }

vtysh_() {
	local role=$1
	shift
	vtysh --vty_socket "$(frr_dir "$role")" --config_dir "$(frr_dir "$role")" "$@"
}

# frr_bgp ROLE "address-family ipv4 unicast" "no network 172.16.10.0/24" ...
frr_bgp() {
	local role=$1 args=() c
	shift
	args=(-c "configure terminal" -c "router bgp $(cat "$(frr_dir "$role")/asn")")
	for c in "$@"; do args+=(-c "$c"); done
	say "+ vtysh (in $role): router bgp: $*"
	vtysh_ "$role" "${args[@]}"
}

frr_has() {
	vtysh_ "$1" -c "show bgp ipv4 unicast $2 json" 2>/dev/null |
		jq -e --arg p "$2" '.prefix == $p and (.paths | length) > 0' >/dev/null
}

frr_neighbor() {
	vtysh_ "$1" -c "show bgp neighbors $2 json" 2>/dev/null | jq -r --arg a "$2" ".[\$a].$3 // empty"
}

# One FRR daemon in ROLE's namespace: frr_daemon ROLE NAME ARGS...; $! is the daemon itself
# (ip netns exec execs it), tracked; ready when its vty socket answers.
frr_daemon() {
	local role=$1 name=$2 d pid
	shift 2
	d=$(frr_dir "$role")
	rm -f "$d/$name.vty"
	say "+ $name $* (in $role)"
	# As Debian's FRR runs, as user frr (in group frrvty, which FRR requires); -P 0: no TCP vty.
	ip netns exec "$(ns_name "$role")" "$FRR_BIN/$name" -P 0 -f "$d/$name.conf" \
		-i "$d/$name.pid" -z "$d/zserv.api" --vty_socket "$d" "$@" >"$d/$name.out" 2>&1 &
	pid=$!
	lab_track $pid
	wait_for 10 "$name's vty socket in $role" frr_ready "$role" "$name" $pid
	if ! kill -0 $pid 2>/dev/null || ! vtysh_ "$role" -d "$name" -c 'show version' >/dev/null 2>&1; then
		say "$name did not start in $role:"
		cat "$d/$name.out" >&2
		return 1
	fi
}

# Ready: its vty answers; or it has exited (wait_for then stops at once).
frr_ready() { ! kill -0 "$3" 2>/dev/null || vtysh_ "$1" -d "$2" -c 'show version'; }

frr_start() {
	local role=$1 conf=$2 d
	d=$(frr_dir "$role")
	mkdir -p "$d"
	[ -x "$FRR_BIN/bgpd" ] || { say "no FRR (scripts/install-deps installs frr)"; return 1; }
	: >"$d/vtysh.conf"
	sed -n 's/^router bgp \([0-9]*\).*/\1/p' "$conf" | head -n 1 >"$d/asn"
	[ "$conf" = "$d/bgpd.conf" ] || cp "$conf" "$d/bgpd.conf"
	cat >"$d/zebra.conf" <<EOF
hostname $role-zebra
log file $d/zebra.log
EOF
	# The daemons run as frr: their directory is frr's, the lab's is traversable (not readable).
	chmod 711 "$LAB_DIR"
	chown -R frr:frr "$d"
	frr_daemon "$role" zebra || return 1
	frr_daemon "$role" bgpd
}
