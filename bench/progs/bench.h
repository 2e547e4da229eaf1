/* Shared helpers of the benchmark programs in bench/progs/: one source gives the native,
 * the wasm32-wasi and the freestanding wasm32 build, all with the same u32 checksum.
 * -DBENCH_QUICK picks the small work size. */
#ifndef BENCH_H
#define BENCH_H

/* A program defines BENCH_NAME, includes this file and defines `uint32_t bench_run(void)`,
 * which does the work and returns the checksum.
 * - native, wasm32-wasi: main() below prints "name checksum=<u32> kernel_s=<seconds>".
 * - -DBENCH_FREESTANDING (for engines without WASI, e.g. wabt's wasm-interp): no libc and
 *   no main; the engine calls the exported bench_run() and prints its i32 result. Programs
 *   may use malloc/free, memcpy/memset/memmove and sqrt, which this flavour provides (a
 *   bump allocator over memory.grow, byte loops or bulk memory, f64.sqrt). */

#ifdef BENCH_QUICK
#define BENCH_SIZE(full, quick) (quick)
#else
#define BENCH_SIZE(full, quick) (full)
#endif

#ifndef BENCH_FREESTANDING
/* {===== hosted: native and wasm32-wasi */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint32_t bench_run(void);

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void) {
    double t0 = bench_now();
    uint32_t checksum = bench_run();
    printf("%s checksum=%u kernel_s=%.4f\n", BENCH_NAME, (unsigned)checksum, bench_now() - t0);
    return 0;
}
/* }===== */
#else
/* {===== freestanding wasm32: clang --target=wasm32 -nostdlib -Wl,--no-entry
 *        -Wl,--export=bench_run (see the Makefile); wabt's wasm-interp runs it */
#include <stddef.h>
#include <stdint.h>

uint32_t bench_run(void);

/* wasm-ld puts the heap after the data and the stack */
extern unsigned char __heap_base;
static uintptr_t bench_brk;

static inline void *bench_malloc(size_t n) {
    if (!bench_brk) bench_brk = (uintptr_t)&__heap_base;
    uintptr_t p = (bench_brk + 15) & ~(uintptr_t)15, end = p + n;
    size_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
        __builtin_trap();
    bench_brk = end;
    return (void *)p;
}
static inline void bench_free(void *p) { (void)p; } /* every program frees only at its end */
#define malloc bench_malloc
#define free bench_free
#define sqrt __builtin_sqrt /* f64.sqrt */

#ifdef __wasm_bulk_memory__
/* -mbulk-memory: the compiler lowers these to memory.copy / memory.fill */
#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define memmove __builtin_memmove
#else
/* The compiler may also emit calls to these itself (struct copies, loops it recognises).
 * no_builtin keeps their own loops from being turned back into calls to themselves. */
#define BENCH_LIBC_LOOP __attribute__((no_builtin("memcpy", "memset", "memmove")))
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int v, size_t n);
void *memmove(void *dst, const void *src, size_t n);
BENCH_LIBC_LOOP void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
BENCH_LIBC_LOOP void *memset(void *dst, int v, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)v;
    return dst;
}
BENCH_LIBC_LOOP void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s)
        while (n--) *d++ = *s++;
    else
        while (n--) d[n] = s[n];
    return dst;
}
#endif
/* }===== */
#endif

/* xorshift32: the one deterministic generator every program uses (never libc rand). */
static inline uint32_t bench_rng(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Checksums are u32 (what wasm-interp prints as bench_run's i32): 64-bit values are folded,
 * doubles by their bits, so every engine must agree bit for bit. */
static inline uint32_t bench_fold64(uint64_t v) { return (uint32_t)(v ^ (v >> 32)); }
static inline uint32_t bench_f64_bits(double d) {
    uint64_t u;
    __builtin_memcpy(&u, &d, sizeof u);
    return bench_fold64(u);
}
#endif
