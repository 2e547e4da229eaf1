/* node.c: a cluster node (dist/node.h): membership over mutual-TLS
 * links. Three kinds of record, under the node's lock:
 *   - conn: one link (dialed or accepted), from its TCP connect to its
 *     drop; the link's callbacks get it as their ud;
 *   - member: a node run (its random id) with the one link that reaches
 *     it; it exists exactly while that link is up;
 *   - target: an address to keep a link to (a configured or discovered
 *     peer, or a member's listen address), with its redial backoff.
 * Lock order: the dist loop's lock (held around every link callback),
 * then the node's. The node thread never holds the node's lock while
 * calling dist_loop_*. */
#include "../common/lun_prefix.h"

#include "node.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/lun_lock.h"
#include "../net/net.h"
#include "../vm/vm_endian.h"
#include "loop.h"

#define ADDR_MAX 300
#define NAME_CAP (DIST_NODE_NAME_MAX + 1)
#define REDIAL_MIN_MS 100u
#define REDIAL_MAX_MS 5000u
#define NODE_WAIT_MS 50
/* How long a member whose link the peer closed as a duplicate waits for
 * the link that won the tie-break before it is declared down. */
#define DUPLICATE_GRACE_MS 5000u
/* Ids of members declared down that are remembered and refused if they
 * come back (a ring: the oldest is forgotten first). */
#define GONE_IDS 1024u
/* A link that lived this long resets its target's redial backoff; one
 * that closed sooner (refused, or the peer hung up) doubles it. */
#define LINK_SETTLED_MS 2000u

typedef struct target target_t;
typedef struct member member_t;

typedef struct conn {
    struct conn *next;
    dist_node_t *n;
    dist_link_t *link;  /* set once dist_loop_add returned */
    dist_stream_t *s;   /* owned by the link; read for the TLS name */
    target_t *target;   /* the target dialed, NULL when accepted */
    member_t *member;   /* the member this link reaches, if it does */
    char addr[ADDR_MAX];
    uint64_t started_ms, up_ms, peer_id;
    bool up, dead, refused, duplicate;
} conn_t;

struct member {
    member_t *next;
    uint64_t id;
    char name[NAME_CAP];
    conn_t *conn;       /* NULL while waiting for the winner of a tie */
    uint64_t orphan_ms; /* then: when it is declared down if none came */
    unsigned ntags;
    char tags[DIST_TAGS_MAX][DIST_NAME_MAX + 1];
};

struct target {
    target_t *next;
    char addr[ADDR_MAX];
    char name[NAME_CAP]; /* expected, or learned at the first link */
    conn_t *conn;        /* its link, from dial to down */
    bool self;           /* leads back to this node: never dialed again */
    bool unreachable;    /* said so once; quiet until it links again */
    uint64_t next_ms, backoff_ms;
};

struct dist_node {
    dist_node_conf_t c;
    dist_link_t *delivering; /* in on_message: the link it came on */
    char name[NAME_CAP];
    char listen[ADDR_MAX]; /* advertised: the bound port */
    uint64_t self;
    uint16_t port;
    int lfd;
    net_tls_conf_t *srv, *cli;
    dist_loop_t *loop;
    dist_link_conf_t lconf;
    const char *tagv[DIST_TAGS_MAX];
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    conn_t *conns;
    member_t *members;
    target_t *targets;
    unsigned npending;
    bool full_logged; /* said that max_pending was reached (once) */
    uint64_t next_discover;
    uint64_t gone[GONE_IDS]; /* members declared down (a ring) */
    unsigned ngone;          /* how many were ever added */
};

/* {===== small helpers */

static void logf_(dist_node_t *n, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n->c.log)
        n->c.log(n->c.ud, line);
    else
        fprintf(stderr, "%s\n", line);
}

static void addr_format(const net_addr_t *a, char *out, size_t len)
{
    char ip[64] = "?";
    inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip);
    if (a->family == 6)
        snprintf(out, len, "[%s]:%u", ip, a->port);
    else
        snprintf(out, len, "%s:%u", ip, a->port);
}

/* Split "host:port" ("[v6]:port" too) into host and port. */
static bool addr_split(const char *s, char *host, size_t hlen, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return false;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || colon[1] == '\0' || p > 65535)
        return false;
    const char *h = s;
    size_t n = (size_t)(colon - s);
    if (*h == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hlen)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (uint16_t)p;
    return true;
}

static bool host_is_wildcard(const char *h)
{
    return !*h || !strcmp(h, "0.0.0.0") || !strcmp(h, "::");
}

static member_t *member_by_id(dist_node_t *n, uint64_t id)
{
    for (member_t *m = n->members; m; m = m->next)
        if (m->id == id)
            return m;
    return NULL;
}

static member_t *member_by_name(dist_node_t *n, const char *name)
{
    for (member_t *m = n->members; m; m = m->next)
        if (!strcmp(m->name, name))
            return m;
    return NULL;
}

/* A member declared down stays down: its id is never a member again,
 * so nothing sent to it arrives even if that run comes back (a stopped
 * process resumed, a healed partition); the node must restart, which
 * gives it a new id. */
static void gone_add(dist_node_t *n, uint64_t id)
{
    n->gone[n->ngone++ % GONE_IDS] = id;
}

static bool gone_has(const dist_node_t *n, uint64_t id)
{
    unsigned k = n->ngone < GONE_IDS ? n->ngone : GONE_IDS;
    for (unsigned i = 0; i < k; i++)
        if (n->gone[i] == id)
            return true;
    return false;
}

static target_t *target_add(dist_node_t *n, const char *addr,
                            const char *name)
{
    for (target_t *t = n->targets; t; t = t->next)
        if (!strcmp(t->addr, addr)) {
            if (name && !t->name[0])
                snprintf(t->name, sizeof t->name, "%s", name);
            return t;
        }
    target_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->addr, sizeof t->addr, "%s", addr);
    if (name)
        snprintf(t->name, sizeof t->name, "%s", name);
    t->backoff_ms = REDIAL_MIN_MS;
    t->next = n->targets;
    n->targets = t;
    return t;
}

/* }===== */
/* {===== the MEMBERS frame: u16 count, then per member u64 id, u16
 * name length, name, u16 address length, address (HOST:PORT it listens
 * on) */

static size_t put_str(uint8_t *p, size_t at, const char *s)
{
    size_t n = strlen(s);
    vm_store_le16(p + at, (uint16_t)n);
    memcpy(p + at + 2, s, n);
    return at + 2 + n;
}

static const char *member_listen(dist_node_t *n, const member_t *m);

/* Self and every member, as far as 64 KiB go. */
static size_t members_encode(dist_node_t *n, uint8_t *p, size_t cap)
{
    size_t at = 2, count = 0;
    const size_t entry = 8 + 2 + NAME_CAP + 2 + ADDR_MAX;
    if (at + entry <= cap) {
        vm_store_le64(p + at, n->self);
        at = put_str(p, at + 8, n->name);
        at = put_str(p, at, n->listen);
        count++;
    }
    for (member_t *m = n->members; m && at + entry <= cap; m = m->next) {
        const char *l = member_listen(n, m);
        if (!l)
            continue;
        vm_store_le64(p + at, m->id);
        at = put_str(p, at + 8, m->name);
        at = put_str(p, at, l);
        count++;
    }
    vm_store_le16(p, (uint16_t)count);
    return at;
}

static bool get_str(const uint8_t *p, size_t len, size_t *at, char *out,
                    size_t cap)
{
    if (*at + 2 > len)
        return false;
    size_t n = vm_load_le16(p + *at);
    if (*at + 2 + n > len || n >= cap)
        return false;
    memcpy(out, p + *at + 2, n);
    out[n] = '\0';
    *at += 2 + n;
    return true;
}

/* }===== */
/* {===== link callbacks (dist thread, loop lock held) */

static void send_members(dist_node_t *n, dist_link_t *l)
{
    uint8_t *p = malloc(DIST_FRAME_MAX_PAYLOAD);
    if (!p)
        return;
    size_t len = members_encode(n, p, DIST_FRAME_MAX_PAYLOAD);
    (void)dist_link_send_frame(l, DIST_MEMBERS, p, len);
    free(p);
}

static const char *dialer(dist_node_t *n, const conn_t *c)
{
    return c->target ? n->name : c->member->name;
}

/* A second link to a member: keep the one dialed by the node whose name
 * is smaller (both ends decide alike); between two links dialed by the
 * same node, the older. Returns the loser. */
static conn_t *tie_break(dist_node_t *n, member_t *m, conn_t *c)
{
    conn_t *old = m->conn;
    c->member = m; /* for dialer() */
    if (strcmp(dialer(n, c), dialer(n, old)) < 0) {
        m->conn = c;
        old->member = NULL;
        old->duplicate = true;
        return old;
    }
    c->member = NULL;
    c->duplicate = true;
    return c;
}

static void refuse(dist_node_t *n, conn_t *c, const char *why)
{
    c->refused = true;
    logf_(n, "lunatic node: refused %s: %s", c->addr, why);
}

static void link_up(dist_link_t *l, const dist_hello_t *h, void *ud)
{
    conn_t *c = ud;
    dist_node_t *n = c->n;
    const char *cert = dist_stream_tls_peer(c->s);
    char why[2 * NAME_CAP + 64] = "";
    conn_t *loser = NULL;
    member_t *fresh = NULL;
    uint64_t adopted = 0;
    lun_mutex_lock(&n->mu);
    c->link = l; /* maybe before the node thread got to note it */
    n->npending--;
    c->up = true;
    if (c->target)
        c->target->unreachable = false;
    c->peer_id = h->incarnation;
    if (!cert || strcmp(cert, h->name) != 0) {
        snprintf(why, sizeof why, "certificate is for node %s, but it "
                 "says it is %s", cert ? cert : "(none)", h->name);
        refuse(n, c, why);
    } else if (h->incarnation == n->self) {
        if (c->target)
            c->target->self = true;
        snprintf(why, sizeof why, "link to self");
    } else if (!strcmp(h->name, n->name)) {
        snprintf(why, sizeof why, "another node named %s (this one)",
                 h->name);
        refuse(n, c, why);
    } else if (gone_has(n, h->incarnation)) {
        snprintf(why, sizeof why, "node %s (%016llx) was declared down; "
                 "it rejoins only as a new run (restart it)", h->name,
                 (unsigned long long)h->incarnation);
        refuse(n, c, why);
    } else {
        if (c->target && !c->target->name[0])
            snprintf(c->target->name, sizeof c->target->name, "%s", h->name);
        c->up_ms = dist_now_ms();
        member_t *m = member_by_id(n, h->incarnation);
        if (m && !m->conn) { /* the winner of a tie the peer broke */
            m->conn = c;
            c->member = m;
            adopted = m->id;
        } else if (m) {
            loser = tie_break(n, m, c);
        } else if ((fresh = calloc(1, sizeof *fresh))) {
            fresh->id = h->incarnation;
            snprintf(fresh->name, sizeof fresh->name, "%s", h->name);
            fresh->ntags = h->ntags;
            memcpy(fresh->tags, h->tags, sizeof fresh->tags);
            fresh->conn = c;
            c->member = fresh;
            fresh->next = n->members;
            n->members = fresh;
        }
        if (!loser)
            send_members(n, l);
    }
    lun_mutex_unlock(&n->mu);
    if (why[0])
        dist_link_close(l, why);
    else if (loser)
        /* gently: the peer may have sent on it before it saw the other
         * link (a spawn sent there must not be lost) */
        dist_link_retire(loser == c ? l : loser->link, "duplicate link");
    else if (adopted && n->c.on_room) /* sends waiting for it go on */
        n->c.on_room(n->c.ud, adopted);
    else if (fresh) {
        logf_(n, "lunatic node: member %s (%016llx) up, link %s",
              fresh->name, (unsigned long long)fresh->id, c->addr);
        if (n->c.on_up)
            n->c.on_up(n->c.ud, fresh->id, fresh->name);
    }
}

static const char *member_listen(dist_node_t *n, const member_t *m)
{
    for (target_t *t = n->targets; t; t = t->next)
        if (!strcmp(t->name, m->name) && !t->self)
            return t->addr;
    return NULL;
}

/* The sender's own entry tells where it listens: a target to redial if
 * it goes down. A wildcard host means "the address you reach me from". */
static bool note_listen(dist_node_t *n, conn_t *c, const char *name,
                        const char *listen)
{
    char host[ADDR_MAX], addr[ADDR_MAX], peer[ADDR_MAX];
    uint16_t port, pport;
    if (!addr_split(listen, host, sizeof host, &port))
        return false;
    if (host_is_wildcard(host)) {
        if (!addr_split(c->addr, peer, sizeof peer, &pport))
            return false;
        snprintf(addr, sizeof addr, strchr(peer, ':') ? "[%s]:%u" : "%s:%u",
                 peer, port);
        listen = addr;
    }
    for (target_t *t = n->targets; t; t = t->next)
        if (!strcmp(t->addr, listen) && !strcmp(t->name, name))
            return false;
    return target_add(n, listen, name) != NULL;
}

/* A member's listen address is news to the others: tell every member,
 * so one that joined through this node before knows whom to dial. */
static void broadcast_members(dist_node_t *n)
{
    for (member_t *m = n->members; m; m = m->next)
        if (m->conn && m->conn->link)
            send_members(n, m->conn->link);
}

static void on_members(dist_node_t *n, conn_t *c, const uint8_t *p,
                       size_t len)
{
    char name[NAME_CAP], listen[ADDR_MAX];
    size_t at = 2;
    if (len < 2)
        return;
    unsigned count = vm_load_le16(p);
    for (unsigned i = 0; i < count && at + 8 <= len; i++) {
        uint64_t id = vm_load_le64(p + at);
        at += 8;
        if (!get_str(p, len, &at, name, sizeof name) ||
            !get_str(p, len, &at, listen, sizeof listen))
            return;
        if (id == n->self)
            continue;
        if (c->member && id == c->member->id) {
            if (note_listen(n, c, name, listen))
                broadcast_members(n);
        } else if (!member_by_id(n, id))
            target_add(n, listen, name); /* the node thread dials it */
    }
}

static void link_frame(dist_link_t *l, unsigned type, const uint8_t *p,
                       size_t len, void *ud)
{
    conn_t *c = ud;
    (void)l;
    if (type >= DIST_SPAWN && c->n->c.on_frame)
        c->n->c.on_frame(c->n->c.ud, c->peer_id, type, p, len);
    if (type != DIST_MEMBERS)
        return;
    lun_mutex_lock(&c->n->mu);
    on_members(c->n, c, p, len);
    lun_mutex_unlock(&c->n->mu);
}

static void link_message(dist_link_t *l, uint64_t sender, uint64_t receiver,
                         int64_t tag, const uint8_t *data, size_t len,
                         void *ud)
{
    conn_t *c = ud;
    if (c->n->c.on_message) {
        c->n->delivering = l;
        c->n->c.on_message(c->n->c.ud, c->peer_id, sender, receiver, tag,
                           data, len);
        c->n->delivering = NULL;
    }
}

static void link_room(dist_link_t *l, void *ud)
{
    conn_t *c = ud;
    (void)l;
    if (c->n->c.on_room)
        c->n->c.on_room(c->n->c.ud, c->peer_id);
}

static void link_down(dist_link_t *l, const char *reason, void *ud)
{
    conn_t *c = ud;
    dist_node_t *n = c->n;
    uint64_t gone = 0;
    char gone_name[NAME_CAP];
    lun_mutex_lock(&n->mu);
    c->link = l; /* reap drops it: never free c with its link alive */
    c->dead = true;
    if (!c->up) {
        n->npending--;
        const char *tls = dist_stream_tls_error(c->s);
        if (tls && strstr(tls, "fatal alert message was received"))
            logf_(n, "lunatic node: %s refused this node's certificate "
                  "(a TLS alert)", c->addr); /* it said no, not us */
        else if (tls && !strncmp(tls, "connect failed", 14) && c->target &&
                 !c->target->unreachable) {
            c->target->unreachable = true; /* redialed quietly from now */
            logf_(n, "lunatic node: cannot reach %s (%s); retrying",
                  c->addr, tls);
        } else if (tls && strncmp(tls, "connect failed", 14) != 0 &&
                 !c->refused)
            refuse(n, c, tls);
        else if (!tls && !c->refused) /* silent: a half-open connection */
            logf_(n, "lunatic node: closed %s before its handshake: %s",
                  c->addr, reason);
    }
    if (c->target) {
        target_t *t = c->target;
        t->conn = NULL;
        /* a link that never settled (refused, or closed by the peer at
         * once) must not be redialed at the fastest rate forever */
        bool settled = c->up_ms &&
                       dist_now_ms() - c->up_ms >= LINK_SETTLED_MS;
        if (settled)
            t->backoff_ms = REDIAL_MIN_MS;
        t->next_ms = dist_now_ms() + t->backoff_ms;
        if (!settled && t->backoff_ms < REDIAL_MAX_MS)
            t->backoff_ms *= 2;
        c->target = NULL;
    }
    member_t *m = c->member;
    if (m && !strcmp(reason, "peer closed: duplicate link")) {
        /* The peer keeps another link to this node, the one the tie-break
         * chose; it may not be up here yet (two sockets, no order between
         * them). The member waits for it instead of going down and up. */
        m->conn = NULL;
        m->orphan_ms = dist_now_ms() + DUPLICATE_GRACE_MS;
        c->member = NULL;
    } else if (m) {
        gone = m->id;
        gone_add(n, gone);
        snprintf(gone_name, sizeof gone_name, "%s", m->name);
        for (member_t **pp = &n->members; *pp; pp = &(*pp)->next)
            if (*pp == m) {
                *pp = m->next;
                break;
            }
        free(m);
        c->member = NULL;
    }
    lun_mutex_unlock(&n->mu);
    if (gone)
        logf_(n, "lunatic node: member %s (%016llx) down: %s", gone_name,
              (unsigned long long)gone, reason);
    if (gone && n->c.on_down)
        n->c.on_down(n->c.ud, gone, reason);
}

static const dist_link_cbs_t link_cbs = {link_up, link_message, link_frame,
                                         link_room, link_down};

/* }===== */
/* {===== the node thread: accepts, dials, deadlines, discovery */

/* A new conn over the TLS stream s, linked on the loop. */
static void conn_start(dist_node_t *n, dist_stream_t *s, const char *addr,
                       target_t *t)
{
    conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        s->ops->close(s);
        lun_mutex_lock(&n->mu);
        n->npending--;
        if (t)
            t->conn = NULL;
        lun_mutex_unlock(&n->mu);
        return;
    }
    c->n = n;
    c->s = s;
    c->target = t;
    c->started_ms = dist_now_ms();
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    lun_mutex_lock(&n->mu);
    if (t)
        t->conn = c;
    c->next = n->conns;
    n->conns = c;
    lun_mutex_unlock(&n->mu);
    dist_link_t *l = NULL;
    int rc = dist_loop_add(n->loop, &n->lconf, s, &link_cbs, c, &l);
    lun_mutex_lock(&n->mu);
    if (rc == 0) {
        c->link = l;
    } else {
        c->dead = true; /* never linked (s is closed): reap frees c */
        n->npending--;
        if (t)
            t->conn = NULL;
    }
    lun_mutex_unlock(&n->mu);
}

/* Kernel socket buffers of a link, each way. Everything in them is
 * already in wire order: a small message framed now waits behind all of
 * it. Left to autotuning (up to tcp_rmem's maximum, 32 MiB here) a 64 MB
 * message fills them and a ping waits as long as the whole transfer;
 * at 512 KiB (the kernel doubles it) it waits a few milliseconds, and a
 * link still moves 512 KiB per round trip: ~1 GB/s at 1 ms. */
#define LINK_SOCK_BUF (512 * 1024)

static void link_sock_buffers(int fd)
{
    int size = LINK_SOCK_BUF;
    /* best effort: a failure leaves the kernel's sizes */
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

static void accept_all(dist_node_t *n)
{
    for (;;) {
        int fd;
        net_addr_t peer;
        char addr[ADDR_MAX];
        if (net_accept_pause_ms() || net_tcp_accept(n->lfd, &fd, &peer) != 0)
            return;
        addr_format(&peer, addr, sizeof addr);
        lun_mutex_lock(&n->mu);
        bool full = n->npending >= n->c.max_pending;
        bool say = full && !n->full_logged;
        n->full_logged = full;
        if (!full)
            n->npending++;
        lun_mutex_unlock(&n->mu);
        dist_stream_t *s;
        if (full) {
            /* A flood would make a line per connection: one per episode. */
            net_close(fd);
            if (say)
                logf_(n, "lunatic node: refused %s: %u handshakes pending "
                      "(more are refused silently)", addr, n->c.max_pending);
        } else if (link_sock_buffers(fd),
                   dist_stream_tls(n->srv, fd, NULL, false, &s) == 0) {
            conn_start(n, s, addr, NULL);
        } else {
            lun_mutex_lock(&n->mu);
            n->npending--;
            lun_mutex_unlock(&n->mu);
        }
    }
}

/* Dial t (marked as dialing by the caller). Name resolution blocks this
 * thread, never the dist thread. */
static void dial(dist_node_t *n, target_t *t, const char *addr,
                 const char *name)
{
    char host[ADDR_MAX];
    uint16_t port;
    net_addr_t *as = NULL;
    size_t na = 0;
    int fd = -1, rc = LUN_EINVAL;
    if (addr_split(addr, host, sizeof host, &port) &&
        net_dns_lookup(host, port, &as, &na) == 0 && na > 0)
        rc = net_tcp_connect(&as[0], &fd);
    free(as);
    if (rc == 0 || rc == LUN_EAGAIN)
        link_sock_buffers(fd);
    dist_stream_t *s;
    if ((rc == 0 || rc == LUN_EAGAIN) &&
        dist_stream_tls(n->cli, fd, name[0] ? name : NULL, rc == LUN_EAGAIN,
                        &s) == 0) {
        conn_start(n, s, addr, t);
        return;
    }
    lun_mutex_lock(&n->mu);
    n->npending--;
    t->conn = NULL;
    t->next_ms = dist_now_ms() + t->backoff_ms;
    if (t->backoff_ms < REDIAL_MAX_MS)
        t->backoff_ms *= 2;
    lun_mutex_unlock(&n->mu);
}

/* A placeholder while a dial is being set up: the target is taken. */
static conn_t dialing;

static bool target_wanted(dist_node_t *n, const target_t *t, uint64_t now)
{
    return !t->conn && !t->self && now >= t->next_ms &&
           !(t->name[0] && member_by_name(n, t->name)) &&
           n->npending < n->c.max_pending;
}

static void dial_due(dist_node_t *n)
{
    for (;;) {
        char addr[ADDR_MAX], name[NAME_CAP];
        target_t *due = NULL;
        uint64_t now = dist_now_ms();
        lun_mutex_lock(&n->mu);
        for (target_t *t = n->targets; t && !due; t = t->next)
            if (target_wanted(n, t, now))
                due = t;
        if (due) {
            due->conn = &dialing;
            n->npending++;
            snprintf(addr, sizeof addr, "%s", due->addr);
            snprintf(name, sizeof name, "%s", due->name);
        }
        lun_mutex_unlock(&n->mu);
        if (!due)
            return;
        dial(n, due, addr, name);
    }
}

static void close_late(dist_link_t *l, void *arg)
{
    dist_link_close(l, arg);
}

/* Close links whose handshake is late, drop the dead ones. */
static void reap(dist_node_t *n)
{
    uint64_t now = dist_now_ms();
    conn_t *dead = NULL, *late[64];
    size_t nlate = 0;
    lun_mutex_lock(&n->mu);
    for (conn_t **pp = &n->conns; *pp;) {
        conn_t *c = *pp;
        if (c->dead) {
            *pp = c->next;
            c->next = dead;
            dead = c;
            continue;
        }
        if (c->link && !c->up && now - c->started_ms > n->c.handshake_ms &&
            nlate < 64)
            late[nlate++] = c;
        pp = &c->next;
    }
    uint64_t gone[64];
    size_t ngone = 0;
    for (member_t **pp = &n->members; *pp && ngone < 64;) {
        member_t *m = *pp;
        if (!m->conn && now >= m->orphan_ms) {
            *pp = m->next;
            gone[ngone++] = m->id;
            gone_add(n, m->id);
            free(m);
            continue;
        }
        pp = &m->next;
    }
    lun_mutex_unlock(&n->mu);
    static const char never[] = "the link chosen by a tie-break never came up";
    for (size_t i = 0; i < ngone; i++) {
        logf_(n, "lunatic node: member %016llx down: %s",
              (unsigned long long)gone[i], never);
        if (n->c.on_down)
            n->c.on_down(n->c.ud, gone[i], never);
    }
    char why[64];
    snprintf(why, sizeof why, "no handshake within %u ms", n->c.handshake_ms);
    for (size_t i = 0; i < nlate; i++)
        dist_loop_with(n->loop, late[i]->link, close_late, why);
    while (dead) {
        conn_t *c = dead;
        dead = c->next;
        if (c->link)
            dist_loop_drop(n->loop, c->link);
        free(c);
    }
}

static void discover(dist_node_t *n)
{
    char host[ADDR_MAX], addr[ADDR_MAX];
    uint16_t port;
    net_addr_t *as = NULL;
    size_t na = 0;
    uint64_t now = dist_now_ms();
    if (!n->c.discover || now < n->next_discover)
        return;
    n->next_discover = now + n->c.discover_ms;
    if (!addr_split(n->c.discover, host, sizeof host, &port) ||
        net_dns_lookup(host, port, &as, &na) != 0)
        return;
    lun_mutex_lock(&n->mu);
    for (size_t i = 0; i < na; i++) {
        addr_format(&as[i], addr, sizeof addr);
        target_add(n, addr, NULL);
    }
    lun_mutex_unlock(&n->mu);
    free(as);
}

static void *node_thread(void *arg)
{
    dist_node_t *n = arg;
    for (;;) {
        lun_mutex_lock(&n->mu);
        bool stop = n->stop;
        lun_mutex_unlock(&n->mu);
        if (stop)
            break;
        struct pollfd p = {.fd = n->lfd, .events = POLLIN};
        uint64_t pause = net_accept_pause_ms();
        if (poll(&p, 1, pause ? (int)pause : NODE_WAIT_MS) > 0)
            accept_all(n);
        discover(n);
        dial_due(n);
        reap(n);
    }
    return NULL;
}

/* }===== */
/* {===== start, stop, queries */

static int listen_on(dist_node_t *n, const char *listen, char *err,
                     size_t errlen)
{
    char host[ADDR_MAX];
    uint16_t port;
    net_addr_t *as = NULL, bound;
    size_t na = 0;
    if (!listen || !addr_split(listen, host, sizeof host, &port)) {
        snprintf(err, errlen, "listen address '%s' is not HOST:PORT",
                 listen ? listen : "");
        return LUN_EINVAL;
    }
    int rc = net_dns_lookup(host, port, &as, &na);
    if (rc == 0 && na == 0)
        rc = LUN_ENOTFOUND;
    if (rc == 0)
        rc = net_tcp_listen(&as[0], &n->lfd);
    free(as);
    if (rc == 0 && (rc = net_local_addr(n->lfd, &bound)) != 0)
        net_close(n->lfd);
    if (rc != 0) {
        n->lfd = -1;
        snprintf(err, errlen, "cannot listen on %s: %s", listen,
                 lun_strerror(rc));
        return rc;
    }
    n->port = bound.port;
    snprintf(n->listen, sizeof n->listen,
             strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, n->port);
    return 0;
}

static int conf_copy(dist_node_t *n, const dist_node_conf_t *c, char *err,
                     size_t errlen)
{
    n->c = *c;
    if (!c->name || strlen(c->name) >= sizeof n->name ||
        c->ntags > DIST_TAGS_MAX) {
        snprintf(err, errlen, "bad node name or too many tags");
        return LUN_EINVAL;
    }
    snprintf(n->name, sizeof n->name, "%s", c->name);
    n->c.name = n->name;
    n->c.discover = NULL; /* copied below */
    n->c.handshake_ms = c->handshake_ms ? c->handshake_ms : 5000;
    n->c.max_pending = c->max_pending ? c->max_pending : 128;
    n->c.discover_ms = c->discover_ms ? c->discover_ms : 5000;
    for (size_t i = 0; i < c->ntags; i++)
        n->tagv[i] = c->tags[i]; /* dist_link_new copies them */
    n->lconf = (dist_link_conf_t){.name = n->name, .incarnation = n->self,
                                  .tags = n->tagv, .ntags = (unsigned)c->ntags,
                                  .tick_ms = c->tick_ms,
                                  .dead_ticks = c->dead_ticks};
    return 0;
}

int dist_node_start(const dist_node_conf_t *c, dist_node_t **out, char *err,
                    size_t errlen)
{
    dist_node_t *n = calloc(1, sizeof *n);
    *out = NULL;
    if (!n)
        return LUN_ENOMEM;
    n->lfd = -1;
    n->self = dist_incarnation_new();
    lun_mutex_init(&n->mu);
    int rc = conf_copy(n, c, err, errlen);
    if (rc == 0)
        rc = net_tls_node_conf(true, c->ca, c->ca_len, c->cert, c->cert_len,
                               c->key, c->key_len, &n->srv, err, errlen);
    if (rc == 0)
        rc = net_tls_node_conf(false, c->ca, c->ca_len, c->cert, c->cert_len,
                               c->key, c->key_len, &n->cli, err, errlen);
    if (rc == 0)
        rc = listen_on(n, c->listen, err, errlen);
    for (size_t i = 0; rc == 0 && i < c->npeers; i++)
        if (!target_add(n, c->peers[i], NULL))
            rc = LUN_ENOMEM;
    if (rc == 0 && c->discover && !(n->c.discover = strdup(c->discover)))
        rc = LUN_ENOMEM;
    if (rc == 0 && (rc = dist_loop_start(&n->loop)) != 0)
        snprintf(err, errlen, "cannot start the dist thread: %s",
                 lun_strerror(rc));
    if (rc == 0) {
        int e = pthread_create(&n->thread, NULL, node_thread, n);
        if (e != 0) {
            rc = LUN_ERR_ERRNO(e);
            snprintf(err, errlen, "cannot start the node thread");
            dist_loop_free(n->loop);
            n->loop = NULL;
        }
    }
    if (rc != 0) {
        n->loop = NULL;
        dist_node_stop(n);
        return rc;
    }
    *out = n;
    return 0;
}

void dist_node_stop(dist_node_t *n)
{
    if (!n)
        return;
    if (n->loop) {
        lun_mutex_lock(&n->mu);
        n->stop = true;
        lun_mutex_unlock(&n->mu);
        pthread_join(n->thread, NULL);
        dist_loop_free(n->loop); /* frees every link, no callbacks */
    }
    while (n->conns) {
        conn_t *c = n->conns;
        n->conns = c->next;
        free(c); /* its link, if any, went with the loop */
    }
    while (n->members) {
        member_t *m = n->members;
        n->members = m->next;
        free(m);
    }
    while (n->targets) {
        target_t *t = n->targets;
        n->targets = t->next;
        free(t);
    }
    if (n->lfd >= 0)
        net_close(n->lfd);
    net_tls_conf_unref(n->srv);
    net_tls_conf_unref(n->cli);
    free((char *)n->c.discover);
    lun_mutex_destroy(&n->mu);
    free(n);
}

uint64_t dist_node_self(dist_node_t *n) { return n->self; }

uint16_t dist_node_port(dist_node_t *n) { return n->port; }

size_t dist_node_members(dist_node_t *n, uint64_t *ids,
                         char (*names)[DIST_NODE_NAME_MAX + 1], size_t max)
{
    size_t count = 0;
    lun_mutex_lock(&n->mu);
    if (max > 0) {
        ids[0] = n->self;
        if (names)
            snprintf(names[0], NAME_CAP, "%s", n->name);
    }
    count = 1;
    for (member_t *m = n->members; m; m = m->next, count++)
        if (count < max) {
            ids[count] = m->id;
            if (names)
                snprintf(names[count], NAME_CAP, "%s", m->name);
        }
    lun_mutex_unlock(&n->mu);
    return count;
}

uint8_t *dist_node_take_message(dist_node_t *n, const uint8_t *data)
{
    return n->delivering ? dist_link_take_message(n->delivering, data) : NULL;
}

size_t dist_node_peers(dist_node_t *n, dist_peer_info_t *out, size_t max)
{
    size_t count = 0;
    lun_mutex_lock(&n->mu); /* a link in n->conns is not freed meanwhile */
    for (member_t *m = n->members; m; m = m->next, count++) {
        if (count >= max)
            continue;
        dist_peer_info_t *p = &out[count];
        memset(p, 0, sizeof *p);
        p->id = m->id;
        snprintf(p->name, sizeof p->name, "%s", m->name);
        if (m->conn && m->conn->link && !m->conn->dead) {
            p->link_up = m->conn->up;
            dist_link_stats(m->conn->link, &p->traffic);
        }
    }
    lun_mutex_unlock(&n->mu);
    return count;
}

size_t dist_node_links(dist_node_t *n)
{
    size_t count = 0;
    lun_mutex_lock(&n->mu);
    for (conn_t *c = n->conns; c; c = c->next)
        count += c->up && !c->dead;
    lun_mutex_unlock(&n->mu);
    return count;
}

int dist_node_tag(dist_node_t *n, uint64_t node, const char *key, char *out,
                  size_t len)
{
    int rc = LUN_ENOTFOUND;
    size_t klen = strlen(key);
    lun_mutex_lock(&n->mu);
    member_t *m = member_by_id(n, node);
    for (unsigned i = 0; m && i < m->ntags && rc == LUN_ENOTFOUND; i++)
        if (!strncmp(m->tags[i], key, klen) && m->tags[i][klen] == '=') {
            const char *v = m->tags[i] + klen + 1;
            rc = strlen(v) < len ? 0 : LUN_ELIMIT;
            if (rc == 0)
                memcpy(out, v, strlen(v) + 1);
        }
    lun_mutex_unlock(&n->mu);
    return rc;
}

typedef struct pick_arg {
    dist_node_t *n;
    uint64_t node;
    bool waiting; /* the member waits for the link a tie-break kept */
} pick_arg_t;

/* Called with the loop's lock held: the member's link stays alive. */
static dist_link_t *pick_member(void *arg)
{
    pick_arg_t *a = arg;
    dist_link_t *l = NULL;
    lun_mutex_lock(&a->n->mu);
    member_t *m = member_by_id(a->n, a->node);
    if (m && m->conn)
        l = m->conn->link;
    a->waiting = m && !m->conn;
    lun_mutex_unlock(&a->n->mu);
    return l;
}

void dist_node_call(dist_node_t *n, void (*fn)(void *arg), void *arg)
{
    dist_loop_call(n->loop, fn, arg);
}

int dist_node_send(dist_node_t *n, uint64_t node, uint64_t sender,
                   uint64_t receiver, int64_t tag, const void *data,
                   size_t len)
{
    pick_arg_t a = {n, node, false};
    int rc = dist_loop_send_via(n->loop, pick_member, &a, sender, receiver,
                                tag, data, len);
    if (rc == LUN_ENOTFOUND && a.waiting)
        return LUN_EAGAIN; /* on_room when the kept link comes */
    return rc == LUN_EIO ? LUN_ENOTFOUND : rc;
}

int dist_node_send_frame(dist_node_t *n, uint64_t node, unsigned type,
                         const void *payload, size_t len)
{
    if (type < DIST_SPAWN || !dist_frame_type_known(type))
        return LUN_EINVAL;
    pick_arg_t a = {n, node, false};
    int rc = dist_loop_send_frame_via(n->loop, pick_member, &a, type, payload,
                                      len);
    if (rc == LUN_ENOTFOUND && a.waiting)
        return LUN_ELIMIT; /* retry: the kept link is on its way */
    return rc == LUN_EIO ? LUN_ENOTFOUND : rc;
}

/* }===== */
