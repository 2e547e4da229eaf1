/* table.c: tables of references: host-made and instance-owned tables, and
 * the slow paths of table.grow, table.init/copy/fill and elem.drop.
 * Interface: vm.h (vm_table_*), vm_int.h (vm__table_*). */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdint.h>
#include <string.h>

int32_t vm__table_grow(struct vm_table *t, uint64_t init, uint32_t delta)
{
    uint32_t old = t->size;
    if (!vm__table_materialize(t)) return -1;
    if (delta == 0) return (int32_t)old;
    uint64_t limit = VM_MAX_TABLE_SIZE;
    if (t->has_max && t->max < limit) limit = t->max;
    uint64_t size = (uint64_t)old + delta;
    if (size > limit) return -1;
    uint64_t *elems = vm__realloc(t->elems, (size_t)size * sizeof *elems);
    if (elems == NULL) return -1; /* the spec allows grow to fail */
    for (uint64_t i = old; i < size; i++) elems[i] = init;
    t->elems = elems;
    t->size = (uint32_t)size;
    return (int32_t)old;
}

/* The reference an element item stands for in inst. */
static uint64_t item_ref(vm_instance_t *inst, const vm_elem_item *item)
{
    switch (item->kind) {
    case VM_ITEM_FUNC: return (uint64_t)(uintptr_t)vm__funcinst(inst, item->index);
    case VM_ITEM_GLOBAL: return inst->globals[item->index]->val.ref;
    default: return 0; /* VM_ITEM_NULL */
    }
}

/* 2.0 semantics: bounds are checked (in 64 bits) before any write; a
 * dropped segment has length 0. */
vm_trap_kind vm__table_init(vm_instance_t *inst, uint32_t tableidx,
                            uint32_t elemidx, uint32_t dst, uint32_t src,
                            uint32_t n)
{
    const vm_elem *seg = &inst->module->elems[elemidx];
    uint64_t seg_len = inst->elem_dropped[elemidx] ? 0 : seg->count;
    struct vm_table *t = inst->tables[tableidx];
    if ((uint64_t)src + n > seg_len || (uint64_t)dst + n > t->size)
        return VM_TRAP_TABLE_OOB;
    if (!vm__table_materialize(t)) return VM_TRAP_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++)
        t->elems[dst + i] = item_ref(inst, &seg->items[src + i]);
    return VM_TRAP_NONE;
}

/* {===== planned tables (see struct vm_table in vm_int.h) */

/* Can every active segment be planned? Checked before anything is made. */
static bool plannable(const vm_module_t *m)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        const vm_elem *seg = &m->elems[i];
        if (seg->mode != VM_SEG_ACTIVE) continue;
        /* a lone i32.const offset (C and Rust emit them), not global.get */
        if (seg->table < m->ntable_imports || !seg->offset.is_const)
            return false;
        uint32_t off = seg->offset.value.u32;
        if ((uint64_t)off + seg->count > m->tables[seg->table].lim.min)
            return false; /* instantiation traps: the eager path says so */
        for (uint32_t k = 0; k < seg->count; k++)
            if (seg->items[k].kind == VM_ITEM_GLOBAL) return false;
    }
    return true;
}

bool vm__table_plans_make(vm_module_t *m)
{
    uint32_t own = m->ntables - m->ntable_imports;
    if (own == 0 || !plannable(m)) return true;
    if ((m->table_plans = vm__calloc(own, sizeof *m->table_plans)) == NULL)
        return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const vm_elem *seg = &m->elems[i];
        uint32_t t = seg->table - m->ntable_imports;
        if (seg->mode != VM_SEG_ACTIVE || seg->count == 0) continue;
        uint32_t off = seg->offset.value.u32;
        if (m->table_plans[t] == NULL &&
            (m->table_plans[t] = vm__calloc(m->tables[seg->table].lim.min,
                                        sizeof(uint32_t))) == NULL)
            return false; /* vm__module_free frees the rest */
        for (uint32_t k = 0; k < seg->count; k++) {
            const vm_elem_item *it = &seg->items[k];
            m->table_plans[t][off + k] =
                it->kind == VM_ITEM_FUNC ? it->index + 1 : 0;
        }
    }
    return true;
}

struct vm_funcinst *vm__table_planned(struct vm_table *t, uint32_t i)
{
    if (t->plan == NULL || t->plan[i] == 0) return NULL;
    struct vm_funcinst *f = vm__funcinst(t->owner, t->plan[i] - 1);
    t->elems[i] = (uint64_t)(uintptr_t)f;
    return f;
}

bool vm__table_materialize_slow(struct vm_table *t)
{
    for (uint32_t i = 0; i < t->size; i++)
        if (t->elems[i] == 0 && t->plan[i] != 0 && !vm__table_planned(t, i))
            return false;
    t->plan = NULL;
    return true;
}

/* }===== */

void vm__elem_drop(vm_instance_t *inst, uint32_t elemidx)
{
    inst->elem_dropped[elemidx] = 1;
}

vm_trap_kind vm__table_copy(struct vm_table *dst_t, struct vm_table *src_t,
                            uint32_t dst, uint32_t src, uint32_t n)
{
    if ((uint64_t)src + n > src_t->size || (uint64_t)dst + n > dst_t->size)
        return VM_TRAP_TABLE_OOB;
    if (!vm__table_materialize(src_t) || !vm__table_materialize(dst_t))
        return VM_TRAP_OUT_OF_MEMORY;
    /* Same table: ranges may overlap. */
    if (n)
        memmove(dst_t->elems + dst, src_t->elems + src, n * sizeof(uint64_t));
    return VM_TRAP_NONE;
}

vm_trap_kind vm__table_fill(struct vm_table *t, uint32_t dst, uint64_t val,
                            uint32_t n)
{
    if ((uint64_t)dst + n > t->size) return VM_TRAP_TABLE_OOB;
    if (!vm__table_materialize(t)) return VM_TRAP_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) t->elems[dst + i] = val;
    return VM_TRAP_NONE;
}

int vm__table_setup(struct vm_table *t, uint8_t elemtype, uint32_t size,
                    uint32_t max, bool has_max)
{
    t->elems = NULL;
    t->plan = NULL;
    t->owner = NULL;
    if (size) {
        t->elems = vm__calloc(size, sizeof *t->elems); /* all null refs */
        if (t->elems == NULL) return LUN_ENOMEM;
    }
    t->elemtype = elemtype;
    t->size = size;
    t->max = max;
    t->has_max = has_max;
    return 0;
}

vm_table_t *vm_table_new(vm_valtype elem, uint32_t min, uint32_t max,
                         bool has_max)
{
    if (elem != VM_FUNCREF && elem != VM_EXTERNREF) return NULL;
    if (min > VM_MAX_TABLE_SIZE || (has_max && max < min)) return NULL;
    vm_table_t *t = vm__malloc(sizeof *t);
    if (t == NULL) return NULL;
    if (vm__table_setup(t, (uint8_t)elem, min, has_max ? max : 0, has_max)) {
        vm__free(t);
        return NULL;
    }
    return t;
}

void vm_table_free(vm_table_t *t)
{
    if (t == NULL) return;
    vm__free(t->elems);
    vm__free(t);
}
