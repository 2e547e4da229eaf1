#!/bin/sh
# run.sh: permissions only narrow (docs/processes.md "Permissions"). perms.wasm, as
# the root or as a child holding less, asks to grant a config more than it
# holds: directories outside its preopens ("/", "..", a sibling, a longer
# name, symlinks leading out, absolute symlinks), more memory or fuel, a
# flag it lacks. Each must trap the asker with a message naming what and
# why; what it does hold it can grant, and the child then reads there and
# nowhere else. The directory tests run under both path resolvers.
# Usage: tests/perms/run.sh LUNATIC PERMS_WASM
set -u
L=$1
P=$2
SUITE=perms
T_TIMEOUT=120
. "$(dirname "$0")/../harness.sh"

# The tree: X/b is what the process holds; X/a is its sibling.
X=$tmp/x
mkdir -p "$X/a" "$X/b/sub" "$tmp/ab" "$tmp/abc"
echo sibling >"$X/a/in.txt"
echo inside >"$X/b/sub/in.txt"
echo holder >"$X/b/top.txt"
ln -s ../a "$X/b/up"           # relative, leading out
ln -s "$X/b/sub" "$X/b/abs"    # absolute (even though it points inside)
ln -s /etc "$X/b/etc"          # absolute, leading out
ln -s sub "$X/b/inlink"        # relative, staying inside

TRAP=141 # 128 + host error
OUT="refused: it leads out of the preopened directory"
NOTIN="refused: not inside any directory this process has preopened"

for r in openat2 walk; do
    export LUN_FS_RESOLVER=$r
    g() { # g NAME TEXT DIR_ARGS... -- PATH: the root may not grant PATH
        name=$1 text=$2
        shift 2
        args=
        while [ "$1" != -- ]; do args="$args $1"; shift; done
        # shellcheck disable=SC2086 # args holds no spaces: paths in $tmp
        t "$name/$r" $TRAP "config_preopen_dir '$2' $text" "$L" $args "$P" grant "$2"
    }
    g slash "$NOTIN" --dir "$X/b" -- /
    g etc "$NOTIN" --dir "$X/b" -- /etc
    g sibling "$NOTIN" --dir "$X/b" -- "$X/a"
    g longer_prefix "$NOTIN" --dir "$tmp/ab" -- "$tmp/abc"
    g dotdot "$OUT '$X/b'" --dir "$X/b" -- "$X/b/.."
    g dotdot_relative "$OUT '.'" --dir "$X/b:." -- ..
    g dotdot_inner "$OUT" --dir "$X/b" -- "$X/b/sub/../../a"
    g symlink_out "$OUT" --dir "$X/b" -- "$X/b/up"
    g symlink_absolute "$OUT" --dir "$X/b" -- "$X/b/abs"
    g symlink_etc "$OUT" --dir "$X/b" -- "$X/b/etc"
    g not_a_dir "refused: Not a directory" --dir "$X/b" -- "$X/b/top.txt"
    g missing "refused: no such directory" --dir "$X/b" -- "$X/b/nope"
    # the root holds exactly its --dir: without one, nothing
    g root_none_dot "$NOTIN" -- .
    g root_none_tmp "$NOTIN" -- "$tmp"
    g root_none_home "$NOTIN" -- "~"

    # What it holds it grants: the child reads there and nowhere else.
    t "sub/$r" 0 "ok read" "$L" --dir "$X/b" "$P" read "$X/b/sub" \
        "$X/b/sub/in.txt" inside "$X/b/top.txt" "$X/a/in.txt" \
        "$X/b/sub/../top.txt"
    t "sub_guest_name/$r" 0 "ok read" "$L" --dir "$X/b:/data" "$P" read \
        /data/sub /data/sub/in.txt inside /data/top.txt "$X/b/sub/in.txt"
    t "sub_relative/$r" 0 "ok read" "$L" --dir "$X/b:." "$P" read sub \
        sub/in.txt inside top.txt
    t "tilde/$r" 0 "ok read" "$L" --dir "$X/b:~" "$P" read "~/sub" \
        "~/sub/in.txt" inside "~/top.txt"
    t "symlink_inside/$r" 0 "ok read" "$L" --dir "$X/b" "$P" read \
        "$X/b/inlink" "$X/b/inlink/in.txt" inside "$X/b/top.txt"
    t "whole_preopen/$r" 0 "ok read" "$L" --dir "$X/b" "$P" read "$X/b" \
        "$X/b/top.txt" holder "$X/a/in.txt"

    # A rename and a symlink out in its place after the grant: children
    # still get the directory that was checked.
    S=$tmp/swap
    rm -rf "$S"
    mkdir -p "$S/a" "$S/b/d"
    echo sibling >"$S/a/in.txt"
    echo inside >"$S/b/d/in.txt"
    t "swap/$r" 0 "ok swap" "$L" --dir "$S/b" "$P" swap "$S/b"

    # A child holding X/b/sub cannot hand on more.
    t "child_widen_dir/$r" 0 "ok widen dir refused|config_preopen_dir '$X/b' $NOTIN" \
        env LUNATIC_LOG=1 "$L" --dir "$X/b" "$P" widen dir "$X/b/sub" "$X/b"
    t "child_widen_dotdot/$r" 0 "ok widen dir refused|$OUT" \
        env LUNATIC_LOG=1 "$L" --dir "$X/b" "$P" widen dir "$X/b/sub" "$X/b/sub/.."
done
unset LUN_FS_RESOLVER

# Limits and flags: a fresh config starts from the creator's limits; a
# child asking for more than it holds traps.
t defaults 0 "ok defaults" "$L" "$P" defaults
w() { # w KIND MESSAGE
    t "child_widen_$1" 0 "ok widen $1 refused|$2" env LUNATIC_LOG=1 "$L" "$P" widen "$1"
}
w memory "config_set_max_memory refused: 8388609 bytes is more than this process's own max_memory (8388608)"
w fuel "config_set_max_fuel refused: 1001 is more than this process's own max_fuel (1000)"
w nofuel "config_set_max_fuel refused: 0 (no limit) is more than this process's own max_fuel (1000)"
w compile "config_set_can_compile_modules refused: this process may not compile modules itself"
w spawn "config_set_can_spawn_processes refused: this process may not spawn processes itself"

summary
