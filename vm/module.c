/* module.c: a decoded module's lifetime and the module queries of
 * vm/vm.h: load (decode, validate, compile), free, imports and exports and
 * the type texts that describe them. */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdio.h>

/* {===== type texts for vm_import_info */

const char *vm__valtype_name(uint8_t t)
{
    switch (t) {
    case VM_I32: return "i32";
    case VM_I64: return "i64";
    case VM_F32: return "f32";
    case VM_F64: return "f64";
    case VM_V128: return "v128";
    case VM_FUNCREF: return "funcref";
    case VM_EXTERNREF: return "externref";
    default: return "?";
    }
}

uint8_t vm__valtype_of_letter(char c)
{
    switch (c) {
    case 'i': return VM_I32;
    case 'I': return VM_I64;
    case 'f': return VM_F32;
    case 'F': return VM_F64;
    case 'v': return VM_V128;
    case 'r': return VM_FUNCREF;
    case 'e': return VM_EXTERNREF;
    default: return 0;
    }
}

static void append_types(char **p, const uint8_t *types, uint32_t n)
{
    *(*p)++ = '(';
    for (uint32_t i = 0; i < n; i++) {
        const char *s = vm__valtype_name(types[i]);
        size_t len = strlen(s);
        if (i > 0) *(*p)++ = ' ';
        memcpy(*p, s, len);
        *p += len;
    }
    *(*p)++ = ')';
}

/* "func (i32 i64) -> (f32)" */
static char *functype_text(const vm_functype *t)
{
    /* "func () -> ()" plus at most 10 bytes per type name and space */
    char *s = vm__malloc(16 + 10 * ((size_t)t->nparams + t->nresults)), *p = s;
    if (s == NULL) return NULL;
    memcpy(p, "func ", 5);
    p += 5;
    append_types(&p, t->params, t->nparams);
    memcpy(p, " -> ", 4);
    p += 4;
    append_types(&p, t->results, t->nresults);
    *p = '\0';
    return s;
}

static char *limits_text(const char *what, const vm_limits *lim,
                         const char *suffix)
{
    char *s = vm__malloc(80);
    if (s == NULL) return NULL;
    if (lim->has_max)
        snprintf(s, 80, "%s %llu..%llu%s", what, (unsigned long long)lim->min,
                 (unsigned long long)lim->max, suffix);
    else
        snprintf(s, 80, "%s %llu%s", what, (unsigned long long)lim->min,
                 suffix);
    return s;
}

/* The text of entity `index` of kind `kind` in the module's index space. */
static char *extern_text(const vm_module_t *m, uint8_t kind, uint32_t index)
{
    char *s;
    switch (kind) {
    case VM_EXTERN_FUNC: return functype_text(m->funcs[index].type);
    case VM_EXTERN_TABLE:
        return limits_text("table", &m->tables[index].lim,
                           m->tables[index].elemtype == VM_FUNCREF
                               ? " funcref" : " externref");
    case VM_EXTERN_MEMORY: return limits_text("memory", &m->mems[index], "");
    default:
        if ((s = vm__malloc(32)) == NULL) return NULL;
        snprintf(s, 32, "global %s%s", m->globals[index].type.mut ? "mut " : "",
                 vm__valtype_name(m->globals[index].type.type));
        return s;
    }
}

bool vm__module_type_texts(vm_module_t *m)
{
    uint32_t next[4] = {0, 0, 0, 0}; /* next imported index per kind */
    size_t n = (size_t)m->nimports + m->nexports;
    m->type_texts = vm__calloc(n ? n : 1, sizeof *m->type_texts);
    if (m->type_texts == NULL) return false;
    for (uint32_t i = 0; i < m->nimports; i++) {
        uint8_t k = m->imports[i].kind;
        if ((m->type_texts[i] = extern_text(m, k, next[k]++)) == NULL)
            return false;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const vm_export *e = &m->exports[i];
        char *s = extern_text(m, e->kind, e->index);
        if ((m->type_texts[m->nimports + i] = s) == NULL) return false;
    }
    return true;
}

/* }===== */
/* {===== module lifetime */

static void free_funcs(vm_module_t *m)
{
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        vm_func *f = &m->funcs[i];
        vm__free(f->local_types);
        vm__free((void *)f->name);
        if (f->code) vm__code_free(f->code);
    }
    vm__free(m->funcs);
}

void vm__module_free(vm_module_t *m)
{
    if (m == NULL) return;
    for (uint32_t i = 0; i < m->nimports; i++) {
        vm__free(m->imports[i].module);
        vm__free(m->imports[i].name);
    }
    vm__free(m->imports);
    free_funcs(m);
    for (uint32_t i = 0; i < m->nexports; i++) vm__free(m->exports[i].name);
    for (uint32_t i = 0; i < m->nelems; i++) vm__free(m->elems[i].items);
    if (m->type_texts != NULL) {
        for (size_t i = 0; i < (size_t)m->nimports + m->nexports; i++)
            vm__free(m->type_texts[i]);
        vm__free(m->type_texts);
    }
    vm__free(m->exports);
    vm__free(m->elems);
    vm__free(m->types);
    vm__free(m->tables);
    vm__free(m->mems);
    vm__free(m->globals);
    vm__free(m->datas);
    vm__free(m->func_refs);
    if (m->table_plans != NULL) {
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
            vm__free(m->table_plans[i]);
        vm__free(m->table_plans);
    }
    vm__free(m->image);
    vm__free(m->bytes);
    vm__free(m);
}

/* }===== */
/* {===== the module API of vm/vm.h */

int vm_module_load(const uint8_t *bytes, size_t len, const vm_config *cfg,
                   vm_module_t **out_module, char *err, size_t errlen)
{
    vm_module_t *m;
    int rc;
    *out_module = NULL;
    if (bytes == NULL && len != 0)
        return vm__errorf(LUN_EINVAL, err, errlen, "no bytes");
    if ((rc = vm__decode(bytes, len, cfg, &m, err, errlen))) return rc;
    if ((rc = vm__validate(m, err, errlen)) == 0) {
        vm__constexprs_precompute(m); /* table plans read the offsets */
        if (!vm__table_plans_make(m) || !vm__image_make(m))
            rc = vm__errorf(LUN_ENOMEM, err, errlen, "out of memory");
    }
    if (rc) {
        vm__module_free(m);
        return rc;
    }
    *out_module = m;
    return 0;
}

void vm_module_free(vm_module_t *m)
{
    vm__module_free(m);
}

uint32_t vm_module_import_count(const vm_module_t *m)
{
    return m->nimports;
}

int vm_module_import(const vm_module_t *m, uint32_t i, vm_import_info *out)
{
    const vm_import *im;
    if (i >= m->nimports) return LUN_ENOTFOUND;
    im = &m->imports[i];
    out->module = im->module;
    out->module_len = im->module_len;
    out->name = im->name;
    out->name_len = im->name_len;
    out->kind = (vm_extern_kind)im->kind;
    out->type_text = m->type_texts[i];
    return 0;
}

uint32_t vm_module_export_count(const vm_module_t *m)
{
    return m->nexports;
}

int vm_module_export(const vm_module_t *m, uint32_t i, vm_import_info *out)
{
    const vm_export *e;
    if (i >= m->nexports) return LUN_ENOTFOUND;
    e = &m->exports[i];
    out->module = NULL;
    out->module_len = 0;
    out->name = e->name;
    out->name_len = e->name_len;
    out->kind = (vm_extern_kind)e->kind;
    out->type_text = m->type_texts[m->nimports + i];
    return 0;
}

/* }===== */
