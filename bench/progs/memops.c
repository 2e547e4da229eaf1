/* memops: memcpy/memset/memmove-heavy work (large block fills and copies, overlapping
 * moves, many small copies). Here the three are hand-written byte loops; memops_bulk.c
 * builds the same work on libc's memcpy/memset/memmove (wasm: -mbulk-memory). */
#ifndef BENCH_NAME
#define BENCH_NAME "memops"
#endif
#include "bench.h"

#define BIG BENCH_SIZE(256u << 10, 64u << 10)
#ifndef MEMOPS_SCALE
#define MEMOPS_SCALE 1u
#endif
#define BIGREPS (BENCH_SIZE(600u, 20u) * MEMOPS_SCALE)
#define SMALLREPS (BENCH_SIZE(1500000u, 30000u) * MEMOPS_SCALE)

#ifdef USE_LIBC_MEM
#define COPY memcpy
#define FILL memset
#define MOVE memmove
#else
/* Keep the loops as loops: without this, gcc and clang recognise them and call memcpy. */
#if defined(__clang__)
#define BYTE_LOOP __attribute__((noinline, no_builtin("memcpy", "memset", "memmove")))
#else
#define BYTE_LOOP __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
#endif
BYTE_LOOP static void *COPY(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) d[i] = s[i];
    return dst;
}
BYTE_LOOP static void *FILL(void *dst, int v, size_t n) {
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) d[i] = (uint8_t)v;
    return dst;
}
BYTE_LOOP static void *MOVE(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s)
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    else
        for (size_t i = n; i > 0; i--) d[i - 1] = s[i - 1];
    return dst;
}
#endif

uint32_t bench_run(void) {
    uint8_t *a = malloc(BIG), *b = malloc(BIG);
    uint32_t acc = 0, x = 12345;
    for (uint32_t r = 0; r < BIGREPS; r++) {
        FILL(a, (int)(r * 37u), BIG);
        a[(r * 7919u) % BIG] = (uint8_t)(r ^ 0xa5);
        COPY(b, a, BIG);
        MOVE(b + 3, b, BIG - 3);          /* overlapping, backward */
        MOVE(b, b + 1 + (r & 7), BIG / 2); /* overlapping, forward */
        acc = acc * 31u + b[(r * 104729u) % BIG] + b[BIG - 1] + b[0];
    }
    /* small copies of 1..128 bytes at pseudo-random offsets (struct and string sized) */
    for (uint32_t r = 0; r < SMALLREPS; r++) {
        uint32_t v = bench_rng(&x);
        uint32_t len = 1 + (v & 127);
        uint32_t src = (v >> 7) % (BIG / 2), dst = BIG / 2 + (v >> 15) % (BIG / 2 - 128);
        COPY(a + dst, a + src, len);
        if ((r & 7) == 0) FILL(a + src, (int)r, len);
        acc += a[dst + len - 1];
    }
    free(a);
    free(b);
    return acc;
}
