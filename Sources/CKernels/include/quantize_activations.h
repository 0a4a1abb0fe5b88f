// Activations quantised to Q8 blocks of 32 (QuantizedActivations in Swift). In C because
// Swift's SIMD conversions between Float and Int32 lanes, and its lane-wise max, compile to a
// generic call per lane (measured: a decode step ran at half speed), and `roundf` per value is
// a library call. Plain C for the x86-64 baseline and AVX2 intrinsics, picked by CPU; the
// same steps and no contraction (-ffp-contract=off), so every machine gets the same bytes.
#pragma once

#include <stdint.h>

// For each of `blocks` blocks of 32 floats at x: d = max|x| / 127, q = x · (1/d) rounded to
// nearest with halves away from zero (roundf's rule; 0 when d is 0), sums = Σq and
// scaled_sums = d · (float)Σq.
void gesal_quantize_q8_blocks(const float *x, int64_t blocks, int8_t *q, float *d, int32_t *sums, float *scaled_sums);

// gesal_quantize_q8_blocks with one kernel: 0 the x86-64 baseline, 1 AVX2. Returns -1 (and
// computes nothing) when this CPU cannot run it. For tests that compare the kernels' bytes.
int gesal_quantize_q8_blocks_with(int kernel, const float *x, int64_t blocks, int8_t *q, float *d, int32_t *sums, float *scaled_sums);
