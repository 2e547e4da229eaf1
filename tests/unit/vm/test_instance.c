/* test_instance.c: unit tests of vm/instance.c: host objects, import
 * checks, segment initialisation, exports. Most modules are built by hand
 * (white-box); the vm_instance_load suite goes through vm_module_load. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdlib.h>
#include <string.h>

#include "vm/vm_int.h"

/* Criterion's eq(str, ...) wants char *, which -Wwrite-strings forbids. */
#define EXPECT_STR(got, want)                                             \
    cr_expect(strcmp((got), (want)) == 0, "got \"%s\", want \"%s\"", \
              (got), (want))

TestSuite(vm_host, .timeout = 10);
TestSuite(vm_instance, .timeout = 10);
TestSuite(vm_instance_load, .timeout = 10);

static vm_status nop_fn(vm_exec_t *ex, vm_slot *args, void *ud)
{
    (void)ex, (void)args, (void)ud;
    return VM_OK;
}

/* {===== host objects */

Test(vm_host, func_signature_parsed)
{
    int ud;
    vm_func_t *f = vm_host_func_new("iIfF:re", nop_fn, &ud, "h");
    cr_assert(not(eq(ptr, f, NULL)));
    uint32_t np, nr;
    const uint8_t *p, *r;
    vm_func_type(f, &np, &p, &nr, &r);
    cr_expect(eq(u32, np, 4));
    cr_expect(eq(u32, nr, 2));
    uint8_t want_p[] = {VM_I32, VM_I64, VM_F32, VM_F64};
    uint8_t want_r[] = {VM_FUNCREF, VM_EXTERNREF};
    cr_expect(eq(int, memcmp(p, want_p, 4), 0));
    cr_expect(eq(int, memcmp(r, want_r, 2), 0));
    EXPECT_STR(f->name, "h");
    cr_expect(eq(ptr, f->host_ud, &ud));
    cr_expect(eq(ptr, f->inst, NULL));
    vm_host_func_free(f);
}

Test(vm_host, empty_signature_and_no_name)
{
    vm_func_t *f = vm_host_func_new(":", nop_fn, NULL, NULL);
    cr_assert(not(eq(ptr, f, NULL)));
    cr_expect(eq(u32, f->type->nparams, 0));
    cr_expect(eq(u32, f->type->nresults, 0));
    cr_expect(eq(ptr, (void *)f->name, NULL));
    vm_host_func_free(f);
}

Test(vm_host, bad_signatures_rejected)
{
    const char *bad[] = {"", "ii", "i:i:i", "x:", ":V", "i :i", "::"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect(eq(ptr, vm_host_func_new(bad[i], nop_fn, NULL, NULL), NULL),
                  "signature \"%s\"", bad[i]);
    cr_expect(eq(ptr, vm_host_func_new(NULL, nop_fn, NULL, NULL), NULL));
    cr_expect(eq(ptr, vm_host_func_new("i:", NULL, NULL, NULL), NULL));
}

Test(vm_host, global_get_returns_the_value)
{
    vm_value v = {.i64 = -5};
    vm_global_t *g = vm_global_new(VM_I64, true, v);
    cr_assert(not(eq(ptr, g, NULL)));
    cr_expect(eq(i64, vm_global_get(g).i64, -5));
    cr_expect(g->mut);
    vm_global_free(g);
    vm_value w;
    for (int i = 0; i < 16; i++) w.v128[i] = (uint8_t)(i * 17);
    g = vm_global_new(VM_V128, false, w);
    cr_assert(not(eq(ptr, g, NULL)));
    cr_expect(eq(int, memcmp(vm_global_get(g).v128, w.v128, 16), 0));
    vm_global_free(g);
    cr_expect(eq(ptr, vm_global_new((vm_valtype)0x7a, false, v), NULL));
}

/* }===== */
/* {===== hand-built modules */

static uint8_t T_I32[] = {VM_I32};
static uint8_t T_I64[] = {VM_I64};
static vm_functype FT_I_I = {1, 1, T_I32, T_I32};
static vm_functype FT_V_I = {0, 1, NULL, T_I32};
static vm_functype FT_V_I64 = {0, 1, NULL, T_I64};

/* Constant expressions (validated form: instructions then end). */
static const uint8_t CE_I32_0[] = {0x41, 0x00, 0x0b};
static const uint8_t CE_I32_2[] = {0x41, 0x02, 0x0b};
static const uint8_t CE_I32_8[] = {0x41, 0x08, 0x0b};
static const uint8_t CE_I32_M1[] = {0x41, 0x7f, 0x0b}; /* -1: 0xffffffff */
static const uint8_t CE_GET_0[] = {0x23, 0x00, 0x0b};
static const uint8_t CE_REF_FUNC_1[] = {0xd2, 0x01, 0x0b};
static const uint8_t CE_I64_BIG[] = {0x42, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b};
static const uint8_t CE_F32_NAN[] = {0x43, 0x01, 0x00, 0xc0, 0x7f, 0x0b};

#define CE(a) ((vm_constexpr){.code = (a), .len = sizeof(a)})

/* Room for a small module; tests fill in the counts they need. */
typedef struct mod {
    vm_module_t m;
    vm_import imports[4];
    vm_func funcs[4];
    vm_tabletype tables[2];
    vm_limits mems[1];
    vm_global_def globals[6];
    vm_export exports[4];
    vm_elem elems[3];
    vm_elem_item items[8];
    vm_data datas[3];
    vm_functype types[3];
} mod;

static mod *mod_new(void)
{
    mod *d = calloc(1, sizeof *d);
    vm_module_t *m = &d->m;
    d->types[0] = FT_I_I;
    d->types[1] = FT_V_I;
    d->types[2] = FT_V_I64;
    m->types = d->types;
    m->ntypes = 3;
    m->imports = d->imports;
    m->funcs = d->funcs;
    m->tables = d->tables;
    m->mems = d->mems;
    m->globals = d->globals;
    m->exports = d->exports;
    m->elems = d->elems;
    m->datas = d->datas;
    return d;
}

static void add_import(mod *d, const char *module, const char *name,
                       uint8_t kind)
{
    vm_import *imp = &d->imports[d->m.nimports++];
    imp->module = (char *)module;
    imp->module_len = (uint32_t)strlen(module);
    imp->name = (char *)name;
    imp->name_len = (uint32_t)strlen(name);
    imp->kind = kind;
}

static uint32_t add_func(mod *d, uint32_t type_idx)
{
    d->funcs[d->m.nfuncs].type_idx = type_idx;
    d->funcs[d->m.nfuncs].type = &d->types[type_idx];
    return d->m.nfuncs++;
}

static void import_func(mod *d, const char *name, uint32_t type_idx)
{
    add_import(d, "env", name, VM_EXTERN_FUNC);
    d->imports[d->m.nimports - 1].u.type_idx = type_idx;
    add_func(d, type_idx);
    d->m.nfunc_imports++;
}

static void import_table(mod *d, vm_tabletype tt)
{
    add_import(d, "env", "tab", VM_EXTERN_TABLE);
    d->imports[d->m.nimports - 1].u.table = tt;
    d->tables[d->m.ntables++] = tt;
    d->m.ntable_imports++;
}

static void import_memory(mod *d, vm_limits lim)
{
    add_import(d, "env", "mem", VM_EXTERN_MEMORY);
    d->imports[d->m.nimports - 1].u.mem = lim;
    d->mems[d->m.nmems++] = lim;
    d->m.nmem_imports++;
}

static void import_global(mod *d, vm_globaltype gt)
{
    add_import(d, "env", "g", VM_EXTERN_GLOBAL);
    d->imports[d->m.nimports - 1].u.global = gt;
    d->globals[d->m.nglobals++].type = gt;
    d->m.nglobal_imports++;
}

static void add_export(mod *d, const char *name, uint32_t len, uint8_t kind,
                       uint32_t index)
{
    d->exports[d->m.nexports++] = (vm_export){(char *)name, len, kind, index};
}

static void add_data(mod *d, const uint8_t *offset, uint32_t offset_len,
                     const char *bytes)
{
    d->datas[d->m.ndatas++] = (vm_data){
        VM_SEG_ACTIVE, 0, {.code = offset, .len = offset_len}, (const uint8_t *)bytes,
        (uint32_t)strlen(bytes)};
}

static vm_extern ext_func(vm_func_t *f)
{
    vm_extern e = {.kind = VM_EXTERN_FUNC, .u.func = f};
    return e;
}
static vm_extern ext_table(vm_table_t *t)
{
    vm_extern e = {.kind = VM_EXTERN_TABLE, .u.table = t};
    return e;
}
static vm_extern ext_memory(vm_memory_t *mem)
{
    vm_extern e = {.kind = VM_EXTERN_MEMORY, .u.memory = mem};
    return e;
}
static vm_extern ext_global(vm_global_t *g)
{
    vm_extern e = {.kind = VM_EXTERN_GLOBAL, .u.global = g};
    return e;
}

static int instantiate(mod *d, const vm_extern *imports, uint32_t n,
                       vm_instance_t **out, char *err)
{
    return vm_instance_new(&d->m, imports, n, NULL, out, err, 256);
}

Test(vm_instance, empty_module)
{
    mod *d = mod_new();
    vm_instance_t *inst = NULL;
    char err[256];
    cr_assert(eq(int, instantiate(d, NULL, 0, &inst, err), 0));
    cr_expect(eq(ptr, vm_instance_memory(inst), NULL));
    cr_expect(eq(ptr, vm_instance_start_func(inst), NULL));
    cr_expect(eq(ptr, vm_instance_module(inst), &d->m));
    vm_extern e;
    cr_expect(eq(int, vm_instance_export(inst, "x", 1, &e), LUN_ENOTFOUND));
    vm_instance_free(inst);
    free(d);
}

Test(vm_instance, import_count_must_match)
{
    mod *d = mod_new();
    import_func(d, "f", 0);
    vm_instance_t *inst = (vm_instance_t *)1;
    char err[256];
    cr_expect(eq(int, instantiate(d, NULL, 0, &inst, err), LUN_EINVAL));
    cr_expect(eq(ptr, inst, NULL));
    free(d);
}

Test(vm_instance, func_import_type_checked)
{
    mod *d = mod_new();
    import_func(d, "f", 0);
    vm_func_t *good = vm_host_func_new("i:i", nop_fn, NULL, NULL);
    vm_func_t *bad = vm_host_func_new("i:", nop_fn, NULL, NULL);
    vm_instance_t *inst;
    char err[256];
    vm_extern imp = ext_func(bad);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    cr_expect(eq(ptr, inst, NULL));
    EXPECT_STR(err,
                 "import \"env\" \"f\": module expects func "
                 "(i32) -> (i32), host provides func (i32) -> ()");
    imp = ext_func(good);
    cr_assert(eq(int, instantiate(d, &imp, 1, &inst, err), 0));
    cr_expect(eq(ptr, vm__funcinst(inst, 0), good));
    vm_instance_free(inst);
    vm_host_func_free(good);
    vm_host_func_free(bad);
    free(d);
}

Test(vm_instance, import_kind_checked)
{
    mod *d = mod_new();
    import_func(d, "f", 0);
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    vm_instance_t *inst;
    char err[256];
    vm_extern imp = ext_memory(mem);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    cr_expect(not(eq(ptr, strstr(err, "host provides memory 1"), NULL)), "%s", err);
    vm_memory_free(mem);
    free(d);
}

/* Spec "Limits" matching, with the object's current size as its min. */
Test(vm_instance, table_import_limits_match)
{
    mod *d = mod_new();
    import_table(d, (vm_tabletype){VM_FUNCREF, {10, 20, true}});
    struct { uint32_t min, max; bool has_max; uint8_t et; int rc; } cases[] = {
        {5, 20, true, VM_FUNCREF, LUN_EUNLINKABLE},
        {10, 0, false, VM_FUNCREF, LUN_EUNLINKABLE},
        {10, 20, true, VM_FUNCREF, 0},
        {15, 15, true, VM_FUNCREF, 0},
        {10, 30, true, VM_FUNCREF, LUN_EUNLINKABLE},
        {10, 20, true, VM_EXTERNREF, LUN_EUNLINKABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vm_table_t *t = vm_table_new(cases[i].et, cases[i].min, cases[i].max,
                                     cases[i].has_max);
        vm_extern imp = ext_table(t);
        vm_instance_t *inst;
        char err[256];
        cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), cases[i].rc),
                  "case %zu: %s", i, err);
        vm_instance_free(inst);
        vm_table_free(t);
    }
    free(d);
}

Test(vm_instance, memory_import_uses_current_size)
{
    mod *d = mod_new();
    import_memory(d, (vm_limits){2, 0, false});
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    vm_extern imp = ext_memory(mem);
    vm_instance_t *inst;
    char err[256];
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    EXPECT_STR(err,
                 "import \"env\" \"mem\": module expects memory 2, "
                 "host provides memory 1");
    cr_assert(eq(i32, vm__memory_grow(mem, 1, 0), 1));
    cr_assert(eq(int, instantiate(d, &imp, 1, &inst, err), 0));
    cr_expect(eq(ptr, vm_instance_memory(inst), mem));
    vm_instance_free(inst);
    vm_memory_free(mem);
    free(d);
}

Test(vm_instance, memory_import_max_checked)
{
    mod *d = mod_new();
    import_memory(d, (vm_limits){1, 2, true});
    vm_memory_t *nomax = vm_memory_new(1, 0, false);
    vm_memory_t *big = vm_memory_new(1, 3, true);
    vm_memory_t *ok = vm_memory_new(2, 2, true);
    vm_instance_t *inst;
    char err[256];
    vm_extern imp = ext_memory(nomax);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    imp = ext_memory(big);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    cr_expect(not(eq(ptr, strstr(err, "module expects memory 1..2, host provides memory 1..3"),
                     NULL)), "%s", err);
    imp = ext_memory(ok);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), 0));
    vm_instance_free(inst);
    vm_memory_free(nomax);
    vm_memory_free(big);
    vm_memory_free(ok);
    free(d);
}

Test(vm_instance, global_import_type_and_mutability_checked)
{
    mod *d = mod_new();
    import_global(d, (vm_globaltype){VM_I32, false});
    vm_value v = {.i32 = 42};
    vm_global_t *mut = vm_global_new(VM_I32, true, v);
    vm_global_t *i64 = vm_global_new(VM_I64, false, v);
    vm_global_t *ok = vm_global_new(VM_I32, false, v);
    vm_instance_t *inst;
    char err[256];
    vm_extern imp = ext_global(mut);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    cr_expect(not(eq(ptr, strstr(err, "module expects global i32, "
                                      "host provides global mut i32"),
                         NULL)), "%s", err);
    imp = ext_global(i64);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_EUNLINKABLE));
    imp = ext_global(ok);
    cr_expect(eq(int, instantiate(d, &imp, 1, &inst, err), 0));
    vm_instance_free(inst);
    vm_global_free(mut);
    vm_global_free(i64);
    vm_global_free(ok);
    free(d);
}

Test(vm_instance, globals_evaluated_in_order)
{
    mod *d = mod_new();
    import_global(d, (vm_globaltype){VM_I32, false});
    add_func(d, 1);
    add_func(d, 1);
    d->globals[d->m.nglobals++] =
        (vm_global_def){{VM_I32, true}, CE(CE_GET_0)};
    d->globals[d->m.nglobals++] =
        (vm_global_def){{VM_FUNCREF, false}, CE(CE_REF_FUNC_1)};
    d->globals[d->m.nglobals++] =
        (vm_global_def){{VM_I64, false}, CE(CE_I64_BIG)};
    d->globals[d->m.nglobals++] =
        (vm_global_def){{VM_F32, false}, CE(CE_F32_NAN)};
    add_export(d, "g1", 2, VM_EXTERN_GLOBAL, 1);
    vm_global_t *g = vm_global_new(VM_I32, false, (vm_value){.i32 = 9});
    vm_extern imp = ext_global(g);
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, &imp, 1, &inst, err), 0), "%s", err);
    vm_extern e;
    cr_assert(eq(int, vm_instance_export(inst, "g1", 2, &e), 0));
    cr_expect(eq(int, e.kind, VM_EXTERN_GLOBAL));
    cr_expect(eq(i32, vm_global_get(e.u.global).i32, 9));
    cr_expect(e.u.global->mut);
    cr_expect(eq(u64, inst->globals[2]->val.ref,
                 (uint64_t)(uintptr_t)vm__funcinst(inst, 1)));
    cr_expect(eq(ptr, vm__funcinst(inst, 1)->inst, inst));
    cr_expect(eq(ptr, vm__funcinst(inst, 1)->func, &d->funcs[1]));
    cr_expect(eq(i64, inst->globals[3]->val.i64, (int64_t)1 << 32));
    uint32_t bits;
    memcpy(&bits, &inst->globals[4]->val.f32, 4);
    cr_expect(eq(u32, bits, 0x7fc00001u));
    vm_instance_free(inst);
    vm_global_free(g); /* imported: the instance must not have freed it */
    free(d);
}

Test(vm_instance, exports_found_by_length_with_nul_bytes)
{
    mod *d = mod_new();
    add_func(d, 1);
    add_func(d, 1);
    d->mems[d->m.nmems++] = (vm_limits){1, 0, false};
    d->tables[d->m.ntables++] = (vm_tabletype){VM_FUNCREF, {2, 0, false}};
    add_export(d, "a\0b", 3, VM_EXTERN_FUNC, 1);
    add_export(d, "a", 1, VM_EXTERN_FUNC, 0);
    add_export(d, "mem", 3, VM_EXTERN_MEMORY, 0);
    add_export(d, "tab", 3, VM_EXTERN_TABLE, 0);
    d->m.has_start = true;
    d->m.start = 1;
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, NULL, 0, &inst, err), 0), "%s", err);
    vm_extern e;
    cr_assert(eq(int, vm_instance_export(inst, "a\0b", 3, &e), 0));
    cr_expect(eq(ptr, e.u.func, vm__funcinst(inst, 1)));
    cr_expect(eq(ptr, vm_instance_export_func(inst, "a"), vm__funcinst(inst, 0)));
    cr_expect(eq(ptr, vm_instance_export_func(inst, "mem"), NULL));
    cr_expect(eq(int, vm_instance_export(inst, "a\0", 2, &e), LUN_ENOTFOUND));
    cr_assert(eq(int, vm_instance_export(inst, "mem", 3, &e), 0));
    cr_expect(eq(int, e.kind, VM_EXTERN_MEMORY));
    cr_expect(eq(ptr, e.u.memory, vm_instance_memory(inst)));
    cr_expect(eq(u64, e.u.memory->size, VM_PAGE_SIZE));
    cr_assert(eq(int, vm_instance_export(inst, "tab", 3, &e), 0));
    cr_expect(eq(u32, e.u.table->size, 2));
    cr_expect(eq(ptr, vm_instance_start_func(inst), vm__funcinst(inst, 1)));
    vm_instance_free(inst);
    free(d);
}

Test(vm_instance, memory_capped_by_config)
{
    mod *d = mod_new();
    d->mems[d->m.nmems++] = (vm_limits){3, 0, false};
    vm_config cfg = {.max_memory_pages = 2};
    vm_instance_t *inst;
    char err[256];
    cr_expect(eq(int, vm_instance_new(&d->m, NULL, 0, &cfg, &inst, err, 256),
                 LUN_ELIMIT));
    cr_expect(eq(ptr, inst, NULL));
    cfg.max_memory_pages = 4;
    cr_assert(eq(int, vm_instance_new(&d->m, NULL, 0, &cfg, &inst, err, 256),
                 0));
    cr_expect(eq(u32, inst->max_pages, 4));
    cr_expect(eq(i32, vm__memory_grow(inst->mem0, 2, inst->max_pages), -1));
    cr_expect(eq(i32, vm__memory_grow(inst->mem0, 1, inst->max_pages), 3));
    vm_instance_free(inst);
    free(d);
}

/* Table 0 of 4 entries gets: elem 0 at offset 2 = {f1, null}; elem 1
 * passive; elem 2 declarative. */
static void add_elems(mod *d, const uint8_t *second_offset, uint32_t len)
{
    d->items[0] = (vm_elem_item){VM_ITEM_FUNC, 1};
    d->items[1] = (vm_elem_item){VM_ITEM_NULL, 0};
    d->items[2] = (vm_elem_item){VM_ITEM_FUNC, 0};
    d->elems[0] = (vm_elem){VM_SEG_ACTIVE, VM_FUNCREF, 0, CE(CE_I32_2), 2,
                            &d->items[0]};
    d->elems[1] = (vm_elem){VM_SEG_PASSIVE, VM_FUNCREF, 0, {.code = NULL}, 1,
                            &d->items[2]};
    d->elems[2] = (vm_elem){VM_SEG_DECLARATIVE, VM_FUNCREF, 0, {.code = NULL},
                            1, &d->items[2]};
    d->m.nelems = 3;
    if (second_offset) {
        d->elems[1].mode = VM_SEG_ACTIVE;
        d->elems[1].offset = (vm_constexpr){.code = second_offset, .len = len};
    }
}

Test(vm_instance, element_segments_applied_and_dropped)
{
    mod *d = mod_new();
    add_func(d, 1);
    add_func(d, 1);
    d->tables[d->m.ntables++] = (vm_tabletype){VM_FUNCREF, {4, 0, false}};
    add_elems(d, NULL, 0);
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, NULL, 0, &inst, err), 0), "%s", err);
    vm_table_t *t = inst->tables[0];
    cr_expect(eq(u64, t->elems[1], 0));
    cr_expect(eq(u64, t->elems[2], (uint64_t)(uintptr_t)vm__funcinst(inst, 1)));
    cr_expect(eq(u64, t->elems[3], 0));
    cr_expect(eq(u8, inst->elem_dropped[0], 1));
    cr_expect(eq(u8, inst->elem_dropped[1], 0));
    cr_expect(eq(u8, inst->elem_dropped[2], 1));
    /* The passive segment still works at run time. */
    cr_expect(eq(int, vm__table_init(inst, 0, 1, 0, 0, 1), VM_TRAP_NONE));
    cr_expect(eq(u64, t->elems[0], (uint64_t)(uintptr_t)vm__funcinst(inst, 0)));
    vm_instance_free(inst);
    free(d);
}

/* linking.wast: a trapping segment leaves the earlier ones' writes in an
 * imported table, and the instance stays alive for those functions. */
Test(vm_instance, out_of_bounds_elem_keeps_earlier_writes)
{
    mod *d = mod_new();
    import_table(d, (vm_tabletype){VM_FUNCREF, {4, 0, false}});
    add_func(d, 1);
    add_func(d, 1);
    add_elems(d, CE_I32_M1, sizeof CE_I32_M1);
    vm_table_t *t = vm_table_new(VM_FUNCREF, 4, 0, false);
    vm_extern imp = ext_table(t);
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_ETRAP));
    EXPECT_STR(err, "out of bounds table access");
    cr_assert(not(eq(ptr, inst, NULL)));
    cr_expect(eq(u64, t->elems[2], (uint64_t)(uintptr_t)vm__funcinst(inst, 1)));
    cr_expect(eq(ptr, vm__funcinst(inst, 1)->inst, inst));
    vm_instance_free(inst);
    vm_table_free(t);
    free(d);
}

Test(vm_instance, data_segments_written_in_order)
{
    mod *d = mod_new();
    d->mems[d->m.nmems++] = (vm_limits){1, 0, false};
    add_data(d, CE_I32_0, sizeof CE_I32_0, "abcd");
    add_data(d, CE_I32_2, sizeof CE_I32_2, "XY");
    d->datas[d->m.ndatas++] = (vm_data){VM_SEG_PASSIVE, 0, {.code = NULL},
                                        (const uint8_t *)"pp", 2};
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, NULL, 0, &inst, err), 0), "%s", err);
    uint64_t size;
    uint8_t *mem = vm_memory_data(vm_instance_memory(inst), &size);
    cr_expect(eq(int, memcmp(mem, "abXY\0", 5), 0));
    cr_expect(eq(u8, inst->data_dropped[0], 1));
    cr_expect(eq(u8, inst->data_dropped[2], 0));
    cr_expect(eq(int, vm__memory_init(inst, 2, 8, 0, 2), VM_TRAP_NONE));
    cr_expect(eq(int, memcmp(mem + 8, "pp", 2), 0));
    vm_instance_free(inst);
    free(d);
}

Test(vm_instance, out_of_bounds_data_keeps_earlier_writes)
{
    mod *d = mod_new();
    import_memory(d, (vm_limits){1, 0, false});
    add_data(d, CE_I32_0, sizeof CE_I32_0, "abc");
    /* Partially out of bounds at the end of the memory: none of it lands. */
    static const uint8_t at_end[] = {0x41, 0xfe, 0xff, 0x03, 0x0b}; /* 65534 */
    add_data(d, at_end, sizeof at_end, "zzz");
    add_data(d, CE_I32_8, sizeof CE_I32_8, "never");
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    vm_extern imp = ext_memory(mem);
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, instantiate(d, &imp, 1, &inst, err), LUN_ETRAP));
    EXPECT_STR(err, "out of bounds memory access");
    cr_expect(eq(int, memcmp(mem->data, "abc", 3), 0));
    cr_expect(eq(u8, mem->data[65534], 0));
    cr_expect(eq(u8, mem->data[8], 0));
    vm_instance_free(inst);
    cr_expect(eq(u8, mem->data[0], 'a')); /* imported: still alive */
    vm_memory_free(mem);
    free(d);
}

Test(vm_instance, data_segment_on_zero_page_memory)
{
    mod *d = mod_new();
    d->mems[d->m.nmems++] = (vm_limits){0, 0, false};
    d->datas[d->m.ndatas++] = (vm_data){VM_SEG_ACTIVE, 0, CE(CE_I32_0),
                                        (const uint8_t *)"", 0};
    vm_instance_t *inst;
    char err[256];
    cr_expect(eq(int, instantiate(d, NULL, 0, &inst, err), 0), "%s", err);
    cr_expect(eq(ptr, inst->mem0->data, NULL));
    vm_instance_free(inst);
    d->datas[0].len = 1;
    d->datas[0].bytes = (const uint8_t *)"x";
    cr_expect(eq(int, instantiate(d, NULL, 0, &inst, err), LUN_ETRAP));
    vm_instance_free(inst);
    free(d);
}

/* }===== */
/* {===== through vm_module_load */

/* (module
 *   (import "env" "f" (func (param i32) (result i32)))
 *   (memory (export "mem") 1)
 *   (export "f" (func 0))
 *   (data (i32.const 0) "hi")) */
static const uint8_t MOD_F_MEM[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,             /* type */
    0x02, 0x09, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00, /* import */
    0x05, 0x03, 0x01, 0x00, 0x01,                               /* memory */
    0x07, 0x0b, 0x02, 0x03, 'm', 'e', 'm', 0x02, 0x00,          /* export */
    0x01, 'f', 0x00, 0x00,
    0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i',   /* data */
};

Test(vm_instance_load, imported_func_reexported_and_data_written)
{
    vm_module_t *m;
    char err[256] = "";
    cr_assert(eq(int, vm_module_load(MOD_F_MEM, sizeof MOD_F_MEM, NULL, &m,
                                     err, sizeof err), 0), "%s", err);
    vm_func_t *f = vm_host_func_new("i:i", nop_fn, NULL, "f");
    vm_extern imp = ext_func(f);
    vm_instance_t *inst;
    cr_assert(eq(int, vm_instance_new(m, &imp, 1, NULL, &inst, err,
                                      sizeof err), 0), "%s", err);
    cr_expect(eq(ptr, vm_instance_export_func(inst, "f"), f));
    uint64_t size;
    uint8_t *mem = vm_memory_data(vm_instance_memory(inst), &size);
    cr_expect(eq(u64, size, VM_PAGE_SIZE));
    cr_expect(eq(int, memcmp(mem, "hi", 2), 0));
    vm_instance_free(inst);
    vm_func_t *wrong = vm_host_func_new("I:i", nop_fn, NULL, "f");
    imp = ext_func(wrong);
    cr_expect(eq(int, vm_instance_new(m, &imp, 1, NULL, &inst, err,
                                      sizeof err), LUN_EUNLINKABLE));
    EXPECT_STR(err,
                 "import \"env\" \"f\": module expects func "
                 "(i32) -> (i32), host provides func (i64) -> (i32)");
    vm_host_func_free(wrong);
    vm_host_func_free(f);
    vm_module_free(m);
}

/* (module
 *   (table (import "env" "tab") 2 funcref)
 *   (func $f)
 *   (elem (i32.const 0) $f)
 *   (elem (i32.const 1) $f $f)) ;; out of bounds */
static const uint8_t MOD_ELEM_OOB[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                         /* type */
    0x02, 0x0d, 0x01, 0x03, 'e', 'n', 'v', 0x03, 't', 'a', 'b', /* import */
    0x01, 0x70, 0x00, 0x02,
    0x03, 0x02, 0x01, 0x00,                                     /* func */
    0x09, 0x0e, 0x02,                                           /* elem */
    0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,
    0x00, 0x41, 0x01, 0x0b, 0x02, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                         /* code */
};

Test(vm_instance_load, out_of_bounds_elem_segment_traps_after_writes)
{
    vm_module_t *m;
    char err[256] = "";
    cr_assert(eq(int, vm_module_load(MOD_ELEM_OOB, sizeof MOD_ELEM_OOB, NULL,
                                     &m, err, sizeof err), 0), "%s", err);
    vm_table_t *t = vm_table_new(VM_FUNCREF, 2, 0, false);
    vm_extern imp = ext_table(t);
    vm_instance_t *inst;
    cr_assert(eq(int, vm_instance_new(m, &imp, 1, NULL, &inst, err,
                                      sizeof err), LUN_ETRAP));
    EXPECT_STR(err, "out of bounds table access");
    cr_assert(not(eq(ptr, inst, NULL)));
    cr_expect(eq(u64, t->elems[0], (uint64_t)(uintptr_t)vm__funcinst(inst, 0)));
    cr_expect(eq(u64, t->elems[1], 0));
    vm_instance_free(inst);
    vm_table_free(t);
    vm_module_free(m);
}

/* }===== */
