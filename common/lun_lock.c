/* lun_lock.c: the out-of-line part of the checked locks: the failure
 * report, condition-variable init and, with LUN_LOCK_CHECK, errorcheck
 * mutexes and the per-thread record of held locks. Interface: lun_lock.h. */
#include "common/lun_prefix.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"

static const char *err_name(int err)
{
    switch (err) {
    case EDEADLK: return "EDEADLK";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case ETIMEDOUT: return "ETIMEDOUT";
#ifdef EOWNERDEAD
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
#endif
    default: return "?";
    }
}

void lun__lock_fail(const char *site, const char *what, int err)
{
    if (err)
        fprintf(stderr, "lunatic: lock error at %s: %s: %s (%s)\n", site, what,
                strerror(err), err_name(err));
    else
        fprintf(stderr, "lunatic: lock error at %s: %s\n", site, what);
    fflush(stderr);
    abort();
}

void lun__cond_init(pthread_cond_t *c, int monotonic, const char *site)
{
    if (!monotonic) {
        lun__lock_ok(pthread_cond_init(c, NULL), site, "pthread_cond_init");
        return;
    }
    pthread_condattr_t ca;
    lun__lock_ok(pthread_condattr_init(&ca), site, "pthread_condattr_init");
    lun__lock_ok(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), site,
                 "pthread_condattr_setclock");
    lun__lock_ok(pthread_cond_init(c, &ca), site, "pthread_cond_init");
    lun__lock_ok(pthread_condattr_destroy(&ca), site,
                 "pthread_condattr_destroy");
}

#ifdef LUN_LOCK_CHECK
/* {===== the checking build */

/* The rwlocks this thread holds. A thread holds few at once (the
 * runtime nests none today), so a short array searched linearly will do;
 * running out of it is reported like any other misuse. */
#define HELD_RW_MAX 16

struct held_rw {
    pthread_rwlock_t *l;
    int readers; /* read holds (POSIX allows a thread several) */
    bool writer;
};

static _Thread_local struct held_rw held_rw[HELD_RW_MAX];
static _Thread_local int nheld_rw;
/* Every lock this thread holds through the wrappers: each mutex, each
 * read hold and each write hold of a rwlock. */
static _Thread_local int nheld;

static struct held_rw *find_rw(pthread_rwlock_t *l)
{
    for (int i = 0; i < nheld_rw; i++)
        if (held_rw[i].l == l)
            return &held_rw[i];
    return NULL;
}

static struct held_rw *add_rw(pthread_rwlock_t *l, const char *site)
{
    if (nheld_rw == HELD_RW_MAX)
        lun__lock_fail(site, "more rwlocks held by one thread than "
                             "lun_lock.c tracks (HELD_RW_MAX)", 0);
    struct held_rw *h = &held_rw[nheld_rw++];
    *h = (struct held_rw){.l = l};
    return h;
}

static void drop_rw(struct held_rw *h)
{
    *h = held_rw[--nheld_rw];
}

void lun__mutex_init(pthread_mutex_t *m, const char *site)
{
    pthread_mutexattr_t a;
    lun__lock_ok(pthread_mutexattr_init(&a), site, "pthread_mutexattr_init");
    lun__lock_ok(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK),
                 site, "pthread_mutexattr_settype");
    lun__lock_ok(pthread_mutex_init(m, &a), site, "pthread_mutex_init");
    lun__lock_ok(pthread_mutexattr_destroy(&a), site,
                 "pthread_mutexattr_destroy");
}

void lun__mutex_lock(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_lock(m), site, "pthread_mutex_lock");
    nheld++;
}

void lun__mutex_unlock(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_unlock(m), site, "pthread_mutex_unlock");
    nheld--;
}

int lun__mutex_trylock(pthread_mutex_t *m, const char *site)
{
    int e = pthread_mutex_trylock(m);
    if (e != 0 && e != EBUSY)
        lun__lock_fail(site, "pthread_mutex_trylock", e);
    if (e == 0)
        nheld++;
    return e;
}

/* The checks come before the call: glibc returns EDEADLK for the first
 * two, but other libraries deadlock, and the record must stay right. */
void lun__rwlock_rdlock(pthread_rwlock_t *l, const char *site)
{
    struct held_rw *h = find_rw(l);
    if (h && h->writer)
        lun__lock_fail(site, "pthread_rwlock_rdlock: this thread holds the "
                             "write lock", EDEADLK);
    lun__lock_ok(pthread_rwlock_rdlock(l), site, "pthread_rwlock_rdlock");
    if (!h)
        h = add_rw(l, site);
    h->readers++;
    nheld++;
}

void lun__rwlock_wrlock(pthread_rwlock_t *l, const char *site)
{
    struct held_rw *h = find_rw(l);
    if (h && h->writer)
        lun__lock_fail(site, "pthread_rwlock_wrlock: this thread already "
                             "holds the write lock", EDEADLK);
    if (h)
        lun__lock_fail(site, "pthread_rwlock_wrlock: this thread holds a "
                             "read lock", EDEADLK);
    lun__lock_ok(pthread_rwlock_wrlock(l), site, "pthread_rwlock_wrlock");
    add_rw(l, site)->writer = true;
    nheld++;
}

/* glibc's unlock by a thread that is not the writer releases a read hold
 * nobody has, and the lock is corrupt from then on: caught here first. */
void lun__rwlock_unlock(pthread_rwlock_t *l, const char *site)
{
    struct held_rw *h = find_rw(l);
    if (!h)
        lun__lock_fail(site, "pthread_rwlock_unlock: this thread holds "
                             "neither the write lock nor a read lock", EPERM);
    if (h->writer)
        h->writer = false;
    else
        h->readers--;
    if (!h->writer && h->readers == 0)
        drop_rw(h);
    nheld--;
    lun__lock_ok(pthread_rwlock_unlock(l), site, "pthread_rwlock_unlock");
}

void lun__rwlock_destroy(pthread_rwlock_t *l, const char *site)
{
    if (find_rw(l))
        lun__lock_fail(site, "pthread_rwlock_destroy: this thread holds it",
                       EBUSY);
    lun__lock_ok(pthread_rwlock_destroy(l), site, "pthread_rwlock_destroy");
}

void lun__cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_cond_wait(c, m), site, "pthread_cond_wait");
}

int lun__cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                        const struct timespec *ts, const char *site)
{
    int e = pthread_cond_timedwait(c, m, ts);
    if (e != 0 && e != ETIMEDOUT)
        lun__lock_fail(site, "pthread_cond_timedwait", e);
    return e;
}

void lun__lock_assert_none_held(const char *site)
{
    if (nheld != 0) {
        char what[96];
        snprintf(what, sizeof what, "%d lock%s held by this thread where "
                 "none may be", nheld, nheld == 1 ? "" : "s");
        lun__lock_fail(site, what, 0);
    }
}

int lun__lock_held_count(void) { return nheld; }

/* }===== */
#endif
