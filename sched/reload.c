/* reload.c: hot code reloading (docs/reload.md). The runtime keeps the
 * application's versions: the root's module is version 1, each reload
 * makes a new current one. New spawns of the application's code run the
 * current version; a process moves to it only at a safe point of its own
 * (a receive, or lunatic::process::upgrade_point), and only when both its
 * module and the new one have the upgrade hooks:
 *   old  lunatic_upgrade_save() -> i64          (len << 32 | ptr; < 0: error)
 *   new  lunatic_alloc(i32) -> i32, lunatic_upgrade_restore(i32 ptr,
 *        i32 len) -> i32 (0: ok), lunatic_upgrade_resume() -> ()
 * A move keeps everything of the process but its instance (pid, mailbox,
 * links, monitors, names, timers, resources, WASI context). Old versions
 * are never killed: each is a reference-counted module, freed with the
 * last process that runs it.
 * Interface: sched.h (sched_runtime_reload), sched_host.h, sched_int.h. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* Save and restore may run longer than an allocation: a state of a few
 * thousand entries. Still bounded, and charged to the process. */
#define UPGRADE_BUDGET (8 * SCHED_NESTED_BUDGET)
/* What a save hook returns for "this process stays on its code" (no
 * warning: e.g. a process whose loop the new version does not have). */
#define UPGRADE_DECLINED (-2)

typedef struct sched_reload {
    pthread_mutex_t lock;     /* serializes reloads; guards current */
    sched_module_t *current;  /* referenced; NULL before the root runs */
    _Atomic uint64_t version; /* current's version (0: none yet) */
    _Atomic uint64_t upgraded; /* processes moved, ever */
} sched_reload_t;

int sched__reload_init(sched_runtime_t *rt)
{
    sched_reload_t *r = calloc(1, sizeof *r);
    if (!r)
        return LUN_ENOMEM;
    lun_mutex_init(&r->lock);
    rt->reload = r;
    return 0;
}

void sched__reload_free(sched_runtime_t *rt)
{
    sched_reload_t *r = rt->reload;
    if (!r)
        return;
    sched__module_unref(r->current);
    lun_mutex_destroy(&r->lock);
    free(r);
    rt->reload = NULL;
}

void sched__reload_set_root(sched_runtime_t *rt, sched_module_t *m)
{
    sched_reload_t *r = rt->reload;
    lun_mutex_lock(&r->lock);
    sched_module_t *was = r->current;
    sched__module_ref(m);
    atomic_store(&m->version, 1);
    r->current = m;
    atomic_store(&r->version, 1);
    lun_mutex_unlock(&r->lock);
    sched__module_unref(was);
}

uint64_t sched_runtime_version(sched_runtime_t *rt, uint64_t *upgraded)
{
    if (upgraded)
        *upgraded = atomic_load(&rt->reload->upgraded);
    return atomic_load(&rt->reload->version);
}

/* The current version, referenced (NULL before the root runs). */
static sched_module_t *current_ref(sched_runtime_t *rt, uint64_t *version)
{
    sched_reload_t *r = rt->reload;
    lun_mutex_lock(&r->lock);
    sched_module_t *m = r->current;
    if (m)
        sched__module_ref(m);
    *version = atomic_load(&r->version);
    lun_mutex_unlock(&r->lock);
    return m;
}

sched_module_t *sched__reload_spawn_module(sched_proc_t *p)
{
    uint64_t v = atomic_load(&p->module->version);
    sched_module_t *m = NULL;
    /* The common case, the spawner runs the current version: no lock
     * (each version number names one module; a reload racing with this
     * spawn just comes after it). */
    if (v != 0 && v != atomic_load(&p->rt->reload->version))
        m = current_ref(p->rt, &v);
    if (!m) {
        m = p->module;
        sched__module_ref(m);
    }
    return m;
}

bool sched__upgrade_due(const sched_proc_t *p)
{
    return p->module && atomic_load(&p->module->version) != 0 &&
           atomic_load(&p->rt->reload->version) != p->code_seen;
}

/* {===== checking and installing a version */

/* m's export `name` if it is a function of exactly this type. */
static vm_func_t *export_typed(vm_instance_t *inst, const vm_module_t *m,
                               const char *name, uint32_t np,
                               const uint8_t *pt, uint32_t nr,
                               const uint8_t *rt)
{
    vm_func_t *f = NULL;
    uint32_t fnp, fnr;
    const uint8_t *fpt, *frt;
    (void)m;
    if (inst)
        f = vm_instance_export_func(inst, name);
    if (!f)
        return NULL;
    vm_func_type(f, &fnp, &fpt, &fnr, &frt);
    if (fnp != np || fnr != nr || memcmp(fpt, pt, np) != 0 ||
        memcmp(frt, rt, nr) != 0)
        return NULL;
    return f;
}

static const uint8_t T_I32[] = {VM_I32, VM_I32}, T_I64[] = {VM_I64};

/* Does module m export `name` as a function (the type is checked when a
 * process moves)? */
static bool module_exports(const vm_module_t *m, const char *name)
{
    uint32_t n = vm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info e;
        if (vm_module_export(m, i, &e) == 0 && e.kind == VM_EXTERN_FUNC &&
            e.name_len == strlen(name) && memcmp(e.name, name, e.name_len) == 0)
            return true;
    }
    return false;
}

static const char *const restore_exports[] = {
    "lunatic_upgrade_restore", "lunatic_upgrade_resume", "lunatic_alloc"};

/* Wake every process: those waiting in a receive look at the new
 * version (a wake is harmless to any other wait: each re-checks). */
static void wake_all(sched_runtime_t *rt)
{
    for (int i = 0; i < SCHED_PID_SHARDS; i++) {
        sched_pid_shard_t *s = &rt->shards[i];
        uint64_t *pids = NULL;
        size_t n = 0;
        lun_mutex_lock(&s->lock);
        if (s->count && (pids = malloc(s->count * sizeof *pids)))
            for (size_t k = 0; k < s->nbuckets; k++)
                for (sched_proc_t *p = s->buckets[k]; p; p = p->tnext)
                    pids[n++] = p->pid;
        lun_mutex_unlock(&s->lock);
        for (size_t k = 0; k < n; k++) {
            sched_proc_t *p = sched__proc_lookup(rt, pids[k]);
            if (p) {
                sched__wake(p);
                sched__proc_unref(p);
            }
        }
        free(pids);
    }
}

int sched__reload_module(sched_runtime_t *rt, sched_module_t *m, char *err,
                         size_t errlen)
{
    sched_reload_t *r = rt->reload;
    lun_mutex_lock(&r->lock);
    if (!r->current) {
        lun_mutex_unlock(&r->lock);
        snprintf(err, errlen, "no application is running");
        return LUN_EINVAL;
    }
    if (m == r->current || atomic_load(&m->version) != 0) {
        lun_mutex_unlock(&r->lock);
        snprintf(err, errlen, "this module is already version %llu",
                 (unsigned long long)atomic_load(&m->version));
        return LUN_EINVAL;
    }
    /* An application that moves its processes must keep being able to. */
    if (module_exports(r->current->vm, "lunatic_upgrade_save"))
        for (size_t i = 0; i < 3; i++)
            if (!module_exports(m->vm, restore_exports[i])) {
                lun_mutex_unlock(&r->lock);
                snprintf(err, errlen, "the new module exports no '%s' (the "
                         "running version has upgrade hooks)",
                         restore_exports[i]);
                return LUN_EUNLINKABLE;
            }
    sched_module_t *was = r->current;
    uint64_t v = atomic_load(&r->version) + 1;
    sched__module_ref(m);
    atomic_store(&m->version, v);
    r->current = m;
    atomic_store(&r->version, v); /* before the wakes: they look at it */
    lun_mutex_unlock(&r->lock);
    sched__module_unref(was); /* its processes hold it while they run */
    wake_all(rt);
    /* Off the workers (the signal thread of `lunatic run`), a lookup may
     * have dropped the last reference of a dead process, whose messages
     * went to this thread's cache: give them back now. */
    if (!sched__self())
        sched__thread_caches_flush(rt);
    return 0;
}

int sched_runtime_reload(sched_runtime_t *rt, const uint8_t *bytes,
                         size_t len, char *err, size_t errlen)
{
    static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
    vm_config cfg = {.no_fusion = rt->no_fusion};
    vm_module_t *vm = NULL;
    sched_module_t *sm = NULL;
    char why[256] = "";
    if (len < 4 || memcmp(bytes, magic, 4) != 0) {
        snprintf(err, errlen, "not a WebAssembly module (no \\0asm header)");
        return LUN_EMALFORMED;
    }
    int rc = vm_module_load(bytes, len, &cfg, &vm, why, sizeof why);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", lun_strerror(rc), why);
        return rc;
    }
    if ((rc = sched_module_check(rt->abi, vm, err, errlen)) != 0) {
        vm_module_free(vm);
        return rc;
    }
    if ((rc = sched__module_new(rt, vm, why, sizeof why, &sm)) != 0) {
        snprintf(err, errlen, "%s: %s", lun_strerror(rc), why);
        vm_module_free(vm);
        return rc;
    }
    /* In a cluster, known by hash as the root's module is: other nodes
     * can fetch it (the cache then keeps it: docs/reload.md). */
    if (rt->node && sched__remote_add_module(rt, sm, bytes, len) != 0)
        rc = LUN_ENOMEM, snprintf(err, errlen, "out of memory");
    if (rc == 0)
        rc = sched__reload_module(rt, sm, err, errlen);
    sched__module_unref(sm);
    return rc;
}

/* }===== */
/* {===== moving a process */

/* Run f(args) on a fresh exec of inst, nested in ex's host call, and put
 * its one result in *res. 0, or -1 with why. */
static int call_nested(vm_exec_t *ex, sched_proc_t *p, vm_func_t *f,
                       const vm_value *args, uint32_t nargs, vm_value *res,
                       char *why, size_t whylen)
{
    vm_exec_t *sub = vm_exec_new(NULL);
    if (!sub || vm_exec_call(sub, f, args, nargs) != 0) {
        vm_exec_free(sub);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    vm_exec_set_userdata(sub, p);
    vm_status st = sched__run_nested(ex, sub, UPGRADE_BUDGET, why, whylen);
    int rc = 0;
    if (st != VM_DONE)
        rc = -1;
    else if (res && vm_exec_results(sub, res, 1) != 1)
        rc = -1, snprintf(why, whylen, "no result");
    vm_exec_free(sub);
    return rc;
}

/* The bytes [ptr, ptr+len) of inst's memory, or NULL. */
static uint8_t *inst_bytes(vm_instance_t *inst, uint32_t ptr, uint32_t len)
{
    vm_memory_t *mem = vm_instance_memory(inst);
    uint64_t size = 0;
    uint8_t *base = mem ? vm_memory_data(mem, &size) : NULL;
    if (!base || (uint64_t)ptr + len > size)
        return NULL;
    return base + ptr;
}

/* The old instance's state: the save hook's bytes, copied (malloc'd).
 * 0, 1 (the process declines to move) or -1 (why says why). */
static int save_state(vm_exec_t *ex, sched_proc_t *p, vm_func_t *save,
                      uint8_t **out, uint32_t *len, char *why, size_t wl)
{
    vm_value res = {0};
    char sub[200];
    if (call_nested(ex, p, save, NULL, 0, &res, sub, sizeof sub) != 0) {
        snprintf(why, wl, "lunatic_upgrade_save: %s", sub);
        return -1;
    }
    if (res.i64 == UPGRADE_DECLINED)
        return 1;
    if (res.i64 < 0) {
        snprintf(why, wl, "lunatic_upgrade_save returned an error (%lld)",
                 (long long)res.i64);
        return -1;
    }
    uint32_t ptr = (uint32_t)res.u64, n = (uint32_t)(res.u64 >> 32);
    uint8_t *src = inst_bytes(p->inst, ptr, n);
    if (!src) {
        snprintf(why, wl, "lunatic_upgrade_save: state out of bounds");
        return -1;
    }
    if (!(*out = malloc(n ? n : 1))) {
        snprintf(why, wl, "out of memory");
        return -1;
    }
    memcpy(*out, src, n);
    vm_exec_charge(ex, n / SCHED_COPY_BYTES_PER_RED);
    *len = n;
    return 0;
}

/* Give the new instance the state: lunatic_alloc(len), copy, restore. */
static int restore_state(vm_exec_t *ex, sched_proc_t *p, vm_instance_t *ni,
                         vm_func_t *alloc, vm_func_t *restore,
                         const uint8_t *state, uint32_t len, char *why,
                         size_t wl)
{
    vm_value arg = {.u32 = len}, res = {0};
    char sub[200];
    if (call_nested(ex, p, alloc, &arg, 1, &res, sub, sizeof sub) != 0) {
        snprintf(why, wl, "lunatic_alloc: %s", sub);
        return -1;
    }
    uint8_t *dst = inst_bytes(ni, res.u32, len);
    if (!dst) {
        snprintf(why, wl, "lunatic_alloc: pointer out of bounds");
        return -1;
    }
    memcpy(dst, state, len);
    vm_value args[2] = {{.u32 = res.u32}, {.u32 = len}};
    if (call_nested(ex, p, restore, args, 2, &res, sub, sizeof sub) != 0) {
        snprintf(why, wl, "lunatic_upgrade_restore: %s", sub);
        return -1;
    }
    if (res.i32 != 0) {
        snprintf(why, wl, "lunatic_upgrade_restore returned %d", res.i32);
        return -1;
    }
    return 0;
}

/* The new instance's start function, if it has one (as a spawn runs it). */
static int run_start(vm_exec_t *ex, sched_proc_t *p, vm_instance_t *ni,
                     char *why, size_t wl)
{
    vm_func_t *start = vm_instance_start_func(ni);
    char sub[200];
    if (!start)
        return 0;
    p->initializing = true; /* no spawn from a start function */
    int rc = call_nested(ex, p, start, NULL, 0, NULL, sub, sizeof sub);
    p->initializing = false;
    if (rc != 0)
        snprintf(why, wl, "start function: %s", sub);
    return rc;
}

/* Make a new instance of m for p and carry the state over. 0 (*resume
 * is the new code's entry), 1 (p declined), -1 (why says why). */
static int move_state(vm_exec_t *ex, sched_proc_t *p, vm_func_t *save,
                      sched_module_t *m, vm_instance_t **out,
                      vm_func_t **resume, char *why, size_t wl)
{
    static const uint8_t none[1] = {0};
    vm_instance_t *ni = NULL;
    uint8_t *state = NULL;
    uint32_t len = 0;
    char sub[200] = "";
    int rc = sched__instantiate(p, m, &ni, sub, sizeof sub);
    if (rc != 0) {
        snprintf(why, wl, "instantiating the new version: %s", sub);
        return -1;
    }
    vm_func_t *alloc = export_typed(ni, m->vm, "lunatic_alloc", 1, T_I32, 1,
                                    T_I32);
    vm_func_t *restore = export_typed(ni, m->vm, "lunatic_upgrade_restore",
                                      2, T_I32, 1, T_I32);
    *resume = export_typed(ni, m->vm, "lunatic_upgrade_resume", 0, none, 0,
                           none);
    if (!alloc || !restore || !*resume) {
        snprintf(why, wl, "the new version lacks a hook (lunatic_alloc, "
                 "lunatic_upgrade_restore or lunatic_upgrade_resume, or one "
                 "has another type)");
        rc = -1;
    }
    if (rc == 0)
        rc = run_start(ex, p, ni, why, wl);
    if (rc == 0)
        rc = save_state(ex, p, save, &state, &len, why, wl);
    if (rc == 1) { /* declined: stays, silently */
        vm_instance_free(ni);
        return 1;
    }
    if (rc == 0)
        rc = restore_state(ex, p, ni, alloc, restore, state, len, why, wl);
    free(state);
    if (rc != 0) {
        vm_instance_free(ni);
        return -1;
    }
    *out = ni;
    return 0;
}

vm_status sched__upgrade(vm_exec_t *ex, sched_proc_t *p, bool *failed)
{
    uint64_t v;
    char why[320];
    *failed = false;
    /* Only the process's own exec, outside a start function, may move:
     * a nested run (an allocation, a start function) is no safe point. */
    if (ex != p->ex || p->initializing || p->old_inst)
        return VM_OK;
    sched_module_t *m = current_ref(p->rt, &v);
    p->code_seen = v; /* considered: a failure is not retried until the
                         next reload */
    vm_func_t *save = export_typed(p->inst, p->module->vm,
                                   "lunatic_upgrade_save", 0, T_I64, 1,
                                   T_I64);
    if (!m || m == p->module || !save) { /* no hook: stays */
        sched__module_unref(m);
        return VM_OK;
    }
    vm_instance_t *ni = NULL;
    vm_func_t *resume = NULL;
    int rc = move_state(ex, p, save, m, &ni, &resume, why, sizeof why);
    if (rc == 1) {
        sched__module_unref(m);
        return VM_OK;
    }
    if (rc != 0) {
        fprintf(stderr, "lunatic: process %llu stays on version %llu: %s\n",
                (unsigned long long)p->pid,
                (unsigned long long)atomic_load(&p->module->version), why);
        sched__module_unref(m);
        *failed = true;
        return VM_OK;
    }
    /* The old instance is still under ex's frames: freed once run_proc
     * has set the new code's call (sched__upgrade_settle). */
    p->old_inst = p->inst;
    p->old_module = p->module;
    p->inst = ni;
    p->module = m;
    p->next_entry = resume;
    sched__wait_timer_cancel(p);
    p->wait = SCHED_WAIT_NONE;
    p->mbox.scan = NULL;
    atomic_fetch_add(&p->rt->reload->upgraded, 1);
    return VM_DONE;
}

void sched__upgrade_settle(sched_proc_t *p)
{
    if (!p->old_inst)
        return;
    vm_instance_free(p->old_inst);
    sched__module_unref(p->old_module);
    p->old_inst = NULL;
    p->old_module = NULL;
}

/* }===== */
