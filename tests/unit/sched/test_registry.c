/* test_registry.c: the registry hash table of sched/registry.c: put
 * overwrites, get, remove, growth, names with NUL bytes. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>

#include "sched/sched_int.h"

static sched_registry_t r;
static void setup(void) { cr_assert(eq(int, sched__registry_init(&r), 0)); }
static void teardown(void) { sched__registry_free(&r); }

TestSuite(sched_registry, .init = setup, .fini = teardown, .timeout = 30);

Test(sched_registry, put_get_overwrite_remove)
{
    cr_assert(eq(int, sched__registry_put(&r, "a", 1, 0, 5), 0));
    cr_assert(eq(u64, sched__registry_get(&r, "a", 1)->pid, 5));
    sched__registry_put(&r, "a", 1, 2, 6);
    sched_reg_entry_t *e = sched__registry_get(&r, "a", 1);
    cr_expect(eq(u64, e->pid, 6));
    cr_expect(eq(u64, e->node, 2));
    cr_expect(sched__registry_remove(&r, "a", 1));
    cr_expect(eq(ptr, sched__registry_get(&r, "a", 1), NULL));
    cr_expect(not(sched__registry_remove(&r, "a", 1)));
}

Test(sched_registry, many_names_and_nul_bytes)
{
    char name[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(name, sizeof name, "proc/%d", i);
        cr_assert(eq(int, sched__registry_put(&r, name, (size_t)n, 0, (uint64_t)i), 0));
    }
    for (int i = 0; i < 100000; i += 7) {
        int n = snprintf(name, sizeof name, "proc/%d", i);
        sched_reg_entry_t *e = sched__registry_get(&r, name, (size_t)n);
        cr_assert(e != NULL);
        cr_assert(eq(u64, e->pid, (uint64_t)i));
    }
    sched__registry_put(&r, "x\0y", 3, 0, 1);
    sched__registry_put(&r, "x\0z", 3, 0, 2);
    cr_expect(eq(u64, sched__registry_get(&r, "x\0z", 3)->pid, 2));
    cr_expect(eq(ptr, sched__registry_get(&r, "x", 1), NULL));
}
