/* api_process.c: the lunatic::process host functions: configs and
 * permissions, compile_module, spawn and get_or_spawn, sleep_ms, links,
 * monitors, kill (LUNATIC_ABI.md 1.2, 1.3.1, 1.3.4). Bound by api_link.c. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* {===== configs */

/* The config with this id; NULL (and a trap set) if there is none. */
static sched_config_t *config_of(vm_exec_t *ex, uint64_t id)
{
    sched_config_t *c = sched__restab_get(&sched__cur(ex)->configs, id);
    if (!c)
        vm_exec_set_trap(ex, VM_TRAP_HOST, "unknown config id");
    return c;
}

/* A config to change. Spawned processes keep a reference to the config
 * they were made with, so a shared one is copied first. */
sched_config_t *sched__config_mut(vm_exec_t *ex, uint64_t id)
{
    sched_proc_t *p = sched__cur(ex);
    sched_config_t *c = config_of(ex, id);
    if (!c || atomic_load(&c->refs) == 1)
        return c;
    sched_config_t *n = sched__config_clone(c);
    if (!n) {
        vm_exec_set_trap(ex, VM_TRAP_HOST, "out of memory");
        return NULL;
    }
    p->configs.items[id - p->configs.base] = n;
    sched__config_unref(c);
    return n;
}

static vm_status h_create_config(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_config_t *c;
    uint64_t id;
    (void)ud;
    if (!p->config->can_create_configs) {
        a[0].i64 = -1;
        return VM_OK;
    }
    if (!(c = sched__config_new()) || sched__restab_add(&p->configs, c, &id)) {
        sched__config_unref(c);
        return sched__trap(ex, "out of memory");
    }
    a[0].u64 = id;
    return VM_OK;
}

static vm_status h_drop_config(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = sched__restab_take(&sched__cur(ex)->configs, a[0].u64);
    (void)ud;
    if (!c)
        return sched__trap(ex, "unknown config id");
    sched__config_unref(c);
    return VM_OK;
}

static vm_status h_set_max_memory(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = sched__config_mut(ex, a[0].u64);
    (void)ud;
    if (!c)
        return VM_TRAP;
    c->max_memory = a[1].u64;
    return VM_OK;
}

static vm_status h_get_max_memory(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = config_of(ex, a[0].u64);
    (void)ud;
    if (!c)
        return VM_TRAP;
    a[0].u64 = c->max_memory;
    return VM_OK;
}

static vm_status h_set_max_fuel(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = sched__config_mut(ex, a[0].u64);
    (void)ud;
    if (!c)
        return VM_TRAP;
    c->max_fuel = a[1].u64;
    return VM_OK;
}

static vm_status h_get_max_fuel(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = config_of(ex, a[0].u64);
    (void)ud;
    if (!c)
        return VM_TRAP;
    a[0].u64 = c->max_fuel;
    return VM_OK;
}

/* The three permission flags share getters and setters by offset. */
#define PERM_FNS(name, field)                                              \
    static vm_status h_can_##name(vm_exec_t *ex, vm_slot *a, void *ud)    \
    {                                                                      \
        sched_config_t *c = config_of(ex, a[0].u64);                       \
        (void)ud;                                                          \
        if (!c)                                                            \
            return VM_TRAP;                                                \
        a[0].i32 = c->field ? 1 : 0;                                       \
        return VM_OK;                                                      \
    }                                                                      \
    static vm_status h_set_##name(vm_exec_t *ex, vm_slot *a, void *ud)    \
    {                                                                      \
        sched_config_t *c = sched__config_mut(ex, a[0].u64);               \
        (void)ud;                                                          \
        if (!c)                                                            \
            return VM_TRAP;                                                \
        c->field = a[1].i32 != 0;                                          \
        return VM_OK;                                                      \
    }
PERM_FNS(compile, can_compile)
PERM_FNS(create, can_create_configs)
PERM_FNS(spawn, can_spawn)

/* }===== */
/* {===== modules */

static vm_status h_compile_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint8_t *bytes = sched__guest(ex, a[0].u32, a[1].u32);
    uint8_t *out = sched__guest(ex, a[2].u32, 8);
    vm_module_t *vm = NULL;
    sched_module_t *m = NULL;
    char err[256] = "";
    uint64_t id;
    (void)ud;
    if (!bytes || !out)
        return sched__trap(ex, "compile_module: pointer out of bounds");
    if (!p->config->can_compile) {
        a[0].i32 = -1;
        return VM_OK;
    }
    vm_config cfg = {.no_fusion = p->rt->no_fusion};
    int rc = vm_module_load(bytes, a[1].u32, &cfg, &vm, err, sizeof err);
    if (rc == 0 && (rc = sched__module_new(p->rt, vm, err, sizeof err, &m)))
        vm_module_free(vm);
    if (rc == 0 && sched__restab_add(&p->modules, m, &id) != 0) {
        sched__module_unref(m);
        rc = LUN_ENOMEM;
        snprintf(err, sizeof err, "out of memory");
    }
    if (rc != 0) {
        sched__put_u64(out, sched__error_new(p, err[0] ? err
                                                       : lun_strerror(rc)));
        a[0].i32 = 1;
        return VM_OK;
    }
    sched__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_drop_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_module_t *m = sched__restab_take(&sched__cur(ex)->modules,
                                           a[0].u64);
    (void)ud;
    if (!m)
        return sched__trap(ex, "unknown module id");
    sched__module_unref(m);
    return VM_OK;
}

/* }===== */
/* {===== spawning */

/* Decode Lunatic's params: 17 bytes each, a type byte then 16 value
 * bytes (little-endian), into args (room for len / 17). False, with a
 * trap set, when one is malformed. */
static bool decode_params(vm_exec_t *ex, const uint8_t *b, uint32_t len,
                          vm_value *args)
{
    for (uint32_t i = 0; i < len / 17; i++) {
        const uint8_t *v = b + 17 * i + 1;
        uint64_t x = sched__get_u64(v);
        switch (b[17 * i]) {
        case 0x7F: args[i].i32 = (int32_t)(uint32_t)x; break;
        case 0x7E: args[i].i64 = (int64_t)x; break;
        case 0x7B: memcpy(args[i].v128, v, 16); break;
        default:
            vm_exec_set_trap(ex, VM_TRAP_HOST, "spawn: bad parameter type");
            return false;
        }
    }
    return true;
}

/* Spawns usually pass a few params: those fit on the C stack. */
#define SPAWN_ARGS_ON_STACK 8u

vm_status sched__spawn(vm_exec_t *ex, vm_slot *a, uint64_t link,
                       int64_t config_id, int64_t module_id,
                       uint32_t func_ptr, uint32_t func_len,
                       uint32_t params_ptr, uint32_t params_len,
                       uint64_t *out_id, int *out_rc)
{
    sched_proc_t *p = sched__cur(ex), *child;
    sched_config_t *c = p->config;
    sched_module_t *m = p->module;
    char err[256];
    (void)a;
    if (p->initializing)
        return sched__trap(ex, "Cannot spawn process during module "
                               "initialization");
    if (!p->config->can_spawn)
        return sched__trap(ex, "no permission to spawn processes");
    if (config_id != -1 && !(c = config_of(ex, (uint64_t)config_id)))
        return VM_TRAP;
    if (module_id != -1 &&
        !(m = sched__restab_get(&p->modules, (uint64_t)module_id)))
        return sched__trap(ex, "unknown module id");
    const uint8_t *func = sched__guest(ex, func_ptr, func_len);
    const uint8_t *params = sched__guest(ex, params_ptr, params_len);
    if (!func || !params)
        return sched__trap(ex, "spawn: pointer out of bounds");
    if (params_len % 17 != 0)
        return sched__trap(ex, "spawn: params length is not a multiple of "
                               "17");
    if (sched__proc_cap_reached(p->rt, err, sizeof err)) {
        *out_id = sched__error_new(p, err);
        *out_rc = 1;
        return VM_OK;
    }
    uint32_t nargs = params_len / 17;
    vm_value small[SPAWN_ARGS_ON_STACK];
    vm_value *args = nargs <= SPAWN_ARGS_ON_STACK ? small
                                                  : calloc(nargs, sizeof *args);
    if (!args)
        return sched__trap(ex, "out of memory");
    if (!decode_params(ex, params, params_len, args)) {
        if (args != small) free(args);
        return VM_TRAP;
    }
    child = sched__proc_new(p->rt, m, c, err, sizeof err);
    if (child)
        sched__proc_start(child, (const char *)func, func_len, args, nargs);
    if (args != small) free(args);
    if (!child) {
        *out_id = sched__error_new(p, err);
        *out_rc = 1;
        return VM_OK;
    }
    if (link != 0) {
        /* Both sides are set before the child can run, so a child that
         * fails at once is always reported (Lunatic's guarantee). */
        sched__link_add(p, child->pid, 0);
        sched__link_add(child, p->pid, (int64_t)link);
    }
    *out_id = child->pid;
    sched__mbox_publish_room(child); /* before anyone can send to it */
    sched__proc_table_add(p->rt, child);
    sched__enqueue_new(p->rt, child);
    *out_rc = 0;
    return VM_OK;
}

static vm_status h_spawn(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint8_t *out = sched__guest(ex, a[7].u32, 8);
    uint64_t id = 0;
    int rc = 0;
    (void)ud;
    if (!out)
        return sched__trap(ex, "spawn: id pointer out of bounds");
    vm_status st = sched__spawn(ex, a, a[0].u64, a[1].i64, a[2].i64, a[3].u32,
                                a[4].u32, a[5].u32, a[6].u32, &id, &rc);
    if (st != VM_OK)
        return st;
    sched__put_u64(out, id);
    a[0].i32 = rc;
    return ++sched__cur(ex)->slice_spawns >= SCHED_SPAWNS_PER_SLICE
               ? VM_YIELD : VM_OK;
}

static vm_status h_get_or_spawn(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_registry_t *r = &p->rt->registry;
    const char *name = (const char *)sched__guest(ex, a[0].u32, a[1].u32);
    uint8_t *node_out = sched__guest(ex, a[9].u32, 8);
    uint8_t *id_out = sched__guest(ex, a[10].u32, 8);
    uint64_t id = 0;
    int rc = 0;
    (void)ud;
    if (!name || !node_out || !id_out)
        return sched__trap(ex, "get_or_spawn: pointer out of bounds");
    /* The write lock is held across the spawn: lookup and register are
     * one atomic step, as in Lunatic. */
    pthread_rwlock_wrlock(&r->lock);
    sched_reg_entry_t *e = sched__registry_get(r, name, a[1].u32);
    if (e && !e->locked_by) {
        sched__put_u64(node_out, e->node);
        sched__put_u64(id_out, e->pid);
        pthread_rwlock_unlock(&r->lock);
        a[0].i32 = 2;
        return VM_OK;
    }
    vm_status st = sched__spawn(ex, a, a[2].u64, a[3].i64, a[4].i64, a[5].u32,
                                a[6].u32, a[7].u32, a[8].u32, &id, &rc);
    if (st == VM_OK) /* quirk 5: an error id is registered too */
        sched__registry_put(r, name, a[1].u32, 0, id);
    pthread_rwlock_unlock(&r->lock);
    if (st != VM_OK)
        return st;
    sched__put_u64(node_out, 0);
    sched__put_u64(id_out, id);
    a[0].i32 = rc;
    return VM_OK;
}

/* }===== */
/* {===== sleeping, identity, links, monitors, kill */

static vm_status h_sleep_ms(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    if (p->wait != SCHED_WAIT_SLEEP) {
        if (a[0].u64 == 0)
            return VM_YIELD; /* sleep(0): give the slice away */
        p->wait = SCHED_WAIT_SLEEP;
        sched__wait_timer_arm(p, a[0].u64);
        return VM_BLOCK;
    }
    if (!atomic_load(&p->timer_fired))
        return VM_BLOCK; /* woken by a message or signal: sleep on */
    sched__wait_timer_cancel(p);
    p->wait = SCHED_WAIT_NONE;
    return VM_OK;
}

static vm_status h_die_when_link_dies(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    sched__cur(ex)->trap_links = a[0].i32 != 0;
    return VM_OK;
}

static vm_status h_process_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    a[0].u64 = sched__cur(ex)->pid;
    return VM_OK;
}

static vm_status h_environment_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex;
    (void)ud;
    a[0].u64 = 1; /* `lunatic run` has one environment, id 1 */
    return VM_OK;
}

static vm_status h_link(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint64_t pid = a[1].u64;
    int64_t tag = a[0].i64;
    (void)ud;
    if (pid == p->pid)
        return VM_OK;
    sched__link_add(p, pid, tag);
    sched_proc_t *q = sched__proc_lookup(p->rt, pid);
    if (!q) {
        /* No such process: LinkDied(NoProcess) to ourselves, acted on at
         * our next yield point like any signal. */
        sched_msg_t *m = sched__msg_new(SCHED_SIG_LINK_DIED, 0);
        if (m) {
            m->pid = pid;
            m->tag = tag;
            m->reason = SCHED_NOPROC;
            sched__mbox_push(&p->mbox, m);
        }
        return VM_OK;
    }
    sched_msg_t *m = sched__msg_new(SCHED_SIG_LINK, 0);
    if (m) {
        m->pid = p->pid;
        m->tag = tag;
        sched__mbox_push(&q->mbox, m);
        sched__wake(q);
    }
    sched__proc_unref(q);
    return VM_OK;
}

static vm_status h_unlink(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    sched__link_remove(p, a[0].u64);
    sched__send_signal(p->rt, a[0].u64, SCHED_SIG_UNLINK, p->pid, 0, 0);
    return VM_OK;
}

static vm_status h_monitor(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    sched__send_signal(p->rt, a[0].u64, SCHED_SIG_MONITOR, p->pid, 0, 0);
    return VM_OK;
}

static vm_status h_stop_monitoring(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    sched__send_signal(p->rt, a[0].u64, SCHED_SIG_DEMONITOR, p->pid, 0, 0);
    return VM_OK;
}

static vm_status h_kill(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    sched__send_signal(p->rt, a[0].u64, SCHED_SIG_KILL, p->pid, 0, 0);
    return VM_OK;
}

static vm_status h_exists(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *q = sched__proc_lookup(sched__cur(ex)->rt, a[0].u64);
    (void)ud;
    a[0].i32 = q != NULL;
    if (q)
        sched__proc_unref(q);
    return VM_OK;
}

/* }===== */

#define P "lunatic::process"
const sched_binding_t sched__api_process[] = {
    {P, "compile_module", "iii:i", h_compile_module},
    {P, "drop_module", "I:", h_drop_module},
    {P, "create_config", ":I", h_create_config},
    {P, "drop_config", "I:", h_drop_config},
    {P, "config_set_max_memory", "II:", h_set_max_memory},
    {P, "config_get_max_memory", "I:I", h_get_max_memory},
    {P, "config_set_max_fuel", "II:", h_set_max_fuel},
    {P, "config_get_max_fuel", "I:I", h_get_max_fuel},
    {P, "config_can_compile_modules", "I:i", h_can_compile},
    {P, "config_set_can_compile_modules", "Ii:", h_set_compile},
    {P, "config_can_create_configs", "I:i", h_can_create},
    {P, "config_set_can_create_configs", "Ii:", h_set_create},
    {P, "config_can_spawn_processes", "I:i", h_can_spawn},
    {P, "config_set_can_spawn_processes", "Ii:", h_set_spawn},
    {P, "spawn", "IIIiiiii:i", h_spawn},
    {P, "get_or_spawn", "iiIIIiiiiii:i", h_get_or_spawn},
    {P, "sleep_ms", "I:", h_sleep_ms},
    {P, "die_when_link_dies", "i:", h_die_when_link_dies},
    {P, "process_id", ":I", h_process_id},
    {P, "environment_id", ":I", h_environment_id},
    {P, "link", "II:", h_link},
    {P, "unlink", "I:", h_unlink},
    {P, "monitor", "I:", h_monitor},
    {P, "stop_monitoring", "I:", h_stop_monitoring},
    {P, "kill", "I:", h_kill},
    {P, "exists", "I:i", h_exists},
};
const size_t sched__api_process_n =
    sizeof sched__api_process / sizeof sched__api_process[0];
