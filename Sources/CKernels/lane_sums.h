// How every eight-lane dot product of the row kernels and of attention ends, so that each
// gives the bits of the portable Swift (`SIMD8.pairwiseSum`, then the tail).
#pragma once

#include <immintrin.h>
#include <stdint.h>

// The eight lanes of `sum` added pairwise (lanes i and i+4, then i and i+2, then 0 and 1),
// then x[i] * w[i] for i in [lanes, count), each multiplied, then added (never contracted: the
// target builds with -ffp-contract=off, so this order is the one written here).
__attribute__((target("avx2"))) static inline float finish_lanes(__m256 sum, const float *x, const float *w, int64_t lanes, int64_t count) {
    __m128 four = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    float total = _mm_cvtss_f32(two) + _mm_cvtss_f32(_mm_shuffle_ps(two, two, 1));
    for (int64_t i = lanes; i < count; i++) total += x[i] * w[i];
    return total;
}
