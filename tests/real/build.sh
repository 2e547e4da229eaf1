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
    set -- "$@" -std=gnu99 -DLUA_TMPNAMBUFSIZE=32 '-Dlua_tmpnam(b,e)=(e=1)'
    ;;
zlib-example|minigzip)
    d=$(srcdir zlib)
    set -- "$@" -I"$d" -DHAVE_UNISTD_H
    files=""
    for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback \
             inffast inflate inftrees trees uncompr zutil; do
        files="$files $d/$f.c"
    done
    files="$files $d/test/${prog#zlib-}.c"
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
    # memory between processes), no popen (.once |cmd, .system). Its printf
    # rounds in long double, 80 bits on x86-64 and 128 on wasm32, which gave
    # different digits for .dump (10.499999999999999999 natively, 10.5 on
    # wasm): both builds use double.
    set -- "$@" -DLONGDOUBLE_TYPE=double -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL \
        -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_OMIT_POPEN -DSQLITE_DEFAULT_MEMSTATUS=0 \
        -I"$a"
    files="$a/sqlite3.c $a/shell.c"
    ;;
mujs)
    d=$(srcdir mujs)
    set -- "$@" -std=gnu99
    files="$d/one.c $d/main.c"
    ;;
bzip2)
    d=$(srcdir bzip2)
    files=""
    for f in blocksort huffman crctable randtable compress decompress bzlib bzip2; do
        files="$files $d/$f.c"
    done
    ;;
*) echo "build.sh: unknown program $prog" >&2; exit 2 ;;
esac

# Lua and mujs need setjmp/longjmp: on wasm, shim/sjlj.c's, which wraps main
# (renamed real_sjlj_main) and needs the Asyncify instrumentation of wasm-opt
# (see shim/setjmp.h). Only start_unwind unwinds (not the WASI imports);
# the driver itself is left alone. wasm-opt finds the driver by name: the
# link must keep the name section, so it is done without -O2 (with which
# clang runs wasm-opt -O2 itself, dropping the names), and the sources are
# compiled (with -O2) first.
case $target/$prog in
wasm/lua|wasm/mujs)
    command -v ${WASM_OPT:-wasm-opt} >/dev/null ||
        { echo "build.sh: wasm-opt not found (make deps: binaryen)" >&2; exit 1; }
    obj="$out.obj"
    rm -rf "$obj" && mkdir -p "$obj"
    i=0
    for f in $files; do
        i=$((i + 1))
        "$@" -Dmain=real_sjlj_main -c "$f" -o "$obj/$i.o" ||
            { echo "build.sh: $target $prog: $f failed" >&2; exit 1; }
    done
    "$@" -c "$shim/sjlj.c" -o "$obj/sjlj.o"
    ${WASM_CC:-clang} --target=wasm32-wasi -c "$shim/sp.S" -o "$obj/sp.o"
    "$@" -c "$shim/shim.c" -o "$obj/shim.o"
    # shellcheck disable=SC2086
    ${WASM_CC:-clang} --target=wasm32-wasi "$obj"/*.o ${libs#"$shim/shim.c"} -o "$out.tmp" ||
        { echo "build.sh: $target $prog: link failed" >&2; exit 1; }
    ${WASM_OPT:-wasm-opt} "$out.tmp" --asyncify \
        --pass-arg=asyncify-imports@asyncify.start_unwind \
        --pass-arg=asyncify-removelist@real_sjlj_driver -O2 -o "$out.tmp2" ||
        { echo "build.sh: wasm-opt --asyncify $prog failed" >&2; exit 1; }
    rm -rf "$obj" "$out.tmp"
    mv "$out.tmp2" "$out"
    exit 0
    ;;
esac

# shellcheck disable=SC2086 # $files and $libs are lists
"$@" $files $libs -o "$out.tmp" || { echo "build.sh: $target $prog failed" >&2; exit 1; }
mv "$out.tmp" "$out"
