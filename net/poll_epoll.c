/* poll_epoll.c: epoll(7) backend for net/poll.c; compiled via #include,
 * not standalone. One-shot interest is EPOLLONESHOT; an eventfd wakes a
 * waiter. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The eventfd's epoll data: no socket fd is ever this large. */
#define WAKE_TOKEN UINT64_MAX
#define WAIT_BATCH 256

struct backend_state {
    int epfd;
    int wakefd;
};

static int backend_create(struct backend_state **out)
{
    struct backend_state *st = calloc(1, sizeof *st);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TOKEN};
    if (!st)
        return LUN_ENOMEM;
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    st->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (st->epfd < 0 || st->wakefd < 0 ||
        epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->wakefd, &ev) != 0) {
        int e = errno;
        if (st->epfd >= 0)
            close(st->epfd);
        if (st->wakefd >= 0)
            close(st->wakefd);
        free(st);
        return LUN_ERR_ERRNO(e);
    }
    *out = st;
    return 0;
}

static void backend_free(struct backend_state *st)
{
    close(st->epfd);
    close(st->wakefd);
    free(st);
}

static int backend_add(struct backend_state *st, net_fd_t fd,
                       uint32_t events, int fresh)
{
    struct epoll_event ev = {.events = EPOLLONESHOT | EPOLLRDHUP,
                             .data.u64 = (uint64_t)fd};
    if (events & NET_READABLE)
        ev.events |= EPOLLIN;
    if (events & NET_WRITABLE)
        ev.events |= EPOLLOUT;
    if (epoll_ctl(st->epfd, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, (int)fd,
                  &ev) != 0)
        return LUN_ERR_ERRNO(errno);
    return 0;
}

static int backend_del(struct backend_state *st, net_fd_t fd)
{
    struct epoll_event ev = {0}; /* ignored; kernels < 2.6.9 want it */
    if (epoll_ctl(st->epfd, EPOLL_CTL_DEL, (int)fd, &ev) != 0)
        return LUN_ERR_ERRNO(errno);
    return 0;
}

static int backend_wait(struct backend_state *st, net_event_t *out, int max,
                        int timeout_ms)
{
    struct epoll_event evs[WAIT_BATCH];
    int n = epoll_wait(st->epfd, evs, max < WAIT_BATCH ? max : WAIT_BATCH,
                       timeout_ms);
    int k = 0;
    if (n < 0)
        return errno == EINTR ? 0 : LUN_ERR_ERRNO(errno);
    for (int i = 0; i < n; i++) {
        uint32_t e = evs[i].events, r = 0;
        if (evs[i].data.u64 == WAKE_TOKEN) {
            uint64_t v;
            ssize_t got = read(st->wakefd, &v, sizeof v); /* reset it */
            (void)got;
            continue;
        }
        if (e & (EPOLLIN | EPOLLRDHUP))
            r |= NET_READABLE;
        if (e & EPOLLOUT)
            r |= NET_WRITABLE;
        if (e & (EPOLLERR | EPOLLHUP))
            r |= NET_READABLE | NET_WRITABLE;
        out[k].fd = (net_fd_t)evs[i].data.u64;
        out[k++].events = r;
    }
    return k;
}

static void backend_wake(struct backend_state *st)
{
    uint64_t one = 1;
    ssize_t n = write(st->wakefd, &one, sizeof one);
    (void)n; /* EAGAIN: the counter is already non-zero, a wake is due */
}

static const char *backend_name(void) { return "epoll"; }
