# tests/nodes/lib.sh: what the multi-node suites share. Sourced after
# setting SUITE (the prefix of their lines) and L (the lunatic binary).
# Makes $T, removed at exit (kept, and said so, when NODES_KEEP=1 and the
# suite failed) after every process in $pids is continued and killed and
# the suite's own extra_cleanup (if it defines one) has run.
T=$(mktemp -d)
pids=""
keep=""
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if command -v extra_cleanup >/dev/null 2>&1; then extra_cleanup; fi
    [ -n "$keep" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail WHY: the suite fails, showing the end of every node's log.
fail() {
    keep=${NODES_KEEP:-}
    echo "$SUITE: FAIL: $*${keep:+ (logs kept in $T)}"
    for f in "$T"/*.log; do echo "== $f"; tail -n 40 "$f"; done
    exit 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# certs NAME...: a certificate for each node name, from the cluster CA
# ($T/ca, made on first use), into $T/nodes.
certs() {
    [ -f "$T/ca/ca.pem" ] || "$L" cert ca --out "$T/ca" >/dev/null || fail "cert ca"
    for n in "$@"; do
        "$L" cert node --ca "$T/ca" --name "$n" --out "$T/nodes" >/dev/null ||
            fail "cert node $n"
    done
}

# node NAME PORT [FLAGS...] [APP ARGS...]: exec a node on 127.0.0.1:PORT
# with its own certificate (so that `node ... &`'s $! is the node itself),
# a 200 ms tick and the tag name=NAME.
node() {
    n=$1 p=$2; shift 2
    exec "$L" node --name "$n" --listen "127.0.0.1:$p" --ca "$T/ca/ca.pem" \
        --cert "$T/nodes/$n.pem" --key "$T/nodes/$n.key" --tick-ms 200 \
        --tag "name=$n" "$@"
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E).
wait_for() {
    i=0
    while ! grep -qE -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le $(($3 * 10)) ] || return 1
        sleep 0.1
    done
}

# no_sanitizer_reports: fail if a log has one.
no_sanitizer_reports() {
    if grep -l 'Sanitizer\|runtime error' "$T"/*.log; then fail "sanitizer report"; fi
}
