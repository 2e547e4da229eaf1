/* remote.c: the runtime's side of a cluster (sched.h, "the runtime's side
 * of a cluster"). Three things live here, all behind one mutex that is
 * never held while calling out (a callback, a compile, a wake):
 *
 * - the module cache by hash: each module a node can run for others, or
 *   has run for them, under the XXH3-128 hash of its bytes. A spawn for an
 *   unknown hash fetches the bytes from the asking node once; spawns that
 *   come meanwhile wait on the same entry. The bytes are checked against
 *   the hash, compiled once, and the compiled module kept.
 * - the calls parked on the cluster: a remote spawn waiting for its
 *   answer, a send waiting for room on a full link. A parked process is
 *   WAITING like any other; the cluster's answer marks its call done and
 *   wakes it, and its host function, made again, reads the answer.
 * - the nodes known to be down, whose sends fail at once. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

enum mod_state { MOD_FETCHING = 0, MOD_READY };

/* A spawn waiting for its module's bytes. */
typedef struct mod_waiter {
    struct mod_waiter *next;
    char *func;
    size_t func_len;
    uint8_t *params;
    size_t params_len;
    bool has_config;
    sched_spawn_config_t config;
    sched_spawn_reply_fn reply;
    void *reply_ud;
} mod_waiter_t;

typedef struct mod_entry {
    struct mod_entry *next;
    sched_hash_t hash;
    int state;
    sched_module_t *sm; /* READY: compiled, referenced */
    uint8_t *bytes;     /* READY: to answer others' fetches */
    size_t len;
    mod_waiter_t *waiters; /* FETCHING */
} mod_entry_t;

struct sched_remote {
    pthread_mutex_t lock;
    mod_entry_t *mods;
    sched_remote_call_t *calls;
    uint64_t next_req;
    uint64_t *down;
    size_t ndown, down_cap;
    uint64_t fetched, compiled;
};

sched_hash_t sched_hash_bytes(const uint8_t *bytes, size_t len)
{
    XXH128_hash_t h = XXH3_128bits(bytes, len);
    sched_hash_t out = {h.low64, h.high64};
    return out;
}

static bool hash_eq(sched_hash_t a, sched_hash_t b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

int sched__remote_init(sched_runtime_t *rt)
{
    sched_remote_t *r = calloc(1, sizeof *r);
    if (!r)
        return LUN_ENOMEM;
    lun_mutex_init(&r->lock);
    r->next_req = 1;
    rt->remote = r;
    return sched__rwatch_init(rt);
}

static void waiters_free(mod_waiter_t *w)
{
    while (w) {
        mod_waiter_t *next = w->next;
        free(w->func);
        free(w->params);
        free(w);
        w = next;
    }
}

void sched__remote_free(sched_runtime_t *rt)
{
    sched_remote_t *r = rt->remote;
    sched__rwatch_free(rt);
    if (!r)
        return;
    for (mod_entry_t *e = r->mods; e;) {
        mod_entry_t *next = e->next;
        if (e->sm)
            sched__module_unref(e->sm);
        free(e->bytes);
        waiters_free(e->waiters); /* never answered: the runtime is gone */
        free(e);
        e = next;
    }
    /* Parked calls belong to their processes (call_state), freed with
     * them before this runs. */
    free(r->down);
    lun_mutex_destroy(&r->lock);
    free(r);
    rt->remote = NULL;
}

static mod_entry_t *mod_find(sched_remote_t *r, sched_hash_t h)
{
    for (mod_entry_t *e = r->mods; e; e = e->next)
        if (hash_eq(e->hash, h))
            return e;
    return NULL;
}

/* {===== modules by hash */

/* An entry READY with sm and a copy of bytes; the caller holds the lock. */
static int mod_add_ready(sched_remote_t *r, sched_hash_t h, sched_module_t *sm,
                         const uint8_t *bytes, size_t len)
{
    mod_entry_t *e = calloc(1, sizeof *e);
    uint8_t *copy = malloc(len ? len : 1);
    if (!e || !copy) {
        free(e);
        free(copy);
        return LUN_ENOMEM;
    }
    memcpy(copy, bytes, len);
    e->hash = h;
    e->state = MOD_READY;
    e->sm = sm;
    sched__module_ref(sm);
    e->bytes = copy;
    e->len = len;
    e->next = r->mods;
    r->mods = e;
    return 0;
}

int sched__remote_add_module(sched_runtime_t *rt, sched_module_t *sm,
                             const uint8_t *bytes, size_t len)
{
    sched_remote_t *r = rt->remote;
    sched_hash_t h = sched_hash_bytes(bytes, len);
    int rc = 0;
    sm->hash = h;
    sm->has_hash = true;
    lun_mutex_lock(&r->lock);
    if (!mod_find(r, h))
        rc = mod_add_ready(r, h, sm, bytes, len);
    lun_mutex_unlock(&r->lock);
    return rc;
}

bool sched__remote_module_by_id(sched_runtime_t *rt, uint64_t id,
                                sched_hash_t *out)
{
    sched_remote_t *r = rt->remote;
    bool found = false;
    lun_mutex_lock(&r->lock);
    for (mod_entry_t *e = r->mods; e && !found; e = e->next)
        if (e->state == MOD_READY && e->hash.lo == id) {
            *out = e->hash;
            found = true;
        }
    lun_mutex_unlock(&r->lock);
    return found;
}

int sched_remote_module_copy(sched_runtime_t *rt, sched_hash_t module,
                             uint8_t **out, size_t *len)
{
    sched_remote_t *r = rt->remote;
    int rc = LUN_ENOTFOUND;
    lun_mutex_lock(&r->lock);
    mod_entry_t *e = mod_find(r, module);
    if (e && e->state == MOD_READY) {
        *out = malloc(e->len ? e->len : 1);
        rc = *out ? 0 : LUN_ENOMEM;
        if (*out) {
            memcpy(*out, e->bytes, e->len);
            *len = e->len;
        }
    }
    lun_mutex_unlock(&r->lock);
    return rc;
}

void sched_remote_stats(sched_runtime_t *rt, uint64_t *fetched,
                        uint64_t *compiled)
{
    sched_remote_t *r = rt->remote;
    lun_mutex_lock(&r->lock);
    *fetched = r->fetched;
    *compiled = r->compiled;
    lun_mutex_unlock(&r->lock);
}

/* }===== */
/* {===== spawning for another node */

static bool exports_func(const vm_module_t *m, const char *func, size_t len)
{
    uint32_t n = vm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        if (vm_module_export(m, i, &info) == 0 && info.kind == VM_EXTERN_FUNC &&
            info.name_len == len && memcmp(info.name, func, len) == 0)
            return true;
    }
    return false;
}

/* Lunatic's params (17-byte records) as arguments; false if one is bad. */
static bool decode_params(const uint8_t *b, size_t len, vm_value *args)
{
    for (size_t i = 0; i < len / 17; i++) {
        const uint8_t *v = b + 17 * i + 1;
        uint64_t x = 0;
        for (int k = 7; k >= 0; k--)
            x = x << 8 | v[k];
        switch (b[17 * i]) {
        case 0x7F: args[i].i32 = (int32_t)(uint32_t)x; break;
        case 0x7E: args[i].i64 = (int64_t)x; break;
        case 0x7B: memcpy(args[i].v128, v, 16); break;
        default: return false;
        }
    }
    return true;
}

#define REMOTE_ARGS_MAX 1000u

/* The config of a process spawned for another node: the root config,
 * capped by the spawner's (it may ask for less, never for more than this
 * node gives its own root). Referenced; NULL when out of memory. */
static sched_config_t *config_for(sched_runtime_t *rt,
                                  const sched_spawn_config_t *want)
{
    sched_config_t *root = rt->root_config;
    if (!want) {
        atomic_fetch_add(&root->refs, 1);
        return root;
    }
    sched_config_t *c = sched__config_clone(root);
    if (!c)
        return NULL;
    if (want->max_memory < c->max_memory)
        c->max_memory = want->max_memory;
    if (want->max_fuel && (!c->max_fuel || want->max_fuel < c->max_fuel))
        c->max_fuel = want->max_fuel;
    c->can_compile = c->can_compile && want->can_compile;
    c->can_create_configs = c->can_create_configs && want->can_create_configs;
    c->can_spawn = c->can_spawn && want->can_spawn;
    return c;
}

/* Spawn func of sm and answer; reply is called once. */
static void spawn_now(sched_runtime_t *rt, sched_module_t *sm,
                      const char *func, size_t func_len,
                      const uint8_t *params, size_t params_len,
                      const sched_spawn_config_t *config,
                      sched_spawn_reply_fn reply, void *reply_ud)
{
    char err[256] = "";
    size_t nargs = params_len / 17;
    if (!exports_func(sm->vm, func, func_len)) {
        snprintf(err, sizeof err, "the module has no function '%.*s'",
                 (int)(func_len > 100 ? 100 : func_len), func);
        return reply(reply_ud, 2, 0, err);
    }
    if (params_len % 17 != 0 || nargs > REMOTE_ARGS_MAX)
        return reply(reply_ud, 9027, 0, "malformed spawn parameters");
    if (sched__proc_cap_reached(rt, err, sizeof err))
        return reply(reply_ud, 9027, 0, err);
    vm_value *args = calloc(nargs ? nargs : 1, sizeof *args);
    if (!args)
        return reply(reply_ud, 9027, 0, "out of memory");
    if (!decode_params(params, params_len, args)) {
        free(args);
        return reply(reply_ud, 9027, 0, "spawn: bad parameter type");
    }
    sched_config_t *cfg = config_for(rt, config);
    sched_proc_t *p = cfg ? sched__proc_new(rt, sm, cfg, NULL, err,
                                            sizeof err) : NULL;
    if (!cfg)
        snprintf(err, sizeof err, "out of memory");
    if (p)
        sched__proc_start(p, func, func_len, args, (uint32_t)nargs);
    if (cfg)
        sched__config_unref(cfg);
    free(args);
    if (!p)
        return reply(reply_ud, 9027, 0, err);
    uint64_t pid = p->pid;
    sched__mbox_publish_room(p);
    sched__proc_table_add(rt, p);
    sched__enqueue(rt, p);
    reply(reply_ud, 0, pid, NULL);
}

void sched_remote_spawn(sched_runtime_t *rt, uint64_t from_node,
                        sched_hash_t module, const char *func,
                        size_t func_len, const uint8_t *params,
                        size_t params_len, const sched_spawn_config_t *config,
                        sched_spawn_reply_fn reply, void *reply_ud)
{
    sched_remote_t *r = rt->remote;
    const sched_node_t *n = rt->node;
    bool fetch = false;
    lun_mutex_lock(&r->lock);
    mod_entry_t *e = mod_find(r, module);
    if (e && e->state == MOD_READY) {
        sched_module_t *sm = e->sm;
        sched__module_ref(sm);
        lun_mutex_unlock(&r->lock);
        spawn_now(rt, sm, func, func_len, params, params_len, config, reply,
                  reply_ud);
        sched__module_unref(sm);
        return;
    }
    mod_waiter_t *w = calloc(1, sizeof *w);
    if (w) {
        w->func = malloc(func_len ? func_len : 1);
        w->params = malloc(params_len ? params_len : 1);
    }
    bool can_wait = w && w->func && w->params && n && n->fetch_module;
    if (!e && can_wait && (e = calloc(1, sizeof *e)) != NULL) {
        e->hash = module;
        e->state = MOD_FETCHING;
        e->next = r->mods;
        r->mods = e;
        fetch = true;
        r->fetched++;
    }
    if (!e || !can_wait) {
        lun_mutex_unlock(&r->lock);
        if (w) {
            w->next = NULL;
            waiters_free(w);
        }
        return reply(reply_ud, 2, 0, "module not found (cannot fetch it)");
    }
    memcpy(w->func, func, func_len);
    w->func_len = func_len;
    memcpy(w->params, params, params_len);
    w->params_len = params_len;
    w->has_config = config != NULL;
    if (config)
        w->config = *config;
    w->reply = reply;
    w->reply_ud = reply_ud;
    w->next = e->waiters;
    e->waiters = w;
    lun_mutex_unlock(&r->lock);
    if (fetch)
        n->fetch_module(n->ud, from_node, module);
}

/* Compile bytes checked against h; NULL with err on a failure. */
static sched_module_t *compile_fetched(sched_runtime_t *rt, sched_hash_t h,
                                       const uint8_t *bytes, size_t len,
                                       char *err, size_t errlen)
{
    vm_module_t *m;
    sched_module_t *sm;
    if (!bytes) {
        snprintf(err, errlen, "module not found (the fetch failed)");
        return NULL;
    }
    if (!hash_eq(sched_hash_bytes(bytes, len), h)) {
        snprintf(err, errlen, "module not found (fetched bytes do not match "
                 "its hash)");
        return NULL;
    }
    vm_config cfg = {.no_fusion = rt->no_fusion};
    if (vm_module_load(bytes, len, &cfg, &m, err, errlen) != 0)
        return NULL;
    if (sched__module_new(rt, m, err, errlen, &sm) != 0) {
        vm_module_free(m);
        return NULL;
    }
    sm->hash = h;
    sm->has_hash = true;
    return sm;
}

void sched_remote_module_bytes(sched_runtime_t *rt, sched_hash_t module,
                               const uint8_t *bytes, size_t len)
{
    sched_remote_t *r = rt->remote;
    char err[256] = "";
    sched_module_t *sm = compile_fetched(rt, module, bytes, len, err,
                                         sizeof err);
    uint8_t *copy = sm ? malloc(len ? len : 1) : NULL;
    if (sm && !copy) {
        sched__module_unref(sm);
        sm = NULL;
        snprintf(err, sizeof err, "out of memory");
    }
    lun_mutex_lock(&r->lock);
    mod_entry_t **pe = &r->mods, *e;
    while ((e = *pe) && !(hash_eq(e->hash, module) &&
                          e->state == MOD_FETCHING))
        pe = &e->next;
    mod_waiter_t *w = e ? e->waiters : NULL;
    if (e && sm) {
        memcpy(copy, bytes, len);
        e->state = MOD_READY;
        e->sm = sm;
        e->bytes = copy;
        e->len = len;
        e->waiters = NULL;
        r->compiled++;
    } else if (e) {
        *pe = e->next; /* forgotten: a later spawn fetches again */
        free(e);
    }
    lun_mutex_unlock(&r->lock);
    if (!e) { /* nobody asked (or a second answer) */
        free(copy);
        sched__module_unref(sm);
        return;
    }
    while (w) {
        mod_waiter_t *next = w->next;
        if (sm)
            spawn_now(rt, sm, w->func, w->func_len, w->params, w->params_len,
                      w->has_config ? &w->config : NULL, w->reply,
                      w->reply_ud);
        else
            w->reply(w->reply_ud, 2, 0, err);
        w->next = NULL;
        waiters_free(w);
        w = next;
    }
}

/* }===== */
/* {===== calls parked on the cluster */

struct sched_remote_call {
    struct sched_remote_call *next;
    sched_runtime_t *rt;
    uint64_t req, pid, node;
    bool wants_room; /* its request was refused (or not yet accepted):
                        room on the link ends it */
    bool done;
    int rc;
    uint64_t value;
    char err[160];
};

static void call_free(void *state)
{
    sched_remote_call_t *c = state, **pc;
    sched_remote_t *r = c->rt->remote;
    lun_mutex_lock(&r->lock);
    for (pc = &r->calls; *pc; pc = &(*pc)->next)
        if (*pc == c) {
            *pc = c->next;
            break;
        }
    lun_mutex_unlock(&r->lock);
    free(c);
}

sched_remote_call_t *sched__remote_call_new(sched_proc_t *p, uint64_t node)
{
    sched_remote_t *r = p->rt->remote;
    sched_remote_call_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rt = p->rt;
    c->pid = p->pid;
    c->node = node;
    c->wants_room = true;
    lun_mutex_lock(&r->lock);
    c->req = r->next_req++;
    c->next = r->calls;
    r->calls = c;
    lun_mutex_unlock(&r->lock);
    if (p->call_state)
        p->call_state_free(p->call_state);
    p->call_state = c;
    p->call_state_free = call_free;
    return c;
}

void sched__remote_call_sent(sched_proc_t *p)
{
    sched_remote_call_t *c = p->call_state;
    sched_remote_t *r = p->rt->remote;
    lun_mutex_lock(&r->lock);
    c->wants_room = false;
    if (c->done && c->rc == SCHED_REMOTE_ROOM)
        c->done = false; /* room came before the request was accepted */
    lun_mutex_unlock(&r->lock);
}

uint64_t sched__remote_call_req(const sched_remote_call_t *c)
{
    return c->req;
}

bool sched__remote_call_done(sched_proc_t *p, int *rc, uint64_t *value,
                             char *err, size_t errlen)
{
    sched_remote_call_t *c = p->call_state;
    sched_remote_t *r = p->rt->remote;
    bool done;
    if (!c || p->call_state_free != call_free)
        return false;
    lun_mutex_lock(&r->lock);
    done = c->done;
    if (done) {
        *rc = c->rc;
        *value = c->value;
        snprintf(err, errlen, "%s", c->err);
    }
    lun_mutex_unlock(&r->lock);
    return done;
}

void sched__remote_call_end(sched_proc_t *p)
{
    if (p->call_state && p->call_state_free == call_free) {
        call_free(p->call_state);
        p->call_state = NULL;
        p->call_state_free = NULL;
    }
}

static void wake_pid(sched_runtime_t *rt, uint64_t pid)
{
    sched_proc_t *p = sched__proc_lookup(rt, pid);
    if (p) {
        sched__wake(p);
        sched__proc_unref(p);
    }
}

enum finish_what { FINISH_ANSWER, FINISH_ROOM, FINISH_DOWN };

/* Does c end with `what` (for req or node)? An answer or a node down
 * overrides an earlier mark of room: the call still waits for them. */
static bool call_matches(const sched_remote_call_t *c, int what, uint64_t req,
                         uint64_t node)
{
    bool room_mark = c->done && c->rc == SCHED_REMOTE_ROOM;
    switch (what) {
    case FINISH_ANSWER: return c->req == req && (!c->done || room_mark);
    case FINISH_ROOM: return c->node == node && c->wants_room && !c->done;
    default: return c->node == node && (!c->done || room_mark);
    }
}

/* Mark done the calls that match and wake their processes. */
static void finish_calls(sched_runtime_t *rt, int what, uint64_t req,
                         uint64_t node, int rc, uint64_t value,
                         const char *err)
{
    sched_remote_t *r = rt->remote;
    uint64_t one, *pids = &one;
    size_t n = 0, cap = 1;
    lun_mutex_lock(&r->lock);
    for (sched_remote_call_t *c = r->calls; c; c = c->next) {
        if (!call_matches(c, what, req, node))
            continue;
        if (n == cap) {
            uint64_t *more = malloc(2 * cap * sizeof *more);
            if (!more)
                break; /* the rest find out at their timeout */
            memcpy(more, pids, n * sizeof *pids);
            if (pids != &one)
                free(pids);
            pids = more;
            cap *= 2;
        }
        c->done = true;
        c->rc = rc;
        c->value = value;
        snprintf(c->err, sizeof c->err, "%s", err ? err : "");
        pids[n++] = c->pid;
    }
    lun_mutex_unlock(&r->lock);
    for (size_t i = 0; i < n; i++)
        wake_pid(rt, pids[i]);
    if (pids != &one)
        free(pids);
}

void sched_remote_spawned(sched_runtime_t *rt, uint64_t req, int rc,
                          uint64_t pid, const char *err)
{
    if (req != 0)
        finish_calls(rt, FINISH_ANSWER, req, 0, rc, pid, err);
}

void sched_remote_room(sched_runtime_t *rt, uint64_t node)
{
    finish_calls(rt, FINISH_ROOM, 0, node, SCHED_REMOTE_ROOM, 0, NULL);
}

/* }===== */
/* {===== nodes that are down */

bool sched__remote_node_down(sched_runtime_t *rt, uint64_t node)
{
    sched_remote_t *r = rt->remote;
    bool down = false;
    lun_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->ndown && !down; i++)
        down = r->down[i] == node;
    lun_mutex_unlock(&r->lock);
    return down;
}

void sched_remote_node_down(sched_runtime_t *rt, uint64_t node,
                            const char *reason)
{
    sched_remote_t *r = rt->remote;
    char err[160];
    if (sched__remote_node_down(rt, node))
        return; /* told twice */
    lun_mutex_lock(&r->lock);
    if (r->ndown == r->down_cap) {
        size_t cap = r->down_cap ? 2 * r->down_cap : 8;
        uint64_t *d = realloc(r->down, cap * sizeof *d);
        if (d) {
            r->down = d;
            r->down_cap = cap;
        }
    }
    if (r->ndown < r->down_cap)
        r->down[r->ndown++] = node;
    lun_mutex_unlock(&r->lock);
    snprintf(err, sizeof err, "node %llu is down: %s",
             (unsigned long long)node, reason ? reason : "");
    /* A parked send retries and finds the node down; a spawn answers 1. */
    finish_calls(rt, FINISH_DOWN, 0, node, SCHED_REMOTE_NODE_DOWN, 0, err);
    sched__rwatch_node_down(rt, node);
}

/* }===== */

void sched_remote_thread_done(sched_runtime_t *rt)
{
    sched__thread_caches_flush(rt);
}

int sched_remote_deliver(sched_runtime_t *rt, uint64_t to_pid,
                         uint64_t from_node, uint64_t from_pid, int64_t tag,
                         const uint8_t *data, size_t len)
{
    sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, len);
    (void)from_pid; /* Lunatic's data messages carry no sender pid */
    if (!m || sched__msg_write(m, data, len) != 0) {
        sched__msg_free(m);
        return LUN_ENOMEM;
    }
    m->tag = tag;
    m->node = from_node; /* message::get_node_id */
    return sched__send(rt, to_pid, m) ? 0 : 1;
}

int sched_remote_deliver_owned(sched_runtime_t *rt, uint64_t to_pid,
                               uint64_t from_node, uint64_t from_pid,
                               int64_t tag, uint8_t *data, size_t len)
{
    if (len == 0) { /* a body of its own would be empty */
        free(data);
        return sched_remote_deliver(rt, to_pid, from_node, from_pid, tag,
                                    NULL, 0);
    }
    sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, 0);
    if (!m) {
        free(data);
        return LUN_ENOMEM;
    }
    m->data = data; /* freed with the message (sched__msg_free) */
    m->cap = len;
    m->len = len;
    m->tag = tag;
    m->node = from_node; /* message::get_node_id */
    return sched__send(rt, to_pid, m) ? 0 : 1;
}
