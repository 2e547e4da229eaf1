/* version.c: lunatic::version: the Lunatic version this runtime's ABI
 * follows (0.13.2). */
#include "common/lun_prefix.h"

#include "host/host_int.h"

static vm_status h_major(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_minor(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 13;
    return VM_OK;
}

static vm_status h_patch(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 2;
    return VM_OK;
}

const sched_binding_t host__api_version[] = {
    {"lunatic::version", "major", ":i", h_major},
    {"lunatic::version", "minor", ":i", h_minor},
    {"lunatic::version", "patch", ":i", h_patch},
};
const size_t host__api_version_n =
    sizeof host__api_version / sizeof host__api_version[0];
