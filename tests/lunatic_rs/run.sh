#!/bin/sh
# run.sh LUNATIC SRC DEST: lunatic-rs 0.14.1 on this runtime, the way its
# users run it. SRC is ../shared/lunatic-rs (upstream/ and prepare.sh);
# DEST the buildable copy, prepared once (again only when SRC changes) and
# built once: cargo keeps DEST/target between runs.
#  1. `cargo test` of every test binary with `LUNATIC run` as the runner
#     (CARGO_TARGET_WASM32_WASI_RUNNER), on --threads 1 and on the default
#     thread count, LRS_RUNS times each: every test must pass except the
#     three that connect to google.com (serializers::*_resource_serialization),
#     which may fail only when the internet is out of reach.
#  2. `cargo run --example spawn_task` through the runner.
#  3. Every example checked against its source (examples.py), on both
#     thread counts.
set -u
L=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
DEST=$3
RUNS=${LRS_RUNS:-1}
LRS_TESTS=121 # lunatic-rs 0.14.1's tests (README of ../shared/lunatic-rs)
NET_TESTS="serializers::bincode_resource_serialization
serializers::json_resource_serialization
serializers::msgpack_resource_serialization"
HERE=$(cd "$(dirname "$0")" && pwd)

if [ ! -f "$SRC/prepare.sh" ]; then
    echo "test-lunatic-rs: skipped: $SRC (lunatic-rs and its prepare.sh) not found"
    exit 0
fi
# Debian's Rust (1.63, with the wasm32-wasi std) is the one prepare.sh's
# offline registry is made for; another Rust may come first on PATH.
if [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/wasm32-wasi ]; then
    echo "test-lunatic-rs: Debian's cargo and libstd-rust-dev-wasm32 are missing: run make deps"
    exit 1
fi
PATH=/usr/bin:$PATH
export PATH
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
log=$DEST/.log
stamp=$DEST/.prepared

# {===== prepare and build (once)
if [ ! -f "$stamp" ] || [ -n "$(find "$SRC" -newer "$stamp" -print -quit)" ]; then
    bash "$SRC/prepare.sh" "$DEST" >"$log" 2>&1 || { cat "$log"; exit 1; }
    touch "$stamp"
fi
echo "test-lunatic-rs: building the examples and tests in $DEST (once; kept)"
if ! (cd "$DEST" && cargo build --release --examples &&
      cargo test --release --no-run) >"$log" 2>&1; then
    tail -30 "$log"
    exit 1
fi
# }=====

failed=0

# {===== the tests through cargo test
# check_tests OUTPUT LABEL: every test ran and passed but the internet ones.
check_tests() {
    out=$1 label=$2
    bad=$(grep -E '^test .* \.\.\. FAILED$' "$out" | sed 's/^test //; s/ - should panic//; s/ \.\.\. FAILED$//' |
          grep -vxF "$NET_TESTS")
    ran=$(grep -E '^running [0-9]+ tests?$' "$out" | awk '{n += $2} END {print n + 0}')
    ok=$(grep -E '^test result: ' "$out" | sed 's/.*\. \([0-9]*\) passed.*/\1/' | awk '{n += $1} END {print n + 0}')
    net=$(grep -E '^test .* \.\.\. FAILED$' "$out" | grep -cF serializers::)
    echo "test-lunatic-rs: tests [$label]: $ok of $ran passed, $net failed needing the internet, $3 s"
    if [ -n "$bad" ] || [ "$ran" != "$LRS_TESTS" ] || [ $((ok + net)) != "$ran" ]; then
        echo "test-lunatic-rs: FAIL tests [$label]: failed: $(echo $bad) (want $LRS_TESTS run)"
        grep -E '^(test result|error)' "$out" | sed 's/^/    /'
        sed -n '/^failures:$/,/^test result/p' "$out" | head -60 | sed 's/^/    /'
        failed=$((failed + 1))
    elif [ "$net" != 0 ] && python3 -c 'import socket; socket.create_connection(("google.com", 80), 5)' 2>/dev/null; then
        echo "test-lunatic-rs: FAIL tests [$label]: google.com is reachable, yet the serializers tests failed"
        failed=$((failed + 1))
    fi
}

run_tests() { # LABEL LUNATIC-OPTIONS
    out=$DEST/.tests.out
    t0=$(date +%s.%N)
    (cd "$DEST" && CARGO_TARGET_WASM32_WASI_RUNNER="$L run $2" \
        cargo test --release --no-fail-fast) >"$out" 2>&1
    t1=$(date +%s.%N)
    check_tests "$out" "$1" "$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")"
}

i=1
while [ "$i" -le "$RUNS" ]; do
    run_tests "--threads 1, run $i" "--threads 1"
    run_tests "default threads, run $i" ""
    i=$((i + 1))
done
# }=====

# {===== the examples
out=$DEST/.example.out
(cd "$DEST" && CARGO_TARGET_WASM32_WASI_RUNNER="$L run" \
    cargo run --release --example spawn_task) >"$out" 2>&1
if grep -q "Hello world from a 2nd process!" "$out"; then
    echo "test-lunatic-rs: ok   cargo run --example spawn_task"
else
    echo "test-lunatic-rs: FAIL cargo run --example spawn_task"
    tail -20 "$out" | sed 's/^/    /'
    failed=$((failed + 1))
fi
python3 "$HERE/examples.py" "$L" "$DEST" || failed=$((failed + 1))
python3 "$HERE/examples.py" "$L" "$DEST" --threads 1 >"$out" 2>&1 ||
    failed=$((failed + 1))
sed 's/^lunatic-rs examples\{0,1\}:/& [--threads 1]/' "$out"
# }=====

[ "$failed" = 0 ] && echo "test-lunatic-rs: all passed" && exit 0
echo "test-lunatic-rs: $failed failed"
exit 1
