/* test_lun_pool.c: the small-block pool (common/lun_pool.h): blocks come
 * back zeroed, whatever their last user wrote; a thread keeps at most
 * LUN_POOL_LOCAL per class and the depot at most LUN_POOL_DEPOT batches,
 * the rest goes back to free(); blocks freed on one thread reach another
 * through the depot; a thread that did not opt in keeps nothing. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_pool.h"

static void fini(void)
{
    lun_pool_thread_end();
    lun_pool_trim();
}

TestSuite(lun_pool, .fini = fini, .timeout = 30);

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

Test(lun_pool, block_sizes_cover_the_request_and_fit_malloc_chunks)
{
    for (size_t n = 1; n <= LUN_POOL_MAX_SIZE; n++) {
        size_t b = lun_pool_block_size(n);
        cr_assert(ge(sz, b, n));
        cr_assert(lt(sz, b, n + 32), "n %zu block %zu", n, b);
        cr_assert(eq(sz, (b + 8) % 16, 0), "n %zu block %zu", n, b);
    }
    cr_expect(eq(sz, lun_pool_block_size(LUN_POOL_MAX_SIZE + 1),
                 LUN_POOL_MAX_SIZE + 1));
}

Test(lun_pool, reused_blocks_come_back_zeroed)
{
    enum { N = 100, SIZE = 536 };
    void *b[N];
    lun_pool_stats_t st;
    lun_pool_thread_begin();
    for (int i = 0; i < N; i++) {
        b[i] = lun_pool_calloc(SIZE);
        cr_assert(b[i] != NULL);
        cr_assert(all_zero(b[i], SIZE));
        memset(b[i], 0xA5, SIZE); /* what a process leaves behind */
    }
    for (int i = 0; i < N; i++)
        lun_pool_free(b[i], SIZE);
    lun_pool_stats(&st);
    uint64_t hits0 = st.hits;
    /* A request of another size in the same class gets the same blocks. */
    for (int i = 0; i < N; i++) {
        b[i] = lun_pool_calloc(SIZE - 5);
        cr_assert(b[i] != NULL);
        cr_assert(all_zero(b[i], lun_pool_block_size(SIZE)), "block %d", i);
    }
    lun_pool_stats(&st);
    cr_expect(eq(u64, st.hits - hits0, N), "all %d reused", N);
    for (int i = 0; i < N; i++)
        lun_pool_free(b[i], SIZE - 5);
    /* lun_pool_malloc takes from the same lists (contents unspecified). */
    void *m = lun_pool_malloc(SIZE);
    cr_assert(m != NULL);
    lun_pool_stats(&st);
    cr_expect(eq(u64, st.hits - hits0, N + 1));
    lun_pool_free(m, SIZE);
}

Test(lun_pool, what_is_kept_is_bounded)
{
    enum { N = 5000, SIZE = 100 };
    void **b = malloc(N * sizeof *b);
    lun_pool_stats_t st;
    lun_pool_thread_begin();
    for (int i = 0; i < N; i++) {
        b[i] = lun_pool_calloc(SIZE);
        cr_assert(b[i] != NULL);
    }
    for (int i = 0; i < N; i++)
        lun_pool_free(b[i], SIZE);
    lun_pool_stats(&st);
    cr_expect(le(u64, st.local_blocks, LUN_POOL_LOCAL));
    cr_expect(le(u64, st.depot_blocks, LUN_POOL_DEPOT * LUN_POOL_BATCH));
    cr_expect(gt(u64, st.depot_blocks, 0));
    lun_pool_thread_end();
    lun_pool_stats(&st);
    cr_expect(eq(u64, st.local_blocks, 0));
    lun_pool_trim();
    lun_pool_stats(&st);
    cr_expect(eq(u64, st.depot_blocks, 0));
    free(b);
}

Test(lun_pool, a_thread_that_did_not_opt_in_keeps_nothing)
{
    lun_pool_stats_t st;
    void *p = lun_pool_calloc(64);
    cr_assert(p != NULL);
    lun_pool_free(p, 64);
    lun_pool_stats(&st);
    cr_expect(eq(u64, st.local_blocks, 0));
    cr_expect(eq(u64, st.hits + st.misses, 0));
}

/* The spawner's side: one thread allocates, another frees (children die
 * on another worker); the allocating thread gets the blocks back. */
enum { XN = 1000, XSIZE = 300 };
static void *xblocks[XN];

static void *free_all(void *arg)
{
    (void)arg;
    lun_pool_thread_begin();
    for (int i = 0; i < XN; i++)
        lun_pool_free(xblocks[i], XSIZE);
    lun_pool_thread_end(); /* its local blocks go to the depot */
    return NULL;
}

Test(lun_pool, blocks_freed_on_another_thread_come_back_through_the_depot)
{
    pthread_t t;
    lun_pool_stats_t st;
    lun_pool_thread_begin();
    for (int i = 0; i < XN; i++) {
        xblocks[i] = lun_pool_calloc(XSIZE);
        cr_assert(xblocks[i] != NULL);
    }
    cr_assert(eq(int, pthread_create(&t, NULL, free_all, NULL), 0));
    pthread_join(t, NULL);
    lun_pool_stats(&st);
    uint64_t hits0 = st.hits;
    cr_expect(gt(u64, st.depot_blocks, 0));
    for (int i = 0; i < XN; i++) {
        xblocks[i] = lun_pool_calloc(XSIZE);
        cr_assert(xblocks[i] != NULL);
    }
    lun_pool_stats(&st);
    cr_expect(ge(u64, st.hits - hits0, LUN_POOL_BATCH),
              "reused %llu", (unsigned long long)(st.hits - hits0));
    for (int i = 0; i < XN; i++)
        lun_pool_free(xblocks[i], XSIZE);
}
