/* test_timer.c: the hierarchical timing wheel of sched/timer.c: timers
 * fire at their tick (never early), in order, across every level, and
 * removed timers never fire. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>

#include "sched/sched_int.h"

TestSuite(sched_timer, .timeout = 30);

static uint64_t fired_at[4096];
static int nfired;
static sched_wheel_t *g_w;

static void record(sched_timer_t *t, void *ud)
{
    (void)ud;
    cr_assert(eq(u64, g_w->now, t->deadline), "fired at %llu, due %llu",
              (unsigned long long)g_w->now, (unsigned long long)t->deadline);
    fired_at[nfired++] = t->deadline;
}

Test(sched_timer, fires_exactly_at_deadline_on_every_level)
{
    static sched_wheel_t w;
    static sched_timer_t t[2000];
    g_w = &w;
    nfired = 0;
    sched__wheel_init(&w, 12345);
    /* Deadlines from 1 tick to ~2^30 ticks away (all 6 levels). */
    uint64_t d = 1;
    for (int i = 0; i < 2000; i++) {
        t[i].deadline = 12345 + d;
        sched__wheel_add(&w, &t[i]);
        d = d * 5 / 4 + 1;
        if (d > (1u << 30))
            d = (uint64_t)i * 7 + 1;
    }
    /* Advance in irregular steps; record checks now == deadline. */
    uint64_t now = 12345;
    while (w.count > 0) {
        uint64_t next = sched__wheel_next(&w);
        cr_assert(ge(u64, next, now + 1));
        now = next;
        sched__wheel_advance(&w, now, record, NULL);
    }
    cr_expect(eq(int, nfired, 2000));
    for (int i = 1; i < nfired; i++)
        cr_assert(le(u64, fired_at[i - 1], fired_at[i]));
}

Test(sched_timer, removed_timers_do_not_fire)
{
    static sched_wheel_t w;
    static sched_timer_t t[100];
    g_w = &w;
    nfired = 0;
    sched__wheel_init(&w, 0);
    for (int i = 0; i < 100; i++) {
        t[i].deadline = (uint64_t)i * 97 + 1;
        sched__wheel_add(&w, &t[i]);
    }
    for (int i = 0; i < 100; i += 2)
        sched__wheel_remove(&w, &t[i]);
    sched__wheel_advance(&w, 100000, record, NULL);
    cr_expect(eq(int, nfired, 50));
    cr_expect(eq(u64, w.count, 0));
    cr_expect(eq(u64, sched__wheel_next(&w), UINT64_MAX));
}

Test(sched_timer, past_deadline_fires_next_tick)
{
    static sched_wheel_t w;
    static sched_timer_t t;
    g_w = &w;
    nfired = 0;
    sched__wheel_init(&w, 500);
    t.deadline = 10; /* already past */
    sched__wheel_add(&w, &t);
    t.deadline = 501; /* what it will be checked against */
    sched__wheel_advance(&w, 501, record, NULL);
    cr_expect(eq(int, nfired, 1));
}
