/* schedbench.c: the scheduling benchmarks as one C guest, chosen by
 * argv[1] (see bench/sched/run.py, which runs the same in Erlang and Go):
 *   spawn N          spawn N processes that end at once; spawns/s
 *   idle N           N processes blocked in receive; the runner reads RSS
 *   ring N M         a token goes M hops around a ring of N; ns per hop
 *   pingpong M       M round trips between two processes; ns each
 *   skynet           1M leaves, 10 children per node; total time
 *   lateness K B     K sleeps of 1 ms beside B busy loops; p99 lateness
 * Each prints "RESULT <name> <value> <unit>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

/* Children get a config without dirs or env that may spawn; config ids
 * are per process, so in a child this stays -1 (inherit its own). */
static int64_t cfg = -1;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t spawn(lun_entry_fn fn, int64_t arg)
{
    return lun_spawn_config(fn, arg, 0, cfg);
}

static void nothing(int64_t arg) { (void)arg; }

static void b_spawn(int64_t n)
{
    uint64_t t0 = now_ns();
    for (int64_t i = 0; i < n; i++)
        spawn(nothing, 0);
    /* wait until they are all gone: the last pid no longer exists */
    while (lunatic_process_exists((int64_t)lun_self() + n))
        lunatic_process_sleep_ms(1);
    double s = (double)(now_ns() - t0) / 1e9;
    printf("RESULT spawn %.3f us\n", s * 1e6 / (double)n);
}

static void waiter(int64_t arg)
{
    (void)arg;
    lun_recv(NULL, 0, LUN_FOREVER, NULL, 0, NULL);
}

static void b_idle(int64_t n)
{
    printf("READY0\n");
    fflush(stdout);
    lunatic_process_sleep_ms(300);
    for (int64_t i = 0; i < n; i++)
        spawn(waiter, 0);
    lunatic_process_sleep_ms(200);
    printf("READY1 %lld\n", (long long)n);
    fflush(stdout);
    lunatic_process_sleep_ms(1500); /* the runner reads RSS now */
}

static void member(int64_t unused)
{
    uint64_t next;
    int64_t token;
    (void)unused;
    lun_recv(NULL, 0, LUN_FOREVER, &next, sizeof next, NULL);
    for (;;) {
        lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
        lun_send(next, 0, &token, sizeof token);
        if (token <= 0)
            return;
    }
}

static void b_ring(int64_t n, int64_t hops)
{
    uint64_t *pids = malloc((size_t)n * sizeof *pids), self = lun_self();
    for (int64_t i = 0; i < n; i++)
        pids[i] = spawn(member, 0);
    for (int64_t i = 0; i < n; i++) {
        uint64_t next = i + 1 < n ? pids[i + 1] : pids[0];
        lun_send(pids[i], 0, &next, sizeof next);
    }
    /* The token counts down; whoever sees 0 tells the root. */
    uint64_t t0 = now_ns();
    int64_t token = hops;
    lun_send(pids[0], 0, &token, sizeof token);
    (void)self;
    while (lunatic_process_exists((int64_t)pids[n - 1]) ||
           lunatic_process_exists((int64_t)pids[0]))
        lunatic_process_sleep_ms(1);
    double ns = (double)(now_ns() - t0);
    printf("RESULT ring %.1f ns\n", ns / (double)hops);
    free(pids);
}

/* Ring members decrement: a token reaching <= 0 stops everyone. */
static void ring_member(int64_t unused)
{
    uint64_t next;
    int64_t token;
    (void)unused;
    lun_recv(NULL, 0, LUN_FOREVER, &next, sizeof next, NULL);
    for (;;) {
        lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
        token--;
        lun_send(next, 0, &token, sizeof token);
        if (token <= 0)
            return;
    }
}

static void ponger(int64_t parent)
{
    int64_t n;
    for (;;) {
        lun_recv(NULL, 0, LUN_FOREVER, &n, sizeof n, NULL);
        lun_send((uint64_t)parent, 0, &n, sizeof n);
        if (n < 0)
            return;
    }
}

static void b_pingpong(int64_t m)
{
    uint64_t pid = spawn(ponger, (int64_t)lun_self());
    int64_t n = 0;
    uint64_t t0 = now_ns();
    for (int64_t i = 0; i < m; i++) {
        lun_send(pid, 0, &i, sizeof i);
        lun_recv(NULL, 0, LUN_FOREVER, &n, sizeof n, NULL);
    }
    double ns = (double)(now_ns() - t0);
    n = -1;
    lun_send(pid, 0, &n, sizeof n);
    printf("RESULT pingpong %.1f ns\n", ns / (double)m);
}

/* skynet: node (num, size, parent) sums its leaves' numbers. */
static void skynet_node(int64_t packed)
{
    /* packed: parent pid (32 bits) | level (8) | num offset (24 bits
     * would not fit 1M*10): pass num and size via a message instead. */
    int64_t a[3];
    (void)packed;
    lun_recv(NULL, 0, LUN_FOREVER, a, sizeof a, NULL);
    int64_t num = a[0], size = a[1];
    uint64_t parent = (uint64_t)a[2];
    int64_t sum = 0;
    if (size == 1) {
        sum = num;
    } else {
        int64_t sub = size / 10;
        for (int64_t i = 0; i < 10; i++) {
            uint64_t c = spawn(skynet_node, 0);
            int64_t b[3] = {num + i * sub, sub, (int64_t)lun_self()};
            lun_send(c, 0, b, sizeof b);
        }
        for (int i = 0; i < 10; i++) {
            int64_t v;
            lun_recv(NULL, 0, LUN_FOREVER, &v, sizeof v, NULL);
            sum += v;
        }
    }
    lun_send(parent, 0, &sum, sizeof sum);
}

static void b_skynet(int64_t leaves)
{
    uint64_t t0 = now_ns();
    uint64_t c = spawn(skynet_node, 0);
    int64_t b[3] = {0, leaves, (int64_t)lun_self()}, sum = 0;
    lun_send(c, 0, b, sizeof b);
    lun_recv(NULL, 0, LUN_FOREVER, &sum, sizeof sum, NULL);
    double ms = (double)(now_ns() - t0) / 1e6;
    printf("RESULT skynet %.1f ms sum=%lld\n", ms, (long long)sum);
}

static volatile int64_t sink;
static void busy(int64_t unused)
{
    (void)unused;
    for (;;)
        sink++;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void b_lateness(int64_t k, int64_t busy_n)
{
    uint64_t *late = malloc((size_t)k * sizeof *late);
    uint64_t *pids = malloc((size_t)busy_n * sizeof *pids + 8);
    for (int64_t i = 0; i < busy_n; i++)
        pids[i] = spawn(busy, 0);
    for (int64_t i = 0; i < k; i++) {
        uint64_t t0 = now_ns();
        lunatic_process_sleep_ms(1);
        uint64_t d = now_ns() - t0;
        late[i] = d > 1000000 ? d - 1000000 : 0;
    }
    qsort(late, (size_t)k, sizeof *late, cmp);
    printf("RESULT lateness %.3f ms p50=%.3f\n",
           (double)late[(size_t)k * 99 / 100] / 1e6,
           (double)late[(size_t)k / 2] / 1e6);
    for (int64_t i = 0; i < busy_n; i++)
        lunatic_process_kill((int64_t)pids[i]);
    free(late);
    free(pids);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    int64_t a = argc > 2 ? atoll(argv[2]) : 0, b = argc > 3 ? atoll(argv[3]) : 0;
    cfg = lunatic_process_create_config();
    lunatic_process_config_set_can_spawn_processes(cfg, 1);
    if (!strcmp(what, "spawn"))
        b_spawn(a ? a : 100000);
    else if (!strcmp(what, "idle"))
        b_idle(a ? a : 100000);
    else if (!strcmp(what, "ring")) {
        (void)member;
        int64_t n = a ? a : 1000, hops = b ? b : 1000000;
        uint64_t *pids = malloc((size_t)n * sizeof *pids);
        for (int64_t i = 0; i < n; i++)
            pids[i] = spawn(ring_member, 0);
        for (int64_t i = 0; i < n; i++) {
            uint64_t next = i + 1 < n ? pids[i + 1] : lun_self();
            lun_send(pids[i], 0, &next, sizeof next);
        }
        uint64_t t0 = now_ns();
        int64_t token = hops;
        lun_send(pids[0], 0, &token, sizeof token);
        /* the root forwards too: it closes the ring */
        for (;;) {
            lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
            if (token <= 0)
                break;
            token--;
            lun_send(pids[0], 0, &token, sizeof token);
            if (token <= 0)
                break;
        }
        printf("RESULT ring %.1f ns\n", (double)(now_ns() - t0) / (double)hops);
        free(pids);
    } else if (!strcmp(what, "pingpong"))
        b_pingpong(a ? a : 1000000);
    else if (!strcmp(what, "skynet"))
        b_skynet(a ? a : 1000000);
    else if (!strcmp(what, "lateness"))
        b_lateness(a ? a : 1000, b ? b : 4);
    else
        return printf("unknown benchmark\n"), 2;
    (void)b_ring;
    return 0;
}
