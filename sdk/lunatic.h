/* lunatic.h: the guest SDK: every lunatic::* host import of the runtime
 * (LUNATIC_ABI.md; C name lunatic_<namespace>_<function>, wasm types
 * exactly as the host links them) and thin helpers: spawn a function
 * with an argument, send and receive a buffer, request/reply, and a
 * supervisor that restarts failed children. Compiled into wasm guests
 * (clang --target=wasm32-wasi); it uses nothing of the host. */
#ifndef LUN_SDK_LUNATIC_H
#define LUN_SDK_LUNATIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lunatic_imports.h"

/* {===== constants */

#define LUN_FOREVER UINT64_MAX     /* timeout: wait forever */
#define LUN_TIMEOUT 9027           /* what a timed-out receive returns */
#define LUN_MSG_DATA 0             /* receive: a data message */
#define LUN_MSG_LINK_DIED 1        /* a linked process failed */
#define LUN_MSG_PROCESS_DIED 2     /* a monitored process ended */
#define LUN_PARAM_SIZE 17          /* spawn params: type byte + 16 bytes */

/* }===== */
/* {===== spawning */

/* Append one spawn parameter (i32, i64, v128) to buf at *len. */
static inline void lun_param_i32(uint8_t *buf, size_t *len, int32_t v)
{
    memset(buf + *len, 0, LUN_PARAM_SIZE);
    buf[*len] = 0x7F;
    memcpy(buf + *len + 1, &v, 4);
    *len += LUN_PARAM_SIZE;
}

static inline void lun_param_i64(uint8_t *buf, size_t *len, int64_t v)
{
    memset(buf + *len, 0, LUN_PARAM_SIZE);
    buf[*len] = 0x7E;
    memcpy(buf + *len + 1, &v, 8);
    *len += LUN_PARAM_SIZE;
}

/* A v128 parameter: its 16 bytes as they lie in memory (lane 0 first). */
static inline void lun_param_v128(uint8_t *buf, size_t *len, const void *v16)
{
    buf[*len] = 0x7B;
    memcpy(buf + *len + 1, v16, 16);
    *len += LUN_PARAM_SIZE;
}

/* Spawn export `func` of this module with params; link != 0 links the
 * child with that tag. Returns the pid, or 0 (error id in *out_err). */
static inline uint64_t lun_spawn_export(const char *func, const uint8_t *params,
                                        size_t plen, int64_t link,
                                        int64_t config, uint64_t *out_err)
{
    uint64_t id = 0;
    int32_t rc = lunatic_process_spawn(link, config, -1, (int32_t)func,
                                       (int32_t)strlen(func), (int32_t)params,
                                       (int32_t)plen, (int32_t)&id);
    if (rc != 0) {
        if (out_err)
            *out_err = id;
        return 0;
    }
    return id;
}

typedef void (*lun_entry_fn)(int64_t arg);

/* The exported trampoline every spawned function starts in: a function
 * pointer in wasm32 is an index into the table, passed as an i32 (as
 * lunatic-rs's _lunatic_spawn_by_index). */
__attribute__((export_name("_lun_spawn_entry"), weak)) void
lun__spawn_entry(int32_t fn, int64_t arg);
__attribute__((export_name("_lun_spawn_entry"), weak)) void
lun__spawn_entry(int32_t fn, int64_t arg)
{
    ((lun_entry_fn)(uintptr_t)fn)(arg);
}

/* Spawn fn(arg) in a new process with the caller's config (config -1)
 * or another one; returns its pid or 0. */
static inline uint64_t lun_spawn_config(lun_entry_fn fn, int64_t arg,
                                        int64_t link, int64_t config)
{
    uint8_t p[2 * LUN_PARAM_SIZE];
    size_t n = 0;
    lun_param_i32(p, &n, (int32_t)(uintptr_t)fn);
    lun_param_i64(p, &n, arg);
    return lun_spawn_export("_lun_spawn_entry", p, n, link, config, NULL);
}

static inline uint64_t lun_spawn(lun_entry_fn fn, int64_t arg)
{
    return lun_spawn_config(fn, arg, 0, -1);
}

static inline uint64_t lun_spawn_link(lun_entry_fn fn, int64_t arg,
                                      int64_t tag)
{
    return lun_spawn_config(fn, arg, tag, -1);
}

static inline uint64_t lun_self(void)
{
    return (uint64_t)lunatic_process_process_id();
}

/* }===== */
/* {===== messages */

/* Send len bytes with a tag (0 = none) to pid. */
static inline void lun_send(uint64_t pid, int64_t tag, const void *buf,
                            size_t len)
{
    lunatic_message_create_data(tag, (int64_t)len);
    if (len)
        lunatic_message_write_data((int32_t)buf, (int32_t)len);
    lunatic_message_send((int64_t)pid);
}

/* Receive the first message (with one of tags if ntags > 0) within
 * timeout_ms (LUN_FOREVER: no limit). Copies up to cap bytes to buf and
 * the full size to *out_len (may be NULL). Returns LUN_MSG_* or
 * LUN_TIMEOUT. The message stays in the scratch area for get_tag etc. */
static inline int32_t lun_recv(const int64_t *tags, uint32_t ntags,
                               uint64_t timeout_ms, void *buf, size_t cap,
                               size_t *out_len)
{
    int32_t k = lunatic_message_receive((int32_t)tags, (int32_t)ntags,
                                        (int64_t)timeout_ms);
    if (k == LUN_MSG_DATA) {
        size_t n = (size_t)lunatic_message_data_size();
        if (out_len)
            *out_len = n;
        if (cap)
            lunatic_message_read_data((int32_t)buf,
                                      (int32_t)(n < cap ? n : cap));
    } else if (out_len) {
        *out_len = 0;
    }
    return k;
}

/* Request/reply: the request carries [reply tag][our pid][payload]; the
 * server answers with lun_reply(request header). Returns the reply's
 * size, or -1 on timeout. Replies are waited for without scanning the
 * mailbox (send_receive_skip_search). */
typedef struct lun_req_hdr {
    int64_t reply_tag;
    uint64_t from;
} lun_req_hdr_t;

static inline int64_t lun_request(uint64_t pid, int64_t tag, const void *req,
                                  size_t len, void *reply, size_t cap,
                                  uint64_t timeout_ms)
{
    static int64_t next_tag = 1 << 20;
    lun_req_hdr_t h = {++next_tag, lun_self()};
    lunatic_message_create_data(tag, (int64_t)(sizeof h + len));
    lunatic_message_write_data((int32_t)&h, (int32_t)sizeof h);
    if (len)
        lunatic_message_write_data((int32_t)req, (int32_t)len);
    if (lunatic_message_send_receive_skip_search((int64_t)pid, h.reply_tag,
                                                 (int64_t)timeout_ms) != 0)
        return -1;
    size_t n = (size_t)lunatic_message_data_size();
    if (cap)
        lunatic_message_read_data((int32_t)reply, (int32_t)(n < cap ? n : cap));
    return (int64_t)n;
}

static inline void lun_reply(const lun_req_hdr_t *h, const void *buf,
                             size_t len)
{
    lun_send(h->from, h->reply_tag, buf, len);
}

/* }===== */
/* {===== nodes (lunatic::distributed under `lunatic node`; docs/nodes.md)
 * Outside a cluster lun_node_self() is 0 and there are no nodes. Codes
 * are Lunatic's: 0 done, 1 no such process (send) or node (spawn), 2 no
 * such node (send) or module/function (spawn), 9027 connection error or
 * timeout. Links, monitors, node events and death reasons are beyond
 * Lunatic ("Links and monitors across nodes"). */

/* Why a process of a LinkDied or ProcessDied ended (lun_msg_death_reason). */
#define LUN_DEATH_NORMAL 0
#define LUN_DEATH_FAILURE 1
#define LUN_DEATH_NOPROC 2 /* there was no such process */
#define LUN_DEATH_NOCONN 3 /* its node was lost */

/* This node's id (0 outside a cluster). */
static inline uint64_t lun_node_self(void)
{
    return (uint64_t)lunatic_distributed_node_id();
}

/* Is node this one (0 counts as this one)? */
static inline int lun_node_is_self(uint64_t node)
{
    return node == 0 || node == lun_node_self();
}

/* Up to max node ids (this one included) into ids; how many were put. */
static inline uint32_t lun_nodes(uint64_t *ids, uint32_t max)
{
    return (uint32_t)lunatic_distributed_get_nodes((int32_t)ids, (int32_t)max);
}

/* The nodes whose --tag attributes match query ("k=v&k2=v2"), as
 * lun_nodes; 0 when none (or on error). */
static inline uint32_t lun_nodes_tagged(const char *query, uint64_t *ids,
                                        uint32_t max)
{
    uint64_t qid = 0, count = 0, err = 0; /* the host writes 8 bytes */
    if (lunatic_distributed_exec_lookup_nodes(
            (int32_t)query, (int32_t)strlen(query), (int32_t)&qid,
            (int32_t)&count, (int32_t)&err) != 0)
        return 0;
    int32_t got = lunatic_distributed_copy_lookup_nodes_results(
        (int64_t)qid, (int32_t)ids, (int32_t)max, (int32_t)&err);
    return got < 0 ? 0 : (uint32_t)got;
}

/* Send len bytes with a tag to pid of node (this node's: a local send).
 * Returns 0, 1 (no such process) or 2 (no such node). */
static inline int32_t lun_node_send(uint64_t node, uint64_t pid, int64_t tag,
                                    const void *buf, size_t len)
{
    if (lun_node_is_self(node)) {
        lun_send(pid, tag, buf, len);
        return 0;
    }
    lunatic_message_create_data(tag, (int64_t)len);
    if (len)
        lunatic_message_write_data((int32_t)buf, (int32_t)len);
    return lunatic_distributed_send((int64_t)node, (int64_t)pid);
}

/* Spawn export `func` of this module on node with params (config -1:
 * the node's root config). The pid, or 0 (Lunatic's code in *out_rc). */
static inline uint64_t lun_node_spawn_export(uint64_t node, const char *func,
                                             const uint8_t *params,
                                             size_t plen, int64_t config,
                                             int32_t *out_rc)
{
    uint64_t id = 0;
    int32_t rc = lunatic_distributed_spawn(
        (int64_t)node, config, lunatic_distributed_module_id(),
        (int32_t)func, (int32_t)strlen(func), (int32_t)params, (int32_t)plen,
        (int32_t)&id);
    if (out_rc)
        *out_rc = rc;
    return rc == 0 ? id : 0;
}

/* Spawn fn(arg) on node (this node: a local spawn). The same module
 * runs there, so the function's table index means the same function. */
static inline uint64_t lun_node_spawn(uint64_t node, lun_entry_fn fn,
                                      int64_t arg)
{
    uint8_t p[2 * LUN_PARAM_SIZE];
    size_t n = 0;
    if (lun_node_is_self(node))
        return lun_spawn(fn, arg);
    lun_param_i32(p, &n, (int32_t)(uintptr_t)fn);
    lun_param_i64(p, &n, arg);
    return lun_node_spawn_export(node, "_lun_spawn_entry", p, n, -1, NULL);
}

/* Link to / monitor pid of node, as process::link and ::monitor do
 * locally; its death (or its node's loss: LUN_DEATH_NOCONN) comes as
 * LinkDied with tag, or ProcessDied. */
static inline void lun_node_link(uint64_t node, uint64_t pid, int64_t tag)
{
    lunatic_distributed_link(tag, (int64_t)node, (int64_t)pid);
}

static inline void lun_node_unlink(uint64_t node, uint64_t pid)
{
    lunatic_distributed_unlink((int64_t)node, (int64_t)pid);
}

static inline void lun_node_monitor(uint64_t node, uint64_t pid)
{
    lunatic_distributed_monitor((int64_t)node, (int64_t)pid);
}

static inline void lun_node_stop_monitoring(uint64_t node, uint64_t pid)
{
    lunatic_distributed_stop_monitoring((int64_t)node, (int64_t)pid);
}

/* Node up/down events as data messages tagged tag (read them with
 * lun_node_event); lun_stop_monitoring_nodes ends them. */
static inline void lun_monitor_nodes(int64_t tag)
{
    lunatic_distributed_monitor_nodes(tag);
}

static inline void lun_stop_monitoring_nodes(void)
{
    lunatic_distributed_stop_monitoring_nodes();
}

/* A node event's body (9 bytes): 1 and *up, *node, or 0 if it is not
 * one. */
static inline int lun_node_event(const void *buf, size_t len, int *up,
                                 uint64_t *node)
{
    const uint8_t *b = (const uint8_t *)buf;
    if (len != 9 || b[0] > 1)
        return 0;
    *up = b[0];
    *node = 0;
    for (int i = 7; i >= 0; i--)
        *node = *node << 8 | b[1 + i];
    return 1;
}

/* Of the message just received: the sender's node (data) or the dead
 * process's node (LinkDied, ProcessDied). */
static inline uint64_t lun_msg_node(void)
{
    return (uint64_t)lunatic_message_get_node_id();
}

/* Of a LinkDied or ProcessDied just received: LUN_DEATH_*; -1 for data. */
static inline int32_t lun_msg_death_reason(void)
{
    return lunatic_message_get_death_reason();
}

/* }===== */
/* {===== supervisor */

enum lun_strategy { LUN_ONE_FOR_ONE, LUN_ONE_FOR_ALL };

typedef struct lun_child_spec {
    lun_entry_fn fn;
    int64_t arg;
    uint64_t pid; /* set by the supervisor */
    /* The node it runs on: 0 (or this node's id) here. A child lost with
     * its node is restarted on another live node (see lun_supervise),
     * and this says where. */
    uint64_t node;
} lun_child_spec_t;

static inline uint64_t lun__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Start child c (linked with tag) where c->node says; a node that cannot
 * take it (down, gone, or the spawn failed) means here. */
static inline void lun__child_start(lun_child_spec_t *c, int64_t tag)
{
    if (!lun_node_is_self(c->node)) {
        uint64_t pid = lun_node_spawn(c->node, c->fn, c->arg);
        if (pid) {
            c->pid = pid;
            lun_node_link(c->node, pid, tag);
            return;
        }
    }
    c->node = 0;
    c->pid = lun_spawn_link(c->fn, c->arg, tag);
}

/* Where a child lost with node `lost` goes: the live nodes (this one
 * included) in get_nodes order, starting at the child's index so that
 * lost children spread out, skipping `lost`; this node if none. */
static inline uint64_t lun__pick_node(uint64_t lost, uint32_t i)
{
    uint64_t ids[64];
    int32_t n = lunatic_distributed_get_nodes((int32_t)ids, 64);
    if (n > 64)
        n = 64;
    for (int32_t k = 0; k < n; k++) {
        uint64_t id = ids[(i + (uint32_t)k) % (uint32_t)n];
        if (id != lost)
            return id;
    }
    return 0;
}

/* Stop child c, not counted as a crash (unlinked first). A child on
 * another node is only unlinked: there is no kill across nodes. */
static inline void lun__child_stop(lun_child_spec_t *c)
{
    if (lun_node_is_self(c->node)) {
        lunatic_process_unlink((int64_t)c->pid);
        lunatic_process_kill((int64_t)c->pid);
    } else {
        lun_node_unlink(c->node, c->pid);
    }
}

/* Supervise n children: each is linked with tag index+1, and a failed one
 * is restarted (alone, or all of them for LUN_ONE_FOR_ALL). A child whose
 * node is not 0 runs on that node; one lost with its node
 * (LUN_DEATH_NOCONN) is restarted on another live node (lun__pick_node:
 * a node id never comes back, a restarted node is a new one), and its
 * spec's node says where. More than max_restarts restarts (node losses
 * included) within period_ms ends the supervisor: it returns -1 (and its
 * caller should fail, so that its own supervisor sees it). Returns 0 when
 * a message tagged stop_tag arrives. LUN_ONE_FOR_ALL stops the siblings
 * on this node; those on other nodes are unlinked and left running. */
static inline int lun_supervise(lun_child_spec_t *c, uint32_t n,
                                enum lun_strategy strategy,
                                uint32_t max_restarts, uint64_t period_ms,
                                int64_t stop_tag)
{
    uint64_t window_start = lun__now_ms();
    uint32_t restarts = 0;
    lunatic_process_die_when_link_dies(0); /* failures become messages */
    for (uint32_t i = 0; i < n; i++)
        lun__child_start(&c[i], (int64_t)i + 1);
    for (;;) {
        int32_t k = lun_recv(NULL, 0, LUN_FOREVER, NULL, 0, NULL);
        int64_t tag = lunatic_message_get_tag();
        if (k == LUN_MSG_DATA && tag == stop_tag)
            return 0;
        if (k != LUN_MSG_LINK_DIED || tag < 1 || tag > (int64_t)n)
            continue;
        uint32_t i = (uint32_t)(tag - 1);
        uint64_t now = lun__now_ms();
        if (now - window_start > period_ms) {
            window_start = now;
            restarts = 0;
        }
        if (++restarts > max_restarts)
            return -1;
        if (lun_msg_death_reason() == LUN_DEATH_NOCONN)
            c[i].node = lun__pick_node(c[i].node, i);
        if (strategy == LUN_ONE_FOR_ONE) {
            lun__child_start(&c[i], tag);
            continue;
        }
        for (uint32_t j = 0; j < n; j++)
            if (j != i)
                lun__child_stop(&c[j]);
        for (uint32_t j = 0; j < n; j++)
            lun__child_start(&c[j], (int64_t)j + 1);
    }
}

/* }===== */

/* {===== networking: IPv4 TCP helpers over lunatic::networking. They
 * return -1 on an error (the error resource is dropped) and LUN_TIMEOUT
 * negated (-9027) when a timeout fires. */

#define LUN_NET_ERR (-1)
#define LUN_NET_TIMEOUT (-9027)

static inline int64_t lun__net_rc(int32_t rc, uint64_t v)
{
    if (rc == 0)
        return (int64_t)v;
    if (rc == LUN_TIMEOUT)
        return LUN_NET_TIMEOUT;
    lunatic_error_drop((int64_t)v);
    return LUN_NET_ERR;
}

/* An accept's result: the peer's address comes as a DNS iterator, which
 * these helpers do not hand out, so it is dropped here. */
static inline int64_t lun__accepted(int32_t rc, uint64_t id, uint64_t peer)
{
    if (rc == 0)
        lunatic_networking_drop_dns_iterator((int64_t)peer);
    return lun__net_rc(rc, id);
}

/* A TCP listener on ip:port (ip as 4 bytes); its id, or -1. */
static inline int64_t lun_tcp_listen(const uint8_t ip[4], uint16_t port)
{
    uint64_t id = 0;
    int32_t rc = lunatic_networking_tcp_bind(4, (int32_t)ip, port, 0, 0,
                                             (int32_t)&id);
    return lun__net_rc(rc, id);
}

/* The next connection of listener l: a stream id, or -1. */
static inline int64_t lun_tcp_accept(uint64_t l)
{
    uint64_t id = 0, peer = 0;
    int32_t rc = lunatic_networking_tcp_accept((int64_t)l, (int32_t)&id,
                                               (int32_t)&peer);
    return lun__accepted(rc, id, peer);
}

static inline int64_t lun_tcp_connect(const uint8_t ip[4], uint16_t port,
                                      uint64_t timeout_ms)
{
    uint64_t id = 0;
    int32_t rc = lunatic_networking_tcp_connect(4, (int32_t)ip, port, 0, 0,
                                                (int64_t)timeout_ms,
                                                (int32_t)&id);
    return lun__net_rc(rc, id);
}

/* Bytes read (0 at EOF), -1 on an error, -9027 on the read timeout. */
static inline int64_t lun_tcp_read(uint64_t s, void *buf, size_t len)
{
    uint64_t n = 0;
    int32_t rc = lunatic_networking_tcp_read((int64_t)s, (int32_t)buf,
                                             (int32_t)len, (int32_t)&n);
    return lun__net_rc(rc, n);
}

/* Write all of buf through write_vectored (TCP's or TLS's). */
static inline int64_t lun__write_all(int32_t (*write_vectored)(int64_t, int32_t,
                                                               int32_t, int32_t),
                                     uint64_t s, const void *buf, size_t len)
{
    const uint8_t *b = (const uint8_t *)buf;
    while (len > 0) {
        uint32_t io[2] = {(uint32_t)(uintptr_t)b, (uint32_t)len};
        uint64_t n = 0;
        int32_t rc = write_vectored((int64_t)s, (int32_t)io, 1, (int32_t)&n);
        int64_t r = lun__net_rc(rc, n);
        if (r < 0)
            return r;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write all of buf; 0, or -1 / -9027. */
static inline int64_t lun_tcp_write_all(uint64_t s, const void *buf,
                                        size_t len)
{
    return lun__write_all(lunatic_networking_tcp_write_vectored, s, buf, len);
}

static inline void lun_tcp_close(uint64_t s)
{
    lunatic_networking_drop_tcp_stream((int64_t)s);
}

/* Send a TCP stream (moved out of our table) to pid, tagged. */
static inline void lun_send_tcp(uint64_t pid, int64_t tag, uint64_t s)
{
    lunatic_message_create_data(tag, 8);
    int64_t idx = lunatic_message_push_tcp_stream((int64_t)s);
    lunatic_message_write_data((int32_t)&idx, 8);
    lunatic_message_send((int64_t)pid);
}

/* Receive a stream sent by lun_send_tcp; its new id, or -1. */
static inline int64_t lun_recv_tcp(int64_t tag, uint64_t timeout_ms)
{
    int64_t idx = -1;
    if (lun_recv(&tag, 1, timeout_ms, &idx, 8, NULL) != LUN_MSG_DATA ||
        idx < 0)
        return -1;
    return lunatic_message_take_tcp_stream(idx);
}

/* The IPv4 address and port an iterator (from a local address or a
 * received datagram) yields first; the iterator is dropped. 0, or -1. */
static inline int lun__net_addr4(uint64_t it, uint8_t ip[4], uint16_t *port)
{
    uint32_t type = 0, flow, scope;
    uint8_t addr[16];
    uint16_t p = 0;
    int32_t rc = lunatic_networking_resolve_next(
        (int64_t)it, (int32_t)&type, (int32_t)addr, (int32_t)&p,
        (int32_t)&flow, (int32_t)&scope);
    lunatic_networking_drop_dns_iterator((int64_t)it);
    if (rc != 0 || type != 4)
        return -1;
    if (ip)
        memcpy(ip, addr, 4);
    if (port)
        *port = p;
    return 0;
}

/* }===== */
/* {===== networking: IPv4 UDP helpers (same return conventions) */

/* A UDP socket bound to ip:port (port 0: any); its id, or -1. */
static inline int64_t lun_udp_bind(const uint8_t ip[4], uint16_t port)
{
    uint64_t id = 0;
    int32_t rc = lunatic_networking_udp_bind(4, (int32_t)ip, port, 0, 0,
                                             (int32_t)&id);
    return lun__net_rc(rc, id);
}

/* The port socket s is bound to, or -1. */
static inline int32_t lun_udp_port(uint64_t s)
{
    uint64_t it = 0;
    uint16_t port;
    if (lunatic_networking_udp_local_addr((int64_t)s, (int32_t)&it) != 0) {
        lunatic_error_drop((int64_t)it);
        return -1;
    }
    return lun__net_addr4(it, NULL, &port) == 0 ? port : -1;
}

/* Send one datagram to ip:port; bytes sent, or -1. */
static inline int64_t lun_udp_send_to(uint64_t s, const void *buf,
                                      size_t len, const uint8_t ip[4],
                                      uint16_t port)
{
    uint64_t n = 0;
    int32_t rc = lunatic_networking_udp_send_to(
        (int64_t)s, (int32_t)buf, (int32_t)len, 4, (int32_t)ip, port, 0, 0,
        (int32_t)&n);
    return lun__net_rc(rc, n);
}

/* Wait for one datagram; its length (a longer one is cut to len), or -1.
 * The sender's address goes to ip and port when they are not NULL. */
static inline int64_t lun_udp_recv_from(uint64_t s, void *buf, size_t len,
                                        uint8_t ip[4], uint16_t *port)
{
    uint64_t n = 0, from = 0;
    int32_t rc = lunatic_networking_udp_receive_from(
        (int64_t)s, (int32_t)buf, (int32_t)len, (int32_t)&n, (int32_t)&from);
    int64_t r = lun__net_rc(rc, n);
    if (r >= 0 && lun__net_addr4(from, ip, port) != 0)
        return LUN_NET_ERR;
    return r;
}

static inline void lun_udp_close(uint64_t s)
{
    lunatic_networking_drop_udp_socket((int64_t)s);
}

/* }===== */
/* {===== networking: TLS helpers (same return conventions; malformed PEM
 * traps, as in Lunatic) */

/* A TLS listener on ip:port with a PEM certificate (chain) and key. */
static inline int64_t lun_tls_listen(const uint8_t ip[4], uint16_t port,
                                     const void *cert, size_t cert_len,
                                     const void *key, size_t key_len)
{
    uint64_t id = 0;
    int32_t rc = lunatic_networking_tls_bind(
        4, (int32_t)ip, port, 0, 0, (int32_t)&id, (int32_t)cert,
        (int32_t)cert_len, (int32_t)key, (int32_t)key_len);
    return lun__net_rc(rc, id);
}

/* The next connection, handshake done: a stream id, or -1 (a failed
 * handshake too). */
static inline int64_t lun_tls_accept(uint64_t l)
{
    uint64_t id = 0, peer = 0;
    int32_t rc = lunatic_networking_tls_accept((int64_t)l, (int32_t)&id,
                                               (int32_t)&peer);
    return lun__accepted(rc, id, peer);
}

/* Connect to host:port (host is resolved and checked against the
 * server's certificate) trusting the PEM roots ca (NULL: the system's);
 * a stream id, -1, or -9027 when timeout_ms passes first. */
static inline int64_t lun_tls_connect(const char *host, uint16_t port,
                                      uint64_t timeout_ms, const void *ca,
                                      size_t ca_len)
{
    uint32_t certs[2] = {(uint32_t)(uintptr_t)ca, (uint32_t)ca_len};
    uint64_t id = 0;
    int32_t rc = lunatic_networking_tls_connect(
        (int32_t)host, (int32_t)strlen(host), port, (int64_t)timeout_ms,
        (int32_t)&id, (int32_t)certs, ca ? 1 : 0);
    return lun__net_rc(rc, id);
}

/* Bytes read (0 at EOF), -1 on an error, -9027 on the read timeout. */
static inline int64_t lun_tls_read(uint64_t s, void *buf, size_t len)
{
    uint64_t n = 0;
    int32_t rc = lunatic_networking_tls_read((int64_t)s, (int32_t)buf,
                                             (int32_t)len, (int32_t)&n);
    return lun__net_rc(rc, n);
}

/* Write all of buf; 0, or -1 / -9027. */
static inline int64_t lun_tls_write_all(uint64_t s, const void *buf,
                                        size_t len)
{
    return lun__write_all(lunatic_networking_tls_write_vectored, s, buf, len);
}

static inline void lun_tls_close(uint64_t s)
{
    lunatic_networking_drop_tls_stream((int64_t)s);
}

static inline void lun_tls_listener_close(uint64_t l)
{
    lunatic_networking_drop_tls_listener((int64_t)l);
}

/* }===== */

/* {===== hot code reloading (docs/reload.md)
 *
 * A process moves to a new version of the application at its next
 * receive (or lun_upgrade_point) when the module declares its hooks once:
 *
 *     static const void *save(size_t *len) { *len = sizeof st; return &st; }
 *     static int restore(const void *b, size_t len) {...; return 0;}
 *     static void resume(void) { serve_forever(); }   // the new main loop
 *     LUN_UPGRADE_HOOKS(save, restore, resume)
 *
 * save runs in the old code and returns the state as bytes (they must
 * stay valid after it returns: a static buffer), or NULL: with *len 0 the
 * process declines to move (it stays on its code, silently), with *len
 * non-zero save failed (it stays, and the runtime prints a warning); restore runs in a fresh
 * instance of the new code with a copy of them (0: ok, else the process
 * stays on the old code); then resume runs in place of the old code's
 * call stack, which is gone: it is the new code's main loop and the
 * process ends when it returns. The process keeps its pid, mailbox,
 * links, names, timers and handles. Each process is a new instance: only
 * what save returns crosses, so a process keeps its handles' ids in it. */

typedef const void *(*lun_upgrade_save_fn)(size_t *len);
typedef int (*lun_upgrade_restore_fn)(const void *bytes, size_t len);

/* The three hook exports and lunatic_alloc (malloc), the allocator the
 * runtime calls to hand the state over (as lunatic-rs's). A module that
 * defines its own lunatic_alloc uses LUN_UPGRADE_HOOKS_OWN_ALLOC. */
#define LUN_UPGRADE_HOOKS(save, restore, resume)                            \
    __attribute__((export_name("lunatic_alloc"))) int32_t                  \
    lun__alloc(int32_t len);                                               \
    int32_t lun__alloc(int32_t len)                                        \
    {                                                                      \
        return (int32_t)(uintptr_t)malloc(len > 0 ? (size_t)len : 1);      \
    }                                                                      \
    LUN_UPGRADE_HOOKS_OWN_ALLOC(save, restore, resume)

#define LUN_UPGRADE_HOOKS_OWN_ALLOC(save, restore, resume)                  \
    __attribute__((export_name("lunatic_upgrade_save"))) int64_t           \
    lun__upgrade_save(void);                                               \
    int64_t lun__upgrade_save(void)                                        \
    {                                                                      \
        size_t n_ = 0;                                                     \
        const void *p_ = save(&n_);                                        \
        if (!p_) /* *len 0: this process declines, else: an error */     \
            return n_ ? -1 : -2;                                           \
        return (int64_t)(((uint64_t)n_ << 32) | (uint32_t)(uintptr_t)p_);  \
    }                                                                      \
    __attribute__((export_name("lunatic_upgrade_restore"))) int32_t        \
    lun__upgrade_restore(int32_t ptr, int32_t len);                        \
    int32_t lun__upgrade_restore(int32_t ptr, int32_t len)                 \
    {                                                                      \
        const void *b_ = (const void *)(uintptr_t)ptr;                     \
        int32_t rc_ = restore(b_, (size_t)len);                            \
        free((void *)b_); /* lunatic_alloc'd by the runtime */             \
        return rc_;                                                        \
    }                                                                      \
    __attribute__((export_name("lunatic_upgrade_resume"))) void            \
    lun__upgrade_resume(void);                                             \
    void lun__upgrade_resume(void) { resume(); }

/* A safe point outside receive: moves now if a new version is waiting
 * (then it never returns); 0: nothing to move to, 1: a hook failed. */
static inline int32_t lun_upgrade_point(void)
{
    return lunatic_process_upgrade_point();
}

/* Make wasm bytes (compiled here, needs the permission to compile) the
 * application's new version. 0, or -1 (error id in *out_err). */
static inline int32_t lun_upgrade_to(const void *wasm, size_t len,
                                     uint64_t *out_err)
{
    uint64_t id = 0, err = 0;
    if (lunatic_process_compile_module((int32_t)wasm, (int32_t)len,
                                       (int32_t)&id) != 0) {
        if (out_err)
            *out_err = id;
        return -1;
    }
    int32_t rc = lunatic_process_upgrade_module((int64_t)id, (int32_t)&err);
    lunatic_process_drop_module((int64_t)id); /* the runtime keeps its own */
    if (rc != 0 && out_err)
        *out_err = err;
    return rc != 0 ? -1 : 0;
}

/* }===== */

#endif
