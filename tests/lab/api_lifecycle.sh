#!/usr/bin/env bash
# Issue 6: the store drives the running gateway. One vnetgwd (--data-dir), everything through the
# CLI; two strongSwan sites configured by the device script vnetgw prints.
#
#   wl ──── [VNet ns, made by vnetgwd from the store: TUN vnetgw0 10.1.255.4/27, wl-wl 10.1.0.1/24]
#   10.1.0.10        ║ vnetgwd's data plane
#   gw (vnetgwd --data-dir) ── wan ── site  (charon) ── host    192.168.1.0/24 (.10)
#   192.0.2.1                   │    198.51.100.2
#                               └──── site2 (charon) ── host2   192.168.2.0/24 (.10)
#                                     203.0.113.2
#
# Asserted (each wait is for the condition, with a generous deadline; the times it took are
# printed as figures, not judged: a busy machine is slower): a connection created through the
# CLI becomes Connected and carries pings both ways; `vpn-connection show` says Connected with growing byte counters; a
# second site on the same gateway; the first site's prefixes changed through the API change its
# routes in the VNet namespace while the other connection's SPIs and status stay; the first
# connection's shared key changed -> its tunnel restarts (and comes back once the site loads the
# new script), the other's stays; the first connection deleted -> its SAs gone on both sides and
# its routes withdrawn; vnetgwd
# killed and restarted on the same data directory -> the second site's tunnel is back; the shared
# public IP moved by the operator -> the gateway follows (not running where it cannot bind, with
# the reason in every connection's status; back when the address is usable again).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh
. tests/lab/lib/api.sh

SITE2_IP=203.0.113.2
HOST2_IP=192.168.2.10
RG=rg1

now_ms() { date +%s%3N; }
since() { echo "$(($(now_ms) - $1)) ms"; }

lab_init
s2s_topology
# site1 gains 172.16.1.0/24 through the API later; charon installs the policy only for a prefix
# it has an address in (kernel-libipsec routes from it).
addr site lan 172.16.1.1/24
for r in site2 host2; do ns_add "$r"; done
link wan s2 site2 wan0
link site2 lan host2 eth0
addr wan s2 203.0.113.254/24
addr site2 wan0 $SITE2_IP/24
route site2 default via 203.0.113.254
addr site2 lan 192.168.2.1/24
forwarding site2
addr host2 eth0 $HOST2_IP/24
route host2 default via 192.168.2.1

api_vnetgwd_start --log-level info || lab_fail "vnetgwd did not start"
api_pool $S2S_GW_IP
api_tenant lab
api_vnet_gateway $RG vnet1 10.1.0.0/16 10.1.255.0/27 gw1 Standard
VNET_ID=$(api_id $RG virtualNetworks vnet1)
wait_for 10 "the VNet's namespace in the status file" api_vnet_role "$VNET_ID" ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "no VNet namespace"; }
VNET=$(api_vnet_role "$VNET_ID")
say "the VNet's namespace: $(ns_name "$VNET")"
expect "the namespace name is at most 32 characters" test "$(ns_name "$VNET" | wc -c)" -le 33
wait_for 10 "vnetgwd's TUN in the VNet" in_ns "$VNET" ip link show vnetgw0 || lab_fail "no TUN"
api_attach_workload wl "$VNET" 10.1.0.1/24 $S2S_WL_IP/24

# --- 1. a connection created through the CLI becomes Connected -------------------------------
# The site's charon is up before (its start-up is strongSwan's time, not the gateway's); it loads
# the device script as soon as the connection exists.
api_swan_idle site || lab_fail "charon did not start at the site"
api_site $RG site1 $S2S_SITE_IP 192.168.1.0/24
t0=$(now_ms)
api_connection $RG conn1 gw1 site1 "api-Lab-key-one-1"
CONN1_ID=$(api_id $RG connections conn1)
api_swan_reload site $RG conn1 || lab_fail "the site did not load the device script"
say "the site loaded the device script $(since "$t0") after vpn-connection create"
if wait_for 30 "conn1 Connected" api_conn_connected $RG conn1; then
	say "ok: conn1 Connected $(since "$t0") after vpn-connection create"
else
	api_cli_raw vpn-connection show -g $RG -n conn1 -o json >&2
	tail -n 40 "$LAB_DIR/vnetgwd.log" >&2
	lab_fail "conn1 not Connected 30 s after its creation"
fi
wait_for 10 "ipsec0 at the site" in_ns site ip link show ipsec0 || lab_fail "no ipsec0 at the site"
swan_route site 10.1.0.0/16
s2s_pings_both_ways

# --- 2. vpn-connection show: Connected, bytes growing ------------------------------------------
api_cli vpn-connection show -g $RG -n conn1 -o table >&2
in1=$(api_conn_prop $RG conn1 .properties.ingressBytesTransferred)
out1=$(api_conn_prop $RG conn1 .properties.egressBytesTransferred)
in_ns wl ping -c 3 -i 0.2 -W 2 $S2S_HOST_IP >/dev/null || lab_fail "ping for the counters"
in2=$(api_conn_prop $RG conn1 .properties.ingressBytesTransferred)
out2=$(api_conn_prop $RG conn1 .properties.egressBytesTransferred)
say "conn1 bytes: ingress $in1 -> $in2, egress $out1 -> $out2"
expect "ingress bytes grow" test "$in2" -gt "$in1"
expect "egress bytes grow" test "$out2" -gt "$out1"
expect "tunnelConnectionStatus[0] is Connected" \
	test "$(api_conn_prop $RG conn1 '.properties.tunnelConnectionStatus[0].connectionStatus')" = Connected
expect "the status has a time of change" \
	test -n "$(api_conn_prop $RG conn1 '.properties.connectionStatusChangedUtcTime // empty')"

# --- 3. a second site on the same gateway ------------------------------------------------------
api_site $RG site2 $SITE2_IP 192.168.2.0/24
t0=$(now_ms)
api_connection $RG conn2 gw1 site2 "api-Lab-key-two-2"
CONN2_ID=$(api_id $RG connections conn2)
api_swan_site site2 $RG conn2 || lab_fail "site2 did not start"
wait_for 30 "conn2 Connected" api_conn_connected $RG conn2 || lab_fail "conn2 not Connected"
say "ok: conn2 Connected $(since "$t0") after vpn-connection create"
wait_for 10 "ipsec0 at site2" in_ns site2 ip link show ipsec0 || lab_fail "no ipsec0 at site2"
swan_route site2 10.1.0.0/16
expect "workload -> host2 ping (through conn2)" in_ns wl ping -c 3 -i 0.2 -W 2 $HOST2_IP
expect "host2 -> workload ping" in_ns host2 ping -c 3 -i 0.2 -W 2 $S2S_WL_IP
expect "workload -> host ping still (through conn1)" in_ns wl ping -c 2 -i 0.2 -W 2 $S2S_HOST_IP

# --- 4. site1's prefixes changed: its routes change, conn2 untouched ---------------------------
api_status_sync
spis2=$(api_status_conn "$CONN2_ID" '.childSaInboundSpis | join(",")')
since2=$(api_status_conn "$CONN2_ID" .lastChange)
spis1=$(api_status_conn "$CONN1_ID" '.childSaInboundSpis | join(",")')
say "before: conn1 SPIs $spis1, conn2 SPIs $spis2 (status since $since2)"
expect "no route to 172.16.1.0/24 yet" test -z "$(in_ns "$VNET" ip route show 172.16.1.0/24)"
t0=$(now_ms)
api_cli_ok local-gateway update -g $RG -n site1 --local-address-prefixes 192.168.1.0/24 172.16.1.0/24
wait_for 20 "a route to 172.16.1.0/24 in the VNet" sh -c \
	"ip netns exec $(ns_name "$VNET") ip route show 172.16.1.0/24 | grep -q vnetgw0" ||
	lab_fail "the new prefix was not routed"
say "ok: 172.16.1.0/24 routed through vnetgw0 $(since "$t0") after the update"
in_ns "$VNET" ip route show dev vnetgw0 >&2
api_status_sync
expect "conn2's SPIs unchanged ($spis2)" test "$(api_status_conn "$CONN2_ID" '.childSaInboundSpis | join(",")')" = "$spis2"
expect "conn2's status unchanged since $since2" test "$(api_status_conn "$CONN2_ID" .lastChange)" = "$since2"
expect "conn1's tunnel not restarted (SPIs $spis1)" test "$(api_status_conn "$CONN1_ID" '.childSaInboundSpis | join(",")')" = "$spis1"
expect "conn1 still Connected" api_conn_connected $RG conn1
expect "conn2 still Connected" api_conn_connected $RG conn2

# --- 5. conn1's shared key changed: its tunnel restarts (SPEC §3), conn2 untouched -------------
t0=$(now_ms)
api_cli_ok vpn-connection shared-key update -g $RG --connection-name conn1 --value "api-Lab-key-new-3"
API_SECRETS+=("api-Lab-key-new-3")
# shellcheck disable=SC2317 # called through wait_for
restarted() { [ "$(api_status_conn "$CONN1_ID" '.childSaInboundSpis | join(",")')" != "$spis1" ]; }
wait_for 20 "conn1's old SAs replaced" restarted || lab_fail "conn1's tunnel was not restarted by the key change"
say "ok: conn1's old SAs ($spis1) gone $(since "$t0") after the key change"
api_swan_reload site $RG conn1 || lab_fail "the site did not load the new script"
wait_for 30 "conn1 Connected with the new key" api_conn_connected $RG conn1 || {
	tail -n 30 "$LAB_DIR/vnetgwd.log" >&2
	lab_fail "conn1 not Connected again with the new key"
}
say "ok: conn1 Connected with the new key $(since "$t0") after the change (SPIs $(api_status_conn "$CONN1_ID" '.childSaInboundSpis | join(",")'))"
expect "workload -> host ping with the new key" in_ns wl ping -c 2 -i 0.2 -W 2 $S2S_HOST_IP
api_status_sync
expect "conn2's SPIs still $spis2" test "$(api_status_conn "$CONN2_ID" '.childSaInboundSpis | join(",")')" = "$spis2"
expect "conn2's status still since $since2" test "$(api_status_conn "$CONN2_ID" .lastChange)" = "$since2"

# --- 6. conn1 deleted: SAs gone on both sides, routes withdrawn --------------------------------
expect "the site has conn1's IKE SA" test "$(api_swan_conn_sas site conn1)" -ge 1
t0=$(now_ms)
api_cli_ok vpn-connection delete -g $RG -n conn1
if wait_for 20 "conn1's SAs gone at the site" sh -c "[ \$(swanctl --list-sas --uri unix://$(swan_dir site)/charon.vici 2>/dev/null | grep -c '^conn1: #') = 0 ]"; then
	say "ok: the site's SAs for conn1 gone $(since "$t0") after vpn-connection delete"
else
	swan_ctl site --list-sas >&2
	lab_fail "the site still has conn1's SAs 20 s after the delete"
fi
wait_for 20 "conn1 gone from vnetgwd's status" sh -c \
	"[ -z \"\$(jq -r --arg id '$CONN1_ID' '.connections[] | select(.id == \$id) | .name' '$(api_status_file)')\" ]" ||
	lab_fail "vnetgwd still reports conn1"
say "ok: vnetgwd's status has no conn1 $(since "$t0") after the delete"
api_cli_raw vpn-connection show -g $RG -n conn1 >"$LAB_DIR/c1.out" 2>&1 && lab_fail "conn1 still shown"
expect "the API answers ResourceNotFound for conn1" grep -q ResourceNotFound "$LAB_DIR/c1.out"
expect "routes 192.168.1.0/24 and 172.16.1.0/24 withdrawn" \
	test -z "$(in_ns "$VNET" ip route show 192.168.1.0/24; in_ns "$VNET" ip route show 172.16.1.0/24)"
expect "conn2's route stays" sh -c "ip netns exec $(ns_name "$VNET") ip route show 192.168.2.0/24 | grep -q vnetgw0"
api_status_sync
expect "conn2's SPIs still $spis2" test "$(api_status_conn "$CONN2_ID" '.childSaInboundSpis | join(",")')" = "$spis2"
expect "workload -> host2 ping after the delete" in_ns wl ping -c 2 -i 0.2 -W 2 $HOST2_IP

# --- 7. vnetgwd killed and restarted on the same data directory: the tunnel is back ------------
api_vnetgwd_kill
t0=$(now_ms)
api_vnetgwd_start --log-level info || lab_fail "vnetgwd did not restart"
wait_for 20 "conn2 Connected after the restart" api_conn_connected $RG conn2 || {
	tail -n 40 "$LAB_DIR/vnetgwd.log" >&2
	lab_fail "conn2 did not come back after the restart"
}
say "ok: conn2 Connected $(since "$t0") after the restart"
api_status_sync # the killed process's file is still there until the new one writes its own
expect "the VNet kept its namespace" test "$(api_vnet_role "$VNET_ID")" = "$VNET"
expect "conn1 stays deleted" test "$(jq '.connections | length' "$(api_status_file)")" = 1
wait_for 10 "workload -> host2 ping after the restart" in_ns wl ping -c 1 -W 1 $HOST2_IP ||
	lab_fail "no traffic through conn2 after the restart"
expect "workload -> host2 ping after the restart" in_ns wl ping -c 3 -i 0.2 -W 2 $HOST2_IP
expect "host2 -> workload ping after the restart" in_ns host2 ping -c 3 -i 0.2 -W 2 $S2S_WL_IP
# --- 8. the operator moves the shared public IP: the gateway follows ----------------------------
# 192.0.2.9 is not gw's: the gateway cannot run there, and every connection says why.
api_pool 192.0.2.9
# shellcheck disable=SC2317 # called through wait_for
reason_names() { api_conn_prop "$RG" conn2 .properties.connectionStatusReason | grep -q "$1"; }
wait_for 10 "conn2's reason names 192.0.2.9" reason_names 192.0.2.9 ||
	lab_fail "no reason naming the unusable public IP"
say "conn2: $(api_conn_prop $RG conn2 .properties.connectionStatus): $(api_conn_prop $RG conn2 .properties.connectionStatusReason)"
expect "conn2 NotConnected while the public IP is unusable" test "$(api_conn_prop $RG conn2 .properties.connectionStatus)" = NotConnected
expect "the public IP resource reports 192.0.2.9" test "$(api_cli_raw public-ip show -g $RG -n gw1-ip -o json | jq -r .properties.ipAddress)" = 192.0.2.9
t0=$(now_ms)
api_pool $S2S_GW_IP
wait_for 20 "conn2 Connected on $S2S_GW_IP again" api_conn_connected $RG conn2 || {
	tail -n 30 "$LAB_DIR/vnetgwd.log" >&2
	lab_fail "conn2 did not come back when the public IP was set back"
}
say "ok: conn2 Connected $(since "$t0") after the pool was set back to $S2S_GW_IP"
wait_for 10 "workload -> host2 ping on the re-created gateway" in_ns wl ping -c 1 -W 1 $HOST2_IP ||
	lab_fail "no traffic through the re-created gateway"
expect "no shared key in vnetgwd's log" test "$(grep -c 'api-Lab-key' "$LAB_DIR/vnetgwd.log")" = 0
lab_pass "the store drives the gateway: create, second site, prefix change, delete, restart"
