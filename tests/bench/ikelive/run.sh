#!/usr/bin/env bash
# IKE liveness under API load (issue 15): how long vnetgwd takes to answer an empty
# INFORMATIONAL request on an established IKE SA, idle and while 50 clients of one tenant PUT
# virtual networks as fast as they are answered (tests/tools/apiflood storm; the operator lifted
# the tenant's rate limit, so every PUT is a committed, fsync'd transaction and a reconcile).
# Prints figures; never passes or fails on them.
#
#   gw (vnetgwd --data-dir, API on its 127.0.0.1) 192.0.2.1 ─ veth ─ peer 198.51.100.2 (ikepeer)
#
# The peer is tests/bench/ikepeer --liveness-rtt: BENCH_CHECKS (500) checks, BENCH_INTERVAL_MS
# (20) apart, each timed from its send to its answer's arrival: p50, p99, max, timeouts (2 s).
set -u
cd "$(dirname "$0")/../../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh
LAB_QUIET=${LAB_QUIET:-1}
CHECKS=${BENCH_CHECKS:-500}
INTERVAL=${BENCH_INTERVAL_MS:-20}
BUILD=$(cd "${VNETGW_BUILD:-build}" && pwd)
PSK="ikelive-bench-psk-0123456789"
[ -x "$BUILD/bench/ikepeer" ] && [ -x "$BUILD/tools/apiflood" ] || lab_fail "build first (make all)"

lab_init
ns_add gw
ns_add peer
link gw wan0 peer wan0
addr gw wan0 192.0.2.1/24
addr peer wan0 198.51.100.2/24
route gw 198.51.100.0/24 dev wan0
route peer 192.0.2.0/24 dev wan0

api_vnetgwd_start || lab_fail "vnetgwd did not start"
api_pool 192.0.2.1
api_tenant bench
api_vnet_gateway rg1 vnet1 10.1.0.0/16 10.1.255.0/27 gw1 Standard
api_site rg1 peer 198.51.100.2 10.2.0.0/24
api_connection rg1 conn1 gw1 peer "$PSK" --connection-mode ResponderOnly
api_cli_ok admin settings update --api-rate-limit 100000 --api-rate-burst 100000
api_status_sync

# liveness LABEL: one ikepeer run (a new IKE SA each time), its LIVENESS line
liveness() {
	in_ns peer "$BUILD/bench/ikepeer" --local 198.51.100.2 --peer 192.0.2.1 --psk "$PSK" \
		--initiate --liveness-rtt "$CHECKS" --interval-ms "$INTERVAL" --seconds 120 \
		>"$LAB_DIR/peer-$1.out" 2>"$LAB_DIR/peer-$1.err"
	grep '^LIVENESS' "$LAB_DIR/peer-$1.out" || echo "LIVENESS none (see $LAB_DIR/peer-$1.err)"
}

say "idle: $CHECKS liveness checks, ${INTERVAL} ms apart"
IDLE=$(liveness idle)
say "storm: the same while 50 clients PUT"
ip netns exec "$(ns_name gw)" "$BUILD/tools/apiflood" storm --port "$API_PORT" --token "$API_TOKEN" --sub "$API_SUB" \
	--clients 50 --seconds 600 >"$LAB_DIR/storm.out" 2>&1 &
STORM=$!
lab_track $STORM
storm_writing() { [ "$(api_cli_raw vnet list -g storm -o json 2>/dev/null | jq length)" -ge 10 ] 2>/dev/null; }
wait_for 20 "the storm writing" storm_writing || lab_fail "the storm wrote nothing: $(cat "$LAB_DIR/storm.out")"
STORMED=$(liveness storm)
kill "$STORM" 2>/dev/null
wait "$STORM" 2>/dev/null
echo
echo "IKE liveness answer latency (vnetgwd, $CHECKS checks ${INTERVAL} ms apart, one IKE SA each run)"
printf '  %-34s %s\n' "idle:" "$IDLE"
printf '  %-34s %s\n' "50-client PUT storm on the API:" "$STORMED"
printf '  %-34s %s\n' "storm's answers:" "$(cat "$LAB_DIR/storm.out")"
