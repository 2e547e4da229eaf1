#!/bin/sh
# tests/ops/top.sh LUNATIC WORKER.wasm: `lunatic top` driven under tmux
# (a tmux server of its own), its screen read with capture-pane: the
# totals, the busiest process by reductions (the guest's spinner), the
# longest mailbox (its hoarder), and a redraw in place (one header on the
# screen, and the spawn count moving between two captures).
set -u
L=$1 W=$2
if ! command -v tmux >/dev/null; then
    echo "ops-top: SKIP (no tmux)"
    exit 0
fi
T=$(mktemp -d)
SOCK="lunatic-ops-top-$$"
pid=""
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "ops-top: FAIL: $*"; [ -f "$T/screen" ] && cat "$T/screen"; exit 1; }
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$L" run --metrics "127.0.0.1:$P" "$W" work 60 >"$T/lunatic.log" 2>&1 &
pid=$!
i=0
until curl -sf "http://127.0.0.1:$P/metrics" >/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "no endpoint"; sleep 0.1
done
tmux -L "$SOCK" new-session -d -s top -x 150 -y 45 \
    "$L top 127.0.0.1:$P -d 0.5 -n 8" || fail "tmux new-session"

# screen: capture the pane into $T/screen
screen() { tmux -L "$SOCK" capture-pane -p -t top >"$T/screen" 2>/dev/null; }
i=0
until screen && grep -q "longest mailboxes" "$T/screen" &&
      grep -q "^ *3 .*worker.wasm" "$T/screen"; do
    i=$((i + 1)); [ $i -lt 60 ] || fail "no full screen"; sleep 0.25
done
sleep 1 # a few refreshes: the spinner is well ahead
screen
grep -q "^lunatic top - 127.0.0.1:$P   processes [0-9]" "$T/screen" || fail "header"
[ "$(grep -c '^lunatic top - ' "$T/screen")" = 1 ] || fail "not redrawn in place"
# the first row under "busiest by reductions" is the spinner (pid 2), with
# a rate since the last refresh
awk '/^busiest by reductions/ {getline; getline; print; exit}' "$T/screen" >"$T/row"
grep -Eq '^ +2 +[0-9]+ +[0-9]+ ' "$T/row" || fail "spinner not busiest: $(cat "$T/row")"
awk '/^longest mailboxes/ {getline; getline; print; exit}' "$T/screen" >"$T/row"
grep -Eq '^ +3 ' "$T/row" || fail "hoarder not first by mailbox: $(cat "$T/row")"
mbox=$(awk '{print $6}' "$T/row")
[ "$mbox" -gt 0 ] || fail "hoarder's mailbox is $mbox"
spawned1=$(sed -n 's/.*spawned \([0-9]*\).*/\1/p' "$T/screen")
sleep 1.2
screen
spawned2=$(sed -n 's/.*spawned \([0-9]*\).*/\1/p' "$T/screen")
[ -n "$spawned1" ] && [ -n "$spawned2" ] && [ "$spawned2" -gt "$spawned1" ] ||
    fail "spawned did not move ($spawned1 -> $spawned2)"
kill -TERM "$pid"
wait "$pid"; st=$?
pid=""
[ "$st" = 0 ] || fail "lunatic ended with status $st after SIGTERM"
grep -q "Sanitizer" "$T/lunatic.log" && fail "sanitizer report"
# the captured screen, for docs (make ops-e2e OPS_SCREEN=FILE)
[ -n "${OPS_SCREEN:-}" ] && cp "$T/screen" "$OPS_SCREEN"
echo "ops-top: PASS (spinner busiest, hoarder's mailbox $mbox, spawned $spawned1 -> $spawned2, redrawn in place)"
