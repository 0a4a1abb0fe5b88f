// Quantised weights times quantised activations with AVX2 (QuantizedMatrix in Swift): the
// instructions that make a block's integer dot product one step, `vpmaddubsw` (unsigned by
// signed bytes, adjacent pairs added) and `vpmaddwd`, have no spelling in Swift's SIMD types,
// whose portable form compiles to widening multiplies four times as long.
#pragma once

#include <stdint.h>

// 1 when this CPU runs AVX2, FMA and F16C instructions, else 0.
int gesal_cpu_has_avx2_f16c(void);

// 1 when it also runs AVX-512 VNNI (with AVX-512VL, so on 256-bit registers), else 0.
int gesal_cpu_has_avx512_vnni(void);

// y[b * stride + j] (=, or += when accumulate) for rows b in [0, rows) and outputs j in
// [first_output, end_output): the sum over blocks k of 32 inputs of the contribution that
// QuantizedMatrix's BlockProducts spells out, added in input order from 0:
//   Q4_1: (d * dx) * Σ nibble·q + m * xs        Q8_0: (d * dx) * Σ byte·q
// w holds one row of blocks per output (row_bytes each, GGUF's layout); q, dx and xs are the
// activations' bytes, scales and d·Σq, `inputs / 32` blocks per row. Bit for bit the portable
// Swift kernel's results. Call only when gesal_cpu_has_avx2_f16c() is 1.
void gesal_block_products_q4_1_avx2(const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const float *xs,
                                    int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                                    int64_t stride, float *y, int accumulate);
void gesal_block_products_q8_0_avx2(const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const float *xs,
                                    int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                                    int64_t stride, float *y, int accumulate);

// The same products, bits and all, with AVX-512 VNNI's `vpdpbusd` in place of vpmaddubsw and
// vpmaddwd. Call only when gesal_cpu_has_avx512_vnni() is 1.
void gesal_block_products_q4_1_vnni(const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const float *xs,
                                    int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                                    int64_t stride, float *y, int accumulate);
void gesal_block_products_q8_0_vnni(const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const float *xs,
                                    int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                                    int64_t stride, float *y, int accumulate);
