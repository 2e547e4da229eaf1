/* poll_poll.c: poll(2) backend for net/poll.c; compiled via #include, not
 * standalone. The portable fallback, forced on Linux by -DNET_FORCE_POLL
 * so that CI runs the same poller tests through it. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lun_lock.h"

/* Registered fds live in pfds[1..n) (pfds[0] is the wake pipe); idx[fd]
 * is an fd's slot, 0 when unregistered. pfds[i].events == 0 means
 * disarmed (one-shot fired): such fds are left out of the poll set, since
 * poll() would report their hang-ups even with no events asked for. */
struct backend_state {
    pthread_mutex_t lock;
    int pipe[2];
    struct pollfd *pfds;
    size_t n, cap;
    size_t *idx;
    size_t idx_cap;
};

static int backend_create(struct backend_state **out)
{
    struct backend_state *st = calloc(1, sizeof *st);
    if (!st)
        return LUN_ENOMEM;
    if (pipe(st->pipe) != 0) {
        int e = errno;
        free(st);
        return LUN_ERR_ERRNO(e);
    }
    for (int i = 0; i < 2; i++) {
        fcntl(st->pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(st->pipe[i], F_SETFD, FD_CLOEXEC);
    }
    st->cap = 16;
    st->pfds = malloc(st->cap * sizeof *st->pfds);
    if (!st->pfds) {
        close(st->pipe[0]);
        close(st->pipe[1]);
        free(st);
        return LUN_ENOMEM;
    }
    st->pfds[0] = (struct pollfd){.fd = st->pipe[0], .events = POLLIN};
    st->n = 1;
    lun_mutex_init(&st->lock);
    *out = st;
    return 0;
}

static void backend_free(struct backend_state *st)
{
    close(st->pipe[0]);
    close(st->pipe[1]);
    lun_mutex_destroy(&st->lock);
    free(st->pfds);
    free(st->idx);
    free(st);
}

static void backend_wake(struct backend_state *st)
{
    char c = 0;
    ssize_t n = write(st->pipe[1], &c, 1);
    (void)n; /* a full pipe already guarantees a wake-up */
}

static short to_poll(uint32_t events)
{
    return (short)(((events & NET_READABLE) ? POLLIN : 0) |
                   ((events & NET_WRITABLE) ? POLLOUT : 0));
}

/* Make room for fd in idx and for one more slot in pfds. */
static int reserve(struct backend_state *st, size_t fd)
{
    if (fd >= st->idx_cap) {
        size_t cap = st->idx_cap ? st->idx_cap : 64;
        while (cap <= fd)
            cap *= 2;
        size_t *ni = realloc(st->idx, cap * sizeof *ni);
        if (!ni)
            return LUN_ENOMEM;
        memset(ni + st->idx_cap, 0, (cap - st->idx_cap) * sizeof *ni);
        st->idx = ni;
        st->idx_cap = cap;
    }
    if (st->n == st->cap) {
        struct pollfd *np = realloc(st->pfds, st->cap * 2 * sizeof *np);
        if (!np)
            return LUN_ENOMEM;
        st->pfds = np;
        st->cap *= 2;
    }
    return 0;
}

static int backend_add(struct backend_state *st, net_fd_t fd,
                       uint32_t events, int fresh)
{
    size_t f = (size_t)fd;
    int rc = 0;
    lun_mutex_lock(&st->lock);
    if (fresh) {
        if ((rc = reserve(st, f)) == 0 && st->idx[f] != 0)
            rc = LUN_ERR_ERRNO(EEXIST);
        if (rc == 0) {
            st->idx[f] = st->n;
            st->pfds[st->n++] = (struct pollfd){.fd = (int)fd,
                                                .events = to_poll(events)};
        }
    } else if (f >= st->idx_cap || st->idx[f] == 0) {
        rc = LUN_ERR_ERRNO(ENOENT);
    } else {
        st->pfds[st->idx[f]].events = to_poll(events);
    }
    lun_mutex_unlock(&st->lock);
    if (rc == 0 && events)
        backend_wake(st); /* the waiter must poll the new set */
    return rc;
}

static int backend_del(struct backend_state *st, net_fd_t fd)
{
    size_t f = (size_t)fd;
    int rc = 0;
    lun_mutex_lock(&st->lock);
    if (f >= st->idx_cap || st->idx[f] == 0) {
        rc = LUN_ERR_ERRNO(ENOENT);
    } else {
        size_t i = st->idx[f], last = st->n - 1;
        st->pfds[i] = st->pfds[last]; /* move the last slot into the hole */
        st->idx[(size_t)st->pfds[i].fd] = i;
        st->idx[f] = 0;
        st->n--;
    }
    lun_mutex_unlock(&st->lock);
    return rc;
}

/* A copy of the armed fds (and the pipe) for poll(), in *out; returns
 * its length, 0 on no memory. The caller holds the lock. */
static size_t snapshot(struct backend_state *st, struct pollfd **out)
{
    size_t k = 0;
    struct pollfd *s = malloc(st->n * sizeof *s);
    if (!(*out = s))
        return 0;
    for (size_t i = 0; i < st->n; i++)
        if (i == 0 || st->pfds[i].events)
            s[k++] = st->pfds[i];
    return k;
}

/* Report fired fds that are still armed (another thread may have
 * disarmed or removed them meanwhile), disarming them. */
static int collect(struct backend_state *st, const struct pollfd *snap,
                   size_t k, net_event_t *out, int max)
{
    int n = 0;
    for (size_t j = 1; j < k && n < max; j++) {
        short re = snap[j].revents;
        size_t f = (size_t)snap[j].fd;
        if (!re || f >= st->idx_cap || st->idx[f] == 0)
            continue;
        struct pollfd *cur = &st->pfds[st->idx[f]];
        uint32_t r = 0;
        if (re & POLLIN)
            r |= NET_READABLE;
        if (re & POLLOUT)
            r |= NET_WRITABLE;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            r |= NET_READABLE | NET_WRITABLE;
        if (!(to_poll(r) & cur->events))
            continue;
        cur->events = 0;
        out[n].fd = (net_fd_t)f;
        out[n++].events = r;
    }
    return n;
}

/* Several threads may wait at once: each polls its own snapshot, and
 * collect() under the lock hands every fired fd to one of them only. */
static int backend_wait(struct backend_state *st, net_event_t *out, int max,
                        int timeout_ms)
{
    struct pollfd *snap;
    lun_mutex_lock(&st->lock);
    size_t k = snapshot(st, &snap);
    lun_mutex_unlock(&st->lock);
    if (k == 0) {
        free(snap);
        return LUN_ENOMEM;
    }
    int r = poll(snap, (nfds_t)k, timeout_ms);
    if (r < 0) {
        int e = errno;
        free(snap);
        return e == EINTR ? 0 : LUN_ERR_ERRNO(e);
    }
    if (snap[0].revents) {
        char buf[64];
        while (read(st->pipe[0], buf, sizeof buf) > 0) {
        }
    }
    lun_mutex_lock(&st->lock);
    int n = r > 0 ? collect(st, snap, k, out, max) : 0;
    lun_mutex_unlock(&st->lock);
    free(snap);
    return n;
}

static const char *backend_name(void) { return "poll"; }
