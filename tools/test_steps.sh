#!/bin/sh
# test_steps.sh: runs the steps of `make test` (or test-core, test-asan)
# one after another, each a sub-make, and ends with one line per step and
# the totals "N passed, M failed". A failed step does not stop the others
# (except a failed build: nothing after it could run); the exit status is
# 1 if any step failed.
# Usage: tools/test_steps.sh MAKE STEP...
#   STEP is a make target, or ARGS:TARGET with ARGS make variable
#   assignments separated by commas (VARIANT=asan:unit,
#   VARIANT=clang,CC=clang:all). A TARGET named "all" is the build step.
# Steps' output goes through untouched; the summary repeats only the
# verdicts, so a failure is both where it happened and at the end.
set -u
make_cmd=$1
shift
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
passed=0
failed=0

for step in "$@"; do
    case $step in
    *:*) args=$(printf '%s' "${step%:*}" | tr ',' ' '); target=${step##*:} ;;
    *) args=""; target=$step ;;
    esac
    label="$target${args:+ ($args)}"
    echo "== test step: $label"
    start=$(date +%s)
    # shellcheck disable=SC2086 # make_cmd and args are meant to split
    if $make_cmd $args "$target"; then
        verdict=ok
        passed=$((passed + 1))
    else
        verdict=FAIL
        failed=$((failed + 1))
    fi
    secs=$(($(date +%s) - start))
    printf '%-4s %5ss  %s\n' "$verdict" "$secs" "$label" >>"$summary"
    if [ "$verdict" = FAIL ] && [ "$target" = all ]; then
        echo "== test step: $label failed: the build is needed by every later step"
        break
    fi
done

echo "== test summary"
cat "$summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
