/* memops_bulk: the work of memops.c on libc memcpy/memset/memmove; the wasm build uses
 * -mbulk-memory so they lower to memory.copy / memory.fill. Four times the work of memops. */
#define BENCH_NAME "memops_bulk"
#define USE_LIBC_MEM 1
#define MEMOPS_SCALE 4u /* 4x the work: library calls are much faster than byte loops */
#include "memops.c"
