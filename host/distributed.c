/* distributed.c: the lunatic::distributed functions (LUNATIC_ABI.md 1.2 and
 * 1.3.8). They read the cluster through sched_node_t (sched.h); without
 * one the runtime answers as a Lunatic that is not a node: node_id and
 * module_id 0, no nodes, and the calls that need a cluster (remote send
 * and spawn, node lookups) trap, as Lunatic's `distributed()?.or_trap`
 * does. The certificate helpers trap as not implemented: they belong to
 * the cluster's own issue. Interface: host_int.h (host__api_distributed). */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <string.h>

#include "host/host_int.h"

vm_status host__not_implemented(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_binding_t *b = ud;
    char msg[160];
    (void)a;
    snprintf(msg, sizeof msg, "%s::%s is not implemented yet", b->module,
             b->name);
    return host__trap(ex, msg);
}

static const sched_node_t *node_of(vm_exec_t *ex)
{
    return sched__node_of(sched__cur(ex)->rt);
}

/* The trap of a call that needs a cluster when there is none; Lunatic's
 * message for it is "Process not distributed". */
static vm_status not_distributed(vm_exec_t *ex, const void *ud)
{
    const sched_binding_t *b = ud;
    char msg[160];
    snprintf(msg, sizeof msg, "%s::%s: process not distributed (this "
             "runtime is not a node of a cluster)", b->module, b->name);
    return host__trap(ex, msg);
}

static vm_status h_nodes_count(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    (void)ud;
    a[0].u32 = n ? n->nodes(n->ud, NULL, 0) : 0;
    return VM_OK;
}

/* get_nodes(ptr, len): up to len node ids (u64 LE) at ptr; how many were
 * written. The whole buffer must lie in memory (Lunatic traps). */
static vm_status h_get_nodes(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    uint32_t max = a[1].u32, got = 0;
    uint8_t *out = host__guest(ex, a[0].u32, (uint64_t)max * 8);
    (void)ud;
    if (!out)
        return host__trap(ex, "get_nodes: buffer out of bounds");
    if (n && max > 0) {
        uint64_t *ids = calloc(max, sizeof *ids);
        if (!ids)
            return host__trap(ex, "out of memory");
        got = n->nodes(n->ud, ids, max);
        got = got < max ? got : max;
        for (uint32_t i = 0; i < got; i++)
            host__put_u64(out + 8 * i, ids[i]);
        free(ids);
    }
    a[0].u32 = got;
    return VM_OK;
}

static vm_status h_node_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    (void)ud;
    a[0].u64 = n ? n->node_id : 0;
    return VM_OK;
}

static vm_status h_module_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    (void)ud;
    a[0].u64 = n ? n->module_id : 0;
    return VM_OK;
}

/* Hand the scratch data message to the cluster; the code of node->send.
 * Remote messages carry no resources (Lunatic refuses them too). */
static vm_status remote_send(vm_exec_t *ex, const sched_node_t *n,
                             uint64_t node, uint64_t pid, int32_t *rc)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    char err[160] = "";
    if (!m || m->kind != SCHED_MSG_DATA)
        return host__trap(ex, "send: no data message in scratch area");
    if (m->nres > 0)
        return host__trap(ex, "send: a message to another node cannot "
                               "carry resources");
    p->scratch = NULL;
    *rc = n->send(n->ud, node, pid, m->tag, m->data, m->len, err, sizeof err);
    sched__msg_free(m);
    return VM_OK;
}

static vm_status h_send(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    int32_t rc = 0;
    if (!n)
        return not_distributed(ex, ud);
    vm_status st = remote_send(ex, n, a[0].u64, a[1].u64, &rc);
    a[0].i32 = rc;
    return st;
}

/* send to (node, pid), then wait for the reply tagged a[2] as
 * lunatic::message::send_receive_skip_search does. */
static vm_status h_send_receive_skip_search(vm_exec_t *ex, vm_slot *a,
                                            void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    int64_t tag = a[2].i64;
    uint64_t timeout = a[3].u64;
    bool first = p->wait != SCHED_WAIT_MSG;
    if (!n)
        return not_distributed(ex, ud);
    if (first) {
        int32_t rc = 0;
        sched__drain(p);
        p->mbox.scan = p->mbox.tail; /* only replies from now on */
        vm_status st = remote_send(ex, n, a[0].u64, a[1].u64, &rc);
        if (st != VM_OK || rc != 0) {
            a[0].i32 = rc;
            return st;
        }
    }
    return host__receive_step(ex, a, &tag, 1, timeout, first);
}

/* spawn(node, config, module, func, params, id_ptr): 0 and the pid, or
 * a code with an error id at id_ptr. Permissions are checked as for a
 * local spawn; the config does not travel yet (the cluster's issue). */
static vm_status h_spawn(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    uint32_t flen = a[4].u32, plen = a[6].u32;
    const uint8_t *func = host__guest(ex, a[3].u32, flen);
    const uint8_t *params = host__guest(ex, a[5].u32, plen);
    uint8_t *out = host__guest(ex, a[7].u32, 8);
    char err[160] = "";
    uint64_t pid = 0;
    if (!p->config->can_spawn)
        return host__trap(ex, "no permission to spawn processes");
    if (!n)
        return not_distributed(ex, ud);
    if (!func || !params || !out)
        return host__trap(ex, "spawn: pointer out of bounds");
    if (plen % 17 != 0)
        return host__trap(ex, "spawn: params length is not a multiple of "
                               "17");
    int rc = n->spawn(n->ud, a[0].u64, a[2].u64, (const char *)func, flen,
                      params, plen, &pid, err, sizeof err);
    host__put_u64(out, rc == 0 ? pid : host__error_new(p, err));
    a[0].i32 = rc;
    return VM_OK;
}

static vm_status h_needs_cluster(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_binding_t *b = ud;
    (void)a;
    if (!node_of(ex))
        return not_distributed(ex, b);
    return host__not_implemented(ex, a, ud);
}

#define DIST "lunatic::distributed"

/* Types from ../shared/fixtures/lunatic_all_imports.wat (LUNATIC_ABI.md
 * 1.2), in vm_host_func_new's notation. */
const sched_binding_t host__api_distributed[] = {
    {DIST, "nodes_count", ":i", h_nodes_count},
    {DIST, "get_nodes", "ii:i", h_get_nodes},
    {DIST, "node_id", ":I", h_node_id},
    {DIST, "module_id", ":I", h_module_id},
    {DIST, "send", "II:i", h_send},
    {DIST, "send_receive_skip_search", "IIII:i", h_send_receive_skip_search},
    {DIST, "spawn", "IIIiiiii:i", h_spawn},
    {DIST, "exec_lookup_nodes", "iiiii:i", h_needs_cluster},
    {DIST, "copy_lookup_nodes_results", "Iiii:i", h_needs_cluster},
    {DIST, "test_root_cert", "i:i", host__not_implemented},
    {DIST, "default_server_certificates", "iiiii:i", host__not_implemented},
    {DIST, "sign_node", "iiiiiii:i", host__not_implemented},
};
const size_t host__api_distributed_n =
    sizeof host__api_distributed / sizeof host__api_distributed[0];
