// Float32 weights to ggml's Q8_0 blocks: the re-quantisation of every matrix a merged SVF
// adapter changes (90 matrices of 884,736 values in SmolLM2). In Swift, `roundf` was a
// library call per value and the f16 scale a compiler-rt call per block: 12% of the demo's
// samples (perf). Plain C, compiled for the x86-64 baseline and for AVX2 with F16C, picked by
// CPU at run time; both give the same bytes (QuantizeTests holds each to gguf-py's).
#pragma once

#include <stdint.h>

// For each of `blocks` blocks of 32 floats at x, 34 bytes at out: d = max|x| / 127 as an
// IEEE half (round to nearest even), then 32 signed bytes x · (1/d) rounded to nearest with
// halves away from zero (roundf's rule; 0 when d is 0), clamped to [-127, 127]. A NaN never
// counts as the block's largest magnitude, and its level is 127, as Swift's min and max give.
void gesal_quantize_q8_0(const float *x, int64_t blocks, uint8_t *out);

// gesal_quantize_q8_0 with one kernel: 0 the x86-64 baseline, 1 AVX2 and F16C (on CPUs that
// gesal_cpu_has_avx2_f16c accepts, as for the block products). Returns -1
// (and writes nothing) when this CPU cannot run it, else 0. For tests that hold both kernels
// to the same bytes.
int gesal_quantize_q8_0_with(int kernel, const float *x, int64_t blocks, uint8_t *out);
