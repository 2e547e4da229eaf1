/* error.c: lunatic::error: the error resources a failing host call
 * leaves for the guest (host__error_new), their text and their drop
 * (LUNATIC_ABI.md 1.3.7). */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "host/host_int.h"

const sched_res_kind_t host__res_error = {"error", free};

uint64_t host__error_new(sched_proc_t *p, const char *msg)
{
    uint64_t id = 0;
    char *s = strdup(msg);
    if (s && sched__restab_add(&p->res, &host__res_error, s, &id) != 0)
        free(s);
    return id;
}

static vm_status h_string_size(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = sched__restab_get(&sched__cur(ex)->res, &host__res_error,
                                      a[0].u64);
    (void)ud;
    if (!s)
        return host__trap(ex, "unknown error id");
    a[0].u32 = (uint32_t)strlen(s);
    return VM_OK;
}

static vm_status h_to_string(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = sched__restab_get(&sched__cur(ex)->res, &host__res_error,
                                      a[0].u64);
    (void)ud;
    if (!s)
        return host__trap(ex, "unknown error id");
    uint8_t *dst = host__guest(ex, a[1].u32, strlen(s));
    if (!dst)
        return host__trap(ex, "to_string: pointer out of bounds");
    memcpy(dst, s, strlen(s));
    return VM_OK;
}

static vm_status h_error_drop(vm_exec_t *ex, vm_slot *a, void *ud)
{
    char *s = sched__restab_take(&sched__cur(ex)->res, &host__res_error,
                                 a[0].u64);
    (void)ud;
    if (!s)
        return host__trap(ex, "unknown error id");
    free(s);
    return VM_OK;
}

const sched_binding_t host__api_error[] = {
    {"lunatic::error", "string_size", "I:i", h_string_size},
    {"lunatic::error", "to_string", "Ii:", h_to_string},
    {"lunatic::error", "drop", "I:", h_error_drop},
};
const size_t host__api_error_n =
    sizeof host__api_error / sizeof host__api_error[0];
