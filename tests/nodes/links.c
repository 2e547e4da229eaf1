/* links.c: the guest of tests/nodes/links.sh, run as node A's root (tag
 * name=a; B name=b, C name=c). Links and monitors across nodes for every
 * way a process can die, in both directions, then the loss of a node:
 * the script kills C with SIGKILL when this prints "ready: kill c", and
 * starts a new C when it prints "ready: start c". Every check prints one
 * line; "FAIL ..." lines fail the test, and so does a non-zero exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#define TAG_POKE 1
#define TAG_LAST 66        /* a victim's last message before it dies */
#define TAG_LINKED 67      /* a watcher on B has linked */
#define TAG_WATCHED 68     /* ... and saw its link die: body u8 reason */
#define TAG_CHILD 700      /* a supervised child started: body its node */
#define TAG_NODES 900      /* node events */
#define BIG (256u << 10)   /* a last message large enough to be chunked */

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

/* The nodes tagged as query says: the first one's id (0: none). */
static uint64_t lookup1(const char *query)
{
    uint64_t qid = 0, count = 0, err = 0, id = 0;
    if (lunatic_distributed_exec_lookup_nodes((int32_t)query,
                                              (int32_t)strlen(query),
                                              (int32_t)&qid, (int32_t)&count,
                                              (int32_t)&err) != 0 ||
        count < 1)
        return 0;
    lunatic_distributed_copy_lookup_nodes_results((int64_t)qid, (int32_t)&id,
                                                  1, (int32_t)&err);
    return id;
}

/* {===== on B and C */

enum mode { M_RETURN, M_TRAP, M_EXIT, M_KILL, M_CASCADE, M_BIG_TRAP,
            M_FOREVER, M_NMODES };
static const char *const mode_name[] = {"return", "trap", "proc_exit(3)",
                                        "kill", "failed link",
                                        "trap after a 256 KiB message",
                                        "node lost"};

static void crasher(int64_t arg)
{
    (void)arg;
    __builtin_trap();
}

static void killer(int64_t victim)
{
    lunatic_process_kill(victim);
}

/* Wait for a poke, send the root (node, pid) its last message, then die
 * the way mode says. */
__attribute__((export_name("victim"))) void victim(int64_t mode, int64_t node,
                                                   int64_t pid)
{
    static uint8_t big[BIG];
    lun_recv(NULL, 0, 20000, NULL, 0, NULL);
    size_t len = mode == M_BIG_TRAP ? BIG : 1;
    memset(big, 0x5a, len);
    lun_node_send((uint64_t)node, (uint64_t)pid, TAG_LAST, big, len);
    switch (mode) {
    case M_TRAP:
    case M_BIG_TRAP: __builtin_trap();
    case M_EXIT: exit(3);
    case M_KILL: lun_spawn(killer, (int64_t)lun_self()); break;
    case M_CASCADE: lun_spawn_link(crasher, 0, 5); break;
    case M_RETURN: return;
    default: break;
    }
    lun_recv(NULL, 0, 60000, NULL, 0, NULL); /* until killed or cut off */
}

/* On B: link to process target of node, report to the root, then report
 * how the link died (without dying of it). */
__attribute__((export_name("watcher"))) void watcher(int64_t node,
                                                     int64_t target,
                                                     int64_t root)
{
    lunatic_process_die_when_link_dies(0);
    lun_node_link((uint64_t)node, (uint64_t)target, 9);
    lun_node_send((uint64_t)node, (uint64_t)root, TAG_LINKED, NULL, 0);
    int32_t k = lun_recv(NULL, 0, 20000, NULL, 0, NULL);
    uint8_t r[2] = {(uint8_t)k, (uint8_t)lun_msg_death_reason()};
    if (lun_msg_node() != (uint64_t)node)
        r[0] = 99;
    lun_node_send((uint64_t)node, (uint64_t)root, TAG_WATCHED, r, 2);
}

/* A supervised child: tells the root (on the node tagged name=a) where
 * it runs, then waits. */
static void sup_child(int64_t root)
{
    uint64_t here = lun_node_self();
    lun_node_send(lookup1("name=a"), (uint64_t)root, TAG_CHILD, &here,
                  sizeof here);
    for (;;)
        lun_recv(NULL, 0, 60000, NULL, 0, NULL);
}

/* }===== */
/* {===== on A */

/* A supervisor (its own process: globals are not shared) of one child on
 * C that tells root where it runs. */
static void supervisor(int64_t root)
{
    lun_child_spec_t child = {sup_child, root, 0, lookup1("name=c")};
    lun_supervise(&child, 1, LUN_ONE_FOR_ONE, 5, 10000, -1);
}

static uint64_t spawn_on(uint64_t node, const char *func, const int64_t *args,
                         int nargs)
{
    uint8_t p[4 * LUN_PARAM_SIZE];
    size_t plen = 0;
    int32_t rc = 0;
    for (int i = 0; i < nargs; i++)
        lun_param_i64(p, &plen, args[i]);
    uint64_t pid = lun_node_spawn_export(node, func, p, plen, -1, &rc);
    if (!pid)
        printf("FAIL spawn %s: rc %d\n", func, (int)rc);
    return pid;
}

/* Receive one message (any) within 10 s into buf; its kind. */
static int32_t recv_any(void *buf, size_t cap, size_t *len)
{
    return lun_recv(NULL, 0, 10000, buf, cap, len);
}

/* Is anything more there within 300 ms? */
static int more_comes(void)
{
    return lun_recv(NULL, 0, 300, NULL, 0, NULL) != LUN_TIMEOUT;
}

/* A victim on B linked (tag 100 + mode) and monitored: its last message
 * first, then ProcessDied and (unless it returned) LinkDied, each with
 * its reason and B's id. */
static void one_death(uint64_t b, enum mode mode)
{
    static uint8_t buf[BIG];
    char what[128];
    size_t len = 0;
    int64_t args[3] = {mode, (int64_t)lun_node_self(), (int64_t)lun_self()};
    uint64_t pid = spawn_on(b, "victim", args, 3);
    int32_t want = mode == M_RETURN ? LUN_DEATH_NORMAL : LUN_DEATH_FAILURE;
    int seen_link = 0, seen_down = 0;
    if (!pid) {
        failures++;
        return;
    }
    lun_node_link(b, pid, 100 + mode);
    lun_node_monitor(b, pid);
    lun_node_send(b, pid, TAG_POKE, NULL, 0);
    int32_t k = recv_any(buf, sizeof buf, &len);
    snprintf(what, sizeof what, "%s: its last message (%zu bytes) comes "
             "before its death", mode_name[mode], len);
    check(k == LUN_MSG_DATA && lunatic_message_get_tag() == TAG_LAST &&
          lun_msg_node() == b &&
          len == (mode == M_BIG_TRAP ? BIG : 1), what);
    for (int i = 0; i < (mode == M_RETURN ? 1 : 2); i++) {
        k = recv_any(NULL, 0, NULL);
        if (k == LUN_MSG_LINK_DIED)
            seen_link += lunatic_message_get_tag() == 100 + mode &&
                         lun_msg_node() == b &&
                         lun_msg_death_reason() == want;
        else if (k == LUN_MSG_PROCESS_DIED)
            seen_down += (uint64_t)lunatic_message_get_process_id() == pid &&
                         lun_msg_node() == b &&
                         lun_msg_death_reason() == want;
    }
    snprintf(what, sizeof what, "%s: ProcessDied reason %d%s", mode_name[mode],
             (int)want, mode == M_RETURN ? ", no LinkDied" : ", LinkDied");
    if (mode == M_RETURN)
        seen_link = more_comes();
    check(seen_down == 1 && seen_link == (mode != M_RETURN), what);
}

/* A local process linked from B dies: B's watcher sees it. */
static void doomed(int64_t arg)
{
    (void)arg;
    lun_recv(NULL, 0, 20000, NULL, 0, NULL);
    __builtin_trap();
}

static void reverse_link(uint64_t b)
{
    uint8_t r[2] = {0, 0};
    size_t len = 0;
    int64_t tag;
    uint64_t target = lun_spawn(doomed, 0);
    int64_t args[3] = {(int64_t)lun_node_self(), (int64_t)target,
                       (int64_t)lun_self()};
    if (!spawn_on(b, "watcher", args, 3)) {
        failures++;
        return;
    }
    tag = TAG_LINKED;
    check(lun_recv(&tag, 1, 10000, NULL, 0, NULL) == LUN_MSG_DATA,
          "a process on B linked to one here");
    lun_send(target, TAG_POKE, NULL, 0);
    tag = TAG_WATCHED;
    check(lun_recv(&tag, 1, 10000, r, 2, &len) == LUN_MSG_DATA && len == 2 &&
          r[0] == LUN_MSG_LINK_DIED && r[1] == LUN_DEATH_FAILURE,
          "its LinkDied came to B with reason failure and this node's id");
}

/* C is killed with SIGKILL: a link and monitor across it, a node-down
 * event, and the supervised child back on another node. */
static void node_lost(uint64_t c, uint64_t sup_pid)
{
    int64_t args[3] = {M_FOREVER, (int64_t)lun_node_self(),
                       (int64_t)lun_self()};
    uint64_t pid = spawn_on(c, "victim", args, 3);
    int link = 0, down = 0, event = 0, child = 0;
    if (!pid) {
        failures++;
        return;
    }
    lun_node_link(c, pid, 200);
    lun_node_monitor(c, pid);
    printf("ready: kill c\n");
    fflush(stdout);
    while (!(link && down && event && child)) {
        uint8_t buf[16];
        size_t len = 0;
        int up;
        uint64_t node;
        int32_t k = lun_recv(NULL, 0, 15000, buf, sizeof buf, &len);
        if (k == LUN_TIMEOUT)
            break;
        int64_t tag = lunatic_message_get_tag();
        if (k == LUN_MSG_LINK_DIED && tag == 200)
            link = lun_msg_node() == c &&
                   lun_msg_death_reason() == LUN_DEATH_NOCONN;
        else if (k == LUN_MSG_PROCESS_DIED)
            down = lun_msg_node() == c &&
                   lun_msg_death_reason() == LUN_DEATH_NOCONN;
        else if (k == LUN_MSG_DATA && tag == TAG_NODES &&
                 lun_node_event(buf, len, &up, &node))
            event |= !up && node == c;
        else if (k == LUN_MSG_DATA && tag == TAG_CHILD && len == 8) {
            memcpy(&node, buf, 8);
            child = node != c && node != 0;
        }
    }
    check(link, "node lost: LinkDied reason noconnection with C's id");
    check(down, "node lost: ProcessDied reason noconnection with C's id");
    check(event, "node lost: a node-down event for C");
    check(child, "node lost: the supervised child restarted on another node");
    (void)sup_pid;
}

/* A new C joins: a node-up event with a new id. */
static void node_back(uint64_t old_c)
{
    printf("ready: start c\n");
    fflush(stdout);
    int got = 0;
    while (!got) {
        uint8_t buf[16];
        size_t len = 0;
        int up;
        uint64_t node;
        int64_t tag = TAG_NODES;
        if (lun_recv(&tag, 1, 20000, buf, sizeof buf, &len) == LUN_TIMEOUT)
            break;
        if (lun_node_event(buf, len, &up, &node) && up)
            got = node != old_c && node == lookup1("name=c");
    }
    check(got, "node back: a node-up event for the new C");
}

int main(void)
{
    uint64_t b = 0, c = 0;
    for (int tries = 0; tries < 200 && !(b && c); tries++) {
        b = lookup1("name=b");
        c = lookup1("name=c");
        if (!(b && c))
            lunatic_process_sleep_ms(50);
    }
    if (!(b && c)) {
        printf("FAIL B and C never joined\n");
        return 1;
    }
    lun_monitor_nodes(TAG_NODES);
    lunatic_process_die_when_link_dies(0);
    for (int m = M_RETURN; m < M_FOREVER; m++)
        one_death(b, (enum mode)m);
    reverse_link(b);
    uint64_t sup = lun_spawn(supervisor, (int64_t)lun_self());
    uint64_t where = 0;
    int64_t tag = TAG_CHILD;
    check(lun_recv(&tag, 1, 10000, &where, sizeof where, NULL) ==
              LUN_MSG_DATA && where == c,
          "a supervised child runs on C");
    node_lost(c, sup);
    node_back(c);
    printf("done: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
