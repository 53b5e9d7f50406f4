#!/usr/bin/env bash
# Issue 14: one tenant's device attacks another tenant on the shared gateway. Tenant A has a real
# strongSwan site; tenant B's "site" is a test-only IKE peer (build/bench/ikepeer) that does what
# a hostile device may: pick A's SPI for its own child and delete it, create CHILD_SAs past its
# share, rekey its IKE SA again and again without deleting; and a spoofer on the WAN sends an
# IKE_SA_INIT from A's site address with a proposal nobody accepts (ikeflood --weak).
#
#   wl-ta ─ [ta] ═╗                          ┌─ s-a 198.51.100.11 (charon) ─ h-a 172.16.11.10
#                  ╠═ gw 192.0.2.1 ─ wan ─────┤
#   wl-tb ─ [tb] ═╝   (vnetgwd)   (ikeflood)  └─ s-b 198.51.100.21 (ikepeer: the attacker)
#
# Throughout, A's workload pings A's host 20 times a second. Asserted after each attack and at
# the end: not one of A's pings lost, A's connection still Connected with the time of its last
# change and its SPIs as before, and the attacker refused with the right notify, counted per
# connection in the status file (ikeRefusals) and logged.
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh
. tests/lab/lib/sites.sh

PEER_BIN=${VNETGW_BUILD:-build}/bench/ikepeer
FLOOD_BIN=${VNETGW_BUILD:-build}/tools/ikeflood
[ -x "$PEER_BIN" ] || lab_fail "no $PEER_BIN (make)"
[ -x "$FLOOD_BIN" ] || lab_fail "no $FLOOD_BIN (make)"
PSK_B=psk-cb-attacker-lab

quiet() { "$@" >/dev/null 2>&1; }

lab_init
sites_wan
sites_vnet ta tenant-a 10.1.0.0/16 10.1.255.0/27 Standard
sites_vnet tb tenant-b 10.1.0.0/16 10.1.255.0/27 Standard
sites_add a 198.51.100.11 172.16.11.0/24
sites_add b 198.51.100.21 172.16.21.0/24
sites_conn ca ta a psk-ca-victim-lab
# The attacker initiates; the gateway only answers it.
sites_conn cb tb b "$PSK_B" ResponderOnly
# The per-connection bucket of CREATE_CHILD_SA requests is the exchange tests' (test_attack.c):
# here it is wide, so that each attack meets the limit it is about.
sites_gateway_up --log-level info --ike-limits creates-burst=200,creates-per-min=600 ||
	lab_fail "vnetgwd did not start"
sites_attach_workload ta
sites_swan_up a ca || lab_fail "site a could not establish"
wait_for 20 "ca Connected" sites_connected ca || lab_fail "ca: $(sites_status ca connectionStatus)"
expect "A's workload reaches A's host" quiet in_ns wl-ta ping -c 2 -i 0.2 -W 2 "$(sites_host_ip a)"

# A's state as the victim: status, time of last change, IKE and CHILD SPIs.
victim() { jq -c "$(sites_conn_sel ca) | [.connectionStatus, .lastChange, .ikeSpis, .childSaSpis]" "$LAB_DIR/status.json"; }
api_status_sync
A0=$(victim)
say "tenant A before the attacks: $A0"
victim_untouched() {
	api_status_sync
	expect "$1: A's connection untouched ($(victim))" test "$(victim)" = "$A0"
}

# A's ping stream, for the whole lab (ping itself, started directly: $! is ping).
ip netns exec "$(ns_name wl-ta)" ping -D -i 0.05 -W 2 "$(sites_host_ip a)" >"$LAB_DIR/ping-a.out" 2>&1 &
PING_PID=$!
lab_track "$PING_PID"
wait_for 10 "A's ping stream answered" grep -q 'icmp_seq=' "$LAB_DIR/ping-a.out" || lab_fail "no ping replies"

# attacker N ARGS...: ikepeer as site b's device, until it says DONE (or fails).
ATTACKS=0
attacker() {
	local what=$1 out
	shift
	ATTACKS=$((ATTACKS + 1))
	out=$LAB_DIR/peer$ATTACKS
	say "+ ikepeer $* ($what; output $out.out)"
	ip netns exec "$(ns_name s-b)" "$PEER_BIN" --local 198.51.100.21 --peer "$SITES_GW_IP" \
		--psk "$PSK_B" --initiate --seconds 300 "$@" >"$out.out" 2>"$out.log" &
	PEER_PID=$!
	lab_track "$PEER_PID"
	wait_for 120 "the attacker's $what done" grep -q '^DONE' "$out.out" || {
		tail -n 20 "$out.log" >&2
		lab_fail "the attacker did not finish $what"
	}
	PEER_OUT=$out
}
attacker_stop() {
	kill "$PEER_PID" 2>/dev/null
	wait_for 10 "ikepeer exits" pid_gone "$PEER_PID"
	wait "$PEER_PID" 2>/dev/null
}
refused() { jq -r "$(sites_conn_sel cb) | .ikeRefusals.$1 // 0" "$LAB_DIR/status.json"; }

# ---- 1. B picks A's outbound SPI for its own child, then deletes that child -------------------
A_OUT=$(jq -r "$(sites_conn_sel ca) | .childSaSpis[0] | split(\" \")[1] | rtrimstr(\"_o\")" "$LAB_DIR/status.json")
say "A's outbound SPI (seen on the wire toward site a): $A_OUT"
attacker "SPI theft" --child-spi "$A_OUT" --delete-created
expect "1: the attacker's child used A's SPI" grep -q "^CHILD installed spi_in=$A_OUT" "$PEER_OUT.out"
expect "1: and deleted it" grep -q "^ACTION delete-child spi_in=$A_OUT rc=0" "$PEER_OUT.out"
gw_removed_b_child() { grep -q "conn=$(sites_status cb name) CHILD_SA removed: in 0x[0-9a-f]* out 0x$A_OUT" "$LAB_DIR/vnetgwd.log"; }
expect_soon "1: the gateway removed B's child with that SPI" gw_removed_b_child
expect "1: A's workload still reaches A's host" quiet in_ns wl-ta ping -c 5 -i 0.1 -W 2 "$(sites_host_ip a)"
victim_untouched "1 (SPI theft)"
attacker_stop

# ---- 2. B rekeys its IKE SA again and again and never deletes the old ones --------------------
attacker "8 IKE rekeys without Deletes" --rekey-ike 8 --no-deletes
api_status_sync
b_ike=$(jq -r "$(sites_conn_sel cb) | .ikeSaCount" "$LAB_DIR/status.json")
say "2: the gateway holds $b_ike of B's IKE SAs; refusals $(jq -c "$(sites_conn_sel cb) | .ikeRefusals" "$LAB_DIR/status.json")"
expect "2: at most 4 IKE SAs for B ($b_ike)" test "$b_ike" -le 4
expect "2: rekeys past the limit refused with NO_ADDITIONAL_SAS (ikeRefusals.ikeSas $(refused ikeSas))" \
	test "$(refused ikeSas)" -ge 1
expect "2: the attacker was told so" grep -q "IKE_SA rekey failed: NO_ADDITIONAL_SAS" "$PEER_OUT.log"
# The attacker goes silent (its Deletes dropped too): what it superseded is retired on schedule.
attacker_stop
retired() { [ "$(jq -r "$(sites_conn_sel cb) | .ikeSaCount" "$LAB_DIR/status.json")" -le 1 ]; }
wait_for 30 "B's superseded IKE SAs retired" retired || lab_fail "B still holds $(jq -r "$(sites_conn_sel cb) | .ikeSaCount" "$LAB_DIR/status.json") IKE SAs"
say "ok: 2: the superseded IKE SAs were retired (no Delete ever came)"
victim_untouched "2 (IKE rekeys without Deletes)"

# ---- 3. B creates CHILD_SAs past its share --------------------------------------------------
attacker "20 CHILD_SAs" --children 20
api_status_sync
say "3: the gateway refused cb: $(jq -c "$(sites_conn_sel cb) | .ikeRefusals" "$LAB_DIR/status.json")"
expect "3: CREATE_CHILD_SA past the share refused (ikeRefusals.children $(refused children))" test "$(refused children)" -ge 1
expect "3: the attacker was told NO_ADDITIONAL_SAS" grep -q "refused by peer: NO_ADDITIONAL_SAS" "$PEER_OUT.log"
expect "3: the gateway logged the refusals" grep -q "refused: CREATE_CHILD_SA.*NO_ADDITIONAL_SAS" "$LAB_DIR/vnetgwd.log"
b_children=$(jq -r "$(sites_conn_sel cb) | .childSaInboundSpis | length" "$LAB_DIR/status.json")
expect "3: the gateway holds at most 4 of B's children ($b_children)" test "$b_children" -le 4
# A can still get new CHILD_SAs: its site rekeys.
run swan_ctl s-a --rekey --child net >/dev/null 2>&1 || lab_fail "site a could not rekey"
a_rekeyed() { [ "$(jq -c "$(sites_conn_sel ca) | .childSaSpis" "$LAB_DIR/status.json")" != "$(jq -c '.[3]' <<<"$A0")" ]; }
expect_soon "3: A's site rekeyed its CHILD_SA next to the attack" a_rekeyed
expect "3: A's workload still reaches A's host" quiet in_ns wl-ta ping -c 5 -i 0.1 -W 2 "$(sites_host_ip a)"
api_status_sync
A_NOW=$(victim)
expect "3: A Connected, its status unchanged since before the attacks ($A_NOW)" \
	test "$(jq -c '.[0:3]' <<<"$A_NOW")" = "$(jq -c '.[0:3]' <<<"$A0")"
A0=$A_NOW # A rekeyed on purpose: its new CHILD SPIs are the reference from here on
attacker_stop

# ---- 4. a spoofed IKE_SA_INIT from A's site address, offering only DES ------------------------
unauth0=$(jq -r "$(sites_conn_sel ca) | .ikeRefusals.unauthenticated // 0" "$LAB_DIR/status.json")
run ip netns exec "$(ns_name wan)" "$FLOOD_BIN" --dst "$SITES_GW_IP" --count 1 --weak \
	--src 198.51.100.11/32 >"$LAB_DIR/spoof.out" 2>&1 || { cat "$LAB_DIR/spoof.out" >&2; lab_fail "ikeflood"; }
unauth_counted() { [ "$(jq -r "$(sites_conn_sel ca) | .ikeRefusals.unauthenticated // 0" "$LAB_DIR/status.json")" -gt "$unauth0" ]; }
expect_soon "4: the spoofed IKE_SA_INIT counted as unauthenticated on A's connection" unauth_counted
expect "4: and logged: $(grep -m1 -o 'refused: NO_PROPOSAL_CHOSEN for IKE: peer offered [^;]*' "$LAB_DIR/vnetgwd.log")" \
	grep -q "conn=$(sites_status ca name) peer=198.51.100.11: refused: NO_PROPOSAL_CHOSEN for IKE" "$LAB_DIR/vnetgwd.log"
victim_untouched "4 (spoofed IKE_SA_INIT)"
expect "4: site a still has its IKE SA" swan_established s-a

# ---- A's ping stream: nothing lost ----------------------------------------------------------
kill -INT "$PING_PID"
wait_for 10 "A's ping stream ends" pid_gone "$PING_PID"
wait "$PING_PID" 2>/dev/null
# Every sequence number up to the last answered one must have its answer (the last few may
# still have been in flight when ping was stopped: those are not losses).
last=$(grep -o 'icmp_seq=[0-9]*' "$LAB_DIR/ping-a.out" | cut -d= -f2 | sort -n | tail -n 1)
answered=$(grep -o 'icmp_seq=[0-9]*' "$LAB_DIR/ping-a.out" | cut -d= -f2 | sort -un | wc -l)
say "A's ping stream during the attacks: $answered of $last answered (20/s)"
expect "A lost no ping during the attacks ($answered answers for sequence numbers 1..$last)" \
	test -n "$last" -a "$answered" = "$last"
lab_pass "tenant B's device stole no SPI, got no more than its share of CHILD_SAs and IKE SAs; a spoofed IKE_SA_INIT changed nothing; tenant A lost no ping"
