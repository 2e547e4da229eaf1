/* test_loop.c: the dist thread (dist/loop.c): links driven on net/'s
 * poller while other threads send through the thread-safe API. */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist/loop.h"
#include "dist_pair.h"

TestSuite(dist_loop, .timeout = 120);

typedef struct peer {
    atomic_bool up, down;
    atomic_size_t nmsg;
    atomic_bool out_of_order, room;
    atomic_uint_fast64_t down_at;
    char reason[160];        /* written before `down` is set */
    uint64_t next_seq;
    atomic_uint_fast64_t large_hash;
    atomic_size_t large_len;
} peer_t;

static void on_up(dist_link_t *l, const dist_hello_t *h, void *ud)
{
    (void)l;
    (void)h;
    atomic_store(&((peer_t *)ud)->up, true);
}

static void on_message(dist_link_t *l, uint64_t sender, uint64_t receiver,
                       int64_t tag, const uint8_t *data, size_t len,
                       void *ud)
{
    peer_t *p = ud;
    (void)l;
    (void)sender;
    (void)receiver;
    (void)tag;
    if (len > DIST_MSG_MAX_INLINE) {
        atomic_store(&p->large_hash, fnv64(data, len));
        atomic_store(&p->large_len, len);
    } else if (len >= 8) {
        if (vm_load_le64(data) != p->next_seq)
            atomic_store(&p->out_of_order, true);
        p->next_seq++;
    }
    atomic_fetch_add(&p->nmsg, 1);
}

static void on_room(dist_link_t *l, void *ud)
{
    (void)l;
    atomic_store(&((peer_t *)ud)->room, true);
}

static void on_down(dist_link_t *l, const char *reason, void *ud)
{
    peer_t *p = ud;
    (void)l;
    snprintf(p->reason, sizeof p->reason, "%s", reason);
    atomic_store(&p->down_at, now_ms());
    atomic_store(&p->down, true);
}

static const dist_link_cbs_t cbs = {on_up, on_message, NULL, on_room,
                                    on_down};

static dist_link_t *add(dist_loop_t *loop, int fd, const char *name,
                        peer_t *p, dist_link_conf_t conf)
{
    dist_stream_t *s;
    dist_link_t *l;
    memset(p, 0, sizeof *p);
    CHECK(dist_stream_tcp(fd, &s) == 0);
    conf.name = name;
    conf.incarnation = dist_incarnation_new();
    CHECK(dist_loop_add(loop, &conf, s, &cbs, p, &l) == 0);
    return l;
}

#define WAIT_FOR(cond, limit_ms)                                       \
    do {                                                               \
        uint64_t end_ = now_ms() + (limit_ms);                         \
        while (!(cond) && now_ms() < end_)                             \
            sleep_ms(1);                                               \
        cr_assert((cond), "timed out waiting for %s", #cond);          \
    } while (0)

/* A worker thread sending n numbered messages, waiting out "full". */
typedef struct sender {
    dist_loop_t *loop;
    dist_link_t *l;
    peer_t *self;
    uint64_t from, n;
    size_t len;
    atomic_int fulls;
} sender_t;

static void *send_all(void *arg)
{
    sender_t *s = arg;
    uint8_t body[256] = {0};
    for (uint64_t i = 0; i < s->n;) {
        vm_store_le64(body, i);
        int rc = dist_loop_send(s->loop, s->l, s->from, 2, 0, body, s->len);
        if (rc == LUN_EAGAIN) {
            atomic_fetch_add(&s->fulls, 1);
            while (!atomic_exchange(&s->self->room, false))
                sleep_ms(1);
            continue;
        }
        CHECK(rc == 0);
        i++;
    }
    return NULL;
}

Test(dist_loop, a_worker_sends_100000_messages_in_order)
{
    dist_loop_t *loop;
    peer_t pa, pb;
    int fa, fb;
    CHECK(dist_loop_start(&loop) == 0);
    tcp_pair(&fa, &fb);
    /* a small budget, so the worker meets "full" and waits for room */
    dist_link_conf_t conf = {.send_budget = 256 << 10};
    dist_link_t *a = add(loop, fa, "alpha", &pa, conf);
    add(loop, fb, "beta", &pb, conf);
    sender_t s = {.loop = loop, .l = a, .self = &pa, .from = 1,
                  .n = 100000, .len = 40};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, send_all, &s) == 0);
    WAIT_FOR(atomic_load(&pb.nmsg) == 100000, 60000);
    pthread_join(t, NULL);
    cr_expect(atomic_load(&pa.up) && atomic_load(&pb.up));
    cr_expect(!atomic_load(&pb.out_of_order));
    cr_expect(!atomic_load(&pa.down) && !atomic_load(&pb.down));
    dist_loop_free(loop);
}

Test(dist_loop, a_64mb_message_arrives_intact_beside_small_ones)
{
    dist_loop_t *loop;
    peer_t pa, pb;
    int fa, fb;
    CHECK(dist_loop_start(&loop) == 0);
    tcp_pair(&fa, &fb);
    dist_link_conf_t conf = {0};
    dist_link_t *a = add(loop, fa, "alpha", &pa, conf);
    add(loop, fb, "beta", &pb, conf);
    size_t big_len = (size_t)64 << 20;
    uint8_t *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 11);
    uint64_t hash = fnv64(big, big_len);
    CHECK(dist_loop_send(loop, a, 9, 9, 0, big, big_len) == 0);
    free(big);
    sender_t s = {.loop = loop, .l = a, .self = &pa, .from = 1,
                  .n = 2000, .len = 16};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, send_all, &s) == 0);
    WAIT_FOR(atomic_load(&pb.large_len) == big_len, 60000);
    WAIT_FOR(atomic_load(&pb.nmsg) == 2001, 10000);
    pthread_join(t, NULL);
    cr_expect(atomic_load(&pb.large_hash) == hash, "64 MB body differs");
    cr_expect(!atomic_load(&pb.out_of_order));
    dist_loop_free(loop);
}

/* A hung node: its HELLO came, then nothing, and it reads nothing. */
Test(dist_loop, a_hung_peer_is_declared_dead_on_the_loop)
{
    dist_loop_t *loop;
    peer_t pa;
    int fa, raw;
    CHECK(dist_loop_start(&loop) == 0);
    tcp_pair(&fa, &raw);
    dist_link_conf_t conf = {.tick_ms = 50, .dead_ticks = 3};
    uint8_t buf[256];
    size_t len = put_hello(buf, 0, "hung", DIST_PROTOCOL, 5);
    uint64_t start = now_ms();
    write_all(raw, buf, len);
    add(loop, fa, "alpha", &pa, conf);
    WAIT_FOR(atomic_load(&pa.down), 5000);
    uint64_t took = atomic_load(&pa.down_at) - start;
    cr_expect(atomic_load(&pa.up));
    cr_expect(strncmp(pa.reason, "no heartbeat for ", 17) == 0, "%s",
              pa.reason);
    /* dead within tick x (N+1) = 200 ms; generous for a loaded machine */
    cr_expect_geq(took, 150);
    cr_expect_leq(took, 200 + 800, "dead after %llu ms",
                  (unsigned long long)took);
    dist_loop_free(loop);
    net_close(raw);
}

Test(dist_loop, garbage_closes_one_link_and_the_others_go_on)
{
    dist_loop_t *loop;
    peer_t pa, px, py;
    int fa, raw, fx, fy;
    CHECK(dist_loop_start(&loop) == 0);
    tcp_pair(&fa, &raw);
    tcp_pair(&fx, &fy);
    dist_link_conf_t conf = {0};
    add(loop, fa, "alpha", &pa, conf);
    dist_link_t *x = add(loop, fx, "x", &px, conf);
    add(loop, fy, "y", &py, conf);
    write_all(raw, (const uint8_t *)"\x00\x01garbage", 9);
    WAIT_FOR(atomic_load(&pa.down), 5000);
    cr_expect(strcmp(pa.reason, "bad frame: bad magic 0x00") == 0, "%s",
              pa.reason);
    uint8_t body[8] = {0};
    CHECK(dist_loop_send(loop, x, 1, 2, 0, body, 8) == 0);
    WAIT_FOR(atomic_load(&py.nmsg) == 1, 5000);
    cr_expect(!atomic_load(&px.down) && !atomic_load(&py.down));
    dist_loop_free(loop);
    net_close(raw);
}

Test(dist_loop, a_dropped_link_closes_its_peer)
{
    dist_loop_t *loop;
    peer_t pa, pb;
    int fa, fb;
    CHECK(dist_loop_start(&loop) == 0);
    tcp_pair(&fa, &fb);
    dist_link_conf_t conf = {0};
    dist_link_t *a = add(loop, fa, "alpha", &pa, conf);
    add(loop, fb, "beta", &pb, conf);
    WAIT_FOR(atomic_load(&pa.up) && atomic_load(&pb.up), 5000);
    dist_loop_drop(loop, a);
    WAIT_FOR(atomic_load(&pb.down), 5000);
    cr_expect(strcmp(pb.reason, "connection closed by peer") == 0, "%s",
              pb.reason);
    dist_loop_free(loop);
}
