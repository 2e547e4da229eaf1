/* perms.c: permissions only narrow (docs/processes.md "Permissions"): a config
 * never carries more than the config of the process that makes it. One
 * test per argv[1]; tests/perms/run.sh makes the directories, passes
 * their paths, and checks the exit status and the messages:
 *
 *   grant DIR                  preopen DIR for a child config; prints
 *                              "granted DIR" (run.sh expects a trap
 *                              instead, but for the paths allowed)
 *   read DIR FILE WANT [OUT].. grant DIR and spawn a child with it: the
 *                              child reads FILE (content WANT) and can
 *                              open no OUT
 *   swap B                     grant B/d, then replace d by a symlink
 *                              leading out: children spawned after it,
 *                              from the config and from a copy of it,
 *                              still see the d that was granted
 *   defaults                   create_config starts from the creator's
 *                              limits; narrowing and equal values work
 *   widen KIND [DIR]           a child holding less tries to grant more
 *                              (memory, fuel, nofuel, compile, spawn,
 *                              dir DIR) and traps; prints "ok widen KIND
 *                              refused" when it did
 *
 * Prints "ok ..." and exits 0, or "FAIL ..." and 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdk/lunatic.h"

#include "../sched/check.h"

#define MIB (1 << 20)

/* {===== helpers */

static int64_t new_config(void)
{
    int64_t c = lunatic_process_create_config();
    CHECK(c >= 0);
    return c;
}

static void preopen(int64_t c, const char *dir)
{
    lunatic_wasi_config_preopen_dir(c, (int32_t)dir, (int32_t)strlen(dir));
}

/* What a probe found at a path: the file's first bytes, or the errno. */
typedef struct probe_reply {
    int32_t err;
    char text[60];
} probe_reply_t;

/* A child that reads the file named by each message it gets and replies
 * with what it found, until an empty message. */
static void probe_child(int64_t parent)
{
    char path[512];
    size_t n;
    for (;;) {
        if (lun_recv(NULL, 0, LUN_FOREVER, path, sizeof path - 1, &n) != 0 ||
            n == 0 || n >= sizeof path)
            return;
        path[n] = '\0';
        probe_reply_t r = {0};
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            r.err = errno;
        } else {
            ssize_t got = read(fd, r.text, sizeof r.text - 1);
            r.err = got < 0 ? errno : 0;
            close(fd);
        }
        lun_send((uint64_t)parent, 1, &r, sizeof r);
    }
}

static probe_reply_t probe(uint64_t child, const char *path)
{
    int64_t tags[1] = {1};
    probe_reply_t r = {.err = -1};
    lun_send(child, 0, path, strlen(path));
    CHECK(lun_recv(tags, 1, 10000, &r, sizeof r, NULL) == LUN_MSG_DATA);
    return r;
}

static uint64_t spawn_probe(int64_t config)
{
    uint64_t pid = lun_spawn_config(probe_child, (int64_t)lun_self(), 0,
                                    config);
    CHECK(pid != 0);
    return pid;
}

static void stop_probe(uint64_t pid) { lun_send(pid, 0, NULL, 0); }

/* The file at path holds text (its first line: trailing newline cut). */
static void check_reads(uint64_t child, const char *path, const char *want)
{
    probe_reply_t r = probe(child, path);
    char *nl = strchr(r.text, '\n');
    if (nl)
        *nl = '\0';
    if (r.err != 0 || strcmp(r.text, want) != 0) {
        printf("FAIL read %s: err %d, text '%s' (want '%s')\n", path,
               (int)r.err, r.text, want);
        exit(1);
    }
}

static void check_unreadable(uint64_t child, const char *path)
{
    probe_reply_t r = probe(child, path);
    if (r.err == 0) {
        printf("FAIL the child read %s: '%s'\n", path, r.text);
        exit(1);
    }
}

/* }===== */
/* {===== a process granting paths */

static void t_grant(int argc, char **argv)
{
    CHECK(argc == 3);
    preopen(new_config(), argv[2]);
    printf("granted %s\n", argv[2]);
}

static void t_read(int argc, char **argv)
{
    CHECK(argc >= 5);
    int64_t c = new_config();
    preopen(c, argv[2]);
    uint64_t child = spawn_probe(c);
    check_reads(child, argv[3], argv[4]);
    for (int i = 5; i < argc; i++)
        check_unreadable(child, argv[i]);
    stop_probe(child);
    printf("ok read %s\n", argv[2]);
}

/* The directory granted is the one checked: renaming it away and putting
 * a symlink out in its place changes nothing for the config, nor for a
 * copy made of it later (a change to a config in use copies it). */
static void t_swap(int argc, char **argv)
{
    char d[400], old[400], file[420];
    CHECK(argc == 3);
    snprintf(d, sizeof d, "%s/d", argv[2]);
    snprintf(old, sizeof old, "%s/d.old", argv[2]);
    snprintf(file, sizeof file, "%s/in.txt", d);
    int64_t c = new_config();
    preopen(c, d);
    uint64_t first = spawn_probe(c);
    check_reads(first, file, "inside");
    CHECK(rename(d, old) == 0);
    CHECK(symlink("../a", d) == 0); /* B/d -> a, the sibling of B */
    uint64_t second = spawn_probe(c);
    check_reads(second, file, "inside");
    /* `first` still holds c: this change makes a copy of it */
    lunatic_wasi_config_add_environment_variable(c, (int32_t)"K", 1,
                                                 (int32_t)"v", 1);
    uint64_t third = spawn_probe(c);
    check_reads(third, file, "inside");
    stop_probe(first);
    stop_probe(second);
    stop_probe(third);
    printf("ok swap\n");
}

/* }===== */
/* {===== limits and flags */

#define CHILD_MEM (8 * MIB)
#define CHILD_FUEL 1000 /* units of 100,000 reductions: ample */

/* What a limited child holds: less memory and fuel, may create configs,
 * may not spawn or compile; dir (if any) preopened. */
static int64_t limited_config(const char *dir)
{
    int64_t c = new_config();
    lunatic_process_config_set_max_memory(c, CHILD_MEM);
    lunatic_process_config_set_max_fuel(c, CHILD_FUEL);
    lunatic_process_config_set_can_create_configs(c, 1);
    if (dir)
        preopen(c, dir);
    return c;
}

static void defaults_child(int64_t parent)
{
    int64_t c = new_config();
    int32_t ok = 1;
    /* Lunatic's defaults, cut down to what this process holds */
    ok &= lunatic_process_config_get_max_memory(c) == CHILD_MEM;
    ok &= lunatic_process_config_get_max_fuel(c) == CHILD_FUEL;
    ok &= !lunatic_process_config_can_spawn_processes(c);
    ok &= !lunatic_process_config_can_compile_modules(c);
    ok &= !lunatic_process_config_can_create_configs(c);
    /* equal and narrower values are fine */
    lunatic_process_config_set_max_memory(c, CHILD_MEM);
    lunatic_process_config_set_max_memory(c, MIB);
    lunatic_process_config_set_max_fuel(c, CHILD_FUEL);
    lunatic_process_config_set_max_fuel(c, 1);
    lunatic_process_config_set_can_create_configs(c, 1);
    lunatic_process_config_set_can_spawn_processes(c, 0);
    lunatic_process_config_set_can_compile_modules(c, 0);
    ok &= lunatic_process_config_get_max_memory(c) == MIB;
    ok &= lunatic_process_config_get_max_fuel(c) == 1;
    ok &= lunatic_process_config_can_create_configs(c) == 1;
    lun_send((uint64_t)parent, 1, &ok, sizeof ok);
}

static void t_defaults(void)
{
    int64_t c = new_config(), tags[1] = {1};
    int32_t ok = 0;
    /* the root holds Lunatic's defaults: a fresh config gets them */
    CHECK(lunatic_process_config_get_max_memory(c) == 0xffffffffLL);
    CHECK(lunatic_process_config_get_max_fuel(c) == 0);
    CHECK(!lunatic_process_config_can_spawn_processes(c));
    lunatic_process_drop_config(c);
    lun_spawn_config(defaults_child, (int64_t)lun_self(), 0,
                     limited_config(NULL));
    CHECK(lun_recv(tags, 1, 10000, &ok, sizeof ok, NULL) == LUN_MSG_DATA);
    CHECK(ok == 1);
    printf("ok defaults\n");
}

enum { W_MEMORY, W_FUEL, W_NOFUEL, W_COMPILE, W_SPAWN, W_DIR };
static const char *const widen_names[] = {"memory", "fuel", "nofuel",
                                          "compile", "spawn", "dir"};

/* Ask for more than this process holds: each of these must trap. */
static void widen_child(int64_t arg)
{
    uint64_t parent = (uint64_t)(arg >> 8);
    int64_t c = new_config();
    char dir[512] = "";
    size_t n = 0;
    switch (arg & 0xff) {
    case W_MEMORY:
        lunatic_process_config_set_max_memory(c, CHILD_MEM + 1);
        break;
    case W_FUEL:
        lunatic_process_config_set_max_fuel(c, CHILD_FUEL + 1);
        break;
    case W_NOFUEL:
        lunatic_process_config_set_max_fuel(c, 0);
        break;
    case W_COMPILE:
        lunatic_process_config_set_can_compile_modules(c, 1);
        break;
    case W_SPAWN:
        lunatic_process_config_set_can_spawn_processes(c, 1);
        break;
    case W_DIR:
        lun_recv(NULL, 0, LUN_FOREVER, dir, sizeof dir - 1, &n);
        dir[n < sizeof dir ? n : 0] = '\0';
        preopen(c, dir);
        break;
    }
    lun_send(parent, 2, NULL, 0); /* not refused */
}

static void t_widen(int argc, char **argv)
{
    int kind = -1;
    CHECK(argc >= 3);
    for (int i = 0; i <= W_DIR; i++)
        if (!strcmp(argv[2], widen_names[i]))
            kind = i;
    CHECK(kind >= 0 && (kind != W_DIR || argc == 5));
    /* for dir: the child holds argv[3] and asks for argv[4] */
    int64_t c = limited_config(kind == W_DIR ? argv[3] : NULL);
    lunatic_process_die_when_link_dies(0);
    uint64_t pid = lun_spawn_config(widen_child,
                                    (int64_t)(lun_self() << 8) | kind, 7, c);
    CHECK(pid != 0);
    if (kind == W_DIR)
        lun_send(pid, 0, argv[4], strlen(argv[4]));
    int32_t k = lun_recv(NULL, 0, 10000, NULL, 0, NULL);
    if (k != LUN_MSG_LINK_DIED) {
        printf("FAIL widen %s: %s\n", argv[2],
               k == LUN_MSG_DATA ? "the child was given more than it has"
                                 : "no answer");
        exit(1);
    }
    printf("ok widen %s refused\n", argv[2]);
}

/* }===== */

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    if (!strcmp(t, "grant"))
        t_grant(argc, argv);
    else if (!strcmp(t, "read"))
        t_read(argc, argv);
    else if (!strcmp(t, "swap"))
        t_swap(argc, argv);
    else if (!strcmp(t, "defaults"))
        t_defaults();
    else if (!strcmp(t, "widen"))
        t_widen(argc, argv);
    else {
        printf("FAIL unknown test '%s'\n", t);
        return 1;
    }
    return 0;
}
