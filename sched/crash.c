/* crash.c: one report per process that dies abnormally, something an
 * operator can act on: who (pid, module, function), why (the trap or the
 * runtime's reason), where (the wasm backtrace, with the name section's
 * names), and what it was tied to (links, monitors, queued messages).
 *
 * Verbosity as Lunatic users set it: RUST_LOG (a bare level, or
 * "lunatic=LEVEL" among other targets), overridden by LUNATIC_LOG, which
 * takes a level too (LUNATIC_LOG=1, or any other value, means what it
 * always meant: report every failure). error: processes that failed on
 * their own (trap, non-zero exit, runtime limit); warn and more verbose:
 * also processes killed (a linked process died, a kill). Unset: none.
 * LUNATIC_CRASH_FORMAT=json: one JSON object per line instead of text.
 * LUNATIC_CRASH_RATE=N (default 10): at most N reports a second; the
 * others are counted and said in one line. Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

enum level { LVL_OFF = 0, LVL_ERROR, LVL_WARN, LVL_INFO, LVL_DEBUG,
             LVL_TRACE };

struct sched_crash {
    int level;
    bool json;
    uint32_t per_second;
    pthread_mutex_t lock; /* the window below */
    uint64_t window_s;    /* the second the counts are for */
    uint32_t shown;
    uint64_t suppressed;
};

static int level_named(const char *s, size_t n)
{
    static const char *const names[] = {"off", "error", "warn", "info",
                                        "debug", "trace"};
    for (int i = 0; i < 6; i++)
        if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
            return i;
    return -1;
}

/* RUST_LOG's level for this program: "debug", "lunatic=warn,hyper=info"
 * (the lunatic target wins over a bare level); -1: none. */
static int rust_log_level(const char *v)
{
    int bare = -1, mine = -1;
    while (v && *v) {
        size_t n = strcspn(v, ",");
        const char *eq = memchr(v, '=', n);
        if (!eq)
            bare = level_named(v, n);
        else if ((size_t)(eq - v) >= 7 && strncmp(v, "lunatic", 7) == 0)
            mine = level_named(eq + 1, n - (size_t)(eq + 1 - v));
        v += n + (v[n] == ',');
    }
    return mine >= 0 ? mine : bare;
}

static int level_from_env(void)
{
    const char *l = getenv("LUNATIC_LOG");
    if (l) {
        int lv = level_named(l, strlen(l));
        return lv >= 0 ? lv : LVL_WARN; /* LUNATIC_LOG=1: every failure */
    }
    int lv = rust_log_level(getenv("RUST_LOG"));
    return lv >= 0 ? lv : LVL_OFF;
}

struct sched_crash *sched__crash_new(void)
{
    struct sched_crash *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->level = level_from_env();
    const char *f = getenv("LUNATIC_CRASH_FORMAT");
    c->json = f && strcmp(f, "json") == 0;
    const char *r = getenv("LUNATIC_CRASH_RATE");
    long n = r ? strtol(r, NULL, 10) : 10;
    c->per_second = n < 1 ? 1 : n > 100000 ? 100000 : (uint32_t)n;
    lun_mutex_init(&c->lock);
    return c;
}

static void say_suppressed(uint64_t n)
{
    if (n)
        fprintf(stderr, "lunatic: %llu more crash reports suppressed "
                "(LUNATIC_CRASH_RATE)\n", (unsigned long long)n);
}

void sched__crash_free(struct sched_crash *c)
{
    if (!c)
        return;
    say_suppressed(c->suppressed);
    lun_mutex_destroy(&c->lock);
    free(c);
}

/* True if this report may be printed now (the rate limit). */
static bool admit(struct sched_crash *c)
{
    uint64_t now_s = sched__now_ns() / 1000000000u;
    lun_mutex_lock(&c->lock);
    if (now_s != c->window_s) {
        say_suppressed(c->suppressed);
        c->window_s = now_s;
        c->shown = 0;
        c->suppressed = 0;
    }
    bool ok = c->shown < c->per_second;
    if (ok)
        c->shown++;
    else
        c->suppressed++;
    lun_mutex_unlock(&c->lock);
    return ok;
}

/* {===== what a report says */

typedef struct report {
    uint64_t pid, mbox_msgs, mbox_bytes;
    char module[64], message[256], trap[64];
    bool killed;
} report_t;

static void describe(sched_proc_t *p, vm_status st, const char *why,
                     report_t *r)
{
    uint32_t code = 0;
    r->pid = p->pid;
    r->killed = p->killed;
    uint64_t mb = sched__mbox_queued(p);
    r->mbox_msgs = SCHED_MBOX_COUNT(mb);
    r->mbox_bytes = SCHED_MBOX_BYTES(mb);
    sched__proc_module_name(p, r->module, sizeof r->module);
    r->trap[0] = 0;
    if (why) {
        snprintf(r->message, sizeof r->message, "%s",
                 p->killed && p->kill_why ? p->kill_why : why);
        if (p->killed && p->kill_pid && !p->kill_why)
            snprintf(r->message, sizeof r->message,
                     "killed: linked process %llu failed",
                     (unsigned long long)p->kill_pid);
    } else if (st == VM_TRAP) {
        const char *m = vm_exec_trap_message(p->ex);
        snprintf(r->trap, sizeof r->trap, "%s",
                 vm_trap_text(vm_exec_trap(p->ex)));
        snprintf(r->message, sizeof r->message, "%s", m && *m ? m : r->trap);
    } else {
        wasi_ctx_exited(p->wasi, &code);
        snprintf(r->message, sizeof r->message,
                 "proc_exit with a non-zero code (%u)", code);
    }
}

static void json_string(sched_text_t *t, const char *s)
{
    sched__text_printf(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sched__text_printf(t, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) /* bytes outside ASCII: escaped */
            sched__text_printf(t, "\\u%04x", c);
        else
            sched__text_printf(t, "%c", c);
    }
    sched__text_printf(t, "\"");
}

static bool frame_json(void *ud, uint32_t i, const vm_frame_info *f)
{
    sched_text_t *t = ud;
    sched__text_printf(t, "%s{\"index\":%u,\"func\":%u,\"name\":",
                       i ? "," : "", i, f->func_idx);
    if (f->name)
        json_string(t, f->name);
    else
        sched__text_printf(t, "null");
    sched__text_printf(t, ",\"offset\":%u}", f->offset);
    return i + 1 < SCHED_BACKTRACE_FRAMES;
}

/* p's links (monitors false) or monitors, as (node, pid) pairs. */
static uint32_t peer_count(const sched_proc_t *p, bool monitors)
{
    return monitors ? p->nmonitors : p->nlinks;
}

static sched_peer_t peer_at(const sched_proc_t *p, bool monitors, uint32_t i)
{
    sched_peer_t pe = monitors ? p->monitors[i]
                               : (sched_peer_t){p->links[i].node,
                                                p->links[i].pid};
    return pe;
}

static void peers_json(sched_text_t *t, const char *key,
                       const sched_proc_t *p, bool monitors)
{
    sched__text_printf(t, ",\"%s\":[", key);
    for (uint32_t i = 0; i < peer_count(p, monitors); i++) {
        sched_peer_t pe = peer_at(p, monitors, i);
        sched__text_printf(t, "%s{\"node\":%llu,\"pid\":%llu}", i ? "," : "",
                           (unsigned long long)pe.node,
                           (unsigned long long)pe.pid);
    }
    sched__text_printf(t, "]");
}

static void as_json(sched_text_t *t, sched_proc_t *p, vm_status st,
                    const char *why, const report_t *r)
{
    sched__text_printf(t, "{\"event\":\"process_crash\",\"pid\":%llu,"
                          "\"module\":",
                       (unsigned long long)r->pid);
    json_string(t, r->module);
    sched__text_printf(t, ",\"function\":");
    json_string(t, p->entry[0] ? p->entry : "-");
    sched__text_printf(t, ",\"reason\":\"%s\",\"message\":",
                       r->killed ? "killed" : "failure");
    json_string(t, r->message);
    sched__text_printf(t, ",\"trap\":");
    if (r->trap[0])
        json_string(t, r->trap);
    else
        sched__text_printf(t, "null");
    sched__text_printf(t, ",\"backtrace\":[");
    if (!why && st == VM_TRAP && p->ex)
        vm_exec_backtrace(p->ex, frame_json, t);
    sched__text_printf(t, "]");
    peers_json(t, "links", p, false);
    peers_json(t, "monitored_by", p, true);
    sched__text_printf(t, ",\"mailbox_messages\":%llu,\"mailbox_bytes\":"
                          "%llu}\n",
                       (unsigned long long)r->mbox_msgs,
                       (unsigned long long)r->mbox_bytes);
}

static void peers_text(sched_text_t *t, const char *key,
                       const sched_proc_t *p, bool monitors)
{
    uint32_t n = peer_count(p, monitors);
    sched__text_printf(t, "  %s:", key);
    for (uint32_t i = 0; i < n; i++) {
        sched_peer_t pe = peer_at(p, monitors, i);
        if (pe.node)
            sched__text_printf(t, " %llu@%016llx",
                               (unsigned long long)pe.pid,
                               (unsigned long long)pe.node);
        else
            sched__text_printf(t, " %llu", (unsigned long long)pe.pid);
    }
    sched__text_printf(t, n ? "\n" : " none\n");
}

/* The first line is the one LUNATIC_LOG always printed. */
static void as_text(sched_text_t *t, sched_proc_t *p, vm_status st,
                    const char *why, const report_t *r)
{
    sched__text_printf(t, "lunatic: process %llu failed: %s\n",
                       (unsigned long long)r->pid, r->message);
    sched__text_printf(t, "  module: %s, function: %s, reason: %s\n",
                       r->module, p->entry[0] ? p->entry : "-",
                       r->killed ? "killed" : "failure");
    if (r->trap[0])
        sched__text_printf(t, "  trap: %s\n", r->trap);
    if (!why && st == VM_TRAP && p->ex) {
        char bt[SCHED_BACKTRACE_BYTES];
        vm_exec_backtrace_format(p->ex, bt, sizeof bt,
                                 SCHED_BACKTRACE_FRAMES);
        sched__text_printf(t, "  backtrace:\n%s", bt);
    }
    peers_text(t, "links", p, false);
    peers_text(t, "monitored by", p, true);
    sched__text_printf(t, "  mailbox: %llu messages, %llu bytes\n",
                       (unsigned long long)r->mbox_msgs,
                       (unsigned long long)r->mbox_bytes);
}

/* }===== */

void sched__crash_report(sched_proc_t *p, vm_status st, const char *why)
{
    struct sched_crash *c = p->rt->crash;
    /* killed by the runtime (a limit): as a failure of its own */
    int needed = p->killed && !p->kill_why ? LVL_WARN : LVL_ERROR;
    if (!c || c->level < needed || !admit(c))
        return;
    report_t r;
    describe(p, st, why, &r);
    sched_text_t t = {0};
    if (c->json)
        as_json(&t, p, st, why, &r);
    else
        as_text(&t, p, st, why, &r);
    if (!t.oom && t.p) /* one write: reports of two workers do not mix */
        fwrite(t.p, 1, t.len, stderr);
    free(t.p);
}
