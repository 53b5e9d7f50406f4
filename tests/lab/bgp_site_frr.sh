#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers run through wait_for/expect
# Issue 12: vnetgwd's BGP speaker peers with FRR 8.4 from Debian (zebra + bgpd, queried with
# vtysh) behind a real strongSwan site, through the tunnel; a second site runs BIRD 2, and the
# two see each other's prefixes through the gateway (transit).
#
#   wl ── [VNet ns: vnetgw0 10.1.255.4/27, BGP 10.1.255.30, AS 65515]
#   10.1.0.10   ║ vnetgwd (gw, 192.0.2.1) ── wan ──┬── site  (charon + FRR AS 65010, 192.168.1.1)
#               ║                                  │     └── host  192.168.1.10, 172.16.10.10
#               ║                                  └── site2 (charon + BIRD AS 65020, 192.168.2.1)
#                                                        └── host2 192.168.2.10, 172.16.20.10
#
# Each local network gateway has only its BGP peer's address (/32) as its address space: the
# prefixes behind the sites (172.16.10.0/24 and 172.16.11.0/24 from FRR, 172.16.20.0/24 from
# BIRD) are known to the gateway through BGP alone. FRR peers eBGP multihop from its LAN
# address (update-source 192.168.1.1, the local network gateway's bgpPeeringAddress) with the
# gateway's 10.1.255.30, reached through ipsec0; zebra installs what bgpd learns into the site's
# kernel.
#
# Asserted, with times printed: both sessions Established (vnetgwd's status file and FRR's
# `show bgp neighbors`); FRR's two prefixes in the VNet's kernel table, and the workload pings a
# host in one of them; the VNet's 10.1.0.0/16 in FRR's BGP table (AS path 65515); transit: FRR
# has BIRD's 172.16.20.0/24 (zebra puts it in the site's kernel), BIRD has FRR's 172.16.10.0/24,
# and host pings host2 through the gateway; FRR withdraws 172.16.10.0/24 (`no network`) and the
# route and the ping go within a second, 172.16.11.0/24 stays, and BIRD loses it too; announced
# again it is back; site's charon killed (SIGKILL by its PID): the session and its routes go
# within the hold time, site2's session and its routes are untouched.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/bird.sh
. tests/lab/lib/frr.sh
. tests/lab/lib/s2s.sh

HOLD=9 # FRR's and BIRD's hold time; the session's is the smaller of both sides' (vnetgwd's 90 s)
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
frr_established() { [ "$(frr_neighbor site "$GW_BGP" bgpState)" = Established ]; }
vnet_route() { in_ns "$S2S_VNET" ip route show "$1" dev vnetgw0 | grep -q .; }
no_vnet_route() { ! vnet_route "$1"; }
pings() { in_ns "$1" ping -q -c 1 -W 1 "${@:2}" >/dev/null 2>&1; }
no_ping() { ! pings "$@"; }
no_bird_route() { ! bird_has "$@"; }
# routes_received CONN N: the status file says vnetgwd holds N routes from CONN's peer.
routes_received() { [ "$(bgp_peer "$1" routesReceived)" = "$2" ]; }
site_kernel_bgp() { in_ns site ip route show "$1" proto bgp | grep -q .; }

# FRR at site: eBGP multihop to the gateway's BGP address through the tunnel, from the LAN
# address; its two prefixes as network statements (withdrawn one by one with `no network`).
frr_site_conf() {
	local f
	f="$(frr_dir site)/bgpd.conf"
	mkdir -p "$(frr_dir site)"
	cat >"$f" <<EOF
frr defaults traditional
hostname site
log file $(frr_dir site)/bgpd.log
log timestamp precision 3
debug bgp neighbor-events
!
router bgp 65010
 bgp router-id 192.168.1.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor $GW_BGP remote-as 65515
 neighbor $GW_BGP ebgp-multihop 4
 neighbor $GW_BGP update-source 192.168.1.1
 neighbor $GW_BGP timers 3 $HOLD
 neighbor $GW_BGP timers connect 2
 neighbor $GW_BGP advertisement-interval 0
 !
 address-family ipv4 unicast
  network 172.16.10.0/24
  network 172.16.11.0/24
 exit-address-family
!
EOF
	printf '%s' "$f"
}

# BIRD at site2, as in bgp_sites_bird.sh: a static route per prefix, eBGP multihop to the
# gateway through the tunnel.
bird_site2_conf() {
	local f
	f="$(bird_dir site2)/bird.conf"
	mkdir -p "$(bird_dir site2)"
	cat >"$f" <<EOF
log "$(bird_dir site2)/bird.log" all;
router id 192.168.2.1;
protocol device { }
protocol static via_tunnel { ipv4; route $GW_BGP/32 via "ipsec0"; }
protocol static st0 { ipv4; route 172.16.20.0/24 via 192.168.2.10; }
protocol bgp vnetgw {
	local 192.168.2.1 as 65020;
	neighbor $GW_BGP as 65515;
	multihop 4;
	hold time $HOLD;
	connect retry time 2;
	ipv4 { import all; export where proto ~ "st*"; next hop self; igp table master4; };
}
EOF
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
      "dpdTimeoutSeconds": 30, "bgp": { "asn": 65020, "peeringAddress": "192.168.2.1" } } ] }
CONF
swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start site || lab_fail "charon did not start at site"
swan_config site2 $SITE2_IP $S2S_GW_IP "$S2S_PSK-2" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start site2 || lab_fail "charon did not start at site2"
t0=$(now_ms)
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
conn_up() { [ "$(api_status_conn "$(s2s_conn_id "$1")" .connectionStatus)" = Connected ]; }
wait_for 20 "site1 Connected" conn_up site1 || lab_fail "site1: $(api_status_conn "$(s2s_conn_id site1)" .reason)"
wait_for 20 "site2 Connected" conn_up site2 || lab_fail "site2: $(api_status_conn "$(s2s_conn_id site2)" .reason)"
# Route-based sites: the VNet through the tunnel (NOTES.md). FRR's site gets site2's prefix
# from BGP (zebra installs it); BIRD's site2 has a static route to FRR's, as in bgp_sites_bird.
s2s_swan_routes || lab_fail "no ipsec0 at site"
wait_for 10 "ipsec0 at site2" in_ns site2 ip link show ipsec0 || lab_fail "no ipsec0 at site2"
swan_route site2 10.1.0.0/16
swan_route site2 172.16.10.0/24
frr_start site "$(frr_site_conf)" || lab_fail "FRR did not start at site"
say "FRR: $(vtysh_ site -c 'show version' | head -n 1)"
bird_start site2 "$(bird_site2_conf)" || lab_fail "bird did not start at site2"

wait_for 30 "site1's BGP session Established" established site1 || {
	jq '.vnets' "$(api_status_file)" >&2
	vtysh_ site -c "show bgp neighbors $GW_BGP" >&2
	tail -n 30 "$(frr_dir site)/bgpd.log" >&2
	lab_fail "no session with site's FRR"
}
wait_for 30 "site2's BGP session Established" established site2 || lab_fail "no session with site2's BIRD"
say "both sessions Established $(($(now_ms) - t0)) ms after vnetgwd started"
expect_soon "FRR says Established too" frr_established
say "FRR: $(vtysh_ site -c 'show bgp summary' | grep -E "^$GW_BGP ")"

expect_soon "FRR's 172.16.10.0/24 in the VNet's kernel table" vnet_route 172.16.10.0/24
expect_soon "FRR's 172.16.11.0/24 too" vnet_route 172.16.11.0/24
expect_soon "BIRD's 172.16.20.0/24 too" vnet_route 172.16.20.0/24
expect_soon "routesReceived 2 from site" routes_received site1 2
expect "the workload pings 172.16.10.10, a host only BGP can route to" pings wl 172.16.10.10
expect "and 172.16.20.10 behind site2" pings wl 172.16.20.10
expect_soon "the VNet's 10.1.0.0/16 in FRR's BGP table" frr_has site 10.1.0.0/16
say "FRR: show bgp ipv4 unicast 10.1.0.0/16: $(vtysh_ site -c 'show bgp ipv4 unicast 10.1.0.0/16 json' |
	jq -c '[.paths[] | {aspath: .aspath.string, nexthop: .nexthops[0].ip, valid, bestpath: .bestpath.overall}]')"
expect "its AS path is the gateway's 65515" test "$(vtysh_ site -c 'show bgp ipv4 unicast 10.1.0.0/16 json' |
	jq -r '.paths[0].aspath.string')" = 65515
expect_soon "transit: BIRD's 172.16.20.0/24 in FRR's BGP table" frr_has site 172.16.20.0/24
say "FRR: 172.16.20.0/24 AS path $(vtysh_ site -c 'show bgp ipv4 unicast 172.16.20.0/24 json' | jq -r '.paths[0].aspath.string')"
expect_soon "and zebra put it in the site's kernel (proto bgp)" site_kernel_bgp 172.16.20.0/24
expect_soon "transit: FRR's 172.16.10.0/24 in site2's BIRD" bird_has site2 172.16.10.0/24
say "site2's BIRD: $(birdc_ site2 show route 172.16.10.0/24 all | grep -E 'BGP.as_path' | tr -s ' ')"
expect "transit traffic: host pings host2 through the gateway" pings host -I 172.16.10.10 172.16.20.10

# FRR withdraws 172.16.10.0/24: route and ping go within a second; 172.16.11.0/24 stays.
t1=$(now_ms)
frr_bgp site "address-family ipv4 unicast" "no network 172.16.10.0/24" || lab_fail "vtysh: no network"
t1v=$(now_ms)
wait_for 1 "172.16.10.0/24 gone from the VNet" no_vnet_route 172.16.10.0/24 ||
	lab_fail "the withdrawn route is still in the VNet's table 1 s after FRR was told"
say "withdrawal out of the VNet's kernel table $(($(now_ms) - t1)) ms after vtysh was started ($((t1v - t1)) ms of it vtysh's own run)"
expect "the ping to 172.16.10.10 goes with it" no_ping wl 172.16.10.10
expect "172.16.11.0/24 stays" vnet_route 172.16.11.0/24
expect_soon "routesReceived 1 from site" routes_received site1 1
expect_soon "site2's BIRD no longer has 172.16.10.0/24" no_bird_route site2 172.16.10.0/24
frr_bgp site "address-family ipv4 unicast" "network 172.16.10.0/24" || lab_fail "vtysh: network"
expect_soon "announced again, it is back" vnet_route 172.16.10.0/24
expect "and carries traffic" pings wl 172.16.10.10

# site's tunnel killed (charon SIGKILL): no keepalive comes through; within the hold time the
# session ends and its routes go; site2 is untouched. Timed on the VNet's kernel table (the
# status file may be written up to a second later) and from vnetgwd's own log line.
site1_routes_gone() { ! in_ns "$S2S_VNET" ip route show dev vnetgw0 | grep -Eq '^172\.16\.1[01]\.0/24'; }
t2=$(now_ms)
run kill -9 "$(cat "$(swan_dir site)/pid")"
wait_for $((HOLD + 2)) "site1's routes gone from the VNet" site1_routes_gone ||
	lab_fail "site1's routes still in the VNet's table $((HOLD + 2)) s after its tunnel died"
gone=$(($(now_ms) - t2))
expect_soon "site1's session no longer Established" not_established site1
expired=$(grep -m 1 'Hold Timer Expired' "$(api_log)" | cut -d' ' -f1)
[ -n "$expired" ] || lab_fail "vnetgwd's log has no hold timer expiry: $(bgp_peer site1 lastError)"
expired=$(($(date -d "$expired" +%s%3N) - t2))
say "site1's session ended ${expired} ms (vnetgwd's log), its routes gone from the VNet ${gone} ms after its charon died (hold time ${HOLD} s): $(bgp_peer site1 lastError)"
expect "within the hold time (+1 s)" test "$gone" -le $(((HOLD + 1) * 1000))
expect "site2's session untouched" established site2
expect "site2's route stays" vnet_route 172.16.20.0/24
expect "and carries traffic" pings wl 172.16.20.10
lab_pass "BGP with FRR 8.4 behind strongSwan: session, learned routes carrying traffic, the VNet's prefix in FRR, transit with BIRD, withdrawal within 1 s, tunnel loss within the hold time"
