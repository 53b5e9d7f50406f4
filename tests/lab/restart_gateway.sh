#!/usr/bin/env bash
# Issue 4: vnetgwd is killed (kill -9 by PID) while the tunnel carries traffic, and started
# again. On start it initiates with INITIAL_CONTACT (RFC 7296 2.4), so strongSwan drops the SAs
# it still holds from before at once; the peer's ESP on SPIs the new vnetgwd does not know is
# answered or starts the connection (2.21.4). The tunnel must be back within 10 s with traffic
# both ways, and at the end each side holds exactly one IKE SA and one CHILD_SA pair (no stale
# SAs at strongSwan). Topology: tests/lab/lib/s2s.sh.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

DPD=${RESTART_DPD_SECONDS:-45}

lab_init
s2s_topology
s2s_swan_start_action none || lab_fail "charon did not start"
s2s_vnetgwd_config_dpd "$LAB_DIR/vnetgwd.json" true "$DPD"
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
wait_for 15 "vnetgwd reports Connected" s2s_connected ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "vnetgwd status: $(s2s_status connectionStatus)"; }
s2s_swan_routes || lab_fail "no ipsec0 at the site"
s2s_pings_both_ways
old_ike=$(swan_ctl site --list-sas 2>/dev/null | sed -n 's/^s2s: #\([0-9]*\),.*/\1/p' | head -1)
say "strongSwan's IKE SA before: #$old_ike"

# Traffic from the site keeps arriving while vnetgwd is away (ESP on SPIs soon unknown): 8 s of
# pings, started directly (not through the in_ns function) so that $! is ping itself.
ip netns exec "$(ns_name host)" ping -c 40 -i 0.2 -W 1 $S2S_WL_IP >"$LAB_DIR/ping-during.out" 2>&1 &
ping_pid=$!
lab_track "$ping_pid"

s2s_vnetgwd_kill || lab_fail "could not kill vnetgwd"
start_ms=$(s2s_now_ms)
s2s_vnetgwd_restart "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start again"
wait_for 10 "vnetgwd Connected within 10 s of its restart" s2s_connected ||
	{ tail -30 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "not back: $(s2s_status connectionStatus) ($(s2s_status reason))"; }
recovered_ms=$(($(s2s_now_ms) - start_ms))
say "figure: tunnel back $((recovered_ms / 1000)).$(printf %03d $((recovered_ms % 1000))) s after vnetgwd's restart"
expect "vnetgwd initiated with INITIAL_CONTACT's help: strongSwan logged it" \
	grep -q "INITIAL_CONTACT" "$(swan_dir site)/charon.log"
wait "$ping_pid" 2>/dev/null
say "ping from the site during the restart: $(grep 'packets transmitted' "$LAB_DIR/ping-during.out")"

s2s_swan_routes || lab_fail "no ipsec0 at the site"
s2s_pings_both_ways
# shellcheck disable=SC2317 # called through wait_for
one_each() {
	[ "$(s2s_swan_ike_count)" = 1 ] && [ "$(s2s_swan_child_count)" = 1 ] &&
		[ "$(s2s_status ikeSaCount)" = 1 ] && [ "$(s2s_status 'childSaInboundSpis | length')" = 1 ]
}
wait_for 5 "one IKE SA and one CHILD_SA on each side" one_each
swan_ctl site --list-sas >"$LAB_DIR/swan-sas.out" 2>&1
cat "$LAB_DIR/swan-sas.out" >&2
new_ike=$(sed -n 's/^s2s: #\([0-9]*\),.*/\1/p' "$LAB_DIR/swan-sas.out" | head -1)
expect "strongSwan holds 1 IKE SA ($(s2s_swan_ike_count)) and 1 CHILD_SA ($(s2s_swan_child_count))" \
	test "$(s2s_swan_ike_count)" = 1 -a "$(s2s_swan_child_count)" = 1
expect "strongSwan's IKE SA is the new one (#$old_ike -> #$new_ike)" test "$new_ike" != "$old_ike"
expect "vnetgwd holds 1 IKE SA ($(s2s_status ikeSaCount)) and 1 CHILD_SA" \
	test "$(s2s_status ikeSaCount)" = 1 -a "$(s2s_status 'childSaInboundSpis | length')" = 1
expect "the CHILD_SA pairs match (vnetgwd's inbound SPI is strongSwan's outbound)" \
	grep -Eq "out +$(s2s_status 'childSaInboundSpis[0]' | sed 's/^0x//')," "$LAB_DIR/swan-sas.out"
lab_pass "vnetgwd restarted: tunnel back in ${recovered_ms} ms, one IKE SA and one CHILD_SA on each side"
