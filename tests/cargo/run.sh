#!/bin/sh
# run.sh LUNATIC FIXTURE.wasm: the cargo side of lunatic. The cargo test
# mode (tools/cargo_test.c) on tests.wat, a module shaped like a lunatic-rs
# test binary, placed where cargo puts test binaries: libtest's report,
# selection flags and exit status. Then `lunatic init` (tools/cargo_init.c)
# on fresh and existing .cargo/config.toml files.
set -u
L=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
FIX=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
mkdir -p "$tmp/proj/target/wasm32-wasi/debug/deps"
W=target/wasm32-wasi/debug/deps/fixture-0123.wasm
cp "$FIX" "$tmp/proj/$W"

# t NAME STATUS CMD...: CMD (run in the project, as cargo would) must exit
# with STATUS; then each `has TEXT` / `lacks TEXT` checks its output.
t() {
    name=$1 want=$2
    shift 2
    (cd "$tmp/proj" && CARGO_MANIFEST_DIR="$tmp/proj" timeout 60 "$@") \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    ok=1
    [ "$got" = "$want" ] || ok=0
}
has() { grep -qF -- "$1" "$tmp/out" || { ok=0; echo "    missing: $1"; }; }
lacks() { ! grep -qF -- "$1" "$tmp/out" || { ok=0; echo "    unexpected: $1"; }; }
done_() {
    if [ "$ok" = 1 ]; then
        passed=$((passed + 1)); echo "cargo: ok   $name"
    else
        failed=$((failed + 1)); echo "cargo: FAIL $name: exit $got (want $want)"
        sed 's/^/    /' "$tmp/out" "$tmp/err" | head -40
    fi
}

t all 101 "$L" run "$W" --test-threads 2
has "running 9 tests"
has "test ok_one ... ok"; has "test exit_zero ... ok"
has "test fails ... FAILED"; has "test exit_three ... FAILED"
has "test skipped ... ignored"
has "test panics - should panic ... ok"
has "test killed_any - should panic ... ok"
has "test wrong_panic - should panic ... FAILED"
has "test no_panic - should panic ... FAILED"
has "---- fails stdout ----"; has "some output"
has "note: Process trapped or received kill signal"
has "note: test did not panic as expected"
has 'expected substring: `"other"`'
lacks "should not run"; lacks "hello from exit_zero"
has "test result: FAILED. 4 passed; 4 failed; 1 ignored; 0 measured; 0 filtered out; finished in "
done_

t one_thread 101 "$L" run --threads 1 "$W" --test-threads 1
has "test result: FAILED. 4 passed; 4 failed; 1 ignored; 0 measured; 0 filtered out"
done_

t filter 0 "$L" "$W" ok_
has "running 1 test"; has "test ok_one ... ok"
has "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 8 filtered out"
done_

t exact 0 "$L" "$W" --exact exit_zero
has "running 1 test"
has "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 8 filtered out"
done_

t exact_none 0 "$L" "$W" --exact exit
has "running 0 tests"; has "0 passed; 0 failed; 0 ignored; 0 measured; 9 filtered out"
done_

t skip 0 "$L" "$W" exit --skip three
has "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 8 filtered out"
done_

t ignored 0 "$L" "$W" --ignored
has "running 1 test"; has "test skipped ... ok"
has "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 8 filtered out"
done_

t include_ignored 0 "$L" "$W" --include-ignored skip
has "test skipped ... ok"
done_

t list 0 "$L" "$W" --list
has "ok_one: test"; has "wrong_panic: test"; has "9 tests, 0 benchmarks"
lacks "running"
done_

t list_terse 0 "$L" "$W" --list --format terse
has "panics: test"; lacks "benchmarks"
done_

t show_output 0 "$L" "$W" exit_zero --show-output
has "successes:"; has "---- exit_zero stdout ----"; has "hello from exit_zero"
done_

t nocapture 101 "$L" "$W" fails --nocapture
has "some output"; lacks "---- fails stdout ----"
done_

t unknown_flag 0 "$L" "$W" ok_one --bogus-flag -q
has "test result: ok. 1 passed"
grep -qF "ignoring libtest option '--bogus-flag'" "$tmp/err" || ok=0
done_

t bad_threads 2 "$L" "$W" --test-threads 0
done_

# Outside cargo (no CARGO_MANIFEST_DIR), or not a test binary: _start.
t not_cargo 0 env -u CARGO_MANIFEST_DIR "$L" "$W" --list
lacks "running"; lacks ": test"
done_
cp "$FIX" "$tmp/proj/app.wasm"
t not_deps 0 "$L" app.wasm --list
lacks ": test"
done_
t bench 0 "$L" "$W" --bench
lacks ": test"; lacks "running"
done_

# {===== lunatic init
i() { # NAME STATUS: run `lunatic init` in $tmp/init
    name=$1 want=$2
    (cd "$tmp/init" && "$L" init) >"$tmp/out" 2>&1
    got=$?
    ok=1
    [ "$got" = "$want" ] || ok=0
}
cfg() { # TEXT: the config must hold this line
    grep -qxF -- "$1" "$tmp/init/.cargo/config.toml" || { ok=0; echo "    config lacks: $1"; }
}
mkdir -p "$tmp/init"
i init_no_project 1; has "Cargo.toml"; done_
touch "$tmp/init/Cargo.toml"
i init_fresh 0; cfg '[build]'; cfg 'target = "wasm32-wasi"'
cfg '[target.wasm32-wasi]'; cfg 'runner = "lunatic run"'; done_
cp "$tmp/init/.cargo/config.toml" "$tmp/before"
i init_again 0; has "already"
cmp -s "$tmp/before" "$tmp/init/.cargo/config.toml" || ok=0; done_
printf '[build]\njobs = 2\n\n[target.wasm32-wasi]\nrunner = "lunatic"\n' \
    >"$tmp/init/.cargo/config.toml"
i init_merge 0; cfg 'jobs = 2'; cfg 'target = "wasm32-wasi"'
cfg 'runner = "lunatic run"'; done_
printf '[build]\ntarget = "x86_64-unknown-linux-gnu"\n' >"$tmp/init/.cargo/config.toml"
cp "$tmp/init/.cargo/config.toml" "$tmp/before"
i init_conflict 1; has "something other than wasm32-wasi"
cmp -s "$tmp/before" "$tmp/init/.cargo/config.toml" || ok=0; done_
printf 'build.target = "wasm32-wasi"\n' >"$tmp/init/.cargo/config.toml"
i init_dotted 1; has "by hand"; done_
# }=====

echo "cargo: $passed passed, $failed failed"
[ "$failed" = 0 ]
