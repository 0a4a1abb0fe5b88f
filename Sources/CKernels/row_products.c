#include "row_products.h"
#include "lane_sums.h"
#include "thread_scratch.h"

#include <immintrin.h>
#include <pthread.h>
#include <stddef.h>

int gesal_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

#define AVX2 __attribute__((target("avx2,fma")))

#define PREFETCH_HINT _MM_HINT_T0

// R rows by O outputs at once: each weight load serves R rows, each input load O outputs,
// and the R * O sums are independent chains that keep both FMA units busy (one chain alone
// waits on each FMA's latency). R and O are constants where it is inlined, so the
// accumulators stay in registers.
AVX2 __attribute__((always_inline)) static inline void tile(const float *x, const float *w, int64_t inputs, int64_t lanes,
                                                             int64_t j, float *y, int64_t stride, int accumulate,
                                                             const int R, const int O) {
    __m256 s[4][4];
    for (int r = 0; r < R; r++)
        for (int o = 0; o < O; o++) s[r][o] = _mm256_setzero_ps();
    for (int64_t i = 0; i < lanes; i += 8) {
        __m256 weights[4];
        for (int o = 0; o < O; o++) weights[o] = _mm256_loadu_ps(w + (j + o) * inputs + i);
        for (int r = 0; r < R; r++) {
            __m256 input = _mm256_loadu_ps(x + r * inputs + i);
            for (int o = 0; o < O; o++) s[r][o] = _mm256_fmadd_ps(input, weights[o], s[r][o]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int o = 0; o < O; o++) {
            float total = finish_lanes(s[r][o], x + r * inputs, w + (j + o) * inputs, lanes, inputs);
            float *out = y + r * stride + j + o;
            *out = accumulate ? *out + total : total;
        }
}

AVX2 void gesal_row_products_avx2_fma(const float *x, int64_t rows, const float *w, int64_t inputs,
                                      int64_t first_output, int64_t end_output, int64_t stride,
                                      float *y, int accumulate) {
    const int64_t lanes = inputs / 8 * 8;
    // Outputs outside, rows inside: the weights of a few outputs are read from memory once
    // and serve every row from the first-level cache.
    int64_t j = first_output;
    for (; j + 4 <= end_output; j += 4) {
        // The next four outputs' weights are fetched while these are computed, a share
        // before each tile: otherwise the first tile waits on memory and the others leave
        // it idle.
        const char *next = (const char *)(w + (j + 4) * inputs);
        const int64_t lines = j + 8 <= end_output ? (4 * inputs * (int64_t)sizeof(float) + 63) / 64 : 0;
        const int64_t share = (lines + (rows + 1) / 2 - 1) / ((rows + 1) / 2);
        int64_t fetched = 0;
        int64_t b = 0;
        for (; b < rows; b += 2) {
            for (int64_t k = 0; k < share && fetched < lines; k++, fetched++) _mm_prefetch(next + fetched * 64, PREFETCH_HINT);
            if (b + 2 <= rows) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 2, 4);
            else tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 1, 4);
        }
    }
    for (; j < end_output; j++) {
        int64_t b = 0;
        for (; b + 4 <= rows; b += 4) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 4, 1);
        for (; b < rows; b++) tile(x + b * inputs, w, inputs, lanes, j, y + b * stride, stride, accumulate, 1, 1);
    }
}

int gesal_cpu_has_avx512f(void) {
    __builtin_cpu_init();
    return gesal_cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define AVX512 __attribute__((target("avx512f,avx2,fma")))

// Rows go in pairs, one 512-bit register holding eight inputs of each: lanes 0-7 the first
// row's, 8-15 the second's. Each half then runs exactly the AVX2 kernel's eight chains, so the
// bits are the AVX2 kernel's, and one instruction does the work of two.
enum { PAIRS = 8, WIDE_OUTPUTS = 3 };  // WIDE_OUTPUTS: wide_tiles_3 below

// The rows as pairs, in groups of eight pairs, step by step: in a group of `pairs` pairs
// starting at group * PAIRS * steps * 16, pair p's eight inputs at step k start at
// (k * pairs + p) * 16, so a step reads one run of memory. A lone last row is paired with
// zeros. One buffer per thread, since each worker packs the rows for itself.
static gesal_thread_scratch *packing;
static pthread_once_t packing_once = PTHREAD_ONCE_INIT;
static void make_packing(void) { packing = gesal_thread_scratch_create(); }

AVX512 static const float *pack(const float *x, int64_t rows, int64_t inputs, int64_t steps) {
    const int64_t needed = (rows + 1) / 2 * steps * 16;
    pthread_once(&packing_once, make_packing);
    float *packed_rows = packing && needed > 0 ? gesal_thread_scratch_floats(packing, needed) : NULL;
    if (!packed_rows) return NULL;
    for (int64_t first = 0; first < rows; first += 2 * PAIRS) {
        const int64_t group = rows - first < 2 * PAIRS ? rows - first : 2 * PAIRS, pairs = (group + 1) / 2;
        float *to = packed_rows + first / 2 * steps * 16;
        const float *from = x + first * inputs;
        for (int64_t p = 0; p < pairs; p++)
            for (int64_t k = 0; k < steps; k++) {
                const __m256 one = _mm256_loadu_ps(from + 2 * p * inputs + k * 8);
                const __m256 two = 2 * p + 1 < group ? _mm256_loadu_ps(from + (2 * p + 1) * inputs + k * 8) : _mm256_setzero_ps();
                // (as doubles: the same bits, and AVX-512F has no float form of the insert)
                _mm512_store_ps(to + (k * pairs + p) * 16, _mm512_castpd_ps(_mm512_insertf64x4(
                                    _mm512_castpd256_pd512(_mm256_castps_pd(one)), _mm256_castps_pd(two), 1)));
            }
    }
    return packed_rows;
}

// The first and second row's eight lanes of a pair's sum.
AVX512 static inline __m256 low_half(__m512 sum) { return _mm512_castps512_ps256(sum); }
AVX512 static inline __m256 high_half(__m512 sum) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(sum), 1)); }

// P row pairs by O outputs: 24 accumulators at most, three weight registers and one input
// register, within AVX-512's 32. The next tile's weights are fetched during this one, a line
// every other step for each of its outputs.
AVX512 __attribute__((always_inline)) static inline void wide_tile(const float *packed, const float *x, int64_t rows, const float *w,
                                                                   int64_t inputs, int64_t lanes, int64_t j, int prefetch, float *y,
                                                                   int64_t stride, int accumulate, const int P, const int O) {
    const int64_t steps = lanes / 8;
    __m512 s[PAIRS][WIDE_OUTPUTS];
    for (int p = 0; p < P; p++)
        for (int o = 0; o < O; o++) s[p][o] = _mm512_setzero_ps();
    for (int64_t k = 0; k < steps; k++) {
        if (prefetch && !(k & 1))
            for (int o = 0; o < O; o++) _mm_prefetch((const char *)(w + (j + O + o) * inputs + k * 8), PREFETCH_HINT);
        __m512 weights[WIDE_OUTPUTS];
        for (int o = 0; o < O; o++)
            weights[o] = _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(_mm256_loadu_ps(w + (j + o) * inputs + k * 8))));
        for (int p = 0; p < P; p++) {
            const __m512 input = _mm512_load_ps(packed + (k * P + p) * 16);
            for (int o = 0; o < O; o++) s[p][o] = _mm512_fmadd_ps(input, weights[o], s[p][o]);
        }
    }
    // Each half finishes as the AVX2 kernel's sum does, with its own function: the same bits.
    for (int p = 0; p < P; p++)
        for (int o = 0; o < O; o++) {
            const float *row = w + (j + o) * inputs;
            for (int half = 0; half < 2 && 2 * p + half < rows; half++) {
                const int64_t b = 2 * p + half;
                const float total = finish_lanes(half ? high_half(s[p][o]) : low_half(s[p][o]), x + b * inputs, row, lanes, inputs);
                float *out = y + b * stride + j + o;
                *out = accumulate ? *out + total : total;
            }
        }
}

// One tile over a group's pairs, the pair and output counts constants in each case so the
// tile's loops unroll and its accumulators stay in registers. A function of its own for each
// output count: inlined into the loops over groups, the compiler kept the accumulators in
// memory too, storing all 24 at every step.
#define WIDE_TILE(P, O) wide_tile(packed, x, rows, w, inputs, lanes, j, prefetch, y, stride, accumulate, P, O)
#define WIDE_TILES(O)                                                                                                              \
    AVX512 __attribute__((noinline)) static void wide_tiles_##O(const float *packed, const float *x, int64_t rows, const float *w, \
                                                               int64_t inputs, int64_t lanes, int64_t j, int prefetch, float *y, \
                                                               int64_t stride, int accumulate) {                                 \
        switch ((rows + 1) / 2) {                                                                                                  \
        case 1: WIDE_TILE(1, O); break;                                                                                            \
        case 2: WIDE_TILE(2, O); break;                                                                                            \
        case 3: WIDE_TILE(3, O); break;                                                                                            \
        case 4: WIDE_TILE(4, O); break;                                                                                            \
        case 5: WIDE_TILE(5, O); break;                                                                                            \
        case 6: WIDE_TILE(6, O); break;                                                                                            \
        case 7: WIDE_TILE(7, O); break;                                                                                            \
        default: WIDE_TILE(8, O); break;                                                                                           \
        }                                                                                                                          \
    }
WIDE_TILES(3)
WIDE_TILES(1)

AVX512 void gesal_row_products_avx512f(const float *x, int64_t rows, const float *w, int64_t inputs, int64_t first_output,
                                       int64_t end_output, int64_t stride, float *y, int accumulate) {
    const int64_t lanes = inputs / 8 * 8, steps = lanes / 8;
    const float *packed = pack(x, rows, inputs, steps);
    if (!packed) {
        // No memory for the packed rows (or no whole lanes to pack): the AVX2 kernel gives the
        // same bits.
        gesal_row_products_avx2_fma(x, rows, w, inputs, first_output, end_output, stride, y, accumulate);
        return;
    }
    // Outputs outside, groups of sixteen rows inside: a tile's weights come from memory once
    // and serve every group from the first-level cache, so the weights are read once
    // whatever the rows; the next tile's are fetched during the first group.
    int64_t j = first_output;
    for (; j + WIDE_OUTPUTS <= end_output; j += WIDE_OUTPUTS) {
        const int prefetch = j + 2 * WIDE_OUTPUTS <= end_output;
        for (int64_t b = 0; b < rows; b += 2 * PAIRS) {
            const int64_t group = rows - b < 2 * PAIRS ? rows - b : 2 * PAIRS;
            wide_tiles_3(packed + b / 2 * steps * 16, x + b * inputs, group, w, inputs, lanes, j, prefetch && b == 0, y + b * stride, stride,
                         accumulate);
        }
    }
    for (; j < end_output; j++)
        for (int64_t b = 0; b < rows; b += 2 * PAIRS) {
            const int64_t group = rows - b < 2 * PAIRS ? rows - b : 2 * PAIRS;
            wide_tiles_1(packed + b / 2 * steps * 16, x + b * inputs, group, w, inputs, lanes, j, 0, y + b * stride, stride, accumulate);
        }
}
