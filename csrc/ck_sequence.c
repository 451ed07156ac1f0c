/* pthread_sigmask is POSIX, not C99: ask for it before any header. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "ck_sequence.h"

#include <stdint.h>
#include <string.h>

#if !defined(_WIN32) && !defined(CK_NO_THREADS)
#define CK_THREADS 1
#include <pthread.h>
#include <signal.h>
#else
#define CK_THREADS 0
#endif

size_t ck_pad_place(unsigned char *row, size_t maxlen, const unsigned char *src,
                    size_t len, ptrdiff_t stride, size_t item, int pad_post,
                    int trunc_post)
{
    size_t n = len < maxlen ? len : maxlen, k;
    const unsigned char *s = src;
    unsigned char *d;
    if (!trunc_post) s += (ptrdiff_t)(len - n) * stride;
    d = pad_post ? row : row + (maxlen - n) * item;
    if (stride == (ptrdiff_t)item) {
        if (n) memcpy(d, s, n * item);
    } else {
        for (k = 0; k < n; ++k) memcpy(d + k * item, s + (ptrdiff_t)k * stride, item);
    }
    return n;
}

void ck_pad_fill(unsigned char *dst, size_t n, const unsigned char *value, size_t item)
{
    size_t k, done;
    if (n == 0) return;
    if (item == 4) {  /* int32/float32: a plain loop the compiler vectorises */
        uint32_t v;
        memcpy(&v, value, 4);
        for (k = 0; k < n; ++k) memcpy(dst + 4 * k, &v, 4);
        return;
    }
    if (item == 8) {
        uint64_t v;
        memcpy(&v, value, 8);
        for (k = 0; k < n; ++k) memcpy(dst + 8 * k, &v, 8);
        return;
    }
    memcpy(dst, value, item);
    /* Doubling copies: log2(n) memcpy calls. */
    for (done = 1; done < n; done *= 2) {
        k = done < n - done ? done : n - done;
        memcpy(dst + done * item, dst, k * item);
    }
}

void ck_touch_pages(unsigned char *dst, size_t bytes)
{
    size_t k;
    /* 4096 is the smallest page size in use, so no page is missed. */
    for (k = 0; k < bytes; k += 4096) dst[k] = 0;
    if (bytes) dst[bytes - 1] = 0;
}

#if CK_THREADS
/* [lo, hi) is what is left; the calling thread takes chunks from the front,
 * the helper from the back, so each works through one contiguous part and
 * the threads write next to each other (cache lines shared by the ends of
 * two chunks' outputs) only where they meet, not at every chunk. */
typedef struct {
    void (*fn)(void *, size_t, size_t);
    void *ctx;
    size_t chunk, lo, hi;
    pthread_mutex_t lock;
} ck_chunks;

static int ck_claim(ck_chunks *c, int from_back, size_t *lo, size_t *hi)
{
    int more;
    pthread_mutex_lock(&c->lock);
    more = c->lo < c->hi;
    if (more) {
        size_t k = c->hi - c->lo < c->chunk ? c->hi - c->lo : c->chunk;
        if (from_back) {
            *hi = c->hi;
            *lo = c->hi -= k;
        } else {
            *lo = c->lo;
            *hi = c->lo += k;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return more;
}

static void ck_drain(ck_chunks *c, int from_back)
{
    size_t lo, hi;
    while (ck_claim(c, from_back, &lo, &hi)) c->fn(c->ctx, lo, hi);
}

static void *ck_helper(void *arg)
{
    ck_drain((ck_chunks *)arg, 1);
    return NULL;
}
#endif

void ck_run_chunks(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx, size_t n,
                   size_t chunk, int threads)
{
#if CK_THREADS
    ck_chunks c;
    pthread_t helper;
    sigset_t all, old;
    int started;
    if (chunk == 0) chunk = 1;
    if (threads < 2 || n <= chunk || pthread_mutex_init(&c.lock, NULL) != 0) {
        fn(ctx, 0, n);
        return;
    }
    c.fn = fn;
    c.ctx = ctx;
    c.chunk = chunk;
    c.lo = 0;
    c.hi = n;
    /* The helper starts with every signal blocked, so signals keep going to
     * the caller's thread (CPython handles them on the main thread only). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    started = pthread_create(&helper, NULL, ck_helper, &c) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* Chunks are handed out on demand rather than split in halves: when the
     * other core is busy and the helper starts late, the caller simply takes
     * more of them (and alone does them all if the helper cannot start). */
    ck_drain(&c, 0);
    if (started) pthread_join(helper, NULL);
    pthread_mutex_destroy(&c.lock);
#else
    (void)chunk;
    (void)threads;
    fn(ctx, 0, n);
#endif
}
