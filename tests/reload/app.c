/* app.c: the guest of the hot reloading tests (tests/reload/run.sh), built
 * as several versions from this one source: -DVERSION=N, -DRESTORE_TRAPS
 * (the new version's restore hook traps), -DNO_HOOKS (no upgrade hooks).
 * Modes (argv[1]):
 *   counter MS      a counter process numbers what the root sends it for
 *                   MS milliseconds while the test reloads; at the end it
 *                   says how many it got, in order or not, and how often
 *                   it moved
 *   upgrade N FILE  N idle processes, then the root upgrades them all to
 *                   FILE (compile_module + upgrade_module): the time until
 *                   every one runs the new code
 *   trap FILE GOOD  one process, upgraded to FILE whose restore traps (it
 *                   stays, its messages kept), then to GOOD
 *   nosafe FILE     a process that never reaches a safe point stays on
 *                   its code while new spawns run FILE's */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#ifndef VERSION
#define VERSION 1
#endif

enum { T_SEQ = 1, T_REPORT, T_MOVED, T_ASK, T_ANSWER };
enum { ROLE_ROOT = 0, ROLE_COUNTER, ROLE_IDLE };

/* Everything a process carries across a move. */
static struct state {
    int role;
    uint64_t parent;
    uint64_t count, last, bad, moves;
    int version_before;
} st;

static void counter_loop(void);
static void idle_loop(void);

/* {===== hooks */

#ifndef NO_HOOKS
static const void *save(size_t *len)
{
    if (st.role == ROLE_ROOT) { /* the driver stays where it is */
        *len = 0;
        return NULL;
    }
    st.version_before = VERSION;
    *len = sizeof st;
    return &st;
}

static int restore(const void *b, size_t len)
{
#ifdef RESTORE_TRAPS
    (void)b, (void)len;
    __builtin_trap();
#else
    if (len != sizeof st)
        return 1;
    memcpy(&st, b, sizeof st);
    st.moves++;
    return 0;
#endif
}

static void resume(void)
{
    if (st.role == ROLE_COUNTER)
        counter_loop();
    else
        idle_loop();
}

LUN_UPGRADE_HOOKS(save, restore, resume)
#endif

/* }===== */
/* {===== processes */

/* Receive one message into buf; its tag, or -1 on a timeout. */
static int64_t recv_msg(void *buf, size_t cap, size_t *len, uint64_t ms)
{
    if (lun_recv(NULL, 0, ms, buf, cap, len) != 0)
        return -1;
    return lunatic_message_get_tag();
}

/* The counter: sequence numbers must come one after the other. */
static void counter_loop(void)
{
    uint64_t msg[4];
    size_t len;
    for (;;) {
        int64_t tag = recv_msg(msg, sizeof msg, &len, LUN_FOREVER);
        if (tag == T_SEQ) {
            if (msg[0] != st.last + 1)
                st.bad++;
            st.last = msg[0];
            st.count++;
        } else if (tag == T_REPORT) {
            uint64_t r[4] = {st.count, st.bad, st.moves, VERSION};
            lun_send(st.parent, T_REPORT, r, sizeof r);
            return;
        }
    }
}

__attribute__((export_name("counter_entry"))) void counter_entry(int64_t p);
void counter_entry(int64_t parent)
{
    st.role = ROLE_COUNTER;
    st.parent = (uint64_t)parent;
    counter_loop();
}

/* Idle: tells the root when it runs new code, answers questions. */
static void idle_loop(void)
{
    uint64_t msg[2];
    size_t len;
    if (st.moves) {
        uint64_t r[2] = {VERSION, st.moves};
        lun_send(st.parent, T_MOVED, r, sizeof r);
    }
    for (;;) {
        int64_t tag = recv_msg(msg, sizeof msg, &len, LUN_FOREVER);
        if (tag == T_ASK) {
            uint64_t r[2] = {VERSION, st.moves};
            lun_send(st.parent, T_ANSWER, r, sizeof r);
        }
    }
}

__attribute__((export_name("idle_entry"))) void idle_entry(int64_t p);
void idle_entry(int64_t parent)
{
    st.role = ROLE_IDLE;
    st.parent = (uint64_t)parent;
    idle_loop();
}

/* Never at a safe point: computes and sleeps (sleep is none). */
__attribute__((export_name("busy_entry"))) void busy_entry(int64_t p);
void busy_entry(int64_t p)
{
    volatile uint64_t x = (uint64_t)p;
    for (;;) {
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005u + 1;
        lunatic_process_sleep_ms(1);
    }
}

static uint64_t spawn(const char *entry)
{
    uint8_t params[LUN_PARAM_SIZE];
    size_t plen = 0;
    lun_param_i64(params, &plen, (int64_t)lun_self());
    return lun_spawn_export(entry, params, plen, 0, -1, NULL);
}

/* }===== */
/* {===== the root's modes */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int counter_mode(uint64_t ms)
{
    uint64_t c = spawn("counter_entry"), seq = 0, r[4];
    size_t len;
    uint64_t end = now_us() + ms * 1000;
    printf("counter: running\n");
    fflush(stdout);
    while (now_us() < end) {
        for (int i = 0; i < 20; i++) {
            seq++;
            lun_send(c, T_SEQ, &seq, sizeof seq);
        }
        lunatic_process_sleep_ms(1);
    }
    lun_send(c, T_REPORT, NULL, 0);
    if (recv_msg(r, sizeof r, &len, 10000) != T_REPORT) {
        printf("counter: no report\n");
        return 1;
    }
    printf("counter: sent %llu got %llu out-of-order %llu moves %llu "
           "version %llu\n", (unsigned long long)seq,
           (unsigned long long)r[0], (unsigned long long)r[1],
           (unsigned long long)r[2], (unsigned long long)r[3]);
    return r[0] == seq && r[1] == 0 ? 0 : 1;
}

/* The whole file (malloc'd) or NULL. */
static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n > 0 && (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int upgrade_to_file(const char *path)
{
    size_t len = 0;
    uint64_t err = 0;
    uint8_t *b = read_all(path, &len);
    if (!b) {
        printf("cannot read %s\n", path);
        return -1;
    }
    int rc = lun_upgrade_to(b, len, &err);
    free(b);
    if (rc != 0) {
        char msg[300];
        uint32_t n = lunatic_error_string_size((int64_t)err);
        lunatic_error_to_string((int64_t)err, (int32_t)msg);
        msg[n < sizeof msg ? n : sizeof msg - 1] = '\0';
        printf("upgrade refused: %s\n", msg);
    }
    return rc;
}

static int upgrade_mode(uint64_t n, const char *file)
{
    uint64_t r[2];
    size_t len;
    for (uint64_t i = 0; i < n; i++)
        if (!spawn("idle_entry")) {
            printf("upgrade: spawn %llu failed\n", (unsigned long long)i);
            return 1;
        }
    printf("upgrade: %llu processes idle\n", (unsigned long long)n);
    fflush(stdout);
    lunatic_process_sleep_ms(1500); /* the test reads the memory now */
    uint64_t t0 = now_us();
    if (upgrade_to_file(file) != 0)
        return 1;
    uint64_t t1 = now_us(); /* read, compiled, installed: processes woken */
    for (uint64_t i = 0; i < n; i++)
        if (recv_msg(r, sizeof r, &len, 60000) != T_MOVED || r[0] != 2) {
            printf("upgrade: only %llu moved\n", (unsigned long long)i);
            return 1;
        }
    printf("upgrade: %llu processes on version 2 in %.1f ms (of which "
           "reading, compiling and installing it %.1f ms)\n",
           (unsigned long long)n, (double)(now_us() - t0) / 1000.0,
           (double)(t1 - t0) / 1000.0);
    fflush(stdout);
    lunatic_process_sleep_ms(1500); /* the test reads the memory again */
    return 0;
}

/* Ask pid its version: 0 when it does not answer. */
static uint64_t ask(uint64_t pid, uint64_t *moves)
{
    uint64_t r[2];
    size_t len;
    int64_t tags[1] = {T_ANSWER};
    lun_send(pid, T_ASK, NULL, 0);
    if (lun_recv(tags, 1, 2000, r, sizeof r, &len) != 0)
        return 0;
    *moves = r[1];
    return r[0];
}

static int trap_mode(const char *bad, const char *good)
{
    uint64_t moves = 0, pid = spawn("idle_entry"), r[2];
    size_t len;
    /* Queued before the upgrade: answered after it, by the old code. */
    lun_send(pid, T_ASK, NULL, 0);
    lun_send(pid, T_ASK, NULL, 0);
    if (upgrade_to_file(bad) != 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        int64_t tags[1] = {T_ANSWER};
        if (lun_recv(tags, 1, 2000, r, sizeof r, &len) != 0 || r[0] != 1) {
            printf("trap: queued question %d lost\n", i);
            return 1;
        }
    }
    uint64_t v = ask(pid, &moves);
    printf("trap: after the trapping restore: version %llu\n",
           (unsigned long long)v);
    if (v != 1 || upgrade_to_file(good) != 0)
        return 1;
    int64_t tags[1] = {T_MOVED};
    if (lun_recv(tags, 1, 2000, r, sizeof r, &len) != 0)
        return printf("trap: never moved\n"), 1;
    v = ask(pid, &moves);
    printf("trap: after the good one: version %llu moves %llu\n",
           (unsigned long long)v, (unsigned long long)moves);
    return v == 2 && moves == 1 ? 0 : 1;
}

static int nosafe_mode(const char *file)
{
    uint64_t busy = spawn("busy_entry"), moves = 0;
    lunatic_process_sleep_ms(50);
    if (upgrade_to_file(file) != 0)
        return 1;
    uint64_t fresh = spawn("idle_entry");
    uint64_t v = ask(fresh, &moves);
    lunatic_process_sleep_ms(300);
    int alive = lunatic_process_exists((int64_t)busy);
    printf("nosafe: a new spawn runs version %llu; the busy process is %s\n",
           (unsigned long long)v, alive ? "alive" : "gone");
    lunatic_process_kill((int64_t)busy);
    return v == 2 && alive ? 0 : 1;
}

int main(int argc, char **argv)
{
    st.role = ROLE_ROOT;
    if (argc >= 3 && strcmp(argv[1], "counter") == 0)
        return counter_mode(strtoull(argv[2], NULL, 10));
    if (argc >= 4 && strcmp(argv[1], "upgrade") == 0)
        return upgrade_mode(strtoull(argv[2], NULL, 10), argv[3]);
    if (argc >= 4 && strcmp(argv[1], "trap") == 0)
        return trap_mode(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "nosafe") == 0)
        return nosafe_mode(argv[2]);
    fprintf(stderr, "usage: app counter MS | upgrade N FILE | trap BAD GOOD "
                    "| nosafe FILE\n");
    return 2;
}

/* }===== */
