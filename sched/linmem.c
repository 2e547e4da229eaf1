/* linmem.c: the linear memories of processes (a vm_mem_provider).
 *
 * Spawning a process must not cost a fresh mapping, nor zeroing a whole
 * 128 KiB memory of which the guest touches two or three pages. Blocks of
 * power-of-two sizes are carved from large lazily committed mappings and
 * recycled: a released block is "dirty" until a batch of them is handed
 * to madvise(MADV_DONTNEED), after which the kernel gives back zero pages
 * on the next touch, and only for pages touched. One batch costs a few
 * syscalls (adjacent blocks coalesce) for many processes.
 * Interface: sched_int.h (sched__linmem_*).
 */
#include "common/lun_prefix.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sched/sched_int.h"

#define LINMEM_MIN_SHIFT 16u  /* 64 KiB: one wasm page */
#define LINMEM_CLASSES 8u     /* 64 KiB .. 8 MiB; larger: own mapping */
#define LINMEM_BATCH 64u      /* dirty blocks zeroed together */
#define LINMEM_CHUNK (8u << 20) /* at least this much mapped at a time */

typedef struct linmem_class {
    pthread_mutex_t lock;
    size_t block;          /* bytes per block */
    void **clean, **dirty; /* stacks of block pointers */
    size_t nclean, ndirty, cap_clean, cap_dirty;
    void **chunks;         /* mappings, each chunk_bytes long */
    size_t nchunks, cap_chunks, chunk_bytes;
} linmem_class;

struct sched_linmem {
    vm_mem_provider provider;
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

/* Takes the dirty blocks out (under the lock), zeroes them (outside it),
 * and makes them clean. */
static void flush_dirty(linmem_class *c)
{
    void *batch[LINMEM_BATCH * 2];
    pthread_mutex_lock(&c->lock);
    size_t n = c->ndirty < LINMEM_BATCH * 2 ? c->ndirty : LINMEM_BATCH * 2;
    c->ndirty -= n;
    memcpy(batch, c->dirty + c->ndirty, n * sizeof *batch);
    pthread_mutex_unlock(&c->lock);
    if (n == 0) return;
    zero_batch(batch, n, c->block);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < n; i++)
        if (!push(&c->clean, &c->nclean, &c->cap_clean, batch[i])) break;
    pthread_mutex_unlock(&c->lock);
}

/* }===== */
/* {===== the provider */

static void *own_mapping(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *linmem_alloc(void *ud, size_t bytes, size_t *out_cap)
{
    sched_linmem_t *lm = ud;
    int k = class_of(bytes);
    if (k < 0) {
        *out_cap = bytes;
        return own_mapping(bytes);
    }
    linmem_class *c = &lm->classes[k];
    void *p = NULL;
    for (int attempt = 0; attempt < 2 && !p; attempt++) {
        pthread_mutex_lock(&c->lock);
        if (c->nclean == 0 && (c->ndirty == 0 || attempt == 1)) map_chunk(c);
        if (c->nclean) p = c->clean[--c->nclean];
        bool flush = !p && c->ndirty;
        pthread_mutex_unlock(&c->lock);
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
    pthread_mutex_lock(&c->lock);
    bool ok = push(&c->dirty, &c->ndirty, &c->cap_dirty, data);
    bool full = c->ndirty >= LINMEM_BATCH;
    pthread_mutex_unlock(&c->lock);
    if (!ok) zero_batch(&data, 1, cap); /* keep it out of the pool: leak-free */
    if (full) flush_dirty(c);
}

/* Memories never shrink, and the VM never writes past a memory's size, so
 * growing within the block is free: those bytes are still zero. */
static void *linmem_grow(void *ud, void *data, size_t old_bytes, size_t cap,
                         size_t new_bytes, size_t *out_cap)
{
    if (new_bytes <= cap) {
        *out_cap = cap;
        return data;
    }
    void *n = linmem_alloc(ud, new_bytes, out_cap);
    if (!n) return NULL;
    memcpy(n, data, old_bytes);
    linmem_release(ud, data, cap);
    return n;
}

sched_linmem_t *sched__linmem_new(void)
{
    sched_linmem_t *lm = calloc(1, sizeof *lm);
    if (!lm) return NULL;
    for (unsigned k = 0; k < LINMEM_CLASSES; k++) {
        pthread_mutex_init(&lm->classes[k].lock, NULL);
        lm->classes[k].block = (size_t)1 << (LINMEM_MIN_SHIFT + k);
    }
    lm->provider = (vm_mem_provider){linmem_alloc, linmem_grow, linmem_release, lm};
    return lm;
}

const vm_mem_provider *sched__linmem_provider(sched_linmem_t *lm)
{
    return &lm->provider;
}

/* Unmaps everything: only when no process is left to use a block. */
void sched__linmem_free(sched_linmem_t *lm)
{
    if (!lm) return;
    for (unsigned k = 0; k < LINMEM_CLASSES; k++) {
        linmem_class *c = &lm->classes[k];
        for (size_t i = 0; i < c->nchunks; i++) munmap(c->chunks[i], c->chunk_bytes);
        free(c->chunks);
        free(c->clean);
        free(c->dirty);
        pthread_mutex_destroy(&c->lock);
    }
    free(lm);
}

/* }===== */
