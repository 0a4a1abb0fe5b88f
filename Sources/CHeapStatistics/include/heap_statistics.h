// What the C allocator holds, for the memory benchmark: glibc's mallinfo2 is declared in
// <malloc.h>, which Swift's Glibc module does not bring in.
#pragma once

#include <stddef.h>

// Bytes in allocated heap blocks, from the arenas and from mmap (mallinfo2's uordblks plus
// hblkhd): what the program holds, without the freed memory the allocator keeps.
size_t gesal_heap_bytes_in_use(void);
