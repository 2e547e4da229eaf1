/* signal.c: what travels between processes besides data: kill, link,
 * unlink, link death, monitor; draining the inbox; and dying, which
 * notifies links and monitors (LUNATIC_ABI.md 1.3.1). Signals ride in the
 * same mailbox as messages, so they keep their order per sender and are
 * only acted on by the thread that runs the receiver: links and monitors
 * need no lock. The other end of a link or monitor may be a process of
 * another node (its node id beside its pid; 0 for this node): signals to
 * it go through the cluster (sched__signal_to), signals from it arrive
 * like local ones (remote_watch.c), and its node's loss fires them all
 * (SCHED_SIG_NODE_DOWN). Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdlib.h>

#include "sched/sched_int.h"

void sched__push(sched_proc_t *p, sched_msg_t *m)
{
    bool wake;
    if (m->kind == SCHED_MSG_DATA)
        SCHED_STAT(p->rt, sent, 1);
    if (sched__mbox_admit(p, m, &wake))
        sched__mbox_push(&p->mbox, m);
    else
        sched__msg_free(m); /* over a limit (limits.c) */
    if (wake)
        sched__wake(p);
}

bool sched__send(sched_runtime_t *rt, uint64_t pid, sched_msg_t *m)
{
    sched_proc_t *p = sched__proc_lookup(rt, pid);
    if (!p) {
        sched__msg_free(m); /* unknown pid: silently dropped */
        return false;
    }
    sched__push(p, m);
    sched__proc_unref(p);
    return true;
}

/* {===== a sender's last receiver */

/* A process that sends to one peer over and over (a reply loop, a ring,
 * a pipeline) keeps that peer referenced in send_to, and finds it again
 * without the pid table's lock and a reference taken and dropped per
 * message. Pids are never reused, so a kept peer with the pid is the
 * process; once it is dead, it is let go and looked up again (and found
 * no more: it leaves the table before it is marked dead). */
void sched__send_cache_drop(sched_proc_t *from)
{
    sched_proc_t *to = from->send_to;
    if (to) {
        from->send_to = NULL;
        sched__proc_unref(to);
    }
}

bool sched__send_from(sched_proc_t *from, uint64_t pid, sched_msg_t *m)
{
    sched_proc_t *to = from->send_to;
    if (!to || to->pid != pid ||
        atomic_load_explicit(&to->dead, memory_order_relaxed)) {
        sched__send_cache_drop(from);
        to = from->send_to = sched__proc_lookup(from->rt, pid);
        if (!to) {
            sched__msg_free(m); /* unknown pid: silently dropped */
            return false;
        }
    }
    sched__push(to, m);
    /* It died meanwhile: let go now, so that its last reference, and the
     * message with it, goes as soon as it would have without us. */
    if (atomic_load(&to->dead))
        sched__send_cache_drop(from);
    return true;
}

/* }===== */

void sched__send_signal(sched_runtime_t *rt, uint64_t to, uint8_t kind,
                        uint64_t from, int64_t tag, uint8_t reason)
{
    sched_msg_t *m = sched__msg_new(kind, 0);
    if (!m)
        return; /* out of memory: the signal is lost, like a dead peer */
    m->pid = from;
    m->tag = tag;
    m->reason = reason;
    sched__send(rt, to, m);
}

/* {===== signals to any node */

/* The kinds of signal that cross nodes, as sched_node_t.signal's. */
static int node_signal_kind(uint8_t kind)
{
    switch (kind) {
    case SCHED_SIG_LINK: return SCHED_NODE_LINK;
    case SCHED_SIG_UNLINK: return SCHED_NODE_UNLINK;
    case SCHED_SIG_LINK_DIED: return SCHED_NODE_EXIT;
    case SCHED_SIG_MONITOR: return SCHED_NODE_MONITOR;
    case SCHED_SIG_DEMONITOR: return SCHED_NODE_DEMONITOR;
    case SCHED_MSG_PROCESS_DIED: return SCHED_NODE_DOWN;
    default: return -1;
    }
}

bool sched__signal_to(sched_runtime_t *rt, uint64_t node, uint64_t to,
                      uint8_t kind, uint64_t from, int64_t tag,
                      uint8_t reason)
{
    const sched_node_t *n = rt->node;
    if (node == 0 || (n && node == n->node_id)) {
        sched__send_signal(rt, to, kind, from, tag, reason);
        return true;
    }
    int k = node_signal_kind(kind);
    if (!n || !n->signal || k < 0 || sched__remote_node_down(rt, node))
        return false;
    return n->signal(n->ud, node, k, from, to, tag, reason) == 0;
}

/* }===== */
/* {===== links and monitors (owner only) */

static bool link_find(sched_proc_t *p, uint64_t node, uint64_t pid,
                      uint32_t *out_i)
{
    for (uint32_t i = 0; i < p->nlinks; i++)
        if (p->links[i].pid == pid && p->links[i].node == node) {
            *out_i = i;
            return true;
        }
    return false;
}

int sched__link_add_at(sched_proc_t *p, uint64_t node, uint64_t pid,
                       int64_t tag)
{
    uint32_t i;
    if (link_find(p, node, pid, &i)) {
        p->links[i].tag = tag;
        return 0;
    }
    sched_link_t *l = sched__room_for_one(p->links, &p->links_cap, p->nlinks, sizeof *l);
    if (!l)
        return LUN_ENOMEM;
    p->links = l;
    p->links[p->nlinks++] = (sched_link_t){node, pid, tag};
    return 0;
}

int sched__link_add(sched_proc_t *p, uint64_t pid, int64_t tag)
{
    return sched__link_add_at(p, 0, pid, tag);
}

void sched__link_remove_at(sched_proc_t *p, uint64_t node, uint64_t pid)
{
    uint32_t i;
    if (link_find(p, node, pid, &i))
        p->links[i] = p->links[--p->nlinks];
}

void sched__link_remove(sched_proc_t *p, uint64_t pid)
{
    sched__link_remove_at(p, 0, pid);
}

static int peer_add(sched_peer_t **arr, uint32_t *n, uint32_t *cap,
                    uint64_t node, uint64_t pid)
{
    sched_peer_t *a = sched__room_for_one(*arr, cap, *n, sizeof *a);
    if (!a)
        return LUN_ENOMEM;
    *arr = a;
    a[(*n)++] = (sched_peer_t){node, pid};
    return 0;
}

static bool peer_remove(sched_peer_t *arr, uint32_t *n, uint64_t node,
                        uint64_t pid)
{
    for (uint32_t i = 0; i < *n; i++)
        if (arr[i].pid == pid && arr[i].node == node) {
            arr[i] = arr[--*n];
            return true;
        }
    return false;
}

static void monitor_add(sched_proc_t *p, uint64_t node, uint64_t pid)
{
    /* out of memory: the monitor is not recorded */
    (void)peer_add(&p->monitors, &p->nmonitors, &p->monitors_cap, node, pid);
}

int sched__rmon_add(sched_proc_t *p, uint64_t node, uint64_t pid)
{
    return peer_add(&p->rmons, &p->nrmons, &p->rmons_cap, node, pid);
}

bool sched__rmon_remove(sched_proc_t *p, uint64_t node, uint64_t pid)
{
    return peer_remove(p->rmons, &p->nrmons, node, pid);
}

/* }===== */
/* {===== draining */

/* A linked process died: returns false when that kills us. */
static bool link_died(sched_proc_t *p, sched_msg_t *m)
{
    uint32_t i;
    if (!link_find(p, m->node, m->pid, &i)) {
        sched__msg_free(m); /* unlinked meanwhile */
        return true;
    }
    p->links[i] = p->links[--p->nlinks];
    if (m->reason == SCHED_NORMAL) {
        sched__msg_free(m); /* normal deaths of links are ignored */
        return true;
    }
    if (p->trap_links) {
        p->kill_pid = m->pid;
        sched__msg_free(m);
        return false;
    }
    m->kind = SCHED_MSG_LINK_DIED; /* keeps tag and pid */
    sched__mbox_append(&p->mbox, m);
    return true;
}

/* A process of another node we monitor died: ProcessDied, if we still
 * monitor it. */
static void remote_down(sched_proc_t *p, sched_msg_t *m)
{
    if (!sched__rmon_remove(p, m->node, m->pid)) {
        sched__msg_free(m); /* stopped monitoring meanwhile */
        return;
    }
    m->kind = SCHED_MSG_PROCESS_DIED;
    sched__mbox_append(&p->mbox, m);
}

/* A signal like one from the dead process (node, pid), made here. */
static sched_msg_t *noconn_msg(uint8_t kind, uint64_t node, uint64_t pid,
                               int64_t tag)
{
    sched_msg_t *m = sched__msg_new(kind, 0);
    if (m) {
        m->node = node;
        m->pid = pid;
        m->tag = tag;
        m->reason = SCHED_NOCONN;
    }
    return m;
}

/* node is gone: every link and monitor across it fires with reason
 * noconnection, as if each process there died so. Returns false when
 * that kills us. */
static bool node_down(sched_proc_t *p, uint64_t node)
{
    bool live = true;
    for (uint32_t i = 0; i < p->nlinks;) {
        sched_link_t l = p->links[i];
        sched_msg_t *m;
        if (l.node != node) {
            i++;
            continue;
        }
        m = noconn_msg(SCHED_SIG_LINK_DIED, node, l.pid, l.tag);
        if (!m) {
            p->links[i] = p->links[--p->nlinks];
            continue;
        }
        if (!link_died(p, m)) /* removes it */
            live = false;
    }
    for (uint32_t i = 0; i < p->nrmons;) {
        sched_peer_t r = p->rmons[i];
        if (r.node != node) {
            i++;
            continue;
        }
        sched_msg_t *m = noconn_msg(SCHED_SIG_DOWN, node, r.pid, 0);
        if (m)
            remote_down(p, m); /* removes it */
        else
            p->rmons[i] = p->rmons[--p->nrmons];
    }
    for (uint32_t i = 0; i < p->nmonitors;)
        if (p->monitors[i].node == node)
            p->monitors[i] = p->monitors[--p->nmonitors];
        else
            i++;
    return live;
}

bool sched__drain(sched_proc_t *p)
{
    sched_msg_t *m = sched__mbox_take(&p->mbox);
    bool live = true;
    while (m) {
        sched_msg_t *next = m->next;
        switch (m->kind) {
        case SCHED_SIG_KILL:
            live = false;
            sched__msg_free(m);
            break;
        case SCHED_SIG_LINK:
            sched__link_add_at(p, m->node, m->pid, m->tag);
            sched__msg_free(m);
            break;
        case SCHED_SIG_UNLINK:
            sched__link_remove_at(p, m->node, m->pid);
            sched__msg_free(m);
            break;
        case SCHED_SIG_LINK_DIED:
            if (!link_died(p, m))
                live = false;
            break;
        case SCHED_SIG_MONITOR:
            monitor_add(p, m->node, m->pid);
            sched__msg_free(m);
            break;
        case SCHED_SIG_DEMONITOR:
            peer_remove(p->monitors, &p->nmonitors, m->node, m->pid);
            sched__msg_free(m);
            break;
        case SCHED_SIG_DOWN:
            remote_down(p, m);
            break;
        case SCHED_SIG_NODE_DOWN:
            if (!node_down(p, m->node))
                live = false;
            sched__msg_free(m);
            break;
        default: /* data, ProcessDied */
            sched__mbox_append(&p->mbox, m);
        }
        m = next;
    }
    /* Inline the common answer (never over): this runs twice a receive. */
    if (atomic_load_explicit(&p->mbox_over, memory_order_relaxed) !=
            SCHED_OVER_NONE &&
        sched__mbox_overflowed(p))
        live = false;
    if (!live)
        p->killed = true;
    return live;
}

/* }===== */
/* {===== dying */

void sched__proc_die(sched_proc_t *p, uint8_t reason)
{
    sched_runtime_t *rt = p->rt;
    p->reason = reason;
    /* Leave the table first: from here on no new sender finds us, and
     * whatever an earlier one still pushes is answered in proc_unref. */
    sched__proc_table_remove(rt, p);
    atomic_store(&p->dead, true);
    sched__wait_timer_cancel(p);
    if (p->wait == SCHED_WAIT_WASI || p->wait == SCHED_WAIT_FD)
        sched__iowait_remove(rt->iowait, p);
    sched__drain(p); /* pick up late links and monitors */
    for (uint32_t i = 0; i < p->nlinks; i++)
        sched__signal_to(rt, p->links[i].node, p->links[i].pid,
                         SCHED_SIG_LINK_DIED, p->pid, p->links[i].tag, reason);
    for (uint32_t i = 0; i < p->nmonitors; i++)
        sched__signal_to(rt, p->monitors[i].node, p->monitors[i].pid,
                         SCHED_MSG_PROCESS_DIED, p->pid, 0, reason);
    /* The other nodes need not keep our monitors of theirs. */
    for (uint32_t i = 0; i < p->nrmons; i++)
        sched__signal_to(rt, p->rmons[i].node, p->rmons[i].pid,
                         SCHED_SIG_DEMONITOR, p->pid, 0, 0);
    if (atomic_load(&p->remote_reg))
        sched__remote_forget(p);
    if (p->is_root)
        sched__root_done(p, reason);
    sched__proc_release(p);
    atomic_store(&p->state, SCHED_P_EXITED);
    sched__proc_unref(p);
}

void sched__proc_unref(sched_proc_t *p)
{
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* Signals that arrived after death still get their answers: a link
     * or monitor request learns that we are gone, and why. */
    sched_msg_t *m = sched__mbox_take(&p->mbox);
    while (m) {
        sched_msg_t *next = m->next;
        if (m->kind == SCHED_SIG_LINK)
            sched__signal_to(p->rt, m->node, m->pid, SCHED_SIG_LINK_DIED,
                             p->pid, m->tag, p->reason);
        else if (m->kind == SCHED_SIG_MONITOR)
            sched__signal_to(p->rt, m->node, m->pid, SCHED_MSG_PROCESS_DIED,
                             p->pid, 0, p->reason);
        sched__msg_free(m);
        m = next;
    }
    sched__mbox_clear(&p->mbox);
    sched__proc_dealloc(p);
}

/* }===== */
