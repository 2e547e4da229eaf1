/* fib: doubly recursive Fibonacci, a pure call/return benchmark.
 * Sums fib(n) for n taken from a volatile so the compiler cannot fold it. */
#include "bench.h"

#define REPS BENCH_SIZE(16, 2)
static volatile uint32_t fib_base = BENCH_SIZE(32, 22);

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void) {
    double t0 = bench_now();
    uint32_t acc = 0;
    for (uint32_t r = 0; r < REPS; r++) acc = acc * 31u + fib(fib_base + (r & 1u));
    BENCH_REPORT("fib", "%u", acc, t0);
    return 0;
}
