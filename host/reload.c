/* reload.c: the guest's side of hot code reloading (docs/reload.md),
 * extensions of lunatic::process beyond Lunatic:
 *   upgrade_point() -> i32: a safe point. When a newer application
 *     version exists and both versions have the upgrade hooks, the process
 *     moves to it and this call never returns (the new code goes on in its
 *     lunatic_upgrade_resume). Otherwise it returns 0 (nothing to move to,
 *     or no hooks) or 1 (a hook failed: the process stays on its code).
 *   upgrade_module(module_id: i64, error_id_ptr: i32) -> i32: make a
 *     module compiled with compile_module the application's current
 *     version, as a reload does. 0, or 1 with an error id (the message
 *     says why) at error_id_ptr. Needs the permission to compile.
 * Gathered by host.c. */
#include "common/lun_prefix.h"

#include "host/host_int.h"

static vm_status h_upgrade_point(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    bool failed = false;
    (void)ud;
    if (sched__upgrade_due(p) && sched__upgrade(ex, p, &failed) == VM_DONE)
        return VM_DONE;
    a[0].i32 = failed ? 1 : 0;
    return VM_OK;
}

static vm_status h_upgrade_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint8_t *out = host__guest(ex, a[1].u32, 8);
    sched_module_t *m;
    char err[300];
    (void)ud;
    if (!out)
        return host__trap(ex, "upgrade_module: pointer out of bounds");
    if (!p->config->can_compile)
        return host__trap(ex, "no permission to upgrade the application");
    if (!(m = sched__restab_get(&p->res, &sched__res_module, a[0].u64)))
        return host__trap(ex, "unknown module id");
    if (sched__reload_module(p->rt, m, err, sizeof err) != 0) {
        host__put_u64(out, host__error_new(p, err));
        a[0].i32 = 1;
        return VM_OK;
    }
    host__put_u64(out, 0);
    a[0].i32 = 0;
    return VM_OK;
}

#define P "lunatic::process"
const sched_binding_t host__api_reload[] = {
    {P, "upgrade_point", ":i", h_upgrade_point},
    {P, "upgrade_module", "Ii:i", h_upgrade_module},
};
const size_t host__api_reload_n =
    sizeof host__api_reload / sizeof host__api_reload[0];
