#!/bin/sh
# tests/ops/node.sh LUNATIC: `lunatic node --metrics` without an app (the
# flag after the node flags): the endpoint serves the node's members and
# links, promtool accepts it, and SIGTERM still ends the node cleanly.
set -u
L=$1
T=$(mktemp -d)
npid=""
cleanup() { [ -n "$npid" ] && kill "$npid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "ops-node: FAIL: $*"; [ -f "$T/node.log" ] && tail -n 20 "$T/node.log"; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NP=$(port) MP=$(port)
"$L" cert ca --out "$T/ca" >/dev/null && "$L" cert node --ca "$T/ca" --name a --out "$T/n" >/dev/null ||
    fail "certificates"
"$L" node --name a --listen "127.0.0.1:$NP" --ca "$T/ca/ca.pem" --cert "$T/n/a.pem" \
    --key "$T/n/a.key" --metrics "127.0.0.1:$MP" >"$T/node.log" 2>&1 &
npid=$!
i=0
until curl -sf "http://127.0.0.1:$MP/metrics" >"$T/m"; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "no /metrics"; sleep 0.1
done
grep -q "^lunatic_node_members 1$" "$T/m" || fail "no lunatic_node_members 1"
grep -q "^lunatic_node_links 0$" "$T/m" || fail "no lunatic_node_links 0"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/m" >/dev/null 2>&1 || fail "promtool check metrics"
fi
kill -TERM "$npid"; wait "$npid"; st=$?; npid=""
[ "$st" = 0 ] || fail "node status $st after SIGTERM"
echo "ops-node: PASS (lunatic node --metrics: members, links, promtool)"
