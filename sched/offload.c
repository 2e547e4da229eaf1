/* offload.c: host work too long to run on a worker (an SQL statement, the
 * compilation of a guest-supplied module) runs on a small pool of threads
 * instead, while the process that asked waits as it would for I/O; the
 * worker goes on with other processes. The pool is the program's, like
 * the DNS resolvers (net/dns.c): its threads outlive runtimes, and every
 * change of a job's state happens under the one pool lock, so a job and
 * its process's death cannot race.
 *
 * A job's life: QUEUED -> RUNNING -> DONE (its process is woken and takes
 * the result: sched__job_take), or ABANDONED when its process dies first;
 * an abandoned job is discarded by whoever is last to touch it. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <pthread.h>
#include <stdio.h>
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "sched/sched_int.h"

/* Threads at most: long statements beyond this many wait their turn. */
#define POOL_THREADS 4

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

static pthread_mutex_t pool_lock = LUN_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER; /* new work */
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER; /* a run ended */
static sched_job_t *queue_head, *queue_tail;
static int nthreads, nidle;

static sched_job_t *pop_job(void)
{
    sched_job_t *j = queue_head;
    if (j && !(queue_head = j->next))
        queue_tail = NULL;
    return j;
}

static void unlink_job(sched_job_t *j)
{
    sched_job_t **pj = &queue_head, *prev = NULL;
    while (*pj && *pj != j) {
        prev = *pj;
        pj = &(*pj)->next;
    }
    if (!*pj)
        return;
    *pj = j->next;
    if (queue_tail == j)
        queue_tail = prev;
}

/* After j->run: hand the result over, or discard it if nobody wants it. */
static void finish_job(sched_job_t *j)
{
    if (!j->proc) { /* nobody waits for it (sched__free_sized) */
        j->discard(j);
        return;
    }
    lun_mutex_lock(&pool_lock);
    j->finished = true;
    if (j->state != JOB_ABANDONED) {
        j->state = JOB_DONE;
        sched__wake(j->proc); /* under the lock: the process cannot be gone */
        lun_mutex_unlock(&pool_lock);
        return;
    }
    if (j->wait_on_abandon) { /* its process waits, then discards it */
        lun_cond_broadcast(&stop_cond);
        lun_mutex_unlock(&pool_lock);
        return;
    }
    lun_mutex_unlock(&pool_lock);
    j->discard(j);
}

/* Pool work is the background: on a busy machine the workers, which run
 * every other process, go first (Linux sets niceness per thread). */
#define POOL_NICENESS 10

static void lower_priority(void)
{
#if defined(__linux__)
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), POOL_NICENESS);
#endif
}

static void *pool_main(void *arg)
{
    (void)arg;
    lower_priority();
    lun_mutex_lock(&pool_lock);
    for (;;) {
        sched_job_t *j;
        while (!(j = pop_job())) {
            nidle++;
            lun_cond_wait(&pool_cond, &pool_lock);
            nidle--;
        }
        j->state = JOB_RUNNING;
        lun_mutex_unlock(&pool_lock);
        j->run(j);
        finish_job(j);
        lun_mutex_lock(&pool_lock);
    }
    return NULL;
}

/* A thread more if every one is busy and there is room; with none at all
 * (pthread_create failed) the job waits for one that exists, so the very
 * first failure is reported. Called with the lock held. */
static int add_thread_if_needed(void)
{
    pthread_t t;
    pthread_attr_t attr;
    if (nidle > 0 || nthreads >= POOL_THREADS)
        return 0;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, pool_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return nthreads > 0 ? 0 : LUN_ENOMEM;
    nthreads++;
    return 0;
}

/* Queue j; p (NULL: nobody) waits for it. */
static int submit(sched_proc_t *p, sched_job_t *j)
{
    j->proc = p;
    j->next = NULL;
    j->finished = false;
    atomic_init(&j->cancel, false);
    lun_mutex_lock(&pool_lock);
    int rc = add_thread_if_needed();
    if (rc == 0) {
        j->state = JOB_QUEUED;
        if (queue_tail)
            queue_tail->next = j;
        else
            queue_head = j;
        queue_tail = j;
        lun_cond_signal(&pool_cond);
    }
    lun_mutex_unlock(&pool_lock);
    return rc;
}

int sched__job_submit(sched_proc_t *p, sched_job_t *j)
{
    int rc = submit(p, j);
    if (rc == 0) {
        p->job = j;
        p->wait = SCHED_WAIT_JOB;
    }
    return rc;
}

/* Returning a big block to the OS (munmap) takes time in proportion to
 * the pages it holds: milliseconds for a 64 MiB message. */
typedef struct free_job {
    sched_job_t job;
    void *ptr;
} free_job_t;

static void free_run(sched_job_t *j) { free(((free_job_t *)j)->ptr); }
static void free_discard(sched_job_t *j) { free(j); }

/* Smaller blocks are quick to give back. */
#define FREE_OFF_WORKER_MIN (1u << 20)

void sched__free_sized(void *ptr, size_t size)
{
    free_job_t *j = size >= FREE_OFF_WORKER_MIN ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        free(ptr);
        return;
    }
    j->job.run = free_run;
    j->job.discard = free_discard;
    j->ptr = ptr;
    if (submit(NULL, &j->job) != 0) {
        free(ptr);
        free(j);
    }
}

sched_job_t *sched__job_take(sched_proc_t *p)
{
    sched_job_t *j = p->job;
    if (!j)
        return NULL;
    lun_mutex_lock(&pool_lock);
    bool done = j->state == JOB_DONE;
    lun_mutex_unlock(&pool_lock);
    if (!done)
        return NULL;
    p->job = NULL;
    p->wait = SCHED_WAIT_NONE;
    return j;
}

void sched__job_abandon(sched_proc_t *p)
{
    sched_job_t *j = p->job;
    if (!j)
        return;
    p->job = NULL;
    lun_mutex_lock(&pool_lock);
    switch (j->state) {
    case JOB_QUEUED:
        unlink_job(j);
        break;
    case JOB_RUNNING:
        j->state = JOB_ABANDONED;
        atomic_store(&j->cancel, true);
        if (!j->wait_on_abandon) { /* the pool thread discards it */
            lun_mutex_unlock(&pool_lock);
            return;
        }
        /* It uses what the process owns (an SQL connection): wait for the
         * run to notice `cancel` and stop before that is freed. */
        while (!j->finished)
            lun_cond_wait(&stop_cond, &pool_lock);
        break;
    }
    lun_mutex_unlock(&pool_lock);
    j->discard(j);
}
