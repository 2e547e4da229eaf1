/* fib30: fib(30) computed 20 times (the speed figure of issue 2: `make bench-core`); the
 * repetition keeps process start-up small next to the work, the ratio is that of one fib(30). */
#define BENCH_NAME "fib30"
#define FIB_N BENCH_SIZE(30, 20)
#define FIB_ALT 0u
#define FIB_REPS BENCH_SIZE(20, 2)
#include "fib.c"
