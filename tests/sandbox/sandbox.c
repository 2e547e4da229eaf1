/* sandbox.c: guests that attack the runtime through host functions that
 * run guest code or long host work (issue #15), each beside a ping server
 * that must keep answering. Run by tests/sandbox/run.sh as
 * `lunatic sandbox.wasm CASE [ARG]`; prints "ok CASE ..." and exits 0.
 *   alloc_reentry   lunatic_alloc calls lunatic::sqlite, which allocates
 *                   again: the attacker traps (nesting too deep), alone
 *   catch_nested_wait  a nested allocation that tries to wait traps; the
 *                   trap caught, the process waits normally again
 *   start_registry  get_or_spawn twice of a module whose start function
 *                   uses the registry (start_registry.wasm, in the
 *                   preopened directory): both calls return the same pid
 *   compile_big     a 5 MiB module compiles (copied in pieces)
 *   huge_names      registry and metric names past their bounds trap
 *   sql_escape DIR  ATTACH and VACUUM INTO may name files only inside
 *                   the preopened DIR
 *   sql_hogs N      N processes run endless SQL statements; pings are
 *                   timed: prints p50/p99/max in microseconds
 *   hold K [KIND]   K attackers each try to hold a worker (SQL, spinning
 *                   or too deeply nested allocations, 512 MiB
 *                   memory.fills, 64 MiB messages; or only hogs[KIND]);
 *                   pings are timed as above */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdk/lunatic.h"
#include "tests/sched/check.h"

#define PING_TAG 7

/* {===== the ping server and the timed pinger */

static void ping_server(int64_t arg)
{
    (void)arg;
    for (;;) {
        lun_req_hdr_t h;
        size_t n;
        int64_t tags[1] = {PING_TAG};
        if (lun_recv(tags, 1, LUN_FOREVER, &h, sizeof h, &n) != LUN_MSG_DATA)
            continue;
        lun_reply(&h, "pong", 4);
    }
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* n pings, 2 ms apart; every one must be answered within 5 s. Prints
 * the percentiles of the round trip and of how late each 2 ms sleep
 * ended (the wait for a worker: on one thread, how long the others held
 * it), and returns the round trip's p99 in microseconds. */
static uint64_t timed_pings(uint64_t server, int n, const char *what)
{
    uint64_t *lat = calloc((size_t)n, sizeof *lat);
    uint64_t *late = calloc((size_t)n, sizeof *late);
    CHECK(lat != NULL && late != NULL);
    for (int i = 0; i < n; i++) {
        char pong[4];
        uint64_t t0 = now_us();
        CHECK(lun_request(server, PING_TAG, NULL, 0, pong, 4, 5000) == 4);
        lat[i] = now_us() - t0;
        t0 = now_us();
        lunatic_process_sleep_ms(2);
        late[i] = now_us() - t0 - 2000;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
    qsort(late, (size_t)n, sizeof *late, cmp_u64);
    uint64_t p99 = lat[n * 99 / 100];
    printf("%s: %d pings, latency p50 %llu us, p99 %llu us, max %llu us; "
           "sleep lateness p99 %llu us, max %llu us\n",
           what, n, (unsigned long long)lat[n / 2], (unsigned long long)p99,
           (unsigned long long)lat[n - 1],
           (unsigned long long)late[n * 99 / 100],
           (unsigned long long)late[n - 1]);
    free(lat);
    free(late);
    return p99;
}

/* }===== */
/* {===== alloc_reentry */

static int evil_alloc; /* this process's lunatic_alloc attacks */
static uint64_t evil_conn;

__attribute__((export_name("lunatic_alloc"))) int32_t lunatic_alloc(int32_t n);
int32_t lunatic_alloc(int32_t n)
{
    char scratch[8];
    if (evil_alloc == 1) /* allocates again, from inside the allocation */
        lunatic_sqlite_last_error((int64_t)evil_conn, (int32_t)scratch);
    while (evil_alloc == 2) /* spins, from inside the host call */
        __asm__ volatile("");
    if (evil_alloc == 4) /* a call that waits, from inside the allocation */
        lunatic_sqlite_execute((int64_t)evil_conn, (int32_t)"SELECT 1;", 9);
    if (evil_alloc == 3) { /* the worst: most of a budget at every depth */
        for (volatile int i = 0; i < 19000; i++)
            ;
        lunatic_sqlite_last_error((int64_t)evil_conn, (int32_t)scratch);
    }
    return (int32_t)(uintptr_t)malloc(n ? (size_t)n : 1);
}

static void alloc_attacker(int64_t arg)
{
    (void)arg;
    const char *path = ":memory:";
    CHECK(lunatic_sqlite_open((int32_t)path, (int32_t)strlen(path),
                              (int32_t)&evil_conn) == 0);
    evil_alloc = 1;
    char scratch[8];
    lunatic_sqlite_last_error((int64_t)evil_conn, (int32_t)scratch);
    printf("FAIL: the re-entrant allocation returned\n");
}

static int case_alloc_reentry(void)
{
    uint64_t server = lun_spawn(ping_server, 0);
    uint64_t attacker = lun_spawn(alloc_attacker, 0);
    lunatic_process_monitor((int64_t)attacker);
    CHECK(lunatic_message_receive(0, 0, 10000) == LUN_MSG_PROCESS_DIED);
    timed_pings(server, 50, "alloc_reentry");
    printf("ok alloc_reentry\n");
    return 0;
}

/* {===== catch_nested_wait: a nested call that tried to wait, its trap
 * caught, leaves nothing waiting behind */

__attribute__((export_name("_lunatic_catch_trap"))) int32_t
catch_trap(int32_t fn, int32_t arg);
int32_t catch_trap(int32_t fn, int32_t arg)
{
    return ((int32_t (*)(int32_t))(uintptr_t)fn)(arg);
}

static int32_t last_error_via_alloc(int32_t arg)
{
    char scratch[8];
    (void)arg;
    lunatic_sqlite_last_error((int64_t)evil_conn, (int32_t)scratch);
    return 1;
}

static int case_catch_nested_wait(void)
{
    const char *mem = ":memory:";
    CHECK(lunatic_sqlite_open((int32_t)mem, (int32_t)strlen(mem),
                              (int32_t)&evil_conn) == 0);
    evil_alloc = 4;
    /* The allocation's execute queues a statement and must wait: the
     * nested run fails, last_error traps, catch returns 0. */
    CHECK(lunatic_trap_catch((int32_t)(uintptr_t)last_error_via_alloc, 0) ==
          0);
    evil_alloc = 0;
    /* The process waits normally again: a statement, a sleep, a spawn
     * with messages. */
    CHECK(lunatic_sqlite_execute((int64_t)evil_conn,
                                 (int32_t)"CREATE TABLE t(x);", 18) == 0);
    /* (it ran: a statement left queued would have answered for it) */
    CHECK(lunatic_sqlite_execute((int64_t)evil_conn,
                                 (int32_t)"INSERT INTO t VALUES (1);", 25) ==
          0);
    lunatic_process_sleep_ms(5);
    uint64_t server = lun_spawn(ping_server, 0);
    timed_pings(server, 20, "catch_nested_wait");
    printf("ok catch_nested_wait\n");
    return 0;
}

/* }===== */
/* {===== start_registry */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    static uint8_t buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

static int32_t get_or_spawn(const char *name, int64_t module, uint64_t *id)
{
    uint64_t node = 99;
    const char *fn = "entry";
    return lunatic_process_get_or_spawn(
        (int32_t)name, (int32_t)strlen(name), 0, -1, module, (int32_t)fn,
        (int32_t)strlen(fn), 0, 0, (int32_t)&node, (int32_t)id);
}

static int case_start_registry(const char *dir)
{
    char path[512];
    size_t len;
    uint64_t module, first = 0, second = 0;
    snprintf(path, sizeof path, "%s/start_registry.wasm", dir);
    uint8_t *bytes = read_file(path, &len);
    CHECK(lunatic_process_compile_module((int32_t)bytes, (int32_t)len,
                                         (int32_t)&module) == 0);
    uint64_t server = lun_spawn(ping_server, 0);
    CHECK(get_or_spawn("svc", (int64_t)module, &first) == 0);
    CHECK(get_or_spawn("svc", (int64_t)module, &second) == 2);
    CHECK(first == second && first != 0);
    /* What the start function registered is there too. */
    uint64_t node, pid;
    const char *mark = "started";
    CHECK(lunatic_registry_get((int32_t)mark, (int32_t)strlen(mark),
                               (int32_t)&node, (int32_t)&pid) == 0);
    timed_pings(server, 50, "start_registry");
    printf("ok start_registry\n");
    return 0;
}

/* }===== */
/* {===== huge_names: names the runtime copies and keeps are bounded */

static char *huge_name(size_t n)
{
    char *name = malloc(n);
    CHECK(name != NULL);
    memset(name, 'x', n);
    return name;
}

static void put_huge_name(int64_t n)
{
    char *name = huge_name((size_t)n);
    lunatic_registry_put((int32_t)name, (int32_t)n, 0, 1);
    printf("FAIL: a registry name of %lld bytes was taken\n", (long long)n);
}

static void count_huge_name(int64_t n)
{
    char *name = huge_name((size_t)n);
    lunatic_metrics_increment_counter((int32_t)name, (int32_t)n);
    printf("FAIL: a metric name of %lld bytes was taken\n", (long long)n);
}

/* fn(arg) must fail (trap); the caller lives on. */
static void must_fail(lun_entry_fn fn, int64_t arg)
{
    uint64_t pid = lun_spawn(fn, arg);
    lunatic_process_monitor((int64_t)pid);
    CHECK(lunatic_message_receive(0, 0, 10000) == LUN_MSG_PROCESS_DIED);
}

static int case_huge_names(void)
{
    must_fail(put_huge_name, 65537);
    must_fail(put_huge_name, 64 << 20);
    must_fail(count_huge_name, 1025);
    /* At the bounds, both work. */
    char *name = huge_name(65536);
    lunatic_registry_put((int32_t)name, 65536, 0, 7);
    uint64_t node, pid;
    CHECK(lunatic_registry_get((int32_t)name, 65536, (int32_t)&node,
                               (int32_t)&pid) == 0 && pid == 7);
    lunatic_metrics_increment_counter((int32_t)name, 1024);
    printf("ok huge_names\n");
    return 0;
}

/* }===== */
/* {===== compile_big: a module's bytes are copied in pieces, between
 * which the caller pauses; they must come out whole */

static size_t leb(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    do {
        out[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n] |= v ? 0x80 : 0;
        n++;
    } while (v);
    return n;
}

/* A valid module: a custom section of `big` bytes, then one of 3 bytes
 * (which the decoder must find right where it belongs). */
static uint8_t *big_module(uint32_t big, size_t *len)
{
    uint8_t *m = calloc(1, (size_t)big + 64);
    size_t n = 0;
    CHECK(m != NULL);
    memcpy(m, "\0asm\1\0\0\0", 8);
    n = 8;
    m[n++] = 0; /* custom section: size, name "x", payload */
    n += leb(m + n, big);
    m[n++] = 1;
    m[n++] = 'x';
    n += big - 2;
    m[n++] = 0;
    m[n++] = 3;
    m[n++] = 1;
    m[n++] = 'y';
    m[n++] = 7;
    *len = n;
    return m;
}

static int case_compile_big(void)
{
    size_t len;
    uint64_t id;
    uint8_t *m = big_module(5 << 20, &len);
    CHECK(lunatic_process_compile_module((int32_t)m, (int32_t)len,
                                         (int32_t)&id) == 0);
    m[len - 4] = 9; /* the last section now overruns the module */
    CHECK(lunatic_process_compile_module((int32_t)m, (int32_t)len,
                                         (int32_t)&id) == 1);
    printf("ok compile_big\n");
    return 0;
}

/* }===== */
/* {===== sql_escape: SQL that opens files is held to sqlite::open's rule */

static int32_t exec_sql(uint64_t conn, const char *sql)
{
    return lunatic_sqlite_execute((int64_t)conn, (int32_t)sql,
                                  (int32_t)strlen(sql));
}

static int case_sql_escape(const char *dir)
{
    uint64_t conn;
    char sql[600];
    const char *mem = ":memory:";
    CHECK(lunatic_sqlite_open((int32_t)mem, (int32_t)strlen(mem),
                              (int32_t)&conn) == 0);
    CHECK(exec_sql(conn, "CREATE TABLE t(x); INSERT INTO t VALUES (1);") == 0);
    /* Outside the preopened directory: refused (SQLITE_AUTH). */
    CHECK(exec_sql(conn, "ATTACH '/tmp/sandbox_escape.db' AS a;") == 23);
    CHECK(exec_sql(conn, "VACUUM INTO '/tmp/sandbox_escape.db';") == 23);
    snprintf(sql, sizeof sql, "ATTACH '%s/../sandbox_escape.db' AS b;", dir);
    CHECK(exec_sql(conn, sql) == 23);
    /* Inside it, and private temporary databases: allowed. */
    snprintf(sql, sizeof sql, "ATTACH '%s/attached.db' AS c;", dir);
    CHECK(exec_sql(conn, sql) == 0);
    CHECK(exec_sql(conn, "ATTACH '' AS d;") == 0);
    CHECK(exec_sql(conn, "ATTACH ':memory:' AS e;") == 0);
    printf("ok sql_escape\n");
    return 0;
}

/* }===== */
/* {===== sql_hogs and hold: pings beside processes that hog */

static void sql_hog(int64_t arg)
{
    uint64_t conn;
    const char *path = ":memory:";
    const char *sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                      "SELECT x + 1 FROM c WHERE x < 1000000000) "
                      "SELECT count(*) FROM c;";
    (void)arg;
    CHECK(lunatic_sqlite_open((int32_t)path, (int32_t)strlen(path),
                              (int32_t)&conn) == 0);
    for (;;)
        lunatic_sqlite_execute((int64_t)conn, (int32_t)sql,
                               (int32_t)strlen(sql));
}

/* A lunatic_alloc that recurses (1), spins inside the host call until
 * its budget is spent (2), or spins and recurses at every depth (3);
 * the attacker then traps, and is spawned again. */
static void spinning_alloc(int64_t arg)
{
    const char *path = ":memory:";
    CHECK(lunatic_sqlite_open((int32_t)path, (int32_t)strlen(path),
                              (int32_t)&evil_conn) == 0);
    evil_alloc = (int)arg;
    char scratch[8];
    lunatic_sqlite_last_error((int64_t)evil_conn, (int32_t)scratch);
}

static void nested_alloc_hog(int64_t arg)
{
    for (;;) {
        uint64_t pid = lun_spawn(spinning_alloc, 1 + arg % 3);
        lunatic_process_monitor((int64_t)pid);
        while (lunatic_message_receive(0, 0, LUN_FOREVER) !=
               LUN_MSG_PROCESS_DIED)
            ;
    }
}

static void fill_hog(int64_t arg)
{
    (void)arg;
    size_t n = (size_t)512 << 20;
    uint8_t *p = malloc(n);
    CHECK(p != NULL);
    for (uint8_t v = 0;; v++)
        __builtin_memset(p, v, n); /* memory.fill under -mbulk-memory */
}

static void copy_hog(int64_t arg)
{
    (void)arg;
    size_t n = (size_t)64 << 20;
    uint8_t *p = malloc(n);
    CHECK(p != NULL);
    memset(p, 1, n);
    for (;;) { /* a 64 MiB message to itself, written and read back */
        lunatic_message_create_data(1, (int64_t)n);
        lunatic_message_write_data((int32_t)p, (int32_t)n);
        lunatic_message_send((int64_t)lun_self());
        int64_t tags[1] = {1};
        lun_recv(tags, 1, LUN_FOREVER, p, n, NULL);
    }
}

/* kinds 1: SQL hogs only; 4: all four, in turn; 10 + k: hogs[k] only. */
static int case_hogs(const char *name, int n, int kinds)
{
    static const lun_entry_fn hogs[] = {sql_hog, nested_alloc_hog, fill_hog,
                                        copy_hog};
    uint64_t server = lun_spawn(ping_server, 0);
    for (int i = 0; i < n; i++)
        lun_spawn(hogs[kinds == 1 ? 0 : kinds >= 10 ? kinds - 10 : i % 4], i);
    lunatic_process_sleep_ms(300); /* let them get going */
    timed_pings(server, 300, name);
    printf("ok %s\n", name);
    exit(0); /* the hogs never end: stop the run */
}

/* }===== */

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "alloc_reentry") == 0)
        return case_alloc_reentry();
    if (strcmp(c, "start_registry") == 0 && argc > 2)
        return case_start_registry(argv[2]);
    if (strcmp(c, "catch_nested_wait") == 0)
        return case_catch_nested_wait();
    if (strcmp(c, "compile_big") == 0)
        return case_compile_big();
    if (strcmp(c, "huge_names") == 0)
        return case_huge_names();
    if (strcmp(c, "sql_escape") == 0 && argc > 2)
        return case_sql_escape(argv[2]);
    if (strcmp(c, "sql_hogs") == 0 && argc > 2)
        return case_hogs("sql_hogs", atoi(argv[2]), 1);
    if (strcmp(c, "hold") == 0 && argc > 2)
        return case_hogs("hold", atoi(argv[2]),
                         argc > 3 ? 10 + atoi(argv[3]) % 4 : 4);
    printf("usage: sandbox.wasm alloc_reentry | start_registry DIR | "
           "sql_hogs N | hold K\n");
    return 2;
}
