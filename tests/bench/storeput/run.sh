#!/usr/bin/env bash
# The latency of a PUT through the API (curl's time_total: connect, request, the store's
# transaction and its commit, answer) on the SQLite store and on a real single-member etcd, both
# on loopback, with the same daemon build and the same resources (BENCH_PUTS, 300, new VNets,
# one tenant, its rate limit lifted). Prints p50/p90/p99; never passes or fails on them.
# Every process it starts is its own, stopped by PID; its files are in one mktemp directory.
set -u
cd "$(dirname "$0")/../../.."
BUILD=$(cd "${VNETGW_BUILD:-build}" && pwd)
N=${BENCH_PUTS:-300}
dir=$(mktemp -d /tmp/vnetgw-bench-storeput-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	rm -rf "$dir"
}
trap cleanup EXIT
[ -x "$BUILD/vnetgwd" ] || { echo "storeput: build first (make)"; exit 1; }
command -v etcd >/dev/null || { echo "storeput: no etcd (scripts/install-deps)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Polls url until it answers, at most 20 s.
wait_http() {
	local t0=$SECONDS
	until curl -s -o /dev/null --max-time 1 "$1"; do
		[ $((SECONDS - t0)) -lt 20 ] || { echo "storeput: $1 did not answer"; exit 1; }
		sleep 0.05
	done
}

cp=$(free_port); pp=$(free_port)
etcd --name b --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$cp" \
	--advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
	--initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "b=http://127.0.0.1:$pp" \
	--logger zap --log-level warn >"$dir/etcd.log" 2>&1 &
pids+=($!)
t0=$SECONDS
until curl -s --max-time 1 "http://127.0.0.1:$cp/health" | grep -q true; do
	[ $((SECONDS - t0)) -lt 20 ] || { echo "storeput: etcd not healthy"; exit 1; }
	sleep 0.05
done

run() { # name store-args...
	local name=$1 port d sub tok
	shift
	port=$(free_port)
	d="$dir/$name"
	"$BUILD/vnetgwd" --data-dir "$d" --api-listen "127.0.0.1:$port" --log-level warn "$@" \
		>"$dir/$name.log" 2>&1 &
	pids+=($!)
	wait_http "http://127.0.0.1:$port/"
	curl -s --unix-socket "$d/admin.sock" -X PATCH \
		-d '{"apiRateLimit":{"requestsPerSecond":100000,"burst":100000}}' http://x/admin/settings >/dev/null
	curl -s --unix-socket "$d/admin.sock" -X POST -d '{"displayName":"bench"}' \
		http://x/admin/subscriptions >"$dir/$name.sub"
	sub=$(jq -r .subscriptionId "$dir/$name.sub")
	tok=$(jq -r .token "$dir/$name.sub")
	for i in $(seq 1 "$N"); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X PUT \
			-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			-d "{\"location\":\"local\",\"tags\":{\"i\":\"$i\"},\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}" \
			"http://127.0.0.1:$port/subscriptions/$sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v$i?api-version=2018-11-01"
	done | sort -k2 -g | awk -v name="$name" '$1 != 201 { bad++ } { t[NR] = $2 * 1000 } END {
		n = NR; printf "storeput: %-7s %d PUTs (%d not 201): p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
			name, n, bad, t[int(n * 0.5)], t[int(n * 0.9)], t[int(n * 0.99)], t[n] }'
}

run sqlite
run etcd --store "etcd://127.0.0.1:$cp"
