#!/bin/sh
# run.sh: end-to-end tests of the `lunatic` command line: the example guests
# and the .wat fixtures of this folder (built by `make e2e`), checking
# output, one-line errors and exit statuses.
# Usage: tests/e2e/run.sh LUNATIC WASM_DIR   (WASM_DIR holds hello.wasm, e2e/)
set -u
LUNATIC=$1
WASM=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
    echo "e2e: FAIL $name: $1"
    sed 's/^/    stdout: /' "$tmp/out" | head -20
    sed 's/^/    stderr: /' "$tmp/err" | head -20
    failed=$((failed + 1))
    ok=no
}

# t NAME STATUS CMD...: run CMD, capturing stdout and stderr; it must exit
# with STATUS. Checks on the output follow, then `done_t`.
t() {
    name=$1
    want=$2
    shift 2
    ok=yes
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    [ "$got" = "$want" ] || fail "exit status $got, want $want"
}

# out TEXT / err TEXT: stdout / stderr contains the fixed string TEXT.
out() { [ $ok = no ] || grep -qF -- "$1" "$tmp/out" || fail "stdout lacks '$1'"; }
err() { [ $ok = no ] || grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1'"; }
# one_line: stderr is exactly one line (errors never spill into more).
one_line() {
    [ $ok = no ] || [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
        fail "stderr is not one line"
}
done_t() {
    if [ $ok = yes ]; then
        passed=$((passed + 1))
        echo "e2e: ok   $name"
    fi
}

H=$WASM/hello.wasm
E=$WASM/e2e

t hello 0 "$LUNATIC" "$H"
out "Hello from lunatic!"; out "argv[0] = $H"; done_t

t run_args 0 "$LUNATIC" run "$H" a -b --c "d e" --
out "argv[1] = a"; out "argv[2] = -b"; out "argv[3] = --c"
out "argv[4] = d e"; out "argv[5] = --"; done_t

t options_then_guest_help 0 "$LUNATIC" run --dir . --env X=1 "$H" --help
out "argv[1] = --help"; done_t

t implied_run_with_options 0 "$LUNATIC" --env=A=B --dir=.:/sandbox "$H" -V
out "argv[1] = -V"; done_t

t version 0 "$LUNATIC" --version
out "lunatic 0.1.0"; done_t

t help 0 "$LUNATIC" --help
out "usage: lunatic run"; done_t

t no_arguments 2 "$LUNATIC"
done_t

t unknown_option 2 "$LUNATIC" run --bogus "$H"
one_line; err "unknown option '--bogus'"; done_t

t missing_file 1 "$LUNATIC" "$tmp/nope.wasm"
one_line; err "nope.wasm"; err "No such file"; done_t

echo "this is not wasm" >"$tmp/text.wasm"
t not_wasm 1 "$LUNATIC" "$tmp/text.wasm"
one_line; err "not a WebAssembly module"; done_t

printf '\000asm\001\000\000\000\001\377\377' >"$tmp/malformed.wasm"
t malformed 1 "$LUNATIC" "$tmp/malformed.wasm"
one_line; err "malformed.wasm"; done_t

# A truncated body: the message names the section and the offset, and
# says "module" once.
printf '\000asm\001\000\000\000\001\004\001\140\000\000\003\002\001\000\012\004\001\005\000\013' \
    >"$tmp/truncated.wasm"
t malformed_names_section 1 "$LUNATIC" "$tmp/truncated.wasm"
one_line
err "truncated.wasm: malformed module: code section (offset 0x15): length out of bounds"
[ $ok = no ] || [ "$(grep -o module "$tmp/err" | wc -l)" -eq 1 ] ||
    fail "\"module\" said more than once"
done_t

t import_mismatch 1 "$LUNATIC" "$E/import_mismatch.wasm"
one_line
err 'import "wasi_snapshot_preview1" "proc_exit": module expects func (i64) -> (), host provides func (i32) -> ()'
done_t

t unknown_import 1 "$LUNATIC" "$E/unknown_import.wasm"
one_line; err '"env" "frobnicate"'; err "i32 i64"; done_t

t proc_exit_code 42 "$LUNATIC" "$E/exit_code.wasm"
done_t

t start_function_exit 7 "$LUNATIC" "$E/start_exit.wasm"
done_t

# A trap is one line, then the wasm call stack ("  at #N ..." lines).
trap_report() {
    [ $ok = no ] || {
        head -1 "$tmp/err" | grep -q '^lunatic: trap in ' &&
            ! tail -n +2 "$tmp/err" | grep -qv '^  at #'
    } || fail "stderr is not a trap line and '  at #' lines"
}
# in_order TEXT...: stderr holds each TEXT, on lines in that order.
in_order() {
    [ $ok = no ] && return
    prev=0
    for want in "$@"; do
        line=$(grep -nF -- "$want" "$tmp/err" | head -1 | cut -d: -f1)
        if [ -z "$line" ] || [ "$line" -le "$prev" ]; then
            fail "'$want' missing or out of order"
            return
        fi
        prev=$line
    done
}

t trap 129 "$LUNATIC" "$E/trap.wasm"
trap_report; err "lunatic: trap in $E/trap.wasm"; err "unreachable"
in_order "  at #0 boom (func 0" "  at #1 func[1]"; done_t

for sched in "" 1; do
    t "trap_backtrace${sched:+_no_sched}" 135 \
        env ${sched:+LUNATIC_NO_SCHED=1} "$LUNATIC" "$E/trap_deep.wasm"
    trap_report; err "integer divide by zero in function divide"
    in_order "  at #0 divide (func 0, offset 0x" \
        "  at #1 compute (func 1, offset 0x" \
        "  at #2 handle_request (func 2, offset 0x" \
        "  at #3 main (func 3, offset 0x"
    err_lines=$(wc -l <"$tmp/err")
    [ $ok = no ] || [ "$err_lines" -eq 5 ] || fail "$err_lines lines, want 5"
    done_t
done

t no_start 1 "$LUNATIC" "$E/no_start.wasm"
one_line; err "_start"; done_t

# capabilities are granted, never implied: fd 3 is a preopen only with
# --dir (EBADF, 8, without one)
t no_dir_no_preopen 8 "$LUNATIC" "$E/first_preopen.wasm"
done_t
t dir_dot_preopened 0 "$LUNATIC" run --dir . "$E/first_preopen.wasm"
done_t

t bad_pointers 0 "$LUNATIC" "$E/badptr.wasm"
done_t

mkdir -p "$tmp/dir"
t bad_pointers_fs 0 "$LUNATIC" run --dir "$tmp/dir" "$E/badptr_fs.wasm"
done_t

# Two miscompiles of the interpreter's superinstructions, found by real
# programs: each must give node's answer (also with LUNATIC_NO_FUSION=1).
t fused_load_address 7 "$LUNATIC" "$E/fused_load_address.wasm"
done_t

t fused_bit_test 0 "$LUNATIC" "$E/fused_bit_test.wasm"
done_t

t yield_random_write 0 "$LUNATIC" "$E/yield_write.wasm"
err "yield ok"; done_t

# signals (README: exit status). A busy guest is preempted, so one signal
# stops it cleanly; so is one in long bulk-memory instructions (64 MiB
# fills, or growing memory and writing all of it), which are done in
# budgeted chunks. signals.py checks the exact status (not a death by
# signal).
D=$(dirname "$0")
t busy_loop_sigint 0 python3 "$D/signals.py" "$LUNATIC" "$E/busy_loop.wasm" \
    INT 1 0
done_t
t busy_loop_sigterm 0 python3 "$D/signals.py" "$LUNATIC" \
    "$E/busy_loop.wasm" TERM 1 0
done_t
t fill_sigint 0 python3 "$D/signals.py" "$LUNATIC" \
    "$E/fill_forever.wasm" INT 1 0
done_t
t grow_sigterm 0 python3 "$D/signals.py" "$LUNATIC" \
    "$E/grow_touch.wasm" TERM 1 0
done_t

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
