# shellcheck shell=bash
# shellcheck disable=SC2034 # SITES_* are read by the tests that source this file
# Multi-site, multi-VNet topology of issue 6: one vnetgwd on one public IP serving several VNets
# (one per tenant, address spaces may overlap), and N on-premises sites on the WAN next to it,
# each its own namespace with a public address, a LAN and a host on it. A site is strongSwan
# (sites_swan) or, where a site must carry more than charon's userspace ESP can on this machine,
# an unshaped vnetgwd (sites_vnetgwd_site).
#
#   wl-<vnet> ── [VNet ns vgt-ID-<vnet>, made by vnetgwd: TUN vnetgw0 10.1.255.4/27, wl0 10.1.0.1/24]
#   10.1.0.10                 ║ (one VNet per tenant; every one may be 10.1.0.0/16)
#   gw (vnetgwd) ── wan (br0) ─┬─ s-<a> (charon) ── h-<a>     198.51.100.<n> | LAN <prefix>.1 | host .10
#   192.0.2.1    .254 | .254   ├─ s-<b> (charon) ── h-<b>
#                              └─ ...
#
# Use (after netns.sh and swan.sh):
#   sites_wan                                gw and wan namespaces
#   sites_add SITE PUBLIC_IP LAN_PREFIX      site namespace s-SITE and host h-SITE (LAN_PREFIX a /24)
#   sites_vnet VNET SPACE GWSUBNET           a VNet for vnetgwd's configuration
#   sites_conn CONN VNET SITE SKU PSK        a connection (remote prefixes: the site's LAN)
#   sites_config FILE                        vnetgwd's --config file from the above
#   sites_vnetgwd_start FILE [ARGS]          vnetgwd in gw; waits for every VNet's namespace and TUN
#   sites_attach_workload VNET               workload namespace wl-VNET, 10.1.0.10 (sites_wl_ip)
#   sites_swan SITE PSK [IKE ESP]            charon in s-SITE for the gateway; sites_swan_up
#   sites_swan_up SITE VNET_SPACE            initiates, routes VNET_SPACE through ipsec0
#   sites_status CONN FIELD                  a connection's field in vnetgwd's status file
#   sites_counter CONN FIELD                 the same as a number (0 when absent)

SITES_GW_IP=192.0.2.1
SITES_WL_IP=10.1.0.10
SITES_VNETS=()  # "name space gwsubnet"
SITES_CONNS=()  # "name vnet site sku psk"
SITES_N=0
# SITES_DEV_PID: each site's VPN device process (charon or vnetgwd), for the tests to watch.
declare -A SITES_PUB SITES_LAN SITES_DEV_PID

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

sites_vnet() { SITES_VNETS+=("$1 $2 $3"); }
sites_conn() { SITES_CONNS+=("$1 $2 $3 $4 $5"); }

# The --config document (src/daemon/config.h) of every VNet and connection registered.
sites_config() {
	local v c sep="" name space gws vnet site sku psk
	{
		printf '{ "publicIp": "%s",\n  "vnets": [' "$SITES_GW_IP"
		for v in "${SITES_VNETS[@]}"; do
			read -r name space gws <<<"$v"
			printf '%s\n    { "name": "%s", "addressSpace": ["%s"], "gatewaySubnet": "%s" }' \
				"$sep" "$name" "$space" "$gws"
			sep=,
		done
		printf ' ],\n  "connections": ['
		sep=""
		for c in "${SITES_CONNS[@]}"; do
			read -r name vnet site sku psk <<<"$c"
			printf '%s\n    { "name": "%s", "vnet": "%s", "peer": "%s", "sharedKey": "%s",' \
				"$sep" "$name" "$vnet" "${SITES_PUB[$site]}" "$psk"
			printf ' "remotePrefixes": ["%s"], "sku": "%s", "initiate": false }' \
				"${SITES_LAN[$site]}" "$sku"
			sep=,
		done
		printf ' ] }\n'
	} >"$1"
}

# sites_vnetgwd_start CONFIG [extra vnetgwd args]
sites_vnetgwd_start() {
	local conf=$1 bin="${VNETGW_BUILD:-build}/vnetgwd" v name
	shift
	say "+ vnetgwd --config $conf in $(ns_name gw)"
	# nsenter --net only: ip netns exec's private mounts would hide the VNet namespaces.
	nsenter --net="/run/netns/$(ns_name gw)" "$bin" --config "$conf" \
		--netns-prefix "vgt-$LAB_ID-" --status-file "$LAB_DIR/status.json" "$@" \
		>"$LAB_DIR/vnetgwd.log" 2>&1 &
	VNETGWD_PID=$!
	lab_track "$VNETGWD_PID"
	for v in "${SITES_VNETS[@]}"; do
		read -r name _ <<<"$v"
		LAB_NS+=("vgt-$LAB_ID-$name") # made by vnetgwd; removed at cleanup if it stays
		if ! wait_for 10 "vnetgwd's namespace for $name" test -e "/run/netns/vgt-$LAB_ID-$name" ||
			! wait_for 10 "vnetgwd's TUN in $name" in_ns "$name" ip link show vnetgw0; then
			cat "$LAB_DIR/vnetgwd.log" >&2
			return 1
		fi
	done
	wait_for 5 "vnetgwd's status file" test -s "$LAB_DIR/status.json"
}

# A workload attached to the VNet by veth, as tenants' VMs would be.
sites_attach_workload() {
	local vnet=$1
	ns_add "wl-$vnet"
	run ip link add name eth0 netns "$(ns_name "wl-$vnet")" type veth peer name wl0 netns "$(ns_name "$vnet")"
	in_ns "wl-$vnet" ip link set dev eth0 up
	in_ns "$vnet" ip link set dev wl0 up
	addr "$vnet" wl0 10.1.0.1/24
	addr "wl-$vnet" eth0 "$SITES_WL_IP/24"
	route "wl-$vnet" default via 10.1.0.1
}

# sites_swan SITE PSK [IKE ESP]: charon in s-SITE with the gateway as its peer.
sites_swan() {
	local site=$1 psk=$2 ike=${3:-aes256-sha384-ecp384} esp=${4:-aes256gcm16-ecp384}
	swan_config "s-$site" "${SITES_PUB[$site]}" "$SITES_GW_IP" "$psk" "$ike" "$esp"
	swan_start "s-$site" || return 1
	SITES_DEV_PID[$site]=$(cat "$(swan_dir "s-$site")/pid")
}

# sites_swan_up SITE VNET_SPACE: the site initiates; VNET_SPACE goes through the tunnel.
sites_swan_up() {
	local site=$1
	swan_ctl "s-$site" --initiate --child net >"$LAB_DIR/initiate-$site.out" 2>&1 || {
		cat "$LAB_DIR/initiate-$site.out" >&2
		return 1
	}
	wait_for 10 "ipsec0 at site $site" in_ns "s-$site" ip link show ipsec0 || return 1
	swan_route "s-$site" "$2"
}

# sites_vnetgwd_site SITE PSK VNET_SPACE: an unshaped vnetgwd as site SITE's VPN device (its
# LAN moves into the VNet namespace that vnetgwd makes there), initiating to the gateway.
sites_vnetgwd_site() {
	local site=$1 psk=$2 space=$3 bin="${VNETGW_BUILD:-build}/vnetgwd" lan net pid
	lan=${SITES_LAN[$site]}
	net=${lan%/*}
	net=${net%.*}
	cat >"$LAB_DIR/site-$site.json" <<CONF
{ "publicIp": "${SITES_PUB[$site]}",
  "vnets": [ { "name": "lan", "addressSpace": ["$net.0/24"], "gatewaySubnet": "$net.248/29" } ],
  "connections": [ { "name": "gateway", "vnet": "lan", "peer": "$SITES_GW_IP", "sharedKey": "$psk",
                     "remotePrefixes": ["$space"], "sku": "HighPerformance", "initiate": true } ] }
CONF
	say "+ vnetgwd (site device, unshaped) --config $LAB_DIR/site-$site.json in $(ns_name "s-$site")"
	nsenter --net="/run/netns/$(ns_name "s-$site")" "$bin" --config "$LAB_DIR/site-$site.json" \
		--no-rate-limit --netns-prefix "vgt-$LAB_ID-s-$site-" \
		--status-file "$LAB_DIR/status-site-$site.json" >"$LAB_DIR/vnetgwd-site-$site.log" 2>&1 &
	pid=$!
	lab_track "$pid"
	SITES_DEV_PID[$site]=$pid
	LAB_NS+=("vgt-$LAB_ID-s-$site-lan")
	wait_for 10 "site $site's VNet namespace" test -e "/run/netns/vgt-$LAB_ID-s-$site-lan" || return 1
	wait_for 10 "site $site's TUN" in_ns "s-$site-lan" ip link show vnetgw0 || return 1
	# The site's LAN router address moves from s-SITE to its vnetgwd's VNet namespace.
	run in_ns "s-$site" ip link set lan netns "$(ns_name "s-$site-lan")"
	addr "s-$site-lan" lan "$net.1/24"
	in_ns "s-$site-lan" ip link set lan up
}

sites_status() {
	jq -r ".connections[] | select(.name == \"$1\") | .$2" "$LAB_DIR/status.json" 2>/dev/null
}
sites_counter() {
	jq -r "(.connections[] | select(.name == \"$1\") | .$2) // 0" "$LAB_DIR/status.json" 2>/dev/null
}
sites_connected() { [ "$(sites_status "$1" connectionStatus)" = Connected ]; }
