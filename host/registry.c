/* registry.c: the lunatic::registry host functions (put, get, remove)
 * and get_or_put_later, over the runtime's registry (registry.c,
 * LUNATIC_ABI.md 1.3.5). Gathered by host.c. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include "host/host_int.h"

/* How often a get_or_put_later or get_or_spawn waiting on another's
 * reservation looks again (the reservation is short: the holder spawns,
 * then puts). */
#define RESERVATION_POLL_MS 1

/* A name in guest memory, at most HOST_REG_NAME_MAX bytes (names are copied
 * into the registry, under its lock); NULL with a trap set otherwise. */
const char *host__registry_name(vm_exec_t *ex, uint32_t ptr, uint32_t len)
{
    const char *name = (const char *)host__guest(ex, ptr, len);
    if (!name)
        vm_exec_set_trap(ex, VM_TRAP_HOST, "registry: name out of bounds");
    else if (len > HOST_REG_NAME_MAX)
        vm_exec_set_trap(ex, VM_TRAP_HOST,
                         "registry: name longer than 65536 bytes");
    return len > HOST_REG_NAME_MAX ? NULL : name;
}

static vm_status h_put(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_registry_t *r = sched__registry_of(sched__cur(ex)->rt);
    const char *name = host__registry_name(ex, a[0].u32, a[1].u32);
    (void)ud;
    if (!name)
        return VM_TRAP;
    lun_rwlock_wrlock(&r->lock);
    int rc = sched__registry_put(r, name, a[1].u32, a[2].u64, a[3].u64);
    lun_rwlock_unlock(&r->lock);
    return rc ? host__trap(ex, "out of memory") : VM_OK;
}

static vm_status h_get(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_registry_t *r = sched__registry_of(sched__cur(ex)->rt);
    const char *name = host__registry_name(ex, a[0].u32, a[1].u32);
    uint8_t *node = host__guest(ex, a[2].u32, 8);
    uint8_t *pid = host__guest(ex, a[3].u32, 8);
    (void)ud;
    if (!name)
        return VM_TRAP;
    if (!node || !pid)
        return host__trap(ex, "registry: pointer out of bounds");
    lun_rwlock_rdlock(&r->lock);
    sched_reg_entry_t *e = sched__registry_get(r, name, a[1].u32);
    bool found = e && !e->locked_by;
    if (found) {
        host__put_u64(node, e->node);
        host__put_u64(pid, e->pid);
    }
    lun_rwlock_unlock(&r->lock);
    a[0].i32 = found ? 0 : 1;
    return VM_OK;
}

static vm_status h_remove(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_registry_t *r = sched__registry_of(sched__cur(ex)->rt);
    const char *name = host__registry_name(ex, a[0].u32, a[1].u32);
    (void)ud;
    if (!name)
        return VM_TRAP;
    lun_rwlock_wrlock(&r->lock);
    sched__registry_remove(r, name, a[1].u32);
    lun_rwlock_unlock(&r->lock);
    return VM_OK;
}

enum host_name_state host__reserve_name(sched_proc_t *p, const char *name,
                                          uint32_t len, uint64_t *node,
                                          uint64_t *pid)
{
    sched_registry_t *r = sched__registry_of(p->rt);
    enum host_name_state st = HOST_NAME_RESERVED;
    sched__wait_timer_cancel(p); /* a poll of an earlier attempt */
    p->wait = SCHED_WAIT_NONE;
    lun_rwlock_wrlock(&r->lock);
    sched_reg_entry_t *e = sched__registry_get(r, name, len);
    if (e && !e->locked_by) {
        *node = e->node;
        *pid = e->pid;
        st = HOST_NAME_FOUND;
    } else if (e && e->locked_by != p->pid) {
        st = HOST_NAME_BUSY;
    } else if (!e && (sched__registry_put(r, name, len, 0, 0) != 0 ||
                      !(e = sched__registry_get(r, name, len)))) {
        st = HOST_NAME_NOMEM;
    } else {
        e->locked_by = p->pid;
        p->reserved_names = true;
    }
    lun_rwlock_unlock(&r->lock);
    if (st == HOST_NAME_BUSY) { /* look again soon */
        p->wait = SCHED_WAIT_POLL;
        sched__wait_timer_arm(p, RESERVATION_POLL_MS);
    }
    return st;
}

void host__end_reservation(sched_proc_t *p, const char *name, uint32_t len,
                            bool register_it, uint64_t pid)
{
    sched_registry_t *r = sched__registry_of(p->rt);
    lun_rwlock_wrlock(&r->lock);
    sched_reg_entry_t *e = sched__registry_get(r, name, len);
    if (register_it)
        sched__registry_put(r, name, len, 0, pid); /* ends it */
    else if (e && e->locked_by == p->pid)
        sched__registry_remove(r, name, len);
    lun_rwlock_unlock(&r->lock);
}

/* Lunatic's later registry call: 0 and the entry if the name is there;
 * else 1, and the name is reserved for the caller, whose put (or remove)
 * ends the reservation; other callers wait for it meanwhile. (Out of
 * memory, it still answers 1, with no reservation kept.) */
static vm_status h_get_or_put_later(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const char *name = host__registry_name(ex, a[0].u32, a[1].u32);
    uint8_t *node = host__guest(ex, a[2].u32, 8);
    uint8_t *pid = host__guest(ex, a[3].u32, 8);
    uint64_t n = 0, id = 0;
    (void)ud;
    if (!name)
        return VM_TRAP;
    if (!node || !pid)
        return host__trap(ex, "registry: pointer out of bounds");
    switch (host__reserve_name(p, name, a[1].u32, &n, &id)) {
    case HOST_NAME_BUSY:
        return VM_BLOCK;
    case HOST_NAME_FOUND:
        host__put_u64(node, n);
        host__put_u64(pid, id);
        a[0].i32 = 0;
        return VM_OK;
    default:
        a[0].i32 = 1;
        return VM_OK;
    }
}

#define R "lunatic::registry"
const sched_binding_t host__api_registry[] = {
    {R, "put", "iiII:", h_put},
    {R, "get", "iiii:i", h_get},
    {R, "remove", "ii:", h_remove},
    {R, "get_or_put_later", "iiii:i", h_get_or_put_later},
};
const size_t host__api_registry_n =
    sizeof host__api_registry / sizeof host__api_registry[0];
