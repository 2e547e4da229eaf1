/* sched_int.h: internals shared by the sched/ files, beyond what
 * sched_host.h shows the guest ABI: run queues, the timing wheel, workers,
 * the pid table, the runtime's state, limits, the poller, linear memories
 * and the binding of host functions. Only sched/ and its white-box tests
 * include this. */
#ifndef LUN_SCHED_INT_H
#define LUN_SCHED_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched.h"
#include "sched_host.h"
#include "../wasi/wasi.h"

/* At most this many nested runs (SCHED_NESTED_BUDGET) on one thread.
 * The root's start function runs before anything else, outside any
 * worker, with a larger budget. */
#define SCHED_NEST_MAX 4
#define SCHED_ROOT_START_BUDGET (5000 * SCHED_SLICE)
/* Run-queue capacity per worker (power of two); overflow goes global. */
#define SCHED_DEQUE_CAP 4096
/* Timing-wheel tick in nanoseconds, and its shape (levels x 64 slots). */
#define SCHED_TICK_NS 100000
#define SCHED_WHEEL_LEVELS 6
#define SCHED_WHEEL_SLOTS 64

typedef struct sched_worker sched_worker_t;

/* Counters for the metrics endpoint (stats.c). A worker bumps its own
 * with a relaxed load and store (no locked instruction on the hot path);
 * threads that are not workers share the runtime's with fetch_add. A
 * scrape sums them. */
typedef struct sched_stats {
    _Atomic uint64_t spawned, exit_normal, exit_failure, exit_killed;
    _Atomic uint64_t sent, reds, slices, steals, parked_ns;
    _Atomic uint64_t parked_since; /* 0, or when its current park began */
} sched_stats_t;
/* Add n to field of the calling thread's counters (sd: its worker, or
 * NULL: look it up). */
#define SCHED_STAT(rt, field, n) \
    sched__stat_add(&sched__stats_of((rt))->field, (n), (rt))

typedef struct sched_iowait sched_iowait_t;

/* {===== mailboxes and the registry: what only the scheduler does */

void sched__mbox_init(sched_mbox_t *mb);
/* Everything pushed so far, oldest first (NULL if none). */
sched_msg_t *sched__mbox_take(sched_mbox_t *mb);
void sched__mbox_append(sched_mbox_t *mb, sched_msg_t *m);
void sched__mbox_clear(sched_mbox_t *mb);

int sched__registry_init(sched_registry_t *r);
void sched__registry_free(sched_registry_t *r);
/* Drop the entries pid reserved and never filled (it died). */
void sched__registry_drop_reservations(sched_registry_t *r, uint64_t pid);

/* }===== */
/* {===== run queues (runq.c) */

/* Chase-Lev work-stealing deque, bounded (Le, Pop, Cohen, Zappa Nardelli,
 * "Correct and efficient work-stealing for weak memory models", 2013). */
typedef struct sched_deque {
    _Atomic int64_t top;
    char pad1[56];
    _Atomic int64_t bottom;
    char pad2[56];
    _Atomic(void *) buf[SCHED_DEQUE_CAP];
} sched_deque_t;

void sched__deque_init(sched_deque_t *dq);
/* Owner only. Returns false when full. */
bool sched__deque_push(sched_deque_t *dq, void *item);
void *sched__deque_pop(sched_deque_t *dq); /* owner, LIFO */
/* Any thread. NULL when empty or when it lost a race. */
void *sched__deque_steal(sched_deque_t *dq);
int64_t sched__deque_size(sched_deque_t *dq);

/* }===== */
/* {===== timing wheel (timer.c); the caller holds the lock */

typedef struct sched_wheel {
    uint64_t now; /* ticks */
    uint64_t count;
    sched_timer_t *slot[SCHED_WHEEL_LEVELS][SCHED_WHEEL_SLOTS];
} sched_wheel_t;

typedef void (*sched_timer_cb)(sched_timer_t *t, void *ud);
void sched__wheel_init(sched_wheel_t *w, uint64_t now_tick);
void sched__wheel_add(sched_wheel_t *w, sched_timer_t *t);
void sched__wheel_remove(sched_wheel_t *w, sched_timer_t *t);
/* Fire (remove, then cb) every timer due at or before now_tick. */
void sched__wheel_advance(sched_wheel_t *w, uint64_t now_tick,
                          sched_timer_cb cb, void *ud);
/* A tick at or before the earliest deadline (UINT64_MAX if none). */
uint64_t sched__wheel_next(const sched_wheel_t *w);
uint64_t sched__now_ns(void);

/* }===== */
/* {===== workers and the runtime (sched.c, proc.c, limits.c, ...) */

/* The runtime-wide state (sched.c). */
struct sched_worker {
    sched_runtime_t *rt;
    uint32_t id;
    pthread_t thread;
    sched_proc_t *next;   /* just woken by a message: runs next */
    uint32_t next_streak; /* next-slot runs in a row (fairness) */
    uint32_t ticks;
    uint64_t rng;
    bool spinning; /* counted in rt->nspinning */
    bool polling;  /* in sched__iowait_poll: wakes go to the global queue */
    sched_deque_t dq;
    sched_stats_t stats; /* written by this worker only */
    /* Its unflushed part of rt->msg_bytes (limits.c), written by it only. */
    _Atomic int64_t msg_bytes;
};

#define SCHED_PID_SHARDS 64

typedef struct sched_pid_shard {
    pthread_mutex_t lock;
    sched_proc_t **buckets;
    size_t nbuckets, count;
} sched_pid_shard_t;

/* A guest metric (metrics.c): a counter, a gauge, or a histogram kept as
 * count, sum and cumulative-ready bucket counts (SCHED_HIST_BOUNDS). */
#define SCHED_HIST_NBOUNDS 11
extern const double sched__hist_bounds[SCHED_HIST_NBOUNDS];
typedef struct sched_metric {
    struct sched_metric *next;
    double value; /* a histogram: the sum */
    uint64_t count;
    int kind;     /* enum sched_metric_kind, as first used */
    uint64_t buckets[SCHED_HIST_NBOUNDS]; /* per bound, not cumulative */
    char name[];
} sched_metric_t;

typedef struct sched_linmem sched_linmem_t;
typedef struct sched_remote sched_remote_t;
typedef struct sched_rwatch sched_rwatch_t;

struct sched_runtime {
    uint32_t nworkers;
    bool no_fusion; /* modules a guest compiles: see sched_options_t */
    bool no_image;  /* see sched_options_t */
    const sched_node_t *node; /* the cluster, or NULL (host/distributed.c) */
    sched_remote_t *remote;   /* modules by hash, parked calls (remote.c) */
    sched_rwatch_t *rwatch;   /* links, monitors across nodes, node events
                                 (remote_watch.c) */
    struct sched_reload *reload; /* application versions (reload.c) */
    uint8_t *root_wasm;       /* sched_options_t.root_wasm (a copy) */
    size_t root_wasm_len;
    const sched_abi_t *abi;   /* the host functions besides WASI, or NULL */
    sched_worker_t **workers;
    _Atomic bool shutdown;
    /* global queue */
    pthread_mutex_t gq_lock;
    sched_proc_t *gq_head, *gq_tail;
    _Atomic size_t gq_len;
    /* parking */
    pthread_mutex_t park_lock;
    pthread_cond_t park_cond;
    _Atomic uint32_t nsleeping;
    /* Workers awake and looking for work (Go's spinning Ms): while there
     * is one, new work needs no wake-up; it will be found. */
    _Atomic uint32_t nspinning;
    /* LUNATIC_POLLER=worker: no poller thread; one idle worker at a time
     * owns the poller (poll_owned) and may block in it (poll_blocked)
     * until poll_until_ns, its next timer. */
    bool poll_in_worker;
    _Atomic bool poll_owned, poll_blocked;
    _Atomic uint64_t poll_until_ns;
    /* processes */
    _Atomic uint64_t next_pid;
    _Atomic uint64_t nprocs;
    sched_pid_shard_t shards[SCHED_PID_SHARDS];
    /* timers */
    pthread_mutex_t timer_lock;
    sched_wheel_t wheel;
    _Atomic uint64_t next_deadline_ns;
    /* registry, metrics */
    sched_registry_t registry;
    pthread_mutex_t metrics_lock;
    sched_metric_t *metrics;
    uint32_t nmetrics;
    /* abi's functions, shared by every instance, by binding index */
    vm_func_t **host_funcs;
    uint32_t nhost_funcs;
    wasi_funcs_t *wasi_funcs; /* WASI imports, shared: they find p->wasi */
    bool log_failures;      /* LUNATIC_LOG: print why processes fail */
    /* LUNATIC_FOOTPRINT: processes publish their host bytes at each
     * slice's end and the metrics show them by part (footprint.c) */
    bool footprint;
    /* LUNATIC_SLICE_STATS: time every slice; at the end, print the
     * longest (how long one process held a worker) */
    bool slice_stats;
    _Atomic uint64_t longest_slice_ns, longest_slice_pid, slices_over_1ms;
    _Atomic uint64_t longest_slice_cpu_ns; /* the thread's CPU time */
    sched_iowait_t *iowait; /* WASI calls blocked on host fds */
    sched_linmem_t *linmem; /* processes' linear memories */
    const int *root_sockets; /* --listen fds for the root's WASI context */
    uint32_t nroot_sockets;
    /* the root */
    sched_config_t *root_config;
    uint64_t root_pid;
    pthread_mutex_t done_lock;
    pthread_cond_t done_cond;
    bool root_done;
    int stop_signo; /* sched_runtime_stop was called (under done_lock) */
    /* Node-wide limits (limits.c, sched_options_t) */
    uint64_t max_procs;
    uint64_t max_msg_bytes;
    _Atomic uint64_t msg_bytes;     /* queued in all mailboxes, but for
                                       the workers' parts (limits.c) */
    int64_t msg_batch;              /* the most a worker's part holds */
    _Atomic bool msg_cap_logged;    /* this episode at the cap is logged */
    sched_result_t result;
    sched_stats_t stats_other; /* bumped by threads that are not workers */
    uint64_t start_ns;         /* when the runtime started (utilisation) */
    sched_hash_t root_hash;    /* of root_wasm (names the root's module) */
    struct sched_crash *crash; /* crash reports: level, format, rate */
};

/* The worker running the calling thread, or NULL (sched.c): inline, as
 * the counters and the mailbox accounting ask for it per message. */
extern _Thread_local sched_worker_t *sched__self_worker;
static inline sched_worker_t *sched__self(void) { return sched__self_worker; }

/* stats.c */
static inline sched_stats_t *sched__stats_of(sched_runtime_t *rt)
{
    sched_worker_t *w = sched__self();
    return w && w->rt == rt ? &w->stats : &rt->stats_other;
}
static inline void sched__stat_add(_Atomic uint64_t *c, uint64_t n,
                                   sched_runtime_t *rt)
{
    if (c >= &rt->stats_other.spawned && c <= &rt->stats_other.parked_ns) {
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
        return;
    }
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed);
    atomic_store_explicit(c, v + n, memory_order_relaxed);
}
/* The owner publishes what a scrape reads of p (end of a slice). */
void sched__stats_publish(sched_proc_t *p);
/* p's module as a person knows it: the root module's file name, else
 * "module:" and its hash's first 16 hex digits, else "-". */
void sched__proc_module_name(const sched_proc_t *p, char *out, size_t len);
/* A growing text (stats.c); oom: an append failed, the text is cut. */
typedef struct sched_text {
    char *p;
    size_t len, cap;
    bool oom;
} sched_text_t;
void sched__text_printf(sched_text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* prom_guest.c: the lunatic::metrics series, names and labels made
 * valid for Prometheus. */
void sched__guest_metrics(sched_runtime_t *rt, sched_text_t *t);
/* Calls fn for every live process under its shard's lock (fn must not
 * block or take another runtime lock). */
void sched__procs_each(sched_runtime_t *rt,
                       void (*fn)(void *ud, const sched_proc_t *p), void *ud);
/* crash.c: p failed (or was killed): report it if the level says so. */
struct sched_crash *sched__crash_new(void);
void sched__crash_free(struct sched_crash *c);
void sched__crash_report(sched_proc_t *p, vm_status st, const char *why);

/* proc.c */
void sched__proc_table_remove(sched_runtime_t *rt, sched_proc_t *p);
/* Free what a process holds, except its struct and inbox. */
void sched__proc_release(sched_proc_t *p);
/* Free a process's struct (made by sched__proc_new), its last reference
 * gone. */
void sched__proc_dealloc(sched_proc_t *p);
/* The entry_error of a missing or mistyped entry function. */
extern const char sched__entry_missing[], sched__entry_mistyped[];
void sched__proc_free_all(sched_runtime_t *rt);
/* Frees the messages the calling thread keeps for reuse (mailbox.c). */
void sched__msg_cache_flush(void);


/* What the calling thread keeps for reuse (messages, memory blocks,
 * blocks of rt) goes back (sched.c). */
void sched__thread_caches_flush(sched_runtime_t *rt);
/* reload.c: application versions; the root's module is version 1. */
int sched__reload_init(sched_runtime_t *rt);
void sched__reload_free(sched_runtime_t *rt);
void sched__reload_set_root(sched_runtime_t *rt, sched_module_t *m);
/* After a move (run_proc, once the new code's call is set): free what
 * p ran before. */
void sched__upgrade_settle(sched_proc_t *p);
/* Instantiate m for p (p's memory limit and provider). */
int sched__instantiate(sched_proc_t *p, sched_module_t *m,
                       vm_instance_t **out, char *err, size_t errlen);
/* remote.c: the runtime's side of a cluster. */
int sched__remote_init(sched_runtime_t *rt);
void sched__remote_free(sched_runtime_t *rt);
/* remote_watch.c: who has links or monitors across which node. */
int sched__rwatch_init(sched_runtime_t *rt);
void sched__rwatch_free(sched_runtime_t *rt);
/* node is down: signal the processes across it, tell subscribers. */
void sched__rwatch_node_down(sched_runtime_t *rt, uint64_t node);
/* Record sm as the module of bytes (its hash set) for other nodes. */
int sched__remote_add_module(sched_runtime_t *rt, sched_module_t *sm,
                             const uint8_t *bytes, size_t len);
/* limits.c: the node's caps and mailbox memory. */
enum sched_over { SCHED_OVER_NONE = 0, SCHED_OVER_OWN, SCHED_OVER_NODE,
                  SCHED_OVER_DONE };
void sched__limits_init(sched_runtime_t *rt, const sched_options_t *o);
/* Sender: charge m to p's mailbox. False: m must be dropped (a data
 * message over a limit); *wake: p must be woken (to receive, or to die). */
bool sched__mbox_admit(sched_proc_t *p, sched_msg_t *m, bool *wake);
/* m leaves its mailbox (received or freed): take its charge off. */
void sched__mbox_uncharge(sched_msg_t *m);
/* What p's mailbox holds, packed as mbox_bytes (SCHED_MBOX_BYTES, _COUNT). */
uint64_t sched__mbox_queued(const sched_proc_t *p);
/* The bytes queued in all mailboxes of rt (every worker's part summed). */
uint64_t sched__node_bytes(sched_runtime_t *rt);
/* w's part of the node's queued bytes goes to the shared count (before
 * it parks or ends). */
void sched__node_bytes_flush(sched_worker_t *w);
/* Owner, draining: true once p is over a limit (then logged, kill_why
 * set): p must die. */
bool sched__mbox_overflowed(sched_proc_t *p);

/* Linear memories of processes: recycled blocks, lazily zeroed (linmem.c). */
sched_linmem_t *sched__linmem_new(void);
const vm_mem_provider *sched__linmem_provider(sched_linmem_t *lm);
void sched__linmem_free(sched_linmem_t *lm);
/* Gives the blocks the calling thread keeps for reuse back to lm: before
 * the thread ends, and before sched__linmem_free on the thread calling it. */
void sched__linmem_flush_local(sched_linmem_t *lm);

/* own_thread: a poller thread of its own waits for the fds (started on
 * the first wait); otherwise the workers call sched__iowait_poll. */
sched_iowait_t *sched__iowait_new(bool own_thread);
void sched__iowait_free(sched_iowait_t *io);
int sched__iowait_add(sched_iowait_t *io, sched_proc_t *p, int fd, bool rd,
                      bool wr);
void sched__iowait_remove(sched_iowait_t *io, sched_proc_t *p);
/* Wait up to timeout_ms (-1: no limit) for ready fds and wake their
 * processes; returns how many fds were ready. */
int sched__iowait_poll(sched_iowait_t *io, int64_t timeout_ms);
/* Make the sched__iowait_poll in progress (or the next) return early. */
void sched__iowait_wake(sched_iowait_t *io);

/* sched.c */
void sched__wait_timer_arm_ns(sched_proc_t *p, uint64_t deadline_ns);
/* Queue a new (or yielded) process for running. */
void sched__enqueue(sched_runtime_t *rt, sched_proc_t *p);
void sched__root_done(sched_proc_t *p, uint8_t reason);

/* footprint.c (LUNATIC_FOOTPRINT): where an idle process's bytes go. */
void sched__footprint_publish(sched_proc_t *p);
void sched__footprint_metrics(sched_runtime_t *rt, sched_text_t *t);

/* }===== */
/* {===== host functions (bind.c): the runtime's ABI bound once, shared
 * by every instance */

int sched__bindings_init(sched_runtime_t *rt);
void sched__bindings_free(sched_runtime_t *rt);
/* Fill tmpl[i] for every import of m that abi (NULL: none) or WASI
 * provides (rt: the runtime's bound functions; NULL to check only);
 * returns the number of imports neither provides (first one in err). */
uint32_t sched__bind_imports(const sched_abi_t *abi, sched_runtime_t *rt,
                             const vm_module_t *m, vm_extern *tmpl, char *err,
                             size_t errlen);

/* }===== */

#endif
