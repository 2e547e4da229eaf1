/* limits.c: what keeps one process from exhausting the node: the cap on
 * live processes, and the accounting of queued messages, which count
 * against their receiver's memory limit and against a node-wide cap.
 *
 * A message is charged to its receiver when a sender queues it
 * (sched__send) and uncharged when it leaves the mailbox: received into
 * the scratch area, or freed. Over a limit, the receiver is killed, as
 * Erlang's max_heap_size kills a process whose heap (its mailbox
 * included) grows too large: the memory sits in its mailbox because it
 * does not read it, and killing it frees that memory at once. The sender
 * is not hurt. Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>

#include "sched/sched_int.h"

/* A worker keeps what it added to or took from the node's total of
 * queued bytes in its own counter and moves it to rt->msg_bytes past
 * rt->msg_batch either way, so a message costs no locked instruction on
 * that shared line. The cap checks see rt->msg_bytes plus their own
 * worker's part: each other worker may hide up to a batch, at most
 * 1/256 of the cap (NODE_BATCH_SHARE), 64 KiB with the default cap. */
#define NODE_BATCH_MAX (64 * 1024)
#define NODE_BATCH_SHARE 256

void sched__limits_init(sched_runtime_t *rt, const sched_options_t *o)
{
    rt->max_procs = o->max_processes ? o->max_processes
                                     : SCHED_DEFAULT_MAX_PROCESSES;
    rt->max_msg_bytes = o->max_message_memory
                            ? o->max_message_memory
                            : SCHED_DEFAULT_MAX_MESSAGE_MEMORY;
    atomic_init(&rt->msg_bytes, 0);
    uint64_t batch = rt->max_msg_bytes / NODE_BATCH_SHARE;
    rt->msg_batch = batch < NODE_BATCH_MAX ? (int64_t)batch : NODE_BATCH_MAX;
    atomic_init(&rt->msg_cap_logged, false);
}

/* {===== processes */

bool sched__proc_cap_reached(sched_runtime_t *rt, char *err, size_t errlen)
{
    /* A soft cap: spawns racing on other workers may pass it by one each. */
    if (atomic_load_explicit(&rt->nprocs, memory_order_relaxed) <
        rt->max_procs)
        return false;
    snprintf(err, errlen, "process limit reached (%llu)",
             (unsigned long long)rt->max_procs);
    return true;
}

/* }===== */
/* {===== mailbox memory */

/* The process's linear memory in bytes (0 when it has none). */
static uint64_t memory_size(sched_proc_t *p)
{
    vm_memory_t *mem = p->inst ? vm_instance_memory(p->inst) : NULL;
    return mem ? vm_memory_size(mem) : 0;
}

/* The host memory a queued message holds. */
static size_t footprint(const sched_msg_t *m)
{
    size_t bytes = sizeof *m + (size_t)m->res_cap * sizeof *m->res;
    if (m->data != m->small)
        bytes += m->cap;
    return bytes;
}

void sched__mbox_publish_room(sched_proc_t *p)
{
    sched__mbox_set_room(p, memory_size(p));
}

void sched__mbox_set_room(sched_proc_t *p, uint64_t mem)
{
    if (!p->config)
        return;
    uint64_t max = p->config->max_memory;
    /* 0 means "not published": a process with no room left gets 1. */
    uint64_t room = max > mem + 1 ? max - mem : 1;
    atomic_store_explicit(&p->mbox_room, room, memory_order_relaxed);
}

/* p is over a limit: it dies at its next drain. Data is dropped from now
 * on (it would only be freed with p); signals still go in, so that a
 * link or monitor request gets its answer. */
static bool mark_over(sched_proc_t *p, uint8_t why, bool data)
{
    uint8_t none = SCHED_OVER_NONE;
    atomic_compare_exchange_strong(&p->mbox_over, &none, why);
    return !data;
}

/* Once per episode at the node's cap (it ends below half the cap). */
static void log_node_cap(sched_runtime_t *rt, uint64_t total)
{
    if (atomic_exchange(&rt->msg_cap_logged, true))
        return;
    fprintf(stderr, "lunatic: queued messages hold %llu bytes, the node's "
            "cap (--max-message-memory %llu): messages to processes "
            "holding less than 1/64 of it are dropped until it is read\n",
            (unsigned long long)total, (unsigned long long)rt->max_msg_bytes);
}

/* {===== the node's total: counted per worker, summed now and then */

/* The shared count plus a worker's part, as a count: either may be below
 * 0 (it wraps) while bytes put in on one worker and taken out on another
 * are flushed on one side only. */
static uint64_t node_view(uint64_t shared, int64_t mine)
{
    int64_t v = (int64_t)shared + mine;
    return v < 0 ? 0 : (uint64_t)v;
}

/* Add delta to the node's total; returns the total as this thread sees
 * it (the shared count plus its own worker's unflushed part). */
static uint64_t node_add(sched_runtime_t *rt, int64_t delta)
{
    sched_worker_t *w = sched__self();
    if (!w || w->rt != rt) /* not a worker of rt: straight to the total */
        return node_view(atomic_fetch_add(&rt->msg_bytes, (uint64_t)delta),
                         delta);
    int64_t mine = atomic_load_explicit(&w->msg_bytes, memory_order_relaxed)
                   + delta;
    if (mine > rt->msg_batch || mine < -rt->msg_batch) {
        uint64_t shared = atomic_fetch_add(&rt->msg_bytes, (uint64_t)mine);
        atomic_store_explicit(&w->msg_bytes, 0, memory_order_relaxed);
        return node_view(shared, mine);
    }
    atomic_store_explicit(&w->msg_bytes, mine, memory_order_relaxed);
    return node_view(atomic_load_explicit(&rt->msg_bytes,
                                          memory_order_relaxed), mine);
}

void sched__node_bytes_flush(sched_worker_t *w)
{
    int64_t mine = atomic_exchange(&w->msg_bytes, 0);
    if (mine)
        atomic_fetch_add(&w->rt->msg_bytes, (uint64_t)mine);
}

uint64_t sched__node_bytes(sched_runtime_t *rt)
{
    int64_t parts = 0;
    for (uint32_t i = 0; i < rt->nworkers; i++)
        parts += atomic_load_explicit(&rt->workers[i]->msg_bytes,
                                      memory_order_relaxed);
    return node_view(atomic_load(&rt->msg_bytes), parts);
}

/* }===== */

uint64_t sched__mbox_queued(const sched_proc_t *p)
{
    /* out first: every message counted in it was counted in mbox_bytes
     * before it was pushed, and the owner's release store of out makes
     * those adds visible here, so the later load of in is at least out,
     * field by field (bytes and count). Read the other way round, a
     * message put in and taken out between the two loads would count
     * in out only. */
    uint64_t out = atomic_load_explicit(&p->mbox_out, memory_order_acquire);
    return atomic_load_explicit(&p->mbox_bytes, memory_order_relaxed) - out;
}

/* The owner (or the last reference's holder): one thread at a time. */
static void mbox_out_add(sched_proc_t *p, uint64_t v)
{
    uint64_t out = atomic_load_explicit(&p->mbox_out, memory_order_relaxed);
    atomic_store_explicit(&p->mbox_out, out + v, memory_order_release);
}

/* Take back a charge the sender just made (the message is refused). */
static void refund(sched_proc_t *p, sched_msg_t *m)
{
    atomic_fetch_sub(&p->mbox_bytes, m->charge + SCHED_MBOX_ONE);
    node_add(p->rt, -(int64_t)m->charge);
    m->charged_to = NULL;
    m->charge = 0;
}

bool sched__mbox_admit(sched_proc_t *p, sched_msg_t *m, bool *wake)
{
    sched_runtime_t *rt = p->rt;
    bool data = m->kind == SCHED_MSG_DATA;
    *wake = true;
    if (data && atomic_load_explicit(&p->mbox_over, memory_order_relaxed)) {
        *wake = false; /* it was woken to die when it went over */
        return false;
    }
    size_t bytes = footprint(m);
    m->charged_to = p;
    m->charge = bytes;
    /* out before in (see sched__mbox_queued): never more out than in. */
    uint64_t out = atomic_load_explicit(&p->mbox_out, memory_order_acquire);
    uint64_t in = atomic_fetch_add(&p->mbox_bytes, bytes + SCHED_MBOX_ONE) +
                  bytes + SCHED_MBOX_ONE;
    uint64_t mine = SCHED_MBOX_BYTES(in - out);
    uint64_t total = node_add(rt, (int64_t)bytes);
    uint64_t room = atomic_load_explicit(&p->mbox_room, memory_order_relaxed);
    bool ok;
    if (room && mine > room)
        ok = mark_over(p, SCHED_OVER_OWN, data);
    else if (total <= rt->max_msg_bytes)
        return true;
    /* At the node's cap: a receiver holding a large share is one of the
     * causes (at most 64 can hold that much) and pays for it; for the
     * others the message is lost, as one sent to a dead process. */
    else if (mine >= rt->max_msg_bytes / 64)
        ok = mark_over(p, SCHED_OVER_NODE, data);
    else if (!data)
        return true;
    else {
        log_node_cap(rt, total);
        *wake = false;
        ok = false;
    }
    if (!ok)
        refund(p, m);
    return ok;
}

void sched__mbox_uncharge(sched_msg_t *m)
{
    sched_proc_t *p = m->charged_to;
    if (!p)
        return;
    sched_runtime_t *rt = p->rt;
    mbox_out_add(p, m->charge + SCHED_MBOX_ONE);
    uint64_t total = node_add(rt, -(int64_t)m->charge);
    if (total < rt->max_msg_bytes / 2 &&
        atomic_load_explicit(&rt->msg_cap_logged, memory_order_relaxed))
        atomic_store(&rt->msg_cap_logged, false);
    m->charged_to = NULL;
    m->charge = 0;
}

bool sched__mbox_overflowed(sched_proc_t *p)
{
    uint8_t why = atomic_load_explicit(&p->mbox_over, memory_order_relaxed);
    if (why == SCHED_OVER_NONE)
        return false;
    if (why == SCHED_OVER_DONE)
        return true;
    atomic_store(&p->mbox_over, SCHED_OVER_DONE);
    uint64_t queued = SCHED_MBOX_BYTES(sched__mbox_queued(p));
    if (why == SCHED_OVER_OWN) {
        p->kill_why = "killed: its mailbox is over its memory limit";
        if (p->rt->log_failures)
            fprintf(stderr, "lunatic: process %llu killed: %llu bytes queued "
                    "in its mailbox and %llu bytes of memory exceed its "
                    "max_memory (%llu bytes)\n", (unsigned long long)p->pid,
                    (unsigned long long)queued,
                    (unsigned long long)memory_size(p),
                    (unsigned long long)p->config->max_memory);
    } else {
        p->kill_why = "killed: its mailbox holds too much of the node's "
                      "message memory";
        if (p->rt->log_failures)
            fprintf(stderr, "lunatic: process %llu killed: %llu bytes queued "
                    "in its mailbox when the node's queued messages reached "
                    "their cap (--max-message-memory %llu)\n",
                    (unsigned long long)p->pid, (unsigned long long)queued,
                    (unsigned long long)p->rt->max_msg_bytes);
    }
    return true;
}

const char *sched__msg_too_big(sched_proc_t *p, uint64_t len)
{
    if (len > p->rt->max_msg_bytes)
        return "message larger than the node's message memory cap";
    if (len + memory_size(p) > p->config->max_memory)
        return "message larger than the process's memory limit allows";
    return NULL;
}

/* }===== */
