#include "quantize_activations.h"

enum { BLOCK = 32 };

void gesal_quantize_q8_blocks(const float *x, int64_t blocks, int8_t *q, float *d, int32_t *sums, float *scaled_sums) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *source = x + b * BLOCK;
        float largest = 0;
        for (int i = 0; i < BLOCK; i++) {
            float magnitude = source[i] < 0 ? -source[i] : source[i];
            largest = largest > magnitude ? largest : magnitude;
        }
        float scale = largest / 127, inverse = scale == 0 ? 0 : 1 / scale;
        int32_t sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            // |v| <= 127, so truncation is exact in int32 and v - trunc(v) is exact in float:
            // the correction sends halves away from zero, as roundf does.
            float v = source[i] * inverse;
            int32_t rounded = (int32_t)v;
            float fraction = v - (float)rounded;
            rounded += (fraction >= 0.5f) - (fraction <= -0.5f);
            q[b * BLOCK + i] = (int8_t)rounded;
            sum += rounded;
        }
        d[b] = scale;
        sums[b] = sum;
        scaled_sums[b] = scale * (float)sum;
    }
}
