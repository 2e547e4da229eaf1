#!/bin/sh
# run.sh: hot code reloading end to end (docs/reload.md): a counter
# through 100+ reloads (SIGHUP and --watch) with bad new modules among
# them, a trapping restore hook, a process that never reaches a safe
# point, RELOAD_PROCS processes upgraded at once (time and RSS), the
# reloadable HTTP example under load reloaded 10 times, and the chat
# example with clients connected through a reload. Every run is bounded.
# Usage: tests/reload/run.sh LUNATIC WASM_DIR CHAT_WASM
set -u
L=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$(cd "$2" && pwd)
CHAT=$3
PROCS=${RELOAD_PROCS:-100000}
here=$(dirname "$0")
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "reload: ok   $1"; }
bad() { failed=$((failed + 1)); echo "reload: FAIL $1"; }

# Put $2 at $1 in one step (rename), as a deploy would: --watch never
# sees half a file.
put() { cp "$2" "$1.tmp" && mv "$1.tmp" "$1"; }

# Wait up to $2 tenths of a second for the text $3 in file $1.
wait_for() {
    n=0
    while ! grep -q "$3" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -gt "$2" ] && return 1
        sleep 0.1
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# The runtime under `timeout` (pid $1): signals go to it directly.
runtime_of() {
    k=0
    while [ $k -lt 50 ]; do
        c=$(pgrep -P "$1" | head -1)
        [ -n "$c" ] && { echo "$c"; return; }
        k=$((k + 1))
        sleep 0.05
    done
    echo "$1"
}

# {===== a counter through 100 SIGHUPs and a few --watch changes, bad
# modules among them: nothing lost, duplicated or reordered
counter() {
    app=$tmp/app.wasm
    put "$app" "$W/v1.wasm"
    printf 'not wasm' > "$tmp/garbage.wasm"
    # (func (result i32)) with an empty body: decodes, fails validation
    printf '\000asm\001\000\000\000\001\005\001\140\000\001\177\003\002\001\000\012\004\001\002\000\013' \
        > "$tmp/invalid.wasm"
    timeout 60 "$L" run --watch "$app" counter 6000 > "$tmp/c.out" 2> "$tmp/c.err" &
    pid=$!
    pids="$pids $pid"
    rt=$(runtime_of $pid)
    wait_for "$tmp/c.out" 100 "counter: running" || { bad "counter: no start"; return; }
    # One SIGHUP at a time: signals sent faster than a reload coalesce.
    i=0
    while [ $i -lt 100 ]; do
        kill -HUP "$rt"
        i=$((i + 1))
        k=0
        while [ "$(grep -c "reloaded" "$tmp/c.err")" -lt $i ] && [ $k -lt 500 ]; do
            sleep 0.01
            k=$((k + 1))
        done
    done
    for f in v2 nohooks garbage invalid unknown_import v1; do
        case $f in garbage|invalid) put "$app" "$tmp/$f.wasm" ;;
                   *) put "$app" "$W/$f.wasm" ;; esac
        sleep 0.4 # the watcher polls every 100 ms
    done
    wait $pid
    rc=$?
    reloaded=$(grep -c "reloaded .*: version" "$tmp/c.err")
    refused=$(grep -c "refused" "$tmp/c.err")
    line=$(grep "counter: sent" "$tmp/c.out")
    echo "reload: $line; $reloaded reloads, $refused refused"
    moves=$(echo "$line" | sed -n 's/.* moves \([0-9]*\).*/\1/p')
    if [ "$rc" = 0 ] && [ "$reloaded" = 102 ] && [ "$moves" = "$reloaded" ] &&
       [ "$refused" = 4 ] &&
       grep -q "refused: the new module exports no 'lunatic_upgrade_restore'" "$tmp/c.err" &&
       grep -q "refused: not a WebAssembly module" "$tmp/c.err" &&
       grep -q "refused: invalid module" "$tmp/c.err" &&
       grep -q 'refused: unknown import "lunatic::process" "no_such_function"' "$tmp/c.err"; then
        ok "counter: every message in order through $reloaded reloads; 4 bad modules refused"
    else
        bad "counter (rc $rc, moves $moves, reloads $reloaded, refused $refused)"
        cat "$tmp/c.err" | grep -v "reloaded" | head -20
    fi
}

# }===== {===== hooks that fail, processes that never reach a safe point

hooks() {
    out=$(cd "$W" && timeout 30 "$L" run --dir . v1.wasm trap trap.wasm v2.wasm 2> "$tmp/t.err")
    rc=$?
    echo "$out" | sed 's/^/reload: /'
    if [ $rc = 0 ] && grep -q "process 2 stays on version 1: lunatic_upgrade_restore: unreachable" "$tmp/t.err"; then
        ok "a trapping restore hook: the process stays on its code, its messages kept, one warning"
    else
        bad "trapping hook (rc $rc)"; cat "$tmp/t.err"
    fi
    out=$(cd "$W" && timeout 30 "$L" run --dir . v1.wasm nosafe v2.wasm 2>&1)
    rc=$?
    echo "$out" | sed 's/^/reload: /'
    [ $rc = 0 ] && ok "a process with no safe point stays on the old code; new spawns run the new" ||
        bad "no safe point (rc $rc)"
}

# }===== {===== many processes upgraded at once: time, memory

mass() {
    nprocs=$1
    (cd "$W" && exec timeout 120 "$L" run --dir . v1.wasm upgrade "$nprocs" v2.wasm) \
        > "$tmp/m.out" 2> "$tmp/m.err" &
    pid=$!
    pids="$pids $pid"
    lpid=$(runtime_of $pid)
    wait_for "$tmp/m.out" 600 "processes idle" || { bad "upgrade $nprocs: no start"; return; }
    sleep 0.5
    before=$(rss_kb "$lpid")
    wait_for "$tmp/m.out" 600 "on version 2" || { bad "upgrade $nprocs: not all moved"; cat "$tmp/m.out"; return; }
    sleep 0.5
    after=$(rss_kb "$lpid")
    wait $pid
    rc=$?
    line=$(grep "on version 2" "$tmp/m.out")
    echo "reload: $line; RSS ${before:-?} kB before, ${after:-?} kB after the old version was freed"
    [ $rc = 0 ] && ok "upgrade of $nprocs processes" || { bad "upgrade $nprocs (rc $rc)"; cat "$tmp/m.err" | head; }
}

# }===== {===== the HTTP example under load, reloaded 10 times

http() {
    port=$(free_port)
    app=$tmp/http.wasm
    put "$app" "$W/http_v1.wasm"
    timeout 60 "$L" run "$app" "$port" > "$tmp/h.out" 2> "$tmp/h.err" &
    pid=$!
    pids="$pids $pid"
    rt=$(runtime_of $pid)
    wait_for "$tmp/h.out" 100 "listening" || { bad "http: no start"; return; }
    if command -v wrk > /dev/null; then
        wrk -t2 -c16 -d8s "http://127.0.0.1:$port/" > "$tmp/wrk.out" 2>&1 &
        load=$!
    else
        echo "reload: wrk is not installed (tools/deps.sh): a curl loop loads the server"
        (end=$(($(date +%s) + 8)); n=0; f=0
         while [ "$(date +%s)" -lt $end ]; do
             curl -sf "http://127.0.0.1:$port/" "http://127.0.0.1:$port/" > /dev/null || f=$((f + 1))
             n=$((n + 2))
         done; echo "$n requests, $f failed") > "$tmp/wrk.out" &
        load=$!
    fi
    sleep 0.5
    timeout 40 python3 "$here/clients.py" http "$port" "$rt" "$app" \
        "$W/http_v1.wasm" "$W/http_v2.wasm" 10
    crc=$?
    wait $load
    kill "$rt" 2>/dev/null # itself: timeout would signal it twice
    wait $pid 2>/dev/null
    src=$? # SIGTERM stops it cleanly: 0 (under ASan: no leak either)
    sed -n 's/^ *\([0-9]* requests in.*\)/reload: wrk: \1/p; s/^ *\(Socket errors.*\)/reload: wrk: \1/p; s/^ *\(Non-2xx.*\)/reload: wrk: \1/p; s/^\([0-9]* requests,.*\)/reload: curl: \1/p' "$tmp/wrk.out"
    if [ $crc = 0 ] && [ $src = 0 ] && ! grep -q "Socket errors\|Non-2xx\|[1-9][0-9]* failed" "$tmp/wrk.out" &&
       [ "$(grep -c "reloaded" "$tmp/h.err")" = 10 ]; then
        ok "http under load through 10 reloads: no failed request, no reset, the reply changed each time"
    else
        bad "http (clients rc $crc, server rc $src)"; cat "$tmp/wrk.out" "$tmp/h.err" | head -20
    fi
}

# }===== {===== the chat example: clients connected through a reload

chat() {
    port=$(free_port)
    app=$tmp/chat.wasm
    put "$app" "$CHAT"
    timeout 60 "$L" run "$app" "$port" > "$tmp/ch.out" 2> "$tmp/ch.err" &
    pid=$!
    pids="$pids $pid"
    rt=$(runtime_of $pid)
    wait_for "$tmp/ch.out" 100 "listening" || { bad "chat: no start"; return; }
    timeout 30 python3 "$here/clients.py" chat "$port" "$rt" "$app"
    crc=$?
    kill "$rt" 2>/dev/null # itself: timeout would signal it twice
    wait $pid 2>/dev/null
    src=$?
    if [ $crc = 0 ] && [ $src = 0 ] && grep -q "reloaded" "$tmp/ch.err"; then
        ok "chat: clients stay connected through a reload"
    else
        bad "chat (clients rc $crc, server rc $src)"; cat "$tmp/ch.err"
    fi
}

# }=====

counter
hooks
mass 1
mass "$PROCS"
http
chat
echo "reload: $passed passed, $failed failed"
[ $failed = 0 ]
