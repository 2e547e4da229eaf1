#!/bin/sh
# run.sh: end-to-end tests of the process runtime: the examples that use
# sdk/lunatic.h, every test of proc_tests.wasm, lunatic::sqlite
# (sqlite_tests.wasm), memory.grow (grow.wasm), the stress tests, and the
# module importing every lunatic function. Sizes scale with SCHED_SCALE (percent, default 100;
# the ASan variant uses less).
# Usage: tests/sched/run.sh LUNATIC WASM_DIR FIXTURE_WASM
set -u
L=$1
W=$2
ALL=$3
SCALE=${SCHED_SCALE:-100}
SUITE=sched
T_TIMEOUT=300
. "$(dirname "$0")/../harness.sh"
n() { echo $(( $1 * SCALE / 100 )); }

t pingpong 0 "pingpong: 10000 round trips, counter 10000" "$L" "$W/pingpong.wasm" 10000
t ring 0 "ring: 1000 processes, 10000 hops" "$L" "$W/ring.wasm" 1000 10
t supervisor 0 "3 workers crashed, 3 restarted workers answer" "$L" "$W/supervisor.wasm"
t threads_1 0 "pingpong: 1000 round trips" "$L" --threads 1 "$W/pingpong.wasm" 1000

P=$W/sched/proc_tests.wasm
for name in spawn_params spawn_v128 selective links monitors cascade kill registry \
            timers permissions limits catch errors metrics image \
            send_targets; do
    t "$name" 0 "ok $name" "$L" "$P" "$name"
done
# A process's initial data is the same byte for byte from the image (at
# its first memory access) as from its data segments applied one by one.
img_hash() { env LUNATIC_NO_IMAGE=$1 "$L" "$P" image | grep '^image data hash'; }
t image_same_as_plain 0 "same" sh -c '[ -n "$1" ] && [ "$1" = "$2" ] && echo same || echo "differ: $1 / $2"' \
    sh "$(img_hash 0)" "$(img_hash 1)"
# wasi_share preopens /tmp for its children: it must hold /tmp itself.
t wasi_share 0 "ok wasi_share" "$L" --dir /tmp "$P" wasi_share
# Children made from the blocks of dead ones see none of their args,
# environment or descriptors (common/lun_pool.h).
t wasi_reuse 0 "ok wasi_reuse" "$L" --dir /tmp "$P" wasi_reuse
t wasi_share_low_fd_limit 0 "ok wasi_share" sh -c 'ulimit -n 256 && exec "$@"' sh "$L" --dir /tmp "$P" wasi_share
t fair_threads_1 0 "ok fair" "$L" --threads 1 "$P" fair
t dist 0 "ok dist" "$L" "$P" dist
t dist_send 141 "lunatic::distributed::send: process not distributed" "$L" "$P" dist_send
t metrics_dump 0 "metric hits = 3" env LUNATIC_METRICS=1 "$L" "$P" metrics

# lunatic::sqlite: :memory: and a file in a preopened dir; a path outside
# the preopens is refused; a malformed BindList traps.
Q=$W/sched/sqlite_tests.wasm
mkdir -p "$tmp/db"
ln -s "$tmp/outside.db" "$tmp/db/link.db"
t sqlite 0 "ok sqlite" "$L" --dir "$tmp/db" "$Q" sqlite "$tmp/db"
t sqlite_bad_bind 141 "malformed BindList" "$L" "$Q" bad_bind

# memory.grow page by page past the 8 MiB classes (sched/linmem.c): data
# kept, new pages zero, max_memory honoured. The 60 s bound is no speed
# target (that is `make bench-grow`): a grow that copies the whole memory
# each time takes minutes to reach 256 MiB, this takes well under 1 s.
G=$W/sched/grow.wasm
t grow_256mib 0 "ok big 256 MiB" timeout 60 "$L" "$G" big 256
t grow_limit 0 "ok limit" "$L" "$G" limit
t grow_pair 0 "ok pair" "$L" "$G" pair

S=$W/sched/stress.wasm
t spawn_100k 0 "ok spawn" "$L" "$S" spawn "$(n 100000)"
t loop_ping 0 "ok loop_ping" "$L" "$S" loop_ping "$(n 1000)"
t loop_ping_1_thread 0 "ok loop_ping" "$L" --threads 1 "$S" loop_ping "$(n 200)"
t wakeups 0 "ok wakeups" "$L" "$S" wakeups "$(n 20000)"
t wakeups_4_threads 0 "ok wakeups" "$L" --threads 4 "$S" wakeups "$(n 5000)"
t crash_10k 0 "crashed" "$L" "$S" crash "$(n 10000)"
# What idle processes hold, by part (sched/footprint.c, LUNATIC_FOOTPRINT).
t footprint 0 "ok footprint" python3 "$(dirname "$0")/footprint.py" "$L" "$S" "$(n 2000)"

# Every lunatic::* import links (the fixture has no _start). The fixture
# comes from ../shared, absent in a plain clone of this repository.
if [ -n "$ALL" ]; then
    t all_imports 0 "" "$L" "$ALL"
else
    echo "sched: skip all_imports: ../shared/fixtures/lunatic_all_imports.wat not found (set SPEC_DIR beside shared/)"
fi

summary
