# shellcheck shell=bash
# The site-to-site topology of issue 3, with vnetgwd as the gateway and strongSwan as the site:
#
#   wl ──── [VNet ns, made by vnetgwd: TUN vnetgw0 10.1.255.4/27, wl0 10.1.0.1/24]
#   10.1.0.10        ║ vnetgwd's data plane
#   gw (vnetgwd) ── wan ── site (charon) ── host
#   192.0.2.1      .254 | .254   198.51.100.2   192.168.1.10  (site LAN 192.168.1.0/24)
#
# vnetgwd runs in gw's network namespace through nsenter --net only (not ip netns exec, whose
# private mount namespace would hide the VNet namespaces vnetgwd bind-mounts under /run/netns).

S2S_GW_IP=192.0.2.1
S2S_SITE_IP=198.51.100.2
S2S_HOST_IP=192.168.1.10
S2S_WL_IP=10.1.0.10
S2S_PSK=${S2S_PSK:-lab-shared-key-1}

s2s_topology() {
	for r in gw wan site host wl; do ns_add "$r"; done
	link gw wan0 wan g0
	link wan s0 site wan0
	link site lan host eth0
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

# s2s_vnetgwd_config FILE INITIATE(true|false) [IKE-POLICY-JSON]
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

# s2s_vnetgwd_start CONFIG [extra vnetgwd args]: starts vnetgwd, waits for the VNet namespace.
s2s_vnetgwd_start() {
	local conf=$1 bin="${VNETGW_BUILD:-build}/vnetgwd"
	shift
	say "+ vnetgwd --config $conf in $(ns_name gw)"
	nsenter --net="/run/netns/$(ns_name gw)" "$bin" --config "$conf" \
		--netns-prefix "vgt-$LAB_ID-" --status-file "$LAB_DIR/status.json" "$@" \
		>"$LAB_DIR/vnetgwd.log" 2>&1 &
	VNETGWD_PID=$!
	lab_track "$VNETGWD_PID"
	LAB_NS+=("vgt-$LAB_ID-vnet1") # made by vnetgwd; removed at cleanup if it stays
	wait_for 10 "vnetgwd's VNet namespace" test -e "/run/netns/vgt-$LAB_ID-vnet1" || {
		cat "$LAB_DIR/vnetgwd.log" >&2
		return 1
	}
	wait_for 10 "vnetgwd's TUN" in_ns vnet1 ip link show vnetgw0 || return 1
}

# The workload attaches to the VNet by veth, as tenants' VMs would.
s2s_attach_workload() {
	run ip link add name eth0 netns "$(ns_name wl)" type veth peer name wl0 netns "$(ns_name vnet1)"
	in_ns wl ip link set dev eth0 up
	in_ns vnet1 ip link set dev wl0 up
	addr vnet1 wl0 10.1.0.1/24
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
s2s_status() { jq -r ".connections[] | select(.name == \"site1\") | .$1" "$LAB_DIR/status.json" 2>/dev/null; }
s2s_connected() { [ "$(s2s_status connectionStatus)" = Connected ]; }

# ---- issue 4: floods and impairment ----------------------------------------------------------

# vnetgwd's engine-wide IKE figures from the status file, e.g. s2s_ike_stat halfOpen
s2s_ike_stat() { jq -r ".ike.$1" "$LAB_DIR/status.json" 2>/dev/null; }
# A drop counter of site1 by reason (ESP's or the data plane's names), 0 when absent.
s2s_drop_count() { jq -r ".connections[] | select(.name == \"site1\") | .drops.\"$1\" // 0" "$LAB_DIR/status.json" 2>/dev/null; }
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
