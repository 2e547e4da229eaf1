/* stream_tcp.c: the plain-TCP byte stream of dist/stream.h, on net/'s
 * non-blocking sockets. */
#include "../common/lun_prefix.h"

#include "stream.h"

#include <stdlib.h>

#include "../net/net.h"

static int64_t tcp_read(dist_stream_t *s, void *buf, size_t len)
{
    return net_recv((int)s->fd, buf, len, false);
}

static int64_t tcp_write(dist_stream_t *s, const void *buf, size_t len)
{
    net_iov_t iov = {buf, len};
    return net_sendv((int)s->fd, &iov, 1);
}

static uint32_t tcp_want(dist_stream_t *s, bool writing)
{
    (void)s;
    return writing ? NET_WRITABLE : NET_READABLE;
}

static void tcp_close(dist_stream_t *s)
{
    net_close((int)s->fd);
    free(s);
}

static const dist_stream_ops_t tcp_ops = {tcp_read, tcp_write, tcp_want,
                                          tcp_close};

int dist_stream_tcp(int fd, dist_stream_t **out)
{
    dist_stream_t *s = malloc(sizeof *s);
    if (!s) {
        net_close(fd);
        return LUN_ENOMEM;
    }
    s->ops = &tcp_ops;
    s->fd = fd;
    *out = s;
    return 0;
}
