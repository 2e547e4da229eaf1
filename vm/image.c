/* image.c: a module's initial memory as one image, and memories made at
 * their first access.
 *
 * A runtime that spawns a process per request instantiates the same
 * module again and again. Applying its data segments one by one each
 * time is work that gives the same bytes every time: so at load the
 * segments are applied once, in order, into an image (the bytes from the
 * first non-zero one to the last), and an instance copies that.
 * With vm_config.lazy_memory the copy waits further: the memory is
 * "lazy", with no block and a visible size of 0, until the guest first
 * touches it. Every access is bounds-checked against that size, so the
 * first one traps; the interpreter's trap path sees the memory is lazy,
 * makes it (block + image) and runs the same instruction again
 * (exec.c). Instruction handlers check their bounds before any effect,
 * so running one again is exact. A host reaching the memory through
 * vm_memory_data makes it too. A process that waits without touching its
 * memory (most idle ones in an Erlang-style program) holds no block.
 * The image applies only when the segments' result cannot depend on the
 * instance: the memory is the module's own, every active segment has a
 * constant offset and fits the initial size. Otherwise instances apply
 * the segments as before (vm_config.no_image forces that path, to
 * compare the two).
 * The lazy memory itself is memory.c's (vm__memory_setup, _materialize).
 * Interface: vm_int.h (vm__image_*), vm.h. */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <string.h>

static bool image_applies(const vm_module_t *m)
{
    if (m->nmems == 0 || m->nmem_imports != 0) return false;
    uint64_t size = m->mems[0].min * (uint64_t)VM_PAGE_SIZE;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const vm_data *seg = &m->datas[i];
        if (seg->mode != VM_SEG_ACTIVE) continue;
        if (!seg->offset.is_const || seg->memory != 0 ||
            (uint64_t)seg->offset.value.u32 + seg->len > size)
            return false;
    }
    return true;
}

/* The first and last non-zero byte the segments leave, as [*lo, *hi). */
static void nonzero_extent(const vm_module_t *m, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const vm_data *seg = &m->datas[i];
        if (seg->mode != VM_SEG_ACTIVE || seg->len == 0) continue;
        uint64_t at = seg->offset.value.u32;
        if (at < *lo) *lo = at;
        if (at + seg->len > *hi) *hi = at + seg->len;
    }
}

bool vm__image_make(vm_module_t *m)
{
    m->has_image = image_applies(m);
    if (!m->has_image) return true;
    uint64_t lo, hi;
    nonzero_extent(m, &lo, &hi);
    if (hi == 0) return true; /* all zero: nothing to copy */
    uint8_t *img = vm__calloc(1, (size_t)(hi - lo));
    if (img == NULL) return false;
    for (uint32_t i = 0; i < m->ndatas; i++) { /* in order: later wins */
        const vm_data *seg = &m->datas[i];
        if (seg->mode == VM_SEG_ACTIVE && seg->len)
            memcpy(img + (seg->offset.value.u32 - lo), seg->bytes, seg->len);
    }
    /* Zeros at either end need no copy: the block is zero there. */
    size_t a = 0, b = (size_t)(hi - lo);
    while (a < b && img[a] == 0) a++;
    while (b > a && img[b - 1] == 0) b--;
    if (a == b) {
        vm__free(img);
        return true;
    }
    if (a > 0) memmove(img, img + a, b - a);
    m->image = img;
    m->image_at = (uint32_t)(lo + a);
    m->image_len = (uint32_t)(b - a);
    return true;
}

void vm__image_apply(const vm_module_t *m, uint8_t *data)
{
    if (m->image_len) memcpy(data + m->image_at, m->image, m->image_len);
}

/* Active segments are dropped by instantiation, as the 2.0 spec says;
 * the image holds their bytes. */
void vm__image_drop_segments(vm_instance_t *inst)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == VM_SEG_ACTIVE) vm__data_drop(inst, i);
}
