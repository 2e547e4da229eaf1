/* mandel: Mandelbrot set escape-time over a W x H grid in f64 with a bounded iteration
 * count; the checksum hashes every pixel's iteration count. */
#define BENCH_NAME "mandel"
#include "bench.h"

#define W BENCH_SIZE(1200, 80)
#define H BENCH_SIZE(900, 60)
#define MAXIT 256

static uint32_t escape(double cr, double ci) {
    double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
    uint32_t n = 0;
    while (n < MAXIT && zr2 + zi2 <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        n++;
    }
    return n;
}

uint32_t bench_run(void) {
    uint32_t h = 2166136261u, total = 0;
    for (int y = 0; y < H; y++) {
        double ci = -1.2 + 2.4 * (double)y / (double)H;
        for (int x = 0; x < W; x++) {
            double cr = -2.1 + 3.0 * (double)x / (double)W;
            uint32_t n = escape(cr, ci);
            total += n;
            h = (h ^ n) * 16777619u;
        }
    }
    return h ^ total;
}
