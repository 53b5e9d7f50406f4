# shellcheck shell=bash
# vnetgwd as the product runs it: one process, --data-dir, the store driving the gateway (issue 6),
# in gw's namespace, and the vnetgw CLI against its API -- the operator through the admin socket,
# the tenant with its token. Needs netns.sh and swan.sh (and s2s.sh for its topology).
#
#   api_vnetgwd_start [ARGS]      vnetgwd --data-dir $API_DATA in gw (nsenter --net, as s2s.sh
#                                 says why), API on gw's 127.0.0.1:$API_PORT, status file
#                                 $API_STATUS, VNet namespaces vgt-<LAB_ID>-<key>; waits for
#                                 the admin socket. Sets VNETGWD_PID.
#   api_vnetgwd_stop / api_vnetgwd_kill    SIGTERM (and wait) / SIGKILL that PID
#   api_cli ARGS / api_cli_ok ARGS        vnetgw in gw with VNETGW_SERVER, VNETGW_TOKEN,
#                                 VNETGW_SUBSCRIPTION ($API_SUB, $API_TOKEN) and
#                                 VNETGW_ADMIN_SOCKET; prints the command (keys hidden);
#                                 _ok fails the lab when it fails (output in $LAB_DIR/cli.out)
#   api_pool IP                   the operator's pool: exactly IP (the shared public IP)
#   api_tenant NAME               a subscription; sets API_SUB and API_TOKEN
#   api_vnet_gateway RG VNET SPACE GWSUBNET GW SKU   VNet + GatewaySubnet, public IP GW-ip, gateway
#   api_site RG NAME IP PREFIX... a local network gateway
#   api_connection RG NAME GW LGW PSK [ARGS]         a connection
#   api_conn_prop RG NAME JQ      a property of `vpn-connection show -o json` (e.g.
#                                 .properties.connectionStatus)
#   api_conn_connected RG NAME    true when vpn-connection show says Connected
#   api_id RG TYPE NAME           the resource id (TYPE as in ARM paths: virtualNetworks, ...)
#   api_vnet_role VNET_ID         the VNet namespace's role for in_ns (from the status file),
#                                 remembered for cleanup
#   api_status_conn CONN_ID JQ    a field of the status file's entry for a connection
#   api_status_sync               waits for a status file written after this call: vnetgwd
#                                 rewrites it every second (and at once on a change of status),
#                                 so a one-shot read right after an action, a baseline of a
#                                 counter, or a check that something did NOT change must sync
#                                 first; waiting for a condition to become true needs no sync
#   api_status_window SECONDS     waits until vnetgwd has written a status file stamped SECONDS
#                                 after this call: it has run its loop (timers, retries) through
#                                 that window, however slowly the machine runs -- for checks
#                                 that something does not happen
#   api_attach_workload WL VNET_ROLE GW_CIDR WL_CIDR   a workload namespace WL on a veth into
#                                 the VNet (GW_CIDR on the VNet side, WL_CIDR on WL's)
#   api_swan_site ROLE RG CONN    a strongSwan site in ROLE configured by exactly what
#                                 `vpn-connection show-device-config-script --vendor strongSwan`
#                                 prints (and the plugin list its comment gives), started
#   api_swan_idle ROLE            a charon in ROLE with no connection yet (swan.sh's plugin list,
#                                 the one the script names), to load a script into later
#   api_swan_reload ROLE RG CONN  the site's swanctl.conf replaced by the script as it is now
#                                 (a new connection, or after a key or policy change), loaded
#                                 with swanctl --load-all
#   api_swan_conn_sas ROLE CONN   how many IKE SAs the site has for CONN (swanctl --list-sas)
#   api_use NAME [ROLE]           switch to another vnetgwd of the lab (e.g. a second gateway or
#                                 a site's device), created on first use: it runs in ROLE's
#                                 namespace with data dir $LAB_DIR/NAME.data, status file
#                                 $LAB_DIR/NAME.status.json, log $LAB_DIR/vnetgwd-NAME.log, a
#                                 port, tenant and VNETGWD_PID of its own; `api_use ""` is back
#                                 to the default one (gw, $LAB_DIR/data, status.json, vnetgwd.log)

API_PORT=${API_PORT:-$((20000 + RANDOM % 20000))}
API_SUB=""
API_TOKEN=""
API_SECRETS=() # never printed
API_CUR=""     # the vnetgwd the functions address (api_use); "" is the default one
API_NS=gw
API_DATA=""   # default: $LAB_DIR/data (LAB_DIR is set by lab_init, after sourcing)
API_STATUS="" # default: $LAB_DIR/status.json
API_LOG=""    # default: $LAB_DIR/vnetgwd.log
declare -gA API_SAVED=()

api_data() { printf '%s' "${API_DATA:-$LAB_DIR/data}"; }
api_status_file() { printf '%s' "${API_STATUS:-$LAB_DIR/status.json}"; }
api_log() { printf '%s' "${API_LOG:-$LAB_DIR/vnetgwd.log}"; }

api_use() {
	local name=$1 role=${2:-gw} v
	[ "$name" = "$API_CUR" ] && return 0
	for v in API_PORT API_SUB API_TOKEN API_NS API_DATA API_STATUS API_LOG VNETGWD_PID; do
		API_SAVED[$API_CUR/$v]=${!v-}
	done
	API_CUR=$name
	if [ -n "${API_SAVED[$name/API_PORT]+x}" ]; then
		for v in API_PORT API_SUB API_TOKEN API_NS API_DATA API_STATUS API_LOG VNETGWD_PID; do
			printf -v "$v" '%s' "${API_SAVED[$name/$v]}"
		done
	else
		API_PORT=$((20000 + RANDOM % 20000))
		API_SUB="" API_TOKEN="" VNETGWD_PID=""
		API_NS=$role
		API_DATA=$LAB_DIR/$name.data
		API_STATUS=$LAB_DIR/$name.status.json
		API_LOG=$LAB_DIR/vnetgwd-$name.log
	fi
}

# VNETGW_LAB_STORE=etcd: vnetgwd's store is an etcd the lab starts in the API's namespace (its
# own loopback: fixed ports there collide with nothing), its data in the lab's directory, one for
# the lab, kept across vnetgwd restarts, stopped by its PID with the lab. Labs whose daemons live
# in several namespaces (api_use with another role) stay on SQLite.
API_ETCD_PID=""
api_etcd_start() {
	local ns
	ns=$(ns_name "$API_NS")
	[ -n "$API_ETCD_PID" ] && kill -0 "$API_ETCD_PID" 2>/dev/null && return 0
	say "+ etcd in $ns on 127.0.0.1:2379 (data $LAB_DIR/etcd)"
	ip netns exec "$ns" etcd --name lab --data-dir "$LAB_DIR/etcd" \
		--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster lab=http://127.0.0.1:2380 --logger zap --log-level warn \
		>>"$LAB_DIR/etcd.log" 2>&1 &
	API_ETCD_PID=$!
	lab_track "$API_ETCD_PID"
	wait_for 20 "etcd's /health" sh -c \
		"ip netns exec $ns curl -s --max-time 1 http://127.0.0.1:2379/health | grep -q true"
}

api_vnetgwd_start() {
	local bin store=()
	bin=$(cd "${VNETGW_BUILD:-build}" && pwd)
	if [ "${VNETGW_LAB_STORE:-sqlite}" = etcd ]; then
		api_etcd_start || return 1
		store=(--store etcd://127.0.0.1:2379)
	fi
	say "+ vnetgwd --data-dir $(api_data) ${store[*]} --api-listen 127.0.0.1:$API_PORT $* in $(ns_name "$API_NS")"
	# Not running: a socket left there is a killed process's, and would pass for readiness.
	rm -f "$(api_data)/admin.sock"
	nsenter --net="/run/netns/$(ns_name "$API_NS")" "$bin/vnetgwd" --data-dir "$(api_data)" \
		"${store[@]}" --api-listen "127.0.0.1:$API_PORT" --netns-prefix "vgt-$LAB_ID-" \
		--status-file "$(api_status_file)" "$@" >>"$(api_log)" 2>&1 &
	VNETGWD_PID=$!
	lab_track "$VNETGWD_PID"
	wait_for 10 "vnetgwd's admin socket" test -S "$(api_data)/admin.sock" || {
		cat "$(api_log)" >&2
		return 1
	}
}

api_vnetgwd_stop() {
	kill "$VNETGWD_PID" 2>/dev/null
	wait "$VNETGWD_PID" 2>/dev/null
}

api_vnetgwd_kill() {
	say "+ kill -9 $VNETGWD_PID (vnetgwd)"
	kill -9 "$VNETGWD_PID" 2>/dev/null
	wait "$VNETGWD_PID" 2>/dev/null
	rm -f "$(api_data)/admin.sock" # a killed process leaves its socket behind
}

api_cli_raw() {
	local bin
	bin=$(cd "${VNETGW_BUILD:-build}" && pwd)
	in_ns "$API_NS" env VNETGW_SERVER="http://127.0.0.1:$API_PORT" \
		VNETGW_ADMIN_SOCKET="$(api_data)/admin.sock" VNETGW_SUBSCRIPTION="$API_SUB" \
		VNETGW_TOKEN="$API_TOKEN" "$bin/vnetgw" "$@"
}

api_cli() {
	local shown="$*" s
	for s in "${API_SECRETS[@]+"${API_SECRETS[@]}"}"; do shown=${shown//$s/<key>}; done
	say "+ vnetgw $shown"
	api_cli_raw "$@"
}

api_cli_ok() {
	api_cli "$@" >"$LAB_DIR/cli.out" 2>&1 || {
		cat "$LAB_DIR/cli.out" >&2
		lab_fail "vnetgw $1 $2 failed"
	}
}

api_pool() { api_cli_ok admin settings update --public-ip-pool "$1/32"; }

api_tenant() {
	api_cli admin subscription create --display-name "$1" >"$LAB_DIR/sub-$1.json" ||
		lab_fail "subscription create $1"
	API_SUB=$(jq -r .subscriptionId "$LAB_DIR/sub-$1.json")
	API_TOKEN=$(jq -r .token "$LAB_DIR/sub-$1.json")
	API_SECRETS+=("$API_TOKEN")
}

api_vnet_gateway() {
	local rg=$1 vnet=$2 space=$3 gws=$4 gw=$5 sku=$6
	api_cli_ok vnet create -g "$rg" -n "$vnet" --address-prefixes "$space" \
		--subnet-name GatewaySubnet --subnet-prefix "$gws"
	api_cli_ok public-ip create -g "$rg" -n "$gw-ip"
	api_cli_ok vnet-gateway create -g "$rg" -n "$gw" --vnet "$vnet" --public-ip-addresses "$gw-ip" \
		--gateway-type Vpn --vpn-type RouteBased --sku "$sku"
}

api_site() {
	local rg=$1 name=$2 ip=$3
	shift 3
	api_cli_ok local-gateway create -g "$rg" -n "$name" --gateway-ip-address "$ip" \
		--local-address-prefixes "$@"
}

api_connection() {
	local rg=$1 name=$2 gw=$3 lgw=$4 psk=$5
	shift 5
	API_SECRETS+=("$psk")
	api_cli_ok vpn-connection create -g "$rg" -n "$name" --vnet-gateway1 "$gw" \
		--local-gateway2 "$lgw" --shared-key "$psk" "$@"
}

api_conn_prop() {
	api_cli_raw vpn-connection show -g "$1" -n "$2" -o json 2>/dev/null | jq -r "$3"
}

api_conn_connected() { [ "$(api_conn_prop "$1" "$2" .properties.connectionStatus)" = Connected ]; }

api_id() {
	printf '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/%s/%s' \
		"$API_SUB" "$1" "$2" "$3"
}

api_vnet_role() {
	local ns
	ns=$(jq -r --arg id "$1" '.vnets[$id].netns // empty' "$(api_status_file)" 2>/dev/null)
	[ -n "$ns" ] || return 1
	# made by vnetgwd, which leaves it for workloads across restarts: cleanup removes it
	case " ${LAB_NS[*]-} " in *" $ns "*) ;; *) LAB_NS+=("$ns") ;; esac
	printf '%s' "${ns#vgt-"$LAB_ID"-}"
}

api_status_conn() {
	jq -r --arg id "$1" ".connections[] | select(.id == \$id) | $2" "$(api_status_file)" 2>/dev/null
}

# api_status_since MS: the status file was written at MS (wall clock, ms) or later.
api_status_since() {
	[ "$(jq -r '.writtenAtMs // 0' "$(api_status_file)" 2>/dev/null)" -ge "$1" ] 2>/dev/null
}

api_status_window() {
	local t
	t=$(($(date +%s%3N) + $1 * 1000))
	wait_for $(($1 + 20)) "vnetgwd's status file stamped $1 s from now" api_status_since "$t" ||
		lab_fail "vnetgwd wrote no status file for $1 s (+20 s): is it running? $(tail -n 3 "$(api_log)")"
}

api_status_sync() { api_status_window 0; }

api_attach_workload() {
	local wl=$1 vnet=$2 gw_cidr=$3 wl_cidr=$4 if_vnet
	if_vnet="wl-$wl"
	run ip link add name eth0 netns "$(ns_name "$wl")" type veth peer name "$if_vnet" \
		netns "$(ns_name "$vnet")"
	in_ns "$wl" ip link set dev eth0 up
	in_ns "$vnet" ip link set dev "$if_vnet" up
	addr "$vnet" "$if_vnet" "$gw_cidr"
	addr "$wl" eth0 "$wl_cidr"
	route "$wl" default via "${gw_cidr%/*}"
}

api_swan_site() {
	local role=$1 rg=$2 conn=$3 script plugins
	script="$LAB_DIR/$role.swanctl.conf"
	api_cli vpn-connection show-device-config-script -g "$rg" -n "$conn" --vendor strongSwan \
		>"$script" 2>"$LAB_DIR/script.err" || {
		cat "$LAB_DIR/script.err" >&2
		return 1
	}
	plugins=$(sed -n 's/^#[[:space:]]*load = //p' "$script")
	swan_config_file "$role" "$script" "$plugins" || return 1
	swan_start "$role"
}

api_swan_idle() {
	swan_base "$1" || return 1
	: >"$(swan_dir "$1")/swanctl/swanctl.conf"
	swan_start "$1"
}

api_swan_reload() {
	local role=$1 rg=$2 conn=$3 script
	script="$LAB_DIR/$role.swanctl.conf"
	api_cli vpn-connection show-device-config-script -g "$rg" -n "$conn" --vendor strongSwan \
		>"$script" 2>"$LAB_DIR/script.err" || {
		cat "$LAB_DIR/script.err" >&2
		return 1
	}
	install -m 600 "$script" "$(swan_dir "$role")/swanctl/swanctl.conf"
	swan_ctl "$role" --load-all --noprompt >"$LAB_DIR/load-$role.out" 2>&1
}

api_swan_conn_sas() {
	swan_ctl "$1" --list-sas --ike "$2" 2>/dev/null | grep -c "^$2: #"
}
