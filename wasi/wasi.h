/* wasi.h: the wasi_snapshot_preview1 host functions, linked into a module
 * through the same vm/vm.h interface any embedder uses.
 *
 *     wasi_ctx_new(&opts, &ctx);              // args, environment, preopens
 *     wasi_link(ctx, module, imports, n);     // fills the WASI imports
 *     vm_instance_new(module, imports, n, ...); ... vm_run(...) == VM_DONE
 *     if (wasi_ctx_exited(ctx, &code)) ...    // the guest called proc_exit
 */
#ifndef LUN_WASI_H
#define LUN_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "../vm/vm.h"

/* The import module name every WASI preview1 function lives in. */
#define WASI_MODULE_NAME "wasi_snapshot_preview1"

typedef struct wasi_ctx wasi_ctx_t;

/* A host directory the guest sees under guest_path. */
typedef struct wasi_preopen {
    const char *host_path;
    const char *guest_path;
} wasi_preopen_t;

/* What a context is made from. Everything is copied by wasi_ctx_new. */
typedef struct wasi_options {
    const char *const *argv; /* argv[0] is the program name the guest sees */
    uint32_t argc;
    const char *const *env; /* "KEY=VALUE" strings */
    uint32_t envc;
    const wasi_preopen_t *preopens; /* guest fds 3, 4, ... in this order */
    uint32_t npreopens;
    /* Host fds of listening stream sockets, preopened as the guest fds
     * after the directories (for sock_accept). The context owns them from
     * wasi_ctx_new on, even when it fails, and makes them non-blocking. */
    const int *sockets;
    uint32_t nsockets;
    /* Optional (NULL: open every preopen): per preopen, a directory fd
     * from wasi_open_dir to use instead of opening host_path again, or -1
     * to open it. The context never closes these, so many contexts can
     * share one (to a context a directory fd is only the base of *at
     * calls; fd_readdir reads through a descriptor of its own); the
     * caller keeps it open until the last such context is freed. */
    const int *preopen_fds;
    /* Borrow argv and env (the arrays and their strings) and the
     * preopens' guest_path strings instead of copying them: the caller
     * keeps them alive and unchanged until wasi_ctx_free (the preopens
     * array itself may go). For an embedder making many contexts from
     * one configuration. */
    bool borrow;
} wasi_options_t;

/* Open host_path as a preopen directory, as wasi_ctx_new does, into
 * *out_fd (close-on-exec). Returns 0 or LUN_ERR_ERRNO(e). */
int wasi_open_dir(const char *host_path, int *out_fd);

/* Create a context: the state one guest process's WASI calls share.
 * Opens every preopen directory. Returns 0, LUN_ENOMEM, LUN_ELIMIT when
 * the strings would not fit a 32-bit guest, or LUN_ERR_ERRNO(e) when a
 * preopen cannot be opened as a directory. stdin, stdout and stderr are
 * the host's. */
int wasi_ctx_new(const wasi_options_t *opts, wasi_ctx_t **out_ctx);

/* Free a context and the host functions wasi_link made for it; free every
 * instance linked with them first. NULL is allowed. */
void wasi_ctx_free(wasi_ctx_t *ctx);

/* For each import of m (nimports == vm_module_import_count(m)) that is a
 * wasi_snapshot_preview1 function this layer provides, set imports[i] to a
 * host function bound to ctx; other entries are left untouched, so the
 * caller can fill them or report them unresolved. The wasm type is not
 * checked here: vm_instance_new() does it. Returns the number of imports
 * filled, or LUN_ENOMEM. */
int wasi_link(wasi_ctx_t *ctx, const vm_module_t *m, vm_extern *imports,
              uint32_t nimports);

/* {===== shared host functions
 *
 * wasi_link makes host functions bound to one context: fine for one
 * guest, but an embedder running many guests (a scheduler spawning a
 * process per instance) would pay for making them at every spawn. A
 * function set instead is made once and shared by every instance linked
 * with it; at each call it asks resolve(ex) for the calling context (for
 * instance through vm_exec_userdata). resolve must not return NULL. */

typedef struct wasi_funcs wasi_funcs_t;
typedef wasi_ctx_t *(*wasi_resolve_fn)(vm_exec_t *ex);

/* Make one host function per binding. Returns 0 or LUN_ENOMEM. */
int wasi_funcs_new(wasi_resolve_fn resolve, wasi_funcs_t **out);

/* Free the set; free every instance linked with it first. NULL is
 * allowed. */
void wasi_funcs_free(wasi_funcs_t *fs);

/* As wasi_link, with the set's functions; never fails, returns the
 * number of imports filled. */
int wasi_link_funcs(const wasi_funcs_t *fs, const vm_module_t *m,
                    vm_extern *imports, uint32_t nimports);

/* }===== */

/* Whether this layer provides wasi_snapshot_preview1.`name`. */
bool wasi_provides(const char *name);

/* After vm_run() returned VM_DONE: true if the guest called proc_exit,
 * with its exit code in *out_code. */
bool wasi_ctx_exited(const wasi_ctx_t *ctx, uint32_t *out_code);
/* Host bytes ctx holds (its block, descriptor table, wait list): what an
 * idle process's WASI context costs (the metrics' footprint). */
size_t wasi_ctx_footprint(const wasi_ctx_t *ctx);

/* {===== blocking: how an embedder runs a guest whose WASI call blocks
 *
 * A WASI call that would block a thread (fd_read on stdin, a pipe or a
 * socket with nothing to read, fd_write to a full pipe, terminal or
 * socket, sock_accept with no connection waiting, sock_send on a full
 * socket, poll_oneoff with nothing ready yet) does
 * not wait: it records what it waits for and returns VM_BLOCK, so vm_run()
 * returns VM_BLOCK with nothing consumed. The embedder asks
 * wasi_ctx_waiting() what that is, waits for it in any way it likes (the
 * CLI: poll(2); a scheduler: its poller and timer wheel, running other
 * processes meanwhile), then calls vm_run() again, which re-invokes the
 * same WASI call. That call checks again and either completes or blocks
 * again, so an early or spurious wake-up is harmless. Deadlines are kept
 * across re-invocations: a 10 ms poll_oneoff timeout ends 10 ms after the
 * guest's call, however often it was woken before. */

#define WASI_WAIT_READ 1u  /* the fd is readable (or hung up / in error) */
#define WASI_WAIT_WRITE 2u /* the fd is writable */

typedef struct wasi_wait_fd {
    int host_fd;
    uint32_t events; /* WASI_WAIT_READ | WASI_WAIT_WRITE */
} wasi_wait_fd_t;

typedef struct wasi_wait {
    const wasi_wait_fd_t *fds; /* owned by the context */
    uint32_t nfds;
    bool has_deadline;    /* wake up at deadline_ns at the latest */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC, absolute, in nanoseconds */
} wasi_wait_t;

/* After vm_run() returned VM_BLOCK for an execution linked to ctx: true,
 * and in *out what to wait for before the next vm_run(): ready on any of
 * out->fds, or the deadline passed. nfds == 0 and no deadline never
 * happens. The pointers stay valid until the next vm_run(). False when
 * the context is not blocked. */
bool wasi_ctx_waiting(const wasi_ctx_t *ctx, wasi_wait_t *out);

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of deadline_ns. */
uint64_t wasi_monotonic_ns(void);

/* }===== */

#endif
