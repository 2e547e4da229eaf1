/* lun_pool.h: small blocks kept for reuse per thread, so that making and
 * ending a process (its struct, instance, execution, WASI context) costs
 * no malloc, no free and no lock in the common case.
 *
 * Blocks are sized: the caller passes the same size to lun_pool_free that
 * it asked for (each size maps to a class; a class's blocks are all
 * malloc'd at the class size, so any block of a class serves any request
 * of it). Only threads that called lun_pool_thread_begin keep blocks;
 * on any other thread these are plain calloc and free.
 *
 * A thread keeps at most LUN_POOL_LOCAL blocks per class. Past that, a
 * batch of LUN_POOL_BATCH goes to a depot shared by all threads, and a
 * thread that runs out takes a batch from there: a spawner on one worker
 * and its children dying on another exchange blocks one batch at a time
 * (one short spin lock per batch, not per block). The depot holds at most
 * LUN_POOL_DEPOT batches per class; beyond, blocks go back to free(). */
#ifndef LUN_POOL_H
#define LUN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Blocks up to this size are pooled; bigger ones are always malloc'd. */
#define LUN_POOL_MAX_SIZE 2040u
#define LUN_POOL_BATCH 32u
#define LUN_POOL_LOCAL (2u * LUN_POOL_BATCH)
#define LUN_POOL_DEPOT 64u

/* A zeroed block of n bytes (NULL: out of memory), as calloc(1, n). */
void *lun_pool_calloc(size_t n);
/* The same, its contents unspecified (as malloc: what the block's last
 * user left there; the caller must fill it before reading). */
void *lun_pool_malloc(size_t n);
/* p came from lun_pool_calloc(n) or lun_pool_malloc(n) (same n), or is
 * NULL. */
void lun_pool_free(void *p, size_t n);

/* The calling thread starts keeping blocks (a scheduler worker). */
void lun_pool_thread_begin(void);
/* The calling thread's blocks go to the depot (or free) and it stops
 * keeping any: call before it ends. */
void lun_pool_thread_end(void);
/* Free every block of the depot (at a runtime's end; other threads may
 * still use the pool afterwards). */
void lun_pool_trim(void);

/* For tests and the footprint: blocks kept by the calling thread, and by
 * the depot, over all classes. */
typedef struct lun_pool_stats {
    uint64_t local_blocks, depot_blocks;
    uint64_t hits, misses; /* this thread's allocations: reused or new */
} lun_pool_stats_t;
void lun_pool_stats(lun_pool_stats_t *out);

/* The size a block of n bytes really takes from malloc (its class). */
size_t lun_pool_block_size(size_t n);

#endif
