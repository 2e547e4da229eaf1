/* test_lun_lock.c: the checked locks of common/lun_lock.h, built with
 * LUN_LOCK_CHECK: the normal paths work, and a re-lock, an unlock by a
 * thread that does not hold the lock, and a lock held where none may be
 * abort with one line naming the call site and the error. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lun_lock.h"

#ifndef LUN_LOCK_CHECK
#error "test_lun_lock.c is built with -DLUN_LOCK_CHECK"
#endif

TestSuite(common_lun_lock, .timeout = 20);

/* {===== running a misuse in a child */

/* Written by the child just before the call expected to fail, so that
 * the parent knows which file:line the report must name. */
#define NEXT_LINE_FAILS() \
    fprintf(stderr, "site %s:%d\n", __FILE__, __LINE__ + 1)

/* Runs fn in a forked child with stderr captured; asserts that it died
 * of SIGABRT having printed the lock error for the announced site, with
 * `expect` in the message. */
static void expect_abort(void (*fn)(void), const char *expect)
{
    int fds[2];
    cr_assert(eq(int, pipe(fds), 0));
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn();
        _exit(0); /* not reached when the check works */
    }
    close(fds[1]);
    char out[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int st;
    cr_assert(eq(int, waitpid(pid, &st, 0), pid));
    bool aborted = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
    cr_assert(aborted, "the child should abort; status %#x, stderr:\n%s", st, out);

    char site[256], want[300];
    cr_assert(eq(int, sscanf(out, "site %255s", site), 1), "stderr:\n%s", out);
    snprintf(want, sizeof want, "lunatic: lock error at %s: ", site);
    const char *line = strstr(out, want);
    cr_assert(line != NULL, "no report naming %s in:\n%s", site, out);
    const char *eol = strchr(line, '\n');
    cr_assert(eol != NULL && eol[1] == 0, "one line, last: %s", line);
    cr_assert(strstr(line, expect) != NULL && strstr(line, expect) < eol,
              "expected \"%s\" in: %s", expect, line);
}

/* Another thread takes the lock and ends holding it, so that the
 * calling thread holds it not. */
static void *take_mutex(void *m)
{
    lun_mutex_lock(m);
    return NULL;
}

static void *take_write(void *l)
{
    lun_rwlock_wrlock(l);
    return NULL;
}

static void on_other_thread(void *(*fn)(void *), void *lock)
{
    pthread_t t;
    cr_assert(eq(int, pthread_create(&t, NULL, fn, lock), 0));
    cr_assert(eq(int, pthread_join(t, NULL), 0));
}

/* }===== */
/* {===== normal paths */

struct shared {
    pthread_mutex_t m;
    pthread_cond_t c;
    pthread_rwlock_t rw;
    long counter;
    int readers_in;
};

static void *bump(void *arg)
{
    struct shared *s = arg;
    for (int i = 0; i < 100000; i++) {
        lun_mutex_lock(&s->m);
        s->counter++;
        lun_mutex_unlock(&s->m);
    }
    return NULL;
}

Test(common_lun_lock, mutex_serializes_threads)
{
    struct shared s = {.counter = 0};
    pthread_t t[4];
    lun_mutex_init(&s.m);
    for (int i = 0; i < 4; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, bump, &s), 0));
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_expect(eq(long, s.counter, 400000));
    cr_expect(eq(int, lun__lock_held_count(), 0));
    lun_mutex_destroy(&s.m);
}

static void *try_from_other(void *m)
{
    return (void *)(intptr_t)lun_mutex_trylock(m);
}

Test(common_lun_lock, trylock_taken_and_busy)
{
    pthread_mutex_t m;
    pthread_t t;
    void *rc;
    lun_mutex_init(&m);
    cr_assert(eq(int, lun_mutex_trylock(&m), 0));
    cr_expect(eq(int, lun__lock_held_count(), 1));
    pthread_create(&t, NULL, try_from_other, &m);
    pthread_join(t, &rc);
    cr_expect(eq(int, (int)(intptr_t)rc, EBUSY));
    lun_mutex_unlock(&m);
    cr_expect(eq(int, lun__lock_held_count(), 0));
    lun_mutex_destroy(&m);
}

static pthread_mutex_t static_m = LUN_MUTEX_INITIALIZER;

Test(common_lun_lock, static_mutex_works)
{
    lun_mutex_lock(&static_m);
    lun_mutex_unlock(&static_m);
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    lun_rwlock_rdlock(&s->rw);
    lun_mutex_lock(&s->m);
    s->readers_in++;
    lun_cond_broadcast(&s->c);
    while (s->readers_in < 2) /* both readers inside at once */
        lun_cond_wait(&s->c, &s->m);
    lun_mutex_unlock(&s->m);
    lun_rwlock_unlock(&s->rw);
    return NULL;
}

Test(common_lun_lock, rwlock_readers_share_writer_excludes)
{
    struct shared s = {.readers_in = 0};
    pthread_t t[2];
    lun_mutex_init(&s.m);
    lun_cond_init(&s.c);
    lun_rwlock_init(&s.rw);
    for (int i = 0; i < 2; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, reader, &s), 0));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_expect(eq(int, s.readers_in, 2));

    /* A thread may hold several read locks of the same rwlock. */
    lun_rwlock_rdlock(&s.rw);
    lun_rwlock_rdlock(&s.rw);
    cr_expect(eq(int, lun__lock_held_count(), 2));
    lun_rwlock_unlock(&s.rw);
    lun_rwlock_unlock(&s.rw);
    lun_rwlock_wrlock(&s.rw);
    cr_expect(eq(int, lun__lock_held_count(), 1));
    lun_rwlock_unlock(&s.rw);
    cr_expect(eq(int, lun__lock_held_count(), 0));
    LUN_LOCK_ASSERT_NONE_HELD();
    lun_rwlock_destroy(&s.rw);
    lun_cond_destroy(&s.c);
    lun_mutex_destroy(&s.m);
}

Test(common_lun_lock, timedwait_times_out_on_monotonic_clock)
{
    pthread_mutex_t m;
    pthread_cond_t c;
    struct timespec ts;
    lun_mutex_init(&m);
    lun_cond_init_monotonic(&c);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 1000000; /* 1 ms */
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    lun_mutex_lock(&m);
    int rc;
    while ((rc = lun_cond_timedwait(&c, &m, &ts)) == 0) /* spurious */
        ;
    cr_expect(eq(int, rc, ETIMEDOUT));
    lun_mutex_unlock(&m);
    lun_cond_destroy(&c);
    lun_mutex_destroy(&m);
}

/* }===== */
/* {===== misuse: mutexes */

static void mutex_relock(void)
{
    pthread_mutex_t m;
    lun_mutex_init(&m);
    lun_mutex_lock(&m);
    NEXT_LINE_FAILS();
    lun_mutex_lock(&m);
}

Test(common_lun_lock, mutex_relock_aborts)
{
    expect_abort(mutex_relock, "pthread_mutex_lock: ");
    expect_abort(mutex_relock, "(EDEADLK)");
}

static void static_mutex_relock(void)
{
    lun_mutex_lock(&static_m);
    NEXT_LINE_FAILS();
    lun_mutex_lock(&static_m);
}

Test(common_lun_lock, static_mutex_relock_aborts)
{
    expect_abort(static_mutex_relock, "pthread_mutex_lock: ");
}

static void mutex_unlock_not_owner(void)
{
    static pthread_mutex_t m;
    lun_mutex_init(&m);
    on_other_thread(take_mutex, &m);
    NEXT_LINE_FAILS();
    lun_mutex_unlock(&m);
}

Test(common_lun_lock, mutex_unlock_by_non_owner_aborts)
{
    expect_abort(mutex_unlock_not_owner, "pthread_mutex_unlock: ");
    expect_abort(mutex_unlock_not_owner, "(EPERM)");
}

static void mutex_unlock_unlocked(void)
{
    pthread_mutex_t m;
    lun_mutex_init(&m);
    NEXT_LINE_FAILS();
    lun_mutex_unlock(&m);
}

Test(common_lun_lock, mutex_unlock_unlocked_aborts)
{
    expect_abort(mutex_unlock_unlocked, "pthread_mutex_unlock: ");
}

static void cond_wait_unlocked(void)
{
    pthread_mutex_t m;
    pthread_cond_t c;
    lun_mutex_init(&m);
    lun_cond_init(&c);
    NEXT_LINE_FAILS();
    lun_cond_wait(&c, &m);
}

Test(common_lun_lock, cond_wait_without_the_mutex_aborts)
{
    expect_abort(cond_wait_unlocked, "pthread_cond_wait: ");
}

/* }===== */
/* {===== misuse: rwlocks */

static void rwlock_rewrite(void)
{
    pthread_rwlock_t l;
    lun_rwlock_init(&l);
    lun_rwlock_wrlock(&l);
    NEXT_LINE_FAILS();
    lun_rwlock_wrlock(&l);
}

Test(common_lun_lock, rwlock_write_relock_aborts)
{
    expect_abort(rwlock_rewrite, "already holds the write lock");
}

static void rwlock_read_under_write(void)
{
    pthread_rwlock_t l;
    lun_rwlock_init(&l);
    lun_rwlock_wrlock(&l);
    NEXT_LINE_FAILS();
    lun_rwlock_rdlock(&l);
}

Test(common_lun_lock, rwlock_read_while_writing_aborts)
{
    expect_abort(rwlock_read_under_write, "pthread_rwlock_rdlock: this "
                                          "thread holds the write lock");
}

static void rwlock_write_under_read(void)
{
    pthread_rwlock_t l;
    lun_rwlock_init(&l);
    lun_rwlock_rdlock(&l);
    NEXT_LINE_FAILS();
    lun_rwlock_wrlock(&l);
}

Test(common_lun_lock, rwlock_write_while_reading_aborts)
{
    expect_abort(rwlock_write_under_read, "holds a read lock");
}

static void rwlock_unlock_not_owner(void)
{
    static pthread_rwlock_t l;
    lun_rwlock_init(&l);
    on_other_thread(take_write, &l);
    NEXT_LINE_FAILS();
    lun_rwlock_unlock(&l);
}

Test(common_lun_lock, rwlock_unlock_by_non_owner_aborts)
{
    expect_abort(rwlock_unlock_not_owner, "pthread_rwlock_unlock: this "
                 "thread holds neither the write lock nor a read lock: ");
    expect_abort(rwlock_unlock_not_owner, "(EPERM)");
}

static void rwlock_unlock_twice(void)
{
    pthread_rwlock_t l;
    lun_rwlock_init(&l);
    lun_rwlock_rdlock(&l);
    lun_rwlock_unlock(&l);
    NEXT_LINE_FAILS();
    lun_rwlock_unlock(&l);
}

Test(common_lun_lock, rwlock_unlock_unlocked_aborts)
{
    expect_abort(rwlock_unlock_twice, "pthread_rwlock_unlock: ");
}

/* }===== */
/* {===== no lock held where none may be */

static void held_at_assert(void)
{
    pthread_mutex_t m;
    lun_mutex_init(&m);
    lun_mutex_lock(&m);
    NEXT_LINE_FAILS();
    LUN_LOCK_ASSERT_NONE_HELD();
}

Test(common_lun_lock, assert_none_held_aborts_when_one_is)
{
    expect_abort(held_at_assert, "1 lock held by this thread where none "
                                 "may be");
}

/* }===== */
