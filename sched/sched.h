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
 * send and spawn trap as Lunatic's do. A cluster implementation fills
 * this in; the callbacks may be called from any worker thread at once. */
typedef struct sched_node {
    void *ud;
    uint64_t node_id;   /* this node's id, given by the control server */
    uint64_t module_id; /* the control server's id of the root module */
    /* Writes up to max node ids (this one included) to out; returns how
     * many nodes there are. */
    uint32_t (*nodes)(void *ud, uint64_t *out, uint32_t max);
    /* Deliver a data message to process pid of node. Returns 0 (sent), 1
     * (no such process), 2 (no such node) or 9027 (connection error),
     * Lunatic 0.13.2's codes; err says why when not 0. */
    int (*send)(void *ud, uint64_t node, uint64_t pid, int64_t tag,
                const uint8_t *data, size_t len, char *err, size_t errlen);
    /* Spawn export func of control module module_id on node with params
     * (17-byte records, as lunatic::process::spawn takes them). Returns 0
     * with the pid in *pid, 1 (no such node), 2 (no such module) or 9027
     * (connection error), with err saying why. */
    int (*spawn)(void *ud, uint64_t node, uint64_t module_id,
                 const char *func, size_t func_len, const uint8_t *params,
                 size_t params_len, uint64_t *pid, char *err, size_t errlen);
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

/* Print the lunatic::metrics counters to stderr (LUNATIC_METRICS=1). */
void sched_metrics_dump(sched_runtime_t *rt);

#endif
