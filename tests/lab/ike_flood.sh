#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # helpers run through wait_for/expect; s2s_swan takes defaults
# Issue 4 item 5: 20 000 spoofed IKE_SA_INIT requests in a burst at vnetgwd from the WAN side,
# three times: before, while and after the strongSwan site connects (tests/tools/ikeflood). Half of each burst
# comes from random addresses of 10.200.0.0/16 (no connection: dropped before any state), half
# from the site's own address 198.51.100.2 (the only configured peer, so the only requests that
# get state: at most IKE_HALF_OPEN_PER_SOURCE = 5 half-open SAs, then COOKIEs, RFC 7296 2.6).
#
#   wl ── [VNet ns] ══ gw (vnetgwd 192.0.2.1) ── wan (ikeflood; blackhole 10.200.0.0/16) ── site (charon)
#
# Asserted: the site connects (its COOKIE-verified request replaces a spoofed half-open SA) and
# pings cross both ways; vnetgwd's VmHWM grows by less than IKE_HALF_OPEN_MAX * IKE_HALF_OPEN_SA_BYTES
# = 512 * 16 KiB = 8 MiB (the most the engine may hold in half-open SAs, src/ike/engine.h);
# the third burst's half-open SAs expire after their 30 s with the tunnel untouched; counters
# printed (most of each burst is dropped by the kernel's socket buffer or the data plane's
# bounded upcall queue before the engine sees it: the dpRxIke and upcall-queue-full figures).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

FLOOD_BIN=${VNETGW_BUILD:-build}/tools/ikeflood
FLOOD_PREFIX=10.200.0.0/16
FLOOD_COUNT=20000
MEM_BOUND_KB=$((512 * 16))

[ -x "$FLOOD_BIN" ] || lab_fail "no $FLOOD_BIN (make)"

# flood NAME: a burst from the WAN router, half random sources, half the site's address.
flood_start() {
	say "+ ikeflood --dst $S2S_GW_IP --count $FLOOD_COUNT --src $FLOOD_PREFIX --src $S2S_SITE_IP/32 (in wan)"
	ip netns exec "$(ns_name wan)" "$FLOOD_BIN" --dst $S2S_GW_IP --count $FLOOD_COUNT \
		--src $FLOOD_PREFIX --src $S2S_SITE_IP/32 >"$LAB_DIR/flood.$1.out" 2>&1 &
	FLOOD_PID=$!
	lab_track "$FLOOD_PID"
}
flood_wait() {
	wait "$FLOOD_PID" || { cat "$LAB_DIR/flood.$1.out" >&2; lab_fail "ikeflood $1 failed"; }
	sed 's/^/    /' "$LAB_DIR/flood.$1.out" >&2
}
counters() {
	say "vnetgwd IKE counters ($1): $(jq -c '.ike' "$LAB_DIR/status.json")"
}
mem() { say "vnetgwd memory ($1): VmHWM $(s2s_vnetgwd_mem VmHWM) kB, VmRSS $(s2s_vnetgwd_mem VmRSS) kB"; }
half_open_is() { [ "$(s2s_ike_stat halfOpen)" = "$1" ]; }
stat_ge() { [ "$(s2s_ike_stat "$1")" -ge "$2" ] 2>/dev/null; }

lab_init
s2s_topology
s2s_spoof_blackhole $FLOOD_PREFIX
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
expect "the PID we measure is vnetgwd's" grep -qx vnetgwd "/proc/$VNETGWD_PID/comm"
s2s_attach_workload
s2s_swan || lab_fail "charon did not start"
wait_for 5 "status file" test -s "$LAB_DIR/status.json" || lab_fail "no status file"
hwm0=$(s2s_vnetgwd_mem VmHWM)
mem "before"

# 1. A burst on its own: the site's address gets its 5 half-open SAs, then COOKIEs; the rest
#    is dropped as unknown before any state.
flood_start 1
flood_wait 1
expect_soon "vnetgwd saw the burst (status: unknownPeer > 0)" stat_ge unknownPeer 1
expect_soon "5 half-open SAs from the site's address, no more" half_open_is 5
expect "requests beyond the per-source limit were asked for a COOKIE" stat_ge sourceLimited 1
counters "after burst 1"
mem "after burst 1"

# 2. Another burst while the site connects into that state.
t0=$(date +%s%N)
flood_start 2
swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
	{ cat "$LAB_DIR/initiate.out" >&2; tail -30 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "strongSwan could not establish during the flood"; }
t1=$(date +%s%N)
say "strongSwan established in $(((t1 - t0) / 1000000)) ms during burst 2"
flood_wait 2
expect "strongSwan was asked for a COOKIE and retried with it" grep -q 'COOKIE' "$(swan_dir site)/charon.log"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
expect_soon "vnetgwd reports Connected" s2s_connected
expect_soon "the site's COOKIE-verified request replaced a spoofed half-open SA" stat_ge sourceEvicted 1
s2s_pings_both_ways
counters "after burst 2"

# 3. A third burst against the established tunnel: its 5 half-open SAs expire after 30 s
#    (IKE_HALF_OPEN_S) and the tunnel is untouched by it.
flood_start 3
flood_wait 3
expect_soon "5 half-open SAs from the site's address again" half_open_is 5
expired0=$(s2s_ike_stat halfOpenExpired)
hwm1=$(s2s_vnetgwd_mem VmHWM)
mem "after three bursts"
say "VmHWM grew by $((hwm1 - hwm0)) kB during 3 x $FLOOD_COUNT requests (bound $MEM_BOUND_KB kB)"
expect "VmHWM growth $((hwm1 - hwm0)) kB < $MEM_BOUND_KB kB" test $((hwm1 - hwm0)) -lt $MEM_BOUND_KB
t0=$(date +%s)
wait_for 40 "half-open SAs back to 0" half_open_is 0 ||
	lab_fail "half-open SAs still $(s2s_ike_stat halfOpen) after 40 s"
say "ok: half-open SAs back to 0 after $(($(date +%s) - t0)) s"
expect "all 5 removed by their timeout (halfOpenExpired $expired0 -> $(s2s_ike_stat halfOpenExpired))" \
	test "$(s2s_ike_stat halfOpenExpired)" -eq $((expired0 + 5))
expect_soon "cookies off again after the calm-down" test "$(s2s_ike_stat cookiesRequired)" = false
expect "still Connected" s2s_connected
expect "traffic still flows" in_ns wl ping -c 3 -i 0.2 -W 2 $S2S_HOST_IP
counters "final"
lab_pass "3 x $FLOOD_COUNT spoofed IKE_SA_INIT: the site connected, memory bounded, half-open SAs expired"
