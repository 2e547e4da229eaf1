#!/bin/sh
# tests/nodes/cluster.sh LUNATIC CLUSTER.wasm: examples/cluster on three
# `lunatic node` processes (B and C join through A, which runs it). C is
# killed with SIGKILL while it holds jobs: A's queue sees its workers
# lost with their node, requeues their jobs and restarts the workers on
# the live nodes, and the total is still right (checked against a sieve).
set -u
L=$1
WASM=$2
SUITE=cluster
. "$(dirname "$0")/lib.sh"

certs a b c
PA=$(free_port); PB=$(free_port); PC=$(free_port)
node b $PB --peer 127.0.0.1:$PA >"$T/b.log" 2>&1 & bpid=$!
node c $PC --peer 127.0.0.1:$PA >"$T/c.log" 2>&1 & cpid=$!
pids="$bpid $cpid"
# 60 jobs of at least 150 ms over 6 workers: about 1.5 s of work.
(node a $PA "$WASM" 60 150 3) >"$T/a.log" 2>&1 & apid=$!
pids="$pids $apid"
wait_for "$T/a.log" '^cluster: 3 node\(s\)' 15 || fail "A did not see 3 nodes"
sleep 0.6
kill -9 $cpid
wait $apid
rc=$?
[ $rc -eq 0 ] || fail "A exited $rc"
lost=$(grep -c 'lost with its node, job [0-9]* requeued, restarted on node' "$T/a.log")
[ "$lost" -eq 2 ] || fail "want C's 2 workers lost with their jobs requeued, saw $lost"
grep -q '^cluster: node [0-9a-f]* down$' "$T/a.log" || fail "no node-down event"
grep -q '^cluster: 60 jobs done: ' "$T/a.log" || fail "not every job done"
grep -q '^cluster: [0-9]* primes below 3000000 (a sieve here says 216816: correct)$' \
    "$T/a.log" || fail "wrong total"
grep '^cluster: ' "$T/a.log" | sed 's/^/    /'
echo "$SUITE: C killed with jobs in flight; they were requeued and the total is right"
kill -TERM $bpid
wait $bpid || fail "B did not stop cleanly"
pids=""
no_sanitizer_reports
