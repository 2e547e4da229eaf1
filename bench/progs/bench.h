/* Shared helpers for the benchmark programs in bench/progs/ (native and wasm32-wasi).
 * Each program prints one line "name checksum=<value> kernel_s=<s>"; the runner compares
 * the checksum across engines. -DBENCH_QUICK picks the small work size for smoke tests. */
#ifndef BENCH_H
#define BENCH_H
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifdef BENCH_QUICK
#define BENCH_SIZE(full, quick) (quick)
#else
#define BENCH_SIZE(full, quick) (full)
#endif

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints the result line; fmt is the printf format of the checksum. */
#define BENCH_REPORT(name, fmt, checksum, t0) \
    printf("%s checksum=" fmt " kernel_s=%.4f\n", name, checksum, bench_now() - (t0))

/* xorshift32: the one deterministic generator every program uses (never libc rand). */
static inline uint32_t bench_rng(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}
#endif
