/* trap.c: lunatic::trap::catch (LUNATIC_ABI.md 1.3.9). */
#include "common/lun_prefix.h"

#include "host/host_int.h"

/* Run the guest's _lunatic_catch_trap(function, pointer) as this call's
 * continuation; a trap inside it makes this call return 0 instead. */
static vm_status h_catch(vm_exec_t *ex, vm_slot *a, void *ud)
{
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_func_t *f = inst ? vm_instance_export_func(inst, "_lunatic_catch_trap")
                        : NULL;
    vm_value args[2] = {{.u64 = a[0].u64}, {.u64 = a[1].u64}};
    (void)ud;
    if (!f)
        return host__trap(ex, "lunatic::trap::catch: the module exports no "
                               "function '_lunatic_catch_trap'");
    if (vm_exec_host_call(ex, f, args, 2, true) != 0)
        return host__trap(ex, "lunatic::trap::catch: "
                               "'_lunatic_catch_trap' must be (i32 i32) -> i32");
    return VM_CALL;
}

const sched_binding_t host__api_trap[] = {
    {"lunatic::trap", "catch", "ii:i", h_catch},
};
const size_t host__api_trap_n =
    sizeof host__api_trap / sizeof host__api_trap[0];
