/* tls_peer.c: one end of a node link (net_tls_node_conf) on loopback, so
 * tests/cert/run.sh can shake hands with openssl, an implementation of
 * TLS that is not ours, on the other end.
 *   tls_peer server PORT_FILE CA CERT KEY   accept one link on 127.0.0.1
 *                                           (port written to PORT_FILE)
 *   tls_peer client PORT NAME CA CERT KEY   dial node NAME at 127.0.0.1
 * Prints "peer: NAME" (the node the peer's certificate names) and exits
 * 0, or "refused: REASON" and exits 1. */
#include "common/lun_prefix.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/cert.h"
#include "net/net.h"

#define TIMEOUT_MS 10000

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 16);
    *len = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    if (f)
        fclose(f);
    if (!*len) {
        fprintf(stderr, "tls_peer: cannot read %s\n", path);
        exit(2);
    }
    buf[*len] = '\0';
    return buf;
}

/* Wait until fd is ready for what the session wants. */
static int wait_for(int fd, uint32_t want)
{
    struct pollfd p = {fd, (short)(want == NET_WRITABLE ? POLLOUT : POLLIN),
                       0};
    return poll(&p, 1, TIMEOUT_MS) == 1 ? 0 : -1;
}

/* Shake hands, then check the node the peer's certificate names (when
 * dialing: the one dialed); prints the outcome, returns the status. */
static int shake(net_tls_t *t, int fd, const char *expected)
{
    char name[NET_NODE_NAME_MAX + 1];
    int rc;
    while ((rc = net_tls_handshake(t)) == LUN_EAGAIN)
        if (wait_for(fd, net_tls_want(t)) != 0) {
            printf("refused: timed out\n");
            return 1;
        }
    if (rc == 0)
        rc = net_tls_peer_node(t, expected, name, sizeof name);
    if (rc != 0) {
        printf("refused: %s\n", net_tls_error(t));
        return 1;
    }
    printf("peer: %s\n", name);
    /* Say it over the link too: the other end sees the session work. */
    while (net_tls_write(t, "hello\n", 6) == LUN_EAGAIN)
        wait_for(fd, net_tls_want(t));
    return 0;
}

static int run(int server, const char *arg, const char *name,
               char **files)
{
    size_t ca_len, cert_len, key_len;
    char *ca = read_file(files[0], &ca_len);
    char *cert = read_file(files[1], &cert_len);
    char *key = read_file(files[2], &key_len);
    char err[300];
    net_tls_conf_t *c;
    net_tls_t *t;
    net_addr_t a = {.family = 4, .ip = {127, 0, 0, 1}}, peer;
    int lfd = -1, fd = -1, status;
    int rc = net_tls_node_conf(server, (uint8_t *)ca, ca_len,
                               (uint8_t *)cert, cert_len, (uint8_t *)key,
                               key_len, &c, err, sizeof err);
    free(ca);
    free(cert);
    free(key);
    if (rc != 0) {
        fprintf(stderr, "tls_peer: %s\n", err);
        return 2;
    }
    if (server) {
        FILE *pf;
        if (net_tcp_listen(&a, &lfd) != 0 || net_local_addr(lfd, &a) != 0 ||
            !(pf = fopen(arg, "w")))
            return 2;
        fprintf(pf, "%u\n", a.port);
        fclose(pf);
        while (wait_for(lfd, NET_READABLE) == 0 &&
               net_tcp_accept(lfd, &fd, &peer) == LUN_EAGAIN)
            ;
    } else {
        a.port = (uint16_t)atoi(arg);
        rc = net_tcp_connect(&a, &fd);
        if (rc == LUN_EAGAIN && (wait_for(fd, NET_WRITABLE) != 0 ||
                                 net_connect_result(fd) != 0))
            rc = -1;
        if (rc != 0 && rc != LUN_EAGAIN)
            fd = -1;
    }
    if (fd < 0 || net_tls_new(c, fd, server ? NULL : name, &t) != 0) {
        fprintf(stderr, "tls_peer: no connection\n");
        return 2;
    }
    status = shake(t, fd, server ? NULL : name);
    net_tls_free(t);
    net_tls_conf_unref(c);
    net_close(fd);
    if (lfd >= 0)
        net_close(lfd);
    return status;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 6 && !strcmp(argv[1], "server"))
        return run(1, argv[2], NULL, argv + 3);
    if (argc == 7 && !strcmp(argv[1], "client"))
        return run(0, argv[2], argv[3], argv + 4);
    fprintf(stderr, "usage: tls_peer server PORT_FILE CA CERT KEY\n"
                    "       tls_peer client PORT NAME CA CERT KEY\n");
    return 2;
}
