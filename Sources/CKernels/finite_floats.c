#include "finite_floats.h"

#include <string.h>

// Adding one below the exponent carries into the sign bit only when every exponent bit is
// set; OR-ed over all values, the sign bit says whether any was. No branch per value, so the
// compiler vectorises the loop for whichever target it is compiled for.
static inline int all_finite(const unsigned char *bytes, int64_t count) {
    uint32_t special = 0;
    for (int64_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, bytes + 4 * i, 4);
        special |= (bits & 0x7F800000u) + 0x00800000u;
    }
    return (special & 0x80000000u) == 0;
}

static int all_finite_portable(const void *bytes, int64_t count) { return all_finite(bytes, count); }

__attribute__((target("avx2"))) static int all_finite_avx2(const void *bytes, int64_t count) { return all_finite(bytes, count); }

int gesal_all_finite_with(int kernel, const void *bytes, int64_t count) {
    __builtin_cpu_init();
    switch (kernel) {
    case 0: return all_finite_portable(bytes, count);
    case 1: return __builtin_cpu_supports("avx2") ? all_finite_avx2(bytes, count) : -1;
    default: return -1;
    }
}

int gesal_all_finite(const void *bytes, int64_t count) {
    static int avx2 = -1;  // a benign race: every thread computes the same value
    if (avx2 < 0) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return avx2 ? all_finite_avx2(bytes, count) : all_finite_portable(bytes, count);
}
