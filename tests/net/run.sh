#!/bin/sh
# run.sh: end-to-end networking tests on 127.0.0.1: the guest tests of
# net_tests.wasm (UDP, DNS, timeouts, peek, moving a stream, TLS with a
# CA made here by openssl), the echo server under NET_CONNS concurrent
# connections, hostile clients, the chat example with scripted clients,
# and the HTTP example under curl. Each step is bounded by `timeout`.
# Usage: tests/net/run.sh LUNATIC WASM_DIR
set -u
L=$1
W=$2
CONNS=${NET_CONNS:-500}
BURST=${NET_BURST:-2000}
IDLE=${NET_IDLE:-10000}
# NET_CHECK_RSS=0 (the ASan run): the churn test reports the RSS only.
RSS_MODE=$([ "${NET_CHECK_RSS:-1}" = 0 ] && echo report || echo check)
# The idle test needs one fd per connection in the server (its socket:
# no directory is preopened, so a process's WASI context holds none) and
# one in the client: raise the soft limit to the hard one, and hold fewer
# connections if even that is too low.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
lim=$(ulimit -n)
if [ "$lim" != unlimited ] && [ $((IDLE + 64)) -gt "$lim" ]; then
    echo "net: fd limit $lim (hard): the idle test holds $((lim - 64)) connections, not $IDLE"
    IDLE=$((lim - 64))
fi
here=$(dirname "$0")
[ -n "${LUNATIC_POLLER:-}" ] && echo "net: LUNATIC_POLLER=$LUNATIC_POLLER"
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "net: ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "net: FAIL $1"
    sed 's/^/    /' "$tmp/out" | head -20
}
# t NAME CMD...: CMD must exit 0 and print "ok"
t() {
    name=$1
    shift
    if timeout 120 "$@" >"$tmp/out" 2>&1 </dev/null && grep -q "^ok" "$tmp/out"; then
        ok "$name"
    else
        bad "$name"
    fi
}
# show: the figures of the last test (its "ok ..." line)
show() { grep '^ok' "$tmp/out" | sed 's/^ok /net:      /'; }
# A free port (the kernel picks, we release it at once).
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# serve PORT WASM...: start a server, wait for its port
serve() {
    p=$1
    shift
    "$L" "$@" >"$tmp/server.log" 2>&1 &
    pids="$pids $!"
    last=$!
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$p),1)" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && return 1
        sleep 0.05
    done
}

# stopped PID NAME: the server PID, asked to stop, must exit with 0 and
# (under ASan) without a leak report; the log is shown if not.
stopped() {
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 600 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    wait "$1"
    rc=$?
    cp "$tmp/server.log" "$tmp/out"
    if [ $rc -eq 0 ] && ! grep -q 'Sanitizer' "$tmp/out"; then
        ok "$2"
    else
        echo "exit status $rc" >>"$tmp/out"
        bad "$2"
    fi
}

# TLS material: a CA, a server certificate for localhost signed by it,
# and an unrelated CA the client trusts in the "wrong" test.
mkdir -p "$tmp/certs"
(
    cd "$tmp/certs" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
        -days 2 -subj /CN=test-ca
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
        -subj /CN=localhost
    printf 'subjectAltName=DNS:localhost\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
        -CAcreateserial -out server.pem -days 2 -extfile ext.cnf
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key \
        -out other_ca.pem -days 2 -subj /CN=other-ca
) >"$tmp/openssl.log" 2>&1 || echo "net: openssl failed (TLS tests will fail)"

N=$W/net/net_tests.wasm
for name in udp dns timeout peek move sdk_udp; do
    t "$name" "$L" "$N" "$name"
done
for name in tls_good tls_bad sdk_tls; do
    t "$name" "$L" run --dir "$tmp/certs:/certs" "$N" "$name"
done

P=$(port)
if serve "$P" "$W/net/echo.wasm" "$P"; then
    t "echo_$CONNS" python3 "$here/clients.py" echo "$P" "$CONNS"
    t hostile python3 "$here/clients.py" hostile "$P" "$BURST"
    t "echo_after_hostile" python3 "$here/clients.py" echo "$P" 50
    t "churn_$BURST" python3 "$here/clients.py" churn "$P" "$BURST" "$last" "$RSS_MODE"
    show
    t "idle_$IDLE" python3 "$here/clients.py" idle "$P" "$IDLE" "$last"
    show
    t shutdown python3 "$here/clients.py" shutdown "$P"
    stopped "$last" echo_exit
else
    bad "echo server did not start"
fi

# The chat and HTTP examples under the same hostile clients and churn,
# then stopped by SIGTERM: the runtime ends every process and closes
# their sockets, so (under ASan) LSan checks that nothing leaked.
P=$(port)
if serve "$P" "$W/chat.wasm" "$P"; then
    t chat python3 "$here/clients.py" chat "$P"
    t chat_hostile python3 "$here/clients.py" hostile "$P" "$BURST" chat
    # A quarter of the burst: every join and leave goes to every member
    # (n^2 messages), and the queues' peak, which the allocator keeps,
    # varies too much from run to run at 2,000 for a 6 MiB slack.
    t "chat_churn_$((BURST / 4))" python3 "$here/clients.py" churn "$P" "$((BURST / 4))" "$last" "$RSS_MODE" chat
    show
    kill -TERM "$last"
    stopped "$last" chat_sigterm
else
    bad "chat server did not start"
fi

P=$(port)
if serve "$P" "$W/http.wasm" "$P"; then
    if curl -s --max-time 5 "http://127.0.0.1:$P/" "http://127.0.0.1:$P/x" \
        >"$tmp/out" 2>&1 && [ "$(cat "$tmp/out")" = "Hello, world!Hello, world!" ]; then
        ok http_keepalive
    else
        bad http_keepalive
    fi
    t http_hostile python3 "$here/clients.py" hostile "$P" "$BURST" http
    t "http_churn_$BURST" python3 "$here/clients.py" churn "$P" "$BURST" "$last" "$RSS_MODE" http
    show
    kill -INT "$last"
    stopped "$last" http_sigint
else
    bad "http server did not start"
fi

echo "net: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
