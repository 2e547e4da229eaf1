#!/bin/sh
# tests/nodes/faults.sh LUNATIC FAULTS.wasm PEER.py: the multi-node fault
# suite (`make nodes-faults-e2e`). Every node is its own `lunatic node`
# process on 127.0.0.x, tagged name=NAME; short-lived probe nodes run
# faults.wasm (tests/nodes/faults.c) to spawn and send across the
# cluster, and peer.py plays the hostile peers.
#   1. n1 n2 n3 join by a DNS name with three addresses (an /etc/hosts
#      entry; by a chain of --peer when /etc/hosts is not writable), and
#      a probe joining through n3 alone reaches them all;
#   2. an expired certificate, another CA's and a misnamed one are
#      refused, by the node accepting the link and by the node dialing;
#   3. garbage peers: bytes before the handshake, bad frames after it,
#      spawns of a module that does not match its hash, a message to no
#      process, a spawn of a missing function, 2000 half-open connections;
#      the node goes on serving, with bounded memory;
#   4. kill -STOP of a node: declared down within the heartbeat limit
#      (measured with a short tick and with the default one), and after
#      kill -CONT it is refused under its old id and gets nothing;
#   5. kill -9 of a node and a restart under the same name: a new id,
#      spawns work again, sends to the old run's process fail.
set -u
L=$1
WASM=$2
PEER=$3
TICK=200 # ms; the default tick is measured once, in case 4
SUITE=faults
HOSTNAME_E2E=lunatic-e2e-faults-$$
. "$(dirname "$0")/lib.sh"
extra_cleanup() {
    if grep -q "$HOSTNAME_E2E" /etc/hosts 2>/dev/null; then
        # in place: /etc/hosts may be a bind mount, which rename breaks
        grep -v "$HOSTNAME_E2E" /etc/hosts >"$T/hosts" && cat "$T/hosts" >/etc/hosts
    fi
}
now_ms() { date +%s%3N; }
# wait_log FILE PATTERN SECONDS: until grep finds PATTERN (20 ms steps)
wait_log() {
    end=$(( $(now_ms) + $3 * 1000 ))
    while [ "$(now_ms)" -lt $end ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.02
    done
    return 1
}

# {===== certificates: the cluster CA's nodes, another CA's, an expired one
"$L" cert ca --out "$T/ca" >/dev/null || fail "cert ca"
"$L" cert ca --out "$T/other" >/dev/null || fail "cert ca (other)"
for n in n1 n2 n3 v g p1 p2 p3 p4 p5 t1 t2; do
    "$L" cert node --ca "$T/ca" --name $n --out "$T/nodes" >/dev/null ||
        fail "cert node $n"
done
"$L" cert node --ca "$T/other" --name d --out "$T/nodes" >/dev/null ||
    fail "cert node d"
# openssl is the oracle for a certificate past its validity
openssl ecparam -name prime256v1 -genkey -noout -out "$T/nodes/x.key" 2>/dev/null &&
    openssl req -new -key "$T/nodes/x.key" -subj /CN=x -out "$T/x.csr" &&
    printf 'subjectAltName=DNS:x\nextendedKeyUsage=serverAuth,clientAuth\n' >"$T/x.ext" &&
    openssl x509 -req -in "$T/x.csr" -CA "$T/ca/ca.pem" -CAkey "$T/ca/ca.key" \
        -CAcreateserial -days -1 -extfile "$T/x.ext" -out "$T/nodes/x.pem" 2>/dev/null ||
    fail "openssl: expired certificate"
openssl x509 -in "$T/nodes/x.pem" -noout -checkend 0 >/dev/null && fail "x.pem not expired"
# }=====

# node NAME HOST:PORT [flags...]: exec, so `node ... &`'s $! is the node
# itself. The certificate is NAME's unless CERT=name is set.
node() {
    n=$1 a=$2; shift 2
    c=${CERT:-$n}
    exec "$L" node --name $n --listen $a --ca "$T/ca/ca.pem" \
        --cert "$T/nodes/$c.pem" --key "$T/nodes/$c.key" --tag name=$n "$@"
}
# probe NAME PEER-ADDR ARGS...: a node running faults.wasm, joined
# through PEER-ADDR, in the foreground; its output in $T/NAME.log
probe() {
    n=$1 a=$2; shift 2
    (node $n 127.0.0.1:$(free_port) --tick-ms $TICK --peer $a "$WASM" "$@") \
        >"$T/$n.log" 2>&1
}
# rss_kb PID: the resident set of a process
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }
# member_up LOG NAME: LOG's node saw member NAME come up
member_up() { grep -q "member $2 ([0-9a-f]*) up" "$1"; }
# wait_ups LOG NAME N SECONDS: until LOG's node saw member NAME come up
# N times in all
wait_ups() {
    end=$(( $(now_ms) + $4 * 1000 ))
    while [ "$(now_ms)" -lt $end ]; do
        [ "$(grep -c "member $2 ([0-9a-f]*) up" "$1")" -ge $3 ] && return 0
        sleep 0.02
    done
    return 1
}

# {===== 1. joining by a DNS name, and through one member
P=$(free_port)
A1=127.0.0.1:$P A2=127.0.0.2:$P A3=127.0.0.3:$P
dns=no
if [ -w /etc/hosts ]; then
    for ip in 127.0.0.1 127.0.0.2 127.0.0.3; do
        echo "$ip $HOSTNAME_E2E" >>/etc/hosts
    done
    [ "$(getent ahostsv4 $HOSTNAME_E2E | awk '{print $1}' | sort -u | wc -l)" -eq 3 ] &&
        dns=yes
fi
if [ $dns = yes ]; then
    JOIN1="--discover $HOSTNAME_E2E:$P" JOIN2=$JOIN1 JOIN3=$JOIN1
else
    echo "faults: /etc/hosts not writable or no multi-address names: joining by --peer in a chain instead of by DNS"
    JOIN1="" JOIN2="--peer $A1" JOIN3="--peer $A2"
fi
start_n() { # N: start node nN on 127.0.0.N:$P
    eval "join=\$JOIN$1"
    node n$1 127.0.0.$1:$P --tick-ms $TICK $join >>"$T/n$1.log" 2>&1 &
    eval "n${1}pid=$!"
    pids="$pids $!"
}
start_n 1; start_n 2; start_n 3
for i in 1 2 3; do
    for j in 1 2 3; do
        [ $i = $j ] && continue
        wait_log "$T/n$i.log" "member n$j ([0-9a-f]*) up" 10 ||
            fail "n$i does not see n$j (join by $( [ $dns = yes ] && echo DNS || echo peer))"
    done
done
[ $dns = yes ] && echo "faults: n1 n2 n3 joined by the DNS name $HOSTNAME_E2E (3 addresses): each sees the other two"
# a probe through n3 alone: it meets n1 and n2, and they it
probe p1 $A3 ping n1 n2 n3 || fail "probe p1 through n3"
for n in n1 n2 n3; do member_up "$T/p1.log" $n || fail "p1 never saw $n"; done
member_up "$T/n1.log" p1 && member_up "$T/n2.log" p1 || fail "n1/n2 never saw p1"
[ "$(grep -c '^ping n[123]: pong from ' "$T/p1.log")" -eq 3 ] || fail "p1: three pongs"
echo "faults: a node joining through n3 alone meets n1 and n2 and spawns on all three"
# }=====

# {===== 2. trust: refused by the accepting node and by the dialing node
PD=$(free_port) PX=$(free_port) PE=$(free_port)
# d: another CA's node (trusting its own CA); x: expired; e: n3's
# certificate, calling itself e. Each dials n1, which must refuse x and e
# (d refuses n1's certificate itself, being the client).
"$L" node --name d --listen 127.0.0.1:$PD --ca "$T/other/ca.pem" \
    --cert "$T/nodes/d.pem" --key "$T/nodes/d.key" --peer $A1 \
    >"$T/d.log" 2>&1 & pids="$pids $!"
node x 127.0.0.1:$PX --tick-ms $TICK --peer $A1 >"$T/x.log" 2>&1 & pids="$pids $!"
CERT=n3 node e 127.0.0.1:$PE --tick-ms $TICK --peer $A1 >"$T/e.log" 2>&1 & pids="$pids $!"
# another CA's client that does not check n1 (as a node would): n1 refuses
python3 "$PEER" client 127.0.0.1 $P "$T/nodes/d.pem" "$T/nodes/d.key" >"$T/peer.log" 2>&1 ||
    fail "client of another CA not closed"
# v, a good node, dials the three: it refuses each
node v 127.0.0.1:$(free_port) --tick-ms $TICK --peer 127.0.0.1:$PD \
    --peer 127.0.0.1:$PX --peer 127.0.0.1:$PE >"$T/v.log" 2>&1 & vpid=$!
pids="$pids $vpid"
R='refused 127\.0\.0\.[0-9]*:[0-9]*: '
wait_log "$T/n1.log" "${R}certificate expired (it names node x)" 10 ||
    fail "n1 (accepting) did not refuse the expired certificate"
wait_log "$T/n1.log" "${R}certificate is for node n3, but it says it is e" 10 ||
    fail "n1 (accepting) did not refuse a certificate for another node"
wait_log "$T/n1.log" "${R}certificate not signed by the cluster CA (it names node d)" 10 ||
    fail "n1 (accepting) did not refuse another CA's certificate"
wait_log "$T/v.log" "refused 127.0.0.1:$PX: certificate expired (it names node x)" 10 ||
    fail "v (dialing) did not refuse the expired certificate"
wait_log "$T/v.log" "refused 127.0.0.1:$PE: certificate is for node n3, but it says it is e" 10 ||
    fail "v (dialing) did not refuse a certificate for another node"
wait_log "$T/v.log" "refused 127.0.0.1:$PD: certificate not signed by the cluster CA (it names node d)" 10 ||
    fail "v (dialing) did not refuse another CA's certificate"
wait_log "$T/d.log" "refused $A1: certificate not signed by the cluster CA (it names node n1)" 10 ||
    fail "d (dialing) did not refuse n1"
# (e, the dialer, takes n1 for a member until n1 hangs up: n1 refuses)
grep -q 'member [dexv] (' "$T/n1.log" && fail "n1 took a refused node for a member"
for f in v x d; do
    grep -q 'member .* up' "$T/$f.log" && fail "$f took a refused node for a member"
done
echo "faults: expired, misnamed and other-CA certificates refused by the accepting node (n1) and the dialing one (v):"
for f in n1 v; do # one line per reason
    grep -h "refused" "$T/$f.log" | sort -u -t: -k4 | sed "s/^/  $f: /"
done
kill $vpid 2>/dev/null
# }=====

# {===== 3. garbage peers, against n2
G=${A2%:*}
python3 "$PEER" garbage $G $P >>"$T/peer.log" 2>&1 || fail "garbage not closed"
wait_log "$T/n2.log" "refused 127\.0\.0\.[0-9]*:[0-9]*: SSL - " 5 ||
    fail "n2 did not log the garbage client"
for c in garbage oversize version type; do
    python3 "$PEER" frames $G $P "$T/nodes/g.pem" "$T/nodes/g.key" g $c >>"$T/peer.log" 2>&1 ||
        fail "frames $c"
done
python3 "$PEER" frames $G $P "$T/nodes/g.pem" "$T/nodes/g.key" g spawn >>"$T/peer.log" 2>&1 ||
    fail "spawns of a bad module / message to no process"
grep '^garbage before\|node closed the link\|spawn of a module' "$T/peer.log" | sed 's/^/  /'
for why in 'bad magic' 'frame length .* over the maximum' \
    'unknown frame version' 'unknown frame type'; do
    grep 'member g (.*) down: bad frame' "$T/n2.log" | grep -q "$why" ||
        fail "n2 did not log a bad frame ($why)"
done
probe p2 $A2 nofunc n2 || fail "probe p2"
grep -q '^spawn of a missing function on n2: rc 2$' "$T/p2.log" || fail "missing function: rc 2"
echo "faults: a spawn of a missing function on n2 gives rc 2"
# three floods: the memory the first ones took is reused by the next
# (the allocator keeps what links freed), so it levels off
rss="$(rss_kb $n2pid)"
for i in 1 2 3; do
    python3 "$PEER" flood $G $P 2000 >>"$T/flood.log" 2>&1 ||
        fail "half-open connections not all closed"
    rss="$rss $(rss_kb $n2pid)"
done
sed 's/^/  /' "$T/flood.log"
grep -q 'handshakes pending (more are refused silently)' "$T/n2.log" || fail "no max_pending line"
# the 128 pending ones are held until a deadline (the handshake's, or
# the heartbeat's, tick x 3, if sooner); the rest are closed at once
awk -v lo=$(( TICK * 3 )) '{ for (i = 1; i <= NF; i++) if ($i == "after") t = $(i + 1) }
     END { exit !(t * 1000 >= lo - 100 && t <= 6) }' "$T/flood.log" ||
    fail "half-open connections not held until, and freed by, the deadline"
[ "$(grep -c 'closed 127.0.0.1:[0-9]* before its handshake: ' "$T/n2.log")" -ge 100 ] ||
    fail "n2 did not log the half-open connections it closed"
set -- $rss
if grep -q __asan_init "$L"; then
    # ASan keeps freed memory in quarantine (256 MB), so the resident set
    # grows with every flood whatever the node does; LeakSanitizer checks
    # at the end instead
    echo "faults: n2's resident memory (KB) before and after each flood: $rss (not checked under ASan)"
else
    [ $(( $4 - $1 )) -lt 131072 ] || fail "n2 grew by $(( $4 - $1 )) KB under the floods"
    [ $(( $4 - $3 )) -lt 8192 ] || fail "n2 grew by $(( $4 - $3 )) KB more under a third flood"
    echo "faults: n2's resident memory (KB) before and after each flood: $rss"
fi
probe p3 $A2 ping n2 n1 || fail "probe p3 after the garbage"
echo "faults: n2 still serves spawns after the garbage peers and the flood"
# }=====

# {===== 4. kill -STOP: down within the heartbeat limit, refused after
# measure_stop STOPPED-PID WATCH-LOG NAME LIMIT-MS: kill -STOP, time
# until WATCH-LOG's node says NAME is down
measure_stop() {
    t0=$(now_ms)
    kill -STOP $1
    wait_log "$2" "member $3 ([0-9a-f]*) down" 10 || fail "$3 never declared down"
    dt=$(( $(now_ms) - t0 ))
    [ $dt -le $4 ] || fail "$3 declared down after $dt ms (limit $4 ms)"
}
(probe p4 $A1 stop n3) & probepid=$!
wait_log "$T/p4.log" '^ready: ' 20 || fail "p4 not ready"
# dead after tick x 3 silent, checked every tick / 4: tick x 4, + slack
measure_stop $n3pid "$T/n1.log" n3 $(( TICK * 4 + 400 ))
echo "faults: kill -STOP n3: n1 declared it down after $dt ms (tick $TICK ms, limit $(( TICK * 4 )) ms)"
wait_log "$T/p4.log" '^n3 is down' 10 || fail "p4 never saw n3 down"
kill -CONT $n3pid
wait $probepid || fail "probe p4"
grep -q '^sends to the old n3: \([1-9][0-9]*\) of \1 gave rc 2$' "$T/p4.log" ||
    fail "sends to the stopped n3's old id"
grep -q '^acks after down: none$' "$T/p4.log" || fail "an ack came from the old n3"
grep -q 'sink got: stale' "$T/n3.log" && fail "n3 got a message under its old id after resuming"
wait_log "$T/n1.log" "refused [0-9.:]*: node n3 ([0-9a-f]*) was declared down" 10 ||
    fail "n1 did not refuse the resumed n3"
echo "faults: resumed n3 is refused under its old id; sends to it failed (rc 2), nothing reached it:"
grep -m1 'node n3 .* was declared down' "$T/n1.log" | sed 's/^/  /'
# the default tick (1 s, 3 ticks): a node pair of its own
PT=$(free_port)
node t1 127.0.0.1:$PT >"$T/t1.log" 2>&1 & t1pid=$!
node t2 127.0.0.1:$(free_port) --peer 127.0.0.1:$PT >"$T/t2.log" 2>&1 & t2pid=$!
pids="$pids $t1pid $t2pid"
wait_log "$T/t1.log" 'member t2 ([0-9a-f]*) up' 10 || fail "t1 and t2 did not join"
measure_stop $t2pid "$T/t1.log" t2 4500
echo "faults: kill -STOP t2 (default tick 1000 ms): t1 declared it down after $dt ms (limit 4000 ms)"
kill -9 $t1pid $t2pid
# }=====

# {===== 5. kill -9 and a restart under the same name
kill -9 $n3pid # the stopped-and-resumed run: it must restart to rejoin
wait $n3pid 2>/dev/null
start_n 3
wait_ups "$T/n1.log" n3 2 10 || fail "n3 did not rejoin"
(probe p5 $A1 restart n3) & probepid=$!
wait_log "$T/p5.log" '^ready: ' 20 || fail "p5 not ready"
kill -9 $n3pid
wait $n3pid 2>/dev/null
mv "$T/n3.log" "$T/n3-before.log"
start_n 3
wait $probepid || fail "probe p5"
grep -q '^n3 is back as a new run: new id$' "$T/p5.log" || fail "n3 did not come back with a new id"
grep -q '^the sink on n3 acked fresh$' "$T/p5.log" || fail "no spawn on the new n3"
grep -q '^sends to the old n3: \([1-9][0-9]*\) of \1 gave rc 2$' "$T/p5.log" ||
    fail "sends to the old run of n3"
grep -q 'sink got: stale' "$T/n3.log" && fail "the new n3 got a message for the old run"
echo "faults: n3 killed and restarted: a new id, a spawn there works, sends to the old run fail (rc 2)"
# }=====

kill -TERM $n1pid $n2pid $n3pid
for p in $n1pid $n2pid $n3pid; do wait $p || fail "a node did not end cleanly on SIGTERM"; done
if grep -l 'Sanitizer\|runtime error' "$T"/*.log; then fail "sanitizer report"; fi
echo "faults: all cases passed"
