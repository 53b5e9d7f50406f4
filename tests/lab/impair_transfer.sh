#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # helpers run through wait_for/expect; s2s_swan takes defaults
# Issue 4: the tunnel through a bad WAN. vnetgwd <-> strongSwan through the impairment tool at 5%
# loss, 1% duplication and 1% reordering in both directions (tests/lab/lib/s2s.sh,
# s2s_topology_impaired):
#
#   wl ── [VNet] ══ gw (vnetgwd) ── [imp: impair] ── wan ── site (charon) ── host
#
#  1. the tunnel establishes (IKE retransmissions get through the loss);
#  2. a 20 MiB random file goes host -> workload over TCP and its sha256 matches;
#  3. ESP replay protection (RFC 4303 3.4.3): vnetgwd's replay drops for the connection equal the
#     ESP packets towards it whose (SPI, seq) the tool had already forwarded (its esp_dup count),
#     and the tool forwarded reordered ESP packets (esp_late > 0) that were therefore accepted:
#     every duplicate dropped, nothing reordered dropped.
# Rekeying under impairment is not in this test yet (the rekeying branch is not merged).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/impair.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

SEED=${IMPAIR_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
SIZE_MIB=${XFER_MIB:-20}
SPEC=loss=5,dup=1,reorder=1

lab_init
say "seed $SEED (IMPAIR_SEED=$SEED reproduces the tool's decisions)"
s2s_topology_impaired
impair_start --seed "$SEED" --both "$SPEC"
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan || lab_fail "charon did not start"

# 1. Establish through the loss.
t0=$(date +%s%N)
swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
	{ cat "$LAB_DIR/initiate.out" >&2; tail -20 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "the tunnel did not establish through $SPEC"; }
say "ok: established through $SPEC in $((($(date +%s%N) - t0) / 1000000)) ms"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
expect_soon "vnetgwd reports Connected" s2s_connected

# 2. The transfer.
head -c $((SIZE_MIB << 20)) /dev/urandom >"$LAB_DIR/file"
t0=$(date +%s%N)
s2s_tcp_transfer "$LAB_DIR/file" host wl $S2S_WL_IP 300 || lab_fail "the transfer did not complete"
ms=$((($(date +%s%N) - t0) / 1000000))
sum_sent=$(sha256sum <"$LAB_DIR/file" | cut -d' ' -f1)
sum_recv=$(sha256sum <"$LAB_DIR/file.recv" | cut -d' ' -f1)
say "$SIZE_MIB MiB host -> workload in $ms ms ($((SIZE_MIB * 8 * 1000 / (ms + 1))) Mbit/s); sha256 sent $sum_sent received $sum_recv"
expect "sha256 of the received file matches" test "$sum_sent" = "$sum_recv"

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
replay_is_dups() { [ "$(s2s_drop_count replay)" = "$dups" ]; }
if wait_for 5 "replay drops = $dups" replay_is_dups; then
	say "ok: vnetgwd's replay drops $(s2s_drop_count replay) = the tool's ESP duplicates $dups (reordered ones accepted)"
else
	lab_fail "vnetgwd's replay drops $(s2s_drop_count replay) != the tool's ESP duplicates $dups"
fi
lab_pass "through $SPEC: established, $SIZE_MIB MiB intact, every duplicate dropped as a replay, reordered packets accepted"
