/* A cache of large array buffers between training steps.
 *
 * Why: a train step allocates the same large arrays every time (layer
 * outputs, im2col panels, gradients) and frees them at its end. glibc
 * returns the freed top of its heap to the kernel (and maps blocks past its
 * mmap threshold afresh), so the next step faults every page in again: a
 * small 3-D CNN step spent ~1000 page faults, about a third of its time,
 * zeroing pages (measured with perf, 2026-12-07). Freed blocks of at least
 * CK_MEMORY_MIN_BYTES are kept here by exact size and handed out again,
 * up to CK_MEMORY_CAP_BYTES in all; past that the sizes used longest ago
 * are released first.
 *
 * _memory makes them NumPy's allocator hooks (PyDataMem_Handler, NEP 49)
 * for large blocks, around ckeras' steps only, so other arrays of the
 * process keep NumPy's allocator. Thread-safe; a forked child starts with
 * an unlocked cache. */
#ifndef CK_MEMORY_H
#define CK_MEMORY_H

#include <stddef.h>

/* Smaller blocks come from glibc's bins (or NumPy's own small-block
 * cache), which reuse them without faults: the callers send them there. */
#define CK_MEMORY_MIN_BYTES ((size_t)64 * 1024)

/* malloc, calloc and free for blocks of at least CK_MEMORY_MIN_BYTES:
 * every block handed out came from malloc (so realloc and free work on
 * it), and ck_memory_free takes the size it was allocated with. */
void *ck_memory_malloc(size_t size);
void *ck_memory_calloc(size_t nelem, size_t elsize);
void ck_memory_free(void *ptr, size_t size);

/* Bytes held in the cache, and the number of blocks. */
void ck_memory_cached(size_t *bytes, size_t *blocks);
/* Frees every cached block (backend.clear_session). */
void ck_memory_release(void);

#endif /* CK_MEMORY_H */
