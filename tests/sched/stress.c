/* stress.c: scheduler stress tests, one per argv[1], sized by argv[2]:
 *   spawn N     spawn N processes that each say hello and end; all reaped
 *   loop_ping   a process that loops forever (no host calls) beside a
 *               ping server that keeps answering
 *   crash N     N servers; 10% are crashed by different traps while the
 *               rest answer pings; every survivor answers
 *   wakeups N   N rounds of: a burst of children that each wake a
 *               relay, which wakes the root; every few rounds all go
 *               idle so workers park. A lost wake-up (work queued while
 *               every worker sleeps or searches elsewhere) times out.
 *   idle N      prints READY0, spawns N processes blocked in receive,
 *               prints READY1 N; each time sleeps 3 s for whoever reads
 *               the metrics meanwhile (tests/sched/footprint.py)
 * Prints "ok NAME ..." and exits 0, or "FAIL ..." and 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#include "check.h"

static volatile int zero = 0;

static void hello(int64_t parent)
{
    lun_send((uint64_t)parent, 1, NULL, 0);
}

static void t_spawn(int64_t n)
{
    int64_t self = (int64_t)lun_self(), got = 0;
    /* Keep at most `window` alive so the test measures reaping too. */
    int64_t window = 1000, spawned = 0;
    while (got < n) {
        while (spawned < n && spawned - got < window) {
            CHECK(lun_spawn(hello, self) != 0);
            spawned++;
        }
        CHECK(lun_recv(NULL, 0, 10000, NULL, 0, NULL) == 0);
        got++;
    }
    printf("ok spawn %lld\n", (long long)n);
}

static void looper(int64_t unused)
{
    (void)unused;
    for (;;)
        zero++;
}

static int recurse(int n) { return n <= 0 ? 0 : 1 + recurse(n - 1) * (n & 1); }

/* A server: op 0 = ping (answer), 1..4 = crash in different ways. */
static void server(int64_t id)
{
    int64_t tags[1] = {1};
    for (;;) {
        struct { lun_req_hdr_t h; int64_t op; } r;
        lun_recv(tags, 1, LUN_FOREVER, &r, sizeof r, NULL);
        switch (r.op) {
        case 1: __builtin_trap();
        case 2: zero = 100 / zero; break;
        case 3: *(volatile int *)0xfffffff0 = 1; break;
        case 4: zero = recurse(1 << 30); break;
        }
        lun_reply(&r.h, &id, sizeof id);
    }
}

static int64_t ask(uint64_t pid, int64_t op, uint64_t timeout)
{
    int64_t answer = -1;
    if (lun_request(pid, 1, &op, sizeof op, &answer, sizeof answer,
                    timeout) < 0)
        return -1;
    return answer;
}

static void t_loop_ping(int64_t n)
{
    uint64_t loops[4];
    for (int i = 0; i < 4; i++)
        loops[i] = lun_spawn(looper, 0);
    uint64_t ping = lun_spawn(server, 77);
    for (int64_t i = 0; i < n; i++)
        CHECK(ask(ping, 0, 2000) == 77);
    for (int i = 0; i < 4; i++)
        lunatic_process_kill((int64_t)loops[i]);
    printf("ok loop_ping %lld\n", (long long)n);
}

static void t_crash(int64_t n)
{
    uint64_t *pids = malloc((size_t)n * sizeof *pids);
    int64_t answered = 0, crashed = 0;
    CHECK(pids);
    for (int64_t i = 0; i < n; i++)
        CHECK((pids[i] = lun_spawn(server, i)) != 0);
    /* Crash every 10th with one of four traps; ping the rest meanwhile. */
    for (int64_t i = 0; i < n; i++) {
        if (i % 10 == 0) {
            int64_t op = 1 + (i / 10) % 4;
            lunatic_message_create_data(1, 0);
            lun_req_hdr_t h = {0, lun_self()};
            lunatic_message_write_data((int32_t)&h, sizeof h);
            lunatic_message_write_data((int32_t)&op, sizeof op);
            lunatic_message_send((int64_t)pids[i]);
            crashed++;
        }
    }
    for (int64_t i = 0; i < n; i++)
        if (i % 10 != 0 && ask(pids[i], 0, 5000) == i)
            answered++;
    int64_t alive = 0;
    for (int tries = 0; tries < 100; tries++) { /* up to 10 s */
        lunatic_process_sleep_ms(100);
        alive = 0;
        for (int64_t i = 0; i < n; i++)
            alive += lunatic_process_exists((int64_t)pids[i]);
        if (alive == n - crashed)
            break;
    }
    CHECK(answered == n - crashed);
    CHECK(alive == n - crashed);
    for (int64_t i = 0; i < n; i++)
        lunatic_process_kill((int64_t)pids[i]);
    printf("ok crash %lld: %lld crashed, %lld answered\n", (long long)n,
           (long long)crashed, (long long)answered);
    free(pids);
}

/* Forwards every message it gets to the pid in it. */
static void relay(int64_t unused)
{
    (void)unused;
    for (;;) {
        uint64_t to = 0;
        lun_recv(NULL, 0, LUN_FOREVER, &to, sizeof to, NULL);
        lun_send(to, 1, NULL, 0);
    }
}

static void waker(int64_t relay_pid)
{
    uint64_t root = (uint64_t)relay_pid >> 32;
    lun_send((uint64_t)relay_pid & 0xffffffff, 1, &root, sizeof root);
}

static void t_wakeups(int64_t n)
{
    uint64_t r = lun_spawn(relay, 0);
    CHECK(r != 0 && r < (1ull << 32) && lun_self() < (1ull << 32));
    for (int64_t i = 0; i < n; i++) {
        int burst = 1 + (int)(i % 7);
        for (int k = 0; k < burst; k++)
            CHECK(lun_spawn(waker, (int64_t)(lun_self() << 32 | r)) != 0);
        for (int k = 0; k < burst; k++)
            CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == 0);
        if (i % 16 == 0)
            lunatic_process_sleep_ms(1); /* everyone idle: workers park */
    }
    lunatic_process_kill((int64_t)r);
    printf("ok wakeups %lld\n", (long long)n);
}

static void waiter(int64_t unused)
{
    (void)unused;
    lun_recv(NULL, 0, LUN_FOREVER, NULL, 0, NULL);
}

static void t_idle(int64_t n)
{
    lunatic_process_sleep_ms(200);
    printf("READY0\n");
    fflush(stdout);
    lunatic_process_sleep_ms(3000);
    for (int64_t i = 0; i < n; i++)
        CHECK(lun_spawn(waiter, 0) != 0);
    lunatic_process_sleep_ms(200); /* they have run into their receive */
    printf("READY1 %lld\n", (long long)n);
    fflush(stdout);
    lunatic_process_sleep_ms(3000);
    printf("ok idle %lld\n", (long long)n);
}

int main(int argc, char **argv)
{
    int64_t n = argc > 2 ? atoll(argv[2]) : 1000;
    if (argc > 1 && !strcmp(argv[1], "spawn"))
        t_spawn(n);
    else if (argc > 1 && !strcmp(argv[1], "loop_ping"))
        t_loop_ping(n);
    else if (argc > 1 && !strcmp(argv[1], "crash"))
        t_crash(n);
    else if (argc > 1 && !strcmp(argv[1], "wakeups"))
        t_wakeups(n);
    else if (argc > 1 && !strcmp(argv[1], "idle"))
        t_idle(n);
    else
        return printf("FAIL unknown test\n"), 1;
    return 0;
}
