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
} wasi_options_t;

/* Create a context: the state one guest process's WASI calls share.
 * Returns 0, LUN_ENOMEM, or LUN_ELIMIT when the strings would not fit a
 * 32-bit guest. stdin, stdout and stderr are the host's. */
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

/* Whether this layer provides wasi_snapshot_preview1.`name`. */
bool wasi_provides(const char *name);

/* After vm_run() returned VM_DONE: true if the guest called proc_exit,
 * with its exit code in *out_code. */
bool wasi_ctx_exited(const wasi_ctx_t *ctx, uint32_t *out_code);

#endif
