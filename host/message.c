/* message.c: the lunatic::message host functions: the scratch
 * message, send, selective receive with a timeout, and resources inside
 * messages (LUNATIC_ABI.md 1.3.3). Gathered by host.c. */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "host/host_int.h"

/* The scratch message if it is a data message; else NULL, trap set. */
static sched_msg_t *scratch_data(vm_exec_t *ex)
{
    sched_msg_t *m = sched__cur(ex)->scratch;
    if (!m || m->kind != SCHED_MSG_DATA) {
        vm_exec_set_trap(ex, VM_TRAP_HOST, "no data message in scratch area");
        return NULL;
    }
    return m;
}

static vm_status h_create_data(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    (void)ud;
    sched__msg_free(p->scratch);
    p->scratch = sched__msg_new(SCHED_MSG_DATA, (size_t)a[1].u64);
    p->cursor = 0;
    if (!p->scratch)
        return host__trap(ex, "out of memory");
    p->scratch->tag = a[0].i64;
    return VM_OK;
}

/* Long copies go SCHED_HOST_CHUNK at a time, pausing between chunks
 * (sched__pause), so a process copying a huge message holds its worker no
 * longer than one chunk's copy. */
static vm_status h_write_data(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = scratch_data(ex);
    const uint8_t *src = host__guest(ex, a[0].u32, a[1].u32);
    uint64_t done = sched__progress(p), len = a[1].u32;
    (void)ud;
    if (!m)
        return VM_TRAP;
    if (!src)
        return host__trap(ex, "write_data: pointer out of bounds");
    const char *too_big;
    if (done == 0 && m->len + len > m->cap &&
        (too_big = sched__msg_too_big(p, m->len + len)))
        return host__trap(ex, too_big);
    uint64_t c = len - done < SCHED_HOST_CHUNK ? len - done : SCHED_HOST_CHUNK;
    if (sched__msg_write(m, src + done, (size_t)c) != 0)
        return host__trap(ex, "out of memory");
    if (c >= SCHED_COPY_BYTES_PER_RED) /* most messages cost nothing */
        vm_exec_charge(ex, c / SCHED_COPY_BYTES_PER_RED);
    if ((done += c) < len)
        return sched__pause(p, done);
    sched__progress_end(p);
    a[0].u32 = (uint32_t)len;
    return VM_OK;
}

static vm_status h_read_data(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = scratch_data(ex);
    uint8_t *dst = host__guest(ex, a[0].u32, a[1].u32);
    uint64_t done = sched__progress(p);
    (void)ud;
    if (!m)
        return VM_TRAP;
    if (!dst)
        return host__trap(ex, "read_data: pointer out of bounds");
    if (p->cursor > m->len)
        return host__trap(ex, "read_data: cursor past the end");
    uint64_t n = m->len - p->cursor;
    if (n > a[1].u32 - done)
        n = a[1].u32 - done;
    if (n > SCHED_HOST_CHUNK)
        n = SCHED_HOST_CHUNK;
    if (n)
        memcpy(dst + done, m->data + p->cursor, (size_t)n);
    if (n >= SCHED_COPY_BYTES_PER_RED)
        vm_exec_charge(ex, n / SCHED_COPY_BYTES_PER_RED);
    p->cursor += n;
    done += n;
    if (n == SCHED_HOST_CHUNK && done < a[1].u32 && p->cursor < m->len)
        return sched__pause(p, done);
    sched__progress_end(p);
    a[0].u32 = (uint32_t)done;
    return VM_OK;
}

static vm_status h_seek_data(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    if (!scratch_data(ex))
        return VM_TRAP;
    sched__cur(ex)->cursor = a[0].u64;
    return VM_OK;
}

static vm_status h_get_tag(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_msg_t *m = sched__cur(ex)->scratch;
    (void)ud;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    a[0].i64 = m->kind == SCHED_MSG_PROCESS_DIED ? 0 : m->tag;
    return VM_OK;
}

static vm_status h_get_process_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_msg_t *m = sched__cur(ex)->scratch;
    (void)ud;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    a[0].u64 = m->kind == SCHED_MSG_PROCESS_DIED ? m->pid : 0;
    return VM_OK;
}

/* The node of the message's sender (data) or of the process that died
 * (LinkDied, ProcessDied): this node's id for a local one, 0 outside a
 * cluster. */
static vm_status h_get_node_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    const sched_node_t *n = sched__node_of(p->rt);
    (void)ud;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    a[0].u64 = m->node ? m->node : n ? n->node_id : 0;
    return VM_OK;
}

/* Why the process of a LinkDied or ProcessDied died: 0 normal, 1 failure,
 * 2 noprocess, 3 noconnection; -1 for a data message. */
static vm_status h_get_death_reason(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_msg_t *m = sched__cur(ex)->scratch;
    (void)ud;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    a[0].i32 = m->kind == SCHED_MSG_DATA ? -1 : (int32_t)m->reason;
    return VM_OK;
}

static vm_status h_data_size(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_msg_t *m = scratch_data(ex);
    (void)ud;
    if (!m)
        return VM_TRAP;
    a[0].u64 = m->len;
    return VM_OK;
}

static vm_status h_push_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = scratch_data(ex);
    sched_module_t *mod;
    (void)ud;
    if (!m)
        return VM_TRAP;
    if (!(mod = sched__restab_get(&p->res, &sched__res_module, a[0].u64)))
        return host__trap(ex, "unknown module id");
    if (sched__msg_reserve_res(m) != 0)
        return host__trap(ex, "out of memory");
    sched__module_ref(mod); /* the caller keeps its own */
    m->res[m->nres] = (sched_res_t){&sched__res_module, mod};
    a[0].u64 = m->nres++;
    return VM_OK;
}

static vm_status h_take_module(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    uint64_t i = a[0].u64, id;
    (void)ud;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    if (i >= m->nres || m->res[i].kind != &sched__res_module)
        return host__trap(ex, "no module at this message index");
    if (sched__restab_add(&p->res, &sched__res_module, m->res[i].ptr, &id) != 0)
        return host__trap(ex, "out of memory");
    m->res[i] = (sched_res_t){NULL, NULL};
    a[0].u64 = id;
    return VM_OK;
}

static vm_status h_send(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    (void)ud;
    if (!m)
        return host__trap(ex, "send: no message in scratch area");
    p->scratch = NULL;
    sched__send_from(p, a[0].u64, m);
    a[0].i32 = 0;
    return VM_OK;
}

/* {===== receiving */

/* One step of a (possibly blocked) receive: drain, select, or block with
 * the wait timer armed. Called again with the same arguments after every
 * wake-up until it returns VM_OK. */
vm_status host__receive_step(vm_exec_t *ex, vm_slot *a, const int64_t *tags,
                              uint32_t ntags, uint64_t timeout, bool first)
{
    sched_proc_t *p = sched__cur(ex);
    if (!sched__drain(p) || p->killed)
        return host__trap(ex, p->kill_why ? p->kill_why : "killed");
    sched_msg_t *m = sched__mbox_select(&p->mbox, tags, ntags);
    if (m) {
        sched__wait_timer_cancel(p);
        p->wait = SCHED_WAIT_NONE;
        sched__msg_free(p->scratch);
        p->scratch = m;
        p->cursor = 0;
        a[0].i32 = m->kind;
        return VM_OK;
    }
    if (timeout == 0 || (!first && atomic_load(&p->timer_fired))) {
        sched__wait_timer_cancel(p);
        p->wait = SCHED_WAIT_NONE;
        p->mbox.scan = NULL;
        a[0].i32 = SCHED_TIMEOUT_CODE;
        return VM_OK;
    }
    if (first) {
        p->wait = SCHED_WAIT_MSG;
        sched__wait_timer_arm(p, timeout);
    }
    return VM_BLOCK;
}

/* The most tags one receive may wait for (Lunatic's callers pass one or
 * a few). */
#define RECEIVE_TAGS_MAX 4096

static vm_status h_receive(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint32_t ntags = a[1].u32;
    int64_t local[16], *tags = local;
    bool first = p->wait != SCHED_WAIT_MSG;
    (void)ud;
    /* Quirk 11: with no tags, tag_ptr is never looked at. */
    if (ntags > RECEIVE_TAGS_MAX) /* copied and matched at every wake */
        return host__trap(ex, "receive: more than 4096 tags");
    if (ntags) {
        const uint8_t *b = host__guest(ex, a[0].u32, (uint64_t)ntags * 8);
        if (!b)
            return host__trap(ex, "receive: tags out of bounds");
        if (ntags > 16 && !(tags = malloc(ntags * sizeof *tags)))
            return host__trap(ex, "out of memory");
        for (uint32_t i = 0; i < ntags; i++)
            tags[i] = (int64_t)host__get_u64(b + 8 * i);
    }
    if (first)
        p->mbox.scan = NULL;
    /* A safe point: a newer application version is taken here (the call
     * then never returns in the old code: docs/reload.md). */
    bool failed;
    if (sched__upgrade_due(p) &&
        sched__upgrade(ex, p, &failed) == VM_DONE) {
        if (tags != local)
            free(tags);
        return VM_DONE;
    }
    vm_status st = host__receive_step(ex, a, tags, ntags, a[2].u64, first);
    if (tags != local)
        free(tags);
    return st;
}

static vm_status h_send_receive_skip_search(vm_exec_t *ex, vm_slot *a,
                                            void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    int64_t tag = a[1].i64;
    bool first = p->wait != SCHED_WAIT_MSG;
    (void)ud;
    if (first) {
        sched_msg_t *m = p->scratch;
        if (!m)
            return host__trap(ex, "send: no message in scratch area");
        p->scratch = NULL;
        /* Only replies that arrive from now on count: everything queued
         * before the send is skipped without being looked at. */
        sched__drain(p);
        p->mbox.scan = p->mbox.tail;
        sched__send_from(p, a[0].u64, m);
    }
    return host__receive_step(ex, a, &tag, 1, a[2].u64, first);
}

/* }===== */

#define M "lunatic::message"
const sched_binding_t host__api_message[] = {
    {M, "create_data", "II:", h_create_data},
    {M, "write_data", "ii:i", h_write_data},
    {M, "read_data", "ii:i", h_read_data},
    {M, "seek_data", "I:", h_seek_data},
    {M, "get_tag", ":I", h_get_tag},
    {M, "get_process_id", ":I", h_get_process_id},
    {M, "data_size", ":I", h_data_size},
    {M, "push_module", "I:I", h_push_module},
    {M, "take_module", "I:I", h_take_module},
    {M, "send", "I:i", h_send},
    {M, "send_receive_skip_search", "III:i", h_send_receive_skip_search},
    {M, "receive", "iiI:i", h_receive},
    /* beyond Lunatic (docs/nodes.md) */
    {M, "get_node_id", ":I", h_get_node_id},
    {M, "get_death_reason", ":i", h_get_death_reason},
};
const size_t host__api_message_n =
    sizeof host__api_message / sizeof host__api_message[0];
