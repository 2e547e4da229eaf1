/* test_link.c: two node links in one process over loopback TCP, driven
 * by hand (no thread), so that "stop servicing one side" simulates a
 * hung node and the order of frames is deterministic (dist/link.c). */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>

#include "dist/link.h"
#include "dist_pair.h"

TestSuite(dist_link, .timeout = 120);

/* {===== a throttled stream: plain TCP that writes at most `allowance`
 * bytes per pump round, so a test controls how fast chunks go out */

typedef struct tstream {
    dist_stream_t base;
    dist_stream_t *tcp;
    size_t allowance;
    bool throttled;
} tstream_t;

static int64_t t_read(dist_stream_t *s, void *buf, size_t len)
{
    tstream_t *t = (tstream_t *)s;
    return t->tcp->ops->read(t->tcp, buf, len);
}

static int64_t t_write(dist_stream_t *s, const void *buf, size_t len)
{
    tstream_t *t = (tstream_t *)s;
    if (t->throttled) {
        if (t->allowance == 0)
            return LUN_EAGAIN;
        len = len < t->allowance ? len : t->allowance;
    }
    int64_t w = t->tcp->ops->write(t->tcp, buf, len);
    if (w > 0 && t->throttled)
        t->allowance -= (size_t)w;
    return w;
}

static uint32_t t_want(dist_stream_t *s, bool writing)
{
    tstream_t *t = (tstream_t *)s;
    return t->tcp->ops->want(t->tcp, writing);
}

static void t_close(dist_stream_t *s)
{
    tstream_t *t = (tstream_t *)s;
    t->tcp->ops->close(t->tcp);
    free(t);
}

static const dist_stream_ops_t t_ops = {t_read, t_write, t_want, t_close};

static tstream_t *tstream_new(int fd)
{
    tstream_t *t = calloc(1, sizeof *t);
    CHECK(dist_stream_tcp(fd, &t->tcp) == 0);
    t->base.ops = &t_ops;
    t->base.fd = t->tcp->fd;
    return t;
}

/* }===== */
/* {===== a side: one link and what its callbacks saw */

typedef struct side {
    dist_link_t *l;
    tstream_t *ts;
    bool up, down, room;
    char reason[160];
    uint64_t down_at;
    dist_hello_t peer;
    /* received messages */
    size_t nmsg;
    uint64_t next_seq[8]; /* per sender: the sequence number expected */
    bool out_of_order;
    size_t large_at;      /* nmsg when the large message arrived */
    uint64_t large_hash;
    size_t large_len;
    int64_t tags[16];     /* of the first 16 messages */
} side_t;

static void on_up(dist_link_t *l, const dist_hello_t *peer, void *ud)
{
    side_t *s = ud;
    (void)l;
    s->up = true;
    s->peer = *peer;
}

/* Small messages carry (sender's) sequence numbers in their first 8
 * bytes; a large one is recorded by its hash and arrival position. */
static void on_message(dist_link_t *l, uint64_t sender, uint64_t receiver,
                       int64_t tag, const uint8_t *data, size_t len,
                       void *ud)
{
    side_t *s = ud;
    (void)l;
    (void)receiver;
    if (s->nmsg < 16)
        s->tags[s->nmsg] = tag;
    if (len > DIST_MSG_MAX_INLINE) {
        s->large_at = s->nmsg;
        s->large_len = len;
        s->large_hash = fnv64(data, len);
    } else if (len >= 8 && sender < 8) {
        if (vm_load_le64(data) != s->next_seq[sender])
            s->out_of_order = true;
        s->next_seq[sender]++;
    }
    s->nmsg++;
}

static void on_room(dist_link_t *l, void *ud)
{
    (void)l;
    ((side_t *)ud)->room = true;
}

static void on_down(dist_link_t *l, const char *reason, void *ud)
{
    side_t *s = ud;
    (void)l;
    s->down = true;
    s->down_at = now_ms();
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static const dist_link_cbs_t cbs = {on_up, on_message, NULL, on_room,
                                    on_down};

static void side_open(side_t *s, int fd, const char *name, uint64_t inc,
                      dist_link_conf_t conf)
{
    memset(s, 0, sizeof *s);
    s->ts = tstream_new(fd);
    conf.name = name;
    conf.incarnation = inc;
    CHECK(dist_link_new(&conf, &s->ts->base, &cbs, s, now_ms(), &s->l) == 0);
}

static void pair_open(side_t *a, side_t *b, dist_link_conf_t conf)
{
    int fa, fb;
    tcp_pair(&fa, &fb);
    side_open(a, fa, "alpha", 0x1111222233334444ull, conf);
    side_open(b, fb, "beta", 0x5555666677778888ull, conf);
}

/* One round: each live side reads, writes and ticks (the throttle's
 * allowance is refilled first). */
static void pump(side_t *a, side_t *b, size_t allowance)
{
    side_t *sides[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        side_t *s = sides[i];
        if (!s)
            continue;
        s->ts->allowance = allowance;
        dist_link_io(s->l, NET_READABLE | NET_WRITABLE, now_ms());
        dist_link_tick(s->l, now_ms());
    }
}

#define PUMP_UNTIL(a, b, cond, limit_ms)                               \
    do {                                                               \
        uint64_t end_ = now_ms() + (limit_ms);                         \
        while (!(cond) && now_ms() < end_)                             \
            pump((a), (b), 0);                                         \
        cr_assert((cond), "timed out waiting for %s", #cond);          \
    } while (0)

/* }===== */

Test(dist_link, hello_exchange_shows_each_side_the_other)
{
    side_t a, b;
    const char *tags[] = {"zone=eu-1", "role=worker"};
    dist_link_conf_t conf = {.tags = tags, .ntags = 2};
    pair_open(&a, &b, conf);
    cr_expect(!dist_link_is_up(a.l) && dist_link_peer(a.l) == NULL);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    cr_expect(strcmp(a.peer.name, "beta") == 0);
    cr_expect(strcmp(b.peer.name, "alpha") == 0);
    cr_expect(a.peer.incarnation == 0x5555666677778888ull);
    cr_expect(b.peer.incarnation == 0x1111222233334444ull);
    cr_expect(a.peer.ntags == 2 && strcmp(a.peer.tags[1], "role=worker") == 0);
    cr_expect(dist_link_peer(a.l) != NULL);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

Test(dist_link, incarnations_are_random_and_nonzero)
{
    uint64_t x = dist_incarnation_new(), y = dist_incarnation_new();
    cr_expect(x != 0 && y != 0 && x != y);
}

Test(dist_link, hundred_thousand_small_messages_arrive_in_order)
{
    side_t a, b;
    dist_link_conf_t conf = {0};
    pair_open(&a, &b, conf);
    const uint64_t n = 100000;
    uint8_t body[64];
    uint64_t sent = 0;
    uint64_t end = now_ms() + 60000;
    while (b.nmsg < n && now_ms() < end) {
        while (sent < n) {
            memset(body, (int)sent, sizeof body);
            vm_store_le64(body, sent);
            int rc = dist_link_send(a.l, 1, 2, 7, body, 8 + sent % 56);
            if (rc == LUN_EAGAIN)
                break;
            CHECK(rc == 0);
            sent++;
        }
        pump(&a, &b, 0);
    }
    cr_assert_eq(b.nmsg, n);
    cr_expect(!b.out_of_order);
    cr_expect_eq(b.next_seq[1], n);
    cr_expect(!a.down && !b.down);
    /* the traffic counters the metrics endpoint serves per peer */
    dist_link_stats_t sa, sb;
    dist_link_stats(a.l, &sa);
    dist_link_stats(b.l, &sb);
    cr_expect_eq(sa.msgs_out, n);
    cr_expect_eq(sb.msgs_in, n);
    cr_expect_eq(sa.msgs_in, 0);
    cr_expect_eq(sa.bytes_out, sb.bytes_in, "a wrote %llu, b read %llu",
                 (unsigned long long)sa.bytes_out,
                 (unsigned long long)sb.bytes_in);
    /* each message costs at least its header and body */
    cr_expect_geq(sa.bytes_out, n * (DIST_FRAME_HEADER + DIST_MSG_HEADER + 8));
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* The scheduling rule: small messages queued while a 64 MB message is
 * on its way all arrive before it completes, and it arrives intact. The
 * sender's stream takes one chunk's worth per round, so the large
 * message is in flight for ~1000 rounds, deterministically. */
Test(dist_link, small_messages_overtake_a_64mb_message)
{
    side_t a, b;
    dist_link_conf_t conf = {.send_budget = (size_t)128 << 20};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    size_t big_len = (size_t)64 << 20;
    uint8_t *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    uint64_t big_hash = fnv64(big, big_len);
    CHECK(dist_link_send(a.l, 5, 6, 1, big, big_len) == 0);
    free(big);
    size_t big_cost = dist_link_queued(a.l);
    a.ts->throttled = true;
    uint8_t body[16] = {0};
    uint64_t queued_in_flight = 0;
    uint64_t end = now_ms() + 90000;
    while (b.large_len == 0 && now_ms() < end) {
        /* the large one is in flight until its last chunk is framed */
        if (dist_link_queued(a.l) >= big_cost && queued_in_flight < 3000) {
            for (int k = 0; k < 5; k++) {
                vm_store_le64(body, queued_in_flight++);
                CHECK(dist_link_send(a.l, 3, 4, 2, body, sizeof body) == 0);
            }
        }
        pump(&a, &b, DIST_FRAME_MAX_PAYLOAD + DIST_FRAME_HEADER);
    }
    cr_assert_eq(b.large_len, big_len);
    cr_expect(b.large_hash == big_hash, "the 64 MB body differs");
    cr_expect_gt(queued_in_flight, 1000);
    /* every small one arrived before the large one completed */
    cr_expect_eq(b.large_at, queued_in_flight,
                 "large arrived after %zu of %llu small ones", b.large_at,
                 (unsigned long long)queued_in_flight);
    cr_expect(!b.out_of_order);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* Per-pair order: a small message of the same (sender, receiver) queued
 * after a large one waits for it; another pair's does not. */
Test(dist_link, same_pair_messages_keep_their_order)
{
    side_t a, b;
    dist_link_conf_t conf = {0};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    size_t big_len = 1 << 20;
    uint8_t *big = calloc(1, big_len), body[8] = {0};
    CHECK(dist_link_send(a.l, 1, 2, 10, big, big_len) == 0);
    vm_store_le64(body, 0);
    CHECK(dist_link_send(a.l, 1, 2, 11, body, 8) == 0); /* waits */
    CHECK(dist_link_send(a.l, 3, 4, 12, body, 8) == 0); /* overtakes */
    CHECK(dist_link_send(a.l, 1, 2, 13, big, big_len) == 0); /* waits */
    vm_store_le64(body, 1);
    CHECK(dist_link_send(a.l, 1, 2, 14, body, 8) == 0); /* waits */
    free(big);
    const int64_t *order = b.tags;
    PUMP_UNTIL(&a, &b, b.nmsg == 5, 30000);
    cr_expect(order[0] == 12 && order[1] == 10 && order[2] == 11 &&
                  order[3] == 13 && order[4] == 14,
              "order %lld %lld %lld %lld %lld", (long long)order[0],
              (long long)order[1], (long long)order[2], (long long)order[3],
              (long long)order[4]);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

Test(dist_link, a_full_send_buffer_says_full_then_room_again)
{
    side_t a, b;
    dist_link_conf_t conf = {.send_budget = 1 << 20};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    uint8_t *body = calloc(1, 100000);
    int accepted = 0, rc;
    while ((rc = dist_link_send(a.l, 1, 2, 0, body, 100000)) == 0)
        accepted++;
    cr_expect_eq(rc, LUN_EAGAIN);
    cr_expect(accepted >= 9 && accepted <= 10, "accepted %d", accepted);
    cr_expect(!a.room);
    /* a message is never refused by an empty queue, whatever its size */
    PUMP_UNTIL(&a, &b, a.room, 10000);
    cr_expect_leq(dist_link_queued(a.l), (size_t)(1 << 20) / 2);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, body, 100000), 0);
    PUMP_UNTIL(&a, &b, b.nmsg == (size_t)accepted + 1, 10000);
    free(body);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

Test(dist_link, an_oversized_message_goes_into_an_empty_queue)
{
    side_t a, b;
    dist_link_conf_t conf = {.send_budget = 1000};
    pair_open(&a, &b, conf);
    uint8_t *body = calloc(1, 300000);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, body, 300000), 0);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, body, 100000), LUN_EAGAIN);
    PUMP_UNTIL(&a, &b, b.nmsg == 1 && a.room, 10000);
    cr_expect_eq(b.large_len, 300000);
    free(body);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* A large message that fills the budget does not hold up small ones:
 * they have a reserve of an eighth of the budget, and room comes for a
 * refused small sender when the reserve has drained to half. */
Test(dist_link, small_messages_have_a_reserve_beside_a_large_one)
{
    side_t a, b;
    dist_link_conf_t conf = {.send_budget = 1 << 20};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    uint8_t *body = calloc(1, 4 << 20);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, body, 4 << 20), 0);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, body, 100000), LUN_EAGAIN);
    int small = 0, rc;
    while ((rc = dist_link_send(a.l, 3, 4, 0, body, 1000)) == 0)
        small++;
    cr_expect_eq(rc, LUN_EAGAIN);
    /* 1000 bytes and the headers each, in 128 KiB */
    cr_expect(small >= 100 && small <= 131, "small accepted %d", small);
    cr_expect(!a.room);
    PUMP_UNTIL(&a, &b, a.room, 10000);
    /* the small ones went ahead of the large one's chunks */
    cr_expect_eq(b.large_len, 0);
    cr_expect_eq(dist_link_send(a.l, 3, 4, 0, body, 1000), 0);
    PUMP_UNTIL(&a, &b, b.nmsg == (size_t)small + 2, 10000);
    cr_expect_eq(b.large_len, 4 << 20);
    free(body);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* A hung node: it neither reads nor sends. With a 50 ms tick and 3
 * ticks, the other side must call it dead within 4 ticks (200 ms);
 * asserted with a generous bound for loaded machines. */
Test(dist_link, a_silent_peer_is_declared_dead)
{
    side_t a, b;
    dist_link_conf_t conf = {.tick_ms = 50, .dead_ticks = 3};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    /* both alive for 5 ticks with nothing to say: heartbeats keep them so */
    uint64_t end = now_ms() + 250;
    while (now_ms() < end) {
        pump(&a, &b, 0);
        sleep_ms(5);
    }
    cr_assert(!a.down && !b.down, "alive side declared dead: %s %s",
              a.reason, b.reason);
    pump(&a, &b, 0);
    uint64_t hung_at = now_ms(); /* b is never serviced again */
    PUMP_UNTIL(&a, NULL, a.down, 5000);
    /* b said its last word up to a tick before it hung: the silence a
     * measures is at least 3 ticks, the time since the hang 2 */
    uint64_t took = a.down_at - hung_at;
    unsigned long long silent = 0;
    cr_assert(sscanf(a.reason, "no heartbeat for %llu ms", &silent) == 1,
              "reason: %s", a.reason);
    cr_expect_geq(silent, 150);
    cr_expect_geq(took, 100 - 10, "dead after %llu ms", (unsigned long long)took);
    cr_expect_leq(took, 200 + 800, "dead after %llu ms", (unsigned long long)took);
    cr_expect_eq(dist_link_interest(a.l), 0);
    cr_expect_eq(dist_link_send(a.l, 1, 2, 0, "x", 1), LUN_EIO);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* {===== a raw peer: bytes of the test's choosing against one link */

static void raw_open(side_t *a, int *raw)
{
    int fa;
    dist_link_conf_t conf = {0};
    tcp_pair(&fa, raw);
    side_open(a, fa, "alpha", 1, conf);
}

/* Send bytes from the raw peer, pump the link until it is down, and
 * return what the link sent (its HELLO, then its CLOSE). */
static void raw_expect_close(side_t *a, int raw, const uint8_t *bytes,
                             size_t len, const char *why)
{
    write_all(raw, bytes, len);
    PUMP_UNTIL(a, NULL, a->down, 5000);
    cr_expect(strstr(a->reason, why) != NULL, "reason '%s', expected '%s'",
              a->reason, why);
    /* the peer is told why in a CLOSE frame after the link's HELLO */
    uint8_t got[4096];
    dist_decoder_t dec;
    dist_dec_out_t o;
    bool closed = false;
    CHECK(dist_decoder_init(&dec, 1 << 20) == 0);
    uint64_t end = now_ms() + 2000;
    while (!closed && now_ms() < end) {
        int64_t r = net_recv(raw, got, sizeof got, false);
        if (r == 0)
            break;
        if (r < 0) {
            sleep_ms(1);
            continue;
        }
        for (size_t at = 0, used; at < (size_t)r; at += used) {
            int rc = dist_decoder_feed(&dec, got + at, (size_t)r - at, &used,
                                       &o);
            CHECK(rc != DIST_DEC_ERROR);
            if (rc == DIST_DEC_FRAME && o.frame.type == DIST_CLOSE)
                closed = memmem(o.frame.payload, o.frame.len, why,
                                strlen(why)) != NULL;
        }
    }
    dist_decoder_free(&dec);
    cr_expect(closed, "no CLOSE frame naming '%s'", why);
}

Test(dist_link, garbage_from_the_peer_closes_the_link_with_a_reason)
{
    side_t a, x, y;
    int raw;
    raw_open(&a, &raw);
    pair_open(&x, &y, (dist_link_conf_t){0}); /* an unrelated link */
    uint8_t buf[256];
    size_t len = put_hello(buf, 0, "raw", DIST_PROTOCOL, 9);
    memcpy(buf + len, "GET / HTTP/1.1\r\n\r\n", 18);
    raw_expect_close(&a, raw, buf, len + 18, "bad frame: bad magic 0x47");
    /* nothing else broke: the other link still carries messages */
    uint8_t body[8] = {0};
    CHECK(dist_link_send(x.l, 1, 2, 0, body, 8) == 0);
    PUMP_UNTIL(&x, &y, y.nmsg == 1, 5000);
    cr_expect(!x.down && !y.down);
    dist_link_free(a.l);
    dist_link_free(x.l);
    dist_link_free(y.l);
    net_close(raw);
}

Test(dist_link, an_oversize_length_closes_the_link)
{
    side_t a;
    int raw;
    raw_open(&a, &raw);
    uint8_t buf[256];
    size_t len = put_hello(buf, 0, "raw", DIST_PROTOCOL, 9);
    dist_frame_header(buf + len, DIST_MESSAGE, 0, 1u << 24, 0);
    raw_expect_close(&a, raw, buf, len + DIST_FRAME_HEADER,
                     "frame length 16777216 over the maximum");
    dist_link_free(a.l);
    net_close(raw);
}

Test(dist_link, a_different_protocol_version_closes_the_link)
{
    side_t a;
    int raw;
    raw_open(&a, &raw);
    uint8_t buf[256];
    size_t len = put_hello(buf, 0, "raw", DIST_PROTOCOL + 1, 9);
    raw_expect_close(&a, raw, buf, len, "protocol version 2, expected 1");
    cr_expect(!a.up);
    dist_link_free(a.l);
    net_close(raw);
}

Test(dist_link, a_second_hello_closes_the_link)
{
    side_t a;
    int raw;
    raw_open(&a, &raw);
    uint8_t buf[256];
    size_t len = put_hello(buf, 0, "raw", DIST_PROTOCOL, 9);
    len = put_hello(buf, len, "raw", DIST_PROTOCOL, 9);
    raw_expect_close(&a, raw, buf, len, "second HELLO");
    cr_expect(a.up); /* the first one was accepted */
    dist_link_free(a.l);
    net_close(raw);
}

Test(dist_link, anything_before_hello_closes_the_link)
{
    side_t a;
    int raw;
    raw_open(&a, &raw);
    uint8_t buf[64];
    size_t len = put_frame(buf, 0, DIST_HEARTBEAT, 0, 0, NULL, 0);
    raw_expect_close(&a, raw, buf, len, "frame type 2 before HELLO");
    dist_link_free(a.l);
    net_close(raw);
}

Test(dist_link, a_close_from_the_peer_brings_the_link_down)
{
    side_t a, b;
    pair_open(&a, &b, (dist_link_conf_t){0});
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    dist_link_close(b.l, "shutting down");
    cr_expect(b.down && strcmp(b.reason, "shutting down") == 0);
    PUMP_UNTIL(&a, NULL, a.down, 5000);
    cr_expect(strcmp(a.reason, "peer closed: shutting down") == 0, "%s",
              a.reason);
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* Two large messages in flight take turns, one chunk each: read raw
 * from the wire, their chunks alternate. */
Test(dist_link, large_messages_take_turns_chunk_by_chunk)
{
    side_t a;
    int raw;
    raw_open(&a, &raw);
    uint8_t hello[256];
    write_all(raw, hello, put_hello(hello, 0, "raw", DIST_PROTOCOL, 9));
    PUMP_UNTIL(&a, NULL, a.up, 5000);
    size_t big_len = 8 * DIST_FRAME_MAX_PAYLOAD;
    uint8_t *big = calloc(1, big_len);
    CHECK(dist_link_send(a.l, 1, 2, 0, big, big_len) == 0);
    CHECK(dist_link_send(a.l, 3, 4, 0, big, big_len) == 0);
    free(big);
    /* read everything the link sends, walking the frame headers */
    size_t cap = 4 * big_len, have = 0, at = 0;
    uint8_t *wire = malloc(cap);
    uint64_t ids[64];
    int nchunks = 0, lasts = 0;
    uint64_t end = now_ms() + 10000;
    while (lasts < 2 && now_ms() < end) {
        pump(&a, NULL, 0);
        int64_t r = net_recv(raw, wire + have, cap - have, false);
        if (r > 0)
            have += (size_t)r;
        while (have - at >= DIST_FRAME_HEADER) {
            uint32_t len = vm_load_le32(wire + at + 4);
            if (have - at < DIST_FRAME_HEADER + len)
                break;
            if (wire[at + 2] == DIST_CHUNK) {
                CHECK(nchunks < 64);
                ids[nchunks++] = vm_load_le64(wire + at + 8);
                lasts += (wire[at + 3] & DIST_FLAG_LAST) != 0;
            }
            at += DIST_FRAME_HEADER + len;
        }
    }
    cr_assert_eq(lasts, 2);
    /* 8 frames' worth of body and a header: 9 chunks each */
    cr_assert_eq(nchunks, 18);
    for (int i = 1; i < nchunks; i++)
        cr_expect(ids[i] != ids[i - 1], "chunk %d of message %llu follows "
                  "one of the same message", i, (unsigned long long)ids[i]);
    free(wire);
    dist_link_free(a.l);
    net_close(raw);
}

/* A retired link (the loser of a tie-break, dist/node.c) sends what was
 * queued and then CLOSE, refuses new sends, and still delivers what the
 * peer had sent before it heard; it goes down when the peer hangs up.
 * The peer, on the CLOSE, writes what it had queued before it goes. */
Test(dist_link, a_retired_link_delivers_what_the_peer_sent_before_it_heard)
{
    side_t a, b;
    dist_link_conf_t conf = {0};
    uint8_t body[8];
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    for (uint64_t i = 0; i < 100; i++) { /* b -> a, on the wire first */
        vm_store_le64(body, i);
        CHECK(dist_link_send(b.l, 1, 2, 7, body, 8) == 0);
    }
    pump(NULL, &b, 0);
    for (uint64_t i = 0; i < 10; i++) { /* a -> b, queued when it retires */
        vm_store_le64(body, i);
        CHECK(dist_link_send(a.l, 1, 2, 7, body, 8) == 0);
    }
    dist_link_retire(a.l, "duplicate link");
    cr_expect_eq(dist_link_send(a.l, 1, 2, 7, body, 8), LUN_EIO);
    pump(&a, NULL, 0); /* a's 10, then its CLOSE */
    for (uint64_t i = 100; i < 105; i++) { /* queued at b as CLOSE comes */
        vm_store_le64(body, i);
        CHECK(dist_link_send(b.l, 1, 2, 7, body, 8) == 0);
    }
    PUMP_UNTIL(&a, &b, a.down && b.down, 5000);
    cr_expect_eq(a.nmsg, 105); /* b flushed what it had queued */
    cr_expect(!a.out_of_order);
    cr_expect_eq(b.nmsg, 10);
    cr_expect_str_eq(a.reason, "duplicate link");
    cr_expect_str_eq(b.reason, "peer closed: duplicate link");
    dist_link_free(a.l);
    dist_link_free(b.l);
}

/* A peer that never hangs up: the retired link goes down after
 * tick x dead_ticks, sending no heartbeat after its CLOSE. */
Test(dist_link, a_retired_link_goes_down_if_the_peer_stays)
{
    side_t a, b;
    dist_link_conf_t conf = {.tick_ms = 50, .dead_ticks = 3};
    pair_open(&a, &b, conf);
    PUMP_UNTIL(&a, &b, a.up && b.up, 5000);
    dist_link_retire(a.l, "duplicate link");
    uint64_t t0 = now_ms();
    PUMP_UNTIL(&a, NULL, a.down, 5000); /* b is never read */
    cr_expect_geq(now_ms() - t0, 140);
    cr_expect_str_eq(a.reason, "duplicate link");
    dist_link_free(a.l);
    dist_link_free(b.l);
}
