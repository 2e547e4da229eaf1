/* loadtime: the compile cost of the bench report: times vm_module_load (decode + validate;
 * function bodies are compiled lazily, on first call) of one module over many repetitions.
 * Uses only vm/vm.h.  Usage: loadtime FILE.wasm [min_seconds (default 1)] */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vm/vm.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
            fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

enum { MAX_REPS = 1000, MIN_REPS = 5 };

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: loadtime FILE.wasm [min_seconds]\n");
        return 2;
    }
    double min_secs = argc == 3 ? atof(argv[2]) : 1.0;
    size_t len = 0;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) {
        perror(argv[1]);
        return 2;
    }
    /* repeat until min_secs have passed (at least MIN_REPS times); the first load also
     * warms the caches and the allocator, and the median hides the machine's noise */
    static double t[MAX_REPS];
    int reps = 0;
    double start = now();
    while (reps < MAX_REPS && (reps < MIN_REPS || now() - start < min_secs)) {
        char err[256];
        vm_module_t *m = NULL;
        double t0 = now();
        int rc = vm_module_load(bytes, len, NULL, &m, err, sizeof err);
        t[reps++] = now() - t0;
        if (rc != 0) {
            fprintf(stderr, "loadtime: %s: load failed (%d): %s\n", argv[1], rc, err);
            free(bytes);
            return 1;
        }
        vm_module_free(m);
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    double med = t[reps / 2], mb = (double)len / (1024.0 * 1024.0);
    printf("load+validate %.2f MiB module (%s): median %.2f ms, min %.2f ms of %d loads"
           " -> %.1f MiB/s, %.2f ms per MiB\n",
           mb, argv[1], med * 1e3, t[0] * 1e3, reps, mb / med, med * 1e3 / mb);
    free(bytes);
    return 0;
}
