// A decode step's attention for the query heads that share one key/value head (grouped-query
// attention), with 256-bit AVX: each position's keys and values are loaded once for the whole
// group instead of once per head, and eight lanes a step where Swift, which compiles
// RowAttention for the x86-64 baseline, has four. Each head's numbers are
// RowAttention.attendHead's, bit for bit: eight lanes of multiplies then adds (never fused:
// -ffp-contract=off), the lanes added pairwise, then the tail, the positions in order.
#pragma once

#include <stdint.h>

// scores[h * scores_stride + p] = (q_h . k_p) * scale for the `group` heads h, query head h at
// query + h * head_dim, position p's keys at keys + p * stride, for p in [0, positions). The
// dot product: lanes of eight over the first head_dim / 8 * 8 dimensions, added pairwise
// (i and i+4, then i and i+2, then 0 and 1), then the rest one by one. Call only when
// gesal_cpu_has_avx2_fma() is 1.
void gesal_attention_scores_avx2(const float *query, int64_t group, int64_t head_dim, const float *keys, int64_t stride,
                                 int64_t positions, float scale, float *scores, int64_t scores_stride);

// out[h * head_dim + i] = the sum over p in order of scores[h * scores_stride + p] * values[p * stride + i],
// from 0, for the `group` heads. Call only when gesal_cpu_has_avx2_fma() is 1.
void gesal_attention_values_avx2(const float *scores, int64_t scores_stride, int64_t group, const float *values, int64_t stride,
                                 int64_t positions, int64_t head_dim, float *out);

// Reads count floats from x straight through and returns a sum of them: brings one sequence's
// keys (or values) of a layer into cache before the kernels above read them a head at a time.
// Measured on a Zen 4 with 16 sequences of 144 positions: the kernels read memory at about a
// third of a straight read's speed, and reading through first halved the whole. Call only
// when gesal_cpu_has_avx2_fma() is 1.
float gesal_attention_read_through(const float *x, int64_t count);
