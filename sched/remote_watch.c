/* remote_watch.c: links and monitors across nodes, and node events, on
 * the runtime's side (sched.h: sched_remote_signal, sched_remote_node_up;
 * docs/nodes.md "Links and monitors across nodes").
 *
 * A process's links and monitors belong to the thread that runs it
 * (signal.c); what crosses nodes arrives as signals in its mailbox like
 * any other. What this file adds is the index a node-down needs: which
 * local processes have a link or monitor across which node. When a node
 * goes down, each of them gets one SCHED_SIG_NODE_DOWN and fires its own
 * links and monitors across that node with reason noconnection. Entries
 * go when the process dies (sched__remote_forget) or the node goes down.
 *
 * Also here: the processes that asked for node up/down events
 * (monitor_nodes), each told with a data message. One mutex guards both;
 * it is never held while sending (sched__send may wake a process). */
#include "common/lun_prefix.h"

#include <string.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

/* The nodes one local process has links or monitors across. */
typedef struct watch {
    struct watch *next;
    uint64_t pid;
    uint64_t *nodes;
    uint32_t n, cap;
} watch_t;

typedef struct subscriber {
    uint64_t pid;
    int64_t tag;
} subscriber_t;

struct sched_rwatch {
    pthread_mutex_t lock;
    watch_t **buckets;
    size_t nbuckets, count;
    subscriber_t *subs;
    uint32_t nsubs, subs_cap;
};

int sched__rwatch_init(sched_runtime_t *rt)
{
    sched_rwatch_t *w = calloc(1, sizeof *w);
    if (!w)
        return LUN_ENOMEM;
    w->nbuckets = 64;
    w->buckets = calloc(w->nbuckets, sizeof *w->buckets);
    if (!w->buckets) {
        free(w);
        return LUN_ENOMEM;
    }
    lun_mutex_init(&w->lock);
    rt->rwatch = w;
    return 0;
}

static void watch_free(watch_t *e)
{
    free(e->nodes);
    free(e);
}

void sched__rwatch_free(sched_runtime_t *rt)
{
    sched_rwatch_t *w = rt->rwatch;
    if (!w)
        return;
    for (size_t b = 0; b < w->nbuckets; b++)
        for (watch_t *e = w->buckets[b], *next; e; e = next) {
            next = e->next;
            watch_free(e);
        }
    free(w->buckets);
    free(w->subs);
    lun_mutex_destroy(&w->lock);
    free(w);
    rt->rwatch = NULL;
}

static size_t bucket_of(const sched_rwatch_t *w, uint64_t pid)
{
    return (size_t)((pid * UINT64_C(0x9E3779B97F4A7C15)) >> 32) %
           w->nbuckets;
}

/* Twice the buckets when the table is full (out of memory: stays). */
static void grow(sched_rwatch_t *w)
{
    size_t n = w->nbuckets * 2;
    watch_t **b = calloc(n, sizeof *b);
    if (!b)
        return;
    watch_t **old = w->buckets;
    size_t oldn = w->nbuckets;
    w->buckets = b;
    w->nbuckets = n;
    for (size_t i = 0; i < oldn; i++)
        for (watch_t *e = old[i], *next; e; e = next) {
            next = e->next;
            size_t k = bucket_of(w, e->pid);
            e->next = b[k];
            b[k] = e;
        }
    free(old);
}

/* The entry of pid, made if missing (create); NULL when out of memory. */
static watch_t *watch_of(sched_rwatch_t *w, uint64_t pid, bool create)
{
    for (watch_t *e = w->buckets[bucket_of(w, pid)]; e; e = e->next)
        if (e->pid == pid)
            return e;
    if (!create)
        return NULL;
    if (w->count >= 2 * w->nbuckets)
        grow(w);
    watch_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t k = bucket_of(w, pid);
    e->pid = pid;
    e->next = w->buckets[k];
    w->buckets[k] = e;
    w->count++;
    return e;
}

static void watch_drop(sched_rwatch_t *w, uint64_t pid)
{
    for (watch_t **pe = &w->buckets[bucket_of(w, pid)]; *pe;
         pe = &(*pe)->next)
        if ((*pe)->pid == pid) {
            watch_t *e = *pe;
            *pe = e->next;
            watch_free(e);
            w->count--;
            return;
        }
}

bool sched__remote_watch(sched_proc_t *p, uint64_t node)
{
    sched_rwatch_t *w = p->rt->rwatch;
    bool ok = true;
    lun_mutex_lock(&w->lock);
    /* The down list is checked under our lock: a node reported down
     * after this finds our entry (it takes this lock to look). */
    if (sched__remote_node_down(p->rt, node)) {
        ok = false;
    } else if (!atomic_load(&p->dead)) {
        watch_t *e = watch_of(w, p->pid, true);
        bool have = false;
        for (uint32_t i = 0; e && i < e->n && !have; i++)
            have = e->nodes[i] == node;
        if (e && !have) {
            uint64_t *nodes = sched__room_for_one(e->nodes, &e->cap, e->n,
                                                  sizeof *nodes);
            if (nodes) {
                e->nodes = nodes;
                e->nodes[e->n++] = node;
            }
        }
        /* set before we unlock: a death from now on sees it and drops
         * the entry (it stores `dead` before looking) */
        atomic_store(&p->remote_reg, true);
    }
    lun_mutex_unlock(&w->lock);
    return ok;
}

int sched__remote_node_events(sched_proc_t *p, bool on, int64_t tag)
{
    sched_rwatch_t *w = p->rt->rwatch;
    int rc = 0;
    lun_mutex_lock(&w->lock);
    uint32_t i = 0;
    while (i < w->nsubs && w->subs[i].pid != p->pid)
        i++;
    if (!on && i < w->nsubs) {
        w->subs[i] = w->subs[--w->nsubs];
    } else if (on && i < w->nsubs) {
        w->subs[i].tag = tag;
    } else if (on) {
        subscriber_t *s = sched__room_for_one(w->subs, &w->subs_cap,
                                              w->nsubs, sizeof *s);
        if (!s) {
            rc = LUN_ENOMEM;
        } else {
            w->subs = s;
            w->subs[w->nsubs++] = (subscriber_t){p->pid, tag};
            atomic_store(&p->remote_reg, true);
        }
    }
    lun_mutex_unlock(&w->lock);
    return rc;
}

void sched__remote_forget(sched_proc_t *p)
{
    sched_rwatch_t *w = p->rt->rwatch;
    lun_mutex_lock(&w->lock);
    watch_drop(w, p->pid);
    for (uint32_t i = 0; i < w->nsubs; i++)
        if (w->subs[i].pid == p->pid) {
            w->subs[i] = w->subs[--w->nsubs];
            break;
        }
    lun_mutex_unlock(&w->lock);
}

/* {===== node events */

/* Tell every subscriber: a data message tagged as it asked, 9 bytes:
 * u8 event (1 up, 0 down), u64 LE node id. */
static void node_event(sched_runtime_t *rt, uint64_t node, uint8_t up)
{
    sched_rwatch_t *w = rt->rwatch;
    subscriber_t *subs = NULL;
    uint32_t n = 0;
    lun_mutex_lock(&w->lock);
    if (w->nsubs && (subs = malloc(w->nsubs * sizeof *subs))) {
        n = w->nsubs;
        memcpy(subs, w->subs, n * sizeof *subs);
    }
    lun_mutex_unlock(&w->lock);
    uint8_t body[9] = {up};
    for (int k = 0; k < 8; k++)
        body[1 + k] = (uint8_t)(node >> (8 * k));
    for (uint32_t i = 0; i < n; i++) {
        sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, sizeof body);
        if (!m || sched__msg_write(m, body, sizeof body) != 0) {
            sched__msg_free(m);
            continue; /* out of memory: this event is lost for it */
        }
        m->tag = subs[i].tag;
        m->node = node;
        sched__send(rt, subs[i].pid, m);
    }
    free(subs);
}

void sched_remote_node_up(sched_runtime_t *rt, uint64_t node)
{
    node_event(rt, node, 1);
}

/* node is down (remote.c has put it on its down list): every process
 * with a link or monitor across it gets SCHED_SIG_NODE_DOWN, then the
 * subscribers an event. */
void sched__rwatch_node_down(sched_runtime_t *rt, uint64_t node)
{
    sched_rwatch_t *w = rt->rwatch;
    uint64_t *pids = NULL;
    size_t n = 0, cap = 0;
    lun_mutex_lock(&w->lock);
    for (size_t b = 0; b < w->nbuckets; b++)
        for (watch_t *e = w->buckets[b]; e; e = e->next)
            for (uint32_t i = 0; i < e->n; i++) {
                if (e->nodes[i] != node)
                    continue;
                e->nodes[i] = e->nodes[--e->n];
                if (n == cap) {
                    size_t ncap = cap ? 2 * cap : 16;
                    uint64_t *more = realloc(pids, ncap * sizeof *more);
                    if (!more)
                        break; /* out of memory: those links never fire */
                    pids = more;
                    cap = ncap;
                }
                pids[n++] = e->pid;
                break;
            }
    lun_mutex_unlock(&w->lock);
    for (size_t i = 0; i < n; i++) {
        sched_msg_t *m = sched__msg_new(SCHED_SIG_NODE_DOWN, 0);
        if (!m)
            continue;
        m->node = node;
        sched__send(rt, pids[i], m);
    }
    free(pids);
    node_event(rt, node, 0);
}

/* }===== */
/* {===== signals from other nodes */

/* The local kind of a signal from another node. */
static int local_kind(int kind)
{
    switch (kind) {
    case SCHED_NODE_LINK: return SCHED_SIG_LINK;
    case SCHED_NODE_UNLINK: return SCHED_SIG_UNLINK;
    case SCHED_NODE_EXIT: return SCHED_SIG_LINK_DIED;
    case SCHED_NODE_MONITOR: return SCHED_SIG_MONITOR;
    case SCHED_NODE_DEMONITOR: return SCHED_SIG_DEMONITOR;
    case SCHED_NODE_DOWN: return SCHED_SIG_DOWN;
    default: return -1;
    }
}

/* Answer a LINK or MONITOR of a process that is not here: it is gone. */
static void answer_noproc(sched_runtime_t *rt, uint64_t from_node, int kind,
                          uint64_t from, uint64_t to, int64_t tag)
{
    const sched_node_t *n = rt->node;
    if (!n || !n->signal)
        return;
    if (kind == SCHED_NODE_LINK)
        n->signal(n->ud, from_node, SCHED_NODE_EXIT, to, from, tag,
                  SCHED_NOPROC);
    else if (kind == SCHED_NODE_MONITOR)
        n->signal(n->ud, from_node, SCHED_NODE_DOWN, to, from, 0,
                  SCHED_NOPROC);
}

void sched_remote_signal(sched_runtime_t *rt, uint64_t from_node, int kind,
                         uint64_t from, uint64_t to, int64_t tag,
                         uint8_t reason)
{
    int k = local_kind(kind);
    if (k < 0 || from_node == 0 || reason > SCHED_NOCONN)
        return; /* not a signal this runtime knows */
    sched_proc_t *p = to ? sched__proc_lookup(rt, to) : NULL;
    if (!p) {
        answer_noproc(rt, from_node, kind, from, to, tag);
        return;
    }
    /* A link or monitor from there must fire if that node goes: watch it
     * (before the signal is queued, so a node-down comes after it). A
     * node already down gets nothing: its process is gone. */
    if ((kind == SCHED_NODE_LINK || kind == SCHED_NODE_MONITOR) &&
        !sched__remote_watch(p, from_node)) {
        sched__proc_unref(p);
        return;
    }
    sched_msg_t *m = sched__msg_new((uint8_t)k, 0);
    if (m) {
        m->pid = from;
        m->node = from_node;
        m->tag = tag;
        m->reason = reason;
        sched__push(p, m); /* even if it died meanwhile: proc_unref answers */
    }
    sched__proc_unref(p);
}

/* }===== */
