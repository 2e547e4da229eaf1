/* api_link.c: the one table of every lunatic::* host function (gathered
 * from the api_*.c files), bound once per runtime and shared by every
 * instance; the helpers the host functions share. The process a host
 * function acts for is the exec's userdata, so no per-process binding is
 * needed. Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

static const struct group {
    const sched_binding_t *b;
    const size_t *n;
} groups[] = {
    {sched__api_process, &sched__api_process_n},
    {sched__api_message, &sched__api_message_n},
    {sched__api_timer, &sched__api_timer_n},
    {sched__api_registry, &sched__api_registry_n},
    {sched__api_misc, &sched__api_misc_n},
    {sched__api_dist, &sched__api_dist_n},
    {sched__api_net, &sched__api_net_n},
    {sched__api_udp_tls, &sched__api_udp_tls_n},
    {sched__api_sqlite, &sched__api_sqlite_n},
};
#define NGROUPS (sizeof groups / sizeof groups[0])

/* The binding at flat index i. */
static const sched_binding_t *binding_at(uint32_t i)
{
    for (size_t g = 0; g < NGROUPS; g++) {
        if (i < *groups[g].n)
            return &groups[g].b[i];
        i -= (uint32_t)*groups[g].n;
    }
    return NULL;
}

static uint32_t binding_count(void)
{
    uint32_t n = 0;
    for (size_t g = 0; g < NGROUPS; g++)
        n += (uint32_t)*groups[g].n;
    return n;
}

/* The WASI context of the calling process, for the shared WASI set. */
static wasi_ctx_t *cur_wasi(vm_exec_t *ex) { return sched__cur(ex)->wasi; }

int sched__bindings_init(sched_runtime_t *rt)
{
    uint32_t n = binding_count();
    int rc = wasi_funcs_new(cur_wasi, &rt->wasi_funcs);
    if (rc != 0)
        return rc;
    rt->host_funcs = calloc(n, sizeof *rt->host_funcs);
    if (!rt->host_funcs)
        return LUN_ENOMEM;
    rt->nhost_funcs = n;
    for (uint32_t i = 0; i < n; i++) {
        const sched_binding_t *b = binding_at(i);
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

static int find_binding(const vm_import_info *info)
{
    uint32_t n = binding_count();
    for (uint32_t i = 0; i < n; i++) {
        const sched_binding_t *b = binding_at(i);
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

uint32_t sched__bind_imports(sched_runtime_t *rt, const vm_module_t *m,
                             vm_extern *tmpl, char *err, size_t errlen)
{
    uint32_t n = vm_module_import_count(m), missing = 0;
    vm_import_info first = {0};
    size_t wn = strlen(WASI_MODULE_NAME);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        int b = -1;
        if (vm_module_import(m, i, &info) != 0)
            continue;
        if (info.kind == VM_EXTERN_FUNC && (b = find_binding(&info)) >= 0) {
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

/* {===== helpers of the host functions */

uint8_t *sched__guest(vm_exec_t *ex, uint32_t ptr, uint64_t len)
{
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_memory_t *mem = inst ? vm_instance_memory(inst) : NULL;
    uint64_t size = 0;
    uint8_t *base = mem ? vm_memory_data(mem, &size) : NULL;
    if (!mem || (uint64_t)ptr > size || len > size - ptr)
        return NULL;
    /* A zero-length range at a valid address is fine even if base is
     * NULL (a memory of 0 pages); callers never dereference it then. */
    return base ? base + ptr : (uint8_t *)"";
}

vm_status sched__trap(vm_exec_t *ex, const char *msg)
{
    vm_exec_set_trap(ex, VM_TRAP_HOST, msg);
    return VM_TRAP;
}

void sched__put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t sched__get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

uint64_t sched__error_new(sched_proc_t *p, const char *msg)
{
    uint64_t id = 0;
    char *s = strdup(msg);
    if (s && sched__restab_add(&p->res, &sched__res_error, s, &id) != 0)
        free(s);
    return id;
}

/* }===== */
