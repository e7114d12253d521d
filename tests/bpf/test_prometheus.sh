#!/usr/bin/env bash
# A real Prometheus server (Debian's) scrapes `exitprof --all --metrics` on this host, and a
# PromQL query through its HTTP API returns exitprof's series: the endpoint, the exposition and
# the scrape work end to end. (This host's kvm_exit never fires, so the exit series are empty
# here; per-reason counts against exitprof's own summary are checked in the lab.)
# Usage: test_prometheus.sh EXITPROF. Exits 77 if not root, or prometheus/python3 is missing,
# or exitprof was built without its HTTP server.
set -u
exe=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in prometheus python3; do command -v $c >/dev/null || { echo "SKIP: $c missing"; exit 77; }; done
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
get() { python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1" 2>/dev/null; }

mport=$(free_port)
"$exe" --all --metrics "$mport" --duration 120 >"$tmp/exitprof.out" 2>"$tmp/exitprof.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q 'profiling every VM' "$tmp/exitprof.err" && break; sleep 0.1; done
if grep -q 'built without its HTTP server' "$tmp/exitprof.err"; then
	echo "SKIP: $(cat "$tmp/exitprof.err")"
	exit 77
fi
grep -q "metrics at http://127.0.0.1:$mport/metrics" "$tmp/exitprof.err" || fail "no metrics line: $(cat "$tmp/exitprof.err")"

pport=$(free_port)
cat >"$tmp/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: exitprof
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOC
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)

# PromQL through the HTTP API: the scrape target is up, and exitprof's drop counters (always
# present, one per map) arrived as 4 series of value 0.
q() { get "http://127.0.0.1:$pport/api/v1/query?query=$1"; }
ok=0
for _ in $(seq 1 60); do
	up=$(q 'up%7Bjob%3D%22exitprof%22%7D' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	n=$(q 'count(exitprof_dropped_exits_total)' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	if [ "$up" = 1 ] && [ "$n" = 4 ]; then ok=1; break; fi
	sleep 0.5
done
[ $ok = 1 ] || fail "PromQL: up=${up:-none}, count(exitprof_dropped_exits_total)=${n:-none}; prometheus log: $(tail -n 5 "$tmp/prometheus.log")"
[ $ok = 1 ] && echo "ok: Prometheus scraped exitprof: up=1, 4 drop-counter series"
kill -INT "${pids[0]}"
wait "${pids[0]}"
rc=$?
[ "$rc" = 0 ] || fail "exitprof --metrics -> status $rc"
grep -q 'metrics served [1-9][0-9]* scrapes' "$tmp/exitprof.err" || fail "no scrapes counted: $(cat "$tmp/exitprof.err")"
echo "$(grep 'scrapes' "$tmp/exitprof.err")"
echo "$fails failure(s)"
[ "$fails" = 0 ]
