/* timer.c: the lunatic::timer host functions: send_after puts the
 * scratch message on the timing wheel, cancel_timer takes it off
 * (LUNATIC_ABI.md 1.3.6). Gathered by host.c. */
#include "common/lun_prefix.h"

#include "common/lun_lock.h"
#include "host/host_int.h"

/* Timers that fired stay in the table until the next send_after, as in
 * Lunatic (cancel_timer of a fired id still returns 1 until then): that
 * send_after drops them (sched__timer_purge_fired). */

static vm_status h_send_after(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    uint64_t id;
    (void)ud;
    if (!m)
        return host__trap(ex, "send_after: no message in scratch area");
    sched__timer_purge_fired(p);
    p->scratch = NULL;
    sched_timer_t *t = sched__timer_send_after(p->rt, a[0].u64, m, a[1].u64);
    if (!t) {
        sched__msg_free(m);
        return host__trap(ex, "out of memory");
    }
    if (sched__restab_add(&p->res, &sched__res_timer, t, &id) != 0) {
        sched__timer_unref(t); /* it still fires; we just lose its id */
        return host__trap(ex, "out of memory");
    }
    a[0].u64 = id;
    return VM_OK;
}

static vm_status h_cancel_timer(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_timer_t *t = sched__restab_take(&p->res, &sched__res_timer, a[0].u64);
    (void)ud;
    if (!t) {
        a[0].i32 = 0;
        return VM_OK;
    }
    sched__timer_cancel(p->rt, t);
    sched__timer_unref(t);
    a[0].i32 = 1;
    return VM_OK;
}

const sched_binding_t host__api_timer[] = {
    {"lunatic::timer", "send_after", "II:I", h_send_after},
    {"lunatic::timer", "cancel_timer", "I:i", h_cancel_timer},
};
const size_t host__api_timer_n =
    sizeof host__api_timer / sizeof host__api_timer[0];
