/* test_alloc.c: unit tests of vm/alloc.c: every byte vm/ allocates goes
 * through the embedder's vm_allocator and comes back to it, an allocator
 * that fails at any point gives a clean error, and vm/ calls no libc
 * allocator but from alloc.c. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

/* {===== a counting allocator that can fail at its Nth allocation */

typedef struct counting {
    size_t live, peak;  /* bytes held now, at most */
    long allocations;   /* calls that allocate or grow */
    long fail_at;       /* that call returns NULL (1-based; 0: never) */
    long size_mismatch; /* calls whose old_size was not the block's size */
} counting;

/* Each block remembers its size, to check what the vm says it is. */
typedef union header {
    size_t size;
    max_align_t align;
} header;

static void *counting_realloc(void *ud, void *ptr, size_t old_size,
                              size_t new_size)
{
    counting *c = ud;
    header *h = ptr != NULL ? (header *)ptr - 1 : NULL;
    if (h != NULL && h->size != old_size) c->size_mismatch++;
    if (h == NULL && old_size != 0) c->size_mismatch++;
    if (new_size == 0) {
        if (h != NULL) c->live -= h->size;
        free(h);
        return NULL;
    }
    if (++c->allocations == c->fail_at) return NULL;
    header *nh = realloc(h, sizeof *nh + new_size);
    if (nh == NULL) return NULL;
    c->live += new_size - (h != NULL ? old_size : 0);
    if (c->live > c->peak) c->peak = c->live;
    nh->size = new_size;
    return nh + 1;
}

static counting counts;

static void use_counting_allocator(void)
{
    memset(&counts, 0, sizeof counts);
    vm_set_allocator(&(vm_allocator){counting_realloc, &counts});
}

static void restore_allocator(void)
{
    vm_set_allocator(NULL);
}

TestSuite(vm_alloc, .init = use_counting_allocator,
          .fini = restore_allocator, .timeout = 60);

/* }===== */
/* {===== the scenario: decode, instantiate and run tests/unit/vm/wat/alloc.wat */

static uint8_t *read_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(not(eq(ptr, f, NULL)), "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len);
    cr_assert(eq(sz, fread(b, 1, *len, f), *len));
    fclose(f);
    return b;
}

static vm_status host_add(vm_exec_t *ex, vm_slot *args, void *ud)
{
    (void)ex, (void)ud;
    args[0].i32 = args[0].i32 + args[1].i32;
    return VM_OK;
}

enum outcome { RAN, LOAD_FAILED, IMPORT_FAILED, INSTANCE_FAILED, EXEC_FAILED,
               CALL_FAILED, TRAPPED };

/* Runs the whole scenario, freeing everything it made whatever happens.
 * Each step that fails must fail the way an out-of-memory should. */
static enum outcome scenario(const uint8_t *bytes, size_t len)
{
    vm_module_t *m = NULL;
    vm_instance_t *inst = NULL;
    vm_exec_t *ex = NULL;
    vm_func_t *add = vm_host_func_new("ii:i", host_add, NULL, "add");
    vm_global_t *base = vm_global_new(VM_I32, false, (vm_value){.i32 = 100});
    char err[256] = "";
    enum outcome out = RAN;
    int rc;
    if ((rc = vm_module_load(bytes, len, NULL, &m, err, sizeof err)) != 0) {
        cr_expect(eq(int, rc, LUN_ENOMEM), "load: %s", err);
        cr_expect(not(eq(ptr, strstr(err, "out of memory"), NULL)), "%s", err);
        cr_expect(eq(ptr, m, NULL));
        out = LOAD_FAILED;
        goto done;
    }
    if (add == NULL || base == NULL) {
        out = IMPORT_FAILED;
        goto done;
    }
    vm_extern imports[2] = {{VM_EXTERN_FUNC, {.func = add}},
                            {VM_EXTERN_GLOBAL, {.global = base}}};
    if ((rc = vm_instance_new(m, imports, 2, NULL, &inst, err, sizeof err))) {
        cr_expect(eq(int, rc, LUN_ENOMEM), "instance: %s", err);
        cr_expect(eq(ptr, inst, NULL));
        out = INSTANCE_FAILED;
        goto done;
    }
    if ((ex = vm_exec_new(NULL)) == NULL) {
        out = EXEC_FAILED;
        goto done;
    }
    vm_func_t *run = vm_instance_export_func(inst, "run");
    cr_assert(not(eq(ptr, run, NULL)));
    if ((rc = vm_exec_call(ex, run, NULL, 0)) != 0) { /* compiles run */
        cr_expect(rc == LUN_ENOMEM || rc == LUN_ELIMIT, "rc %d", rc);
        out = CALL_FAILED;
        goto done;
    }
    vm_status st;
    while ((st = vm_run(ex, 1000)) == VM_YIELD) {}
    if (st == VM_TRAP) {
        cr_expect(eq(int, vm_exec_trap(ex), VM_TRAP_OUT_OF_MEMORY), "%s",
                  vm_exec_trap_message(ex));
        out = TRAPPED;
        goto done;
    }
    cr_expect(eq(int, st, VM_DONE));
    vm_value result;
    cr_expect(eq(u32, vm_exec_results(ex, &result, 1), 1));
    cr_expect(eq(i32, result.i32, 1525 + 7 * 6 + 100));
done:
    vm_exec_free(ex);
    vm_instance_free(inst);
    vm_module_free(m);
    vm_host_func_free(add);
    vm_global_free(base);
    return out;
}

/* }===== */

Test(vm_alloc, every_byte_allocated_is_freed)
{
    size_t len;
    uint8_t *bytes = read_fixture(FIXTURE_DIR "/alloc.wasm", &len);
    cr_expect(eq(int, scenario(bytes, len), RAN));
    cr_expect(gt(long, counts.allocations, 10), "the vm did not use the hook");
    cr_expect(eq(sz, counts.live, 0), "%zu bytes leaked", counts.live);
    cr_expect(eq(long, counts.size_mismatch, 0));
    /* the memory (2 pages after the grow) went through it too */
    cr_expect(ge(sz, counts.peak, 2 * 65536));
    free(bytes);
}

/* Fails each allocation of the scenario in turn: every one must give a
 * clean error (or, for a memory.grow, the -1 the guest expects) and leave
 * nothing behind. */
Test(vm_alloc, failing_at_each_allocation_leaks_nothing)
{
    size_t len;
    uint8_t *bytes = read_fixture(FIXTURE_DIR "/alloc.wasm", &len);
    cr_assert(eq(int, scenario(bytes, len), RAN));
    long total = counts.allocations;
    int seen[TRAPPED + 1] = {0};
    for (long n = 1; n <= total; n++) {
        memset(&counts, 0, sizeof counts);
        counts.fail_at = n;
        enum outcome out = scenario(bytes, len);
        seen[out]++;
        cr_expect(eq(sz, counts.live, 0), "failing allocation %ld of %ld: "
                  "%zu bytes leaked", n, total, counts.live);
        cr_expect(eq(long, counts.size_mismatch, 0), "allocation %ld", n);
    }
    /* the failures reached every stage */
    cr_expect(gt(int, seen[LOAD_FAILED], 0));
    cr_expect(gt(int, seen[INSTANCE_FAILED], 0));
    cr_expect(gt(int, seen[CALL_FAILED], 0));
    cr_expect(gt(int, seen[TRAPPED], 0));
    free(bytes);
}

/* Only alloc.c may reach libc's allocator: the library's undefined
 * symbols name malloc, calloc, realloc or free in no other object. */
Test(vm_alloc, no_libc_allocator_outside_alloc_c)
{
    FILE *p = popen("nm -u -A " FIXTURE_DIR "/../libvm.a", "r");
    cr_assert(not(eq(ptr, p, NULL)));
    char line[512];
    int in_alloc_o = 0, elsewhere = 0;
    static const char *const names[] = {"malloc", "calloc", "realloc", "free",
                                        "strdup", "strndup", "qsort",
                                        "aligned_alloc", "posix_memalign"};
    while (fgets(line, sizeof line, p) != NULL) {
        char *sym = strrchr(line, ' ');
        if (sym == NULL) continue;
        sym[strcspn(sym, "\n")] = '\0';
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            if (strcmp(sym + 1, names[i]) != 0) continue;
            if (strstr(line, ":alloc.o:") != NULL) in_alloc_o++;
            else {
                elsewhere++;
                cr_expect(0, "libc allocator used: %s", line);
            }
        }
    }
    cr_expect(eq(int, pclose(p), 0), "nm failed");
    cr_expect(eq(int, in_alloc_o, 3)); /* calloc, free, realloc */
    cr_expect(eq(int, elsewhere, 0));
}
