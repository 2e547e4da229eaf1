/* traffic.c: the guest of tests/nodes/traffic.sh, run as node A's root
 * (`traffic.wasm CASE [ARG]`) with B and C joined (tags name=a|b|c). B
 * and C never had this module: each fetches it from A by hash the first
 * time A spawns there. Every case prints lines the script checks.
 *
 *   order N     N small messages from one process on A to a collector on
 *               B, then 4 senders (2 on A, 2 on C) of N/8 each to one
 *               collector on B; the collector checks each sender's
 *               sequence numbers and reports count and first gap.
 *   big MB      an MB-megabyte message A -> B while a pinger on A does
 *               round trips with an echo on B; the sink reports the size
 *               and hash, the pinger its latencies during the transfer.
 *   spawn       concurrent remote spawns on B and C, the error codes of
 *               a missing function, unknown pid, pid 0 and unknown node,
 *               and a message carrying a resource to another node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdk/lunatic.h"

enum {
    TAG_SEQ = 11,    /* a sequence message: u32 sender, u32 seq */
    TAG_REPORT = 12, /* a text line for the root to print */
    TAG_BIG = 13,    /* the large message */
    TAG_PING = 14,   /* ping: u64 node, u64 pid, u64 n */
    TAG_PONG = 15,
    TAG_CTRL = 16,   /* to the pinger: u32 0 mark start, 1 mark end, 2 stop */
    TAG_HELLO = 17,  /* from a remotely spawned hello */
};

#define REPORT_MAX 256

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* {===== talking across nodes */

/* Send len bytes tagged tag to pid on node: distributed::send's code. */
static int32_t dsend(uint64_t node, uint64_t pid, int64_t tag,
                     const void *buf, size_t len)
{
    lunatic_message_create_data(tag, (int64_t)len);
    if (len)
        lunatic_message_write_data((int32_t)buf, (int32_t)len);
    return lunatic_distributed_send((int64_t)node, (int64_t)pid);
}

/* A text line to (node, pid), tagged TAG_REPORT. */
static void report(uint64_t node, uint64_t pid, const char *line)
{
    dsend(node, pid, TAG_REPORT, line, strlen(line));
}

/* Wait (up to timeout_ms) for a TAG_REPORT line and print it with a
 * prefix; 0 if it came. */
static int print_report(const char *prefix, uint64_t timeout_ms)
{
    char line[REPORT_MAX + 1];
    size_t len = 0;
    int64_t tag = TAG_REPORT;
    if (lun_recv(&tag, 1, timeout_ms, line, REPORT_MAX, &len) != LUN_MSG_DATA) {
        printf("%s: no report within %llu ms\n", prefix,
               (unsigned long long)timeout_ms);
        return 1;
    }
    line[len < REPORT_MAX ? len : REPORT_MAX] = 0;
    printf("%s: %s\n", prefix, line);
    return 0;
}

/* Spawn export func on node with up to 6 i64 params: distributed::spawn's
 * code, the pid in *pid. */
static int32_t rspawn(uint64_t node, const char *func, const int64_t *args,
                      size_t nargs, uint64_t *pid)
{
    uint8_t params[6 * LUN_PARAM_SIZE];
    size_t plen = 0;
    for (size_t i = 0; i < nargs && i < 6; i++)
        lun_param_i64(params, &plen, args[i]);
    return lunatic_distributed_spawn(
        (int64_t)node, -1, lunatic_distributed_module_id(), (int32_t)func,
        (int32_t)strlen(func), (int32_t)params, (int32_t)plen, (int32_t)pid);
}

/* Spawn export func on this node with i64 params; its pid. */
static uint64_t lspawn(const char *func, const int64_t *args, size_t nargs)
{
    uint8_t params[6 * LUN_PARAM_SIZE];
    size_t plen = 0;
    for (size_t i = 0; i < nargs && i < 6; i++)
        lun_param_i64(params, &plen, args[i]);
    return lun_spawn_export(func, params, plen, 0, -1, NULL);
}

/* The node tagged name=NAME (0: none). */
static uint64_t node_named(const char *name)
{
    char query[32];
    uint64_t qid = 0, count = 0, err = 0, id = 0;
    snprintf(query, sizeof query, "name=%s", name);
    if (lunatic_distributed_exec_lookup_nodes((int32_t)query,
                                              (int32_t)strlen(query),
                                              (int32_t)&qid, (int32_t)&count,
                                              (int32_t)&err) != 0 ||
        count != 1)
        return 0;
    lunatic_distributed_copy_lookup_nodes_results((int64_t)qid, (int32_t)&id,
                                                  1, (int32_t)&err);
    return id;
}

/* }===== */
/* {===== case order */

#define MAX_SENDERS 8

/* On B: receive `total` TAG_SEQ messages from `senders` senders (each
 * numbering its own from 0) and report the count and the first gap. */
__attribute__((export_name("collect"))) void collect(int64_t root_node,
                                                     int64_t root_pid,
                                                     int64_t total,
                                                     int64_t senders)
{
    uint32_t next[MAX_SENDERS] = {0};
    uint64_t got = 0;
    char gap[128] = "";
    int64_t tag = TAG_SEQ;
    while ((int64_t)got < total) {
        uint32_t m[2];
        size_t len = 0;
        if (lun_recv(&tag, 1, 20000, m, sizeof m, &len) != LUN_MSG_DATA)
            break; /* nothing for 20 s: report what came */
        got++;
        if (gap[0] || len != sizeof m)
            continue;
        if (m[0] >= senders || m[0] >= MAX_SENDERS)
            snprintf(gap, sizeof gap, "message %llu from unknown sender %u",
                     (unsigned long long)got, m[0]);
        else if (m[1] != next[m[0]])
            snprintf(gap, sizeof gap, "sender %u: expected %u, got %u", m[0],
                     next[m[0]], m[1]);
        else
            next[m[0]]++;
    }
    char line[REPORT_MAX];
    snprintf(line, sizeof line, "received %llu of %lld, %s%s",
             (unsigned long long)got, (long long)total,
             gap[0] ? "first gap: " : "in order", gap);
    report((uint64_t)root_node, (uint64_t)root_pid, line);
}

/* Send count TAG_SEQ messages numbered 0.. as `sender` to (node, pid);
 * then a report to (root_node, root_pid) if root_pid != 0. */
__attribute__((export_name("send_seq"))) void send_seq(int64_t node,
                                                       int64_t pid,
                                                       int64_t sender,
                                                       int64_t count,
                                                       int64_t root_node,
                                                       int64_t root_pid)
{
    int32_t bad = 0;
    for (uint32_t i = 0; i < (uint64_t)count; i++) {
        uint32_t m[2] = {(uint32_t)sender, i};
        if (dsend((uint64_t)node, (uint64_t)pid, TAG_SEQ, m, sizeof m) != 0)
            bad++;
    }
    if (root_pid) {
        char line[64];
        snprintf(line, sizeof line, "sender %lld done, %d refused",
                 (long long)sender, (int)bad);
        report((uint64_t)root_node, (uint64_t)root_pid, line);
    }
}

static int case_order(uint64_t self, uint64_t b, uint64_t c, int64_t n)
{
    uint64_t me = lun_self(), coll = 0;
    int64_t args[6] = {(int64_t)self, (int64_t)me, n, 1};
    int32_t rc = rspawn(b, "collect", args, 4, &coll);
    if (rc != 0)
        return printf("order: spawn collect on b: rc %d\n", (int)rc), 1;
    uint64_t t0 = now_us();
    send_seq((int64_t)b, (int64_t)coll, 0, n, 0, 0);
    uint64_t t1 = now_us();
    int bad = print_report("order: 1 sender", 60000);
    uint64_t t2 = now_us();
    printf("order: sent %lld in %llu ms, all received after %llu ms "
           "(%llu msgs/s)\n", (long long)n,
           (unsigned long long)(t1 - t0) / 1000,
           (unsigned long long)(t2 - t0) / 1000,
           (unsigned long long)(n * 1000000 / (int64_t)(t2 - t0 + 1)));

    /* 4 senders, 2 here and 2 on C, to one collector on B */
    int64_t each = n / 8 > 0 ? n / 8 : 1;
    int64_t a4[6] = {(int64_t)self, (int64_t)me, 4 * each, 4};
    if ((rc = rspawn(b, "collect", a4, 4, &coll)) != 0)
        return printf("order: spawn collect on b: rc %d\n", (int)rc), 1;
    for (int64_t s = 0; s < 4; s++) {
        int64_t sa[6] = {(int64_t)b, (int64_t)coll, s, each, (int64_t)self,
                         (int64_t)me};
        uint64_t pid = 0;
        if (s < 2)
            pid = lspawn("send_seq", sa, 6);
        else if ((rc = rspawn(c, "send_seq", sa, 6, &pid)) != 0)
            pid = 0;
        if (!pid)
            return printf("order: spawn sender %lld failed\n", (long long)s),
                   1;
    }
    for (int s = 0; s < 4; s++)
        bad |= print_report("order: sender", 60000);
    bad |= print_report("order: 4 senders (2 on a, 2 on c)", 60000);
    return bad;
}

/* }===== */
/* {===== case big */

#define CHUNK (1u << 20)
static uint8_t chunk_buf[CHUNK];

/* 64-bit words of a xorshift stream, hashed FNV-style word by word. */
static uint64_t fill_chunk(uint64_t *state, size_t len)
{
    uint64_t x = *state;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(chunk_buf + i, &x, 8);
    }
    *state = x;
    return x;
}

static uint64_t hash_words(uint64_t h, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
    }
    return h;
}

/* On B: receive one TAG_BIG message, say it arrived, then hash it.
 * (It is copied out first: sending the "arrived" line replaces the
 * message in the scratch area.) */
__attribute__((export_name("sink"))) void sink(int64_t root_node,
                                               int64_t root_pid)
{
    int64_t tag = TAG_BIG;
    char line[REPORT_MAX];
    if (lun_recv(&tag, 1, 120000, NULL, 0, NULL) != LUN_MSG_DATA) {
        report((uint64_t)root_node, (uint64_t)root_pid, "nothing came");
        return;
    }
    uint64_t size = (uint64_t)lunatic_message_data_size();
    uint8_t *body = malloc(size ? size : 1);
    if (!body) {
        report((uint64_t)root_node, (uint64_t)root_pid, "out of memory");
        return;
    }
    lunatic_message_read_data((int32_t)body, (int32_t)size);
    report((uint64_t)root_node, (uint64_t)root_pid, "arrived");
    uint64_t h = hash_words(0xcbf29ce484222325ull, body, size);
    free(body);
    snprintf(line, sizeof line, "%llu bytes, hash %016llx",
             (unsigned long long)size, (unsigned long long)h);
    report((uint64_t)root_node, (uint64_t)root_pid, line);
}

/* On B: answer every TAG_PING with a TAG_PONG to the node and pid in it,
 * until 30 s pass without one. */
__attribute__((export_name("echo"))) void echo(void)
{
    int64_t tag = TAG_PING;
    uint64_t m[3];
    while (lun_recv(&tag, 1, 30000, m, sizeof m, NULL) == LUN_MSG_DATA)
        dsend(m[0], m[1], TAG_PONG, &m[2], 8);
}

#define MAX_RTTS 200000
static uint32_t rtts[MAX_RTTS]; /* µs, of pings while marked */

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* On A: ping (echo_node, echo_pid) until told to stop; record the round
 * trips between the marks and report their count, max and p99. */
__attribute__((export_name("pinger"))) void pinger(int64_t echo_node,
                                                   int64_t echo_pid,
                                                   int64_t root_pid)
{
    uint64_t self = (uint64_t)lunatic_distributed_node_id(), me = lun_self();
    uint32_t n = 0, total = 0, lost = 0;
    int marked = 0;
    for (uint64_t seq = 0;; seq++) {
        int64_t ctrl = TAG_CTRL, pong = TAG_PONG;
        uint32_t cmd;
        if (lun_recv(&ctrl, 1, 0, &cmd, sizeof cmd, NULL) == LUN_MSG_DATA) {
            if (cmd == 2)
                break;
            marked = cmd == 0;
        }
        uint64_t m[3] = {self, me, seq}, got = ~0ull, t0 = now_us();
        dsend((uint64_t)echo_node, (uint64_t)echo_pid, TAG_PING, m, sizeof m);
        /* a pong of an earlier, lost ping is skipped */
        do {
            if (lun_recv(&pong, 1, 10000, &got, 8, NULL) != LUN_MSG_DATA)
                break;
        } while (got != seq);
        uint64_t rtt = now_us() - t0;
        total++;
        lost += got != seq;
        if (marked && n < MAX_RTTS)
            rtts[n++] = got == seq ? (uint32_t)rtt : UINT32_MAX;
        lunatic_process_sleep_ms(2); /* a ping every few ms, not a flood */
    }
    qsort(rtts, n, sizeof rtts[0], cmp_u32);
    char line[REPORT_MAX];
    snprintf(line, sizeof line,
             "%u round trips during the transfer (%u in all, %u lost), "
             "max %u us, p99 %u us, median %u us",
             n, total, lost, n ? rtts[n - 1] : 0,
             n ? rtts[n - 1 - n / 100] : 0, n ? rtts[n / 2] : 0);
    report(self, (uint64_t)root_pid, line);
}

static void tell_pinger(uint64_t pid, uint32_t cmd)
{
    lun_send(pid, TAG_CTRL, &cmd, sizeof cmd);
}

static int case_big(uint64_t self, uint64_t b, int64_t mb)
{
    uint64_t me = lun_self(), sink_pid = 0, echo_pid = 0;
    int64_t args[3] = {(int64_t)self, (int64_t)me};
    int32_t rc = rspawn(b, "sink", args, 2, &sink_pid);
    if (rc == 0)
        rc = rspawn(b, "echo", args, 0, &echo_pid);
    if (rc != 0)
        return printf("big: spawn on b: rc %d\n", (int)rc), 1;
    int64_t pa[3] = {(int64_t)b, (int64_t)echo_pid, (int64_t)me};
    uint64_t ping = lspawn("pinger", pa, 3);
    lunatic_process_sleep_ms(300); /* the pinger warms up */
    tell_pinger(ping, 0);
    uint64_t size = (uint64_t)mb << 20, state = 0x9e3779b97f4a7c15ull;
    uint64_t h = 0xcbf29ce484222325ull, t0 = now_us();
    lunatic_message_create_data(TAG_BIG, (int64_t)size);
    for (uint64_t at = 0; at < size; at += CHUNK) {
        size_t n = size - at < CHUNK ? (size_t)(size - at) : CHUNK;
        fill_chunk(&state, n);
        h = hash_words(h, chunk_buf, n);
        lunatic_message_write_data((int32_t)chunk_buf, (int32_t)n);
    }
    uint64_t t1 = now_us();
    rc = lunatic_distributed_send((int64_t)b, (int64_t)sink_pid);
    char line[REPORT_MAX + 1];
    size_t len = 0;
    int64_t tag = TAG_REPORT;
    /* "arrived" as soon as the sink has it, then its size and hash */
    int got = lun_recv(&tag, 1, 120000, line, REPORT_MAX, &len) == LUN_MSG_DATA;
    uint64_t t2 = now_us();
    tell_pinger(ping, 1);
    got = got && lun_recv(&tag, 1, 120000, line, REPORT_MAX, &len) ==
                     LUN_MSG_DATA;
    tell_pinger(ping, 2);
    line[got ? (len < REPORT_MAX ? len : REPORT_MAX) : 0] = 0;
    char want[REPORT_MAX];
    snprintf(want, sizeof want, "%llu bytes, hash %016llx",
             (unsigned long long)size, (unsigned long long)h);
    printf("big: send rc %d; b got: %s\n", (int)rc, got ? line : "nothing");
    printf("big: %s\n", got && !strcmp(line, want) ? "arrived intact"
                                                   : "MISMATCH");
    printf("big: %llu MB built in %llu ms, sent to b in %llu ms "
           "(%llu MB/s)\n", (unsigned long long)mb,
           (unsigned long long)(t1 - t0) / 1000,
           (unsigned long long)(t2 - t1) / 1000,
           (unsigned long long)((uint64_t)mb * 1000000 / (t2 - t1 + 1)));
    return print_report("big: ping", 20000) || !got || strcmp(line, want);
}

/* }===== */
/* {===== case spawn */

/* On B or C: say hello to (root_node, root_pid) with this node's id. */
__attribute__((export_name("hello"))) void hello(int64_t root_node,
                                                 int64_t root_pid, int64_t i)
{
    uint64_t m[2] = {(uint64_t)lunatic_distributed_node_id(), (uint64_t)i};
    dsend((uint64_t)root_node, (uint64_t)root_pid, TAG_HELLO, m, sizeof m);
}

/* On A: spawn hello(i) on node and report the code to root_pid. */
__attribute__((export_name("spawner"))) void spawner(int64_t node,
                                                     int64_t root_pid,
                                                     int64_t i)
{
    int64_t args[3] = {lunatic_distributed_node_id(), root_pid, i};
    uint64_t pid = 0;
    int32_t rc = rspawn((uint64_t)node, "hello", args, 3, &pid);
    char line[64];
    snprintf(line, sizeof line, "spawn %lld rc %d", (long long)i, (int)rc);
    lun_send((uint64_t)root_pid, TAG_REPORT, line, strlen(line));
}

/* On A: send a message carrying a UDP socket to (node, pid): must trap. */
__attribute__((export_name("send_resource"))) void send_resource(int64_t node,
                                                                 int64_t pid,
                                                                 int64_t root)
{
    const uint8_t ip[4] = {127, 0, 0, 1};
    int64_t sock = lun_udp_bind(ip, 0);
    if (sock < 0) {
        lun_send((uint64_t)root, TAG_REPORT, "no udp socket", 13);
        return;
    }
    lunatic_message_create_data(TAG_HELLO, 0);
    lunatic_message_push_udp_socket(sock);
    int32_t rc = lunatic_distributed_send(node, pid);
    char line[64];
    snprintf(line, sizeof line, "resource send returned %d", (int)rc);
    lun_send((uint64_t)root, TAG_REPORT, line, strlen(line));
}

#define SPAWNS_PER_NODE 8

static int case_spawn(uint64_t self, uint64_t b, uint64_t c)
{
    uint64_t me = lun_self(), nodes[2] = {b, c};
    int bad = 0;
    for (int i = 0; i < 2 * SPAWNS_PER_NODE; i++) {
        int64_t args[3] = {(int64_t)nodes[i % 2], (int64_t)me, i};
        lspawn("spawner", args, 3);
    }
    int ok = 0, hellos_b = 0, hellos_c = 0;
    for (int i = 0; i < 2 * SPAWNS_PER_NODE; i++) {
        char line[65];
        size_t len = 0;
        int64_t tag = TAG_REPORT;
        if (lun_recv(&tag, 1, 20000, line, 64, &len) != LUN_MSG_DATA)
            break;
        line[len < 64 ? len : 64] = 0;
        ok += strstr(line, " rc 0") != NULL;
    }
    for (int i = 0; i < ok; i++) {
        uint64_t m[2];
        int64_t tag = TAG_HELLO;
        if (lun_recv(&tag, 1, 10000, m, sizeof m, NULL) != LUN_MSG_DATA)
            break;
        hellos_b += m[0] == b;
        hellos_c += m[0] == c;
    }
    printf("spawn: %d concurrent spawns answered 0; hellos from b %d, c %d\n",
           ok, hellos_b, hellos_c);
    bad |= ok != 2 * SPAWNS_PER_NODE || hellos_b != SPAWNS_PER_NODE ||
           hellos_c != SPAWNS_PER_NODE;

    uint64_t id = 0;
    int64_t args[3] = {(int64_t)self, (int64_t)me, 99};
    /* this node's own id: the spawn and the hello's send loop back */
    int32_t rc = rspawn(self, "hello", args, 3, &id);
    uint64_t hi[2] = {0, 0};
    int64_t hello_tag = TAG_HELLO;
    if (rc == 0)
        lun_recv(&hello_tag, 1, 10000, hi, sizeof hi, NULL);
    printf("spawn: on this node's own id: rc %d, hello from it: %s\n",
           (int)rc, hi[0] == self ? "yes" : "no");
    bad |= rc != 0 || hi[0] != self;
    rc = rspawn(b, "no_such_function", args, 3, &id);
    printf("spawn: missing function on b: rc %d\n", (int)rc);

    /* sends: an unknown pid, pid 0, an unknown node; then a good one */
    uint64_t echo_pid = 0;
    rspawn(b, "hello", args, 3, &echo_pid);
    uint64_t m[2];
    int64_t tag = TAG_HELLO;
    lun_recv(&tag, 1, 10000, m, sizeof m, NULL);
    printf("spawn: send to unknown pid on b: rc %d\n",
           (int)dsend(b, 0x7fffffff, TAG_HELLO, "x", 1));
    printf("spawn: send to pid 0 on b: rc %d\n",
           (int)dsend(b, 0, TAG_HELLO, "x", 1));
    printf("spawn: send to unknown node: rc %d\n",
           (int)dsend(self ^ 0x5a5a5a5a5a5a5a5aull, 1, TAG_HELLO, "x", 1));
    rc = rspawn(self ^ 0x5a5a5a5a5a5a5a5aull, "hello", args, 3, &id);
    printf("spawn: spawn on unknown node: rc %d\n", (int)rc);
    rc = rspawn(b, "hello", args, 3, &id);
    tag = TAG_HELLO;
    int again = rc == 0 && lun_recv(&tag, 1, 10000, m, sizeof m, NULL) ==
                               LUN_MSG_DATA && m[0] == b;
    printf("spawn: b still answers: %s\n", again ? "yes" : "no");
    bad |= !again;

    /* a resource to another node: the sender traps, nothing is sent */
    int64_t ra[3] = {(int64_t)b, (int64_t)echo_pid, (int64_t)me};
    uint64_t child = lspawn("send_resource", ra, 3);
    lunatic_process_monitor((int64_t)child);
    int64_t tags[1] = {TAG_REPORT};
    char line[65];
    size_t len = 0;
    int32_t k = lunatic_message_receive((int32_t)tags, 0, 10000);
    if (k == LUN_MSG_DATA) {
        len = (size_t)lunatic_message_data_size();
        lunatic_message_read_data((int32_t)line, 64);
        line[len < 64 ? len : 64] = 0;
        printf("spawn: resource message: %s\n", line);
        bad = 1;
    } else {
        printf("spawn: resource message: sender %s\n",
               k == LUN_MSG_PROCESS_DIED ? "died" : "timed out");
        bad |= k != LUN_MSG_PROCESS_DIED;
    }
    return bad;
}

/* }===== */

int main(int argc, char **argv)
{
    uint64_t ids[8];
    int32_t n = 0;
    for (int tries = 0; tries < 200 && n < 3; tries++) {
        n = lunatic_distributed_get_nodes((int32_t)ids, 8);
        if (n < 3)
            lunatic_process_sleep_ms(50);
    }
    uint64_t self = (uint64_t)lunatic_distributed_node_id();
    uint64_t b = node_named("b"), c = node_named("c");
    if (n < 3 || !b || !c) {
        printf("cluster not formed: %d nodes\n", (int)n);
        return 1;
    }
    const char *what = argc > 1 ? argv[1] : "";
    int64_t arg = argc > 2 ? atoll(argv[2]) : 0;
    if (!strcmp(what, "order"))
        return case_order(self, b, c, arg > 0 ? arg : 1000000);
    if (!strcmp(what, "big"))
        return case_big(self, b, arg > 0 ? arg : 64);
    if (!strcmp(what, "spawn"))
        return case_spawn(self, b, c);
    printf("usage: traffic.wasm order [N] | big [MB] | spawn\n");
    return 2;
}
