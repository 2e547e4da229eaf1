/* cluster.c: sched_node_t over a dist node (dist/cluster.h).
 *
 * Two directions:
 *   - out: the runtime's callbacks (worker threads, never the dist
 *     thread) encode their request and call dist_node_send_frame (or
 *     dist_node_send for module bytes); a reply, fetch or module that
 *     finds the link full goes to an outbox the cluster thread retries
 *     (it must not be lost);
 *   - in: the node's callbacks (the dist thread, its lock held) copy what
 *     came onto the inbox; the cluster thread hands each item to the
 *     runtime, in order of arrival. A data message for a process goes
 *     straight into its mailbox from the dist thread instead when nothing
 *     is ahead of it (see node_message). */
#include "../common/lun_prefix.h"

#include "cluster.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/lun_lock.h"
#include "../vm/vm_endian.h"

/* What the dist thread hands the cluster thread. */
enum item_kind { ITEM_MESSAGE, ITEM_FRAME, ITEM_ROOM, ITEM_DOWN, ITEM_UP };

typedef struct item {
    struct item *next;
    enum item_kind kind;
    uint64_t node, sender, receiver;
    int64_t tag;
    size_t len;
    uint8_t *body;  /* a large message's body, handed over by the node
                       (then data is empty): no copy under its lock */
    uint8_t data[]; /* the message body, or the down reason (NUL-ended) */
} item_t;

typedef struct item_list {
    item_t *head, *tail;
} item_list_t;

struct dist_cluster {
    dist_node_t *node;
    sched_node_t sched;
    void (*log)(void *ud, const char *line);
    void *log_ud;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* inbox or outbox changed, or stop/detach */
    pthread_cond_t idle;  /* a detach is done */
    item_list_t inbox;    /* from the node, for the runtime */
    item_list_t outbox;   /* to send again when there is room */
    bool retrying;        /* the outbox is being sent (not on the list) */
    sched_runtime_t *rt;  /* NULL: not attached (the inbox waits) */
    bool detaching, stopping, running;
    bool handling;        /* the cluster thread is handing an item over */
    bool dist_delivered;  /* the dist thread delivered since attach */
    /* this node's own tags (the node knows its members' only) */
    char tags[DIST_TAGS_MAX][DIST_NAME_MAX + 1];
    size_t ntags;
    char *ca_pem;         /* the cluster CA (for test_root_cert) */
};

static void list_push(item_list_t *l, item_t *it)
{
    it->next = NULL;
    if (l->tail)
        l->tail->next = it;
    else
        l->head = it;
    l->tail = it;
}

static item_t *list_pop(item_list_t *l)
{
    item_t *it = l->head;
    if (it) {
        l->head = it->next;
        if (!l->head)
            l->tail = NULL;
    }
    return it;
}

static void item_free(item_t *it)
{
    free(it->body);
    free(it);
}

static void list_free(item_list_t *l)
{
    item_t *it;
    while ((it = list_pop(l)) != NULL)
        item_free(it);
}

static item_t *item_new(enum item_kind kind, uint64_t node, const void *data,
                        size_t len)
{
    item_t *it = malloc(sizeof *it + len + 1);
    if (!it)
        return NULL;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->node = node;
    it->len = len;
    if (len)
        memcpy(it->data, data, len);
    it->data[len] = 0;
    return it;
}

static void say(dist_cluster_t *c, const char *line)
{
    if (c->log)
        c->log(c->log_ud, line);
    else
        fprintf(stderr, "%s\n", line);
}

/* {===== out: sched_node_t's callbacks */

static uint32_t cl_nodes(void *ud, uint64_t *out, uint32_t max)
{
    dist_cluster_t *c = ud;
    return (uint32_t)dist_node_members(c->node, out, NULL, max);
}

/* The value of tag key of node (this one or a member) into out. */
static int tag_of(dist_cluster_t *c, uint64_t node, const char *key,
                  char *out, size_t len)
{
    if (node != c->sched.node_id)
        return dist_node_tag(c->node, node, key, out, len);
    size_t klen = strlen(key);
    for (size_t i = 0; i < c->ntags; i++)
        if (!strncmp(c->tags[i], key, klen) && c->tags[i][klen] == '=') {
            const char *v = c->tags[i] + klen + 1;
            if (strlen(v) >= len)
                return LUN_ELIMIT;
            memcpy(out, v, strlen(v) + 1);
            return 0;
        }
    return LUN_ENOTFOUND;
}

/* Does node have every k=v of query ("k=v&k2=v2")? */
static bool tags_match(dist_cluster_t *c, uint64_t node, const char *q,
                       size_t len)
{
    size_t at = 0;
    while (at < len) {
        size_t end = at;
        while (end < len && q[end] != '&')
            end++;
        const char *eq = memchr(q + at, '=', end - at);
        if (eq) {
            char key[DIST_NODE_NAME_MAX + 1], have[DIST_NODE_NAME_MAX + 1];
            size_t klen = (size_t)(eq - (q + at));
            size_t vlen = end - at - klen - 1;
            if (klen > DIST_NODE_NAME_MAX)
                return false;
            memcpy(key, q + at, klen);
            key[klen] = 0;
            if (tag_of(c, node, key, have, sizeof have) != 0 ||
                strlen(have) != vlen || memcmp(have, eq + 1, vlen) != 0)
                return false;
        }
        at = end + 1;
    }
    return true;
}

static uint32_t cl_query(void *ud, const char *query, size_t len,
                         uint64_t *out, uint32_t max)
{
    dist_cluster_t *c = ud;
    uint64_t ids[256];
    size_t n = dist_node_members(c->node, ids, NULL, 256);
    if (n > 256)
        n = 256;
    uint32_t found = 0;
    for (size_t i = 0; i < n; i++)
        if (tags_match(c, ids[i], query, len)) {
            if (found < max)
                out[found] = ids[i];
            found++;
        }
    return found;
}

static void enqueue(dist_cluster_t *c, item_t *it);

/* This node as the destination of a send or spawn: Lunatic counts a node
 * among its own nodes, and sending or spawning there works. What would go
 * on the wire goes on the inbox instead, as if it came from this node (in
 * order with everything else the cluster thread hands the runtime). */
static bool is_self(dist_cluster_t *c, uint64_t node)
{
    return node == dist_node_self(c->node);
}

static int loopback(dist_cluster_t *c, enum item_kind kind, int64_t tag,
                    uint64_t sender, uint64_t receiver, const void *data,
                    size_t len)
{
    item_t *it = item_new(kind, dist_node_self(c->node), data, len);
    if (!it)
        return LUN_ENOMEM;
    it->tag = tag;
    it->sender = sender;
    it->receiver = receiver;
    enqueue(c, it);
    return 0;
}

static int send_code(int rc)
{
    if (rc == 0)
        return 0;
    if (rc == LUN_EAGAIN)
        return SCHED_NODE_FULL;
    if (rc == LUN_ENOTFOUND)
        return 2;
    return 9027; /* out of memory: Lunatic's connection error */
}

static int cl_send(void *ud, uint64_t node, uint64_t from, uint64_t pid,
                   int64_t tag, const uint8_t *data, size_t len)
{
    dist_cluster_t *c = ud;
    if (pid == 0)
        return 1; /* pid 0 is the node itself: no process has it */
    if (is_self(c, node))
        return send_code(loopback(c, ITEM_MESSAGE, tag, from, pid, data, len));
    return send_code(dist_node_send(c->node, node, from, pid, tag, data, len));
}

/* The spawner's config after a SPAWN's params: u64 max memory, u64 max
 * fuel, u8 permissions (SPAWN_CAN_*). */
#define SPAWN_CONFIG_LEN 17u
enum { SPAWN_CAN_COMPILE = 1, SPAWN_CAN_CREATE_CONFIGS = 2,
       SPAWN_CAN_SPAWN = 4 };

static void config_encode(uint8_t *p, const sched_spawn_config_t *cfg)
{
    vm_store_le64(p, cfg->max_memory);
    vm_store_le64(p + 8, cfg->max_fuel);
    p[16] = (uint8_t)((cfg->can_compile ? SPAWN_CAN_COMPILE : 0) |
                      (cfg->can_create_configs ? SPAWN_CAN_CREATE_CONFIGS : 0) |
                      (cfg->can_spawn ? SPAWN_CAN_SPAWN : 0));
}

static void config_decode(const uint8_t *p, sched_spawn_config_t *cfg)
{
    cfg->max_memory = vm_load_le64(p);
    cfg->max_fuel = vm_load_le64(p + 8);
    cfg->can_compile = p[16] & SPAWN_CAN_COMPILE;
    cfg->can_create_configs = p[16] & SPAWN_CAN_CREATE_CONFIGS;
    cfg->can_spawn = p[16] & SPAWN_CAN_SPAWN;
}

/* SPAWN: u64 req, u64 hash lo, u64 hash hi, u16 func length, func,
 * u32 params length, params, and the spawner's config if it gave one
 * (SPAWN_CONFIG_LEN bytes; none: the remote node's root config). */
static int cl_spawn(void *ud, uint64_t node, uint64_t req, sched_hash_t module,
                    const char *func, size_t func_len, const uint8_t *params,
                    size_t params_len, const sched_spawn_config_t *cfg)
{
    dist_cluster_t *c = ud;
    if (func_len > DIST_SPAWN_FUNC_MAX || params_len > DIST_SPAWN_PARAMS_MAX)
        return 2;
    size_t len = 24 + 2 + func_len + 4 + params_len +
                 (cfg ? SPAWN_CONFIG_LEN : 0);
    uint8_t *p = malloc(len);
    if (!p)
        return 9027;
    vm_store_le64(p, req);
    vm_store_le64(p + 8, module.lo);
    vm_store_le64(p + 16, module.hi);
    vm_store_le16(p + 24, (uint16_t)func_len);
    memcpy(p + 26, func, func_len);
    vm_store_le32(p + 26 + func_len, (uint32_t)params_len);
    if (params_len)
        memcpy(p + 30 + func_len, params, params_len);
    if (cfg)
        config_encode(p + 30 + func_len + params_len, cfg);
    int rc = is_self(c, node)
                 ? loopback(c, ITEM_FRAME, DIST_SPAWN, 0, 0, p, len)
                 : dist_node_send_frame(c->node, node, DIST_SPAWN, p, len);
    free(p);
    return send_code(rc == LUN_ELIMIT ? LUN_EAGAIN : rc);
}

/* Send what it holds: a frame of type it->tag, or module bytes. */
static int send_item(dist_cluster_t *c, const item_t *it)
{
    if (is_self(c, it->node))
        return loopback(c, it->kind, it->tag, 0, 0, it->data, it->len);
    if (it->kind == ITEM_FRAME)
        return dist_node_send_frame(c->node, it->node, (unsigned)it->tag,
                                    it->data, it->len);
    return dist_node_send(c->node, it->node, it->sender, it->receiver,
                          it->tag, it->data, it->len);
}

static bool is_full(const item_t *it, int rc)
{
    return rc == LUN_EAGAIN || (it->kind == ITEM_FRAME && rc == LUN_ELIMIT);
}

/* A request that must arrive (a reply, a fetch, module bytes): queued for
 * the cluster thread when the link is full. */
static void send_sure(dist_cluster_t *c, uint64_t node, enum item_kind kind,
                      int64_t tag, const uint8_t *p, size_t len)
{
    item_t *it = item_new(kind, node, p, len);
    if (!it)
        return; /* out of memory: the request times out */
    it->tag = tag;
    int rc = send_item(c, it);
    if (!is_full(it, rc)) {
        free(it); /* sent, or the node is gone (its requests end with it) */
        return;
    }
    lun_mutex_lock(&c->mu);
    list_push(&c->outbox, it);
    lun_cond_signal(&c->cv);
    lun_mutex_unlock(&c->mu);
}

/* {===== signals: links and monitors across nodes */

/* Queue it on the outbox (the cluster's lock held). */
static void outbox_push(dist_cluster_t *c, item_t *it)
{
    list_push(&c->outbox, it);
    lun_cond_signal(&c->cv);
}

/* Send a signal so that it keeps its place behind everything the same
 * process sent before: if anything waits on the outbox (or is being
 * retried) it goes behind it, else now, and to the outbox if full.
 * Returns 0, or 2 for no such node. */
static int send_in_order(dist_cluster_t *c, item_t *it)
{
    lun_mutex_lock(&c->mu);
    if (c->outbox.head || c->retrying) {
        outbox_push(c, it);
        lun_mutex_unlock(&c->mu);
        return 0;
    }
    lun_mutex_unlock(&c->mu);
    int rc = send_item(c, it);
    if (is_full(it, rc)) {
        lun_mutex_lock(&c->mu);
        outbox_push(c, it);
        lun_mutex_unlock(&c->mu);
        return 0;
    }
    free(it);
    return rc == 0 ? 0 : 2;
}

/* Is node a member now? (An outboxed signal to a node that is not would
 * be dropped when retried: a link to it must fire at once instead.) */
static bool is_member(dist_cluster_t *c, uint64_t node)
{
    uint64_t ids[256];
    size_t n = dist_node_members(c->node, ids, NULL, 256);
    for (size_t i = 0; i < n && i < 256; i++)
        if (ids[i] == node)
            return node != c->sched.node_id;
    return false;
}

/* A signal on the wire. LINK, UNLINK, MONITOR and DEMONITOR are control
 * frames of types DIST_LINK + kind: u64 from, u64 to, i64 tag. EXIT and
 * DOWN say that `from` died: they travel as a message from
 * from | DIST_PID_SIGNAL to `to`, tagged tag, body u8 type (DIST_EXIT or
 * DIST_DOWN), u8 reason, so the link keeps them behind every message
 * `from` sent to `to` (a small control frame would overtake a large
 * message still being chunked: "message, then death" must hold). */
static int cl_signal(void *ud, uint64_t node, int kind, uint64_t from,
                     uint64_t to, int64_t tag, uint8_t reason)
{
    dist_cluster_t *c = ud;
    unsigned type = DIST_LINK + (unsigned)kind;
    item_t *it;
    if (kind < SCHED_NODE_LINK || kind > SCHED_NODE_DOWN ||
        (from & DIST_PID_SIGNAL) || !is_member(c, node))
        return 2;
    if (type == DIST_EXIT || type == DIST_DOWN) {
        uint8_t body[2] = {(uint8_t)type, reason};
        it = item_new(ITEM_MESSAGE, node, body, sizeof body);
        if (it) {
            it->sender = from | DIST_PID_SIGNAL;
            it->receiver = to;
            it->tag = tag;
        }
    } else {
        uint8_t p[24];
        vm_store_le64(p, from);
        vm_store_le64(p + 8, to);
        vm_store_le64(p + 16, (uint64_t)tag);
        it = item_new(ITEM_FRAME, node, p, sizeof p);
        if (it)
            it->tag = type;
    }
    if (!it)
        return 0; /* out of memory: lost, as with a peer that crashed */
    return send_in_order(c, it);
}

/* }===== */

/* FETCH: u64 hash lo, u64 hash hi. */
static void cl_fetch(void *ud, uint64_t node, sched_hash_t module)
{
    dist_cluster_t *c = ud;
    uint8_t p[16];
    vm_store_le64(p, module.lo);
    vm_store_le64(p + 8, module.hi);
    send_sure(c, node, ITEM_FRAME, DIST_FETCH, p, sizeof p);
}

/* }===== */
/* {===== in: requests from other nodes, on the cluster thread */

typedef struct reply_ctx {
    dist_cluster_t *c;
    uint64_t node, req;
} reply_ctx_t;

/* SPAWN_REPLY: u64 req, i32 rc, u64 pid, u16 error length, error. */
static void spawn_reply(void *ud, int rc, uint64_t pid, const char *err)
{
    reply_ctx_t *r = ud;
    size_t elen = err ? strlen(err) : 0;
    if (elen > DIST_SPAWN_FUNC_MAX)
        elen = DIST_SPAWN_FUNC_MAX;
    uint8_t p[22 + DIST_SPAWN_FUNC_MAX];
    vm_store_le64(p, r->req);
    vm_store_le32(p + 8, (uint32_t)(int32_t)rc);
    vm_store_le64(p + 12, pid);
    vm_store_le16(p + 20, (uint16_t)elen);
    if (elen)
        memcpy(p + 22, err, elen);
    send_sure(r->c, r->node, ITEM_FRAME, DIST_SPAWN_REPLY, p, 22 + elen);
    free(r);
}

static void on_spawn(dist_cluster_t *c, sched_runtime_t *rt, const item_t *it)
{
    const uint8_t *p = it->data;
    if (it->len < 30)
        return;
    uint64_t req = vm_load_le64(p);
    sched_hash_t h = {vm_load_le64(p + 8), vm_load_le64(p + 16)};
    size_t flen = vm_load_le16(p + 24);
    if (flen > DIST_SPAWN_FUNC_MAX || 26 + flen + 4 > it->len)
        return;
    size_t plen = vm_load_le32(p + 26 + flen);
    if (plen > it->len - 30 - flen)
        return;
    size_t rest = it->len - 30 - flen - plen;
    sched_spawn_config_t cfg;
    if (rest != 0 && rest != SPAWN_CONFIG_LEN)
        return; /* malformed: the spawner times out */
    if (rest)
        config_decode(p + 30 + flen + plen, &cfg);
    reply_ctx_t *r = malloc(sizeof *r);
    if (!r)
        return; /* the spawner times out */
    *r = (reply_ctx_t){c, it->node, req};
    sched_remote_spawn(rt, it->node, h, (const char *)p + 26, flen,
                       p + 30 + flen, plen, rest ? &cfg : NULL, spawn_reply,
                       r);
}

static void on_spawn_reply(sched_runtime_t *rt, const item_t *it)
{
    const uint8_t *p = it->data;
    if (it->len < 22)
        return;
    size_t elen = vm_load_le16(p + 20);
    if (22 + elen > it->len)
        return;
    char err[DIST_SPAWN_FUNC_MAX + 1];
    if (elen > DIST_SPAWN_FUNC_MAX)
        elen = DIST_SPAWN_FUNC_MAX;
    memcpy(err, p + 22, elen);
    err[elen] = 0;
    sched_remote_spawned(rt, vm_load_le64(p), (int32_t)vm_load_le32(p + 8),
                         vm_load_le64(p + 12), elen ? err : NULL);
}

/* MODULE: u64 hash lo, u64 hash hi, the bytes (none: not found). */
static void on_fetch(dist_cluster_t *c, sched_runtime_t *rt, const item_t *it)
{
    if (it->len != 16)
        return;
    sched_hash_t h = {vm_load_le64(it->data), vm_load_le64(it->data + 8)};
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (sched_remote_module_copy(rt, h, &bytes, &len) != 0 ||
        len > DIST_MODULE_MAX)
        len = 0;
    uint8_t *p = malloc(16 + len);
    if (p) {
        memcpy(p, it->data, 16);
        if (len)
            memcpy(p + 16, bytes, len);
        send_sure(c, it->node, ITEM_MESSAGE, DIST_SYS_MODULE, p, 16 + len);
        free(p);
    }
    free(bytes);
}

static void on_module(sched_runtime_t *rt, const item_t *it)
{
    if (it->len < 16)
        return;
    sched_hash_t h = {vm_load_le64(it->data), vm_load_le64(it->data + 8)};
    size_t len = it->len - 16;
    if (len > DIST_MODULE_MAX)
        len = 0;
    sched_remote_module_bytes(rt, h, len ? it->data + 16 : NULL, len);
}

/* A signal frame: u64 from, u64 to, i64 tag. */
static void on_signal_frame(sched_runtime_t *rt, const item_t *it)
{
    if (it->len != 24)
        return;
    sched_remote_signal(rt, it->node, (int)(it->tag - DIST_LINK),
                        vm_load_le64(it->data), vm_load_le64(it->data + 8),
                        (int64_t)vm_load_le64(it->data + 16), 0);
}

/* EXIT or DOWN as a message (see cl_signal). */
static void on_signal_message(dist_cluster_t *c, sched_runtime_t *rt,
                              const item_t *it)
{
    if (it->len != 2 || (it->data[0] != DIST_EXIT && it->data[0] != DIST_DOWN)) {
        char line[96];
        snprintf(line, sizeof line, "lunatic node: ignored a malformed "
                 "signal from %016llx", (unsigned long long)it->node);
        say(c, line);
        return;
    }
    sched_remote_signal(rt, it->node, it->data[0] - DIST_LINK,
                        it->sender & ~DIST_PID_SIGNAL, it->receiver, it->tag,
                        it->data[1]);
}

static void handle(dist_cluster_t *c, sched_runtime_t *rt, item_t *it)
{
    if (it->kind == ITEM_UP) {
        sched_remote_node_up(rt, it->node);
        return;
    }
    if (it->kind == ITEM_MESSAGE && (it->sender & DIST_PID_SIGNAL)) {
        on_signal_message(c, rt, it);
        return;
    }
    if (it->kind == ITEM_ROOM) {
        sched_remote_room(rt, it->node);
        return;
    }
    if (it->kind == ITEM_DOWN) {
        sched_remote_node_down(rt, it->node, (const char *)it->data);
        return;
    }
    if (it->kind == ITEM_MESSAGE && it->receiver != 0 && it->body) {
        uint8_t *body = it->body;
        it->body = NULL; /* the message owns it now */
        (void)sched_remote_deliver_owned(rt, it->receiver, it->node,
                                         it->sender, it->tag, body, it->len);
        return;
    }
    if (it->kind == ITEM_MESSAGE && it->receiver != 0) {
        (void)sched_remote_deliver(rt, it->receiver, it->node, it->sender,
                                   it->tag, it->data, it->len);
        return;
    }
    if (it->kind == ITEM_MESSAGE && it->tag == DIST_SYS_MODULE) {
        on_module(rt, it);
        return;
    }
    switch (it->kind == ITEM_FRAME ? it->tag : -1) {
    case DIST_SPAWN: on_spawn(c, rt, it); break;
    case DIST_SPAWN_REPLY: on_spawn_reply(rt, it); break;
    case DIST_FETCH: on_fetch(c, rt, it); break;
    case DIST_LINK:
    case DIST_UNLINK:
    case DIST_MONITOR:
    case DIST_DEMONITOR: on_signal_frame(rt, it); break;
    default: {
        /* EXIT and DOWN come as messages; anything else is not ours */
        char line[96];
        snprintf(line, sizeof line,
                 "lunatic node: ignored a %s of kind %lld from %016llx",
                 it->kind == ITEM_FRAME ? "frame" : "message to pid 0",
                 (long long)it->tag, (unsigned long long)it->node);
        say(c, line);
    }
    }
}

/* Send the outbox again (the cluster's lock held on entry and exit). */
static void retry_outbox(dist_cluster_t *c)
{
    item_list_t again = c->outbox;
    c->outbox = (item_list_t){NULL, NULL};
    c->retrying = true;
    lun_mutex_unlock(&c->mu);
    item_list_t full = {NULL, NULL};
    item_t *it;
    /* Once one item for a node stays, the later ones for it stay too:
     * they keep their order (a LINK frame before its EXIT). */
    uint64_t stuck[16];
    size_t nstuck = 0;
    while ((it = list_pop(&again)) != NULL) {
        bool behind = nstuck == 16;
        for (size_t i = 0; i < nstuck && !behind; i++)
            behind = stuck[i] == it->node;
        if (behind || is_full(it, send_item(c, it))) {
            if (!behind)
                stuck[nstuck++] = it->node;
            list_push(&full, it);
        } else {
            free(it);
        }
    }
    lun_mutex_lock(&c->mu);
    c->retrying = false;
    /* ahead of those queued meanwhile */
    if (full.head) {
        full.tail->next = c->outbox.head;
        if (!c->outbox.head)
            c->outbox.tail = full.tail;
        c->outbox.head = full.head;
    }
}

static void wait_a_little(dist_cluster_t *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

static void *cluster_main(void *arg)
{
    dist_cluster_t *c = arg;
    lun_mutex_lock(&c->mu);
    while (!c->stopping) {
        if (c->detaching && c->rt) {
            sched_runtime_t *rt = c->rt;
            lun_mutex_unlock(&c->mu);
            sched_remote_thread_done(rt);
            lun_mutex_lock(&c->mu);
            c->rt = NULL;
            lun_cond_broadcast(&c->idle);
        }
        if (c->outbox.head)
            retry_outbox(c);
        item_t *it = c->rt && !c->detaching ? list_pop(&c->inbox) : NULL;
        if (it) {
            sched_runtime_t *rt = c->rt;
            c->handling = true;
            lun_mutex_unlock(&c->mu);
            handle(c, rt, it);
            item_free(it);
            lun_mutex_lock(&c->mu);
            c->handling = false;
        } else if (c->outbox.head)
            wait_a_little(c); /* room comes as ITEM_ROOM or by time */
        else
            lun_cond_wait(&c->cv, &c->mu);
    }
    lun_mutex_unlock(&c->mu);
    return NULL;
}

/* }===== */
/* {===== the node's callbacks: the dist thread, queue only */

static void enqueue(dist_cluster_t *c, item_t *it)
{
    if (!it)
        return; /* out of memory: the request times out */
    lun_mutex_lock(&c->mu);
    list_push(&c->inbox, it);
    lun_cond_signal(&c->cv);
    lun_mutex_unlock(&c->mu);
}

/* A large message to a process: its body, taken over from the link
 * instead of copied (NULL: copy the bytes). */
static uint8_t *take_body(dist_cluster_t *c, uint64_t receiver,
                          const uint8_t *data)
{
    return receiver && c->node ? dist_node_take_message(c->node, data) : NULL;
}

/* A data message for a process, delivered on the dist thread when the
 * runtime is attached and nothing is queued or being handed over ahead of
 * it (so the order of arrival holds): a round trip then skips two thread
 * switches and the body one copy. The runtime's caches this thread fills
 * go back at detach (dist_cluster_detach). */
static bool deliver_now(dist_cluster_t *c, uint64_t from_node, uint64_t sender,
                        uint64_t receiver, int64_t tag, const uint8_t *data,
                        size_t len)
{
    bool done = false;
    lun_mutex_lock(&c->mu);
    if (receiver != 0 && c->rt && !c->detaching && !c->handling &&
        !c->inbox.head) {
        /* held through the call, so detach waits for it */
        uint8_t *body = take_body(c, receiver, data);
        if (body)
            (void)sched_remote_deliver_owned(c->rt, receiver, from_node,
                                             sender, tag, body, len);
        else
            (void)sched_remote_deliver(c->rt, receiver, from_node, sender,
                                       tag, data, len);
        c->dist_delivered = done = true;
    }
    lun_mutex_unlock(&c->mu);
    return done;
}

static void node_message(void *ud, uint64_t from_node, uint64_t sender,
                         uint64_t receiver, int64_t tag, const uint8_t *data,
                         size_t len)
{
    dist_cluster_t *c = ud;
    /* EXIT and DOWN (DIST_PID_SIGNAL) always go through the inbox */
    if (!(sender & DIST_PID_SIGNAL) &&
        deliver_now(c, from_node, sender, receiver, tag, data, len))
        return;
    uint8_t *body = take_body(c, receiver, data);
    item_t *it = item_new(ITEM_MESSAGE, from_node, data, body ? 0 : len);
    if (!it)
        free(body);
    if (it && body) {
        it->body = body;
        it->len = len;
    }
    if (it) {
        it->sender = sender;
        it->receiver = receiver;
        it->tag = tag;
    }
    enqueue(ud, it);
}

static void node_frame(void *ud, uint64_t from_node, unsigned type,
                       const uint8_t *payload, size_t len)
{
    item_t *it = item_new(ITEM_FRAME, from_node, payload, len);
    if (it)
        it->tag = type;
    enqueue(ud, it);
}

static void node_room(void *ud, uint64_t node)
{
    enqueue(ud, item_new(ITEM_ROOM, node, NULL, 0));
}

static void node_up(void *ud, uint64_t node, const char *name)
{
    (void)name;
    enqueue(ud, item_new(ITEM_UP, node, NULL, 0));
}

static void node_down(void *ud, uint64_t node, const char *reason)
{
    enqueue(ud, item_new(ITEM_DOWN, node, reason, reason ? strlen(reason) : 0));
}

static void node_log(void *ud, const char *line)
{
    say(ud, line);
}

/* }===== */

int dist_cluster_start(const dist_node_conf_t *conf, dist_cluster_t **out,
                       char *err, size_t errlen)
{
    dist_cluster_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return LUN_ENOMEM;
    }
    lun_mutex_init(&c->mu);
    lun_cond_init(&c->cv);
    lun_cond_init(&c->idle);
    c->log = conf->log;
    c->log_ud = conf->ud;
    for (size_t i = 0; i < conf->ntags && i < DIST_TAGS_MAX; i++)
        snprintf(c->tags[i], sizeof c->tags[i], "%s", conf->tags[i]);
    c->ntags = conf->ntags < DIST_TAGS_MAX ? conf->ntags : DIST_TAGS_MAX;
    if (conf->ca && (c->ca_pem = malloc(conf->ca_len + 1))) {
        memcpy(c->ca_pem, conf->ca, conf->ca_len);
        c->ca_pem[conf->ca_len] = '\0';
    }
    dist_node_conf_t nc = *conf;
    nc.on_message = node_message;
    nc.on_up = node_up;
    nc.on_down = node_down;
    nc.on_room = node_room;
    nc.on_frame = node_frame;
    nc.ud = c;
    nc.log = conf->log ? node_log : NULL; /* the log keeps its own ud */
    int rc = dist_node_start(&nc, &c->node, err, errlen);
    if (rc == 0 && pthread_create(&c->thread, NULL, cluster_main, c) != 0) {
        snprintf(err, errlen, "cannot start the cluster thread");
        rc = LUN_ENOMEM;
    } else if (rc == 0)
        c->running = true;
    if (rc != 0) {
        dist_node_stop(c->node);
        c->node = NULL;
        dist_cluster_stop(c);
        return rc;
    }
    c->sched = (sched_node_t){
        .ud = c,
        .node_id = dist_node_self(c->node),
        .nodes = cl_nodes,
        .query = cl_query,
        .send = cl_send,
        .spawn = cl_spawn,
        .fetch_module = cl_fetch,
        .signal = cl_signal,
        .ca_pem = c->ca_pem,
    };
    *out = c;
    return 0;
}

const sched_node_t *dist_cluster_sched(dist_cluster_t *c)
{
    return &c->sched;
}

dist_node_t *dist_cluster_node(dist_cluster_t *c)
{
    return c->node;
}

void dist_cluster_attach(dist_cluster_t *c, sched_runtime_t *rt)
{
    lun_mutex_lock(&c->mu);
    c->rt = rt;
    c->detaching = false;
    lun_cond_signal(&c->cv);
    lun_mutex_unlock(&c->mu);
}

static void dist_thread_done(void *rt)
{
    sched_remote_thread_done(rt);
}

void dist_cluster_detach(dist_cluster_t *c)
{
    lun_mutex_lock(&c->mu);
    sched_runtime_t *rt = c->rt;
    bool delivered = c->dist_delivered;
    c->detaching = true; /* from now on nothing is delivered directly */
    c->dist_delivered = false;
    lun_cond_signal(&c->cv);
    while (c->rt && c->running)
        lun_cond_wait(&c->idle, &c->mu);
    c->rt = NULL;
    lun_mutex_unlock(&c->mu);
    if (rt && delivered)
        dist_node_call(c->node, dist_thread_done, rt);
}

void dist_cluster_stop(dist_cluster_t *c)
{
    if (!c)
        return;
    /* the node first: no callback queues anything after this */
    dist_node_stop(c->node);
    if (c->running) {
        lun_mutex_lock(&c->mu);
        c->stopping = true;
        lun_cond_signal(&c->cv);
        lun_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    list_free(&c->inbox);
    list_free(&c->outbox);
    free(c->ca_pem);
    lun_cond_destroy(&c->idle);
    lun_cond_destroy(&c->cv);
    lun_mutex_destroy(&c->mu);
    free(c);
}
