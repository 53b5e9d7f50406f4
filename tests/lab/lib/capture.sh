# shellcheck shell=bash
# Packet captures in a lab, with waits on what the capture holds rather than on time. Needs
# netns.sh.
#
# Two facts make a capture racy if it is treated like a log:
#  - dumpcap (and tshark, which runs dumpcap) prints "Capturing on ..." before the interface is
#    open, so a packet sent right after that line may be missed;
#  - libpcap on Linux reads a TPACKET_V3 ring whose blocks reach dumpcap when they fill or when
#    their timeout expires, and dumpcap writes its file every half second or so. Stopped with
#    SIGINT a few milliseconds after the last packet, it exits without the block that held it
#    (issue 11: an IKE exchange missing from its capture on a fast machine).
# So: cap_start returns once dumpcap's packet socket is bound and running in the namespace (read
# from /proc, not from its output); and before a capture is stopped, or a "captured nowhere"
# conclusion is drawn from it, the lab waits with cap_wait until the file holds what was sent
# last (ordering within one capture socket is kept: a frame present means all before it are).
#
#   cap_start NAME NS IFACE FILTER    dumpcap in namespace NS (a full name, e.g. $(ns_name gw))
#                                     on IFACE (or "any") with capture filter FILTER, writing
#                                     $LAB_DIR/cap-NAME.pcapng; sets CAP_PID[NAME]
#   cap_file NAME                     that file
#   cap_count NAME DISPLAY_FILTER [tshark args]    frames matching, in the file as written so far
#   cap_wait NAME WHAT MIN DISPLAY_FILTER [tshark args]
#                                     waits (20 s) until cap_count >= MIN; on timeout says what
#                                     it waited for and how many it found, and fails
#   cap_stop NAME                     SIGINT, and waits for dumpcap to exit (its file complete)

declare -gA CAP_PID=()

cap_file() { printf '%s/cap-%s.pcapng' "$LAB_DIR" "$1"; }

# cap_bound PID: one of PID's sockets is a packet socket that is running (bound to its interface)
# in the namespace PID lives in (/proc/PID/net is that namespace's).
cap_bound() {
	local pid=$1 inodes
	inodes=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	[ -n "$inodes" ] || return 1
	awk -v want=" $inodes" 'NR > 1 && $6 == 1 && index(want, " " $9 " ") { found = 1 } END { exit !found }' \
		"/proc/$pid/net/packet"
}

cap_start() {
	local name=$1 ns=$2 ifc=$3 filter=$4 pid
	say "+ dumpcap -i $ifc -f '$filter' in $ns -> $(cap_file "$name")"
	# Started directly (not through in_ns, a function: its subshell) so that $! is dumpcap.
	ip netns exec "$ns" dumpcap -q -i "$ifc" -f "$filter" -w "$(cap_file "$name")" \
		>"$LAB_DIR/cap-$name.out" 2>&1 &
	pid=$!
	lab_track "$pid"
	CAP_PID[$name]=$pid
	wait_for 30 "dumpcap's packet socket on $ifc in $ns" cap_bound "$pid" || {
		cat "$LAB_DIR/cap-$name.out" >&2
		lab_fail "dumpcap did not open $ifc in $ns"
	}
}

cap_count() {
	local name=$1 filter=$2
	shift 2
	# A file still being written may end in half a record: tshark counts the whole ones.
	tshark -n -r "$(cap_file "$name")" "$@" -Y "$filter" 2>/dev/null | wc -l
}

# cap_has NAME MIN FILTER [args]: for wait_for.
cap_has() {
	local name=$1 min=$2 filter=$3
	shift 3
	[ "$(cap_count "$name" "$filter" "$@")" -ge "$min" ]
}

cap_wait() {
	local name=$1 what=$2 min=$3 filter=$4
	shift 4
	wait_for 20 "capture $name holds $what ($min x '$filter')" cap_has "$name" "$min" "$filter" "$@" ||
		lab_fail "capture $name: $(cap_count "$name" "$filter" "$@") of $min frames of $what ('$filter') after 20 s"
}

cap_stop() {
	local name=$1 pid=${CAP_PID[$1]}
	kill -INT "$pid" 2>/dev/null
	wait_for 10 "dumpcap $name exits" pid_gone "$pid" ||
		lab_fail "dumpcap $name did not exit on SIGINT"
	wait "$pid" 2>/dev/null
}
