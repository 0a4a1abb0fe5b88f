#include "heap_statistics.h"

#include <malloc.h>

size_t gesal_heap_bytes_in_use(void) {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
