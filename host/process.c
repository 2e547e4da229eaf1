/* process.c: the lunatic::process host functions: configs and
 * permissions, compile_module, spawn and get_or_spawn, sleep_ms, links,
 * monitors, kill (LUNATIC_ABI.md 1.2, 1.3.1, 1.3.4). Gathered by host.c. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_int.h"

/* {===== configs */

/* The config with this id; NULL (and a trap set) if there is none. */
static sched_config_t *config_of(vm_exec_t *ex, uint64_t id)
{
    sched_config_t *c = sched__restab_get(&sched__cur(ex)->res,
                                          &sched__res_config, id);
    if (!c)
        vm_exec_set_trap(ex, VM_TRAP_HOST, "unknown config id");
    return c;
}

/* A config to change. Spawned processes keep a reference to the config
 * they were made with, so a shared one is copied first. */
sched_config_t *host__config_mut(vm_exec_t *ex, uint64_t id)
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
    sched__restab_set(&p->res, &sched__res_config, id, n);
    sched__config_unref(c);
    return n;
}

/* Permissions only narrow: a config never carries more than the config
 * of the process that holds it (the only process that can spawn with it).
 * A fresh config starts from Lunatic's defaults cut down to the
 * creator's; a setter asking for more than the creator has traps the
 * creator, with the field and both values (the ABI gives setters no error
 * result, and a silent clamp would surface as a confusing failure in the
 * child instead). Limits are per process: every child may use up to the
 * creator's limit, as the creator itself may. */

/* A fuel limit of 0 is none: the loosest. */
static bool fuel_within(uint64_t want, uint64_t held)
{
    return held == 0 || (want != 0 && want <= held);
}

static vm_status widen_trap(vm_exec_t *ex, const char *fn, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s refused: %s", fn, what);
    return host__trap(ex, msg);
}

static vm_status h_create_config(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const sched_config_t *held = p->config;
    sched_config_t *c;
    uint64_t id;
    (void)ud;
    if (!held->can_create_configs) {
        a[0].i64 = -1;
        return VM_OK;
    }
    if (!(c = sched__config_new()) ||
        sched__restab_add(&p->res, &sched__res_config, c, &id)) {
        sched__config_unref(c);
        return host__trap(ex, "out of memory");
    }
    /* Lunatic's defaults (u32::MAX bytes, no fuel limit, no permission,
     * no dirs), but never more than the creator's own. */
    if (c->max_memory > held->max_memory)
        c->max_memory = held->max_memory;
    c->max_fuel = held->max_fuel;
    a[0].u64 = id;
    return VM_OK;
}

static vm_status h_drop_config(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_config_t *c = sched__restab_take(&sched__cur(ex)->res,
                                           &sched__res_config, a[0].u64);
    (void)ud;
    if (!c)
        return host__trap(ex, "unknown config id");
    sched__config_unref(c);
    return VM_OK;
}

static vm_status h_set_max_memory(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint64_t held = sched__cur(ex)->config->max_memory;
    sched_config_t *c = host__config_mut(ex, a[0].u64);
    char what[120];
    (void)ud;
    if (!c)
        return VM_TRAP;
    if (a[1].u64 > held) {
        snprintf(what, sizeof what, "%llu bytes is more than this "
                 "process's own max_memory (%llu)",
                 (unsigned long long)a[1].u64, (unsigned long long)held);
        return widen_trap(ex, "config_set_max_memory", what);
    }
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
    uint64_t held = sched__cur(ex)->config->max_fuel;
    sched_config_t *c = host__config_mut(ex, a[0].u64);
    char what[120];
    (void)ud;
    if (!c)
        return VM_TRAP;
    if (!fuel_within(a[1].u64, held)) {
        snprintf(what, sizeof what, "%llu%s is more than this process's "
                 "own max_fuel (%llu)", (unsigned long long)a[1].u64,
                 a[1].u64 ? "" : " (no limit)", (unsigned long long)held);
        return widen_trap(ex, "config_set_max_fuel", what);
    }
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

/* The three permission flags share getters and setters: a flag can be
 * set only when the caller's own config has it. */
#define PERM_FNS(name, field, setter, doing)                               \
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
        bool held = sched__cur(ex)->config->field;                         \
        sched_config_t *c = host__config_mut(ex, a[0].u64);               \
        (void)ud;                                                          \
        if (!c)                                                            \
            return VM_TRAP;                                                \
        if (a[1].i32 != 0 && !held)                                        \
            return widen_trap(ex, setter, "this process may not " doing   \
                              " itself");                                  \
        c->field = a[1].i32 != 0;                                          \
        return VM_OK;                                                      \
    }
PERM_FNS(compile, can_compile, "config_set_can_compile_modules",
         "compile modules")
PERM_FNS(create, can_create_configs, "config_set_can_create_configs",
         "create configs")
PERM_FNS(spawn, can_spawn, "config_set_can_spawn_processes",
         "spawn processes")

/* }===== */
/* {===== modules */

/* Compiling a module takes time in proportion to its size: it runs on
 * the offload pool (offload.c), on a copy of the bytes (the process may
 * die meanwhile, and its memory with it). */
typedef struct compile_job {
    sched_job_t job;
    uint8_t *bytes;
    size_t len;
    bool no_fusion;
    vm_module_t *vm;
    int rc;
    char err[256];
} compile_job_t;

static void compile_run(sched_job_t *job)
{
    compile_job_t *j = (compile_job_t *)job;
    vm_config cfg = {.no_fusion = j->no_fusion};
    j->rc = vm_module_load(j->bytes, j->len, &cfg, &j->vm, j->err,
                           sizeof j->err);
    /* Freed here, on the pool: giving back a big block takes time. */
    free(j->bytes);
    j->bytes = NULL;
}

static void compile_discard(sched_job_t *job)
{
    compile_job_t *j = (compile_job_t *)job;
    vm_module_free(j->vm);
    sched__free_sized(j->bytes, j->len);
    free(j);
}

/* The job for a new compile_module call, its bytes to be copied; NULL
 * when out of memory. A job left by a call that never finished (its trap
 * caught) goes first. */
static compile_job_t *compile_job_new(sched_proc_t *p, uint32_t len)
{
    if (p->host_job) {
        p->host_job->discard(p->host_job);
        p->host_job = NULL;
    }
    compile_job_t *j = calloc(1, sizeof *j);
    if (j && !(j->bytes = malloc(len ? len : 1))) {
        free(j);
        return NULL;
    }
    if (j) {
        j->len = len;
        j->no_fusion = sched__no_fusion(p->rt);
        j->job.run = compile_run;
        j->job.discard = compile_discard;
    }
    return j;
}

/* Copy the module's bytes SCHED_HOST_CHUNK at a time, pausing between
 * pieces (a guest may pass gigabytes), then queue the compilation. The
 * job being filled waits in p->host_job meanwhile. */
static vm_status compile_submit(vm_exec_t *ex, const uint8_t *bytes,
                                uint32_t len)
{
    sched_proc_t *p = sched__cur(ex);
    uint64_t done = sched__progress(p);
    compile_job_t *j = done ? (compile_job_t *)p->host_job : NULL;
    if (!j && (done = 0, !(j = compile_job_new(p, len))))
        return host__trap(ex, "compile_module: out of memory");
    p->host_job = &j->job;
    uint64_t c = len - done < SCHED_HOST_CHUNK ? len - done : SCHED_HOST_CHUNK;
    memcpy(j->bytes + done, bytes + done, (size_t)c);
    vm_exec_charge(ex, c / SCHED_COPY_BYTES_PER_RED);
    if ((done += c) < len)
        return sched__pause(p, done);
    sched__progress_end(p);
    p->host_job = NULL;
    if (sched__job_submit(p, &j->job) != 0) {
        compile_discard(&j->job);
        return host__trap(ex, "compile_module: no thread to compile on");
    }
    return VM_BLOCK;
}

static vm_status h_compile_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint8_t *bytes = host__guest(ex, a[0].u32, a[1].u32);
    uint8_t *out = host__guest(ex, a[2].u32, 8);
    sched_module_t *m = NULL;
    uint64_t id;
    (void)ud;
    if (!bytes || !out)
        return host__trap(ex, "compile_module: pointer out of bounds");
    if (!p->config->can_compile) {
        a[0].i32 = -1;
        return VM_OK;
    }
    if (!p->job)
        return compile_submit(ex, bytes, a[1].u32);
    if (p->job->run != compile_run) /* never: a bug if it is */
        return host__trap(ex, "compile_module: waiting on another call");
    compile_job_t *j = (compile_job_t *)sched__job_take(p);
    if (!j)
        return VM_BLOCK;
    int rc = j->rc;
    if (rc == 0 && (rc = sched__module_new(p->rt, j->vm, j->err,
                                           sizeof j->err, &m)) == 0)
        j->vm = NULL; /* the module has it */
    if (rc == 0 && sched__restab_add(&p->res, &sched__res_module, m,
                                     &id) != 0) {
        sched__module_unref(m);
        rc = LUN_ENOMEM;
        snprintf(j->err, sizeof j->err, "out of memory");
    }
    if (rc != 0)
        host__put_u64(out, host__error_new(p, j->err[0] ? j->err
                                                          : lun_strerror(rc)));
    else
        host__put_u64(out, id);
    compile_discard(&j->job);
    a[0].i32 = rc != 0;
    return VM_OK;
}

static vm_status h_drop_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_module_t *m = sched__restab_take(&sched__cur(ex)->res,
                                           &sched__res_module, a[0].u64);
    (void)ud;
    if (!m)
        return host__trap(ex, "unknown module id");
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
        uint64_t x = host__get_u64(v);
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

/* Instantiating maps the child's memory and copies the module's data
 * segments into it: charge the spawner a reduction per 4 KiB page of it
 * (as memory.grow costs), so that a module with a big memory cannot be
 * spawned SCHED_SPAWNS_PER_SLICE times in one slice for free. */
static void charge_instantiation(vm_exec_t *ex, sched_proc_t *child)
{
    vm_memory_t *mem = vm_instance_memory(child->inst);
    vm_exec_charge(ex, mem ? vm_memory_size(mem) / 4096 : 0);
}

/* Spawns usually pass a few params: those fit on the C stack. No
 * function takes more than SPAWN_ARGS_MAX (engines limit wasm functions
 * to 1000 parameters). */
#define SPAWN_ARGS_ON_STACK 8u
#define SPAWN_ARGS_MAX 1000u

static vm_status spawn_from(vm_exec_t *ex, sched_proc_t *p, sched_module_t *m,
                            sched_config_t *c, uint64_t link,
                            const uint8_t *func, uint32_t func_len,
                            const uint8_t *params, uint32_t params_len,
                            uint64_t *out_id, int *out_rc);

vm_status host__spawn(vm_exec_t *ex, vm_slot *a, uint64_t link,
                       int64_t config_id, int64_t module_id,
                       uint32_t func_ptr, uint32_t func_len,
                       uint32_t params_ptr, uint32_t params_len,
                       uint64_t *out_id, int *out_rc)
{
    sched_proc_t *p = sched__cur(ex);
    sched_config_t *c = p->config;
    sched_module_t *m = NULL, *own = NULL; /* own: referenced here */
    (void)a;
    if (p->initializing)
        return host__trap(ex, "Cannot spawn process during module "
                               "initialization");
    if (!p->config->can_spawn)
        return host__trap(ex, "no permission to spawn processes");
    if (config_id != -1 && !(c = config_of(ex, (uint64_t)config_id)))
        return VM_TRAP;
    if (module_id != -1 &&
        !(m = sched__restab_get(&p->res, &sched__res_module,
                                (uint64_t)module_id)))
        return host__trap(ex, "unknown module id");
    const uint8_t *func = host__guest(ex, func_ptr, func_len);
    const uint8_t *params = host__guest(ex, params_ptr, params_len);
    if (func && params && !m) /* this module: the current version of it */
        m = own = sched__reload_spawn_module(p);
    vm_status st = spawn_from(ex, p, m, c, link, func, func_len, params,
                              params_len, out_id, out_rc);
    sched__module_unref(own);
    return st;
}

static vm_status spawn_from(vm_exec_t *ex, sched_proc_t *p, sched_module_t *m,
                            sched_config_t *c, uint64_t link,
                            const uint8_t *func, uint32_t func_len,
                            const uint8_t *params, uint32_t params_len,
                            uint64_t *out_id, int *out_rc)
{
    sched_proc_t *child;
    char err[256];
    if (!func || !params)
        return host__trap(ex, "spawn: pointer out of bounds");
    if (params_len % 17 != 0)
        return host__trap(ex, "spawn: params length is not a multiple of "
                               "17");
    if (params_len / 17 > SPAWN_ARGS_MAX)
        return host__trap(ex, "spawn: more than 1000 parameters");
    if (sched__proc_cap_reached(p->rt, err, sizeof err)) {
        *out_id = host__error_new(p, err);
        *out_rc = 1;
        return VM_OK;
    }
    uint32_t nargs = params_len / 17;
    vm_value small[SPAWN_ARGS_ON_STACK];
    vm_value *args = nargs <= SPAWN_ARGS_ON_STACK ? small
                                                  : calloc(nargs, sizeof *args);
    if (!args)
        return host__trap(ex, "out of memory");
    if (!decode_params(ex, params, params_len, args)) {
        if (args != small) free(args);
        return VM_TRAP;
    }
    child = sched__proc_new(p->rt, m, c, ex, err, sizeof err);
    if (child) {
        sched__proc_start(child, (const char *)func, func_len, args, nargs);
        charge_instantiation(ex, child);
    }
    if (args != small) free(args);
    if (!child) {
        *out_id = host__error_new(p, err);
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
    uint8_t *out = host__guest(ex, a[7].u32, 8);
    uint64_t id = 0;
    int rc = 0;
    (void)ud;
    if (!out)
        return host__trap(ex, "spawn: id pointer out of bounds");
    vm_status st = host__spawn(ex, a, a[0].u64, a[1].i64, a[2].i64, a[3].u32,
                                a[4].u32, a[5].u32, a[6].u32, &id, &rc);
    if (st != VM_OK)
        return st;
    host__put_u64(out, id);
    a[0].i32 = rc;
    return ++sched__cur(ex)->slice_spawns >= SCHED_SPAWNS_PER_SLICE
               ? VM_YIELD : VM_OK;
}

/* Lookup and register are one step, as in Lunatic: the name is reserved
 * while the child is made, and no lock is held meanwhile (the child's
 * start function runs inside the spawn and may use the registry). Others
 * asking for the same name wait for the reservation to end. */
static vm_status h_get_or_spawn(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const char *name = host__registry_name(ex, a[0].u32, a[1].u32);
    uint8_t *node_out = host__guest(ex, a[9].u32, 8);
    uint8_t *id_out = host__guest(ex, a[10].u32, 8);
    uint64_t node = 0, id = 0;
    int rc = 0;
    (void)ud;
    if (!name)
        return VM_TRAP;
    if (!node_out || !id_out)
        return host__trap(ex, "get_or_spawn: pointer out of bounds");
    switch (host__reserve_name(p, name, a[1].u32, &node, &id)) {
    case HOST_NAME_NOMEM:
        return host__trap(ex, "out of memory");
    case HOST_NAME_BUSY:
        return VM_BLOCK;
    case HOST_NAME_FOUND:
        host__put_u64(node_out, node);
        host__put_u64(id_out, id);
        a[0].i32 = 2;
        return VM_OK;
    case HOST_NAME_RESERVED:
        break;
    }
    vm_status st = host__spawn(ex, a, a[2].u64, a[3].i64, a[4].i64, a[5].u32,
                                a[6].u32, a[7].u32, a[8].u32, &id, &rc);
    /* quirk 5: an error id is registered too */
    host__end_reservation(p, name, a[1].u32, st == VM_OK, id);
    if (st != VM_OK)
        return st;
    host__put_u64(node_out, 0);
    host__put_u64(id_out, id);
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
    (void)ud;
    host__link_local(sched__cur(ex), a[1].u64, a[0].i64);
    return VM_OK;
}

void host__link_local(sched_proc_t *p, uint64_t pid, int64_t tag)
{
    if (pid == p->pid)
        return;
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
        return;
    }
    sched_msg_t *m = sched__msg_new(SCHED_SIG_LINK, 0);
    if (m) {
        m->pid = p->pid;
        m->tag = tag;
        sched__mbox_push(&q->mbox, m);
        sched__wake(q);
    }
    sched__proc_unref(q);
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
const sched_binding_t host__api_process[] = {
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
const size_t host__api_process_n =
    sizeof host__api_process / sizeof host__api_process[0];
