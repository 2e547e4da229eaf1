/* matmul: dense f64 matrix multiply C = A * B with B transposed first, so the inner loop
 * is a dot product of two rows (i-j-k order); repeated with a perturbed A. */
#define BENCH_NAME "matmul"
#include "bench.h"

#define DIM BENCH_SIZE(200, 40)
#define REPS BENCH_SIZE(40, 4)

static void transpose(double *dst, const double *src, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) dst[j * n + i] = src[i * n + j];
}

static void mul_bt(double *c, const double *a, const double *bt, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            const double *ra = a + i * n, *rb = bt + j * n;
            double s = 0.0;
            for (int k = 0; k < n; k++) s += ra[k] * rb[k];
            c[i * n + j] = s;
        }
}

uint32_t bench_run(void) {
    size_t bytes = sizeof(double) * DIM * DIM;
    double *a = malloc(bytes), *b = malloc(bytes), *bt = malloc(bytes), *c = malloc(bytes);
    uint32_t seed = 2024;
    for (int i = 0; i < DIM * DIM; i++) {
        a[i] = (double)(bench_rng(&seed) % 2001) / 1000.0 - 1.0;
        b[i] = (double)(bench_rng(&seed) % 1001) / 500.0 - 1.0;
    }
    transpose(bt, b, DIM);
    double sum = 0.0;
    for (int r = 0; r < REPS; r++) {
        mul_bt(c, a, bt, DIM);
        for (int i = 0; i < DIM; i++) sum += c[i * DIM + (i * 7 + r) % DIM];
        a[(r * 131) % (DIM * DIM)] += 0.5;
    }
    free(a); free(b); free(bt); free(c);
    return bench_f64_bits(sum);
}
