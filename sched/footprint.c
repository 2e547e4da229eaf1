/* footprint.c: where the bytes of live processes go, by part, for the
 * metrics endpoint (lunatic_footprint_bytes{part=...}) when the runtime
 * runs with LUNATIC_FOOTPRINT set: `make bench-sched` divides them by the
 * idle processes and sets them beside the RSS it measures.
 *
 * A walker may not follow a running process's pointers (its owner frees
 * and grows them meanwhile), so the owner publishes what it holds at the
 * end of each slice (sched__stats_publish) and the walk reads only those
 * numbers. Guest pages are counted where they are: mincore over each
 * process's linear memory, as published; a block freed since is at worst
 * counted wrong for one scrape (mincore fails on unmapped addresses, it
 * reads no memory). Off by default: at a million processes the walk
 * makes a million system calls.
 * Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__) || defined(__APPLE__)
#include <sys/mman.h>
#define HAVE_MINCORE 1
#endif

#include "common/lun_lock.h"
#include "common/lun_pool.h"
#include "sched/sched_int.h"

static uint32_t clamp32(size_t n) { return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n; }

void sched__footprint_publish(sched_proc_t *p)
{
    size_t inst = p->inst ? vm_instance_footprint(p->inst) : 0;
    size_t ex = p->ex ? vm_exec_footprint(p->ex) : 0;
    size_t wasi = p->wasi ? wasi_ctx_footprint(p->wasi) : 0;
    vm_memory_t *m = p->inst ? vm_instance_memory(p->inst) : NULL;
    /* peek: a lazy memory (no block yet) must stay so, and counts 0 */
    const uint8_t *base = m ? vm_memory_peek(m) : NULL;
    atomic_store_explicit(&p->pub_inst_bytes, clamp32(inst),
                          memory_order_relaxed);
    atomic_store_explicit(&p->pub_exec_bytes, clamp32(ex),
                          memory_order_relaxed);
    atomic_store_explicit(&p->pub_wasi_bytes, clamp32(wasi),
                          memory_order_relaxed);
    atomic_store_explicit(&p->pub_mem_base, (uintptr_t)base,
                          memory_order_relaxed);
}

enum part { PART_PROCESS, PART_INSTANCE, PART_EXEC, PART_WASI,
            PART_MAILBOX, PART_GUEST_RESIDENT, PART_PID_TABLE, NPARTS };
static const char *const part_names[NPARTS] = {
    "process", "instance", "exec", "wasi", "mailbox", "guest_resident",
    "pid_table"};

typedef struct totals {
    uint64_t bytes[NPARTS];
    uint64_t procs;
} totals_t;

/* Resident bytes of [base, base + len). */
static uint64_t resident_bytes(uintptr_t base, uint64_t len)
{
#ifdef HAVE_MINCORE
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = base & ~(page - 1), hi = base + len;
    unsigned char vec[1024];
    uint64_t n = 0;
    while (lo < hi) {
        uintptr_t chunk = hi - lo < sizeof vec * page ? hi - lo
                                                      : sizeof vec * page;
        if (mincore((void *)lo, chunk, (void *)vec) != 0)
            return n; /* unmapped meanwhile: what was counted so far */
        for (uintptr_t i = 0; i < (chunk + page - 1) / page; i++)
            n += (vec[i] & 1) ? page : 0;
        lo += chunk;
    }
    return n;
#else
    (void)base;
    (void)len;
    return 0;
#endif
}

static void add_proc(void *ud, const sched_proc_t *p)
{
    totals_t *t = ud;
    t->procs++;
    t->bytes[PART_PROCESS] += lun_pool_block_size(sizeof *p);
    t->bytes[PART_INSTANCE] +=
        atomic_load_explicit(&p->pub_inst_bytes, memory_order_relaxed);
    t->bytes[PART_EXEC] +=
        atomic_load_explicit(&p->pub_exec_bytes, memory_order_relaxed);
    t->bytes[PART_WASI] +=
        atomic_load_explicit(&p->pub_wasi_bytes, memory_order_relaxed);
    t->bytes[PART_MAILBOX] += SCHED_MBOX_BYTES(
        atomic_load_explicit(&p->mbox_bytes, memory_order_relaxed));
    uintptr_t base =
        atomic_load_explicit(&p->pub_mem_base, memory_order_relaxed);
    uint64_t len = atomic_load_explicit(&p->pub_mem, memory_order_relaxed);
    if (base && len)
        t->bytes[PART_GUEST_RESIDENT] += resident_bytes(base, len);
}

static uint64_t pid_table_bytes(sched_runtime_t *rt)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < SCHED_PID_SHARDS; i++) {
        lun_mutex_lock(&rt->shards[i].lock);
        n += rt->shards[i].nbuckets * sizeof *rt->shards[i].buckets;
        lun_mutex_unlock(&rt->shards[i].lock);
    }
    return n;
}

void sched__footprint_metrics(sched_runtime_t *rt, sched_text_t *t)
{
    totals_t tot;
    memset(&tot, 0, sizeof tot);
    sched__procs_each(rt, add_proc, &tot);
    tot.bytes[PART_PID_TABLE] = pid_table_bytes(rt);
    sched__text_printf(t, "# HELP lunatic_footprint_bytes Bytes of the live "
                          "processes by part, as of their last slice "
                          "(LUNATIC_FOOTPRINT).\n"
                          "# TYPE lunatic_footprint_bytes gauge\n");
    for (int i = 0; i < NPARTS; i++)
        sched__text_printf(t, "lunatic_footprint_bytes{part=\"%s\"} %llu\n",
                           part_names[i], (unsigned long long)tot.bytes[i]);
    sched__text_printf(t, "# HELP lunatic_footprint_processes Processes the "
                          "footprint counted.\n"
                          "# TYPE lunatic_footprint_processes gauge\n"
                          "lunatic_footprint_processes %llu\n",
                       (unsigned long long)tot.procs);
}
