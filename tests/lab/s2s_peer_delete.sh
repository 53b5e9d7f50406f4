#!/usr/bin/env bash
# Issue 3, scenario 6: strongSwan deletes the IKE SA; vnetgwd removes its SAs (status and data
# plane) and its routes stop carrying traffic: the workload's packets no longer leave it.
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
swan_ctl site --initiate --child net >/dev/null 2>&1 || lab_fail "not established"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
wait_for 5 "Connected" s2s_connected || lab_fail "vnetgwd not Connected"
expect "traffic flows before the Delete" in_ns wl ping -c 2 -i 0.2 -W 2 $S2S_HOST_IP

swan_ctl site --terminate --ike s2s >/dev/null 2>&1 || lab_fail "strongSwan could not delete"
s2s_gone() { [ "$(s2s_status connectionStatus)" = NotConnected ] && [ "$(s2s_status 'childSaInboundSpis | length')" = 0 ]; }
expect_soon "vnetgwd removed its SAs and is NotConnected" s2s_gone
expect "the status reason names the peer's Delete" test "$(s2s_status reason)" = "deleted by the peer"
expect "vnetgwd removed the CHILD_SA from its data plane" grep -q "CHILD_SA removed" "$LAB_DIR/vnetgwd.log"
# Counters from status files written after each point: nothing more may leave.
api_status_sync
before=$(s2s_status egressBytesTransferred)
! in_ns wl ping -c 3 -i 0.2 -W 1 $S2S_HOST_IP >/dev/null 2>&1 || lab_fail "traffic still reaches the site"
api_status_sync
after=$(s2s_status egressBytesTransferred)
expect "no byte was encrypted after the Delete ($before -> $after)" test "$before" = "$after"
lab_pass "the peer's Delete removes vnetgwd's SAs and stops the traffic"
