// CRC-32C with SSE 4.2's `crc32` instruction (EventLog's CRC32C in Swift): one instruction per
// 8 bytes where the portable slicing-by-8 tables take eight look-ups and as many XORs. Swift
// has no spelling for the instruction, hence this file.
#pragma once

#include <stddef.h>
#include <stdint.h>

// 1 when this CPU runs SSE 4.2 (every x86-64 made since 2008), else 0 (and on other CPUs).
int gesal_cpu_has_sse42(void);

// Continues CRC-32C `crc` (0 to start; the value a previous call returned) over `length`
// bytes at `bytes`: the same value as the portable tables. Call only when
// gesal_cpu_has_sse42() is 1.
uint32_t gesal_crc32c_update_sse42(uint32_t crc, const void *bytes, size_t length);
