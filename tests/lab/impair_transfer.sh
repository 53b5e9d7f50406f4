#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # helpers run through wait_for/expect; s2s_swan takes defaults
# Issue 4: the tunnel through a bad WAN. vnetgwd <-> strongSwan through the impairment tool at 5%
# loss, 1% duplication and 1% reordering in both directions (tests/lab/lib/s2s.sh,
# s2s_topology_impaired):
#
#   wl ── [VNet] ══ gw (vnetgwd) ── [imp: impair] ── wan ── site (charon) ── host
#
#  1. the tunnel establishes (IKE retransmissions get through the loss);
#  2. vnetgwd runs with --debug-lifetimes 120,$CHILD_S,0 (CHILD_SAs rekeyed by vnetgwd every
#     0.9 * CHILD_S = 4.5 s): a 64 MiB random file goes host -> workload over TCP, paced to last
#     at least 3 * CHILD_S, across at least two CHILD rekeys (counted in vnetgwd's log) and its
#     sha256 matches; afterwards each side
#     holds exactly one CHILD_SA;
#  3. ESP replay protection (RFC 4303 3.4.3): every ESP packet towards vnetgwd whose (SPI, seq)
#     the tool had already forwarded (its esp_dup count) is dropped: as a replay while its SA
#     lives, or for want of an SA once a rekey removed it (make-before-break keeps that rare);
#     nothing else is dropped as a replay, so the reordered ESP packets the tool forwarded
#     (esp_late > 0) were all accepted.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/impair.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

SEED=${IMPAIR_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
SIZE_MIB=${XFER_MIB:-64}
CHILD_S=${CHILD_S:-5}
PACE_MBPS=$((SIZE_MIB * 8 * 1049 / 1000 / (3 * CHILD_S)))
SPEC=loss=5,dup=1,reorder=1

lab_init
say "seed $SEED (IMPAIR_SEED=$SEED reproduces the tool's decisions)"
s2s_topology_impaired
impair_start --seed "$SEED" --both "$SPEC"
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" --debug-lifetimes "120,$CHILD_S,0" ||
	lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan || lab_fail "charon did not start"

# 1. Establish through the loss.
t0=$(date +%s%N)
swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
	{ cat "$LAB_DIR/initiate.out" >&2; tail -20 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "the tunnel did not establish through $SPEC"; }
say "ok: established through $SPEC in $((($(date +%s%N) - t0) / 1000000)) ms"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
expect_soon "vnetgwd reports Connected" s2s_connected

# 2. The transfer, across rekeys.
child_rekeys() { grep -cE 'IKE .*CHILD_SA [0-9a-f/]* rekeyed -> [0-9a-f/]* \(by (us|the peer)' "$LAB_DIR/vnetgwd.log"; }
head -c $((SIZE_MIB << 20)) /dev/urandom >"$LAB_DIR/file"
rekeys0=$(child_rekeys)
nosa0=$(jq -r '.dataPlane.espNoSa // 0' "$LAB_DIR/status.json")
t0=$(date +%s%N)
# Paced to at most PACE_MBPS so that it spans at least 3 rekey intervals on a fast machine too.
s2s_tcp_transfer "$LAB_DIR/file" host wl $S2S_WL_IP 300 "$PACE_MBPS" || lab_fail "the transfer did not complete"
ms=$((($(date +%s%N) - t0) / 1000000))
sum_sent=$(sha256sum <"$LAB_DIR/file" | cut -d' ' -f1)
sum_recv=$(sha256sum <"$LAB_DIR/file.recv" | cut -d' ' -f1)
say "$SIZE_MIB MiB host -> workload in $ms ms ($((SIZE_MIB * 8 * 1000 / (ms + 1))) Mbit/s); sha256 sent $sum_sent received $sum_recv"
expect "sha256 of the received file matches" test "$sum_sent" = "$sum_recv"
rekeys=$(($(child_rekeys) - rekeys0))
expect "at least two CHILD rekeys during the transfer ($rekeys)" test "$rekeys" -ge 2
one_child() { [ "$(s2s_status 'childSaInboundSpis | length')" = 1 ]; }
expect_soon "vnetgwd holds one CHILD_SA after the rekeys" one_child
expect "strongSwan holds one CHILD_SA after the rekeys" test "$(swan_ctl site --list-sas 2>/dev/null | grep -c ' INSTALLED, ')" = 1

# 3. Replay protection against the tool's own count.
impair_stop
dups=$(impair_count ba esp_dup)
late=$(impair_count ba esp_late)
esp=$(impair_count ba esp)
say "towards vnetgwd: $esp ESP packets forwarded, $dups repeats of an (SPI, seq), $late reordered; lost $(impair_count ba lost), duplicated $(impair_count ba duplicated), reordered $(impair_count ba reordered) frames"
say "vnetgwd drops for site1: $(s2s_status drops | jq -c .)"
expect "the tool duplicated ESP packets towards vnetgwd ($dups)" test "$dups" -gt 0
expect "the tool reordered ESP packets towards vnetgwd ($late)" test "$late" -gt 0
expect "no ESP packet left untracked by the tool" test "$(impair_count ba esp_untracked)" = 0
# The status file is rewritten every second: wait until it shows the last packets.
replay_settled() {
	local r n
	r=$(s2s_drop_count replay)
	n=$(($(jq -r '.dataPlane.espNoSa // 0' "$LAB_DIR/status.json") - nosa0))
	[ "$r" -le "$dups" ] && [ $((r + n)) -ge "$dups" ]
}
if wait_for 5 "replay drops settle" replay_settled; then
	r=$(s2s_drop_count replay)
	n=$(($(jq -r '.dataPlane.espNoSa // 0' "$LAB_DIR/status.json") - nosa0))
	say "ok: the tool's $dups ESP duplicates: vnetgwd dropped $r as replays; ESP without an SA during the transfer: $n (duplicates after a rekey removed their SA, and stragglers)"
else
	lab_fail "vnetgwd's replay drops $(s2s_drop_count replay) do not account for the tool's $dups ESP duplicates (ESP without an SA: $(($(jq -r '.dataPlane.espNoSa // 0' "$LAB_DIR/status.json") - nosa0)))"
fi
lab_pass "through $SPEC: established, $rekeys CHILD rekeys, $SIZE_MIB MiB intact, every duplicate dropped, reordered packets accepted"
