#include "row_products.h"

#include <immintrin.h>

int gesal_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

#define AVX2 __attribute__((target("avx2,fma")))
#define PREFETCH_HINT _MM_HINT_T0

// The eight lanes added pairwise (lanes i and i+4, then i and i+2, then 0 and 1), then the
// inputs past the last whole group of eight, each multiplied, then added (never contracted:
// the target builds with -ffp-contract=off, so this order is the one written here).
AVX2 static inline float finish(__m256 sum, const float *x, const float *w, int64_t lanes, int64_t inputs) {
    __m128 four = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    float total = _mm_cvtss_f32(two) + _mm_cvtss_f32(_mm_shuffle_ps(two, two, 1));
    for (int64_t i = lanes; i < inputs; i++) total += x[i] * w[i];
    return total;
}

// R rows by O outputs at once: each weight load serves R rows, each input load O outputs,
// and the R * O sums are independent chains that keep both FMA units busy (one chain alone
// waits on each FMA's latency). R and O are constants where it is inlined, so the
// accumulators stay in registers.
AVX2 __attribute__((always_inline)) static inline void tile(const float *x, const float *w, int64_t inputs, int64_t lanes,
                                                             int64_t j, float *y, int64_t stride, int accumulate,
                                                             const int R, const int O) {
    __m256 s[4][4];
    for (int r = 0; r < R; r++)
        for (int o = 0; o < O; o++) s[r][o] = _mm256_setzero_ps();
    for (int64_t i = 0; i < lanes; i += 8) {
        __m256 weights[4];
        for (int o = 0; o < O; o++) weights[o] = _mm256_loadu_ps(w + (j + o) * inputs + i);
        for (int r = 0; r < R; r++) {
            __m256 input = _mm256_loadu_ps(x + r * inputs + i);
            for (int o = 0; o < O; o++) s[r][o] = _mm256_fmadd_ps(input, weights[o], s[r][o]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int o = 0; o < O; o++) {
            float total = finish(s[r][o], x + r * inputs, w + (j + o) * inputs, lanes, inputs);
            float *out = y + r * stride + j + o;
            *out = accumulate ? *out + total : total;
        }
}

AVX2 void gesal_row_products_avx2_fma(const float *x, int64_t rows, const float *w, int64_t inputs,
                                      int64_t first_output, int64_t end_output, int64_t stride,
                                      float *y, int accumulate) {
    const int64_t lanes = inputs / 8 * 8;
    // Outputs outside, rows inside: the weights of a few outputs are read from memory once
    // and serve every row from the first-level cache.
    int64_t j = first_output;
    for (; j + 4 <= end_output; j += 4) {
        // The next four outputs' weights are fetched while these are computed, a share
        // before each tile: otherwise the first tile waits on memory and the others leave
        // it idle.
        const char *next = (const char *)(w + (j + 4) * inputs);
        const int64_t lines = j + 8 <= end_output ? (4 * inputs * (int64_t)sizeof(float) + 63) / 64 : 0;
        const int64_t share = (lines + (rows + 1) / 2 - 1) / ((rows + 1) / 2);
        int64_t fetched = 0;
        int64_t b = 0;
        for (; b < rows; b += 2) {
            for (int64_t k = 0; k < share && fetched < lines; k++, fetched++) _mm_prefetch(next + fetched * 64, PREFETCH_HINT);
            if (b + 2 <= rows) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 2, 4);
            else tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 1, 4);
        }
    }
    for (; j < end_output; j++) {
        int64_t b = 0;
        for (; b + 4 <= rows; b += 4) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 4, 1);
        for (; b < rows; b++) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 1, 1);
    }
}
