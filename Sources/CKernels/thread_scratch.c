#include "thread_scratch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct gesal_thread_scratch {
    pthread_key_t key;  // a thread's `owned` buffer, freed by release() when the thread ends
    _Atomic int64_t live_bytes;
};

typedef struct {
    gesal_thread_scratch *scratch;
    float *floats;
    int64_t capacity;
} owned;

static void release(void *value) {
    owned *buffer = value;
    atomic_fetch_sub(&buffer->scratch->live_bytes, buffer->capacity * (int64_t)sizeof(float));
    free(buffer->floats);
    free(buffer);
}

gesal_thread_scratch *gesal_thread_scratch_create(void) {
    gesal_thread_scratch *scratch = calloc(1, sizeof *scratch);
    if (scratch && pthread_key_create(&scratch->key, release) != 0) {
        free(scratch);
        return NULL;
    }
    return scratch;
}

float *gesal_thread_scratch_floats(gesal_thread_scratch *scratch, int64_t floats) {
    owned *buffer = pthread_getspecific(scratch->key);
    if (buffer && buffer->capacity >= floats) return buffer->floats;
    if (!buffer) {
        if (!(buffer = calloc(1, sizeof *buffer))) return NULL;
        buffer->scratch = scratch;
        if (pthread_setspecific(scratch->key, buffer) != 0) {
            free(buffer);
            return NULL;
        }
    }
    atomic_fetch_sub(&scratch->live_bytes, buffer->capacity * (int64_t)sizeof(float));
    free(buffer->floats);
    // aligned_alloc wants a size that is a multiple of the alignment.
    const size_t bytes = ((size_t)(floats > 0 ? floats : 1) * sizeof(float) + 63) / 64 * 64;
    buffer->floats = aligned_alloc(64, bytes);
    buffer->capacity = buffer->floats ? (int64_t)(bytes / sizeof(float)) : 0;
    atomic_fetch_add(&scratch->live_bytes, buffer->capacity * (int64_t)sizeof(float));
    return buffer->floats;
}

int64_t gesal_thread_scratch_live_bytes(const gesal_thread_scratch *scratch) {
    return atomic_load(&((gesal_thread_scratch *)scratch)->live_bytes);
}
