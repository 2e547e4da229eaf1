/* sock_echo.c: a server on the socket `lunatic run --listen` preopens.
 * It finds the listener (fdstat says SOCKET_STREAM, prestat says it is
 * no directory), then serves two connections: the first sends a line,
 * which goes back upper-cased before the write side is shut down; the
 * second sends nothing and closes, so sock_recv returns 0 bytes. The
 * driver connects late, so the first accept has nothing waiting: the
 * call must park without burning CPU time (checked here) and finish when
 * the client arrives. */
#include <time.h>
#include <wasi/api.h>

#include "check.h"

static __wasi_fd_t find_listener(void)
{
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_fdstat_t st;
        __wasi_prestat_t ps;
        if (__wasi_fd_fdstat_get(fd, &st) != 0 ||
            st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM)
            continue;
        CHECK(__wasi_fd_prestat_get(fd, &ps) == __WASI_ERRNO_BADF);
        CHECK(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT);
        return fd;
    }
    fprintf(stderr, "no listening socket preopened\n");
    exit(1);
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    CHECK(clock_gettime(clock, &ts) == 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* accept, checking that a wait for a late client costs no CPU time */
static __wasi_fd_t accept_late(__wasi_fd_t lfd)
{
    double wall = seconds(CLOCK_MONOTONIC);
    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    __wasi_fd_t c;
    __wasi_fdstat_t st;
    CHECK(__wasi_sock_accept(lfd, 0, &c) == 0);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    fprintf(stderr, "accept waited %.3f s, used %.3f s of CPU\n", wall, cpu);
    CHECK(wall > 0.2 && cpu < wall / 2);
    CHECK(__wasi_fd_fdstat_get(c, &st) == 0);
    CHECK(st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
    return c;
}

/* Receive up to and including a newline; returns the length. */
static size_t recv_line(__wasi_fd_t c, char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap && (len == 0 || buf[len - 1] != '\n')) {
        __wasi_iovec_t iov = {(uint8_t *)buf + len, cap - len};
        __wasi_size_t got = 0;
        __wasi_roflags_t ro = 1;
        CHECK(__wasi_sock_recv(c, &iov, 1, 0, &got, &ro) == 0);
        CHECK(got > 0 && ro == 0);
        len += got;
    }
    return len;
}

static void send_all(__wasi_fd_t c, const char *buf, size_t len)
{
    while (len > 0) {
        __wasi_ciovec_t iov = {(const uint8_t *)buf, len};
        __wasi_size_t put = 0;
        CHECK(__wasi_sock_send(c, &iov, 1, 0, &put) == 0 && put > 0);
        buf += put;
        len -= put;
    }
}

int main(void)
{
    char buf[256];
    __wasi_fd_t lfd = find_listener(), c;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t got = 1;
    __wasi_roflags_t ro;
    size_t len;

    fprintf(stderr, "sock_echo: waiting for a client\n");
    c = accept_late(lfd);
    len = recv_line(c, buf, sizeof buf);
    for (size_t i = 0; i < len; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
    send_all(c, buf, len);
    CHECK(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR) == 0);
    CHECK(__wasi_sock_shutdown(c, 0) == __WASI_ERRNO_INVAL);
    CHECK(__wasi_sock_shutdown(lfd, __WASI_SDFLAGS_WR) ==
          __WASI_ERRNO_NOTSOCK);
    CHECK(__wasi_fd_close(c) == 0);

    /* the second client says nothing and hangs up: end of stream */
    CHECK(__wasi_sock_accept(lfd, 0, &c) == 0);
    CHECK(__wasi_sock_recv(c, &iov, 1, 0, &got, &ro) == 0 && got == 0);
    CHECK(__wasi_fd_close(c) == 0);

    /* NONBLOCK on the listener: nobody is waiting now, so EAGAIN */
    CHECK(__wasi_fd_fdstat_set_flags(lfd, __WASI_FDFLAGS_NONBLOCK) == 0);
    CHECK(__wasi_sock_accept(lfd, 0, &c) == __WASI_ERRNO_AGAIN);
    fprintf(stderr, "sock_echo ok\n");
    return 0;
}
