#!/bin/sh
# run.sh: end-to-end tests of the WASI layer: the C guests of
# tests/wasi/guests (built by `make wasi-guests`) run by `lunatic` in a
# fresh temp dir preopened as /sb, each checking its own results; the
# escape guest runs under both path resolvers (openat2 and the walk).
# Usage: tests/wasi/run.sh LUNATIC GUEST_DIR
set -u
LUNATIC=$1
G=$2
D=$(dirname "$0") # client.py lives here
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

# trailing slashes, absolute symlinks, directories opened for writing:
# the errno of each case under each resolver, then the tree must be as the
# guest left it (symlinks still symlinks, the file's text, nothing made
# outside, no absolute symlink made)
path_rules_tree() {
    fresh
    mkdir -p "$tmp/outside" "$tmp/sb/dir"
    echo secret >"$tmp/outside/secret"
    echo inside >"$tmp/sb/file"
    ln -s file "$tmp/sb/lf"
    ln -s dir "$tmp/sb/ld"
    ln -s /etc/passwd "$tmp/sb/abs_out"
    ln -s "$tmp/sb/file" "$tmp/sb/abs_in"
}
for r in openat2 walk; do
    path_rules_tree
    expect "path_rules_$r" 0 "path_rules ok" env LUN_FS_RESOLVER=$r \
        "$LUNATIC" --dir "$tmp/sb:/sb" "$G/path_rules.wasm"
    if [ "$(ls "$tmp/sb" | tr '\n' ' ')" != "abs_in abs_out dir file ld lf " ] ||
       [ "$(cat "$tmp/sb/file")" != inside ] || [ ! -L "$tmp/sb/lf" ] ||
       [ ! -L "$tmp/sb/ld" ] || [ ! -d "$tmp/sb/dir" ] ||
       [ -n "$(ls "$tmp/sb/dir")" ] ||
       [ "$(ls "$tmp/outside")" != secret ] ||
       [ "$(cat "$tmp/outside/secret")" != secret ]; then
        bad "path_rules_${r}_host_view" "the tree changed: $(ls "$tmp/sb" | head -12 | tr '\n' ' ')"
    else ok "path_rules_${r}_host_view"; fi
done

# the descriptor calls fs_ops does not reach, with /sb2 for fd_renumber
# onto a preopen
fresh
rm -rf "$tmp/sb2" && mkdir -p "$tmp/sb2"
expect fd_more 0 "fd_more ok" "$LUNATIC" run --dir "$tmp/sb:/sb" \
    --dir "$tmp/sb2:/sb2" "$G/fd_more.wasm"
if [ "$(cat "$tmp/sb/ra.txt")" = "Aa+out" ] && [ -z "$(ls "$tmp/sb2")" ]; then
    ok fd_more_host_view
else bad fd_more_host_view "ra.txt holds '$(cat "$tmp/sb/ra.txt")'"; fi

# proc_raise: SIGTERM (15) ends the guest with a trap, status >= 128 and
# the signal named (one line, then the trap's "  at #N" backtrace);
# SIGCHLD (16) and SIGWINCH (27) are ignored; 31 is no signal (EINVAL, 28)
raise_traps() {
    timeout 20 "$LUNATIC" "$G/raise.wasm" "$1" 0 >"$tmp/log" 2>&1
    got=$?
    if [ "$got" -lt 128 ] || [ "$got" -ge 256 ] || [ "$got" = 124 ]; then
        bad "raise_$2" "exit status $got, want 128 or more"
    elif ! grep -qF "proc_raise: the guest raised $2" "$tmp/log" ||
         [ "$(grep -vc '^  at #' "$tmp/log")" -ne 1 ]; then
        bad "raise_$2" "not one line naming $2 on stderr"
    else ok "raise_$2"; fi
}
raise_traps 15 SIGTERM
raise_traps 6 SIGABRT
expect raise_SIGCHLD 0 "proc_raise(16) returned 0" \
    timeout 20 "$LUNATIC" "$G/raise.wasm" 16 0
expect raise_SIGWINCH 0 "proc_raise(27) returned 0" \
    timeout 20 "$LUNATIC" "$G/raise.wasm" 27 0
expect raise_unknown 0 "proc_raise(31) returned 28" \
    timeout 20 "$LUNATIC" "$G/raise.wasm" 31 28

# sockets: `run --listen` on a free port; the client connects only once
# the guest waits in sock_accept (and half a second later), so the accept
# parks; the guest checks it burnt no CPU meanwhile
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
sock_echo() { # NAME ENV...
    name=$1
    shift
    port=$(free_port)
    : >"$tmp/srv"
    env "$@" timeout 20 "$LUNATIC" run --listen "127.0.0.1:$port" \
        "$G/sock_echo.wasm" >"$tmp/srv" 2>&1 &
    srv=$!
    timeout 20 python3 "$D/client.py" echo "$port" "$tmp/srv" >"$tmp/log" 2>&1
    crc=$?
    wait $srv
    src=$?
    cat "$tmp/srv" >>"$tmp/log"
    if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
        bad "$name" "client status $crc, server status $src"
    elif ! grep -qF "sock_echo ok" "$tmp/log" ||
         ! grep -qF "client ok" "$tmp/log"; then bad "$name" "no ok line"
    else ok "$name"; fi
}
sock_echo sock_echo LUN_UNUSED=1
sock_echo sock_echo_nosched LUNATIC_NO_SCHED=1

# fd_write to a pipe whose reader starts 1 s late: the pipe fills, the
# writes park until there is room, and all 1 MiB arrives in order
big_write() { # NAME ENV...
    name=$1
    shift
    env "$@" timeout 20 sh -c "'$LUNATIC' '$G/bigwrite.wasm' 2>'$tmp/bw' |
        python3 '$D/client.py' slowread 1048576" >"$tmp/log" 2>&1
    got=$?
    cat "$tmp/bw" >>"$tmp/log"
    if [ "$got" != 0 ]; then bad "$name" "exit status $got"
    elif ! grep -qF "reader ok: 1048576 bytes in order" "$tmp/log" ||
         ! grep -qF "bigwrite ok: 1048576 bytes" "$tmp/log"; then
        bad "$name" "no ok line"
    else ok "$name"; fi
}
big_write bigwrite_pipe LUN_UNUSED=1
big_write bigwrite_pipe_nosched LUNATIC_NO_SCHED=1

# command-line errors about directories: one line, status 1
expect missing_dir 1 "--dir '$tmp/nope'" "$LUNATIC" --dir "$tmp/nope" \
    "$G/clock_random.wasm"
[ "$(wc -l <"$tmp/log")" -eq 1 ] || bad missing_dir_one_line "not one line"

echo "wasi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
