/* test_simd.c: v128 values in the compiler's frame layout (two slots
 * each, vm/simd.h) through vm/vm.h: locals beside i64 locals, calls with
 * mixed parameters and results, block results merged by br_table, loop
 * parameters, select, globals and a host function taking a v128. The
 * semantics of each opcode are the spec suite's job (make spec). */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

/* {===== fixture: tests/unit/vm/wat/simd.wat */

static vm_module_t *mod;
static vm_instance_t *inst;
static vm_exec_t *ex;
static vm_func_t *swap;

/* host.swap_halves (v128, i32) -> (i32, v128): returns the i32 plus one
 * and the vector with its two 64-bit halves swapped. Host functions see
 * slots: the v128 argument is args[0..1] and the i32 args[2]; the results
 * go to args[0] (the i32) and args[1..2] (the v128). */
static vm_status host_swap(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)ud;
    uint64_t lo = args[0].u64, hi = args[1].u64;
    int32_t k = args[2].i32;
    args[0].i32 = k + 1;
    args[1].u64 = hi;
    args[2].u64 = lo;
    return VM_OK;
}

static void setup(void)
{
    char err[256];
    FILE *f = fopen(FIXTURE_DIR "/simd.wasm", "rb");
    cr_assert(f != NULL, "missing fixture simd.wasm (built by make)");
    uint8_t *bytes = malloc(1 << 16);
    size_t len = fread(bytes, 1, 1 << 16, f);
    fclose(f);
    cr_assert(eq(int, vm_module_load(bytes, len, NULL, &mod, err, sizeof err), 0), "%s", err);
    free(bytes);
    swap = vm_host_func_new("vi:iv", host_swap, NULL, "swap_halves");
    cr_assert(swap != NULL);
    vm_extern imp = {VM_EXTERN_FUNC, {.func = swap}};
    cr_assert(eq(int, vm_instance_new(mod, &imp, 1, NULL, &inst, err, sizeof err), 0), "%s", err);
    ex = vm_exec_new(NULL);
}

static void teardown(void)
{
    vm_exec_free(ex);
    vm_instance_free(inst);
    vm_module_free(mod);
    vm_host_func_free(swap);
}

TestSuite(vm_simd, .init = setup, .fini = teardown, .timeout = 20);

static vm_value v128_i32x4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    vm_value v;
    uint32_t lanes[4] = {a, b, c, d};
    memset(&v, 0, sizeof v);
    memcpy(v.v128, lanes, 16);
    return v;
}

static uint32_t lane32(const vm_value *v, int i)
{
    uint32_t x;
    memcpy(&x, v->v128 + 4 * i, 4);
    return x;
}

static void expect_i32x4(const vm_value *v, uint32_t a, uint32_t b, uint32_t c,
                         uint32_t d)
{
    cr_expect(eq(u32, lane32(v, 0), a));
    cr_expect(eq(u32, lane32(v, 1), b));
    cr_expect(eq(u32, lane32(v, 2), c));
    cr_expect(eq(u32, lane32(v, 3), d));
}

/* Calls export `name`, runs it to the end, returns its result count. */
static uint32_t run(const char *name, const vm_value *args, uint32_t nargs,
                    vm_value *out, uint32_t max)
{
    vm_func_t *fn = vm_instance_export_func(inst, name);
    cr_assert(fn != NULL, "no export %s", name);
    cr_assert(eq(int, vm_exec_call(ex, fn, args, nargs), 0));
    vm_status st = vm_run(ex, 1000000);
    cr_assert(eq(int, st, VM_DONE), "%s: %s", name, vm_exec_trap_message(ex));
    return vm_exec_results(ex, out, max);
}

/* }===== */

Test(vm_simd, v128_locals_keep_apart_from_i64_locals)
{
    vm_value args[3], r[3];
    args[0].i64 = 1000;
    args[1] = v128_i32x4(5, 6, 7, 0xffffffffu);
    args[2].i64 = -1;
    cr_assert(eq(u32, run("mixed_locals", args, 3, r, 3), 3));
    cr_expect(eq(i64, r[0].i64, 1010));
    expect_i32x4(&r[1], 6, 7, 8, 0); /* the last lane wraps */
    cr_expect(eq(i64, r[2].i64, 19));
}

Test(vm_simd, v128_and_scalars_cross_a_call)
{
    vm_value arg = v128_i32x4(1, 2, 3, 0x80000000u), r[2];
    cr_assert(eq(u32, run("call_mixed", &arg, 1, r, 2), 2));
    expect_i32x4(&r[0], 2, 4, 6, 0);
    cr_expect(eq(i64, r[1].i64, 21));
}

Test(vm_simd, br_table_merges_each_target_into_the_same_slots)
{
    vm_value args[2], r[2];
    args[1] = v128_i32x4(1, 2, 3, 4);
    /* target 0 ($b0): straight out, 100 and v + v (i8 lanes) */
    args[0].i32 = 0;
    cr_assert(eq(u32, run("br_table_merge", args, 2, r, 2), 2));
    cr_expect(eq(i64, r[0].i64, 100));
    expect_i32x4(&r[1], 2, 4, 6, 8);
    /* target 1 ($b1): the vector replaced by splat 9 */
    args[0].i32 = 1;
    run("br_table_merge", args, 2, r, 2);
    cr_expect(eq(i64, r[0].i64, 100));
    expect_i32x4(&r[1], 0x09090909u, 0x09090909u, 0x09090909u, 0x09090909u);
    /* target 2 and beyond (default $b2): 101 and -(v + v) */
    for (int32_t i = 2; i < 4; i++) {
        args[0].i32 = i;
        run("br_table_merge", args, 2, r, 2);
        cr_expect(eq(i64, r[0].i64, 101));
        expect_i32x4(&r[1], (uint32_t)-2, (uint32_t)-4, (uint32_t)-6, (uint32_t)-8);
    }
}

Test(vm_simd, loop_parameters_carry_a_v128_round_the_back_edge)
{
    vm_value args[2], r;
    args[0] = v128_i32x4(10, 20, 30, 40);
    args[1].i32 = 3;
    cr_assert(eq(u32, run("loop_params", args, 2, &r, 1), 1));
    expect_i32x4(&r, 13, 26, 39, 52); /* three times + (1 2 3 4) */
}

Test(vm_simd, select_picks_whole_v128_values)
{
    vm_value args[3], r[2];
    args[0] = v128_i32x4(1, 2, 3, 4);
    args[1] = v128_i32x4(5, 6, 7, 8);
    args[2].i32 = 1;
    cr_assert(eq(u32, run("select_v128", args, 3, r, 2), 2));
    expect_i32x4(&r[0], 1, 2, 3, 4);
    expect_i32x4(&r[1], 5, 6, 7, 8);
    args[2].i32 = 0;
    run("select_v128", args, 3, r, 2);
    expect_i32x4(&r[0], 5, 6, 7, 8);
    expect_i32x4(&r[1], 1, 2, 3, 4);
}

Test(vm_simd, v128_global_is_read_and_written_whole)
{
    vm_value arg = v128_i32x4(10, 0, 20, 0), r;
    run("global_rw", &arg, 1, &r, 1);
    /* old (1 2 3 4) + new as i64x2: (1 + 10, 2) (3 + 20, 4) */
    expect_i32x4(&r, 11, 2, 23, 4);
    /* the global now holds the argument: a second run adds it twice */
    run("global_rw", &arg, 1, &r, 1);
    expect_i32x4(&r, 20, 0, 40, 0);
}

Test(vm_simd, host_function_gets_and_returns_v128_values)
{
    vm_value arg = v128_i32x4(1, 2, 3, 4), r[2];
    cr_assert(eq(u32, run("host_roundtrip", &arg, 1, r, 2), 2));
    cr_expect(eq(i32, r[0].i32, 6));
    expect_i32x4(&r[1], 3, 4, 1, 2);
}

Test(vm_simd, host_signature_letter_v_is_v128)
{
    uint32_t np, nr;
    const uint8_t *p, *res;
    vm_func_type(swap, &np, &p, &nr, &res);
    cr_assert(eq(u32, np, 2));
    cr_expect(eq(u8, p[0], VM_V128));
    cr_expect(eq(u8, res[1], VM_V128));
}

Test(vm_simd, v128_load_past_the_end_traps)
{
    vm_value arg, r;
    arg.i32 = 65536 - 16;
    cr_assert(eq(u32, run("load_at", &arg, 1, &r, 1), 1));
    arg.i32 = 65536 - 15;
    vm_func_t *fn = vm_instance_export_func(inst, "load_at");
    cr_assert(eq(int, vm_exec_call(ex, fn, &arg, 1), 0));
    cr_assert(eq(int, vm_run(ex, 1000), VM_TRAP));
    cr_expect(eq(int, vm_exec_trap(ex), VM_TRAP_MEM_OOB));
}

/* A callee with three v128 locals (six slots) starts with them all zero,
 * after another call left non-zero values in the same frame slots. */
Test(vm_simd, v128_locals_start_zero_in_a_reused_frame)
{
    vm_value r;
    cr_assert(eq(u32, run("v128_locals_start_zero", NULL, 0, &r, 1), 1));
    cr_expect(eq(i32, r.i32, 0));
}
