/* test_node.c: cluster nodes (dist/node.c) over mutual TLS on 127.0.0.1:
 * the full mesh from one join, messages, ties, members going down and
 * coming back as new ones, refused certificates, and hostile clients.
 * Certificates are made here with net/cert.h. */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist/node.h"
#include "dist_pair.h"
#include "net/cert.h"

TestSuite(dist_node, .timeout = 120);

#define DAY 86400
/* 100 ms declared live nodes dead on a loaded machine, and a member
 * declared dead stays out (dist/node.c) */
#define TICK_MS 200u
#define DEAD_TICKS 3u

static char err[1024];

/* {===== certificates */

static net_cert_pem_t make_ca(void)
{
    net_cert_pem_t ca;
    time_t now = time(NULL);
    CHECK(net_cert_make_ca(NULL, now - 60, now + DAY, &ca, err,
                           sizeof err) == 0);
    return ca;
}

static net_cert_pem_t make_node(const net_cert_pem_t *ca, const char *name,
                                long from, long to)
{
    net_cert_pem_t n;
    time_t now = time(NULL);
    int rc = net_cert_make_node(ca, name, now + from, now + to, &n, err,
                                sizeof err);
    cr_assert_eq(rc, 0, "make node %s: %s", name, err);
    return n;
}

/* }===== */
/* {===== what a node saw */

typedef struct obs {
    pthread_mutex_t mu;
    uint64_t up[32], down[32];
    size_t nup, ndown;
    uint64_t down_at[32];
    size_t nmsg;
    uint64_t from, sender, receiver;
    int64_t tag;
    uint8_t data[64];
    size_t len;
    size_t nframe; /* on_frame: how many, and the last one */
    uint64_t frame_from;
    unsigned frame_type;
    uint8_t frame[64];
    size_t frame_len;
    char log[16384];
} obs_t;

static void obs_init(obs_t *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
}

static void on_up(void *ud, uint64_t id, const char *name)
{
    obs_t *o = ud;
    (void)name;
    pthread_mutex_lock(&o->mu);
    if (o->nup < 32)
        o->up[o->nup++] = id;
    pthread_mutex_unlock(&o->mu);
}

static void on_down(void *ud, uint64_t id, const char *reason)
{
    obs_t *o = ud;
    (void)reason;
    pthread_mutex_lock(&o->mu);
    if (o->ndown < 32) {
        o->down_at[o->ndown] = now_ms();
        o->down[o->ndown++] = id;
    }
    pthread_mutex_unlock(&o->mu);
}

static void on_message(void *ud, uint64_t from, uint64_t sender,
                       uint64_t receiver, int64_t tag, const uint8_t *data,
                       size_t len)
{
    obs_t *o = ud;
    pthread_mutex_lock(&o->mu);
    o->nmsg++;
    o->from = from;
    o->sender = sender;
    o->receiver = receiver;
    o->tag = tag;
    o->len = len < sizeof o->data ? len : sizeof o->data;
    memcpy(o->data, data, o->len);
    pthread_mutex_unlock(&o->mu);
}

static void on_frame(void *ud, uint64_t from, unsigned type,
                     const uint8_t *payload, size_t len)
{
    obs_t *o = ud;
    pthread_mutex_lock(&o->mu);
    o->nframe++;
    o->frame_from = from;
    o->frame_type = type;
    o->frame_len = len < sizeof o->frame ? len : sizeof o->frame;
    memcpy(o->frame, payload, o->frame_len);
    pthread_mutex_unlock(&o->mu);
}

static void on_log(void *ud, const char *line)
{
    obs_t *o = ud;
    pthread_mutex_lock(&o->mu);
    size_t n = strlen(o->log);
    snprintf(o->log + n, sizeof o->log - n, "%s\n", line);
    pthread_mutex_unlock(&o->mu);
}

static bool saw_down(obs_t *o, uint64_t id, uint64_t *at)
{
    bool seen = false;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->ndown; i++)
        if (o->down[i] == id) {
            seen = true;
            *at = o->down_at[i];
        }
    pthread_mutex_unlock(&o->mu);
    return seen;
}

static bool saw_up(obs_t *o, uint64_t id)
{
    bool seen = false;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->nup; i++)
        seen |= o->up[i] == id;
    pthread_mutex_unlock(&o->mu);
    return seen;
}

static bool log_has(obs_t *o, const char *what)
{
    pthread_mutex_lock(&o->mu);
    bool has = strstr(o->log, what) != NULL;
    pthread_mutex_unlock(&o->mu);
    return has;
}

static size_t nmsg(obs_t *o)
{
    pthread_mutex_lock(&o->mu);
    size_t n = o->nmsg;
    pthread_mutex_unlock(&o->mu);
    return n;
}

/* }===== */
/* {===== nodes */

static const char *const tags[] = {"role=worker", "zone=test"};
/* max_pending of the nodes started next (0: the default). */
static uint32_t max_pending;

static dist_node_t *start_with(const char *name, const net_cert_pem_t *ca,
                               const net_cert_pem_t *cert, uint16_t port,
                               const char *peer, const char *discover,
                               obs_t *o)
{
    char listen[32];
    const char *peers[1] = {peer};
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    dist_node_conf_t c = {
        .name = name, .listen = listen, .peers = peers, .npeers = peer ? 1 : 0,
        .ca = (const uint8_t *)ca->cert, .ca_len = strlen(ca->cert),
        .cert = (const uint8_t *)cert->cert, .cert_len = strlen(cert->cert),
        .key = (const uint8_t *)cert->key, .key_len = strlen(cert->key),
        .tags = tags, .ntags = 2, .tick_ms = TICK_MS,
        .dead_ticks = DEAD_TICKS, .handshake_ms = 1000,
        .max_pending = max_pending,
        .on_message = on_message, .on_up = on_up, .on_down = on_down,
        .on_frame = on_frame, .log = on_log, .ud = o, .discover = discover, .discover_ms = 200};
    dist_node_t *n;
    int rc = dist_node_start(&c, &n, err, sizeof err);
    cr_assert_eq(rc, 0, "start %s: %s", name, err);
    return n;
}

static dist_node_t *start(const char *name, const net_cert_pem_t *ca,
                          const net_cert_pem_t *cert, uint16_t port,
                          const char *peer, obs_t *o)
{
    return start_with(name, ca, cert, port, peer, NULL, o);
}

static dist_node_t *start_discover(const char *name, const net_cert_pem_t *ca,
                                   const net_cert_pem_t *cert, uint16_t port,
                                   const char *discover, obs_t *o)
{
    return start_with(name, ca, cert, port, NULL, discover, o);
}

static void addr_of(dist_node_t *n, char *out)
{
    sprintf(out, "127.0.0.1:%u", dist_node_port(n));
}

static size_t count(dist_node_t *n)
{
    uint64_t ids[8];
    return dist_node_members(n, ids, NULL, 8);
}

/* Wait up to ms for every node of nodes[0..k) to see `want` members. */
static bool wait_members(dist_node_t **nodes, size_t k, size_t want,
                         unsigned ms)
{
    uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        size_t ok = 0;
        for (size_t i = 0; i < k; i++)
            ok += count(nodes[i]) == want;
        if (ok == k)
            return true;
        sleep_ms(10);
    }
    return false;
}

static bool is_member(dist_node_t *n, uint64_t id)
{
    uint64_t ids[8];
    size_t k = dist_node_members(n, ids, NULL, 8);
    for (size_t i = 0; i < k && i < 8; i++)
        if (ids[i] == id)
            return true;
    return false;
}

typedef struct trio {
    net_cert_pem_t ca, a, b, c;
    obs_t oa, ob, oc;
    dist_node_t *n[3];
    char addr_a[32];
} trio_t;

/* A, then B and C joining through A only. */
static void trio_start(trio_t *t)
{
    t->ca = make_ca();
    t->a = make_node(&t->ca, "a.test", -60, DAY);
    t->b = make_node(&t->ca, "b.test", -60, DAY);
    t->c = make_node(&t->ca, "c.test", -60, DAY);
    obs_init(&t->oa);
    obs_init(&t->ob);
    obs_init(&t->oc);
    t->n[0] = start("a.test", &t->ca, &t->a, 0, NULL, &t->oa);
    addr_of(t->n[0], t->addr_a);
    t->n[1] = start("b.test", &t->ca, &t->b, 0, t->addr_a, &t->ob);
    t->n[2] = start("c.test", &t->ca, &t->c, 0, t->addr_a, &t->oc);
}

static void trio_stop(trio_t *t)
{
    for (int i = 0; i < 3; i++)
        dist_node_stop(t->n[i]);
    net_cert_pem_free(&t->ca);
    net_cert_pem_free(&t->a);
    net_cert_pem_free(&t->b);
    net_cert_pem_free(&t->c);
}

/* }===== */

Test(dist_node, joining_through_one_member_gives_the_full_mesh)
{
    trio_t t;
    trio_start(&t);
    CHECK(wait_members(t.n, 3, 3, 10000));
    /* One link per pair once the mesh is made (ties broken). */
    sleep_ms(300);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(dist_node_links(t.n[i]), 2, "node %d has %zu links", i,
                     dist_node_links(t.n[i]));
    char names[8][DIST_NODE_NAME_MAX + 1];
    uint64_t ids[8];
    CHECK(dist_node_members(t.n[1], ids, names, 8) == 3);
    CHECK(ids[0] == dist_node_self(t.n[1]));
    CHECK(!strcmp(names[0], "b.test"));
    uint64_t a = dist_node_self(t.n[0]), c = dist_node_self(t.n[2]);
    CHECK(a != c && a != 0 && c != 0);
    CHECK(is_member(t.n[1], a) && is_member(t.n[1], c));
    CHECK(saw_up(&t.ob, c) && saw_up(&t.oc, dist_node_self(t.n[1])));

    /* A -> C: the right sender, receiver, tag and bytes. */
    CHECK(dist_node_send(t.n[0], c, 11, 22, -33, "hello C", 7) == 0);
    uint64_t end = now_ms() + 5000;
    while (nmsg(&t.oc) == 0 && now_ms() < end)
        sleep_ms(5);
    pthread_mutex_lock(&t.oc.mu);
    CHECK(t.oc.nmsg == 1);
    CHECK(t.oc.from == a);
    CHECK(t.oc.sender == 11 && t.oc.receiver == 22 && t.oc.tag == -33);
    CHECK(t.oc.len == 7 && !memcmp(t.oc.data, "hello C", 7));
    pthread_mutex_unlock(&t.oc.mu);
    CHECK(nmsg(&t.ob) == 0);

    /* Tags from the HELLO. */
    char v[32];
    CHECK(dist_node_tag(t.n[0], c, "role", v, sizeof v) == 0);
    CHECK(!strcmp(v, "worker"));
    CHECK(dist_node_tag(t.n[0], c, "nope", v, sizeof v) == LUN_ENOTFOUND);
    CHECK(dist_node_send(t.n[0], 12345, 1, 2, 3, "x", 1) == LUN_ENOTFOUND);

    /* A control frame of a reserved type reaches on_frame (MEMBERS, the
     * node's own, never does); the node's own and unknown types are
     * refused at the sender. */
    CHECK(dist_node_send_frame(t.n[0], c, DIST_SPAWN, "spawn!", 6) == 0);
    end = now_ms() + 5000;
    for (;;) {
        pthread_mutex_lock(&t.oc.mu);
        size_t nf = t.oc.nframe;
        pthread_mutex_unlock(&t.oc.mu);
        if (nf > 0 || now_ms() >= end)
            break;
        sleep_ms(5);
    }
    pthread_mutex_lock(&t.oc.mu);
    CHECK(t.oc.nframe == 1 && t.oc.frame_from == a);
    CHECK(t.oc.frame_type == DIST_SPAWN);
    CHECK(t.oc.frame_len == 6 && !memcmp(t.oc.frame, "spawn!", 6));
    pthread_mutex_unlock(&t.oc.mu);
    CHECK(dist_node_send_frame(t.n[0], c, DIST_MEMBERS, "", 0) == LUN_EINVAL);
    CHECK(dist_node_send_frame(t.n[0], c, 99, "", 0) == LUN_EINVAL);
    CHECK(dist_node_send_frame(t.n[0], 12345, DIST_FETCH, "", 0) ==
          LUN_ENOTFOUND);
    trio_stop(&t);
}

/* A port free now (bound, read, closed). */
static uint16_t free_port(void)
{
    net_addr_t a = {.family = 4, .ip = {127, 0, 0, 1}}, bound;
    int fd;
    CHECK(net_tcp_listen(&a, &fd) == 0);
    CHECK(net_local_addr(fd, &bound) == 0);
    net_close(fd);
    return bound.port;
}

Test(dist_node, two_nodes_dialing_each_other_keep_one_link)
{
    net_cert_pem_t ca = make_ca(), x = make_node(&ca, "x.test", -60, DAY),
                   y = make_node(&ca, "y.test", -60, DAY);
    for (int round = 0; round < 3; round++) {
        obs_t ox, oy;
        obs_init(&ox);
        obs_init(&oy);
        uint16_t px = free_port(), py = free_port();
        char ax[32], ay[32];
        sprintf(ax, "127.0.0.1:%u", px);
        sprintf(ay, "127.0.0.1:%u", py);
        dist_node_t *n[2];
        n[0] = start("x.test", &ca, &x, px, ay, &ox);
        n[1] = start("y.test", &ca, &y, py, ax, &oy);
        CHECK(wait_members(n, 2, 2, 10000));
        sleep_ms(500); /* redials and ties settle */
        CHECK(dist_node_links(n[0]) == 1 && dist_node_links(n[1]) == 1);
        CHECK(count(n[0]) == 2 && count(n[1]) == 2);
        /* Each saw the other come up once, and never go down. */
        CHECK(ox.nup == 1 && oy.nup == 1 && ox.ndown == 0 && oy.ndown == 0);
        CHECK(dist_node_send(n[0], dist_node_self(n[1]), 1, 2, 3, "t", 1) ==
              0);
        uint64_t end = now_ms() + 5000;
        while (nmsg(&oy) == 0 && now_ms() < end)
            sleep_ms(5);
        CHECK(nmsg(&oy) == 1);
        dist_node_stop(n[0]);
        dist_node_stop(n[1]);
    }
    net_cert_pem_free(&ca);
    net_cert_pem_free(&x);
    net_cert_pem_free(&y);
}

Test(dist_node, a_stopped_member_is_down_and_a_restarted_one_is_new)
{
    trio_t t;
    trio_start(&t);
    CHECK(wait_members(t.n, 3, 3, 10000));
    uint64_t old_c = dist_node_self(t.n[2]);
    uint16_t port_c = dist_node_port(t.n[2]);
    uint64_t stopped = now_ms(), at;
    dist_node_stop(t.n[2]);
    t.n[2] = NULL;
    uint64_t limit = TICK_MS * (DEAD_TICKS + 1) + 1000;
    while ((!saw_down(&t.oa, old_c, &at) || !saw_down(&t.ob, old_c, &at)) &&
           now_ms() < stopped + 2 * limit)
        sleep_ms(5);
    CHECK(saw_down(&t.oa, old_c, &at) && at - stopped <= limit);
    CHECK(saw_down(&t.ob, old_c, &at) && at - stopped <= limit);
    CHECK(count(t.n[0]) == 2 && count(t.n[1]) == 2);
    CHECK(dist_node_send(t.n[0], old_c, 1, 2, 3, "x", 1) == LUN_ENOTFOUND);

    /* Same name, same port: a new member. */
    obs_init(&t.oc);
    t.n[2] = start("c.test", &t.ca, &t.c, port_c, t.addr_a, &t.oc);
    uint64_t new_c = dist_node_self(t.n[2]);
    CHECK(new_c != old_c);
    CHECK(wait_members(t.n, 3, 3, 10000));
    uint64_t end = now_ms() + 5000;
    while ((!saw_up(&t.oa, new_c) || !saw_up(&t.ob, new_c)) && now_ms() < end)
        sleep_ms(5);
    CHECK(saw_up(&t.oa, new_c) && saw_up(&t.ob, new_c));
    CHECK(!is_member(t.n[0], old_c) && is_member(t.n[0], new_c));
    CHECK(dist_node_send(t.n[1], old_c, 1, 2, 3, "x", 1) == LUN_ENOTFOUND);
    CHECK(dist_node_send(t.n[1], new_c, 1, 2, 3, "x", 1) == 0);
    trio_stop(&t);
}

/* Start a node that must not get in; A's members stay 1. */
static void expect_refused(dist_node_t *a, const net_cert_pem_t *ca,
                           const net_cert_pem_t *cert, const char *name,
                           obs_t *oa, obs_t *oe, obs_t *who,
                           const char *reason)
{
    char addr_a[32], want[160];
    addr_of(a, addr_a);
    obs_init(oe);
    dist_node_t *e = start(name, ca, cert, 0, addr_a, oe);
    snprintf(want, sizeof want, "lunatic node: refused 127.0.0.1:");
    uint64_t end = now_ms() + 5000;
    while (!log_has(who, reason) && now_ms() < end)
        sleep_ms(10);
    cr_assert(log_has(who, want) && log_has(who, reason),
              "no refusal '%s' in: %s", reason, who->log);
    /* A never took it in (a misnamed node may see A for a moment: A's
     * own certificate and HELLO are right). */
    CHECK(count(a) == 1);
    CHECK(oa->nup == 0);
    dist_node_stop(e);
}

Test(dist_node, members_of_another_ca_expired_or_misnamed_are_refused)
{
    net_cert_pem_t ca = make_ca(), other = make_ca();
    net_cert_pem_t a = make_node(&ca, "a.test", -60, DAY);
    net_cert_pem_t foreign = make_node(&other, "e.test", -60, DAY);
    net_cert_pem_t expired = make_node(&ca, "e.test", -2 * DAY, -DAY);
    net_cert_pem_t misnamed = make_node(&ca, "d.test", -60, DAY);
    obs_t oa, oe;
    obs_init(&oa);
    dist_node_t *na = start("a.test", &ca, &a, 0, NULL, &oa);
    /* The dialer checks A's certificate first and refuses A. */
    expect_refused(na, &other, &foreign, "e.test", &oa, &oe, &oe,
                   "certificate not signed by the cluster CA");
    expect_refused(na, &ca, &expired, "e.test", &oa, &oe, &oa,
                   "certificate expired");
    expect_refused(na, &ca, &misnamed, "e.test", &oa, &oe, &oa,
                   "certificate is for node d.test, but it says it is "
                   "e.test");
    dist_node_stop(na);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&other);
    net_cert_pem_free(&a);
    net_cert_pem_free(&foreign);
    net_cert_pem_free(&expired);
    net_cert_pem_free(&misnamed);
}

static int connect_raw(uint16_t port)
{
    net_addr_t to = {.family = 4, .ip = {127, 0, 0, 1}, .port = port};
    int fd;
    int rc = net_tcp_connect(&to, &fd);
    CHECK(rc == 0 || rc == LUN_EAGAIN);
    return fd;
}

/* Closed by the other end: EOF or a reset, within ms. */
static bool closed_within(int fd, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    uint8_t buf[256];
    while (now_ms() < end) {
        int64_t r = net_recv(fd, buf, sizeof buf, false);
        if (r == 0 || (r < 0 && r != LUN_EAGAIN))
            return true;
        if (r == LUN_EAGAIN)
            sleep_ms(10);
    }
    return false;
}

Test(dist_node, garbage_and_half_open_clients_do_not_disturb_a_node)
{
    net_cert_pem_t ca = make_ca(), a = make_node(&ca, "a.test", -60, DAY),
                   b = make_node(&ca, "b.test", -60, DAY);
    obs_t oa, ob;
    obs_init(&oa);
    obs_init(&ob);
    dist_node_t *n[2];
    char addr_a[32];
    n[0] = start("a.test", &ca, &a, 0, NULL, &oa);
    addr_of(n[0], addr_a);
    n[1] = start("b.test", &ca, &b, 0, addr_a, &ob);
    CHECK(wait_members(n, 2, 2, 10000));

    int idle[50], junk = connect_raw(dist_node_port(n[0]));
    for (int i = 0; i < 50; i++)
        idle[i] = connect_raw(dist_node_port(n[0]));
    static const uint8_t garbage[] = "GET / HTTP/1.0\r\n\r\n\x16\x03\x01zzzz";
    sleep_ms(50);
    write_all(junk, garbage, sizeof garbage);
    CHECK(closed_within(junk, 3000));

    /* Meanwhile A and B go on exchanging messages. */
    uint64_t ida = dist_node_self(n[0]), idb = dist_node_self(n[1]);
    for (int i = 0; i < 20; i++) {
        CHECK(dist_node_send(n[0], idb, 1, 2, i, "ab", 2) == 0);
        CHECK(dist_node_send(n[1], ida, 2, 1, i, "ba", 2) == 0);
        sleep_ms(10);
    }
    uint64_t end = now_ms() + 5000;
    while ((nmsg(&oa) < 20 || nmsg(&ob) < 20) && now_ms() < end)
        sleep_ms(5);
    CHECK(nmsg(&oa) == 20 && nmsg(&ob) == 20);

    /* The idle ones are closed by the handshake deadline (1 s here). */
    for (int i = 0; i < 50; i++) {
        CHECK(closed_within(idle[i], 4000));
        net_close(idle[i]);
    }
    net_close(junk);
    CHECK(count(n[0]) == 2 && count(n[1]) == 2);
    CHECK(dist_node_links(n[0]) == 1);
    CHECK(ob.ndown == 0 && oa.ndown == 0);
    dist_node_stop(n[0]);
    dist_node_stop(n[1]);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
}

Test(dist_node, discovery_dials_every_address_and_skips_itself)
{
    net_cert_pem_t ca = make_ca(), a = make_node(&ca, "a.test", -60, DAY),
                   b = make_node(&ca, "b.test", -60, DAY);
    obs_t oa, ob;
    obs_init(&oa);
    obs_init(&ob);
    uint16_t pa = free_port();
    char disc[64];
    /* "localhost" may give ::1 as well: nothing listens there, and that
     * address just keeps failing quietly. A finds itself and stops. */
    snprintf(disc, sizeof disc, "localhost:%u", pa);
    dist_node_t *n[2];
    n[0] = start_discover("a.test", &ca, &a, pa, disc, &oa);
    n[1] = start_discover("b.test", &ca, &b, 0, disc, &ob);
    CHECK(wait_members(n, 2, 2, 10000));
    sleep_ms(3 * 200);
    CHECK(count(n[0]) == 2 && count(n[1]) == 2);
    CHECK(dist_node_links(n[0]) == 1 && dist_node_links(n[1]) == 1);
    CHECK(oa.nup == 1 && ob.nup == 1);
    dist_node_stop(n[0]);
    dist_node_stop(n[1]);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
}

Test(dist_node, a_tls_client_without_a_certificate_is_refused)
{
    net_cert_pem_t ca = make_ca(), a = make_node(&ca, "a.test", -60, DAY);
    obs_t oa;
    obs_init(&oa);
    dist_node_t *na = start("a.test", &ca, &a, 0, NULL, &oa);
    const uint8_t *cas[1] = {(const uint8_t *)ca.cert};
    size_t lens[1] = {strlen(ca.cert)};
    net_tls_conf_t *conf;
    CHECK(net_tls_client_conf(cas, lens, 1, &conf, err, sizeof err) == 0);
    int fd = connect_raw(dist_node_port(na));
    net_tls_t *t;
    CHECK(net_tls_new(conf, fd, "a.test", &t) == 0);
    int rc = LUN_EAGAIN;
    uint64_t end = now_ms() + 5000;
    while (rc == LUN_EAGAIN && now_ms() < end) {
        rc = net_tls_handshake(t);
        if (rc == LUN_EAGAIN)
            sleep_ms(5);
    }
    /* Under TLS 1.2 the server's refusal ends the client's handshake. */
    CHECK(rc != LUN_EAGAIN);
    while (!log_has(&oa, "peer sent no certificate") && now_ms() < end)
        sleep_ms(10);
    cr_assert(log_has(&oa, "lunatic node: refused 127.0.0.1:") &&
                  log_has(&oa, "peer sent no certificate"),
              "log: %s", oa.log);
    CHECK(count(na) == 1);
    net_tls_free(t);
    net_tls_conf_unref(conf);
    net_close(fd);
    dist_node_stop(na);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&a);
}

Test(dist_node, connections_beyond_max_pending_are_closed_at_once)
{
    net_cert_pem_t ca = make_ca(), a = make_node(&ca, "a.test", -60, DAY),
                   b = make_node(&ca, "b.test", -60, DAY);
    obs_t oa, ob;
    obs_init(&oa);
    obs_init(&ob);
    dist_node_t *n[2];
    char addr_a[32];
    max_pending = 4;
    n[0] = start("a.test", &ca, &a, 0, NULL, &oa);
    max_pending = 0;
    addr_of(n[0], addr_a);
    n[1] = start("b.test", &ca, &b, 0, addr_a, &ob);
    CHECK(wait_members(n, 2, 2, 10000));
    int fds[12];
    for (int i = 0; i < 12; i++) {
        fds[i] = connect_raw(dist_node_port(n[0]));
        sleep_ms(20); /* accepted in this order */
    }
    /* 4 wait for their deadline (tick x dead_ticks of silence: 600 ms,
     * sooner than the handshake's 1 s); the 8 others go at once. */
    for (int i = 4; i < 12; i++)
        CHECK(closed_within(fds[i], 300));
    for (int i = 0; i < 4; i++)
        CHECK(!closed_within(fds[i], 30));
    CHECK(log_has(&oa, "4 handshakes pending"));
    for (int i = 0; i < 12; i++) {
        CHECK(closed_within(fds[i], 3000));
        net_close(fds[i]);
    }
    /* Once they are gone, A takes links again: B's messages still flow. */
    CHECK(dist_node_send(n[1], dist_node_self(n[0]), 1, 2, 3, "x", 1) == 0);
    uint64_t end = now_ms() + 5000;
    while (nmsg(&oa) == 0 && now_ms() < end)
        sleep_ms(5);
    CHECK(nmsg(&oa) == 1);
    dist_node_stop(n[0]);
    dist_node_stop(n[1]);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
}
