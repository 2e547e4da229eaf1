/* link.c: binds the wasi_snapshot_preview1 imports of a module to this
 * layer. Each host_* adapter unpacks the wasm arguments, takes a view of
 * the caller's memory and calls the implementation in its group's file
 * (args.c, fd.c, ...); those stay free of vm/ calls so that unit tests can
 * drive them on a fake memory. Interface: wasi/wasi.h. */
#include "common/lun_prefix.h"

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

static vm_status host_args_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__args_get(ud, &mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_args_sizes_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__args_sizes_get(ud, &mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_environ_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__environ_get(ud, &mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_environ_sizes_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__environ_sizes_get(ud, &mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_clock_res_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    (void)ud;
    a[0].u32 = wasi__clock_res_get(&mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_clock_time_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    (void)ud;
    a[0].u32 = wasi__clock_time_get(&mem, a[0].u32, a[1].u64, a[2].u32);
    return VM_OK;
}

static vm_status host_fd_close(vm_exec_t *ex, vm_value *a, void *ud)
{
    (void)ex;
    a[0].u32 = wasi__fd_close(ud, a[0].u32);
    return VM_OK;
}

static vm_status host_fd_fdstat_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__fd_fdstat_get(ud, &mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_fd_seek(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__fd_seek(ud, &mem, a[0].u32, a[1].i64, a[2].u32,
                             a[3].u32);
    return VM_OK;
}

static vm_status host_fd_write(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    a[0].u32 = wasi__fd_write(ud, &mem, a[0].u32, a[1].u32, a[2].u32,
                              a[3].u32);
    return VM_OK;
}

static vm_status host_proc_exit(vm_exec_t *ex, vm_value *a, void *ud)
{
    (void)ex;
    wasi__proc_exit(ud, a[0].u32);
    return VM_DONE; /* ends the whole execution, not just this call */
}

static vm_status host_random_get(vm_exec_t *ex, vm_value *a, void *ud)
{
    wasi_mem_t mem = caller_memory(ex);
    (void)ud;
    a[0].u32 = wasi__random_get(&mem, a[0].u32, a[1].u32);
    return VM_OK;
}

static vm_status host_sched_yield(vm_exec_t *ex, vm_value *a, void *ud)
{
    (void)ex;
    a[0].u32 = wasi__sched_yield(ud);
    return VM_YIELD; /* give the rest of the time slice away */
}

/* }===== */

/* Signatures in vm_host_func_new's notation (i=i32, I=i64), from the
 * witx definitions of wasi_snapshot_preview1. */
static const struct wasi_binding {
    const char *name;
    const char *sig;
    vm_host_fn fn;
} bindings[] = {
    {"args_get", "ii:i", host_args_get},
    {"args_sizes_get", "ii:i", host_args_sizes_get},
    {"environ_get", "ii:i", host_environ_get},
    {"environ_sizes_get", "ii:i", host_environ_sizes_get},
    {"clock_res_get", "ii:i", host_clock_res_get},
    {"clock_time_get", "iIi:i", host_clock_time_get},
    {"fd_close", "i:i", host_fd_close},
    {"fd_fdstat_get", "ii:i", host_fd_fdstat_get},
    {"fd_seek", "iIii:i", host_fd_seek},
    {"fd_write", "iiii:i", host_fd_write},
    {"proc_exit", "i:", host_proc_exit},
    {"random_get", "ii:i", host_random_get},
    {"sched_yield", ":i", host_sched_yield},
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

/* The context's host function for binding b, made on first use so that a
 * module importing fd_write twice shares one. */
static vm_func_t *binding_func(wasi_ctx_t *ctx, int b)
{
    if (!ctx->funcs) {
        ctx->funcs = calloc(NBINDINGS, sizeof *ctx->funcs);
        if (!ctx->funcs)
            return NULL;
        ctx->nfuncs = NBINDINGS;
    }
    if (!ctx->funcs[b])
        ctx->funcs[b] = vm_host_func_new(bindings[b].sig, bindings[b].fn, ctx,
                                         bindings[b].name);
    return ctx->funcs[b];
}

int wasi_link(wasi_ctx_t *ctx, const vm_module_t *m, vm_extern *imports,
              uint32_t nimports)
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
        if (!(imports[i].u.func = binding_func(ctx, b)))
            return LUN_ENOMEM;
        linked++;
    }
    return linked;
}
