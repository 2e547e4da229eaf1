/* faults.c: the guest of tests/nodes/faults.sh, run as the app of a
 * short-lived probe node that joins the cluster under test. Every node
 * of the suite is tagged name=NAME, and this guest finds them so.
 *
 *   faults ping NAME...     spawn `pong` on each node NAME (the module
 *                           travels by hash) and wait for its reply
 *   faults nofunc NAME      a spawn of a function the module lacks: rc 2
 *   faults stop NAME        spawn `sink` on NAME, exchange one message,
 *                           say "ready", wait until NAME is down, then
 *                           for 3 s send to the sink under NAME's old id
 *                           (the script stops and resumes NAME meanwhile)
 *   faults restart NAME     the same up to "down", then wait for NAME to
 *                           come back as a new run: spawn and exchange
 *                           there, and send to the old run's sink
 *
 * Lines go out with fflush: the script reads them while this runs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sdk/lunatic.h"

#define TAG_REPLY 7

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* Send text to (node, pid) tagged tag: the host's rc (0, 1, 2, ...). */
static int32_t send_text(int64_t node, int64_t pid, int64_t tag,
                         const char *text)
{
    int n = (int)strlen(text);
    lunatic_message_create_data(tag, n);
    lunatic_message_write_data((int32_t)text, n);
    return lunatic_distributed_send(node, pid);
}

/* On the remote node: one line naming this node back to (node, pid). */
__attribute__((export_name("pong"))) void pong(int64_t node, int64_t pid)
{
    char line[64];
    snprintf(line, sizeof line, "pong from %016llx",
             (unsigned long long)lunatic_distributed_node_id());
    send_text(node, pid, TAG_REPLY, line);
}

/* On the remote node: print every message (on that node's stdout) and
 * acknowledge it to (node, pid). */
__attribute__((export_name("sink"))) void sink(int64_t node, int64_t pid)
{
    for (;;) {
        char buf[64];
        size_t len = 0;
        if (lun_recv(NULL, 0, LUN_FOREVER, buf, sizeof buf - 1, &len) !=
            LUN_MSG_DATA)
            continue;
        buf[len < sizeof buf ? len : sizeof buf - 1] = 0;
        say("sink got: %s", buf);
        send_text(node, pid, TAG_REPLY, "ack");
    }
}

/* The id of the node tagged name=NAME (waiting up to 20 s for it to
 * join, and for one other than `not`), or 0. */
static uint64_t find(const char *name, uint64_t not)
{
    char query[96];
    snprintf(query, sizeof query, "name=%s", name);
    for (int tries = 0; tries < 400; tries++) {
        uint64_t qid = 0, count = 0, err = 0, ids[4];
        if (lunatic_distributed_exec_lookup_nodes(
                (int32_t)query, (int32_t)strlen(query), (int32_t)&qid,
                (int32_t)&count, (int32_t)&err) == 0 && count > 0) {
            if (count > 4)
                count = 4;
            lunatic_distributed_copy_lookup_nodes_results(
                (int64_t)qid, (int32_t)ids, (int32_t)count, (int32_t)&err);
            for (uint64_t i = 0; i < count; i++)
                if (ids[i] != not)
                    return ids[i];
        }
        lunatic_process_sleep_ms(50);
    }
    return 0;
}

static int32_t spawn_on(uint64_t node, const char *func, uint64_t *pid)
{
    uint8_t params[2 * LUN_PARAM_SIZE];
    size_t plen = 0;
    lun_param_i64(params, &plen, lunatic_distributed_node_id());
    lun_param_i64(params, &plen, (int64_t)lun_self());
    return lunatic_distributed_spawn(
        (int64_t)node, -1, lunatic_distributed_module_id(), (int32_t)func,
        (int32_t)strlen(func), (int32_t)params, (int32_t)plen, (int32_t)pid);
}

/* A reply within ms into buf: true if one came. */
static bool reply(char *buf, size_t cap, uint32_t ms)
{
    size_t len = 0;
    int64_t tag = TAG_REPLY;
    if (lun_recv(&tag, 1, ms, buf, cap - 1, &len) != LUN_MSG_DATA)
        return false;
    buf[len < cap ? len : cap - 1] = 0;
    return true;
}

static bool is_member(uint64_t id)
{
    uint64_t ids[64];
    int32_t n = lunatic_distributed_get_nodes((int32_t)ids, 64);
    for (int32_t i = 0; i < n && i < 64; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static int ping(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        uint64_t node = find(argv[i], 0), pid;
        char buf[64];
        if (!node) {
            say("ping %s: no such node", argv[i]);
            return 1;
        }
        int32_t rc = spawn_on(node, "pong", &pid);
        if (rc != 0 || !reply(buf, sizeof buf, 5000)) {
            say("ping %s: spawn rc %d, no reply", argv[i], (int)rc);
            return 1;
        }
        say("ping %s: %s", argv[i], buf);
    }
    return 0;
}

static int nofunc(const char *name)
{
    uint64_t node = find(name, 0), pid;
    if (!node)
        return 1;
    say("spawn of a missing function on %s: rc %d", name,
        (int)spawn_on(node, "no_such_function", &pid));
    return 0;
}

/* Spawn a sink on node and have it acknowledge one message. */
static bool sink_on(uint64_t node, const char *name, uint64_t *pid,
                    const char *text)
{
    char buf[64];
    int32_t rc = spawn_on(node, "sink", pid);
    if (rc != 0) {
        say("spawn of sink on %s: rc %d", name, (int)rc);
        return false;
    }
    rc = send_text((int64_t)node, (int64_t)*pid, 1, text);
    if (rc != 0 || !reply(buf, sizeof buf, 5000)) {
        say("send to the sink on %s: rc %d, no ack", name, (int)rc);
        return false;
    }
    say("the sink on %s acked %s", name, text);
    return true;
}

/* Wait (up to 30 s) until node is no member: its ms, or -1. */
static int wait_down(uint64_t node)
{
    for (int ms = 0; ms < 30000; ms += 10) {
        if (!is_member(node))
            return ms;
        lunatic_process_sleep_ms(10);
    }
    return -1;
}

/* Send to (node, pid) every 100 ms for ms: how many sends gave rc 2
 * (no such node) out of *sent. */
static int send_for(uint64_t node, uint64_t pid, int ms, int *sent)
{
    int no_node = 0;
    for (*sent = 0; *sent * 100 < ms; ++*sent) {
        no_node += send_text((int64_t)node, (int64_t)pid, 1, "stale") == 2;
        lunatic_process_sleep_ms(100);
    }
    return no_node;
}

static int stop_or_restart(const char *name, bool restart)
{
    uint64_t node = find(name, 0), pid, pid2;
    char buf[64];
    if (!node || !sink_on(node, name, &pid, "before"))
        return 1;
    say("ready: %s is %016llx", name, (unsigned long long)node);
    if (wait_down(node) < 0) {
        say("%s never went down", name);
        return 1;
    }
    say("%s is down", name);
    if (restart) {
        uint64_t again = find(name, node);
        if (!again) {
            say("%s did not come back", name);
            return 1;
        }
        say("%s is back as a new run: %s", name,
            again != node ? "new id" : "SAME id");
        if (!sink_on(again, name, &pid2, "fresh"))
            return 1;
    }
    int sent, no_node = send_for(node, pid, restart ? 500 : 3000, &sent);
    say("sends to the old %s: %d of %d gave rc 2", name, no_node, sent);
    say("acks after down: %s", reply(buf, sizeof buf, 500) ? "SOME" : "none");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "ping"))
        return ping(argc, argv);
    if (!strcmp(mode, "nofunc") && argc == 3)
        return nofunc(argv[2]);
    if (!strcmp(mode, "stop") && argc == 3)
        return stop_or_restart(argv[2], false);
    if (!strcmp(mode, "restart") && argc == 3)
        return stop_or_restart(argv[2], true);
    say("usage: faults ping NAME... | nofunc NAME | stop NAME | restart NAME");
    return 2;
}
