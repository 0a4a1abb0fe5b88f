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

// The block formats these kernels compute.
enum { GESAL_Q4_1 = 0, GESAL_Q8_0 = 1, GESAL_Q5_0 = 2, GESAL_Q5_1 = 3 };

// y[b * stride + j] (=, or += when accumulate) for rows b in [0, rows) and outputs j in
// [first_output, end_output): the sum over blocks k of 32 inputs of the contribution that
// QuantizedMatrix's BlockProducts spells out, added in input order from 0:
//   Q4_1, Q5_1: (d * dx) * Σ v·q + m * xs        Q8_0, Q5_0: (d * dx) * Σ v·q
// w holds one row of `format` blocks per output (row_bytes each, GGUF's layout); q, dx and xs
// are the activations' bytes, scales, Σq and d·Σq, `inputs / 32` blocks per row. Bit for bit
// the portable Swift kernel's results. From two rows on (Q8_0: four) the work goes to a kernel
// that unpacks each weight block once for all rows (block_group_products.c), same bits. Call
// only when gesal_cpu_has_avx2_f16c() is 1.
void gesal_block_products_avx2(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,
                               const int32_t *q_sums, const float *xs,
                               int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                               int64_t stride, float *y, int accumulate);

// The same products, bits and all, with AVX-512 VNNI's `vpdpbusd` in place of vpmaddubsw and
// vpmaddwd. Call only when gesal_cpu_has_avx512_vnni() is 1.
void gesal_block_products_vnni(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,
                               const int32_t *q_sums, const float *xs,
                               int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output,
                               int64_t stride, float *y, int accumulate);
