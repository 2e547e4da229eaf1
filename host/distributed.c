/* distributed.c: the lunatic::distributed functions (LUNATIC_ABI.md 1.2 and
 * 1.3.8). They read the cluster through sched_node_t (sched.h); without
 * one the runtime answers as a Lunatic that is not a node: node_id and
 * module_id 0, no nodes, and the calls that need a cluster (remote send
 * and spawn, node lookups) trap, as Lunatic's `distributed()?.or_trap`
 * does. With one, remote calls never block a worker: a spawn parks its
 * process until the cluster answers (sched/remote.c), a send to a full
 * link parks it until there is room. The certificate helpers are in
 * dist_certs.c. Interface: host_int.h (host__api_distributed). */
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

/* The low 64 bits of the hash of the module the caller runs (0 for a
 * module without a cluster identity: one compiled at run time). */
static vm_status h_module_id(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    const sched_module_t *m = sched__cur(ex)->module;
    (void)ud;
    a[0].u64 = n && m->has_hash ? m->hash.lo : 0;
    return VM_OK;
}

/* Park p on the cluster until its call is answered (or its timer fires). */
static vm_status park_remote(sched_proc_t *p, uint64_t timeout_ms)
{
    p->wait = SCHED_WAIT_REMOTE;
    if (timeout_ms != SCHED_FOREVER)
        sched__wait_timer_arm(p, timeout_ms);
    return VM_BLOCK;
}

/* The parked call is over: the process no longer waits on the cluster. */
static void unpark_remote(sched_proc_t *p)
{
    sched__remote_call_end(p);
    sched__wait_timer_cancel(p);
    p->wait = SCHED_WAIT_NONE;
}

/* Hand the scratch data message to the cluster. VM_OK with the code in
 * *rc (0 sent, 1 no such process, 2 no such node), or VM_BLOCK: the link
 * to node is full and the process waits for room (the call is made again
 * then, the message still in scratch). Remote messages carry no resources
 * (Lunatic refuses them too): a trap, never a silent drop. */
static vm_status remote_send(vm_exec_t *ex, const sched_node_t *n,
                             uint64_t node, uint64_t pid, int32_t *rc)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    if (p->wait == SCHED_WAIT_REMOTE) {
        int done_rc = 0;
        uint64_t v;
        char err[8];
        if (!sched__remote_call_done(p, &done_rc, &v, err, sizeof err))
            return VM_BLOCK; /* woken by something else: still no room */
        unpark_remote(p);
    }
    if (!m || m->kind != SCHED_MSG_DATA)
        return host__trap(ex, "send: no data message in scratch area");
    if (m->nres > 0)
        return host__trap(ex, "send: a message to another node cannot "
                               "carry resources");
    if (sched__remote_node_down(p->rt, node)) {
        *rc = 2;
        return VM_OK;
    }
    /* Registered before trying, so that room coming at once is seen. */
    if (!sched__remote_call_new(p, node))
        return host__trap(ex, "out of memory");
    int r = n->send(n->ud, node, p->pid, pid, m->tag, m->data, m->len);
    if (r == SCHED_NODE_FULL)
        return park_remote(p, SCHED_FOREVER);
    sched__remote_call_end(p);
    p->scratch = NULL;
    sched__msg_free(m);
    *rc = r;
    return VM_OK;
}

static vm_status h_send(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    int32_t rc = 0;
    if (!n)
        return not_distributed(ex, ud);
    vm_status st = remote_send(ex, n, a[0].u64, a[1].u64, &rc);
    if (st == VM_OK)
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
    if (!n)
        return not_distributed(ex, ud);
    if (p->wait != SCHED_WAIT_MSG) { /* new, or parked on a full link */
        int32_t rc = 0;
        sched__drain(p);
        p->mbox.scan = p->mbox.tail; /* only replies from now on */
        vm_status st = remote_send(ex, n, a[0].u64, a[1].u64, &rc);
        if (st != VM_OK || rc != 0) {
            if (st == VM_OK)
                a[0].i32 = rc;
            return st;
        }
        return host__receive_step(ex, a, &tag, 1, timeout, true);
    }
    return host__receive_step(ex, a, &tag, 1, timeout, false);
}

/* Ask the cluster to spawn; VM_BLOCK while the answer (or room on a full
 * link, to ask again) is awaited, else the guest's code in *rc and the
 * error message. */
static vm_status remote_spawn_ask(vm_exec_t *ex, const sched_node_t *n,
                                  vm_slot *a, int *rc, char *err,
                                  size_t errlen)
{
    sched_proc_t *p = sched__cur(ex);
    uint32_t flen = a[4].u32, plen = a[6].u32;
    const uint8_t *func = host__guest(ex, a[3].u32, flen);
    const uint8_t *params = host__guest(ex, a[5].u32, plen);
    sched_hash_t module;
    uint64_t node = a[0].u64;
    if (!func || !params)
        return host__trap(ex, "spawn: pointer out of bounds");
    if (plen % 17 != 0)
        return host__trap(ex, "spawn: params length is not a multiple of "
                               "17");
    if (!sched__remote_module_by_id(p->rt, a[2].u64, &module)) {
        *rc = 2;
        snprintf(err, errlen, "module %llu not found on this node",
                 (unsigned long long)a[2].u64);
        return VM_OK;
    }
    if (sched__remote_node_down(p->rt, node)) {
        *rc = 1;
        snprintf(err, errlen, "node %llu is down", (unsigned long long)node);
        return VM_OK;
    }
    sched_spawn_config_t cfg;
    const sched_spawn_config_t *want = NULL;
    if (a[1].i64 != -1) { /* -1: inherit (the remote node's root config) */
        sched_config_t *sc = sched__restab_get(&p->res, &sched__res_config,
                                               a[1].u64);
        if (!sc)
            return host__trap(ex, "unknown config id");
        cfg = (sched_spawn_config_t){sc->max_memory, sc->max_fuel,
                                     sc->can_compile, sc->can_create_configs,
                                     sc->can_spawn};
        want = &cfg;
    }
    sched_remote_call_t *c = sched__remote_call_new(p, node);
    if (!c)
        return host__trap(ex, "out of memory");
    int r = n->spawn(n->ud, node, sched__remote_call_req(c), module,
                     (const char *)func, flen, params, plen, want);
    if (r == 0)
        sched__remote_call_sent(p);
    if (r == 0 || r == SCHED_NODE_FULL) /* the answer, or room to ask */
        return park_remote(p, SCHED_REMOTE_SPAWN_TIMEOUT_MS);
    sched__remote_call_end(p);
    *rc = r == 2 ? 1 : 9027; /* spawn's code for "no such node" is 1 */
    snprintf(err, errlen, "node %llu not found", (unsigned long long)node);
    return VM_OK;
}

/* The parked spawn: its answer, its timeout, or still waiting. */
static vm_status remote_spawn_wait(vm_exec_t *ex, const sched_node_t *n,
                                   vm_slot *a, int *rc, uint64_t *pid,
                                   char *err, size_t errlen)
{
    sched_proc_t *p = sched__cur(ex);
    if (sched__remote_call_done(p, rc, pid, err, errlen)) {
        if (*rc == SCHED_REMOTE_ROOM) { /* the link was full: ask again */
            unpark_remote(p);
            return remote_spawn_ask(ex, n, a, rc, err, errlen);
        }
        if (*rc == SCHED_REMOTE_NODE_DOWN)
            *rc = 1;
    } else if (atomic_load(&p->timer_fired)) {
        *rc = 9027;
        snprintf(err, errlen, "Response timeout.");
    } else {
        return VM_BLOCK;
    }
    unpark_remote(p);
    return VM_OK;
}

/* spawn(node, config, module, func, params, id_ptr): 0 and the pid, or
 * a code with an error id at id_ptr. Permissions are checked as for a
 * local spawn. Config -1: the child gets the remote node's root config;
 * another id: its limits and permissions travel with the request (the
 * remote node's root config caps them; argv, env and dirs stay here).
 * The caller waits, parked, for the answer. */
static vm_status h_spawn(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    uint8_t *out = host__guest(ex, a[7].u32, 8);
    char err[160] = "";
    uint64_t pid = 0;
    int rc = 0;
    vm_status st;
    if (!p->config->can_spawn)
        return host__trap(ex, "no permission to spawn processes");
    if (!n)
        return not_distributed(ex, ud);
    if (!out)
        return host__trap(ex, "spawn: pointer out of bounds");
    if (p->wait == SCHED_WAIT_REMOTE)
        st = remote_spawn_wait(ex, n, a, &rc, &pid, err, sizeof err);
    else
        st = remote_spawn_ask(ex, n, a, &rc, err, sizeof err);
    if (st != VM_OK)
        return st;
    host__put_u64(out, rc == 0 ? pid : host__error_new(p, err));
    a[0].i32 = rc;
    return VM_OK;
}

/* {===== node lookups by tag */

/* The answer of an exec_lookup_nodes, until copied out. */
typedef struct node_query {
    uint64_t *ids;
    uint32_t n, taken;
} node_query_t;

static void node_query_release(void *ptr)
{
    node_query_t *q = ptr;
    free(q->ids);
    free(q);
}

static const sched_res_kind_t res_node_query = {"node query",
                                                node_query_release};

/* The nodes whose tags match query, as a node_query_t (NULL: no memory). */
static node_query_t *run_query(const sched_node_t *n, const char *query,
                               size_t len)
{
    node_query_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    uint32_t count = n->query ? n->query(n->ud, query, len, NULL, 0) : 0;
    q->ids = calloc(count ? count : 1, sizeof *q->ids);
    if (!q->ids) {
        free(q);
        return NULL;
    }
    if (count > 0)
        count = n->query(n->ud, query, len, q->ids, count);
    q->n = count;
    return q;
}

/* exec_lookup_nodes(query, len, query_id_ptr, nodes_len_ptr, error_ptr):
 * 0 with the query id and the count (8 bytes each, as Lunatic writes). */
static vm_status h_exec_lookup_nodes(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    const uint8_t *query = host__guest(ex, a[0].u32, a[1].u32);
    uint8_t *id_out = host__guest(ex, a[2].u32, 8);
    uint8_t *len_out = host__guest(ex, a[3].u32, 8);
    uint64_t id;
    if (!n)
        return not_distributed(ex, ud);
    if (!query || !id_out || !len_out)
        return host__trap(ex, "exec_lookup_nodes: pointer out of bounds");
    node_query_t *q = run_query(n, (const char *)query, a[1].u32);
    if (!q || sched__restab_add(&p->res, &res_node_query, q, &id) != 0) {
        if (q)
            node_query_release(q);
        return host__trap(ex, "out of memory");
    }
    host__put_u64(id_out, id);
    host__put_u64(len_out, q->n);
    a[0].i32 = 0;
    return VM_OK;
}

/* copy_lookup_nodes_results(query_id, ptr, len, error_ptr): up to len
 * ids, consumed; -1 with an error id for an unknown query. */
static vm_status h_copy_lookup_nodes_results(vm_exec_t *ex, vm_slot *a,
                                             void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint32_t max = a[2].u32;
    uint8_t *out = host__guest(ex, a[1].u32, (uint64_t)max * 8);
    if (!node_of(ex))
        return not_distributed(ex, ud);
    node_query_t *q = sched__restab_get(&p->res, &res_node_query, a[0].u64);
    if (!q) {
        uint8_t *err_out = host__guest(ex, a[3].u32, 8);
        if (!err_out)
            return host__trap(ex, "copy_lookup_nodes_results: pointer out "
                                   "of bounds");
        host__put_u64(err_out, host__error_new(p, "Invalid query id"));
        a[0].i32 = -1;
        return VM_OK;
    }
    if (!out)
        return host__trap(ex, "copy_lookup_nodes_results: buffer out of "
                               "bounds");
    uint32_t got = 0;
    while (got < max && q->taken < q->n)
        host__put_u64(out + 8 * got++, q->ids[q->taken++]);
    a[0].i32 = (int32_t)got;
    return VM_OK;
}

/* }===== */

/* {===== links and monitors across nodes (docs/nodes.md) */

/* Is node this one (or, outside a cluster, node 0)? */
static bool is_local(const sched_node_t *n, uint64_t node)
{
    return n ? node == n->node_id : node == 0;
}

/* A signal to ourselves as if (node, pid) had died with reason
 * noconnection, acted on at our next yield point like any signal. */
static void noconn_to_self(sched_proc_t *p, uint8_t kind, uint64_t node,
                           uint64_t pid, int64_t tag)
{
    sched_msg_t *m = sched__msg_new(kind, 0);
    if (!m)
        return;
    m->node = node;
    m->pid = pid;
    m->tag = tag;
    m->reason = SCHED_NOCONN;
    sched__mbox_push(&p->mbox, m);
}

/* Send a LINK or MONITOR to (node, pid), watching node first; if node is
 * gone (or never was), fire at once with noconnection (as `kind`). */
static void remote_watch_send(sched_proc_t *p, const sched_node_t *n,
                              int node_kind, uint8_t self_kind,
                              uint64_t node, uint64_t pid, int64_t tag)
{
    if (sched__remote_watch(p, node) && n->signal &&
        n->signal(n->ud, node, node_kind, p->pid, pid, tag, 0) == 0)
        return;
    noconn_to_self(p, self_kind, node, pid, tag);
}

/* link(tag, node, pid) */
static vm_status h_link(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    int64_t tag = a[0].i64;
    uint64_t node = a[1].u64, pid = a[2].u64;
    if (is_local(n, node)) {
        host__link_local(p, pid, tag);
        return VM_OK;
    }
    if (!n)
        return not_distributed(ex, ud);
    if (sched__link_add_at(p, node, pid, tag) != 0)
        return host__trap(ex, "out of memory");
    remote_watch_send(p, n, SCHED_NODE_LINK, SCHED_SIG_LINK_DIED, node, pid,
                      tag);
    return VM_OK;
}

/* unlink(node, pid) */
static vm_status h_unlink(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    uint64_t node = a[0].u64, pid = a[1].u64;
    if (!n && node != 0)
        return not_distributed(ex, ud);
    node = is_local(n, node) ? 0 : node;
    sched__link_remove_at(p, node, pid);
    sched__signal_to(p->rt, node, pid, SCHED_SIG_UNLINK, p->pid, 0, 0);
    return VM_OK;
}

/* monitor(node, pid) */
static vm_status h_monitor(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    uint64_t node = a[0].u64, pid = a[1].u64;
    if (is_local(n, node)) {
        sched__send_signal(p->rt, pid, SCHED_SIG_MONITOR, p->pid, 0, 0);
        return VM_OK;
    }
    if (!n)
        return not_distributed(ex, ud);
    if (sched__rmon_add(p, node, pid) != 0)
        return host__trap(ex, "out of memory");
    remote_watch_send(p, n, SCHED_NODE_MONITOR, SCHED_SIG_DOWN, node, pid, 0);
    return VM_OK;
}

/* stop_monitoring(node, pid) */
static vm_status h_stop_monitoring(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = node_of(ex);
    sched_proc_t *p = sched__cur(ex);
    uint64_t node = a[0].u64, pid = a[1].u64;
    if (!n && node != 0)
        return not_distributed(ex, ud);
    node = is_local(n, node) ? 0 : node;
    if (node != 0)
        sched__rmon_remove(p, node, pid);
    sched__signal_to(p->rt, node, pid, SCHED_SIG_DEMONITOR, p->pid, 0, 0);
    return VM_OK;
}

/* monitor_nodes(tag): node up/down events as data messages. Outside a
 * cluster there are no other nodes: nothing ever comes. */
static vm_status h_monitor_nodes(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    if (sched__remote_node_events(sched__cur(ex), true, a[0].i64) != 0)
        return host__trap(ex, "out of memory");
    return VM_OK;
}

static vm_status h_stop_monitoring_nodes(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)a, (void)ud;
    sched__remote_node_events(sched__cur(ex), false, 0);
    return VM_OK;
}

/* }===== */

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
    {DIST, "exec_lookup_nodes", "iiiii:i", h_exec_lookup_nodes},
    {DIST, "copy_lookup_nodes_results", "Iiii:i", h_copy_lookup_nodes_results},
    /* beyond Lunatic (docs/nodes.md) */
    {DIST, "link", "III:", h_link},
    {DIST, "unlink", "II:", h_unlink},
    {DIST, "monitor", "II:", h_monitor},
    {DIST, "stop_monitoring", "II:", h_stop_monitoring},
    {DIST, "monitor_nodes", "I:", h_monitor_nodes},
    {DIST, "stop_monitoring_nodes", ":", h_stop_monitoring_nodes},
};
const size_t host__api_distributed_n =
    sizeof host__api_distributed / sizeof host__api_distributed[0];
