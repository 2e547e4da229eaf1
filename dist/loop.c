/* loop.c: the dist thread: one poller for every node link, the
 * heartbeat clock, and the thread-safe send of dist/loop.h. */
#include "../common/lun_prefix.h"

#include "loop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "../common/lun_lock.h"
#include "../net/poll.h"

#define MAX_EVENTS 64
/* The wait is cut to a quarter tick so heartbeats and the dead check run
 * on time, whatever the traffic. */
#define WAIT_DIVISOR 4
/* A message or frame up to this size, queued on an idle link, is written
 * by the sending thread itself (see send_now). */
#define INLINE_MAX 4096
/* ... unless the sending thread wrote on that link less than this long
 * ago: a stream of messages is then left to the dist thread, which
 * writes what piled up meanwhile in one go (fewer records, syscalls). */
#define INLINE_GAP_NS 20000

struct dist_loop {
    net_poll_t *np;
    pthread_t thread;
    pthread_mutex_t mu;
    /* The lock's hand-off (enter, give_turns): threads that came for the
     * lock (arrived) and that have had it (served), and whether the dist
     * thread waits on turn for them. */
    atomic_uint_fast64_t arrived;
    uint64_t served;
    pthread_cond_t turn;
    bool turn_waited;
    /* dist_loop_call's request, run and cleared by the dist thread */
    void (*call_fn)(void *arg);
    void *call_arg;
    pthread_cond_t called;
    bool stop;
    struct entry {
        dist_link_t *l;
        bool polled;    /* its fd is registered with np */
        uint32_t armed; /* the interest it was last armed for */
        uint64_t inline_ns; /* when a sender last wrote on it (send_now) */
    } *links;
    size_t nlinks, cap;
};

uint64_t dist_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* {===== the lock: the dist thread holds it through all its I/O and
 * takes it back as soon as a poll returns, which on a busy link is at
 * once. A mutex is not fair, so the dist thread would win it again and
 * again and a worker's send could wait for many rounds (hundreds of ms
 * under a stream of large messages). Other threads take it with enter,
 * and after each poll the dist thread lets those that came before it
 * have their turn first (give_turns): a send waits one round at most. */

static void enter(dist_loop_t *loop)
{
    atomic_fetch_add(&loop->arrived, 1);
    lun_mutex_lock(&loop->mu);
    loop->served++;
}

static void leave(dist_loop_t *loop)
{
    if (loop->turn_waited)
        lun_cond_signal(&loop->turn);
    lun_mutex_unlock(&loop->mu);
}

/* On the dist thread, the lock held. */
static void give_turns(dist_loop_t *loop)
{
    uint64_t target = (uint64_t)atomic_load(&loop->arrived);
    loop->turn_waited = true;
    while (loop->served < target && !loop->stop)
        lun_cond_wait(&loop->turn, &loop->mu);
    loop->turn_waited = false;
}

/* }===== */

static struct entry *entry_of(dist_loop_t *loop, const dist_link_t *l)
{
    for (size_t i = 0; i < loop->nlinks; i++)
        if (loop->links[i].l == l)
            return &loop->links[i];
    return NULL;
}

static struct entry *entry_of_fd(dist_loop_t *loop, net_fd_t fd)
{
    for (size_t i = 0; i < loop->nlinks; i++)
        if (dist_link_fd(loop->links[i].l) == fd)
            return &loop->links[i];
    return NULL;
}

/* Arm the link's fd for what it waits for now (one-shot), or forget the
 * fd once the link is down: nothing more is read from a dead peer. */
static void rearm(dist_loop_t *loop, struct entry *e)
{
    if (!e->polled)
        return;
    if (dist_link_is_down(e->l)) {
        net_poll_del(loop->np, dist_link_fd(e->l));
        e->polled = false;
    } else {
        e->armed = dist_link_interest(e->l);
        net_poll_mod(loop->np, dist_link_fd(e->l), e->armed);
    }
}

/* Another thread queued something on e's link (the lock held). */
static void queued(dist_loop_t *loop, struct entry *e)
{
    /* Between polls the fd stays armed as the dist thread left it (it
     * re-arms every fd after each poll), so the same interest needs no
     * call. */
    if (e->polled && !dist_link_is_down(e->l) &&
        dist_link_interest(e->l) == e->armed)
        return;
    rearm(loop, e);
}

/* Whether a sender should write what it queues itself: on an idle link
 * a small frame then leaves at once, without a wake-up of the dist
 * thread (a round trip saves two thread switches). The socket does not
 * block; a write that would is left to the dist thread. */
static bool send_now(struct entry *e, size_t len)
{
    if (!e || !e->polled || len > INLINE_MAX || !dist_link_idle(e->l))
        return false;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now - e->inline_ns < INLINE_GAP_NS)
        return false;
    e->inline_ns = now;
    return true;
}

static int64_t wait_ms(dist_loop_t *loop)
{
    uint32_t tick = 1000;
    for (size_t i = 0; i < loop->nlinks; i++)
        if (dist_link_tick_ms(loop->links[i].l) < tick)
            tick = dist_link_tick_ms(loop->links[i].l);
    return tick / WAIT_DIVISOR ? tick / WAIT_DIVISOR : 1;
}

static void *run(void *arg)
{
    dist_loop_t *loop = arg;
    net_event_t ev[MAX_EVENTS];
    lun_mutex_lock(&loop->mu);
    while (!loop->stop) {
        int64_t timeout = wait_ms(loop);
        lun_mutex_unlock(&loop->mu);
        int n = net_poll_wait(loop->np, ev, MAX_EVENTS, timeout);
        lun_mutex_lock(&loop->mu);
        give_turns(loop);
        if (loop->call_fn) {
            loop->call_fn(loop->call_arg);
            loop->call_fn = NULL;
            lun_cond_broadcast(&loop->called);
        }
        uint64_t now = dist_now_ms();
        for (int i = 0; i < n; i++) {
            struct entry *e = entry_of_fd(loop, ev[i].fd);
            if (e && e->polled)
                dist_link_io(e->l, ev[i].events, now);
        }
        for (size_t i = 0; i < loop->nlinks; i++) {
            dist_link_tick(loop->links[i].l, now);
            rearm(loop, &loop->links[i]);
        }
    }
    loop->call_fn = NULL; /* not run: dist_loop_call returns */
    lun_cond_broadcast(&loop->called);
    lun_mutex_unlock(&loop->mu);
    return NULL;
}

int dist_loop_start(dist_loop_t **out)
{
    dist_loop_t *loop = calloc(1, sizeof *loop);
    if (!loop)
        return LUN_ENOMEM;
    int rc = net_poll_new(&loop->np);
    if (rc != 0) {
        free(loop);
        return rc;
    }
    lun_mutex_init(&loop->mu);
    lun_cond_init(&loop->turn);
    lun_cond_init(&loop->called);
    atomic_init(&loop->arrived, 0);
    int err = pthread_create(&loop->thread, NULL, run, loop);
    if (err != 0) {
        net_poll_free(loop->np);
        lun_cond_destroy(&loop->called);
        lun_cond_destroy(&loop->turn);
        lun_mutex_destroy(&loop->mu);
        free(loop);
        return LUN_ERR_ERRNO(err);
    }
    *out = loop;
    return 0;
}

void dist_loop_free(dist_loop_t *loop)
{
    if (!loop)
        return;
    enter(loop);
    loop->stop = true;
    leave(loop);
    net_poll_wake(loop->np);
    pthread_join(loop->thread, NULL);
    for (size_t i = 0; i < loop->nlinks; i++) {
        if (loop->links[i].polled)
            net_poll_del(loop->np, dist_link_fd(loop->links[i].l));
        dist_link_free(loop->links[i].l);
    }
    free(loop->links);
    net_poll_free(loop->np);
    lun_cond_destroy(&loop->called);
    lun_cond_destroy(&loop->turn);
    lun_mutex_destroy(&loop->mu);
    free(loop);
}

void dist_loop_call(dist_loop_t *loop, void (*fn)(void *arg), void *arg)
{
    enter(loop);
    while (loop->call_fn && !loop->stop) /* one call at a time */
        lun_cond_wait(&loop->called, &loop->mu);
    if (!loop->stop) {
        loop->call_fn = fn;
        loop->call_arg = arg;
        net_poll_wake(loop->np);
        while (loop->call_fn == fn && loop->call_arg == arg && !loop->stop)
            lun_cond_wait(&loop->called, &loop->mu);
    }
    leave(loop);
}

int dist_loop_add(dist_loop_t *loop, const dist_link_conf_t *conf,
                  dist_stream_t *s, const dist_link_cbs_t *cbs, void *ud,
                  dist_link_t **out)
{
    dist_link_t *l;
    enter(loop);
    int rc = 0;
    if (loop->nlinks == loop->cap) {
        size_t cap = loop->cap ? 2 * loop->cap : 8;
        struct entry *grown = realloc(loop->links, cap * sizeof *grown);
        if (!grown) {
            rc = LUN_ENOMEM;
            s->ops->close(s);
            goto out;
        }
        loop->links = grown;
        loop->cap = cap;
    }
    rc = dist_link_new(conf, s, cbs, ud, dist_now_ms(), &l);
    if (rc == 0 &&
        (rc = net_poll_add(loop->np, dist_link_fd(l),
                           dist_link_interest(l))) != 0)
        dist_link_free(l);
    if (rc == 0) {
        loop->links[loop->nlinks++] =
            (struct entry){l, true, dist_link_interest(l), 0};
        *out = l;
    }
out:
    leave(loop);
    net_poll_wake(loop->np); /* a shorter tick may shorten the wait */
    return rc;
}

void dist_loop_drop(dist_loop_t *loop, dist_link_t *l)
{
    enter(loop);
    struct entry *e = entry_of(loop, l);
    if (e) {
        if (e->polled)
            net_poll_del(loop->np, dist_link_fd(l));
        *e = loop->links[--loop->nlinks];
        dist_link_free(l);
    }
    leave(loop);
}

/* dist_loop_send's pick: the link it was given. */
static dist_link_t *given_link(void *arg)
{
    return arg;
}

int dist_loop_send(dist_loop_t *loop, dist_link_t *l, uint64_t sender,
                   uint64_t receiver, int64_t tag, const void *data,
                   size_t len)
{
    return dist_loop_send_via(loop, given_link, l, sender, receiver, tag,
                              data, len);
}

int dist_loop_send_via(dist_loop_t *loop, dist_link_t *(*pick)(void *arg),
                       void *arg, uint64_t sender, uint64_t receiver,
                       int64_t tag, const void *data, size_t len)
{
    dist_msg_t *m = dist_msg_new(sender, receiver, tag, data, len);
    if (!m)
        return LUN_ENOMEM;
    enter(loop);
    dist_link_t *l = pick(arg);
    struct entry *e = l ? entry_of(loop, l) : NULL;
    bool now = send_now(e, len);
    int rc = l ? dist_link_enqueue(l, m) : LUN_ENOTFOUND;
    if (rc == 0 && now)
        dist_link_io(l, 0, dist_now_ms());
    if (rc == 0 && e)
        queued(loop, e);
    leave(loop);
    if (rc != 0)
        dist_msg_free(m);
    return rc;
}

int dist_loop_send_frame_via(dist_loop_t *loop,
                             dist_link_t *(*pick)(void *arg), void *arg,
                             unsigned type, const void *payload, size_t len)
{
    enter(loop);
    dist_link_t *l = pick(arg);
    struct entry *e = l ? entry_of(loop, l) : NULL;
    bool now = send_now(e, len);
    int rc = l ? dist_link_send_frame(l, type, payload, len) : LUN_ENOTFOUND;
    if (rc == 0 && now)
        dist_link_io(l, 0, dist_now_ms());
    if (rc == 0 && e)
        queued(loop, e);
    leave(loop);
    return rc;
}

void dist_loop_with(dist_loop_t *loop, dist_link_t *l,
                    void (*fn)(dist_link_t *l, void *arg), void *arg)
{
    enter(loop);
    fn(l, arg);
    leave(loop);
}
