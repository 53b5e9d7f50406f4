#!/usr/bin/env bash
# Issue 6 item 7: `make demo` runs to the end, and so does the README's "From the demo to your
# second site". This runs scripts/demo (what `make demo` runs) under this lab's own namespace
# names and directory, then every command of the README's second-site block (with those names
# substituted), then `scripts/demo down`, and checks:
#   - the demo ends with a Connected connection, pings both ways, and shows bytes in and out;
#   - after the README's steps, both connections are Connected, the workload reaches each site's
#     host, each through its own tunnel (each connection's egress bytes grow with its ping);
#   - demo-down ends every process the demo started and deletes every namespace, including the
#     VNet namespace vnetgwd made.
cd "$(dirname "$0")/../.." || exit 2
. tests/lab/lib/netns.sh

lab_init
export DEMO_ID="$LAB_ID-d" DEMO_DIR="$LAB_DIR/demo"
prefix="vgt-$DEMO_ID-"
down() { scripts/demo down >"$LAB_DIR/down.log" 2>&1; }
# On any failure: the demo's own teardown, then netns.sh's cleanup.
trap 'down; lab_cleanup' EXIT

leftover_ns() { ip netns list | awk '{print $1}' | grep -c "^$prefix" || true; }

say "+ scripts/demo up (DEMO_ID=$DEMO_ID DEMO_DIR=$DEMO_DIR)"
scripts/demo up >"$LAB_DIR/demo.log" 2>&1 || { tail -n 60 "$LAB_DIR/demo.log" >&2; lab_fail "scripts/demo up failed"; }
tail -n 14 "$LAB_DIR/demo.log" >&2
expect "the demo pinged both ways with no loss" test "$(grep -c ' 0% packet loss' "$LAB_DIR/demo.log")" = 2
expect "the demo's connection table shows site1-conn Connected" \
	grep -Eq '^site1-conn +demo-rg .* Connected ' "$LAB_DIR/demo.log"
cli() { "$DEMO_DIR/bin/vnetgw" "$@"; }
prop() { cli vpn-connection show -g demo-rg -n "$1" -o json | jq -r ".properties.$2"; }
expect "site1-conn has ingress bytes" test "$(prop site1-conn ingressBytesTransferred)" -gt 0
expect "site1-conn has egress bytes" test "$(prop site1-conn egressBytesTransferred)" -gt 0

# The README's second-site block, line by line, under this lab's names.
sed -n '/<!-- second-site:begin -->/,/<!-- second-site:end -->/p' README.md |
	grep -v '^```\|^<!--\|^#\|^[[:space:]]*$' |
	sed -e "s#/tmp/vnetgw-demo#$DEMO_DIR#g" -e "s#vgt-demo-#$prefix#g" >"$LAB_DIR/steps.sh"
expect "the README has a second-site block" test "$(wc -l <"$LAB_DIR/steps.sh")" -ge 8
before1=$(prop site1-conn egressBytesTransferred)
# One shell for the whole block (its export carries on), stopping at the first failing step.
awk 'function q(s) { gsub(/\x27/, "\x27\\\x27\x27", s); return "\x27" s "\x27" }
	{ printf "echo %s\n%s || { echo \"### step %d FAILED\"; exit 1; }\n", q("### step " NR ": " $0), $0, NR }' \
	"$LAB_DIR/steps.sh" >"$LAB_DIR/steps-run.sh"
say "+ the README's second-site block ($(wc -l <"$LAB_DIR/steps.sh") commands)"
bash "$LAB_DIR/steps-run.sh" >"$LAB_DIR/steps.out" 2>&1 || {
	cat "$LAB_DIR/steps.out" >&2
	lab_fail "a README second-site step failed (above)"
}
grep '^### step' "$LAB_DIR/steps.out" >&2
tail -n 4 "$LAB_DIR/steps.out" >&2
expect_soon "site2-conn is Connected" test "$(prop site2-conn connectionStatus)" = Connected
expect "site1-conn is still Connected" test "$(prop site1-conn connectionStatus)" = Connected
expect "the README's pings reached both sites' hosts with no loss" \
	test "$(grep -c ' 0% packet loss' "$LAB_DIR/steps.out")" = 2
e2=$(prop site2-conn egressBytesTransferred)
e1=$(prop site1-conn egressBytesTransferred)
say "egress bytes: site1-conn $before1 -> $e1, site2-conn $e2"
expect "site 2's pings went through site2-conn (>= 3 x 84 bytes out)" test "$e2" -ge 252
expect "site 1's pings went through site1-conn (>= 3 x 84 more bytes out)" test "$((e1 - before1))" -ge 252
expect "each site's traffic used only its own tunnel" test "$((e1 - before1))" -lt 1000 -a "$e2" -lt 1000

pids=$(awk '$1 == "pid" {print $2}' "$DEMO_DIR/state")
say "+ scripts/demo down"
down || { cat "$LAB_DIR/down.log" >&2; lab_fail "scripts/demo down failed"; }
for p in $pids; do expect "demo process $p ended" bash -c "! kill -0 $p 2>/dev/null"; done
expect "no namespace named $prefix* is left" test "$(leftover_ns)" = 0
expect "the demo directory is gone" test ! -e "$DEMO_DIR"
lab_pass "make demo and the README's second site run to the end; demo-down leaves nothing"
