#!/bin/sh
# tests/nodes/run.sh LUNATIC PING.wasm: three `lunatic node` processes on
# 127.0.0.1 (B and C join through A); A runs ping.wasm, which spawns
# `pong` on B and C (its module fetched by hash) and prints their
# replies. Then a node with another CA's certificate, and one whose
# certificate names another node, are refused with their log line.
set -u
L=$1
PING=$2
# The module must not fit in one frame, so that its bytes travel chunked.
[ "$(wc -c <"$PING")" -gt 65536 ] || { echo "nodes: $PING fits in a frame"; exit 1; }
SUITE=nodes
. "$(dirname "$0")/lib.sh"

certs a b c
"$L" cert ca --out "$T/other" >/dev/null || fail "cert ca (other)"
"$L" cert node --ca "$T/other" --name d --out "$T/others" >/dev/null || fail "cert node d"

PA=$(free_port); PB=$(free_port); PC=$(free_port)
node b $PB --tag role=worker --peer 127.0.0.1:$PA >"$T/b.log" 2>&1 & bpid=$!
node c $PC --tag role=worker --peer 127.0.0.1:$PA >"$T/c.log" 2>&1 & cpid=$!
pids="$bpid $cpid"
# A runs the app: it waits (up to 10 s) for the three nodes itself.
(node a $PA --tag role=root "$PING") >"$T/a.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "node a exited $rc"
grep -q '^role=root: 1 node(s), this one$' "$T/a.log" || fail "lookup role=root"
grep -q '^role=worker: 2 node(s)$' "$T/a.log" || fail "lookup role=worker"
[ "$(grep -c '^spawn on a peer: rc 0$' "$T/a.log")" -eq 2 ] || fail "two spawns"
[ "$(grep -c '^got: pong from node ' "$T/a.log")" -eq 2 ] || fail "two pongs"
[ "$(grep '^got: ' "$T/a.log" | sort -u | wc -l)" -eq 2 ] || fail "pongs from two nodes"
echo "nodes: A found B and C by tag, spawned on both and got both replies"

# B is still up: a node of another CA, and one with c's certificate
# calling itself e, try to join through B; the links are refused.
PD=$(free_port)
"$L" node --name d --listen 127.0.0.1:$PD --ca "$T/other/ca.pem" \
    --cert "$T/others/d.pem" --key "$T/others/d.key" \
    --peer 127.0.0.1:$PB >"$T/d.log" 2>&1 & dpid=$!
PE=$(free_port)
"$L" node --name e --listen 127.0.0.1:$PE --ca "$T/ca/ca.pem" \
    --cert "$T/nodes/c.pem" --key "$T/nodes/c.key" \
    --peer 127.0.0.1:$PB >"$T/e.log" 2>&1 & epid=$!
for i in $(seq 50); do
    grep -q 'not signed by the cluster CA' "$T/d.log" &&
        grep -q 'certificate is for node c' "$T/b.log" && break
    sleep 0.1
done
kill $dpid $epid 2>/dev/null
wait $dpid $epid 2>/dev/null
# d trusts its own CA only, so it is d that refuses B's certificate (B
# sees the alert)
grep -q 'refused .*certificate not signed by the cluster CA' "$T/d.log" || fail "wrong CA not refused"
grep -q 'refused .*certificate is for node c' "$T/b.log" || fail "wrong name not refused"
echo "nodes: wrong CA and wrong name refused"
grep -m1 'refused .*not signed' "$T/d.log"
grep -m1 'refused .*certificate is for node c' "$T/b.log"

# SIGTERM ends a serving node cleanly (status 0; under ASan, no leak).
kill -TERM $bpid $cpid
wait $bpid; brc=$?
wait $cpid; crc=$?
pids=""
[ $brc -eq 0 ] && [ $crc -eq 0 ] || fail "SIGTERM: B exited $brc, C $crc"
if grep -l 'Sanitizer\|runtime error' "$T"/*.log; then fail "sanitizer report"; fi
echo "nodes: B and C stopped cleanly on SIGTERM"
