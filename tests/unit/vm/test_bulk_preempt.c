/* test_bulk_preempt.c: a memory.copy or memory.fill longer than
 * VM_BULK_CHUNK runs a chunk at a time and yields between chunks when the
 * budget is spent (vm/memory.c, vm__bulk_chunks). Each case runs once in
 * one go and once on a small budget, resumed until done, on two instances
 * of tests/unit/vm/wat/bulk_preempt.wat; their memories must match
 * byte for byte, and against memmove/memset, and the small-budget run
 * must really have yielded part-way. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"
#include "vm/vm_int.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

TestSuite(vm_bulk_preempt, .timeout = 60);

static vm_module_t *load_fixture(void)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/bulk_preempt.wasm", FIXTURE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    static uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vm_module_t *m = NULL;
    cr_assert(vm_module_load(buf, n, NULL, &m, err, sizeof err) == 0, "%s",
              err);
    return m;
}

static uint8_t *memory_of(vm_instance_t *in, uint64_t *size)
{
    return vm_memory_data(vm_instance_memory(in), size);
}

static void pattern(uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 131 + (i >> 9));
}

/* Call fn(args) on inst with `budget` per vm_run until it ends; returns
 * the number of runs it took, and the reductions spent in *reds. */
static int run_to_end(vm_instance_t *in, const char *fn, const vm_value *args,
                      uint32_t nargs, uint64_t budget, uint64_t *reds,
                      vm_status *last)
{
    vm_exec_t *ex = vm_exec_new(NULL);
    cr_assert(vm_exec_call(ex, vm_instance_export_func(in, fn), args,
                           nargs) == 0);
    int runs = 0;
    vm_status st;
    *reds = 0;
    do {
        st = vm_run(ex, budget);
        *reds += vm_exec_reductions_used(ex);
        runs++;
    } while (st == VM_YIELD && runs < 1000000);
    *last = st;
    vm_exec_free(ex);
    return runs;
}

typedef struct two {
    vm_module_t *m;
    vm_instance_t *whole, *sliced;
} two_t;

static two_t two_instances(void)
{
    two_t t = {.m = load_fixture()};
    char err[256];
    cr_assert(vm_instance_new(t.m, NULL, 0, NULL, &t.whole, err,
                              sizeof err) == 0, "%s", err);
    cr_assert(vm_instance_new(t.m, NULL, 0, NULL, &t.sliced, err,
                              sizeof err) == 0, "%s", err);
    uint64_t n;
    uint8_t *mem = memory_of(t.whole, &n);
    pattern(mem, n);
    mem = memory_of(t.sliced, &n);
    pattern(mem, n);
    return t;
}

static void free_two(two_t *t)
{
    vm_instance_free(t->whole);
    vm_instance_free(t->sliced);
    vm_module_free(t->m);
}

/* fn(args) in one run and in small slices give the same memory, equal to
 * `want` (the reference applied to the pattern). */
static void check_case(const char *fn, const vm_value *args, uint32_t nargs,
                       uint64_t len, const uint8_t *want)
{
    two_t t = two_instances();
    uint64_t reds_whole, reds_sliced, n;
    vm_status st;
    int runs = run_to_end(t.whole, fn, args, nargs, UINT64_MAX / 2,
                          &reds_whole, &st);
    cr_assert(st == VM_DONE && runs == 1, "%s: one go: status %d, %d runs",
              fn, (int)st, runs);
    runs = run_to_end(t.sliced, fn, args, nargs, 1000, &reds_sliced, &st);
    cr_assert(st == VM_DONE, "%s: sliced: status %d", fn, (int)st);
    cr_assert(runs > 10, "%s: a budget of 1000 must yield part-way (%d runs)",
              fn, runs);
    const uint8_t *a = memory_of(t.whole, &n), *b = memory_of(t.sliced, &n);
    cr_assert(memcmp(a, want, n) == 0, "%s: one go differs from reference", fn);
    cr_assert(memcmp(b, want, n) == 0, "%s: sliced differs from reference", fn);
    /* Each byte was charged: about n / VM_BULK_BYTES_PER_RED reductions. */
    cr_assert(reds_whole >= len / VM_BULK_BYTES_PER_RED,
              "%s: charged %llu reductions for %llu bytes", fn,
              (unsigned long long)reds_whole, (unsigned long long)len);
    free_two(&t);
}

static uint8_t *reference(uint64_t *n)
{
    *n = 64 * 65536;
    uint8_t *w = malloc(*n);
    pattern(w, *n);
    return w;
}

Test(vm_bulk_preempt, copy_overlapping_both_ways)
{
    static const uint32_t shifts[] = {1, 100, VM_BULK_CHUNK - 1,
                                      VM_BULK_CHUNK + 3, 3 * VM_BULK_CHUNK};
    for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++)
        for (int dir = 0; dir < 2; dir++) {
            uint64_t n;
            uint8_t *want = reference(&n);
            uint32_t lo = 4096, hi = lo + shifts[k], len = 1000003;
            uint32_t dst = dir ? hi : lo, src = dir ? lo : hi;
            memmove(want + dst, want + src, len);
            vm_value args[3] = {{.u32 = dst}, {.u32 = src}, {.u32 = len}};
            check_case("copy", args, 3, len, want);
            free(want);
        }
}

Test(vm_bulk_preempt, fill_slot_and_constant_lengths)
{
    uint64_t n;
    uint8_t *want = reference(&n);
    memset(want + 777, 0x5a, 2500000);
    vm_value args[3] = {{.u32 = 777}, {.u32 = 0x5a}, {.u32 = 2500000}};
    check_case("fill", args, 3, 2500000, want);
    free(want);
    want = reference(&n);
    memset(want + 12345, 0xc3, 1000000);
    vm_value cargs[2] = {{.u32 = 12345}, {.u32 = 0xc3}};
    check_case("fill_const", cargs, 2, 1000000, want);
    free(want);
}

Test(vm_bulk_preempt, out_of_bounds_traps_before_any_chunk)
{
    two_t t = two_instances();
    uint64_t reds, n;
    vm_status st;
    vm_value arg = {.u32 = 64 * 65536 - 3999999};
    run_to_end(t.sliced, "fill_oob", &arg, 1, 1000, &reds, &st);
    cr_assert(st == VM_TRAP);
    uint8_t *want = reference(&n);
    const uint8_t *got = memory_of(t.sliced, &n);
    cr_assert(memcmp(got, want, n) == 0,
              "a trapping fill wrote bytes");
    free(want);
    free_two(&t);
}
