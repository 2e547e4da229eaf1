# harness.sh: what the shell suites tests/sched/run.sh, tests/sandbox/run.sh
# and tests/perms/run.sh share. Sourced after setting SUITE (the prefix of
# their lines) and T_TIMEOUT (the seconds a case may take); makes $tmp
# (removed at exit) and counts the cases that passed and failed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "$SUITE: ok   $1"; }
bad() { failed=$((failed + 1)); echo "$SUITE: FAIL $1"; }

# t NAME STATUS TEXTS CMD...: CMD must exit with STATUS within T_TIMEOUT
# seconds and print each of TEXTS ('|'-separated, on stdout or stderr;
# none when empty). After an ok, the lines of its output matching T_SHOW
# (a basic regular expression), when set, are shown.
t() {
    name=$1 want=$2 texts=$3
    shift 3
    timeout "$T_TIMEOUT" "$@" >"$tmp/out" 2>&1 </dev/null
    got=$?
    missing=
    old_ifs=$IFS
    IFS='|'
    for text in $texts; do
        grep -qF -- "$text" "$tmp/out" || missing=$text
    done
    IFS=$old_ifs
    if [ "$got" = "$want" ] && [ -z "$missing" ]; then
        ok "$name"
        [ -z "${T_SHOW:-}" ] || sed -n "s/^\($T_SHOW\)$/    \1/p" "$tmp/out"
    else
        bad "$name: exit $got (want $want)${missing:+, no '$missing'}, output:"
        sed 's/^/    /' "$tmp/out" | head -20
    fi
}

# at_most NAME WHAT VALUE MAX UNIT: VALUE (a figure the last case
# printed; empty when it printed none) is at most MAX.
at_most() {
    if [ -n "$3" ] && [ "$3" -le "$4" ]; then
        ok "$1: $2 $3 $5 <= $4 $5"
    else
        bad "$1: $2 '$3' $5, bound $4 $5"
    fi
}

# summary: the totals line; fails when a case failed.
summary() {
    echo "$SUITE: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
