#!/bin/sh
# bench/dispatch/run.sh [N REPS]: builds dispatch.c three ways (GCC and clang
# with computed goto, clang with musttail tail calls), prints the
# instructions each runs for fib(24) (callgrind, when installed: stable on a
# noisy machine) and the best of five user-CPU times for fib(N) x REPS.
set -eu
n=${1:-32} reps=${2:-10}
dir=$(dirname "$0") out=${OUT:-build/dispatch}
mkdir -p "$out"
flags="-std=c11 -O2 -Wall -Wextra -Werror"
gcc $flags "$dir/dispatch.c" -o "$out/goto-gcc"
clang $flags "$dir/dispatch.c" -o "$out/goto-clang"
clang $flags -DTAIL "$dir/dispatch.c" -o "$out/tail-clang"
for v in goto-gcc goto-clang tail-clang; do
    ir=-
    if command -v valgrind >/dev/null; then
        ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/$v" 24 1 2>&1 |
             sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
    fi
    best=
    for i in 1 2 3 4 5; do
        t=$( { /usr/bin/time -f %U "$out/$v" "$n" "$reps" >/dev/null; } 2>&1 | tail -1)
        best=$(printf '%s\n%s\n' "$t" "${best:-$t}" | sort -n | head -1)
    done
    printf '%-11s fib(24): %10s instructions   fib(%s) x%s: %s s user (best of 5)\n' \
        "$v" "$ir" "$n" "$reps" "$best"
done
