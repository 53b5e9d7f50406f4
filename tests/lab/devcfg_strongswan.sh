#!/usr/bin/env bash
# Issue 6 item 6: the device configuration script configures a real strongSwan.
#
#   gw ── wan ── site (charon, configured by the script)     api (vnetgwd --data-dir, the CLI)
#   192.0.2.1  .254 | .254   198.51.100.2                    loopback only
#
# Through the CLI (in api's namespace, to the API on its loopback) the operator sets a public IP
# pool of exactly 192.0.2.1 and creates a tenant; the tenant creates a VNet with a GatewaySubnet,
# a public IP, a gateway, a local network gateway for the site and the connection. The site's
# swanctl.conf is exactly what `vnetgw vpn-connection show-device-config-script --vendor
# strongSwan` prints, and its charon plugin list the one the script's strongswan.conf comment
# gives. Checked: swanctl loads the connection and the secret without complaint, --list-conns
# shows the addresses, IDs, selectors, DPD and lifetimes, and the IKE_SA_INIT charon sends
# (start_action = start) carries the expected proposal on the wire (tshark) -- first with SPEC
# §3's default policy, then with a custom policy added through the CLI. The ESP proposals are
# checked only as far as swanctl parses them (a bad one is "invalid value", config discarded):
# they travel in IKE_AUTH, which needs a responder.
#
# WHAT THIS DOES NOT CHECK: no tunnel comes up. vnetgwd --data-dir runs the gateway too, so it runs
# in a namespace of its own where 192.0.2.1 is not an address: its gateway cannot bind there and
# nothing answers the site, which keeps the IKE_SA_INIT on the wire the site's own. This test
# checks the configuration strongSwan loads and what it proposes; the tunnel brought up from the
# script is api_lifecycle.sh's.
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/capture.sh

GW_IP=192.0.2.1
SITE_IP=198.51.100.2
PSK="devcfg-Lab-key-7e21"
bin=$(cd "${VNETGW_BUILD:-build}" && pwd)
port=$((20000 + RANDOM % 20000))

lab_init
for r in gw wan site api; do ns_add "$r"; done
link gw wan0 wan g0
link wan s0 site wan0
addr gw wan0 $GW_IP/24
route gw default via 192.0.2.254
addr wan g0 192.0.2.254/24
addr wan s0 198.51.100.254/24
forwarding wan
addr site wan0 $SITE_IP/24
route site default via 198.51.100.254

say "+ vnetgwd --data-dir $LAB_DIR/data --api-listen 127.0.0.1:$port in $(ns_name api)"
ip netns exec "$(ns_name api)" "$bin/vnetgwd" --data-dir "$LAB_DIR/data" \
	--api-listen "127.0.0.1:$port" --netns-prefix "vgt-$LAB_ID-" >"$LAB_DIR/vnetgwd.log" 2>&1 &
lab_track $!
wait_for 10 "vnetgwd's admin socket" test -S "$LAB_DIR/data/admin.sock" ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "vnetgwd did not start"; }

# The CLI, in api's namespace; prints what it runs (never the token).
cli() { say "+ vnetgw ${*//$PSK/<key>}"; cli_raw "$@"; }
cli_raw() {
	in_ns api env VNETGW_SERVER="http://127.0.0.1:$port" VNETGW_ADMIN_SOCKET="$LAB_DIR/data/admin.sock" \
		VNETGW_SUBSCRIPTION="${SUB:-}" VNETGW_TOKEN="${TOKEN:-}" "$bin/vnetgw" "$@"
}
cli_ok() { say "+ vnetgw ${*//$PSK/<key>}"; cli_raw "$@" >"$LAB_DIR/cli.out" 2>&1 || { cat "$LAB_DIR/cli.out" >&2; lab_fail "vnetgw $*"; }; }

cli_ok admin settings update --public-ip-pool $GW_IP/32
cli admin subscription create --display-name lab >"$LAB_DIR/sub.json" || lab_fail "subscription"
SUB=$(jq -r .subscriptionId "$LAB_DIR/sub.json")
TOKEN=$(jq -r .token "$LAB_DIR/sub.json")
cli_ok vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16 10.2.0.0/16 \
	--subnet-name GatewaySubnet --subnet-prefix 10.1.255.0/27
cli public-ip create -g rg1 -n gw1-ip >"$LAB_DIR/pip.json" || lab_fail "public-ip create"
expect "the gateway's public IP is $GW_IP" test "$(jq -r .properties.ipAddress "$LAB_DIR/pip.json")" = $GW_IP
cli_ok vnet-gateway create -g rg1 -n gw1 --vnet vnet1 --public-ip-addresses gw1-ip \
	--gateway-type Vpn --vpn-type RouteBased --sku Standard
cli_ok local-gateway create -g rg1 -n site1 --gateway-ip-address $SITE_IP \
	--local-address-prefixes 192.168.1.0/24 192.168.2.0/24
cli_ok vpn-connection create -g rg1 -n site1-conn --vnet-gateway1 gw1 --local-gateway2 site1 \
	--shared-key "$PSK"

d=$(swan_dir site)
script="$LAB_DIR/site.swanctl.conf"

# fetch_script: the script into $script, checked for the key and the plugin list.
fetch_script() {
	cli vpn-connection show-device-config-script -g rg1 -n site1-conn --vendor strongSwan \
		>"$script" 2>"$LAB_DIR/script.err" || { cat "$LAB_DIR/script.err" >&2; lab_fail "show-device-config-script"; }
	expect "the script holds the shared key once" test "$(grep -c -F "$PSK" "$script")" = 1
	plugins=$(sed -n 's/^#[[:space:]]*load = //p' "$script")
	expect "the script's plugin list has kernel-libipsec before kernel-netlink" \
		grep -q 'kernel-libipsec.*kernel-netlink' <<<"$plugins"
}

# wire_proposal FILE CMD...: runs CMD with a capture on gw's WAN side, and puts the first
# IKE_SA_INIT charon sends to the gateway, dissected, into FILE (nothing answers it here: later
# frames are its retransmissions).
WIRE_N=0
wire_proposal() {
	local out=$1 name first
	shift
	WIRE_N=$((WIRE_N + 1))
	name=wire$WIRE_N
	cap_start "$name" "$(ns_name gw)" wan0 "udp and dst host $GW_IP and dst port 500"
	"$@" || return 1
	cap_wait "$name" "an IKE_SA_INIT from the site" 1 'isakmp.exchangetype == 34'
	cap_stop "$name"
	first=$(tshark -n -r "$(cap_file "$name")" -Y 'isakmp.exchangetype == 34' -T fields -e frame.number | head -n 1)
	tshark -n -r "$(cap_file "$name")" -Y "frame.number == $first" -V >"$out"
}

list_conns() { swan_ctl site --list-conns >"$LAB_DIR/conns.out" 2>&1; }
has() { grep -q -F -- "$1" "$LAB_DIR/conns.out"; }
on_wire() { grep -q -F -- "$1" "$LAB_DIR/wire.txt"; }

# --- 1. SPEC §3's default policy -------------------------------------------------------------
fetch_script
swan_config_file site "$script" "$plugins" || lab_fail "swan config"
expect "swanctl.conf is the script, byte for byte" cmp -s "$script" "$d/swanctl/swanctl.conf"
start_site() { swan_start site; }
wire_proposal "$LAB_DIR/wire.txt" start_site || {
	cat "$d/charon.log" >&2
	lab_fail "charon did not start with the script, or sent no IKE_SA_INIT"
}
swan_ctl site --load-all --noprompt >"$LAB_DIR/load.out" 2>&1 || { cat "$LAB_DIR/load.out" >&2; lab_fail "swanctl --load-all"; }
expect "swanctl loads the connection" grep -q "loaded connection 'site1-conn'" "$LAB_DIR/load.out"
expect "swanctl loads the secret" grep -q "loaded ike secret 'ike-site1-conn'" "$LAB_DIR/load.out"
expect "swanctl reports no error" test "$(grep -ci 'fail\|error\|invalid' "$LAB_DIR/load.out")" = 0
list_conns || lab_fail "swanctl --list-conns"
cat "$LAB_DIR/conns.out" >&2
expect "list-conns: the connection, IKEv2, rekeying at 90% of 28800 s, DPD every 15 s" \
	has "site1-conn: IKEv2, no reauthentication, rekeying every 25920s, dpd delay 15s"
expect "list-conns: local $SITE_IP" has "local:  $SITE_IP"
expect "list-conns: remote $GW_IP" has "remote: $GW_IP"
expect "list-conns: PSK with the public IPs as IDs" \
	grep -Pzq "local pre-shared key authentication:\n    id: $SITE_IP\n  remote pre-shared key authentication:\n    id: $GW_IP\n" "$LAB_DIR/conns.out"
# strongSwan 5.9 names dpd_action = restart "start" in listings (action_names: none trap start).
expect "list-conns: the child rekeys at 90% of 27000 s and of 102400000 KB, DPD restarts" \
	has "net: TUNNEL, rekeying every 24300s or 94371840000 bytes, dpd action is start"
expect "list-conns: local_ts = the site's prefixes" has "local:  192.168.1.0/24 192.168.2.0/24"
expect "list-conns: remote_ts = the VNet's address space" has "remote: 10.1.0.0/16 10.2.0.0/16"
sed -n '/Security Association/,$p' "$LAB_DIR/wire.txt" | grep -E 'Transform ID|Key Length:' >&2
expect "wire: AES-CBC-256" on_wire "Transform ID (ENCR): ENCR_AES_CBC (12)"
expect "wire: key length 256" on_wire "Transform Attribute (t=14,l=2): Key Length: 256"
expect "wire: PRF HMAC-SHA2-384" on_wire "Transform ID (PRF): PRF_HMAC_SHA2_384 (6)"
expect "wire: integrity HMAC-SHA2-384-192" on_wire "Transform ID (INTEG): AUTH_HMAC_SHA2_384_192 (13)"
expect "wire: ECP-384" on_wire "Transform ID (D-H): 384-bit random ECP group (20)"
expect "wire: only one proposal" test "$(grep -c 'Payload: Proposal' "$LAB_DIR/wire.txt")" = 1

# --- 2. A custom policy, added through the CLI --------------------------------------------------
cli_ok vpn-connection ipsec-policy add -g rg1 --connection-name site1-conn \
	--ike-encryption AES128 --ike-integrity SHA256 --dh-group DHGroup14 \
	--ipsec-encryption GCMAES128 --ipsec-integrity GCMAES128 --pfs-group PFS2048 \
	--sa-lifetime 3600 --sa-max-size 1024000
fetch_script
install -m 600 "$script" "$d/swanctl/swanctl.conf"
# Out with the default connection's half-open SA, in with the new one: charon initiates again.
swan_ctl site --terminate --ike site1-conn --force --timeout 1 >/dev/null 2>&1
reload() { swan_ctl site --load-all --noprompt >"$LAB_DIR/load.out" 2>&1; }
wire_proposal "$LAB_DIR/wire.txt" reload || { cat "$LAB_DIR/load.out" "$d/charon.log" >&2; lab_fail "no IKE_SA_INIT with the custom policy"; }
expect "swanctl loads the changed connection" grep -q "loaded connection 'site1-conn'" "$LAB_DIR/load.out"
list_conns || lab_fail "swanctl --list-conns"
cat "$LAB_DIR/conns.out" >&2
expect "list-conns: the child rekeys at 90% of 3600 s and of 1024000 KB" \
	has "net: TUNNEL, rekeying every 3240s or 943718400 bytes, dpd action is start"
sed -n '/Security Association/,$p' "$LAB_DIR/wire.txt" | grep -E 'Transform ID|Key Length:' >&2
expect "wire: AES-CBC" on_wire "Transform ID (ENCR): ENCR_AES_CBC (12)"
expect "wire: key length 128" on_wire "Transform Attribute (t=14,l=2): Key Length: 128"
expect "wire: PRF HMAC-SHA2-256" on_wire "Transform ID (PRF): PRF_HMAC_SHA2_256 (5)"
expect "wire: integrity HMAC-SHA2-256-128" on_wire "Transform ID (INTEG): AUTH_HMAC_SHA2_256_128 (12)"
expect "wire: MODP-2048" on_wire "Transform ID (D-H): 2048 bit MODP group (14)"
expect "wire: no ECP-384 left" test "$(grep -c 'ECP group' "$LAB_DIR/wire.txt")" = 0
expect "the shared key reached no log" test "$(cat "$LAB_DIR/vnetgwd.log" "$d/charon.log" | grep -c -F "$PSK")" = 0
expect "vnetgwd's gateway did not run (192.0.2.1 is not its address)" grep -q "not running: the gateway cannot open" "$LAB_DIR/vnetgwd.log"
lab_pass "strongSwan loads the device script as it is (default and custom policy); the tunnel is api_lifecycle.sh's"
