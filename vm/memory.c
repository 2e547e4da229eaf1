/* memory.c: linear memories: host-made and instance-owned memories, and the
 * slow paths of memory.grow, memory.init/copy/fill and data.drop.
 * Interface: vm.h (vm_memory_*), vm_int.h (vm__memory_*). */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdint.h>
#include <string.h>

/* The page limit a grow may reach: the memory's own max, never past the
 * configured cap (0 means the default), never past 4 GiB. */
static uint64_t grow_limit(const struct vm_memory *mem, uint32_t cap)
{
    uint64_t limit = (cap == 0 || cap > VM_MAX_PAGES) ? VM_MAX_PAGES : cap;
    if (mem->has_max && mem->max_pages < limit) limit = mem->max_pages;
    return limit;
}

int32_t vm__memory_grow(struct vm_memory *mem, uint32_t delta,
                        uint32_t max_pages)
{
    uint32_t old = mem->pages;
    if (delta == 0) return (int32_t)old;
    if (!vm__memory_materialize(mem)) return -1;
    uint64_t pages = (uint64_t)old + delta;
    if (pages > grow_limit(mem, max_pages)) return -1;
    uint64_t bytes = pages * VM_PAGE_SIZE;
    if (bytes > SIZE_MAX) return -1; /* 32-bit hosts cannot hold 4 GiB */
    /* The data may move: the interpreter reloads its base after every
     * grow. Only the new pages are zeroed, so only they get touched. */
    uint8_t *data;
    if (mem->provider) {
        const vm_mem_provider *pv = mem->provider;
        data = pv->grow(pv->ud, mem->data, (size_t)mem->size, mem->cap,
                        (size_t)bytes, &mem->cap);
        if (data == NULL) return -1;
    } else {
        data = vm__block_grow_zeroed(mem->data, (size_t)mem->size,
                                     (size_t)bytes);
        if (data == NULL) return -1; /* the spec allows grow to fail anyway */
    }
    mem->data = data;
    mem->size = bytes;
    mem->pages = (uint32_t)pages;
    return (int32_t)old;
}

/* 2.0 semantics: all bounds are checked before any byte is written, in
 * 64-bit arithmetic so that offset + n cannot wrap. */
vm_trap_kind vm__memory_init(vm_instance_t *inst, uint32_t dataidx,
                             uint32_t dst, uint32_t src, uint32_t n)
{
    const vm_data *seg = &inst->module->datas[dataidx];
    uint64_t seg_len = inst->data_dropped[dataidx] ? 0 : seg->len;
    struct vm_memory *mem = inst->mem0;
    /* Instantiation writes segments into an imported memory that may be
     * lazy still (image.c). */
    if (!vm__memory_materialize(mem)) return VM_TRAP_OUT_OF_MEMORY;
    if ((uint64_t)src + n > seg_len || (uint64_t)dst + n > mem->size)
        return VM_TRAP_MEM_OOB;
    if (n) memcpy(mem->data + dst, seg->bytes + src, n);
    return VM_TRAP_NONE;
}

void vm__data_drop(vm_instance_t *inst, uint32_t dataidx)
{
    inst->data_dropped[dataidx] = 1;
}

vm_trap_kind vm__memory_copy(struct vm_memory *mem, uint32_t dst, uint32_t src,
                             uint32_t n)
{
    if (!vm__memory_materialize(mem)) return VM_TRAP_OUT_OF_MEMORY;
    if ((uint64_t)src + n > mem->size || (uint64_t)dst + n > mem->size)
        return VM_TRAP_MEM_OOB;
    if (n) vm__copy_bytes(mem->data + dst, mem->data + src, n); /* may overlap */
    return VM_TRAP_NONE;
}

vm_trap_kind vm__memory_fill(struct vm_memory *mem, uint32_t dst, uint8_t val,
                             uint32_t n)
{
    if (!vm__memory_materialize(mem)) return VM_TRAP_OUT_OF_MEMORY;
    if ((uint64_t)dst + n > mem->size) return VM_TRAP_MEM_OOB;
    if (n) vm__fill_bytes(mem->data + dst, val, n);
    return VM_TRAP_NONE;
}

/* A zeroed block of `bytes` for mem: from its provider, or
 * vm__block_alloc_zeroed when it has none. NULL: out of memory. */
static uint8_t *new_block(struct vm_memory *mem, size_t bytes)
{
    const vm_mem_provider *pv = mem->provider;
    if (pv) return pv->alloc(pv->ud, bytes, &mem->cap);
    mem->cap = 0;
    return vm__block_alloc_zeroed(bytes);
}

/* Sets up *mem with `pages` zeroed pages; a 0-page memory has no data.
 * Shared by vm_memory_new() and instantiation (which passes its config's
 * provider; NULL means vm__block_alloc_zeroed). With lazy_of, no block
 * yet: the memory starts as that module's image, made at its first
 * access (vm__memory_materialize). Returns 0 or LUN_ENOMEM. */
int vm__memory_setup(struct vm_memory *mem, uint32_t pages,
                     uint32_t max_pages, bool has_max,
                     const struct vm_module *lazy_of)
{
    uint64_t bytes = (uint64_t)pages * VM_PAGE_SIZE;
    mem->data = NULL;
    mem->cap = 0;
    mem->lazy = lazy_of != NULL && bytes > 0;
    mem->image_of = mem->lazy ? lazy_of : NULL;
    if (bytes > SIZE_MAX) return LUN_ENOMEM;
    if (bytes && !mem->lazy && (mem->data = new_block(mem, (size_t)bytes)) == NULL)
        return LUN_ENOMEM;
    mem->size = mem->lazy ? 0 : bytes; /* 0: the first access traps */
    mem->pages = pages;
    mem->max_pages = max_pages;
    mem->has_max = has_max;
    return 0;
}

bool vm__memory_materialize(struct vm_memory *mem)
{
    if (!mem->lazy) return true;
    uint64_t bytes = (uint64_t)mem->pages * VM_PAGE_SIZE;
    uint8_t *data = new_block(mem, (size_t)bytes);
    if (data == NULL) return false;
    vm__image_apply(mem->image_of, data);
    mem->data = data;
    mem->size = bytes;
    mem->lazy = false;
    mem->image_of = NULL;
    return true;
}

vm_memory_t *vm_memory_new(uint32_t min_pages, uint32_t max_pages,
                           bool has_max)
{
    if (min_pages > VM_MAX_PAGES || (has_max && max_pages < min_pages))
        return NULL;
    if (has_max && max_pages > VM_MAX_PAGES) max_pages = VM_MAX_PAGES;
    vm_memory_t *mem = vm__calloc(1, sizeof *mem); /* no provider: the allocator */
    if (mem == NULL) return NULL;
    if (vm__memory_setup(mem, min_pages, has_max ? max_pages : 0, has_max,
                         NULL)) {
        vm__free(mem);
        return NULL;
    }
    return mem;
}

void vm__memory_release(struct vm_memory *mem)
{
    if (mem->provider && mem->data)
        mem->provider->release(mem->provider->ud, mem->data, mem->cap);
    else
        vm__block_free(mem->data, (size_t)mem->size);
    mem->data = NULL;
}

void vm_memory_free(vm_memory_t *mem)
{
    if (mem == NULL) return;
    vm__memory_release(mem);
    vm__free(mem);
}

/* A lazy memory is made here: the host is about to read or write it. */
uint8_t *vm_memory_data(const vm_memory_t *mem, uint64_t *out_size)
{
    struct vm_memory *m = (struct vm_memory *)mem;
    if (m->lazy && !vm__memory_materialize(m)) {
        if (out_size) *out_size = 0;
        return NULL;
    }
    if (out_size) *out_size = mem->size;
    return mem->data;
}

uint64_t vm_memory_size(const vm_memory_t *mem)
{
    return (uint64_t)mem->pages * VM_PAGE_SIZE;
}

const uint8_t *vm_memory_peek(const vm_memory_t *mem)
{
    return mem->lazy ? NULL : mem->data;
}

bool vm__bulk_chunks(vm_exec_t *ex, const union vm_op *pc, enum vm_bulk_kind kind,
                     uint8_t *mem, uint64_t dst, uint64_t arg, uint64_t n,
                     int64_t *reds)
{
    uint64_t done = ex->bulk_pc == pc ? ex->bulk_done : 0;
    /* Overlapping with the source above the destination: copy from the
     * end, so no chunk reads bytes an earlier one overwrote. */
    bool from_end = kind == VM_BULK_COPY && dst > arg;
    ex->bulk_pc = NULL;
    while (done < n) {
        if (*reds < 0) {
            ex->bulk_pc = pc;
            ex->bulk_done = done;
            return false;
        }
        uint64_t c = n - done < VM_BULK_CHUNK ? n - done : VM_BULK_CHUNK;
        uint64_t off = from_end ? n - done - c : done;
        if (kind == VM_BULK_COPY)
            vm__copy_bytes(mem + dst + off, mem + arg + off, (size_t)c);
        else
            vm__fill_bytes(mem + dst + off, (uint8_t)arg, (size_t)c);
        done += c;
        *reds -= (int64_t)(c / VM_BULK_BYTES_PER_RED);
    }
    return true;
}
