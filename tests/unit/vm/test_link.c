/* test_link.c: instances made through a vm_link (imports checked once,
 * shared), and planned tables: element segments applied lazily, which
 * must be indistinguishable from writing them at instantiation. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"
#include "vm/vm_int.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

static vm_status host_seven(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)ud;
    args[0].i32 = 7;
    return VM_OK;
}

static vm_module_t *mod;
static vm_func_t *seven;
static vm_link_t *link_;

static void setup(void)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/tables.wasm", FIXTURE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    static uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert(eq(int, vm_module_load(buf, len, NULL, &mod, err, sizeof err), 0),
              "%s", err);
    seven = vm_host_func_new(":i", host_seven, NULL, "seven");
    vm_extern imp = {.kind = VM_EXTERN_FUNC, .u.func = seven};
    cr_assert(eq(int, vm_link_new(mod, &imp, 1, &link_, err, sizeof err), 0),
              "%s", err);
}

static void teardown(void)
{
    vm_link_free(link_);
    vm_host_func_free(seven);
    vm_module_free(mod);
}

TestSuite(vm_link, .init = setup, .fini = teardown);

static vm_instance_t *new_inst(void)
{
    vm_instance_t *inst;
    char err[256];
    cr_assert(eq(int, vm_link_instantiate(link_, NULL, &inst, err, sizeof err),
                 0), "%s", err);
    return inst;
}

/* Runs export name of inst with args; returns the i32 result, or -100 -
 * trap kind when it traps. */
static int32_t run(vm_instance_t *inst, const char *name, int32_t a,
                   int32_t b, int32_t c)
{
    vm_exec_t *ex = vm_exec_new(NULL);
    vm_value args[3] = {{.i32 = a}, {.i32 = b}, {.i32 = c}};
    vm_func_t *f = vm_instance_export_func(inst, name);
    cr_assert(f != NULL, "no export %s", name);
    uint32_t np;
    vm_func_type(f, &np, NULL, NULL, NULL);
    cr_assert(eq(int, vm_exec_call(ex, f, args, np), 0));
    vm_status st = vm_run(ex, 1000000);
    vm_value res[1] = {{0}};
    if (st == VM_DONE) vm_exec_results(ex, res, 1);
    int32_t r = st == VM_DONE ? res[0].i32 : -100 - (int32_t)vm_exec_trap(ex);
    vm_exec_free(ex);
    return r;
}

#define TRAP_RESULT(kind) (-100 - (int32_t)VM_TRAP_##kind)

Test(vm_link, module_gets_a_plan_and_calls_resolve_lazily)
{
    cr_assert(mod->table_plans != NULL && mod->table_plans[0] != NULL);
    vm_instance_t *inst = new_inst();
    struct vm_table *t = inst->tables[0];
    cr_expect(t->plan != NULL);
    cr_expect(eq(u64, t->elems[1], 0)); /* nothing made yet */
    cr_expect(eq(i32, run(inst, "call", 1, 0, 0), 1));
    cr_expect(eq(i32, run(inst, "call", 2, 0, 0), 2));
    cr_expect(eq(i32, run(inst, "call", 3, 0, 0), 7)); /* the import */
    cr_expect(eq(i32, run(inst, "call", 5, 0, 0), 1));
    cr_expect(ne(u64, t->elems[1], 0));
    cr_expect(eq(ptr, (void *)(uintptr_t)t->elems[3], seven));
    cr_expect(eq(i32, run(inst, "call", 0, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    cr_expect(eq(i32, run(inst, "call", 4, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    cr_expect(eq(i32, run(inst, "call", 6, 0, 0), TRAP_RESULT(UNDEF_ELEM)));
    cr_expect(t->plan != NULL); /* call_indirect never materializes */
    vm_instance_free(inst);
}

Test(vm_link, a_resolved_entry_is_the_same_object_as_the_export_would_be)
{
    vm_instance_t *inst = new_inst();
    cr_expect(eq(i32, run(inst, "call", 1, 0, 0), 1));
    struct vm_table *t = inst->tables[0];
    void *one = (void *)(uintptr_t)t->elems[1];
    cr_expect(eq(i32, run(inst, "call", 5, 0, 0), 1));
    cr_expect(eq(ptr, (void *)(uintptr_t)t->elems[5], one));
    vm_instance_free(inst);
}

Test(vm_link, table_get_sees_planned_entries)
{
    vm_instance_t *inst = new_inst();
    cr_expect(eq(i32, run(inst, "get_is_null", 2, 0, 0), 0));
    cr_expect(eq(i32, run(inst, "get_is_null", 0, 0, 0), 1));
    cr_expect(eq(i32, run(inst, "get_is_null", 4, 0, 0), 1));
    cr_expect(eq(ptr, (void *)inst->tables[0]->plan, NULL));
    vm_instance_free(inst);
}

/* A null written over a planned entry must stay null. */
Test(vm_link, set_null_is_not_undone_by_the_plan)
{
    vm_instance_t *inst = new_inst();
    run(inst, "set_null", 2, 0, 0);
    cr_expect(eq(i32, run(inst, "call", 2, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    cr_expect(eq(i32, run(inst, "call", 1, 0, 0), 1));
    vm_instance_free(inst);
}

Test(vm_link, fill_copy_and_grow_see_planned_entries)
{
    vm_instance_t *inst = new_inst();
    run(inst, "fill_null", 1, 1, 0);
    cr_expect(eq(i32, run(inst, "call", 1, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    cr_expect(eq(i32, run(inst, "call", 2, 0, 0), 2));
    vm_instance_free(inst);

    inst = new_inst();
    run(inst, "copy", 0, 2, 2); /* [0] = two, [1] = seven */
    cr_expect(eq(i32, run(inst, "call", 0, 0, 0), 2));
    cr_expect(eq(i32, run(inst, "call", 1, 0, 0), 7));
    vm_instance_free(inst);

    inst = new_inst();
    cr_expect(eq(i32, run(inst, "grow", 2, 0, 0), 6));
    cr_expect(eq(i32, run(inst, "size", 0, 0, 0), 8));
    cr_expect(eq(i32, run(inst, "call", 5, 0, 0), 1));
    cr_expect(eq(i32, run(inst, "call", 7, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    vm_instance_free(inst);
}

/* An exported table is read by others directly: export materializes. */
Test(vm_link, exporting_the_table_materializes_it)
{
    vm_instance_t *inst = new_inst();
    vm_extern e;
    cr_assert(eq(int, vm_instance_export(inst, "t", 1, &e), 0));
    cr_expect(eq(ptr, (void *)e.u.table->plan, NULL));
    cr_expect(ne(u64, e.u.table->elems[1], 0));
    cr_expect(eq(u64, e.u.table->elems[0], 0));
    cr_expect(eq(ptr, (void *)(uintptr_t)e.u.table->elems[3], seven));
    vm_instance_free(inst);
}

Test(vm_link, instances_share_the_import_array_but_not_tables)
{
    vm_instance_t *a = new_inst(), *b = new_inst();
    cr_expect(eq(ptr, (void *)a->imports, (void *)b->imports));
    run(a, "set_null", 1, 0, 0);
    cr_expect(eq(i32, run(b, "call", 1, 0, 0), 1));
    cr_expect(eq(i32, run(a, "call", 1, 0, 0), TRAP_RESULT(UNINIT_ELEM)));
    vm_instance_free(a);
    vm_instance_free(b);
}

Test(vm_link, link_checks_imports_like_instance_new)
{
    vm_func_t *wrong = vm_host_func_new("i:i", host_seven, NULL, "wrong");
    vm_extern imp = {.kind = VM_EXTERN_FUNC, .u.func = wrong};
    vm_link_t *l = (vm_link_t *)1;
    char err[256];
    cr_expect(eq(int, vm_link_new(mod, &imp, 1, &l, err, sizeof err),
                 LUN_EUNLINKABLE));
    cr_expect(eq(ptr, l, NULL));
    cr_expect(ne(ptr, strstr(err, "\"host\" \"seven\""), NULL), "%s", err);
    cr_expect(eq(int, vm_link_new(mod, &imp, 0, &l, err, sizeof err),
                 LUN_EINVAL));
    vm_host_func_free(wrong);
}

/* Lone constants are decoded once, at load (vm_constexpr.is_const). */
Test(vm_link, constant_offsets_are_decoded_at_load)
{
    cr_assert(eq(u32, mod->nelems, 2));
    cr_expect(mod->elems[0].offset.is_const);
    cr_expect(eq(u32, mod->elems[0].offset.value.u32, 1));
    cr_expect(mod->elems[1].offset.is_const);
    cr_expect(eq(u32, mod->elems[1].offset.value.u32, 4));
}

static vm_status host_eight(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)ud;
    args[0].i32 = 8;
    return VM_OK;
}

/* Functions, memories, globals and tables interleaved in the imports: each
 * lands at its index in every instance made from the link. */
Test(vm_link, every_import_kind_is_linked)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/link_imports.wasm", FIXTURE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    static uint8_t buf[4096];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vm_module_t *m;
    cr_assert(eq(int, vm_module_load(buf, len, NULL, &m, err, sizeof err), 0),
              "%s", err);
    vm_func_t *eight = vm_host_func_new(":i", host_eight, NULL, "eight");
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    vm_global_t *g = vm_global_new(VM_I32, false, (vm_value){.i32 = 100});
    vm_table_t *tab = vm_table_new(VM_FUNCREF, 2, 0, false);
    uint64_t size;
    uint8_t *data = vm_memory_data(mem, &size);
    data[16] = 1000 & 0xff;
    data[17] = 1000 >> 8;
    vm_extern imp[5] = {
        {.kind = VM_EXTERN_FUNC, .u.func = seven},
        {.kind = VM_EXTERN_MEMORY, .u.memory = mem},
        {.kind = VM_EXTERN_GLOBAL, .u.global = g},
        {.kind = VM_EXTERN_FUNC, .u.func = eight},
        {.kind = VM_EXTERN_TABLE, .u.table = tab}};
    vm_link_t *l;
    cr_assert(eq(int, vm_link_new(m, imp, 5, &l, err, sizeof err), 0), "%s", err);
    for (int i = 0; i < 2; i++) {
        vm_instance_t *inst;
        cr_assert(eq(int, vm_link_instantiate(l, NULL, &inst, err, sizeof err), 0),
                  "%s", err);
        cr_expect(eq(i32, run(inst, "sum", 0, 0, 0), 7 + 8 + 100 + 1000));
        cr_expect(eq(i32, run(inst, "tab_size", 0, 0, 0), 2));
        vm_instance_free(inst);
    }
    vm_link_free(l);
    vm_table_free(tab);
    vm_global_free(g);
    vm_memory_free(mem);
    vm_host_func_free(eight);
    vm_module_free(m);
}
