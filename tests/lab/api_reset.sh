#!/usr/bin/env bash
# SPEC §5 virtualNetworkGateways/{n}/reset, as Azure's reset of a VPN gateway: the gateway's
# connections (and only those) have their tunnels torn down (a Delete to the peer) and
# re-established. Two tenants, each a VNet, a gateway and a strongSwan site configured by the
# device script vnetgw prints (lib/sites.sh, API mode).
#
#   wl-ta ─ [ta 10.1.0.0/16] ═╗                     ┌─ s-a 198.51.100.11 ─ h-a 172.16.11.10
#   wl-tb ─ [tb 10.1.0.0/16] ═╩═ gw 192.0.2.1 ─ wan ┴─ s-b 198.51.100.21 ─ h-b 172.16.21.10
#                                 (vnetgwd --data-dir)
#
# Asserted: `vnetgw vnet-gateway reset` of ta's gateway -> site a receives a Delete, ta's
# connection has new IKE and CHILD SPIs (status file and site a's charon) and is Connected again
# (the time it took is printed), traffic flows through it; the reset is logged in the Gateway
# category; tb's connection keeps its IKE and CHILD SPIs on both sides and stays Connected.
# Then site b deletes tb's only CHILD_SA: cb is Connecting ("IKE SA up, no CHILD_SA (deleted by
# the peer)") until vnetgwd creates a new child on the same IKE SA, then Connected, and traffic
# flows (src/ike engine.h: Connected means an IKE SA with a CHILD_SA).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh
. tests/lab/lib/sites.sh

quiet() { "$@" >/dev/null 2>&1; }
now_ms() { date +%s%3N; }
# The SPIs of a connection: its IKE SPIs and its inbound CHILD SPIs, from the status file.
ike_spis() { sites_status "$1" ikeSpis; }
child_spis() { jq -r "$(sites_conn_sel "$1") | (.childSaInboundSpis // []) | join(\" \")" "$LAB_DIR/status.json" 2>/dev/null; }
# The site's view: its IKE SA line and its CHILD SPIs (swanctl --list-sas).
swan_sas() {
	swan_ctl "s-$1" --list-sas 2>/dev/null |
		grep -Eo '[0-9a-f]{16}_[ir]|(in|out) +[0-9a-f]{8}' | tr -s ' ' : | sort | tr '\n' ' '
}

lab_init
sites_wan
sites_vnet ta tenant-a 10.1.0.0/16 10.1.255.0/27 Standard
sites_vnet tb tenant-b 10.1.0.0/16 10.1.255.0/27 Standard
sites_add a 198.51.100.11 172.16.11.0/24
sites_add b 198.51.100.21 172.16.21.0/24
sites_conn ca ta a psk-ca-reset-lab
sites_conn cb tb b psk-cb-reset-lab
sites_gateway_up --log-level info || lab_fail "vnetgwd did not start"
sites_attach_workload ta
sites_attach_workload tb
sites_swan_up a ca || lab_fail "site a could not establish"
sites_swan_up b cb || lab_fail "site b could not establish"
both() { sites_connected ca && sites_connected cb; }
wait_for 10 "both connections Connected" both || lab_fail "status: $(jq -c '[.connections[] | {name, connectionStatus}]' "$LAB_DIR/status.json")"
has_child() { [ -n "$(child_spis "$1")" ] && [ -n "$(ike_spis "$1")" ]; }
both_spis() { has_child ca && has_child cb; }
expect_soon "ca and cb report their IKE and CHILD SPIs" both_spis
expect "ta's workload reaches site a" quiet in_ns wl-ta ping -c 2 -i 0.2 -W 2 "$(sites_host_ip a)"
expect "tb's workload reaches site b" quiet in_ns wl-tb ping -c 2 -i 0.2 -W 2 "$(sites_host_ip b)"

A_IKE=$(ike_spis ca) A_CHILD=$(child_spis ca) B_IKE=$(ike_spis cb) B_CHILD=$(child_spis cb)
A_SWAN=$(swan_sas a) B_SWAN=$(swan_sas b)
say "before: ca ike=[$A_IKE] child=[$A_CHILD] site a: $A_SWAN"
say "before: cb ike=[$B_IKE] child=[$B_CHILD] site b: $B_SWAN"
A_DELETES=$(grep -c 'received DELETE for IKE_SA' "$(swan_dir s-a)/charon.log")

# ---- reset ta's gateway -------------------------------------------------------------------------
sites_as tenant-a
t0=$(now_ms)
api_cli_ok vnet-gateway reset -g "$SITES_RG" -n gw-ta
expect "the reset answers with the gateway" grep -q '"name": *"gw-ta"' "$LAB_DIR/cli.out"
new_ike() { local s; s=$(ike_spis ca); [ -n "$s" ] && [ "$s" != "$A_IKE" ] && sites_connected ca; }
wait_for 20 "ca Connected with a new IKE SA" new_ike ||
	lab_fail "ca after the reset: $(sites_status ca connectionStatus) ($(sites_status ca reason)) ike=[$(ike_spis ca)]"
took=$(($(now_ms) - t0))
has_new_child() { [ -n "$(child_spis ca)" ]; }
wait_for 5 "ca's new CHILD_SA" has_new_child || lab_fail "ca has no CHILD_SA after the reset"
A_IKE2=$(ike_spis ca) A_CHILD2=$(child_spis ca)
say "after:  ca ike=[$A_IKE2] child=[$A_CHILD2]; Connected again ${took} ms after the reset was asked"
for spi in $A_CHILD; do
	expect "ca's old CHILD SPI $spi is gone (now: $A_CHILD2)" sh -c "! echo ' $A_CHILD2 ' | grep -q ' $spi '"
done
expect "site a received a Delete for its IKE SA" test "$(grep -c 'received DELETE for IKE_SA' "$(swan_dir s-a)/charon.log")" -gt "$A_DELETES"
swan_new() {
	local s x
	s=$(swan_sas a)
	[[ $s == *in:* && $s == *_i* ]] && swan_established s-a || return 1
	for x in $A_SWAN; do case " $s " in *" $x "*) return 1 ;; esac; done
}
expect "site a's charon shows IKE and CHILD SPIs ($A_SWAN)" sh -c "echo '$A_SWAN' | grep -q 'in:' && echo '$A_SWAN' | grep -q '_i'"
expect_soon "site a's charon has only new IKE and CHILD SPIs (before: $A_SWAN)" swan_new
say "site a now: $(swan_sas a)"
expect "ta's workload reaches site a after the reset" quiet in_ns wl-ta ping -c 3 -i 0.2 -W 2 "$(sites_host_ip a)"
expect "site a's host reaches ta's workload" quiet in_ns h-a ping -c 3 -i 0.2 -W 2 "$SITES_WL_IP"
expect "the reset is logged in the Gateway category" grep -Eq 'Gateway.*reset of .*virtualNetworkGateways/gw-ta: 1 connection\(s\) restarted' "$LAB_DIR/vnetgwd.log"
grep -E 'reset' "$LAB_DIR/vnetgwd.log" | sed 's/^/    /' >&2

# ---- tb untouched -------------------------------------------------------------------------------
expect "cb kept its IKE SPIs ($(ike_spis cb))" test "$(ike_spis cb)" = "$B_IKE"
expect "cb kept its CHILD SPIs ($(child_spis cb))" test "$(child_spis cb)" = "$B_CHILD"
expect "site b's charon kept its SPIs ($(swan_sas b))" test "$(swan_sas b)" = "$B_SWAN"
expect "cb is still Connected" sites_connected cb
expect "tb's workload still reaches site b" quiet in_ns wl-tb ping -c 2 -i 0.2 -W 2 "$(sites_host_ip b)"
expect "no reset logged for tb's connection" sh -c "! grep -q 'conn=$(sites_status cb name) reset' '$LAB_DIR/vnetgwd.log'"
# ---- the site deletes cb's only CHILD_SA: not Connected without one, vnetgwd makes a new one --
B_CHILD=$(child_spis cb)
run swan_ctl s-b --terminate --child net
no_child() { [ "$(sites_status cb connectionStatus)" = Connecting ] && [ -z "$(child_spis cb)" ]; }
# The state lasts IKE_CHILD_RETRY_BASE_MS (2 s) and the status file is rewritten every second.
expect_soon "cb says Connecting without a CHILD_SA ($(sites_status cb connectionStatus): $(sites_status cb reason))" no_child
say "cb: $(sites_status cb connectionStatus) ($(sites_status cb reason))"
expect "the reason says why" test "$(sites_status cb reason)" = "IKE SA up, no CHILD_SA (deleted by the peer)"
t1=$(now_ms)
child_back() { sites_connected cb && [ -n "$(child_spis cb)" ] && [ "$(child_spis cb)" != "$B_CHILD" ]; }
wait_for 15 "cb Connected with a new CHILD_SA" child_back || lab_fail "cb: $(sites_status cb connectionStatus) ($(sites_status cb reason))"
say "cb Connected again with CHILD SPI $(child_spis cb) after $(($(now_ms) - t1)) ms, on the same IKE SA: $(ike_spis cb)"
expect "on the same IKE SA" test "$(ike_spis cb)" = "$B_IKE"
expect "vnetgwd created it" grep -q "creating a CHILD_SA in" "$LAB_DIR/vnetgwd.log"
expect "tb's workload reaches site b through the new CHILD_SA" quiet in_ns wl-tb ping -c 3 -i 0.2 -W 2 "$(sites_host_ip b)"
lab_pass "reset of one gateway restarted its connection (Connected again in ${took} ms) and left the other tenant's alone; a deleted only child came back"
