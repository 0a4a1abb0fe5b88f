// GGML's block layouts (ggml-common.h) as the AVX2 kernels unpack them: shared by the kernel
// for a few rows (block_products.c) and the one for many (block_group_products.c).
#pragma once

#include "block_products.h"

#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

static inline uint16_t half_bits(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return h; }

static inline int64_t block_bytes(int format) {
    switch (format) {
    case GESAL_Q4_1: return 20;
    case GESAL_Q5_0: return 22;
    case GESAL_Q5_1: return 24;
    default: return 34;
    }
}

// Formats whose values are signed (their sign moves onto the activations), and those with a
// minimum m (a block adds m · xs).
static inline int is_signed(int format) { return format == GESAL_Q8_0 || format == GESAL_Q5_0; }
static inline int has_minimum(int format) { return format == GESAL_Q4_1 || format == GESAL_Q5_1; }

// 16 bytes of nibbles as 32 values: the low nibbles are values 0-15, the high ones 16-31.
AVX2 static inline __m256i nibbles(const uint8_t *p) {
    __m128i raw = _mm_loadu_si128((const __m128i *)p);
    __m128i low = _mm_and_si128(raw, _mm_set1_epi8(0x0F));
    __m128i high = _mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F));
    return _mm256_set_m128i(high, low);
}

// Q5's 32 fifth bits (bit i is value i's) as bytes of 16 or 0: byte i takes byte i/8 of the
// bits (vpshufb), keeps its bit i%8, and compares to set the byte where that bit was.
AVX2 static inline __m256i fifth_bits(const uint8_t *p) {
    uint32_t bits;
    memcpy(&bits, p, 4);
    __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits),
                                         _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    __m256i bit = _mm256_set1_epi64x((int64_t)0x8040201008040201);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

// One block's 32 values as bytes, unsigned where the format allows it: Q4_1 and Q5_1 as they
// are, Q5_0 its 5 bits (the value plus 16), Q8_0 its signed bytes. `block` starts at d:
//   Q4_1: d, m, 16 bytes of nibbles                Q8_0: d, 32 signed bytes
//   Q5_0: d, 4 bytes of fifth bits, nibbles        Q5_1: d, m, fifth bits, nibbles
AVX2 static inline __m256i block_values(const uint8_t *block, int format) {
    switch (format) {
    case GESAL_Q4_1: return nibbles(block + 4);
    case GESAL_Q5_0: return _mm256_or_si256(nibbles(block + 6), fifth_bits(block + 2));
    case GESAL_Q5_1: return _mm256_or_si256(nibbles(block + 8), fifth_bits(block + 4));
    default: return _mm256_loadu_si256((const __m256i *)(block + 2));
    }
}

// How far ahead of its reads a product fetches weights, in bytes (see prefetch_ahead).
#ifndef WEIGHTS_AHEAD
#define WEIGHTS_AHEAD 8192
#endif

// A product reads its outputs' rows, which lie one after another, a group of rows at a time
// and one block of each row per step. The hardware's prefetchers do not keep up with four or
// eight such interleaved streams, and fetching each block's own address a group ahead missed
// the second line of every block that straddles two. So each step fetches every line of the
// next `step_bytes` at WEIGHTS_AHEAD past `cursor`, the point the reads have reached as if they
// ran straight through the bytes, and nothing from `end` on (the end of the thread's run;
// after it is another thread's work): into L1 for the one-row kernel (`to_l1`), into L2 for
// the grouped one, whose unpacked blocks and activations fill L1 (each was the faster in
// scripts/block-stream-bench.c). Fetching never changes a number. On the Zen 4 host,
// `gesal-bench infer` decoded 147 to 180 tokens/s with this against 102 to 145 without, and
// an SVF-adapted model (Q8_0 MLP) at 0.84 to 0.90 of the base's speed against 0.73 to 0.78
// (docs/benchmarks.md, "Weights fetched ahead").
AVX2 static inline void prefetch_ahead(const uint8_t *cursor, int64_t step_bytes, const uint8_t *end, int to_l1) {
    const int64_t left = end - cursor;
    for (int64_t ahead = WEIGHTS_AHEAD; ahead < WEIGHTS_AHEAD + step_bytes + 64 && ahead < left; ahead += 64) {
        if (to_l1) _mm_prefetch((const char *)cursor + ahead, _MM_HINT_T0);
        else _mm_prefetch((const char *)cursor + ahead, _MM_HINT_T1);
    }
}

// `kernel(..., F)` with F the constant for `format`, so that each format gets its own copy of
// an always-inline kernel with the format's branches folded away.
#define SPECIALISED(format, kernel, ...)                  \
    switch (format) {                                     \
    case GESAL_Q4_1: kernel(__VA_ARGS__, GESAL_Q4_1); break; \
    case GESAL_Q5_0: kernel(__VA_ARGS__, GESAL_Q5_0); break; \
    case GESAL_Q5_1: kernel(__VA_ARGS__, GESAL_Q5_1); break; \
    default: kernel(__VA_ARGS__, GESAL_Q8_0);             \
    }

// The products for two rows or more (block_group_products.c), which gesal_block_products_avx2
// and _vnni hand their work to; q_sums are the activation blocks' Σq.
void gesal_block_group_products_avx2(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,
                                     const int32_t *q_sums, const float *xs, int64_t rows, int64_t inputs, int64_t first_output,
                                     int64_t end_output, int64_t stride, float *y, int accumulate);
void gesal_block_group_products_vnni(int format, const void *w, int64_t row_bytes, const int8_t *q, const float *dx,
                                     const int32_t *q_sums, const float *xs, int64_t rows, int64_t inputs, int64_t first_output,
                                     int64_t end_output, int64_t stride, float *y, int accumulate);
