/* test_mailbox.c: the MPSC mailbox of sched/mailbox.c: FIFO per producer
 * under concurrent producers, and selective receive keeping the order of
 * skipped messages. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <sched.h>

#include "sched/sched_int.h"

TestSuite(sched_mailbox, .timeout = 60);

static sched_msg_t *msg(int64_t tag, uint64_t v)
{
    sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, 8);
    m->tag = tag;
    m->pid = v;
    return m;
}

Test(sched_mailbox, selective_receive_keeps_skipped_order)
{
    sched_mbox_t mb;
    sched__mbox_init(&mb);
    for (uint64_t i = 0; i < 6; i++)
        sched__mbox_push(&mb, msg((int64_t)(i % 3), i));
    sched_msg_t *m = sched__mbox_take(&mb);
    while (m) {
        sched_msg_t *next = m->next;
        sched__mbox_append(&mb, m);
        m = next;
    }
    int64_t two[1] = {2};
    m = sched__mbox_select(&mb, two, 1);
    cr_assert(eq(u64, m->pid, 2));
    sched__msg_free(m);
    int64_t none[1] = {9};
    cr_expect(eq(ptr, sched__mbox_select(&mb, none, 1), NULL));
    /* a new message after a rejected scan is still found */
    sched__mbox_append(&mb, msg(9, 99));
    m = sched__mbox_select(&mb, none, 1);
    cr_assert(eq(u64, m->pid, 99));
    sched__msg_free(m);
    uint64_t want[] = {0, 1, 3, 4, 5};
    for (int i = 0; i < 5; i++) {
        m = sched__mbox_select(&mb, NULL, 0);
        cr_assert(eq(u64, m->pid, want[i]));
        sched__msg_free(m);
    }
    /* tag 0 (untagged) never matches a filter */
    sched__mbox_append(&mb, msg(0, 1));
    int64_t zero[1] = {0};
    cr_expect(eq(ptr, sched__mbox_select(&mb, zero, 1), NULL));
    sched__mbox_clear(&mb);
}

#define PRODUCERS 4
#define PER 200000

static sched_mbox_t g_mb;

static void *producer(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    for (uint64_t i = 0; i < PER; i++)
        sched__mbox_push(&g_mb, msg((int64_t)id, i));
    return NULL;
}

Test(sched_mailbox, concurrent_producers_fifo_per_producer)
{
    pthread_t t[PRODUCERS];
    uint64_t next[PRODUCERS] = {0}, got = 0;
    sched__mbox_init(&g_mb);
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        pthread_create(&t[i], NULL, producer, (void *)i);
    while (got < (uint64_t)PRODUCERS * PER) {
        sched_msg_t *m = sched__mbox_take(&g_mb);
        while (m) {
            sched_msg_t *n = m->next;
            if (m->pid != next[m->tag])
                cr_assert(eq(u64, m->pid, next[m->tag]), "producer %lld",
                          (long long)m->tag);
            next[m->tag]++;
            got++;
            sched__msg_free(m);
            m = n;
        }
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(t[i], NULL);
    cr_expect(eq(ptr, sched__mbox_take(&g_mb), NULL));
}

Test(sched_mailbox, message_buffer_grows)
{
    sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, 0);
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    for (int i = 0; i < 100; i++)
        cr_assert(eq(int, sched__msg_write(m, buf, sizeof buf), 0));
    cr_expect(eq(sz, m->len, 100000));
    sched__msg_free(m);
}

/* A message from the thread's cache is as blank as a new one: every
 * field before small as the memset it replaced left it. */
Test(sched_mailbox, recycled_message_is_blank)
{
    sched_msg_t *m = sched__msg_new(SCHED_MSG_DATA, 0);
    m->reason = 3;
    m->tag = 5;
    m->pid = 6;
    m->node = 7;
    cr_assert(eq(int, sched__msg_write(m, "abc", 3), 0));
    cr_assert(eq(int, sched__msg_reserve_res(m), 0));
    m->next = m;
    sched__msg_free(m);
    sched_msg_t *r = sched__msg_new(SCHED_SIG_KILL, 0);
    cr_assert(eq(ptr, r, m)); /* the cache's last one */
    sched_msg_t want;
    memset(&want, 0, offsetof(sched_msg_t, small));
    cr_expect(eq(ptr, r->next, NULL));
    cr_expect(eq(u8, r->kind, SCHED_SIG_KILL));
    cr_expect(eq(u8, r->reason, want.reason));
    cr_expect(eq(i64, r->tag, want.tag));
    cr_expect(eq(u64, r->pid, want.pid));
    cr_expect(eq(u64, r->node, want.node));
    cr_expect(eq(ptr, r->data, r->small));
    cr_expect(eq(sz, r->len, 0));
    cr_expect(eq(sz, r->cap, sizeof r->small));
    cr_expect(eq(ptr, r->res, NULL));
    cr_expect(eq(u32, r->nres, 0));
    cr_expect(eq(u32, r->res_cap, 0));
    cr_expect(eq(ptr, r->charged_to, NULL));
    cr_expect(eq(sz, r->charge, 0));
    sched__msg_free(r);
}

/* {===== mailbox memory (limits.c): senders add with an atomic, the owner
 * takes off with a plain store; what is queued is the difference. */

static sched_proc_t *g_owner;

static void *charging_producer(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < PER / 4; i++) {
        sched_msg_t *m = msg(1, i);
        bool wake;
        cr_assert(sched__mbox_admit(g_owner, m, &wake));
        sched__mbox_push(&g_owner->mbox, m);
        /* Keep the mailbox nearly empty: the receiver then takes out
         * messages put in after a sender's add and before its checks. */
        while (SCHED_MBOX_COUNT(sched__mbox_queued(g_owner)) > 2)
            sched_yield();
    }
    return NULL;
}

/* A process struct with just a runtime (one worker), a mailbox and its
 * room, for the charging tests; freed with free() and *rt with
 * sched_runtime_free. */
static sched_proc_t *bare_receiver(sched_runtime_t **rt, uint64_t room)
{
    sched_options_t o = {.threads = 1};
    cr_assert(eq(int, sched_runtime_new(&o, rt), 0));
    sched_proc_t *p = calloc(1, sizeof *p);
    cr_assert(ne(ptr, p, NULL));
    p->rt = *rt;
    sched__mbox_init(&p->mbox);
    atomic_store(&p->mbox_room, room);
    return p;
}

Test(sched_mailbox, queued_bytes_balance_under_concurrent_senders)
{
    sched_runtime_t *rt;
    /* Room for all: a sender that saw more taken out than put in (a
     * wrapped difference) would refuse a message. */
    sched_proc_t *p = bare_receiver(&rt, UINT64_C(1) << 30);
    g_owner = p;
    pthread_t t[PRODUCERS];
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        pthread_create(&t[i], NULL, charging_producer, NULL);
    uint64_t got = 0, total = (uint64_t)PRODUCERS * (PER / 4);
    while (got < total) {
        sched_msg_t *m = sched__mbox_take(&p->mbox);
        while (m) {
            sched_msg_t *n = m->next;
            sched__mbox_append(&p->mbox, m);
            m = n;
        }
        /* never more taken out than put in */
        cr_assert(le(u64, SCHED_MBOX_COUNT(sched__mbox_queued(p)),
                     total - got));
        while ((m = sched__mbox_select(&p->mbox, NULL, 0)) != NULL) {
            got++;
            sched__msg_free(m);
        }
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(t[i], NULL);
    cr_expect(eq(u64, sched__mbox_queued(p), 0));
    cr_expect(eq(u64, sched__node_bytes(rt), 0));
    free(p);
    sched_runtime_free(rt);
}

/* A message over the receiver's room is refused and its charge taken
 * back by the sender at once. */
Test(sched_mailbox, refused_message_leaves_no_charge)
{
    sched_runtime_t *rt;
    sched_proc_t *p = bare_receiver(&rt, 1); /* no room at all */
    sched_msg_t *m = msg(1, 1);
    bool wake;
    cr_expect(not(sched__mbox_admit(p, m, &wake)));
    cr_expect(eq(ptr, m->charged_to, NULL));
    sched__msg_free(m);
    cr_expect(eq(u64, sched__mbox_queued(p), 0));
    cr_expect(eq(u64, sched__node_bytes(rt), 0));
    sched__mbox_clear(&p->mbox);
    free(p);
    sched_runtime_free(rt);
}
/* }===== */
