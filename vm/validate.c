/* validate.c: module-level validation (constant expressions, globals,
 * element and data segments) and the set of referenceable functions; the
 * bodies are checked by validate_ops.c. Interface: vm__validate (vm_int.h). */
#include "common/lun_prefix.h"

#include "vm/validate_int.h"

#include <inttypes.h>
#include <stdio.h>

/* Where a constant expression sits, for error messages. */
typedef struct cx_site {
    const char *section; /* "global", "element", "data" */
    char *err;
    size_t errlen;
} cx_site;

static int cx_fail(const cx_site *site, const vm_constexpr *e,
                   const uint8_t *at, int rc, const char *why)
{
    size_t off = (size_t)e->offset + (size_t)(at - e->code);
    return vm__errorf(rc, site->err, site->errlen,
                      "%s section (offset 0x%zx): %s", site->section, off, why);
}

/* "unknown <what> <idx>", the reference interpreter's wording. */
static int cx_unknown(const cx_site *site, const vm_constexpr *e,
                      const uint8_t *at, const char *what, uint32_t idx)
{
    char why[64];
    snprintf(why, sizeof why, "unknown %s %" PRIu32, what, idx);
    return cx_fail(site, e, at, LUN_EINVALID, why);
}

static void mark_func_ref(vm_module_t *m, uint32_t fidx)
{
    if (fidx < m->nfuncs) m->func_refs[fidx >> 3] |= (uint8_t)(1u << (fidx & 7));
}

/* The one operand a constant-expression instruction pushes, or 0 with
 * *out_rc set when the instruction is not allowed (or badly encoded). */
static uint8_t cx_instr(vm_module_t *m, const cx_site *site,
                        const vm_constexpr *e, vm_reader *r, uint8_t op,
                        int *out_rc)
{
    const uint8_t *at = r->p - 1;
    int64_t v;
    uint32_t idx;
    uint8_t t;
    *out_rc = 0;
    switch (op) {
    case 0x41: if (vm__read_sleb(r, 32, &v) == 0) return VM_I32; break;
    case 0x42: if (vm__read_sleb(r, 64, &v) == 0) return VM_I64; break;
    case 0x43: /* f32.const, 4 bytes */
        if (r->end - r->p < 4) break;
        r->p += 4;
        return VM_F32;
    case 0x44: /* f64.const, 8 bytes */
        if (r->end - r->p < 8) break;
        r->p += 8;
        return VM_F64;
    case 0xfd: /* v128.const (sub-opcode 12), 16 bytes */
        if (vm__read_u32(r, &idx) != 0 || idx != 12 || r->end - r->p < 16) break;
        r->p += 16;
        return VM_V128;
    case 0xd0: /* ref.null t */
        if (vm__read_u8(r, &t) == 0 && (t == VM_FUNCREF || t == VM_EXTERNREF))
            return t;
        break;
    case 0xd2: /* ref.func x: also declares x referenceable */
        if (vm__read_u32(r, &idx) != 0) break;
        if (idx >= m->nfuncs) {
            *out_rc = cx_unknown(site, e, at, "function", idx);
            return 0;
        }
        mark_func_ref(m, idx);
        return VM_FUNCREF;
    case 0x23: /* global.get x: in 2.0 only immutable imported globals */
        if (vm__read_u32(r, &idx) != 0) break;
        if (idx >= m->nglobal_imports) {
            *out_rc = cx_unknown(site, e, at, "global", idx);
            return 0;
        }
        if (m->globals[idx].type.mut) break;
        return m->globals[idx].type.type;
    default: break;
    }
    *out_rc = cx_fail(site, e, at, LUN_EINVALID, "constant expression required");
    return 0;
}

/* A constant expression must leave exactly one value of type `expect`.
 * Only pushes are allowed, so a count and the last type suffice. */
static int check_constexpr(vm_module_t *m, const cx_site *site,
                           const vm_constexpr *e, uint8_t expect)
{
    vm_reader r = {e->code, e->code + e->len, NULL};
    uint32_t depth = 0;
    uint8_t top = 0, op;
    int rc;
    for (;;) {
        const uint8_t *at = r.p;
        if (vm__read_u8(&r, &op) != 0)
            return cx_fail(site, e, at, LUN_EMALFORMED, "unexpected end");
        if (op == 0x0b) break;
        top = cx_instr(m, site, e, &r, op, &rc);
        if (rc != 0) return rc;
        depth++;
    }
    if (r.p != r.end) /* decode.c ends the expression at its first end */
        return cx_fail(site, e, r.p, LUN_EMALFORMED, "illegal opcode");
    if (depth != 1 || top != expect)
        return cx_fail(site, e, r.p - 1, LUN_EINVALID, "type mismatch");
    return 0;
}

static int check_globals(vm_module_t *m, char *err, size_t errlen)
{
    const cx_site site = {"global", err, errlen};
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        const vm_global_def *g = &m->globals[i];
        int rc = check_constexpr(m, &site, &g->init, g->type.type);
        if (rc != 0) return rc;
    }
    return 0;
}

static int elem_fail(char *err, size_t errlen, uint32_t seg, const char *why,
                     const char *what, uint32_t idx)
{
    if (what != NULL)
        return vm__errorf(LUN_EINVALID, err, errlen,
                          "element section: segment %" PRIu32
                          ": unknown %s %" PRIu32,
                          seg, what, idx);
    return vm__errorf(LUN_EINVALID, err, errlen,
                      "element section: segment %" PRIu32 ": %s", seg, why);
}

/* An item `ref.func x` or `global.get x`: the rules of constant
 * expressions, plus the segment's element type. */
static int check_elem_item(vm_module_t *m, const vm_elem *e, uint32_t seg,
                           const vm_elem_item *it, char *err, size_t errlen)
{
    if (it->kind == VM_ITEM_FUNC) {
        if (it->index >= m->nfuncs)
            return elem_fail(err, errlen, seg, NULL, "function", it->index);
        if (e->reftype != VM_FUNCREF)
            return elem_fail(err, errlen, seg, "type mismatch", NULL, 0);
        mark_func_ref(m, it->index);
    } else if (it->kind == VM_ITEM_GLOBAL) {
        const vm_globaltype *g;
        if (it->index >= m->nglobal_imports)
            return elem_fail(err, errlen, seg, NULL, "global", it->index);
        g = &m->globals[it->index].type;
        if (g->mut)
            return elem_fail(err, errlen, seg, "constant expression required",
                             NULL, 0);
        if (g->type != e->reftype)
            return elem_fail(err, errlen, seg, "type mismatch", NULL, 0);
    }
    return 0;
}

static int check_elem(vm_module_t *m, uint32_t seg, char *err, size_t errlen)
{
    const cx_site site = {"element", err, errlen};
    const vm_elem *e = &m->elems[seg];
    for (uint32_t i = 0; i < e->count; i++) {
        int rc = check_elem_item(m, e, seg, &e->items[i], err, errlen);
        if (rc != 0) return rc;
    }
    if (e->mode != VM_SEG_ACTIVE) return 0;
    if (e->table >= m->ntables)
        return cx_unknown(&site, &e->offset, e->offset.code, "table",
                          e->table);
    if (m->tables[e->table].elemtype != e->reftype)
        return cx_fail(&site, &e->offset, e->offset.code, LUN_EINVALID,
                       "type mismatch");
    return check_constexpr(m, &site, &e->offset, VM_I32);
}

static int check_datas(vm_module_t *m, char *err, size_t errlen)
{
    const cx_site site = {"data", err, errlen};
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const vm_data *d = &m->datas[i];
        if (d->mode != VM_SEG_ACTIVE) continue;
        if (d->memory >= m->nmems)
            return cx_unknown(&site, &d->offset, d->offset.code, "memory",
                              d->memory);
        int rc = check_constexpr(m, &site, &d->offset, VM_I32);
        if (rc != 0) return rc;
    }
    return 0;
}

int vm__validate(vm_module_t *m, char *err, size_t errlen)
{
    int rc;
    vm__free(m->func_refs);
    m->func_refs = vm__calloc((size_t)m->nfuncs / 8 + 1, 1);
    if (m->func_refs == NULL)
        return vm__errorf(LUN_ENOMEM, err, errlen, "out of memory");
    /* ref.func in a body may only name functions referenced elsewhere in
     * the module (C.refs in the spec), so collect those first. The start
     * function does not count. */
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == VM_EXTERN_FUNC)
            mark_func_ref(m, m->exports[i].index);
    if ((rc = check_globals(m, err, errlen)) != 0) return rc;
    for (uint32_t i = 0; i < m->nelems; i++)
        if ((rc = check_elem(m, i, err, errlen)) != 0) return rc;
    if ((rc = check_datas(m, err, errlen)) != 0) return rc;
    return vm__validate_bodies(m, err, errlen);
}
