// Whether Float32 values are all finite: what an event's decoder checks of every vector it
// reads (an embedding or a centroid per event of a replay). In C because Swift compiles for
// SSE2 only, where the test takes eight instructions per eight values; compiled for AVX2 too
// and picked by CPU, it takes three (callgrind: 4% of a replay before).
#pragma once

#include <stdint.h>

// 1 when no value of the `count` little-endian Float32 bit patterns at `bytes` (any
// alignment) has every exponent bit set (an infinity or a NaN), else 0.
int gesal_all_finite(const void *bytes, int64_t count);

// gesal_all_finite with one kernel: 0 SSE2, 1 AVX2. Returns -1 (and tests nothing) when this
// CPU cannot run it. For tests that hold both kernels to the same answers.
int gesal_all_finite_with(int kernel, const void *bytes, int64_t count);
