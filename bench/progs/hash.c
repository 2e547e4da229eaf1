/* hash: byte-at-a-time hashing of a large generated buffer: FNV-1a 64-bit and an
 * xxHash32-style four-lane hash whose 32-bit words are assembled from single bytes. */
#define BENCH_NAME "hash"
#include "bench.h"

#define SIZE BENCH_SIZE(16u << 20, 256u << 10)
#define PASSES BENCH_SIZE(6, 2)

static uint64_t fnv1a64(const uint8_t *p, uint32_t n, uint64_t h) {
    for (uint32_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u
static uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* n must be a multiple of 16 */
static uint32_t lanes32(const uint8_t *p, uint32_t n, uint32_t seed) {
    uint32_t a = seed + P1 + P2, b = seed + P2, c = seed, d = seed - P1;
    for (uint32_t i = 0; i < n; i += 16) {
        a = rotl(a + rd32(p + i) * P2, 13) * P1;
        b = rotl(b + rd32(p + i + 4) * P2, 13) * P1;
        c = rotl(c + rd32(p + i + 8) * P2, 13) * P1;
        d = rotl(d + rd32(p + i + 12) * P2, 13) * P1;
    }
    uint32_t h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + n;
    h ^= h >> 15; h *= P2; h ^= h >> 13; h *= P3; h ^= h >> 16;
    return h;
}

uint32_t bench_run(void) {
    uint8_t *buf = malloc(SIZE);
    uint32_t s = 0x9e3779b9u;
    for (uint32_t i = 0; i < SIZE; i++) buf[i] = (uint8_t)(bench_rng(&s) >> 11);
    uint64_t acc = 0;
    for (uint32_t p = 0; p < PASSES; p++) {
        acc ^= fnv1a64(buf, SIZE, 0xcbf29ce484222325ull + p);
        acc = acc * 31u + lanes32(buf, SIZE, p);
        buf[(p * 7919u) % SIZE] ^= 0x5a;
    }
    free(buf);
    return bench_fold64(acc);
}
