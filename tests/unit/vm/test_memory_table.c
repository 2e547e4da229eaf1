/* test_memory_table.c: unit tests of vm/memory.c and vm/table.c: grow,
 * init/copy/fill bounds at the edges, overlap, dropped segments. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdlib.h>
#include <string.h>

#include "vm/vm_int.h"

TestSuite(vm_memory, .timeout = 10);
TestSuite(vm_table, .timeout = 10);

/* {===== memory */

Test(vm_memory, new_zero_pages_has_no_data)
{
    vm_memory_t *mem = vm_memory_new(0, 0, false);
    cr_assert(not(eq(ptr, mem, NULL)));
    uint64_t size = 1;
    cr_expect(eq(ptr, vm_memory_data(mem, &size), NULL));
    cr_expect(eq(u64, size, 0));
    vm_memory_free(mem);
}

Test(vm_memory, new_is_zeroed)
{
    vm_memory_t *mem = vm_memory_new(2, 3, true);
    uint64_t size;
    uint8_t *d = vm_memory_data(mem, &size);
    cr_assert(eq(u64, size, 2 * VM_PAGE_SIZE));
    for (uint64_t i = 0; i < size; i++)
        if (d[i]) cr_fail("byte %llu not zero", (unsigned long long)i);
    vm_memory_free(mem);
}

Test(vm_memory, new_rejects_bad_limits)
{
    cr_expect(eq(ptr, vm_memory_new(2, 1, true), NULL));
    cr_expect(eq(ptr, vm_memory_new(VM_MAX_PAGES + 1, 0, false), NULL));
}

Test(vm_memory, grow_within_max_zeroes_new_pages)
{
    vm_memory_t *mem = vm_memory_new(1, 3, true);
    memset(mem->data, 0xaa, mem->size);
    cr_assert(eq(i32, vm__memory_grow(mem, 2, 0), 1));
    cr_assert(eq(u32, mem->pages, 3));
    cr_assert(eq(u64, mem->size, 3 * VM_PAGE_SIZE));
    cr_expect(eq(u8, mem->data[VM_PAGE_SIZE - 1], 0xaa));
    cr_expect(eq(u8, mem->data[VM_PAGE_SIZE], 0));
    cr_expect(eq(u8, mem->data[3 * VM_PAGE_SIZE - 1], 0));
    vm_memory_free(mem);
}

Test(vm_memory, grow_past_max_fails_and_keeps_size)
{
    vm_memory_t *mem = vm_memory_new(1, 2, true);
    cr_expect(eq(i32, vm__memory_grow(mem, 2, 0), -1));
    cr_expect(eq(u32, mem->pages, 1));
    cr_expect(eq(i32, vm__memory_grow(mem, 1, 0), 1));
    cr_expect(eq(i32, vm__memory_grow(mem, 1, 0), -1));
    cr_expect(eq(i32, vm__memory_grow(mem, 0xffffffffu, 0), -1));
    vm_memory_free(mem);
}

Test(vm_memory, grow_respects_configured_cap)
{
    vm_memory_t *mem = vm_memory_new(0, 0, false);
    cr_expect(eq(i32, vm__memory_grow(mem, 5, 4), -1));
    cr_expect(eq(i32, vm__memory_grow(mem, 4, 4), 0));
    cr_expect(eq(i32, vm__memory_grow(mem, 1, 4), -1));
    /* Without a cap the limit is 4 GiB. */
    cr_expect(eq(i32, vm__memory_grow(mem, VM_MAX_PAGES, 0), -1));
    vm_memory_free(mem);
}

Test(vm_memory, grow_by_zero_returns_size)
{
    vm_memory_t *mem = vm_memory_new(0, 0, true);
    cr_expect(eq(i32, vm__memory_grow(mem, 0, 0), 0));
    cr_expect(eq(i32, vm__memory_grow(mem, 1, 0), -1));
    vm_memory_free(mem);
    mem = vm_memory_new(3, 0, false);
    cr_expect(eq(i32, vm__memory_grow(mem, 0, 0), 3));
    vm_memory_free(mem);
}

Test(vm_memory, fill_bounds_at_the_edge)
{
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    cr_expect(eq(int, vm__memory_fill(mem, VM_PAGE_SIZE - 2, 7, 2),
                 VM_TRAP_NONE));
    cr_expect(eq(u8, mem->data[VM_PAGE_SIZE - 1], 7));
    cr_expect(eq(int, vm__memory_fill(mem, VM_PAGE_SIZE, 7, 0),
                 VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_fill(mem, VM_PAGE_SIZE + 1, 7, 0),
                 VM_TRAP_MEM_OOB));
    /* Out of bounds: nothing is written (no partial fill in 2.0). */
    cr_expect(eq(int, vm__memory_fill(mem, VM_PAGE_SIZE - 4, 9, 5),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(u8, mem->data[VM_PAGE_SIZE - 4], 0));
    cr_expect(eq(int, vm__memory_fill(mem, 0xffffffffu, 1, 0xffffffffu),
                 VM_TRAP_MEM_OOB));
    vm_memory_free(mem);
}

Test(vm_memory, copy_overlapping_both_directions)
{
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    for (int i = 0; i < 10; i++) mem->data[i] = (uint8_t)(i + 1);
    cr_assert(eq(int, vm__memory_copy(mem, 2, 0, 5), VM_TRAP_NONE));
    uint8_t fwd[] = {1, 2, 1, 2, 3, 4, 5, 8, 9, 10};
    cr_expect(eq(int, memcmp(mem->data, fwd, 10), 0));
    cr_assert(eq(int, vm__memory_copy(mem, 0, 3, 5), VM_TRAP_NONE));
    uint8_t back[] = {2, 3, 4, 5, 8, 4, 5, 8, 9, 10};
    cr_expect(eq(int, memcmp(mem->data, back, 10), 0));
    vm_memory_free(mem);
}

Test(vm_memory, copy_bounds_checked_before_writing)
{
    vm_memory_t *mem = vm_memory_new(1, 0, false);
    mem->data[VM_PAGE_SIZE - 1] = 5;
    cr_expect(eq(int, vm__memory_copy(mem, 0, VM_PAGE_SIZE - 1, 2),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(u8, mem->data[0], 0));
    cr_expect(eq(int, vm__memory_copy(mem, VM_PAGE_SIZE - 1, 0, 2),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(u8, mem->data[VM_PAGE_SIZE - 1], 5));
    cr_expect(eq(int, vm__memory_copy(mem, VM_PAGE_SIZE, VM_PAGE_SIZE, 0),
                 VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_copy(mem, VM_PAGE_SIZE + 1, 0, 0),
                 VM_TRAP_MEM_OOB));
    vm_memory_free(mem);
}

Test(vm_memory, zero_page_memory_accepts_empty_ops_at_zero)
{
    vm_memory_t *mem = vm_memory_new(0, 0, false);
    cr_expect(eq(int, vm__memory_fill(mem, 0, 1, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_copy(mem, 0, 0, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_fill(mem, 1, 1, 0), VM_TRAP_MEM_OOB));
    vm_memory_free(mem);
}

/* A hand-built instance with one memory, one table and segments, enough
 * for the init/drop slow paths (they read module->datas/elems only). */
typedef struct fake {
    vm_module_t m;
    vm_instance_t inst;
    vm_data datas[1];
    vm_elem elems[1];
    vm_elem_item items[3];
    struct vm_funcinst fi[2];
    struct vm_funcinst *funcs[2];
    struct vm_global g;
    struct vm_global *globals[1];
    struct vm_table *tables[1];
    uint8_t elem_dropped[1], data_dropped[1];
} fake;

static const uint8_t seg_bytes[] = {10, 20, 30, 40};

static fake *fake_new(void)
{
    fake *f = calloc(1, sizeof *f);
    f->m.datas = f->datas;
    f->m.ndatas = 1;
    f->datas[0] = (vm_data){VM_SEG_PASSIVE, 0, {.code = NULL}, seg_bytes, 4};
    f->m.elems = f->elems;
    f->m.nelems = 1;
    f->items[0] = (vm_elem_item){VM_ITEM_FUNC, 1};
    f->items[1] = (vm_elem_item){VM_ITEM_NULL, 0};
    f->items[2] = (vm_elem_item){VM_ITEM_GLOBAL, 0};
    f->elems[0].mode = VM_SEG_PASSIVE;
    f->elems[0].reftype = VM_FUNCREF;
    f->elems[0].count = 3;
    f->elems[0].items = f->items;
    f->funcs[0] = &f->fi[0];
    f->funcs[1] = &f->fi[1];
    f->g.val.ref = (uint64_t)(uintptr_t)&f->fi[0];
    f->globals[0] = &f->g;
    f->inst.module = &f->m;
    /* Both functions count as imported, so vm__funcinst finds fi[]. */
    f->m.nfuncs = f->m.nfunc_imports = 2;
    f->inst.imports = f->funcs;
    f->inst.globals = f->globals;
    f->inst.tables = f->tables;
    f->inst.elem_dropped = f->elem_dropped;
    f->inst.data_dropped = f->data_dropped;
    f->inst.mem0 = vm_memory_new(1, 0, false);
    f->tables[0] = vm_table_new(VM_FUNCREF, 4, 0, false);
    return f;
}

static void fake_free(fake *f)
{
    vm_memory_free(f->inst.mem0);
    vm_table_free(f->tables[0]);
    free(f);
}

Test(vm_memory, init_copies_and_checks_both_ranges)
{
    fake *f = fake_new();
    uint8_t *d = f->inst.mem0->data;
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 100, 1, 3), VM_TRAP_NONE));
    cr_expect(eq(u8, d[100], 20));
    cr_expect(eq(u8, d[102], 40));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 200, 2, 3),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(u8, d[200], 0));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, VM_PAGE_SIZE - 1, 0, 2),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(u8, d[VM_PAGE_SIZE - 1], 0));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, VM_PAGE_SIZE, 4, 0),
                 VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 0, 5, 0),
                 VM_TRAP_MEM_OOB));
    fake_free(f);
}

Test(vm_memory, dropped_segment_has_length_zero)
{
    fake *f = fake_new();
    vm__data_drop(&f->inst, 0);
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 0, 0, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 0, 0, 1),
                 VM_TRAP_MEM_OOB));
    cr_expect(eq(int, vm__memory_init(&f->inst, 0, 0, 1, 0),
                 VM_TRAP_MEM_OOB));
    vm__data_drop(&f->inst, 0); /* dropping twice is fine */
    fake_free(f);
}

/* }===== */
/* {===== tables */

Test(vm_table, new_is_null_filled)
{
    vm_table_t *t = vm_table_new(VM_EXTERNREF, 3, 5, true);
    cr_assert(not(eq(ptr, t, NULL)));
    cr_expect(eq(u32, t->size, 3));
    for (uint32_t i = 0; i < 3; i++) cr_expect(eq(u64, t->elems[i], 0));
    vm_table_free(t);
    cr_expect(eq(ptr, vm_table_new(VM_I32, 1, 0, false), NULL));
    cr_expect(eq(ptr, vm_table_new(VM_FUNCREF, 2, 1, true), NULL));
}

Test(vm_table, grow_sets_init_and_respects_max)
{
    vm_table_t *t = vm_table_new(VM_EXTERNREF, 1, 4, true);
    cr_expect(eq(i32, vm__table_grow(t, 77, 2), 1));
    cr_expect(eq(u64, t->elems[0], 0));
    cr_expect(eq(u64, t->elems[1], 77));
    cr_expect(eq(u64, t->elems[2], 77));
    cr_expect(eq(i32, vm__table_grow(t, 0, 2), -1));
    cr_expect(eq(u32, t->size, 3));
    cr_expect(eq(i32, vm__table_grow(t, 0, 0), 3));
    cr_expect(eq(i32, vm__table_grow(t, 0, 1), 3));
    cr_expect(eq(i32, vm__table_grow(t, 0, 1), -1));
    vm_table_free(t);
}

Test(vm_table, grow_unbounded_stops_at_the_hard_limit)
{
    vm_table_t *t = vm_table_new(VM_FUNCREF, 0, 0, false);
    cr_expect(eq(i32, vm__table_grow(t, 0, 0), 0));
    cr_expect(eq(i32, vm__table_grow(t, 0, VM_MAX_TABLE_SIZE + 1), -1));
    cr_expect(eq(i32, vm__table_grow(t, 0, 0xffffffffu), -1));
    cr_expect(eq(i32, vm__table_grow(t, 0, 10), 0));
    vm_table_free(t);
}

Test(vm_table, fill_bounds_at_the_edge)
{
    vm_table_t *t = vm_table_new(VM_EXTERNREF, 4, 0, false);
    cr_expect(eq(int, vm__table_fill(t, 2, 9, 2), VM_TRAP_NONE));
    cr_expect(eq(u64, t->elems[3], 9));
    cr_expect(eq(int, vm__table_fill(t, 4, 9, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__table_fill(t, 5, 9, 0), VM_TRAP_TABLE_OOB));
    cr_expect(eq(int, vm__table_fill(t, 0, 5, 5), VM_TRAP_TABLE_OOB));
    cr_expect(eq(u64, t->elems[0], 0)); /* no partial write */
    vm_table_free(t);
}

Test(vm_table, copy_overlaps_and_checks_both_tables)
{
    vm_table_t *a = vm_table_new(VM_EXTERNREF, 5, 0, false);
    vm_table_t *b = vm_table_new(VM_EXTERNREF, 2, 0, false);
    for (uint32_t i = 0; i < 5; i++) a->elems[i] = i + 1;
    cr_expect(eq(int, vm__table_copy(a, a, 1, 0, 4), VM_TRAP_NONE));
    uint64_t fwd[] = {1, 1, 2, 3, 4};
    cr_expect(eq(int, memcmp(a->elems, fwd, sizeof fwd), 0));
    cr_expect(eq(int, vm__table_copy(a, a, 0, 1, 4), VM_TRAP_NONE));
    uint64_t back[] = {1, 2, 3, 4, 4};
    cr_expect(eq(int, memcmp(a->elems, back, sizeof back), 0));
    cr_expect(eq(int, vm__table_copy(b, a, 0, 3, 2), VM_TRAP_NONE));
    cr_expect(eq(u64, b->elems[1], 4));
    cr_expect(eq(int, vm__table_copy(b, a, 1, 0, 2), VM_TRAP_TABLE_OOB));
    cr_expect(eq(int, vm__table_copy(a, b, 0, 1, 2), VM_TRAP_TABLE_OOB));
    cr_expect(eq(int, vm__table_copy(b, a, 2, 5, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__table_copy(b, a, 3, 0, 0), VM_TRAP_TABLE_OOB));
    vm_table_free(a);
    vm_table_free(b);
}

Test(vm_table, init_writes_func_null_and_global_items)
{
    fake *f = fake_new();
    vm_table_t *t = f->tables[0];
    t->elems[3] = 55;
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 1, 0, 3), VM_TRAP_NONE));
    cr_expect(eq(u64, t->elems[1], (uint64_t)(uintptr_t)&f->fi[1]));
    cr_expect(eq(u64, t->elems[2], 0));
    cr_expect(eq(u64, t->elems[3], (uint64_t)(uintptr_t)&f->fi[0]));
    fake_free(f);
}

Test(vm_table, init_bounds_and_dropped_segment)
{
    fake *f = fake_new();
    vm_table_t *t = f->tables[0];
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 2, 0, 3),
                 VM_TRAP_TABLE_OOB));
    cr_expect(eq(u64, t->elems[2], 0)); /* no partial write */
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 0, 1, 3),
                 VM_TRAP_TABLE_OOB));
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 4, 3, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 5, 0, 0),
                 VM_TRAP_TABLE_OOB));
    vm__elem_drop(&f->inst, 0);
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 0, 0, 0), VM_TRAP_NONE));
    cr_expect(eq(int, vm__table_init(&f->inst, 0, 0, 0, 0, 1),
                 VM_TRAP_TABLE_OOB));
    fake_free(f);
}

/* }===== */
