// How long do the decode step's products take, with each C kernel, for a given number of rows?
// SmolLM2-135M's 211 matrices (30 layers of q, k, v, o, gate, up, down, and the 49152-row
// head), Float32 as in memory, outputs split in halves over two threads as `RowProducts`
// does; best of six, the kernels interleaved. It also checks that the AVX-512 kernel gives
// the AVX2 kernel's bits on each layer's shapes. docs/benchmarks.md has what it measured.
// Build it with clang, as SwiftPM builds the kernels: GCC 12 keeps the tiles' accumulators in
// memory and runs both kernels three to four times slower.
//
//   clang -O2 -ffp-contract=off -I Sources/CKernels/include scripts/row-kernel-probe.c
//      Sources/CKernels/row_products.c -o /tmp/row-kernel-probe -lpthread  (one line)
//   /tmp/row-kernel-probe 16
#include "row_products.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LAYERS = 30, MATRICES = LAYERS * 7 + 1 };
static const int shapes[7][2] = {{576, 576}, {192, 576}, {192, 576}, {576, 576}, {1536, 576}, {1536, 576}, {576, 1536}};
static int rows, outputs[MATRICES], inputs[MATRICES], wide;
static float *weights[MATRICES], *x, *y;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *half(void *argument) {
    const int h = (int)(long)argument;
    for (int m = 0; m < MATRICES; m++) {
        const int n = outputs[m], start = h * n / 2, end = (h + 1) * n / 2;
        if (wide) gesal_row_products_avx512f(x, rows, weights[m], inputs[m], start, end, n, y, 0);
        else gesal_row_products_avx2_fma(x, rows, weights[m], inputs[m], start, end, n, y, 0);
    }
    return NULL;
}

int main(int argc, char **argv) {
    rows = argc > 1 ? atoi(argv[1]) : 16;
    if (rows < 1 || !gesal_cpu_has_avx512f()) {
        fprintf(stderr, "usage: %s ROWS (at least 1), on a CPU with AVX-512F\n", argv[0]);
        return 2;
    }
    for (int m = 0; m < MATRICES; m++) {
        const int head = m == MATRICES - 1;
        outputs[m] = head ? 49152 : shapes[m % 7][0];
        inputs[m] = head ? 576 : shapes[m % 7][1];
        const size_t count = (size_t)outputs[m] * inputs[m];
        weights[m] = malloc(count * sizeof(float));
        for (size_t i = 0; i < count; i++) weights[m][i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    }
    x = malloc((size_t)rows * 1536 * sizeof(float));
    y = malloc((size_t)rows * 49152 * sizeof(float));
    float *other = malloc((size_t)rows * 49152 * sizeof(float));
    for (int i = 0; i < rows * 1536; i++) x[i] = (float)(i % 37) / 37.0f;
    double best[2] = {1e9, 1e9};
    for (int run = 0; run < 6; run++)
        for (wide = 0; wide < 2; wide++) {
            const double start = now();
            pthread_t threads[2];
            for (long h = 0; h < 2; h++) pthread_create(&threads[h], NULL, half, (void *)h);
            for (int h = 0; h < 2; h++) pthread_join(threads[h], NULL);
            const double seconds = now() - start;
            if (seconds < best[wide]) best[wide] = seconds;
        }
    for (int m = 0; m < 7; m++) {
        const int n = outputs[m];
        gesal_row_products_avx2_fma(x, rows, weights[m], inputs[m], 0, n, n, y, 0);
        gesal_row_products_avx512f(x, rows, weights[m], inputs[m], 0, n, n, other, 0);
        if (memcmp(y, other, (size_t)rows * n * sizeof(float)) != 0) {
            printf("bits_differ_matrix=%d\n", m);
            return 1;
        }
    }
    printf("rows=%d\navx2_fma_ms=%.1f\navx512f_ms=%.1f\navx512f_vs_avx2_fma=%.2f\n", rows, best[0] * 1e3, best[1] * 1e3, best[0] / best[1]);
    return 0;
}
