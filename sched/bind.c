/* bind.c: the host functions a runtime offers (its sched_abi_t, given by
 * whoever made it: host/ for the lunatic::* set) and WASI's, bound once
 * per runtime and shared by every instance. The process a host function
 * acts for is the exec's userdata, so no per-process binding is needed.
 * Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* The binding at flat index i of abi. */
static const sched_binding_t *binding_at(const sched_abi_t *abi, uint32_t i)
{
    for (size_t g = 0; abi && g < abi->ntables; g++) {
        if (i < *abi->tables[g].n)
            return &abi->tables[g].b[i];
        i -= (uint32_t)*abi->tables[g].n;
    }
    return NULL;
}

static uint32_t binding_count(const sched_abi_t *abi)
{
    uint32_t n = 0;
    for (size_t g = 0; abi && g < abi->ntables; g++)
        n += (uint32_t)*abi->tables[g].n;
    return n;
}

/* The WASI context of the calling process, for the shared WASI set. */
static wasi_ctx_t *cur_wasi(vm_exec_t *ex) { return sched__cur(ex)->wasi; }

int sched__bindings_init(sched_runtime_t *rt)
{
    uint32_t n = binding_count(rt->abi);
    if (n == 0) /* WASI only */
        return wasi_funcs_new(cur_wasi, &rt->wasi_funcs);
    int rc = wasi_funcs_new(cur_wasi, &rt->wasi_funcs);
    if (rc != 0)
        return rc;
    rt->host_funcs = calloc(n, sizeof *rt->host_funcs);
    if (!rt->host_funcs)
        return LUN_ENOMEM;
    rt->nhost_funcs = n;
    for (uint32_t i = 0; i < n; i++) {
        const sched_binding_t *b = binding_at(rt->abi, i);
        /* ud is the binding: the stubs name themselves in their trap. */
        rt->host_funcs[i] = vm_host_func_new(b->sig, b->fn, (void *)b,
                                             b->name);
        if (!rt->host_funcs[i])
            return LUN_ENOMEM;
    }
    return 0;
}

void sched__bindings_free(sched_runtime_t *rt)
{
    for (uint32_t i = 0; i < rt->nhost_funcs; i++)
        vm_host_func_free(rt->host_funcs[i]);
    free(rt->host_funcs);
    rt->host_funcs = NULL;
    wasi_funcs_free(rt->wasi_funcs);
    rt->wasi_funcs = NULL;
}

static int find_binding(const sched_abi_t *abi, const vm_import_info *info)
{
    uint32_t n = binding_count(abi);
    for (uint32_t i = 0; i < n; i++) {
        const sched_binding_t *b = binding_at(abi, i);
        if (strlen(b->module) == info->module_len &&
            strlen(b->name) == info->name_len &&
            memcmp(b->module, info->module, info->module_len) == 0 &&
            memcmp(b->name, info->name, info->name_len) == 0)
            return (int)i;
    }
    return -1;
}

static void escape(char *out, size_t cap, const char *s, uint32_t len)
{
    size_t o = 0;
    for (uint32_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

uint32_t sched__bind_imports(const sched_abi_t *abi, sched_runtime_t *rt,
                             const vm_module_t *m, vm_extern *tmpl, char *err,
                             size_t errlen)
{
    uint32_t n = vm_module_import_count(m), missing = 0;
    vm_import_info first = {0};
    size_t wn = strlen(WASI_MODULE_NAME);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        int b = -1;
        if (vm_module_import(m, i, &info) != 0)
            continue;
        if (info.kind == VM_EXTERN_FUNC && (b = find_binding(abi,
                                                             &info)) >= 0) {
            tmpl[i].kind = VM_EXTERN_FUNC;
            tmpl[i].u.func = rt ? rt->host_funcs[b] : NULL;
            continue;
        }
        if (info.kind == VM_EXTERN_FUNC && info.module_len == wn &&
            memcmp(info.module, WASI_MODULE_NAME, wn) == 0 &&
            strlen(info.name) == info.name_len && wasi_provides(info.name))
            continue; /* bound below, from the runtime's WASI set */
        if (missing++ == 0)
            first = info;
    }
    if (rt)
        wasi_link_funcs(rt->wasi_funcs, m, tmpl, n);
    if (missing) {
        char mod[128], name[128];
        escape(mod, sizeof mod, first.module, first.module_len);
        escape(name, sizeof name, first.name, first.name_len);
        int k = snprintf(err, errlen, "unknown import \"%s\" \"%s\" of type %s",
                         mod, name, first.type_text);
        if (missing > 1 && k > 0 && (size_t)k < errlen)
            snprintf(err + k, errlen - (size_t)k, " (and %u more)",
                     missing - 1);
    }
    return missing;
}

