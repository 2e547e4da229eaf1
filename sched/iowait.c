/* iowait.c: parks processes blocked on a host fd (a WASI call on stdin or
 * a socket, a lunatic::networking call) on the net/poll.h poller, and
 * wakes them when the fd is ready: either a dedicated poller thread
 * waits in the poller, or (LUNATIC_POLLER=worker) an idle worker does,
 * through sched__iowait_poll (sched.c decides when). Deadlines use the
 * timing wheel. Interface: sched_int.h (sched__iowait_*). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "net/poll.h"
#include "sched/sched_int.h"

/* A process waiting on an fd: on the fd's list and on the process's. */
typedef struct waiter {
    struct waiter *next_fd, *next_proc;
    sched_proc_t *p;
    int fd;
    uint32_t events;
} waiter_t;

typedef struct fdent {
    waiter_t *list;
    bool registered; /* known to the poller (armed or not) */
} fdent_t;

/* One lock guards the fd table: arming and waking are short, and the
 * lock is what makes a wake after unregistering impossible (a dying
 * process unregisters under it before its memory goes). */
struct sched_iowait {
    pthread_mutex_t lock;
    net_poll_t *np;
    pthread_t thread;
    bool own_thread; /* false: workers call sched__iowait_poll */
    bool started;
    _Atomic bool stop;
    fdent_t *fds; /* indexed by fd */
    size_t cap;
};

#define EVENTS_BATCH 256

static uint32_t fd_union(const fdent_t *e)
{
    uint32_t u = 0;
    for (const waiter_t *w = e->list; w; w = w->next_fd)
        u |= w->events;
    return u;
}

/* Arm fd for what its waiters want. Registration is one-shot: every
 * block re-arms, and arming re-checks readiness, so a wake-up that
 * happened between the failed read and now is not lost. A stale
 * registration (the fd was closed and its number reused) is renewed. */
static int arm(sched_iowait_t *io, int fd)
{
    fdent_t *e = &io->fds[fd];
    uint32_t u = fd_union(e);
    int rc;
    if (e->registered && net_poll_mod(io->np, fd, u) == 0)
        return 0;
    rc = net_poll_add(io->np, fd, u);
    if (rc == LUN_ERR_ERRNO(EEXIST))
        rc = net_poll_mod(io->np, fd, u);
    e->registered = rc == 0;
    return rc;
}

/* Wake and drop every waiter of fd that `events` satisfies; re-arm the
 * fd for the others. The caller holds the lock. */
static void dispatch(sched_iowait_t *io, int fd, uint32_t events)
{
    if (fd < 0 || (size_t)fd >= io->cap)
        return;
    fdent_t *e = &io->fds[fd];
    bool rest = false;
    for (waiter_t **pw = &e->list; *pw;) {
        waiter_t *w = *pw;
        if (!(w->events & events)) {
            rest = true;
            pw = &w->next_fd;
            continue;
        }
        *pw = w->next_fd;
        /* Off the process's list too; it is short (one or a few fds). */
        for (waiter_t **pp = (waiter_t **)&w->p->io_waiters; *pp;
             pp = &(*pp)->next_proc)
            if (*pp == w) {
                *pp = w->next_proc;
                break;
            }
        sched__wake(w->p);
        free(w);
    }
    if (rest)
        arm(io, fd);
}

int sched__iowait_poll(sched_iowait_t *io, int64_t timeout_ms)
{
    net_event_t evs[EVENTS_BATCH];
    int n = net_poll_wait(io->np, evs, EVENTS_BATCH, timeout_ms);
    if (n <= 0)
        return 0;
    lun_mutex_lock(&io->lock);
    for (int i = 0; i < n; i++)
        dispatch(io, (int)evs[i].fd, evs[i].events);
    lun_mutex_unlock(&io->lock);
    return n;
}

void sched__iowait_wake(sched_iowait_t *io) { net_poll_wake(io->np); }

static void *poller_main(void *arg)
{
    sched_iowait_t *io = arg;
    while (!atomic_load(&io->stop))
        sched__iowait_poll(io, -1);
    return NULL;
}

sched_iowait_t *sched__iowait_new(bool own_thread)
{
    sched_iowait_t *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    io->own_thread = own_thread;
    if (net_poll_new(&io->np) != 0) {
        free(io);
        return NULL;
    }
    lun_mutex_init(&io->lock);
    return io;
}

void sched__iowait_free(sched_iowait_t *io)
{
    if (!io)
        return;
    atomic_store(&io->stop, true);
    if (io->started) {
        net_poll_wake(io->np);
        pthread_join(io->thread, NULL);
    }
    for (size_t fd = 0; fd < io->cap; fd++)
        while (io->fds[fd].list) {
            waiter_t *w = io->fds[fd].list;
            io->fds[fd].list = w->next_fd;
            free(w);
        }
    free(io->fds);
    net_poll_free(io->np);
    lun_mutex_destroy(&io->lock);
    free(io);
}

static int grow(sched_iowait_t *io, int fd)
{
    if ((size_t)fd < io->cap)
        return 0;
    size_t cap = io->cap ? io->cap : 256;
    while (cap <= (size_t)fd)
        cap *= 2;
    fdent_t *n = realloc(io->fds, cap * sizeof *n);
    if (!n)
        return LUN_ENOMEM;
    memset(n + io->cap, 0, (cap - io->cap) * sizeof *n);
    io->fds = n;
    io->cap = cap;
    return 0;
}

/* Start the poller thread on first use (most runs never wait on I/O). */
static int start(sched_iowait_t *io)
{
    if (io->started || !io->own_thread)
        return 0;
    io->started = pthread_create(&io->thread, NULL, poller_main, io) == 0;
    return io->started ? 0 : LUN_ENOMEM;
}

int sched__park_on_fd(sched_proc_t *p, int fd, bool rd, bool wr)
{
    return sched__iowait_add(p->rt->iowait, p, fd, rd, wr);
}

int sched__iowait_add(sched_iowait_t *io, sched_proc_t *p, int fd,
                      bool rd, bool wr)
{
    waiter_t *w = calloc(1, sizeof *w);
    int rc;
    if (!w || fd < 0) {
        free(w);
        sched__wake(p); /* retried at once rather than lost */
        return fd < 0 ? LUN_EINVAL : LUN_ENOMEM;
    }
    w->p = p;
    w->fd = fd;
    w->events = (rd ? NET_READABLE : 0) | (wr ? NET_WRITABLE : 0);
    lun_mutex_lock(&io->lock);
    if ((rc = start(io)) == 0 && (rc = grow(io, fd)) == 0) {
        w->next_fd = io->fds[fd].list;
        io->fds[fd].list = w;
        w->next_proc = p->io_waiters;
        p->io_waiters = w;
        if ((rc = arm(io, fd)) != 0) {
            /* Not pollable (a regular file): it never blocks, so let
             * the process retry now. */
            dispatch(io, fd, NET_READABLE | NET_WRITABLE);
            rc = 0;
        }
        w = NULL;
    }
    lun_mutex_unlock(&io->lock);
    if (w) {
        free(w);
        sched__wake(p);
    }
    return rc;
}

void sched__iowait_remove(sched_iowait_t *io, sched_proc_t *p)
{
    if (!p->io_waiters)
        return;
    lun_mutex_lock(&io->lock);
    waiter_t *w = p->io_waiters;
    p->io_waiters = NULL;
    while (w) {
        waiter_t *next = w->next_proc;
        for (waiter_t **pw = &io->fds[w->fd].list; *pw; pw = &(*pw)->next_fd)
            if (*pw == w) {
                *pw = w->next_fd;
                break;
            }
        free(w);
        w = next;
    }
    lun_mutex_unlock(&io->lock);
}
