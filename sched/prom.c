/* prom.c: the runtime's and the guests' metrics in the Prometheus text
 * exposition format 0.0.4 (# HELP and # TYPE before each family, counters
 * ending in _total, units in names). Read at scrape time: the workers'
 * own counters summed, a walk over the pid table, /proc/self for the
 * host's view. Interface: sched.h. */
#include "common/lun_prefix.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

/* {===== the runtime's metrics */

static void family(sched_text_t *t, const char *name, const char *type,
                   const char *help)
{
    sched__text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                       type);
}

static void one(sched_text_t *t, const char *name, const char *type,
                const char *help, double v)
{
    family(t, name, type, help);
    sched__text_printf(t, "%s %.17g\n", name, v);
}

/* Sums of the workers' counters and of the other threads'. */
static void sum_of(sched_runtime_t *rt, uint64_t out[9])
{
    memset(out, 0, 9 * sizeof *out);
    for (uint32_t i = 0; i <= rt->nworkers; i++) {
        sched_stats_t *s =
            i < rt->nworkers ? &rt->workers[i]->stats : &rt->stats_other;
        _Atomic uint64_t *f[9] = {&s->spawned, &s->exit_normal,
                                  &s->exit_failure, &s->exit_killed,
                                  &s->sent, &s->reds, &s->slices,
                                  &s->steals, &s->parked_ns};
        for (int k = 0; k < 9; k++)
            out[k] += atomic_load_explicit(f[k], memory_order_relaxed);
    }
}

typedef struct proc_totals {
    uint64_t queued, memory;
} proc_totals_t;

static void add_proc(void *ud, const sched_proc_t *p)
{
    proc_totals_t *t = ud;
    t->queued += SCHED_MBOX_COUNT(sched__mbox_queued(p));
    t->memory += atomic_load_explicit(&p->pub_mem, memory_order_relaxed);
}

static void process_metrics(sched_runtime_t *rt, sched_text_t *t)
{
    uint64_t s[9];
    sum_of(rt, s);
    proc_totals_t pt = {0, 0};
    sched__procs_each(rt, add_proc, &pt);
    one(t, "lunatic_processes", "gauge", "Processes alive.",
        (double)atomic_load(&rt->nprocs));
    one(t, "lunatic_processes_spawned_total", "counter",
        "Processes spawned (the root included).", (double)s[0]);
    family(t, "lunatic_processes_exited_total", "counter",
           "Processes ended, by reason: normal (returned or exit code 0), "
           "failure (trap, non-zero exit, runtime limit) or killed.");
    sched__text_printf(t,
                       "lunatic_processes_exited_total{reason=\"normal\"} "
                       "%llu\nlunatic_processes_exited_total{reason="
                       "\"failure\"} %llu\nlunatic_processes_exited_total{"
                       "reason=\"killed\"} %llu\n",
                       (unsigned long long)s[1], (unsigned long long)s[2],
                       (unsigned long long)s[3]);
    one(t, "lunatic_messages_sent_total", "counter",
        "Data messages pushed into local mailboxes.", (double)s[4]);
    one(t, "lunatic_messages_queued", "gauge",
        "Messages and signals waiting in mailboxes.", (double)pt.queued);
    one(t, "lunatic_mailbox_bytes", "gauge",
        "Host memory held by queued messages.",
        (double)sched__node_bytes(rt));
    one(t, "lunatic_linear_memory_bytes", "gauge",
        "Linear memory of live processes (as of their last slice).",
        (double)pt.memory);
}

static void per_worker(sched_runtime_t *rt, sched_text_t *t, const char *name,
                       const char *type, const char *help,
                       double (*get)(sched_runtime_t *, sched_worker_t *))
{
    family(t, name, type, help);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        sched__text_printf(t, "%s{worker=\"%u\"} %.17g\n", name, i,
                           get(rt, rt->workers[i]));
}

static double w_reds(sched_runtime_t *rt, sched_worker_t *w)
{
    (void)rt;
    return (double)atomic_load_explicit(&w->stats.reds, memory_order_relaxed);
}

static double w_slices(sched_runtime_t *rt, sched_worker_t *w)
{
    (void)rt;
    return (double)atomic_load_explicit(&w->stats.slices,
                                        memory_order_relaxed);
}

static double w_queue(sched_runtime_t *rt, sched_worker_t *w)
{
    (void)rt;
    return (double)sched__deque_size(&w->dq);
}

static double w_steals(sched_runtime_t *rt, sched_worker_t *w)
{
    (void)rt;
    return (double)atomic_load_explicit(&w->stats.steals,
                                        memory_order_relaxed);
}

/* Parked time, the park in progress included. */
static double w_parked_ns(sched_worker_t *w)
{
    uint64_t ns = atomic_load_explicit(&w->stats.parked_ns,
                                       memory_order_relaxed);
    uint64_t since = atomic_load_explicit(&w->stats.parked_since,
                                          memory_order_relaxed);
    uint64_t now = sched__now_ns();
    if (since && now > since)
        ns += now - since;
    return (double)ns;
}

static double w_parked(sched_runtime_t *rt, sched_worker_t *w)
{
    (void)rt;
    return w_parked_ns(w) / 1e9;
}

static double w_busy(sched_runtime_t *rt, sched_worker_t *w)
{
    double up = (double)(sched__now_ns() - rt->start_ns);
    double busy = up > 0 ? 1.0 - w_parked_ns(w) / up : 0;
    return busy < 0 ? 0 : busy > 1 ? 1 : busy;
}

static void worker_metrics(sched_runtime_t *rt, sched_text_t *t)
{
    per_worker(rt, t, "lunatic_worker_reductions_total", "counter",
               "Reductions (fuel) run by each worker.", w_reds);
    per_worker(rt, t, "lunatic_worker_slices_total", "counter",
               "Time slices run by each worker.", w_slices);
    per_worker(rt, t, "lunatic_worker_run_queue_length", "gauge",
               "Processes in each worker's run queue.", w_queue);
    per_worker(rt, t, "lunatic_worker_steals_total", "counter",
               "Successful steals from other workers' queues.", w_steals);
    per_worker(rt, t, "lunatic_worker_parked_seconds_total", "counter",
               "Time each worker spent parked with nothing to run.",
               w_parked);
    per_worker(rt, t, "lunatic_worker_utilisation_ratio", "gauge",
               "Share of the runtime's life each worker was not parked "
               "(spinning for work counts as busy).", w_busy);
    one(t, "lunatic_global_run_queue_length", "gauge",
        "Processes in the global run queue.", (double)atomic_load(&rt->gq_len));
    one(t, "lunatic_workers_parked", "gauge", "Workers parked now.",
        (double)atomic_load(&rt->nsleeping));
    one(t, "lunatic_workers", "gauge", "Worker threads.",
        (double)rt->nworkers);
    lun_mutex_lock(&rt->timer_lock);
    uint64_t timers = rt->wheel.count;
    lun_mutex_unlock(&rt->timer_lock);
    one(t, "lunatic_timers", "gauge",
        "Pending timers (sleeps, receive timeouts, send_after).",
        (double)timers);
}

/* }===== */
/* {===== the host's view (/proc/self) */

static double rss_bytes(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    return n == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : -1;
}

/* Open descriptors, and how many of them are sockets. */
static void count_fds(double *fds, double *sockets)
{
    *fds = *sockets = -1;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    *fds = *sockets = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[64], target[64];
        if (e->d_name[0] == '.')
            continue;
        *fds += 1;
        snprintf(path, sizeof path, "/proc/self/fd/%.32s", e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0 && (target[n] = 0, strncmp(target, "socket:", 7) == 0))
            *sockets += 1;
    }
    closedir(d);
}

static void host_metrics(sched_text_t *t)
{
    double rss = rss_bytes(), fds, sockets;
    if (rss >= 0)
        one(t, "process_resident_memory_bytes", "gauge",
            "Resident memory of the lunatic process.", rss);
    count_fds(&fds, &sockets);
    if (fds >= 0) {
        one(t, "process_open_fds", "gauge", "Open file descriptors.", fds);
        one(t, "lunatic_open_sockets", "gauge",
            "Open sockets (guests' TCP, UDP and TLS, listeners, node links).",
            sockets);
    }
}

/* }===== */

char *sched_metrics_prometheus(sched_runtime_t *rt, size_t *len)
{
    sched_text_t t = {0};
    process_metrics(rt, &t);
    worker_metrics(rt, &t);
    host_metrics(&t);
    if (rt->node) {
        uint64_t fetched = 0, compiled = 0;
        sched_remote_stats(rt, &fetched, &compiled);
        one(&t, "lunatic_remote_modules_fetched_total", "counter",
            "Modules fetched from other nodes.", (double)fetched);
        one(&t, "lunatic_remote_modules_compiled_total", "counter",
            "Modules compiled for spawns from other nodes.",
            (double)compiled);
    }
    if (rt->footprint)
        sched__footprint_metrics(rt, &t);
    sched__guest_metrics(rt, &t);
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    *len = t.len;
    return t.p;
}
