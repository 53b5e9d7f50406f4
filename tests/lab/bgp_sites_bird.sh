#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers run through wait_for/expect
# Issue 12: vnetgwd's BGP speaker peers with real routers, BIRD 2 from Debian, behind real
# strongSwan sites, through the tunnels; routes learned over BGP carry the VNet's traffic.
#
#   wl ── [VNet ns: vnetgw0 10.1.255.4/27, BGP 10.1.255.30, AS 65515]
#   10.1.0.10   ║ vnetgwd (gw, 192.0.2.1) ── wan ──┬── site  (charon + BIRD AS 65010, 192.168.1.1)
#               ║                                  │     └── host  192.168.1.10, 172.16.10.10
#               ║                                  └── site2 (charon + BIRD AS 65020, 192.168.2.1)
#                                                        └── host2 192.168.2.10, 172.16.20.10
#
# Each local network gateway has only its BGP peer's address (/32) as its address space: the
# prefixes behind the sites (172.16.10.0/24 and 172.16.11.0/24 from site, 172.16.20.0/24 from
# site2) are known to the gateway through BGP alone. vnetgwd runs with --log-format json.
#
# Asserted, with times printed: both sessions Established (status file and diagnostic events);
# a static connection (static3, no device) on the same gateway has its prefix advertised;
# site's two prefixes learned and in the VNet's kernel table, and the workload pings a host in
# one of them; the VNet's prefix in BIRD's table; transit: each site's BIRD has the other's
# prefix, and host pings host2 through the gateway; site withdraws 172.16.10.0/24 and the
# route and the ping go within a second, 172.16.11.0/24 stays; site1's key changed at the
# gateway: its routes go at once (tunnel restarted), and come back with the key; site's charon killed: the
# session and its routes go within the hold time, site2's session is untouched; every log line
# is JSON (jq), with BgpConnectedEvent, BgpRouteUpdate and BgpDisconnectedEvent in the Route
# category for the connection's resource id.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/bird.sh
. tests/lab/lib/s2s.sh

HOLD=9 # BIRD's hold time; the session's is the smaller of both sides' (vnetgwd's is 90 s)
SITE2_IP=203.0.113.2
GW_BGP=10.1.255.30 # the GatewaySubnet's last usable address but one (SPEC §6)

now_ms() { date +%s%3N; }
vnet_id() { s2s_vnet_id vnet1; }
# bgp_peer CONN FIELD: the VNet's BGP peer for connection CONN from the status file.
bgp_peer() {
	jq -r --arg v "$(vnet_id)" --arg k "$(s2s_conn_key "$1")" \
		".vnets[\$v].bgp.peers[] | select(.name == \$k) | .$2" "$(api_status_file)" 2>/dev/null
}
established() { [ "$(bgp_peer "$1" state)" = Established ]; }
not_established() { ! established "$1"; }
vnet_route() { in_ns "$S2S_VNET" ip route show "$1" dev vnetgw0 | grep -q .; }
no_vnet_route() { ! vnet_route "$1"; }
pings() { in_ns "$1" ping -q -c 1 -W 1 "${@:2}" >/dev/null 2>&1; }
no_ping() { ! pings "$@"; }
log_events() { jq -c --arg op "$1" 'select(.operationName == $op)' "$(api_log)"; }
# An event of the connection (resource id) with operation OP in category CAT.
has_event() {
	# (jq 1.6's -e judges the last input alone: count the matches instead)
	jq -c --arg op "$1" --arg cat "$2" --arg id "$(s2s_conn_id "$3")" \
		'select(.operationName == $op and .category == $cat and .resourceId == $id)' \
		"$(api_log)" | grep -q .
}

# bird_site_conf ROLE AS LAN_ADDR NEIGHBOR-ROUTES... : BIRD for a site: a static route per
# prefix behind it (protocol st<N>, one each, so they can be withdrawn one by one), eBGP multihop
# to the gateway's BGP address through the tunnel (resolved through a route via ipsec0).
bird_site_conf() {
	local role=$1 as=$2 lan=$3 host=$4 f n=0 p
	shift 4
	f="$(bird_dir "$role")/bird.conf"
	mkdir -p "$(bird_dir "$role")"
	{
		echo "log \"$(bird_dir "$role")/bird.log\" all;"
		echo "router id $lan;"
		echo "protocol device { }"
		echo "protocol static via_tunnel { ipv4; route $GW_BGP/32 via \"ipsec0\"; }"
		for p in "$@"; do
			echo "protocol static st$n { ipv4; route $p via $host; }"
			n=$((n + 1))
		done
		cat <<EOF
protocol bgp vnetgw {
	local $lan as $as;
	neighbor $GW_BGP as 65515;
	multihop 4;
	hold time $HOLD;
	connect retry time 2;
	ipv4 { import all; export where proto ~ "st*"; next hop self; igp table master4; };
}
EOF
	} >"$f"
	printf '%s' "$f"
}

lab_init
for r in gw wan site host site2 host2 wl; do ns_add "$r"; done
link gw wan0 wan g0
link wan s0 site wan0
link wan s1 site2 wan0
link site lan host eth0
link site2 lan host2 eth0
s2s_addresses
addr wan s1 203.0.113.254/24
addr site2 wan0 $SITE2_IP/24
route site2 default via 203.0.113.254
addr site2 lan 192.168.2.1/24
forwarding site2
addr host2 eth0 192.168.2.10/24
route host2 default via 192.168.2.1
# The hosts behind the sites' BGP prefixes, routed from the sites' LANs.
addr host eth0 172.16.10.10/32
addr host2 eth0 172.16.20.10/32
route site 172.16.10.0/24 via 192.168.1.10
route site 172.16.11.0/24 via 192.168.1.10
route site2 172.16.20.0/24 via 192.168.2.10

cat >"$LAB_DIR/vnetgwd.json" <<CONF
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"], "gatewaySubnet": "10.1.255.0/27" } ],
  "connections": [
    { "name": "site1", "vnet": "vnet1", "peer": "$S2S_SITE_IP", "sharedKey": "$S2S_PSK",
      "remotePrefixes": ["192.168.1.1/32"], "sku": "Standard", "initiate": true,
      "dpdTimeoutSeconds": 30, "bgp": { "asn": 65010, "peeringAddress": "192.168.1.1" } },
    { "name": "site2", "vnet": "vnet1", "peer": "$SITE2_IP", "sharedKey": "$S2S_PSK-2",
      "remotePrefixes": ["192.168.2.1/32"], "sku": "Standard", "initiate": true,
      "dpdTimeoutSeconds": 30, "bgp": { "asn": 65020, "peeringAddress": "192.168.2.1" } },
    { "name": "static3", "vnet": "vnet1", "peer": "203.0.113.99", "sharedKey": "$S2S_PSK-3",
      "remotePrefixes": ["192.168.99.0/24"], "sku": "Standard", "initiate": false } ] }
CONF
swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start site || lab_fail "charon did not start at site"
swan_config site2 $SITE2_IP $S2S_GW_IP "$S2S_PSK-2" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start site2 || lab_fail "charon did not start at site2"
t0=$(now_ms)
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" --log-format json || lab_fail "vnetgwd did not start"
s2s_attach_workload
conn_up() { [ "$(api_status_conn "$(s2s_conn_id "$1")" .connectionStatus)" = Connected ]; }
wait_for 20 "site1 Connected" conn_up site1 || lab_fail "site1: $(api_status_conn "$(s2s_conn_id site1)" .reason)"
wait_for 20 "site2 Connected" conn_up site2 || lab_fail "site2: $(api_status_conn "$(s2s_conn_id site2)" .reason)"
# Route-based sites: the VNet and the other site through the tunnel (NOTES.md).
s2s_swan_routes || lab_fail "no ipsec0 at site"
swan_route site 172.16.20.0/24
wait_for 10 "ipsec0 at site2" in_ns site2 ip link show ipsec0 || lab_fail "no ipsec0 at site2"
swan_route site2 10.1.0.0/16
swan_route site2 172.16.10.0/24
bird_start site "$(bird_site_conf site 65010 192.168.1.1 192.168.1.10 172.16.10.0/24 172.16.11.0/24)" ||
	lab_fail "bird did not start at site"
bird_start site2 "$(bird_site_conf site2 65020 192.168.2.1 192.168.2.10 172.16.20.0/24)" ||
	lab_fail "bird did not start at site2"

wait_for 30 "site1's BGP session Established" established site1 || {
	jq '.vnets' "$(api_status_file)" >&2
	tail -n 20 "$(bird_dir site)/bird.log" >&2
	lab_fail "no session with site's BIRD"
}
wait_for 30 "site2's BGP session Established" established site2 || lab_fail "no session with site2's BIRD"
say "both sessions Established $(($(now_ms) - t0)) ms after vnetgwd started"

expect_soon "site's 172.16.10.0/24 in the VNet's kernel table" vnet_route 172.16.10.0/24
expect_soon "site's 172.16.11.0/24 too" vnet_route 172.16.11.0/24
expect_soon "site2's 172.16.20.0/24 too" vnet_route 172.16.20.0/24
expect "routesReceived 2 from site" test "$(bgp_peer site1 routesReceived)" = 2
expect "the workload pings 172.16.10.10, a host only BGP can route to" pings wl 172.16.10.10
expect "and 172.16.20.10 behind site2" pings wl 172.16.20.10
expect_soon "the VNet's 10.1.0.0/16 in site's BIRD" bird_has site 10.1.0.0/16
expect_soon "a static site's 192.168.99.0/24 (BGP and static connections on one gateway) in site's BIRD" \
	bird_has site 192.168.99.0/24
expect_soon "transit: site2's 172.16.20.0/24 in site's BIRD" bird_has site 172.16.20.0/24
expect_soon "transit: site's 172.16.10.0/24 in site2's BIRD" bird_has site2 172.16.10.0/24
say "site's BIRD: $(birdc_ site show route 172.16.20.0/24 all | grep -E 'BGP.as_path' | tr -s ' ')"
expect "transit traffic: host pings host2 through the gateway" pings host -I 172.16.10.10 172.16.20.10

# The API and the CLI answer from the live speaker (az's columns with -o table).
api_json() { api_cli_raw "$@" -o json 2>"$LAB_DIR/cli.err"; }
peers_json=$(api_json vnet-gateway list-bgp-peer-status -g "$S2S_RG" -n vnet1-gw)
say "getBgpPeerStatus: $(jq -c '[.[] | {neighbor, asn, state, routesReceived}]' <<<"$peers_json")"
expect "getBgpPeerStatus: site's BIRD Connected with 2 routes" \
	jq -e '.[] | select(.neighbor == "192.168.1.1" and .asn == 65010 and .state == "Connected" and .routesReceived == 2 and .localAddress == "10.1.255.30")' <<<"$peers_json"
expect "getBgpPeerStatus --peer filters" \
	test "$(api_json vnet-gateway list-bgp-peer-status -g "$S2S_RG" -n vnet1-gw --peer 192.168.2.1 | jq length)" = 1
learned=$(api_json vnet-gateway list-learned-routes -g "$S2S_RG" -n vnet1-gw)
expect "getLearnedRoutes: 172.16.10.0/24 from 192.168.1.1, origin EBgp, AS path 65010" \
	jq -e '.[] | select(.network == "172.16.10.0/24" and .sourcePeer == "192.168.1.1" and .origin == "EBgp" and .asPath == "65010")' <<<"$learned"
expect "getLearnedRoutes: the VNet's own 10.1.0.0/16, origin Network" \
	jq -e '.[] | select(.network == "10.1.0.0/16" and .origin == "Network")' <<<"$learned"
adv=$(api_json vnet-gateway list-advertised-routes -g "$S2S_RG" -n vnet1-gw --peer 192.168.1.1)
expect "getAdvertisedRoutes to site: the VNet and site2's 172.16.20.0/24 (transit)" \
	jq -e '[.[] | .network] | index("10.1.0.0/16") != null and index("172.16.20.0/24") != null and index("172.16.10.0/24") == null' <<<"$adv"
api_cli_raw vnet-gateway list-bgp-peer-status -g "$S2S_RG" -n vnet1-gw -o table >"$LAB_DIR/peers.table"
expect "the CLI's table has az's columns" grep -q "Neighbor.*Asn.*State.*ConnectedDuration.*RoutesReceived" "$LAB_DIR/peers.table"
events=$(api_json vpn-connection show-events -g "$S2S_RG" -n site1)
expect "show-events: the tenant reads TunnelConnected and BgpConnectedEvent of site1" \
	jq -e '([.[] | .operationName] | index("TunnelConnected") != null and index("BgpConnectedEvent") != null)' <<<"$events"

# site withdraws 172.16.10.0/24: route and ping go within a second; 172.16.11.0/24 stays.
t1=$(now_ms)
run birdc_ site disable st0 >/dev/null
wait_for 1 "172.16.10.0/24 gone from the VNet" no_vnet_route 172.16.10.0/24 ||
	lab_fail "the withdrawn route is still in the VNet's table after 1 s"
say "withdrawal installed $(($(now_ms) - t1)) ms after BIRD was told"
expect "the ping to 172.16.10.10 goes with it" no_ping wl 172.16.10.10
expect "172.16.11.0/24 stays" vnet_route 172.16.11.0/24
expect_soon "site2's BIRD no longer has 172.16.10.0/24" sh -c "! birdc -s '$(bird_dir site2)/bird.ctl' show route 172.16.10.0/24 | grep -q '^172.16.10.0/24 '"
run birdc_ site enable st0 >/dev/null
expect_soon "announced again, it is back" vnet_route 172.16.10.0/24

# site1's key changed at the gateway: its tunnel restarts (and cannot come up with the site's
# old key), so its session and routes go at once, not at the hold time; the old key back, all
# comes back.
t3=$(now_ms)
api_cli_ok vpn-connection shared-key update -g "$S2S_RG" --connection-name site1 --value "$S2S_PSK-new"
wait_for 2 "site1's routes withdrawn after its key changed" no_vnet_route 172.16.10.0/24 ||
	lab_fail "site1's routes stayed after its key changed"
say "key changed: routes gone $(($(now_ms) - t3)) ms after the change was asked"
expect "site2's route stays" vnet_route 172.16.20.0/24
api_cli_ok vpn-connection shared-key update -g "$S2S_RG" --connection-name site1 --value "$S2S_PSK"
wait_for 30 "site1 Connected again" conn_up site1 || lab_fail "site1 did not come back with its key"
wait_for 30 "site1's session Established again" established site1 || lab_fail "no session after the key came back"
expect_soon "its routes are back" vnet_route 172.16.10.0/24

# site's tunnel killed (charon SIGKILL): no keepalive comes through; within the hold time the
# session ends and its routes go; site2 is untouched.
t2=$(now_ms)
run kill -9 "$(cat "$(swan_dir site)/pid")"
wait_for $((HOLD + 2)) "site1's session down" not_established site1 ||
	lab_fail "site1's session still Established $((HOLD + 2)) s after its tunnel died"
down=$(($(now_ms) - t2))
wait_for 1 "site1's routes withdrawn" no_vnet_route 172.16.11.0/24 || lab_fail "site1's routes stayed"
say "site1's session and routes gone ${down} ms after its charon died (hold time ${HOLD} s): $(bgp_peer site1 lastError)"
expect "within the hold time (+1 s)" test "$down" -le $(((HOLD + 1) * 1000))
expect "site2's session untouched" established site2
expect "site2's route stays" vnet_route 172.16.20.0/24
expect "and carries traffic" pings wl 172.16.20.10

# The diagnostic log: JSON lines, events with the connection's resource id.
expect "every line of vnetgwd's log is JSON" sh -c "jq -c . '$(api_log)' >/dev/null"
expect "BgpConnectedEvent (Route) for site1" has_event BgpConnectedEvent RouteDiagnosticLog site1
expect "BgpRouteUpdate (Route) for site1" has_event BgpRouteUpdate RouteDiagnosticLog site1
expect "BgpDisconnectedEvent (Route) for site1" has_event BgpDisconnectedEvent RouteDiagnosticLog site1
expect "TunnelConnected (Tunnel) for site2" has_event TunnelConnected TunnelDiagnosticLog site2
say "e.g. $(log_events BgpDisconnectedEvent | head -n 1)"
lab_pass "BGP with BIRD 2 behind strongSwan: sessions, learned routes carrying traffic, transit, withdrawal within 1 s, tunnel loss within the hold time"
