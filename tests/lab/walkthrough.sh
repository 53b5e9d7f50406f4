#!/usr/bin/env bash
# Issue 5's walk-through, run as README.md shows it: every command of the README's walk-through
# block runs in one shell against a fresh vnetgwd (temporary data directory, loopback only).
# A command must succeed, unless the line after it says "# -> ERROR: (Code)": then it must fail
# and print that code.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
bin="$root/${VNETGW_BUILD:-build}"
doc=${WALKTHROUGH_DOC:-README.md}
dir=$(mktemp -d /tmp/vgt-walk.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
"$bin/vnetgwd" --data-dir "$dir/data" --api-listen "127.0.0.1:$port" >"$dir/vnetgwd.log" 2>&1 &
pid=$!
# Ready once the admin socket exists (the API's TCP listener is bound before it), within 30 s.
deadline=$(($(date +%s) + 30))
while [ ! -S "$dir/data/admin.sock" ] && [ "$(date +%s)" -le "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.05
done
[ -S "$dir/data/admin.sock" ] || { cat "$dir/vnetgwd.log"; echo "walkthrough: vnetgwd did not start within 30 s"; exit 1; }

export PATH="$bin:$PATH" VNETGW_SERVER="http://127.0.0.1:$port" VNETGW_ADMIN_SOCKET="$dir/data/admin.sock"
cd "$dir"
block=$(sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' "$root/$doc" | sed '1,2d;$d' | sed '$d')
[ -n "$block" ] || { echo "walkthrough: no walk-through block in $doc"; exit 1; }

ok=0 refused=0 failed=0 cmd=""
flush() {
	local want=${1:-} out rc
	[ -n "$cmd" ] || return 0
	# In this shell, not a subshell: an export must reach the commands after it.
	eval "$cmd" >"$dir/out" 2>&1 </dev/null
	rc=$?
	out=$(cat "$dir/out")
	if [ -z "$want" ]; then
		if [ "$rc" = 0 ]; then ok=$((ok + 1)); else
			failed=$((failed + 1)); printf 'FAILED (exit %s): %s\n%s\n' "$rc" "$cmd" "$out"
		fi
	elif [ "$rc" != 0 ] && grep -qF "($want)" <<<"$out"; then
		refused=$((refused + 1)); printf '%s\n  %s\n' "$cmd" "$(grep -F "($want)" <<<"$out" | head -1)"
	else
		failed=$((failed + 1)); printf 'NOT REFUSED with %s (exit %s): %s\n%s\n' "$want" "$rc" "$cmd" "$out"
	fi
	cmd=""
}
while IFS= read -r line; do
	case "$line" in
	"# -> ERROR: ("*) flush "$(sed 's/.*(\(.*\)).*/\1/' <<<"$line")" ;;
	"#"* | "") flush ;;
	*) flush; cmd=$line ;;
	esac
done <<<"$block"
flush
grep -q 'S3cret\|Choose-A-Long-Key' "$dir/vnetgwd.log" && { echo "a shared key reached the log"; failed=$((failed + 1)); }
echo "walkthrough: $ok commands succeeded, $refused refused as documented, $failed wrong"
[ "$failed" = 0 ] && [ "$ok" -gt 10 ] && [ "$refused" -gt 10 ]
