/* poll_kqueue.c: kqueue(2) backend for net/poll.c; compiled via #include,
 * not standalone. UNTESTED: no BSD or macOS machine here (Debian has no
 * libkqueue); written line by line against the FreeBSD kqueue(2) manual.
 * One-shot interest is EV_ONESHOT per filter; EVFILT_USER wakes. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#define WAKE_IDENT 0 /* EVFILT_USER idents are their own namespace */
#define WAIT_BATCH 256

struct backend_state {
    int kq;
};

static int backend_create(struct backend_state **out)
{
    struct backend_state *st = calloc(1, sizeof *st);
    struct kevent kev;
    if (!st)
        return LUN_ENOMEM;
    if ((st->kq = kqueue()) < 0) {
        int e = errno;
        free(st);
        return LUN_ERR_ERRNO(e);
    }
    /* EV_CLEAR: the trigger resets once delivered. */
    EV_SET(&kev, WAKE_IDENT, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
    if (kevent(st->kq, &kev, 1, NULL, 0, NULL) < 0) {
        int e = errno;
        close(st->kq);
        free(st);
        return LUN_ERR_ERRNO(e);
    }
    *out = st;
    return 0;
}

static void backend_free(struct backend_state *st)
{
    close(st->kq);
    free(st);
}

/* Apply n changes with EV_RECEIPT, so each comes back with its own
 * status in data (0 = done); ENOENT (deleting a filter that was not
 * armed, or that fired as EV_ONESHOT) is not an error. */
static int apply(struct backend_state *st, struct kevent *ch, int n)
{
    struct kevent res[2];
    int got = kevent(st->kq, ch, n, res, n, NULL);
    if (got < 0)
        return LUN_ERR_ERRNO(errno);
    for (int i = 0; i < got; i++)
        if ((res[i].flags & EV_ERROR) && res[i].data != 0 &&
            res[i].data != ENOENT)
            return LUN_ERR_ERRNO((int)res[i].data);
    return 0;
}

static int backend_add(struct backend_state *st, net_fd_t fd,
                       uint32_t events, int fresh)
{
    struct kevent ch[2];
    (void)fresh; /* EV_ADD both registers and re-arms */
    EV_SET(&ch[0], (uintptr_t)fd, EVFILT_READ,
           (events & NET_READABLE) ? EV_ADD | EV_ONESHOT | EV_RECEIPT
                                   : EV_DELETE | EV_RECEIPT,
           0, 0, NULL);
    EV_SET(&ch[1], (uintptr_t)fd, EVFILT_WRITE,
           (events & NET_WRITABLE) ? EV_ADD | EV_ONESHOT | EV_RECEIPT
                                   : EV_DELETE | EV_RECEIPT,
           0, 0, NULL);
    return apply(st, ch, 2);
}

static int backend_del(struct backend_state *st, net_fd_t fd)
{
    struct kevent ch[2];
    EV_SET(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_DELETE | EV_RECEIPT, 0, 0,
           NULL);
    EV_SET(&ch[1], (uintptr_t)fd, EVFILT_WRITE, EV_DELETE | EV_RECEIPT, 0, 0,
           NULL);
    return apply(st, ch, 2);
}

static int backend_wait(struct backend_state *st, net_event_t *out, int max,
                        int timeout_ms)
{
    struct kevent evs[WAIT_BATCH];
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
    int n = kevent(st->kq, NULL, 0, evs, max < WAIT_BATCH ? max : WAIT_BATCH,
                   timeout_ms < 0 ? NULL : &ts);
    int k = 0;
    if (n < 0)
        return errno == EINTR ? 0 : LUN_ERR_ERRNO(errno);
    for (int i = 0; i < n; i++) {
        if (evs[i].filter == EVFILT_USER)
            continue; /* a wake */
        uint32_t r = evs[i].filter == EVFILT_READ ? NET_READABLE
                                                  : NET_WRITABLE;
        if (evs[i].flags & (EV_EOF | EV_ERROR))
            r = NET_READABLE | NET_WRITABLE;
        out[k].fd = (net_fd_t)evs[i].ident;
        out[k++].events = r;
    }
    return k;
}

static void backend_wake(struct backend_state *st)
{
    struct kevent kev;
    EV_SET(&kev, WAKE_IDENT, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
    (void)kevent(st->kq, &kev, 1, NULL, 0, NULL);
}

static const char *backend_name(void) { return "kqueue"; }
