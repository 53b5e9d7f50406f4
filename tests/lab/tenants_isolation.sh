#!/usr/bin/env bash
# Issue 6 items 2 and 3: three tenants on one public IP, each a VNet on 10.1.0.0/16 (the same
# space) with a workload at 10.1.0.10 and two strongSwan sites with prefixes of their own.
#
#   wl-t1 ─ [t1 10.1.0.0/16] ═╗                     ┌─ s-t1a 198.51.100.11 ─ h-t1a 172.16.11.10
#   wl-t2 ─ [t2 10.1.0.0/16] ═╬═ gw 192.0.2.1 ─ wan ┼─ s-t1b .12 ─ h-t1b 172.16.12.10
#   wl-t3 ─ [t3 10.1.0.0/16] ═╝   (vnetgwd)         ├─ s-t2a .21, s-t2b .22 (172.16.21/22.0/24)
#                                                   ├─ s-t3a .31, s-t3b .32 (172.16.31/32.0/24)
#                                                   └─ s-rogue .99: no connection anywhere
# Every resource is created with the vnetgw CLI against vnetgwd --data-dir, each tenant a
# subscription of its own, and each site runs the device script vnetgw prints for its connection.
# Checks: every workload reaches exactly its own two sites (and they it); traffic to each site
# goes through its own tunnel (per-connection counters); a packet sent toward another tenant's
# site prefix and a packet from a site spoofing another tenant's site address are captured
# nowhere (dumpcap on the other tenants' site hosts and on every VNet, each capture also shown
# to see the control traffic) and are counted as dropped; an IKE_SA_INIT from an address that
# matches no connection is dropped unanswered and counted (ike.unknownPeer).
cd "$(dirname "$0")/../.."
. tests/lab/lib/netns.sh
. tests/lab/lib/swan.sh
. tests/lab/lib/api.sh
. tests/lab/lib/sites.sh
. tests/lab/lib/capture.sh

TENANTS=(t1 t2 t3)
declare -A SITES_OF=([t1]="t1a t1b" [t2]="t2a t2b" [t3]="t3a t3b")
ALL_SITES=(t1a t1b t2a t2b t3a t3b)
# Crafted packets carry a payload pattern of their own; control pings another.
MARK_CTL=c0ffee00 MARK_FOREIGN=c0ffee01 MARK_SPOOF=c0ffee02

quiet() { "$@" >/dev/null 2>&1; }

lab_init
sites_wan
for t in "${TENANTS[@]}"; do
	sites_vnet "$t" "tenant-$t" 10.1.0.0/16 10.1.255.0/27 Standard
	n=${t#t}
	sites_add "${t}a" "198.51.100.${n}1" "172.16.${n}1.0/24"
	sites_add "${t}b" "198.51.100.${n}2" "172.16.${n}2.0/24"
	sites_conn "${t}a" "$t" "${t}a" "psk-${t}a-isolation"
	sites_conn "${t}b" "$t" "${t}b" "psk-${t}b-isolation"
done
sites_add rogue 198.51.100.99 172.16.99.0/24
sites_gateway_up || lab_fail "vnetgwd did not start"
for t in "${TENANTS[@]}"; do sites_attach_workload "$t"; done
for s in "${ALL_SITES[@]}"; do sites_swan_up "$s" "$s" || lab_fail "site $s could not establish"; done
all_connected() { for s in "${ALL_SITES[@]}"; do sites_connected "$s" || return 1; done; }
wait_for 10 "every connection Connected" all_connected ||
	lab_fail "status: $(jq -c '[.connections[] | {name, connectionStatus}]' "$LAB_DIR/status.json")"
say "ok: six connections Connected on one public IP: $(jq -c '[.connections[] | .name]' "$LAB_DIR/status.json")"
for t in "${TENANTS[@]}"; do say "$t's VNet namespace: $(ns_name "$(sites_vnet_role "$t")")"; done

# ---- reachability: exactly the tenant's own sites ----------------------------------------------
for t in "${TENANTS[@]}"; do
	for s in "${ALL_SITES[@]}"; do
		h=$(sites_host_ip "$s")
		if [[ " ${SITES_OF[$t]} " == *" $s "* ]]; then
			expect "$t's workload reaches its site $s ($h)" quiet in_ns "wl-$t" ping -c 2 -i 0.2 -W 2 "$h"
			expect "site $s's host reaches $t's workload" quiet in_ns "h-$s" ping -c 2 -i 0.2 -W 2 "$SITES_WL_IP"
		else
			! in_ns "wl-$t" ping -c 1 -W 1 -q "$h" >/dev/null 2>&1 ||
				lab_fail "$t's workload reaches another tenant's site $s ($h)"
			say "ok: $t's workload does not reach $s ($h)"
		fi
	done
done

# ---- multi-site: each site's traffic in its own tunnel -----------------------------------------
# pkts CONN: packets encrypted toward the site so far (vnetgwd's counter, rewritten every second)
pkts() { sites_counter "$1" egressPackets; }
for t in "${TENANTS[@]}"; do
	read -r a b <<<"${SITES_OF[$t]}"
	for pair in "$a $b" "$b $a"; do
		read -r to other <<<"$pair"
		to0=$(pkts "$to") other0=$(pkts "$other")
		in_ns "wl-$t" ping -c 10 -i 0.05 -W 2 -q "$(sites_host_ip "$to")" >/dev/null || lab_fail "ping $t -> $to"
		moved() { [ $(($(pkts "$to") - to0)) -ge 10 ]; }
		wait_for 5 "the counter of $to moves" moved || lab_fail "$to's counter: $to0 -> $(pkts "$to")"
		to1=$(pkts "$to") other1=$(pkts "$other")
		expect "10 pings to $to went through connection $to (+$((to1 - to0)) packets), none through $other (+$((other1 - other0)))" \
			test $((to1 - to0)) -ge 10 -a $((to1 - to0)) -le 12 -a "$other1" = "$other0"
	done
done

# ---- crafted packets: captured nowhere, counted as dropped -------------------------------------
# The spoofing site: its device script's selectors (its own prefix only) would keep charon from
# sending a foreign source at all; a hostile or misconfigured device does not follow it. Site
# t1a's charon is reloaded with any-to-any selectors, so the gateway's own check is what stops it.
swan_ctl s-t1a --terminate --ike t1a >/dev/null 2>&1
swan_config s-t1a 198.51.100.11 "$SITES_GW_IP" psk-t1a-isolation aes256-sha384-ecp384 aes256gcm16-ecp384
swan_ctl s-t1a --load-all --noprompt >/dev/null || lab_fail "reloading t1a's charon"
sites_swan_initiate t1a || lab_fail "t1a could not establish with any-to-any selectors"
wait_for 10 "t1a Connected again" sites_connected t1a || lab_fail "t1a: $(sites_status t1a connectionStatus)"
wait_for 10 "ipsec0 at t1a" in_ns s-t1a ip link show ipsec0 || lab_fail "no ipsec0 at t1a"
swan_route s-t1a 10.1.0.0/16
expect "t1a carries traffic with any-to-any selectors" quiet in_ns h-t1a ping -c 2 -i 0.2 -W 2 "$SITES_WL_IP"
CAPS=(h-t2a h-t2b h-t3a h-t3b t1 t2 t3 wl-t1)
declare -A CAP_ROLE=([t1]=$(sites_vnet_role t1) [t2]=$(sites_vnet_role t2) [t3]=$(sites_vnet_role t3))
for r in "${CAPS[@]}"; do cap_start "$r" "$(ns_name "${CAP_ROLE[$r]:-$r}")" any icmp; done
vstat() { sites_vnet_counter "$1" "drops[\"$2\"]"; }
api_status_sync
nr0=$(vstat t1 no-route)
src0=$(sites_counter t1a 'drops["source-not-allowed"]')

# 1. Tenant 1's workload toward tenant 2's and 3's site prefixes. Its VNet's own routes would
# drop it before vnetgwd sees it; a wider route hands it to vnetgwd's data plane, whose table
# for t1 holds only t1's sites (SPEC §4: no match never leaves the VNet).
run in_ns "${CAP_ROLE[t1]}" ip route add 172.16.0.0/12 dev vnetgw0
for s in t2a t2b t3a t3b; do
	! in_ns wl-t1 ping -c 3 -i 0.1 -W 1 -q -p $MARK_FOREIGN "$(sites_host_ip "$s")" >/dev/null 2>&1 ||
		lab_fail "t1 reached $s"
done
run in_ns "${CAP_ROLE[t1]}" ip route del 172.16.0.0/12 dev vnetgw0
# 2. Tenant 1's site t1a sends with tenant 2's site address (172.16.21.10) as its source,
# through its own tunnel: decrypted, but the source is not one of t1a's prefixes (SPEC §4).
run in_ns s-t1a ip addr add 172.16.21.10/32 dev lo
! in_ns s-t1a ping -c 3 -i 0.1 -W 1 -q -I 172.16.21.10 -p $MARK_SPOOF "$SITES_WL_IP" >/dev/null 2>&1 ||
	lab_fail "the spoofed packets got an answer"
# Control traffic every capture must show: each tenant with its own sites, both ways.
for t in "${TENANTS[@]}"; do
	for s in ${SITES_OF[$t]}; do
		in_ns "wl-$t" ping -c 2 -i 0.1 -W 2 -q -p $MARK_CTL "$(sites_host_ip "$s")" >/dev/null ||
			lab_fail "control ping $t -> $s"
	done
done
# Every capture holds all of its control frames before it is stopped: they were sent after the
# crafted packets, and a capture keeps the order of what it sees, so with them in the file
# anything crafted that reached that point is in it too. Two pings to each of a tenant's two
# sites, request and reply: 4 frames at a site's host, 8 at the workload's eth0, 16 in a VNet
# namespace (each on wl0 and vnetgw0).
ctl_filter="icmp && frame contains ${MARK_CTL:0:2}:${MARK_CTL:2:2}:${MARK_CTL:4:2}:${MARK_CTL:6:2}"
for r in "${CAPS[@]}"; do
	case $r in h-*) want=4 ;; wl-*) want=8 ;; *) want=16 ;; esac
	cap_wait "$r" "its control frames" "$want" "$ctl_filter"
done
for r in "${CAPS[@]}"; do cap_stop "$r"; done
# frames CAPTURE MARK: ICMP frames carrying the pattern
frames() { cap_count "$1" "icmp && frame contains ${2:0:2}:${2:2:2}:${2:4:2}:${2:6:2}"; }
for r in "${CAPS[@]}"; do
	ctl=$(frames "$r" $MARK_CTL) foreign=$(frames "$r" $MARK_FOREIGN) spoof=$(frames "$r" $MARK_SPOOF)
	case $r in
	t1) # where the packets toward other tenants come from: they are there (wl0, vnetgw0)
		expect "capture in $r: $ctl control frames, $foreign toward other tenants' sites (sent here), $spoof spoofed" \
			test "$ctl" -ge 2 -a "$foreign" -ge 12 -a "$spoof" = 0 ;;
	wl-t1)
		expect "capture in $r: $ctl control frames, $foreign toward other tenants' sites (sent here), $spoof spoofed" \
			test "$ctl" -ge 2 -a "$foreign" -ge 12 -a "$spoof" = 0 ;;
	*)
		expect "capture in $r: $ctl control frames, $foreign toward other tenants' sites, $spoof spoofed" \
			test "$ctl" -ge 2 -a "$foreign" = 0 -a "$spoof" = 0 ;;
	esac
done
counted() { [ $(($(vstat t1 no-route) - nr0)) -ge 12 ] && [ $(($(sites_counter t1a 'drops["source-not-allowed"]') - src0)) -ge 3 ]; }
wait_for 5 "the drops counted" counted
expect "12 packets toward other tenants' sites counted as no-route in t1 ($nr0 -> $(vstat t1 no-route))" \
	test $(($(vstat t1 no-route) - nr0)) -ge 12
expect "3 spoofed packets counted as source-not-allowed on t1a ($src0 -> $(sites_counter t1a 'drops["source-not-allowed"]'))" \
	test $(($(sites_counter t1a 'drops["source-not-allowed"]') - src0)) -ge 3

# ---- an IKE_SA_INIT from an address with no connection ----------------------------------------
api_status_sync
up0=$(jq -r '.ike.unknownPeer' "$LAB_DIR/status.json")
sites_swan rogue psk-rogue-isolation || lab_fail "charon did not start in s-rogue"
! swan_ctl s-rogue --initiate --child net --timeout 3 >"$LAB_DIR/initiate-rogue.out" 2>&1 ||
	lab_fail "the rogue site established a tunnel"
rogue_counted() { [ "$(jq -r '.ike.unknownPeer' "$LAB_DIR/status.json")" -gt "$up0" ]; }
expect_soon "IKE_SA_INIT from 198.51.100.99 counted as unknownPeer ($up0 -> $(jq -r '.ike.unknownPeer' "$LAB_DIR/status.json"))" rogue_counted
expect "the rogue site sent IKE_SA_INIT" grep -q "sending packet: from 198.51.100.99\[500\] to $SITES_GW_IP\[500\]" "$(swan_dir s-rogue)/charon.log"
expect "and got no answer" sh -c "! grep -q 'received packet: from $SITES_GW_IP' '$(swan_dir s-rogue)/charon.log'"
expect "the six tenants' connections are still Connected" all_connected
say "figures: $(jq -c '{ike, vnets: [.vnets[] | {netns, drops}], conns: [.connections[] | {name, egressPackets, ingressPackets, drops}]}' "$LAB_DIR/status.json")"
lab_pass "three tenants with overlapping VNets and two sites each: no packet crosses, each site in its own tunnel"
