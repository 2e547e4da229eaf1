/* test_image.c: a module's initial memory as an image (vm/image.c),
 * copied at instantiation or, with vm_config.lazy_memory, at the first
 * access. Every case runs the same calls on three instances of
 * tests/unit/vm/wat/image.wat: data segments applied one by one (no_image,
 * the reference path), the image copied at once, and the lazy memory.
 * Their results, traps and final memories must be equal byte for byte. */
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

TestSuite(vm_image, .timeout = 30);

static vm_module_t *load(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    static uint8_t buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vm_module_t *m = NULL;
    cr_assert(vm_module_load(buf, n, NULL, &m, err, sizeof err) == 0, "%s",
              err);
    return m;
}

enum { PLAIN, IMAGE, LAZY, NWAYS };
static const char *const way_name[NWAYS] = {"plain", "image", "lazy"};

static vm_instance_t *instantiate(vm_module_t *m, int way,
                                  const vm_mem_provider *pv)
{
    vm_config cfg = {.no_image = way == PLAIN, .lazy_memory = way == LAZY,
                     .mem_provider = pv};
    vm_instance_t *in = NULL;
    char err[256];
    cr_assert(vm_instance_new(m, NULL, 0, &cfg, &in, err, sizeof err) == 0,
              "%s: %s", way_name[way], err);
    return in;
}

/* One call: its export, up to three i32 arguments. */
typedef struct call {
    const char *fn;
    uint32_t nargs;
    int32_t a[3];
} call_t;

/* What a call did: its result (if any) or its trap. */
typedef struct outcome {
    vm_status st;
    vm_trap_kind trap;
    int32_t result;
} outcome_t;

static outcome_t run(vm_instance_t *in, const call_t *c)
{
    vm_func_t *f = vm_instance_export_func(in, c->fn);
    cr_assert(f != NULL, "no export %s", c->fn);
    vm_value args[3] = {{0}};
    for (uint32_t i = 0; i < c->nargs; i++) args[i].i32 = c->a[i];
    vm_exec_t *ex = vm_exec_new(NULL);
    cr_assert(vm_exec_call(ex, f, args, c->nargs) == 0);
    outcome_t o = {vm_run(ex, 1000000), VM_TRAP_NONE, 0};
    if (o.st == VM_TRAP) o.trap = vm_exec_trap(ex);
    vm_value res[1];
    if (o.st == VM_DONE && vm_exec_results(ex, res, 1) == 1)
        o.result = res[0].i32;
    vm_exec_free(ex);
    return o;
}

/* Runs calls on the three ways; every outcome and the final memories
 * must agree. */
static void same_three_ways(const call_t *calls, size_t n)
{
    vm_module_t *m = load("image.wasm");
    cr_assert(m->has_image, "image.wat should have an image");
    vm_instance_t *in[NWAYS];
    for (int w = 0; w < NWAYS; w++) in[w] = instantiate(m, w, NULL);
    for (size_t i = 0; i < n; i++) {
        outcome_t o[NWAYS];
        for (int w = 0; w < NWAYS; w++) o[w] = run(in[w], &calls[i]);
        for (int w = 1; w < NWAYS; w++) {
            cr_expect(eq(int, o[w].st, o[PLAIN].st), "call %zu (%s): %s", i,
                      calls[i].fn, way_name[w]);
            cr_expect(eq(int, o[w].trap, o[PLAIN].trap), "call %zu (%s): %s",
                      i, calls[i].fn, way_name[w]);
            cr_expect(eq(i32, o[w].result, o[PLAIN].result),
                      "call %zu (%s): %s", i, calls[i].fn, way_name[w]);
        }
    }
    uint64_t size[NWAYS];
    uint8_t *data[NWAYS];
    for (int w = 0; w < NWAYS; w++)
        data[w] = vm_memory_data(vm_instance_memory(in[w]), &size[w]);
    for (int w = 1; w < NWAYS; w++) {
        cr_assert(eq(u64, size[w], size[PLAIN]), "%s", way_name[w]);
        cr_expect(memcmp(data[w], data[PLAIN], (size_t)size[w]) == 0,
                  "%s: memory differs from the plain path", way_name[w]);
    }
    for (int w = 0; w < NWAYS; w++) vm_instance_free(in[w]);
    vm_module_free(m);
}

#define SAME(...)                                                         \
    do {                                                                  \
        static const call_t c_[] = {__VA_ARGS__};                         \
        same_three_ways(c_, sizeof c_ / sizeof c_[0]);                    \
    } while (0)

Test(vm_image, reads_first)
{
    SAME({"load8", 1, {1024}}, {"load8", 1, {1026}}, {"load8", 1, {1030}},
         {"load8", 1, {1033}}, {"load8", 1, {1035}}, {"load8", 1, {131071}},
         {"load8", 1, {70001}});
}

Test(vm_image, a_store_first)
{
    SAME({"store32", 2, {4096, (int32_t)0xdeadbeef}}, {"load8", 1, {4097}},
         {"load8", 1, {1031}});
}

Test(vm_image, size_and_grow_first)
{
    SAME({"size", 0, {0}}, {"grow", 1, {1}}, {"size", 0, {0}},
         {"load8", 1, {1030}}, {"store32", 2, {131072 + 8, 7}},
         {"grow", 1, {5}}, {"size", 0, {0}});
}

Test(vm_image, bulk_memory_first)
{
    SAME({"init_passive", 1, {2000}}, {"load8", 1, {2003}});
    SAME({"fill", 3, {100, 0x55, 10}}, {"copy", 3, {200, 1024, 16}},
         {"load8", 1, {205}});
    SAME({"copy", 3, {300, 131060, 12}}, {"load8", 1, {311}});
}

Test(vm_image, dropped_active_segments_and_traps_first)
{
    SAME({"init_active", 2, {0, 0}}, {"init_active", 2, {0, 1}},
         {"load8", 1, {1026}});
    SAME({"oob", 0, {0}}, {"load8", 1, {1030}});
    SAME({"fill", 3, {131072, 0, 1}}, {"fill", 3, {131072, 0, 0}},
         {"copy", 3, {0, 131073, 0}});
}

/* A provider that counts the blocks it hands out. */
static int allocs;
static void *count_alloc(void *ud, size_t bytes, size_t *cap)
{
    (void)ud;
    allocs++;
    *cap = bytes;
    return calloc(1, bytes);
}
static void *count_grow(void *ud, void *p, size_t old, size_t cap,
                        size_t bytes, size_t *out_cap)
{
    (void)ud, (void)cap;
    uint8_t *n = realloc(p, bytes);
    if (n) memset(n + old, 0, bytes - old);
    *out_cap = bytes;
    return n;
}
static void count_release(void *ud, void *p, size_t cap)
{
    (void)ud, (void)cap;
    free(p);
}

Test(vm_image, a_lazy_memory_has_no_block_until_touched)
{
    vm_mem_provider pv = {count_alloc, count_grow, count_release, NULL};
    vm_module_t *m = load("image.wasm");
    allocs = 0;
    vm_instance_t *in = instantiate(m, LAZY, &pv);
    vm_memory_t *mem = vm_instance_memory(in);
    cr_expect(eq(int, allocs, 0));
    cr_expect(eq(u64, vm_memory_size(mem), 2 * 65536));
    call_t size = {"size", 0, {0}}, load = {"load8", 1, {1030}};
    cr_expect(eq(i32, run(in, &size).result, 2));
    cr_expect(eq(int, allocs, 0), "memory.size made the block");
    cr_expect(mem->lazy);
    cr_expect(eq(i32, run(in, &load).result, 'X'));
    cr_expect(eq(int, allocs, 1));
    cr_expect(not(mem->lazy));
    vm_instance_free(in);
    /* The host's way in makes it too. */
    in = instantiate(m, LAZY, &pv);
    uint64_t n = 0;
    uint8_t *d = vm_memory_data(vm_instance_memory(in), &n);
    cr_assert(ne(ptr, d, NULL));
    cr_expect(eq(u64, n, 2 * 65536));
    cr_expect(eq(int, memcmp(d + 1026, "abcdXYZhij", 10), 0));
    cr_expect(eq(int, allocs, 2));
    vm_instance_free(in); /* and an untouched one frees nothing */
    in = instantiate(m, LAZY, &pv);
    vm_instance_free(in);
    cr_expect(eq(int, allocs, 2));
    vm_module_free(m);
}

Test(vm_image, the_image_holds_only_the_nonzero_extent)
{
    vm_module_t *m = load("image.wasm");
    cr_expect(eq(u32, m->image_at, 1026));
    cr_expect(eq(u32, m->image_at + m->image_len, 131072));
    cr_expect(eq(int, memcmp(m->image, "abcdXYZhij", 10), 0));
    vm_module_free(m);
}

/* An offset read from an imported global depends on the instance: no
 * image, and a lazy config still gets the segments applied. */
Test(vm_image, an_imported_offset_means_no_image)
{
    vm_module_t *m = load("image_import.wasm");
    cr_expect(not(m->has_image));
    vm_global_t *g = vm_global_new(VM_I32, false, (vm_value){.i32 = 10});
    vm_extern imp = {.kind = VM_EXTERN_GLOBAL, .u.global = g};
    vm_config cfg = {.lazy_memory = true};
    vm_instance_t *in = NULL;
    char err[256];
    cr_assert(vm_instance_new(m, &imp, 1, &cfg, &in, err, sizeof err) == 0,
              "%s", err);
    call_t load = {"load8", 1, {10}};
    cr_expect(eq(i32, run(in, &load).result, 'm'));
    vm_instance_free(in);
    vm_global_free(g);
    vm_module_free(m);
}
