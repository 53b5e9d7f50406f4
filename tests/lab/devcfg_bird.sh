#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers run through wait_for/expect
# Issue 12: the device configuration scripts of a BGP connection configure a real site. The
# site's charon runs exactly `vnetgw vpn-connection show-device-config-script --vendor
# strongSwan` and its BIRD 2 exactly `--vendor BIRD`, with one line the script asks the site to
# add (a static protocol site_lan for what it announces) and a log file. Topology:
# tests/lab/lib/s2s.sh; the local network gateway holds only the site's BGP address.
#
# Asserted: the BGP session comes up; the site's 172.16.10.0/24 reaches the VNet's kernel table
# and BIRD puts the VNet's 10.1.0.0/16 into the site's kernel table through ipsec0 (its kernel
# protocol, as the script sets it up: nobody routes by hand); traffic flows both ways between the
# workload and a host that only BGP routes (172.16.10.10).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/bird.sh
. tests/lab/lib/s2s.sh

bgp_state() {
	jq -r --arg v "$(s2s_vnet_id vnet1)" '.vnets[$v].bgp.peers[0].state' "$(api_status_file)" 2>/dev/null
}
established() { [ "$(bgp_state)" = Established ]; }
site_kernel_has() { in_ns site ip route show "$1" | grep -q "dev ipsec0 proto bird"; }
vnet_route() { in_ns "$S2S_VNET" ip route show "$1" dev vnetgw0 | grep -q .; }

lab_init
s2s_topology
addr host eth0 172.16.10.10/32
route site 172.16.10.0/24 via 192.168.1.10
cat >"$LAB_DIR/vnetgwd.json" <<CONF
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"], "gatewaySubnet": "10.1.255.0/27" } ],
  "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "$S2S_SITE_IP", "sharedKey": "$S2S_PSK",
      "remotePrefixes": ["192.168.1.1/32"], "sku": "Standard", "initiate": false,
      "bgp": { "asn": 65010, "peeringAddress": "192.168.1.1" } } ] }
CONF
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload

api_swan_site site "$S2S_RG" site1 || lab_fail "charon did not take the strongSwan script"
expect "the strongSwan script has any-to-any selectors" grep -q "local_ts = 0.0.0.0/0" "$LAB_DIR/site.swanctl.conf"
wait_for 20 "site1 Connected" s2s_connected || lab_fail "tunnel: $(s2s_status reason)"
# What the script's comment asks of a libipsec site (table 220 has default dev ipsec0).
run in_ns site ip rule add pref 210 lookup main suppress_prefixlength 0

mkdir -p "$(bird_dir site)"
api_cli vpn-connection show-device-config-script -g "$S2S_RG" -n site1 --vendor BIRD \
	>"$LAB_DIR/bird.script" 2>"$LAB_DIR/script.err" || {
	cat "$LAB_DIR/script.err" >&2
	lab_fail "no BIRD script"
}
{
	echo "log \"$(bird_dir site)/bird.log\" all;"
	cat "$LAB_DIR/bird.script"
	echo 'protocol static site_lan { ipv4; route 172.16.10.0/24 via 192.168.1.10; }'
} >"$(bird_dir site)/bird.conf"
bird_start site "$(bird_dir site)/bird.conf" || lab_fail "BIRD did not take the script"

wait_for 30 "BGP Established" established || {
	tail -n 20 "$(bird_dir site)/bird.log" >&2
	lab_fail "no BGP session: $(bgp_state)"
}
say "ok: BGP session Established"
expect_soon "the site's 172.16.10.0/24 in the VNet's kernel table" vnet_route 172.16.10.0/24
expect_soon "BIRD put the VNet's 10.1.0.0/16 into the site's kernel through ipsec0" site_kernel_has 10.1.0.0/16
expect "the workload pings 172.16.10.10" sh -c "ip netns exec $(ns_name wl) ping -q -c 2 -W 1 172.16.10.10 >/dev/null"
expect "and 172.16.10.10 pings the workload" sh -c "ip netns exec $(ns_name host) ping -q -c 2 -W 1 -I 172.16.10.10 $S2S_WL_IP >/dev/null"
lab_pass "the strongSwan and BIRD scripts of a BGP connection bring up tunnel, session and routes"
