/* test_runq.c: the Chase-Lev deque of sched/runq.c: order, bounds, and a
 * concurrent steal stress test where every item is taken exactly once. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "sched/sched_int.h"

TestSuite(sched_runq, .timeout = 60);

Test(sched_runq, owner_pops_lifo_thief_steals_fifo)
{
    sched_deque_t *dq = malloc(sizeof *dq);
    sched__deque_init(dq);
    for (uintptr_t i = 1; i <= 3; i++)
        cr_assert(sched__deque_push(dq, (void *)i));
    cr_expect(eq(ptr, sched__deque_steal(dq), (void *)1));
    cr_expect(eq(ptr, sched__deque_pop(dq), (void *)3));
    cr_expect(eq(ptr, sched__deque_pop(dq), (void *)2));
    cr_expect(eq(ptr, sched__deque_pop(dq), NULL));
    cr_expect(eq(ptr, sched__deque_steal(dq), NULL));
    free(dq);
}

Test(sched_runq, bounded_push_fails_when_full)
{
    sched_deque_t *dq = malloc(sizeof *dq);
    sched__deque_init(dq);
    for (uintptr_t i = 0; i < SCHED_DEQUE_CAP; i++)
        cr_assert(sched__deque_push(dq, (void *)(i + 1)));
    cr_expect(not(sched__deque_push(dq, (void *)1)));
    cr_expect(eq(i64, sched__deque_size(dq), SCHED_DEQUE_CAP));
    cr_expect(eq(ptr, sched__deque_steal(dq), (void *)1));
    cr_expect(sched__deque_push(dq, (void *)7)); /* room again, wraps */
    free(dq);
}

#define ITEMS 1000000
#define THIEVES 3

static sched_deque_t *g_dq;
static _Atomic int g_done;
static _Atomic uint32_t *g_seen;

static void *thief(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_done) || sched__deque_size(g_dq) > 0) {
        uintptr_t v = (uintptr_t)sched__deque_steal(g_dq);
        if (v)
            atomic_fetch_add(&g_seen[v - 1], 1);
    }
    return NULL;
}

Test(sched_runq, concurrent_steal_takes_each_item_once)
{
    pthread_t t[THIEVES];
    g_dq = malloc(sizeof *g_dq);
    g_seen = calloc(ITEMS, sizeof *g_seen);
    sched__deque_init(g_dq);
    atomic_store(&g_done, 0);
    for (int i = 0; i < THIEVES; i++)
        pthread_create(&t[i], NULL, thief, NULL);
    /* The owner pushes everything, popping now and then, as a worker. */
    for (uintptr_t i = 0; i < ITEMS;) {
        if (sched__deque_push(g_dq, (void *)(i + 1)))
            i++;
        if (i % 3 == 0) {
            uintptr_t v = (uintptr_t)sched__deque_pop(g_dq);
            if (v)
                atomic_fetch_add(&g_seen[v - 1], 1);
        }
    }
    uintptr_t v;
    while ((v = (uintptr_t)sched__deque_pop(g_dq)) != 0)
        atomic_fetch_add(&g_seen[v - 1], 1);
    atomic_store(&g_done, 1);
    for (int i = 0; i < THIEVES; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < ITEMS; i++)
        if (atomic_load(&g_seen[i]) != 1)
            cr_assert(eq(u32, atomic_load(&g_seen[i]), 1), "item %zu", i);
    free((void *)g_seen);
    free(g_dq);
}
