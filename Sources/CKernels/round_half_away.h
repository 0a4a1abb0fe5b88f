// Rounding as `roundf` does, to the nearest integer with halves away from zero, in a form the
// compiler vectorises: shared by the Q8 quantisers of activations and of merged weights.
#pragma once

#include <stdint.h>

// For |v| <= 127 (a Q8 level before rounding): truncation is exact in int32 and v - trunc(v)
// is exact in float, so the correction sends exactly the halves away from zero.
static inline int32_t round_half_away(float v) {
    int32_t rounded = (int32_t)v;
    float fraction = v - (float)rounded;
    return rounded + (fraction >= 0.5f) - (fraction <= -0.5f);
}
