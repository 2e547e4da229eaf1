/* net_tests.c: guest tests of lunatic::networking, one per argv[1]:
 * udp, dns, timeout, peek, move, tls_good, tls_bad, sdk_udp, sdk_tls
 * (the TLS ones read /certs/{ca,server,server.key,other_ca}.pem from a
 * preopen). Prints
 * "ok NAME" and exits 0, or "FAIL ..." and 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#include "../sched/check.h"

static const uint8_t lo[4] = {127, 0, 0, 1};

/* The port a listener (TCP) or socket (UDP) got. */
static uint16_t port_of(int32_t (*fn)(int64_t, int32_t), int64_t id)
{
    uint64_t it;
    uint32_t type, flow, scope;
    uint8_t addr[16];
    uint16_t port;
    CHECK(fn(id, (int32_t)&it) == 0);
    CHECK(lunatic_networking_resolve_next((int64_t)it, (int32_t)&type,
                                          (int32_t)addr, (int32_t)&port,
                                          (int32_t)&flow, (int32_t)&scope) == 0);
    lunatic_networking_drop_dns_iterator((int64_t)it);
    return port;
}

static void t_udp(void)
{
    uint64_t a, b, n, from;
    char buf[64];
    CHECK(lunatic_networking_udp_bind(4, (int32_t)lo, 0, 0, 0, (int32_t)&a) == 0);
    CHECK(lunatic_networking_udp_bind(4, (int32_t)lo, 0, 0, 0, (int32_t)&b) == 0);
    uint16_t pb = port_of(lunatic_networking_udp_local_addr, (int64_t)b);
    for (int i = 0; i < 100; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof msg, "ping %d", i);
        CHECK(lunatic_networking_udp_send_to((int64_t)a, (int32_t)msg, len, 4,
                                             (int32_t)lo, pb, 0, 0,
                                             (int32_t)&n) == 0 && n == (uint64_t)len);
        CHECK(lunatic_networking_udp_receive_from((int64_t)b, (int32_t)buf,
                                                  sizeof buf, (int32_t)&n,
                                                  (int32_t)&from) == 0);
        CHECK(n == (uint64_t)len && memcmp(buf, msg, n) == 0);
        lunatic_networking_drop_dns_iterator((int64_t)from);
    }
    /* connected send/receive and the options */
    CHECK(lunatic_networking_udp_connect((int64_t)a, 4, (int32_t)lo, pb, 0, 0,
                                         -1, (int32_t)&n) == 0);
    CHECK(lunatic_networking_udp_send((int64_t)a, (int32_t)"xy", 2, (int32_t)&n) == 0);
    CHECK(lunatic_networking_udp_receive((int64_t)b, (int32_t)buf, sizeof buf,
                                         (int32_t)&n) == 0 && n == 2);
    lunatic_networking_set_udp_socket_ttl((int64_t)a, 17);
    CHECK(lunatic_networking_get_udp_socket_ttl((int64_t)a) == 17);
    lunatic_networking_set_udp_socket_broadcast((int64_t)a, 1);
    CHECK(lunatic_networking_get_udp_socket_broadcast((int64_t)a) == 1);
    CHECK(lunatic_networking_udp_peer_addr((int64_t)b, (int32_t)&n) == 1);
    lunatic_error_drop((int64_t)n);
    lunatic_networking_drop_udp_socket((int64_t)a);
    lunatic_networking_drop_udp_socket((int64_t)b);
}

static void t_dns(void)
{
    uint64_t it;
    uint32_t type, flow, scope;
    uint8_t addr[16];
    uint16_t port;
    int found = 0;
    CHECK(lunatic_networking_resolve((int32_t)"localhost:80", 12, -1,
                                     (int32_t)&it) == 0);
    while (lunatic_networking_resolve_next((int64_t)it, (int32_t)&type,
                                           (int32_t)addr, (int32_t)&port,
                                           (int32_t)&flow, (int32_t)&scope) == 0) {
        CHECK(port == 80);
        if (type == 4 && addr[0] == 127)
            found = 1;
        if (type == 6 && addr[15] == 1)
            found = 1;
    }
    CHECK(found);
    lunatic_networking_drop_dns_iterator((int64_t)it);
    /* a malformed name is an error id, not a trap */
    CHECK(lunatic_networking_resolve((int32_t)"no-port", 7, -1, (int32_t)&it) == 1);
    lunatic_error_drop((int64_t)it);
}

/* A listener and a connected pair (client c, accepted s). */
static void tcp_pair(int64_t *l, int64_t *c, int64_t *s)
{
    *l = lun_tcp_listen(lo, 0);
    CHECK(*l >= 0);
    uint16_t p = port_of(lunatic_networking_tcp_local_addr, *l);
    *c = lun_tcp_connect(lo, p, 2000);
    CHECK(*c >= 0);
    *s = lun_tcp_accept((uint64_t)*l);
    CHECK(*s >= 0);
}

static void t_timeout(void)
{
    int64_t l, c, s;
    char buf[8];
    tcp_pair(&l, &c, &s);
    lunatic_networking_set_read_timeout(s, 100);
    CHECK(lunatic_networking_get_read_timeout(s) == 100);
    uint64_t t0 = lun__now_ms();
    CHECK(lun_tcp_read((uint64_t)s, buf, sizeof buf) == LUN_NET_TIMEOUT);
    CHECK(lun__now_ms() - t0 >= 90);
    lunatic_networking_set_peek_timeout(s, 50);
    uint64_t n;
    CHECK(lunatic_networking_tcp_peek(s, (int32_t)buf, 8, (int32_t)&n) == LUN_TIMEOUT);
    lunatic_networking_set_read_timeout(s, -1);
    CHECK(lunatic_networking_get_read_timeout(s) == -1);
    /* the DNS timeout 0 either answers or times out, never hangs */
    uint64_t it;
    int32_t rc = lunatic_networking_resolve((int32_t)"localhost:1", 11, 0,
                                            (int32_t)&it);
    CHECK(rc == 0 || rc == LUN_TIMEOUT);
    lun_tcp_close((uint64_t)c);
    lun_tcp_close((uint64_t)s);
    lunatic_networking_drop_tcp_listener(l);
}

static void t_peek(void)
{
    int64_t l, c, s;
    char buf[8];
    uint64_t n;
    tcp_pair(&l, &c, &s);
    CHECK(lun_tcp_write_all((uint64_t)c, "abc", 3) == 0);
    /* no peek timeout set: a peek still leaves the bytes (ABI quirk 3
     * fixed) */
    CHECK(lunatic_networking_tcp_peek(s, (int32_t)buf, 8, (int32_t)&n) == 0);
    CHECK(n >= 1 && buf[0] == 'a');
    CHECK(lun_tcp_read((uint64_t)s, buf, 8) >= 1 && buf[0] == 'a');
    lun_tcp_close((uint64_t)c);
    CHECK(lun_tcp_read((uint64_t)s, buf, 8) >= 0);
    lun_tcp_close((uint64_t)s);
    lunatic_networking_drop_tcp_listener(l);
}

static void mover(int64_t arg)
{
    int64_t s = lun_recv_tcp(7, 5000);
    (void)arg;
    CHECK(s >= 0);
    CHECK(lun_tcp_write_all((uint64_t)s, "moved", 5) == 0);
}

static void t_move(void)
{
    int64_t l, c, s;
    char buf[8] = {0};
    tcp_pair(&l, &c, &s);
    uint64_t pid = lun_spawn(mover, 0);
    lun_send_tcp(pid, 7, (uint64_t)s);
    size_t got = 0;
    while (got < 5) {
        int64_t n = lun_tcp_read((uint64_t)c, buf + got, 5 - got);
        CHECK(n > 0);
        got += (size_t)n;
    }
    CHECK(memcmp(buf, "moved", 5) == 0);
    /* the mover died: its stream closed, we read EOF */
    CHECK(lun_tcp_read((uint64_t)c, buf, 8) == 0);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static char cert[8192], key[8192];
static size_t cert_len, key_len;

/* arg: the parent's pid * 2 + whether the client trusts us. */
static void tls_server(int64_t arg)
{
    int good = (int)(arg & 1);
    uint64_t l, s, peer, n;
    char buf[64];
    cert_len = slurp("/certs/server.pem", cert, sizeof cert);
    key_len = slurp("/certs/server.key", key, sizeof key);
    CHECK(lunatic_networking_tls_bind(4, (int32_t)lo, 24433, 0, 0, (int32_t)&l,
                                      (int32_t)cert, (int32_t)cert_len,
                                      (int32_t)key, (int32_t)key_len) == 0);
    lun_send((uint64_t)arg >> 1, 9, "", 0); /* parent: the listener is up */
    int32_t rc = lunatic_networking_tls_accept((int64_t)l, (int32_t)&s,
                                               (int32_t)&peer);
    if (!good) { /* the client refuses us: a failed handshake, an error id */
        CHECK(rc == 1);
        return;
    }
    CHECK(rc == 0);
    CHECK(lunatic_networking_tls_read((int64_t)s, (int32_t)buf, sizeof buf,
                                      (int32_t)&n) == 0 && n == 5);
    uint32_t io[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)n};
    CHECK(lunatic_networking_tls_write_vectored((int64_t)s, (int32_t)io, 1,
                                                (int32_t)&n) == 0);
}

static void tls_client(const char *ca_path, int good)
{
    static char ca[8192];
    size_t ca_len = slurp(ca_path, ca, sizeof ca);
    uint32_t certs[2] = {(uint32_t)(uintptr_t)ca, (uint32_t)ca_len};
    uint64_t s, n;
    char buf[16] = {0};
    int64_t tag = 9;
    /* the server says when it listens */
    CHECK(lun_spawn(tls_server, (int64_t)(lun_self() * 2 + (uint64_t)good)));
    CHECK(lun_recv(&tag, 1, 5000, NULL, 0, NULL) == 0);
    int32_t rc = lunatic_networking_tls_connect((int32_t)"localhost", 9, 24433,
                                                5000, (int32_t)&s,
                                                (int32_t)certs, 1);
    if (!good) {
        CHECK(rc == 1);
        n = (uint64_t)lunatic_error_string_size((int64_t)s);
        CHECK(n > 0);
        return;
    }
    CHECK(rc == 0);
    uint32_t io[2] = {(uint32_t)(uintptr_t)"hello", 5};
    CHECK(lunatic_networking_tls_write_vectored((int64_t)s, (int32_t)io, 1,
                                                (int32_t)&n) == 0 && n == 5);
    CHECK(lunatic_networking_tls_read((int64_t)s, (int32_t)buf, sizeof buf,
                                      (int32_t)&n) == 0 && n == 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
}

static void t_tls_good(void) { tls_client("/certs/ca.pem", 1); }

/* The SDK's UDP helpers: datagrams both ways, the sender's address. */
static void t_sdk_udp(void)
{
    int64_t a = lun_udp_bind(lo, 0), b = lun_udp_bind(lo, 0);
    CHECK(a >= 0 && b >= 0);
    int32_t pa = lun_udp_port((uint64_t)a), pb = lun_udp_port((uint64_t)b);
    CHECK(pa > 0 && pb > 0 && pa != pb);
    uint8_t ip[4] = {0};
    uint16_t from = 0;
    char buf[8];
    CHECK(lun_udp_send_to((uint64_t)a, "ping", 4, lo, (uint16_t)pb) == 4);
    CHECK(lun_udp_recv_from((uint64_t)b, buf, sizeof buf, ip, &from) == 4);
    CHECK(memcmp(buf, "ping", 4) == 0 && memcmp(ip, lo, 4) == 0 &&
          from == (uint16_t)pa);
    /* a datagram longer than the buffer is cut, not spilled */
    CHECK(lun_udp_send_to((uint64_t)b, "pong-pong-pong", 14, lo,
                          (uint16_t)pa) == 14);
    CHECK(lun_udp_recv_from((uint64_t)a, buf, 4, NULL, NULL) == 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    lun_udp_close((uint64_t)a);
    lun_udp_close((uint64_t)b);
}

/* The SDK's TLS helpers: a listener process echoes one message. */
static void sdk_tls_server(int64_t parent)
{
    static char cert[8192], key[8192];
    size_t cert_len = slurp("/certs/server.pem", cert, sizeof cert);
    size_t key_len = slurp("/certs/server.key", key, sizeof key);
    int64_t l = lun_tls_listen(lo, 0, cert, cert_len, key, key_len);
    uint64_t it = 0;
    uint16_t port = 0;
    char buf[16];
    CHECK(l >= 0);
    CHECK(lunatic_networking_tls_local_addr(l, (int32_t)&it) == 0);
    CHECK(lun__net_addr4(it, NULL, &port) == 0);
    lun_send((uint64_t)parent, 9, &port, sizeof port);
    int64_t s = lun_tls_accept((uint64_t)l);
    CHECK(s >= 0);
    int64_t n = lun_tls_read((uint64_t)s, buf, sizeof buf);
    CHECK(n > 0 && lun_tls_write_all((uint64_t)s, buf, (size_t)n) == 0);
    lun_tls_close((uint64_t)s);
    lun_tls_listener_close((uint64_t)l);
}

static void t_sdk_tls(void)
{
    static char ca[8192];
    size_t ca_len = slurp("/certs/ca.pem", ca, sizeof ca);
    int64_t tag = 9;
    uint16_t port = 0;
    char buf[16] = {0};
    CHECK(lun_spawn(sdk_tls_server, (int64_t)lun_self()));
    CHECK(lun_recv(&tag, 1, 5000, &port, sizeof port, NULL) == LUN_MSG_DATA);
    /* The host name goes through the resolver pool, then SNI and the
     * certificate check; an unknown name is an error, not a trap. */
    CHECK(lun_tls_connect("no-such-host.invalid", port, 5000, ca, ca_len) ==
          LUN_NET_ERR);
    int64_t s = lun_tls_connect("localhost", port, 5000, ca, ca_len);
    CHECK(s >= 0);
    CHECK(lun_tls_write_all((uint64_t)s, "hello tls", 9) == 0);
    int64_t got = 0, n;
    while (got < 9 && (n = lun_tls_read((uint64_t)s, buf + got,
                                        sizeof buf - 1 - (size_t)got)) > 0)
        got += n;
    CHECK(got == 9 && memcmp(buf, "hello tls", 9) == 0);
    CHECK(lun_tls_read((uint64_t)s, buf, sizeof buf) == 0); /* EOF */
    lun_tls_close((uint64_t)s);
}
static void t_tls_bad(void) { tls_client("/certs/other_ca.pem", 0); }

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {{"udp", t_udp}, {"dns", t_dns}, {"timeout", t_timeout},
                 {"peek", t_peek}, {"move", t_move}, {"tls_good", t_tls_good},
                 {"tls_bad", t_tls_bad}, {"sdk_udp", t_sdk_udp},
                 {"sdk_tls", t_sdk_tls}};
    for (size_t i = 0; argc > 1 && i < sizeof tests / sizeof tests[0]; i++)
        if (strcmp(argv[1], tests[i].name) == 0) {
            tests[i].fn();
            printf("ok %s\n", argv[1]);
            return 0;
        }
    printf("FAIL unknown test\n");
    return 1;
}
