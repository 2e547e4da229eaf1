/* fuzz_exec.c: libFuzzer entry point for load, link, instantiate and run
 * (vm/vm.h). Every import gets a dummy of its kind and type; the start
 * function and every exported function then run with zero arguments. */
#include "common/lun_prefix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET 100000  /* reductions per vm_run() */
#define FUZZ_RESUMES 4      /* vm_run() calls per function, at most */
#define FUZZ_MAX_PAGES 256  /* 16 MiB: keeps memory.grow and ASan cheap */
#define FUZZ_MAX_TABLE 100000
#define FUZZ_MAX_ARGS 1000

/* Small limits so that deep recursion ends fast. */
static const vm_config fuzz_config = {
    .max_memory_pages = FUZZ_MAX_PAGES, .stack_slots = 1 << 16, .max_call_depth = 1000};

/* The dummies made for one instance's imports, freed after it. */
typedef struct dummies {
    vm_extern *ext;
    uint32_t count;
} dummies;

/* A dummy host function: results are zeros. ud holds the result slots
 * (two per v128). */
static vm_status return_zeros(vm_exec_t *ex, vm_slot *args, void *ud)
{
    (void)ex;
    memset(args, 0, (size_t)(uintptr_t)ud * sizeof *args);
    return VM_OK;
}

/* {===== parsing vm_import_info.type_text */

/* The type_text grammar assumed here (vm.h gives only examples):
 *   "func (P...) -> (R...)"  "memory MIN[..MAX]"  "table T MIN[..MAX]"
 *   "global [mut] T"
 * Parsing is lenient: tokens are found by their shape, not position. */
static char sig_letter(const char *t, size_t n)
{
    static const struct {
        const char *name;
        char letter;
    } types[] = {{"i32", 'i'}, {"i64", 'I'},     {"f32", 'f'},
                 {"f64", 'F'}, {"v128", 'v'},    {"funcref", 'r'},
                 {"externref", 'e'}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == n && memcmp(types[i].name, t, n) == 0)
            return types[i].letter;
    return 0;
}

/* "func (i32 i32) -> (i64)" to "ii:I"; false for types with no letter. */
static bool func_signature(const char *text, char *sig, size_t cap,
                           uintptr_t *nresults)
{
    size_t n = 0;
    bool results = false;
    *nresults = 0;
    const char *s = text + (strncmp(text, "func", 4) == 0 ? 4 : 0);
    while (*s != '\0') {
        size_t len = strcspn(s, " ()->,");
        if (len == 0) {
            if (s[0] == '-' && s[1] == '>') {
                if (n + 1 >= cap || results)
                    return false;
                sig[n++] = ':';
                results = true;
            }
            s++;
            continue;
        }
        char c = sig_letter(s, len);
        if (c == 0 || n + 1 >= cap)
            return false;
        sig[n++] = c;
        *nresults += results ? (c == 'v' ? 2 : 1) : 0; /* in slots */
        s += len;
    }
    if (!results)
        sig[n++] = ':';
    sig[n] = '\0';
    return true;
}

/* "MIN" or "MIN..MAX" somewhere in text. */
static bool parse_limits(const char *text, uint64_t *min, uint64_t *max,
                         bool *has_max)
{
    const char *s = text + strcspn(text, "0123456789");
    char *end;
    if (*s == '\0')
        return false;
    *min = strtoull(s, &end, 10);
    *has_max = strncmp(end, "..", 2) == 0;
    *max = *has_max ? strtoull(end + 2, NULL, 10) : 0;
    return true;
}

static bool value_type(const char *text, vm_valtype *out)
{
    static const struct {
        const char *name;
        vm_valtype type;
    } types[] = {{"i32", VM_I32},         {"i64", VM_I64},
                 {"f32", VM_F32},         {"f64", VM_F64},
                 {"v128", VM_V128},       {"funcref", VM_FUNCREF},
                 {"externref", VM_EXTERNREF}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strstr(text, types[i].name) != NULL) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

/* }===== */

/* A dummy matching import i, or false if none can be made (cheaply). */
static bool make_dummy(const vm_import_info *info, vm_extern *out)
{
    const char *t = info->type_text ? info->type_text : "";
    uint64_t min, max;
    bool has_max;
    vm_valtype type;
    char sig[64];
    uintptr_t nres;
    out->kind = info->kind;
    switch (info->kind) {
    case VM_EXTERN_FUNC:
        if (!func_signature(t, sig, sizeof sig, &nres))
            return false;
        out->u.func = vm_host_func_new(sig, return_zeros, (void *)nres,
                                       info->name);
        return out->u.func != NULL;
    case VM_EXTERN_MEMORY:
        if (!parse_limits(t, &min, &max, &has_max) || min > FUZZ_MAX_PAGES)
            return false;
        out->u.memory = vm_memory_new((uint32_t)min,
                                      has_max ? (uint32_t)max : 0, has_max);
        return out->u.memory != NULL;
    case VM_EXTERN_TABLE:
        if (!parse_limits(t, &min, &max, &has_max) ||
            min > FUZZ_MAX_TABLE || !value_type(t, &type))
            return false;
        out->u.table = vm_table_new(type, (uint32_t)min,
                                    has_max ? (uint32_t)max : 0, has_max);
        return out->u.table != NULL;
    case VM_EXTERN_GLOBAL:
        if (!value_type(t, &type))
            return false;
        out->u.global = vm_global_new(type, strstr(t, "mut") != NULL,
                                      (vm_value){.u64 = 0});
        return out->u.global != NULL;
    }
    return false;
}

static void free_dummies(dummies *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        vm_extern *e = &d->ext[i];
        switch (e->kind) {
        case VM_EXTERN_FUNC: vm_host_func_free(e->u.func); break;
        case VM_EXTERN_MEMORY: vm_memory_free(e->u.memory); break;
        case VM_EXTERN_TABLE: vm_table_free(e->u.table); break;
        case VM_EXTERN_GLOBAL: vm_global_free(e->u.global); break;
        }
    }
    free(d->ext);
    d->ext = NULL;
    d->count = 0;
}

static bool make_dummies(const vm_module_t *m, dummies *d)
{
    uint32_t n = vm_module_import_count(m);
    d->count = 0;
    d->ext = calloc(n ? n : 1, sizeof *d->ext);
    if (d->ext == NULL)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        if (vm_module_import(m, i, &info) != 0 ||
            !make_dummy(&info, &d->ext[i]))
            return false;
        d->count++; /* only made ones are freed */
    }
    return true;
}

/* Run f with zero arguments for a bounded time. An exec left mid-call
 * cannot take another call, so it is then replaced. */
static void run_briefly(vm_exec_t **ex, vm_func_t *f)
{
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    vm_status st = VM_TRAP;
    static vm_value zeros[FUZZ_MAX_ARGS];
    if (*ex == NULL)
        return;
    vm_func_type(f, &nparams, &params, &nresults, &results);
    if (nparams > FUZZ_MAX_ARGS || vm_exec_call(*ex, f, zeros, nparams) != 0)
        return;
    for (int i = 0; i < FUZZ_RESUMES; i++)
        if ((st = vm_run(*ex, FUZZ_BUDGET)) != VM_YIELD &&
            st != VM_BLOCK)
            break;
    if (st == VM_YIELD || st == VM_BLOCK) {
        vm_exec_free(*ex);
        *ex = vm_exec_new(&fuzz_config);
    }
}

static void run_exports(vm_instance_t *inst, vm_exec_t **ex)
{
    vm_module_t *m = vm_instance_module(inst);
    uint32_t n = vm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        vm_extern ext;
        if (vm_module_export(m, i, &info) != 0 ||
            info.kind != VM_EXTERN_FUNC ||
            vm_instance_export(inst, info.name, info.name_len, &ext) != 0 ||
            ext.kind != VM_EXTERN_FUNC)
            continue;
        run_briefly(ex, ext.u.func);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vm_module_t *m = NULL;
    vm_instance_t *inst = NULL;
    dummies d = {NULL, 0};
    if (vm_module_load(data, size, &fuzz_config, &m, NULL, 0) != 0)
        return 0;
    if (make_dummies(m, &d) &&
        vm_instance_new(m, d.ext, d.count, &fuzz_config, &inst, NULL, 0) ==
            0) {
        vm_exec_t *ex = vm_exec_new(&fuzz_config);
        vm_func_t *start = vm_instance_start_func(inst);
        if (start != NULL)
            run_briefly(&ex, start);
        run_exports(inst, &ex);
        if (ex != NULL)
            vm_exec_free(ex);
    }
    if (inst != NULL)
        vm_instance_free(inst);
    free_dummies(&d);
    vm_module_free(m);
    return 0;
}
