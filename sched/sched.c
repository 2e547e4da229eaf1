/* sched.c: the runtime: worker threads, their run queues and "next"
 * slots, the global queue, stealing, parking, timers, and the loop that
 * runs one time slice of a process. Interface: sched.h, sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/lun_lock.h"
#include "common/lun_pool.h"
#include "sched/sched_int.h"

/* Next-slot runs in a row before the local queue gets a turn: two
 * processes ping-ponging must not starve the others (Go's runnext rule). */
#define NEXT_STREAK_MAX 64
/* Every so many schedules the global queue is looked at first, so that
 * overflow and external spawns are not starved by a busy local queue. */
#define GLOBAL_CHECK_EVERY 61
/* Stealing rounds an idle worker makes before parking. */
#define SPIN_ROUNDS 64

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

_Thread_local sched_worker_t *sched__self_worker;

/* {===== queues */

static void global_push(sched_runtime_t *rt, sched_proc_t *p)
{
    p->qnext = NULL;
    lun_mutex_lock(&rt->gq_lock);
    if (rt->gq_tail)
        rt->gq_tail->qnext = p;
    else
        rt->gq_head = p;
    rt->gq_tail = p;
    atomic_fetch_add(&rt->gq_len, 1);
    lun_mutex_unlock(&rt->gq_lock);
}

static sched_proc_t *global_pop(sched_runtime_t *rt)
{
    if (atomic_load_explicit(&rt->gq_len, memory_order_relaxed) == 0)
        return NULL;
    lun_mutex_lock(&rt->gq_lock);
    sched_proc_t *p = rt->gq_head;
    if (p) {
        rt->gq_head = p->qnext;
        if (!rt->gq_head)
            rt->gq_tail = NULL;
        atomic_fetch_sub(&rt->gq_len, 1);
    }
    lun_mutex_unlock(&rt->gq_lock);
    return p;
}

/* Wake one parked worker, if any and if no worker is spinning. The
 * seq_cst fence pairs with the one in park(): a parker stops spinning
 * and counts itself sleeping before its fence, then looks for work; so
 * either it sees our queued work, or we see it no longer spinning and
 * sleeping (Dekker), and no wake-up is lost. A spinner that saw us
 * spinning and then takes other work wakes the next one
 * (stop_spinning), so work never waits on a parked worker for long. */
static void notify_one(sched_runtime_t *rt)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&rt->nspinning, memory_order_relaxed) > 0)
        return;
    if (atomic_load_explicit(&rt->nsleeping, memory_order_relaxed) == 0) {
        /* The one idle worker may be in the poller (same Dekker pairing
         * with park_in_poller); the poller's wake is sticky. */
        if (atomic_load_explicit(&rt->poll_blocked, memory_order_relaxed))
            sched__iowait_wake(rt->iowait);
        return;
    }
    lun_mutex_lock(&rt->park_lock);
    lun_cond_signal(&rt->park_cond);
    lun_mutex_unlock(&rt->park_lock);
}

void sched__enqueue(sched_runtime_t *rt, sched_proc_t *p)
{
    sched_worker_t *sd = sched__self_worker;
    if (!sd || sd->rt != rt || sd->polling || !sched__deque_push(&sd->dq, p))
        global_push(rt, p);
    notify_one(rt);
}

/* A process just spawned goes to the spawner's "next" slot, which other
 * workers cannot steal from, so it first runs when its spawner's slice
 * ends or blocks; what was in the slot goes to the (stealable) queue.
 * Lunatic's tokio does the same (a task spawned on a worker goes to its
 * LIFO slot), and guests rely on it: lunatic-rs's kill_process test kills
 * a child right after spawning it, and the kill must land before the
 * child has run, as it always does on Lunatic, or the child may end
 * normally first. */
void sched__enqueue_new(sched_runtime_t *rt, sched_proc_t *p)
{
    sched_worker_t *sd = sched__self_worker;
    if (!sd || sd->rt != rt || sd->polling) {
        sched__enqueue(rt, p);
        return;
    }
    sched_proc_t *old = sd->next;
    sd->next = p;
    if (old)
        sched__enqueue(rt, old);
}

/* A process whose slice ran out goes behind everything already waiting:
 * the local queue is LIFO (a spawn tree then runs depth first, with few
 * processes alive), so it goes to the FIFO global queue, which each
 * worker checks every GLOBAL_CHECK_EVERY picks and when its own queue is
 * empty. Alone on this worker, it just stays (no lock, no wake-up). */
static void requeue_yielded(sched_worker_t *sd, sched_proc_t *p)
{
    sched_runtime_t *rt = sd->rt;
    if (!sd->next && sched__deque_size(&sd->dq) == 0 &&
        atomic_load_explicit(&rt->gq_len, memory_order_relaxed) == 0 &&
        sched__deque_push(&sd->dq, p))
        return;
    global_push(rt, p);
    notify_one(rt);
}

/* Make a waiting process runnable. run_next: into this worker's next
 * slot (a message's receiver, warm in cache); otherwise at the end of the
 * global FIFO queue, behind the work already runnable, in the order the
 * calls came (timers fire in deadline order). */
static void wake(sched_proc_t *p, bool run_next)
{
    int s = atomic_load(&p->state);
    for (;;) {
        if (s == SCHED_P_WAITING) {
            /* The one thread whose CAS wins enqueues. */
            if (!atomic_compare_exchange_weak(&p->state, &s, SCHED_P_QUEUED))
                continue;
            sched_worker_t *sd = sched__self_worker;
            if (run_next && sd && sd->rt == p->rt && !sd->polling) {
                /* Run it next on this core, warm in cache; whatever was
                 * in the slot goes to the (stealable) queue. */
                sched_proc_t *old = sd->next;
                sd->next = p;
                if (old)
                    sched__enqueue(p->rt, old);
            } else if (!run_next) {
                global_push(p->rt, p);
                notify_one(p->rt);
            } else {
                sched__enqueue(p->rt, p);
            }
            return;
        }
        if (s == SCHED_P_QUEUED) {
            /* Queued or running: its owner, about to block, must run it
             * again instead (run_proc's CAS from QUEUED fails). */
            if (atomic_compare_exchange_weak(&p->state, &s, SCHED_P_NOTIFIED))
                return;
            continue;
        }
        return; /* notified or exited: nothing to do */
    }
}

void sched__wake(sched_proc_t *p) { wake(p, true); }

/* }===== */
/* {===== timers */

static uint64_t now_tick(void) { return sched__now_ns() / SCHED_TICK_NS; }

/* A worker blocked in the poller sleeps until its poll_until_ns: an
 * earlier timer wakes it (it re-reads the deadline after its fence, so
 * one of the two sees the other). */
static void publish_deadline(sched_runtime_t *rt)
{
    uint64_t t = sched__wheel_next(&rt->wheel);
    uint64_t d = t == UINT64_MAX ? UINT64_MAX : t * SCHED_TICK_NS;
    atomic_store(&rt->next_deadline_ns, d);
    if (rt->poll_in_worker && atomic_load(&rt->poll_blocked) &&
        d < atomic_load(&rt->poll_until_ns))
        sched__iowait_wake(rt->iowait);
}

static void fire(sched_timer_t *t, void *ud)
{
    sched_runtime_t *rt = ud;
    if (t->kind == SCHED_TIMER_WAKE) {
        /* Behind what is already runnable, not into the next slot, and
         * in deadline order: work a message set going (a death, a
         * supervisor's restart, the new child's registration) finishes
         * first, and of two timers late together the earlier one's process
         * runs first, as if they had fired on time even when the OS held
         * this thread past them. lunatic-rs's supervisor tests sleep 10
         * ms, then look the restarted child up; its request_timeout test
         * waits 10 ms for a reply sent after a 25 ms sleep. */
        atomic_store(&t->proc->timer_fired, true);
        wake(t->proc, false);
        return;
    }
    sched_msg_t *m = t->msg;
    t->msg = NULL;
    if (m)
        sched__send(rt, t->pid, m);
    sched__timer_unref(t);
}

static void run_timers(sched_runtime_t *rt)
{
    uint64_t d = atomic_load_explicit(&rt->next_deadline_ns,
                                      memory_order_relaxed);
    if (d == UINT64_MAX || sched__now_ns() < d)
        return;
    if (lun_mutex_trylock(&rt->timer_lock) != 0)
        return; /* another worker is at it */
    /* Firing under the lock means a process that cancels its wait timer
     * (also under the lock) can be freed right after: no late wake. */
    sched__wheel_advance(&rt->wheel, now_tick(), fire, rt);
    publish_deadline(rt);
    lun_mutex_unlock(&rt->timer_lock);
}

void sched__wait_timer_arm_ns(sched_proc_t *p, uint64_t deadline_ns)
{
    sched_runtime_t *rt = p->rt;
    sched_timer_t *t = &p->wait_timer;
    if (p->timer_armed)
        return;
    t->kind = SCHED_TIMER_WAKE;
    t->proc = p;
    t->deadline = (deadline_ns + SCHED_TICK_NS - 1) / SCHED_TICK_NS;
    atomic_store(&p->timer_fired, false);
    p->timer_armed = true;
    lun_mutex_lock(&rt->timer_lock);
    sched__wheel_add(&rt->wheel, t);
    publish_deadline(rt);
    lun_mutex_unlock(&rt->timer_lock);
}

void sched__wait_timer_arm(sched_proc_t *p, uint64_t ms)
{
    if (ms == SCHED_FOREVER)
        return;
    uint64_t ns = ms > UINT64_MAX / 2000000 ? UINT64_MAX / 2 : ms * 1000000;
    sched__wait_timer_arm_ns(p, sched__now_ns() + ns);
}

void sched__wait_timer_cancel(sched_proc_t *p)
{
    if (!p->timer_armed)
        return;
    lun_mutex_lock(&p->rt->timer_lock);
    sched__wheel_remove(&p->rt->wheel, &p->wait_timer);
    lun_mutex_unlock(&p->rt->timer_lock);
    p->timer_armed = false;
    atomic_store(&p->timer_fired, false);
}

sched_timer_t *sched__timer_send_after(sched_runtime_t *rt, uint64_t pid,
                                       sched_msg_t *m, uint64_t ms)
{
    sched_timer_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    uint64_t ns = ms > UINT64_MAX / 2000000 ? UINT64_MAX / 2 : ms * 1000000;
    t->kind = SCHED_TIMER_SEND;
    t->pid = pid;
    t->msg = m;
    atomic_init(&t->refs, 2); /* the wheel's and the owner table's */
    t->deadline = (sched__now_ns() + ns + SCHED_TICK_NS - 1) / SCHED_TICK_NS;
    lun_mutex_lock(&rt->timer_lock);
    sched__wheel_add(&rt->wheel, t);
    publish_deadline(rt);
    lun_mutex_unlock(&rt->timer_lock);
    notify_one(rt); /* a parked worker may have to shorten its sleep */
    return t;
}

bool sched__timer_cancel(sched_runtime_t *rt, sched_timer_t *t)
{
    bool was = false;
    lun_mutex_lock(&rt->timer_lock);
    if (t->state == SCHED_TIMER_PENDING) {
        sched__wheel_remove(&rt->wheel, t);
        was = true;
    }
    lun_mutex_unlock(&rt->timer_lock);
    if (was)
        sched__timer_unref(t); /* the wheel's reference */
    return was;
}

void sched__timer_unref(sched_timer_t *t)
{
    if (atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    sched__msg_free(t->msg);
    free(t);
}

static void unref_timer(void *t) { sched__timer_unref(t); }
const sched_res_kind_t sched__res_timer = {"timer", unref_timer};

static bool timer_fired(void *t, void *ud)
{
    (void)ud;
    return ((sched_timer_t *)t)->state == SCHED_TIMER_FIRED;
}

void sched__timer_purge_fired(sched_proc_t *p)
{
    if (!sched__restab_count(&p->res, &sched__res_timer))
        return; /* most processes never set a timer: no lock, no walk */
    lun_mutex_lock(&p->rt->timer_lock); /* the state is the wheel's */
    sched__restab_drop_if(&p->res, &sched__res_timer, timer_fired, NULL);
    lun_mutex_unlock(&p->rt->timer_lock);
}

/* }===== */
/* {===== finding work and parking */

static sched_proc_t *steal(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    uint32_t n = rt->nworkers;
    if (n < 2)
        return NULL;
    sd->rng = sd->rng * 6364136223846793005u + 1442695040888963407u;
    uint32_t start = (uint32_t)(sd->rng >> 33) % n;
    for (uint32_t i = 0; i < n; i++) {
        sched_worker_t *v = rt->workers[(start + i) % n];
        if (v == sd)
            continue;
        sched_proc_t *first = sched__deque_steal(&v->dq);
        if (!first)
            continue;
        sched__stat_add(&sd->stats.steals, 1, rt);
        /* Take half of what is left: one steal then amortises many. */
        int64_t half = sched__deque_size(&v->dq) / 2;
        for (int64_t k = 0; k < half; k++) {
            sched_proc_t *p = sched__deque_steal(&v->dq);
            if (!p)
                break;
            if (!sched__deque_push(&sd->dq, p))
                global_push(rt, p);
        }
        return first;
    }
    return NULL;
}

static bool work_visible(sched_runtime_t *rt)
{
    if (atomic_load(&rt->gq_len) > 0 || atomic_load(&rt->shutdown))
        return true;
    for (uint32_t i = 0; i < rt->nworkers; i++)
        if (sched__deque_size(&rt->workers[i]->dq) > 0)
            return true;
    uint64_t d = atomic_load(&rt->next_deadline_ns);
    return d != UINT64_MAX && sched__now_ns() >= d;
}

static void start_spinning(sched_worker_t *sd)
{
    if (!sd->spinning) {
        sd->spinning = true;
        atomic_fetch_add(&sd->rt->nspinning, 1);
    }
}

/* The last spinner found work: someone may have skipped a wake-up
 * because of it, with more work queued, so hand the searching on. */
static void stop_spinning(sched_worker_t *sd)
{
    if (!sd->spinning)
        return;
    sd->spinning = false;
    if (atomic_fetch_sub(&sd->rt->nspinning, 1) == 1)
        notify_one(sd->rt);
}

static void park(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    sched__node_bytes_flush(sd); /* others' cap checks see it */
    lun_mutex_lock(&rt->park_lock);
    atomic_fetch_add(&rt->nsleeping, 1);
    if (sd->spinning) { /* before the fence: see notify_one */
        sd->spinning = false;
        atomic_fetch_sub(&rt->nspinning, 1);
    }
    atomic_thread_fence(memory_order_seq_cst);
    if (!work_visible(rt)) {
        uint64_t parked_at = sched__now_ns();
        atomic_store_explicit(&sd->stats.parked_since, parked_at,
                              memory_order_relaxed);
        uint64_t d = atomic_load(&rt->next_deadline_ns);
        if (d == UINT64_MAX) {
            lun_cond_wait(&rt->park_cond, &rt->park_lock);
        } else {
            /* Sleep until the next timer: no spinning, no periodic tick. */
            struct timespec ts = {(time_t)(d / 1000000000u),
                                  (long)(d % 1000000000u)};
            lun_cond_timedwait(&rt->park_cond, &rt->park_lock, &ts);
        }
        sched__stat_add(&sd->stats.parked_ns, sched__now_ns() - parked_at,
                        rt);
        atomic_store_explicit(&sd->stats.parked_since, 0,
                              memory_order_relaxed);
    }
    atomic_fetch_sub(&rt->nsleeping, 1);
    lun_mutex_unlock(&rt->park_lock);
}

/* {===== LUNATIC_POLLER=worker: idle workers wait in the I/O poller */

static bool poll_take(sched_runtime_t *rt)
{
    return rt->poll_in_worker && !atomic_exchange(&rt->poll_owned, true);
}

/* Ready processes go to the global queue, first come first served, as
 * the poller thread's do: woken into this worker's next slot and LIFO
 * deque, the first ready would wait behind every later one. */
static void poll_io(sched_worker_t *sd, int64_t timeout_ms)
{
    sd->polling = true;
    sched__iowait_poll(sd->rt->iowait, timeout_ms);
    sd->polling = false;
}

/* Look at the poller without waiting, unless a worker already waits in
 * it: busy workers do this now and then, so ready sockets are not
 * starved by a run queue that never empties. */
static void poll_now(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    if (!poll_take(rt))
        return;
    poll_io(sd, 0);
    atomic_store(&rt->poll_owned, false);
}

/* Idle: wait in the poller until an fd is ready, work is queued
 * (notify_one wakes us) or the next timer is due (publish_deadline wakes
 * us if an earlier one comes). Returns false if another worker has the
 * poller or the next timer is under 1 ms away (the poller's timeout is
 * in ms): then park on the condition variable instead. Ready processes
 * are woken into this worker's queues. */
static bool park_in_poller(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    if (!poll_take(rt))
        return false;
    uint64_t d = atomic_load(&rt->next_deadline_ns), now = sched__now_ns();
    int64_t ms = d == UINT64_MAX ? -1 : d <= now ? 0 : (int64_t)((d - now) / 1000000);
    if (ms == 0) {
        atomic_store(&rt->poll_owned, false);
        return false;
    }
    atomic_store(&rt->poll_until_ns, d);
    atomic_store(&rt->poll_blocked, true);
    if (sd->spinning) { /* before the fence: see notify_one */
        sd->spinning = false;
        atomic_fetch_sub(&rt->nspinning, 1);
    }
    atomic_thread_fence(memory_order_seq_cst);
    if (!work_visible(rt) && atomic_load(&rt->next_deadline_ns) >= d)
        poll_io(sd, ms);
    atomic_store(&rt->poll_blocked, false);
    atomic_store(&rt->poll_owned, false);
    return true;
}

/* }===== */

/* Out of local work: steal, spinning a little before parking, since a
 * park costs a futex wake and two context switches, and new work (a
 * spawn, a message) often comes within microseconds. */
static sched_proc_t *search(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    sched_proc_t *p = NULL;
    /* At most half the workers spin: the rest park without burning CPU. */
    if (!sd->spinning && 2 * atomic_load(&rt->nspinning) >= rt->nworkers)
        return steal(sd);
    start_spinning(sd);
    for (int i = 0; i < SPIN_ROUNDS && !p; i++) {
        if (i > 0)
            spin_pause();
        if (!(p = sched__deque_pop(&sd->dq)) && !(p = global_pop(rt)))
            p = steal(sd);
        if (atomic_load_explicit(&rt->shutdown, memory_order_relaxed))
            break;
    }
    if (p)
        stop_spinning(sd);
    return p;
}

static sched_proc_t *find_work(sched_worker_t *sd)
{
    sched_runtime_t *rt = sd->rt;
    sched_proc_t *p;
    for (;;) {
        if (atomic_load_explicit(&rt->shutdown, memory_order_relaxed))
            return NULL;
        run_timers(rt);
        if (++sd->ticks % GLOBAL_CHECK_EVERY == 0) {
            poll_now(sd);
            if ((p = global_pop(rt)))
                return p;
            /* The local queue is LIFO: what sits at its bottom would wait
             * for as long as new work keeps landing on top. Now and then
             * the oldest goes first (from the end thieves take). */
            if ((p = sched__deque_steal(&sd->dq)))
                return p;
        }
        if ((p = sd->next) != NULL) {
            sd->next = NULL;
            if (sd->next_streak++ < NEXT_STREAK_MAX ||
                sched__deque_size(&sd->dq) == 0)
                return p;
            /* Enough: the queue's oldest goes first, p goes on top of
             * the queue (LIFO) and runs right after it. Else a pair of
             * processes waking each other, or a spawner and its
             * short-lived children, would starve the rest of the queue. */
            sched__enqueue(rt, p);
            sd->next_streak = 0;
            if ((p = sched__deque_steal(&sd->dq)))
                return p;
        }
        sd->next_streak = 0;
        if ((p = sched__deque_pop(&sd->dq)) || (p = global_pop(rt)))
            return p;
        poll_now(sd);
        if ((p = global_pop(rt)))
            return p;
        if ((p = search(sd)) != NULL)
            return p;
        if (!park_in_poller(sd))
            park(sd);
    }
}

/* }===== */
/* {===== running a slice */

static const char fuel_msg[] = "out of fuel";

static void root_result(sched_proc_t *p, vm_status st, const char *why)
{
    sched_result_t *r = &p->rt->result;
    uint32_t code = 0;
    if (why == fuel_msg) {
        r->kind = SCHED_EXIT_TRAP;
        r->trap = VM_TRAP_OUT_OF_FUEL;
        snprintf(r->message, sizeof r->message, "%s", why);
        vm_exec_backtrace_format(p->ex, r->backtrace, sizeof r->backtrace,
                                 SCHED_BACKTRACE_FRAMES);
    } else if (why && p->killed) {
        r->kind = SCHED_EXIT_KILLED;
        if (p->kill_pid)
            snprintf(r->message, sizeof r->message,
                     "linked process %llu failed",
                     (unsigned long long)p->kill_pid);
        else
            snprintf(r->message, sizeof r->message, "killed");
    } else if (why) {
        r->kind = SCHED_EXIT_ERROR;
        snprintf(r->message, sizeof r->message, "%s", why);
    } else if (st == VM_DONE) {
        r->kind = SCHED_EXIT_NORMAL;
        if (wasi_ctx_exited(p->wasi, &code))
            r->exit_code = code;
    } else {
        r->kind = SCHED_EXIT_TRAP;
        r->trap = vm_exec_trap(p->ex);
        const char *msg = vm_exec_trap_message(p->ex);
        snprintf(r->message, sizeof r->message, "%s",
                 msg && *msg ? msg : vm_trap_text(r->trap));
        vm_exec_backtrace_format(p->ex, r->backtrace, sizeof r->backtrace,
                                 SCHED_BACKTRACE_FRAMES);
    }
}

/* End p: `why` names a runtime-made failure (kill, fuel, missing entry);
 * otherwise st (VM_DONE or VM_TRAP) says how its code ended. */
static void finish(sched_proc_t *p, vm_status st, const char *why)
{
    uint8_t reason = SCHED_FAILURE;
    uint32_t code = 0;
    if (!why && st == VM_DONE)
        reason = wasi_ctx_exited(p->wasi, &code) && code != 0 ? SCHED_FAILURE
                                                               : SCHED_NORMAL;
    if (p->is_root)
        root_result(p, st, why);
    if (reason == SCHED_NORMAL)
        SCHED_STAT(p->rt, exit_normal, 1);
    else if (p->killed)
        SCHED_STAT(p->rt, exit_killed, 1);
    else
        SCHED_STAT(p->rt, exit_failure, 1);
    if (reason == SCHED_FAILURE) /* LUNATIC_LOG, RUST_LOG: crash.c */
        sched__crash_report(p, st, why);
    sched__proc_die(p, reason);
}

/* A WASI call blocked (stdin, a socket, poll_oneoff's clock): park the
 * process on its fds and deadline. Returns false if there is nothing to
 * wait for (then the process fails). */
static bool park_wasi(sched_proc_t *p)
{
    wasi_wait_t w;
    if (!p->wasi || !wasi_ctx_waiting(p->wasi, &w))
        return false;
    p->wait = SCHED_WAIT_WASI;
    /* Registered before the state turns WAITING: an early wake finds the
     * process RUNNING and marks it NOTIFIED, so it is not lost. */
    for (uint32_t i = 0; i < w.nfds; i++)
        sched__iowait_add(p->rt->iowait, p, w.fds[i].host_fd,
                          w.fds[i].events & WASI_WAIT_READ,
                          w.fds[i].events & WASI_WAIT_WRITE);
    if (w.has_deadline)
        sched__wait_timer_arm_ns(p, w.deadline_ns);
    return true;
}

/* The process runs again after a WASI wait: forget what it waited for;
 * the re-invoked call registers again if it still cannot proceed. */
static void unpark_wasi(sched_proc_t *p)
{
    sched__iowait_remove(p->rt->iowait, p);
    sched__wait_timer_cancel(p);
    p->wait = SCHED_WAIT_NONE;
}

/* LUNATIC_SLICE_STATS: the clocks at a slice's start (0: not timing).
 * Wall time says how long the worker was held, CPU time how much of that
 * was the slice's own work (the rest: the OS ran something else). */
typedef struct slice_clock {
    uint64_t wall, cpu;
} slice_clock_t;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static slice_clock_t rt_slice_start(const sched_runtime_t *rt)
{
    slice_clock_t c = {0, 0};
    if (rt->slice_stats) {
        c.wall = sched__now_ns();
        c.cpu = thread_cpu_ns();
    }
    return c;
}

static void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
    uint64_t max = atomic_load(a);
    while (v > max && !atomic_compare_exchange_weak(a, &max, v))
        ;
}

static void slice_end(sched_proc_t *p, slice_clock_t t0)
{
    sched_runtime_t *rt = p->rt;
    uint64_t dt = sched__now_ns() - t0.wall;
    if (dt > 1000000)
        atomic_fetch_add(&rt->slices_over_1ms, 1);
    if (dt > atomic_load(&rt->longest_slice_ns))
        atomic_store(&rt->longest_slice_pid, p->pid);
    atomic_max(&rt->longest_slice_ns, dt);
    atomic_max(&rt->longest_slice_cpu_ns, thread_cpu_ns() - t0.cpu);
}

static void print_slice_stats(sched_runtime_t *rt)
{
    if (!rt->slice_stats)
        return;
    fprintf(stderr, "lunatic: longest slice %llu us (process %llu), "
            "longest in CPU time %llu us; %llu slices over 1 ms\n",
            (unsigned long long)(atomic_load(&rt->longest_slice_ns) / 1000),
            (unsigned long long)atomic_load(&rt->longest_slice_pid),
            (unsigned long long)(atomic_load(&rt->longest_slice_cpu_ns) / 1000),
            (unsigned long long)atomic_load(&rt->slices_over_1ms));
}

/* A wake that came while p sat in a run queue (or ran and yielded) is
 * answered by the run about to start: forget it. Only the owner moves p
 * out of NOTIFIED, so a plain store does; the acquire load makes what the
 * waker pushed before its CAS visible to this run's drain. */
static void take_notification(sched_proc_t *p)
{
    if (atomic_load_explicit(&p->state, memory_order_acquire) ==
        SCHED_P_NOTIFIED)
        atomic_store_explicit(&p->state, SCHED_P_QUEUED,
                              memory_order_relaxed);
}

static void run_proc(sched_worker_t *sd, sched_proc_t *p)
{
    take_notification(p);
    for (;;) {
        if (p->wait == SCHED_WAIT_WASI)
            unpark_wasi(p);
        else if (p->wait == SCHED_WAIT_FD) /* the call re-arms if needed */
            sched__iowait_remove(p->rt->iowait, p);
        if (!sched__drain(p) || p->killed)
            return finish(p, VM_TRAP, "killed");
        if (p->start_exited)
            return finish(p, VM_DONE, NULL);
        if (p->entry_error)
            return finish(p, VM_TRAP, p->entry_error);
        uint64_t budget = SCHED_SLICE;
        if (sched__fuel_left(p) == 0)
            return finish(p, VM_TRAP, fuel_msg);
        if (sched__fuel_left(p) < budget)
            budget = sched__fuel_left(p);
        p->slice_spawns = 0;
        LUN_LOCK_ASSERT_NONE_HELD(); /* guest code runs under no host lock */
        slice_clock_t t0 = rt_slice_start(p->rt);
        vm_status st = vm_run(p->ex, budget);
        if (t0.wall)
            slice_end(p, t0);
        uint64_t used = vm_exec_reductions_used(p->ex);
        p->reds += used;
        sched__stat_add(&sd->stats.reds, used, p->rt);
        sched__stat_add(&sd->stats.slices, 1, p->rt);
        sched__stats_publish(p);
        /* A yield or a paused host call: still QUEUED (or NOTIFIED,
         * which the next run takes), back in a queue. */
        if (st == VM_YIELD ||
            (st == VM_BLOCK && p->wait == SCHED_WAIT_RESUME)) {
            requeue_yielded(sd, p);
            return;
        }
        if (st == VM_BLOCK) {
            int s = SCHED_P_QUEUED;
            if (p->wait == SCHED_WAIT_NONE && !park_wasi(p))
                return finish(p, VM_TRAP, "blocked on something this "
                                          "runtime cannot wait for");
            if (atomic_compare_exchange_strong(&p->state, &s,
                                               SCHED_P_WAITING))
                return; /* p may already run elsewhere: hands off */
            take_notification(p); /* woken meanwhile: run again */
            continue;
        }
        if (st == VM_DONE && p->next_entry) {
            vm_value none[1] = {{0}};
            vm_func_t *f = p->next_entry;
            p->next_entry = NULL;
            if (vm_exec_call(p->ex, f, none, 0) == 0) {
                sched__upgrade_settle(p); /* after a move: the old code */
                continue;
            }
        }
        return finish(p, st, p->killed ? "killed" : NULL);
    }
}

/* What the calling thread keeps for reuse (messages, memory blocks, the
 * pool's host objects) goes back before the thread ends or the runtime is freed. */
void sched__thread_caches_flush(sched_runtime_t *rt)
{
    sched__msg_cache_flush();
    sched__linmem_flush_local(rt->linmem);
    lun_pool_thread_end();
}

static void *worker_main(void *arg)
{
    sched_worker_t *sd = arg;
    sched_proc_t *p;
    sched__self_worker = sd;
    lun_pool_thread_begin(); /* its processes' host objects are reused */
    while ((p = find_work(sd)) != NULL)
        run_proc(sd, p);
    sched__node_bytes_flush(sd);
    sched__self_worker = NULL;
    sched__thread_caches_flush(sd->rt);
    return NULL;
}

/* }===== */
/* {===== the runtime */

static uint32_t cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (uint32_t)n;
}

static int root_config(sched_runtime_t *rt, const sched_options_t *o)
{
    sched_config_t *c = rt->root_config = sched__config_new();
    if (!c)
        return LUN_ENOMEM;
    c->can_compile = c->can_create_configs = c->can_spawn = true;
    for (uint32_t i = 0; i < o->argc; i++)
        if (sched__strv_push(&c->argv, &c->argc, o->argv[i],
                             strlen(o->argv[i])))
            return LUN_ENOMEM;
    for (uint32_t i = 0; i < o->envc; i++)
        if (sched__strv_push(&c->env, &c->envc, o->env[i], strlen(o->env[i])))
            return LUN_ENOMEM;
    for (uint32_t i = 0; i < o->ndirs; i++)
        if (sched__config_add_dir(c, o->dirs[i].host_path,
                                  o->dirs[i].guest_path))
            return LUN_ENOMEM;
    return 0;
}

static int init_sync(sched_runtime_t *rt)
{
    lun_mutex_init(&rt->gq_lock);
    lun_mutex_init(&rt->park_lock);
    lun_mutex_init(&rt->timer_lock);
    lun_mutex_init(&rt->metrics_lock);
    lun_mutex_init(&rt->done_lock);
    lun_cond_init(&rt->done_cond);
    /* Timed parking uses deadlines from the monotonic clock. */
    lun_cond_init_monotonic(&rt->park_cond);
    for (int i = 0; i < SCHED_PID_SHARDS; i++)
        lun_mutex_init(&rt->shards[i].lock);
    return sched__registry_init(&rt->registry);
}

static int start_workers(sched_runtime_t *rt, uint32_t n)
{
    rt->workers = calloc(n, sizeof *rt->workers);
    if (!rt->workers)
        return LUN_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        sched_worker_t *sd = aligned_alloc(64, (sizeof *sd + 63) & ~(size_t)63);
        if (!sd)
            return LUN_ENOMEM;
        memset(sd, 0, sizeof *sd);
        sd->rt = rt;
        sd->id = i;
        sd->rng = 0x9e3779b97f4a7c15u * (i + 1);
        sched__deque_init(&sd->dq);
        rt->workers[i] = sd;
        if (pthread_create(&sd->thread, NULL, worker_main, sd) != 0) {
            free(sd);
            rt->workers[i] = NULL;
            return LUN_ENOMEM;
        }
        rt->nworkers = i + 1;
    }
    return 0;
}

/* LUNATIC_POLLER=worker|thread picks who waits in the I/O poller. */
static bool poller_in_worker(void)
{
    const char *v = getenv("LUNATIC_POLLER");
    return v && strcmp(v, "worker") == 0;
}

int sched_runtime_new(const sched_options_t *o, sched_runtime_t **out_rt)
{
    sched_runtime_t *rt = calloc(1, sizeof *rt);
    int rc = LUN_ENOMEM;
    *out_rt = NULL;
    if (!rt)
        return LUN_ENOMEM;
    atomic_init(&rt->next_pid, 1); /* pid 1 is the root, as in Lunatic */
    atomic_init(&rt->next_deadline_ns, UINT64_MAX);
    sched__wheel_init(&rt->wheel, now_tick());
    rt->root_sockets = o->sockets;
    rt->no_fusion = o->no_fusion;
    rt->no_image = o->no_image;
    rt->node = o->node;
    rt->abi = o->abi;
    sched__limits_init(rt, o);
    rt->log_failures = getenv("LUNATIC_LOG") != NULL;
    rt->footprint = getenv("LUNATIC_FOOTPRINT") != NULL;
    rt->slice_stats = getenv("LUNATIC_SLICE_STATS") != NULL;
    rt->start_ns = sched__now_ns();
    rt->crash = sched__crash_new(); /* NULL (no memory): no reports */
    rt->poll_in_worker = poller_in_worker();
    rt->nroot_sockets = o->nsockets;
    if (!(rt->linmem = sched__linmem_new()))
        rc = LUN_ENOMEM;
    if (o->root_wasm && (rt->root_wasm = malloc(o->root_wasm_len + 1)))
        memcpy(rt->root_wasm, o->root_wasm, o->root_wasm_len);
    rt->root_wasm_len = rt->root_wasm ? o->root_wasm_len : 0;
    if (rt->root_wasm)
        rt->root_hash = sched_hash_bytes(rt->root_wasm, rt->root_wasm_len);
    if (!rt->linmem || (o->root_wasm && !rt->root_wasm) || !(rt->iowait = sched__iowait_new(!rt->poll_in_worker)) || (rc = init_sync(rt)) != 0 ||
        (rc = root_config(rt, o)) != 0 ||
        (rc = sched__bindings_init(rt)) != 0 ||
        (rc = sched__remote_init(rt)) != 0 ||
        (rc = sched__reload_init(rt)) != 0 ||
        (rc = start_workers(rt, o->threads ? o->threads : cores())) != 0) {
        sched_runtime_free(rt);
        return rc;
    }
    *out_rt = rt;
    return 0;
}

static void free_wheel(sched_runtime_t *rt)
{
    for (int l = 0; l < SCHED_WHEEL_LEVELS; l++)
        for (int s = 0; s < SCHED_WHEEL_SLOTS; s++) {
            sched_timer_t *t = rt->wheel.slot[l][s];
            while (t) {
                sched_timer_t *next = t->next;
                if (t->kind == SCHED_TIMER_SEND) {
                    t->state = SCHED_TIMER_IDLE;
                    sched__timer_unref(t);
                }
                t = next;
            }
            rt->wheel.slot[l][s] = NULL;
        }
}

/* Every worker sees `shutdown` and leaves its loop soon, parked or not. */
static void stop_workers(sched_runtime_t *rt)
{
    lun_mutex_lock(&rt->park_lock);
    atomic_store(&rt->shutdown, true);
    lun_cond_broadcast(&rt->park_cond);
    lun_mutex_unlock(&rt->park_lock);
    if (rt->poll_in_worker && rt->iowait)
        sched__iowait_wake(rt->iowait);
}

void sched_runtime_free(sched_runtime_t *rt)
{
    if (!rt)
        return;
    stop_workers(rt);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        pthread_join(rt->workers[i]->thread, NULL);
    print_slice_stats(rt);
    sched__iowait_free(rt->iowait);
    sched__proc_free_all(rt); /* unhooks their wait timers first */
    sched__remote_free(rt);   /* after the processes' parked calls */
    sched__reload_free(rt);   /* after the processes that ran versions */
    free(rt->root_wasm);
    sched__thread_caches_flush(rt);
    sched__linmem_free(rt->linmem); /* no process is left to use a block */
    lun_pool_trim(); /* the blocks the workers handed back */
    free_wheel(rt);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        free(rt->workers[i]);
    free(rt->workers);
    sched__registry_free(&rt->registry);
    sched__config_unref(rt->root_config);
    sched__bindings_free(rt);
    sched__crash_free(rt->crash);
    for (sched_metric_t *m = rt->metrics; m;) {
        sched_metric_t *next = m->next;
        free(m);
        m = next;
    }
    free(rt);
}

sched_registry_t *sched__registry_of(sched_runtime_t *rt) { return &rt->registry; }
const sched_node_t *sched__node_of(sched_runtime_t *rt) { return rt->node; }
bool sched__no_fusion(sched_runtime_t *rt) { return rt->no_fusion; }

void sched__root_done(sched_proc_t *p, uint8_t reason)
{
    sched_runtime_t *rt = p->rt;
    (void)reason;
    lun_mutex_lock(&rt->done_lock);
    rt->root_done = true;
    lun_cond_signal(&rt->done_cond);
    lun_mutex_unlock(&rt->done_lock);
}

void sched_runtime_stop(sched_runtime_t *rt, int signo)
{
    lun_mutex_lock(&rt->done_lock);
    if (!rt->stop_signo)
        rt->stop_signo = signo > 0 ? signo : 1;
    lun_cond_signal(&rt->done_cond);
    lun_mutex_unlock(&rt->done_lock);
}

int sched_module_check(const sched_abi_t *abi, const vm_module_t *m,
                       char *err, size_t errlen)
{
    uint32_t n = vm_module_import_count(m);
    vm_extern *tmpl = calloc(n ? n : 1, sizeof *tmpl);
    if (!tmpl)
        return LUN_ENOMEM;
    uint32_t missing = sched__bind_imports(abi, NULL, m, tmpl, err, errlen);
    free(tmpl);
    return missing ? LUN_EUNLINKABLE : 0;
}

int sched_run_main(sched_runtime_t *rt, vm_module_t *m, sched_result_t *out)
{
    return sched_run_entry(rt, m, "_start", out);
}

int sched_run_entry(sched_runtime_t *rt, vm_module_t *m, const char *entry,
                    sched_result_t *out)
{
    sched_module_t *sm;
    char err[256] = "";
    memset(out, 0, sizeof *out);
    int rc = sched__module_new(rt, m, err, sizeof err, &sm);
    if (rc != 0) {
        out->kind = SCHED_EXIT_ERROR;
        snprintf(out->message, sizeof out->message, "%s", err);
        vm_module_free(m);
        return 0;
    }
    /* Other nodes fetch the root's module by hash to spawn from it. */
    if (rt->root_wasm &&
        sched__remote_add_module(rt, sm, rt->root_wasm,
                                 rt->root_wasm_len) != 0) {
        sched__module_unref(sm);
        return LUN_ENOMEM;
    }
    sched__reload_set_root(rt, sm); /* the application's version 1 */
    sched_proc_t *p = sched__proc_new(rt, sm, rt->root_config, NULL, err,
                                      sizeof err);
    sched__module_unref(sm); /* the process holds it now */
    if (!p) {
        out->kind = SCHED_EXIT_ERROR;
        snprintf(out->message, sizeof out->message, "%s", err);
        return 0;
    }
    p->is_root = true;
    rt->root_pid = p->pid;
    vm_value none[1] = {{0}};
    rc = sched__proc_start(p, entry, strlen(entry), none, 0);
    bool is_start = strcmp(entry, "_start") == 0;
    if (p->entry_error == sched__entry_missing && is_start)
        p->entry_error = "exports no function '_start' (not a WASI command "
                         "module)";
    else if (p->entry_error && is_start)
        p->entry_error = "'_start' must have type () -> ()";
    sched__proc_table_add(rt, p);
    sched__enqueue(rt, p);
    lun_mutex_lock(&rt->done_lock);
    while (!rt->root_done && !rt->stop_signo)
        lun_cond_wait(&rt->done_cond, &rt->done_lock);
    bool stopped = !rt->root_done; /* else rt->result is complete */
    lun_mutex_unlock(&rt->done_lock);
    /* The root ended: the run ends with it (as in Lunatic). Stop the
     * workers now so nothing runs while the caller reads the result. */
    stop_workers(rt);
    if (stopped) {
        out->kind = SCHED_EXIT_STOPPED;
        out->exit_code = (uint32_t)rt->stop_signo;
        snprintf(out->message, sizeof out->message, "stopped by signal %d",
                 rt->stop_signo);
    } else {
        *out = rt->result;
    }
    return rc;
}

/* }===== */
