#!/usr/bin/env bash
# Issue 3, scenario 2: vnetgwd initiates (strongSwan only answers); pings both ways and iperf3
# TCP 10 s in each direction. Topology: tests/lab/lib/s2s.sh.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

lab_init
s2s_topology
s2s_swan || lab_fail "charon did not start"
s2s_vnetgwd_config "$LAB_DIR/vnetgwd.json" true
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
wait_for 10 "vnetgwd reports Connected" s2s_connected ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "vnetgwd status: $(s2s_status connectionStatus)"; }
expect "strongSwan shows the CHILD_SA installed" swan_established site
expect "vnetgwd was the initiator" grep -q "NEW -> INIT_SENT" "$LAB_DIR/vnetgwd.log"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
s2s_pings_both_ways
s2s_iperf_both_ways "${S2S_IPERF_SECONDS:-10}"
lab_pass "vnetgwd-initiated tunnel carries traffic both ways"
