#include "ck_memory.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The most the cache holds: a CIFAR-sized CNN step's arrays at batch 64
 * with room to spare. */
#define CK_MEMORY_CAP_BYTES ((size_t)256 * 1024 * 1024)
/* Distinct sizes, and blocks of one size, kept at a time. */
#define CK_MEMORY_SIZES 64
#define CK_MEMORY_DEPTH 16

typedef struct {
    size_t size;             /* 0: a free slot */
    unsigned long long used; /* when a block of this size last came or went */
    int n;
    void *blocks[CK_MEMORY_DEPTH];
} ck_memory_class;

static ck_memory_class classes[CK_MEMORY_SIZES];
static size_t total_bytes, total_blocks;
static unsigned long long clock_ticks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* A child forked while another thread held the lock would wait forever. */
static void after_fork_child(void) { pthread_mutex_init(&lock, NULL); }
static void register_fork(void) { pthread_atfork(NULL, NULL, after_fork_child); }

static ck_memory_class *class_of(size_t size)
{
    int i;
    for (i = 0; i < CK_MEMORY_SIZES; ++i)
        if (classes[i].size == size) return &classes[i];
    return NULL;
}

static void drop_class(ck_memory_class *c)
{
    while (c->n > 0) {
        free(c->blocks[--c->n]);
        total_bytes -= c->size;
        --total_blocks;
    }
    c->size = 0;
}

/* The size used longest ago, other than `keep`, or NULL. */
static ck_memory_class *oldest(const ck_memory_class *keep)
{
    ck_memory_class *best = NULL;
    int i;
    for (i = 0; i < CK_MEMORY_SIZES; ++i) {
        ck_memory_class *c = &classes[i];
        if (c != keep && c->size != 0 && (best == NULL || c->used < best->used)) best = c;
    }
    return best;
}

static void *take(size_t size)
{
    ck_memory_class *c;
    void *p = NULL;
    pthread_mutex_lock(&lock);
    c = class_of(size);
    if (c != NULL && c->n > 0) {
        p = c->blocks[--c->n];
        total_bytes -= size;
        --total_blocks;
        c->used = ++clock_ticks;
    }
    pthread_mutex_unlock(&lock);
    return p;
}

void *ck_memory_malloc(size_t size)
{
    void *p;
    if (size >= CK_MEMORY_MIN_BYTES && (p = take(size)) != NULL) return p;
    return malloc(size);
}

void *ck_memory_calloc(size_t nelem, size_t elsize)
{
    void *p;
    if (elsize != 0 && nelem > SIZE_MAX / elsize) return NULL;
    /* zeroing a cached block writes it once; fresh pages fault, and the
     * kernel zeroes them first */
    if (nelem * elsize >= CK_MEMORY_MIN_BYTES && (p = take(nelem * elsize)) != NULL) {
        memset(p, 0, nelem * elsize);
        return p;
    }
    return calloc(nelem, elsize);
}

void ck_memory_free(void *ptr, size_t size)
{
    ck_memory_class *c;
    if (ptr == NULL) return;
    if (size < CK_MEMORY_MIN_BYTES || size > CK_MEMORY_CAP_BYTES) {
        free(ptr);
        return;
    }
    pthread_once(&fork_once, register_fork);
    pthread_mutex_lock(&lock);
    c = class_of(size);
    if (c == NULL) {
        c = class_of(0);
        if (c == NULL) {
            c = oldest(NULL);
            drop_class(c);
        }
        c->size = size;
    }
    if (c->n < CK_MEMORY_DEPTH) {
        ck_memory_class *old;
        while (total_bytes + size > CK_MEMORY_CAP_BYTES && (old = oldest(c)) != NULL)
            drop_class(old);
        if (total_bytes + size <= CK_MEMORY_CAP_BYTES) {
            c->blocks[c->n++] = ptr;
            total_bytes += size;
            ++total_blocks;
            c->used = ++clock_ticks;
            ptr = NULL;
        }
    }
    if (c->n == 0) c->size = 0;
    pthread_mutex_unlock(&lock);
    free(ptr);
}

void ck_memory_cached(size_t *bytes, size_t *blocks)
{
    pthread_mutex_lock(&lock);
    *bytes = total_bytes;
    *blocks = total_blocks;
    pthread_mutex_unlock(&lock);
}

void ck_memory_release(void)
{
    int i;
    pthread_mutex_lock(&lock);
    for (i = 0; i < CK_MEMORY_SIZES; ++i) drop_class(&classes[i]);
    pthread_mutex_unlock(&lock);
}
