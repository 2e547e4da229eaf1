#!/bin/sh
# run.sh: examples/http (one process per connection) against Go's
# net/http hello server, both under `wrk -t2 -c64 -d10s` on loopback, in
# one run; prints requests/s and p99 latency of each. A third row is
# examples/http again with --metrics, scraped every second meanwhile: the
# cost of the metrics endpoint (docs/operations.md).
# Usage: bench/net/run.sh LUNATIC HTTP_WASM GO_BINARY
set -u
L=$1
H=$2
G=$3
D=${BENCH_NET_DURATION:-10s}
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done' EXIT
wait_port() {
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.05
    done
}
one() { # NAME PORT
    out=$(wrk -t2 -c64 -d"$D" --latency "http://127.0.0.1:$2/" 2>&1)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errs=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
    printf '%-22s %12s req/s   p99 %8s  %s\n' "$1" "$rps" "$p99" "$errs"
}
"$L" "$H" 18181 >/dev/null 2>&1 &
pids="$pids $!"
"$G" 18182 >/dev/null 2>&1 &
pids="$pids $!"
"$L" run --metrics 127.0.0.1:18184 "$H" 18183 >/dev/null 2>&1 &
pids="$pids $!"
wait_port 18181 && wait_port 18182 && wait_port 18183 ||
    { echo "bench-net: a server did not start"; exit 1; }
echo "bench-net: wrk -t2 -c64 -d$D, $(nproc) cores"
one "lunatic examples/http" 18181
one "go net/http" 18182
# scraped once a second while wrk runs
(while :; do curl -s -o /dev/null http://127.0.0.1:18184/metrics; sleep 1; done) &
scraper=$!
one "  the same, --metrics" 18183
kill $scraper 2>/dev/null
