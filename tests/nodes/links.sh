#!/bin/sh
# tests/nodes/links.sh LUNATIC LINKS.wasm: links and monitors across
# nodes with three `lunatic node` processes on 127.0.0.1 (B and C join
# through A). A runs links.wasm (tests/nodes/links.c): a process on B
# linked and monitored from A dies in each way a process can (return,
# trap, proc_exit(3), kill, a failed link, a trap after a 256 KiB
# message), a process on B watches one on A die, and a supervisor on A
# runs a child on C. Then C is killed with SIGKILL: A's link and monitor
# across it fire with reason noconnection, A gets a node-down event and
# the child is back on another node; a new C joins: a node-up event.
set -u
L=$1
WASM=$2
SUITE=links
. "$(dirname "$0")/lib.sh"

certs a b c

PA=$(free_port); PB=$(free_port); PC=$(free_port); PC2=$(free_port)
node b $PB --peer 127.0.0.1:$PA >"$T/b.log" 2>&1 & bpid=$!
node c $PC --peer 127.0.0.1:$PA >"$T/c1.log" 2>&1 & cpid=$!
pids="$bpid $cpid"
(node a $PA "$WASM") >"$T/a.log" 2>&1 & apid=$!
pids="$pids $apid"

# Wait (up to 60 s in all) for A to say when to kill C and start it again.
c2pid=""
for i in $(seq 600); do
    if [ -z "$c2pid" ] && [ -n "$cpid" ] && grep -q '^ready: kill c$' "$T/a.log"; then
        kill -9 $cpid
        wait $cpid 2>/dev/null
        cpid=""
    fi
    if [ -z "$c2pid" ] && grep -q '^ready: start c$' "$T/a.log"; then
        node c $PC2 --peer 127.0.0.1:$PA >"$T/c2.log" 2>&1 & c2pid=$!
        pids="$bpid $c2pid $apid"
    fi
    kill -0 $apid 2>/dev/null || break
    sleep 0.1
done
if kill -0 $apid 2>/dev/null; then
    kill -9 $apid
    fail "A did not finish within 60 s"
fi
wait $apid
rc=$?
pids="$bpid $c2pid"
grep '^ok \|^FAIL ' "$T/a.log"
grep -q '^FAIL ' "$T/a.log" && fail "a check failed"
[ $rc -eq 0 ] || fail "node a exited $rc"
grep -q '^done: 0 failure(s)$' "$T/a.log" || fail "A did not finish its checks"
[ "$(grep -c '^ok ' "$T/a.log")" -eq 20 ] || fail "expected 20 checks"
echo "links: every way of dying seen across nodes, a node lost and one back"

kill -TERM $bpid $c2pid
wait $bpid; brc=$?
wait $c2pid; crc=$?
pids=""
[ $brc -eq 0 ] && [ $crc -eq 0 ] || fail "SIGTERM: B exited $brc, C $crc"
if grep -l 'Sanitizer\|runtime error' "$T"/a.log "$T"/b.log "$T"/c2.log; then
    fail "sanitizer report"
fi
echo "links: B and C stopped cleanly on SIGTERM"
