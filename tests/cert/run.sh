#!/bin/sh
# run.sh: `lunatic cert` (docs/nodes.md "Certificates and trust") checked
# by openssl, an outside oracle: the node certificates verify against the
# CA and no other, carry the node's name as subjectAltName and the right
# constraints, their keys match and are mode 0600; the command's errors.
# Then node links (tls_peer, on net_tls_node_conf) against openssl's
# s_client and s_server: a member is accepted and named, a client without
# a certificate or with one from another CA is refused, a dialed server
# certified for another node is refused.
# Then the certificate helpers of lunatic::distributed, from a guest.
# Usage: tests/cert/run.sh LUNATIC TLS_PEER [CERT_HELPERS.wasm]
set -u
L=$1
PEER=$2
HELPERS=${3:-}
SUITE=cert
T_TIMEOUT=60
. "$(dirname "$0")/../harness.sh"

if ! command -v openssl >/dev/null; then
    echo "cert: skipped: no openssl (the oracle of these tests)"
    exit 0
fi

D=$tmp/ca      # the CA, and the nodes' files
O=$tmp/other   # another CA, a stranger to the cluster
t ca 0 "wrote $D/ca.pem|wrote $D/ca.key|keep it off the nodes" \
    "$L" cert ca --out "$D"
t ca_named 0 "\"other CA\"" "$L" cert ca --out "$O" --name "other CA"
for n in n1 n2 db-1.cluster.local; do
    t "node/$n" 0 "wrote $D/$n.pem|wrote $D/$n.key" \
        "$L" cert node --ca "$D" --name "$n" --out "$D"
done
t node_other_ca 0 "wrote $O/n3.pem" "$L" cert node --ca "$O" --name n3 --out "$O"
t node_short 0 "wrote $D/short.pem" \
    "$L" cert node --ca "$D" --name short --out "$D" --days 1

# {===== openssl reads them
t verify 0 "$D/n1.pem: OK" openssl verify -CAfile "$D/ca.pem" "$D/n1.pem"
t verify_dotted 0 "OK" openssl verify -CAfile "$D/ca.pem" \
    -verify_hostname db-1.cluster.local "$D/db-1.cluster.local.pem"
t verify_wrong_name 2 "hostname mismatch" openssl verify -CAfile "$D/ca.pem" \
    -verify_hostname n2 "$D/n1.pem"
t verify_other_ca 2 "unable to get local issuer certificate" \
    openssl verify -CAfile "$D/ca.pem" "$O/n3.pem"
t verify_purposes 0 "OK" openssl verify -CAfile "$D/ca.pem" \
    -purpose sslserver "$D/n2.pem"
t verify_client_purpose 0 "OK" openssl verify -CAfile "$D/ca.pem" \
    -purpose sslclient "$D/n2.pem"
t san 0 "DNS:db-1.cluster.local" openssl x509 -in "$D/db-1.cluster.local.pem" \
    -noout -ext subjectAltName
t subject 0 "CN = n1" openssl x509 -in "$D/n1.pem" -noout -subject
t issuer 0 "issuer=CN = lunatic cluster CA" openssl x509 -in "$D/n1.pem" \
    -noout -issuer
t node_constraints 0 "CA:FALSE|Digital Signature, Key Encipherment|TLS Web Server Authentication, TLS Web Client Authentication" \
    openssl x509 -in "$D/n1.pem" -noout -ext \
    basicConstraints,keyUsage,extendedKeyUsage
t ca_constraints 0 "CA:TRUE, pathlen:0|Certificate Sign, CRL Sign" \
    openssl x509 -in "$D/ca.pem" -noout -ext basicConstraints,keyUsage
t ca_subject 0 "subject=CN = other CA" openssl x509 -in "$O/ca.pem" -noout -subject
t ec_p256 0 "prime256v1" openssl x509 -in "$D/n1.pem" -noout -text
t node_days 0 "will not expire" openssl x509 -in "$D/n1.pem" -noout -checkend $((300 * 86400))
t short_days 1 "will expire" openssl x509 -in "$D/short.pem" -noout -checkend 86400
t ca_days 0 "will not expire" openssl x509 -in "$D/ca.pem" -noout -checkend $((3600 * 86400))

# The key goes with the certificate: the same public key in both.
for f in ca n1; do
    openssl x509 -in "$D/$f.pem" -noout -pubkey >"$tmp/cert.pub" 2>&1
    openssl pkey -in "$D/$f.key" -pubout >"$tmp/key.pub" 2>&1
    t "key_matches/$f" 0 "" cmp "$tmp/cert.pub" "$tmp/key.pub"
done
t key_check 0 "valid" openssl pkey -in "$D/n1.key" -noout -check
t serials_differ 1 "" sh -c "[ \"\$(openssl x509 -in '$D/n1.pem' -noout -serial)\" = \
    \"\$(openssl x509 -in '$D/n2.pem' -noout -serial)\" ]"
for f in ca.key n1.key db-1.cluster.local.key; do
    t "mode_0600/$f" 0 "600" stat -c %a "$D/$f"
done
t mode_cert 0 "644" stat -c %a "$D/n1.pem"
# }=====
# {===== the command's errors: one line, the right status
one_line() { # the last case's output is one line
    if [ "$(wc -l <"$tmp/out")" -eq 1 ]; then ok "$1: one line"
    else bad "$1: not one line"; sed 's/^/    /' "$tmp/out"; fi
}
cp "$D/n1.key" "$tmp/n1.key.before"
t exists 1 "$D/n1.pem exists (--force replaces it)" \
    "$L" cert node --ca "$D" --name n1 --out "$D"
one_line exists
t exists_untouched 0 "" cmp "$D/n1.key" "$tmp/n1.key.before"
t exists_ca 1 "$D/ca.pem exists" "$L" cert ca --out "$D"
t force 0 "wrote $D/n1.pem" "$L" cert node --ca "$D" --name n1 --out "$D" --force
t force_replaced 1 "" cmp -s "$D/n1.key" "$tmp/n1.key.before"
t force_verify 0 "OK" openssl verify -CAfile "$D/ca.pem" "$D/n1.pem"
t missing_ca 1 "lunatic cert: CA: cannot read $tmp/nope/ca.pem: No such file or directory" \
    "$L" cert node --ca "$tmp/nope" --name n9 --out "$D"
one_line missing_ca
t bad_name 1 "lunatic cert: bad node name 'Node_1': character 'N' not allowed" \
    "$L" cert node --ca "$D" --name Node_1 --out "$D"
one_line bad_name
t bad_name_path 1 "bad node name '../x'" "$L" cert node --ca "$D" --name ../x --out "$D"
t bad_name_long_label 1 "longer than 63" "$L" cert node --ca "$D" \
    --name "$(printf '%064d' 0)" --out "$D"
: >"$tmp/afile"
t out_is_a_file 1 "lunatic cert: $tmp/afile is not a directory" \
    "$L" cert ca --out "$tmp/afile"
t out_unmakeable 1 "lunatic cert: cannot make directory $tmp/afile/sub: Not a directory" \
    "$L" cert ca --out "$tmp/afile/sub"
one_line out_unmakeable
t not_a_ca 1 "CA certificate: not a CA" sh -c "mkdir -p '$tmp/fake' &&
    cp '$D/n2.pem' '$tmp/fake/ca.pem' && cp '$D/n2.key' '$tmp/fake/ca.key' &&
    '$L' cert node --ca '$tmp/fake' --name n9 --out '$tmp/fake'"
t key_mismatch 1 "CA key does not match the CA certificate" sh -c "mkdir -p '$tmp/mix' &&
    cp '$D/ca.pem' '$tmp/mix/ca.pem' && cp '$O/ca.key' '$tmp/mix/ca.key' &&
    '$L' cert node --ca '$tmp/mix' --name n9 --out '$tmp/mix'"
t bad_ca_name 1 "bad CA name" "$L" cert ca --out "$tmp/c2" --name "a,b"
t days_zero 2 "bad --days '0'" "$L" cert ca --out "$tmp/c3" --days 0
t days_junk 2 "bad --days '1x'" "$L" cert ca --out "$tmp/c3" --days 1x
t no_out 2 "cert ca needs --out DIR" "$L" cert ca
t node_needs 2 "cert node needs --ca DIR, --name NAME and --out DIR" \
    "$L" cert node --name n9 --out "$D"
t no_value 2 "--out needs a value" "$L" cert ca --out
t unknown_option 2 "unknown option '--bogus'" "$L" cert ca --out "$tmp/c3" --bogus
t unknown_command 2 "unknown command 'key'" "$L" cert key
t no_command 2 "what to make: ca or node" "$L" cert
t help 0 "usage: lunatic cert ca --out DIR|keep it off the nodes" "$L" cert --help
t help_sub 0 "usage: lunatic cert ca" "$L" cert node --help
t main_help 0 "lunatic cert ..." "$L" --help
# }=====
# {===== node links against openssl

# peer_server NAME: start tls_peer as node n1's server in the background;
# $port is its port once it listens.
peer_server() {
    rm -f "$tmp/port"
    "$PEER" server "$tmp/port" "$D/ca.pem" "$D/n1.pem" "$D/n1.key" \
        >"$tmp/peer.out" 2>&1 &
    peer_pid=$!
    i=0
    while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    port=$(cat "$tmp/port" 2>/dev/null)
}

# peer_result NAME STATUS TEXT: tls_peer's exit status and output.
peer_result() {
    i=0 # at most 15 s: it gives up itself after 10
    while kill -0 "$peer_pid" 2>/dev/null && [ $i -lt 150 ]; do
        sleep 0.1; i=$((i + 1))
    done
    wait "$peer_pid"
    got=$?
    if [ "$got" = "$2" ] && grep -qF -- "$3" "$tmp/peer.out"; then ok "$1"
    else bad "$1: tls_peer exit $got (want $2), want '$3':"
        sed 's/^/    /' "$tmp/peer.out"; fi
}

# s_client ARGS...: openssl as a client of node n1, sending nothing.
s_client() {
    openssl s_client -connect "127.0.0.1:$port" -CAfile "$D/ca.pem" \
        -verify_return_error -verify_hostname n1 "$@" </dev/null \
        >"$tmp/client.out" 2>&1
}

peer_server
s_client -cert "$D/n2.pem" -key "$D/n2.key"
peer_result "link/openssl_member_accepted" 0 "peer: n2"
t "link/openssl_saw_a_verified_n1" 0 "Verification: OK|Verified peername: n1" \
    cat "$tmp/client.out"

peer_server
s_client
peer_result "link/openssl_without_cert_refused" 1 \
    "refused: TLS handshake: peer sent no certificate"

peer_server
s_client -cert "$O/n3.pem" -key "$O/n3.key"
peer_result "link/openssl_other_ca_refused" 1 \
    "refused: TLS handshake: certificate not signed by the cluster CA (it names node n3)"

# openssl as node n1's server, asking for a client certificate.
s_server() {
    rm -f "$tmp/server.out" "$tmp/in"
    # Its stdin is a fifo held open on fd 3: s_server ends at its end.
    mkfifo "$tmp/in"
    openssl s_server -accept 127.0.0.1:0 -naccept 1 \
        -Verify 1 -verify_return_error -CAfile "$D/ca.pem" \
        -cert "$D/n1.pem" -key "$D/n1.key" <"$tmp/in" >"$tmp/server.out" 2>&1 &
    s_server_pid=$!
    exec 3>"$tmp/in"
    i=0
    port=
    while [ -z "$port" ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
        port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/server.out" 2>/dev/null)
    done
}

s_server_end() {
    kill "$s_server_pid" 2>/dev/null
    exec 3>&-
    wait "$s_server_pid" 2>/dev/null
}

s_server
t "link/dial_openssl_n1" 0 "peer: n1" \
    "$PEER" client "$port" n1 "$D/ca.pem" "$D/n2.pem" "$D/n2.key"
i=0 # s_server ends after its one connection (-naccept 1)
while kill -0 "$s_server_pid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
s_server_end
t "link/openssl_verified_our_client" 0 "depth=0 CN = n2|verify return:1|hello" \
    cat "$tmp/server.out"

s_server
t "link/dial_n2_openssl_answers_as_n1" 1 \
    "refused: TLS handshake: certificate is for node n1, expected n2" \
    "$PEER" client "$port" n2 "$D/ca.pem" "$D/n2.pem" "$D/n2.key"

s_server_end

s_server
t "link/our_client_refuses_a_server_of_another_ca" 1 \
    "refused: TLS handshake: certificate not signed by the cluster CA (it names node n1)" \
    "$PEER" client "$port" n1 "$O/ca.pem" "$O/n3.pem" "$O/n3.key"
s_server_end

# A node given its own certificate from another CA does not start a link.
t "link/own_cert_of_another_ca" 2 "own certificate not signed by the cluster CA" \
    "$PEER" client 1 n1 "$D/ca.pem" "$O/n3.pem" "$O/n3.key"
# }=====

# {===== the certificate helpers of lunatic::distributed, from a guest
# (tests/cert/cert_helpers.c) run as the root of node n1: they work over
# the CA material of the cluster and the guest, never a built-in key.
if [ -n "$HELPERS" ]; then
G=$tmp/guest # what the guest sees as /d
mkdir -p "$G"
cp "$D/ca.pem" "$D/ca.key" "$G/"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$G/req.key" -subj "/CN=worker-7" -out "$G/req.csr" >/dev/null 2>&1
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# sh "$as_node" MODE: the guest as node n1's root (a script, not a
# function: t runs its command under timeout)
as_node=$tmp/as_node
cat >"$as_node" <<EOF
exec "$L" node --name n1 --listen "127.0.0.1:$NPORT" --ca "$D/ca.pem" \
    --cert "$D/n1.pem" --key "$D/n1.key" --dir "$G:/d" "$HELPERS" "\$1" /d
EOF
t helpers/root 0 "root.pem: 2 string(s)" sh "$as_node" root
t helpers/root_is_the_ca 0 "" cmp "$G/root.pem" "$D/ca.pem"
t helpers/root_has_no_key 0 "" test ! -s "$G/root.key"
t helpers/root_outside_a_node 141 "test_root_cert: process not distributed" \
    "$L" run --dir "$G:/d" "$HELPERS" root /d
t helpers/ctrl 0 "ctrl.pem: 2 string(s)" sh "$as_node" ctrl
t helpers/ctrl_verifies 0 "OK" openssl verify -CAfile "$D/ca.pem" \
    -verify_hostname ctrl.lunatic.cloud "$G/ctrl.pem"
openssl x509 -in "$G/ctrl.pem" -noout -pubkey >"$tmp/cert.pub" 2>&1
openssl pkey -in "$G/ctrl.key" -pubout >"$tmp/key.pub" 2>&1
t helpers/ctrl_key_matches 0 "" cmp "$tmp/cert.pub" "$tmp/key.pub"
t helpers/sign 0 "signed.pem: 1 string(s)" sh "$as_node" sign
t helpers/signed_verifies 0 "OK" openssl verify -CAfile "$D/ca.pem" \
    -verify_hostname worker-7 -purpose sslclient "$G/signed.pem"
t helpers/signed_other_ca 2 "unable to get local issuer certificate" \
    openssl verify -CAfile "$O/ca.pem" "$G/signed.pem"
openssl x509 -in "$G/signed.pem" -noout -pubkey >"$tmp/cert.pub" 2>&1
openssl req -in "$G/req.csr" -noout -pubkey >"$tmp/key.pub" 2>&1
t helpers/signed_for_the_csr_key 0 "" cmp "$tmp/cert.pub" "$tmp/key.pub"
t helpers/bad_csr_traps 141 "sign_node: CSR:" sh "$as_node" badcsr
cp "$O/ca.key" "$G/ca.key" # a key that is not the CA's
t helpers/mismatched_ca_key_traps 141 "CA key does not match the CA certificate" \
    sh "$as_node" ctrl
fi
# }=====

summary
