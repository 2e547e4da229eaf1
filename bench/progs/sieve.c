/* sieve: Sieve of Eratosthenes over odd numbers in a bit array (32-bit words),
 * repeated; the checksum mixes the prime counts and the last prime found. */
#define BENCH_NAME "sieve"
#include "bench.h"

#define LIMIT BENCH_SIZE(20000000u, 200000u)
#define REPS BENCH_SIZE(6, 2)

/* bit k stands for the odd number 2k+1; a set bit means composite */
static uint32_t sieve(uint32_t *bits, uint32_t limit, uint32_t *last) {
    uint32_t nbits = limit / 2 + 1, nwords = (nbits + 31) / 32;
    for (uint32_t w = 0; w < nwords; w++) bits[w] = 0;
    for (uint32_t k = 1; (2 * k + 1) * (2 * k + 1) <= limit; k++) {
        if (bits[k >> 5] & (1u << (k & 31))) continue;
        uint32_t p = 2 * k + 1;
        for (uint32_t j = (p * p) / 2; j < nbits; j += p) bits[j >> 5] |= 1u << (j & 31);
    }
    uint32_t count = 1; /* the prime 2 */
    for (uint32_t k = 1; k < nbits && 2 * k + 1 <= limit; k++)
        if (!(bits[k >> 5] & (1u << (k & 31)))) {
            count++;
            *last = 2 * k + 1;
        }
    return count;
}

uint32_t bench_run(void) {
    uint32_t *bits = malloc((LIMIT / 2 / 32 + 2) * sizeof(uint32_t));
    uint32_t acc = 0, last = 0;
    for (uint32_t r = 0; r < REPS; r++) {
        /* vary the limit a little so repetitions are not identical */
        acc = acc * 16777619u + sieve(bits, LIMIT - r * 1000u, &last);
        acc ^= last;
    }
    free(bits);
    return acc;
}
