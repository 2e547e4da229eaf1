#!/bin/sh
# How much do benchmark figures depend on where the interpreter's handlers land?
#   sh bench/layout.sh [FILE.wasm ...]
# Builds the bench interpreter four times with interp() moved by 0, 16, 32 and 48
# bytes (-DVM_LAYOUT_PAD, vm/exec.c) into build/layout-N/, then runs every program
# on each build and prints the best kernel_s of BENCH_RUNS (2) runs per placement.
# A row whose figures differ by much more than the machine's noise is decided by code
# placement, not by the code. Default programs: the anchors fnv, memops, matmul and
# sieve (build them first with `make bench-build BENCH_WITH_ANCHORS=1`).
set -eu
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-2}
PADS="0 16 32 48"
A=build/bench-results/anchors/wasm
[ $# -gt 0 ] || set -- $A/fnv.wasm $A/memops.wasm $A/matmul.wasm $A/sieve.wasm
for f in "$@"; do
    [ -f "$f" ] || { echo "layout: $f not found (make bench-build BENCH_WITH_ANCHORS=1)" >&2; exit 1; }
done
for p in $PADS; do
    pad=$([ "$p" = 0 ] || echo "-DVM_LAYOUT_PAD=$p")
    make -s -j2 VARIANT=bench B=build/layout-$p CFLAGS="$pad" build/layout-$p/lunatic >/dev/null
done
printf '%-24s' "program \\ interp moved by"
for p in $PADS; do printf '%8s' "+$p"; done
echo
for f in "$@"; do
    printf '%-24s' "$(basename "$f" .wasm)"
    for p in $PADS; do
        best=
        i=0
        while [ $i -lt "$RUNS" ]; do
            t=$(build/layout-$p/lunatic "$f" | sed -n 's/.*kernel_s=\([0-9.]*\).*/\1/p')
            [ -n "$t" ] || { echo; echo "layout: $f printed no kernel_s" >&2; exit 1; }
            best=$(echo "$t ${best:-$t}" | awk '{ print ($1 < $2) ? $1 : $2 }')
            i=$((i + 1))
        done
        printf '%8s' "$best"
    done
    echo
done
