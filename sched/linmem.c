/* linmem.c: the linear memories of processes (a vm_mem_provider).
 *
 * Spawning a process must not cost a fresh mapping, nor zeroing a whole
 * 128 KiB memory of which the guest touches two or three pages. Blocks of
 * power-of-two sizes are carved from large lazily committed mappings and
 * recycled: a released block is "dirty" until a batch of them is handed
 * to madvise(MADV_DONTNEED), after which the kernel gives back zero pages
 * on the next touch, and only for pages touched. One batch costs a few
 * syscalls (adjacent blocks coalesce) for many processes.
 * But then each reuse pays a page fault (and a kernel page clear) per
 * touched page, about two per spawn: so released blocks are instead
 * scrubbed by the thread that released them, a batch at a time (one
 * mincore finds the resident pages of a run of blocks; only non-zero
 * pages are cleared), and kept "hot", ready with their pages mapped, for
 * the next spawn. Their number is bounded, so is their RSS.
 * A memory growing past the largest block (8 MiB) gets a mapping of its
 * own whose capacity doubles ("large memories" below), so that growing
 * page by page costs O(size) in all.
 * Interface: sched_int.h (sched__linmem_*).
 */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/sysinfo.h>
#endif
#include <unistd.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

#define LINMEM_MIN_SHIFT 16u  /* 64 KiB: one wasm page */
#define LINMEM_CLASSES 8u     /* 64 KiB .. 8 MiB; larger: own mapping */
#define LINMEM_CLASS_MAX ((size_t)1 << (LINMEM_MIN_SHIFT + LINMEM_CLASSES - 1))
#define LINMEM_BATCH 64u      /* dirty blocks zeroed together */
#define LINMEM_CHUNK (8u << 20) /* at least this much mapped at a time */
#define LINMEM_HOT 256u          /* scrubbed blocks kept per class */
#define LINMEM_HOT_MAX (1u << 20) /* larger blocks: madvise only */
#define LINMEM_LOCAL 16u        /* hot blocks a thread keeps per class */

typedef struct linmem_class {
    pthread_mutex_t lock;
    size_t block;          /* bytes per block */
    void **clean, **dirty; /* stacks of block pointers */
    size_t nclean, ndirty, cap_clean, cap_dirty;
    void *hot[LINMEM_HOT]; /* zero, with touched pages still mapped */
    size_t nhot;
    void **chunks;         /* mappings, each chunk_bytes long */
    size_t nchunks, cap_chunks, chunk_bytes;
} linmem_class;

struct sched_linmem {
    vm_mem_provider provider;
    size_t page; /* the host page size */
    linmem_class classes[LINMEM_CLASSES];
};

/* {===== blocks */

static int class_of(size_t bytes)
{
    for (unsigned k = 0; k < LINMEM_CLASSES; k++)
        if (bytes <= ((size_t)1 << (LINMEM_MIN_SHIFT + k))) return (int)k;
    return -1;
}

static bool push(void ***stack, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        void **ns = realloc(*stack, ncap * sizeof *ns);
        if (!ns) return false;
        *stack = ns;
        *cap = ncap;
    }
    (*stack)[(*n)++] = p;
    return true;
}

/* Maps a chunk of fresh (zero, uncommitted) blocks into the clean stack.
 * Called with the class locked. */
static bool map_chunk(linmem_class *c)
{
    size_t n = LINMEM_CHUNK / c->block;
    if (n < 4) n = 4;
    uint8_t *base = mmap(NULL, n * c->block, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return false;
    c->chunk_bytes = n * c->block;
    if (!push(&c->chunks, &c->nchunks, &c->cap_chunks, base)) {
        munmap(base, c->chunk_bytes);
        return false;
    }
    for (size_t i = n; i-- > 0;)
        if (!push(&c->clean, &c->nclean, &c->cap_clean, base + i * c->block))
            return false; /* the rest stays mapped, unused: rare OOM */
    return true;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

/* Zeroes a batch of dirty blocks: sorted so that neighbours from the same
 * chunk go to the kernel as one range. Runs without the class lock. */
static void zero_batch(void **blocks, size_t n, size_t block)
{
    qsort(blocks, n, sizeof *blocks, by_address);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && (uint8_t *)blocks[j] == (uint8_t *)blocks[j - 1] + block) j++;
        if (madvise(blocks[i], (j - i) * block, MADV_DONTNEED) != 0)
            memset(blocks[i], 0, (j - i) * block); /* never fails silently */
        i = j;
    }
}

/* Eight words per test: the compiler turns the ORs into vector code. */
static bool page_is_zero(const uint8_t *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)(const void *)p;
    for (size_t i = 0; i < n / sizeof *w; i += 8)
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] |
            w[i + 6] | w[i + 7])
            return false;
    return true;
}

/* Page states for scrub(): what a page of a released block holds. */
enum { PG_ABSENT, PG_RESIDENT, PG_SWAPPED };

/* Whether a page mincore calls absent may hold data: only if it is in
 * swap. Asked after mincore: a page swapped out before it means swap was
 * on then, and still is unless a swapoff (which brings every page back,
 * reported resident by the next scrub) ran in between. */
static bool swap_possible(void)
{
#ifdef __linux__
    struct sysinfo si;
    return sysinfo(&si) != 0 || si.totalswap != 0;
#else
    return true;
#endif
}

/* Zeroes a block whose page states are st, keeping its resident pages
 * mapped. A page that is only read maps the kernel's zero page: it is
 * left as is, not written (which would give it a page of its own).
 * Absent pages are zero; those that may be in swap go to madvise by runs.
 * False on failure. */
static bool scrub(uint8_t *data, size_t n, size_t page,
                  const unsigned char *st)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (st[i] == PG_RESIDENT) {
            if (!page_is_zero(data + i * page, page))
                memset(data + i * page, 0, page);
        } else if (st[i] == PG_SWAPPED) {
            while (j < n && st[j] == PG_SWAPPED)
                j++;
            if (madvise(data + i * page, (j - i) * page, MADV_DONTNEED) != 0)
                return false;
        }
        i = j;
    }
    return true;
}

/* Blocks are scrubbed in batches: mincore tells which pages of a whole
 * run of neighbouring blocks are resident in one system call, so a
 * released block costs no system call of its own (reading
 * /proc/self/pagemap per block was half of what a spawn cost). */
#define SCRUB_SPAN_PAGES 4096u /* one mincore covers at most 16 MiB */
#define SCRUB_GAP_PAGES 128u

/* mincore over [a, a + n pages) into st as PG_* states. */
static bool page_states(uint8_t *a, size_t n, size_t page, bool swap,
                        unsigned char *st)
{
    if (mincore(a, n * page, st) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        st[i] = st[i] & 1 ? PG_RESIDENT : swap ? PG_SWAPPED : PG_ABSENT;
    return true;
}

/* Scrubs blocks[0..n), sorted by address, each `block` bytes; ok[i] says
 * whether blocks[i] is zero now (else it must go the madvise way). */
static void scrub_batch(const sched_linmem_t *lm, void **blocks, size_t n,
                        size_t block, bool *ok)
{
    static _Thread_local unsigned char st[SCRUB_SPAN_PAGES];
    size_t page = lm->page, per = block / page;
    bool swap = swap_possible();
    for (size_t i = 0; i < n;) {
        uint8_t *lo = blocks[i];
        size_t j = i + 1;
        /* A gap costs a few ns per page skipped, a call ~100 ns: join
         * blocks less than SCRUB_GAP_PAGES apart. */
        while (j < n &&
               (size_t)((uint8_t *)blocks[j] - lo) / page + per <=
                   SCRUB_SPAN_PAGES &&
               (size_t)((uint8_t *)blocks[j] - (uint8_t *)blocks[j - 1]) / page <=
                   per + SCRUB_GAP_PAGES)
            j++;
        size_t span = (size_t)((uint8_t *)blocks[j - 1] - lo) / page + per;
        /* A span crossing a hole between mappings fails: one at a time. */
        bool whole = page_states(lo, span, page, swap, st);
        for (size_t k = i; k < j; k++) {
            uint8_t *b = blocks[k];
            size_t at = (size_t)(b - lo) / page;
            if (whole)
                ok[k] = scrub(b, per, page, st + at);
            else
                ok[k] = page_states(b, per, page, swap, st) &&
                        scrub(b, per, page, st);
        }
        i = j;
    }
}

/* Each thread keeps blocks of its own: released ones wait in `pending`
 * until a batch is scrubbed together, then sit in `ready` for the next
 * spawn on this thread, still warm in its cache and without taking the
 * class lock (no lock shared by all workers on the spawn path). Ready
 * blocks that do not fit go to the class's hot list, the rest the dirty
 * way. Given back by sched__linmem_flush_local. */
#define LINMEM_PENDING 32u

static _Thread_local struct {
    const sched_linmem_t *owner; /* the runtime the blocks belong to */
    void *ready[LINMEM_CLASSES][LINMEM_LOCAL];
    unsigned n[LINMEM_CLASSES];
    void *pending[LINMEM_CLASSES][LINMEM_PENDING];
    unsigned npending[LINMEM_CLASSES];
} local;

static bool local_usable(const sched_linmem_t *lm)
{
    if (local.owner == NULL)
        local.owner = lm;
    return local.owner == lm;
}

static void give_dirty(linmem_class *c, void **blocks, size_t n);

/* Scrubs this thread's pending blocks of class k into ready, the hot list
 * or the dirty stack. */
static void settle(sched_linmem_t *lm, int k)
{
    linmem_class *c = &lm->classes[k];
    void **p = local.pending[k];
    size_t n = local.npending[k], nbad = 0, nhot = 0;
    bool ok[LINMEM_PENDING];
    local.npending[k] = 0;
    qsort(p, n, sizeof *p, by_address);
    scrub_batch(lm, p, n, c->block, ok);
    void *bad[LINMEM_PENDING], *hot[LINMEM_PENDING];
    for (size_t i = 0; i < n; i++) {
        if (!ok[i])
            bad[nbad++] = p[i];
        else if (local.n[k] < LINMEM_LOCAL)
            local.ready[k][local.n[k]++] = p[i];
        else
            hot[nhot++] = p[i];
    }
    if (nhot) {
        lun_mutex_lock(&c->lock);
        while (nhot && c->nhot < LINMEM_HOT)
            c->hot[c->nhot++] = hot[--nhot];
        lun_mutex_unlock(&c->lock);
    }
    memcpy(bad + nbad, hot, nhot * sizeof *hot); /* no room: madvise */
    give_dirty(c, bad, nbad + nhot);
}

/* A ready block; with settle, the pending ones are scrubbed first. */
static void *local_take(sched_linmem_t *lm, int k, bool settle_now)
{
    if (!local_usable(lm))
        return NULL;
    if (settle_now && local.n[k] == 0 && local.npending[k])
        settle(lm, k);
    return local.n[k] ? local.ready[k][--local.n[k]] : NULL;
}

static bool local_give(sched_linmem_t *lm, const linmem_class *c,
                       int k, void *data)
{
    if (c->block > LINMEM_HOT_MAX || !local_usable(lm))
        return false;
    local.pending[k][local.npending[k]++] = data;
    if (local.npending[k] == LINMEM_PENDING)
        settle(lm, k);
    return true;
}

/* Takes the dirty blocks out (under the lock), zeroes them (outside it),
 * and makes them clean. */
static void flush_dirty(linmem_class *c)
{
    void *batch[LINMEM_BATCH * 2];
    lun_mutex_lock(&c->lock);
    size_t n = c->ndirty < LINMEM_BATCH * 2 ? c->ndirty : LINMEM_BATCH * 2;
    c->ndirty -= n;
    memcpy(batch, c->dirty + c->ndirty, n * sizeof *batch);
    lun_mutex_unlock(&c->lock);
    if (n == 0) return;
    zero_batch(batch, n, c->block);
    lun_mutex_lock(&c->lock);
    for (size_t i = 0; i < n; i++)
        if (!push(&c->clean, &c->nclean, &c->cap_clean, batch[i])) break;
    lun_mutex_unlock(&c->lock);
}

/* Puts blocks on the dirty stack; a full batch is zeroed at once. */
static void give_dirty(linmem_class *c, void **blocks, size_t n)
{
    size_t i = 0;
    if (n == 0) return;
    lun_mutex_lock(&c->lock);
    while (i < n && push(&c->dirty, &c->ndirty, &c->cap_dirty, blocks[i]))
        i++;
    bool full = c->ndirty >= LINMEM_BATCH;
    lun_mutex_unlock(&c->lock);
    if (i < n) /* no room to remember them: zero now, out of the pool */
        zero_batch(blocks + i, n - i, c->block);
    if (full) flush_dirty(c);
}

/* }===== */
/* {===== large memories
 *
 * Past the largest class (8 MiB) a memory has a mapping of its own.
 * Giving it a new mapping and a copy on every memory.grow made growing
 * page by page quadratic (46 s to reach 32 MiB). So a large mapping's
 * capacity grows geometrically: a grow past it asks for twice the old
 * capacity (never past the 4 GiB a wasm32 memory can reach). The bytes
 * past the memory's size are untouched MAP_NORESERVE address space: no
 * RSS, and zero, since the VM never writes them. On Linux mremap extends
 * the mapping in place when the addresses after it are free, and else
 * moves its page tables, not its bytes; elsewhere it is a new mapping and
 * one copy. Either way a memory of n bytes moves O(log n) times, O(n)
 * bytes in all. The base may move: the VM reloads it after every grow.
 * Why not reserve up to the memory's maximum (PROT_NONE, then mprotect)
 * so that it never moves: the provider is not told the maximum, which is
 * 4 GiB for most modules, and 47 bits of address space hold only 32k such
 * reservations. Here only memories past 8 MiB reserve anything, and at
 * most twice their size. */

#define LINMEM_LARGE_MAX ((uint64_t)65536 * 65536) /* 65536 wasm pages */

static void *own_mapping(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static bool is_large(size_t cap)
{
    return class_of(cap) < 0;
}

/* The capacity a large memory of cap bytes grows to when it needs bytes:
 * twice cap (within what wasm32 and the host's size_t can hold), or bytes
 * when a single grow asks for more. */
static size_t large_cap(size_t cap, size_t bytes)
{
    uint64_t limit = LINMEM_LARGE_MAX < SIZE_MAX ? LINMEM_LARGE_MAX
                                                 : SIZE_MAX & ~(uint64_t)0xffff;
    uint64_t want = (uint64_t)cap * 2;
    if (want > limit) want = limit;
    return want > bytes ? (size_t)want : bytes;
}

/* The mapping of cap bytes at data, of which the first used bytes matter,
 * made new_cap bytes long. NULL on failure, with the old one intact.
 * LINMEM_FORCE_COPY: the other systems' way, for its test on Linux. */
static void *resize_mapping(void *data, size_t used, size_t cap,
                            size_t new_cap)
{
#if defined(__linux__) && !defined(LINMEM_FORCE_COPY)
    (void)used;
    void *p = mremap(data, cap, new_cap, MREMAP_MAYMOVE);
    return p == MAP_FAILED ? NULL : p;
#else
    void *p = own_mapping(new_cap);
    if (p == NULL) return NULL;
    memcpy(p, data, used);
    munmap(data, cap);
    return p;
#endif
}

/* Grows a large memory to at least bytes. If twice its capacity cannot
 * be had (address space, RLIMIT_AS), just what is asked. */
static void *grow_large(void *data, size_t used, size_t cap, size_t bytes,
                        size_t *out_cap)
{
    size_t want = large_cap(cap, bytes);
    void *p = resize_mapping(data, used, cap, want);
    if (p == NULL && want > bytes) {
        want = bytes;
        p = resize_mapping(data, used, cap, want);
    }
    if (p != NULL) *out_cap = want;
    return p;
}

/* A small memory leaving the classes: its first large mapping, twice the
 * largest class unless the grow asks for more. */
static void *first_large(size_t bytes, size_t *out_cap)
{
    size_t want = large_cap(LINMEM_CLASS_MAX, bytes);
    void *p = own_mapping(want);
    if (p == NULL && want > bytes) p = own_mapping(want = bytes);
    if (p != NULL) *out_cap = want;
    return p;
}

/* }===== */
/* {===== the provider */

/* A hot or clean block without mapping or zeroing anything; NULL if none. */
static void *shared_take(linmem_class *c)
{
    void *p = NULL;
    lun_mutex_lock(&c->lock);
    if (c->nhot)
        p = c->hot[--c->nhot];
    else if (c->nclean)
        p = c->clean[--c->nclean];
    lun_mutex_unlock(&c->lock);
    return p;
}

/* In order: this thread's ready blocks, the hot and clean ones, this
 * thread's pending ones (scrubbed now: better wait for a full batch, so
 * they come last), then zeroed dirty ones, then a new chunk. */
static void *linmem_alloc(void *ud, size_t bytes, size_t *out_cap)
{
    sched_linmem_t *lm = ud;
    int k = class_of(bytes);
    if (k < 0) {
        *out_cap = bytes;
        return own_mapping(bytes);
    }
    linmem_class *c = &lm->classes[k];
    void *p = local_take(lm, k, false);
    if (!p) p = shared_take(c);
    if (!p) p = local_take(lm, k, true);
    for (int attempt = 0; attempt < 2 && !p; attempt++) {
        lun_mutex_lock(&c->lock);
        if (c->nclean == 0 && (c->ndirty == 0 || attempt == 1)) map_chunk(c);
        if (c->nclean) p = c->clean[--c->nclean];
        bool flush = !p && c->ndirty;
        lun_mutex_unlock(&c->lock);
        if (flush) flush_dirty(c);
    }
    *out_cap = c->block;
    return p;
}

static void linmem_release(void *ud, void *data, size_t cap)
{
    sched_linmem_t *lm = ud;
    int k = class_of(cap);
    if (k < 0 || ((size_t)1 << (LINMEM_MIN_SHIFT + k)) != cap) {
        munmap(data, cap);
        return;
    }
    linmem_class *c = &lm->classes[k];
    if (!local_give(lm, c, k, data))
        give_dirty(c, &data, 1);
}

/* Memories never shrink, and the VM never writes past a memory's size, so
 * growing within the block is free: those bytes are still zero. Small
 * blocks double from class to class; large ones see above. */
static void *linmem_grow(void *ud, void *data, size_t old_bytes, size_t cap,
                         size_t new_bytes, size_t *out_cap)
{
    if (new_bytes <= cap) {
        *out_cap = cap;
        return data;
    }
    if (is_large(cap))
        return grow_large(data, old_bytes, cap, new_bytes, out_cap);
    void *n = class_of(new_bytes) >= 0 ? linmem_alloc(ud, new_bytes, out_cap)
                                       : first_large(new_bytes, out_cap);
    if (!n) return NULL;
    if (data == NULL) /* a memory of 0 pages has no block yet */
        return n;
    memcpy(n, data, old_bytes);
    linmem_release(ud, data, cap);
    return n;
}

sched_linmem_t *sched__linmem_new(void)
{
    sched_linmem_t *lm = calloc(1, sizeof *lm);
    if (!lm) return NULL;
    long pg = sysconf(_SC_PAGESIZE);
    lm->page = pg >= 4096 ? (size_t)pg : 4096;
    for (unsigned k = 0; k < LINMEM_CLASSES; k++) {
        lun_mutex_init(&lm->classes[k].lock);
        lm->classes[k].block = (size_t)1 << (LINMEM_MIN_SHIFT + k);
    }
    lm->provider = (vm_mem_provider){linmem_alloc, linmem_grow, linmem_release, lm};
    return lm;
}

const vm_mem_provider *sched__linmem_provider(sched_linmem_t *lm)
{
    return &lm->provider;
}

void sched__linmem_flush_local(sched_linmem_t *lm)
{
    if (local.owner != lm)
        return;
    for (unsigned k = 0; k < LINMEM_CLASSES; k++) {
        linmem_class *c = &lm->classes[k];
        if (local.npending[k])
            settle(lm, (int)k);
        lun_mutex_lock(&c->lock);
        while (local.n[k]) {
            void *b = local.ready[k][--local.n[k]];
            /* scrubbed already */
            if (c->nhot < LINMEM_HOT)
                c->hot[c->nhot++] = b;
            else if (!push(&c->dirty, &c->ndirty, &c->cap_dirty, b))
                zero_batch(&b, 1, c->block);
        }
        lun_mutex_unlock(&c->lock);
    }
    local.owner = NULL;
}

/* Unmaps everything: only when no process is left to use a block. */
void sched__linmem_free(sched_linmem_t *lm)
{
    if (!lm) return;
    if (local.owner == lm) { /* its blocks go with the mappings */
        memset(local.n, 0, sizeof local.n);
        memset(local.npending, 0, sizeof local.npending);
        local.owner = NULL;
    }
    for (unsigned k = 0; k < LINMEM_CLASSES; k++) {
        linmem_class *c = &lm->classes[k];
        for (size_t i = 0; i < c->nchunks; i++) munmap(c->chunks[i], c->chunk_bytes);
        free(c->chunks);
        free(c->clean);
        free(c->dirty);
        lun_mutex_destroy(&c->lock);
    }
    free(lm);
}

/* }===== */
