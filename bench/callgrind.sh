#!/bin/sh
# make bench-callgrind PROG=name: runs LUNATIC on one quick-size bench program under
# callgrind and prints the instruction count (Ir), which unlike wall time is stable on a
# noisy machine: the number to compare before and after an interpreter change. Then the
# functions with the most instructions. Usage: bench/callgrind.sh LUNATIC PROG.wasm
set -eu
lun=$1 wasm=$2
name=$(basename "$wasm" .wasm)
command -v valgrind >/dev/null || { echo "bench-callgrind: valgrind not installed" >&2; exit 2; }
out=build/bench-results-quick/callgrind
mkdir -p $out
cg=$out/callgrind.out.$name
valgrind --tool=callgrind --callgrind-out-file=$cg "$lun" "$wasm" >$out/$name.stdout 2>$out/$name.log ||
    { cat $out/$name.log >&2; echo "bench-callgrind: $lun $wasm failed" >&2; exit 1; }
ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' $out/$name.log)
[ -n "$ir" ] || { cat $out/$name.log >&2; echo "bench-callgrind: no instruction count" >&2; exit 1; }
# the checksum too, so a faster but wrong interpreter does not go unnoticed
echo "$(cat $out/$name.stdout)"
printf '%s: %s instructions (Ir) on %s, quick size; profile: %s\n' \
    "$name" "$(echo "$ir" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')" "$lun" "$cg"
if command -v callgrind_annotate >/dev/null; then
    echo "top functions:"
    # the ten lines after the per-function table's header ("Ir  file:function", a rule)
    callgrind_annotate $cg 2>/dev/null |
        awk '/file:function/ { go = 1; getline; next } go && NF && n++ < 10 { print "  " $0 }'
fi
