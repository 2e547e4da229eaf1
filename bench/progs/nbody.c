/* nbody: five-body planetary simulation in f64 (Jovian planets, symplectic Euler),
 * structure-of-arrays layout; the checksum folds the bits of the final energy. */
#define BENCH_NAME "nbody"
#include "bench.h"

#define STEPS BENCH_SIZE(3000000, 20000)
#define NB 5
#define PI 3.141592653589793
#define SOLAR_MASS (4.0 * PI * PI)
#define YEAR 365.24

static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], m[NB];

static void init(void) {
    static const double d[NB][7] = {
        {0, 0, 0, 0, 0, 0, 1},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03,
         7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03,
         4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03,
         2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03,
         1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05}};
    double ox = 0, oy = 0, oz = 0;
    for (int i = 0; i < NB; i++) {
        px[i] = d[i][0]; py[i] = d[i][1]; pz[i] = d[i][2];
        vx[i] = d[i][3] * YEAR; vy[i] = d[i][4] * YEAR; vz[i] = d[i][5] * YEAR;
        m[i] = d[i][6] * SOLAR_MASS;
        ox += vx[i] * m[i]; oy += vy[i] * m[i]; oz += vz[i] * m[i];
    }
    /* make the total momentum zero by giving the sun the opposite */
    vx[0] = -ox / SOLAR_MASS; vy[0] = -oy / SOLAR_MASS; vz[0] = -oz / SOLAR_MASS;
}

static void step(double dt) {
    for (int i = 0; i < NB; i++)
        for (int j = i + 1; j < NB; j++) {
            double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            double mi = m[i] * mag, mj = m[j] * mag;
            vx[i] -= dx * mj; vy[i] -= dy * mj; vz[i] -= dz * mj;
            vx[j] += dx * mi; vy[j] += dy * mi; vz[j] += dz * mi;
        }
    for (int i = 0; i < NB; i++) { px[i] += dt * vx[i]; py[i] += dt * vy[i]; pz[i] += dt * vz[i]; }
}

static double energy(void) {
    double e = 0;
    for (int i = 0; i < NB; i++) {
        e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        for (int j = i + 1; j < NB; j++) {
            double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
            e -= m[i] * m[j] / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

uint32_t bench_run(void) {
    init();
    double e0 = energy();
    for (int s = 0; s < STEPS; s++) step(0.01);
    double e1 = energy();
    return bench_f64_bits(e1 - e0 * 0.5);
}
