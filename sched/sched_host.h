/* sched_host.h: what the scheduler shows the code that implements a guest
 * ABI over it (host/: the lunatic::* host functions). A host function runs
 * on a worker for the process that called it (sched__cur): it reads and
 * writes that process's state, its mailbox and its resource table, sends
 * messages and signals, spawns, parks (returns VM_BLOCK after arranging a
 * wake-up) and hands long work to the offload pool. The resources it
 * creates are opaque here: each carries its kind, whose release the
 * scheduler calls when the process dies holding it.
 *
 * Everything else of the scheduler (run queues, workers, the timing
 * wheel, the pid table, the poller) stays in sched_int.h, which no other
 * module includes. */
#ifndef LUN_SCHED_HOST_H
#define LUN_SCHED_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched.h"
#include "../wasi/wasi.h"

/* Reductions per time slice: one vm_run() call. A busy loop spends about
 * 100 us on 20000 reductions here, so a sleeper beside busy loops waits at
 * most a slice or two; messaging processes rarely use a whole slice, so
 * their slice length does not show in ring or ping-pong. Swept with
 * `schedbench lateness 1000 4` (3 runs each, shared 2-core machine):
 * 5000 -> p99 5.7-7.8 ms, p50 0.10; 20000 -> p99 4.1-7.8, p50 0.10;
 * 80000 -> p99 4.4-8.0, p50 0.17-0.21. The p99 is the host's: other
 * tenants preempting our busy workers for whole 4 ms kernel ticks (timers
 * are already checked at every slice end, in find_work); only p50 follows
 * the slice, and 20000 keeps switching overhead low. */
#define SCHED_SLICE 20000
/* Spawning costs as much as thousands of reductions; a process that
 * spawns this many in one slice yields, so a spawning loop lets its
 * children run (and free their memory, still warm, for the next ones)
 * instead of piling up thousands of them. Kept below GLOBAL_CHECK_EVERY
 * (sched.c): the spawner waits in the global queue, and its children,
 * in the local one, must be done before it is picked again. */
#define SCHED_SPAWNS_PER_SLICE 32
/* Guest code run inside a host call (nested.c) spends at most this many
 * reductions, charged to the caller. */
#define SCHED_NESTED_BUDGET (2 * SCHED_SLICE)
/* Lunatic counts fuel in units of 100,000. */
#define SCHED_FUEL_UNIT 100000
/* The timeout a guest passes for "forever" (u64::MAX). */
#define SCHED_FOREVER UINT64_MAX
/* What a timed-out receive returns (Lunatic's value). */
#define SCHED_TIMEOUT_CODE 9027

typedef struct sched_proc sched_proc_t;

/* {===== messages and mailboxes (mailbox.c) */

/* The first three are what `receive` returns; the rest are signals,
 * handled when the owner drains its inbox and never seen by the guest. */
enum sched_msg_kind {
    SCHED_MSG_DATA = 0,
    SCHED_MSG_LINK_DIED = 1,
    SCHED_MSG_PROCESS_DIED = 2,
    SCHED_SIG_KILL,
    SCHED_SIG_LINK,      /* pid = the linker, tag = its tag for us */
    SCHED_SIG_UNLINK,
    SCHED_SIG_LINK_DIED, /* pid died with reason; tag = its stored tag */
    SCHED_SIG_MONITOR,
    SCHED_SIG_DEMONITOR,
    /* Across nodes (remote.c): a process of another node that we monitor
     * died (pid, node, reason): acted on only if we still monitor it. */
    SCHED_SIG_DOWN,
    /* node (m->node) is gone: every link and monitor across it fires
     * with SCHED_NOCONN. */
    SCHED_SIG_NODE_DOWN
};

/* Death reasons (LUNATIC_ABI.md 1.3.1). */
enum sched_reason { SCHED_NORMAL = 0, SCHED_FAILURE = 1, SCHED_NOPROC = 2,
                    SCHED_NOCONN = 3 /* its node is gone (docs/nodes.md) */ };

/* A resource travelling inside a message: a module (shared), or a
 * socket moved out of the sender's table; freed with the message by its
 * kind's release unless the receiver took it (kind NULL then). */
typedef struct sched_res {
    const struct sched_res_kind *kind;
    void *ptr;
} sched_res_t;

#define SCHED_MSG_SMALL 64

typedef struct sched_msg {
    struct sched_msg *next; /* inbox stack, then the private FIFO */
    uint8_t kind;
    uint8_t reason;
    int64_t tag;  /* 0 = untagged */
    uint64_t pid; /* dead process or signal sender */
    uint64_t node; /* the node of pid (the sender of a data message);
                      0: this one */
    uint8_t *data;
    size_t len, cap;
    sched_res_t *res;
    uint32_t nres, res_cap;
    /* While queued in a mailbox (limits.c): the process it is charged to
     * and the bytes it counts there and in the node's total; NULL and 0
     * elsewhere (being written, in the scratch area, on a timer). */
    struct sched_proc *charged_to;
    size_t charge;
    /* Most messages are small: their bytes live here, saving a malloc and
     * a free per message (data points here until it outgrows it). */
    uint8_t small[SCHED_MSG_SMALL];
} sched_msg_t;

/* Many producers push onto `inbox` (a lock-free stack); only the owner
 * takes the whole stack at once and appends it, reversed to arrival
 * order, to its private FIFO. Taking everything at once means there is
 * no ABA problem and no per-message atomic on the consumer side. */
typedef struct sched_mbox {
    _Atomic(sched_msg_t *) inbox;
    sched_msg_t *head, *tail; /* owner only */
    sched_msg_t *scan;        /* receive: last message already rejected */
} sched_mbox_t;

sched_msg_t *sched__msg_new(uint8_t kind, size_t cap);
void sched__msg_free(sched_msg_t *m);
int sched__msg_write(sched_msg_t *m, const void *data, size_t len);
/* Room for one more resource in m->res (0, or LUN_ENOMEM): the caller
 * then fills m->res[m->nres++]. */
int sched__msg_reserve_res(sched_msg_t *m);
/* Push m; returns true when the inbox was empty before. */
bool sched__mbox_push(sched_mbox_t *mb, sched_msg_t *m);
/* Remove and return the first private message whose tag is one of tags
 * (any message when ntags == 0), resuming after mb->scan; NULL if none. */
sched_msg_t *sched__mbox_select(sched_mbox_t *mb, const int64_t *tags,
                                uint32_t ntags);

/* }===== */
/* {===== timers (sched.c, timer.c) */

enum sched_timer_kind { SCHED_TIMER_WAKE = 0, SCHED_TIMER_SEND = 1 };
enum sched_timer_state {
    SCHED_TIMER_IDLE = 0,
    SCHED_TIMER_PENDING,
    SCHED_TIMER_FIRED
};

typedef struct sched_timer {
    struct sched_timer *next, *prev;
    uint64_t deadline; /* in ticks */
    uint8_t kind, state;
    uint8_t level, idx; /* where it sits in the wheel */
    _Atomic uint32_t refs; /* SEND timers: wheel + owner's table */
    sched_proc_t *proc;    /* WAKE */
    uint64_t pid;          /* SEND */
    sched_msg_t *msg;      /* SEND */
} sched_timer_t;

/* }===== */
/* {===== registry (registry.c) */

typedef struct sched_reg_entry {
    struct sched_reg_entry *next;
    uint64_t hash, node, pid;
    uint64_t locked_by; /* get_or_put_later: the pid that must put */
    size_t len;
    char name[];
} sched_reg_entry_t;

typedef struct sched_registry {
    pthread_rwlock_t lock;
    sched_reg_entry_t **buckets;
    size_t nbuckets, count;
} sched_registry_t;

/* The caller holds r->lock for writing in put/remove, reading in get. */
int sched__registry_put(sched_registry_t *r, const char *name, size_t len,
                        uint64_t node, uint64_t pid);
sched_reg_entry_t *sched__registry_get(sched_registry_t *r, const char *name,
                                       size_t len);
bool sched__registry_remove(sched_registry_t *r, const char *name,
                            size_t len);

/* }===== */
/* {===== configs, modules, resource tables (proc.c) */

typedef struct sched_config {
    _Atomic uint32_t refs;
    uint64_t max_memory; /* bytes */
    uint64_t max_fuel;   /* units of SCHED_FUEL_UNIT; 0 = none */
    bool can_compile, can_create_configs, can_spawn;
    char **argv, **env; /* owned */
    uint32_t argc, envc;
    sched_dir_t *dirs; /* owned strings */
    /* Per dir, its host directory: opened by the first spawn with this
     * config and shared by every process made from it (no open and no
     * fd per process); -1 until then. */
    _Atomic int *dir_fds;
    uint32_t ndirs;
} sched_config_t;

sched_config_t *sched__config_new(void);
sched_config_t *sched__config_clone(const sched_config_t *c);
void sched__config_unref(sched_config_t *c);
int sched__config_add_dir(sched_config_t *c, const char *host,
                          const char *guest);
/* The same with the directory open already (fd, which c then owns). */
int sched__config_add_dir_fd(sched_config_t *c, const char *host,
                             const char *guest, int fd);
int sched__strv_push(char ***v, uint32_t *n, const char *s, size_t len);

typedef struct sched_module {
    _Atomic uint32_t refs;
    sched_hash_t hash; /* of its bytes, when has_hash (remote.c) */
    bool has_hash;
    vm_module_t *vm;
    vm_link_t *link; /* every import bound and checked (WASI: the runtime's
                        set) */
    /* reload.c: the application version this module is (1: the root's
     * module), 0 for a module that is not one of them */
    _Atomic uint64_t version;
} sched_module_t;

int sched__module_new(sched_runtime_t *rt, vm_module_t *m, char *err,
                      size_t errlen, sched_module_t **out);
void sched__module_ref(sched_module_t *m);
void sched__module_unref(sched_module_t *m);

/* What a resource is, for whoever holds one without knowing it: its
 * name, and how to let it go (a process dies holding it, or a message
 * carrying it is freed). One static instance per kind; entries of a
 * kind are found by comparing this pointer. */
typedef struct sched_res_kind {
    const char *name;
    void (*release)(void *ptr);
} sched_res_kind_t;

/* A process's one resource table (restab.c): every handle it holds, of
 * every kind. Each kind numbers its own from 0, never reusing an id; a
 * lookup needs the kind and the id, and never finds another kind's. */
typedef struct sched_res_slot {
    uint64_t id;
    const sched_res_kind_t *kind; /* NULL: an empty slot */
    void *ptr;
} sched_res_slot_t;

typedef struct sched_res_seq {
    const sched_res_kind_t *kind;
    uint64_t next; /* its next id */
    uint64_t live; /* how many of it the table holds */
} sched_res_seq_t;

typedef struct sched_restab {
    sched_res_slot_t *slots;
    uint32_t cap, count;
    sched_res_seq_t *seqs; /* one per kind ever added */
    uint32_t nseqs, seqs_cap;
} sched_restab_t;

/* 0, or LUN_ENOMEM (ptr is then not in the table: still the caller's). */
int sched__restab_add(sched_restab_t *t, const sched_res_kind_t *k,
                      void *ptr, uint64_t *out_id);
/* The resource with this id and kind, or NULL. */
void *sched__restab_get(const sched_restab_t *t, const sched_res_kind_t *k,
                        uint64_t id);
/* The same, removed from the table (the caller now owns it). */
void *sched__restab_take(sched_restab_t *t, const sched_res_kind_t *k,
                         uint64_t id);
/* Make entry id (of kind k) hold ptr instead; false if there is none. */
bool sched__restab_set(sched_restab_t *t, const sched_res_kind_t *k,
                       uint64_t id, void *ptr);
/* How many resources of kind k t holds. */
uint64_t sched__restab_count(const sched_restab_t *t,
                             const sched_res_kind_t *k);
/* Remove and release every resource of kind k for which drop says so
 * (drop may be asked twice about one resource). */
void sched__restab_drop_if(sched_restab_t *t, const sched_res_kind_t *k,
                           bool (*drop)(void *ptr, void *ud), void *ud);
/* Release everything in t and free its memory (t is then empty, its
 * ids starting again from 0: only for a process that is gone). */
void sched__restab_release(sched_restab_t *t);

/* The kinds the scheduler itself hands out (proc.c, sched.c). */
extern const sched_res_kind_t sched__res_config, sched__res_module,
    sched__res_timer;

/* }===== */
/* {===== processes (proc.c, signal.c) */

/* A run does not mark the process running: that would be one locked
 * instruction per context switch. A wake that finds it QUEUED (in a run
 * queue, or running) marks it NOTIFIED, and its owner, about to block,
 * runs it again instead (sched.c: wake, run_proc). */
enum sched_pstate {
    SCHED_P_WAITING = 0, /* blocked: a wake moves it to QUEUED */
    SCHED_P_QUEUED,      /* in a run queue (or about to be), or running */
    SCHED_P_NOTIFIED,    /* QUEUED, and woken since its run began or it
                            was queued: run again rather than block */
    SCHED_P_EXITED
};

/* A link: the process at the other end (node 0: this node). */
typedef struct sched_link {
    uint64_t node, pid;
    int64_t tag;
} sched_link_t;

/* A process somewhere: node 0 is this node. */
typedef struct sched_peer {
    uint64_t node, pid;
} sched_peer_t;

/* What a blocked host call waits for (BEAM's "waiting" reasons). */
enum sched_wait { SCHED_WAIT_NONE = 0, SCHED_WAIT_MSG, SCHED_WAIT_SLEEP,
                  SCHED_WAIT_POLL, SCHED_WAIT_WASI,
                  SCHED_WAIT_FD, /* a host call parked on fds
                                    (sched__park_on_fd): its fds are
                                    dropped at each wake, its deadline
                                    timer kept until the call ends */
                  SCHED_WAIT_JOB, /* host work on the offload pool (offload.c) */
                  SCHED_WAIT_RESUME, /* a long host call paused part-way: it
                                       is made again when the process next
                                       runs, behind the others (sched__pause) */
                  SCHED_WAIT_REMOTE /* a call parked on the cluster
                                       (remote.c): a spawn's answer, room
                                       on a full link */ };

/* sched_proc.mbox_bytes holds the bytes queued in its low 40 bits and the
 * number of messages queued in the top 24, so that one atomic add per
 * message keeps both (the metrics endpoint shows mailbox lengths). A
 * mailbox of 1 TiB would carry into the count; a count past 2^24 wraps
 * (only the count: it is the top of the word). */
#define SCHED_MBOX_ONE (UINT64_C(1) << 40)
#define SCHED_MBOX_BYTES(v) ((v) & (SCHED_MBOX_ONE - 1))
#define SCHED_MBOX_COUNT(v) ((v) >> 40)

struct sched_proc {
    uint64_t pid;
    _Atomic int state;
    _Atomic uint32_t refs; /* the pid table's + one per lookup and per
                              sender keeping it in send_to */
    _Atomic bool dead;
    /* remote.c holds entries for us (links or monitors across nodes,
     * node events): drop them when we die. */
    _Atomic bool remote_reg;
    /* a sender found the mailbox over a limit (enum sched_over; limits
     * below, at mbox_bytes) */
    _Atomic uint8_t mbox_over;
    sched_runtime_t *rt;
    sched_proc_t *qnext;     /* global queue */
    sched_proc_t *tnext;     /* pid table bucket */
    sched_mbox_t mbox;
    /* Everything below belongs to whoever runs the process. */
    sched_module_t *module;
    sched_config_t *config;
    vm_instance_t *inst;
    vm_exec_t *ex;
    wasi_ctx_t *wasi;
    vm_func_t *next_entry;   /* _start after the start function */
    const char *entry_error; /* spawn entry missing: die on first run */
    sched_msg_t *scratch;
    uint64_t cursor;         /* read_data position in scratch */
    /* The process it last sent a message to, referenced (signal.c,
     * sched__send_from), or NULL. */
    struct sched_proc *send_to;
    sched_link_t *links;
    uint32_t nlinks, links_cap;
    sched_peer_t *monitors;  /* who monitors us */
    uint32_t nmonitors, monitors_cap;
    sched_peer_t *rmons;     /* processes of other nodes we monitor */
    uint32_t nrmons, rmons_cap;
    sched_restab_t res;      /* every handle the guest holds (restab.c) */
    void *io_waiters;        /* iowait.c: fds this process is parked on */
    /* A host call made in several steps (a connect, a handshake, a DNS
     * lookup) keeps its state here between them, and how to free it
     * should the process die meanwhile. */
    void *call_state;
    void (*call_state_free)(void *state);
    struct sched_job *job;   /* offload.c: host work it waits for */
    uint64_t host_done;      /* sched__pause: progress of the paused call */
    struct sched_job *host_job; /* a job a paused call is still filling */
    uint64_t reds;           /* fuel used */
    uint32_t slice_spawns;   /* spawns since this slice began */
    uint64_t fuel_limit;     /* reductions; 0 = none */
    bool trap_links;         /* die_when_link_dies (default true) */
    bool is_root, killed;
    bool reserved_names;     /* has reserved a registry name: release
                                what is left of that when it dies */
    uint8_t wait;            /* enum sched_wait of the blocked call */
    bool timer_armed;
    _Atomic bool timer_fired; /* set by the timer thread */
    bool initializing;       /* running the start function */
    bool start_exited;       /* the start function called proc_exit */
    uint8_t reason;          /* why it died */
    sched_timer_t wait_timer;
    uint64_t kill_pid;       /* the link whose death killed us */
    /* Mailbox memory (limits.c). Senders add to mbox_bytes, whoever frees
     * or receives a message adds it to mbox_out. mbox_room is what the owner's
     * memory limit leaves for queued messages (max_memory minus its linear
     * memory), published by the owner; 0 until first published. A sender
     * that finds the mailbox over a limit sets mbox_over (enum
     * sched_over) and the owner dies at its next drain. */
    _Atomic uint64_t mbox_bytes; /* and the count: SCHED_MBOX_BYTES */
    /* What left the mailbox, in the same packing: only the owner (or the
     * last reference's holder) takes messages out, so it adds with a
     * plain load and store, no locked instruction per receive. Queued =
     * mbox_bytes - mbox_out (sched__mbox_queued). */
    _Atomic uint64_t mbox_out;
    _Atomic uint64_t mbox_room;
    const char *kill_why;    /* why a kill by the runtime, for the trap */
    /* Hot reloading (reload.c): the application version this process last
     * considered moving to, and, just after a move, the old instance and
     * module (freed once the process runs the new code). */
    uint64_t code_seen;
    vm_instance_t *old_inst;
    sched_module_t *old_module;
    /* What the metrics endpoint and crash reports read (stats.c):
     * reductions and linear memory as the owner published them at its
     * last slice's end, and the function it was spawned on. */
    _Atomic uint64_t pub_reds, pub_mem;
    /* With LUNATIC_FOOTPRINT (footprint.c): the host bytes of its
     * instance, execution and WASI context, and where its linear memory
     * starts, as the owner published them. */
    _Atomic uintptr_t pub_mem_base;
    _Atomic uint32_t pub_inst_bytes, pub_exec_bytes, pub_wasi_bytes;
    char entry[48];
};

/* }===== */
/* {===== what a host function may do with processes, messages, timers */

/* proc.c: find a process by pid (referenced: sched__proc_unref), make
 * one visible. */
sched_proc_t *sched__proc_lookup(sched_runtime_t *rt, uint64_t pid);
void sched__proc_unref(sched_proc_t *p);
void sched__proc_table_add(sched_runtime_t *rt, sched_proc_t *p);
/* Make a process from module and config (both referenced, not taken),
 * its start function run (nested in spawner's host call; NULL for the
 * root), instantiated and ready to call `func` with args; not yet visible. On
 * an instantiation error returns NULL with the reason in err. */
sched_proc_t *sched__proc_new(sched_runtime_t *rt, sched_module_t *m,
                              sched_config_t *c, vm_exec_t *spawner,
                              char *err, size_t errlen);
int sched__proc_start(sched_proc_t *p, const char *func, size_t len,
                      const vm_value *args, uint32_t nargs);
/* signal.c: deliver a message or signal to pid (false if no such
 * process); drain our inbox; die. */
bool sched__send(sched_runtime_t *rt, uint64_t pid, sched_msg_t *m);
/* The same to a process already looked up (referenced by the caller). */
void sched__push(sched_proc_t *p, sched_msg_t *m);
/* sched__send by process `from` (its own thread): the same, but the
 * process found stays referenced in from->send_to, so sending to it
 * again looks nothing up. */
bool sched__send_from(sched_proc_t *from, uint64_t pid, sched_msg_t *m);
/* Let go of from->send_to (when from dies or is freed). */
void sched__send_cache_drop(sched_proc_t *from);
void sched__send_signal(sched_runtime_t *rt, uint64_t to, uint8_t kind,
                        uint64_t from, int64_t tag, uint8_t reason);
/* Move the inbox into the private queue, acting on signals. Returns
 * false when a signal says the process must die. */
bool sched__drain(sched_proc_t *p);
void sched__proc_die(sched_proc_t *p, uint8_t reason);
int sched__link_add(sched_proc_t *p, uint64_t pid, int64_t tag);
void sched__link_remove(sched_proc_t *p, uint64_t pid);
/* The same for a process of any node (node 0: this one). */
int sched__link_add_at(sched_proc_t *p, uint64_t node, uint64_t pid,
                       int64_t tag);
void sched__link_remove_at(sched_proc_t *p, uint64_t node, uint64_t pid);
/* Owner: remote monitors we hold (SCHED_SIG_DOWN consumes one). */
int sched__rmon_add(sched_proc_t *p, uint64_t node, uint64_t pid);
bool sched__rmon_remove(sched_proc_t *p, uint64_t node, uint64_t pid);
/* A signal to (node, pid): node 0 is this node; another goes through the
 * cluster (sched_node_t.signal). The kinds that cross nodes: SIG_LINK,
 * SIG_UNLINK, SIG_LINK_DIED, SIG_MONITOR, SIG_DEMONITOR and
 * MSG_PROCESS_DIED. Returns false when node is not reachable (no such
 * node, or down). */
bool sched__signal_to(sched_runtime_t *rt, uint64_t node, uint64_t to,
                      uint8_t kind, uint64_t from, int64_t tag,
                      uint8_t reason);
/* limits.c: at the process cap, writes "process limit reached (N)" into err. */
bool sched__proc_cap_reached(sched_runtime_t *rt, char *err, size_t errlen);
/* Owner: publish what p's memory limit leaves for its mailbox. */
void sched__mbox_publish_room(sched_proc_t *p);
/* The same, p's linear memory being mem bytes (already known). */
void sched__mbox_set_room(sched_proc_t *p, uint64_t mem);
/* Owner, growing its scratch message to `len` bytes: NULL, or why that
 * cannot be (over its memory limit or the node's message cap). */
const char *sched__msg_too_big(sched_proc_t *p, uint64_t len);
/* sched.c: make a waiting process runnable. */
void sched__wake(sched_proc_t *p);
/* Queue a process just spawned by the calling worker's process: it runs
 * there once the spawner yields (not stolen before). */
void sched__enqueue_new(sched_runtime_t *rt, sched_proc_t *p);
/* Arm p's wait timer for `ms` from now (ms == SCHED_FOREVER: none). */
void sched__wait_timer_arm(sched_proc_t *p, uint64_t ms);
void sched__wait_timer_cancel(sched_proc_t *p);
/* Timers owned by a process: send_after. */
sched_timer_t *sched__timer_send_after(sched_runtime_t *rt, uint64_t pid,
                                       sched_msg_t *m, uint64_t ms);
bool sched__timer_cancel(sched_runtime_t *rt, sched_timer_t *t);
void sched__timer_unref(sched_timer_t *t);
/* Drop p's timers (sched__res_timer) that have fired. */
void sched__timer_purge_fired(sched_proc_t *p);

/* The runtime-wide services a host function reaches through p->rt. */
sched_registry_t *sched__registry_of(sched_runtime_t *rt);
/* The cluster (sched_options_t.node), or NULL. */
const sched_node_t *sched__node_of(sched_runtime_t *rt);
/* Modules a guest compiles get no superinstructions (sched_options_t). */
bool sched__no_fusion(sched_runtime_t *rt);
/* Wake p when fd is ready to read (rd) or write (wr), then forget it
 * (the poller, iowait.c). 0, or a LUN_ error. */
int sched__park_on_fd(sched_proc_t *p, int fd, bool rd, bool wr);
/* lunatic::metrics: add v to the named metric, or set it (set). Past
 * SCHED_METRICS_MAX names new ones are dropped (metrics.c). */
#define SCHED_METRICS_MAX 10000
void sched__metric_update(sched_runtime_t *rt, const char *name, size_t len,
                          bool set, double v);
/* The same knowing the kind, which the metrics endpoint shows (the kind
 * a name was first used with). set: a gauge's new value, not a change;
 * a histogram observes v. */
enum sched_metric_kind { SCHED_METRIC_COUNTER, SCHED_METRIC_GAUGE,
                         SCHED_METRIC_HISTOGRAM };
void sched__metric_record(sched_runtime_t *rt, const char *name, size_t len,
                          int kind, bool set, double v);

/* }===== */
/* {===== calls parked on the cluster (remote.c) */

/* A remote call's code when its node went down meanwhile, and when the
 * link it found full has room again (try again). */
#define SCHED_REMOTE_NODE_DOWN (-2)
#define SCHED_REMOTE_ROOM (-3)
/* A remote spawn waits this long for its answer (Lunatic's 5 s). */
#define SCHED_REMOTE_SPAWN_TIMEOUT_MS 5000

typedef struct sched_remote_call sched_remote_call_t;

/* Park-to-be: a call of p to node, registered (p->call_state) before the
 * request goes out so that no answer is missed. NULL: out of memory. */
sched_remote_call_t *sched__remote_call_new(sched_proc_t *p, uint64_t node);
/* p's request was accepted: from now on only its answer ends the call. */
void sched__remote_call_sent(sched_proc_t *p);
/* Its request id (sched_node_t.spawn's req). */
uint64_t sched__remote_call_req(const sched_remote_call_t *c);
/* p's call has its answer: rc, value, err. */
bool sched__remote_call_done(sched_proc_t *p, int *rc, uint64_t *value,
                             char *err, size_t errlen);
/* Forget p's call (answered, timed out or never sent). */
void sched__remote_call_end(sched_proc_t *p);
/* node was reported down (sched_remote_node_down). */
bool sched__remote_node_down(sched_runtime_t *rt, uint64_t node);
/* p has a link or monitor across node: when node goes down p gets
 * SCHED_SIG_NODE_DOWN. false (nothing recorded) when node is down
 * already. */
bool sched__remote_watch(sched_proc_t *p, uint64_t node);
/* p wants node up/down events as data messages tagged tag (docs/nodes.md);
 * on: false to stop. 0 or LUN_ENOMEM. */
int sched__remote_node_events(sched_proc_t *p, bool on, int64_t tag);
/* p is dying: forget what remote.c holds for it. */
void sched__remote_forget(sched_proc_t *p);
/* The hash of a READY module whose low 64 bits are id (the guest's
 * module_id). */
bool sched__remote_module_by_id(sched_runtime_t *rt, uint64_t id,
                                sched_hash_t *out);

/* }===== */
/* {===== hot reloading (reload.c) */

/* The module a spawn of "this module" (module -1) by p runs: the
 * application's current version when p runs one, else p's own; with a
 * reference the caller drops. */
sched_module_t *sched__reload_spawn_module(sched_proc_t *p);
/* p runs an application version older than the current one and has not
 * considered the current one yet. */
bool sched__upgrade_due(const sched_proc_t *p);
/* At a safe point of p (its own exec ex, inside a host call): move p to
 * the current version if both have the hooks. VM_DONE: moved (the host
 * call returns it; the process goes on in lunatic_upgrade_resume). VM_OK:
 * stayed; *failed says a hook failed (one warning line printed). */
vm_status sched__upgrade(vm_exec_t *ex, sched_proc_t *p, bool *failed);
/* Make m the current version (it is referenced, not taken): the checks
 * and effects of sched_runtime_reload. */
int sched__reload_module(sched_runtime_t *rt, sched_module_t *m, char *err,
                         size_t errlen);

/* }===== */
/* {===== host work off the workers (offload.c) */

/* A piece of host work run on the offload pool while its process waits.
 * The caller embeds this at the start of its own struct and fills run,
 * discard and wait_on_abandon. */
typedef struct sched_job {
    struct sched_job *next;
    void (*run)(struct sched_job *j);     /* on a pool thread */
    void (*discard)(struct sched_job *j); /* free it, result and all */
    /* run uses what the process owns (its SQL connection): a process that
     * dies waits for run to stop (it watches `cancel`) before freeing. */
    bool wait_on_abandon;
    _Atomic bool cancel; /* the process died: stop early if you can */
    /* the pool's (under its lock) */
    sched_proc_t *proc;
    int state;
    bool finished;
} sched_job_t;

/* Queue j for p; p then waits (return VM_BLOCK) until woken with the job
 * done. 0, or LUN_ENOMEM when there is no pool thread at all. */
int sched__job_submit(sched_proc_t *p, sched_job_t *j);
/* p's job if it is done (p no longer waits for it; the caller frees it),
 * else NULL. */
sched_job_t *sched__job_take(sched_proc_t *p);
/* p dies: its job's result will never be taken. */
void sched__job_abandon(sched_proc_t *p);
/* free(ptr), a block of size bytes: on the pool when it is big enough
 * (1 MiB) that giving it back (an munmap) would hold a worker. */
void sched__free_sized(void *ptr, size_t size);

/* }===== */
/* {===== guest code inside host calls (nested.c) */

/* Run sub (a call prepared with vm_exec_call) to its end, from inside the
 * host call that caller (NULL: none) is making, under the rules of
 * nested.c. VM_DONE, or VM_TRAP with the reason in why. */
vm_status sched__run_nested(vm_exec_t *caller, vm_exec_t *sub,
                            uint64_t budget, char *why, size_t whylen);

/* }===== */
/* {===== helpers of host functions */

/* Copying bytes is work the interpreter does not see: host functions
 * charge it as reductions (vm_exec_charge), one per 64 bytes, so a process
 * copying megabytes yields as a computing one does. A reduction is about
 * 5 ns of a busy loop here (a 20000-reduction slice, about 100 us);
 * memcpy into a fresh buffer took 0.8-3 ns per 64 bytes (64 KiB to 16 MiB
 * buffers, 20-85 GB/s): the rate errs towards charging the copier too
 * much, up to a few times, never too little. */
#define SCHED_COPY_BYTES_PER_RED 64

/* Long host work (copying many bytes) is done SCHED_HOST_CHUNK at a time;
 * between chunks the call pauses: the process goes behind the others and
 * the call is made again (same arguments) when it next runs. */
#define SCHED_HOST_CHUNK (1u << 20)
/* The progress a paused call recorded (0 when the call is new). */
static inline uint64_t sched__progress(const sched_proc_t *p)
{
    return p->wait == SCHED_WAIT_RESUME ? p->host_done : 0;
}
/* Pause the call after `done` units of work (return what this returns). */
static inline vm_status sched__pause(sched_proc_t *p, uint64_t done)
{
    p->host_done = done;
    p->wait = SCHED_WAIT_RESUME;
    return VM_BLOCK;
}
/* The call is finished: forget its progress. */
static inline void sched__progress_end(sched_proc_t *p)
{
    if (p->wait == SCHED_WAIT_RESUME)
        p->wait = SCHED_WAIT_NONE;
    p->host_done = 0;
}

/* Room for one more element in arr (n of *cap used, elem bytes each),
 * doubling from 2: arr itself, a moved array, or NULL when out of memory
 * (arr and *cap then unchanged). The caller stores the result back. */
static inline void *sched__room_for_one(void *arr, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    uint32_t ncap = *cap ? *cap * 2 : 2;
    void *grown = realloc(arr, (size_t)ncap * elem);
    if (grown)
        *cap = ncap;
    return grown;
}

/* Reductions p may still spend: what its fuel leaves (UINT64_MAX when
 * its fuel is not limited). */
static inline uint64_t sched__fuel_left(const sched_proc_t *p)
{
    if (!p->fuel_limit)
        return UINT64_MAX;
    return p->reds >= p->fuel_limit ? 0 : p->fuel_limit - p->reds;
}

static inline sched_proc_t *sched__cur(vm_exec_t *ex)
{
    return (sched_proc_t *)vm_exec_userdata(ex);
}
/* }===== */

#endif
