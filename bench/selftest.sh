#!/bin/sh
# Smoke test of the bench runner (make bench-selftest; < 30 s): quick-size programs on
# native and node, one run each; every checksum must agree, the CSV and SVG must exist,
# and a fake engine printing a wrong checksum must be caught (table MISMATCH, exit 1).
set -eu
cd "$(dirname "$0")/.."
OUT=build/bench-quick
mkdir -p $OUT
fail() { echo "bench selftest: FAIL: $*" >&2; exit 1; }

make -s bench BENCH_QUICK=1 BENCH_RUNS=1 BENCH_TIMEOUT=20 BENCH_ONLY=native,node \
    >$OUT/selftest.log 2>&1 || { cat $OUT/selftest.log; fail "make bench failed"; }
grep -q "checksums: all engines agree with native" $OUT/selftest.log || { cat $OUT/selftest.log; fail "checksums"; }
[ -s $OUT/results.csv ] && [ -s $OUT/results.svg ] || fail "results.csv or results.svg missing"
grep -q '^geomean,' $OUT/results.csv || fail "no geomean row in results.csv"
if command -v node >/dev/null 2>&1; then
    # every program row must have a node time (status ok)
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "node_status") c = i; next }
             $1 != "geomean" && $c != "ok" { print "node: " $1 ": " $c; bad = 1 }
             END { exit bad }' $OUT/results.csv || fail "node did not run every program"
fi

# A lying engine: prints a fixed checksum whatever it runs.
liar=$OUT/liar.sh
printf '#!/bin/sh\necho "fib checksum=0"\n' >$liar
chmod +x $liar
if make -s bench BENCH_QUICK=1 BENCH_RUNS=1 BENCH_PROGS=fib BENCH_ONLY=liar \
        BENCH_ENGINES="liar=$liar" >$OUT/selftest-liar.log 2>&1; then
    cat $OUT/selftest-liar.log; fail "a wrong checksum did not fail make bench"
fi
grep -q "MISMATCH" $OUT/selftest-liar.log && grep -q "FAIL: checksum mismatch: fib on liar" $OUT/selftest-liar.log ||
    { cat $OUT/selftest-liar.log; fail "mismatch not reported"; }
echo "bench selftest: ok"
