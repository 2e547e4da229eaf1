#!/bin/sh
# tests/nodes/traffic.sh LUNATIC TRAFFIC.wasm [DISTRIBUTED.wasm]: traffic
# between three `lunatic node` processes on 127.0.0.1. B and C (tags
# name=b, name=c) serve without an app for the whole run; A (name=a)
# runs tests/nodes/traffic.c once per case, each run a new incarnation
# of A joining B and C:
#   1. order: TRAFFIC_COUNT (default 1,000,000) small messages A -> B in
#      order, then 4 senders (2 on A, 2 on C) to one receiver on B;
#   2. big: a TRAFFIC_MB (default 64) MB message A -> B intact while a
#      ping on A keeps doing round trips with B;
#   3. spawn: concurrent remote spawns (module shipped, compiled once per
#      node: B's and C's remote.modules_compiled metric at exit), error
#      codes, a message carrying a resource;
#   4. the lunatic-rs `distributed` example as A's app, when built.
set -u
L=$1
TRAFFIC=$2
LRS=${3:-}
COUNT=${TRAFFIC_COUNT:-1000000}
MB=${TRAFFIC_MB:-64}
# The ping's worst round trip during the big transfer must stay under
# 3/4 of the transfer's time (a ping held behind the message would wait
# for all of it) and under TRAFFIC_MAX_RTT_US. The issue's target (p99 <=
# 5 ms) is bench-dist's to measure; on a loaded shared machine one node's
# threads may simply not be scheduled for a while.
MAX_RTT_US=${TRAFFIC_MAX_RTT_US:-1000000}
SUITE=traffic
. "$(dirname "$0")/lib.sh"

certs a b c
PA=$(free_port); PB=$(free_port); PC=$(free_port)
# B and C dial each other and wait for A's runs (LUNATIC_METRICS: their
# module counters are printed when they stop)
LUNATIC_METRICS=1 node b $PB --peer 127.0.0.1:$PC >"$T/b.log" 2>&1 & bpid=$!
LUNATIC_METRICS=1 node c $PC --peer 127.0.0.1:$PB >"$T/c.log" 2>&1 & cpid=$!
pids="$bpid $cpid"

# run_a LOG APP [ARGS...]: A runs the app, joined through B
run_a() {
    log=$1; shift
    (LUNATIC_LOG=1; export LUNATIC_LOG # a failed process says why
     node a $PA --peer 127.0.0.1:$PB "$@") >"$T/$log" 2>&1
    rc=$?
    kill -0 $bpid 2>/dev/null || fail "node b is gone"
    kill -0 $cpid 2>/dev/null || fail "node c is gone"
    return $rc
}
field() { # LOG PATTERN: the number after PATTERN in LOG's first match
    sed -n "s/.*$2 *\([0-9][0-9]*\).*/\1/p" "$1" | head -1
}

# {===== 1. order
start=$(date +%s)
run_a order.log "$TRAFFIC" order "$COUNT" || fail "order: node a exited $?"
grep -q "^order: 1 sender: received $COUNT of $COUNT, in order$" "$T/order.log" ||
    fail "order: one sender"
each=$((COUNT / 8))
[ "$(grep -c '^order: sender: sender [0-3] done, 0 refused$' "$T/order.log")" -eq 4 ] ||
    fail "order: four senders"
grep -q "^order: 4 senders (2 on a, 2 on c): received $((4 * each)) of $((4 * each)), in order$" \
    "$T/order.log" || fail "order: per-sender order"
grep '^order: sent' "$T/order.log"
echo "traffic: $COUNT messages A -> B in order, and 4 senders on A and C to one receiver on B ($(( $(date +%s) - start )) s)"
# }=====

# {===== 2. big
start=$(date +%s)
run_a big.log "$TRAFFIC" big "$MB" || fail "big: node a exited $?"
grep -q '^big: arrived intact$' "$T/big.log" || fail "big: message"
grep '^big: [0-9]* MB built' "$T/big.log"
grep '^big: ping: ' "$T/big.log" || fail "big: no ping report"
pings=$(field "$T/big.log" 'big: ping:')
lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' "$T/big.log")
max=$(field "$T/big.log" 'max')
took=$(field "$T/big.log" 'sent to b in')
[ "${pings:-0}" -ge 10 ] || fail "big: only ${pings:-0} round trips during the transfer"
[ "${lost:-1}" -eq 0 ] || fail "big: $lost pings lost"
[ "${max:-999999999}" -le "$MAX_RTT_US" ] || fail "big: ping max $max us > $MAX_RTT_US us"
[ "${max:-999999999}" -lt $((${took:-0} * 750)) ] ||
    fail "big: ping max $max us, over 3/4 of the transfer's ${took:-0} ms"
echo "traffic: a $MB MB message arrived intact while a ping kept answering ($(( $(date +%s) - start )) s)"
# }=====

# {===== 3. spawn
run_a spawn.log "$TRAFFIC" spawn || fail "spawn: node a exited $?"
grep -q '^spawn: 16 concurrent spawns answered 0; hellos from b 8, c 8$' "$T/spawn.log" ||
    fail "spawn: concurrent spawns"
expect() { grep -q "^spawn: $1$" "$T/spawn.log" || fail "spawn: expected '$1'"; }
expect "on this node's own id: rc 0, hello from it: yes"
expect 'missing function on b: rc 2'
expect 'send to unknown pid on b: rc 0'
expect 'send to pid 0 on b: rc 1'
expect 'send to unknown node: rc 2'
expect 'spawn on unknown node: rc 1'
expect 'b still answers: yes'
expect 'resource message: sender died'
grep -q 'a message to another node cannot carry resources' "$T/spawn.log" ||
    fail "spawn: no trap message for the resource"
echo "traffic: concurrent remote spawns, a spawn on A's own id, missing function rc 2, sends to unknown pid 0 / pid 0 1 / node 2, a resource traps"
# }=====

# {===== 4. the lunatic-rs distributed example
# Its main lists the nodes (A first: a node's own id leads get_nodes),
# starts an Adder on nodes[0] and asks it 1 + 1 (an assert_eq in the
# guest: A exits 0 only if the answer was 2), then spawns hello(101) on
# every node and sends nodes[i] the message [10, 582, 172, 45][i % 4].
# Each node prints its own processes' output.
lrs_check() {
    ids=$(sed -n 's/^Nodes \[\(.*\)\]$/\1/p' "$T/lrs.log" | tr -d ,)
    set -- $ids
    [ $# -eq 3 ] || fail "distributed example: nodes '$ids'"
    grep -q '^Got 1, 1 to add$' "$T/lrs.log" || fail "distributed example: the Adder did not run on A"
    i=0
    for id in "$@"; do
        msg=$(echo "10 582 172" | cut -d' ' -f$((i + 1)))
        log=$(grep -l "^Hi from $id\$" "$T/lrs.log" "$T/b-lrs.log" "$T/c-lrs.log")
        [ "$(echo "$log" | wc -w)" -eq 1 ] || fail "distributed example: 'Hi from $id' in '$log'"
        grep -q "^101 + $msg = $((101 + msg))\$" "$log" ||
            fail "distributed example: no '101 + $msg' next to 'Hi from $id' ($log)"
        i=$((i + 1))
    done
    # nodes[0] is A, and B and C each said hi once
    grep -q "^Hi from $1\$" "$T/lrs.log" || fail "distributed example: nodes[0] is not A"
    for n in b c; do
        [ "$(grep -c '^Hi from ' "$T/$n-lrs.log")" -eq 1 ] || fail "distributed example: node $n"
    done
}
modules=1 # modules shipped to B and C: traffic.wasm, and the example's
if [ -n "$LRS" ] && [ -f "$LRS" ]; then
    modules=2
    # what B and C print from now on is the example's
    bl=$(wc -l <"$T/b.log"); cl=$(wc -l <"$T/c.log")
    run_a lrs.log "$LRS" || fail "distributed example: node a exited $?"
    tail -n +$((bl + 1)) "$T/b.log" >"$T/b-lrs.log"
    tail -n +$((cl + 1)) "$T/c.log" >"$T/c-lrs.log"
    lrs_check
    echo "traffic: lunatic-rs distributed example: the Adder on nodes[0] (A) answered 2, a hello on each node said hi from its own id and added its message"
else
    echo "traffic: lunatic-rs distributed example skipped: ${LRS:-its wasm} not built (make test-lunatic-rs)"
fi
# }=====

# B and C stop on SIGTERM; each compiled the module once over all runs
kill -TERM $bpid $cpid
wait $bpid; brc=$?
wait $cpid; crc=$?
pids=""
[ $brc -eq 0 ] && [ $crc -eq 0 ] || fail "SIGTERM: B exited $brc, C $crc"
for n in b c; do
    grep -q "^lunatic: metric remote.modules_compiled = $modules\$" "$T/$n.log" ||
        fail "node $n: not $modules module(s) compiled"
    grep -q "^lunatic: metric remote.modules_fetched = $modules\$" "$T/$n.log" ||
        fail "node $n: not $modules module(s) fetched"
done
echo "traffic: B and C each fetched and compiled each shipped module once ($modules)"
if grep -l 'Sanitizer\|runtime error' "$T"/*.log; then fail "sanitizer report"; fi
echo "traffic: passed"
