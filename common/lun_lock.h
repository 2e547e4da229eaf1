/* lun_lock.h: checked pthread mutexes, rwlocks and condition variables.
 * Every init, lock, unlock, wait and destroy goes through these wrappers.
 * A nonzero result (EDEADLK, EPERM, EINVAL...) is a runtime bug: it is
 * printed as one line naming the call site and the error, then abort().
 * In a release build that costs a compare on top of the pthread call.
 *
 * Built with -DLUN_LOCK_CHECK (the debug and asan variants), misuse that
 * pthreads would let pass is caught as well:
 *  - mutexes are PTHREAD_MUTEX_ERRORCHECK: a re-lock by the owner
 *    (EDEADLK) and an unlock by a thread that does not own it (EPERM)
 *    abort instead of deadlocking or silently unlocking;
 *  - each thread tracks the rwlocks it holds: a write lock taken again,
 *    a read lock taken while holding the write lock, a write lock taken
 *    while holding a read lock, and an unlock by a thread that holds
 *    neither abort before they deadlock or corrupt the lock (glibc
 *    reports some of them, never an unlock by another thread);
 *  - each thread counts the locks it holds, for LUN_LOCK_ASSERT_NONE_HELD
 *    (no host lock may be held while guest code runs).
 * A lock must be unlocked by the thread that locked it (POSIX requires it
 * of mutexes and rwlocks alike).
 *
 * The names are those of pthreads with lun_ for pthread_; init takes no
 * attributes (the wrapper picks them). The out-of-line part is
 * common/lun_lock.c, linked into libnet.a: net/ is the lowest layer that
 * uses threads (vm/ must not). */
#ifndef LUN_LOCK_H
#define LUN_LOCK_H

#include <errno.h>
#include <pthread.h>
#include <time.h>

#define LUN_LOCK_STR_(x) #x
#define LUN_LOCK_STR(x) LUN_LOCK_STR_(x)
/* "file.c:123", the call site a failure names. */
#define LUN_LOCK_SITE __FILE__ ":" LUN_LOCK_STR(__LINE__)

#if defined(__GNUC__)
#define LUN_LOCK_LIKELY_OK(e) __builtin_expect((e) == 0, 1)
#define LUN_LOCK_COLD __attribute__((cold))
#else
#define LUN_LOCK_LIKELY_OK(e) ((e) == 0)
#define LUN_LOCK_COLD
#endif

/* Prints "lunatic: lock error at SITE: CALL: <strerror> (<ENAME>)" on
 * stderr and aborts. `what` names the call (or the misuse found). */
LUN_LOCK_COLD _Noreturn void lun__lock_fail(const char *site, const char *what,
                                            int err);

static inline void lun__lock_ok(int err, const char *site, const char *what)
{
    if (!LUN_LOCK_LIKELY_OK(err))
        lun__lock_fail(site, what, err);
}

/* A statically allocated mutex: errorcheck in a checking build where
 * the C library has a static initializer for it (glibc), else normal. */
#if defined(LUN_LOCK_CHECK) && defined(PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP)
#define LUN_MUTEX_INITIALIZER PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP
#else
#define LUN_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
#endif

/* {===== the API: each macro passes its call site */

#define lun_mutex_init(m) lun__mutex_init((m), LUN_LOCK_SITE)
#define lun_mutex_destroy(m) lun__mutex_destroy((m), LUN_LOCK_SITE)
#define lun_mutex_lock(m) lun__mutex_lock((m), LUN_LOCK_SITE)
#define lun_mutex_unlock(m) lun__mutex_unlock((m), LUN_LOCK_SITE)
/* 0 when taken, EBUSY when another thread holds it. */
#define lun_mutex_trylock(m) lun__mutex_trylock((m), LUN_LOCK_SITE)

#define lun_rwlock_init(l) lun__rwlock_init((l), LUN_LOCK_SITE)
#define lun_rwlock_destroy(l) lun__rwlock_destroy((l), LUN_LOCK_SITE)
#define lun_rwlock_rdlock(l) lun__rwlock_rdlock((l), LUN_LOCK_SITE)
#define lun_rwlock_wrlock(l) lun__rwlock_wrlock((l), LUN_LOCK_SITE)
#define lun_rwlock_unlock(l) lun__rwlock_unlock((l), LUN_LOCK_SITE)

/* lun_cond_init_monotonic: timedwait deadlines on CLOCK_MONOTONIC. */
#define lun_cond_init(c) lun__cond_init((c), 0, LUN_LOCK_SITE)
#define lun_cond_init_monotonic(c) lun__cond_init((c), 1, LUN_LOCK_SITE)
#define lun_cond_destroy(c) lun__cond_destroy((c), LUN_LOCK_SITE)
#define lun_cond_signal(c) lun__cond_signal((c), LUN_LOCK_SITE)
#define lun_cond_broadcast(c) lun__cond_broadcast((c), LUN_LOCK_SITE)
#define lun_cond_wait(c, m) lun__cond_wait((c), (m), LUN_LOCK_SITE)
/* 0 when signalled (or spuriously woken), ETIMEDOUT at the deadline. */
#define lun_cond_timedwait(c, m, ts) \
    lun__cond_timedwait((c), (m), (ts), LUN_LOCK_SITE)

/* Aborts, naming the call site, if the calling thread holds a lock taken
 * through these wrappers. Checking builds only; nothing otherwise. */
#ifdef LUN_LOCK_CHECK
#define LUN_LOCK_ASSERT_NONE_HELD() lun__lock_assert_none_held(LUN_LOCK_SITE)
#else
#define LUN_LOCK_ASSERT_NONE_HELD() ((void)0)
#endif

/* }===== */
/* {===== the implementation */

#ifdef LUN_LOCK_CHECK
/* lun_lock.c: errorcheck mutexes, rwlock tracking, the held count. */
void lun__mutex_init(pthread_mutex_t *m, const char *site);
void lun__mutex_lock(pthread_mutex_t *m, const char *site);
void lun__mutex_unlock(pthread_mutex_t *m, const char *site);
int lun__mutex_trylock(pthread_mutex_t *m, const char *site);
void lun__rwlock_rdlock(pthread_rwlock_t *l, const char *site);
void lun__rwlock_wrlock(pthread_rwlock_t *l, const char *site);
void lun__rwlock_unlock(pthread_rwlock_t *l, const char *site);
void lun__rwlock_destroy(pthread_rwlock_t *l, const char *site);
void lun__cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const char *site);
int lun__cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                        const struct timespec *ts, const char *site);
void lun__lock_assert_none_held(const char *site);
/* How many locks the calling thread holds (for tests). */
int lun__lock_held_count(void);
#else
static inline void lun__mutex_init(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_init(m, NULL), site, "pthread_mutex_init");
}

static inline void lun__mutex_lock(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_lock(m), site, "pthread_mutex_lock");
}

static inline void lun__mutex_unlock(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_unlock(m), site, "pthread_mutex_unlock");
}

static inline int lun__mutex_trylock(pthread_mutex_t *m, const char *site)
{
    int e = pthread_mutex_trylock(m);
    if (e != 0 && e != EBUSY)
        lun__lock_fail(site, "pthread_mutex_trylock", e);
    return e;
}

static inline void lun__rwlock_rdlock(pthread_rwlock_t *l, const char *site)
{
    lun__lock_ok(pthread_rwlock_rdlock(l), site, "pthread_rwlock_rdlock");
}

static inline void lun__rwlock_wrlock(pthread_rwlock_t *l, const char *site)
{
    lun__lock_ok(pthread_rwlock_wrlock(l), site, "pthread_rwlock_wrlock");
}

static inline void lun__rwlock_unlock(pthread_rwlock_t *l, const char *site)
{
    lun__lock_ok(pthread_rwlock_unlock(l), site, "pthread_rwlock_unlock");
}

static inline void lun__rwlock_destroy(pthread_rwlock_t *l, const char *site)
{
    lun__lock_ok(pthread_rwlock_destroy(l), site, "pthread_rwlock_destroy");
}

static inline void lun__cond_wait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const char *site)
{
    lun__lock_ok(pthread_cond_wait(c, m), site, "pthread_cond_wait");
}

static inline int lun__cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                      const struct timespec *ts,
                                      const char *site)
{
    int e = pthread_cond_timedwait(c, m, ts);
    if (e != 0 && e != ETIMEDOUT)
        lun__lock_fail(site, "pthread_cond_timedwait", e);
    return e;
}
#endif

/* The same in both builds. */
static inline void lun__mutex_destroy(pthread_mutex_t *m, const char *site)
{
    lun__lock_ok(pthread_mutex_destroy(m), site, "pthread_mutex_destroy");
}

static inline void lun__rwlock_init(pthread_rwlock_t *l, const char *site)
{
    lun__lock_ok(pthread_rwlock_init(l, NULL), site, "pthread_rwlock_init");
}

void lun__cond_init(pthread_cond_t *c, int monotonic, const char *site);

static inline void lun__cond_destroy(pthread_cond_t *c, const char *site)
{
    lun__lock_ok(pthread_cond_destroy(c), site, "pthread_cond_destroy");
}

static inline void lun__cond_signal(pthread_cond_t *c, const char *site)
{
    lun__lock_ok(pthread_cond_signal(c), site, "pthread_cond_signal");
}

static inline void lun__cond_broadcast(pthread_cond_t *c, const char *site)
{
    lun__lock_ok(pthread_cond_broadcast(c), site, "pthread_cond_broadcast");
}

/* }===== */

#endif
