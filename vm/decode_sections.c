/* decode_sections.c: one parser per section of the WebAssembly binary
 * format, called by the section loop of decode.c (see decode_int.h). Each
 * parser reads exactly its section and range-checks every index. */
#include "common/lun_prefix.h"

#include "vm/decode_int.h"


static int fail_nomem(vm_decoder *d)
{
    return vm__dec_fail(d, LUN_ENOMEM, d->r.p, "out of memory");
}

/* The writable address in the module's copy of a position being read. */
static uint8_t *module_ptr(vm_decoder *d, const uint8_t *p)
{
    return d->m->bytes + (p - d->r.base);
}

/* A zeroed array of n elements whose first nold come from *arr, which it
 * replaces (so a failure leaves the module consistent and freeable). */
static int grow_array(vm_decoder *d, void *arr, size_t nold, size_t n,
                      size_t elem)
{
    void **slot = arr;
    void *fresh = vm__calloc(n ? n : 1, elem);
    if (fresh == NULL) return fail_nomem(d);
    if (nold) memcpy(fresh, *slot, nold * elem);
    vm__free(*slot);
    *slot = fresh;
    return 0;
}

/* {===== custom, type, import */

int vm__dec_custom(vm_decoder *d)
{
    const uint8_t *start = d->r.p, *name;
    uint32_t len;
    int rc = vm__dec_bytes(d, &name, &len);
    if (rc) return rc;
    if (!vm__utf8_valid(name, len))
        return vm__dec_fail(d, LUN_EMALFORMED, start,
                            "malformed UTF-8 encoding");
    if (len == 4 && memcmp(name, "name", 4) == 0 && d->names == NULL) {
        d->names = d->r.p;
        d->names_len = (uint32_t)vm__dec_left(d);
    }
    d->r.p = d->r.end; /* the payload is not ours to judge */
    return 0;
}

/* A vector of valtypes; it points into the module's bytes, since the
 * encoding is already one byte per type. */
static int dec_valtypes(vm_decoder *d, uint8_t **out, uint32_t *out_n)
{
    uint8_t t;
    int rc = vm__dec_count(d, out_n);
    if (rc) return rc;
    *out = module_ptr(d, d->r.p);
    for (uint32_t i = 0; i < *out_n; i++)
        if ((rc = vm__dec_valtype(d, &t))) return rc;
    return 0;
}

int vm__dec_types(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    uint8_t form;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((m->types = vm__calloc(n, sizeof *m->types)) == NULL) return fail_nomem(d);
    m->ntypes = n;
    for (uint32_t i = 0; i < n; i++) {
        vm_functype *t = &m->types[i];
        if ((rc = vm__dec_u8(d, &form))) return rc;
        if (form != 0x60)
            return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                                "malformed function type");
        if ((rc = dec_valtypes(d, &t->params, &t->nparams)) ||
            (rc = dec_valtypes(d, &t->results, &t->nresults)))
            return rc;
    }
    return 0;
}

static int check_memory_limits(vm_decoder *d, const uint8_t *at,
                               const vm_limits *lim)
{
    if (lim->min > VM_MAX_PAGES || (lim->has_max && lim->max > VM_MAX_PAGES))
        return vm__dec_fail(d, LUN_EINVALID, at,
                            "memory size must be at most 65536 pages (4GiB)");
    if (lim->has_max && lim->min > lim->max)
        return vm__dec_fail(d, LUN_EINVALID, at,
                            "size minimum must not be greater than maximum");
    return 0;
}

static int dec_tabletype(vm_decoder *d, vm_tabletype *out)
{
    const uint8_t *at;
    int rc = vm__dec_reftype(d, &out->elemtype);
    if (rc) return rc;
    at = d->r.p;
    if ((rc = vm__dec_limits(d, &out->lim))) return rc;
    if (out->lim.has_max && out->lim.min > out->lim.max)
        return vm__dec_fail(d, LUN_EINVALID, at,
                            "size minimum must not be greater than maximum");
    return 0;
}

static int dec_memtype(vm_decoder *d, vm_limits *out)
{
    const uint8_t *at = d->r.p;
    int rc = vm__dec_limits(d, out);
    return rc ? rc : check_memory_limits(d, at, out);
}

static int dec_globaltype(vm_decoder *d, vm_globaltype *out)
{
    uint8_t mut;
    int rc = vm__dec_valtype(d, &out->type);
    if (rc || (rc = vm__dec_u8(d, &mut))) return rc;
    if (mut > 1)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "malformed mutability");
    out->mut = mut == 1;
    return 0;
}

static int dec_import(vm_decoder *d, vm_import *im)
{
    const uint8_t *at;
    int rc;
    if ((rc = vm__dec_name(d, &im->module, &im->module_len)) ||
        (rc = vm__dec_name(d, &im->name, &im->name_len)) ||
        (rc = vm__dec_u8(d, &im->kind)))
        return rc;
    at = d->r.p;
    switch (im->kind) {
    case VM_EXTERN_FUNC:
        if ((rc = vm__dec_u32(d, &im->u.type_idx))) return rc;
        if (im->u.type_idx >= d->m->ntypes)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown type %u",
                                (unsigned)im->u.type_idx);
        return 0;
    case VM_EXTERN_TABLE: return dec_tabletype(d, &im->u.table);
    case VM_EXTERN_MEMORY: return dec_memtype(d, &im->u.mem);
    case VM_EXTERN_GLOBAL: return dec_globaltype(d, &im->u.global);
    default:
        return vm__dec_fail(d, LUN_EMALFORMED, at - 1, "malformed import kind");
    }
}

/* Imports open the index spaces: copy each into its array. */
static int place_imports(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < m->nimports; i++) n[m->imports[i].kind]++;
    if (n[VM_EXTERN_MEMORY] > 1)
        return vm__dec_fail(d, LUN_EINVALID, d->r.p, "multiple memories");
    if (grow_array(d, &m->funcs, 0, n[0], sizeof *m->funcs) ||
        grow_array(d, &m->tables, 0, n[1], sizeof *m->tables) ||
        grow_array(d, &m->mems, 0, n[2], sizeof *m->mems) ||
        grow_array(d, &m->globals, 0, n[3], sizeof *m->globals))
        return LUN_ENOMEM;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const vm_import *im = &m->imports[i];
        switch (im->kind) {
        case VM_EXTERN_FUNC:
            m->funcs[m->nfuncs].type_idx = im->u.type_idx;
            m->funcs[m->nfuncs++].type = &m->types[im->u.type_idx];
            break;
        case VM_EXTERN_TABLE: m->tables[m->ntables++] = im->u.table; break;
        case VM_EXTERN_MEMORY: m->mems[m->nmems++] = im->u.mem; break;
        default: m->globals[m->nglobals++].type = im->u.global; break;
        }
    }
    m->nfunc_imports = m->nfuncs;
    m->ntable_imports = m->ntables;
    m->nmem_imports = m->nmems;
    m->nglobal_imports = m->nglobals;
    return 0;
}

int vm__dec_imports(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((m->imports = vm__calloc(n, sizeof *m->imports)) == NULL)
        return fail_nomem(d);
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_import(d, &m->imports[i]))) return rc;
    return place_imports(d);
}

/* }===== */
/* {===== function, table, memory, global */

int vm__dec_functions(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n, type_idx;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((size_t)m->nfuncs + n > VM_MAX_FUNCS)
        return vm__dec_fail(d, LUN_EINVALID, d->r.p, "too many functions");
    if ((rc = grow_array(d, &m->funcs, m->nfuncs, (size_t)m->nfuncs + n,
                         sizeof *m->funcs)))
        return rc;
    d->nfunc_decls = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r.p;
        if ((rc = vm__dec_u32(d, &type_idx))) return rc;
        if (type_idx >= m->ntypes)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown type %u",
                                (unsigned)type_idx);
        m->funcs[m->nfuncs].type_idx = type_idx;
        m->funcs[m->nfuncs++].type = &m->types[type_idx];
    }
    return 0;
}

int vm__dec_tables(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((rc = grow_array(d, &m->tables, m->ntables, (size_t)m->ntables + n,
                         sizeof *m->tables)))
        return rc;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_tabletype(d, &m->tables[m->ntables++]))) return rc;
    return 0;
}

int vm__dec_memories(vm_decoder *d)
{
    vm_module_t *m = d->m;
    const uint8_t *at = d->r.p;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if (m->nmems + n > 1)
        return vm__dec_fail(d, LUN_EINVALID, at, "multiple memories");
    if ((rc = grow_array(d, &m->mems, m->nmems, (size_t)m->nmems + n,
                         sizeof *m->mems)))
        return rc;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_memtype(d, &m->mems[m->nmems++]))) return rc;
    return 0;
}

int vm__dec_globals(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((rc = grow_array(d, &m->globals, m->nglobals, (size_t)m->nglobals + n,
                         sizeof *m->globals)))
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_global_def *g = &m->globals[m->nglobals++];
        if ((rc = dec_globaltype(d, &g->type)) ||
            (rc = vm__dec_constexpr(d, &g->init)))
            return rc;
    }
    return 0;
}

/* }===== */
/* {===== export, start */

static int compare_export_names(const void *a, const void *b)
{
    const vm_export *x = *(const vm_export *const *)a;
    const vm_export *y = *(const vm_export *const *)b;
    if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

/* Heapsort of the export pointers by name: O(n log n) without libc's
 * qsort, which may call malloc itself (glibc's does past 1 KiB), out of
 * the embedder's vm_allocator's reach. */
static void sift_down(const vm_export **a, uint32_t root, uint32_t n)
{
    for (uint32_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && compare_export_names(&a[child], &a[child + 1]) < 0)
            child++;
        if (compare_export_names(&a[root], &a[child]) >= 0) return;
        const vm_export *t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

static void sort_exports(const vm_export **a, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (uint32_t end = n; end-- > 1;) {
        const vm_export *t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/* Sorting makes the check O(n log n): a module may export many names. */
static int check_unique_exports(vm_decoder *d)
{
    vm_module_t *m = d->m;
    const vm_export **sorted;
    int rc = 0;
    if (m->nexports < 2) return 0;
    if ((sorted = vm__malloc(m->nexports * sizeof *sorted)) == NULL)
        return fail_nomem(d);
    for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
    sort_exports(sorted, m->nexports);
    for (uint32_t i = 1; i < m->nexports && rc == 0; i++)
        if (compare_export_names(&sorted[i - 1], &sorted[i]) == 0)
            rc = vm__dec_fail(d, LUN_EINVALID, d->r.p, "duplicate export name");
    vm__free(sorted);
    return rc;
}

static int dec_export(vm_decoder *d, vm_export *e)
{
    static const char *const unknown[4] = {
        "unknown function", "unknown table", "unknown memory", "unknown global"};
    const vm_module_t *m = d->m;
    const uint8_t *at;
    uint32_t limit;
    int rc;
    if ((rc = vm__dec_name(d, &e->name, &e->name_len)) ||
        (rc = vm__dec_u8(d, &e->kind)))
        return rc;
    if (e->kind > VM_EXTERN_GLOBAL)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "malformed export kind");
    at = d->r.p;
    if ((rc = vm__dec_u32(d, &e->index))) return rc;
    limit = e->kind == VM_EXTERN_FUNC    ? m->nfuncs
            : e->kind == VM_EXTERN_TABLE ? m->ntables
            : e->kind == VM_EXTERN_MEMORY ? m->nmems
                                          : m->nglobals;
    if (e->index >= limit)
        return vm__dec_fail(d, LUN_EINVALID, at, "%s %u", unknown[e->kind],
                            (unsigned)e->index);
    return 0;
}

int vm__dec_exports(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((m->exports = vm__calloc(n, sizeof *m->exports)) == NULL)
        return fail_nomem(d);
    m->nexports = n;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_export(d, &m->exports[i]))) return rc;
    return check_unique_exports(d);
}

int vm__dec_start(vm_decoder *d)
{
    vm_module_t *m = d->m;
    const uint8_t *at = d->r.p;
    const vm_functype *t;
    int rc = vm__dec_u32(d, &m->start);
    if (rc) return rc;
    if (m->start >= m->nfuncs)
        return vm__dec_fail(d, LUN_EINVALID, at, "unknown function %u",
                            (unsigned)m->start);
    t = m->funcs[m->start].type;
    if (t->nparams != 0 || t->nresults != 0)
        return vm__dec_fail(d, LUN_EINVALID, at, "start function");
    m->has_start = true;
    return 0;
}

/* }===== */
/* {===== element */

static int dec_elem_func(vm_decoder *d, vm_elem_item *item)
{
    const uint8_t *at = d->r.p;
    int rc = vm__dec_u32(d, &item->index);
    if (rc) return rc;
    if (item->index >= d->m->nfuncs)
        return vm__dec_fail(d, LUN_EINVALID, at, "unknown function %u",
                            (unsigned)item->index);
    item->kind = VM_ITEM_FUNC;
    return 0;
}

/* Whether every instruction of ce is one a constant expression may hold
 * (then a wrong element expression is a type error, as the spec words it). */
static bool only_constant_instrs(const vm_decoder *d, const vm_constexpr *ce)
{
    vm_decoder scan = *d;
    int op = -1;
    scan.err = NULL;
    scan.r.p = ce->code;
    scan.r.end = ce->code + ce->len;
    while (scan.r.p < scan.r.end) {
        if (vm__dec_instr(&scan, &op)) return false;
        if (op != OP_END && op != OP_I32_CONST && op != OP_I64_CONST &&
            op != OP_F32_CONST && op != OP_F64_CONST && op != OP_REF_NULL &&
            op != OP_REF_FUNC && op != OP_GLOBAL_GET)
            return false;
    }
    return true;
}

/* An element expression is one of three forms; each maps to an item. The
 * expression was already scanned, so these reads cannot run off its end. */
static int classify_elem_expr(vm_decoder *d, const vm_constexpr *ce,
                              uint8_t reftype, vm_elem_item *item)
{
    vm_reader r = {ce->code, ce->code + ce->len, d->r.base};
    const uint8_t *at = ce->code;
    uint8_t op = 0, t = 0, end = 0;
    int bad = vm__read_u8(&r, &op);
    if (op == 0xd2) {
        bad |= vm__read_u32(&r, &item->index);
        item->kind = VM_ITEM_FUNC;
        if (!bad && item->index >= d->m->nfuncs)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown function %u",
                                (unsigned)item->index);
        if (!bad && reftype != VM_FUNCREF)
            return vm__dec_fail(d, LUN_EINVALID, at, "type mismatch");
    } else if (op == 0xd0) {
        bad |= vm__read_u8(&r, &t);
        item->kind = VM_ITEM_NULL;
        if (!bad && t != reftype)
            return vm__dec_fail(d, LUN_EINVALID, at, "type mismatch");
    } else if (op == 0x23) {
        bad |= vm__read_u32(&r, &item->index);
        item->kind = VM_ITEM_GLOBAL;
        if (!bad && item->index >= d->m->nglobals)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown global %u",
                                (unsigned)item->index);
    } else {
        bad = 1;
    }
    bad |= vm__read_u8(&r, &end);
    if (bad || end != 0x0b || r.p != r.end)
        return vm__dec_fail(d, LUN_EINVALID, at, "%s",
                            only_constant_instrs(d, ce)
                                ? "type mismatch"
                                : "constant expression required");
    return 0;
}

static int dec_elem_expr(vm_decoder *d, uint8_t reftype, vm_elem_item *item)
{
    vm_constexpr ce;
    int rc = vm__dec_constexpr(d, &ce);
    return rc ? rc : classify_elem_expr(d, &ce, reftype, item);
}

/* The segment's mode, table, offset and element type: flag bit 0 means
 * passive or declarative, bit 1 an explicit table index (or declarative),
 * bit 2 expressions instead of function indices. */
static int dec_elem_header(vm_decoder *d, uint32_t flags, vm_elem *e)
{
    uint8_t kind;
    int rc;
    e->reftype = VM_FUNCREF;
    if (flags & 1) {
        e->mode = (flags & 2) ? VM_SEG_DECLARATIVE : VM_SEG_PASSIVE;
    } else {
        const uint8_t *at = d->r.p;
        e->mode = VM_SEG_ACTIVE;
        if ((flags & 2) && (rc = vm__dec_u32(d, &e->table))) return rc;
        if (e->table >= d->m->ntables)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown table %u",
                                (unsigned)e->table);
        if ((rc = vm__dec_constexpr(d, &e->offset))) return rc;
    }
    if ((flags & 3) == 0) return 0; /* flags 0 and 4: funcref implied */
    if (flags & 4) return vm__dec_reftype(d, &e->reftype);
    if ((rc = vm__dec_u8(d, &kind))) return rc;
    if (kind != 0x00)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "malformed element kind");
    return 0;
}

static int dec_elem(vm_decoder *d, vm_elem *e)
{
    const uint8_t *at = d->r.p;
    uint32_t flags, n;
    int rc = vm__dec_u32(d, &flags);
    if (rc) return rc;
    if (flags > 7)
        return vm__dec_fail(d, LUN_EMALFORMED, at,
                            "malformed elements segment kind");
    if ((rc = dec_elem_header(d, flags, e)) || (rc = vm__dec_count(d, &n)))
        return rc;
    if (n && (e->items = vm__calloc(n, sizeof *e->items)) == NULL)
        return fail_nomem(d);
    e->count = n;
    for (uint32_t i = 0; i < n; i++) {
        rc = (flags & 4) ? dec_elem_expr(d, e->reftype, &e->items[i])
                         : dec_elem_func(d, &e->items[i]);
        if (rc) return rc;
    }
    return 0;
}

int vm__dec_elems(vm_decoder *d)
{
    vm_module_t *m = d->m;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc || n == 0) return rc;
    if ((m->elems = vm__calloc(n, sizeof *m->elems)) == NULL) return fail_nomem(d);
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_elem(d, &m->elems[i]))) return rc;
    return 0;
}

/* }===== */
/* {===== data count, code, data */

int vm__dec_datacount(vm_decoder *d)
{
    int rc = vm__dec_u32(d, &d->m->datacount);
    if (rc == 0) d->m->has_datacount = true;
    return rc;
}

/* Local declarations: a first pass checks them and sums the count (kept
 * under VM_MAX_LOCALS before anything is allocated), a second expands. */
static int dec_locals(vm_decoder *d, vm_func *f)
{
    const uint8_t *decls;
    uint64_t total = 0;
    uint32_t ndecls, n;
    uint8_t t;
    int rc = vm__dec_count(d, &ndecls);
    if (rc) return rc;
    decls = d->r.p;
    for (uint32_t i = 0; i < ndecls; i++) {
        const uint8_t *at = d->r.p;
        if ((rc = vm__dec_u32(d, &n)) || (rc = vm__dec_valtype(d, &t)))
            return rc;
        total += n;
        if (total + f->type->nparams > VM_MAX_LOCALS)
            return vm__dec_fail(d, LUN_EMALFORMED, at, "too many locals");
    }
    if (total == 0) return 0;
    if ((f->local_types = vm__malloc(total)) == NULL) return fail_nomem(d);
    f->nlocals = (uint32_t)total;
    vm_reader r = {decls, d->r.p, d->r.base};
    for (uint32_t i = 0, at = 0; i < ndecls; i++) {
        (void)vm__read_u32(&r, &n);
        (void)vm__read_u8(&r, &t);
        memset(f->local_types + at, t, n);
        at += n;
    }
    return 0;
}

/* The instructions of a body, checked for encoding and for block
 * structure: the end that closes the function must be its last byte. */
static int dec_instrs(vm_decoder *d, vm_func *f)
{
    size_t depth = 1; /* the function's own block */
    int op, rc;
    f->body = d->r.p;
    f->body_offset = (uint32_t)(d->r.p - d->r.base);
    while (d->r.p < d->r.end) {
        const uint8_t *at = d->r.p;
        if (depth == 0)
            return vm__dec_fail(d, LUN_EMALFORMED, at,
                                "operators remaining after end of function");
        if ((rc = vm__dec_instr(d, &op))) return rc;
        if (op == OP_BLOCK || op == OP_LOOP || op == OP_IF) depth++;
        else if (op == OP_END) depth--;
        else if ((op == OP_MEMORY_INIT || op == OP_DATA_DROP) &&
                 d->datacount_use == NULL)
            d->datacount_use = at; /* judged once the data section is seen */
    }
    if (depth != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p, "END opcode expected");
    f->body_len = (uint32_t)(d->r.p - f->body);
    return 0;
}

static int dec_body(vm_decoder *d, vm_func *f)
{
    const uint8_t *start = d->r.p, *section_end = d->r.end;
    uint32_t size;
    int rc = vm__dec_u32(d, &size);
    if (rc) return rc;
    if (size > vm__dec_left(d))
        return vm__dec_fail(d, LUN_EMALFORMED, start, "length out of bounds");
    d->r.end = d->r.p + size; /* the body bounds every read inside it */
    rc = dec_locals(d, f);
    if (rc == 0) rc = dec_instrs(d, f);
    d->r.end = section_end;
    return rc;
}

int vm__dec_code(vm_decoder *d)
{
    vm_module_t *m = d->m;
    const uint8_t *at = d->r.p;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc) return rc;
    d->has_code = true;
    if (n != d->nfunc_decls)
        return vm__dec_fail(d, LUN_EMALFORMED, at,
            "function and code section have inconsistent lengths");
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_body(d, &m->funcs[m->nfunc_imports + i]))) return rc;
    return 0;
}

static int dec_data(vm_decoder *d, vm_data *seg)
{
    const uint8_t *at = d->r.p;
    uint32_t flags;
    int rc = vm__dec_u32(d, &flags);
    if (rc) return rc;
    if (flags > 2)
        return vm__dec_fail(d, LUN_EMALFORMED, at,
                            "malformed data segment kind");
    seg->mode = flags == 1 ? VM_SEG_PASSIVE : VM_SEG_ACTIVE;
    if (flags != 1) {
        at = d->r.p;
        if (flags == 2 && (rc = vm__dec_u32(d, &seg->memory))) return rc;
        if (seg->memory >= d->m->nmems)
            return vm__dec_fail(d, LUN_EINVALID, at, "unknown memory %u",
                                (unsigned)seg->memory);
        if ((rc = vm__dec_constexpr(d, &seg->offset))) return rc;
    }
    return vm__dec_bytes(d, &seg->bytes, &seg->len);
}

int vm__dec_datas(vm_decoder *d)
{
    vm_module_t *m = d->m;
    const uint8_t *at = d->r.p;
    uint32_t n;
    int rc = vm__dec_count(d, &n);
    if (rc) return rc;
    d->has_data = true;
    if (m->has_datacount && n != m->datacount)
        return vm__dec_fail(d, LUN_EMALFORMED, at,
            "data count and data section have inconsistent lengths");
    if (n == 0) return 0;
    if ((m->datas = vm__calloc(n, sizeof *m->datas)) == NULL) return fail_nomem(d);
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = dec_data(d, &m->datas[i]))) return rc;
    return 0;
}

/* }===== */
/* {===== the name section (function names only; errors are ignored) */

/* Walks a function name map; with apply set, stores the names. Returns
 * nonzero on any malformation (the caller then ignores the section). */
static int walk_func_names(vm_decoder *d, bool apply)
{
    vm_module_t *m = d->m;
    const uint8_t *s;
    uint32_t n, idx, len;
    int rc = vm__dec_count(d, &n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = vm__dec_u32(d, &idx)) || (rc = vm__dec_bytes(d, &s, &len)))
            break;
        if (idx >= m->nfuncs || !vm__utf8_valid(s, len)) return LUN_EMALFORMED;
        if (!apply) continue;
        char *name = vm__malloc((size_t)len + 1);
        if (name == NULL) return LUN_ENOMEM;
        memcpy(name, s, len);
        name[len] = '\0';
        vm__free((void *)m->funcs[idx].name);
        m->funcs[idx].name = name;
    }
    if (rc == 0 && d->r.p != d->r.end) rc = LUN_EMALFORMED;
    return rc;
}

void vm__dec_names(vm_decoder *d)
{
    vm_decoder nd = *d;
    uint8_t id;
    uint32_t size;
    if (d->names == NULL) return;
    nd.err = NULL; /* a bad name section is ignored: no message */
    nd.section = "name";
    nd.r.p = d->names;
    nd.r.end = d->names + d->names_len;
    while (nd.r.p < nd.r.end) {
        const uint8_t *section_end = nd.r.end, *sub;
        if (vm__dec_u8(&nd, &id) || vm__dec_u32(&nd, &size) ||
            size > vm__dec_left(&nd))
            return;
        sub = nd.r.p;
        nd.r.end = sub + size;
        if (id == 1 && walk_func_names(&nd, false) == 0) {
            nd.r.p = sub;
            (void)walk_func_names(&nd, true);
            return;
        }
        nd.r.p = nd.r.end;
        nd.r.end = section_end;
    }
}

/* }===== */
