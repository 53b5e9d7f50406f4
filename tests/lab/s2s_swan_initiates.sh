#!/usr/bin/env bash
# Issue 3, scenario 1: strongSwan initiates to vnetgwd; the workload and the on-prem host ping each
# other both ways and iperf3 TCP runs 10 s in each direction. Topology: tests/lab/lib/s2s.sh.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

lab_init
s2s_topology
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" false
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan || lab_fail "charon did not start"
swan_ctl site --initiate --child net >"$LAB_DIR/initiate.out" 2>&1 ||
	{ cat "$LAB_DIR/initiate.out" "$LAB_DIR/vnetgwd.log" >&2; lab_fail "strongSwan could not establish"; }
s2s_swan_routes || lab_fail "no ipsec0 at the site"
wait_for 5 "vnetgwd reports Connected" s2s_connected || lab_fail "vnetgwd status: $(s2s_status connectionStatus)"
s2s_pings_both_ways
s2s_iperf_both_ways "${S2S_IPERF_SECONDS:-10}"
expect "bytes counted both ways" test "$(s2s_status ingressBytesTransferred)" -gt 1000000 -a "$(s2s_status egressBytesTransferred)" -gt 1000000
lab_pass "strongSwan-initiated tunnel carries traffic both ways"
