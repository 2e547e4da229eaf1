#!/bin/sh
# build.sh REAL TARGET PROG: build one corpus program from the upstream
# sources unpacked by fetch.sh under REAL/src/, for TARGET "wasm" (clang
# --target=wasm32-wasi -O2, with the shims of tests/real/shim/) or "native"
# (cc -O2), into REAL/bin/TARGET/PROG (PROG.wasm for wasm); TARGET "amalg"
# only generates SQLite's amalgamation.
# PROG: lua, zlib-example, minigzip, sqlite3, mujs, bzip2.
# Both builds get the same feature flags, so that the programs behave alike;
# only what wasm32-wasi lacks is shimmed. The compilers can be overridden
# with WASM_CC and NATIVE_CC.
set -eu
[ $# -eq 3 ] || { echo "usage: build.sh REAL TARGET PROG" >&2; exit 2; }
real=$1; target=$2; prog=$3
here=$(cd "$(dirname "$0")" && pwd)
real=$(cd "$real" && pwd)
shim="$here/shim"

srcdir() { # the unpacked folder of Debian source package $1
    [ -f "$real/src/$1.dir" ] || { echo "build.sh: $1 not fetched (run fetch.sh)" >&2; exit 1; }
    echo "$real/src/$(cat "$real/src/$1.dir")"
}

case $target in
wasm)
    out="$real/bin/wasm/$prog.wasm"
    # -include posix.h and -I$shim (setjmp.h, pwd.h): see those files.
    # The emulations wasi-libc offers: signal() that can only raise,
    # clock()/times() from the wall clock, getpid() returning 42.
    set -- ${WASM_CC:-clang} --target=wasm32-wasi -O2 -w -I"$shim" -include posix.h \
        -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_GETPID
    libs="$shim/shim.c -lm -lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-getpid"
    ;;
native)
    out="$real/bin/native/$prog"
    set -- ${NATIVE_CC:-cc} -O2 -w
    libs="-lm"
    ;;
amalg) # only sqlite3's amalgamation (the two builds share it)
    [ "$prog" = sqlite3 ] || { echo "build.sh: amalg is for sqlite3" >&2; exit 2; }
    out="" ;;
*) echo "build.sh: unknown target $target" >&2; exit 2 ;;
esac
[ -z "$out" ] || mkdir -p "$(dirname "$out")"

case $prog in
lua)
    d=$(srcdir lua5.4)/src
    files=$(ls "$d"/*.c | grep -v -e '/luac\.c$' -e '/onelua\.c$')
    # os.tmpname: wasi-libc has no tmpnam; the build makes it fail cleanly
    # (it is not used by the scripts) on both targets.
    set -- "$@" -std=gnu99 -DLUA_TMPNAMBUFSIZE=32 '-Dlua_tmpnam(b,e)=(e=1)' $files
    ;;
zlib-example|minigzip)
    d=$(srcdir zlib)
    set -- "$@" -I"$d" -DHAVE_UNISTD_H
    for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback \
             inffast inflate inftrees trees uncompr zutil; do
        set -- "$@" "$d/$f.c"
    done
    set -- "$@" "$d/test/${prog#zlib-}.c"
    ;;
sqlite3)
    # The amalgamation (sqlite3.c) and the shell (shell.c) are generated
    # from the source tree with its own configure and make (they need tclsh).
    d=$(srcdir sqlite3)
    a="$real/sqlite-amalg"
    if [ ! -f "$a/sqlite3.c" ] || [ ! -f "$a/shell.c" ]; then
        rm -rf "$a" && mkdir -p "$a"
        (cd "$a" && "$d/configure" --disable-tcl --disable-readline >configure.log 2>&1 &&
            make sqlite3.c shell.c >make.log 2>&1) ||
            { tail -20 "$a"/*.log >&2; echo "build.sh: sqlite3 amalgamation failed" >&2; exit 1; }
    fi
    [ "$target" != amalg ] || exit 0
    # One thread, no extensions to load, no WAL or mmap (WASI has no shared
    # memory between processes), no popen (.once |cmd, .system).
    set -- "$@" -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL \
        -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_OMIT_POPEN -DSQLITE_DEFAULT_MEMSTATUS=0 \
        -I"$a" "$a/sqlite3.c" "$a/shell.c"
    ;;
mujs)
    d=$(srcdir mujs)
    set -- "$@" -std=gnu99 "$d/one.c" "$d/main.c"
    ;;
bzip2)
    d=$(srcdir bzip2)
    for f in blocksort huffman crctable randtable compress decompress bzlib bzip2; do
        set -- "$@" "$d/$f.c"
    done
    ;;
*) echo "build.sh: unknown program $prog" >&2; exit 2 ;;
esac

# shellcheck disable=SC2086 # $libs is a list
"$@" $libs -o "$out.tmp" || { echo "build.sh: $target $prog failed" >&2; exit 1; }
mv "$out.tmp" "$out"
