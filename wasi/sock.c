/* sock.c: sock_accept, sock_recv, sock_send, sock_shutdown on preopened
 * listening sockets and the connections they accept. Host sockets are
 * non-blocking: a call that would wait returns WASI__BLOCK (see wasi.h).
 * Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/net.h"
#include "wasi/wasi_int.h"

/* The descriptor fd as a socket of `kind`, with `rights`. */
static uint32_t get_socket(wasi_ctx_t *ctx, uint32_t fd, wasi_fd_kind kind,
                           uint64_t rights, wasi_fd_t **out)
{
    uint32_t rc = wasi__fd_get(ctx, fd, 0, out);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((*out)->kind != kind)
        return WASI_ENOTSOCK;
    return ((*out)->rights & rights) == rights ? WASI_ESUCCESS
                                               : WASI_ENOTCAPABLE;
}

static uint32_t would_block(wasi_ctx_t *ctx, const wasi_fd_t *f,
                            uint32_t events)
{
    if (f->fdflags & WASI_FDFLAG_NONBLOCK)
        return WASI_EAGAIN;
    return wasi__block_on_fd(ctx, f->host_fd, events);
}

/* Accepts are paused at the descriptor limit (net/net.h): wait out the
 * pause on its deadline alone, not on the listener, which stays readable
 * and would end the wait at once. */
static uint32_t accept_paused(wasi_ctx_t *ctx, const wasi_fd_t *f)
{
    if (f->fdflags & WASI_FDFLAG_NONBLOCK)
        return WASI_EAGAIN;
    wasi__wait_reset(ctx);
    wasi__wait_deadline(ctx, wasi_monotonic_ns() +
                                 net_accept_pause_ms() * 1000000u);
    return WASI__BLOCK;
}

uint32_t wasi__sock_accept(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t fd, uint32_t flags, uint32_t fd_ptr)
{
    uint8_t *out = wasi__mem_range(mem, fd_ptr, 4);
    wasi_fd_t *f, *c;
    uint32_t newfd, rc = get_socket(ctx, fd, WASI_FD_LISTENER,
                                    WASI_RIGHT_SOCK_ACCEPT, &f);
    int host;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out)
        return WASI_EFAULT;
    if (flags & ~WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    /* a slot first, so a full table does not swallow a connection */
    if ((rc = wasi__fd_alloc(ctx, &newfd)) != WASI_ESUCCESS)
        return rc;
    f = &ctx->fds[fd]; /* fd_alloc may have moved the table */
    if (net_accept_pause_ms() > 0)
        return accept_paused(ctx, f);
    host = accept4(f->host_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (host < 0) {
        int e = errno;
        if (e == EAGAIN || e == EWOULDBLOCK)
            return would_block(ctx, f, WASI_WAIT_READ);
        if (net_accept_failed(e) == LUN_ELIMIT)
            return accept_paused(ctx, f);
        return wasi__errno_from_host(e);
    }
    net_accept_ok();
    c = &ctx->fds[newfd];
    *c = (wasi_fd_t){.kind = WASI_FD_SOCKET, .host_fd = host,
                     .filetype = WASI_FILETYPE_SOCKET_STREAM,
                     .fdflags = (uint16_t)flags,
                     .rights = f->rights_inheriting & WASI_RIGHTS_SOCKET};
    wasi__store_u32(out, newfd);
    return WASI_ESUCCESS;
}

uint32_t wasi__sock_recv(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint32_t ri_flags, uint32_t datalen_ptr,
                         uint32_t oflags_ptr)
{
    struct iovec iov[WASI_MAX_IOVS];
    struct msghdr msg = {.msg_iov = iov};
    uint8_t *len_out = wasi__mem_range(mem, datalen_ptr, 4);
    uint8_t *flags_out = wasi__mem_range(mem, oflags_ptr, 2);
    wasi_fd_t *f;
    int n = 0;
    ssize_t got;
    uint32_t rc = get_socket(ctx, fd, WASI_FD_SOCKET, WASI_RIGHT_FD_READ, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!len_out || !flags_out ||
        wasi__gather_iovecs(mem, iovs_ptr, iovs_len, iov, &n) != 0)
        return WASI_EFAULT;
    if (ri_flags & ~(WASI_RIFLAG_PEEK | WASI_RIFLAG_WAITALL))
        return WASI_EINVAL;
    msg.msg_iovlen = (size_t)n;
    /* WAITALL would make a non-blocking socket wait: a short read is what
     * it can get without blocking a thread */
    do
        got = recvmsg(f->host_fd, &msg,
                      (ri_flags & WASI_RIFLAG_PEEK) ? MSG_PEEK : 0);
    while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return would_block(ctx, f, WASI_WAIT_READ);
    if (got < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u32(len_out, (uint32_t)got);
    wasi__store_u16(flags_out, 0); /* stream sockets never truncate */
    return WASI_ESUCCESS;
}

uint32_t wasi__sock_send(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint32_t si_flags, uint32_t datalen_ptr)
{
    struct iovec iov[WASI_MAX_IOVS];
    struct msghdr msg = {.msg_iov = iov};
    uint8_t *len_out = wasi__mem_range(mem, datalen_ptr, 4);
    wasi_fd_t *f;
    int n = 0;
    ssize_t put;
    uint32_t rc = get_socket(ctx, fd, WASI_FD_SOCKET, WASI_RIGHT_FD_WRITE, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!len_out || wasi__gather_iovecs(mem, iovs_ptr, iovs_len, iov, &n) != 0)
        return WASI_EFAULT;
    if (si_flags != 0) /* siflags has no flags defined */
        return WASI_EINVAL;
    msg.msg_iovlen = (size_t)n;
    do /* MSG_NOSIGNAL: a closed peer is EPIPE, not a dead runtime */
        put = sendmsg(f->host_fd, &msg, MSG_NOSIGNAL);
    while (put < 0 && errno == EINTR);
    if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return would_block(ctx, f, WASI_WAIT_WRITE);
    if (put < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u32(len_out, (uint32_t)put);
    return WASI_ESUCCESS;
}

uint32_t wasi__sock_shutdown(wasi_ctx_t *ctx, uint32_t fd, uint32_t how)
{
    static const int host_how[] = {0, SHUT_RD, SHUT_WR, SHUT_RDWR};
    wasi_fd_t *f;
    uint32_t rc = get_socket(ctx, fd, WASI_FD_SOCKET,
                             WASI_RIGHT_SOCK_SHUTDOWN, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (how == 0 || how > (WASI_SDFLAG_RD | WASI_SDFLAG_WR))
        return WASI_EINVAL;
    if (shutdown(f->host_fd, host_how[how]) != 0)
        return wasi__errno_from_host(errno);
    return WASI_ESUCCESS;
}
