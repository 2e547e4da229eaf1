/* spectest_host.c: the "spectest" host module of the spec-test runner, as
 * the wg-2.0 suite expects it (see spectest_host.h). */
#include "common/lun_prefix.h"

#include "tools/spectest_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The print functions: name and vm_host_func_new() signature. */
static const struct {
    const char *name, *sig;
} print_funcs[] = {
    {"print", ":"},          {"print_i32", "i:"},     {"print_i64", "I:"},
    {"print_f32", "f:"},     {"print_f64", "F:"},     {"print_i32_f32", "if:"},
    {"print_f64_f64", "FF:"},
};
#define NPRINT (sizeof print_funcs / sizeof print_funcs[0])

/* What a print function needs to know when it runs. */
typedef struct print_ctx {
    const char *name, *sig;
    const bool *verbose;
} print_ctx;

struct spectest_host {
    print_ctx ctx[NPRINT];
    vm_func_t *funcs[NPRINT];
    vm_global_t *global_i32, *global_i64, *global_f32, *global_f64;
    vm_table_t *table;
    vm_memory_t *memory;
};

static vm_status host_print(vm_exec_t *ex, vm_slot *args, void *ud)
{
    const print_ctx *ctx = ud;
    (void)ex;
    if (!*ctx->verbose)
        return VM_OK;
    printf("spectest.%s(", ctx->name);
    for (size_t i = 0; ctx->sig[i] != ':'; i++) {
        const char *sep = i > 0 ? ", " : "";
        switch (ctx->sig[i]) {
        case 'i': printf("%s%" PRId32 " : i32", sep, args[i].i32); break;
        case 'I': printf("%s%" PRId64 " : i64", sep, args[i].i64); break;
        case 'f': printf("%s%g : f32", sep, (double)args[i].f32); break;
        default: printf("%s%g : f64", sep, args[i].f64); break;
        }
    }
    printf(")\n");
    return VM_OK;
}

static bool make_globals(spectest_host *h)
{
    vm_value v;
    v.u64 = 0;
    v.i32 = 666;
    h->global_i32 = vm_global_new(VM_I32, false, v);
    v.i64 = 666;
    h->global_i64 = vm_global_new(VM_I64, false, v);
    v.u64 = 0;
    v.f32 = 666.6f;
    h->global_f32 = vm_global_new(VM_F32, false, v);
    v.f64 = 666.6;
    h->global_f64 = vm_global_new(VM_F64, false, v);
    return h->global_i32 != NULL && h->global_i64 != NULL &&
           h->global_f32 != NULL && h->global_f64 != NULL;
}

spectest_host *spectest_host_new(const bool *verbose)
{
    spectest_host *h = calloc(1, sizeof *h);
    bool ok;
    if (h == NULL)
        return NULL;
    ok = make_globals(h);
    for (size_t i = 0; i < NPRINT; i++) {
        h->ctx[i].name = print_funcs[i].name;
        h->ctx[i].sig = print_funcs[i].sig;
        h->ctx[i].verbose = verbose;
        h->funcs[i] = vm_host_func_new(print_funcs[i].sig, host_print,
                                       &h->ctx[i], print_funcs[i].name);
        ok = ok && h->funcs[i] != NULL;
    }
    h->table = vm_table_new(VM_FUNCREF, 10, 20, true);
    h->memory = vm_memory_new(1, 2, true);
    if (!ok || h->table == NULL || h->memory == NULL) {
        spectest_host_free(h);
        return NULL;
    }
    return h;
}

void spectest_host_free(spectest_host *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < NPRINT; i++)
        if (h->funcs[i] != NULL)
            vm_host_func_free(h->funcs[i]);
    if (h->global_i32 != NULL)
        vm_global_free(h->global_i32);
    if (h->global_i64 != NULL)
        vm_global_free(h->global_i64);
    if (h->global_f32 != NULL)
        vm_global_free(h->global_f32);
    if (h->global_f64 != NULL)
        vm_global_free(h->global_f64);
    if (h->table != NULL)
        vm_table_free(h->table);
    if (h->memory != NULL)
        vm_memory_free(h->memory);
    free(h);
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

int spectest_host_export(const spectest_host *h, const char *name,
                         size_t len, vm_extern *out)
{
    for (size_t i = 0; i < NPRINT; i++) {
        if (name_is(name, len, print_funcs[i].name)) {
            out->kind = VM_EXTERN_FUNC;
            out->u.func = h->funcs[i];
            return 0;
        }
    }
    out->kind = VM_EXTERN_GLOBAL;
    if (name_is(name, len, "global_i32"))
        out->u.global = h->global_i32;
    else if (name_is(name, len, "global_i64"))
        out->u.global = h->global_i64;
    else if (name_is(name, len, "global_f32"))
        out->u.global = h->global_f32;
    else if (name_is(name, len, "global_f64"))
        out->u.global = h->global_f64;
    else if (name_is(name, len, "table"))
        *out = (vm_extern){.kind = VM_EXTERN_TABLE, .u.table = h->table};
    else if (name_is(name, len, "memory"))
        *out = (vm_extern){.kind = VM_EXTERN_MEMORY, .u.memory = h->memory};
    else
        return LUN_ENOTFOUND;
    return 0;
}
