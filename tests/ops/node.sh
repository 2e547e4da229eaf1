#!/bin/sh
# tests/ops/node.sh LUNATIC CLUSTER.wasm: `lunatic node --metrics`
# without an app (the flag after the node flags): the endpoint serves the
# node's members and links; then node b joins and runs examples/cluster
# over both nodes, and a's endpoint shows b as a peer with its link up and
# traffic both ways; promtool accepts it all, and SIGTERM still ends the
# node cleanly.
set -u
L=$1
CLUSTER=$2
T=$(mktemp -d)
npid=""
cleanup() { [ -n "$npid" ] && kill "$npid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "ops-node: FAIL: $*"; [ -f "$T/node.log" ] && tail -n 20 "$T/node.log"; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NP=$(port) MP=$(port)
"$L" cert ca --out "$T/ca" >/dev/null && "$L" cert node --ca "$T/ca" --name a --out "$T/n" >/dev/null &&
    "$L" cert node --ca "$T/ca" --name b --out "$T/n" >/dev/null || fail "certificates"
"$L" node --name a --listen "127.0.0.1:$NP" --ca "$T/ca/ca.pem" --cert "$T/n/a.pem" \
    --key "$T/n/a.key" --metrics "127.0.0.1:$MP" >"$T/node.log" 2>&1 &
npid=$!
i=0
until curl -sf "http://127.0.0.1:$MP/metrics" >"$T/m"; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "no /metrics"; sleep 0.1
done
grep -q "^lunatic_node_members 1$" "$T/m" || fail "no lunatic_node_members 1"
grep -q "^lunatic_node_links 0$" "$T/m" || fail "no lunatic_node_links 0"
grep -q "^lunatic_tls_sessions 0$" "$T/m" || fail "no lunatic_tls_sessions 0 before b"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/m" >/dev/null 2>&1 || fail "promtool check metrics"
fi
# b joins and spreads 40 jobs of 50 ms over both nodes (about 1 s)
BP=$(port)
"$L" node --name b --listen "127.0.0.1:$BP" --ca "$T/ca/ca.pem" --cert "$T/n/b.pem" \
    --key "$T/n/b.key" --peer "127.0.0.1:$NP" "$CLUSTER" 40 50 2 >"$T/b.log" 2>&1 &
bpid=$!
seen=""
i=0
while [ -z "$seen" ] && [ $i -lt 100 ]; do
    curl -sf "http://127.0.0.1:$MP/metrics" >"$T/m" || true
    if grep -q '^lunatic_node_peer_up{peer="b",id="[0-9a-f]*"} 1$' "$T/m" &&
        grep -q '^lunatic_node_peer_received_messages_total{peer="b",id="[0-9a-f]*"} [1-9]' "$T/m" &&
        grep -q '^lunatic_node_peer_sent_messages_total{peer="b",id="[0-9a-f]*"} [1-9]' "$T/m" &&
        grep -q '^lunatic_node_peer_received_bytes_total{peer="b",id="[0-9a-f]*"} [1-9]' "$T/m" &&
        grep -q '^lunatic_tls_sessions [1-9]' "$T/m"; then
        seen=1
    fi
    i=$((i + 1)); sleep 0.1
done
wait "$bpid" || fail "node b's cluster run failed: $(tail -n 5 "$T/b.log")"
[ -n "$seen" ] || { grep '^lunatic_node' "$T/m"; fail "no traffic of peer b on a's endpoint"; }
grep '^lunatic_node_peer\|^lunatic_tls' "$T/m" | sed 's/^/    /'
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/m" >/dev/null 2>&1 || fail "promtool check metrics (peers)"
fi
kill -TERM "$npid"; wait "$npid"; st=$?; npid=""
[ "$st" = 0 ] || fail "node status $st after SIGTERM"
echo "ops-node: PASS (lunatic node --metrics: members, links, a peer's link and traffic, promtool)"
