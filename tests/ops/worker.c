/* tests/ops/worker.c: a guest for the operations tests (tests/ops/run.sh).
 *   worker.wasm work SECONDS  spawns short jobs that answer a message,
 *                             records lunatic::metrics (a counter with
 *                             labels, a gauge, a histogram), keeps a
 *                             "spinner" busy and a "hoarder" whose mailbox
 *                             grows, for SECONDS seconds
 *   worker.wasm crash         one process that traps in crash_here(),
 *                             linked to a buddy, monitored by the root,
 *                             with 3 messages left in its mailbox
 *   worker.wasm storm N       N processes that trap at once */
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

static void metric_add(const char *name, int64_t v)
{
    lunatic_metrics_counter((int32_t)name, (int32_t)strlen(name), v);
}

static void metric_set(const char *name, double v)
{
    lunatic_metrics_gauge((int32_t)name, (int32_t)strlen(name), v);
}

static void metric_observe(const char *name, double v)
{
    lunatic_metrics_histogram((int32_t)name, (int32_t)strlen(name), v);
}

/* A job: wait for a number, answer with its square (a request/reply). */
static void job(int64_t parent)
{
    int64_t n = 0;
    lun_recv(NULL, 0, LUN_FOREVER, &n, sizeof n, NULL);
    n *= n;
    lun_send((uint64_t)parent, 2, &n, sizeof n);
}

/* Burns reductions in bursts, so `top` has a busiest process. */
static void spinner(int64_t arg)
{
    volatile uint64_t x = (uint64_t)arg;
    for (;;) {
        for (int i = 0; i < 200000; i++)
            x = x * 6364136223846793005u + 1;
        lunatic_process_sleep_ms(5);
    }
}

/* Never reads its mailbox: `top` shows it by mailbox length. */
static void hoarder(int64_t arg)
{
    (void)arg;
    for (;;)
        lunatic_process_sleep_ms(1000);
}

static int work(int seconds)
{
    uint64_t self = lun_self();
    lun_spawn(spinner, 1);
    uint64_t hoard = lun_spawn(hoarder, 0);
    uint64_t start = lun__now_ms();
    uint64_t rounds = 0;
    while (lun__now_ms() - start < (uint64_t)seconds * 1000) {
        uint64_t t0 = lun__now_ms();
        for (int64_t i = 0; i < 20; i++) {
            uint64_t pid = lun_spawn(job, (int64_t)self);
            lun_send(pid, 1, &i, sizeof i);
        }
        int64_t tag = 2, sq;
        for (int i = 0; i < 20; i++)
            lun_recv(&tag, 1, LUN_FOREVER, &sq, sizeof sq, NULL);
        lun_send(hoard, 3, &rounds, sizeof rounds);
        rounds++;
        metric_add("ops.jobs{kind=square,stage=\"done\"}", 20);
        metric_add("ops.rounds", 1);
        metric_set("ops.last_round", (double)rounds);
        metric_observe("ops.round_seconds",
                       (double)(lun__now_ms() - t0) / 1000.0);
        lunatic_process_sleep_ms(20);
    }
    return 0;
}

/* noinline: the backtrace names it (the name section). */
__attribute__((noinline)) static void crash_here(int depth)
{
    if (depth == 0)
        __builtin_trap();
    crash_here(depth - 1);
}

static void buddy(int64_t arg)
{
    (void)arg;
    lunatic_process_sleep_ms(60000);
}

static void crasher(int64_t buddy_pid)
{
    lunatic_process_link(9, buddy_pid);
    int64_t go = 5;
    lun_recv(&go, 1, LUN_FOREVER, NULL, 0, NULL); /* the others stay */
    crash_here(2);
}

static int crash(void)
{
    uint64_t b = lun_spawn(buddy, 0);
    uint64_t c = lun_spawn(crasher, (int64_t)b);
    lunatic_process_monitor((int64_t)c);
    for (int64_t i = 0; i < 3; i++)
        lun_send(c, 7, &i, sizeof i);
    lunatic_process_sleep_ms(50); /* it links to its buddy meanwhile */
    lun_send(c, 5, NULL, 0);
    lun_recv(NULL, 0, 5000, NULL, 0, NULL); /* its down message */
    lunatic_process_sleep_ms(100);          /* and its buddy's death */
    return 0;
}

static void trap_now(int64_t arg)
{
    (void)arg;
    __builtin_trap();
}

static int storm(int n)
{
    for (int i = 0; i < n; i++)
        lun_spawn(trap_now, i);
    lunatic_process_sleep_ms(300);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "work") == 0)
        return work(atoi(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "crash") == 0)
        return crash();
    if (argc >= 3 && strcmp(argv[1], "storm") == 0)
        return storm(atoi(argv[2]));
    return 2;
}
