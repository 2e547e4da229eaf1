/* test_reload.c: sched_runtime_reload (sched/reload.c) on a runtime whose
 * root spins in guest code: what is refused and why (one line, nothing
 * changed), and what makes a new version. The moves of processes are
 * tested end to end (tests/reload/run.sh): they need receive. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "sched/sched.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

static uint8_t *fixture(const char *name, size_t *len)
{
    char path[512];
    static uint8_t bufs[4][4096];
    static int next;
    uint8_t *buf = bufs[next++ % 4];
    snprintf(path, sizeof path, "%s/%s.wasm", FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    *len = fread(buf, 1, 4096, f);
    fclose(f);
    return buf;
}

static _Atomic int stop;

static vm_status done(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = atomic_load(&stop);
    return VM_YIELD; /* let the worker breathe between checks */
}

static const sched_binding_t test_env[] = {{"test::env", "done", ":i", done}};
static const size_t test_env_n = 1;
static const sched_bindings_t test_tables[] = {{test_env, &test_env_n}};
static const sched_abi_t test_abi = {test_tables, 1};

struct run {
    sched_runtime_t *rt;
    vm_module_t *m;
    sched_result_t res;
};

static void *run_root(void *arg)
{
    struct run *r = arg;
    sched_run_main(r->rt, r->m, &r->res);
    return NULL;
}

/* A runtime whose root (reload_root) runs until the test ends it. */
static void start(struct run *r, pthread_t *t)
{
    char err[256];
    size_t len;
    uint8_t *b = fixture("reload_root", &len);
    sched_options_t o = {.threads = 2, .abi = &test_abi};
    atomic_store(&stop, 0);
    cr_assert(eq(int, sched_runtime_new(&o, &r->rt), 0));
    cr_assert(eq(int, vm_module_load(b, len, NULL, &r->m, err, sizeof err), 0));
    cr_assert(eq(int, pthread_create(t, NULL, run_root, r), 0));
    while (sched_runtime_version(r->rt, NULL) == 0) /* the root is set */
        ;
}

static void finish(struct run *r, pthread_t t)
{
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    cr_expect(eq(int, r->res.kind, SCHED_EXIT_NORMAL), "%s", r->res.message);
    sched_runtime_free(r->rt);
}

TestSuite(sched_reload, .timeout = 30);

Test(sched_reload, nothing_to_reload_before_the_root_runs)
{
    sched_runtime_t *rt;
    char err[256] = "";
    size_t len;
    uint8_t *b = fixture("reload_hooks", &len);
    sched_options_t o = {.threads = 1, .abi = &test_abi};
    cr_assert(eq(int, sched_runtime_new(&o, &rt), 0));
    cr_expect(eq(int, sched_runtime_version(rt, NULL), 0));
    cr_expect(eq(int, sched_runtime_reload(rt, b, len, err, sizeof err),
                 LUN_EINVAL));
    cr_expect(strstr(err, "no application is running") != NULL, "%s", err);
    sched_runtime_free(rt);
}

/* Each bad module is refused with its reason, and the version stays. */
Test(sched_reload, bad_modules_are_refused_with_one_line)
{
    struct run r;
    pthread_t t;
    char err[256];
    size_t len;
    static const uint8_t garbage[] = "not wasm at all";
    static const uint8_t invalid[] = {
        0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0,
        10, 4, 1, 2, 0, 0x0b}; /* () -> i32 with an empty body */
    start(&r, &t);
    cr_expect(eq(int, sched_runtime_reload(r.rt, garbage, sizeof garbage,
                                           err, sizeof err), LUN_EMALFORMED));
    cr_expect(strstr(err, "no \\0asm header") != NULL, "%s", err);
    cr_expect(eq(int, sched_runtime_reload(r.rt, invalid, sizeof invalid,
                                           err, sizeof err), LUN_EINVALID));
    cr_expect(strstr(err, "type mismatch") != NULL, "%s", err);
    uint8_t *lun = fixture("lunatic_import", &len);
    cr_expect(eq(int, sched_runtime_reload(r.rt, lun, len, err, sizeof err),
                 LUN_EUNLINKABLE));
    cr_expect(strstr(err, "unknown import \"lunatic::process\"") != NULL,
              "%s", err);
    uint8_t *no = fixture("reload_nohooks", &len);
    cr_expect(eq(int, sched_runtime_reload(r.rt, no, len, err, sizeof err),
                 LUN_EUNLINKABLE));
    cr_expect(strstr(err, "exports no 'lunatic_upgrade_restore'") != NULL,
              "%s", err);
    cr_expect(strchr(err, '\n') == NULL, "one line: %s", err);
    cr_expect(eq(u64, sched_runtime_version(r.rt, NULL), 1));
    finish(&r, t);
}

/* Good modules make versions 2, 3...; the root, without a safe point,
 * stays where it is and nobody moved. */
Test(sched_reload, good_modules_make_new_versions)
{
    struct run r;
    pthread_t t;
    char err[256] = "";
    size_t len;
    uint64_t moved = 99;
    start(&r, &t);
    uint8_t *b = fixture("reload_hooks", &len);
    for (uint64_t v = 2; v <= 4; v++) {
        cr_expect(eq(int, sched_runtime_reload(r.rt, b, len, err, sizeof err),
                     0), "%s", err);
        cr_expect(eq(u64, sched_runtime_version(r.rt, &moved), v));
    }
    cr_expect(eq(u64, moved, 0));
    finish(&r, t);
}
