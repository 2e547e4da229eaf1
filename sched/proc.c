/* proc.c: processes (creation from a shared compiled module, the pid
 * table, freeing), configs and modules.
 * Interface: sched_int.h. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"
#include "common/lun_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched_int.h"

/* {===== configs */

sched_config_t *sched__config_new(void)
{
    sched_config_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->refs, 1);
    c->max_memory = UINT32_MAX; /* Lunatic's default: u32::MAX bytes */
    return c;
}

int sched__strv_push(char ***v, uint32_t *n, const char *s, size_t len)
{
    char **nv = realloc(*v, ((size_t)*n + 2) * sizeof *nv);
    if (!nv)
        return LUN_ENOMEM;
    *v = nv;
    if (!(nv[*n] = malloc(len + 1)))
        return LUN_ENOMEM;
    memcpy(nv[*n], s, len);
    nv[*n][len] = '\0';
    nv[++*n] = NULL;
    return 0;
}

static int dirs_push(sched_config_t *c, const char *host, const char *guest)
{
    _Atomic int *fds = realloc(c->dir_fds, ((size_t)c->ndirs + 1) *
                                               sizeof *fds);
    if (!fds)
        return LUN_ENOMEM;
    c->dir_fds = fds;
    atomic_init(&fds[c->ndirs], -1);
    sched_dir_t *d = realloc(c->dirs, ((size_t)c->ndirs + 1) * sizeof *d);
    if (!d)
        return LUN_ENOMEM;
    c->dirs = d;
    d[c->ndirs].host_path = strdup(host);
    d[c->ndirs].guest_path = strdup(guest);
    c->ndirs++;
    if (!d[c->ndirs - 1].host_path || !d[c->ndirs - 1].guest_path)
        return LUN_ENOMEM;
    return 0;
}

int sched__config_add_dir_fd(sched_config_t *c, const char *host,
                             const char *guest, int fd)
{
    uint32_t at = c->ndirs;
    int rc = dirs_push(c, host, guest);
    if (c->ndirs > at)
        atomic_store(&c->dir_fds[at], fd); /* closed with c from now on */
    else
        close(fd);
    return rc;
}

/* Copy dir i of c into n. A dir that is open already stays the same
 * directory (a duplicate of its fd, not a new open by path): a path
 * checked once, when it was granted, must not be looked up again. */
static int clone_dir(sched_config_t *n, const sched_config_t *c, uint32_t i)
{
    int fd = atomic_load(&c->dir_fds[i]);
    if (fd < 0)
        return dirs_push(n, c->dirs[i].host_path, c->dirs[i].guest_path);
    if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return LUN_ERR_ERRNO(errno);
    return sched__config_add_dir_fd(n, c->dirs[i].host_path,
                                    c->dirs[i].guest_path, fd);
}

sched_config_t *sched__config_clone(const sched_config_t *c)
{
    sched_config_t *n = sched__config_new();
    if (!n)
        return NULL;
    n->max_memory = c->max_memory;
    n->max_fuel = c->max_fuel;
    n->can_compile = c->can_compile;
    n->can_create_configs = c->can_create_configs;
    n->can_spawn = c->can_spawn;
    for (uint32_t i = 0; i < c->argc; i++)
        if (sched__strv_push(&n->argv, &n->argc, c->argv[i],
                             strlen(c->argv[i])))
            goto fail;
    for (uint32_t i = 0; i < c->envc; i++)
        if (sched__strv_push(&n->env, &n->envc, c->env[i], strlen(c->env[i])))
            goto fail;
    for (uint32_t i = 0; i < c->ndirs; i++)
        if (clone_dir(n, c, i))
            goto fail;
    return n;
fail:
    sched__config_unref(n);
    return NULL;
}

int sched__config_add_dir(sched_config_t *c, const char *host,
                          const char *guest)
{
    return dirs_push(c, host, guest);
}

void sched__config_unref(sched_config_t *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    for (uint32_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    for (uint32_t i = 0; i < c->envc; i++)
        free(c->env[i]);
    for (uint32_t i = 0; i < c->ndirs; i++) {
        free((char *)c->dirs[i].host_path);
        free((char *)c->dirs[i].guest_path);
        int fd = atomic_load(&c->dir_fds[i]);
        if (fd >= 0)
            close(fd);
    }
    free(c->dir_fds);
    free(c->argv);
    free(c->env);
    free(c->dirs);
    free(c);
}

/* }===== */
/* {===== modules */

int sched__module_new(sched_runtime_t *rt, vm_module_t *m, char *err,
                      size_t errlen, sched_module_t **out)
{
    sched_module_t *sm = calloc(1, sizeof *sm);
    *out = NULL;
    if (!sm)
        return LUN_ENOMEM;
    atomic_init(&sm->refs, 1);
    uint32_t n = vm_module_import_count(m);
    vm_extern *imports = calloc(n ? n : 1, sizeof *imports);
    int rc = imports ? 0 : LUN_ENOMEM;
    /* Every process of the module links the same imports (the WASI ones
     * find their process through the exec's userdata): checked once. */
    if (rc == 0 && sched__bind_imports(rt->abi, rt, m, imports, err,
                                       errlen) != 0)
        rc = LUN_EUNLINKABLE;
    if (rc == 0)
        rc = vm_link_new(m, imports, n, &sm->link, err, errlen);
    free(imports);
    if (rc != 0) {
        free(sm);
        return rc;
    }
    sm->vm = m;
    *out = sm;
    return 0;
}

void sched__module_ref(sched_module_t *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void sched__module_unref(sched_module_t *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    vm_link_free(m->link);
    vm_module_free(m->vm);
    free(m);
}

/* }===== */
/* {===== the pid table: sharded chained hash sets */

static sched_pid_shard_t *shard_of(sched_runtime_t *rt, uint64_t pid)
{
    return &rt->shards[pid % SCHED_PID_SHARDS];
}

static size_t bucket_of(const sched_pid_shard_t *s, uint64_t pid)
{
    return (size_t)(pid / SCHED_PID_SHARDS) & (s->nbuckets - 1);
}

static void shard_grow(sched_pid_shard_t *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    sched_proc_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* chains get longer; still correct */
    for (size_t i = 0; i < s->nbuckets; i++) {
        sched_proc_t *p = s->buckets[i];
        while (p) {
            sched_proc_t *next = p->tnext;
            size_t k = (size_t)(p->pid / SCHED_PID_SHARDS) & (n - 1);
            p->tnext = b[k];
            b[k] = p;
            p = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

void sched__proc_table_add(sched_runtime_t *rt, sched_proc_t *p)
{
    sched_pid_shard_t *s = shard_of(rt, p->pid);
    lun_mutex_lock(&s->lock);
    if (s->count >= s->nbuckets)
        shard_grow(s);
    if (s->nbuckets) {
        size_t k = bucket_of(s, p->pid);
        p->tnext = s->buckets[k];
        s->buckets[k] = p;
        s->count++;
    }
    lun_mutex_unlock(&s->lock);
    atomic_fetch_add_explicit(&rt->nprocs, 1, memory_order_relaxed);
    SCHED_STAT(rt, spawned, 1);
}

void sched__proc_table_remove(sched_runtime_t *rt, sched_proc_t *p)
{
    sched_pid_shard_t *s = shard_of(rt, p->pid);
    lun_mutex_lock(&s->lock);
    if (s->nbuckets) {
        sched_proc_t **pp = &s->buckets[bucket_of(s, p->pid)];
        while (*pp && *pp != p)
            pp = &(*pp)->tnext;
        if (*pp) {
            *pp = p->tnext;
            s->count--;
        }
    }
    lun_mutex_unlock(&s->lock);
    atomic_fetch_sub_explicit(&rt->nprocs, 1, memory_order_relaxed);
}

sched_proc_t *sched__proc_lookup(sched_runtime_t *rt, uint64_t pid)
{
    sched_pid_shard_t *s = shard_of(rt, pid);
    sched_proc_t *p = NULL;
    lun_mutex_lock(&s->lock);
    if (s->nbuckets) {
        for (p = s->buckets[bucket_of(s, pid)]; p; p = p->tnext)
            if (p->pid == pid)
                break;
        if (p)
            atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    }
    lun_mutex_unlock(&s->lock);
    return p;
}

/* }===== */
/* {===== creating and freeing processes */

const char sched__entry_missing[] = "entry function not found";
const char sched__entry_mistyped[] = "entry function has another type";

/* Dir i's shared host fd, opened on first use. Spawners racing on one
 * config may both open it: one keeps its fd, the other closes its own. */
static int config_dir_fd(sched_config_t *c, uint32_t i, int *out)
{
    int fd = atomic_load_explicit(&c->dir_fds[i], memory_order_acquire);
    if (fd < 0) {
        int expected = -1, rc = wasi_open_dir(c->dirs[i].host_path, &fd);
        if (rc != 0)
            return rc;
        if (!atomic_compare_exchange_strong(&c->dir_fds[i], &expected, fd)) {
            close(fd);
            fd = expected;
        }
    }
    *out = fd;
    return 0;
}

/* The process's WASI context borrows everything from its config (which
 * it holds a reference to until after wasi_ctx_free): strings, and the
 * preopen directories, opened once per config. */
static int make_wasi(sched_proc_t *p, sched_config_t *c)
{
    wasi_preopen_t pre[16];
    int fds[16];
    wasi_preopen_t *pp = c->ndirs <= 16 ? pre : malloc(c->ndirs * sizeof *pp);
    int *fp = c->ndirs <= 16 ? fds : malloc(c->ndirs * sizeof *fp);
    int rc = pp && fp ? 0 : LUN_ENOMEM;
    for (uint32_t i = 0; rc == 0 && i < c->ndirs; i++) {
        pp[i].host_path = c->dirs[i].host_path;
        pp[i].guest_path = c->dirs[i].guest_path;
        rc = config_dir_fd(c, i, &fp[i]);
    }
    wasi_options_t wo = {
        .argv = (const char *const *)c->argv, .argc = c->argc,
        .env = (const char *const *)c->env, .envc = c->envc,
        .preopens = pp, .npreopens = c->ndirs, .preopen_fds = fp,
        .borrow = true,
        .sockets = p->rt->root_sockets, .nsockets = p->rt->nroot_sockets};
    if (rc == 0) {
        /* The --listen sockets go to the first process only: the root. */
        p->rt->root_sockets = NULL;
        p->rt->nroot_sockets = 0;
        rc = wasi_ctx_new(&wo, &p->wasi);
    }
    if (pp != pre)
        free(pp);
    if (fp != fds)
        free(fp);
    return rc;
}

/* Executions need no cache of their own: under `lunatic` their blocks
 * (struct, stacks) come from the worker's pool (pool_alloc.c,
 * common/lun_pool.h), which also carries blocks from the workers where
 * processes die to the ones where they are spawned. */

int sched__instantiate(sched_proc_t *p, sched_module_t *m,
                       vm_instance_t **out, char *err, size_t errlen)
{
    uint64_t pages = p->config->max_memory >> 16;
    vm_config vc = {0};
    vc.mem_provider = sched__linmem_provider(p->rt->linmem);
    /* A process gets its memory block at its first access to it: one
     * that waits without touching it holds none (vm/image.c). */
    vc.no_image = p->rt->no_image;
    vc.lazy_memory = !p->rt->no_image;
    /* 0 would mean "the default": the smallest real cap is 1 page. */
    vc.max_memory_pages = pages == 0 ? 1 : pages > 65536 ? 65536
                                                         : (uint32_t)pages;
    /* The template holds every import, the WASI ones included: those find
     * p->wasi through the exec's userdata at call time, so nothing is
     * bound per process. */
    return vm_link_instantiate(m->link, &vc, out, err, errlen);
}

/* The module's start function runs inside spawn, as in Lunatic: nested
 * in the spawner's host call, bounded and charged to the spawner
 * (nested.c). The root's runs before any other process exists, on the
 * thread that starts the runtime, with a larger budget. */
static int run_start_function(sched_proc_t *p, vm_exec_t *spawner, char *err,
                              size_t errlen)
{
    vm_func_t *start = vm_instance_start_func(p->inst);
    vm_value none[1] = {{0}};
    char why[200];
    if (!start)
        return 0;
    if (vm_exec_call(p->ex, start, none, 0) != 0) {
        snprintf(err, errlen, "start function: out of memory");
        return LUN_ENOMEM;
    }
    p->initializing = true;
    vm_status st = sched__run_nested(spawner, p->ex,
                                     spawner ? SCHED_NESTED_BUDGET
                                             : SCHED_ROOT_START_BUDGET,
                                     why, sizeof why);
    p->initializing = false;
    uint32_t code;
    if (st == VM_DONE) {
        p->start_exited = wasi_ctx_exited(p->wasi, &code);
        return 0;
    }
    snprintf(err, errlen, "start function: %s", why);
    return LUN_ETRAP;
}

/* A process struct comes from the calling worker's pool (lun_pool.h):
 * spawning and ending processes costs no malloc or free. */
static sched_proc_t *proc_alloc(void)
{
    return lun_pool_calloc(sizeof(sched_proc_t));
}

void sched__proc_dealloc(sched_proc_t *p)
{
    lun_pool_free(p, sizeof *p);
}

sched_proc_t *sched__proc_new(sched_runtime_t *rt, sched_module_t *m,
                              sched_config_t *c, vm_exec_t *spawner,
                              char *err, size_t errlen)
{
    sched_proc_t *p = proc_alloc();
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->pid = atomic_fetch_add(&rt->next_pid, 1); /* used even on failure */
    p->rt = rt;
    atomic_init(&p->refs, 1);
    atomic_init(&p->state, SCHED_P_QUEUED);
    atomic_init(&p->dead, false);
    atomic_init(&p->timer_fired, false);
    sched__mbox_init(&p->mbox);
    sched__module_ref(m);
    p->module = m;
    /* Spawned on its module's version: nothing newer to consider yet (no
     * look at the current version, under the reload lock, at its first
     * receive; reload.c). */
    p->code_seen = atomic_load_explicit(&m->version, memory_order_relaxed);
    atomic_fetch_add(&c->refs, 1);
    p->config = c;
    p->trap_links = true;
    p->fuel_limit = c->max_fuel * SCHED_FUEL_UNIT;
    int rc = make_wasi(p, c);
    if (rc == 0) {
        err[0] = '\0';
        char why[200] = "";
        rc = sched__instantiate(p, p->module, &p->inst, why, sizeof why);
        if (rc != 0)
            snprintf(err, errlen, "%s%s%s", lun_strerror(rc), why[0] ? ": " : "",
                     why);
    } else {
        snprintf(err, errlen, "WASI context: %s", lun_strerror(rc));
    }
    if (rc == 0 && !(p->ex = vm_exec_new(NULL))) {
        rc = LUN_ENOMEM;
        snprintf(err, errlen, "out of memory");
    }
    if (rc == 0) {
        vm_exec_set_userdata(p->ex, p);
        rc = run_start_function(p, spawner, err, errlen);
    }
    if (rc != 0) {
        /* A start function that tried to wait left a timer or an fd
         * armed for p: disarm them before p goes. */
        sched__wait_timer_cancel(p);
        sched__iowait_remove(rt->iowait, p);
        atomic_store(&p->dead, true);
        sched__proc_release(p);
        sched__proc_dealloc(p);
        return NULL;
    }
    sched__stats_publish(p); /* what the metrics see before its first run */
    return p;
}

int sched__proc_start(sched_proc_t *p, const char *func, size_t len,
                      const vm_value *args, uint32_t nargs)
{
    vm_extern e;
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    size_t n = len < sizeof p->entry - 1 ? len : sizeof p->entry - 1;
    memcpy(p->entry, func, n); /* for the metrics endpoint, crash reports */
    p->entry[n] = '\0';
    if (p->start_exited)
        return 0; /* it ends at its first run, with that exit code */
    if (vm_instance_export(p->inst, func, len, &e) != 0 ||
        e.kind != VM_EXTERN_FUNC) {
        p->entry_error = sched__entry_missing;
        return 0;
    }
    /* As Lunatic: the params must match exactly and there are no
     * results; otherwise the child exists and dies at once. */
    vm_func_type(e.u.func, &np, &pt, &nr, &rt);
    if (np != nargs || nr != 0) {
        p->entry_error = sched__entry_mistyped;
        return 0;
    }
    return vm_exec_call(p->ex, e.u.func, args, nargs);
}

static void unref_config(void *c) { sched__config_unref(c); }
static void unref_module(void *m) { sched__module_unref(m); }

const sched_res_kind_t sched__res_config = {"config", unref_config};
const sched_res_kind_t sched__res_module = {"module", unref_module};

/* Return everything the process holds except its struct and inbox,
 * which late senders may still touch until the last reference goes. */
void sched__proc_release(sched_proc_t *p)
{
    sched__send_cache_drop(p);
    sched__job_abandon(p); /* first: a job may use the SQL connections */
    if (p->host_job) { /* a paused compile_module's, never queued */
        p->host_job->discard(p->host_job);
        p->host_job = NULL;
    }
    if (p->reserved_names) {
        /* Whoever waits for a name it reserved would wait forever. */
        sched_registry_t *r = &p->rt->registry;
        lun_rwlock_wrlock(&r->lock);
        sched__registry_drop_reservations(r, p->pid);
        lun_rwlock_unlock(&r->lock);
        p->reserved_names = false;
    }
    sched__msg_free(p->scratch);
    p->scratch = NULL;
    sched_msg_t *m = p->mbox.head;
    while (m) {
        sched_msg_t *next = m->next;
        sched__msg_free(m);
        m = next;
    }
    p->mbox.head = p->mbox.tail = p->mbox.scan = NULL;
    vm_exec_free(p->ex);
    vm_instance_free(p->inst); /* before the WASI functions it links */
    vm_instance_free(p->old_inst); /* a move to new code not yet settled */
    sched__module_unref(p->old_module);
    p->old_inst = NULL;
    p->old_module = NULL;
    wasi_ctx_free(p->wasi);
    p->ex = NULL;
    p->inst = NULL;
    p->wasi = NULL;
    /* Its handles, whatever they are (sockets, databases...): after the
     * instance, which may still name them. */
    if (p->call_state)
        p->call_state_free(p->call_state);
    p->call_state = NULL;
    sched__restab_release(&p->res);
    free(p->links);
    free(p->monitors);
    free(p->rmons);
    p->links = NULL;
    p->monitors = NULL;
    p->rmons = NULL;
    p->nlinks = p->nmonitors = p->nrmons = 0;
    sched__module_unref(p->module);
    sched__config_unref(p->config);
    p->module = NULL;
    p->config = NULL;
}

/* At shutdown: the workers are stopped, so nothing else touches any
 * process; free them all without notifying anyone (as Lunatic does when
 * the root ends). */
void sched__proc_free_all(sched_runtime_t *rt)
{
    /* First every kept receiver is let go (a dead one may go with it),
     * while all the processes it may be are still there. */
    for (int i = 0; i < SCHED_PID_SHARDS; i++)
        for (size_t k = 0; k < rt->shards[i].nbuckets; k++)
            for (sched_proc_t *p = rt->shards[i].buckets[k]; p; p = p->tnext)
                sched__send_cache_drop(p);
    for (int i = 0; i < SCHED_PID_SHARDS; i++) {
        sched_pid_shard_t *s = &rt->shards[i];
        for (size_t k = 0; k < s->nbuckets; k++) {
            sched_proc_t *p = s->buckets[k];
            while (p) {
                sched_proc_t *next = p->tnext;
                if (p->timer_armed)
                    sched__wheel_remove(&rt->wheel, &p->wait_timer);
                sched__proc_release(p);
                sched__mbox_clear(&p->mbox);
                sched__proc_dealloc(p);
                p = next;
            }
        }
        free(s->buckets);
        s->buckets = NULL;
        s->nbuckets = s->count = 0;
    }
}

/* }===== */
