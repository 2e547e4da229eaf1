/* test_linmem.c: the linear-memory pool of sched/linmem.c: a recycled
 * block is all zero again, whichever way it came back (hot: scrubbed in a
 * batch; dirty: zeroed by a batched madvise), and blocks that were only
 * read stay zero without being written. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "sched/sched_int.h"

TestSuite(sched_linmem, .timeout = 60);

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Dirty a few scattered pages of a block, as a guest would. */
static void scribble(uint8_t *p, size_t cap, unsigned seed)
{
    volatile uint8_t sink = p[cap / 2]; /* read only: the zero page */
    (void)sink;
    p[0] = (uint8_t)(seed | 1);
    p[5000] = 7;
    p[cap - 1] = 9;
    p[cap / 3] = (uint8_t)seed;
}

Test(sched_linmem, recycled_blocks_are_zero)
{
    sched_linmem_t *lm = sched__linmem_new();
    cr_assert(ne(ptr, lm, NULL));
    const vm_mem_provider *mp = sched__linmem_provider(lm);
    enum { N = 300 }; /* more than the hot list holds: both ways back */
    static uint8_t *blocks[N];
    static size_t caps[N];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            size_t bytes = (size_t)65536 << (i % 3);
            blocks[i] = mp->alloc(mp->ud, bytes, &caps[i]);
            cr_assert(ne(ptr, blocks[i], NULL));
            cr_assert(ge(sz, caps[i], bytes));
            cr_assert(all_zero(blocks[i], caps[i]), "round %d block %d",
                      round, i);
            scribble(blocks[i], caps[i], (unsigned)(round * N + i));
        }
        for (int i = 0; i < N; i++)
            mp->release(mp->ud, blocks[i], caps[i]);
    }
    sched__linmem_free(lm);
}

Test(sched_linmem, grow_keeps_the_contents_and_zeroes_the_rest)
{
    sched_linmem_t *lm = sched__linmem_new();
    const vm_mem_provider *mp = sched__linmem_provider(lm);
    size_t cap = 0, cap2 = 0;
    uint8_t *p = mp->alloc(mp->ud, 65536, &cap);
    cr_assert(ne(ptr, p, NULL));
    scribble(p, cap, 3);
    mp->release(mp->ud, p, cap); /* hot now, with pages mapped */
    p = mp->alloc(mp->ud, 65536, &cap);
    cr_assert(all_zero(p, cap));
    p[10] = 42;
    uint8_t *q = mp->grow(mp->ud, p, cap, cap, 3 * 65536, &cap2);
    cr_assert(ne(ptr, q, NULL));
    cr_expect(eq(u8, q[10], 42));
    q[10] = 0;
    cr_expect(all_zero(q, cap2));
    mp->release(mp->ud, q, cap2);
    sched__linmem_free(lm);
}

/* A thread's own blocks: released ones are scrubbed as a batch of 32
 * (LINMEM_PENDING) and reused first, zero; never handed to another pool
 * on the same thread; given back by the flush. */
enum { BATCH = 32 };

static bool one_of(void *const *set, size_t n, const void *p)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == p)
            return true;
    return false;
}

Test(sched_linmem, thread_local_blocks_are_reused_zero_and_flushed)
{
    sched_linmem_t *a = sched__linmem_new(), *b = sched__linmem_new();
    const vm_mem_provider *ma = sched__linmem_provider(a);
    const vm_mem_provider *mb = sched__linmem_provider(b);
    size_t cap = 0, cap_b = 0;
    void *set[BATCH];
    for (int i = 0; i < BATCH; i++) {
        set[i] = ma->alloc(ma->ud, 65536, &cap);
        scribble(set[i], cap, (unsigned)i);
    }
    for (int i = 0; i < BATCH; i++) /* the last one scrubs the batch */
        ma->release(ma->ud, set[i], cap);
    uint8_t *q = ma->alloc(ma->ud, 65536, &cap);
    cr_expect(one_of(set, BATCH, q), "a released block, still warm");
    cr_expect(all_zero(q, cap));
    /* Pool b must not get a's blocks, though this thread holds some. */
    uint8_t *r = mb->alloc(mb->ud, 65536, &cap_b);
    cr_expect(not(one_of(set, BATCH, r)));
    cr_expect(all_zero(r, cap_b));
    mb->release(mb->ud, r, cap_b);
    scribble(q, cap, 6);
    ma->release(ma->ud, q, cap); /* pending: not scrubbed yet */
    sched__linmem_flush_local(a); /* scrubbed, back to a's hot list */
    for (int i = 0; i < BATCH; i++) {
        uint8_t *s = ma->alloc(ma->ud, 65536, &cap);
        cr_expect(one_of(set, BATCH, s), "block %d came from elsewhere", i);
        cr_expect(all_zero(s, cap), "block %d", i);
    }
    sched__linmem_free(a); /* drops the thread's blocks of a */
    sched__linmem_free(b);
}

/* Threads that flush their own blocks while others release theirs: the
 * shared hot list must never take more than it holds (UBSan checks the
 * index; every block still comes back zero). */
static sched_linmem_t *g_lm;

static void *churn(void *arg)
{
    const vm_mem_provider *mp = sched__linmem_provider(g_lm);
    enum { N = 80 }; /* 4 x 80 > the 256 the hot list holds */
    uint8_t *b[N];
    size_t cap[N];
    bool ok = true;
    for (int round = 0; round < 2000 && ok; round++) {
        for (int i = 0; i < N; i++) {
            b[i] = mp->alloc(mp->ud, 65536, &cap[i]);
            ok = ok && b[i] && all_zero(b[i], 4096);
            if (b[i])
                scribble(b[i], cap[i], (unsigned)(round + i + (int)(intptr_t)arg));
        }
        for (int i = 0; i < N; i++)
            if (b[i])
                mp->release(mp->ud, b[i], cap[i]);
        sched__linmem_flush_local(g_lm);
    }
    return ok ? NULL : (void *)1;
}

Test(sched_linmem, concurrent_flushes_and_releases_keep_the_hot_list_bounded)
{
    enum { T = 4 };
    pthread_t t[T];
    g_lm = sched__linmem_new();
    for (intptr_t i = 0; i < T; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, churn, (void *)i), 0));
    for (int i = 0; i < T; i++) {
        void *r = (void *)1;
        pthread_join(t[i], &r);
        cr_expect(eq(ptr, r, NULL), "thread %d saw a dirty block", i);
    }
    sched__linmem_free(g_lm);
}
