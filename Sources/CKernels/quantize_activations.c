#include "quantize_activations.h"

#include "round_half_away.h"

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
            int32_t rounded = round_half_away(source[i] * inverse);  // |x| <= largest, so within ±127
            q[b * BLOCK + i] = (int8_t)rounded;
            sum += rounded;
        }
        d[b] = scale;
        sums[b] = sum;
        scaled_sums[b] = scale * (float)sum;
    }
}
