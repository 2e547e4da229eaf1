/* pool_alloc.c: vm/'s allocator while the runtime runs. Instances,
 * executions and their stacks are made and freed with every process, so
 * blocks up to LUN_POOL_MAX_SIZE come from the calling worker's pool
 * (common/lun_pool.h): a spawn reuses what an ended process gave back
 * without malloc, free or a lock. vm/ itself keeps libc as its default
 * (an embedder gets no thread-local caches); the `lunatic` command
 * installs this one before making any vm object.
 * Interface: sched.h (sched_use_pool_allocator). */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "common/lun_pool.h"
#include "sched/sched.h"
#include "vm/vm.h"

/* A block's class is known from its size, so a realloc within one class
 * keeps the block. */
static void *pool_realloc(void *ud, void *ptr, size_t old_size,
                          size_t new_size)
{
    (void)ud;
    if (new_size == 0) {
        lun_pool_free(ptr, old_size);
        return NULL;
    }
    if (ptr == NULL)
        return lun_pool_malloc(new_size); /* vm/ zeroes what it must */
    if (old_size > LUN_POOL_MAX_SIZE && new_size > LUN_POOL_MAX_SIZE)
        return realloc(ptr, new_size);
    if (lun_pool_block_size(old_size) == lun_pool_block_size(new_size))
        return ptr;
    void *np = lun_pool_malloc(new_size);
    if (np == NULL) return NULL;
    memcpy(np, ptr, old_size < new_size ? old_size : new_size);
    lun_pool_free(ptr, old_size);
    return np;
}

void sched_use_pool_allocator(void)
{
    static const vm_allocator pooled = {pool_realloc, NULL};
    vm_set_allocator(&pooled);
}
