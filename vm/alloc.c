/* alloc.c: the one place vm/ gets memory from. Every allocation of vm/
 * (modules, compiled code, instances, host objects, stacks, and linear
 * memories without a vm_mem_provider) goes through the embedder's
 * vm_allocator, by default libc's; this is the only file that names
 * malloc, calloc, realloc or free (`make check-vm-alloc` verifies it). */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdlib.h>
#include <string.h>

/* The default: libc. */
static void *libc_realloc(void *ud, void *ptr, size_t old_size,
                          size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* Read on every allocation, from any thread; written only by
 * vm_set_allocator(), before the embedder makes any object. */
static vm_allocator current = {libc_realloc, NULL};

void vm_set_allocator(const vm_allocator *a)
{
    current.realloc = a != NULL ? a->realloc : libc_realloc;
    current.ud = a != NULL ? a->ud : NULL;
}

/* {===== blocks of a known size (linear memories) */

void *vm__block_alloc_zeroed(size_t n)
{
    void *p;
    /* libc's calloc hands back untouched zero pages for large blocks, so a
     * 16 MiB memory costs only the pages the guest writes. */
    if (current.realloc == libc_realloc) return calloc(1, n);
    if ((p = current.realloc(current.ud, NULL, 0, n)) != NULL) memset(p, 0, n);
    return p;
}

void *vm__block_grow_zeroed(void *p, size_t old_size, size_t new_size)
{
    uint8_t *np = current.realloc(current.ud, p, old_size, new_size);
    if (np != NULL && new_size > old_size)
        memset(np + old_size, 0, new_size - old_size);
    return np;
}

void vm__block_free(void *p, size_t size)
{
    if (p != NULL) current.realloc(current.ud, p, size, 0);
}

/* }===== */
/* {===== blocks that remember their size (everything else)
 *
 * The allocator is told each block's size when it is grown or freed (an
 * arena needs it); rather than carry sizes through every structure of the
 * interpreter, each block starts with a header holding its size. */

typedef union block_header {
    size_t size;
    max_align_t align; /* keeps the caller's part aligned for any type */
} block_header;

void *vm__malloc(size_t n)
{
    block_header *h;
    if (n > SIZE_MAX - sizeof *h) return NULL;
    h = current.realloc(current.ud, NULL, 0, sizeof *h + n);
    if (h == NULL) return NULL;
    h->size = sizeof *h + n;
    return h + 1;
}

void *vm__calloc(size_t count, size_t elem)
{
    void *p;
    if (elem != 0 && count > (SIZE_MAX - sizeof(block_header)) / elem)
        return NULL;
    if ((p = vm__malloc(count * elem)) != NULL) memset(p, 0, count * elem);
    return p;
}

void *vm__realloc(void *p, size_t n)
{
    block_header *h, *nh;
    if (p == NULL) return vm__malloc(n);
    if (n > SIZE_MAX - sizeof *h) return NULL;
    h = (block_header *)p - 1;
    nh = current.realloc(current.ud, h, h->size, sizeof *h + n);
    if (nh == NULL) return NULL; /* the old block is still valid */
    nh->size = sizeof *nh + n;
    return nh + 1;
}

size_t vm__held(const void *p)
{
    if (p == NULL) return 0;
    return ((const block_header *)p - 1)->size;
}

void vm__free(void *p)
{
    block_header *h;
    if (p == NULL) return;
    h = (block_header *)p - 1;
    current.realloc(current.ud, h, h->size, 0);
}

/* }===== */
