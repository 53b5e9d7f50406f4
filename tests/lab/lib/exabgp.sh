# shellcheck shell=bash
# exabgp 4.2 (Debian's exabgp) as a scripted BGP peer in a lab namespace. Each instance NAME has
# its directory (exa_dir NAME) with its configuration, log and a command file: its API process
# (`tail -F` of that file) hands exabgp every line the lab appends, so the lab says what to
# announce when. Nothing from /etc/exabgp; no CLI pipes; exabgp and its API process are tracked
# for cleanup.
#
# exa_conf NAME LOCAL_ADDR LOCAL_AS PEER PEER_AS HOLD   the configuration of one neighbor
# exa_start ROLE NAME        exabgp in ROLE's namespace with NAME's configuration
# exa_cmd NAME LINE...       API commands (e.g. "announce route 10.9.0.0/24 next-hop self")
# exa_log_has NAME REGEX     exabgp's log has a line matching REGEX
# exa_stop NAME              SIGTERM to that exabgp (by its PID), and wait until it is gone
#
# exabgp 4.2 packs a NEXT_HOP attribute only after asking it whether it is IPv4
# (Attributes.pack), which the generic `attribute [ code flags value ]` cannot answer: a crafted
# NEXT_HOP could not be sent at all. exa_start runs exabgp through a few lines of Python that
# give the generic attribute that answer (yes), and change nothing else.

exa_dir() { printf '%s/exabgp-%s' "$LAB_DIR" "$1"; }
exa_pid() { cat "$(exa_dir "$1")/exabgp.pid"; }

exa_conf() {
	local name=$1 local_addr=$2 local_as=$3 peer=$4 peer_as=$5 hold=$6 d
	d=$(exa_dir "$name")
	mkdir -p "$d"
	: >"$d/cmds"
	cat >"$d/feed.sh" <<EOF
#!/bin/sh
echo \$\$ >'$d/feed.pid'
exec tail -n +1 -F '$d/cmds'
EOF
	cat >"$d/exabgp.conf" <<EOF
process feed {
	run /bin/sh $d/feed.sh;
	encoder text;
}
neighbor $peer {
	router-id $local_addr;
	local-address $local_addr;
	local-as $local_as;
	peer-as $peer_as;
	hold-time $hold;
	group-updates true;
	family { ipv4 unicast; }
	api { processes [ feed ]; }
}
EOF
	cat >"$d/run.py" <<'EOF'
import sys
from exabgp.bgp.message.update.attribute.generic import GenericAttribute
GenericAttribute.ipv4 = lambda self: True  # see lib/exabgp.sh: a crafted NEXT_HOP goes out too
from exabgp.application import run_exabgp
sys.argv[0] = 'exabgp'
run_exabgp()
EOF
}

exa_start() {
	local role=$1 name=$2 d pid
	d=$(exa_dir "$name")
	command -v exabgp >/dev/null || { say "no exabgp (scripts/install-deps installs exabgp)"; return 1; }
	say "+ exabgp $d/exabgp.conf (in $role)"
	# Its own settings, not /etc/exabgp's: root without dropping privileges (the lab directory
	# is root's), log to a file, no CLI pipes, no acknowledgements (tail reads no stdin), the
	# API process never respawned (it would replay the command file), no listening socket.
	ip netns exec "$(ns_name "$role")" env \
		exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
		exabgp.log.destination="$d/exabgp.log" exabgp.log.level=DEBUG exabgp.log.packets=true \
		exabgp.api.cli=false exabgp.api.ack=false exabgp.api.respawn=false exabgp.tcp.bind= \
		/usr/bin/python3 "$d/run.py" "$d/exabgp.conf" >"$d/exabgp.out" 2>&1 &
	pid=$!
	lab_track "$pid"
	echo "$pid" >"$d/exabgp.pid"
	wait_for 10 "exabgp's API process in $role" test -s "$d/feed.pid" || {
		cat "$d/exabgp.out" "$d/exabgp.log" >&2
		return 1
	}
	lab_track "$(cat "$d/feed.pid")"
}

exa_cmd() {
	local name=$1 line
	shift
	for line in "$@"; do
		if [ ${#line} -gt 160 ]; then say "+ exabgp $name: ${line:0:100}... (${#line} characters)"; else say "+ exabgp $name: $line"; fi
		printf '%s\n' "$line" >>"$(exa_dir "$name")/cmds"
	done
}

exa_log_has() { grep -Eq "$2" "$(exa_dir "$1")/exabgp.log"; }

exa_stop() {
	local pid
	pid=$(exa_pid "$1")
	say "+ kill $pid (exabgp $1)"
	kill "$pid" 2>/dev/null
	wait_for 10 "exabgp $1 ($pid) gone" pid_gone "$pid"
}
