// The sums behind an answer's confidence signals (Models' ConfidenceTally), over one row of
// logits. In C because Swift lowers SIMD min, max and lane selects one lane at a time
// (measured: about 5 ns per logit, a tenth of a 16-row decode step), and compiles for SSE2
// only. The sums are compiled for AVX-512F, AVX2 and SSE2, picked by CPU; each lane's
// operations are fixed, with no contraction (-ffp-contract=off), so all three give the same bits.
#pragma once

#include <stdint.h>

// The largest value and the runner-up (equal to it when it occurs twice).
void gesal_top_two(const float *x, int64_t count, float *top, float *second);

// z = sum of exp(x[i] - shift) and weighted = sum of exp(x[i] - shift) * (x[i] - shift),
// with x[i] - shift raised to -87.3 first (where exp is about 1e-38 and a term no longer
// counts; it also makes -infinity a number that weighs nothing). exp is a Taylor polynomial
// to the 7th power after Cody-Waite range reduction, relative error about 1e-7 (for x <= 0).
// Sixteen lanes summed apart, then added in lane order in double.
void gesal_softmax_sums(const float *x, int64_t count, float shift, double *z, double *weighted);

// gesal_softmax_sums with one kernel: 0 SSE2, 1 AVX2, 2 AVX-512F. Returns 0 (and computes
// nothing) when this CPU cannot run it. For tests that compare the kernels' bits.
int gesal_softmax_sums_with(int kernel, const float *x, int64_t count, float shift, double *z, double *weighted);
