/* link.c: one node-to-node connection: HELLO, the two-class outbound
 * scheduler, per-pair ordering, the send budget, heartbeats, and
 * delivery of received messages (dist/link.h). */
#include "../common/lun_prefix.h"

#include "link.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vm/vm_endian.h"

#define DEFAULT_TICK_MS 1000u
#define DEFAULT_DEAD_TICKS 3u
#define DEFAULT_BUDGET ((size_t)64 << 20)
#define DEFAULT_MAX_MESSAGE ((size_t)1 << 30)
#define MAX_FRAME (DIST_FRAME_HEADER + DIST_FRAME_MAX_PAYLOAD)
/* The output buffer holds small frames batched together, or one chunk. */
#define OBUF_CAP (2 * MAX_FRAME)
/* Control frames waiting (HELLO, heartbeats, CLOSE): all small. */
#define CTRL_CAP (2 * MAX_FRAME)
/* Bytes read per dist_link_io call, so one busy link cannot starve the
 * others on the same thread. */
#define READ_BUDGET ((size_t)1 << 20)
#define RBUF_CAP ((size_t)64 << 10)
/* Bytes written per dist_link_io call. The loop's lock is held while a
 * link does its I/O, and a peer that reads fast never makes a write say
 * EAGAIN: without a bound, one 64 MB message would keep every sender
 * waiting on the lock, and this link from reading (a reply behind it would
 * wait for all of it), until all of it was written. */
#define WRITE_BUDGET ((size_t)256 << 10)

struct dist_msg {
    dist_msg_t *next;
    uint64_t sender, receiver;
    int64_t tag;
    uint64_t id;            /* chunked messages: the wire id */
    size_t len, sent;       /* body bytes, and those framed so far */
    dist_msg_t *held_head;  /* same-pair messages queued behind this */
    dist_msg_t *held_tail;  /*   large one, in order */
    uint8_t data[];
};

typedef struct msg_queue {
    dist_msg_t *head, *tail;
} msg_queue_t;

/* DRAINING: CLOSE sent after what was queued (dist_link_retire); the
 * link reads and delivers what the peer sent before it heard, sends
 * nothing more, and goes down when the peer hangs up. */
enum link_state { WAIT_HELLO, UP, DRAINING, DOWN };

struct dist_link {
    dist_stream_t *s;
    dist_link_cbs_t cbs;
    void *ud;
    enum link_state state;
    uint32_t tick_ms, dead_ticks;
    size_t budget, queued;
    size_t small_queued;    /* of queued, messages that fit in a frame */
    bool full_large;        /* a send was refused: call room later */
    bool full_small;        /*   (a small one: when the reserve has room) */
    uint64_t next_id;
    uint64_t last_sent_ms, last_recv_ms;
    /* Traffic (dist_link_stats): written under the loop's lock only, read
     * from any thread, hence atomics without a locked add. */
    _Atomic uint64_t bytes_out, bytes_in, msgs_out, msgs_in;
    char name[DIST_NAME_MAX + 1];
    dist_hello_t peer;
    /* outbound */
    uint8_t ctrl[CTRL_CAP];
    size_t ctrl_len;
    msg_queue_t small;      /* one-frame messages, FIFO */
    msg_queue_t large;      /* chunked messages, round-robin */
    unsigned nlarge;        /* in the ring: at most DIST_MAX_PARTIAL, what
                               the peer's decoder reassembles at once */
    msg_queue_t large_wait; /* further large messages, FIFO */
    uint8_t obuf[OBUF_CAP];
    size_t olen, ooff;
    bool write_blocked;     /* the last write said EAGAIN */
    uint32_t write_want;
    /* inbound */
    dist_decoder_t dec;
    uint8_t rbuf[RBUF_CAP];
    char reason[160];
    char peer_why[160]; /* the peer's CLOSE, once it came */
    /* dist_link_retire: why, and (once DRAINING) until when to wait */
    bool retiring;
    char retire_why[96];
    uint64_t drain_until;
};

static void go_down(dist_link_t *l, const char *reason);

/* {===== queues and messages */

static void q_push(msg_queue_t *q, dist_msg_t *m)
{
    m->next = NULL;
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
}

static dist_msg_t *q_pop(msg_queue_t *q)
{
    dist_msg_t *m = q->head;
    if (m && !(q->head = m->next))
        q->tail = NULL;
    return m;
}

static void q_free(msg_queue_t *q)
{
    dist_msg_t *m;
    while ((m = q_pop(q))) {
        msg_queue_t held = {m->held_head, m->held_tail};
        q_free(&held);
        free(m);
    }
}

static bool is_large(const dist_msg_t *m)
{
    return m->len > DIST_MSG_MAX_INLINE;
}

static size_t msg_cost(const dist_msg_t *m)
{
    return m->len + DIST_FRAME_HEADER + DIST_MSG_HEADER;
}

dist_msg_t *dist_msg_new(uint64_t sender, uint64_t receiver, int64_t tag,
                         const void *data, size_t len)
{
    dist_msg_t *m = malloc(sizeof *m + len);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    m->sender = sender;
    m->receiver = receiver;
    m->tag = tag;
    m->len = len;
    if (len)
        memcpy(m->data, data, len);
    return m;
}

void dist_msg_free(dist_msg_t *m)
{
    free(m);
}

/* The large message of m's pair now in flight, if any: m must queue
 * behind it. (At most one per pair is in the ring: a second one waits in
 * the first one's held list.) */
static bool same_pair(const dist_msg_t *a, const dist_msg_t *b)
{
    /* a signal (DIST_PID_SIGNAL) is of its process's pair */
    return ((a->sender ^ b->sender) & ~DIST_PID_SIGNAL) == 0 &&
           a->receiver == b->receiver;
}

static dist_msg_t *large_of_pair(dist_link_t *l, const dist_msg_t *m)
{
    for (dist_msg_t *x = l->large.head; x; x = x->next)
        if (same_pair(x, m))
            return x;
    for (dist_msg_t *x = l->large_wait.head; x; x = x->next)
        if (same_pair(x, m))
            return x;
    return NULL;
}

/* m joins the queue of its class. */
static void place(dist_link_t *l, dist_msg_t *m)
{
    if (is_large(m) && l->nlarge == DIST_MAX_PARTIAL) {
        q_push(&l->large_wait, m);
    } else if (is_large(m)) {
        m->id = ++l->next_id;
        l->nlarge++;
        q_push(&l->large, m);
    } else {
        q_push(&l->small, m);
    }
}

/* Small messages have a reserve of their own (an eighth of the budget)
 * on top of it: a large message that fills the budget holds up neither a
 * ping nor any other small message, while memory stays bounded (by 9/8
 * of the budget, or one message larger than it). */
static size_t small_reserve(const dist_link_t *l)
{
    return l->budget / 8;
}

/* May a message of this cost join the queue? An empty queue takes any. */
static bool admits(const dist_link_t *l, const dist_msg_t *m, size_t cost)
{
    if (l->queued == 0 || l->queued + cost <= l->budget)
        return true;
    return !is_large(m) && l->small_queued + cost <= small_reserve(l);
}

int dist_link_enqueue(dist_link_t *l, dist_msg_t *m)
{
    if (l->state == DOWN || l->state == DRAINING || l->retiring)
        return LUN_EIO;
    size_t cost = msg_cost(m);
    if (!admits(l, m, cost)) {
        if (is_large(m))
            l->full_large = true;
        else
            l->full_small = true;
        return LUN_EAGAIN;
    }
    l->queued += cost;
    if (!is_large(m))
        l->small_queued += cost;
    dist_msg_t *ahead = large_of_pair(l, m);
    if (ahead) {
        m->next = NULL;
        if (ahead->held_tail)
            ahead->held_tail->next = m;
        else
            ahead->held_head = m;
        ahead->held_tail = m;
    } else {
        place(l, m);
    }
    return 0;
}

int dist_link_send(dist_link_t *l, uint64_t sender, uint64_t receiver,
                   int64_t tag, const void *data, size_t len)
{
    if (l->state == DOWN || l->state == DRAINING || l->retiring)
        return LUN_EIO;
    dist_msg_t *m = dist_msg_new(sender, receiver, tag, data, len);
    if (!m)
        return LUN_ENOMEM;
    int rc = dist_link_enqueue(l, m);
    if (rc != 0)
        free(m);
    return rc;
}

/* A large message's last chunk is framed: what waited behind it moves
 * on, in order; the first large one among them takes the rest along. */
static void release_held(dist_link_t *l, dist_msg_t *done)
{
    dist_msg_t *m = done->held_head;
    while (m) {
        dist_msg_t *next = m->next;
        place(l, m);
        if (is_large(m)) {
            m->held_head = next;
            m->held_tail = next ? done->held_tail : NULL;
            return;
        }
        m = next;
    }
}

/* c += n by the one thread that holds the loop's lock. */
static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void dist_link_stats(const dist_link_t *l, dist_link_stats_t *out)
{
    out->bytes_out = atomic_load_explicit(&l->bytes_out, memory_order_relaxed);
    out->bytes_in = atomic_load_explicit(&l->bytes_in, memory_order_relaxed);
    out->msgs_out = atomic_load_explicit(&l->msgs_out, memory_order_relaxed);
    out->msgs_in = atomic_load_explicit(&l->msgs_in, memory_order_relaxed);
}

/* A message is fully framed: it no longer counts against the budget. */
static void retire(dist_link_t *l, dist_msg_t *m)
{
    count(&l->msgs_out, 1);
    l->queued -= msg_cost(m);
    if (!is_large(m))
        l->small_queued -= msg_cost(m);
    free(m);
    bool half = l->queued <= l->budget / 2;
    if ((l->full_large && half) ||
        (l->full_small && (half || l->small_queued <= small_reserve(l) / 2))) {
        l->full_large = l->full_small = false;
        if (l->cbs.room)
            l->cbs.room(l, l->ud);
    }
}

/* }===== */
/* {===== framing into the output buffer */

static bool ctrl_frame(dist_link_t *l, unsigned type, const void *payload,
                       size_t len);

/* A retiring link whose queued messages are all framed: CLOSE goes out
 * after them, and the link only reads from now on. */
static void close_when_sent(dist_link_t *l)
{
    if (l->retiring && l->state == UP && !l->small.head && !l->large.head &&
        !l->large_wait.head &&
        ctrl_frame(l, DIST_CLOSE, l->retire_why, strlen(l->retire_why)))
        l->state = DRAINING;
}

static bool ctrl_frame(dist_link_t *l, unsigned type, const void *payload,
                       size_t len)
{
    if (l->ctrl_len + DIST_FRAME_HEADER + len > CTRL_CAP)
        return false;
    dist_frame_header(l->ctrl + l->ctrl_len, type, 0, (uint32_t)len, 0);
    if (len)
        memcpy(l->ctrl + l->ctrl_len + DIST_FRAME_HEADER, payload, len);
    l->ctrl_len += DIST_FRAME_HEADER + len;
    return true;
}

int dist_link_send_frame(dist_link_t *l, unsigned type, const void *payload,
                         size_t len)
{
    if (l->state != UP || l->retiring)
        return LUN_EIO;
    if (len > DIST_FRAME_MAX_PAYLOAD || !ctrl_frame(l, type, payload, len))
        return LUN_ELIMIT;
    return 0;
}

static void frame_small(dist_link_t *l, dist_msg_t *m)
{
    uint8_t *o = l->obuf + l->olen;
    uint32_t n = (uint32_t)(DIST_MSG_HEADER + m->len);
    dist_frame_header(o, DIST_MESSAGE, 0, n, 0);
    dist_msg_header(o + DIST_FRAME_HEADER, m->sender, m->receiver, m->tag);
    if (m->len)
        memcpy(o + DIST_FRAME_HEADER + DIST_MSG_HEADER, m->data, m->len);
    l->olen += DIST_FRAME_HEADER + n;
}

/* One chunk of the large message at the ring's head, which then goes to
 * the back (round-robin) or, if that was its last chunk, leaves. */
static void frame_chunk(dist_link_t *l)
{
    dist_msg_t *m = q_pop(&l->large);
    uint8_t *o = l->obuf + l->olen;
    size_t head = 0, room, n;
    unsigned flags = 0;
    if (m->sent == 0) {
        flags |= DIST_FLAG_FIRST;
        head = DIST_CHUNK_FIRST_HEADER;
        dist_msg_header(o + DIST_FRAME_HEADER, m->sender, m->receiver,
                        m->tag);
        vm_store_le64(o + DIST_FRAME_HEADER + DIST_MSG_HEADER, m->len);
    }
    room = DIST_FRAME_MAX_PAYLOAD - head;
    n = m->len - m->sent < room ? m->len - m->sent : room;
    if (m->sent + n == m->len)
        flags |= DIST_FLAG_LAST;
    dist_frame_header(o, DIST_CHUNK, flags, (uint32_t)(head + n), m->id);
    memcpy(o + DIST_FRAME_HEADER + head, m->data + m->sent, n);
    l->olen += DIST_FRAME_HEADER + head + n;
    m->sent += n;
    if (flags & DIST_FLAG_LAST) {
        l->nlarge--;
        release_held(l, m);
        if (l->large_wait.head && l->nlarge < DIST_MAX_PARTIAL)
            place(l, q_pop(&l->large_wait));
        retire(l, m);
    } else {
        q_push(&l->large, m);
    }
}

/* Refill the output buffer by the scheduling rule: control frames, then
 * small messages, then (only into an empty buffer) one chunk. */
static void fill(dist_link_t *l)
{
    if (l->ooff == l->olen)
        l->ooff = l->olen = 0;
    if (l->ctrl_len && l->olen + l->ctrl_len <= OBUF_CAP) {
        memcpy(l->obuf + l->olen, l->ctrl, l->ctrl_len);
        l->olen += l->ctrl_len;
        l->ctrl_len = 0;
    }
    if (l->state != UP)
        return;
    while (l->small.head && l->olen + DIST_FRAME_HEADER + DIST_MSG_HEADER +
                                    l->small.head->len <=
                                OBUF_CAP) {
        dist_msg_t *m = q_pop(&l->small);
        frame_small(l, m);
        retire(l, m);
    }
    if (l->olen == 0 && !l->small.head && l->large.head)
        frame_chunk(l);
    close_when_sent(l);
}

/* }===== */
/* {===== I/O */

static bool has_output(const dist_link_t *l)
{
    return l->ooff < l->olen || l->ctrl_len ||
           (l->state == UP && (l->small.head || l->large.head));
}

static void flush(dist_link_t *l, uint64_t now_ms)
{
    size_t written = 0;
    l->write_blocked = false;
    while (l->state != DOWN && written < WRITE_BUDGET) {
        if (l->ooff == l->olen || l->ctrl_len)
            fill(l);
        if (l->ooff == l->olen)
            return;
        int64_t w = l->s->ops->write(l->s, l->obuf + l->ooff,
                                     l->olen - l->ooff);
        if (w == LUN_EAGAIN) {
            l->write_blocked = true;
            l->write_want = l->s->ops->want(l->s, true);
            return;
        }
        if (w < 0) {
            char why[96];
            snprintf(why, sizeof why, "write failed: %s", lun_strerror((int)w));
            go_down(l, why);
            return;
        }
        l->ooff += (size_t)w;
        written += (size_t)w;
        count(&l->bytes_out, (uint64_t)w);
        l->last_sent_ms = now_ms;
    }
}

static void close_with(dist_link_t *l, const char *reason);

static void on_hello(dist_link_t *l, const uint8_t *p, size_t len)
{
    const char *why = NULL;
    char buf[96];
    if (l->state != WAIT_HELLO) {
        close_with(l, "second HELLO");
        return;
    }
    if (dist_hello_decode(p, len, &l->peer, &why) != 0) {
        close_with(l, why);
        return;
    }
    if (l->peer.protocol != DIST_PROTOCOL) {
        snprintf(buf, sizeof buf, "HELLO with protocol version %u, expected %u",
                 l->peer.protocol, DIST_PROTOCOL);
        close_with(l, buf);
        return;
    }
    l->state = UP;
    if (l->cbs.up)
        l->cbs.up(l, &l->peer, l->ud);
}

static void on_frame(dist_link_t *l, const dist_dec_out_t *o)
{
    char buf[DIST_NAME_MAX + 32];
    unsigned type = o->frame.type;
    if (type == DIST_HELLO) {
        on_hello(l, o->frame.payload, o->frame.len);
    } else if (l->state == WAIT_HELLO) {
        snprintf(buf, sizeof buf, "frame type %u before HELLO", type);
        close_with(l, buf);
    } else if (type == DIST_CLOSE) {
        int n = (int)(o->frame.len > 140 ? 140 : o->frame.len);
        snprintf(l->peer_why, sizeof l->peer_why, "peer closed: %.*s", n,
                 (const char *)o->frame.payload);
        /* What is queued still goes, as far as the socket takes it now:
         * a peer that retired this link reads until it ends (a spawn
         * queued here as the CLOSE came must not be lost). */
        flush(l, l->last_recv_ms);
        go_down(l, l->peer_why);
    } else if (type != DIST_HEARTBEAT && l->cbs.frame) {
        l->cbs.frame(l, type, o->frame.payload, o->frame.len, l->ud);
    }
}

/* Decode and act on n received bytes. */
static void consume(dist_link_t *l, const uint8_t *p, size_t n)
{
    while (n > 0 && l->state != DOWN) {
        dist_dec_out_t o;
        size_t used;
        int rc = dist_decoder_feed(&l->dec, p, n, &used, &o);
        p += used;
        n -= used;
        if (rc == DIST_DEC_ERROR) {
            char buf[160];
            snprintf(buf, sizeof buf, "bad frame: %s", l->dec.reason);
            close_with(l, buf);
        } else if (rc == DIST_DEC_FRAME) {
            on_frame(l, &o);
        } else if (rc == DIST_DEC_MESSAGE) {
            if (l->state == WAIT_HELLO)
                close_with(l, "message before HELLO");
            else if (l->cbs.message) {
                count(&l->msgs_in, 1);
                l->cbs.message(l, o.msg.sender, o.msg.receiver, o.msg.tag,
                               o.msg.data, o.msg.len, l->ud);
            }
        }
    }
}

uint8_t *dist_link_take_message(dist_link_t *l, const uint8_t *data)
{
    return dist_decoder_take(&l->dec, data);
}

static void receive(dist_link_t *l, uint64_t now_ms)
{
    size_t total = 0;
    while (l->state != DOWN && total < READ_BUDGET) {
        int64_t r = l->s->ops->read(l->s, l->rbuf, sizeof l->rbuf);
        if (r == LUN_EAGAIN)
            return;
        if (r == 0) {
            go_down(l, l->state == DRAINING ? l->retire_why
                                            : "connection closed by peer");
            return;
        }
        if (r < 0) {
            char why[96];
            snprintf(why, sizeof why, "read failed: %s", lun_strerror((int)r));
            go_down(l, why);
            return;
        }
        l->last_recv_ms = now_ms;
        total += (size_t)r;
        count(&l->bytes_in, (uint64_t)r);
        consume(l, l->rbuf, (size_t)r);
    }
}

void dist_link_io(dist_link_t *l, uint32_t events, uint64_t now_ms)
{
    if (l->state != DOWN && (events & NET_READABLE))
        receive(l, now_ms);
    if (l->state != DOWN)
        flush(l, now_ms);
}

void dist_link_tick(dist_link_t *l, uint64_t now_ms)
{
    if (l->state == DOWN)
        return;
    if (l->state == DRAINING) { /* no heartbeats: CLOSE was the last */
        if (!l->drain_until)
            l->drain_until = now_ms + (uint64_t)l->tick_ms * l->dead_ticks;
        if (now_ms >= l->drain_until)
            go_down(l, l->retire_why);
        return;
    }
    uint64_t silent = now_ms - l->last_recv_ms;
    if (now_ms >= l->last_recv_ms &&
        silent >= (uint64_t)l->tick_ms * l->dead_ticks) {
        char why[64];
        snprintf(why, sizeof why, "no heartbeat for %llu ms",
                 (unsigned long long)silent);
        close_with(l, why);
        return;
    }
    if (now_ms - l->last_sent_ms >= l->tick_ms && !has_output(l) &&
        ctrl_frame(l, DIST_HEARTBEAT, NULL, 0))
        flush(l, now_ms);
}

bool dist_link_idle(const dist_link_t *l)
{
    return l->state == UP && !l->write_blocked && !has_output(l);
}

uint32_t dist_link_interest(const dist_link_t *l)
{
    if (l->state == DOWN)
        return 0;
    uint32_t ev = NET_READABLE;
    if (l->write_blocked)
        ev |= l->write_want;
    else if (has_output(l))
        ev |= NET_WRITABLE;
    return ev;
}

/* }===== */
/* {===== life cycle */

static void go_down(dist_link_t *l, const char *reason)
{
    if (l->state == DOWN)
        return;
    l->state = DOWN;
    if (l->peer_why[0]) /* what the peer said, not the write that failed */
        reason = l->peer_why;
    snprintf(l->reason, sizeof l->reason, "%s", reason);
    if (l->cbs.down)
        l->cbs.down(l, l->reason, l->ud);
}

/* Tell the peer why (one best-effort write after what is pending), then
 * go down. */
static void close_with(dist_link_t *l, const char *reason)
{
    if (l->state == DOWN)
        return;
    size_t n = strlen(reason);
    uint8_t frame[DIST_FRAME_HEADER + 160];
    if (n > sizeof frame - DIST_FRAME_HEADER)
        n = sizeof frame - DIST_FRAME_HEADER;
    dist_frame_header(frame, DIST_CLOSE, 0, (uint32_t)n, 0);
    memcpy(frame + DIST_FRAME_HEADER, reason, n);
    if (l->ooff == l->olen ||
        l->s->ops->write(l->s, l->obuf + l->ooff, l->olen - l->ooff) ==
            (int64_t)(l->olen - l->ooff))
        l->s->ops->write(l->s, frame, DIST_FRAME_HEADER + n);
    l->ooff = l->olen = 0;
    go_down(l, reason);
}

void dist_link_close(dist_link_t *l, const char *reason)
{
    close_with(l, reason);
}

void dist_link_retire(dist_link_t *l, const char *reason)
{
    if (l->state != UP) {
        close_with(l, reason);
        return;
    }
    if (l->retiring)
        return;
    l->retiring = true;
    snprintf(l->retire_why, sizeof l->retire_why, "%s", reason);
    close_when_sent(l);
}

uint64_t dist_incarnation_new(void)
{
    uint64_t id = 0;
    while (id == 0)
        if (getentropy(&id, sizeof id) != 0)
            id = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&id;
    return id;
}

static int queue_hello(dist_link_t *l, const dist_link_conf_t *c)
{
    dist_hello_t *h = calloc(1, sizeof *h);
    uint8_t *buf = malloc(DIST_FRAME_MAX_PAYLOAD);
    int rc = LUN_ENOMEM;
    if (!h || !buf)
        goto fail;
    rc = LUN_EINVAL;
    if (strlen(c->name) > DIST_NAME_MAX || c->ntags > DIST_TAGS_MAX)
        goto fail;
    h->protocol = DIST_PROTOCOL;
    h->incarnation = c->incarnation;
    snprintf(h->name, sizeof h->name, "%s", c->name);
    h->ntags = c->ntags;
    for (unsigned i = 0; i < c->ntags; i++) {
        if (strlen(c->tags[i]) > DIST_NAME_MAX || !strchr(c->tags[i], '='))
            goto fail;
        snprintf(h->tags[i], sizeof h->tags[i], "%s", c->tags[i]);
    }
    int n = dist_hello_encode(h, buf, DIST_FRAME_MAX_PAYLOAD);
    if (n < 0 || !ctrl_frame(l, DIST_HELLO, buf, (size_t)n))
        goto fail;
    rc = 0;
fail:
    free(h);
    free(buf);
    return rc;
}

int dist_link_new(const dist_link_conf_t *conf, dist_stream_t *s,
                  const dist_link_cbs_t *cbs, void *ud, uint64_t now_ms,
                  dist_link_t **out)
{
    dist_link_t *l = calloc(1, sizeof *l);
    if (!l) {
        s->ops->close(s);
        return LUN_ENOMEM;
    }
    l->s = s;
    if (cbs)
        l->cbs = *cbs;
    l->ud = ud;
    l->tick_ms = conf->tick_ms ? conf->tick_ms : DEFAULT_TICK_MS;
    l->dead_ticks = conf->dead_ticks ? conf->dead_ticks : DEFAULT_DEAD_TICKS;
    l->budget = conf->send_budget ? conf->send_budget : DEFAULT_BUDGET;
    l->last_sent_ms = l->last_recv_ms = now_ms;
    snprintf(l->name, sizeof l->name, "%s", conf->name ? conf->name : "");
    int rc = conf->name ? queue_hello(l, conf) : LUN_EINVAL;
    if (rc == 0)
        rc = dist_decoder_init(&l->dec, conf->max_message ? conf->max_message
                                                          : DEFAULT_MAX_MESSAGE);
    if (rc != 0) {
        dist_link_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void dist_link_free(dist_link_t *l)
{
    if (!l)
        return;
    q_free(&l->small);
    q_free(&l->large);
    q_free(&l->large_wait);
    dist_decoder_free(&l->dec);
    l->s->ops->close(l->s);
    free(l);
}

bool dist_link_is_up(const dist_link_t *l) { return l->state == UP; }
bool dist_link_is_down(const dist_link_t *l) { return l->state == DOWN; }
const char *dist_link_reason(const dist_link_t *l) { return l->reason; }
net_fd_t dist_link_fd(const dist_link_t *l) { return l->s->fd; }
size_t dist_link_queued(const dist_link_t *l) { return l->queued; }
uint32_t dist_link_tick_ms(const dist_link_t *l) { return l->tick_ms; }

const dist_hello_t *dist_link_peer(const dist_link_t *l)
{
    return l->peer.name[0] || l->state == UP ? &l->peer : NULL;
}

/* }===== */
