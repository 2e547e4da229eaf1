/* instance.c: instantiation (import checks, allocation, segment
 * initialisation), exports, host functions and globals, constant
 * expressions. Interface: vm.h (instances, host objects), vm_int.h. */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* {===== error text */

/* A bounded string builder over the caller's err buffer; err may be NULL,
 * and text past the end is dropped (always NUL-terminated). */
typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    if (sb->p == NULL || sb->len + 1 >= sb->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    sb->len += (size_t)n;
    if (sb->len >= sb->cap) sb->len = sb->cap - 1;
}

static strbuf sb_init(char *err, size_t errlen)
{
    strbuf sb = {errlen ? err : NULL, 0, errlen};
    if (sb.p) sb.p[0] = '\0';
    return sb;
}

/* Import names are arbitrary bytes (NUL included): quote them, escaping
 * control bytes so the message stays one printable line. */
static void sb_name(strbuf *sb, const char *s, uint32_t len)
{
    sb_printf(sb, "\"");
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            sb_printf(sb, "\\%02x", c);
        else
            sb_printf(sb, "%c", c);
    }
    sb_printf(sb, "\"");
}

static void sb_functype(strbuf *sb, const vm_functype *ft)
{
    sb_printf(sb, "func (");
    for (uint32_t i = 0; i < ft->nparams; i++)
        sb_printf(sb, "%s%s", i ? " " : "", vm__valtype_name(ft->params[i]));
    sb_printf(sb, ") -> (");
    for (uint32_t i = 0; i < ft->nresults; i++)
        sb_printf(sb, "%s%s", i ? " " : "", vm__valtype_name(ft->results[i]));
    sb_printf(sb, ")");
}

/* "1..2" or "1" (no max), the way vm_import_info.type_text shows it. */
static void sb_limits(strbuf *sb, uint64_t min, uint64_t max, bool has_max)
{
    sb_printf(sb, "%llu", (unsigned long long)min);
    if (has_max) sb_printf(sb, "..%llu", (unsigned long long)max);
}

static void sb_globaltype(strbuf *sb, uint8_t type, bool mut)
{
    sb_printf(sb, "global %s%s", mut ? "mut " : "", vm__valtype_name(type));
}

/* The type an import expects, from the module. */
static void sb_import_type(strbuf *sb, const vm_module_t *m,
                           const vm_import *imp)
{
    switch (imp->kind) {
    case VM_EXTERN_FUNC: sb_functype(sb, &m->types[imp->u.type_idx]); break;
    case VM_EXTERN_TABLE:
        sb_printf(sb, "table ");
        sb_limits(sb, imp->u.table.lim.min, imp->u.table.lim.max,
                  imp->u.table.lim.has_max);
        sb_printf(sb, " %s", vm__valtype_name(imp->u.table.elemtype));
        break;
    case VM_EXTERN_MEMORY:
        sb_printf(sb, "memory ");
        sb_limits(sb, imp->u.mem.min, imp->u.mem.max, imp->u.mem.has_max);
        break;
    default:
        sb_globaltype(sb, imp->u.global.type, imp->u.global.mut);
        break;
    }
}

/* The type of an object given as an import (tables and memories show
 * their current size as the minimum, as linking compares it). */
static void sb_extern_type(strbuf *sb, const vm_extern *ext)
{
    switch (ext->kind) {
    case VM_EXTERN_FUNC: sb_functype(sb, ext->u.func->type); break;
    case VM_EXTERN_TABLE:
        sb_printf(sb, "table ");
        sb_limits(sb, ext->u.table->size, ext->u.table->max,
                  ext->u.table->has_max);
        sb_printf(sb, " %s", vm__valtype_name(ext->u.table->elemtype));
        break;
    case VM_EXTERN_MEMORY:
        sb_printf(sb, "memory ");
        sb_limits(sb, ext->u.memory->pages, ext->u.memory->max_pages,
                  ext->u.memory->has_max);
        break;
    default:
        sb_globaltype(sb, ext->u.global->type, ext->u.global->mut);
        break;
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int set_err(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* }===== */
/* {===== import type checks */

bool vm__functype_eq(const vm_functype *a, const vm_functype *b)
{
    if (a == b) return true;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->nparams == 0 ||
            memcmp(a->params, b->params, a->nparams) == 0) &&
           (a->nresults == 0 ||
            memcmp(a->results, b->results, a->nresults) == 0);
}

/* Import limits matching (spec "Limits"): the actual object is at least
 * as large as expected, and if a max is expected, it has one no larger. */
static bool limits_match(uint64_t min, uint64_t max, bool has_max,
                         const vm_limits *want)
{
    if (min < want->min) return false;
    return !want->has_max || (has_max && max <= want->max);
}

static bool import_matches(const vm_module_t *m, const vm_import *imp,
                           const vm_extern *ext)
{
    if (ext->kind != imp->kind) return false;
    switch (ext->kind) {
    case VM_EXTERN_FUNC:
        return vm__functype_eq(ext->u.func->type, &m->types[imp->u.type_idx]);
    case VM_EXTERN_TABLE: {
        const vm_table_t *t = ext->u.table;
        return t->elemtype == imp->u.table.elemtype &&
               limits_match(t->size, t->max, t->has_max, &imp->u.table.lim);
    }
    case VM_EXTERN_MEMORY: {
        const vm_memory_t *mem = ext->u.memory;
        return limits_match(mem->pages, mem->max_pages, mem->has_max,
                            &imp->u.mem);
    }
    default:
        return ext->u.global->type == imp->u.global.type &&
               ext->u.global->mut == imp->u.global.mut;
    }
}

static bool extern_is_null(const vm_extern *ext)
{
    switch (ext->kind) {
    case VM_EXTERN_FUNC: return ext->u.func == NULL;
    case VM_EXTERN_TABLE: return ext->u.table == NULL;
    case VM_EXTERN_MEMORY: return ext->u.memory == NULL;
    case VM_EXTERN_GLOBAL: return ext->u.global == NULL;
    default: return true; /* not a kind at all */
    }
}

/* Checks every import before anything is allocated, so a mismatch costs
 * nothing. Returns 0, LUN_EINVAL (NULL object) or LUN_EUNLINKABLE. */
static int check_imports(const vm_module_t *m, const vm_extern *imports,
                         char *err, size_t errlen)
{
    for (uint32_t i = 0; i < m->nimports; i++) {
        const vm_import *imp = &m->imports[i];
        const vm_extern *ext = &imports[i];
        if (extern_is_null(ext))
            return set_err(LUN_EINVAL, err, errlen, "import %u is NULL", i);
        if (import_matches(m, imp, ext)) continue;
        strbuf sb = sb_init(err, errlen);
        /* which side has which type: users read "expected" both ways */
        sb_printf(&sb, "import ");
        sb_name(&sb, imp->module, imp->module_len);
        sb_printf(&sb, " ");
        sb_name(&sb, imp->name, imp->name_len);
        sb_printf(&sb, ": module expects ");
        sb_import_type(&sb, m, imp);
        sb_printf(&sb, ", host provides ");
        sb_extern_type(&sb, ext);
        return LUN_EUNLINKABLE;
    }
    return 0;
}

/* }===== */
/* {===== constant expressions */

/* The input is validated, so the reads cannot fail; the last value an
 * instruction produced before `end` is the result. */
void vm__constexpr_eval(vm_instance_t *inst, const vm_constexpr *e,
                        vm_value *out)
{
    if (e->is_const) {
        *out = e->value;
        return;
    }
    vm_reader r = {e->code, e->code + e->len, e->code};
    uint8_t op = 0;
    uint64_t u = 0;
    int64_t s = 0;
    out->u64 = 0;
    while (vm__read_u8(&r, &op) == 0 && op != 0x0b) {
        switch (op) {
        case 0x41: /* i32.const */
            vm__read_sleb(&r, 32, &s);
            out->u64 = 0;
            out->i32 = (int32_t)s;
            break;
        case 0x42: /* i64.const */
            vm__read_sleb(&r, 64, &s);
            out->i64 = s;
            break;
        case 0x43: /* f32.const: bytes copied, so NaN payloads survive */
            out->u64 = 0;
            if (r.end - r.p >= 4) vm_copy_le(&out->f32, r.p, 4);
            r.p += 4;
            break;
        case 0x44: /* f64.const */
            if (r.end - r.p >= 8) vm_copy_le(&out->f64, r.p, 8);
            r.p += 8;
            break;
        case 0xd0: /* ref.null t */
            r.p++;
            out->ref = 0;
            break;
        case 0xfd: /* v128.const: sub-opcode 12, then 16 bytes */
            vm__read_uleb(&r, 32, &u);
            if (r.end - r.p >= 16) memcpy(out->v128, r.p, 16);
            r.p += 16;
            break;
        case 0xd2: /* ref.func x */
            vm__read_uleb(&r, 32, &u);
            out->ref = (uint64_t)(uintptr_t)vm__funcinst(inst, u);
            break;
        case 0x23: /* global.get x */
            vm__read_uleb(&r, 32, &u);
            *out = inst->globals[u]->val;
            break;
        default: return; /* unreachable after validation */
        }
    }
}

/* A lone i32/i64/f32/f64.const evaluates the same in every instance. */
static void precompute(vm_constexpr *e)
{
    if (e->len == 0) return;
    uint8_t op = e->code[0];
    if (op < 0x41 || op > 0x44) return;
    vm_reader r = {e->code + 1, e->code + e->len, e->code + 1};
    int64_t s = 0;
    switch (op) {
    case 0x41: if (vm__read_sleb(&r, 32, &s)) return; break;
    case 0x42: if (vm__read_sleb(&r, 64, &s)) return; break;
    default: r.p += op == 0x43 ? 4 : 8; break;
    }
    if (r.p + 1 != r.end || *r.p != 0x0b) return; /* more than one op */
    vm__constexpr_eval(NULL, e, &e->value); /* consts only: no inst use */
    e->is_const = true;
}

void vm__constexprs_precompute(vm_module_t *m)
{
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        precompute(&m->globals[i].init);
    for (uint32_t i = 0; i < m->nelems; i++)
        if (m->elems[i].mode == VM_SEG_ACTIVE) precompute(&m->elems[i].offset);
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == VM_SEG_ACTIVE) precompute(&m->datas[i].offset);
}

/* }===== */
/* {===== instantiation */

/* Bumps *off to hold `count` objects of `size` bytes aligned to `align`;
 * returns where they start. Lets one allocation hold the whole instance. */
static size_t carve(size_t *off, size_t count, size_t size, size_t align)
{
    size_t at = (*off + align - 1) / align * align;
    *off = at + count * size;
    return at;
}

#define CARVE(off, n, type) carve((off), (n), sizeof(type), _Alignof(type))

/* One allocation for the instance, its index arrays, the objects it owns and
 * the dropped-segment flags: instances are made per process, so this is
 * what spawning costs. Everything starts zeroed (null refs, NULL data).
 * The imported functions' array is shared when the caller linked once
 * (vm_link_new); otherwise it is carved here too. */
static vm_instance_t *instance_alloc(const vm_module_t *m, bool own_imports)
{
    uint32_t own_tables = m->ntables - m->ntable_imports;
    uint32_t own_mems = m->nmems - m->nmem_imports;
    uint32_t own_globals = m->nglobals - m->nglobal_imports;
    size_t off = sizeof(vm_instance_t);
    size_t o_imports = CARVE(&off, own_imports ? m->nfunc_imports : 0,
                             struct vm_funcinst *);
    size_t o_tables = CARVE(&off, m->ntables, struct vm_table *);
    size_t o_mems = CARVE(&off, m->nmems, struct vm_memory *);
    size_t o_globals = CARVE(&off, m->nglobals, struct vm_global *);
    size_t o_own_tables = CARVE(&off, own_tables, struct vm_table);
    size_t o_own_mems = CARVE(&off, own_mems, struct vm_memory);
    size_t o_own_globals = CARVE(&off, own_globals, struct vm_global);
    size_t o_elem_dropped = CARVE(&off, m->nelems, uint8_t);
    size_t o_data_dropped = CARVE(&off, m->ndatas, uint8_t);

    char *base = vm__calloc(1, off);
    if (base == NULL) return NULL;
    vm_instance_t *inst = (vm_instance_t *)(void *)base;
    inst->imports = (struct vm_funcinst **)(void *)(base + o_imports);
    inst->tables = (struct vm_table **)(void *)(base + o_tables);
    inst->mems = (struct vm_memory **)(void *)(base + o_mems);
    inst->globals = (struct vm_global **)(void *)(base + o_globals);
    inst->own_tables = (struct vm_table *)(void *)(base + o_own_tables);
    inst->own_mems = (struct vm_memory *)(void *)(base + o_own_mems);
    inst->own_globals = (struct vm_global *)(void *)(base + o_own_globals);
    inst->elem_dropped = (uint8_t *)(base + o_elem_dropped);
    inst->data_dropped = (uint8_t *)(base + o_data_dropped);
    inst->module = (vm_module_t *)m;
    inst->fmap = inst->fmap_small;
    inst->fmap_cap = sizeof inst->fmap_small / sizeof inst->fmap_small[0];
    return inst;
}

/* Imported objects go into the index spaces first, in import order; the
 * functions only when the instance has its own array (see above). */
static void link_imports(vm_instance_t *inst, const vm_extern *imports,
                         uint32_t n, bool own_imports)
{
    struct vm_funcinst **funcs = (struct vm_funcinst **)inst->imports;
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < n; i++) {
        switch (imports[i].kind) {
        case VM_EXTERN_FUNC:
            if (own_imports) funcs[nf] = imports[i].u.func;
            nf++;
            break;
        case VM_EXTERN_TABLE: inst->tables[nt++] = imports[i].u.table; break;
        case VM_EXTERN_MEMORY: inst->mems[nm++] = imports[i].u.memory; break;
        default: inst->globals[ng++] = imports[i].u.global; break;
        }
    }
}

/* {===== defined functions' runtime objects */

/* The map's slot for function f: where it is, or the empty one it would
 * go to. Linear probing; fmap_cap is a power of two. */
static struct vm_funcinst **fmap_slot(const vm_instance_t *inst,
                                      const vm_func *f)
{
    uint32_t mask = inst->fmap_cap - 1;
    uint32_t i = (uint32_t)(f - inst->module->funcs) * 0x9e3779b1u & mask;
    while (inst->fmap[i] != NULL && inst->fmap[i]->func != f)
        i = (i + 1) & mask;
    return &inst->fmap[i];
}

/* Doubles the map (kept at most half full). */
static bool fmap_grow(vm_instance_t *inst)
{
    uint32_t old_cap = inst->fmap_cap, cap = old_cap * 2;
    struct vm_funcinst **old = inst->fmap;
    if ((inst->fmap = vm__calloc(cap, sizeof *old)) == NULL) {
        inst->fmap = old;
        return false;
    }
    inst->fmap_cap = cap;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i] != NULL) *fmap_slot(inst, old[i]->func) = old[i];
    if (old != inst->fmap_small) vm__free(old);
    return true;
}

/* A defined function's runtime object, made the first time it is needed
 * as a value (table element called or read, ref.func, export, start):
 * most functions of a C program are only ever called directly, which
 * needs none, so an instance (one per process) stays small and quick to
 * make. */
struct vm_funcinst *vm__funcinst(vm_instance_t *inst, uint32_t idx)
{
    vm_module_t *m = inst->module;
    if (idx < m->nfunc_imports) return inst->imports[idx];
    struct vm_funcinst *f = *fmap_slot(inst, &m->funcs[idx]);
    if (f) return f;
    if ((inst->fmap_n + 1) * 2 > inst->fmap_cap && !fmap_grow(inst))
        return NULL;
    uint32_t nsmall = sizeof inst->fi_small / sizeof inst->fi_small[0];
    f = inst->fi_small_used < nsmall ? &inst->fi_small[inst->fi_small_used++]
                                     : vm__calloc(1, sizeof *f);
    if (f == NULL) return NULL;
    f->type = &m->types[m->funcs[idx].type_idx];
    f->inst = inst;
    f->func = &m->funcs[idx];
    f->name = m->funcs[idx].name;
    *fmap_slot(inst, f->func) = f;
    inst->fmap_n++;
    return f;
}

static void fmap_free(vm_instance_t *inst)
{
    /* Integer compares: relational ones on pointers into other objects
     * are undefined in C. */
    uintptr_t lo = (uintptr_t)inst->fi_small, hi = lo + sizeof inst->fi_small;
    for (uint32_t i = 0; i < inst->fmap_cap; i++) {
        uintptr_t f = (uintptr_t)inst->fmap[i];
        if (f < lo || f >= hi) vm__free(inst->fmap[i]);
    }
    if (inst->fmap != inst->fmap_small) vm__free(inst->fmap);
}

/* }===== */

/* In order, so an initialiser reads only globals already set (2.0 allows
 * only imported ones anyway). */
static void make_globals(vm_instance_t *inst)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        struct vm_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type.type;
        g->mut = m->globals[i].type.mut;
        vm__constexpr_eval(inst, &m->globals[i].init, &g->val);
        inst->globals[i] = g;
    }
}

static int make_tables(vm_instance_t *inst, char *err, size_t errlen)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const vm_tabletype *tt = &m->tables[i];
        struct vm_table *t = &inst->own_tables[i - m->ntable_imports];
        if (tt->lim.min > VM_MAX_TABLE_SIZE)
            return set_err(LUN_ELIMIT, err, errlen,
                           "table %u: %llu elements exceed the limit of %u",
                           i, (unsigned long long)tt->lim.min,
                           VM_MAX_TABLE_SIZE);
        uint32_t max = tt->lim.max > UINT32_MAX ? UINT32_MAX
                                                : (uint32_t)tt->lim.max;
        if (vm__table_setup(t, tt->elemtype, (uint32_t)tt->lim.min, max,
                            tt->lim.has_max))
            return set_err(LUN_ENOMEM, err, errlen,
                           "table %u: out of memory", i);
        t->owner = inst;
        if (m->table_plans != NULL)
            t->plan = m->table_plans[i - m->ntable_imports];
        inst->tables[i] = t;
    }
    return 0;
}

static int make_memories(vm_instance_t *inst, bool lazy, char *err,
                         size_t errlen)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
        const vm_limits *lim = &m->mems[i];
        struct vm_memory *mem = &inst->own_mems[i - m->nmem_imports];
        if (lim->min > inst->max_pages)
            return set_err(LUN_ELIMIT, err, errlen,
                           "memory %u: %llu pages exceed the limit of %u", i,
                           (unsigned long long)lim->min, inst->max_pages);
        uint32_t max = lim->max > VM_MAX_PAGES ? VM_MAX_PAGES
                                               : (uint32_t)lim->max;
        mem->provider = inst->mem_provider;
        if (vm__memory_setup(mem, (uint32_t)lim->min, max, lim->has_max,
                             lazy && i == 0 ? m : NULL))
            return set_err(LUN_ENOMEM, err, errlen,
                           "memory %u: out of memory", i);
        inst->mems[i] = mem;
    }
    inst->mem0 = m->nmems ? inst->mems[0] : &vm__no_memory;
    return 0;
}

/* Active segments are table.init + elem.drop, declarative ones just
 * elem.drop. A trap leaves the earlier segments' writes in place (2.0).
 * With table plans (make_tables) the active ones are written already. */
static int init_elems(vm_instance_t *inst, char *err, size_t errlen)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const vm_elem *seg = &m->elems[i];
        if (seg->mode == VM_SEG_ACTIVE && m->table_plans == NULL) {
            vm_value off;
            vm__constexpr_eval(inst, &seg->offset, &off);
            if (vm__table_init(inst, seg->table, i, off.u32, 0, seg->count))
                return set_err(LUN_ETRAP, err, errlen,
                               "out of bounds table access");
        }
        if (seg->mode != VM_SEG_PASSIVE) vm__elem_drop(inst, i);
    }
    return 0;
}

static int init_datas(vm_instance_t *inst, bool use_image, char *err,
                      size_t errlen)
{
    const vm_module_t *m = inst->module;
    if (use_image) {
        struct vm_memory *mem = inst->mem0;
        if (!mem->lazy && mem->data) vm__image_apply(m, mem->data);
        vm__image_drop_segments(inst);
        return 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const vm_data *seg = &m->datas[i];
        if (seg->mode != VM_SEG_ACTIVE) continue;
        vm_value off;
        vm__constexpr_eval(inst, &seg->offset, &off);
        /* memory.init works on memory 0, the only one 2.0 allows. */
        if (vm__memory_init(inst, i, off.u32, 0, seg->len))
            return set_err(LUN_ETRAP, err, errlen,
                           "out of bounds memory access");
        vm__data_drop(inst, i);
    }
    return 0;
}

static uint32_t page_cap(const vm_module_t *m, const vm_config *cfg)
{
    uint32_t cap = cfg && cfg->max_memory_pages ? cfg->max_memory_pages
                                                : m->cfg.max_memory_pages;
    return cap == 0 || cap > VM_MAX_PAGES ? VM_MAX_PAGES : cap;
}

/* Instantiation after the imports were checked: imports[0..n) are all of
 * them, or, with shared_funcs, all but the functions. */
static int instantiate(vm_module_t *m, const vm_extern *imports, uint32_t n,
                       struct vm_funcinst *const *shared_funcs,
                       const vm_config *cfg, vm_instance_t **out_inst,
                       char *err, size_t errlen)
{
    int rc;
    bool own_imports = shared_funcs == NULL;
    vm_instance_t *inst = instance_alloc(m, own_imports);
    if (inst == NULL)
        return set_err(LUN_ENOMEM, err, errlen, "out of memory");
    if (!own_imports) inst->imports = shared_funcs;
    inst->max_pages = page_cap(m, cfg);
    inst->mem_provider = cfg ? cfg->mem_provider : NULL;
    link_imports(inst, imports, n, own_imports);
    make_globals(inst);
    /* The image (image.c) stands for the data segments, which then
     * cannot trap: their order against the element segments is moot. */
    bool use_image = m->has_image && !(cfg && cfg->no_image);
    bool lazy = use_image && cfg && cfg->lazy_memory;
    if ((rc = make_tables(inst, err, errlen)) != 0) goto fail;
    if ((rc = make_memories(inst, lazy, err, errlen)) != 0) goto fail;
    /* Segments last. If one traps (LUN_ETRAP) the instance is handed out
     * anyway: its functions may already sit in imported tables (vm.h). */
    if ((rc = init_elems(inst, err, errlen)) == 0)
        rc = init_datas(inst, use_image, err, errlen);
    *out_inst = inst;
    return rc;
fail:
    vm_instance_free(inst);
    return rc;
}

static int check_args(vm_module_t *m, const vm_extern *imports,
                      uint32_t nimports, void *out, char *err, size_t errlen)
{
    if (m == NULL || out == NULL || (nimports && imports == NULL))
        return set_err(LUN_EINVAL, err, errlen, "invalid argument");
    if (nimports != m->nimports)
        return set_err(LUN_EINVAL, err, errlen,
                       "the module has %u imports, %u were given",
                       m->nimports, nimports);
    return check_imports(m, imports, err, errlen);
}

int vm_instance_new(vm_module_t *m, const vm_extern *imports,
                    uint32_t nimports, const vm_config *cfg,
                    vm_instance_t **out_inst, char *err, size_t errlen)
{
    int rc;
    if (out_inst) *out_inst = NULL;
    if ((rc = check_args(m, imports, nimports, out_inst, err, errlen)) != 0)
        return rc;
    return instantiate(m, imports, m->nimports, NULL, cfg, out_inst, err,
                       errlen);
}

/* The imports, checked: the functions in index order (instances share
 * that array), and the others (tables, memories, globals) in import order,
 * which each instance links. */
struct vm_link {
    vm_module_t *module;
    vm_extern *others;
    uint32_t nothers;
    struct vm_funcinst **funcs;
};

int vm_link_new(vm_module_t *m, const vm_extern *imports, uint32_t nimports,
                vm_link_t **out, char *err, size_t errlen)
{
    int rc;
    if (out) *out = NULL;
    if ((rc = check_args(m, imports, nimports, out, err, errlen)) != 0)
        return rc;
    vm_link_t *l = vm__calloc(1, sizeof *l);
    uint32_t nothers = nimports - m->nfunc_imports;
    if (l == NULL ||
        (nothers && (l->others = vm__malloc(nothers * sizeof *imports)) == NULL) ||
        (m->nfunc_imports &&
         (l->funcs = vm__malloc(m->nfunc_imports * sizeof *l->funcs)) == NULL)) {
        vm_link_free(l);
        return set_err(LUN_ENOMEM, err, errlen, "out of memory");
    }
    l->module = m;
    for (uint32_t i = 0, nf = 0; i < nimports; i++)
        if (imports[i].kind == VM_EXTERN_FUNC) l->funcs[nf++] = imports[i].u.func;
        else l->others[l->nothers++] = imports[i];
    *out = l;
    return 0;
}

void vm_link_free(vm_link_t *l)
{
    if (l == NULL) return;
    vm__free(l->others);
    vm__free(l->funcs);
    vm__free(l);
}

int vm_link_instantiate(const vm_link_t *l, const vm_config *cfg,
                        vm_instance_t **out_inst, char *err, size_t errlen)
{
    if (out_inst == NULL)
        return set_err(LUN_EINVAL, err, errlen, "invalid argument");
    *out_inst = NULL;
    /* A module without imported functions has nothing to share. */
    static struct vm_funcinst *const none[1];
    return instantiate(l->module, l->others, l->nothers,
                       l->funcs ? l->funcs : none, cfg, out_inst, err, errlen);
}

void vm_instance_free(vm_instance_t *inst)
{
    if (inst == NULL) return;
    const vm_module_t *m = inst->module;
    /* Imported objects belong to someone else; compiled code to m. */
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
        vm__free(inst->own_tables[i].elems);
    for (uint32_t i = 0; i < m->nmems - m->nmem_imports; i++)
        vm__memory_release(&inst->own_mems[i]);
    fmap_free(inst);
    vm__free(inst); /* the arrays and own objects share its allocation */
}

/* }===== */
/* {===== instance queries and exports */

size_t vm_instance_footprint(const vm_instance_t *inst)
{
    const vm_module_t *m = inst->module;
    size_t n = vm__held(inst);
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
        n += vm__held(inst->own_tables[i].elems);
    uintptr_t lo = (uintptr_t)inst->fi_small, hi = lo + sizeof inst->fi_small;
    for (uint32_t i = 0; i < inst->fmap_cap; i++) {
        uintptr_t f = (uintptr_t)inst->fmap[i];
        if (f < lo || f >= hi) n += vm__held(inst->fmap[i]);
    }
    if (inst->fmap != inst->fmap_small) n += vm__held(inst->fmap);
    return n;
}

vm_module_t *vm_instance_module(const vm_instance_t *inst)
{
    return inst->module;
}

vm_func_t *vm_instance_start_func(vm_instance_t *inst)
{
    const vm_module_t *m = inst->module;
    return m->has_start ? vm__funcinst(inst, m->start) : NULL;
}

int vm_instance_export(vm_instance_t *inst, const char *name, size_t len,
                       vm_extern *out)
{
    const vm_module_t *m = inst->module;
    /* Linear: export lists are short and this runs at link time only. */
    for (uint32_t i = 0; i < m->nexports; i++) {
        const vm_export *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0) continue;
        out->kind = (vm_extern_kind)e->kind;
        switch (e->kind) {
        case VM_EXTERN_FUNC: out->u.func = vm__funcinst(inst, e->index); break;
        case VM_EXTERN_TABLE:
            /* Other instances and the host read tables directly. */
            out->u.table = inst->tables[e->index];
            if (!vm__table_materialize(out->u.table)) return LUN_ENOMEM;
            break;
        case VM_EXTERN_MEMORY: out->u.memory = inst->mems[e->index]; break;
        default: out->u.global = inst->globals[e->index]; break;
        }
        if (e->kind == VM_EXTERN_FUNC && out->u.func == NULL) return LUN_ENOMEM;
        return 0;
    }
    return LUN_ENOTFOUND;
}

vm_func_t *vm_instance_export_func(vm_instance_t *inst, const char *name)
{
    vm_extern ext;
    if (vm_instance_export(inst, name, strlen(name), &ext) != 0 ||
        ext.kind != VM_EXTERN_FUNC)
        return NULL;
    return ext.u.func;
}

vm_memory_t *vm_instance_memory(vm_instance_t *inst)
{
    return inst->mem0 == &vm__no_memory ? NULL : inst->mem0;
}

void vm_func_type(const vm_func_t *f, uint32_t *out_nparams,
                  const uint8_t **out_params, uint32_t *out_nresults,
                  const uint8_t **out_results)
{
    if (out_nparams) *out_nparams = f->type->nparams;
    if (out_params) *out_params = f->type->params;
    if (out_nresults) *out_nresults = f->type->nresults;
    if (out_results) *out_results = f->type->results;
}

/* }===== */
/* {===== host objects */

/* One allocation: the funcinst, then its param and result types, then a
 * copy of the name. */
vm_func_t *vm_host_func_new(const char *sig, vm_host_fn fn, void *ud,
                            const char *name)
{
    if (sig == NULL || fn == NULL) return NULL;
    const char *colon = strchr(sig, ':');
    if (colon == NULL || strchr(colon + 1, ':') != NULL) return NULL;
    size_t nparams = (size_t)(colon - sig), nresults = strlen(colon + 1);
    size_t name_len = name ? strlen(name) + 1 : 0;
    vm_func_t *f = vm__calloc(1, sizeof *f + nparams + nresults + name_len);
    if (f == NULL) return NULL;
    uint8_t *types = (uint8_t *)(f + 1);
    for (size_t i = 0; i < nparams + nresults; i++) {
        char c = i < nparams ? sig[i] : colon[1 + i - nparams];
        if ((types[i] = vm__valtype_of_letter(c)) == 0) {
            vm__free(f);
            return NULL;
        }
    }
    f->host_type.nparams = (uint32_t)nparams;
    f->host_type.nresults = (uint32_t)nresults;
    f->host_type.params = types;
    f->host_type.results = types + nparams;
    f->type = &f->host_type;
    f->host = fn;
    f->host_ud = ud;
    if (name) f->name = memcpy(types + nparams + nresults, name, name_len);
    return f;
}

void vm_host_func_free(vm_func_t *f)
{
    vm__free(f);
}

vm_global_t *vm_global_new(vm_valtype type, bool mut, vm_value v)
{
    switch (type) {
    case VM_I32: case VM_I64: case VM_F32: case VM_F64: case VM_V128:
    case VM_FUNCREF: case VM_EXTERNREF: break;
    default: return NULL;
    }
    vm_global_t *g = vm__malloc(sizeof *g);
    if (g == NULL) return NULL;
    g->type = (uint8_t)type;
    g->mut = mut;
    g->val = v;
    return g;
}

void vm_global_free(vm_global_t *g)
{
    vm__free(g);
}

vm_value vm_global_get(const vm_global_t *g)
{
    return g->val;
}

/* }===== */
