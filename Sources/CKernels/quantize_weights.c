#include "quantize_weights.h"

#include <string.h>

#include "block_products.h"
#include "round_half_away.h"

enum { BLOCK = 32, BLOCK_BYTES = 34, LANES = 8 };

static inline void q8_0(const float *x, int64_t blocks, uint8_t *out) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *source = x + b * BLOCK;
        uint8_t *target = out + b * BLOCK_BYTES;
        // Eight running maxima, so the compiler keeps them in one register. A NaN compares
        // false, so it never replaces a maximum.
        float lanes[LANES] = {0};
        for (int i = 0; i < BLOCK; i++) {
            float magnitude = source[i] < 0 ? -source[i] : source[i];
            lanes[i % LANES] = magnitude > lanes[i % LANES] ? magnitude : lanes[i % LANES];
        }
        float largest = 0;
        for (int l = 0; l < LANES; l++) largest = lanes[l] > largest ? lanes[l] : largest;
        float scale = largest / 127, inverse = scale == 0 ? 0 : 1 / scale;
        _Float16 half = (_Float16)scale;
        memcpy(target, &half, 2);
        for (int i = 0; i < BLOCK; i++) {
            // Clamped first (a NaN to 127), which rounds as clamping after would: past ±127
            // either way gives ±127.
            float v = source[i] * inverse;
            v = v < 127 ? v : 127;
            v = v >= -127 ? v : -127;
            target[2 + i] = (uint8_t)(int8_t)round_half_away(v);
        }
    }
}

static void q8_0_portable(const float *x, int64_t blocks, uint8_t *out) { q8_0(x, blocks, out); }

__attribute__((target("avx2,f16c"))) static void q8_0_avx2(const float *x, int64_t blocks, uint8_t *out) { q8_0(x, blocks, out); }

int gesal_quantize_q8_0_with(int kernel, const float *x, int64_t blocks, uint8_t *out) {
    switch (kernel) {
    case 0: q8_0_portable(x, blocks, out); return 0;
    case 1: if (!gesal_cpu_has_avx2_f16c()) return -1; q8_0_avx2(x, blocks, out); return 0;
    default: return -1;
    }
}

void gesal_quantize_q8_0(const float *x, int64_t blocks, uint8_t *out) {
    static int avx2 = -1;  // a benign race: every thread computes the same value
    if (avx2 < 0) avx2 = gesal_cpu_has_avx2_f16c();
    if (avx2) q8_0_avx2(x, blocks, out); else q8_0_portable(x, blocks, out);
}
