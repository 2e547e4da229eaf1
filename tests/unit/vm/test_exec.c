/* test_exec.c: the interpreter through vm/vm.h: resumable runs, host calls
 * that block or end the run, traps, exhaustion, and the register-allocation
 * cases of the compiler (lazy locals, multi-value, loop parameters). */
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

/* {===== fixture: tests/unit/vm/wat/exec.wat with four host imports */

static vm_module_t *mod;
static vm_instance_t *inst;
static vm_exec_t *ex;
static vm_func_t *host[5];
static int block_calls;  /* invocations of host.block_once */
static int32_t block_arg; /* the argument it saw last */

static vm_status host_block_once(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)ud;
    block_arg = args[0].i32;
    if (block_calls++ == 0) return VM_BLOCK; /* first time: not ready */
    args[0].i32 = args[0].i32 * 2;
    return VM_OK;
}

static vm_status host_yield_after(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)ud;
    args[0].i32 += 1;
    return VM_YIELD;
}

static vm_status host_exit(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    *(int32_t *)ud = args[0].i32;
    return VM_DONE;
}

static vm_status host_fail(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)args;
    (void)ud;
    vm_exec_set_trap(e, VM_TRAP_HOST, "host says no");
    return VM_TRAP;
}

static int32_t exit_code;

/* lunatic::trap::catch's shape: call the guest back, traps caught. */
static vm_status host_catch(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)ud;
    vm_func_t *target = vm_instance_export_func(vm_exec_caller(e), "catch_target");
    vm_value call_args[2] = {{.u64 = args[0].u64}, {.u64 = args[1].u64}};
    if (vm_exec_host_call(e, target, call_args, 2, true) != 0) return VM_TRAP;
    return VM_CALL;
}

static uint8_t *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    uint8_t *buf = malloc(1 << 20);
    *out_len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void setup(void)
{
    size_t len;
    char err[256];
    uint8_t *bytes = read_file(FIXTURE_DIR "/exec.wasm", &len);
    cr_assert(eq(int, vm_module_load(bytes, len, NULL, &mod, err, sizeof err), 0), "%s", err);
    free(bytes);
    host[0] = vm_host_func_new("i:i", host_block_once, NULL, "block_once");
    host[1] = vm_host_func_new("i:i", host_yield_after, NULL, "yield_after");
    host[2] = vm_host_func_new("i:", host_exit, &exit_code, "exit");
    host[3] = vm_host_func_new(":", host_fail, NULL, "fail");
    host[4] = vm_host_func_new("ii:i", host_catch, NULL, "catch");
    vm_extern imports[5];
    for (int i = 0; i < 5; i++) imports[i] = (vm_extern){VM_EXTERN_FUNC, {.func = host[i]}};
    cr_assert(eq(int, vm_instance_new(mod, imports, 5, NULL, &inst, err, sizeof err), 0), "%s", err);
    vm_config cfg = {.stack_slots = 4096, .max_call_depth = 200}; /* small stacks: exhaustion comes fast */
    ex = vm_exec_new(&cfg);
    block_calls = 0;
    exit_code = -1;
}

static void teardown(void)
{
    vm_exec_free(ex);
    vm_instance_free(inst);
    vm_module_free(mod);
    for (int i = 0; i < 5; i++) vm_host_func_free(host[i]);
}

TestSuite(vm_exec, .init = setup, .fini = teardown, .timeout = 20);

/* Prepares a call of export `name` with up to two i32/i64 args. */
static void call(const char *name, int nargs, int64_t a, int64_t b)
{
    vm_value args[2];
    args[0].i64 = a;
    args[1].i64 = b;
    vm_func_t *f = vm_instance_export_func(inst, name);
    cr_assert(f != NULL, "no export %s", name);
    cr_assert(eq(int, vm_exec_call(ex, f, args, (uint32_t)nargs), 0));
}

/* Runs to the end with the given budget per vm_run; returns the number of
 * VM_YIELDs and the final status. */
static vm_status run_sliced(uint64_t budget, long *out_yields)
{
    vm_status st;
    long yields = 0;
    while ((st = vm_run(ex, budget)) == VM_YIELD) yields++;
    if (out_yields) *out_yields = yields;
    return st;
}

static vm_value result(int i)
{
    vm_value r[4];
    cr_assert(vm_exec_results(ex, r, 4) > (uint32_t)i);
    return r[i];
}

/* Calls an export with nargs of (a, b), runs it to the end, and returns
 * its first result. */
static vm_value run_call(const char *name, int nargs, int64_t a, int64_t b)
{
    call(name, nargs, a, b);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE), "%s(%lld, %lld)", name, (long long)a,
              (long long)b);
    return result(0);
}

/* }===== */
/* {===== resumability */

Test(vm_exec, infinite_loop_yields_after_budget_and_resumes)
{
    call("spin", 0, 0, 0);
    for (int i = 0; i < 50; i++) cr_assert(eq(int, vm_run(ex, 1000), VM_YIELD));
}

Test(vm_exec, paused_computation_matches_straight_run)
{
    call("fib", 1, 24, 0);
    long yields;
    cr_assert(eq(int, run_sliced(UINT64_MAX, &yields), VM_DONE));
    cr_assert(eq(long, yields, 0));
    int32_t straight = result(0).i32;
    cr_assert(eq(i32, straight, 46368));
    /* Budgets of 1, 7 and 1000 stop it at calls and branches all over. */
    const uint64_t budgets[] = {1, 7, 1000};
    for (int i = 0; i < 3; i++) {
        call("fib", 1, 24, 0);
        cr_assert(eq(int, run_sliced(budgets[i], &yields), VM_DONE));
        cr_assert(gt(long, yields, 0));
        cr_assert(eq(i32, result(0).i32, straight));
    }
}

Test(vm_exec, long_loop_sum_survives_many_yields)
{
    call("sum", 1, 100000, 0);
    long yields;
    cr_assert(eq(int, run_sliced(3, &yields), VM_DONE));
    cr_assert(eq(i64, result(0).i64, 5000050000LL));
    /* 100000 taken backward branches; each slice spends 3 and yields at
     * the 4th, landing on its target */
    cr_assert(eq(long, yields, 25000));
}

Test(vm_exec, host_block_is_reinvoked_with_same_args)
{
    call("block_once", 1, 21, 0);
    cr_assert(eq(int, vm_run(ex, 1000), VM_BLOCK));
    cr_assert(eq(int, block_calls, 1));
    cr_assert(eq(int, vm_run(ex, 1000), VM_DONE));
    cr_assert(eq(int, block_calls, 2));
    cr_assert(eq(i32, block_arg, 21));
    cr_assert(eq(i32, result(0).i32, 43)); /* 21 * 2 + 1 */
}

Test(vm_exec, host_yield_completes_the_call_then_yields)
{
    call("yield_after", 1, 5, 0);
    cr_assert(eq(int, vm_run(ex, 1000), VM_YIELD));
    cr_assert(eq(int, vm_run(ex, 1000), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 6));
}

Test(vm_exec, host_done_ends_the_run)
{
    call("exit", 0, 0, 0);
    cr_assert(eq(int, vm_run(ex, 1000), VM_DONE));
    cr_assert(eq(i32, exit_code, 3));
    vm_value r[1];
    cr_assert(eq(u32, vm_exec_results(ex, r, 1), 0));
}

/* }===== */
/* {===== traps */

static void expect_trap(vm_trap_kind kind, const char *text)
{
    cr_assert(eq(int, run_sliced(1000, NULL), VM_TRAP));
    cr_assert(eq(int, vm_exec_trap(ex), kind));
    const char *msg = vm_exec_trap_message(ex);
    cr_assert(strstr(msg, text) != NULL, "message: %s", msg);
}

Test(vm_exec, traps_name_kind_function_and_offset)
{
    call("div", 2, 1, 0);
    expect_trap(VM_TRAP_DIV_ZERO, "integer divide by zero");
    cr_assert(strstr(vm_exec_trap_message(ex), "at offset 0x") != NULL);
    call("div", 2, INT32_MIN, -1);
    expect_trap(VM_TRAP_INT_OVERFLOW, "integer overflow");
    call("oob", 1, 65536 - 8, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds memory access");
    call("call_null", 0, 0, 0);
    expect_trap(VM_TRAP_UNINIT_ELEM, "uninitialized element");
    call("call_bad_type", 0, 0, 0);
    expect_trap(VM_TRAP_SIG_MISMATCH, "indirect call type mismatch");
}

Test(vm_exec, trap_message_uses_name_section)
{
    call("fib", 1, 3, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("oob", 1, 70000, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    /* oob has no name in the name section: the message falls back */
    cr_assert(strstr(vm_exec_trap_message(ex), "func[") != NULL ||
              strstr(vm_exec_trap_message(ex), "function") != NULL);
}

Test(vm_exec, host_trap_keeps_host_message)
{
    call("fail", 0, 0, 0);
    expect_trap(VM_TRAP_HOST, "host says no");
}

Test(vm_exec, unbounded_recursion_is_exhaustion_not_a_crash)
{
    call("recurse", 1, 1, 0);
    expect_trap(VM_TRAP_STACK_EXHAUSTED, "call stack exhausted");
    /* the exec is reusable afterwards */
    call("fib", 1, 10, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 55));
}

/* }===== */
/* {===== compiler register allocation */

Test(vm_exec, stack_keeps_old_value_across_local_set)
{
    call("old_value", 1, 7, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, -100));
}

Test(vm_exec, lazy_local_is_fixed_before_a_loop_changes_it)
{
    call("lazy_across_loop", 1, 40, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 40));
}

Test(vm_exec, multi_value_results_from_swapped_params)
{
    call("swap", 2, 3, 4);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 4));
    cr_assert(eq(i32, result(1).i32, 3));
}

Test(vm_exec, loop_with_stack_parameter)
{
    call("loop_param", 1, 10, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 55));
}

Test(vm_exec, br_table_carries_value_to_each_target)
{
    const int32_t want[] = {13, 12, 10, 10}; /* index 3 takes the default */
    for (int i = 0; i < 4; i++) {
        call("table", 1, i, 0);
        cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
        cr_assert(eq(i32, result(0).i32, want[i]), "index %d", i);
    }
}

Test(vm_exec, memory_grown_by_callee_is_seen_by_caller)
{
    call("grow_then_store", 0, 0, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 7));
}

Test(vm_exec, reductions_used_counts_the_slice)
{
    call("spin", 0, 0, 0);
    cr_assert(eq(int, vm_run(ex, 1000), VM_YIELD));
    cr_assert(eq(u64, vm_exec_reductions_used(ex), 1000));
    call("fib", 1, 10, 0);
    cr_assert(eq(int, vm_run(ex, 100000), VM_DONE));
    uint64_t used = vm_exec_reductions_used(ex);
    cr_assert(gt(u64, used, 177)); /* fib(10) makes 177 calls */
    cr_assert(lt(u64, used, 1000));
}

/* }===== */
/* {===== host-call continuations and caught traps */

Test(vm_exec, host_call_continuation_returns_guest_result)
{
    call("try", 1, 5, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 1010));
    cr_assert(eq(int, vm_exec_caught_trap(ex), VM_TRAP_NONE));
}

Test(vm_exec, trap_inside_host_call_continuation_is_caught)
{
    call("try", 1, 0, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 1000)); /* zeroed result + 1000 */
    cr_assert(eq(int, vm_exec_caught_trap(ex), VM_TRAP_UNREACHABLE));
    /* the same exec runs on normally afterwards */
    call("fib", 1, 12, 0);
    cr_assert(eq(int, run_sliced(7, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 144));
}

Test(vm_exec, stacks_start_small_and_grow_on_demand)
{
    vm_config cfg = {.stack_slots = 1u << 20, .max_call_depth = 100000};
    vm_exec_t *big = vm_exec_new(&cfg);
    size_t before = vm_exec_footprint(big);
    cr_assert(lt(sz, before, 8192)); /* an idle execution is small */
    vm_value arg = {.i32 = 20000};
    cr_assert(eq(int, vm_exec_call(big, vm_instance_export_func(inst, "deep"), &arg, 1), 0));
    vm_status st;
    while ((st = vm_run(big, 1000)) == VM_YIELD) {}
    cr_assert(eq(int, st, VM_DONE));
    vm_value r;
    cr_assert(eq(u32, vm_exec_results(big, &r, 1), 1));
    cr_assert(eq(i32, r.i32, 20000));
    cr_assert(gt(sz, vm_exec_footprint(big), before));
    vm_exec_free(big);
}

Test(vm_exec, known_constant_local_is_reset_after_loop)
{
    call("known_after_loop", 0, 0, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 0));
}

Test(vm_exec, known_constant_local_is_reset_at_block_end)
{
    for (int p = 0; p < 2; p++) {
        call("known_after_block", 1, p, 0);
        cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
        cr_assert(eq(i32, result(0).i32, 3), "param %d", p);
    }
}

Test(vm_exec, folded_address_add_wraps_at_32_bits)
{
    call("wrapped_store", 2, (int64_t)0xfffffffcu, 99); /* address 4 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("wrapped_load", 1, (int64_t)0xfffffffcu, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 99));
    call("wrapped_load", 1, 65536 - 8 - 3, 0); /* last 3 bytes: out */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, fused_memory_forms_compute_and_trap)
{
    call("mul_store_f64", 1, 64, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    vm_value args[2] = {{.i32 = 64}, {.f64 = 1.5}};
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, "add_load_f64"), args, 2), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(dbl, result(0).f64, 7.5));
    args[0].i32 = 65536 - 4;
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, "add_load_f64"), args, 2), 0));
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("mul_store_f64", 1, 65536 - 7, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("const_store", 1, 65535, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 77));
    call("const_store", 1, 65536, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, copy_and_fill_of_a_constant_length)
{
    /* fill: 3 bytes of the value's low byte, the fourth left as it was */
    cr_assert(eq(i64, run_call("fill_n", 2, 400, 0x1234).i64, (int64_t)0xffffffffff343434));
    cr_assert(eq(i64, run_call("fill_vn", 1, 400, 0).i64, (int64_t)0xffffffffffffabab));
    /* copy: overlapping, both directions, like memmove */
    cr_assert(eq(i64, run_call("copy_n", 2, 301, 300).i64, (int64_t)0x0807060403020101));
    cr_assert(eq(i64, run_call("copy_n", 2, 300, 302).i64, (int64_t)0x0807060506050403));
    /* the bounds: the last bytes of memory are in, one more is out */
    call("fill_n_at", 1, 65536 - 3, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("fill_n_at", 1, 65536 - 2, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("fill_n_at", 1, (int64_t)0xffffffffu, 0); /* dst + n wraps in 32 bits */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("copy_n_at", 2, 65536 - 4, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("copy_n_at", 2, 0, 65536 - 3);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("copy_n_at", 2, 65536 - 3, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    /* nothing to write: the end of memory is in, past it is out */
    call("fill_none_at", 1, 65536, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("fill_none_at", 1, 65537, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, constant_addresses_load_store_and_trap)
{
    call("abs_store_load", 1, 4242, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 4242));
    call("abs_load_oob", 0, 0, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, load_then_store_moves_bytes_and_traps_without_writing)
{
    call("abs_store_load", 1, 0x11223344, 0); /* bytes at 204.. */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("move8", 2, 300, 204);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 0x44));
    call("move8", 2, 300, 65536); /* source out of bounds */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("move8", 2, 65536, 204); /* destination out of bounds */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("move64_addi", 2, 400, 201); /* source 204 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i64, result(0).i64 & 0xffffffff, 0x11223344));
    call("move64_addi", 2, 400, 65536 - 8 - 2); /* source ends 1 byte out */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, read_modify_write_keeps_operand_order)
{
    call("abs_store_load", 1, 0, 0); /* clear 204 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("rmw_sub", 2, 204, 3); /* *204 = 3 - 0 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    call("rmw_sub", 2, 204, 10); /* *204 = 10 - 3 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 7));
    call("rmw_sub", 2, 65534, 1);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

static double call_f64x3(const char *name, double a, double b, double c)
{
    vm_value args[3] = {{.f64 = a}, {.f64 = b}, {.f64 = c}};
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, name), args, 3), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    return result(0).f64;
}

Test(vm_exec, chained_f64_ops_round_each_step)
{
    /* 1e16 + 1 rounds to 1e16, so the chain gives 0, not 1 */
    cr_assert(eq(dbl, call_f64x3("chain_add_sub", 1e16, 1.0, 1e16), 0.0));
    /* (1 + 2^-30)(1 - 2^-30) = 1 - 2^-60 rounds to 1: an FMA would give
     * -2^-60 */
    double e = 1.0 / (1u << 30);
    cr_assert(eq(dbl, call_f64x3("chain_mul_add", 1.0 + e, 1.0 - e, -1.0), 0.0));
}

Test(vm_exec, float_immediates)
{
    vm_value a = {.f64 = 4.0};
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, "fmul_imm"), &a, 1), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(dbl, result(0).f64, 10.0));
    a.f32 = 3.0f;
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, "fsub_imm"), &a, 1), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(flt, result(0).f32, 2.5f));
}

/* }===== */
/* {===== calls */

Test(vm_exec, callee_locals_start_at_zero)
{
    call("locals_zeroed", 1, 7, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 0));
}

Test(vm_exec, zeroing_a_callee_frame_spares_the_callers_values)
{
    call("live_across_call", 1, 10, 0);
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 13 + 50 + 1));
}

Test(vm_exec, trap_in_a_callee_names_the_callee)
{
    call("outer_trap", 1, 65536 - 9, 0); /* 65536 - 8 + 8: out by 4 */
    expect_trap(VM_TRAP_MEM_OOB, "in function inner_trap");
    call("outer_trap", 1, 9, 0); /* fine once more: the exec is reusable */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
}

Test(vm_exec, returned_sum_from_entry_and_callee)
{
    call("add_ret", 2, 0, 5); /* the branch lands on the fused return */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, 5));
    call("add_ret", 2, INT32_MAX, 0); /* wraps */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, INT32_MIN));
    call("call_add_ret", 2, 10, 20); /* 20 - (10 + 21): the caller resumes */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, result(0).i32, -11));
}

/* }===== */
/* {===== fused counter step and test */

static int32_t run1(const char *name, int32_t arg)
{
    return run_call(name, 1, arg, 0).i32;
}

Test(vm_exec, counter_step_and_test_against_a_slot)
{
    cr_assert(eq(i32, run1("addi_count", 0), 1)); /* runs once: do-while */
    cr_assert(eq(i32, run1("addi_count", 7), 7));
    cr_assert(eq(i32, run1("addi_count", 3000), 3000)); /* across yields */
}

Test(vm_exec, counter_step_wraps_at_32_bits)
{
    cr_assert(eq(i32, run1("addi_wrap", -3), 3)); /* -2, -1, 0 */
    cr_assert(eq(i32, run1("addi_wrap", -1), 1));
}

Test(vm_exec, counter_step_and_negated_test_in_an_if)
{
    cr_assert(eq(i32, run1("addi_if", 3), 1 + 8));
    cr_assert(eq(i32, run1("addi_if", 5), 2 + 10));
    cr_assert(eq(i32, run1("addi_if", -20), 1 - 15)); /* signed */
    cr_assert(eq(i32, run1("addi_if", INT32_MAX), 1 + INT32_MIN + 4)); /* wraps */
}

Test(vm_exec, counter_test_reads_the_stepped_value)
{
    cr_assert(eq(i32, run1("addi_same_slot", 41), 42));
}

Test(vm_exec, no_fusion_across_a_label_between_step_and_test)
{
    cr_assert(eq(i32, run1("addi_label_between", 0), 0)); /* lands on the test */
    cr_assert(eq(i32, run1("addi_label_between", 1), 1));
    cr_assert(eq(i32, run1("addi_label_between", -90), 0));
}

Test(vm_exec, bit_field_extract)
{
    cr_assert(eq(i32, run1("bitfield", 0x12345678), 0x4567));
    cr_assert(eq(i32, run1("bitfield_shift32", -1), INT32_MIN + 1)); /* >> 0 */
    cr_assert(eq(i32, run1("bitfield_shift33", -1), 1));             /* >> 1, logical */
    cr_assert(eq(i32, run1("bitfield_mask_left", 0x12345678), 0x56));
}

static vm_value run2(const char *name, int32_t a, int32_t b)
{
    return run_call(name, 2, a, b);
}

Test(vm_exec, op_of_an_immediate_then_an_added_constant)
{
    cr_assert(eq(i32, run1("mul_addi", 12345), (int32_t)(12345u * 1103515245u + 12345u)));
    cr_assert(eq(i32, run1("mul_addi", -1), (int32_t)(0u - 1103515245u + 12345u)));
    cr_assert(eq(i32, run1("mul_addi_left", 5), 8));
    cr_assert(eq(i32, run1("and_subi", 0x1234), 0x33));
    cr_assert(eq(i32, run1("and_subi", 0x100), -1)); /* wraps below zero */
    cr_assert(eq(i32, run1("shr_u_addi", -1), 0x1fffffff)); /* >> 4, logical */
    cr_assert(eq(i32, run1("bitfield_addi", 0x12345678), 0x57));
    cr_assert(eq(i32, run1("bitfield_addi", 0xff00), 0x100));
    cr_assert(eq(i32, run1("mul_addi_kept", 7), 1)); /* (70 + 1) - 70 */
}

Test(vm_exec, add_of_a_shifted_value)
{
    cr_assert(eq(i32, run2("add_shr_u", 10, -1).i32, 10 + 0x1fffffff)); /* >> 3, logical */
    cr_assert(eq(i32, run2("shr_u_add", -1, 0x100).i32, 0x10 - 1));
    cr_assert(eq(i32, run2("add_shr_u", INT32_MAX, 8).i32, INT32_MIN)); /* wraps */
}

Test(vm_exec, added_constants_fold_and_wrap)
{
    cr_assert(eq(i32, run1("add_add", 10), 8));
    cr_assert(eq(i32, run1("add_add", INT32_MIN), INT32_MAX - 1));
    cr_assert(eq(i32, run1("sub_add_sub", 0), (int32_t)(7u - 0x7fffffffu)));
    cr_assert(eq(i32, run1("sub_add_sub", INT32_MAX), (int32_t)(0x7fffffffu + 7u - 0x7fffffffu)));
    call("abs_store_load", 1, 0x5a5a5a5a, 0); /* *204 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, run1("add_add_load", 0), 0x5a5a5a5a));
    call("add_add_load", 1, 65536 - 204 - 3, 0); /* the last 3 bytes */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

static int32_t run_f64x2(const char *name, double a, double b)
{
    vm_value args[2] = {{.f64 = a}, {.f64 = b}};
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(inst, name), args, 2), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE), "%s(%g, %g)", name, a, b);
    return result(0).i32;
}

Test(vm_exec, f64_compare_and_branch)
{
    cr_assert(eq(i32, run_f64x2("f64_br_if_lt", 1.0, 2.0), 1));
    cr_assert(eq(i32, run_f64x2("f64_br_if_lt", 2.0, 2.0), 0));
    cr_assert(eq(i32, run_f64x2("f64_br_if_lt", NAN, 2.0), 0));
    cr_assert(eq(i32, run_f64x2("f64_if_le_k", 4.0, 0), 1));
    cr_assert(eq(i32, run_f64x2("f64_if_le_k", 4.5, 0), 0));
    cr_assert(eq(i32, run_f64x2("f64_if_le_k", NAN, 0), 0)); /* not !(x > 4) */
    cr_assert(eq(i32, run_f64x2("f64_br_if_k_left", 1.0, 0), 1)); /* 2 > 1 */
    cr_assert(eq(i32, run_f64x2("f64_br_if_k_left", 2.0, 0), 0));
    cr_assert(eq(i32, run_f64x2("f64_br_if_k_left", -NAN, 0), 0));
    cr_assert(eq(i32, run_f64x2("f64_if_ne", NAN, NAN), 1));
    cr_assert(eq(i32, run_f64x2("f64_if_ne", -0.0, 0.0), 0));
    cr_assert(eq(i32, run_f64x2("f64_kept_const", 1.0, 0), 3));
    cr_assert(eq(i32, run_f64x2("f64_kept_const", 5.0, 0), 3));
}

Test(vm_exec, bit_test_and_branch)
{
    static const int32_t in[] = {0, 0x10, INT32_MIN, 0x7fffffef, -1};
    static const int32_t want[] = {0, 1, 1, 0, 1};
    for (int i = 0; i < 5; i++) {
        cr_assert(eq(i32, run1("bits_br_if", in[i]), want[i]), "br_if %d", in[i]);
        cr_assert(eq(i32, run1("bits_if", in[i]), want[i]), "if %d", in[i]);
    }
}

Test(vm_exec, memory_operand_at_slot_plus_immediate)
{
    vm_func_t *f = vm_instance_export_func(inst, "mul_load_addi");
    vm_value args[2] = {{.i32 = -4}, {.f64 = 1.5}}; /* (-4 + 8) mod 2^32 + 12 = 16 */
    cr_assert(eq(int, vm_exec_call(ex, f, args, 2), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(dbl, result(0).f64, 4.5));
    args[0].i32 = 4; /* address 24: still zero */
    cr_assert(eq(int, vm_exec_call(ex, f, args, 2), 0));
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(dbl, result(0).f64, 0.0));
    args[0].i32 = 65536 - 27; /* the last 7 bytes fit, the eighth does not */
    cr_assert(eq(int, vm_exec_call(ex, f, args, 2), 0));
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, byte_operand_forms_compute_wrap_and_trap)
{
    call("abs_store_load", 1, 0x11223344, 0); /* bytes 44 33 22 11 at 204 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, run2("byte_add", 201, 1000).i32, 1000 + 0x44));
    cr_assert(eq(i32, run2("byte_xor_addi", 199, 0xff).i32, 0x33 ^ 0xff));
    cr_assert(eq(i32, run2("byte_add_x", 100, 105).i32, 100 + 0x11));
    cr_assert(eq(i32, run2("byte_add_x", -16, 218).i32, -16 + 0x44)); /* wraps to 202 */
    run2("byte_add", 65532, 0); /* the last byte */
    call("byte_add", 2, 65533, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("byte_xor_addi", 2, 65530, 0);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("byte_add_x", 2, 65000, 534);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, three_slot_addresses_compute_wrap_and_trap)
{
    call("abs_store_load", 1, 0x11223344, 0); /* bytes 44 33 22 11 at 204 */
    cr_assert(eq(int, run_sliced(1000, NULL), VM_DONE));
    cr_assert(eq(i32, run2("sum_load_left", 100, 3).i32, 0x11223344)); /* 100 + 3 + 100 + 1 */
    cr_assert(eq(i32, run2("sum_load_left", INT32_MIN + 100, 3).i32, 0x11223344)); /* wraps */
    cr_assert(eq(i32, run2("sum_load_right", 200, 1).i32, 0x3344));  /* 200 + 1 + 1 + 2 */
    cr_assert(eq(i32, run2("sum_load_right", -2, 103).i32, 0x1122)); /* wraps to 204, + 2 */
    cr_assert(eq(i32, run2("byte_add_x3", 1, 200).i32, 200 + 0x44)); /* 1 + 200 + 1 + 2 */
    cr_assert(eq(i32, run2("byte_add_x3", INT32_MIN, 202).i32, 202 + 0x44)); /* wraps */
    cr_assert(eq(i32, run2("sum_load_left", 0, 65531).i32, 0));     /* the last 4 bytes */
    cr_assert(eq(i32, run2("byte_add_x3", 0, 65533).i32, 65533)); /* the last byte */
    call("sum_load_left", 2, 0, 65532);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("sum_load_right", 2, 65530, 2);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("byte_add_x3", 2, 0, 65534);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

Test(vm_exec, min_max_of_a_nan_give_the_negative_canonical_nan)
{
    uint64_t payload = 0xffffffffffffff9bull; /* -nan:0xfffffffffff9b */
    vm_value r = run_call("nan_max_bits", 2, (int64_t)payload, 0);
    cr_assert(eq(u64, (uint64_t)r.i64, 0xfff8000000000000ull));
    r = run_call("nan_min_bits32", 2, 0x7fa00001, 0); /* a signalling NaN */
    cr_assert(eq(u32, (uint32_t)r.i32, 0xffc00000u));
}

Test(vm_exec, indexed_loads)
{
    cr_assert(eq(i32, run1("index_imm", 1), 0x11223344));          /* 4 + 8 + 4 */
    cr_assert(eq(i32, run1("index_imm", 0x40000001), 0x11223344)); /* shift wraps */
    cr_assert(eq(i32, run2("index_base_left", 1, 8).i32, 0x5566)); /* 8 + 8 + 2 */
    cr_assert(eq(i32, run2("index_base_left", 1, 6).i32, 0x7788)); /* 6 + 8 + 2 */
    cr_assert(eq(i32, run2("index_base_left", 0x20000001, 8).i32, 0x5566)); /* wraps */
    cr_assert(eq(i64, run2("index_base_right", 2, 0).i64, -2));      /* 16 + 0 */
    cr_assert(eq(i64, run2("index_base_right", 0, 16).i64, -2));
    cr_assert(eq(i32, run1("index_shift_in_local", 0), 0 + 0));      /* address 8 */
    cr_assert(eq(i32, run1("index_shift_in_local", 2), 7 + 8));      /* address 16 */
    call("index_imm", 1, 65536 / 4 - 3, 0); /* 65524 + 12 = 65536: past the end */
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
    call("index_base_right", 2, 0, 65536 - 7);
    expect_trap(VM_TRAP_MEM_OOB, "out of bounds");
}

/* }===== */
/* {===== API misuse */

Test(vm_exec, wrong_argument_count_is_refused)
{
    vm_func_t *f = vm_instance_export_func(inst, "fib");
    vm_value args[2] = {{.i32 = 1}, {.i32 = 2}};
    cr_assert(eq(int, vm_exec_call(ex, f, args, 2), LUN_EINVAL));
    cr_assert(eq(int, vm_exec_call(ex, NULL, args, 0), LUN_EINVAL));
}

Test(vm_exec, run_without_call_is_a_trap_not_a_crash)
{
    vm_exec_t *fresh = vm_exec_new(NULL);
    cr_assert(eq(int, vm_run(fresh, 100), VM_TRAP));
    vm_exec_free(fresh);
}

/* }===== */
