/* stream.h: the byte stream a node link runs over. The link code talks
 * only to this interface, so plain TCP (dist_stream_tcp, here) and a
 * mutual-TLS session (dist_stream_tls) are interchangeable. Every call is
 * non-blocking: one that would wait returns LUN_EAGAIN, and `want` says
 * which readiness of `fd` (net/poll.h) the caller should wait for. */
#ifndef LUN_DIST_STREAM_H
#define LUN_DIST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "../net/poll.h"

typedef struct dist_stream dist_stream_t;

typedef struct dist_stream_ops {
    /* Bytes read (0 at end of stream), LUN_EAGAIN or an error. */
    int64_t (*read)(dist_stream_t *s, void *buf, size_t len);
    /* Bytes written (maybe fewer), LUN_EAGAIN or an error. */
    int64_t (*write)(dist_stream_t *s, const void *buf, size_t len);
    /* What an EAGAIN from read (writing false) or write waits for:
     * NET_READABLE or NET_WRITABLE (TLS may need either for both). */
    uint32_t (*want)(dist_stream_t *s, bool writing);
    /* Close the connection and free s. */
    void (*close)(dist_stream_t *s);
} dist_stream_ops_t;

struct dist_stream {
    const dist_stream_ops_t *ops;
    net_fd_t fd; /* what the poller watches */
};

/* A stream over the connected non-blocking TCP socket fd, which it owns
 * from now on (closed by close, or here on LUN_ENOMEM). */
int dist_stream_tcp(int fd, dist_stream_t **out);

/* A node link's mutual-TLS stream (dist/stream_tls.c) over the
 * non-blocking TCP socket fd (owned from now on, closed here on error)
 * with conf from net_tls_node_conf. A dialing side passes the node it
 * expects as `expect` (NULL: any member; the link checks the HELLO) and
 * connecting = true if net_tcp_connect said LUN_EAGAIN. The connect and
 * the handshake run inside the first reads and writes; a refusal makes
 * them fail with LUN_EIO. */
typedef struct net_tls_conf net_tls_conf_t;
int dist_stream_tls(net_tls_conf_t *conf, int fd, const char *expect,
                    bool connecting, dist_stream_t **out);
/* The node the peer's certificate names, once the handshake is done
 * (NULL before). */
const char *dist_stream_tls_peer(const dist_stream_t *s);
/* Why the stream failed (one line, e.g. "certificate expired"), or NULL. */
const char *dist_stream_tls_error(const dist_stream_t *s);

#endif
