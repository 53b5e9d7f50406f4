#!/usr/bin/env bash
# Issue 15: a core of a running vnetgwd holds neither a shared key nor a token (the issue found
# a key 8 times and a bearer token). Through the API, a tenant is created (token T1), the
# operator issues it a second token (T2, its first use on the API), the tenant creates a
# connection with key K1, replaces it with K2 (shared-key update), resets it (K3, read back with
# shared-key show); then gdb's gcore dumps the live process and the core is searched for every
# one of them, and for the admin token.
#
#   vgt-<id>-gw: vnetgwd --data-dir (API on its 127.0.0.1), wan0 192.0.2.1 ── vgt-<id>-wan
#
# Phase 1, no public IP pool (emptied again), so no tunnel runs: the API saw all of the secrets
# and none may be left. Phase 2, the pool set: the gateway now runs the connection, whose IKE
# engine must hold its current key K3 to authenticate (RFC 7296 2.15); its copies are counted
# (and printed), then the device script (which holds K3) and shared-key show are served, and a
# second core must hold no more copies of K3 than the first, and nothing else. Also: vnetgwd
# turned core dumps off (it says so at start).
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh

command -v gcore >/dev/null || lab_fail "no gcore (gdb; scripts/install-deps installs it)"
RG=rg1
# count_in_core CORE SECRET: occurrences of SECRET in the core's bytes
count_in_core() { grep -a -o -F -- "$2" "$1" | wc -l; }
dump() {
	rm -f "$LAB_DIR/core.$VNETGWD_PID"
	run gcore -o "$LAB_DIR/core" "$VNETGWD_PID" >"$LAB_DIR/gcore.out" 2>&1 ||
		lab_fail "gcore failed: $(tail -n 3 "$LAB_DIR/gcore.out")"
	test -s "$LAB_DIR/core.$VNETGWD_PID" || lab_fail "no core file"
	say "core of vnetgwd: $(stat -c %s "$LAB_DIR/core.$VNETGWD_PID") bytes"
}

lab_init
ns_add gw
ns_add wan
link gw wan0 wan g0
addr gw wan0 192.0.2.1/24
api_vnetgwd_start || lab_fail "vnetgwd did not start"
expect "vnetgwd turned core dumps off" grep -q 'core dumps are off' "$(api_log)"
ADMIN=$(cat "$(api_data)/admin.token")
# No pool: the API takes everything, no tunnel runs.
api_cli_ok admin settings update --allow-private-gateway-ips
api_tenant contoso
T1=$API_TOKEN
api_cli admin token create --subscription-id "$API_SUB" --label second -o json >"$LAB_DIR/t2.json" ||
	lab_fail "token create"
T2=$(jq -r .token "$LAB_DIR/t2.json")
API_SECRETS+=("$T2")
K1="K1-$(openssl rand -hex 16)" K2="K2-$(openssl rand -hex 16)"
API_TOKEN=$T2 # from now on the tenant speaks with its second token
api_cli_ok vnet create -g $RG -n vnet1 --address-prefixes 10.1.0.0/16 --subnet-name GatewaySubnet \
	--subnet-prefix 10.1.255.0/27
api_cli_ok local-gateway create -g $RG -n site1 --gateway-ip-address 198.51.100.2 \
	--local-address-prefixes 192.168.1.0/24
# The gateway and its public IP wait for the pool: first the connection's key through a
# gateway that exists.
api_cli_ok admin settings update --public-ip-pool 192.0.2.1/32
api_cli_ok public-ip create -g $RG -n gw1-ip
api_cli_ok vnet-gateway create -g $RG -n gw1 --vnet vnet1 --public-ip-addresses gw1-ip \
	--gateway-type Vpn --vpn-type RouteBased --sku Standard
api_cli_ok admin settings update --public-ip-pool ""
api_connection $RG conn1 gw1 site1 "$K1" --connection-mode ResponderOnly
api_cli_ok vpn-connection shared-key update -g $RG --connection-name conn1 --value "$K2"
API_SECRETS+=("$K2")
api_cli_ok vpn-connection shared-key reset -g $RG --connection-name conn1 --key-length 40
K3=$(api_cli_raw vpn-connection shared-key show -g $RG --connection-name conn1 -o json | jq -r .value)
API_SECRETS+=("$K3")
expect "the reset key is 40 characters" test ${#K3} = 40
expect "no gateway runs (no pool)" grep -q '"gatewayNotRunning"' "$(api_status_file)"

# ---- phase 1 -----------------------------------------------------------------------------------
dump
core=$LAB_DIR/core.$VNETGWD_PID
fail=0
for name in T1 T2 ADMIN K1 K2 K3; do
	n=$(count_in_core "$core" "${!name}")
	say "phase 1: $name found $n time(s) in the core"
	[ "$n" = 0 ] || fail=1
done
expect "phase 1: no token and no shared key in the core" test $fail = 0
rm -f "$core"

# ---- phase 2 -----------------------------------------------------------------------------------
api_cli_ok admin settings update --public-ip-pool 192.0.2.1/32
wait_for 10 "the gateway runs conn1" grep -q '"connectionStatus"' "$(api_status_file)" ||
	lab_fail "conn1 not running: $(cat "$(api_status_file)")"
api_status_sync
dump
core=$LAB_DIR/core.$VNETGWD_PID
n_run=$(count_in_core "$core" "$K3")
rm -f "$core"
say "phase 2: K3, the running tunnel's key, found $n_run time(s): the copies the gateway keeps to authenticate IKE"
# The API hands the key out twice more; neither may leave a copy beside the gateway's.
api_cli vpn-connection show-device-config-script -g $RG -n conn1 --vendor strongSwan >"$LAB_DIR/script" ||
	lab_fail "device script"
expect "the device script holds the key" grep -qF "$K3" "$LAB_DIR/script"
rm -f "$LAB_DIR/script"
expect "shared-key show gives it" test "$(api_cli_raw vpn-connection shared-key show -g $RG --connection-name conn1 -o json | jq -r .value)" = "$K3"
dump
core=$LAB_DIR/core.$VNETGWD_PID
fail=0
for name in T1 T2 ADMIN K1 K2; do
	n=$(count_in_core "$core" "${!name}")
	say "phase 2: $name found $n time(s) in the core"
	[ "$n" = 0 ] || fail=1
done
n3=$(count_in_core "$core" "$K3")
rm -f "$core"
say "phase 2: K3 found $n3 time(s) after the device script and shared-key show"
expect "phase 2: no token and no old shared key in the core" test $fail = 0
expect "phase 2: the API left no copy of K3 beside the gateway's ($n3, the gateway's $n_run)" test "$n3" = "$n_run"
lab_pass "a core of vnetgwd holds no token and no shared key the API handled (the running tunnel's own key: $n_run cop$([ "$n_run" = 1 ] && echo y || echo ies), the gateway's)"
