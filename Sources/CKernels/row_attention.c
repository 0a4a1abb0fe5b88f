#include "row_attention.h"
#include "lane_sums.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

// Up to HEADS heads of a group share each load (more go in sets of HEADS); the scores of
// POSITIONS positions run side by side.
enum { HEADS = 3, POSITIONS = 4 };

// P positions by H heads: each key load serves H heads, each query load P positions, and the
// P * H sums are independent chains. P and H are constants where it is inlined.
AVX2 __attribute__((always_inline)) static inline void score_tile(const float *query, int64_t head_dim, int64_t lanes,
                                                                  const float *keys, int64_t stride, int64_t p, float scale,
                                                                  float *scores, int64_t scores_stride, const int P, const int H) {
    __m256 s[POSITIONS][HEADS];
    for (int a = 0; a < P; a++)
        for (int h = 0; h < H; h++) s[a][h] = _mm256_setzero_ps();
    for (int64_t i = 0; i < lanes; i += 8) {
        __m256 k[POSITIONS];
        for (int a = 0; a < P; a++) k[a] = _mm256_loadu_ps(keys + (p + a) * stride + i);
        for (int h = 0; h < H; h++) {
            const __m256 q = _mm256_loadu_ps(query + h * head_dim + i);
            for (int a = 0; a < P; a++) s[a][h] = _mm256_add_ps(s[a][h], _mm256_mul_ps(q, k[a]));
        }
    }
    for (int a = 0; a < P; a++)
        for (int h = 0; h < H; h++)
            scores[h * scores_stride + p + a] = finish_lanes(s[a][h], query + h * head_dim, keys + (p + a) * stride, lanes, head_dim) * scale;
}

AVX2 __attribute__((always_inline)) static inline void score_heads(const float *query, int64_t head_dim, const float *keys, int64_t stride,
                                                                   int64_t positions, float scale, float *scores, int64_t scores_stride,
                                                                   const int H) {
    const int64_t lanes = head_dim / 8 * 8;
    int64_t p = 0;
    for (; p + POSITIONS <= positions; p += POSITIONS)
        score_tile(query, head_dim, lanes, keys, stride, p, scale, scores, scores_stride, POSITIONS, H);
    for (; p < positions; p++) score_tile(query, head_dim, lanes, keys, stride, p, scale, scores, scores_stride, 1, H);
}

AVX2 void gesal_attention_scores_avx2(const float *query, int64_t group, int64_t head_dim, const float *keys, int64_t stride,
                                      int64_t positions, float scale, float *scores, int64_t scores_stride) {
    for (int64_t h = 0; h < group; h += HEADS) {
        const float *q = query + h * head_dim;
        float *s = scores + h * scores_stride;
        switch (group - h < HEADS ? group - h : HEADS) {
        case 1: score_heads(q, head_dim, keys, stride, positions, scale, s, scores_stride, 1); break;
        case 2: score_heads(q, head_dim, keys, stride, positions, scale, s, scores_stride, 2); break;
        default: score_heads(q, head_dim, keys, stride, positions, scale, s, scores_stride, 3); break;
        }
    }
}

// C runs of eight dimensions from `i` by H heads: each value load serves H heads. Every sum
// starts at 0 and adds the positions in order.
AVX2 __attribute__((always_inline)) static inline void value_tile(const float *scores, int64_t scores_stride, const float *values,
                                                                  int64_t stride, int64_t positions, int64_t head_dim, int64_t i,
                                                                  float *out, const int C, const int H) {
    __m256 a[2][HEADS];
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++) a[c][h] = _mm256_setzero_ps();
    for (int64_t p = 0; p < positions; p++) {
        __m256 v[2];
        for (int c = 0; c < C; c++) v[c] = _mm256_loadu_ps(values + p * stride + i + 8 * c);
        for (int h = 0; h < H; h++) {
            const __m256 weight = _mm256_set1_ps(scores[h * scores_stride + p]);
            for (int c = 0; c < C; c++) a[c][h] = _mm256_add_ps(a[c][h], _mm256_mul_ps(weight, v[c]));
        }
    }
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++) _mm256_storeu_ps(out + h * head_dim + i + 8 * c, a[c][h]);
}

AVX2 __attribute__((always_inline)) static inline void value_heads(const float *scores, int64_t scores_stride, const float *values,
                                                                   int64_t stride, int64_t positions, int64_t head_dim, float *out,
                                                                   const int H) {
    const int64_t lanes = head_dim / 8 * 8;
    int64_t i = 0;
    for (; i + 16 <= lanes; i += 16) value_tile(scores, scores_stride, values, stride, positions, head_dim, i, out, 2, H);
    for (; i < lanes; i += 8) value_tile(scores, scores_stride, values, stride, positions, head_dim, i, out, 1, H);
    for (int h = 0; h < H; h++)
        for (int64_t d = lanes; d < head_dim; d++) {
            float sum = 0;
            for (int64_t p = 0; p < positions; p++) sum += scores[h * scores_stride + p] * values[p * stride + d];
            out[h * head_dim + d] = sum;
        }
}

AVX2 void gesal_attention_values_avx2(const float *scores, int64_t scores_stride, int64_t group, const float *values, int64_t stride,
                                      int64_t positions, int64_t head_dim, float *out) {
    for (int64_t h = 0; h < group; h += HEADS) {
        const float *s = scores + h * scores_stride;
        float *o = out + h * head_dim;
        switch (group - h < HEADS ? group - h : HEADS) {
        case 1: value_heads(s, scores_stride, values, stride, positions, head_dim, o, 1); break;
        case 2: value_heads(s, scores_stride, values, stride, positions, head_dim, o, 2); break;
        default: value_heads(s, scores_stride, values, stride, positions, head_dim, o, 3); break;
        }
    }
}

AVX2 float gesal_attention_read_through(const float *x, int64_t count) {
    // Four independent sums, so the loads run ahead of one another.
    __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
    int64_t i = 0;
    for (; i + 32 <= count; i += 32) {
        a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
        b = _mm256_add_ps(b, _mm256_loadu_ps(x + i + 8));
        c = _mm256_add_ps(c, _mm256_loadu_ps(x + i + 16));
        d = _mm256_add_ps(d, _mm256_loadu_ps(x + i + 24));
    }
    float total = _mm_cvtss_f32(_mm256_castps256_ps128(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d))));
    for (; i < count; i++) total += x[i];
    return total;
}
