/* signal.c: what travels between processes besides data: kill, link,
 * unlink, link death, monitor; draining the inbox; and dying, which
 * notifies links and monitors (LUNATIC_ABI.md 1.3.1). Signals ride in the
 * same mailbox as messages, so they keep their order per sender and are
 * only acted on by the thread that runs the receiver: links and monitors
 * need no lock. Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdlib.h>

#include "sched/sched_int.h"

bool sched__send(sched_runtime_t *rt, uint64_t pid, sched_msg_t *m)
{
    sched_proc_t *p = sched__proc_lookup(rt, pid);
    bool wake;
    if (!p) {
        sched__msg_free(m); /* unknown pid: silently dropped */
        return false;
    }
    if (sched__mbox_admit(p, m, &wake))
        sched__mbox_push(&p->mbox, m);
    else
        sched__msg_free(m); /* over a limit (limits.c) */
    if (wake)
        sched__wake(p);
    sched__proc_unref(p);
    return true;
}

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

/* {===== links and monitors (owner only) */

int sched__link_add(sched_proc_t *p, uint64_t pid, int64_t tag)
{
    for (uint32_t i = 0; i < p->nlinks; i++)
        if (p->links[i].pid == pid) {
            p->links[i].tag = tag;
            return 0;
        }
    sched_link_t *l = sched__room_for_one(p->links, &p->links_cap, p->nlinks, sizeof *l);
    if (!l)
        return LUN_ENOMEM;
    p->links = l;
    p->links[p->nlinks++] = (sched_link_t){pid, tag};
    return 0;
}

static bool link_find(sched_proc_t *p, uint64_t pid, uint32_t *out_i)
{
    for (uint32_t i = 0; i < p->nlinks; i++)
        if (p->links[i].pid == pid) {
            *out_i = i;
            return true;
        }
    return false;
}

void sched__link_remove(sched_proc_t *p, uint64_t pid)
{
    uint32_t i;
    if (link_find(p, pid, &i))
        p->links[i] = p->links[--p->nlinks];
}

static void monitor_add(sched_proc_t *p, uint64_t pid)
{
    uint64_t *m = sched__room_for_one(p->monitors, &p->monitors_cap, p->nmonitors, sizeof *m);
    if (!m)
        return; /* out of memory: the monitor is not recorded */
    p->monitors = m;
    p->monitors[p->nmonitors++] = pid;
}

static void monitor_remove(sched_proc_t *p, uint64_t pid)
{
    for (uint32_t i = 0; i < p->nmonitors; i++)
        if (p->monitors[i] == pid) {
            p->monitors[i] = p->monitors[--p->nmonitors];
            return;
        }
}

/* }===== */
/* {===== draining */

/* A linked process died: returns false when that kills us. */
static bool link_died(sched_proc_t *p, sched_msg_t *m)
{
    uint32_t i;
    if (!link_find(p, m->pid, &i)) {
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

bool sched__drain(sched_proc_t *p)
{
    sched_msg_t *m = sched__mbox_take(&p->mbox);
    bool live = true;
    sched__mbox_publish_room(p); /* its memory may have grown */
    while (m) {
        sched_msg_t *next = m->next;
        switch (m->kind) {
        case SCHED_SIG_KILL:
            live = false;
            sched__msg_free(m);
            break;
        case SCHED_SIG_LINK:
            sched__link_add(p, m->pid, m->tag);
            sched__msg_free(m);
            break;
        case SCHED_SIG_UNLINK:
            sched__link_remove(p, m->pid);
            sched__msg_free(m);
            break;
        case SCHED_SIG_LINK_DIED:
            if (!link_died(p, m))
                live = false;
            break;
        case SCHED_SIG_MONITOR:
            monitor_add(p, m->pid);
            sched__msg_free(m);
            break;
        case SCHED_SIG_DEMONITOR:
            monitor_remove(p, m->pid);
            sched__msg_free(m);
            break;
        default: /* data, ProcessDied */
            sched__mbox_append(&p->mbox, m);
        }
        m = next;
    }
    if (sched__mbox_overflowed(p))
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
        sched__send_signal(rt, p->links[i].pid, SCHED_SIG_LINK_DIED, p->pid,
                           p->links[i].tag, reason);
    for (uint32_t i = 0; i < p->nmonitors; i++)
        sched__send_signal(rt, p->monitors[i], SCHED_MSG_PROCESS_DIED, p->pid,
                           0, reason);
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
            sched__send_signal(p->rt, m->pid, SCHED_SIG_LINK_DIED, p->pid,
                               m->tag, p->reason);
        else if (m->kind == SCHED_SIG_MONITOR)
            sched__send_signal(p->rt, m->pid, SCHED_MSG_PROCESS_DIED, p->pid,
                               0, p->reason);
        sched__msg_free(m);
        m = next;
    }
    sched__mbox_clear(&p->mbox);
    free(p);
}

/* }===== */
