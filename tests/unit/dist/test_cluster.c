/* test_cluster.c: what dist/cluster.c puts on the wire for links and
 * monitors across nodes and for a spawn with the spawner's config. A
 * cluster X (no runtime attached: its sched_node_t callbacks are called
 * directly, as the runtime's workers would) and a bare node Y that
 * records every frame and message it receives, over mutual TLS on
 * 127.0.0.1. The way in (frames to the runtime's entry points) is
 * covered by make nodes-links-e2e. */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist/cluster.h"
#include "dist_pair.h"
#include "net/cert.h"

TestSuite(dist_cluster, .timeout = 60);

#define DAY 86400
#define BIG (300u << 10) /* chunked: five frames */

static char err[1024];

static net_cert_pem_t make_ca(void)
{
    net_cert_pem_t ca;
    time_t now = time(NULL);
    CHECK(net_cert_make_ca(NULL, now - 60, now + DAY, &ca, err,
                           sizeof err) == 0);
    return ca;
}

static net_cert_pem_t make_node(const net_cert_pem_t *ca, const char *name)
{
    net_cert_pem_t n;
    time_t now = time(NULL);
    int rc = net_cert_make_node(ca, name, now - 60, now + DAY, &n, err,
                                sizeof err);
    cr_assert_eq(rc, 0, "make node %s: %s", name, err);
    return n;
}

/* What Y received, in order: frames and messages alike. */
typedef struct got {
    bool frame; /* else a message */
    unsigned type;
    uint64_t sender, receiver;
    int64_t tag;
    size_t len;
    uint8_t head[64]; /* the first bytes of the payload or body */
} got_t;

typedef struct obs {
    pthread_mutex_t mu;
    got_t got[32];
    size_t n;
} obs_t;

static void record(obs_t *o, got_t g, const uint8_t *p, size_t len)
{
    g.len = len;
    memcpy(g.head, p, len < sizeof g.head ? len : sizeof g.head);
    pthread_mutex_lock(&o->mu);
    if (o->n < 32)
        o->got[o->n++] = g;
    pthread_mutex_unlock(&o->mu);
}

static void on_message(void *ud, uint64_t from, uint64_t sender,
                       uint64_t receiver, int64_t tag, const uint8_t *data,
                       size_t len)
{
    (void)from;
    record(ud, (got_t){.sender = sender, .receiver = receiver, .tag = tag},
           data, len);
}

static void on_frame(void *ud, uint64_t from, unsigned type,
                     const uint8_t *payload, size_t len)
{
    (void)from;
    if (type != DIST_MEMBERS)
        record(ud, (got_t){.frame = true, .type = type}, payload, len);
}

static void quiet(void *ud, const char *line)
{
    (void)ud, (void)line;
}

static dist_node_conf_t conf(const char *name, const net_cert_pem_t *ca,
                             const net_cert_pem_t *cert, const char **peer,
                             obs_t *o)
{
    return (dist_node_conf_t){
        .name = name, .listen = "127.0.0.1:0", .peers = peer,
        .npeers = peer ? 1 : 0,
        .ca = (const uint8_t *)ca->cert, .ca_len = strlen(ca->cert),
        .cert = (const uint8_t *)cert->cert, .cert_len = strlen(cert->cert),
        .key = (const uint8_t *)cert->key, .key_len = strlen(cert->key),
        .tick_ms = 100, .on_message = on_message, .on_frame = on_frame,
        .log = quiet, .ud = o};
}

/* Wait up to 10 s for Y to have received n things. */
static bool wait_got(obs_t *o, size_t n)
{
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&o->mu);
        size_t have = o->n;
        pthread_mutex_unlock(&o->mu);
        if (have >= n)
            return true;
        sleep_ms(1);
    }
    return false;
}

typedef struct pair {
    net_cert_pem_t ca, x, y;
    obs_t ox, oy;
    dist_cluster_t *cx;
    dist_node_t *y_node;
    const sched_node_t *s; /* X's callbacks */
    uint64_t y_id;
} pair_t;

static void pair_start(pair_t *p)
{
    char addr[32];
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->oy.mu, NULL);
    p->ca = make_ca();
    p->x = make_node(&p->ca, "x");
    p->y = make_node(&p->ca, "y");
    dist_node_conf_t cx = conf("x", &p->ca, &p->x, NULL, &p->ox);
    CHECK(dist_cluster_start(&cx, &p->cx, err, sizeof err) == 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%u",
             dist_node_port(dist_cluster_node(p->cx)));
    const char *peer = addr;
    dist_node_conf_t cy = conf("y", &p->ca, &p->y, &peer, &p->oy);
    CHECK(dist_node_start(&cy, &p->y_node, err, sizeof err) == 0);
    p->s = dist_cluster_sched(p->cx);
    p->y_id = dist_node_self(p->y_node);
    for (int i = 0; i < 10000; i++) {
        uint64_t ids[4];
        if (dist_node_members(dist_cluster_node(p->cx), ids, NULL, 4) == 2)
            break;
        sleep_ms(1);
    }
}

static void pair_stop(pair_t *p)
{
    dist_node_stop(p->y_node);
    dist_cluster_stop(p->cx);
    pthread_mutex_destroy(&p->oy.mu);
    net_cert_pem_free(&p->ca);
    net_cert_pem_free(&p->x);
    net_cert_pem_free(&p->y);
}

Test(dist_cluster, signals_go_as_frames_or_behind_the_dead_processs_messages)
{
    pair_t p;
    pair_start(&p);
    const sched_node_t *s = p.s;
    static uint8_t big[BIG];
    memset(big, 7, sizeof big);
    CHECK(s->signal(s->ud, p.y_id, SCHED_NODE_LINK, 5, 9, 42, 0) == 0);
    /* pid 5's last message to 9, large, then its death */
    CHECK(s->send(s->ud, p.y_id, 5, 9, 1, big, sizeof big) == 0);
    CHECK(s->signal(s->ud, p.y_id, SCHED_NODE_EXIT, 5, 9, 42, 1) == 0);
    CHECK(s->signal(s->ud, p.y_id, SCHED_NODE_DOWN, 5, 11, 0, 0) == 0);
    CHECK(s->signal(s->ud, p.y_id, SCHED_NODE_DEMONITOR, 6, 12, 0, 0) == 0);
    /* no such node: refused at once */
    CHECK(s->signal(s->ud, 12345, SCHED_NODE_LINK, 5, 9, 1, 0) == 2);
    CHECK(s->signal(s->ud, s->node_id, SCHED_NODE_LINK, 5, 9, 1, 0) == 2);
    CHECK(wait_got(&p.oy, 5));
    got_t *g = p.oy.got;
    size_t link = 99, msg = 99, exit_ = 99, down = 99, demon = 99;
    for (size_t i = 0; i < p.oy.n; i++) {
        if (g[i].frame && g[i].type == DIST_LINK)
            link = i;
        else if (g[i].frame && g[i].type == DIST_DEMONITOR)
            demon = i;
        else if (!g[i].frame && g[i].sender == 5)
            msg = i;
        else if (!g[i].frame && g[i].receiver == 9)
            exit_ = i;
        else if (!g[i].frame && g[i].receiver == 11)
            down = i;
    }
    cr_assert(link < 99 && msg < 99 && exit_ < 99 && down < 99 && demon < 99,
              "link %zu msg %zu exit %zu down %zu demonitor %zu", link, msg,
              exit_, down, demon);
    /* LINK: u64 from, u64 to, i64 tag */
    CHECK(g[link].len == 24 && vm_load_le64(g[link].head) == 5 &&
          vm_load_le64(g[link].head + 8) == 9 &&
          vm_load_le64(g[link].head + 16) == 42);
    CHECK(g[demon].len == 24 && vm_load_le64(g[demon].head) == 6);
    CHECK(g[msg].len == BIG);
    /* EXIT: a message from 5 | DIST_PID_SIGNAL, after 5's last one */
    CHECK(g[exit_].sender == (5 | DIST_PID_SIGNAL) && g[exit_].tag == 42 &&
          g[exit_].len == 2 && g[exit_].head[0] == DIST_EXIT &&
          g[exit_].head[1] == 1);
    cr_expect(exit_ > msg, "the exit (%zu) overtook the message (%zu)", exit_,
              msg);
    CHECK(g[down].sender == (5 | DIST_PID_SIGNAL) && g[down].len == 2 &&
          g[down].head[0] == DIST_DOWN && g[down].head[1] == 0);
    pair_stop(&p);
}

Test(dist_cluster, a_spawn_carries_the_spawners_config_when_given)
{
    pair_t p;
    pair_start(&p);
    const sched_node_t *s = p.s;
    sched_hash_t h = {1, 2};
    sched_spawn_config_t cfg = {131072, 50, true, false, true};
    CHECK(s->spawn(s->ud, p.y_id, 7, h, "f", 1, NULL, 0, &cfg) == 0);
    CHECK(s->spawn(s->ud, p.y_id, 8, h, "f", 1, NULL, 0, NULL) == 0);
    CHECK(wait_got(&p.oy, 2));
    got_t *g = p.oy.got;
    CHECK(g[0].frame && g[0].type == DIST_SPAWN && g[0].len == 31 + 17);
    CHECK(vm_load_le64(g[0].head) == 7);
    const uint8_t *c = g[0].head + 31;
    CHECK(vm_load_le64(c) == 131072 && vm_load_le64(c + 8) == 50 &&
          c[16] == (1 | 4));
    CHECK(g[1].frame && g[1].type == DIST_SPAWN && g[1].len == 31);
    pair_stop(&p);
}
