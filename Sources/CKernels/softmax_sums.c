#include "softmax_sums.h"

#include <math.h>
#include <string.h>

#define LANES 16

// A scan in index order: `value` becomes the top, or the runner-up, or neither.
static inline void rank_in(float value, float *top, float *second) {
    if (value > *top) {
        *second = *top;
        *top = value;
    } else if (value > *second) {
        *second = value;
    }
}

void gesal_top_two(const float *x, int64_t count, float *top, float *second) {
    float tops[LANES], seconds[LANES];
    for (int l = 0; l < LANES; l++) tops[l] = seconds[l] = -INFINITY;
    int64_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        for (int l = 0; l < LANES; l++) {
            float v = x[i + l];
            float lower = tops[l] < v ? tops[l] : v;
            seconds[l] = seconds[l] > lower ? seconds[l] : lower;
            tops[l] = tops[l] > v ? tops[l] : v;
        }
    }
    // Each lane's two largest hold the row's two largest.
    float best = -INFINITY, runner_up = -INFINITY;
    for (int l = 0; l < LANES; l++) {
        rank_in(tops[l], &best, &runner_up);
        rank_in(seconds[l], &best, &runner_up);
    }
    for (; i < count; i++) rank_in(x[i], &best, &runner_up);
    *top = best;
    *second = runner_up;
}

// exp(x) for -87.3 <= x <= 0: x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so n ln 2
// is exact), exp(r) by Horner, times 2^n built in the exponent bits. Adding 1.5 * 2^23 rounds
// x log2(e) to the nearest integer, which then sits in the low mantissa bits.
static inline float lane_exp(float x) {
    const float magic = 12582912.0f;
    float shifted = x * 1.44269504f + magic;
    float n = shifted - magic;
    float r = (x - n * 0.69314575f) - n * 1.4286068e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t shifted_bits, magic_bits;
    memcpy(&shifted_bits, &shifted, 4);
    memcpy(&magic_bits, &magic, 4);
    int32_t scale_bits = (shifted_bits - magic_bits + 127) << 23;
    float scale;
    memcpy(&scale, &scale_bits, 4);
    return p * scale;
}

static inline float floored(float x) { return x < -87.3f ? -87.3f : x; }

// The sums' body, inlined into one function per instruction set: the same operations in the
// same order per lane, so AVX-512, AVX2 and plain SSE2 give the same bits, only faster.
__attribute__((always_inline)) static inline void sums(const float *x, int64_t count, float shift, double *z, double *weighted) {
    float zs[LANES] = {0}, ws[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        for (int l = 0; l < LANES; l++) {
            float v = floored(x[i + l] - shift);
            float e = lane_exp(v);
            zs[l] += e;
            ws[l] += e * v;
        }
    }
    for (int l = 0; i + l < count; l++) {  // the tail, in the first lanes
        float v = floored(x[i + l] - shift);
        float e = lane_exp(v);
        zs[l] += e;
        ws[l] += e * v;
    }
    double total_z = 0, total_weighted = 0;
    for (int l = 0; l < LANES; l++) {
        total_z += zs[l];
        total_weighted += ws[l];
    }
    *z = total_z;
    *weighted = total_weighted;
}

static void sums_portable(const float *x, int64_t count, float shift, double *z, double *weighted) {
    sums(x, count, shift, z, weighted);
}

__attribute__((target("avx2"))) static void sums_avx2(const float *x, int64_t count, float shift, double *z, double *weighted) {
    sums(x, count, shift, z, weighted);
}

__attribute__((target("avx512f"))) static void sums_avx512f(const float *x, int64_t count, float shift, double *z, double *weighted) {
    sums(x, count, shift, z, weighted);
}

int gesal_softmax_sums_with(int kernel, const float *x, int64_t count, float shift, double *z, double *weighted) {
    __builtin_cpu_init();
    switch (kernel) {
    case 0: sums_portable(x, count, shift, z, weighted); return 1;
    case 1:
        if (!__builtin_cpu_supports("avx2")) return 0;
        sums_avx2(x, count, shift, z, weighted);
        return 1;
    case 2:
        if (!__builtin_cpu_supports("avx512f")) return 0;
        sums_avx512f(x, count, shift, z, weighted);
        return 1;
    default: return 0;
    }
}

void gesal_softmax_sums(const float *x, int64_t count, float shift, double *z, double *weighted) {
    static int best = -1;  // a benign race: every thread computes the same value
    if (best < 0) {
        __builtin_cpu_init();
        best = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    gesal_softmax_sums_with(best, x, count, shift, z, weighted);
}
