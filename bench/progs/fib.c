/* fib: doubly recursive Fibonacci, a pure call/return benchmark. Sums fib(n) for n taken
 * from a volatile so the compiler cannot fold it; by default alternates fib(32), fib(33).
 * FIB_N, FIB_ALT (0: always fib(FIB_N)) and FIB_REPS make variants (see fib30.c). */
#ifndef BENCH_NAME
#define BENCH_NAME "fib"
#endif
#include "bench.h"

#ifndef FIB_N
#define FIB_N BENCH_SIZE(32, 22)
#endif
#ifndef FIB_ALT
#define FIB_ALT 1u
#endif
#ifndef FIB_REPS
#define FIB_REPS BENCH_SIZE(16, 2)
#endif
static volatile uint32_t fib_base = FIB_N;

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

uint32_t bench_run(void) {
    uint32_t acc = 0;
    for (uint32_t r = 0; r < FIB_REPS; r++) acc = acc * 31u + fib(fib_base + (r & FIB_ALT));
    return acc;
}
