/* stream_tls.c: the mutual-TLS byte stream of dist/stream.h, for node
 * links (net_tls_node_conf). The first read or write drives the TCP
 * connect (a dialed socket may still be connecting) and then the TLS
 * handshake, so the link above queues its HELLO at once and never knows
 * the difference. A failure reads as LUN_EIO; dist_stream_tls_error says
 * why (a refused certificate's reason, without mbedtls's prefix). */
#include "../common/lun_prefix.h"

#include "stream.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/cert.h"
#include "../net/net.h"

typedef struct tls_stream {
    dist_stream_t base; /* first: a dist_stream_t * is a tls_stream_t * */
    net_tls_t *tls;
    bool connecting;    /* a dialed socket whose connect may be pending */
    bool ready;         /* handshake done and the peer's name checked */
    bool failed;
    uint32_t want;
    size_t pending;     /* a write that said EAGAIN: its length, which
                           mbedtls requires again (the link may have
                           appended to the same buffer meanwhile) */
    char peer[NET_NODE_NAME_MAX + 1];
    char err[2 * NET_NODE_NAME_MAX + 160];
} tls_stream_t;

static const char *strip_prefix(const char *e)
{
    static const char p[] = "TLS handshake: ";
    return strncmp(e, p, sizeof p - 1) == 0 ? e + sizeof p - 1 : e;
}

static int64_t fail(tls_stream_t *t, const char *why)
{
    if (!t->failed)
        snprintf(t->err, sizeof t->err, "%s", strip_prefix(why));
    t->failed = true;
    return LUN_EIO;
}

/* Is the dialed socket connected yet? 0, LUN_EAGAIN or LUN_EIO. */
static int64_t finish_connect(tls_stream_t *t)
{
    struct pollfd p = {.fd = (int)t->base.fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 0) {
        t->want = NET_WRITABLE;
        return LUN_EAGAIN;
    }
    int rc = net_connect_result((int)t->base.fd);
    if (rc != 0) {
        char why[96];
        snprintf(why, sizeof why, "connect failed: %s", lun_strerror(rc));
        return fail(t, why);
    }
    t->connecting = false;
    return 0;
}

/* Connect, handshake and learn the peer's name: 0 once ready. */
static int64_t get_ready(tls_stream_t *t)
{
    if (t->failed)
        return LUN_EIO;
    if (t->connecting) {
        int64_t rc = finish_connect(t);
        if (rc != 0)
            return rc;
    }
    int rc = net_tls_handshake(t->tls);
    if (rc == LUN_EAGAIN) {
        t->want = net_tls_want(t->tls);
        return LUN_EAGAIN;
    }
    /* The dialing side named its peer (net_tls_new's host), and the
     * handshake checked it; here both sides just read the name. */
    if (rc != 0 ||
        net_tls_peer_node(t->tls, NULL, t->peer, sizeof t->peer) != 0)
        return fail(t, net_tls_error(t->tls));
    t->ready = true;
    return 0;
}

static int64_t tls_read(dist_stream_t *s, void *buf, size_t len)
{
    tls_stream_t *t = (tls_stream_t *)s;
    int64_t rc = t->ready ? 0 : get_ready(t);
    if (rc != 0)
        return rc;
    rc = net_tls_read(t->tls, buf, len);
    if (rc == LUN_EAGAIN)
        t->want = net_tls_want(t->tls);
    else if (rc < 0)
        return fail(t, net_tls_error(t->tls));
    return rc;
}

static int64_t tls_write(dist_stream_t *s, const void *buf, size_t len)
{
    tls_stream_t *t = (tls_stream_t *)s;
    int64_t rc = t->ready ? 0 : get_ready(t);
    if (rc != 0)
        return rc;
    if (t->pending && len > t->pending)
        len = t->pending;
    rc = net_tls_write(t->tls, buf, len);
    if (rc == LUN_EAGAIN) {
        t->want = net_tls_want(t->tls);
        t->pending = len;
    } else if (rc < 0) {
        return fail(t, net_tls_error(t->tls));
    } else {
        t->pending = 0;
    }
    return rc;
}

static uint32_t tls_want(dist_stream_t *s, bool writing)
{
    tls_stream_t *t = (tls_stream_t *)s;
    (void)writing;
    return t->want ? t->want : NET_READABLE;
}

static void tls_close(dist_stream_t *s)
{
    tls_stream_t *t = (tls_stream_t *)s;
    net_tls_free(t->tls);
    net_close((int)s->fd);
    free(t);
}

static const dist_stream_ops_t tls_ops = {tls_read, tls_write, tls_want,
                                          tls_close};

int dist_stream_tls(net_tls_conf_t *conf, int fd, const char *expect,
                    bool connecting, dist_stream_t **out)
{
    tls_stream_t *t = calloc(1, sizeof *t);
    int rc = t ? net_tls_new(conf, fd, expect, &t->tls) : LUN_ENOMEM;
    if (rc != 0) {
        free(t);
        net_close(fd);
        return rc;
    }
    t->base.ops = &tls_ops;
    t->base.fd = fd;
    t->connecting = connecting;
    *out = &t->base;
    return 0;
}

const char *dist_stream_tls_peer(const dist_stream_t *s)
{
    const tls_stream_t *t = (const tls_stream_t *)s;
    return t->ready ? t->peer : NULL;
}

const char *dist_stream_tls_error(const dist_stream_t *s)
{
    const tls_stream_t *t = (const tls_stream_t *)s;
    return t->failed ? t->err : NULL;
}
