/* test_backtrace.c: vm_exec_backtrace and vm_exec_backtrace_format on
 * tests/unit/vm/wat/backtrace.wat: frame order and names, offsets, a trap
 * in a host function, a paused run, the bound on a stack exhausted by
 * recursion, a small buffer, and a module without a name section. */
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

#define MAX_DEPTH 200

static vm_module_t *mod;
static vm_instance_t *inst;
static vm_exec_t *ex;
static vm_func_t *host[2];

static vm_status host_fail(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)args;
    (void)ud;
    vm_exec_set_trap(e, VM_TRAP_HOST, "host says no");
    return VM_TRAP;
}

static vm_status host_pause(vm_exec_t *e, vm_slot *args, void *ud)
{
    (void)e;
    (void)args;
    (void)ud;
    return VM_YIELD;
}

static void setup(void)
{
    FILE *f = fopen(FIXTURE_DIR "/backtrace.wasm", "rb");
    cr_assert(f != NULL, "missing fixture backtrace.wasm (built by make)");
    static uint8_t bytes[1 << 16];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    char err[256];
    cr_assert(eq(int, vm_module_load(bytes, len, NULL, &mod, err, sizeof err), 0), "%s", err);
    host[0] = vm_host_func_new(":", host_fail, NULL, "fail");
    host[1] = vm_host_func_new(":", host_pause, NULL, "pause");
    vm_extern imports[2] = {{VM_EXTERN_FUNC, {.func = host[0]}},
                            {VM_EXTERN_FUNC, {.func = host[1]}}};
    cr_assert(eq(int, vm_instance_new(mod, imports, 2, NULL, &inst, err, sizeof err), 0), "%s", err);
    vm_config cfg = {.stack_slots = 4096, .max_call_depth = MAX_DEPTH};
    ex = vm_exec_new(&cfg);
    cr_assert(ex != NULL);
}

static void teardown(void)
{
    vm_exec_free(ex);
    vm_instance_free(inst);
    vm_module_free(mod);
    for (int i = 0; i < 2; i++) vm_host_func_free(host[i]);
}

TestSuite(vm_backtrace, .init = setup, .fini = teardown, .timeout = 20);

static vm_status run_export(const char *name, uint32_t nargs)
{
    vm_value args[1] = {{.i64 = 5}};
    vm_func_t *f = vm_instance_export_func(inst, name);
    cr_assert(f != NULL, "no export %s", name);
    cr_assert(eq(int, vm_exec_call(ex, f, args, nargs), 0));
    return vm_run(ex, 1000000);
}

/* Collects up to 8 frames. */
typedef struct frames {
    vm_frame_info f[8];
    uint32_t n;
} frames;

static bool collect(void *ud, uint32_t index, const vm_frame_info *f)
{
    frames *fs = ud;
    cr_assert(eq(u32, index, fs->n), "frames come in order");
    if (fs->n == 8) return false;
    fs->f[fs->n++] = *f;
    return true;
}

static void expect_names(const frames *fs, const char *const *names, uint32_t n)
{
    cr_assert(eq(u32, fs->n, n));
    for (uint32_t i = 0; i < n; i++) {
        cr_assert(fs->f[i].name != NULL, "frame %u has no name", i);
        cr_assert(eq(str, (char *)fs->f[i].name, (char *)names[i]), "frame %u", i);
    }
}

Test(vm_backtrace, trap_three_deep_innermost_first)
{
    cr_assert(eq(int, run_export("three_deep", 1), VM_TRAP));
    frames fs = {.n = 0};
    cr_assert(eq(u32, vm_exec_backtrace(ex, collect, &fs), 3));
    static const char *const want[] = {"inner", "middle", "outer"};
    expect_names(&fs, want, 3);
    /* function indices count the two imports first */
    cr_assert(eq(u32, fs.f[0].func_idx, 2));
    cr_assert(eq(u32, fs.f[1].func_idx, 3));
    cr_assert(eq(u32, fs.f[2].func_idx, 4));
    /* each offset lies inside its function's body, which come in order */
    cr_assert(fs.f[0].offset < fs.f[1].offset);
    cr_assert(fs.f[1].offset < fs.f[2].offset);
}

Test(vm_backtrace, format_lines)
{
    cr_assert(eq(int, run_export("three_deep", 1), VM_TRAP));
    char buf[1024];
    cr_assert(eq(u32, vm_exec_backtrace_format(ex, buf, sizeof buf, 32), 3));
    const char *a = strstr(buf, "  at #0 inner (func 2, offset 0x");
    const char *b = strstr(buf, "  at #1 middle (func 3, offset 0x");
    const char *c = strstr(buf, "  at #2 outer (func 4, offset 0x");
    cr_assert(a && b && c, "got:\n%s", buf);
    cr_assert(a < b && b < c);
    cr_assert(strstr(buf, "more") == NULL);
}

Test(vm_backtrace, walk_stops_when_told)
{
    cr_assert(eq(int, run_export("three_deep", 1), VM_TRAP));
    char buf[1024];
    cr_assert(eq(u32, vm_exec_backtrace_format(ex, buf, sizeof buf, 1), 3));
    cr_assert(strstr(buf, "  at #0 inner") != NULL, "got:\n%s", buf);
    cr_assert(strstr(buf, "#1") == NULL, "got:\n%s", buf);
    cr_assert(strstr(buf, "  ... 2 more frames\n") != NULL, "got:\n%s", buf);
}

Test(vm_backtrace, host_trap_names_the_caller)
{
    cr_assert(eq(int, run_export("host_trap", 0), VM_TRAP));
    frames fs = {.n = 0};
    cr_assert(eq(u32, vm_exec_backtrace(ex, collect, &fs), 1));
    static const char *const want[] = {"calls_host"};
    expect_names(&fs, want, 1);
}

Test(vm_backtrace, paused_run_has_a_stack)
{
    cr_assert(eq(int, run_export("pause_two_deep", 0), VM_YIELD));
    frames fs = {.n = 0};
    cr_assert(eq(u32, vm_exec_backtrace(ex, collect, &fs), 2));
    static const char *const want[] = {"pause_inner", "pauser"};
    expect_names(&fs, want, 2);
    cr_assert(eq(int, vm_run(ex, 1000000), VM_DONE));
    cr_assert(eq(u32, vm_exec_backtrace(ex, collect, &fs), 0), "done: no stack");
}

Test(vm_backtrace, exhausted_stack_is_bounded)
{
    cr_assert(eq(int, run_export("recurse", 1), VM_TRAP));
    cr_assert(eq(int, vm_exec_trap(ex), VM_TRAP_STACK_EXHAUSTED));
    uint32_t total = vm_exec_backtrace(ex, NULL, NULL);
    cr_assert(total >= MAX_DEPTH - 1 && total <= MAX_DEPTH + 1, "total %u", total);
    char buf[4096];
    cr_assert(eq(u32, vm_exec_backtrace_format(ex, buf, sizeof buf, 32), total));
    cr_assert(strstr(buf, "  at #31 recurse (func") != NULL, "got:\n%s", buf);
    cr_assert(strstr(buf, "#32 ") == NULL);
    char more[64];
    snprintf(more, sizeof more, "  ... %u more frames\n", total - 32);
    cr_assert(strstr(buf, more) != NULL, "want '%s' in:\n%s", more, buf);
}

Test(vm_backtrace, small_buffer_cut_at_a_line)
{
    cr_assert(eq(int, run_export("recurse", 1), VM_TRAP));
    char buf[200];
    memset(buf, 'x', sizeof buf);
    uint32_t total = vm_exec_backtrace_format(ex, buf, sizeof buf, 32);
    size_t n = strlen(buf);
    cr_assert(n < sizeof buf);
    cr_assert(n > 0 && buf[n - 1] == '\n', "got:\n%s", buf);
    cr_assert(strstr(buf, "  at #0 recurse") != NULL, "got:\n%s", buf);
    cr_assert(strstr(buf, "more frames\n") != NULL, "got:\n%s", buf);
    cr_assert(total > 32);
}

Test(vm_backtrace, idle_and_done_have_none)
{
    cr_assert(eq(u32, vm_exec_backtrace(ex, collect, &(frames){.n = 0}), 0));
    char buf[64] = "junk";
    cr_assert(eq(u32, vm_exec_backtrace_format(ex, buf, sizeof buf, 32), 0));
    cr_assert(eq(chr, buf[0], 0));
}

/* A module without a name section: functions go by index. */
Test(vm_backtrace, unnamed_functions_by_index)
{
    static const uint8_t bytes[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
        0x03, 0x02, 0x01, 0x00,                         /* one function */
        0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,       /* export "f" */
        0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,       /* unreachable */
    };
    vm_module_t *m;
    vm_instance_t *in;
    char err[256];
    cr_assert(eq(int, vm_module_load(bytes, sizeof bytes, NULL, &m, err, sizeof err), 0), "%s", err);
    cr_assert(eq(int, vm_instance_new(m, NULL, 0, NULL, &in, err, sizeof err), 0), "%s", err);
    cr_assert(eq(int, vm_exec_call(ex, vm_instance_export_func(in, "f"), NULL, 0), 0));
    cr_assert(eq(int, vm_run(ex, 1000), VM_TRAP));
    char buf[256];
    cr_assert(eq(u32, vm_exec_backtrace_format(ex, buf, sizeof buf, 32), 1));
    cr_assert(strstr(buf, "  at #0 func[0] (offset 0x") != NULL, "got:\n%s", buf);
    vm_instance_free(in);
    vm_module_free(m);
}
