#!/bin/sh
# Smoke test of the bench runner (make bench-selftest; < 30 s): quick-size programs on
# native, node and wasm-interp (the freestanding build), one run each; every checksum must
# agree, the CSV and SVG must exist; a fake engine printing a wrong checksum must be caught
# (table MISMATCH, exit 1); extra report sections (BENCH_EXTRA) must be appended, and a
# failing one must fail the run. The interpreter itself is not built or run here.
set -eu
cd "$(dirname "$0")/.."
OUT=build/bench-results-quick
mkdir -p $OUT
fail() { echo "bench selftest: FAIL: $*" >&2; exit 1; }

# every program row must have status ok for engine $1 in results.csv
all_ok() {
    awk -F, -v e="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == e "_status") c = i; next }
             $1 !~ /^geomean/ && $c != "ok" { print e ": " $1 ": " $c; bad = 1 }
             END { exit bad }' $OUT/results.csv
}

make -s -j2 bench BENCH_NO_REAL=1 BENCH_QUICK=1 BENCH_RUNS=1 BENCH_TIMEOUT=20 BENCH_ONLY=native,node,wasm-interp \
    >$OUT/selftest.log 2>&1 || { cat $OUT/selftest.log; fail "make bench failed"; }
grep -q "checksums: all engines agree with native" $OUT/selftest.log || { cat $OUT/selftest.log; fail "checksums"; }
[ -s $OUT/results.csv ] && [ -s $OUT/results.svg ] || fail "results.csv or results.svg missing"
grep -q '^geomean,' $OUT/results.csv || fail "no geomean row in results.csv"
if command -v node >/dev/null 2>&1; then
    all_ok node || fail "node did not run every program"
fi
if command -v wasm-interp >/dev/null 2>&1; then
    all_ok wasm-interp || fail "wasm-interp did not run every freestanding program"
fi

# A lying engine: prints a fixed checksum whatever it runs.
liar=$OUT/liar.sh
printf '#!/bin/sh\necho "fib checksum=0"\n' >$liar
chmod +x $liar
if make -s bench BENCH_NO_REAL=1 BENCH_QUICK=1 BENCH_RUNS=1 BENCH_PROGS=fib BENCH_ONLY=liar \
        BENCH_ENGINES="liar=$liar" >$OUT/selftest-liar.log 2>&1; then
    cat $OUT/selftest-liar.log; fail "a wrong checksum did not fail make bench"
fi
grep -q "MISMATCH" $OUT/selftest-liar.log && grep -q "FAIL: checksum mismatch: fib on liar" $OUT/selftest-liar.log ||
    { cat $OUT/selftest-liar.log; fail "mismatch not reported"; }

# Extra sections: one prints (and sees the runner's environment), one fails.
printf '#!/bin/sh\necho "extra says out=$BENCH_OUT quick=$BENCH_QUICK"\n' >$OUT/extra-ok.sh
printf '#!/bin/sh\necho "about to fail"\nexit 3\n' >$OUT/extra-fail.sh
chmod +x $OUT/extra-ok.sh $OUT/extra-fail.sh
if make -s bench BENCH_NO_REAL=1 BENCH_QUICK=1 BENCH_RUNS=1 BENCH_PROGS=fib BENCH_ONLY=native \
        BENCH_EXTRA="$OUT/extra-ok.sh $OUT/extra-fail.sh" >$OUT/selftest-extra.log 2>&1; then
    cat $OUT/selftest-extra.log; fail "a failing extra section did not fail make bench"
fi
for want in "== extra-ok.sh" "extra says out=$OUT quick=1" "== extra-fail.sh" \
            "FAIL: extra section failed: extra-fail.sh"; do
    grep -qF "$want" $OUT/results.txt || { cat $OUT/selftest-extra.log; fail "results.txt lacks: $want"; }
done
# bench/real (make bench-real), when the corpus is built (make test-real builds it; ~10 min):
# the quick lua workload natively and on node must agree; an engine answering wrong must
# fail the run (MISMATCH); an engine that cannot run it is n/a and fails nothing.
RQ=$OUT/real
if [ -x build/real/bin/native/lua ] && [ -f build/real/bin/wasm/lua.wasm ]; then
    printf '#!/bin/sh\necho "checksum 0"\n' >$OUT/real-liar.sh
    printf '#!/bin/sh\necho "no such feature" >&2\nexit 1\n' >$OUT/real-broken.sh
    chmod +x $OUT/real-liar.sh $OUT/real-broken.sh
    make -s bench-real BENCH_QUICK=1 BENCH_RUNS=1 BENCH_REAL_PROGS=lua BENCH_ONLY=node,broken \
        BENCH_ENGINES="broken=$OUT/real-broken.sh" >$OUT/selftest-real.log 2>&1 ||
        { cat $OUT/selftest-real.log; fail "make bench-real failed"; }
    for want in "outputs: every engine that ran agrees with native" \
                "broken: lua: n/a: step 1: exit 1: no such feature"; do
        grep -qF "$want" $RQ/results.txt || { cat $OUT/selftest-real.log; fail "bench-real: results.txt lacks: $want"; }
    done
    grep -q '^lua,[0-9.]*,1.000,ok,[0-9.]*,[0-9.]*,ok,,,fail$' $RQ/results.csv ||
        { cat $RQ/results.csv; fail "bench-real: results.csv row"; }
    if make -s bench-real BENCH_QUICK=1 BENCH_RUNS=1 BENCH_REAL_PROGS=lua BENCH_ONLY=liar \
            BENCH_ENGINES="liar=$OUT/real-liar.sh" >$OUT/selftest-real-liar.log 2>&1; then
        cat $OUT/selftest-real-liar.log; fail "a wrong answer did not fail make bench-real"
    fi
    grep -q "MISMATCH" $RQ/results.txt && grep -qF "FAIL: wrong output: lua on liar" $RQ/results.txt ||
        { cat $OUT/selftest-real-liar.log; fail "bench-real: mismatch not reported"; }
else
    echo "bench selftest: build/real not built (make test-real): bench/real part skipped"
fi
echo "bench selftest: ok"
