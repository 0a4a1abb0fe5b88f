// Does OpenBLAS give a row of a matrix product the same bits whatever product it is part of?
// Batched prefill (several prompts read as one product) would need it; docs/architecture.md
// (departure 24) has what this measured. For each of SmolLM2-135M's linear shapes, a block of
// rows is computed alone and inside larger products, at offsets and lengths that are multiples
// of P rows, and the bits compared.
//
//   cc -O2 scripts/openblas-row-probe.c -o /tmp/openblas-row-probe -lopenblas
//   OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /tmp/openblas-row-probe 12
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const int P = argc > 1 ? atoi(argv[1]) : 1;
    if (P < 1) { fprintf(stderr, "usage: %s P (rows per block, at least 1)\n", argv[0]); return 2; }
    const int shapes[][2] = {{576, 576}, {192, 576}, {1536, 576}, {576, 1536}};  // outputs, inputs
    long checks = 0, differ = 0;
    for (int s = 0; s < 4; s++) {
        const int n = shapes[s][0], k = shapes[s][1], most = 40 * P;
        float *a = malloc(sizeof(float) * most * k), *w = malloc(sizeof(float) * n * k);
        float *whole = malloc(sizeof(float) * most * n), *part = malloc(sizeof(float) * most * n);
        srand(s + 1);
        for (long i = 0; i < (long)most * k; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
        for (long i = 0; i < (long)n * k; i++) w[i] = rand() / (float)RAND_MAX - 0.5f;
        for (int total = P; total <= most; total += total < 8 * P ? P : 11 * P) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, total, n, k, 1, a, k, w, k, 0, whole, n);
            for (int offset = 0; offset < total; offset += P)
                for (int rows = P; offset + rows <= total && rows <= 4 * P; rows += P) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, k, 1, a + (long)offset * k, k, w, k, 0, part, n);
                    checks++;
                    if (memcmp(part, whole + (long)offset * n, sizeof(float) * rows * n) != 0) differ++;
                }
        }
        free(a); free(w); free(whole); free(part);
    }
    printf("core=%s block_rows=%d checks=%ld differ=%ld\n", openblas_get_corename(), P, checks, differ);
    return 0;
}
