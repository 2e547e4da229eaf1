/* sched.h: the process runtime: Erlang-style processes over WebAssembly
 * instances, scheduled on one worker thread per core with work stealing.
 *
 *     sched_runtime_t *rt;
 *     sched_runtime_new(&opts, &rt);             // threads, root config
 *     sched_run_main(rt, module, &result);       // _start as pid 1, waits
 *     sched_runtime_free(rt);
 *
 * Dependencies: vm/ (instances, vm_run), wasi/ (each process's WASI
 * context) and common/. Nothing here knows about sockets or databases:
 * the guest ABI (host/, the lunatic::* functions) sits above, and a
 * runtime offers it through sched_options_t.abi. */
#ifndef LUN_SCHED_H
#define LUN_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "../vm/vm.h"

typedef struct sched_runtime sched_runtime_t;

/* A host directory a process sees as guest_path. */
typedef struct sched_dir {
    const char *host_path;
    const char *guest_path;
} sched_dir_t;

/* The cluster this runtime is a node of (LUNATIC_ABI.md 1.3.8), as the
 * lunatic::distributed host functions see it. Without one (the options'
 * `node` is NULL) the runtime is not distributed, as `lunatic run` is in
 * Lunatic: node_id and module_id are 0, there are no nodes, and remote
 * send and spawn trap as Lunatic's do.
 *
 * Node ids are incarnation ids, never 0. A module is known across the
 * cluster by the XXH3-128 hash of its bytes (sched_hash_t); the guest's
 * i64 module_id is its low 64 bits. The callbacks are called from worker
 * threads (several at once) and must never block: what needs the network
 * answers later through the entry points below (sched_remote_*). */
typedef struct sched_hash {
    uint64_t lo, hi; /* XXH3_128bits: low64, high64 */
} sched_hash_t;

/* What the callbacks return besides a Lunatic code (0 done, 1 no such
 * process, 2 no such node/module, 9027 connection error). */
#define SCHED_NODE_FULL (-1) /* the link's queue is full: retry after
                                sched_remote_room(node) */

/* The signals that cross nodes (links and monitors, docs/nodes.md): what
 * sched_node_t.signal sends and sched_remote_signal receives. */
enum sched_node_signal {
    SCHED_NODE_LINK = 0,  /* from links itself to `to` with tag */
    SCHED_NODE_UNLINK,    /* from unlinks `to` */
    SCHED_NODE_EXIT,      /* from, linked to `to`, died: reason, tag */
    SCHED_NODE_MONITOR,   /* from monitors `to` */
    SCHED_NODE_DEMONITOR, /* from stops monitoring `to` */
    SCHED_NODE_DOWN       /* from, monitored by `to`, died: reason */
};

/* The spawner's config, sent with a remote spawn (sched_node_t.spawn);
 * the remote node caps it by its own root config. */
typedef struct sched_spawn_config {
    uint64_t max_memory; /* bytes */
    uint64_t max_fuel;   /* units of 100,000 reductions; 0: none */
    bool can_compile, can_create_configs, can_spawn;
} sched_spawn_config_t;

typedef struct sched_node {
    void *ud;
    uint64_t node_id; /* this node's incarnation id (never 0) */
    /* Writes up to max node ids (this one included) to out; returns how
     * many nodes there are. */
    uint32_t (*nodes)(void *ud, uint64_t *out, uint32_t max);
    /* The nodes whose tags match query (a URL query string "k=v&k2=v2"),
     * as nodes does; NULL: no node matches any query. */
    uint32_t (*query)(void *ud, const char *query, size_t len, uint64_t *out,
                      uint32_t max);
    /* Queue a data message from local process from to process pid of node.
     * Returns 0 (queued), 1 (no such process, when the cluster knows it
     * at once), 2 (no such node) or SCHED_NODE_FULL. */
    int (*send)(void *ud, uint64_t node, uint64_t from, uint64_t pid,
                int64_t tag, const uint8_t *data, size_t len);
    /* Ask node to spawn export func of module hash with params (17-byte
     * records, as lunatic::process::spawn takes them). Returns 0 (asked:
     * the answer comes as sched_remote_spawned(req)), 2 (no such node) or
     * SCHED_NODE_FULL. */
    int (*spawn)(void *ud, uint64_t node, uint64_t req, sched_hash_t module,
                 const char *func, size_t func_len, const uint8_t *params,
                 size_t params_len, const sched_spawn_config_t *config);
    /* Ask node for the bytes of module hash: they come back as
     * sched_remote_module_bytes (or it is told the fetch failed). */
    void (*fetch_module)(void *ud, uint64_t node, sched_hash_t module);
    /* Send a signal (enum sched_node_signal) from local process `from` to
     * process `to` of node. Never refused for lack of room (the cluster
     * keeps it until the link takes it); an EXIT or DOWN must arrive after
     * every message `from` sent to `to` before it. Returns 0, or 2 (no
     * such node). NULL: signals do not cross nodes (links and monitors
     * across them fire at once with reason noconnection). */
    int (*signal)(void *ud, uint64_t node, int kind, uint64_t from,
                  uint64_t to, int64_t tag, uint8_t reason);
    /* The cluster CA's certificate (PEM text; NULL: not known), which
     * lunatic::distributed::test_root_cert hands to guests. */
    const char *ca_pem;
} sched_node_t;

/* A host function guests may import: module and name, its type in
 * vm_host_func_new notation, and the function (its ud is the binding). */
typedef struct sched_binding {
    const char *module;
    const char *name;
    const char *sig;
    vm_host_fn fn;
} sched_binding_t;

/* One table of bindings; n points at its length (a constant of the file
 * that defines the table, not known where the set is assembled). */
typedef struct sched_bindings {
    const sched_binding_t *b;
    const size_t *n;
} sched_bindings_t;

/* The host functions a runtime offers besides WASI (host_abi() in
 * host/host.h: the lunatic::* set). */
typedef struct sched_abi {
    const sched_bindings_t *tables;
    size_t ntables;
} sched_abi_t;

/* Erlang's default process limit (+P), and 1 GiB of queued messages. */
#define SCHED_DEFAULT_MAX_PROCESSES (UINT64_C(1) << 20)
#define SCHED_DEFAULT_MAX_MESSAGE_MEMORY (UINT64_C(1) << 30)

/* What the runtime and its root process are made from; copied. */
typedef struct sched_options {
    uint32_t threads;               /* workers; 0 = one per core */
    const char *const *argv;        /* the root's argv (argv[0] = path) */
    uint32_t argc;
    const char *const *env;         /* the root's "KEY=VALUE" strings */
    uint32_t envc;
    const sched_dir_t *dirs;        /* the root's preopens, in order */
    uint32_t ndirs;
    const int *sockets;             /* listening fds for the root's WASI
                                       context, which owns them */
    uint32_t nsockets;
    bool no_fusion;                 /* compile every module to plain code,
                                       without superinstructions */
    bool no_image;                  /* processes apply their data segments
                                       one by one, at spawn, instead of
                                       copying the module's image at
                                       their first memory access */
    const sched_node_t *node;       /* the cluster (not copied: must
                                       outlive the runtime); NULL: none */
    const sched_abi_t *abi;         /* host functions besides WASI (not
                                       copied); NULL: WASI only */
    /* Node-wide caps (0: the default). At max_processes live processes a
     * spawn fails with "process limit reached (N)". max_message_memory
     * bounds the host memory held by queued messages: at the cap a data
     * message is dropped, and its receiver killed when its own mailbox
     * holds 1/64 of the cap or more (docs/processes.md "Limits"). */
    uint64_t max_processes;          /* default SCHED_DEFAULT_MAX_PROCESSES */
    uint64_t max_message_memory;     /* bytes; default
                                        SCHED_DEFAULT_MAX_MESSAGE_MEMORY */
    /* The bytes the root module was loaded from (copied), so that other
     * nodes can fetch it by hash and module_id names it; NULL: the root's
     * module has no cluster identity (module_id 0). */
    const uint8_t *root_wasm;
    size_t root_wasm_len;
} sched_options_t;

/* Room for a root trap's backtrace: SCHED_BACKTRACE_FRAMES lines, cut
 * shorter where names are long. */
#define SCHED_BACKTRACE_FRAMES 32
#define SCHED_BACKTRACE_BYTES 4096

/* How the root process ended. */
typedef enum sched_exit_kind {
    SCHED_EXIT_NORMAL = 0, /* _start returned or proc_exit(code) */
    SCHED_EXIT_TRAP = 1,   /* trap: kind and message */
    SCHED_EXIT_KILLED = 2, /* kill signal or a failed link */
    SCHED_EXIT_ERROR = 3,  /* could not start: message says why */
    SCHED_EXIT_STOPPED = 4 /* sched_runtime_stop: exit_code is its signo */
} sched_exit_kind;

typedef struct sched_result {
    sched_exit_kind kind;
    uint32_t exit_code;      /* NORMAL: the proc_exit code (0 if none) */
    vm_trap_kind trap;       /* TRAP */
    char message[256];       /* TRAP, KILLED, ERROR */
    /* TRAP (out of fuel included): the wasm call stack where it stopped,
     * "  at #0 NAME (func N, offset 0xOFF)" lines (vm_exec_backtrace_format),
     * or "" */
    char backtrace[SCHED_BACKTRACE_BYTES];
} sched_result_t;

/* Create a runtime and start its workers. Returns 0 or LUN_ENOMEM. */
int sched_runtime_new(const sched_options_t *opts, sched_runtime_t **out_rt);

/* Stop the workers, end every process still alive (no notifications, as
 * when Lunatic's runtime exits) and free everything. NULL is allowed. */
void sched_runtime_free(sched_runtime_t *rt);

/* Check that every import of m is provided (by abi, NULL: none, or
 * WASI). On a missing one returns LUN_EUNLINKABLE and writes
 * `unknown import "mod" "name" of type T (and N more)` into err. */
int sched_module_check(const sched_abi_t *abi, const vm_module_t *m,
                       char *err, size_t errlen);

/* Run m's start function then its export `_start` as the root process
 * (pid 1, every permission) and wait until it ends; the run ends with it.
 * The runtime takes ownership of m. Returns 0 (see *out) or LUN_ENOMEM. */
int sched_run_main(sched_runtime_t *rt, vm_module_t *m, sched_result_t *out);

/* The same with the export `entry` (of type () -> ()) as the root's
 * function instead of _start: the cargo test mode runs each test so. */
int sched_run_entry(sched_runtime_t *rt, vm_module_t *m, const char *entry,
                    sched_result_t *out);

/* End the run of sched_run_main now (from any thread, e.g. one that
 * waited for SIGTERM): it returns SCHED_EXIT_STOPPED with exit_code
 * signo, unless the root has ended already; sched_runtime_free then ends
 * every process and closes what they hold. Not async-signal-safe. */
void sched_runtime_stop(sched_runtime_t *rt, int signo);

/* {===== hot code reloading (reload.c, docs/reload.md)
 *
 * The root's module is the application's first version. A reload makes
 * bytes the application's current version: decoded, validated and linked
 * first (with sched_module_check's rules), and when the running version
 * has upgrade hooks, the new one must have them too. On any failure
 * nothing changes and err holds one line saying why (LUN_E* returned).
 * Afterwards spawns of the application's code (module -1) run the new
 * version, running processes go on, and those with upgrade hooks move at
 * their next safe point. Old versions stay alive while a process runs
 * them (none is killed) and are freed with their last process. Any
 * thread; reloads are serialized. */
int sched_runtime_reload(sched_runtime_t *rt, const uint8_t *bytes,
                         size_t len, char *err, size_t errlen);

/* The application's current version number (1: the root's module) and
 * how many processes have moved to a newer version so far. */
uint64_t sched_runtime_version(sched_runtime_t *rt, uint64_t *upgraded);

/* }===== */
/* {===== observing a running runtime (stats.c, prom.c): what the metrics
 * endpoint serves. Callable from any thread while the runtime runs; they
 * take the pid table's shard locks one at a time and never stop a
 * worker. */

/* The runtime's metrics and the guests' (lunatic::metrics) in the
 * Prometheus text exposition format 0.0.4, malloc'd and NUL-terminated,
 * its length in *len; NULL when out of memory. */
char *sched_metrics_prometheus(sched_runtime_t *rt, size_t *len);

/* What sched_processes_text sorts by. */
typedef enum sched_proc_sort {
    SCHED_SORT_REDUCTIONS = 0,
    SCHED_SORT_MEMORY,
    SCHED_SORT_MAILBOX
} sched_proc_sort;
/* The `limit` first live processes by `by`, one line each, after a header:
 * "pid\treductions\tmemory_bytes\tmailbox\tmodule\tfunction\n".
 * Reductions and memory are as of each process's last slice. Malloc'd;
 * NULL when out of memory. */
char *sched_processes_text(sched_runtime_t *rt, sched_proc_sort by,
                           uint32_t limit, size_t *len);

/* }===== */
/* {===== the runtime's side of a cluster (remote.c)
 *
 * What a cluster implementation calls, from its own threads (never from
 * inside a callback of sched_node_t that it has not returned from yet,
 * except where said). None of these block on a process. */

/* The XXH3-128 hash of a module's bytes. */
sched_hash_t sched_hash_bytes(const uint8_t *bytes, size_t len);

/* A data message from (from_node, from_pid) for local process to_pid,
 * queued as a local send is (mailbox memory limits apply). Returns 0, 1
 * (no such process: Lunatic's code for the sender) or LUN_ENOMEM. May be
 * called from inside sched_node_t.send. */
int sched_remote_deliver(sched_runtime_t *rt, uint64_t to_pid,
                         uint64_t from_node, uint64_t from_pid, int64_t tag,
                         const uint8_t *data, size_t len);
/* The same with data (malloc'd, len bytes) handed over: it becomes the
 * message's body without a copy, and is freed in every case. */
int sched_remote_deliver_owned(sched_runtime_t *rt, uint64_t to_pid,
                               uint64_t from_node, uint64_t from_pid,
                               int64_t tag, uint8_t *data, size_t len);

/* The answer to a spawn request: rc 0 and the new pid, or Lunatic's code
 * (2: module or function not found, 9027: connection error) with err. */
typedef void (*sched_spawn_reply_fn)(void *ud, int rc, uint64_t pid,
                                     const char *err);

/* Spawn export func of module `module` (unlinked, with the runtime's root
 * config, capped by config when not NULL) for node from_node. The module comes from the runtime's cache
 * by hash; the first request for a hash fetches it from from_node
 * (sched_node_t.fetch_module), and concurrent requests wait for that one
 * fetch. reply is called exactly once, maybe before this returns. */
void sched_remote_spawn(sched_runtime_t *rt, uint64_t from_node,
                        sched_hash_t module, const char *func,
                        size_t func_len, const uint8_t *params,
                        size_t params_len, const sched_spawn_config_t *config,
                        sched_spawn_reply_fn reply, void *reply_ud);

/* The bytes of a fetched module (len 0 and bytes NULL: the fetch failed).
 * They are checked against the hash (a mismatch is refused: the waiting
 * spawns fail, nothing runs), compiled once and cached. */
void sched_remote_module_bytes(sched_runtime_t *rt, sched_hash_t module,
                               const uint8_t *bytes, size_t len);

/* The bytes of a module this runtime knows by hash (to answer another
 * node's fetch), copied into *out (malloc'd): 0, or LUN_ENOTFOUND. */
int sched_remote_module_copy(sched_runtime_t *rt, sched_hash_t module,
                             uint8_t **out, size_t *len);

/* The answer to the request req of sched_node_t.spawn. */
void sched_remote_spawned(sched_runtime_t *rt, uint64_t req, int rc,
                          uint64_t pid, const char *err);

/* The link to node has room again: processes parked on a full send to it
 * retry. */
void sched_remote_room(sched_runtime_t *rt, uint64_t node);

/* node is gone: sends to it now get 2 (no such node), parked senders and
 * pending spawns to it fail, every link and monitor across it fires with
 * reason noconnection, and processes that asked for node events get one. */
void sched_remote_node_down(sched_runtime_t *rt, uint64_t node,
                            const char *reason);

/* node is up (a member joined): processes that asked for node events
 * (lunatic::distributed::monitor_nodes) get one. */
void sched_remote_node_up(sched_runtime_t *rt, uint64_t node);

/* A signal (enum sched_node_signal) from process `from` of from_node to
 * local process `to`. A LINK or MONITOR of a process that does not exist
 * is answered (EXIT or DOWN with reason noprocess) through
 * sched_node_t.signal; the rest for a missing process are dropped. May be
 * called from inside sched_node_t.signal (as sched_remote_deliver from
 * inside send). */
void sched_remote_signal(sched_runtime_t *rt, uint64_t from_node, int kind,
                         uint64_t from, uint64_t to, int64_t tag,
                         uint8_t reason);

/* A thread of the cluster that called these entry points calls this
 * before it ends: what it keeps for reuse of rt's goes back. */
void sched_remote_thread_done(sched_runtime_t *rt);

/* How many modules this runtime fetched from other nodes, and how many of
 * those it compiled (each at most once). */
void sched_remote_stats(sched_runtime_t *rt, uint64_t *fetched,
                        uint64_t *compiled);

/* }===== */

/* Print the lunatic::metrics counters to stderr (LUNATIC_METRICS=1). */
void sched_metrics_dump(sched_runtime_t *rt);

/* Makes vm/'s allocator take small blocks from the workers' pools
 * (pool_alloc.c). Call once, before making any vm object: `lunatic`
 * does, first thing, unless LUNATIC_NO_SCHED runs it without the
 * scheduler. */
void sched_use_pool_allocator(void);

#endif
