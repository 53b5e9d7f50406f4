#!/usr/bin/env bash
# Issue 15: a tenant's PUT storm on the API does not make vnetgwd miss a liveness check. A real
# strongSwan site on a connection with a 9 s DPD timeout (vnetgwd probes an idle tunnel every
# 3 s and gives up after 9 s; the site, configured by the device script, probes every 3 s too);
# while the tunnel is idle, 50 clients of the same tenant PUT virtual networks as fast as they
# are answered for 30 s (tests/tools/apiflood storm; the operator lifted the tenant's rate limit
# so that every PUT is a committed, fsync'd transaction and a reconcile pass).
#
#   gw (vnetgwd --data-dir, API on its 127.0.0.1) 192.0.2.1 ── wan ── s-a (charon) 198.51.100.11
#
# Asserted: liveness exchanges ran during the storm (the site's DPD every 3 s, each answered by
# vnetgwd; vnetgwd's own only when it hears nothing, so few), counted in charon's log, yet no dead
# peer on either side: the connection stays Connected on the same IKE SA, vnetgwd logs no "peer
# is dead", charon never retransmits or gives up; the storm was answered (2xx).
# Printed: the storm's answers and rate, the liveness exchanges seen.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh
. tests/lab/lib/sites.sh

BUILD=$(cd "${VNETGW_BUILD:-build}" && pwd)
FLOOD=$BUILD/tools/apiflood
STORM_S=30
[ -x "$FLOOD" ] || lab_fail "no $FLOOD (make all)"
charon_log() { printf '%s/charon.log' "$(swan_dir s-a)"; }
# Liveness exchanges, so far: requests the site received (vnetgwd's) and sent (its own DPD), and
# vnetgwd's answers to the latter.
live_in() { grep -c 'parsed INFORMATIONAL request [0-9]* \[ \]' "$(charon_log)"; }
live_out() { grep -c 'generating INFORMATIONAL request [0-9]* \[ \]' "$(charon_log)"; }
live_answered() { grep -c 'parsed INFORMATIONAL response [0-9]* \[ \]' "$(charon_log)"; }

lab_init
sites_wan
sites_vnet ta tenant-a 10.1.0.0/16 10.1.255.0/27 Standard
sites_add a 198.51.100.11 172.16.11.0/24
sites_conn ca ta a psk-ca-dpd-storm-lab
sites_gateway_up || lab_fail "vnetgwd did not start"
sites_as tenant-a
api_cli_ok vpn-connection update -g "$SITES_RG" -n ca --dpd-timeout 9
sites_swan_up a ca || lab_fail "site a could not establish"
wait_for 15 "ca Connected" sites_connected ca || lab_fail "ca: $(sites_status ca connectionStatus) ($(sites_status ca reason))"
expect "the site was told DPD every 3 s" grep -q 'dpd_delay = 3s' "$LAB_DIR/s-a.swanctl.conf"
IKE0=$(sites_status ca ikeSpis)
say "ca Connected, IKE SA $IKE0, dpdTimeoutSeconds $(api_conn_prop "$SITES_RG" ca .properties.dpdTimeoutSeconds)"
# Every PUT of the storm is a write (no 429 to keep it cheap).
api_cli_ok admin settings update --api-rate-limit 100000 --api-rate-burst 100000
IN0=$(live_in) OUT0=$(live_out) ANS0=$(live_answered)
api_status_sync
ip netns exec "$(ns_name gw)" "$FLOOD" storm --port "$API_PORT" --token "$API_TOKEN" --sub "$API_SUB" --clients 50 \
	--seconds $STORM_S >"$LAB_DIR/storm.out" 2>&1 &
lab_track $!
STORM=$!
wait "$STORM"
api_status_sync
IN1=$(live_in) OUT1=$(live_out) ANS1=$(live_answered)
storm=$(cat "$LAB_DIR/storm.out")
say "$storm"
say "liveness during the storm: $((OUT1 - OUT0)) check(s) by the site, $((ANS1 - ANS0)) answered by vnetgwd; $((IN1 - IN0)) by vnetgwd"
passes=$(grep -c 'reconciled (pass' "$LAB_DIR/vnetgwd.log")
say "vnetgwd reconciled $passes time(s) in all (bursts coalesced)"
expect "the storm was answered ($storm)" grep -Eq '2xx=[1-9][0-9]*' "$LAB_DIR/storm.out"
expect "the site checked vnetgwd's liveness during the storm ($((OUT1 - OUT0)) times)" test $((OUT1 - OUT0)) -ge 5
# The last check may be under way when counting stops.
expect "vnetgwd answered every one ($((ANS1 - ANS0)) of $((OUT1 - OUT0)))" test $((ANS1 - ANS0)) -ge $((OUT1 - OUT0 - 1))
expect "ca is still Connected" sites_connected ca
expect "on the same IKE SA ($(sites_status ca ikeSpis), was $IKE0)" test "$(sites_status ca ikeSpis)" = "$IKE0"
expect "vnetgwd declared no dead peer" sh -c "! grep -q 'peer is dead' '$LAB_DIR/vnetgwd.log'"
expect "the site gave up on no exchange" sh -c "! grep -Eq 'giving up after|retransmit [0-9]+ of request' '$(charon_log)'"
lab_pass "a ${STORM_S} s PUT storm by 50 clients: $((OUT1 - OUT0)) liveness checks by the site and $((IN1 - IN0)) by vnetgwd, all answered; no dead peer on a 9 s DPD timeout"
