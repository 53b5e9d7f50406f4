# shellcheck shell=bash
# shellcheck disable=SC2034 # SITES_* are read by the tests that source this file
# Multi-site, multi-VNet topology of issue 6: one vnetgwd on one public IP serving several VNets
# (one per tenant, address spaces may overlap), and N on-premises sites on the WAN next to it,
# each its own namespace with a public address, a LAN and a host on it. A site's VPN device is
# strongSwan or, where a site must carry more than charon's userspace ESP can on this machine,
# an unshaped vnetgwd (sites_vnetgwd_site).
#
#   wl-<vnet> ── [VNet ns made by vnetgwd: TUN vnetgw0 10.1.255.4/27, wl0 10.1.0.1/24]
#   10.1.0.10                 ║ (one VNet per tenant; every one may be 10.1.0.0/16)
#   gw (vnetgwd) ── wan (br0) ─┬─ s-<a> (charon) ── h-<a>     198.51.100.<n> | LAN <prefix>.1 | host .10
#   192.0.2.1    .254 | .254   ├─ s-<b> (charon) ── h-<b>
#                              └─ ...
#
# The gateway is vnetgwd --data-dir, each tenant a subscription, every resource created with the
# vnetgw CLI (lib/api.sh); the gateways start the tunnels and strongSwan sites run exactly the
# device script vnetgw prints for their connection.
#
# Use (after netns.sh and swan.sh; this sources s2s.sh and with it api.sh):
#   sites_wan                                gw and wan namespaces
#   sites_add SITE PUBLIC_IP LAN_PREFIX      site namespace s-SITE and host h-SITE (LAN_PREFIX a /24)
#   sites_vnet VNET TENANT SPACE GWSUBNET SKU  a VNet and its VPN gateway of that SKU
#   sites_conn CONN VNET SITE PSK [MODE]     a connection to SITE (its LAN as the remote prefix);
#                                            MODE ResponderOnly when the site's device initiates
#   sites_gateway_up                         vnetgwd with all of the above; waits for every VNet
#   sites_vnet_role VNET                     the VNet namespace's role (for in_ns)
#   sites_attach_workload VNET               workload namespace wl-VNET, 10.1.0.10 (sites_wl_ip)
#   sites_swan_up SITE CONN                  the site's charon for CONN, up, VNet space routed
#   sites_vnetgwd_site SITE PSK VNET_SPACE   an unshaped vnetgwd as SITE's device (initiates)
#   sites_status CONN JQ / sites_counter CONN JQ   a connection's field in the status file
#   sites_vnet_counter VNET JQ               a VNet's field in the status file (0 when absent)

SITES_GW_IP=192.0.2.1
SITES_WL_IP=10.1.0.10
# shellcheck source=tests/lab/lib/s2s.sh
. "$(dirname "${BASH_SOURCE[0]}")/s2s.sh"

SITES_RG=rg1
SITES_VNETS=() # "name tenant space gwsubnet sku"
SITES_CONNS=() # "name vnet site psk mode"
SITES_N=0
# SITES_DEV_PID: each site's VPN device process (charon or vnetgwd), for the tests to watch.
# SITES_ROLE: VNet -> its namespace's role; SITES_VNET_KEY / SITES_CONN_ID: keys in the status
# file (resource ids); SITES_SUB/TOKEN: each tenant's credentials.
declare -A SITES_PUB SITES_LAN SITES_DEV_PID SITES_ROLE SITES_VNET_KEY SITES_CONN_ID SITES_SUB \
	SITES_TOKEN SITES_CONN_VNET SITES_VNET_TENANT SITES_VNET_SKU

sites_host_ip() { printf '%s.10' "${SITES_LAN[$1]%.*}"; }
sites_lan_gw() { printf '%s.1' "${SITES_LAN[$1]%.*}"; }
sites_wl_ip() { printf '%s' "$SITES_WL_IP"; }

sites_wan() {
	ns_add gw
	ns_add wan
	link gw wan0 wan g0
	addr gw wan0 $SITES_GW_IP/24
	route gw default via 192.0.2.254
	addr wan g0 192.0.2.254/24
	# The sites share one segment on the WAN, as on-premises devices on the Internet do.
	run in_ns wan ip link add br0 type bridge
	in_ns wan ip link set br0 up
	addr wan br0 198.51.100.254/24
	forwarding wan
}

# sites_add SITE PUBLIC_IP LAN_PREFIX(a.b.c.0/24)
sites_add() {
	local site=$1 pub=$2 lan=$3 net
	net=${lan%/*}
	net=${net%.*}
	SITES_N=$((SITES_N + 1))
	SITES_PUB[$site]=$pub
	SITES_LAN[$site]=$lan
	ns_add "s-$site"
	ns_add "h-$site"
	link wan "p$SITES_N" "s-$site" wan0
	run in_ns wan ip link set "p$SITES_N" master br0
	addr "s-$site" wan0 "$pub/24"
	route "s-$site" default via 198.51.100.254
	link "s-$site" lan "h-$site" eth0
	addr "s-$site" lan "$net.1/24"
	forwarding "s-$site"
	addr "h-$site" eth0 "$net.10/24"
	route "h-$site" default via "$net.1"
}

sites_vnet() {
	SITES_VNETS+=("$1 $2 $3 $4 $5")
	SITES_VNET_TENANT[$1]=$2
	SITES_VNET_SKU[$1]=$5
	SITES_ROLE[$1]=$1
	SITES_VNET_KEY[$1]=$1
}
sites_conn() {
	SITES_CONNS+=("$1 $2 $3 $4 ${5:-Default}")
	SITES_CONN_VNET[$1]=$2
	SITES_CONN_ID[$1]=$1
}
sites_vnet_role() { printf '%s' "${SITES_ROLE[$1]}"; }

# A workload attached to the VNet by veth, as tenants' VMs would be.
sites_attach_workload() {
	local vnet=$1 role=${SITES_ROLE[$1]}
	ns_add "wl-$vnet"
	run ip link add name eth0 netns "$(ns_name "wl-$vnet")" type veth peer name wl0 netns "$(ns_name "$role")"
	in_ns "wl-$vnet" ip link set dev eth0 up
	in_ns "$role" ip link set dev wl0 up
	addr "$role" wl0 10.1.0.1/24
	addr "wl-$vnet" eth0 "$SITES_WL_IP/24"
	route "wl-$vnet" default via 10.1.0.1
}

# sites_swan SITE PSK [IKE ESP]: charon in s-SITE with the gateway as its peer, its own
# swanctl.conf (start it with sites_swan_initiate).
sites_swan() {
	local site=$1 psk=$2 ike=${3:-aes256-sha384-ecp384} esp=${4:-aes256gcm16-ecp384}
	swan_config "s-$site" "${SITES_PUB[$site]}" "$SITES_GW_IP" "$psk" "$ike" "$esp"
	swan_start "s-$site" || return 1
	SITES_DEV_PID[$site]=$(cat "$(swan_dir "s-$site")/pid")
}

# sites_swan_initiate SITE: the site initiates (its own swanctl.conf names the child "net").
sites_swan_initiate() {
	swan_ctl "s-$1" --initiate --child net >"$LAB_DIR/initiate-$1.out" 2>&1 || {
		cat "$LAB_DIR/initiate-$1.out" >&2
		return 1
	}
}

# sites_swan_up SITE CONN: charon in s-SITE for CONN, up, its VNet's space through ipsec0,
# configured by exactly the device script of CONN (start_action = start: it initiates as the
# gateway does).
sites_swan_up() {
	local site=$1 conn=$2 space c
	for c in "${SITES_VNETS[@]}"; do
		[ "${c%% *}" = "${SITES_CONN_VNET[$conn]}" ] && read -r _ _ space _ <<<"$c"
	done
	sites_as "${SITES_VNET_TENANT[${SITES_CONN_VNET[$conn]}]}"
	api_swan_site "s-$site" "$SITES_RG" "$conn" || return 1
	SITES_DEV_PID[$site]=$(cat "$(swan_dir "s-$site")/pid")
	wait_for 10 "ipsec0 at site $site" in_ns "s-$site" ip link show ipsec0 || return 1
	swan_route "s-$site" "$space"
}

# sites_vnetgwd_site SITE PSK VNET_SPACE: an unshaped vnetgwd as site SITE's VPN device, with a
# store of its own (api_use s-SITE; its document imported, s2s.sh), initiating to the gateway;
# its LAN moves into the VNet namespace that vnetgwd makes there.
sites_vnetgwd_site() {
	local site=$1 psk=$2 space=$3 lan net role
	lan=${SITES_LAN[$site]}
	net=${lan%/*}
	net=${net%.*}
	cat >"$LAB_DIR/site-$site.json" <<CONF
{ "publicIp": "${SITES_PUB[$site]}",
  "vnets": [ { "name": "lan", "addressSpace": ["$net.0/24"], "gatewaySubnet": "$net.248/29" } ],
  "connections": [ { "name": "gateway", "vnet": "lan", "peer": "$SITES_GW_IP", "sharedKey": "$psk",
                     "remotePrefixes": ["$space"], "sku": "HighPerformance", "initiate": true } ] }
CONF
	say "site $site's device: vnetgwd (unshaped) in $(ns_name "s-$site")"
	api_use "s-$site" "s-$site"
	s2s_vnetgwd_start "$LAB_DIR/site-$site.json" --no-rate-limit || {
		api_use ""
		return 1
	}
	SITES_DEV_PID[$site]=$VNETGWD_PID
	role=$(s2s_vnet_role lan)
	api_use ""
	# The site's LAN router address moves from s-SITE to its vnetgwd's VNet namespace.
	run in_ns "s-$site" ip link set lan netns "$(ns_name "$role")"
	addr "$role" lan "$net.1/24"
	in_ns "$role" ip link set lan up
}

# The status file's entry of a connection (by resource id).
sites_conn_sel() { printf '(.connections[] | select(.id == "%s"))' "${SITES_CONN_ID[$1]}"; }
sites_status() { jq -r "$(sites_conn_sel "$1") | .$2" "$LAB_DIR/status.json" 2>/dev/null; }
sites_counter() { jq -r "($(sites_conn_sel "$1") | .$2) // 0" "$LAB_DIR/status.json" 2>/dev/null; }
sites_vnet_counter() {
	jq -r "(.vnets[\"${SITES_VNET_KEY[$1]}\"] | .$2) // 0" "$LAB_DIR/status.json" 2>/dev/null
}
sites_connected() { [ "$(sites_status "$1" connectionStatus)" = Connected ]; }

# ---- the gateway ---------------------------------------------------------------------------

sites_as() {
	API_SUB=${SITES_SUB[$1]}
	API_TOKEN=${SITES_TOKEN[$1]}
}

# vnetgwd with every VNet and connection registered, each VNet's namespace up.
sites_gateway_up() {
	local v c name tenant space gws sku vnet site psk mode id
	api_vnetgwd_start "$@" || return 1
	api_pool "$SITES_GW_IP"
	for v in "${SITES_VNETS[@]}"; do
		read -r name tenant space gws sku <<<"$v"
		if [ -z "${SITES_SUB[$tenant]:-}" ]; then
			api_tenant "$tenant"
			SITES_SUB[$tenant]=$API_SUB
			SITES_TOKEN[$tenant]=$API_TOKEN
		fi
		sites_as "$tenant"
		api_vnet_gateway "$SITES_RG" "$name" "$space" "$gws" "gw-$name" "$sku"
		id=$(api_id "$SITES_RG" virtualNetworks "$name")
		SITES_VNET_KEY[$name]=$id
		wait_for 10 "$name's namespace in the status file" api_vnet_role "$id" || {
			cat "$LAB_DIR/vnetgwd.log" >&2
			return 1
		}
		SITES_ROLE[$name]=$(api_vnet_role "$id")
		wait_for 10 "vnetgwd's TUN in $name" in_ns "${SITES_ROLE[$name]}" ip link show vnetgw0 || return 1
	done
	for c in "${SITES_CONNS[@]}"; do
		read -r name vnet site psk mode <<<"$c"
		sites_as "${SITES_VNET_TENANT[$vnet]}"
		api_site "$SITES_RG" "lgw-$site" "${SITES_PUB[$site]}" "${SITES_LAN[$site]}"
		api_connection "$SITES_RG" "$name" "gw-$vnet" "lgw-$site" "$psk" --connection-mode "$mode"
		SITES_CONN_ID[$name]=$(api_id "$SITES_RG" connections "$name")
	done
	wait_for 5 "vnetgwd's status file" test -s "$LAB_DIR/status.json"
}
