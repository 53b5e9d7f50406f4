#!/usr/bin/env bash
# Issue 4: the site's charon is killed (kill -9 by PID) and comes back. vnetgwd notices within
# the DPD timeout (dead peer detection: a liveness check after a third of it of silence, the
# peer declared dead at the timeout), its status file shows the episode with the reason and the
# time of the change, and the tunnel is back within 10 s of the peer's return with traffic both
# ways. Two variants (topology: tests/lab/lib/s2s.sh):
#   restart_peer.sh               the site initiates on start (start_action = start), vnetgwd
#                                 only responds: NotConnected until the site is back
#   restart_peer.sh gw-initiates  vnetgwd initiates, the site only responds: vnetgwd goes to
#                                 Connecting (reason: DPD) and re-initiates with back-off
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

MODE=${1:-site-initiates}
DPD=${RESTART_DPD_SECONDS:-15} # dpdTimeoutSeconds (9..3600): short, to keep the lab short
SLACK=3                        # seconds allowed past the timeout (timer tick, second rounding)
case $MODE in
site-initiates) GW_INITIATES=false SITE_START=start DOWN=NotConnected ;;
gw-initiates) GW_INITIATES=true SITE_START=none DOWN=Connecting ;;
*) echo "usage: $0 [site-initiates|gw-initiates]" >&2; exit 2 ;;
esac

lab_init
s2s_topology
s2s_vnetgwd_config_dpd "$LAB_DIR/vnetgwd.json" $GW_INITIATES "$DPD"
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
s2s_swan_start_action $SITE_START || lab_fail "charon did not start"
wait_for 15 "vnetgwd reports Connected" s2s_connected ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "vnetgwd status: $(s2s_status connectionStatus)"; }
s2s_swan_routes || lab_fail "no ipsec0 at the site"
s2s_pings_both_ways

# The site dies: nothing more arrives from it, IKE or ESP.
s2s_swan_kill || lab_fail "could not kill charon"
killed_ms=$(s2s_now_ms)
killed_s=$((killed_ms / 1000))
# shellcheck disable=SC2317 # called through wait_for
s2s_dead() { [ "$(s2s_status connectionStatus)" = "$DOWN" ] && s2s_status reason | grep -q 'DPD'; }
wait_for $((DPD + 15)) "vnetgwd declares the peer dead" s2s_dead ||
	{ tail -20 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "status: $(s2s_status connectionStatus) ($(s2s_status reason))"; }
noticed_ms=$(($(s2s_now_ms) - killed_ms))
reason=$(s2s_status reason)
changed=$(s2s_status lastChange)
say "figure: vnetgwd noticed the dead peer $((noticed_ms / 1000)).$(printf %03d $((noticed_ms % 1000))) s after the kill (dpdTimeoutSeconds $DPD)"
say "status: $(s2s_status connectionStatus), reason \"$reason\", lastChange $changed ($((changed - killed_s)) s after the kill)"
# Judged on vnetgwd's own time stamp of the change (its timers, not this script's polling): the
# peer is declared dead at the DPD timeout after the last packet from it, which came just before
# the kill -- not earlier than the timeout less a second of rounding, not much later.
expect "declared dead at the DPD timeout: $((changed - killed_s)) s after the kill (${DPD} s, -1..+$SLACK)" \
	test "$changed" -ge $((killed_s + DPD - 1)) -a "$changed" -le $((killed_s + DPD + SLACK))
expect "vnetgwd sent liveness checks before" grep -q "liveness check" "$LAB_DIR/vnetgwd.log"
expect "the dead peer's SAs are gone" test "$(s2s_status 'childSaInboundSpis | length')" = 0
if [ "$MODE" = gw-initiates ]; then
	expect_soon "vnetgwd re-initiates (back-off)" grep -q "initiating again" "$LAB_DIR/vnetgwd.log"
else
	# A responder does not initiate: over 3 s of vnetgwd's own time (three times the first
	# back-off of an initiating connection) nothing may happen.
	api_status_window 3
	expect "vnetgwd (responder) stays NotConnected" test "$(s2s_status connectionStatus)" = NotConnected
	expect "vnetgwd (responder) did not initiate" sh -c "! grep -q 'initiating again' '$LAB_DIR/vnetgwd.log'"
fi

# The site comes back.
s2s_swan_restart $SITE_START || lab_fail "charon did not start again"
back_ms=$(s2s_now_ms)
wait_for 10 "vnetgwd Connected within 10 s of the peer's return" s2s_connected ||
	{ tail -30 "$LAB_DIR/vnetgwd.log" >&2; lab_fail "not back: $(s2s_status connectionStatus) ($(s2s_status reason))"; }
recovered_ms=$(($(s2s_now_ms) - back_ms))
say "figure: tunnel back $((recovered_ms / 1000)).$(printf %03d $((recovered_ms % 1000))) s after charon's return"
say "status: $(s2s_status connectionStatus), reason \"$(s2s_status reason)\", lastChange $(s2s_status lastChange)"
expect "the status shows Connected after the episode" test "$(s2s_status lastChange)" -ge "$changed"
wait_for 10 "strongSwan shows the CHILD_SA" swan_established site || lab_fail "no CHILD_SA at the site"
s2s_swan_routes || lab_fail "no ipsec0 at the site"
s2s_pings_both_ways
expect "vnetgwd holds one IKE SA ($(s2s_status ikeSaCount)) and one CHILD_SA" \
	test "$(s2s_status ikeSaCount)" = 1 -a "$(s2s_status 'childSaInboundSpis | length')" = 1
expect "the log shows the episode" grep -q "Connected -> $DOWN (peer not responding to liveness checks (DPD))" "$LAB_DIR/vnetgwd.log"
lab_pass "dead site detected in ${noticed_ms} ms (DPD $DPD s), tunnel back ${recovered_ms} ms after its return ($MODE)"
