/* iowait.c: parks processes whose WASI call blocked on a host fd (stdin,
 * a socket): a small poll(2) thread wakes them when the fd is ready. The
 * deadline part of a blocked WASI call uses the timing wheel instead.
 * TODO(#5): the networking issue's poller (net/poll.h) replaces this.
 * Interface: sched_int.h (sched__iowait_*). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "sched/sched_int.h"

typedef struct waiter {
    struct waiter *next;
    sched_proc_t *p;
    int fd;
    short events;
} waiter_t;

struct sched_iowait {
    pthread_mutex_t lock;
    pthread_t thread;
    bool started, stop;
    int pipe[2]; /* writing a byte interrupts poll() after a change */
    waiter_t *list;
};

static void poke(sched_iowait_t *io)
{
    char c = 0;
    ssize_t n = write(io->pipe[1], &c, 1);
    (void)n; /* a full pipe already guarantees a wake-up */
}

/* Snapshot the waiters into pfds (slot 0 is the pipe). */
static nfds_t collect(sched_iowait_t *io, struct pollfd **pfds, size_t *cap)
{
    nfds_t n = 1;
    for (waiter_t *w = io->list; w; w = w->next)
        n++;
    if (n > *cap) {
        struct pollfd *np = realloc(*pfds, n * sizeof *np);
        if (!np)
            return 1;
        *pfds = np;
        *cap = n;
    }
    (*pfds)[0] = (struct pollfd){.fd = io->pipe[0], .events = POLLIN};
    n = 1;
    for (waiter_t *w = io->list; w; w = w->next)
        (*pfds)[n++] = (struct pollfd){.fd = w->fd, .events = w->events};
    return n;
}

static void *iowait_main(void *arg)
{
    sched_iowait_t *io = arg;
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&io->lock);
        if (io->stop) {
            pthread_mutex_unlock(&io->lock);
            break;
        }
        nfds_t n = collect(io, &pfds, &cap);
        pthread_mutex_unlock(&io->lock);
        if (poll(pfds, n, -1) < 0 && errno != EINTR)
            continue;
        if (pfds[0].revents) {
            char buf[64];
            while (read(io->pipe[0], buf, sizeof buf) > 0) {
            }
        }
        /* Wake every waiter whose fd is ready; it re-registers if its
         * call blocks again. Waking under the lock keeps a dying process
         * (which unregisters under it) from being woken after free. */
        pthread_mutex_lock(&io->lock);
        for (nfds_t i = 1; i < n; i++) {
            if (!pfds[i].revents)
                continue;
            for (waiter_t **pw = &io->list; *pw; pw = &(*pw)->next)
                if ((*pw)->fd == pfds[i].fd) {
                    waiter_t *w = *pw;
                    *pw = w->next;
                    sched__wake(w->p);
                    free(w);
                    break;
                }
        }
        pthread_mutex_unlock(&io->lock);
    }
    free(pfds);
    return NULL;
}

sched_iowait_t *sched__iowait_new(void)
{
    sched_iowait_t *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    if (pipe(io->pipe) != 0) {
        free(io);
        return NULL;
    }
    fcntl(io->pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(io->pipe[1], F_SETFL, O_NONBLOCK);
    pthread_mutex_init(&io->lock, NULL);
    return io;
}

void sched__iowait_free(sched_iowait_t *io)
{
    if (!io)
        return;
    pthread_mutex_lock(&io->lock);
    io->stop = true;
    pthread_mutex_unlock(&io->lock);
    if (io->started) {
        poke(io);
        pthread_join(io->thread, NULL);
    }
    while (io->list) {
        waiter_t *w = io->list;
        io->list = w->next;
        free(w);
    }
    close(io->pipe[0]);
    close(io->pipe[1]);
    pthread_mutex_destroy(&io->lock);
    free(io);
}

int sched__iowait_add(sched_iowait_t *io, sched_proc_t *p, int fd,
                      bool rd, bool wr)
{
    waiter_t *w = calloc(1, sizeof *w);
    if (!w)
        return LUN_ENOMEM;
    w->p = p;
    w->fd = fd;
    w->events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0));
    pthread_mutex_lock(&io->lock);
    if (!io->started) {
        io->started = pthread_create(&io->thread, NULL, iowait_main, io) == 0;
        if (!io->started) {
            pthread_mutex_unlock(&io->lock);
            free(w);
            return LUN_ENOMEM;
        }
    }
    w->next = io->list;
    io->list = w;
    pthread_mutex_unlock(&io->lock);
    poke(io);
    return 0;
}

void sched__iowait_remove(sched_iowait_t *io, sched_proc_t *p)
{
    pthread_mutex_lock(&io->lock);
    for (waiter_t **pw = &io->list; *pw;) {
        if ((*pw)->p == p) {
            waiter_t *w = *pw;
            *pw = w->next;
            free(w);
        } else {
            pw = &(*pw)->next;
        }
    }
    pthread_mutex_unlock(&io->lock);
}
