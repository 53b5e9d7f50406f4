#!/usr/bin/env bash
# Issue 4 item 4: the WAN impairment tool (tests/tools/impair) does what it says, checked against
# ping and a UDP sequence receiver through it:
#
#   h1 (10.77.0.1) --veth-- [a0  imp: impair  b0] --veth-- (10.77.0.2) h2
#
#  0. usage errors: exit 2 with the reason and the usage line
#  1. no impairment: 500 pings at 10 ms, none lost, nothing else seen; SIGUSR1 prints counters
#  2. 5% loss each way, fixed seed: ping's lost count = the tool's loss drops (requests + replies)
#  3. 1% duplication each way: ping's duplicates = the tool's duplicates (requests + replies)
#  4. 50 ms delay h1->h2: ping's minimum RTT >= 50 ms (a lower bound only: no timing pass/fail)
#  5. reordering h1->h2: a UDP sequence receiver sees exactly the tool's reorders; none when off
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/impair.sh

# ping_field OUT REGEX: the number a sed expression pulls out of ping's summary.
ping_field() { sed -n "$2" <<<"$1" | head -n 1; }
ping_tx() { ping_field "$1" 's/^\([0-9]*\) packets transmitted.*/\1/p'; }
ping_rx() { ping_field "$1" 's/.* transmitted, \([0-9]*\) received.*/\1/p'; }
ping_dups() {
	local d
	d=$(ping_field "$1" 's/.* +\([0-9]*\) duplicates.*/\1/p')
	echo "${d:-0}"
}
ping_min_ms() { ping_field "$1" 's/^rtt min\/avg\/max\/mdev = \([0-9.]*\)\/.*/\1/p'; }

# h1 pings h2: pings COUNT INTERVAL (not -w: with it, -c counts replies, not requests).
pings() {
	run in_ns h1 timeout 60 ping -n -q -c "$1" -i "$2" -W 2 $IMPAIR_H2 2>&1
}

udp_helper() {
	cat >"$LAB_DIR/udpseq.py" <<'PY'
# udpseq.py send HOST PORT COUNT | recv PORT COUNT READYFILE: numbered datagrams; the receiver
# prints received=N out_of_order=N (a datagram whose number is below one already seen).
import socket, struct, sys, time
mode = sys.argv[1]
if mode == "send":
    host, port, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(struct.pack("!I", i) + b"x" * 60, (host, port))
        time.sleep(0.0005)
else:
    port, count, ready = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("0.0.0.0", port))
    open(ready, "w").close()
    s.settimeout(3.0)
    got = ooo = 0
    top = -1
    deadline = time.monotonic() + 30
    while got < count and time.monotonic() < deadline:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        n = struct.unpack("!I", data[:4])[0]
        got += 1
        if n < top:
            ooo += 1
        top = max(top, n)
    print(f"received={got} out_of_order={ooo}")
PY
}

# udp_run COUNT: h1 sends COUNT numbered datagrams to h2; prints the receiver's line.
udp_run() {
	local ready="$LAB_DIR/udp.ready" out="$LAB_DIR/udp.out" pid
	rm -f "$ready" "$out"
	ip netns exec "$(ns_name h2)" python3 "$LAB_DIR/udpseq.py" recv 9000 "$1" "$ready" >"$out" 2>&1 &
	pid=$!
	lab_track "$pid"
	wait_for 10 "UDP receiver ready" test -e "$ready" || lab_fail "UDP receiver did not start"
	run in_ns h1 python3 "$LAB_DIR/udpseq.py" send $IMPAIR_H2 9000 "$1" || lab_fail "UDP sender"
	wait "$pid" || { cat "$out" >&2; lab_fail "UDP receiver failed"; }
	cat "$out"
}
kv() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

lab_init
impair_topology
udp_helper

say "--- 0: usage errors are refused with a reason"
for bad in "--ab loss=101" "--ba delay=-5" "--both spin=1" "--seed x" "--queue 1" "-a b0" "extra"; do
	# shellcheck disable=SC2086
	"$IMPAIR_BIN" -a a0 -b b0 $bad >"$LAB_DIR/usage.out" 2>&1
	rc=$?
	expect "0: '$bad' exits 2 ($(head -n 1 "$LAB_DIR/usage.out"))" test "$rc" = 2
	expect "0: '$bad' says what is wrong and how to use it" \
		grep -q "^usage: impair" "$LAB_DIR/usage.out"
done

say "--- 1: no impairment, 500 pings at 10 ms"
impair_start --seed 1
out=$(pings 500 0.01)
kill -USR1 "$IMPAIR_PID"
expect_soon "1: SIGUSR1 prints the counters, the tool keeps running" \
	grep -q '^impair: stats dir=ab received=500 forwarded=500 ' "$IMPAIR_LOG"
impair_stop
say "$(grep -E 'transmitted|rtt' <<<"$out" | tr '\n' ' ')"
expect "1: 500 sent, 500 answered" test "$(ping_tx "$out")/$(ping_rx "$out")" = 500/500
expect "1: no duplicates" test "$(ping_dups "$out")" = 0
expect "1: the tool forwarded 500 requests" test "$(impair_count ab forwarded)" = 500
expect "1: and 500 replies" test "$(impair_count ba forwarded)" = 500
expect "1: and saw nothing else" test "$(impair_count ab received)/$(impair_count ba received)" = 500/500
for k in lost duplicated reordered delayed queue_full oversize send_errors rx_drops; do
	expect "1: $k = 0 both ways" test "$(impair_count ab $k)$(impair_count ba $k)" = 00
done

say "--- 2: 5% loss each way, seed 42"
impair_start --seed 42 --both loss=5
out=$(pings 500 0.01)
impair_stop
say "$(grep -E 'transmitted' <<<"$out")"
lost=$(($(ping_tx "$out") - $(ping_rx "$out")))
lost_ab=$(impair_count ab lost)
lost_ba=$(impair_count ba lost)
say "ping lost $lost; the tool dropped $lost_ab requests and $lost_ba replies"
expect "2: 500 requests reached the tool" test "$(impair_count ab received)" = 500
expect "2: every reply it saw answers a request it forwarded" \
	test "$(impair_count ba received)" = "$(impair_count ab forwarded)"
expect "2: ping's losses = requests dropped + replies dropped" test "$lost" = $((lost_ab + lost_ba))
# 5% of 500 requests and of ~475 replies: mean 25 and ~24, sd ~5 each; a 6-sd band.
expect "2: requests dropped within 5% +- 6 sd (0..55)" test "$lost_ab" -le 55
expect "2: replies dropped within 5% +- 6 sd (0..55)" test "$lost_ba" -le 55
expect "2: some loss at all (P(none) ~ 1e-22)" test "$lost" -gt 0
for k in queue_full send_errors rx_drops; do
	expect "2: no other drop: $k = 0 both ways" test "$(impair_count ab $k)$(impair_count ba $k)" = 00
done

say "--- 3: 1% duplication each way, seed 7"
impair_start --seed 7 --both dup=1
out=$(pings 500 0.01)
impair_stop
say "$(grep -E 'transmitted' <<<"$out")"
dups=$(ping_dups "$out")
dup_ab=$(impair_count ab duplicated)
dup_ba=$(impair_count ba duplicated)
say "ping saw $dups duplicates; the tool duplicated $dup_ab requests and $dup_ba replies"
expect "3: none lost" test "$(ping_rx "$out")" = 500
# A duplicated request draws a second reply; a duplicated reply is one more: one DUP! each.
expect "3: ping's duplicates = requests + replies duplicated" test "$dups" = $((dup_ab + dup_ba))
expect "3: some duplication (P(none) ~ 5e-5)" test "$dups" -gt 0
expect "3: within 1% +- 6 sd of ~1000 frames (<= 30)" test "$dups" -le 30

say "--- 4: 50 ms delay h1->h2"
impair_start --seed 3 --ab delay=50
out=$(pings 40 0.02)
impair_stop
say "$(grep -E 'transmitted|rtt' <<<"$out" | tr '\n' ' ')"
min=$(ping_min_ms "$out")
expect "4: all 40 answered" test "$(ping_rx "$out")" = 40
expect "4: every request was delayed" test "$(impair_count ab delayed)" = 40
expect "4: no reply was" test "$(impair_count ba delayed)" = 0
expect "4: minimum RTT $min ms >= 50 ms" awk -v m="$min" 'BEGIN { exit !(m != "" && m >= 50.0) }'

say "--- 5: reordering h1->h2, 2000 numbered datagrams"
impair_start --seed 11 --ab reorder=10,hold=100
res=$(udp_run 2000)
impair_stop
say "receiver: $res"
reo=$(impair_count ab reordered)
expect "5: all 2000 arrived" test "$(kv "$res" received)" = 2000
expect "5: the receiver saw reordering" test "$(kv "$res" out_of_order)" -gt 0
expect "5: exactly the tool's $reo reorders" test "$(kv "$res" out_of_order)" = "$reo"
impair_start --seed 11
res=$(udp_run 2000)
impair_stop
say "receiver, reordering off: $res"
expect "5: off: all 2000 arrived" test "$(kv "$res" received)" = 2000
expect "5: off: in order" test "$(kv "$res" out_of_order)" = 0
expect "5: off: the tool reordered nothing" test "$(impair_count ab reordered)" = 0

lab_pass "impair: pass-through, loss, duplication, delay and reordering as counted"
