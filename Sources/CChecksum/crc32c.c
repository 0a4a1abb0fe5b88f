#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int gesal_cpu_has_sse42(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

__attribute__((target("sse4.2")))
uint32_t gesal_crc32c_update_sse42(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    uint64_t state = (uint32_t)~crc;
    for (; length >= 8; p += 8, length -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);  // little-endian load, any alignment
        state = _mm_crc32_u64(state, word);
    }
    uint32_t narrow = (uint32_t)state;
    for (; length > 0; p++, length--) narrow = _mm_crc32_u8(narrow, *p);
    return ~narrow;
}
#else
int gesal_cpu_has_sse42(void) { return 0; }

uint32_t gesal_crc32c_update_sse42(uint32_t crc, const void *bytes, size_t length) {
    (void)bytes;
    (void)length;
    return crc;  // never called: gesal_cpu_has_sse42() is 0
}
#endif
