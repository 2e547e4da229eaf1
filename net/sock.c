/* sock.c: non-blocking TCP and UDP sockets over the BSD socket API, with
 * addresses in the Lunatic ABI's form. Interface: net/net.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

#define ERR(e) ((e) == EAGAIN || (e) == EWOULDBLOCK ? LUN_EAGAIN : LUN_ERR_ERRNO(e))

static socklen_t to_sockaddr(const net_addr_t *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == 4) {
        struct sockaddr_in *s = (struct sockaddr_in *)ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(a->port);
        memcpy(&s->sin_addr, a->ip, 4);
        return sizeof *s;
    }
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a->port);
    s->sin6_flowinfo = htonl(a->flowinfo);
    s->sin6_scope_id = a->scope_id;
    memcpy(&s->sin6_addr, a->ip, 16);
    return sizeof *s;
}

static void from_sockaddr(const struct sockaddr_storage *ss, net_addr_t *a)
{
    memset(a, 0, sizeof *a);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        a->family = 4;
        a->port = ntohs(s->sin_port);
        memcpy(a->ip, &s->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        a->family = 6;
        a->port = ntohs(s->sin6_port);
        a->flowinfo = ntohl(s->sin6_flowinfo);
        a->scope_id = s->sin6_scope_id;
        memcpy(a->ip, &s->sin6_addr, 16);
    }
}

static int new_socket(const net_addr_t *a, int type, int *out_fd)
{
    if (a->family != 4 && a->family != 6)
        return LUN_EINVAL;
    int fd = socket(a->family == 4 ? AF_INET : AF_INET6,
                    type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return LUN_ERR_ERRNO(errno);
    *out_fd = fd;
    return 0;
}

static int fail_close(int fd)
{
    int e = errno;
    close(fd);
    return LUN_ERR_ERRNO(e);
}

int net_tcp_listen(const net_addr_t *a, int *out_fd)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    int fd = -1, one = 1, rc = new_socket(a, SOCK_STREAM, &fd);
    if (rc != 0)
        return rc;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4096) != 0)
        return fail_close(fd);
    *out_fd = fd;
    return 0;
}

/* {===== accept at the descriptor limit (net.h says why) */

#define ACCEPT_PAUSE_FIRST_MS 10
#define ACCEPT_PAUSE_MAX_MS 1000

/* The pause's end (CLOCK_MONOTONIC ns; 0: none) and its current length
 * (0: no episode). Process-wide, like the limit. */
static _Atomic uint64_t pause_until_ns;
static _Atomic uint32_t pause_len_ms;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t net_accept_pause_ms(void)
{
    uint64_t until = atomic_load_explicit(&pause_until_ns,
                                          memory_order_relaxed);
    if (until == 0)
        return 0; /* the common case reads no clock */
    uint64_t now = mono_ns();
    return until > now ? (until - now + 999999) / 1000000 : 0;
}

int net_accept_failed(int err)
{
    if (err != EMFILE && err != ENFILE)
        return ERR(err);
    if (net_accept_pause_ms() > 0)
        return LUN_ELIMIT; /* another caller already paused accepts */
    uint32_t old = atomic_load(&pause_len_ms);
    uint32_t len = old == 0 ? ACCEPT_PAUSE_FIRST_MS
                 : old >= ACCEPT_PAUSE_MAX_MS / 2 ? ACCEPT_PAUSE_MAX_MS
                                                   : old * 2;
    /* Of callers failing together, one grows the pause. */
    if (atomic_compare_exchange_strong(&pause_len_ms, &old, len)) {
        atomic_store(&pause_until_ns, mono_ns() + (uint64_t)len * 1000000);
        if (old == 0)
            fprintf(stderr, "lunatic: accept: %s; pausing accepts (%d ms, "
                    "growing to %d ms) until a descriptor is free\n",
                    strerror(err), ACCEPT_PAUSE_FIRST_MS, ACCEPT_PAUSE_MAX_MS);
    }
    return LUN_ELIMIT;
}

void net_accept_ok(void)
{
    if (atomic_load_explicit(&pause_len_ms, memory_order_relaxed) == 0)
        return;
    atomic_store(&pause_until_ns, 0);
    atomic_store(&pause_len_ms, 0);
}

/* }===== */

int net_tcp_accept(int fd, int *out_fd, net_addr_t *out_peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int one = 1;
    if (net_accept_pause_ms() > 0)
        return LUN_ELIMIT;
    int c = accept4(fd, (struct sockaddr *)&ss, &len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return errno == ECONNABORTED ? LUN_EAGAIN : net_accept_failed(errno);
    net_accept_ok();
    /* Small request/response traffic (HTTP, chat lines) must not wait
     * for Nagle's timer. */
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    from_sockaddr(&ss, out_peer);
    *out_fd = c;
    return 0;
}

int net_tcp_connect(const net_addr_t *a, int *out_fd)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    int fd = -1, one = 1, rc = new_socket(a, SOCK_STREAM, &fd);
    if (rc != 0)
        return rc;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out_fd = fd;
    if (connect(fd, (struct sockaddr *)&ss, len) == 0)
        return 0;
    if (errno == EINPROGRESS || errno == EINTR)
        return LUN_EAGAIN;
    *out_fd = -1;
    return fail_close(fd);
}

int net_connect_result(int fd)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        return LUN_ERR_ERRNO(errno);
    return e ? LUN_ERR_ERRNO(e) : 0;
}

int64_t net_recv(int fd, void *buf, size_t len, bool peek)
{
    ssize_t n = recv(fd, buf, len, peek ? MSG_PEEK : 0);
    return n >= 0 ? (int64_t)n : ERR(errno);
}

int64_t net_sendv(int fd, const net_iov_t *iov, int n)
{
    struct iovec v[64];
    struct msghdr mh = {0};
    if (n > 64)
        n = 64; /* a short write; the caller loops */
    for (int i = 0; i < n; i++) {
        v[i].iov_base = (void *)(uintptr_t)iov[i].base;
        v[i].iov_len = iov[i].len;
    }
    mh.msg_iov = v;
    mh.msg_iovlen = (size_t)n;
    /* MSG_NOSIGNAL: a peer that hung up is an EPIPE error, not SIGPIPE. */
    ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
    return w >= 0 ? (int64_t)w : ERR(errno);
}

int net_udp_bind(const net_addr_t *a, int *out_fd)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    int fd = -1, rc = new_socket(a, SOCK_DGRAM, &fd);
    if (rc != 0)
        return rc;
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        return fail_close(fd);
    *out_fd = fd;
    return 0;
}

int64_t net_sendto(int fd, const void *buf, size_t len, const net_addr_t *to)
{
    struct sockaddr_storage ss;
    ssize_t n;
    if (to) {
        socklen_t sl = to_sockaddr(to, &ss);
        n = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&ss, sl);
    } else {
        n = send(fd, buf, len, MSG_NOSIGNAL);
    }
    return n >= 0 ? (int64_t)n : ERR(errno);
}

int64_t net_recvfrom(int fd, void *buf, size_t len, net_addr_t *from)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&ss, &sl);
    if (n < 0)
        return ERR(errno);
    if (from)
        from_sockaddr(&ss, from);
    return (int64_t)n;
}

int net_udp_connect(int fd, const net_addr_t *a)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    return connect(fd, (struct sockaddr *)&ss, len) == 0
               ? 0
               : LUN_ERR_ERRNO(errno);
}

int net_local_addr(int fd, net_addr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return LUN_ERR_ERRNO(errno);
    from_sockaddr(&ss, out);
    return 0;
}

int net_peer_addr(int fd, net_addr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return LUN_ERR_ERRNO(errno);
    from_sockaddr(&ss, out);
    return 0;
}

int net_set_broadcast(int fd, bool on)
{
    int v = on;
    return setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, sizeof v) == 0
               ? 0
               : LUN_ERR_ERRNO(errno);
}

int net_get_broadcast(int fd, bool *out)
{
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len) != 0)
        return LUN_ERR_ERRNO(errno);
    *out = v != 0;
    return 0;
}

static bool is_v6(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
           ss.ss_family == AF_INET6;
}

int net_set_ttl(int fd, uint32_t ttl)
{
    int v = (int)ttl;
    int rc = is_v6(fd) ? setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v,
                                    sizeof v)
                       : setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof v);
    return rc == 0 ? 0 : LUN_ERR_ERRNO(errno);
}

int net_get_ttl(int fd, uint32_t *out)
{
    int v = 0;
    socklen_t len = sizeof v;
    int rc = is_v6(fd) ? getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v,
                                    &len)
                       : getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len);
    if (rc != 0)
        return LUN_ERR_ERRNO(errno);
    *out = (uint32_t)v;
    return 0;
}

void net_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
