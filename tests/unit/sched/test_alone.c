/* test_alone.c: the scheduler without the lunatic ABI. This binary links
 * libsched.a without host/, SQLite or mbedtls (the Makefile's sched test
 * rule): the scheduler needs none of them. A runtime offers exactly the
 * host functions its sched_abi_t lists, besides WASI: here one of the
 * test's own, and a lunatic::* import is refused. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "sched/sched.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

static vm_module_t *load(const char *name)
{
    char path[512], err[256];
    static uint8_t buf[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vm_module_t *m;
    cr_assert(eq(int, vm_module_load(buf, len, NULL, &m, err, sizeof err), 0),
              "%s", err);
    return m;
}

static vm_status seven(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 7;
    return VM_OK;
}

static const sched_binding_t test_env[] = {{"test::env", "seven", ":i", seven}};
static const size_t test_env_n = 1;
static const sched_bindings_t test_tables[] = {{test_env, &test_env_n}};
static const sched_abi_t test_abi = {test_tables, 1};

TestSuite(sched_alone, .timeout = 30);

Test(sched_alone, module_check_knows_only_the_abi_given)
{
    char err[256] = "";
    vm_module_t *lun = load("lunatic_import"), *own = load("sched_alone");
    cr_expect(eq(int, sched_module_check(&test_abi, own, err, sizeof err), 0),
              "%s", err);
    cr_expect(eq(int, sched_module_check(NULL, own, err, sizeof err),
                 LUN_EUNLINKABLE));
    cr_expect(strstr(err, "unknown import \"test::env\" \"seven\"") != NULL,
              "%s", err);
    cr_expect(eq(int, sched_module_check(&test_abi, lun, err, sizeof err),
                 LUN_EUNLINKABLE));
    cr_expect(strstr(err, "unknown import \"lunatic::process\" \"this\"") != NULL,
              "%s", err);
    vm_module_free(lun);
    vm_module_free(own);
}

Test(sched_alone, runs_a_module_with_its_own_host_function)
{
    sched_runtime_t *rt;
    sched_result_t r;
    sched_options_t o = {.threads = 2, .abi = &test_abi};
    cr_assert(eq(int, sched_runtime_new(&o, &rt), 0));
    cr_assert(eq(int, sched_run_main(rt, load("sched_alone"), &r), 0));
    cr_expect(eq(int, r.kind, SCHED_EXIT_NORMAL), "%s", r.message);
    cr_expect(eq(u32, r.exit_code, 7));
    sched_runtime_free(rt);
}

Test(sched_alone, refuses_lunatic_imports_without_the_lunatic_abi)
{
    sched_runtime_t *rt;
    sched_result_t r;
    sched_options_t o = {.threads = 1};
    cr_assert(eq(int, sched_runtime_new(&o, &rt), 0));
    cr_assert(eq(int, sched_run_main(rt, load("lunatic_import"), &r), 0));
    cr_expect(eq(int, r.kind, SCHED_EXIT_ERROR));
    cr_expect(strstr(r.message, "lunatic::process") != NULL, "%s", r.message);
    sched_runtime_free(rt);
}
