#!/usr/bin/env bash
# Issue 6 item 4 (SPEC §2 rule 8): the deployment-wide tunnel limit of a SKU (Standard: 20),
# counted across subscriptions, holds at runtime. Two tenants, each with a Standard gateway on
# one vnetgwd (--data-dir, everything through the CLI): 12 connections in one, 8 in the other;
# the 21st, in either, is refused with TunnelLimitReached and nothing of it is written or run;
# one deleted lets the next in, and the running gateway follows: the deleted connection leaves
# the status file, the new one appears and connects to its strongSwan site (configured by the
# device script vnetgw prints).
#
#   gw (vnetgwd --data-dir, 192.0.2.1) ── wan ── s-s21 (charon, 198.51.100.121) ── h-s21
#   the other 20 connections' sites (198.51.100.1-20) do not exist: those connections wait for
#   them (ResponderOnly), as a connection does whose site is down.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/sites.sh
. tests/lab/lib/api.sh

RG=rg1
declare -A SUB TOKEN
# as TENANT: the CLI speaks for that tenant from now on
as() {
	API_SUB=${SUB[$1]}
	API_TOKEN=${TOKEN[$1]}
}
status_conns() { jq -r '.connections | length' "$(api_status_file)" 2>/dev/null; }
status_has() { [ "$(jq -r --arg id "$1" '[.connections[] | select(.id == $id)] | length' "$(api_status_file)" 2>/dev/null)" = 1 ]; }
status_lacks() { [ "$(jq -r --arg id "$1" '[.connections[] | select(.id == $id)] | length' "$(api_status_file)" 2>/dev/null)" = 0 ]; }
# api_cli_raw_show NAME: the current tenant's connection NAME exists
api_cli_raw_show() { api_cli_raw vpn-connection show -g $RG -n "$1" -o json >/dev/null 2>&1; }
# filler N TENANT GATEWAY: local network gateway lgwN at 198.51.100.N and connection connN
filler() {
	as "$2"
	api_site $RG "lgw$1" "198.51.100.$1" "172.16.$1.0/24"
	api_connection $RG "conn$1" "$3" "lgw$1" "key-$1-limit" --connection-mode ResponderOnly
}
# refused TENANT GATEWAY N: connection connN (its site lgwN exists) is refused by rule 8
refused() {
	local out
	as "$1"
	out=$(api_cli vpn-connection create -g $RG -n "conn$3" --vnet-gateway1 "$2" \
		--local-gateway2 "lgw$3" --shared-key "key-$3-limit" 2>&1) && {
		printf '%s\n' "$out" >&2
		lab_fail "the connection over the limit was created"
	}
	say "refused: $(printf '%s' "$out" | tr '\n' ' ')"
	expect "$1's connection conn$3 is refused with TunnelLimitReached" grep -q TunnelLimitReached <<<"$out"
	! api_cli_raw_show "conn$3" || lab_fail "conn$3 was stored"
	say "ok: and nothing of it is stored ($1 has no conn$3)"
}

lab_init
sites_wan
sites_add s21 198.51.100.121 172.16.121.0/24
api_vnetgwd_start || lab_fail "vnetgwd did not start"
api_pool $SITES_GW_IP
# This lab is about the deployment's limit: one tenant may take 12 of its 20 tunnels (issue 15's
# per-subscription quota is 10 by default).
api_cli_ok admin settings update --max-connections-per-subscription 20
api_cli admin settings show >"$LAB_DIR/settings.json" || lab_fail "admin settings show"
expect "the Standard tunnel limit is 20 ($(jq -c .tunnelLimits "$LAB_DIR/settings.json"))" \
	test "$(jq -r .tunnelLimits.Standard "$LAB_DIR/settings.json")" = 20
for t in contoso fabrikam; do
	api_tenant $t
	SUB[$t]=$API_SUB
	TOKEN[$t]=$API_TOKEN
	api_vnet_gateway $RG vnet1 10.1.0.0/16 10.1.255.0/27 gw1 Standard
	# The VNet's namespace (made by vnetgwd): known, so that cleanup removes it.
	wait_for 10 "$t's VNet namespace" api_vnet_role "$(api_id $RG virtualNetworks vnet1)" ||
		lab_fail "no VNet namespace for $t"
	api_vnet_role "$(api_id $RG virtualNetworks vnet1)" >/dev/null
done

for i in $(seq 1 12); do filler "$i" contoso gw1; done
for i in $(seq 13 20); do filler "$i" fabrikam gw1; done
twenty() { [ "$(status_conns)" = 20 ]; }
expect_soon "the running gateway has the 20 connections ($(status_conns))" twenty

# The 21st, from either tenant.
as fabrikam
api_site $RG lgw21 198.51.100.121 172.16.121.0/24
refused fabrikam gw1 21
as contoso
api_site $RG lgw22 198.51.100.122 172.16.122.0/24
refused contoso gw1 22
expect "the running gateway still has 20 connections ($(status_conns))" twenty

# One deleted lets the next in; the running gateway follows.
as contoso
GONE=$(api_id $RG connections conn1)
api_cli_ok vpn-connection delete -g $RG -n conn1
expect_soon "conn1 left the running gateway" status_lacks "$GONE"
as fabrikam
api_connection $RG conn21 gw1 lgw21 "key-21-limit"
NEW=$(api_id $RG connections conn21)
expect_soon "conn21 is in the running gateway" status_has "$NEW"
expect "20 connections again ($(status_conns))" twenty
api_swan_site s-s21 $RG conn21 || lab_fail "the site from the device script did not start"
wait_for 10 "conn21 Connected" api_conn_connected $RG conn21 ||
	lab_fail "conn21: $(api_conn_prop $RG conn21 .properties.connectionStatus)"
say "ok: conn21 Connected to its site ($(api_status_conn "$NEW" '.connectionStatus + ", " + .reason'))"
# And the limit holds again.
as contoso
refused contoso gw1 22
lab_pass "the 21st Standard tunnel across two subscriptions is refused; a deleted one lets the next in, live"
