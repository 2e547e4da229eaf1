/* test_restab.c: a process's one resource table (sched/restab.c): ids
 * per kind from 0, never reused; a lookup never returns another kind's
 * resource; removal keeps every other entry reachable; release calls each
 * kind's release once; the table's size follows its live entries, not
 * the ids handed out. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "sched/sched_int.h"

/* Release counts, by kind. */
static int released_a, released_b;
static void release_a(void *p) { (void)p, released_a++; }
static void release_b(void *p) { (void)p, released_b++; }
static const sched_res_kind_t kind_a = {"a", release_a};
static const sched_res_kind_t kind_b = {"b", release_b};

static sched_restab_t t;
static int items[100000]; /* their addresses are the resources */

static void setup(void)
{
    memset(&t, 0, sizeof t);
    released_a = released_b = 0;
}
static void teardown(void) { sched__restab_release(&t); }

TestSuite(sched_restab, .init = setup, .fini = teardown, .timeout = 30);

static uint64_t add(const sched_res_kind_t *k, int i)
{
    uint64_t id;
    cr_assert(eq(int, sched__restab_add(&t, k, &items[i], &id), 0));
    return id;
}

Test(sched_restab, ids_are_never_reused)
{
    uint64_t a = add(&kind_a, 0);
    cr_assert(eq(ptr, sched__restab_take(&t, &kind_a, a), &items[0]));
    uint64_t b = add(&kind_a, 1);
    cr_expect(ne(u64, a, b));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, a), NULL));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, b), &items[1]));
    cr_expect(eq(ptr, sched__restab_take(&t, &kind_a, a), NULL));
}

Test(sched_restab, each_kind_counts_from_zero)
{
    cr_expect(eq(u64, add(&kind_a, 0), 0));
    cr_expect(eq(u64, add(&kind_b, 1), 0));
    cr_expect(eq(u64, add(&kind_a, 2), 1));
    cr_expect(eq(u64, add(&kind_b, 3), 1));
    cr_expect(eq(u64, sched__restab_count(&t, &kind_a), 2));
    sched__restab_take(&t, &kind_a, 0);
    sched__restab_take(&t, &kind_a, 0); /* gone already: counted once */
    cr_expect(eq(u64, sched__restab_count(&t, &kind_a), 1));
    cr_expect(eq(u64, sched__restab_count(&t, &kind_b), 2));
}

/* The same id under two kinds names two resources; an id only one kind
 * has is no resource of the other. */
Test(sched_restab, a_lookup_never_returns_another_kind)
{
    uint64_t a0 = add(&kind_a, 0), b0 = add(&kind_b, 1);
    uint64_t a1 = add(&kind_a, 2);
    cr_assert(eq(u64, a0, b0));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, a0), &items[0]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_b, b0), &items[1]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_b, a1), NULL));
    cr_expect(eq(ptr, sched__restab_take(&t, &kind_b, a1), NULL));
    cr_expect(not(sched__restab_set(&t, &kind_b, a1, &items[3])));
    /* taking b's 0 leaves a's 0 alone */
    cr_expect(eq(ptr, sched__restab_take(&t, &kind_b, b0), &items[1]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_b, b0), NULL));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, a0), &items[0]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, a1), &items[2]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, 12345), NULL));
}

Test(sched_restab, set_replaces_the_resource)
{
    uint64_t a = add(&kind_a, 0);
    cr_expect(sched__restab_set(&t, &kind_a, a, &items[5]));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, a), &items[5]));
}

/* Removing entries in a scattered order must keep every survivor
 * reachable (the backward shift after a removal), across growth and
 * shrinking. */
Test(sched_restab, survivors_stay_reachable)
{
    enum { N = 100000 };
    static uint64_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = add(i % 3 ? &kind_a : &kind_b, i);
    for (int i = 0; i < N; i++)
        if (i % 5 != 0)
            cr_assert(eq(ptr, sched__restab_take(&t, i % 3 ? &kind_a : &kind_b,
                                                 ids[i]), &items[i]));
    cr_assert(eq(u32, t.count, N / 5));
    for (int i = 0; i < N; i++) {
        void *want = i % 5 == 0 ? &items[i] : NULL;
        cr_assert(eq(ptr, sched__restab_get(&t, i % 3 ? &kind_a : &kind_b,
                                            ids[i]), want));
    }
}

/* A process that keeps one resource and makes and drops millions of
 * short-lived ones (timers, errors) keeps a small table. */
Test(sched_restab, size_follows_live_entries)
{
    uint64_t keep = add(&kind_a, 0);
    for (int i = 0; i < 1000000; i++) {
        uint64_t id = add(&kind_b, 1);
        cr_assert(eq(ptr, sched__restab_take(&t, &kind_b, id), &items[1]));
    }
    cr_expect(le(u32, t.cap, 8));
    cr_expect(eq(ptr, sched__restab_get(&t, &kind_a, keep), &items[0]));
    cr_expect(eq(u64, add(&kind_b, 1), 1000000)); /* never reused */
}

static bool is_even_item(void *ptr, void *ud)
{
    (void)ud;
    return ((int *)ptr - items) % 2 == 0;
}

Test(sched_restab, drop_if_releases_only_what_it_drops)
{
    uint64_t ids[1000];
    for (int i = 0; i < 1000; i++)
        ids[i] = add(i < 500 ? &kind_a : &kind_b, i);
    sched__restab_drop_if(&t, &kind_a, is_even_item, NULL);
    cr_expect(eq(int, released_a, 250));
    cr_expect(eq(int, released_b, 0));
    cr_expect(eq(u64, sched__restab_count(&t, &kind_a), 250));
    cr_expect(eq(u64, sched__restab_count(&t, &kind_b), 500));
    for (int i = 0; i < 1000; i++) {
        bool gone = i < 500 && i % 2 == 0;
        void *got = sched__restab_get(&t, i < 500 ? &kind_a : &kind_b, ids[i]);
        cr_assert(eq(ptr, got, gone ? NULL : &items[i]));
    }
}

Test(sched_restab, release_calls_each_kind_once_per_entry)
{
    for (int i = 0; i < 100; i++)
        add(i < 30 ? &kind_a : &kind_b, i);
    uint64_t gone = add(&kind_a, 100);
    sched__restab_take(&t, &kind_a, gone); /* taken: not released */
    sched__restab_release(&t);
    cr_expect(eq(int, released_a, 30));
    cr_expect(eq(int, released_b, 70));
    cr_expect(eq(u32, t.count, 0));
    cr_expect(eq(u32, t.cap, 0)); /* its memory is freed */
}
