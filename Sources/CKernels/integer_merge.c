#include "integer_merge.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "block_products.h"
#include "round_half_away.h"

// Columns a packed block holds, and int16 values a pair of its rows takes.
enum { BLOCK = 64, PAIR_VALUES = 2 * BLOCK, LANES = 8 };

int32_t gesal_integer_merge_limit(int64_t rank) {
    int64_t padded = gesal_integer_merge_padded_rank(rank);
    int64_t limit = padded > 0 ? (int64_t)sqrt(2147483647.0 / (double)padded) : 32767;
    // sqrt in double may round up past the exact root: step down until the bound holds.
    while (limit > 0 && limit * limit * padded > 2147483647) limit--;
    return (int32_t)(limit < 32767 ? limit : 32767);
}

int64_t gesal_integer_merge_padded_rank(int64_t rank) { return (rank + 1) & ~(int64_t)1; }

int64_t gesal_integer_merge_packed_count(int64_t rank, int64_t columns) {
    return gesal_integer_merge_padded_rank(rank) * ((columns + BLOCK - 1) / BLOCK * BLOCK);
}

// One value's level: |v| <= limit < 2^15, so round_half_away's truncation is exact. Clamped
// first, so a NaN becomes the limit (as the Q8 quantisers make it 127).
static inline int16_t level(float v, float limit) {
    v = v < limit ? v : limit;
    v = v >= -limit ? v : -limit;
    return (int16_t)round_half_away(v);
}

static inline float inverse_of(float scale) { return scale == 0 ? 0 : 1 / scale; }

// Only multiplies, magnitudes, comparisons and truncation: every compile of these loops
// gives the same bits, so the AVX2 copy is the portable one compiled wider.
__attribute__((always_inline)) static inline void quantize_left(const float *u, const float *s, int64_t rank, int32_t limit, int64_t first_row,
                                 int64_t end_row, int16_t *left, float *row_scales) {
    int64_t padded = gesal_integer_merge_padded_rank(rank);
    for (int64_t i = first_row; i < end_row; i++) {
        const float *row = u + i * rank;
        // Eight running maxima, so the compiler keeps them in one register (a maximum is the
        // same in any order).
        float lanes[LANES] = {0}, largest = 0;
        int64_t k = 0;
        for (; k + LANES <= rank; k += LANES)
            for (int l = 0; l < LANES; l++) {
                float x = s ? row[k + l] * s[k + l] : row[k + l], magnitude = x < 0 ? -x : x;
                lanes[l] = magnitude > lanes[l] ? magnitude : lanes[l];
            }
        for (; k < rank; k++) {
            float x = s ? row[k] * s[k] : row[k], magnitude = x < 0 ? -x : x;
            lanes[0] = magnitude > lanes[0] ? magnitude : lanes[0];
        }
        for (int l = 0; l < LANES; l++) largest = lanes[l] > largest ? lanes[l] : largest;
        float scale = largest / (float)limit, inverse = inverse_of(scale);
        int16_t *q = left + i * padded;
        for (k = 0; k < rank; k++) q[k] = level((s ? row[k] * s[k] : row[k]) * inverse, (float)limit);
        for (k = rank; k < padded; k++) q[k] = 0;
        row_scales[i] = scale;
    }
}

__attribute__((always_inline)) static inline void pack_right(const float *vt, const float *s, int64_t rank, int64_t columns, int32_t limit,
                              int64_t first_block, int64_t end_block, int16_t *packed, float *column_scales) {
    int64_t pairs = gesal_integer_merge_padded_rank(rank) / 2;
    for (int64_t b = first_block; b < end_block; b++) {
        int64_t first = b * BLOCK, width = columns - first < BLOCK ? columns - first : BLOCK;
        float largest[BLOCK] = {0}, inverse[BLOCK] = {0};
        for (int64_t k = 0; k < rank; k++) {
            const float *row = vt + k * columns + first;
            float scale = s ? s[k] : 1;
            for (int64_t j = 0; j < width; j++) {
                float x = row[j] * scale, magnitude = x < 0 ? -x : x;
                largest[j] = magnitude > largest[j] ? magnitude : largest[j];
            }
        }
        for (int64_t j = 0; j < BLOCK; j++) {
            float scale = largest[j] / (float)limit;
            column_scales[first + j] = scale;
            inverse[j] = inverse_of(scale);
        }
        int16_t *target = packed + b * pairs * PAIR_VALUES;
        memset(target, 0, (size_t)(pairs * PAIR_VALUES) * sizeof(int16_t));
        for (int64_t k = 0; k < rank; k++) {
            const float *row = vt + k * columns + first;
            float scale = s ? s[k] : 1;
            int16_t *pair = target + (k / 2) * PAIR_VALUES + (k % 2);
            for (int64_t j = 0; j < width; j++) pair[2 * j] = level(row[j] * scale * inverse[j], (float)limit);
        }
    }
}

#define AVX2 __attribute__((target("avx2,fma")))
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))

static void quantize_left_portable(const float *u, const float *s, int64_t rank, int32_t limit, int64_t first_row,
                                   int64_t end_row, int16_t *left, float *row_scales) {
    quantize_left(u, s, rank, limit, first_row, end_row, left, row_scales);
}
AVX2 static void quantize_left_avx2(const float *u, const float *s, int64_t rank, int32_t limit, int64_t first_row,
                                    int64_t end_row, int16_t *left, float *row_scales) {
    quantize_left(u, s, rank, limit, first_row, end_row, left, row_scales);
}
static void pack_right_portable(const float *vt, const float *s, int64_t rank, int64_t columns, int32_t limit,
                                int64_t first_block, int64_t end_block, int16_t *packed, float *column_scales) {
    pack_right(vt, s, rank, columns, limit, first_block, end_block, packed, column_scales);
}
AVX2 static void pack_right_avx2(const float *vt, const float *s, int64_t rank, int64_t columns, int32_t limit,
                                 int64_t first_block, int64_t end_block, int16_t *packed, float *column_scales) {
    pack_right(vt, s, rank, columns, limit, first_block, end_block, packed, column_scales);
}

// The definition: one exact int32 sum per value, pair by pair.
static void products_portable(const int16_t *left, const int16_t *packed, const float *row_scales, const float *column_scales,
                              int64_t rank, int64_t columns, int64_t first_row, int64_t end_row, float *w) {
    int64_t padded = gesal_integer_merge_padded_rank(rank), pairs = padded / 2;
    for (int64_t i = first_row; i < end_row; i++) {
        const int16_t *a = left + i * padded;
        for (int64_t j = 0; j < columns; j++) {
            const int16_t *b = packed + (j / BLOCK) * pairs * PAIR_VALUES + (j % BLOCK) * 2;
            int32_t sum = 0;
            for (int64_t p = 0; p < pairs; p++) sum += a[2 * p] * b[p * PAIR_VALUES] + a[2 * p + 1] * b[p * PAIR_VALUES + 1];
            w[i * columns + j] = ((float)sum * row_scales[i]) * column_scales[j];
        }
    }
}

// AVX2: a tile of ROWS rows by 16 columns, two vpmaddwd accumulators a row: with the two
// right vectors, the broadcast and a product, 12 of the 16 registers (a 3 x 32 tile spilled).
#define AVX2_ROWS 4
AVX2 static inline void avx2_tile(const int16_t *left, int64_t padded, const int16_t *block, int64_t pairs, int quarter,
                                  const float *row_scales, const float *column_scales, int64_t width, int64_t stride, int64_t i,
                                  const int rows, float *w) {
    __m256i sums[AVX2_ROWS][2];
    for (int r = 0; r < AVX2_ROWS; r++)
        for (int c = 0; c < 2; c++) sums[r][c] = _mm256_setzero_si256();
    const int16_t *b = block + quarter * 32;
    for (int64_t p = 0; p < pairs; p++, b += PAIR_VALUES) {
        __m256i right[2];
        for (int c = 0; c < 2; c++) right[c] = _mm256_loadu_si256((const __m256i *)(b + 16 * c));
        for (int r = 0; r < rows; r++) {
            int32_t pair;
            memcpy(&pair, left + (i + r) * padded + 2 * p, 4);
            __m256i a = _mm256_set1_epi32(pair);
            for (int c = 0; c < 2; c++) sums[r][c] = _mm256_add_epi32(sums[r][c], _mm256_madd_epi16(a, right[c]));
        }
    }
    int64_t first = quarter * 16;
    for (int r = 0; r < rows; r++) {
        __m256 d = _mm256_set1_ps(row_scales[i + r]);
        for (int c = 0; c < 2; c++) {
            float out[8];
            _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(sums[r][c]), d),
                                                _mm256_loadu_ps(column_scales + first + 8 * c)));
            for (int x = 0; x < 8; x++)
                if (first + 8 * c + x < width) w[(i + r) * stride + first + 8 * c + x] = out[x];
        }
    }
}

AVX2 static void products_avx2(const int16_t *left, const int16_t *packed, const float *row_scales, const float *column_scales,
                               int64_t rank, int64_t columns, int64_t first_row, int64_t end_row, float *w) {
    int64_t padded = gesal_integer_merge_padded_rank(rank), pairs = padded / 2;
    for (int64_t b = 0; b * BLOCK < columns; b++) {
        const int16_t *block = packed + b * pairs * PAIR_VALUES;
        for (int quarter = 0; quarter < 4 && b * BLOCK + quarter * 16 < columns; quarter++) {
            int64_t i = first_row;
            // The row count a constant in each call, so the accumulators stay in registers.
            for (; i + AVX2_ROWS <= end_row; i += AVX2_ROWS)
                avx2_tile(left, padded, block, pairs, quarter, row_scales, column_scales + b * BLOCK, columns - b * BLOCK, columns, i,
                          AVX2_ROWS, w + b * BLOCK);
            for (; i < end_row; i++)
                avx2_tile(left, padded, block, pairs, quarter, row_scales, column_scales + b * BLOCK, columns - b * BLOCK, columns, i, 1,
                          w + b * BLOCK);
        }
    }
}

// AVX-512 VNNI: a tile of ROWS rows by 64 columns, four vpdpwssd accumulators a row, the
// left's pair broadcast from memory.
#define VNNI_ROWS 6
VNNI static inline void vnni_tile(const int16_t *left, int64_t padded, const int16_t *block, int64_t pairs,
                                  const float *row_scales, const float *column_scales, int64_t width, int64_t stride,
                                  int64_t i, const int rows, float *w) {
    __m512i sums[VNNI_ROWS][4];
    for (int r = 0; r < VNNI_ROWS; r++)
        for (int c = 0; c < 4; c++) sums[r][c] = _mm512_setzero_si512();
    const int16_t *b = block;
    for (int64_t p = 0; p < pairs; p++, b += PAIR_VALUES) {
        __m512i right[4];
        for (int c = 0; c < 4; c++) right[c] = _mm512_loadu_si512(b + 32 * c);
        for (int r = 0; r < rows; r++) {
            int32_t pair;
            memcpy(&pair, left + (i + r) * padded + 2 * p, 4);
            __m512i a = _mm512_set1_epi32(pair);
            for (int c = 0; c < 4; c++) sums[r][c] = _mm512_dpwssd_epi32(sums[r][c], a, right[c]);
        }
    }
    for (int r = 0; r < rows; r++) {
        __m512 d = _mm512_set1_ps(row_scales[i + r]);
        for (int c = 0; c < 4; c++) {
            int64_t first = 16 * c;
            if (first >= width) break;
            __mmask16 keep = width - first >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (width - first)) - 1);
            __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(sums[r][c]), d), _mm512_loadu_ps(column_scales + first));
            _mm512_mask_storeu_ps(w + (i + r) * stride + first, keep, v);
        }
    }
}

VNNI static void products_vnni(const int16_t *left, const int16_t *packed, const float *row_scales, const float *column_scales,
                               int64_t rank, int64_t columns, int64_t first_row, int64_t end_row, float *w) {
    int64_t padded = gesal_integer_merge_padded_rank(rank), pairs = padded / 2;
    for (int64_t b = 0; b * BLOCK < columns; b++) {
        const int16_t *block = packed + b * pairs * PAIR_VALUES;
        int64_t i = first_row;
        // The row count a constant in each call, so the accumulators stay in registers.
        for (; i + VNNI_ROWS <= end_row; i += VNNI_ROWS)
            vnni_tile(left, padded, block, pairs, row_scales, column_scales + b * BLOCK, columns - b * BLOCK, columns, i, VNNI_ROWS,
                      w + b * BLOCK);
        for (; i < end_row; i++)
            vnni_tile(left, padded, block, pairs, row_scales, column_scales + b * BLOCK, columns - b * BLOCK, columns, i, 1, w + b * BLOCK);
    }
}

int gesal_integer_merge_best_kernel(void) {
    if (gesal_cpu_has_avx512_vnni()) return 2;
    return gesal_cpu_has_avx2_f16c() ? 1 : 0;
}

static int runs(int kernel) { return kernel >= 0 && kernel <= gesal_integer_merge_best_kernel(); }

int gesal_integer_merge_quantize_left_with(int kernel, const float *u, const float *s, int64_t rank, int32_t limit,
                                           int64_t first_row, int64_t end_row, int16_t *left, float *row_scales) {
    if (!runs(kernel)) return -1;
    if (kernel == 0) quantize_left_portable(u, s, rank, limit, first_row, end_row, left, row_scales);
    else quantize_left_avx2(u, s, rank, limit, first_row, end_row, left, row_scales);
    return 0;
}

int gesal_integer_merge_pack_right_with(int kernel, const float *vt, const float *s, int64_t rank, int64_t columns, int32_t limit,
                                        int64_t first_block, int64_t end_block, int16_t *packed, float *column_scales) {
    if (!runs(kernel)) return -1;
    if (kernel == 0) pack_right_portable(vt, s, rank, columns, limit, first_block, end_block, packed, column_scales);
    else pack_right_avx2(vt, s, rank, columns, limit, first_block, end_block, packed, column_scales);
    return 0;
}

int gesal_integer_merge_products_with(int kernel, const int16_t *left, const int16_t *packed, const float *row_scales,
                                      const float *column_scales, int64_t rank, int64_t columns,
                                      int64_t first_row, int64_t end_row, float *w) {
    if (!runs(kernel)) return -1;
    switch (kernel) {
    case 0: products_portable(left, packed, row_scales, column_scales, rank, columns, first_row, end_row, w); break;
    case 1: products_avx2(left, packed, row_scales, column_scales, rank, columns, first_row, end_row, w); break;
    default: products_vnni(left, packed, row_scales, column_scales, rank, columns, first_row, end_row, w); break;
    }
    return 0;
}
