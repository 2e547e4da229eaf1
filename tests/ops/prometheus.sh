#!/bin/sh
# tests/ops/prometheus.sh LUNATIC WORKER.wasm: the metrics endpoint
# against the real thing. A guest works (spawns, messages, guest metrics)
# under `lunatic run --metrics`; Debian's Prometheus scrapes it every
# second; through Prometheus's HTTP API (/api/v1/query) the series must
# arrive and move (spawned_total grows, the guest's counter and histogram
# are there with their labels), and `promtool check metrics` must accept
# the endpoint's output. Skipped in one line without prometheus.
set -u
L=$1 W=$2
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    echo "ops-prometheus: SKIP (no prometheus/promtool: apt-get install prometheus)"
    exit 0
fi
T=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "ops-prometheus: FAIL: $*"
    for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 20 "$f"; }; done
    exit 1
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
MP=$(free_port) PP=$(free_port)

"$L" run --metrics "127.0.0.1:$MP" "$W" work 60 >"$T/lunatic.log" 2>&1 &
lpid=$!
pids="$pids $lpid"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: lunatic
    static_configs:
      - targets: ['127.0.0.1:$MP']
YML
promtool check config "$T/prometheus.yml" >/dev/null 2>&1 || fail "promtool check config"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
    --web.listen-address="127.0.0.1:$PP" >"$T/prometheus.log" 2>&1 &
pids="$pids $!"

# the endpoint's own output passes promtool's checks (and lint)
i=0
until curl -sf "http://127.0.0.1:$MP/metrics" >"$T/metrics.txt"; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "no /metrics"; sleep 0.1
done
promtool check metrics <"$T/metrics.txt" >"$T/promtool.log" 2>&1 ||
    fail "promtool check metrics: $(cat "$T/promtool.log")"

# query EXPR: the first result's value, or empty
query() {
    curl -sfG "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json,sys
r=json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# wait_for EXPR: until it has a value (20 s at most); prints it
wait_for() {
    i=0
    while :; do
        v=$(query "$1")
        [ -n "$v" ] && { echo "$v"; return 0; }
        i=$((i + 1)); [ $i -lt 80 ] || return 1
        sleep 0.25
    done
}
up=$(wait_for 'up{job="lunatic"} == 1') || fail "the target never came up"
first=$(wait_for 'lunatic_processes_spawned_total') || fail "no spawned_total"
i=0
while :; do # it moves: a later scrape has spawned more
    sleep 0.5
    now=$(query 'lunatic_processes_spawned_total')
    python3 -c "import sys; sys.exit(0 if float('$now') > float('$first') else 1)" && break
    i=$((i + 1)); [ $i -lt 20 ] || fail "spawned_total stays at $first"
done
for q in 'ops_jobs_total{kind="square",stage="done"}' \
         'ops_round_seconds_bucket{le="+Inf"}' 'ops_last_round' \
         'sum(lunatic_worker_reductions_total)' 'lunatic_processes' \
         'lunatic_messages_sent_total' 'process_resident_memory_bytes' \
         'lunatic_processes_exited_total{reason="normal"}' \
         'rate(lunatic_processes_spawned_total[5s]) > 0'; do
    wait_for "$q" >/dev/null || fail "no series for $q"
done
# SIGTERM ends the run cleanly (status 0; under ASan, no leak reports)
kill -TERM "$lpid"
wait "$lpid"; st=$?
[ "$st" = 0 ] || fail "lunatic ended with status $st after SIGTERM"
grep -q "Sanitizer" "$T/lunatic.log" && fail "sanitizer report"
echo "ops-prometheus: PASS (scraped by Prometheus: spawned_total $first -> $now, guest series with labels, promtool check metrics)"
