// How fast the C block kernels stream weights from memory: SmolLM2-135M's 90 MLP matrices
// (30 layers of gate and up, 1536 x 576, and down, 576 x 1536) filled with random blocks,
// multiplied by `ROWS` activation rows the way a decode step does, a product after another,
// each split over the threads in two contiguous runs. With SHARE=1 every layer reuses the
// first layer's matrices (2.8 MB of Q8_0, held in cache): the kernel's speed without memory's.
// A tool for kernel work (docs/benchmarks.md, "Weights fetched ahead"), not part of the build:
//
//   clang -O2 -I Sources/CKernels/include -I Sources/CKernels scripts/block-stream-bench.c \
//       Sources/CKernels/block_products.c Sources/CKernels/block_group_products.c -lpthread \
//       -o /tmp/block-stream-bench
//   /tmp/block-stream-bench q8_0 1          # format (q4_1, q8_0), threads (1 or 2)
//   ROWS=16 SHARE=1 /tmp/block-stream-bench q4_1 2
//
// Prints ms_per_pass (the 90 products) and GB_s (their bytes over that time). Add
// -DWEIGHTS_AHEAD=N to try another prefetch distance. Needs a CPU with AVX-512 VNNI.
// block_layouts.h for the formats' block sizes and layouts (it includes block_products.h).
#include "block_layouts.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LAYERS = 30, WIDTH = 576, HIDDEN = 1536, MAX_ROWS = 16, MATRICES = LAYERS * 3, PASSES = 20 };

typedef struct {
    int64_t outputs, inputs, row_bytes;
    uint8_t *w;
} Matrix;

static Matrix matrices[MATRICES];
static int format, threads, rows = 1;
static int8_t q[MAX_ROWS * HIDDEN];
static float dx[MAX_ROWS * HIDDEN / 32], xs[MAX_ROWS * HIDDEN / 32];
static int32_t q_sums[MAX_ROWS * HIDDEN / 32];
static float y[2][MAX_ROWS * HIDDEN];

// The threads meet after each product, spinning, as the runtime's pool does.
static atomic_int arrived, phase;
static void meet(void) {
    int seen = atomic_load(&phase);
    if (atomic_fetch_add(&arrived, 1) == threads - 1) {
        atomic_store(&arrived, 0);
        atomic_fetch_add(&phase, 1);
    } else {
        while (atomic_load(&phase) == seen) _mm_pause();
    }
}

static void *run(void *argument) {
    int thread = (int)(intptr_t)argument;
    for (int pass = 0; pass < PASSES; pass++)
        for (int m = 0; m < MATRICES; m++) {
            const Matrix *matrix = &matrices[m];
            int64_t chunk = (matrix->outputs + threads - 1) / threads, first = thread * chunk;
            int64_t end = first + chunk < matrix->outputs ? first + chunk : matrix->outputs;
            gesal_block_products_vnni(format, matrix->w, matrix->row_bytes, q, dx, q_sums, xs, rows, matrix->inputs, first, end,
                                      HIDDEN, y[thread], 0);
            meet();
        }
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "q4_1") && strcmp(argv[1], "q8_0")) || (atoi(argv[2]) != 1 && atoi(argv[2]) != 2)) {
        fprintf(stderr, "usage: %s q4_1|q8_0 1|2   (environment: ROWS=1..16, SHARE=1)\n", argv[0]);
        return 2;
    }
    if (!gesal_cpu_has_avx512_vnni()) {
        fprintf(stderr, "this CPU has no AVX-512 VNNI\n");
        return 1;
    }
    format = strcmp(argv[1], "q4_1") ? GESAL_Q8_0 : GESAL_Q4_1;
    threads = atoi(argv[2]);
    if (getenv("ROWS")) rows = atoi(getenv("ROWS"));
    if (rows < 1 || rows > MAX_ROWS) {
        fprintf(stderr, "ROWS must be 1 to %d\n", MAX_ROWS);
        return 2;
    }
    const int64_t bytes_per_block = block_bytes(format);
    size_t total = 0;
    srand(1);
    for (int m = 0; m < MATRICES; m++) {
        Matrix *matrix = &matrices[m];
        int down = m % 3 == 2;
        matrix->outputs = down ? WIDTH : HIDDEN;
        matrix->inputs = down ? HIDDEN : WIDTH;
        matrix->row_bytes = matrix->inputs / 32 * bytes_per_block;
        size_t bytes = (size_t)(matrix->outputs * matrix->row_bytes);
        total += bytes;
        if (getenv("SHARE") && m >= 3) {
            matrix->w = matrices[m % 3].w;
            continue;
        }
        matrix->w = malloc(bytes);
        for (size_t i = 0; i < bytes; i++) matrix->w[i] = (uint8_t)(rand() & 0x3f);
        // Scales (and minimums) of 1.0 in f16, so every sum stays finite.
        for (size_t block = 0; block < bytes; block += (size_t)bytes_per_block) {
            matrix->w[block] = 0;
            matrix->w[block + 1] = 0x3c;
            if (has_minimum(format)) matrix->w[block + 2] = 0, matrix->w[block + 3] = 0x3c;
        }
    }
    for (int i = 0; i < MAX_ROWS * HIDDEN; i++) q[i] = (int8_t)(i % 7 - 3);
    for (int i = 0; i < MAX_ROWS * HIDDEN / 32; i++) dx[i] = xs[i] = 1, q_sums[i] = 0;
    pthread_t helper;
    double start = now();
    if (threads == 2) pthread_create(&helper, NULL, run, (void *)(intptr_t)1);
    run((void *)(intptr_t)0);
    if (threads == 2) pthread_join(helper, NULL);
    double seconds = (now() - start) / PASSES;
    printf("format=%s threads=%d rows=%d shared=%d mb=%.1f ms_per_pass=%.3f GB_s=%.2f\n", argv[1], threads, rows,
           getenv("SHARE") != NULL, (double)total / 1e6, seconds * 1e3, (double)total / seconds / 1e9);
    return 0;
}
