// An SVF merge, W' = U diag(s) Vᵀ, in exact integer arithmetic: both factors rounded to
// 16-bit integers with a scale per row of the left (U diag(s)) and per column of the right
// (Vᵀ), their products summed in int32, then scaled back. Integer sums are exact, so every
// kernel and thread count gives the same bits, and VNNI's vpdpwssd (AVX-512) or AVX2's
// vpmaddwd does twice the multiply-adds of a Float32 FMA per instruction (docs/architecture.md,
// "What needed C"). The merged matrix is re-quantised to Q8_0 after, whose rounding is about
// five times the error of these 16-bit factors.
#pragma once

#include <stdint.h>

// The largest magnitude a factor's value is rounded to for a product of `rank` terms:
// floor(sqrt((2^31 - 1) / padded rank)), at most 32767, so no sum can leave int32 (the
// padded rank is `rank` rounded up to even). 1930 for SmolLM2's rank 576.
int32_t gesal_integer_merge_limit(int64_t rank);

// `rank` rounded up to even: a left row's stride in int16 values (pairs feed vpdpwssd).
int64_t gesal_integer_merge_padded_rank(int64_t rank);

// Values the packed right factor holds: padded rank x columns rounded up to 64.
int64_t gesal_integer_merge_packed_count(int64_t rank, int64_t columns);

// Rows [first_row, end_row) of the left factor: x[i][k] = u[i * rank + k] * (s ? s[k] : 1) in
// Float32, row scale d = max_k |x[i][k]| / limit, and q[i][k] = x / d (as x * (1 / d)) rounded
// to nearest with halves away from zero, clamped to [-limit, limit] (0 where d is 0). Writes
// q at left[i * padded rank + k] (0 past rank) and d at row_scales[i]. `kernel` as for the
// products (0 compiles it for the x86-64 baseline, 1 and 2 for AVX2: the same bits, as it only
// multiplies, compares and truncates); returns -1 when this CPU cannot run it, else 0.
int gesal_integer_merge_quantize_left_with(int kernel, const float *u, const float *s, int64_t rank, int32_t limit,
                                           int64_t first_row, int64_t end_row, int16_t *left, float *row_scales);

// Blocks [first_block, end_block) of 64 columns of the right factor, x[k][j] = vt[k * columns
// + j] * (s ? s[k] : 1), each column quantised as a left row is (over k), and packed for the
// products: value (k, j) at ((j / 64) * padded rank / 2 + k / 2) * 128 + (j % 64) * 2 + k % 2.
// Columns past `columns` hold 0 with scale 0 (column_scales holds the columns rounded up to
// 64). `kernel` and the result as for the left factor.
int gesal_integer_merge_pack_right_with(int kernel, const float *vt, const float *s, int64_t rank, int64_t columns, int32_t limit,
                                        int64_t first_block, int64_t end_block, int16_t *packed, float *column_scales);

// Rows [first_row, end_row) of W': w[i * columns + j] = ((float)c * row_scales[i]) *
// column_scales[j], with c the exact int32 sum over k of left(i, k) * right(k, j). Kernel 0 is
// portable C, 1 AVX2 (vpmaddwd), 2 AVX-512 VNNI (vpdpwssd); returns -1 (and writes nothing)
// when this CPU cannot run it, else 0. All give the same bits.
int gesal_integer_merge_products_with(int kernel, const int16_t *left, const int16_t *packed, const float *row_scales,
                                      const float *column_scales, int64_t rank, int64_t columns,
                                      int64_t first_row, int64_t end_row, float *w);

// The best kernel this CPU runs (2, 1, or 0).
int gesal_integer_merge_best_kernel(void);
