/* guest_vec.c: handing a host-made buffer to the guest, as Lunatic's
 * write_to_guest_vec does for lunatic::sqlite and the certificate helpers
 * of lunatic::distributed: the guest's own allocator (its export
 * lunatic_alloc) makes room, the bytes are copied there, the pointer is
 * the call's result and the length goes to a pointer the guest gave.
 * Interface: host_int.h (host__give_guest). */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <string.h>

#include "host/host_int.h"

/* Call the guest's lunatic_alloc(len) on a separate exec of the same
 * instance, nested in this host call (nested.c): the caller's exec is
 * suspended here, and VM_CALL would make the allocation the call's result
 * before we could copy anything into it. This is the re-entrant call
 * Lunatic makes. */
static vm_status guest_alloc(vm_exec_t *ex, const char *ns, uint32_t len,
                             uint32_t *out)
{
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_func_t *f = inst ? vm_instance_export_func(inst, "lunatic_alloc")
                        : NULL;
    uint32_t np = 0, nr = 0;
    const uint8_t *pt, *rt;
    char why[240], msg[320];
    if (f)
        vm_func_type(f, &np, &pt, &nr, &rt);
    if (!f || np != 1 || nr != 1 || pt[0] != VM_I32 || rt[0] != VM_I32) {
        snprintf(msg, sizeof msg, "%s: the module exports no function "
                 "'lunatic_alloc' (i32) -> i32", ns);
        return host__trap(ex, msg);
    }
    vm_exec_t *sub = vm_exec_new(NULL);
    vm_value arg = {.u32 = len}, res = {0};
    if (!sub || vm_exec_call(sub, f, &arg, 1) != 0) {
        vm_exec_free(sub);
        snprintf(msg, sizeof msg, "%s: out of memory", ns);
        return host__trap(ex, msg);
    }
    vm_exec_set_userdata(sub, sched__cur(ex));
    vm_status st = sched__run_nested(ex, sub, SCHED_NESTED_BUDGET, why,
                                     sizeof why);
    if (st == VM_DONE && vm_exec_results(sub, &res, 1) == 1) {
        *out = res.u32;
        vm_exec_free(sub);
        return VM_OK;
    }
    vm_exec_free(sub);
    /* Failures of nested allocations are reported once, not per level. */
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s: lunatic_alloc failed: ", ns);
    snprintf(msg, sizeof msg, "%s%s",
             strncmp(why, prefix, strlen(prefix)) == 0 ? "" : prefix,
             st == VM_DONE ? "no result" : why);
    return host__trap(ex, msg);
}

vm_status host__give_guest(vm_exec_t *ex, const char *ns,
                           const uint8_t *bytes, size_t len,
                           uint32_t len_ptr, vm_slot *a)
{
    uint32_t ptr = 0;
    char msg[160];
    if (len > UINT32_MAX) {
        snprintf(msg, sizeof msg, "%s: out of memory", ns);
        return host__trap(ex, msg);
    }
    vm_status st = guest_alloc(ex, ns, (uint32_t)len, &ptr);
    if (st != VM_OK)
        return st;
    /* Looked up after the allocation: it may have grown memory. */
    uint8_t *dst = host__guest(ex, ptr, len);
    uint8_t *lp = host__guest(ex, len_ptr, 4);
    if (!dst || !lp) {
        snprintf(msg, sizeof msg, "%s: pointer out of bounds", ns);
        return host__trap(ex, msg);
    }
    if (len)
        memcpy(dst, bytes, len);
    /* Building the buffer copied as much: charge both copies. */
    vm_exec_charge(ex, 2 * len / SCHED_COPY_BYTES_PER_RED);
    for (int i = 0; i < 4; i++) /* a u32, what guests read (quirk 1) */
        lp[i] = (uint8_t)(len >> (8 * i));
    a[0].u32 = ptr;
    return VM_OK;
}
