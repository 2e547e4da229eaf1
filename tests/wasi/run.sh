#!/bin/sh
# run.sh: end-to-end tests of the WASI layer: the C guests of
# tests/wasi/guests (built by `make wasi-guests`) run by `lunatic` in a
# fresh temp dir preopened as /sb, each checking its own results; the
# escape guest runs under both path resolvers (openat2 and the walk).
# Usage: tests/wasi/run.sh LUNATIC GUEST_DIR
set -u
LUNATIC=$1
G=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "wasi: ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "wasi: FAIL $1: $2"
    sed 's/^/    /' "$tmp/log" | head -20
}

# expect NAME STATUS TEXT CMD...: CMD exits with STATUS, its output has TEXT.
expect() {
    name=$1 want=$2 text=$3
    shift 3
    "$@" >"$tmp/log" 2>&1
    got=$?
    if [ "$got" != "$want" ]; then bad "$name" "exit status $got, want $want"
    elif ! grep -qF -- "$text" "$tmp/log"; then bad "$name" "output lacks '$text'"
    else ok "$name"; fi
}

fresh() { rm -rf "$tmp/sb" "$tmp/outside"; mkdir -p "$tmp/sb"; }

fresh
expect fs_ops 0 "fs_ops ok" "$LUNATIC" run --dir "$tmp/sb:/sb" "$G/fs_ops.wasm"
if [ "$(cat "$tmp/sb/out.txt" 2>/dev/null)" = "written by the guest" ] &&
   [ "$(ls "$tmp/sb")" = "out.txt" ]; then ok fs_ops_host_view
else bad fs_ops_host_view "the sandbox holds: $(ls "$tmp/sb" | head -5)"; fi

# a host variable is passed on and replaced by --env of the same name
expect args_env 0 "args_env ok" env -u LUN_TEST_UNSET LUN_TEST_A=host \
    "$LUNATIC" run --env LUN_TEST_A=1=2 --env LUN_TEST_EMPTY= \
    "$G/args_env.wasm" 0 -x --dir "with space"
expect exit_status 7 "args_env ok" env -u LUN_TEST_UNSET "$LUNATIC" \
    --env LUN_TEST_A=1=2 --env LUN_TEST_EMPTY= "$G/args_env.wasm" 7 -x \
    --dir "with space"
expect clock_random 0 "clock_random ok" "$LUNATIC" "$G/clock_random.wasm"

# stdin from a pipe, written late and in pieces: the reads block
printf 'one\ntwo\n' >"$tmp/in"
expect stdin_pipe 0 "stdin: 3 lines, 14 bytes" sh -c \
    "(cat '$tmp/in'; sleep 0.2; echo three) | '$LUNATIC' '$G/stdin_pipe.wasm'"
expect stdin_file 0 "stdin: 2 lines, 8 bytes" sh -c \
    "'$LUNATIC' '$G/stdin_pipe.wasm' <'$tmp/in'"
expect poll_oneoff 0 "poll ok" sh -c \
    "(sleep 0.1; echo data) | '$LUNATIC' '$G/poll.wasm'"

# the escape tree, then the guest under each resolver
escape_tree() {
    fresh
    mkdir -p "$tmp/outside" "$tmp/sb/dir"
    echo secret >"$tmp/outside/secret"
    echo inside >"$tmp/sb/file"
    ln -s dir "$tmp/sb/in"
    ln -s /etc "$tmp/sb/abs"
    ln -s .. "$tmp/sb/up"
    ln -s ../outside "$tmp/sb/out"
    ln -s ../../outside "$tmp/sb/dir/deep"
    ln -s loop2 "$tmp/sb/loop1"
    ln -s loop1 "$tmp/sb/loop2"
}
for r in openat2 walk; do
    escape_tree
    expect "escape_$r" 0 "escape ok" env LUN_FS_RESOLVER=$r "$LUNATIC" \
        --dir "$tmp/sb:/sb" "$G/escape.wasm"
    if [ -e "$tmp/made" ] || [ -e "$tmp/stolen" ] || [ -e "$tmp/outside/made" ] ||
       [ "$(cat "$tmp/outside/secret")" != secret ]; then
        bad "escape_${r}_host_view" "something outside the sandbox changed"
    else ok "escape_${r}_host_view"; fi
done

# command-line errors about directories: one line, status 1
expect missing_dir 1 "--dir '$tmp/nope'" "$LUNATIC" --dir "$tmp/nope" \
    "$G/clock_random.wasm"
[ "$(wc -l <"$tmp/log")" -eq 1 ] || bad missing_dir_one_line "not one line"

echo "wasi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
