/* test_bulk.c: unit tests of vm/bulk.c, the byte moves behind memory.copy
 * and memory.fill: every length up to past the wide path's limit, overlap
 * both ways, nothing written outside the range, and no fault when the range
 * ends at the last byte before an unmapped page (the masked loads and stores
 * of the short path reach past it, with those lanes masked off). On a CPU
 * without the wide path these test the C library's path, which is what runs
 * there. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm/vm_int.h"

TestSuite(vm_bulk, .timeout = 30);

#define LIMIT (VM_WIDE_BULK_MAX + 40)
#define AREA (3 * LIMIT)

static void pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 7 + 3);
}

/* The reference: a byte-at-a-time memmove. */
static void slow_move(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (dst < src)
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
    else
        for (size_t i = n; i-- > 0;) dst[i] = src[i];
}

/* Copies n bytes from area + s to area + d, both ways, against the reference. */
static void check_copy(size_t n, size_t s, size_t d)
{
    static uint8_t got[AREA], want[AREA];
    pattern(got, AREA);
    pattern(want, AREA);
    vm__copy_bytes(got + d, got + s, n);
    slow_move(want + d, want + s, n);
    if (memcmp(got, want, AREA) != 0)
        cr_fatal("copy of %zu bytes from %zu to %zu differs", n, s, d);
}

Test(vm_bulk, copy_is_exact_for_every_length)
{
    for (size_t n = 1; n <= LIMIT; n++) {
        check_copy(n, 5, LIMIT + 9);     /* apart */
        check_copy(n, LIMIT + 9, 5);
        check_copy(n, 100, 100);         /* onto itself */
    }
}

Test(vm_bulk, copy_overlapping_moves_like_memmove)
{
    static const size_t shifts[] = {1, 2, 7, 31, 32, 33, 63, 64, 65, 100, 128, 200};
    for (size_t n = 1; n <= LIMIT; n++)
        for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++) {
            size_t s = 40, d = 40 + shifts[k];
            check_copy(n, s, d); /* forwards over its own source */
            check_copy(n, d, s); /* backwards */
        }
}

Test(vm_bulk, fill_is_exact_for_every_length)
{
    static uint8_t got[AREA], want[AREA];
    for (size_t n = 1; n <= LIMIT; n++)
        for (size_t at = 0; at < 3; at++) {
            pattern(got, AREA);
            pattern(want, AREA);
            vm__fill_bytes(got + 17 + at, (uint8_t)(0xa0 + n), n);
            memset(want + 17 + at, (int)(uint8_t)(0xa0 + n), n);
            if (memcmp(got, want, AREA) != 0)
                cr_fatal("fill of %zu bytes at %zu differs", n, 17 + at);
        }
}

/* A readable and writable page followed by an inaccessible one. */
static uint8_t *page_before_hole(size_t *page)
{
    *page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *p = mmap(NULL, 2 * *page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(not(eq(ptr, p, MAP_FAILED)));
    cr_assert(eq(int, mprotect(p + *page, *page, PROT_NONE), 0));
    return p;
}

Test(vm_bulk, ranges_ending_at_an_unmapped_page_do_not_fault)
{
    size_t page;
    uint8_t *p = page_before_hole(&page);
    uint8_t *end = p + page;
    for (size_t n = 1; n <= LIMIT; n++) {
        pattern(p, page);
        vm__copy_bytes(end - n, p, n); /* the destination touches the hole */
        cr_assert(eq(u8, end[-1], (uint8_t)((n - 1) * 7 + 3)));
        vm__copy_bytes(p + 1000, end - n, n); /* the source does */
        cr_assert(eq(u8, p[1000], end[-(ptrdiff_t)n]));
        vm__fill_bytes(end - n, 0x5a, n);
        cr_assert(eq(u8, end[-1], 0x5a));
        cr_assert(eq(u8, end[-(ptrdiff_t)n], 0x5a));
    }
    munmap(p, 2 * page);
}
