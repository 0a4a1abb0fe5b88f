// A buffer per thread that a kernel reuses from call to call and that goes back to the
// allocator when its thread ends. A plain _Thread_local pointer never does: libdispatch ends
// idle worker threads and starts new ones, and each new thread's buffer was lost (heaptrack,
// 300 served asks: 3.24 MB in 59 buffers, the long-session growth docs/reliability.md tells).
#pragma once

#include <stdint.h>

typedef struct gesal_thread_scratch gesal_thread_scratch;

// A new kind of scratch buffer, with its own per-thread buffers and its own byte count. It
// lives as long as the process (one per kernel, made once). NULL when the process is out of
// thread-specific keys or memory.
gesal_thread_scratch *gesal_thread_scratch_create(void);

// The calling thread's buffer of `scratch`, at least `floats` floats long and 64-byte aligned,
// grown when too short (its contents are not kept). NULL when it cannot be allocated.
float *gesal_thread_scratch_floats(gesal_thread_scratch *scratch, int64_t floats);

// Bytes held by the buffers of `scratch` on every thread alive.
int64_t gesal_thread_scratch_live_bytes(const gesal_thread_scratch *scratch);
