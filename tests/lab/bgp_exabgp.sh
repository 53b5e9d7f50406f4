#!/usr/bin/env bash
# shellcheck disable=SC2317 # helpers run through wait_for/expect
# Issue 12: exabgp (Debian's, 4.2) as a scripted BGP peer behind a strongSwan site, beside a
# well-behaved BIRD 2 site on the same gateway: the prefix limit and RFC 7606 error handling of
# vnetgwd's speaker against a real BGP implementation, through the tunnels.
#
#   wl ── [VNet ns: vnetgw0 10.1.255.4/27, BGP 10.1.255.30, AS 65515]
#   10.1.0.10   ║ vnetgwd (gw, 192.0.2.1) ── wan ──┬── site  (charon + BIRD AS 65010, 192.168.1.1)
#               ║                                  │     └── host  192.168.1.10, 172.16.10.10
#               ║                                  └── xsite (charon + exabgp AS 65030, 192.168.3.1)
#
# Asserted, with times printed, per phase (each with an exabgp instance of its own):
# 1. exabgp announces 4001 prefixes in one go: vnetgwd ends that session with Cease/Maximum
#    Number of Prefixes Reached (exabgp's log: the NOTIFICATION received; vnetgwd's status
#    file: lastError), none of its prefixes stay in the VNet, while BIRD's session stays up (its
#    Established time unchanged) and its route carries a ping that runs all through the phase.
# 2. vnetgwd waits 300 s before it tries a peer stopped for its prefix limit again: the lab
#    deletes the connection and creates it again (the CLI), which removes and re-adds the peer.
# 3. malformed UPDATEs crafted with exabgp's `attribute [ code flags value ]`, each answered as
#    RFC 7606 says (docs/bgp.md, src/bgp/update.c): treat-as-withdraw for a bad ORIGIN value, an
#    AS_PATH with wrong flags, a NEXT_HOP of 5 octets, a MED of 2, COMMUNITIES of 3 -- the
#    session stays, the re-announced prefix is withdrawn and a new one in the same UPDATE is not
#    installed; attribute-discard for an ATOMIC_AGGREGATE of 1 octet -- the prefix is installed;
#    and an unrecognized well-known attribute (RFC 4271 6.3) -- NOTIFICATION UPDATE Message
#    Error/Unrecognized Well-known Attribute, the peer's routes withdrawn. vnetgwd's log names
#    each verdict. Then the bad route withdrawn in exabgp, the session comes back by itself.
# After all of it vnetgwd is alive, and BIRD's session and traffic were never touched.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/bird.sh
. tests/lab/lib/exabgp.sh
. tests/lab/lib/s2s.sh

HOLD=9
XSITE_IP=203.0.113.3
GW_BGP=10.1.255.30 # the GatewaySubnet's last usable address but one (SPEC §6)
MAX_PREFIXES=4000  # SPEC §6

now_ms() { date +%s%3N; }
vnet_id() { s2s_vnet_id vnet1; }
bgp_peer() {
	jq -r --arg v "$(vnet_id)" --arg k "$(s2s_conn_key "$1")" \
		".vnets[\$v].bgp.peers[] | select(.name == \$k) | .$2" "$(api_status_file)" 2>/dev/null
}
established() { [ "$(bgp_peer "$1" state)" = Established ]; }
not_established() { ! established "$1"; }
last_error_has() { bgp_peer "$1" lastError | grep -Eq "$2"; }
vnet_route() { in_ns "$S2S_VNET" ip route show "$1" dev vnetgw0 | grep -q .; }
no_vnet_route() { ! vnet_route "$1"; }
# How many routes to 100.64.0.0/10 (exabgp's flood) the VNet's kernel table has.
flood_routes() { in_ns "$S2S_VNET" ip route show dev vnetgw0 | grep -c '^100\.'; }
no_flood_routes() { [ "$(flood_routes)" = 0 ]; }
pings() { in_ns "$1" ping -q -c 1 -W 1 "${@:2}" >/dev/null 2>&1; }
conn_up() { [ "$(api_status_conn "$(s2s_conn_id "$1")" .connectionStatus)" = Connected ]; }
# BIRD's session with the gateway: state and the time it entered it (birdc show protocols).
bird_protocols() {
	birdc_ site show protocols vnetgw >"$LAB_DIR/birdc.out" 2>&1 &&
		grep -q '^vnetgw ' "$LAB_DIR/birdc.out"
}
bird_session() {
	wait_for 5 "birdc's answer" bird_protocols
	awk '$1 == "vnetgw" { print $4, $5, $6 }' "$LAB_DIR/birdc.out"
}
# bird_untouched: BIRD's session is in the state it was, since the same time (birdc's answer
# kept in birdc.out, shown when it is not).
bird_untouched() {
	local now
	now=$(bird_session)
	[ "$now" = "$bird_since" ] && return 0
	say "BIRD's session was \"$bird_since\", is \"$now\"; birdc said:"
	cat "$LAB_DIR/birdc.out" >&2
	return 1
}
vnetgwd_alive() { kill -0 "$VNETGWD_PID" 2>/dev/null; }
# vnetgwd's log lines about the exabgp connection (speaker: peer=, gateway: conn=) after line $1.
xlog_since() { tail -n +"$(($1 + 1))" "$(api_log)" | grep -E "(peer|conn)=$(s2s_conn_key xsite) "; }
xlog_has() { xlog_since "$1" | grep -Eq "$2"; }
log_lines() { wc -l <"$(api_log)"; }

bird_site_conf() {
	local f
	f="$(bird_dir site)/bird.conf"
	mkdir -p "$(bird_dir site)"
	cat >"$f" <<EOF
log "$(bird_dir site)/bird.log" all;
router id 192.168.1.1;
protocol device { }
protocol static via_tunnel { ipv4; route $GW_BGP/32 via "ipsec0"; }
protocol static st0 { ipv4; route 172.16.10.0/24 via 192.168.1.10; }
protocol bgp vnetgw {
	local 192.168.1.1 as 65010;
	neighbor $GW_BGP as 65515;
	multihop 4;
	hold time $HOLD;
	connect retry time 2;
	ipv4 { import all; export where proto ~ "st*"; next hop self; igp table master4; };
}
EOF
	printf '%s' "$f"
}

# The exabgp connection, as s2s_import made it (lib/s2s.sh): created again in phase 2.
xsite_connection() {
	api_connection "$S2S_RG" xsite vnet1-gw xsite "$S2S_PSK-x" --connection-mode Default \
		--dpd-timeout 30 --enable-bgp true
}

lab_init
for r in gw wan site host xsite wl; do ns_add "$r"; done
link gw wan0 wan g0
link wan s0 site wan0
link wan s1 xsite wan0
link site lan host eth0
s2s_addresses
addr wan s1 203.0.113.254/24
addr xsite wan0 $XSITE_IP/24
route xsite default via 203.0.113.254
# exabgp's address: the local network gateway's bgpPeeringAddress, a host address of the site.
addr xsite lo 192.168.3.1/32
addr host eth0 172.16.10.10/32
route site 172.16.10.0/24 via 192.168.1.10

cat >"$LAB_DIR/vnetgwd.json" <<CONF
{ "publicIp": "$S2S_GW_IP",
  "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"], "gatewaySubnet": "10.1.255.0/27" } ],
  "connections": [
    { "name": "site1", "vnet": "vnet1", "peer": "$S2S_SITE_IP", "sharedKey": "$S2S_PSK",
      "remotePrefixes": ["192.168.1.1/32"], "sku": "Standard", "initiate": true,
      "dpdTimeoutSeconds": 30, "bgp": { "asn": 65010, "peeringAddress": "192.168.1.1" } },
    { "name": "xsite", "vnet": "vnet1", "peer": "$XSITE_IP", "sharedKey": "$S2S_PSK-x",
      "remotePrefixes": ["192.168.3.1/32"], "sku": "Standard", "initiate": true,
      "dpdTimeoutSeconds": 30, "bgp": { "asn": 65030, "peeringAddress": "192.168.3.1" } } ] }
CONF
swan_config site $S2S_SITE_IP $S2S_GW_IP "$S2S_PSK" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start site || lab_fail "charon did not start at site"
swan_config xsite $XSITE_IP $S2S_GW_IP "$S2S_PSK-x" aes256-sha384-ecp384 aes256gcm16-ecp384
swan_start xsite || lab_fail "charon did not start at xsite"
t0=$(now_ms)
s2s_vnetgwd_start "$LAB_DIR/vnetgwd.json" || lab_fail "vnetgwd did not start"
s2s_attach_workload
wait_for 20 "site1 Connected" conn_up site1 || lab_fail "site1: $(api_status_conn "$(s2s_conn_id site1)" .reason)"
wait_for 20 "xsite Connected" conn_up xsite || lab_fail "xsite: $(api_status_conn "$(s2s_conn_id xsite)" .reason)"
s2s_swan_routes || lab_fail "no ipsec0 at site"
wait_for 10 "ipsec0 at xsite" in_ns xsite ip link show ipsec0 || lab_fail "no ipsec0 at xsite"
swan_route xsite 10.1.0.0/16
bird_start site "$(bird_site_conf)" || lab_fail "bird did not start at site"
wait_for 30 "site1's BGP session Established" established site1 || lab_fail "no session with site's BIRD"
expect_soon "BIRD's 172.16.10.0/24 in the VNet" vnet_route 172.16.10.0/24
expect "the workload pings 172.16.10.10 through it" pings wl 172.16.10.10
bird_since=$(bird_session)
say "BIRD's session: $bird_since, $(($(now_ms) - t0)) ms after vnetgwd started"

# ---- 1: 4001 prefixes ------------------------------------------------------------------------
exa_conf x1 192.168.3.1 65030 $GW_BGP 65515 $HOLD
exa_start xsite x1 || lab_fail "exabgp did not start"
wait_for 30 "xsite's BGP session Established" established xsite || {
	tail -n 20 "$(exa_dir x1)/exabgp.log" >&2
	lab_fail "no session with exabgp"
}
say "exabgp's session Established $(($(now_ms) - t0)) ms after vnetgwd started"
# (ip netns exec itself, not through in_ns, a function: $! is then ping's PID)
ip netns exec "$(ns_name wl)" ping -i 0.1 -W 1 172.16.10.10 >"$LAB_DIR/ping.out" 2>&1 &
ping_pid=$!
lab_track $ping_pid
flood=$(seq 0 $MAX_PREFIXES | awk '{ printf " 100.%d.%d.0/24", 64 + int($1 / 256), $1 % 256 }')
mark1=$(log_lines)
t1=$(now_ms)
exa_cmd x1 "announce attributes next-hop self nlri$flood"
# Timed on vnetgwd's log (the limit) and the VNet's kernel table (the withdrawal): the status
# file may be written up to a second after a BGP change.
wait_for 30 "vnetgwd at its prefix limit" xlog_has "$mark1" "maximum number of prefixes \($MAX_PREFIXES\) reached" ||
	lab_fail "no prefix limit 30 s after $((MAX_PREFIXES + 1)) prefixes: $(bgp_peer xsite routesReceived) received"
wait_for 5 "none of the flood in the VNet" no_flood_routes || lab_fail "$(flood_routes) of exabgp's routes stayed in the VNet"
gone=$(($(now_ms) - t1))
expect_soon "the session ended" not_established xsite
# From vnetgwd's log: its first installation of the flood, the limit, and the most it installed.
log_ms() { date -d "$1" +%s%3N; }
first=$(xlog_since "$mark1" | grep -m 1 'route(s) learned through BGP installed (0 before)' | cut -d' ' -f1)
limit=$(xlog_since "$mark1" | grep -m 1 "maximum number of prefixes ($MAX_PREFIXES) reached" | cut -d' ' -f1)
peak=$(xlog_since "$mark1" | sed -n 's/.* \([0-9]*\) route(s) learned through BGP installed.*/\1/p' | sort -n | tail -n 1)
[ -n "$first" ] || lab_fail "vnetgwd's log has no installation of the flood"
say "$((MAX_PREFIXES + 1)) prefixes: after exabgp was told, vnetgwd installed the first at $(($(log_ms "$first") - t1)) ms, reached its limit at $(($(log_ms "$limit") - t1)) ms (Cease sent), had none left in the VNet's table at ${gone} ms; at most $peak installed"
expect "never more than $MAX_PREFIXES of its routes installed" test "$peak" -le $MAX_PREFIXES
expect_soon "status lastError: Cease/Maximum Number of Prefixes Reached" \
	last_error_has xsite '^sent Cease/Maximum Number of Prefixes Reached'
say "lastError: $(bgp_peer xsite lastError)"
expect_soon "exabgp's log: NOTIFICATION (6,1) received" exa_log_has x1 'notification received \(6,1\)'
say "exabgp: $(grep -m 1 -o 'notification received (6,1).*' "$(exa_dir x1)/exabgp.log" | cut -c1-160)"
# RFC 4486 4: the data is AFI, SAFI and the limit (exabgp's log line cannot print it as text).
expect "its data: AFI 1, SAFI 1, limit $MAX_PREFIXES (exabgp's packet log)" \
	exa_log_has x1 'received complete TCP payload \( *9\) 0601 0001 0100 000F A0$'
expect "routesReceived 0 for xsite" test "$(bgp_peer xsite routesReceived)" = 0
expect "BIRD's session untouched (vnetgwd)" established site1
expect "BIRD's session untouched (BIRD: $bird_since)" bird_untouched
expect "BIRD's route stays" vnet_route 172.16.10.0/24
kill -INT $ping_pid
wait $ping_pid
stats=$(grep -E 'packets transmitted' "$LAB_DIR/ping.out")
say "ping to 172.16.10.10 all through phase 1: $stats"
sent=$(sed -E 's/^([0-9]+) packets transmitted.*/\1/' <<<"$stats")
got=$(sed -E 's/.* ([0-9]+) received.*/\1/' <<<"$stats")
# (the one sent just before the interrupt may still be on its way)
expect "BIRD's route carried the traffic all along ($got of $sent)" test $((sent - got)) -le 1 -a "$sent" -ge 10
exa_stop x1 || lab_fail "exabgp x1 did not stop"

# ---- 2: the peer again, without waiting 300 s ------------------------------------------------
t2=$(now_ms)
api_cli_ok vpn-connection delete -g "$S2S_RG" -n xsite
wait_for 10 "xsite's peer removed" sh -c "! jq -e --arg v '$(vnet_id)' '.vnets[\$v].bgp.peers[] | select(.neighbor == \"192.168.3.1\")' '$(api_status_file)'"
xsite_connection
wait_for 20 "xsite Connected again" conn_up xsite || lab_fail "xsite: $(api_status_conn "$(s2s_conn_id xsite)" .reason)"
wait_for 5 "xsite's peer back in the status file" sh -c "[ -n \"\$(jq -r --arg v '$(vnet_id)' '.vnets[\$v].bgp.peers[] | select(.neighbor == \"192.168.3.1\") | .state' '$(api_status_file)')\" ]"
say "connection deleted and created again: Connected, peer re-added, $(($(now_ms) - t2)) ms"
expect "its lastError is clear" test -z "$(bgp_peer xsite lastError)"

# ---- 3: malformed UPDATEs --------------------------------------------------------------------
exa_conf x2 192.168.3.1 65030 $GW_BGP 65515 $HOLD
exa_start xsite x2 || lab_fail "exabgp did not start"
wait_for 30 "xsite's BGP session Established again" established xsite ||
	lab_fail "no session with exabgp after the connection was created again"
say "exabgp's session Established $(($(now_ms) - t2)) ms after the connection was deleted"
exa_cmd x2 "announce route 172.16.30.0/24 next-hop self"
expect_soon "a well-formed route (172.16.30.0/24) is installed" vnet_route 172.16.30.0/24

# treat_as_withdraw N WHAT ATTRIBUTE WHY: 172.16.3N.0/24 announced well-formed (installed),
# then with ATTRIBUTE together with a new 172.16.4N.0/24: vnetgwd's log says "treated as
# withdraw" for WHY, the first prefix is withdrawn, the second never installed, the session
# stays.
treat_as_withdraw() {
	local n=$1 what=$2 attr=$3 why=$4 p q mark t
	p=172.16.3$n.0/24 q=172.16.4$n.0/24
	exa_cmd x2 "announce route $p next-hop self"
	expect_soon "$p installed" vnet_route "$p"
	mark=$(log_lines)
	t=$(now_ms)
	exa_cmd x2 "announce attributes $attr next-hop self nlri $p $q"
	wait_for 5 "$p withdrawn ($what)" no_vnet_route "$p" ||
		lab_fail "$what: $p still installed: $(xlog_since "$mark" | tail -n 3)"
	expect_soon "$what: treat-as-withdraw ($why)" xlog_has "$mark" "UPDATE treated as withdraw \(RFC 7606\): $why"
	say "vnetgwd: $(xlog_since "$mark" | grep -m 1 -o 'UPDATE treated as withdraw.*') ($(($(now_ms) - t)) ms)"
	expect "$what: $q (same UPDATE) not installed" no_vnet_route "$q"
	expect "$what: the session stays" established xsite
}
treat_as_withdraw 1 "ORIGIN value 5" "attribute [ 0x01 0x40 0x05 ]" "ORIGIN value 5"
treat_as_withdraw 2 "AS_PATH with flags optional transitive" \
	"attribute [ 0x02 0xc0 0x02010000fe06 ]" "AS_PATH flags"
treat_as_withdraw 3 "NEXT_HOP of 5 octets" "attribute [ 0x03 0x40 0xc0a80301ff ]" \
	"NEXT_HOP flags or length"
treat_as_withdraw 4 "MULTI_EXIT_DISC of 2 octets" "attribute [ 0x04 0x80 0x0001 ]" \
	"MULTI_EXIT_DISC flags or length"
treat_as_withdraw 5 "COMMUNITIES of 3 octets" "attribute [ 0x08 0xc0 0xfde800 ]" \
	"COMMUNITIES flags or length"
expect "the well-formed 172.16.30.0/24 stayed through all of them" vnet_route 172.16.30.0/24
expect "and exabgp never received a NOTIFICATION" sh -c "! grep -q 'notification received' '$(exa_dir x2)/exabgp.log'"

# Attribute-discard (RFC 7606 7.6): the attribute goes, the route is installed.
mark=$(log_lines)
exa_cmd x2 "announce attributes attribute [ 0x06 0x40 0x00 ] next-hop self nlri 172.16.36.0/24"
expect_soon "ATOMIC_AGGREGATE of 1 octet: attribute discarded, 172.16.36.0/24 installed" vnet_route 172.16.36.0/24
expect_soon "vnetgwd's log says attribute-discard" xlog_has "$mark" \
	'attributes discarded \(RFC 7606\): ATOMIC_AGGREGATE length 1'
expect "the session stays" established xsite
expect "BIRD's session untouched so far" bird_untouched

# An unrecognized well-known attribute (RFC 4271 6.3; RFC 7606 keeps it): NOTIFICATION 3/2.
mark=$(log_lines)
t3=$(now_ms)
exa_cmd x2 "announce attributes attribute [ 0x63 0x40 0x0102 ] next-hop self nlri 172.16.37.0/24"
wait_for 5 "xsite's session ended" not_established xsite || lab_fail "an unrecognized well-known attribute did not end the session"
expect_soon "lastError: UPDATE Message Error/Unrecognized Well-known Attribute" \
	last_error_has xsite '^sent UPDATE Message Error/Unrecognized Well-known Attribute'
say "lastError: $(bgp_peer xsite lastError) ($(($(now_ms) - t3)) ms)"
expect_soon "exabgp's log: NOTIFICATION (3,2) received" exa_log_has x2 'notification received \(3,2\)'
say "exabgp: $(grep -m 1 -o 'notification received (3,2).*' "$(exa_dir x2)/exabgp.log" | cut -c1-160)"
expect_soon "the peer's routes withdrawn with the session" no_vnet_route 172.16.30.0/24
expect "172.16.36.0/24 too" no_vnet_route 172.16.36.0/24
expect "172.16.37.0/24 never installed" no_vnet_route 172.16.37.0/24

# exabgp takes the bad route back; the session comes back by itself (vnetgwd's IdleHold, then
# exabgp's retry) with exabgp's good routes.
t4=$(now_ms)
exa_cmd x2 "withdraw route 172.16.37.0/24"
wait_for 40 "xsite's session Established again" established xsite || lab_fail "exabgp's session did not come back"
expect_soon "172.16.30.0/24 back" vnet_route 172.16.30.0/24
say "session back $(($(now_ms) - t4)) ms after the NOTIFICATION's route was withdrawn in exabgp"

expect "vnetgwd is alive" vnetgwd_alive
expect "it answers its API" api_cli_raw vnet-gateway list-bgp-peer-status -g "$S2S_RG" -n vnet1-gw -o none
expect "BIRD's session was never touched (vnetgwd)" established site1
expect "nor on BIRD's side ($bird_since)" bird_untouched
expect "BIRD's route still carries traffic" pings wl 172.16.10.10
lab_pass "exabgp: $((MAX_PREFIXES + 1)) prefixes ended in Cease/max-prefix, 5 treat-as-withdraw cases, 1 attribute-discard, an unrecognized well-known attribute answered with NOTIFICATION 3/2; vnetgwd alive, the BIRD site untouched"
