/* test_grace.c: a member whose link the peer closed as a duplicate (the
 * tie-break's loser) waits up to 5 s for the link the tie-break kept
 * (dist/node.c). Meanwhile a send to it is refused as full, not as "no
 * such member", and room comes when the kept link is up: a sender waits
 * instead of failing. The peer is driven by hand here (a dist_link over
 * a mutual-TLS stream), so the duplicate close is not left to a race. */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist/link.h"
#include "dist/node.h"
#include "dist_pair.h"
#include "net/cert.h"

TestSuite(dist_grace, .timeout = 60);

#define DAY 86400

static char err[1024];

typedef struct obs {
    pthread_mutex_t mu;
    uint64_t room, down;
    int nup;
} obs_t;

static void on_up(void *ud, uint64_t id, const char *name)
{
    obs_t *o = ud;
    (void)id, (void)name;
    pthread_mutex_lock(&o->mu);
    o->nup++;
    pthread_mutex_unlock(&o->mu);
}

static void on_down(void *ud, uint64_t id, const char *reason)
{
    obs_t *o = ud;
    (void)reason;
    pthread_mutex_lock(&o->mu);
    o->down = id;
    pthread_mutex_unlock(&o->mu);
}

static void on_room(void *ud, uint64_t id)
{
    obs_t *o = ud;
    pthread_mutex_lock(&o->mu);
    o->room = id;
    pthread_mutex_unlock(&o->mu);
}

static void quiet(void *ud, const char *line)
{
    (void)ud, (void)line;
}

/* The hand-driven peer: what its link received. */
typedef struct peer {
    dist_link_t *l;
    int nmsg;
    int64_t tag;
} peer_t;

static void peer_message(dist_link_t *l, uint64_t sender, uint64_t receiver,
                         int64_t tag, const uint8_t *data, size_t len,
                         void *ud)
{
    peer_t *p = ud;
    (void)l, (void)sender, (void)receiver, (void)data, (void)len;
    p->nmsg++;
    p->tag = tag;
}

static const dist_link_cbs_t peer_cbs = {.message = peer_message};

/* Dial node n as "p" with incarnation id. */
static void peer_dial(peer_t *p, net_tls_conf_t *conf, uint16_t port,
                      uint64_t id)
{
    net_addr_t to = {.family = 4, .ip = {127, 0, 0, 1}, .port = port};
    dist_stream_t *s;
    int fd, rc = net_tcp_connect(&to, &fd);
    CHECK(rc == 0 || rc == LUN_EAGAIN);
    CHECK(dist_stream_tls(conf, fd, "x", rc == LUN_EAGAIN, &s) == 0);
    dist_link_conf_t lc = {.name = "p", .incarnation = id, .tick_ms = 100};
    memset(p, 0, sizeof *p);
    CHECK(dist_link_new(&lc, s, &peer_cbs, p, now_ms(), &p->l) == 0);
}

/* Drive the peer's link for up to ms, or until done(arg). */
static bool drive(peer_t *p, unsigned ms, bool (*done)(void *), void *arg)
{
    uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        dist_link_io(p->l, NET_READABLE | NET_WRITABLE, now_ms());
        dist_link_tick(p->l, now_ms());
        if (done(arg))
            return true;
        sleep_ms(1);
    }
    return false;
}

typedef struct member_arg {
    dist_node_t *n;
    uint64_t id;
} member_arg_t;

static bool is_member(void *arg)
{
    member_arg_t *a = arg;
    uint64_t ids[4];
    size_t k = dist_node_members(a->n, ids, NULL, 4);
    for (size_t i = 0; i < k && i < 4; i++)
        if (ids[i] == a->id)
            return true;
    return false;
}

static bool got_message(void *arg)
{
    return ((peer_t *)arg)->nmsg > 0;
}

Test(dist_grace, a_send_in_a_ties_grace_waits_for_the_kept_link)
{
    time_t now = time(NULL);
    net_cert_pem_t ca, x, p;
    CHECK(net_cert_make_ca(NULL, now - 60, now + DAY, &ca, err,
                           sizeof err) == 0);
    CHECK(net_cert_make_node(&ca, "x", now - 60, now + DAY, &x, err,
                             sizeof err) == 0);
    CHECK(net_cert_make_node(&ca, "p", now - 60, now + DAY, &p, err,
                             sizeof err) == 0);
    obs_t o = {0};
    pthread_mutex_init(&o.mu, NULL);
    dist_node_conf_t c = {
        .name = "x", .listen = "127.0.0.1:0",
        .ca = (const uint8_t *)ca.cert, .ca_len = strlen(ca.cert),
        .cert = (const uint8_t *)x.cert, .cert_len = strlen(x.cert),
        .key = (const uint8_t *)x.key, .key_len = strlen(x.key),
        .tick_ms = 100, .on_up = on_up, .on_down = on_down,
        .on_room = on_room, .log = quiet, .ud = &o};
    dist_node_t *n;
    CHECK(dist_node_start(&c, &n, err, sizeof err) == 0);
    net_tls_conf_t *conf;
    CHECK(net_tls_node_conf(false, (const uint8_t *)ca.cert, strlen(ca.cert),
                            (const uint8_t *)p.cert, strlen(p.cert),
                            (const uint8_t *)p.key, strlen(p.key), &conf, err,
                            sizeof err) == 0);
    uint64_t id = dist_incarnation_new();
    member_arg_t m = {n, id};
    peer_t first, kept;

    peer_dial(&first, conf, dist_node_port(n), id);
    CHECK(drive(&first, 10000, is_member, &m));
    /* the tie-break's loser: closed by the peer as a duplicate */
    dist_link_close(first.l, "duplicate link");
    int rc = 0;
    for (int i = 0; i < 5000 && rc == 0; i++) {
        rc = dist_node_send(n, id, 1, 2, 3, "x", 1);
        sleep_ms(1);
    }
    cr_expect_eq(rc, LUN_EAGAIN, "a send in the grace: %d", rc);
    CHECK(is_member(&m)); /* still a member, not down */
    CHECK(dist_node_send_frame(n, id, DIST_SPAWN, "x", 1) == LUN_ELIMIT);

    peer_dial(&kept, conf, dist_node_port(n), id);
    uint64_t room = 0;
    for (int i = 0; i < 10000 && room != id; i++) {
        dist_link_io(kept.l, NET_READABLE | NET_WRITABLE, now_ms());
        pthread_mutex_lock(&o.mu);
        room = o.room;
        pthread_mutex_unlock(&o.mu);
        sleep_ms(1);
    }
    cr_expect(room == id, "no room when the kept link came up");
    CHECK(dist_node_send(n, id, 1, 2, 44, "x", 1) == 0);
    CHECK(drive(&kept, 10000, got_message, &kept));
    cr_expect_eq(kept.tag, 44);
    pthread_mutex_lock(&o.mu);
    cr_expect(o.down == 0 && o.nup == 1, "down %llx, %d up",
              (unsigned long long)o.down, o.nup);
    pthread_mutex_unlock(&o.mu);

    dist_link_free(first.l);
    dist_link_free(kept.l);
    dist_node_stop(n);
    net_tls_conf_unref(conf);
    pthread_mutex_destroy(&o.mu);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&x);
    net_cert_pem_free(&p);
}
