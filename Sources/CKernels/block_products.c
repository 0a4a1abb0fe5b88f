#include "block_products.h"

#include <immintrin.h>
#include <string.h>

int gesal_cpu_has_avx512_vnni(void) {
    __builtin_cpu_init();
    return gesal_cpu_has_avx2_f16c() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") ? 1 : 0;
}

int gesal_cpu_has_avx2_f16c(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") ? 1 : 0;
}

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

enum { OUTPUTS = 4, ROWS = 64 };

// Four outputs' weight blocks k, unpacked to 32 values each, with their scales (and minimums).
typedef struct {
    __m256i values[OUTPUTS];
    __m128 d, m;
} Blocks;

static inline uint16_t half_bits(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return h; }

// Q4_1: d, m (f16), 16 bytes of nibbles, low nibbles first (values 0-15), then high ones.
AVX2 static inline void unpack_q4_1(const uint8_t *const rows[OUTPUTS], int64_t k, Blocks *b) {
    uint16_t d[OUTPUTS], m[OUTPUTS];
    for (int o = 0; o < OUTPUTS; o++) {
        const uint8_t *block = rows[o] + k * 20;
        d[o] = half_bits(block);
        m[o] = half_bits(block + 2);
        __m128i raw = _mm_loadu_si128((const __m128i *)(block + 4));
        __m128i low = _mm_and_si128(raw, _mm_set1_epi8(0x0F));
        __m128i high = _mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F));
        b->values[o] = _mm256_set_m128i(high, low);
    }
    b->d = _mm_cvtph_ps(_mm_setr_epi16((short)d[0], (short)d[1], (short)d[2], (short)d[3], 0, 0, 0, 0));
    b->m = _mm_cvtph_ps(_mm_setr_epi16((short)m[0], (short)m[1], (short)m[2], (short)m[3], 0, 0, 0, 0));
}

// Q8_0: d (f16), 32 signed bytes.
AVX2 static inline void unpack_q8_0(const uint8_t *const rows[OUTPUTS], int64_t k, Blocks *b) {
    uint16_t d[OUTPUTS];
    for (int o = 0; o < OUTPUTS; o++) {
        const uint8_t *block = rows[o] + k * 34;
        d[o] = half_bits(block);
        b->values[o] = _mm256_loadu_si256((const __m256i *)(block + 2));
    }
    b->d = _mm_cvtph_ps(_mm_setr_epi16((short)d[0], (short)d[1], (short)d[2], (short)d[3], 0, 0, 0, 0));
    b->m = _mm_setzero_ps();
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
                                                                 int is_q4_1, int vnni) {
    const int64_t blocks = inputs / 32, block_bytes = is_q4_1 ? 20 : 34;
    __m128 sums[ROWS];
    for (int64_t j = first_output; j < end_output; j += OUTPUTS) {
        // A last group of fewer than four outputs repeats its last one and stores only its own.
        const uint8_t *weight_rows[OUTPUTS];
        int64_t count = end_output - j < OUTPUTS ? end_output - j : OUTPUTS;
        for (int o = 0; o < OUTPUTS; o++) weight_rows[o] = (const uint8_t *)w + (j + (o < count ? o : count - 1)) * row_bytes;
        for (int64_t first = 0; first < rows; first += ROWS) {
            int64_t n = rows - first < ROWS ? rows - first : ROWS;
            for (int64_t r = 0; r < n; r++) sums[r] = _mm_setzero_ps();
            for (int64_t k = 0; k < blocks; k++) {
                // The next four outputs' weights, fetched while these are summed: a row's
                // product alone does too little work per byte to hide memory's latency.
                if (first == 0 && j + OUTPUTS < end_output)
                    for (int o = 0; o < OUTPUTS; o++) _mm_prefetch((const char *)weight_rows[o] + OUTPUTS * row_bytes + k * block_bytes, _MM_HINT_T0);
                Blocks b;
                if (is_q4_1) unpack_q4_1(weight_rows, k, &b); else unpack_q8_0(weight_rows, k, &b);
                for (int64_t r = 0; r < n; r++) {
                    int64_t index = (first + r) * blocks + k;
                    __m256i x = _mm256_loadu_si256((const __m256i *)(q + index * 32));
                    __m128i dot = vnni ? dots_vnni(&b, x, !is_q4_1) : dots(&b, x, !is_q4_1);
                    __m128 contribution = _mm_mul_ps(_mm_mul_ps(b.d, _mm_set1_ps(dx[index])), _mm_cvtepi32_ps(dot));
                    if (is_q4_1) contribution = _mm_add_ps(contribution, _mm_mul_ps(b.m, _mm_set1_ps(xs[index])));
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

// The four entry points: one per format and instruction set, each `products` specialised.
#define ENTRY(name, attributes, is_q4_1, vnni)                                                               \
    attributes void name(const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const float *xs,     \
                         int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output, int64_t stride,  \
                         float *y, int accumulate) {                                                               \
        products(w, row_bytes, q, dx, xs, rows, inputs, first_output, end_output, stride, y, accumulate, is_q4_1, vnni); \
    }
ENTRY(gesal_block_products_q4_1_avx2, AVX2, 1, 0)
ENTRY(gesal_block_products_q8_0_avx2, AVX2, 0, 0)
ENTRY(gesal_block_products_q4_1_vnni, VNNI, 1, 1)
ENTRY(gesal_block_products_q8_0_vnni, VNNI, 0, 1)
