/* proc_tests.c: end-to-end tests of the process runtime, one per argv[1]:
 * spawn params, selective receive, links and monitors for every way a
 * process can die, kill, registry, timers, permissions, limits, catch,
 * errors, distributed. Prints "ok NAME" and exits 0, or "FAIL ..." and 1.
 * Run by tests/sched/run.sh. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include <wasm_simd128.h>

#include "sdk/lunatic.h"

#include "check.h"

static uint64_t now_ms(void) { return lun__now_ms(); }
static volatile int zero = 0;

/* {===== spawn with parameters */

__attribute__((export_name("child_params"))) void child_params(int32_t a,
                                                               int64_t b,
                                                               int64_t parent);
void child_params(int32_t a, int64_t b, int64_t parent)
{
    int64_t sum = (int64_t)a + b;
    lun_send((uint64_t)parent, 7, &sum, sizeof sum);
}

static void t_spawn_params(void)
{
    uint8_t p[3 * LUN_PARAM_SIZE];
    size_t n = 0;
    int64_t sum = 0, tags[1] = {7};
    lun_param_i32(p, &n, -5);
    lun_param_i64(p, &n, (int64_t)1 << 40);
    lun_param_i64(p, &n, (int64_t)lun_self());
    CHECK(lun_spawn_export("child_params", p, n, 0, -1, NULL) != 0);
    CHECK(lun_recv(tags, 1, 2000, &sum, sizeof sum, NULL) == 0);
    CHECK(sum == ((int64_t)1 << 40) - 5);
    /* Wrong types: the child exists and fails at once (Lunatic). */
    n = 0;
    lun_param_i32(p, &n, 1);
    lunatic_process_die_when_link_dies(0);
    uint64_t pid = lun_spawn_export("child_params", p, n, 8, -1, NULL);
    CHECK(pid != 0);
    CHECK(lun_recv(NULL, 0, 2000, NULL, 0, NULL) == LUN_MSG_LINK_DIED);
    CHECK(lunatic_message_get_tag() == 8);
    /* A bad params length traps the caller: tried in a child. */
}

/* A v128 parameter arrives whole, beside scalars (this file is built
 * with -msimd128, so v128_t is a wasm v128). */
__attribute__((export_name("child_v128"))) void child_v128(v128_t v, int32_t k,
                                                             int64_t parent);
void child_v128(v128_t v, int32_t k, int64_t parent)
{
    int32_t lanes[4];
    wasm_v128_store(lanes, wasm_i32x4_mul(v, wasm_i32x4_splat(k)));
    lun_send((uint64_t)parent, 9, lanes, sizeof lanes);
}

static void t_spawn_v128(void)
{
    uint8_t p[3 * LUN_PARAM_SIZE];
    size_t n = 0;
    int32_t in[4] = {1, -2, 3, 0x40000000}, out[4] = {0};
    int64_t tags[1] = {9};
    lun_param_v128(p, &n, in);
    lun_param_i32(p, &n, 3);
    lun_param_i64(p, &n, (int64_t)lun_self());
    CHECK(lun_spawn_export("child_v128", p, n, 0, -1, NULL) != 0);
    CHECK(lun_recv(tags, 1, 2000, out, sizeof out, NULL) == 0);
    CHECK(out[0] == 3 && out[1] == -6 && out[2] == 9 &&
          out[3] == (int32_t)0xC0000000u);
}

/* }===== */
/* {===== selective receive */

static void t_selective(void)
{
    uint64_t self = lun_self();
    int64_t v;
    size_t len;
    int64_t one = 1, two = 2, three = 3, untagged = 4;
    lun_send(self, 1, &one, 8);
    lun_send(self, 0, &untagged, 8);
    lun_send(self, 2, &two, 8);
    lun_send(self, 3, &three, 8);
    int64_t t3[1] = {3}, t12[2] = {1, 2}, t9[1] = {9};
    CHECK(lun_recv(t3, 1, 0, &v, 8, &len) == 0 && v == 3 && len == 8);
    CHECK(lunatic_message_get_tag() == 3);
    CHECK(lun_recv(t12, 2, 0, &v, 8, NULL) == 0 && v == 1);
    CHECK(lun_recv(NULL, 0, 0, &v, 8, NULL) == 0 && v == 4); /* order kept */
    CHECK(lun_recv(NULL, 0, 0, &v, 8, NULL) == 0 && v == 2);
    CHECK(lun_recv(NULL, 0, 0, &v, 8, NULL) == LUN_TIMEOUT);
    uint64_t t0 = now_ms();
    CHECK(lun_recv(t9, 1, 30, &v, 8, NULL) == LUN_TIMEOUT);
    CHECK(now_ms() - t0 >= 29 && now_ms() - t0 < 1000);
    /* A message that arrives while waiting wakes the receiver. */
    lunatic_message_create_data(9, 0);
    lunatic_timer_send_after((int64_t)self, 20);
    t0 = now_ms();
    CHECK(lun_recv(t9, 1, 5000, NULL, 0, NULL) == 0);
    CHECK(now_ms() - t0 < 1000);
    /* read_data/seek_data and data_size */
    lun_send(self, 5, "hello", 5);
    char buf[8] = {0};
    CHECK(lun_recv(NULL, 0, 0, buf, 2, &len) == 0 && len == 5);
    CHECK(lunatic_message_read_data((int32_t)buf, 8) == 3);
    lunatic_message_seek_data(0);
    CHECK(lunatic_message_read_data((int32_t)buf, 8) == 5 && !memcmp(buf, "hello", 5));
}

/* }===== */
/* {===== links and monitors for every way to die */

enum { DIE_RETURN, DIE_EXIT0, DIE_EXIT1, DIE_TRAP, DIE_DIV0, DIE_OOB,
       DIE_STACK, DIE_FUEL, DIE_OOM, DIE_KILLED, DIE_NWAYS };
static const int fails[DIE_NWAYS] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};

static int recurse(int n) { return n <= 0 ? 0 : 1 + recurse(n - 1) * (n & 1); }

static void dier(int64_t how)
{
    switch (how) {
    case DIE_RETURN: return;
    case DIE_EXIT0: exit(0);
    case DIE_EXIT1: exit(1);
    case DIE_TRAP: __builtin_trap();
    case DIE_DIV0: zero = 100 / zero; return;
    case DIE_OOB: *(volatile int *)0xfffffff0 = 1; return;
    case DIE_STACK: zero = recurse(1 << 30); return;
    case DIE_FUEL: for (;;) zero++;
    case DIE_OOM:
        for (;;) { /* malloc fails once max_memory is reached */
            char *m = malloc(1 << 20);
            if (!m)
                __builtin_trap();
            memset(m, 1, 1 << 20);
        }
    case DIE_KILLED: lunatic_process_sleep_ms(100000); return;
    }
}

static int64_t limited_config(void)
{
    int64_t c = lunatic_process_create_config();
    lunatic_process_config_set_max_fuel(c, 50);           /* 5M reductions */
    lunatic_process_config_set_max_memory(c, 4 << 20);    /* 4 MiB */
    return c;
}

static void t_links(void)
{
    int64_t cfg = limited_config();
    lunatic_process_die_when_link_dies(0);
    for (int how = 0; how < DIE_NWAYS; how++) {
        int64_t tag = 100 + how;
        uint64_t pid = lun_spawn_config(dier, how, tag, cfg);
        CHECK(pid != 0);
        if (how == DIE_KILLED) {
            lunatic_process_sleep_ms(5);
            lunatic_process_kill((int64_t)pid);
        }
        int32_t k = lun_recv(NULL, 0, fails[how] ? 10000 : 100, NULL, 0, NULL);
        if (fails[how]) {
            CHECK(k == LUN_MSG_LINK_DIED);
            CHECK(lunatic_message_get_tag() == tag);
        } else {
            CHECK(k == LUN_TIMEOUT); /* normal deaths are not reported */
        }
    }
    /* Link to a pid that does not exist: LinkDied (NoProcess). */
    lunatic_process_link(55, 999999);
    CHECK(lun_recv(NULL, 0, 1000, NULL, 0, NULL) == LUN_MSG_LINK_DIED);
    CHECK(lunatic_message_get_tag() == 55);
    /* Unlinked before it fails: nothing arrives. */
    uint64_t pid = lun_spawn_config(dier, DIE_KILLED, 9, cfg);
    lunatic_process_unlink((int64_t)pid);
    lunatic_process_kill((int64_t)pid);
    CHECK(lun_recv(NULL, 0, 100, NULL, 0, NULL) == LUN_TIMEOUT);
}

static void t_monitors(void)
{
    int64_t cfg = limited_config();
    for (int how = 0; how < DIE_NWAYS; how++) {
        uint64_t pid = lun_spawn_config(dier, DIE_KILLED, 0, cfg);
        lunatic_process_monitor((int64_t)pid);
        /* let the monitor signal arrive before the death, then kill or
         * make it die the chosen way via a fresh child */
        lunatic_process_kill((int64_t)pid);
        CHECK(lun_recv(NULL, 0, 10000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
        CHECK((uint64_t)lunatic_message_get_process_id() == pid);
        (void)how;
    }
    for (int how = 0; how < DIE_NWAYS; how++) {
        if (how == DIE_KILLED)
            continue;
        uint64_t pid = lun_spawn_config(dier, how, 0, cfg);
        lunatic_process_monitor((int64_t)pid);
        int32_t k = lun_recv(NULL, 0, 10000, NULL, 0, NULL);
        /* A very fast death may beat the monitor signal: then nothing
         * comes (Lunatic: monitoring a gone process is a no-op). */
        CHECK(k == LUN_MSG_PROCESS_DIED || k == LUN_TIMEOUT);
        if (k == LUN_MSG_PROCESS_DIED)
            CHECK((uint64_t)lunatic_message_get_process_id() == pid);
    }
    /* stop_monitoring: no message */
    uint64_t pid = lun_spawn_config(dier, DIE_KILLED, 0, cfg);
    lunatic_process_monitor((int64_t)pid);
    lunatic_process_stop_monitoring((int64_t)pid);
    lunatic_process_kill((int64_t)pid);
    CHECK(lun_recv(NULL, 0, 100, NULL, 0, NULL) == LUN_TIMEOUT);
}

/* die_when_link_dies(1), the default: a failure cascades. */
static void middle(int64_t unused)
{
    (void)unused;
    lunatic_process_sleep_ms(50); /* let the parent's monitor arrive */
    lun_spawn_link(dier, DIE_TRAP, 1);
    lunatic_process_sleep_ms(100000);
}

static void t_cascade(void)
{
    uint64_t pid = lun_spawn(middle, 0);
    lunatic_process_monitor((int64_t)pid);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    CHECK(!lunatic_process_exists((int64_t)pid));
}

/* }===== */
/* {===== kill, registry, timers */

static void looper(int64_t unused)
{
    (void)unused;
    for (;;)
        zero++;
}

static void t_kill(void)
{
    uint64_t a = lun_spawn(looper, 0), b = lun_spawn(dier, DIE_KILLED);
    lunatic_process_monitor((int64_t)a);
    lunatic_process_monitor((int64_t)b);
    CHECK(lunatic_process_exists((int64_t)a) && lunatic_process_exists((int64_t)b));
    lunatic_process_kill((int64_t)a);
    lunatic_process_kill((int64_t)b);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    CHECK(!lunatic_process_exists((int64_t)a) && !lunatic_process_exists((int64_t)b));
    lunatic_process_kill(987654); /* unknown: a no-op */
}

/* Counts to arg, then tells the root. */
static void counter(int64_t arg)
{
    for (volatile int64_t i = 0; i < arg; i++)
        zero += 0;
    lun_send(1, 0, NULL, 0);
}

/* Run with --threads 1: a process that only ever yields (looper) must not
 * keep the worker from the others in its queue. The counter is spawned
 * first, so a LIFO queue would run the looper again at every yield. */
static void t_fair(void)
{
    uint64_t c = lun_spawn(counter, 20000000);
    uint64_t a = lun_spawn(looper, 0);
    CHECK(lun_recv(NULL, 0, 20000, NULL, 0, NULL) == LUN_MSG_DATA);
    lunatic_process_kill((int64_t)a);
    (void)c;
}

static void t_registry(void)
{
    uint64_t node = 9, pid = 9;
    lunatic_registry_put((int32_t)"svc", 3, 0, 42);
    CHECK(lunatic_registry_get((int32_t)"svc", 3, (int32_t)&node, (int32_t)&pid) == 0);
    CHECK(node == 0 && pid == 42);
    lunatic_registry_put((int32_t)"svc", 3, 0, 43); /* overwrites */
    CHECK(lunatic_registry_get((int32_t)"svc", 3, (int32_t)&node, (int32_t)&pid) == 0 && pid == 43);
    lunatic_registry_remove((int32_t)"svc", 3);
    CHECK(lunatic_registry_get((int32_t)"svc", 3, (int32_t)&node, (int32_t)&pid) == 1);
    const char *fn = "_lun_spawn_entry";
    uint8_t p[2 * LUN_PARAM_SIZE];
    size_t n = 0;
    lun_param_i32(p, &n, (int32_t)(uintptr_t)dier);
    lun_param_i64(p, &n, DIE_KILLED);
    uint64_t id1 = 0, id2 = 0;
    CHECK(lunatic_process_get_or_spawn((int32_t)"one", 3, 0, -1, -1, (int32_t)fn,
                                       (int32_t)strlen(fn), (int32_t)p, (int32_t)n,
                                       (int32_t)&node, (int32_t)&id1) == 0);
    CHECK(lunatic_process_get_or_spawn((int32_t)"one", 3, 0, -1, -1, (int32_t)fn,
                                       (int32_t)strlen(fn), (int32_t)p, (int32_t)n,
                                       (int32_t)&node, (int32_t)&id2) == 2);
    CHECK(id1 == id2 && lunatic_process_exists((int64_t)id1));
    lunatic_process_kill((int64_t)id1);
    CHECK(lunatic_registry_get_or_put_later((int32_t)"later", 5, (int32_t)&node, (int32_t)&pid) == 1);
    lunatic_registry_put((int32_t)"later", 5, 0, 77);
    CHECK(lunatic_registry_get_or_put_later((int32_t)"later", 5, (int32_t)&node, (int32_t)&pid) == 0 && pid == 77);
    /* many names: the table grows */
    char name[32];
    for (int i = 0; i < 1000; i++) {
        int len = snprintf(name, sizeof name, "name-%d", i);
        lunatic_registry_put((int32_t)name, len, 0, i);
    }
    for (int i = 0; i < 1000; i++) {
        int len = snprintf(name, sizeof name, "name-%d", i);
        CHECK(lunatic_registry_get((int32_t)name, len, (int32_t)&node, (int32_t)&pid) == 0 && pid == (uint64_t)i);
    }
}

static void t_timers(void)
{
    uint64_t self = lun_self(), t0 = now_ms();
    int64_t t1[1] = {1}, t2[1] = {2};
    lunatic_message_create_data(1, 0);
    int64_t id = lunatic_timer_send_after((int64_t)self, 30);
    CHECK(lun_recv(t1, 1, 5000, NULL, 0, NULL) == 0);
    CHECK(now_ms() - t0 >= 29);
    lunatic_message_create_data(2, 0);
    int64_t id2 = lunatic_timer_send_after((int64_t)self, 20);
    CHECK(id2 == id + 1);
    CHECK(lunatic_timer_cancel_timer(id2) == 1);
    CHECK(lunatic_timer_cancel_timer(id2) == 0);
    CHECK(lun_recv(t2, 1, 80, NULL, 0, NULL) == LUN_TIMEOUT);
    t0 = now_ms();
    lunatic_process_sleep_ms(25);
    CHECK(now_ms() - t0 >= 24);
    /* many timers at different distances fire in order */
    for (int i = 10; i >= 1; i--) {
        lunatic_message_create_data(3, 0);
        lunatic_message_write_data((int32_t)&i, 4);
        lunatic_timer_send_after((int64_t)self, (int64_t)i * 7);
    }
    for (int i = 1; i <= 10; i++) {
        int v = 0;
        CHECK(lun_recv(NULL, 0, 5000, &v, 4, NULL) == 0 && v == i);
    }
    /* Fired timers stay in the table (cancel_timer says 1, as in
     * Lunatic) until the next send_after drops them. */
    int64_t t4[1] = {4};
    lunatic_message_create_data(4, 0);
    int64_t fa = lunatic_timer_send_after((int64_t)self, 1);
    lunatic_message_create_data(4, 0);
    int64_t fb = lunatic_timer_send_after((int64_t)self, 1);
    CHECK(lun_recv(t4, 1, 5000, NULL, 0, NULL) == 0);
    CHECK(lun_recv(t4, 1, 5000, NULL, 0, NULL) == 0);
    CHECK(lunatic_timer_cancel_timer(fa) == 1);
    lunatic_message_create_data(5, 0);
    int64_t later = lunatic_timer_send_after((int64_t)self, 60000);
    CHECK(lunatic_timer_cancel_timer(fb) == 0);
    CHECK(lunatic_timer_cancel_timer(later) == 1);
}

/* }===== */
/* {===== permissions, limits, catch, errors, version, distributed */

static void perm_child(int64_t parent)
{
    int64_t r[3];
    r[0] = lunatic_process_create_config();
    uint64_t id = 0;
    r[1] = lunatic_process_compile_module(0, 0, (int32_t)&id);
    r[2] = 0;
    lun_send((uint64_t)parent, 1, r, sizeof r);
    lun_spawn(dier, DIE_RETURN); /* no permission: traps */
    r[2] = 1;
    lun_send((uint64_t)parent, 2, r, sizeof r);
}

static void t_permissions(void)
{
    int64_t c = lunatic_process_create_config(), r[3];
    int64_t t1[1] = {1}, t2[1] = {2};
    CHECK(c >= 0);
    CHECK(!lunatic_process_config_can_spawn_processes(c));
    CHECK(lunatic_process_config_get_max_memory(c) == 0xffffffffLL);
    lunatic_process_config_set_can_spawn_processes(c, 1);
    CHECK(lunatic_process_config_can_spawn_processes(c) == 1);
    lunatic_process_config_set_can_spawn_processes(c, 0);
    lunatic_process_die_when_link_dies(0);
    uint64_t pid = lun_spawn_config(perm_child, (int64_t)lun_self(), 5, c);
    CHECK(lun_recv(t1, 1, 5000, r, sizeof r, NULL) == 0);
    CHECK(r[0] == -1 && r[1] == -1);
    CHECK(lun_recv(t2, 1, 200, r, sizeof r, NULL) == LUN_TIMEOUT);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_LINK_DIED);
    CHECK(!lunatic_process_exists((int64_t)pid));
    lunatic_process_drop_config(c);
}

/* max_memory and max_fuel stop the offender alone; a sibling goes on */
static void t_limits(void)
{
    int64_t cfg = limited_config();
    lunatic_process_die_when_link_dies(0);
    uint64_t t0 = now_ms();
    lun_spawn_config(dier, DIE_FUEL, 1, cfg);
    lun_spawn_config(dier, DIE_OOM, 2, cfg);
    uint64_t healthy = lun_spawn_config(dier, DIE_KILLED, 3, cfg);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        CHECK(lun_recv(NULL, 0, 20000, NULL, 0, NULL) == LUN_MSG_LINK_DIED);
        seen |= 1 << lunatic_message_get_tag();
    }
    CHECK(seen == 6);
    CHECK(lunatic_process_exists((int64_t)healthy));
    CHECK(lunatic_process_config_get_max_fuel(cfg) == 50);
    (void)t0;
}

__attribute__((export_name("_lunatic_catch_trap"))) int32_t
catch_trap(int32_t fn, int32_t ptr);
int32_t catch_trap(int32_t fn, int32_t ptr)
{
    return ((int32_t (*)(int32_t))(uintptr_t)fn)(ptr);
}
static int32_t good(int32_t x) { return x + 1; }
static int32_t bad(int32_t x) { return x / zero; }

static void t_catch(void)
{
    CHECK(lunatic_trap_catch((int32_t)(uintptr_t)good, 41) == 42);
    CHECK(lunatic_trap_catch((int32_t)(uintptr_t)bad, 41) == 0);
    CHECK(lunatic_trap_catch((int32_t)(uintptr_t)good, 1) == 2); /* still fine */
}

static void t_errors(void)
{
    uint64_t id = 0;
    static const uint8_t junk[8] = {0, 'a', 's', 'm', 9, 9, 9, 9};
    CHECK(lunatic_process_compile_module((int32_t)junk, 8, (int32_t)&id) == 1);
    int32_t n = lunatic_error_string_size((int64_t)id);
    char buf[256] = {0};
    CHECK(n > 0 && n < 256);
    lunatic_error_to_string((int64_t)id, (int32_t)buf);
    CHECK(strlen(buf) == (size_t)n);
    lunatic_error_drop((int64_t)id);
    CHECK(lunatic_version_major() == 0 && lunatic_version_minor() == 13);
    CHECK(lunatic_process_environment_id() == 1);
}

/* Not a node of a cluster: Lunatic's answers; a remote send traps. */
static void t_dist(void)
{
    uint64_t ids[2] = {7, 7};
    CHECK(lunatic_distributed_node_id() == 0);
    CHECK(lunatic_distributed_module_id() == 0);
    CHECK(lunatic_distributed_nodes_count() == 0);
    CHECK(lunatic_distributed_get_nodes((int32_t)ids, 2) == 0);
    CHECK(ids[0] == 7 && ids[1] == 7);
}

static void t_dist_send(void)
{
    lunatic_message_create_data(0, 0);
    lunatic_distributed_send(1, 1);
    CHECK(!"distributed::send should have trapped");
}

static void t_metrics(void)
{
    lunatic_metrics_increment_counter((int32_t)"hits", 4);
    lunatic_metrics_counter((int32_t)"hits", 4, 2);
    lunatic_metrics_gauge((int32_t)"g", 1, 1.5);
}

/* }===== */
/* {===== WASI contexts of children made from one config: they share its
 * preopen directory (one host fd for all) and its args and environment,
 * and each still has a view of its own (a child closing the preopen does
 * not close it for the others). More children than a small fd limit. */

#define SHARE_N 1500

static void share_child(int64_t arg)
{
    uint64_t parent = (uint64_t)(arg & 0xffffffff);
    int32_t ok = 1;
    const char *v = getenv("SHARE_K");
    __wasi_size_t argc = 0, bytes = 0;
    uint8_t *av[3], buf[64];
    struct stat st;
    ok &= v && !strcmp(v, "v1");
    ok &= __wasi_args_sizes_get(&argc, &bytes) == 0 && argc == 2 &&
          bytes <= sizeof buf;
    ok = ok && __wasi_args_get(av, buf) == 0 &&
         !strcmp((char *)av[0], "share") && !strcmp((char *)av[1], "a1");
    ok &= stat("/tmp/.", &st) == 0 && S_ISDIR(st.st_mode);
    if ((arg >> 32) % 2)
        ok &= close(3) == 0 && stat("/tmp/.", &st) != 0;
    lun_send(parent, 9, &ok, sizeof ok);
    lun_recv(NULL, 0, LUN_FOREVER, NULL, 0, NULL); /* stay alive */
}

static void t_wasi_share(void)
{
    int64_t c = lunatic_process_create_config(), tags[1] = {9};
    static uint64_t pids[SHARE_N];
    CHECK(c >= 0);
    lunatic_wasi_config_add_command_line_argument(c, (int32_t)"share", 5);
    lunatic_wasi_config_add_command_line_argument(c, (int32_t)"a1", 2);
    lunatic_wasi_config_add_environment_variable(c, (int32_t)"SHARE_K", 7,
                                                 (int32_t)"v1", 2);
    lunatic_wasi_config_preopen_dir(c, (int32_t)"/tmp", 4);
    for (int64_t i = 0; i < SHARE_N; i++) {
        pids[i] = lun_spawn_config(share_child,
                                   i << 32 | (int64_t)lun_self(), 0, c);
        CHECK(pids[i] != 0);
    }
    for (int i = 0; i < SHARE_N; i++) {
        int32_t ok = 0;
        CHECK(lun_recv(tags, 1, 10000, &ok, sizeof ok, NULL) == 0);
        CHECK(ok == 1);
    }
    for (int i = 0; i < SHARE_N; i++)
        lunatic_process_kill((int64_t)pids[i]);
    lunatic_process_drop_config(c);
}

/* {===== reused host objects (common/lun_pool.h): a process made from
 * blocks a dead one left (its WASI context, instance, execution) sees
 * nothing of it. Dirty children get args, an environment variable and a
 * preopen, open more descriptors and end without closing any; each clean
 * child, spawned right after one ended (so on a warm pool), must see only
 * its own single arg, no such variable, and no descriptor past stdio. */

#define REUSE_ROUNDS 300

static void dirty_child(int64_t parent)
{
    int32_t ok = getenv("REUSE_DIRTY") != NULL;
    ok &= open("/tmp/.", O_RDONLY | O_DIRECTORY) >= 0;
    ok &= open("/tmp/.", O_RDONLY | O_DIRECTORY) >= 0;
    lun_send((uint64_t)parent, 11, &ok, sizeof ok);
}

static void clean_child(int64_t parent)
{
    __wasi_size_t argc = 0, bytes = 0;
    uint8_t *av[2], buf[16];
    __wasi_fdstat_t st;
    int32_t ok = getenv("REUSE_DIRTY") == NULL;
    ok &= __wasi_args_sizes_get(&argc, &bytes) == 0 && argc == 1 &&
          bytes == 6;
    ok = ok && __wasi_args_get(av, buf) == 0 &&
         !strcmp((char *)av[0], "clean");
    for (int fd = 0; fd < 3; fd++)
        ok &= __wasi_fd_fdstat_get(fd, &st) == 0;
    for (int fd = 3; fd < 16; fd++)
        ok &= __wasi_fd_fdstat_get(fd, &st) == __WASI_ERRNO_BADF;
    lun_send((uint64_t)parent, 11, &ok, sizeof ok);
}

static void reuse_round(lun_entry_fn fn, int64_t config)
{
    int64_t tags[1] = {11};
    int32_t ok = 0;
    uint64_t pid = lun_spawn_config(fn, (int64_t)lun_self(), 0, config);
    CHECK(pid != 0);
    CHECK(lun_recv(tags, 1, 10000, &ok, sizeof ok, NULL) == 0);
    CHECK(ok == 1);
    while (lunatic_process_exists((int64_t)pid)) /* its blocks are back */
        lunatic_process_sleep_ms(0);
}

static void t_wasi_reuse(void)
{
    int64_t dirty = lunatic_process_create_config();
    int64_t clean = lunatic_process_create_config();
    CHECK(dirty >= 0 && clean >= 0);
    lunatic_wasi_config_add_command_line_argument(dirty, (int32_t)"dirty", 5);
    lunatic_wasi_config_add_command_line_argument(dirty, (int32_t)"x1", 2);
    lunatic_wasi_config_add_environment_variable(dirty, (int32_t)"REUSE_DIRTY",
                                                 11, (int32_t)"1", 1);
    lunatic_wasi_config_preopen_dir(dirty, (int32_t)"/tmp", 4);
    lunatic_wasi_config_add_command_line_argument(clean, (int32_t)"clean", 5);
    for (int i = 0; i < REUSE_ROUNDS; i++) {
        reuse_round(dirty_child, dirty);
        reuse_round(clean_child, clean);
    }
    lunatic_process_drop_config(dirty);
    lunatic_process_drop_config(clean);
}

/* }===== */

/* {===== initial memory: every process starts from the module's data
 * segments (copied from the image at its first memory access, or applied
 * one by one with LUNATIC_NO_IMAGE=1), never from its spawner's memory. */

static const uint32_t img_table[64] = {
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
    59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
    137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223,
    227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311};
static int img_counter = 5;
static char img_zeros[3 * 4096];

/* FNV-1a over the whole data region as the linker laid it out: printed
 * by t_image, so run.sh can compare a run from the image with one on the
 * plain path (LUNATIC_NO_IMAGE=1) byte for byte. */
extern char __global_base, __data_end;
static uint64_t img_data_hash(void)
{
    const volatile unsigned char *p = (const unsigned char *)&__global_base;
    uint64_t h = 1469598103934665603u;
    for (; p < (const unsigned char *)&__data_end; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

/* What a process sees of its data: the table's sum, the counter and how
 * many bss bytes are non-zero. */
static int64_t img_digest(void)
{
    const volatile uint32_t *t = img_table; /* read, not folded */
    int64_t sum = 0, nonzero = 0;
    for (int i = 0; i < 64; i++) sum += t[i];
    for (size_t i = 0; i < sizeof img_zeros; i++) nonzero += img_zeros[i] != 0;
    return sum * 1000000 + img_counter * 1000 + nonzero;
}

/* Reports its digest, scribbles over its data and spawns a grandchild
 * (level > 0), which must see the pristine data again. */
static void img_child(int64_t arg)
{
    uint64_t parent = (uint64_t)(arg >> 8);
    int level = (int)(arg & 0xff);
    int64_t d[2] = {img_digest(), (int64_t)img_data_hash()};
    lun_send(parent, 1, d, sizeof d);
    img_counter = 77;
    memset(img_zeros, 0x5a, sizeof img_zeros);
    if (level > 0)
        lun_spawn(img_child, (int64_t)(parent << 8) | (level - 1));
}

static void t_image(void)
{
    int64_t want = img_digest();
    img_counter = 99;
    img_zeros[4096] = 1;
    uint64_t self = lun_self();
    lun_spawn(img_child, (int64_t)(self << 8) | 2);
    int64_t hash = 0;
    for (int i = 0; i < 3; i++) { /* the child, then two generations */
        int64_t got[2] = {0, 0};
        CHECK(lun_recv(NULL, 0, 5000, got, sizeof got, NULL) ==
              LUN_MSG_DATA);
        CHECK(got[0] == want);
        CHECK(i == 0 || got[1] == hash); /* each starts afresh */
        hash = got[1];
    }
    printf("image data hash %016llx\n", (unsigned long long)hash);
    CHECK(img_digest() == want - 5000 + 99000 + 1); /* ours is ours */
}

/* }===== */
/* {===== sending to one process, then another, then one that died
 * (a sender keeps its last receiver: sched__send_from) */

/* Answers [its tag, n] to the root for every n it gets; ends on n < 0. */
static void echo_server(int64_t tag)
{
    for (;;) {
        int64_t n = 0;
        lun_recv(NULL, 0, LUN_FOREVER, &n, sizeof n, NULL);
        int64_t reply[2] = {tag, n};
        lun_send(1, 0, reply, sizeof reply);
        if (n < 0)
            return;
    }
}

static void expect_echo(int64_t tag, int64_t n)
{
    int64_t reply[2] = {0, 0};
    CHECK(lun_recv(NULL, 0, 5000, reply, sizeof reply, NULL) == LUN_MSG_DATA);
    CHECK(reply[0] == tag && reply[1] == n);
}

static void t_send_targets(void)
{
    uint64_t pid[2] = {lun_spawn(echo_server, 10), lun_spawn(echo_server, 11)};
    const int order[] = {0, 0, 1, 0, 1, 1, 0};
    for (int64_t i = 0; i < 7; i++) {
        lun_send(pid[order[i]], 0, &i, sizeof i);
        expect_echo(10 + order[i], i);
    }
    /* to ourselves, between two sends to the others */
    int64_t v = 42, got = 0;
    lun_send(lun_self(), 5, &v, sizeof v);
    CHECK(lun_recv(NULL, 0, 5000, &got, sizeof got, NULL) == LUN_MSG_DATA);
    CHECK(got == 42);
    /* the last receiver ends; what we send it next is dropped */
    lunatic_process_monitor((int64_t)pid[1]);
    int64_t end = -1;
    lun_send(pid[1], 0, &end, sizeof end);
    expect_echo(11, -1);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    CHECK(!lunatic_process_exists((int64_t)pid[1]));
    for (int64_t i = 0; i < 100; i++)
        lun_send(pid[1], 0, &i, sizeof i);
    /* killed while it is our last receiver */
    lun_send(pid[0], 0, &v, sizeof v);
    expect_echo(10, 42);
    lunatic_process_monitor((int64_t)pid[0]);
    lunatic_process_kill((int64_t)pid[0]);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    for (int64_t i = 0; i < 100; i++)
        lun_send(pid[0], 0, &i, sizeof i);
    /* and a new one after them */
    uint64_t c = lun_spawn(echo_server, 12);
    lun_send(c, 0, &v, sizeof v);
    expect_echo(12, 42);
    CHECK(lun_recv(NULL, 0, 50, NULL, 0, NULL) == LUN_TIMEOUT);
    lunatic_process_kill((int64_t)c);
}

/* }===== */

static const struct { const char *name; void (*fn)(void); } tests[] = {
    {"spawn_params", t_spawn_params}, {"spawn_v128", t_spawn_v128},
    {"selective", t_selective}, {"links", t_links},
    {"monitors", t_monitors}, {"cascade", t_cascade}, {"kill", t_kill},
    {"registry", t_registry}, {"timers", t_timers}, {"fair", t_fair},
    {"permissions", t_permissions}, {"limits", t_limits},
    {"catch", t_catch}, {"errors", t_errors}, {"dist", t_dist}, {"dist_send", t_dist_send},
    {"metrics", t_metrics}, {"wasi_share", t_wasi_share}, {"image", t_image},
    {"send_targets", t_send_targets}, {"wasi_reuse", t_wasi_reuse},
};

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (argc > 1 && !strcmp(argv[1], tests[i].name)) {
            tests[i].fn();
            printf("ok %s\n", argv[1]);
            return 0;
        }
    printf("FAIL unknown test %s\n", argc > 1 ? argv[1] : "(none)");
    return 1;
}
