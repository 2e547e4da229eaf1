#!/bin/sh
# tests/ops/crash.sh LUNATIC WORKER.wasm: crash reports (sched/crash.c):
# what a text report says (pid, module, function, trap, backtrace with
# the name section's names, links, monitors, mailbox), the verbosity
# levels (LUNATIC_LOG, RUST_LOG), JSON reports that parse, and the rate
# limit under a storm of 300 crashes.
set -u
L=$1 W=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "ops-crash: FAIL: $*"; [ -f "$T/err" ] && sed -n 1,40p "$T/err"; exit 1; }
has() { grep -qF -- "$1" "$T/err" || fail "no '$1' in the report"; }

# text, at warn: the crasher's report and its buddy's (killed by the link)
LUNATIC_LOG=warn "$L" run "$W" crash 2>"$T/err" || fail "crash run status $?"
has "failed: unreachable in function crash_here"
has "module: worker.wasm, function: _lun_spawn_entry, reason: failure"
has "trap: unreachable"
has "  at #0 crash_here (func "
has "  at #1 crasher (func "
has "monitored by: 1"
has "mailbox: 3 messages"
has "reason: killed"
grep -q "^  links: [0-9]" "$T/err" || fail "the crasher's link is not named"
[ "$(grep -c 'failed:' "$T/err")" = 2 ] || fail "want 2 reports at warn"

# error: only processes that failed on their own; unset: none
LUNATIC_LOG=error "$L" run "$W" crash 2>"$T/err"
[ "$(grep -c 'failed:' "$T/err")" = 1 ] || fail "want 1 report at error"
RUST_LOG=hyper=info,lunatic=error "$L" run "$W" crash 2>"$T/err"
[ "$(grep -c 'failed:' "$T/err")" = 1 ] || fail "RUST_LOG=lunatic=error"
env -u LUNATIC_LOG -u RUST_LOG "$L" run "$W" crash 2>"$T/err"
[ -s "$T/err" ] && fail "reports with no level set"
LUNATIC_LOG=1 "$L" run "$W" crash 2>"$T/err"
[ "$(grep -c 'failed:' "$T/err")" = 2 ] || fail "LUNATIC_LOG=1 reports every failure"

# JSON: one object per line, each valid, with the fields filled in
LUNATIC_LOG=warn LUNATIC_CRASH_FORMAT=json "$L" run "$W" crash 2>"$T/err"
n=0
while IFS= read -r line; do
    printf '%s\n' "$line" | python3 -m json.tool >/dev/null ||
        fail "not JSON: $line"
    n=$((n + 1))
done <"$T/err"
[ "$n" = 2 ] || fail "want 2 JSON reports, got $n"
python3 - "$T/err" <<'PY' || fail "JSON report content"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
c = next(x for x in r if x["reason"] == "failure")
k = next(x for x in r if x["reason"] == "killed")
assert c["module"] == "worker.wasm" and c["trap"] == "unreachable", c
assert [f["name"] for f in c["backtrace"][:2]] == ["crash_here", "crasher"], c
assert c["mailbox_messages"] == 3 and c["monitored_by"] == [{"node": 0, "pid": 1}], c
assert c["links"] == [{"node": 0, "pid": k["pid"]}], (c, k)
assert k["backtrace"] == [] and k["trap"] is None, k
PY

# the rate limit: 300 crashes at once, 5 reports a second at most; the
# rest counted in "suppressed" lines, so that nothing is lost silently
LUNATIC_LOG=error LUNATIC_CRASH_RATE=5 "$L" run "$W" storm 300 2>"$T/err"
shown=$(grep -c 'failed:' "$T/err")
hidden=$(sed -n 's/^lunatic: \([0-9]*\) more crash reports suppressed.*/\1/p' "$T/err" |
         awk '{s += $1} END {print s + 0}')
[ "$shown" -ge 1 ] && [ "$shown" -le 10 ] || fail "$shown reports shown (rate 5/s)"
[ $((shown + hidden)) = 300 ] || fail "$shown shown + $hidden suppressed != 300"
echo "ops-crash: PASS (text, levels, JSON, rate limit: $shown shown, $hidden suppressed)"
