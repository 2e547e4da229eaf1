/* test_linmem_grow.c: growing the memories of sched/linmem.c, small
 * (power-of-two blocks from pools) and large (past 8 MiB: a mapping of
 * its own whose capacity doubles): contents survive every grow, new
 * bytes are zero up to the capacity, capacities grow geometrically and
 * stop at 4 GiB, released memories come back zero, and a grow that
 * fails leaves the memory as it was. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sched/sched_int.h"

TestSuite(sched_linmem_grow, .timeout = 120);

#define PAGE ((size_t)65536)
#define MIB ((size_t)1 << 20)
#define SUB ((size_t)4096) /* one word per host page */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Never zero; differs between pages and between salts. */
static uint32_t pattern(size_t at, uint32_t salt)
{
    return (uint32_t)(at / SUB + 1) * 2654435761u ^ salt;
}

/* Writes the pattern into [from, to): one word per host page. */
static void stamp(uint8_t *p, size_t from, size_t to, uint32_t salt)
{
    for (size_t at = from; at < to; at += SUB) {
        uint32_t v = pattern(at, salt);
        memcpy(p + at, &v, sizeof v);
    }
}

/* The first offset in [from, to) whose pattern is lost, or `to`. */
static size_t first_lost(const uint8_t *p, size_t from, size_t to,
                         uint32_t salt)
{
    for (size_t at = from; at < to; at += SUB) {
        uint32_t v;
        memcpy(&v, p + at, sizeof v);
        if (v != pattern(at, salt))
            return at;
    }
    return to;
}

typedef struct {
    sched_linmem_t *lm;
    const vm_mem_provider *mp;
    uint8_t *data;
    size_t size, cap;
} memory;

static memory memory_new(size_t bytes)
{
    memory m = {0};
    m.lm = sched__linmem_new();
    cr_assert(ne(ptr, m.lm, NULL));
    m.mp = sched__linmem_provider(m.lm);
    m.data = m.mp->alloc(m.mp->ud, bytes, &m.cap);
    cr_assert(ne(ptr, m.data, NULL));
    cr_assert(ge(sz, m.cap, bytes));
    m.size = bytes;
    return m;
}

/* Grows m to bytes as the VM would (it passes the size and capacity and
 * keeps what comes back). False if the provider refused. */
static bool memory_grow(memory *m, size_t bytes)
{
    size_t cap = 0;
    uint8_t *q = m->mp->grow(m->mp->ud, m->data, m->size, m->cap, bytes, &cap);
    if (q == NULL)
        return false;
    cr_assert(ge(sz, cap, bytes));
    m->data = q;
    m->size = bytes;
    m->cap = cap;
    return true;
}

static void memory_free(memory *m)
{
    m->mp->release(m->mp->ud, m->data, m->cap);
    sched__linmem_free(m->lm);
}

/* One page at a time to 96 MiB: through the small classes and three
 * large capacities. Each new page is zero and gets stamped; whenever the
 * capacity changes (the memory may have moved) every page is checked,
 * and so is the zero tail. The capacity changes a logarithmic number of
 * times, and the bytes carried over by all of them add up to less than
 * twice the final size: growing costs O(size) in all. */
Test(sched_linmem_grow, page_by_page_keeps_contents_and_zeroes_new_pages)
{
    memory m = memory_new(PAGE);
    size_t changes = 0, carried = 0, final = 96 * MIB;
    stamp(m.data, 0, PAGE, 1);
    while (m.size < final) {
        size_t old = m.size, old_cap = m.cap;
        cr_assert(memory_grow(&m, old + PAGE), "grow to %zu", old + PAGE);
        cr_assert(all_zero(m.data + old, PAGE), "new page at %zu", old);
        stamp(m.data, old, m.size, 1);
        if (m.cap != old_cap) {
            changes++;
            carried += old;
            cr_assert(eq(sz, first_lost(m.data, 0, m.size, 1), m.size),
                      "contents lost growing to %zu", m.size);
            cr_assert(all_zero(m.data + m.size, m.cap - m.size));
        }
    }
    cr_assert(eq(sz, first_lost(m.data, 0, m.size, 1), m.size));
    cr_expect(le(sz, changes, 16), "%zu capacity changes", changes);
    cr_expect(lt(sz, carried, 2 * final), "%zu bytes carried", carried);
    memory_free(&m);
}

/* A grow by many pages at once gets at least what it asks, keeps the
 * contents, and the next small grow doubles from there. */
Test(sched_linmem_grow, big_steps_keep_contents)
{
    memory m = memory_new(2 * PAGE);
    stamp(m.data, 0, m.size, 2);
    cr_assert(memory_grow(&m, 100 * MIB));
    cr_assert(eq(sz, first_lost(m.data, 0, 2 * PAGE, 2), 2 * PAGE));
    cr_assert(all_zero(m.data + 2 * PAGE, 100 * MIB - 2 * PAGE));
    stamp(m.data, 0, m.size, 2);
    cr_assert(memory_grow(&m, 100 * MIB + PAGE));
    cr_assert(eq(sz, m.cap, 200 * MIB));
    cr_assert(eq(sz, first_lost(m.data, 0, 100 * MIB, 2), 100 * MIB));
    cr_assert(all_zero(m.data + 100 * MIB, PAGE));
    memory_free(&m);
}

/* Doubling stops at the 4 GiB a wasm32 memory can reach (address space
 * only: the pages are never touched). */
Test(sched_linmem_grow, capacity_stops_at_4_gib)
{
    if ((uint64_t)SIZE_MAX < ((uint64_t)4 << 30))
        cr_skip_test("a 32-bit host cannot hold 4 GiB");
    size_t gib = (size_t)1 << 30;
    memory m = memory_new(3 * gib);
    m.data[0] = 5;
    m.data[3 * gib - 1] = 6;
    cr_assert(memory_grow(&m, 3 * gib + PAGE));
    cr_expect(eq(sz, m.cap, 4 * gib));
    cr_expect(eq(u8, m.data[0], 5));
    cr_expect(eq(u8, m.data[3 * gib - 1], 6));
    uint8_t *before = m.data;
    cr_assert(memory_grow(&m, 4 * gib));
    cr_expect(eq(ptr, m.data, before)); /* within the capacity: no move */
    cr_expect(eq(sz, m.cap, 4 * gib));
    m.data[4 * gib - 1] = 7;
    memory_free(&m);
}

/* Memories released after growing (large, and the small blocks a grow
 * left behind) come back zero. */
Test(sched_linmem_grow, released_memories_come_back_zero)
{
    memory m = memory_new(PAGE);
    while (m.size < 40 * MIB) {
        size_t old = m.size;
        cr_assert(memory_grow(&m, old + PAGE));
        stamp(m.data, old, m.size, 3);
    }
    m.mp->release(m.mp->ud, m.data, m.cap);
    for (int round = 0; round < 2; round++) {
        for (size_t bytes = PAGE; bytes <= 64 * MIB; bytes *= 2) {
            size_t cap = 0;
            uint8_t *p = m.mp->alloc(m.mp->ud, bytes, &cap);
            cr_assert(ne(ptr, p, NULL));
            cr_assert(all_zero(p, cap), "round %d, %zu bytes", round, bytes);
            stamp(p, 0, cap, 4);
            m.mp->release(m.mp->ud, p, cap);
        }
    }
    sched__linmem_free(m.lm);
}

/* A memory of 0 pages has no block (the VM passes NULL, 0, 0): its first
 * grow is an allocation, small or large. */
Test(sched_linmem_grow, a_memory_of_no_pages_grows)
{
    sched_linmem_t *lm = sched__linmem_new();
    const vm_mem_provider *mp = sched__linmem_provider(lm);
    size_t sizes[] = {PAGE, 20 * MIB};
    for (int i = 0; i < 2; i++) {
        size_t cap = 0;
        uint8_t *p = mp->grow(mp->ud, NULL, 0, 0, sizes[i], &cap);
        cr_assert(ne(ptr, p, NULL));
        cr_assert(ge(sz, cap, sizes[i]));
        cr_assert(all_zero(p, cap));
        stamp(p, 0, sizes[i], 8);
        mp->release(mp->ud, p, cap);
    }
    sched__linmem_free(lm);
}

/* A grow asking for more than the address space holds fails, and the
 * memory is as it was: same block, contents, still growable. */
Test(sched_linmem_grow, an_impossible_grow_leaves_the_memory_intact)
{
    memory m = memory_new(20 * MIB);
    stamp(m.data, 0, m.size, 5);
    uint8_t *before = m.data;
    size_t cap = m.cap;
    cr_assert(not(memory_grow(&m, SIZE_MAX & ~(PAGE - 1))));
    cr_assert(eq(ptr, m.data, before));
    cr_assert(eq(sz, m.cap, cap));
    cr_assert(eq(sz, first_lost(m.data, 0, m.size, 5), m.size));
    cr_assert(memory_grow(&m, 20 * MIB + PAGE));
    cr_assert(eq(sz, first_lost(m.data, 0, 20 * MIB, 5), 20 * MIB));
    memory_free(&m);
}

/* The process's address space in bytes (VmSize), or 0. */
static size_t vm_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* The address space a test under RLIMIT_AS leaves to spare: less than
 * doubling a 32 MiB memory takes, more than growing it by a page takes
 * (with mremap, the pages added; with a copy, a second mapping). */
#if defined(__linux__) && !defined(LINMEM_FORCE_COPY)
#define SPARE (16 * MIB)
#else
#define SPARE (48 * MIB)
#endif

/* Under RLIMIT_AS: a large memory that cannot double grows by just what
 * is asked; a grow that cannot be had at all fails with the memory
 * intact, large or small. (Criterion runs each test in a process of its
 * own, so the limit stays here.) */
Test(sched_linmem_grow, grows_under_an_address_space_limit)
{
    memory m = memory_new(32 * MIB);
    size_t small_cap = 0;
    uint8_t *small = m.mp->alloc(m.mp->ud, 8 * MIB, &small_cap);
    cr_assert(ne(ptr, small, NULL));
    stamp(m.data, 0, m.size, 6);
    stamp(small, 0, 8 * MIB, 7);
    size_t vm = vm_size();
    cr_assert(gt(sz, vm, 0));
    struct rlimit rl = {vm + SPARE, vm + SPARE};
    cr_assert(eq(int, setrlimit(RLIMIT_AS, &rl), 0));

    cr_assert(memory_grow(&m, 32 * MIB + PAGE)); /* 64 MiB: too much */
    cr_expect(eq(sz, m.cap, 32 * MIB + PAGE));
    cr_assert(eq(sz, first_lost(m.data, 0, 32 * MIB, 6), 32 * MIB));
    uint8_t *before = m.data;
    cr_assert(not(memory_grow(&m, 64 * MIB)));
    cr_assert(eq(ptr, m.data, before));
    cr_assert(eq(sz, first_lost(m.data, 0, 32 * MIB, 6), 32 * MIB));

    size_t got = 0;
    cr_assert(eq(ptr, m.mp->grow(m.mp->ud, small, 8 * MIB, small_cap,
                                 8 * MIB + SPARE, &got), NULL));
    cr_assert(eq(sz, first_lost(small, 0, 8 * MIB, 7), 8 * MIB));
    m.mp->release(m.mp->ud, small, small_cap);
    memory_free(&m);
}
