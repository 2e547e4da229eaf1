#!/bin/sh
# windows.sh: `make test-windows`: run the IOCP poller tests (the
# mingw-w64 build of run_poll_win.c) under wine64. If wine cannot run
# programs here, say why and exit 0: the cross build itself is the check
# then. Usage: windows.sh EXE PREFIX_DIR
set -u
exe=$1
prefix=$2
# Debian's wine64 package puts wine64 in /usr/lib/wine and only the
# `wine` wrapper on PATH.
wine=$(command -v wine64 || command -v /usr/lib/wine/wine64 || command -v wine)
if [ -z "$wine" ]; then
    echo "test-windows: built $exe; not run: wine64 is not installed"
    exit 0
fi
mkdir -p "$prefix"
out=$(mktemp)
# No display here: wine runs console programs without one. The first run
# creates the prefix (wineboot), hence the generous timeout.
WINEPREFIX=$(cd "$prefix" && pwd) WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
    timeout 600 "$wine" "$exe" >"$out" 2>"$out.err"
rc=$?
cat "$out"
if ! grep -q '^poll\[' "$out"; then
    echo "test-windows: built $exe; not run: $wine could not start it (status $rc):"
    tail -5 "$out.err" | sed 's/^/    /'
    rm -f "$out" "$out.err"
    exit 0
fi
rm -f "$out" "$out.err"
exit $rc
