/* nested.c: guest code run from inside a host call. A few host functions
 * must run guest code before they can return: a spawned child's start
 * function (inside spawn, as in Lunatic), and the guest's lunatic_alloc
 * (lunatic::sqlite hands back buffers it allocates). Such code runs on the
 * worker's native stack, under the host call, where the scheduler cannot
 * preempt it; every such run goes through sched__run_nested, which holds
 * it to three rules:
 *  - depth: at most SCHED_NEST_MAX runs nest on one thread (an allocator
 *    calling a host function that allocates again ends there, with a trap
 *    of the offending process, not a native stack overflow);
 *  - budget: each run may spend at most SCHED_NESTED_BUDGET reductions
 *    (and no more than its caller's remaining fuel) and may not block;
 *  - charge: what it spent counts against the caller's slice and fuel
 *    (vm_exec_charge), so nesting buys no extra time on the worker.
 * No host lock may be held across a call of sched__run_nested. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <stdio.h>

#include "sched/sched_int.h"

static _Thread_local uint32_t nest_depth;

/* A nested run that did not finish may have left its process waiting:
 * a timer armed, an fd watched, a job queued, a paused copy. The process
 * is not going to wait (the caller traps, and a trap::catch may let it go
 * on): undo all that. */
static void undo_wait(sched_proc_t *p, uint8_t wait_before,
                      const sched_job_t *job_before)
{
    if (p->job && p->job != job_before)
        sched__job_abandon(p);
    if (p->wait == wait_before)
        return;
    sched__wait_timer_cancel(p);
    sched__iowait_remove(p->rt->iowait, p);
    p->wait = wait_before;
    p->host_done = 0;
}

vm_status sched__run_nested(vm_exec_t *caller, vm_exec_t *sub,
                            uint64_t budget, char *why, size_t whylen)
{
    sched_proc_t *p = caller ? sched__cur(caller) : NULL;
    uint64_t allowed = budget, spent = 0;
    vm_status st = VM_YIELD;
    if (p && sched__fuel_left(p) < allowed)
        allowed = sched__fuel_left(p);
    if (nest_depth >= SCHED_NEST_MAX) {
        snprintf(why, whylen, "guest code nested more than %d deep in host "
                 "calls", SCHED_NEST_MAX);
        return VM_TRAP;
    }
    LUN_LOCK_ASSERT_NONE_HELD(); /* checked in the LUN_LOCK_CHECK build */
    sched_proc_t *subp = sched__cur(sub);
    uint8_t wait_before = subp->wait;
    const sched_job_t *job_before = subp->job;
    nest_depth++;
    /* A host function may yield (VM_YIELD with budget left): go on. */
    while (st == VM_YIELD && spent < allowed) {
        st = vm_run(sub, allowed - spent);
        spent += vm_exec_reductions_used(sub);
    }
    nest_depth--;
    if (st != VM_DONE)
        undo_wait(subp, wait_before, job_before);
    if (caller)
        vm_exec_charge(caller, spent);
    switch (st) {
    case VM_DONE:
        return VM_DONE;
    case VM_TRAP:
        snprintf(why, whylen, "%s", vm_exec_trap_message(sub));
        return VM_TRAP;
    case VM_BLOCK:
        snprintf(why, whylen, "it made a call that waits, which guest code "
                 "run inside a host call cannot do");
        return VM_TRAP;
    default:
        if (allowed < budget)
            snprintf(why, whylen, "out of fuel");
        else
            snprintf(why, whylen, "it ran longer than %llu reductions, the "
                     "limit for guest code run inside a host call",
                     (unsigned long long)budget);
        return VM_TRAP;
    }
}
