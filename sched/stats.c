/* stats.c: what the metrics endpoint reads of a running runtime without
 * stopping it: per-process values the owner publishes at the end of a
 * slice, a walk over the pid table, the per-process table of
 * sched_processes_text, and the growing text both outputs are built in.
 * Interface: sched.h ("observing a running runtime"), sched_int.h. */
#include "common/lun_prefix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

/* {===== publishing and describing a process */

void sched__stats_publish(sched_proc_t *p)
{
    vm_memory_t *m = p->inst ? vm_instance_memory(p->inst) : NULL;
    uint64_t mem = m ? vm_memory_size(m) : 0;
    atomic_store_explicit(&p->pub_reds, p->reds, memory_order_relaxed);
    atomic_store_explicit(&p->pub_mem, mem, memory_order_relaxed);
    /* Memory grows only while the process runs: what its limit leaves
     * for its mailbox is published here, once a slice, not at each
     * receive. */
    sched__mbox_set_room(p, mem);
    if (p->rt->footprint)
        sched__footprint_publish(p);
}

void sched__proc_module_name(const sched_proc_t *p, char *out, size_t len)
{
    const sched_runtime_t *rt = p->rt;
    const sched_module_t *m = p->module;
    snprintf(out, len, "-");
    if (!m || !m->has_hash)
        return;
    if (rt->root_wasm && m->hash.lo == rt->root_hash.lo &&
        m->hash.hi == rt->root_hash.hi && rt->root_config &&
        rt->root_config->argc > 0) {
        const char *path = rt->root_config->argv[0];
        const char *slash = strrchr(path, '/');
        snprintf(out, len, "%s", slash ? slash + 1 : path);
        return;
    }
    snprintf(out, len, "module:%016llx", (unsigned long long)m->hash.hi);
}

void sched__procs_each(sched_runtime_t *rt,
                       void (*fn)(void *ud, const sched_proc_t *p), void *ud)
{
    for (uint32_t i = 0; i < SCHED_PID_SHARDS; i++) {
        sched_pid_shard_t *s = &rt->shards[i];
        lun_mutex_lock(&s->lock);
        for (size_t b = 0; b < s->nbuckets; b++)
            for (const sched_proc_t *p = s->buckets[b]; p; p = p->tnext)
                fn(ud, p);
        lun_mutex_unlock(&s->lock);
    }
}

/* }===== */
/* {===== text */

void sched__text_printf(sched_text_t *t, const char *fmt, ...)
{
    if (t->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap - t->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

/* }===== */
/* {===== the process table (sched_processes_text) */

/* At most this many rows are sampled per request: the table of a node
 * with a million processes is not copied whole to print 20 lines. Past
 * it, the busiest are those among the first SAMPLE_MAX found. */
#define SAMPLE_MAX 100000

typedef struct proc_row {
    uint64_t pid, reds, mem, mbox;
    char module[48], entry[48];
} proc_row_t;

typedef struct sample {
    proc_row_t *rows;
    size_t n, cap;
} sample_t;

static void sample_one(void *ud, const sched_proc_t *p)
{
    sample_t *s = ud;
    if (s->n == s->cap)
        return;
    proc_row_t *r = &s->rows[s->n++];
    r->pid = p->pid;
    r->reds = atomic_load_explicit(&p->pub_reds, memory_order_relaxed);
    r->mem = atomic_load_explicit(&p->pub_mem, memory_order_relaxed);
    r->mbox = SCHED_MBOX_COUNT(sched__mbox_queued(p));
    sched__proc_module_name(p, r->module, sizeof r->module);
    /* entry is written before the process enters the table */
    snprintf(r->entry, sizeof r->entry, "%s", p->entry[0] ? p->entry : "-");
}

static uint64_t key_of(const proc_row_t *r, sched_proc_sort by)
{
    return by == SCHED_SORT_MEMORY    ? r->mem
           : by == SCHED_SORT_MAILBOX ? r->mbox
                                      : r->reds;
}

static bool before(const proc_row_t *a, const proc_row_t *b,
                   sched_proc_sort by)
{
    uint64_t ka = key_of(a, by), kb = key_of(b, by);
    return ka != kb ? ka > kb : a->pid < b->pid;
}

/* Move the `limit` busiest rows to the front, in order: a partial
 * selection sort, since limit is a screenful. */
static void select_busiest(proc_row_t *rows, size_t n, size_t limit,
                           sched_proc_sort by)
{
    for (size_t i = 0; i < n && i < limit; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (before(&rows[j], &rows[best], by))
                best = j;
        proc_row_t tmp = rows[i];
        rows[i] = rows[best];
        rows[best] = tmp;
    }
}

char *sched_processes_text(sched_runtime_t *rt, sched_proc_sort by,
                           uint32_t limit, size_t *len)
{
    sample_t s = {0};
    uint64_t alive = atomic_load(&rt->nprocs) + 16; /* a few more spawn */
    s.cap = alive < SAMPLE_MAX ? (size_t)alive : SAMPLE_MAX;
    if (!(s.rows = calloc(s.cap, sizeof *s.rows)))
        return NULL;
    sched__procs_each(rt, sample_one, &s);
    select_busiest(s.rows, s.n, limit, by);
    sched_text_t t = {0};
    sched__text_printf(&t, "pid\treductions\tmemory_bytes\tmailbox\tmodule"
                           "\tfunction\n");
    for (size_t i = 0; i < s.n && i < limit; i++) {
        const proc_row_t *r = &s.rows[i];
        sched__text_printf(&t, "%llu\t%llu\t%llu\t%llu\t%s\t%s\n",
                           (unsigned long long)r->pid,
                           (unsigned long long)r->reds,
                           (unsigned long long)r->mem,
                           (unsigned long long)r->mbox, r->module, r->entry);
    }
    free(s.rows);
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    *len = t.len;
    return t.p;
}

/* }===== */
