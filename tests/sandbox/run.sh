#!/bin/sh
# run.sh: the sandbox tests (issue #15): guests that attack the runtime
# through host functions running guest code or long host work, each beside
# a ping server that must keep answering; the runtime must survive, the
# attacker must trap with a clear message, SIGTERM must still stop a run.
# Usage: tests/sandbox/run.sh LUNATIC WASM_DIR [REPRO_DIR]   (WASM_DIR
# holds sandbox.wasm and start_registry.wasm; REPRO_DIR the ABI fuzzer's
# repros, built)
# SANDBOX_P99_US: the ping p99 bound (microseconds) beside hogs;
# SANDBOX_HOLD_US: the bound on the longest slice, in CPU time, on one
# worker shared with every kind of attacker (docs/processes.md: "Holding a worker").
set -u
L=$1
W=$2
P99_MAX=${SANDBOX_P99_US:-100000}
HOLD_MAX=${SANDBOX_HOLD_US:-5000}
SUITE=sandbox
T_TIMEOUT=120
T_SHOW='.*latency.*\|.*longest slice.*'
. "$(dirname "$0")/../harness.sh"

# p99 NAME: the ping p99 the last case printed is at most P99_MAX.
p99() {
    at_most "$1" "ping p99" "$(sed -n 's/.*latency p50 [0-9]* us, p99 \([0-9]*\) us.*/\1/p' "$tmp/out" | head -1)" \
        "$P99_MAX" us
}

S=$W/sandbox.wasm
export LUNATIC_LOG=1
t alloc_reentry 0 "ok alloc_reentry" "$L" --threads 2 "$S" alloc_reentry
t alloc_reentry_message 0 "nested more than 4 deep" \
    "$L" --threads 2 "$S" alloc_reentry
t catch_nested_wait 0 "ok catch_nested_wait" "$L" "$S" catch_nested_wait
t start_registry_root 0 "" "$L" --threads 2 "$W/start_registry.wasm"
t start_registry 0 "ok start_registry" \
    "$L" --threads 2 --dir "$W" "$S" start_registry "$W"
t compile_big 0 "ok compile_big" "$L" "$S" compile_big
t huge_names 0 "ok huge_names" "$L" "$S" huge_names
t huge_names_message 0 "registry: name longer than 65536 bytes" \
    "$L" "$S" huge_names
t huge_metric_message 0 "metrics: name longer than 1024 bytes" \
    "$L" "$S" huge_names
mkdir "$tmp/sb"
t sql_escape 0 "ok sql_escape" "$L" --dir "$tmp/sb" "$S" sql_escape "$tmp/sb"
if [ -e /tmp/sandbox_escape.db ] || [ -e "$tmp/sandbox_escape.db" ]; then
    bad "sql_escape: a database was written outside the preopen"
fi
for n in 2 4; do
    t "sql_hogs_$n" 0 "ok sql_hogs" "$L" --threads 2 "$S" sql_hogs $n
    p99 "sql_hogs_$n"
done
t hold_4 0 "ok hold" "$L" --threads 2 "$S" hold 4
p99 hold_4

# One worker shared by the pinger and 8 attackers of every kind: the
# longest any process held it, in CPU time (LUNATIC_SLICE_STATS). A run
# over the bound is run once more before it counts: on a shared machine
# one slice in about ten runs takes a kernel detour (12 ms once in CI,
# where the others took 0.8-1.8 ms); a bound that holds is met again.
hold_once() {
    t hold_1_thread 0 "longest in CPU time" env LUNATIC_SLICE_STATS=1 \
        "$L" --threads 1 "$S" hold 8
    v=$(sed -n 's/.*longest in CPU time \([0-9]*\) us.*/\1/p' "$tmp/out")
}
hold_once
if [ -n "$v" ] && [ "$v" -gt "$HOLD_MAX" ]; then
    echo "sandbox: hold_1_thread: $v us of CPU, over the bound: once more"
    hold_once
fi
at_most hold_1_thread "longest slice of CPU" "$v" "$HOLD_MAX" us

# The ABI fuzzer's repros (tests/abifuzz/repro/, built into $R): each now
# ends as its comment says the runtime should, the runtime intact.
R=${3:-}
if [ -n "$R" ]; then
    t repro_alloc_reenter_sqlite 141 "nested more than 4 deep" \
        "$L" "$R/alloc_reenter_sqlite.wasm"
    t repro_mailbox_flood 141 "killed" "$L" "$R/mailbox_flood.wasm"
    t repro_metrics_huge_name 141 "name longer than 1024 bytes" \
        "$L" "$R/metrics_huge_name.wasm"
    t repro_registry_huge_name 141 "name longer than 65536 bytes" \
        "$L" "$R/registry_huge_name.wasm"
    t repro_preopen_host_path 141 "refused" "$L" "$R/preopen_host_path.wasm"
    t repro_sql_hog 0 "" "$L" --threads 2 "$R/sql_hog.wasm"
    t repro_start_registry_get_or_spawn 0 "" \
        "$L" --threads 2 "$R/start_registry_get_or_spawn.wasm"
    mkdir -p /tmp/abifuzz-escape
    rm -f /tmp/abifuzz-escape/attach.db
    t repro_sqlite_attach_escape 0 "" "$L" "$R/sqlite_attach_escape.wasm"
    if [ -e /tmp/abifuzz-escape/attach.db ]; then
        bad "repro_sqlite_attach_escape: attach.db was written"
    fi
fi

# SIGTERM still stops a run full of hogs, at once (status 0: a clean stop).
D=$(dirname "$0")
t sql_hogs_sigterm 0 "ended with 0" python3 "$D/../e2e/signals.py" "$L" \
    "$S" TERM 1 0 sql_hogs 4

summary
