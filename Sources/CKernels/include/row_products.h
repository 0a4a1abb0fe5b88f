// GESAL's own compute kernels in C, for instructions Swift cannot choose at run time.
// Swift compiles a whole module for one CPU level (baseline x86-64: SSE2, no FMA), so a
// kernel that uses AVX2 and FMA on the machines that have them, and stays portable
// elsewhere, needs a function compiled for them and a check of the CPU before calling it.
#pragma once

#include <stdint.h>

// 1 when this CPU runs AVX2 and FMA instructions, else 0.
int gesal_cpu_has_avx2_fma(void);

// y[b * stride + j] (=, or += when accumulate) sum_i x[b * inputs + i] * w[j * inputs + i]
// for rows b in [0, rows) and outputs j in [first_output, end_output). Each sum runs in one
// fixed order whatever the rows, outputs and threads: eight lanes of fused multiply-adds over
// i, the lanes added pairwise (i and i+4, then i and i+2, then 0 and 1), then the tail
// (inputs past the last group of eight) multiplied and added one by one. Call
// only when gesal_cpu_has_avx2_fma() is 1.
void gesal_row_products_avx2_fma(const float *x, int64_t rows, const float *w, int64_t inputs,
                                 int64_t first_output, int64_t end_output, int64_t stride,
                                 float *y, int accumulate);

// 1 when this CPU runs AVX-512F (and AVX2 and FMA) instructions, else 0.
int gesal_cpu_has_avx512f(void);

// gesal_row_products_avx2_fma's products, bit for bit, two rows per 512-bit instruction (it
// falls back to that kernel when it cannot allocate its buffer for the packed rows). Call
// only when gesal_cpu_has_avx512f() is 1.
void gesal_row_products_avx512f(const float *x, int64_t rows, const float *w, int64_t inputs,
                                int64_t first_output, int64_t end_output, int64_t stride,
                                float *y, int accumulate);
