#!/usr/bin/env bash
# The labs' gateway document (tests/lab/lib/s2s.sh) becomes resources of vnetgwd's store through
# the CLI: every member lands where it belongs (read back with `vnetgw ... show -o json`), a VNet
# namespace and TUN per VNet, the status file found by the document's names, a restart on the same
# data directory imports nothing again, and a document with a member it does not know, or with
# a value the API refuses, is refused with the reason. No site: nothing is established here.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/s2s.sh

POLICY='{ "ikeEncryption": "AES256", "ikeIntegrity": "SHA384", "dhGroup": "ECP384",
          "ipsecEncryption": "GCMAES256", "ipsecIntegrity": "GCMAES256", "pfsGroup": "ECP384",
          "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000 }'
show() { api_cli_raw "$1" show -g "$S2S_RG" -n "$2" -o json 2>/dev/null | jq -c "$3"; }
is() { # is WHAT ACTUAL EXPECTED
	expect "$1 is $3 (got $2)" test "$2" = "$3"
}

lab_init
ns_add gw
ns_add wan
link gw wan0 wan g0
addr gw wan0 $S2S_GW_IP/24
route gw default via 192.0.2.254
addr wan g0 192.0.2.254/24
cat >"$LAB_DIR/doc.json" <<DOC
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16", "10.9.0.0/16"], "gatewaySubnet": "10.1.255.0/27" },
             { "name": "vnet2", "addressSpace": ["10.2.0.0/16"], "gatewaySubnet": "10.2.255.0/29" } ],
  "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "198.51.100.2", "sharedKey": "key-one-1",
                     "remotePrefixes": ["192.168.1.0/24", "192.168.3.0/24"], "sku": "HighPerformance",
                     "initiate": true, "dpdTimeoutSeconds": 30, "ipsecPolicy": $POLICY },
                   { "name": "site2", "vnet": "vnet2", "peer": "198.51.100.3", "sharedKey": "key-two-2",
                     "remotePrefixes": ["192.168.2.0/24"], "initiate": false } ] }
DOC
s2s_vnetgwd_start "$LAB_DIR/doc.json" || lab_fail "vnetgwd did not start"

is "vnet1's address space" "$(show vnet vnet1 .properties.addressSpace.addressPrefixes)" '["10.1.0.0/16","10.9.0.0/16"]'
is "vnet1's GatewaySubnet" "$(show vnet vnet1 '.properties.subnets[] | select(.name == "GatewaySubnet") | .properties.addressPrefix')" '"10.1.255.0/27"'
is "vnet1's gateway SKU (its connection's)" "$(show vnet-gateway vnet1-gw .properties.sku.name)" '"HighPerformance"'
is "vnet2's gateway SKU (the default)" "$(show vnet-gateway vnet2-gw .properties.sku.name)" '"Standard"'
is "site1's peer" "$(show local-gateway site1 .properties.gatewayIpAddress)" '"198.51.100.2"'
is "site1's prefixes" "$(show local-gateway site1 .properties.localNetworkAddressSpace.addressPrefixes)" '["192.168.1.0/24","192.168.3.0/24"]'
is "site1 initiates" "$(show vpn-connection site1 .properties.connectionMode)" '"Default"'
is "site2 only answers" "$(show vpn-connection site2 .properties.connectionMode)" '"ResponderOnly"'
is "site1's DPD timeout" "$(show vpn-connection site1 .properties.dpdTimeoutSeconds)" 30
is "site2's DPD timeout (the default)" "$(show vpn-connection site2 .properties.dpdTimeoutSeconds)" 45
is "site1's policy" "$(show vpn-connection site1 '.properties.ipsecPolicies[0] | [.ikeEncryption, .ikeIntegrity, .dhGroup, .ipsecEncryption, .ipsecIntegrity, .pfsGroup, .saLifeTimeSeconds, .saDataSizeKilobytes]')" \
	'["AES256","SHA384","ECP384","GCMAES256","GCMAES256","ECP384",27000,102400000]'
is "site2's policy (none)" "$(show vpn-connection site2 '.properties.ipsecPolicies | length')" 0
is "site1's shared key" "$(api_cli_raw vpn-connection shared-key show -g "$S2S_RG" --connection-name site1 -o json | jq -r .value)" key-one-1
expect "each VNet has its namespace with vnetgwd's TUN" \
	in_ns "$(s2s_vnet_role vnet2)" ip link show vnetgw0
expect "S2S_VNET is vnet1's namespace ($S2S_VNET)" test "$S2S_VNET" = "${S2S_VNET_ROLE[vnet1]}" -a -n "$S2S_VNET"
expect_soon "s2s_status finds site1 (Connecting or NotConnected: no site here)" test -n "$(s2s_status connectionStatus)"
key=$(s2s_conn_key site1)
expect "s2s_conn_key names site1's status entry ($key)" \
	test "$(jq -r --arg k "$key" '.connections[] | select(.name == $k) | .id' "$(api_status_file)")" = "$(s2s_conn_id site1)"

say "--- a restart on the same data directory imports nothing again"
etags() { for r in "vnet vnet1" "vnet-gateway vnet1-gw" "local-gateway site1" "vpn-connection site1"; do
	show "${r% *}" "${r#* }" .etag; done | tr '\n' ' '; }
before=$(etags)
api_vnetgwd_stop
s2s_vnetgwd_start "$LAB_DIR/doc.json" || lab_fail "vnetgwd did not start again"
is "the resources' etags" "$(etags)" "$before"
is "site1's policies after the restart" "$(show vpn-connection site1 '.properties.ipsecPolicies | length')" 1

say "--- refusals"
jq '.connections[0].keepalive = 10' "$LAB_DIR/doc.json" >"$LAB_DIR/unknown.json"
! s2s_import "$LAB_DIR/unknown.json" 2>"$LAB_DIR/unknown.err" || lab_fail "an unknown member was imported"
expect "an unknown member is refused by name" grep -q 'connections\[0\]: unknown member "keepalive"' "$LAB_DIR/unknown.err"
cat >"$LAB_DIR/small.json" <<DOC
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet3", "addressSpace": ["10.3.0.0/16"], "gatewaySubnet": "10.3.255.0/30" } ] }
DOC
# api_cli_ok fails the lab on the API's refusal: in a subshell, whose exit is the answer.
(s2s_import "$LAB_DIR/small.json") >/dev/null 2>&1 && lab_fail "a /30 GatewaySubnet was imported"
say "the API said: $(cat "$LAB_DIR/cli.out")"
expect "the API's refusal is shown (GatewaySubnet /30)" grep -q "GatewaySubnetTooSmall" "$LAB_DIR/cli.out"
lab_pass "the document's every member imported through the CLI; unknown members and bad values refused"
