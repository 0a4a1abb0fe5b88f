#include "block_layouts.h"

int gesal_cpu_has_avx512_vnni(void) {
    __builtin_cpu_init();
    return gesal_cpu_has_avx2_f16c() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") ? 1 : 0;
}

int gesal_cpu_has_avx2_f16c(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") ? 1 : 0;
}

enum { OUTPUTS = 4, ROWS = 64 };

// Four outputs' weight blocks k, unpacked to 32 values each, with their scales (and minimums).
typedef struct {
    __m256i values[OUTPUTS];
    __m128 d, m;
} Blocks;

AVX2 static inline __m128 halves(const uint16_t h[OUTPUTS]) {
    return _mm_cvtph_ps(_mm_setr_epi16((short)h[0], (short)h[1], (short)h[2], (short)h[3], 0, 0, 0, 0));
}

// Four outputs' blocks k in `format` (block_layouts.h; d and m are f16), Q5_0's values
// made signed again.
AVX2 static inline void unpack(const uint8_t *const rows[OUTPUTS], int64_t k, int format, Blocks *b) {
    uint16_t d[OUTPUTS], m[OUTPUTS] = {0};
    for (int o = 0; o < OUTPUTS; o++) {
        const uint8_t *block = rows[o] + k * block_bytes(format);
        d[o] = half_bits(block);
        if (has_minimum(format)) m[o] = half_bits(block + 2);
        b->values[o] = block_values(block, format);
        if (format == GESAL_Q5_0) b->values[o] = _mm256_sub_epi8(b->values[o], _mm256_set1_epi8(16));
    }
    b->d = halves(d);
    b->m = halves(m);
}

// The four outputs' integer dot products with one activation block, as four lanes: each
// product's pairs added by vpmaddubsw (unsigned weights; signed ones move their sign onto
// the activations), then to 32 bits by vpmaddwd, then the four sums gathered by vphaddd.
// With VNNI, `vpdpbusd` does both steps in one instruction, to the same sums (vpmaddubsw
// cannot saturate here: a pair of products is at most 128 · 127 · 2 = 32512).
#define DOTS(name, attributes, pair_sums)                                                             \
    attributes static inline __m128i name(const Blocks *b, __m256i q, int is_signed) {               \
        __m256i sums[OUTPUTS];                                                                        \
        for (int o = 0; o < OUTPUTS; o++) {                                                           \
            __m256i w = b->values[o], x = q;                                                          \
            if (is_signed) {                                                                          \
                x = _mm256_sign_epi8(q, w);                                                           \
                w = _mm256_sign_epi8(w, w);                                                           \
            }                                                                                         \
            sums[o] = pair_sums;                                                                      \
        }                                                                                             \
        __m256i pairs = _mm256_hadd_epi32(_mm256_hadd_epi32(sums[0], sums[1]), _mm256_hadd_epi32(sums[2], sums[3])); \
        return _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));     \
    }
DOTS(dots, AVX2, _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)))
DOTS(dots_vnni, VNNI, _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x))


AVX2 __attribute__((always_inline)) static inline void products(const void *w, int64_t row_bytes, const int8_t *q, const float *dx,
                                                                 const float *xs, int64_t rows, int64_t inputs, int64_t first_output,
                                                                 int64_t end_output, int64_t stride, float *y, int accumulate,
                                                                 int vnni, int format) {
    const int64_t blocks = inputs / 32, bytes = block_bytes(format);
    __m128 sums[ROWS];
    const uint8_t *end = (const uint8_t *)w + end_output * row_bytes;
    for (int64_t j = first_output; j < end_output; j += OUTPUTS) {
        // A last group of fewer than four outputs repeats its last one and stores only its own.
        const uint8_t *weight_rows[OUTPUTS];
        int64_t count = end_output - j < OUTPUTS ? end_output - j : OUTPUTS;
        for (int o = 0; o < OUTPUTS; o++) weight_rows[o] = (const uint8_t *)w + (j + (o < count ? o : count - 1)) * row_bytes;
        for (int64_t first = 0; first < rows; first += ROWS) {
            int64_t n = rows - first < ROWS ? rows - first : ROWS;
            for (int64_t r = 0; r < n; r++) sums[r] = _mm_setzero_ps();
            for (int64_t k = 0; k < blocks; k++) {
                // A row's product alone does too little work per byte to hide memory's latency.
                if (first == 0) prefetch_ahead(weight_rows[0] + k * OUTPUTS * bytes, OUTPUTS * bytes, end, 1);
                Blocks b;
                unpack(weight_rows, k, format, &b);
                for (int64_t r = 0; r < n; r++) {
                    int64_t index = (first + r) * blocks + k;
                    __m256i x = _mm256_loadu_si256((const __m256i *)(q + index * 32));
                    __m128i dot = vnni ? dots_vnni(&b, x, is_signed(format)) : dots(&b, x, is_signed(format));
                    __m128 contribution = _mm_mul_ps(_mm_mul_ps(b.d, _mm_set1_ps(dx[index])), _mm_cvtepi32_ps(dot));
                    if (has_minimum(format)) contribution = _mm_add_ps(contribution, _mm_mul_ps(b.m, _mm_set1_ps(xs[index])));
                    sums[r] = _mm_add_ps(sums[r], contribution);
                }
            }
            for (int64_t r = 0; r < n; r++) {
                float lanes[OUTPUTS];
                _mm_storeu_ps(lanes, sums[r]);
                float *out = y + (first + r) * stride + j;
                for (int64_t o = 0; o < count; o++) out[o] = accumulate ? out[o] + lanes[o] : lanes[o];
            }
        }
    }
}

// The two entry points, one per instruction set, each with `products` specialised per format;
// from two rows on (four for Q8_0, whose signs cost the other kernel a step per row and value
// word), the kernel that unpacks a block once for all rows takes over: in a benchmark of a
// 1536 x 576 matrix on one AMD EPYC core, Q4_1 took 1.22 ns per row and block of 32 inputs
// against 1.39 at two rows, 0.56 against 0.96 at sixteen; Q8_0 1.42 against 1.21 at two
// rows, 1.01 against 1.02 at four, 0.77 against 0.89 at sixteen.
#define ENTRY(name, attributes, vnni, grouped)                                                                      \
    attributes void name(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,           \
                         const int32_t *q_sums, const float *xs, int64_t rows, int64_t inputs, int64_t first_output, \
                         int64_t end_output, int64_t stride, float *y, int accumulate) {                            \
        if (rows >= (format == GESAL_Q8_0 ? 4 : 2)) {                                                                \
            grouped(format, w, row_bytes, q, dx, q_sums, xs, rows, inputs, first_output, end_output, stride, y, accumulate); \
            return;                                                                                                  \
        }                                                                                                            \
        SPECIALISED(format, products, w, row_bytes, q, dx, xs, rows, inputs, first_output, end_output, stride, y, accumulate, vnni) \
    }
ENTRY(gesal_block_products_avx2, AVX2, 0, gesal_block_group_products_avx2)
ENTRY(gesal_block_products_vnni, VNNI, 1, gesal_block_group_products_vnni)
