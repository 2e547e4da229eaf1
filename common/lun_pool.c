/* lun_pool.c: per-thread caches of small blocks with a shared depot of
 * batches (interface and policy: lun_pool.h). Only C11 atomics and
 * _Thread_local: no pthread, so vm/ may use it too.
 *
 * A cached block is free memory: its first word links it to the next
 * block of its list; a batch in the depot is a list of LUN_POOL_BATCH
 * blocks whose first block's second word links the next batch. Every
 * class is at least 24 bytes, so both words fit. */
#include "common/lun_prefix.h"

#include "common/lun_pool.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
/* A cached block is poisoned but for its two link words: a use after
 * lun_pool_free is reported as it would be after free(). */
#define LINK_BYTES (2 * sizeof(void *))
#define POISON(p, size) \
    ASAN_POISON_MEMORY_REGION((char *)(p) + LINK_BYTES, (size) - LINK_BYTES)
#define UNPOISON(p, size) ASAN_UNPOISON_MEMORY_REGION((p), (size))
#else
#define POISON(p, size) ((void)(p), (void)(size))
#define UNPOISON(p, size) ((void)(p), (void)(size))
#endif

/* Class c holds blocks of 16c - 8 bytes: malloc (glibc) gives a block of
 * n bytes a chunk of n + 8 rounded up to 16, so these sizes waste
 * nothing there. */
#define NCLASS ((LUN_POOL_MAX_SIZE + 8u) / 16u + 1u)
#define MIN_CLASS 2u

static unsigned class_of(size_t n)
{
    unsigned c = (unsigned)((n + 8u + 15u) / 16u);
    return c < MIN_CLASS ? MIN_CLASS : c;
}

static size_t class_size(unsigned c) { return (size_t)c * 16u - 8u; }

size_t lun_pool_block_size(size_t n)
{
    return n == 0 || n > LUN_POOL_MAX_SIZE ? n : class_size(class_of(n));
}

static void **link_of(void *block) { return (void **)block; }
static void **next_batch_of(void *block) { return (void **)block + 1; }

/* {===== the depot: batches shared by all threads */

typedef struct depot {
    atomic_flag lock;
    void *batches; /* linked through each batch's first block */
    _Atomic unsigned n; /* read unlocked, as a hint */
} depot_t;

static depot_t depot[NCLASS];

/* Held for a few instructions (a push or a pop); a holder preempted
 * meanwhile gets the core back rather than a spinner burning its slice. */
static void depot_lock(depot_t *d)
{
    unsigned spins = 0;
    while (atomic_flag_test_and_set_explicit(&d->lock, memory_order_acquire))
        if (++spins % 64 == 0)
            sched_yield();
}

static void depot_unlock(depot_t *d)
{
    atomic_flag_clear_explicit(&d->lock, memory_order_release);
}

/* Frees every block of the list starting at b (blocks of class c). */
static void free_list(void *b, unsigned c)
{
    while (b) {
        void *next = *link_of(b);
        UNPOISON(b, class_size(c));
        free(b);
        b = next;
    }
}

/* Hands over a batch (a list of LUN_POOL_BATCH blocks), or frees it when
 * the depot is full. */
static void depot_put(unsigned c, void *batch)
{
    depot_t *d = &depot[c];
    depot_lock(d);
    unsigned n = atomic_load_explicit(&d->n, memory_order_relaxed);
    bool room = n < LUN_POOL_DEPOT;
    if (room) {
        *next_batch_of(batch) = d->batches;
        d->batches = batch;
        atomic_store_explicit(&d->n, n + 1, memory_order_relaxed);
    }
    depot_unlock(d);
    if (!room)
        free_list(batch, c);
}

static void *depot_take(unsigned c)
{
    depot_t *d = &depot[c];
    void *batch = NULL;
    /* A relaxed look first: an empty depot costs no locked instruction. */
    if (atomic_load_explicit(&d->n, memory_order_relaxed) == 0)
        return NULL;
    depot_lock(d);
    if ((batch = d->batches) != NULL) {
        d->batches = *next_batch_of(batch);
        atomic_store_explicit(&d->n, atomic_load_explicit(
            &d->n, memory_order_relaxed) - 1, memory_order_relaxed);
    }
    depot_unlock(d);
    return batch;
}

void lun_pool_trim(void)
{
    for (unsigned c = MIN_CLASS; c < NCLASS; c++) {
        depot_t *d = &depot[c];
        depot_lock(d);
        void *b = d->batches;
        d->batches = NULL;
        atomic_store_explicit(&d->n, 0, memory_order_relaxed);
        depot_unlock(d);
        while (b) {
            void *next = *next_batch_of(b);
            free_list(b, c);
            b = next;
        }
    }
}

/* }===== */
/* {===== the calling thread's blocks */

static _Thread_local struct {
    bool on;
    struct {
        void *head;
        unsigned n;
    } cls[NCLASS];
    uint64_t hits, misses;
} local;

/* Detach LUN_POOL_BATCH blocks of class c's local list as one batch. */
static void *split_batch(unsigned c)
{
    void *first = local.cls[c].head, *last = first;
    for (unsigned i = 1; i < LUN_POOL_BATCH; i++)
        last = *link_of(last);
    local.cls[c].head = *link_of(last);
    local.cls[c].n -= LUN_POOL_BATCH;
    *link_of(last) = NULL;
    return first;
}

void lun_pool_thread_begin(void) { local.on = true; }

void lun_pool_thread_end(void)
{
    local.on = false;
    for (unsigned c = MIN_CLASS; c < NCLASS; c++) {
        while (local.cls[c].n >= LUN_POOL_BATCH)
            depot_put(c, split_batch(c));
        free_list(local.cls[c].head, c);
        local.cls[c].head = NULL;
        local.cls[c].n = 0;
    }
}

/* A block of class c from this thread's list or the depot, or NULL. */
static void *pool_take(unsigned c)
{
    if (!local.cls[c].head) {
        void *batch = depot_take(c);
        if (batch) {
            local.cls[c].head = batch;
            local.cls[c].n = LUN_POOL_BATCH;
        }
    }
    void *b = local.cls[c].head;
    if (!b) {
        local.misses++;
        return NULL;
    }
    local.hits++;
    local.cls[c].head = *link_of(b);
    local.cls[c].n--;
    UNPOISON(b, class_size(c));
    return b;
}

void *lun_pool_calloc(size_t n)
{
    if (n == 0 || n > LUN_POOL_MAX_SIZE || !local.on)
        return calloc(1, n ? lun_pool_block_size(n) : 1);
    unsigned c = class_of(n);
    void *b = pool_take(c);
    if (!b)
        return calloc(1, class_size(c));
    memset(b, 0, class_size(c)); /* as calloc: no trace of its last use */
    return b;
}

void *lun_pool_malloc(size_t n)
{
    if (n == 0 || n > LUN_POOL_MAX_SIZE || !local.on)
        return malloc(n ? lun_pool_block_size(n) : 1);
    unsigned c = class_of(n);
    void *b = pool_take(c);
    return b ? b : malloc(class_size(c));
}

void lun_pool_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n == 0 || n > LUN_POOL_MAX_SIZE || !local.on) {
        free(p);
        return;
    }
    unsigned c = class_of(n);
    *link_of(p) = local.cls[c].head;
    POISON(p, class_size(c));
    local.cls[c].head = p;
    if (++local.cls[c].n > LUN_POOL_LOCAL)
        depot_put(c, split_batch(c));
}

/* }===== */

void lun_pool_stats(lun_pool_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned c = MIN_CLASS; c < NCLASS; c++) {
        out->local_blocks += local.cls[c].n;
        depot_lock(&depot[c]);
        out->depot_blocks += (uint64_t)atomic_load_explicit(
            &depot[c].n, memory_order_relaxed) * LUN_POOL_BATCH;
        depot_unlock(&depot[c]);
    }
    out->hits = local.hits;
    out->misses = local.misses;
}
