/* flood.c: exhaustion tests (tests/exhaust/run.sh), one per argv[1]:
 *   victim    a flooder fills the mailbox of a sleeping process whose
 *             config allows 16 MiB: the victim is killed (its link
 *             reports a failure), the flooder lives on, a ping server
 *             keeps answering
 *   self      a process with a 16 MiB limit floods itself: killed
 *   nodecap   as victim, with the default 4 GiB limit: the node's cap
 *             (run with --max-message-memory 64M) kills the victim
 *   refill    a 16 MiB process receives 10 MiB at a time, 6 times: its
 *             mailbox count goes down as it reads, so it is never killed
 *   spawncap N  (run with --max-processes N) spawns until spawn fails
 *             with "process limit reached (N)", then again once a
 *             child has died
 *   bigcopy   a process copying 1 MiB messages in a loop beside a ping
 *             server on one thread: pings answered within 20 ms
 * Each prints "<mode> ok ..." and exits 0, or a FAIL line and exits 1.
 * A flooder stops after 1 GiB, so a runtime without the limits does not
 * take the machine down (run.sh also watches its RSS). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"
#include "tests/sched/check.h"

#define CHUNK (64 * 1024)
#define PING_TAG 5
#define VICTIM_TAG 77
#define FLOOD_TOTAL (1024ull * 1024 * 1024)

static uint8_t chunk[CHUNK];

static void ping_server(int64_t arg)
{
    (void)arg;
    lun_req_hdr_t h;
    for (;;) {
        int64_t tag = PING_TAG;
        if (lun_recv(&tag, 1, LUN_FOREVER, &h, sizeof h, NULL) == LUN_MSG_DATA)
            lun_reply(&h, "pong", 4);
    }
}

static void sleeper(int64_t arg)
{
    (void)arg;
    lunatic_process_sleep_ms(1000000);
}

static void flooder(int64_t victim)
{
    for (uint64_t sent = 0; sent < FLOOD_TOTAL; sent += CHUNK)
        lun_send((uint64_t)victim, 0, chunk, CHUNK);
    printf("flooder: sent 1 GiB, nobody stopped it\n");
    fflush(stdout);
    lunatic_process_sleep_ms(1000000);
}

static void self_flooder(int64_t arg)
{
    (void)arg;
    flooder((int64_t)lun_self());
}

static int64_t config_16m(void)
{
    int64_t c = lunatic_process_create_config();
    CHECK(c >= 0);
    lunatic_process_config_set_max_memory(c, 16 << 20);
    return c;
}

static uint64_t now_ms(void) { return lun__now_ms(); }

/* Ping until the process linked with VICTIM_TAG fails (30 s at most);
 * every ping must be answered, none slower than max_ms. */
static void wait_for_victim(const char *mode, uint64_t max_ms)
{
    uint64_t pinger = lun_spawn(ping_server, 0), t0 = now_ms(), worst = 0;
    unsigned pings = 0;
    CHECK(pinger != 0);
    for (;;) {
        CHECK(now_ms() - t0 < 30000);
        uint64_t t = now_ms();
        char pong[4];
        CHECK(lun_request(pinger, PING_TAG, NULL, 0, pong, 4, 5000) == 4);
        t = now_ms() - t;
        worst = t > worst ? t : worst;
        pings++;
        int32_t k = lun_recv(NULL, 0, 10, NULL, 0, NULL);
        if (k == LUN_TIMEOUT)
            continue;
        CHECK(k == LUN_MSG_LINK_DIED);
        CHECK(lunatic_message_get_tag() == VICTIM_TAG);
        break;
    }
    printf("%s ok: killed after %llu ms, %u pings answered, slowest %llu "
           "ms\n", mode, (unsigned long long)(now_ms() - t0), pings,
           (unsigned long long)worst);
    CHECK(worst <= max_ms);
}

static void flood_victim(const char *mode, int64_t config)
{
    lunatic_process_die_when_link_dies(0);
    uint64_t victim = lun_spawn_config(sleeper, 0, VICTIM_TAG, config);
    CHECK(victim != 0);
    uint64_t f = lun_spawn(flooder, (int64_t)victim);
    CHECK(f != 0);
    wait_for_victim(mode, 1000);
    lunatic_process_kill((int64_t)f);
}

static void self_flood(void)
{
    lunatic_process_die_when_link_dies(0);
    CHECK(lun_spawn_config(self_flooder, 0, VICTIM_TAG, config_16m()) != 0);
    wait_for_victim("self", 1000);
}

#define REFILL_TAG 9
#define REFILL_ACK 10
#define REFILL_CHUNKS 160 /* 10 MiB */

static void refill_reader(int64_t parent)
{
    for (;;) {
        int64_t tag = REFILL_TAG;
        size_t n;
        for (int i = 0; i < REFILL_CHUNKS; i++) {
            CHECK(lun_recv(&tag, 1, LUN_FOREVER, chunk, CHUNK, &n) ==
                  LUN_MSG_DATA);
            CHECK(n == CHUNK);
        }
        lun_send((uint64_t)parent, REFILL_ACK, NULL, 0);
    }
}

static void refill(void)
{
    uint64_t r = lun_spawn_config(refill_reader, (int64_t)lun_self(), 1,
                                  config_16m());
    CHECK(r != 0);
    for (int round = 0; round < 6; round++) {
        /* the whole batch is queued before the reader runs: --threads 1 */
        for (int i = 0; i < REFILL_CHUNKS; i++)
            lun_send(r, REFILL_TAG, chunk, CHUNK);
        int64_t tag = REFILL_ACK;
        CHECK(lun_recv(&tag, 1, 10000, NULL, 0, NULL) == LUN_MSG_DATA);
    }
    printf("refill ok: 60 MiB through a 16 MiB mailbox limit\n");
}

static void spawncap(uint64_t cap)
{
    uint64_t kids[64], err = 0, n = 0, pid;
    CHECK(cap <= 64);
    for (;;) {
        uint8_t p[2 * LUN_PARAM_SIZE];
        size_t len = 0;
        lun_param_i32(p, &len, (int32_t)(uintptr_t)sleeper);
        lun_param_i64(p, &len, 0);
        pid = lun_spawn_export("_lun_spawn_entry", p, len, 0, -1, &err);
        if (!pid)
            break;
        CHECK(n < 64);
        kids[n++] = pid;
    }
    char msg[128] = "";
    int32_t size = lunatic_error_string_size((int64_t)err);
    CHECK(size > 0 && size < (int32_t)sizeof msg);
    lunatic_error_to_string((int64_t)err, (int32_t)msg);
    char want[64];
    snprintf(want, sizeof want, "process limit reached (%llu)",
             (unsigned long long)cap);
    printf("spawn %llu failed: %s\n", (unsigned long long)n + 1, msg);
    CHECK(strcmp(msg, want) == 0);
    CHECK(n == cap - 1); /* the root counts */
    /* a death makes room again */
    lunatic_process_monitor((int64_t)kids[0]);
    lunatic_process_kill((int64_t)kids[0]);
    CHECK(lun_recv(NULL, 0, 5000, NULL, 0, NULL) == LUN_MSG_PROCESS_DIED);
    CHECK(lun_spawn(sleeper, 0) != 0);
    printf("spawncap ok\n");
}

static void copier(int64_t arg)
{
    static uint8_t big[1 << 20];
    (void)arg;
    for (;;) {
        lunatic_message_create_data(0, sizeof big);
        lunatic_message_write_data((int32_t)big, sizeof big);
    }
}

static void bigcopy(void)
{
    uint64_t pinger = lun_spawn(ping_server, 0), worst = 0;
    CHECK(pinger != 0);
    CHECK(lun_spawn(copier, 0) != 0);
    lunatic_process_sleep_ms(50);
    for (int i = 0; i < 200; i++) {
        uint64_t t = now_ms();
        char pong[4];
        CHECK(lun_request(pinger, PING_TAG, NULL, 0, pong, 4, 5000) == 4);
        t = now_ms() - t;
        worst = t > worst ? t : worst;
        lunatic_process_sleep_ms(2);
    }
    printf("bigcopy ok: slowest ping %llu ms\n", (unsigned long long)worst);
    CHECK(worst <= 20);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    memset(chunk, 0x5a, sizeof chunk);
    if (!strcmp(mode, "victim"))
        flood_victim(mode, config_16m());
    else if (!strcmp(mode, "nodecap"))
        flood_victim(mode, -1);
    else if (!strcmp(mode, "self"))
        self_flood();
    else if (!strcmp(mode, "refill"))
        refill();
    else if (!strcmp(mode, "spawncap") && argc > 2)
        spawncap(strtoull(argv[2], NULL, 10));
    else if (!strcmp(mode, "bigcopy"))
        bigcopy();
    else {
        printf("FAIL unknown mode '%s'\n", mode);
        return 1;
    }
    fflush(stdout);
    lunatic_process_sleep_ms(200); /* for run.py to read the peak RSS */
    return 0;
}
