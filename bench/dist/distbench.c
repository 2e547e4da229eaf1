/* distbench.c: the distribution benchmarks of `make bench-dist`
 * (bench/dist/run.py), run as node A's app; node B serves. The same
 * measures are in distbench.erl.
 *
 *   distbench rtt N        median and p99 round trip (us) of an 8-byte
 *                          message to an echo process on B
 *   distbench msgs N       small (16-byte) messages/s one way: B's
 *                          receiver counts N, then says done
 *   distbench mbps N       MB/s of N 65,536-byte messages one way
 *   distbench spawn N W    remote spawns/s: W local processes each spawn
 *                          N/W children on B one after the other, and
 *                          wait for the child's "started" message before
 *                          the next (W = 1: not pipelined)
 *   distbench stream N     p99 (ms) of N small round trips (fewer if they
 *                          take over 20 s) while another process streams
 *                          64 KB messages to B
 *   distbench dead         prints READY, then DOWN once B is no longer a
 *                          member (run.py stops B with SIGSTOP)
 *
 * Each prints "RESULT name value unit". Data messages carry no sender,
 * so every process on B is told at spawn where to answer (node, pid). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdk/lunatic.h"

enum { TAG_PING = 1, TAG_DATA = 2, TAG_DONE = 3, TAG_STOP = 4, TAG_STARTED = 5 };
#define BIG 65536

static uint8_t big[BIG];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Send len bytes tagged tag to pid on node; exits on a failed send. */
static void rsend(uint64_t node, uint64_t pid, int64_t tag, const void *buf,
                  size_t len)
{
    lunatic_message_create_data(tag, (int64_t)len);
    if (len)
        lunatic_message_write_data((int32_t)buf, (int32_t)len);
    int32_t rc = lunatic_distributed_send((int64_t)node, (int64_t)pid);
    if (rc != 0) {
        printf("send to %llu failed: %d\n", (unsigned long long)pid, (int)rc);
        exit(1);
    }
}

/* Wait for a message tagged tag (timeout: exit). */
static void await(int64_t tag, void *buf, size_t cap)
{
    if (lun_recv(&tag, 1, 30000, buf, cap, NULL) == LUN_TIMEOUT) {
        printf("timeout waiting for tag %d\n", (int)tag);
        exit(1);
    }
}

/* {===== processes spawned on B: each gets (node, pid) to answer to */

/* Send every message back as it came until TAG_STOP. */
__attribute__((export_name("echo"))) void echo(int64_t node, int64_t pid)
{
    uint8_t buf[64];
    size_t len;
    for (;;) {
        lun_recv(NULL, 0, LUN_FOREVER, buf, sizeof buf, &len);
        int64_t tag = lunatic_message_get_tag();
        if (tag == TAG_STOP)
            return;
        rsend((uint64_t)node, (uint64_t)pid, tag, buf,
              len < sizeof buf ? len : sizeof buf);
    }
}

/* Count n messages (their bytes unread), then say done; n <= 0: count
 * until TAG_STOP, then say done with the count. */
__attribute__((export_name("sink"))) void sink(int64_t node, int64_t pid,
                                               int64_t n)
{
    int64_t got = 0;
    while (n <= 0 || got < n) {
        lunatic_message_receive(0, 0, -1);
        if (lunatic_message_get_tag() == TAG_STOP)
            break;
        got++;
    }
    rsend((uint64_t)node, (uint64_t)pid, TAG_DONE, &got, sizeof got);
}

__attribute__((export_name("started"))) void started(int64_t node,
                                                     int64_t pid)
{
    rsend((uint64_t)node, (uint64_t)pid, TAG_STARTED, NULL, 0);
}

/* }===== */

static uint64_t self_node, peer;

/* Spawn func(self_node, self pid[, extra]) on the peer: its pid. */
static uint64_t rspawn(const char *func, int64_t extra, int with_extra)
{
    uint8_t params[3 * LUN_PARAM_SIZE];
    size_t plen = 0;
    uint64_t id = 0;
    lun_param_i64(params, &plen, (int64_t)self_node);
    lun_param_i64(params, &plen, (int64_t)lun_self());
    if (with_extra)
        lun_param_i64(params, &plen, extra);
    int32_t rc = lunatic_distributed_spawn(
        (int64_t)peer, -1, lunatic_distributed_module_id(), (int32_t)func,
        (int32_t)strlen(func), (int32_t)params, (int32_t)plen, (int32_t)&id);
    if (rc != 0) {
        printf("remote spawn of %s failed: %d\n", func, (int)rc);
        exit(1);
    }
    return id;
}

static void find_peer(void)
{
    uint64_t ids[8];
    self_node = (uint64_t)lunatic_distributed_node_id();
    for (int tries = 0; tries < 400; tries++) {
        int32_t n = lunatic_distributed_get_nodes((int32_t)ids, 8);
        for (int32_t i = 0; i < n && i < 8; i++)
            if (ids[i] != self_node)
                peer = ids[i];
        if (peer)
            return;
        lunatic_process_sleep_ms(25);
    }
    printf("no peer node\n");
    exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Up to n round trips to echo, for at most max_s seconds; the sorted
 * times (ns) in t; how many were made. A reply not back 1 s after that
 * counts as the time waited (a lower bound: *capped is set) and ends the
 * series. */
static int round_trips(uint64_t echo_pid, uint64_t *t, int n, double max_s,
                       bool *capped)
{
    uint8_t buf[8];
    int64_t tag = TAG_PING;
    uint64_t end = now_ns() + (uint64_t)(max_s * 1e9);
    int i = 0;
    *capped = false;
    while (i < n && (i == 0 || now_ns() < end)) {
        uint64_t t0 = now_ns();
        rsend(peer, echo_pid, TAG_PING, &t0, 8);
        /* the last one may end up to 1 s past the window, as in Erlang */
        uint64_t wait_ms = (end > t0 ? (end - t0) / 1000000 : 0) + 1000;
        int32_t k = lun_recv(&tag, 1, wait_ms, buf, sizeof buf, NULL);
        t[i++] = now_ns() - t0;
        if (k == LUN_TIMEOUT) {
            *capped = true;
            break;
        }
    }
    qsort(t, (size_t)i, sizeof *t, cmp_u64);
    return i;
}

static void bench_rtt(int n)
{
    uint64_t e = rspawn("echo", 0, 0);
    uint64_t *t = malloc((size_t)n * sizeof *t);
    bool capped;
    round_trips(e, t, n < 1000 ? n : 1000, 10, &capped); /* warm up */
    n = round_trips(e, t, n, 60, &capped);
    printf("RESULT rtt %.2f us p99=%.2f\n", t[n / 2] / 1e3,
           t[n * 99 / 100] / 1e3);
    rsend(peer, e, TAG_STOP, NULL, 0);
    free(t);
}

/* n messages of len bytes one way; seconds until B has them all. */
static double one_way(int n, size_t len)
{
    uint64_t s = rspawn("sink", n, 1);
    int64_t got;
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++)
        rsend(peer, s, TAG_DATA, big, len);
    await(TAG_DONE, &got, sizeof got);
    return (now_ns() - t0) / 1e9;
}

/* One of W local spawners: count remote spawns, each awaited. */
__attribute__((export_name("spawner"))) void spawner(int64_t main_pid,
                                                     int64_t count,
                                                     int64_t peer_node)
{
    self_node = (uint64_t)lunatic_distributed_node_id();
    peer = (uint64_t)peer_node;
    for (int64_t i = 0; i < count; i++) {
        rspawn("started", 0, 0);
        await(TAG_STARTED, NULL, 0);
    }
    lun_send((uint64_t)main_pid, TAG_DONE, NULL, 0);
}

static void bench_spawn(int n, int w)
{
    rspawn("started", 0, 0); /* B compiles the module once, not timed */
    await(TAG_STARTED, NULL, 0);
    uint64_t t0 = now_ns();
    for (int i = 0; i < w; i++) {
        uint8_t p[3 * LUN_PARAM_SIZE];
        size_t plen = 0;
        lun_param_i64(p, &plen, (int64_t)lun_self());
        lun_param_i64(p, &plen, n / w);
        lun_param_i64(p, &plen, (int64_t)peer);
        if (!lun_spawn_export("spawner", p, plen, 0, -1, NULL)) {
            printf("local spawn failed\n");
            exit(1);
        }
    }
    for (int i = 0; i < w; i++)
        await(TAG_DONE, NULL, 0);
    double s = (now_ns() - t0) / 1e9;
    printf("RESULT spawn %.0f /s (%d spawners)\n", (n / w) * w / s, w);
}

/* Stream 64 KB messages to sink on peer_node until TAG_STOP; then tell
 * main how many went. */
__attribute__((export_name("streamer"))) void streamer(int64_t main_pid,
                                                       int64_t sink_pid,
                                                       int64_t peer_node)
{
    int64_t stop = TAG_STOP, sent = 0;
    while (lun_recv(&stop, 1, 0, NULL, 0, NULL) == LUN_TIMEOUT) {
        lunatic_message_create_data(TAG_DATA, BIG);
        lunatic_message_write_data((int32_t)big, BIG);
        lunatic_distributed_send(peer_node, sink_pid);
        sent++;
    }
    lun_send((uint64_t)main_pid, TAG_DONE, &sent, sizeof sent);
}

static void bench_stream(int n)
{
    uint64_t e = rspawn("echo", 0, 0), s = rspawn("sink", 0, 1);
    uint8_t p[3 * LUN_PARAM_SIZE];
    size_t plen = 0;
    lun_param_i64(p, &plen, (int64_t)lun_self());
    lun_param_i64(p, &plen, (int64_t)s);
    lun_param_i64(p, &plen, (int64_t)peer);
    uint64_t st = lun_spawn_export("streamer", p, plen, 0, -1, NULL);
    lunatic_process_sleep_ms(200); /* the stream is under way */
    uint64_t *t = malloc((size_t)n * sizeof *t), t0 = now_ns();
    bool capped;
    n = round_trips(e, t, n, 20, &capped); /* a stalled link ends it early */
    double secs = (now_ns() - t0) / 1e9;
    lun_send(st, TAG_STOP, NULL, 0);
    int64_t sent = 0, got = 0;
    await(TAG_DONE, &sent, sizeof sent); /* the streamer's count */
    rsend(peer, s, TAG_STOP, NULL, 0);
    rsend(peer, e, TAG_STOP, NULL, 0);
    await(TAG_DONE, &got, sizeof got);   /* the sink's */
    printf("RESULT stream %s%.3f ms p50=%.3f n=%d streamed=%.0fMB/s\n",
           capped ? ">" : "", t[n * 99 / 100] / 1e6, t[n / 2] / 1e6, n,
           got * (double)BIG / 1e6 / (secs + 0.2));
    free(t);
}

static void bench_dead(void)
{
    uint64_t ids[8];
    printf("READY\n");
    fflush(stdout);
    for (;;) {
        int32_t n = lunatic_distributed_get_nodes((int32_t)ids, 8), seen = 0;
        for (int32_t i = 0; i < n && i < 8; i++)
            seen |= ids[i] == peer;
        if (!seen)
            break;
        lunatic_process_sleep_ms(5);
    }
    printf("DOWN\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: distbench rtt|msgs|mbps|spawn|stream|dead [N [W]]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    find_peer();
    if (!strcmp(argv[1], "rtt"))
        bench_rtt(n);
    else if (!strcmp(argv[1], "msgs"))
        printf("RESULT msgs %.0f msg/s\n", n / one_way(n, 16));
    else if (!strcmp(argv[1], "mbps"))
        printf("RESULT mbps %.1f MB/s\n", n * (double)BIG / 1e6 / one_way(n, BIG));
    else if (!strcmp(argv[1], "spawn"))
        bench_spawn(n, argc > 3 ? atoi(argv[3]) : 1);
    else if (!strcmp(argv[1], "stream"))
        bench_stream(n);
    else if (!strcmp(argv[1], "dead"))
        bench_dead();
    else
        return 2;
    return 0;
}
