# shellcheck shell=bash
# The site-to-site topology of issue 3, with vnetgwd as the gateway and strongSwan as the site:
#
#   wl ──── [VNet ns, made by vnetgwd: TUN vnetgw0 10.1.255.4/27, wl0 10.1.0.1/24]
#   10.1.0.10        ║ vnetgwd's data plane
#   gw (vnetgwd) ── wan ── site (charon) ── host
#   192.0.2.1      .254 | .254   198.51.100.2   192.168.1.10  (site LAN 192.168.1.0/24)
#
# vnetgwd runs in gw's network namespace through nsenter --net only (not ip netns exec, whose
# private mount namespace would hide the VNet namespaces vnetgwd bind-mounts under /run/netns),
# with its store (tests/lab/lib/api.sh), and the lab's resources go in through the CLI.

# shellcheck source=tests/lab/lib/api.sh
. "$(dirname "${BASH_SOURCE[0]}")/api.sh"

S2S_GW_IP=192.0.2.1
S2S_SITE_IP=198.51.100.2
S2S_HOST_IP=192.168.1.10
S2S_WL_IP=10.1.0.10
S2S_PSK=${S2S_PSK:-lab-shared-key-1}

# The addresses and routes of the topology (the links made by the caller).
s2s_addresses() {
	addr gw wan0 $S2S_GW_IP/24
	route gw default via 192.0.2.254
	addr wan g0 192.0.2.254/24
	addr wan s0 198.51.100.254/24
	forwarding wan
	addr site wan0 $S2S_SITE_IP/24
	route site default via 198.51.100.254
	addr site lan 192.168.1.1/24
	forwarding site
	addr host eth0 $S2S_HOST_IP/24
	route host default via 192.168.1.1
}

s2s_topology() {
	for r in gw wan site host wl; do ns_add "$r"; done
	link gw wan0 wan g0
	link wan s0 site wan0
	link site lan host eth0
	s2s_addresses
}

# s2s_vnetgwd_config FILE INITIATE(true|false) [IKE-POLICY-JSON]: the lab's one VNet and one
# connection "site1" as a document for s2s_vnetgwd_start / s2s_import (format below).
s2s_vnetgwd_config() {
	local policy=""
	[ -n "${3:-}" ] && policy=", \"ipsecPolicy\": $3"
	cat >"$1" <<CONF
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"], "gatewaySubnet": "10.1.255.0/27" } ],
  "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "$S2S_SITE_IP",
                     "sharedKey": "$S2S_PSK", "remotePrefixes": ["192.168.1.0/24"],
                     "sku": "HighPerformance", "initiate": $2 $policy } ] }
CONF
}

# ---- vnetgwd from a document, through the API --------------------------------------------------
#
# A lab describes its gateway as one JSON document (all members; optional ones marked):
#
#   { "publicIp": "192.0.2.1",
#     "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"],
#                  "gatewaySubnet": "10.1.255.0/27" } ],
#     "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "198.51.100.2",
#                        "sharedKey": "...", "remotePrefixes": ["192.168.1.0/24"],
#                        "initiate": true,              (optional, default true)
#                        "sku": "Standard",             (optional: Basic|Standard|HighPerformance)
#                        "dpdTimeoutSeconds": 45,       (optional, 9..3600)
#                        "bgp": { "asn": 65010,         (optional: BGP with the site; its
#                                 "peeringAddress": "192.168.1.1",  VNet's gateway then has
#                                 "routingWeight": 0 },    BGP, AS 65515; weight optional)
#                        "ipsecPolicy": {               (optional; all eight members)
#                          "ikeEncryption": "AES256", "ikeIntegrity": "SHA384",
#                          "dhGroup": "ECP384", "ipsecEncryption": "GCMAES256",
#                          "ipsecIntegrity": "GCMAES256", "pfsGroup": "ECP384",
#                          "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000 } } ] }
#
# s2s_import makes it resources of vnetgwd's store with the vnetgw CLI, as a tenant would (the
# operator sets the pool): publicIp is the pool (the shared public IP); each VNet becomes a VNet
# with its GatewaySubnet, a public IP <vnet>-gw-ip and a VPN gateway <vnet>-gw whose SKU is its
# connections' "sku" (they must agree; Standard without one); each connection a local network
# gateway <name> (peer, remotePrefixes) and a connection <name> (sharedKey, dpdTimeoutSeconds,
# connectionMode Default when it initiates, else ResponderOnly) with its ipsecPolicy added. All in
# resource group $S2S_RG of a subscription "lab" made on first import. A connection with "bgp"
# gets a local network gateway with bgpSettings and enableBgp; its VNet's gateway gets
# enableBgp (SPEC §6). A member the document
# format does not have is refused, as is a connection naming no VNet of the document; the values
# themselves are checked by the API (SPEC §2), whose error the import shows.
#
# The API's names are not the document's: the status file lists connections by resource id (.id)
# with a key derived from it (.name), and vnetgwd names the VNet namespaces by such keys. So:
#   s2s_conn_id NAME / s2s_vnet_id NAME    the resource id of the document's connection / VNet
#   s2s_conn_key NAME                      the connection's key: .name in the status file, and
#                                          the key of its entries elsewhere there
#   s2s_vnet_role NAME                     the VNet's namespace role for in_ns (after start)
#   S2S_VNET_ROLE[NAME]                    the same, for the default vnetgwd (api_use "")
#   S2S_VNET                               the same for its first VNet (vnet1 in the lab's
#                                          document): `in_ns "$S2S_VNET" ...`
S2S_RG=${S2S_RG:-lab}
S2S_VNET=""
declare -gA S2S_IDS=() S2S_VNET_ROLE=()

# What the import refuses before anything is created: one line each.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
S2S_IMPORT_CHECK='
def known($where; $allowed): (keys - $allowed)[] | "\($where): unknown member \"\(.)\"";
def str($where; $k): if has($k) and (.[$k] | type) != "string" then "\($where).\($k): must be a string" else empty end;
def req($where; $ks): $ks[] as $k | if has($k) | not then "\($where).\($k): missing" else empty end;
def prefixes($where; $k): if has($k) and ((.[$k] | type) != "array" or (.[$k] | length) == 0 or any(.[$k][]; type != "string"))
	then "\($where).\($k): must be a non-empty array of prefixes" else empty end;
if type != "object" then "the document must be a JSON object" else
	known("config"; ["publicIp", "vnets", "connections"]),
	req("config"; ["publicIp"]), str("config"; "publicIp"),
	(if has("vnets") and (.vnets | type) != "array" then "config.vnets: must be an array" else empty end),
	(if has("connections") and (.connections | type) != "array" then "config.connections: must be an array" else empty end),
	([(.vnets // [])[] | objects | .name]) as $vnets |
	((.vnets // []) | to_entries[] | "vnets[\(.key)]" as $w | .value |
		if type != "object" then "\($w): must be an object" else
		known($w; ["name", "addressSpace", "gatewaySubnet"]),
		req($w; ["name", "addressSpace", "gatewaySubnet"]),
		str($w; "name"), str($w; "gatewaySubnet"), prefixes($w; "addressSpace") end),
	((.connections // []) | to_entries[] | "connections[\(.key)]" as $w | .value |
		if type != "object" then "\($w): must be an object" else
		known($w; ["name", "vnet", "peer", "sharedKey", "remotePrefixes", "initiate", "sku",
			"dpdTimeoutSeconds", "ipsecPolicy", "bgp"]),
		(if has("bgp") then .bgp |
			if type != "object" then "\($w).bgp: must be an object" else
			known("\($w).bgp"; ["asn", "peeringAddress", "routingWeight"]),
			req("\($w).bgp"; ["asn", "peeringAddress"]) end
		else empty end),
		req($w; ["name", "vnet", "peer", "sharedKey", "remotePrefixes"]),
		str($w; "name"), str($w; "vnet"), str($w; "peer"), str($w; "sharedKey"), str($w; "sku"),
		prefixes($w; "remotePrefixes"),
		(if has("initiate") and (.initiate | type) != "boolean" then "\($w).initiate: must be true or false" else empty end),
		(if has("dpdTimeoutSeconds") and (.dpdTimeoutSeconds | type) != "number" then "\($w).dpdTimeoutSeconds: must be a whole number" else empty end),
		(if has("vnet") and ([.vnet] | inside($vnets) | not) then "\($w).vnet: no VNet named \"\(.vnet)\"" else empty end),
		(if has("ipsecPolicy") then .ipsecPolicy |
			if type != "object" then "\($w).ipsecPolicy: must be an object" else
			["ikeEncryption", "ikeIntegrity", "dhGroup", "ipsecEncryption", "ipsecIntegrity",
				"pfsGroup", "saLifeTimeSeconds", "saDataSizeKilobytes"] as $p |
			known("\($w).ipsecPolicy"; $p), req("\($w).ipsecPolicy"; $p) end
		else empty end) end),
	((.vnets // []) | .[] | objects | .name as $v |
		([$doc.connections // [] | .[] | objects | select(.vnet == $v) | .sku // "Standard"] | unique) |
		if length > 1 then "vnets \($v): its connections ask for different SKUs (\(join(", "))); a gateway has one" else empty end)
end'

s2s_conn_id() { printf '%s' "${S2S_IDS[$API_CUR/conn/$1]-}"; }
s2s_vnet_id() { printf '%s' "${S2S_IDS[$API_CUR/vnet/$1]-}"; }
s2s_conn_key() { api_status_conn "$(s2s_conn_id "$1")" .name; }
s2s_vnet_role() { printf '%s' "${S2S_IDS[$API_CUR/role/$1]-}"; }

# s2s_import CONFIG: CONFIG's VNets and connections into the store of the running vnetgwd (the
# one api_use addresses); fails (after saying why) when CONFIG is refused, by the check above or
# by the API.
s2s_import() {
	local conf=$1 errors n i v c sku
	errors=$(jq -r --slurpfile d "$conf" '$d[0] as $doc | $doc | '"$S2S_IMPORT_CHECK" "$conf" 2>&1) || {
		say "s2s_import $conf: not JSON: $errors"
		return 1
	}
	if [ -n "$errors" ]; then
		say "s2s_import $conf refused:"
		printf '%s\n' "$errors" | while read -r line; do say "  $line"; done
		return 1
	fi
	api_pool "$(jq -r .publicIp "$conf")"
	[ -n "$API_SUB" ] || api_tenant lab
	n=$(jq '.vnets // [] | length' "$conf")
	for ((i = 0; i < n; i++)); do
		v=$(jq -c ".vnets[$i]" "$conf")
		local name gws
		name=$(jq -r .name <<<"$v")
		gws=$(jq -r .gatewaySubnet <<<"$v")
		sku=$(jq -r --arg v "$name" '[.connections // [] | .[] | select(.vnet == $v) | .sku // "Standard"] | .[0] // "Standard"' "$conf")
		mapfile -t space < <(jq -r '.addressSpace[]' <<<"$v")
		local bgp=()
		[ "$(jq --arg v "$name" '[.connections // [] | .[] | select(.vnet == $v and has("bgp"))] | length' "$conf")" -gt 0 ] &&
			bgp=(--asn 65515)
		api_cli_ok vnet create -g "$S2S_RG" -n "$name" --address-prefixes "${space[@]}" \
			--subnet-name GatewaySubnet --subnet-prefix "$gws"
		api_cli_ok public-ip create -g "$S2S_RG" -n "$name-gw-ip"
		api_cli_ok vnet-gateway create -g "$S2S_RG" -n "$name-gw" --vnet "$name" \
			--public-ip-addresses "$name-gw-ip" --gateway-type Vpn --vpn-type RouteBased --sku "$sku" \
			"${bgp[@]}"
		S2S_IDS[$API_CUR/vnet/$name]=$(api_id "$S2S_RG" virtualNetworks "$name")
	done
	n=$(jq '.connections // [] | length' "$conf")
	for ((i = 0; i < n; i++)); do
		c=$(jq -c ".connections[$i]" "$conf")
		local name vnet peer psk initiate dpd mode
		name=$(jq -r .name <<<"$c")
		vnet=$(jq -r .vnet <<<"$c")
		peer=$(jq -r .peer <<<"$c")
		psk=$(jq -r .sharedKey <<<"$c")
		initiate=$(jq -r 'if has("initiate") then .initiate else true end' <<<"$c")
		dpd=()
		[ "$(jq 'has("dpdTimeoutSeconds")' <<<"$c")" = true ] &&
			dpd=(--dpd-timeout "$(jq -r .dpdTimeoutSeconds <<<"$c")")
		mapfile -t remote < <(jq -r '.remotePrefixes[]' <<<"$c")
		local site_bgp=() conn_bgp=()
		if [ "$(jq 'has("bgp")' <<<"$c")" = true ]; then
			site_bgp=(--asn "$(jq -r .bgp.asn <<<"$c")" --bgp-peering-address "$(jq -r .bgp.peeringAddress <<<"$c")")
			conn_bgp=(--enable-bgp true)
			[ "$(jq '.bgp | has("routingWeight")' <<<"$c")" = true ] &&
				conn_bgp+=(--routing-weight "$(jq -r .bgp.routingWeight <<<"$c")")
		fi
		api_cli_ok local-gateway create -g "$S2S_RG" -n "$name" --gateway-ip-address "$peer" \
			--local-address-prefixes "${remote[@]}" "${site_bgp[@]}"
		# A connection that initiates does so once its policy is in place, not before.
		mode=ResponderOnly
		[ "$initiate" = true ] && [ "$(jq 'has("ipsecPolicy")' <<<"$c")" = false ] && mode=Default
		api_connection "$S2S_RG" "$name" "$vnet-gw" "$name" "$psk" --connection-mode $mode "${dpd[@]}" \
			"${conn_bgp[@]}"
		S2S_IDS[$API_CUR/conn/$name]=$(api_id "$S2S_RG" connections "$name")
		if [ "$(jq 'has("ipsecPolicy")' <<<"$c")" = true ]; then
			mapfile -t policy < <(jq -r '.ipsecPolicy | "--ike-encryption", .ikeEncryption,
				"--ike-integrity", .ikeIntegrity, "--dh-group", .dhGroup,
				"--ipsec-encryption", .ipsecEncryption, "--ipsec-integrity", .ipsecIntegrity,
				"--pfs-group", .pfsGroup, "--sa-lifetime", .saLifeTimeSeconds,
				"--sa-max-size", .saDataSizeKilobytes' <<<"$c")
			api_cli_ok vpn-connection ipsec-policy add -g "$S2S_RG" --connection-name "$name" \
				"${policy[@]}"
			[ "$initiate" = true ] &&
				api_cli_ok vpn-connection update -g "$S2S_RG" -n "$name" --connection-mode Default
		fi
	done
	return 0
}

# s2s_vnetgwd_start CONFIG [extra vnetgwd args]: starts vnetgwd (--data-dir, api_vnetgwd_start)
# in gw, imports CONFIG (s2s_import) and waits for every VNet's namespace and TUN; sets
# s2s_vnet_role (and, for the default vnetgwd, S2S_VNET_ROLE and S2S_VNET). Started again on the same data directory (a restart) with the same
# CONFIG, it imports nothing: the store has it all, as it has for the product.
s2s_vnetgwd_start() {
	local conf=$1
	shift
	api_vnetgwd_start "$@" || return 1
	if ! cmp -s "$conf" "$(api_data)/imported.json"; then
		s2s_import "$conf" || return 1
		cp "$conf" "$(api_data)/imported.json"
	fi
	s2s_wait_vnets "$conf"
}

# s2s_wait_vnets CONFIG: waits for the namespace and TUN of every VNet of CONFIG (imported), and
# sets s2s_vnet_role (S2S_VNET_ROLE, S2S_VNET) for them. For scenarios that import several
# documents (e.g. one per tenant: api_tenant NAME; s2s_import DOC) into one vnetgwd.
s2s_wait_vnets() {
	local conf=$1 name id
	for name in $(jq -r '.vnets // [] | .[].name' "$conf"); do
		id=$(s2s_vnet_id "$name")
		wait_for 10 "vnetgwd's namespace for $name" api_vnet_role "$id" || {
			cat "$(api_log)" >&2
			return 1
		}
		S2S_IDS[$API_CUR/role/$name]=$(api_vnet_role "$id")
		if [ -z "$API_CUR" ]; then
			S2S_VNET_ROLE[$name]=$(s2s_vnet_role "$name")
			[ -n "$S2S_VNET" ] || S2S_VNET=${S2S_VNET_ROLE[$name]}
		fi
		wait_for 10 "vnetgwd's TUN in $name" in_ns "$(s2s_vnet_role "$name")" ip link show vnetgw0 ||
			return 1
	done
}

# The workload attaches to the VNet by veth, as tenants' VMs would.
s2s_attach_workload() {
	run ip link add name eth0 netns "$(ns_name wl)" type veth peer name wl0 netns "$(ns_name "$S2S_VNET")"
	in_ns wl ip link set dev eth0 up
	in_ns "$S2S_VNET" ip link set dev wl0 up
	addr "$S2S_VNET" wl0 10.1.0.1/24
	addr wl eth0 $S2S_WL_IP/24
	route wl default via 10.1.0.1
}

s2s_swan() {
	local ike=${1:-aes256-sha384-ecp384} esp=${2:-aes256gcm16-ecp384}
	swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" "$ike" "$esp"
	swan_start site || return 1
}

s2s_swan_routes() {
	wait_for 10 "ipsec0 at the site" in_ns site ip link show ipsec0 || return 1
	swan_route site 10.1.0.0/16
}

# Status of site1 from vnetgwd's status file, e.g. s2s_status connectionStatus
s2s_status() { api_status_conn "$(s2s_conn_id site1)" ".$1"; }
s2s_connected() { [ "$(s2s_status connectionStatus)" = Connected ]; }

# ---- issue 4: floods and impairment ----------------------------------------------------------

# vnetgwd's engine-wide IKE figures from the status file, e.g. s2s_ike_stat halfOpen
s2s_ike_stat() { jq -r ".ike.$1" "$LAB_DIR/status.json" 2>/dev/null; }
# A drop counter of site1 by reason (ESP's or the data plane's names), 0 when absent.
s2s_drop_count() { s2s_status "drops.\"$1\" // 0"; }
# vnetgwd's memory in kB from /proc: s2s_vnetgwd_mem VmHWM|VmRSS
s2s_vnetgwd_mem() { sed -n "s/^$1:[[:space:]]*\\([0-9]*\\) kB/\\1/p" "/proc/$VNETGWD_PID/status"; }

# Spoofed sources in PREFIX get their answers routed to the WAN router, which drops them
# silently (a blackhole route): nothing answered to a spoofed address leaves the lab.
s2s_spoof_blackhole() {
	route wan blackhole "$1"
}

# The same topology with the WAN impairment tool (tests/lab/lib/impair.sh, sourced first)
# bridging gw's link to the WAN router at layer 2:
#
#   gw wan0 (192.0.2.1) ── a0 [imp: impair] b0 ── g0 wan (192.0.2.254) ── site ...
#
# impair's direction ab is vnetgwd -> site, ba is site -> vnetgwd. IPv6 is off on gw, imp and
# wan and both ends of the bridged link know each other's MAC, so every frame crossing the tool
# is the test's own traffic (no ARP or IPv6 chatter to be lost).
s2s_topology_impaired() {
	for r in gw imp wan site host wl; do ns_add "$r"; done
	for r in gw imp wan; do ipv6_off "$r"; done
	link gw wan0 imp a0
	link imp b0 wan g0
	link wan s0 site wan0
	link site lan host eth0
	s2s_addresses
	run in_ns gw ip neigh replace 192.0.2.254 lladdr "$(mac_of wan g0)" dev wan0 nud permanent
	run in_ns wan ip neigh replace $S2S_GW_IP lladdr "$(mac_of gw wan0)" dev g0 nud permanent
}

# TCP transfer of FILE from role FROM to role TO (address TO_IP, port 9100) with python3 on
# both ends; the received copy goes to FILE.recv. Fails if it does not complete in SECS. With
# MBPS the sender paces itself to at most that rate (so the transfer lasts long enough).
s2s_tcp_transfer() {
	local file=$1 from=$2 to=$3 to_ip=$4 secs=$5 mbps=${6:-0} ready="$LAB_DIR/xfer.ready" pid
	cat >"$LAB_DIR/xfer.py" <<'PY'
# xfer.py recv PORT OUT READY | send HOST PORT FILE MBPS (0: unpaced)
import socket, sys, time
if sys.argv[1] == "recv":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    open(sys.argv[4], "w").close()
    c, _ = s.accept()
    with open(sys.argv[3], "wb") as f:
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            f.write(b)
else:
    c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30)
    mbps, sent, t0 = float(sys.argv[5]), 0, time.monotonic()
    with open(sys.argv[4], "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            c.sendall(b)
            sent += len(b)
            if mbps > 0:
                ahead = sent * 8 / (mbps * 1e6) - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
PY
	rm -f "$ready" "$file.recv"
	ip netns exec "$(ns_name "$to")" timeout "$secs" python3 "$LAB_DIR/xfer.py" recv 9100 "$file.recv" "$ready" &
	pid=$!
	lab_track "$pid"
	wait_for 10 "receiver ready" test -e "$ready" || return 1
	run in_ns "$from" timeout "$secs" python3 "$LAB_DIR/xfer.py" send "$to_ip" 9100 "$file" "$mbps" || return 1
	wait "$pid"
}

s2s_pings_both_ways() {
	expect "workload -> on-prem host ping" in_ns wl ping -c 5 -i 0.2 -W 2 $S2S_HOST_IP
	expect "on-prem host -> workload ping" in_ns host ping -c 5 -i 0.2 -W 2 $S2S_WL_IP
}

# iperf3 TCP for SECS in each direction; prints Mbit/s, fails when a run does not complete.
s2s_iperf_both_ways() {
	local secs=${1:-10} mbps
	in_ns host iperf3 -s -D -I "$LAB_DIR/iperf-host.pid" >/dev/null
	in_ns wl iperf3 -s -D -I "$LAB_DIR/iperf-wl.pid" >/dev/null
	wait_for 5 "iperf3 servers" test -s "$LAB_DIR/iperf-host.pid" -a -s "$LAB_DIR/iperf-wl.pid"
	lab_track "$(cat "$LAB_DIR/iperf-host.pid")"
	lab_track "$(cat "$LAB_DIR/iperf-wl.pid")"
	mbps=$(in_ns wl iperf3 -c $S2S_HOST_IP -t "$secs" -J | jq -e '.end.sum_received.bits_per_second / 1e6 | floor') ||
		lab_fail "iperf3 workload -> host did not complete"
	say "ok: iperf3 workload -> host: $mbps Mbit/s for ${secs}s"
	mbps=$(in_ns host iperf3 -c $S2S_WL_IP -t "$secs" -J | jq -e '.end.sum_received.bits_per_second / 1e6 | floor') ||
		lab_fail "iperf3 host -> workload did not complete"
	say "ok: iperf3 host -> workload: $mbps Mbit/s for ${secs}s"
}

# ---- restarts and dead peers (issue 4) ------------------------------------------------------

# s2s_vnetgwd_config_dpd FILE INITIATE(true|false) DPD_TIMEOUT_SECONDS: as s2s_vnetgwd_config,
# with the connection's "dpdTimeoutSeconds".
s2s_vnetgwd_config_dpd() {
	cat >"$1" <<CONF
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"], "gatewaySubnet": "10.1.255.0/27" } ],
  "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "$S2S_SITE_IP",
                     "sharedKey": "$S2S_PSK", "remotePrefixes": ["192.168.1.0/24"],
                     "sku": "HighPerformance", "initiate": $2, "dpdTimeoutSeconds": $3 } ] }
CONF
}

# s2s_swan_start_action ACTION: the default site, its child started by charon itself on start
# (start_action = start, as sites usually are) or only answering (none).
s2s_swan_start_action() {
	swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384 "$1"
	swan_start site || return 1
}

# The PID of the site's charon (what swan_start recorded).
s2s_swan_pid() { cat "$(swan_dir site)/pid"; }

# kill -9 the site's charon by its PID and wait until it is gone (with it go its userspace
# ESP, kernel-libipsec, and ipsec0: the site is simply silent).
s2s_swan_kill() {
	local pid
	pid=$(s2s_swan_pid)
	say "+ kill -9 $pid (charon)"
	kill -9 "$pid" || return 1
	wait "$pid" 2>/dev/null
	wait_for 5 "charon $pid gone" sh -c "! kill -0 $pid"
}

# s2s_swan_restart ACTION: start charon again with its old configuration's start action; the
# stale vici socket of the killed one is removed first, so readiness means the new one.
s2s_swan_restart() {
	rm -f "$(swan_dir site)/charon.vici"
	s2s_swan_start_action "$1"
}

# kill -9 vnetgwd by its PID and wait until it is gone (its VNet namespace stays, SPEC §4).
s2s_vnetgwd_kill() {
	say "+ kill -9 $VNETGWD_PID (vnetgwd)"
	kill -9 "$VNETGWD_PID" || return 1
	wait "$VNETGWD_PID" 2>/dev/null
	wait_for 5 "vnetgwd $VNETGWD_PID gone" sh -c "! kill -0 $VNETGWD_PID"
}

# s2s_vnetgwd_restart CONFIG: start vnetgwd again; the previous log is kept as vnetgwd.N.log.
s2s_vnetgwd_restart() {
	local n=1
	while [ -e "$LAB_DIR/vnetgwd.$n.log" ]; do n=$((n + 1)); done
	mv "$LAB_DIR/vnetgwd.log" "$LAB_DIR/vnetgwd.$n.log"
	rm -f "$LAB_DIR/status.json"
	s2s_vnetgwd_start "$1"
}

# Milliseconds since the epoch (timing figures).
s2s_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The IKE SAs and installed CHILD_SAs strongSwan holds for the connection.
s2s_swan_ike_count() { swan_ctl site --list-sas 2>/dev/null | grep -c '^s2s: #'; }
s2s_swan_child_count() { swan_ctl site --list-sas 2>/dev/null | grep -c 'INSTALLED'; }
