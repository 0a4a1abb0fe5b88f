// Block products for many activation rows at once (batched decoding, prompts): the same sums
// as block_products.c's kernel, bit for bit, arranged so that a weight block's unpacking and
// the integer steps' horizontal adds are not paid once per row.
//
// Eight outputs' blocks k are unpacked once and transposed, so register g holds values
// 4g..4g+3 of each of the eight outputs (byte 4o + e). Against it, an activation block's four
// values 4g..4g+3, broadcast to every 32-bit lane, make with vpmaddubsw and vpmaddwd (or
// VNNI's vpdpbusd) the eight outputs' partial dot products in eight 32-bit lanes; the eight
// registers g add up to the block's eight integer dot products with no horizontal add. The
// floats then follow the order every kernel keeps: (d * dx) * Σ, then + m * xs, then onto
// the row's sum, block after block in input order.
#include "block_layouts.h"

enum { GROUP = 8, TILE = 4, ROWS = 64, CHUNK = 32 };

// Eight outputs' block k, transposed: `values` unsigned bytes (Q5_0's biased by 16, Q8_0's
// magnitudes, whose signs a separate array keeps to move onto the activations), d and m as
// floats.
typedef struct {
    __m256i values[GROUP];
    __m256 d, m;
} Group;

// 8 x 8 32-bit words transposed: word g of r[o] becomes word o of r[g].
AVX2 static inline void transpose(__m256i r[GROUP]) {
    __m256i t[GROUP], u[GROUP];
    for (int i = 0; i < GROUP; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < GROUP; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
    }
}

// The eight outputs' blocks [k0, k0 + count) unpacked and transposed into `group`
// (and Q8_0's signed bytes into `signs`), fetching the weights ahead short of `end`.
AVX2 static inline void unpack_groups(const uint8_t *const rows[GROUP], int64_t k0, int64_t count, int format, Group *group,
                                      __m256i (*signs)[GROUP], const uint8_t *end) {
    const int64_t bytes = block_bytes(format);
    for (int64_t k = 0; k < count; k++) {
        prefetch_ahead(rows[0] + (k0 + k) * GROUP * bytes, GROUP * bytes, end, 0);
        uint16_t d[GROUP], m[GROUP] = {0};
        __m256i v[GROUP];
        for (int o = 0; o < GROUP; o++) {
            const uint8_t *block = rows[o] + (k0 + k) * bytes;
            d[o] = half_bits(block);
            if (has_minimum(format)) m[o] = half_bits(block + 2);
            v[o] = block_values(block, format);
        }
        transpose(v);
        for (int g = 0; g < GROUP; g++) {
            if (format == GESAL_Q8_0) {
                signs[k][g] = v[g];
                v[g] = _mm256_sign_epi8(v[g], v[g]);
            }
            group[k].values[g] = v[g];
        }
        group[k].d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)d));
        group[k].m = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)m));
    }
}

// An activation block's values 4g..4g+3 in every 32-bit lane of register g. (Loading each
// half into both 128-bit lanes and picking words with vpshufd measured the same.)
AVX2 static inline void spread(const int8_t *q, __m256i words[GROUP]) {
    for (int g = 0; g < GROUP; g++) {
        int32_t word;
        memcpy(&word, q + 4 * g, 4);
        words[g] = _mm256_set1_epi32(word);
    }
}

// A block's eight integer dot products with one activation block q. vpmaddubsw's pair sums
// (at most 2 · 15 · 127 = 3810 for Q4_1's nibbles, 2 · 31 · 127 = 7874 for Q5's five bits,
// 2 · 128 · 127 = 32512 for Q8_0's magnitudes) are added as 16-bit words while they cannot
// overflow: eight of Q4_1's, four of Q5's, one of Q8_0's. Q5_0's bias comes off as 16 · Σq.
AVX2 static inline __m256i group_dots(const Group *b, const __m256i *signs, const int8_t *q, int32_t q_sum, int format) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i words[GROUP];
    spread(q, words);
    __m256i dots = _mm256_setzero_si256();
    if (format == GESAL_Q8_0) {
        for (int g = 0; g < GROUP; g++) {
            __m256i x = _mm256_sign_epi8(words[g], signs[g]);
            dots = _mm256_add_epi32(dots, _mm256_madd_epi16(_mm256_maddubs_epi16(b->values[g], x), ones));
        }
        return dots;
    }
    const int run = format == GESAL_Q4_1 ? 8 : 4;
    for (int first = 0; first < GROUP; first += run) {
        __m256i pairs = _mm256_maddubs_epi16(b->values[first], words[first]);
        for (int g = first + 1; g < first + run; g++)
            pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(b->values[g], words[g]));
        dots = _mm256_add_epi32(dots, _mm256_madd_epi16(pairs, ones));
    }
    if (format == GESAL_Q5_0) dots = _mm256_sub_epi32(dots, _mm256_set1_epi32(16 * q_sum));
    return dots;
}

// The same with vpdpbusd, which adds into 32-bit lanes and never saturates.
VNNI static inline __m256i group_dots_vnni(const Group *b, const __m256i *signs, const int8_t *q, int32_t q_sum, int format) {
    __m256i words[GROUP];
    spread(q, words);
    __m256i dots = _mm256_setzero_si256();
    for (int g = 0; g < GROUP; g++) {
        __m256i x = words[g];
        if (format == GESAL_Q8_0) x = _mm256_sign_epi8(x, signs[g]);
        dots = _mm256_dpbusd_epi32(dots, b->values[g], x);
    }
    if (format == GESAL_Q5_0) dots = _mm256_sub_epi32(dots, _mm256_set1_epi32(16 * q_sum));
    return dots;
}

// Rows [first, first + tile) against the unpacked blocks [k0, k0 + count): each row's eight
// sums in `sums` go on from where they stand.
#define TILE_SUMS(name, attributes, dots_of)                                                                            \
    attributes __attribute__((always_inline)) static inline void name(                                                    \
        const Group *group, __m256i (*signs)[GROUP], int64_t k0, int64_t count, const int8_t *q, const float *dx,          \
        const int32_t *q_sums, const float *xs, int64_t blocks, int64_t first, int tile, __m256 *sums, int format) {     \
        __m256 acc[TILE];                                                                                                 \
        for (int t = 0; t < tile; t++) acc[t] = sums[t];                                                                  \
        for (int64_t k = 0; k < count; k++) {                                                                             \
            for (int t = 0; t < tile; t++) {                                                                              \
                int64_t index = (first + t) * blocks + k0 + k;                                                            \
                __m256i dots = dots_of(&group[k], signs[k], q + index * 32, q_sums[index], format);                       \
                __m256 contribution = _mm256_mul_ps(_mm256_mul_ps(group[k].d, _mm256_set1_ps(dx[index])), _mm256_cvtepi32_ps(dots)); \
                if (has_minimum(format)) contribution = _mm256_add_ps(contribution, _mm256_mul_ps(group[k].m, _mm256_set1_ps(xs[index]))); \
                acc[t] = _mm256_add_ps(acc[t], contribution);                                                             \
            }                                                                                                             \
        }                                                                                                                 \
        for (int t = 0; t < tile; t++) sums[t] = acc[t];                                                                  \
    }
TILE_SUMS(tile_sums, AVX2, group_dots)
TILE_SUMS(tile_sums_vnni, VNNI, group_dots_vnni)

// gesal_block_products' work for `rows` of at least two, one format and instruction set at a
// time: for each eight outputs, CHUNK blocks are unpacked at a time and every row (TILE at a
// time) takes them on; a last group of fewer than eight outputs repeats its last one and
// stores only its own.
#define GROUP_PRODUCTS(name, attributes, tile_of)                                                                        \
    attributes __attribute__((always_inline)) static inline void name(                                                    \
        const void *w, int64_t row_bytes, const int8_t *q, const float *dx, const int32_t *q_sums, const float *xs,       \
        int64_t rows, int64_t inputs, int64_t first_output, int64_t end_output, int64_t stride, float *y, int accumulate, \
        int format) {                                                                                                     \
        const int64_t blocks = inputs / 32;                                                                               \
        Group group[CHUNK];                                                                                               \
        __m256i signs[CHUNK][GROUP];                                                                                      \
        __m256 sums[ROWS];                                                                                                \
        const uint8_t *end = (const uint8_t *)w + end_output * row_bytes;                                                 \
        for (int64_t j = first_output; j < end_output; j += GROUP) {                                                      \
            const uint8_t *weight_rows[GROUP];                                                                            \
            int64_t count = end_output - j < GROUP ? end_output - j : GROUP;                                              \
            for (int o = 0; o < GROUP; o++) weight_rows[o] = (const uint8_t *)w + (j + (o < count ? o : count - 1)) * row_bytes; \
            for (int64_t first = 0; first < rows; first += ROWS) {                                                        \
                int64_t n = rows - first < ROWS ? rows - first : ROWS;                                                    \
                for (int64_t r = 0; r < n; r++) sums[r] = _mm256_setzero_ps();                                            \
                for (int64_t k0 = 0; k0 < blocks; k0 += CHUNK) {                                                          \
                    int64_t chunk = blocks - k0 < CHUNK ? blocks - k0 : CHUNK;                                            \
                    unpack_groups(weight_rows, k0, chunk, format, group, signs, end);                                     \
                    int64_t r = 0;                                                                                        \
                    for (; r + TILE <= n; r += TILE)                                                                      \
                        tile_of(group, signs, k0, chunk, q, dx, q_sums, xs, blocks, first + r, TILE, sums + r, format);  \
                    switch (n - r) {                                                                                      \
                    case 3: tile_of(group, signs, k0, chunk, q, dx, q_sums, xs, blocks, first + r, 3, sums + r, format); break; \
                    case 2: tile_of(group, signs, k0, chunk, q, dx, q_sums, xs, blocks, first + r, 2, sums + r, format); break; \
                    case 1: tile_of(group, signs, k0, chunk, q, dx, q_sums, xs, blocks, first + r, 1, sums + r, format); break; \
                    }                                                                                                     \
                }                                                                                                         \
                for (int64_t r = 0; r < n; r++) {                                                                         \
                    float lanes[GROUP];                                                                                   \
                    _mm256_storeu_ps(lanes, sums[r]);                                                                     \
                    float *out = y + (first + r) * stride + j;                                                            \
                    for (int64_t o = 0; o < count; o++) out[o] = accumulate ? out[o] + lanes[o] : lanes[o];              \
                }                                                                                                         \
            }                                                                                                             \
        }                                                                                                                 \
    }
GROUP_PRODUCTS(group_products, AVX2, tile_sums)
GROUP_PRODUCTS(group_products_vnni, VNNI, tile_sums_vnni)

#define GROUP_ENTRY(name, attributes, products)                                                                     \
    attributes void name(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,            \
                         const int32_t *q_sums, const float *xs, int64_t rows, int64_t inputs, int64_t first_output, \
                         int64_t end_output, int64_t stride, float *y, int accumulate) {                             \
        SPECIALISED(format, products, w, row_bytes, q, dx, q_sums, xs, rows, inputs, first_output, end_output, stride, y, accumulate) \
    }
GROUP_ENTRY(gesal_block_group_products_avx2, AVX2, group_products)
GROUP_ENTRY(gesal_block_group_products_vnni, VNNI, group_products_vnni)
