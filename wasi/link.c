/* link.c: binds the wasi_snapshot_preview1 imports of a module to this
 * layer. Each host_* adapter unpacks the wasm arguments, takes a view of
 * the caller's memory and calls the implementation in its group's file
 * (args.c, fd_io.c, path.c, ...); those stay free of vm/ calls so that unit tests can
 * drive them on a fake memory. Interface: wasi/wasi.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi/wasi_int.h"

/* The memory guest pointers refer to: memory 0 of the calling instance. */
static wasi_mem_t caller_memory(vm_exec_t *ex)
{
    wasi_mem_t mem = {NULL, 0};
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_memory_t *m = inst ? vm_instance_memory(inst) : NULL;
    if (m)
        mem.base = vm_memory_data(m, &mem.size);
    if (!mem.base)
        mem.size = 0;
    return mem;
}

/* {===== adapters: wasm arguments -> implementation -> errno result */

/* What every host function gets as userdata: a context's own set (ctx
 * set) or a shared one (ctx NULL: ask resolve for the caller's). */
struct wasi_funcs {
    wasi_ctx_t *ctx;
    wasi_resolve_fn resolve;
    vm_func_t **funcs; /* one per binding, made on first use */
};

static wasi_ctx_t *ctx_of(vm_exec_t *ex, void *ud)
{
    const wasi_funcs_t *fs = ud;
    return fs->ctx ? fs->ctx : fs->resolve(ex);
}

/* Hand an implementation's result to the VM. WASI__BLOCK writes nothing
 * and returns VM_BLOCK: the VM calls again with the same arguments once
 * the embedder has waited for what wasi_ctx_waiting() says. */
static vm_status finish(wasi_ctx_t *ctx, vm_slot *a, uint32_t rc)
{
    if (rc == WASI__BLOCK) {
        ctx->blocked = true;
        return VM_BLOCK;
    }
    ctx->blocked = false;
    a[0].u32 = rc;
    return VM_OK;
}

/* One adapter: `call` may use ctx, mem and the arguments a[]. */
#define ADAPTER(name, call)                                              \
    static vm_status host_##name(vm_exec_t *ex, vm_slot *a, void *ud)   \
    {                                                                    \
        wasi_ctx_t *ctx = ctx_of(ex, ud);                                \
        wasi_mem_t mem = caller_memory(ex);                              \
        (void)mem;                                                       \
        return finish(ctx, a, call);                                     \
    }

ADAPTER(args_get, wasi__args_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(args_sizes_get, wasi__args_sizes_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(environ_get, wasi__environ_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(environ_sizes_get,
        wasi__environ_sizes_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(clock_res_get, wasi__clock_res_get(&mem, a[0].u32, a[1].u32))
ADAPTER(clock_time_get,
        wasi__clock_time_get(&mem, a[0].u32, a[1].u64, a[2].u32))
ADAPTER(fd_advise,
        wasi__fd_advise(ctx, a[0].u32, a[1].u64, a[2].u64, a[3].u32))
ADAPTER(fd_allocate, wasi__fd_allocate(ctx, a[0].u32, a[1].u64, a[2].u64))
ADAPTER(fd_close, wasi__fd_close(ctx, a[0].u32))
ADAPTER(fd_datasync, wasi__fd_sync(ctx, a[0].u32, true))
ADAPTER(fd_fdstat_get, wasi__fd_fdstat_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(fd_fdstat_set_flags,
        wasi__fd_fdstat_set_flags(ctx, a[0].u32, a[1].u32))
ADAPTER(fd_fdstat_set_rights,
        wasi__fd_fdstat_set_rights(ctx, a[0].u32, a[1].u64, a[2].u64))
ADAPTER(fd_filestat_get,
        wasi__fd_filestat_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(fd_filestat_set_size,
        wasi__fd_filestat_set_size(ctx, a[0].u32, a[1].u64))
ADAPTER(fd_filestat_set_times,
        wasi__fd_filestat_set_times(ctx, a[0].u32, a[1].u64, a[2].u64,
                                    a[3].u32))
ADAPTER(fd_pread, wasi__fd_pread(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                 a[3].u64, a[4].u32))
ADAPTER(fd_prestat_get, wasi__fd_prestat_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(fd_prestat_dir_name,
        wasi__fd_prestat_dir_name(ctx, &mem, a[0].u32, a[1].u32, a[2].u32))
ADAPTER(fd_pwrite, wasi__fd_pwrite(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                   a[3].u64, a[4].u32))
ADAPTER(fd_read,
        wasi__fd_read(ctx, &mem, a[0].u32, a[1].u32, a[2].u32, a[3].u32))
ADAPTER(fd_readdir, wasi__fd_readdir(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                     a[3].u64, a[4].u32))
ADAPTER(fd_renumber, wasi__fd_renumber(ctx, a[0].u32, a[1].u32))
ADAPTER(fd_seek,
        wasi__fd_seek(ctx, &mem, a[0].u32, a[1].i64, a[2].u32, a[3].u32))
ADAPTER(fd_sync, wasi__fd_sync(ctx, a[0].u32, false))
ADAPTER(fd_tell, wasi__fd_tell(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(fd_write,
        wasi__fd_write(ctx, &mem, a[0].u32, a[1].u32, a[2].u32, a[3].u32))
ADAPTER(path_create_directory,
        wasi__path_create_directory(ctx, &mem, a[0].u32, a[1].u32, a[2].u32))
ADAPTER(path_filestat_get,
        wasi__path_filestat_get(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                a[3].u32, a[4].u32))
ADAPTER(path_filestat_set_times,
        wasi__path_filestat_set_times(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                      a[3].u32, a[4].u64, a[5].u64, a[6].u32))
ADAPTER(path_link, wasi__path_link(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                   a[3].u32, a[4].u32, a[5].u32, a[6].u32))
ADAPTER(path_open, wasi__path_open(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                   a[3].u32, a[4].u32, a[5].u64, a[6].u64,
                                   a[7].u32, a[8].u32))
ADAPTER(path_readlink,
        wasi__path_readlink(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                            a[3].u32, a[4].u32, a[5].u32))
ADAPTER(path_remove_directory,
        wasi__path_remove_directory(ctx, &mem, a[0].u32, a[1].u32, a[2].u32))
ADAPTER(path_rename, wasi__path_rename(ctx, &mem, a[0].u32, a[1].u32,
                                       a[2].u32, a[3].u32, a[4].u32, a[5].u32))
ADAPTER(path_symlink, wasi__path_symlink(ctx, &mem, a[0].u32, a[1].u32,
                                         a[2].u32, a[3].u32, a[4].u32))
ADAPTER(path_unlink_file,
        wasi__path_unlink_file(ctx, &mem, a[0].u32, a[1].u32, a[2].u32))
ADAPTER(poll_oneoff, wasi__poll_oneoff(ctx, &mem, a[0].u32, a[1].u32,
                                       a[2].u32, a[3].u32))
ADAPTER(random_get, wasi__random_get(ctx, &mem, a[0].u32, a[1].u32))
ADAPTER(sock_accept,
        wasi__sock_accept(ctx, &mem, a[0].u32, a[1].u32, a[2].u32))
ADAPTER(sock_recv, wasi__sock_recv(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                   a[3].u32, a[4].u32, a[5].u32))
ADAPTER(sock_send, wasi__sock_send(ctx, &mem, a[0].u32, a[1].u32, a[2].u32,
                                   a[3].u32, a[4].u32))
ADAPTER(sock_shutdown, wasi__sock_shutdown(ctx, a[0].u32, a[1].u32))

static vm_status host_proc_exit(vm_exec_t *ex, vm_slot *a, void *ud)
{
    wasi__proc_exit(ctx_of(ex, ud), a[0].u32);
    return VM_DONE; /* ends the whole execution, not just this call */
}

static vm_status host_proc_raise(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint32_t rc = wasi__proc_raise(a[0].u32);
    if (rc == WASI__RAISE_TRAP) {
        /* what the signal's default action would do to a native process
         * (wasmtime traps on every proc_raise) */
        char msg[96];
        snprintf(msg, sizeof msg,
                 "proc_raise: the guest raised %s, which ends a process",
                 wasi__signal_name(a[0].u32));
        vm_exec_set_trap(ex, VM_TRAP_HOST, msg);
        return VM_TRAP;
    }
    return finish(ctx_of(ex, ud), a, rc);
}

static vm_status host_sched_yield(vm_exec_t *ex, vm_slot *a, void *ud)
{
    a[0].u32 = wasi__sched_yield(ctx_of(ex, ud));
    return VM_YIELD; /* give the rest of the time slice away */
}

/* }===== */

/* Signatures in vm_host_func_new's notation (i=i32, I=i64), from the
 * witx definitions of wasi_snapshot_preview1: all 46 functions. */
static const struct wasi_binding {
    const char *name;
    const char *sig;
    vm_host_fn fn;
} bindings[] = {
#define B(name, sig) {#name, sig, host_##name}
    B(args_get, "ii:i"),
    B(args_sizes_get, "ii:i"),
    B(environ_get, "ii:i"),
    B(environ_sizes_get, "ii:i"),
    B(clock_res_get, "ii:i"),
    B(clock_time_get, "iIi:i"),
    B(fd_advise, "iIIi:i"),
    B(fd_allocate, "iII:i"),
    B(fd_close, "i:i"),
    B(fd_datasync, "i:i"),
    B(fd_fdstat_get, "ii:i"),
    B(fd_fdstat_set_flags, "ii:i"),
    B(fd_fdstat_set_rights, "iII:i"),
    B(fd_filestat_get, "ii:i"),
    B(fd_filestat_set_size, "iI:i"),
    B(fd_filestat_set_times, "iIIi:i"),
    B(fd_pread, "iiiIi:i"),
    B(fd_prestat_get, "ii:i"),
    B(fd_prestat_dir_name, "iii:i"),
    B(fd_pwrite, "iiiIi:i"),
    B(fd_read, "iiii:i"),
    B(fd_readdir, "iiiIi:i"),
    B(fd_renumber, "ii:i"),
    B(fd_seek, "iIii:i"),
    B(fd_sync, "i:i"),
    B(fd_tell, "ii:i"),
    B(fd_write, "iiii:i"),
    B(path_create_directory, "iii:i"),
    B(path_filestat_get, "iiiii:i"),
    B(path_filestat_set_times, "iiiiIIi:i"),
    B(path_link, "iiiiiii:i"),
    B(path_open, "iiiiiIIii:i"),
    B(path_readlink, "iiiiii:i"),
    B(path_remove_directory, "iii:i"),
    B(path_rename, "iiiiii:i"),
    B(path_symlink, "iiiii:i"),
    B(path_unlink_file, "iii:i"),
    B(poll_oneoff, "iiii:i"),
    B(proc_exit, "i:"),
    B(proc_raise, "i:i"),
    B(sched_yield, ":i"),
    B(random_get, "ii:i"),
    B(sock_accept, "iii:i"),
    B(sock_recv, "iiiiii:i"),
    B(sock_send, "iiiii:i"),
    B(sock_shutdown, "ii:i"),
#undef B
};
#define NBINDINGS (sizeof bindings / sizeof bindings[0])

/* The binding for a name of len bytes (import names may hold NUL bytes,
 * which no binding name matches), or -1. */
static int find_binding(const char *name, size_t len)
{
    for (size_t i = 0; i < NBINDINGS; i++)
        if (strlen(bindings[i].name) == len &&
            memcmp(bindings[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

bool wasi_provides(const char *name)
{
    return find_binding(name, strlen(name)) >= 0;
}

static bool is_wasi_import(const vm_import_info *info)
{
    size_t n = strlen(WASI_MODULE_NAME);
    return info->kind == VM_EXTERN_FUNC && info->module_len == n &&
           memcmp(info->module, WASI_MODULE_NAME, n) == 0;
}

/* The set's host function for binding b, made on first use so that a
 * module importing fd_write twice shares one. */
static vm_func_t *binding_func(wasi_funcs_t *fs, int b)
{
    if (!fs->funcs && !(fs->funcs = calloc(NBINDINGS, sizeof *fs->funcs)))
        return NULL;
    if (!fs->funcs[b])
        fs->funcs[b] = vm_host_func_new(bindings[b].sig, bindings[b].fn, fs,
                                        bindings[b].name);
    return fs->funcs[b];
}

/* Fill the WASI imports of m from fs; NULL functions are made on the way
 * (only for a context's own set: a shared one has them all). */
static int link_set(wasi_funcs_t *fs, const vm_module_t *m,
                    vm_extern *imports, uint32_t nimports)
{
    int linked = 0;
    for (uint32_t i = 0; i < nimports; i++) {
        vm_import_info info;
        int b;
        if (vm_module_import(m, i, &info) != 0 || !is_wasi_import(&info))
            continue;
        if ((b = find_binding(info.name, info.name_len)) < 0)
            continue;
        imports[i].kind = VM_EXTERN_FUNC;
        if (!(imports[i].u.func = binding_func(fs, b)))
            return LUN_ENOMEM;
        linked++;
    }
    return linked;
}

int wasi_link(wasi_ctx_t *ctx, const vm_module_t *m, vm_extern *imports,
              uint32_t nimports)
{
    if (!ctx->own) {
        if (!(ctx->own = calloc(1, sizeof *ctx->own)))
            return LUN_ENOMEM;
        ctx->own->ctx = ctx;
    }
    return link_set(ctx->own, m, imports, nimports);
}

void wasi_funcs_free(wasi_funcs_t *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; fs->funcs && i < NBINDINGS; i++)
        if (fs->funcs[i])
            vm_host_func_free(fs->funcs[i]);
    free(fs->funcs);
    free(fs);
}

int wasi_funcs_new(wasi_resolve_fn resolve, wasi_funcs_t **out)
{
    wasi_funcs_t *fs = calloc(1, sizeof *fs);
    *out = NULL;
    if (!fs)
        return LUN_ENOMEM;
    fs->resolve = resolve;
    /* All made now: a shared set is then read-only, safe on any thread. */
    for (int b = 0; b < (int)NBINDINGS; b++)
        if (!binding_func(fs, b)) {
            wasi_funcs_free(fs);
            return LUN_ENOMEM;
        }
    *out = fs;
    return 0;
}

int wasi_link_funcs(const wasi_funcs_t *fs, const vm_module_t *m,
                    vm_extern *imports, uint32_t nimports)
{
    return link_set((wasi_funcs_t *)fs, m, imports, nimports);
}
